# test_python_examples.py: the other Python examples, over stdio and HTTP;
# the citations and destructive-tools tests also run the GJS twins when
# NORTH_MCP_GJS names gjs.
#
# SPDX-License-Identifier: MIT
import base64
import json
import os
import subprocess
import sys
import urllib.parse

import pytest

from mcp_client import SEED_BEARER_TOKEN, HttpClient, StdioClient, local_web_server, text_of

EXAMPLES = os.path.join(os.environ["NORTH_MCP_SOURCE_ROOT"], "examples", "python")


def example(name):
    if name == "vala":
        return [os.environ["NORTH_MCP_VALA_CITATIONS"]]
    if name.endswith(".js"):
        return [os.environ["NORTH_MCP_GJS"], "-m",
                os.path.join(os.environ["NORTH_MCP_SOURCE_ROOT"], "examples", "gjs", name)]
    return [sys.executable, os.path.join(EXAMPLES, name)]


def twins(python_name, gjs_name):
    names = [python_name]
    if os.environ.get("NORTH_MCP_GJS"):
        names.append(gjs_name)
    return names


@pytest.fixture
def stdio_server(request):
    client = StdioClient(example(request.param))
    client.initialize()
    yield client
    client.close()


@pytest.mark.parametrize("stdio_server", twins("server_with_citations.py", "server-with-citations.js")
                         + (["vala"] if os.environ.get("NORTH_MCP_VALA_CITATIONS") else []),
                         indirect=True)
def test_citations(stdio_server):
    result = stdio_server.call_tool("search_documents", {"query": "POLICY"})["result"]
    assert not result.get("isError", False)
    items = result["structuredContent"]["result"]
    assert len(items) == 1 and len(result["content"]) == 1
    assert json.loads(result["content"][0]["text"]) == items[0]
    # North 1.13's document citation, exactly (the C example's test has
    # the same item).
    text = "Passwords must be rotated every 90 days and never shared."
    assert items[0] == {
        "text": text, "title": "Security policy", "url": "https://example.com/docs/security-policy",
        "_north_metadata": {
            "renderer": "document", "content": text, "title": "Security policy",
            "url": "https://example.com/docs/security-policy",
            "meta": {"author_name": "Alex Kim", "last_updated": "1701302400", "page_number": 7},
        },
    }
    everything = stdio_server.call_tool("search_documents", {"query": ""})["result"]
    assert len(everything["structuredContent"]["result"]) == 3


@pytest.mark.parametrize("stdio_server", twins("server_with_destructive_tools.py",
                                               "server-with-destructive-tools.js"), indirect=True)
def test_destructive_tools(stdio_server):
    tools = {tool["name"]: tool for tool in stdio_server.request("tools/list")["result"]["tools"]}
    assert tools["list_notes"]["annotations"] == {"readOnlyHint": True}
    assert tools["delete_note"]["annotations"] == {
        "destructiveHint": True, "idempotentHint": False, "openWorldHint": False}
    assert tools["add_note"]["annotations"]["idempotentHint"] is True

    missing = stdio_server.call_tool("delete_note", {"title": "nope"})["result"]
    assert missing["isError"] is True and "There is no note titled 'nope'" in text_of(missing)
    assert text_of(stdio_server.call_tool("add_note", {"title": "a", "text": "b"})["result"]) == "Saved note 'a'"
    assert text_of(stdio_server.call_tool("list_notes", {})["result"]) == "a"
    assert text_of(stdio_server.call_tool("delete_note", {"title": "a"})["result"]) == "Deleted note 'a'"
    assert text_of(stdio_server.call_tool("list_notes", {})["result"]) == "(no notes)"


def test_debug_server_logs_the_user_over_http():
    client = HttpClient(example("server_with_debug.py"), bearer_token=SEED_BEARER_TOKEN)
    try:
        client.initialize()
        assert text_of(client.call_tool("add", {"a": 2, "b": 5})["result"]) == "7"
        client.server.wait_for_stderr(r"^Tool called by authenticated user: test@company\.com$")
        client.server.wait_for_stderr(r"^Available connectors: \['google'\]$")
        info = client.call_tool("get_user_info", {})["result"]["structuredContent"]
        assert info == {"email": "test@company.com", "available_connectors": ["google"],
                        "connector_count": 1, "authenticated": True}
        # Debug mode: the authentication is logged, the token is not.
        client.server.wait_for_stderr(r"DEBUG")
        assert SEED_BEARER_TOKEN not in client.server.stderr_text
    finally:
        client.close()


def test_create_bearer_token_makes_the_seed_token():
    output = subprocess.run(example("create_bearer_token.py"), check=True,
                            capture_output=True, text=True).stdout.strip()
    assert output == SEED_BEARER_TOKEN


def test_create_bearer_token_for_another_user():
    output = subprocess.run(example("create_bearer_token.py") + [
        "--email", "me@example.com", "--connector", "slack=xyz"],
        check=True, capture_output=True, text=True).stdout.strip()
    tokens = json.loads(base64.b64decode(output))
    assert tokens["server_secret"] == "server_secret"
    assert tokens["connector_access_tokens"] == {"slack": "xyz"}
    payload = tokens["user_id_token"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims == {"email": "me@example.com"}


def test_create_bearer_token_connectors_option():
    # The North Python SDK's --connectors: names, each with test-token-NAME.
    output = subprocess.run(example("create_bearer_token.py") + ["--connectors", "google,slack"],
                            check=True, capture_output=True, text=True).stdout.strip()
    assert json.loads(base64.b64decode(output))["connector_access_tokens"] == \
        {"google": "test-token-google", "slack": "test-token-slack"}


def test_access_token_example_over_http():
    """get_access_token() and get_north_context(), the newer North Python
    SDK's accessors, in the example written with them."""
    client = HttpClient(example("server_with_access_token.py"), bearer_token=SEED_BEARER_TOKEN)
    client.extra_headers = {"X-North-Context-Tenant-ID": "t1"}
    try:
        client.initialize()
        who = client.call_tool("whoami", {})["result"]["structuredContent"]
        assert who == {"authenticated": True, "email": "test@company.com",
                       "client_id": "test@company.com", "has_id_token": True}
        google = client.call_tool("connector_token", {"connector": "google"})["result"]
        assert google["structuredContent"] == {"connector": "google", "available": True,
                                               "preview": "abc..."}
        slack = client.call_tool("connector_token", {"connector": "slack"})["result"]
        assert slack["structuredContent"] == {"connector": "slack", "available": False,
                                              "connectors": ["google"]}
        assert client.call_tool("tenant", {})["result"]["structuredContent"] == \
            {"tenant": "t1", "context": {"tenant-id": "t1"}}
    finally:
        client.close()

    anonymous = HttpClient(example("server_with_access_token.py"))
    try:
        anonymous.initialize()
        assert anonymous.call_tool("whoami", {})["result"]["structuredContent"] == {"authenticated": False}
        assert anonymous.call_tool("connector_token", {"connector": "google"})["result"][
            "structuredContent"]["available"] is False
    finally:
        anonymous.close()


def test_seed_token_works_with_a_generated_token_too():
    token = subprocess.run(example("create_bearer_token.py") + ["--email", "other@company.com"],
                           check=True, capture_output=True, text=True).stdout.strip()
    client = HttpClient(example("server_with_auth.py"), bearer_token=token)
    try:
        client.initialize()
        assert text_of(client.call_tool("add", {"a": 1, "b": 1})["result"]) == "2"
        client.server.wait_for_stderr(r"^This tool was called by: other@company\.com$")
    finally:
        client.close()


def test_async_http_example_calls_the_api_with_the_connector_token():
    seen = []

    def answer(path, headers):
        seen.append((path, headers.get("Authorization")))
        return "application/json", json.dumps({"files": [{"name": "report.txt"}]}).encode()

    with local_web_server(answer) as url:
        os.environ["EXAMPLE_API_URL"] = url + "/files"
        try:
            client = HttpClient(example("server_with_async_http.py"),
                                bearer_token=SEED_BEARER_TOKEN)
        finally:
            del os.environ["EXAMPLE_API_URL"]
        try:
            client.initialize()
            result = client.call_tool("list_files", {"query": "rep"})["result"]
        finally:
            client.close()
    assert result["structuredContent"] == {"files": [{"name": "report.txt"}]}
    path, authorization = seen[0]
    assert authorization == "Bearer abc"          # the seed token's google connector
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(path).query) == {
        "q": ["name contains 'rep'"]}


def test_async_http_example_without_a_connector_token():
    client = StdioClient(example("server_with_async_http.py"))
    try:
        client.initialize()
        result = client.call_tool("list_files", {})["result"]
        assert result["isError"] is True
        assert text_of(result) == "Connect your Google account in North first"
    finally:
        client.close()


PLAIN_API_SERVER = r'''
import sys
import gi
gi.require_version("NorthMcp", "1.0")
from gi.repository import NorthMcp

def echo(tool, context, arguments, *user_data):
    return NorthMcp.ToolResult.new_text("plain " + arguments.get_string_member("word"))

# Made with the C constructors, not the override's Server() and @tool:
# the override must leave such objects working.
tool = NorthMcp.Tool.new("echo", "Echo a word")
tool.set_input_schema_json('{"type":"object","properties":{"word":{"type":"string"}}}')
tool.set_func(echo)
server = NorthMcp.Server.new("plain", "1.0")
server.add_tool(tool)

def greet(prompt, context, arguments, *user_data):
    result = NorthMcp.PromptResult.new(None)
    result.add_text(NorthMcp.Role.USER, "plain hello " + arguments["name"])
    return result

def day(template, context, uri, variables, *user_data):
    return NorthMcp.ResourceContents.new_text(uri, "text/plain", "plain day " + variables["n"])

def months(context, argument, value, arguments, *user_data):
    return [month for month in ("jan", "jun", "jul") if month.startswith(value)]

prompt = NorthMcp.Prompt.new("greet", "Greet")
prompt.add_argument("name", None, True)
prompt.set_func(greet)
prompt.set_completion_func(months)
server.add_prompt(prompt)
server.add_resource(NorthMcp.Resource.new_text("plain://note", "note", "text/plain", "plain note"))
template = NorthMcp.ResourceTemplate.new("plain://day/{n}", "day")
template.set_func(day)
template.set_completion_func(months)
server.add_resource_template(template)

@server.tool()
def shout(word: str) -> str:
    """Shout a word"""
    return word.upper()

@server.prompt()
def cheer(name: str) -> str:
    return "python cheer " + name

@server.resource("python://note")
def note() -> str:
    return "python note"

@server.resource("python://day/{n}")
def python_day(n: int) -> str:
    return "python day %d" % n

# The completion function set on them, with no @server.completion().
for feature in server.list_prompts() + server.list_resource_templates():
    if feature.get_name() in ("cheer", "python_day"):
        feature.set_completion_func(months)

sys.exit(server.run())
'''


def test_plain_c_api_objects_next_to_the_override(tmp_path):
    script = tmp_path / "plain_api_server.py"
    script.write_text(PLAIN_API_SERVER)
    client = StdioClient([sys.executable, str(script)])
    try:
        client.initialize()
        assert text_of(client.call_tool("echo", {"word": "hi"})["result"]) == "plain hi"
        assert text_of(client.call_tool("shout", {"word": "hi"})["result"]) == "HI"
        for name, text in (("greet", "plain hello ada"), ("cheer", "python cheer ada")):
            messages = client.request("prompts/get", {"name": name, "arguments": {"name": "ada"}})
            assert messages["result"]["messages"][0]["content"]["text"] == text
        for uri, text in (("plain://note", "plain note"), ("plain://day/3", "plain day 3"),
                          ("python://note", "python note"), ("python://day/3", "python day 3")):
            contents = client.request("resources/read", {"uri": uri})["result"]["contents"]
            assert contents[0]["text"] == text
        for ref in ({"type": "ref/prompt", "name": "greet"},
                    {"type": "ref/prompt", "name": "cheer"},
                    {"type": "ref/resource", "uri": "plain://day/{n}"},
                    {"type": "ref/resource", "uri": "python://day/{n}"}):
            got = client.request("completion/complete", {
                "ref": ref, "argument": {"name": "name" if "name" in ref else "n", "value": "j"}})
            assert got["result"]["completion"]["values"] == ["jan", "jun", "jul"], ref
    finally:
        client.close()
