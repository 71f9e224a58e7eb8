/* test-task-store.c: the in-memory task store behind NorthMcpTaskStore
 *
 * SPDX-License-Identifier: MIT
 */
#include <north-mcp.h>
#include "north-mcp-task-store-private.h"

typedef struct {
  GAsyncResult *result;
} Wait;

static void
done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Wait *wait = user_data;

  wait->result = g_object_ref (result);
}

static GAsyncResult *
await (Wait *wait)
{
  while (wait->result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return wait->result;
}

#define IFACE(store) NORTH_MCP_TASK_STORE_GET_IFACE (store)

static JsonObject *
record (const char *id, const char *status, gint64 ttl_ms)
{
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "taskId", id);
  json_object_set_string_member (object, "status", status);
  json_object_set_int_member (object, "ttlMs", ttl_ms);
  return object;
}

static gboolean
create (NorthMcpTaskStore *store, const char *owner, const char *id, gint64 ttl_ms, GError **error)
{
  g_autoptr(JsonObject) object = record (id, "working", ttl_ms);
  Wait wait = { NULL };
  gboolean ok;

  IFACE (store)->create_async (store, owner, object, NULL, done, &wait);
  ok = IFACE (store)->create_finish (store, await (&wait), error);
  g_object_unref (wait.result);
  return ok;
}

static JsonObject *
get (NorthMcpTaskStore *store, const char *owner, const char *id, GError **error)
{
  Wait wait = { NULL };
  JsonObject *object;

  IFACE (store)->get_async (store, owner, id, NULL, done, &wait);
  object = IFACE (store)->get_finish (store, await (&wait), error);
  g_object_unref (wait.result);
  return object;
}

static gboolean
update (NorthMcpTaskStore *store, const char *owner, JsonObject *object, GError **error)
{
  Wait wait = { NULL };
  gboolean ok;

  IFACE (store)->update_async (store, owner, object, NULL, done, &wait);
  ok = IFACE (store)->update_finish (store, await (&wait), error);
  g_object_unref (wait.result);
  return ok;
}

static gboolean
cancel (NorthMcpTaskStore *store, const char *owner, const char *id, GError **error)
{
  Wait wait = { NULL };
  gboolean ok;

  IFACE (store)->cancel_async (store, owner, id, NULL, done, &wait);
  ok = IFACE (store)->cancel_finish (store, await (&wait), error);
  g_object_unref (wait.result);
  return ok;
}

/* Another owner's task looks exactly like an unknown one. */
static void
test_owner_isolation (void)
{
  g_autoptr(NorthMcpTaskStore) store = north_mcp_memory_task_store_new (4, 16, G_MAXSIZE);
  g_autoptr(GError) other_error = NULL;
  g_autoptr(GError) unknown_error = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) mine = NULL;
  g_autoptr(JsonObject) changed = record ("t1", "completed", 60000);

  g_assert_true (create (store, "alice", "t1", 60000, &error));
  g_assert_no_error (error);
  mine = get (store, "alice", "t1", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (mine, "status"), ==, "working");

  g_assert_null (get (store, "bob", "t1", &other_error));
  g_assert_null (get (store, "bob", "nope", &unknown_error));
  g_assert_error (other_error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT);
  g_assert_error (unknown_error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (other_error->message, ==, unknown_error->message);

  g_assert_false (update (store, "bob", changed, &error));
  g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (cancel (store, "bob", "t1", &error));
  g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_clear_pointer (&mine, json_object_unref);
  mine = get (store, "alice", "t1", &error);
  g_assert_cmpstr (json_object_get_string_member (mine, "status"), ==, "working");
}

/* Terminal records stay as they are; cancel is idempotent. */
static void
test_terminal (void)
{
  g_autoptr(NorthMcpTaskStore) store = north_mcp_memory_task_store_new (4, 16, G_MAXSIZE);
  g_autoptr(JsonObject) completed = record ("t1", "completed", 60000);
  g_autoptr(JsonObject) late = record ("t2", "completed", 60000);
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (create (store, "alice", "t1", 60000, NULL));
  g_assert_true (update (store, "alice", completed, &error));
  g_assert_no_error (error);
  g_assert_true (cancel (store, "alice", "t1", &error));
  g_assert_no_error (error);
  object = get (store, "alice", "t1", NULL);
  g_assert_cmpstr (json_object_get_string_member (object, "status"), ==, "completed");
  g_clear_pointer (&object, json_object_unref);

  /* A cancelled task ignores the handler's late answer. */
  g_assert_true (create (store, "alice", "t2", 60000, NULL));
  g_assert_true (cancel (store, "alice", "t2", NULL));
  g_assert_true (cancel (store, "alice", "t2", NULL));
  g_assert_false (update (store, "alice", late, &error));
  g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_CLOSED);
  object = get (store, "alice", "t2", NULL);
  g_assert_cmpstr (json_object_get_string_member (object, "status"), ==, "cancelled");
}

/* Bounded per owner and in all, with errors that say so; expired tasks
 * make room, live ones do not expire early. */
static void
test_limits_and_expiry (void)
{
  g_autoptr(NorthMcpTaskStore) store = north_mcp_memory_task_store_new (2, 3, G_MAXSIZE);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) object = NULL;
  Wait wait = { NULL };

  g_assert_true (create (store, "alice", "a1", 60000, NULL));
  g_assert_true (create (store, "alice", "a2", 60000, NULL));
  g_assert_false (create (store, "alice", "a3", 60000, &error));
  g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "Too many tasks for this user"));
  g_clear_error (&error);

  g_assert_true (create (store, "bob", "b1", 60000, NULL));
  g_assert_false (create (store, "carol", "c1", 60000, &error));
  g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "Too many tasks on this server"));
  g_clear_error (&error);

  /* Duplicate ids are refused. */
  g_assert_false (create (store, "bob", "a1", 60000, &error));
  g_clear_error (&error);

  /* Nothing is due yet: the expiry leaves every task. */
  IFACE (store)->expire_async (store, g_get_real_time (), NULL, done, &wait);
  g_assert_cmpint (IFACE (store)->expire_finish (store, await (&wait), NULL), ==, 0);
  g_clear_object (&wait.result);
  object = get (store, "alice", "a1", &error);
  g_assert_no_error (error);

  /* Past their TTL (one minute) all are gone, and room is free again. */
  IFACE (store)->expire_async (store, g_get_real_time () + 61 * G_TIME_SPAN_MINUTE, NULL, done, &wait);
  g_assert_cmpint (IFACE (store)->expire_finish (store, await (&wait), NULL), ==, 3);
  g_clear_object (&wait.result);
  g_assert_true (create (store, "carol", "c1", 60000, &error));
  g_assert_no_error (error);
}

/* Records are bounded in bytes too: a create or an update beyond the
 * budget fails, and leaves the stored record as it was. */
static void
test_byte_budget (void)
{
  g_autoptr(NorthMcpTaskStore) store = north_mcp_memory_task_store_new (8, 8, 400);
  g_autoptr(JsonObject) large = record ("t1", "completed", 60000);
  g_autoptr(JsonObject) small = record ("t1", "failed", 60000);
  g_autofree char *text = g_strnfill (500, 'x');
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (create (store, "alice", "t1", 60000, NULL));
  json_object_set_string_member (large, "result", text);
  g_assert_false (update (store, "alice", large, &error));
  g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "task storage is full"));
  g_clear_error (&error);
  object = get (store, "alice", "t1", NULL);
  g_assert_cmpstr (json_object_get_string_member (object, "status"), ==, "working");

  g_assert_true (update (store, "alice", small, &error));
  g_assert_no_error (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/task-store/owner-isolation", test_owner_isolation);
  g_test_add_func ("/task-store/terminal", test_terminal);
  g_test_add_func ("/task-store/limits-and-expiry", test_limits_and_expiry);
  g_test_add_func ("/task-store/byte-budget", test_byte_budget);

  return g_test_run ();
}
