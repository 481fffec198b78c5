#!/usr/bin/env bash
# Builds the fuzz targets (Tests/Fuzz/build.sh) and runs each for a time budget; fails on
# the first crash, trap, sanitizer report or violated property. CI runs `--seconds 20`.
#
#   Tests/Fuzz/run.sh [--seconds N] [--runs N] [--jobs N] [TARGET...]
#
# TARGETs: json definition aslc intrinsic jsonata execution (default: all). New interesting
# inputs go to .build/fuzz/corpus/TARGET (the committed seeds in Tests/Fuzz/corpus/TARGET are
# only read); a crashing input is saved as .build/fuzz/artifacts/TARGET-crash-*, and its
# reproduction is `ASLX_FUZZ_TARGET=TARGET .build/fuzz/aslx-fuzz FILE`.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=20
runs=-1
targets=()
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) seconds="$2"; shift 2 ;;
        --runs) runs="$2"; seconds=0; shift 2 ;;
        -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) targets+=("$1"); shift ;;
    esac
done
[ ${#targets[@]} -eq 0 ] && targets=(json definition aslc intrinsic jsonata execution)

binary=$(Tests/Fuzz/build.sh)
mkdir -p .build/fuzz/artifacts
# Leak checking is off: the Swift runtime's metadata caches and the engine's worker threads
# live for the whole process, which LeakSanitizer would report after every run.
export ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=1:${ASAN_OPTIONS:-}"
status=0
for target in "${targets[@]}"; do
    work=".build/fuzz/corpus/$target"
    mkdir -p "$work" "Tests/Fuzz/corpus/$target"
    echo "fuzz: $target (${seconds}s, runs $runs)" >&2
    log=".build/fuzz/$target.log"
    if ASLX_FUZZ_TARGET="$target" "$binary" "$work" "Tests/Fuzz/corpus/$target" \
        -max_total_time="$seconds" -runs="$runs" -timeout=30 -rss_limit_mb=4096 -max_len=16384 \
        -artifact_prefix=".build/fuzz/artifacts/$target-" -print_final_stats=1 >"$log" 2>&1; then
        grep -E "^stat::number_of_executed_units|^stat::average_exec_per_sec|^Done" "$log" | tr '\n' ' ' >&2; echo >&2
    else
        status=1
        tail -n 60 "$log" >&2
        echo "fuzz: $target FAILED (log: $log; inputs: .build/fuzz/artifacts/$target-*)" >&2
    fi
done
exit $status
