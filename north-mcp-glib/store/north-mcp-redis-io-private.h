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

G_END_DECLS
