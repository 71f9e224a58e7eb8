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

/* Calls @func with each watcher of @uri (and @data) under the lock: a
 * session takes itself out under the lock before it frees its id. */
static void
foreach_watcher (NorthMcpSubscriptionIndex *self,
                 const char                *uri,
                 GFunc                      func,
                 gpointer                   data)
{
  GHashTable *watchers;
  GHashTableIter iter;
  gpointer watcher;

  g_mutex_lock (&self->lock);
  watchers = g_hash_table_lookup (self->uris, uri);
  if (watchers != NULL)
    {
      g_hash_table_iter_init (&iter, watchers);
      while (g_hash_table_iter_next (&iter, &watcher, NULL))
        func (watcher, data);
    }
  g_mutex_unlock (&self->lock);
}

typedef struct
{
  GPtrArray *ids;
  GPtrArray *sessions;
} Found;

static void
add_session (gpointer session,
             gpointer data)
{
  Found *found = data;

  g_ptr_array_add (found->ids, g_strdup (north_mcp_session_get_id (session)));
  g_ptr_array_add (found->sessions, session);
}

GPtrArray *
north_mcp_subscription_index_lookup (NorthMcpSubscriptionIndex *self,
                                     const char                *uri,
                                     GPtrArray                 *sessions)
{
  Found found = { g_ptr_array_new_with_free_func (g_free), sessions };

  foreach_watcher (self, uri, add_session, &found);
  return found.ids;
}

static void
add_object (gpointer object,
            gpointer objects)
{
  g_ptr_array_add (objects, g_object_ref (object));
}

GPtrArray *
north_mcp_subscription_index_dup_objects (NorthMcpSubscriptionIndex *self,
                                          const char                *uri)
{
  GPtrArray *objects = g_ptr_array_new_with_free_func (g_object_unref);

  foreach_watcher (self, uri, add_object, objects);
  return objects;
}
