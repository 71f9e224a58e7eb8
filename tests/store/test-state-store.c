/* test-state-store.c: the state stores (issue 15), each test run against the
 * in-process store and against the Redis store on a real redis-server
 *
 * One redis-server (from PATH) on a loopback port picked at run time, with
 * its own temporary directory and no persistence, stopped by its PID.
 *
 * SPDX-License-Identifier: MIT
 */
#include <signal.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gio/gio.h>

#include "north-mcp-redis-client-private.h"
#include "north-mcp-state-store-private.h"
#include "north-mcp-redis-state-store-private.h"
#include "test-redis-server.h"

#define ALWAYS NORTH_MCP_STATE_STORE_SET_ALWAYS
#define IF_ABSENT NORTH_MCP_STATE_STORE_SET_IF_ABSENT
#define IF_PRESENT NORTH_MCP_STATE_STORE_SET_IF_PRESENT

static TestRedisServer redis;

/* --- waiting --- */

static void
sleep_ms (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, test_set_flag, &done);
  test_wait_for (&done, "a pause");
}

/* One asynchronous call's result. */
typedef struct {
  gboolean   done;
  gboolean   ok;
  GBytes    *bytes;
  char      *id;
  GPtrArray *events;
  gboolean   left_out;
  gssize     counted;
  GError    *error;
} Result;

static void
result_clear (Result *result)
{
  g_clear_pointer (&result->bytes, g_bytes_unref);
  g_clear_pointer (&result->id, g_free);
  g_clear_pointer (&result->events, g_ptr_array_unref);
  g_clear_error (&result->error);
  result->done = result->ok = FALSE;
}

#define DONE_FUNC(name, body) \
  static void name (GObject *source, GAsyncResult *res, gpointer data) \
  { \
    Result *result = data; \
    NorthMcpStateStore *store = NORTH_MCP_STATE_STORE (source); \
    g_assert_false (result->done); \
    body; \
    result->done = TRUE; \
  }

DONE_FUNC (set_done, result->ok = north_mcp_state_store_set_finish (store, res, &result->error))
DONE_FUNC (replace_done, result->ok = north_mcp_state_store_replace_finish (store, res, &result->error))
DONE_FUNC (get_done, result->bytes = north_mcp_state_store_get_finish (store, res, &result->error))
DONE_FUNC (expire_done, result->ok = north_mcp_state_store_expire_finish (store, res, &result->error))
DONE_FUNC (delete_done, result->ok = north_mcp_state_store_delete_finish (store, res, &result->error))
DONE_FUNC (publish_done, result->ok = north_mcp_state_store_publish_finish (store, res, &result->error))
DONE_FUNC (append_done, result->id = north_mcp_state_store_append_finish (store, res, &result->error))
DONE_FUNC (counted_done, result->counted = north_mcp_state_store_set_counted_finish (store, res, &result->error))
DONE_FUNC (expire_counted_done, result->ok = north_mcp_state_store_expire_counted_finish (store, res, &result->error))
DONE_FUNC (delete_counted_done, result->ok = north_mcp_state_store_delete_counted_finish (store, res, &result->error))
DONE_FUNC (room_done, result->counted = north_mcp_state_store_check_room_finish (store, res, &result->error))
DONE_FUNC (replay_done, result->events = north_mcp_state_store_replay_finish (store, res, &result->left_out,
                                                                              &result->error))

static GBytes *
text (const char *string)
{
  return g_bytes_new (string, strlen (string));
}

static gboolean
store_set (NorthMcpStateStore *store, const char *key, const char *value, guint64 ttl_ms,
           NorthMcpStateStoreSetMode mode, GError **error)
{
  Result result = { 0 };
  g_autoptr(GBytes) bytes = text (value);
  gboolean ok;

  north_mcp_state_store_set_async (store, key, bytes, ttl_ms, mode, NULL, set_done, &result);
  test_wait_for (&result.done, "set");
  ok = result.ok;
  if (result.error != NULL)
    g_propagate_error (error, g_steal_pointer (&result.error));
  result_clear (&result);
  return ok;
}

static gboolean
store_replace (NorthMcpStateStore *store, const char *key, const char *value, const char *expected)
{
  Result result = { 0 };
  g_autoptr(GBytes) bytes = text (value);
  g_autoptr(GBytes) read = text (expected);
  gboolean ok;

  north_mcp_state_store_replace_async (store, key, bytes, read, NULL, replace_done, &result);
  test_wait_for (&result.done, "replace");
  g_assert_no_error (result.error);
  ok = result.ok;
  result_clear (&result);
  return ok;
}

/* What a counted SET did (-1 with @error); @limits and @max_bytes (NULL:
 * none): one per counter. */
static gssize
store_set_counted_bytes (NorthMcpStateStore *store, const char *key, const char *value, guint64 ttl_ms,
                         NorthMcpStateStoreSetMode mode, const char *member, const char *const *counters,
                         const guint *limits, const guint64 *max_bytes, guint n_counters, GError **error)
{
  NorthMcpStateStoreCounter counted[NORTH_MCP_STATE_STORE_MAX_COUNTERS + 1];
  Result result = { 0 };
  g_autoptr(GBytes) bytes = text (value);
  gssize answer;

  g_assert_cmpuint (n_counters, <=, G_N_ELEMENTS (counted));
  for (guint i = 0; i < n_counters; i++)
    counted[i] = (NorthMcpStateStoreCounter) { counters[i], limits[i], max_bytes != NULL ? max_bytes[i] : 0 };
  north_mcp_state_store_set_counted_async (store, key, bytes, ttl_ms, mode, member, counted, n_counters, NULL,
                                           counted_done, &result);
  test_wait_for (&result.done, "counted set");
  answer = result.counted;
  if (result.error != NULL)
    g_propagate_error (error, g_steal_pointer (&result.error));
  result_clear (&result);
  return answer;
}

static gssize
store_set_counted (NorthMcpStateStore *store, const char *key, const char *value, guint64 ttl_ms,
                   NorthMcpStateStoreSetMode mode, const char *member, const char *const *counters,
                   const guint *limits, guint n_counters, GError **error)
{
  return store_set_counted_bytes (store, key, value, ttl_ms, mode, member, counters, limits, NULL, n_counters,
                                  error);
}

/* The value as a string ("" for none); NULL with @error. */
static char *
store_get (NorthMcpStateStore *store, const char *key, gsize max_size, GError **error)
{
  Result result = { 0 };
  char *value = NULL;

  north_mcp_state_store_get_async (store, key, max_size, NULL, get_done, &result);
  test_wait_for (&result.done, "get");
  if (result.error != NULL)
    g_propagate_error (error, g_steal_pointer (&result.error));
  else if (result.bytes == NULL)
    value = g_strdup ("");
  else
    value = g_strndup (g_bytes_get_data (result.bytes, NULL), g_bytes_get_size (result.bytes));
  result_clear (&result);
  return value;
}

/* An "expire" or "delete"; of a counted value when @member is not NULL
 * (@max_bytes: one per counter, or NULL; a limit is not read by the
 * store). */
static gboolean
store_counted_simple (NorthMcpStateStore *store, const char *what, const char *key, guint64 ttl_ms,
                      const char *member, const char *const *counters, const guint64 *max_bytes,
                      guint n_counters, GError **error)
{
  NorthMcpStateStoreCounter counted[NORTH_MCP_STATE_STORE_MAX_COUNTERS + 1];
  Result result = { 0 };
  gboolean ok;

  g_assert_cmpuint (n_counters, <=, G_N_ELEMENTS (counted));
  for (guint i = 0; i < n_counters; i++)
    counted[i] = (NorthMcpStateStoreCounter) { counters[i], 1, max_bytes != NULL ? max_bytes[i] : 0 };
  if (member == NULL && strcmp (what, "expire") == 0)
    north_mcp_state_store_expire_async (store, key, ttl_ms, NULL, expire_done, &result);
  else if (member == NULL)
    north_mcp_state_store_delete_async (store, key, NULL, delete_done, &result);
  else if (strcmp (what, "expire") == 0)
    north_mcp_state_store_expire_counted_async (store, key, ttl_ms, member, counted, n_counters, NULL,
                                                expire_counted_done, &result);
  else
    north_mcp_state_store_delete_counted_async (store, key, member, counted, n_counters, NULL,
                                                delete_counted_done, &result);
  test_wait_for (&result.done, what);
  ok = result.ok;
  if (result.error != NULL)
    g_propagate_error (error, g_steal_pointer (&result.error));
  result_clear (&result);
  return ok;
}

static gboolean
store_simple (NorthMcpStateStore *store, const char *what, const char *key, guint64 ttl_ms, GError **error)
{
  return store_counted_simple (store, what, key, ttl_ms, NULL, NULL, NULL, 0, error);
}

static char *
store_append_grouped (NorthMcpStateStore *store, const char *key, const char *event, guint max_length,
                      gsize max_size, guint64 ttl_ms, const char *group, gsize group_max_size)
{
  Result result = { 0 };
  g_autoptr(GBytes) bytes = text (event);
  char *id;

  north_mcp_state_store_append_async (store, key, bytes, max_length, max_size, ttl_ms, group, group_max_size,
                                      NULL, append_done, &result);
  test_wait_for (&result.done, "append");
  g_assert_no_error (result.error);
  id = g_steal_pointer (&result.id);
  result_clear (&result);
  return id;
}

static char *
store_append_sized (NorthMcpStateStore *store, const char *key, const char *event, guint max_length,
                    gsize max_size)
{
  return store_append_grouped (store, key, event, max_length, max_size, 60000, NULL, 0);
}

static char *
store_append (NorthMcpStateStore *store, const char *key, const char *event, guint max_length)
{
  return store_append_sized (store, key, event, max_length, 0);
}

static GPtrArray *
store_replay_prefixed (NorthMcpStateStore *store, const char *key, const char *after, const char *prefix,
                       const char *through, guint max_events, gsize max_size, gboolean *left_out, GError **error)
{
  Result result = { 0 };
  GPtrArray *events;

  north_mcp_state_store_replay_async (store, key, after, prefix, through, max_events, max_size, NULL, replay_done,
                                      &result);
  test_wait_for (&result.done, "replay");
  if (result.error != NULL)
    g_propagate_error (error, g_steal_pointer (&result.error));
  *left_out = result.left_out;
  events = g_steal_pointer (&result.events);
  result_clear (&result);
  return events;
}

static GPtrArray *
store_replay_full (NorthMcpStateStore *store, const char *key, const char *after, guint max_events,
                   gsize max_size, gboolean *left_out, GError **error)
{
  return store_replay_prefixed (store, key, after, NULL, NULL, max_events, max_size, left_out, error);
}

/* A replay that leaves nothing out. */
static GPtrArray *
store_replay (NorthMcpStateStore *store, const char *key, const char *after, guint max_events,
              gsize max_size, GError **error)
{
  gboolean left_out = TRUE;
  GPtrArray *events = store_replay_full (store, key, after, max_events, max_size, &left_out, error);

  g_assert_false (left_out);
  return events;
}

/* --- the stores --- */

static NorthMcpStateStore *
new_store (gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  NorthMcpStateStore *store;

  if (GPOINTER_TO_INT (data) == 0)
    return north_mcp_memory_state_store_new ();
  store = north_mcp_state_store_new_for_uri (redis.uri, &error);
  g_assert_no_error (error);
  g_assert_true (north_mcp_state_store_is_shared (store));
  return store;
}

/* A key no other test (or earlier run of this test) uses. */
static char *
unique_key (const char *what)
{
  static guint counter;

  return g_strdup_printf ("test:%s:%d:%u", what, (int) getpid (), ++counter);
}

static void
test_values (gconstpointer data)
{
  g_autoptr(NorthMcpStateStore) store = new_store (data);
  g_autofree char *key = unique_key ("value");
  g_autoptr(GError) error = NULL;
  g_autofree char *value = NULL;

  value = store_get (store, key, 100, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (value, ==, "");
  g_assert_false (store_simple (store, "expire", key, 1000, &error));
  g_assert_no_error (error);
  g_assert_false (store_simple (store, "delete", key, 0, &error));
  g_assert_no_error (error);

  g_assert_true (store_set (store, key, "one", 60000, ALWAYS, &error));
  g_assert_no_error (error);
  /* Only if absent: kept. */
  g_assert_false (store_set (store, key, "two", 60000, IF_ABSENT, &error));
  g_assert_no_error (error);
  /* Only if present: not made where there is none. */
  g_assert_false (store_set (store, "test:never-stored", "two", 60000, IF_PRESENT, &error));
  g_assert_no_error (error);
  g_clear_pointer (&value, g_free);
  value = store_get (store, "test:never-stored", 100, &error);
  g_assert_cmpstr (value, ==, "");
  g_clear_pointer (&value, g_free);
  value = store_get (store, key, 100, &error);
  g_assert_cmpstr (value, ==, "one");
  /* Replaced. */
  g_assert_true (store_set (store, key, "three", 60000, IF_PRESENT, &error));
  g_assert_no_error (error);
  g_clear_pointer (&value, g_free);
  value = store_get (store, key, 100, &error);
  g_assert_cmpstr (value, ==, "three");
  g_assert_true (store_set (store, key, "three", 0, ALWAYS, &error));
  g_clear_pointer (&value, g_free);
  value = store_get (store, key, 100, &error);
  g_assert_cmpstr (value, ==, "three");

  /* Longer than the caller allows: refused, not returned. */
  g_clear_pointer (&value, g_free);
  value = store_get (store, key, 4, &error);
  g_assert_error (error, NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_TOO_LARGE);
  g_assert_null (value);
  g_clear_error (&error);

  g_assert_true (store_simple (store, "expire", key, 60000, &error));
  g_assert_true (store_simple (store, "delete", key, 0, &error));
  g_assert_no_error (error);
  value = store_get (store, key, 100, &error);
  g_assert_cmpstr (value, ==, "");
}

static void
test_expiry (gconstpointer data)
{
  g_autoptr(NorthMcpStateStore) store = new_store (data);
  g_autofree char *key = unique_key ("expiry");
  g_autoptr(GError) error = NULL;

  g_assert_true (store_set (store, key, "soon gone", 50, ALWAYS, &error));
  g_assert_no_error (error);
  for (;;)
    {
      g_autofree char *value = store_get (store, key, 100, &error);

      g_assert_no_error (error);
      if (g_str_equal (value, ""))
        break;
      g_assert_cmpstr (value, ==, "soon gone");
      sleep_ms (20);
    }
  /* An expired value cannot be given more time. */
  g_assert_false (store_simple (store, "expire", key, 60000, &error));
  g_assert_no_error (error);
}

/* A write in place of what was read: refused once anything else was
 * written there meanwhile, and the value keeps its expiry. */
static void
test_replace (gconstpointer data)
{
  g_autoptr(NorthMcpStateStore) store = new_store (data);
  g_autofree char *key = unique_key ("replace");
  g_autoptr(GError) error = NULL;
  gint64 deadline;

  g_assert_false (store_replace (store, key, "one", "none"));
  g_assert_false (store_replace (store, key, "one", ""));
  g_assert_true (store_set (store, key, "one", 400, ALWAYS, &error));
  g_assert_no_error (error);
  g_assert_false (store_replace (store, key, "uno", "two"));
  g_assert_false (store_replace (store, key, "uno", "on"));
  g_assert_true (store_replace (store, key, "uno", "one"));
  g_assert_false (store_replace (store, key, "eins", "one"));
  g_assert_true (store_replace (store, key, "eins", "uno"));

  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  for (;;)
    {
      g_autofree char *value = store_get (store, key, 100, &error);

      g_assert_no_error (error);
      if (g_str_equal (value, ""))
        break;
      g_assert_cmpstr (value, ==, "eins");
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      sleep_ms (20);
    }
  g_assert_false (store_replace (store, key, "zwei", "eins"));
}

/* A value replaced as it expires: the replace is refused, or the value
 * keeps its expiry; it is never stored for good. */
static void
test_replace_as_it_expires (gconstpointer data)
{
  g_autoptr(NorthMcpStateStore) store = new_store (data);
  g_autofree char *key = unique_key ("replace-as-it-expires");
  g_autoptr(GError) error = NULL;

  for (guint round = 0; round < 300; round++)
    {
      gint64 deadline;

      g_assert_true (store_set (store, key, "v", 2, ALWAYS, &error));
      g_assert_no_error (error);
      /* Replaced in place, over and over, until it expired. */
      deadline = g_get_monotonic_time () + G_USEC_PER_SEC / 2;
      while (store_replace (store, key, "v", "v"))
        g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    }
}

static void
test_invalid_keys (gconstpointer data)
{
  g_autoptr(NorthMcpStateStore) store = new_store (data);
  g_autofree char *long_key = g_strnfill (NORTH_MCP_STATE_STORE_MAX_KEY + 1, 'k');
  const char *keys[] = { "", "with space", "new\nline", "tab\t", "\x7f", "caf\xc3\xa9", long_key };

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *value = store_get (store, keys[i], 100, &error);

      g_assert_false (north_mcp_state_store_key_is_valid (keys[i]));
      g_assert_error (error, NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_INVALID);
      g_assert_null (value);
      g_clear_error (&error);
      g_assert_false (store_set (store, keys[i], "x", 0, ALWAYS, &error));
      g_assert_error (error, NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_INVALID);
    }
  g_assert_true (north_mcp_state_store_key_is_valid ("north-mcp:session:0123"));
}

typedef struct {
  GPtrArray *received;
} Inbox;

static void
on_message (const char *channel,
            GBytes     *message,
            gpointer    user_data)
{
  Inbox *inbox = user_data;

  g_ptr_array_add (inbox->received, g_strdup_printf ("%s=%.*s", channel, (int) g_bytes_get_size (message),
                                                     (const char *) g_bytes_get_data (message, NULL)));
}

static void
publish (NorthMcpStateStore *store, const char *channel, const char *message)
{
  Result result = { 0 };
  g_autoptr(GBytes) bytes = text (message);

  north_mcp_state_store_publish_async (store, channel, bytes, NULL, publish_done, &result);
  test_wait_for (&result.done, "publish");
  g_assert_no_error (result.error);
  g_assert_true (result.ok);
}

/* Publishes on @channel until @inbox has @count messages (a Redis
 * subscription becomes active in the background). */
static void
publish_until (NorthMcpStateStore *store, Inbox *inbox, const char *channel, const char *message, guint count)
{
  gint64 deadline = g_get_monotonic_time () + TEST_PATIENCE_S * G_USEC_PER_SEC;

  while (inbox->received->len < count)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      publish (store, channel, message);
      sleep_ms (20);
    }
}

static void
test_pubsub (gconstpointer data)
{
  g_autoptr(NorthMcpStateStore) store = new_store (data);
  g_autofree char *channel = unique_key ("channel");
  g_autofree char *other = unique_key ("other");
  Inbox inbox = { g_ptr_array_new_with_free_func (g_free) }, others = { g_ptr_array_new_with_free_func (g_free) };
  g_autofree char *expected = g_strconcat (channel, "=hello", NULL);
  guint id, other_id;

  id = north_mcp_state_store_subscribe (store, channel, on_message, &inbox, NULL);
  other_id = north_mcp_state_store_subscribe (store, other, on_message, &others, NULL);
  g_assert_cmpuint (id, >, 0);
  publish_until (store, &inbox, channel, "hello", 1);
  g_assert_cmpstr (g_ptr_array_index (inbox.received, 0), ==, expected);
  g_assert_cmpuint (others.received->len, ==, 0);

  /* Unsubscribed: the other subscription still hears, this one no more. */
  north_mcp_state_store_unsubscribe (store, id);
  g_ptr_array_set_size (inbox.received, 0);
  publish (store, channel, "after");
  publish_until (store, &others, other, "marker", 1);
  g_assert_cmpuint (inbox.received->len, ==, 0);

  north_mcp_state_store_unsubscribe (store, other_id);
  g_ptr_array_unref (inbox.received);
  g_ptr_array_unref (others.received);
}

/* A replay gives the events of @ids from @first, @n of them, and says
 * whether it left some out. */
static void
assert_replay (NorthMcpStateStore *store, const char *key, const char *after, guint max_events,
               gsize max_size, gboolean left_out, GPtrArray *ids, guint first, guint n)
{
  g_autoptr(GError) error = NULL;
  gboolean got_left_out = !left_out;
  g_autoptr(GPtrArray) events = store_replay_full (store, key, after, max_events, max_size, &got_left_out,
                                                   &error);

  g_assert_no_error (error);
  g_assert_cmpint (got_left_out, ==, left_out);
  g_assert_cmpuint (events->len, ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpstr (((NorthMcpStateStoreEvent *) g_ptr_array_index (events, i))->id, ==,
                     g_ptr_array_index (ids, first + i));
}

static void
test_streams (gconstpointer data)
{
  g_autoptr(NorthMcpStateStore) store = new_store (data);
  g_autofree char *key = unique_key ("stream");
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GBytes) forgotten = text ("forgotten");
  NorthMcpStateStoreEvent *last;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 8; i++)
    {
      g_autofree char *event = g_strdup_printf ("event %u", i);

      g_ptr_array_add (ids, store_append (store, key, event, 5));
    }

  /* Only the last 5 are kept. */
  events = store_replay (store, key, NULL, 100, 100, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (events->len, ==, 5);
  for (guint i = 0; i < 5; i++)
    {
      NorthMcpStateStoreEvent *event = g_ptr_array_index (events, i);
      g_autofree char *expected = g_strdup_printf ("event %u", i + 3);

      g_assert_cmpstr (event->id, ==, g_ptr_array_index (ids, i + 3));
      g_assert_cmpmem (g_bytes_get_data (event->data, NULL), g_bytes_get_size (event->data),
                       expected, strlen (expected));
    }
  g_clear_pointer (&events, g_ptr_array_unref);

  /* After an id: the later ones, oldest first. */
  events = store_replay (store, key, g_ptr_array_index (ids, 4), 3, 100, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (events->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpstr (((NorthMcpStateStoreEvent *) g_ptr_array_index (events, i))->id, ==,
                     g_ptr_array_index (ids, 5 + i));
  g_clear_pointer (&events, g_ptr_array_unref);

  /* At most max_events: the newest, and the others are left out. */
  assert_replay (store, key, g_ptr_array_index (ids, 4), 2, 100, TRUE, ids, 6, 2);

  /* After the last: nothing. A stream that does not exist: nothing. */
  events = store_replay (store, key, g_ptr_array_index (ids, 7), 100, 100, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (events->len, ==, 0);
  g_clear_pointer (&events, g_ptr_array_unref);

  /* More than the caller reads ("event N" is 7 bytes): the newest that
   * fit, the others left out; none when the newest is too large. */
  assert_replay (store, key, NULL, 100, 20, TRUE, ids, 6, 2);
  assert_replay (store, key, g_ptr_array_index (ids, 5), 5, 14, FALSE, ids, 6, 2);
  assert_replay (store, key, NULL, 100, 3, TRUE, ids, 0, 0);

  /* With a prefix, the others are skipped: they count in neither bound
   * (the two of "mine" fit in 2 events and 14 bytes, with three others
   * newer than them). With a number to go back to, the replay stops at
   * the first at most that (compared as numbers: 9 is less than 10), and
   * leaves nothing out. */
  {
    g_autofree char *prefixed = unique_key ("prefixed");
    g_autofree char *first = store_append (store, prefixed, "mine 9 a", 10);
    g_autofree char *second = store_append (store, prefixed, "mine 10 b", 10);
    gboolean left_out = TRUE;
    g_autoptr(GPtrArray) mine = NULL;
    g_autoptr(GPtrArray) newer = NULL;

    for (guint i = 0; i < 3; i++)
      g_free (store_append (store, prefixed, "other", 10));
    mine = store_replay_prefixed (store, prefixed, NULL, "mine ", NULL, 2, 17, &left_out, &error);
    g_assert_no_error (error);
    g_assert_false (left_out);
    g_assert_cmpuint (mine->len, ==, 2);
    g_assert_cmpstr (((NorthMcpStateStoreEvent *) g_ptr_array_index (mine, 0))->id, ==, first);
    g_assert_cmpstr (((NorthMcpStateStoreEvent *) g_ptr_array_index (mine, 1))->id, ==, second);

    left_out = TRUE;
    newer = store_replay_prefixed (store, prefixed, NULL, "mine ", "9", 1, 9, &left_out, &error);
    g_assert_no_error (error);
    g_assert_false (left_out);
    g_assert_cmpuint (newer->len, ==, 1);
    g_assert_cmpstr (((NorthMcpStateStoreEvent *) g_ptr_array_index (newer, 0))->id, ==, second);
  }

  /* Event ids that are not the store's: refused before any lookup. */
  events = store_replay (store, key, "1-2-3", 100, 100, &error);
  g_assert_error (error, NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_INVALID);
  g_clear_error (&error);
  events = store_replay (store, key, "x) + (", 100, 100, &error);
  g_assert_error (error, NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_INVALID);
  g_clear_error (&error);

  /* Fire and forget: the event is there for the next call (one
   * connection keeps the order); a refused one is only logged. */
  north_mcp_state_store_append (store, "not a key", forgotten, 5, 0, 60000, NULL, 0);
  north_mcp_state_store_append (store, key, forgotten, 5, 0, 60000, NULL, 0);
  events = store_replay (store, key, g_ptr_array_index (ids, 7), 100, 100, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (events->len, ==, 1);
  last = g_ptr_array_index (events, 0);
  g_assert_cmpmem (g_bytes_get_data (last->data, NULL), g_bytes_get_size (last->data), "forgotten", 9);
  g_clear_pointer (&events, g_ptr_array_unref);

  g_assert_true (store_simple (store, "delete", key, 0, &error));
  g_assert_no_error (error);
}

/* Counted SETs: a member joins each counter only while it has room, in
 * the step that stores its value (nothing is stored when a counter is
 * full); a rewrite moves its expiry without counting anything new; an
 * expired member frees its place. */
#define STORED NORTH_MCP_STATE_STORE_COUNTED_STORED
#define KEPT_OUT NORTH_MCP_STATE_STORE_COUNTED_KEPT_OUT
#define FULL NORTH_MCP_STATE_STORE_COUNTED_FULL

static void
test_counted (gconstpointer data)
{
  g_autoptr(NorthMcpStateStore) store = new_store (data);
  g_autofree char *small = unique_key ("counter-small");
  g_autofree char *large = unique_key ("counter-large");
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  const char *k[6];
  g_autofree char *other = unique_key ("counter-other");
  const char *both[] = { small, large }, *only_large[] = { large }, *other_then_large[] = { other, large };
  const guint limits[] = { 2, 3 }, renew[] = { 0, 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *value = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (k); i++)
    g_ptr_array_add (keys, (gpointer) (k[i] = unique_key ("counted")));

  g_assert_cmpint (store_set_counted (store, k[0], "a", 60000, IF_ABSENT, "m0", both, limits, 2, &error), ==,
                   STORED);
  g_assert_no_error (error);
  /* Kept out by the mode: nothing counted either. */
  g_assert_cmpint (store_set_counted (store, k[0], "b", 60000, IF_ABSENT, "m9", both, limits, 2, NULL), ==,
                   KEPT_OUT);
  g_assert_cmpint (store_set_counted (store, k[5], "b", 60000, IF_PRESENT, "m9", both, limits, 2, NULL), ==,
                   KEPT_OUT);
  /* Short-lived (until renewed below). */
  g_assert_cmpint (store_set_counted (store, k[1], "a", 1500, IF_ABSENT, "m1", both, limits, 2, NULL), ==, STORED);
  /* The small counter is full: nothing stored, not even in the large one. */
  g_assert_cmpint (store_set_counted (store, k[2], "a", 60000, IF_ABSENT, "m2", both, limits, 2, NULL), ==, FULL);
  value = store_get (store, k[2], 100, &error);
  g_assert_cmpstr (value, ==, "");
  g_clear_pointer (&value, g_free);
  /* A member already counted is rewritten whatever the room. */
  g_assert_cmpint (store_set_counted (store, k[0], "c", 60000, ALWAYS, "m0", both, limits, 2, NULL), ==, STORED);
  value = store_get (store, k[0], 100, &error);
  g_assert_cmpstr (value, ==, "c");
  g_clear_pointer (&value, g_free);
  /* A rewrite of what no counter holds stores without counting it. */
  g_assert_cmpint (store_set_counted (store, k[5], "d", 60000, ALWAYS, "m5", both, renew, 2, NULL), ==, STORED);
  /* The large counter has room for one more (m0, m1 and this). */
  g_assert_cmpint (store_set_counted (store, k[3], "a", 60000, IF_ABSENT, "m3", only_large, limits + 1, 1, NULL),
                   ==, STORED);
  g_assert_cmpint (store_set_counted (store, k[4], "a", 60000, IF_ABSENT, "m4", both, limits, 2, NULL), ==,
                   FULL);
  g_assert_cmpint (store_set_counted (store, k[4], "a", 60000, IF_ABSENT, "m4", only_large, limits + 1, 1, NULL),
                   ==, FULL);
  /* The result names the first full counter. */
  g_assert_cmpint (store_set_counted (store, k[4], "a", 60000, IF_ABSENT, "m4", other_then_large, limits, 2, NULL),
                   ==, FULL + 1);

  /* m1 renewed for a minute stays counted past its first 1.5 s. */
  g_assert_cmpint (store_set_counted (store, k[1], "e", 60000, ALWAYS, "m1", both, renew, 2, NULL), ==, STORED);
  sleep_ms (1600);
  g_assert_cmpint (store_set_counted (store, k[4], "a", 60000, IF_ABSENT, "m4", both, limits, 2, NULL), ==,
                   FULL);

  /* Once m3 expired, m4 fits in the large counter (not in the small one). */
  g_assert_cmpint (store_set_counted (store, k[3], "f", 300, ALWAYS, "m3", only_large, renew, 1, NULL), ==, STORED);
  sleep_ms (400);
  g_assert_cmpint (store_set_counted (store, k[4], "a", 60000, IF_ABSENT, "m4", both, limits, 2, NULL), ==,
                   FULL);
  g_assert_cmpint (store_set_counted (store, k[4], "a", 60000, IF_ABSENT, "m4", only_large, limits + 1, 1, &error),
                   ==, STORED);
  g_assert_no_error (error);
}

/* What a room check said (-1 with @error): @counters and @limits, one
 * each per counter. */
static gssize
store_check_room (NorthMcpStateStore *store, const char *const *counters, const guint *limits, guint n_counters,
                  GError **error)
{
  NorthMcpStateStoreCounter counted[NORTH_MCP_STATE_STORE_MAX_COUNTERS + 1];
  Result result = { 0 };
  gssize answer;

  g_assert_cmpuint (n_counters, <=, G_N_ELEMENTS (counted));
  for (guint i = 0; i < n_counters; i++)
    counted[i] = (NorthMcpStateStoreCounter) { counters[i], limits[i] };
  north_mcp_state_store_check_room_async (store, counted, n_counters, NULL, room_done, &result);
  test_wait_for (&result.done, "room check");
  answer = result.counted;
  if (result.error != NULL)
    g_propagate_error (error, g_steal_pointer (&result.error));
  result_clear (&result);
  return answer;
}

/* A room check says what a counted SET of a new member would find (the
 * first full counter, by its live members), and changes nothing: a
 * caller refuses early what the SET would refuse later. */
static void
test_check_room (gconstpointer data)
{
  g_autoptr(NorthMcpStateStore) store = new_store (data);
  g_autofree char *small = unique_key ("room-small");
  g_autofree char *large = unique_key ("room-large");
  g_autofree char *k0 = unique_key ("room");
  g_autofree char *k1 = unique_key ("room");
  g_autofree char *k2 = unique_key ("room");
  const char *both[] = { small, large }, *large_then_small[] = { large, small }, *none[] = { NULL };
  const guint limits[] = { 2, 3 }, no_limit[] = { 0, 0 };
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (store_check_room (store, both, limits, 2, &error), ==, STORED);
  g_assert_no_error (error);
  g_assert_cmpint (store_set_counted (store, k0, "a", 60000, IF_ABSENT, "m0", both, limits, 2, NULL), ==, STORED);
  g_assert_cmpint (store_set_counted (store, k1, "a", 300, IF_ABSENT, "m1", both, limits, 2, NULL), ==, STORED);
  /* The small counter is full; the first full one is named. */
  g_assert_cmpint (store_check_room (store, both, limits, 2, NULL), ==, FULL);
  g_assert_cmpint (store_check_room (store, large_then_small, (const guint[]) { 3, 2 }, 2, NULL), ==, FULL + 1);
  g_assert_cmpint (store_check_room (store, both, no_limit, 2, NULL), ==, STORED);
  g_assert_cmpint (store_check_room (store, both + 1, limits + 1, 1, NULL), ==, STORED);
  /* Checking took no room: the large counter still takes its third. */
  g_assert_cmpint (store_set_counted (store, k2, "a", 60000, IF_ABSENT, "m2", both + 1, limits + 1, 1, NULL), ==,
                   STORED);
  g_assert_cmpint (store_check_room (store, both + 1, limits + 1, 1, NULL), ==, FULL);
  /* An expired member frees its place. */
  sleep_ms (400);
  g_assert_cmpint (store_check_room (store, both, limits, 2, NULL), ==, STORED);

  g_assert_cmpint (store_check_room (store, none, limits, 1, &error), ==, -1);
  g_assert_error (error, NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpint (store_check_room (store, both, limits, 0, &error), ==, -1);
  g_assert_error (error, NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_INVALID);
}

/* Counters with a byte limit add up the sizes of the live values stored
 * through them: a value that does not fit is refused (OVER_BYTES + the
 * counter), and nothing is stored; a rewrite replaces its value's size
 * (a larger one must fit, a smaller one always does); an expired value
 * gives its bytes back. Without it, nothing bounded the bytes that a
 * counter's members hold. */
#define OVER_BYTES NORTH_MCP_STATE_STORE_COUNTED_OVER_BYTES

/* @n keys unique_key() makes (a GStrv). */
static char **
unique_keys (const char *what, guint n)
{
  char **keys = g_new0 (char *, n + 1);

  for (guint i = 0; i < n; i++)
    keys[i] = unique_key (what);
  return keys;
}

static void
test_counted_bytes (gconstpointer data)
{
  g_autoptr(NorthMcpStateStore) store = new_store (data);
  /* The counters: an owner's, another's, and all. */
  g_auto(GStrv) c = unique_keys ("counter-bytes", 3);
  g_auto(GStrv) k = unique_keys ("counted-bytes", 6);
  const char *mine[] = { c[0], c[2] }, *theirs[] = { c[1], c[2] };
  const guint limits[] = { 10, 10 }, renew[] = { 0, 0 };
  const guint64 max_bytes[] = { 10, 15 };
  g_autoptr(GError) error = NULL;
  g_autofree char *value = NULL;

  g_assert_cmpint (store_set_counted_bytes (store, k[0], "aaaa", 1500, IF_ABSENT, "m0", mine, limits, max_bytes, 2,
                                            &error), ==, STORED);
  g_assert_no_error (error);
  g_assert_cmpint (store_set_counted_bytes (store, k[1], "aaaaaa", 60000, IF_ABSENT, "m1", mine, limits, max_bytes,
                                            2, NULL), ==, STORED);
  /* The owner's 10 bytes are taken: even one more is refused, and not stored. */
  g_assert_cmpint (store_set_counted_bytes (store, k[2], "a", 60000, IF_ABSENT, "m2", mine, limits, max_bytes, 2,
                                            NULL), ==, OVER_BYTES);
  value = store_get (store, k[2], 100, &error);
  g_assert_cmpstr (value, ==, "");
  g_clear_pointer (&value, g_free);
  /* Rewrites of the same size, however many, replace their bytes (even
   * those that only renew a member). */
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint (store_set_counted_bytes (store, k[1], "bbbbbb", 60000, IF_PRESENT, "m1", mine,
                                              i == 0 ? limits : renew, max_bytes, 2, NULL), ==, STORED);
  /* A larger one must fit (and is not stored when it does not). */
  g_assert_cmpint (store_set_counted_bytes (store, k[1], "ccccccc", 60000, IF_PRESENT, "m1", mine, renew, max_bytes,
                                            2, NULL), ==, OVER_BYTES);
  value = store_get (store, k[1], 100, &error);
  g_assert_cmpstr (value, ==, "bbbbbb");
  g_clear_pointer (&value, g_free);
  /* A smaller one gives bytes back. */
  g_assert_cmpint (store_set_counted_bytes (store, k[1], "dd", 60000, IF_PRESENT, "m1", mine, renew, max_bytes, 2,
                                            NULL), ==, STORED);
  /* A second value of a member counts too: 4 + 2 + 4. */
  g_assert_cmpint (store_set_counted_bytes (store, k[2], "eeee", 60000, IF_ABSENT, "m1", mine, limits, max_bytes,
                                            2, NULL), ==, STORED);
  g_assert_cmpint (store_set_counted_bytes (store, k[3], "f", 60000, IF_ABSENT, "m3", mine, limits, max_bytes, 2,
                                            NULL), ==, OVER_BYTES);

  /* Another owner has room of its own, until the limit of all (15). */
  g_assert_cmpint (store_set_counted_bytes (store, k[4], "ggggg", 60000, IF_ABSENT, "m4", theirs, limits, max_bytes,
                                            2, NULL), ==, STORED);
  g_assert_cmpint (store_set_counted_bytes (store, k[5], "h", 60000, IF_ABSENT, "m5", theirs, limits, max_bytes, 2,
                                            NULL), ==, OVER_BYTES + 1);

  /* Once k[0] (4 bytes) expired, its bytes are free in both counters:
   * then all hold 2 + 4 + 5 + 3. */
  sleep_ms (1600);
  g_assert_cmpint (store_set_counted_bytes (store, k[5], "hhh", 60000, IF_ABSENT, "m5", theirs, limits, max_bytes,
                                            2, NULL), ==, STORED);
  g_assert_cmpint (store_set_counted_bytes (store, k[3], "iiii", 60000, IF_ABSENT, "m3", mine, limits, max_bytes, 2,
                                            NULL), ==, OVER_BYTES + 1);
  g_assert_cmpint (store_set_counted_bytes (store, k[3], "i", 60000, IF_ABSENT, "m3", mine, limits, max_bytes, 2,
                                            &error), ==, STORED);
  g_assert_no_error (error);
}

/* A counted value given more time through the counters keeps counting
 * as long as it lives; one deleted through them stops counting at once,
 * with its bytes. Without these, a session record that its use kept
 * alive past its first expiry stopped counting, and one that ended by
 * DELETE counted until its expiry. */
static void
test_counted_expire_delete (gconstpointer data)
{
  g_autoptr(NorthMcpStateStore) store = new_store (data);
  g_auto(GStrv) c = unique_keys ("counter-moved", 2);
  g_auto(GStrv) k = unique_keys ("counted-moved", 6);
  const char *counters[] = { c[0], c[1] };
  const guint limits[] = { 2, 10 }, renew[] = { 0, 0 };
  const guint64 max_bytes[] = { 0, 10 };
  g_autoptr(GError) error = NULL;
  g_autofree char *value = NULL;

  g_assert_cmpint (store_set_counted_bytes (store, k[0], "aaaa", 1500, IF_ABSENT, "m0", counters, limits,
                                            max_bytes, 2, &error), ==, STORED);
  g_assert_cmpint (store_set_counted_bytes (store, k[1], "bbbb", 60000, IF_ABSENT, "m1", counters, limits,
                                            max_bytes, 2, &error), ==, STORED);
  g_assert_no_error (error);
  g_assert_cmpint (store_set_counted_bytes (store, k[2], "c", 60000, IF_ABSENT, "m2", counters, limits,
                                            max_bytes, 2, NULL), ==, FULL);

  /* k[0] and m0 live on past their first 1.5 s. */
  g_assert_true (store_counted_simple (store, "expire", k[0], 60000, "m0", counters, max_bytes, 2, &error));
  g_assert_no_error (error);
  g_assert_false (store_counted_simple (store, "expire", k[5], 60000, "m5", counters, max_bytes, 2, &error));
  g_assert_no_error (error);
  sleep_ms (1600);
  value = store_get (store, k[0], 100, &error);
  g_assert_cmpstr (value, ==, "aaaa");
  g_clear_pointer (&value, g_free);
  g_assert_cmpint (store_set_counted_bytes (store, k[2], "c", 60000, IF_ABSENT, "m2", counters, limits,
                                            max_bytes, 2, NULL), ==, FULL);

  /* Deleted: the value, its place and its 4 bytes (4 + 6 fit in 10). */
  g_assert_true (store_counted_simple (store, "delete", k[0], 0, "m0", counters, max_bytes, 2, &error));
  g_assert_no_error (error);
  value = store_get (store, k[0], 100, &error);
  g_assert_cmpstr (value, ==, "");
  g_clear_pointer (&value, g_free);
  g_assert_false (store_counted_simple (store, "delete", k[0], 0, "m0", counters, max_bytes, 2, &error));
  g_assert_no_error (error);
  g_assert_cmpint (store_set_counted_bytes (store, k[2], "cccccc", 60000, IF_ABSENT, "m2", counters, limits,
                                            max_bytes, 2, &error), ==, STORED);
  g_assert_no_error (error);

  /* A member that expired does not count again when its value is given
   * more time: m1 expires while a plain EXPIRE keeps k[1]; m3 takes its
   * place; once m3 is deleted, m4 still fits. */
  g_assert_cmpint (store_set_counted_bytes (store, k[1], "b", 300, IF_PRESENT, "m1", counters, renew,
                                            max_bytes, 2, NULL), ==, STORED);
  g_assert_true (store_simple (store, "expire", k[1], 60000, NULL));
  sleep_ms (400);
  g_assert_cmpint (store_set_counted_bytes (store, k[3], "d", 60000, IF_ABSENT, "m3", counters, limits,
                                            max_bytes, 2, NULL), ==, STORED);
  g_assert_true (store_counted_simple (store, "expire", k[1], 60000, "m1", counters, max_bytes, 2, &error));
  g_assert_true (store_counted_simple (store, "delete", k[3], 0, "m3", counters, max_bytes, 2, &error));
  g_assert_cmpint (store_set_counted_bytes (store, k[4], "e", 60000, IF_ABSENT, "m4", counters, limits,
                                            max_bytes, 2, &error), ==, STORED);
  g_assert_no_error (error);
}

/* What the counted EXPIRE and DELETE cannot work with is refused, and
 * changes nothing. */
static void
test_counted_expire_delete_invalid (gconstpointer data)
{
  g_autoptr(NorthMcpStateStore) store = new_store (data);
  g_autofree char *key = unique_key ("moved-invalid");
  g_autofree char *counter = unique_key ("counter-moved-invalid");
  const char *one[] = { counter }, *itself[] = { key };
  const guint limits[] = { 5 };
  g_autoptr(GError) error = NULL;
  g_autofree char *value = NULL;

  g_assert_cmpint (store_set_counted (store, key, "v", 60000, ALWAYS, "m", one, limits, 1, NULL), ==, STORED);
  /* No expiry: a member would count for good. */
  g_assert_false (store_counted_simple (store, "expire", key, 0, "m", one, NULL, 1, &error));
  g_assert_error (error, NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_INVALID);
  g_clear_error (&error);
  for (guint i = 0; i < 2; i++)
    {
      const char *what = i == 0 ? "expire" : "delete";

      g_assert_false (store_counted_simple (store, what, key, 60000, "m", one, NULL, 0, &error));
      g_assert_error (error, NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_INVALID);
      g_clear_error (&error);
      g_assert_false (store_counted_simple (store, what, key, 60000, "m m", one, NULL, 1, &error));
      g_assert_error (error, NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_INVALID);
      g_clear_error (&error);
      g_assert_false (store_counted_simple (store, what, key, 60000, "m", itself, NULL, 1, &error));
      g_assert_error (error, NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_INVALID);
      g_clear_error (&error);
      /* A counter where a value is. */
      g_assert_false (store_counted_simple (store, what, counter, 60000, "m", (const char *[]) { key }, NULL, 1,
                                            &error));
      g_assert_error (error, NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_INVALID);
      g_clear_error (&error);
    }
  value = store_get (store, key, 100, NULL);
  g_assert_cmpstr (value, ==, "v");
}

/* What a counted SET cannot work with is refused, and stores nothing. */
static void
test_counted_invalid (gconstpointer data)
{
  g_autoptr(NorthMcpStateStore) store = new_store (data);
  g_autofree char *key = unique_key ("counted-invalid");
  g_autofree char *counter = unique_key ("counter-invalid");
  g_autofree char *value_key = unique_key ("counted-value");
  const char *one[] = { counter }, *twice[] = { counter, counter }, *itself[] = { key };
  const char *a_value[] = { value_key }, *bad[] = { "with space" };
  const guint limits[] = { 5, 5, 5, 5, 5 };
  const char *five[] = { "test:c1", "test:c2", "test:c3", "test:c4", "test:c5" };
  g_autofree char *value = NULL;
  struct {
    guint64            ttl_ms;
    const char        *member;
    const char *const *counters;
    guint              n_counters;
    guint              mode;
  } cases[] = {
    { 0, "m", one, 1 },           /* no expiry: a member would count for good */
    { 60000, "m m", one, 1 },     /* not a valid member */
    { 60000, "m", one, 0 },       /* no counter */
    { 60000, "m", five, 5 },      /* too many */
    { 60000, "m", twice, 2 },
    { 60000, "m", itself, 1 },
    { 60000, "m", bad, 1 },
    { 60000, "m", one, 1, IF_PRESENT + 1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_cmpint (store_set_counted (store, key, "v", cases[i].ttl_ms, cases[i].mode, cases[i].member,
                                          cases[i].counters, limits, cases[i].n_counters, &error), ==, -1);
      g_assert_error (error, NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_INVALID);
    }
  value = store_get (store, key, 100, NULL);
  g_assert_cmpstr (value, ==, "");

  /* A counter where a value is. */
  {
    g_autoptr(GError) error = NULL;

    g_assert_true (store_set (store, value_key, "x", 60000, ALWAYS, NULL));
    g_assert_cmpint (store_set_counted (store, key, "v", 60000, ALWAYS, "m", a_value, limits, 1, &error), ==, -1);
    g_assert_error (error, NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_INVALID);
  }
}

static void
test_memory_is_not_shared (void)
{
  g_autoptr(NorthMcpStateStore) store = north_mcp_memory_state_store_new ();
  g_autoptr(NorthMcpStateStore) default_store = north_mcp_state_store_new_for_uri (NULL, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_false (north_mcp_state_store_is_shared (store));
  g_assert_true (north_mcp_state_store_is_available (store));
  g_assert_false (north_mcp_state_store_is_shared (default_store));
  g_assert_null (north_mcp_state_store_new_for_uri ("mysql://x", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (north_mcp_state_store_new_for_uri ("redis://user:password@127.0.0.1:1", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_null (strstr (error->message, "password"));
}

/* Redis away: UNAVAILABLE; back: served again, subscriptions restored. */
static void
count_up (guint *count)
{
  (*count)++;
}

static void
test_redis_restart (void)
{
  g_autoptr(NorthMcpStateStore) store = new_store (GINT_TO_POINTER (1));
  g_autofree char *key = unique_key ("restart");
  g_autofree char *channel = unique_key ("restart-channel");
  Inbox inbox = { g_ptr_array_new_with_free_func (g_free) };
  g_autoptr(GError) error = NULL;
  guint available = 0;
  guint id;

  /* "available" once connected, and again after each reconnection. */
  g_signal_connect_swapped (store, NORTH_MCP_STATE_STORE_SIGNAL_AVAILABLE, G_CALLBACK (count_up), &available);
  g_assert_true (store_set (store, key, "v", 60000, ALWAYS, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (available, ==, 1);
  id = north_mcp_state_store_subscribe (store, channel, on_message, &inbox, NULL);
  publish_until (store, &inbox, channel, "before", 1);

  test_redis_server_stop (&redis, SIGTERM);
  /* Until the client noticed, a command may still meet the old
   * connection; then every command fails fast. */
  for (;;)
    {
      gboolean ok = store_set (store, key, "w", 60000, ALWAYS, &error);

      if (!ok)
        break;
      g_assert_no_error (error);
      sleep_ms (20);
    }
  g_assert_error (error, NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_UNAVAILABLE);
  g_clear_error (&error);
  g_assert_false (north_mcp_state_store_is_available (store));

  test_redis_server_start (&redis);
  for (;;)
    {
      if (store_set (store, key, "x", 60000, ALWAYS, &error))
        break;
      g_assert_error (error, NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_UNAVAILABLE);
      g_clear_error (&error);
      sleep_ms (50);
    }
  g_assert_true (north_mcp_state_store_is_available (store));
  g_assert_cmpuint (available, ==, 2);
  g_ptr_array_set_size (inbox.received, 0);
  publish_until (store, &inbox, channel, "after", 1);
  north_mcp_state_store_unsubscribe (store, id);
  g_ptr_array_unref (inbox.received);
}

/* No Redis there at all: after the start-up wait, UNAVAILABLE. */
static void
reply_done (GObject *source, GAsyncResult *res, gpointer data)
{
  NorthMcpRedisReply **reply = data;
  g_autoptr(GError) error = NULL;

  *reply = north_mcp_redis_client_command_finish (NORTH_MCP_REDIS_CLIENT (source), res, &error);
  g_assert_no_error (error);
}

/* The integer reply of a command sent directly (@arg, @arg2 may be NULL). */
static gint64
redis_integer (const char *command, const char *key, const char *arg, const char *arg2)
{
  g_autoptr(NorthMcpRedisClient) client = north_mcp_redis_client_new (redis.uri, NULL);
  g_autoptr(NorthMcpRedisReply) reply = NULL;
  guint watchdog = test_watchdog_add (command);

  while (!north_mcp_redis_client_is_connected (client))
    g_main_context_iteration (NULL, TRUE);
  north_mcp_redis_client_commandv_async (client, NULL, reply_done, &reply, command, key, arg, arg2, NULL);
  while (reply == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (watchdog);
  return north_mcp_redis_reply_get_integer (reply);
}

/* An event appended before the store's first connection (it waits for
 * it) gets its time to live all the same: a stream without one stayed in
 * Redis for good. */
static void
test_redis_append_expires (void)
{
  g_autoptr(NorthMcpStateStore) store = new_store (GINT_TO_POINTER (1));
  g_autofree char *key = unique_key ("append-expires");
  g_autofree char *id = NULL;
  gint64 pttl;

  g_assert_false (north_mcp_state_store_is_available (store));
  id = store_append (store, key, "first", 5);
  g_assert_nonnull (id);
  pttl = redis_integer ("PTTL", key, NULL, NULL);
  g_assert_cmpint (pttl, >, 0);
  g_assert_cmpint (pttl, <=, 60000);
}

static void
append_to_group (NorthMcpStateStore *store, const char *key, const char *event, guint64 ttl_ms,
                 const char *group, gsize group_max_size)
{
  g_free (store_append_grouped (store, key, event, 10, 0, ttl_ms, group, group_max_size));
  /* The next append has a later expiry (ms), which orders the group. */
  g_usleep (2 * 1000);
}

/* The streams of a group hold at most its bound together (each with 64
 * bytes per event and 1 KiB): past it, the stream appended to least
 * recently goes whole, never the one appended to, and a stream whose ttl
 * passed gives its bytes back. Nothing bounded them together: a client
 * that opened session after session kept 16 MiB of events in Redis for
 * each, for an hour. */
static void
test_redis_append_group (void)
{
  g_autoptr(NorthMcpStateStore) store = new_store (GINT_TO_POINTER (1));
  g_autofree char *group = unique_key ("group");
  g_autofree char *sizes = g_strconcat (group, ":bytes", NULL);
  g_autofree char *a = unique_key ("group-a"), *a_bytes = g_strconcat (a, ":bytes", NULL);
  g_autofree char *b = unique_key ("group-b");
  g_autofree char *c = unique_key ("group-c");
  g_autofree char *d = unique_key ("group-d");
  g_autofree char *e = unique_key ("group-e");
  g_autofree char *big = g_strnfill (500, 'x');
  g_autofree char *huge = g_strnfill (5000, 'y');
  const gsize bound = 4000;  /* two streams of one 500-byte event: 2 × 1588 */
  g_autoptr(GError) error = NULL;
  GPtrArray *events;
  gboolean left_out = FALSE;

  append_to_group (store, a, big, 60000, group, bound);
  append_to_group (store, b, big, 60000, group, bound);
  g_assert_cmpint (redis_integer ("EXISTS", a, NULL, NULL), ==, 1);
  /* A third: a, appended to least recently, goes; its size key says so
   * (to its replays) until it would have expired. */
  append_to_group (store, c, big, 60000, group, bound);
  g_assert_cmpint (redis_integer ("EXISTS", a, NULL, NULL), ==, 0);
  g_assert_cmpint (redis_integer ("PTTL", a_bytes, NULL, NULL), >, 50000);
  events = store_replay_full (store, a, NULL, 10, 10000, &left_out, &error);
  g_assert_error (error, NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_GONE);
  g_assert_null (events);
  g_clear_error (&error);
  g_assert_cmpint (redis_integer ("EXISTS", b, NULL, NULL), ==, 1);
  g_assert_cmpint (redis_integer ("EXISTS", c, NULL, NULL), ==, 1);
  /* b appended to again is the newest: c goes next. */
  append_to_group (store, b, "z", 60000, group, bound);
  append_to_group (store, a, big, 60000, group, bound);
  g_assert_cmpint (redis_integer ("EXISTS", c, NULL, NULL), ==, 0);
  g_assert_cmpint (redis_integer ("EXISTS", b, NULL, NULL), ==, 1);
  /* a, appended to again, replays again. */
  events = store_replay_full (store, a, NULL, 10, 10000, &left_out, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (events->len, ==, 1);
  g_clear_pointer (&events, g_ptr_array_unref);
  /* One stream larger than the bound stays alone. */
  append_to_group (store, c, huge, 60000, group, bound);
  g_assert_cmpint (redis_integer ("EXISTS", c, NULL, NULL), ==, 1);
  g_assert_cmpint (redis_integer ("EXISTS", a, NULL, NULL), ==, 0);
  g_assert_cmpint (redis_integer ("EXISTS", b, NULL, NULL), ==, 0);
  g_assert_cmpint (redis_integer ("HLEN", sizes, NULL, NULL), ==, 2);  /* c and the sum */
  g_assert_cmpint (redis_integer ("PTTL", group, NULL, NULL), >, 0);

  /* A stream that expired gives its bytes back (and a shorter ttl does
   * not cut the group's): d expires, then a and b have room beside e. */
  append_to_group (store, d, big, 100, group, bound);
  g_assert_cmpint (redis_integer ("EXISTS", c, NULL, NULL), ==, 0);
  append_to_group (store, e, "e", 60000, group, bound);
  while (redis_integer ("EXISTS", d, NULL, NULL) == 1)
    g_usleep (10 * 1000);
  append_to_group (store, a, big, 60000, group, bound);
  g_assert_cmpint (redis_integer ("HEXISTS", sizes, d, NULL), ==, 0);
  g_assert_cmpint (redis_integer ("HLEN", sizes, NULL, NULL), ==, 3);  /* e, a and the sum */
  g_assert_cmpint (redis_integer ("PTTL", group, NULL, NULL), >, 50000);
  g_assert_cmpint (redis_integer ("EXISTS", e, NULL, NULL), ==, 1);
}

/* A value larger than the Redis client's max-reply-size (64 MiB), as
 * anyone who reaches Redis may store under a key of ours: refused in
 * Redis by its size. Read back, it was over max-reply-size: the store
 * dropped its connection, failing every command in flight. */
static void
test_redis_huge_value (void)
{
  g_autoptr(NorthMcpStateStore) store = new_store (GINT_TO_POINTER (1));
  g_autofree char *key = unique_key ("huge");
  g_autofree char *value = NULL;
  g_autoptr(GError) error = NULL;
  guint available = 0;

  /* 65 MiB made in Redis (sending them is over max-unsent-size). */
  g_assert_cmpint (redis_integer ("SETRANGE", key, "68157439", "x"), ==, 65 * 1024 * 1024);
  g_assert_true (store_set (store, "test:huge:connected", "", 60000, ALWAYS, &error));
  g_assert_no_error (error);
  g_signal_connect_swapped (store, NORTH_MCP_STATE_STORE_SIGNAL_AVAILABLE, G_CALLBACK (count_up), &available);

  value = store_get (store, key, G_MAXSIZE, &error);
  g_assert_error (error, NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_TOO_LARGE);
  g_assert_null (value);
  g_clear_error (&error);
  /* The connection stayed: the next command needs no reconnection. */
  g_assert_true (north_mcp_state_store_is_available (store));
  g_assert_true (store_simple (store, "delete", key, 0, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (available, ==, 0);
}

static void
test_redis_absent (void)
{
  g_autofree char *uri = g_strdup_printf ("redis://127.0.0.1:%u", test_free_port ());
  g_autoptr(NorthMcpStateStore) store = north_mcp_state_store_new_for_uri (uri, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *value = NULL;

  g_assert_nonnull (store);
  value = store_get (store, "north-mcp:x", 10, &error);
  g_assert_error (error, NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_UNAVAILABLE);
  g_assert_null (value);
}

/* Commands that wait for the first connection are bounded in bytes as in
 * number, as those waiting to be written are: 1,024 appends of 4 MiB
 * (events echo request ids a client chose) waited with their copies, 4
 * GiB. Past 64 MiB, an append fails at once, while the first still
 * waits. */
static void
test_redis_startup_waiting_bytes (void)
{
  g_autofree char *uri = g_strdup_printf ("redis://127.0.0.1:%u", test_free_port ());
  g_autoptr(NorthMcpStateStore) store = north_mcp_state_store_new_for_uri (uri, NULL);
  g_autofree char *event = g_malloc (4 * 1024 * 1024);
  g_autoptr(GBytes) bytes = NULL;
  Result results[17] = { 0 };

  memset (event, 'x', 4 * 1024 * 1024);
  bytes = g_bytes_new_take (g_steal_pointer (&event), 4 * 1024 * 1024);
  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    north_mcp_state_store_append_async (store, "north-mcp:waiting", bytes, 10, 0, 60000, NULL, 0, NULL,
                                        append_done, &results[i]);
  test_wait_for (&results[16].done, "the append past 64 MiB");
  g_assert_error (results[16].error, NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_UNAVAILABLE);
  g_assert_false (results[0].done);
  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    {
      test_wait_for (&results[i].done, "an append");
      result_clear (&results[i]);
    }
}

static void
keep_result (GObject *source, GAsyncResult *res, gpointer data)
{
  GAsyncResult **result = data;

  *result = g_object_ref (res);
}

/* One operation table answers every call: a result given to another
 * call's _finish is refused (a critical), not read as the wrong type. */
static void
test_memory_wrong_finish (void)
{
  g_autoptr(NorthMcpStateStore) store = north_mcp_state_store_new_for_uri ("memory:", NULL);
  g_autoptr(GBytes) value = text ("v");
  g_autoptr(GAsyncResult) result = NULL;

  north_mcp_state_store_set_async (store, "north-mcp:x", value, 0, ALWAYS, NULL, keep_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_test_expect_message ("NorthMcp", G_LOG_LEVEL_CRITICAL, "*g_async_result_is_tagged*");
  g_assert_null (north_mcp_state_store_get_finish (store, result, NULL));
  g_test_assert_expected_messages ();
  g_assert_true (north_mcp_state_store_set_finish (store, result, NULL));
}

/* A stream keeps at most max_size bytes of events (the newest, whatever
 * its size), whatever their number: big events cannot make a store hold
 * max_length times their size. */
static void
test_stream_bytes (gconstpointer data)
{
  g_autoptr(NorthMcpStateStore) store = new_store (data);
  g_autofree char *key = unique_key ("stream-bytes");
  g_autofree char *big = g_strnfill (500, 'b');
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;

  /* Ten events of 40 bytes, at most 100 bytes: the newest two stay. */
  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *event = g_strdup_printf ("%040u", i);

      g_ptr_array_add (ids, store_append_sized (store, key, event, 100, 100));
    }
  assert_replay (store, key, NULL, 100, G_MAXSIZE, FALSE, ids, 8, 2);

  /* One larger than the bound stays alone, until the next one. */
  g_ptr_array_add (ids, store_append_sized (store, key, big, 100, 100));
  assert_replay (store, key, NULL, 100, G_MAXSIZE, FALSE, ids, 10, 1);
  g_ptr_array_add (ids, store_append_sized (store, key, "small", 100, 100));
  events = store_replay (store, key, NULL, 100, G_MAXSIZE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (events->len, ==, 1);
  g_assert_cmpstr (((NorthMcpStateStoreEvent *) g_ptr_array_index (events, 0))->id, ==,
                   g_ptr_array_index (ids, 11));
}

/* --- a fake Redis server that answers scripted replies --- */

/* Listens on a loopback port and serves one connection at a time (the
 * client reconnects after a protocol error): PING gets PONG, every other
 * command the next of @replies (raw RESP), or an error once none is left. */
typedef struct {
  GSocket           *listener;
  guint              port;
  GThread           *thread;
  GMutex             lock;
  GSocket           *conn;     /* the one served now */
  const char *const *replies;
  guint              next;
} FakeRedis;

/* The length of the first whole command in @buffer (0: not all there
 * yet); @is_ping: whether it is a PING. Only what hiredis sends: arrays
 * of bulk strings. */
static gsize
fake_command_length (const char *buffer, gsize length, gboolean *is_ping)
{
  const char *end = buffer + length, *p = buffer, *line;
  gint64 n;

  if (length == 0 || *p != '*' || (line = g_strstr_len (p, end - p, "\r\n")) == NULL)
    return 0;
  n = g_ascii_strtoll (p + 1, NULL, 10);
  p = line + 2;
  for (gint64 i = 0; i < n; i++)
    {
      gint64 size;

      if (p >= end || *p != '$' || (line = g_strstr_len (p, end - p, "\r\n")) == NULL)
        return 0;
      size = g_ascii_strtoll (p + 1, NULL, 10);
      if (end - (line + 2) < size + 2)
        return 0;
      if (i == 0)
        *is_ping = size == 4 && g_ascii_strncasecmp (line + 2, "PING", 4) == 0;
      p = line + 2 + size + 2;
    }
  return p - buffer;
}

static void
fake_serve (FakeRedis *fake, GSocket *conn)
{
  GByteArray *input = g_byte_array_new ();
  char chunk[4096];
  gssize n;

  while ((n = g_socket_receive (conn, chunk, sizeof chunk, NULL, NULL)) > 0)
    {
      gboolean is_ping = FALSE;
      gsize used;

      g_byte_array_append (input, (guint8 *) chunk, n);
      while ((used = fake_command_length ((char *) input->data, input->len, &is_ping)) > 0)
        {
          const char *reply = "-ERR no more replies\r\n";

          g_mutex_lock (&fake->lock);
          if (is_ping)
            reply = "+PONG\r\n";
          else if (fake->replies[fake->next] != NULL)
            reply = fake->replies[fake->next++];
          g_mutex_unlock (&fake->lock);
          g_socket_send (conn, reply, strlen (reply), NULL, NULL);
          g_byte_array_remove_range (input, 0, used);
        }
    }
  g_byte_array_unref (input);
}

static gpointer
fake_accept (gpointer data)
{
  FakeRedis *fake = data;
  GSocket *conn;

  while ((conn = g_socket_accept (fake->listener, NULL, NULL)) != NULL)
    {
      g_mutex_lock (&fake->lock);
      fake->conn = conn;
      g_mutex_unlock (&fake->lock);
      fake_serve (fake, conn);
      g_mutex_lock (&fake->lock);
      fake->conn = NULL;
      g_mutex_unlock (&fake->lock);
      g_object_unref (conn);
    }
  return NULL;
}

static void
fake_redis_start (FakeRedis *fake, const char *const *replies)
{
  g_mutex_init (&fake->lock);
  fake->replies = replies;
  fake->listener = test_loopback_socket (TRUE, &fake->port);
  fake->thread = g_thread_new ("fake redis", fake_accept, fake);
}

static void
fake_redis_stop (FakeRedis *fake)
{
  g_socket_shutdown (fake->listener, TRUE, TRUE, NULL);
  g_mutex_lock (&fake->lock);
  if (fake->conn != NULL)
    g_socket_shutdown (fake->conn, TRUE, TRUE, NULL);
  g_mutex_unlock (&fake->lock);
  g_thread_join (fake->thread);
  g_object_unref (fake->listener);
  g_mutex_clear (&fake->lock);
}

/* The answer of a counted SET's script (two counters) is checked, whatever
 * Redis (or whatever answers in its place) sends: an answer out of range
 * or of another type is an error, never a result. */
static void
test_redis_counted_replies (void)
{
  static const char *const replies[] = {
    ":1\r\n", ":0\r\n", ":2\r\n", ":3\r\n", ":-1\r\n", ":-2\r\n",
    ":4\r\n", ":-3\r\n", ":9223372036854775807\r\n", ":-9223372036854775808\r\n",
    "$1\r\n1\r\n", "+1\r\n", "*1\r\n:1\r\n", "*0\r\n", "$-1\r\n", "*-1\r\n",
    "-ERR boom\r\n", "*2\r\n:1\r\n:1\r\n",
    /* RESP3 (Redis answers RESP2 here; hiredis reads these too). */
    ",1.5\r\n", "#t\r\n", "_\r\n", "(1\r\n", "%1\r\n:1\r\n:1\r\n", "~1\r\n:1\r\n",
    ">2\r\n$7\r\nmessage\r\n:1\r\n",
    /* Not RESP: the connection goes, and comes back. */
    ":1x\r\n", ":99999999999999999999\r\n", "!\r\n",
    ":1\r\n",
    NULL
  };
  const gssize expected[] = {
    NORTH_MCP_STATE_STORE_COUNTED_STORED, NORTH_MCP_STATE_STORE_COUNTED_KEPT_OUT,
    NORTH_MCP_STATE_STORE_COUNTED_FULL, NORTH_MCP_STATE_STORE_COUNTED_FULL + 1,
    NORTH_MCP_STATE_STORE_COUNTED_OVER_BYTES, NORTH_MCP_STATE_STORE_COUNTED_OVER_BYTES + 1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    NORTH_MCP_STATE_STORE_COUNTED_STORED,
  };
  const char *counters[] = { "test:fake-counter-1", "test:fake-counter-2" };
  const guint limits[] = { 5, 5 };
  FakeRedis fake = { 0 };
  g_autofree char *uri = NULL;
  g_autoptr(NorthMcpStateStore) store = NULL;

  G_STATIC_ASSERT (G_N_ELEMENTS (expected) == G_N_ELEMENTS (replies) - 1);
  fake_redis_start (&fake, replies);
  uri = g_strdup_printf ("redis://127.0.0.1:%u", fake.port);
  store = north_mcp_state_store_new_for_uri (uri, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *escaped = g_strescape (replies[i], NULL);
      guint watchdog = test_watchdog_add ("the fake Redis");
      gssize answer;

      /* After a reply that was not RESP, a new connection. */
      while (!north_mcp_state_store_is_available (store))
        g_main_context_iteration (NULL, TRUE);
      g_source_remove (watchdog);
      answer = store_set_counted (store, "test:fake-value", "v", 60000, ALWAYS, "m", counters, limits, 2, &error);
      g_test_message ("reply %u: %s", i, escaped);
      g_assert_cmpint (answer, ==, expected[i]);
      if (expected[i] >= 0)
        g_assert_no_error (error);
      else
        g_assert_true (g_error_matches (error, NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_INVALID) ||
                       g_error_matches (error, NORTH_MCP_STATE_STORE_ERROR,
                                        NORTH_MCP_STATE_STORE_ERROR_UNAVAILABLE));
    }
  g_clear_object (&store);
  fake_redis_stop (&fake);
}

int
main (int argc, char **argv)
{
  const char *names[] = { "memory", "redis" };
  int status;

  g_test_init (&argc, &argv, NULL);
  test_redis_server_init (&redis, "state-store");

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      const char *tests[] = { "values", "expiry", "replace", "replace-as-it-expires", "invalid-keys", "pubsub",
                              "streams", "stream-bytes", "counted", "counted-invalid", "counted-bytes", "counted-expire-delete",
                              "counted-expire-delete-invalid", "check-room" };
      GTestDataFunc funcs[] = { test_values, test_expiry, test_replace, test_replace_as_it_expires,
                                test_invalid_keys, test_pubsub, test_streams,
                                test_stream_bytes, test_counted, test_counted_invalid, test_counted_bytes,
                                test_counted_expire_delete, test_counted_expire_delete_invalid, test_check_room };

      for (guint j = 0; j < G_N_ELEMENTS (tests); j++)
        {
          g_autofree char *path = g_strdup_printf ("/state-store/%s/%s", names[i], tests[j]);

          g_test_add_data_func (path, GINT_TO_POINTER (i), funcs[j]);
        }
    }
  g_test_add_func ("/state-store/memory/not-shared", test_memory_is_not_shared);
  g_test_add_func ("/state-store/memory/wrong-finish", test_memory_wrong_finish);
  g_test_add_func ("/state-store/redis/restart", test_redis_restart);
  g_test_add_func ("/state-store/redis/absent", test_redis_absent);
  g_test_add_func ("/state-store/redis/append-expires", test_redis_append_expires);
  g_test_add_func ("/state-store/redis/append-group", test_redis_append_group);
  g_test_add_func ("/state-store/redis/startup-waiting-bytes", test_redis_startup_waiting_bytes);
  g_test_add_func ("/state-store/redis/huge-value", test_redis_huge_value);
  g_test_add_func ("/state-store/redis/counted-replies", test_redis_counted_replies);

  status = g_test_run ();
  test_redis_server_clear (&redis);
  return status;
}
