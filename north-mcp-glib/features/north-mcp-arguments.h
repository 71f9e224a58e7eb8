/* north-mcp-arguments.h: typed reads of a tool's arguments
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <json-glib/json-glib.h>
#include "north-mcp-types.h"

G_BEGIN_DECLS

NORTH_MCP_AVAILABLE_IN_ALL
const char  *north_mcp_arguments_get_string  (JsonObject *arguments,
                                              const char *name,
                                              const char *default_value);
NORTH_MCP_AVAILABLE_IN_ALL
gint64       north_mcp_arguments_get_int     (JsonObject *arguments,
                                              const char *name,
                                              gint64      default_value);
NORTH_MCP_AVAILABLE_IN_ALL
double       north_mcp_arguments_get_double  (JsonObject *arguments,
                                              const char *name,
                                              double      default_value);
NORTH_MCP_AVAILABLE_IN_ALL
gboolean     north_mcp_arguments_get_boolean (JsonObject *arguments,
                                              const char *name,
                                              gboolean    default_value);
NORTH_MCP_AVAILABLE_IN_ALL
JsonObject  *north_mcp_arguments_get_object  (JsonObject *arguments,
                                              const char *name);
NORTH_MCP_AVAILABLE_IN_ALL
JsonArray   *north_mcp_arguments_get_array   (JsonObject *arguments,
                                              const char *name);
NORTH_MCP_AVAILABLE_IN_ALL
char       **north_mcp_arguments_get_strv    (JsonObject *arguments,
                                              const char *name);

G_END_DECLS
