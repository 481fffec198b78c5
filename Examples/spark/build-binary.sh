#!/usr/bin/env bash
# Builds the aslx binary that ships to machines without Swift (Spark executors, containers): a
# release build with the Swift runtime and Foundation linked in statically. It then checks that
# the binary needs no Swift library (ldd) and that a copy of the file alone, in an empty folder,
# runs the example machine.
#
#   Examples/spark/build-binary.sh [OUT]    # OUT defaults to .build-static/aslx
#
# The build uses its own scratch folder (.build-static, or $ASLX_STATIC_SCRATCH) so it leaves the
# normal .build untouched. OUT is stripped of symbols (set ASLX_STRIP=0 to keep them).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
scratch=${ASLX_STATIC_SCRATCH:-$root/.build-static}
out=${1:-$scratch/aslx}
cd "$root"

# The HTTP Task uses FoundationNetworking, whose static library links `-lcurl`: point the
# linker at the system's shared libcurl (libcurl4, which every Swift-on-Linux machine has)
# through a `libcurl.so` link of our own, so no -dev package is needed.
curl=$(ldconfig -p | awk '/libcurl\.so\.4 .*x86-64|libcurl\.so\.4 .*AArch64/ {print $NF; exit}')
[ -n "$curl" ] || curl=$(ldconfig -p | awk '/libcurl\.so\.4 / {print $NF; exit}')
[ -n "$curl" ] || { echo "build-binary: no libcurl.so.4 on this machine (apt-get install -y libcurl4)" >&2; exit 1; }
mkdir -p "$scratch/link"
ln -sf "$curl" "$scratch/link/libcurl.so"
build=(swift build -c release --static-swift-stdlib --scratch-path "$scratch" --product aslx -Xlinker -L"$scratch/link")
"${build[@]}"
built="$("${build[@]}" --show-bin-path)/aslx"

mkdir -p "$(dirname "$out")"
if [ "${ASLX_STRIP:-1}" != 0 ] && command -v strip >/dev/null; then
    strip -o "$out.tmp" "$built"
else
    cp "$built" "$out.tmp"
fi
mv "$out.tmp" "$out"

# No Swift runtime, Foundation or dispatch library may be loaded from the system.
if ldd "$out" | grep -E 'libswift|libFoundation|lib_Foundation|libdispatch|libBlocksRuntime'; then
    echo "build-binary: $out still links the Swift libraries above" >&2
    exit 1
fi

# A copy alone in an empty folder, with an empty environment, runs a machine.
alone=$(mktemp -d)
trap 'rm -rf "$alone"' EXIT
cp "$out" "$alone/aslx"
cp Examples/hello.asl.json "$alone/"
result=$(cd "$alone" && env -i ./aslx run hello.asl.json <<<'{"name":"Ada","amount":250,"items":[1,2,3]}')
case "$result" in
    *'"status":"SUCCEEDED"'*'"greeting":"Hello, Ada!"'*) ;;
    *) echo "build-binary: the copy in an empty folder did not run: $result" >&2; exit 1 ;;
esac
echo "build-binary: $out ($(du -h "$out" | cut -f1), needs only: $(ldd "$out" | awk '{print $1}' | tr '\n' ' '))"
