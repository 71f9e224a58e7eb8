/* north-mcp-session-private.h
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-session.h"
#include "north-mcp-channel-private.h"
#include "north-mcp-kept-budget-private.h"
#include "north-mcp-subscription-index-private.h"
#include "north-mcp-user.h"

G_BEGIN_DECLS

NorthMcpSession *north_mcp_session_new                    (const char       *id,
                                                           NorthMcpChannel  *standalone);
void             north_mcp_session_set_protocol_version   (NorthMcpSession  *self,
                                                           const char       *version);
/* What spans show of the session's id: 32 hex digits of its SHA-256
 * (the id itself is a credential). NULL for a session without an id. */
const char      *north_mcp_session_get_trace_digest       (NorthMcpSession  *self);
/* What a session keeps of the client's initialize: its capabilities and
 * clientInfo, together at most this many bytes of memory as
 * north_mcp_json_footprint_up_to() counts it (compact JSON, string escapes
 * not counted, plus NORTH_MCP_JSON_NODE_FOOTPRINT per value). Larger ones
 * are refused (FALSE, @error set to NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS)
 * and nothing is stored. */
#define NORTH_MCP_SESSION_CLIENT_MAX_BYTES (64 * 1024)
gboolean         north_mcp_session_set_client             (NorthMcpSession  *self,
                                                           JsonObject       *capabilities,
                                                           JsonObject       *client_info,
                                                           GError          **error);
/* The identity that created the session (issuer and subject or e-mail of
 * @user, or anonymous for %NULL or a user with neither); only that
 * identity may use it. Kept as a digest, compared in constant time. */
void             north_mcp_session_set_owner              (NorthMcpSession  *self,
                                                           NorthMcpUser     *user);
gboolean         north_mcp_session_is_owner               (NorthMcpSession  *self,
                                                           NorthMcpUser     *user);
/* The owner's digest as such, for a state store shared by processes:
 * the digest of @user's identity, the session's, and whether the two are
 * the same (in constant time). */
#define NORTH_MCP_SESSION_OWNER_DIGEST_LENGTH 32
void             north_mcp_session_owner_digest           (NorthMcpUser     *user,
                                                           guint8            digest[NORTH_MCP_SESSION_OWNER_DIGEST_LENGTH]);
/* The digest as 64 hex digits: the key of what else belongs to an
 * identity (tasks), decided by the same rule as a session's owner. */
char            *north_mcp_session_owner_key              (NorthMcpUser     *user);
gboolean         north_mcp_session_has_owner_digest       (NorthMcpSession  *self,
                                                           const guint8      digest[NORTH_MCP_SESSION_OWNER_DIGEST_LENGTH]);
void             north_mcp_session_get_owner_digest       (NorthMcpSession  *self,
                                                           guint8            digest[NORTH_MCP_SESSION_OWNER_DIGEST_LENGTH]);
void             north_mcp_session_set_owner_digest       (NorthMcpSession  *self,
                                                           const guint8      digest[NORTH_MCP_SESSION_OWNER_DIGEST_LENGTH]);
/* Whose share of max-subscription-bytes what identity @digest keeps
 * counts in (listen streams, resource subscriptions); NULL for anonymous. */
char            *north_mcp_session_identity_share         (const guint8      digest[NORTH_MCP_SESSION_OWNER_DIGEST_LENGTH]);
/* Whether no identity owns the session (an open server's clients). */
gboolean         north_mcp_session_is_anonymous           (NorthMcpSession  *self);
/* A change of what the store keeps of a session (its subscriptions, its
 * log level), made by north_mcp_session_edit(): @edit makes it (FALSE
 * and @error: refused), @edited learns how it went once it is stored. */
typedef gboolean (*NorthMcpSessionEditFunc)               (NorthMcpSession  *session,
                                                           gpointer          data,
                                                           GError          **error);
typedef void     (*NorthMcpSessionEditedFunc)             (NorthMcpSession  *session,
                                                           const GError     *error,
                                                           gpointer          data);
typedef struct _NorthMcpSessionEdit NorthMcpSessionEdit;
/* Makes the change now, or (with a shared state store) on the stored
 * record, read first, and calls @edited once it is stored. */
void             north_mcp_session_edit                   (NorthMcpSession          *self,
                                                           NorthMcpSessionEditFunc   edit,
                                                           NorthMcpSessionEditedFunc edited,
                                                           gpointer                  data,
                                                           GDestroyNotify            destroy);
/* For the store: makes @edit's change; tells @edit's @edited how it
 * went, and frees @edit. */
gboolean         north_mcp_session_edit_apply             (NorthMcpSession          *self,
                                                           NorthMcpSessionEdit      *edit,
                                                           GError                  **error);
void             north_mcp_session_edit_end               (NorthMcpSession          *self,
                                                           NorthMcpSessionEdit      *edit,
                                                           const GError             *error);
/* With a shared state store: @changed_func runs when what the store keeps
 * of the session changes (the log level, the subscriptions); @edit_func
 * takes the edits (north_mcp_session_edit()) and ends each; @relay_func
 * gets the messages for the client's standalone stream while no such
 * stream is open in this process (another one may hold it). */
typedef void     (*NorthMcpSessionFunc)                   (NorthMcpSession  *session,
                                                           gpointer          data);
typedef void     (*NorthMcpSessionEditHook)               (NorthMcpSession     *session,
                                                           NorthMcpSessionEdit *edit,
                                                           gpointer             data);
typedef void     (*NorthMcpSessionRelayFunc)              (NorthMcpSession  *session,
                                                           JsonNode         *message,
                                                           gpointer          data);
void             north_mcp_session_set_store_funcs        (NorthMcpSession          *self,
                                                           NorthMcpSessionFunc       changed_func,
                                                           NorthMcpSessionEditHook   edit_func,
                                                           NorthMcpSessionRelayFunc  relay_func,
                                                           gpointer                  data);
/* How many changes of what the store keeps were made here: a reload of
 * the record begun before the last one answers with what that change
 * replaced. */
guint            north_mcp_session_get_changes            (NorthMcpSession  *self);
/* Hands @message to the relay; FALSE when there is none. */
gboolean         north_mcp_session_relay                  (NorthMcpSession  *self,
                                                           JsonNode         *message);
void             north_mcp_session_set_initialized        (NorthMcpSession  *self,
                                                           gboolean          initialized);
void             north_mcp_session_set_log_level          (NorthMcpSession  *self,
                                                           NorthMcpLogLevel  level);
gboolean         north_mcp_session_get_log_level_set      (NorthMcpSession  *self);
/* The channel for messages unrelated to any request (HTTP GET stream,
 * stdio). May be NULL. */
NorthMcpChannel *north_mcp_session_get_standalone_channel (NorthMcpSession  *self);
void             north_mcp_session_set_standalone_channel (NorthMcpSession  *self,
                                                           NorthMcpChannel  *channel);

/* Server-to-client requests. A session has at most
 * NORTH_MCP_SESSION_MAX_PENDING_REQUESTS of them waiting for an answer
 * (each holds its caller's task and a timeout until then, and a client
 * that never answers would have them pile up); beyond that @task fails
 * with NORTH_MCP_ERROR_LIMIT_EXCEEDED and nothing is sent; likewise when
 * the channel is full (north_mcp_channel_is_full()). */
#define NORTH_MCP_SESSION_MAX_PENDING_REQUESTS 64
/* Sends on @channel (or the standalone channel
 * when @channel cannot stream) and completes @task, the caller's, with
 * the client's `result` (a JsonNode) when it answers, or with an error
 * (the client's, the timeout, the task's cancellable or
 * @call_cancellable — that of the request that makes it —, the session's
 * end). When the timeout or either cancellable ends it, the client is
 * sent `notifications/cancelled` for it. Call it on the session's main
 * context; the cancellables may be cancelled from any thread, the request
 * ends on that context all the same. */
void             north_mcp_session_send_request           (NorthMcpSession     *self,
                                                           NorthMcpChannel     *channel,
                                                           const char          *method,
                                                           JsonObject          *params,
                                                           guint                timeout_ms,
                                                           GCancellable        *call_cancellable,
                                                           GTask               *task);
/* How many requests to the client wait for their answer. */
guint            north_mcp_session_get_pending_count      (NorthMcpSession     *self);
/* A response from the client; returns FALSE if no request has that id. */
gboolean         north_mcp_session_resolve_response       (NorthMcpSession     *self,
                                                           JsonNode            *response);
/* In-flight client requests, for notifications/cancelled. An id stays
 * with the first running request that has it. */
void             north_mcp_session_add_in_flight          (NorthMcpSession     *self,
                                                           JsonNode            *id,
                                                           GCancellable        *cancellable);
/* Forgets @id's request if @cancellable is its: a client may reuse an id
 * while a request with it still runs, and the older one's end must not
 * take the newer one out of reach of notifications/cancelled. */
void             north_mcp_session_remove_in_flight       (NorthMcpSession     *self,
                                                           JsonNode            *id,
                                                           GCancellable        *cancellable);
void             north_mcp_session_cancel_in_flight       (NorthMcpSession     *self,
                                                           JsonNode            *id);
/* resources/subscribe and unsubscribe. A session keeps at most
 * NORTH_MCP_SESSION_MAX_SUBSCRIPTIONS URIs of at most
 * NORTH_MCP_SESSION_MAX_SUBSCRIPTION_URI bytes, and at most
 * NORTH_MCP_SESSION_MAX_SUBSCRIPTION_BYTES of them all together:
 * subscribing returns FALSE beyond any (what a client asks to watch is its
 * memory in ours; the count and size alone would let every session keep
 * 4 MiB). A listen stream of the 2026-07-28 revision is bounded alike.
 * Subscribing fails too (NORTH_MCP_JSONRPC_ERROR_INTERNAL_ERROR) when the
 * session's kept budget, shared by all sessions, is full. */
#define NORTH_MCP_SESSION_MAX_SUBSCRIPTIONS       1024
#define NORTH_MCP_SESSION_MAX_SUBSCRIPTION_URI    4096
#define NORTH_MCP_SESSION_MAX_SUBSCRIPTION_BYTES  65536
gboolean         north_mcp_session_subscribe              (NorthMcpSession     *self,
                                                           const char          *uri,
                                                           GError             **error);
gboolean         north_mcp_session_unsubscribe            (NorthMcpSession     *self,
                                                           const char          *uri);
/* The URIs, as new strings; and replacing them all (the state store's
 * copy; entries beyond the limits or the kept budget are dropped, in
 * @uris' order: returns how many of @uris were). */
GPtrArray       *north_mcp_session_get_subscriptions      (NorthMcpSession     *self);
guint            north_mcp_session_set_subscriptions      (NorthMcpSession     *self,
                                                           GPtrArray           *uris);
/* Where the URIs count from now on, with the listen streams of all
 * sessions (max-subscription-bytes; NULL: nowhere, as over stdio); those
 * watched already move there, as far as they fit: returns how many did
 * not (the session no longer watches them). */
guint            north_mcp_session_set_kept_budget        (NorthMcpSession     *self,
                                                           NorthMcpKeptBudget  *kept);
/* Where the URIs are found by the updates of each (the session manager's
 * index; NULL: nowhere); those watched already move there. */
void             north_mcp_session_set_subscription_index (NorthMcpSession           *self,
                                                           NorthMcpSubscriptionIndex *index);
/* Idle tracking for expiry: every message received touches the session;
 * it is busy while a request of it runs, a request to its client waits,
 * or its standalone stream is open. Times are monotonic microseconds. */
void             north_mcp_session_touch                  (NorthMcpSession     *self);
gint64           north_mcp_session_get_last_activity      (NorthMcpSession     *self);
void             north_mcp_session_set_last_activity      (NorthMcpSession     *self,
                                                           gint64               when);
gboolean         north_mcp_session_is_busy                (NorthMcpSession     *self);
/* Ends the session: fails pending requests, cancels in-flight ones. */
void             north_mcp_session_close                  (NorthMcpSession     *self);
/* The client can no longer answer (a stdio client's input ended): its
 * requests waiting for an answer fail, and so do those sent after. */
void             north_mcp_session_end_answers            (NorthMcpSession     *self);

G_END_DECLS
