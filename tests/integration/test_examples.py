#!/usr/bin/python3
"""End-to-end tests of the C example servers over real HTTP.

Each test starts an example binary on 127.0.0.1 with an ephemeral port
(``--port 0``; the port is read from the ``listening on`` line on stderr),
speaks MCP to it with the standard library's http.client, and checks the
answers — and the official JSON schema of every MCP result — as well as what
the server printed on stderr.

The examples' directory comes from $NORTH_MCP_EXAMPLES (set by meson), so the
same tests run against the AddressSanitizer build.
"""

import base64
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "schema"))
import importlib.util  # noqa: E402

_spec = importlib.util.spec_from_file_location(
    "validate_messages", os.path.join(HERE, "..", "schema", "validate-messages.py"))
validate_messages = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(validate_messages)

EXAMPLES = os.environ.get("NORTH_MCP_EXAMPLES", os.path.join(HERE, "..", "..", "build", "examples", "c"))
SOURCE_ROOT = os.environ.get("NORTH_MCP_SOURCE_ROOT", os.path.join(HERE, "..", ".."))

# The ready-made token of the seed README: server_secret "server_secret",
# an HS256 ID token for test@company.com, connector google=abc.
SEED_TOKEN = ("eyJzZXJ2ZXJfc2VjcmV0IjogInNlcnZlcl9zZWNyZXQiLCAidXNlcl9pZF90b2tlbiI6ICJleUpoYkdjaU9pSklVekkx"
              "TmlJc0luUjVjQ0k2SWtwWFZDSjkuZXlKbGJXRnBiQ0k2SW5SbGMzUkFZMjl0Y0dGdWVTNWpiMjBpZlEuV0pjckVUUi1M"
              "ZnFtX2xrdE9vdjd0Q1ktTmZYR2JuYTVUMjhaeFhTaEZ4SSIsICJjb25uZWN0b3JfYWNjZXNzX3Rva2VucyI6IHsiZ29v"
              "Z2xlIjogImFiYyJ9fQ==")

PROTOCOL = "2025-11-25"


class Server:
    """An example server process with its stderr collected in the background."""

    def __init__(self, name, *args, env=None):
        path = os.path.join(EXAMPLES, name)
        full_env = dict(os.environ)
        full_env.pop("DEBUG", None)
        full_env.update(env or {})
        self.process = subprocess.Popen(
            [path, "--transport", "streamable-http", "--port", "0", *args],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=full_env)
        self.lines = []
        self.port = None
        self._ready = threading.Event()
        self._reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._reader.start()
        if not self._ready.wait(20) or self.port is None:
            self.stop()
            raise AssertionError(f"{name} did not start: {self.stderr()}")

    def _read_stderr(self):
        for raw in self.process.stderr:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.lines.append(line)
            match = re.match(r"listening on http://127\.0\.0\.1:(\d+)/", line)
            if match:
                self.port = int(match.group(1))
                self._ready.set()
        self._ready.set()

    def stderr(self):
        return "\n".join(self.lines)

    def wait_for_stderr(self, text, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.stderr():
                return True
            time.sleep(0.02)
        return False

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise
        self._reader.join(5)
        return code

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read().decode("utf-8")
        finally:
            conn.close()


@pytest.fixture
def start():
    servers = []

    def _start(name, *args, env=None):
        server = Server(name, *args, env=env)
        servers.append(server)
        return server

    yield _start
    for server in servers:
        code = server.stop()
        # A clean shutdown on SIGTERM (and, under ASan, no leak report).
        assert code == 0, f"exit status {code}: {server.stderr()}"


def messages_of(headers, body):
    """The JSON-RPC messages of a JSON or SSE response body."""
    content_type = headers.get("Content-Type", "")
    if content_type.startswith("text/event-stream"):
        found = []
        for event in body.split("\n\n"):
            data = [line[5:].lstrip() for line in event.split("\n") if line.startswith("data:")]
            if data and "".join(data):
                found.append(json.loads("\n".join(data)))
        return found
    return [json.loads(body)]


class Client:
    def __init__(self, server, headers=None, stateful=True, path="/mcp"):
        self.server = server
        self.path = path
        self.headers = {"Content-Type": "application/json",
                        "Accept": "application/json, text/event-stream"}
        self.headers.update(headers or {})
        self.session = None
        self.next_id = 1
        self.stateful = stateful

    def post(self, message, extra=None):
        headers = dict(self.headers)
        if self.session:
            headers["Mcp-Session-Id"] = self.session
            headers["MCP-Protocol-Version"] = PROTOCOL
        headers.update(extra or {})
        return self.server.request("POST", self.path, json.dumps(message), headers)

    def call(self, method, params=None, definition=None):
        message = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        self.next_id += 1
        if params is not None:
            message["params"] = params
        status, headers, body = self.post(message)
        assert status == 200, (status, body)
        responses = [m for m in messages_of(headers, body) if m.get("id") == message["id"]]
        assert len(responses) == 1, body
        if definition:
            errors = validate_messages.validate(responses[0]["result"], definition, PROTOCOL)
            assert not errors, errors
        return responses[0], headers

    def initialize(self):
        response, headers = self.call("initialize", {
            "protocolVersion": PROTOCOL, "capabilities": {},
            "clientInfo": {"name": "integration-test", "version": "1"}},
            definition="InitializeResult")
        if self.stateful:
            self.session = headers.get("Mcp-Session-Id")
            assert self.session, headers
            status, _, _ = self.post({"jsonrpc": "2.0", "method": "notifications/initialized"})
            assert status == 202
        else:
            assert "Mcp-Session-Id" not in headers
        return response["result"]

    def tool(self, name, arguments=None):
        params = {"name": name}
        if arguments is not None:
            params["arguments"] = arguments
        response, _ = self.call("tools/call", params, definition="CallToolResult")
        return response["result"]


def bundle(**members):
    return base64.b64encode(json.dumps(members).encode()).decode()


# The seed README's walkthrough, to the letter.

def test_seed_walkthrough_bearer_token(start):
    server = start("server-with-auth")
    client = Client(server, {"Authorization": "Bearer " + SEED_TOKEN})
    result = client.initialize()
    assert result["serverInfo"]["name"] == "Demo"
    assert result["protocolVersion"] == PROTOCOL
    answer = client.tool("add", {"a": 2, "b": 3})
    assert answer["content"] == [{"type": "text", "text": "5"}]
    assert server.wait_for_stderr("This tool was called by: test@company.com")


def test_stateless_mode(start):
    server = start("server-with-auth", "--stateless")
    client = Client(server, {"Authorization": "Bearer " + SEED_TOKEN}, stateful=False)
    client.initialize()
    # Every POST stands alone: no session, a JSON body.
    response, headers = client.call("tools/call", {"name": "add", "arguments": {"a": 40, "b": 2}},
                                    definition="CallToolResult")
    assert headers["Content-Type"].startswith("application/json")
    assert response["result"]["content"][0]["text"] == "42"
    who = client.tool("whoami")
    assert who["structuredContent"] == {"email": "test@company.com",
                                        "connector_access_tokens": {"google": "abc"},
                                        "context": {}, "id_token_present": True}
    assert json.loads(who["content"][0]["text"]) == who["structuredContent"]


def test_unauthenticated_user(start):
    server = start("server-with-auth")
    client = Client(server)
    client.initialize()
    assert client.tool("add", {"a": 1, "b": 1})["content"][0]["text"] == "2"
    assert server.wait_for_stderr("This tool was called by: unauthenticated user")
    assert client.tool("whoami")["structuredContent"]["email"] is None


def test_bad_arguments_are_tool_errors(start):
    server = start("server-with-auth")
    client = Client(server)
    client.initialize()
    result = client.tool("add", {"a": 1})
    assert result["isError"] is True
    assert "'b'" in result["content"][0]["text"]


def test_server_secret_enforced(start):
    server = start("server-with-auth", "--server-secret", "server_secret")
    body = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    base = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}

    status, headers, text = server.request("POST", "/mcp", json.dumps(body), base)
    assert (status, json.loads(text)) == (401, {"error": "no authentication headers present"})
    assert headers["Content-Type"].startswith("application/json")

    wrong = dict(base, Authorization="Bearer " + bundle(server_secret="nope"))
    status, _, text = server.request("POST", "/mcp", json.dumps(body), wrong)
    assert (status, json.loads(text)) == (401, {"error": "access denied"})

    garbage = dict(base, Authorization="Bearer not*base64")
    status, _, text = server.request("POST", "/mcp", json.dumps(body), garbage)
    assert (status, json.loads(text)) == (401, {"error": "invalid authorization header"})

    # The seed token carries the right secret.
    client = Client(server, {"Authorization": "Bearer " + SEED_TOKEN})
    client.initialize()
    assert client.tool("add", {"a": 2, "b": 2})["content"][0]["text"] == "4"

    # X-North headers work too, and take precedence over a bearer bundle.
    x_north = Client(server, {"X-North-Server-Secret": "server_secret",
                              "X-North-User-Email": "x@company.com",
                              "Authorization": "Bearer " + bundle(server_secret="nope")})
    x_north.initialize()
    assert x_north.tool("whoami")["structuredContent"]["email"] == "x@company.com"

    # The health check stays public.
    assert server.request("GET", "/health")[::2] == (200, "OK")


def test_context_headers(start):
    server = start("server-with-context")
    connectors = base64.urlsafe_b64encode(json.dumps({"slack": "xoxb"}).encode()).decode().rstrip("=")
    client = Client(server, {"X-North-User-Email": "ctx@company.com",
                             "X-North-Connector-Tokens": connectors,
                             "X-North-Server-Secret": "unused",
                             "X-North-Context-Tenant-ID": "t1",
                             "X-North-Context-Region": "eu"})
    client.initialize()
    assert client.tool("get_context")["structuredContent"] == {"tenant-id": "t1", "region": "eu"}
    assert client.tool("tenant_greeting")["content"][0]["text"] == "Hello, tenant t1!"

    plain = Client(server)
    plain.initialize()
    result = plain.tool("tenant_greeting")
    assert result["isError"] is True and "X-North-Context-Tenant-ID" in result["content"][0]["text"]


NORTH_CONTEXT_HEADERS = {"X-North-Context-Tenant-ID": "t1", "x-north-context-REGION": "eu",
                         "X-North-Context-Empty": "", "X-North-Context-": "no key"}
NORTH_CONTEXT = {"tenant-id": "t1", "region": "eu", "empty": "", "": "no key"}


def test_north_context_open_mode(start):
    """Open mode, no credentials at all: whoami still sees every context
    header, empty keys and values included (the peer's get_north_context)."""
    server = start("server-with-auth")
    client = Client(server, NORTH_CONTEXT_HEADERS)
    client.initialize()
    who = client.tool("whoami")["structuredContent"]
    assert who["email"] is None
    assert who["context"] == NORTH_CONTEXT
    plain = Client(server)
    plain.initialize()
    assert plain.tool("whoami")["structuredContent"]["context"] == {}


def test_north_context_enforced_mode_and_custom_route(start):
    server = start("server-with-custom-routes", "--require-auth")
    # A public route: context without credentials.
    status, _, body = server.request("GET", "/context", headers=NORTH_CONTEXT_HEADERS)
    assert status == 200 and json.loads(body) == {"context": NORTH_CONTEXT}
    status, _, body = server.request("GET", "/context")
    assert status == 200 and json.loads(body) == {"context": {}}
    # With valid credentials too.
    headers = dict(NORTH_CONTEXT_HEADERS, Authorization="Bearer " + SEED_TOKEN)
    status, _, body = server.request("GET", "/context", headers=headers)
    assert status == 200 and json.loads(body) == {"context": NORTH_CONTEXT}


def test_north_context_with_credentials(start):
    server = start("server-with-auth")
    client = Client(server, dict(NORTH_CONTEXT_HEADERS, Authorization="Bearer " + SEED_TOKEN))
    client.initialize()
    who = client.tool("whoami")["structuredContent"]
    assert who["email"] == "test@company.com" and who["context"] == NORTH_CONTEXT


def test_debug_logging(start):
    server = start("server-with-debug")
    client = Client(server, {"Authorization": "Bearer " + SEED_TOKEN})
    client.initialize()
    assert client.tool("echo", {"text": "hi"})["content"][0]["text"] == "hi"
    assert server.wait_for_stderr("Setting authenticated user in context")
    log = server.stderr()
    line = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d - NorthMCP\.Auth - DEBUG - "
    assert re.search(line + r"Authenticating request from \('127\.0\.0\.1', \d+\)", log), log
    assert re.search(line + r"Authorization header present \(length: \d+\)", log), log
    assert "Successfully decoded base64 auth header" in log
    assert "Has server_secret: True, Has user_id_token: True, Connector count: 1" in log
    assert "Available connectors: ['google']" in log
    assert "Successfully decoded user ID token. Email: test@company.com" in log
    assert re.search(r"NorthMCP\.AuthContext - DEBUG - Setting authenticated user in context: "
                     r"email=test@company\.com, connectors=\['google'\]", log), log
    # Secrets are cut short: the token never appears whole.
    assert SEED_TOKEN not in log and SEED_TOKEN[:30] not in log
    assert "'authorization': 'Bearer eyJ...'" in log


def test_no_debug_output_without_debug(start):
    server = start("server-with-auth")
    client = Client(server, {"Authorization": "Bearer " + SEED_TOKEN})
    client.initialize()
    client.tool("add", {"a": 1, "b": 2})
    assert server.wait_for_stderr("This tool was called by")
    assert "DEBUG" not in server.stderr()


def test_debug_from_environment(start):
    server = start("server-with-auth", env={"DEBUG": "Yes"})
    client = Client(server)
    client.initialize()
    assert server.wait_for_stderr("NorthMCP.Auth - DEBUG - Authenticating request from")


def test_custom_routes(start):
    server = start("server-with-custom-routes", "--require-auth")
    status, headers, body = server.request("GET", "/ready")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    assert json.loads(body) == {"status": "ready", "server": "Routes Demo", "tools": 1}
    status, headers, body = server.request("GET", "/metrics")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    assert "mcp_tool_calls_total 0" in body
    assert server.request("GET", "/ready/")[0] == 200
    assert server.request("POST", "/metrics", "x")[0] == 405
    assert server.request("GET", "/nope")[0] == 404
    # /mcp itself is protected.
    status, _, body = server.request("POST", "/mcp", json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping"}),
                                     {"Content-Type": "application/json",
                                      "Accept": "application/json, text/event-stream"})
    assert (status, json.loads(body)["error"]) == (401, "no authentication headers present")
    client = Client(server, {"Authorization": "Bearer " + SEED_TOKEN})
    client.initialize()
    assert client.tool("ping")["content"][0]["text"] == "pong"
    assert "mcp_tool_calls_total 1" in server.request("GET", "/metrics")[2]


def test_no_health_check_option(start):
    assert start("server-with-auth").request("GET", "/health")[0] == 200
    assert start("server-with-auth", "--no-health-check").request("GET", "/health")[0] == 404


def test_no_debug_wins_over_environment(start):
    server = start("server-with-auth", "--no-debug", env={"DEBUG": "true"})
    client = Client(server, {"Authorization": "Bearer " + SEED_TOKEN})
    client.initialize()
    client.tool("add", {"a": 1, "b": 2})
    assert server.wait_for_stderr("This tool was called by")
    assert "DEBUG" not in server.stderr()


def test_path_option(start):
    server = start("server-with-custom-routes", "--require-auth", "--path", "/tools/v1/mcp")
    assert "listening on http://127.0.0.1:%d/tools/v1/mcp" % server.port in server.stderr()
    ping = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping"})
    mcp_headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    # The configured path is the protected one; /mcp is gone.
    status, _, body = server.request("POST", "/tools/v1/mcp", ping, mcp_headers)
    assert (status, json.loads(body)["error"]) == (401, "no authentication headers present")
    assert server.request("POST", "/mcp", ping, dict(mcp_headers, Authorization="Bearer " + SEED_TOKEN))[0] == 404
    client = Client(server, {"Authorization": "Bearer " + SEED_TOKEN}, path="/tools/v1/mcp")
    client.initialize()
    assert client.tool("ping")["content"][0]["text"] == "pong"
    # The legacy endpoint stays at the root, and stays protected.
    assert server.request("GET", "/sse")[0] == 401


@pytest.mark.parametrize("path", ["mcp", "/sse", "/messages/x", "/health", "/a//b", "/a/../b", "/a?x", ""])
def test_path_option_refuses(path):
    result = subprocess.run([os.path.join(EXAMPLES, "server-with-auth"), "--port", "0", "--path", path],
                            stdin=subprocess.DEVNULL, capture_output=True, timeout=20)
    assert result.returncode == 1 and b"Invalid MCP endpoint path" in result.stderr, result.stderr


@pytest.mark.parametrize("option, value", [
    ("--port", "0x10"),           # GOption's INT64 reads hex: port 16
    ("-p", "0x10"),
    ("--idle-timeout", "0x3c"),
    ("--session-timeout", " 60"),
    ("--max-sessions", "1e3"),
])
def test_number_options_are_decimal(option, value):
    result = subprocess.run([os.path.join(EXAMPLES, "server-with-auth"), "--transport", "stdio",
                             option, value], stdin=subprocess.DEVNULL, capture_output=True, timeout=20)
    assert result.returncode == 1, result.stderr
    assert b"use a decimal number" in result.stderr, result.stderr


@pytest.mark.parametrize("option, value, message", [
    # Read as octal, 065536 is port 27486, and 0257 workers are 175.
    ("--port", "065536", b"Invalid --port 65536: use 0 to 65535"),
    ("--workers", "0257", b"Invalid --workers 257: use 1 to 256"),
])
def test_number_options_with_leading_zeros_are_decimal(option, value, message):
    # A leading zero must not turn a port or a limit into another number.
    result = subprocess.run([os.path.join(EXAMPLES, "server-with-auth"), "--transport", "stdio", option, value],
                            stdin=subprocess.DEVNULL, capture_output=True, timeout=20)
    assert result.returncode == 1 and message in result.stderr, result.stderr


def test_number_options_out_of_range():
    result = subprocess.run([os.path.join(EXAMPLES, "server-with-auth"), "--transport", "stdio",
                             "--port", "99999999999999999999"],
                            stdin=subprocess.DEVNULL, capture_output=True, timeout=20)
    assert result.returncode == 1 and b"--port" in result.stderr, result.stderr


def test_trusted_issuers_reject_unverified_tokens(start):
    server = start("server-with-trusted-issuers", "--trusted-issuer", "http://127.0.0.1:9/issuer")
    base = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping"})
    # The seed token's ID token has no iss claim.
    status, _, text = server.request("POST", "/mcp", body, dict(base, Authorization="Bearer " + SEED_TOKEN))
    assert (status, json.loads(text)) == (401, {"error": "Token missing issuer"})
    # A secret alone does not stand in for a verified identity.
    status, _, text = server.request("POST", "/mcp", body, dict(base, **{"X-North-Server-Secret": "s"}))
    assert (status, json.loads(text)) == (401, {"error": "no authentication headers present"})


def test_trusted_issuers_verify_with_local_issuer(start, tmp_path):
    token_file = tmp_path / "token"
    issuer = subprocess.Popen(["node", os.path.join(SOURCE_ROOT, "bench", "oidc-issuer.mjs"),
                               "--port", "0", "--token-out", str(token_file)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        line = issuer.stderr.readline()
        match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
        assert match, line
        issuer_url = match.group(1)
        server = start("server-with-trusted-issuers", "--trusted-issuer", issuer_url)
        client = Client(server, {"X-North-ID-Token": token_file.read_text().strip()})
        client.initialize()
        who = client.tool("whoami")["structuredContent"]
        assert who["issuer"] == issuer_url
        # A token whose signature was tampered with is refused.
        parts = token_file.read_text().strip().split(".")
        parts[2] = parts[2][::-1]
        status, _, text = server.request(
            "POST", "/mcp", json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping"}),
            {"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
             "X-North-ID-Token": ".".join(parts)})
        assert (status, json.loads(text)) == (401, {"error": "invalid user id token"})
    finally:
        issuer.terminate()
        issuer.wait(10)


def test_citations(start):
    server = start("server-with-citations")
    client = Client(server)
    client.initialize()
    result = client.tool("search_documents", {"query": "revenue"})
    items = result["structuredContent"]["result"]
    assert len(items) == 1
    assert json.loads(result["content"][0]["text"]) == items[0]
    # North 1.13's document citation, as the peer's server_with_citations.py writes it
    assert items[0] == {
        "text": "Revenue grew 12% over the quarter, led by enterprise sales.",
        "title": "Quarterly report",
        "url": "https://example.com/docs/quarterly-report",
        "_north_metadata": {
            "renderer": "document",
            "content": "Revenue grew 12% over the quarter, led by enterprise sales.",
            "title": "Quarterly report",
            "url": "https://example.com/docs/quarterly-report",
            "meta": {"author_name": "Jane Doe", "last_updated": "1705276800", "page_number": 3},
        },
    }
    assert len(client.tool("search_documents", {"query": ""})["content"]) == 3
    nothing = client.tool("search_documents", {"query": "no such words"})
    assert nothing["content"] == [] and nothing["structuredContent"] == {"result": []}


def test_destructive_tool_annotations(start):
    server = start("server-with-destructive-tools")
    client = Client(server)
    client.initialize()
    response, _ = client.call("tools/list", definition="ListToolsResult")
    tools = {tool["name"]: tool.get("annotations", {}) for tool in response["result"]["tools"]}
    assert tools["list_notes"] == {"readOnlyHint": True}
    assert tools["delete_note"]["destructiveHint"] is True
    assert tools["add_note"]["destructiveHint"] is False
    client.tool("add_note", {"title": "a", "text": "b"})
    assert client.tool("list_notes")["content"][0]["text"] == "a\n"
    assert client.tool("delete_note", {"title": "a"})["content"][0]["text"] == "Deleted note 'a'"
    assert client.tool("delete_note", {"title": "a"})["isError"] is True


def test_legacy_sse_transport(start):
    server = start("server-with-auth")
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=20)
    conn.request("GET", "/sse", headers={"Accept": "text/event-stream",
                                         "Authorization": "Bearer " + SEED_TOKEN})
    stream = conn.getresponse()
    assert stream.status == 200

    def next_event():
        lines = []
        while True:
            line = stream.readline().decode()
            if line in ("\n", "\r\n", ""):
                if lines:
                    return lines
                if line == "":
                    raise AssertionError("stream ended")
                continue
            if not line.startswith(":"):
                lines.append(line.rstrip("\r\n"))

    event = next_event()
    assert event[0] == "event: endpoint"
    endpoint = event[1][len("data: "):]
    assert endpoint.startswith("/messages/?session_id=")

    def post(message):
        status, _, _ = server.request("POST", endpoint, json.dumps(message),
                                      {"Content-Type": "application/json",
                                       "Authorization": "Bearer " + SEED_TOKEN})
        assert status == 202

    post({"jsonrpc": "2.0", "id": 1, "method": "initialize",
          "params": {"protocolVersion": "2024-11-05", "capabilities": {},
                     "clientInfo": {"name": "sse", "version": "1"}}})
    event = next_event()
    assert json.loads(event[1][len("data: "):])["result"]["protocolVersion"] == "2024-11-05"
    post({"jsonrpc": "2.0", "method": "notifications/initialized"})
    post({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
          "params": {"name": "add", "arguments": {"a": 3, "b": 4}}})
    event = next_event()
    assert json.loads(event[1][len("data: "):])["result"]["content"][0]["text"] == "7"
    assert server.wait_for_stderr("This tool was called by: test@company.com")
    conn.close()


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-v"]))


def test_stdio_output_is_only_protocol_even_with_glib_debug_logging():
    """G_MESSAGES_DEBUG makes GLib's default log writer print debug lines;
    it printed them on standard output, which is the stdio transport's (a
    client then read "(server-with-auth:123): GLib-DEBUG: ..." as a
    message)."""
    lines = [{"jsonrpc": "2.0", "id": 1, "method": "initialize",
              "params": {"protocolVersion": PROTOCOL, "capabilities": {},
                         "clientInfo": {"name": "t", "version": "1"}}},
             {"jsonrpc": "2.0", "method": "notifications/initialized"},
             {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}]
    result = subprocess.run([os.path.join(EXAMPLES, "server-with-auth"), "--transport", "stdio"],
                            input="".join(json.dumps(m) + "\n" for m in lines).encode(),
                            env={**os.environ, "G_MESSAGES_DEBUG": "all"},
                            capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode().splitlines()
    assert [json.loads(line)["id"] for line in out] == [1, 2], result.stdout
    assert b"-DEBUG" in result.stderr, result.stderr  # the debug lines went there
