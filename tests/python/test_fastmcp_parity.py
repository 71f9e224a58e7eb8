# test_fastmcp_parity.py: a server written the FastMCP way
# (fastmcp_server.py), driven by the official TypeScript SDK client, which
# also checks every structuredContent against the tool's outputSchema.
#
# SPDX-License-Identifier: MIT
import http.client
import json
import os
import re
import sys
import threading

import pytest

from mcp_client import ServerProcess, ToolCallFailed, TsClient, local_web_server, text_of

SERVER = [sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                       "fastmcp_server.py")]


@pytest.fixture(scope="module")
def client():
    client = TsClient(SERVER + ["--transport", "stdio"], answers={
        "elicitation/create": {"action": "accept", "content": {"name": "Ada", "age": 36}}})
    client.tools = {tool["name"]: tool for tool in client.request("listTools")["tools"]}
    yield client
    client.close()


RELEASE = threading.Event()      # lets /wait answer


def _answer(path, headers):
    if path == "/wait":
        RELEASE.wait(60)
    return "text/plain", ("hello from " + path).encode()


@pytest.fixture(scope="module")
def web():
    """A local HTTP server on 127.0.0.1 for the async networking tools."""
    with local_web_server(_answer) as url:
        try:
            yield url
        finally:
            RELEASE.set()


# --- schemas --------------------------------------------------------------------

def test_input_schema_from_every_kind_of_hint(client):
    schema = client.tools["describe"]["inputSchema"]
    properties, defs = schema["properties"], schema["$defs"]
    assert schema["required"] == ["color", "priority", "point", "address", "person"]
    assert properties["color"] == {"$ref": "#/$defs/Color"}
    assert defs["Color"] == {"title": "Color", "enum": ["red", "green"], "type": "string"}
    assert defs["Priority"]["enum"] == [1, 2] and defs["Priority"]["type"] == "integer"
    point = defs["Point"]
    assert point["type"] == "object" and point["required"] == ["x", "y"]
    assert point["properties"]["label"]["default"] == "origin"
    assert point["description"] == "A point in the plane"
    address = defs["Address"]
    assert address["required"] == ["street", "city"]          # zip is NotRequired
    assert set(address["properties"]) == {"street", "city", "zip"}
    assert "description" not in address
    person = defs["Person"]                                     # pydantic
    assert person["properties"]["name"]["description"] == "Full name"
    assert person["properties"]["age"]["minimum"] == 0
    assert person["properties"]["age"]["maximum"] == 150
    assert properties["mode"]["enum"] == ["short", "long"]
    assert properties["limit"]["anyOf"] == [{"type": "integer"}, {"type": "null"}]
    assert properties["scores"]["additionalProperties"] == {
        "type": "array", "items": {"type": "number"}}
    assert properties["note"]["description"] == "A note"
    assert properties["count"] == {"type": "integer", "minimum": 1, "maximum": 10,
                                   "description": "How many", "title": "Count", "default": 1}
    assert properties["ratio"]["description"] == "A ratio"
    assert properties["ratio"]["default"] == 0.5 and properties["ratio"]["maximum"] == 1


def test_arguments_arrive_converted_to_their_hints(client):
    result = client.call_tool("describe", {
        "color": "green", "priority": 2, "point": {"x": 1, "y": 2.5},
        "address": {"street": "Main St", "city": "Springfield"},
        "person": {"name": "Ada", "age": 36.0}, "mode": "long", "limit": 4.0,
        "scores": {"a": [1, 2.5]}, "count": 3.0})
    assert not result.get("isError"), result
    got = result["structuredContent"]
    assert got["color"] == ["Color", "GREEN"]
    assert got["priority"] == ["Priority", "HIGH"]
    assert got["point"] == ["Point", 1.0, 2.5, "origin"]
    assert got["address"] == ["dict", {"street": "Main St", "city": "Springfield"}]
    assert got["person"] == ["Person", "Ada", 36, []]
    assert got["limit"] == 4 and got["mode"] == "long"
    assert got["count"] == ["int", 3]
    assert got["ratio"] == 0.5                   # the Field() default, not the FieldInfo


def test_bad_arguments_name_the_argument(client):
    result = client.call_tool("describe", {
        "color": "blue", "priority": 1, "point": {"x": 0, "y": 0},
        "address": {"street": "a", "city": "b"}, "person": {"name": "x", "age": 1}})
    assert result["isError"] is True
    assert "color" in text_of(result) and "blue" not in "quark"
    result = client.call_tool("double", {"n": 2.5})
    assert result["isError"] is True and "'n'" in text_of(result)


def test_field_pattern_and_multiple_of_are_enforced(client):
    # Field(regex=…) (pydantic 1; `pattern=` in 2) and Field(multiple_of=…)
    # reach the schema, and the server refuses what they exclude before
    # the function runs, as FastMCP does.
    properties = client.tools["open_named"]["inputSchema"]["properties"]
    assert properties["name"]["pattern"] == "^[a-z]+$"
    assert properties["step"]["multipleOf"] == 0.5
    result = client.call_tool("open_named", {"name": "../../etc/passwd"})
    assert result["isError"] is True
    assert text_of(result) == ("Invalid arguments for tool 'open_named': "
                               "argument 'name' must match the pattern ^[a-z]+$")
    result = client.call_tool("open_named", {"name": "passwd\n"})
    assert result["isError"] is True and "pattern" in text_of(result)
    result = client.call_tool("open_named", {"name": "passwd", "step": 0.7})
    assert result["isError"] is True
    assert text_of(result) == ("Invalid arguments for tool 'open_named': "
                               "argument 'step' must be a multiple of 0.5")
    result = client.call_tool("open_named", {"name": "passwd", "step": 1.5})
    assert result.get("isError") is not True
    assert text_of(result) == "opened passwd by 1.5"


def test_integral_float_reaches_an_int_parameter(client):
    result = client.call_tool("double", {"n": 3.0})
    assert result["structuredContent"] == {"result": 6}
    assert text_of(result) == "6"


# --- output schemas and structured content -----------------------------------------

def test_output_schemas_follow_the_return_annotation(client):
    tools = client.tools
    assert tools["double"]["outputSchema"]["properties"]["result"]["type"] == "integer"
    assert tools["double"]["outputSchema"]["required"] == ["result"]
    assert tools["words"]["outputSchema"]["properties"]["result"]["items"] == {"type": "string"}
    note = tools["make_note"]["outputSchema"]
    assert note["type"] == "object" and note["required"] == ["title", "words", "color"]
    assert tools["adult"]["outputSchema"]["properties"]["age"]["type"] == "integer"
    assert tools["home"]["outputSchema"]["required"] == ["street", "city"]
    assert tools["inventory"]["outputSchema"]["additionalProperties"] == {"type": "integer"}
    assert "outputSchema" not in tools["describe"]             # a bare dict


def test_structured_content_matches_the_output_schemas(client):
    # The TypeScript client validates structuredContent against the
    # outputSchema and throws when they disagree.
    assert client.call_tool("words", {"text": "a b"})["structuredContent"] == {
        "result": ["a", "b"]}
    note = client.call_tool("make_note", {"title": "two words", "color": "green"})
    assert note["structuredContent"] == {"title": "two words", "words": 2, "color": "green"}
    assert json.loads(text_of(note)) == note["structuredContent"]
    assert client.call_tool("adult", {"name": "Bo"})["structuredContent"] == {
        "name": "Bo", "age": 42, "tags": ["x"]}
    assert client.call_tool("home")["structuredContent"] == {
        "street": "Main St", "city": "Springfield"}
    assert client.call_tool("inventory")["structuredContent"] == {"apples": 3}
    assert client.call_tool("maybe", {"flag": False})["structuredContent"] == {"result": None}
    assert client.call_tool("maybe", {"flag": True})["structuredContent"] == {"result": "yes"}


# --- errors ------------------------------------------------------------------------------

def test_exceptions_become_type_and_message(client):
    cases = {"key": "KeyError: 'nope'", "tool": "just this text", "empty": "RuntimeError",
             "zero": "ZeroDivisionError: division by zero"}
    for kind, text in cases.items():
        result = client.call_tool("fail", {"kind": kind})
        assert result["isError"] is True
        assert text_of(result) == text
    # The server's stderr is read by a thread: wait for the line.
    line = client.process.wait_for_stderr(r"NorthMcp: tool 'fail' failed: KeyError: 'nope' \((.*)\)")
    stderr = client.stderr_text
    assert line and line.group(1).endswith("in fail") and "fastmcp_server.py:" in line.group(1)
    assert "Traceback" not in stderr                # one line, not the whole traceback
    assert "quark" not in stderr


def test_debug_mode_logs_the_whole_traceback():
    client = TsClient(SERVER + ["--transport", "stdio", "--debug"])
    try:
        assert text_of(client.call_tool("fail", {"kind": "key"})) == "KeyError: 'nope'"
        client.process.wait_for_stderr(r"^NorthMcp: tool 'fail' failed:$")
        client.process.wait_for_stderr(r"^Traceback \(most recent call last\):$")
        client.process.wait_for_stderr(r"^KeyError: 'nope'$")
    finally:
        client.close()


# --- context -------------------------------------------------------------------------------

def test_context_logging_and_progress_are_awaitable(client):
    client.request("setLoggingLevel", {"level": "debug"})
    before = len(client.notifications)
    result = client.call_tool("talk", {"steps": 3})
    assert not result.get("isError"), result
    assert re.fullmatch(r"request \S+: connected", text_of(result))   # the lifespan's value
    logs = client.wait_for_notifications("notifications/message", 4, before)
    assert [(log["level"], log["data"]) for log in logs] == [
        ("debug", "debug line"), ("info", "info line"), ("warning", "warning line"),
        ("error", {"msg": "error line", "step": 0})]
    progress = client.wait_for_notifications("notifications/progress", 3, before)
    assert [(p["progress"], p["total"], p["message"]) for p in progress] == [
        (1, 3, "step 1"), (2, 3, "step 2"), (3, 3, "step 3")]


def test_read_resource_from_the_context(client):
    got = client.call_tool("read_own", {"uri": "items://7"})["structuredContent"]
    assert got == {"items": [['{"id": 7, "type": "int"}', "application/json"]]}
    got = client.call_tool("read_own", {"uri": "config://app"})["structuredContent"]
    assert got == {"items": [['{"debug": false}', "application/json"]]}
    got = client.call_tool("read_own", {"uri": "blob://bytes"})["structuredContent"]
    assert got == {"items": [["0102", "application/octet-stream"]]}
    missing = client.call_tool("read_own", {"uri": "nothing://here"})
    assert missing["isError"] is True
    assert text_of(missing) == "McpError: Unknown resource: nothing://here"


def test_elicit_with_a_model_type(client):
    assert text_of(client.call_tool("ask")) == "Answer: Ada is 36"


# --- resources, prompts, completion ------------------------------------------------------------

def test_template_variables_are_converted(client):
    contents = client.request("readResource", {"uri": "items://42"})["contents"]
    assert json.loads(contents[0]["text"]) == {"id": 42, "type": "int"}
    with pytest.raises(ToolCallFailed, match="item_id"):
        client.request("readResource", {"uri": "items://forty-two"})


def test_prompt_arguments_are_converted(client):
    prompt = next(p for p in client.request("listPrompts")["prompts"] if p["name"] == "repeat")
    assert [(a["name"], a.get("required", False)) for a in prompt["arguments"]] == [
        ("word", True), ("times", False), ("loud", False)]
    result = client.request("getPrompt", {"name": "repeat", "arguments": {
        "word": "hi", "times": "3", "loud": "true"}})
    assert result["messages"][0]["content"]["text"] == "int: HI HI HI"


def test_completion_decorator(client):
    got = client.request("complete", {"ref": {"type": "ref/prompt", "name": "repeat"},
                                      "argument": {"name": "word", "value": "ap"}})
    assert got["completion"]["values"] == ["apple", "apricot"]
    got = client.request("complete", {"ref": {"type": "ref/resource", "uri": "items://{item_id}"},
                                      "argument": {"name": "item_id", "value": ""}})
    assert got["completion"]["values"] == ["10", "11", "12"]
    got = client.request("complete", {"ref": {"type": "ref/prompt", "name": "repeat"},
                                      "argument": {"name": "times", "value": ""}})
    assert got["completion"]["values"] == []


# --- asyncio networking in async tools ---------------------------------------------------------------

def test_httpx_async_client_in_a_tool(client, web):
    assert text_of(client.call_tool("fetch_httpx", {"url": web + "/httpx"})) == \
        "200 hello from /httpx"


def test_aiohttp_in_a_tool(client, web):
    assert text_of(client.call_tool("fetch_aiohttp", {"url": web + "/aiohttp"})) == \
        "200 hello from /aiohttp"


def test_open_connection_in_a_tool(client, web):
    port = int(web.rsplit(":", 1)[1])
    assert text_of(client.call_tool("fetch_raw", {"host": "127.0.0.1", "port": port,
                                                  "path": "/raw"})) == "200 hello from /raw"


def test_subprocess_in_a_tool(client):
    assert text_of(client.call_tool("run_echo", {"text": "spawned"})) == "spawned"


def test_server_keeps_serving_while_a_tool_awaits_the_network(client, web):
    RELEASE.clear()
    waiting = client.start("callTool", {"name": "fetch_httpx", "arguments": {"url": web + "/wait"}})
    # Answered while fetch_httpx still waits for its response.
    assert client.call_tool("double", {"n": 21})["structuredContent"] == {"result": 42}
    RELEASE.set()
    assert text_of(client.result(waiting)) == "200 hello from /wait"


# --- HTTP: custom routes and the lifespan ----------------------------------------------------------

def http_request(url, method, path, body=None, headers=None):
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    try:
        connection.request(method, path, body, headers or {})
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type"), response.read()
    finally:
        connection.close()


def test_custom_routes_and_lifespan_over_http():
    import urllib.parse
    server = ServerProcess(SERVER, ["--transport", "streamable-http", "--port", "0",
                                    "--host", "127.0.0.1"])
    try:
        match = server.wait_for_stderr(r"listening on (http://\S+)")
        assert server.stderr_index(r"^lifespan: entered$") < server.stderr_index(r"listening on")
        url = urllib.parse.urlsplit(match.group(1))

        status, kind, body = http_request(url, "GET", "/ready?probe=1", headers={"X-Test": "yes"})
        assert status == 200 and kind == "application/json"
        assert json.loads(body) == {"status": "ready", "query": {"probe": "1"}, "agent": "yes"}
        status, _, body = http_request(url, "POST", "/echo", json.dumps({"a": [1]}),
                                       {"Content-Type": "application/json"})
        assert status == 201
        assert json.loads(body) == {"method": "POST", "path": "/echo", "body": {"a": [1]}}
        status, kind, body = http_request(url, "GET", "/metrics")
        assert (status, kind, body) == (200, "text/plain; charset=utf-8", b"requests_total 0\n")
        status, _, _ = http_request(url, "DELETE", "/ready")
        assert status == 405

        client = TsClient(url=match.group(1))
        try:
            assert re.fullmatch(r"request \S+: connected",
                                text_of(client.call_tool("talk", {"steps": 1})))
        finally:
            client.close()
    finally:
        server.stop()
    assert server.stderr_index(r"^lifespan: left$") > server.stderr_index(r"listening on")
