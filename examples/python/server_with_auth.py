#!/usr/bin/env python3
"""server_with_auth: the North quick-start server, in Python.

A tool ``add`` that says on stderr who called it, ``whoami`` that returns
what the server knows of the North user, ``divide`` (dividing by zero is
an error result) and ``add_slowly``, an ``async`` tool that waits without
blocking the server.

    python3 examples/python/server_with_auth.py --transport streamable-http
    python3 examples/python/server_with_auth.py --transport stdio

From a build tree, run it under ``meson devenv -C build`` (see
doc/getting-started-python.md).

SPDX-License-Identifier: MIT
"""
import asyncio
import sys

import gi

import north_mcp_from_build_tree  # noqa: F401  (uninstalled checkouts)

gi.require_version("NorthMcp", "1.0")
from gi.repository import NorthMcp  # noqa: E402

mcp = NorthMcp.Server("Demo", "1.0.0", port=5222)


def caller_email():
    try:
        return NorthMcp.get_authenticated_user().email
    except NorthMcp.AuthenticationError:
        return "unauthenticated user"


@mcp.tool(read_only=True)
def add(a: int, b: int) -> int:
    """Add two numbers"""
    # stderr, not stdout: stdout carries the stdio transport.
    print(f"This tool was called by: {caller_email()}", file=sys.stderr, flush=True)
    return a + b


@mcp.tool(read_only=True)
def whoami() -> dict:
    """Tell what the server knows of the North user calling it"""
    # Every X-North-Context-* header, with or without credentials. The
    # span records only when tracing is configured (OTEL_* variables).
    with NorthMcp.span("collect-north-context") as span:
        context = NorthMcp.get_north_context()
        span.set_attribute("north.context.count", len(context))
    try:
        user = NorthMcp.get_authenticated_user()
    except NorthMcp.AuthenticationError:
        return {"email": None, "connector_access_tokens": {}, "context": context,
                "id_token_present": False}
    return {"email": user.email,
            "connector_access_tokens": user.connector_access_tokens,
            "context": context,
            "id_token_present": user.id_token is not None}


@mcp.tool(read_only=True)
def divide(a: float, b: float) -> float:
    """Divide a by b"""
    return a / b


@mcp.tool(read_only=True)
async def add_slowly(a: int, b: int, seconds: float = 1.0) -> int:
    """Add two numbers after waiting, without blocking other calls"""
    print(f"add_slowly: waiting {seconds} s", file=sys.stderr, flush=True)
    await asyncio.sleep(seconds)
    # The North user is still known after the await.
    print(f"add_slowly: done for {caller_email()}", file=sys.stderr, flush=True)
    return a + b


if __name__ == "__main__":
    sys.exit(mcp.run())
