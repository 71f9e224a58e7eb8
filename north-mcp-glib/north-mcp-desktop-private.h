/* north-mcp-desktop-private.h: what action groups and the D-Bus bridge share
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Tool names stay within MCP's guidance: 1 to 64 characters of
 * A-Z a-z 0-9 _ . - (the library warns beyond). */
#define NORTH_MCP_TOOL_NAME_MAX 64

/* A tool name for @candidate that is not in @taken (a set of names), and
 * adds it there. Characters outside the allowed set become `_`. A name that
 * is too long or already taken is cut and given `-` and 8 hexadecimal
 * digits of a hash of @key (the unmapped identity, e.g. "path iface.Method"),
 * so that the same thing gets the same name in every run. */
char *north_mcp_desktop_tool_name (const char *candidate,
                                   const char *key,
                                   GHashTable *taken);

G_END_DECLS
