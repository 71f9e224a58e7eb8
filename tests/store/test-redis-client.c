/* test-redis-client.c: NorthMcpRedisClient against a real redis-server
 *
 * One redis-server (from PATH) on a loopback port picked at run time, with
 * its own temporary directory, no persistence; tests that stop, pause or
 * kill it leave it running again.
 *
 * SPDX-License-Identifier: MIT
 */
#include <signal.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gio/gio.h>

#include "north-mcp-redis-client-private.h"
#include "test-redis-server.h"

static TestRedisServer redis;

/* --- main loop helpers --- */

static gboolean
connected_is (NorthMcpRedisClient *client,
              gboolean             wanted)
{
  return north_mcp_redis_client_is_connected (client) == wanted;
}

static void
wait_connected (NorthMcpRedisClient *client,
                gboolean             wanted)
{
  guint timeout = test_watchdog_add ("the connected state");

  while (!connected_is (client, wanted))
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (timeout);
}

typedef struct {
  gboolean done;
  NorthMcpRedisReply *reply;
  GError *error;
} Result;

static void
result_clear (Result *result)
{
  g_clear_pointer (&result->reply, north_mcp_redis_reply_unref);
  g_clear_error (&result->error);
  result->done = FALSE;
}

static void
command_done (GObject      *source,
              GAsyncResult *async_result,
              gpointer      user_data)
{
  Result *result = user_data;

  g_assert_false (result->done);
  result->reply = north_mcp_redis_client_command_finish (NORTH_MCP_REDIS_CLIENT (source), async_result,
                                                         &result->error);
  g_assert_true ((result->reply == NULL) != (result->error == NULL));
  result->done = TRUE;
}

/* Sends a command of C strings and waits for its end. */
static void
run (NorthMcpRedisClient *client,
     Result              *result,
     const char          *first,
     ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  va_list ap;

  result_clear (result);
  va_start (ap, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  north_mcp_redis_client_command_async (client, args->len, (const char *const *) args->pdata, NULL,
                                        NULL, command_done, result);
  test_wait_for (&result->done, "a command");
}

static NorthMcpRedisClient *
connected_client (const char *uri)
{
  g_autoptr(GError) error = NULL;
  NorthMcpRedisClient *client = north_mcp_redis_client_new (uri ? uri : redis.uri, &error);

  g_assert_no_error (error);
  wait_connected (client, TRUE);
  return client;
}

static void
assert_string (NorthMcpRedisReply *reply,
               const char         *expected,
               gsize               expected_len)
{
  gsize len;
  const char *str;

  g_assert_nonnull (reply);
  g_assert_cmpint (north_mcp_redis_reply_get_kind (reply), ==, NORTH_MCP_REDIS_REPLY_STRING);
  str = north_mcp_redis_reply_get_string (reply, &len);
  g_assert_cmpmem (str, len, expected, expected_len);
  g_assert_cmpint (str[len], ==, '\0');
}

/* Waits until Redis counts @n subscribers of @channel (the subscriber's
 * SUBSCRIBE has no completion of its own). */
static void
wait_subscribers (NorthMcpRedisClient *client,
                  const char          *channel,
                  gint64               n)
{
  gint64 deadline = g_get_monotonic_time () + TEST_PATIENCE_S * G_USEC_PER_SEC;
  Result result = { 0 };

  for (;;)
    {
      run (client, &result, "PUBSUB", "NUMSUB", channel, NULL);
      g_assert_no_error (result.error);
      g_assert_cmpuint (north_mcp_redis_reply_get_n_elements (result.reply), ==, 2);
      if (north_mcp_redis_reply_get_integer (north_mcp_redis_reply_get_element (result.reply, 1)) == n)
        break;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (20 * 1000);
    }
  result_clear (&result);
}

/* --- tests --- */

static void
test_uri (void)
{
  const char *bad[] = {
    "", "http://127.0.0.1:6379", "redis://", "redis://:secret@127.0.0.1:6379", "redis://user:secret@h/0",
    "redis://127.0.0.1:6379/x", "redis://127.0.0.1:6379/0?a=b", "redis://127.0.0.1:0", "redis://127.0.0.1:99999",
    "redis://127.0.0.1:6379/-1",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(NorthMcpRedisClient) client = north_mcp_redis_client_new (bad[i], &error);

      g_assert_null (client);
      g_assert_error (error, NORTH_MCP_REDIS_ERROR, NORTH_MCP_REDIS_ERROR_INVALID_URI);
      g_assert_null (strstr (error->message, "secret"));
    }
}

static void
test_unavailable (void)
{
  /* Nothing listens there: the client keeps trying, commands fail at once. */
  g_autofree char *uri = g_strdup_printf ("redis://127.0.0.1:%u", test_free_port ());
  g_autoptr(GError) error = NULL;
  g_autoptr(NorthMcpRedisClient) client = north_mcp_redis_client_new (uri, &error);
  Result result = { 0 };

  g_assert_no_error (error);
  g_assert_false (north_mcp_redis_client_is_connected (client));
  run (client, &result, "PING", NULL);
  g_assert_error (result.error, NORTH_MCP_REDIS_ERROR, NORTH_MCP_REDIS_ERROR_UNAVAILABLE);
  result_clear (&result);
}

static void
test_replies (void)
{
  g_autoptr(NorthMcpRedisClient) client = connected_client (NULL);
  Result result = { 0 };
  NorthMcpRedisReply *element;
  gsize len;

  run (client, &result, "SET", "test:replies:a", "hello", NULL);
  g_assert_no_error (result.error);
  g_assert_cmpint (north_mcp_redis_reply_get_kind (result.reply), ==, NORTH_MCP_REDIS_REPLY_STATUS);
  g_assert_cmpstr (north_mcp_redis_reply_get_string (result.reply, &len), ==, "OK");
  g_assert_cmpuint (len, ==, 2);

  run (client, &result, "GET", "test:replies:a", NULL);
  g_assert_no_error (result.error);
  assert_string (result.reply, "hello", 5);
  g_assert_cmpint (north_mcp_redis_reply_get_integer (result.reply), ==, 0);
  g_assert_cmpuint (north_mcp_redis_reply_get_n_elements (result.reply), ==, 0);

  run (client, &result, "DEL", "test:replies:n", NULL);
  run (client, &result, "INCR", "test:replies:n", NULL);
  g_assert_no_error (result.error);
  g_assert_cmpint (north_mcp_redis_reply_get_kind (result.reply), ==, NORTH_MCP_REDIS_REPLY_INTEGER);
  g_assert_cmpint (north_mcp_redis_reply_get_integer (result.reply), ==, 1);
  run (client, &result, "INCRBY", "test:replies:n", "-9000000000", NULL);
  g_assert_cmpint (north_mcp_redis_reply_get_integer (result.reply), ==, -8999999999);
  g_assert_null (north_mcp_redis_reply_get_string (result.reply, NULL));

  run (client, &result, "GET", "test:replies:missing", NULL);
  g_assert_no_error (result.error);
  g_assert_cmpint (north_mcp_redis_reply_get_kind (result.reply), ==, NORTH_MCP_REDIS_REPLY_NIL);

  /* An array with a nil inside, and an empty one. */
  run (client, &result, "MGET", "test:replies:a", "test:replies:missing", "test:replies:n", NULL);
  g_assert_no_error (result.error);
  g_assert_cmpint (north_mcp_redis_reply_get_kind (result.reply), ==, NORTH_MCP_REDIS_REPLY_ARRAY);
  g_assert_cmpuint (north_mcp_redis_reply_get_n_elements (result.reply), ==, 3);
  assert_string (north_mcp_redis_reply_get_element (result.reply, 0), "hello", 5);
  g_assert_cmpint (north_mcp_redis_reply_get_kind (north_mcp_redis_reply_get_element (result.reply, 1)), ==,
                   NORTH_MCP_REDIS_REPLY_NIL);
  assert_string (north_mcp_redis_reply_get_element (result.reply, 2), "-8999999999", 11);
  /* An element outlives its array when referenced. */
  element = north_mcp_redis_reply_ref (north_mcp_redis_reply_get_element (result.reply, 0));
  result_clear (&result);
  assert_string (element, "hello", 5);
  north_mcp_redis_reply_unref (element);

  run (client, &result, "LRANGE", "test:replies:missing", "0", "-1", NULL);
  g_assert_cmpint (north_mcp_redis_reply_get_kind (result.reply), ==, NORTH_MCP_REDIS_REPLY_ARRAY);
  g_assert_cmpuint (north_mcp_redis_reply_get_n_elements (result.reply), ==, 0);

  /* Nested arrays. */
  run (client, &result, "EVAL", "return {1, {'x', 2}, 'y'}", "0", NULL);
  g_assert_no_error (result.error);
  g_assert_cmpuint (north_mcp_redis_reply_get_n_elements (result.reply), ==, 3);
  element = north_mcp_redis_reply_get_element (result.reply, 1);
  g_assert_cmpuint (north_mcp_redis_reply_get_n_elements (element), ==, 2);
  assert_string (north_mcp_redis_reply_get_element (element, 0), "x", 1);
  g_assert_cmpint (north_mcp_redis_reply_get_integer (north_mcp_redis_reply_get_element (element, 1)), ==, 2);
  result_clear (&result);
}

static void
test_binary (void)
{
  g_autoptr(NorthMcpRedisClient) client = connected_client (NULL);
  static const char key[] = "test:bin\0ary\r\nkey";
  static const char value[] = "\0\r\n$5\r\n*1\xff\xfe end";
  const char *set_argv[] = { "SET", key, value };
  const gsize set_len[] = { 3, sizeof key - 1, sizeof value - 1 };
  const char *get_argv[] = { "GET", key };
  const gsize get_len[] = { 3, sizeof key - 1 };
  Result result = { 0 };

  north_mcp_redis_client_command_async (client, 3, set_argv, set_len, NULL, command_done, &result);
  test_wait_for (&result.done, "SET");
  g_assert_no_error (result.error);
  result_clear (&result);

  north_mcp_redis_client_command_async (client, 2, get_argv, get_len, NULL, command_done, &result);
  test_wait_for (&result.done, "GET");
  g_assert_no_error (result.error);
  assert_string (result.reply, value, sizeof value - 1);
  result_clear (&result);

  /* The key without the bytes after its NUL is another key. */
  run (client, &result, "EXISTS", "test:bin", NULL);
  g_assert_cmpint (north_mcp_redis_reply_get_integer (result.reply), ==, 0);
  result_clear (&result);
}

typedef struct {
  NorthMcpRedisClient *client;
  guint remaining;
  gint64 last;
  gboolean done;
} Chain;

/* Each reply sends the next command, from inside the client's callback. */
static void
chain_step (GObject      *source,
            GAsyncResult *async_result,
            gpointer      user_data)
{
  Chain *chain = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(NorthMcpRedisReply) reply = north_mcp_redis_client_command_finish (chain->client, async_result, &error);

  g_assert_no_error (error);
  g_assert_cmpint (north_mcp_redis_reply_get_integer (reply), ==, chain->last + 1);
  chain->last++;
  if (--chain->remaining == 0)
    chain->done = TRUE;
  else
    north_mcp_redis_client_commandv_async (chain->client, NULL, chain_step, chain, "INCR", "test:chain", NULL);
}

static void
test_pipeline (void)
{
  g_autoptr(NorthMcpRedisClient) client = connected_client (NULL);
  g_autofree Result *results = g_new0 (Result, 1000);
  Chain chain = { client, 100, 0, FALSE };
  Result result = { 0 };

  /* 1000 at once: replies come back in order, each to its own command. */
  run (client, &result, "DEL", "test:pipeline", "test:chain", NULL);
  for (guint i = 0; i < 1000; i++)
    north_mcp_redis_client_commandv_async (client, NULL, command_done, &results[i], "INCR", "test:pipeline", NULL);
  for (guint i = 0; i < 1000; i++)
    {
      test_wait_for (&results[i].done, "a pipelined command");
      g_assert_no_error (results[i].error);
      g_assert_cmpint (north_mcp_redis_reply_get_integer (results[i].reply), ==, i + 1);
      result_clear (&results[i]);
    }

  north_mcp_redis_client_commandv_async (client, NULL, chain_step, &chain, "INCR", "test:chain", NULL);
  test_wait_for (&chain.done, "a chain of commands");
  g_assert_cmpint (chain.last, ==, 100);
  result_clear (&result);
}

static void
test_reply_error (void)
{
  g_autoptr(NorthMcpRedisClient) client = connected_client (NULL);
  Result result = { 0 };

  run (client, &result, "SET", "test:error:s", "text", NULL);
  run (client, &result, "INCR", "test:error:s", NULL);
  g_assert_error (result.error, NORTH_MCP_REDIS_ERROR, NORTH_MCP_REDIS_ERROR_REPLY);
  g_assert_nonnull (strstr (result.error->message, "not an integer"));

  run (client, &result, "NOSUCHCOMMAND", "x", NULL);
  g_assert_error (result.error, NORTH_MCP_REDIS_ERROR, NORTH_MCP_REDIS_ERROR_REPLY);

  /* An error inside EXEC's array fails the command too. */
  run (client, &result, "MULTI", NULL);
  g_assert_no_error (result.error);
  run (client, &result, "SET", "test:error:t", "1", NULL);
  run (client, &result, "INCR", "test:error:s", NULL);
  run (client, &result, "EXEC", NULL);
  g_assert_error (result.error, NORTH_MCP_REDIS_ERROR, NORTH_MCP_REDIS_ERROR_REPLY);
  g_assert_nonnull (strstr (result.error->message, "not an integer"));
  run (client, &result, "GET", "test:error:t", NULL);
  assert_string (result.reply, "1", 1);

  /* Refused: they would change the connection's state. */
  run (client, &result, "subscribe", "x", NULL);
  g_assert_error (result.error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  run (client, &result, "SELECT", "1", NULL);
  g_assert_error (result.error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  run (client, &result, "client", "reply", "off", NULL);
  g_assert_error (result.error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  /* ... and the connection still works. */
  run (client, &result, "PING", NULL);
  g_assert_no_error (result.error);
  result_clear (&result);
}

static void
test_database_and_name (void)
{
  /* "localhost" goes through GResolver; DB 3 through SELECT at connect. */
  g_autofree char *uri = g_strdup_printf ("redis://localhost:%u/3", redis.port);
  g_autoptr(NorthMcpRedisClient) db3 = connected_client (uri);
  g_autoptr(NorthMcpRedisClient) db0 = connected_client (NULL);
  Result result = { 0 };

  run (db3, &result, "SET", "test:db:key", "three", NULL);
  g_assert_no_error (result.error);
  run (db0, &result, "EXISTS", "test:db:key", NULL);
  g_assert_cmpint (north_mcp_redis_reply_get_integer (result.reply), ==, 0);
  run (db3, &result, "GET", "test:db:key", NULL);
  assert_string (result.reply, "three", 5);
  result_clear (&result);
}

typedef struct {
  GPtrArray *messages;
  GPtrArray *channels;
  guint destroyed;
} Inbox;

static void
inbox_message (const char *channel,
               GBytes     *message,
               gpointer    user_data)
{
  Inbox *inbox = user_data;

  g_ptr_array_add (inbox->messages, g_bytes_ref (message));
  g_ptr_array_add (inbox->channels, g_strdup (channel));
}

static void
inbox_destroy (gpointer user_data)
{
  Inbox *inbox = user_data;

  inbox->destroyed++;
}

static void
inbox_init (Inbox *inbox)
{
  inbox->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  inbox->channels = g_ptr_array_new_with_free_func (g_free);
  inbox->destroyed = 0;
}

static void
inbox_clear (Inbox *inbox)
{
  g_clear_pointer (&inbox->messages, g_ptr_array_unref);
  g_clear_pointer (&inbox->channels, g_ptr_array_unref);
}

static void
wait_messages (Inbox *inbox,
               guint  n)
{
  guint timeout = test_watchdog_add ("messages");

  while (inbox->messages->len < n)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (timeout);
}

static void
publish (NorthMcpRedisClient *client,
         const char          *channel,
         const char          *message,
         gsize                len,
         gint64               receivers)
{
  const char *argv[] = { "PUBLISH", channel, message };
  const gsize lens[] = { 7, strlen (channel), len };
  Result result = { 0 };

  north_mcp_redis_client_command_async (client, 3, argv, lens, NULL, command_done, &result);
  test_wait_for (&result.done, "PUBLISH");
  g_assert_no_error (result.error);
  g_assert_cmpint (north_mcp_redis_reply_get_integer (result.reply), ==, receivers);
  result_clear (&result);
}

typedef struct {
  NorthMcpRedisClient *client;
  guint id;
  guint calls;
} Once;

/* Unsubscribes itself from inside its own delivery. */
static void
once_message (const char *channel,
              GBytes     *message,
              gpointer    user_data)
{
  Once *once = user_data;

  once->calls++;
  north_mcp_redis_client_unsubscribe (once->client, once->id);
}

static void
test_pubsub (void)
{
  g_autoptr(NorthMcpRedisClient) subscriber = connected_client (NULL);
  g_autoptr(NorthMcpRedisClient) publisher = connected_client (NULL);
  Inbox a, b;
  guint id_a, id_b;
  static const char binary[] = "bin\0ary\r\n";

  inbox_init (&a);
  inbox_init (&b);
  id_a = north_mcp_redis_client_subscribe (subscriber, "test:ch1", inbox_message, &a, inbox_destroy);
  id_b = north_mcp_redis_client_subscribe (subscriber, "test:ch1", inbox_message, &b, inbox_destroy);
  g_assert_cmpuint (id_a, >, 0);
  g_assert_cmpuint (id_b, !=, id_a);
  north_mcp_redis_client_subscribe (subscriber, "test:ch2", inbox_message, &b, NULL);
  wait_subscribers (publisher, "test:ch1", 1);
  wait_subscribers (publisher, "test:ch2", 1);

  /* One Redis subscription for two local ones: one receiver. */
  publish (publisher, "test:ch1", binary, sizeof binary - 1, 1);
  publish (publisher, "test:ch2", "two", 3, 1);
  wait_messages (&a, 1);
  wait_messages (&b, 2);
  g_assert_cmpmem (g_bytes_get_data (a.messages->pdata[0], NULL), g_bytes_get_size (a.messages->pdata[0]),
                   binary, sizeof binary - 1);
  g_assert_cmpstr (a.channels->pdata[0], ==, "test:ch1");
  g_assert_cmpstr (b.channels->pdata[0], ==, "test:ch1");
  g_assert_cmpstr (b.channels->pdata[1], ==, "test:ch2");

  /* Unsubscribing one keeps the other; the last one leaves Redis. */
  north_mcp_redis_client_unsubscribe (subscriber, id_a);
  g_assert_cmpuint (a.destroyed, ==, 1);
  publish (publisher, "test:ch1", "again", 5, 1);
  wait_messages (&b, 3);
  g_assert_cmpuint (a.messages->len, ==, 1);
  north_mcp_redis_client_unsubscribe (subscriber, id_b);
  g_assert_cmpuint (b.destroyed, ==, 1);
  wait_subscribers (publisher, "test:ch1", 0);

  /* Leaving from inside a delivery: the others on the channel still get it. */
  {
    Once once = { subscriber, 0, 0 };
    guint id;

    id = north_mcp_redis_client_subscribe (subscriber, "test:ch3", inbox_message, &a, NULL);
    once.id = north_mcp_redis_client_subscribe (subscriber, "test:ch3", once_message, &once, NULL);
    wait_subscribers (publisher, "test:ch3", 1);
    publish (publisher, "test:ch3", "first", 5, 1);
    wait_messages (&a, 2);
    publish (publisher, "test:ch3", "second", 6, 1);
    wait_messages (&a, 3);
    g_assert_cmpuint (once.calls, ==, 1);
    north_mcp_redis_client_unsubscribe (subscriber, id);
  }

  /* Dispose drops the rest (ch2, no destroy notify). */
  g_clear_object (&subscriber);
  g_assert_cmpuint (b.destroyed, ==, 1);
  wait_subscribers (publisher, "test:ch2", 0);
  inbox_clear (&a);
  inbox_clear (&b);
}

/* Subscription ids wrap after G_MAXUINT subscriptions (one per session
 * watched, on a server that runs for months): a new one must not be 0 (no
 * subscription) nor take the id of one still in use, such as those the
 * server made at start, which unsubscribing the new one would end. */
static void
test_subscription_id_wrap (void)
{
  g_autoptr(NorthMcpRedisClient) subscriber = connected_client (NULL);
  g_autoptr(NorthMcpRedisClient) publisher = connected_client (NULL);
  Inbox a, b;
  guint first, ids[4];

  inbox_init (&a);
  inbox_init (&b);
  first = north_mcp_redis_client_subscribe (subscriber, "test:wrap1", inbox_message, &a, inbox_destroy);
  north_mcp_redis_client_set_next_subscription_id (subscriber, G_MAXUINT - 1);
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      ids[i] = north_mcp_redis_client_subscribe (subscriber, "test:wrap2", inbox_message, &b, NULL);
      g_assert_cmpuint (ids[i], !=, 0);
      g_assert_cmpuint (ids[i], !=, first);
      for (guint j = 0; j < i; j++)
        g_assert_cmpuint (ids[i], !=, ids[j]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    north_mcp_redis_client_unsubscribe (subscriber, ids[i]);

  /* The first one still works, and is still the first one's. */
  g_assert_cmpuint (a.destroyed, ==, 0);
  wait_subscribers (publisher, "test:wrap1", 1);
  wait_subscribers (publisher, "test:wrap2", 0);
  publish (publisher, "test:wrap1", "still", 5, 1);
  wait_messages (&a, 1);
  north_mcp_redis_client_unsubscribe (subscriber, first);
  g_assert_cmpuint (a.destroyed, ==, 1);
  g_assert_cmpuint (b.messages->len, ==, 0);
  inbox_clear (&a);
  inbox_clear (&b);
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  (*(guint *) user_data)++;
}

/* Redis dies with commands in flight, then comes back on the same port. */
/* --- a TCP proxy in front of Redis that can go silent --- */

/* What a Redis host that crashed, or a NAT that forgot an idle connection,
 * looks like: the connection stays open, nothing comes through. */
typedef struct {
  GSocket *client;
  GSocket *server;
  gint     subscriber;   /* the client sent SUBSCRIBE on it */
  gint     silent;
  GThread *threads[2];
} ProxyConn;

typedef struct {
  GSocket   *listener;
  guint      port;
  guint      target;
  GMutex     lock;
  GPtrArray *conns;
  GThread   *acceptor;
} Proxy;

typedef struct {
  ProxyConn *conn;
  gboolean   upstream;
} Pump;

static gpointer
proxy_pump (gpointer data)
{
  Pump *pump = data;
  ProxyConn *conn = pump->conn;
  GSocket *from = pump->upstream ? conn->client : conn->server;
  GSocket *to = pump->upstream ? conn->server : conn->client;
  char buffer[65536];
  gssize n;

  while ((n = g_socket_receive (from, buffer, sizeof buffer, NULL, NULL)) > 0)
    {
      if (pump->upstream && g_strstr_len (buffer, n, "SUBSCRIBE") != NULL)
        g_atomic_int_set (&conn->subscriber, 1);
      if (g_atomic_int_get (&conn->silent))
        continue;
      for (gssize sent = 0, m; sent < n; sent += m)
        if ((m = g_socket_send (to, buffer + sent, n - sent, NULL, NULL)) <= 0)
          break;
    }
  g_socket_shutdown (to, FALSE, TRUE, NULL);
  g_free (pump);
  return NULL;
}

static gpointer
proxy_accept (gpointer data)
{
  Proxy *proxy = data;
  GSocket *client;

  while ((client = g_socket_accept (proxy->listener, NULL, NULL)) != NULL)
    {
      g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
      g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, proxy->target);
      GSocket *server = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
      ProxyConn *conn;
      Pump *up, *down;

      /* Redis may still be starting: the client tries again. */
      if (!g_socket_connect (server, address, NULL, NULL))
        {
          g_object_unref (server);
          g_object_unref (client);
          continue;
        }
      conn = g_new0 (ProxyConn, 1);
      up = g_new0 (Pump, 1);
      down = g_new0 (Pump, 1);
      conn->client = client;
      conn->server = server;
      up->conn = down->conn = conn;
      up->upstream = TRUE;
      g_mutex_lock (&proxy->lock);
      g_ptr_array_add (proxy->conns, conn);
      conn->threads[0] = g_thread_new ("proxy up", proxy_pump, up);
      conn->threads[1] = g_thread_new ("proxy down", proxy_pump, down);
      g_mutex_unlock (&proxy->lock);
    }
  return NULL;
}

static Proxy *
proxy_new (guint target)
{
  Proxy *proxy = g_new0 (Proxy, 1);

  proxy->target = target;
  proxy->conns = g_ptr_array_new ();
  g_mutex_init (&proxy->lock);
  proxy->listener = test_loopback_socket (TRUE, &proxy->port);
  proxy->acceptor = g_thread_new ("proxy", proxy_accept, proxy);
  return proxy;
}

/* The connections that subscribed so far go silent (new ones do not). */
static void
proxy_silence_subscribers (Proxy *proxy)
{
  g_mutex_lock (&proxy->lock);
  for (guint i = 0; i < proxy->conns->len; i++)
    {
      ProxyConn *conn = proxy->conns->pdata[i];

      if (g_atomic_int_get (&conn->subscriber))
        g_atomic_int_set (&conn->silent, 1);
    }
  g_mutex_unlock (&proxy->lock);
}

static void
proxy_free (Proxy *proxy)
{
  g_socket_shutdown (proxy->listener, TRUE, TRUE, NULL);
  g_socket_close (proxy->listener, NULL);
  g_thread_join (proxy->acceptor);
  for (guint i = 0; i < proxy->conns->len; i++)
    {
      ProxyConn *conn = proxy->conns->pdata[i];

      g_socket_shutdown (conn->client, TRUE, TRUE, NULL);
      g_socket_shutdown (conn->server, TRUE, TRUE, NULL);
      g_thread_join (conn->threads[0]);
      g_thread_join (conn->threads[1]);
      g_object_unref (conn->client);
      g_object_unref (conn->server);
      g_free (conn);
    }
  g_ptr_array_unref (proxy->conns);
  g_object_unref (proxy->listener);
  g_mutex_clear (&proxy->lock);
  g_free (proxy);
}

/* Writes @bytes to the client on the newest connection that subscribed
 * (or that did not), as if Redis had sent them. */
static void
proxy_inject (Proxy      *proxy,
              gboolean    subscriber,
              const char *bytes)
{
  GSocket *client = NULL;

  g_mutex_lock (&proxy->lock);
  for (guint i = proxy->conns->len; client == NULL && i > 0; i--)
    {
      ProxyConn *conn = proxy->conns->pdata[i - 1];

      if (g_atomic_int_get (&conn->subscriber) == subscriber)
        client = conn->client;
    }
  g_assert_nonnull (client);
  g_assert_cmpint (g_socket_send (client, bytes, strlen (bytes), NULL, NULL), ==, strlen (bytes));
  g_mutex_unlock (&proxy->lock);
}

static guint
proxy_count (Proxy *proxy)
{
  guint n;

  g_mutex_lock (&proxy->lock);
  n = proxy->conns->len;
  g_mutex_unlock (&proxy->lock);
  return n;
}

/* Iterates the main context until the proxy accepted @n connections. */
static void
proxy_wait_count (Proxy *proxy,
                  guint  n)
{
  gint64 deadline = g_get_monotonic_time () + TEST_PATIENCE_S * G_USEC_PER_SEC;

  while (proxy_count (proxy) < n)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (10 * 1000);
      while (g_main_context_iteration (NULL, FALSE))
        ;
    }
}

/* Publishes until a message reaches @inbox: the client is subscribed
 * (again). */
static void
wait_subscribers_delivered (NorthMcpRedisClient *publisher,
                            Inbox               *inbox)
{
  gint64 deadline = g_get_monotonic_time () + TEST_PATIENCE_S * G_USEC_PER_SEC;
  guint before = inbox->messages->len;

  while (inbox->messages->len == before)
    {
      Result result = { 0 };

      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      run (publisher, &result, "PUBLISH", "test:out-of-place", "m", NULL);
      g_assert_no_error (result.error);
      result_clear (&result);
      for (guint i = 0; i < 5 && inbox->messages->len == before; i++)
        {
          g_usleep (10 * 1000);
          while (g_main_context_iteration (NULL, FALSE))
            ;
        }
    }
}

/* A reply no command waits for, or a pub/sub reply of the wrong shape,
 * drops the connection, which is made again. hiredis asserts on them:
 * the process aborted (or, for an unsubscribe of two elements, read past
 * the array). */
static void
test_reply_out_of_place (void)
{
  const char *bad_messages[] = {
    "*1\r\n$7\r\nmessage\r\n",
    "*0\r\n",
    "*3\r\n:1\r\n$17\r\ntest:out-of-place\r\n$1\r\nx\r\n",
    "*3\r\n$7\r\nmessage\r\n*0\r\n$1\r\nx\r\n",
    "*2\r\n$11\r\nunsubscribe\r\n$17\r\ntest:out-of-place\r\n",
    "*3\r\n$11\r\nunsubscribe\r\n$17\r\ntest:out-of-place\r\n$1\r\nx\r\n",
  };
  Proxy *proxy = proxy_new (redis.port);
  g_autofree char *uri = g_strdup_printf ("redis://127.0.0.1:%u", proxy->port);
  g_autoptr(NorthMcpRedisClient) client = connected_client (uri);
  g_autoptr(NorthMcpRedisClient) publisher = connected_client (NULL);
  Result result = { 0 };
  Inbox inbox;
  guint id;

  /* The commands' connection, idle: */
  proxy_inject (proxy, FALSE, "+OK\r\n");
  proxy_wait_count (proxy, 2);
  wait_connected (client, TRUE);
  run (client, &result, "PING", NULL);
  g_assert_no_error (result.error);
  result_clear (&result);
  /* An error is Redis' way to say why it closes: hiredis drops the
   * connection with its text, as before. */
  proxy_inject (proxy, FALSE, "-ERR max number of clients reached\r\n");
  proxy_wait_count (proxy, 3);
  wait_connected (client, TRUE);

  /* The pub/sub connection (no heartbeat to interleave): */
  inbox_init (&inbox);
  g_object_set (client, "heartbeat-interval", G_MAXUINT, NULL);
  id = north_mcp_redis_client_subscribe (client, "test:out-of-place", inbox_message, &inbox, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (bad_messages); i++)
    {
      guint n = proxy_count (proxy);

      wait_subscribers_delivered (publisher, &inbox);
      proxy_inject (proxy, TRUE, bad_messages[i]);
      proxy_wait_count (proxy, n + 1);
    }
  wait_subscribers_delivered (publisher, &inbox);

  north_mcp_redis_client_unsubscribe (client, id);
  g_clear_object (&client);
  proxy_free (proxy);
  inbox_clear (&inbox);
}

/* A pub/sub connection that goes silent without closing (the commands'
 * connection still answers) is noticed by its heartbeat, dropped and made
 * again: messages arrive again. Without it, none ever did. With
 * @heartbeats, as many were counted before it goes silent. */
static void
pubsub_silent (guint64 heartbeats)
{
  Proxy *proxy = proxy_new (redis.port);
  g_autofree char *uri = g_strdup_printf ("redis://127.0.0.1:%u", proxy->port);
  g_autoptr(NorthMcpRedisClient) subscriber = connected_client (uri);
  g_autoptr(NorthMcpRedisClient) publisher = connected_client (NULL);
  gint64 deadline = g_get_monotonic_time () + TEST_PATIENCE_S * G_USEC_PER_SEC;
  Inbox inbox;
  guint id;

  inbox_init (&inbox);
  g_object_set (subscriber, "heartbeat-interval", 100, NULL);
  id = north_mcp_redis_client_subscribe (subscriber, "test:silent", inbox_message, &inbox, NULL);
  wait_subscribers (publisher, "test:silent", 1);
  publish (publisher, "test:silent", "before", 6, 1);
  wait_messages (&inbox, 1);
  if (heartbeats != 0)
    {
      gint64 until = g_get_monotonic_time () + 600 * 1000;

      /* A few more heartbeats: past the count given, if they wrap. */
      north_mcp_redis_client_set_heartbeat_count (subscriber, heartbeats);
      while (g_get_monotonic_time () < until)
        if (!g_main_context_iteration (NULL, FALSE))
          g_usleep (1000);
    }

  /* A heartbeat is given command-timeout to arrive: short, so the test
   * is, and only now, so a busy machine does not reconnect before. */
  g_object_set (subscriber, "command-timeout", 500, NULL);
  proxy_silence_subscribers (proxy);
  while (inbox.messages->len < 2)
    {
      Result result = { 0 };

      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      run (publisher, &result, "PUBLISH", "test:silent", "after", NULL);
      g_assert_no_error (result.error);
      result_clear (&result);
      for (guint i = 0; i < 5; i++)
        {
          g_usleep (10 * 1000);
          while (g_main_context_iteration (NULL, FALSE))
            ;
        }
    }
  g_assert_cmpmem (g_bytes_get_data (inbox.messages->pdata[1], NULL), g_bytes_get_size (inbox.messages->pdata[1]),
                   "after", 5);

  north_mcp_redis_client_unsubscribe (subscriber, id);
  g_clear_object (&subscriber);
  proxy_free (proxy);
  inbox_clear (&inbox);
}

static void
test_pubsub_silent (void)
{
  pubsub_silent (0);
}

/* Heartbeats are counted: at the shortest heartbeat-interval (10 ms) a
 * 32-bit count wrapped after 16 months, and from then on no heartbeat
 * was ever awaited, so a silent connection was never found. */
static void
test_pubsub_silent_after_wrap (void)
{
  pubsub_silent (G_MAXUINT - 1);
}

/* --- a Redis that flaps: it answers the handshake, then sends junk --- */

/* Connections the fake Redis of a test took (in its threads). */
static gint fake_connections; /* atomic */

/* Reads from @in until @seen holds "PING\r\n"; FALSE at the end of it. */
static gboolean
read_until_ping (GInputStream *in,
                 GString      *seen)
{
  char buffer[256];
  gssize n;

  g_string_truncate (seen, 0);
  while (strstr (seen->str, "PING\r\n") == NULL)
    {
      if ((n = g_input_stream_read (in, buffer, sizeof buffer, NULL, NULL)) <= 0)
        return FALSE;
      g_string_append_len (seen, buffer, n);
    }
  return TRUE;
}

static gboolean
flapper_run (GThreadedSocketService *service,
             GSocketConnection      *connection,
             GObject                *source,
             gpointer                user_data)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  static const char answer[] = "+PONG\r\n\x01junk\r\n";
  g_autoptr(GString) seen = g_string_new (NULL);
  char buffer[256];

  g_atomic_int_inc (&fake_connections);
  /* Answers once the handshake's PING came, then waits for the client to
   * hang up on the junk. */
  if (read_until_ping (in, seen) && g_output_stream_write_all (out, answer, sizeof answer - 1, NULL, NULL, NULL))
    while (g_input_stream_read (in, buffer, sizeof buffer, NULL, NULL) > 0)
      ;
  return TRUE;
}

/* Runs a client against a fake Redis whose connections @run serves (each
 * counted in fake_connections), in a subprocess; @on_connected (if not
 * NULL) is called on "notify::connected". The attempts must follow the
 * back-off schedule (100, 200, 400, 800, 1600 ms...): at most 5 in any
 * 2 s; one warning says Redis is down, none says it is up again. */
/* A fake Redis on loopback whose connections @run serves, in threads;
 * returns its URI. */
static char *
fake_redis_start (GSocketService *service,
                  GCallback       run)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  g_socket_listener_add_address (G_SOCKET_LISTENER (service), address, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error);
  g_assert_no_error (error);
  g_signal_connect (service, "run", run, NULL);
  g_socket_service_start (service);
  return g_strdup_printf ("redis://127.0.0.1:%u", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
}

static void
fake_redis_stop (GSocketService *service)
{
  g_socket_service_stop (service);
  g_socket_listener_close (G_SOCKET_LISTENER (service));
}

static void
assert_backoff_schedule (GCallback run,
                         GCallback on_connected)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GSocketService) service = g_threaded_socket_service_new (4);
      g_autoptr(NorthMcpRedisClient) client = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *uri = fake_redis_start (service, run);
      gboolean waited = FALSE;

      client = north_mcp_redis_client_new (uri, &error);
      g_assert_no_error (error);
      if (on_connected != NULL)
        g_signal_connect (client, "notify::connected", on_connected, NULL);
      /* A fixed wait: only the back-off schedule bounds the count. */
      g_timeout_add (2000, test_set_flag, &waited);
      test_wait_for (&waited, "two seconds");
      g_assert_cmpint (g_atomic_int_get (&fake_connections), >=, 2);
      g_assert_cmpint (g_atomic_int_get (&fake_connections), <=, 5);

      g_clear_object (&client);
      fake_redis_stop (service);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*Redis connection to 127.0.0.1:* is down*");
  g_test_trap_assert_stderr_unmatched ("*is down*is down*");
  g_test_trap_assert_stderr_unmatched ("*up again*");
}

/* A Redis that accepts connections and answers PING but drops every
 * connection at once (junk, here) does not make the client reconnect as
 * fast as it can, and warn twice a time: the back-off starts over only
 * once a connection proved healthy, so the attempts follow its schedule.
 * It made 10 connections and 20 warnings a second. */
static void
test_flapping (void)
{
  assert_backoff_schedule (G_CALLBACK (flapper_run), NULL);
}

/* A client against a Redis that stays down (flaps), in a subprocess,
 * with its reminder every @interval_ms (0: the default, a minute), until
 * it failed 5 attempts. */
static void
run_down (guint interval_ms)
{
  g_autoptr(GSocketService) service = g_threaded_socket_service_new (4);
  g_autoptr(NorthMcpRedisClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = fake_redis_start (service, G_CALLBACK (flapper_run));
  guint watchdog;

  client = north_mcp_redis_client_new (uri, &error);
  g_assert_no_error (error);
  if (interval_ms > 0)
    north_mcp_redis_client_set_warn_interval (client, interval_ms);
  watchdog = test_watchdog_add ("5 attempts");
  /* The fifth one fails too (the flapper drops it), once the sixth came. */
  while (g_atomic_int_get (&fake_connections) < 6)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (watchdog);
  g_clear_object (&client);
  fake_redis_stop (service);
}

/* While Redis stays down the client warns once, then reminds that it is
 * still down, with how many attempts failed since, at most once per
 * interval: at the default (a minute) not once in the first attempts;
 * at an interval shorter than the back-off, after each failed attempt
 * (one each). Neither had a test. */
static void
test_still_down_reminder (void)
{
  if (g_test_subprocess ())
    {
      run_down (g_strcmp0 (g_getenv ("TEST_WARN_INTERVAL"), "short") == 0 ? 1 : 0);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*Redis connection to 127.0.0.1:* is down*");
  g_test_trap_assert_stderr_unmatched ("*still down*");
  g_test_trap_assert_stderr_unmatched ("*is down*is down*");

  g_setenv ("TEST_WARN_INTERVAL", "short", TRUE);
  /* (The subprocess inherits the environment.) */
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_unsetenv ("TEST_WARN_INTERVAL");
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*Redis connection to 127.0.0.1:* is down*"
                             "is still down (*); 1 failed attempts since the last warning*"
                             "is still down (*); 1 failed attempts since the last warning*"
                             "is still down (*); 1 failed attempts since the last warning*"
                             "is still down (*); 1 failed attempts since the last warning*");
  g_test_trap_assert_stderr_unmatched ("*is down*is down*");
  g_test_trap_assert_stderr_unmatched ("*up again*");
}

/* --- a Redis that answers one command per connection, then drops it --- */

static gboolean
one_answer_run (GThreadedSocketService *service,
                GSocketConnection      *connection,
                GObject                *source,
                gpointer                user_data)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  g_autoptr(GString) seen = g_string_new (NULL);

  g_atomic_int_inc (&fake_connections);
  /* The handshake's PING, then the client's one command (a PING too). */
  for (guint i = 0; i < 2; i++)
    if (!read_until_ping (in, seen) ||
        !g_output_stream_write_all (out, "+PONG\r\n", 7, NULL, NULL, NULL))
      break;
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  return TRUE;
}

static void
ignore_reply (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(NorthMcpRedisReply) reply = north_mcp_redis_client_command_finish (NORTH_MCP_REDIS_CLIENT (source),
                                                                              result, NULL);
}

/* Sends a command on each new connection, as a busy server would. */
static void
ping_when_connected (GObject    *object,
                     GParamSpec *pspec,
                     gpointer    user_data)
{
  NorthMcpRedisClient *client = NORTH_MCP_REDIS_CLIENT (object);

  if (north_mcp_redis_client_is_connected (client))
    north_mcp_redis_client_commandv_async (client, NULL, ignore_reply, NULL, "PING", NULL);
}

/* A Redis (or proxy) that answers one command on each connection and then
 * drops it does not make the client reconnect every 100 ms: an answer
 * alone does not prove the connection healthy, so the attempts follow the
 * back-off schedule. It made one every 100 ms, with two warnings each. */
static void
test_one_answer_then_drop (void)
{
  assert_backoff_schedule (G_CALLBACK (one_answer_run), G_CALLBACK (ping_when_connected));
}

static void
test_restart (void)
{
  g_autoptr(NorthMcpRedisClient) client = connected_client (NULL);
  g_autoptr(NorthMcpRedisClient) subscriber = connected_client (NULL);
  Result pending[3] = { 0 };
  Result result = { 0 };
  guint notified = 0;
  Inbox inbox;

  inbox_init (&inbox);
  north_mcp_redis_client_subscribe (subscriber, "test:restart", inbox_message, &inbox, NULL);
  wait_subscribers (client, "test:restart", 1);
  g_signal_connect (client, "notify::connected", G_CALLBACK (count_notify), &notified);

  /* Paused first, so that the commands are certainly in flight. */
  test_redis_server_signal (&redis, SIGSTOP);
  for (guint i = 0; i < G_N_ELEMENTS (pending); i++)
    north_mcp_redis_client_commandv_async (client, NULL, command_done, &pending[i], "INCR", "test:restart:n", NULL);
  test_redis_server_stop (&redis, SIGKILL);
  for (guint i = 0; i < G_N_ELEMENTS (pending); i++)
    {
      test_wait_for (&pending[i].done, "a pending command");
      g_assert_error (pending[i].error, NORTH_MCP_REDIS_ERROR, NORTH_MCP_REDIS_ERROR_UNAVAILABLE);
      result_clear (&pending[i]);
    }
  wait_connected (client, FALSE);
  g_assert_cmpuint (notified, ==, 1);

  /* Down: commands fail at once. */
  run (client, &result, "PING", NULL);
  g_assert_error (result.error, NORTH_MCP_REDIS_ERROR, NORTH_MCP_REDIS_ERROR_UNAVAILABLE);

  test_redis_server_start (&redis);
  wait_connected (client, TRUE);
  g_assert_cmpuint (notified, ==, 2);
  run (client, &result, "PING", NULL);
  g_assert_no_error (result.error);
  g_assert_cmpstr (north_mcp_redis_reply_get_string (result.reply, NULL), ==, "PONG");
  result_clear (&result);

  /* The subscriber subscribed again by itself. */
  wait_subscribers (client, "test:restart", 1);
  publish (client, "test:restart", "back", 4, 1);
  wait_messages (&inbox, 1);
  g_assert_cmpmem (g_bytes_get_data (inbox.messages->pdata[0], NULL), g_bytes_get_size (inbox.messages->pdata[0]),
                   "back", 4);
  g_signal_handlers_disconnect_by_data (client, &notified);
  g_clear_object (&subscriber);
  inbox_clear (&inbox);
}

/* A paused Redis: the oldest command times out, the client takes the
 * connection as hung and reconnects when Redis resumes. */
static void
test_timeout (void)
{
  g_autoptr(NorthMcpRedisClient) client = connected_client (NULL);
  Result first = { 0 }, second = { 0 }, result = { 0 };

  g_object_set (client, "command-timeout", 300, NULL);
  test_redis_server_signal (&redis, SIGSTOP);
  north_mcp_redis_client_commandv_async (client, NULL, command_done, &first, "PING", NULL);
  north_mcp_redis_client_commandv_async (client, NULL, command_done, &second, "PING", NULL);
  test_wait_for (&first.done, "the first command's timeout");
  test_wait_for (&second.done, "the second command's timeout");
  g_assert_error (first.error, NORTH_MCP_REDIS_ERROR, NORTH_MCP_REDIS_ERROR_UNAVAILABLE);
  g_assert_error (second.error, NORTH_MCP_REDIS_ERROR, NORTH_MCP_REDIS_ERROR_UNAVAILABLE);
  g_assert_false (north_mcp_redis_client_is_connected (client));
  run (client, &result, "PING", NULL);
  g_assert_error (result.error, NORTH_MCP_REDIS_ERROR, NORTH_MCP_REDIS_ERROR_UNAVAILABLE);

  test_redis_server_signal (&redis, SIGCONT);
  wait_connected (client, TRUE);
  run (client, &result, "PING", NULL);
  g_assert_no_error (result.error);
  result_clear (&first);
  result_clear (&second);
  result_clear (&result);
}

static void
test_cancel (void)
{
  g_autoptr(NorthMcpRedisClient) client = connected_client (NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Result cancelled = { 0 }, after = { 0 }, result = { 0 };

  run (client, &result, "SET", "test:cancel:a", "a", NULL);
  run (client, &result, "SET", "test:cancel:b", "b", NULL);
  /* Long enough that only the cancellation can end the command. */
  g_object_set (client, "command-timeout", TEST_PATIENCE_S * 2 * 1000, NULL);
  test_redis_server_signal (&redis, SIGSTOP);
  north_mcp_redis_client_commandv_async (client, cancellable, command_done, &cancelled, "GET", "test:cancel:a", NULL);
  north_mcp_redis_client_commandv_async (client, NULL, command_done, &after, "GET", "test:cancel:b", NULL);
  g_cancellable_cancel (cancellable);
  test_wait_for (&cancelled.done, "the cancelled command");
  g_assert_error (cancelled.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (after.done);

  /* The cancelled command's reply is dropped; the next gets its own. */
  test_redis_server_signal (&redis, SIGCONT);
  test_wait_for (&after.done, "the command after the cancelled one");
  g_assert_no_error (after.error);
  assert_string (after.reply, "b", 1);

  /* Cancelled before it is sent. */
  result_clear (&cancelled);
  north_mcp_redis_client_commandv_async (client, cancellable, command_done, &cancelled, "PING", NULL);
  test_wait_for (&cancelled.done, "the command cancelled beforehand");
  g_assert_error (cancelled.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  result_clear (&cancelled);
  result_clear (&after);
  result_clear (&result);
}

static void
test_too_many (void)
{
  g_autoptr(NorthMcpRedisClient) client = connected_client (NULL);
  Result results[3] = { 0 };

  g_object_set (client, "max-in-flight", 2, NULL);
  test_redis_server_signal (&redis, SIGSTOP);
  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    north_mcp_redis_client_commandv_async (client, NULL, command_done, &results[i], "PING", NULL);
  test_wait_for (&results[2].done, "the refused command");
  g_assert_error (results[2].error, NORTH_MCP_REDIS_ERROR, NORTH_MCP_REDIS_ERROR_TOO_MANY);
  g_assert_false (results[0].done);
  test_redis_server_signal (&redis, SIGCONT);
  for (guint i = 0; i < 2; i++)
    {
      test_wait_for (&results[i].done, "an accepted command");
      g_assert_no_error (results[i].error);
    }
  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    result_clear (&results[i]);
}

/* While Redis hangs, what waits to be written to it is bounded in bytes
 * too: commands beyond "max-unsent-size" fail with TOO_MANY at once
 * (max-in-flight alone let 10000 commands of any size pile up in the
 * output buffer). The accepted ones complete once Redis resumes. */
static void
test_max_unsent_size (void)
{
  g_autoptr(NorthMcpRedisClient) client = connected_client (NULL);
  g_autofree char *value = g_strnfill (256 * 1024, 'v');
  Result results[400] = { 0 };
  guint refused = G_N_ELEMENTS (results);

  /* No timeout while Redis is stopped, however slow the machine. */
  g_object_set (client, "max-unsent-size", 1024 * 1024, "command-timeout", 600000, NULL);
  test_redis_server_signal (&redis, SIGSTOP);
  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    {
      north_mcp_redis_client_commandv_async (client, NULL, command_done, &results[i],
                                             "SET", "test:unsent", value, NULL);
      /* Let the client write what the socket takes. */
      while (g_main_context_iteration (NULL, FALSE))
        ;
      if (results[i].done)
        {
          g_assert_error (results[i].error, NORTH_MCP_REDIS_ERROR, NORTH_MCP_REDIS_ERROR_TOO_MANY);
          refused = i;
          break;
        }
    }
  /* 100 MiB were not all taken: the socket holds a few MiB, the buffer 1. */
  g_assert_cmpuint (refused, <, G_N_ELEMENTS (results));
  test_redis_server_signal (&redis, SIGCONT);
  for (guint i = 0; i < refused; i++)
    {
      test_wait_for (&results[i].done, "an accepted command");
      g_assert_no_error (results[i].error);
    }
  for (guint i = 0; i <= refused && i < G_N_ELEMENTS (results); i++)
    result_clear (&results[i]);
}

static void
test_max_reply_size (void)
{
  g_autoptr(NorthMcpRedisClient) client = connected_client (NULL);
  g_autofree char *big = g_strnfill (4000, 'x');
  Result result = { 0 };

  g_object_set (client, "max-reply-size", 2048, NULL);
  run (client, &result, "SET", "test:big", big, NULL);
  g_assert_no_error (result.error);
  run (client, &result, "RPUSH", "test:biglist", "1", "2", "3", "4", "5", "6", "7", "8", NULL);

  /* Too big: the connection drops, and comes back. */
  run (client, &result, "GET", "test:big", NULL);
  g_assert_error (result.error, NORTH_MCP_REDIS_ERROR, NORTH_MCP_REDIS_ERROR_UNAVAILABLE);
  wait_connected (client, TRUE);
  run (client, &result, "GETRANGE", "test:big", "0", "999", NULL);
  g_assert_no_error (result.error);
  g_assert_cmpuint (strlen (north_mcp_redis_reply_get_string (result.reply, NULL)), ==, 1000);

  /* Elements count too (16 bytes each and per slot): 8 fit, 80 do not. */
  run (client, &result, "LRANGE", "test:biglist", "0", "-1", NULL);
  g_assert_no_error (result.error);
  g_assert_cmpuint (north_mcp_redis_reply_get_n_elements (result.reply), ==, 8);
  run (client, &result, "EVAL", "local t = {} for i = 1, 80 do t[i] = i end return t", "0", NULL);
  g_assert_error (result.error, NORTH_MCP_REDIS_ERROR, NORTH_MCP_REDIS_ERROR_UNAVAILABLE);
  wait_connected (client, TRUE);

  /* A reply that arrives in several reads is refused while it is still
   * buffered, before it is complete. */
  g_object_set (client, "max-reply-size", 64 * 1024, NULL);
  {
    g_autofree char *huge = g_strnfill (1024 * 1024, 'y');

    run (client, &result, "SET", "test:huge", huge, NULL);
    g_assert_no_error (result.error);
  }
  run (client, &result, "GET", "test:huge", NULL);
  g_assert_error (result.error, NORTH_MCP_REDIS_ERROR, NORTH_MCP_REDIS_ERROR_UNAVAILABLE);
  wait_connected (client, TRUE);
  run (client, &result, "STRLEN", "test:huge", NULL);
  g_assert_cmpint (north_mcp_redis_reply_get_integer (result.reply), ==, 1024 * 1024);
  result_clear (&result);
}

/* hiredis refuses arrays nested deeper than 7: the connection drops, the
 * client recovers. */
static void
test_nesting (void)
{
  g_autoptr(NorthMcpRedisClient) client = connected_client (NULL);
  Result result = { 0 };

  run (client, &result, "EVAL", "return {{{{{{{1}}}}}}}", "0", NULL);
  g_assert_no_error (result.error);
  run (client, &result, "EVAL", "return {{{{{{{{{1}}}}}}}}}", "0", NULL);
  g_assert_error (result.error, NORTH_MCP_REDIS_ERROR, NORTH_MCP_REDIS_ERROR_UNAVAILABLE);
  wait_connected (client, TRUE);
  run (client, &result, "PING", NULL);
  g_assert_no_error (result.error);
  result_clear (&result);
}

static void
weak_notify (gpointer  data,
             GObject  *where)
{
  *(gboolean *) data = TRUE;
}

/* The last unref with commands in flight: they end normally, then the
 * client goes away. */
static void
test_unref_pending (void)
{
  NorthMcpRedisClient *client = connected_client (NULL);
  Result results[3] = { 0 };
  gboolean finalized = FALSE;

  g_object_weak_ref (G_OBJECT (client), weak_notify, &finalized);
  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    north_mcp_redis_client_commandv_async (client, NULL, command_done, &results[i], "PING", NULL);
  g_object_unref (client);
  g_assert_false (finalized);
  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    {
      test_wait_for (&results[i].done, "a command of an unreferenced client");
      g_assert_no_error (results[i].error);
      result_clear (&results[i]);
    }
  test_wait_for (&finalized, "the client's finalization");
}

/* Dispose with commands in flight against a paused Redis: they fail at
 * once (or stay cancelled), nothing is called twice, nothing leaks. */
static void
test_dispose_pending (void)
{
  NorthMcpRedisClient *client = connected_client (NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Result results[3] = { 0 };
  gboolean finalized = FALSE;
  Inbox inbox;

  inbox_init (&inbox);
  north_mcp_redis_client_subscribe (client, "test:dispose", inbox_message, &inbox, inbox_destroy);
  g_object_weak_ref (G_OBJECT (client), weak_notify, &finalized);
  g_object_set (client, "command-timeout", TEST_PATIENCE_S * 2 * 1000, NULL);
  test_redis_server_signal (&redis, SIGSTOP);
  north_mcp_redis_client_commandv_async (client, cancellable, command_done, &results[0], "PING", NULL);
  north_mcp_redis_client_commandv_async (client, NULL, command_done, &results[1], "PING", NULL);
  north_mcp_redis_client_commandv_async (client, NULL, command_done, &results[2], "PING", NULL);
  g_cancellable_cancel (cancellable);
  test_wait_for (&results[0].done, "the cancelled command");

  g_object_run_dispose (G_OBJECT (client));
  g_assert_cmpuint (inbox.destroyed, ==, 1);
  g_object_unref (client);
  for (guint i = 1; i < G_N_ELEMENTS (results); i++)
    {
      test_wait_for (&results[i].done, "a command of a disposed client");
      g_assert_error (results[i].error, NORTH_MCP_REDIS_ERROR, NORTH_MCP_REDIS_ERROR_UNAVAILABLE);
    }
  g_assert_error (results[0].error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  test_wait_for (&finalized, "the client's finalization");
  test_redis_server_signal (&redis, SIGCONT);
  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    result_clear (&results[i]);
  inbox_clear (&inbox);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  /* A paused or killed redis-server must not take the test with it. */
  signal (SIGPIPE, SIG_IGN);

  /* The flapping test's subprocess needs none. */
  if (!g_test_subprocess ())
    test_redis_server_init (&redis, "redis");

  g_test_add_func ("/redis-client/uri", test_uri);
  g_test_add_func ("/redis-client/unavailable", test_unavailable);
  g_test_add_func ("/redis-client/replies", test_replies);
  g_test_add_func ("/redis-client/binary", test_binary);
  g_test_add_func ("/redis-client/pipeline", test_pipeline);
  g_test_add_func ("/redis-client/reply-error", test_reply_error);
  g_test_add_func ("/redis-client/database-and-name", test_database_and_name);
  g_test_add_func ("/redis-client/pubsub", test_pubsub);
  g_test_add_func ("/redis-client/subscription-id-wrap", test_subscription_id_wrap);
  g_test_add_func ("/redis-client/restart", test_restart);
  g_test_add_func ("/redis-client/pubsub-silent", test_pubsub_silent);
  g_test_add_func ("/redis-client/pubsub-silent-after-wrap", test_pubsub_silent_after_wrap);
  g_test_add_func ("/redis-client/reply-out-of-place", test_reply_out_of_place);
  g_test_add_func ("/redis-client/timeout", test_timeout);
  g_test_add_func ("/redis-client/cancel", test_cancel);
  g_test_add_func ("/redis-client/too-many", test_too_many);
  g_test_add_func ("/redis-client/max-reply-size", test_max_reply_size);
  g_test_add_func ("/redis-client/max-unsent-size", test_max_unsent_size);
  g_test_add_func ("/redis-client/nesting", test_nesting);
  g_test_add_func ("/redis-client/unref-pending", test_unref_pending);
  g_test_add_func ("/redis-client/dispose-pending", test_dispose_pending);
  g_test_add_func ("/redis-client/flapping", test_flapping);
  g_test_add_func ("/redis-client/one-answer-then-drop", test_one_answer_then_drop);
  g_test_add_func ("/redis-client/still-down-reminder", test_still_down_reminder);
  status = g_test_run ();

  if (g_test_subprocess ())
    return status;
  test_redis_server_stop (&redis, SIGKILL);
  test_redis_server_clear (&redis);
  return status;
}
