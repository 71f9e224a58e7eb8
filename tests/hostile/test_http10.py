"""HTTP/1.0 clients (curl --http1.0, nginx without proxy_http_version 1.1,
old load balancers), spoken to with raw sockets so that the answer's bytes
are seen as they are on the wire.

HTTP/1.0 has no chunked coding (RFC 9112 section 6.1: a server must not send
it to a 1.0 client): an event stream to a 1.0 client (an SSE answer to a
POST, the GET stream of a session, the 2026-07-28 listen stream, the legacy
GET /sse) is written as it comes and ends with the connection. A 1.0 client
reading a chunked answer takes the chunk sizes for events. Everything else
answers with a Content-Length, and a 1.0 connection carries one request."""

import json
import re
import socket

import pytest

from hostile import FLOOD_SERVER, MCP_HEADERS, fd_count, initialize_message, server_pool, wait_until

# What lines of an event stream may be (WHATWG HTML, server-sent events):
# fields and comments. A chunk-size line ("1a3\r") is none of them.
SSE_LINE = re.compile(rb"^(|:.*|(data|id|event|retry)(:.*)?)$")


def request_bytes(method, path, body=b"", headers=None, version="1.0", host="127.0.0.1"):
    """A request's bytes; HOST None: no Host header."""
    lines = [f"{method} {path} HTTP/{version}"]
    if host is not None:
        lines.append(f"Host: {host}")
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def connect(port):
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)
    return sock


def read_until(sock, data, predicate):
    """Reads into DATA (a bytearray) until PREDICATE(DATA) holds; False if
    the peer closed first."""
    while not predicate(bytes(data)):
        chunk = sock.recv(65536)
        if not chunk:
            return False
        data += chunk
    return True


def read_to_end(sock, data):
    """Reads into DATA until the peer closes (a socket timeout fails the
    test: the answer did not end with the connection)."""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return bytes(data)
        data += chunk


def split_answer(raw):
    """(status line, {lower-case name: [values]}, body) of a raw answer."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    assert sep, raw[:2000]
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.setdefault(name.strip().lower(), []).append(value.strip())
    return lines[0], headers, body


def assert_http10_stream(raw):
    """RAW is one whole answer that is an event stream written for a 1.0
    client: no chunked coding, no length, Connection: close, and a body of
    SSE lines only. Returns the JSON-RPC messages of its events."""
    status, headers, body = split_answer(raw)
    assert re.match(r"HTTP/1\.[01] 200 ", status), status
    assert headers.get("content-type", [""])[0].startswith("text/event-stream"), headers
    assert "transfer-encoding" not in headers, headers
    assert "content-length" not in headers, headers
    assert [v.lower() for v in headers.get("connection", [])] == ["close"], headers
    # Our events use LF only; chunked framing would bring CRLF and size lines.
    assert b"\r" not in body, body[:500]
    for line in body.split(b"\n"):
        assert SSE_LINE.match(line), (line, body[:500])
    messages = []
    for event in body.split(b"\n\n"):
        lines = event.split(b"\n")
        data = [line[5:].lstrip(b" ") for line in lines if line.startswith(b"data:")]
        # JSON-RPC messages, not the legacy transport's `endpoint` event.
        if data and b"".join(data) and b"event: endpoint" not in lines:
            messages.append(json.loads(b"\n".join(data)))
    return messages


def assert_http10_plain(raw, status_code=200):
    """RAW is one whole non-streamed answer to a 1.0 request: its body
    (exactly Content-Length bytes, no chunked coding, no keep-alive)."""
    status, headers, body = split_answer(raw)
    assert re.match(rf"HTTP/1\.[01] {status_code} ", status), (status, body[:500])
    assert "transfer-encoding" not in headers, headers
    assert [int(v) for v in headers.get("content-length", [])] == [len(body)], (headers, len(body))
    assert "keep-alive" not in ",".join(headers.get("connection", [])).lower(), headers
    return body


def exchange(port, data):
    """Sends DATA on a fresh connection and returns everything until the
    server closes it."""
    with connect(port) as sock:
        sock.sendall(data)
        return read_to_end(sock, bytearray())


def flood_call(rid, count, size=64):
    return json.dumps({"jsonrpc": "2.0", "id": rid, "method": "tools/call",
                       "params": {"name": "flood", "arguments": {"count": count, "size": size},
                                  "_meta": {"progressToken": "p"}}}).encode()


@pytest.fixture
def flood():
    """Starts flood-servers, stopped after the test, which asserts that each
    ended cleanly (under ASan, also no leak report)."""
    for start in server_pool():
        yield lambda *args: start(*args, program=FLOOD_SERVER)


def open_session(port):
    """initialize and notifications/initialized, over HTTP/1.0 too."""
    raw = exchange(port, request_bytes("POST", "/mcp", json.dumps(initialize_message()).encode(),
                                       MCP_HEADERS))
    _, headers, _ = split_answer(raw)
    session = headers["mcp-session-id"][0]
    notified = json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}).encode()
    raw = exchange(port, request_bytes("POST", "/mcp", notified, {**MCP_HEADERS, "Mcp-Session-Id": session}))
    assert_http10_plain(raw, 202)
    return session


def test_streamed_post_answer_to_http10_is_not_chunked(flood):
    # Before: "Transfer-Encoding: chunked" and chunk-size lines in the body.
    # (Stateless servers answer 2025 revisions' POSTs with JSON: a session.)
    server = flood()
    count = 5
    headers = {**MCP_HEADERS, "Mcp-Session-Id": open_session(server.port)}
    raw = exchange(server.port, request_bytes("POST", "/mcp", flood_call(7, count), headers))
    messages = assert_http10_stream(raw)
    progress = [m for m in messages if m.get("method") == "notifications/progress"]
    assert len(progress) == count, messages
    assert messages[-1]["id"] == 7, messages
    assert messages[-1]["result"]["content"][0]["text"] == f"flooded {count}"

    # Each stream's connection is let go of by the server, not only ended.
    baseline = fd_count(server.pid)
    for rid in range(100, 120):
        assert_http10_stream(exchange(server.port, request_bytes("POST", "/mcp", flood_call(rid, 2), headers)))
    assert wait_until(lambda: fd_count(server.pid) <= baseline), (fd_count(server.pid), baseline)

    # HTTP/1.1 keeps chunked streams (and its connection).
    with connect(server.port) as sock:
        sock.sendall(request_bytes("POST", "/mcp", flood_call(8, 2), headers, version="1.1"))
        data = bytearray()
        assert read_until(sock, data, lambda d: d.endswith(b"\r\n0\r\n\r\n")), data
        status, headers, _ = split_answer(bytes(data))
        assert status.startswith("HTTP/1.1 200"), status
        assert headers["transfer-encoding"] == ["chunked"], headers
        assert "connection" not in headers, headers


def test_get_stream_to_http10_ends_with_the_connection(flood):
    # The GET stream of a session, ended by the client's DELETE.
    server = flood()
    session = open_session(server.port)
    headers = {"Accept": "text/event-stream", "MCP-Protocol-Version": "2025-06-18",
               "Mcp-Session-Id": session}
    with connect(server.port) as stream:
        stream.sendall(request_bytes("GET", "/mcp", headers=headers))
        data = bytearray()
        assert read_until(stream, data, lambda d: b"\r\n\r\n" in d), data
        assert b"chunked" not in bytes(data).lower(), data

        raw = exchange(server.port, request_bytes("DELETE", "/mcp", headers=headers))
        assert_http10_plain(raw, 200)
        assert_http10_stream(read_to_end(stream, data))


def test_listen_stream_to_http10_is_not_chunked(flood):
    # A 2026-07-28 listen stream (POST) gets its acknowledgement unchunked.
    server = flood("--stateless")
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "subscriptions/listen",
                       "params": {"notifications": {"toolsListChanged": True},
                                  "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                                            "io.modelcontextprotocol/clientCapabilities": {}}}}).encode()
    headers = {**MCP_HEADERS, "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "subscriptions/listen"}
    with connect(server.port) as stream:
        stream.sendall(request_bytes("POST", "/mcp", body, headers))
        data = bytearray()
        assert read_until(stream, data, lambda d: b"notifications/subscriptions/acknowledged" in d
                          and d.endswith(b"\n\n")), data
        # The stream is still open: check what is there so far.
        raw = bytes(data)
        _, answer_headers, _ = split_answer(raw)
        assert "transfer-encoding" not in answer_headers, answer_headers
        messages = assert_http10_stream(raw)
        assert messages[0]["method"] == "notifications/subscriptions/acknowledged", messages


def test_legacy_sse_stream_to_http10_is_not_chunked(flood):
    server = flood("--transport", "sse")
    with connect(server.port) as stream:
        stream.sendall(request_bytes("GET", "/sse", headers={"Accept": "text/event-stream"}))
        data = bytearray()
        assert read_until(stream, data, lambda d: re.search(rb"data: (/messages/\S*)\n\n", d)), data
        endpoint = re.search(rb"data: (/messages/\S*)\n\n", bytes(data)).group(1).decode()

        post = {"Content-Type": "application/json"}
        raw = exchange(server.port, request_bytes("POST", endpoint,
                                                  json.dumps(initialize_message(protocolVersion="2024-11-05")).encode(),
                                                  post))
        assert_http10_plain(raw, 202)
        assert read_until(stream, data, lambda d: b'"id":1' in d and d.endswith(b"\n\n")), data

        # Stopping the server ends the stream; the body is events only.
        assert server.stop() == 0, server.stderr()[-3000:]
        messages = assert_http10_stream(read_to_end(stream, data))
        assert messages[-1]["id"] == 1 and "serverInfo" in messages[-1]["result"], messages


def test_http10_one_shot_answers_and_keepalive(flood):
    # Plain answers carry a Content-Length; a 1.0 connection serves one
    # request, even when the client asks for keep-alive (libsoup answers a
    # 1.0 request without Keep-Alive, which means the connection closes).
    server = flood("--stateless")
    raw = exchange(server.port, request_bytes("GET", "/health", headers={"Connection": "keep-alive"}))
    assert assert_http10_plain(raw) == b"OK"

    call = json.dumps({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
                       "params": {"name": "blob", "arguments": {"size": 100000}}}).encode()
    raw = exchange(server.port, request_bytes("POST", "/mcp", call, {**MCP_HEADERS, "Connection": "keep-alive"}))
    answer = json.loads(assert_http10_plain(raw))
    assert answer["id"] == 3 and len(answer["result"]["content"][0]["text"]) == 100000, answer


def test_http10_request_without_host_is_served(flood):
    # HTTP/1.0 does not require Host. The Host check defends against DNS
    # rebinding, and every browser sends Host: a 1.0 request without one is
    # served, even with --allowed-host. HTTP/1.1 requires Host (libsoup
    # answers 400).
    server = flood("--stateless", "--allowed-host", "mcp.example.com")
    raw = exchange(server.port, request_bytes("GET", "/health", host=None))
    assert assert_http10_plain(raw) == b"OK"

    raw = exchange(server.port, request_bytes("POST", "/mcp", flood_call(4, 2), MCP_HEADERS, host=None))
    assert json.loads(assert_http10_plain(raw))["id"] == 4, raw

    # A wrong Host is still refused over 1.0, and 1.1 needs one.
    raw = exchange(server.port, request_bytes("POST", "/mcp", flood_call(5, 2), MCP_HEADERS,
                                              host="rebound.example.net"))
    assert b"Host header not allowed" in assert_http10_plain(raw, 403), raw
    raw = exchange(server.port, request_bytes("GET", "/health", version="1.1", host=None)
                   .replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n"))
    assert raw.startswith(b"HTTP/1.1 400 "), raw[:500]


def test_http10_request_with_transfer_encoding_is_refused(flood):
    # RFC 9112 section 6.1: a 1.0 message with Transfer-Encoding has faulty
    # framing. Before, libsoup read the body as chunked and the call ran.
    server = flood("--stateless")
    call = json.dumps({"jsonrpc": "2.0", "id": 6, "method": "tools/call",
                       "params": {"name": "blob", "arguments": {"size": 10}}}).encode()
    head = request_bytes("POST", "/mcp", headers={**MCP_HEADERS, "Transfer-Encoding": "chunked"})
    head = head.replace(b"Content-Length: 0\r\n", b"")
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(call), call)
    for path in ("/mcp", "/health"):
        raw = exchange(server.port, head.replace(b" /mcp ", f" {path} ".encode()) + chunked)
        body = assert_http10_plain(raw, 400)
        assert b"Transfer-Encoding in an HTTP/1.0 request" in body, raw
    # HTTP/1.1 chunked requests are served as before.
    raw = exchange(server.port, head.replace(b"HTTP/1.0", b"HTTP/1.1")
                   .replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n") + chunked)
    assert raw.startswith(b"HTTP/1.1 200 ") and b'"id":6' in raw, raw[:500]
    assert server.health()


def test_http10_expect_continue_is_ignored(flood):
    # RFC 9110 section 10.1.1: a server MUST ignore a 100-continue
    # expectation in an HTTP/1.0 request; section 15.2: no 1xx to a 1.0
    # client. Before, libsoup answered "HTTP/1.0 100 Continue" first, which
    # a 1.0 client or proxy takes for the answer (and the real one for
    # garbage, or for the answer to its next request).
    server = flood("--stateless")
    headers = {**MCP_HEADERS, "Expect": "100-continue"}
    raw = exchange(server.port, request_bytes("POST", "/mcp", flood_call(9, 2), headers))
    assert raw.startswith(b"HTTP/1.0 200 "), raw[:500]
    assert json.loads(assert_http10_plain(raw))["id"] == 9, raw

    # A client that waits for the 100 (it should not) gets nothing until
    # it sends the body, which is read and served as usual.
    with connect(server.port) as sock:
        call = flood_call(10, 2)
        sock.sendall(request_bytes("POST", "/mcp", headers=headers)
                     .replace(b"Content-Length: 0", b"Content-Length: %d" % len(call)))
        sock.settimeout(1)
        with pytest.raises(socket.timeout):
            sock.recv(65536)
        sock.settimeout(60)
        sock.sendall(call)
        raw = read_to_end(sock, bytearray())
    assert json.loads(assert_http10_plain(raw))["id"] == 10, raw

    # Refused at its headers: the final answer, as before.
    raw = exchange(server.port, request_bytes("POST", "/mcp", headers=headers)
                   .replace(b"Content-Length: 0", b"Content-Length: %d" % (64 << 20)))
    assert b"Request body too large" in assert_http10_plain(raw, 413), raw

    # HTTP/1.1 clients still get their 100 Continue, then the answer.
    with connect(server.port) as sock:
        call = flood_call(11, 2)
        sock.sendall(request_bytes("POST", "/mcp", headers={**headers, "Connection": "close"}, version="1.1")
                     .replace(b"Content-Length: 0", b"Content-Length: %d" % len(call)))
        data = bytearray()
        assert read_until(sock, data, lambda d: b"\r\n\r\n" in d), data
        assert bytes(data).startswith(b"HTTP/1.1 100 Continue\r\n"), data
        sock.sendall(call)
        raw = read_to_end(sock, data)
    final = raw[raw.index(b"\r\n\r\n") + 4:]
    assert final.startswith(b"HTTP/1.1 200 ") and b'"id":11' in final, raw[:500]
    assert server.health()


def test_http10_stream_cut_for_unsent_output_ends_with_whole_events(flood):
    """A 1.0 client that stops reading an SSE answer loses its connection
    past max-unsent-bytes. Its body has no chunks and ends with the
    connection, so the close is its end: the event under way is written
    whole first. Before, the close came wherever libsoup's writes stood,
    and the client's last event was cut in the middle."""
    count, size = 4000, 16384
    server = flood("--max-unsent-bytes", "262144", "--debug")
    headers = {**MCP_HEADERS, "Mcp-Session-Id": open_session(server.port)}
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(60)
    try:
        sock.connect(("127.0.0.1", server.port))
        sock.sendall(request_bytes("POST", "/mcp", flood_call(9, count, size), headers))
        assert wait_until(lambda: "client stopped reading" in server.stderr(), timeout=300), \
            server.stderr()[-2000:]
        raw = read_to_end(sock, bytearray())
    finally:
        sock.close()
    status, headers, body = split_answer(raw)
    assert body.endswith(b"\n\n"), f"cut after {len(body)} bytes: {body[-80:]!r}"
    messages = assert_http10_stream(raw)
    assert len(messages) > 1 and all(m.get("method") == "notifications/progress" for m in messages)
    assert len(body) < count * size // 8
    assert server.health()
