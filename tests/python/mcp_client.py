# mcp_client.py: a small MCP client for the language binding tests
#
# Starts an example server as a subprocess and talks to it over stdio
# (newline-delimited JSON-RPC) or Streamable HTTP (JSON or SSE answers).
# Only the standard library: it runs with Debian's /usr/bin/python3.
#
# SPDX-License-Identifier: MIT
import contextlib
import http.client
import http.server
import json
import os
import re
import subprocess
import threading
import urllib.parse

# Generous: only there so that a broken server fails the test instead of
# hanging it. No test asserts how long anything takes.
TIMEOUT = 60

# The ready-made bearer token of the North Python SDK README: server secret
# "server_secret", an unsigned ID token for test@company.com and a Google
# connector token "abc".
SEED_BEARER_TOKEN = (
    "eyJzZXJ2ZXJfc2VjcmV0IjogInNlcnZlcl9zZWNyZXQiLCAidXNlcl9pZF90b2tlbiI6ICJleUpoYkdjaU9pSklVekkxTmlJc0luUjVjQ0k2SWtwWFZDSjkuZXlKbGJXRnBiQ0k2SW5SbGMzUkFZMjl0Y0dGdWVTNWpiMjBpZlEuV0pjckVUUi1MZnFtX2xrdE9vdjd0Q1ktTmZYR2JuYTVUMjhaeFhTaEZ4SSIsICJjb25uZWN0b3JfYWNjZXNzX3Rva2VucyI6IHsiZ29vZ2xlIjogImFiYyJ9fQ=="
)

PROTOCOL_VERSION = "2025-06-18"

INITIALIZE_PARAMS = {
    "protocolVersion": PROTOCOL_VERSION,
    "capabilities": {},
    "clientInfo": {"name": "north-mcp-glib-binding-tests", "version": "1.0"},
}


class ServerProcess:
    """A server subprocess whose standard error is collected line by line."""

    def __init__(self, command, extra_args=(), stdin=subprocess.DEVNULL):
        self.command = list(command) + list(extra_args)
        self.process = subprocess.Popen(self.command, stdin=stdin,
                                        stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE)
        self._stderr_lines = []
        self._stderr_changed = threading.Condition()
        self._stderr_thread = threading.Thread(target=self._read_stderr, daemon=True)
        self._stderr_thread.start()

    def _read_stderr(self):
        for raw in iter(self.process.stderr.readline, b""):
            with self._stderr_changed:
                self._stderr_lines.append(raw.decode("utf-8", "replace").rstrip("\n"))
                self._stderr_changed.notify_all()
        with self._stderr_changed:
            self._stderr_lines.append(None)  # end of stream
            self._stderr_changed.notify_all()

    @property
    def stderr_text(self):
        with self._stderr_changed:
            return "\n".join(line for line in self._stderr_lines if line is not None)

    def wait_for_stderr(self, pattern):
        """Waits for a standard error line matching the regular expression
        @pattern and returns its match."""
        regex = re.compile(pattern)
        seen = 0
        with self._stderr_changed:
            while True:
                while seen < len(self._stderr_lines):
                    line = self._stderr_lines[seen]
                    seen += 1
                    if line is None:
                        raise AssertionError("the server exited before printing %r; stderr:\n%s"
                                             % (pattern, self.stderr_text))
                    match = regex.search(line)
                    if match:
                        return match
                if not self._stderr_changed.wait(TIMEOUT):
                    raise AssertionError("no stderr line matched %r; stderr:\n%s"
                                         % (pattern, self.stderr_text))

    def stderr_index(self, pattern):
        """The index of the first standard error line matching @pattern."""
        regex = re.compile(pattern)
        with self._stderr_changed:
            for index, line in enumerate(self._stderr_lines):
                if line is not None and regex.search(line):
                    return index
        raise AssertionError("no stderr line matched %r; stderr:\n%s"
                             % (pattern, self.stderr_text))

    def stop(self):
        if self.process.poll() is None:
            if self.process.stdin is not None:
                try:
                    self.process.stdin.close()
                except OSError:
                    pass
            self.process.terminate()
            try:
                self.process.wait(TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._stderr_thread.join(TIMEOUT)
        return self.process.returncode


class StdioClient:
    """An MCP client over the stdio transport."""

    def __init__(self, command, request_handler=None):
        self.server = ServerProcess(command, ["--transport", "stdio"], stdin=subprocess.PIPE)
        # Answers requests from the server: (method, params) -> result dict.
        self.request_handler = request_handler
        self.notifications = []
        self._next_id = 1
        self._lock = threading.Lock()
        self._responses = {}
        self._arrivals = []           # ids, in the order responses arrived
        self._changed = threading.Condition(self._lock)
        self._reader = threading.Thread(target=self._read_stdout, daemon=True)
        self._reader.start()

    def _read_stdout(self):
        for raw in iter(self.server.process.stdout.readline, b""):
            message = json.loads(raw)
            if "method" in message and "id" in message:
                self._answer(message)
                continue
            with self._changed:
                if "id" in message and ("result" in message or "error" in message):
                    self._responses[message["id"]] = message
                    self._arrivals.append(message["id"])
                elif "method" in message:
                    self.notifications.append(message)
                self._changed.notify_all()
        with self._changed:
            self._arrivals.append(None)
            self._changed.notify_all()

    def _answer(self, request):
        answer = {"jsonrpc": "2.0", "id": request["id"]}
        if self.request_handler is None:
            answer["error"] = {"code": -32601, "message": "Method not found"}
        else:
            answer["result"] = self.request_handler(request["method"], request.get("params"))
        with self._lock:
            self.server.process.stdin.write(json.dumps(answer).encode() + b"\n")
            self.server.process.stdin.flush()

    def send(self, method, params=None, notification=False):
        message = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        with self._lock:
            if not notification:
                message["id"] = self._next_id
                self._next_id += 1
            self.server.process.stdin.write(json.dumps(message).encode() + b"\n")
            self.server.process.stdin.flush()
        return message.get("id")

    def wait(self, request_id):
        with self._changed:
            while request_id not in self._responses:
                if None in self._arrivals:
                    raise AssertionError("the server closed stdout; stderr:\n%s"
                                         % self.server.stderr_text)
                if not self._changed.wait(TIMEOUT):
                    raise AssertionError("no response to request %r" % request_id)
            return self._responses[request_id]

    @property
    def arrivals(self):
        with self._lock:
            return [i for i in self._arrivals if i is not None]

    def request(self, method, params=None):
        return self.wait(self.send(method, params))

    def initialize(self, capabilities=None):
        params = dict(INITIALIZE_PARAMS, capabilities=capabilities or {})
        response = self.request("initialize", params)
        self.send("notifications/initialized", notification=True)
        return response

    def call_tool(self, name, arguments, meta=None):
        params = {"name": name, "arguments": arguments}
        if meta is not None:
            params["_meta"] = meta
        return self.request("tools/call", params)

    def close(self):
        return self.server.stop()


class SilentClient(StdioClient):
    """A client that records the server's requests and answers none."""

    def __init__(self, command):
        self.asked = []
        super().__init__(command)

    def _answer(self, request):
        with self._changed:
            self.asked.append(request["id"])
            self._changed.notify_all()

    def wait_until(self, condition):
        with self._changed:
            while not condition():
                if not self._changed.wait(TIMEOUT):
                    raise AssertionError("timed out; stderr:\n%s" % self.server.stderr_text)

    def cancelled(self):
        """The ids of the server's requests it sent notifications/cancelled
        for, sorted."""
        return sorted(n["params"]["requestId"] for n in self.notifications
                      if n["method"] == "notifications/cancelled")


class HttpClient:
    """An MCP client over Streamable HTTP, on a port the server picks."""

    def __init__(self, command, bearer_token=None, extra_args=()):
        self.server = ServerProcess(command, ["--transport", "streamable-http", "--port", "0",
                                              "--host", "127.0.0.1", *extra_args])
        match = self.server.wait_for_stderr(r"listening on (http://\S+)")
        self.url = urllib.parse.urlsplit(match.group(1))
        self.bearer_token = bearer_token
        self.session_id = None
        self._next_id = 1
        self._lock = threading.Lock()
        self.extra_headers = {}

    def post(self, message):
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json, text/event-stream",
            "MCP-Protocol-Version": PROTOCOL_VERSION,
            **self.extra_headers,
        }
        if self.bearer_token is not None:
            headers["Authorization"] = "Bearer " + self.bearer_token
        if self.session_id is not None:
            headers["Mcp-Session-Id"] = self.session_id
        connection = http.client.HTTPConnection(self.url.hostname, self.url.port, timeout=TIMEOUT)
        try:
            connection.request("POST", self.url.path, json.dumps(message), headers)
            response = connection.getresponse()
            body = response.read().decode("utf-8")
            session_id = response.getheader("Mcp-Session-Id")
            if session_id is not None and self.session_id is None:
                self.session_id = session_id
            if response.status == 202:
                return None
            if response.status != 200:
                raise AssertionError("HTTP %d: %s" % (response.status, body))
            if response.getheader("Content-Type", "").startswith("text/event-stream"):
                return _last_sse_response(body, message.get("id"))
            return json.loads(body)
        finally:
            connection.close()

    def request(self, method, params=None):
        with self._lock:
            request_id = self._next_id
            self._next_id += 1
        message = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            message["params"] = params
        return self.post(message)

    def initialize(self):
        response = self.request("initialize", INITIALIZE_PARAMS)
        self.post({"jsonrpc": "2.0", "method": "notifications/initialized"})
        return response

    def call_tool(self, name, arguments):
        return self.request("tools/call", {"name": name, "arguments": arguments})

    def close(self):
        return self.server.stop()


def _last_sse_response(body, request_id):
    """Returns the JSON-RPC response to @request_id in an SSE body."""
    for event in body.replace("\r\n", "\n").split("\n\n"):
        data = "\n".join(line[5:].lstrip(" ") for line in event.split("\n")
                         if line.startswith("data:"))
        if not data:
            continue
        message = json.loads(data)
        if message.get("id") == request_id and ("result" in message or "error" in message):
            return message
    raise AssertionError("no response to %r in the event stream:\n%s" % (request_id, body))


@contextlib.contextmanager
def local_web_server(answer):
    """Serves GET requests on 127.0.0.1 (a free port) from a thread, with
    answer(path, headers) -> (content type, body bytes); yields the base
    URL, http://127.0.0.1:PORT."""
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            kind, body = answer(self.path, self.headers)
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield "http://127.0.0.1:%d" % server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def server_command():
    """The example server to test, from NORTH_MCP_EXAMPLE_SERVER (a JSON
    array: the command line)."""
    return json.loads(os.environ["NORTH_MCP_EXAMPLE_SERVER"])


def text_of(result):
    return "".join(block.get("text", "") for block in result["content"]
                   if block.get("type") == "text")


class ToolCallFailed(AssertionError):
    """The TypeScript client rejected a request (an error response, or a
    result it found invalid)."""


class TsClient:
    """The official MCP TypeScript SDK client (ts_driver.mjs under
    NORTH_MCP_NODE), talking to a server over stdio (@command) or
    Streamable HTTP (@url)."""

    def __init__(self, command=None, url=None, headers=None, answers=None):
        driver = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ts_driver.mjs")
        self.process = ServerProcess([os.environ.get("NORTH_MCP_NODE", "node"), driver],
                                     stdin=subprocess.PIPE)
        self.notifications = []
        self._answers = {}
        self._next_id = 1
        self._changed = threading.Condition()
        self._closed = False
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        setup = {"answers": answers or {}}
        if command is not None:
            setup["stdio"] = {"command": command[0], "args": list(command[1:])}
        else:
            setup["url"] = url
            setup["headers"] = headers or {}
        self._write(setup)
        self.capabilities = self._wait(lambda: self._answers.pop("ready", None))

    def _read(self):
        for raw in iter(self.process.process.stdout.readline, b""):
            message = json.loads(raw)
            with self._changed:
                if "notification" in message:
                    self.notifications.append(message["notification"])
                elif "ready" in message:
                    self._answers["ready"] = message["ready"]
                elif "fatal" in message:
                    self._answers["fatal"] = message["fatal"]
                else:
                    self._answers[message["id"]] = message
                self._changed.notify_all()
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    def _write(self, message):
        self.process.process.stdin.write(json.dumps(message).encode() + b"\n")
        self.process.process.stdin.flush()

    def _wait(self, take):
        with self._changed:
            while True:
                value = take()
                if value is not None:
                    return value
                if "fatal" in self._answers or self._closed:
                    raise AssertionError("the TypeScript client failed: %s\nstderr:\n%s"
                                         % (self._answers.get("fatal"),
                                            self.process.stderr_text))
                if not self._changed.wait(TIMEOUT):
                    raise AssertionError("no answer from the TypeScript client; stderr:\n%s"
                                         % self.process.stderr_text)

    def start(self, op, params=None):
        """Sends Client.@op(@params) without waiting; returns its id."""
        with self._changed:
            request_id = self._next_id
            self._next_id += 1
            self._write({"id": request_id, "op": op, "params": params})
        return request_id

    def result(self, request_id):
        """Waits for the answer to start(); returns the result or raises
        ToolCallFailed with the client's error message."""
        answer = self._wait(lambda: self._answers.pop(request_id, None))
        if "error" in answer:
            raise ToolCallFailed(answer["error"]["message"])
        return answer.get("result")

    def request(self, op, params=None):
        """Calls Client.@op(@params) and waits for its result."""
        return self.result(self.start(op, params))

    def call_tool(self, name, arguments=None, meta=None):
        params = {"name": name, "arguments": arguments or {}}
        if meta is not None:
            params["_meta"] = meta
        return self.request("callTool", params)

    def wait_for_notifications(self, method, count, start=0):
        """Waits until @count notifications @method arrived after index
        @start of notifications; returns their params."""
        def take():
            found = [n["params"] for n in self.notifications[start:] if n.get("method") == method]
            return found if len(found) >= count else None
        return self._wait(take)

    @property
    def stderr_text(self):
        """The standard error of the client, and of a stdio server."""
        return self.process.stderr_text

    def close(self):
        try:
            self.process.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.process.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            pass
        return self.process.stop()
