/* north-mcp-task-requests.c: the client's requests about its tasks
 * (tasks/get, tasks/cancel, tasks/update), see north-mcp-task-private.h
 *
 * A task's record is the store's; its handler runs on one replica. These
 * read or change the record, and reach the handler here, or through the
 * state store on the replica that runs it (which takes them at the end of
 * this file).
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-dispatch-private.h"
#include "north-mcp-error.h"
#include "north-mcp-json-reader-private.h"
#include "north-mcp-jsonrpc-private.h"
#include "north-mcp-json-writer-private.h"
#include "north-mcp-random-private.h"
#include "north-mcp-request-scope-private.h"
#include "north-mcp-task-impl-private.h"
#include "north-mcp-task-private.h"
#include "north-mcp-util-private.h"

typedef struct
{
  NorthMcpContext *context;
  Tasks           *tasks;
  const char      *task_id; /* in the context's params */
  char            *owner;
  Runner          *runner;  /* tasks/update: the one to resume, or NULL */
  gboolean         relay;   /* tasks/cancel: tell the other replicas */
} Request;

static void
request_free (Request *request)
{
  g_clear_object (&request->context);
  g_free (request->owner);
  g_clear_pointer (&request->runner, north_mcp_task_runner_unref);
  g_free (request);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Request, request_free)

static void
unknown_task (NorthMcpContext *context)
{
  north_mcp_context_return_error_full (context, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS,
                                       "Invalid params: unknown task", NULL);
}

/* Answers the error of a store call about the requested task: unknown
 * (or another's), or the store could not answer (the shared one while
 * Redis is down): that is no unknown task, which a client would give
 * up, but -32603 with the store's message (which names no internals). */
static void
return_store_error (NorthMcpContext *context,
                    const GError    *error)
{
  if (g_error_matches (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT))
    unknown_task (context);
  else
    north_mcp_context_return_error_full (context, NORTH_MCP_JSONRPC_ERROR_INTERNAL_ERROR, error->message, NULL);
}

/* Answers with @result marked as the request's final result. */
static void
return_complete (NorthMcpContext *context,
                 JsonObject      *result)
{
  json_object_set_string_member (result, "resultType", "complete");
  north_mcp_dispatch_return_object (context, result);
}

static void
return_ack (NorthMcpContext *context)
{
  g_autoptr(JsonObject) result = json_object_new ();

  return_complete (context, result);
}

/* The checks every tasks/ method shares. Returns the request (the
 * server's tasks, the task id and the caller's identity), or NULL after
 * answering. */
static Request *
request_new (NorthMcpProtocolHost *host,
             NorthMcpContext      *context)
{
  const char *task_id = north_mcp_object_get_string (north_mcp_context_get_params (context), "taskId");
  Request *request;

  if (!north_mcp_tasks_client_declared (context))
    {
      north_mcp_tasks_return_missing_extension (context, "Missing required client capability: tasks/ methods need the "
                                         "extension io.modelcontextprotocol/tasks");
      return NULL;
    }
  if (task_id == NULL)
    {
      north_mcp_dispatch_invalid_params (context, "Invalid params: a string 'taskId' is needed");
      return NULL;
    }

  request = g_new0 (Request, 1);
  request->context = g_object_ref (context);
  request->tasks = north_mcp_tasks_get (host);
  request->task_id = task_id;
  request->owner = north_mcp_tasks_owner_of (north_mcp_context_get_user (context));
  return request;
}

/* The runner of the requested task when it runs here for the caller. */
static Runner *
own_runner (Request *request)
{
  return north_mcp_tasks_find_runner (request->tasks, request->owner, request->task_id);
}

static void
got (GObject      *source,
     GAsyncResult *result,
     gpointer      user_data)
{
  Request *request = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) record =
    north_mcp_task_store_get_finish (NORTH_MCP_TASK_STORE (source), result, &error);

  if (record == NULL)
    return_store_error (request->context, error);
  else
    return_complete (request->context, record);
  request_free (request);
}

/* Answers with the task's record, or that the task is unknown. */
static void
return_record (Request *request)
{
  NorthMcpTaskStore *store = request->tasks->store;

  north_mcp_task_store_get_async (store, request->owner, request->task_id, NULL, got, request);
}

void
north_mcp_tasks_handle_get (NorthMcpProtocolHost *host,
                            NorthMcpContext      *context)
{
  Request *request = request_new (host, context);

  if (request != NULL)
    return_record (request);
}

/* The handler may run on another replica: only for a task the store
 * knows as the caller's, so that cancels of made-up ids do not reach
 * every replica. */
static void
relay_cancel (Request *request)
{
  g_autofree char *text = g_strconcat (request->owner, " ", request->task_id, NULL);
  g_autoptr(GBytes) message = g_bytes_new (text, strlen (text));

  north_mcp_state_store_publish (request->tasks->shared, CANCEL_CHANNEL, message);
}

static void
cancelled (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Request *request = user_data;
  g_autoptr(GError) error = NULL;

  if (!north_mcp_task_store_cancel_finish (NORTH_MCP_TASK_STORE (source), result, &error))
    return_store_error (request->context, error);
  else
    {
      /* The server stopped meanwhile: no replicas to tell. */
      if (request->relay && request->tasks->shared != NULL)
        relay_cancel (request);
      return_ack (request->context);
    }
  request_free (request);
}

void
north_mcp_tasks_handle_cancel (NorthMcpProtocolHost *host,
                               NorthMcpContext      *context)
{
  Request *request = request_new (host, context);
  NorthMcpTaskStore *store;
  Runner *runner;

  if (request == NULL)
    return;

  /* Stop the handler here; the store decides what the client sees. */
  runner = own_runner (request);
  if (runner != NULL)
    north_mcp_task_runner_drop (runner);
  else if (request->tasks->shared != NULL && strlen (request->owner) + strlen (request->task_id) < 4000)
    request->relay = TRUE;

  store = request->tasks->store;
  north_mcp_task_store_cancel_async (store, request->owner, request->task_id, NULL,
                                     cancelled, request);
}

static void
update_written (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Request *request = user_data;
  g_autoptr(GError) error = NULL;

  if (!north_mcp_task_store_update_finish (NORTH_MCP_TASK_STORE (source), result, &error) &&
      (g_error_matches (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED) ||
       north_mcp_task_store_error_is_unavailable (error)))
    {
      /* Not written (the store did not answer, or refused): not
       * acknowledged, so the client tries again; the handler keeps the
       * answers it took and waits for the rest (dropped, the task would
       * wait for ever, its client told the answers were taken). */
      return_store_error (request->context, error);
      request_free (request);
      return;
    }
  if (error != NULL)
    {
      /* Cancelled or expired meanwhile: nothing to resume. */
      if (request->runner != NULL)
        north_mcp_task_runner_drop (request->runner);
      g_clear_pointer (&request->runner, north_mcp_task_runner_unref);
    }
  return_ack (request->context);
  request_free (request);
}

/* A tasks/update relayed to another replica, until that one acknowledges
 * it (UPDATE_ACK_CHANNEL) or UPDATE_ACK_TIMEOUT_MS pass. */
typedef struct
{
  Tasks   *tasks;
  Request *request;
  char    *token;
  GSource *timeout;
  GCancellable *deciding; /* out of time: the SET NX of "withdrawn" */
} Awaiting;

static void
awaiting_free (gpointer data)
{
  Awaiting *awaiting = data;

  if (awaiting->deciding != NULL)
    g_cancellable_cancel (awaiting->deciding);
  g_clear_object (&awaiting->deciding);
  g_source_destroy (awaiting->timeout);
  g_source_unref (awaiting->timeout);
  request_free (awaiting->request);
  g_free (awaiting->token);
  g_free (awaiting);
}

/* Answers the update of @token, if it still waits: acknowledged, or not
 * confirmed (@message). Taken out first: the answer may end the server
 * (and its Tasks). */
static void
awaiting_end (Tasks      *tasks,
              const char *token,
              const char *message)
{
  Awaiting *awaiting = NULL;

  if (tasks->awaiting == NULL || !g_hash_table_steal_extended (tasks->awaiting, token, NULL, (gpointer *) &awaiting))
    return;
  if (message != NULL)
    north_mcp_context_return_error_full (awaiting->request->context, NORTH_MCP_JSONRPC_ERROR_INTERNAL_ERROR,
                                         message, NULL);
  else
    return_ack (awaiting->request->context);
  awaiting_free (awaiting);
}

#define UNCONFIRMED_MESSAGE "The replica that runs the task did not confirm the update; send it again"

/* The update of @token out of time, with who decided it: withdrawn here,
 * or taken by the running replica (whose acknowledgment was lost: this
 * replica was not listening then). */
typedef struct
{
  GCancellable *cancellable; /* the Awaiting's: it was answered or freed */
  Tasks        *tasks;
  char         *token;
} Deciding;

static void
withdrawn (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Deciding *deciding = user_data;
  g_autoptr(GError) error = NULL;
  gboolean stored = north_mcp_state_store_set_finish (NORTH_MCP_STATE_STORE (source), result, &error);

  /* Not stored, and no error: "taken" was there. The store unreachable:
   * nobody knows; the client sends it again, as before. */
  if (!g_cancellable_is_cancelled (deciding->cancellable))
    awaiting_end (deciding->tasks, deciding->token, stored || error != NULL ? UNCONFIRMED_MESSAGE : NULL);
  g_object_unref (deciding->cancellable);
  g_free (deciding->token);
  g_free (deciding);
}

/* Writes @word ("withdrawn" or "taken") under @token's key
 * (UPDATE_DECIDED_PREFIX) unless either is there already: the first of
 * the two replicas decides the update. */
static void
decide_update (Tasks               *tasks,
               const char          *token,
               const char          *word,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  g_autofree char *key = g_strconcat (UPDATE_DECIDED_PREFIX, token, NULL);
  g_autoptr(GBytes) value = g_bytes_new_static (word, strlen (word));

  north_mcp_state_store_set_async (tasks->shared, key, value, UPDATE_DECIDED_TTL_MS,
                                   NORTH_MCP_STATE_STORE_SET_IF_ABSENT, NULL, callback, user_data);
}

static gboolean
awaiting_timed_out (gpointer data)
{
  Awaiting *awaiting = data;
  Deciding *deciding = g_new0 (Deciding, 1);

  /* Still answered by the ack, should it come meanwhile. */
  awaiting->deciding = g_cancellable_new ();
  deciding->cancellable = g_object_ref (awaiting->deciding);
  deciding->tasks = awaiting->tasks;
  deciding->token = g_strdup (awaiting->token);
  decide_update (awaiting->tasks, awaiting->token, "withdrawn", withdrawn, deciding);
  return G_SOURCE_REMOVE;
}

void
north_mcp_tasks_on_update_ack (const char *channel,
                               GBytes     *message,
                               gpointer    user_data)
{
  gsize length = 0;
  const char *data = g_bytes_get_data (message, &length);
  char token[2 * NORTH_MCP_RANDOM_ID_BYTES + 1];

  if (length != sizeof token - 1)
    return;
  memcpy (token, data, length);
  token[length] = '\0';
  awaiting_end (user_data, token, NULL);
}

void
north_mcp_tasks_end_awaiting (Tasks *tasks)
{
  g_autoptr(GPtrArray) tokens = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer token;

  if (tasks->awaiting == NULL)
    return;
  g_hash_table_iter_init (&iter, tasks->awaiting);
  while (g_hash_table_iter_next (&iter, &token, NULL))
    g_ptr_array_add (tokens, g_strdup (token));
  for (guint i = 0; i < tokens->len && tasks->awaiting != NULL; i++)
    awaiting_end (tasks, g_ptr_array_index (tokens, i), UNCONFIRMED_MESSAGE);
  g_clear_pointer (&tasks->awaiting, g_hash_table_unref);
}

/* Sends @answers to the replica that runs the task; @request is answered
 * once it acknowledges them. */
static void
relay_update (Request    *request,
              JsonObject *answers)
{
  Tasks *tasks = request->tasks;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = north_mcp_random_id (&error);
  g_autoptr(GBytes) message = NULL;
  Awaiting *awaiting;
  GString *text;
  gboolean too_large;
  g_autofree char *tracestate = NULL;
  g_autofree char *traceparent = north_mcp_context_dup_traceparent (request->context, &tracestate);

  if (token == NULL || (tasks->awaiting != NULL && g_hash_table_size (tasks->awaiting) >= UPDATE_ACK_MAX_WAITING))
    {
      north_mcp_context_return_error_full (request->context, NORTH_MCP_JSONRPC_ERROR_INTERNAL_ERROR,
                                           "Too many task updates wait for other replicas; try again later",
                                           NULL);
      request_free (request);
      return;
    }
  text = g_string_new (token);
  g_string_append_printf (text, " %s %s\n", request->owner, request->task_id);
  north_mcp_json_write_object (text, answers);
  too_large = text->len > UPDATE_MESSAGE_MAX_BYTES - UPDATE_MESSAGE_MAX_NORTH_CONTEXT;
  /* The round the answers start runs there, with this request's North
   * context, under its span. */
  g_string_append_c (text, '\n');
  north_mcp_north_context_write (text, north_mcp_context_get_north_context (request->context), traceparent,
                                 tracestate);
  message = g_string_free_to_bytes (text);
  if (too_large || g_bytes_get_size (message) > UPDATE_MESSAGE_MAX_BYTES)
    {
      north_mcp_context_return_error_full (request->context, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS,
                                           "Invalid params: the answers are too large to reach the "
                                           "replica that runs the task (4 MiB)", NULL);
      request_free (request);
      return;
    }
  if (tasks->awaiting == NULL)
    tasks->awaiting = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, awaiting_free);
  awaiting = g_new0 (Awaiting, 1);
  awaiting->tasks = tasks;
  awaiting->request = request;
  awaiting->token = g_steal_pointer (&token);
  awaiting->timeout = g_timeout_source_new (UPDATE_ACK_TIMEOUT_MS);
  g_source_set_callback (awaiting->timeout, awaiting_timed_out, awaiting, NULL);
  g_source_attach (awaiting->timeout, north_mcp_protocol_host_get_main_context (tasks->host));
  g_hash_table_insert (tasks->awaiting, awaiting->token, awaiting);
  north_mcp_state_store_publish (tasks->shared, UPDATE_CHANNEL, message);
}

/* The task of a tasks/update whose handler does not run here: with a
 * store shared by replicas it may run on another, which gets the answers
 * (they would be lost otherwise, and the task wait for ever). */
static void
update_elsewhere (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) record =
    north_mcp_task_store_get_finish (NORTH_MCP_TASK_STORE (source), result, &error);
  JsonObject *answers = north_mcp_object_get_object (north_mcp_context_get_params (request->context),
                                                     "inputResponses");

  if (record == NULL)
    {
      return_store_error (request->context, error);
      return;
    }
  if (request->tasks->shared != NULL && answers != NULL && json_object_get_size (answers) > 0 &&
      g_strcmp0 (north_mcp_object_get_string (record, "status"), "input_required") == 0)
    {
      relay_update (g_steal_pointer (&request), answers);
      return;
    }
  /* Nothing to relay: acknowledged, like an update taken here. */
  return_ack (request->context);
}

void
north_mcp_tasks_handle_update (NorthMcpProtocolHost *host,
                               NorthMcpContext      *context)
{
  JsonObject *answers = north_mcp_object_get_object (north_mcp_context_get_params (context), "inputResponses");
  g_autoptr(Request) request = request_new (host, context);
  g_autoptr(Runner) held = NULL;
  NorthMcpTaskStore *store;
  RoundOrigin origin;
  Runner *runner;

  if (request == NULL)
    return;
  if (answers == NULL)
    {
      north_mcp_dispatch_invalid_params (context, "Invalid params: 'inputResponses' must be an object");
      return;
    }
  runner = own_runner (request);
  if (runner == NULL)
    {
      /* Not waiting here: acknowledged if the task exists, else unknown. */
      Request *elsewhere = g_steal_pointer (&request);

      north_mcp_task_store_get_async (elsewhere->tasks->store, elsewhere->owner, elsewhere->task_id, NULL,
                                      update_elsewhere, elsewhere);
      return;
    }
  held = north_mcp_task_runner_ref (runner); /* the next round may end it at once */
  north_mcp_round_origin_init (&origin, context);
  north_mcp_task_runner_take_answers (runner, answers, &origin);
  north_mcp_round_origin_clear (&origin);

  request->runner = north_mcp_task_runner_ref (runner);
  /* The write renews the record, working or waiting: its handler must
   * live as long, not be swept while the record still says it runs. */
  runner->touched_at = g_get_monotonic_time ();
  store = request->tasks->store;
  north_mcp_task_store_update_async (store, runner->owner, runner->record, NULL,
                                     update_written, g_steal_pointer (&request));
  if (north_mcp_task_status_is_terminal (north_mcp_object_get_string (runner->record, "status")))
    north_mcp_task_runner_drop (runner);
}

/* On the replica that runs the task: cancels and updates relayed by the
 * others. */

/* The runner of "OWNER TASKID" (the first @length bytes of @data) when it
 * runs here for that owner. */
static Runner *
addressed_runner (Tasks      *tasks,
                  const char *data,
                  gsize       length)
{
  const char *space = NULL;
  g_autofree char *owner = NULL;
  g_autofree char *task_id = NULL;

  /* Task ids have no spaces; owners may. */
  for (gsize i = length; length <= 4096 && i > 0; i--)
    if (data[i - 1] == ' ')
      {
        space = data + i - 1;
        break;
      }
  if (space == NULL)
    return NULL;
  owner = g_strndup (data, space - data);
  task_id = g_strndup (space + 1, length - (space + 1 - data));
  return north_mcp_tasks_find_runner (tasks, owner, task_id);
}

/* "OWNER TASKID": stop the handler if it runs here (and is the owner's). */
void
north_mcp_tasks_on_cancel_message (const char *channel,
                                   GBytes     *message,
                                   gpointer    user_data)
{
  gsize length = 0;
  const char *data = g_bytes_get_data (message, &length);
  Runner *runner = addressed_runner (user_data, data, length);

  if (runner != NULL)
    north_mcp_task_runner_drop (runner);
}

/* A relayed update whose answers wait for the word "taken" to be
 * written under its token (UPDATE_DECIDED_PREFIX). */
typedef struct
{
  Runner   *runner;
  JsonNode *answers;
  RoundOrigin origin; /* the update's request */
  GBytes   *token;
  gsize    *deciding; /* Tasks.deciding, which counts @size */
  gsize     size;
} Taking;

static void
taking_free (Taking *taking)
{
  *taking->deciding -= taking->size;
  g_atomic_rc_box_release (taking->deciding);
  north_mcp_task_runner_unref (taking->runner);
  json_node_unref (taking->answers);
  north_mcp_round_origin_clear (&taking->origin);
  g_bytes_unref (taking->token);
  g_free (taking);
}

/* Taken only when this replica decided the update (not withdrawn by the
 * one that relayed it, out of time; not unknown, the store unreachable:
 * that one tells its client to send the update again then). */
static void
update_decided (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Taking *taking = user_data;
  g_autoptr(Runner) runner = north_mcp_task_runner_ref (taking->runner); /* the next round may end it */
  Tasks *tasks = runner->tasks;

  if (north_mcp_state_store_set_finish (NORTH_MCP_STATE_STORE (source), result, NULL) && tasks != NULL)
    {
      north_mcp_task_runner_take_answers (runner, json_node_get_object (taking->answers), &taking->origin);
      north_mcp_task_runner_flush (runner);
      if (tasks->shared != NULL)
        north_mcp_state_store_publish (tasks->shared, UPDATE_ACK_CHANNEL, taking->token);
    }
  taking_free (taking);
}

/* "TOKEN OWNER TASKID\nANSWERS\nNORTHCONTEXT": the answers of a
 * tasks/update that reached another replica, for the handler if it runs
 * here, and the North context of that request with the trace context of
 * its span (north_mcp_north_context_write(); a replica of an earlier
 * version sends none, or no trace context: then they are empty); taken,
 * they are acknowledged with TOKEN (the other replica answers the
 * client). JSON text has no line breaks. */
void
north_mcp_tasks_on_update_message (const char *channel,
                                   GBytes     *message,
                                   gpointer    user_data)
{
  Tasks *tasks = user_data;
  gsize length = 0;
  const char *data = g_bytes_get_data (message, &length);
  /* An empty message has no data at all (NULL, which memchr() must not
   * get). */
  const char *newline = length > 0 && length <= UPDATE_MESSAGE_MAX_BYTES ? memchr (data, '\n', length) : NULL;
  const char *space = newline != NULL ? memchr (data, ' ', newline - data) : NULL;
  const char *end;
  const char *context_line = NULL;
  g_autoptr(JsonNode) answers = NULL;
  g_autoptr(GHashTable) north_context = NULL;
  g_autofree char *traceparent = NULL;
  g_autofree char *tracestate = NULL;
  g_autofree char *token = NULL;
  Taking *taking;
  Runner *runner;

  /* The token is made a key: a relaying replica's, 32 hex digits. */
  if (space == NULL || space - data != 2 * NORTH_MCP_RANDOM_ID_BYTES || tasks->shared == NULL ||
      length > UPDATE_DECIDING_MAX_BYTES - *tasks->deciding ||
      (runner = addressed_runner (tasks, space + 1, newline - (space + 1))) == NULL)
    return;
  token = g_strndup (data, space - data);
  for (const char *c = token; *c != '\0'; c++)
    if (!g_ascii_isxdigit (*c))
      return;
  /* Only now: data + length is undefined for the NULL of an empty message. */
  end = data + length;
  context_line = memchr (newline + 1, '\n', end - (newline + 1));
  answers = north_mcp_json_read (newline + 1, (context_line != NULL ? context_line : end) - (newline + 1),
                                 NORTH_MCP_JSON_MAX_DEPTH, NULL);
  north_context = context_line != NULL ? north_mcp_north_context_read (context_line + 1, end - (context_line + 1),
                                                                       &traceparent, &tracestate)
                                       : north_mcp_north_context_from_headers (NULL);
  if (answers == NULL || !JSON_NODE_HOLDS_OBJECT (answers) || north_context == NULL)
    return;
  taking = g_new0 (Taking, 1);
  taking->runner = north_mcp_task_runner_ref (runner);
  taking->answers = g_steal_pointer (&answers);
  taking->origin.north_context = g_steal_pointer (&north_context);
  taking->origin.traceparent = g_steal_pointer (&traceparent);
  taking->origin.tracestate = g_steal_pointer (&tracestate);
  taking->token = g_bytes_new (token, strlen (token));
  taking->deciding = g_atomic_rc_box_acquire (tasks->deciding);
  taking->size = length + north_mcp_north_context_size (taking->origin.north_context);
  *tasks->deciding += taking->size;
  decide_update (tasks, token, "taken", update_decided, taking);
}
