/* north-mcp-desktop.c: what action groups and the D-Bus bridge share
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-desktop-private.h"

static char *
sanitize (const char *candidate)
{
  char *name = g_strdup (candidate != NULL && *candidate != '\0' ? candidate : "tool");

  for (char *p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '.' && *p != '-')
      *p = '_';
  return name;
}

char *
north_mcp_desktop_tool_name (const char *candidate,
                             const char *key,
                             GHashTable *taken)
{
  g_autofree char *name = sanitize (candidate);
  g_autofree char *digest = NULL;
  guint round = 0;

  if (strlen (name) <= NORTH_MCP_TOOL_NAME_MAX && !g_hash_table_contains (taken, name))
    {
      g_hash_table_add (taken, g_strdup (name));
      return g_steal_pointer (&name);
    }

  /* A hash of the key, rehashed in the (unlikely) case of a collision. */
  digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, key != NULL ? key : name, -1);
  for (;;)
    {
      g_autofree char *cut = g_strndup (name, NORTH_MCP_TOOL_NAME_MAX - 9);
      g_autofree char *unique = g_strdup_printf ("%s-%.8s", cut, digest);

      if (!g_hash_table_contains (taken, unique))
        {
          g_hash_table_add (taken, g_strdup (unique));
          return g_steal_pointer (&unique);
        }
      g_free (digest);
      digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, unique, -1);
      g_assert (++round < 1000);
    }
}
