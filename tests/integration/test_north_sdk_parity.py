#!/usr/bin/python3
"""The newest North Python SDK's (0.4.5) request handling, against the C
example servers over real HTTP: what the SDK's tests assert, where the
North auth contract (shared/docs/north-auth.md) agrees with it. Where the
contract deliberately differs, the test says so and asserts the contract.

The helpers (servers on ephemeral ports, the MCP client) are those of
test_examples.py.
"""

import base64
import json
import os
import re
import subprocess
import sys
import urllib.request

import pytest

from test_examples import SEED_TOKEN, SOURCE_ROOT, Client, bundle, start  # noqa: F401 (fixture)

MCP_HEADERS = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
PING = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping"})


def b64url(value):
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def unsigned_jwt(claims, header=None):
    """A compact JWT whose signature nobody checks in open mode."""
    return b64url(header or {"alg": "HS256", "typ": "JWT"}) + "." + b64url(claims) + ".c2ln"


def whoami(server, headers):
    client = Client(server, headers)
    client.initialize()
    return client.tool("whoami")["structuredContent"]


def refused(server, headers, path="/mcp"):
    status, response_headers, body = server.request("POST", path, PING, dict(MCP_HEADERS, **headers))
    assert status == 401, (status, body)
    assert response_headers["Content-Type"].startswith("application/json")
    return json.loads(body)["error"]


@pytest.fixture
def issuer(tmp_path):
    """bench/oidc-issuer.mjs on a free loopback port: its URL and one
    token it signed."""
    token_file = tmp_path / "token"
    process = subprocess.Popen(["node", os.path.join(SOURCE_ROOT, "bench", "oidc-issuer.mjs"),
                                "--port", "0", "--token-out", str(token_file)],
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    try:
        match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", process.stderr.readline())
        assert match
        yield match.group(1), token_file.read_text().strip()
    finally:
        process.terminate()
        process.wait(30)


# Open mode (nothing configured): credentials are read, never required.

def test_open_mode_bundle_without_id_token(start):
    """SDK 0.4.5 (#55): a bundle without an ID token is request context;
    its user_email is the e-mail."""
    server = start("server-with-auth")
    who = whoami(server, {"Authorization": "Bearer " + bundle(
        user_id_token=None, user_email="legacy@company.com",
        connector_access_tokens={"github": "token123"})})
    assert (who["email"], who["connector_access_tokens"], who["id_token_present"]) == \
        ("legacy@company.com", {"github": "token123"}, False)
    # All empty, with the server_secret member older clients send: accepted.
    who = whoami(server, {"Authorization": bundle(user_id_token=None, connector_access_tokens={},
                                                  server_secret=None)})
    assert (who["email"], who["connector_access_tokens"], who["id_token_present"]) == (None, {}, False)


def test_open_mode_connector_tokens_without_id_token(start):
    """SDK 0.4.4 (#52): connector tokens alone select the X-North headers;
    X-North-User-Email stands in for the missing ID token's e-mail."""
    server = start("server-with-auth")
    who = whoami(server, {"X-North-Connector-Tokens": b64url({"github": "token123"}),
                          "X-North-User-Email": "fallback@company.com"})
    assert (who["email"], who["connector_access_tokens"], who["id_token_present"]) == \
        ("fallback@company.com", {"github": "token123"}, False)


def test_user_email_alone_is_no_credential(start):
    """SDK 0.4.4 (#54): X-North-User-Email neither authenticates nor picks
    the X-North encoding: alone it leaves the request anonymous, and next to
    a bearer bundle the bundle is read (and the header ignored)."""
    server = start("server-with-auth")
    who = whoami(server, {"X-North-User-Email": "context@company.com"})
    assert (who["email"], who["connector_access_tokens"], who["id_token_present"]) == (None, {}, False)

    legacy = bundle(user_id_token=unsigned_jwt({"email": "legacy@company.com"}),
                    connector_access_tokens={"legacy": "legacy_token"})
    who = whoami(server, {"Authorization": "Bearer " + legacy, "X-North-User-Email": "context@company.com"})
    assert (who["email"], who["connector_access_tokens"]) == ("legacy@company.com", {"legacy": "legacy_token"})

    no_email = bundle(user_id_token=unsigned_jwt({"name": "No Email"}))
    who = whoami(server, {"Authorization": "Bearer " + no_email, "X-North-User-Email": "context@company.com"})
    assert who["email"] is None and who["id_token_present"] is True


def test_open_mode_token_email_wins_and_header_fills_in(start):
    server = start("server-with-auth")
    who = whoami(server, {"X-North-ID-Token": unsigned_jwt({"email": "token@company.com"}),
                          "X-North-User-Email": "header@company.com"})
    assert who["email"] == "token@company.com"
    who = whoami(server, {"X-North-ID-Token": unsigned_jwt({"name": "Test User"}),
                          "X-North-User-Email": "fallback@company.com"})
    assert who["email"] == "fallback@company.com"
    # Any issuer, any signature: nothing is verified without trusted issuers.
    who = whoami(server, {"X-North-ID-Token": unsigned_jwt(
        {"email": "test@company.com", "iss": "https://untrusted.example.com"},
        {"alg": "RS256", "kid": "test-key-id"})})
    assert who["email"] == "test@company.com"


def test_open_mode_blank_headers_are_absent(start):
    server = start("server-with-auth")
    who = whoami(server, {"X-North-ID-Token": "   ", "X-North-Connector-Tokens": "  "})
    assert (who["email"], who["connector_access_tokens"], who["id_token_present"]) == (None, {}, False)


def test_connector_tokens_header_is_lenient(start):
    """Not base64url JSON, or not an object: no connector tokens, and the
    request goes on; entries that are not string to string are dropped."""
    server = start("server-with-auth")
    id_token = unsigned_jwt({"email": "test@company.com"})
    for value in ("invalid_base64!@#", b64url(["token1", "token2"])):
        who = whoami(server, {"X-North-ID-Token": id_token, "X-North-Connector-Tokens": value})
        assert (who["email"], who["connector_access_tokens"]) == ("test@company.com", {})
    mixed = b64url({"valid_string": "token123", "invalid_number": 12345, "invalid_bool": True,
                    "invalid_null": None, "another_valid": "token456"})
    who = whoami(server, {"X-North-ID-Token": id_token, "X-North-Connector-Tokens": mixed})
    assert who["connector_access_tokens"] == {"valid_string": "token123", "another_valid": "token456"}


def test_x_north_takes_precedence_over_bearer(start):
    server = start("server-with-auth")
    legacy = bundle(user_id_token=unsigned_jwt({"email": "legacy@company.com"}),
                    connector_access_tokens={"legacy": "legacy_token"})
    who = whoami(server, {"Authorization": "Bearer " + legacy,
                          "X-North-ID-Token": unsigned_jwt({"email": "xnorth@company.com"}),
                          "X-North-Connector-Tokens": b64url({"google": "token123"})})
    assert (who["email"], who["connector_access_tokens"]) == ("xnorth@company.com", {"google": "token123"})


def test_north_context_keys_and_values(start):
    """get_north_context() as the SDK's tests pin it, from a custom route:
    the prefix in any case, the key lower-cased after it (dashes and
    underscores kept), values as sent, other headers left out."""
    server = start("server-with-custom-routes")
    headers = {"x-north-context-lowercase": "value1", "X-NORTH-CONTEXT-UPPERCASE": "value2",
               "X-North-Context-A": "single-char-key", "X-North-Context-Key-With-Dashes": "dashed-key",
               "X-North-Context-key_with_underscores": "underscored-key",
               "X-North-Context-Special": "value with spaces", "X-North-Context-Json": '{"key": "value"}',
               "X-North-ID-Token": "not-included", "X-North-User-Email": "not-included",
               "Authorization": "Bearer not-included"}
    status, _, body = server.request("GET", "/context", headers=headers)
    assert status == 200
    assert json.loads(body)["context"] == {
        "lowercase": "value1", "uppercase": "value2", "a": "single-char-key",
        "key-with-dashes": "dashed-key", "key_with_underscores": "underscored-key",
        "special": "value with spaces", "json": '{"key": "value"}'}


def test_context_example_without_credentials(start):
    """The SDK's server_with_context reads get_north_context(), so its tools
    see the X-North-Context-* headers of a request without credentials
    (open mode), empty values included."""
    server = start("server-with-context")
    client = Client(server, {"X-North-Context-Tenant-ID": "t1", "X-North-Context-Flags": ""})
    client.initialize()
    assert client.tool("get_context")["structuredContent"] == {"tenant-id": "t1", "flags": ""}
    assert client.tool("tenant_greeting")["content"][0]["text"] == "Hello, tenant t1!"


def test_transport_http_is_streamable_http(start):
    """FastMCP 3, which the SDK builds on, names Streamable HTTP "http"
    (`fastmcp run --transport http`, `mcp.run(transport="http")`)."""
    server = start("server-with-context", "--transport", "http")
    client = Client(server, {"X-North-Context-Tenant-ID": "t1"})
    client.initialize()
    assert client.tool("tenant_greeting")["content"][0]["text"] == "Hello, tenant t1!"


# Trusted issuers (enforced), against a real local OIDC issuer.

def test_trusted_issuers_need_an_id_token(start, issuer):
    """SDK 0.4.4/0.4.5 (#52, #55): with trusted issuers, connector tokens
    or a bundle without an ID token are refused."""
    url, token = issuer
    server = start("server-with-trusted-issuers", "--trusted-issuer", url)
    assert refused(server, {"X-North-Connector-Tokens": b64url({"github": "token123"}),
                            "X-North-User-Email": "fallback@company.com"}) == "no authentication headers present"
    assert refused(server, {"Authorization": bundle(user_id_token=None, connector_access_tokens={},
                                                    server_secret=None)}) == "no authentication headers present"
    # No credentials at all, or an e-mail alone. The SDK answers these
    # from its bearer fallback, "invalid authorization header"; the
    # contract's rule 2 names them "no authentication headers present".
    assert refused(server, {}) == "no authentication headers present"
    assert refused(server, {"X-North-User-Email": "fallback@company.com"}) == "no authentication headers present"
    # The issuer's own token is accepted.
    assert whoami(server, {"X-North-ID-Token": token})["issuer"] == url


def test_trusted_issuers_malformed_claims(start, issuer):
    url, _ = issuer
    server = start("server-with-trusted-issuers", "--trusted-issuer", url)

    def sent(claims, header):
        return refused(server, {"X-North-ID-Token": unsigned_jwt(claims, header)})

    rs256 = {"alg": "RS256", "kid": "bench-key-1"}
    assert sent({"email": "a@company.com"}, rs256) == "Token missing issuer"
    assert sent({"email": "a@company.com", "iss": ""}, rs256) == "Token missing issuer"
    assert sent({"email": "a@company.com", "iss": "https://malicious.example.com"}, rs256) == \
        "Untrusted issuer: https://malicious.example.com"
    assert sent({"email": "a@company.com", "iss": url}, {"alg": "RS256"}) == "Token missing key identifier"
    assert sent({"email": "a@company.com", "iss": url}, {"alg": "RS256", "kid": 5}) == "invalid user id token"
    # A kid the issuer does not have, and a signature that is not its own.
    assert sent({"email": "a@company.com", "iss": url}, {"alg": "RS256", "kid": "other"}) == "invalid user id token"
    assert sent({"email": "a@company.com", "iss": url}, rs256) == "invalid user id token"


def test_issuer_outage_is_logged_without_debug(start, issuer):
    """The SDK logs "Failed to fetch OpenID configuration from <issuer>:
    <error>" whatever the debug setting: an issuer that is down refuses
    every token, and the operator must be able to tell why."""
    url, token = issuer
    server = start("server-with-trusted-issuers", "--trusted-issuer", url)
    with urllib.request.urlopen(url + "/control?fail=1", timeout=30) as response:
        assert json.loads(response.read()) == {"failing": True}
    assert refused(server, {"X-North-ID-Token": token}) == \
        "Failed to verify token: unable to fetch issuer configuration"
    assert server.wait_for_stderr("NorthMCP.Auth - WARNING - Failed to fetch OpenID configuration from "
                                  + url + ": ")
    assert "HTTP 503" in server.stderr()
    assert "DEBUG" not in server.stderr() and token not in server.stderr()


# Paths and the health check.

def test_protected_paths(start):
    """/mcp and /sse (one trailing slash tolerated) and /messages/… are
    checked; /health, custom routes and other paths are not."""
    server = start("server-with-custom-routes", "--require-auth")
    for path in ("/mcp", "/mcp/", "/messages/session-123", "/messages/"):
        assert refused(server, {}, path) == "no authentication headers present"
    for path in ("/sse", "/sse/"):
        assert server.request("GET", path)[0] == 401
    # Case matters, and look-alikes are not endpoints: no 401, a 404.
    for path in ("/MCP", "/mcps", "/mcp-old", "/sse2", "/message"):
        assert server.request("POST", path, PING, MCP_HEADERS)[0] == 404
    assert server.request("GET", "/health")[::2] == (200, "OK")


def test_custom_routes_ignore_bad_credentials(start):
    """Custom routes are public: credentials that would be refused on /mcp
    do not make a route answer 401."""
    server = start("server-with-custom-routes", "--require-auth")
    for headers in ({"Authorization": "Bearer invalid"}, {"Authorization": "invalid_base64"},
                    {"X-North-ID-Token": "not.a.jwt"}):
        assert refused(server, headers) in ("invalid authorization header", "invalid user id token")
        status, _, body = server.request("GET", "/ready", headers=headers)
        assert status == 200 and json.loads(body)["status"] == "ready"


def test_bearer_prefix_is_optional(start):
    """The SDK's test_valid_auth_header_no_bearer: the bare base64 bundle."""
    server = start("server-with-auth", "--server-secret", "server_secret")
    who = whoami(server, {"Authorization": SEED_TOKEN})
    assert (who["email"], who["connector_access_tokens"]) == ("test@company.com", {"google": "abc"})


def test_health_check_methods(start):
    """As a Starlette GET route: HEAD too, other methods 405."""
    server = start("server-with-auth", "--require-auth")
    status, headers, body = server.request("GET", "/health")
    assert (status, body) == (200, "OK") and headers["Content-Type"].startswith("text/plain")
    status, _, body = server.request("HEAD", "/health")
    assert (status, body) == (200, "")
    status, headers, _ = server.request("POST", "/health", "x")
    assert status == 405 and "GET" in headers["Allow"]


# Debug logging.

def test_debug_lines_of_open_mode(start):
    """SDK 0.4.x's lines: the server's first debug line, and how open mode
    treats a request without and with credentials."""
    server = start("server-with-debug")
    assert server.wait_for_stderr("NorthMCP.Debug Demo - DEBUG - Debug mode enabled for North MCP Server")
    Client(server).initialize()
    assert server.wait_for_stderr("NorthMCP.Auth - DEBUG - No trusted issuer configuration present and "
                                  "no auth headers provided; skipping authentication")
    Client(server, {"Authorization": "Bearer " + SEED_TOKEN}).initialize()
    assert server.wait_for_stderr("NorthMCP.Auth - DEBUG - No auth configured, but Authorization header "
                                  "is present; parsing legacy request context without enforcing authentication")
    Client(server, {"X-North-ID-Token": unsigned_jwt({"email": "a@company.com"})}).initialize()
    assert server.wait_for_stderr("NorthMCP.Auth - DEBUG - No auth configured, but X-North headers are "
                                  "present; parsing request context without enforcing authentication")


def auth_debug_messages(server, marker):
    """The messages of the debug lines from the one containing @marker on."""
    messages = [line.split(" - DEBUG - ", 1)[1] for line in server.stderr().splitlines()
                if " - DEBUG - " in line]
    start_at = max(i for i, message in enumerate(messages) if marker in message)
    return messages[start_at:]


def x_north_debug_lines(server, headers, email):
    """The five debug lines after the open-mode line of a request with
    @headers, whose user has @email."""
    Client(server, headers).initialize()
    assert server.wait_for_stderr("Setting authenticated user in context: email=" + email)
    return auth_debug_messages(server, "X-North headers are present")[1:6]


def test_debug_lines_of_x_north_headers(start):
    """SDK 0.4.x's lines for X-North headers: which encoding is used, a
    missing ID token, what was parsed, and the success; with our own
    "Has server_secret" (contract section 7), as in the bundle's line."""
    server = start("server-with-debug")
    assert x_north_debug_lines(server, {"X-North-ID-Token": unsigned_jwt({"email": "a@company.com"}),
                                        "X-North-Connector-Tokens": b64url({"google": "g-token"})},
                               "a@company.com") == [
        "Using X-North headers for authentication",
        "X-North headers parsed. Has server_secret: False, Has user_id_token: True, Connector count: 1",
        "Available connectors: ['google']",
        "Successfully decoded user ID token. Email: a@company.com",
        "X-North authentication successful"]
    assert x_north_debug_lines(server, {"X-North-Connector-Tokens": b64url({"slack": "s-token"}),
                                        "X-North-User-Email": "b@company.com"},
                               "b@company.com") == [
        "Using X-North headers for authentication",
        "No X-North-ID-Token header present",
        "X-North headers parsed. Has server_secret: False, Has user_id_token: False, Connector count: 1",
        "Available connectors: ['slack']",
        "X-North authentication successful"]
    assert "g-token" not in server.stderr() and "s-token" not in server.stderr()


def test_debug_lines_of_paths(start):
    """SDK 0.4.x's middleware says, per request, whether the path is
    authenticated: MCP endpoints are, the health check and custom routes
    are not."""
    server = start("server-with-custom-routes", "--debug")
    assert server.request("GET", "/health")[0] == 200
    assert server.request("GET", "/ready")[0] == 200
    Client(server).initialize()
    for line in ("Path /health is a custom route (likely operational endpoint like health check), "
                 "bypassing authentication as intended for k8s/orchestration use",
                 "Path /ready is a custom route (likely operational endpoint like health check), "
                 "bypassing authentication as intended for k8s/orchestration use",
                 "Path /mcp is an MCP protocol endpoint, applying authentication"):
        assert server.wait_for_stderr("NorthMCP.Auth - DEBUG - " + line), server.stderr()
    # Before the request's own authentication lines.
    messages = auth_debug_messages(server, "Path /mcp is an MCP protocol endpoint")
    assert messages[1].startswith("Authenticating request from"), messages


def test_no_open_mode_lines_when_enforced(start):
    server = start("server-with-debug", "--server-secret", "server_secret")
    client = Client(server, {"Authorization": "Bearer " + SEED_TOKEN})
    client.initialize()
    assert server.wait_for_stderr("Setting authenticated user in context")
    assert "No auth configured" not in server.stderr()
    assert "skipping authentication" not in server.stderr()


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-v"]))
