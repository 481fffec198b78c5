#!/usr/bin/env bash
# Runs every ```sh block of README.md that is marked runnable (the line `<!-- runnable -->` right
# above its opening fence), as written, and fails on the first command that fails.
#
# The blocks run in order, in one bash (set -euo pipefail), in a scratch folder that holds a copy
# of Examples/, with HOME pointing into it (so an install line writes nowhere else) and
# $HOME/.local/bin plus the release build folder on PATH. `swift ...` commands act on this
# package (--package-path), so `swift build`/`swift run` lines work from the scratch folder.
# Lines starting with `swift test` are left out: CI runs the tests itself.
#
# Usage: .ci/readme-commands.sh [FILE.md ...]   (default: README.md)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
files=("$@")
[ ${#files[@]} -gt 0 ] || files=("$root/README.md")

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
cp -R "$root/Examples" "$scratch/Examples"
mkdir -p "$scratch/home"

script="$scratch/readme-commands.bash"
{
    echo 'set -euo pipefail'
    # `swift SUBCOMMAND ARGS` acts on the package, wherever the command runs.
    echo "swift() { local sub=\"\$1\"; shift; command swift \"\$sub\" --package-path '$root' \"\$@\"; }"
    echo 'set -v  # print each command as it runs'
    for file in "${files[@]}"; do
        awk -v file="$file" '
            /^<!-- runnable -->[[:space:]]*$/ { marked = NR; next }
            /^```sh[[:space:]]*$/ && marked == NR - 1 { inblock = 1; print "# --- " file ":" NR; next }
            /^```/ && inblock { inblock = 0; next }
            inblock && /^swift test/ { next }
            inblock && NF { print }
        ' "$file"
    done
} > "$script"

blocks=$(grep -c '^# --- ' "$script" || true)
if [ "$blocks" -eq 0 ]; then
    echo "readme-commands: no runnable blocks found in ${files[*]}" >&2
    exit 1
fi
echo "readme-commands: $blocks runnable block(s)"
bin="$(cd "$root" && swift build -c release --show-bin-path)"
cd "$scratch"
HOME="$scratch/home" PATH="$scratch/home/.local/bin:$bin:$PATH" bash "$script"
echo "readme-commands: all runnable README commands passed"
