# test_example_server.py: drives a language binding's example server
# (server_with_auth in Python, GJS or Vala: NORTH_MCP_EXAMPLE_SERVER) over
# stdio and Streamable HTTP.
#
# SPDX-License-Identifier: MIT
import threading

import pytest

from mcp_client import (SEED_BEARER_TOKEN, HttpClient, StdioClient,
                        server_command, text_of)


@pytest.fixture
def stdio():
    client = StdioClient(server_command())
    client.initialize()
    yield client
    client.close()


@pytest.fixture
def http_with_token():
    client = HttpClient(server_command(), bearer_token=SEED_BEARER_TOKEN)
    client.initialize()
    yield client
    client.close()


@pytest.fixture
def http_without_token():
    client = HttpClient(server_command())
    client.initialize()
    yield client
    client.close()


# --- stdio ------------------------------------------------------------------

def test_stdio_lists_the_tools(stdio):
    tools = {tool["name"]: tool for tool in stdio.request("tools/list")["result"]["tools"]}
    assert {"add", "whoami", "divide", "add_slowly"} <= set(tools)
    schema = tools["add"]["inputSchema"]
    assert schema["type"] == "object"
    assert schema["properties"]["a"]["type"] == "integer"
    assert schema["properties"]["b"]["type"] == "integer"
    assert sorted(schema["required"]) == ["a", "b"]
    assert tools["add"]["description"] == "Add two numbers"


def test_stdio_add(stdio):
    response = stdio.call_tool("add", {"a": 2, "b": 3})
    assert not response["result"].get("isError", False)
    assert text_of(response["result"]) == "5"
    stdio.server.wait_for_stderr(r"^This tool was called by: unauthenticated user$")


def test_stdio_no_user_without_http(stdio):
    result = stdio.call_tool("whoami", {})["result"]
    assert result["structuredContent"]["email"] is None
    assert result["structuredContent"]["connector_access_tokens"] == {}


def test_stdio_async_tool_does_not_block(stdio):
    slow = stdio.send("tools/call", {"name": "add_slowly",
                                     "arguments": {"a": 20, "b": 22, "seconds": 3}})
    # Once the slow call is waiting inside the tool, the quick one must be
    # answered first: a blocked main loop would answer it after the slow one.
    stdio.server.wait_for_stderr(r"^add_slowly: waiting")
    fast = stdio.send("tools/call", {"name": "add", "arguments": {"a": 1, "b": 1}})
    assert text_of(stdio.wait(fast)["result"]) == "2"
    assert text_of(stdio.wait(slow)["result"]) == "42"
    # The quick call was answered while the slow one was still waiting.
    arrivals = stdio.arrivals
    assert arrivals.index(fast) < arrivals.index(slow)
    stdio.server.wait_for_stderr(r"^add_slowly: done for unauthenticated user$")
    assert (stdio.server.stderr_index(r"^This tool was called by:")
            < stdio.server.stderr_index(r"^add_slowly: done for"))


def test_stdio_exception_is_error_result(stdio):
    result = stdio.call_tool("divide", {"a": 1, "b": 0})["result"]
    assert result["isError"] is True
    assert "division by zero" in text_of(result)
    # The server goes on serving.
    assert text_of(stdio.call_tool("divide", {"a": 9, "b": 3})["result"]) in ("3", "3.0")


def test_stdio_bad_arguments_are_rejected(stdio):
    response = stdio.call_tool("add", {"a": "two", "b": 3})
    if "error" in response:
        assert response["error"]["code"] == -32602
    else:
        assert response["result"]["isError"] is True
    assert text_of(stdio.call_tool("add", {"a": 2, "b": 2})["result"]) == "4"


# --- Streamable HTTP ----------------------------------------------------------

def test_http_add_sees_the_north_user(http_with_token):
    response = http_with_token.call_tool("add", {"a": 2, "b": 3})
    assert text_of(response["result"]) == "5"
    http_with_token.server.wait_for_stderr(r"^This tool was called by: test@company\.com$")


def test_http_whoami_has_email_and_connector_tokens(http_with_token):
    result = http_with_token.call_tool("whoami", {})["result"]
    assert result["structuredContent"]["email"] == "test@company.com"
    assert result["structuredContent"]["connector_access_tokens"] == {"google": "abc"}
    assert result["structuredContent"]["id_token_present"] is True


def test_http_without_token_has_no_user(http_without_token):
    response = http_without_token.call_tool("add", {"a": 1, "b": 2})
    assert text_of(response["result"]) == "3"
    http_without_token.server.wait_for_stderr(r"^This tool was called by: unauthenticated user$")


def test_http_async_tool_does_not_block(http_with_token):
    finished = []
    lock = threading.Lock()

    def call(name, arguments):
        response = http_with_token.call_tool(name, arguments)
        with lock:
            finished.append((name, text_of(response["result"])))

    slow = threading.Thread(target=call, args=("add_slowly", {"a": 20, "b": 22, "seconds": 3}))
    slow.start()
    # Wait until the slow call has reached the tool before starting the
    # quick one: both are then in flight at once.
    http_with_token.server.wait_for_stderr(r"^add_slowly: waiting")
    call("add", {"a": 1, "b": 1})
    slow.join()
    assert sorted(finished) == [("add", "2"), ("add_slowly", "42")]
    server = http_with_token.server
    server.wait_for_stderr(r"^add_slowly: done for test@company\.com$")
    # The quick call ran while the slow one was waiting (the server's own
    # order of events, whatever order the two HTTP answers were read in).
    assert (server.stderr_index(r"^This tool was called by: test@company\.com$")
            < server.stderr_index(r"^add_slowly: done for"))


def test_http_stateless_json_mode_sees_the_user():
    # North's mode: no sessions, one JSON answer per POST.
    client = HttpClient(server_command(), bearer_token=SEED_BEARER_TOKEN,
                        extra_args=["--stateless"])
    try:
        client.initialize()
        assert client.session_id is None
        assert text_of(client.call_tool("add", {"a": 40, "b": 2})["result"]) == "42"
        client.server.wait_for_stderr(r"^This tool was called by: test@company\.com$")
    finally:
        client.close()


def test_http_exception_is_error_result(http_with_token):
    result = http_with_token.call_tool("divide", {"a": 1, "b": 0})["result"]
    assert result["isError"] is True
    assert "division by zero" in text_of(result)
