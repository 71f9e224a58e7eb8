# test_ported_servers.py: a FastMCP server, and servers written for the
# North Python SDK (fastmcp_style/), run on north-mcp-glib once only their
# import lines and the constructor's class name are changed; driven by the
# official TypeScript SDK client.
#
# SPDX-License-Identifier: MIT
import base64
import contextlib
import difflib
import json
import os
import re
import sys

import pytest

from mcp_client import SEED_BEARER_TOKEN, ServerProcess, TsClient, text_of

SOURCES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fastmcp_style")

# The whole port: (pattern, replacement), line by line.
PORT = [
    (r"^from mcp\.server\.fastmcp import FastMCP$", "from gi.repository import NorthMcp"),
    (r"^from north_mcp_python_sdk import NorthMCPServer$", "from gi.repository import NorthMcp"),
    (r"^from north_mcp_python_sdk import NorthMCPServer, (.+)$",
     "from gi.repository import NorthMcp\nfrom gi.repository.NorthMcp import \\1"),
    (r"^from fastmcp\.server\.dependencies import (.+)$", r"from gi.repository.NorthMcp import \1"),
    (r"^from north_mcp_python_sdk\.auth import (.+)$", r"from gi.repository.NorthMcp import \1"),
    (r"^from mcp\.types import (.+)$", r"from gi.repository.NorthMcp import \1"),
    (r"\b(?:FastMCP|NorthMCPServer)\(", "NorthMcp.Server("),
]


def port(source):
    lines = []
    for line in source.split("\n"):
        for pattern, replacement in PORT:
            line = re.sub(pattern, replacement, line)
        lines.append(line)
    return "\n".join(lines)


@pytest.fixture
def ported(tmp_path):
    def make(name):
        with open(os.path.join(SOURCES, name)) as source:
            original = source.read()
        result = port(original)
        changed = [line for line in difflib.unified_diff(original.split("\n"), result.split("\n"),
                                                         lineterm="", n=0)
                   if line.startswith("+") and not line.startswith("+++")]
        # Only imports and the constructor changed.
        assert changed and all(line.startswith("+from ") or "= NorthMcp.Server(" in line
                               for line in changed), changed
        assert sum("= NorthMcp.Server(" in line for line in changed) == 1
        path = tmp_path / name
        path.write_text(result)
        return [sys.executable, str(path)]
    return make


@contextlib.contextmanager
def running(command, headers=None):
    """Serves @command over HTTP on a free port; yields (server process,
    TypeScript client connected to it)."""
    server = ServerProcess(command, ["--port", "0", "--host", "127.0.0.1"])
    try:
        url = server.wait_for_stderr(r"listening on (http://\S+)").group(1)
        client = TsClient(url=url, headers=headers)
        try:
            yield server, client
        finally:
            client.close()
    finally:
        server.stop()


def stdout_of(server):
    server.stop()
    return server.process.stdout.read().decode()


AUTHORIZATION = {"Authorization": "Bearer " + SEED_BEARER_TOKEN}


def test_fastmcp_quickstart(ported):
    with running(ported("quickstart.py")) as (_, client):
        result = client.call_tool("add", {"a": 2, "b": 40})
        assert text_of(result) == "42" and result["structuredContent"] == {"result": 42}
        templates = client.request("listResourceTemplates")["resourceTemplates"]
        assert [t["uriTemplate"] for t in templates] == ["greeting://{name}"]
        contents = client.request("readResource", {"uri": "greeting://Ada"})["contents"]
        assert contents[0]["text"] == "Hello, Ada!"
        prompt = client.request("getPrompt", {"name": "greet_user",
                                              "arguments": {"name": "Bo", "style": "formal"}})
        assert prompt["messages"][0]["content"]["text"] == \
            "Please write a formal greeting for someone named Bo."


def test_north_sdk_auth_example(ported):
    with running(ported("server_with_auth.py"), AUTHORIZATION) as (server, client):
        assert text_of(client.call_tool("add", {"a": 1, "b": 2})) == "3"
    assert "This tool was called by: test@company.com" in stdout_of(server)


def test_north_sdk_citations_example(ported):
    with running(ported("server_with_citations.py")) as (_, client):
        result = client.call_tool("lookup", {"query": "Canada"})
        items = result["structuredContent"]["result"]
        assert items[0]["_north_metadata"]["title"] == "Canada - Encyclopedia"
        assert json.loads(text_of(result)) == items[0]


def test_north_sdk_destructive_tools_example(ported):
    with running(ported("server_with_destructive_tools.py")) as (_, client):
        tools = client.request("listTools")["tools"]
        assert tools[0]["annotations"] == {"destructiveHint": True}
        assert text_of(client.call_tool("wipe", {"name": "x"})) == "Deleted x"


def test_north_sdk_debug_example(ported):
    with running(ported("server_with_debug.py"), AUTHORIZATION) as (server, client):
        info = client.call_tool("get_user_info")["structuredContent"]
        assert info == {"email": "test@company.com", "available_connectors": ["google"],
                        "connector_count": 1}
        assert text_of(client.call_tool("multiply", {"a": 1.5, "b": 4})) == "6.0"
        server.wait_for_stderr(r"DEBUG")
    stdout = stdout_of(server)
    assert "Starting North MCP Server in DEBUG mode..." in stdout
    assert "Multiplying 1.5 * 4.0 = 6.0" in stdout
    assert SEED_BEARER_TOKEN not in server.stderr_text


def _b64url(data):
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


# An unsigned ID token: open mode decodes it without checking the signature.
ID_TOKEN = _b64url({"alg": "HS256", "typ": "JWT"}) + "." + \
    _b64url({"email": "ada@company.com", "sub": "u1"}) + ".c2ln"
TOKEN_FIELDS = ["claims", "client_id", "expires_at", "resource", "scopes", "token"]


def test_north_sdk_access_token_example(ported):
    """The newest North SDK's accessors (get_access_token() from FastMCP,
    get_north_context()) and mcp.run(transport="http") after the port."""
    headers = {"X-North-ID-Token": ID_TOKEN,
               "X-North-Connector-Tokens": _b64url({"slack": "xoxb-1", "google": "ya29"}),
               "X-North-Context-Tenant-ID": "t1"}
    with running(ported("server_with_access_token.py"), headers) as (server, client):
        who = client.call_tool("whoami")["structuredContent"]
        assert who == {"authenticated": True, "email": "ada@company.com",
                       "client_id": "ada@company.com", "scopes": [],
                       "connectors": {"slack": "xoxb-1", "google": "ya29"},
                       "has_token": True, "fields": TOKEN_FIELDS}
        assert client.call_tool("context")["structuredContent"] == {"tenant-id": "t1"}
        assert text_of(client.call_tool("add", {"a": 1, "b": 2})) == "3"
    assert "add called by: ada@company.com" in stdout_of(server)
    # The token never shows in the server's output.
    assert ID_TOKEN not in server.stderr_text


def test_north_sdk_access_token_seed_token(ported):
    with running(ported("server_with_access_token.py"), AUTHORIZATION) as (_, client):
        who = client.call_tool("whoami")["structuredContent"]
        assert (who["email"], who["client_id"], who["connectors"], who["has_token"]) == \
            ("test@company.com", "test@company.com", {"google": "abc"}, True)


def test_north_sdk_access_token_without_id_token(ported):
    """Open mode, a bearer bundle without an ID token (North SDK 0.4.5): the
    bundle's e-mail and connectors, an empty token."""
    bundle = base64.b64encode(json.dumps({"user_id_token": None, "user_email": "legacy@company.com",
                                          "connector_access_tokens": {"github": "gh1"}}).encode())
    with running(ported("server_with_access_token.py"),
                 {"Authorization": "Bearer " + bundle.decode()}) as (_, client):
        who = client.call_tool("whoami")["structuredContent"]
        assert (who["email"], who["client_id"], who["connectors"], who["has_token"]) == \
            ("legacy@company.com", "legacy@company.com", {"github": "gh1"}, False)


def test_north_sdk_access_token_anonymous(ported):
    with running(ported("server_with_access_token.py")) as (server, client):
        assert client.call_tool("whoami")["structuredContent"] == {"authenticated": False}
        assert client.call_tool("context")["structuredContent"] == {}
        assert text_of(client.call_tool("add", {"a": 2, "b": 2})) == "4"
    assert "add called by: unknown" in stdout_of(server)
