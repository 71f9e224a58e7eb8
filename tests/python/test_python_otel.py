# test_python_otel.py: North context, child spans and citations from
# Python, GJS (when NORTH_MCP_GJS names gjs) and Vala, against a real OTLP/HTTP
# receiver (bench/otlp-receiver.py, run in this process on 127.0.0.1).
#
# SPDX-License-Identifier: MIT
import datetime
import os
import time

import gi
import pytest

gi.require_version("NorthMcp", "1.0")
from gi.repository import NorthMcp  # noqa: E402

from mcp_client import HttpClient  # noqa: E402
import otlp_receiver  # noqa: E402

ROOT = os.environ["NORTH_MCP_SOURCE_ROOT"]

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"


def example(name):
    if name == "vala":
        return [os.environ["NORTH_MCP_VALA_AUTH"]]
    if name.endswith(".js"):
        return [os.environ["NORTH_MCP_GJS"], "-m", os.path.join(ROOT, "examples", "gjs", name)]
    return ["/usr/bin/python3", os.path.join(ROOT, "examples", "python", name)]


def twins():
    names = ["server_with_auth.py"]
    if os.environ.get("NORTH_MCP_GJS"):
        names.append("server-with-auth.js")
    if os.environ.get("NORTH_MCP_VALA_AUTH"):
        names.append("vala")
    return names


@pytest.fixture
def collector(monkeypatch):
    with otlp_receiver.running() as receiver:
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                           f"http://127.0.0.1:{receiver.server_address[1]}/v1/traces")
        monkeypatch.setenv("OTEL_BSP_SCHEDULE_DELAY", "100")
        monkeypatch.setenv("OTEL_SERVICE_NAME", "binding-test")
        yield receiver


def wait_for(predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not predicate():
        time.sleep(0.05)
    return predicate()


@pytest.mark.parametrize("name", twins())
def test_context_and_child_span(collector, name):
    client = HttpClient(example(name))
    client.extra_headers = {"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01",
                            "X-North-Context-Tenant": "t1", "X-North-Context-Empty": ""}
    try:
        client.initialize()
        who = client.call_tool("whoami", {})["result"]["structuredContent"]
        assert who["email"] is None and who["context"] == {"tenant": "t1", "empty": ""}
        assert wait_for(lambda: any(s["name"] == "collect-north-context" for s in collector.spans()))
        spans = {span["name"]: span for span in collector.spans()}
        server_span, child = spans["tools/call whoami"], spans["collect-north-context"]
        assert server_span["traceId"] == child["traceId"] == TRACE_ID
        assert server_span["parentSpanId"] == PARENT_ID
        assert child["parentSpanId"] == server_span["spanId"]
        count = [a for a in child["attributes"] if a["key"] == "north.context.count"]
        assert count == [{"key": "north.context.count", "value": {"intValue": "2"}}]
    finally:
        client.close()


def test_python_span_context_manager_redacts_exceptions():
    # Outside a request: a span that records nothing, usable all the same.
    with NorthMcp.span("outside") as span:
        assert not span.is_recording() and span.get_trace_id() == "0" * 32
    with pytest.raises(ValueError):
        with NorthMcp.span("failing"):
            raise ValueError("private")


def test_python_citation_helper():
    item = NorthMcp.citation("Body", title="T", url="https://e.com/x", label="L",
                             author_name="A", last_updated=datetime.datetime(2024, 1, 15),
                             page_number=3)
    assert item == {"text": "Body", "title": "T", "url": "https://e.com/x",
                    "_north_metadata": {"renderer": "document", "content": "Body", "title": "T",
                                        "url": "https://e.com/x", "label": "L",
                                        "meta": {"author_name": "A", "last_updated": "1705276800",
                                                 "page_number": 3}}}
    assert NorthMcp.citation("Only") == {"text": "Only",
                                         "_north_metadata": {"renderer": "document", "content": "Only"}}


@pytest.mark.parametrize("tool", ["note_stats", "note_words"])
def test_internal_resource_read_is_a_child_span(collector, tool):
    """A tool that reads the server's own resource, with the library's
    read_resource_async() or Python's ctx.read_resource(): the read is a
    child span of the tool call, in the caller's trace, not a trace of its
    own."""
    client = HttpClient(["/usr/bin/python3", os.path.join(ROOT, "tests", "python", "telemetry_server.py")])
    client.extra_headers = {"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01"}
    try:
        client.initialize()
        result = client.call_tool(tool, {"title": "todo"})["result"]
        assert result["structuredContent"] == {"title": "todo", "words": 2}
        # The read ends first: exported with the call's span, if not before.
        assert wait_for(lambda: f"tools/call {tool}" in {s["name"] for s in collector.spans()})
        spans = {span["name"]: span for span in collector.spans()}
        assert "resources/read" in spans, sorted(spans)
        call, read = spans[f"tools/call {tool}"], spans["resources/read"]
        assert read["traceId"] == call["traceId"] == TRACE_ID
        assert read["parentSpanId"] == call["spanId"] and read["kind"] == 1
        assert {"key": "mcp.resource.uri", "value": {"stringValue": "notes://todo"}} in read["attributes"]
    finally:
        client.close()


@pytest.mark.parametrize("sensitive,log_trace", [(False, False), (True, True)])
def test_north_sdk_telemetry_api(collector, monkeypatch, sensitive, log_trace):
    """The North Python SDK's TelemetryConfig, traced_span and
    get_telemetry_config, ported as they are: the config sets the tracer's
    record-error-details and log-trace-context, traced_span is a child span
    that records an exception's message as the config (or its own
    record_exception_details) says."""
    monkeypatch.setenv("TELEMETRY_SENSITIVE", "1" if sensitive else "0")
    monkeypatch.setenv("TELEMETRY_LOG_TRACE", "1" if log_trace else "0")
    client = HttpClient(["/usr/bin/python3", os.path.join(ROOT, "tests", "python", "telemetry_server.py")])
    client.extra_headers = {"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01"}
    try:
        client.initialize()
        found = client.call_tool("config", {})["result"]["structuredContent"]
        assert found == {"record_sensitive_data": sensitive, "log_trace_context": log_trace}
        for how in ("config", "detailed", "redacted"):
            assert client.call_tool("fail", {"how": how})["result"]["isError"]
        assert wait_for(lambda: {"step", "configured", "detailed", "redacted"}
                        <= {s["name"] for s in collector.spans()})
        spans = {span["name"]: span for span in collector.spans()}
        assert spans["step"]["parentSpanId"] == spans["tools/call config"]["spanId"]
        assert spans["step"]["traceId"] == TRACE_ID
        assert {"key": "n", "value": {"intValue": "1"}} in spans["step"]["attributes"]

        def message(name):
            return spans[name]["status"]["message"], [e["name"] for e in spans[name].get("events", [])]

        detailed = ("private detail", ["exception"])
        assert message("configured") == (detailed if sensitive else ("ValueError", []))
        assert message("detailed") == detailed
        assert message("redacted") == ("ValueError", [])
        handling = [line for line in client.server._stderr_lines if "Handling tools/call" in line]
        assert len(handling) == 4, client.server._stderr_lines
        assert all(("[trace_id=" in line) == log_trace for line in handling), handling
        assert any(f"[trace_id={TRACE_ID} span_id=" in line for line in handling) == log_trace

        # Depends(get_telemetry_config): not an argument the client sees or sets.
        tools = {tool["name"]: tool for tool in client.request("tools/list", {})["result"]["tools"]}
        assert list(tools["injected"]["inputSchema"]["properties"]) == ["text"]
        result = client.call_tool("injected", {"text": "hi", "telemetry": "forged"})["result"]
        assert result["structuredContent"] == {"type": "TelemetryConfig", "record_sensitive_data": sensitive}
        assert wait_for(lambda: "injected-step" in {s["name"] for s in collector.spans()})
        # TraceContextFormatter: the request's ids at the end of a Python log line.
        call = {s["name"]: s for s in collector.spans()}["tools/call injected"]
        assert client.server.wait_for_stderr(
            r"NorthMCP.Demo - injected hi \[trace_id=%s span_id=%s\]" % (TRACE_ID, call["spanId"]))
    finally:
        client.close()


def test_traced_span_outside_a_request():
    with NorthMcp.traced_span("outside", record_exception_details=True) as span:
        assert not span.is_recording()
    config = NorthMcp.get_telemetry_config()
    assert (config.record_sensitive_data, config.log_trace_context) == (False, False)
