# shutdown_server.py: `await server.shutdown()` from a tool, and a lifespan
# that must be left only after the drain; driven by test_binding_shutdown.py
# (as are its GJS and Vala twins, tests/gjs/shutdown-server.js and
# tests/vala/shutdown-server.vala).
#
# SPDX-License-Identifier: MIT
import asyncio
import contextlib
import sys

import gi

gi.require_version("NorthMcp", "1.0")
from gi.repository import NorthMcp  # noqa: E402
from gi.repository.NorthMcp import Context, McpError  # noqa: E402


def say(line):
    print(line, file=sys.stderr, flush=True)


@contextlib.asynccontextmanager
async def lifespan(server):
    resources = {"db": "open"}
    try:
        yield resources
    finally:
        resources["db"] = "closed"
        say("lifespan: exit")


# --no-lifespan (ours, not run()'s): nothing iterates the main context
# after run() but run() itself.
WITH_LIFESPAN = "--no-lifespan" not in sys.argv
if not WITH_LIFESPAN:
    sys.argv.remove("--no-lifespan")
mcp = NorthMcp.Server("Shutdown", "1.0.0", lifespan=lifespan if WITH_LIFESPAN else None)


async def report(label, outcome):
    try:
        result = await outcome
        say("%s: %s" % (label, "true" if result is True else repr(result)))
    except McpError as error:
        say("%s: error %s %d %s" % (label, error.domain, error.code, error.message))


@mcp.tool()
async def work(ctx: Context, seconds: float, shutdown: bool = False, twice: bool = False) -> str:
    """Works for `seconds` (0: until the server stops), after starting a
    graceful shutdown when `shutdown` (and a second one when `twice`)"""
    if shutdown:
        # shutdown() has started when it returns: connections are refused.
        asyncio.ensure_future(report("shutdown", mcp.shutdown()))
        if twice:
            asyncio.ensure_future(report("shutdown again", mcp.shutdown()))
    say("work: started")
    await asyncio.sleep(seconds if seconds > 0 else 3600)
    say("work: done")
    resources = ctx.request_context.lifespan_context or {"db": "none"}
    return "worked %g s, db %s" % (seconds, resources["db"])


if __name__ == "__main__":
    sys.exit(mcp.run())
