/* test-request-signals.c: NorthMcpServer::request-started and
 * ::request-finished over real HTTP (loopback) and stdio (pipes)
 *
 * Every request is announced once before its handler runs and finishes
 * once after its answer went to the transport, with the error the client
 * saw; notifications are not requests.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include <north-mcp.h>
#include "north-mcp-server-private.h"
#include "north-mcp-stdio-transport-private.h"
#include "test-http-client.h"
#include "test-pipes.h"

/* One emission, as a handler saw it. */
typedef struct {
  gboolean         finished;
  NorthMcpContext *context;
  char            *method;
  char            *id;        /* the request id, as JSON */
  NorthMcpSession *session;   /* not a reference: compared only */
  gboolean         has_error;
  GQuark           domain;
  int              code;
  gboolean         completed; /* the context said it was answered */
} Event;

static void
event_free (Event *event)
{
  g_clear_object (&event->context);
  g_free (event->method);
  g_free (event->id);
  g_free (event);
}

static Event *
event_new (NorthMcpServer  *server,
           NorthMcpContext *context,
           gboolean         finished)
{
  Event *event = g_new0 (Event, 1);

  g_assert_true (NORTH_MCP_IS_SERVER (server));
  g_assert_true (NORTH_MCP_IS_CONTEXT (context));
  g_assert_true (north_mcp_context_get_server (context) == server);
  event->finished = finished;
  event->context = g_object_ref (context);
  event->method = g_strdup (north_mcp_context_get_method (context));
  event->id = json_to_string (north_mcp_context_get_request_id (context), FALSE);
  event->session = north_mcp_context_get_session (context);
  event->completed = north_mcp_context_is_completed (context);
  return event;
}

static void
started_cb (NorthMcpServer  *server,
            NorthMcpContext *context,
            GPtrArray       *events)
{
  g_ptr_array_add (events, event_new (server, context, FALSE));
}

static void
finished_cb (NorthMcpServer  *server,
             NorthMcpContext *context,
             const GError    *error,
             GPtrArray       *events)
{
  Event *event = event_new (server, context, TRUE);

  event->has_error = error != NULL;
  if (error != NULL)
    {
      event->domain = error->domain;
      event->code = error->code;
      g_assert_nonnull (error->message);
    }
  g_ptr_array_add (events, event);
}

static GPtrArray *
watch (NorthMcpServer *server)
{
  GPtrArray *events = g_ptr_array_new_with_free_func ((GDestroyNotify) event_free);

  g_signal_connect (server, "request-started", G_CALLBACK (started_cb), events);
  g_signal_connect (server, "request-finished", G_CALLBACK (finished_cb), events);
  return events;
}

static guint
count_finished (GPtrArray *events)
{
  guint n = 0;

  for (guint i = 0; i < events->len; i++)
    n += ((Event *) g_ptr_array_index (events, i))->finished;
  return n;
}

/* Every started event is followed by exactly one finished event of the
 * same context, and nothing finishes that did not start. */
static void
assert_paired (GPtrArray *events)
{
  for (guint i = 0; i < events->len; i++)
    {
      Event *event = g_ptr_array_index (events, i);
      guint before = 0, after = 0;

      for (guint j = 0; j < events->len; j++)
        {
          Event *other = g_ptr_array_index (events, j);

          if (j == i || other->context != event->context)
            continue;
          /* The same request's other event: its finish after its start. */
          g_assert_cmpint (other->finished, !=, event->finished);
          if (j < i)
            before++;
          else
            after++;
        }
      g_assert_cmpuint (before + after, ==, 1);
      g_assert_cmpuint (event->finished ? before : after, ==, 1);
      /* Announced before it was answered, finished after. */
      g_assert_cmpint (event->completed, ==, event->finished);
    }
}

/* The finished event of request @id. */
static Event *
finished_of (GPtrArray  *events,
             const char *id)
{
  for (guint i = 0; i < events->len; i++)
    {
      Event *event = g_ptr_array_index (events, i);

      if (event->finished && g_strcmp0 (event->id, id) == 0)
        return event;
    }
  g_assert_not_reached ();
}

/* ------------------------------------------------------------------ */
/* Tools                                                               */

/* Answers with its `text`, or fails when `fail` is set. */
static NorthMcpToolResult *
say_func (NorthMcpTool    *tool,
          NorthMcpContext *context,
          JsonObject      *arguments,
          gpointer         user_data,
          GError         **error)
{
  if (json_object_get_boolean_member_with_default (arguments, "fail", FALSE))
    {
      g_set_error_literal (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED, "asked to fail");
      return NULL;
    }
  return north_mcp_tool_result_new_text (json_object_get_string_member_with_default (arguments, "text", ""));
}

static gboolean
answer_late (gpointer user_data)
{
  g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new_text ("too late");

  north_mcp_context_return_tool_result (user_data, result);
  return G_SOURCE_REMOVE;
}

static void
hold_cancelled_cb (GCancellable    *cancellable,
                   NorthMcpContext *context)
{
  g_idle_add_full (G_PRIORITY_DEFAULT, answer_late, g_object_ref (context), g_object_unref);
}

/* Answers only once its request was cancelled (the answer is dropped). */
static void
hold_func (NorthMcpTool    *tool,
           NorthMcpContext *context,
           JsonObject      *arguments,
           gpointer         user_data)
{
  g_cancellable_connect (north_mcp_context_get_cancellable (context), G_CALLBACK (hold_cancelled_cb),
                         g_object_ref (context), g_object_unref);
}

static NorthMcpServer *
new_server (void)
{
  NorthMcpServer *server = north_mcp_server_new ("signals", "1.0.0");
  g_autoptr(NorthMcpTool) say = north_mcp_tool_new ("say", "Says the text, or fails");
  g_autoptr(NorthMcpTool) hold = north_mcp_tool_new ("hold", "Holds");

  north_mcp_tool_set_func (say, say_func, NULL, NULL);
  north_mcp_tool_set_async_func (hold, hold_func, NULL, NULL);
  north_mcp_server_add_tool (server, say);
  north_mcp_server_add_tool (server, hold);
  return server;
}

#define INITIALIZE(id) \
  "{\"jsonrpc\":\"2.0\",\"id\":" id ",\"method\":\"initialize\",\"params\":{\"protocolVersion\":" \
  "\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}"
#define CALL(id, tool, args) \
  "{\"jsonrpc\":\"2.0\",\"id\":" id ",\"method\":\"tools/call\",\"params\":{\"name\":\"" tool "\"," \
  "\"arguments\":" args "}}"

/* The error code of a JSON-RPC response, 0 for a result. */
static int
response_code (JsonNode *response)
{
  JsonObject *object = json_node_get_object (response);

  if (!json_object_has_member (object, "error"))
    return 0;
  return json_object_get_int_member (json_object_get_object_member (object, "error"), "code");
}

/* ------------------------------------------------------------------ */
/* HTTP                                                                */

typedef struct {
  NorthMcpServer *server;
  SoupSession    *session;
  char           *url;
  char           *session_id;
} Http;

/* The server started as applications start it, on an ephemeral port. */
static void
http_set_up (Http     *http,
             gboolean  stateless)
{
  g_autoptr(GError) error = NULL;

  http->server = new_server ();
  north_mcp_server_set_stateless (http->server, stateless);
  north_mcp_server_set_port (http->server, 0);
  g_assert_true (north_mcp_server_start (http->server, NORTH_MCP_TRANSPORT_STREAMABLE_HTTP, &error));
  g_assert_no_error (error);
  http->url = g_strdup_printf ("http://127.0.0.1:%u/mcp", north_mcp_server_get_bound_port (http->server));
  http->session = soup_session_new_with_options ("proxy-resolver", NULL, NULL);
}

static void
http_tear_down (Http *http)
{
  north_mcp_server_stop (http->server);
  soup_session_abort (http->session);
  g_clear_object (&http->session);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_object (&http->server);
  g_clear_pointer (&http->url, g_free);
  g_clear_pointer (&http->session_id, g_free);
}

/* POSTs @body; returns the JSON-RPC response (JSON or the SSE event), or
 * NULL for an empty answer (202). */
static JsonNode *
http_post (Http       *http,
           const char *body)
{
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", http->url);
  g_autoptr(GBytes) request = g_bytes_new (body, strlen (body));
  g_autoptr(GBytes) reply = NULL;
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);
  const char *text, *data;

  soup_message_headers_replace (headers, "Accept", "application/json, text/event-stream");
  if (http->session_id != NULL)
    soup_message_headers_replace (headers, "Mcp-Session-Id", http->session_id);
  soup_message_set_request_body_from_bytes (msg, "application/json", request);
  reply = test_http_send_and_read (http->session, msg);

  if (http->session_id == NULL &&
      soup_message_headers_get_one (soup_message_get_response_headers (msg), "Mcp-Session-Id") != NULL)
    http->session_id = g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                               "Mcp-Session-Id"));
  if (soup_message_get_status (msg) == SOUP_STATUS_ACCEPTED)
    return NULL;
  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);

  text = g_bytes_get_data (reply, NULL);
  data = strstr (text, "data: ");
  if (text[0] != '{')
    {
      g_autofree char *line = NULL;

      g_assert_nonnull (data);
      line = g_strndup (data + 6, strcspn (data + 6, "\n"));
      return json_from_string (line, NULL);
    }
  return json_from_string (text, NULL);
}

static void
test_http_stateful (void)
{
  Http http = { 0 };
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(JsonNode) init = NULL, said = NULL, fail = NULL, unknown = NULL, missing = NULL, note = NULL;
  NorthMcpSession *session;
  Event *event;

  http_set_up (&http, FALSE);
  events = watch (http.server);

  init = http_post (&http, INITIALIZE ("1"));
  g_assert_nonnull (http.session_id);
  g_assert_cmpuint (events->len, ==, 2);
  event = g_ptr_array_index (events, 0);
  g_assert_false (event->finished);
  g_assert_cmpstr (event->method, ==, "initialize");
  g_assert_cmpstr (event->id, ==, "1");
  g_assert_nonnull (event->session);
  session = event->session;
  g_assert_cmpstr (north_mcp_session_get_id (session), ==, http.session_id);

  note = http_post (&http, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
  g_assert_null (note);
  g_assert_cmpuint (events->len, ==, 2);

  said = http_post (&http, CALL ("2", "say", "{\"text\":\"hi\"}"));
  fail = http_post (&http, CALL ("3", "say", "{\"fail\":true}"));
  missing = http_post (&http, CALL ("4", "nope", "{}"));
  unknown = http_post (&http, "{\"jsonrpc\":\"2.0\",\"id\":\"five\",\"method\":\"bogus/method\"}");

  g_assert_cmpuint (events->len, ==, 10);
  g_assert_cmpuint (count_finished (events), ==, 5);
  assert_paired (events);
  /* One request at a time: started, finished, started, … */
  for (guint i = 0; i < events->len; i++)
    {
      event = g_ptr_array_index (events, i);
      g_assert_cmpint (event->finished, ==, i % 2);
      g_assert_true (event->session == session);
    }

  event = finished_of (events, "1");
  g_assert_false (event->has_error);
  g_assert_cmpint (response_code (init), ==, 0);

  event = finished_of (events, "2");
  g_assert_cmpstr (event->method, ==, "tools/call");
  g_assert_false (event->has_error);
  g_assert_cmpint (response_code (said), ==, 0);

  /* A failing tool is a result with isError, not an error. */
  event = finished_of (events, "3");
  g_assert_false (event->has_error);
  g_assert_cmpint (response_code (fail), ==, 0);

  event = finished_of (events, "4");
  g_assert_true (event->has_error);
  g_assert_true (event->domain == NORTH_MCP_JSONRPC_ERROR);
  g_assert_cmpint (event->code, ==, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS);
  g_assert_cmpint (response_code (missing), ==, event->code);

  /* Refused before any handler: announced all the same. */
  event = finished_of (events, "\"five\"");
  g_assert_cmpstr (event->method, ==, "bogus/method");
  g_assert_true (event->has_error);
  g_assert_cmpint (event->code, ==, NORTH_MCP_JSONRPC_ERROR_METHOD_NOT_FOUND);
  g_assert_cmpint (response_code (unknown), ==, event->code);

  http_tear_down (&http);
}

/* Sessionless HTTP: the requests carry no session. */
static void
test_http_stateless (void)
{
  Http http = { 0 };
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(JsonNode) said = NULL;
  Event *event;

  http_set_up (&http, TRUE);
  events = watch (http.server);

  said = http_post (&http, CALL ("7", "say", "{\"text\":\"x\"}"));
  g_assert_cmpint (response_code (said), ==, 0);
  g_assert_cmpuint (events->len, ==, 2);
  assert_paired (events);
  event = g_ptr_array_index (events, 0);
  g_assert_cmpstr (event->method, ==, "tools/call");
  g_assert_null (event->session);
  g_assert_false (finished_of (events, "7")->has_error);

  http_tear_down (&http);
}

/* ------------------------------------------------------------------ */
/* stdio                                                               */

static void
pipes_set_up (TestPipes *pipes)
{
  g_autoptr(NorthMcpServer) server = new_server ();

  test_pipes_open (pipes, server);
}

static JsonNode *
pipes_read (TestPipes *pipes)
{
  g_autofree char *line = NULL;

  test_pipes_wait (pipes);
  line = g_data_input_stream_read_line (pipes->from_server, NULL, NULL, NULL);
  g_assert_nonnull (line);
  return json_from_string (line, NULL);
}

static void
iterate_until_finished (GPtrArray *events,
                        guint      n)
{
  while (count_finished (events) < n)
    g_main_context_iteration (NULL, TRUE);
}

static void
test_stdio (void)
{
  TestPipes pipes = { 0 };
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(JsonNode) init = NULL, said = NULL, unknown = NULL;
  Event *event;

  pipes_set_up (&pipes);
  events = watch (pipes.server);

  test_pipes_write_line (&pipes, INITIALIZE ("1"));
  init = pipes_read (&pipes);
  g_assert_cmpint (response_code (init), ==, 0);
  test_pipes_write_line (&pipes, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
  test_pipes_write_line (&pipes, CALL ("2", "say", "{\"text\":\"y\"}"));
  said = pipes_read (&pipes);
  g_assert_cmpint (response_code (said), ==, 0);
  test_pipes_write_line (&pipes, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"nothing/here\"}");
  unknown = pipes_read (&pipes);
  g_assert_cmpint (response_code (unknown), ==, NORTH_MCP_JSONRPC_ERROR_METHOD_NOT_FOUND);

  /* Cancelled by the client: it finishes without an answer. */
  test_pipes_write_line (&pipes, CALL ("4", "hold", "{}"));
  while (events->len < 7)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (count_finished (events), ==, 3);
  test_pipes_write_line (&pipes, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":4}}");
  iterate_until_finished (events, 4);

  g_assert_cmpuint (events->len, ==, 8);
  assert_paired (events);
  for (guint i = 0; i < events->len; i++)
    {
      event = g_ptr_array_index (events, i);
      g_assert_true (event->session == pipes.session);
      g_assert_cmpint (event->finished, ==, i % 2);
    }
  g_assert_cmpstr (((Event *) g_ptr_array_index (events, 0))->method, ==, "initialize");
  g_assert_cmpstr (((Event *) g_ptr_array_index (events, 2))->method, ==, "tools/call");
  g_assert_cmpstr (((Event *) g_ptr_array_index (events, 4))->method, ==, "nothing/here");
  g_assert_false (finished_of (events, "1")->has_error);
  g_assert_false (finished_of (events, "2")->has_error);
  event = finished_of (events, "3");
  g_assert_true (event->domain == NORTH_MCP_JSONRPC_ERROR);
  g_assert_cmpint (event->code, ==, NORTH_MCP_JSONRPC_ERROR_METHOD_NOT_FOUND);
  event = finished_of (events, "4");
  g_assert_true (event->has_error);
  g_assert_true (event->domain == G_IO_ERROR);
  g_assert_cmpint (event->code, ==, G_IO_ERROR_CANCELLED);

  test_pipes_close (&pipes);
}

/* A handler of request-finished alone is enough to have requests
 * announced; one connected while a request runs sees only the requests
 * announced after it came. */
static void
test_stdio_finished_only (void)
{
  TestPipes pipes = { 0 };
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) event_free);
  g_autoptr(JsonNode) init = NULL, said = NULL;
  gulong started_id;

  pipes_set_up (&pipes);
  test_pipes_write_line (&pipes, INITIALIZE ("1"));
  init = pipes_read (&pipes);
  g_assert_cmpint (response_code (init), ==, 0);

  g_signal_connect (pipes.server, "request-finished", G_CALLBACK (finished_cb), events);
  test_pipes_write_line (&pipes, CALL ("2", "say", "{\"text\":\"z\"}"));
  said = pipes_read (&pipes);
  g_assert_cmpint (response_code (said), ==, 0);
  iterate_until_finished (events, 1);
  g_assert_cmpuint (events->len, ==, 1);
  g_assert_cmpstr (((Event *) g_ptr_array_index (events, 0))->id, ==, "2");

  /* Watched from its start, then no longer: no finished event without a
   * start, no start without its finished event. */
  started_id = g_signal_connect (pipes.server, "request-started", G_CALLBACK (started_cb), events);
  test_pipes_write_line (&pipes, CALL ("3", "hold", "{}"));
  while (events->len < 2)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handler_disconnect (pipes.server, started_id);
  test_pipes_write_line (&pipes, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":3}}");
  iterate_until_finished (events, 2);
  g_assert_cmpuint (events->len, ==, 3);
  g_assert_cmpstr (((Event *) g_ptr_array_index (events, 2))->id, ==, "3");

  test_pipes_close (&pipes);
}

static gboolean
set_flag (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* A client reuses the id of a request that still runs: the second
 * request's end must not take the first out of reach of
 * notifications/cancelled. */
static void
test_stdio_reused_id (void)
{
  TestPipes pipes = { 0 };
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(JsonNode) init = NULL, said = NULL;
  gboolean timed_out = FALSE;
  guint timeout;

  pipes_set_up (&pipes);
  events = watch (pipes.server);
  test_pipes_write_line (&pipes, INITIALIZE ("1"));
  init = pipes_read (&pipes);
  g_assert_cmpint (response_code (init), ==, 0);

  test_pipes_write_line (&pipes, CALL ("7", "hold", "{}"));
  test_pipes_write_line (&pipes, CALL ("7", "say", "{\"text\":\"again\"}"));
  said = pipes_read (&pipes);
  g_assert_cmpint (response_code (said), ==, 0);
  iterate_until_finished (events, 2);

  test_pipes_write_line (&pipes, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":7}}");
  timeout = g_timeout_add_seconds (10, set_flag, &timed_out);
  while (count_finished (events) < 3 && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (timed_out);
  g_source_remove (timeout);
  assert_paired (events);

  test_pipes_close (&pipes);
}

static void
ignore_cb (void)
{
}

static gpointer
connect_finished_thread (gpointer data)
{
  return GSIZE_TO_POINTER (g_signal_connect (data, "request-finished", G_CALLBACK (ignore_cb), NULL));
}

/* Whether requests are announced follows the handlers as they come and
 * go (from any thread), whatever other handlers the server has. */
static void
test_watches (void)
{
  g_autoptr(NorthMcpServer) server = new_server ();
  g_autoptr(GThread) thread = NULL;
  gulong notify_id, detailed_id, opened_id, finished_id, started_id;

  g_assert_false (north_mcp_server_watches_requests (server));

  /* Handlers of other signals, with and without a detail. */
  detailed_id = g_signal_connect (server, "notify::name", G_CALLBACK (ignore_cb), NULL);
  g_assert_false (north_mcp_server_watches_requests (server));
  notify_id = g_signal_connect (server, "notify", G_CALLBACK (ignore_cb), NULL);
  opened_id = g_signal_connect (server, "session-opened", G_CALLBACK (ignore_cb), NULL);
  g_assert_false (north_mcp_server_watches_requests (server));

  finished_id = g_signal_connect (server, "request-finished", G_CALLBACK (ignore_cb), NULL);
  g_assert_true (north_mcp_server_watches_requests (server));
  /* A blocked handler counts: it may be unblocked before the end. */
  g_signal_handler_block (server, finished_id);
  g_assert_true (north_mcp_server_watches_requests (server));
  g_signal_handler_unblock (server, finished_id);
  g_signal_handler_disconnect (server, finished_id);
  g_assert_false (north_mcp_server_watches_requests (server));

  started_id = g_signal_connect (server, "request-started", G_CALLBACK (ignore_cb), NULL);
  g_assert_true (north_mcp_server_watches_requests (server));
  g_signal_handler_disconnect (server, started_id);
  g_assert_false (north_mcp_server_watches_requests (server));

  /* The request signals alone, the others gone. */
  g_signal_handler_disconnect (server, notify_id);
  g_signal_handler_disconnect (server, detailed_id);
  g_signal_handler_disconnect (server, opened_id);
  g_assert_false (north_mcp_server_watches_requests (server));
  thread = g_thread_new ("connect", connect_finished_thread, server);
  finished_id = GPOINTER_TO_SIZE (g_thread_join (g_steal_pointer (&thread)));
  g_assert_cmpuint (finished_id, !=, 0);
  g_assert_true (north_mcp_server_watches_requests (server));
  g_signal_handler_disconnect (server, finished_id);
  g_assert_false (north_mcp_server_watches_requests (server));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/request-signals/http/stateful", test_http_stateful);
  g_test_add_func ("/request-signals/http/stateless", test_http_stateless);
  g_test_add_func ("/request-signals/stdio", test_stdio);
  g_test_add_func ("/request-signals/stdio/finished-only", test_stdio_finished_only);
  g_test_add_func ("/request-signals/stdio/reused-id", test_stdio_reused_id);
  g_test_add_func ("/request-signals/watches", test_watches);

  return g_test_run ();
}
