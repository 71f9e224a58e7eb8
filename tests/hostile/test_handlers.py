"""Handlers that never return: how many requests in progress one client,
and all clients together, can make the server run at once
(--max-requests-in-progress-per-client, --max-requests-in-progress).

Each call below goes to flood-server's tool `hang`, whose handler keeps its
context and never answers; its client hangs up at once (in --stateless mode
that cancels the request, which counts until its handler returns: never).
Before the bounds, only the bytes of such requests were bounded: one client
address ran about 30,000 of them (its quarter of the 64 MiB of
--max-held-body-bytes; some 80 MB of the server's memory), all clients
together about 120,000."""

import json
import re
import select
import socket

from hostile import (FLOOD_SERVER, MCP_HEADERS, Server, empty_objects_call, initialize_message, receive_until,
                     rss_kib, status_kib, wait_until)
from test_connections import batch_flood_server, legacy_session, next_message, small_env
from test_sessions import SECRET, id_token, x_north

HANG = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                   "params": {"name": "hang", "arguments": {}}}).encode()


def request_bytes(body, version="2025-06-18", credentials=None):
    headers = {**MCP_HEADERS, "MCP-Protocol-Version": version, **(credentials or {})}
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return (f"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n{head}Content-Length: {len(body)}\r\n\r\n").encode() + body


def hang_up_calls(port, source, count, body=HANG, version="2025-06-18", credentials=None):
    """COUNT posts of BODY (a call of `hang`) from SOURCE, each on a
    connection closed once it is sent."""
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), source_address=(source, 0))
        sock.sendall(request_bytes(body, version, credentials))
        sock.close()


def call(port, source, body=HANG, timeout=1.0, version="2025-06-18", credentials=None):
    """BODY posted from SOURCE: the start of its answer, or None when none
    came within TIMEOUT (a call in progress, kept)."""
    sock = socket.create_connection(("127.0.0.1", port), source_address=(source, 0))
    sock.sendall(request_bytes(body, version, credentials))
    sock.settimeout(timeout)
    try:
        data = b""
        while b"\r\n\r\n" not in data or len(data) < 600:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
        return data
    except socket.timeout:
        return data or None
    finally:
        sock.close()


def refused(port, source, **kwargs):
    answer = call(port, source, **kwargs)
    return answer is not None and answer.startswith(b"HTTP/1.1 503")


def assert_busy(answer, reason):
    """ANSWER is a refusal for REASON, to try again later."""
    assert answer.startswith(b"HTTP/1.1 503"), answer
    assert b"Retry-After: 1" in answer
    assert reason in answer, answer


def blob(port, source, credentials=None):
    """A call answered at once, on a connection closed after its answer."""
    body = json.dumps({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                       "params": {"name": "blob", "arguments": {"size": 3}}}).encode()
    return call(port, source, body, timeout=30, credentials={**(credentials or {}), "Connection": "close"})


def stop_running(server):
    """Stops SERVER: the calls still running then, from its log."""
    assert server.stop() == 0, server.stderr()[-3000:]
    m = re.search(r"(\d+) requests still ran after the shutdown timeout", server.stderr())
    return int(m.group(1)) if m else 0


def test_one_client_address_runs_a_bounded_number_of_requests():
    # 256 requests in progress per client address by default. Before, one
    # address ran about 30,000 calls that never return.
    server = Server("--stateless", "--shutdown-timeout", "1", program=FLOOD_SERVER)
    try:
        hang_up_calls(server.port, "127.0.0.1", 300)
        assert wait_until(lambda: refused(server.port, "127.0.0.1"), timeout=60)
        answer = call(server.port, "127.0.0.1")
        assert_busy(answer, b"256 requests in progress for one client address (")
        body = json.loads(answer.split(b"\r\n\r\n", 1)[1])
        assert body["error"]["code"] == -32600
        assert body["id"] is None

        # Another address is still served, and the health check too.
        answer = blob(server.port, "127.0.0.2")
        assert answer.startswith(b"HTTP/1.1 200"), answer
        assert server.health()
        assert stop_running(server) == 256, server.stderr()[-3000:]
    finally:
        server.stop()


def test_all_clients_run_a_bounded_number_of_requests():
    # 4096 requests in progress in all by default: sixteen addresses fill
    # it; the seventeenth is refused, saying so. Before, all clients
    # together ran about 120,000.
    server = Server("--stateless", "--shutdown-timeout", "1", program=FLOOD_SERVER)
    try:
        for i in range(1, 17):
            hang_up_calls(server.port, f"127.0.0.{i}", 256)
        assert wait_until(lambda: refused(server.port, "127.0.0.17"), timeout=120)
        answer = call(server.port, "127.0.0.18")
        assert_busy(answer, b"4096 requests in progress")
        assert b"one client" not in answer, answer
        # Requests that hold no body are still answered.
        assert server.health()
        assert stop_running(server) == 4096, server.stderr()[-3000:]
    finally:
        server.stop()


def test_the_bounds_are_configurable():
    server = Server("--stateless", "--shutdown-timeout", "1", "--max-requests-in-progress", "6",
                    "--max-requests-in-progress-per-client", "4", program=FLOOD_SERVER)
    try:
        hang_up_calls(server.port, "127.0.0.1", 5)
        assert wait_until(lambda: refused(server.port, "127.0.0.1"))
        assert b"4 requests in progress for one client address (" in call(server.port, "127.0.0.1")
        hang_up_calls(server.port, "127.0.0.2", 2)
        assert wait_until(lambda: refused(server.port, "127.0.0.3"))
        assert b"6 requests in progress" in call(server.port, "127.0.0.3")
        assert stop_running(server) == 6, server.stderr()[-3000:]
    finally:
        server.stop()


def test_the_requests_of_a_batch_count_each():
    # A batch (2025-03-26) of 100 calls runs 100 handlers: it counts as
    # 100 requests in progress, and one that would pass the bound is
    # refused whole. Before, a batch counted as one request: one address
    # ran 256 batches, 25,600 calls that never return.
    server = Server("--stateless", "--shutdown-timeout", "1", program=FLOOD_SERVER)
    try:
        batch = json.dumps([{"jsonrpc": "2.0", "id": i, "method": "tools/call",
                             "params": {"name": "hang", "arguments": {}}} for i in range(100)]).encode()
        old = {"body": batch, "version": "2025-03-26"}
        hang_up_calls(server.port, "127.0.0.1", 2, **old)
        assert wait_until(lambda: refused(server.port, "127.0.0.1", **old), timeout=60)
        assert_busy(call(server.port, "127.0.0.1", **old), b"256 requests in progress for one client address (")
        # A single call still fits.
        assert call(server.port, "127.0.0.1") is None
        assert 201 <= stop_running(server) <= 256, server.stderr()[-3000:]
    finally:
        server.stop()


def test_listen_streams_are_not_requests_in_progress():
    # A listen stream (revision 2026-07-28), once read, keeps what
    # --max-subscription-bytes bounds, for as long as its client listens:
    # it leaves the requests in progress, or a client's streams would take
    # all its share.
    server = Server("--stateless", "--shutdown-timeout", "1", "--max-requests-in-progress-per-client", "2",
                    program=FLOOD_SERVER)
    try:
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "subscriptions/listen",
                           "params": {"notifications": {"toolsListChanged": True},
                                      "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                                                "io.modelcontextprotocol/clientCapabilities": {}}}}).encode()
        request = request_bytes(body, "2026-07-28").replace(b"\r\n\r\n", b"\r\nMcp-Method: subscriptions/listen\r\n\r\n", 1)
        streams = []
        for _ in range(3):
            sock = socket.create_connection(("127.0.0.1", server.port))
            sock.sendall(request)
            received = receive_until(sock, b"notifications/subscriptions/acknowledged")
            assert received.startswith(b"HTTP/1.1 200"), received
            streams.append(sock)
        # Two calls still fit in the client's share, the third not.
        assert call(server.port, "127.0.0.1") is None
        assert call(server.port, "127.0.0.1") is None
        assert wait_until(lambda: refused(server.port, "127.0.0.1"))
        for sock in streams:
            sock.close()
        assert stop_running(server) == 2, server.stderr()[-3000:]
    finally:
        server.stop()


def test_a_legacy_batch_counts_each_request():
    # The same over legacy HTTP+SSE (2024-11-05), whose POST /messages/ is
    # answered 202 at once while its requests run on: a batch that would
    # pass the client's share is refused whole, one that fits is served.
    with legacy_session("--max-requests-in-progress-per-client", "2") as (server, events, endpoint):
        post = {"Content-Type": "application/json"}
        init = initialize_message(protocolVersion="2024-11-05")
        assert server.request("POST", endpoint, init, post)[0] == 202
        assert next_message(events)["id"] == 1
        assert server.request("POST", endpoint, {"jsonrpc": "2.0", "method": "notifications/initialized"},
                              post)[0] == 202

        pings = [{"jsonrpc": "2.0", "id": 10 + i, "method": "ping"} for i in range(3)]
        status, headers, body = server.request("POST", endpoint, pings, post)
        assert status == 503, body
        assert headers.get("Retry-After") == "1"
        assert b"2 requests in progress for one client address (" in body, body
        assert server.request("POST", endpoint, pings[:2], post)[0] == 202
        assert sorted(next_message(events)["id"] for _ in range(2)) == [10, 11]


# Two North users (server secret and ID token: each an identity, issuer and
# subject), and credentials that name no one (the secret alone).
ALICE = x_north(id_token(iss="https://idp.example", sub="alice"), {})
BOB = x_north(id_token(iss="https://idp.example", sub="bob"), {})
NO_ONE = {"X-North-Server-Secret": SECRET}
# What a client of NO_ONE is refused for past a share of 2 (the refusal
# says which share was exceeded: an address's, an identity's or this).
NO_ONE_BUSY = b"2 requests in progress for one client address with credentials that name no one ("


def secret_server(per_client):
    """A server requiring the secret, running 6 requests at most, PER_CLIENT
    of them per client."""
    return Server("--stateless", "--shutdown-timeout", "1", "--server-secret", SECRET,
                  "--max-requests-in-progress", "6", "--max-requests-in-progress-per-client", str(per_client),
                  program=FLOOD_SERVER)


def run_until_refused(port, source, credentials, count, reason):
    """COUNT calls that hang from SOURCE with CREDENTIALS: the next is
    refused for REASON: that refusal."""
    hang_up_calls(port, source, count, credentials=credentials)
    assert wait_until(lambda: refused(port, source, credentials=credentials))
    answer = call(port, source, credentials=credentials)
    assert_busy(answer, reason)
    return answer


def test_one_identity_runs_its_share_of_the_requests():
    # Requests whose credentials were accepted count in no address's share
    # (many users may come through one NAT or proxy); each identity has
    # the share of one client. Before, one identity ran all 6 requests:
    # Bob, from the same address, was refused for the total.
    server = secret_server(4)
    try:
        # The refusal says it is an identity's share, not whose.
        answer = run_until_refused(server.port, "127.0.0.1", ALICE, 6, b"4 requests in progress for one identity (")
        assert b"alice" not in answer and b"idp.example" not in answer, answer
        answer = blob(server.port, "127.0.0.1", credentials=BOB)
        assert answer.startswith(b"HTTP/1.1 200"), answer
        # Bob has a share of his own, up to the total.
        run_until_refused(server.port, "127.0.0.1", BOB, 2, b"6 requests in progress")
        assert stop_running(server) == 6, server.stderr()[-3000:]
    finally:
        server.stop()


def test_credentials_naming_no_one_share_their_address():
    # Accepted credentials that name no one (the server secret without an
    # ID token) are no identity: their requests count in a share of their
    # address (apart from that of requests not authenticated, see
    # test_connections.py). Before, they counted in the total only: one
    # address holding the secret ran all 6.
    server = secret_server(2)
    try:
        run_until_refused(server.port, "127.0.0.2", NO_ONE, 6, NO_ONE_BUSY)
        # Other addresses, and identities at that address, are served.
        assert blob(server.port, "127.0.0.3", credentials=NO_ONE).startswith(b"HTTP/1.1 200")
        assert blob(server.port, "127.0.0.2", credentials=ALICE).startswith(b"HTTP/1.1 200")
        assert stop_running(server) == 2, server.stderr()[-3000:]
    finally:
        server.stop()


def test_credentials_naming_no_one_keep_their_share_on_a_kept_connection():
    # A connection keeps its address's share of credentials naming no one
    # for its next requests: the third request on it counts in the share
    # the requests of other connections from that address count in.
    server = secret_server(2)
    try:
        sock = socket.create_connection(("127.0.0.1", server.port), source_address=("127.0.0.2", 0))
        for rid in (2, 3):
            body = json.dumps({"jsonrpc": "2.0", "id": rid, "method": "tools/call",
                               "params": {"name": "blob", "arguments": {"size": 3}}}).encode()
            sock.sendall(request_bytes(body, credentials=NO_ONE))
            assert receive_until(sock, b'"id":%d' % rid).startswith(b"HTTP/1.1 200")
        sock.sendall(request_bytes(HANG, credentials=NO_ONE))
        hang_up_calls(server.port, "127.0.0.2", 1, credentials=NO_ONE)
        assert wait_until(lambda: refused(server.port, "127.0.0.2", credentials=NO_ONE))
        assert_busy(call(server.port, "127.0.0.2", credentials=NO_ONE), NO_ONE_BUSY)
        assert blob(server.port, "127.0.0.3", credentials=NO_ONE).startswith(b"HTTP/1.1 200")
        sock.close()
        assert stop_running(server) == 2, server.stderr()[-3000:]
    finally:
        server.stop()


def fill_held_bodies(port, credentials, uploads):
    """Heads of bodies that never come, from CREDENTIALS, each on a
    connection kept in UPLOADS: as many of 1 MiB as are held, then smaller
    ones down to a byte, until no more bytes fit. The last refusal."""
    refusal = None
    for size in (1 << 20, 1 << 18, 1 << 16, 1 << 14, 1 << 12, 1 << 10, 1 << 8, 1):
        while True:
            sock = socket.create_connection(("127.0.0.1", port))
            sock.sendall(request_bytes(b"", credentials=credentials).replace(
                b"Content-Length: 0", b"Content-Length: %d" % size))
            sock.settimeout(0.5)
            try:
                answer = sock.recv(4096)
            except socket.timeout:
                uploads.append(sock)  # held, waiting for its body
                continue
            sock.close()
            assert answer.startswith(b"HTTP/1.1 503"), answer
            refusal = answer
            break
    return refusal


def test_one_identity_holds_its_share_of_the_bodies():
    # The bodies held have the same share per identity as per address: a
    # quarter of --max-held-body-bytes (at least one body of the largest
    # size and a head). Before, heads announcing bodies that never came,
    # all of one identity, held the whole 16 MiB: Bob was refused.
    with batch_flood_server("--stateless", "--server-secret", SECRET,
                            "--max-held-body-bytes", str(16 << 20)) as (server, uploads):
        refusal = fill_held_bodies(server.port, ALICE, uploads)
        answer = blob(server.port, "127.0.0.1", credentials=BOB)
        assert answer.startswith(b"HTTP/1.1 200"), answer
        assert b"for one identity would pass" in refusal, refusal
        assert b"alice" not in refusal and b"idp.example" not in refusal, refusal


# libsoup 3.2.3 keeps the buffer it read a request head into until the
# answer ends: 128 KiB for a head of 60 kB (here white space, which it
# drops from the value but reads all the same), 114,688 bytes more than a
# usual head's 16 KiB.
PADDED = {"X-Pad": " " * 60000 + "p"}


def test_calls_in_progress_count_the_head_buffer_they_keep():
    # A call whose handler never returns waits for its JSON answer with
    # its head's buffer. It counts among the bodies held, in its client's
    # share (here 5,308,416 bytes, room for one largest body and head: 45
    # such calls, each with its parsed request, 1,891 bytes). Before, it counted its header fields only: all 56 were
    # kept, and
    # with 256 per client and 4,096 in all, ~32 MiB for one client and
    # ~512 MiB for all went uncounted.
    server = Server("--stateless", "--shutdown-timeout", "1", "--max-held-body-bytes", "16000000",
                    program=FLOOD_SERVER)
    socks, refusals = [], {}
    try:
        for _ in range(56):
            sock = socket.create_connection(("127.0.0.1", server.port))
            sock.sendall(request_bytes(HANG, credentials=PADDED))
            socks.append(sock)

        def refused_ones():
            for sock in select.select([s for s in socks if s not in refusals], [], [], 0)[0]:
                refusals[sock] = receive_until(sock, b'again"}}')
            return len(refusals) >= 56 - 45
        assert wait_until(refused_ones, timeout=60), f"{56 - len(refusals)} calls with 60 kB heads were kept"
        assert len(refusals) == 56 - 45, len(refusals)
        for answer in refusals.values():
            assert_busy(answer, b"request bodies it holds for one client address would pass 5308416 bytes")
            assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["error"]["code"] == -32600
        for sock in refusals:
            socks.remove(sock)
            sock.close()

        # Another address, and the health check, are still served; calls
        # answered at once give their head's room back with their answer.
        for _ in range(48):
            answer = blob(server.port, "127.0.0.2", credentials=PADDED)
            assert answer.startswith(b"HTTP/1.1 200"), answer
        assert server.health()

        # The calls go on once their clients leave (never returning), but
        # libsoup lets go of their heads: their room is back.
        for sock in socks:
            sock.close()
        assert wait_until(lambda: blob(server.port, "127.0.0.1", credentials=PADDED).startswith(b"HTTP/1.1 200"))
        assert stop_running(server) == 45, server.stderr()[-3000:]
    finally:
        for sock in socks:
            sock.close()
        server.stop()


def test_a_kept_connection_counts_the_head_buffer_of_its_current_request():
    # libsoup reads each request's head into a buffer of its own, let go
    # of with its answer: a call with a usual head, after a request with a
    # 60 kB head answered on the same connection, keeps 16 KiB. Before, the
    # largest head the connection ever sent counted: of 56 such calls the
    # 10 past the 46 that then fit the share (as above) were refused.
    server = Server("--stateless", "--shutdown-timeout", "1", "--max-held-body-bytes", "16000000",
                    "--max-requests-in-progress-per-client", "56", program=FLOOD_SERVER)
    socks = []
    try:
        for _ in range(56):
            sock = socket.create_connection(("127.0.0.1", server.port))
            socks.append(sock)
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: " + PADDED["X-Pad"].encode() +
                         b"\r\n\r\n")
            assert receive_until(sock, b"\r\n\r\nOK").startswith(b"HTTP/1.1 200")
            sock.sendall(request_bytes(HANG))
        # All are in progress (56 per client here), none was answered.
        assert wait_until(lambda: b"56 requests in progress for one client" in blob(server.port, "127.0.0.1"))
        assert select.select(socks, [], [], 0)[0] == []
        assert stop_running(server) == 56, server.stderr()[-3000:]
    finally:
        for sock in socks:
            sock.close()
        server.stop()


def test_a_body_whose_tree_could_never_fit_is_refused_as_it_is_read():
    # A body of the largest size (4 MiB) of empty objects is a tree of
    # some 570 MB. Its tree may take 16 times max-body-size (64 MiB): the
    # reader stops there, and the body is refused as too large (413), even
    # as the only request in progress. Before, the tree was built whole,
    # then kept for the call (nothing else was in progress). The peak RSS
    # grows by at most the bound, the body's text and what the sanitizer
    # adds: under 128 MiB (measured: 57 MiB, 75 MiB under ASan).
    server = Server("--stateless", "--shutdown-timeout", "1", program=FLOOD_SERVER, env=small_env())
    try:
        body = empty_objects_call(4 << 20)
        assert len(body) <= 4 << 20
        baseline = status_kib(server.pid, "VmHWM")
        with socket.create_connection(("127.0.0.1", server.port), timeout=120) as sock:
            sock.sendall(request_bytes(body))
            answer = receive_until(sock, b"}}")
        grown = status_kib(server.pid, "VmHWM") - baseline
        assert answer.startswith(b"HTTP/1.1 413"), answer[:300]
        assert b"(16 times max-body-size)" in answer, answer
        assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["error"]["code"] == -32600
        assert grown < 128 * 1024, f"peak RSS grew by {grown} KiB"

        # Ordinary calls are still answered, from that address and
        # another; and the health check.
        for source in ("127.0.0.1", "127.0.0.2"):
            answer = blob(server.port, source)
            assert answer.startswith(b"HTTP/1.1 200"), answer
        assert server.health()
        assert stop_running(server) == 0, server.stderr()[-3000:]
    finally:
        server.stop()


def test_a_body_whose_tree_does_not_fit_now_is_refused_as_it_is_read():
    # A call in progress holds its body; a body of 256 KiB of empty
    # objects from the same address would be a tree of 35 MB, within the
    # 64 MiB any body's tree may take but past its client's share (here
    # 5,308,416 bytes): the reader stops at what the share has room for,
    # and the body is refused, to try again (503). Before, its tree was
    # built whole, then refused: the peak RSS grew by 26 MB (and by as
    # much for each such body at once).
    server = Server("--stateless", "--shutdown-timeout", "1", "--max-held-body-bytes", "16000000",
                    program=FLOOD_SERVER, env=small_env())
    try:
        assert call(server.port, "127.0.0.1") is None  # kept: in progress
        baseline = status_kib(server.pid, "VmHWM")
        with socket.create_connection(("127.0.0.1", server.port), timeout=60) as sock:
            sock.sendall(request_bytes(empty_objects_call(256 << 10, rid=2)))
            answer = receive_until(sock, b'again"}}')
        grown = status_kib(server.pid, "VmHWM") - baseline
        assert_busy(answer, b"Server busy: the request bodies it holds")
        assert grown < 16 * 1024, f"peak RSS grew by {grown} KiB"
        assert blob(server.port, "127.0.0.2").startswith(b"HTTP/1.1 200")
        assert server.health()
        assert stop_running(server) == 1, server.stderr()[-3000:]
    finally:
        server.stop()


def numbers_call(count):
    """A call of `hang` with COUNT small numbers in its arguments: 2 bytes
    each as text, a JsonNode each once parsed (some 88 bytes)."""
    return json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                       "params": {"name": "hang", "arguments": {"n": [1] * count}}},
                      separators=(",", ":")).encode()


def test_calls_in_progress_count_their_parsed_request():
    # A call in progress keeps its parsed request, which takes far more
    # than its text: 32,000 numbers, 64 kB, become a tree of 2.8 MB. The
    # body counts that among the bodies held, where it is more than its
    # text: one such call fits its client's share (here 5,308,416 bytes), a
    # second would pass it. Before, only their text counted: all 32 were
    # kept, some 85 MB. (The refused ones' trees were built and freed:
    # under ASan a small quarantine, so that they do not count in the RSS.)
    server = Server("--stateless", "--shutdown-timeout", "1", "--max-held-body-bytes", "16000000",
                    program=FLOOD_SERVER, env=small_env())
    socks, refusals = [], {}
    try:
        baseline = rss_kib(server.pid)
        body = numbers_call(32000)
        for _ in range(32):
            sock = socket.create_connection(("127.0.0.1", server.port))
            sock.sendall(request_bytes(body))
            socks.append(sock)

        def refused_ones():
            for sock in select.select([s for s in socks if s not in refusals], [], [], 0)[0]:
                refusals[sock] = receive_until(sock, b'again"}}')
            return len(refusals) >= 31
        assert wait_until(refused_ones, timeout=60), f"{32 - len(refusals)} calls of 64 kB of numbers were kept"
        assert len(refusals) == 31, len(refusals)
        for answer in refusals.values():
            assert_busy(answer, b"request bodies it holds for one client address would pass 5308416 bytes")
            assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["error"]["code"] == -32600
        grown = rss_kib(server.pid) - baseline
        assert grown < 32 * 1024, f"RSS grew by {grown} KiB"

        # Ordinary calls are still answered, from that address too, and
        # from another; and the health check.
        for source in ("127.0.0.1", "127.0.0.2"):
            answer = blob(server.port, source)
            assert answer.startswith(b"HTTP/1.1 200"), answer
        assert server.health()
        assert stop_running(server) == 1, server.stderr()[-3000:]
    finally:
        for sock in socks:
            sock.close()
        server.stop()
