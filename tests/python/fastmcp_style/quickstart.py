"""A FastMCP quickstart: a tool, a resource template and a prompt."""

from mcp.server.fastmcp import FastMCP

mcp = FastMCP("Demo")


@mcp.tool()
def add(a: int, b: int) -> int:
    """Add two numbers"""
    return a + b


@mcp.resource("greeting://{name}")
def get_greeting(name: str) -> str:
    """Get a personalized greeting"""
    return f"Hello, {name}!"


@mcp.prompt()
def greet_user(name: str, style: str = "friendly") -> str:
    """Generate a greeting prompt"""
    tones = {"friendly": "a warm, friendly", "formal": "a formal"}
    return f"Please write {tones.get(style, tones['friendly'])} greeting for someone named {name}."


if __name__ == "__main__":
    mcp.run(transport="streamable-http", json_response=True)
