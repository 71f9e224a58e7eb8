/* north-mcp-tool-result-private.h: tool results inside the library
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-tool-result.h"

G_BEGIN_DECLS

/* Appends the result as MCP's `CallToolResult` object in compact JSON,
 * exactly what north_mcp_tool_result_to_json() would serialise to. */
void north_mcp_tool_result_write_json (NorthMcpToolResult *self,
                                       GString            *out);

G_END_DECLS
