#!/usr/bin/python3
"""north-mcp-dbus-bridge refuses bad command lines and absent services with
a clear message and status 1 (run under dbus-run-session).

    check-bridge-errors.py BRIDGE
"""
import subprocess
import sys

CASES = [
    # arguments, text the message must contain
    (["--dest", "org.north.Nobody"], "org.freedesktop.DBus.Error.ServiceUnknown"),
    (["--dest", "not a name"], "is not a D-Bus name"),
    (["--dest", "org.north.Nobody", "--object-path", "relative"], "is not an object path"),
    (["--dest", "org.north.Nobody", "--interface", "nodots"], "is not an interface name"),
    (["--session", "--system", "--dest", "org.north.Nobody"], "exclude each other"),
    ([], "--dest NAME is required"),
]


def main():
    bridge = sys.argv[1]
    failures = 0
    for number, (args, expected) in enumerate(CASES, 1):
        proc = subprocess.run([bridge, *args, "--transport", "stdio"], stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=120)
        ok = proc.returncode == 1 and expected in proc.stderr
        failures += not ok
        print(f"{'ok' if ok else 'not ok'} {number} - {' '.join(args) or '(no arguments)'}")
        if not ok:
            print(f"# status {proc.returncode}, stderr: {proc.stderr!r}")
    print(f"1..{len(CASES)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
