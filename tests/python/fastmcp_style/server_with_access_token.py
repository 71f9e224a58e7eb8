"""The newest North SDK's style (0.4.x on FastMCP 3): the caller comes from
FastMCP's get_access_token(), the request's context headers from
get_north_context()."""

from fastmcp.server.dependencies import get_access_token

from north_mcp_python_sdk import NorthMCPServer, get_north_context

mcp = NorthMCPServer("Token Demo")


@mcp.tool()
def whoami() -> dict:
    """Who called, as the access token tells it."""
    token = get_access_token()
    if token is None:
        return {"authenticated": False}
    return {
        "authenticated": True,
        "email": token.claims.get("email"),
        "client_id": token.client_id,
        "scopes": token.scopes,
        "connectors": token.claims.get("connector_access_tokens", {}),
        "has_token": bool(token.token),
        "fields": sorted(token.model_dump()),
    }


@mcp.tool()
def context() -> dict:
    """The X-North-Context-* values of this request."""
    return get_north_context()


@mcp.tool()
def add(a: int, b: int) -> int:
    """Add two numbers, saying who asked."""
    token = get_access_token()
    print(f"add called by: {token.claims.get('email') if token else 'unknown'}")
    return a + b


if __name__ == "__main__":
    mcp.run(transport="http", port=5222)
