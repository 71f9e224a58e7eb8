/* north-mcp-redis-conn-private.h: one connection of NorthMcpRedisClient:
 * URI, name resolution, connection, handshake, deadlines and reconnection
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-redis-client-impl-private.h"

G_BEGIN_DECLS

/* redis://HOST[:PORT][/DB] (see north_mcp_redis_client_new()); errors
 * never repeat the URI. */
gboolean north_mcp_redis_parse_uri                (const char            *uri,
                                                   char                 **host_out,
                                                   guint                 *port_out,
                                                   guint                 *db_out,
                                                   GError               **error);

void     north_mcp_redis_conn_init                (NorthMcpRedisConn     *conn,
                                                   NorthMcpRedisClient   *client,
                                                   gboolean               is_sub);
/* Starts connecting, and reconnecting until closed. */
void     north_mcp_redis_conn_open                (NorthMcpRedisConn     *conn);
void     north_mcp_redis_conn_close               (NorthMcpRedisConn     *conn);
/* Drops the connection (in-flight commands fail with UNAVAILABLE) or the
 * attempt in progress; a retry follows unless disposed. @reason, if not
 * NULL, is logged (once per lost connection). */
void     north_mcp_redis_conn_fail                (NorthMcpRedisConn     *conn,
                                                   const char            *reason);
/* hiredis freed the connection's context. */
void     north_mcp_redis_conn_context_gone        (NorthMcpRedisConn     *conn);
/* Re-arms the watchdog after the handshake or the oldest command changed. */
void     north_mcp_redis_conn_watchdog_update     (NorthMcpRedisConn     *conn);

/* A hiredis reply as a NorthMcpRedisReply; NULL with
 * NORTH_MCP_REDIS_ERROR_REPLY for an error reply, also one inside an
 * array. */
NorthMcpRedisReply *north_mcp_redis_reply_convert (const redisReply  *r,
                                                   GError           **error);

G_END_DECLS
