/* north-mcp-task-store.c: the task store interface
 *
 * The stores implement one run() and never finish a call themselves: the
 * functions here make the task, and take its result back with the type
 * the operation has.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-task-store-private.h"
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

/* Every asynchronous call: a task tagged with the public function, then
 * the implementation's run(). */
static void
run (NorthMcpTaskStore              *self,
     const NorthMcpTaskStoreRequest *request,
     GCancellable                   *cancellable,
     GAsyncReadyCallback             callback,
     gpointer                        user_data,
     gpointer                        tag)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, tag);
  NORTH_MCP_TASK_STORE_GET_IFACE (self)->run (self, request, task);
}

/* @result, checked to come from @self's call @tag: one run() answers
 * every call, so a result given to another call's _finish would be read
 * as the wrong type. */
static GTask *
task_of (NorthMcpTaskStore *self,
         GAsyncResult      *result,
         gpointer           tag)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, tag), NULL);
  return G_TASK (result);
}

static gboolean
boolean_finish (NorthMcpTaskStore  *self,
                GAsyncResult       *result,
                gpointer            tag,
                GError            **error)
{
  GTask *task = task_of (self, result, tag);

  return task != NULL && g_task_propagate_boolean (task, error);
}

void
north_mcp_task_store_create_async (NorthMcpTaskStore   *self,
                                   const char          *owner,
                                   JsonObject          *record,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  NorthMcpTaskStoreRequest request = {
    NORTH_MCP_TASK_STORE_OP_CREATE, owner, north_mcp_object_get_string (record, "taskId"), record
  };

  run (self, &request, cancellable, callback, user_data, north_mcp_task_store_create_async);
}

gboolean
north_mcp_task_store_create_finish (NorthMcpTaskStore  *self,
                                    GAsyncResult       *result,
                                    GError            **error)
{
  return boolean_finish (self, result, north_mcp_task_store_create_async, error);
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
  GTask *task = task_of (self, result, north_mcp_task_store_get_async);

  return task != NULL ? g_task_propagate_pointer (task, error) : NULL;
}

void
north_mcp_task_store_update_async (NorthMcpTaskStore   *self,
                                   const char          *owner,
                                   JsonObject          *record,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  NorthMcpTaskStoreRequest request = {
    NORTH_MCP_TASK_STORE_OP_UPDATE, owner, north_mcp_object_get_string (record, "taskId"), record
  };

  run (self, &request, cancellable, callback, user_data, north_mcp_task_store_update_async);
}

gboolean
north_mcp_task_store_update_finish (NorthMcpTaskStore  *self,
                                    GAsyncResult       *result,
                                    GError            **error)
{
  return boolean_finish (self, result, north_mcp_task_store_update_async, error);
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
  return boolean_finish (self, result, north_mcp_task_store_cancel_async, error);
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
  GTask *task = task_of (self, result, north_mcp_task_store_expire_async);

  return task != NULL ? g_task_propagate_int (task, error) : -1;
}
