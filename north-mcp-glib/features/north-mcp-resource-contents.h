/* north-mcp-resource-contents.h: the result of reading a resource
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>
#include "north-mcp-types.h"

G_BEGIN_DECLS

#define NORTH_MCP_TYPE_RESOURCE_CONTENTS (north_mcp_resource_contents_get_type ())

NORTH_MCP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (NorthMcpResourceContents, north_mcp_resource_contents, NORTH_MCP, RESOURCE_CONTENTS, GObject)

NORTH_MCP_AVAILABLE_IN_ALL
NorthMcpResourceContents *north_mcp_resource_contents_new          (void);
NORTH_MCP_AVAILABLE_IN_ALL
NorthMcpResourceContents *north_mcp_resource_contents_new_text     (const char               *uri,
                                                                    const char               *mime_type,
                                                                    const char               *text);
NORTH_MCP_AVAILABLE_IN_ALL
NorthMcpResourceContents *north_mcp_resource_contents_new_blob     (const char               *uri,
                                                                    const char               *mime_type,
                                                                    GBytes                   *blob);
NORTH_MCP_AVAILABLE_IN_ALL
void                      north_mcp_resource_contents_add_text     (NorthMcpResourceContents *self,
                                                                    const char               *uri,
                                                                    const char               *mime_type,
                                                                    const char               *text);
NORTH_MCP_AVAILABLE_IN_ALL
void                      north_mcp_resource_contents_add_blob     (NorthMcpResourceContents *self,
                                                                    const char               *uri,
                                                                    const char               *mime_type,
                                                                    GBytes                   *blob);
NORTH_MCP_AVAILABLE_IN_ALL
void                      north_mcp_resource_contents_add_json     (NorthMcpResourceContents *self,
                                                                    JsonObject               *contents);
NORTH_MCP_AVAILABLE_IN_ALL
guint                     north_mcp_resource_contents_get_n_items  (NorthMcpResourceContents *self);
NORTH_MCP_AVAILABLE_IN_ALL
void                      north_mcp_resource_contents_set_meta     (NorthMcpResourceContents *self,
                                                                    JsonObject               *meta);
NORTH_MCP_AVAILABLE_IN_ALL
JsonNode                 *north_mcp_resource_contents_to_json      (NorthMcpResourceContents *self);

NORTH_MCP_AVAILABLE_IN_ALL
void                      north_mcp_context_return_resource_contents (NorthMcpContext          *self,
                                                                      NorthMcpResourceContents *contents);

G_END_DECLS
