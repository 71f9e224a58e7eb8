/* north-mcp-redis-command.c: NorthMcpRedisClient's commands: sending them,
 * their replies, cancellation and limits
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <limits.h>
#include <string.h>

#include "north-mcp-redis-conn-private.h"
#include "north-mcp-store-call-private.h"

/* --- replies --- */

NorthMcpRedisReply *
north_mcp_redis_reply_convert (const redisReply  *r,
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
            elements[i] = north_mcp_redis_reply_convert (r->element[i], error);
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
op_free (NorthMcpRedisOp *op)
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
  NorthMcpRedisOp *op = privdata;
  NorthMcpRedisConn *conn = op->conn;
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
      NorthMcpRedisReply *converted = north_mcp_redis_reply_convert (reply, &error);

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
  NorthMcpRedisOp *op = user_data;
  g_autoptr(GTask) task = g_steal_pointer (&op->task);

  g_clear_pointer (&op->cancel_source, g_source_unref);
  if (task != NULL)
    g_task_return_error_if_cancelled (task);
  return G_SOURCE_REMOVE;
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

/* What the output buffer would hold with this command (its arguments and
 * RESP framing, at most 32 bytes each): while Redis does not read, the
 * buffer grows with every command. */
static guint64
unsent_size (NorthMcpRedisConn *conn,
             guint              argc,
             const gsize       *len)
{
  guint64 size = sdslen (conn->ac->c.obuf) + 16;

  for (guint i = 0; i < argc; i++)
    size += (guint64) len[i] + 32;
  return size;
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
  NorthMcpRedisConn *conn = &self->cmd;
  NorthMcpRedisOp *op;

  g_return_if_fail (NORTH_MCP_IS_REDIS_CLIENT (self));
  g_return_if_fail (argc >= 1 && argc <= INT_MAX);
  g_return_if_fail (argv != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));
  for (guint i = 0; i < argc; i++)
    g_return_if_fail (argv[i] != NULL || (argv_len != NULL && argv_len[i] == 0));

  task = north_mcp_store_call_new (self, cancellable, callback, user_data, north_mcp_redis_client_command_async);
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

  if (unsent_size (conn, argc, argv_len) > self->max_unsent_size)
    {
      g_task_return_new_error (task, NORTH_MCP_REDIS_ERROR, NORTH_MCP_REDIS_ERROR_TOO_MANY,
                               "Too much waiting to be sent to Redis (%u bytes)", self->max_unsent_size);
      return;
    }

  op = g_new0 (NorthMcpRedisOp, 1);
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
    north_mcp_redis_conn_watchdog_update (conn);
}

NorthMcpRedisReply *
north_mcp_redis_client_command_finish (NorthMcpRedisClient  *self,
                                       GAsyncResult         *result,
                                       GError              **error)
{
  return north_mcp_store_call_propagate_pointer (self, result, north_mcp_redis_client_command_async, error);
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
