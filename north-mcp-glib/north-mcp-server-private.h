/* north-mcp-server-private.h: what the server's own files see of the
 * server (the protocol layer uses NorthMcpProtocolHost, transports
 * NorthMcpTransportHost; north-mcp-server-host.c implements both)
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-server.h"
#include "north-mcp-channel-private.h"
#include "north-mcp-dispatch-private.h"
#include "north-mcp-registry-private.h"
#include "north-mcp-route-table-private.h"

G_BEGIN_DECLS

/* Sessions, for the stateful transports. */
/* A new session owned by @owner's identity (NULL: anonymous), with an
 * unguessable id; NULL and @error when no randomness is available. */
NorthMcpSession *north_mcp_server_open_session    (NorthMcpServer   *self,
                                                   NorthMcpChannel  *standalone,
                                                   NorthMcpUser     *owner,
                                                   GError          **error);
/* The same, anonymous; aborts when there is no randomness (for tests). */
NorthMcpSession *north_mcp_server_create_session  (NorthMcpServer   *self,
                                                   NorthMcpChannel  *standalone);
/* Whether max-sessions live sessions exist (a new one must be refused). */
gboolean         north_mcp_server_sessions_full   (NorthMcpServer  *self);
/* The session @id of whoever asks: no owner check. */
NorthMcpSession *north_mcp_server_lookup_session  (NorthMcpServer  *self,
                                                   const char      *id);
/* The session @id if @user's identity created it, else NULL, exactly as
 * for an unknown id. */
NorthMcpSession *north_mcp_server_find_session    (NorthMcpServer  *self,
                                                   const char      *id,
                                                   NorthMcpUser    *user);
void          north_mcp_server_close_session      (NorthMcpServer  *self,
                                                   NorthMcpSession *session);

/* One request more (@running) or one less that handlers see: what a
 * graceful shutdown waits for. */
void          north_mcp_server_count_request      (NorthMcpServer  *self,
                                                   gboolean         running);
/* The request signals, for NorthMcpProtocolHost. Requests are announced
 * only while somebody watches (a handler of request-started or
 * request-finished); each announced request finishes once. */
gboolean      north_mcp_server_watches_requests   (NorthMcpServer  *self);
void          north_mcp_server_request_started    (NorthMcpServer  *self,
                                                   NorthMcpContext *context);
/* @error: NULL (a result), a NORTH_MCP_JSONRPC_ERROR, or
 * G_IO_ERROR_CANCELLED (nothing sent). */
void          north_mcp_server_request_finished   (NorthMcpServer  *self,
                                                   NorthMcpContext *context,
                                                   const GError    *error);

GMainContext *north_mcp_server_get_main_context   (NorthMcpServer  *self);
/* The server's tracer if one was made (NULL: none, nothing to flush). */
NorthMcpTracer *north_mcp_server_peek_tracer      (NorthMcpServer  *self);
/* path (without trailing slash) -> NorthMcpRoute* */
GHashTable   *north_mcp_server_get_routes         (NorthMcpServer  *self);
/* Logs one line of the debug format to stderr (logger "NorthMCP.<name>")
 * when debug is on. */
void          north_mcp_server_debug              (NorthMcpServer  *self,
                                                   const char      *format,
                                                   ...) G_GNUC_PRINTF (2, 3);
void          north_mcp_server_debug_valist       (NorthMcpServer  *self,
                                                   const char      *format,
                                                   va_list          args) G_GNUC_PRINTF (2, 0);

G_END_DECLS

G_BEGIN_DECLS

/* The registries of the features the server offers, one per kind
 * (north-mcp-server-features.c is the public API over them). */
NorthMcpRegistry       *north_mcp_server_get_registry        (NorthMcpServer       *self,
                                                              NorthMcpRegistryKind  kind);
NorthMcpSessionManager *north_mcp_server_get_session_manager (NorthMcpServer       *self);

/* The loop north_mcp_server_run() runs, quit by north_mcp_server_stop(). */
void          _north_mcp_server_set_loop          (NorthMcpServer  *self,
                                                   GMainLoop       *loop);
/* Closes the sessions idle for longer than the session timeout at @now
 * (monotonic microseconds); returns how many. The server runs it
 * periodically while an HTTP transport serves. */
guint         north_mcp_server_expire_idle_sessions (NorthMcpServer *self,
                                                     gint64          now);
/* Every open session, for notifications to all clients. */
GList        *north_mcp_server_get_sessions       (NorthMcpServer  *self);

G_END_DECLS

G_BEGIN_DECLS

/* The 2026-07-28 revision's state (north-mcp-revision-2026-state.c). */
NorthMcpRevision2026State *north_mcp_server_get_revision_2026 (NorthMcpServer *self);

/* Sockets given to north_mcp_server_listen_socket() (GSocket*), or NULL;
 * whether all of them are on loopback addresses. */
GPtrArray    *north_mcp_server_get_listen_sockets (NorthMcpServer  *self);
gboolean      north_mcp_server_listen_sockets_loopback (NorthMcpServer *self);

G_END_DECLS
