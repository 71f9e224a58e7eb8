#!/usr/bin/python3
"""Replicas sharing a Redis state store serve one stateful client as one
server (issue 15): real redis-server, real server processes, requests sent
to a different replica each time (what a round-robin balancer without
stickiness does)."""

import base64
import hashlib
import hmac
import json
import socket
import threading
import time

from conftest import PROTOCOL, Stream, messages

INITIALIZE = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
              "params": {"protocolVersion": PROTOCOL, "capabilities": {"roots": {}},
                         "clientInfo": {"name": "replica-test", "version": "1"}}}


def initialize(replica, headers=None, capabilities=None):
    request = INITIALIZE
    if capabilities is not None:
        request = {**INITIALIZE, "params": {**INITIALIZE["params"], "capabilities": capabilities}}
    status, headers_out, body = replica.request("POST", request, headers=headers)
    assert status == 200, body
    session = headers_out["Mcp-Session-Id"]
    assert messages(body)[0]["result"]["protocolVersion"] == PROTOCOL
    return session


def call(replica, session, method, params=None, id=2, headers=None):
    body = {"jsonrpc": "2.0", "id": id, "method": method}
    if params is not None:
        body["params"] = params
    return replica.request("POST", body, session=session, headers=headers)


def wait_for_status(replica, session, status, timeout=10):
    deadline = time.monotonic() + timeout
    while True:
        got = call(replica, session, "ping")
        if got[0] == status or time.monotonic() > deadline:
            return got
        time.sleep(0.05)


def test_a_session_serves_on_every_replica(replicas, redis):
    one, two, three = replicas(3)
    session = initialize(one)

    status, _, body = two.request("POST", {"jsonrpc": "2.0", "method": "notifications/initialized"},
                                  session=session)
    assert status == 202, body
    status, _, body = three.request("POST", {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
                                    session=session)
    assert status == 200, body
    assert "add_note" in [tool["name"] for tool in messages(body)[0]["result"]["tools"]]
    status, _, body = two.request("POST", {"jsonrpc": "2.0", "id": 3, "method": "tools/call",
                                           "params": {"name": "add_note",
                                                      "arguments": {"title": "a", "text": "b"}}},
                                  session=session)
    assert status == 200, body
    assert messages(body)[-1]["result"]["content"][0]["text"] == "Saved notes://a"

    # The record: the client's capabilities, no credentials.
    record = json.loads(redis.command("GET", f"north-mcp:session:{session}"))
    assert record["protocolVersion"] == PROTOCOL
    assert record["capabilities"] == {"roots": {}}
    assert record["clientInfo"]["name"] == "replica-test"
    assert 0 < redis.command("PTTL", f"north-mcp:session:{session}") <= 30 * 60 * 1000


def test_an_unknown_session_is_404_on_every_replica(replicas):
    one, two = replicas(2)
    for replica in (one, two):
        status, _, body = call(replica, "0123456789abcdef0123456789abcdef", "ping")
        assert status == 404
        assert json.loads(body)["error"]["code"] == -32001


def test_delete_on_one_replica_ends_the_session_everywhere(replicas, redis):
    one, two, three = replicas(3)
    session = initialize(one)
    for replica in (one, two, three):
        assert call(replica, session, "ping")[0] == 200

    status, _, body = two.request("DELETE", session=session)
    assert status == 200, body
    assert redis.command("EXISTS", f"north-mcp:session:{session}") == 0
    # one and three held copies: gone at once, not when pub/sub gets there.
    for replica in (three, one, two):
        status, _, body = call(replica, session, "ping")
        assert status == 404, body



def test_a_change_racing_a_delete_does_not_bring_the_session_back(replicas, redis):
    """logging/setLevel on one replica while the session is deleted on
    another: the change is stored only while the record exists. It was
    stored unconditionally after its confirmation, so a DELETE that reached
    Redis in between (about every other time here) was undone: the record
    was back, and every replica served the session the client had
    deleted."""
    one, two = replicas(2)
    for _ in range(40):
        session = initialize(one)
        assert call(two, session, "ping")[0] == 200
        barrier = threading.Barrier(2)
        answers = {}

        def set_level():
            barrier.wait()
            answers["level"] = call(one, session, "logging/setLevel", {"level": "debug"})[0]

        def delete():
            barrier.wait()
            answers["delete"] = two.request("DELETE", session=session)[0]

        threads = [threading.Thread(target=set_level), threading.Thread(target=delete)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert answers["delete"] == 200 and answers["level"] in (200, 404), answers
        assert redis.command("EXISTS", f"north-mcp:session:{session}") == 0
        assert wait_for_status(one, session, 404)[0] == 404


def test_a_held_copy_serves_only_while_its_record_exists(replicas, redis):
    one, two = replicas(2)
    session = initialize(one)
    assert call(two, session, "ping")[0] == 200
    # Each use pushes the record's expiry back, on whichever replica.
    redis.command("PEXPIRE", f"north-mcp:session:{session}", 60000)
    assert call(two, session, "ping")[0] == 200
    assert redis.command("PTTL", f"north-mcp:session:{session}") > 60000
    # The record vanishes without a message (what a lost "deleted" message
    # or a slow one looks like): neither copy serves it any more.
    redis.command("DEL", f"north-mcp:session:{session}")
    for replica in (one, two):
        status, _, body = call(replica, session, "ping")
        assert status == 404, body


def test_log_level_set_on_one_replica_is_kept_in_the_record(replicas, redis):
    one, two = replicas(2)
    session = initialize(one)
    status, _, body = call(two, session, "logging/setLevel", {"level": "error"})
    assert status == 200, body
    deadline = time.monotonic() + 10
    while json.loads(redis.command("GET", f"north-mcp:session:{session}")).get("logLevel") != "error":
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_a_session_change_the_store_cannot_take_is_an_error(replicas, redis):
    """A change of the session (its log level here) made while Redis is away
    was answered as made, and kept on the replica's copy alone: the others
    never saw it. It is an error now, and the copy is left as stored."""
    (one,) = replicas(1)
    session = initialize(one)
    redis.stop()
    status, _, body = call(one, session, "logging/setLevel", {"level": "error"})
    assert status == 200, body
    error = messages(body)[0]["error"]
    assert error == {"code": -32603, "message": "The session store is unavailable"}, body
    redis.start()


def test_sessions_expire_in_the_store(replicas, redis):
    one, two = replicas(2, "server-with-resources", "--session-timeout", "2")
    session = initialize(one)
    ttl = redis.command("PTTL", f"north-mcp:session:{session}")
    assert 0 < ttl <= 2000
    # Used on the other replica: the expiry moves on.
    time.sleep(1.2)
    assert call(two, session, "ping")[0] == 200
    deadline = time.monotonic() + 10
    while redis.command("PTTL", f"north-mcp:session:{session}") <= 1000:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    # Then left alone: gone from the store and from both replicas.
    deadline = time.monotonic() + 20
    while redis.command("EXISTS", f"north-mcp:session:{session}") == 1:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    for replica in (one, two):
        status, _, _ = wait_for_status(replica, session, 404, timeout=20)
        assert status == 404


def create_bearer_token(email):
    def b64url(data):
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
    signing_input = ".".join(b64url(json.dumps(part).encode())
                             for part in ({"alg": "HS256", "typ": "JWT"}, {"email": email}))
    signature = hmac.new(b"does-not-matter", signing_input.encode(), hashlib.sha256).digest()
    tokens = {"server_secret": "server_secret", "user_id_token": signing_input + "." + b64url(signature),
              "connector_access_tokens": {"google": "secret-connector-token"}}
    return base64.b64encode(json.dumps(tokens).encode()).decode()


def test_another_identity_cannot_use_the_session(replicas, redis):
    one, two = replicas(2, "server-with-auth")
    alice = {"Authorization": "Bearer " + create_bearer_token("alice@example.com")}
    mallory = {"Authorization": "Bearer " + create_bearer_token("mallory@example.com")}
    session = initialize(one, headers=alice)

    # Exactly as an unknown session, and nothing is materialized for him.
    status, _, body = call(two, session, "ping", headers=mallory)
    assert status == 404, body
    assert json.loads(body)["error"]["code"] == -32001
    status, _, body = call(two, session, "ping", headers=alice)
    assert status == 200, body
    status, _, body = call(two, session, "ping", headers=mallory)
    assert status == 404, body

    # No credentials in the store: only a digest of the identity.
    record = redis.command("GET", f"north-mcp:session:{session}")
    assert "alice" not in record and "secret" not in record and "Bearer" not in record
    assert len(json.loads(record)["owner"]) == 64


def test_store_down_gives_503_and_the_servers_recover(replicas, redis):
    # Store failures are logged once a minute at most: once a second here.
    one, two = replicas(2, env={"NORTH_MCP_LOG_INTERVAL_MS": "1000"})
    session = initialize(one)
    redis.stop()

    # Needs the store (the session is not on two): 503, a JSON-RPC error, Retry-After.
    status, headers, body = call(two, session, "ping")
    assert status == 503, body
    assert headers["Retry-After"].isdigit()
    assert json.loads(body)["error"]["code"] == -32000
    # A new session cannot be shared: refused rather than half made.
    status, headers, body = two.request("POST", INITIALIZE)
    assert status == 503, body
    assert "Mcp-Session-Id" not in headers
    # Nothing of the initialize result it held back: it was sent before
    # the error (an SSE event, then JSON).
    assert json.loads(body)["error"]["code"] == -32000
    # What needs no store goes on: one has the session.
    assert call(one, session, "ping")[0] == 200
    # Ids that are not ours never reach the store: 404, not 503.
    assert call(two, "not-a-session-id", "ping")[0] == 404
    # A flood of requests while the store is away: each is refused, but the
    # log says so about once a second, not once a request.
    started = time.monotonic()
    for _ in range(200):
        assert call(two, session, "ping")[0] == 503
    seconds = time.monotonic() - started
    lines = [line for line in two.stderr().splitlines() if "Cannot load a session" in line]
    assert 1 <= len(lines) <= seconds + 2, "\n".join(lines[-5:])
    # The next line, a second on, counts those it left out.
    time.sleep(1.1)
    assert call(two, session, "ping")[0] == 503
    deadline = time.monotonic() + 10
    while "more since the last line)" not in two.stderr():
        assert time.monotonic() < deadline, two.stderr()[-3000:]
        time.sleep(0.05)

    redis.start()
    deadline = time.monotonic() + 30
    while True:
        status, headers, body = two.request("POST", INITIALIZE)
        if status == 200:
            break
        assert status == 503 and time.monotonic() < deadline, body
        time.sleep(0.2)
    fresh = headers["Mcp-Session-Id"]
    assert call(one, fresh, "ping")[0] == 200
    # The restarted Redis lost the old record (no persistence): 404 on two.
    assert call(two, session, "ping")[0] == 404
    # Subscriptions came back: a DELETE on one reaches two.
    assert one.request("DELETE", session=fresh)[0] == 200
    assert wait_for_status(two, fresh, 404)[0] == 404


def test_records_read_back_are_bounded_and_checked(replicas, redis):
    (one,) = replicas(1)
    oversized = "0123456789abcdef0123456789abcde0"
    redis.command("SET", f"north-mcp:session:{oversized}", "x" * (1024 * 1024))
    garbage = "0123456789abcdef0123456789abcde1"
    redis.command("SET", f"north-mcp:session:{garbage}", '{"v":1,"owner":"zz","protocolVersion":[]}')
    deep = "0123456789abcdef0123456789abcde2"
    redis.command("SET", f"north-mcp:session:{deep}", "[" * 100000)
    # Members of the wrong type are as good as absent (no critical).
    typed = "0123456789abcdef0123456789abcde3"
    redis.command("SET", f"north-mcp:session:{typed}", '{"v":{"x":1},"owner":"00"}')
    for session in (oversized, garbage, deep, typed):
        status, _, body = call(one, session, "ping")
        assert status == 404, body
    assert one.alive()


def test_an_oversized_record_asked_for_again_and_again_does_not_flood_the_log(replicas, redis):
    """Whoever wrote it, any client can name the session: its warning is
    written once a minute at most, not once a request."""
    one, two = replicas(2)
    session = initialize(one)
    # Past NORTH_MCP_SESSION_RECORD_MAX_BYTES (about 25 MiB).
    redis.command("SET", f"north-mcp:session:{session}", "x" * (27 * 1024 * 1024))
    started = time.monotonic()
    for _ in range(20):
        assert call(two, session, "ping")[0] == 404
    minutes = (time.monotonic() - started) / 60
    lines = [line for line in two.stderr().splitlines() if "oversized session record" in line]
    assert 1 <= len(lines) <= minutes + 2, f"{len(lines)} lines"


def updated(uri):
    return lambda m: (m.get("method") == "notifications/resources/updated"
                      and m.get("params", {}).get("uri") == uri)


def test_notifications_reach_the_stream_on_another_replica(replicas):
    one, two, three = replicas(3)
    session = initialize(one)
    assert call(two, session, "resources/subscribe", {"uri": "notes://index"})[0] == 200
    stream = Stream(three, session=session)
    try:
        assert stream.status == 200
        # The stream's replica subscribes in the background: call until it hears.
        deadline = time.monotonic() + 20
        while not stream.wait_for(updated("notes://index"), timeout=0.3):
            assert time.monotonic() < deadline, stream.messages
            status, _, body = call(one, session, "tools/call",
                                   {"name": "add_note", "arguments": {"title": "a", "text": "b"}})
            assert status == 200, body
        # Once, not once per replica; only what the client subscribed to.
        before = len(stream.wait_for(updated("notes://index")))
        assert call(two, session, "tools/call",
                    {"name": "add_note", "arguments": {"title": "c", "text": "d"}})[0] == 200
        deadline = time.monotonic() + 10
        while len(stream.wait_for(updated("notes://index"))) == before:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        time.sleep(0.5)
        assert len(stream.wait_for(updated("notes://index"))) == before + 1
        assert not stream.wait_for(updated("notes://c"), timeout=0)

        # Unsubscribed on one: nothing more, wherever the change happens.
        assert call(one, session, "resources/unsubscribe", {"uri": "notes://index"})[0] == 200
        time.sleep(0.5)
        count = len(stream.wait_for(updated("notes://index"), timeout=0))
        assert call(three, session, "tools/call",
                    {"name": "add_note", "arguments": {"title": "e", "text": "f"}})[0] == 200
        assert call(two, session, "tools/call",
                    {"name": "add_note", "arguments": {"title": "g", "text": "h"}})[0] == 200
        time.sleep(0.5)
        assert len(stream.wait_for(updated("notes://index"), timeout=0)) == count
    finally:
        stream.close()


def test_list_changed_reaches_clients_of_every_replica(replicas):
    one, two, three = replicas(3, "conformance-server")
    first, second = initialize(one), initialize(two)
    streams = [Stream(three, session=first), Stream(one, session=second)]
    changed = lambda m: m.get("method") == "notifications/tools/list_changed"  # noqa: E731
    try:
        deadline = time.monotonic() + 20
        while not all(s.wait_for(changed, timeout=0.3) for s in streams):
            assert time.monotonic() < deadline, [s.messages for s in streams]
            status, _, body = call(two, first, "tools/call", {"name": "test_trigger_tool_change",
                                                              "arguments": {}})
            assert status == 200, body
    finally:
        for s in streams:
            s.close()


def ask_who(replica, session, id):
    """A call (request @id) of the conformance server's elicitation tool,
    on a stream of its own that carries its request to the client."""
    return Stream(replica, "POST", {"jsonrpc": "2.0", "id": id, "method": "tools/call",
                                    "params": {"name": "test_elicitation",
                                               "arguments": {"message": "Who?"}}},
                  session=session)


def test_a_request_to_the_client_is_answered_through_another_replica(replicas):
    one, two = replicas(2, "conformance-server")
    session = initialize(one, capabilities={"elicitation": {}})
    call_stream = ask_who(one, session, 7)
    try:
        found = call_stream.wait_for(lambda m: m.get("method") == "elicitation/create")
        assert found, call_stream.messages
        answer = {"jsonrpc": "2.0", "id": found[0]["id"],
                  "result": {"action": "accept", "content": {"username": "ann", "email": "a@b.c"}}}
        status, _, body = two.request("POST", answer, session=session)
        assert status == 202, body
        result = call_stream.wait_for(lambda m: m.get("id") == 7)
        assert result, call_stream.messages
        assert "ann" in json.dumps(result[0]["result"])
    finally:
        call_stream.close()


def test_requests_to_the_client_from_two_replicas_are_told_apart(replicas):
    """Each replica numbers the requests it sends a client: from 1 in
    each, the client got two requests with one id, and its answer to one
    ended the other (whichever replica it reached)."""
    one, two = replicas(2, "conformance-server")
    session = initialize(one, capabilities={"elicitation": {}})
    streams = {}
    try:
        for id, replica in ((7, one), (8, two)):
            streams[id] = ask_who(replica, session, id)
        asked = {}
        for id, stream in streams.items():
            found = stream.wait_for(lambda m: m.get("method") == "elicitation/create")
            assert found, stream.messages
            asked[id] = found[0]["id"]
        assert asked[7] != asked[8], asked

        # Each answer through the other replica: each call gets its own.
        for id, name, replica in ((7, "ann", two), (8, "bob", one)):
            answer = {"jsonrpc": "2.0", "id": asked[id],
                      "result": {"action": "accept", "content": {"username": name, "email": "a@b.c"}}}
            status, _, body = replica.request("POST", answer, session=session)
            assert status == 202, body
        for id, name in ((7, "ann"), (8, "bob")):
            result = streams[id].wait_for(lambda m: m.get("id") == id)
            assert result, streams[id].messages
            assert name in json.dumps(result[0]["result"]), result
    finally:
        for stream in streams.values():
            stream.close()


def test_replicas_agree_on_one_request_state_key(replicas, redis):
    (one,) = replicas(1)
    deadline = time.monotonic() + 20
    while redis.command("GET", "north-mcp:request-state-key") is None:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    key = redis.command("GET", "north-mcp:request-state-key")
    assert len(key) == 64 and all(c in "0123456789abcdef" for c in key)
    # Later replicas (with keys of their own) keep the first one's.
    replicas(2)
    time.sleep(0.5)
    assert redis.command("GET", "north-mcp:request-state-key") == key
    assert "request-state key" not in "\n".join(r.stderr() for r in [one])



RESUMABLE = "2025-11-25"  # the revision with resumable streams


def initialize_resumable(replica):
    status, headers, body = replica.request("POST", {
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": RESUMABLE, "capabilities": {},
                   "clientInfo": {"name": "replica-test", "version": "1"}}})
    assert status == 200, body
    return headers["Mcp-Session-Id"]


def progress_stream(replica, session):
    """A call that reports progress, read to its end: the stream and the
    indexes of its progress messages."""
    stream = Stream(replica, "POST", {"jsonrpc": "2.0", "id": 7, "method": "tools/call",
                                      "params": {"name": "test_tool_with_progress", "arguments": {},
                                                 "_meta": {"progressToken": "p"}}},
                    session=session, headers={"MCP-Protocol-Version": RESUMABLE})
    try:
        assert stream.wait_for(lambda m: m.get("id") == 7), stream.messages
        assert stream.ended.wait(20)
    finally:
        stream.close()
    progress = [i for i, m in enumerate(stream.messages) if m.get("method") == "notifications/progress"]
    assert len(progress) >= 2 and all(stream.ids), (stream.ids, stream.messages)
    return stream, progress


def redis_memory_peak(redis):
    info = redis.command("INFO", "memory")
    return int(next(line for line in info.splitlines() if line.startswith("used_memory_peak:")).split(":")[1])


def resume_after_first_progress(replica, session, stream, progress):
    """GET with the id of the first progress event of @stream: the rest of
    it comes back, with its ids."""
    resumed = Stream(replica, session=session, protocol=RESUMABLE,
                     headers={"Last-Event-ID": stream.ids[progress[0]], "MCP-Protocol-Version": RESUMABLE})
    try:
        assert resumed.status == 200
        assert resumed.ended.wait(20)
    finally:
        resumed.close()
    assert resumed.messages == stream.messages[progress[0] + 1:]
    assert resumed.ids == stream.ids[progress[0] + 1:]


def request_state_call(replica, rid, state=None):
    """tools/call of the conformance server's request-state tool (revision
    2026-07-28): the first round (no state) or the retry with @state."""
    tool = "test_input_required_result_request_state"
    params = {"name": tool, "arguments": {}}
    if state is not None:
        params["requestState"] = state
        params["inputResponses"] = {"confirm": {"action": "accept", "content": {"confirmed": True}}}
    return modern(replica, "tools/call", params, {"elicitation": {}}, name=tool)


def accepts_state_of(issuer, verifier):
    first = request_state_call(issuer, 1)
    assert first["result"]["resultType"] == "input_required", first
    answer = request_state_call(verifier, 2, first["result"]["requestState"])
    return "result" in answer and "state-ok" in answer["result"]["content"][0]["text"]


def wait_until_agreed(pairs, timeout=60):
    deadline = time.monotonic() + timeout
    while not all(accepts_state_of(a, b) for a, b in pairs):
        # Their logs say how far each got with sharing the key.
        assert time.monotonic() < deadline, ("the replicas still sign with different keys",
                                             [replica.stderr()[-4000:] for pair in pairs for replica in pair])
        time.sleep(0.2)


def test_replicas_agree_on_the_request_state_key_after_redis_was_away(replicas, redis):
    """A replica that started while Redis was down, and replicas that run on
    while Redis restarts empty, share the key again once Redis is back: they
    used to keep their own key, so that a requestState one of them issued
    was refused by a replica that started later (\"failed its integrity
    check\")."""
    redis.stop()
    (one,) = replicas(1, "conformance-server")
    deadline = time.monotonic() + 30
    while "Cannot share the request-state key" not in one.stderr():
        assert time.monotonic() < deadline, one.stderr()
        time.sleep(0.1)
    redis.start()
    (two,) = replicas(1, "conformance-server")
    wait_until_agreed([(one, two), (two, one)])

    # Redis restarts without its data; a replica started then stores a key
    # of its own unless the running ones stored theirs again first.
    redis.stop()
    redis.start()
    (three,) = replicas(1, "conformance-server")
    wait_until_agreed([(one, three), (three, two), (two, one)])


def test_a_stream_resumes_on_another_replica_after_its_replica_died(replicas, redis):
    one, two = replicas(2, "conformance-server")
    version = RESUMABLE
    session = initialize_resumable(one)
    headers = {"MCP-Protocol-Version": version}
    stream, progress = progress_stream(one, session)

    # The replica that sent the stream dies; the client resumes after its
    # first progress event on the other one.
    one.kill()
    resume_after_first_progress(two, session, stream, progress)

    # An event id of a stream that never was: nothing to replay.
    empty = Stream(two, session=session, headers={"Last-Event-ID": "12345-1", **headers}, protocol=version)
    try:
        assert empty.status == 200 and empty.ended.wait(20)
    finally:
        empty.close()
    assert empty.messages == []


def call_on_stream(replica, session, id, timeout=20):
    """A tools/call with ID answered on a resumable stream, read to its end:
    the stream."""
    stream = Stream(replica, "POST", {"jsonrpc": "2.0", "id": id, "method": "tools/call",
                                      "params": {"name": "test_simple_text", "arguments": {}}},
                    session=session, protocol=RESUMABLE)
    try:
        assert stream.ended.wait(timeout) and stream.status == 200
    finally:
        stream.close()
    return stream


def wait_for_stored_event(redis, session, text):
    """Events reach the store in the background: waits for the newest of
    SESSION to hold TEXT."""
    deadline = time.monotonic() + 30
    while (text not in str(redis.command("XREVRANGE", f"north-mcp:events:{session}", "+", "-",
                                         "COUNT", "1"))
           and time.monotonic() < deadline):
        time.sleep(0.05)


def test_a_session_keeps_a_bounded_number_of_events_in_the_store(replicas, redis):
    """Many streams of one session stay one store key of at most 256 events
    (one key per stream let a client grow the store with every request)."""
    one, two = replicas(2, "conformance-server")
    version = RESUMABLE
    session = initialize_resumable(one)
    last = None
    for i in range(300):
        last = call_on_stream(one, session, 10 + i)
    wait_for_stored_event(redis, session, '"id":309')
    assert redis.command("XLEN", f"north-mcp:events:{session}") == 256
    assert sorted(redis.command("KEYS", f"north-mcp:events:{session}*")) == [
        f"north-mcp:events:{session}", f"north-mcp:events:{session}:bytes"]

    # The newest stream still replays on the other replica, only its own events.
    stored = [i for i in last.ids if i is not None]
    assert stored, last.ids
    before = stored[0].split("-")[0] + "-1"
    one.kill()
    resumed = Stream(two, session=session, headers={"Last-Event-ID": before}, protocol=version)
    try:
        assert resumed.status == 200 and resumed.ended.wait(20)
    finally:
        resumed.close()
    assert resumed.messages and all(m.get("id") == 309 for m in resumed.messages), resumed.messages



def stored_event_bytes(redis):
    """What the events of every session in the store add up to (each
    stream's size key, which appends keep; a dropped stream's says so)."""
    sizes = [redis.command("GET", k) for k in redis.command("KEYS", "north-mcp:events:*:bytes")]
    return sum(int(size) for size in sizes if size != "dropped"), len(sizes)


def test_the_events_of_all_sessions_together_are_bounded_in_the_store(replicas, redis):
    """Each session keeps at most 16 MiB of events in the store, for an hour
    after its last one, ended or not: nothing bounded them all together, so
    a client that opened session after session (ending each) grew Redis by
    16 MiB a session, up to its maxmemory, where it refuses every replica's
    writes. All sessions' events together stay within 256 MiB, the
    streams appended to least recently going first, and the newest
    session's stream still replays on another replica."""
    one, two = replicas(2, "conformance-server")
    # An answer echoes its request's id: four of 4 MB fill a session's 16 MiB.
    big = "x" * (4 * 1024 * 1024 - 4096)
    for n in range(20):
        session = initialize_resumable(one)
        for i in range(4):
            stream = call_on_stream(one, session, f"{n}-{i}-{big}", 60)
        if n == 0:
            first, first_stream = session, stream
        elif n < 19:
            assert one.request("DELETE", session=session,
                               headers={"MCP-Protocol-Version": RESUMABLE})[0] == 200

    wait_for_stored_event(redis, session, '"id":"19-3-')
    total, streams = stored_event_bytes(redis)
    assert total <= 256 * 1024 * 1024, (total, streams)
    assert redis.command("XLEN", f"north-mcp:events:{session}") >= 3

    # The newest session's last stream replays on the other replica.
    one.kill()
    stored = [i for i in stream.ids if i is not None]
    assert stored, stream.ids
    resumed = Stream(two, session=session, headers={"Last-Event-ID": stored[0].split("-")[0] + "-1"},
                     protocol=RESUMABLE)
    try:
        assert resumed.status == 200 and resumed.ended.wait(20)
    finally:
        resumed.close()
    assert [m.get("id", "")[:5] for m in resumed.messages] == ["19-3-"], resumed.messages[:1]

    # The first session's stream went: its client is told so (400), not
    # given an empty stream as if it had missed nothing.
    stored = [i for i in first_stream.ids if i is not None]
    status, _, body = two.request("GET", session=first, headers={
        "Accept": "text/event-stream", "Last-Event-ID": stored[0].split("-")[0] + "-1",
        "MCP-Protocol-Version": RESUMABLE})
    assert status == 400 and "no longer available" in body, (status, body[:300])


def test_a_large_backlog_replays_what_fits_and_keeps_the_store_connection(replicas, redis):
    """A session whose stored events add up to more than a replay reads (large
    results of earlier requests): resuming its newest stream on another
    replica still works, resuming behind the backlog is refused with 400, and
    the replica's Redis connection (shared by every client) stays up. The
    whole backlog in one reply used to exceed max-reply-size: the replica
    dropped its connection, failing every client's command in flight, and
    answered 503 to every retry."""
    one, two = replicas(2, "conformance-server")
    version = RESUMABLE
    session = initialize_resumable(one)
    headers = {"MCP-Protocol-Version": version}
    # The backlog: 24 events of 4 MiB of an earlier stream (what large tool
    # results leave), written as a replica writes them: "STREAM NUMBER DATA".
    big = json.dumps({"jsonrpc": "2.0", "id": 5, "result": {
        "content": [{"type": "text", "text": "x" * (4 * 1024 * 1024)}]}})
    for number in range(1, 25):
        redis.command("XADD", f"north-mcp:events:{session}", "*", "d", f"7 {number} {big}")
    stream, progress = progress_stream(one, session)
    one.kill()
    peak = redis_memory_peak(redis)

    for _ in range(3):
        resume_after_first_progress(two, session, stream, progress)

    # Behind the backlog: what the client missed is more than a replay reads.
    status, _, body = two.request("GET", session=session,
                                  headers={"Accept": "text/event-stream", "Last-Event-ID": "7-1", **headers})
    assert status == 400, body
    assert "no longer available" in body
    assert call(two, session, "ping", headers=headers)[0] == 200
    assert "max-reply-size" not in two.stderr() and "is down" not in two.stderr(), two.stderr()
    # Redis read about what a replay returns (16 MiB), not the whole
    # backlog (96 MiB) each time.
    assert redis_memory_peak(redis) - peak < 48 * 1024 * 1024


def test_replays_count_among_the_bytes_held_for_clients(replicas, redis):
    """What a resuming client missed is held until it reads it: a replay
    counts in max-held-body-bytes like a request body. One that would pass
    the budget is refused with 503 and Retry-After (not loaded for every
    slow client resuming at once); the budget is given back once a replay
    is sent, and the replica goes on serving."""
    one, = replicas(1, "conformance-server")
    two, = replicas(1, "conformance-server", "--max-held-body-bytes", "1000000")
    headers = {"MCP-Protocol-Version": RESUMABLE}
    session = initialize_resumable(one)
    # Stream 7 of the session, as a replica writes it: 3 events of 600 kB.
    big = json.dumps({"jsonrpc": "2.0", "method": "notifications/message", "params": {
        "level": "info", "data": "x" * 600000}})
    for number in range(1, 4):
        redis.command("XADD", f"north-mcp:events:{session}", "*", "d", f"7 {number} {big}")

    def resume(replica, after):
        return replica.request("GET", session=session,
                               headers={"Accept": "text/event-stream", "Last-Event-ID": after, **headers})

    status, answer_headers, body = resume(two, "7-0")
    assert status == 503, (status, body[:200])
    assert answer_headers.get("Retry-After"), answer_headers
    assert "Server busy" in body, body[:200]

    # One event fits, again and again: nothing of the refused replay, nor of
    # the sent ones, stays counted.
    for _ in range(3):
        status, _, body = resume(two, "7-2")
        assert status == 200, body[:200]
        assert [m["params"]["data"] == "x" * 600000 for m in messages(body)] == [True]
    assert call(two, session, "ping", headers=headers)[0] == 200

    # A replica with the default budget replays all three.
    status, _, body = resume(one, "7-0")
    assert status == 200 and len(messages(body)) == 3, (status, body[:200])


TASKS = {"extensions": {"io.modelcontextprotocol/tasks": {}}}


def modern(replica, method, params, capabilities, name=None):
    """One request of the 2026-07-28 revision (no session)."""
    params = dict(params)
    params["_meta"] = {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                       "io.modelcontextprotocol/clientCapabilities": capabilities}
    headers = {"Accept": "application/json", "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": method}
    if name is not None:
        headers["Mcp-Name"] = name
    status, _, body = replica.request("POST", {"jsonrpc": "2.0", "id": 1, "method": method, "params": params},
                                      headers=headers)
    return json.loads(body)


def poll_task(replicas, task_id, capabilities, waiting=("working",), timeout=60):
    """Polls tasks/get, round robin over @replicas, until the task's status
    is not one of @waiting (generous: only that it still answers)."""
    deadline = time.monotonic() + timeout
    while True:
        replica = replicas[int(time.monotonic() * 10) % len(replicas)]
        task = modern(replica, "tasks/get", {"taskId": task_id}, capabilities, task_id)["result"]
        if task["status"] not in waiting:
            return task
        assert time.monotonic() < deadline, task
        time.sleep(0.05)


def test_tasks_created_on_one_replica_are_polled_and_cancelled_on_others(replicas, redis):
    one, two, three = replicas(3, "server-with-tasks")
    created = modern(one, "tools/call", {"name": "generate_report",
                                         "arguments": {"topic": "tides", "steps": 3}}, TASKS,
                     "generate_report")["result"]
    assert created["resultType"] == "task" and created["status"] == "working", created
    task_id = created["taskId"]

    task = poll_task((two, three), task_id, TASKS)
    assert task["status"] == "completed", task
    assert [c["text"] for c in task["result"]["content"]] == ["Report on tides: 3 steps"]

    # Cancelled through another replica: final there, and the handler stops
    # on the replica that runs it (its record no longer changes).
    long_task = modern(one, "tools/call", {"name": "generate_report",
                                           "arguments": {"topic": "ocean", "steps": 10000}}, TASKS,
                       "generate_report")["result"]["taskId"]
    ack = modern(two, "tasks/cancel", {"taskId": long_task}, TASKS, long_task)
    assert "error" not in ack, ack
    for replica in (three, one, two):
        assert modern(replica, "tasks/get", {"taskId": long_task}, TASKS,
                      long_task)["result"]["status"] == "cancelled"
    time.sleep(0.5)
    running = redis.command("GET", f"north-mcp:task:{long_task}")
    time.sleep(1.0)
    assert redis.command("GET", f"north-mcp:task:{long_task}") == running

    # Unknown, and ids that are not ours: -32602, as on one server.
    for bad in ("nope", "../x y", "x" * 300):
        answer = modern(three, "tasks/get", {"taskId": bad}, TASKS, bad)
        assert answer.get("error", {}).get("code") == -32602, answer


def test_cancels_of_tasks_the_store_does_not_know_stay_on_their_replica(replicas, redis):
    """tasks/cancel of an id that is no task of the caller's is answered
    -32602 and not sent to every replica (each cancel of a made-up id was
    published to all of them); a real one still is."""
    one, two = replicas(2, "server-with-tasks")
    listener = socket.create_connection(("127.0.0.1", redis.port), timeout=20)
    received = b""

    def receive_until(text):
        nonlocal received
        deadline = time.monotonic() + 20
        while text not in received and time.monotonic() < deadline:
            received += listener.recv(65536)
        assert text in received, received

    try:
        listener.sendall(b"SUBSCRIBE north-mcp:task-cancel\r\n")
        receive_until(b"north-mcp:task-cancel")
        for bad in ("nope", "made-up-task-id"):
            answer = modern(two, "tasks/cancel", {"taskId": bad}, TASKS, bad)
            assert answer.get("error", {}).get("code") == -32602, answer
        task_id = modern(one, "tools/call", {"name": "generate_report",
                                             "arguments": {"topic": "ocean", "steps": 10000}}, TASKS,
                         "generate_report")["result"]["taskId"]
        assert "error" not in modern(two, "tasks/cancel", {"taskId": task_id}, TASKS, task_id)
        receive_until(task_id.encode())
        assert b"nope" not in received and b"made-up-task-id" not in received, received
    finally:
        listener.close()


def test_malformed_task_messages_from_the_store_are_ignored(replicas, redis):
    """What arrives on the task channels comes from the store, not from us:
    messages without an owner, with someone else's owner, too long, with
    answers that are no JSON object, or acknowledging what was never sent
    change nothing, and the channels still work afterwards."""
    (one,) = replicas(1, "server-with-tasks")
    task_id = modern(one, "tools/call", {"name": "generate_report",
                                         "arguments": {"topic": "reefs", "steps": 10000}}, TASKS,
                     "generate_report")["result"]["taskId"]
    cancels = ["", " ", task_id, f"someone-else {task_id}", f" {task_id}", "x" * 5000 + " " + task_id,
               f"someone-else {task_id}\0"]
    # An update is "TOKEN OWNER TASKID\nANSWERS"; the task's owner is the
    # anonymous one (a digest of zeros), so these reach its answers.
    token, owner = "5" * 32, "0" * 64
    updates = ["", "\n{}", f"someone-else {task_id}", f"someone-else {task_id}\n{{}}",
               f"a {task_id}\nnot json", f"{token} someone-else {task_id}\n{{}}",
               f"{token} {owner} {task_id}\nnot json", f"{token} {owner} {task_id}\n[1, 2]",
               f"{token} {owner} {task_id}\n" + "[" * 100000, f"{token} {owner} {task_id}\n",
               "y" * 5000 + f" {owner} {task_id}\nnot json", "y" * 33 + f" {owner} {task_id}\nnot json"]
    # The third line, the North context of the relayed request: names and
    # values alternating in an array of strings, nothing else.
    updates += [f"{token} {owner} {task_id}\n{{}}\n" + context
                for context in ("", "not json", "{}", "[\"a\"]", "[1, 2]", "[\"a\", null]", "[[\"a\", \"b\"]]",
                                "[" * 100000, "[\"a\", \"b\"]\nmore", "\"a\"")]
    # Acknowledgments of updates this replica never relayed.
    acks = ["", token, "z" * 5000, token + "\0"]
    for message in cancels:
        assert redis.command("PUBLISH", "north-mcp:task-cancel", message) == 1
    for message in updates:
        assert redis.command("PUBLISH", "north-mcp:task-update", message) == 1
    for message in acks:
        assert redis.command("PUBLISH", "north-mcp:task-update-ack", message) == 1
    time.sleep(0.5)  # delivered to the replica meanwhile (a wait, not a limit)
    task = modern(one, "tasks/get", {"taskId": task_id}, TASKS, task_id)["result"]
    assert task["status"] == "working", task
    # A real cancel still goes through.
    assert "error" not in modern(one, "tasks/cancel", {"taskId": task_id}, TASKS, task_id)
    assert poll_task((one,), task_id, TASKS)["status"] == "cancelled"


def test_a_task_waiting_for_input_takes_answers_through_another_replica(replicas, redis):
    """tasks/update may reach any replica, the handler runs on the one that
    created the task: the answers are relayed to it. They used to be
    acknowledged and dropped, and the task waited for input forever."""
    one, two = replicas(2, "conformance-server")
    capabilities = {"elicitation": {}, **TASKS}
    created = modern(one, "tools/call", {"name": "confirm_delete", "arguments": {"filename": "notes.txt"}},
                     capabilities, "confirm_delete")["result"]
    assert created["resultType"] == "task", created
    task_id = created["taskId"]

    task = poll_task((two,), task_id, capabilities)
    assert task["status"] == "input_required", task
    assert list(task["inputRequests"]) == ["confirm"], task

    ack = modern(two, "tasks/update", {"taskId": task_id, "inputResponses": {
        "confirm": {"action": "accept", "content": {"confirm": True}}}}, capabilities, task_id)
    assert ack["result"]["resultType"] == "complete" and "status" not in ack["result"], ack

    task = poll_task((one, two), task_id, capabilities, waiting=("working", "input_required"))
    assert task["status"] == "completed", task
    assert [c["text"] for c in task["result"]["content"]] == ["Deleted notes.txt"], task

    # An update of a task that ended is acknowledged and changes nothing.
    ack = modern(one, "tasks/update", {"taskId": task_id, "inputResponses": {}}, capabilities, task_id)
    assert ack["result"]["resultType"] == "complete" and "status" not in ack["result"], ack
    assert modern(two, "tasks/get", {"taskId": task_id}, capabilities, task_id)["result"]["status"] == "completed"


def test_max_sessions_counts_the_copies_of_each_replica(replicas):
    (one,) = replicas(1)
    (two,) = replicas(1, "server-with-resources", "--max-sessions", "1")
    first, second = initialize(one), initialize(one)
    assert call(two, first, "ping")[0] == 200
    status, headers, body = call(two, second, "ping")
    assert status == 503, body
    assert headers["Retry-After"] == "30"
    assert json.loads(body)["error"]["code"] == -32000
    # The other replica is not bound by it.
    assert call(one, second, "ping")[0] == 200


def test_a_session_ended_for_its_identity_limit_ends_on_every_replica(replicas, redis):
    (one,) = replicas(1, "server-with-auth", "--max-sessions-per-identity", "1")
    (two,) = replicas(1, "server-with-auth")
    alice = {"Authorization": "Bearer " + create_bearer_token("alice@example.com")}
    first = initialize(one, headers=alice)
    assert call(two, first, "ping", headers=alice)[0] == 200
    # Alice's second session on replica one ends her first (idle) one:
    # its record goes too, so no replica brings it back.
    second = initialize(one, headers=alice)
    assert call(one, first, "ping", headers=alice)[0] == 404
    deadline = time.monotonic() + 30
    while redis.command("EXISTS", f"north-mcp:session:{first}") != 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert redis.command("EXISTS", f"north-mcp:session:{first}") == 0
    status, _, body = call(two, first, "ping", headers=alice)
    assert status == 404, body
    assert call(two, second, "ping", headers=alice)[0] == 200


def refused_for_identity(replica, headers):
    status, headers_out, body = replica.request("POST", INITIALIZE, headers=headers)
    assert status == 429, body
    assert headers_out["Retry-After"] == "30"
    assert "Mcp-Session-Id" not in headers_out
    assert "too many sessions" in json.loads(body)["error"]["message"]


def identity_counters(redis):
    return redis.command("KEYS", "north-mcp:sessions-of:*")


def test_the_identity_limit_counts_the_sessions_of_every_replica(replicas, redis):
    """max-sessions-per-identity counted the sessions of each replica: N
    replicas granted an identity N times its limit. The store counts them
    now, across replicas and their restarts; DELETE gives the place back."""
    args = ("server-with-auth", "--max-sessions-per-identity", "2")
    one, two = replicas(2, *args)
    alice = {"Authorization": "Bearer " + create_bearer_token("alice@example.com")}
    bob = {"Authorization": "Bearer " + create_bearer_token("bob@example.com")}
    first = initialize(one, headers=alice)
    second = initialize(two, headers=alice)
    # Granted once, not once per replica; neither replica held two of hers.
    for replica in (one, two):
        refused_for_identity(replica, alice)
    assert redis.command("KEYS", "north-mcp:session:*").__len__() == 2
    # Nobody else is touched.
    initialize(one, headers=bob)
    (counter,) = [key for key in identity_counters(redis)
                  if redis.command("ZSCORE", key, first) is not None]
    assert redis.command("ZCARD", counter) == 2
    assert "alice" not in counter

    # A restarted replica still counts them.
    assert one.stop() == 0
    (one,) = replicas(1, *args)
    refused_for_identity(one, alice)
    assert call(one, first, "ping", headers=alice)[0] == 200

    # Ended by DELETE (on a replica that did not create it): its place is free.
    status, _, body = one.request("DELETE", session=second, headers=alice)
    assert status == 200, body
    assert redis.command("ZSCORE", counter, second) is None
    third = initialize(two, headers=alice)
    refused_for_identity(one, alice)
    for session in (first, third):
        assert call(one, session, "ping", headers=alice)[0] == 200


def test_a_session_in_use_keeps_its_place_until_it_expires(replicas, redis):
    """A session counts as long as its record lives: each use moves both;
    left alone, both expire and the place is free."""
    args = ("server-with-auth", "--max-sessions-per-identity", "1", "--session-timeout", "2")
    one, two = replicas(2, *args)
    alice = {"Authorization": "Bearer " + create_bearer_token("alice@example.com")}
    session = initialize(one, headers=alice)
    deadline = time.monotonic() + 3.5
    while time.monotonic() < deadline:
        assert call(one, session, "ping", headers=alice)[0] == 200
        time.sleep(0.3)
    # Past its first two seconds, still counted (two never held it).
    refused_for_identity(two, alice)
    deadline = time.monotonic() + 20
    while redis.command("EXISTS", f"north-mcp:session:{session}") == 1:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    initialize(two, headers=alice)


BUSY_LUA = ("local function us() local t = redis.call('TIME') return t[1] * 1000000 + t[2] end "
            "local start = us() while us() - start < tonumber(ARGV[1]) do end return 1")


def test_a_save_that_timed_out_gives_its_place_back(replicas, redis):
    """A new session whose counted SET Redis ran after the server had
    given up on it (503, the session closed here): the record and its
    place among the identity's sessions stayed for the whole session
    timeout, and the identity, retrying as told, was refused (429) until
    then. Now a failed save deletes what it may have stored."""
    (one,) = replicas(1, "server-with-auth", "--max-sessions-per-identity", "1")
    alice = {"Authorization": "Bearer " + create_bearer_token("alice@example.com")}
    # Redis is busy past the command timeout (2 s; under 5 s, when it would
    # answer BUSY); it runs the counted SET it has read after that.
    busy = threading.Thread(target=redis.command, args=("EVAL", BUSY_LUA, "0", "4300000"))
    busy.start()
    time.sleep(0.2)
    status, headers_out, body = one.request("POST", INITIALIZE, headers=alice)
    busy.join()
    assert status == 503, body
    assert "Mcp-Session-Id" not in headers_out
    deadline = time.monotonic() + 10
    while True:
        status, headers_out, body = one.request("POST", INITIALIZE, headers=alice)
        if status == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert status == 200, body
    (record,) = redis.command("KEYS", "north-mcp:session:*")
    assert record == f"north-mcp:session:{headers_out['Mcp-Session-Id']}"


def test_anonymous_sessions_are_not_counted_in_the_store(replicas, redis):
    one, two = replicas(2, "server-with-resources", "--max-sessions-per-identity", "1")
    for replica in (one, two, one):
        initialize(replica)
    assert identity_counters(redis) == []


def test_subscriptions_a_replica_cannot_keep_leave_the_record(replicas, redis):
    """A restore on a replica whose max-subscription-bytes is spent drops
    subscriptions of the record: they left the session there silently,
    and the record (what every other replica serves) still listed them.
    Now the record is rewritten without them, every replica reloads it,
    and a warning says so, without the URIs."""
    # Replica one says in a debug line when it reloads a record.
    (one,) = replicas(1, env={"G_MESSAGES_DEBUG": "NorthMcp"})
    # Room for one watched URI (twice its length and 288 bytes) and not two.
    (two,) = replicas(1, "server-with-resources", "--max-subscription-bytes", "400")
    session = initialize(one)
    uris = ["notes://a", "notes://b", "notes://c"]
    for uri in uris:
        assert call(one, session, "resources/subscribe", {"uri": uri})[0] == 200
    key = f"north-mcp:session:{session}"
    # The record is written after each answer (a reload of one's own
    # change in between must not undo the next: test-session-records.c).
    deadline = time.monotonic() + 20
    while sorted(json.loads(redis.command("GET", key))["subscriptions"]) != uris:
        assert time.monotonic() < deadline, redis.command("GET", key)
        time.sleep(0.05)

    assert call(two, session, "ping")[0] == 200
    deadline = time.monotonic() + 20
    while len(json.loads(redis.command("GET", key))["subscriptions"]) != 1:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    (kept,) = json.loads(redis.command("GET", key))["subscriptions"]
    warnings = [line for line in two.stderr().splitlines() if "lost 2 resource subscriptions" in line]
    assert len(warnings) == 1, two.stderr()
    assert "notes://" not in warnings[0] and session not in warnings[0]

    # Replica one reloads the record: after its own three changes and
    # two's, and a change there then lists at most one of the three it had
    # (without the reload it writes all three back).
    def reloads():
        return sum(session[:8] in line and "reloaded" in line for line in one.stderr().splitlines())

    deadline = time.monotonic() + 20
    while reloads() < 4:
        assert time.monotonic() < deadline, one.stderr()
        time.sleep(0.05)
    # Which one, if any, may change: a change one published before two
    # restored the session can reach two after, and two, with room for one
    # URI, then drops from the record again in the order one wrote it.
    assert call(one, session, "resources/subscribe", {"uri": "notes://d"})[0] == 200
    listed = json.loads(redis.command("GET", key))["subscriptions"]
    others = [uri for uri in listed if uri != "notes://d"]
    assert listed and len(others) <= 1, listed
    assert set(others) <= set(uris), listed


def test_changes_through_alternating_replicas_are_all_kept(replicas, redis):
    """A client whose requests alternate between replicas (a round-robin
    balancer) subscribes, and sets its log level, one request after the
    other. Each change is made on the record as stored and answered once
    stored: a replica whose copy had not yet heard of the change before
    wrote the record back without it."""
    one, two = replicas(2, "server-with-resources")
    session = initialize(one)
    key = f"north-mcp:session:{session}"
    uris = [f"notes://{i}" for i in range(12)]
    for i, uri in enumerate(uris):
        status, _, body = call((one, two)[i % 2], session, "resources/subscribe", {"uri": uri})
        assert status == 200, body
        # What the answer confirms is in the record already.
        assert uri in json.loads(redis.command("GET", key))["subscriptions"]
    assert sorted(json.loads(redis.command("GET", key))["subscriptions"]) == sorted(uris)
    status, _, body = call(two, session, "logging/setLevel", {"level": "error"})
    assert status == 200, body
    status, _, body = call(one, session, "resources/unsubscribe", {"uri": uris[0]})
    assert status == 200, body
    record = json.loads(redis.command("GET", key))
    assert record.get("logLevel") == "error", record
    assert sorted(record["subscriptions"]) == sorted(uris[1:]), record


def test_stateful_workers_share_sessions_through_the_store(replicas):
    (server,) = replicas(1, "server-with-resources", "--workers", "2")
    session = initialize(server)
    # Each request on a new connection: the kernel spreads them over both
    # processes, and every one knows the session.
    for i in range(20):
        status, _, body = call(server, session, "tools/list", id=10 + i)
        assert status == 200, body


def test_listen_streams_of_the_2026_revision_hear_every_replica(replicas):
    one, two = replicas(2, "conformance-server")
    params = {"notifications": {"toolsListChanged": True},
              "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                        "io.modelcontextprotocol/clientCapabilities": {}}}
    listen = Stream(two, "POST", {"jsonrpc": "2.0", "id": 5, "method": "subscriptions/listen",
                                  "params": params},
                    headers={"MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "subscriptions/listen"})
    changed = lambda m: m.get("method") == "notifications/tools/list_changed"  # noqa: E731
    try:
        assert listen.status == 200
        assert listen.wait_for(lambda m: m.get("method") == "notifications/subscriptions/acknowledged")
        session = initialize(one)
        deadline = time.monotonic() + 20
        while not listen.wait_for(changed, timeout=0.3):
            assert time.monotonic() < deadline, listen.messages
            status, _, body = call(one, session, "tools/call", {"name": "test_trigger_tool_change",
                                                                "arguments": {}})
            assert status == 200, body
    finally:
        listen.close()


def store_events(redis, session, stream, numbers, size):
    """Events of STREAM, numbered NUMBERS, of about SIZE bytes each, as a
    replica writes them: "STREAM NUMBER DATA"."""
    message = json.dumps({"jsonrpc": "2.0", "method": "notifications/message", "params": {
        "level": "info", "data": "x" * size}})
    for number in numbers:
        redis.command("XADD", f"north-mcp:events:{session}", "*", "d", f"{stream} {number} {message}")


def resume_at_once(replica, session, last_event_id, count=16, addresses=False):
    """COUNT clients resuming at once with LAST_EVENT_ID (with ADDRESSES,
    each from an address of its own, 127.0.0.2 on: a share of its own):
    their answers."""
    answers = []

    def resume(source):
        answers.append(replica.request("GET", session=session, source=source, headers={
            "Accept": "text/event-stream", "Last-Event-ID": last_event_id, "MCP-Protocol-Version": RESUMABLE}))

    threads = [threading.Thread(target=resume, args=(f"127.0.0.{2 + i}" if addresses else None,))
               for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_concurrent_replays_read_only_their_streams_events(replicas, redis):
    """Clients resuming at once (many reconnecting with Last-Event-ID after a
    replica went away) each make the store read what their replay needs: the
    events of their own stream after their id, not every event of the
    session. Before, each replay read the session's newest 16 MiB and left
    the filtering by stream to the replica: 16 clients resuming a stream
    that had missed nothing, beside a 16 MB stream of the same session, made
    Redis send 256 MiB, queued at once in its output buffer."""
    one, = replicas(1, "conformance-server")
    two, = replicas(1, "conformance-server")
    session = initialize_resumable(one)
    store_events(redis, session, 7, range(1, 5), 4 * 1024 * 1024 - 1024)
    store_events(redis, session, 8, [5], 5)
    peak = redis_memory_peak(redis)

    answers = resume_at_once(two, session, "8-5")
    assert [status for status, _, _ in answers] == [200] * 16, [a[2][:200] for a in answers]
    assert all(messages(body) == [] for _, _, body in answers)
    grown = redis_memory_peak(redis) - peak
    assert grown < 16 * 1024 * 1024, f"Redis's memory peaked {grown} bytes higher"


def test_concurrent_replays_are_bounded_before_the_store_is_asked(replicas, redis):
    """Replays in flight count among the bytes held for clients
    (max-held-body-bytes) from before the store is asked, for as much as
    they may read, and then for what they send: clients resuming a 16 MB
    stream at once get 503 with Retry-After past the budget (each from an
    address of its own: one client's replays fit in its share of it), and
    neither Redis nor the replica holds more for them. Before, every replay was
    read first and refused after: 16 clients made Redis queue 16 replies
    of 16 MB, and the replica dropped its Redis connection (503, "the
    session store cannot be reached", for every client)."""
    one, = replicas(1, "conformance-server")
    two, = replicas(1, "conformance-server")
    session = initialize_resumable(one)
    store_events(redis, session, 7, range(1, 5), 4 * 1024 * 1024 - 1024)
    peak = redis_memory_peak(redis)

    answers = resume_at_once(two, session, "7-0", addresses=True)
    statuses = sorted(status for status, _, _ in answers)
    assert set(statuses) <= {200, 503} and 200 in statuses, statuses
    for status, answer_headers, body in answers:
        if status == 200:
            assert len(messages(body)) == 4
        else:
            assert answer_headers.get("Retry-After") and "Server busy" in body, body[:200]
    grown = redis_memory_peak(redis) - peak
    assert grown < 80 * 1024 * 1024, f"Redis's memory peaked {grown} bytes higher"
    # Nothing stays counted: one replay of it fits again.
    status, _, body = resume_at_once(two, session, "7-0", 1)[0]
    assert status == 200 and len(messages(body)) == 4, (status, body[:200])


def unread_replay(replica, session, last_event_id):
    """A client that resumes a stream and reads nothing (a receive buffer of
    a few KiB): its socket, once the answer's head has come."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", replica.port))
    sock.sendall((f"GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
                  f"Mcp-Session-Id: {session}\r\nMCP-Protocol-Version: {RESUMABLE}\r\n"
                  f"Last-Event-ID: {last_event_id}\r\n\r\n").encode())
    sock.settimeout(30)
    assert sock.recv(12, socket.MSG_PEEK).startswith(b"HTTP/1.1 "), "no answer"
    return sock


def test_replays_their_client_does_not_read_count_in_its_share(replicas, redis):
    """What replays hold until their client has read them counts in that
    client's share of the bytes held (its address's, its identity's), as
    its bodies do, and a replay reads at most that share. In none, one
    client that resumed a large stream on several connections and read
    nothing held the budget (max-held-body-bytes) of them all, as long as
    it acknowledged a byte now and then: another client's replay was
    refused with 503 (and, its replays filling the budget, every request
    with a body)."""
    one, = replicas(1, "conformance-server")
    two, = replicas(1, "conformance-server", "--max-held-body-bytes", "32000000")
    # A share is a quarter of 32 MB: 8 MB. The client's stream: 7.4 MB.
    session = initialize_resumable(one)
    store_events(redis, session, 8, range(1, 3), 3700 * 1000)
    # Another client's: 2 MB, more than a replay's first read (1 MiB).
    other = initialize_resumable(one)
    store_events(redis, other, 9, range(1, 3), 1000 * 1000)

    held = [unread_replay(two, session, "8-0")]
    try:
        for _ in range(2):
            held.append(unread_replay(two, session, "8-0"))

        # The other client (127.0.0.2) gets its events.
        status, _, body = two.request("GET", session=other, source="127.0.0.2", headers={
            "Accept": "text/event-stream", "Last-Event-ID": "9-0", "MCP-Protocol-Version": RESUMABLE})
        assert status == 200 and len(messages(body)) == 2, (status, body[:300])
        # The first client's next replays did not fit its share.
        assert [sock.recv(12, socket.MSG_PEEK) for sock in held[1:]] == [b"HTTP/1.1 503"] * 2
    finally:
        for sock in held:
            sock.close()
