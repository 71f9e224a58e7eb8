/* north-mcp-redis-pubsub-private.h: the subscriptions of
 * NorthMcpRedisClient, on its pub/sub connection
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-redis-client-impl-private.h"

G_BEGIN_DECLS

typedef struct _NorthMcpRedisSubscription NorthMcpRedisSubscription;

/* Runs the subscription's GDestroyNotify. */
void north_mcp_redis_subscription_free  (NorthMcpRedisSubscription *sub);
/* After the pub/sub connection's handshake: subscribes to every channel
 * that has a subscription. */
void north_mcp_redis_pubsub_resubscribe (NorthMcpRedisConn         *conn);
/* Ends the heartbeat (dispose). */
void north_mcp_redis_pubsub_stop        (NorthMcpRedisClient       *self);

G_END_DECLS
