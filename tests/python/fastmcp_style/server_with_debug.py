"""The North SDK's debug example: authentication details logged."""

from north_mcp_python_sdk import NorthMCPServer
from north_mcp_python_sdk.auth import get_authenticated_user

mcp = NorthMCPServer("Debug Demo", port=5223, debug=True)


@mcp.tool()
def get_user_info() -> dict:
    """Get information about the authenticated user"""
    try:
        user = get_authenticated_user()
        return {
            "email": user.email,
            "available_connectors": list(user.connector_access_tokens.keys()),
            "connector_count": len(user.connector_access_tokens),
        }
    except Exception as e:
        return {"error": str(e), "authenticated": False}


@mcp.tool()
def multiply(a: float, b: float) -> float:
    """Multiply two numbers"""
    result = a * b
    print(f"Multiplying {a} * {b} = {result}")
    return result


if __name__ == "__main__":
    print("Starting North MCP Server in DEBUG mode...")
    mcp.run(transport="streamable-http")
