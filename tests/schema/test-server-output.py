#!/usr/bin/python3
"""The example servers' output, checked against the official MCP schemas.

Usage: test-server-output.py SERVER-BINARY...

Each server is driven over stdio for every schema revision it negotiates:
initialize, tools/list, a call of every tool (arguments made up from its
input schema), resources, templates and prompts when it offers them (list,
read, get), an unknown method and a ping. Every line it writes must be a
JSONRPCMessage; each result must match its definition (InitializeResult,
ListToolsResult, CallToolResult, ListResourcesResult, ReadResourceResult,
GetPromptResult, EmptyResult…); structured content must match the tool's
output schema.
"""

import importlib.util
import json
import os
import re
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
    """Runs stdio sessions; returns (listings, responses by id, expectations)
    where expectations maps request ids to the result definition."""
    requests = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize",
         "params": {"protocolVersion": revision, "capabilities": {},
                    "clientInfo": {"name": "schema-test", "version": "1"}}},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
        {"jsonrpc": "2.0", "id": 3, "method": "no/such/method"},
        {"jsonrpc": "2.0", "id": 4, "method": "ping"},
    ]
    expect = {1: "InitializeResult", 2: "ListToolsResult", 4: "EmptyResult"}
    first = _run(server, requests, revision)
    capabilities = first.get(1, {}).get("result", {}).get("capabilities", {})
    listings = {"tools": first.get(2, {}).get("result", {}).get("tools", [])}

    # Second pass: list what the capabilities offer, then use it all.
    listing_requests = []
    if "resources" in capabilities:
        listing_requests += [
            ({"jsonrpc": "2.0", "id": 5, "method": "resources/list"}, "ListResourcesResult"),
            ({"jsonrpc": "2.0", "id": 6, "method": "resources/templates/list"},
             "ListResourceTemplatesResult"),
        ]
    if "prompts" in capabilities:
        listing_requests.append(
            ({"jsonrpc": "2.0", "id": 7, "method": "prompts/list"}, "ListPromptsResult"))
    for request, definition in listing_requests:
        expect[request["id"]] = definition
    second = _run(server, requests + [r for r, _ in listing_requests], revision)
    listings["resources"] = second.get(5, {}).get("result", {}).get("resources", [])
    listings["templates"] = second.get(6, {}).get("result", {}).get("resourceTemplates", [])
    listings["prompts"] = second.get(7, {}).get("result", {}).get("prompts", [])

    calls = []
    for i, tool in enumerate(listings["tools"]):
        calls.append({"jsonrpc": "2.0", "id": 100 + i, "method": "tools/call",
                      "params": {"name": tool["name"],
                                 "arguments": sample(tool.get("inputSchema", {}))}})
        expect[100 + i] = "CallToolResult"
    # A call without its required arguments must still be a valid result.
    strict = [t for t in listings["tools"] if t.get("inputSchema", {}).get("required")]
    if strict:
        calls.append({"jsonrpc": "2.0", "id": 99, "method": "tools/call",
                      "params": {"name": strict[0]["name"], "arguments": {}}})
        expect[99] = "CallToolResult"
    for i, resource in enumerate(listings["resources"]):
        calls.append({"jsonrpc": "2.0", "id": 200 + i, "method": "resources/read",
                      "params": {"uri": resource["uri"]}})
        expect[200 + i] = "ReadResourceResult"
    for i, template in enumerate(listings["templates"]):
        uri = re.sub(r"\{[^}]*\}", "x", template["uriTemplate"])
        calls.append({"jsonrpc": "2.0", "id": 300 + i, "method": "resources/read",
                      "params": {"uri": uri}})
        expect[300 + i] = "ReadResourceResult"  # or a JSON-RPC error (not found)
    for i, prompt in enumerate(listings["prompts"]):
        arguments = {a["name"]: "x" for a in prompt.get("arguments", []) if a.get("required")}
        calls.append({"jsonrpc": "2.0", "id": 400 + i, "method": "prompts/get",
                      "params": {"name": prompt["name"], "arguments": arguments}})
        expect[400 + i] = "GetPromptResult"
    responses = _run(server, requests + [r for r, _ in listing_requests] + calls, revision)
    return listings, responses, expect


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
        listings, responses, expect = converse(server, revision)
        name = os.path.basename(server)

        for request_id, definition in sorted(expect.items()):
            self.assertIn(request_id, responses, "%s: no answer to id %s" % (name, request_id))
            response = responses[request_id]
            if "error" in response and request_id >= 300:
                continue  # a made-up template URI or argument may not exist
            self.assertIn("result", response, "%s: %s" % (name, response))
            errors = vm.validate(response["result"], definition, revision)
            self.assertEqual(errors, [], "%s %s %s: %s" % (name, revision, definition,
                                                           json.dumps(response)[:500]))

        self.assertEqual(responses[1]["result"]["protocolVersion"], revision)
        self.assertEqual(responses[3].get("error", {}).get("code"), -32601, responses.get(3))
        self.assertTrue(listings["tools"], "%s lists no tools" % name)
        for i, tool in enumerate(listings["tools"]):
            result = responses[100 + i]["result"]
            output_schema = tool.get("outputSchema")
            if output_schema and not result.get("isError"):
                self.assertIn("structuredContent", result,
                              "%s: tool %s has an output schema" % (name, tool["name"]))
                jsonschema.validate(result["structuredContent"], output_schema)
        if 99 in expect:
            self.assertTrue(responses[99]["result"].get("isError"),
                            "%s: missing arguments gave %s" % (name, responses[99]))

    def test_servers(self):
        self.assertTrue(SERVERS, "no server binaries given")
        for server in SERVERS:
            for revision in REVISIONS:
                with self.subTest(server=os.path.basename(server), revision=revision):
                    self.check(server, revision)


if __name__ == "__main__":
    SERVERS = sys.argv[1:]
    unittest.main(argv=sys.argv[:1], verbosity=2)
