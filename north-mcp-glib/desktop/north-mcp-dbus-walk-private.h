/* north-mcp-dbus-walk-private.h: a D-Bus message, walked by its
 * signatures before GDBus parses it
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* How deeply containers (arrays, structures, dict entries, variants) may
 * nest in a message's body: D-Bus's own limit, and GDBus's. */
#define NORTH_MCP_DBUS_MAX_DEPTH 64

typedef enum
{
  NORTH_MCP_DBUS_WALK_OK,
  NORTH_MCP_DBUS_WALK_TOO_MANY,  /* more than the values allowed */
  NORTH_MCP_DBUS_WALK_MALFORMED,
} NorthMcpDBusWalk;

/* The size of the fixed-size basic D-Bus type @type, 0 for others. */
guint            north_mcp_dbus_fixed_size   (char          type);

/* Counts the values GDBus would make a GVariant of in the whole message
 * @message of @length bytes (its fixed header, header fields, padding
 * and body, as g_dbus_message_bytes_needed() counts them): each basic
 * value and each container, an array of fixed-size numbers (not of
 * booleans) as one, the header fields' and the body's own tuple
 * included. Stops once they pass
 * @max_values (NORTH_MCP_DBUS_WALK_TOO_MANY). A message that GDBus could
 * not parse, or that D-Bus forbids in its framing (a value, padding or
 * array element past its container's end, a string without its NUL, a
 * variant of no single valid type or with a NUL in its signature, an
 * empty structure's value (GDBus takes its type in a signature),
 * containers nested deeper than NORTH_MCP_DBUS_MAX_DEPTH as GDBus counts
 * them (a variant's type whole, even of an empty array), a body without
 * a signature or a signature without a body), is
 * NORTH_MCP_DBUS_WALK_MALFORMED, with a static
 * description in *@problem. The contents of strings are not checked
 * (GDBus does that). Linear in @length; the recursion goes no deeper than
 * the containers. */
NorthMcpDBusWalk north_mcp_dbus_walk_message (const guint8  *message,
                                              gsize          length,
                                              guint64        max_values,
                                              guint64       *n_values,
                                              const char   **problem);

G_END_DECLS
