#!/usr/bin/python3
"""Real clients through nginx round robin (no stickiness) in front of three
stateful replicas sharing a Redis state store (issue 15): the official
TypeScript SDK client and the MCP conformance suite pass as against one
server. Fixtures from tests/deploy/deployfix.py."""

import os
import shutil
import subprocess

import deployfix
from deployfix import Nginx, Redis, Replicas

NODE = os.environ.get("NORTH_MCP_NODE") or shutil.which("node") or "node"
TS_CLIENT = os.path.join(deployfix.SOURCE_ROOT, "tests", "node", "ts-client.mjs")
CONFORMANCE = os.path.join(deployfix.SOURCE_ROOT, "tests", "conformance", "run-conformance.sh")


def run_tap(argv, timeout, env=None):
    result = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                            timeout=timeout, cwd=os.path.join(deployfix.SOURCE_ROOT, "tests"), env=env)
    output = result.stdout + "\n--- stderr ---\n" + result.stderr[-20000:]
    lines = result.stdout.splitlines()
    assert result.returncode == 0, output
    assert any(line.startswith("ok ") for line in lines), output
    assert not any(line.startswith("not ok") for line in lines), output


def test_typescript_sdk_client_through_round_robin(tmp_path):
    with Redis(str(tmp_path)) as redis, \
         Replicas(3, "--stateful", "--state-store", redis.uri) as replicas, \
         Nginx("north-mcp-round-robin.conf", replicas.ports, str(tmp_path)) as nginx:
        run_tap([NODE, TS_CLIENT, "--url", nginx.url + "/mcp", "--stateful"], 300)
        answered_by = {e[3].split(", ")[-1] for e in nginx.access()}
    assert len(answered_by) == 3, answered_by
    assert replicas.exit_codes == [0, 0, 0], replicas.stderr()


def test_conformance_suite_through_round_robin(tmp_path):
    with Redis(str(tmp_path)) as redis, \
         Replicas(3, "--stateful", "--state-store", redis.uri, program="conformance-server") as replicas, \
         Nginx("north-mcp-round-robin.conf", replicas.ports, str(tmp_path)) as nginx:
        env = dict(os.environ, CONFORMANCE_LOG_DIR=str(tmp_path / "conformance"))
        run_tap(["bash", CONFORMANCE, "--label", "nginx-round-robin-store", "--requirements", "2025-11-25",
                 "--url", nginx.url + "/mcp"], 900, env=env)
        answered_by = {e[3].split(", ")[-1] for e in nginx.access()}
    assert len(answered_by) == 3, answered_by
    assert replicas.exit_codes == [0, 0, 0], replicas.stderr()
