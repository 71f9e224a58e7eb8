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
#include "north-mcp-session.h"
#include "north-mcp-user.h"

G_BEGIN_DECLS

typedef struct _NorthMcpSessionManager NorthMcpSessionManager;

NorthMcpSessionManager *north_mcp_session_manager_new         (void);
void             north_mcp_session_manager_free               (NorthMcpSessionManager *self);

guint            north_mcp_session_manager_get_max_sessions   (NorthMcpSessionManager *self);
void             north_mcp_session_manager_set_max_sessions   (NorthMcpSessionManager *self,
                                                               guint                   max_sessions);
guint            north_mcp_session_manager_get_timeout        (NorthMcpSessionManager *self);
void             north_mcp_session_manager_set_timeout        (NorthMcpSessionManager *self,
                                                               guint                   timeout_s);

/* A new session with a random id, bound to @owner (NULL: anonymous). */
NorthMcpSession *north_mcp_session_manager_open               (NorthMcpSessionManager *self,
                                                               NorthMcpChannel        *standalone,
                                                               NorthMcpUser           *owner,
                                                               GError                **error);
gboolean         north_mcp_session_manager_is_full            (NorthMcpSessionManager *self);
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

G_END_DECLS
