#!/usr/bin/env bash
# Proves that aslx works as a *versioned* SwiftPM dependency (SwiftPM refuses `from:` on a
# package whose product targets use unsafe build flags) and that README's Swift examples run
# against the library product as a user's program would.
#
# 1. Clones this repository's HEAD into a temporary folder and tags it 0.1.0 (the only tag).
# 2. Creates a throwaway package there that depends on it with
#    .package(url: "file://…/aslx", from: "0.1.0") and uses the ASL product.
# 3. Puts every ```swift block of README.md into that package (one function per block, imports
#    hoisted), builds it (debug: cheap) and runs it from the clone's root (where Examples/ is).
# 4. Checks that each `print(...)  // EXPECTED` line of the README printed EXPECTED.
#
# Commit first: the clone sees HEAD, not the working tree.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

git clone --quiet --no-hardlinks "$root" "$work/aslx"
git -C "$work/aslx" tag | while read -r t; do git -C "$work/aslx" tag -d "$t" >/dev/null; done
git -C "$work/aslx" -c user.name=ci -c user.email=ci@localhost tag -a 0.1.0 -m "consumer test"

consumer="$work/Consumer"
mkdir -p "$consumer/Sources/Consumer"
cat > "$consumer/Package.swift" <<SWIFT
// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Consumer",
    platforms: [.macOS(.v15)],
    dependencies: [.package(url: "file://$work/aslx", from: "0.1.0")],
    targets: [.executableTarget(name: "Consumer", dependencies: [.product(name: "ASL", package: "aslx")])]
)
SWIFT

# README's Swift blocks → Example1.swift, Example2.swift, ... and main.swift calling them in order;
# expected.txt gets the `// …` comment of each print line.
python3 - "$root/README.md" "$consumer/Sources/Consumer" "$work/expected.txt" <<'PY'
import re, sys, pathlib
readme, out, expected_path = sys.argv[1], pathlib.Path(sys.argv[2]), sys.argv[3]
blocks = re.findall(r"^```swift\n(.*?)^```$", open(readme).read(), re.S | re.M)
if not blocks:
    sys.exit("consumer-package: README.md has no ```swift blocks")
calls, expected = [], []
for n, block in enumerate(blocks, 1):
    lines = block.rstrip("\n").split("\n")
    imports = sorted({l for l in lines if l.startswith("import ")})
    body = [l for l in lines if not l.startswith("import ")]
    (out / f"Example{n}.swift").write_text(
        "\n".join(imports) + f"\n\nfunc example{n}() async throws {{\n" + "\n".join("    " + l for l in body) + "\n}\n")
    calls.append(f"try await example{n}()")
    expected += [m.group(1) for l in body if l.startswith("print(") for m in [re.search(r"//\s*(.*)$", l)] if m]
(out / "main.swift").write_text("\n".join(calls) + "\n")
open(expected_path, "w").write("\n".join(expected) + "\n")
print(f"consumer-package: {len(blocks)} README Swift block(s), {len(expected)} expected output line(s)")
PY

echo "consumer-package: building a package that depends on aslx from: \"0.1.0\""
swift build --package-path "$consumer" 2>&1 | tail -n 3
binary="$(swift build --package-path "$consumer" --show-bin-path)/Consumer"
(cd "$work/aslx" && "$binary") > "$work/actual.txt"
if ! diff -u "$work/expected.txt" "$work/actual.txt"; then
    echo "consumer-package: README's examples did not print what the README says (diff above: - README, + actual)" >&2
    exit 1
fi
echo "consumer-package: OK"
