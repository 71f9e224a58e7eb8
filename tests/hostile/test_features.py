"""Hostile use of the protocol's optional features: what a client puts in a
request's _meta that the server sends back again and again."""

import json
import os
import subprocess

import pytest

from hostile import initialize_message, server_pool, sse_or_json, wait_until

FLOOD_SERVER = os.path.join(os.environ.get("NORTH_MCP_HOSTILE_BUILD",
                                           os.path.join(os.path.dirname(__file__), "..", "..",
                                                        "build", "tests", "hostile")),
                            "flood-server")

# NORTH_MCP_PROGRESS_TOKEN_MAX_LENGTH
TOKEN_MAX = 256


@pytest.fixture
def start():
    yield from server_pool()


def flood_call(token, count, rid=2):
    return {"jsonrpc": "2.0", "id": rid, "method": "tools/call",
            "params": {"name": "flood", "arguments": {"count": count, "size": 1},
                       "_meta": {"progressToken": token}}}


def http_call(server, message):
    headers = {"MCP-Protocol-Version": "2025-06-18"}
    status, answer_headers, body = server.post_mcp(initialize_message(), headers)
    assert status == 200, body
    headers["Mcp-Session-Id"] = answer_headers.get("mcp-session-id") or answer_headers["Mcp-Session-Id"]
    status, _, body = server.post_mcp({"jsonrpc": "2.0", "method": "notifications/initialized"}, headers)
    assert status == 202, body
    status, answer_headers, body = server.post_mcp(message, headers, timeout=120)
    assert status == 200, body
    return len(body), sse_or_json(answer_headers, body)


def stdio_call(message):
    server = subprocess.Popen([FLOOD_SERVER, "--transport", "stdio"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        lines = [initialize_message(), {"jsonrpc": "2.0", "method": "notifications/initialized"}, message]
        output, _ = server.communicate(b"".join(json.dumps(line).encode() + b"\n" for line in lines),
                                       timeout=120)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert server.returncode == 0
    return len(output), output


def progress_of(messages):
    return [m["params"] for m in messages if m.get("method") == "notifications/progress"]


@pytest.mark.parametrize("transport", ["http", "stdio"])
def test_a_huge_progress_token_is_not_sent_back_with_every_notification(start, transport):
    # A 1 MiB token on a call that reports progress 20 times made the server
    # write 20 MiB for one request of 1 MiB (and copy it 60 times).
    message = flood_call("t" * (1 << 20), 20)
    if transport == "http":
        length, messages = http_call(start(program=FLOOD_SERVER), message)
    else:
        length, output = stdio_call(message)
        # Before any line is read: a cut output may end inside one.
        assert length < 64 * 1024
        messages = [json.loads(line) for line in output.splitlines()]

    assert length < 64 * 1024
    assert messages[-1]["result"]["content"][0]["text"] == "flooded 20"
    assert progress_of(messages) == []


@pytest.mark.parametrize("token", ["t" * TOKEN_MAX, 7, -(1 << 63)], ids=["longest", "int", "int64"])
def test_progress_tokens_of_the_schema_are_sent_back(start, token):
    _, messages = http_call(start(program=FLOOD_SERVER), flood_call(token, 3))

    assert messages[-1]["result"]["content"][0]["text"] == "flooded 3"
    assert [p["progressToken"] for p in progress_of(messages)] == [token] * 3


@pytest.mark.parametrize("token", ["t" * (TOKEN_MAX + 1), 1.5, True, None, {"a": 1}, [1]],
                         ids=["too-long", "float", "bool", "null", "object", "array"])
def test_progress_tokens_outside_the_schema_get_no_progress(start, token):
    # ProgressToken is a string or an integer: a float or a boolean used to
    # be echoed as such.
    _, messages = http_call(start(program=FLOOD_SERVER), flood_call(token, 3))

    assert messages[-1]["result"]["content"][0]["text"] == "flooded 3"
    assert progress_of(messages) == []


def test_an_unknown_notification_is_logged_with_a_bounded_name(start):
    # The debug line "Ignoring notification …" quoted the client's method
    # whole: 1 MiB of log for each notification of 1 MiB.
    server = start(program="server-with-debug")
    headers = {"MCP-Protocol-Version": "2025-06-18"}
    status, answer_headers, body = server.post_mcp(initialize_message(), headers)
    assert status == 200, body
    headers["Mcp-Session-Id"] = answer_headers.get("mcp-session-id") or answer_headers["Mcp-Session-Id"]
    for _ in range(4):
        status, _, body = server.post_mcp({"jsonrpc": "2.0", "method": "notifications/" + "n" * (1 << 20)},
                                          headers)
        assert status == 202, body
    status, _, body = server.post_mcp({"jsonrpc": "2.0", "id": 5, "method": "ping"}, headers)
    assert status == 200, body

    assert wait_until(lambda: sum("Ignoring notification" in line for line in server.lines) == 4)
    assert max(len(line) for line in server.lines) < 4096


# NORTH_MCP_URI_TEMPLATE_MAX_URI_LENGTH
URI_MAX = 65536


@pytest.mark.parametrize("extra", [0, 1], ids=["longest", "too-long"])
def test_a_uri_too_long_for_resource_templates_says_so(start, extra):
    # Past the limit no template matches, and the answer was only
    # "Resource not found", as for a URI of no template: the client could
    # not tell why its URI of a template was not read.
    prefix, suffix = "test://template/", "/data"
    uri = prefix + "a" * (URI_MAX + extra - len(prefix) - len(suffix)) + suffix
    assert len(uri) == URI_MAX + extra
    _, messages = http_call(start(program="conformance-server"),
                            {"jsonrpc": "2.0", "id": 2, "method": "resources/read", "params": {"uri": uri}})
    answer = messages[-1]

    if extra == 0:
        assert answer["result"]["contents"][0]["uri"] == uri
    else:
        assert answer["error"]["code"] == -32002
        assert "65536 bytes" in answer["error"]["message"]
        assert len(answer["error"]["message"]) < 1024


# NORTH_MCP_ECHO_MAX_BYTES
ECHO_MAX = 128


def test_a_handlers_resource_not_found_repeats_a_bounded_uri(start):
    # A URI of no resource or template is named in the error's data by its
    # first 128 bytes; one that a template's handler did not find was
    # repeated whole, as long as templates match (64 KiB), for each read.
    server = start(program="server-with-resources")
    for uri in ["notes://" + "n" * 60000, "nothing://" + "n" * 60000]:
        _, messages = http_call(server, {"jsonrpc": "2.0", "id": 2, "method": "resources/read",
                                         "params": {"uri": uri}})
        error = messages[-1]["error"]
        assert error["code"] == -32002
        assert uri.startswith(error["data"]["uri"][:-1])
        assert len(error["data"]["uri"].encode()) <= ECHO_MAX + len("…".encode())
