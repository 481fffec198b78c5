#!/usr/bin/env python3
"""Runs an ASL state machine over a directory of NDJSON events with Apache Spark and aslx.

Each input partition is piped through one `aslx run` process on an executor (the partition's lines
on its stdin, one result record per line on its stdout), and the records are written, one part file
per partition, to the output directory. The binary, the definition and the optional mock config are
shipped to the executors with SparkContext.addFile, so the executors need neither Swift nor aslx
installed. Execution names come from the events (--name-path), so a retried task or a re-run of the
job gives every event the same name, and a consumer can de-duplicate by it.

At-least-once: a task whose aslx process fails (killed, crashed, a result missing) raises, Spark
retries the task (spark.task.maxFailures), and only the successful attempt's part file is committed.

    spark-submit --master yarn aslx_spark.py --aslx ./aslx --machine orders.asl.json \\
        --input hdfs:///events/ --output hdfs:///results/ [-- extra aslx run options]

Options after `--` go to `aslx run` unchanged (e.g. `-- --unordered --timeout 60`).
"""
import argparse
import json
import os
import subprocess
import sys
import threading
import time

# Options that would break "one stdout line per input line", which the job checks per partition.
_REFUSED = {
    "--format output": "--format output writes failures to stderr, so some events would have no record",
    "--journal": "--journal resumes a single process; under Spark a failed task is retried whole",
}


def _aslx_command(shipped, args):
    """The `aslx run` argument list; `shipped` maps option values to names given to addFile."""
    command = [shipped["aslx"], "run", shipped["machine"], "--name-path", args.name_path, "--no-progress"]
    if "mock" in shipped:
        command += ["--mock-config", shipped["mock"], "--test-case", args.test_case]
    return command + args.aslx_args


def pipe_through_aslx(shipped, args, retried):
    """A mapPartitions function: RDD.pipe for aslx, with the executor-side paths and checks.

    PySpark's `rdd.pipe(command)` fixes the command on the driver, but the files shipped with
    addFile land in a directory only the executor knows (SparkFiles: a temporary folder in local
    mode, the container's working folder on a cluster), and it accepts a killed command's partial
    output unless asked not to. This does what pipe does, resolves the shipped files with
    SparkFiles.get on the executor, and fails the task (so Spark retries it) when aslx exits with a
    non-zero status or a signal, or writes a different number of records than it was given events.
    """
    inject_after = args.inject_kill_after
    inject_partition = args.inject_kill_partition

    def run(lines):
        from pyspark import SparkFiles, TaskContext

        context = TaskContext.get()
        local = {key: SparkFiles.get(name) for key, name in shipped.items()}
        if not os.access(local["aslx"], os.X_OK):
            os.chmod(local["aslx"], 0o755)
        command = _aslx_command(local, args)
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=1 << 20)
        fed = [0]
        feed_error = []

        def feed():
            events = 0
            try:
                for line in lines:
                    if line.strip(b" \t\r"):
                        events += 1
                    process.stdin.write(line + b"\n")
            except BrokenPipeError:
                pass  # aslx has gone; its exit status tells why
            except BaseException as error:  # reading the input failed: the task must fail too
                feed_error.append(error)
                process.kill()
            finally:
                fed[0] = events
                try:
                    process.stdin.close()
                except BrokenPipeError:
                    pass

        feeder = threading.Thread(target=feed, name="aslx-stdin", daemon=True)
        feeder.start()
        inject = (inject_after is not None and context.partitionId() == inject_partition
                  and context.attemptNumber() == 0)
        records = 0
        try:
            for record in process.stdout:
                yield record.rstrip(b"\n")
                records += 1
                if inject and records == inject_after:
                    process.kill()
                    print(f"aslx_spark: injected failure: killed aslx (pid {process.pid}) of partition "
                          f"{context.partitionId()}, attempt {context.attemptNumber()}, after {records} records",
                          file=sys.stderr, flush=True)
            status = process.wait()
            feeder.join()
        finally:
            if process.poll() is None:  # the consumer stopped early or the task was cancelled
                process.kill()
                process.wait()
        if feed_error:
            raise feed_error[0]
        where = f"partition {context.partitionId()}, attempt {context.attemptNumber()}"
        if status < 0:
            raise RuntimeError(f"aslx was killed by signal {-status} ({where}) after {records} records")
        if status != 0:
            raise RuntimeError(f"aslx exited with status {status} ({where}); its stderr is in the executor's log")
        if records != fed[0]:
            raise RuntimeError(f"aslx wrote {records} records for {fed[0]} events ({where})")
        if context.attemptNumber() > 0:
            retried.add(1)

    return run


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--machine", required=True, help="state machine definition (.asl.json) or compiled .aslc")
    parser.add_argument("--input", required=True, help="directory (or glob) of NDJSON files, any Hadoop URI")
    parser.add_argument("--output", required=True, help="output directory for the records (must not exist)")
    parser.add_argument("--aslx", default="aslx", help="the aslx binary to ship (default: aslx on PATH); "
                        "build one that runs without Swift with Examples/spark/build-binary.sh")
    parser.add_argument("--name-path", default="$.id", help="where the execution name is in an event (default $.id)")
    parser.add_argument("--mock-config", help="Step Functions Local mock config to ship and use")
    parser.add_argument("--test-case", help="the mock config's test case (required with --mock-config)")
    parser.add_argument("--master", help="Spark master (default: spark-submit's, else local[*])")
    parser.add_argument("--min-partitions", type=int, help="split the input into at least this many partitions")
    parser.add_argument("--inject-kill-after", type=int, metavar="N",
                        help="testing: on its first attempt, kill one partition's aslx after N records")
    parser.add_argument("--inject-kill-partition", type=int, default=0, metavar="P",
                        help="testing: the partition --inject-kill-after applies to (default 0)")
    own, rest = _split_at_dashes(argv)
    args = parser.parse_args(own)
    args.aslx_args = rest
    if args.mock_config and not args.test_case:
        parser.error("--mock-config needs --test-case")
    joined = " ".join(rest)
    for refused, why in _REFUSED.items():
        if refused in joined:
            parser.error(f"aslx option {refused} is not supported here: {why}")
    if "--log-level" in rest and "--log-sink" not in rest:
        parser.error("aslx --log-level needs --log-sink stderr or a file: log lines on stdout would mix with records")
    return args


def _split_at_dashes(argv):
    if "--" in argv:
        at = argv.index("--")
        return argv[:at], argv[at + 1:]
    return argv, []


def main(argv):
    args = parse_arguments(argv)
    aslx = args.aslx
    if os.sep not in aslx:
        from shutil import which
        aslx = which(aslx) or aslx
    shipped = {"aslx": aslx, "machine": args.machine}
    if args.mock_config:
        shipped["mock"] = args.mock_config
    for path in shipped.values():
        if "://" not in path and not os.path.isfile(path):
            sys.exit(f"aslx_spark: {path}: no such file to ship to the executors")

    from pyspark import SparkConf, SparkContext

    conf = SparkConf().setAppName("aslx " + os.path.basename(args.machine))
    if args.master:
        conf.setMaster(args.master)
    conf.setIfMissing("spark.ui.showConsoleProgress", "false")  # it would interleave with the summary
    sc = SparkContext.getOrCreate(conf)
    sc.setLogLevel("WARN")

    names = {}
    for key, path in shipped.items():
        sc.addFile(path)
        names[key] = os.path.basename(path)
    if len(set(names.values())) != len(names):
        sys.exit(f"aslx_spark: the shipped files need distinct names: {sorted(names.values())}")

    # One Spark task slot is spark.task.cpus cores: aslx gets as many worker threads, not one per
    # core of the machine, so executors running several tasks at once are not oversubscribed.
    if "--threads" not in args.aslx_args:
        args.aslx_args += ["--threads", sc.getConf().get("spark.task.cpus", "1")]
    retried = sc.accumulator(0)
    events = sc.textFile(args.input, minPartitions=args.min_partitions, use_unicode=False)
    records = events.mapPartitions(pipe_through_aslx(names, args, retried))
    started = time.monotonic()
    records.saveAsTextFile(args.output)
    elapsed = time.monotonic() - started

    # The summary is read back from the committed output (what a consumer will see), in the JVM.
    from pyspark.sql import SparkSession, functions
    statuses = SparkSession(sc).read.text(args.output).select(
        functions.coalesce(functions.get_json_object("value", "$.status"), functions.lit("(no status)")).alias("status"))
    counts = {row["status"]: row["count"] for row in statuses.groupBy("status").count().collect()}
    total = sum(counts.values())
    print(f"aslx_spark: {total} records in {args.output}, written in {elapsed:.1f} s ({total / elapsed:,.0f} records/s)")
    for status in ["SUCCEEDED", "FAILED", "TIMED_OUT"] + sorted(set(counts) - {"SUCCEEDED", "FAILED", "TIMED_OUT"}):
        print(f"  {status:<10} {counts.get(status, 0):>12}")
    print(f"  partitions that succeeded on a retry: {retried.value}")
    print("aslx_spark summary: " + json.dumps({"records": total, "statuses": dict(sorted(counts.items())),
                                               "retried_partitions": retried.value, "seconds": round(elapsed, 3)}))
    sc.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
