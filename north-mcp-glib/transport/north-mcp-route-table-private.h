/* north-mcp-route-table-private.h: the custom HTTP routes of a server
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-server.h"

G_BEGIN_DECLS

/* One custom HTTP route registered with north_mcp_server_add_route(). */
typedef struct {
  char              *path;
  NorthMcpRouteFunc  func;
  gpointer           user_data;
  GDestroyNotify     destroy;
} NorthMcpRoute;

/* A table path (without trailing slash) -> NorthMcpRoute*, which owns
 * its routes. */
GHashTable *north_mcp_route_table_new (void);
/* Adds or replaces the route of @path; one trailing slash is dropped. */
void        north_mcp_route_table_add (GHashTable        *table,
                                       const char        *path,
                                       NorthMcpRouteFunc  func,
                                       gpointer           user_data,
                                       GDestroyNotify     destroy);

G_END_DECLS
