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
/* Serialized bytes of a reply or property; on a connection of
 * north_mcp_dbus_bridge_connect_sync(), of any incoming message's body,
 * larger ones being dropped unread, and of the signals waiting to be
 * handled together, further ones being dropped. */
#define NORTH_MCP_DBUS_MAX_REPLY_SIZE (4 << 20)
/* Values (each a GVariant of its own once GDBus has parsed it, some 100
 * to 270 bytes in memory, where D-Bus carries an empty signature in 2
 * bytes) of an incoming message on a connection of
 * north_mcp_dbus_bridge_connect_sync(), larger ones being dropped, and of
 * the signals waiting to be handled together, further ones being dropped:
 * twice the 131,072 values a reply may have as JSON (a dictionary's
 * entries and keys are values of their own to GDBus). */
#define NORTH_MCP_DBUS_MAX_VALUES (1 << 18)
#define NORTH_MCP_DBUS_MAX_DESCRIPTION 4096
/* Bytes of a tool's description and input schema (serialized): a valid
 * signature can make 63 KB of schema (255 `v`), and 4 KiB DocStrings per
 * argument more. */
#define NORTH_MCP_DBUS_MAX_TOOL_SIZE (16 << 10)
/* The same for all the tools of a bridge together (methods and actions):
 * without it, 1024 tools of 16 KiB would be 16 MiB in every tools/list. */
#define NORTH_MCP_DBUS_MAX_TOOLS_SIZE (4 << 20)

/* How long attaching waits for a silent service (GDBus's default of 25 s
 * per call, one object after another, made 256 silent children cost
 * almost two hours): each call waits at most the bridge's
 * introspection-timeout (5 s by default), at most 16 Introspect calls are
 * in flight at once, and the attachment as a whole stops after 6 times the
 * introspection timeout (30 s by default), serving what answered. */
#define NORTH_MCP_DBUS_INTROSPECTION_TIMEOUT 5000       /* ms, the property's default */
#define NORTH_MCP_DBUS_MAX_INTROSPECTIONS 16            /* Introspect calls in flight */
#define NORTH_MCP_DBUS_ATTACH_TIMEOUTS 6                /* introspection timeouts per attachment */
#define NORTH_MCP_DBUS_MAX_INTROSPECTION_TIMEOUT 3600000 /* ms, the property's maximum */

/* Method calls, property reads and action activations expect a reply:
 * at most this many wait for theirs at once (per bridge, so per
 * application; per remote action group the application serves itself), with
 * at most this many bytes of arguments together, each at most this long
 * (GDBus's default), so that an application that stops reading its bus
 * socket holds at most that many messages. A call keeps its place until
 * its reply or its timeout, also when its request is cancelled: its
 * message has left. */
#define NORTH_MCP_DBUS_MAX_CALLS 16
#define NORTH_MCP_DBUS_MAX_CALLS_SIZE (16 << 20)
#define NORTH_MCP_DBUS_CALL_TIMEOUT 25000               /* ms */

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
  guint introspection_timeout; /* ms */
  GPtrArray *interfaces;   /* char *: only these, when not empty */
  GPtrArray *allow;        /* GPatternSpec * */
  GPtrArray *deny;         /* GPatternSpec * */

  GWeakRef server;
  gboolean attached;
  GHashTable *taken;       /* tool names given, to methods and actions */
  GHashTable *properties;  /* "PATH IFACE NAME" → resource URI */
  NorthMcpDesktopBatch *updates; /* of the property resources: URIs */
  NorthMcpToolBudget *tools; /* of methods and actions together */
  NorthMcpDesktopRemote *remote; /* makes the calls of the tools and
                                  * resources served */
  guint n_resources;
  guint properties_changed;
};

G_END_DECLS
