"""DNS rebinding and browsers (issue 10, point 4): Origin and Host are
checked whatever the bind address, allowed origins get CORS answers.

Servers bound to 0.0.0.0 are reached on 127.0.0.1 only; a browser page of
another site (or a rebound DNS name) is played by the Origin and Host
headers it would send."""

import json
import os
import subprocess

import pytest

from hostile import EXAMPLES, initialize_message, server_pool, sse_or_json

APP = "http://app.example.com:8080"
EVIL = "http://evil.example"
PREFLIGHT_HEADERS = ["content-type", "mcp-session-id", "mcp-protocol-version", "last-event-id",
                     "authorization", "x-north-id-token", "x-north-server-secret",
                     "x-north-connector-tokens", "x-north-user-email"]


@pytest.fixture
def servers():
    yield from server_pool()


def header(headers, name):
    """A response header, whatever its case."""
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


def names(value):
    return {item.strip().lower() for item in (value or "").split(",") if item.strip()}


def assert_forbidden(status, headers, body, what):
    assert status == 403, body
    assert header(headers, "Content-Type") == "application/json"
    assert what in json.loads(body)["error"]["message"]
    assert header(headers, "Mcp-Session-Id") is None
    assert header(headers, "Access-Control-Allow-Origin") is None


def test_foreign_origin_refused_on_public_bind(servers):
    server = servers("--host", "0.0.0.0")
    # Told at start that any Host is accepted.
    assert "no allowed hosts" in server.stderr()

    status, headers, body = server.post_mcp(initialize_message(), {"Origin": EVIL})
    assert_forbidden(status, headers, body, "Origin")
    # Not the loopback exception either: the bind is not loopback.
    status, headers, body = server.post_mcp(initialize_message(), {"Origin": "http://localhost:5173"})
    assert_forbidden(status, headers, body, "Origin")
    status, headers, body = server.request("OPTIONS", "/mcp", headers={
        "Origin": EVIL, "Access-Control-Request-Method": "POST"})
    assert_forbidden(status, headers, body, "Origin")
    for path in ("/sse", "/messages/?session_id=x"):
        status, headers, body = server.request("GET" if path == "/sse" else "POST", path, b"{}", {
            "Origin": EVIL, "Accept": "text/event-stream", "Content-Type": "application/json"})
        assert_forbidden(status, headers, body, "Origin")

    # Clients that are no browser send no Origin and are served.
    status, headers, body = server.post_mcp(initialize_message())
    assert status == 200
    assert header(headers, "Mcp-Session-Id")
    assert server.health()


def test_allowed_origin_gets_cors(servers):
    server = servers("--host", "0.0.0.0", "--allowed-origin", APP, "--allowed-host", "127.0.0.1")
    assert "no allowed hosts" not in server.stderr()

    # The preflight a browser sends before a JSON POST with MCP headers.
    status, headers, body = server.request("OPTIONS", "/mcp", headers={
        "Origin": APP, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, mcp-protocol-version, x-north-context-tenant"})
    assert status == 204, body
    assert header(headers, "Access-Control-Allow-Origin") == APP
    assert {"get", "post", "delete"} <= names(header(headers, "Access-Control-Allow-Methods"))
    allowed = names(header(headers, "Access-Control-Allow-Headers"))
    assert set(PREFLIGHT_HEADERS) <= allowed
    assert "x-north-context-tenant" in allowed
    assert int(header(headers, "Access-Control-Max-Age")) > 0
    assert "origin" in names(header(headers, "Vary"))

    # The actual requests: readable by the page, session id included.
    status, headers, body = server.post_mcp(initialize_message(), {"Origin": APP})
    assert status == 200
    assert header(headers, "Access-Control-Allow-Origin") == APP
    assert {"mcp-session-id", "mcp-protocol-version"} <= names(header(headers, "Access-Control-Expose-Headers"))
    assert "origin" in names(header(headers, "Vary"))
    session = header(headers, "Mcp-Session-Id")
    assert session
    status, headers, body = server.post_mcp(
        {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "add", "arguments": {"a": 2, "b": 3}}},
        {"Origin": APP, "Mcp-Session-Id": session})
    assert status == 200
    assert header(headers, "Access-Control-Allow-Origin") == APP
    assert sse_or_json(headers, body)[-1]["result"]["content"][0]["text"] == "5"
    status, headers, _ = server.request("DELETE", "/mcp", headers={
        "Origin": APP, "Mcp-Session-Id": session, "MCP-Protocol-Version": "2025-06-18"})
    assert status in (200, 204)
    assert header(headers, "Access-Control-Allow-Origin") == APP

    # Another page is still refused, preflight and request alike.
    status, headers, body = server.request("OPTIONS", "/mcp", headers={
        "Origin": EVIL, "Access-Control-Request-Method": "POST"})
    assert_forbidden(status, headers, body, "Origin")
    status, headers, body = server.post_mcp(initialize_message(), {"Origin": "http://app.example.com:8081"})
    assert_forbidden(status, headers, body, "Origin")


def test_rejections_are_readable_by_allowed_pages(servers):
    """A 401 reaches the page with its CORS headers, so it can show why."""
    server = servers("--host", "0.0.0.0", "--allowed-origin", APP, "--allowed-host", "127.0.0.1",
                     "--require-auth")
    status, headers, body = server.post_mcp(initialize_message(), {"Origin": APP})
    assert status == 401
    assert header(headers, "Access-Control-Allow-Origin") == APP
    assert json.loads(body) == {"error": "no authentication headers present"}


def test_legacy_endpoints_follow_the_same_rules(servers):
    server = servers("--host", "0.0.0.0", "--allowed-origin", APP, "--allowed-host", "127.0.0.1")
    for path in ("/sse", "/messages/"):
        status, headers, _ = server.request("OPTIONS", path, headers={
            "Origin": APP, "Access-Control-Request-Method": "GET" if path == "/sse" else "POST"})
        assert status == 204
        assert header(headers, "Access-Control-Allow-Origin") == APP

    conn = server.connection()
    try:
        conn.request("GET", "/sse", headers={"Origin": APP, "Accept": "text/event-stream"})
        stream = conn.getresponse()
        assert stream.status == 200
        assert stream.getheader("Access-Control-Allow-Origin") == APP
        endpoint = None
        while endpoint is None:
            line = stream.readline().decode()
            assert line, "stream ended"
            if line.startswith("data: "):
                endpoint = line[len("data: "):].strip()
        message = json.dumps(initialize_message())
        status, headers, body = server.request("POST", endpoint, message, {
            "Origin": EVIL, "Content-Type": "application/json"})
        assert_forbidden(status, headers, body, "Origin")
        status, headers, _ = server.request("POST", endpoint, message, {
            "Origin": APP, "Content-Type": "application/json"})
        assert status == 202
        assert header(headers, "Access-Control-Allow-Origin") == APP
    finally:
        conn.close()


def test_host_checked_against_allowed_hosts(servers):
    server = servers("--host", "0.0.0.0", "--allowed-host", "mcp.example.com")
    port = server.port
    for host in ("evil.example", f"evil.example:{port}", "mcp.example.com.evil.example",
                 f"127.0.0.1:{port}", f"localhost:{port}"):
        status, headers, body = server.post_mcp(initialize_message(), {"Host": host})
        assert_forbidden(status, headers, body, "Host")
    for host in ("mcp.example.com", f"MCP.example.com:{port}"):
        status, _, _ = server.post_mcp(initialize_message(), {"Host": host})
        assert status == 200
    # /health is not an MCP endpoint: load balancers probe it by address.
    assert server.health()


def test_loopback_bind_defaults(servers):
    server = servers("--allowed-host", "mcp.example.com")  # 127.0.0.1
    assert "no allowed hosts" not in server.stderr()
    for host in ("localhost:1", "127.0.0.1", "[::1]:8000", "mcp.example.com"):
        status, _, _ = server.post_mcp(initialize_message(), {"Host": host})
        assert status == 200
    status, headers, body = server.post_mcp(initialize_message(), {"Host": "evil.example"})
    assert_forbidden(status, headers, body, "Host")

    # Pages on loopback names (a local Inspector) are allowed, with CORS.
    status, headers, _ = server.post_mcp(initialize_message(), {"Origin": "http://localhost:6274"})
    assert status == 200
    assert header(headers, "Access-Control-Allow-Origin") == "http://localhost:6274"
    status, headers, _ = server.request("OPTIONS", "/mcp", headers={
        "Origin": "http://127.0.0.1:6274", "Access-Control-Request-Method": "POST"})
    assert status == 204
    status, headers, body = server.post_mcp(initialize_message(), {"Origin": EVIL})
    assert_forbidden(status, headers, body, "Origin")


@pytest.mark.parametrize("option,value,message", [
    ("--allowed-origin", "app.example.com", "is not an origin"),
    ("--allowed-origin", "https://app.example.com/path", "is not an origin"),
    ("--allowed-host", "https://mcp.example.com", "is not a host"),
])
def test_malformed_options_refused(option, value, message):
    result = subprocess.run([os.path.join(EXAMPLES, "server-with-auth"), "--port", "0", option, value],
                            stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    assert result.returncode == 1
    assert message in result.stderr.decode()
    assert "listening on" not in result.stderr.decode()


def post_with_repeated(server, name, values):
    """An initialize POST whose header NAME is sent once per value."""
    conn = server.connection()
    try:
        body = json.dumps(initialize_message()).encode()
        conn.putrequest("POST", "/mcp", skip_host=True, skip_accept_encoding=True)
        for value in values:
            conn.putheader(name, value)
        if name != "Host":
            conn.putheader("Host", f"127.0.0.1:{server.port}")
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Accept", "application/json, text/event-stream")
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def test_repeated_host_or_origin_refused(servers):
    # A request has one Host (RFC 9112 says a server must refuse more: 400,
    # on every path, test_parsing.py) and a browser sends one Origin.
    # Before, only the last of several was checked: a foreign name before
    # an allowed one passed.
    server = servers("--allowed-host", "mcp.example.com")  # 127.0.0.1
    for values in (["evil.example", "127.0.0.1"], ["127.0.0.1", "evil.example"],
                   ["mcp.example.com", "mcp.example.com"]):
        status, headers, body = post_with_repeated(server, "Host", values)
        assert status == 400, body
        assert "more than one Host" in json.loads(body)["error"]["message"]
        assert header(headers, "Mcp-Session-Id") is None
    for values in ([EVIL, "http://localhost:6274"], ["http://localhost:6274", EVIL]):
        assert_forbidden(*post_with_repeated(server, "Origin", values), "Origin")
    # Once each, as before.
    assert post_with_repeated(server, "Host", ["mcp.example.com"])[0] == 200
    assert post_with_repeated(server, "Origin", ["http://localhost:6274"])[0] == 200
