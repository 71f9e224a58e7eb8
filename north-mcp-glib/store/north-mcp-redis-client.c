/* north-mcp-redis-client.c: an asynchronous Redis client on the GLib main
 * loop, on hiredis 0.14's async context and reply parser. This file has the
 * object; its connections are in north-mcp-redis-conn.c (and -io.c), its
 * commands in north-mcp-redis-command.c, its subscriptions in
 * north-mcp-redis-pubsub.c.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-redis-conn-private.h"
#include "north-mcp-redis-pubsub-private.h"

G_DEFINE_QUARK (north-mcp-redis-error-quark, north_mcp_redis_error)

enum {
  PROP_0,
  PROP_CONNECTED,
  PROP_COMMAND_TIMEOUT,
  PROP_MAX_IN_FLIGHT,
  PROP_MAX_REPLY_SIZE,
  PROP_MAX_UNSENT_SIZE,
  PROP_HEARTBEAT_INTERVAL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (NorthMcpRedisClient, north_mcp_redis_client, G_TYPE_OBJECT)

void
north_mcp_redis_client_notify_connected (NorthMcpRedisClient *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTED]);
}

NorthMcpRedisClient *
north_mcp_redis_client_new (const char  *uri,
                            GError     **error)
{
  NorthMcpRedisClient *self;
  g_autofree char *host = NULL;
  guint port, db;

  if (!north_mcp_redis_parse_uri (uri, &host, &port, &db, error))
    return NULL;
  self = g_object_new (NORTH_MCP_TYPE_REDIS_CLIENT, NULL);
  self->host = g_steal_pointer (&host);
  self->port = port;
  self->db = db;
  north_mcp_redis_conn_open (&self->cmd);
  return self;
}

gboolean
north_mcp_redis_client_is_connected (NorthMcpRedisClient *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_REDIS_CLIENT (self), FALSE);

  return self->cmd.ready;
}

void
north_mcp_redis_client_set_warn_interval (NorthMcpRedisClient *self,
                                          guint                interval_ms)
{
  g_return_if_fail (NORTH_MCP_IS_REDIS_CLIENT (self));
  g_return_if_fail (interval_ms > 0);

  self->warn_interval_ms = interval_ms;
}

static void
north_mcp_redis_client_dispose (GObject *object)
{
  NorthMcpRedisClient *self = NORTH_MCP_REDIS_CLIENT (object);

  self->disposed = TRUE;
  north_mcp_redis_pubsub_stop (self);
  north_mcp_redis_conn_close (&self->cmd);
  north_mcp_redis_conn_close (&self->sub);
  g_hash_table_remove_all (self->subscriptions);
  g_hash_table_remove_all (self->channels);

  G_OBJECT_CLASS (north_mcp_redis_client_parent_class)->dispose (object);
}

static void
north_mcp_redis_client_finalize (GObject *object)
{
  NorthMcpRedisClient *self = NORTH_MCP_REDIS_CLIENT (object);

  g_assert (self->cmd.ac == NULL && self->sub.ac == NULL);
  g_assert (g_queue_is_empty (&self->cmd.ops));
  g_hash_table_unref (self->subscriptions);
  g_hash_table_unref (self->channels);
  g_main_context_unref (self->context);
  g_free (self->host);

  G_OBJECT_CLASS (north_mcp_redis_client_parent_class)->finalize (object);
}

static void
north_mcp_redis_client_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  NorthMcpRedisClient *self = NORTH_MCP_REDIS_CLIENT (object);

  switch (prop_id)
    {
    case PROP_CONNECTED:
      g_value_set_boolean (value, self->cmd.ready);
      break;
    case PROP_COMMAND_TIMEOUT:
      g_value_set_uint (value, self->command_timeout_ms);
      break;
    case PROP_MAX_IN_FLIGHT:
      g_value_set_uint (value, self->max_in_flight);
      break;
    case PROP_MAX_REPLY_SIZE:
      g_value_set_uint (value, self->max_reply_size);
      break;
    case PROP_MAX_UNSENT_SIZE:
      g_value_set_uint (value, self->max_unsent_size);
      break;
    case PROP_HEARTBEAT_INTERVAL:
      g_value_set_uint (value, self->heartbeat_interval_ms);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
north_mcp_redis_client_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  NorthMcpRedisClient *self = NORTH_MCP_REDIS_CLIENT (object);

  switch (prop_id)
    {
    case PROP_COMMAND_TIMEOUT:
      self->command_timeout_ms = g_value_get_uint (value);
      break;
    case PROP_MAX_IN_FLIGHT:
      self->max_in_flight = g_value_get_uint (value);
      break;
    case PROP_MAX_REPLY_SIZE:
      self->max_reply_size = g_value_get_uint (value);
      break;
    case PROP_MAX_UNSENT_SIZE:
      self->max_unsent_size = g_value_get_uint (value);
      break;
    case PROP_HEARTBEAT_INTERVAL:
      self->heartbeat_interval_ms = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
north_mcp_redis_client_class_init (NorthMcpRedisClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = north_mcp_redis_client_dispose;
  object_class->finalize = north_mcp_redis_client_finalize;
  object_class->get_property = north_mcp_redis_client_get_property;
  object_class->set_property = north_mcp_redis_client_set_property;

  /* TRUE while the command connection is up and answered its handshake. */
  properties[PROP_CONNECTED] =
    g_param_spec_boolean ("connected", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Milliseconds a command (and a connection handshake) may wait for its
   * answer; applies to commands sent afterwards. */
  properties[PROP_COMMAND_TIMEOUT] =
    g_param_spec_uint ("command-timeout", NULL, NULL, 1, 3600 * 1000, NORTH_MCP_REDIS_DEFAULT_COMMAND_TIMEOUT_MS,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_MAX_IN_FLIGHT] =
    g_param_spec_uint ("max-in-flight", NULL, NULL, 1, G_MAXINT, NORTH_MCP_REDIS_DEFAULT_MAX_IN_FLIGHT,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  /* Bytes; see the header. Applies to replies parsed afterwards. */
  properties[PROP_MAX_REPLY_SIZE] =
    g_param_spec_uint ("max-reply-size", NULL, NULL, 1024, G_MAXUINT, NORTH_MCP_REDIS_DEFAULT_MAX_REPLY_SIZE,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_MAX_UNSENT_SIZE] =
    g_param_spec_uint ("max-unsent-size", NULL, NULL, 1024, G_MAXUINT, NORTH_MCP_REDIS_DEFAULT_MAX_UNSENT_SIZE,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_HEARTBEAT_INTERVAL] =
    g_param_spec_uint ("heartbeat-interval", NULL, NULL, 10, G_MAXUINT, NORTH_MCP_REDIS_DEFAULT_HEARTBEAT_INTERVAL_MS,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
north_mcp_redis_client_init (NorthMcpRedisClient *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->command_timeout_ms = NORTH_MCP_REDIS_DEFAULT_COMMAND_TIMEOUT_MS;
  self->max_in_flight = NORTH_MCP_REDIS_DEFAULT_MAX_IN_FLIGHT;
  self->max_reply_size = NORTH_MCP_REDIS_DEFAULT_MAX_REPLY_SIZE;
  self->max_unsent_size = NORTH_MCP_REDIS_DEFAULT_MAX_UNSENT_SIZE;
  self->heartbeat_interval_ms = NORTH_MCP_REDIS_DEFAULT_HEARTBEAT_INTERVAL_MS;
  self->warn_interval_ms = NORTH_MCP_REDIS_WARN_INTERVAL_MS;
  self->subscriptions = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) north_mcp_redis_subscription_free);
  self->channels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_array_unref);
  north_mcp_redis_conn_init (&self->cmd, self, FALSE);
  north_mcp_redis_conn_init (&self->sub, self, TRUE);
}
