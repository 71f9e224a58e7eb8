/* north-mcp-dbus-members-private.h: a D-Bus object's members as MCP
 * features
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-dbus-bridge-impl-private.h"

G_BEGIN_DECLS

/* Deny wins; with an allow list, only what it matches. Patterns are
 * matched against INTERFACE.Member, Member and the tool name (may be
 * NULL). */
gboolean north_mcp_dbus_bridge_permits      (NorthMcpDBusBridge  *self,
                                             const char          *interface_name,
                                             const char          *member,
                                             const char          *tool_name);
/* The tool name prefix of the object at @path: its path relative to the
 * bridged one, with `.` for `/` and a trailing `.`; "" for itself. */
char    *north_mcp_dbus_bridge_child_prefix (NorthMcpDBusBridge  *self,
                                             const char          *path);
/* "org.freedesktop.DBus.Error.InvalidArgs: the message" */
char    *north_mcp_dbus_describe_error      (const GError        *error);

/* Adds a tool for @method, or a resource for @property, of @interface at
 * @path to @server, unless the lists or the limits keep it out. */
void     north_mcp_dbus_bridge_add_method   (NorthMcpDBusBridge  *self,
                                             NorthMcpServer      *server,
                                             const char          *path,
                                             GDBusInterfaceInfo  *interface,
                                             GDBusMethodInfo     *method);
void     north_mcp_dbus_bridge_add_property (NorthMcpDBusBridge  *self,
                                             NorthMcpServer      *server,
                                             const char          *path,
                                             GDBusInterfaceInfo  *interface,
                                             GDBusPropertyInfo   *property);
/* The NorthMcpDesktopBatchFunc of the bridge's updates (@user_data):
 * notifies subscribers of the property resource @uri. */
void     north_mcp_dbus_bridge_property_updated   (const char      *uri,
                                                   gpointer         user_data);
/* The GDBusSignalCallback of PropertiesChanged (@user_data: the bridge):
 * notifies subscribers of the resources of the changed properties. */
void     north_mcp_dbus_bridge_properties_changed (GDBusConnection *connection,
                                                   const char      *sender,
                                                   const char      *path,
                                                   const char      *interface_name,
                                                   const char      *signal_name,
                                                   GVariant        *parameters,
                                                   gpointer         user_data);

G_END_DECLS
