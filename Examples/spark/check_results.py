#!/usr/bin/env python3
"""Checks a finished aslx_spark.py run against its input and a single-process `aslx run`.

    check_results.py --events DIR --output DIR --reference FILE --log FILE [--expect-retries N]

--reference holds the records of one `aslx run` over the same events (all files concatenated);
--log is the job's stdout and stderr. Prints one line per check and a closing
"spark: N passed, N failed" line; exits 1 if any check failed.
"""
import argparse
import collections
import glob
import json
import os
import re
import sys


def read_json_lines(paths):
    for path in paths:
        with open(path, "rb") as lines:
            for line in lines:
                if line.strip():
                    yield json.loads(line)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--reference", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--expect-retries", type=int, default=1)
    args = parser.parse_args()

    results = []

    def check(name, ok, detail):
        results.append(ok)
        print(f"spark: {'ok  ' if ok else 'FAIL'} {name}: {detail}")

    ids = [event["id"] for event in read_json_lines(sorted(glob.glob(os.path.join(args.events, "*.ndjson"))))]
    parts = sorted(glob.glob(os.path.join(args.output, "part-*")))
    records = list(read_json_lines(parts))
    reference = list(read_json_lines([args.reference]))
    with open(args.log, encoding="utf-8", errors="replace") as log_file:
        log = log_file.read()

    check("job committed", os.path.exists(os.path.join(args.output, "_SUCCESS")) and len(parts) > 1,
          f"_SUCCESS present, {len(parts)} part files")

    injected = re.findall(r"aslx_spark: injected failure: .*", log)
    lost = re.findall(r"Lost task [^\n]*", log)
    summary = re.search(r"aslx_spark summary: (\{.*\})", log)
    retried = json.loads(summary.group(1))["retried_partitions"] if summary else None
    check("injected failure retried",
          len(injected) == args.expect_retries and len(lost) == args.expect_retries and retried == args.expect_retries,
          f"{len(injected)} kill(s) injected, {len(lost)} task(s) lost, {retried} partition(s) succeeded on a retry"
          + (f"; {injected[0]}" if injected else ""))

    names = collections.Counter(record.get("name") for record in records)
    duplicated = [name for name, count in names.items() if count > 1]
    missing = set(ids) - set(names)
    extra = set(names) - set(ids)
    check("exactly one record per event",
          len(ids) == len(set(ids)) and len(records) == len(ids) and not duplicated and not missing and not extra,
          f"{len(ids)} events, {len(records)} records, {len(duplicated)} duplicated, {len(missing)} missing, "
          f"{len(extra)} unexpected" + (f" (e.g. {sorted(duplicated or missing or extra)[0]})"
                                        if duplicated or missing or extra else ""))

    spark_counts = collections.Counter(record.get("status") for record in records)
    single_counts = collections.Counter(record.get("status") for record in reference)
    check("status counts equal a single aslx run", spark_counts == single_counts and len(reference) == len(ids),
          f"Spark {dict(sorted(spark_counts.items()))}, single process {dict(sorted(single_counts.items()))}")

    by_name = {record["name"]: record for record in reference}
    differing = [r["name"] for r in records
                 if r.get("name") in by_name and (r.get("status"), r.get("output"), r.get("error"))
                 != (by_name[r["name"]]["status"], by_name[r["name"]].get("output"), by_name[r["name"]].get("error"))]
    check("each record equals the single run's", not differing,
          f"{len(differing)} records differ in status, output or error" + (f" (e.g. {differing[0]})" if differing else ""))

    spark_summary = json.loads(summary.group(1))["statuses"] if summary else None
    check("job's summary matches its output", spark_summary == dict(spark_counts),
          f"printed {spark_summary}")

    passed = sum(results)
    print(f"spark: {passed} passed, {len(results) - passed} failed")
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
