/* north-mcp-dbus-bridge.h: a D-Bus object's methods as tools, its
 * properties as resources
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>

#include "north-mcp-types.h"
#include "north-mcp-server.h"

G_BEGIN_DECLS

#define NORTH_MCP_TYPE_DBUS_BRIDGE (north_mcp_dbus_bridge_get_type ())

NORTH_MCP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (NorthMcpDBusBridge, north_mcp_dbus_bridge, NORTH_MCP, DBUS_BRIDGE, GObject)

NORTH_MCP_AVAILABLE_IN_ALL
NorthMcpDBusBridge *north_mcp_dbus_bridge_new             (GDBusConnection     *connection,
                                                          const char          *bus_name,
                                                          const char          *object_path);
NORTH_MCP_AVAILABLE_IN_ALL
GDBusConnection    *north_mcp_dbus_bridge_connect_sync    (const char          *address,
                                                          GDBusConnectionFlags flags,
                                                          GCancellable        *cancellable,
                                                          GError             **error);
NORTH_MCP_AVAILABLE_IN_ALL
GDBusConnection    *north_mcp_dbus_bridge_get_connection  (NorthMcpDBusBridge  *self);
NORTH_MCP_AVAILABLE_IN_ALL
const char         *north_mcp_dbus_bridge_get_bus_name    (NorthMcpDBusBridge  *self);
NORTH_MCP_AVAILABLE_IN_ALL
const char         *north_mcp_dbus_bridge_get_object_path (NorthMcpDBusBridge  *self);
NORTH_MCP_AVAILABLE_IN_ALL
gboolean            north_mcp_dbus_bridge_get_recursive   (NorthMcpDBusBridge  *self);
NORTH_MCP_AVAILABLE_IN_ALL
void                north_mcp_dbus_bridge_set_recursive   (NorthMcpDBusBridge  *self,
                                                          gboolean             recursive);
NORTH_MCP_AVAILABLE_IN_ALL
guint               north_mcp_dbus_bridge_get_introspection_timeout (NorthMcpDBusBridge *self);
NORTH_MCP_AVAILABLE_IN_ALL
void                north_mcp_dbus_bridge_set_introspection_timeout (NorthMcpDBusBridge *self,
                                                                    guint               timeout_ms);
NORTH_MCP_AVAILABLE_IN_ALL
void                north_mcp_dbus_bridge_add_interface   (NorthMcpDBusBridge  *self,
                                                          const char          *interface_name);
NORTH_MCP_AVAILABLE_IN_ALL
void                north_mcp_dbus_bridge_allow           (NorthMcpDBusBridge  *self,
                                                          const char          *pattern);
NORTH_MCP_AVAILABLE_IN_ALL
void                north_mcp_dbus_bridge_deny            (NorthMcpDBusBridge  *self,
                                                          const char          *pattern);
NORTH_MCP_AVAILABLE_IN_ALL
void                north_mcp_dbus_bridge_attach_async    (NorthMcpDBusBridge  *self,
                                                          NorthMcpServer      *server,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
NORTH_MCP_AVAILABLE_IN_ALL
gboolean            north_mcp_dbus_bridge_attach_finish   (NorthMcpDBusBridge  *self,
                                                          GAsyncResult        *result,
                                                          GError             **error);

G_END_DECLS
