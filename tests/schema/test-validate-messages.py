#!/usr/bin/python3
"""Self-test of validate-messages.py: valid and invalid messages per revision."""

import importlib.util
import json
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "validate-messages.py")

spec = importlib.util.spec_from_file_location("validate_messages", SCRIPT)
vm = importlib.util.module_from_spec(spec)
spec.loader.exec_module(vm)

TOOL = {"name": "add", "description": "Adds", "inputSchema": {
    "type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}}


class Validate(unittest.TestCase):
    def test_revisions_present(self):
        self.assertEqual(vm.revisions(), ["2025-06-18", "2025-11-25", "2026-07-28"])

    def test_call_tool_result(self):
        for revision in ("2025-06-18", "2025-11-25"):
            ok = {"content": [{"type": "text", "text": "3"}], "isError": False,
                  "structuredContent": {"sum": 3}}
            self.assertEqual(vm.validate(ok, "CallToolResult", revision), [], revision)
            bad = {"content": [{"type": "text", "text": 3}], "isError": "no"}
            errors = vm.validate(bad, "CallToolResult", revision)
            self.assertTrue(any("$.isError" in e for e in errors), errors)
            self.assertTrue(any("$.content[0]" in e for e in errors), errors)
            self.assertNotEqual(vm.validate({}, "CallToolResult", revision), [])

    def test_list_tools_result(self):
        for revision in vm.revisions():
            result = {"tools": [TOOL]}
            if revision >= "2026-07-28":
                # The newest revision wants caching hints on every list result.
                errors = vm.validate(result, "ListToolsResult", revision)
                self.assertTrue(any("resultType" in e for e in errors), errors)
                result.update(resultType="complete", cacheScope="public", ttlMs=0)
            self.assertEqual(vm.validate(result, "ListToolsResult", revision), [],
                             revision)
            self.assertNotEqual(vm.validate({"tools": [{"name": "x"}]},
                                            "ListToolsResult", revision), [], revision)

    def test_initialize_result(self):
        ok = {"protocolVersion": "2025-11-25", "capabilities": {"tools": {}},
              "serverInfo": {"name": "north", "version": "0.1.0"}}
        self.assertEqual(vm.validate(ok, "InitializeResult", "2025-11-25"), [])
        bad = dict(ok)
        del bad["serverInfo"]
        errors = vm.validate(bad, "InitializeResult", "2025-11-25")
        self.assertEqual(len(errors), 1, errors)
        self.assertIn("serverInfo", errors[0])

    def test_jsonrpc_message(self):
        ok = {"jsonrpc": "2.0", "id": 1, "result": {}}
        self.assertEqual(vm.validate(ok, "JSONRPCMessage", "2025-06-18"), [])
        self.assertNotEqual(vm.validate({"jsonrpc": "1.0", "id": 1, "result": {}},
                                        "JSONRPCMessage", "2025-06-18"), [])

    def test_unknown_definition(self):
        with self.assertRaises(KeyError):
            vm.validate({}, "NoSuchThing", "2025-11-25")


class CommandLine(unittest.TestCase):
    def run_script(self, args, stdin):
        return subprocess.run([sys.executable, SCRIPT] + args, input=stdin,
                              capture_output=True, text=True)

    def test_valid_response(self):
        response = {"jsonrpc": "2.0", "id": 2, "result": {"tools": [TOOL]}}
        p = self.run_script(["--result", "ListToolsResult"], json.dumps(response))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("1 of 1 messages valid", p.stdout)

    def test_invalid_ndjson(self):
        lines = "\n".join(json.dumps(m) for m in (
            {"content": [{"type": "text", "text": "ok"}]},
            {"content": "not a list"},
        ))
        p = self.run_script(["CallToolResult"], lines)
        self.assertEqual(p.returncode, 1)
        self.assertIn("1 of 2 messages valid", p.stdout)
        self.assertIn("-#2: CallToolResult: $.content", p.stderr)

    def test_error_response_with_result(self):
        response = {"jsonrpc": "2.0", "id": 2, "error": {"code": -32601, "message": "x"}}
        p = self.run_script(["--result", "CallToolResult"], json.dumps(response))
        self.assertEqual(p.returncode, 1)
        self.assertIn("not a JSON-RPC result response", p.stderr)

    def test_usage_errors(self):
        self.assertEqual(self.run_script(["NoSuchThing"], "{}").returncode, 2)
        self.assertEqual(self.run_script(["--revision", "1999-01-01", "CallToolResult"],
                                         "{}").returncode, 2)


if __name__ == "__main__":
    unittest.main(verbosity=2)
