"""A hostile client of the stdio transport: what it makes the server keep.

SPDX-License-Identifier: MIT
"""
import json
import os
import subprocess
import tempfile
import threading
import time

from hostile import empty_objects_call, initialize_message, rss_kib, status_kib, wait_until

FLOOD_SERVER = os.path.join(os.environ.get("NORTH_MCP_HOSTILE_BUILD",
                                           os.path.join(os.path.dirname(__file__), "..", "..",
                                                        "build", "tests", "hostile")),
                            "flood-server")


def start(*args, version="2025-06-18", capabilities=None):
    """The flood server on stdio, initialized; its stderr in a file."""
    stderr = tempfile.TemporaryFile()
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=4").lstrip(":")
    server = subprocess.Popen([FLOOD_SERVER, "--transport", "stdio", *args],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, env=env)
    server.stdin.write((json.dumps(initialize_message(protocolVersion=version, capabilities=capabilities or {})) + "\n").encode())
    server.stdin.write(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
    server.stdin.flush()
    assert json.loads(server.stdout.readline())["id"] == 1
    return server, stderr


def stop(server, stderr):
    if server.poll() is None:
        server.kill()
        server.wait()
    stderr.close()


def send(server, message):
    server.stdin.write((json.dumps(message) + "\n").encode())
    server.stdin.flush()


def stderr_of(stderr):
    stderr.seek(0)
    return stderr.read()


def assert_refused_past_the_bound(server, baseline, at_least):
    """Sends a ping and reads up to its answer: before it come the
    refusals of what would pass max-held-body-bytes (at least AT_LEAST),
    and the server grew by less than 96 MiB since BASELINE."""
    send(server, {"jsonrpc": "2.0", "id": 2, "method": "ping"})
    refused = []
    while True:
        message = json.loads(server.stdout.readline())
        if isinstance(message, dict) and message["id"] == 2:
            break
        refused.append(message)
    grown = rss_kib(server.pid) - baseline
    assert grown < 96 * 1024, f"RSS grew by {grown} KiB"
    assert len(refused) >= at_least
    assert all(m["error"]["code"] == -32603 and "max-held-body-bytes" in m["error"]["message"]
               for m in refused), str(refused[:1])[:300]


def test_notifications_to_a_client_that_does_not_read_are_bounded():
    """A tool that streams progress while the client reads nothing: the
    server must not queue it without bound (max-unsent-bytes)."""
    server, stderr = start("--max-unsent-bytes", "65536")
    try:
        baseline = rss_kib(server.pid)
        # 2 GB of progress notifications, 1 MiB each, and nothing read.
        send(server, {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                      "params": {"name": "flood", "arguments": {"count": 2048, "size": 1 << 20},
                                 "_meta": {"progressToken": "p"}}})
        deadline = time.monotonic() + 5
        grown = 0
        while time.monotonic() < deadline and server.poll() is None:
            grown = max(grown, rss_kib(server.pid) - baseline)
            time.sleep(0.1)
        assert grown < 64 * 1024, f"RSS grew by {grown} KiB"
        # The client's output is cut, as an HTTP stream's would be: the
        # server says why on stderr, and ends once the client has read the
        # line it had begun (test_a_cut_output_ends_with_whole_lines).
        assert b"max-unsent-bytes" in stderr_of(stderr)
        server.stdout.read()
        assert server.wait(60) == 0
    finally:
        stop(server, stderr)


def test_a_cut_output_ends_with_whole_lines():
    """The output cut for max-unsent-bytes while a line is half written:
    a client that reads afterwards gets whole JSON lines (the one being
    written is finished, the ones waiting are dropped), then the end of
    its input, not half a message it cannot parse."""
    server, stderr = start("--max-unsent-bytes", "65536")
    try:
        # 40 progress notifications of 1 MiB: the first fills the pipe
        # while the client reads nothing, the next ones pass the bound.
        send(server, {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                      "params": {"name": "flood", "arguments": {"count": 40, "size": 1 << 20},
                                 "_meta": {"progressToken": "p"}}})
        assert wait_until(lambda: b"max-unsent-bytes" in stderr_of(stderr), timeout=60)
        lines = server.stdout.read().split(b"\n")
        assert lines[-1] == b"", f"the output ends inside a line of {len(lines[-1])} bytes"
        assert len(lines) > 1
        for line in lines[:-1]:
            assert json.loads(line)["method"] == "notifications/progress"
        assert server.wait(60) == 0
    finally:
        stop(server, stderr)


def test_answers_are_not_cut():
    """The answers of one batch may pass max-unsent-bytes together: a
    client that reads them gets them all."""
    server, stderr = start("--max-unsent-bytes", "65536", version="2025-03-26")
    try:
        send(server, [{"jsonrpc": "2.0", "id": 10 + i, "method": "tools/call",
                       "params": {"name": "blob", "arguments": {"size": 1 << 20}}} for i in range(8)])
        # One line, the batch's array of answers (JSON-RPC 2.0 section 6).
        answers = json.loads(server.stdout.readline())
        assert [a["id"] for a in answers if "result" in a] == list(range(10, 18)), str(answers)[:300]
        send(server, {"jsonrpc": "2.0", "id": 2, "method": "ping"})
        assert json.loads(server.stdout.readline())["id"] == 2
        server.stdin.close()
        assert server.wait(60) == 0
    finally:
        stop(server, stderr)


def test_requests_in_progress_are_bounded():
    """Requests that run long, each holding a large params object: what
    they keep is bounded as an HTTP server's held bodies are (max-held-body-
    bytes); past it a request is refused with a JSON-RPC error, and the
    server goes on reading (answers to its own requests arrive there)."""
    server, stderr = start("--max-held-body-bytes", str(16 << 20))
    try:
        baseline = rss_kib(server.pid)
        pad = "p" * (1 << 20)
        # 256 MiB of requests that stay in progress (no progress token: the
        # flood tool runs silently for a long while).
        requests = b"".join(
            (json.dumps({"jsonrpc": "2.0", "id": 100 + i, "method": "tools/call",
                         "params": {"name": "flood", "arguments": {"count": 1 << 40, "size": 1},
                                    "_meta": {"pad": pad}}}) + "\n").encode()
            for i in range(256))
        server.stdin.write(requests)
        # The requests past the bound were answered with an error saying so.
        assert_refused_past_the_bound(server, baseline, 256 - 16)
        # Cancelling the ones in progress gives the room back (cancelled
        # requests are not answered; their handlers notice in a while).
        for i in range(256):
            send(server, {"jsonrpc": "2.0", "method": "notifications/cancelled",
                          "params": {"requestId": 100 + i}})
        answer = None
        for attempt in range(100):
            send(server, {"jsonrpc": "2.0", "id": 3, "method": "tools/call",
                          "params": {"name": "flood", "arguments": {"count": 1, "size": 1},
                                     "_meta": {"pad": pad}}})
            answer = json.loads(server.stdout.readline())
            if "result" in answer:
                break
            time.sleep(0.1)
        assert answer["result"]["content"][0]["text"] == "flooded 1", answer
        server.stdin.close()
        assert server.wait(60) == 0
    finally:
        stop(server, stderr)


def test_answers_without_a_request_give_nothing_back():
    """A message answered with the id of a request in progress (an invalid
    one, or a request reusing the id) must not let go of what that
    request holds."""
    server, stderr = start("--max-held-body-bytes", str(16 << 20))
    try:
        baseline = rss_kib(server.pid)
        pad = "p" * (1 << 20)
        lines = []
        for i in range(256):
            lines.append({"jsonrpc": "2.0", "id": f"x{i}", "method": "tools/call",
                          "params": {"name": "flood", "arguments": {"count": 1 << 40, "size": 1},
                                     "_meta": {"pad": pad}}})
            # Invalid (answered at once with the same id), and a reuse.
            lines.append({"jsonrpc": "1.0", "id": f"x{i}", "method": "ping"})
            lines.append({"jsonrpc": "2.0", "id": f"x{i}", "method": "ping"})
        server.stdin.write(b"".join((json.dumps(m) + "\n").encode() for m in lines))
        send(server, {"jsonrpc": "2.0", "id": 2, "method": "ping"})
        refused = 0
        while True:
            message = json.loads(server.stdout.readline())
            if message["id"] == 2:
                break
            if "max-held-body-bytes" in message.get("error", {}).get("message", ""):
                refused += 1
        assert refused >= 256 - 16
        grown = rss_kib(server.pid) - baseline
        assert grown < 96 * 1024, f"RSS grew by {grown} KiB"
        server.stdin.close()
    finally:
        stop(server, stderr)


def test_answers_waiting_in_a_batch_are_bounded():
    """The answers of a batch wait for its last request: batches whose
    last request runs long, the others answering large, must not make the
    server keep their answers without bound (they count among what the
    requests in progress hold, max-held-body-bytes)."""
    server, stderr = start("--max-held-body-bytes", str(16 << 20), version="2025-03-26")
    try:
        baseline = rss_kib(server.pid)
        # 32 batches of small lines, each keeping 16 MiB of answers: 512 MiB.
        for b in range(32):
            send(server, [{"jsonrpc": "2.0", "id": f"long{b}", "method": "tools/call",
                           "params": {"name": "flood", "arguments": {"count": 1 << 40, "size": 1}}}] +
                 [{"jsonrpc": "2.0", "id": f"blob{b}-{i}", "method": "tools/call",
                   "params": {"name": "blob", "arguments": {"size": 1 << 20}}} for i in range(16)])
        # Batches past the bound were refused whole, with one error each.
        assert_refused_past_the_bound(server, baseline, 32 - 2)
    finally:
        stop(server, stderr)


def test_a_batch_cannot_pass_the_bound_on_requests_sharing_an_id():
    """At most 16 requests in progress may share an id: a batch of more
    (a 2025-03-26 batch holds up to 100) is refused whole, as a line of
    one more would be."""
    server, stderr = start(version="2025-03-26")
    try:
        send(server, [{"jsonrpc": "2.0", "id": "same", "method": "tools/call",
                       "params": {"name": "flood", "arguments": {"count": 1 << 40, "size": 1}}}] * 17)
        send(server, {"jsonrpc": "2.0", "id": 2, "method": "ping"})
        refused = json.loads(server.stdout.readline())
        assert refused["error"]["code"] == -32603 and "share an id" in refused["error"]["message"], refused
        assert json.loads(server.stdout.readline())["id"] == 2
    finally:
        stop(server, stderr)


def test_requests_in_progress_are_bounded_in_number():
    """Small requests whose handlers never return (`hang`): their bytes
    are far under max-held-body-bytes, but each keeps its context and
    parsed request, some 1.6 KiB. Before the bound 600,000 of them (61 MB
    of lines) made the server grow by 930 MiB; now they are bounded as
    over HTTP (max-requests-in-progress, 4,096 by default): those past it
    are refused at once, and the server goes on answering."""
    server, stderr = start()
    try:
        baseline = rss_kib(server.pid)
        # 20,000: enough to pass the default bound five times over (100,000
        # took three minutes under ASan).
        count = 20_000
        lines = b"".join((json.dumps({"jsonrpc": "2.0", "id": 100 + i, "method": "tools/call",
                                      "params": {"name": "hang", "arguments": {}}}) + "\n").encode()
                         for i in range(count))
        # Written by a thread: the refusals are read meanwhile (the server
        # stops reading while more than max-unsent-bytes of them wait).
        writer = threading.Thread(target=send_all, args=(server, lines + b'{"jsonrpc":"2.0","id":2,"method":"ping"}\n'))
        writer.start()
        refused = []
        while True:
            message = json.loads(server.stdout.readline())
            if message["id"] == 2:
                break
            refused.append(message)
        writer.join()
        grown = rss_kib(server.pid) - baseline
        assert len(refused) == count - 4096, len(refused)
        assert all(m["error"]["code"] == -32603 and "max-requests-in-progress" in m["error"]["message"]
                   for m in refused), str(refused[:1])[:300]
        assert grown < 64 * 1024, f"RSS grew by {grown} KiB"
    finally:
        stop(server, stderr)


def test_requests_in_progress_count_their_parsed_request():
    """Calls of `hang` with 32,760 small numbers each: a line of 64 KiB,
    a tree of 2.8 MB once parsed, which the call keeps while in progress.
    It counts what it keeps, the tree, where that is more than its line:
    one fits in 4 MiB of max-held-body-bytes, the others are refused.
    Before, only the lines counted: 63 of 64 were kept, their trees some
    165 MB (16 of 4 MB lines grew the server by 2.6 GB under the default
    64 MiB)."""
    server, stderr = start("--max-held-body-bytes", str(4 << 20))
    try:
        baseline = rss_kib(server.pid)
        numbers = [1] * 32760
        server.stdin.write(b"".join(
            (json.dumps({"jsonrpc": "2.0", "id": 100 + i, "method": "tools/call",
                         "params": {"name": "hang", "arguments": {"n": numbers}}},
                        separators=(",", ":")) + "\n").encode()
            for i in range(64)))
        assert_refused_past_the_bound(server, baseline, 63)
        # Ordinary calls are still answered.
        send(server, {"jsonrpc": "2.0", "id": 3, "method": "tools/call",
                      "params": {"name": "flood", "arguments": {"count": 1, "size": 1}}})
        answer = json.loads(server.stdout.readline())
        assert answer["result"]["content"][0]["text"] == "flooded 1", answer
    finally:
        stop(server, stderr)


def refusal_of(server, line):
    """Sends LINE, then a ping: the answer that comes before the ping's,
    and how much the peak RSS grew meanwhile (KiB)."""
    baseline = status_kib(server.pid, "VmHWM")
    server.stdin.write(line + b"\n")
    send(server, {"jsonrpc": "2.0", "id": 2, "method": "ping"})
    answer = json.loads(server.stdout.readline())
    assert json.loads(server.stdout.readline()) == {"jsonrpc": "2.0", "id": 2, "result": {}}
    return answer, status_kib(server.pid, "VmHWM") - baseline


def test_a_line_whose_tree_could_never_fit_is_refused_as_it_is_read():
    """A line of the largest size (4 MiB) of empty objects in a call of
    `hang`: a tree of some 570 MB. Its tree may take 16 times
    max-body-size (64 MiB): the reader stops there and the line is refused
    as too large (-32700), even with nothing else in progress. Before, the
    tree was built whole and kept for the call. The peak RSS grows by at
    most the bound, the line and what the sanitizer adds: under 128 MiB
    (measured: 53 MiB, 72 MiB under ASan)."""
    server, stderr = start()
    try:
        answer, grown = refusal_of(server, empty_objects_call(4 << 20, rid=7))
        assert answer["id"] is None and answer["error"]["code"] == -32700, answer
        assert "(16 times max-body-size)" in answer["error"]["message"], answer
        assert grown < 128 * 1024, f"peak RSS grew by {grown} KiB"
    finally:
        stop(server, stderr)


def test_requests_to_a_client_whose_input_ended_fail():
    """The client's answers to the server's requests come on its input:
    once that has ended, a request waiting for an answer fails at once (a
    handler may then answer), instead of waiting out its timeout (60 s by
    default, forever without one), the server running on for a client that
    has left."""
    server, stderr = start(capabilities={"elicitation": {}})
    try:
        send(server, {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                      "params": {"name": "elicit", "arguments": {}}})
        request = json.loads(server.stdout.readline())
        assert request["method"] == "elicitation/create", request
        server.stdin.close()
        answer = json.loads(server.stdout.readline())
        # (Timed out, it was first cancelled with a notification.)
        while "id" not in answer:
            answer = json.loads(server.stdout.readline())
        assert answer["id"] == 2, answer
        text = answer["result"]["content"][0]["text"]
        assert text.startswith("failed: north-mcp-error-quark") and "closed its input" in text, text
        assert server.wait(60) == 0
    finally:
        stop(server, stderr)


def send_all(server, data):
    server.stdin.write(data)
    server.stdin.flush()
