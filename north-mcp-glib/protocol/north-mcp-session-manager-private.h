/* north-mcp-session-manager-private.h: the live sessions of one server
 *
 * Owns the sessions by id, the identity each one is bound to (issue 10),
 * the max-sessions limit and the idle expiry timer. The server holds one
 * and keeps only its public properties; transports reach it through the
 * server's private session functions.
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>

#include "north-mcp-channel-private.h"
#include "north-mcp-kept-budget-private.h"
#include "north-mcp-subscription-index-private.h"
#include "north-mcp-state-store-private.h"
#include "north-mcp-session.h"
#include "north-mcp-user.h"
#include "north-mcp-server.h"

G_BEGIN_DECLS

typedef struct _NorthMcpSessionManager NorthMcpSessionManager;

NorthMcpSessionManager *north_mcp_session_manager_new         (void);
void             north_mcp_session_manager_free               (NorthMcpSessionManager *self);

guint            north_mcp_session_manager_get_max_sessions   (NorthMcpSessionManager *self);
void             north_mcp_session_manager_set_max_sessions   (NorthMcpSessionManager *self,
                                                               guint                   max_sessions);
/* max-sessions-per-identity: the live sessions one identified owner may
 * have in this process (anonymous ones are covered by max-sessions). */
guint            north_mcp_session_manager_get_max_per_owner  (NorthMcpSessionManager *self);
void             north_mcp_session_manager_set_max_per_owner  (NorthMcpSessionManager *self,
                                                               guint                   max_per_owner);
/* max-subscription-bytes: what the listen streams of the server and the
 * resource subscriptions of its sessions keep, together (the sessions
 * take their share when inserted). */
NorthMcpKeptBudget *north_mcp_session_manager_get_kept_budget (NorthMcpSessionManager *self);
guint            north_mcp_session_manager_get_timeout        (NorthMcpSessionManager *self);
void             north_mcp_session_manager_set_timeout        (NorthMcpSessionManager *self,
                                                               guint                   timeout_s);

/* A new session with a random id, bound to @owner (NULL: anonymous). */
NorthMcpSession *north_mcp_session_manager_open               (NorthMcpSessionManager *self,
                                                               NorthMcpChannel        *standalone,
                                                               NorthMcpUser           *owner,
                                                               GError                **error);
gboolean         north_mcp_session_manager_is_full            (NorthMcpSessionManager *self);
/* Whether identified @owner has max-per-owner sessions here; if so, @idle
 * is its least recently active session that is not busy (transfer full;
 * NULL when every one of them is busy). */
gboolean         north_mcp_session_manager_owner_is_full      (NorthMcpSessionManager *self,
                                                               NorthMcpUser           *owner,
                                                               NorthMcpSession       **idle);
NorthMcpSession *north_mcp_session_manager_lookup             (NorthMcpSessionManager *self,
                                                               const char             *id);
NorthMcpSession *north_mcp_session_manager_find               (NorthMcpSessionManager *self,
                                                               const char             *id,
                                                               NorthMcpUser           *user);
void             north_mcp_session_manager_close              (NorthMcpSessionManager *self,
                                                               NorthMcpSession        *session);
void             north_mcp_session_manager_close_all          (NorthMcpSessionManager *self);
GList           *north_mcp_session_manager_get_sessions       (NorthMcpSessionManager *self);
/* For notifications to every session without copying the list. */
/* The sessions that watch each URI (they are found there once inserted;
 * one that left the manager may still be: look its id up). */
NorthMcpSubscriptionIndex *north_mcp_session_manager_get_subscribers (NorthMcpSessionManager *self);
/* How many sessions the fan-outs of resource updates looked at (tests
 * count the work of one), and counting one more. */
guint64          north_mcp_session_manager_get_update_visits  (NorthMcpSessionManager *self);
void             north_mcp_session_manager_count_update_visit (NorthMcpSessionManager *self);
void             north_mcp_session_manager_iter_init          (NorthMcpSessionManager *self,
                                                               GHashTableIter         *iter);

/* The sessions idle for longer than the timeout at @now (monotonic µs),
 * new references, not yet closed; busy ones count as active now. */
GPtrArray       *north_mcp_session_manager_take_idle          (NorthMcpSessionManager *self,
                                                               gint64                  now);
/* (Re)starts the expiry timer on @context calling @func (NULL context or a
 * 0 timeout: stops it). */
void             north_mcp_session_manager_schedule_expiry    (NorthMcpSessionManager *self,
                                                               GMainContext           *context,
                                                               GSourceFunc             func,
                                                               gpointer                data);
void             north_mcp_session_manager_stop_expiry        (NorthMcpSessionManager *self);

/* The state store (issue 15). Without one, or with the in-process store,
 * sessions live in this process only and none of the functions below
 * costs anything. With a shared store a session's record (owner digest,
 * protocol version, client capabilities and info, log level) is kept in
 * the store under NORTH_MCP_STATE_STORE_PREFIX "session:<id>" for the
 * session timeout (refreshed while the session is used), so that every
 * process sharing the store serves it. */
#define NORTH_MCP_STATE_STORE_PREFIX "north-mcp:"
/* The object data under which a session shared in a store holds it. */
#define NORTH_MCP_SESSION_STATE_STORE_KEY "north-mcp-state-store"
void             north_mcp_session_manager_set_store          (NorthMcpSessionManager *self,
                                                               NorthMcpStateStore     *store);
NorthMcpStateStore *north_mcp_session_manager_get_store       (NorthMcpSessionManager *self);
/* The server's state-store property: a URI, NULL for this process only. */
const char      *north_mcp_session_manager_get_store_uri      (NorthMcpSessionManager *self);
void             north_mcp_session_manager_set_store_uri      (NorthMcpSessionManager *self,
                                                               const char             *uri);
/* When an HTTP transport starts: the store of the URI (FALSE and @error
 * for a URI that names none); when it stops: none. */
gboolean         north_mcp_session_manager_open_store         (NorthMcpSessionManager *self,
                                                               GError                **error);
void             north_mcp_session_manager_close_store        (NorthMcpSessionManager *self);
gboolean         north_mcp_session_manager_is_shared          (NorthMcpSessionManager *self);
/* Whether @id has the form of our session ids (32 lower-case hex digits):
 * nothing else is looked up in a shared store. */
gboolean         north_mcp_session_id_is_valid                (const char             *id);
/* Stores the record of @session (after a successful initialize). An
 * identified owner's session takes a place among its identity's
 * sessions in the store, which every process counts against
 * max-sessions-per-identity: beyond it nothing is stored and finish
 * fails with G_IO_ERROR_TOO_MANY_OPEN_FILES (the transport answers 429,
 * as for a process over the limit by itself). Not without a session
 * timeout: then each process counts only its own. */
void             north_mcp_session_manager_save_async         (NorthMcpSessionManager *self,
                                                               NorthMcpSession        *session,
                                                               GCancellable           *cancellable,
                                                               GAsyncReadyCallback     callback,
                                                               gpointer                user_data);
gboolean         north_mcp_session_manager_save_finish        (NorthMcpSessionManager *self,
                                                               GAsyncResult           *result,
                                                               GError                **error);
/* Session @id as the store has it now, if @user's identity owns it: a
 * copy held here is confirmed (its record's expiry pushed back; gone from
 * the store, it ends here too, since a DELETE answered elsewhere may still
 * be on its way to this process), another one is loaded and made live
 * here. Finish returns it (transfer full), or NULL without an error when
 * the store has no such session of this identity, or NULL with
 * NORTH_MCP_STATE_STORE_ERROR_UNAVAILABLE (only for a session not held
 * here: a held copy serves while the store is down), or
 * NORTH_MCP_ERROR_FAILED when this process has max-sessions live
 * sessions. */
void             north_mcp_session_manager_restore_async      (NorthMcpSessionManager *self,
                                                               const char             *id,
                                                               NorthMcpUser           *user,
                                                               GCancellable           *cancellable,
                                                               GAsyncReadyCallback     callback,
                                                               gpointer                user_data);
NorthMcpSession *north_mcp_session_manager_restore_finish     (NorthMcpSessionManager *self,
                                                               GAsyncResult           *result,
                                                               GError                **error);
/* Ends @session everywhere: deletes its record (and its place among the
 * sessions of its identity) and tells every process to drop its copy. */
void             north_mcp_session_manager_forget_async       (NorthMcpSessionManager *self,
                                                               NorthMcpSession        *session,
                                                               GCancellable           *cancellable,
                                                               GAsyncReadyCallback     callback,
                                                               gpointer                user_data);
gboolean         north_mcp_session_manager_forget_finish      (NorthMcpSessionManager *self,
                                                               GAsyncResult           *result,
                                                               GError                **error);
/* The session was used: its record lives another session timeout (sent
 * at most once a second per session; failures are ignored). */
void             north_mcp_session_manager_touch              (NorthMcpSessionManager *self,
                                                               NorthMcpSession        *session);

/* Messages for a client's standalone stream that another process holds.
 * The process that holds a session's GET stream watches the session's
 * stream channel; others relay notifications of that session there. */
void             north_mcp_session_manager_watch_stream       (NorthMcpSessionManager *self,
                                                               NorthMcpSession        *session);
void             north_mcp_session_manager_unwatch_stream     (NorthMcpSessionManager *self,
                                                               const char             *id);

/* Server-wide notifications (list_changed, resources/updated, server
 * logs) reach the clients of every process: a fan-out over this process's
 * sessions is bracketed by begin/end. begin publishes @payload (a JSON
 * object the server's broadcast func understands; NULL: nothing) to the
 * other processes unless this fan-out was started by one of them; until
 * end, notifications for streams held by other processes are not relayed
 * (they run the same fan-out). */
typedef void     (*NorthMcpSessionManagerBroadcastFunc)       (JsonObject             *payload,
                                                               gpointer                data);
void             north_mcp_session_manager_set_broadcast_func (NorthMcpSessionManager *self,
                                                               NorthMcpSessionManagerBroadcastFunc func,
                                                               gpointer                data);
void             north_mcp_session_manager_begin_fanout       (NorthMcpSessionManager *self,
                                                               JsonObject             *payload);
void             north_mcp_session_manager_end_fanout         (NorthMcpSessionManager *self);

/* A client's response to a request of the server that this process did
 * not send: handed to the process that waits for it. FALSE when there is
 * none to hand it to. */
gboolean         north_mcp_session_manager_route_response     (NorthMcpSessionManager *self,
                                                               NorthMcpSession        *session,
                                                               JsonNode               *response);

G_END_DECLS
