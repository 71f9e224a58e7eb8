"""Real deployments on loopback for tests and benchmarks: nginx with the
configurations shipped in deploy/nginx/, replica servers (the example
programs), and redis-server. Every process gets its own directory (config,
pid, temp and log files) under a folder the caller owns, a loopback port
chosen at run time, and is stopped by its PID. Nothing here asserts; the
tests do.

    with Replicas(3, "--stateful") as replicas, \\
         Nginx("north-mcp-sticky.conf", replicas.ports, workdir) as nginx:
        url = nginx.url + "/mcp"

Used by tests/deploy/ and bench/replicas.py; the state store tests reuse
it (Redis, Replicas with "--state-store", Nginx with the round-robin
configuration).
"""

import contextlib
import os
import re
import signal
import socket
import subprocess
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.environ.get("NORTH_MCP_SOURCE_ROOT", os.path.join(HERE, "..", ".."))
BUILD_ROOT = os.environ.get("NORTH_MCP_BUILD_ROOT", os.path.join(SOURCE_ROOT, "build"))
EXAMPLES = os.environ.get("NORTH_MCP_EXAMPLES", os.path.join(BUILD_ROOT, "examples", "c"))
NGINX_CONF_DIR = os.path.join(SOURCE_ROOT, "deploy", "nginx")
NGINX = os.environ.get("NORTH_MCP_NGINX", "/usr/sbin/nginx")
REDIS_SERVER = os.environ.get("NORTH_MCP_REDIS_SERVER", "/usr/bin/redis-server")


def free_port():
    """A loopback port that was free a moment ago (for programs that cannot
    be told --port 0: nginx, redis-server)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, process, timeout=60):
    """True once 127.0.0.1:PORT accepts connections; False if PROCESS ends
    first or TIMEOUT seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def stop_process(process, sig=signal.SIGTERM, timeout=60):
    """Signals PROCESS (by its PID) and waits for it; SIGKILL after TIMEOUT.
    Its exit status."""
    if process.poll() is None:
        process.send_signal(sig)
    try:
        return process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait(10)


class _Served:
    """A process (`process`) serving HTTP on 127.0.0.1:`port`."""

    @property
    def pid(self):
        return self.process.pid

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"


class Replica(_Served):
    """One server process (an example program, default server-with-auth) on
    --port 0; `port` is read from its "listening on" line. Standard error is
    collected by a thread (`stderr()`)."""

    def __init__(self, *args, program="server-with-auth", env=None, port=0, stderr_path=None,
                 prefix=()):
        path = program if os.path.isabs(program) else os.path.join(EXAMPLES, program)
        self.argv = [*prefix, path, "--port", str(port), *args]
        self.lines = []
        self.port = None
        self.stderr_path = stderr_path
        self._ready = threading.Event()
        self._log = open(stderr_path, "wb") if stderr_path else None
        self.process = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL,
                                        stderr=self._log or subprocess.PIPE, env=env)
        # With STDERR_PATH (benchmarks), no thread reads every line: the
        # file is read until the listening line is there.
        self._reader = threading.Thread(target=self._read if self._log is None else self._poll,
                                        daemon=True)
        self._reader.start()
        if not self._ready.wait(60) or self.port is None:
            self.stop()
            raise RuntimeError(f"{program} did not start:\n" + self.stderr())

    def _listening(self, line):
        m = re.search(r"listening on http://(\S+):(\d+)/", line)
        if m and self.port is None:
            self.port = int(m.group(2))
            self._ready.set()

    def _read(self):
        for raw in self.process.stderr:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.lines.append(line)
            self._listening(line)
        self._ready.set()

    def _poll(self):
        deadline = time.monotonic() + 60
        while self.port is None and self.process.poll() is None and time.monotonic() < deadline:
            with open(self.stderr_path, errors="replace") as f:
                for line in f:
                    self._listening(line)
            time.sleep(0.02)
        self._ready.set()

    def stderr(self):
        if self.stderr_path:
            with open(self.stderr_path, errors="replace") as f:
                return f.read()[-20000:]
        return "\n".join(self.lines)

    def kill(self):
        """SIGKILL: a replica that dies."""
        return stop_process(self.process, signal.SIGKILL)

    def stop(self):
        code = stop_process(self.process)
        self._reader.join(5)
        if self._log is not None:
            self._log.close()
        return code


class Replicas(contextlib.AbstractContextManager):
    """COUNT replicas of PROGRAM with ARGS, each on a port of its own.
    Leaving the context stops them all; `exit_codes` then holds their exit
    statuses (0 after a clean shutdown, also under ASan)."""

    def __init__(self, count, *args, program="server-with-auth", env=None, stderr_dir=None,
                 prefix=()):
        self.replicas = []
        self.exit_codes = []
        try:
            for i in range(count):
                path = os.path.join(stderr_dir, f"replica-{i}.log") if stderr_dir else None
                self.replicas.append(Replica(*args, program=program, env=env, stderr_path=path,
                                             prefix=prefix))
        except BaseException:
            self.stop()
            raise

    @property
    def ports(self):
        return [r.port for r in self.replicas]

    def __iter__(self):
        return iter(self.replicas)

    def __len__(self):
        return len(self.replicas)

    def __getitem__(self, index):
        return self.replicas[index]

    def stderr(self):
        return "\n".join(f"--- replica {i} (pid {r.pid}, port {r.port}) ---\n{r.stderr()}"
                         for i, r in enumerate(self.replicas))

    def stop(self):
        self.exit_codes = [r.stop() for r in self.replicas]
        return self.exit_codes

    def __exit__(self, *exc):
        self.stop()
        return False


def render_nginx_site(name, upstream_ports, listen_port, conf_dir=NGINX_CONF_DIR):
    """The shipped site configuration NAME (deploy/nginx/) for this run: the
    `server` lines of its upstream block list UPSTREAM_PORTS on 127.0.0.1,
    it listens on 127.0.0.1:LISTEN_PORT, and includes name the shipped
    files by their absolute path. Everything else is used as shipped."""
    with open(os.path.join(conf_dir, name)) as f:
        text = f.read()

    def upstream(match):
        servers = "".join(f"    server 127.0.0.1:{p};\n" for p in upstream_ports)
        body = re.sub(r"^\s*server\s+[^;]+;[^\n]*\n", "", match.group(2), flags=re.M)
        return match.group(1) + servers + body + match.group(3)

    text, n = re.subn(r"(upstream\s+\w+\s*\{\n)(.*?)(^\})", upstream, text, flags=re.S | re.M)
    if n == 0:
        raise ValueError(f"{name}: no upstream block")
    text, n = re.subn(r"^(\s*)listen\s+[^;]+;", rf"\1listen 127.0.0.1:{listen_port};", text, flags=re.M)
    if n == 0:
        raise ValueError(f"{name}: no listen directive")
    text = re.sub(r"^(\s*)include\s+([\w.-]+\.conf);",
                  lambda m: f"{m.group(1)}include {os.path.join(conf_dir, m.group(2))};",
                  text, flags=re.M)
    return text


class Nginx(_Served, contextlib.AbstractContextManager):
    """nginx (master and WORKERS worker processes, in the foreground) with
    the shipped site configuration SITE in front of UPSTREAM_PORTS, in a
    directory of its own under WORKDIR (created with tempfile when None),
    on a loopback port chosen at run time (`port`, `url`). Stopped by its
    master's PID (SIGQUIT: graceful, then SIGTERM). CONF_DIR: where SITE
    and the files it includes are (default deploy/nginx/)."""

    def __init__(self, site, upstream_ports, workdir=None, workers=1, extra_http="",
                 conf_dir=NGINX_CONF_DIR, prefix=()):
        self._tmp = None
        if workdir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="north-nginx-")
            workdir = self._tmp.name
        self.dir = tempfile.mkdtemp(prefix="nginx-", dir=workdir)
        for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi", "logs"):
            os.makedirs(os.path.join(self.dir, sub))
        self.error_log = os.path.join(self.dir, "logs", "error.log")
        self.access_log = os.path.join(self.dir, "logs", "access.log")
        self.process = None
        last_error = ""
        # nginx cannot be told port 0: try again if the port was taken meanwhile.
        for _ in range(5):
            self.port = free_port()
            self.conf = os.path.join(self.dir, "nginx.conf")
            with open(os.path.join(self.dir, "site.conf"), "w") as f:
                f.write(render_nginx_site(site, upstream_ports, self.port, conf_dir))
            with open(self.conf, "w") as f:
                f.write(self._main_conf(workers, extra_http))
            self.process = subprocess.Popen([*prefix, NGINX, "-p", self.dir, "-c", self.conf, "-e", self.error_log],
                                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                            stderr=subprocess.PIPE)
            if wait_for_port(self.port, self.process):
                return
            stop_process(self.process)
            last_error = self.process.stderr.read().decode(errors="replace") + self.log()
            if "Address already in use" not in last_error:
                break
        raise RuntimeError("nginx did not start:\n" + last_error)

    def _main_conf(self, workers, extra_http):
        d = self.dir
        # As root, nginx's workers would become nobody, who cannot use the
        # caller's directories: they stay the caller's user.
        user = "user root root;\n" if os.geteuid() == 0 else ""
        return f"""{user}daemon off;
worker_processes {workers};
pid {d}/nginx.pid;
error_log {self.error_log} info;
events {{ worker_connections 4096; }}
http {{
    log_format north '$request_method|$uri|$status|$upstream_addr|$upstream_status';
    access_log {self.access_log} north;
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    {extra_http}
    include {d}/site.conf;
}}
"""

    def access(self):
        """The access log so far: (method, path, status, upstream addresses
        tried, their statuses) per request, in order of completion."""
        entries = []
        try:
            with open(self.access_log) as f:
                for line in f:
                    method, path, status, upstreams, statuses = line.rstrip("\n").split("|", 4)
                    entries.append((method, path, int(status), upstreams, statuses))
        except OSError:
            pass
        return entries

    def wait_access(self, count, timeout=60):
        """The access log once it has COUNT entries (nginx writes an entry
        after the client may already have its answer)."""
        deadline = time.monotonic() + timeout
        while len(self.access()) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.access()

    def log(self):
        try:
            with open(self.error_log) as f:
                return f.read()
        except OSError:
            return ""

    def stop(self):
        code = None
        if self.process is not None:
            code = stop_process(self.process, signal.SIGQUIT, timeout=30)
            self.process.stderr.close()
        if self._tmp is not None:
            self._tmp.cleanup()
        return code

    def __exit__(self, *exc):
        self.stop()
        return False


class Redis(contextlib.AbstractContextManager):
    """redis-server on a loopback port chosen at run time, no persistence,
    in a directory of its own; `uri` is redis://127.0.0.1:PORT. `stop()` and
    `start()` again keep the port (a store that goes away and comes back)."""

    def __init__(self, workdir=None):
        self._tmp = None
        if workdir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="north-redis-")
            workdir = self._tmp.name
        self.dir = tempfile.mkdtemp(prefix="redis-", dir=workdir)
        self.port = None
        self.process = None
        self.start()

    def start(self):
        for _ in range(5):
            port = self.port or free_port()
            self.process = subprocess.Popen(
                [REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(port), "--dir", self.dir,
                 "--save", "", "--appendonly", "no", "--protected-mode", "yes",
                 "--logfile", os.path.join(self.dir, "redis.log")],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if wait_for_port(port, self.process):
                self.port = port
                return
            stop_process(self.process)
            if self.port is not None:
                break
        raise RuntimeError("redis-server did not start:\n" + self.log())

    @property
    def uri(self):
        return f"redis://127.0.0.1:{self.port}"

    @property
    def pid(self):
        return self.process.pid

    def log(self):
        try:
            with open(os.path.join(self.dir, "redis.log")) as f:
                return f.read()
        except OSError:
            return ""

    def stop(self, sig=signal.SIGTERM):
        return stop_process(self.process, sig) if self.process is not None else None

    def __exit__(self, *exc):
        self.stop()
        if self._tmp is not None:
            self._tmp.cleanup()
        return False


# ------------------------------------------------------------------
# A small MCP client over http.client, enough for deployment checks.

import http.client  # noqa: E402
import json  # noqa: E402
import urllib.parse  # noqa: E402

PROTOCOL_VERSION = "2025-06-18"
MCP_HEADERS = {"Content-Type": "application/json",
               "Accept": "application/json, text/event-stream"}


def connect(url, timeout=60):
    parts = urllib.parse.urlsplit(url)
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout), parts.path or "/"


def read_events(response):
    """The JSON messages of an event stream, one at a time, as they come
    (a generator: it blocks until the next event arrives)."""
    data = []
    while True:
        line = response.readline()
        if not line:
            return
        line = line.decode("utf-8").rstrip("\r\n")
        if line.startswith("data:"):
            data.append(line[5:].lstrip(" "))
        elif line == "" and data:
            text = "\n".join(data)
            data = []
            if text.strip():  # not a priming event (an id, no message)
                yield json.loads(text)


def messages_of(response):
    """Every JSON-RPC message of a complete answer, JSON or event stream."""
    if response.getheader("Content-Type", "").startswith("text/event-stream"):
        return list(read_events(response))
    body = response.read()
    return [json.loads(body)] if body else []


class McpSession:
    """One MCP client session against URL (the /mcp endpoint): initialize
    on creation (stateful servers hand out Mcp-Session-Id), then requests.
    Every request goes on a connection of its own, as a proxy's client may
    (nginx then picks the replica per request)."""

    def __init__(self, url, capabilities=None, headers=None, protocol=PROTOCOL_VERSION,
                 send_initialized=True):
        self.url = url
        self.headers = dict(headers or {})
        self.next_id = 1
        self.session_id = None
        status, response_headers, messages = self.request(
            "initialize", {"protocolVersion": protocol, "capabilities": capabilities or {},
                           "clientInfo": {"name": "deploy-test", "version": "0"}})
        if status != 200 or not messages or "result" not in messages[-1]:
            raise RuntimeError(f"initialize failed: {status} {messages}")
        self.session_id = response_headers.get("mcp-session-id")
        self.headers["MCP-Protocol-Version"] = messages[-1]["result"]["protocolVersion"]
        if send_initialized:
            self.notify("notifications/initialized")

    def _headers(self, extra=None):
        h = {**MCP_HEADERS, **self.headers, **(extra or {})}
        if self.session_id:
            h["Mcp-Session-Id"] = self.session_id
        return h

    def open(self, message, extra_headers=None, method="POST", timeout=60):
        """Sends MESSAGE (None for GET/DELETE) and returns the open
        (connection, response) for streaming reads."""
        conn, path = connect(self.url, timeout)
        body = json.dumps(message) if message is not None else None
        headers = self._headers(extra_headers)
        if method == "GET":
            headers["Accept"] = "text/event-stream"
            headers.pop("Content-Type", None)
        conn.request(method, path, body=body, headers=headers)
        return conn, conn.getresponse()

    def send(self, message, extra_headers=None):
        conn, response = self.open(message, extra_headers)
        try:
            return response.status, {k.lower(): v for k, v in response.getheaders()}, messages_of(response)
        finally:
            conn.close()

    def request(self, method, params=None, extra_headers=None):
        rid = self.next_id
        self.next_id += 1
        return self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params or {}},
                         extra_headers)

    def result(self, method, params=None, extra_headers=None):
        """The result of a request that must succeed."""
        status, _, messages = self.request(method, params, extra_headers)
        answers = [m for m in messages if "result" in m or "error" in m]
        if status != 200 or len(answers) != 1 or "result" not in answers[0]:
            raise RuntimeError(f"{method}: {status} {messages}")
        return answers[0]["result"]

    def notify(self, method, params=None):
        status, _, _ = self.send({"jsonrpc": "2.0", "method": method, "params": params or {}})
        if status != 202:
            raise RuntimeError(f"{method}: {status}")

    def close(self):
        if self.session_id:
            conn, response = self.open(None, method="DELETE")
            response.read()
            conn.close()
            return response.status
        return None
