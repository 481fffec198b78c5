#!/usr/bin/env python3
"""The Spark path's steady state: several passes over the same events in one SparkContext, so the
JVM's start-up and JIT warm-up (the first pass) are out of the later figures.

    PYSPARK_PYTHON=.build/spark-venv/bin/python .build/spark-venv/bin/python \\
        Examples/spark/bench_warm.py EVENTS_DIR ASLX [--master local[2]] [--runs 3]

Rows: the job's pipe_through_aslx (Python worker between the JVM and aslx); Scala's RDD.pipe of
aslx (no Python in the data path); and both with `cat` in aslx's place (the cost of moving lines
alone). Each writes the records with saveAsTextFile to a scratch folder.
"""
import argparse
import os
import shutil
import sys
import tempfile
import time

from pyspark import SparkConf, SparkContext

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
import aslx_spark  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("events")
    parser.add_argument("aslx")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    machine, mock = os.path.join(here, "orders.asl.json"), os.path.join(here, "mock-config.json")
    aslx = os.path.abspath(args.aslx)

    sc = SparkContext.getOrCreate(SparkConf().setMaster(args.master).setAppName("aslx bench_warm")
                                  .set("spark.ui.showConsoleProgress", "false"))
    sc.setLogLevel("ERROR")
    sc.addPyFile(os.path.join(here, "aslx_spark.py"))
    for path in (aslx, machine, mock):
        sc.addFile(path)
    cat = os.path.join(tempfile.mkdtemp(), "cat")
    with open(cat, "w") as script:
        script.write("#!/bin/sh\nexec cat\n")
    os.chmod(cat, 0o755)
    job = aslx_spark.parse_arguments(["--machine", machine, "--input", args.events, "--output", "-",
                                      "--mock-config", mock, "--test-case", "Spark", "--", "--threads", "1"])
    shipped = {"aslx": os.path.basename(aslx), "machine": "orders.asl.json", "mock": "mock-config.json"}
    retried = sc.accumulator(0)
    # Local mode only: the driver's SparkFiles folder is the executors' too.
    command = " ".join(aslx_spark._aslx_command({"aslx": aslx, "machine": machine, "mock": mock}, job))
    rows = {
        "pipe_through_aslx (the job)": lambda: sc.textFile(args.events, use_unicode=False)
        .mapPartitions(aslx_spark.pipe_through_aslx(shipped, job, retried)),
        "Scala RDD.pipe(aslx)": lambda: sc._jsc.textFile(args.events).rdd().pipe(command),
        "pipe_through_aslx with cat": lambda: sc.textFile(args.events, use_unicode=False)
        .mapPartitions(aslx_spark.pipe_through_aslx(dict(shipped, aslx="cat"), job, retried)),
        "Scala RDD.pipe(cat)": lambda: sc._jsc.textFile(args.events).rdd().pipe("cat"),
    }
    sc.addFile(cat)
    out = tempfile.mkdtemp()
    for run in range(1, args.runs + 1):
        for name, make in rows.items():
            target = os.path.join(out, "o")
            shutil.rmtree(target, ignore_errors=True)
            started = time.monotonic()
            make().saveAsTextFile(target)
            print(f"run {run}: {name:<30} {time.monotonic() - started:6.1f} s", flush=True)
    shutil.rmtree(out, ignore_errors=True)
    sc.stop()


if __name__ == "__main__":
    main()
