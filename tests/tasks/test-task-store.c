/* test-task-store.c: the task stores behind NorthMcpTaskStore, the
 * in-memory one and the shared one (over the Redis state store on a real
 * redis-server), through the interface's functions
 *
 * The behaviour both must show runs against each; the limits are the
 * memory store's, what is only the shared store's is tested on it alone.
 *
 * SPDX-License-Identifier: MIT
 */
#include <signal.h>
#include <string.h>

#include <north-mcp.h>
#include "north-mcp-redis-client-private.h"
#include "north-mcp-state-store-private.h"
#include "north-mcp-task-private.h"
#include "north-mcp-task-store-private.h"
#include "test-channel.h"
#include "test-clock.h"
#include "test-redis-server.h"

static TestRedisServer redis;


typedef struct {
  GAsyncResult *result;
} Wait;

static void
done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Wait *wait = user_data;

  g_assert_null (wait->result);
  wait->result = g_object_ref (result);
}

static GAsyncResult *
await (Wait *wait)
{
  guint watchdog = test_watchdog_add ("a task store call");

  while (wait->result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (watchdog);
  return wait->result;
}

/* A store of either kind; the shared ones all use the one redis-server,
 * so each test's task ids are its own (@prefix), and it starts empty (the
 * task quota is counted in Redis, across tests). SHARED_OVER_MEMORY: the
 * shared store over the in-process state store. */
typedef struct {
  NorthMcpTaskStore *store;
  char              *prefix;
  const char        *uri;   /* of the state store */
} Fixture;

enum { MEMORY, SHARED, SHARED_OVER_MEMORY };

static void
reply_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  NorthMcpRedisReply **reply = user_data;
  g_autoptr(GError) error = NULL;

  *reply = north_mcp_redis_client_command_finish (NORTH_MCP_REDIS_CLIENT (source), result, &error);
  g_assert_no_error (error);
}

/* A command sent to the redis-server directly (NULL-terminated
 * arguments), on a connection of its own. */
static NorthMcpRedisReply *
redis_command (const char *first, ...)
{
  g_autoptr(NorthMcpRedisClient) client = north_mcp_redis_client_new (redis.uri, NULL);
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  NorthMcpRedisReply *reply = NULL;
  guint watchdog = test_watchdog_add (first);
  va_list ap;

  va_start (ap, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  while (!north_mcp_redis_client_is_connected (client))
    g_main_context_iteration (NULL, TRUE);
  north_mcp_redis_client_command_async (client, args->len, (const char *const *) args->pdata, NULL, NULL,
                                        reply_done, &reply);
  while (reply == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (watchdog);
  return reply;
}

/* The integer answer of COMMAND KEY [ARG]. */
static gint64
redis_integer (const char *command, const char *key, const char *arg)
{
  g_autoptr(NorthMcpRedisReply) reply = redis_command (command, key, arg, NULL);

  g_assert_cmpint (north_mcp_redis_reply_get_kind (reply), ==, NORTH_MCP_REDIS_REPLY_INTEGER);
  return north_mcp_redis_reply_get_integer (reply);
}

static NorthMcpTaskStore *
shared_store_bounded (const char *uri, guint max_per_owner, guint max_total,
                      guint64 max_bytes_per_owner, guint64 max_bytes_total)
{
  g_autoptr(NorthMcpStateStore) state = north_mcp_state_store_new_for_uri (uri, NULL);

  g_assert_nonnull (state);
  return north_mcp_shared_task_store_new (state, max_per_owner, max_total, max_bytes_per_owner, max_bytes_total);
}

/* Byte limits that tests of other limits do not reach. */
#define LARGE_BYTES (G_GUINT64_CONSTANT (1) << 30)

static NorthMcpTaskStore *
shared_store_limited (const char *uri, guint max_per_owner, guint max_total)
{
  return shared_store_bounded (uri, max_per_owner, max_total, LARGE_BYTES, LARGE_BYTES);
}

static NorthMcpTaskStore *
shared_store (const char *uri)
{
  return shared_store_limited (uri, 4, 16);
}

/* A new shared store (a replica that starts) with these limits. */
static void
use_limits (Fixture *fixture, guint max_per_owner, guint max_total)
{
  g_object_unref (fixture->store);
  fixture->store = shared_store_limited (fixture->uri, max_per_owner, max_total);
}

static void
fixture_set_up (Fixture *fixture, gconstpointer kind)
{
  static guint count;

  if (GPOINTER_TO_INT (kind) == SHARED)
    north_mcp_redis_reply_unref (redis_command ("FLUSHALL", NULL));
  fixture->uri = GPOINTER_TO_INT (kind) == SHARED ? redis.uri : "memory:";
  if (GPOINTER_TO_INT (kind) == MEMORY)
    fixture->store = north_mcp_memory_task_store_new (4, 16, G_MAXSIZE, G_MAXSIZE);
  else
    fixture->store = shared_store (fixture->uri);
  fixture->prefix = g_strdup_printf ("p%u-%" G_GINT64_FORMAT "-", ++count, g_get_real_time ());
}

static void
fixture_tear_down (Fixture *fixture, gconstpointer kind)
{
  g_clear_object (&fixture->store);
  g_free (fixture->prefix);
}

static JsonObject *
record (Fixture *fixture, const char *id, const char *status, gint64 ttl_ms)
{
  JsonObject *object = json_object_new ();
  g_autofree char *task_id = g_strconcat (fixture->prefix, id, NULL);

  json_object_set_string_member (object, "taskId", task_id);
  json_object_set_string_member (object, "status", status);
  json_object_set_int_member (object, "ttlMs", ttl_ms);
  return object;
}

static gboolean
create_on (NorthMcpTaskStore *store, Fixture *fixture, const char *owner, const char *id, gint64 ttl_ms,
           GError **error)
{
  g_autoptr(JsonObject) object = record (fixture, id, "working", ttl_ms);
  Wait wait = { NULL };
  gboolean ok;

  north_mcp_task_store_create_async (store, owner, object, NULL, done, &wait);
  ok = north_mcp_task_store_create_finish (store, await (&wait), error);
  g_object_unref (wait.result);
  return ok;
}

static gboolean
create (Fixture *fixture, const char *owner, const char *id, gint64 ttl_ms, GError **error)
{
  return create_on (fixture->store, fixture, owner, id, ttl_ms, error);
}

static JsonObject *
get_on (NorthMcpTaskStore *store, Fixture *fixture, const char *owner, const char *id, GError **error)
{
  g_autofree char *task_id = g_strconcat (fixture->prefix, id, NULL);
  Wait wait = { NULL };
  JsonObject *object;

  north_mcp_task_store_get_async (store, owner, task_id, NULL, done, &wait);
  object = north_mcp_task_store_get_finish (store, await (&wait), error);
  g_object_unref (wait.result);
  return object;
}

static JsonObject *
get (Fixture *fixture, const char *owner, const char *id, GError **error)
{
  return get_on (fixture->store, fixture, owner, id, error);
}

static gboolean
update (Fixture *fixture, const char *owner, JsonObject *object, GError **error)
{
  Wait wait = { NULL };
  gboolean ok;

  north_mcp_task_store_update_async (fixture->store, owner, object, NULL, done, &wait);
  ok = north_mcp_task_store_update_finish (fixture->store, await (&wait), error);
  g_object_unref (wait.result);
  return ok;
}

static gboolean
cancel (Fixture *fixture, const char *owner, const char *id, GError **error)
{
  g_autofree char *task_id = g_strconcat (fixture->prefix, id, NULL);
  Wait wait = { NULL };
  gboolean ok;

  north_mcp_task_store_cancel_async (fixture->store, owner, task_id, NULL, done, &wait);
  ok = north_mcp_task_store_cancel_finish (fixture->store, await (&wait), error);
  g_object_unref (wait.result);
  return ok;
}

static gssize
expire (Fixture *fixture, gint64 now, GError **error)
{
  Wait wait = { NULL };
  gssize dropped;

  north_mcp_task_store_expire_async (fixture->store, now, NULL, done, &wait);
  dropped = north_mcp_task_store_expire_finish (fixture->store, await (&wait), error);
  g_object_unref (wait.result);
  return dropped;
}

/* Another owner's task looks exactly like an unknown one. */
static void
test_owner_isolation (Fixture *fixture, gconstpointer kind)
{
  g_autoptr(GError) other_error = NULL;
  g_autoptr(GError) unknown_error = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) mine = NULL;
  g_autoptr(JsonObject) changed = record (fixture, "t1", "completed", 60000);

  g_assert_true (create (fixture, "alice", "t1", 60000, &error));
  g_assert_no_error (error);
  mine = get (fixture, "alice", "t1", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (mine, "status"), ==, "working");

  g_assert_null (get (fixture, "bob", "t1", &other_error));
  g_assert_null (get (fixture, "bob", "nope", &unknown_error));
  g_assert_error (other_error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT);
  g_assert_error (unknown_error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (other_error->message, ==, unknown_error->message);

  g_assert_false (update (fixture, "bob", changed, &error));
  g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (cancel (fixture, "bob", "t1", &error));
  g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_clear_pointer (&mine, json_object_unref);
  mine = get (fixture, "alice", "t1", &error);
  g_assert_cmpstr (json_object_get_string_member (mine, "status"), ==, "working");
}

/* Terminal records stay as they are; cancel is idempotent. */
static void
test_terminal (Fixture *fixture, gconstpointer kind)
{
  g_autoptr(JsonObject) completed = record (fixture, "t1", "completed", 60000);
  g_autoptr(JsonObject) late = record (fixture, "t2", "completed", 60000);
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (create (fixture, "alice", "t1", 60000, NULL));
  g_assert_true (update (fixture, "alice", completed, &error));
  g_assert_no_error (error);
  g_assert_true (cancel (fixture, "alice", "t1", &error));
  g_assert_no_error (error);
  object = get (fixture, "alice", "t1", NULL);
  g_assert_cmpstr (json_object_get_string_member (object, "status"), ==, "completed");
  g_clear_pointer (&object, json_object_unref);

  /* A cancelled task ignores the handler's late answer. */
  g_assert_true (create (fixture, "alice", "t2", 60000, NULL));
  g_assert_true (cancel (fixture, "alice", "t2", NULL));
  g_assert_true (cancel (fixture, "alice", "t2", NULL));
  g_assert_false (update (fixture, "alice", late, &error));
  g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_CLOSED);
  object = get (fixture, "alice", "t2", NULL);
  g_assert_cmpstr (json_object_get_string_member (object, "status"), ==, "cancelled");
  g_clear_pointer (&object, json_object_unref);
  g_clear_error (&error);

  /* An ended task keeps its first final state. */
  json_object_set_string_member (completed, "status", "failed");
  g_assert_false (update (fixture, "alice", completed, &error));
  g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_CLOSED);
  object = get (fixture, "alice", "t1", NULL);
  g_assert_cmpstr (json_object_get_string_member (object, "status"), ==, "completed");
}

/* A running task's updates are kept; ids are unique; an id of no known
 * form is just unknown. */
static void
test_updates_and_ids (Fixture *fixture, gconstpointer kind)
{
  g_autoptr(JsonObject) progress = record (fixture, "t1", "working", 60000);
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (create (fixture, "alice", "t1", 60000, &error));
  g_assert_no_error (error);
  json_object_set_string_member (progress, "statusMessage", "halfway");
  g_assert_true (update (fixture, "alice", progress, &error));
  g_assert_no_error (error);
  object = get (fixture, "alice", "t1", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (object, "statusMessage"), ==, "halfway");

  g_assert_false (create (fixture, "bob", "t1", 60000, &error));
  g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_assert_null (get (fixture, "alice", "no such/id", &error));
  g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==, "Unknown task");
  g_clear_error (&error);
  g_assert_false (cancel (fixture, "alice", "no such/id", &error));
  g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT);
}

/* A server that runs for months sees its wall clock stepped: a record
 * lives its TTL of the time that passed, not of what the clock says. */
static void
test_record_clock_step (Fixture *fixture, gconstpointer kind)
{
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (create (fixture, "alice", "t1", 60000, &error));
  g_assert_no_error (error);
  test_clock_step (2 * G_TIME_SPAN_HOUR);
  object = get (fixture, "alice", "t1", &error);
  g_assert_no_error (error);
  g_assert_nonnull (object);
  g_assert_cmpint (expire (fixture, g_get_monotonic_time (), &error), ==, 0);
  g_assert_no_error (error);
  g_clear_pointer (&object, json_object_unref);
  object = get (fixture, "alice", "t1", &error);
  g_assert_no_error (error);
  g_assert_nonnull (object);

  /* And back: a record does not outlive its TTL either (the shared
   * store's expire leaves that to Redis). */
  test_clock_step (-2 * G_TIME_SPAN_HOUR);
  g_assert_cmpint (expire (fixture, g_get_monotonic_time () + 61 * G_TIME_SPAN_MINUTE, &error), ==,
                   GPOINTER_TO_INT (kind) == MEMORY ? 1 : 0);
  g_assert_no_error (error);
  test_clock_step (0);
}

/* A record's ttlMs past what the server gives (task-ttl: a second to
 * seven days) means the same in every store: none (0 or less), the
 * default hour, never "now" nor "never"; more than the maximum, the
 * maximum, not an expiry past what the clock holds. */
static void
test_record_ttl_out_of_range (Fixture *fixture, gconstpointer kind)
{
  const gint64 ttls[] = { 0, -1, G_MAXINT64 };
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (ttls); i++)
    {
      g_autofree char *id = g_strdup_printf ("r%u", i);

      g_assert_true (create (fixture, "alice", id, ttls[i], &error));
      g_assert_no_error (error);
      g_clear_pointer (&object, json_object_unref);
      object = get (fixture, "alice", id, &error);
      g_assert_no_error (error);
      g_assert_nonnull (object);
    }
  /* Past the hour, the records without a ttl are gone, the longest not
   * (the shared store's expire leaves that to Redis). */
  g_assert_cmpint (expire (fixture, g_get_monotonic_time () + 61 * G_TIME_SPAN_MINUTE, &error), ==,
                   GPOINTER_TO_INT (kind) == MEMORY ? 2 : 0);
  g_assert_no_error (error);
  g_clear_pointer (&object, json_object_unref);
  object = get (fixture, "alice", "r2", &error);
  g_assert_no_error (error);
  g_assert_nonnull (object);
}

/* The shared store leaves expiry to the state store (the records' TTL):
 * its expire() drops nothing. */
static void
test_shared_expiry (Fixture *fixture, gconstpointer kind)
{
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (create (fixture, "alice", "t1", 60000, NULL));
  g_assert_cmpint (expire (fixture, g_get_monotonic_time () + 61 * G_TIME_SPAN_MINUTE, &error), ==, 0);
  g_assert_no_error (error);
  object = get (fixture, "alice", "t1", &error);
  g_assert_no_error (error);
  g_assert_nonnull (object);
}

/* Stores @envelope (a record as another replica could have written it)
 * under the key of task @id. */
static void
store_envelope (Fixture *fixture, const char *id, const char *envelope)
{
  g_autoptr(NorthMcpStateStore) state = north_mcp_state_store_new_for_uri (redis.uri, NULL);
  g_autofree char *key = g_strconcat ("north-mcp:task:", fixture->prefix, id, NULL);
  g_autoptr(GBytes) value = g_bytes_new (envelope, strlen (envelope));
  g_autoptr(GError) error = NULL;
  Wait wait = { 0 };

  north_mcp_state_store_set_async (state, key, value, 60000, NORTH_MCP_STATE_STORE_SET_ALWAYS, NULL, done, &wait);
  g_assert_true (north_mcp_state_store_set_finish (state, await (&wait), &error));
  g_assert_no_error (error);
  g_clear_object (&wait.result);
}

/* Stores alice's record of task @id with @fields besides its taskId,
 * then cancels the task: it must end cancelled. */
static void
cancel_stored (Fixture *fixture, const char *id, const char *fields)
{
  g_autofree char *envelope = g_strdup_printf ("{\"owner\":\"alice\",\"record\":{\"taskId\":\"%s%s\",%s}}",
                                               fixture->prefix, id, fields);
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;

  store_envelope (fixture, id, envelope);
  g_assert_true (cancel (fixture, "alice", id, &error));
  g_assert_no_error (error);
  object = get (fixture, "alice", id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (object, "status"), ==, "cancelled");
}

/* Records another (hostile or older) replica wrote: a member of the wrong
 * JSON type is as good as absent, without a critical (fatal here); a time
 * to live Redis cannot add to now is capped, not refused. */
static void
test_shared_hostile_records (Fixture *fixture, gconstpointer kind)
{
  cancel_stored (fixture, "h1", "\"status\":\"working\",\"ttlMs\":{\"x\":1}");
  cancel_stored (fixture, "h2", "\"status\":\"working\",\"ttlMs\":9223372036854775807");
}

/* Clients get a stored record as it is: one under a task's key that
 * names another task, or has no status a client knows, is no task. */
static void
test_shared_foreign_records (Fixture *fixture, gconstpointer kind)
{
  const char *records[] = {
    "{\"owner\":\"alice\",\"record\":{\"taskId\":\"someone-else\",\"status\":\"completed\"}}",
    "{\"owner\":\"alice\",\"record\":{\"taskId\":\"%s%s\",\"status\":\"done\"}}",
    "{\"owner\":\"alice\",\"record\":{\"taskId\":\"%s%s\",\"status\":7}}",
    "{\"owner\":\"alice\",\"record\":{\"taskId\":\"%s%s\"}}",
    /* The stub of an ended task: without a final record, or another's. */
    "{\"owner\":\"alice\",\"ended\":true}",
    "{\"owner\":\"bob\",\"ended\":true}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (records); i++)
    {
      g_autofree char *id = g_strdup_printf ("f%u", i);
      g_autofree char *envelope = g_strdup_printf (records[i], fixture->prefix, id);
      g_autoptr(JsonObject) object = NULL;
      g_autoptr(GError) error = NULL;

      store_envelope (fixture, id, envelope);
      object = get (fixture, "alice", id, &error);
      g_assert_null (object);
      g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
      g_assert_false (cancel (fixture, "alice", id, &error));
      g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT);
    }

  /* The same record with its own id and a status is a task. */
  {
    g_autofree char *envelope = g_strdup_printf ("{\"owner\":\"alice\",\"record\":{\"taskId\":\"%sf9\","
                                                 "\"status\":\"completed\"}}", fixture->prefix);
    g_autoptr(JsonObject) object = NULL;
    g_autoptr(GError) error = NULL;

    store_envelope (fixture, "f9", envelope);
    object = get (fixture, "alice", "f9", &error);
    g_assert_no_error (error);
    g_assert_cmpstr (json_object_get_string_member (object, "status"), ==, "completed");
  }
}

/* What a user, and all users, create through one server is bounded
 * although the state store would keep any number: with errors that say
 * so; a create that stored nothing (a duplicate id) does not count, and
 * records that expired make room. */
static void
test_shared_limits (Fixture *fixture, gconstpointer kind)
{
  g_autoptr(GError) error = NULL;

  use_limits (fixture, 2, 4);

  g_assert_true (create (fixture, "alice", "a1", 1000, NULL));
  g_assert_true (create (fixture, "alice", "a2", 1000, NULL));
  g_assert_false (create (fixture, "alice", "a3", 60000, &error));
  g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "Too many tasks for this user"));
  g_clear_error (&error);

  g_assert_true (create (fixture, "bob", "b1", 60000, NULL));
  g_assert_false (create (fixture, "bob", "a1", 60000, &error));
  g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_true (create (fixture, "bob", "b2", 60000, NULL));
  g_assert_false (create (fixture, "carol", "c1", 60000, &error));
  g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "Too many tasks on this server"));
  g_clear_error (&error);

  /* Alice's two records live one second. */
  g_usleep (1100 * G_TIME_SPAN_MILLISECOND);
  g_assert_true (create (fixture, "carol", "c1", 60000, NULL));
  g_assert_true (create (fixture, "alice", "a3", 60000, NULL));
}

/* A record that an update keeps alive keeps counting: the count of what
 * a user created through this store followed the first expiry only, so
 * that a task whose handler kept it alive longer than its first time to
 * live made room for another while it still lived. */
static void
test_shared_limits_renewed (Fixture *fixture, gconstpointer kind)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) renewed = record (fixture, "a1", "working", 60000);

  use_limits (fixture, 1, 4);

  g_assert_true (create (fixture, "alice", "a1", 1000, NULL));
  g_assert_true (update (fixture, "alice", renewed, NULL));
  g_usleep (1100 * G_TIME_SPAN_MILLISECOND);
  {
    g_autoptr(JsonObject) alive = get (fixture, "alice", "a1", &error);

    g_assert_no_error (error);
    g_assert_cmpstr (json_object_get_string_member (alive, "status"), ==, "working");
  }
  g_assert_false (create (fixture, "alice", "a2", 60000, &error));
  g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "Too many tasks for this user"));
}

/* @ok (a create) was refused by the limit that @which names. */
#define PER_USER "Too many tasks for this user"
#define IN_ALL "Too many tasks on this server"

static void
assert_too_many (gboolean ok, GError **error, const char *which)
{
  g_assert_false (ok);
  g_assert_error (*error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED);
  g_assert_nonnull (strstr ((*error)->message, which));
  g_clear_error (error);
}

/* The counters in Redis: all tasks, and @owner's. */
#define QUOTA_KEY "north-mcp:task-quota"

static char *
owner_quota_key (const char *owner)
{
  g_autofree char *digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, owner, -1);

  return g_strconcat (QUOTA_KEY ":", digest, NULL);
}

/* A running record names the process that runs it: once that process's
 * lease lapsed (killed: it renews nothing more), a get on another
 * replica answers the task failed and writes that back; the process's
 * own late update is told that the task ended. */
static void
test_shared_runner_gone (Fixture *fixture, gconstpointer kind)
{
  g_autoptr(NorthMcpTaskStore) other = shared_store (fixture->uri);
  g_autoptr(JsonObject) running = NULL;
  g_autoptr(JsonObject) again = NULL;
  g_autoptr(JsonObject) late = record (fixture, "t1", "completed", 3600000);
  g_autoptr(GError) error = NULL;
  JsonObject *gone = NULL;

  north_mcp_shared_task_store_set_lease (fixture->store, 2);
  /* Without the lease, it would show `working` for an hour. */
  g_assert_true (create (fixture, "alice", "t1", 3600000, NULL));
  running = get_on (other, fixture, "alice", "t1", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (running, "status"), ==, "working");

  /* Generous: only that it ends at some point. */
  for (guint i = 0; i < 600 && gone == NULL; i++)
    {
      JsonObject *seen = get_on (other, fixture, "alice", "t1", NULL);

      if (g_str_equal (json_object_get_string_member (seen, "status"), "working"))
        {
          json_object_unref (seen);
          g_usleep (100 * G_TIME_SPAN_MILLISECOND);
        }
      else
        gone = seen;
    }
  g_assert_nonnull (gone);
  g_assert_cmpstr (json_object_get_string_member (gone, "status"), ==, "failed");
  g_assert_nonnull (strstr (json_object_get_string_member (gone, "statusMessage"), "stopped"));
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (gone, "error"), "code"), ==,
                   -32603);
  json_object_unref (gone);

  /* Written back: the process's own store reads it, and its late result
   * is refused. */
  again = get (fixture, "alice", "t1", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (again, "status"), ==, "failed");
  g_assert_false (update (fixture, "alice", late, &error));
  g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_CLOSED);
}

/* The process that runs task @id, as its running record names it. */
static char *
runner_of (Fixture *fixture, const char *id)
{
  g_autofree char *key = g_strconcat ("north-mcp:task:", fixture->prefix, id, NULL);
  g_autoptr(NorthMcpRedisReply) running = redis_command ("GET", key, NULL);
  g_autoptr(JsonNode) envelope = json_from_string (north_mcp_redis_reply_get_string (running, NULL), NULL);

  return g_strdup (json_object_get_string_member (json_node_get_object (envelope), "runner"));
}

static void
count_up (guint *count)
{
  (*count)++;
}

/* A renewal that finds the lease of its process gone says so (the task
 * layer stops that process's handlers); the tasks created later name a
 * new lease. An update under way then still writes the running record
 * naming the lost lease it began under: its task's handler was stopped
 * for that, so the record must not live on as `working` under the new
 * one (other replicas fail it). */
static void
test_shared_lease_lost (Fixture *fixture, gconstpointer kind)
{
  g_autoptr(NorthMcpTaskStore) other = shared_store (fixture->uri);
  g_autoptr(JsonObject) progress = record (fixture, "t1", "working", 3600000);
  g_autoptr(JsonObject) gone = NULL;
  g_autoptr(JsonObject) running = NULL;
  g_autoptr(NorthMcpRedisReply) deleted = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  g_autofree char *lease_key = NULL;
  g_autofree char *after = NULL;
  g_autofree char *second = NULL;
  Wait updated = { NULL };
  guint lost = 0;

  g_signal_connect_swapped (fixture->store, NORTH_MCP_SHARED_TASK_STORE_SIGNAL_LEASE_LOST, G_CALLBACK (count_up),
                            &lost);
  g_assert_true (create (fixture, "alice", "t1", 3600000, NULL));
  first = runner_of (fixture, "t1");
  lease_key = g_strconcat ("north-mcp:task-runner:", first, NULL);
  deleted = redis_command ("DEL", lease_key, NULL);
  g_assert_cmpint (north_mcp_redis_reply_get_integer (deleted), ==, 1);

  /* The update reads the records first; the sweep's renewal goes out
   * meanwhile, on the same connection: its answer comes first. */
  json_object_set_string_member (progress, "statusMessage", "halfway");
  north_mcp_task_store_update_async (fixture->store, "alice", progress, NULL, done, &updated);
  g_assert_cmpint (expire (fixture, g_get_monotonic_time (), NULL), ==, 0);
  g_assert_true (north_mcp_task_store_update_finish (fixture->store, await (&updated), &error));
  g_assert_no_error (error);
  g_clear_object (&updated.result);
  g_assert_cmpuint (lost, ==, 1);
  after = runner_of (fixture, "t1");
  g_assert_cmpstr (after, ==, first);
  gone = get_on (other, fixture, "alice", "t1", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (gone, "status"), ==, "failed");

  /* A new task lives under a new lease. */
  g_assert_true (create (fixture, "alice", "t2", 3600000, NULL));
  second = runner_of (fixture, "t2");
  g_assert_cmpstr (second, !=, first);
  running = get_on (other, fixture, "alice", "t2", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (running, "status"), ==, "working");
  g_assert_cmpuint (lost, ==, 1);
}

/* Two replicas that share one Redis grant the limits once, not once
 * each, also after one restarts: the quota was counted in each replica's
 * memory, so that N replicas let a user keep N times the limit. An
 * expired record frees its place for every replica. */
static void
test_shared_limits_replicas (Fixture *fixture, gconstpointer kind)
{
  NorthMcpTaskStore *one = shared_store_limited (fixture->uri, 2, 3);
  g_autoptr(NorthMcpTaskStore) two = shared_store_limited (fixture->uri, 2, 3);
  g_autoptr(GError) error = NULL;

  g_assert_true (create_on (one, fixture, "alice", "a1", 2000, NULL));
  g_assert_true (create_on (two, fixture, "alice", "a2", 2000, NULL));
  for (guint i = 0; i < 2; i++)
    assert_too_many (create_on (i == 0 ? one : two, fixture, "alice", "a3", 60000, &error), &error, PER_USER);
  /* One restarts, and still refuses: it had forgotten what it counted
   * while the records stayed. */
  g_object_unref (one);
  one = shared_store_limited (fixture->uri, 2, 3);
  assert_too_many (create_on (one, fixture, "alice", "a3", 60000, &error), &error, PER_USER);
  g_assert_true (create_on (two, fixture, "bob", "b1", 60000, NULL));
  assert_too_many (create_on (one, fixture, "carol", "c1", 60000, &error), &error, IN_ALL);
  g_assert_cmpint (redis_integer ("ZCARD", QUOTA_KEY, NULL), ==, 3);

  /* Alice's two records live two seconds; then both replicas have room. */
  g_usleep (2100 * G_TIME_SPAN_MILLISECOND);
  g_assert_true (create_on (one, fixture, "alice", "a3", 60000, NULL));
  g_assert_true (create_on (two, fixture, "carol", "c1", 60000, NULL));
  assert_too_many (create_on (two, fixture, "dave", "d1", 60000, &error), &error, IN_ALL);
  g_object_unref (one);
}

/* An update racing the task's end on another replica: whichever way
 * their store calls interleave (the update's lead over the cancel, in
 * main-loop iterations), the running record ends as the stub, never as
 * the update's "working" record, which would show the task running again
 * once the final record has expired. */
static void
test_shared_update_racing_end (Fixture *fixture, gconstpointer kind)
{
  g_autoptr(NorthMcpTaskStore) two = shared_store_limited (fixture->uri, 64, 64);
  guint overtaken = 0;

  use_limits (fixture, 64, 64);

  for (guint lead = 0; lead < 40; lead++)
    {
      g_autofree char *id = g_strdup_printf ("r%u", lead);
      g_autofree char *task_id = g_strconcat (fixture->prefix, id, NULL);
      g_autofree char *key = g_strconcat ("north-mcp:task:", task_id, NULL);
      g_autoptr(JsonObject) progress = record (fixture, id, "working", 60000);
      g_autoptr(JsonObject) object = NULL;
      g_autoptr(NorthMcpRedisReply) running = NULL;
      g_autoptr(GError) error = NULL;
      Wait updated = { NULL }, cancelled = { NULL };

      g_assert_true (create (fixture, "alice", id, 60000, NULL));
      json_object_set_string_member (progress, "statusMessage", "halfway");
      north_mcp_task_store_update_async (fixture->store, "alice", progress, NULL, done, &updated);
      for (guint i = 0; i < lead && updated.result == NULL; i++)
        g_main_context_iteration (NULL, TRUE);
      north_mcp_task_store_cancel_async (two, "alice", task_id, NULL, done, &cancelled);
      g_assert_true (north_mcp_task_store_cancel_finish (two, await (&cancelled), &error));
      g_assert_no_error (error);
      if (!north_mcp_task_store_update_finish (fixture->store, await (&updated), &error))
        {
          g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_CLOSED);
          overtaken++;
        }
      g_object_unref (updated.result);
      g_object_unref (cancelled.result);

      running = redis_command ("GET", key, NULL);
      g_assert_cmpstr (north_mcp_redis_reply_get_string (running, NULL), ==, "{\"owner\":\"alice\",\"ended\":true}");
      object = get (fixture, "alice", id, NULL);
      g_assert_cmpstr (json_object_get_string_member (object, "status"), ==, "cancelled");
    }
  /* Some updates came too late: the race was run. */
  g_assert_cmpuint (overtaken, >, 0);
}

/* A record written with the longest ttlMs the server may give
 * (task-ttl's maximum) lives that long in Redis: it must not be gone
 * while tasks/get still tells the client it lives on. */
static void
test_shared_longest_ttl (Fixture *fixture, gconstpointer kind)
{
  g_autoptr(GTypeClass) klass = g_type_class_ref (NORTH_MCP_TYPE_SERVER);
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_CLASS (klass), "task-ttl");
  gint64 ttl_ms = (gint64) G_PARAM_SPEC_UINT (pspec)->maximum * 1000;
  g_autofree char *record_key = g_strconcat ("north-mcp:task:", fixture->prefix, "long", NULL);
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;
  gint64 pttl;

  g_assert_true (create (fixture, "alice", "long", ttl_ms, &error));
  g_assert_no_error (error);
  object = get (fixture, "alice", "long", &error);
  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (object, "ttlMs"), ==, ttl_ms);
  pttl = redis_integer ("PTTL", record_key, NULL);
  g_assert_cmpint (pttl, <=, ttl_ms);
  /* Generous: only that it is not cut short by days. */
  g_assert_cmpint (pttl, >, ttl_ms - 10 * 60 * 1000);
}

/* The counters are bounded in Redis: they live as long as their last
 * record, and are gone a second after it. */
static void
test_shared_limits_keys_expire (Fixture *fixture, gconstpointer kind)
{
  g_autofree char *alice = owner_quota_key ("alice");
  g_autofree char *record_key = g_strconcat ("north-mcp:task:", fixture->prefix, "a2", NULL);
  g_autoptr(JsonObject) renewed = record (fixture, "a2", "working", 2500);

  g_assert_true (create (fixture, "alice", "a1", 2000, NULL));
  g_assert_true (create (fixture, "alice", "a2", 2000, NULL));
  /* An update moves the record's expiry, and its counters' with it: they
   * live (read first) at least as long as the record (read next). */
  g_assert_true (update (fixture, "alice", renewed, NULL));
  g_assert_cmpint (redis_integer ("ZCARD", alice, NULL), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      gint64 pttl = redis_integer ("PTTL", i == 0 ? alice : QUOTA_KEY, NULL);

      g_assert_cmpint (pttl, <=, 2500 + 1000);
      g_assert_cmpint (pttl, >=, redis_integer ("PTTL", record_key, NULL));
    }

  /* So do the sizes of the records that the counters add up. */
  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *key = g_strconcat (i < 2 ? alice : QUOTA_KEY, i % 2 == 0 ? ":values" : ":bytes", NULL);
      gint64 pttl = redis_integer ("PTTL", key, NULL);

      g_assert_cmpint (pttl, <=, 2500 + 1000);
      g_assert_cmpint (pttl, >=, redis_integer ("PTTL", record_key, NULL));
    }
  g_assert_cmpint (redis_integer ("ZCARD", QUOTA_KEY ":values", NULL), ==, 2);

  g_usleep (3600 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpint (redis_integer ("EXISTS", alice, NULL), ==, 0);
  g_assert_cmpint (redis_integer ("EXISTS", QUOTA_KEY, NULL), ==, 0);
  g_assert_cmpint (redis_integer ("EXISTS", QUOTA_KEY ":values", NULL), ==, 0);
  g_assert_cmpint (redis_integer ("EXISTS", QUOTA_KEY ":bytes", NULL), ==, 0);
  g_assert_cmpint (redis_integer ("EXISTS", record_key, NULL), ==, 0);
}

/* The byte limits of the shared store: records of about 1,100 bytes
 * (@size bytes of status message), within 3,000 bytes per owner. Only the
 * number of records was bounded, so that one user could fill Redis (and
 * a Redis at its maxmemory refuses every write, sessions included). */
#define SIZED 1000
#define BYTES_PER_OWNER 3000
#define TOO_MUCH "Too much task data for this user"
#define STORAGE_FULL "task storage is full"

static gboolean
create_sized (NorthMcpTaskStore *store, Fixture *fixture, const char *owner, const char *id, gint64 ttl_ms,
              gsize size, GError **error)
{
  g_autoptr(JsonObject) object = record (fixture, id, "working", ttl_ms);
  g_autofree char *message = g_strnfill (size, 'x');
  Wait wait = { NULL };
  gboolean ok;

  json_object_set_string_member (object, "statusMessage", message);
  north_mcp_task_store_create_async (store, owner, object, NULL, done, &wait);
  ok = north_mcp_task_store_create_finish (store, await (&wait), error);
  g_object_unref (wait.result);
  return ok;
}

/* A new shared store of BYTES_PER_OWNER per owner and @max_bytes_total. */
static NorthMcpTaskStore *
bytes_store (Fixture *fixture, guint64 max_bytes_total)
{
  return shared_store_bounded (fixture->uri, 100, 100, BYTES_PER_OWNER, max_bytes_total);
}

static void
use_byte_limits (Fixture *fixture, guint64 max_bytes_total)
{
  g_object_unref (fixture->store);
  fixture->store = bytes_store (fixture, max_bytes_total);
}

/* Alice's two records (created through @one and @two) take her bytes: a
 * third is refused by both. */
static void
fill_alice (NorthMcpTaskStore *one, NorthMcpTaskStore *two, Fixture *fixture, gint64 ttl_ms)
{
  GError *error = NULL;

  g_assert_true (create_sized (one, fixture, "alice", "a1", ttl_ms, SIZED, NULL));
  g_assert_true (create_sized (two, fixture, "alice", "a2", ttl_ms, SIZED, NULL));
  for (guint i = 0; i < 2; i++)
    assert_too_many (create_sized (i == 0 ? one : two, fixture, "alice", "a3", 60000, SIZED, &error), &error,
                     TOO_MUCH);
}

/* An owner at its byte limit is refused, and nothing is stored; another
 * owner is served. */
static void
test_shared_bytes_per_owner (Fixture *fixture, gconstpointer kind)
{
  g_autoptr(GError) error = NULL;

  use_byte_limits (fixture, 100000);
  fill_alice (fixture->store, fixture->store, fixture, 60000);
  g_assert_null (get (fixture, "alice", "a3", &error));
  g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  /* A small one still fits. */
  g_assert_true (create_sized (fixture->store, fixture, "alice", "a3", 60000, 10, NULL));
  g_assert_true (create_sized (fixture->store, fixture, "bob", "b1", 60000, SIZED, &error));
  g_assert_no_error (error);
}

/* Two replicas share the byte limits, also after one restarts. */
static void
test_shared_bytes_replicas (Fixture *fixture, gconstpointer kind)
{
  NorthMcpTaskStore *one = bytes_store (fixture, 100000);
  g_autoptr(NorthMcpTaskStore) two = bytes_store (fixture, 100000);
  g_autoptr(GError) error = NULL;

  fill_alice (one, two, fixture, 60000);
  g_object_unref (one);
  one = bytes_store (fixture, 100000);
  assert_too_many (create_sized (one, fixture, "alice", "a3", 60000, SIZED, &error), &error, TOO_MUCH);
  g_assert_true (create_sized (one, fixture, "bob", "b1", 60000, SIZED, NULL));
  g_object_unref (one);
}

/* The limit in all, and expired records give their bytes back (to the
 * owner and to all). */
static void
test_shared_bytes_expire (Fixture *fixture, gconstpointer kind)
{
  g_autoptr(GError) error = NULL;

  use_byte_limits (fixture, 5000);
  fill_alice (fixture->store, fixture->store, fixture, 1000);
  g_assert_true (create_sized (fixture->store, fixture, "bob", "b1", 60000, SIZED, NULL));
  g_assert_true (create_sized (fixture->store, fixture, "bob", "b2", 60000, SIZED, NULL));
  assert_too_many (create_sized (fixture->store, fixture, "carol", "c1", 60000, SIZED, &error), &error,
                   STORAGE_FULL);

  g_usleep (1100 * G_TIME_SPAN_MILLISECOND);
  g_assert_true (create_sized (fixture->store, fixture, "carol", "c1", 60000, SIZED, NULL));
  g_assert_true (create_sized (fixture->store, fixture, "alice", "a3", 60000, SIZED, &error));
  g_assert_no_error (error);
}

/* Expired records leave the sums in Redis on the first write after
 * they expired, a refused one included (each is read and removed once);
 * when Redis is out of memory, a refusal still answers as such (the
 * cleanup, a write, is left to a later call). */
static void
test_shared_bytes_cleanup (Fixture *fixture, gconstpointer kind)
{
  g_autofree char *quota = owner_quota_key ("alice");
  g_autofree char *values = g_strconcat (quota, ":values", NULL);
  g_autofree char *bytes = g_strconcat (quota, ":bytes", NULL);
  g_autoptr(NorthMcpRedisReply) reply = NULL;
  g_autoptr(GError) error = NULL;

  use_byte_limits (fixture, 100000);
  g_assert_true (create_sized (fixture->store, fixture, "alice", "a1", 1000, SIZED, NULL));
  g_assert_true (create_sized (fixture->store, fixture, "alice", "a2", 1000, SIZED, NULL));
  g_assert_true (create_sized (fixture->store, fixture, "alice", "a3", 60000, 10, NULL));
  g_usleep (1100 * G_TIME_SPAN_MILLISECOND);

  /* Out of memory: refused as too large, nothing removed. */
  reply = redis_command ("CONFIG", "SET", "maxmemory", "1", NULL);
  g_clear_pointer (&reply, north_mcp_redis_reply_unref);
  assert_too_many (create_sized (fixture->store, fixture, "alice", "a4", 60000, BYTES_PER_OWNER, &error), &error,
                   TOO_MUCH);
  reply = redis_command ("CONFIG", "SET", "maxmemory", "0", NULL);
  g_clear_pointer (&reply, north_mcp_redis_reply_unref);
  g_assert_cmpint (redis_integer ("ZCARD", values, NULL), ==, 3);

  /* With room again, the refusal drops a1 and a2 from the sums. */
  assert_too_many (create_sized (fixture->store, fixture, "alice", "a4", 60000, BYTES_PER_OWNER, &error), &error,
                   TOO_MUCH);
  g_assert_cmpint (redis_integer ("ZCARD", values, NULL), ==, 1);
  g_assert_cmpint (redis_integer ("HLEN", bytes, NULL), ==, 2);
  reply = redis_command ("HGET", bytes, "", NULL);
  {
    gsize length = 0;
    const char *total = north_mcp_redis_reply_get_string (reply, &length);
    g_autofree char *text = g_strndup (total, length);

    /* a3's record alone: its few small fields. */
    g_assert_cmpint (g_ascii_strtoll (text, NULL, 10), >, 10);
    g_assert_cmpint (g_ascii_strtoll (text, NULL, 10), <, SIZED);
  }
}

/* A rewrite replaces its record's bytes: updates of the running record
 * and its final record are counted once each; a final record that does
 * not fit is refused (the task layer then fails the task with a small
 * one), and the task stays as it was. */
static void
test_shared_bytes_rewrite (Fixture *fixture, gconstpointer kind)
{
  g_autofree char *text = g_strnfill (SIZED, 'y');
  g_autofree char *huge = g_strnfill (2 * BYTES_PER_OWNER, 'z');
  g_autoptr(GError) error = NULL;

  use_byte_limits (fixture, 100000);
  g_assert_true (create_sized (fixture->store, fixture, "alice", "a1", 60000, SIZED, NULL));
  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(JsonObject) working = record (fixture, "a1", "working", 60000);

      json_object_set_string_member (working, "statusMessage", text);
      g_assert_true (update (fixture, "alice", working, &error));
      g_assert_no_error (error);
    }
  {
    g_autoptr(JsonObject) completed = record (fixture, "a1", "completed", 60000);

    json_object_set_string_member (completed, "result", text);
    g_assert_true (update (fixture, "alice", completed, &error));
    g_assert_no_error (error);
  }
  /* It now takes some 1,100 bytes (its final record and a stub): room
   * for one more such record, not two. */
  g_assert_true (create_sized (fixture->store, fixture, "alice", "a2", 60000, SIZED, &error));
  g_assert_no_error (error);
  assert_too_many (create_sized (fixture->store, fixture, "alice", "a3", 60000, SIZED, &error), &error, TOO_MUCH);

  g_assert_true (create_sized (fixture->store, fixture, "bob", "b1", 60000, 10, NULL));
  {
    g_autoptr(JsonObject) completed = record (fixture, "b1", "completed", 60000);
    g_autoptr(JsonObject) failed = record (fixture, "b1", "failed", 60000);
    g_autoptr(JsonObject) stored = NULL;

    json_object_set_string_member (completed, "result", huge);
    assert_too_many (update (fixture, "bob", completed, &error), &error, TOO_MUCH);
    stored = get (fixture, "bob", "b1", &error);
    g_assert_no_error (error);
    g_assert_cmpstr (json_object_get_string_member (stored, "status"), ==, "working");
    g_clear_pointer (&stored, json_object_unref);
    g_assert_true (update (fixture, "bob", failed, &error));
    g_assert_no_error (error);
    stored = get (fixture, "bob", "b1", &error);
    g_assert_cmpstr (json_object_get_string_member (stored, "status"), ==, "failed");
  }
}

/* The bytes @owner's records take, as the shared store counts them in
 * Redis. */
static gint64
owner_bytes (const char *owner)
{
  g_autofree char *quota = owner_quota_key (owner);
  g_autofree char *bytes = g_strconcat (quota, ":bytes", NULL);
  g_autoptr(NorthMcpRedisReply) reply = redis_command ("HGET", bytes, "", NULL);
  gsize length = 0;
  const char *total = north_mcp_redis_reply_get_string (reply, &length);
  g_autofree char *text = g_strndup (total, length);

  return g_ascii_strtoll (text, NULL, 10);
}

/* An ended task keeps one copy of its record (and a small stub in place
 * of the running one), not two: its final record and its running record
 * both held the result, which halved what the byte limits let users
 * keep (terminal tells how it behaves then). */
static void
test_shared_bytes_ended (Fixture *fixture, gconstpointer kind)
{
  g_autofree char *text = g_strnfill (SIZED, 'r');
  g_autoptr(JsonObject) completed = record (fixture, "a1", "completed", 60000);
  g_autoptr(JsonObject) stored = NULL;
  g_autoptr(GError) error = NULL;

  use_byte_limits (fixture, 100000);
  g_assert_true (create_sized (fixture->store, fixture, "alice", "a1", 60000, 10, NULL));
  json_object_set_string_member (completed, "result", text);
  g_assert_true (update (fixture, "alice", completed, &error));
  g_assert_no_error (error);
  if (GPOINTER_TO_INT (kind) == SHARED)
    {
      g_autofree char *key = g_strconcat ("north-mcp:task:", fixture->prefix, "a1", NULL);
      g_autoptr(NorthMcpRedisReply) running = redis_command ("GET", key, NULL);

      g_assert_cmpint (owner_bytes ("alice"), >, SIZED);
      g_assert_cmpint (owner_bytes ("alice"), <, SIZED + 300);
      g_assert_cmpstr (north_mcp_redis_reply_get_string (running, NULL), ==, "{\"owner\":\"alice\",\"ended\":true}");
    }
  /* Room for a record of SIZED bytes besides. */
  g_assert_true (create_sized (fixture->store, fixture, "alice", "a2", 60000, SIZED, &error));
  g_assert_no_error (error);

  stored = get (fixture, "alice", "a1", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (stored, "status"), ==, "completed");
  g_assert_cmpstr (json_object_get_string_member (stored, "result"), ==, text);
}

/* A cancel never needs room: an owner exactly at its byte limit (not
 * even a tiny record fits) cancels its task, and a small failed record
 * still ends another; the sum goes past the limit by a few bytes only. */
static void
test_shared_bytes_end_at_limit (Fixture *fixture, gconstpointer kind)
{
  g_autoptr(JsonObject) failed = record (fixture, "a2", "failed", 60000);
  g_autoptr(JsonObject) stored = NULL;
  g_autoptr(GError) error = NULL;
  gint64 one;

  use_byte_limits (fixture, 100000);
  g_assert_true (create_sized (fixture->store, fixture, "alice", "a1", 60000, SIZED, NULL));
  one = owner_bytes ("alice");
  /* a2 differs from a1 only in its status message's length. */
  g_assert_true (create_sized (fixture->store, fixture, "alice", "a2", 60000, SIZED + BYTES_PER_OWNER - 2 * one,
                               NULL));
  g_assert_cmpint (owner_bytes ("alice"), ==, BYTES_PER_OWNER);
  assert_too_many (create_sized (fixture->store, fixture, "alice", "a3", 60000, 0, &error), &error, TOO_MUCH);

  g_assert_true (cancel (fixture, "alice", "a1", &error));
  g_assert_no_error (error);
  stored = get (fixture, "alice", "a1", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (stored, "status"), ==, "cancelled");

  json_object_set_string_member (failed, "error", "Too much task data for this user");
  g_assert_true (update (fixture, "alice", failed, &error));
  g_assert_no_error (error);
  g_assert_cmpint (owner_bytes ("alice"), <=, BYTES_PER_OWNER + NORTH_MCP_TASK_STORE_END_SLACK);
}

/* A state store that forwards what the shared task store uses (GET and
 * the counted SET; the rest as it is) to another one, and can hold back the answer of a GET
 * of a running record (the last read before a write) for a while: the
 * time an update may take between reading a record and writing it. */
#define SLOW_TYPE_STORE (slow_store_get_type ())
G_DECLARE_FINAL_TYPE (SlowStore, slow_store, SLOW, STORE, GObject)

struct _SlowStore
{
  GObject             parent_instance;
  NorthMcpStateStore *inner;
  gulong              get_delay_ms;
};

static void slow_store_iface_init (NorthMcpStateStoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SlowStore, slow_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (NORTH_MCP_TYPE_STATE_STORE, slow_store_iface_init))

static void
slow_got (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  SlowStore *self = g_task_get_source_object (task);
  GError *error = NULL;
  GBytes *value = north_mcp_state_store_get_finish (NORTH_MCP_STATE_STORE (source), result, &error);

  if (g_str_has_prefix (g_task_get_task_data (task), "north-mcp:task:"))
    g_usleep (self->get_delay_ms * G_TIME_SPAN_MILLISECOND);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, value, (GDestroyNotify) g_bytes_unref);
}

static void
slow_get (NorthMcpStateStore *store, const NorthMcpStateStoreRequest *request, GTask *task)
{
  g_task_set_task_data (task, g_strdup (request->key), g_free);
  north_mcp_state_store_get_async (SLOW_STORE (store)->inner, request->key, request->max_size,
                                   g_task_get_cancellable (task), slow_got, g_object_ref (task));
}

static void
slow_counted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  gssize counted = north_mcp_state_store_set_counted_finish (NORTH_MCP_STATE_STORE (source), result, &error);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_int (task, counted);
}

static void
slow_set_counted (NorthMcpStateStore *store, const NorthMcpStateStoreRequest *request, GTask *task)
{
  north_mcp_state_store_set_counted_async (SLOW_STORE (store)->inner, request->key, request->value,
                                           request->ttl_ms, request->mode, request->member, request->counters,
                                           request->n_counters, g_task_get_cancellable (task), slow_counted,
                                           g_object_ref (task));
}

/* The other operations (the lease's SET, say), at once. */
static void
slow_forward (NorthMcpStateStore *store, const NorthMcpStateStoreRequest *request, GTask *task)
{
  NorthMcpStateStore *inner = SLOW_STORE (store)->inner;

  NORTH_MCP_STATE_STORE_GET_IFACE (inner)->operations[request->op] (inner, request, task);
}

static const NorthMcpStateStoreOperation slow_operations[] = {
  slow_forward, slow_get, slow_forward, slow_forward, slow_forward, slow_forward, slow_forward, slow_set_counted,
  slow_forward,
};
G_STATIC_ASSERT (G_N_ELEMENTS (slow_operations) == NORTH_MCP_STATE_STORE_N_OPS);

static gboolean
slow_is_shared (NorthMcpStateStore *store)
{
  return north_mcp_state_store_is_shared (SLOW_STORE (store)->inner);
}

static void
slow_store_iface_init (NorthMcpStateStoreInterface *iface)
{
  iface->is_shared = slow_is_shared;
  iface->operations = slow_operations;
}

static void
slow_store_finalize (GObject *object)
{
  g_clear_object (&SLOW_STORE (object)->inner);
  G_OBJECT_CLASS (slow_store_parent_class)->finalize (object);
}

static void
slow_store_class_init (SlowStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = slow_store_finalize;
}

static void
slow_store_init (SlowStore *self)
{
}

/* Makes @fixture's store a shared one over a SlowStore, with room for
 * one task per user, and creates alice's a1, which expires in 1 s. */
static SlowStore *
use_slow_store (Fixture *fixture)
{
  SlowStore *slow = g_object_new (SLOW_TYPE_STORE, NULL);

  slow->inner = north_mcp_state_store_new_for_uri (fixture->uri, NULL);
  g_object_unref (fixture->store);
  fixture->store = north_mcp_shared_task_store_new (NORTH_MCP_STATE_STORE (slow), 1, 16, LARGE_BYTES, LARGE_BYTES);
  g_assert_true (create (fixture, "alice", "a1", 1000, NULL));
  return slow;
}

/* Updates a1 to @status while a1 expires: the update holds what it read
 * of the running record for 1.3 s before it writes. */
static gboolean
update_as_a1_expires (Fixture *fixture, SlowStore *slow, const char *status, GError **error)
{
  g_autoptr(JsonObject) object = record (fixture, "a1", status, 1000);
  gboolean ok;

  slow->get_delay_ms = 1300;
  ok = update (fixture, "alice", object, error);
  slow->get_delay_ms = 0;
  return ok;
}

/* An update whose record expired between its read and its write (the
 * read answered late) stores nothing: it wrote the record again, but
 * outside the counters (a rewrite only moves a counted task's expiry), so
 * the user kept it past the limit, and every further update kept it
 * alive, uncounted. */
static void
test_shared_limits_update_after_expiry (Fixture *fixture, gconstpointer kind)
{
  g_autoptr(SlowStore) slow = use_slow_store (fixture);
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_false (update_as_a1_expires (fixture, slow, "working", &error));
  g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* a1 is gone, and its place with it: a2 is alice's only task. */
  g_assert_true (create (fixture, "alice", "a2", 60000, NULL));
  object = get (fixture, "alice", "a1", &error);
  g_assert_null (object);
  g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT);
}

/* Likewise for the final record of a task that ends (or is cancelled)
 * as it expires: written once, it was stored outside the counters. */
static void
test_shared_limits_final_after_expiry (Fixture *fixture, gconstpointer kind)
{
  g_autoptr(SlowStore) slow = use_slow_store (fixture);
  g_autoptr(JsonObject) a1 = NULL;
  g_autoptr(JsonObject) a2 = NULL;
  g_autoptr(GError) error = NULL;

  update_as_a1_expires (fixture, slow, "completed", NULL);

  /* Alice, allowed one task, has at most one: a1 (stored, and counted)
   * or a2. */
  if (!create (fixture, "alice", "a2", 60000, &error))
    assert_too_many (FALSE, &error, PER_USER);
  a1 = get (fixture, "alice", "a1", NULL);
  a2 = get (fixture, "alice", "a2", NULL);
  g_assert_true (a1 == NULL || a2 == NULL);
}

/* Whether process @pid is stopped (SIGSTOP took effect). */
static gboolean
is_stopped (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *stat = NULL;
  const char *end;

  g_assert_true (g_file_get_contents (path, &stat, NULL, NULL));
  end = strrchr (stat, ')');
  g_assert_nonnull (end);
  return end[1] == ' ' && end[2] == 'T';
}

/* A create that timed out (Redis stopped, then going on: it ran the
 * command after the replica gave up on it) still counts: the replica gave
 * the slot back on any error, so that an attacker who slowed Redis down
 * kept records past the limit. */
static void
test_shared_limits_timeout (Fixture *fixture, gconstpointer kind)
{
  g_autoptr(NorthMcpStateStore) state = north_mcp_state_store_new_for_uri (fixture->uri, NULL);
  g_autofree char *alice = owner_quota_key ("alice");
  g_autofree char *record_key = g_strconcat ("north-mcp:task:", fixture->prefix, "a2", NULL);
  g_autofree char *member = g_strconcat (fixture->prefix, "a2", NULL);
  g_autoptr(NorthMcpRedisReply) score = NULL;
  g_autoptr(GError) error = NULL;
  guint watchdog;

  g_object_unref (fixture->store);
  fixture->store = north_mcp_shared_task_store_new (state, 2, 16, LARGE_BYTES, LARGE_BYTES);
  g_assert_true (create (fixture, "alice", "a1", 60000, NULL));

  test_redis_server_signal (&redis, SIGSTOP);
  watchdog = test_watchdog_add ("redis-server to stop");
  while (!is_stopped (redis.pid))
    g_usleep (1000);
  g_source_remove (watchdog);
  /* The command is sent; Redis answers after the store's command timeout. */
  g_assert_false (create (fixture, "alice", "a2", 60000, &error));
  g_assert_error (error, NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_UNAVAILABLE);
  g_assert_nonnull (strstr (error->message, "The task store is unavailable"));
  g_clear_error (&error);
  test_redis_server_signal (&redis, SIGCONT);

  /* Redis ran it once it went on: the record is there (and counted). */
  watchdog = test_watchdog_add ("the timed-out create to be stored");
  while (redis_integer ("EXISTS", record_key, NULL) == 0)
    g_usleep (10 * 1000);
  g_source_remove (watchdog);

  /* The replica reconnects, and refuses at the limit. */
  watchdog = test_watchdog_add ("the replica to reconnect");
  while (!north_mcp_state_store_is_available (state))
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (watchdog);
  assert_too_many (create (fixture, "alice", "a3", 60000, &error), &error, PER_USER);
  score = redis_command ("ZSCORE", alice, member, NULL);
  g_assert_cmpint (north_mcp_redis_reply_get_kind (score), ==, NORTH_MCP_REDIS_REPLY_STRING);
  g_assert_cmpint (redis_integer ("ZCARD", alice, NULL), ==, 2);
}

/* A command Redis refuses (here: out of memory) fails the call with the
 * same message as an unreachable store: Redis's own text (its error, the
 * script's digest) is for the operator's log, not for the client. */
static void
test_shared_refused (Fixture *fixture, gconstpointer kind)
{
  g_autoptr(NorthMcpRedisReply) set = NULL;
  g_autoptr(NorthMcpRedisReply) reset = NULL;
  g_autoptr(GError) error = NULL;

  set = redis_command ("CONFIG", "SET", "maxmemory", "1", NULL);
  g_assert_cmpint (north_mcp_redis_reply_get_kind (set), ==, NORTH_MCP_REDIS_REPLY_STATUS);
  g_assert_false (create (fixture, "alice", "t1", 60000, &error));
  reset = redis_command ("CONFIG", "SET", "maxmemory", "0", NULL);
  g_assert_error (error, NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_UNAVAILABLE);
  g_assert_cmpstr (error->message, ==, "The task store is unavailable");
  g_clear_error (&error);
  /* Once Redis has room again, the store serves. */
  g_assert_true (create (fixture, "alice", "t1", 60000, NULL));
}

/* A record's result may nest NORTH_MCP_TASK_MAX_RESULT_DEPTH levels, with
 * objects of any number of members, in either store: it is stored and
 * read back as it was. Nested one level deeper, either store refuses it
 * as a record too large (NORTH_MCP_ERROR_FAILED, saying so, so that the
 * task fails with a small record), never stores it to be reported as an
 * unknown task on every read: the task still runs, and ends failed. The
 * shared store refused 126 levels or 1,001 members (a tool's listing),
 * which the memory store kept, and the memory store any depth. */
static void
test_record_depth (Fixture *fixture, gconstpointer kind)
{
  for (guint levels = NORTH_MCP_TASK_MAX_RESULT_DEPTH - 1; levels <= NORTH_MCP_TASK_MAX_RESULT_DEPTH; levels++)
    {
      g_autofree char *id = g_strdup_printf ("d%u", levels);
      g_autoptr(JsonObject) completed = record (fixture, id, "completed", 60000);
      g_autoptr(JsonObject) failed = record (fixture, id, "failed", 60000);
      JsonObject *result = json_object_new ();
      g_autoptr(JsonObject) object = NULL;
      g_autoptr(GError) error = NULL;

      /* The result nests a level more than its structuredContent. */
      json_object_set_member (result, "structuredContent", test_deep_object (levels, 1001));
      json_object_set_object_member (completed, "result", result);
      g_assert_true (create (fixture, "alice", id, 60000, NULL));
      if (levels + 1 <= NORTH_MCP_TASK_MAX_RESULT_DEPTH)
        {
          g_assert_true (update (fixture, "alice", completed, &error));
          g_assert_no_error (error);
          object = get (fixture, "alice", id, &error);
          g_assert_no_error (error);
          g_assert_cmpstr (json_object_get_string_member (object, "status"), ==, "completed");
          test_assert_deep_object (json_object_get_object_member (json_object_get_object_member (object, "result"),
                                                                  "structuredContent"), levels, 1001);
          continue;
        }
      g_assert_false (update (fixture, "alice", completed, &error));
      g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED);
      g_assert_nonnull (strstr (error->message, "1024 levels"));
      g_clear_error (&error);
      /* The task is still there, running, and ends failed. */
      object = get (fixture, "alice", id, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (json_object_get_string_member (object, "status"), ==, "working");
      g_clear_pointer (&object, json_object_unref);
      g_assert_true (update (fixture, "alice", failed, &error));
      g_assert_no_error (error);
      object = get (fixture, "alice", id, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (json_object_get_string_member (object, "status"), ==, "failed");
    }
}

/* A state store that cannot be reached fails each call, saying so. */
static void
test_shared_unavailable (void)
{
  g_autofree char *uri = g_strdup_printf ("redis://127.0.0.1:%u", test_free_port ());
  Fixture fixture = { shared_store (uri), g_strdup ("") };
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_false (create (&fixture, "alice", "t1", 60000, &error));
  g_assert_error (error, NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_UNAVAILABLE);
  g_assert_nonnull (strstr (error->message, "The task store is unavailable"));
  g_clear_error (&error);
  object = get (&fixture, "alice", "t1", &error);
  g_assert_error (error, NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_UNAVAILABLE);
  g_assert_null (object);
  fixture_tear_down (&fixture, NULL);
}

/* Bounded per owner and in all, with errors that say so; expired tasks
 * make room, live ones do not expire early. */
static void
test_limits_and_expiry (Fixture *fixture, gconstpointer kind)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) object = NULL;

  g_object_unref (fixture->store);
  fixture->store = north_mcp_memory_task_store_new (2, 3, G_MAXSIZE, G_MAXSIZE);

  g_assert_true (create (fixture, "alice", "a1", 60000, NULL));
  g_assert_true (create (fixture, "alice", "a2", 60000, NULL));
  g_assert_false (create (fixture, "alice", "a3", 60000, &error));
  g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "Too many tasks for this user"));
  g_clear_error (&error);

  g_assert_true (create (fixture, "bob", "b1", 60000, NULL));
  g_assert_false (create (fixture, "carol", "c1", 60000, &error));
  g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "Too many tasks on this server"));
  g_clear_error (&error);

  /* Duplicate ids are refused. */
  g_assert_false (create (fixture, "bob", "a1", 60000, &error));
  g_clear_error (&error);

  /* Nothing is due yet: the expiry leaves every task. */
  g_assert_cmpint (expire (fixture, g_get_monotonic_time (), NULL), ==, 0);
  object = get (fixture, "alice", "a1", &error);
  g_assert_no_error (error);

  /* Past their TTL (one minute) all are gone, and room is free again. */
  g_assert_cmpint (expire (fixture, g_get_monotonic_time () + 61 * G_TIME_SPAN_MINUTE, NULL), ==, 3);
  g_assert_true (create (fixture, "carol", "c1", 60000, &error));
  g_assert_no_error (error);
}

/* Records are bounded in bytes too: a create or an update beyond the
 * budget fails, and leaves the stored record as it was. */
static void
test_byte_budget (Fixture *fixture, gconstpointer kind)
{
  g_autoptr(JsonObject) large = record (fixture, "t1", "completed", 60000);
  g_autoptr(JsonObject) small = record (fixture, "t1", "failed", 60000);
  g_autofree char *text = g_strnfill (2 * NORTH_MCP_TASK_STORE_END_SLACK, 'x');
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;

  g_object_unref (fixture->store);
  fixture->store = north_mcp_memory_task_store_new (8, 8, G_MAXSIZE, 400);

  g_assert_true (create (fixture, "alice", "t1", 60000, NULL));
  json_object_set_string_member (large, "result", text);
  g_assert_false (update (fixture, "alice", large, &error));
  g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "task storage is full"));
  g_clear_error (&error);
  object = get (fixture, "alice", "t1", NULL);
  g_assert_cmpstr (json_object_get_string_member (object, "status"), ==, "working");

  g_assert_true (update (fixture, "alice", small, &error));
  g_assert_no_error (error);
}

/* Ending a task needs no room: at the budget, a cancel and a small
 * failed record (the end of a task whose result did not fit) still go
 * through, a large result does not. */
static void
test_byte_budget_end (Fixture *fixture, gconstpointer kind)
{
  g_autoptr(JsonObject) working = record (fixture, "t1", "working", 60000);
  g_autoptr(JsonObject) failed = record (fixture, "t2", "failed", 60000);
  g_autoptr(JsonObject) completed = record (fixture, "t2", "completed", 60000);
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), working);
  g_autofree char *text = json_to_string (node, FALSE);
  g_autofree char *large = g_strnfill (2 * NORTH_MCP_TASK_STORE_END_SLACK, 'x');
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;

  g_object_unref (fixture->store);
  fixture->store = north_mcp_memory_task_store_new (8, 8, G_MAXSIZE, 2 * strlen (text));
  g_assert_true (create (fixture, "alice", "t1", 60000, NULL));
  g_assert_true (create (fixture, "alice", "t2", 60000, NULL));
  g_assert_false (create (fixture, "alice", "t3", 60000, &error));
  g_clear_error (&error);

  json_object_set_string_member (completed, "result", large);
  g_assert_false (update (fixture, "alice", completed, &error));
  g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED);
  g_clear_error (&error);
  json_object_set_string_member (failed, "error", "The server's task storage is full");
  g_assert_true (update (fixture, "alice", failed, &error));
  g_assert_no_error (error);
  g_assert_true (cancel (fixture, "alice", "t1", &error));
  g_assert_no_error (error);
  object = get (fixture, "alice", "t1", NULL);
  g_assert_cmpstr (json_object_get_string_member (object, "status"), ==, "cancelled");
}

/* One user cannot take the room of all: past its own budget its records
 * are refused, saying so, and another user's still fit. */
static void
test_byte_budget_per_owner (Fixture *fixture, gconstpointer kind)
{
  g_autofree char *text = g_strnfill (1000, 'x');
  guint stored = 0;

  g_object_unref (fixture->store);
  fixture->store = north_mcp_memory_task_store_new (8, 16, 4000, 10000);

  for (guint i = 0; i < 8; i++)
    {
      g_autofree char *id = g_strdup_printf ("a%u", i);
      g_autoptr(JsonObject) completed = record (fixture, id, "completed", 60000);
      g_autoptr(GError) error = NULL;

      g_assert_true (create (fixture, "alice", id, 60000, NULL));
      json_object_set_string_member (completed, "result", text);
      if (update (fixture, "alice", completed, &error))
        stored++;
      else
        {
          g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED);
          g_assert_nonnull (strstr (error->message, "Too much task data for this user"));
        }
    }
  g_assert_cmpuint (stored, ==, 3);

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *id = g_strdup_printf ("b%u", i);
      g_autoptr(JsonObject) completed = record (fixture, id, "completed", 60000);
      g_autoptr(GError) error = NULL;

      g_assert_true (create (fixture, "bob", id, 60000, NULL));
      json_object_set_string_member (completed, "result", text);
      g_assert_true (update (fixture, "bob", completed, &error));
      g_assert_no_error (error);
    }
}

int
main (int argc, char **argv)
{
  const char *kinds[] = { "memory", "shared", "shared-over-memory" };
  const struct {
    const char *name;
    void      (*func) (Fixture *, gconstpointer);
    gboolean    over_memory;
  } limits[] = {
    { "limits", test_shared_limits, TRUE },
    { "limits-renewed", test_shared_limits_renewed, TRUE },
    { "limits-replicas", test_shared_limits_replicas, FALSE },
    { "limits-keys-expire", test_shared_limits_keys_expire, FALSE },
    { "limits-timeout", test_shared_limits_timeout, FALSE },
    { "limits-update-after-expiry", test_shared_limits_update_after_expiry, TRUE },
    { "limits-final-after-expiry", test_shared_limits_final_after_expiry, TRUE },
    { "bytes-per-owner", test_shared_bytes_per_owner, TRUE },
    { "bytes-replicas", test_shared_bytes_replicas, FALSE },
    { "bytes-expire", test_shared_bytes_expire, TRUE },
    { "bytes-rewrite", test_shared_bytes_rewrite, TRUE },
    { "bytes-ended", test_shared_bytes_ended, TRUE },
    { "bytes-end-at-limit", test_shared_bytes_end_at_limit, FALSE },
    { "bytes-cleanup", test_shared_bytes_cleanup, FALSE },
  };
  int status;

  g_test_init (&argc, &argv, NULL);
  test_redis_server_init (&redis, "task-store");

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      const char *tests[] = { "owner-isolation", "terminal", "updates-and-ids", "clock-step", "record-depth",
                              "ttl-out-of-range" };
      void (*funcs[]) (Fixture *, gconstpointer) = { test_owner_isolation, test_terminal, test_updates_and_ids,
                                                     test_record_clock_step, test_record_depth,
                                                     test_record_ttl_out_of_range };

      for (guint j = 0; j < G_N_ELEMENTS (tests); j++)
        {
          g_autofree char *path = g_strdup_printf ("/task-store/%s/%s", kinds[i], tests[j]);

          g_test_add (path, Fixture, GINT_TO_POINTER (i), fixture_set_up, funcs[j], fixture_tear_down);
        }
    }
  g_test_add ("/task-store/memory/limits-and-expiry", Fixture, GINT_TO_POINTER (MEMORY),
              fixture_set_up, test_limits_and_expiry, fixture_tear_down);
  g_test_add ("/task-store/memory/byte-budget", Fixture, GINT_TO_POINTER (MEMORY),
              fixture_set_up, test_byte_budget, fixture_tear_down);
  g_test_add ("/task-store/memory/byte-budget-end", Fixture, GINT_TO_POINTER (MEMORY),
              fixture_set_up, test_byte_budget_end, fixture_tear_down);
  g_test_add ("/task-store/memory/byte-budget-per-owner", Fixture, GINT_TO_POINTER (MEMORY),
              fixture_set_up, test_byte_budget_per_owner, fixture_tear_down);
  g_test_add ("/task-store/shared/expiry", Fixture, GINT_TO_POINTER (SHARED),
              fixture_set_up, test_shared_expiry, fixture_tear_down);
  g_test_add ("/task-store/shared/runner-gone", Fixture, GINT_TO_POINTER (SHARED),
              fixture_set_up, test_shared_runner_gone, fixture_tear_down);
  g_test_add ("/task-store/shared/lease-lost", Fixture, GINT_TO_POINTER (SHARED),
              fixture_set_up, test_shared_lease_lost, fixture_tear_down);
  g_test_add ("/task-store/shared/update-racing-end", Fixture, GINT_TO_POINTER (SHARED),
              fixture_set_up, test_shared_update_racing_end, fixture_tear_down);
  g_test_add ("/task-store/shared/longest-ttl", Fixture, GINT_TO_POINTER (SHARED),
              fixture_set_up, test_shared_longest_ttl, fixture_tear_down);
  g_test_add ("/task-store/shared/hostile-records", Fixture, GINT_TO_POINTER (SHARED),
              fixture_set_up, test_shared_hostile_records, fixture_tear_down);
  g_test_add ("/task-store/shared/foreign-records", Fixture, GINT_TO_POINTER (SHARED),
              fixture_set_up, test_shared_foreign_records, fixture_tear_down);
  g_test_add ("/task-store/shared/refused", Fixture, GINT_TO_POINTER (SHARED),
              fixture_set_up, test_shared_refused, fixture_tear_down);
  /* The quota of the shared store: over Redis, and over the in-process
   * state store where it means the same (one process). */
  for (guint i = 0; i < G_N_ELEMENTS (limits); i++)
    for (guint kind = SHARED; kind <= (limits[i].over_memory ? SHARED_OVER_MEMORY : SHARED); kind++)
      {
        g_autofree char *path = g_strdup_printf ("/task-store/%s/%s", kinds[kind], limits[i].name);

        g_test_add (path, Fixture, GINT_TO_POINTER (kind), fixture_set_up, limits[i].func, fixture_tear_down);
      }
  g_test_add_func ("/task-store/shared/unavailable", test_shared_unavailable);

  status = g_test_run ();
  test_redis_server_clear (&redis);
  return status;
}
