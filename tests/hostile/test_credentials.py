"""Credentials (issue 10, point 5): verified identities keep header e-mails
apart, the server secret is never empty nor on the command line, debug logs
do not give secrets away, and an unreachable issuer is not asked on every
request."""

import ast
import base64
import json
import os
import re
import secrets
import subprocess
import time
import urllib.request

import pytest

from hostile import EXAMPLES, MCP_HEADERS, server_pool, sse_or_json, wait_until

SOURCE_ROOT = os.environ.get("NORTH_MCP_SOURCE_ROOT",
                             os.path.join(os.path.dirname(__file__), "..", ".."))
ISSUER_DOWN = "Failed to verify token: unable to fetch issuer configuration"


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "NORTH_MCP_SERVER_SECRET")}
    env.update(extra)
    return env


@pytest.fixture
def servers():
    # Every server gets a clean environment plus what the test adds.
    for start in server_pool():
        yield lambda *args, env=None, **kwargs: start(*args, env=clean_env(**(env or {})), **kwargs)


class Issuer:
    """bench/oidc-issuer.mjs on a free loopback port: discovery, JWKS, one
    signed ID token, fetch counts on /stats, failure switch on /control."""

    def __init__(self, tmp_path, *args):
        token_file = tmp_path / "token"
        self.process = subprocess.Popen(["node", os.path.join(SOURCE_ROOT, "bench", "oidc-issuer.mjs"),
                                         "--port", "0", "--token-out", str(token_file), *args],
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, text=True)
        line = self.process.stderr.readline()
        match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
        assert match, line
        self.url = match.group(1)
        self.token = token_file.read_text().strip()

    def get(self, path):
        with urllib.request.urlopen(self.url + path, timeout=30) as response:
            return json.loads(response.read())

    def stats(self):
        return self.get("/stats")

    def fail(self, failing):
        self.get("/control?fail=" + ("1" if failing else "0"))

    def stop(self):
        self.process.terminate()
        self.process.wait(30)


@pytest.fixture
def issuers(tmp_path):
    started = []

    def start(*args):
        issuer = Issuer(tmp_path, *args)
        started.append(issuer)
        return issuer

    yield start
    for issuer in started:
        issuer.stop()


def call_tool(server, name, headers):
    """tools/call on a --stateless server: (status, result or error body)."""
    status, response_headers, body = server.post_mcp(
        {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": name, "arguments": {}}},
        headers)
    if status != 200:
        return status, json.loads(body)
    return status, sse_or_json(response_headers, body)[-1]["result"]


def refused(*args, env=None):
    result = subprocess.run([os.path.join(EXAMPLES, "server-with-auth"), "--port", "0", *args],
                            stdin=subprocess.DEVNULL, capture_output=True, timeout=60,
                            env=clean_env(**(env or {})))
    stderr = result.stderr.decode()
    assert result.returncode == 1, stderr
    assert "listening on" not in stderr
    return stderr


def cmdline(pid):
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        return f.read()


# --- Verified identity ----------------------------------------------------

def test_verified_identity_ignores_header_email(servers, issuers):
    issuer = issuers("--email", "")  # a token without an email claim
    server = servers("--stateless", "--trusted-issuer", issuer.url, program="server-with-trusted-issuers")
    status, result = call_tool(server, "whoami", {"X-North-ID-Token": issuer.token,
                                                  "X-North-User-Email": "ceo@example.com"})
    assert status == 200, result
    who = result["structuredContent"]
    assert who["issuer"] == issuer.url
    assert who["subject"] == "bench-user"
    assert who["email"] == ""  # the identity has none
    assert who["unverified_email"] == "ceo@example.com"

    # A token with an email claim: that one, whatever the header says.
    issuer2 = issuers()
    server2 = servers("--stateless", "--trusted-issuer", issuer2.url, program="server-with-trusted-issuers")
    status, result = call_tool(server2, "whoami", {"X-North-ID-Token": issuer2.token,
                                                   "X-North-User-Email": "ceo@example.com"})
    assert status == 200, result
    assert result["structuredContent"]["email"] == "bench@example.com"
    assert result["structuredContent"]["unverified_email"] == "ceo@example.com"


def test_refusal_naming_a_claim_is_json(servers):
    """The 401 names the issuer a token claims, which is the client's text:
    with U+001F in it (json-glib 1.6 copies it raw), the body must still
    be JSON that a strict parser reads. The issuer is never contacted."""
    server = servers("--stateless", "--trusted-issuer", "http://127.0.0.1:9",
                     program="server-with-trusted-issuers")

    def b64url(value):
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    token = (b64url({"alg": "RS256", "kid": "k"}) + "." +
             b64url({"email": "a@company.com", "iss": "https://evil\u001f\u2028.example"}) + ".c2ln")
    status, headers, body = server.post_mcp({"jsonrpc": "2.0", "id": 1, "method": "ping"},
                                            {"X-North-ID-Token": token})
    assert status == 401, body
    assert headers["Content-Type"].startswith("application/json")
    assert json.loads(body) == {"error": "Untrusted issuer: https://evil\u001f\u2028.example"}


# --- The server secret ----------------------------------------------------

def test_empty_secret_refused(tmp_path):
    assert "--server-secret is empty" in refused("--server-secret", "")
    assert "NORTH_MCP_SERVER_SECRET is set but empty" in refused(env={"NORTH_MCP_SERVER_SECRET": ""})
    empty = tmp_path / "empty"
    empty.write_text("\n")
    assert "is empty" in refused("--server-secret-file", str(empty))
    assert "--server-secret-file" in refused("--server-secret-file", str(tmp_path / "missing"))
    good = tmp_path / "good"
    good.write_text("x" * 20)
    assert "exclude each other" in refused("--server-secret", "y" * 20, "--server-secret-file", str(good))


def assert_secret_enforced(server, secret):
    status, _ = call_tool(server, "whoami", {})
    assert status == 401
    status, _ = call_tool(server, "whoami", {"X-North-Server-Secret": secret + "x"})
    assert status == 401
    status, result = call_tool(server, "whoami", {"X-North-Server-Secret": secret})
    assert status == 200, result


def test_secret_from_environment(servers):
    secret = secrets.token_urlsafe(24)
    server = servers("--stateless", env={"NORTH_MCP_SERVER_SECRET": secret})
    assert_secret_enforced(server, secret)
    assert secret.encode() not in cmdline(server.pid)


def test_secret_from_file(servers, tmp_path):
    secret = secrets.token_urlsafe(24)
    path = tmp_path / "secret"
    path.write_text(secret + "\r\n")
    # The file wins over the environment.
    server = servers("--stateless", "--server-secret-file", str(path),
                     env={"NORTH_MCP_SERVER_SECRET": "from-the-environment"})
    assert_secret_enforced(server, secret)
    status, _ = call_tool(server, "whoami", {"X-North-Server-Secret": "from-the-environment"})
    assert status == 401
    assert secret.encode() not in cmdline(server.pid)


# --- Debug logs -----------------------------------------------------------

def shown_prefix_bound(value):
    """What may be shown of a secret: at most 10 characters and a quarter."""
    return 0 if len(value) < 8 else min(10, len(value) // 4)


def assert_not_leaked(log, secret):
    """No run of more than the allowed prefix length of SECRET is in LOG
    (runs of at least 6: shorter ones occur in any log by chance; what
    is shown of short secrets is checked exactly below)."""
    window = min(len(secret), max(shown_prefix_bound(secret) + 1, 6))
    for i in range(len(secret) - window + 1):
        assert secret[i:i + window] not in log, f"{secret[i:i + window]!r} of a secret is in the log"


def test_debug_log_redacts_secrets(servers, tmp_path):
    server_secret = secrets.token_urlsafe(30)
    path = tmp_path / "secret"
    path.write_text(server_secret + "\n")
    server = servers("--stateless", "--debug", "--server-secret-file", str(path))

    connector_token = secrets.token_urlsafe(24)
    connectors = base64.urlsafe_b64encode(json.dumps({"google": connector_token}).encode()).decode()
    # Credentials under every kind of name, long and short.
    carriers = {
        "Cookie": "sid=" + secrets.token_urlsafe(20),
        "X-Custom-Auth-Token": secrets.token_urlsafe(33),
        "X-Api-Key": secrets.token_urlsafe(12),
        "X-Upstream-Password": secrets.token_hex(5),   # 10 characters: 2 may show
        "X-Pin-Secret": secrets.token_hex(3),           # 6 characters: nothing shows
        "Proxy-Authorization": "Basic " + base64.b64encode(secrets.token_bytes(18)).decode(),
    }
    status, _ = call_tool(server, "whoami", {"X-North-Server-Secret": server_secret,
                                             "X-North-Connector-Tokens": connectors, **carriers})
    assert status == 200

    bundle = base64.b64encode(json.dumps({"server_secret": server_secret,
                                          "connector_access_tokens": {"slack": connector_token}}).encode()).decode()
    status, _ = call_tool(server, "whoami", {"Authorization": "Bearer " + bundle})
    assert status == 200

    assert wait_until(lambda: server.stderr().count("Request headers: ") >= 2)
    log = server.stderr()
    for secret in [server_secret, connector_token, connectors, bundle, *carriers.values()]:
        assert_not_leaked(log, secret)

    # Each secret header is shown as a prefix within the bound, plus "...".
    shown = {}
    for line in log.splitlines():
        if "Request headers: " in line:
            shown.update(ast.literal_eval(line.split("Request headers: ", 1)[1]))
    sent = {"x-north-server-secret": server_secret, "x-north-connector-tokens": connectors,
            "authorization": "Bearer " + bundle, **{k.lower(): v for k, v in carriers.items()}}
    for name, value in sent.items():
        assert shown[name].endswith("..."), (name, shown[name])
        prefix = shown[name][:-3]
        assert value.startswith(prefix)
        assert len(prefix) <= shown_prefix_bound(value), (name, shown[name])
    assert shown["x-pin-secret"] == "..."
    # Headers that are no credentials stay readable.
    assert shown["content-type"] == "application/json"


# --- Issuer failures and caching -------------------------------------------

def test_unreachable_issuer_fails_fast_then_retries(servers, issuers):
    issuer = issuers()
    server = servers("--stateless", "--trusted-issuer", issuer.url, program="server-with-trusted-issuers")
    issuer.fail(True)

    headers = {"X-North-ID-Token": issuer.token}
    status, body = call_tool(server, "whoami", headers)
    assert (status, body) == (401, {"error": ISSUER_DOWN})
    assert issuer.stats()["discovery"] == 1

    # Within the back-off (5 s): refused at once, the issuer is not asked.
    for _ in range(5):
        status, body = call_tool(server, "whoami", headers)
        assert (status, body) == (401, {"error": ISSUER_DOWN})
    assert issuer.stats() == {"discovery": 1, "jwks": 0}

    # Back up: once the back-off has passed, one fetch and the token passes.
    issuer.fail(False)
    assert wait_until(lambda: call_tool(server, "whoami", headers)[0] == 200, timeout=60, step=0.5)
    assert issuer.stats() == {"discovery": 2, "jwks": 1}


def test_no_store_keys_still_cached(servers, issuers):
    issuer = issuers("--cache-control", "no-store")
    server = servers("--stateless", "--trusted-issuer", issuer.url, program="server-with-trusted-issuers")
    for _ in range(20):
        status, result = call_tool(server, "whoami", {"X-North-ID-Token": issuer.token})
        assert status == 200, result
    assert issuer.stats() == {"discovery": 1, "jwks": 1}


CONNECTOR_WARNING = "X-North-Connector-Tokens is not a base64url JSON object"


def test_malformed_connector_tokens_do_not_flood_the_log(servers):
    """Rule 7's warning on a malformed X-North-Connector-Tokens stays, but an
    anonymous client repeating it gets one line a minute, not one a request."""
    server = servers("--stateless")
    started = time.monotonic()
    for _ in range(1000):
        status, result = call_tool(server, "add", {"X-North-Connector-Tokens": "!!!not-base64!!!"})
        assert status == 200, result
    minutes = (time.monotonic() - started) / 60
    assert wait_until(lambda: CONNECTOR_WARNING in server.stderr())
    lines = [line for line in server.stderr().splitlines() if CONNECTOR_WARNING in line]
    assert 1 <= len(lines) <= minutes + 2, f"{len(lines)} lines:\n" + "\n".join(lines[-3:])


def forged_token(token):
    """TOKEN with another key id in its header: of a trusted issuer, but
    signed by no key of it."""
    _, payload, signature = token.split(".")
    header = base64.urlsafe_b64encode(json.dumps({"alg": "RS256", "typ": "JWT", "kid": "forged"}).encode())
    return ".".join([header.decode().rstrip("="), payload, signature])


def test_uploads_waiting_for_the_issuer_do_not_hold_the_bodies_of_others(servers, issuers):
    # A token whose issuer's keys must be fetched first is decided before
    # the body is read too: its request holds nothing while it waits, and
    # nothing once refused. Before, the first requests of a server (its
    # keys not yet fetched) held their bodies until they came (hours at
    # 1 KiB/s) and only then got 401, while authenticated POSTs got 503.
    from test_connections import hold_bodies, padded_ping, read_until_closed

    issuer = issuers()
    server = servers("--stateless", "--trusted-issuer", issuer.url, "--max-held-body-bytes", "100000",
                     program="server-with-trusted-issuers")
    attackers = hold_bodies(server.port, 2, 45000, {"X-North-ID-Token": forged_token(issuer.token)})
    time.sleep(0.5)

    status, _, body = server.post_mcp(json.loads(padded_ping(30000)), {"X-North-ID-Token": issuer.token})
    assert status == 200, body
    for sock in attackers:
        answer = read_until_closed(sock)
        assert answer is not None and answer.startswith(b"HTTP/1.1 401"), answer
        assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["error"] == "invalid user id token"
        sock.close()


# --- Repeated credential headers --------------------------------------------

def post_repeating(server, pairs, timeout=30):
    """tools/call whoami with PAIRS sent as given, repeated names included
    (request() takes a dict, which cannot repeat one): (status, result or
    error body, as call_tool())."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                       "params": {"name": "whoami", "arguments": {}}}).encode()
    conn = server.connection(timeout)
    try:
        conn.putrequest("POST", "/mcp")
        for name, value in [*MCP_HEADERS.items(), ("Content-Length", str(len(body))), *pairs]:
            conn.putheader(name, value)
        conn.endheaders(body)
        response = conn.getresponse()
        status, headers, data = response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()
    if status != 200:
        assert headers["Content-Type"].startswith("application/json")
        return status, json.loads(data)
    return status, sse_or_json(headers, data)[-1]["result"]["structuredContent"]


def unsigned_token(email):
    """A development-mode ID token (its signature is never checked)."""
    def b64url(value):
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")
    return b64url({"alg": "HS256", "typ": "JWT"}) + "." + b64url({"email": email}) + ".c2ln"


def bundle(**members):
    return "Bearer " + base64.b64encode(json.dumps(members).encode()).decode()


def connectors(**tokens):
    return base64.urlsafe_b64encode(json.dumps(tokens).encode()).decode()


REPEATED = "invalid authorization header"


def test_repeated_credential_headers_with_different_values_refused(servers):
    """A gateway in front that checks one copy of a repeated header while
    the server uses another (libsoup reads the last copy, the North Python
    SDK's Starlette the first) is a smuggling gap: a credential header sent
    twice with different values is refused, whichever copy is good."""
    secret = secrets.token_urlsafe(24)
    server = servers("--stateless", "--debug", env={"NORTH_MCP_SERVER_SECRET": secret})
    good = [("X-North-Server-Secret", secret)]

    cases = {
        # The gateway sees the wrong secret first; the good one came second.
        "X-North-Server-Secret": [("X-North-Server-Secret", "not-" + secret), *good],
        "X-North-ID-Token": [*good, ("X-North-ID-Token", unsigned_token("alice@example.com")),
                             ("X-North-ID-Token", unsigned_token("mallory@example.com"))],
        # A blank last copy is no absence to a reader of the first one.
        "X-North-ID-Token blank": [*good, ("X-North-ID-Token", unsigned_token("alice@example.com")),
                                   ("X-North-ID-Token", ""),
                                   ("X-North-User-Email", "mallory@example.com")],
        "X-North-User-Email": [*good, ("X-North-User-Email", "alice@example.com"),
                               ("X-North-User-Email", "mallory@example.com")],
        "X-North-Connector-Tokens": [*good, ("X-North-Connector-Tokens", connectors(google="alice")),
                                     ("X-North-Connector-Tokens", connectors(google="mallory"))],
        "Authorization": [("Authorization", bundle(server_secret=secret, user_email="alice@example.com")),
                          ("Authorization", bundle(server_secret=secret, user_email="mallory@example.com"))],
    }
    for case, pairs in cases.items():
        status, body = post_repeating(server, pairs)
        assert (status, body) == (401, {"error": REPEATED}), case
        name = case.split()[0]
        assert wait_until(lambda: f"Authentication failed: {REPEATED} "
                                  f"({name} sent more than once, with different values)" in server.stderr()), case

    # Sent once, each of them passes.
    status, who = post_repeating(server, [*good, ("X-North-ID-Token", unsigned_token("alice@example.com")),
                                          ("X-North-Connector-Tokens", connectors(google="alice"))])
    assert status == 200, who
    assert who["email"] == "alice@example.com"
    assert who["connector_access_tokens"] == {"google": "alice"}

    log = server.stderr()
    assert_not_leaked(log, secret)
    # Both copies of the bundle hold the secret; neither is logged beyond its prefix.
    assert_not_leaked(log, cases["Authorization"][0][1])
    assert_not_leaked(log, cases["Authorization"][1][1])


def test_repeated_credential_headers_in_open_mode_refused(servers):
    """An open server reads the credentials sent (the user's e-mail and
    connector tokens reach the tools): a repeat with different values is
    refused there too, and a repeat of identical values is not."""
    server = servers("--stateless")
    status, body = post_repeating(server, [("X-North-User-Email", "alice@example.com"),
                                           ("X-North-Connector-Tokens", connectors(google="alice")),
                                           ("X-North-Connector-Tokens", connectors(google="mallory"))])
    assert (status, body) == (401, {"error": REPEATED})
    # Also when the copy read last is blank (absent to this server, not to
    # a reader of the first), and for an e-mail sent without credentials:
    # the rule does not depend on which copy a shortcut looks at.
    status, body = post_repeating(server, [("X-North-ID-Token", unsigned_token("alice@example.com")),
                                           ("X-North-ID-Token", "")])
    assert (status, body) == (401, {"error": REPEATED})
    status, body = post_repeating(server, [("X-North-User-Email", "alice@example.com"),
                                           ("X-North-User-Email", "mallory@example.com")])
    assert (status, body) == (401, {"error": REPEATED})

    # Identical copies mean the same to any reader: accepted.
    token = unsigned_token("alice@example.com")
    status, who = post_repeating(server, [("X-North-ID-Token", token), ("X-North-ID-Token", token),
                                          ("X-North-User-Email", "bob@example.com"),
                                          ("X-North-User-Email", "bob@example.com")])
    assert status == 200, who
    assert who["email"] == "alice@example.com"
    auth = bundle(user_email="carol@example.com")
    status, who = post_repeating(server, [("Authorization", auth), ("Authorization", auth)])
    assert status == 200, who
    assert who["email"] == "carol@example.com"

    # No credentials at all (blank copies are none): the anonymous user, as before.
    for pairs in [[], [("X-North-ID-Token", ""), ("X-North-ID-Token", "")]]:
        status, who = post_repeating(server, pairs)
        assert status == 200, who
        assert who["email"] is None and not who["id_token_present"]
