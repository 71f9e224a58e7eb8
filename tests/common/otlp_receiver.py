"""The OTLP/HTTP JSON receiver of bench/otlp-receiver.py (a script, whose
file name is no module's), loaded once here for the Python tests that
export spans to it (their meson environments put this folder on
PYTHONPATH), and one started in this process.

SPDX-License-Identifier: MIT
"""
import contextlib
import importlib.util
import os
import threading

_spec = importlib.util.spec_from_file_location(
    "bench_otlp_receiver",
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench", "otlp-receiver.py"))
_bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_bench)

Receiver = _bench.Receiver


@contextlib.contextmanager
def running(**options):
    """A Receiver (with the OPTIONS of its constructor) on a free port of
    127.0.0.1, served by a thread of this process until the block ends."""
    server = Receiver(0, **options)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.stop_hanging.set()
        server.shutdown()
        server.server_close()
