/* north-mcp-action-group.h: a GActionGroup's actions as tools
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>

#include "north-mcp-types.h"
#include "north-mcp-server.h"

G_BEGIN_DECLS

NORTH_MCP_AVAILABLE_IN_ALL
void     north_mcp_server_add_action_group    (NorthMcpServer *self,
                                               GActionGroup   *group,
                                               const char     *prefix);
NORTH_MCP_AVAILABLE_IN_ALL
void     north_mcp_server_add_remote_action_group (NorthMcpServer  *self,
                                                   GDBusConnection *connection,
                                                   const char      *bus_name,
                                                   const char      *object_path,
                                                   const char      *prefix);
NORTH_MCP_AVAILABLE_IN_ALL
gboolean north_mcp_server_remove_action_group (NorthMcpServer *self,
                                               const char     *prefix);

G_END_DECLS
