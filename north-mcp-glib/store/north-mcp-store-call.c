/* north-mcp-store-call.c: the tasks of the stores' asynchronous calls
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-store-call-private.h"

GTask *
north_mcp_store_call_new (gpointer             source_object,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data,
                          gpointer             tag)
{
  GTask *task = g_task_new (source_object, cancellable, callback, user_data);

  g_task_set_source_tag (task, tag);
  return task;
}

static gboolean
is_call (gpointer      source_object,
         GAsyncResult *result,
         gpointer      tag)
{
  g_return_val_if_fail (g_task_is_valid (result, source_object), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, tag), FALSE);
  return TRUE;
}

gboolean
north_mcp_store_call_propagate_boolean (gpointer       source_object,
                                        GAsyncResult  *result,
                                        gpointer       tag,
                                        GError       **error)
{
  return is_call (source_object, result, tag) && g_task_propagate_boolean (G_TASK (result), error);
}

gpointer
north_mcp_store_call_propagate_pointer (gpointer       source_object,
                                        GAsyncResult  *result,
                                        gpointer       tag,
                                        GError       **error)
{
  return is_call (source_object, result, tag) ? g_task_propagate_pointer (G_TASK (result), error) : NULL;
}

gssize
north_mcp_store_call_propagate_int (gpointer       source_object,
                                    GAsyncResult  *result,
                                    gpointer       tag,
                                    GError       **error)
{
  return is_call (source_object, result, tag) ? g_task_propagate_int (G_TASK (result), error) : -1;
}
