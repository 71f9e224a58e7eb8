/* north-mcp-session-requests.c: the server's requests to a session's
 * client (sampling, elicitation, roots), waiting for their answers
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-error.h"
#include "north-mcp-jsonrpc-private.h"
#include "north-mcp-session-impl-private.h"
#include "north-mcp-util-private.h"

/* What ends a request to the client besides its answer: the caller's
 * cancellable, and that of the request that made it (the tool call). */
#define PENDING_CANCELLABLES 2

typedef struct
{
  NorthMcpSession *session; /* unowned: the session owns the table */
  char            *key;
  JsonNode        *id;
  GTask           *task;
  NorthMcpChannel *channel; /* where it went; NULL: relayed */
  GSource         *timeout;
  GCancellable    *cancellables[PENDING_CANCELLABLES];
  gulong           cancelled_ids[PENDING_CANCELLABLES];
} PendingRequest;

void
north_mcp_session_pending_request_free (gpointer data)
{
  PendingRequest *pending = data;

  if (pending->timeout != NULL)
    {
      g_source_destroy (pending->timeout);
      g_source_unref (pending->timeout);
    }
  for (guint i = 0; i < PENDING_CANCELLABLES; i++)
    {
      if (pending->cancelled_ids[i] != 0)
        g_cancellable_disconnect (pending->cancellables[i], pending->cancelled_ids[i]);
      g_clear_object (&pending->cancellables[i]);
    }
  g_clear_object (&pending->task);
  g_clear_object (&pending->channel);
  g_clear_pointer (&pending->id, json_node_unref);
  g_free (pending->key);
  g_free (pending);
}

/* Removes the request from the table and hands its task to the caller. */
static GTask *
pending_request_steal (NorthMcpSession *self,
                       const char      *key)
{
  PendingRequest *pending = NULL;
  GTask *task;

  if (!g_hash_table_steal_extended (self->pending, key, NULL, (gpointer *) &pending))
    return NULL;

  task = g_steal_pointer (&pending->task);
  north_mcp_session_pending_request_free (pending);
  return task;
}

/* Ends request @key with @result or @error (whichever is not NULL; both
 * taken). FALSE when no request waits under @key (it ended already). */
static gboolean
pending_request_end (NorthMcpSession *self,
                     const char      *key,
                     JsonNode        *result,
                     GError          *error)
{
  g_autoptr(GTask) task = pending_request_steal (self, key);

  if (task == NULL)
    {
      g_clear_pointer (&result, json_node_unref);
      g_clear_error (&error);
      return FALSE;
    }
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, (GDestroyNotify) json_node_unref);
  return TRUE;
}

GPtrArray *
north_mcp_session_steal_pending_tasks (NorthMcpSession *self)
{
  GPtrArray *tasks = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->pending);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      PendingRequest *pending = value;

      g_ptr_array_add (tasks, g_steal_pointer (&pending->task));
    }
  g_hash_table_remove_all (self->pending);
  return tasks;
}

/* Over stdio the client's answers come on its input: once that has ended,
 * the requests waiting for one would wait out their timeout (or forever,
 * without one), and their handlers and the server with them. */
void
north_mcp_session_end_answers (NorthMcpSession *self)
{
  g_autoptr(GPtrArray) tasks = NULL;

  g_return_if_fail (NORTH_MCP_IS_SESSION (self));

  self->answers_ended = TRUE;
  tasks = north_mcp_session_steal_pending_tasks (self);
  for (guint i = 0; i < tasks->len; i++)
    g_task_return_new_error (g_ptr_array_index (tasks, i), NORTH_MCP_ERROR, NORTH_MCP_ERROR_CLOSED,
                             "The client closed its input before it answered");
}

/* Sends @message where request messages go: @channel when it can still
 * stream, else the standalone stream, else (a shared state store) the
 * process that holds the client's stream. */
static void
send_to_client (NorthMcpSession *self,
                NorthMcpChannel *channel,
                JsonNode        *message)
{
  if (channel == NULL || !north_mcp_channel_can_stream (channel))
    channel = north_mcp_session_get_standalone_channel (self);

  if (channel != NULL)
    north_mcp_channel_send (channel, message);
  else
    north_mcp_session_relay (self, message);
}

/* Stops waiting for @pending and ends it with @error (taken). The client
 * may still be asking its user: it is told that nobody waits for the
 * answer any more, before the caller learns it and perhaps ends the
 * stream the request went on. */
static void
pending_request_give_up (PendingRequest *pending,
                         GError         *error)
{
  NorthMcpSession *self = pending->session;
  g_autoptr(JsonObject) params = json_object_new ();
  g_autoptr(JsonNode) notification = NULL;

  json_object_set_member (params, "requestId", json_node_ref (pending->id));
  json_object_set_string_member (params, "reason", error->message);
  notification = north_mcp_jsonrpc_notification_new ("notifications/cancelled", params);
  if (!self->closed)
    send_to_client (self, pending->channel, notification);

  pending_request_end (self, pending->key, NULL, error);
}

/* Senders time out, then cancel. */
static gboolean
pending_request_timed_out (gpointer user_data)
{
  PendingRequest *pending = user_data;

  /* The source is being dispatched: let the free function skip it. */
  g_clear_pointer (&pending->timeout, g_source_unref);
  pending_request_give_up (pending, g_error_new (NORTH_MCP_ERROR, NORTH_MCP_ERROR_TIMED_OUT,
                                                 "The client did not answer in time"));
  return G_SOURCE_REMOVE;
}

/* What a cancellable's handler knows of its request. Cancellables are
 * cancelled from any thread (a handler's worker, a GTask thread), but the
 * table and the client's stream belong to the session's main context:
 * the handler only asks that context to end the request, by its key. */
typedef struct
{
  GWeakRef      session;
  char         *key;
  GMainContext *context;
} PendingCancel;

static void
pending_cancel_clear (gpointer data)
{
  PendingCancel *cancel = data;

  g_weak_ref_clear (&cancel->session);
  g_free (cancel->key);
  g_main_context_unref (cancel->context);
}

static void
pending_cancel_release (gpointer data)
{
  g_atomic_rc_box_release_full (data, pending_cancel_clear);
}

static gboolean
pending_request_cancel (gpointer user_data)
{
  PendingCancel *cancel = user_data;
  g_autoptr(NorthMcpSession) self = g_weak_ref_get (&cancel->session);
  PendingRequest *pending;

  /* Answered, timed out or ended with the session in the meantime. */
  pending = self != NULL ? g_hash_table_lookup (self->pending, cancel->key) : NULL;
  if (pending != NULL)
    pending_request_give_up (pending, g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                   "The request to the client was cancelled"));
  return G_SOURCE_REMOVE;
}

static void
pending_request_cancelled (GCancellable *cancellable,
                           gpointer      user_data)
{
  PendingCancel *cancel = user_data;
  GSource *source = g_idle_source_new ();

  /* Always from an idle, even on the main context: inside
   * g_cancellable_cancel() ending the request would disconnect handlers
   * of the cancellable being cancelled, which deadlocks. */
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, pending_request_cancel, g_atomic_rc_box_acquire (cancel),
                         pending_cancel_release);
  g_source_attach (source, cancel->context);
  g_source_unref (source);
}

void
north_mcp_session_send_request (NorthMcpSession *self,
                                NorthMcpChannel *channel,
                                const char      *method,
                                JsonObject      *params,
                                guint            timeout_ms,
                                GCancellable    *call_cancellable,
                                GTask           *task)
{
  GCancellable *cancellables[PENDING_CANCELLABLES] = { g_task_get_cancellable (task), call_cancellable };
  g_autoptr(JsonNode) id = NULL;
  g_autoptr(JsonNode) request = NULL;
  PendingRequest *pending;

  g_return_if_fail (NORTH_MCP_IS_SESSION (self));

  if (channel == NULL || !north_mcp_channel_can_stream (channel))
    channel = north_mcp_session_get_standalone_channel (self);

  /* With a shared state store the client's stream may be open in another
   * process: the request goes there, the answer comes back to us. */
  if (self->closed || (channel == NULL && self->relay_func == NULL))
    {
      g_task_return_new_error (task, NORTH_MCP_ERROR, NORTH_MCP_ERROR_NOT_SUPPORTED,
                               "Cannot send %s: the client has no open stream to receive it",
                               method);
      return;
    }

  if (self->answers_ended)
    {
      g_task_return_new_error (task, NORTH_MCP_ERROR, NORTH_MCP_ERROR_CLOSED,
                               "Cannot send %s: the client closed its input, where its answer "
                               "would come", method);
      return;
    }

  if (g_task_return_error_if_cancelled (task))
    return;
  if (call_cancellable != NULL && g_cancellable_is_cancelled (call_cancellable))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               "Cannot send %s: the request that makes it was cancelled", method);
      return;
    }
  if (g_hash_table_size (self->pending) >= NORTH_MCP_SESSION_MAX_PENDING_REQUESTS)
    {
      g_task_return_new_error (task, NORTH_MCP_ERROR, NORTH_MCP_ERROR_LIMIT_EXCEEDED,
                               "Cannot send %s: a session has at most "
                               G_STRINGIFY (NORTH_MCP_SESSION_MAX_PENDING_REQUESTS)
                               " requests to the client waiting for their answer", method);
      return;
    }
  /* Its answer would wait in memory behind what already waits there:
   * refused at once, so the handler is not left waiting for it. */
  if (channel != NULL && north_mcp_channel_is_full (channel))
    {
      g_task_return_new_error (task, NORTH_MCP_ERROR, NORTH_MCP_ERROR_LIMIT_EXCEEDED,
                               "Cannot send %s: more than max-unsent-bytes of the messages of "
                               "the request that makes it wait for its answer to start", method);
      return;
    }

  id = json_node_init_int (json_node_alloc (), self->next_request_id++);
  request = north_mcp_jsonrpc_request_new (id, method, params);

  pending = g_new0 (PendingRequest, 1);
  pending->session = self;
  pending->key = north_mcp_id_key (id);
  pending->id = json_node_ref (id);
  pending->task = g_object_ref (task);
  pending->channel = channel != NULL ? g_object_ref (channel) : NULL;
  if (timeout_ms > 0)
    {
      pending->timeout = g_timeout_source_new (timeout_ms);
      g_source_set_callback (pending->timeout, pending_request_timed_out, pending, NULL);
      g_source_attach (pending->timeout, g_main_context_get_thread_default ());
    }
  g_hash_table_insert (self->pending, pending->key, pending);

  for (guint i = 0; i < PENDING_CANCELLABLES; i++)
    {
      PendingCancel *cancel;

      /* Once each: a handler often passes the call's own cancellable. */
      if (cancellables[i] == NULL || (i > 0 && cancellables[i] == cancellables[0]))
        continue;
      cancel = g_atomic_rc_box_new0 (PendingCancel);
      g_weak_ref_init (&cancel->session, self);
      cancel->key = g_strdup (pending->key);
      cancel->context = g_main_context_ref_thread_default ();
      pending->cancellables[i] = g_object_ref (cancellables[i]);
      /* Connecting to a cancelled one runs the handler now. */
      pending->cancelled_ids[i] = g_cancellable_connect (cancellables[i],
                                                         G_CALLBACK (pending_request_cancelled),
                                                         cancel, pending_cancel_release);
    }

  send_to_client (self, channel, request);
}

guint
north_mcp_session_get_pending_count (NorthMcpSession *self)
{
  return g_hash_table_size (self->pending);
}

gboolean
north_mcp_session_resolve_response (NorthMcpSession *self,
                                    JsonNode        *response)
{
  JsonObject *object = json_node_get_object (response);
  g_autofree char *key = north_mcp_id_key (json_object_get_member (object, "id"));
  JsonNode *result = json_object_get_member (object, "result");
  JsonObject *error = north_mcp_object_get_object (object, "error");
  const char *message;

  /* Not ours: the caller may route it to another process. */
  if (key == NULL || !g_hash_table_contains (self->pending, key))
    return FALSE;

  /* JSON-RPC's checks let through an "error" that is not an object: it is
   * an error all the same, only without a message. */
  if (result != NULL && !json_object_has_member (object, "error"))
    return pending_request_end (self, key, json_node_copy (result), NULL);
  message = error != NULL ? north_mcp_object_get_string (error, "message") : NULL;
  return pending_request_end (self, key, NULL,
                              g_error_new (NORTH_MCP_ERROR, NORTH_MCP_ERROR_REMOTE,
                                           "The client answered with an error: %s",
                                           message != NULL ? message : "(no message)"));
}
