/* north-mcp-tool-result.h
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>
#include "north-mcp-types.h"

G_BEGIN_DECLS

#define NORTH_MCP_TYPE_TOOL_RESULT (north_mcp_tool_result_get_type ())

NORTH_MCP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (NorthMcpToolResult, north_mcp_tool_result, NORTH_MCP, TOOL_RESULT, GObject)

NORTH_MCP_AVAILABLE_IN_ALL
NorthMcpToolResult *north_mcp_tool_result_new                    (void);
NORTH_MCP_AVAILABLE_IN_ALL
NorthMcpToolResult *north_mcp_tool_result_new_text               (const char         *text);
NORTH_MCP_AVAILABLE_IN_ALL
NorthMcpToolResult *north_mcp_tool_result_new_error              (const char         *message);
NORTH_MCP_AVAILABLE_IN_ALL
NorthMcpToolResult *north_mcp_tool_result_new_structured         (JsonNode           *structured_content);
NORTH_MCP_AVAILABLE_IN_ALL
NorthMcpToolResult *north_mcp_tool_result_new_structured_object  (JsonObject         *object);
NORTH_MCP_AVAILABLE_IN_ALL
NorthMcpToolResult *north_mcp_tool_result_new_structured_variant (GVariant           *value);
NORTH_MCP_AVAILABLE_IN_ALL
void                north_mcp_tool_result_add_content            (NorthMcpToolResult *self,
                                                                  JsonNode           *content);
NORTH_MCP_AVAILABLE_IN_ALL
void                north_mcp_tool_result_add_text               (NorthMcpToolResult *self,
                                                                  const char         *text);
NORTH_MCP_AVAILABLE_IN_ALL
void                north_mcp_tool_result_add_image              (NorthMcpToolResult *self,
                                                                  GBytes             *data,
                                                                  const char         *mime_type);
NORTH_MCP_AVAILABLE_IN_ALL
void                north_mcp_tool_result_add_audio              (NorthMcpToolResult *self,
                                                                  GBytes             *data,
                                                                  const char         *mime_type);
NORTH_MCP_AVAILABLE_IN_ALL
void                north_mcp_tool_result_add_resource_link      (NorthMcpToolResult *self,
                                                                  const char         *uri,
                                                                  const char         *name,
                                                                  const char         *description,
                                                                  const char         *mime_type);
NORTH_MCP_AVAILABLE_IN_ALL
void                north_mcp_tool_result_add_embedded_text      (NorthMcpToolResult *self,
                                                                  const char         *uri,
                                                                  const char         *mime_type,
                                                                  const char         *text);
NORTH_MCP_AVAILABLE_IN_ALL
void                north_mcp_tool_result_add_embedded_blob      (NorthMcpToolResult *self,
                                                                  const char         *uri,
                                                                  const char         *mime_type,
                                                                  GBytes             *data);
NORTH_MCP_AVAILABLE_IN_ALL
JsonArray          *north_mcp_tool_result_get_content            (NorthMcpToolResult *self);
NORTH_MCP_AVAILABLE_IN_ALL
void                north_mcp_tool_result_set_structured_content (NorthMcpToolResult *self,
                                                                  JsonNode           *structured_content);
NORTH_MCP_AVAILABLE_IN_ALL
JsonNode           *north_mcp_tool_result_get_structured_content (NorthMcpToolResult *self);
NORTH_MCP_AVAILABLE_IN_ALL
void                north_mcp_tool_result_set_is_error           (NorthMcpToolResult *self,
                                                                  gboolean            is_error);
NORTH_MCP_AVAILABLE_IN_ALL
gboolean            north_mcp_tool_result_get_is_error           (NorthMcpToolResult *self);
NORTH_MCP_AVAILABLE_IN_ALL
void                north_mcp_tool_result_set_meta               (NorthMcpToolResult *self,
                                                                  JsonObject         *meta);
NORTH_MCP_AVAILABLE_IN_ALL
JsonObject         *north_mcp_tool_result_get_meta               (NorthMcpToolResult *self);
NORTH_MCP_AVAILABLE_IN_ALL
JsonNode           *north_mcp_tool_result_to_json                (NorthMcpToolResult *self);

G_END_DECLS
