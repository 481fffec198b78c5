#!/usr/bin/env bash
# Throughput of one `aslx run` process against the Spark job in local mode on the same events,
# and the Spark job with `cat` in aslx's place (the cost of Spark, PySpark and the pipes alone).
# The three are interleaved, RUNS times each, so a busy machine slows them alike.
#
#   Examples/spark/bench.sh [EVENTS=400000] [RUNS=3] [MASTER=local[2]]   (environment variables)
#
# Needs what test.sh installs (run it once) and the static binary (.build-static/aslx, or ASLX=).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
venv="$root/.build/spark-venv"
work="$root/.build/spark-bench"
aslx=${ASLX:-$root/.build-static/aslx}
events=${EVENTS:-400000}
runs=${RUNS:-3}
master=${MASTER:-local[2]}
export PYSPARK_PYTHON="$venv/bin/python" PYSPARK_DRIVER_PYTHON="$venv/bin/python"

rm -rf "$work"
mkdir -p "$work"
python3 "$here/gen_events.py" "$work/events" --events "$events" --files 8 --no-stalls
printf '#!/bin/sh\nexec cat\n' > "$work/cat-as-aslx"
chmod +x "$work/cat-as-aslx"
options=(--name-path '$.id' --mock-config "$here/mock-config.json" --test-case Spark)

spark() {  # $1: the binary to ship; prints the job's wall time and its write stage's time
    rm -rf "$work/output"
    local start=$(date +%s.%N)
    "$venv/bin/python" "$here/aslx_spark.py" --master "$master" --aslx "$1" --machine "$here/orders.asl.json" \
        --mock-config "$here/mock-config.json" --test-case Spark \
        --input "$work/events" --output "$work/output" > "$work/job.log" 2>&1
    local end=$(date +%s.%N)
    local stage=$(sed -n 's/.*"seconds": \([0-9.]*\).*/\1/p' "$work/job.log")
    echo "$(awk "BEGIN{printf \"%.2f\", $end - $start}") s wall, $stage s writing"
}

echo "$events events, $runs runs, master $master, $(nproc) cores"
for run in $(seq "$runs"); do
    start=$(date +%s.%N)
    cat "$work"/events/*.ndjson | "$aslx" run "$here/orders.asl.json" "${options[@]}" --no-progress > /dev/null
    end=$(date +%s.%N)
    echo "run $run: one aslx run:        $(awk "BEGIN{printf \"%.2f\", $end - $start}") s"
    echo "run $run: Spark + aslx:        $(spark "$aslx")"
    echo "run $run: Spark + cat (floor): $(spark "$work/cat-as-aslx")"
done
