# telemetry_server.py: the North Python SDK's telemetry API on our server,
# for test_python_otel.py. TELEMETRY_SENSITIVE and TELEMETRY_LOG_TRACE
# ("1" or "0") make its TelemetryConfig.
#
# SPDX-License-Identifier: MIT
import logging
import os
import sys

import gi

gi.require_version("NorthMcp", "1.0")
from gi.repository import NorthMcp  # noqa: E402
from gi.repository.NorthMcp import (  # noqa: E402
    Depends, TelemetryConfig, TraceContextFormatter, get_telemetry_config, traced_span)

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


if __name__ == "__main__":
    sys.exit(mcp.run())
