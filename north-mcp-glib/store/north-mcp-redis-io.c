/* north-mcp-redis-io.c: hiredis' async context as a GSource, and its reply
 * reader counting every reply's size against "max-reply-size"
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-redis-conn-private.h"
#include "north-mcp-redis-io-private.h"

/* What a reply element costs beyond its payload, for "max-reply-size". */
#define ELEMENT_OVERHEAD 16

/* hiredis' event hooks as a GSource (the idea of <hiredis/adapters/glib.h>,
 * plus HUP/ERR handling, and a pointer that goes NULL with the context). */
typedef struct {
  GSource source;
  GPollFD poll_fd;
  NorthMcpRedisConn *conn;
  redisAsyncContext *ac;
} IoSource;

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
gboolean
north_mcp_redis_io_buffered_too_big (NorthMcpRedisConn *conn,
                                     redisReader       *reader)
{
  return reader->len - reader->pos > conn->client->max_reply_size;
}

static void
check_buffered (NorthMcpRedisConn *conn)
{
  if (north_mcp_redis_io_buffered_too_big (conn, conn->ac->c.reader))
    {
      conn->reply_too_big = TRUE;
      north_mcp_redis_conn_fail (conn, NULL);
    }
}

static gboolean
io_dispatch (GSource     *source,
             GSourceFunc  callback,
             gpointer     user_data)
{
  IoSource *io = (IoSource *) source;
  NorthMcpRedisConn *conn = io->conn;
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

/* hiredis frees the context: pending callbacks have had their NULL reply. */
static void
io_cleanup (void *data)
{
  IoSource *io = data;

  if (io->ac == NULL)
    return;
  io->ac = NULL;
  g_source_remove_poll ((GSource *) io, &io->poll_fd);
  north_mcp_redis_conn_context_gone (io->conn);
}

static GSourceFuncs io_source_funcs = {
  .prepare = io_prepare,
  .check = io_check,
  .dispatch = io_dispatch,
};

static IoSource *
io_source_new (NorthMcpRedisConn *conn,
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
  NorthMcpRedisConn *conn = task->privdata;

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

static gboolean
is_unsubscribe (const char *kind,
                gsize       len)
{
  return (len == 11 && g_ascii_strncasecmp (kind, "unsubscribe", len) == 0)
         || (len == 12 && g_ascii_strncasecmp (kind, "punsubscribe", len) == 0);
}

/* hiredis 0.14 asserts, aborting the whole server, on replies a broken or
 * hostile Redis may send: one that no command waits for while not
 * subscribed (but an error: "max number of clients reached"), and a
 * pub/sub reply that is not an array of two strings and
 * more (an unsubscribe's third element is read as an integer, unchecked).
 * Such a reply is refused as it is parsed: the connection drops instead.
 * @type is the element's kind, @str its @len bytes (strings only, not
 * NUL-terminated), @elements its length (arrays only). */
static gboolean
reply_expected (const redisReadTask *task,
                int                  type,
                const char          *str,
                gsize                len,
                int                  elements)
{
  NorthMcpRedisConn *conn = task->privdata;
  redisAsyncContext *ac = conn->ac;
  const redisReadTask *root = task;
  gboolean ok = TRUE;

  /* The reader alone (the fuzzer), or a reply some command waits for. */
  if (ac == NULL || ac->replies.head != NULL)
    return TRUE;
  while (root->parent != NULL)
    root = root->parent;
  if (!(ac->c.flags & (REDIS_SUBSCRIBED | REDIS_MONITORING)))
    ok = task == root && type == REDIS_REPLY_ERROR; /* hiredis drops the connection with its text */
  else if (!(ac->c.flags & REDIS_SUBSCRIBED))
    ok = TRUE;
  else if (task == root)
    ok = type != REDIS_REPLY_ARRAY || elements >= 2;
  else if (task->parent == root && task->idx == 0)
    ok = type == REDIS_REPLY_STRING && (!is_unsubscribe (str, len) || root->elements >= 3);
  else if (task->parent == root && task->idx == 1)
    ok = type == REDIS_REPLY_STRING;
  else if (task->parent == root && task->idx == 2)
    {
      const redisReply *kind = ((redisReply *) root->obj)->element[0];

      ok = type == REDIS_REPLY_INTEGER || !is_unsubscribe (kind->str, kind->len);
    }
  if (!ok)
    conn->reply_unexpected = TRUE;
  return ok;
}

/* Returning NULL makes the reader fail ("out of memory"): the connection
 * drops, which is what a too big reply should do. */
static void *
count_string (const redisReadTask *task,
              char                *str,
              size_t               len)
{
  NorthMcpRedisConn *conn = task->privdata;

  if (!count (task, ELEMENT_OVERHEAD + len) || !reply_expected (task, task->type, str, len, 0))
    return NULL;
  return conn->default_fn->createString (task, str, len);
}

static void *
count_array (const redisReadTask *task,
             int                  elements)
{
  NorthMcpRedisConn *conn = task->privdata;

  /* hiredis allocates the slots before the elements arrive. */
  if (elements < 0 || !count (task, ELEMENT_OVERHEAD + (gsize) elements * ELEMENT_OVERHEAD)
      || !reply_expected (task, REDIS_REPLY_ARRAY, NULL, 0, elements))
    return NULL;
  return conn->default_fn->createArray (task, elements);
}

static void *
count_integer (const redisReadTask *task,
               long long            value)
{
  NorthMcpRedisConn *conn = task->privdata;

  if (!count (task, ELEMENT_OVERHEAD) || !reply_expected (task, REDIS_REPLY_INTEGER, NULL, 0, 0))
    return NULL;
  return conn->default_fn->createInteger (task, value);
}

static void *
count_nil (const redisReadTask *task)
{
  NorthMcpRedisConn *conn = task->privdata;

  if (!count (task, ELEMENT_OVERHEAD) || !reply_expected (task, REDIS_REPLY_NIL, NULL, 0, 0))
    return NULL;
  return conn->default_fn->createNil (task);
}

void
north_mcp_redis_io_count_replies (NorthMcpRedisConn *conn,
                                  redisReader       *reader)
{
  conn->default_fn = reader->fn;
  conn->counting_fn = (redisReplyObjectFunctions) {
    .createString = count_string,
    .createArray = count_array,
    .createInteger = count_integer,
    .createNil = count_nil,
    .freeObject = conn->default_fn->freeObject,
  };
  reader->fn = &conn->counting_fn;
  reader->privdata = conn;
}

GSource *
north_mcp_redis_io_attach (NorthMcpRedisConn *conn,
                           redisAsyncContext *ac)
{
  IoSource *io = io_source_new (conn, ac);

  north_mcp_redis_io_count_replies (conn, ac->c.reader);
  g_source_attach ((GSource *) io, conn->client->context);
  return (GSource *) io;
}
