/* north-mcp-task.c: the tasks extension (SEP-2663), see north-mcp-task-private.h:
 * the handlers of tasks; the client's tasks/ requests, and the cancels
 * and updates other replicas relay, are north-mcp-task-requests.c's
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>


#include "north-mcp-channel-private.h"
#include "north-mcp-dispatch-private.h"
#include "north-mcp-error.h"
#include "north-mcp-jsonrpc-private.h"
#include "north-mcp-json-writer-private.h"
#include "north-mcp-log-private.h"
#include "north-mcp-log-throttle-private.h"
#include "north-mcp-protocol-host-private.h"
#include "north-mcp-revision-2026-private.h"
#include "north-mcp-session-manager-private.h"
#include "north-mcp-session-private.h"
#include "north-mcp-task-channel-private.h"
#include "north-mcp-task-impl-private.h"
#include "north-mcp-task-private.h"
#include "north-mcp-task-store-private.h"
#include "north-mcp-tool-private.h"
#include "north-mcp-user.h"
#include "north-mcp-util-private.h"

#define TASKS_KEY "north-mcp-tasks"
#define CONTEXT_TASK_KEY "north-mcp-task-id"


/* Tasks of a server. */

/* Lets go of the shared store: its subscriptions, and the connection
 * with them (the runners hold their own store). The in-memory one
 * stays. */
static void
tasks_release_shared (Tasks *tasks)
{
  if (tasks->shared == NULL)
    return;
  north_mcp_state_store_unsubscribe (tasks->shared, tasks->cancel_id);
  north_mcp_state_store_unsubscribe (tasks->shared, tasks->update_id);
  north_mcp_state_store_unsubscribe (tasks->shared, tasks->ack_id);
  tasks->cancel_id = tasks->update_id = tasks->ack_id = 0;
  g_signal_handlers_disconnect_by_data (tasks->store, tasks);
  north_mcp_tasks_end_awaiting (tasks);
  g_clear_object (&tasks->shared);
  g_clear_object (&tasks->store);
}

static void
tasks_free (Tasks *tasks)
{
  GHashTableIter iter;
  Runner *runner;

  g_hash_table_iter_init (&iter, tasks->runners);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &runner))
    {
      runner->tasks = NULL;
      if (runner->context != NULL)
        g_cancellable_cancel (north_mcp_context_get_cancellable (runner->context));
      g_clear_object (&runner->context);
    }
  north_mcp_tasks_forget_lingering (tasks);
  tasks_release_shared (tasks);
  g_hash_table_unref (tasks->runners);
  g_hash_table_unref (tasks->held_by);
  g_source_destroy (tasks->expiry);
  g_source_unref (tasks->expiry);
  g_clear_object (&tasks->store);
  g_atomic_rc_box_release (tasks->deciding);
  g_free (tasks);
}

static void
expired (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (north_mcp_task_store_expire_finish (NORTH_MCP_TASK_STORE (source), result, &error) < 0)
    g_warning ("Could not expire tasks: %s", error->message);
}

static gboolean expire_tick (gpointer user_data);
static void runner_write (Runner *runner);

/* Sweeps every half of @ttl_ms (1 s to a minute), so that an idle handler
 * stops at most half its ttl late, and with a shared store every third
 * of the lease it renews; only sooner than now unless @later. */
static void
schedule_expiry (Tasks    *tasks,
                 gint64    ttl_ms,
                 gboolean  later)
{
  guint interval_s = CLAMP (ttl_ms / 2000, 1, NORTH_MCP_TASK_EXPIRY_INTERVAL_S);

  if (tasks->shared != NULL)
    interval_s = CLAMP (tasks->lease_s / 3, 1, interval_s);

  if (tasks->expiry != NULL && (interval_s == tasks->expiry_s || (!later && interval_s > tasks->expiry_s)))
    return;
  if (tasks->expiry != NULL)
    g_source_destroy (tasks->expiry);
  g_clear_pointer (&tasks->expiry, g_source_unref);
  tasks->expiry_s = interval_s;
  tasks->expiry = g_timeout_source_new_seconds (interval_s);
  g_source_set_callback (tasks->expiry, expire_tick, tasks, NULL);
  g_source_attach (tasks->expiry, north_mcp_protocol_host_get_main_context (tasks->host));
}

static gboolean
expire_tick (gpointer user_data)
{
  Tasks *tasks = user_data;
  g_autoptr(GPtrArray) stale = g_ptr_array_new_with_free_func ((GDestroyNotify) north_mcp_task_runner_unref);
  g_autoptr(GPtrArray) unwritten = g_ptr_array_new_with_free_func ((GDestroyNotify) north_mcp_task_runner_unref);
  /* Monotonic: a step of the wall clock must not stop every handler. */
  gint64 now = g_get_monotonic_time ();
  NorthMcpProtocolSettings settings;
  GHashTableIter iter;
  Runner *runner;
  gint64 ttl_ms;

  /* A handler whose task made no change for its TTL (waiting for input
   * nobody gives, say) stops with it. */
  north_mcp_protocol_host_get_settings (tasks->host, &settings);
  ttl_ms = (gint64) settings.task_ttl * 1000;
  g_hash_table_iter_init (&iter, tasks->runners);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &runner))
    {
      if (runner->created && now - runner->touched_at > runner->ttl_ms * 1000)
        g_ptr_array_add (stale, north_mcp_task_runner_ref (runner));
      else if (runner->unwritten)
        g_ptr_array_add (unwritten, north_mcp_task_runner_ref (runner));
      ttl_ms = MIN (ttl_ms, runner->ttl_ms);
    }
  for (guint i = 0; i < stale->len; i++)
    north_mcp_task_runner_drop (g_ptr_array_index (stale, i));
  /* Records the store could not take (Redis was down): again, until
   * their ttl since they last changed. */
  for (guint i = 0; i < unwritten->len; i++)
    runner_write (g_ptr_array_index (unwritten, i));

  if (tasks->store != NULL) /* else stopped, its shared store let go */
    north_mcp_task_store_expire_async (tasks->store, now, NULL, expired, NULL);
  /* task-ttl may have changed: the sweep follows the shortest ttl of the
   * tasks here and of the next one (replacing this source, maybe). */
  schedule_expiry (tasks, ttl_ms, TRUE);
  return G_SOURCE_CONTINUE;
}


/* The runner of @task_id when it runs here for @owner (who alone may
 * reach it). */
Runner *
north_mcp_tasks_find_runner (Tasks      *tasks,
                             const char *owner,
                             const char *task_id)
{
  Runner *runner = g_hash_table_lookup (tasks->runners, task_id);

  if (runner == NULL || !runner->created || !g_str_equal (runner->owner, owner))
    return NULL;
  return runner;
}

/* The shared @store lost the lease of this process: the tasks whose
 * running records name it are failed by the replicas that read them, so
 * their handlers stop now, not at their next write (refused then). Not
 * those with no record yet (admitted: written under the new lease), nor
 * ended ones whose final record waits to be written. */
static void
on_lease_lost (NorthMcpTaskStore *store,
               Tasks             *tasks)
{
  static NorthMcpLogThrottle throttle;
  g_autoptr(GPtrArray) lost = g_ptr_array_new_with_free_func ((GDestroyNotify) north_mcp_task_runner_unref);
  GHashTableIter iter;
  Runner *runner;

  g_hash_table_iter_init (&iter, tasks->runners);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &runner))
    if (runner->store == store && (runner->created || runner->announced != NULL) &&
        !north_mcp_task_status_is_terminal (north_mcp_object_get_string (runner->record, "status")))
      g_ptr_array_add (lost, north_mcp_task_runner_ref (runner));
  for (guint i = 0; i < lost->len; i++)
    {
      guint skipped;

      runner = g_ptr_array_index (lost, i);
      if (north_mcp_log_throttle_pass (&throttle, &skipped))
        {
          g_autofree char *more = north_mcp_log_throttle_more (skipped);

          north_mcp_log_warning ("NorthMCP.Tasks", "Stopped the handler of task %s: this server's lease in the "
                                 "task store is lost (gone, or not renewed in time), so the task fails%s",
                                 runner->task_id, more);
        }
      north_mcp_task_runner_drop (runner);
    }
}

/* The records go to @shared (maybe NULL: in memory). */
static void
tasks_use_store (Tasks              *tasks,
                 NorthMcpStateStore *shared)
{
  tasks->shared = shared;
  if (tasks->shared != NULL)
    {
      /* Replicas share the records; each runs the handlers it started. */
      g_object_ref (tasks->shared);
      tasks->store = north_mcp_shared_task_store_new (tasks->shared, NORTH_MCP_TASK_MAX_PER_OWNER,
                                                      NORTH_MCP_TASK_MAX_TOTAL,
                                                      NORTH_MCP_TASK_MAX_STORED_BYTES_PER_OWNER,
                                                      NORTH_MCP_TASK_MAX_STORED_BYTES);
      tasks->cancel_id = north_mcp_state_store_subscribe (tasks->shared, CANCEL_CHANNEL,
                                                          north_mcp_tasks_on_cancel_message, tasks, NULL);
      tasks->update_id = north_mcp_state_store_subscribe (tasks->shared, UPDATE_CHANNEL,
                                                          north_mcp_tasks_on_update_message, tasks, NULL);
      tasks->ack_id = north_mcp_state_store_subscribe (tasks->shared, UPDATE_ACK_CHANNEL,
                                                       north_mcp_tasks_on_update_ack, tasks, NULL);
      north_mcp_shared_task_store_set_lease (tasks->store, tasks->lease_s);
      g_signal_connect (tasks->store, NORTH_MCP_SHARED_TASK_STORE_SIGNAL_LEASE_LOST, G_CALLBACK (on_lease_lost),
                        tasks);
    }
  else
    tasks->store = north_mcp_memory_task_store_new (NORTH_MCP_TASK_MAX_PER_OWNER, NORTH_MCP_TASK_MAX_TOTAL,
                                                    NORTH_MCP_TASK_MAX_STORED_BYTES_PER_OWNER,
                                                    NORTH_MCP_TASK_MAX_STORED_BYTES);
}

Tasks *
north_mcp_tasks_get (NorthMcpProtocolHost *host)
{
  Tasks *tasks = g_object_get_data (G_OBJECT (host), TASKS_KEY);
  NorthMcpStateStore *shared = north_mcp_session_manager_get_store (north_mcp_protocol_host_get_session_manager (host));
  NorthMcpProtocolSettings settings;

  if (tasks != NULL)
    {
      /* The server's store now (started again with another, say): the
       * same Tasks, which requests under way hold. */
      if (tasks->store == NULL || tasks->shared != shared)
        {
          tasks_release_shared (tasks);
          g_clear_object (&tasks->store);
          tasks_use_store (tasks, shared);
          north_mcp_protocol_host_get_settings (host, &settings);
          schedule_expiry (tasks, (gint64) settings.task_ttl * 1000, FALSE);
        }
      return tasks;
    }

  tasks = g_new0 (Tasks, 1);
  tasks->host = host;
  tasks->lease_s = NORTH_MCP_TASK_LEASE_S;
  tasks->deciding = g_atomic_rc_box_new0 (gsize);
  tasks_use_store (tasks, shared);
  tasks->runners = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) north_mcp_task_runner_unref);
  tasks->held_by = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  north_mcp_protocol_host_get_settings (host, &settings);
  schedule_expiry (tasks, (gint64) settings.task_ttl * 1000, TRUE);
  g_object_set_data_full (G_OBJECT (host), TASKS_KEY, tasks, (GDestroyNotify) tasks_free);
  return tasks;
}

void
north_mcp_tasks_set_lease (NorthMcpProtocolHost *host,
                           guint                 lease_s)
{
  Tasks *tasks = north_mcp_tasks_get (host);
  NorthMcpProtocolSettings settings;

  g_return_if_fail (lease_s >= 3);
  tasks->lease_s = lease_s;
  if (tasks->shared != NULL)
    north_mcp_shared_task_store_set_lease (tasks->store, lease_s);
  north_mcp_protocol_host_get_settings (host, &settings);
  schedule_expiry (tasks, (gint64) settings.task_ttl * 1000, FALSE);
}

void
north_mcp_tasks_stop (NorthMcpProtocolHost *host)
{
  Tasks *tasks = g_object_get_data (G_OBJECT (host), TASKS_KEY);
  g_autoptr(GPtrArray) running = g_ptr_array_new_with_free_func ((GDestroyNotify) north_mcp_task_runner_unref);
  GHashTableIter iter;
  Runner *runner;

  if (tasks == NULL)
    return;
  /* Their contexts hold the server: left running, a handler that never
   * ends would keep it (and itself) for ever. */
  g_hash_table_iter_init (&iter, tasks->runners);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &runner))
    g_ptr_array_add (running, north_mcp_task_runner_ref (runner));
  for (guint i = 0; i < running->len; i++)
    north_mcp_task_runner_drop (g_ptr_array_index (running, i));
  /* The session manager closes the state store: its connection must not
   * stay open here (the next start may have another). */
  tasks_release_shared (tasks);
}

/* Helpers. */

gboolean
north_mcp_tasks_method_is_task (const char *method)
{
  /* "tools/call" is told at its second letter. */
  if (method == NULL || strncmp (method, "tasks/", 6) != 0)
    return FALSE;
  return strcmp (method + 6, "get") == 0 || strcmp (method + 6, "update") == 0 ||
         strcmp (method + 6, "cancel") == 0;
}

void
north_mcp_tasks_add_capability (NorthMcpProtocolHost *host,
                                JsonObject           *capabilities)
{
  GPtrArray *tools = north_mcp_protocol_host_get_features (host, NORTH_MCP_REGISTRY_TOOLS);
  JsonObject *extensions;

  for (guint i = 0; i < tools->len; i++)
    if (north_mcp_tool_get_task_support (g_ptr_array_index (tools, i)) != NORTH_MCP_TASK_SUPPORT_FORBIDDEN)
      {
        extensions = north_mcp_object_get_object (capabilities, "extensions");
        if (extensions == NULL)
          {
            extensions = json_object_new ();
            json_object_set_object_member (capabilities, "extensions", extensions);
          }
        json_object_set_object_member (extensions, NORTH_MCP_TASKS_EXTENSION, json_object_new ());
        return;
      }
}

gboolean
north_mcp_tasks_client_declared (NorthMcpContext *context)
{
  JsonObject *meta = north_mcp_object_get_object (north_mcp_context_get_params (context), "_meta");
  JsonObject *capabilities = north_mcp_object_get_object (meta, NORTH_MCP_META_CLIENT_CAPABILITIES);
  JsonObject *extensions = north_mcp_object_get_object (capabilities, "extensions");

  return extensions != NULL && json_object_has_member (extensions, NORTH_MCP_TASKS_EXTENSION);
}

void
north_mcp_tasks_return_missing_extension (NorthMcpContext *context,
                                          const char      *message)
{
  g_autoptr(JsonObject) data = json_object_new ();
  JsonObject *required = json_object_new ();
  JsonObject *extensions = json_object_new ();
  g_autoptr(JsonNode) node = NULL;

  json_object_set_object_member (extensions, NORTH_MCP_TASKS_EXTENSION, json_object_new ());
  json_object_set_object_member (required, "extensions", extensions);
  json_object_set_object_member (data, "requiredCapabilities", required);
  node = north_mcp_node_new_object (data);
  north_mcp_context_return_error_full (context, NORTH_MCP_JSONRPC_ERROR_MISSING_CLIENT_CAPABILITY,
                                       message, node);
}

/* The identity a task belongs to, by the rule of a session's owner (so a
 * token without a subject is its issuer's and its e-mail's, not the
 * e-mail's alone); no name or address of it is kept, in a shared store
 * either. */
char *
north_mcp_tasks_owner_of (NorthMcpUser *user)
{
  return north_mcp_session_owner_key (user);
}

/* Runners: a task's handler running in this process. */

Runner *
north_mcp_task_runner_ref (Runner *runner)
{
  return g_atomic_rc_box_acquire (runner);
}

static void
runner_clear (Runner *runner)
{
  g_free (runner->task_id);
  g_free (runner->owner);
  g_clear_object (&runner->store);
  g_clear_object (&runner->user);
  g_clear_object (&runner->tool);
  g_clear_pointer (&runner->params, json_object_unref);
  g_clear_pointer (&runner->arguments, json_object_unref);
  g_clear_pointer (&runner->record, json_object_unref);
  g_clear_pointer (&runner->pending, json_object_unref);
  g_clear_pointer (&runner->responses, json_object_unref);
  g_free (runner->state);
  g_clear_object (&runner->context);
  g_clear_object (&runner->origin);
  g_clear_pointer (&runner->early, json_node_unref);
  g_clear_pointer (&runner->announced, json_object_unref);
}

void
north_mcp_task_runner_unref (Runner *runner)
{
  g_atomic_rc_box_release_full (runner, (GDestroyNotify) runner_clear);
}

static void fail (Runner *runner, int code, const char *message);
static const char *hold_more (Runner *runner, gsize size);
static gsize held_size (Runner *runner, JsonNode *node);

/* Whether @runner may keep its record to write it again: counted once
 * with what it holds, within the same bounds. */
static gboolean
keep_unwritten (Runner *runner)
{
  g_autoptr(JsonNode) node = NULL;

  if (runner->tasks == NULL)
    return FALSE;
  if (runner->unwritten_held)
    return TRUE;
  node = north_mcp_node_new_object (runner->record);
  runner->unwritten_held = hold_more (runner, held_size (runner, node)) == NULL;
  return runner->unwritten_held;
}

static void
flushed (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(Runner) runner = user_data;
  g_autoptr(GError) error = NULL;

  runner->flushing--;
  if (north_mcp_task_store_update_finish (NORTH_MCP_TASK_STORE (source), result, &error))
    {
      /* An ended task's runner stays until its last record is written. */
      if (runner->flushing == 0 &&
          north_mcp_task_status_is_terminal (north_mcp_object_get_string (runner->record, "status")))
        north_mcp_task_runner_drop (runner);
      return;
    }

  /* The store could not answer (Redis down a while): no fault of the
   * task's, which goes on; the sweep writes its record again (a final
   * one too: its runner stays until then, or until the task's ttl, its
   * record counted with what it holds). Without room: as before. */
  if (north_mcp_task_store_error_is_unavailable (error) && keep_unwritten (runner))
    {
      runner->unwritten = TRUE;
      return;
    }

  /* No room for the record: the task fails, with a record that says why
   * (small, so it fits where the large one did not; nobody waits for
   * it). */
  if (g_error_matches (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED))
    {
      fail (runner, NORTH_MCP_JSONRPC_ERROR_INTERNAL_ERROR, error->message);
      north_mcp_task_store_update_async (NORTH_MCP_TASK_STORE (source), runner->owner,
                                         runner->record, NULL, NULL, NULL);
    }
  /* Else refused: cancelled or expired meanwhile. */
  north_mcp_task_runner_drop (runner);
}

/* Writes the record as it is; a terminal one ends the runner. */
static void
runner_write (Runner *runner)
{
  if (runner->tasks == NULL || !runner->created)
    return;
  runner->unwritten = FALSE;
  runner->flushing++;
  /* Its own store, where its record is (the server's may have changed).
   * A terminal record ends the runner once written (flushed()). */
  north_mcp_task_store_update_async (runner->store, runner->owner, runner->record,
                                     NULL, flushed, north_mcp_task_runner_ref (runner));
}

/* Writes the record, changed: the handler lives as long as it. */
void
north_mcp_task_runner_flush (Runner *runner)
{
  if (runner->tasks == NULL || !runner->created)
    return;
  runner->touched_at = g_get_monotonic_time ();
  runner_write (runner);
}

static JsonObject *
error_object (JsonObject *error)
{
  JsonObject *copy = json_object_new ();
  const char *message = north_mcp_object_get_string (error, "message");
  JsonNode *data = json_object_get_member (error, "data");

  json_object_set_int_member (copy, "code",
                              json_object_get_int_member_with_default (error, "code",
                                                                       NORTH_MCP_JSONRPC_ERROR_INTERNAL_ERROR));
  json_object_set_string_member (copy, "message", message != NULL ? message : "The task failed");
  if (data != NULL)
    json_object_set_member (copy, "data", json_node_copy (data));
  return copy;
}

static void
fail (Runner     *runner,
      int         code,
      const char *message)
{
  north_mcp_task_record_set_failed (runner->record, code, message);
}

/* Whether @node (what the handler answered: its result, error or input
 * requests, @what) is more than a task keeps; the task fails then, saying
 * so. */
static gboolean
fail_if_too_large (Runner     *runner,
                   const char *what,
                   JsonNode   *node)
{
  g_autofree char *text = json_to_string (node, FALSE);
  gsize length = strlen (text);
  g_autofree char *why = NULL;

  if (length <= NORTH_MCP_TASK_MAX_RESULT_BYTES)
    return FALSE;
  why = g_strdup_printf ("The tool's %s (%" G_GSIZE_FORMAT " bytes) is larger than a task keeps (%d bytes)",
                         what, length, NORTH_MCP_TASK_MAX_RESULT_BYTES);
  fail (runner, NORTH_MCP_JSONRPC_ERROR_INTERNAL_ERROR, why);
  return TRUE;
}

/* The handler answered (@message a JSON-RPC response, NULL when the
 * request was cancelled): the outcome becomes the task's state. An error
 * or input requests are bounded as a result is. */
static void
runner_apply (Runner   *runner,
              JsonNode *message)
{
  JsonObject *object = message != NULL ? json_node_get_object (message) : NULL;
  JsonObject *error = north_mcp_object_get_object (object, "error");
  JsonObject *result = north_mcp_object_get_object (object, "result");
  const char *result_type = north_mcp_object_get_string (result, "resultType");

  json_object_remove_member (runner->record, "inputRequests");
  json_object_remove_member (runner->record, "statusMessage");
  if (object == NULL)
    north_mcp_task_record_touch (runner->record, "cancelled");
  else if (error != NULL)
    {
      g_autoptr(JsonObject) copy = error_object (error);
      g_autoptr(JsonNode) node = north_mcp_node_new_object (copy);

      if (fail_if_too_large (runner, "error", node))
        return;
      json_object_set_object_member (runner->record, "error", g_steal_pointer (&copy));
      north_mcp_task_record_touch (runner->record, "failed");
    }
  else if (result != NULL && g_strcmp0 (result_type, "input_required") == 0)
    {
      JsonObject *requests = north_mcp_object_get_object (result, "inputRequests");
      const char *sealed = north_mcp_object_get_string (result, "requestState");
      g_autoptr(GError) state_error = NULL;

      g_clear_pointer (&runner->pending, json_object_unref);
      g_clear_pointer (&runner->state, g_free);
      if (requests != NULL &&
          fail_if_too_large (runner, "input requests", json_object_get_member (result, "inputRequests")))
        return;
      /* Opened now: the state stays here, and the answers may take as
       * long as the task lives, longer than a requestState's lifetime. */
      if (sealed != NULL &&
          !north_mcp_revision_2026_open_own_state (runner->tasks->host, runner->user, "tools/call",
                                                   runner->params, sealed, &runner->state, &state_error))
        {
          fail (runner, NORTH_MCP_JSONRPC_ERROR_INTERNAL_ERROR, state_error->message);
          return;
        }
      if (requests == NULL || json_object_get_size (requests) == 0)
        {
          fail (runner, NORTH_MCP_JSONRPC_ERROR_INTERNAL_ERROR,
                "The tool asked for input without saying which");
          return;
        }
      runner->pending = json_object_ref (requests);
      json_object_set_object_member (runner->record, "inputRequests", json_object_ref (requests));
      north_mcp_task_record_touch (runner->record, "input_required");
    }
  else if (result != NULL)
    {
      if (fail_if_too_large (runner, "result", json_object_get_member (object, "result")))
        return;
      json_object_set_member (runner->record, "result", json_node_copy (json_object_get_member (object, "result")));
      north_mcp_task_record_touch (runner->record, "completed");
    }
  else
    fail (runner, NORTH_MCP_JSONRPC_ERROR_INTERNAL_ERROR, "The tool answered with neither result nor error");
}

static void
runner_on_answer (Runner   *runner,
                  JsonNode *message)
{
  north_mcp_task_runner_linger_end (runner);
  if (runner->tasks == NULL)
    return;
  if (runner->immediate)
    {
      /* Still inside the call: the answer is the response. */
      if (runner->early == NULL && message != NULL)
        runner->early = json_node_ref (message);
      return;
    }

  g_clear_object (&runner->context);
  runner_apply (runner, message);
  north_mcp_task_runner_flush (runner);
}

/* The answer of a round, from the channel of the task's context (its
 * notifications go nowhere: nobody listens to a task's stream). */
static void
on_round_answer (JsonNode *response,
                 gpointer  user_data)
{
  runner_on_answer (user_data, response);
}

void
north_mcp_round_origin_init (RoundOrigin     *origin,
                             NorthMcpContext *context)
{
  origin->north_context = g_hash_table_ref (north_mcp_context_get_north_context (context));
  origin->traceparent = north_mcp_context_dup_traceparent (context, &origin->tracestate);
  origin->user = north_mcp_context_get_user (context) != NULL ? g_object_ref (north_mcp_context_get_user (context))
                                                              : NULL;
}

void
north_mcp_round_origin_clear (RoundOrigin *origin)
{
  g_clear_pointer (&origin->north_context, g_hash_table_unref);
  g_clear_pointer (&origin->traceparent, g_free);
  g_clear_pointer (&origin->tracestate, g_free);
  g_clear_object (&origin->user);
}

/* Runs one round of the handler on a context of the task's own, with
 * what it takes of the request that started the round (@origin: the
 * tools/call, or the tasks/update of its last answers): the round runs
 * after that request's dispatch (once the store answered, or on the
 * replica an update was relayed to), where no request is current. Its
 * span, an INTERNAL one (the server's own work, received over no
 * transport), is a child of that request's: OpenTelemetry asks nothing of a
 * parent's end (a parent is only a span context, maybe remote), and
 * the request's span is still open when the round starts (a tasks/update
 * relayed to this replica waits for the acknowledgment sent after it). */
static void
runner_start_round (Runner            *runner,
                    JsonObject        *params,
                    char              *request_state,
                    const RoundOrigin *origin)
{
  Tasks *tasks = runner->tasks;
  JsonObject *meta = north_mcp_object_get_object (params, "_meta");
  g_autoptr(NorthMcpChannel) channel = north_mcp_task_channel_new (on_round_answer, north_mcp_task_runner_ref (runner),
                                                                  (GDestroyNotify) north_mcp_task_runner_unref);
  g_autoptr(JsonNode) id = json_node_new (JSON_NODE_VALUE);
  NorthMcpRequestInfo request = { tasks->host, NULL, runner->user, channel, id, "tools/call", params,
                                  north_mcp_object_get_string (meta, NORTH_MCP_META_PROTOCOL_VERSION),
                                  origin->traceparent, origin->tracestate, TRUE };
  NorthMcpContext *context;

  /* The identity stays the tools/call's (the owner's, whom alone the
   * answers come from); its credentials are those last verified. Not
   * for the anonymous owner: credentials that name no one are anyone's,
   * and another caller's would make the round act on their account. */
  if (origin->user != NULL && origin->user != runner->user)
    {
      g_autofree char *owner = north_mcp_tasks_owner_of (origin->user);
      g_autofree char *anonymous = north_mcp_tasks_owner_of (NULL);

      if (g_str_equal (owner, runner->owner) && !g_str_equal (owner, anonymous))
        g_set_object (&runner->user, origin->user);
    }
  request.user = runner->user;
  json_node_set_string (id, runner->task_id);
  context = north_mcp_context_new (&request);
  /* A round may outlive its request (a tasks/update): it keeps the North
   * context, counted, not the headers (up to 64 KiB, counted nowhere). */
  north_mcp_tasks_count_held (tasks, runner, north_mcp_context_use_north_context (context, origin->north_context), TRUE);
  north_mcp_context_set_revision_2026 (context, request_state);
  g_object_set_data_full (G_OBJECT (context), CONTEXT_TASK_KEY, g_strdup (runner->task_id), g_free);
  g_clear_object (&runner->context);
  runner->context = context;

  g_object_ref (context);
  north_mcp_context_set_feature (context, NORTH_MCP_FEATURE (runner->tool));
  north_mcp_context_push_current (context);
  NORTH_MCP_TOOL_GET_CLASS (runner->tool)->call (runner->tool, context, runner->arguments);
  north_mcp_context_pop_current (context);
  g_object_unref (context);
}

static JsonObject *
create_task_result (JsonObject *record)
{
  JsonObject *result = json_object_new ();
  static const char * const members[] = {
    "taskId", "status", "statusMessage", "createdAt", "lastUpdatedAt", "ttlMs", "pollIntervalMs",
  };

  json_object_set_string_member (result, "resultType", "task");
  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    if (json_object_has_member (record, members[i]))
      json_object_set_member (result, members[i], json_node_copy (json_object_get_member (record, members[i])));
  return result;
}

static void
created (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(Runner) runner = user_data;
  g_autoptr(NorthMcpContext) origin = g_steal_pointer (&runner->origin);
  g_autoptr(GError) error = NULL;

  if (!north_mcp_task_store_create_finish (NORTH_MCP_TASK_STORE (source), result, &error))
    {
      north_mcp_context_return_error_full (origin, NORTH_MCP_JSONRPC_ERROR_INTERNAL_ERROR,
                                           error->message, NULL);
      north_mcp_task_runner_drop (runner);
      return;
    }

  /* Only now: a tasks/get right after this answer must find the task. */
  {
    g_autoptr(JsonObject) announced = g_steal_pointer (&runner->announced);

    north_mcp_dispatch_return_object (origin, announced);
  }
  runner->created = TRUE;
  /* The handler may have finished meanwhile. */
  if (g_strcmp0 (north_mcp_object_get_string (runner->record, "status"), "working") != 0)
    north_mcp_task_runner_flush (runner);
}

/* Hands the handler's immediate answer to the tools/call as it is. */
static void
answer_directly (NorthMcpContext *origin,
                 JsonNode        *message)
{
  JsonObject *object = json_node_get_object (message);
  JsonObject *error = north_mcp_object_get_object (object, "error");

  if (error != NULL)
    {
      JsonNode *data = json_object_get_member (error, "data");

      north_mcp_context_return_error_full (origin,
                                           json_object_get_int_member_with_default (error, "code",
                                                                                    NORTH_MCP_JSONRPC_ERROR_INTERNAL_ERROR),
                                           north_mcp_object_get_string (error, "message"),
                                           data);
    }
  else
    north_mcp_context_return_result (origin, json_object_get_member (object, "result"));
}

/* Counts @size more bytes that the runner keeps (its request, answers it
 * collects for its next round) against NORTH_MCP_TASK_MAX_HELD_BYTES and
 * its owner's NORTH_MCP_TASK_MAX_HELD_BYTES_PER_OWNER; NULL when counted,
 * else the bound they do not fit in (nothing counted). Each part is
 * measured once, when it comes: measuring all the runner keeps again on
 * every tasks/update cost a client's 300-byte request a walk of its
 * earlier 4 MiB one. */
static const char *
hold_more (Runner *runner,
           gsize   size)
{
  Tasks *tasks = runner->tasks;

  if (size > NORTH_MCP_TASK_MAX_HELD_BYTES - tasks->held)
    return "64 MiB";
  if (size > NORTH_MCP_TASK_MAX_HELD_BYTES_PER_OWNER - north_mcp_tasks_owner_held (tasks, runner->owner))
    return "16 MiB for this user";
  north_mcp_tasks_count_held (tasks, runner, size, TRUE);
  return NULL;
}

/* Stops counting @size bytes (answers handed to the next round). */
static void
hold_less (Runner *runner,
           gsize   size)
{
  north_mcp_tasks_count_held (runner->tasks, runner, MIN (size, runner->held), FALSE);
}

/* The size of @node as the bound counts it, or more than the room left
 * when it does not fit. */
static gsize
held_size (Runner   *runner,
           JsonNode *node)
{
  Tasks *tasks = runner->tasks;

  return north_mcp_json_size_up_to (node, MIN (NORTH_MCP_TASK_MAX_HELD_BYTES - tasks->held,
                                               NORTH_MCP_TASK_MAX_HELD_BYTES_PER_OWNER -
                                               north_mcp_tasks_owner_held (tasks, runner->owner)));
}

static void admitted (GObject *source, GAsyncResult *result, gpointer user_data);

gboolean
north_mcp_tasks_call_tool (NorthMcpProtocolHost *host,
                           NorthMcpContext      *context,
                           NorthMcpTool         *tool,
                           JsonObject           *arguments)
{
  NorthMcpTaskSupport support = north_mcp_tool_get_task_support (tool);
  g_autoptr(Runner) runner = NULL;
  NorthMcpProtocolSettings settings;
  Tasks *tasks;
  g_autofree char *stamp = NULL;

  if (!north_mcp_context_get_revision_2026 (context) || support == NORTH_MCP_TASK_SUPPORT_FORBIDDEN)
    return FALSE;

  if (!north_mcp_tasks_client_declared (context))
    {
      if (support != NORTH_MCP_TASK_SUPPORT_REQUIRED)
        return FALSE;
      north_mcp_tasks_return_missing_extension (context, "Missing required client capability: this tool runs only as a "
                                         "task (extension io.modelcontextprotocol/tasks)");
      return TRUE;
    }

  tasks = north_mcp_tasks_get (host);
  runner = g_atomic_rc_box_new0 (Runner);
  runner->tasks = tasks;
  runner->store = g_object_ref (tasks->store);
  runner->touched_at = g_get_monotonic_time ();
  north_mcp_protocol_host_get_settings (tasks->host, &settings);
  runner->ttl_ms = (gint64) settings.task_ttl * 1000;
  /* A lowered task-ttl: the sweep must not wait for the longer one. */
  schedule_expiry (tasks, runner->ttl_ms, FALSE);
  runner->task_id = north_mcp_task_random_id ();
  runner->user = north_mcp_context_get_user (context) != NULL
                 ? g_object_ref (north_mcp_context_get_user (context)) : NULL;
  runner->owner = north_mcp_tasks_owner_of (runner->user);
  runner->tool = g_object_ref (tool);
  runner->params = json_object_ref (north_mcp_context_get_params (context));
  runner->arguments = json_object_ref (arguments);
  runner->origin = g_object_ref (context);
  runner->record = json_object_new ();
  stamp = north_mcp_task_timestamp ();
  json_object_set_string_member (runner->record, "taskId", runner->task_id);
  json_object_set_string_member (runner->record, "status", "working");
  json_object_set_string_member (runner->record, "createdAt", stamp);
  json_object_set_string_member (runner->record, "lastUpdatedAt", stamp);
  json_object_set_int_member (runner->record, "ttlMs", runner->ttl_ms);
  json_object_set_int_member (runner->record, "pollIntervalMs", NORTH_MCP_TASK_POLL_INTERVAL_MS);
  g_hash_table_insert (tasks->runners, runner->task_id, north_mcp_task_runner_ref (runner));

  /* A user at the limits is refused before the handler runs (its side
   * effects with it); the create checks again. */
  north_mcp_task_store_admit_async (tasks->store, runner->owner, NULL, admitted,
                                    north_mcp_task_runner_ref (runner));
  return TRUE;
}

/* The store has room for the task: the handler's first round. */
static void
admitted (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(Runner) runner = user_data;
  NorthMcpContext *context = runner->origin;
  g_autoptr(JsonNode) params_node = NULL;
  g_autoptr(GError) error = NULL;
  const char *bound;

  if (!north_mcp_task_store_admit_finish (NORTH_MCP_TASK_STORE (source), result, &error))
    {
      north_mcp_context_return_error_full (context, NORTH_MCP_JSONRPC_ERROR_INTERNAL_ERROR, error->message, NULL);
      g_clear_object (&runner->origin);
      north_mcp_task_runner_drop (runner);
      return;
    }

  if (runner->tasks != NULL)
    {
      RoundOrigin origin;

      north_mcp_round_origin_init (&origin, context);
      runner->immediate = TRUE;
      runner_start_round (runner, runner->params, g_strdup (north_mcp_context_get_request_state (context)),
                          &origin);
      runner->immediate = FALSE;
      north_mcp_round_origin_clear (&origin);
    }

  /* The handler stopped the server (or it stopped meanwhile). */
  if (runner->tasks == NULL && runner->early == NULL)
    {
      north_mcp_context_return_error_full (context, NORTH_MCP_JSONRPC_ERROR_INTERNAL_ERROR,
                                           "The server is stopping", NULL);
      g_clear_object (&runner->origin);
      return;
    }

  if (runner->early != NULL)
    {
      /* The immediate-result shortcut: no task. */
      answer_directly (context, runner->early);
      g_clear_object (&runner->origin);
      north_mcp_task_runner_drop (runner);
      return;
    }

  /* A task keeps its request while it runs: bounded in all. */
  params_node = north_mcp_node_new_object (runner->params);
  runner->request_held = held_size (runner, params_node);
  bound = hold_more (runner, runner->request_held);
  if (bound != NULL)
    {
      g_autofree char *why = g_strdup_printf ("Too many running tasks: the requests they keep would exceed "
                                              "%s; try again when some have ended", bound);

      north_mcp_context_return_error_full (context, NORTH_MCP_JSONRPC_ERROR_INTERNAL_ERROR, why, NULL);
      g_clear_object (&runner->origin);
      north_mcp_task_runner_drop (runner);
      return;
    }

  runner->announced = create_task_result (runner->record);
  /* Where the admission was checked: the server's store may have changed
   * since. */
  north_mcp_task_store_create_async (runner->store, runner->owner, runner->record,
                                     NULL, created, north_mcp_task_runner_ref (runner));
}

/* tasks/get, tasks/update, tasks/cancel */

/* Every input request answered: the next round, like an MRTR retry. */
static void
runner_resume (Runner            *runner,
               const RoundOrigin *origin)
{
  g_autoptr(JsonObject) params = json_object_new ();
  g_autoptr(GList) members = json_object_get_members (runner->params);

  /* The answers are objects (tasks/update took no others), the state
   * the handler's own, opened when it asked. */
  for (GList *l = members; l != NULL; l = l->next)
    if (!g_str_equal (l->data, "inputResponses") && !g_str_equal (l->data, "requestState"))
      json_object_set_member (params, l->data, json_node_copy (json_object_get_member (runner->params, l->data)));
  json_object_set_object_member (params, "inputResponses", g_steal_pointer (&runner->responses));
  /* The round has them now; the request stays counted (a record kept
   * unwritten no longer is). */
  hold_less (runner, runner->held - runner->request_held);
  runner->unwritten_held = FALSE;
  north_mcp_task_record_touch (runner->record, "working");
  runner_start_round (runner, params, g_steal_pointer (&runner->state), origin);
}

/* Takes @answers to the requests @runner waits for (answers to others
 * are ignored); once none is left, its next round starts, with
 * @origin. */
void
north_mcp_task_runner_take_answers (Runner            *runner,
                                    JsonObject        *answers,
                                    const RoundOrigin *origin)
{
  g_autoptr(GList) keys = json_object_get_members (answers);
  const char *bound = NULL;

  for (GList *l = keys; l != NULL && runner->pending != NULL && bound == NULL; l = l->next)
    {
      JsonNode *answer = json_object_get_member (answers, l->data);

      if (!json_object_has_member (runner->pending, l->data) || !JSON_NODE_HOLDS_OBJECT (answer))
        continue;
      bound = hold_more (runner, strlen (l->data) + held_size (runner, answer));
      if (bound != NULL)
        break;
      if (runner->responses == NULL)
        runner->responses = json_object_new ();
      json_object_set_member (runner->responses, l->data, json_node_copy (answer));
      json_object_remove_member (runner->pending, l->data);
      north_mcp_task_record_touch (runner->record, "input_required");
      /* A change: the record lives on, and so must its handler. */
      runner->touched_at = g_get_monotonic_time ();
    }

  if (bound != NULL)
    {
      g_autofree char *why = g_strdup_printf ("Too many running tasks: the requests and answers they keep "
                                              "would exceed %s", bound);

      /* The task lets go of what it collected, and ends. */
      g_clear_pointer (&runner->responses, json_object_unref);
      g_clear_pointer (&runner->pending, json_object_unref);
      json_object_remove_member (runner->record, "inputRequests");
      fail (runner, NORTH_MCP_JSONRPC_ERROR_INTERNAL_ERROR, why);
    }
  else if (runner->pending != NULL && json_object_get_size (runner->pending) == 0)
    {
      g_clear_pointer (&runner->pending, json_object_unref);
      json_object_remove_member (runner->record, "inputRequests");
      runner_resume (runner, origin);
    }
}

typedef struct
{
  NorthMcpContext *context;
  char            *message;
} StatusMessage;

static gboolean
apply_status_message (gpointer user_data)
{
  StatusMessage *update = user_data;
  const char *task_id = g_object_get_data (G_OBJECT (update->context), CONTEXT_TASK_KEY);
  Tasks *tasks = g_object_get_data (G_OBJECT (north_mcp_context_get_host (update->context)), TASKS_KEY);
  Runner *runner = tasks != NULL ? g_hash_table_lookup (tasks->runners, task_id) : NULL;

  /* Only the current round of a task that still runs. */
  if (runner != NULL && runner->context == update->context)
    {
      if (update->message == NULL)
        json_object_remove_member (runner->record, "statusMessage");
      else
        json_object_set_string_member (runner->record, "statusMessage", update->message);
      north_mcp_task_record_touch (runner->record, north_mcp_object_get_string (runner->record, "status"));
      north_mcp_task_runner_flush (runner);
    }

  g_object_unref (update->context);
  g_free (update->message);
  g_free (update);
  return G_SOURCE_REMOVE;
}

gboolean
north_mcp_tasks_set_status_message (NorthMcpContext *context,
                                    const char      *message)
{
  StatusMessage *update;

  if (g_object_get_data (G_OBJECT (context), CONTEXT_TASK_KEY) == NULL)
    return FALSE;

  update = g_new0 (StatusMessage, 1);
  update->context = g_object_ref (context);
  if (message != NULL)
    update->message = g_utf8_make_valid (message, MIN (strlen (message), NORTH_MCP_TASK_MAX_STATUS_MESSAGE));
  /* Records are only touched on the server's main context. */
  g_main_context_invoke (north_mcp_protocol_host_get_main_context (north_mcp_context_get_host (context)),
                         apply_status_message, update);
  return TRUE;
}
