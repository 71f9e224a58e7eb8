/* north-mcp-session-manager-impl-private.h: what the parts of the session
 * manager share
 *
 * The session manager is one type in two files: north-mcp-session-manager.c
 * (the sessions of this process, the limit and expiry) and
 * north-mcp-session-manager-store.c (sessions shared with other processes
 * through a state store). Only they include this.
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-kept-budget-private.h"
#include "north-mcp-session-manager-private.h"

G_BEGIN_DECLS

struct _NorthMcpSessionManager
{
  GHashTable *sessions;      /* id -> NorthMcpSession */
  guint       max_sessions;  /* 0: no limit */
  guint       max_per_owner; /* of one identified owner; 0: no limit */
  GHashTable *owners;        /* owner digest -> set of its sessions (not held) */
  NorthMcpKeptBudget *kept;  /* what listens and subscriptions keep */
  guint       timeout;       /* seconds idle; 0: never */
  GSource    *expiry_source; /* while an HTTP transport runs */

  char       *store_uri;
  NorthMcpStateStore *store; /* shared ones only; NULL: this process only */
  guint       control_id;    /* subscriptions to the store's channels */
  guint       broadcast_id;
  guint       responses_id;
  gulong      available_id;  /* the store's "available" signal */
  GQueue      unsaved;       /* Unsaved: records to delete (store.c) */
  GHashTable *watched;       /* session id -> stream channel subscription */
  char       *origin;        /* this process, in what it publishes */
  guint       fanout_depth;  /* inside begin_fanout/end_fanout */
  gboolean    receiving;     /* running a fan-out another process started */
  NorthMcpSessionManagerBroadcastFunc broadcast_func;
  gpointer    broadcast_data;
  /* What store callbacks hold: the manager, or NULL once it is freed. */
  NorthMcpSessionManager **alive;
};

/* Adds @session (a new reference) under its id and owner; returns how
 * many of its subscriptions did not fit in max-subscription-bytes (the
 * session no longer has them). */
guint north_mcp_session_manager_insert (NorthMcpSessionManager *self,
                                        NorthMcpSession        *session);

G_END_DECLS
