#!/usr/bin/env python3
"""server_with_tasks: a long-running tool that runs as a task of the tasks
extension (SEP-2663, protocol revision 2026-07-28).

A client that declares ``io.modelcontextprotocol/tasks`` gets a task id at
once and polls ``tasks/get`` for the status message and, at the end, the
result; other clients get the result in the response, as usual.

    python3 examples/python/server_with_tasks.py --transport streamable-http

SPDX-License-Identifier: MIT
"""
import asyncio
import sys

import gi

import north_mcp_from_build_tree  # noqa: F401  (uninstalled checkouts)

gi.require_version("NorthMcp", "1.0")
from gi.repository import NorthMcp  # noqa: E402
from gi.repository.NorthMcp import Context  # noqa: E402

mcp = NorthMcp.Server("Reports", "1.0.0", port=5222)


@mcp.tool(task_support="optional")
async def generate_report(ctx: Context, topic: str, steps: int = 3) -> str:
    """Write a report on a topic, one step after the other"""
    for step in range(1, steps + 1):
        # Shown by tasks/get while the task runs.
        ctx.set_task_status_message(f"step {step} of {steps}")
        await asyncio.sleep(0.2)  # the work; tasks/cancel cancels this
    return f"Report on {topic}: {steps} steps"


if __name__ == "__main__":
    sys.exit(mcp.run())
