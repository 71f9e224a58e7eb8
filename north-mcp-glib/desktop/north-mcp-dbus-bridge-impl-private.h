/* north-mcp-dbus-bridge-impl-private.h: the D-Bus bridge's state, shared
 * by the object (north-mcp-dbus-bridge.c: properties, introspection) and
 * its mapping of members to tools and resources (north-mcp-dbus-members.c)
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-dbus-bridge.h"
#include "north-mcp-desktop-private.h"

G_BEGIN_DECLS

/* Bounds on what the bridged service (or a hostile bus peer answering in
 * its place) can make us do. */
#define NORTH_MCP_DBUS_MAX_OBJECTS 256                  /* objects introspected with recursion */
#define NORTH_MCP_DBUS_MAX_INTROSPECTION_SIZE (1 << 20) /* bytes of XML per object */
#define NORTH_MCP_DBUS_MAX_TOOLS 1024                   /* and as many property resources */
#define NORTH_MCP_DBUS_MAX_REPLY_SIZE (4 << 20)         /* serialized bytes of a reply or property */
#define NORTH_MCP_DBUS_MAX_DESCRIPTION 4096

#define NORTH_MCP_DBUS_DOC_STRING "org.gtk.GDBus.DocString"
#define NORTH_MCP_DBUS_PROPERTIES_INTERFACE "org.freedesktop.DBus.Properties"
#define NORTH_MCP_DBUS_ACTIONS_INTERFACE "org.gtk.Actions"

struct _NorthMcpDBusBridge
{
  GObject parent_instance;

  GDBusConnection *connection;
  char *bus_name;
  char *object_path;
  gboolean recursive;
  GPtrArray *interfaces;   /* char *: only these, when not empty */
  GPtrArray *allow;        /* GPatternSpec * */
  GPtrArray *deny;         /* GPatternSpec * */

  GWeakRef server;
  gboolean attached;
  GHashTable *taken;       /* tool names given */
  GHashTable *properties;  /* "PATH IFACE NAME" → resource URI */
  NorthMcpToolBudget *tools; /* of methods and actions together */
  guint n_resources;
  guint properties_changed;
};

G_END_DECLS
