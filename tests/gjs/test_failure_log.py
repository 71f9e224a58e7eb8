# test_failure_log.py: a GJS handler that throws, called by any client in a
# loop, is written to stderr once a minute at most (with the count left
# out), every time with its stack in debug mode; the client's answers stay
# the same. tests/gjs/failing-server.js (NORTH_MCP_FAILING_SERVER, a JSON
# command line) over Streamable HTTP on loopback, started with
# NORTH_MCP_LOG_INTERVAL_MS at a day, shortened while serving: no wait is
# timed.
#
# SPDX-License-Identifier: MIT
import http.client
import itertools
import json
import os
import re

import pytest

from mcp_client import HttpClient

COMMAND = json.loads(os.environ["NORTH_MCP_FAILING_SERVER"])
A_DAY_MS = 24 * 3600 * 1000
LINE = re.compile(r"^NorthMcp: \S+ fail\S* failed: ")

TOOL_CALL = ("tools/call", {"name": "fail", "arguments": {}})
RESOURCE_READ = ("resources/read", {"uri": "fail://here"})
PROMPT_GET = ("prompts/get", {"name": "fail", "arguments": {}})
MARKS = itertools.count()


def configure(client, interval_ms, debug):
    """Sets the server's log interval (None: the environment's) and debug
    mode; returns the failure lines so far, every one written before."""
    mark = str(next(MARKS))
    answer = client.call_tool("configure", {"intervalMs": interval_ms, "debug": debug, "mark": mark})
    assert answer["result"]["content"][0]["text"] == "configured", answer
    client.server.wait_for_stderr(r"^mark: %s$" % mark)
    return [line for line in client.server.stderr_text.splitlines() if LINE.match(line)]


def fail(client, calls):
    """Makes @calls, each of which fails; checks the client's answers."""
    for method, params in calls:
        answer = client.request(method, params)
        if method == "tools/call":
            assert answer["result"] == {"content": [{"type": "text", "text": "RangeError: nope"}],
                                        "isError": True}, answer
        else:
            assert answer["error"]["message"] == "nope", answer


def test_failing_calls_do_not_flood_the_log(monkeypatch):
    monkeypatch.setenv("NORTH_MCP_LOG_INTERVAL_MS", str(A_DAY_MS))
    client = HttpClient(COMMAND)
    try:
        client.initialize()
        fail(client, [TOOL_CALL] * 11 + [RESOURCE_READ] * 5 + [PROMPT_GET] * 5)
        lines = configure(client, None, False)
        assert lines == ["NorthMcp: tools/call fail failed: RangeError: nope"], lines

        # Once the interval has passed: one line, with the count left out.
        configure(client, 0, False)
        fail(client, [PROMPT_GET])
        lines = configure(client, 0, False)
        assert lines[1:] == ["NorthMcp: prompts/get fail failed: RangeError: nope "
                             "(20 more since the last line)"], lines

        # Debug mode: every failure with its stack, the interval a day again.
        configure(client, A_DAY_MS, True)
        fail(client, [TOOL_CALL, RESOURCE_READ, PROMPT_GET] * 2)
        lines = configure(client, A_DAY_MS, True)
        assert len(lines) == 2 + 6, lines
        stacks = re.findall(r"^NorthMcp: (\S+) fail\S* failed: RangeError: nope\n\S*@\S*failing-server\.js:\d+",
                            client.server.stderr_text, re.MULTILINE)
        assert stacks == ["tools/call", "resources/read", "prompts/get"] * 2, client.server.stderr_text
    finally:
        client.close()


def get(client, path):
    """GET @path of the server: (status, body)."""
    connection = http.client.HTTPConnection(client.url.hostname, client.url.port, timeout=60)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8")
    finally:
        connection.close()


@pytest.mark.parametrize("prefix", ["", "/bare"], ids=["route", "add_route"])
def test_failing_routes_do_not_flood_the_log(monkeypatch, prefix):
    """A custom route that throws, or whose Promise rejects, answers 500
    and is written to stderr as a handler's failure: not GJS's critical
    with the stack for every request any client sends. Added with
    server.route(), or with the introspected add_route()
    (`server.server.add_route()`, /bare…), which the module wraps alike:
    unwrapped, it answered an empty 500 and wrote that critical."""
    monkeypatch.setenv("NORTH_MCP_LOG_INTERVAL_MS", str(A_DAY_MS))
    now, later = prefix + "/fail", prefix + "/fail-later"
    client = HttpClient(COMMAND)
    try:
        client.initialize()
        for _ in range(10):
            assert get(client, now) == (500, "Internal Server Error")
            assert get(client, later) == (500, "Internal Server Error")
            assert get(client, "/later") == (200, "later")
        configure(client, None, False)
        lines = [line for line in client.server.stderr_text.splitlines()
                 if "nope" in line or "JS ERROR" in line or "CRITICAL" in line]
        assert lines == ["NorthMcp: route %s failed: RangeError: nope" % now], client.server.stderr_text

        # Debug mode: every failure with its stack.
        configure(client, A_DAY_MS, True)
        assert get(client, now) == (500, "Internal Server Error")
        assert get(client, later) == (500, "Internal Server Error")
        configure(client, A_DAY_MS, True)
        stacks = re.findall(r"^NorthMcp: route (\S+) failed: RangeError: nope\n\S*@\S*failing-server\.js:\d+",
                            client.server.stderr_text, re.MULTILINE)
        assert stacks == [now, later], client.server.stderr_text
    finally:
        client.close()


def test_failure_lines_escape_what_the_client_sent(monkeypatch):
    """An error's message often quotes the client's arguments: its control
    characters are escaped, as the library's own log lines do, so that
    one failure is one whole line, without terminal escapes."""
    monkeypatch.setenv("NORTH_MCP_LOG_INTERVAL_MS", "0")
    client = HttpClient(COMMAND)
    try:
        client.initialize()
        sent = "Paris\nNorthMcp: forged\r\x1b[2J\x85\u2028\ttab"
        for debug in (False, True):
            configure(client, 0, debug)
            answer = client.call_tool("failWith", {"text": sent})
            assert answer["result"]["content"][0]["text"] == "RangeError: nope: " + sent
            # The URI of a template's resource, quoted too.
            answer = client.request("resources/read", {"uri": "fail://" + sent})
            assert answer["error"]["message"] == "nope: " + sent, answer
        configure(client, 0, False)
        err = client.server.stderr_text
        escaped = "Paris\\nNorthMcp: forged\\r\\x1b[2J\\x85\\u2028\ttab"
        line = "NorthMcp: tools/call failWith failed: RangeError: nope: " + escaped
        assert err.splitlines().count(line) == 2, err
        line = "NorthMcp: resources/read fail://%s failed: RangeError: nope: %s" % (escaped, escaped)
        assert err.splitlines().count(line) == 2, err
        assert not re.search("[\r\x1b\x85\u2028]|^NorthMcp: forged", err, re.MULTILINE), err
    finally:
        client.close()
