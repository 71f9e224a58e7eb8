#!/usr/bin/env python3
"""server_with_debug: North authentication logged in detail on stderr.

Debug mode logs request headers (secrets shortened), token parsing and
the authenticated user. Never enable it in production. It is also on
with ``--debug`` or ``DEBUG=true`` in the environment.

    python3 examples/python/server_with_debug.py    (Streamable HTTP, port 5223)

SPDX-License-Identifier: MIT
"""
import sys

import gi

import north_mcp_from_build_tree  # noqa: F401  (uninstalled checkouts)

gi.require_version("NorthMcp", "1.0")
from gi.repository import NorthMcp  # noqa: E402

mcp = NorthMcp.Server("Debug Demo", "1.0.0", port=5223, debug=True)


def log(message):
    # stderr: stdout carries the stdio transport.
    print(message, file=sys.stderr, flush=True)


@mcp.tool()
def add(a: int, b: int) -> int:
    """Add two numbers"""
    try:
        user = NorthMcp.get_authenticated_user()
        log(f"Tool called by authenticated user: {user.email}")
        log(f"Available connectors: {sorted(user.connector_access_tokens)}")
    except NorthMcp.AuthenticationError as error:
        log(f"Unauthenticated user: {error}")
    log(f"Adding {a} + {b} = {a + b}")
    return a + b


@mcp.tool()
def get_user_info() -> dict:
    """Get information about the authenticated user"""
    try:
        user = NorthMcp.get_authenticated_user()
    except NorthMcp.AuthenticationError as error:
        return {"error": str(error), "authenticated": False}
    return {
        "email": user.email,
        "available_connectors": sorted(user.connector_access_tokens),
        "connector_count": len(user.connector_access_tokens),
        "authenticated": True,
    }


@mcp.tool()
def multiply(a: float, b: float) -> float:
    """Multiply two numbers"""
    log(f"Multiplying {a} * {b} = {a * b}")
    return a * b


if __name__ == "__main__":
    log("Starting the server in DEBUG mode: authentication details go to stderr.")
    sys.exit(mcp.run())
