/* north-mcp-task-store.c: the task store interface
 *
 * The stores implement one run() and never finish a call themselves: the
 * functions here make the task, and take its result back with the type
 * the operation has.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-error.h"
#include "north-mcp-json-writer-private.h"
#include "north-mcp-state-store-private.h"
#include "north-mcp-store-call-private.h"
#include "north-mcp-task-private.h"
#include "north-mcp-task-store-private.h"
#include "north-mcp-random-private.h"
#include "north-mcp-util-private.h"

G_DEFINE_INTERFACE (NorthMcpTaskStore, north_mcp_task_store, G_TYPE_OBJECT)

static void
north_mcp_task_store_default_init (NorthMcpTaskStoreInterface *iface)
{
}

gboolean
north_mcp_task_status_is_terminal (const char *status)
{
  return g_strcmp0 (status, "completed") == 0 || g_strcmp0 (status, "failed") == 0 ||
         g_strcmp0 (status, "cancelled") == 0;
}

gboolean
north_mcp_task_status_is_known (const char *status)
{
  return g_strcmp0 (status, "working") == 0 || g_strcmp0 (status, "input_required") == 0 ||
         north_mcp_task_status_is_terminal (status);
}

char *
north_mcp_task_random_id (void)
{
  g_autoptr(GError) error = NULL;
  char *id = north_mcp_random_id (&error);

  if (id == NULL)
    g_error ("No random bytes for an id: %s", error->message);
  return id;
}

char *
north_mcp_task_timestamp (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  return g_date_time_format (now, "%Y-%m-%dT%H:%M:%S.%fZ");
}

void
north_mcp_task_record_touch (JsonObject *record,
                             const char *status)
{
  g_autofree char *stamp = north_mcp_task_timestamp ();
  g_autofree char *copy = g_strdup (status); /* may be the record's own */

  json_object_set_string_member (record, "status", copy);
  json_object_set_string_member (record, "lastUpdatedAt", stamp);
}

/* The longest time to live a record gets (the server gives at most
 * task-ttl's maximum). */
#define TTL_MAX_MS ((gint64) NORTH_MCP_TASK_MAX_TTL_S * 1000)

guint64
north_mcp_task_record_ttl_ms (JsonObject *record)
{
  /* A record read back may be anyone's: a member of another type is as
   * good as absent (json_object_get_int_member_with_default() would be
   * critical about it). */
  JsonNode *node = north_mcp_object_get_node (record, "ttlMs", JSON_NODE_VALUE);
  gint64 ttl = node != NULL && json_node_get_value_type (node) == G_TYPE_INT64 ? json_node_get_int (node) : 0;

  /* Never without expiry, never gone before it can be read, and never so
   * long that Redis refuses to add it to now (or the memory store's
   * expiry overflows). */
  return ttl > 0 ? (guint64) CLAMP (ttl, 1000, TTL_MAX_MS) : NORTH_MCP_TASK_TTL_MS;
}

void
north_mcp_task_record_set_cancelled (JsonObject *record)
{
  north_mcp_task_record_touch (record, "cancelled");
  json_object_remove_member (record, "inputRequests");
}

void
north_mcp_task_record_set_failed (JsonObject *record,
                                  int         code,
                                  const char *message)
{
  JsonObject *error = json_object_new ();

  json_object_set_int_member (error, "code", code);
  json_object_set_string_member (error, "message", message);
  json_object_remove_member (record, "result");
  json_object_remove_member (record, "inputRequests");
  json_object_set_object_member (record, "error", error);
  north_mcp_task_record_touch (record, "failed");
}

gboolean
north_mcp_task_store_error_is_unavailable (const GError *error)
{
  return g_error_matches (error, NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_UNAVAILABLE);
}

/* Every asynchronous call: a task tagged with the public function (its
 * _finish checks the tag: one run() answers every call), then the
 * implementation's run(). A record names its task. */
static void
run (NorthMcpTaskStore        *self,
     NorthMcpTaskStoreRequest *request,
     GCancellable             *cancellable,
     GAsyncReadyCallback       callback,
     gpointer                  user_data,
     gpointer                  tag)
{
  g_autoptr(GTask) task = north_mcp_store_call_new (self, cancellable, callback, user_data, tag);

  if (request->record != NULL)
    {
      g_autoptr(JsonNode) node = north_mcp_node_new_object (request->record);

      request->task_id = north_mcp_object_get_string (request->record, "taskId");
      /* The record nests a level more than its result. Refused in every
       * store alike, as a record too large is: the shared one could not
       * read it back. */
      if (north_mcp_json_nests_deeper_than (node, NORTH_MCP_TASK_MAX_RESULT_DEPTH + 1))
        {
          g_task_return_new_error (task, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED,
                                   "The task's result, error or input requests nest more than %d levels "
                                   "deep, more than a task keeps", NORTH_MCP_TASK_MAX_RESULT_DEPTH);
          return;
        }
    }
  NORTH_MCP_TASK_STORE_GET_IFACE (self)->run (self, request, task);
}

void
north_mcp_task_store_create_async (NorthMcpTaskStore   *self,
                                   const char          *owner,
                                   JsonObject          *record,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  NorthMcpTaskStoreRequest request = { NORTH_MCP_TASK_STORE_OP_CREATE, owner, .record = record };

  run (self, &request, cancellable, callback, user_data, north_mcp_task_store_create_async);
}

gboolean
north_mcp_task_store_create_finish (NorthMcpTaskStore  *self,
                                    GAsyncResult       *result,
                                    GError            **error)
{
  return north_mcp_store_call_propagate_boolean (self, result, north_mcp_task_store_create_async, error);
}

void
north_mcp_task_store_get_async (NorthMcpTaskStore   *self,
                                const char          *owner,
                                const char          *task_id,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  NorthMcpTaskStoreRequest request = { NORTH_MCP_TASK_STORE_OP_GET, owner, task_id };

  run (self, &request, cancellable, callback, user_data, north_mcp_task_store_get_async);
}

JsonObject *
north_mcp_task_store_get_finish (NorthMcpTaskStore  *self,
                                 GAsyncResult       *result,
                                 GError            **error)
{
  return north_mcp_store_call_propagate_pointer (self, result, north_mcp_task_store_get_async, error);
}

void
north_mcp_task_store_update_async (NorthMcpTaskStore   *self,
                                   const char          *owner,
                                   JsonObject          *record,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  NorthMcpTaskStoreRequest request = { NORTH_MCP_TASK_STORE_OP_UPDATE, owner, .record = record };

  run (self, &request, cancellable, callback, user_data, north_mcp_task_store_update_async);
}

gboolean
north_mcp_task_store_update_finish (NorthMcpTaskStore  *self,
                                    GAsyncResult       *result,
                                    GError            **error)
{
  return north_mcp_store_call_propagate_boolean (self, result, north_mcp_task_store_update_async, error);
}

void
north_mcp_task_store_cancel_async (NorthMcpTaskStore   *self,
                                   const char          *owner,
                                   const char          *task_id,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  NorthMcpTaskStoreRequest request = { NORTH_MCP_TASK_STORE_OP_CANCEL, owner, task_id };

  run (self, &request, cancellable, callback, user_data, north_mcp_task_store_cancel_async);
}

gboolean
north_mcp_task_store_cancel_finish (NorthMcpTaskStore  *self,
                                    GAsyncResult       *result,
                                    GError            **error)
{
  return north_mcp_store_call_propagate_boolean (self, result, north_mcp_task_store_cancel_async, error);
}

void
north_mcp_task_store_expire_async (NorthMcpTaskStore   *self,
                                   gint64               now,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  NorthMcpTaskStoreRequest request = { NORTH_MCP_TASK_STORE_OP_EXPIRE, .now = now };

  run (self, &request, cancellable, callback, user_data, north_mcp_task_store_expire_async);
}

gssize
north_mcp_task_store_expire_finish (NorthMcpTaskStore  *self,
                                    GAsyncResult       *result,
                                    GError            **error)
{
  return north_mcp_store_call_propagate_int (self, result, north_mcp_task_store_expire_async, error);
}

void
north_mcp_task_store_admit_async (NorthMcpTaskStore   *self,
                                  const char          *owner,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  NorthMcpTaskStoreRequest request = { NORTH_MCP_TASK_STORE_OP_ADMIT, owner };

  run (self, &request, cancellable, callback, user_data, north_mcp_task_store_admit_async);
}

gboolean
north_mcp_task_store_admit_finish (NorthMcpTaskStore  *self,
                                   GAsyncResult       *result,
                                   GError            **error)
{
  return north_mcp_store_call_propagate_boolean (self, result, north_mcp_task_store_admit_async, error);
}
