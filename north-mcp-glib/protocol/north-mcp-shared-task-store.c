/* north-mcp-shared-task-store.c: task records in a state store shared by
 * replicas (issue 15)
 *
 * A record lives under "north-mcp:task:<taskId>" as {"owner":…,"record":…}
 * for its ttlMs. Terminal records are written once, with SET NX, under
 * "north-mcp:task-final:<taskId>", and reads prefer that key: whichever
 * replica ends a task first (the handler's completion, or a cancel on any
 * replica) decides its final state, and a late update of the running
 * state can no longer hide it. tasks/list across replicas is not offered
 * (the protocol layer does not list).
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-error.h"
#include "north-mcp-json-reader-private.h"
#include "north-mcp-json-writer-private.h"
#include "north-mcp-session-manager-private.h"
#include "north-mcp-task-private.h"
#include "north-mcp-task-store-private.h"
#include "north-mcp-util-private.h"

#define RECORD_PREFIX NORTH_MCP_STATE_STORE_PREFIX "task:"
#define FINAL_PREFIX NORTH_MCP_STATE_STORE_PREFIX "task-final:"
/* What a record read back may be: a result of at most
 * NORTH_MCP_TASK_MAX_RESULT_BYTES, escaped, and the rest. */
#define ENVELOPE_MAX_BYTES (6 * NORTH_MCP_TASK_MAX_RESULT_BYTES + 64 * 1024)
#define ENVELOPE_MAX_DEPTH 128
#define TASK_ID_MAX 128

#define NORTH_MCP_TYPE_SHARED_TASK_STORE (north_mcp_shared_task_store_get_type ())
G_DECLARE_FINAL_TYPE (NorthMcpSharedTaskStore, north_mcp_shared_task_store,
                      NORTH_MCP, SHARED_TASK_STORE, GObject)

struct _NorthMcpSharedTaskStore
{
  GObject             parent_instance;

  NorthMcpStateStore *store;
};

static void north_mcp_shared_task_store_iface_init (NorthMcpTaskStoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (NorthMcpSharedTaskStore, north_mcp_shared_task_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (NORTH_MCP_TYPE_TASK_STORE,
                                                      north_mcp_shared_task_store_iface_init))

/* One operation: what it works on, and how far it got. */
typedef struct
{
  char       *owner;
  char       *task_id;
  JsonObject *record;   /* to write */
  gboolean    cancel;
} Op;

static void
op_free (Op *op)
{
  g_free (op->owner);
  g_free (op->task_id);
  g_clear_pointer (&op->record, json_object_unref);
  g_free (op);
}

/* Task ids are the server's (random); a client's id of another form is
 * just unknown, and never reaches the store. */
static gboolean
task_id_is_valid (const char *id)
{
  gsize i;

  if (id == NULL)
    return FALSE;
  for (i = 0; id[i] != '\0'; i++)
    if (i >= TASK_ID_MAX || !(g_ascii_isalnum (id[i]) || id[i] == '-' || id[i] == '_'))
      return FALSE;
  return i > 0;
}

static void
return_unknown (GTask *task)
{
  g_task_return_new_error (task, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT, "Unknown task");
}

static void
return_store_error (GTask  *task,
                    GError *error)
{
  /* The task layer answers FAILED errors as they are: a clear message. */
  g_task_return_new_error (task, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED,
                           "The task store is unavailable: %s", error->message);
  g_error_free (error);
}

static GTask *
op_task (gpointer             self,
         const char          *owner,
         const char          *task_id,
         JsonObject          *record,
         GCancellable        *cancellable,
         GAsyncReadyCallback  callback,
         gpointer             user_data,
         gpointer             tag)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Op *op = g_new0 (Op, 1);

  g_task_set_source_tag (task, tag);
  op->owner = g_strdup (owner);
  op->task_id = g_strdup (task_id);
  op->record = record != NULL ? json_object_ref (record) : NULL;
  g_task_set_task_data (task, op, (GDestroyNotify) op_free);
  if (!task_id_is_valid (task_id) || owner == NULL)
    {
      return_unknown (task);
      g_clear_object (&task);
    }
  return task;
}

static char *
key_for (const char *prefix,
         const char *task_id)
{
  return g_strconcat (prefix, task_id, NULL);
}

static guint64
ttl_of (JsonObject *record)
{
  gint64 ttl = json_object_get_int_member_with_default (record, "ttlMs", 0);

  /* Never without expiry, never gone before it can be read. */
  return ttl > 0 ? (guint64) MAX (ttl, 1000) : NORTH_MCP_TASK_TTL_MS;
}

static GBytes *
envelope_new (const char *owner,
              JsonObject *record)
{
  GString *out = g_string_new ("{\"owner\":");

  north_mcp_json_write_string (out, owner);
  g_string_append (out, ",\"record\":");
  north_mcp_json_write_object (out, record);
  g_string_append_c (out, '}');
  return g_string_free_to_bytes (out);
}

/* The record of @owner in @envelope (a new reference), or NULL when it
 * is someone else's or not one of ours. */
static JsonObject *
envelope_read (GBytes     *envelope,
               const char *owner)
{
  g_autoptr(JsonNode) node = NULL;
  JsonObject *object, *record;
  gsize length = 0;
  const char *data = g_bytes_get_data (envelope, &length);

  node = north_mcp_json_read (data, length, ENVELOPE_MAX_DEPTH, NULL);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  object = json_node_get_object (node);
  record = north_mcp_object_get_object (object, "record");
  if (record == NULL || g_strcmp0 (north_mcp_object_get_string (object, "owner"), owner) != 0)
    return NULL;
  return json_object_ref (record);
}

/* ---- get: the final record, else the running one ---- */

static void got_final (GObject *source, GAsyncResult *result, gpointer user_data);
static void got_running (GObject *source, GAsyncResult *result, gpointer user_data);

/* Reads the task's current record into the task's result, then calls
 * @then (NULL: return it). */
typedef void (*ThenFunc) (GTask *task, JsonObject *record, gboolean final);

static void
read_current (GTask *task)
{
  NorthMcpSharedTaskStore *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  g_autofree char *key = key_for (FINAL_PREFIX, op->task_id);

  north_mcp_state_store_get_async (self->store, key, ENVELOPE_MAX_BYTES, g_task_get_cancellable (task),
                                   got_final, task);
}

static void after_read (GTask *task, JsonObject *record, gboolean final);

static void
got_final (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GTask *task = user_data;
  NorthMcpSharedTaskStore *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  g_autoptr(GBytes) envelope = NULL;
  g_autoptr(JsonObject) record = NULL;
  g_autofree char *key = NULL;
  GError *error = NULL;

  envelope = north_mcp_state_store_get_finish (NORTH_MCP_STATE_STORE (source), result, &error);
  if (error != NULL)
    {
      return_store_error (task, error);
      g_object_unref (task);
      return;
    }
  if (envelope != NULL)
    {
      record = envelope_read (envelope, op->owner);
      after_read (task, record, TRUE);
      return;
    }

  key = key_for (RECORD_PREFIX, op->task_id);
  north_mcp_state_store_get_async (self->store, key, ENVELOPE_MAX_BYTES, g_task_get_cancellable (task),
                                   got_running, task);
}

static void
got_running (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GTask *task = user_data;
  Op *op = g_task_get_task_data (task);
  g_autoptr(GBytes) envelope = NULL;
  g_autoptr(JsonObject) record = NULL;
  GError *error = NULL;

  envelope = north_mcp_state_store_get_finish (NORTH_MCP_STATE_STORE (source), result, &error);
  if (error != NULL)
    {
      return_store_error (task, error);
      g_object_unref (task);
      return;
    }
  if (envelope != NULL)
    record = envelope_read (envelope, op->owner);
  after_read (task, record, FALSE);
}

/* ---- writing ---- */

static void
written (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (!north_mcp_state_store_set_finish (NORTH_MCP_STATE_STORE (source), result, &error) && error != NULL)
    return_store_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

/* The running record (also after the final one: get prefers that). */
static void
write_running (GTask      *task,
               JsonObject *record)
{
  NorthMcpSharedTaskStore *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  g_autofree char *key = key_for (RECORD_PREFIX, op->task_id);
  g_autoptr(GBytes) envelope = envelope_new (op->owner, record);

  north_mcp_state_store_set_async (self->store, key, envelope, ttl_of (record), FALSE,
                                   g_task_get_cancellable (task), written, task);
}

static void
final_written (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = user_data;
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;
  gboolean first;

  first = north_mcp_state_store_set_finish (NORTH_MCP_STATE_STORE (source), result, &error);
  if (error != NULL)
    {
      return_store_error (task, error);
      g_object_unref (task);
    }
  else if (!first && !op->cancel)
    {
      /* Another replica ended it first (a cancel): that stays. */
      g_task_return_new_error (task, NORTH_MCP_ERROR, NORTH_MCP_ERROR_CLOSED, "The task has ended");
      g_object_unref (task);
    }
  else if (!first)
    {
      /* Cancelling what just ended: nothing to do. */
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
    }
  else
    write_running (task, op->record);
}

static void
write_final (GTask      *task,
             JsonObject *record)
{
  NorthMcpSharedTaskStore *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  g_autofree char *key = key_for (FINAL_PREFIX, op->task_id);
  g_autoptr(GBytes) envelope = envelope_new (op->owner, record);

  if (record != op->record)
    {
      g_clear_pointer (&op->record, json_object_unref);
      op->record = json_object_ref (record);
    }
  north_mcp_state_store_set_async (self->store, key, envelope, ttl_of (record), TRUE,
                                   g_task_get_cancellable (task), final_written, task);
}

/* What comes after reading the current record, by operation. */
static void
after_read (GTask      *task,
            JsonObject *record,
            gboolean    final)
{
  Op *op = g_task_get_task_data (task);
  gpointer tag = g_task_get_source_tag (task);

  if (record == NULL)
    {
      return_unknown (task);
      g_object_unref (task);
    }
  else if (op->record == NULL && !op->cancel)
    {
      /* get */
      g_task_return_pointer (task, json_object_ref (record), (GDestroyNotify) json_object_unref);
      g_object_unref (task);
    }
  else if (op->cancel && final)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
    }
  else if (op->cancel)
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
      g_autofree char *stamp = g_date_time_format_iso8601 (now);
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), record);
      g_autoptr(JsonNode) copy = json_node_copy (node);
      JsonObject *cancelled = json_node_get_object (copy);

      json_object_set_string_member (cancelled, "status", "cancelled");
      json_object_set_string_member (cancelled, "lastUpdatedAt", stamp);
      json_object_remove_member (cancelled, "inputRequests");
      write_final (task, cancelled);
    }
  else if (final)
    {
      g_task_return_new_error (task, NORTH_MCP_ERROR, NORTH_MCP_ERROR_CLOSED, "The task has ended");
      g_object_unref (task);
    }
  else if (north_mcp_task_status_is_terminal (north_mcp_object_get_string (op->record, "status")))
    write_final (task, op->record);
  else
    write_running (task, op->record);
  (void) tag;
}

/* ---- the interface ---- */

static void
create_written (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (north_mcp_state_store_set_finish (NORTH_MCP_STATE_STORE (source), result, &error))
    g_task_return_boolean (task, TRUE);
  else if (error != NULL)
    return_store_error (task, error);
  else
    g_task_return_new_error (task, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT, "Bad or duplicate task id");
  g_object_unref (task);
}

static void
shared_create_async (NorthMcpTaskStore *store, const char *owner, JsonObject *record,
                     GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  NorthMcpSharedTaskStore *self = NORTH_MCP_SHARED_TASK_STORE (store);
  const char *task_id = north_mcp_object_get_string (record, "taskId");
  GTask *task = op_task (self, owner, task_id, record, cancellable, callback, user_data, shared_create_async);
  g_autofree char *key = NULL;
  g_autoptr(GBytes) envelope = NULL;

  if (task == NULL)
    return;
  key = key_for (RECORD_PREFIX, task_id);
  envelope = envelope_new (owner, record);
  north_mcp_state_store_set_async (self->store, key, envelope, ttl_of (record), TRUE, cancellable,
                                   create_written, task);
}

static void
shared_get_async (NorthMcpTaskStore *store, const char *owner, const char *task_id,
                  GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = op_task (store, owner, task_id, NULL, cancellable, callback, user_data, shared_get_async);

  if (task != NULL)
    read_current (task);
}

static void
shared_update_async (NorthMcpTaskStore *store, const char *owner, JsonObject *record,
                     GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = op_task (store, owner, north_mcp_object_get_string (record, "taskId"), record,
                         cancellable, callback, user_data, shared_update_async);

  if (task != NULL)
    read_current (task);
}

static void
shared_cancel_async (NorthMcpTaskStore *store, const char *owner, const char *task_id,
                     GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = op_task (store, owner, task_id, NULL, cancellable, callback, user_data, shared_cancel_async);

  if (task == NULL)
    return;
  ((Op *) g_task_get_task_data (task))->cancel = TRUE;
  read_current (task);
}

static void
shared_list_async (NorthMcpTaskStore *store, const char *owner,
                   GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (store, cancellable, callback, user_data);

  g_task_return_new_error (task, NORTH_MCP_ERROR, NORTH_MCP_ERROR_NOT_SUPPORTED,
                           "Listing tasks is not offered with a shared store");
}

static void
shared_expire_async (NorthMcpTaskStore *store, gint64 now,
                     GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (store, cancellable, callback, user_data);

  /* The store expires records by itself. */
  g_task_return_int (task, 0);
}

static gboolean
shared_boolean_finish (NorthMcpTaskStore *store, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static gpointer
shared_pointer_finish (NorthMcpTaskStore *store, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static gssize
shared_int_finish (NorthMcpTaskStore *store, GAsyncResult *result, GError **error)
{
  return g_task_propagate_int (G_TASK (result), error);
}

static void
north_mcp_shared_task_store_iface_init (NorthMcpTaskStoreInterface *iface)
{
  iface->create_async = shared_create_async;
  iface->create_finish = shared_boolean_finish;
  iface->get_async = shared_get_async;
  iface->get_finish = (JsonObject *(*) (NorthMcpTaskStore *, GAsyncResult *, GError **)) shared_pointer_finish;
  iface->update_async = shared_update_async;
  iface->update_finish = shared_boolean_finish;
  iface->cancel_async = shared_cancel_async;
  iface->cancel_finish = shared_boolean_finish;
  iface->list_async = shared_list_async;
  iface->list_finish = (GPtrArray *(*) (NorthMcpTaskStore *, GAsyncResult *, GError **)) shared_pointer_finish;
  iface->expire_async = shared_expire_async;
  iface->expire_finish = shared_int_finish;
}

static void
north_mcp_shared_task_store_finalize (GObject *object)
{
  g_clear_object (&NORTH_MCP_SHARED_TASK_STORE (object)->store);
  G_OBJECT_CLASS (north_mcp_shared_task_store_parent_class)->finalize (object);
}

static void
north_mcp_shared_task_store_class_init (NorthMcpSharedTaskStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = north_mcp_shared_task_store_finalize;
}

static void
north_mcp_shared_task_store_init (NorthMcpSharedTaskStore *self)
{
}

NorthMcpTaskStore *
north_mcp_shared_task_store_new (NorthMcpStateStore *store)
{
  NorthMcpSharedTaskStore *self = g_object_new (NORTH_MCP_TYPE_SHARED_TASK_STORE, NULL);

  self->store = g_object_ref (store);
  return NORTH_MCP_TASK_STORE (self);
}
