#!/usr/bin/python3
"""The nginx configurations of deploy/nginx/, as shipped, in front of three
real replicas on loopback (tests/deploy/deployfix.py): sessions stay with
their replica under sticky routing, stateless servers spread round robin,
event streams (POST answers and the GET stream) reach the client while
they are still open, and the headers MCP needs pass through. No timing
assertions: a stream nginx held back would make a read wait until its
generous socket timeout and fail.
"""

import collections
import json
import os

import pytest

import deployfix
from deployfix import McpSession, Nginx, Replicas

ELICITATION = {"elicitation": {}}


@pytest.fixture
def sticky(tmp_path):
    """Three stateful conformance servers behind north-mcp-sticky.conf."""
    with Replicas(3, "--stateful", program="conformance-server") as replicas, \
         Nginx("north-mcp-sticky.conf", replicas.ports, str(tmp_path)) as nginx:
        yield replicas, nginx
    assert replicas.exit_codes == [0, 0, 0], replicas.stderr()


@pytest.fixture
def round_robin(tmp_path):
    """Three stateless server-with-auth replicas behind north-mcp-round-robin.conf."""
    with Replicas(3, "--stateless") as replicas, \
         Nginx("north-mcp-round-robin.conf", replicas.ports, str(tmp_path)) as nginx:
        yield replicas, nginx
    assert replicas.exit_codes == [0, 0, 0], replicas.stderr()


def final_upstream(entry):
    """The replica that answered a request (the last one nginx tried)."""
    return entry[3].split(", ")[-1]


def test_sticky_sessions_stay_with_their_replica(sticky):
    replicas, nginx = sticky
    for _ in range(9):
        # One session at a time, so that its five requests are consecutive
        # in the access log: initialize, initialized, tools/call,
        # tools/list, DELETE.
        session = McpSession(nginx.url + "/mcp")
        assert session.session_id
        result = session.result("tools/call", {"name": "test_simple_text", "arguments": {}})
        assert result["content"][0]["type"] == "text", result
        assert "test_simple_text" in [t["name"] for t in session.result("tools/list")["tools"]]
        assert session.close() == 200

    entries = nginx.wait_access(9 * 5)
    assert len(entries) == 9 * 5, entries
    # Every request of every session succeeded, whichever replica nginx tried first.
    assert all(e[2] in (200, 202) for e in entries), entries
    # initialize went round robin: the sessions live on all three replicas...
    owners = [final_upstream(entries[i]) for i in range(0, 9 * 5, 5)]
    assert len(set(owners)) == 3, entries
    # ...and every later request of a session was answered by the replica
    # that created it, after at most one 404 per other replica.
    for i in range(0, 9 * 5, 5):
        chunk = entries[i:i + 5]
        assert {final_upstream(e) for e in chunk} == {owners[i // 5]}, chunk
        assert all(len(e[3].split(", ")) <= 3 for e in chunk), chunk


def test_round_robin_loses_in_process_sessions(tmp_path):
    """Why the sticky configuration exists: round robin over replicas with
    the in-process store answers most requests of a session with 404."""
    with Replicas(3, "--stateful", program="conformance-server") as replicas, \
         Nginx("north-mcp-round-robin.conf", replicas.ports, str(tmp_path)) as nginx:
        session = McpSession(nginx.url + "/mcp", send_initialized=False)
        statuses = [session.request("tools/list")[0] for _ in range(6)]
    assert 404 in statuses, statuses
    assert replicas.exit_codes == [0, 0, 0], replicas.stderr()


def test_round_robin_spreads_stateless_requests(round_robin):
    replicas, nginx = round_robin
    for i in range(12):
        session = McpSession(nginx.url + "/mcp")
        assert session.session_id is None
        result = session.result("tools/call", {"name": "add", "arguments": {"a": i, "b": 1}})
        assert result["content"][0]["text"] == str(i + 1), result
    entries = nginx.wait_access(12 * 3)
    assert len(entries) == 12 * 3 and all(e[2] in (200, 202) for e in entries), entries
    count = collections.Counter(final_upstream(e) for e in entries)
    assert sorted(count) == sorted(f"127.0.0.1:{p}" for p in replicas.ports), count


def test_post_event_stream_is_not_buffered(sticky):
    """The server asks the client a question inside the POST's event stream
    and waits for the answer: the question must reach the client while the
    response is still open."""
    replicas, nginx = sticky
    session = McpSession(nginx.url + "/mcp", capabilities=ELICITATION)
    conn, response = session.open({"jsonrpc": "2.0", "id": 100, "method": "tools/call",
                                   "params": {"name": "test_elicitation",
                                              "arguments": {"message": "Your name?"}}})
    try:
        assert response.status == 200
        assert response.getheader("Content-Type").startswith("text/event-stream")
        # nginx consumed the replica's X-Accel-Buffering header.
        assert response.getheader("X-Accel-Buffering") is None
        events = deployfix.read_events(response)
        question = next(events)
        assert question["method"] == "elicitation/create", question
        status, _, _ = session.send({"jsonrpc": "2.0", "id": question["id"],
                                     "result": {"action": "accept", "content": {"username": "Ada"}}})
        assert status == 202
        answer = next(events)
        assert answer["id"] == 100 and "Ada" in answer["result"]["content"][0]["text"], answer
    finally:
        conn.close()


def test_get_stream_is_not_buffered(sticky):
    """A notification on the standalone GET stream reaches the client while
    the stream stays open."""
    replicas, nginx = sticky
    session = McpSession(nginx.url + "/mcp")
    conn, response = session.open(None, method="GET")
    try:
        assert response.status == 200, response.read()
        assert session.result("tools/call", {"name": "test_trigger_tool_change", "arguments": {}})
        events = deployfix.read_events(response)
        event = next(events)
        assert event["method"] == "notifications/tools/list_changed", event
    finally:
        conn.close()


def test_headers_pass_through(sticky):
    """traceparent, the X-North headers and Origin reach the replica;
    a foreign Origin is refused by the replica (DNS rebinding checks work
    behind nginx), a loopback one is served."""
    replicas, nginx = sticky
    session = McpSession(nginx.url + "/mcp")
    status, headers, messages = session.request("ping", extra_headers={"Origin": "http://evil.example"})
    assert status == 403, (status, messages)
    status, headers, messages = session.request("ping", extra_headers={"Origin": "http://localhost:3000"})
    assert status == 200, (status, messages)
    # A Host that is no loopback name is refused by the replica: nginx
    # forwards the client's Host, not its own.
    conn, path = deployfix.connect(nginx.url + "/mcp")
    conn.request("POST", path, body="{}", headers={**deployfix.MCP_HEADERS, "Host": "rebound.example"})
    assert conn.getresponse().status == 403
    conn.close()


def test_request_size_limit(sticky):
    """Bodies over 4 MiB stop at nginx with 413."""
    replicas, nginx = sticky
    conn, path = deployfix.connect(nginx.url + "/mcp")
    body = b'{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":"' + b"a" * (4 * 1024 * 1024) + b'"}}'
    conn.request("POST", path, body=body, headers=deployfix.MCP_HEADERS)
    assert conn.getresponse().status == 413
    conn.close()


def test_credentials_pass_through(tmp_path):
    """The server secret reaches the replicas both ways North sends it:
    X-North-Server-Secret and the legacy Authorization bundle."""
    import base64
    import json

    secret = "deploy-test-secret"
    bundle = base64.b64encode(json.dumps({"server_secret": secret}).encode()).decode()
    with Replicas(3, "--stateless", env={**os.environ, "NORTH_MCP_SERVER_SECRET": secret}) as replicas, \
         Nginx("north-mcp-round-robin.conf", replicas.ports, str(tmp_path)) as nginx:
        url = nginx.url + "/mcp"
        with pytest.raises(RuntimeError, match="401"):
            McpSession(url)
        with pytest.raises(RuntimeError, match="401"):
            McpSession(url, headers={"X-North-Server-Secret": "wrong"})
        for headers in ({"X-North-Server-Secret": secret}, {"Authorization": f"Bearer {bundle}"}):
            for i in range(3):
                session = McpSession(url, headers=headers)
                result = session.result("tools/call", {"name": "add", "arguments": {"a": i, "b": 2}})
                assert result["content"][0]["text"] == str(i + 2), result
    assert replicas.exit_codes == [0, 0, 0], replicas.stderr()


def sse_ids_and_messages(response):
    """Every (event id, JSON message or None) of an event stream, to its end."""
    events, event_id, data = [], None, []
    for raw in iter(response.readline, b""):
        line = raw.decode().rstrip("\r\n")
        if line.startswith("id:"):
            event_id = line[3:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip(" "))
        elif line == "" and (event_id is not None or data):
            text = "\n".join(data)
            events.append((event_id, json.loads(text) if text.strip() else None))
            event_id, data = None, []
    return events


def test_resumption_with_last_event_id(sticky):
    """A tool ends its POST stream early (2025-11-25 polling); the client
    resumes with GET and Last-Event-ID through nginx and gets the result
    from the replica that holds the session."""
    replicas, nginx = sticky
    session = McpSession(nginx.url + "/mcp", protocol="2025-11-25")
    conn, response = session.open({"jsonrpc": "2.0", "id": 9, "method": "tools/call",
                                   "params": {"name": "test_reconnection", "arguments": {}}})
    try:
        assert response.status == 200
        events = sse_ids_and_messages(response)
    finally:
        conn.close()
    ids = [event_id for event_id, _ in events if event_id]
    assert ids, events
    assert not any(m and m.get("id") == 9 for _, m in events), events
    conn, response = session.open(None, method="GET", extra_headers={"Last-Event-ID": ids[-1]})
    try:
        assert response.status == 200, response.read()
        result = next(m for m in deployfix.read_events(response) if m.get("id") == 9)
        assert "result" in result, result
    finally:
        conn.close()


class HeaderRecorder:
    """An HTTP server on loopback in the place of a replica, which answers
    every GET with 200 and keeps the headers of each request by path, as
    they reached it through nginx (a replica shows none of them)."""

    def __init__(self):
        import http.server
        import threading

        received = self.received = {}

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                received[self.path] = {name.lower(): value for name, value in self.headers.items()}
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"OK")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.mark.parametrize("site", ["north-mcp-round-robin.conf", "north-mcp-sticky.conf"])
def test_health_gets_the_headers_of_the_mcp_endpoints(tmp_path, site):
    """/health reaches the replica with the Host (name), X-Forwarded-For
    and X-Forwarded-Proto that nginx sets on the MCP endpoints: the client's
    X-Forwarded-For with the address nginx took the request from appended,
    which a replica that trusts nginx reads from the right. Before, /health
    passed the client's own X-Forwarded-For unchanged, the address it
    claimed standing where nginx's should be, and the upstream group's
    name as Host."""
    recorder = HeaderRecorder()
    try:
        with Nginx(site, [recorder.port], str(tmp_path)) as nginx:
            for path in ("/health", "/mcp"):
                conn, _ = deployfix.connect(nginx.url)
                conn.request("GET", path, headers={"Host": "mcp.example.com",
                                                   "X-Forwarded-For": "198.51.100.7",
                                                   "X-Forwarded-Proto": "https"})
                response = conn.getresponse()
                assert response.status == 200 and response.read() == b"OK"
                conn.close()
    finally:
        recorder.close()
    fields = ("host", "x-forwarded-for", "x-forwarded-proto", "connection")
    health = {name: recorder.received["/health"].get(name) for name in fields}
    mcp = {name: recorder.received["/mcp"].get(name) for name in fields}
    assert mcp == {"host": "mcp.example.com", "x-forwarded-for": "198.51.100.7, 127.0.0.1",
                   "x-forwarded-proto": "http", "connection": None}, mcp
    assert health == mcp, health


@pytest.mark.parametrize("site", ["north-mcp-round-robin.conf", "north-mcp-sticky.conf"])
def test_health_answers_an_http10_probe_without_host(tmp_path, site):
    """A health probe in HTTP/1.0 that sends no Host is answered: nginx
    sends the replica a Host of its own (server_name), where the client's
    (none) would have the replica refuse the HTTP/1.1 request (400)."""
    import socket

    with Replicas(1, "--stateless") as replicas, \
         Nginx(site, replicas.ports, str(tmp_path)) as nginx:
        with socket.create_connection(("127.0.0.1", nginx.port), timeout=60) as s:
            s.sendall(b"GET /health HTTP/1.0\r\n\r\n")
            answer = b""
            while chunk := s.recv(4096):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 200 ") and answer.endswith(b"\r\n\r\nOK"), answer
    assert replicas.exit_codes == [0], replicas.stderr()


def tcp_states(port):
    """States (hex, as in /proc/net/tcp) of the IPv4 loopback connections
    with PORT at either end, listening sockets excluded."""
    states = []
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            local, remote, state = fields[1], fields[2], fields[3]
            if state != "0A" and port in (int(local.split(":")[1], 16), int(remote.split(":")[1], 16)):
                states.append(state)
    return states


def test_upstream_keepalive(tmp_path):
    """nginx reuses its connections to a replica: after 30 requests, each
    from a new client connection, the replica has an open connection from
    nginx and has closed next to none (TIME_WAIT)."""
    with Replicas(1, "--stateless") as replicas, \
         Nginx("north-mcp-round-robin.conf", replicas.ports, str(tmp_path)) as nginx:
        # TIME_WAIT left by earlier connections that used the same port
        # number (as a client's ephemeral port) are not ours.
        before = tcp_states(replicas[0].port).count("06")
        for i in range(30):
            session = McpSession(nginx.url + "/mcp", send_initialized=False)
            assert session.result("tools/call", {"name": "add", "arguments": {"a": i, "b": 0}})
        states = tcp_states(replicas[0].port)
    assert "01" in states, states                     # ESTABLISHED, idle in nginx's cache
    assert states.count("06") - before <= 2, states   # TIME_WAIT: closed connections
    assert replicas.exit_codes == [0], replicas.stderr()


def post_head(port, length, extra=""):
    """The head of a POST /mcp of LENGTH body bytes, without credentials."""
    return (f"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
            f"Accept: application/json, text/event-stream\r\n{extra}Content-Length: {length}\r\n\r\n").encode()


def test_post_without_credentials_is_refused_before_its_body(tmp_path):
    """A replica that requires credentials answers 401 from a POST's
    headers, before its body. Behind round robin nginx passes the body on
    as it comes, so this holds through the proxy too: before, nginx read
    the whole body (up to client_max_body_size, 4 MiB, into a temporary
    file) before the replica saw the headers, so an anonymous client could
    make nginx store 4 MiB per connection, and keep it for as long as it
    sent a byte every minute (nginx's client_body_timeout)."""
    import socket

    env = {**os.environ, "NORTH_MCP_SERVER_SECRET": "deploy-test-secret"}
    with Replicas(1, "--stateless", env=env) as replicas, \
         Nginx("north-mcp-round-robin.conf", replicas.ports, str(tmp_path)) as nginx:
        # 64 KiB of a 4,000,000-byte body: more than nginx keeps in memory.
        # The rest never comes; nginx would give up on it after 60 s
        # (client_body_timeout) with no answer, before this read's timeout.
        with socket.create_connection(("127.0.0.1", nginx.port), timeout=120) as s:
            s.sendall(post_head(nginx.port, 4_000_000) + b"x" * 65536)
            head = s.recv(4096)
        assert head.startswith(b"HTTP/1.1 401 "), head
        assert os.listdir(os.path.join(nginx.dir, "client_body")) == [], nginx.log()
        assert "buffered to a temporary file" not in nginx.log(), nginx.log()
    assert replicas.exit_codes == [0], replicas.stderr()


@pytest.mark.parametrize("site", ["north-mcp-round-robin.conf", "north-mcp-sticky.conf"])
def test_header_block_limit_is_the_replicas(tmp_path, site):
    """nginx takes the header blocks a replica takes (64 KiB, libsoup's
    bound), and refuses larger ones itself. Before, nginx's default
    large_client_header_buffers (4 8k) refused any header line over 8 KiB
    with 400: a legacy bearer bundle carrying a few connectors' tokens
    (each OAuth access token a few KiB) worked against a replica and not
    through nginx."""
    import base64
    import socket

    secret = "deploy-test-secret"
    tokens = {f"connector-{i}": "t" * 3000 for i in range(4)}
    bundle = base64.b64encode(json.dumps({"server_secret": secret,
                                          "connector_access_tokens": tokens}).encode()).decode()
    assert 12000 < len(bundle) < 60000
    env = {**os.environ, "NORTH_MCP_SERVER_SECRET": secret}
    with Replicas(3, "--stateless", env=env) as replicas, \
         Nginx(site, replicas.ports, str(tmp_path)) as nginx:
        conn, path = deployfix.connect(nginx.url + "/mcp")
        conn.request("POST", path, body=json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping"}),
                     headers={**deployfix.MCP_HEADERS, "Authorization": f"Bearer {bundle}"})
        response = conn.getresponse()
        assert response.status == 200, response.read()
        conn.close()
        session = McpSession(nginx.url + "/mcp", headers={"Authorization": f"Bearer {bundle}"})
        result = session.result("tools/call", {"name": "add", "arguments": {"a": 1, "b": 2}})
        assert result["content"][0]["text"] == "3", result
        # Over 64 KiB: nginx answers, not a replica that closes the
        # connection (502, and an error line in nginx's log per request).
        for extra in [f"X-North-Context-Big: {'a' * 70000}\r\n",
                      "".join(f"X-North-Context-P{i}: {'a' * 7000}\r\n" for i in range(10))]:
            with socket.create_connection(("127.0.0.1", nginx.port), timeout=60) as s:
                s.sendall(post_head(nginx.port, 2, extra) + b"{}")
                head = s.recv(4096)
            assert head.startswith((b"HTTP/1.1 400 ", b"HTTP/1.1 494 ")), head
        assert "[error]" not in nginx.log(), nginx.log()
    assert replicas.exit_codes == [0, 0, 0], replicas.stderr()


def send_body(sock, size, chunked):
    """SIZE bytes of body on SOCK, at once, as they are or in one chunk;
    stops quietly when the other side is gone."""
    data = b"x" * size
    try:
        sock.sendall(b"%x\r\n%s\r\n0\r\n\r\n" % (size, data) if chunked else data)
    except OSError:
        pass


@pytest.mark.parametrize("site", ["north-mcp-round-robin.conf", "north-mcp-sticky.conf"])
def test_refused_bodies_do_not_take_replicas_out(tmp_path, site):
    """A replica that refuses a POST from its headers (401) reads what a
    proxy still sends of the body, up to the largest body it takes, before
    it closes: nginx, which writes the whole body before it reads the
    answer, gets the 401. Before, the replica read 1 MiB of it and closed
    with the rest unread: nginx's write failed (connection reset), the
    client got 502 instead of 401, nginx logged an error, and took the
    replica out of the round for 10 s (max_fails 1, fail_timeout 10s):
    a few anonymous 4 MB POSTs left every client "no live upstreams"."""
    import socket
    import threading

    env = {**os.environ, "NORTH_MCP_SERVER_SECRET": "deploy-test-secret"}
    with Replicas(3, "--stateless", env=env) as replicas, \
         Nginx(site, replicas.ports, str(tmp_path)) as nginx:
        statuses = collections.Counter()
        for i in range(100):
            chunked = i % 2 == 1
            size = 4_000_000
            extra = "Transfer-Encoding: chunked\r\n" if chunked else ""
            with socket.create_connection(("127.0.0.1", nginx.port), timeout=60) as s:
                head = post_head(nginx.port, size, extra)
                if chunked:
                    head = head.replace(b"Content-Length: %d\r\n" % size, b"")
                s.sendall(head)
                sender = threading.Thread(target=send_body, args=(s, size, chunked))
                sender.start()
                answer = s.recv(4096)
                sender.join()
            statuses[answer.split(b"\r\n")[0].decode(errors="replace")] += 1
        assert statuses == {"HTTP/1.1 401 Unauthorized": 100}, statuses
        log = nginx.log()
        assert "[error]" not in log and "temporarily disabled" not in log, log[-3000:]
    assert replicas.exit_codes == [0, 0, 0], replicas.stderr()


def test_a_body_that_stops_does_not_take_replicas_out(tmp_path):
    """Round robin passes bodies on as they come, so a body that stops is
    cut by the replica (its minimum body rate, over --idle-timeout). The
    replica answers 408 before it closes: before, it closed without an
    answer, which nginx takes for a failed replica (502 to the client, an
    error line, and the replica out of the round for 10 s), so that any
    client (of an open server, or with valid credentials) that stopped
    its bodies halfway kept replicas out of the round."""
    import socket

    with Replicas(3, "--stateless", "--idle-timeout", "2") as replicas, \
         Nginx("north-mcp-round-robin.conf", replicas.ports, str(tmp_path)) as nginx:
        for _ in range(3):
            with socket.create_connection(("127.0.0.1", nginx.port), timeout=60) as s:
                s.sendall(post_head(nginx.port, 10000) + b'{"jsonrpc":')
                answer = s.recv(4096)
            assert answer.startswith(b"HTTP/1.1 408 "), answer
        log = nginx.log()
        assert "[error]" not in log and "temporarily disabled" not in log, log[-3000:]
        # Every replica is still in the round.
        for i in range(6):
            session = McpSession(nginx.url + "/mcp", send_initialized=False)
            assert session.result("tools/call", {"name": "add", "arguments": {"a": i, "b": 1}})
    assert replicas.exit_codes == [0, 0, 0], replicas.stderr()
