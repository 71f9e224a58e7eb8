"""--workers N under hostile conditions (issue 10, point 6): workers that
keep dying are started again with a growing delay instead of in a tight
loop, a worker started again serves, and SIGTERM to the first process ends
everything even while a restart is pending.

A "crash loop" here is a thread that SIGKILLs every worker as soon as it
appears. The assertions are on what the parent announces ("restarting in
N s": the delays must double) and on counts, never on how fast anything
happened."""

import os
import re
import signal
import threading
import time

from hostile import Server, wait_until

RESTART = re.compile(r"worker (\d+) ended \((.*)\) after (\d+) s; restarting in (\d+) s")


def children_of(pid):
    """The live (not zombie) children of PID."""
    kids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            kids.append(int(entry))
    return kids


def workers_of(port):
    """The live processes started as workers of the server on PORT (their
    initial environment names the port)."""
    found = []
    marker = f"NORTH_MCP_WORKER_PORT={port}".encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                environ = f.read().split(b"\0")
            with open(f"/proc/{entry}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker in environ and state != "Z":
            found.append(int(entry))
    return found


def listening_sockets(port):
    n = 0
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[1] == f"0100007F:{port:04X}":
                n += 1
    return n


def restarts(server):
    return [(int(m.group(1)), int(m.group(4))) for m in map(RESTART.search, server.lines) if m]


class Killer:
    """Kills every child of PID as soon as it shows up, until stopped."""

    def __init__(self, pid):
        self.pid = pid
        self.killed = set()
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while self.running:
            for kid in children_of(self.pid):
                try:
                    os.kill(kid, signal.SIGKILL)
                    self.killed.add(kid)
                except ProcessLookupError:
                    pass
            time.sleep(0.01)

    def stop(self):
        self.running = False
        self.thread.join(10)


def start_workers():
    server = Server("--transport", "streamable-http", "--stateless", "--workers", "2")
    assert wait_until(lambda: listening_sockets(server.port) == 2), server.stderr()
    return server


def test_crash_loop_backs_off_then_recovers():
    server = start_workers()
    try:
        killer = Killer(server.pid)
        # Long enough for several restarts: 0 + 1 + 2 + 4 s of back-off.
        assert wait_until(lambda: len(restarts(server)) >= 5, timeout=120), server.stderr()
        killer.stop()

        seen = restarts(server)
        delays = [delay for _, delay in seen]
        # Immediate first, then doubling: a crash loop does not spin.
        assert delays[:5] == [0, 1, 2, 4, 8], server.stderr()
        assert all(later == min(2 * earlier or 1, 30) for earlier, later in zip(delays, delays[1:])), delays
        # Every death was announced once, and no restart came without one.
        assert {pid for pid, _ in seen} <= killer.killed
        assert len(seen) == len({pid for pid, _ in seen})

        # Meanwhile, and once the killing stops, the first process serves;
        # the next worker listens after its back-off.
        assert server.health()
        assert wait_until(lambda: listening_sockets(server.port) == 2, timeout=120), server.stderr()
        kids = children_of(server.pid)
        assert len(kids) == 1 and kids[0] not in killer.killed
        for _ in range(20):
            assert server.health()
        assert workers_of(server.port) == kids
    finally:
        assert server.stop() == 0
    assert wait_until(lambda: workers_of(server.port) == []), workers_of(server.port)


def test_sigterm_during_back_off_ends_everything():
    server = start_workers()
    try:
        killer = Killer(server.pid)
        # Two quick deaths: the next restart waits (2 s), and is pending.
        assert wait_until(lambda: len(restarts(server)) >= 3, timeout=60), server.stderr()
        killer.stop()
        assert [delay for _, delay in restarts(server)][:3] == [0, 1, 2]
    finally:
        status = server.stop()
    assert status == 0, server.stderr()
    # Nothing of it is left: no worker, no listening socket.
    assert wait_until(lambda: workers_of(server.port) == []), workers_of(server.port)
    assert listening_sockets(server.port) == 0
