/* north-mcp-citation.h: a document the North UI shows as a source
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>
#include "north-mcp-types.h"
#include "north-mcp-tool-result.h"

G_BEGIN_DECLS

#define NORTH_MCP_TYPE_CITATION (north_mcp_citation_get_type ())

NORTH_MCP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (NorthMcpCitation, north_mcp_citation, NORTH_MCP, CITATION, GObject)

NORTH_MCP_AVAILABLE_IN_ALL
NorthMcpCitation *north_mcp_citation_new              (const char         *content);
NORTH_MCP_AVAILABLE_IN_ALL
const char       *north_mcp_citation_get_content      (NorthMcpCitation   *self);
NORTH_MCP_AVAILABLE_IN_ALL
void              north_mcp_citation_set_title        (NorthMcpCitation   *self,
                                                       const char         *title);
NORTH_MCP_AVAILABLE_IN_ALL
const char       *north_mcp_citation_get_title        (NorthMcpCitation   *self);
NORTH_MCP_AVAILABLE_IN_ALL
void              north_mcp_citation_set_url          (NorthMcpCitation   *self,
                                                       const char         *url);
NORTH_MCP_AVAILABLE_IN_ALL
const char       *north_mcp_citation_get_url          (NorthMcpCitation   *self);
NORTH_MCP_AVAILABLE_IN_ALL
void              north_mcp_citation_set_label        (NorthMcpCitation   *self,
                                                       const char         *label);
NORTH_MCP_AVAILABLE_IN_ALL
const char       *north_mcp_citation_get_label        (NorthMcpCitation   *self);
NORTH_MCP_AVAILABLE_IN_ALL
void              north_mcp_citation_set_author_name  (NorthMcpCitation   *self,
                                                       const char         *author_name);
NORTH_MCP_AVAILABLE_IN_ALL
const char       *north_mcp_citation_get_author_name  (NorthMcpCitation   *self);
NORTH_MCP_AVAILABLE_IN_ALL
void              north_mcp_citation_set_last_updated (NorthMcpCitation   *self,
                                                       GDateTime          *last_updated);
NORTH_MCP_AVAILABLE_IN_ALL
GDateTime        *north_mcp_citation_get_last_updated (NorthMcpCitation   *self);
NORTH_MCP_AVAILABLE_IN_ALL
void              north_mcp_citation_set_page_number  (NorthMcpCitation   *self,
                                                       int                 page_number);
NORTH_MCP_AVAILABLE_IN_ALL
int               north_mcp_citation_get_page_number  (NorthMcpCitation   *self);
NORTH_MCP_AVAILABLE_IN_ALL
JsonNode         *north_mcp_citation_to_json          (NorthMcpCitation   *self);
NORTH_MCP_AVAILABLE_IN_ALL
void              north_mcp_tool_result_add_citation  (NorthMcpToolResult *result,
                                                       NorthMcpCitation   *citation);

G_END_DECLS
