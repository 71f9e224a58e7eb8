/* north-mcp-kept-budget-private.h: what listen streams and resource
 * subscriptions keep of their clients, all sessions of a server together
 * (max-subscription-bytes), and of that what each owner keeps
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Shared by the session manager, its sessions and the listen streams,
 * any of which may outlive the others: reference counted. Any thread. */
typedef struct _NorthMcpKeptBudget NorthMcpKeptBudget;

/* What one kept item costs besides its bytes, as measured with glibc
 * malloc on x86-64: a listen stream's context, channel, filter and
 * bookkeeping (a small listen of a legacy session takes 4.5 KiB with its
 * request, whose tree counts on top of this); a watched URI: its slot in
 * its watcher's set and the subscription index's entry for it, a key and
 * a set of its watchers (some 265 bytes for a URI of a few bytes that one
 * watcher watches; 64, which counted the first set only, let short
 * distinct URIs take four times max-subscription-bytes). */
#define NORTH_MCP_KEPT_BUDGET_LISTEN_COST 4096
#define NORTH_MCP_KEPT_BUDGET_URI_COST    288

/* What a watched URI of @length bytes costs, for a session's
 * subscription or a listen stream's: its copy there and the subscription
 * index's (which all its watchers share; counted for each, it is counted
 * at least once). */
static inline guint64
north_mcp_kept_budget_uri_cost (gsize length)
{
  return 2 * (guint64) length + NORTH_MCP_KEPT_BUDGET_URI_COST;
}

/* One owner (an identity, else a session, else a peer address) may keep
 * at most this part of the limit: a quarter, as for tasks, so that one
 * user cannot take the room of all. */
#define NORTH_MCP_KEPT_BUDGET_OWNER_SHARE 4

NorthMcpKeptBudget *north_mcp_kept_budget_new       (guint64             limit);
NorthMcpKeptBudget *north_mcp_kept_budget_ref       (NorthMcpKeptBudget *self);
void                north_mcp_kept_budget_unref     (NorthMcpKeptBudget *self);
/* 0: no limit. Lowering it takes nothing back; it refuses what would
 * pass it from then on. */
guint64             north_mcp_kept_budget_get_limit (NorthMcpKeptBudget *self);
void                north_mcp_kept_budget_set_limit (NorthMcpKeptBudget *self,
                                                     guint64             limit);
/* Counts @bytes more for @owner unless that would pass the limit, or
 * @owner's share of it: then FALSE, nothing counted, and @error says so
 * (NORTH_MCP_JSONRPC_ERROR_INTERNAL_ERROR: the server, or the client's
 * share, is full; the client may try again later). What is given back
 * must name the same @owner. Owners are kept only while they keep
 * something. */
gboolean            north_mcp_kept_budget_take      (NorthMcpKeptBudget *self,
                                                     const char         *owner,
                                                     guint64             bytes,
                                                     GError            **error);
void                north_mcp_kept_budget_give_back (NorthMcpKeptBudget *self,
                                                     const char         *owner,
                                                     guint64             bytes);
guint64             north_mcp_kept_budget_get_used  (NorthMcpKeptBudget *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NorthMcpKeptBudget, north_mcp_kept_budget_unref)

G_END_DECLS
