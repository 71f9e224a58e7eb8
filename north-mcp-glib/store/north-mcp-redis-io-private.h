/* north-mcp-redis-io-private.h: a hiredis async context on the GLib main
 * loop, with its replies' size counted against "max-reply-size"
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-redis-client-impl-private.h"

G_BEGIN_DECLS

/* Hooks @ac's events to a new GSource (returned, attached to the client's
 * context, owned by @conn->io) and @ac's reader to size-counting object
 * functions. When hiredis frees @ac, north_mcp_redis_conn_context_gone()
 * runs; a reply bigger than "max-reply-size" fails @conn. */
GSource *north_mcp_redis_io_attach (NorthMcpRedisConn *conn,
                                    redisAsyncContext *ac);

/* Makes @reader count its replies' size against "max-reply-size" (as
 * north_mcp_redis_io_attach() does for the connection's own reader):
 * creating a reply over the limit fails the reader and sets
 * @conn->reply_too_big. */
void     north_mcp_redis_io_count_replies    (NorthMcpRedisConn *conn,
                                              redisReader       *reader);
/* Whether what @reader holds of a reply not yet complete is already over
 * "max-reply-size". */
gboolean north_mcp_redis_io_buffered_too_big (NorthMcpRedisConn *conn,
                                              redisReader       *reader);

G_END_DECLS
