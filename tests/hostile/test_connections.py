"""Issue 10, point 1: connections. Client-closed keep-alive connections are
released, running out of descriptors does not stop the listener, the soft
descriptor limit is raised, idle connections time out (streams do not), and
a client that stops reading loses its connection without pinning memory,
while a resumable stream can be picked up again with Last-Event-ID."""

import contextlib
import fcntl
import http.client
import json
import os
import resource
import select
import socket
import subprocess
import tempfile
import termios
import threading
import time

import pytest

from hostile import (FLOOD_SERVER, MCP_HEADERS, Server, fd_count, initialize_message, receive_until, rss_kib, sse_or_json,
                     status_kib, wait_until)


def small_env():
    """The environment, with a small ASan quarantine: freed memory would
    otherwise count in the RSS up to 256 MB under the sanitizer build."""
    env = dict(os.environ)
    options = env.get("ASAN_OPTIONS", "")
    env["ASAN_OPTIONS"] = (options + ":" if options else "") + "quarantine_size_mb=4"
    return env


def settled_fd_count(pid):
    """The server's descriptor count once connections that clients closed
    are gone (the same count twice, 0.2 s apart)."""
    previous = fd_count(pid)
    for _ in range(100):
        time.sleep(0.2)
        current = fd_count(pid)
        if current == previous:
            return current
        previous = current
    return previous


def raw_connection(port, rcvbuf=None, timeout=30, source=None):
    """A socket to the server; with RCVBUF, a small receive buffer set before
    connecting (so that a client that does not read stops the server's
    writes early); with SOURCE, from that loopback address (another peer)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    if source is not None:
        sock.bind((source, 0))
    sock.settimeout(timeout)
    sock.connect(("127.0.0.1", port))
    return sock


def http_request(method, path, body=b"", headers=None, length=None):
    """A request's bytes; with LENGTH, the Content-Length it announces
    (BODY may then be only the start of the body, or nothing)."""
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    lines.append(f"Content-Length: {len(body) if length is None else length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def read_until_closed(sock, timeout=60):
    """Everything the peer sends until it closes; None if it does not close
    within TIMEOUT."""
    sock.settimeout(timeout)
    data = bytearray()
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return bytes(data)
            data += chunk
    except socket.timeout:
        return None
    except ConnectionResetError:
        return bytes(data)


def still_open(sock):
    """TRUE if the peer has not closed SOCK: what it sent is read and
    dropped until nothing more is there (open) or the end (closed)."""
    sock.setblocking(False)
    try:
        while sock.recv(65536):
            pass
        return False
    except BlockingIOError:
        return True
    except ConnectionResetError:
        return False
    finally:
        sock.setblocking(True)


def open_session(server, version="2025-06-18"):
    headers = {"MCP-Protocol-Version": version}
    status, response_headers, body = server.post_mcp(initialize_message(protocolVersion=version), headers)
    assert status == 200, body
    session = response_headers["mcp-session-id"] if "mcp-session-id" in response_headers \
        else response_headers["Mcp-Session-Id"]
    status, _, body = server.post_mcp({"jsonrpc": "2.0", "method": "notifications/initialized"},
                                      {**headers, "Mcp-Session-Id": session})
    assert status == 202, body
    return session


def flood_request(session, version, count, size, rid=2):
    body = json.dumps({"jsonrpc": "2.0", "id": rid, "method": "tools/call",
                       "params": {"name": "flood", "arguments": {"count": count, "size": size},
                                  "_meta": {"progressToken": "p"}}}).encode()
    return http_request("POST", "/mcp", body, {**MCP_HEADERS, "MCP-Protocol-Version": version,
                                               "Mcp-Session-Id": session})


def test_client_closed_keepalive_connections_release_descriptors():
    server = Server()
    try:
        baseline = fd_count(server.pid)
        for _ in range(5000):
            # HTTP/1.1: the server keeps the connection; the client closes it.
            conn = server.connection()
            conn.request("GET", "/health")
            response = conn.getresponse()
            assert response.status == 200 and response.read() == b"OK"
            assert response.getheader("Connection", "").lower() != "close"
            conn.close()
        assert wait_until(lambda: fd_count(server.pid) <= baseline + 16, timeout=60), \
            f"{fd_count(server.pid)} descriptors open, {baseline} before 5,000 connections"
        assert server.health()
        # A clean exit: also no sanitizer report in the server.
        assert server.stop() == 0, server.stderr()[-3000:]
    finally:
        server.stop()


def test_listener_survives_running_out_of_descriptors():
    def low_limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))

    server = Server(preexec_fn=low_limit)
    clients = []
    try:
        assert server.health()
        # Connections that send nothing stay open: more than the server can
        # hold. The ones it cannot accept wait in the backlog.
        for _ in range(100):
            clients.append(raw_connection(server.port))
        assert wait_until(lambda: fd_count(server.pid) >= 60, timeout=60), fd_count(server.pid)
        for sock in clients:
            sock.close()
        clients = []
        # A fresh client is served once descriptors are free again.
        assert server.health(timeout=60)
        assert wait_until(lambda: "Accepting connections again" in server.stderr(), timeout=60)
        # Said once for the episode, not once per failed accept().
        assert server.stderr().count("Cannot accept connections") == 1, server.stderr()
        for _ in range(20):
            assert server.health()
        # A clean exit: also no sanitizer report in the server.
        assert server.stop() == 0, server.stderr()[-3000:]
    finally:
        for sock in clients:
            sock.close()
        server.stop()


def test_soft_descriptor_limit_is_raised_to_the_hard_limit():
    hard = min(4096, resource.getrlimit(resource.RLIMIT_NOFILE)[1])

    def low_soft_limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (128, hard))

    server = Server(preexec_fn=low_soft_limit)
    try:
        # Answered from the main loop: its signal handlers are in place.
        assert server.health()
        with open(f"/proc/{server.pid}/limits") as f:
            line = next(line for line in f if line.startswith("Max open files"))
        soft, hard_seen = line.split()[3:5]
        assert (int(soft), int(hard_seen)) == (hard, hard), line
        # A clean exit: also no sanitizer report in the server.
        assert server.stop() == 0, server.stderr()[-3000:]
    finally:
        server.stop()


def test_idle_connections_are_closed_but_streams_are_not():
    server = Server("--idle-timeout", "1")
    try:
        session = open_session(server)
        baseline = settled_fd_count(server.pid)

        idle = raw_connection(server.port)
        idle.sendall(http_request("GET", "/health"))
        stream = raw_connection(server.port)
        stream.sendall(http_request("GET", "/mcp", headers={
            "Accept": "text/event-stream", "MCP-Protocol-Version": "2025-06-18",
            "Mcp-Session-Id": session}))
        stream.settimeout(30)
        assert stream.recv(65536).startswith(b"HTTP/1.1 200")

        # The idle connection gets its answer, then is closed by the server.
        answer = read_until_closed(idle)
        assert answer is not None and answer.startswith(b"HTTP/1.1 200") and answer.endswith(b"OK"), answer
        # Several idle timeouts later the stream is still there.
        time.sleep(3.5)
        assert still_open(stream)
        assert wait_until(lambda: fd_count(server.pid) == baseline + 1)
        assert server.health()
        stream.close()
        idle.close()
        assert wait_until(lambda: fd_count(server.pid) <= baseline, timeout=30)
        # A clean exit: also no sanitizer report in the server.
        assert server.stop() == 0, server.stderr()[-3000:]
    finally:
        server.stop()


def test_request_headers_that_never_end_are_dropped_after_the_timeout():
    server = Server("--idle-timeout", "1")
    try:
        assert server.health()
        baseline = settled_fd_count(server.pid)
        # Both a first request and one after a complete request on the same
        # connection: a byte now and then, the headers never complete.
        slow = raw_connection(server.port)
        slow.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a")
        kept = raw_connection(server.port)
        kept.sendall(http_request("GET", "/health"))
        first = b""
        while not first.endswith(b"\r\n\r\nOK"):
            chunk = kept.recv(65536)
            assert chunk, first
            first += chunk
        assert first.startswith(b"HTTP/1.1 200")
        kept.sendall(b"GET /health HTTP/1.1\r\nX-Slow: a")
        for _ in range(6):
            time.sleep(0.5)
            for sock in (slow, kept):
                try:
                    sock.sendall(b"a")
                except OSError:
                    pass
        assert read_until_closed(slow) == b""
        assert read_until_closed(kept) == b""
        assert wait_until(lambda: fd_count(server.pid) <= baseline, timeout=30)
        assert server.health()
        slow.close()
        kept.close()
        # A clean exit: also no sanitizer report in the server.
        assert server.stop() == 0, server.stderr()[-3000:]
    finally:
        server.stop()


def test_request_bodies_that_stop_or_trickle_are_dropped_after_the_timeout():
    server = Server("--idle-timeout", "1")
    try:
        assert server.health()
        baseline = settled_fd_count(server.pid)
        # Headers complete, then a body that stops short (on the MCP path,
        # an unknown path and /health: every path reads bodies),
        # and one that comes a byte at a time.
        stopped = []
        for path in ("/mcp", "/nowhere", "/health"):
            sock = raw_connection(server.port)
            sock.sendall(http_request("POST", path, b'{"jsonrpc"', MCP_HEADERS, length=100))
            stopped.append(sock)
        trickle = raw_connection(server.port)
        trickle.sendall(http_request("POST", "/mcp", b"", MCP_HEADERS, length=100))
        for _ in range(12):
            time.sleep(0.5)
            try:
                trickle.sendall(b" ")
            except OSError:
                break
        # Answered 408 before the close (a proxy in front takes a close
        # without an answer for a failed server: tests/deploy/test_nginx.py).
        for sock in stopped + [trickle]:
            assert read_until_closed(sock).startswith(b"HTTP/1.1 408 Request Timeout\r\n")
            sock.close()
        assert wait_until(lambda: fd_count(server.pid) <= baseline, timeout=30)
        assert server.health()
        # A clean exit: also no sanitizer report in the server.
        assert server.stop() == 0, server.stderr()[-3000:]
    finally:
        server.stop()


def test_request_body_in_pieces_over_several_timeouts_is_served():
    server = Server("--idle-timeout", "1")
    try:
        assert server.health()
        # A 2 MB body sent in 64 KiB pieces, 0.1 s apart: it takes longer
        # than the timeout, but keeps coming at a real client's pace.
        padding = "x" * (2 * 1024 * 1024)
        body = json.dumps({"jsonrpc": "2.0", "id": 7, "method": "ping", "params": {"_meta": {"pad": padding}}}).encode()
        session = open_session(server)
        sock = raw_connection(server.port)
        sock.sendall(http_request("POST", "/mcp", b"", {**MCP_HEADERS, "Mcp-Session-Id": session},
                                  length=len(body)))
        for offset in range(0, len(body), 65536):
            time.sleep(0.1)
            sock.sendall(body[offset:offset + 65536])
        answer = receive_until(sock, b'"id":7')
        assert answer.startswith(b"HTTP/1.1 200"), answer
        sock.close()
        # A clean exit: also no sanitizer report in the server.
        assert server.stop() == 0, server.stderr()[-3000:]
    finally:
        server.stop()


def test_requests_whose_handlers_run_past_the_timeout_are_answered():
    """Once a body is in, only the handler runs: a request (on a new
    connection and on a kept-alive one) whose handler takes three timeouts
    is answered, not refused 408 as a body that stopped."""
    server = Server("--idle-timeout", "1", "--stateless", program="conformance-server")
    try:
        sock = raw_connection(server.port)
        for rid, arguments in ((3, {"seconds": 3, "label": "slow"}), (4, {"seconds": 3})):
            body = json.dumps({"jsonrpc": "2.0", "id": rid, "method": "tools/call",
                               "params": {"name": "slow_compute", "arguments": arguments}}).encode()
            sock.sendall(http_request("POST", "/mcp", body, MCP_HEADERS))
            answer = receive_until(sock, b'"id":%d' % rid)
            assert answer.startswith(b"HTTP/1.1 200"), answer
        sock.close()
        # A clean exit: also no sanitizer report in the server.
        assert server.stop() == 0, server.stderr()[-3000:]
    finally:
        server.stop()


def test_idle_timeout_zero_keeps_connections():
    server = Server("--idle-timeout", "0")
    try:
        sock = raw_connection(server.port)
        sock.sendall(http_request("GET", "/health"))
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        time.sleep(2.5)
        assert still_open(sock)
        sock.close()
        # A clean exit: also no sanitizer report in the server.
        assert server.stop() == 0, server.stderr()[-3000:]
    finally:
        server.stop()


def test_clients_that_stop_reading_lose_their_connection():
    count, size, clients = 4000, 16384, 8
    # The rest of the chunk under way is written before the close, so a
    # client that reads none of it is closed after the idle timeout.
    server = Server("--max-unsent-bytes", "262144", "--idle-timeout", "5", "--debug", program=FLOOD_SERVER,
                    env=small_env())
    sockets = []
    try:
        sessions = [open_session(server) for _ in range(clients)]
        assert server.health()
        baseline_fds = settled_fd_count(server.pid)
        baseline_rss = rss_kib(server.pid)

        # Each asks for 64 MB of events and reads none of them.
        for session in sessions:
            sock = raw_connection(server.port, rcvbuf=4096)
            sock.sendall(flood_request(session, "2025-06-18", count, size))
            sockets.append(sock)
        assert wait_until(lambda: server.stderr().count("client stopped reading") == clients,
                          timeout=300), server.stderr()[-2000:]
        assert wait_until(lambda: fd_count(server.pid) <= baseline_fds, timeout=60), \
            f"{fd_count(server.pid)} descriptors open, {baseline_fds} before"
        assert server.health()
        grown = rss_kib(server.pid) - baseline_rss
        assert grown < 64 * 1024, f"RSS grew by {grown} KiB"

        # What reached the clients is a small part of the stream, then the end.
        for sock in sockets:
            data = read_until_closed(sock)
            assert data is not None and data.startswith(b"HTTP/1.1 200")
            assert len(data) < count * size // 8
        # A clean exit: also no sanitizer report in the server.
        assert server.stop() == 0, server.stderr()[-3000:]
    finally:
        for sock in sockets:
            sock.close()
        server.stop()


def dechunk(data):
    """The body of a chunked HTTP/1.1 response (its head included in DATA),
    and whether it ended properly (the last chunk); what follows a chunk
    cut short is left out."""
    head, _, rest = data.partition(b"\r\n\r\n")
    assert b"transfer-encoding: chunked" in head.lower(), head
    body = bytearray()
    while True:
        line, crlf, rest = rest.partition(b"\r\n")
        if not crlf:
            return bytes(body), False
        size = int(line, 16)
        if size == 0:
            return bytes(body), rest == b"\r\n"
        if len(rest) < size + 2:
            return bytes(body), False
        assert rest[size:size + 2] == b"\r\n", rest[size:size + 16]
        body += rest[:size]
        rest = rest[size + 2:]


@pytest.mark.parametrize("version", ["2025-06-18", "2025-11-25"])
def test_a_stream_cut_for_unsent_output_ends_whole(version):
    """A client that stops reading an SSE answer loses its connection past
    max-unsent-bytes. What it gets before the end must be whole: the event
    and chunk under way finished, then the last chunk, not a body cut in
    the middle of a chunk (or an event) where the kernel's buffers ended."""
    count, size = 4000, 16384
    server = Server("--max-unsent-bytes", "262144", "--debug", program=FLOOD_SERVER, env=small_env())
    sock = None
    try:
        session = open_session(server, version)
        sock = raw_connection(server.port, rcvbuf=4096)
        sock.sendall(flood_request(session, version, count, size))
        assert wait_until(lambda: "client stopped reading" in server.stderr(), timeout=300), \
            server.stderr()[-2000:]
        data = read_until_closed(sock)
        assert data is not None and data.startswith(b"HTTP/1.1 200"), data[:200]
        body, ended = dechunk(data)
        assert ended, f"the body ends without its last chunk, after {len(body)} bytes: {data[-80:]!r}"
        assert body.endswith(b"\n\n"), body[-80:]
        events = parse_events(body)
        assert len(events) > 1 and all(json.loads(data) for _, data in events if data)
        assert len(body) < count * size // 8
        assert server.health()
        assert server.stop() == 0, server.stderr()[-3000:]
    finally:
        if sock is not None:
            sock.close()
        server.stop()


def test_one_shot_answer_that_is_not_read_is_dropped_after_the_timeout():
    size = 32 * 1024 * 1024
    server = Server("--idle-timeout", "1", "--stateless", program=FLOOD_SERVER, env=small_env())
    sock = None
    try:
        assert server.health()
        baseline_fds = settled_fd_count(server.pid)
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                           "params": {"name": "blob", "arguments": {"size": size}}}).encode()
        sock = raw_connection(server.port, rcvbuf=4096)
        sock.sendall(http_request("POST", "/mcp", body, MCP_HEADERS))
        # The answer is made, the client takes almost none of it: the server
        # gives up on it (the answer is busy, not idle, so only the lack of
        # progress can end it).
        assert wait_until(lambda: fd_count(server.pid) > baseline_fds, timeout=60)
        assert wait_until(lambda: fd_count(server.pid) <= baseline_fds, timeout=120), \
            f"{fd_count(server.pid)} descriptors open, {baseline_fds} before"
        assert server.health()
        data = read_until_closed(sock)
        assert data is not None and data.startswith(b"HTTP/1.1 200") and len(data) < size
        # A client that reads gets the whole answer.
        status, _, answer = server.request("POST", "/mcp", body, MCP_HEADERS, timeout=120)
        assert status == 200 and len(answer) > size
        # A clean exit: also no sanitizer report in the server.
        assert server.stop() == 0, server.stderr()[-3000:]
    finally:
        if sock is not None:
            sock.close()
        server.stop()


def settled_rss_kib(pid):
    """The server's RSS once it stops growing (the same within 1 MiB
    twice, 0.5 s apart)."""
    previous = rss_kib(pid)
    for _ in range(120):
        time.sleep(0.5)
        current = rss_kib(pid)
        if abs(current - previous) < 1024:
            return current
        previous = current
    return previous


def test_unsent_output_of_all_connections_is_bounded():
    """Clients that open many connections, each asking for a large answer
    (3 MiB, within max-unsent-bytes) that they never read: all together
    they hold at most max-unsent-output-bytes (default 64 MiB), each
    client address a quarter of it; the connections past it are closed,
    and other clients are still served. Before, 3 addresses of 16
    connections held 144 MiB until the write timeout (4 MiB each for
    every connection allowed, 40 GB with the defaults)."""
    size, per_address, addresses = 3 * 1024 * 1024, 16, ["127.0.0.2", "127.0.0.3", "127.0.0.4"]
    server = Server("--stateless", "--debug", program=FLOOD_SERVER, env=small_env())
    sockets = []
    try:
        assert server.health()
        baseline = settled_rss_kib(server.pid)
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                           "params": {"name": "blob", "arguments": {"size": size}}}).encode()
        for source in addresses:
            for _ in range(per_address):
                sock = raw_connection(server.port, rcvbuf=4096, source=source)
                sock.sendall(http_request("POST", "/mcp", body, MCP_HEADERS))
                sockets.append(sock)
        assert server.health()
        grown = settled_rss_kib(server.pid) - baseline
        assert grown < 96 * 1024, f"RSS grew by {grown} KiB"
        assert "too much unsent output of all connections" in server.stderr(), server.stderr()[-2000:]

        # Another client still gets its answer whole.
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60, source_address=("127.0.0.9", 0))
        conn.request("POST", "/mcp", body=body, headers=MCP_HEADERS)
        response = conn.getresponse()
        answer = response.read()
        conn.close()
        assert response.status == 200 and len(answer) > size
        assert server.stop() == 0, server.stderr()[-3000:]
    finally:
        for sock in sockets:
            sock.close()
        server.stop()


def parse_events(data):
    """SSE events of a (de-chunked) body: list of (id, data)."""
    events = []
    for block in data.decode().split("\n\n"):
        event_id, lines = None, []
        for line in block.splitlines():
            if line.startswith("id: "):
                event_id = line[4:]
            elif line.startswith("data: "):
                lines.append(line[6:])
        if event_id is not None or lines:
            events.append((event_id, "\n".join(lines)))
    return events


@pytest.mark.parametrize("version", ["2025-06-18", "2025-11-25"])
def test_notifications_sent_before_the_answer_are_bounded(version):
    """A handler that reports progress before it returns: its events wait
    in memory for the answer (no client can read them yet). Past
    max-unsent-bytes of them the later notifications are dropped, not
    the answer; without a bound, the progress a client asks for would
    make the server hold whatever the handler sends (here 128 MiB)."""
    count, size = 2048, 65536
    server = Server("--max-unsent-bytes", "262144", program=FLOOD_SERVER, env=small_env())
    try:
        session = open_session(server, version)
        status, _, body = server.post_mcp(
            {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
             "params": {"name": "burst", "arguments": {"count": count, "size": size},
                        "_meta": {"progressToken": "p"}}},
            {"MCP-Protocol-Version": version, "Mcp-Session-Id": session}, timeout=120)
        assert status == 200
        messages = [json.loads(data) for _, data in parse_events(body) if data]
        assert messages[-1]["result"]["content"][0]["text"] == f"burst {count}", str(messages[-1])[:300]
        progress = [m["params"]["progress"] for m in messages[:-1]]
        assert progress == list(range(1, len(progress) + 1))
        assert len(body) < 1024 * 1024, f"{len(body)} bytes of events before the answer"
        assert server.stop() == 0, server.stderr()[-3000:]
    finally:
        server.stop()


@pytest.mark.parametrize("version", ["2025-06-18", "2025-11-25"])
def test_requests_sent_before_the_answer_are_bounded(version):
    """A handler that sends requests to the client before it returns: they
    wait in memory for its SSE answer, as its notifications do. Past
    max-unsent-bytes of them a request is not queued: it fails at once
    (NORTH_MCP_ERROR_LIMIT_EXCEEDED), so the handler is not left waiting,
    and the answer still comes; without a bound, 64 requests (a session's
    most) of 64 KiB each were held, 4 MiB for one call, as many as the
    handler's requests are large."""
    count, size = 64, 65536
    server = Server("--max-unsent-bytes", "262144", program=FLOOD_SERVER, env=small_env())
    try:
        headers = {"MCP-Protocol-Version": version}
        status, response_headers, body = server.post_mcp(
            initialize_message(protocolVersion=version, capabilities={"elicitation": {}}), headers)
        assert status == 200, body
        headers["Mcp-Session-Id"] = response_headers["Mcp-Session-Id"]
        status, _, body = server.post_mcp({"jsonrpc": "2.0", "method": "notifications/initialized"}, headers)
        assert status == 202, body
        status, _, body = server.post_mcp(
            {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
             "params": {"name": "ask", "arguments": {"count": count, "size": size}}}, headers, timeout=120)
        assert status == 200
        messages = [json.loads(data) for _, data in parse_events(body) if data]
        requests = [m for m in messages if m.get("method") == "elicitation/create"]
        answer = messages[-1]["result"]["content"][0]["text"]
        assert answer.startswith(f"asked {count}, refused {count - len(requests)}: "), answer[:300]
        assert len(requests) < count, f"{len(requests)} requests queued"
        # NORTH_MCP_ERROR_LIMIT_EXCEEDED, the bound named.
        assert "north-mcp-error-quark 7 " in answer and "max-unsent-bytes" in answer, answer[:300]
        assert len(body) < 1024 * 1024, f"{len(body)} bytes of events before the answer"
        assert server.stop() == 0, server.stderr()[-3000:]
    finally:
        server.stop()


def test_a_stream_cut_during_a_handler_takes_no_more():
    """A handler that reports progress before it returns, for a JSON
    answer: its notifications go to the session's GET stream, whose
    client reads nothing. Past max-unsent-bytes the stream's connection is
    closed from the main loop, once the handler returns: what the handler
    sends until then must be dropped, not kept for a connection that is
    going (here 128 MiB)."""
    server = Server("--max-unsent-bytes", "262144", program=FLOOD_SERVER, env=small_env())
    stream = None
    try:
        session = open_session(server)
        stream = raw_connection(server.port, rcvbuf=4096)
        stream.sendall(http_request("GET", "/mcp", headers={
            "Accept": "text/event-stream", "MCP-Protocol-Version": "2025-06-18",
            "Mcp-Session-Id": session}))
        assert stream.recv(64).startswith(b"HTTP/1.1 200")
        baseline = status_kib(server.pid, "VmHWM")
        status, _, body = server.request(
            "POST", "/mcp",
            {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
             "params": {"name": "burst", "arguments": {"count": 2048, "size": 65536},
                        "_meta": {"progressToken": "p"}}},
            {**MCP_HEADERS, "Accept": "application/json", "Mcp-Session-Id": session}, timeout=120)
        assert status == 200 and json.loads(body)["result"]["content"][0]["text"] == "burst 2048", body[:300]
        grown = status_kib(server.pid, "VmHWM") - baseline
        assert grown < 64 * 1024, f"peak RSS grew by {grown} KiB"
        assert read_until_closed(stream) is not None
        assert server.stop() == 0, server.stderr()[-3000:]
    finally:
        if stream is not None:
            stream.close()
        server.stop()


def test_resumable_stream_reconnects_after_being_cut():
    version = "2025-11-25"
    count, size = 120, 16384
    server = Server("--max-unsent-bytes", "65536", program=FLOOD_SERVER, env=small_env())
    try:
        session = open_session(server, version)
        baseline_fds = settled_fd_count(server.pid)

        sock = raw_connection(server.port, rcvbuf=4096)
        sock.sendall(flood_request(session, version, count, size))
        # Read the headers and the priming event (its id), then stop reading.
        head = b""
        while b"id: " not in head or not head.split(b"id: ", 1)[1].count(b"\n"):
            chunk = sock.recv(1024)
            assert chunk, head
            head += chunk
        priming = head.split(b"id: ", 1)[1].split(b"\n", 1)[0].decode().strip()
        assert wait_until(lambda: fd_count(server.pid) <= baseline_fds, timeout=300), \
            f"{fd_count(server.pid)} descriptors open, {baseline_fds} before"
        assert server.health()

        # The events the cut connection did not deliver, then the result.
        status, headers, body = server.request("GET", "/mcp", headers={
            "Accept": "text/event-stream", "MCP-Protocol-Version": version,
            "Mcp-Session-Id": session, "Last-Event-ID": priming}, timeout=300)
        assert status == 200, body
        messages = [json.loads(data) for _, data in parse_events(body) if data]
        progress = [m for m in messages if m.get("method") == "notifications/progress"]
        results = [m for m in messages if m.get("id") == 2]
        assert len(progress) == count
        assert all(len(m["params"]["message"]) == size for m in progress)
        assert results and results[0]["result"]["content"][0]["text"] == f"flooded {count}"
        sock.close()
        # A clean exit: also no sanitizer report in the server.
        assert server.stop() == 0, server.stderr()[-3000:]
    finally:
        server.stop()


def test_parallel_replays_of_a_stream_share_its_events():
    version = "2025-11-25"
    count, size, clients = 190, 16384, 40
    server = Server(program=FLOOD_SERVER, env=small_env())
    sockets = []
    try:
        session = open_session(server, version)
        # A stream of 3 MB of events, read whole: it ended, its events stay
        # in the session's store.
        sock = raw_connection(server.port)
        sock.sendall(flood_request(session, version, count, size))
        data = b""
        while not data.endswith(b"\r\n0\r\n\r\n"):
            chunk = sock.recv(1 << 20)
            assert chunk, data[-200:]
            data += chunk
        sock.close()
        priming = data.split(b"id: ", 1)[1].split(b"\n", 1)[0].decode().strip()
        assert server.health()
        baseline = rss_kib(server.pid)

        # Clients that resume it from the start and read almost nothing:
        # each replay waits for its client, and they must not cost 3 MB each.
        for _ in range(clients):
            sock = raw_connection(server.port, rcvbuf=4096)
            sock.sendall(http_request("GET", "/mcp", headers={
                "Accept": "text/event-stream", "MCP-Protocol-Version": version,
                "Mcp-Session-Id": session, "Last-Event-ID": priming}))
            sockets.append(sock)
        for sock in sockets:
            assert sock.recv(64).startswith(b"HTTP/1.1 200")
        grown = rss_kib(server.pid) - baseline
        assert grown < 48 * 1024, f"RSS grew by {grown} KiB for {clients} replays"

        # A client that reads gets the whole stream.
        status, _, body = server.request("GET", "/mcp", headers={
            "Accept": "text/event-stream", "MCP-Protocol-Version": version,
            "Mcp-Session-Id": session, "Last-Event-ID": priming}, timeout=120)
        assert status == 200
        messages = [json.loads(data) for _, data in parse_events(body) if data]
        assert len([m for m in messages if m.get("method") == "notifications/progress"]) == count
        assert messages[-1]["result"]["content"][0]["text"] == f"flooded {count}"
        # A clean exit: also no sanitizer report in the server.
        assert server.stop() == 0, server.stderr()[-3000:]
    finally:
        for sock in sockets:
            sock.close()
        server.stop()


def pipe_pending(fd):
    """Bytes waiting in the pipe of FD (either end)."""
    return int.from_bytes(fcntl.ioctl(fd, termios.FIONREAD, b"\0" * 4), "little")


def start_stdio_server(*args):
    """The flood server on stdio, initialized; its stderr in a file."""
    stderr = tempfile.TemporaryFile()
    server = subprocess.Popen([FLOOD_SERVER, "--transport", "stdio", *args],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, env=small_env())
    server.stdin.write((json.dumps(initialize_message()) + "\n").encode())
    server.stdin.write(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
    server.stdin.flush()
    assert json.loads(server.stdout.readline())["id"] == 1
    return server, stderr


def stop_stdio_server(server, stderr):
    if server.poll() is None:
        server.kill()
        server.wait()
    stderr.close()


def test_stdio_answer_that_is_not_read_does_not_hold_the_main_loop():
    server, stderr = start_stdio_server()
    try:
        # An answer far larger than the pipe (within max-unsent-bytes), which
        # the client does not read yet.
        server.stdin.write((json.dumps({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                                        "params": {"name": "blob", "arguments": {"size": 1 << 20}}})
                            + "\n").encode())
        server.stdin.flush()
        assert wait_until(lambda: pipe_pending(server.stdout.fileno()) >= 32768, timeout=60)
        # The main loop still turns: the server reads the next requests
        # (rather than sit in a write(2) that the client never lets finish).
        server.stdin.write(b"".join(b'{"jsonrpc":"2.0","id":%d,"method":"ping"}\n' % (10 + i)
                                    for i in range(10)))
        server.stdin.flush()
        assert wait_until(lambda: pipe_pending(server.stdin.fileno()) == 0, timeout=60)
        # Then every answer arrives, in order.
        ids = [json.loads(server.stdout.readline())["id"] for _ in range(11)]
        assert ids == [2] + list(range(10, 20))
        server.stdin.close()
        stderr.seek(0)
        assert server.wait(60) == 0, stderr.read().decode("utf-8", "replace")[-3000:]
    finally:
        stop_stdio_server(server, stderr)


def test_stdio_client_that_reads_no_answers_stops_the_reading():
    count, size = 128, 1024 * 1024
    server, stderr = start_stdio_server("--max-unsent-bytes", "65536")
    try:
        baseline = rss_kib(server.pid)

        # Requests for 128 MB of answers (1 MB of requests, padded), and
        # no answer read: the server must not queue what it cannot write.
        requests = b"".join(
            (json.dumps({"jsonrpc": "2.0", "id": 100 + i, "method": "tools/call",
                         "params": {"name": "blob", "arguments": {"size": size},
                                    "_meta": {"pad": "p" * 8192}}}) + "\n").encode()
            for i in range(count))
        written = threading.Event()

        def write_all():
            try:
                server.stdin.write(requests)
                server.stdin.close()
            except (BrokenPipeError, ValueError):
                pass
            written.set()

        writer = threading.Thread(target=write_all, daemon=True)
        writer.start()
        assert wait_until(lambda: pipe_pending(server.stdout.fileno()) >= 32768, timeout=60)
        # Meanwhile an unbounded server would go on building answers.
        time.sleep(2)
        grown = rss_kib(server.pid) - baseline
        assert grown < 48 * 1024, f"RSS grew by {grown} KiB"
        # The requests wait in the pipe: the client's writes block.
        assert not written.is_set()

        # A client that reads gets every answer, then the server ends.
        answered = 0
        for line in server.stdout:
            message = json.loads(line)
            assert len(message["result"]["content"][0]["text"]) == size
            answered += 1
        assert answered == count
        assert written.wait(60)
        # A clean exit: also no sanitizer report in the server.
        stderr.seek(0)
        assert server.wait(60) == 0, stderr.read().decode("utf-8", "replace")[-3000:]
    finally:
        stop_stdio_server(server, stderr)


def padded_ping(size, rid=7):
    """A JSON-RPC ping of SIZE bytes (a padding member in its params)."""
    body = json.dumps({"jsonrpc": "2.0", "id": rid, "method": "ping", "params": {"_meta": {"pad": ""}}})
    pad = size - len(body)
    assert pad >= 0
    return json.dumps({"jsonrpc": "2.0", "id": rid, "method": "ping",
                       "params": {"_meta": {"pad": "x" * pad}}}).encode()


def chunked_head(headers, method="POST"):
    """The head of a chunked request (a POST) to /mcp, without any chunk."""
    lines = [f"{method} /mcp HTTP/1.1", "Host: 127.0.0.1", "Transfer-Encoding: chunked",
             *(f"{name}: {value}" for name, value in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def test_bodies_held_at_once_are_bounded_and_others_are_still_served():
    server = Server("--stateless", "--max-held-body-bytes", "100000")
    try:
        # Two uploads that never finish hold 80,000 bytes: one by its
        # Content-Length, one chunked, by what has arrived.
        declared = raw_connection(server.port)
        declared.sendall(http_request("POST", "/mcp", padded_ping(60000), MCP_HEADERS)[:-1000])
        chunked = raw_connection(server.port)
        chunked.sendall(chunked_head(MCP_HEADERS) + b"4e20\r\n" + b"x" * 20000 + b"\r\n")
        time.sleep(0.5)

        # A body that would pass the bound is refused, unread; it may be retried.
        status, headers, body = server.request("POST", "/mcp", padded_ping(30000), MCP_HEADERS)
        assert status == 503, body
        assert headers.get("Retry-After") == "1"
        assert "100000" in json.loads(body)["error"]["message"]

        # Requests that fit are served meanwhile.
        status, _, body = server.request("POST", "/mcp", padded_ping(500), MCP_HEADERS)
        assert status == 200, body
        assert json.loads(body)["result"] == {}

        # The bytes are given back when the uploads' clients go away.
        declared.close()
        chunked.close()
        assert wait_until(lambda: server.request("POST", "/mcp", padded_ping(30000),
                                                 MCP_HEADERS)[0] == 200)
        # Answered requests give theirs back too, on new and kept connections.
        for _ in range(10):
            assert server.request("POST", "/mcp", padded_ping(30000), MCP_HEADERS)[0] == 200
        kept = server.connection()
        for _ in range(10):
            kept.request("POST", "/mcp", body=padded_ping(30000), headers=MCP_HEADERS)
            response = kept.getresponse()
            assert response.status == 200 and json.loads(response.read())["result"] == {}
        kept.close()
        assert server.stop() == 0, server.stderr()[-3000:]
    finally:
        server.stop()


def test_a_chunked_body_passing_the_held_bound_is_refused_as_it_arrives():
    server = Server("--stateless", "--max-held-body-bytes", "100000")
    try:
        declared = raw_connection(server.port)
        declared.sendall(http_request("POST", "/mcp", padded_ping(90000), MCP_HEADERS)[:-1000])
        time.sleep(0.5)

        chunked = raw_connection(server.port)
        chunked.sendall(chunked_head(MCP_HEADERS))
        for _ in range(4):
            chunked.sendall(b"1388\r\n" + b"x" * 5000 + b"\r\n")
        answer = read_until_closed(chunked)
        assert answer is not None and answer.startswith(b"HTTP/1.1 503"), answer
        assert b"Retry-After: 1" in answer
        declared.close()
        assert server.stop() == 0, server.stderr()[-3000:]
    finally:
        server.stop()


def allocator_slack_kib():
    """What the sanitizer's allocator itself adds to the peak of a server
    that makes and frees many small allocations (its size classes and
    quarantine: about 16 MiB, whatever the body), else nothing."""
    return 24 * 1024 if "ASAN_OPTIONS" in os.environ else 0


def assert_body_takes_about_its_size(size, send, most_kib):
    """SEND(sock, body) sends a POST of a ping of SIZE bytes; the server's
    peak memory may grow by MOST_KIB (and the allocator's slack) for it."""
    server = Server("--stateless", env=small_env())
    try:
        body = padded_ping(size)
        status, _, answer = server.request("POST", "/mcp", body, MCP_HEADERS)
        assert status == 200, answer
        baseline = status_kib(server.pid, "VmHWM")

        sock = raw_connection(server.port, timeout=120)
        send(sock, body)
        answer = sock.recv(4096)
        assert answer.startswith(b"HTTP/1.1 200"), answer
        sock.close()
        growth = status_kib(server.pid, "VmHWM") - baseline
        assert growth < most_kib + allocator_slack_kib(), f"a body of {size} bytes took {growth} KiB"
        assert server.stop() == 0, server.stderr()[-3000:]
    finally:
        server.stop()


def test_a_chunked_body_in_tiny_chunks_takes_about_its_size():
    # libsoup keeps a request body as a list of what each read gave: a
    # chunked body of one-byte chunks took about 110 bytes per byte (a
    # GBytes, its data and a list node for each), so one 4 MiB body kept
    # over 400 MiB, and the bodies held at once (64 MiB) several GiB.
    def send(sock, body):
        sock.sendall(chunked_head(MCP_HEADERS) +
                     b"".join(b"1\r\n" + body[i:i + 1] + b"\r\n" for i in range(len(body))) +
                     b"0\r\n\r\n")

    assert_body_takes_about_its_size(512 * 1024, send, 4 * 1024)


def test_a_body_in_tiny_segments_takes_about_its_size():
    # The same with a Content-Length: each read of the body is a piece,
    # and a client that sends it a byte per TCP segment (at a pace the
    # server reads each one) made it keep about ten times the body.
    def send(sock, body):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        request = http_request("POST", "/mcp", body, MCP_HEADERS)
        head = len(request) - len(body)
        sock.sendall(request[:head])
        for i in range(head, len(request)):
            sock.sendall(request[i:i + 1])

    assert_body_takes_about_its_size(256 * 1024, send, 1536)


def assert_streams_leave_room(server, streams, headers):
    """A POST of 30,000 bytes is served while STREAMS stay open (they hold
    no body); then they close and the server stops cleanly."""
    status, answer_headers, body = server.request("POST", "/mcp", padded_ping(30000), headers)
    assert status == 200, body
    assert sse_or_json(answer_headers, body)[0]["result"] == {}
    for sock in streams:
        assert still_open(sock)
        sock.close()
    assert server.stop() == 0, server.stderr()[-3000:]


def test_get_streams_do_not_hold_their_request_bodies():
    # A GET stream reads no body: what a client sends with one is dropped,
    # not kept (and counted as held) for as long as the stream is open.
    # Before, two GET streams, each with a body of 45,000 bytes, held
    # 90,000 bytes until they ended: every POST that did not fit the
    # 10,000 left was answered 503 meanwhile (and 16 such streams of 4 MiB
    # did it with the default limits).
    server = Server("--max-held-body-bytes", "100000")
    try:
        streams = []
        for chunked in (False, True):
            session = open_session(server)
            headers = {"Accept": "text/event-stream", "MCP-Protocol-Version": "2025-06-18",
                       "Mcp-Session-Id": session}
            sock = raw_connection(server.port)
            if chunked:
                sock.sendall(chunked_head(headers, "GET") +
                             b"afc8\r\n" + b" " * 45000 + b"\r\n0\r\n\r\n")
            else:
                sock.sendall(http_request("GET", "/mcp", b" " * 45000, headers))
            assert sock.recv(65536).startswith(b"HTTP/1.1 200"), "no stream"
            streams.append(sock)

        assert_streams_leave_room(server, streams, {**MCP_HEADERS, "Mcp-Session-Id": session})
    finally:
        server.stop()


def test_listen_streams_do_not_hold_their_request_bodies():
    # A listen stream (revision 2026-07-28) keeps its filter and at most
    # 64 KiB of params, not the request as it arrived: a padded request
    # (members JSON-RPC ignores) must not hold the budget of request bodies
    # for the stream's whole life. Before, two listens of 45,000 bytes held
    # 90,000 bytes until they ended and every POST that did not fit the
    # 10,000 left was answered 503 (16 listens of 4 MiB did it with the
    # default limits).
    server = Server("--stateless", "--max-held-body-bytes", "100000")
    try:
        headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
                   "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "subscriptions/listen"}
        streams = []
        for rid in (1, 2):
            body = json.dumps({"jsonrpc": "2.0", "id": rid, "method": "subscriptions/listen", "pad": "x" * 45000,
                               "params": {"notifications": {"toolsListChanged": True},
                                          "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                                                    "io.modelcontextprotocol/clientCapabilities": {}}}}).encode()
            sock = raw_connection(server.port)
            sock.sendall(http_request("POST", "/mcp", body, headers))
            received = receive_until(sock, b"notifications/subscriptions/acknowledged")
            assert received.startswith(b"HTTP/1.1 200"), received
            streams.append(sock)

        assert_streams_leave_room(server, streams, MCP_HEADERS)
    finally:
        server.stop()


def test_listen_streams_count_what_they_keep():
    # A listen stream lets go of its body but keeps its params, with up to
    # 64 KiB of resourceSubscriptions, and a copy of the URIs: that counts
    # in max-subscription-bytes for as long as the stream is open (some
    # 71 KB here: 4 KiB, and its params as a tree). Before, it counted among the request bodies held, so
    # that a few listens could take that budget from every other request.
    # With room for three and a half such listens in one client's share (a
    # quarter of max-subscription-bytes; without authentication or a
    # session, a client is its address), the fourth is refused (-32603)
    # while another address still listens, bodies as large as theirs are
    # still served, and once the streams end their room is given back.
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
               "MCP-Protocol-Version": "2026-07-28"}
    meta = {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {}}

    def body(rid):
        uris = [f"file:///{rid}/{i}/" + "u" * 4000 for i in range(16)]
        return json.dumps({"jsonrpc": "2.0", "id": rid, "method": "subscriptions/listen",
                           "params": {"notifications": {"toolsListChanged": True,
                                                        "resourceSubscriptions": uris},
                                      "_meta": meta}}).encode()

    size = len(body(1))
    assert 64_000 < size < 66_000
    server = Server("--stateless", "--max-subscription-bytes", "1000000",
                    "--max-held-body-bytes", str(2 * size))
    try:
        def listen(rid, source=None):
            sock = raw_connection(server.port, source=source)
            sock.sendall(http_request("POST", "/mcp", body(rid), {**headers, "Mcp-Method": "subscriptions/listen"}))
            received = receive_until(sock, b"acknowledged", b'"code":-32603')
            return sock, b"acknowledged" in received

        streams = [listen(rid) for rid in (1, 2, 3)]
        assert all(open_ for _, open_ in streams)
        refused, open_ = listen(4)
        assert not open_, f"a fourth listen of {size} bytes was kept past one client's share"
        refused.close()
        other, open_ = listen(6, source="127.0.0.2")
        assert open_, "another client's listen was refused"
        streams.append((other, open_))
        padded = json.dumps({"jsonrpc": "2.0", "id": 9, "method": "tools/list", "params": {"_meta": meta},
                             "pad": "p" * (size - 200)}).encode()
        status, _, answer = server.request("POST", "/mcp", padded, {**headers, "Mcp-Method": "tools/list"})
        assert status == 200 and b'"tools"' in answer, answer[:300]

        for sock, _ in streams:
            sock.close()

        def reopened():
            sock, open_ = listen(5)
            streams.append((sock, open_))
            return open_
        assert wait_until(reopened)
        for sock, _ in streams:
            sock.close()
        assert server.stop() == 0, server.stderr()[-3000:]
    finally:
        server.stop()


def test_connections_taken_over_by_routes_count_until_closed():
    # A custom route may take its connection over (a WebSocket would):
    # flood-server's /echo does, and echoes until the client hangs up.
    # Before, such a connection left the max-connections count as soon as
    # it was taken: with --max-connections 3 a client held any number of
    # them. Now it counts until the route closes it, or lets go of it
    # without closing (?drop).
    server = Server("--max-connections", "3", program=FLOOD_SERVER)
    try:
        def echo(path="/echo"):
            sock = raw_connection(server.port)
            sock.sendall(http_request("GET", path))
            assert sock.recv(6) == b"ready\n"
            sock.sendall(b"ping")
            assert sock.recv(4) == b"ping"
            return sock

        taken = [echo(), echo("/echo?drop"), echo()]
        # A fourth waits in the listen backlog, connected but not served.
        waiting = raw_connection(server.port, timeout=1.5)
        waiting.sendall(http_request("GET", "/health"))
        with pytest.raises(socket.timeout):
            waiting.recv(65536)
        assert wait_until(lambda: "the most allowed (max-connections)" in server.stderr())
        for sock in taken:
            sock.sendall(b"still")
            assert sock.recv(5) == b"still"

        # The route closes one when its client hangs up: the fourth is served.
        taken.pop(0).close()
        waiting.settimeout(30)
        assert waiting.recv(65536).startswith(b"HTTP/1.1 200")
        waiting.close()

        # One the route lets go of without closing gives its place back too.
        taken.append(echo())
        waiting = raw_connection(server.port, timeout=1.5)
        waiting.sendall(http_request("GET", "/health"))
        with pytest.raises(socket.timeout):
            waiting.recv(65536)
        taken.pop(0).close()  # the ?drop one
        waiting.settimeout(30)
        assert waiting.recv(65536).startswith(b"HTTP/1.1 200")
        waiting.close()
        for sock in taken:
            sock.close()
        assert wait_until(server.health)
        assert server.stop() == 0, server.stderr()[-3000:]
    finally:
        server.stop()


def test_refused_connections_still_count_against_max_connections():
    # A refused body (413) is answered on a connection taken from libsoup,
    # which then drains what the client sends for up to 2 s. Before, such
    # a connection left the max-connections count as soon as it was
    # refused: with --max-connections 5, 20 oversized POSTs were all
    # answered at once and held 20 descriptors (one client that kept going
    # reached 8,600).
    limit = 5
    server = Server("--stateless", "--max-connections", str(limit))
    try:
        assert wait_until(server.health)
        baseline = settled_fd_count(server.pid)
        head = http_request("POST", "/mcp", b"", MCP_HEADERS, length=100_000_000)
        socks = [raw_connection(server.port) for _ in range(20)]
        peak = 0
        for sock in socks:
            sock.sendall(head)
        # Each is answered 413, then the end of the stream; the client keeps
        # its side open, so the server drains it until the 2 s are over.
        for sock in socks:
            answer = read_until_closed(sock, timeout=120)
            assert answer is not None and answer.startswith(b"HTTP/1.1 413"), answer
            peak = max(peak, fd_count(server.pid) - baseline)
        assert peak <= limit, f"{peak} connections open at once, more than {limit}"
        for sock in socks:
            sock.close()
        assert wait_until(server.health)
        assert server.stop() == 0, server.stderr()[-3000:]
    finally:
        server.stop()


def sampling_call(rid, pad):
    """A call of the conformance server's tool that waits for the client's
    answer to a sampling request, padded to about PAD bytes."""
    return json.dumps({"jsonrpc": "2.0", "id": rid, "method": "tools/call",
                       "params": {"name": "test_sampling", "arguments": {"prompt": "hi"},
                                  "_meta": {"pad": "x" * pad}}}).encode()


def resumable_sampling_session(server):
    """A 2025-11-25 session (whose streams may be resumed) of a client that
    answers sampling: the headers of its requests."""
    headers = {**MCP_HEADERS, "MCP-Protocol-Version": "2025-11-25"}
    status, answer_headers, body = server.post_mcp(
        initialize_message(protocolVersion="2025-11-25", capabilities={"sampling": {}}), headers)
    assert status == 200, body
    headers["Mcp-Session-Id"] = answer_headers["Mcp-Session-Id"]
    assert server.post_mcp({"jsonrpc": "2.0", "method": "notifications/initialized"}, headers)[0] == 202
    return headers


def sampling_answer(rid):
    return {"jsonrpc": "2.0", "id": rid,
            "result": {"role": "assistant", "content": {"type": "text", "text": "ok"}, "model": "m"}}


def next_message(response):
    """The next JSON-RPC message of an SSE response (http.client)."""
    while True:
        line = response.readline()
        assert line, "the stream ended"
        if line.startswith(b"data: {"):
            return json.loads(line[len(b"data: "):])


def open_legacy_stream(server):
    """A legacy GET /sse stream: (its connection, its response, the endpoint for POSTs)."""
    stream = server.connection()
    stream.request("GET", "/sse", headers={"Accept": "text/event-stream"})
    events = stream.getresponse()
    assert events.status == 200
    while not (line := events.readline()).startswith(b"data: /messages/"):
        assert line
    return stream, events, line[len(b"data: "):].strip().decode()


@contextlib.contextmanager
def legacy_session(*args):
    """A conformance server on legacy HTTP+SSE (with ARGS) and one session:
    (server, its GET /sse response, the endpoint for its POSTs). The server
    must stop cleanly after."""
    server = Server("--transport", "sse", *args, program="conformance-server")
    stream = None
    try:
        stream, events, endpoint = open_legacy_stream(server)
        yield server, events, endpoint
    finally:
        if stream is not None:
            stream.close()
        assert server.stop() == 0, server.stderr()[-3000:]


def three_held_then_refused(server, events, endpoint, pad, headers):
    """Initializes the legacy session for sampling, then makes three calls
    that wait for the client's sampling answer (padded to PAD bytes, sent
    with HEADERS) and checks that a fourth is refused with 503; answers the
    three, which then end."""
    post = {"Content-Type": "application/json"}
    init = initialize_message(protocolVersion="2024-11-05", capabilities={"sampling": {}})
    assert server.request("POST", endpoint, init, post)[0] == 202
    assert next_message(events)["id"] == 1
    assert server.request("POST", endpoint, {"jsonrpc": "2.0", "method": "notifications/initialized"},
                          post)[0] == 202

    asked = []
    for rid in (10, 11, 12):
        assert server.request("POST", endpoint, sampling_call(rid, pad), {**post, **headers})[0] == 202
        asked.append(next_message(events)["id"])
    status, _, body = server.request("POST", endpoint, sampling_call(13, pad), {**post, **headers})
    assert status == 503, body

    for rid in asked:
        assert server.request("POST", endpoint, sampling_answer(rid), post)[0] == 202
    assert sorted(next_message(events)["id"] for _ in asked) == [10, 11, 12]


def test_legacy_requests_in_progress_keep_their_bodies_held():
    # A legacy POST is answered 202 at once; the request it carries runs
    # on (here: until the client answers the tool's sampling request),
    # keeping what was parsed from its body. Before, its body stopped
    # counting among the bodies held with the 202: any number of 300 kB
    # calls were accepted (one client made the server grow by 3 MB a
    # request), where --max-held-body-bytes 1000000 allows three.
    with legacy_session("--max-held-body-bytes", "1000000") as (server, events, endpoint):
        three_held_then_refused(server, events, endpoint, 300000, {})
        # Answered, the requests gave their bytes back: all three, as a
        # body of 900 kB fits again.
        assert server.request("POST", endpoint, sampling_call(14, 900000),
                              {"Content-Type": "application/json"})[0] == 202


def test_legacy_requests_in_progress_count_their_request_headers():
    # A legacy request in progress keeps its POST's request headers (its
    # North context is read from them) after the 202, up to 64 KiB each
    # (libsoup's bound on a header block). Before, only its body counted
    # among the bodies held: calls of a few hundred bytes with 60 kB of
    # headers were all accepted, where --max-held-body-bytes 320000 allows
    # three of them (and, until each is answered 202, the 112 KiB that
    # libsoup's buffer of its head takes beyond the usual).
    with legacy_session("--max-held-body-bytes", "320000") as (server, events, endpoint):
        three_held_then_refused(server, events, endpoint, 100, {"X-Pad": "p" * 60000})
        # Answered, the requests gave their headers' bytes back.
        assert server.request("POST", endpoint, sampling_call(14, 150000),
                              {"Content-Type": "application/json"})[0] == 202


def test_legacy_requests_in_progress_count_what_their_header_fields_take():
    # libsoup keeps each header field with an array entry and two
    # allocations, some 64 bytes beyond its text: 7,000 empty fields, 63 kB
    # as sent, take about 560 kB. Before, a field counted as its text and
    # line end only: with --max-held-body-bytes 2000000, which holds three
    # such requests, about thirty were accepted.
    with legacy_session("--max-held-body-bytes", "2000000") as (server, events, endpoint):
        three_held_then_refused(server, events, endpoint, 100, {"h%04d" % i: "" for i in range(7000)})


def test_requests_whose_client_left_keep_their_bodies_held():
    # A client that hangs up on its POST, whose stream it may resume (a
    # 2025-11-25 session keeps its events), does not end the request (the
    # protocol says so): it runs on, keeping what was parsed from its body.
    # Before, the body stopped counting among the bodies held when the
    # connection went: a client that hung up after each call started any
    # number of them. (Where the stream cannot be resumed, the hang-up
    # cancels the request, which counts until its handler returns:
    # tests/http/test-hangup.c.)
    server = Server("--max-held-body-bytes", "1000000", program="conformance-server")
    try:
        headers = resumable_sampling_session(server)

        asked = []
        for rid in (10, 11, 12):
            conn = server.connection()
            conn.request("POST", "/mcp", body=sampling_call(rid, 300000), headers=headers)
            response = conn.getresponse()
            assert response.status == 200
            asked.append(next_message(response)["id"])
            conn.close()
        status, _, body = server.request("POST", "/mcp", sampling_call(13, 300000), headers)
        assert status == 503, body

        for rid in asked:
            assert server.post_mcp(sampling_answer(rid), headers)[0] == 202
        # All three give theirs back: a body of 900 kB fits again.
        assert wait_until(lambda: server.request("POST", "/mcp", padded_ping(900000),
                                                 headers)[0] == 200)
    finally:
        assert server.stop() == 0, server.stderr()[-3000:]


def legacy_listen(rid, **members):
    """A subscriptions/listen of revision 2026-07-28 (with MEMBERS besides)."""
    return {"jsonrpc": "2.0", "id": rid, "method": "subscriptions/listen", **members,
            "params": {"notifications": {"toolsListChanged": True},
                       "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                                 "io.modelcontextprotocol/clientCapabilities": {}}}}


def test_legacy_listen_streams_do_not_hold_their_request_bodies():
    # A listen stream (revision 2026-07-28) sent through a legacy POST lets
    # go of its body once read, as over Streamable HTTP. Before, the POST's
    # relay channel ignored that: three padded listens of 300 kB held
    # 900 kB of a 1,000,000 budget for their whole life and every other
    # request of 300 kB was answered 503 meanwhile.
    with legacy_session("--max-held-body-bytes", "1000000") as (server, events, endpoint):
        post = {"Content-Type": "application/json"}
        for rid in (1, 2, 3):
            assert server.request("POST", endpoint, legacy_listen(rid, pad="x" * 300000), post)[0] == 202
            assert next_message(events)["method"] == "notifications/subscriptions/acknowledged"

        status, _, body = server.request("POST", endpoint, {"jsonrpc": "2.0", "id": 9, "method": "ping",
                                                            "pad": "y" * 300000}, post)
        assert status == 202, body
        assert next_message(events) == {"jsonrpc": "2.0", "id": 9, "result": {}}


def test_one_legacy_session_holds_a_bounded_number_of_listen_streams():
    # Over legacy HTTP+SSE every listen stream of a session travels on its
    # one GET /sse stream: a POST of 240 bytes opened one more (about
    # 4.5 KB kept each, 90 MB for 20,000), with no bound besides the bodies
    # held, which a listen gives back. Now a session has at most 16 open;
    # one that ends (notifications/cancelled) makes room for another.
    with legacy_session() as (server, events, endpoint):
        post = {"Content-Type": "application/json"}
        for rid in range(1, 17):
            assert server.request("POST", endpoint, legacy_listen(rid), post)[0] == 202
            assert next_message(events)["method"] == "notifications/subscriptions/acknowledged"

        assert server.request("POST", endpoint, legacy_listen(17), post)[0] == 202
        refused = next_message(events)
        assert refused.get("id") == 17 and refused["error"]["code"] == -32600, refused

        cancel = {"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 1}}
        assert server.request("POST", endpoint, cancel, post)[0] == 202
        assert wait_until(lambda: server.request("POST", endpoint, legacy_listen(18), post)[0] == 202 and
                          next_message(events).get("method") == "notifications/subscriptions/acknowledged")


def test_listen_streams_and_subscriptions_are_bounded_in_all():
    # A legacy session may have 16 listen streams open, each keeping its
    # request: 1024 empty URIs are 3 KiB of text but some 120 KB as a tree
    # (measured: 1.9 MB of RSS per session of 16 such listens, 19 GB for
    # the default 10,000 sessions; 96 KB per session of 16 small listens,
    # 940 MB). What all listen streams and resource subscriptions keep is
    # now bounded together (max-subscription-bytes, counted as the trees
    # take memory): beyond it a listen or subscribe gets -32603, the rest
    # is served as before, and room comes back as streams end.
    limit = 4_000_000
    server = Server("--transport", "sse", "--max-subscription-bytes", str(limit), program="conformance-server")
    post = {"Content-Type": "application/json"}
    sessions = []

    def listen(endpoint, events, rid):
        message = legacy_listen(rid)
        message["params"]["notifications"]["resourceSubscriptions"] = [""] * 1024
        assert server.request("POST", endpoint, message, post)[0] == 202
        answer = next_message(events)
        assert answer.get("id") == rid or answer.get("method") == "notifications/subscriptions/acknowledged"
        return answer

    try:
        answers = []
        for _ in range(6):
            stream, events, endpoint = open_legacy_stream(server)
            sessions.append((stream, events, endpoint))
            answers += [listen(endpoint, events, rid) for rid in range(1, 17)]
        acknowledged = [a for a in answers if a.get("method") == "notifications/subscriptions/acknowledged"]
        refused = [a["error"] for a in answers if "error" in a]
        assert len(acknowledged) + len(refused) == len(answers)
        # Each counts at least 112 bytes per element of its request.
        assert 16 <= len(acknowledged) <= limit // (1024 * 112), len(acknowledged)
        assert refused and all(e["code"] == -32603 and "max-subscription-bytes" in e["message"]
                               for e in refused), refused[:3]

        # A full server serves everything else: requests, large bodies
        # (listens no longer count among the bodies held)...
        _, events, endpoint = sessions[-1]
        assert server.request("POST", endpoint, {"jsonrpc": "2.0", "id": 90, "method": "ping",
                                                 "pad": "y" * 300000}, post)[0] == 202
        assert next_message(events) == {"jsonrpc": "2.0", "id": 90, "result": {}}
        assert server.health()
        # ... but a resource subscription is refused like a listen.
        init = {"jsonrpc": "2.0", "id": 91, "method": "initialize",
                "params": {"protocolVersion": "2025-03-26", "capabilities": {},
                           "clientInfo": {"name": "hostile", "version": "0"}}}
        assert server.request("POST", endpoint, init, post)[0] == 202
        assert "result" in next_message(events)
        assert server.request("POST", endpoint, {"jsonrpc": "2.0", "method": "notifications/initialized"},
                              post)[0] == 202
        # ... but resource subscriptions are refused like listens once they
        # fill what the listens left (less than one such listen).
        answers = []
        for start in range(0, 1000, 100):
            batch = [{"jsonrpc": "2.0", "id": 100 + i, "method": "resources/subscribe",
                      "params": {"uri": f"test://{i}/" + "s" * 40}} for i in range(start, start + 100)]
            assert server.request("POST", endpoint, batch, post)[0] == 202
            answers += [next_message(events) for _ in batch]
        errors = [a["error"] for a in answers if "error" in a]
        assert len(answers) == 1000 and 0 < len(errors) < 1000, len(errors)
        assert all(e["code"] == -32603 and "max-subscription-bytes" in e["message"] for e in errors), errors[:3]
        subscribe = {"jsonrpc": "2.0", "id": 93, "method": "resources/subscribe",
                     "params": {"uri": "test://static-text"}}

        # Streams that end give their room back: the first session closes.
        first, _, _ = sessions.pop(0)
        first.close()
        assert wait_until(lambda: server.request("POST", endpoint, subscribe, post)[0] == 202 and
                          "result" in next_message(events))
        assert listen(endpoint, events, 94).get("method") == "notifications/subscriptions/acknowledged"
    finally:
        for stream, _, _ in sessions:
            stream.close()
        assert server.stop() == 0, server.stderr()[-3000:]


def test_connections_past_the_limit_wait_until_one_ends():
    server = Server("--max-connections", "3")
    try:
        held = [raw_connection(server.port) for _ in range(3)]
        for sock in held:
            sock.sendall(http_request("GET", "/health"))
            assert sock.recv(65536).startswith(b"HTTP/1.1 200")

        # A fourth waits in the listen backlog: connected, but not served.
        waiting = raw_connection(server.port, timeout=1.5)
        waiting.sendall(http_request("GET", "/health"))
        with pytest.raises(socket.timeout):
            waiting.recv(65536)
        assert wait_until(lambda: "the most allowed (max-connections)" in server.stderr())

        # One ends: the fourth is served.
        held.pop().close()
        waiting.settimeout(30)
        assert waiting.recv(65536).startswith(b"HTTP/1.1 200")
        held.append(waiting)

        # Again and again at the limit: said once, not per connection.
        for _ in range(3):
            waiting = raw_connection(server.port)
            waiting.sendall(http_request("GET", "/health"))
            held.pop(0).close()
            assert waiting.recv(65536).startswith(b"HTTP/1.1 200")
            held.append(waiting)
        assert server.stderr().count("the most allowed (max-connections)") == 1
        for sock in held:
            sock.close()
        assert wait_until(server.health)
        assert server.stop() == 0, server.stderr()[-3000:]
    finally:
        server.stop()


# An upload that trickles: four of them, with their header blocks (which
# count too), fill a share of 16 MiB.
UPLOAD = 4 * 1024 * 1024 - 1024


def hold_bodies(port, count, length, headers=None, source=None):
    """COUNT connections (from SOURCE) that each send the headers of a POST
    to /mcp announcing a body of LENGTH bytes, and its first 1,000 bytes:
    uploads that trickle, holding their Content-Length meanwhile."""
    socks = []
    for _ in range(count):
        sock = raw_connection(port, source=source)
        sock.sendall(http_request("POST", "/mcp", b" " * 1000, {**MCP_HEADERS, **(headers or {})},
                                  length=length))
        socks.append(sock)
    return socks


def answers_of(socks, count, timeout=60):
    """What each of the first COUNT of SOCKS to answer and close sent (the
    others are still waiting, here for their body): {sock: bytes}."""
    received = {sock: bytearray() for sock in socks}
    closed = {}
    deadline = time.monotonic() + timeout
    while len(closed) < count and time.monotonic() < deadline:
        ready, _, _ = select.select([sock for sock in socks if sock not in closed], [], [], 1)
        for sock in ready:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                chunk = b""
            if chunk:
                received[sock] += chunk
            else:
                closed[sock] = bytes(received[sock])
    return closed


def test_unauthenticated_uploads_do_not_hold_the_bodies_of_others():
    # Auth is decided from the headers, before the body is read: a request
    # without valid credentials is answered 401 at once and holds nothing.
    # Before, two trickling uploads without credentials held 90,000 of the
    # 100,000 bytes until their bodies came (hours at 1 KiB/s), and every
    # authenticated POST got 503 meanwhile.
    server = Server("--stateless", "--server-secret", "s3cret", "--max-held-body-bytes", "100000")
    try:
        attackers = hold_bodies(server.port, 2, 45000)
        attackers += hold_bodies(server.port, 1, 45000, {"X-North-Server-Secret": "wrong"})
        evil = hold_bodies(server.port, 1, 45000, {"Origin": "http://evil.example"})
        time.sleep(0.5)

        status, _, body = server.request("POST", "/mcp", padded_ping(30000),
                                         {**MCP_HEADERS, "X-North-Server-Secret": "s3cret"})
        assert status == 200, body
        assert json.loads(body)["result"] == {}

        for sock, reason in zip(attackers, ["no authentication headers present"] * 2 + ["access denied"]):
            answer = read_until_closed(sock)
            assert answer is not None and answer.startswith(b"HTTP/1.1 401"), answer
            assert json.loads(answer.split(b"\r\n\r\n", 1)[1]) == {"error": reason}
            sock.close()
        # A page of another site is refused as after the body, unread too.
        answer = read_until_closed(evil[0])
        assert answer is not None and answer.startswith(b"HTTP/1.1 403"), answer
        assert b"Origin not allowed" in answer
        evil[0].close()
        assert server.stop() == 0, server.stderr()[-3000:]
    finally:
        server.stop()


def test_one_client_address_holds_at_most_a_quarter_of_the_bodies():
    # What may pass without credentials (an open server, custom routes)
    # holds at most a quarter of --max-held-body-bytes per client address
    # (at least one body of the largest size). Before, 16 uploads of
    # 4 MiB from one address, trickling in, held all 64 MiB (the
    # defaults) and every other client's POST got 503.
    server = Server("--stateless")
    try:
        attackers = hold_bodies(server.port, 16, UPLOAD, source="127.0.0.1")
        time.sleep(0.5)

        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30,
                                          source_address=("127.0.0.2", 0))
        conn.request("POST", "/mcp", body=padded_ping(30000), headers=MCP_HEADERS)
        response = conn.getresponse()
        body = response.read()
        assert response.status == 200, body
        assert json.loads(body)["result"] == {}
        conn.close()

        # Four uploads fit in the first address's share; the others were
        # refused, unread, saying why.
        refused = answers_of(attackers, 12)
        assert len(refused) == 12
        for answer in refused.values():
            assert answer.startswith(b"HTTP/1.1 503"), answer
            assert b"Retry-After: 1" in answer
            assert b"one client" in answer and b"16777216" in answer
        for sock in attackers:
            sock.close()
        assert server.stop() == 0, server.stderr()[-3000:]
    finally:
        server.stop()


def post_from(port, source, headers=None):
    """A POST of a 30,000-byte ping to /mcp from SOURCE: (status, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
    try:
        conn.request("POST", "/mcp", body=padded_ping(30000), headers={**MCP_HEADERS, **(headers or {})})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def uploads_naming(port, clients, source="127.0.0.1"):
    """One trickling upload (UPLOAD) from SOURCE per entry of CLIENTS, which
    its X-Forwarded-For names; once the server has had time to count them."""
    socks = [hold_bodies(port, 1, UPLOAD, source=source, headers={"X-Forwarded-For": client})[0]
             for client in clients]
    time.sleep(0.5)
    return socks


def assert_one_share(socks):
    """All but 4 of 16 uploads (SOCKS, of UPLOAD each) were refused, past one
    client's share of the default 64 MiB; closes them all."""
    refused = answers_of(socks, 12)
    assert len(refused) == 12
    assert all(b"one client" in answer for answer in refused.values()), refused
    for sock in socks:
        sock.close()


def test_behind_a_trusted_proxy_the_bodies_share_is_the_named_clients():
    # Through a trusted proxy (loopback by default, --forwarded-allow-ips)
    # every client comes from the proxy's address: its body counts in the
    # share of the client X-Forwarded-For names. Before, one client's
    # trickling uploads through the proxy took the proxy's share, and every
    # other client behind it got 503.
    server = Server("--stateless")
    try:
        attackers = hold_bodies(server.port, 16, UPLOAD, source="127.0.0.1",
                                headers={"X-Forwarded-For": "203.0.113.7"})
        time.sleep(0.5)
        status, body = post_from(server.port, "127.0.0.1", {"X-Forwarded-For": "198.51.100.9"})
        assert status == 200 and json.loads(body)["result"] == {}, body
        assert len(answers_of(attackers, 12)) == 12
        for sock in attackers:
            sock.close()

        # A peer that is no trusted proxy names nobody: 127.0.0.2's uploads,
        # each naming another client, all count in 127.0.0.2's share.
        assert_one_share(uploads_naming(server.port, [f"192.0.2.{n}" for n in range(16)], "127.0.0.2"))
        assert server.stop() == 0, server.stderr()[-3000:]
    finally:
        server.stop()


def test_ipv6_clients_of_one_64_network_share_one_bodies_share():
    # One IPv6 client has a whole /64 (2^64 addresses) to send from: its
    # bodies count in the share of its /64, and an IPv4-mapped address in
    # that of its IPv4 address. Before, 16 trickling uploads of 4 MiB, each
    # naming another address of 2001:db8:1:2::/64 through the trusted
    # proxy, held all 64 MiB and every other client got 503.
    server = Server("--stateless")
    try:
        attackers = uploads_naming(server.port, [f"2001:db8:1:2:{n:x}::{n + 1:x}" for n in range(16)])
        status, body = post_from(server.port, "127.0.0.1", {"X-Forwarded-For": "2001:db8:1:3::1"})
        assert status == 200 and json.loads(body)["result"] == {}, body
        assert_one_share(attackers)

        assert_one_share(uploads_naming(server.port, ["203.0.113.7", "::ffff:203.0.113.7"] * 8))
        assert server.stop() == 0, server.stderr()[-3000:]
    finally:
        server.stop()


def test_uploads_to_public_routes_do_not_hold_the_bodies_of_the_authenticated():
    # Custom routes are public, so their bodies are not checked before
    # they are read: they hold at most their address's share. Requests
    # authenticated by their headers count in another share: their
    # identity's, or for the secret alone (here), the address's share of
    # such requests (North sends all of its users' requests from a few
    # addresses). Before, 16 uploads of
    # 4 MiB to a route held all 64 MiB, and North's POSTs got 503.
    server = Server("--stateless", "--server-secret", "s3cret", program="server-with-custom-routes")
    try:
        attackers = []
        for _ in range(16):
            sock = raw_connection(server.port)
            sock.sendall(http_request("POST", "/ready", b" " * 1000, length=UPLOAD))
            attackers.append(sock)
        time.sleep(0.5)

        status, _, body = server.request("POST", "/mcp", padded_ping(30000),
                                         {**MCP_HEADERS, "X-North-Server-Secret": "s3cret"})
        assert status == 200, body
        assert json.loads(body)["result"] == {}
        refused = answers_of(attackers, 12)
        assert len(refused) == 12
        for answer in refused.values():
            assert answer.startswith(b"HTTP/1.1 503") and b"one client" in answer, answer
        for sock in attackers:
            sock.close()
        assert server.stop() == 0, server.stderr()[-3000:]
    finally:
        server.stop()


def test_legacy_listen_streams_do_not_keep_their_request_headers():
    # A listen stream sent through a legacy POST outlives that POST (202 at
    # once) and, before, kept the POST's request headers for its whole life:
    # up to 64 KiB (libsoup's bound on the header block) that counted
    # nowhere, 16 listens a session, 1 MiB per session and 10 GiB for the
    # default 10,000 sessions, where max-subscription-bytes was to bound what
    # listens keep. Here 64 sessions of 16 listens with 60 kB of headers each
    # kept 61 MB of them; a listen needs no header once it is acknowledged
    # (1024 listens keep some 5 MB).
    server = Server("--transport", "sse", program="conformance-server", env=small_env())
    streams = []
    try:
        post = {"Content-Type": "application/json", "X-Pad": "p" * 60000}

        def listens(count):
            stream, events, endpoint = open_legacy_stream(server)
            streams.append(stream)
            for rid in range(1, count + 1):
                assert server.request("POST", endpoint, legacy_listen(rid), post)[0] == 202
                assert next_message(events)["method"] == "notifications/subscriptions/acknowledged"

        listens(16)  # the allocator's pools warm up
        before = rss_kib(server.pid)
        for _ in range(64):
            listens(16)
        grown = rss_kib(server.pid) - before
        assert grown < 16 * 1024 + allocator_slack_kib(), \
            f"1024 listens with 60 kB of headers each made the server grow by {grown} KiB"
    finally:
        for stream in streams:
            stream.close()
        assert server.stop() == 0, server.stderr()[-3000:]


def test_legacy_listen_streams_count_their_north_context():
    # What a listen keeps of its request's headers, the North context
    # (X-North-Context-*, which the server's code may read as long as the
    # stream lives), counts in max-subscription-bytes. Before, the headers
    # counted nowhere: 16 listens with 60 kB of North context each passed a
    # session's share of 100,000 bytes (a quarter of 400,000).
    with legacy_session("--max-subscription-bytes", "400000") as (server, events, endpoint):
        post = {"Content-Type": "application/json", "X-North-Context-Pad": "p" * 60000}
        answers = []
        for rid in range(1, 17):
            assert server.request("POST", endpoint, legacy_listen(rid), post)[0] == 202
            answers.append(next_message(events))
        acknowledged = [a for a in answers if a.get("method") == "notifications/subscriptions/acknowledged"]
        refused = [a["error"] for a in answers if "error" in a]
        assert len(acknowledged) == 1, answers
        assert len(refused) == 15 and all(e["code"] == -32603 and "one client" in e["message"]
                                          for e in refused), refused[:2]

        # Small listens still fit beside it.
        assert server.request("POST", endpoint, legacy_listen(20), {"Content-Type": "application/json"})[0] == 202
        assert next_message(events)["method"] == "notifications/subscriptions/acknowledged"


def tool_call(rid, name, size):
    """A call of the flood server's tool NAME with its argument size."""
    return {"jsonrpc": "2.0", "id": rid, "method": "tools/call",
            "params": {"name": name, "arguments": {"size": size}}}


def long_call(rid):
    """A call of the flood server that runs on (until its client leaves)."""
    return {"jsonrpc": "2.0", "id": rid, "method": "tools/call",
            "params": {"name": "flood", "arguments": {"count": 1 << 40, "size": 1}}}


def send_batch(server, batch, source=None):
    """A POST of BATCH (revision 2025-03-26, answered in JSON) on a
    connection of its own (from SOURCE): the connection."""
    sock = raw_connection(server.port, source=source)
    sock.sendall(http_request("POST", "/mcp", json.dumps(batch).encode(),
                              {**MCP_HEADERS, "MCP-Protocol-Version": "2025-03-26"}))
    return sock


@contextlib.contextmanager
def batch_flood_server(*args):
    """The flood server (with ARGS, a small ASan quarantine) and a list for
    the connections a test opens: (server, sockets). The server must stop
    cleanly after (also no sanitizer report)."""
    server = Server(*args, program=FLOOD_SERVER, env=small_env())
    sockets = []
    try:
        yield server, sockets
        for sock in sockets:
            sock.close()
        assert server.stop() == 0, server.stderr()[-3000:]
    finally:
        for sock in sockets:
            sock.close()
        server.stop()


def test_answers_waiting_in_a_json_batch_are_bounded():
    """The answers of a batch answered in JSON wait for its last request:
    batches whose last request runs long, the others answering large, must
    not make the server keep their answers without bound (they count among
    the bodies held, max-held-body-bytes, with the body of their POST)."""
    with batch_flood_server("--stateless", "--max-held-body-bytes", str(16 << 20)) as (server, sockets):
        baseline = rss_kib(server.pid)
        # 32 small POSTs, each keeping 16 MiB of answers: 512 MiB.
        for b in range(32):
            sockets.append(send_batch(server, [long_call(f"long{b}")] +
                                      [tool_call(f"blob{b}-{i}", "blob", 1 << 20) for i in range(16)]))
        # The POSTs past the bound are refused as when their bodies do not
        # fit; the others wait for their long request.
        answered = {}

        def read_answers():
            readable, _, _ = select.select([s for s in sockets if s not in answered], [], [], 0)
            for sock in readable:
                answered[sock] = sock.recv(65536)
            return len(answered) >= 32 - 2

        wait_until(read_answers, timeout=30)
        grown = rss_kib(server.pid) - baseline
        assert grown < 96 * 1024, f"RSS grew by {grown} KiB"
        assert sum(data.startswith(b"HTTP/1.1 503") for data in answered.values()) >= 32 - 2


def test_first_answer_of_a_json_batch_is_kept_as_text_only():
    """The answers of a batch answered in JSON that wait for its last
    request are kept as text, counted (max-held-body-bytes). Before, the
    first of them was also kept as a tree, counted nowhere, when it was
    not sent as text (an error, whose data may be as large as a result):
    8 batches whose first answer was an error with 3 MiB of data, and
    whose last request ran on, made the server grow by 59 MB where their
    texts took 37."""
    with batch_flood_server("--stateless", "--max-held-body-bytes", str(32 << 20)) as (server, sockets):
        baseline = rss_kib(server.pid)
        for b in range(16):
            # Each from an address of its own: one address holds at most a
            # quarter of the bound.
            sockets.append(send_batch(server, [tool_call(f"fail{b}", "fail", 3 << 20), long_call(f"long{b}")],
                                      source=f"127.0.0.{2 + b}"))
            # One at a time: each batch's first answer is made before the
            # next batch is read.
            server.request("POST", "/mcp", {"jsonrpc": "2.0", "id": 1, "method": "ping"},
                           {**MCP_HEADERS, "MCP-Protocol-Version": "2025-03-26"})
        grown = rss_kib(server.pid) - baseline
        # 8 batches fit in the bound (4 MiB of text each, a quarter of the
        # bound per address), about 37 MiB; with their trees, 59 MiB.
        assert grown < 48 * 1024, f"RSS grew by {grown} KiB"


# libsoup 3.2.3 keeps the buffer it read a request head into until the
# response ends: 16 KiB for a usual head, 128 KiB for one near its 64 KiB
# limit. A stream holds it for as long as it is open, and counts what
# passes the usual 16 KiB (114,688 bytes for the 60 kB heads below).
BIG_HEAD = {"X-Pad": "p" * 60000}


def seventeen_then_refused(open_stream):
    """Opens streams with OPEN_STREAM (which returns a socket and the head
    of its answer) and checks that 17 are kept, the next refused with 503
    and Retry-After (of 24 tried); returns the 17 open ones."""
    streams = []
    for _ in range(24):
        sock, head = open_stream()
        if not head.startswith(b"HTTP/1.1 200"):
            sock.close()
            assert head.startswith(b"HTTP/1.1 503") and b"Retry-After: 1" in head, head
            break
        streams.append(sock)
    assert len(streams) == 17, f"{len(streams)} streams with 60 kB heads were kept"
    return streams


def test_get_streams_count_the_head_buffer_they_keep():
    # Before, a GET stream counted no head bytes anywhere: any number of
    # them with 60 kB heads (136 KiB of the server each) were accepted,
    # where --max-held-body-bytes 2000000 has room for 17 such heads.
    server = Server("--max-held-body-bytes", "2000000")
    try:
        def get_stream(extra):
            session = open_session(server)
            sock = raw_connection(server.port)
            sock.sendall(http_request("GET", "/mcp", b"", {"Accept": "text/event-stream",
                                                           "MCP-Protocol-Version": "2025-06-18",
                                                           "Mcp-Session-Id": session, **extra}))
            return sock, receive_until(sock, b"\r\n\r\n")

        streams = seventeen_then_refused(lambda: get_stream(BIG_HEAD))
        # A stream with a usual head counts nothing and is still served.
        usual, head = get_stream({})
        assert head.startswith(b"HTTP/1.1 200"), head
        streams.append(usual)

        for sock in streams:
            sock.close()

        def reopened():
            sock, head = get_stream(BIG_HEAD)
            streams.append(sock)
            return head.startswith(b"HTTP/1.1 200")
        assert wait_until(reopened)
        for sock in streams:
            sock.close()
        assert server.stop() == 0, server.stderr()[-3000:]
    finally:
        server.stop()


def test_listen_streams_count_the_head_buffer_they_keep():
    # Before, a listen stream counted 4 KiB and its params in one client's
    # share of max-subscription-bytes (500,000 here), not the 128 KiB of
    # its 60 kB head: over a hundred were accepted where four fit.
    server = Server("--stateless", "--max-subscription-bytes", "2000000")
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
               "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "subscriptions/listen"}
    try:
        def listen(rid, extra, source=None):
            body = json.dumps({"jsonrpc": "2.0", "id": rid, "method": "subscriptions/listen",
                               "params": {"notifications": {"toolsListChanged": True},
                                          "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                                                    "io.modelcontextprotocol/clientCapabilities": {}}}}).encode()
            sock = raw_connection(server.port, source=source)
            sock.sendall(http_request("POST", "/mcp", body, {**headers, **extra}))
            received = receive_until(sock, b"acknowledged", b'"code":-32603')
            return sock, b"acknowledged" in received

        streams = []
        for rid in range(1, 13):
            sock, open_ = listen(rid, BIG_HEAD)
            streams.append(sock)
            if not open_:
                break
        assert not open_, "12 listen streams with 60 kB heads were all kept in one client's share"
        assert len(streams) == 5, len(streams)
        # Another client still listens with such a head, and this one with a usual head.
        for source, extra in (("127.0.0.2", BIG_HEAD), (None, {})):
            sock, open_ = listen(20, extra, source)
            streams.append(sock)
            assert open_
        for sock in streams:
            sock.close()
        assert server.stop() == 0, server.stderr()[-3000:]
    finally:
        server.stop()


@pytest.mark.parametrize("padding", ["query", "white space", "folded lines"])
def test_legacy_sse_streams_count_the_head_buffer_they_keep(padding):
    # The same for the legacy GET /sse, whose head is padded (60 kB) in
    # its request line, or with white space or folded lines in a field,
    # which libsoup drops from the value it keeps but reads into its
    # buffer all the same: before, all 24 were kept where
    # --max-held-body-bytes 2000000 has room for 17 (and before the head
    # counted as it came, those padded with white space or folded lines
    # were, too).
    server = Server("--transport", "sse", "--max-held-body-bytes", "2000000", program="conformance-server")
    padded = {"query": ("/sse?pad=" + "p" * 60000, {}),
              "white space": ("/sse", {"X-Pad": " " * 60000 + "p"}),
              "folded lines": ("/sse", {"X-Pad": "p" + "\r\n " * 20000})}[padding]
    try:
        def sse_stream(target, extra=None):
            sock = raw_connection(server.port)
            sock.sendall(http_request("GET", target, b"", {"Accept": "text/event-stream", **(extra or {})}))
            return sock, receive_until(sock, b"\r\n\r\n")

        streams = seventeen_then_refused(lambda: sse_stream(*padded))
        usual, head = sse_stream("/sse")
        assert head.startswith(b"HTTP/1.1 200"), head
        streams.append(usual)
        for sock in streams:
            sock.close()
        assert server.stop() == 0, server.stderr()[-3000:]
    finally:
        server.stop()


def test_post_streams_count_the_head_buffer_they_keep():
    # A POST answered with a stream (here a call that waits for the
    # client's sampling answer, in a 2025-11-25 session) keeps its head's
    # buffer until the stream ends; its head is padded with 60 kB of white
    # space, which libsoup drops from the value. It counts with its body
    # from its headers, and is refused for it like a body. Before, each
    # counted its few hundred bytes: all 24 were kept where
    # --max-held-body-bytes 2000000 has room for 16 (17 before each
    # counted its parsed request, some 2 kB, where that is more than its
    # text).
    server = Server("--max-held-body-bytes", "2000000", program="conformance-server")
    try:
        headers = resumable_sampling_session(server)

        streams, asked = [], []
        for rid in range(10, 34):
            sock = raw_connection(server.port)
            sock.sendall(http_request("POST", "/mcp", sampling_call(rid, 100),
                                      {**headers, "X-Pad": " " * 60000 + "p"}))
            received = receive_until(sock, b"sampling/createMessage", b"\r\n\r\n{")
            if not received.startswith(b"HTTP/1.1 200"):
                assert received.startswith(b"HTTP/1.1 503"), received[:300]
                sock.close()
                break
            asked.append(json.loads(received.split(b"data: ")[-1].split(b"\n")[0])["id"])
            streams.append(sock)
        assert len(streams) == 16, f"{len(streams)} POST streams with 60 kB heads were kept"

        # Its answers are refused too until some streams end: one is
        # answered on its own stream's connection once the others close.
        for sock in streams[1:]:
            sock.close()
        for rid in asked[1:]:
            assert wait_until(lambda: server.post_mcp(sampling_answer(rid), headers)[0] == 202)
        assert server.post_mcp(sampling_answer(asked[0]), headers)[0] == 202
        assert b'"id":10' in receive_until(streams[0], b'"id":10')
        streams[0].close()
    finally:
        assert server.stop() == 0, server.stderr()[-3000:]
