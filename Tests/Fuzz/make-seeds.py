#!/usr/bin/env python3
"""Regenerates the seed corpora in Tests/Fuzz/corpus/<target>/ from ../shared material.

Small on purpose (the committed corpus stays a few MB): a sample of JSONTestSuite files,
the conformance definitions (deduplicated), every JSONata test-suite expression, intrinsic
calls harvested from the definitions, and .aslc payloads of some compiled definitions
(needs a built aslx: .build/debug/aslx). Run from the package root."""
import glob, hashlib, json, os, re, subprocess, sys, tempfile

root = os.path.dirname(os.path.abspath(__file__))
shared = os.path.join(root, "..", "..", "..", "shared")
corpus = os.path.join(root, "corpus")

def put(target, data):
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    folder = os.path.join(corpus, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, hashlib.sha1(data).hexdigest()[:16]), "wb") as f:
        f.write(data)

# (a) JSON: every y_/i_ file and every 4th n_ file of JSONTestSuite's test_parsing.
files = sorted(glob.glob(os.path.join(shared, "data/JSONTestSuite/test_parsing/*.json")))
for i, path in enumerate(files):
    name = os.path.basename(path)
    if name.startswith(("y_", "i_")) or i % 4 == 0:
        with open(path, "rb") as f:
            data = f.read()
        if len(data) < 20000:
            put("json", data)

# (b) definitions, (d) intrinsic calls, from the recorded conformance cases.
definitions = {}
intrinsics = set()
for path in sorted(glob.glob(os.path.join(shared, "conformance/cases/*.json"))):
    with open(path) as f:
        case = json.load(f)
    text = json.dumps(case["definition"], separators=(",", ":"), sort_keys=True)
    definitions[hashlib.sha1(text.encode()).hexdigest()] = text
    intrinsics.update(re.findall(r'"(States\.[A-Za-z]+\(.*?\))"', json.dumps(case["definition"])))
for text in definitions.values():
    put("definition", text)
for call in sorted(intrinsics):
    put("intrinsic", json.loads('"' + call + '"'))
for call in ["States.MathRandom($.a, 10)", "States.MathAdd($.a, $.b)", "States.ArrayRange($.neg, $.n, $.z)",
             "States.ArrayPartition($.arr, $.c)", "States.ArrayGetItem($.arr, $.max)", "States.Format('{}', $.big)",
             "States.MathRandom($.b, $.max, $.min)", "States.StringSplit($.s, ',')", "States.Base64Decode($.u)",
             "States.JsonMerge($.o, $.o, false)", "States.Hash($.s, 'SHA-512')", "States.ArrayUnique($.arr)"]:
    put("intrinsic", call)

# (e) JSONata: every expression of the JSONata test suite.
for path in sorted(glob.glob(os.path.join(shared, "data/jsonata-test-suite/groups/*/*.json"))):
    with open(path) as f:
        try:
            case = json.load(f)
        except ValueError:
            continue
    for c in case if isinstance(case, list) else [case]:
        if isinstance(c, dict) and isinstance(c.get("expr"), str):
            put("jsonata", c["expr"])

# (c) .aslc: payloads (header stripped) of every 8th definition, compiled by aslx.
aslx = os.path.join(root, "..", "..", ".build", "debug", "aslx")
if os.path.exists(aslx):
    with tempfile.TemporaryDirectory() as tmp:
        for i, text in enumerate(sorted(definitions.values())):
            if i % 8:
                continue
            src, out = os.path.join(tmp, "m.asl.json"), os.path.join(tmp, "m.aslc")
            with open(src, "w") as f:
                f.write(text)
            if subprocess.run([aslx, "compile", src, "-o", out], capture_output=True).returncode == 0:
                with open(out, "rb") as f:
                    data = f.read()
                put("aslc", data[20:])
                if i % 32 == 0:
                    put("aslc", data)
else:
    print("make-seeds: no .build/debug/aslx, aslc seeds skipped", file=sys.stderr)

# (f) executions: the bytes are choices; a few spread-out seeds.
for seed in range(16):
    put("execution", bytes((seed * 37 + k * 11) % 256 for k in range(48)))
