/* north-mcp-session-manager-impl-private.h: what the parts of the session
 * manager share
 *
 * The session manager is one type in three files:
 * north-mcp-session-manager.c (the sessions of this process, the limit and
 * expiry), north-mcp-session-manager-store.c (sessions shared with other
 * processes through a state store: their records) and
 * north-mcp-session-manager-relay.c (what those processes send each other
 * beyond records). Only they include this.
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
  NorthMcpSubscriptionIndex *subscribers; /* the sessions that watch each URI */
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
  GHashTable *work;          /* session id -> what is under way on its record (store.c) */
  char       *origin;        /* this process, in what it publishes */
  guint       fanout_depth;  /* inside begin_fanout/end_fanout */
  guint64     update_visits; /* sessions resource updates looked at */
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

/* Server-wide notifications, from the process where they started. */
#define NORTH_MCP_SESSION_MANAGER_BROADCAST_CHANNEL NORTH_MCP_STATE_STORE_PREFIX "broadcast"
/* Responses of clients to requests another process sent. */
#define NORTH_MCP_SESSION_MANAGER_RESPONSES_CHANNEL NORTH_MCP_STATE_STORE_PREFIX "responses"

/* relay.c: a session's relay func (north_mcp_session_set_store_funcs()),
 * and what the two channels above bring. */
void  north_mcp_session_manager_relay           (NorthMcpSession *session,
                                                 JsonNode        *message,
                                                 gpointer         data);
void  north_mcp_session_manager_on_peer_message (const char      *channel,
                                                 GBytes          *message,
                                                 gpointer         user_data);

G_END_DECLS
