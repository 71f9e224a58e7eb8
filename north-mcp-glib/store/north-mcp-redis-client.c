/* north-mcp-redis-client.c: an asynchronous Redis client on the GLib main
 * loop, on hiredis 0.14's async context and reply parser
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <limits.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <hiredis/async.h>

#include "north-mcp-log-private.h"
#include "north-mcp-redis-client-private.h"

#define LOGGER "NorthMCP.Store"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 2000
/* What a reply element costs beyond its payload, for "max-reply-size". */
#define ELEMENT_OVERHEAD 16

G_DEFINE_QUARK (north-mcp-redis-error-quark, north_mcp_redis_error)

typedef struct _Conn Conn;

/* hiredis' event hooks as a GSource (the idea of <hiredis/adapters/glib.h>,
 * plus HUP/ERR handling, and a pointer that goes NULL with the context). */
typedef struct {
  GSource source;
  GPollFD poll_fd;
  Conn *conn;
  redisAsyncContext *ac;
} IoSource;

/* One connection: commands, or pub/sub. */
struct _Conn {
  NorthMcpRedisClient *client;
  gboolean is_sub;
  redisAsyncContext *ac;
  IoSource *io;
  /* Redis answered the handshake: commands may be sent. */
  gboolean ready;
  /* A warning about this connection being down was logged. */
  gboolean warned;
  gboolean reply_too_big;
  guint backoff_ms;
  GSource *retry_source;
  GCancellable *resolve_cancellable;
  /* Addresses of the name not tried yet in this attempt (char *). */
  GQueue next_ips;
  /* Monotonic time (µs) by which the handshake must be done; 0: none. */
  gint64 connect_deadline;
  /* Commands in flight (Op), oldest first: Redis answers in order, so the
   * head has the earliest deadline. */
  GQueue ops;
  /* Fires at the next deadline (connect or head command). */
  GSource *watchdog;
  /* Bytes of the reply being parsed (see count_* below). */
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
  gboolean disposed;

  Conn cmd;
  Conn sub;
  gboolean sub_started;

  /* id -> Subscription */
  GHashTable *subscriptions;
  /* channel -> GArray of ids */
  GHashTable *channels;
  guint next_subscription_id;
};

typedef struct {
  GList link;
  Conn *conn;
  /* NULL once the caller was answered (cancelled): the reply is dropped. */
  GTask *task;
  gint64 deadline;
  GSource *cancel_source;
} Op;

typedef struct {
  guint id;
  char *channel;
  NorthMcpRedisMessageFunc func;
  gpointer user_data;
  GDestroyNotify destroy;
} Subscription;

typedef struct {
  GWeakRef client;
  gboolean is_sub;
  /* Which lookup this is: only the connection's current one counts. */
  GCancellable *cancellable;
} ResolveData;

enum {
  PROP_0,
  PROP_CONNECTED,
  PROP_COMMAND_TIMEOUT,
  PROP_MAX_IN_FLIGHT,
  PROP_MAX_REPLY_SIZE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (NorthMcpRedisClient, north_mcp_redis_client, G_TYPE_OBJECT)

static void conn_start (Conn *conn);
static void conn_fail (Conn *conn, const char *reason);

/* --- URI --- */

static gboolean
parse_uri (const char  *uri,
           char       **host_out,
           guint       *port_out,
           guint       *db_out,
           GError     **error)
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

/* --- the event source --- */

static void
io_update (IoSource *io,
           gushort   add,
           gushort   remove)
{
  io->poll_fd.events = (io->poll_fd.events | add) & ~remove;
  g_main_context_wakeup (g_source_get_context ((GSource *) io));
}

static void io_add_read (void *data) { io_update (data, G_IO_IN, 0); }
static void io_del_read (void *data) { io_update (data, 0, G_IO_IN); }
static void io_add_write (void *data) { io_update (data, G_IO_OUT, 0); }
static void io_del_write (void *data) { io_update (data, 0, G_IO_OUT); }

static gboolean
io_check (GSource *source)
{
  IoSource *io = (IoSource *) source;

  return io->ac != NULL
         && (io->poll_fd.revents & (io->poll_fd.events | G_IO_ERR | G_IO_HUP | G_IO_NVAL)) != 0;
}

static gboolean
io_prepare (GSource *source,
            gint    *timeout)
{
  *timeout = -1;
  return io_check (source);
}

/* After a read: what hiredis holds of a reply not yet complete counts
 * against "max-reply-size" too (its reader has no limit). */
static void
check_buffered (Conn *conn)
{
  redisReader *reader = conn->ac->c.reader;

  if (reader->len - reader->pos > conn->client->max_reply_size)
    {
      conn->reply_too_big = TRUE;
      conn_fail (conn, NULL);
    }
}

static gboolean
io_dispatch (GSource     *source,
             GSourceFunc  callback,
             gpointer     user_data)
{
  IoSource *io = (IoSource *) source;
  Conn *conn = io->conn;
  /* Callbacks may drop the caller's last reference. */
  G_GNUC_UNUSED g_autoptr(NorthMcpRedisClient) client = g_object_ref (conn->client);
  gushort revents = io->poll_fd.revents;
  gushort events = io->poll_fd.events;

  io->poll_fd.revents = 0;
  if (io->ac != NULL && (events & G_IO_OUT) && (revents & (G_IO_OUT | G_IO_ERR | G_IO_HUP)))
    redisAsyncHandleWrite (io->ac);
  /* HUP/ERR without interest in either: let hiredis read the EOF. */
  if (io->ac != NULL
      && (((events & G_IO_IN) && (revents & (G_IO_IN | G_IO_ERR | G_IO_HUP)))
          || (!(events & (G_IO_IN | G_IO_OUT)) && (revents & (G_IO_ERR | G_IO_HUP | G_IO_NVAL)))))
    {
      redisAsyncHandleRead (io->ac);
      if (io->ac != NULL)
        check_buffered (conn);
    }
  return G_SOURCE_CONTINUE;
}

static void conn_context_gone (Conn *conn);

/* hiredis frees the context: pending callbacks have had their NULL reply. */
static void
io_cleanup (void *data)
{
  IoSource *io = data;

  if (io->ac == NULL)
    return;
  io->ac = NULL;
  g_source_remove_poll ((GSource *) io, &io->poll_fd);
  conn_context_gone (io->conn);
}

static GSourceFuncs io_source_funcs = {
  .prepare = io_prepare,
  .check = io_check,
  .dispatch = io_dispatch,
};

static IoSource *
io_source_new (Conn              *conn,
               redisAsyncContext *ac)
{
  IoSource *io = (IoSource *) g_source_new (&io_source_funcs, sizeof (IoSource));

  g_source_set_static_name ((GSource *) io, "NorthMcpRedisClient I/O");
  io->conn = conn;
  io->ac = ac;
  io->poll_fd.fd = ac->c.fd;
  io->poll_fd.events = 0;
  g_source_add_poll ((GSource *) io, &io->poll_fd);
  ac->ev.addRead = io_add_read;
  ac->ev.delRead = io_del_read;
  ac->ev.addWrite = io_add_write;
  ac->ev.delWrite = io_del_write;
  ac->ev.cleanup = io_cleanup;
  ac->ev.data = io;
  return io;
}

/* --- reply size accounting: hiredis' reader functions, counted --- */

static gboolean
count (const redisReadTask *task,
       gsize                bytes)
{
  Conn *conn = task->privdata;

  if (task->parent == NULL)
    conn->reply_bytes = 0;
  if (bytes > conn->client->max_reply_size - MIN (conn->reply_bytes, conn->client->max_reply_size))
    {
      conn->reply_too_big = TRUE;
      return FALSE;
    }
  conn->reply_bytes += bytes;
  return TRUE;
}

/* Returning NULL makes the reader fail ("out of memory"): the connection
 * drops, which is what a too big reply should do. */
static void *
count_string (const redisReadTask *task,
              char                *str,
              size_t               len)
{
  Conn *conn = task->privdata;

  if (!count (task, ELEMENT_OVERHEAD + len))
    return NULL;
  return conn->default_fn->createString (task, str, len);
}

static void *
count_array (const redisReadTask *task,
             int                  elements)
{
  Conn *conn = task->privdata;

  /* hiredis allocates the slots before the elements arrive. */
  if (elements < 0 || !count (task, ELEMENT_OVERHEAD + (gsize) elements * ELEMENT_OVERHEAD))
    return NULL;
  return conn->default_fn->createArray (task, elements);
}

static void *
count_integer (const redisReadTask *task,
               long long            value)
{
  Conn *conn = task->privdata;

  if (!count (task, ELEMENT_OVERHEAD))
    return NULL;
  return conn->default_fn->createInteger (task, value);
}

static void *
count_nil (const redisReadTask *task)
{
  Conn *conn = task->privdata;

  if (!count (task, ELEMENT_OVERHEAD))
    return NULL;
  return conn->default_fn->createNil (task);
}

/* --- replies --- */

static NorthMcpRedisReply *
reply_convert (const redisReply  *r,
               GError           **error)
{
  switch (r->type)
    {
    case REDIS_REPLY_STRING:
      return north_mcp_redis_reply_new_string (NORTH_MCP_REDIS_REPLY_STRING, r->str, r->len);
    case REDIS_REPLY_STATUS:
      return north_mcp_redis_reply_new_string (NORTH_MCP_REDIS_REPLY_STATUS, r->str, r->len);
    case REDIS_REPLY_INTEGER:
      return north_mcp_redis_reply_new_integer (r->integer);
    case REDIS_REPLY_NIL:
      return north_mcp_redis_reply_new_nil ();
    case REDIS_REPLY_ARRAY:
      {
        NorthMcpRedisReply **elements = r->elements > 0 ? g_new0 (NorthMcpRedisReply *, r->elements) : NULL;

        /* Depth is at most 7: hiredis' reader refuses deeper nesting. */
        for (size_t i = 0; i < r->elements; i++)
          {
            elements[i] = reply_convert (r->element[i], error);
            if (elements[i] == NULL)
              {
                for (size_t j = 0; j < i; j++)
                  north_mcp_redis_reply_unref (elements[j]);
                g_free (elements);
                return NULL;
              }
          }
        return north_mcp_redis_reply_new_array (elements, r->elements);
      }
    case REDIS_REPLY_ERROR:
      g_set_error (error, NORTH_MCP_REDIS_ERROR, NORTH_MCP_REDIS_ERROR_REPLY, "%.*s",
                   (int) MIN (r->len, (size_t) 4096), r->str);
      return NULL;
    default:
      g_set_error_literal (error, NORTH_MCP_REDIS_ERROR, NORTH_MCP_REDIS_ERROR_REPLY,
                           "Unknown reply type from Redis");
      return NULL;
    }
}

/* --- commands in flight --- */

static void
op_free (Op *op)
{
  if (op->cancel_source != NULL)
    {
      g_source_destroy (op->cancel_source);
      g_clear_pointer (&op->cancel_source, g_source_unref);
    }
  g_clear_object (&op->task);
  g_free (op);
}

static void
op_reply_cb (redisAsyncContext *ac,
             void              *reply,
             void              *privdata)
{
  Op *op = privdata;
  Conn *conn = op->conn;
  g_autoptr(GTask) task = g_steal_pointer (&op->task);

  conn->reply_bytes = 0;
  g_queue_unlink (&conn->ops, &op->link);
  op_free (op);
  if (task == NULL)
    return;
  if (reply == NULL)
    {
      g_task_return_new_error (task, NORTH_MCP_REDIS_ERROR, NORTH_MCP_REDIS_ERROR_UNAVAILABLE,
                               "The connection to Redis was lost");
    }
  else
    {
      GError *error = NULL;
      NorthMcpRedisReply *converted = reply_convert (reply, &error);

      if (converted != NULL)
        g_task_return_pointer (task, converted, (GDestroyNotify) north_mcp_redis_reply_unref);
      else
        g_task_return_error (task, error);
    }
}

static gboolean
op_cancelled_cb (GCancellable *cancellable,
                 gpointer      user_data)
{
  Op *op = user_data;
  g_autoptr(GTask) task = g_steal_pointer (&op->task);

  g_clear_pointer (&op->cancel_source, g_source_unref);
  if (task != NULL)
    g_task_return_error_if_cancelled (task);
  return G_SOURCE_REMOVE;
}

/* --- the watchdog: deadlines of the handshake and of the oldest command --- */

static void
watchdog_update (Conn *conn)
{
  gint64 next = -1;
  Op *head = g_queue_peek_head (&conn->ops);

  if (conn->watchdog == NULL)
    return;
  if (!conn->ready && conn->connect_deadline > 0)
    next = conn->connect_deadline;
  if (head != NULL && (next < 0 || head->deadline < next))
    next = head->deadline;
  g_source_set_ready_time (conn->watchdog, next);
}

static gboolean
watchdog_dispatch (GSource     *source,
                   GSourceFunc  callback,
                   gpointer     user_data)
{
  return callback (user_data);
}

static GSourceFuncs watchdog_funcs = {
  .dispatch = watchdog_dispatch,
};

static gboolean
watchdog_fired (gpointer user_data)
{
  Conn *conn = user_data;
  G_GNUC_UNUSED g_autoptr(NorthMcpRedisClient) client = g_object_ref (conn->client);
  gint64 now = g_get_monotonic_time ();
  Op *head = g_queue_peek_head (&conn->ops);

  g_source_set_ready_time (conn->watchdog, -1);
  if (!conn->ready && conn->connect_deadline > 0 && now >= conn->connect_deadline)
    conn_fail (conn, "no answer to the connection handshake in time");
  else if (head != NULL && now >= head->deadline)
    conn_fail (conn, "no answer to a command in time; taking Redis as hung");
  watchdog_update (conn);
  return G_SOURCE_CONTINUE;
}

/* --- connections --- */

static const char *
conn_name (Conn *conn)
{
  return conn->is_sub ? "pub/sub connection" : "connection";
}

static void
conn_set_ready (Conn     *conn,
                gboolean  ready)
{
  if (conn->ready == ready)
    return;
  conn->ready = ready;
  if (!conn->is_sub && !conn->client->disposed)
    g_object_notify_by_pspec (G_OBJECT (conn->client), properties[PROP_CONNECTED]);
}

static gboolean
retry_cb (gpointer user_data)
{
  Conn *conn = user_data;

  g_clear_pointer (&conn->retry_source, g_source_unref);
  conn_start (conn);
  return G_SOURCE_REMOVE;
}

static void
conn_schedule_retry (Conn *conn)
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
  watchdog_update (conn);
}

/* One warning when a connection goes down (or cannot be made at first),
 * none for the retries after it. */
static void
conn_warn_down (Conn       *conn,
                const char *reason)
{
  NorthMcpRedisClient *self = conn->client;

  if (conn->warned || self->disposed)
    return;
  conn->warned = TRUE;
  north_mcp_log_warning (LOGGER, "Redis %s to %s:%u is down (%s); retrying every %u ms at most",
                         conn_name (conn), self->host, self->port, reason, BACKOFF_MAX_MS);
}

static void conn_connect_ip (Conn *conn, const char *ip);

/* A name with several addresses (localhost: ::1 and 127.0.0.1): the next
 * one, at once, when the previous could not be reached. */
static gboolean
conn_try_next_ip (Conn *conn)
{
  g_autofree char *ip = NULL;

  if (conn->client->disposed || g_queue_is_empty (&conn->next_ips))
    return FALSE;
  ip = g_queue_pop_head (&conn->next_ips);
  conn_connect_ip (conn, ip);
  return TRUE;
}

static void
conn_context_gone (Conn *conn)
{
  IoSource *io = conn->io;
  redisAsyncContext *ac = conn->ac;
  const char *reason = "closed";
  gboolean was_ready = conn->ready;
  g_autofree char *reason_copy = NULL;

  if (conn->reply_too_big)
    reason = "a reply was bigger than max-reply-size";
  else if (ac != NULL && ac->c.err != 0)
    reason = ac->c.errstr;
  /* The context (and its errstr) is freed right after this returns. */
  reason_copy = g_strdup (reason);

  conn->ac = NULL;
  conn->io = NULL;
  conn->reply_too_big = FALSE;
  conn->reply_bytes = 0;
  if (io != NULL)
    {
      g_source_destroy ((GSource *) io);
      g_source_unref ((GSource *) io);
    }
  conn_set_ready (conn, FALSE);
  if (was_ready)
    g_queue_clear_full (&conn->next_ips, g_free);
  else if (conn_try_next_ip (conn))
    return;
  conn_warn_down (conn, reason_copy);
  conn_schedule_retry (conn);
}

/* Drops the connection (in-flight commands fail with UNAVAILABLE) or the
 * attempt in progress; a retry follows unless disposed. */
static void
conn_fail (Conn       *conn,
           const char *reason)
{
  if (reason != NULL)
    conn_warn_down (conn, reason);
  /* A retry, not the name's next address: the deadline is spent. */
  g_queue_clear_full (&conn->next_ips, g_free);
  if (conn->resolve_cancellable != NULL)
    {
      g_cancellable_cancel (conn->resolve_cancellable);
      g_clear_object (&conn->resolve_cancellable);
      conn_schedule_retry (conn);
    }
  conn_set_ready (conn, FALSE);
  /* Deferred by hiredis when called from one of its callbacks; io_cleanup
   * follows either way. */
  if (conn->ac != NULL && !(conn->ac->c.flags & REDIS_FREEING))
    redisAsyncFree (conn->ac);
}

static void
conn_send_subscribe (Conn        *conn,
                     const char **channels,
                     guint        n);
static void sub_message_cb (redisAsyncContext *ac, void *reply, void *privdata);

static void
conn_handshake_cb (redisAsyncContext *ac,
                   void              *reply,
                   void              *privdata)
{
  Conn *conn = privdata;
  redisReply *r = reply;
  NorthMcpRedisClient *self = conn->client;

  conn->reply_bytes = 0;
  if (r == NULL || (ac->c.flags & REDIS_FREEING))
    return;
  if (r->type == REDIS_REPLY_ERROR)
    {
      g_autofree char *reason = g_strdup_printf ("Redis refused the handshake: %.*s",
                                                 (int) MIN (r->len, (size_t) 200), r->str);
      conn_fail (conn, reason);
      return;
    }
  if (r->type != REDIS_REPLY_STATUS || g_ascii_strcasecmp (r->str, "PONG") != 0)
    return; /* SELECT's OK */

  conn->connect_deadline = 0;
  conn->backoff_ms = BACKOFF_MIN_MS;
  g_queue_clear_full (&conn->next_ips, g_free);
  if (conn->warned)
    north_mcp_log_warning (LOGGER, "Redis %s to %s:%u is up again", conn_name (conn), self->host, self->port);
  conn->warned = FALSE;
  if (conn->is_sub && g_hash_table_size (self->channels) > 0)
    {
      guint n;
      g_autofree const char **channels = (const char **) g_hash_table_get_keys_as_array (self->channels, &n);

      conn_send_subscribe (conn, channels, n);
    }
  conn_set_ready (conn, TRUE);
  watchdog_update (conn);
}

static void
conn_connect_cb (const redisAsyncContext *ac,
                 int                      status)
{
  Conn *conn = ac->data;
  NorthMcpRedisClient *self = conn->client;
  redisAsyncContext *mac = conn->ac;

  /* On failure hiredis frees the context next: io_cleanup handles it. */
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
conn_connect_ip (Conn       *conn,
                 const char *ip)
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
  conn->default_fn = ac->c.reader->fn;
  conn->counting_fn = (redisReplyObjectFunctions) {
    .createString = count_string,
    .createArray = count_array,
    .createInteger = count_integer,
    .createNil = count_nil,
    .freeObject = conn->default_fn->freeObject,
  };
  ac->c.reader->fn = &conn->counting_fn;
  ac->c.reader->privdata = conn;
  conn->ac = ac;
  conn->io = io_source_new (conn, ac);
  g_source_attach ((GSource *) conn->io, self->context);
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
  Conn *conn;

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
conn_start (Conn *conn)
{
  NorthMcpRedisClient *self = conn->client;
  g_autoptr(GInetAddress) literal = g_inet_address_new_from_string (self->host);

  if (self->disposed || conn->ac != NULL || conn->resolve_cancellable != NULL)
    return;
  conn->connect_deadline = g_get_monotonic_time () + (gint64) self->command_timeout_ms * 1000;
  watchdog_update (conn);
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

static void
conn_init (Conn                *conn,
           NorthMcpRedisClient *client,
           gboolean             is_sub)
{
  conn->client = client;
  conn->is_sub = is_sub;
  conn->backoff_ms = BACKOFF_MIN_MS;
  g_queue_init (&conn->ops);
  g_queue_init (&conn->next_ips);
}

static void
conn_open (Conn *conn)
{
  conn->watchdog = g_source_new (&watchdog_funcs, sizeof (GSource));
  g_source_set_static_name (conn->watchdog, "NorthMcpRedisClient watchdog");
  g_source_set_callback (conn->watchdog, watchdog_fired, conn, NULL);
  g_source_attach (conn->watchdog, conn->client->context);
  conn_start (conn);
}

static void
conn_close (Conn *conn)
{
  if (conn->retry_source != NULL)
    {
      g_source_destroy (conn->retry_source);
      g_clear_pointer (&conn->retry_source, g_source_unref);
    }
  if (conn->resolve_cancellable != NULL)
    {
      g_cancellable_cancel (conn->resolve_cancellable);
      g_clear_object (&conn->resolve_cancellable);
    }
  if (conn->ac != NULL && !(conn->ac->c.flags & REDIS_FREEING))
    redisAsyncFree (conn->ac);
  if (conn->watchdog != NULL)
    {
      g_source_destroy (conn->watchdog);
      g_clear_pointer (&conn->watchdog, g_source_unref);
    }
  g_queue_clear_full (&conn->next_ips, g_free);
}

/* --- pub/sub --- */

static void
subscription_free (Subscription *sub)
{
  if (sub->destroy != NULL)
    sub->destroy (sub->user_data);
  g_free (sub->channel);
  g_free (sub);
}

static void
conn_send_subscribe (Conn        *conn,
                     const char **channels,
                     guint        n)
{
  g_autofree const char **argv = g_new (const char *, n + 1);

  argv[0] = "SUBSCRIBE";
  memcpy (argv + 1, channels, n * sizeof (char *));
  redisAsyncCommandArgv (conn->ac, sub_message_cb, conn, (int) n + 1, argv, NULL);
}

static void
sub_message_cb (redisAsyncContext *ac,
                void              *reply,
                void              *privdata)
{
  Conn *conn = privdata;
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
      Subscription *sub = g_hash_table_lookup (self->subscriptions,
                                               GUINT_TO_POINTER (g_array_index (snapshot, guint, i)));

      if (sub != NULL)
        sub->func (channel, message, sub->user_data);
    }
}

guint
north_mcp_redis_client_subscribe (NorthMcpRedisClient      *self,
                                  const char               *channel,
                                  NorthMcpRedisMessageFunc  func,
                                  gpointer                  user_data,
                                  GDestroyNotify            destroy)
{
  Subscription *sub;
  GArray *ids;

  g_return_val_if_fail (NORTH_MCP_IS_REDIS_CLIENT (self), 0);
  g_return_val_if_fail (channel != NULL, 0);
  g_return_val_if_fail (func != NULL, 0);
  g_return_val_if_fail (!self->disposed, 0);

  sub = g_new0 (Subscription, 1);
  sub->id = ++self->next_subscription_id;
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
        conn_send_subscribe (&self->sub, &channel, 1);
    }
  g_array_append_val (ids, sub->id);

  if (!self->sub_started)
    {
      self->sub_started = TRUE;
      conn_open (&self->sub);
    }
  return sub->id;
}

void
north_mcp_redis_client_unsubscribe (NorthMcpRedisClient *self,
                                    guint                id)
{
  Subscription *sub;
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
  subscription_free (sub);
}

/* --- commands --- */

/* Commands that change the connection's state behind the client's back. */
static gboolean
command_refused (guint               argc,
                 const char *const  *argv,
                 const gsize        *len)
{
  static const char *const refused[] = {
    "SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE",
    "MONITOR", "SELECT", "QUIT", "RESET", "HELLO", "SYNC", "PSYNC",
  };

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    if (len[0] == strlen (refused[i]) && g_ascii_strncasecmp (argv[0], refused[i], len[0]) == 0)
      return TRUE;
  return argc >= 2 && len[0] == 6 && g_ascii_strncasecmp (argv[0], "CLIENT", 6) == 0
         && len[1] == 5 && g_ascii_strncasecmp (argv[1], "REPLY", 5) == 0;
}

void
north_mcp_redis_client_command_async (NorthMcpRedisClient *self,
                                      guint                argc,
                                      const char *const   *argv,
                                      const gsize         *argv_len,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree gsize *lens = NULL;
  Conn *conn = &self->cmd;
  Op *op;

  g_return_if_fail (NORTH_MCP_IS_REDIS_CLIENT (self));
  g_return_if_fail (argc >= 1 && argc <= INT_MAX);
  g_return_if_fail (argv != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));
  for (guint i = 0; i < argc; i++)
    g_return_if_fail (argv[i] != NULL || (argv_len != NULL && argv_len[i] == 0));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, north_mcp_redis_client_command_async);
  if (g_task_return_error_if_cancelled (task))
    return;
  if (argv_len == NULL)
    {
      lens = g_new (gsize, argc);
      for (guint i = 0; i < argc; i++)
        lens[i] = strlen (argv[i]);
      argv_len = lens;
    }
  if (command_refused (argc, argv, argv_len))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               "NorthMcpRedisClient does not send this command");
      return;
    }
  if (!conn->ready || conn->ac == NULL || self->disposed)
    {
      g_task_return_new_error (task, NORTH_MCP_REDIS_ERROR, NORTH_MCP_REDIS_ERROR_UNAVAILABLE,
                               "Not connected to Redis");
      return;
    }
  if (conn->ops.length >= self->max_in_flight)
    {
      g_task_return_new_error (task, NORTH_MCP_REDIS_ERROR, NORTH_MCP_REDIS_ERROR_TOO_MANY,
                               "Too many Redis commands in flight (%u)", self->max_in_flight);
      return;
    }

  op = g_new0 (Op, 1);
  op->link.data = op;
  op->conn = conn;
  op->deadline = g_get_monotonic_time () + (gint64) self->command_timeout_ms * 1000;
  if (redisAsyncCommandArgv (conn->ac, op_reply_cb, op, (int) argc, (const char **) argv, argv_len) != REDIS_OK)
    {
      g_free (op);
      g_task_return_new_error (task, NORTH_MCP_REDIS_ERROR, NORTH_MCP_REDIS_ERROR_UNAVAILABLE,
                               "Not connected to Redis");
      return;
    }
  op->task = g_steal_pointer (&task);
  g_queue_push_tail_link (&conn->ops, &op->link);
  if (cancellable != NULL)
    {
      op->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_static_name (op->cancel_source, "NorthMcpRedisClient cancel");
      g_source_set_callback (op->cancel_source, G_SOURCE_FUNC (op_cancelled_cb), op, NULL);
      g_source_attach (op->cancel_source, self->context);
    }
  if (conn->ops.length == 1)
    watchdog_update (conn);
}

NorthMcpRedisReply *
north_mcp_redis_client_command_finish (NorthMcpRedisClient  *self,
                                       GAsyncResult         *result,
                                       GError              **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == north_mcp_redis_client_command_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
north_mcp_redis_client_commandv_async (NorthMcpRedisClient *self,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data,
                                       const char          *first_arg,
                                       ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  va_list ap;

  g_return_if_fail (first_arg != NULL);

  va_start (ap, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  north_mcp_redis_client_command_async (self, args->len, (const char *const *) args->pdata, NULL,
                                        cancellable, callback, user_data);
}

/* --- the object --- */

NorthMcpRedisClient *
north_mcp_redis_client_new (const char  *uri,
                            GError     **error)
{
  NorthMcpRedisClient *self;
  g_autofree char *host = NULL;
  guint port, db;

  if (!parse_uri (uri, &host, &port, &db, error))
    return NULL;
  self = g_object_new (NORTH_MCP_TYPE_REDIS_CLIENT, NULL);
  self->host = g_steal_pointer (&host);
  self->port = port;
  self->db = db;
  conn_open (&self->cmd);
  return self;
}

gboolean
north_mcp_redis_client_is_connected (NorthMcpRedisClient *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_REDIS_CLIENT (self), FALSE);

  return self->cmd.ready;
}

static void
north_mcp_redis_client_dispose (GObject *object)
{
  NorthMcpRedisClient *self = NORTH_MCP_REDIS_CLIENT (object);

  self->disposed = TRUE;
  conn_close (&self->cmd);
  conn_close (&self->sub);
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
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
north_mcp_redis_client_init (NorthMcpRedisClient *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->command_timeout_ms = NORTH_MCP_REDIS_DEFAULT_COMMAND_TIMEOUT_MS;
  self->max_in_flight = NORTH_MCP_REDIS_DEFAULT_MAX_IN_FLIGHT;
  self->max_reply_size = NORTH_MCP_REDIS_DEFAULT_MAX_REPLY_SIZE;
  self->subscriptions = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) subscription_free);
  self->channels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_array_unref);
  conn_init (&self->cmd, self, FALSE);
  conn_init (&self->sub, self, TRUE);
}
