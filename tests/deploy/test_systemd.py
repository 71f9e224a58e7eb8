#!/usr/bin/python3
"""systemd integration without systemd running: socket activation with
systemd-socket-activate (the real LISTEN_FDS/LISTEN_PID protocol), also
with --workers 2; readiness, status, stopping and watchdog datagrams on a
NOTIFY_SOCKET this test owns (a path and an abstract name); the checks of
inherited descriptors; and the unit files of deploy/systemd/ under
`systemd-analyze verify` and `systemd-analyze security --offline`.
No timing assertions: waits are bounded only to end a broken run.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

import deployfix
from deployfix import McpSession

sys.path.insert(0, os.path.join(deployfix.SOURCE_ROOT, "tests", "workers"))
from test_workers import children_of  # noqa: E402

SERVER = os.path.join(deployfix.EXAMPLES, "server-with-auth")
CONFORMANCE = os.path.join(deployfix.EXAMPLES, "conformance-server")
UNITS = os.path.join(deployfix.SOURCE_ROOT, "deploy", "systemd")
ACTIVATE = shutil.which("systemd-socket-activate") or "/usr/bin/systemd-socket-activate"
ANALYZE = shutil.which("systemd-analyze") or "/usr/bin/systemd-analyze"
# Runs "$@" with LISTEN_PID set to its own PID (the shell execs into it).
WITH_OWN_PID = ["/bin/sh", "-c", 'LISTEN_PID=$$ exec "$@"', "sh"]


class Process:
    """A process whose standard error is collected by a thread."""

    def __init__(self, argv, env=None, preexec_fn=None):
        self.process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, env=env, preexec_fn=preexec_fn,
                                        pass_fds=(3,) if preexec_fn else ())
        self.lines = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in self.process.stderr:
            self.lines.append(raw.decode("utf-8", "replace").rstrip("\n"))

    def stderr(self):
        return "\n".join(self.lines)

    def wait_for_line(self, pattern, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines:
                m = re.search(pattern, line)
                if m:
                    return m
            if self.process.poll() is not None and not self.reader.is_alive():
                break
            time.sleep(0.05)
        return None

    def stop(self, sig=signal.SIGTERM):
        code = deployfix.stop_process(self.process, sig)
        self.reader.join(5)
        return code


class NotifySocket:
    """A NOTIFY_SOCKET owned by the test: a unix datagram socket at a path
    in TMP_PATH, or with ABSTRACT in the abstract namespace (`@name`)."""

    def __init__(self, tmp_path, abstract=False):
        self.socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if abstract:
            name = f"north-mcp-test-{os.getpid()}-{id(self):x}"
            self.socket.bind("\0" + name)
            self.address = "@" + name
        else:
            self.address = str(tmp_path / "notify.sock")
            self.socket.bind(self.address)
        self.socket.settimeout(60)
        self.messages = []

    def receive(self):
        data = self.socket.recv(4096).decode()
        self.messages.append(data)
        return dict(line.split("=", 1) for line in data.split("\n") if "=" in line)

    def receive_until(self, key):
        """Datagrams until one sets KEY: all of them, as dicts."""
        seen = []
        while True:
            message = self.receive()
            seen.append(message)
            if key in message:
                return seen

    def close(self):
        self.socket.close()


def environment(**extra):
    env = {k: v for k, v in os.environ.items()
           if k not in ("LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES", "NOTIFY_SOCKET",
                        "WATCHDOG_USEC", "WATCHDOG_PID")}
    env.update(extra)
    return env


def socket_inode(pid, fd):
    try:
        return os.readlink(f"/proc/{pid}/fd/{fd}")
    except OSError:
        return None


def initial_environment(pid):
    with open(f"/proc/{pid}/environ", "rb") as f:
        return dict(item.split("=", 1) for item in f.read().decode(errors="replace").split("\0") if "=" in item)


@pytest.fixture
def activated():
    """Starts a server under systemd-socket-activate on a loopback port
    chosen here; stops them all afterwards and checks the exit status."""
    started = []

    def start(*args, program=SERVER, env=None):
        port = deployfix.free_port()
        p = Process([ACTIVATE, "-l", f"127.0.0.1:{port}", program, *args], env=environment(**(env or {})))
        assert p.wait_for_line(r"Listening on 127\.0\.0\.1:%d" % port), p.stderr()
        p.port = port
        started.append(p)
        return p

    yield start
    for p in started:
        code = p.stop()
        assert code == 0, f"exit status {code}:\n{p.stderr()}"


def test_socket_activated_server_serves_mcp(activated):
    p = activated("--stateful")
    # The first connection makes systemd-socket-activate exec the server,
    # which then serves it on the inherited socket.
    session = McpSession(f"http://127.0.0.1:{p.port}/mcp")
    assert session.session_id
    result = session.result("tools/call", {"name": "add", "arguments": {"a": 2, "b": 40}})
    assert result["content"][0]["text"] == "42", result
    # The server says where it listens: the inherited socket's address.
    assert p.wait_for_line(r"listening on http://127\.0\.0\.1:%d/mcp" % p.port), p.stderr()
    # It bound nothing of its own: the only listening socket is fd 3.
    server_pid = p.process.pid  # systemd-socket-activate execs into the server
    assert socket_inode(server_pid, 3).startswith("socket:"), os.listdir(f"/proc/{server_pid}/fd")
    assert "LISTEN_FDS" in initial_environment(server_pid)
    assert session.close() == 200


def test_socket_activated_workers_share_the_socket(activated):
    p = activated("--stateless", "--workers", "2")
    url = f"http://127.0.0.1:{p.port}/mcp"
    assert McpSession(url).result("tools/call", {"name": "add", "arguments": {"a": 1, "b": 1}})
    assert p.wait_for_line(r"listening on http://127\.0\.0\.1:%d/mcp" % p.port), p.stderr()
    parent = p.process.pid
    assert deployfix.wait_for_port(p.port, p.process)

    def worker():
        kids = children_of(parent)
        return kids[0] if len(kids) == 1 and socket_inode(kids[0], 3) else None

    deadline = time.monotonic() + 60
    while worker() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    kid = worker()
    assert kid is not None, p.stderr()
    # The worker accepts on the very socket systemd passed, as descriptor 3,
    # told so by its own variable (no LISTEN_PID of another process).
    assert socket_inode(kid, 3) == socket_inode(parent, 3)
    kid_env = initial_environment(kid)
    assert kid_env.get("NORTH_MCP_WORKER_LISTEN_FDS") == "1"
    assert "LISTEN_PID" not in kid_env and "LISTEN_FDS" not in kid_env
    # With the first process stopped, the worker alone answers.
    os.kill(parent, signal.SIGSTOP)
    try:
        for i in range(5):
            result = McpSession(url).result("tools/call", {"name": "add", "arguments": {"a": i, "b": 10}})
            assert result["content"][0]["text"] == str(i + 10), result
    finally:
        os.kill(parent, signal.SIGCONT)
    result = McpSession(url).result("tools/call", {"name": "add", "arguments": {"a": 5, "b": 5}})
    assert result["content"][0]["text"] == "10"


@pytest.mark.parametrize("abstract", [False, True], ids=["path", "abstract"])
def test_ready_status_and_stopping(tmp_path, abstract):
    notify = NotifySocket(tmp_path, abstract)
    try:
        p = Process([SERVER, "--port", "0", "--stateless", "--workers", "2"],
                    env=environment(NOTIFY_SOCKET=notify.address))
        m = p.wait_for_line(r"listening on http://127\.0\.0\.1:(\d+)/mcp")
        assert m, p.stderr()
        ready = notify.receive_until("READY")[-1]
        assert ready["READY"] == "1"
        assert ready["STATUS"] == f"Serving MCP on http://127.0.0.1:{m.group(1)}/mcp with 2 workers"
        # The workers were not given the service manager's socket.
        kids = children_of(p.process.pid)
        assert kids and all("NOTIFY_SOCKET" not in initial_environment(k) for k in kids)
        assert p.stop() == 0, p.stderr()
        assert "STOPPING" in notify.receive_until("STOPPING")[-1]
        # Exactly one READY: from the first process only.
        assert sum("READY=1" in m for m in notify.messages) == 1, notify.messages
    finally:
        notify.close()


def test_watchdog_pings(tmp_path):
    notify = NotifySocket(tmp_path)
    try:
        # WATCHDOG_PID names the server itself (the shell execs into it).
        p = Process(["/bin/sh", "-c", 'WATCHDOG_PID=$$ exec "$@"', "sh", SERVER, "--port", "0"],
                    env=environment(NOTIFY_SOCKET=notify.address, WATCHDOG_USEC="200000"))
        assert p.wait_for_line(r"listening on"), p.stderr()
        notify.receive_until("READY")
        for _ in range(3):
            notify.receive_until("WATCHDOG")
        assert p.stop() == 0, p.stderr()
    finally:
        notify.close()


def test_watchdog_for_another_process_is_ignored(tmp_path):
    notify = NotifySocket(tmp_path)
    try:
        p = Process([SERVER, "--port", "0"],
                    env=environment(NOTIFY_SOCKET=notify.address, WATCHDOG_USEC="100000",
                                    WATCHDOG_PID=str(os.getpid())))
        assert p.wait_for_line(r"listening on"), p.stderr()
        notify.receive_until("READY")
        # Ten watchdog intervals pass; a server that pinged would have by then.
        time.sleep(1)
        assert p.stop() == 0, p.stderr()
        notify.receive_until("STOPPING")
        assert not any("WATCHDOG" in m for m in notify.messages), notify.messages
    finally:
        notify.close()


def listening_socket():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    return s


def test_listen_pid_of_another_process_is_ignored():
    """LISTEN_FDS meant for another process: the server binds its own port."""
    s = listening_socket()
    try:
        p = Process([SERVER, "--port", "0", "--stateless"],
                    env=environment(LISTEN_FDS="1", LISTEN_PID="1"),
                    preexec_fn=lambda: os.dup2(s.fileno(), 3))
        m = p.wait_for_line(r"listening on http://127\.0\.0\.1:(\d+)/mcp")
        assert m, p.stderr()
        assert int(m.group(1)) != s.getsockname()[1]
        session = McpSession(f"http://127.0.0.1:{m.group(1)}/mcp")
        assert session.result("tools/call", {"name": "add", "arguments": {"a": 1, "b": 2}})["content"][0]["text"] == "3"
        assert p.stop() == 0, p.stderr()
    finally:
        s.close()


def run_with_fd3(make_fd, *args):
    """Runs the server with LISTEN_FDS=1 for itself and MAKE_FD()'s
    descriptor as fd 3; its exit status and standard error."""
    fd = make_fd()
    try:
        def to_fd3():
            os.dup2(fd, 3)
        result = subprocess.run(WITH_OWN_PID + [SERVER, "--port", "0", *args],
                                env=environment(LISTEN_FDS="1"), stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                preexec_fn=to_fd3, pass_fds=(3,), timeout=60)
        return result.returncode, result.stderr.decode()
    finally:
        os.close(fd)


@pytest.mark.parametrize("kind,message", [
    ("pipe", "file descriptor 3 is not a socket"),
    ("udp", "file descriptor 3 is not a stream socket"),
    ("unbound-tcp", "file descriptor 3 is not a listening socket"),
    ("unix", "file descriptor 3 is a unix socket: only TCP"),
])
def test_bad_inherited_descriptor_is_refused(kind, message):
    def make():
        if kind == "pipe":
            r, w = os.pipe()
            os.close(w)
            return r
        if kind == "udp":
            return socket.socket(socket.AF_INET, socket.SOCK_DGRAM).detach()
        if kind == "unbound-tcp":
            return socket.socket().detach()
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind("\0north-mcp-test-unix-%d" % os.getpid())
        s.listen(1)
        return s.detach()

    code, stderr = run_with_fd3(make)
    assert code == 1, stderr
    assert f"Socket activation (LISTEN_FDS=1): {message}" in stderr, stderr
    assert "listening on" not in stderr


def test_malformed_listen_fds_is_refused():
    result = subprocess.run(WITH_OWN_PID + [SERVER, "--port", "0"],
                            env=environment(LISTEN_FDS="many"), stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60)
    assert result.returncode == 1
    assert "invalid LISTEN_FDS" in result.stderr.decode()


# ------------------------------------------------------------------
# The unit files

def units_for_this_machine(tmp_path, service_text=None):
    """deploy/systemd/ copied to TMP_PATH with ExecStart pointing at the
    example built here (verify checks that the program exists)."""
    for name in ("north-mcp-example.socket", "north-mcp-example.service"):
        with open(os.path.join(UNITS, name)) as f:
            text = f.read()
        text = text.replace("/usr/local/libexec/north-mcp/server-with-auth", SERVER)
        if name.endswith(".service") and service_text is not None:
            text = service_text(text)
        (tmp_path / name).write_text(text)
    return [str(tmp_path / "north-mcp-example.socket"), str(tmp_path / "north-mcp-example.service")]


def verify(paths):
    return subprocess.run([ANALYZE, "verify", "--man=no", *paths], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=120)


def test_units_verify(tmp_path):
    result = verify(units_for_this_machine(tmp_path))
    assert result.returncode == 0 and result.stdout + result.stderr == "", result.stdout + result.stderr


def test_verify_finds_a_broken_unit(tmp_path):
    """The check above can fail: a misspelt setting is reported."""
    result = verify(units_for_this_machine(tmp_path, lambda t: t.replace("ProtectSystem=strict",
                                                                         "ProtectSystem=strictly")))
    assert "Failed to parse protect system value" in result.stdout + result.stderr


def test_service_sandbox(tmp_path):
    """The service's settings, and an exposure of at most 2.0 (of 10) by
    systemd's own scoring."""
    with open(os.path.join(UNITS, "north-mcp-example.service")) as f:
        text = f.read()
    for setting in ("Type=notify", "WatchdogSec=", "Restart=on-failure", "DynamicUser=yes",
                    "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", "NoNewPrivileges=yes",
                    "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6", "SystemCallFilter=@system-service",
                    "MemoryDenyWriteExecute=yes", "\nCapabilityBoundingSet=\n"):
        assert setting in text, setting
    paths = units_for_this_machine(tmp_path)
    result = subprocess.run([ANALYZE, "security", "--offline=true", "--threshold=20", "--no-pager", paths[1]],
                            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"Overall exposure level for north-mcp-example\.service: [01]\.\d", result.stdout), result.stdout


def test_socket_activated_ipv6_loopback():
    """An IPv6 loopback socket: served, named in brackets, and its loopback
    Host names accepted."""
    port = deployfix.free_port()
    p = Process([ACTIVATE, "-l", f"[::1]:{port}", SERVER, "--stateless"], env=environment())
    try:
        assert p.wait_for_line(r"Listening on \[::1\]:%d" % port), p.stderr()
        session = McpSession(f"http://[::1]:{port}/mcp")
        result = session.result("tools/call", {"name": "add", "arguments": {"a": 3, "b": 4}})
        assert result["content"][0]["text"] == "7", result
        assert p.wait_for_line(r"listening on http://\[::1\]:%d/mcp" % port), p.stderr()
    finally:
        assert p.stop() == 0, p.stderr()
