/* north-mcp-redis-conn.c: one connection of NorthMcpRedisClient: its URI,
 * name resolution, connection, handshake, deadlines and reconnection
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-log-private.h"
#include "north-mcp-redis-conn-private.h"
#include "north-mcp-redis-io-private.h"
#include "north-mcp-redis-pubsub-private.h"
#include "north-mcp-util-private.h"

#define LOGGER NORTH_MCP_REDIS_LOGGER

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 2000
/* A connection proves healthy by staying up this long; only then does the
 * back-off start over and "up again" get logged. A Redis that answers the
 * handshake (or a command, or delivers a message) and then drops every
 * connection would otherwise be reconnected to ten times a second, with
 * two warnings each time: answers alone prove nothing. */
#define HEALTHY_MS 5000

typedef struct {
  GWeakRef client;
  gboolean is_sub;
  /* Which lookup this is: only the connection's current one counts. */
  GCancellable *cancellable;
} ResolveData;

static void conn_start (NorthMcpRedisConn *conn);

/* --- URI --- */

gboolean
north_mcp_redis_parse_uri (const char *uri,
                           char      **host_out,
                           guint      *port_out,
                           guint      *db_out,
                           GError    **error)
{
  g_autoptr(GUri) parsed = NULL;
  const char *path;
  const char *host;
  gint port;
  guint64 db = 0;

  if (uri == NULL || !g_str_has_prefix (uri, "redis://"))
    {
      g_set_error_literal (error, NORTH_MCP_REDIS_ERROR, NORTH_MCP_REDIS_ERROR_INVALID_URI,
                           "A Redis URI is redis://HOST[:PORT][/DB]");
      return FALSE;
    }
  /* Not g_uri_parse's message: it would repeat the URI, userinfo included. */
  parsed = g_uri_parse (uri, G_URI_FLAGS_NONE, NULL);
  if (parsed == NULL)
    {
      g_set_error_literal (error, NORTH_MCP_REDIS_ERROR, NORTH_MCP_REDIS_ERROR_INVALID_URI,
                           "The Redis URI is not a valid URI");
      return FALSE;
    }
  if (g_uri_get_userinfo (parsed) != NULL)
    {
      g_set_error_literal (error, NORTH_MCP_REDIS_ERROR, NORTH_MCP_REDIS_ERROR_INVALID_URI,
                           "Credentials in the Redis URI are not supported");
      return FALSE;
    }
  host = g_uri_get_host (parsed);
  if (host == NULL || *host == '\0')
    {
      g_set_error_literal (error, NORTH_MCP_REDIS_ERROR, NORTH_MCP_REDIS_ERROR_INVALID_URI,
                           "The Redis URI has no host");
      return FALSE;
    }
  if (g_uri_get_query (parsed) != NULL || g_uri_get_fragment (parsed) != NULL)
    {
      g_set_error_literal (error, NORTH_MCP_REDIS_ERROR, NORTH_MCP_REDIS_ERROR_INVALID_URI,
                           "The Redis URI may not have a query or a fragment");
      return FALSE;
    }
  port = g_uri_get_port (parsed);
  if (port == 0)
    {
      g_set_error_literal (error, NORTH_MCP_REDIS_ERROR, NORTH_MCP_REDIS_ERROR_INVALID_URI,
                           "The Redis URI's port must be 1 to 65535");
      return FALSE;
    }
  path = g_uri_get_path (parsed);
  if (path[0] != '\0' && strcmp (path, "/") != 0)
    {
      if (!g_ascii_string_to_unsigned (path + 1, 10, 0, G_MAXINT, &db, NULL))
        {
          g_set_error_literal (error, NORTH_MCP_REDIS_ERROR, NORTH_MCP_REDIS_ERROR_INVALID_URI,
                               "The Redis URI's path must be a database number");
          return FALSE;
        }
    }
  *host_out = g_strdup (host);
  *port_out = port < 0 ? 6379 : (guint) port;
  *db_out = (guint) db;
  return TRUE;
}

/* --- the watchdog: deadlines of the handshake and of the oldest command --- */

void
north_mcp_redis_conn_watchdog_update (NorthMcpRedisConn *conn)
{
  gint64 next = -1;
  NorthMcpRedisOp *head = g_queue_peek_head (&conn->ops);

  if (conn->watchdog == NULL)
    return;
  if (!conn->ready && conn->connect_deadline > 0)
    next = conn->connect_deadline;
  if (head != NULL && (next < 0 || head->deadline < next))
    next = head->deadline;
  g_source_set_ready_time (conn->watchdog, next);
}

static gboolean
watchdog_fired (gpointer user_data)
{
  NorthMcpRedisConn *conn = user_data;
  G_GNUC_UNUSED g_autoptr(NorthMcpRedisClient) client = g_object_ref (conn->client);
  gint64 now = g_get_monotonic_time ();
  NorthMcpRedisOp *head = g_queue_peek_head (&conn->ops);

  g_source_set_ready_time (conn->watchdog, -1);
  if (!conn->ready && conn->connect_deadline > 0 && now >= conn->connect_deadline)
    north_mcp_redis_conn_fail (conn, "no answer to the connection handshake in time");
  else if (head != NULL && now >= head->deadline)
    north_mcp_redis_conn_fail (conn, "no answer to a command in time; taking Redis as hung");
  north_mcp_redis_conn_watchdog_update (conn);
  return G_SOURCE_CONTINUE;
}

/* --- connections --- */

static const char *
conn_name (NorthMcpRedisConn *conn)
{
  return conn->is_sub ? "pub/sub connection" : "connection";
}

static void
conn_set_ready (NorthMcpRedisConn *conn,
                gboolean           ready)
{
  if (conn->ready == ready)
    return;
  conn->ready = ready;
  if (!conn->is_sub && !conn->client->disposed)
    north_mcp_redis_client_notify_connected (conn->client);
}

static gboolean
retry_cb (gpointer user_data)
{
  NorthMcpRedisConn *conn = user_data;

  g_clear_pointer (&conn->retry_source, g_source_unref);
  conn_start (conn);
  return G_SOURCE_REMOVE;
}

static void
conn_schedule_retry (NorthMcpRedisConn *conn)
{
  g_queue_clear_full (&conn->next_ips, g_free);
  if (conn->client->disposed || conn->retry_source != NULL)
    return;
  conn->connect_deadline = 0;
  conn->retry_source = g_timeout_source_new (conn->backoff_ms);
  g_source_set_static_name (conn->retry_source, "NorthMcpRedisClient reconnect");
  g_source_set_callback (conn->retry_source, retry_cb, conn, NULL);
  g_source_attach (conn->retry_source, conn->client->context);
  conn->backoff_ms = MIN (conn->backoff_ms * 2, BACKOFF_MAX_MS);
  north_mcp_redis_conn_watchdog_update (conn);
}

/* One warning when a connection goes down (or cannot be made at first);
 * the failed attempts after it (connections that did not prove healthy
 * included) are counted, and told at most every warn_interval_ms (a
 * minute) while Redis stays down or flaps. */
static void
conn_warn_down (NorthMcpRedisConn *conn,
                const char        *reason)
{
  NorthMcpRedisClient *self = conn->client;
  gint64 now = g_get_monotonic_time ();

  if (self->disposed)
    return;
  if (!conn->warned)
    {
      conn->warned = TRUE;
      conn->warned_at = now;
      conn->failures = 0;
      north_mcp_log_warning (LOGGER, "Redis %s to %s:%u is down (%s); retrying every %u ms at most",
                             conn_name (conn), self->host, self->port, reason, BACKOFF_MAX_MS);
      return;
    }
  conn->failures++;
  if (now - conn->warned_at < (gint64) self->warn_interval_ms * 1000)
    return;
  north_mcp_log_warning (LOGGER, "Redis %s to %s:%u is still down (%s); %u failed attempts since the last warning",
                         conn_name (conn), self->host, self->port, reason, conn->failures);
  conn->warned_at = now;
  conn->failures = 0;
}

static void
conn_stop_healthy_timer (NorthMcpRedisConn *conn)
{
  if (conn->healthy_source == NULL)
    return;
  g_source_destroy (conn->healthy_source);
  g_clear_pointer (&conn->healthy_source, g_source_unref);
}

static void
conn_proven (NorthMcpRedisConn *conn)
{
  NorthMcpRedisClient *self = conn->client;

  if (conn->proven)
    return;
  conn->proven = TRUE;
  conn_stop_healthy_timer (conn);
  conn->backoff_ms = BACKOFF_MIN_MS;
  if (conn->warned && !self->disposed)
    north_mcp_log_warning (LOGGER, "Redis %s to %s:%u is up again", conn_name (conn), self->host, self->port);
  conn->warned = FALSE;
}

static gboolean
healthy_cb (gpointer user_data)
{
  NorthMcpRedisConn *conn = user_data;

  g_clear_pointer (&conn->healthy_source, g_source_unref);
  conn_proven (conn);
  return G_SOURCE_REMOVE;
}

static void conn_connect_ip (NorthMcpRedisConn *conn, const char *ip);

/* A name with several addresses (localhost: ::1 and 127.0.0.1): the next
 * one, at once, when the previous could not be reached. */
static gboolean
conn_try_next_ip (NorthMcpRedisConn *conn)
{
  g_autofree char *ip = NULL;

  if (conn->client->disposed || g_queue_is_empty (&conn->next_ips))
    return FALSE;
  ip = g_queue_pop_head (&conn->next_ips);
  conn_connect_ip (conn, ip);
  return TRUE;
}

void
north_mcp_redis_conn_context_gone (NorthMcpRedisConn *conn)
{
  GSource *io = conn->io;
  redisAsyncContext *ac = conn->ac;
  const char *reason = "closed";
  gboolean was_ready = conn->ready;
  g_autofree char *reason_copy = NULL;

  if (conn->reply_too_big)
    reason = "a reply was bigger than max-reply-size";
  else if (conn->reply_unexpected)
    reason = "Redis sent a reply out of place";
  else if (ac != NULL && ac->c.err != 0)
    reason = ac->c.errstr;
  /* The context (and its errstr) is freed right after this returns. */
  reason_copy = g_strdup (reason);

  conn->ac = NULL;
  conn->io = NULL;
  conn->reply_too_big = FALSE;
  conn->reply_unexpected = FALSE;
  conn->reply_bytes = 0;
  if (io != NULL)
    {
      g_source_destroy (io);
      g_source_unref (io);
    }
  conn_set_ready (conn, FALSE);
  conn_stop_healthy_timer (conn);
  conn->proven = FALSE;
  if (was_ready)
    g_queue_clear_full (&conn->next_ips, g_free);
  else if (conn_try_next_ip (conn))
    return;
  conn_warn_down (conn, reason_copy);
  conn_schedule_retry (conn);
}

/* Whether a name lookup was in progress. */
static gboolean
conn_cancel_resolve (NorthMcpRedisConn *conn)
{
  if (conn->resolve_cancellable == NULL)
    return FALSE;
  g_cancellable_cancel (conn->resolve_cancellable);
  g_clear_object (&conn->resolve_cancellable);
  return TRUE;
}

/* Deferred by hiredis when called from one of its callbacks;
 * north_mcp_redis_conn_context_gone() follows either way. */
static void
conn_free_context (NorthMcpRedisConn *conn)
{
  if (conn->ac != NULL && !(conn->ac->c.flags & REDIS_FREEING))
    redisAsyncFree (conn->ac);
}

void
north_mcp_redis_conn_fail (NorthMcpRedisConn *conn,
                           const char        *reason)
{
  if (reason != NULL)
    conn_warn_down (conn, reason);
  /* A retry, not the name's next address: the deadline is spent. */
  g_queue_clear_full (&conn->next_ips, g_free);
  if (conn_cancel_resolve (conn))
    conn_schedule_retry (conn);
  conn_set_ready (conn, FALSE);
  conn_free_context (conn);
}

static void
conn_handshake_cb (redisAsyncContext *ac,
                   void              *reply,
                   void              *privdata)
{
  NorthMcpRedisConn *conn = privdata;
  redisReply *r = reply;
  NorthMcpRedisClient *self = conn->client;

  conn->reply_bytes = 0;
  if (r == NULL || (ac->c.flags & REDIS_FREEING))
    return;
  if (r->type == REDIS_REPLY_ERROR)
    {
      g_autofree char *reason = g_strdup_printf ("Redis refused the handshake: %.*s",
                                                 (int) MIN (r->len, (size_t) 200), r->str);
      north_mcp_redis_conn_fail (conn, reason);
      return;
    }
  if (r->type != REDIS_REPLY_STATUS || g_ascii_strcasecmp (r->str, "PONG") != 0)
    return; /* SELECT's OK */

  conn->connect_deadline = 0;
  g_queue_clear_full (&conn->next_ips, g_free);
  /* Not healthy yet: the back-off goes on until it proves so. */
  conn_stop_healthy_timer (conn);
  conn->healthy_source = g_timeout_source_new (HEALTHY_MS);
  g_source_set_static_name (conn->healthy_source, "NorthMcpRedisClient healthy");
  g_source_set_callback (conn->healthy_source, healthy_cb, conn, NULL);
  g_source_attach (conn->healthy_source, self->context);
  if (conn->is_sub)
    north_mcp_redis_pubsub_resubscribe (conn);
  conn_set_ready (conn, TRUE);
  north_mcp_redis_conn_watchdog_update (conn);
}

static void
conn_connect_cb (const redisAsyncContext *ac,
                 int                      status)
{
  NorthMcpRedisConn *conn = ac->data;
  NorthMcpRedisClient *self = conn->client;
  redisAsyncContext *mac = conn->ac;

  /* On failure hiredis frees the context next:
   * north_mcp_redis_conn_context_gone() handles it. */
  if (status != REDIS_OK || mac == NULL)
    return;
  if (!conn->is_sub && self->db != 0)
    {
      g_autofree char *db = g_strdup_printf ("%u", self->db);
      const char *argv[] = { "SELECT", db };

      redisAsyncCommandArgv (mac, conn_handshake_cb, conn, 2, argv, NULL);
    }
  redisAsyncCommand (mac, conn_handshake_cb, conn, "PING");
}

static void
conn_connect_ip (NorthMcpRedisConn *conn,
                 const char        *ip)
{
  NorthMcpRedisClient *self = conn->client;
  redisAsyncContext *ac;

  g_assert (conn->ac == NULL);
  ac = redisAsyncConnect (ip, (int) self->port);

  if (ac == NULL || ac->err != 0)
    {
      g_autofree char *reason = g_strdup (ac != NULL ? ac->errstr : "out of memory");

      if (ac != NULL)
        redisAsyncFree (ac);
      if (conn_try_next_ip (conn))
        return;
      conn_warn_down (conn, reason);
      conn_schedule_retry (conn);
      return;
    }
  ac->data = conn;
  conn->ac = ac;
  conn->io = north_mcp_redis_io_attach (conn, ac);
  redisAsyncSetConnectCallback (ac, conn_connect_cb);
}

static void
resolve_data_free (ResolveData *data)
{
  g_weak_ref_clear (&data->client);
  g_object_unref (data->cancellable);
  g_free (data);
}

static void
resolved_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  ResolveData *data = user_data;
  g_autoptr(NorthMcpRedisClient) self = g_weak_ref_get (&data->client);
  g_autoptr(GCancellable) cancellable = g_object_ref (data->cancellable);
  gboolean is_sub = data->is_sub;
  g_autoptr(GError) error = NULL;
  GList *addresses = g_resolver_lookup_by_name_finish (G_RESOLVER (source), result, &error);
  NorthMcpRedisConn *conn;

  resolve_data_free (data);
  conn = self != NULL ? (is_sub ? &self->sub : &self->cmd) : NULL;
  if (self == NULL || self->disposed || g_cancellable_is_cancelled (cancellable)
      || conn->resolve_cancellable != cancellable)
    {
      g_resolver_free_addresses (addresses);
      return;
    }
  g_clear_object (&conn->resolve_cancellable);
  if (addresses == NULL)
    {
      conn_warn_down (conn, error != NULL ? error->message : "no address");
      conn_schedule_retry (conn);
      return;
    }
  g_queue_clear_full (&conn->next_ips, g_free);
  for (GList *l = addresses; l != NULL; l = l->next)
    g_queue_push_tail (&conn->next_ips, g_inet_address_to_string (l->data));
  g_resolver_free_addresses (addresses);
  conn_try_next_ip (conn);
}

static void
conn_start (NorthMcpRedisConn *conn)
{
  NorthMcpRedisClient *self = conn->client;
  g_autoptr(GInetAddress) literal = g_inet_address_new_from_string (self->host);

  if (self->disposed || conn->ac != NULL || conn->resolve_cancellable != NULL)
    return;
  conn->connect_deadline = g_get_monotonic_time () + (gint64) self->command_timeout_ms * 1000;
  north_mcp_redis_conn_watchdog_update (conn);
  if (literal != NULL)
    {
      conn_connect_ip (conn, self->host);
    }
  else
    {
      g_autoptr(GResolver) resolver = g_resolver_get_default ();
      ResolveData *data = g_new0 (ResolveData, 1);

      g_weak_ref_init (&data->client, self);
      data->is_sub = conn->is_sub;
      conn->resolve_cancellable = g_cancellable_new ();
      data->cancellable = g_object_ref (conn->resolve_cancellable);
      /* The resolver calls back on the thread-default context. */
      g_main_context_push_thread_default (self->context);
      g_resolver_lookup_by_name_async (resolver, self->host, conn->resolve_cancellable, resolved_cb, data);
      g_main_context_pop_thread_default (self->context);
    }
}

void
north_mcp_redis_conn_init (NorthMcpRedisConn   *conn,
                           NorthMcpRedisClient *client,
                           gboolean             is_sub)
{
  conn->client = client;
  conn->is_sub = is_sub;
  conn->backoff_ms = BACKOFF_MIN_MS;
  g_queue_init (&conn->ops);
  g_queue_init (&conn->next_ips);
}

void
north_mcp_redis_conn_open (NorthMcpRedisConn *conn)
{
  conn->watchdog = north_mcp_deadline_source_new (conn->client->context, "NorthMcpRedisClient watchdog",
                                                  watchdog_fired, conn);
  conn_start (conn);
}

void
north_mcp_redis_conn_close (NorthMcpRedisConn *conn)
{
  if (conn->retry_source != NULL)
    {
      g_source_destroy (conn->retry_source);
      g_clear_pointer (&conn->retry_source, g_source_unref);
    }
  conn_stop_healthy_timer (conn);
  conn_cancel_resolve (conn);
  conn_free_context (conn);
  if (conn->watchdog != NULL)
    {
      g_source_destroy (conn->watchdog);
      g_clear_pointer (&conn->watchdog, g_source_unref);
    }
  g_queue_clear_full (&conn->next_ips, g_free);
}
