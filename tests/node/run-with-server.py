#!/usr/bin/python3
"""Runs a client against a freshly started MCP server and returns its status.

    run-with-server.py [options] -- SERVER ARGV... -- CLIENT ARGV...
    run-with-server.py [options] --stdio -- CLIENT ARGV...

HTTP mode: starts SERVER (give it --port 0), waits for the line
"listening on http://HOST:PORT/PATH" on its stderr, replaces "{url}" and
"{port}" in the client's arguments, runs the client, then stops the server
with SIGTERM (SIGKILL if it does not exit).  The server's stderr is copied to
ours, line by line, prefixed with "[server] ".

stdio mode: the client spawns the server itself; only the client is run.

The exit status is the client's, except that the run fails when the server
dies before the client has finished or crashes (exits on a signal other than
our SIGTERM, or with an error status) when stopped.

--expect-client-failure REGEX inverts the client's verdict: the run passes
only if the client fails *and* its output matches REGEX.  Tests use it to
show that the client script can fail, and fails for the right reason.

--expect-server-stderr COUNT:REGEX (repeatable, HTTP mode) fails the run
unless exactly COUNT lines of the server's stderr match REGEX.
"""

import argparse
import os
import re
import signal
import subprocess
import sys
import threading

LISTENING = re.compile(r"listening on (http://(?:\[[^\]]+\]|[^/:\s]+):(\d+)/\S*)")


def log(message):
    print(f"run-with-server: {message}", file=sys.stderr, flush=True)


def split_commands(argv, stdio):
    if not argv or argv[0] != "--":
        raise SystemExit("run-with-server: expected '--' before the command(s)")
    rest = argv[1:]
    if stdio:
        if not rest:
            raise SystemExit("run-with-server: no client command")
        return None, rest
    if "--" not in rest:
        raise SystemExit("run-with-server: expected SERVER... -- CLIENT...")
    i = rest.index("--")
    server, client = rest[:i], rest[i + 1:]
    if not server or not client:
        raise SystemExit("run-with-server: empty server or client command")
    return server, client


class Server:
    """The server process and a thread that copies its stderr."""

    def __init__(self, argv, startup_timeout):
        self.url = None
        self.port = None
        self._found = threading.Event()
        self.lines = []
        log("starting server: " + " ".join(argv))
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                     stdout=sys.stderr.fileno(),
                                     stderr=subprocess.PIPE)
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()
        if not self._found.wait(startup_timeout) or self.url is None:
            status = self.proc.poll()
            self.stop()
            if status is None:
                raise RuntimeError("server printed no 'listening on' line "
                                   f"within {startup_timeout} s")
            raise RuntimeError(f"server exited with status {status} before listening")
        log(f"server listening on {self.url}")

    def _pump(self):
        for raw in self.proc.stderr:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.lines.append(line)
            sys.stderr.write(f"[server] {line}\n")
            sys.stderr.flush()
            if self.url is None:
                m = LISTENING.search(line)
                if m:
                    self.url, self.port = m.group(1), m.group(2)
                    self._found.set()
        self._found.set()  # EOF: the server is gone

    def stop(self):
        """Stops the server; returns an error message if it misbehaved."""
        if self.proc.poll() is not None:
            return f"server exited early with status {self.proc.returncode}"
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            self._thread.join(5)
            return "server did not exit within 10 s of SIGTERM"
        self._thread.join(5)
        status = self.proc.returncode
        if status not in (0, -signal.SIGTERM):
            return f"server exited with status {status} after SIGTERM"
        return None


def run_client(argv, expect_failure, timeout):
    log("running client: " + " ".join(argv))
    try:
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL, timeout=timeout,
                              stdout=subprocess.PIPE if expect_failure else None)
    except subprocess.TimeoutExpired:
        log(f"client did not finish within {timeout} s")
        return 1
    if not expect_failure:
        return proc.returncode
    # Inverted: the output goes to stderr so that it is not read as TAP.
    output = proc.stdout.decode("utf-8", "replace")
    sys.stderr.write(output)
    if proc.returncode == 0:
        log("client passed, but it was expected to fail")
        return 1
    if not re.search(expect_failure, output):
        log(f"client failed, but its output does not match {expect_failure!r}")
        return 1
    log(f"client failed as expected (status {proc.returncode}, output matches {expect_failure!r})")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stdio", action="store_true",
                        help="the client spawns the server; run only the client")
    parser.add_argument("--expect-client-failure", metavar="REGEX")
    parser.add_argument("--expect-server-stderr", metavar="COUNT:REGEX", action="append", default=[])
    parser.add_argument("--startup-timeout", type=float, default=30)
    parser.add_argument("--client-timeout", type=float, default=300)
    args, rest = parser.parse_known_args()
    server_argv, client_argv = split_commands(rest, args.stdio)

    if args.stdio:
        return run_client(client_argv, args.expect_client_failure, args.client_timeout)

    try:
        server = Server(server_argv, args.startup_timeout)
    except (OSError, RuntimeError) as e:
        log(f"FAILED: {e}")
        return 1
    try:
        client_argv = [a.replace("{url}", server.url).replace("{port}", server.port)
                       for a in client_argv]
        status = run_client(client_argv, args.expect_client_failure, args.client_timeout)
    finally:
        problem = server.stop()
    if problem:
        log(f"FAILED: {problem}")
        return 1
    for expectation in args.expect_server_stderr:
        count, regex = expectation.split(":", 1)
        matching = [line for line in server.lines if re.search(regex, line)]
        if len(matching) != int(count):
            log(f"FAILED: {len(matching)} server stderr line(s) match {regex!r}, expected {count}")
            return 1
    return status


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    sys.exit(main())
