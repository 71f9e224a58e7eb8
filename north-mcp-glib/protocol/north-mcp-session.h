/* north-mcp-session.h: the state one client negotiated
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include "north-mcp-types.h"
#include "north-mcp-enums.h"

G_BEGIN_DECLS

#define NORTH_MCP_TYPE_SESSION (north_mcp_session_get_type ())

NORTH_MCP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (NorthMcpSession, north_mcp_session, NORTH_MCP, SESSION, GObject)

NORTH_MCP_AVAILABLE_IN_ALL
const char       *north_mcp_session_get_id                  (NorthMcpSession *self);
NORTH_MCP_AVAILABLE_IN_ALL
const char       *north_mcp_session_get_protocol_version    (NorthMcpSession *self);
NORTH_MCP_AVAILABLE_IN_ALL
JsonObject       *north_mcp_session_get_client_capabilities (NorthMcpSession *self);
NORTH_MCP_AVAILABLE_IN_ALL
JsonObject       *north_mcp_session_get_client_info         (NorthMcpSession *self);
NORTH_MCP_AVAILABLE_IN_ALL
gboolean          north_mcp_session_get_initialized         (NorthMcpSession *self);
NORTH_MCP_AVAILABLE_IN_ALL
NorthMcpLogLevel  north_mcp_session_get_log_level           (NorthMcpSession *self);
NORTH_MCP_AVAILABLE_IN_ALL
gboolean          north_mcp_session_has_client_capability   (NorthMcpSession *self,
                                                             const char      *capability);
NORTH_MCP_AVAILABLE_IN_ALL
void              north_mcp_session_send_notification       (NorthMcpSession *self,
                                                             const char      *method,
                                                             JsonObject      *params);
NORTH_MCP_AVAILABLE_IN_ALL
void              north_mcp_session_log                     (NorthMcpSession *self,
                                                             NorthMcpLogLevel level,
                                                             const char      *logger,
                                                             JsonNode        *data);
NORTH_MCP_AVAILABLE_IN_ALL
gboolean          north_mcp_session_is_subscribed           (NorthMcpSession *self,
                                                             const char      *uri);

G_END_DECLS
