#!/usr/bin/python3
"""OpenTelemetry tracing of the example servers, against a real OTLP/HTTP
receiver (bench/otlp-receiver.py, run in this process on 127.0.0.1).

Each test starts server-with-auth with OTEL_* variables pointing at the
receiver, calls it over HTTP, and decodes what was exported: trace ids
continued from ``traceparent`` (header and ``params._meta``), parent span
ids, MCP attributes, the resource, redaction of error messages, child
spans; and that an unconfigured server sends nothing and opens no socket,
and that a hanging receiver does not block the server.
"""
import contextlib
import hashlib
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from test_examples import Client, Server, SEED_TOKEN, start  # noqa: E402,F401
import otlp_receiver  # noqa: E402

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"
META_TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
META_PARENT_ID = "b7ad6b7169203331"


@pytest.fixture
def receiver():
    with contextlib.ExitStack() as receivers:
        yield lambda hang=False: receivers.enter_context(otlp_receiver.running(hang=hang))


def otel_env(receiver, **extra):
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{receiver.server_address[1]}",
           "OTEL_BSP_SCHEDULE_DELAY": "100",
           "OTEL_SERVICE_NAME": "otel-test",
           "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment.name=test,team=north%20mcp",
           "OTEL_EXPORTER_OTLP_HEADERS": "x-api-key=secret%3D1"}
    env.update(extra)
    return env


def wait_for(predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    return predicate()


def attributes(item):
    found = {}
    for attribute in item.get("attributes", []):
        (kind, value), = attribute["value"].items()
        found[attribute["key"]] = int(value) if kind == "intValue" else value
    return found


def spans_named(receiver, prefix):
    return [span for span in receiver.spans() if span["name"].startswith(prefix)]


def test_server_spans_continue_the_callers_trace(start, receiver):
    collector = receiver()
    server = start("server-with-auth", env=otel_env(collector))
    client = Client(server, {"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01",
                             "tracestate": "vendor=abc",
                             "X-North-Context-Tenant": "t1"})
    client.initialize()
    assert client.tool("add", {"a": 1, "b": 2})["content"][0]["text"] == "3"
    # params._meta wins over the header: MCP's own, per-message propagation.
    response, _ = client.call("tools/call", {
        "name": "whoami", "arguments": {},
        "_meta": {"traceparent": f"00-{META_TRACE_ID}-{META_PARENT_ID}-01"}})
    assert response["result"]["structuredContent"]["context"] == {"tenant": "t1"}

    add = wait_for(lambda: spans_named(collector, "tools/call add"))
    whoami = wait_for(lambda: spans_named(collector, "tools/call whoami"))
    child = wait_for(lambda: spans_named(collector, "collect-north-context"))
    assert len(add) == 1 and len(whoami) == 1 and len(child) == 1, collector.spans()
    add, whoami, child = add[0], whoami[0], child[0]

    assert add["traceId"] == TRACE_ID and add["parentSpanId"] == PARENT_ID
    assert add["traceState"] == "vendor=abc"
    assert add["kind"] == 2 and re.fullmatch(r"[0-9a-f]{16}", add["spanId"])
    assert int(add["endTimeUnixNano"]) >= int(add["startTimeUnixNano"]) > 0
    found = attributes(add)
    assert found["mcp.method.name"] == "tools/call"
    assert found["gen_ai.tool.name"] == "add"
    assert found["gen_ai.operation.name"] == "execute_tool"
    assert found["jsonrpc.request.id"] == "2"
    assert found["mcp.protocol.version"] == "2025-11-25"
    assert found["network.transport"] == "tcp"
    # A digest of the session id, never the id itself.
    assert re.fullmatch(r"[0-9a-f]{32}", found["mcp.session.id"])
    assert client.session not in json.dumps(collector.exports)
    # ... the same for every request of the session, so that it groups them.
    assert found["mcp.session.id"] == hashlib.sha256(client.session.encode()).hexdigest()[:32]
    assert add["status"].get("code", 0) == 0

    assert whoami["traceId"] == META_TRACE_ID and whoami["parentSpanId"] == META_PARENT_ID
    assert attributes(whoami)["mcp.session.id"] == found["mcp.session.id"]
    # The child span of the C tool, under the request's server span.
    assert child["traceId"] == META_TRACE_ID and child["parentSpanId"] == whoami["spanId"]
    assert child["kind"] == 1 and attributes(child)["north.context.count"] == 1

    # initialize has its own span, and a new trace (no traceparent is lost
    # though: the header carried one).
    assert spans_named(collector, "initialize")[0]["traceId"] == TRACE_ID

    resource = collector.exports[0]["resourceSpans"][0]["resource"]
    assert attributes(resource)["service.name"] == "otel-test"
    assert attributes(resource)["deployment.environment.name"] == "test"
    assert attributes(resource)["team"] == "north mcp"
    path, headers = collector.requests[0]
    assert path == "/v1/traces" and headers["Content-Type"] == "application/json"
    assert headers["x-api-key"] == "secret=1"


def test_new_trace_without_traceparent_and_errors_redacted(start, receiver):
    collector = receiver()
    server = start("server-with-auth", env=otel_env(collector))
    client = Client(server)
    client.initialize()
    result = client.tool("add", {"a": 9223372036854775807, "b": 1})
    assert result["isError"] is True
    response, _ = client.call("tools/call", {"name": "nope", "arguments": {}})
    assert "error" in response or response["result"]["isError"]

    add = wait_for(lambda: spans_named(collector, "tools/call add"))[0]
    assert "parentSpanId" not in add and re.fullmatch(r"[0-9a-f]{32}", add["traceId"])
    assert add["traceId"] != "0" * 32
    assert add["status"]["code"] == 2 and add["status"]["message"] == "tool_error"
    assert attributes(add)["error.type"] == "tool_error"
    assert "events" not in add
    text = json.dumps(collector.exports)
    assert result["content"][0]["text"] not in text
    nope = wait_for(lambda: spans_named(collector, "tools/call _OTHER"))[0]
    assert nope["status"]["code"] == 2


def test_names_of_what_does_not_exist_stay_out_of_spans(start, receiver):
    # A client names any tool, prompt or resource it likes: each distinct
    # name in a span's name or attributes would be a new series in the
    # tracing backend. Only what exists is named; the rest is _OTHER.
    collector = receiver()
    server = start("server-with-resources", env=otel_env(collector))
    client = Client(server)
    client.initialize()
    for i in range(3):
        response, _ = client.call("tools/call", {"name": f"no-tool-{i}", "arguments": {}})
        assert "error" in response or response["result"].get("isError"), response
        response, _ = client.call("prompts/get", {"name": f"no-prompt-{i}"})
        assert "error" in response, response
        response, _ = client.call("resources/read", {"uri": f"other://no-resource-{i}"})
        assert "error" in response, response
    # What exists keeps its name, even when the call fails.
    response, _ = client.call("prompts/get", {"name": "summarize_note", "arguments": {}})
    assert "error" in response, response
    response, _ = client.call("resources/read", {"uri": "notes://index"})
    assert "result" in response, response
    client.tool("add_note", {"title": "t", "text": "x"})

    assert wait_for(lambda: spans_named(collector, "tools/call add_note"))
    assert wait_for(lambda: len(spans_named(collector, "resources/read")) == 4)
    assert wait_for(lambda: spans_named(collector, "prompts/get summarize_note"))
    assert wait_for(lambda: len(spans_named(collector, "tools/call _OTHER")) == 3)
    assert wait_for(lambda: len(spans_named(collector, "prompts/get _OTHER")) == 3)
    assert "no-" not in json.dumps(collector.exports)
    for span in spans_named(collector, "tools/call _OTHER"):
        assert attributes(span)["gen_ai.tool.name"] == "_OTHER"
        assert span["status"]["code"] == 2
    for span in spans_named(collector, "prompts/get _OTHER"):
        assert attributes(span)["gen_ai.prompt.name"] == "_OTHER"
        assert span["status"]["code"] == 2
    reads = sorted(attributes(span)["mcp.resource.uri"] for span in spans_named(collector, "resources/read"))
    assert reads == ["_OTHER"] * 3 + ["notes://index"], reads
    assert all(span["status"]["code"] == 2 for span in spans_named(collector, "resources/read")
               if attributes(span)["mcp.resource.uri"] == "_OTHER")


def test_error_details_when_asked(start, receiver):
    collector = receiver()
    server = start("server-with-auth", env=otel_env(collector, NORTH_MCP_TRACE_ERROR_DETAILS="true"))
    client = Client(server)
    client.initialize()
    result = client.tool("add", {"a": 9223372036854775807, "b": 1})
    add = wait_for(lambda: spans_named(collector, "tools/call add"))[0]
    assert add["status"]["message"] == result["content"][0]["text"]
    assert add["events"][0]["name"] == "exception"


def call_with_and_without(server, traceparent):
    """tools/call add in a session whose requests carry TRACEPARENT, then
    tools/call whoami in one whose requests carry none."""
    client = Client(server, {"traceparent": traceparent})
    client.initialize()
    client.tool("add", {"a": 1, "b": 2})
    marker = Client(server)
    marker.initialize()
    marker.tool("whoami")


def test_sampler_follows_parent_and_always_off(start, receiver):
    collector = receiver()
    server = start("server-with-auth", env=otel_env(collector))
    call_with_and_without(server, f"00-{TRACE_ID}-{PARENT_ID}-00")
    assert wait_for(lambda: spans_named(collector, "tools/call whoami"))
    # The caller did not sample its trace: neither do we.
    assert not [s for s in collector.spans() if s["traceId"] == TRACE_ID]

    off = receiver()
    server = start("server-with-auth", env=otel_env(off, OTEL_TRACES_SAMPLER="always_off"))
    client = Client(server)
    client.initialize()
    client.tool("add", {"a": 1, "b": 2})
    assert server.stop() == 0
    assert off.exports == []


@pytest.mark.parametrize("sampler,trace_id,flags", [
    ({"OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0"}, TRACE_ID, "01"),
    ({"OTEL_TRACES_SAMPLER": "parentbased_always_off"}, TRACE_ID, "01"),
    ({"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.000000001"},
     TRACE_ID[:16] + "0" * 16, "00"),
], ids=["parentbased_traceidratio", "parentbased_always_off", "traceidratio"])
def test_a_client_can_have_its_requests_sampled(start, receiver, sampler, trace_id, flags):
    # OpenTelemetry's samplers, as doc/observability.md says: the
    # parent-based ones keep the sampled flag of the caller's traceparent,
    # and traceidratio draws from the trace id, which the caller chooses.
    collector = receiver()
    server = start("server-with-auth", env=otel_env(collector, **sampler))
    call_with_and_without(server, f"00-{trace_id}-{PARENT_ID}-{flags}")
    assert server.stop() == 0
    add = spans_named(collector, "tools/call add")
    assert len(add) == 1 and add[0]["traceId"] == trace_id, collector.spans()
    # A request that starts its trace here is sampled by the ratio (or not at all).
    assert not spans_named(collector, "tools/call whoami"), collector.spans()


def test_debug_lines_carry_trace_ids(start, receiver):
    collector = receiver()
    server = start("server-with-debug", env=otel_env(collector))
    client = Client(server, {"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01"})
    client.initialize()
    client.tool("echo", {"text": "hi"})
    assert server.wait_for_stderr(f"[trace_id={TRACE_ID} span_id=")


def test_debug_lines_quote_what_the_client_named(start, receiver):
    # The span name holds the client's tool name: written raw into the
    # debug line, a newline in it would forge a log line of its own.
    collector = receiver()
    server = start("server-with-debug", env=otel_env(collector))
    client = Client(server)
    client.initialize()
    forged = "2026-01-01 00:00:00 - NorthMCP.Auth - WARNING - forged by the client"
    response, _ = client.call("tools/call", {"name": f"echo\n{forged}\rx\x1b[2J", "arguments": {}})
    assert "error" in response or response["result"].get("isError"), response
    client.tool("echo", {"text": "after"})
    assert server.wait_for_stderr("echo\\n2026-01-01 00:00:00"), server.stderr()
    assert not any(line.startswith(forged) for line in server.lines), server.stderr()
    assert not any("\x1b" in line or "\r" in line for line in server.lines), server.stderr()


def test_flush_at_sigterm(start, receiver):
    collector = receiver()
    # A schedule delay far beyond the test: only the shutdown flush sends.
    server = start("server-with-auth", env=otel_env(collector, OTEL_BSP_SCHEDULE_DELAY="600000"))
    client = Client(server)
    client.initialize()
    for i in range(5):
        client.tool("add", {"a": i, "b": 1})
    time.sleep(0.3)
    assert collector.exports == []
    assert server.stop() == 0
    assert len(spans_named(collector, "tools/call add")) == 5


def test_hanging_receiver_does_not_block(start, receiver):
    collector = receiver(hang=True)
    server = start("server-with-auth", env=otel_env(collector, OTEL_BSP_MAX_QUEUE_SIZE="4",
                                                    OTEL_BSP_MAX_EXPORT_BATCH_SIZE="2",
                                                    OTEL_EXPORTER_OTLP_TIMEOUT="2000"))
    client = Client(server)
    client.initialize()
    for i in range(40):
        assert client.tool("add", {"a": i, "b": 1})["content"][0]["text"] == str(i + 1)
    assert server.stop() == 0
    assert re.search(r"NorthMCP\.Telemetry - WARNING - \d+ spans were dropped", server.stderr()), server.stderr()


class EndlessAnswer:
    """A collector on 127.0.0.1 that answers an export with 200 and then a
    body far larger than any OTLP answer, as fast as it is read."""

    CHUNK = 1 << 20

    def __init__(self, total):
        self.total = total
        self.sent = 0
        self.done = threading.Event()
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4)
        self.port = self.listener.getsockname()[1]
        self.connections = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        connection, _ = self.listener.accept()
        self.connections.append(connection)
        request = b""
        while b"\r\n\r\n" not in request:
            request += connection.recv(65536)
        head, body = request.split(b"\r\n\r\n", 1)
        length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
        while len(body) < length:
            body += connection.recv(65536)
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                           b"Content-Length: %d\r\n\r\n" % (4 * self.total))
        # A reader that stopped reading leaves sendall() blocked: the
        # timeout ends the push, not the test.
        connection.settimeout(10)
        chunk = b"x" * self.CHUNK
        try:
            while self.sent < self.total:
                connection.sendall(chunk)
                self.sent += len(chunk)
        except OSError:
            pass
        self.done.set()

    def close(self):
        for connection in self.connections:
            connection.close()
        self.listener.close()


OK_ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


def listening():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    return listener


def serve_each(listener, handle):
    """On a thread, handle(connection) on a thread of its own for each
    connection the listener accepts, until it is closed."""
    def serve():
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=handle, args=(connection,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()


class AnsweringCollector:
    """A collector on 127.0.0.1 that answers the n-th export (from 0) with
    the raw HTTP response answer(n), and counts the exports answered."""

    def __init__(self, answer):
        self.answer = answer
        self.exports = 0
        self.bodies = []
        self.lock = threading.Lock()
        self.listener = listening()
        self.port = self.listener.getsockname()[1]
        serve_each(self.listener, self._answer)

    def _answer(self, connection):
        with connection:
            try:
                while (body := TricklingCollector._read_request(connection)) is not None:
                    with self.lock:
                        self.bodies.append(body)
                        answer = self.answer(self.exports)
                    connection.sendall(answer)
                    with self.lock:
                        self.exports += 1
            except OSError:
                pass

    def close(self):
        self.listener.close()


class Redirecting(AnsweringCollector):
    """A collector that answers each export with a redirect to another
    origin (another port), which records every request that reaches it,
    whatever its method."""

    def __init__(self, status):
        self.elsewhere = []
        self.other = listening()
        location = f"http://127.0.0.1:{self.other.getsockname()[1]}/v1/traces".encode()
        super().__init__(lambda n: b"HTTP/1.1 %d Moved\r\nLocation: %s\r\nContent-Length: 0\r\n\r\n"
                         % (status, location))
        serve_each(self.other, self._record)

    def _record(self, connection):
        with connection:
            connection.settimeout(5)
            try:
                self.elsewhere.append(connection.recv(65536))
                connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            except OSError:
                pass

    def close(self):
        super().close()
        self.other.close()


def start_against(start, collector, name="server-with-auth", **env):
    """The example server NAME (or a server of NORTH_MCP_INTEGRATION_BUILD)
    exporting to one of the collectors above (on 127.0.0.1, at
    collector.port), and a client that has initialized it."""
    server = start(name, env={
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{collector.port}", **env})
    client = Client(server)
    client.initialize()
    return server, client


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirects_are_not_followed(start, status):
    # The export headers hold the collector's API key: a collector, or
    # whatever answers at a plain-HTTP endpoint, that redirects must not
    # have them (nor the spans) sent to another origin; and spans that a
    # redirect turned into a GET were lost, not exported.
    collector = Redirecting(status)
    try:
        server, client = start_against(
            start, collector, OTEL_EXPORTER_OTLP_HEADERS="x-api-key=secret%3D1",
            OTEL_BSP_SCHEDULE_DELAY="50")
        assert wait_for(lambda: collector.exports >= 1)
        client.tool("add", {"a": 1, "b": 2})
        # Exports are sent one at a time: once the second has been
        # answered, the first, and any redirect it followed, is over.
        assert wait_for(lambda: collector.exports >= 2)
        assert collector.elsewhere == []
        assert server.wait_for_stderr(f"failed: HTTP status {status}"), server.stderr()
    finally:
        collector.close()


def test_a_flapping_collector_is_not_warned_about_per_failure(start):
    # A collector that sheds load (503) now and then, as one under a
    # client's flood does, fails every other export: the warning "once
    # per streak of failures" was then one line per failed export, as
    # many as the client's requests made.
    # Retry-After: 0, so that the exporter does not wait between exports.
    shed = b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 0\r\nContent-Length: 0\r\n\r\n"
    collector = AnsweringCollector(lambda n: shed if n % 2 == 0 else OK_ANSWER)
    try:
        server, client = start_against(
            start, collector, OTEL_BSP_MAX_EXPORT_BATCH_SIZE="1",
            OTEL_BSP_SCHEDULE_DELAY="50",
            NORTH_MCP_LOG_INTERVAL_MS="3600000")
        for i in range(1, 10):
            assert wait_for(lambda: collector.exports >= i)
            client.tool("add", {"a": 1, "b": 2})
        assert wait_for(lambda: collector.exports >= 10)
        assert server.stop() == 0
        failures = [line for line in server.lines if "Exporting" in line]
        assert len(failures) == 1, server.stderr()
        assert "HTTP status 503" in failures[0]
    finally:
        collector.close()


@pytest.mark.parametrize("answer,pause", [
    (b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 2\r\nContent-Length: 0\r\n\r\n", 2),
    (b"HTTP/1.1 429 Too Many Requests\r\nContent-Length: 0\r\n\r\n", 1),
], ids=["503-retry-after", "429-backoff"])
def test_a_collector_asking_to_wait_is_given_time(start, answer, pause):
    # A collector that answers 429 or 503 (with its Retry-After, or
    # without: then a backoff) is overloaded: the next export waits,
    # spans queue meanwhile (dropped when it is full), where each was
    # sent at once, as fast as a client's requests made them.
    times = []

    def shed(n):
        times.append(time.monotonic())
        return answer

    collector = AnsweringCollector(shed)
    try:
        server, client = start_against(
            start, collector, OTEL_BSP_MAX_EXPORT_BATCH_SIZE="1",
            OTEL_BSP_SCHEDULE_DELAY="50")
        assert wait_for(lambda: collector.exports >= 1)
        for _ in range(5):
            client.tool("add", {"a": 1, "b": 2})
        assert wait_for(lambda: collector.exports >= 2)
        # A lower bound: the pause asked for, which no slowness shortens.
        assert times[1] - times[0] >= pause, times
    finally:
        collector.close()


def test_an_export_body_is_bounded(start):
    # What clients send goes into spans (a string request id of 4 KiB
    # here), escaped up to six times over in OTLP/JSON: a batch of 200
    # such spans made one body of 5 MB, which a collector with a body
    # limit refuses whole, with the spans of every other client in it.
    collector = AnsweringCollector(lambda n: OK_ANSWER)
    try:
        server, client = start_against(
            start, collector, OTEL_BSP_MAX_EXPORT_BATCH_SIZE="200",
            OTEL_BSP_SCHEDULE_DELAY="600000")
        for i in range(199):
            status, _, body = client.post({"jsonrpc": "2.0", "id": f"{i}-" + "\x01" * 4096, "method": "tools/call",
                                           "params": {"name": "add", "arguments": {"a": 1, "b": 2}}})
            assert status == 200, body
        # initialize and 199 calls: a full batch, exported at once.
        assert wait_for(lambda: sum(body.count(b'"spanId"') for body in collector.bodies) == 200)
        assert max(len(body) for body in collector.bodies) <= 4 << 20
    finally:
        collector.close()


# Its tool `note` copies each string argument into its span: these make a
# span of 0.5 MB (128 attributes of 4 KiB, the most a span keeps).
TRACED_INPUT_SERVER = os.path.join(os.environ.get("NORTH_MCP_INTEGRATION_BUILD", ""), "traced-input-server")
NOTE_ARGUMENTS = {f"k{i}": f"{i}-" + "x" * 4096 for i in range(128)}


def test_the_span_queue_is_bounded_in_bytes(start):
    # A handler that copies what the client sent into its span (here each
    # string argument as an attribute: 128 of 4 KiB, the most a span
    # keeps) makes spans of 0.5 MB: while the collector asks for time
    # (503, Retry-After: 60), one client's 2,040 calls grew the server by
    # 1 GB (RSS), all of it queued, under the queue's 2,048 spans. The
    # queue also holds at most 16 MiB of spans; the rest are dropped, and
    # counted.
    shed = b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 60\r\nContent-Length: 0\r\n\r\n"
    collector = AnsweringCollector(lambda n: shed if n == 0 else OK_ANSWER)
    try:
        server, client = start_against(start, collector, TRACED_INPUT_SERVER, OTEL_BSP_SCHEDULE_DELAY="50")
        # The initialize span's export, refused: no export before the
        # shutdown's, which sends what is queued.
        assert wait_for(lambda: collector.exports >= 1)
        calls = 100
        for _ in range(calls):
            assert client.tool("note", NOTE_ARGUMENTS)["content"][0]["text"] == "noted 128"
        assert server.stop() == 0
        noted = [span for body in collector.bodies[1:]
                 for span in json.loads(body)["resourceSpans"][0]["scopeSpans"][0]["spans"]]
        held = sum(len(key) + len(value) for span in noted for key, value in attributes(span).items()
                   if key.startswith("note."))
        assert held <= 16 << 20, f"{len(noted)} spans of {held} bytes of attributes were queued"
        dropped = re.search(r"NorthMCP\.Telemetry - WARNING - (\d+) spans were dropped", server.stderr())
        assert dropped, server.stderr()
        # Every call's span is either sent or counted as dropped.
        assert len(noted) + int(dropped.group(1)) == calls, (len(noted), server.stderr())
        # The estimate of what a span holds is near what it holds: some
        # 30 spans of 0.5 MB fit.
        assert len(noted) >= 24, len(noted)
    finally:
        collector.close()


def test_large_spans_are_sent_before_the_queue_is_full_of_them(start):
    # With spans of 0.5 MB the queue's 16 MiB run out after some 30 of
    # them, long before a batch (512): they go once they hold half of
    # that, where they waited for the schedule delay (here far beyond the
    # test), dropped meanwhile.
    collector = AnsweringCollector(lambda n: OK_ANSWER)
    try:
        server, client = start_against(start, collector, TRACED_INPUT_SERVER, OTEL_BSP_SCHEDULE_DELAY="600000")
        for _ in range(20):
            client.tool("note", NOTE_ARGUMENTS)
        assert wait_for(lambda: sum(body.count(b'"tools/call note"') for body in collector.bodies) >= 15)
    finally:
        collector.close()


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        return int(re.search(r"VmRSS:\s+(\d+) kB", status.read()).group(1))


def test_collector_answer_is_bounded(start):
    # The answer to an export is read up to a small bound: a collector (or
    # whatever listens at the endpoint) that sends without end does not
    # make the server hold what it sends.
    collector = EndlessAnswer(128 << 20)
    try:
        server, client = start_against(start, collector, OTEL_BSP_SCHEDULE_DELAY="100")
        before = rss_kib(server.process.pid)
        client.tool("add", {"a": 1, "b": 2})
        assert collector.done.wait(120)
        grown = rss_kib(server.process.pid) - before
        assert grown < 32 * 1024, f"RSS grew by {grown} KiB while the collector sent {collector.sent} bytes"
        # The server still answers.
        assert client.tool("add", {"a": 2, "b": 3})["content"][0]["text"] == "5"
    finally:
        collector.close()


class TricklingCollector:
    """A collector on 127.0.0.1 whose first answer trickles in, a byte at a
    time, each well within the I/O timeout, without end; later connections
    get a proper answer, and their requests are kept."""

    def __init__(self):
        self.first_closed = threading.Event()
        self.bodies = []
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4)
        self.port = self.listener.getsockname()[1]
        self.connections = []
        self.stopping = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    @staticmethod
    def _read_request(connection):
        request = b""
        while b"\r\n\r\n" not in request:
            data = connection.recv(65536)
            if not data:
                return None
            request += data
        head, body = request.split(b"\r\n\r\n", 1)
        length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
        while len(body) < length:
            body += connection.recv(65536)
        return body

    def _trickle(self, connection):
        self._read_request(connection)
        try:
            while not self.stopping.is_set():
                connection.sendall(b"H")
                time.sleep(0.2)
                # The server gave up when it closed its end.
                connection.setblocking(False)
                try:
                    if connection.recv(1) == b"":
                        break
                except BlockingIOError:
                    pass
                connection.setblocking(True)
        except OSError:
            pass
        self.first_closed.set()

    def _answer(self, connection):
        while (body := self._read_request(connection)) is not None:
            self.bodies.append(body)
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                               b"Content-Length: 2\r\n\r\n{}")

    def _serve(self):
        first = True
        while not self.stopping.is_set():
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections.append(connection)
            target = self._trickle if first else self._answer
            first = False
            threading.Thread(target=target, args=(connection,), daemon=True).start()

    def close(self):
        self.stopping.set()
        for connection in self.connections:
            connection.close()
        self.listener.close()


def test_trickling_collector_is_given_up_at_the_export_timeout(start):
    # The export timeout bounds the whole export, not each read: a collector
    # sending a byte now and then must not hold the exporter for ever.
    collector = TricklingCollector()
    try:
        server = start("server-with-auth", env={
            "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{collector.port}",
            "OTEL_BSP_SCHEDULE_DELAY": "100", "OTEL_EXPORTER_OTLP_TIMEOUT": "1000"})
        client = Client(server)
        client.initialize()
        client.tool("add", {"a": 1, "b": 2})
        assert collector.first_closed.wait(60), "the trickling export was never given up"
        client.tool("add", {"a": 40, "b": 2})
        assert wait_for(lambda: any(b"tools/call add" in body for body in collector.bodies), 60), \
            "no later export reached the collector"
    finally:
        collector.close()


def test_unconfigured_sends_nothing_and_opens_no_socket(start):
    server = start("server-with-auth")
    client = Client(server)
    client.initialize()
    client.tool("add", {"a": 1, "b": 2})
    client.tool("whoami")
    pid = server.process.pid
    # One thread less than a traced server would have, and no socket but
    # the listening one and the client's (closed) connections.
    threads = os.listdir(f"/proc/{pid}/task")
    names = [open(f"/proc/{pid}/task/{t}/comm").read().strip() for t in threads]
    assert "north-mcp-otlp" not in names, names
    sockets = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            sockets.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except FileNotFoundError:
            pass  # closed since the listing (a client connection ending)
    inodes = {s[8:-1] for s in sockets if s.startswith("socket:")}
    connected = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in open(table).read().splitlines()[1:]:
            fields = line.split()
            # state 01 = ESTABLISHED, 02 = SYN_SENT: an outgoing connection
            if fields[9] in inodes and fields[3] in ("01", "02"):
                connected += 1
    assert connected == 0


def test_traced_server_has_exporter_thread(start, receiver):
    """The counterpart of the test above, so that it can fail."""
    collector = receiver()
    server = start("server-with-auth", env=otel_env(collector))
    client = Client(server)
    client.initialize()
    client.tool("add", {"a": 1, "b": 2})
    pid = server.process.pid

    def thread_names():
        return [open(f"/proc/{pid}/task/{t}/comm").read().strip() for t in os.listdir(f"/proc/{pid}/task")]

    # The thread exists before the answer is sent (the first span starts
    # it), but it names itself: GLib sets the name from inside the new
    # thread, after g_thread_try_new() has returned. Reading the names
    # right after the answer raced with that (the flake); wait for it.
    assert wait_for(lambda: "north-mcp-otlp" in thread_names()), thread_names()


@pytest.mark.parametrize("env,warning", [
    ({"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, "OTLP protocol grpc is not supported"),
    ({"OTEL_SDK_DISABLED": "true"}, None),
    ({"OTEL_TRACES_EXPORTER": "none"}, None),
])
def test_disabled_configurations(start, receiver, env, warning):
    collector = receiver()
    server = start("server-with-auth", env=otel_env(collector, **env))
    client = Client(server)
    client.initialize()
    client.tool("add", {"a": 1, "b": 2})
    assert server.stop() == 0
    assert collector.exports == []
    if warning:
        assert warning in server.stderr()
