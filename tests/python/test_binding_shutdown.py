# test_binding_shutdown.py: a binding's graceful shutdown, started from a
# tool of the server under test (NORTH_MCP_SHUTDOWN_SERVER, a JSON command
# line: tests/python/shutdown_server.py, tests/gjs/shutdown-server.js or the
# Vala shutdown-server; NORTH_MCP_SHUTDOWN_LANGUAGE says which). Real
# processes over loopback; every wait is bounded generously, none is timed.
#
# SPDX-License-Identifier: MIT
import json
import os
import signal
import socket
import threading

import pytest

import gi

gi.require_version("Gio", "2.0")
from gi.repository import Gio  # noqa: E402

from mcp_client import TIMEOUT, HttpClient, text_of  # noqa: E402

COMMAND = json.loads(os.environ["NORTH_MCP_SHUTDOWN_SERVER"])
LANGUAGE = os.environ["NORTH_MCP_SHUTDOWN_LANGUAGE"]
IO_ERROR = "g-io-error-quark"


class Call(threading.Thread):
    """A tools/call of `work` in a thread: `answer` once joined, or
    `error` (what the client saw when the server cut it)."""

    def __init__(self, client, **arguments):
        super().__init__(daemon=True)
        self.client, self.arguments = client, arguments
        self.answer = self.error = None
        self.start()

    def run(self):
        try:
            self.answer = self.client.call_tool("work", self.arguments)
        except Exception as error:  # noqa: BLE001 - what the client saw
            self.error = error

    def result(self):
        self.join(TIMEOUT)
        assert not self.is_alive(), "the call never ended"
        return self.answer, self.error


def refused(url):
    try:
        socket.create_connection((url.hostname, url.port), TIMEOUT).close()
    except ConnectionRefusedError:
        return True
    return False


def exit_status(client):
    client.server.process.wait(TIMEOUT)
    status = client.close()
    # A handler that shuts down while its connection is being accepted
    # must not leave the listener accepting on closed sockets.
    assert "Cannot accept connections" not in client.server.stderr_text, client.server.stderr_text
    return status


@pytest.fixture
def start():
    clients = []

    def start(*extra_args):
        client = HttpClient(COMMAND, extra_args=extra_args)
        clients.append(client)
        client.initialize()
        return client

    yield start
    for client in clients:
        client.close()


def test_shutdown_lets_the_running_request_finish(start):
    client = start("--shutdown-timeout", "120")
    call = Call(client, seconds=1, shutdown=True)
    client.server.wait_for_stderr(r"^work: started$")
    assert refused(client.url)              # no new connection meanwhile

    answer, error = call.result()
    assert error is None, "%r; stderr:\n%s" % (error, client.server.stderr_text)
    expected = "worked 1 s, db open" if LANGUAGE == "python" else "worked 1 s"
    assert text_of(answer["result"]) == expected
    client.server.wait_for_stderr(r"^shutdown: true$")
    assert exit_status(client) == 0
    assert refused(client.url)
    if LANGUAGE == "python":
        # The lifespan is left after the request ended and shutdown()'s
        # awaiter saw the outcome, not before.
        assert client.server.stderr_index(r"^work: done$") < client.server.stderr_index(r"^lifespan: exit$")
        assert client.server.stderr_index(r"^shutdown: true$") < client.server.stderr_index(r"^lifespan: exit$")


def test_shutdown_timeout_cuts_the_request(start):
    client = start("--shutdown-timeout", "1")
    call = Call(client, seconds=0, shutdown=True)  # works until the server stops
    client.server.wait_for_stderr(r"^work: started$")
    assert refused(client.url)

    client.server.wait_for_stderr(r"^shutdown: error %s %d " % (IO_ERROR, Gio.IOErrorEnum.TIMED_OUT))
    answer, error = call.result()
    assert error is not None or answer is None or "result" not in answer, answer
    assert exit_status(client) == 0
    assert "work: done" not in client.server.stderr_text
    if LANGUAGE == "python":
        client.server.wait_for_stderr(r"^lifespan: exit$")
