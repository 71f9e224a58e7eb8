/* north-mcp-subscription-index-private.h: the sessions of a server that
 * watch each URI (resources/subscribe), so that an update of one URI
 * costs its subscribers, not every session; the same for the listen
 * streams of the 2026-07-28 revision (north-mcp-revision-2026-state.c)
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Shared by the session manager and its sessions, either of which may
 * outlive the other: reference counted. A session may be let go of on a
 * handler's thread: any thread. Sessions are not held; each takes itself
 * out (north_mcp_subscription_index_remove()) before it is freed. It holds
 * one entry per subscription, which the limits of subscriptions bound
 * (north-mcp-session-private.h), and a copy of each URI watched. */
typedef struct _NorthMcpSubscriptionIndex NorthMcpSubscriptionIndex;

NorthMcpSubscriptionIndex *north_mcp_subscription_index_new    (void);
NorthMcpSubscriptionIndex *north_mcp_subscription_index_ref    (NorthMcpSubscriptionIndex *self);
void                       north_mcp_subscription_index_unref  (NorthMcpSubscriptionIndex *self);
void                       north_mcp_subscription_index_add    (NorthMcpSubscriptionIndex *self,
                                                                const char                *uri,
                                                                gpointer                   session);
void                       north_mcp_subscription_index_remove (NorthMcpSubscriptionIndex *self,
                                                                const char                *uri,
                                                                gpointer                   session);
/* The ids of the sessions that watch @uri (new strings), with the
 * sessions in @sessions (not held: a session of the id may be another
 * copy, or gone; look the id up where sessions are held). */
GPtrArray                 *north_mcp_subscription_index_lookup (NorthMcpSubscriptionIndex *self,
                                                                const char                *uri,
                                                                GPtrArray                 *sessions);
/* The watchers of @uri, each with a new reference: for watchers that are
 * objects, only ever let go of on the thread that calls this (listen
 * streams, on the server's main context). */
GPtrArray                 *north_mcp_subscription_index_dup_objects (NorthMcpSubscriptionIndex *self,
                                                                     const char                *uri);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NorthMcpSubscriptionIndex, north_mcp_subscription_index_unref)

G_END_DECLS
