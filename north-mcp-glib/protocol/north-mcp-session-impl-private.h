/* north-mcp-session-impl-private.h: what the parts of NorthMcpSession share
 *
 * NorthMcpSession is one type in two files: north-mcp-session.c (what the
 * client negotiated, its requests in flight, its subscriptions) and
 * north-mcp-session-requests.c (the server's requests to the client,
 * waiting for their answers). Only they include this.
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-kept-budget-private.h"
#include "north-mcp-subscription-index-private.h"
#include "north-mcp-session-private.h"

G_BEGIN_DECLS

struct _NorthMcpSession
{
  GObject           parent_instance;

  char             *id;
  char             *protocol_version;
  JsonObject       *client_capabilities;
  JsonObject       *client_info;
  NorthMcpLogLevel  log_level;
  guint             log_level_set : 1;
  guint             initialized : 1;
  guint             closed : 1;
  guint             answers_ended : 1; /* see north_mcp_session_end_answers() */

  NorthMcpChannel  *standalone;

  gint64            next_request_id;
  GHashTable       *pending;   /* id key -> PendingRequest */
  GHashTable       *in_flight; /* id key -> GCancellable */
  GHashTable       *subscriptions; /* URI set */
  gsize             subscription_bytes; /* their lengths added up */
  guint             subscription_count; /* their number (the set's size) */
  NorthMcpKeptBudget *kept;        /* where they count, all sessions together */
  NorthMcpSubscriptionIndex *index; /* where they are found by URI, or NULL */
  char             *kept_owner;    /* whose share they count in, while there are any */
  gint64            last_activity; /* monotonic, microseconds */
  /* Who created it: a digest of the identity (all zero: anonymous). */
  guint8            owner[NORTH_MCP_SESSION_OWNER_DIGEST_LENGTH];
  /* With a shared state store (issue 15): told when what the store keeps
   * of the session changes, and given the notifications for a stream that
   * another process holds. */
  NorthMcpSessionFunc       changed_func;
  NorthMcpSessionEditHook   edit_func;
  NorthMcpSessionRelayFunc  relay_func;
  gpointer                  store_data;
  guint                     changes;   /* see north_mcp_session_get_changes() */
  char                     *trace_digest;  /* made on first use (atomic) */
};

/* Frees a request to the client (the value of the `pending` table). */
void       north_mcp_session_pending_request_free (gpointer         pending);
/* Empties the `pending` table, handing over the tasks of its requests
 * (the caller completes them). */
GPtrArray *north_mcp_session_steal_pending_tasks  (NorthMcpSession *self);

G_END_DECLS
