"""Issue 10, point 2: sessions. Ids are unguessable, a session answers only
the identity that created it (anyone else gets exactly the 404 of an
unknown id), the number of live sessions is capped and what a session keeps
of the client is bounded."""

import base64
import http.client
import json
import os
import re
import secrets
import socket
import subprocess

import pytest

from hostile import (EXAMPLES, MCP_HEADERS, Server, initialize_message, rss_kib, sse_or_json,
                     wait_until)

SOURCE_ROOT = os.environ.get("NORTH_MCP_SOURCE_ROOT",
                             os.path.join(os.path.dirname(__file__), "..", ".."))
RESUMABLE = "2025-11-25"  # the first revision whose streams can be resumed
SECRET = "hostile-secret"


def b64url(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def id_token(**claims):
    """An unsigned JWT: without trusted issuers the server only decodes it."""
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    return f"{header}.{b64url(json.dumps(claims).encode())}.{b64url(b'not-a-signature')}"


def bearer(token, connectors):
    bundle = {"server_secret": SECRET, "user_id_token": token, "connector_access_tokens": connectors}
    return {"Authorization": "Bearer " + base64.b64encode(json.dumps(bundle).encode()).decode()}


def x_north(token, connectors):
    return {"X-North-Server-Secret": SECRET, "X-North-ID-Token": token,
            "X-North-Connector-Tokens": b64url(json.dumps(connectors).encode())}


ALICE_TOKEN = "alice-google-token-" + secrets.token_hex(8)
BOB_TOKEN = "bob-google-token-" + secrets.token_hex(8)
ALICE = id_token(iss="https://idp.example", sub="alice", email="alice@example.com")
BOB = id_token(iss="https://idp.example", sub="bob", email="bob@example.com")


def close(headers):
    # Every request on its own connection, closed by the server: the
    # client-closed keep-alive leak of libsoup 3.2.3 is another test's
    # concern and must not blur the memory measured here.
    return {**headers, "Connection": "close"}


def initialize(server, credentials, version=RESUMABLE, **params):
    message = initialize_message(**params)
    message["params"]["protocolVersion"] = version
    status, headers, body = server.post_mcp(message, close({**credentials, "MCP-Protocol-Version": version}))
    assert status == 200, body
    session = headers.get("Mcp-Session-Id")
    assert session, headers
    status, _, _ = server.post_mcp({"jsonrpc": "2.0", "method": "notifications/initialized"},
                                   close({**credentials, "MCP-Protocol-Version": version,
                                          "Mcp-Session-Id": session}))
    assert status == 202
    return session


def whoami(server, credentials, session, rid=7):
    return server.post_mcp({"jsonrpc": "2.0", "id": rid, "method": "tools/call",
                            "params": {"name": "whoami", "arguments": {}}},
                           close({**credentials, "MCP-Protocol-Version": RESUMABLE, "Mcp-Session-Id": session}))


def comparable(answer):
    """Status, headers and body of an answer, without what differs between
    any two answers (the date)."""
    status, headers, body = answer
    return status, {k.lower(): v for k, v in headers.items() if k.lower() != "date"}, body


def messages(headers, body):
    """The JSON-RPC messages of an answer; resumable SSE streams start with
    a priming event whose data is empty."""
    if headers.get("Content-Type", "").startswith("text/event-stream"):
        body = "\n".join(line for line in body.decode().splitlines() if line.strip() != "data:").encode()
    return sse_or_json(headers, body)


def request_unless_stream(server, method, headers):
    """Like server.request(), but an SSE stream that opened is not read (it
    would not end): its body stands as b"<stream>"."""
    conn = server.connection()
    try:
        conn.request(method, "/mcp", headers=headers)
        response = conn.getresponse()
        answer = dict(response.getheaders())
        if answer.get("Content-Type", "").startswith("text/event-stream"):
            return response.status, answer, b"<stream>"
        return response.status, answer, response.read()
    finally:
        conn.close()


def unknown_id():
    return secrets.token_hex(16)


# ---------------------------------------------------------------------------
# Ids


def test_ids_are_long_random_and_unique():
    server = Server()
    try:
        ids = []
        for _ in range(200):
            session = initialize(server, {})
            ids.append(session)
            status, _, _ = server.request("DELETE", "/mcp", headers=close(
                {"Mcp-Session-Id": session, "MCP-Protocol-Version": RESUMABLE}))
            assert status == 200
        for _ in range(20):
            conn = server.connection()
            conn.request("GET", "/sse", headers={"Accept": "text/event-stream"})
            stream = conn.getresponse()
            assert stream.status == 200
            line = b""
            while not line.startswith(b"data:"):
                line = stream.readline()
            ids.append(re.search(r"session_id=([^&\s]+)", line.decode()).group(1))
            conn.close()
    finally:
        assert server.stop() == 0

    assert len(set(ids)) == len(ids)
    for session in ids:
        # At least 128 bits: 32 hex digits or 22 base64url characters.
        assert (re.fullmatch(r"[0-9a-f]{32,}", session) or
                re.fullmatch(r"[A-Za-z0-9_-]{22,}", session)), session
    # Every position varies: no fixed version nibble, no dashes, no counter.
    for position in range(32):
        assert len({session[position] for session in ids}) > 4, position


# ---------------------------------------------------------------------------
# Another identity


def stream_event_id(server, credentials, session):
    """An event id of one of the session's SSE answers."""
    status, headers, body = server.post_mcp(
        {"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "add", "arguments": {"a": 1, "b": 2}}},
        close({**credentials, "MCP-Protocol-Version": RESUMABLE, "Mcp-Session-Id": session}))
    assert status == 200 and headers["Content-Type"].startswith("text/event-stream"), headers
    ids = [line[3:].strip() for line in body.decode().splitlines() if line.startswith("id:")]
    assert ids, body
    return ids[0]


@pytest.mark.parametrize("carrier", [bearer, x_north], ids=["bearer-bundle", "x-north-headers"])
def test_other_identity_gets_the_unknown_session_answer(carrier):
    server = Server("--server-secret", SECRET)
    alice = carrier(ALICE, {"google": ALICE_TOKEN})
    bob = carrier(BOB, {"google": BOB_TOKEN})
    try:
        session = initialize(server, alice)
        event_id = stream_event_id(server, alice, session)
        stranger = unknown_id()
        version = {"MCP-Protocol-Version": RESUMABLE}
        sse = {"Accept": "text/event-stream", **version}

        def both(method, body=None, headers=None):
            """Bob's answer for Alice's session and for an id nobody has."""
            answers = []
            for target in (session, stranger):
                h = close({**bob, **(headers or {}), "Mcp-Session-Id": target})
                if method == "POST":
                    answers.append(comparable(server.post_mcp(body, h)))
                else:
                    answers.append(comparable(request_unless_stream(server, method, h)))
            return answers

        calls = {
            "POST tools/call": both("POST", {"jsonrpc": "2.0", "id": 7, "method": "tools/call",
                                             "params": {"name": "whoami", "arguments": {}}}, version),
            "POST notification": both("POST", {"jsonrpc": "2.0", "method": "notifications/initialized"}, version),
            "GET stream": both("GET", headers=sse),
            "GET Last-Event-ID": both("GET", headers={**sse, "Last-Event-ID": event_id}),
            "DELETE": both("DELETE", headers=version),
        }
        for name, (theirs, nobodys) in calls.items():
            assert theirs[0] == 404, (name, theirs)
            assert theirs == nobodys, name
            assert ALICE_TOKEN.encode() not in theirs[2], name

        # initialize naming Alice's session starts a new one for Bob, as
        # with an unknown id (and not "already initialized").
        message = initialize_message()
        message["params"]["protocolVersion"] = RESUMABLE
        status, headers, _ = server.post_mcp(message, close({**bob, "Mcp-Session-Id": session}))
        assert status == 200
        assert headers["Mcp-Session-Id"] not in (None, session)

        # Alice's session survived all of it, and is still hers alone.
        status, headers, body = whoami(server, alice, session)
        assert status == 200, body
        result = messages(headers, body)[-1]["result"]["structuredContent"]
        assert result["connector_access_tokens"] == {"google": ALICE_TOKEN}
        assert result["email"] == "alice@example.com"
        # The same identity with other credentials (new connector tokens,
        # another way to send them) is still Alice.
        other_carrier = x_north if carrier is bearer else bearer
        status, _, body = whoami(server, other_carrier(ALICE, {"google": "refreshed"}), session)
        assert status == 200 and b"refreshed" in body
        status, _, _ = server.request("DELETE", "/mcp", headers=close({**alice, **version, "Mcp-Session-Id": session}))
        assert status == 200
    finally:
        assert server.stop() == 0


def test_same_subject_other_issuer_is_another_identity():
    server = Server("--server-secret", SECRET)
    alice = x_north(ALICE, {"google": ALICE_TOKEN})
    impostor = x_north(id_token(iss="https://evil.example", sub="alice", email="alice@example.com"),
                       {"google": "evil"})
    no_issuer = x_north(id_token(sub="alice", email="alice@example.com"), {})
    try:
        session = initialize(server, alice)
        for credentials in (impostor, no_issuer):
            theirs = comparable(whoami(server, credentials, session))
            nobodys = comparable(whoami(server, credentials, unknown_id()))
            assert theirs[0] == 404 and theirs == nobodys
        assert whoami(server, alice, session)[0] == 200
    finally:
        assert server.stop() == 0


def test_anonymous_and_identified_do_not_mix():
    """Open mode: anonymous sessions work, and are nobody else's."""
    server = Server()
    identified = x_north(ALICE, {"google": ALICE_TOKEN})
    identified.pop("X-North-Server-Secret")
    try:
        anonymous_session = initialize(server, {})
        status, headers, body = whoami(server, {}, anonymous_session)
        assert status == 200
        assert messages(headers, body)[-1]["result"]["structuredContent"]["email"] is None
        alice_session = initialize(server, identified)
        for credentials, session in (({}, alice_session), (identified, anonymous_session)):
            theirs = comparable(whoami(server, credentials, session))
            nobodys = comparable(whoami(server, credentials, unknown_id()))
            assert theirs[0] == 404 and theirs == nobodys
        # The anonymous session's GET stream and DELETE still work.
        conn = server.connection()
        conn.request("GET", "/mcp", headers={"Accept": "text/event-stream", "MCP-Protocol-Version": RESUMABLE,
                                             "Mcp-Session-Id": anonymous_session})
        assert conn.getresponse().status == 200
        conn.close()
        status, _, _ = server.request("DELETE", "/mcp", headers=close(
            {"MCP-Protocol-Version": RESUMABLE, "Mcp-Session-Id": anonymous_session}))
        assert status == 200
    finally:
        assert server.stop() == 0


class LegacyStream:
    """A GET /sse stream: the session lives as long as it is open."""

    def __init__(self, server, credentials):
        self.conn = server.connection()
        self.conn.request("GET", "/sse", headers={"Accept": "text/event-stream", **credentials})
        self.response = self.conn.getresponse()
        self.status = self.response.status
        self.endpoint = None
        if self.status == 200:
            event = self.next_event()
            assert event[0] == "event: endpoint"
            self.endpoint = event[1][len("data: "):]

    def next_event(self):
        lines = []
        while True:
            line = self.response.readline().decode()
            if line in ("\n", "\r\n", ""):
                if lines:
                    return lines
                assert line != "", "stream ended"
                continue
            if not line.startswith(":"):
                lines.append(line.rstrip("\r\n"))

    def close(self):
        self.conn.close()


def test_legacy_sse_session_is_bound_too():
    server = Server("--server-secret", SECRET)
    alice = bearer(ALICE, {"google": ALICE_TOKEN})
    bob = bearer(BOB, {"google": BOB_TOKEN})
    post_headers = {"Content-Type": "application/json"}
    stream = LegacyStream(server, alice)
    try:
        assert stream.status == 200
        message = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                              "params": {"protocolVersion": "2024-11-05", "capabilities": {},
                                         "clientInfo": {"name": "sse", "version": "1"}}})
        theirs = comparable(server.request("POST", stream.endpoint, message, close({**bob, **post_headers})))
        nobodys = comparable(server.request("POST", "/messages/?session_id=" + unknown_id(), message,
                                            close({**bob, **post_headers})))
        assert theirs[0] == 404 and theirs == nobodys
        status, _, _ = server.request("POST", stream.endpoint, message, close({**alice, **post_headers}))
        assert status == 202
        answer = json.loads(stream.next_event()[1][len("data: "):])
        assert answer["result"]["protocolVersion"] == "2024-11-05"
    finally:
        stream.close()
        assert server.stop() == 0


def test_trusted_issuers_bind_issuer_and_subject(tmp_path):
    """Two real issuers whose tokens name the same subject and e-mail: the
    verified identities differ by issuer, and so do their sessions."""
    issuers = []
    try:
        for name in ("one", "two"):
            token_file = tmp_path / name
            process = subprocess.Popen(["node", os.path.join(SOURCE_ROOT, "bench", "oidc-issuer.mjs"),
                                        "--port", "0", "--token-out", str(token_file)],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            issuers.append(process)
            match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", process.stderr.readline())
            assert match
            issuers[-1] = (process, match.group(1), token_file.read_text().strip())
        server = Server("--trusted-issuer", issuers[0][1], "--trusted-issuer", issuers[1][1],
                        program="server-with-trusted-issuers")
        try:
            first = {"X-North-ID-Token": issuers[0][2]}
            second = {"X-North-ID-Token": issuers[1][2]}
            session = initialize(server, first)
            status, headers, body = whoami(server, first, session)
            assert status == 200
            assert messages(headers, body)[-1]["result"]["structuredContent"]["issuer"] == issuers[0][1]
            theirs = comparable(whoami(server, second, session))
            nobodys = comparable(whoami(server, second, unknown_id()))
            assert theirs[0] == 404 and theirs == nobodys
            # The second issuer's user has sessions of its own.
            assert whoami(server, second, initialize(server, second))[0] == 200
        finally:
            assert server.stop() == 0
    finally:
        for entry in issuers:
            process = entry[0] if isinstance(entry, tuple) else entry
            process.terminate()
            process.wait(10)


# ---------------------------------------------------------------------------
# The session cap


def test_max_sessions_refuses_new_sessions_only():
    server = Server("--max-sessions", "5")
    try:
        sessions = [initialize(server, {}) for _ in range(5)]
        status, headers, body = server.post_mcp(initialize_message(), close({}))
        assert status == 503
        assert int(headers["Retry-After"]) > 0
        assert "Mcp-Session-Id" not in headers
        assert "error" in json.loads(body) and json.loads(body)["jsonrpc"] == "2.0"
        # A legacy stream would be a session too.
        legacy = LegacyStream(server, {})
        assert legacy.status == 503 and int(legacy.response.getheader("Retry-After")) > 0
        legacy.close()
        # The existing sessions are served as before.
        for session in sessions:
            status, _, body = whoami(server, {}, session)
            assert status == 200, body
        # One ends, one may begin.
        status, _, _ = server.request("DELETE", "/mcp", headers=close(
            {"MCP-Protocol-Version": RESUMABLE, "Mcp-Session-Id": sessions.pop()}))
        assert status == 200
        sessions.append(initialize(server, {}))
        assert server.post_mcp(initialize_message(), close({}))[0] == 503
    finally:
        assert server.stop() == 0


def test_legacy_sessions_count_against_the_cap():
    server = Server("--max-sessions", "2")
    streams = []
    try:
        streams.append(LegacyStream(server, {}))
        assert streams[-1].status == 200
        initialize(server, {})
        assert server.post_mcp(initialize_message(), close({}))[0] == 503
        streams.append(LegacyStream(server, {}))
        assert streams[-1].status == 503
        # Closing the first stream ends its session and frees its place.
        streams[0].close()
        assert wait_until(lambda: server.post_mcp(initialize_message(), close({}))[0] == 200)
    finally:
        for stream in streams:
            stream.close()
        assert server.stop() == 0


class ListenStream:
    """A Streamable HTTP GET stream of a session: while it is open the
    session is busy."""

    def __init__(self, server, credentials, session):
        self.conn = server.connection()
        self.conn.request("GET", "/mcp", headers={"Accept": "text/event-stream", "MCP-Protocol-Version": RESUMABLE,
                                                  "Mcp-Session-Id": session, **credentials})
        self.response = self.conn.getresponse()
        assert self.response.status == 200, self.response.read()

    def close(self):
        self.conn.close()


def test_one_identity_cannot_take_every_session():
    # Open mode, so that anonymous clients are served too.
    server = Server("--max-sessions", "6", "--max-sessions-per-identity", "2")
    alice, bob = x_north(ALICE, {"google": ALICE_TOKEN}), x_north(BOB, {"google": BOB_TOKEN})
    for credentials in (alice, bob):
        credentials.pop("X-North-Server-Secret")
    streams = []
    try:
        first, second = initialize(server, alice), initialize(server, alice)
        bobs = initialize(server, bob)
        assert whoami(server, alice, first)[0] == 200  # the first is now the more recent one
        # A third session of Alice's ends her least recently used one, as
        # if it had expired; nobody else's.
        third = initialize(server, alice)
        assert whoami(server, alice, second)[0] == 404
        for credentials, session in ((alice, first), (alice, third), (bob, bobs)):
            status, _, body = whoami(server, credentials, session)
            assert status == 200, body
        # Anonymous clients share one identity: only max-sessions holds them.
        anonymous = [initialize(server, {}) for _ in range(3)]
        assert server.post_mcp(initialize_message(), close({}))[0] == 503
        for session in anonymous:
            server.request("DELETE", "/mcp", headers=close({"MCP-Protocol-Version": RESUMABLE,
                                                            "Mcp-Session-Id": session}))

        # Sessions with a stream open are in use: none of them ends, the
        # new one is refused, and Bob still gets his.
        streams = [ListenStream(server, alice, first), ListenStream(server, alice, third)]
        status, headers, body = server.post_mcp(initialize_message(), close(alice))
        assert status == 429, body
        assert int(headers["Retry-After"]) > 0 and "Mcp-Session-Id" not in headers
        assert json.loads(body)["error"]["message"].startswith("Too Many Requests")
        legacy = LegacyStream(server, alice)
        assert legacy.status == 429 and int(legacy.response.getheader("Retry-After")) > 0
        legacy.close()
        initialize(server, bob)
        for session in (first, third):
            assert whoami(server, alice, session)[0] == 200
        # A stream closed, its session is idle again and makes room.
        streams.pop().close()
        assert wait_until(lambda: server.post_mcp(initialize_message(), close(alice))[0] == 200)
        assert whoami(server, alice, third)[0] == 404
        assert whoami(server, alice, first)[0] == 200
    finally:
        for stream in streams:
            stream.close()
        assert server.stop() == 0


@pytest.mark.parametrize("option", ["--max-sessions", "--max-sessions-per-identity"])
def test_max_sessions_option_is_checked(option):
    process = subprocess.run([os.path.join(EXAMPLES, "server-with-auth"),
                              "--port", "0", option, "-1"],
                             stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    assert process.returncode != 0
    assert option[2:].encode() in process.stderr


# ---------------------------------------------------------------------------
# What a session keeps of the client


def test_oversized_client_declarations_are_refused():
    server = Server("--max-sessions", "3")
    try:
        big = "x" * (65 * 1024)
        for params in ({"capabilities": {"experimental": {"big": big}}},
                       {"clientInfo": {"name": "hostile", "version": big}},
                       {"capabilities": {"experimental": {f"k{i}": "y" * 60 for i in range(600)}},
                        "clientInfo": {"name": "hostile", "version": "z" * 30000}}):
            for _ in range(4):
                status, headers, body = server.post_mcp(initialize_message(**params), close({}))
                assert status == 200
                assert "Mcp-Session-Id" not in headers
                error = messages(headers, body)[-1]["error"]
                assert error["code"] == -32602 and "clientInfo" in error["message"]
        # Nothing was kept: all three places are still free.
        for _ in range(3):
            initialize(server, {}, capabilities={"experimental": {"fits": "w" * 60000}})
        assert server.post_mcp(initialize_message(), close({}))[0] == 503
    finally:
        assert server.stop() == 0


def test_memory_stays_bounded_under_huge_initialize_requests():
    # ASan keeps freed memory in quarantine (256 MB by default); a small one
    # keeps the measurement about the server's own memory.
    env = dict(os.environ)
    if "ASAN_OPTIONS" in env:
        env["ASAN_OPTIONS"] += ":quarantine_size_mb=16"
    server = Server(env=env)
    # About 3.5 MB: a long string and a few thousand small numbers (each
    # allocation is slow under ASan; the string is what a session would keep).
    capabilities = {"experimental": {"blob": "b" * 3_400_000, "list": [1] * 2_000}}
    body = json.dumps(initialize_message(capabilities=capabilities))
    assert 3_400_000 < len(body) < 3_700_000
    attempts = 300

    def attack():
        status, headers, answer = server.request("POST", "/mcp", body, close(MCP_HEADERS), timeout=120)
        assert status == 200 and "Mcp-Session-Id" not in headers
        assert messages(headers, answer)[-1]["error"]["code"] == -32602

    try:
        for _ in range(10):
            attack()
        baseline = rss_kib(server.pid)
        for _ in range(attempts):
            attack()
        growth = rss_kib(server.pid) - baseline
        # Unbounded, each attempt would keep 3.5 MB and more.
        assert growth < 64 * 1024, f"RSS grew by {growth} KiB over {attempts} attempts"
        assert server.health()
        initialize(server, {})
    finally:
        assert server.stop() == 0


def test_memory_stays_bounded_over_a_long_resumable_session():
    # Every request of a resumable session is a stream its event store
    # numbers; once the store's oldest events leave, each stream whose
    # events left used to be remembered for good: 60 bytes per request
    # (1.2 MB here).
    env = dict(os.environ)
    if "ASAN_OPTIONS" in env:
        env["ASAN_OPTIONS"] += ":quarantine_size_mb=4"
    server = Server(env=env)
    try:
        session = initialize(server, {})
        headers = {**MCP_HEADERS, "MCP-Protocol-Version": RESUMABLE, "Mcp-Session-Id": session}
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping"})
        conn = server.connection(timeout=60)

        def pings(count):
            for _ in range(count):
                conn.request("POST", "/mcp", body, headers)
                response = conn.getresponse()
                assert response.status == 200
                response.read()

        pings(5_000)
        baseline = rss_kib(server.pid)
        pings(20_000)
        growth = rss_kib(server.pid) - baseline
        assert growth < 640, f"RSS grew by {growth} KiB over 20,000 requests"
        conn.close()
        assert server.health()
    finally:
        assert server.stop() == 0


def test_resource_subscriptions_are_bounded_in_bytes():
    # A session may watch 1024 URIs of 4 KiB: without a bound on their sum
    # that is 4 MiB per session, 40 GB with the default 10,000 sessions.
    # They may now add up to 64 KiB. Batches (before 2025-06-18) of 100
    # subscriptions of 4 KiB; 16 sessions would keep 64 MiB unbounded.
    env = dict(os.environ)
    if "ASAN_OPTIONS" in env:
        env["ASAN_OPTIONS"] += ":quarantine_size_mb=16"
    server = Server(program="conformance-server", env=env)
    version = "2025-03-26"

    def fill(session):
        headers = close({"MCP-Protocol-Version": version, "Mcp-Session-Id": session})
        uris = [f"test://{session[:8]}/{i}/" + "u" * 4000 for i in range(1024)]
        answers = []
        for start in range(0, len(uris), 100):
            batch = [{"jsonrpc": "2.0", "id": i, "method": "resources/subscribe", "params": {"uri": uris[i]}}
                     for i in range(start, min(start + 100, len(uris)))]
            status, answer_headers, body = server.post_mcp(batch, headers, timeout=120)
            assert status == 200, body[:300]
            answers += [answer for message in messages(answer_headers, body)
                        for answer in (message if isinstance(message, list) else [message])]
        assert len(answers) == len(uris)
        accepted = [answer for answer in answers if "result" in answer]
        # 16 URIs of 4,010-odd bytes fit in 64 KiB, a 17th does not.
        assert len(accepted) == 16, f"{len(accepted)} of 1024 subscriptions of 4 KiB kept"
        refused = [answer["error"] for answer in answers if "error" in answer]
        assert all(error["code"] == -32602 and "65536 bytes in all" in error["message"] for error in refused)

    try:
        fill(initialize(server, {}, version=version))
        baseline = rss_kib(server.pid)
        for _ in range(15):
            fill(initialize(server, {}, version=version))
        growth = rss_kib(server.pid) - baseline
        assert growth < 16 * 1024, f"RSS grew by {growth} KiB over 15 sessions"
        assert server.health()
    finally:
        assert server.stop() == 0


def test_resource_subscriptions_count_what_they_take_in_memory():
    # max-subscription-bytes bounds what subscriptions keep in memory. A
    # URI counted 64 bytes besides twice its length, but the index that
    # finds its sessions keeps a hash set for each URI (about 230 bytes
    # measured with glibc): short distinct URIs kept some four times the
    # bound (an 8 MB bound let 100,000 URIs take 30 MB; 128 MiB, 500 MB).
    limit = 8 * 1024 * 1024
    env = dict(os.environ)
    if "ASAN_OPTIONS" in env:
        env["ASAN_OPTIONS"] += ":quarantine_size_mb=16"
    server = Server("--max-subscription-bytes", str(limit), program="conformance-server", env=env)
    version = "2025-03-26"

    def fill(session):
        """Subscribes SESSION to 1024 short URIs of its own; returns how
        many the budget refused."""
        headers = close({"MCP-Protocol-Version": version, "Mcp-Session-Id": session})
        refused = 0
        for start in range(0, 1024, 100):
            batch = [{"jsonrpc": "2.0", "id": i, "method": "resources/subscribe",
                      "params": {"uri": f"t:{session[:8]}{i}"}} for i in range(start, min(start + 100, 1024))]
            status, answer_headers, body = server.post_mcp(batch, headers, timeout=120)
            assert status == 200, body[:300]
            answers = [answer for message in messages(answer_headers, body)
                       for answer in (message if isinstance(message, list) else [message])]
            errors = [answer["error"] for answer in answers if "error" in answer]
            assert all(e["code"] == -32603 and "max-subscription-bytes" in e["message"] for e in errors), errors[:3]
            refused += len(errors)
        return refused

    try:
        assert fill(initialize(server, {}, version=version)) == 0
        baseline = rss_kib(server.pid)
        filled = 1
        while fill(initialize(server, {}, version=version)) == 0:
            filled += 1
            assert filled < 200
        growth = rss_kib(server.pid) - baseline
        # The sessions themselves count elsewhere (max-sessions): a few KB
        # each; the sanitizer's redzones and quarantine take more again.
        allowed = 3 * limit + 16 * 1024 * 1024 if "ASAN_OPTIONS" in env else limit + limit // 2
        assert growth * 1024 < allowed, f"RSS grew by {growth} KiB for {filled} sessions of 1024 URIs"
        assert server.health()
    finally:
        assert server.stop() == 0


# What a subscriptions/listen stream (revision 2026-07-28) keeps of the
# client: the stream lasts as long as the client keeps it open, like a
# session, so its request is bounded like a session's declarations.

REVISION_2026 = "2026-07-28"


def open_listen(server, params):
    """Posts a subscriptions/listen request on its own socket; returns the
    socket (left open) and the answer's first bytes (the headers and the
    first event, or the whole error)."""
    meta = {"io.modelcontextprotocol/protocolVersion": REVISION_2026,
            "io.modelcontextprotocol/clientCapabilities": {}}
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "subscriptions/listen",
                       "params": {**params, "_meta": meta}}, separators=(",", ":")).encode()
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=120)
    sock.sendall((f"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  f"Accept: application/json, text/event-stream\r\n"
                  f"MCP-Protocol-Version: {REVISION_2026}\r\nMcp-Method: subscriptions/listen\r\n"
                  f"Content-Length: {len(body)}\r\n\r\n").encode() + body)
    answer = b""
    while b"\r\n\r\n" not in answer or not re.search(rb"\n\n|\}\s*$", answer.split(b"\r\n\r\n", 1)[1]):
        chunk = sock.recv(65536)
        if not chunk:
            break
        answer += chunk
    return sock, answer.decode("utf-8", "replace")


def test_listen_streams_keep_a_bounded_request():
    env = dict(os.environ)
    if "ASAN_OPTIONS" in env:
        env["ASAN_OPTIONS"] += ":quarantine_size_mb=16"
    server = Server(program="conformance-server", env=env)
    sockets = []
    try:
        # A small request opens a stream; so do 1024 subscriptions.
        sock, answer = open_listen(server, {"notifications": {"toolsListChanged": True}})
        sockets.append(sock)
        assert "notifications/subscriptions/acknowledged" in answer, answer
        uris = [f"test://static-resource/{i}" for i in range(1024)]
        sock, answer = open_listen(server, {"notifications": {"resourceSubscriptions": uris}})
        sockets.append(sock)
        assert "notifications/subscriptions/acknowledged" in answer, answer

        # 600,000 numbers (1.2 MB of text) are tens of MB as a tree, which
        # an open stream would keep as long as its client likes. The first
        # attempt sets the baseline: reading the tree takes that memory
        # once, freed or not.
        padded = [{"notifications": {"toolsListChanged": True}, "padding": [0] * 600_000},
                  {"notifications": {"toolsListChanged": True, "padding": [0] * 600_000}}]
        baseline = None
        for params in [padded[0]] + padded * 3 + [
                {"notifications": {"resourceSubscriptions": ["test://x"] * 1025}},
                {"notifications": {"resourceSubscriptions": ["test://" + "x" * 4096]}},
                # 17 URIs of 4 KiB: each fits, together they pass 64 KiB.
                {"notifications": {"resourceSubscriptions": [f"test://{i}/" + "x" * 4000
                                                             for i in range(17)]}}]:
            sock, answer = open_listen(server, params)
            sockets.append(sock)
            assert "notifications/subscriptions/acknowledged" not in answer, answer[:300]
            assert '"code":-32602' in answer, answer[:300]
            baseline = baseline or rss_kib(server.pid)
        # Streams that kept their requests would keep six trees (hundreds
        # of MB). One more tree than the baseline's is no such sign: the
        # next request can be read before the last one's tree is freed,
        # and the allocator keeps that peak (35 MB under ASan on a busy
        # machine).
        growth = rss_kib(server.pid) - baseline
        assert growth < 64 * 1024, f"RSS grew by {growth} KiB"
        assert server.health()
    finally:
        for sock in sockets:
            sock.close()
        assert server.stop() == 0
