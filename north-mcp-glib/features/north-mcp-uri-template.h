/* north-mcp-uri-template.h: RFC 6570 level 1 URI templates
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib-object.h>
#include "north-mcp-types.h"

G_BEGIN_DECLS

#define NORTH_MCP_TYPE_URI_TEMPLATE (north_mcp_uri_template_get_type ())

/**
 * NORTH_MCP_URI_TEMPLATE_MAX_URI_LENGTH:
 *
 * The longest URI, in bytes, that [method@NorthMcp.UriTemplate.match]
 * considers; longer URIs never match.
 */
#define NORTH_MCP_URI_TEMPLATE_MAX_URI_LENGTH 65536

typedef struct _NorthMcpUriTemplate NorthMcpUriTemplate;

NORTH_MCP_AVAILABLE_IN_ALL
GType                north_mcp_uri_template_get_type      (void) G_GNUC_CONST;

NORTH_MCP_AVAILABLE_IN_ALL
NorthMcpUriTemplate *north_mcp_uri_template_new           (const char           *template_,
                                                           GError              **error);
NORTH_MCP_AVAILABLE_IN_ALL
NorthMcpUriTemplate *north_mcp_uri_template_ref           (NorthMcpUriTemplate  *self);
NORTH_MCP_AVAILABLE_IN_ALL
void                 north_mcp_uri_template_unref         (NorthMcpUriTemplate  *self);
NORTH_MCP_AVAILABLE_IN_ALL
const char          *north_mcp_uri_template_get_template  (NorthMcpUriTemplate  *self);
NORTH_MCP_AVAILABLE_IN_ALL
const char * const  *north_mcp_uri_template_get_variables (NorthMcpUriTemplate  *self);
NORTH_MCP_AVAILABLE_IN_ALL
GHashTable          *north_mcp_uri_template_match         (NorthMcpUriTemplate  *self,
                                                           const char           *uri);
NORTH_MCP_AVAILABLE_IN_ALL
char                *north_mcp_uri_template_expand        (NorthMcpUriTemplate  *self,
                                                           GHashTable           *values);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NorthMcpUriTemplate, north_mcp_uri_template_unref)

G_END_DECLS
