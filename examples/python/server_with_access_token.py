#!/usr/bin/env python3
"""server_with_access_token: the North user as the newer North Python SDK
(0.4, on FastMCP 3) hands it to tools.

``get_access_token()`` gives FastMCP's ``AccessToken``: ``client_id`` is the
user's e-mail, ``token`` the raw ID token, and ``claims`` holds ``email``
and ``connector_access_tokens``. It is ``None`` when the request carries no
North user (stdio, or no credentials). ``get_north_context()`` gives the
``X-North-Context-*`` headers of the request, with or without credentials.

    python3 examples/python/server_with_access_token.py --transport streamable-http

SPDX-License-Identifier: MIT
"""
import sys

import gi

import north_mcp_from_build_tree  # noqa: F401  (uninstalled checkouts)

gi.require_version("NorthMcp", "1.0")
from gi.repository import NorthMcp  # noqa: E402
from gi.repository.NorthMcp import get_access_token, get_north_context  # noqa: E402

mcp = NorthMcp.Server("Access Token Demo", "1.0.0", port=5222)


@mcp.tool(read_only=True)
def whoami() -> dict:
    """Who is calling, from the access token"""
    token = get_access_token()
    if token is None:
        return {"authenticated": False}
    return {"authenticated": True,
            "email": token.claims["email"],
            "client_id": token.client_id,
            "has_id_token": bool(token.token)}


@mcp.tool(read_only=True)
def connector_token(connector: str) -> dict:
    """Whether the user authorized a connector, with the start of its token"""
    token = get_access_token()
    tokens = token.claims["connector_access_tokens"] if token is not None else {}
    if connector not in tokens:
        return {"connector": connector, "available": False, "connectors": sorted(tokens)}
    # Never the whole token: results end up in transcripts and logs.
    return {"connector": connector, "available": True, "preview": tokens[connector][:4] + "..."}


@mcp.tool(read_only=True)
def tenant() -> dict:
    """The tenant North passes as X-North-Context-Tenant-ID"""
    context = get_north_context()
    return {"tenant": context.get("tenant-id"), "context": context}


if __name__ == "__main__":
    sys.exit(mcp.run())
