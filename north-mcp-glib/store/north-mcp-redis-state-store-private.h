/* north-mcp-redis-state-store-private.h: the state store in Redis
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-state-store-private.h"

G_BEGIN_DECLS

/* A store in the Redis server at @uri (redis://HOST:PORT[/DB]); it connects
 * in the background and reconnects by itself. NULL and @error
 * (G_IO_ERROR_INVALID_ARGUMENT) for a URI it cannot use. */
NorthMcpStateStore *north_mcp_redis_state_store_new (const char  *uri,
                                                     GError     **error);

G_END_DECLS
