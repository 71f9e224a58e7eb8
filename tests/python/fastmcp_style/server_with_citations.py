"""The North SDK's citations example: `_north_metadata` on each result."""

from datetime import datetime

from north_mcp_python_sdk import NorthMCPServer

mcp = NorthMCPServer("Demo", port=5222)


@mcp.tool()
def lookup(query: str) -> list[dict]:
    """Look a topic up"""
    return [
        {
            "text": f"What the encyclopedia says about {query}.",
            "_north_metadata": {
                "title": f"{query} - Encyclopedia",
                "url": f"https://example.com/wiki/{query}",
                "author_name": "Someone",
                "last_updated": str(datetime(2020, 1, 2).timestamp()),
                "page_number": str(1),
            },
        },
    ]


if __name__ == "__main__":
    mcp.run(transport="streamable-http")
