#!/usr/bin/python3
"""Real clients through nginx (deploy/nginx/) in front of three replicas:
the official TypeScript SDK client (tests/node/ts-client.mjs) and the MCP
conformance suite (tests/conformance/run-conformance.sh --url), as the
meson suite runs them against one server."""

import os
import shutil
import subprocess

import pytest

import deployfix
from deployfix import Nginx, Replicas

NODE = os.environ.get("NORTH_MCP_NODE") or shutil.which("node") or "node"
TS_CLIENT = os.path.join(deployfix.SOURCE_ROOT, "tests", "node", "ts-client.mjs")
CONFORMANCE = os.path.join(deployfix.SOURCE_ROOT, "tests", "conformance", "run-conformance.sh")


def run_tap(argv, timeout):
    """Runs a TAP producer; (exit status, its output). A run passes only with
    status 0, at least one "ok" line and no "not ok"."""
    result = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                            timeout=timeout, cwd=os.path.join(deployfix.SOURCE_ROOT, "tests"))
    return result.returncode, result.stdout + "\n--- stderr ---\n" + result.stderr[-20000:]


def assert_tap_passed(code, output):
    lines = output.split("\n--- stderr ---\n")[0].splitlines()
    assert code == 0, output
    assert any(line.startswith("ok ") for line in lines), output
    assert not any(line.startswith("not ok") for line in lines), output


@pytest.mark.parametrize("mode,site", [("stateful", "north-mcp-sticky.conf"),
                                       ("stateless", "north-mcp-round-robin.conf"),
                                       ("stateless", "north-mcp-sticky.conf")])
def test_typescript_sdk_client(tmp_path, mode, site):
    with Replicas(3, f"--{mode}") as replicas, Nginx(site, replicas.ports, str(tmp_path)) as nginx:
        code, output = run_tap([NODE, TS_CLIENT, "--url", nginx.url + "/mcp", f"--{mode}"], 300)
        answered_by = {e[3].split(", ")[-1] for e in nginx.access()}
    assert_tap_passed(code, output)
    assert replicas.exit_codes == [0, 0, 0], replicas.stderr()
    if site == "north-mcp-round-robin.conf":
        # Round robin reached every replica.
        assert len(answered_by) == 3, answered_by


@pytest.mark.parametrize("selection", [["--requirements", "2025-11-25"], []], ids=["2025-11-25", "active"])
def test_conformance_suite_through_sticky_nginx(tmp_path, selection):
    """The conformance suite (the 2025-11-25 requirements, and the
    harness's default suite) against three stateful conformance servers
    behind the sticky configuration."""
    with Replicas(3, "--stateful", program="conformance-server") as replicas, \
         Nginx("north-mcp-sticky.conf", replicas.ports, str(tmp_path)) as nginx:
        env_log = str(tmp_path / "conformance")
        os.environ["CONFORMANCE_LOG_DIR"] = env_log
        try:
            label = "nginx-sticky-" + (selection[1] if selection else "active")
            code, output = run_tap(["bash", CONFORMANCE, "--label", label, *selection,
                                    "--url", nginx.url + "/mcp"], 900)
        finally:
            del os.environ["CONFORMANCE_LOG_DIR"]
        answered_by = {e[3].split(", ")[-1] for e in nginx.access()}
    assert_tap_passed(code, output)
    # Sessions were spread over the replicas (initialize goes round robin).
    assert len(answered_by) == 3, answered_by
    assert replicas.exit_codes == [0, 0, 0], replicas.stderr()
