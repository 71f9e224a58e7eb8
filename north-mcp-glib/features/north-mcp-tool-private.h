/* north-mcp-tool-private.h
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-tool.h"
#include "north-mcp-tool-result.h"

G_BEGIN_DECLS

/* Checks @arguments against the input schema (compiled once, when the
 * schema is set). The error names the offending member. */
gboolean north_mcp_tool_check_arguments (NorthMcpTool  *self,
                                         JsonObject    *arguments,
                                         GError       **error);
/* Whether the tool has an output schema, so that its results are checked. */
gboolean north_mcp_tool_has_output_schema (NorthMcpTool *self);
/* Checks a successful @result against the output schema: it must carry
 * structured content that matches. Results with isError pass. The error
 * names the offending member. */
gboolean north_mcp_tool_check_result    (NorthMcpTool        *self,
                                         NorthMcpToolResult  *result,
                                         GError             **error);
/* Whether @name follows MCP's tool-name guidance: 1 to 64 characters of
 * [A-Za-z0-9_.-]. */
gboolean north_mcp_tool_name_is_valid   (const char    *name);

G_END_DECLS
