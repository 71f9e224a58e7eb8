/* north-mcp-registry.c: one kind of feature a server offers
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "north-mcp-registry-private.h"

struct _NorthMcpRegistry
{
  GPtrArray               *items;    /* owned, in the order added */
  GHashTable              *map;      /* key (owned by its object) -> object */
  NorthMcpRegistryKeyFunc  key_func;
};

NorthMcpRegistry *
north_mcp_registry_new (NorthMcpRegistryKeyFunc key_func)
{
  NorthMcpRegistry *self = g_new0 (NorthMcpRegistry, 1);

  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->map = g_hash_table_new (g_str_hash, g_str_equal);
  self->key_func = key_func;
  return self;
}

void
north_mcp_registry_free (NorthMcpRegistry *self)
{
  if (self == NULL)
    return;
  /* The map's keys belong to the objects: drop it first. */
  g_hash_table_unref (self->map);
  g_ptr_array_unref (self->items);
  g_free (self);
}

/* Replaces the object of the same key in place so that lists keep their
 * order. The map takes the new object's key string again:
 * g_hash_table_insert() would keep the old one's, freed with it. */
void
north_mcp_registry_add (NorthMcpRegistry *self,
                        gpointer          object)
{
  const char *key = self->key_func (object);
  gpointer old = g_hash_table_lookup (self->map, key);

  g_object_ref (object);
  g_hash_table_replace (self->map, (gpointer) key, object);
  if (old != NULL)
    {
      guint index;

      g_ptr_array_find (self->items, old, &index);
      g_ptr_array_index (self->items, index) = object;
      g_object_unref (old);
    }
  else
    g_ptr_array_add (self->items, object);
}

gboolean
north_mcp_registry_remove (NorthMcpRegistry *self,
                           const char       *key)
{
  gpointer object = g_hash_table_lookup (self->map, key);

  if (object == NULL)
    return FALSE;

  g_hash_table_remove (self->map, key);
  g_ptr_array_remove (self->items, object);
  return TRUE;
}

gpointer
north_mcp_registry_lookup (NorthMcpRegistry *self,
                           const char       *key)
{
  return g_hash_table_lookup (self->map, key);
}

GPtrArray *
north_mcp_registry_list (NorthMcpRegistry *self)
{
  GPtrArray *copy = g_ptr_array_new_full (self->items->len, g_object_unref);

  for (guint i = 0; i < self->items->len; i++)
    g_ptr_array_add (copy, g_object_ref (g_ptr_array_index (self->items, i)));
  return copy;
}

GPtrArray *
north_mcp_registry_get_array (NorthMcpRegistry *self)
{
  return self->items;
}

guint
north_mcp_registry_get_size (NorthMcpRegistry *self)
{
  return self->items->len;
}
