# telemetry_server.py: the North Python SDK's telemetry API on our server,
# and a tool that reads the server's own resource, for test_python_otel.py.
# TELEMETRY_SENSITIVE and TELEMETRY_LOG_TRACE ("1" or "0") make its
# TelemetryConfig.
#
# SPDX-License-Identifier: MIT
import asyncio
import logging
import os
import sys

import gi

gi.require_version("NorthMcp", "1.0")
from gi.repository import NorthMcp  # noqa: E402
from gi.repository.NorthMcp import (  # noqa: E402
    Context, Depends, TelemetryConfig, TraceContextFormatter, get_telemetry_config, traced_span)

handler = logging.StreamHandler()
handler.setFormatter(TraceContextFormatter("%(name)s - %(message)s"))
log = logging.getLogger("NorthMCP.Demo")
log.addHandler(handler)
log.setLevel(logging.INFO)

mcp = NorthMcp.Server("Telemetry", "1.0.0", debug=True, telemetry=TelemetryConfig(
    record_sensitive_data=os.environ.get("TELEMETRY_SENSITIVE") == "1",
    log_trace_context=os.environ.get("TELEMETRY_LOG_TRACE") == "1"))


@mcp.tool()
def config() -> dict:
    """The request's telemetry config, inside a span of its own."""
    with traced_span("step", attributes={"n": 1}):
        found = get_telemetry_config()
    return {"record_sensitive_data": found.record_sensitive_data,
            "log_trace_context": found.log_trace_context}


@mcp.tool()
def injected(text: str, telemetry: TelemetryConfig = Depends(get_telemetry_config)) -> dict:
    """The config injected as the SDK's README shows, and a log line."""
    log.info("injected %s", text)
    with telemetry.traced_span("injected-step"):
        pass
    return {"type": type(telemetry).__name__, "record_sensitive_data": telemetry.record_sensitive_data}


@mcp.tool()
def fail(how: str) -> str:
    """Fails inside a span: as the server's config says, always with the
    message, or never with it."""
    if how == "config":
        manager = mcp.telemetry.traced_span("configured")
    else:
        manager = traced_span(how, record_exception_details={"detailed": True, "redacted": False}[how])
    with manager:
        raise ValueError("private detail")


NOTES = {"todo": "write tests"}


@mcp.resource("notes://{title}", mime_type="text/plain")
def note(title: str) -> str:
    """A note by title"""
    return NOTES[title]


@mcp.tool()
async def note_stats(title: str, ctx: Context) -> dict:
    """Counts the words of a note, read through the library's own
    read_resource_async() (what the GJS and Vala bindings call), which
    makes the read a child span of this call."""
    future = asyncio.get_running_loop().create_future()
    ctx.read_resource_async("notes://" + title, None,
                            lambda source, result: future.set_result(source.read_resource_finish(result)))
    contents = await future
    text = contents.get_object_element(0).get_string_member("text")
    return {"title": title, "words": len(text.split())}


@mcp.tool()
async def note_words(title: str, ctx: Context) -> dict:
    """The same with ctx.read_resource(), which goes through the library
    too: the read is a child span of this call all the same."""
    contents = await ctx.read_resource("notes://" + title)
    return {"title": title, "words": len(contents[0].content.split())}


if __name__ == "__main__":
    sys.exit(mcp.run())
