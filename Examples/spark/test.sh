#!/usr/bin/env bash
# End-to-end test of aslx under Apache Spark (local mode), with an injected failure.
#
#   Examples/spark/test.sh            # what CI runs (.ci/run)
#
# Installs what is missing: a Java runtime (Debian's openjdk-17-jre-headless, as root) and PyPI's
# pyspark in a virtualenv under .build/spark-venv. Builds the shipped binary
# (build-binary.sh: static Swift runtime, ldd check, runs alone in an empty folder), unless
# ASLX=/path/to/aslx is given. Then generates $EVENTS events (default 200,000) in 8 files, runs
# aslx_spark.py with master local[2,2] (2 threads, a task may fail once) while killing one
# partition's aslx half-way through its first attempt, and checks with check_results.py that the
# task was retried, the job committed, every event has exactly one record, and the records and
# per-status counts equal those of a single `aslx run` over the same events.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work="$root/.build/spark-test"
venv="$root/.build/spark-venv"
events=${EVENTS:-200000}
pyspark_version=${PYSPARK_VERSION:-4.3.0}
started=$SECONDS

step() { echo "spark-test: $* ($((SECONDS - started)) s)"; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"
    elif command -v sudo >/dev/null; then sudo "$@"
    else echo "spark-test: need root to run: $*" >&2; return 1
    fi
}

apt_updated=
apt_install() {
    if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@"
}

# Java 17 or later (Spark 4 needs it).
java_ok() {
    local major
    major=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
    [ -n "$major" ] && [ "$major" -ge 17 ]
}
if ! command -v java >/dev/null || ! java_ok; then
    step "installing openjdk-17-jre-headless"
    apt_install openjdk-17-jre-headless
fi

# pyspark in a virtualenv.
command -v python3 >/dev/null || apt_install python3 python3-venv
if ! "$venv/bin/python" -c "import pyspark; assert pyspark.__version__ == '$pyspark_version'" 2>/dev/null; then
    step "installing pyspark $pyspark_version into $venv"
    rm -rf "$venv"
    if ! python3 -m venv "$venv" 2>/dev/null; then
        rm -rf "$venv"
        apt_install python3-venv
        python3 -m venv "$venv"
    fi
    "$venv/bin/pip" install --quiet "pyspark==$pyspark_version"
fi
export PYSPARK_PYTHON="$venv/bin/python" PYSPARK_DRIVER_PYTHON="$venv/bin/python"

# The binary that ships to the executors.
if [ -z "${ASLX:-}" ]; then
    step "building the static aslx"
    "$here/build-binary.sh"
    ASLX="$root/.build-static/aslx"
fi

step "generating $events events"
rm -rf "$work"
mkdir -p "$work"
python3 "$here/gen_events.py" "$work/events" --events "$events" --files 8

step "single-process aslx run (the reference)"
run_options=(--name-path '$.id' --mock-config "$here/mock-config.json" --test-case Spark)
cat "$work"/events/*.ndjson | "$ASLX" run "$here/orders.asl.json" "${run_options[@]}" --no-progress > "$work/reference.ndjson"

kill_after=$((events / 16))  # half of one of the 8 files' partitions
step "Spark job in local[2,2], killing partition 3's aslx after $kill_after records on its first attempt"
status=0
"$venv/bin/python" "$here/aslx_spark.py" --master 'local[2,2]' \
    --aslx "$ASLX" --machine "$here/orders.asl.json" \
    --mock-config "$here/mock-config.json" --test-case Spark \
    --input "$work/events" --output "$work/output" \
    --inject-kill-after "$kill_after" --inject-kill-partition 3 > "$work/job.log" 2>&1 || status=$?
grep -E '^aslx_spark|^  [A-Z_]+ +[0-9]|^  partitions|WARN TaskSetManager: Lost task' "$work/job.log" | cut -c1-240 || true
if [ "$status" != 0 ]; then
    tail -40 "$work/job.log" >&2
    echo "spark-test: the job failed (exit $status); log: $work/job.log" >&2
    exit 1
fi

step "checking"
"$venv/bin/python" "$here/check_results.py" --events "$work/events" --output "$work/output" \
    --reference "$work/reference.ndjson" --log "$work/job.log" --expect-retries 1

# The checker must notice what a pipe that ignores aslx's exit status would commit: the records
# a killed attempt wrote before it died, and nothing after.
step "checking that the checker notices a partition cut short"
cut="$work/output-cut"
mkdir -p "$cut"
for part in "$work"/output/part-* "$work/output/_SUCCESS"; do ln -s "$part" "$cut/"; done
rm "$cut/part-00003"
head -n "$kill_after" "$work/output/part-00003" > "$cut/part-00003"
if "$venv/bin/python" "$here/check_results.py" --events "$work/events" --output "$cut" \
        --reference "$work/reference.ndjson" --log "$work/job.log" --expect-retries 1 > "$work/cut-check.log"; then
    echo "spark-test: the checker accepted an output with $kill_after of a partition's records missing" >&2
    exit 1
fi
grep 'FAIL exactly one record' "$work/cut-check.log"
step "done"
