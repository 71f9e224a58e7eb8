/* north-mcp-dbus-xml-private.h: a D-Bus service's introspection XML,
 * checked before GDBus parses it
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* How deeply elements may nest in introspection data. Real data nests
 * node, interface, member, arg and an annotation or two; GDBus' own
 * parser takes time growing faster than the square of the depth (40,000
 * nested nodes, 520 KB, took 18 s of the main loop). */
#define NORTH_MCP_DBUS_XML_MAX_DEPTH 64

/* g_dbus_node_info_new_for_xml() on data a service sent, which GLib 2.74
 * must not see unchecked: a <node> inside a <method>, <signal>,
 * <property> or <arg> crashes its parser. The elements D-Bus defines must
 * nest as the introspection format says (others are left to GDBus, but
 * hold none of the D-Bus ones, except qualified ones such as <doc:doc>,
 * which GDBus skips with all they hold), and no deeper than
 * NORTH_MCP_DBUS_XML_MAX_DEPTH, qualified ones included; anything else fails with a
 * G_MARKUP_ERROR. */
GDBusNodeInfo *north_mcp_dbus_node_info_new (const char  *xml,
                                             GError     **error);

G_END_DECLS
