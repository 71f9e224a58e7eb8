# test_python_soak.py: thousands of calls through Python tools (sync and
# async) keep the server's memory flat: contexts, arguments, results and
# coroutines cross the C/Python boundary without leaking.
#
# SPDX-License-Identifier: MIT
import os
import sys

from mcp_client import StdioClient, text_of

SERVER = [sys.executable, os.path.join(os.path.dirname(__file__), "features_server.py")]


def rss_kib(pid):
    with open("/proc/%d/statm" % pid) as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def call_batch(client, count):
    for i in range(count):
        pending = [client.send("tools/call", {"name": "echo", "arguments": {"text": "x%d" % i}}),
                   client.send("tools/call", {"name": "echo_later",
                                              "arguments": {"text": "y%d" % i}})]
        assert text_of(client.wait(pending[0])["result"]) == "tools/call: x%d" % i
        assert client.wait(pending[1])["result"]["structuredContent"] == {"text": "y%d" % i}


def test_memory_stays_flat_over_many_calls():
    client = StdioClient(SERVER)
    try:
        client.initialize()
        pid = client.server.process.pid
        call_batch(client, 500)          # warm up: caches, arenas
        before = rss_kib(pid)
        call_batch(client, 2000)
        after = rss_kib(pid)
        print("server RSS: %d KiB -> %d KiB" % (before, after))
        # 4000 calls: a leak of a context, its arguments or result, or a
        # coroutine per call would be several hundred bytes each.
        assert after - before < 512, "server RSS grew by %d KiB" % (after - before)
    finally:
        client.close()
