#!/usr/bin/env python3
"""server_with_destructive_tools: tool annotations.

Clients such as North ask the user before running a tool marked
destructive; read-only tools can run freely. The hints are keyword
arguments of ``@server.tool()`` (``read_only``, ``destructive``,
``idempotent``, ``open_world``), or an ``annotations`` dict with the MCP
names (``{"destructiveHint": True}``).

    python3 examples/python/server_with_destructive_tools.py --transport stdio

SPDX-License-Identifier: MIT
"""
import sys

import gi

import north_mcp_from_build_tree  # noqa: F401  (uninstalled checkouts)

gi.require_version("NorthMcp", "1.0")
from gi.repository import NorthMcp  # noqa: E402

mcp = NorthMcp.Server("Notes", "1.0.0", port=5222)

notes = {}


@mcp.tool(read_only=True)
def list_notes() -> str:
    """List the titles of all notes"""
    return "\n".join(sorted(notes)) or "(no notes)"


@mcp.tool(read_only=False, destructive=False, idempotent=True)
def add_note(title: str, text: str) -> str:
    """Save a note under a title (replaces a note of that title)"""
    notes[title] = text
    return f"Saved note '{title}'"


@mcp.tool(annotations={"destructiveHint": True, "idempotentHint": False,
                       "openWorldHint": False})
def delete_note(title: str) -> str:
    """Delete a note for good"""
    if title not in notes:
        raise KeyError(f"There is no note titled '{title}'")
    del notes[title]
    return f"Deleted note '{title}'"


if __name__ == "__main__":
    sys.exit(mcp.run())
