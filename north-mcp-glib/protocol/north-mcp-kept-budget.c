/* north-mcp-kept-budget.c: what listen streams and resource subscriptions
 * keep, all sessions of a server together (max-subscription-bytes)
 *
 * A session, and with it its subscriptions, may be let go of on a
 * handler's thread: the counts change under a lock.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-error.h"
#include "north-mcp-kept-budget-private.h"

struct _NorthMcpKeptBudget
{
  GMutex  lock;
  guint64 limit; /* 0: none */
  guint64 used;
};

static void
kept_budget_clear (gpointer data)
{
  NorthMcpKeptBudget *self = data;

  g_mutex_clear (&self->lock);
}

NorthMcpKeptBudget *
north_mcp_kept_budget_new (guint64 limit)
{
  NorthMcpKeptBudget *self = g_atomic_rc_box_new0 (NorthMcpKeptBudget);

  g_mutex_init (&self->lock);
  self->limit = limit;
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
                            guint64             bytes,
                            GError            **error)
{
  guint64 limit;
  gboolean fits;

  g_mutex_lock (&self->lock);
  limit = self->limit;
  fits = limit == 0 || (self->used <= limit && bytes <= limit - self->used);
  if (fits)
    self->used += bytes;
  g_mutex_unlock (&self->lock);

  if (!fits)
    g_set_error (error, NORTH_MCP_JSONRPC_ERROR, NORTH_MCP_JSONRPC_ERROR_INTERNAL_ERROR,
                 "Too many subscriptions on this server: listen streams and resource subscriptions "
                 "may keep %" G_GUINT64_FORMAT " bytes in all (max-subscription-bytes); "
                 "try again when some have ended", limit);
  return fits;
}

void
north_mcp_kept_budget_give_back (NorthMcpKeptBudget *self,
                                 guint64             bytes)
{
  g_mutex_lock (&self->lock);
  g_warn_if_fail (bytes <= self->used);
  self->used -= MIN (bytes, self->used);
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
