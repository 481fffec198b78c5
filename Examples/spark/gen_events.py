#!/usr/bin/env python3
"""Writes deterministic order events for orders.asl.json, spread over several NDJSON files.

Every event has a unique "id" (the execution name under --name-path '$.id'). About one in 17 is
rejected (FAILED, OrderRejected) and one in 50,000 stalls past the machine's 1 s timeout
(TIMED_OUT); the rest succeed.

    gen_events.py OUT_DIR [--events 200000] [--files 8] [--no-stalls]
"""
import argparse
import json
import os


def event(i, stalls=True):
    if stalls and i % 50_000 == 25_000:
        kind = "stall"
    elif i % 17 == 0:
        kind = "reject"
    else:
        kind = "order"
    return {"id": f"order-{i:07d}", "kind": kind, "amount": (i * 37) % 500,
            "items": [{"sku": f"sku-{(i + k) % 97}", "qty": 1 + k} for k in range(i % 4)]}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir")
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--no-stalls", action="store_true", help="no TIMED_OUT events (for throughput runs)")
    args = parser.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    per_file = -(-args.events // args.files)
    for f in range(args.files):
        first, last = f * per_file, min((f + 1) * per_file, args.events)
        with open(os.path.join(args.out_dir, f"events-{f:02d}.ndjson"), "w") as out:
            out.writelines(json.dumps(event(i, not args.no_stalls), separators=(",", ":")) + "\n" for i in range(first, last))


if __name__ == "__main__":
    main()
