#!/usr/bin/python3
"""The example servers' output, checked against the official MCP schemas.

Usage: test-server-output.py SERVER-BINARY...

Each server is driven over stdio for every schema revision it negotiates:
initialize, tools/list, a call of every tool (arguments made up from its
input schema), an unknown method and a ping. Every line it writes must be a
JSONRPCMessage; each result must match its definition (InitializeResult,
ListToolsResult, CallToolResult, EmptyResult); structured content must match
the tool's output schema.
"""

import importlib.util
import json
import os
import subprocess
import sys
import unittest

import jsonschema

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location(
    "validate_messages", os.path.join(HERE, "validate-messages.py"))
vm = importlib.util.module_from_spec(spec)
spec.loader.exec_module(vm)

# Revisions whose shapes the servers are expected to produce today.
REVISIONS = ["2025-06-18", "2025-11-25"]
SERVERS = []


def sample(schema):
    """A value for a (simple) JSON schema: enough to call a tool."""
    if not isinstance(schema, dict):
        return None
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        return {name: sample(properties.get(name, {})) for name in schema.get("required", [])}
    minimum = schema.get("minimum", 1)
    if kind == "string":
        return "x" * max(1, schema.get("minLength", 1))
    if kind == "integer":
        return int(minimum)
    if kind == "number":
        return float(minimum)
    if kind == "boolean":
        return True
    if kind == "array":
        return [sample(schema.get("items", {"type": "string"}))] * schema.get("minItems", 0)
    if kind == "null":
        return None
    return "x"


def converse(server, revision):
    """Runs one stdio session; returns (requests, responses by id)."""
    tools_request = {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}
    requests = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize",
         "params": {"protocolVersion": revision, "capabilities": {},
                    "clientInfo": {"name": "schema-test", "version": "1"}}},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        tools_request,
        {"jsonrpc": "2.0", "id": 3, "method": "no/such/method"},
        {"jsonrpc": "2.0", "id": 4, "method": "ping"},
    ]
    # First pass to learn the tools, second to call them all.
    first = _run(server, requests, revision)
    tools = first.get(2, {}).get("result", {}).get("tools", [])
    calls = [{"jsonrpc": "2.0", "id": 100 + i, "method": "tools/call",
              "params": {"name": t["name"], "arguments": sample(t.get("inputSchema", {}))}}
             for i, t in enumerate(tools)]
    # A call without its required arguments must still be a valid result.
    strict = [t for t in tools if t.get("inputSchema", {}).get("required")]
    if strict:
        calls.append({"jsonrpc": "2.0", "id": 99, "method": "tools/call",
                      "params": {"name": strict[0]["name"], "arguments": {}}})
    return tools, _run(server, requests + calls, revision)


def _run(server, requests, revision):
    text = "".join(json.dumps(r) + "\n" for r in requests)
    proc = subprocess.run([server, "--transport", "stdio"], input=text,
                          capture_output=True, text=True, timeout=60)
    responses = {}
    for line in proc.stdout.splitlines():
        message = json.loads(line)
        errors = vm.validate(message, "JSONRPCMessage", revision)
        if errors:
            raise AssertionError("%s wrote an invalid JSON-RPC message %s: %s"
                                 % (server, line[:300], errors))
        if "id" in message:
            responses[message["id"]] = message
    return responses


class ServerOutput(unittest.TestCase):
    def check(self, server, revision):
        tools, responses = converse(server, revision)
        name = os.path.basename(server)

        def result_of(request_id, definition):
            self.assertIn(request_id, responses, "%s: no answer to id %s" % (name, request_id))
            response = responses[request_id]
            self.assertIn("result", response, "%s: %s" % (name, response))
            errors = vm.validate(response["result"], definition, revision)
            self.assertEqual(errors, [], "%s %s %s: %s" % (name, revision, definition,
                                                           json.dumps(response)[:500]))
            return response["result"]

        init = result_of(1, "InitializeResult")
        self.assertEqual(init["protocolVersion"], revision)
        result_of(2, "ListToolsResult")
        result_of(4, "EmptyResult")
        self.assertEqual(responses[3].get("error", {}).get("code"), -32601, responses.get(3))

        self.assertTrue(tools, "%s lists no tools" % name)
        for i, tool in enumerate(tools):
            result = result_of(100 + i, "CallToolResult")
            output_schema = tool.get("outputSchema")
            if output_schema and not result.get("isError"):
                self.assertIn("structuredContent", result,
                              "%s: tool %s has an output schema" % (name, tool["name"]))
                jsonschema.validate(result["structuredContent"], output_schema)
        if 99 in responses:
            bad = result_of(99, "CallToolResult")
            self.assertTrue(bad.get("isError"), "%s: missing arguments gave %s" % (name, bad))

    def test_servers(self):
        self.assertTrue(SERVERS, "no server binaries given")
        for server in SERVERS:
            for revision in REVISIONS:
                with self.subTest(server=os.path.basename(server), revision=revision):
                    self.check(server, revision)


if __name__ == "__main__":
    SERVERS = sys.argv[1:]
    unittest.main(argv=sys.argv[:1], verbosity=2)
