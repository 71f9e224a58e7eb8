/* north-mcp-kept-budget.c: what listen streams and resource subscriptions
 * keep, all sessions of a server together (max-subscription-bytes), and
 * each owner's share of it
 *
 * A session, and with it its subscriptions, may be let go of on a
 * handler's thread: the counts change under a lock.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-error.h"
#include "north-mcp-kept-budget-private.h"
#include "north-mcp-siphash-private.h"

struct _NorthMcpKeptBudget
{
  GMutex  lock;
  guint64 limit; /* 0: none */
  guint64 used;
  GHashTable *owners; /* owner -> guint64 it keeps (> 0) */
};

static void
kept_budget_clear (gpointer data)
{
  NorthMcpKeptBudget *self = data;

  g_hash_table_unref (self->owners);
  g_mutex_clear (&self->lock);
}

NorthMcpKeptBudget *
north_mcp_kept_budget_new (guint64 limit)
{
  NorthMcpKeptBudget *self = g_atomic_rc_box_new0 (NorthMcpKeptBudget);

  g_mutex_init (&self->lock);
  self->limit = limit;
  /* Keyed: owners may be addresses that clients choose ("peer <addr>":
   * any IPv6 address, or X-Forwarded-For through a trusted proxy). */
  self->owners = g_hash_table_new_full (north_mcp_siphash_str_hash, g_str_equal, g_free, g_free);
  return self;
}

NorthMcpKeptBudget *
north_mcp_kept_budget_ref (NorthMcpKeptBudget *self)
{
  return g_atomic_rc_box_acquire (self);
}

void
north_mcp_kept_budget_unref (NorthMcpKeptBudget *self)
{
  g_atomic_rc_box_release_full (self, kept_budget_clear);
}

guint64
north_mcp_kept_budget_get_limit (NorthMcpKeptBudget *self)
{
  guint64 limit;

  g_mutex_lock (&self->lock);
  limit = self->limit;
  g_mutex_unlock (&self->lock);
  return limit;
}

void
north_mcp_kept_budget_set_limit (NorthMcpKeptBudget *self,
                                 guint64             limit)
{
  g_mutex_lock (&self->lock);
  self->limit = limit;
  g_mutex_unlock (&self->lock);
}

gboolean
north_mcp_kept_budget_take (NorthMcpKeptBudget *self,
                            const char         *owner,
                            guint64             bytes,
                            GError            **error)
{
  guint64 limit, share, *kept;
  gboolean fits, owner_fits = TRUE;

  g_mutex_lock (&self->lock);
  limit = self->limit;
  share = limit / NORTH_MCP_KEPT_BUDGET_OWNER_SHARE;
  kept = owner != NULL ? g_hash_table_lookup (self->owners, owner) : NULL;
  fits = limit == 0 || (self->used <= limit && bytes <= limit - self->used);
  if (fits && limit != 0 && owner != NULL)
    {
      guint64 owned = kept != NULL ? *kept : 0;

      owner_fits = owned <= share && bytes <= share - owned;
      fits = owner_fits;
    }
  if (fits)
    {
      self->used += bytes;
      if (owner != NULL && bytes > 0)
        {
          if (kept == NULL)
            {
              kept = g_new0 (guint64, 1);
              g_hash_table_insert (self->owners, g_strdup (owner), kept);
            }
          *kept += bytes;
        }
    }
  g_mutex_unlock (&self->lock);

  if (!owner_fits)
    g_set_error (error, NORTH_MCP_JSONRPC_ERROR, NORTH_MCP_JSONRPC_ERROR_INTERNAL_ERROR,
                 "Too many subscriptions for one client: its listen streams and resource subscriptions "
                 "may keep %" G_GUINT64_FORMAT " bytes (a quarter of max-subscription-bytes); "
                 "end some first", share);
  else if (!fits)
    g_set_error (error, NORTH_MCP_JSONRPC_ERROR, NORTH_MCP_JSONRPC_ERROR_INTERNAL_ERROR,
                 "Too many subscriptions on this server: listen streams and resource subscriptions "
                 "may keep %" G_GUINT64_FORMAT " bytes in all (max-subscription-bytes); "
                 "try again when some have ended", limit);
  return fits;
}

void
north_mcp_kept_budget_give_back (NorthMcpKeptBudget *self,
                                 const char         *owner,
                                 guint64             bytes)
{
  guint64 *kept;

  g_mutex_lock (&self->lock);
  g_warn_if_fail (bytes <= self->used);
  self->used -= MIN (bytes, self->used);
  kept = owner != NULL && bytes > 0 ? g_hash_table_lookup (self->owners, owner) : NULL;
  g_warn_if_fail (owner == NULL || bytes == 0 || (kept != NULL && bytes <= *kept));
  if (kept != NULL)
    {
      *kept -= MIN (bytes, *kept);
      if (*kept == 0)
        g_hash_table_remove (self->owners, owner);
    }
  g_mutex_unlock (&self->lock);
}

guint64
north_mcp_kept_budget_get_used (NorthMcpKeptBudget *self)
{
  guint64 used;

  g_mutex_lock (&self->lock);
  used = self->used;
  g_mutex_unlock (&self->lock);
  return used;
}
