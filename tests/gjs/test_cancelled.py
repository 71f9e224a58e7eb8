# test_cancelled.py: a GJS tool whose Promise never settles, cancelled by
# its client (notifications/cancelled), is forgotten by northmcp.js: its
# table of the requests in flight, which holds each request's context, lets
# go of it. Any client could otherwise make the server keep a context (a
# few KiB) per call, for as long as the process runs. And a context request
# (context.elicit(), sample(), listRoots(), readResource()) ends when the
# Gio.Cancellable its caller gave it is cancelled.
# tests/gjs/failing-server.js (NORTH_MCP_FAILING_SERVER).
#
# SPDX-License-Identifier: MIT
import json
import os

from mcp_client import SilentClient, StdioClient, text_of

COMMAND = json.loads(os.environ["NORTH_MCP_FAILING_SERVER"])
CALLS = 200


def in_flight(client):
    """The requests northmcp.js holds, but for the one asking."""
    answer = client.wait(client.send("tools/call", {"name": "inFlight", "arguments": {}}))
    return int(text_of(answer["result"])) - 1


def test_cancelled_calls_are_forgotten():
    client = StdioClient(COMMAND)
    try:
        client.initialize()
        for _ in range(CALLS):
            request_id = client.send("tools/call", {"name": "forever", "arguments": {}})
            client.send("notifications/cancelled", {"requestId": request_id}, notification=True)
        assert in_flight(client) == 0
    finally:
        client.close()


def test_context_requests_given_up_end():
    """A question to the client whose caller cancelled the Gio.Cancellable
    it gave ends: its Promise rejects with Gio.IOErrorEnum.CANCELLED and
    the client is sent notifications/cancelled for it, rather than it
    waiting for an answer among the session's 64 places (after 64 given
    up on, the tool could ask no more)."""
    client = SilentClient(COMMAND)
    try:
        client.initialize({"elicitation": {}, "sampling": {}, "roots": {}})
        result = client.call_tool("giveUpAsking", {"times": 100})["result"]
        assert text_of(result) == "100 cancelled", result
        assert len(client.asked) == 100
        client.wait_until(lambda: len(client.cancelled()) >= 100)
        assert client.cancelled() == sorted(client.asked)
        assert in_flight(client) == 0
        # Given up is not failed: no line.
        assert client.server.stderr_text == ""
    finally:
        client.close()


def test_read_given_up_cancels_the_resource_function():
    """context.readResource(uri, cancellable): cancelling the cancellable
    cancels the resource function's request, rather than letting it run
    on for nobody (for good, for one that waits on something that never
    comes), and the read rejects with Gio.IOErrorEnum.CANCELLED."""
    client = StdioClient(COMMAND)
    try:
        client.initialize()
        result = client.call_tool("giveUpReading", {})["result"]
        assert text_of(result) == "gave up: started, cancelled", result
        assert in_flight(client) == 0
    finally:
        client.close()
