# test_python_context.py: the Python Context of async tools: cancellation,
# awaitable requests to the client, progress and logging.
#
# SPDX-License-Identifier: MIT
import json
import os
import socket
import sys

from mcp_client import HttpClient, SilentClient, StdioClient, text_of

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


def test_stateless_hang_up_cancels_the_coroutine():
    # Without a session the answer of a call whose client hung up can never
    # be delivered: the handler is cancelled (before, it ran on for nobody,
    # keeping its request's body among those held).
    client = HttpClient(SERVER, extra_args=["--stateless"])
    try:
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                           "params": {"name": "wait_forever", "arguments": {}}}).encode()
        with socket.create_connection((client.url.hostname, client.url.port)) as connection:
            connection.sendall(b"POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                               b"Content-Type: application/json\r\n"
                               b"Accept: application/json, text/event-stream\r\n"
                               b"Content-Length: %d\r\n\r\n%s"
                               % (client.url.path.encode(), len(body), body))
            client.server.wait_for_stderr(r"^wait_forever: waiting$")
        client.server.wait_for_stderr(r"^wait_forever: cancelled$")
        assert text_of(client.call_tool("echo", {"text": "still here"})["result"]) == \
            "tools/call: still here"
    finally:
        client.close()


def test_cancelled_context_requests_end():
    """A request to the client whose awaiting asyncio task the tool
    cancels ends (the client is sent notifications/cancelled for it),
    rather than staying among the session's requests waiting for an
    answer, which are 64 at most: a tool that gave up on its questions
    (asyncio.wait_for() around ctx.elicit()) could ask no more."""
    client = SilentClient(SERVER)
    try:
        client.initialize({"elicitation": {}})
        result = client.call_tool("give_up_asking", {"times": 100})["result"]
        assert text_of(result) == "100 cancelled", result
        assert len(client.asked) == 100
        client.wait_until(lambda: len(client.cancelled()) >= 100)
        assert client.cancelled() == sorted(client.asked)
        # No failure line, no GLib or asyncio warning.
        assert client.server.stderr_text == ""
    finally:
        client.close()


def test_context_requests_to_the_client_are_awaitable():
    asked = []

    def answer(method, params):
        asked.append(method)
        if method == "roots/list":
            return {"roots": [{"uri": "file:///work", "name": "work"}]}
        if method == "sampling/createMessage":
            assert params["messages"][0]["content"]["text"] == "Say hi"
            return {"role": "assistant", "model": "test",
                    "content": {"type": "text", "text": "hi"}}
        if method == "elicitation/create":
            assert params["message"] == "Your name?"
            return {"action": "accept", "content": {"name": "Ada"}}
        raise AssertionError(method)

    client = StdioClient(SERVER, request_handler=answer)
    try:
        client.initialize({"roots": {}, "sampling": {}, "elicitation": {}})
        client.request("logging/setLevel", {"level": "debug"})
        result = client.call_tool("ask_client", {}, meta={"progressToken": "p1"})["result"]
        assert result["structuredContent"] == {
            "roots": [{"uri": "file:///work", "name": "work"}],
            "sample": "hi",
            "form": {"action": "accept", "content": {"name": "Ada"}},
        }
        assert asked == ["roots/list", "sampling/createMessage", "elicitation/create"]
        progress = [n["params"] for n in client.notifications
                    if n["method"] == "notifications/progress"]
        assert [p["progress"] for p in progress] == [1, 2, 3]
        assert progress[0]["total"] == 3 and progress[0]["progressToken"] == "p1"
        logs = [n["params"] for n in client.notifications
                if n["method"] == "notifications/message"]
        assert logs[0]["level"] == "info" and logs[0]["data"] == "asking the client"
    finally:
        client.close()


def test_context_request_without_capability_is_an_error_result():
    client = StdioClient(SERVER)
    try:
        client.initialize()
        result = client.call_tool("ask_client", {})["result"]
        assert result["isError"] is True
    finally:
        client.close()
