/* north-mcp-redis-pubsub.c: NorthMcpRedisClient's subscriptions, on its
 * pub/sub connection
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-redis-conn-private.h"
#include "north-mcp-redis-pubsub-private.h"
#include "north-mcp-util-private.h"

struct _NorthMcpRedisSubscription {
  guint id;
  char *channel;
  NorthMcpRedisMessageFunc func;
  gpointer user_data;
  GDestroyNotify destroy;
};

static void sub_message_cb (redisAsyncContext *ac, void *reply, void *privdata);

void
north_mcp_redis_subscription_free (NorthMcpRedisSubscription *sub)
{
  if (sub->destroy != NULL)
    sub->destroy (sub->user_data);
  g_free (sub->channel);
  g_free (sub);
}

static void
send_subscribe (NorthMcpRedisConn  *conn,
                const char        **channels,
                guint               n)
{
  g_autofree const char **argv = g_new (const char *, n + 1);

  argv[0] = "SUBSCRIBE";
  memcpy (argv + 1, channels, n * sizeof (char *));
  redisAsyncCommandArgv (conn->ac, sub_message_cb, conn, (int) n + 1, argv, NULL);
}

void
north_mcp_redis_pubsub_resubscribe (NorthMcpRedisConn *conn)
{
  GHashTable *channels = conn->client->channels;

  if (g_hash_table_size (channels) > 0)
    {
      guint n;
      g_autofree const char **names = (const char **) g_hash_table_get_keys_as_array (channels, &n);

      send_subscribe (conn, names, n);
    }
}

static void
sub_message_cb (redisAsyncContext *ac,
                void              *reply,
                void              *privdata)
{
  NorthMcpRedisConn *conn = privdata;
  NorthMcpRedisClient *self = conn->client;
  redisReply *r = reply;
  GArray *ids;
  g_autoptr(GArray) snapshot = NULL;
  g_autoptr(GBytes) message = NULL;
  const char *channel;

  conn->reply_bytes = 0;
  if (r == NULL || self->disposed || r->type != REDIS_REPLY_ARRAY || r->elements != 3
      || r->element[0]->type != REDIS_REPLY_STRING || strcmp (r->element[0]->str, "message") != 0
      || r->element[1]->type != REDIS_REPLY_STRING || r->element[2]->type != REDIS_REPLY_STRING)
    return;
  channel = r->element[1]->str;
  ids = g_hash_table_lookup (self->channels, channel);
  if (ids == NULL)
    return;
  /* A callback may (un)subscribe: walk a copy, skip who left. */
  snapshot = g_array_copy (ids);
  message = g_bytes_new (r->element[2]->str, r->element[2]->len);
  for (guint i = 0; i < snapshot->len; i++)
    {
      guint id = g_array_index (snapshot, guint, i);
      NorthMcpRedisSubscription *sub = g_hash_table_lookup (self->subscriptions, GUINT_TO_POINTER (id));

      if (sub != NULL)
        sub->func (channel, message, sub->user_data);
    }
}

/* --- the heartbeat ---
 *
 * Nothing is ever written on the pub/sub connection once it subscribed,
 * so a Redis host that died, or a NAT that forgot the idle connection,
 * leaves it open and silent for good: every message since is lost. So the
 * client publishes, now and then, on a channel of its own: once Redis has
 * taken one (PUBLISH counted a subscriber), the message must arrive within
 * "command-timeout", or the connection is dropped and made again. */

static void
heartbeat_received (const char *channel,
                    GBytes     *message,
                    gpointer    user_data)
{
  NorthMcpRedisClient *self = user_data;
  g_autofree char *text = g_strndup (g_bytes_get_data (message, NULL), g_bytes_get_size (message));
  guint64 number = 0;

  if (!g_ascii_string_to_unsigned (text, 10, 1, G_MAXUINT64, &number, NULL))
    return;
  self->heartbeat_seen = MAX (self->heartbeat_seen, number);
  if (self->heartbeat_seen >= self->heartbeat_sent)
    self->heartbeat_awaited = 0;
}

static void
heartbeat_published (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  NorthMcpRedisClient *self = NORTH_MCP_REDIS_CLIENT (source);
  g_autoptr(NorthMcpRedisReply) reply = north_mcp_redis_client_command_finish (self, result, NULL);
  /* One is published at a time: this one. */
  guint64 number = self->heartbeat_sent;

  self->heartbeat_publishing = FALSE;
  /* Not taken (no connection, no subscriber yet): nothing to wait for. */
  if (reply == NULL || self->disposed || !self->sub.ready || north_mcp_redis_reply_get_integer (reply) < 1 ||
      self->heartbeat_seen >= number)
    return;
  self->heartbeat_awaited = g_get_monotonic_time ();
}

static gboolean
heartbeat_tick (gpointer user_data)
{
  NorthMcpRedisClient *self = user_data;
  g_autofree char *number = NULL;

  if (!self->sub.ready)
    self->heartbeat_awaited = 0;
  if (self->heartbeat_awaited != 0)
    {
      if (g_get_monotonic_time () - self->heartbeat_awaited >= (gint64) self->command_timeout_ms * 1000)
        {
          self->heartbeat_awaited = 0;
          north_mcp_redis_conn_fail (&self->sub, "no heartbeat in time; taking the connection as hung");
        }
      return G_SOURCE_CONTINUE;
    }
  if (!self->sub.ready || !self->cmd.ready || self->heartbeat_publishing)
    return G_SOURCE_CONTINUE;

  number = g_strdup_printf ("%" G_GUINT64_FORMAT, ++self->heartbeat_sent);
  self->heartbeat_publishing = TRUE;
  north_mcp_redis_client_commandv_async (self, NULL, heartbeat_published, NULL,
                                         "PUBLISH", self->heartbeat_channel, number, NULL);
  return G_SOURCE_CONTINUE;
}

static void
heartbeat_start (NorthMcpRedisClient *self)
{
  self->heartbeat_channel = g_strdup_printf ("north-mcp-redis-client:heartbeat:%08x%08x",
                                             g_random_int (), g_random_int ());
  north_mcp_redis_client_subscribe (self, self->heartbeat_channel, heartbeat_received, self, NULL);
  self->heartbeat = g_timeout_source_new (self->heartbeat_interval_ms);
  g_source_set_static_name (self->heartbeat, "NorthMcpRedisClient heartbeat");
  /* After the connections' I/O: a main loop that was busy for longer than
   * command-timeout reads what arrived meanwhile before it judges. */
  g_source_set_priority (self->heartbeat, G_PRIORITY_LOW);
  g_source_set_callback (self->heartbeat, heartbeat_tick, self, NULL);
  g_source_attach (self->heartbeat, self->context);
}

void
north_mcp_redis_pubsub_stop (NorthMcpRedisClient *self)
{
  if (self->heartbeat != NULL)
    {
      g_source_destroy (self->heartbeat);
      g_clear_pointer (&self->heartbeat, g_source_unref);
    }
  g_clear_pointer (&self->heartbeat_channel, g_free);
}

guint
north_mcp_redis_client_subscribe (NorthMcpRedisClient      *self,
                                  const char               *channel,
                                  NorthMcpRedisMessageFunc  func,
                                  gpointer                  user_data,
                                  GDestroyNotify            destroy)
{
  NorthMcpRedisSubscription *sub;
  GArray *ids;

  g_return_val_if_fail (NORTH_MCP_IS_REDIS_CLIENT (self), 0);
  g_return_val_if_fail (channel != NULL, 0);
  g_return_val_if_fail (func != NULL, 0);
  g_return_val_if_fail (!self->disposed, 0);

  sub = g_new0 (NorthMcpRedisSubscription, 1);
  /* Ids wrap after G_MAXUINT subscriptions (one per session watched). */
  sub->id = north_mcp_next_free_id (&self->next_subscription_id, self->subscriptions);
  sub->channel = g_strdup (channel);
  sub->func = func;
  sub->user_data = user_data;
  sub->destroy = destroy;
  g_hash_table_insert (self->subscriptions, GUINT_TO_POINTER (sub->id), sub);

  ids = g_hash_table_lookup (self->channels, channel);
  if (ids == NULL)
    {
      ids = g_array_new (FALSE, FALSE, sizeof (guint));
      g_hash_table_insert (self->channels, g_strdup (channel), ids);
      if (self->sub.ready)
        send_subscribe (&self->sub, &channel, 1);
    }
  g_array_append_val (ids, sub->id);

  if (!self->sub_started)
    {
      self->sub_started = TRUE;
      heartbeat_start (self);
      north_mcp_redis_conn_open (&self->sub);
    }
  return sub->id;
}

void
north_mcp_redis_client_unsubscribe (NorthMcpRedisClient *self,
                                    guint                id)
{
  NorthMcpRedisSubscription *sub;
  GArray *ids;

  g_return_if_fail (NORTH_MCP_IS_REDIS_CLIENT (self));

  if (!g_hash_table_steal_extended (self->subscriptions, GUINT_TO_POINTER (id), NULL, (gpointer *) &sub))
    {
      g_critical ("%s: no subscription %u", G_STRFUNC, id);
      return;
    }
  ids = g_hash_table_lookup (self->channels, sub->channel);
  for (guint i = 0; ids != NULL && i < ids->len; i++)
    {
      if (g_array_index (ids, guint, i) == id)
        {
          g_array_remove_index (ids, i);
          break;
        }
    }
  if (ids != NULL && ids->len == 0)
    {
      if (self->sub.ready)
        {
          const char *argv[] = { "UNSUBSCRIBE", sub->channel };

          redisAsyncCommandArgv (self->sub.ac, NULL, NULL, 2, argv, NULL);
        }
      g_hash_table_remove (self->channels, sub->channel);
    }
  north_mcp_redis_subscription_free (sub);
}

void
north_mcp_redis_client_set_next_subscription_id (NorthMcpRedisClient *self,
                                                 guint                id)
{
  g_return_if_fail (NORTH_MCP_IS_REDIS_CLIENT (self));

  self->next_subscription_id = id - 1;
}

void
north_mcp_redis_client_set_heartbeat_count (NorthMcpRedisClient *self,
                                            guint64              count)
{
  g_return_if_fail (NORTH_MCP_IS_REDIS_CLIENT (self));

  self->heartbeat_sent = count;
  self->heartbeat_seen = count;
}
