# test_python_features.py: resources, templates and prompts from Python
# functions (features_server.py), over stdio; NORTH_MCP_FEATURES_SERVER (a
# JSON array) names another server to test, such as the GJS twin.
#
# SPDX-License-Identifier: MIT
import base64
import json
import os
import sys

import pytest

from mcp_client import StdioClient, text_of

SERVER = (json.loads(os.environ["NORTH_MCP_FEATURES_SERVER"])
          if "NORTH_MCP_FEATURES_SERVER" in os.environ
          else [sys.executable, os.path.join(os.path.dirname(__file__), "features_server.py")])


@pytest.fixture
def client():
    client = StdioClient(SERVER)
    client.initialize()
    yield client
    client.close()


def test_resources_are_listed(client):
    resources = {r["uri"]: r for r in client.request("resources/list")["result"]["resources"]}
    assert resources["notes://index"]["name"] == "index"
    assert resources["notes://index"]["mimeType"] == "application/json"
    assert resources["notes://index"]["description"] == "The titles of all notes"
    templates = client.request("resources/templates/list")["result"]["resourceTemplates"]
    assert [t["uriTemplate"] for t in templates] == ["notes://{title}"]


def test_read_resources(client):
    index = client.request("resources/read", {"uri": "notes://index"})["result"]["contents"]
    assert len(index) == 1
    assert index[0]["uri"] == "notes://index" and index[0]["mimeType"] == "application/json"
    assert json.loads(index[0]["text"]) == ["groceries", "todo"]
    note = client.request("resources/read", {"uri": "notes://todo"})["result"]["contents"]
    assert note[0]["text"] == "write tests" and note[0]["mimeType"] == "text/plain"
    blob = client.request("resources/read", {"uri": "data://blob"})["result"]["contents"]
    assert base64.b64decode(blob[0]["blob"]) == b"\x00\x01\x02"


def test_resource_exception_is_an_error(client):
    response = client.request("resources/read", {"uri": "notes://missing"})
    assert "error" in response
    assert "no note titled missing" in response["error"]["message"]


def test_prompts(client):
    prompts = {p["name"]: p for p in client.request("prompts/list")["result"]["prompts"]}
    assert prompts["summarize"]["description"] == "Summarize a text"
    assert prompts["summarize"]["arguments"] == [
        {"name": "text", "description": "What to summarize", "required": True},
        {"name": "style"}]
    result = client.request("prompts/get", {"name": "summarize",
                                            "arguments": {"text": "abc"}})["result"]
    assert result["messages"] == [{"role": "user", "content": {
        "type": "text", "text": "Summarize in a short way: abc"}}]
    result = client.request("prompts/get", {"name": "dialogue",
                                            "arguments": {"topic": "GLib"}})["result"]
    assert [m["role"] for m in result["messages"]] == ["user", "assistant", "user"]
    assert [m["content"]["text"] for m in result["messages"]] == [
        "Let us talk about GLib.", "Gladly.", "Go on."]


def test_missing_prompt_argument_is_rejected(client):
    response = client.request("prompts/get", {"name": "summarize", "arguments": {}})
    assert response["error"]["code"] == -32602


def test_context_parameter(client):
    assert text_of(client.call_tool("echo", {"text": "hi"})["result"]) == "tools/call: hi"
