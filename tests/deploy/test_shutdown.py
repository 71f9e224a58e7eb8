#!/usr/bin/python3
"""Graceful shutdown (SIGTERM, --shutdown-timeout): the requests that run
finish, new connections are refused, keep-alive connections are served and
then closed, and a rolling restart behind nginx loses no request. Real
processes on loopback; no timing assertions beyond "ended before a tool
that was cut would have": every wait has a generous bound."""

import http.client
import json
import os
import signal
import socket
import subprocess
import threading
import time

import pytest

from deployfix import EXAMPLES, Nginx, Replica, Replicas

MCP = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
       "MCP-Protocol-Version": "2025-06-18"}


def slow_call(seconds, rid=1):
    return {"jsonrpc": "2.0", "id": rid, "method": "tools/call",
            "params": {"name": "slow_compute", "arguments": {"seconds": seconds, "label": f"call {rid}"}}}


def post(conn, message):
    conn.request("POST", "/mcp", json.dumps(message), MCP)
    response = conn.getresponse()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()


def post_to(port, message, timeout=120):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        return post(conn, message)
    finally:
        conn.close()


class Background(threading.Thread):
    """post_to() in a thread: `answer` once joined (or `error`)."""

    def __init__(self, port, message):
        super().__init__(daemon=True)
        self.port, self.message = port, message
        self.answer = self.error = None
        self.start()

    def run(self):
        try:
            self.answer = post_to(self.port, self.message)
        except Exception as e:  # noqa: BLE001 - what the client saw
            self.error = e


def wait_running(replica, count, timeout=60):
    """Until REPLICA has COUNT requests running (its debug log says so when
    the shutdown starts; before that, connections are what we can see)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(established(replica.port)) >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"{count} connections never reached port {replica.port}")


def established(port):
    """Local ends of ESTABLISHED TCP connections to 127.0.0.1:PORT."""
    found = []
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            local, state = fields[1], fields[3]
            if state == "01" and int(local.split(":")[1], 16) == port:
                found.append(fields[2])
    return found


def start_shutdown(replica):
    """SIGTERM, and until REPLICA says it is shutting down (--debug)."""
    replica.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 30
    while "Shutting down" not in replica.stderr():
        assert time.monotonic() < deadline, replica.stderr()
        time.sleep(0.05)


def exited(replica, timeout=60):
    try:
        return replica.process.wait(timeout)
    except Exception:  # noqa: BLE001
        return None


def result_text(body):
    text = body.decode()
    if text.startswith("event:") or text.startswith("id:") or text.startswith("data:"):
        text = [line[5:] for line in text.splitlines() if line.startswith("data:") and line[5:].strip()][-1]
    return json.loads(text)["result"]["content"][0]["text"]


def test_running_requests_finish_and_new_connections_are_refused():
    replica = Replica("--stateless", "--debug", program="conformance-server")
    try:
        idle = http.client.HTTPConnection("127.0.0.1", replica.port, timeout=60)
        assert post(idle, {"jsonrpc": "2.0", "id": 9, "method": "ping"})[0] == 200  # now an idle keep-alive
        running = Background(replica.port, slow_call(3))
        wait_running(replica, 2)
        start_shutdown(replica)

        # No new connection is taken...
        with pytest.raises(ConnectionRefusedError):
            post_to(replica.port, {"jsonrpc": "2.0", "id": 2, "method": "ping"})
        # ...but an idle keep-alive one is still served, and then closed.
        status, headers, _ = post(idle, {"jsonrpc": "2.0", "id": 3, "method": "ping"})
        assert status == 200 and headers["connection"] == "close", headers
        idle.close()

        # The running request gets its answer; then the process ends cleanly.
        running.join(120)
        assert running.error is None, running.error
        status, headers, body = running.answer
        assert status == 200 and result_text(body) == "Computed call 1 in 3 s", body
        assert headers["connection"] == "close"
        assert exited(replica) == 0, replica.stderr()
        assert "Stopped before every request ended" not in replica.stderr()
    finally:
        replica.stop()


def test_a_request_that_waits_for_100_continue_is_told_the_connection_closes():
    """libsoup clears the response headers after it sends "100 Continue":
    the "Connection: close" of a shutdown was lost for such a request on a
    keep-alive connection, and the client, told nothing, sent its next
    request on a connection the server was closing."""
    replica = Replica("--stateless", "--debug", program="conformance-server")
    try:
        idle = socket.create_connection(("127.0.0.1", replica.port), timeout=60)
        body = json.dumps({"jsonrpc": "2.0", "id": 9, "method": "ping"}).encode()
        head = (f"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:{replica.port}\r\n"
                + "".join(f"{k}: {v}\r\n" for k, v in MCP.items())
                + f"Content-Length: {len(body)}\r\n").encode()
        idle.sendall(head + b"\r\n" + body)
        assert read_response(idle).startswith(b"HTTP/1.1 200")  # now an idle keep-alive
        running = Background(replica.port, slow_call(3))
        wait_running(replica, 2)
        start_shutdown(replica)

        idle.sendall(head + b"Expect: 100-continue\r\n\r\n")
        assert read_response(idle).startswith(b"HTTP/1.1 100 Continue")
        idle.sendall(body)
        response = read_response(idle)
        assert response.startswith(b"HTTP/1.1 200"), response
        assert b"\r\nConnection: close\r\n" in response, response
        idle.close()
        running.join(120)
        assert running.error is None, running.error
        assert exited(replica) == 0, replica.stderr()
    finally:
        replica.stop()


def read_response(sock):
    """One response's head (and a Content-Length body) from SOCK."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, data
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(rest) < length:
        chunk = sock.recv(65536)
        assert chunk, data
        rest += chunk
    return head + b"\r\n\r\n" + rest


def test_the_timeout_cuts_what_still_runs():
    replica = Replica("--stateless", "--shutdown-timeout", "1", program="conformance-server")
    try:
        running = Background(replica.port, slow_call(60))
        wait_running(replica, 1)
        replica.process.send_signal(signal.SIGTERM)
        # Ended long before the tool would have.
        assert exited(replica, 45) == 0, replica.stderr()
        assert "Stopped before every request ended: 1 requests still ran after the shutdown timeout" \
            in replica.stderr(), replica.stderr()
        running.join(30)
        assert running.answer is None and running.error is not None
    finally:
        replica.stop()


@pytest.mark.parametrize("how", ["second-signal", "timeout-0"])
def test_stopping_at_once(how):
    args = ["--shutdown-timeout", "0"] if how == "timeout-0" else ["--shutdown-timeout", "3600"]
    replica = Replica("--stateless", *args, program="conformance-server")
    try:
        running = Background(replica.port, slow_call(60))
        wait_running(replica, 1)
        replica.process.send_signal(signal.SIGTERM)
        if how == "second-signal":
            assert exited(replica, 1) is None  # draining: the request runs on
            replica.process.send_signal(signal.SIGINT)
        assert exited(replica, 45) == 0, replica.stderr()
        running.join(30)
        assert running.answer is None and running.error is not None
    finally:
        replica.stop()


def test_workers_drain_together():
    """--workers: the first process passes SIGTERM on at once (once: a
    second signal would stop a worker at once), and each drains its own
    requests, whichever process took them."""
    replica = Replica("--stateless", "--workers", "2", program="conformance-server")
    try:
        calls = [Background(replica.port, slow_call(3, rid)) for rid in range(1, 7)]
        wait_running(replica, 6)
        replica.process.send_signal(signal.SIGTERM)
        for call in calls:
            call.join(120)
            assert call.error is None, (call.error, replica.stderr())
            assert call.answer[0] == 200 and "Computed" in result_text(call.answer[2]), call.answer
        assert exited(replica) == 0, replica.stderr()
    finally:
        replica.stop()


def test_a_rolling_restart_behind_nginx_loses_no_request(tmp_path):
    """Two stateless replicas behind the shipped round-robin configuration:
    one is told to stop while calls run on both and new ones keep coming.
    nginx finds its port closed and sends new calls to the other (nothing
    was sent, so even a POST may go elsewhere); what ran on it finishes.
    The new calls start once the replica has begun its shutdown: one that
    the kernel accepts in the very instant the listening socket closes is
    reset, whatever the server does (see doc/transports-and-deployment.md,
    "Shutting down"); under ASan on a loaded machine CI met that once."""
    with Replicas(2, "--stateless", "--debug", program="conformance-server") as replicas, \
         Nginx("north-mcp-round-robin.conf", replicas.ports, str(tmp_path)) as nginx:
        slow = [Background(nginx.port, slow_call(3, rid)) for rid in (1, 2)]
        wait_running(replicas[0], 1)
        wait_running(replicas[1], 1)
        start_shutdown(replicas[0])

        statuses = []
        deadline = time.monotonic() + 2
        rid = 100
        while time.monotonic() < deadline:
            rid += 1
            status, _, body = post_to(nginx.port, {"jsonrpc": "2.0", "id": rid, "method": "tools/call",
                                                   "params": {"name": "test_simple_text", "arguments": {}}})
            statuses.append(status)
        assert statuses and set(statuses) == {200}, statuses

        for call in slow:
            call.join(120)
            assert call.error is None, call.error
            assert call.answer[0] == 200 and "Computed" in result_text(call.answer[2]), call.answer
        assert exited(replicas[0]) == 0, replicas.stderr()
        # The other replica served on.
        assert post_to(nginx.port, {"jsonrpc": "2.0", "id": 1, "method": "ping"})[0] == 200
    assert replicas.exit_codes[1] == 0, replicas.stderr()


def test_stdio_answers_what_runs_before_it_stops():
    process = subprocess.Popen([os.path.join(EXAMPLES, "conformance-server"), "--transport", "stdio"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        def send(message):
            process.stdin.write((json.dumps(message) + "\n").encode())
            process.stdin.flush()

        send({"jsonrpc": "2.0", "id": 1, "method": "initialize",
              "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                         "clientInfo": {"name": "t", "version": "1"}}})
        assert json.loads(process.stdout.readline())["id"] == 1
        send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        send(slow_call(2, rid=2))
        send({"jsonrpc": "2.0", "id": 3, "method": "ping"})
        assert json.loads(process.stdout.readline())["id"] == 3  # the call runs now
        process.send_signal(signal.SIGTERM)
        answer = json.loads(process.stdout.readline())
        assert answer["id"] == 2 and answer["result"]["content"][0]["text"] == "Computed call 2 in 2 s", answer
        assert process.wait(60) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_connections_waiting_in_the_backlog_are_served():
    """A connection the kernel accepted but the server had not (here: at
    --max-connections) holds a request maybe: closing the listening socket
    would reset it, and a proxy cannot send a POST elsewhere once sent."""
    replica = Replica("--stateless", "--max-connections", "1", "--debug", program="conformance-server")
    try:
        first = http.client.HTTPConnection("127.0.0.1", replica.port, timeout=60)
        assert post(first, {"jsonrpc": "2.0", "id": 1, "method": "ping"})[0] == 200  # holds the one place
        waiting = http.client.HTTPConnection("127.0.0.1", replica.port, timeout=60)
        waiting.request("POST", "/mcp", json.dumps({"jsonrpc": "2.0", "id": 2, "method": "ping"}), MCP)
        deadline = time.monotonic() + 30
        while "new ones wait until one ends" not in replica.stderr():
            assert time.monotonic() < deadline, replica.stderr()
            time.sleep(0.05)
        replica.process.send_signal(signal.SIGTERM)
        response = waiting.getresponse()
        assert response.status == 200 and json.loads(response.read())["id"] == 2
        assert response.getheader("Connection") == "close"
        assert exited(replica) == 0, replica.stderr()
    finally:
        replica.stop()
