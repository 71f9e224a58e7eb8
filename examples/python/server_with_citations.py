#!/usr/bin/env python3
"""server_with_citations: results the North UI can cite.

North shows the sources of a tool result when each item carries
``_north_metadata``: ``renderer: "document"`` and the ``content`` to show,
with ``title``, ``url`` and, under ``meta``, the author, the last update
time and the page; ``title`` and ``url`` stand at the top level of the item
as well: North labels the tool call with them. ``NorthMcp.citation()``
builds such an item.

A list is returned as one text block per item, and as structured content
``{"result": [...]}``.

    python3 examples/python/server_with_citations.py --transport stdio

SPDX-License-Identifier: MIT
"""
import sys
from datetime import datetime, timezone
from typing import Any

import gi

import north_mcp_from_build_tree  # noqa: F401  (uninstalled checkouts)

gi.require_version("NorthMcp", "1.0")
from gi.repository import NorthMcp  # noqa: E402

mcp = NorthMcp.Server("Citations Demo", "1.0.0", port=5222)

DOCUMENTS = [
    ("Quarterly report", "https://example.com/docs/quarterly-report", "Jane Doe",
     datetime(2024, 1, 15, tzinfo=timezone.utc), 3,
     "Revenue grew 12% over the quarter, led by enterprise sales."),
    ("Onboarding guide", "https://example.com/docs/onboarding", "John Smith",
     datetime(2024, 2, 1, tzinfo=timezone.utc), 1,
     "New employees receive their laptop and accounts on the first day."),
    ("Security policy", "https://example.com/docs/security-policy", "Alex Kim",
     datetime(2023, 11, 30, tzinfo=timezone.utc), 7,
     "Passwords must be rotated every 90 days and never shared."),
]


def cited(title, url, author, updated, page, text):
    # NorthMcp.citation() writes the North 1.13 document shape.
    return NorthMcp.citation(text, title=title, url=url, author_name=author,
                             last_updated=updated, page_number=page)


@mcp.tool(read_only=True)
def search_documents(query: str) -> list[dict[str, Any]]:
    """Search the company documents; results carry citations"""
    needle = query.casefold()
    return [cited(*document) for document in DOCUMENTS
            if needle in document[0].casefold() or needle in document[5].casefold()]


if __name__ == "__main__":
    sys.exit(mcp.run())
