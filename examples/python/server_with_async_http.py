#!/usr/bin/env python3
"""server_with_async_http: a North tool that calls a third-party API with
the user's connector token, written as for FastMCP.

``list_files`` asks an HTTP API (Google Drive's file list by default; set
``EXAMPLE_API_URL`` to try another) with ``httpx.AsyncClient``, sending the
user's ``google`` connector token as ``Authorization: Bearer``. One client
is made by the lifespan and shared by every call; the server keeps serving
while a call awaits the network. ``GET /ready`` is a custom route.

    python3 examples/python/server_with_async_http.py --transport streamable-http

Needs httpx (Debian: python3-httpx).

SPDX-License-Identifier: MIT
"""
import contextlib
import os
import sys

import httpx

import gi

import north_mcp_from_build_tree  # noqa: F401  (uninstalled checkouts)

gi.require_version("NorthMcp", "1.0")
from gi.repository import NorthMcp  # noqa: E402
from gi.repository.NorthMcp import Context, JSONResponse, ToolError  # noqa: E402

API_URL = os.environ.get("EXAMPLE_API_URL", "https://www.googleapis.com/drive/v3/files")


@contextlib.asynccontextmanager
async def lifespan(server):
    async with httpx.AsyncClient(timeout=30) as client:
        yield {"http": client}


mcp = NorthMcp.Server("Drive Demo", "1.0.0", port=5222, lifespan=lifespan)


@mcp.tool(read_only=True, open_world=True)
async def list_files(ctx: Context, query: str = "") -> dict:
    """List the caller's files whose name contains the query"""
    try:
        token = NorthMcp.get_authenticated_user().connector_access_tokens.get("google")
    except NorthMcp.AuthenticationError:
        token = None
    if not token:
        raise ToolError("Connect your Google account in North first")
    await ctx.info(f"asking {API_URL}")
    client = ctx.request_context.lifespan_context["http"]
    response = await client.get(API_URL, params={"q": f"name contains '{query}'"},
                                headers={"Authorization": f"Bearer {token}"})
    response.raise_for_status()
    return response.json()


@mcp.custom_route("/ready", methods=["GET"])
async def ready(request):
    return JSONResponse({"status": "ready"})


if __name__ == "__main__":
    sys.exit(mcp.run())
