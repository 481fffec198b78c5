#!/usr/bin/env bash
# Builds the libFuzzer binary for every aslx fuzz target: .build/fuzz/aslx-fuzz.
#
# SwiftPM cannot build it (an executable target brings a `main`, which clashes with
# libFuzzer's, and the library targets must not carry unsafe flags), so this compiles the
# library modules and the harness with swiftc directly, all instrumented for coverage
# (-sanitize=fuzzer) and checked by AddressSanitizer. Usage: Tests/Fuzz/build.sh [-Onone]
set -euo pipefail
cd "$(dirname "$0")/../.."
out=.build/fuzz
mkdir -p "$out"
opt="${1:--O}"
# -package-name: the modules share `package` declarations, as SwiftPM builds them.
flags=(-sanitize=fuzzer,address -parse-as-library -enable-testing -g "$opt" -swift-version 6 -package-name aslx -I "$out")

# Dependency order: each module is a static library plus its .swiftmodule. A module is
# rebuilt when a source is newer than its stamp or when a module before it was rebuilt.
rebuilt=0
for module in ASLJSON WorkStealing JSONata ASL; do
    sources=$(find "Sources/$module" -name '*.swift' | sort)
    stamp="$out/$module.stamp"
    if [ "$rebuilt" = 0 ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$opt" ] \
        && [ -z "$(find "Sources/$module" -name '*.swift' -newer "$stamp")" ]; then
        continue
    fi
    echo "fuzz build: $module ($opt)" >&2
    # shellcheck disable=SC2086
    swiftc "${flags[@]}" -module-name "$module" -emit-module -emit-module-path "$out/$module.swiftmodule" \
        -emit-library -static -o "$out/lib$module.a" $sources
    echo "$opt" > "$stamp"
    rebuilt=1
done

if [ "$rebuilt" = 1 ] || [ ! -x "$out/aslx-fuzz" ] || [ -n "$(find Tests/Fuzz/Harness -newer "$out/aslx-fuzz")" ]; then
    echo "fuzz build: aslx-fuzz" >&2
    # gold warns once per ASan helper symbol ("Cannot export local symbol"): noise, dropped.
    swiftc "${flags[@]}" -module-name ASLXFuzz Tests/Fuzz/Harness/*.swift \
        -L "$out" -lASL -lJSONata -lWorkStealing -lASLJSON -o "$out/aslx-fuzz" \
        2> >(grep -v "Cannot export local symbol" >&2)
fi
echo "$out/aslx-fuzz"
