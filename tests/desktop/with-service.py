#!/usr/bin/python3
"""Runs a command while a D-Bus test service runs (inside dbus-run-session).

    with-service.py SERVICE.py -- COMMAND ARGV...

Starts SERVICE.py with /usr/bin/python3, waits until it prints "ready"
(it owns its bus name then), runs COMMAND and returns its exit status.
The service stops when its stdin closes; it must not have died meanwhile.
"""

import os
import subprocess
import sys
import threading


def main():
    argv = sys.argv[1:]
    if len(argv) < 3 or argv[1] != "--":
        raise SystemExit("usage: with-service.py SERVICE.py -- COMMAND ARGV...")
    service_path, command = argv[0], argv[2:]
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        raise SystemExit("with-service.py: no session bus (run it under dbus-run-session)")

    service = subprocess.Popen(["/usr/bin/python3", service_path], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE)
    ready = threading.Event()

    def wait_ready():
        for line in service.stdout:
            if line.strip() == b"ready":
                ready.set()
        ready.set()

    threading.Thread(target=wait_ready, daemon=True).start()
    if not ready.wait(60) or service.poll() is not None:
        service.kill()
        raise SystemExit("with-service.py: the service did not start")

    try:
        status = subprocess.run(command, stdin=subprocess.DEVNULL, timeout=600).returncode
    finally:
        alive = service.poll() is None
        service.stdin.close()
        try:
            service.wait(10)
        except subprocess.TimeoutExpired:
            service.kill()
    if not alive:
        print("with-service.py: the service died during the test", file=sys.stderr)
        return 1
    return status


if __name__ == "__main__":
    sys.exit(main())
