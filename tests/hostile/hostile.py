"""Shared harness of the hostile-traffic tests: start an example server on a
free loopback port, talk to it, and read its file descriptors and memory from
/proc. Nothing here asserts; the test files do."""

import http.client
import json
import os
import re
import signal
import subprocess
import threading
import time

EXAMPLES = os.environ.get("NORTH_MCP_EXAMPLES",
                          os.path.join(os.path.dirname(__file__), "..", "..", "build", "examples", "c"))

# The test servers built in tests/hostile (flood-server.c).
FLOOD_SERVER = os.path.join(os.environ.get("NORTH_MCP_HOSTILE_BUILD",
                                           os.path.join(os.path.dirname(__file__), "..", "..",
                                                        "build", "tests", "hostile")),
                            "flood-server")

MCP_HEADERS = {"Content-Type": "application/json",
               "Accept": "application/json, text/event-stream",
               "MCP-Protocol-Version": "2025-06-18"}


def wait_until(predicate, timeout=30, step=0.05):
    """Polls PREDICATE until it is true or TIMEOUT seconds pass; its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def status_kib(pid, field):
    """A size from /proc/PID/status (VmRSS, VmHWM: its peak), KiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def rss_kib(pid):
    return status_kib(pid, "VmRSS")


class Server:
    """An example program (default server-with-auth) on --port 0, its stderr
    collected by a thread; `port` is read from its "listening on" line."""

    def __init__(self, *args, program="server-with-auth", env=None, preexec_fn=None):
        self.process = subprocess.Popen([os.path.join(EXAMPLES, program), "--port", "0", *args],
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, env=env, preexec_fn=preexec_fn)
        self.lines = []
        self.port = None
        self.host = "127.0.0.1"
        self.ready = threading.Event()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        if not self.ready.wait(60) or self.port is None:
            self.stop()
            raise RuntimeError("server did not start:\n" + self.stderr())

    def _read(self):
        for raw in self.process.stderr:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.lines.append(line)
            m = re.search(r"listening on http://([^/]+):(\d+)/", line)
            if m and self.port is None:
                self.port = int(m.group(2))
                self.ready.set()
        self.ready.set()

    @property
    def pid(self):
        return self.process.pid

    def stderr(self):
        return "\n".join(self.lines)

    def connection(self, timeout=30):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, headers=None, timeout=30):
        """One request on a fresh connection (closed after): (status, headers, body bytes)."""
        conn = self.connection(timeout)
        try:
            if isinstance(body, (dict, list)):
                body = json.dumps(body)
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def post_mcp(self, message, headers=None, timeout=30):
        return self.request("POST", "/mcp", message, {**MCP_HEADERS, **(headers or {})}, timeout)

    def health(self, timeout=30):
        status, _, body = self.request("GET", "/health", timeout=timeout)
        return status == 200 and body == b"OK"

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise
        finally:
            self.reader.join(5)


def receive_until(sock, *markers):
    """What @sock receives until it holds one of @markers (bytes); the
    connection must not close before."""
    received = b""
    while not any(marker in received for marker in markers):
        chunk = sock.recv(65536)
        assert chunk, received
        received += chunk
    return received


def empty_objects_call(size, rid=1):
    """A call of `hang` (flood-server's tool that never answers) with id
    RID, SIZE bytes of JSON, its arguments an array of empty objects: 3
    bytes each as text, 408 bytes each once parsed."""
    head = b'{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"hang","arguments":{"n":[' % rid
    tail = b'{}]}}}'
    return head + b"{}," * ((size - len(head) - len(tail)) // 3) + tail


def initialize_message(rid=1, **params):
    return {"jsonrpc": "2.0", "id": rid, "method": "initialize",
            "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                       "clientInfo": {"name": "hostile", "version": "0"}, **params}}


def sse_or_json(headers, body):
    """The JSON-RPC messages of an answer, whether JSON or an SSE stream."""
    if headers.get("Content-Type", "").startswith("text/event-stream"):
        return [json.loads(line[5:]) for line in body.decode().splitlines() if line.startswith("data:")]
    return [json.loads(body)] if body else []


def server_pool():
    """The body of a pytest fixture: yields start(*args, **kwargs), which
    starts a Server; afterwards stops every server started and asserts that
    each ended cleanly (exit status 0: under ASan, also no leak report)."""
    started = []

    def start(*args, **kwargs):
        server = Server(*args, **kwargs)
        started.append(server)
        return server

    yield start
    for server in started:
        code = server.stop()
        assert code == 0, f"exit status {code}:\n{server.stderr()}"
