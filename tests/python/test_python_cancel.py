# test_python_cancel.py: notifications/cancelled cancels the asyncio task
# of an async Python tool.
#
# SPDX-License-Identifier: MIT
import os
import sys

from mcp_client import StdioClient, text_of

SERVER = [sys.executable, os.path.join(os.path.dirname(__file__), "features_server.py")]


def test_cancelled_request_cancels_the_coroutine():
    client = StdioClient(SERVER)
    try:
        client.initialize()
        request = client.send("tools/call", {"name": "wait_forever", "arguments": {}})
        client.server.wait_for_stderr(r"^wait_forever: waiting$")
        client.send("notifications/cancelled", {"requestId": request, "reason": "test"},
                    notification=True)
        client.server.wait_for_stderr(r"^wait_forever: cancelled$")
        # The server goes on serving; the cancelled request got no answer.
        assert text_of(client.call_tool("echo", {"text": "still here"})["result"]) == \
            "tools/call: still here"
        assert request not in client.arrivals
    finally:
        client.close()
