# test_cancelled.py: a GJS tool whose Promise never settles, cancelled by
# its client (notifications/cancelled), is forgotten by northmcp.js: its
# table of the requests in flight, which holds each request's context, lets
# go of it. Any client could otherwise make the server keep a context (a
# few KiB) per call, for as long as the process runs.
# tests/gjs/failing-server.js (NORTH_MCP_FAILING_SERVER).
#
# SPDX-License-Identifier: MIT
import json
import os

from mcp_client import StdioClient, text_of

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
