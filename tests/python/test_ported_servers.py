# test_ported_servers.py: a FastMCP server, and servers written for the
# North Python SDK (fastmcp_style/), run on north-mcp-glib once only their
# import lines and the constructor's class name are changed; driven by the
# official TypeScript SDK client.
#
# SPDX-License-Identifier: MIT
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
