#!/usr/bin/python3
"""The values north-mcp-dbus-bridge makes from a client's JSON stay within a
bound in memory too (run under dbus-run-session, with the test service).

    check-bridge-memory.py BRIDGE

760,000 JSON zeros in a 'v' argument (1.5 MB) would be as many int64
variants, some 270 bytes each in memory: the conversion must stop at the
4 MiB limit of the call's D-Bus size instead. The peak RSS of a bridge
converting them is compared with that of a bridge only parsing them (a
call of an unknown tool): what the conversion adds must stay below what
the parsed JSON itself takes. A million zeros would be refused as they
are read (their parsed JSON would take more than 16 times max-body-size,
NORTH_MCP_JSON_MAX_TREE_FACTOR); fewer would leave the comparison little
margin, as what the conversion may take is the same for any number past
the limit.
"""
import json
import os
import subprocess
import sys
import threading
import time

ZEROS = 760000


def peak_rss_of_call(bridge, tool):
    # A small ASan quarantine: freed memory would otherwise count in the
    # RSS of the sanitizer build.
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=4"
    process = subprocess.Popen([bridge, "--dest", "org.north.DesktopTest", "--transport", "stdio"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)

    def send(message):
        process.stdin.write((json.dumps(message, separators=(",", ":")) + "\n").encode())
        process.stdin.flush()

    send({"jsonrpc": "2.0", "id": 1, "method": "initialize",
          "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                     "clientInfo": {"name": "check-bridge-memory", "version": "1"}}})
    process.stdout.readline()
    send({"jsonrpc": "2.0", "method": "notifications/initialized"})

    peak = [0]
    answered = threading.Event()

    def watch():
        while not answered.is_set():
            try:
                with open(f"/proc/{process.pid}/status") as status:
                    for line in status:
                        if line.startswith("VmRSS:"):
                            peak[0] = max(peak[0], int(line.split()[1]))
            except OSError:
                return
            time.sleep(0.005)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    send({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
          "params": {"name": tool, "arguments": {"value": [0] * ZEROS}}})
    answer = json.loads(process.stdout.readline())
    answered.set()
    watcher.join()
    process.stdin.close()
    status = process.wait(120)
    return peak[0], answer, status


def main():
    bridge = sys.argv[1]
    parsed, parsed_answer, parsed_status = peak_rss_of_call(bridge, "NoSuchTool")
    converted, answer, status = peak_rss_of_call(bridge, "DesktopTest.VariantType")
    text = json.dumps(answer)[:300]
    checks = [
        ("an unknown tool is refused", "error" in parsed_answer and parsed_status == 0),
        ("the conversion is refused past 4 MiB", answer.get("result", {}).get("isError") is True
         and "larger than 4 MiB" in text and status == 0),
        (f"the conversion adds less than the parsed JSON takes (peak RSS {parsed} KiB parsing, "
         f"{converted} KiB converting)", converted - parsed < parsed),
    ]
    for number, (name, ok) in enumerate(checks, 1):
        print(f"{'ok' if ok else 'not ok'} {number} - {name}")
        if not ok:
            print(f"# answers: {json.dumps(parsed_answer)[:300]} / {text}")
    print(f"1..{len(checks)}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
