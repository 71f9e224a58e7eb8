#!/usr/bin/python3
"""Adds up meson's testlog.json files and prints 'N passed, N failed'.

An argument 'retry:PATH' is the log of a rerun of some tests of the log
before it: its results replace theirs (run-tests.sh reruns only tests that
LeakSanitizer itself crashed in, see there)."""
import json
import sys


def read(path):
    results = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                entry = json.loads(line)
                results[entry["name"]] = entry["result"]
    return results


logs = []  # [(path, {name: result})]
missing = 0
for arg in sys.argv[1:]:
    retry = arg.startswith("retry:")
    path = arg[len("retry:"):] if retry else arg
    try:
        results = read(path)
    except FileNotFoundError:
        print(f"missing test log {path}")
        missing += 1
        continue
    if retry and logs:
        for name, result in results.items():
            if name in logs[-1][1]:
                print(f"rerun after a LeakSanitizer crash: {name}: {result}")
                logs[-1][1][name] = result
    else:
        logs.append((path, results))

passed = failed = skipped = 0
for path, results in logs:
    for name, result in results.items():
        if result in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif result == "SKIP":
            skipped += 1
        else:
            failed += 1
            print(f"FAILED: {name} ({result}) in {path}")
failed += missing

line = f"{passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(line)
sys.exit(1 if failed or passed == 0 else 0)
