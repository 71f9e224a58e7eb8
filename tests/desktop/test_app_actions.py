# test_app_actions.py: drives the app-actions example (C, Python or Vala:
# NORTH_MCP_EXAMPLE_SERVER) over stdio: a GApplication's actions as tools.
#
# SPDX-License-Identifier: MIT
import json
import signal
import time

import pytest

from mcp_client import TIMEOUT, StdioClient, server_command, text_of


@pytest.fixture
def client():
    c = StdioClient(server_command())
    c.initialize()
    yield c
    # A clean exit: 0 (stdin closed, or SIGTERM handled), or SIGTERM itself
    # if it came first; sanitizers make leaks an error status.
    assert c.close() in (0, -signal.SIGTERM), c.server.stderr_text


def tool_names(client):
    return sorted(t["name"] for t in client.request("tools/list")["result"]["tools"])


def read_state(client, name):
    result = client.request("resources/read", {"uri": "gaction-state:" + name})["result"]
    contents = result["contents"][0]
    assert contents["mimeType"] == "application/json"
    return json.loads(contents["text"])


def wait_for_notification(client, method):
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if any(n["method"] == method for n in client.notifications):
            return
        time.sleep(0.01)
    raise AssertionError(f"no {method}; got {client.notifications}")


def test_enabled_actions_are_tools(client):
    assert tool_names(client) == ["app.dark-mode", "app.greet", "app.quit", "app.unlock"]
    tools = {t["name"]: t for t in client.request("tools/list")["result"]["tools"]}
    assert tools["app.greet"]["inputSchema"]["properties"]["parameter"]["type"] == "string"
    assert tools["app.greet"]["inputSchema"]["required"] == ["parameter"]
    assert tools["app.quit"]["inputSchema"]["properties"] == {}


def test_activation_with_a_parameter(client):
    result = client.call_tool("app.greet", {"parameter": "Ada"})["result"]
    assert not result.get("isError"), result
    client.server.wait_for_stderr(r"Hello, Ada!")


def test_a_wrong_parameter_is_refused(client):
    result = client.call_tool("app.greet", {"parameter": 5})["result"]
    assert result["isError"] is True
    assert "parameter" in text_of(result)


def test_state_is_a_resource(client):
    uris = [r["uri"] for r in client.request("resources/list")["result"]["resources"]]
    assert uris == ["gaction-state:app.dark-mode"]
    assert read_state(client, "app.dark-mode") is False
    client.request("resources/subscribe", {"uri": "gaction-state:app.dark-mode"})
    assert not client.call_tool("app.dark-mode", {})["result"].get("isError")
    wait_for_notification(client, "notifications/resources/updated")
    assert read_state(client, "app.dark-mode") is True


def test_enabling_an_action_adds_its_tool(client):
    assert "app.secret" not in tool_names(client)
    assert not client.call_tool("app.unlock", {})["result"].get("isError")
    wait_for_notification(client, "notifications/tools/list_changed")
    assert "app.secret" in tool_names(client)
    assert not client.call_tool("app.secret", {})["result"].get("isError")
    client.server.wait_for_stderr(r"The secret action ran")
