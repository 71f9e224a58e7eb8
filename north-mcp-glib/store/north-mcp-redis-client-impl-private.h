/* north-mcp-redis-client-impl-private.h: the structures shared by the
 * files of NorthMcpRedisClient (client, connection, I/O, commands, pub/sub)
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <hiredis/hiredis.h>
#include <hiredis/async.h>

#include "north-mcp-redis-client-private.h"

G_BEGIN_DECLS

#define NORTH_MCP_REDIS_LOGGER "NorthMCP.Store"

typedef struct _NorthMcpRedisConn NorthMcpRedisConn;

/* One connection: commands, or pub/sub. */
struct _NorthMcpRedisConn {
  NorthMcpRedisClient *client;
  gboolean is_sub;
  redisAsyncContext *ac;
  /* The GSource of north_mcp_redis_io_attach(). */
  GSource *io;
  /* Redis answered the handshake: commands may be sent. */
  gboolean ready;
  /* A warning about this connection being down was logged (at
   * warned_at, monotonic µs), and how many attempts failed since. */
  gboolean warned;
  gint64 warned_at;
  guint failures;
  /* Since its handshake, the connection answered a command or stayed up
   * long enough (see north-mcp-redis-conn.c); healthy_source fires then. */
  gboolean proven;
  GSource *healthy_source;
  gboolean reply_too_big;
  /* Redis sent a reply no command waits for, or a malformed pub/sub one
   * (see north-mcp-redis-io.c). */
  gboolean reply_unexpected;
  guint backoff_ms;
  GSource *retry_source;
  GCancellable *resolve_cancellable;
  /* Addresses of the name not tried yet in this attempt (char *). */
  GQueue next_ips;
  /* Monotonic time (µs) by which the handshake must be done; 0: none. */
  gint64 connect_deadline;
  /* Commands in flight (NorthMcpRedisOp), oldest first: Redis answers in
   * order, so the head has the earliest deadline. */
  GQueue ops;
  /* Fires at the next deadline (connect or head command). */
  GSource *watchdog;
  /* Bytes of the reply being parsed (see north-mcp-redis-io.c). */
  gsize reply_bytes;
  redisReplyObjectFunctions *default_fn;
  redisReplyObjectFunctions counting_fn;
};

struct _NorthMcpRedisClient
{
  GObject parent_instance;

  GMainContext *context;
  char *host;
  guint port;
  guint db;
  guint command_timeout_ms;
  guint max_in_flight;
  guint max_reply_size;
  guint max_unsent_size;
  guint heartbeat_interval_ms;
  /* Of the "still down" reminders (north_mcp_redis_client_set_warn_interval()). */
  guint warn_interval_ms;
  gboolean disposed;

  NorthMcpRedisConn cmd;
  NorthMcpRedisConn sub;
  gboolean sub_started;

  /* The pub/sub connection's heartbeat (north-mcp-redis-pubsub.c): a
   * message on a channel of this client's own, published every
   * "heartbeat-interval" on the command connection. */
  char *heartbeat_channel;
  GSource *heartbeat;
  /* 64 bits: at the shortest interval a 32-bit count wraps in 16 months,
   * and then no heartbeat is ever awaited again. */
  guint64 heartbeat_sent;     /* number of the last one published */
  guint64 heartbeat_seen;     /* number of the last one received */
  gboolean heartbeat_publishing;
  gint64 heartbeat_awaited;   /* when Redis took the last one (µs); 0: none */

  /* id -> NorthMcpRedisSubscription */
  GHashTable *subscriptions;
  /* channel -> GArray of ids */
  GHashTable *channels;
  guint next_subscription_id;
};

/* A command in flight, in its connection's "ops". */
typedef struct {
  GList link;
  NorthMcpRedisConn *conn;
  /* NULL once the caller was answered (cancelled): the reply is dropped. */
  GTask *task;
  gint64 deadline;
  GSource *cancel_source;
} NorthMcpRedisOp;

/* Notifies "connected" (the command connection's readiness changed). */
void north_mcp_redis_client_notify_connected (NorthMcpRedisClient *self);

G_END_DECLS
