/* north-mcp-content.h: builders for MCP content blocks
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <json-glib/json-glib.h>
#include "north-mcp-types.h"

G_BEGIN_DECLS

NORTH_MCP_AVAILABLE_IN_ALL
JsonNode *north_mcp_content_text_new          (const char *text);
NORTH_MCP_AVAILABLE_IN_ALL
JsonNode *north_mcp_content_image_new         (GBytes     *data,
                                               const char *mime_type);
NORTH_MCP_AVAILABLE_IN_ALL
JsonNode *north_mcp_content_audio_new         (GBytes     *data,
                                               const char *mime_type);
NORTH_MCP_AVAILABLE_IN_ALL
JsonNode *north_mcp_content_resource_link_new (const char *uri,
                                               const char *name,
                                               const char *description,
                                               const char *mime_type);
NORTH_MCP_AVAILABLE_IN_ALL
JsonNode *north_mcp_content_embedded_text_new (const char *uri,
                                               const char *mime_type,
                                               const char *text);
NORTH_MCP_AVAILABLE_IN_ALL
JsonNode *north_mcp_content_embedded_blob_new (const char *uri,
                                               const char *mime_type,
                                               GBytes     *data);

G_END_DECLS
