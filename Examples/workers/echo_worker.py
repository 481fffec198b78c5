#!/usr/bin/env python3
"""An aslx task worker: one JSON request per stdin line, one JSON response per stdout line.

    aslx run Examples/flow.asl.json --task Enrich='python3 Examples/workers/echo_worker.py' < Examples/events.ndjson

Request:  {"id": 7, "resource": "Enrich", "input": {...}, "context": {"executionArn": ..., "stateName": ...}}
Response: {"id": 7, "output": {...}}  or  {"id": 7, "error": "MyError", "cause": "..."}

This one echoes its input with the state name added, and fails with `Worker.BadInput` when the
input is not an object. Replace `handle` with real work; keep stdout for responses only (log to
stderr) and flush after every response.
"""
import json
import sys


class TaskError(Exception):
    def __init__(self, error, cause):
        super().__init__(cause)
        self.error, self.cause = error, cause


def handle(resource, payload, context):
    if not isinstance(payload, dict):
        raise TaskError("Worker.BadInput", f"expected an object, got {type(payload).__name__}")
    return {**payload, "handledBy": resource, "state": context.get("stateName")}


for line in sys.stdin:
    if not line.strip():
        continue
    request = json.loads(line)
    try:
        response = {"id": request["id"], "output": handle(request["resource"], request["input"], request["context"])}
    except TaskError as e:
        response = {"id": request["id"], "error": e.error, "cause": e.cause}
    except Exception as e:  # any other bug in handle() becomes a task failure, not a dead worker
        response = {"id": request["id"], "error": type(e).__name__, "cause": str(e)}
    sys.stdout.write(json.dumps(response) + "\n")
    sys.stdout.flush()
