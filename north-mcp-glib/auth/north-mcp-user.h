/* north-mcp-user.h: the North user a request acts for
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>
#include "north-mcp-types.h"

G_BEGIN_DECLS

#define NORTH_MCP_TYPE_USER (north_mcp_user_get_type ())

NORTH_MCP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (NorthMcpUser, north_mcp_user, NORTH_MCP, USER, GObject)

NORTH_MCP_AVAILABLE_IN_ALL
NorthMcpUser *north_mcp_user_new                          (const char   *email,
                                                           GHashTable   *connector_access_tokens,
                                                           const char   *id_token,
                                                           JsonObject   *claims,
                                                           GHashTable   *context);
NORTH_MCP_AVAILABLE_IN_ALL
const char   *north_mcp_user_get_email                    (NorthMcpUser *self);
NORTH_MCP_AVAILABLE_IN_ALL
const char   *north_mcp_user_get_unverified_email         (NorthMcpUser *self);
NORTH_MCP_AVAILABLE_IN_ALL
GHashTable   *north_mcp_user_get_connector_access_tokens  (NorthMcpUser *self);
NORTH_MCP_AVAILABLE_IN_ALL
const char   *north_mcp_user_get_connector_access_token   (NorthMcpUser *self,
                                                           const char   *connector);
NORTH_MCP_AVAILABLE_IN_ALL
const char   *north_mcp_user_get_id_token                 (NorthMcpUser *self);
NORTH_MCP_AVAILABLE_IN_ALL
JsonObject   *north_mcp_user_get_claims                   (NorthMcpUser *self);
NORTH_MCP_AVAILABLE_IN_ALL
GHashTable   *north_mcp_user_get_context                  (NorthMcpUser *self);
NORTH_MCP_AVAILABLE_IN_ALL
const char   *north_mcp_user_get_context_value            (NorthMcpUser *self,
                                                           const char   *key);

G_END_DECLS
