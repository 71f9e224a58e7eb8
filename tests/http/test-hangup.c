/* test-hangup.c: a client that hangs up on a POST whose answer is still
 * being computed, over real HTTP on loopback
 *
 * The hang-up cancels the request when its answer can never be delivered
 * (stateless, or a stream that cannot be resumed), not when the client may
 * resume the stream and get it (a 2025-11-25 session keeps its events).
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include <north-mcp.h>
#include "north-mcp-http-transport-private.h"
#include "north-mcp-server-private.h"

/* The handler of the "wait" tool: it keeps its context until the test
 * answers for it, and notes when it is cancelled. */
typedef struct {
  NorthMcpContext *context;
  gboolean         cancelled;
  gboolean         keep;      /* the test ends the handler itself */
} Waiting;

typedef struct {
  NorthMcpServer        *server;
  NorthMcpHttpTransport *transport;
  Waiting                waiting;
} Fixture;

static void
on_cancelled (GCancellable *cancellable,
              Waiting      *waiting)
{
  waiting->cancelled = TRUE;
}

static void
wait_func (NorthMcpTool    *tool,
           NorthMcpContext *context,
           JsonObject      *arguments,
           gpointer         user_data)
{
  Waiting *waiting = user_data;

  g_assert_null (waiting->context);
  waiting->context = g_object_ref (context);
  g_cancellable_connect (north_mcp_context_get_cancellable (context),
                         G_CALLBACK (on_cancelled), waiting, NULL);
}

/* The handler ends (as one that ignored the cancellation would, later). */
static void
waiting_finish (Waiting *waiting)
{
  g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new_text ("done");

  north_mcp_context_return_tool_result (waiting->context, result);
  g_clear_object (&waiting->context);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(NorthMcpTool) tool = north_mcp_tool_new ("wait", "Answers when the test says so");
  g_autoptr(GError) error = NULL;

  f->server = north_mcp_server_new ("test-hangup", "1.0.0");
  north_mcp_server_set_stateless (f->server, GPOINTER_TO_INT (data));
  north_mcp_tool_set_async_func (tool, wait_func, &f->waiting, NULL);
  north_mcp_server_add_tool (f->server, tool);
  f->transport = north_mcp_http_transport_new (NORTH_MCP_TRANSPORT_HOST (f->server));
  /* No keep-alive comments: the server must notice the hang-up itself. */
  north_mcp_http_transport_set_keepalive_interval (f->transport, 0);
  g_assert_true (north_mcp_http_transport_listen (f->transport, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->waiting.context != NULL)
    waiting_finish (&f->waiting);
  north_mcp_http_transport_stop (f->transport);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_object (&f->transport);
  g_clear_object (&f->server);
}

static GSocketConnection *
connect_to (Fixture *f)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  GSocketConnection *connection;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1",
                                                north_mcp_http_transport_get_port (f->transport),
                                                NULL, &error);
  g_assert_no_error (error);
  return connection;
}

/* Writes a POST to @path of @body with @extra headers (lines ending in
 * CRLF). */
static void
post_to (GSocketConnection *connection,
         const char        *path,
         const char        *extra,
         const char        *body)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text =
    g_strdup_printf ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     "%sContent-Length: %zu\r\n\r\n%s", path, extra, strlen (body), body);

  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                                            text, strlen (text), NULL, NULL, &error));
  g_assert_no_error (error);
}

static void
post (GSocketConnection *connection,
      const char        *extra,
      const char        *body)
{
  post_to (connection, "/mcp", extra, body);
}

typedef struct {
  gssize   n;
  gboolean done;
} ReadState;

static void
read_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  ReadState *state = user_data;

  state->n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);
  state->done = TRUE;
}

/* Reads from @connection (the server runs meanwhile) until @text came;
 * returns all that came. */
static GString *
read_until (GSocketConnection *connection,
            const char        *text)
{
  GString *received = g_string_new (NULL);
  char buffer[4096];

  while (strstr (received->str, text) == NULL)
    {
      ReadState state = { 0, FALSE };

      g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                                 buffer, sizeof buffer, G_PRIORITY_DEFAULT, NULL, read_done, &state);
      while (!state.done)
        g_main_context_iteration (NULL, TRUE);
      g_assert_cmpint (state.n, >, 0);
      g_string_append_len (received, buffer, state.n);
    }
  return received;
}

static gboolean
set_flag (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Hangs up on the call in progress and lets the server notice it: it
 * closes its side, and is then busy with no POST. The limit only keeps a
 * broken server from hanging the test. */
static void
hang_up (Fixture            *f,
         GSocketConnection **connection)
{
  gboolean timed_out = FALSE;
  guint timeout;

  g_assert_true (north_mcp_http_transport_is_busy (f->transport));
  g_io_stream_close (G_IO_STREAM (*connection), NULL, NULL);
  g_clear_object (connection);
  timeout = g_timeout_add_seconds (30, set_flag, &timed_out);
  while (north_mcp_http_transport_is_busy (f->transport) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (north_mcp_http_transport_is_busy (f->transport));
  g_source_remove (timeout);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Initializes a session of revision @version; returns the headers of a
 * POST in it. */
static char *
open_session (Fixture    *f,
              const char *version)
{
  g_autoptr(GSocketConnection) connection = connect_to (f);
  g_autoptr(GString) initialized = NULL;
  g_autofree char *body =
    g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
                     "\"protocolVersion\":\"%s\",\"capabilities\":{},"
                     "\"clientInfo\":{\"name\":\"test\",\"version\":\"0\"}}}", version);
  const char *id;

  post (connection, "Accept: application/json, text/event-stream\r\n", body);
  initialized = read_until (connection, "\"serverInfo\"");
  id = strstr (initialized->str, "Mcp-Session-Id: ");
  g_assert_nonnull (id);
  return g_strdup_printf ("Accept: application/json, text/event-stream\r\n"
                          "MCP-Protocol-Version: %s\r\n%.*s\r\n", version, (int) strcspn (id, "\r"), id);
}

#define WAIT_BODY \
  "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\"," \
  "\"params\":{\"name\":\"wait\",\"arguments\":{}}}"

/* Calls "wait", hangs up while it runs, and checks that this cancelled
 * it; @extra: the headers of the POST. */
static void
assert_hang_up_cancels (Fixture    *f,
                        const char *extra)
{
  g_autoptr(GSocketConnection) connection = connect_to (f);

  post (connection, extra, WAIT_BODY);
  while (f->waiting.context == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (f->waiting.cancelled);

  hang_up (f, &connection);
  g_assert_true (f->waiting.cancelled);
  if (!f->waiting.keep)
    waiting_finish (&f->waiting);
}

/* Stateless: no session, no stream to resume; the answer of a call whose
 * client hung up can never be delivered, so its handler is cancelled
 * (before, only notifications/cancelled did, which needs a session). */
static void
test_stateless_cancels (Fixture       *f,
                        gconstpointer  data)
{
  assert_hang_up_cancels (f, "Accept: application/json, text/event-stream\r\n");
}

/* Sends a tools/list whose body with its headers counts about 1,200 of
 * the 1,400 bytes held at most (750 bytes of body, 140 of header text and
 * 64 for each of its five fields); returns its status line. */
static char *
list_large (Fixture *f)
{
  g_autoptr(GSocketConnection) connection = connect_to (f);
  g_autofree char *padding = g_strnfill (700, ' ');
  g_autofree char *body = g_strconcat ("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}",
                                       padding, NULL);
  g_autoptr(GString) answer = NULL;

  post (connection, "Accept: application/json, text/event-stream\r\nConnection: close\r\n", body);
  answer = read_until (connection, "\r\n");
  return g_strndup (answer->str, strcspn (answer->str, "\r"));
}

/* The request a hang-up cancelled counts among the bodies held until its
 * handler returns (it may ignore the cancellation), then no longer. */
static void
test_held_until_handler_returns (Fixture       *f,
                                 gconstpointer  data)
{
  g_autofree char *refused = NULL;
  g_autofree char *served = NULL;

  north_mcp_server_set_max_held_body_bytes (f->server, 1400);
  f->waiting.keep = TRUE;
  assert_hang_up_cancels (f, "Accept: application/json, text/event-stream\r\n");
  refused = list_large (f);
  g_assert_cmpstr (refused, ==, "HTTP/1.1 503 Service Unavailable");

  waiting_finish (&f->waiting);
  served = list_large (f);
  g_assert_cmpstr (served, ==, "HTTP/1.1 200 OK");
}

/* A session without an event store for its streams (before 2025-11-25):
 * the answer goes only on the POST's own stream, so a hang-up cancels. */
static void
test_unresumable_cancels (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *extra = open_session (f, "2025-06-18");

  assert_hang_up_cancels (f, extra);
}

/* A 2025-11-25 session keeps the events of the POST's stream: a client
 * that hung up may resume it (a disconnect is not a cancellation). */
static void
test_resumable_goes_on (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GSocketConnection) connection = connect_to (f);
  g_autofree char *extra = open_session (f, "2025-11-25");
  g_autoptr(GString) primed = NULL;
  g_autoptr(GString) resumed = NULL;
  g_autofree char *get = NULL;
  const char *id;

  post (connection, extra, WAIT_BODY);
  /* The priming event: the stream has an id to resume from. */
  primed = read_until (connection, "retry: ");
  id = strstr (primed->str, "id: ");
  g_assert_nonnull (id);

  hang_up (f, &connection);
  g_assert_false (f->waiting.cancelled);

  /* The answer comes when the client resumes. */
  waiting_finish (&f->waiting);
  get = g_strdup_printf ("GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n%sLast-Event-ID: %.*s\r\n\r\n",
                         extra, (int) strcspn (id + 4, "\r\n"), id + 4);
  connection = connect_to (f);
  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                                            get, strlen (get), NULL, NULL, NULL));
  resumed = read_until (connection, "\"text\":\"done\"");
}

/* The legacy HTTP+SSE transport: its session is its GET /sse stream,
 * where every answer goes (a POST is answered 202 at once, hanging up on
 * it changes nothing). When that stream ends, the session ends and the
 * requests in progress are cancelled. */
static void
test_legacy_stream_end_cancels (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(GSocketConnection) stream = connect_to (f);
  g_autoptr(GString) opened = NULL;
  g_autofree char *endpoint = NULL;
  const char *get = "GET /sse HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n";
  const char *data_line;
  const char *messages[] = {
    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
    "\"protocolVersion\":\"2024-11-05\",\"capabilities\":{},"
    "\"clientInfo\":{\"name\":\"test\",\"version\":\"0\"}}}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
    WAIT_BODY,
  };
  gboolean timed_out = FALSE;
  guint timeout;

  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (stream)),
                                            get, strlen (get), NULL, NULL, NULL));
  opened = read_until (stream, "session_id=");
  data_line = strstr (opened->str, "data: ");
  g_assert_nonnull (data_line);
  endpoint = g_strndup (data_line + 6, strcspn (data_line + 6, "\r\n"));
  for (guint i = 0; i < G_N_ELEMENTS (messages); i++)
    {
      g_autoptr(GSocketConnection) connection = connect_to (f);
      g_autoptr(GString) accepted = NULL;

      post_to (connection, endpoint, "", messages[i]);
      accepted = read_until (connection, "\r\n");
      g_assert_true (g_str_has_prefix (accepted->str, "HTTP/1.1 202"));
    }
  while (f->waiting.context == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (f->waiting.cancelled);

  /* The limit only keeps a broken server from hanging the test. */
  g_io_stream_close (G_IO_STREAM (stream), NULL, NULL);
  timeout = g_timeout_add_seconds (30, set_flag, &timed_out);
  while (!f->waiting.cancelled && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (f->waiting.cancelled);
  g_source_remove (timeout);
  waiting_finish (&f->waiting);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, stateless, func) \
  g_test_add (path, Fixture, GINT_TO_POINTER (stateless), fixture_setup, func, fixture_teardown)

  ADD ("/hangup/stateless/cancels", TRUE, test_stateless_cancels);
  ADD ("/hangup/stateless/held-until-handler-returns", TRUE, test_held_until_handler_returns);
  ADD ("/hangup/unresumable/cancels", FALSE, test_unresumable_cancels);
  ADD ("/hangup/resumable/goes-on", FALSE, test_resumable_goes_on);
  ADD ("/hangup/legacy/stream-end-cancels", FALSE, test_legacy_stream_end_cancels);

  return g_test_run ();
}
