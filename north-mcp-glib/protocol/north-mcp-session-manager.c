/* north-mcp-session-manager.c: the live sessions of one server
 *
 * The sessions of this process, their limit and expiry; sharing them with
 * other processes is in north-mcp-session-manager-store.c.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <string.h>
#include <unistd.h>

#include "north-mcp-random-private.h"
#include "north-mcp-session-manager-impl-private.h"
#include "north-mcp-session-private.h"
#include "north-mcp-util-private.h"

#define DIGEST_LENGTH NORTH_MCP_SESSION_OWNER_DIGEST_LENGTH

/* Owners are SHA-256 digests (north_mcp_session_owner_digest()) that a
 * client cannot choose. */
G_STATIC_ASSERT (DIGEST_LENGTH == NORTH_MCP_SHA256_LENGTH);

NorthMcpSessionManager *
north_mcp_session_manager_new (void)
{
  NorthMcpSessionManager *self = g_new0 (NorthMcpSessionManager, 1);

  self->sessions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->owners = g_hash_table_new_full (north_mcp_sha256_hash, north_mcp_sha256_equal, g_free,
                                        (GDestroyNotify) g_hash_table_unref);
  self->watched = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->kept = north_mcp_kept_budget_new (0);
  self->subscribers = north_mcp_subscription_index_new ();
  self->origin = north_mcp_random_id (NULL);
  if (self->origin == NULL)
    self->origin = g_strdup_printf ("%d-%" G_GINT64_FORMAT, (int) getpid (), g_get_real_time ());
  self->alive = g_rc_box_new (NorthMcpSessionManager *);
  *self->alive = self;
  return self;
}

void
north_mcp_session_manager_free (NorthMcpSessionManager *self)
{
  if (self == NULL)
    return;
  north_mcp_session_manager_stop_expiry (self);
  north_mcp_session_manager_set_store (self, NULL);
  g_free (self->store_uri);
  *self->alive = NULL;
  g_rc_box_release (self->alive);
  g_hash_table_unref (self->watched);
  g_free (self->origin);
  g_hash_table_unref (self->sessions);
  g_hash_table_unref (self->owners);
  north_mcp_kept_budget_unref (self->kept);
  north_mcp_subscription_index_unref (self->subscribers);
  g_free (self);
}

guint
north_mcp_session_manager_get_max_sessions (NorthMcpSessionManager *self)
{
  return self->max_sessions;
}

void
north_mcp_session_manager_set_max_sessions (NorthMcpSessionManager *self,
                                            guint                   max_sessions)
{
  self->max_sessions = max_sessions;
}

NorthMcpKeptBudget *
north_mcp_session_manager_get_kept_budget (NorthMcpSessionManager *self)
{
  return self->kept;
}

guint
north_mcp_session_manager_get_max_per_owner (NorthMcpSessionManager *self)
{
  return self->max_per_owner;
}

void
north_mcp_session_manager_set_max_per_owner (NorthMcpSessionManager *self,
                                             guint                   max_per_owner)
{
  self->max_per_owner = max_per_owner;
}

guint
north_mcp_session_manager_get_timeout (NorthMcpSessionManager *self)
{
  return self->timeout;
}

void
north_mcp_session_manager_set_timeout (NorthMcpSessionManager *self,
                                       guint                   timeout_s)
{
  self->timeout = timeout_s;
}

NorthMcpSession *
north_mcp_session_manager_open (NorthMcpSessionManager *self,
                                NorthMcpChannel        *standalone,
                                NorthMcpUser           *owner,
                                GError                **error)
{
  g_autofree char *id = north_mcp_random_id (error);
  NorthMcpSession *session;

  if (id == NULL)
    return NULL;

  session = north_mcp_session_new (id, standalone);
  north_mcp_session_set_owner (session, owner);
  north_mcp_session_manager_insert (self, session);
  g_object_unref (session);
  return session;
}

/* Anonymous sessions (all zeros) are not indexed: every client of an
 * open server shares that identity, and max-sessions covers them. */
static GHashTable *
sessions_of_owner (NorthMcpSessionManager *self,
                   NorthMcpSession        *session,
                   gboolean                create)
{
  guint8 digest[DIGEST_LENGTH];
  GHashTable *owned;

  if (north_mcp_session_is_anonymous (session))
    return NULL;
  north_mcp_session_get_owner_digest (session, digest);
  owned = g_hash_table_lookup (self->owners, digest);
  if (owned == NULL && create)
    {
      owned = g_hash_table_new (NULL, NULL);
      g_hash_table_insert (self->owners, g_memdup2 (digest, DIGEST_LENGTH), owned);
    }
  return owned;
}

guint
north_mcp_session_manager_insert (NorthMcpSessionManager *self,
                                  NorthMcpSession        *session)
{
  GHashTable *owned = sessions_of_owner (self, session, TRUE);
  guint dropped;

  g_hash_table_insert (self->sessions, g_strdup (north_mcp_session_get_id (session)),
                       g_object_ref (session));
  north_mcp_session_set_subscription_index (session, self->subscribers);
  dropped = north_mcp_session_set_kept_budget (session, self->kept);
  if (owned != NULL)
    g_hash_table_add (owned, session);
  return dropped;
}

static void
remove_from_owner (NorthMcpSessionManager *self,
                   NorthMcpSession        *session)
{
  GHashTable *owned = sessions_of_owner (self, session, FALSE);
  guint8 digest[DIGEST_LENGTH];

  if (owned == NULL || !g_hash_table_remove (owned, session) || g_hash_table_size (owned) > 0)
    return;
  north_mcp_session_get_owner_digest (session, digest);
  g_hash_table_remove (self->owners, digest);
}

gboolean
north_mcp_session_manager_owner_is_full (NorthMcpSessionManager  *self,
                                         NorthMcpUser            *owner,
                                         NorthMcpSession        **idle)
{
  guint8 digest[DIGEST_LENGTH];
  GHashTable *owned;
  GHashTableIter iter;
  gpointer session;
  NorthMcpSession *oldest = NULL;

  *idle = NULL;
  if (self->max_per_owner == 0)
    return FALSE;
  north_mcp_session_owner_digest (owner, digest);
  owned = g_hash_table_lookup (self->owners, digest);
  if (owned == NULL || g_hash_table_size (owned) < self->max_per_owner)
    return FALSE;

  /* At most the identity's own sessions are walked: max-per-owner of
   * them, or a few more restored from a shared store. */
  g_hash_table_iter_init (&iter, owned);
  while (g_hash_table_iter_next (&iter, &session, NULL))
    if (!north_mcp_session_is_busy (session) &&
        (oldest == NULL ||
         north_mcp_session_get_last_activity (session) < north_mcp_session_get_last_activity (oldest)))
      oldest = session;
  *idle = oldest != NULL ? g_object_ref (oldest) : NULL;
  return TRUE;
}

gboolean
north_mcp_session_manager_is_full (NorthMcpSessionManager *self)
{
  return self->max_sessions != 0 && g_hash_table_size (self->sessions) >= self->max_sessions;
}

NorthMcpSession *
north_mcp_session_manager_lookup (NorthMcpSessionManager *self,
                                  const char             *id)
{
  return id != NULL ? g_hash_table_lookup (self->sessions, id) : NULL;
}

NorthMcpSession *
north_mcp_session_manager_find (NorthMcpSessionManager *self,
                                const char             *id,
                                NorthMcpUser           *user)
{
  NorthMcpSession *session = north_mcp_session_manager_lookup (self, id);

  /* Someone else's session does not exist for this user. */
  if (session != NULL && !north_mcp_session_is_owner (session, user))
    return NULL;
  return session;
}

void
north_mcp_session_manager_close (NorthMcpSessionManager *self,
                                 NorthMcpSession        *session)
{
  const char *id = north_mcp_session_get_id (session);

  north_mcp_session_close (session);
  if (id != NULL)
    {
      north_mcp_session_manager_unwatch_stream (self, id);
      if (g_hash_table_lookup (self->sessions, id) == session)
        remove_from_owner (self, session);
      g_hash_table_remove (self->sessions, id);
    }
}

void
north_mcp_session_manager_close_all (NorthMcpSessionManager *self)
{
  GHashTableIter iter;
  gpointer session;

  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, NULL, &session))
    north_mcp_session_close (session);
  g_hash_table_remove_all (self->owners);
  g_hash_table_remove_all (self->sessions);
}

GList *
north_mcp_session_manager_get_sessions (NorthMcpSessionManager *self)
{
  return g_hash_table_get_values (self->sessions);
}

void
north_mcp_session_manager_iter_init (NorthMcpSessionManager *self,
                                     GHashTableIter         *iter)
{
  g_hash_table_iter_init (iter, self->sessions);
}

NorthMcpSubscriptionIndex *
north_mcp_session_manager_get_subscribers (NorthMcpSessionManager *self)
{
  return self->subscribers;
}

guint64
north_mcp_session_manager_get_update_visits (NorthMcpSessionManager *self)
{
  return self->update_visits;
}

void
north_mcp_session_manager_count_update_visit (NorthMcpSessionManager *self)
{
  self->update_visits++;
}

GPtrArray *
north_mcp_session_manager_take_idle (NorthMcpSessionManager *self,
                                     gint64                  now)
{
  GPtrArray *idle = g_ptr_array_new_with_free_func (g_object_unref);
  gint64 limit = (gint64) self->timeout * G_USEC_PER_SEC;
  GHashTableIter iter;
  gpointer value;

  if (self->timeout == 0)
    return idle;

  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      NorthMcpSession *session = value;

      /* A busy session is active: its idle time starts when it stops
       * being busy, not when its last message came. */
      if (north_mcp_session_is_busy (session))
        {
          north_mcp_session_set_last_activity (session, MAX (now, north_mcp_session_get_last_activity (session)));
          /* An open stream keeps the shared record alive too. */
          north_mcp_session_manager_touch (self, session);
        }
      else if (now - north_mcp_session_get_last_activity (session) > limit)
        g_ptr_array_add (idle, g_object_ref (session));
    }

  return idle;
}

void
north_mcp_session_manager_stop_expiry (NorthMcpSessionManager *self)
{
  if (self->expiry_source != NULL)
    {
      g_source_destroy (self->expiry_source);
      g_clear_pointer (&self->expiry_source, g_source_unref);
    }
}

/* Checks for idle sessions a few times per timeout, at most once a minute. */
void
north_mcp_session_manager_schedule_expiry (NorthMcpSessionManager *self,
                                           GMainContext           *context,
                                           GSourceFunc             func,
                                           gpointer                data)
{
  guint interval;

  north_mcp_session_manager_stop_expiry (self);
  if (self->timeout == 0)
    return;

  interval = CLAMP (self->timeout / 4, 1, 60);
  self->expiry_source = g_timeout_source_new_seconds (interval);
  g_source_set_callback (self->expiry_source, func, data, NULL);
  g_source_attach (self->expiry_source, context);
}

/* The shared state store (north-mcp-session-manager-store.c sets it). */

NorthMcpStateStore *
north_mcp_session_manager_get_store (NorthMcpSessionManager *self)
{
  return self->store;
}

const char *
north_mcp_session_manager_get_store_uri (NorthMcpSessionManager *self)
{
  return self->store_uri;
}

void
north_mcp_session_manager_set_store_uri (NorthMcpSessionManager *self,
                                         const char             *uri)
{
  north_mcp_set_str (&self->store_uri, uri);
}

gboolean
north_mcp_session_manager_open_store (NorthMcpSessionManager *self,
                                      GError                **error)
{
  g_autoptr(NorthMcpStateStore) store = NULL;

  if (self->store_uri == NULL)
    return TRUE;
  store = north_mcp_state_store_new_for_uri (self->store_uri, error);
  if (store == NULL)
    return FALSE;
  north_mcp_session_manager_set_store (self, store);
  return TRUE;
}

void
north_mcp_session_manager_close_store (NorthMcpSessionManager *self)
{
  north_mcp_session_manager_set_store (self, NULL);
}

gboolean
north_mcp_session_manager_is_shared (NorthMcpSessionManager *self)
{
  return self->store != NULL;
}
