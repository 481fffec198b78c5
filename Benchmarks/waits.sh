#!/bin/sh
# Wait-heavy streams through the release `aslx run` with default settings (issue 13):
#   5,000 x Wait 2 s (target: under 3 s), 100,000 x Wait 1 s (target: under 4 s), and with
#   --unbounded, 400,000 x Wait 3 s to show peak memory staying bounded by --max-memory.
# Usage: Benchmarks/waits.sh [PATH-TO-ASLX] [--unbounded]
set -eu
ASLX=${1:-.build/release/aslx}
TMP=${TMPDIR:-/tmp}/aslx-waits.$$
mkdir -p "$TMP"
trap 'rm -rf "$TMP"' EXIT
run() {  # N SECONDS
  printf '{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":%s,"End":true}}}\n' "$2" > "$TMP/w.asl.json"
  seq 1 "$1" | sed 's/.*/{"i":&}/' > "$TMP/in.ndjson"
  /usr/bin/time -f "%e s elapsed, %M KB peak RSS" "$ASLX" run "$TMP/w.asl.json" < "$TMP/in.ndjson" 2> "$TMP/time" | wc -l > "$TMP/count"
  printf '%8d x Wait %s s: %s records, %s\n' "$1" "$2" "$(cat "$TMP/count")" "$(tail -1 "$TMP/time")"
}
run 5000 2
run 100000 1
if [ "${2:-}" = "--unbounded" ]; then run 400000 3; fi
