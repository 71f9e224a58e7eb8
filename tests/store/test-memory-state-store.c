/* test-memory-state-store.c: what the in-process state store holds over a
 * long uptime: subscription ids after they wrap, expired keys never read
 * again, and the subscriptions a publish or an unsubscribe looks at
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include <gio/gio.h>

#include "north-mcp-state-store-private.h"
#include "test-redis-server.h"

static void
sleep_ms (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, test_set_flag, &done);
  test_wait_for (&done, "a pause");
}

static void
count_message (const char *channel,
               GBytes     *message,
               gpointer    user_data)
{
  (*(guint *) user_data)++;
}

static void
set_done (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (north_mcp_state_store_set_finish (NORTH_MCP_STATE_STORE (source), result, &error));
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

static void
store_set (NorthMcpStateStore *store,
           const char         *key,
           guint64             ttl_ms)
{
  g_autoptr(GBytes) value = g_bytes_new_static ("v", 1);
  gboolean done = FALSE;

  north_mcp_state_store_set_async (store, key, value, ttl_ms, NORTH_MCP_STATE_STORE_SET_ALWAYS, NULL,
                                   set_done, &done);
  test_wait_for (&done, "a set");
}

/* Publishes a message on @channel; once delivered, @received counts @expected. */
static void
publish_until (NorthMcpStateStore *store,
               const char         *channel,
               guint              *received,
               guint               expected)
{
  g_autoptr(GBytes) message = g_bytes_new_static ("m", 1);
  gboolean done = FALSE;

  north_mcp_state_store_publish (store, channel, message);
  /* Delivered from an idle source: once a later idle ran, it did. */
  g_idle_add (test_set_flag, &done);
  test_wait_for (&done, "a delivery");
  g_assert_cmpuint (*received, ==, expected);
}

/* After G_MAXUINT subscriptions the ids wrap: to neither 0 nor an id in
 * use (the session manager's own, made at start), which the new
 * subscription replaced and a session's unsubscribe then ended. */
static void
test_subscription_ids_wrap (void)
{
  g_autoptr(NorthMcpStateStore) store = north_mcp_memory_state_store_new ();
  guint early = 0, late = 0;
  guint first, second, wrapped;

  north_mcp_memory_state_store_set_next_subscription_id (store, 1);
  first = north_mcp_state_store_subscribe (store, "control", count_message, &early, NULL);
  second = north_mcp_state_store_subscribe (store, "control", count_message, &early, NULL);
  g_assert_cmpuint (first, ==, 1);
  g_assert_cmpuint (second, ==, 2);

  north_mcp_memory_state_store_set_next_subscription_id (store, G_MAXUINT);
  g_assert_cmpuint (north_mcp_state_store_subscribe (store, "session", count_message, &late, NULL), ==, G_MAXUINT);
  wrapped = north_mcp_state_store_subscribe (store, "session", count_message, &late, NULL);
  g_assert_cmpuint (wrapped, ==, 3);

  /* The session's unsubscribe ends its own subscription only. */
  north_mcp_state_store_unsubscribe (store, wrapped);
  publish_until (store, "control", &early, 2);
  publish_until (store, "session", &late, 1);
}

/* A key written once with a time to live and never read again does not
 * stay: the table of keys is swept once it doubled. */
static void
test_expired_keys_swept (void)
{
  g_autoptr(NorthMcpStateStore) store = north_mcp_memory_state_store_new ();
  guint written = 0;

  for (guint round = 0; round < 40; round++)
    {
      for (guint i = 0; i < 100; i++)
        {
          g_autofree char *key = g_strdup_printf ("once:%u", written++);

          store_set (store, key, 1);
        }
      sleep_ms (3);
    }
  store_set (store, "kept", 0);

  /* At most twice the live keys (here the last round's 100 and "kept")
   * since the last sweep: not the 4,000 written. */
  g_assert_cmpuint (north_mcp_memory_state_store_get_n_keys (store), <=, 2 * 101 + 100);
}

/* A publish looks at the subscriptions of its channel only, and an
 * unsubscribe at its own: not at every one (one per session watched). */
static void
test_subscriptions_by_channel (void)
{
  g_autoptr(NorthMcpStateStore) store = north_mcp_memory_state_store_new ();
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (guint));
  guint received = 0, looked_at;

  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *channel = g_strdup_printf ("session:%u", i);
      guint id = north_mcp_state_store_subscribe (store, channel, count_message, &received, NULL);

      g_array_append_val (ids, id);
    }
  looked_at = north_mcp_memory_state_store_get_subscriptions_looked_at (store);
  publish_until (store, "session:500", &received, 1);
  publish_until (store, "nobody", &received, 1);
  for (guint i = 0; i < ids->len; i += 2)
    north_mcp_state_store_unsubscribe (store, g_array_index (ids, guint, i));
  /* Two deliveries and 500 unsubscribes: a few each. */
  g_assert_cmpuint (north_mcp_memory_state_store_get_subscriptions_looked_at (store) - looked_at, <=, 2 * 2 + 500 * 2);
  publish_until (store, "session:501", &received, 2);
  publish_until (store, "session:500", &received, 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/memory-state-store/subscription-ids-wrap", test_subscription_ids_wrap);
  g_test_add_func ("/memory-state-store/expired-keys-swept", test_expired_keys_swept);
  g_test_add_func ("/memory-state-store/subscriptions-by-channel", test_subscriptions_by_channel);
  return g_test_run ();
}
