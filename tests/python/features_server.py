# features_server.py: resources, resource templates and prompts made with
# the decorators of the Python override, for test_python_features.py.
#
# SPDX-License-Identifier: MIT
import asyncio
import sys
import typing

import gi

gi.require_version("NorthMcp", "1.0")
from gi.repository import NorthMcp  # noqa: E402

mcp = NorthMcp.Server("Features", "1.0.0")

NOTES = {"groceries": "milk, eggs", "todo": "write tests"}


@mcp.resource("notes://index", mime_type="application/json")
def index() -> list:
    """The titles of all notes"""
    return sorted(NOTES)


@mcp.resource("notes://{title}")
async def note(title: str) -> str:
    """One note"""
    await asyncio.sleep(0)
    if title not in NOTES:
        raise KeyError(f"no note titled {title}")
    return NOTES[title]


@mcp.resource("data://blob")
def blob() -> bytes:
    return b"\x00\x01\x02"


@mcp.prompt()
def summarize(text: typing.Annotated[str, "What to summarize"], style: str = "short") -> str:
    """Summarize a text"""
    return f"Summarize in a {style} way: {text}"


@mcp.prompt
async def dialogue(topic: str) -> list:
    await asyncio.sleep(0)
    return [f"Let us talk about {topic}.",
            {"role": "assistant", "content": "Gladly."},
            {"role": "user", "content": {"type": "text", "text": "Go on."}}]


@mcp.tool()
def echo(text: str, ctx: NorthMcp.Context) -> str:
    """Echo, and say which method called"""
    return f"{ctx.get_method()}: {text}"


@mcp.tool()
async def ask_client(ctx: NorthMcp.Context) -> dict:
    """Asks the client for its roots, a sample and a form, awaiting each"""
    ctx.info("asking the client")
    ctx.progress(1, 3, "roots")
    roots = await ctx.list_roots()
    ctx.progress(2, 3, "sampling")
    sample = await ctx.sample({"messages": [{"role": "user", "content": {
        "type": "text", "text": "Say hi"}}], "maxTokens": 10})
    ctx.progress(3, 3, "form")
    form = await ctx.elicit("Your name?", {"type": "object",
                                           "properties": {"name": {"type": "string"}}})
    return {"roots": roots, "sample": sample["content"]["text"], "form": form}


@mcp.tool()
async def echo_later(text: str) -> dict:
    """Echo after giving the main loop a turn"""
    await asyncio.sleep(0)
    return {"text": text}


@mcp.tool()
async def give_up_asking(times: int, ctx: NorthMcp.Context) -> str:
    """Asks the client @times times, giving up on each question before
    its answer (the asyncio task awaiting it cancelled)"""
    cancelled = 0
    for _ in range(times):
        asking = asyncio.ensure_future(ctx.elicit("Your name?", {"type": "object", "properties": {}}))
        await asyncio.sleep(0)
        asking.cancel()
        try:
            await asking
        except asyncio.CancelledError:
            cancelled += 1
    return f"{cancelled} cancelled"


@mcp.tool()
async def wait_forever() -> str:
    """Wait until cancelled (Python only: GJS cannot cancel a Promise)"""
    try:
        print("wait_forever: waiting", file=sys.stderr, flush=True)
        await asyncio.sleep(3600)
    except asyncio.CancelledError:
        print("wait_forever: cancelled", file=sys.stderr, flush=True)
        raise
    return "never"


if __name__ == "__main__":
    sys.exit(mcp.run())
