/* north-mcp-tool-private.h
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-tool.h"

G_BEGIN_DECLS

/* Checks @arguments against the input schema (compiled once, when the
 * schema is set). The error names the offending member. */
gboolean north_mcp_tool_check_arguments (NorthMcpTool  *self,
                                         JsonObject    *arguments,
                                         GError       **error);
/* Whether @name follows MCP's tool-name guidance: 1 to 64 characters of
 * [A-Za-z0-9_.-]. */
gboolean north_mcp_tool_name_is_valid   (const char    *name);

G_END_DECLS
