/* north-mcp-route-table.c: the custom HTTP routes of a server
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-route-table-private.h"

static void
route_free (NorthMcpRoute *route)
{
  if (route->destroy != NULL)
    route->destroy (route->user_data);
  g_free (route->path);
  g_free (route);
}

GHashTable *
north_mcp_route_table_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) route_free);
}

void
north_mcp_route_table_add (GHashTable        *table,
                           const char        *path,
                           NorthMcpRouteFunc  func,
                           gpointer           user_data,
                           GDestroyNotify     destroy)
{
  NorthMcpRoute *route = g_new0 (NorthMcpRoute, 1);
  gsize length = strlen (path);

  /* Paths are compared without one trailing slash. */
  route->path = length > 1 && path[length - 1] == '/' ? g_strndup (path, length - 1) : g_strdup (path);
  route->func = func;
  route->user_data = user_data;
  route->destroy = destroy;
  g_hash_table_replace (table, route->path, route);
}
