#!/usr/bin/python3
"""--workers N: several processes serving one port with SO_REUSEPORT.

Starts the server-with-auth example with --workers 2 on an ephemeral port
and checks that both processes listen and serve, that SIGTERM to the first
one ends them all, that a worker that dies is reported and started again
(and, when workers keep dying, after a doubling delay rather than in a tight
loop), and that configurations that cannot work (stateful, stdio, a bad
count) are refused with a clear message. No timing assertions: deadlines
only bound waits for things that must happen.
"""

import http.client
import json
import os
import re
import signal
import subprocess
import threading
import time

import pytest

EXAMPLES = os.environ.get("NORTH_MCP_EXAMPLES",
                          os.path.join(os.path.dirname(__file__), "..", "..", "build", "examples", "c"))
SERVER = os.path.join(EXAMPLES, "server-with-auth")
CONFORMANCE_SERVER = os.path.join(EXAMPLES, "conformance-server")
HEADERS = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
           "MCP-Protocol-Version": "2025-06-18"}


def children_of(pid):
    kids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            kids.append(int(entry))
    return kids


def listening_sockets(port):
    """How many sockets listen on 127.0.0.1:PORT (state 0A in /proc/net/tcp)."""
    n = 0
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            if state == "0A" and local == f"0100007F:{port:04X}":
                n += 1
    return n


def workers_of(port):
    """The live processes started as workers of the server on PORT (their
    initial environment names the port)."""
    found = []
    marker = f"NORTH_MCP_WORKER_PORT={port}".encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                environ = f.read().split(b"\0")
            with open(f"/proc/{entry}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker in environ and state != "Z":
            found.append(int(entry))
    return found


def wait_until(predicate, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def read_chars(pid):
    with open(f"/proc/{pid}/io") as f:
        for line in f:
            if line.startswith("rchar:"):
                return int(line.split()[1])
    return 0


class Server:
    def __init__(self, *args, executable=SERVER):
        self.process = subprocess.Popen([executable, "--port", "0", *args], stdin=subprocess.DEVNULL,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.lines = []
        self.port = None
        self.ready = threading.Event()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in self.process.stderr:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.lines.append(line)
            m = re.match(r"listening on http://127\.0\.0\.1:(\d+)/mcp", line)
            if m:
                self.port = int(m.group(1))
                self.ready.set()
        self.ready.set()

    def stderr(self):
        return "\n".join(self.lines)

    def call(self, a, b, rid):
        body = json.dumps({"jsonrpc": "2.0", "id": rid, "method": "tools/call",
                           "params": {"name": "add", "arguments": {"a": a, "b": b}}})
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            conn.request("POST", "/mcp", body=body, headers=HEADERS)
            response = conn.getresponse()
            return response.status, json.loads(response.read())
        finally:
            conn.close()

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise
        finally:
            self.reader.join(5)


@pytest.fixture
def workers():
    server = Server("--transport", "streamable-http", "--stateless", "--workers", "2")
    try:
        assert server.ready.wait(20) and server.port is not None, server.stderr()
        assert wait_until(lambda: listening_sockets(server.port) == 2), server.stderr()
        yield server
    finally:
        server.stop()


def test_two_processes_serve_one_port(workers):
    kids = children_of(workers.process.pid)
    assert len(kids) == 1
    pids = [workers.process.pid, kids[0]]
    before = [read_chars(p) for p in pids]

    # Fresh connections: the kernel spreads them over both sockets.
    for i in range(60):
        status, answer = workers.call(i, 1000, i)
        assert status == 200
        assert answer["id"] == i
        assert answer["result"]["content"][0]["text"] == str(i + 1000)

    after = [read_chars(p) for p in pids]
    assert all(a > b for a, b in zip(after, before)), (before, after)


def test_sigterm_ends_every_worker(workers):
    kid = children_of(workers.process.pid)[0]
    assert workers.stop() == 0
    assert wait_until(lambda: not os.path.exists(f"/proc/{kid}") or
                      open(f"/proc/{kid}/stat").read().rsplit(")", 1)[1].split()[0] == "Z")


def test_dead_worker_is_reported_and_restarted(workers):
    kid = children_of(workers.process.pid)[0]
    os.kill(kid, signal.SIGKILL)
    # The first restart after a worker that lived is immediate.
    assert wait_until(lambda: f"worker {kid} ended (Child process killed by signal 9)" in workers.stderr()), \
        workers.stderr()
    assert re.search(rf"worker {kid} ended \(.*\) after \d+ s; restarting in 0 s", workers.stderr()), \
        workers.stderr()

    # A new worker listens on the port again, and both processes serve.
    assert wait_until(lambda: len(children_of(workers.process.pid)) == 1 and
                      children_of(workers.process.pid)[0] != kid), workers.stderr()
    assert wait_until(lambda: listening_sockets(workers.port) == 2), workers.stderr()
    pids = [workers.process.pid, children_of(workers.process.pid)[0]]
    before = [read_chars(p) for p in pids]
    for i in range(60):
        status, answer = workers.call(i, 1, i)
        assert status == 200 and answer["result"]["content"][0]["text"] == str(i + 1)
    after = [read_chars(p) for p in pids]
    assert all(a > b for a, b in zip(after, before)), (before, after)

    # SIGTERM to the first process still ends the restarted worker too.
    assert workers.stop() == 0
    assert wait_until(lambda: not os.path.exists(f"/proc/{pids[1]}") or
                      open(f"/proc/{pids[1]}/stat").read().rsplit(")", 1)[1].split()[0] == "Z")


# Workers that keep dying: a thread SIGKILLs every worker as soon as it
# appears. The assertions are on what the parent announces ("restarting in
# N s": the delays must double) and on counts, never on how fast anything
# happened.

RESTART = re.compile(r"worker (\d+) ended \((.*)\) after (\d+) s; restarting in (\d+) s")


def restarts(server):
    return [(int(m.group(1)), int(m.group(4))) for m in map(RESTART.search, server.lines) if m]


class Killer:
    """Kills every child of PID as soon as it shows up, until stopped."""

    def __init__(self, pid):
        self.pid = pid
        self.killed = set()
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while self.running:
            for kid in children_of(self.pid):
                try:
                    os.kill(kid, signal.SIGKILL)
                    self.killed.add(kid)
                except ProcessLookupError:
                    pass
            time.sleep(0.01)

    def stop(self):
        self.running = False
        self.thread.join(10)


def test_crash_loop_backs_off_then_recovers(workers):
    try:
        killer = Killer(workers.process.pid)
        # Long enough for several restarts: 0 + 1 + 2 + 4 s of back-off.
        assert wait_until(lambda: len(restarts(workers)) >= 5, timeout=120), workers.stderr()
        killer.stop()

        seen = restarts(workers)
        delays = [delay for _, delay in seen]
        # Immediate first, then doubling: a crash loop does not spin.
        assert delays[:5] == [0, 1, 2, 4, 8], workers.stderr()
        assert all(later == min(2 * earlier or 1, 30) for earlier, later in zip(delays, delays[1:])), delays
        # Every death was announced once, and no restart came without one.
        assert {pid for pid, _ in seen} <= killer.killed
        assert len(seen) == len({pid for pid, _ in seen})

        # Meanwhile, and once the killing stops, the first process serves;
        # the next worker listens after its back-off.
        assert workers.call(1, 2, 1)[0] == 200
        assert wait_until(lambda: listening_sockets(workers.port) == 2, timeout=120), workers.stderr()
        kids = children_of(workers.process.pid)
        assert len(kids) == 1 and kids[0] not in killer.killed
        for i in range(20):
            status, answer = workers.call(i, 2, i)
            assert status == 200 and answer["result"]["content"][0]["text"] == str(i + 2)
        assert workers_of(workers.port) == kids
    finally:
        assert workers.stop() == 0
    assert wait_until(lambda: workers_of(workers.port) == []), workers_of(workers.port)


def test_sigterm_during_back_off_ends_everything(workers):
    try:
        killer = Killer(workers.process.pid)
        # Two quick deaths: the next restart waits (2 s), and is pending.
        assert wait_until(lambda: len(restarts(workers)) >= 3, timeout=60), workers.stderr()
        killer.stop()
        assert [delay for _, delay in restarts(workers)][:3] == [0, 1, 2]
    finally:
        status = workers.stop()
    assert status == 0, workers.stderr()
    # Nothing of it is left: no worker, no listening socket.
    assert wait_until(lambda: workers_of(workers.port) == []), workers_of(workers.port)
    assert listening_sockets(workers.port) == 0


@pytest.mark.parametrize("args, message", [
    (("--transport", "streamable-http", "--workers", "2"), "--workers needs --stateless"),
    (("--transport", "streamable-http", "--stateful", "--workers", "2"), "--workers needs --stateless"),
    (("--transport", "stdio", "--stateless", "--workers", "2"), "--workers needs --transport streamable-http"),
    (("--transport", "sse", "--workers", "2"), "--workers needs --transport streamable-http"),
    (("--transport", "streamable-http", "--stateless", "--workers", "0"), "Invalid --workers 0"),
    (("--transport", "streamable-http", "--stateless", "--workers", "257"), "Invalid --workers 257"),
])
def test_refused_configurations(args, message):
    result = subprocess.run([SERVER, "--port", "0", *args], stdin=subprocess.DEVNULL,
                            capture_output=True, timeout=30)
    assert result.returncode == 1
    assert message in result.stderr.decode(), result.stderr.decode()
    assert b"listening on" not in result.stderr


def test_one_worker_is_the_default():
    server = Server("--transport", "streamable-http", "--stateless")
    try:
        assert server.ready.wait(20) and server.port is not None, server.stderr()
        assert children_of(server.process.pid) == []
        status, answer = server.call(2, 3, 1)
        assert status == 200 and answer["result"]["content"][0]["text"] == "5"
    finally:
        assert server.stop() == 0


def stateless_call(port, rid, params):
    """A tools/call of protocol revision 2026-07-28 (per-request _meta)."""
    meta = {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {"elicitation": {}}}
    body = json.dumps({"jsonrpc": "2.0", "id": rid, "method": "tools/call",
                       "params": {**params, "_meta": meta}})
    headers = {"Content-Type": "application/json", "Accept": "application/json",
               "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call",
               "Mcp-Name": params["name"]}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        conn.request("POST", "/mcp", body=body, headers=headers)
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


def test_request_state_is_accepted_by_every_worker():
    """The requestState of an input-required result is signed with a key
    the workers share: the retry may reach any of them."""
    if not os.path.exists(CONFORMANCE_SERVER):
        pytest.fail(f"{CONFORMANCE_SERVER} is not built")
    server = Server("--transport", "streamable-http", "--stateless", "--workers", "2",
                    executable=CONFORMANCE_SERVER)
    try:
        assert server.ready.wait(20) and server.port is not None, server.stderr()
        assert wait_until(lambda: listening_sockets(server.port) == 2), server.stderr()
        pids = [server.process.pid, children_of(server.process.pid)[0]]

        tool = "test_input_required_result_request_state"
        status, first = stateless_call(server.port, 1, {"name": tool, "arguments": {}})
        assert status == 200, first
        assert first["result"]["resultType"] == "input_required"
        state = first["result"]["requestState"]
        key = next(iter(first["result"]["inputRequests"]))

        before = [read_chars(p) for p in pids]
        for i in range(40):
            status, answer = stateless_call(server.port, 100 + i, {
                "name": tool, "arguments": {}, "requestState": state,
                "inputResponses": {key: {"action": "accept", "content": {"ok": True}}}})
            assert status == 200, answer
            assert answer["result"]["resultType"] == "complete", answer
            assert "state-ok" in answer["result"]["content"][0]["text"]
        after = [read_chars(p) for p in pids]
        # Both processes served retries.
        assert all(a > b for a, b in zip(after, before)), (before, after)

        # A state the workers did not sign is refused by every one of them.
        status, answer = stateless_call(server.port, 999, {
            "name": tool, "arguments": {}, "requestState": state + "-TAMPERED",
            "inputResponses": {key: {"action": "accept", "content": {"ok": True}}}})
        assert answer["error"]["code"] == -32602
    finally:
        assert server.stop() == 0
