# test_python_shutdown.py: what only the Python binding has to show about a
# graceful shutdown: a second `await server.shutdown()` fails with PENDING,
# and SIGTERM leaves the lifespan after the drain. The server is
# shutdown_server.py, as in test_binding_shutdown.py.
#
# SPDX-License-Identifier: MIT
import signal

from test_binding_shutdown import IO_ERROR, Call, Gio, exit_status, start, text_of  # noqa: F401


def test_second_shutdown_is_pending(start):
    client = start("--shutdown-timeout", "120")
    call = Call(client, seconds=1, shutdown=True, twice=True)
    client.server.wait_for_stderr(r"^shutdown again: error %s %d " % (IO_ERROR, Gio.IOErrorEnum.PENDING))
    answer, error = call.result()
    assert error is None and text_of(answer["result"]) == "worked 1 s, db open"
    client.server.wait_for_stderr(r"^shutdown: true$")   # the first one went on
    assert exit_status(client) == 0


def test_sigterm_leaves_the_lifespan_after_the_drain(start):
    client = start("--shutdown-timeout", "120")
    call = Call(client, seconds=1)
    client.server.wait_for_stderr(r"^work: started$")
    client.server.process.send_signal(signal.SIGTERM)

    answer, error = call.result()
    assert error is None, "%r; stderr:\n%s" % (error, client.server.stderr_text)
    assert text_of(answer["result"]) == "worked 1 s, db open"
    assert exit_status(client) == 0
    assert client.server.stderr_index(r"^work: done$") < client.server.stderr_index(r"^lifespan: exit$")


def test_shutdown_settles_before_run_returns_without_a_lifespan(start):
    client = start("--no-lifespan", "--shutdown-timeout", "120")
    call = Call(client, seconds=1, shutdown=True)
    answer, error = call.result()
    assert error is None and text_of(answer["result"]) == "worked 1 s, db none"
    client.server.wait_for_stderr(r"^shutdown: true$")
    assert exit_status(client) == 0
