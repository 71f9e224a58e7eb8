/* north-mcp-subscription-index.c: the sessions that watch each URI
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <glib-object.h>

#include "north-mcp-session-private.h"
#include "north-mcp-siphash-private.h"
#include "north-mcp-subscription-index-private.h"

struct _NorthMcpSubscriptionIndex
{
  GMutex      lock;
  GHashTable *uris; /* URI -> set of sessions (not held) */
};

static void
subscription_index_clear (gpointer data)
{
  NorthMcpSubscriptionIndex *self = data;

  g_hash_table_unref (self->uris);
  g_mutex_clear (&self->lock);
}

NorthMcpSubscriptionIndex *
north_mcp_subscription_index_new (void)
{
  NorthMcpSubscriptionIndex *self = g_atomic_rc_box_new0 (NorthMcpSubscriptionIndex);

  g_mutex_init (&self->lock);
  /* URIs are the clients': a keyed hash (hash flooding). */
  self->uris = g_hash_table_new_full (north_mcp_siphash_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify) g_hash_table_unref);
  return self;
}

NorthMcpSubscriptionIndex *
north_mcp_subscription_index_ref (NorthMcpSubscriptionIndex *self)
{
  return g_atomic_rc_box_acquire (self);
}

void
north_mcp_subscription_index_unref (NorthMcpSubscriptionIndex *self)
{
  g_atomic_rc_box_release_full (self, subscription_index_clear);
}

void
north_mcp_subscription_index_add (NorthMcpSubscriptionIndex *self,
                                  const char                *uri,
                                  gpointer                   session)
{
  GHashTable *watchers;

  g_mutex_lock (&self->lock);
  watchers = g_hash_table_lookup (self->uris, uri);
  if (watchers == NULL)
    {
      watchers = g_hash_table_new (NULL, NULL);
      g_hash_table_insert (self->uris, g_strdup (uri), watchers);
    }
  g_hash_table_add (watchers, session);
  g_mutex_unlock (&self->lock);
}

void
north_mcp_subscription_index_remove (NorthMcpSubscriptionIndex *self,
                                     const char                *uri,
                                     gpointer                   session)
{
  GHashTable *watchers;

  g_mutex_lock (&self->lock);
  watchers = g_hash_table_lookup (self->uris, uri);
  if (watchers != NULL && g_hash_table_remove (watchers, session) && g_hash_table_size (watchers) == 0)
    g_hash_table_remove (self->uris, uri);
  g_mutex_unlock (&self->lock);
}

GPtrArray *
north_mcp_subscription_index_lookup (NorthMcpSubscriptionIndex *self,
                                     const char                *uri,
                                     GPtrArray                 *sessions)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  GHashTable *watchers;
  GHashTableIter iter;
  gpointer session;

  /* A session takes itself out under the lock before it frees its id. */
  g_mutex_lock (&self->lock);
  watchers = g_hash_table_lookup (self->uris, uri);
  if (watchers != NULL)
    {
      g_hash_table_iter_init (&iter, watchers);
      while (g_hash_table_iter_next (&iter, &session, NULL))
        {
          g_ptr_array_add (ids, g_strdup (north_mcp_session_get_id (session)));
          g_ptr_array_add (sessions, session);
        }
    }
  g_mutex_unlock (&self->lock);
  return ids;
}

GPtrArray *
north_mcp_subscription_index_dup_objects (NorthMcpSubscriptionIndex *self,
                                          const char                *uri)
{
  GPtrArray *objects = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTable *watchers;
  GHashTableIter iter;
  gpointer object;

  g_mutex_lock (&self->lock);
  watchers = g_hash_table_lookup (self->uris, uri);
  if (watchers != NULL)
    {
      g_hash_table_iter_init (&iter, watchers);
      while (g_hash_table_iter_next (&iter, &object, NULL))
        g_ptr_array_add (objects, g_object_ref (object));
    }
  g_mutex_unlock (&self->lock);
  return objects;
}
