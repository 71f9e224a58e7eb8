"""Fixtures of the state-store tests: a real redis-server and replicas of an
example server sharing it (issue 15).

redis-server runs on a loopback port chosen at run time, in its own
temporary directory, without persistence, and is stopped by its PID. Each
replica is an example binary started with ``--state-store`` and
``--port 0`` (its port is read from its ``listening on`` line).
"""

import http.client
import json
import os
import socket
import threading
import time

import pytest

import deployfix

PROTOCOL = "2025-06-18"


class Redis(deployfix.Redis):
    """redis-server (tests/deploy/deployfix.py) with a small RESP client for
    looking at what the replicas stored."""

    def command(self, *args):
        """One command over RESP2; returns str, int, None or list."""
        payload = b"*%d\r\n" % len(args)
        for arg in args:
            data = arg if isinstance(arg, bytes) else str(arg).encode()
            payload += b"$%d\r\n%s\r\n" % (len(data), data)
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as sock:
            sock.sendall(payload)
            reader = sock.makefile("rb")
            return self._read(reader)

    def _read(self, reader):
        line = reader.readline().rstrip(b"\r\n")
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise AssertionError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            if int(rest) < 0:
                return None
            data = reader.read(int(rest) + 2)[:-2]
            return data.decode("utf-8", "replace")
        if kind == b"*":
            return None if int(rest) < 0 else [self._read(reader) for _ in range(int(rest))]
        raise AssertionError(f"bad reply {line!r}")

    def close(self):
        self.__exit__(None, None, None)


class Replica(deployfix.Replica):
    """One server process (tests/deploy/deployfix.py) that also speaks
    Streamable HTTP for the tests."""

    def __init__(self, name, *args, env=None):
        env = {**os.environ, **(env or {})}
        env.pop("DEBUG", None)
        super().__init__("--transport", "streamable-http", *args, program=name, env=env)

    def alive(self):
        return self.process.poll() is None

    def request(self, method, body=None, session=None, headers=None, timeout=20, source=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout,
                                          source_address=(source, 0) if source else None)
        all_headers = {"Accept": "application/json, text/event-stream",
                       "Content-Type": "application/json"}
        if session is not None:
            all_headers["Mcp-Session-Id"] = session
            all_headers["MCP-Protocol-Version"] = PROTOCOL
        all_headers.update(headers or {})
        try:
            conn.request(method, "/mcp", body=json.dumps(body) if body is not None else None,
                         headers=all_headers)
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read().decode("utf-8")
        finally:
            conn.close()


class Stream:
    """A GET (or POST) answer read as SSE in the background: .messages
    grows as events arrive."""

    def __init__(self, replica, method="GET", body=None, session=None, headers=None,
                 protocol=PROTOCOL):
        self.conn = http.client.HTTPConnection("127.0.0.1", replica.port, timeout=60)
        self.conn.connect()
        self.sock = self.conn.sock
        all_headers = {"Accept": "text/event-stream" if method == "GET"
                       else "application/json, text/event-stream"}
        if body is not None:
            all_headers["Content-Type"] = "application/json"
        if session is not None:
            all_headers["Mcp-Session-Id"] = session
            all_headers["MCP-Protocol-Version"] = protocol
        all_headers.update(headers or {})
        self.conn.request(method, "/mcp", body=json.dumps(body) if body is not None else None,
                          headers=all_headers)
        self.response = self.conn.getresponse()
        self.status = self.response.status
        self.messages = []
        self.ids = []  # the id of each message's event (None: none)
        self.ended = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        event_id = None
        try:
            while True:
                line = self.response.readline()
                if not line:
                    break
                line = line.decode("utf-8", "replace").rstrip("\r\n")
                if line.startswith("id:"):
                    event_id = line[3:].strip()
                elif line.startswith("data:") and line[5:].strip():
                    self.ids.append(event_id)
                    self.messages.append(json.loads(line[5:]))
                elif line == "":
                    event_id = None
        except (OSError, ValueError, AttributeError, http.client.HTTPException):
            # closed under the reader (close()): the stream is over
            pass
        self.ended.set()

    def wait_for(self, predicate, timeout=15):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [m for m in list(self.messages) if predicate(m)]
            if found:
                return found
            time.sleep(0.02)
        return []

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.conn.close()
        self.ended.wait(10)


def messages(body):
    """The JSON-RPC messages of an answer (JSON, or the data of SSE events)."""
    body = body.strip()
    if body.startswith("{") or body.startswith("["):
        return [json.loads(body)]
    return [json.loads(line[5:]) for line in body.splitlines()
            if line.startswith("data:") and line[5:].strip()]


@pytest.fixture
def redis():
    server = Redis()
    yield server
    server.close()


@pytest.fixture
def replicas(redis):
    started = []

    def _start(n, name="server-with-resources", *args, env=None):
        for _ in range(n):
            started.append(Replica(name, "--state-store", redis.uri, *args, env=env))
        return started[-n:]

    yield _start
    problems = []
    for replica in started:
        if not replica.alive():
            continue
        code = replica.stop()
        if code != 0 or "CRITICAL" in replica.stderr():
            problems.append(f"exit {code}: {replica.stderr()}")
    assert not problems, problems
