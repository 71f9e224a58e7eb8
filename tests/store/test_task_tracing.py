#!/usr/bin/python3
"""Tracing of tasks (SEP-2663) across replicas sharing a Redis state
store: real redis-server, real replica processes exporting to a real
OTLP/HTTP receiver (bench/otlp-receiver.py, in this process on
127.0.0.1).

A task's handler runs in rounds after the request that started each one
was dispatched: the first once the store admitted the task, a later one
when a tasks/update brought its answers (maybe through another replica).
Each round's span continues the trace of that request, as a child of its
server span."""

import json
import time

import otlp_receiver
import pytest

CALL_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALL_PARENT_ID = "00f067aa0ba902b7"
UPDATE_TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
UPDATE_PARENT_ID = "b7ad6b7169203331"
CAPABILITIES = {"elicitation": {}, "extensions": {"io.modelcontextprotocol/tasks": {}}}


@pytest.fixture
def collector():
    with otlp_receiver.running() as server:
        yield server


def otel_env(collector):
    return {"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{collector.server_address[1]}",
            "OTEL_BSP_SCHEDULE_DELAY": "100",
            "OTEL_SERVICE_NAME": "task-tracing-test"}


def request(replica, method, params, name, headers):
    """One request of the 2026-07-28 revision (no session)."""
    params = dict(params)
    params["_meta"] = {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                       "io.modelcontextprotocol/clientCapabilities": CAPABILITIES}
    all_headers = {"Accept": "application/json", "MCP-Protocol-Version": "2026-07-28",
                   "Mcp-Method": method, "Mcp-Name": name, **headers}
    _, _, body = replica.request("POST", {"jsonrpc": "2.0", "id": 1, "method": method, "params": params},
                                 headers=all_headers)
    return json.loads(body)


def poll_task(replica, task_id, waiting):
    deadline = time.monotonic() + 60
    while True:
        task = request(replica, "tasks/get", {"taskId": task_id}, task_id, {})["result"]
        if task["status"] not in waiting:
            return task
        assert time.monotonic() < deadline, task
        time.sleep(0.05)


def attribute_keys(span):
    return {attribute["key"] for attribute in span.get("attributes", [])}


def request_id(span):
    for attribute in span.get("attributes", []):
        if attribute["key"] == "jsonrpc.request.id":
            return attribute["value"]["stringValue"]
    return None


def wait_for_spans(collector, name, count):
    """The spans called @name, once there are @count (generous: only that
    they are exported at all)."""
    deadline = time.monotonic() + 30
    while True:
        spans = [span for span in collector.spans() if span["name"] == name]
        if len(spans) >= count or time.monotonic() > deadline:
            return spans
        time.sleep(0.05)


@pytest.mark.parametrize("relayed", [True, False], ids=["relayed", "local"])
def test_each_round_of_a_task_continues_the_trace_of_its_request(replicas, collector, relayed):
    """The task is started on one replica, its answers reach it through the
    other (@relayed) or the same one. Its rounds used to start a new trace
    each: the first ran once the store admitted the task, after the
    tools/call's dispatch, and a later one with the tools/call's params
    and no request's headers."""
    one, two = replicas(2, "conformance-server", env=otel_env(collector))
    updating = two if relayed else one
    created = request(one, "tools/call", {"name": "confirm_delete", "arguments": {"filename": "notes.txt"}},
                      "confirm_delete", {"traceparent": f"00-{CALL_TRACE_ID}-{CALL_PARENT_ID}-01",
                                         "tracestate": "vendor=call"})["result"]
    assert created["resultType"] == "task", created
    task_id = created["taskId"]
    assert poll_task(two, task_id, ("working",))["status"] == "input_required"

    ack = request(updating, "tasks/update", {"taskId": task_id, "inputResponses": {
        "confirm": {"action": "accept", "content": {"confirm": True}}}}, task_id,
        {"traceparent": f"00-{UPDATE_TRACE_ID}-{UPDATE_PARENT_ID}-01", "tracestate": "vendor=update"})
    assert ack["result"]["resultType"] == "complete", ack
    assert poll_task(one, task_id, ("working", "input_required"))["status"] == "completed"

    calls = wait_for_spans(collector, "tools/call confirm_delete", 3)
    (call,) = [span for span in calls if request_id(span) == "1"]
    rounds = sorted((span for span in calls if request_id(span) == task_id),
                    key=lambda span: int(span["startTimeUnixNano"]))
    (update,) = [span for span in wait_for_spans(collector, "tasks/update", 1) if request_id(span) == "1"]
    assert len(rounds) == 2, calls

    assert call["traceId"] == CALL_TRACE_ID and call["parentSpanId"] == CALL_PARENT_ID
    # The first round: under the tools/call that started it.
    assert rounds[0]["traceId"] == CALL_TRACE_ID, rounds[0]
    assert rounds[0]["parentSpanId"] == call["spanId"], rounds[0]
    assert rounds[0]["traceState"] == "vendor=call", rounds[0]
    # The second: under the tasks/update whose answers it brought.
    assert update["traceId"] == UPDATE_TRACE_ID and update["parentSpanId"] == UPDATE_PARENT_ID
    assert rounds[1]["traceId"] == UPDATE_TRACE_ID, rounds[1]
    assert rounds[1]["parentSpanId"] == update["spanId"], rounds[1]
    assert rounds[1]["traceState"] == "vendor=update", rounds[1]

    # A round is the server's own work, not a request it received: an
    # INTERNAL span (1), without the network attributes of the requests'
    # SERVER spans (2), where it said SERVER over a "pipe".
    for span in (call, update):
        assert span["kind"] == 2 and "network.transport" in attribute_keys(span), span
    for span in rounds:
        assert span["kind"] == 1, span
        assert not any(key.startswith("network.") for key in attribute_keys(span)), span
