"""The North SDK's tool-annotations example."""

from mcp.types import ToolAnnotations
from north_mcp_python_sdk import NorthMCPServer

mcp = NorthMCPServer("Demo", port=5222)


@mcp.tool(annotations=ToolAnnotations(destructiveHint=True))
def wipe(name: str) -> str:
    """Delete something for good"""
    return f"Deleted {name}"


if __name__ == "__main__":
    mcp.run(transport="streamable-http")
