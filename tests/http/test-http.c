/* test-http.c: the HTTP transport, driven in-process by a SoupSession
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include <north-mcp.h>
#include "north-mcp-http-transport-private.h"
#include "north-mcp-server-private.h"
#include "north-mcp-session-private.h"
#include "north-mcp-session-manager-private.h"
#include "north-mcp-auth-private.h"
#include "north-mcp-event-store-private.h"
#include "north-mcp-jsonrpc-private.h"
#include "north-mcp-json-reader-private.h"
#include "test-http-client.h"

#define ACCEPT_BOTH "application/json, text/event-stream"

typedef struct {
  NorthMcpServer        *server;
  NorthMcpHttpTransport *transport;
  SoupSession           *session;
  char                  *base;
  char                  *session_id;
} Fixture;

typedef struct {
  guint               status;
  SoupMessageHeaders *headers;
  GBytes             *body;
} Reply;

static void
reply_free (Reply *reply)
{
  g_clear_pointer (&reply->headers, soup_message_headers_unref);
  g_clear_pointer (&reply->body, g_bytes_unref);
  g_free (reply);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Reply, reply_free)

static const char *
reply_text (Reply *reply)
{
  /* soup_session_send_and_read() NUL-terminates its bytes. */
  return g_bytes_get_data (reply->body, NULL);
}

static const char *
reply_header (Reply      *reply,
              const char *name)
{
  return soup_message_headers_get_one (reply->headers, name);
}

/* ------------------------------------------------------------------ */
/* Test tools                                                          */

static NorthMcpToolResult *
add_func (NorthMcpTool    *tool,
          NorthMcpContext *context,
          JsonObject      *arguments,
          gpointer         user_data,
          GError         **error)
{
  g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT,
                                           json_object_get_int_member (arguments, "a") +
                                           json_object_get_int_member (arguments, "b"));

  return north_mcp_tool_result_new_text (text);
}

static gboolean
slow_done (gpointer user_data)
{
  NorthMcpContext *context = user_data;
  g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new_text ("slow done");

  north_mcp_context_return_tool_result (context, result);
  return G_SOURCE_REMOVE;
}

static void
slow_func (NorthMcpTool    *tool,
           NorthMcpContext *context,
           JsonObject      *arguments,
           gpointer         user_data)
{
  g_timeout_add_full (G_PRIORITY_DEFAULT, 200, slow_done, g_object_ref (context), g_object_unref);
}

static NorthMcpToolResult *
progress_func (NorthMcpTool    *tool,
               NorthMcpContext *context,
               JsonObject      *arguments,
               gpointer         user_data,
               GError         **error)
{
  north_mcp_context_report_progress (context, 1, 2, "half way");
  north_mcp_context_log_message (context, NORTH_MCP_LOG_LEVEL_WARNING, "test", "a log line");
  north_mcp_context_report_progress (context, 2, 2, "done");
  return north_mcp_tool_result_new_text ("progressed");
}

static void
ask_done (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  NorthMcpContext *context = NORTH_MCP_CONTEXT (source);
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(NorthMcpToolResult) tool_result = NULL;

  answer = north_mcp_context_send_request_finish (context, result, &error);
  tool_result = north_mcp_tool_result_new_text (answer != NULL ? "pong" : error->message);
  north_mcp_context_return_tool_result (context, tool_result);
}

/* Asks the client something (ping) before answering. */
static void
ask_func (NorthMcpTool    *tool,
          NorthMcpContext *context,
          JsonObject      *arguments,
          gpointer         user_data)
{
  north_mcp_context_send_request_async (context, "ping", NULL, NULL, ask_done, NULL);
}

static NorthMcpToolResult *
whoami_func (NorthMcpTool    *tool,
             NorthMcpContext *context,
             JsonObject      *arguments,
             gpointer         user_data,
             GError         **error)
{
  NorthMcpUser *user = north_mcp_context_get_user (context);

  return north_mcp_tool_result_new_text (user != NULL && north_mcp_user_get_email (user) != NULL
                                         ? north_mcp_user_get_email (user) : "anonymous");
}

static void
add_tools (NorthMcpServer *server)
{
  g_autoptr(NorthMcpTool) add = north_mcp_tool_new ("add", "Adds two integers");
  g_autoptr(NorthMcpTool) slow = north_mcp_tool_new ("slow", "Answers after a while");
  g_autoptr(NorthMcpTool) progress = north_mcp_tool_new ("progress", "Reports progress");
  g_autoptr(NorthMcpTool) whoami = north_mcp_tool_new ("whoami", "The caller's e-mail");
  g_autoptr(NorthMcpTool) ask = north_mcp_tool_new ("ask", "Pings the client first");
  g_autoptr(GError) error = NULL;

  g_assert_true (north_mcp_tool_set_input_schema_json (add,
      "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"},"
      "\"b\":{\"type\":\"integer\"}},\"required\":[\"a\",\"b\"]}", &error));
  g_assert_no_error (error);
  north_mcp_tool_set_func (add, add_func, NULL, NULL);
  north_mcp_tool_set_async_func (slow, slow_func, NULL, NULL);
  north_mcp_tool_set_func (progress, progress_func, NULL, NULL);
  north_mcp_tool_set_func (whoami, whoami_func, NULL, NULL);
  north_mcp_tool_set_async_func (ask, ask_func, NULL, NULL);

  north_mcp_server_add_tool (server, add);
  north_mcp_server_add_tool (server, slow);
  north_mcp_server_add_tool (server, progress);
  north_mcp_server_add_tool (server, whoami);
  north_mcp_server_add_tool (server, ask);
}

/* ------------------------------------------------------------------ */
/* Fixture                                                             */

static void
start_transport (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  f->transport = north_mcp_http_transport_new (NORTH_MCP_TRANSPORT_HOST (f->server));
  north_mcp_http_transport_set_keepalive_interval (f->transport, 100);
  g_assert_true (north_mcp_http_transport_listen (f->transport, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (north_mcp_http_transport_get_port (f->transport), >, 0);
  f->base = g_strdup_printf ("http://127.0.0.1:%u", north_mcp_http_transport_get_port (f->transport));
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  gboolean stateless = GPOINTER_TO_INT (data);

  f->server = north_mcp_server_new ("test-http", "1.0.0");
  north_mcp_server_set_stateless (f->server, stateless);
  add_tools (f->server);
  /* No proxy look-up: the server is local (and libproxy does not like
   * sanitizers). */
  f->session = soup_session_new_with_options ("max-conns-per-host", 32, "max-conns", 64,
                                              "proxy-resolver", NULL, NULL);
  start_transport (f);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  test_http_shutdown (&f->transport, &f->session);
  g_clear_object (&f->server);
  g_clear_pointer (&f->base, g_free);
  g_clear_pointer (&f->session_id, g_free);
}

static Reply *
send_message (Fixture     *f,
              SoupMessage *msg)
{
  Reply *reply = g_new0 (Reply, 1);

  reply->body = test_http_send_and_read (f->session, msg);
  reply->status = soup_message_get_status (msg);
  reply->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  return reply;
}

/* @headers: name, value pairs, NULL-terminated. */
static SoupMessage *
build_message (Fixture           *f,
               const char        *method,
               const char        *path,
               const char        *content_type,
               const char        *body,
               const char * const *headers)
{
  g_autofree char *uri = g_strconcat (f->base, path, NULL);
  SoupMessage *msg = soup_message_new (method, uri);

  g_assert_nonnull (msg);
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));

      soup_message_set_request_body_from_bytes (msg, content_type, bytes);
    }

  for (guint i = 0; headers != NULL && headers[i] != NULL; i += 2)
    if (headers[i + 1] != NULL)
      soup_message_headers_replace (soup_message_get_request_headers (msg), headers[i], headers[i + 1]);

  return msg;
}

static Reply *
request (Fixture            *f,
         const char         *method,
         const char         *path,
         const char         *content_type,
         const char         *body,
         const char * const *headers)
{
  g_autoptr(SoupMessage) msg = build_message (f, method, path, content_type, body, headers);

  return send_message (f, msg);
}

/* A POST to /mcp with the usual headers (and the fixture's session). */
static Reply *
mcp_post (Fixture    *f,
          const char *body)
{
  const char *headers[] = { "Accept", ACCEPT_BOTH,
                            f->session_id != NULL ? "Mcp-Session-Id" : NULL, f->session_id,
                            NULL };

  return request (f, "POST", "/mcp", "application/json", body, headers);
}

static JsonNode *
parse_json (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);
  return node;
}

/* Every `data:` payload of an SSE body of `event: message` events. */
static GPtrArray *
parse_sse (const char *text)
{
  GPtrArray *messages = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  g_auto(GStrv) events = g_strsplit (text, "\n\n", -1);

  for (guint i = 0; events[i] != NULL; i++)
    {
      g_auto(GStrv) lines = g_strsplit (events[i], "\n", -1);
      const char *data = NULL;
      const char *event = NULL;

      for (guint j = 0; lines[j] != NULL; j++)
        {
          if (g_str_has_prefix (lines[j], "data: "))
            data = lines[j] + 6;
          else if (g_str_has_prefix (lines[j], "event: "))
            event = lines[j] + 7;
        }

      if (data != NULL)
        {
          g_assert_cmpstr (event, ==, "message");
          g_ptr_array_add (messages, parse_json (data));
        }
    }

  return messages;
}

/* The JSON-RPC response in a reply, whatever its content type. */
static JsonNode *
reply_response (Reply *reply)
{
  const char *type = reply_header (reply, "Content-Type");

  g_assert_nonnull (type);
  if (g_str_has_prefix (type, "text/event-stream"))
    {
      g_autoptr(GPtrArray) messages = parse_sse (reply_text (reply));

      g_assert_cmpuint (messages->len, >, 0);
      /* The response comes last. */
      return json_node_ref (g_ptr_array_index (messages, messages->len - 1));
    }

  g_assert_true (g_str_has_prefix (type, "application/json"));
  return parse_json (reply_text (reply));
}

static JsonObject *
response_result (JsonNode *response)
{
  JsonObject *object = json_node_get_object (response);

  g_assert_cmpstr (json_object_get_string_member (object, "jsonrpc"), ==, "2.0");
  if (json_object_has_member (object, "error"))
    g_error ("unexpected error response: %s",
             json_object_get_string_member (json_object_get_object_member (object, "error"), "message"));
  return json_object_get_object_member (object, "result");
}

static void
assert_error_reply (Reply      *reply,
                    guint       status,
                    int         code,
                    gboolean    id_is_null)
{
  g_autoptr(JsonNode) node = NULL;
  JsonObject *object, *error;

  g_assert_cmpuint (reply->status, ==, status);
  g_assert_true (g_str_has_prefix (reply_header (reply, "Content-Type"), "application/json"));
  node = parse_json (reply_text (reply));
  object = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member (object, "jsonrpc"), ==, "2.0");
  error = json_object_get_object_member (object, "error");
  g_assert_nonnull (error);
  g_assert_cmpint (json_object_get_int_member (error, "code"), ==, code);
  g_assert_cmpstr (json_object_get_string_member (error, "message"), !=, "");
  if (id_is_null)
    g_assert_true (json_object_has_member (object, "id") && json_object_get_null_member (object, "id"));
}

#define INITIALIZE_BODY \
  "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{" \
  "\"protocolVersion\":\"2025-06-18\",\"capabilities\":{}," \
  "\"clientInfo\":{\"name\":\"test\",\"version\":\"0\"}}}"
#define INITIALIZED_BODY "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}"
#define LIST_BODY "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}"
#define ADD_BODY \
  "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\"," \
  "\"params\":{\"name\":\"add\",\"arguments\":{\"a\":2,\"b\":3}}}"

static void
initialize_session (Fixture *f)
{
  g_autoptr(Reply) reply = NULL;
  g_autoptr(Reply) initialized = NULL;
  g_autoptr(JsonNode) response = NULL;
  const char *id;

  g_clear_pointer (&f->session_id, g_free);
  reply = mcp_post (f, INITIALIZE_BODY);
  g_assert_cmpuint (reply->status, ==, 200);
  id = reply_header (reply, "Mcp-Session-Id");
  g_assert_nonnull (id);
  g_assert_cmpuint (strlen (id), >=, 16);
  for (const char *p = id; *p != '\0'; p++)
    g_assert_true (*p >= 0x21 && *p <= 0x7e);
  f->session_id = g_strdup (id);

  response = reply_response (reply);
  g_assert_cmpstr (json_object_get_string_member (response_result (response), "protocolVersion"),
                   ==, "2025-06-18");

  initialized = mcp_post (f, INITIALIZED_BODY);
  g_assert_cmpuint (initialized->status, ==, 202);
  g_assert_cmpuint (g_bytes_get_size (initialized->body), ==, 0);
}

/* tools/call add(2, 3) answers 5: the server still serves. */
static void
assert_add_works (Fixture *f)
{
  g_autoptr(Reply) reply = mcp_post (f, ADD_BODY);
  g_autoptr(JsonNode) response = NULL;
  JsonObject *result;
  JsonObject *content;

  g_assert_cmpuint (reply->status, ==, 200);
  response = reply_response (reply);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (response), "id"), ==, 3);
  result = response_result (response);
  g_assert_false (json_object_get_boolean_member_with_default (result, "isError", FALSE));
  content = json_array_get_object_element (json_object_get_array_member (result, "content"), 0);
  g_assert_cmpstr (json_object_get_string_member (content, "type"), ==, "text");
  g_assert_cmpstr (json_object_get_string_member (content, "text"), ==, "5");
}

static void
assert_still_serving (Fixture *f)
{
  if (!north_mcp_server_get_stateless (f->server) && f->session_id == NULL)
    initialize_session (f);
  assert_add_works (f);
}

/* ------------------------------------------------------------------ */
/* Streamable HTTP, stateful                                           */

static void
test_stateful_round_trip (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(Reply) list = NULL;
  g_autoptr(JsonNode) response = NULL;
  JsonArray *tools;
  gboolean found = FALSE;

  initialize_session (f);

  list = mcp_post (f, LIST_BODY);
  g_assert_cmpuint (list->status, ==, 200);
  /* The client accepts SSE: stateful requests are answered as a stream. */
  g_assert_true (g_str_has_prefix (reply_header (list, "Content-Type"), "text/event-stream"));
  /* Answered at once, so sent whole: a Content-Length body, not a
   * chunked stream kept open with a keep-alive timer. */
  g_assert_cmpint (soup_message_headers_get_encoding (list->headers), ==,
                   SOUP_ENCODING_CONTENT_LENGTH);
  g_assert_cmpstr (reply_header (list, "Access-Control-Expose-Headers"), ==, "Mcp-Session-Id");
  response = reply_response (list);
  tools = json_object_get_array_member (response_result (response), "tools");
  for (guint i = 0; i < json_array_get_length (tools); i++)
    found |= g_strcmp0 (json_object_get_string_member (json_array_get_object_element (tools, i), "name"),
                        "add") == 0;
  g_assert_true (found);

  assert_add_works (f);
}

static void
test_stateful_json_only_client (Fixture       *f,
                                gconstpointer  data)
{
  const char *headers[] = { "Accept", "application/json", "Mcp-Session-Id", NULL, NULL };
  g_autoptr(Reply) reply = NULL;
  g_autoptr(JsonNode) response = NULL;

  initialize_session (f);
  headers[3] = f->session_id;
  reply = request (f, "POST", "/mcp", "application/json", ADD_BODY, headers);
  g_assert_cmpuint (reply->status, ==, 200);
  g_assert_true (g_str_has_prefix (reply_header (reply, "Content-Type"), "application/json"));
  response = reply_response (reply);
  g_assert_nonnull (response_result (response));
}

static void
test_stateful_progress_stream (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(Reply) reply = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  guint n_progress = 0;
  JsonObject *last;

  initialize_session (f);
  reply = mcp_post (f, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{"
                       "\"name\":\"progress\",\"arguments\":{},\"_meta\":{\"progressToken\":\"tok\"}}}");
  g_assert_cmpuint (reply->status, ==, 200);
  g_assert_true (g_str_has_prefix (reply_header (reply, "Content-Type"), "text/event-stream"));
  g_assert_cmpstr (reply_header (reply, "X-Accel-Buffering"), ==, "no");
  /* The tool answered before its handler returned: the notifications were
   * buffered and go out with the response in one body. */
  g_assert_cmpint (soup_message_headers_get_encoding (reply->headers), ==,
                   SOUP_ENCODING_CONTENT_LENGTH);

  messages = parse_sse (reply_text (reply));
  g_assert_cmpuint (messages->len, >=, 3);
  for (guint i = 0; i + 1 < messages->len; i++)
    {
      JsonObject *object = json_node_get_object (g_ptr_array_index (messages, i));
      const char *method = json_object_get_string_member_with_default (object, "method", "");

      g_assert_false (json_object_has_member (object, "id"));
      if (strcmp (method, "notifications/progress") == 0)
        {
          JsonObject *params = json_object_get_object_member (object, "params");

          g_assert_cmpstr (json_object_get_string_member (params, "progressToken"), ==, "tok");
          n_progress++;
        }
    }
  g_assert_cmpuint (n_progress, ==, 2);

  last = json_node_get_object (g_ptr_array_index (messages, messages->len - 1));
  g_assert_cmpint (json_object_get_int_member (last, "id"), ==, 7);
  g_assert_true (json_object_has_member (last, "result"));
}

static void
test_session_required (Fixture       *f,
                       gconstpointer  data)
{
  const char *bogus[] = { "Accept", ACCEPT_BOTH, "Mcp-Session-Id", "no-such-session", NULL };
  g_autoptr(Reply) missing = NULL;
  g_autoptr(Reply) unknown = NULL;

  missing = mcp_post (f, LIST_BODY);
  assert_error_reply (missing, 400, -32000, TRUE);

  unknown = request (f, "POST", "/mcp", "application/json", LIST_BODY, bogus);
  assert_error_reply (unknown, 404, -32001, TRUE);

  assert_still_serving (f);
}

static void
test_delete_session (Fixture       *f,
                     gconstpointer  data)
{
  const char *headers[] = { "Mcp-Session-Id", NULL, NULL };
  g_autoptr(Reply) deleted = NULL;
  g_autoptr(Reply) again = NULL;
  g_autoptr(Reply) after = NULL;

  initialize_session (f);
  headers[1] = f->session_id;

  deleted = request (f, "DELETE", "/mcp", NULL, NULL, headers);
  g_assert_cmpuint (deleted->status, ==, 200);
  g_assert_null (north_mcp_server_lookup_session (f->server, f->session_id));

  again = request (f, "DELETE", "/mcp", NULL, NULL, headers);
  g_assert_cmpuint (again->status, ==, 404);

  after = mcp_post (f, LIST_BODY);
  assert_error_reply (after, 404, -32001, TRUE);

  g_clear_pointer (&f->session_id, g_free);
  assert_still_serving (f);
}

static void
test_initialize_twice (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(Reply) reply = NULL;

  initialize_session (f);
  reply = mcp_post (f, INITIALIZE_BODY);
  assert_error_reply (reply, 400, -32600, TRUE);
  assert_still_serving (f);
}

/* An open SSE response: headers arrived, body read line by line. */
typedef struct {
  SoupMessage      *msg;
  GDataInputStream *stream;
  GError           *error;
  gboolean          done;
} OpenStream;

static void
open_stream_done (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  OpenStream *open = user_data;
  g_autoptr(GInputStream) stream = NULL;

  stream = soup_session_send_finish (SOUP_SESSION (source), result, &open->error);
  if (stream != NULL)
    open->stream = g_data_input_stream_new (stream);
  open->done = TRUE;
}

static OpenStream *
open_stream_full (Fixture            *f,
                  const char         *method,
                  const char         *path,
                  const char         *body,
                  const char * const *headers)
{
  OpenStream *open = g_new0 (OpenStream, 1);

  open->msg = build_message (f, method, path, body != NULL ? "application/json" : NULL, body, headers);
  soup_session_send_async (f->session, open->msg, G_PRIORITY_DEFAULT, NULL, open_stream_done, open);
  while (!open->done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (open->error);
  return open;
}

static OpenStream *
open_stream (Fixture            *f,
             const char         *path,
             const char * const *headers)
{
  return open_stream_full (f, "GET", path, NULL, headers);
}

static void
open_stream_free (OpenStream *open)
{
  g_clear_object (&open->stream);
  g_clear_object (&open->msg);
  g_free (open);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpenStream, open_stream_free)

typedef struct {
  char     *line;
  GError   *error;
  gboolean  done;
} LineState;

static void
read_line_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  LineState *state = user_data;

  state->line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result,
                                                           NULL, &state->error);
  state->done = TRUE;
}

/* The next line of the stream; NULL at its end. */
static char *
read_line (OpenStream *open)
{
  LineState state = { 0 };

  g_data_input_stream_read_line_async (open->stream, G_PRIORITY_DEFAULT, NULL, read_line_done, &state);
  while (!state.done)
    g_main_context_iteration (NULL, TRUE);
  if (state.error != NULL)
    {
      g_clear_error (&state.error);
      return NULL;
    }
  return state.line;
}

/* The next event (skipping keep-alive comments): its type and data. */
static gboolean
read_event (OpenStream  *open,
            char       **event,
            char       **data)
{
  *event = NULL;
  *data = NULL;

  for (;;)
    {
      g_autofree char *line = read_line (open);

      if (line == NULL)
        return FALSE;
      if (line[0] == ':')
        continue;
      if (line[0] == '\0' && *data != NULL)
        return TRUE;
      if (g_str_has_prefix (line, "event: "))
        *event = g_strdup (line + 7);
      else if (g_str_has_prefix (line, "data: "))
        *data = g_strdup (line + 6);
    }
}

static void
test_get_stream (Fixture       *f,
                 gconstpointer  data)
{
  const char *headers[] = { "Accept", "text/event-stream", "Mcp-Session-Id", NULL, NULL };
  const char *json_only[] = { "Accept", "application/json", "Mcp-Session-Id", NULL, NULL };
  g_autoptr(OpenStream) stream = NULL;
  g_autoptr(Reply) second = NULL;
  g_autoptr(Reply) not_acceptable = NULL;
  g_autoptr(Reply) deleted = NULL;
  g_autoptr(JsonObject) params = json_object_new ();
  g_autofree char *event = NULL;
  g_autofree char *payload = NULL;
  g_autofree char *comment = NULL;
  g_autoptr(JsonNode) node = NULL;
  NorthMcpSession *session;

  initialize_session (f);
  headers[3] = json_only[3] = f->session_id;

  not_acceptable = request (f, "GET", "/mcp", NULL, NULL, json_only);
  assert_error_reply (not_acceptable, 406, -32000, TRUE);

  stream = open_stream (f, "/mcp", headers);
  g_assert_cmpuint (soup_message_get_status (stream->msg), ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (soup_message_get_response_headers (stream->msg), NULL),
                   ==, "text/event-stream");

  second = request (f, "GET", "/mcp", NULL, NULL, headers);
  assert_error_reply (second, 409, -32000, TRUE);

  /* Idle: a keep-alive comment comes (the fixture's interval is short). */
  comment = read_line (stream);
  g_assert_nonnull (comment);
  g_assert_true (comment[0] == ':');

  /* Server-initiated messages unrelated to a request use this stream. */
  session = north_mcp_server_lookup_session (f->server, f->session_id);
  g_assert_nonnull (session);
  json_object_set_string_member (params, "level", "info");
  json_object_set_string_member (params, "data", "hello");
  north_mcp_session_send_notification (session, "notifications/message", params);
  g_assert_true (read_event (stream, &event, &payload));
  g_assert_cmpstr (event, ==, "message");
  node = parse_json (payload);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "method"),
                   ==, "notifications/message");

  assert_still_serving (f);

  /* Ending the session ends its stream. */
  deleted = request (f, "DELETE", "/mcp", NULL, NULL, headers);
  g_assert_cmpuint (deleted->status, ==, 200);
  g_clear_pointer (&event, g_free);
  g_clear_pointer (&payload, g_free);
  g_assert_false (read_event (stream, &event, &payload));
}

/* A Last-Event-ID that is no event id of this server is refused with a
 * 400 that says so: it was taken for a plain listen GET, which answered
 * 409 while a GET stream was open (as if the client had opened a second
 * one) and opened a new stream when none was. Legacy GET /sse has no
 * resumption: it opens its session whatever the header says. */
static void
test_get_stream_bad_last_event_id (Fixture       *f,
                                   gconstpointer  data)
{
  const char *ids[] = { "junk", "-1", "1-", "1-x", "0-1", "99999999999-1", "1-99999999999999999999", "" };
  const char *headers[] = { "Accept", "text/event-stream", "Mcp-Session-Id", NULL, "Last-Event-ID", NULL, NULL };
  g_autoptr(OpenStream) stream = NULL;
  g_autoptr(OpenStream) legacy = NULL;
  g_autofree char *event = NULL;
  g_autofree char *endpoint = NULL;

  initialize_session (f);
  headers[3] = f->session_id;

  for (guint open = 0; open < 2; open++)
    {
      /* The second round with the session's GET stream open. */
      if (open == 1)
        {
          headers[4] = NULL;
          stream = open_stream (f, "/mcp", headers);
          g_assert_cmpuint (soup_message_get_status (stream->msg), ==, 200);
          headers[4] = "Last-Event-ID";
        }

      for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
        {
          /* Not request(): a stream opened by mistake would never end. */
          g_autoptr(OpenStream) refused = NULL;
          g_autofree char *body = NULL;
          g_autoptr(JsonNode) node = NULL;
          JsonObject *error;

          headers[5] = ids[i];
          refused = open_stream (f, "/mcp", headers);
          g_assert_cmpuint (soup_message_get_status (refused->msg), ==, 400);
          body = read_line (refused);
          node = parse_json (body);
          error = json_object_get_object_member (json_node_get_object (node), "error");
          g_assert_cmpint (json_object_get_int_member (error, "code"), ==, -32000);
          g_assert_nonnull (strstr (json_object_get_string_member (error, "message"), "Last-Event-ID"));
        }
    }

  assert_still_serving (f);

  legacy = open_stream (f, "/sse", (const char *[]) { "Accept", "text/event-stream", "Last-Event-ID", "junk", NULL });
  g_assert_cmpuint (soup_message_get_status (legacy->msg), ==, 200);
  g_assert_true (read_event (legacy, &event, &endpoint));
  g_assert_cmpstr (event, ==, "endpoint");
}

/* Calls the ask tool as request @id of the fixture's session, on a
 * stream of its own, and reads the ping it sends the client first. */
static OpenStream *
call_ask (Fixture   *f,
          guint      id,
          JsonNode **ping)
{
  const char *headers[] = { "Accept", ACCEPT_BOTH, "Mcp-Session-Id", f->session_id, NULL };
  g_autofree char *body =
    g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"id\":%u,\"method\":\"tools/call\","
                     "\"params\":{\"name\":\"ask\",\"arguments\":{}}}", id);
  g_autofree char *event = NULL;
  g_autofree char *payload = NULL;
  OpenStream *stream = open_stream_full (f, "POST", "/mcp", body, headers);
  JsonObject *object;

  g_assert_cmpuint (soup_message_get_status (stream->msg), ==, 200);
  g_assert_true (read_event (stream, &event, &payload));
  *ping = parse_json (payload);
  object = json_node_get_object (*ping);
  g_assert_cmpstr (json_object_get_string_member (object, "method"), ==, "ping");
  g_assert_true (json_object_has_member (object, "id"));
  return stream;
}

/* A server-to-client request travels on the POST's own stream; the
 * client answers with another POST. */
static void
test_server_request_on_post_stream (Fixture       *f,
                                    gconstpointer  data)
{
  g_autoptr(OpenStream) stream = NULL;
  g_autofree char *event = NULL;
  g_autofree char *payload = NULL;
  g_autofree char *answer = NULL;
  g_autoptr(JsonNode) ping = NULL;
  g_autoptr(JsonNode) response = NULL;
  g_autoptr(JsonNode) envelope = NULL;
  g_autoptr(Reply) accepted = NULL;
  JsonObject *object;

  initialize_session (f);
  stream = call_ask (f, 20, &ping);

  /* The client's answer: a response body, acknowledged with 202. */
  envelope = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (envelope, json_object_new ());
  object = json_node_get_object (envelope);
  json_object_set_string_member (object, "jsonrpc", "2.0");
  json_object_set_member (object, "id", json_node_copy (json_object_get_member (json_node_get_object (ping), "id")));
  json_object_set_object_member (object, "result", json_object_new ());
  answer = json_to_string (envelope, FALSE);
  accepted = mcp_post (f, answer);
  g_assert_cmpuint (accepted->status, ==, 202);

  g_clear_pointer (&event, g_free);
  g_clear_pointer (&payload, g_free);
  g_assert_true (read_event (stream, &event, &payload));
  response = parse_json (payload);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (response), "id"), ==, 20);
  g_assert_nonnull (strstr (payload, "pong"));

  /* The stream ends after the response. */
  g_clear_pointer (&event, g_free);
  g_clear_pointer (&payload, g_free);
  g_assert_false (read_event (stream, &event, &payload));
}

/* The client cancels a tool call while the tool waits for the client's
 * answer to its own request (made without a cancellable): that request
 * ends with the call, and the client is told on the call's stream, which
 * then ends without a response. */
static void
test_server_request_ends_with_call (Fixture       *f,
                                    gconstpointer  data)
{
  g_autoptr(OpenStream) stream = NULL;
  g_autofree char *event = NULL;
  g_autofree char *payload = NULL;
  g_autoptr(JsonNode) ping = NULL;
  g_autoptr(JsonNode) cancelled = NULL;
  g_autoptr(Reply) accepted = NULL;
  NorthMcpSession *session;
  JsonObject *params;

  initialize_session (f);
  stream = call_ask (f, 21, &ping);

  accepted = mcp_post (f, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\","
                          "\"params\":{\"requestId\":21}}");
  g_assert_cmpuint (accepted->status, ==, 202);
  /* The request ended there and then, not at its timeout (a minute). */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  session = north_mcp_server_lookup_session (f->server, f->session_id);
  g_assert_cmpuint (north_mcp_session_get_pending_count (session), ==, 0);

  g_assert_true (read_event (stream, &event, &payload));
  cancelled = parse_json (payload);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (cancelled), "method"),
                   ==, "notifications/cancelled");
  params = json_object_get_object_member (json_node_get_object (cancelled), "params");
  g_assert_cmpint (json_object_get_int_member (params, "requestId"), ==,
                   json_object_get_int_member (json_node_get_object (ping), "id"));

  g_clear_pointer (&event, g_free);
  g_clear_pointer (&payload, g_free);
  g_assert_false (read_event (stream, &event, &payload));
}

/* A resource that is read until its request is cancelled. */
typedef struct {
  NorthMcpContext *reader;
  gboolean         cancelled;
} WaitingRead;

static void
wait_cancelled_cb (GCancellable *cancellable,
                   gpointer      user_data)
{
  WaitingRead *read = user_data;

  read->cancelled = TRUE;
  north_mcp_context_return_error_literal (read->reader, G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
}

static void
wait_read_func (NorthMcpResource *resource,
                NorthMcpContext  *context,
                gpointer          user_data)
{
  WaitingRead *read = user_data;

  read->reader = g_object_ref (context);
  g_signal_connect (north_mcp_context_get_cancellable (context), "cancelled",
                    G_CALLBACK (wait_cancelled_cb), read);
}

static void
wait_read_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  NorthMcpContext *context = NORTH_MCP_CONTEXT (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) contents = north_mcp_context_read_resource_finish (context, result, &error);

  g_assert_null (contents);
  north_mcp_context_return_error (context, error);
}

/* Reads wait://forever. */
static void
read_wait_func (NorthMcpTool    *tool,
                NorthMcpContext *context,
                JsonObject      *arguments,
                gpointer         user_data)
{
  north_mcp_context_read_resource_async (context, "wait://forever", NULL, wait_read_done, NULL);
}

/* The client cancels a tool call while the tool reads a resource of the
 * server: the read's handler sees its own request cancelled. */
static void
test_read_resource_ends_with_call (Fixture       *f,
                                   gconstpointer  data)
{
  g_autoptr(NorthMcpTool) tool = north_mcp_tool_new ("read_wait", "Reads wait://forever");
  g_autoptr(NorthMcpResource) resource = north_mcp_resource_new ("wait://forever", "forever");
  const char *headers[] = { "Accept", ACCEPT_BOTH, "Mcp-Session-Id", NULL, NULL };
  g_autoptr(OpenStream) stream = NULL;
  g_autoptr(Reply) accepted = NULL;
  WaitingRead read = { NULL, FALSE };

  north_mcp_tool_set_async_func (tool, read_wait_func, NULL, NULL);
  north_mcp_server_add_tool (f->server, tool);
  north_mcp_resource_set_async_func (resource, wait_read_func, &read, NULL);
  north_mcp_server_add_resource (f->server, resource);

  initialize_session (f);
  headers[3] = f->session_id;
  stream = open_stream_full (f, "POST", "/mcp",
                             "{\"jsonrpc\":\"2.0\",\"id\":22,\"method\":\"tools/call\","
                             "\"params\":{\"name\":\"read_wait\",\"arguments\":{}}}", headers);
  g_assert_cmpuint (soup_message_get_status (stream->msg), ==, 200);
  g_assert_nonnull (read.reader);
  g_assert_false (read.cancelled);

  accepted = mcp_post (f, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\","
                          "\"params\":{\"requestId\":22}}");
  g_assert_cmpuint (accepted->status, ==, 202);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_true (read.cancelled);

  g_signal_handlers_disconnect_by_data (north_mcp_context_get_cancellable (read.reader), &read);
  g_clear_object (&read.reader);
}

static gboolean
set_flag (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* A client that closes its GET stream may open a new one at once: the
 * server notices the hang-up itself, not at its next write (there is
 * none here: no keep-alive comments), so the session is not left with a
 * dead stream that answers 409 to the new one and swallows notifications. */
static void
test_get_stream_hangup (Fixture       *f,
                        gconstpointer  data)
{
  const char *headers[] = { "Accept", "text/event-stream", "Mcp-Session-Id", NULL, NULL };
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OpenStream) again = NULL;
  g_autofree char *request_text = NULL;
  NorthMcpSession *session;
  NorthMcpChannel *channel;
  gboolean timed_out = FALSE;
  guint timeout;

  initialize_session (f);
  headers[3] = f->session_id;
  north_mcp_http_transport_set_keepalive_interval (f->transport, 0);
  session = north_mcp_server_lookup_session (f->server, f->session_id);
  g_assert_nonnull (session);

  connection = g_socket_client_connect_to_host (client, "127.0.0.1",
                                                north_mcp_http_transport_get_port (f->transport),
                                                NULL, &error);
  g_assert_no_error (error);
  request_text = g_strdup_printf ("GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                  "Accept: text/event-stream\r\nMcp-Session-Id: %s\r\n\r\n",
                                  f->session_id);
  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                                            request_text, strlen (request_text), NULL, NULL, &error));
  while (north_mcp_session_get_standalone_channel (session) == NULL)
    g_main_context_iteration (NULL, TRUE);
  channel = g_object_ref (north_mcp_session_get_standalone_channel (session));

  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  timeout = g_timeout_add_seconds (30, set_flag, &timed_out);
  while (!north_mcp_channel_is_closed (channel) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (timed_out);
  g_source_remove (timeout);
  g_object_unref (channel);
  g_assert_null (north_mcp_session_get_standalone_channel (session));

  again = open_stream (f, "/mcp", headers);
  g_assert_cmpuint (soup_message_get_status (again->msg), ==, 200);
}

static void
test_stop_ends_streams (Fixture       *f,
                        gconstpointer  data)
{
  const char *headers[] = { "Accept", "text/event-stream", "Mcp-Session-Id", NULL, NULL };
  g_autoptr(OpenStream) stream = NULL;
  g_autoptr(OpenStream) legacy = NULL;
  g_autofree char *event = NULL;
  g_autofree char *payload = NULL;

  initialize_session (f);
  headers[3] = f->session_id;
  north_mcp_http_transport_set_keepalive_interval (f->transport, 0);
  stream = open_stream (f, "/mcp", headers);
  g_assert_cmpuint (soup_message_get_status (stream->msg), ==, 200);
  legacy = open_stream (f, "/sse", NULL);
  g_assert_true (read_event (legacy, &event, &payload));
  g_assert_cmpstr (event, ==, "endpoint");

  north_mcp_http_transport_stop (f->transport);
  g_clear_pointer (&event, g_free);
  g_clear_pointer (&payload, g_free);
  g_assert_false (read_event (stream, &event, &payload));
  g_assert_false (read_event (legacy, &event, &payload));
}

static void
test_protocol_version_header (Fixture       *f,
                              gconstpointer  data)
{
  const char *bad[] = { "Accept", ACCEPT_BOTH, "Mcp-Session-Id", NULL,
                        "MCP-Protocol-Version", "1999-01-01", NULL };
  const char *good[] = { "Accept", ACCEPT_BOTH, "Mcp-Session-Id", NULL,
                         "MCP-Protocol-Version", "2025-06-18", NULL };
  g_autoptr(Reply) rejected = NULL;
  g_autoptr(Reply) accepted = NULL;
  g_autoptr(Reply) long_rejected = NULL;
  g_autofree char *long_version = NULL;

  initialize_session (f);
  bad[3] = good[3] = f->session_id;

  rejected = request (f, "POST", "/mcp", "application/json", LIST_BODY, bad);
  assert_error_reply (rejected, 400, -32000, TRUE);
  g_assert_nonnull (strstr (reply_text (rejected), "1999-01-01"));

  accepted = request (f, "POST", "/mcp", "application/json", LIST_BODY, good);
  g_assert_cmpuint (accepted->status, ==, 200);

  /* A long one is repeated only in part (its first 128 bytes), as every
   * client string in an error message: before, all 10,000 bytes of it. */
  long_version = g_strnfill (10000, '9');
  bad[5] = long_version;
  long_rejected = request (f, "POST", "/mcp", "application/json", LIST_BODY, bad);
  assert_error_reply (long_rejected, 400, -32000, TRUE);
  g_assert_cmpuint (g_bytes_get_size (long_rejected->body), <, 400);
  g_assert_nonnull (strstr (reply_text (long_rejected), "999…"));

  /* Absent: 2025-03-26 is assumed. */
  assert_still_serving (f);
}

/* ------------------------------------------------------------------ */
/* Streamable HTTP, stateless                                          */

static void
test_stateless_round_trip (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(Reply) list = NULL;
  g_autoptr(Reply) init = NULL;
  g_autoptr(Reply) get = NULL;
  g_autoptr(Reply) del = NULL;
  g_autoptr(JsonNode) response = NULL;
  g_autoptr(JsonNode) init_response = NULL;

  /* No initialize needed; no session issued; JSON even when SSE is
   * accepted. */
  assert_add_works (f);

  list = mcp_post (f, LIST_BODY);
  g_assert_cmpuint (list->status, ==, 200);
  g_assert_true (g_str_has_prefix (reply_header (list, "Content-Type"), "application/json"));
  g_assert_null (reply_header (list, "Mcp-Session-Id"));
  response = reply_response (list);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (response_result (response), "tools")),
                    ==, 5);

  init = mcp_post (f, INITIALIZE_BODY);
  g_assert_cmpuint (init->status, ==, 200);
  g_assert_null (reply_header (init, "Mcp-Session-Id"));
  init_response = reply_response (init);
  g_assert_nonnull (response_result (init_response));

  get = request (f, "GET", "/mcp", NULL, NULL, (const char *[]) { "Accept", "text/event-stream", NULL });
  g_assert_cmpuint (get->status, ==, 405);
  del = request (f, "DELETE", "/mcp", NULL, NULL, NULL);
  g_assert_cmpuint (del->status, ==, 405);
}

static void
test_stateless_trailing_slash (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(Reply) reply = request (f, "POST", "/mcp/", "application/json", ADD_BODY,
                                    (const char *[]) { "Accept", "application/json", NULL });
  g_autoptr(Reply) other = request (f, "POST", "/mcpx", "application/json", ADD_BODY, NULL);

  g_assert_cmpuint (reply->status, ==, 200);
  g_assert_cmpuint (other->status, ==, 404);
}

static void
test_notification_accepted (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(Reply) reply = mcp_post (f, INITIALIZED_BODY);
  g_autoptr(Reply) response = mcp_post (f, "{\"jsonrpc\":\"2.0\",\"id\":99,\"result\":{}}");

  g_assert_cmpuint (reply->status, ==, 202);
  g_assert_cmpuint (g_bytes_get_size (reply->body), ==, 0);
  g_assert_cmpuint (response->status, ==, 202);
  assert_still_serving (f);
}

static void
test_accept_checked (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(Reply) html = request (f, "POST", "/mcp", "application/json", ADD_BODY,
                                   (const char *[]) { "Accept", "text/html", NULL });
  /* Stateless answers are JSON: an SSE-only client cannot be served. */
  g_autoptr(Reply) sse_only = request (f, "POST", "/mcp", "application/json", ADD_BODY,
                                       (const char *[]) { "Accept", "text/event-stream", NULL });
  g_autoptr(Reply) with_params = request (f, "POST", "/mcp", "application/json", ADD_BODY,
                                          (const char *[]) { "Accept", "text/html;q=0.9, application/json;q=0.8", NULL });
  /* Media types are caseless (RFC 9110, 8.3.1). */
  g_autoptr(Reply) other_case = request (f, "POST", "/mcp", "application/json", ADD_BODY,
                                         (const char *[]) { "Accept", "Application/JSON", NULL });

  assert_error_reply (html, 406, -32000, TRUE);
  assert_error_reply (sse_only, 406, -32000, TRUE);
  g_assert_cmpuint (with_params->status, ==, 200);
  g_assert_cmpuint (other_case->status, ==, 200);
  assert_still_serving (f);
}

static void
test_content_type_checked (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(Reply) text = request (f, "POST", "/mcp", "text/plain", ADD_BODY,
                                   (const char *[]) { "Accept", ACCEPT_BOTH, NULL });
  g_autoptr(Reply) none = request (f, "POST", "/mcp", NULL, NULL,
                                   (const char *[]) { "Accept", ACCEPT_BOTH, NULL });
  g_autoptr(Reply) charset = request (f, "POST", "/mcp", "application/json; charset=utf-8", ADD_BODY,
                                      (const char *[]) { "Accept", ACCEPT_BOTH, NULL });
  g_autoptr(Reply) other_case = request (f, "POST", "/mcp", "Application/JSON", ADD_BODY,
                                         (const char *[]) { "Accept", ACCEPT_BOTH, NULL });

  assert_error_reply (text, 415, -32000, TRUE);
  assert_error_reply (none, 415, -32000, TRUE);
  g_assert_cmpuint (charset->status, ==, 200);
  g_assert_cmpuint (other_case->status, ==, 200);
  assert_still_serving (f);
}

static void
test_body_too_large (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *big = NULL;
  g_autoptr(Reply) reply = NULL;
  g_autoptr(Reply) chunked_reply = NULL;
  g_autoptr(SoupMessage) chunked = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autofree char *uri = g_strconcat (f->base, "/mcp", NULL);
  GString *body = g_string_new ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{"
                                "\"name\":\"add\",\"arguments\":{\"a\":1,\"b\":2,\"pad\":\"");

  north_mcp_server_set_max_body_size (f->server, 4096);
  for (guint i = 0; i < 8192; i++)
    g_string_append_c (body, 'x');
  g_string_append (body, "\"}}}");
  big = g_string_free (body, FALSE);

  reply = mcp_post (f, big);
  assert_error_reply (reply, 413, -32600, TRUE);

  /* Without Content-Length (chunked): counted as it arrives. */
  chunked = soup_message_new ("POST", uri);
  stream = g_memory_input_stream_new_from_data (g_strdup (big), strlen (big), g_free);
  soup_message_set_request_body (chunked, "application/json", stream, -1);
  soup_message_headers_replace (soup_message_get_request_headers (chunked), "Accept", ACCEPT_BOTH);
  chunked_reply = send_message (f, chunked);
  assert_error_reply (chunked_reply, 413, -32600, TRUE);

  assert_still_serving (f);
}

static void
test_malformed_json (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(Reply) truncated = mcp_post (f, "{\"jsonrpc\":\"2.0\",\"id\":1,");
  g_autoptr(Reply) garbage = mcp_post (f, "not json at all");
  g_autoptr(Reply) empty = mcp_post (f, "");

  assert_error_reply (truncated, 400, -32700, TRUE);
  assert_error_reply (garbage, 400, -32700, TRUE);
  assert_error_reply (empty, 400, -32700, TRUE);
  assert_still_serving (f);
}

static void
test_invalid_request (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(Reply) number = mcp_post (f, "42");
  g_autoptr(Reply) string = mcp_post (f, "\"tools/list\"");
  g_autoptr(Reply) empty_batch = mcp_post (f, "[]");
  g_autoptr(Reply) wrong_version = mcp_post (f, "{\"jsonrpc\":\"1.0\",\"id\":5,\"method\":\"ping\"}");
  g_autoptr(Reply) no_version = mcp_post (f, "{\"id\":6,\"method\":\"ping\"}");
  g_autoptr(JsonNode) node = NULL;

  assert_error_reply (number, 400, -32600, TRUE);
  assert_error_reply (string, 400, -32600, TRUE);
  assert_error_reply (empty_batch, 400, -32600, TRUE);
  assert_error_reply (wrong_version, 400, -32600, FALSE);
  assert_error_reply (no_version, 400, -32600, FALSE);

  /* The id was readable: it is echoed. */
  node = parse_json (reply_text (wrong_version));
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (node), "id"), ==, 5);

  assert_still_serving (f);
}

static void
test_unknown_method (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(Reply) reply = mcp_post (f, "{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"method\":\"no/such\"}");
  g_autoptr(JsonNode) response = NULL;
  JsonObject *object;

  g_assert_cmpuint (reply->status, ==, 200);
  response = reply_response (reply);
  object = json_node_get_object (response);
  g_assert_cmpstr (json_object_get_string_member (object, "id"), ==, "x");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (object, "error"), "code"),
                   ==, -32601);
  assert_still_serving (f);
}

static void
test_origin_checked (Fixture       *f,
                     gconstpointer  data)
{
  /* A stateful server wants a session: start one with each good probe. */
  const char *good_body = GPOINTER_TO_INT (data) ? ADD_BODY : INITIALIZE_BODY;
  g_autoptr(Reply) evil_origin = NULL;
  g_autoptr(Reply) evil_host = NULL;
  g_autoptr(Reply) null_origin = NULL;
  g_autoptr(Reply) localhost = NULL;
  g_autoptr(Reply) ipv6 = NULL;
  g_autoptr(Reply) legacy = NULL;

  evil_origin = request (f, "POST", "/mcp", "application/json", ADD_BODY,
                         (const char *[]) { "Accept", ACCEPT_BOTH,
                                            "Origin", "http://evil.example.com", NULL });
  assert_error_reply (evil_origin, 403, -32000, TRUE);

  evil_host = request (f, "POST", "/mcp", "application/json", ADD_BODY,
                       (const char *[]) { "Accept", ACCEPT_BOTH,
                                          "Host", "evil.example.com",
                                          "Origin", "http://evil.example.com", NULL });
  assert_error_reply (evil_host, 403, -32000, TRUE);

  null_origin = request (f, "POST", "/mcp", "application/json", ADD_BODY,
                         (const char *[]) { "Accept", ACCEPT_BOTH, "Origin", "null", NULL });
  assert_error_reply (null_origin, 403, -32000, TRUE);

  localhost = request (f, "POST", "/mcp", "application/json", good_body,
                       (const char *[]) { "Accept", ACCEPT_BOTH,
                                          "Host", "localhost:1234",
                                          "Origin", "http://localhost:5173", NULL });
  g_assert_cmpuint (localhost->status, ==, 200);

  ipv6 = request (f, "POST", "/mcp", "application/json", good_body,
                  (const char *[]) { "Accept", ACCEPT_BOTH,
                                     "Host", "[::1]:80",
                                     "Origin", "https://[::1]", NULL });
  g_assert_cmpuint (ipv6->status, ==, 200);

  /* Last: accepted by mistake, this would be an endless stream. */
  legacy = request (f, "GET", "/sse", NULL, NULL,
                    (const char *[]) { "Origin", "http://evil.example.com", NULL });
  assert_error_reply (legacy, 403, -32000, TRUE);

  assert_still_serving (f);
}

/* ------------------------------------------------------------------ */
/* Concurrency                                                         */

typedef struct {
  GBytes   *body;
  guint     order;
  gboolean  done;
} Pending;

static guint completion_counter;

static void
pending_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Pending *pending = user_data;
  g_autoptr(GError) error = NULL;

  pending->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  g_assert_no_error (error);
  pending->order = ++completion_counter;
  pending->done = TRUE;
}

static void
test_slow_tool_does_not_block (Fixture       *f,
                               gconstpointer  data)
{
  const char *headers[] = { "Accept", ACCEPT_BOTH, "Mcp-Session-Id", NULL, NULL };
  g_autoptr(SoupMessage) slow = NULL;
  g_autoptr(SoupMessage) fast = NULL;
  Pending slow_state = { 0 }, fast_state = { 0 };
  g_autoptr(JsonNode) slow_node = NULL;
  const char *text;

  if (!north_mcp_server_get_stateless (f->server))
    {
      initialize_session (f);
      headers[3] = f->session_id;
    }

  completion_counter = 0;
  slow = build_message (f, "POST", "/mcp", "application/json",
                        "{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"tools/call\","
                        "\"params\":{\"name\":\"slow\",\"arguments\":{}}}", headers);
  fast = build_message (f, "POST", "/mcp", "application/json", ADD_BODY, headers);

  soup_session_send_and_read_async (f->session, slow, G_PRIORITY_DEFAULT, NULL, pending_done, &slow_state);
  /* Let the slow request reach its tool first. */
  for (guint i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
  soup_session_send_and_read_async (f->session, fast, G_PRIORITY_DEFAULT, NULL, pending_done, &fast_state);

  while (!slow_state.done || !fast_state.done)
    g_main_context_iteration (NULL, TRUE);

  /* The fast call was answered while the slow one was still running. */
  g_assert_cmpuint (fast_state.order, ==, 1);
  g_assert_cmpuint (slow_state.order, ==, 2);
  g_assert_cmpuint (soup_message_get_status (slow), ==, 200);
  g_assert_cmpuint (soup_message_get_status (fast), ==, 200);
  if (!north_mcp_server_get_stateless (f->server))
    {
      /* Only the answer that was not ready is streamed; the fast one is
       * sent whole. */
      g_assert_cmpint (soup_message_headers_get_encoding (soup_message_get_response_headers (slow)), ==,
                       SOUP_ENCODING_CHUNKED);
      g_assert_cmpint (soup_message_headers_get_encoding (soup_message_get_response_headers (fast)), ==,
                       SOUP_ENCODING_CONTENT_LENGTH);
    }

  text = g_bytes_get_data (slow_state.body, NULL);
  g_assert_nonnull (strstr (text, "slow done"));
  if (g_str_has_prefix (soup_message_headers_get_content_type (soup_message_get_response_headers (slow), NULL),
                        "application/json"))
    {
      slow_node = parse_json (text);
      g_assert_cmpint (json_object_get_int_member (json_node_get_object (slow_node), "id"), ==, 10);
    }
  g_clear_pointer (&slow_state.body, g_bytes_unref);
  g_clear_pointer (&fast_state.body, g_bytes_unref);
}

/* ------------------------------------------------------------------ */
/* Log lines any client can cause                                      */

static void
forgetful_func (NorthMcpTool    *tool,
                NorthMcpContext *context,
                JsonObject      *arguments,
                gpointer         user_data)
{
  /* Returns without answering and without keeping the context. */
}

/* Returns {"n": @user_data}, a string. */
static NorthMcpToolResult *
string_n_func (NorthMcpTool    *tool,
               NorthMcpContext *context,
               JsonObject      *arguments,
               gpointer         user_data,
               GError         **error)
{
  g_autoptr(JsonObject) object = json_object_new ();

  json_object_set_string_member (object, "n", user_data);
  return north_mcp_tool_result_new_structured_object (object);
}

/* A handler with a bug is the application's to fix, but any client can
 * call it as often as it likes: its lines are written once a minute at
 * most, not once a call. */
static void
test_handler_bugs_do_not_flood_the_log (Fixture       *f,
                                        gconstpointer  data)
{
  if (g_test_subprocess ())
    {
      g_autoptr(NorthMcpTool) forgetful = north_mcp_tool_new ("forgetful", "Never answers");
      g_autoptr(NorthMcpTool) misshapen = north_mcp_tool_new ("misshapen", "Breaks its output schema");
      g_autoptr(GError) error = NULL;

      /* The lines are what is counted: warnings do not end the test. */
      g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
      north_mcp_tool_set_async_func (forgetful, forgetful_func, NULL, NULL);
      g_assert_true (north_mcp_tool_set_output_schema_json (misshapen,
          "{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\"}}}", &error));
      g_assert_no_error (error);
      north_mcp_tool_set_func (misshapen, string_n_func, "not a number", NULL);
      north_mcp_server_add_tool (f->server, forgetful);
      north_mcp_server_add_tool (f->server, misshapen);
      for (guint i = 0; i < 100; i++)
        {
          g_autoptr(Reply) dropped = mcp_post (f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\","
                                                  "\"params\":{\"name\":\"forgetful\",\"arguments\":{}}}");
          g_autoptr(Reply) refused = mcp_post (f, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\","
                                                  "\"params\":{\"name\":\"misshapen\",\"arguments\":{}}}");

          g_assert_cmpuint (dropped->status, ==, 200);
          g_assert_cmpuint (refused->status, ==, 200);
        }
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*dropped its request without answering*");
  g_test_trap_assert_stderr_unmatched ("*dropped its request without answering*"
                                       "dropped its request without answering*");
  g_test_trap_assert_stderr ("*does not match its output schema*");
  g_test_trap_assert_stderr_unmatched ("*does not match its output schema*does not match its output schema*");
}

/* ------------------------------------------------------------------ */
/* Health, custom routes, unknown paths                                */

static void
test_health (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(Reply) health = request (f, "GET", "/health", NULL, NULL, NULL);
  g_autoptr(Reply) disabled = NULL;
  g_autoptr(Reply) unknown = request (f, "GET", "/nope", NULL, NULL, NULL);

  g_assert_cmpuint (health->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (health->headers, NULL), ==, "text/plain");
  g_assert_cmpuint (g_bytes_get_size (health->body), ==, 2);
  g_assert_cmpstr (reply_text (health), ==, "OK");
  g_assert_cmpuint (unknown->status, ==, 404);

  north_mcp_server_set_health_check (f->server, FALSE);
  disabled = request (f, "GET", "/health", NULL, NULL, NULL);
  g_assert_cmpuint (disabled->status, ==, 404);
}

static guint route_calls;

static void
ready_route (NorthMcpServer    *server,
             SoupServerMessage *msg,
             const char        *path,
             NorthMcpUser      *user,
             gpointer           user_data)
{
  static const char body[] = "{\"status\":\"ready\"}";

  route_calls++;
  g_assert_cmpstr (user_data, ==, "ready-data");
  g_assert_null (user);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, body, strlen (body));
}

static void
test_custom_route (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(Reply) ready = NULL;
  g_autoptr(Reply) slash = NULL;
  g_autoptr(Reply) evil = NULL;

  route_calls = 0;
  north_mcp_server_add_route (f->server, "/ready", ready_route, (gpointer) "ready-data", NULL);

  ready = request (f, "GET", "/ready", NULL, NULL, NULL);
  g_assert_cmpuint (ready->status, ==, 200);
  g_assert_cmpstr (reply_text (ready), ==, "{\"status\":\"ready\"}");

  slash = request (f, "GET", "/ready/", NULL, NULL, NULL);
  g_assert_cmpuint (slash->status, ==, 200);

  /* Custom routes are the application's business: no Origin policy. */
  evil = request (f, "GET", "/ready", NULL, NULL, (const char *[]) { "Origin", "http://evil.example.com", NULL });
  g_assert_cmpuint (evil->status, ==, 200);
  g_assert_cmpuint (route_calls, ==, 3);
}

/* A route that takes its connection over (as a WebSocket would). */
static GIOStream *stolen_stream;

static void
steal_route (NorthMcpServer    *server,
             SoupServerMessage *msg,
             const char        *path,
             NorthMcpUser      *user,
             gpointer           user_data)
{
  stolen_stream = soup_server_message_steal_connection (msg);
  g_assert_nonnull (stolen_stream);
  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (stolen_stream),
                                            "raw", 3, NULL, NULL, NULL));
}

static void
test_route_steals_connection (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  static const char request_text[] = "GET /raw HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  GPollableInputStream *input;
  char buffer[16];
  gssize n = -1;

  north_mcp_server_add_route (f->server, "/raw", steal_route, NULL, NULL);
  connection = g_socket_client_connect_to_host (client, "127.0.0.1",
                                                north_mcp_http_transport_get_port (f->transport),
                                                NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                                            request_text, strlen (request_text), NULL, NULL, &error));
  while (stolen_stream == NULL)
    g_main_context_iteration (NULL, TRUE);

  /* The client reads what the route wrote and hangs up: the route, which
   * owns the connection now, sees the end (the server does not keep it
   * back, nor close the connection a second time). */
  g_assert_true (g_input_stream_read_all (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                                          buffer, 3, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (buffer, 3, "raw", 3);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);

  input = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (stolen_stream));
  while (n != 0)
    {
      g_clear_error (&error);
      n = g_pollable_input_stream_read_nonblocking (input, buffer, sizeof buffer, NULL, &error);
      if (n < 0)
        {
          g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
          g_main_context_iteration (NULL, TRUE);
        }
    }
  g_io_stream_close (stolen_stream, NULL, NULL);
  g_clear_object (&stolen_stream);
}

/* ------------------------------------------------------------------ */
/* Legacy HTTP+SSE                                                     */

/* A legacy GET /sse stream, read up to its "endpoint" event, whose data
 * (where to POST) goes in @endpoint. */
static OpenStream *
open_legacy_stream (Fixture  *f,
                    char    **endpoint)
{
  OpenStream *stream = open_stream (f, "/sse", (const char *[]) { "Accept", "text/event-stream", NULL });
  g_autofree char *event = NULL;

  g_assert_cmpuint (soup_message_get_status (stream->msg), ==, 200);
  g_assert_true (read_event (stream, &event, endpoint));
  g_assert_cmpstr (event, ==, "endpoint");
  return stream;
}

static void
test_legacy_sse (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(OpenStream) stream = NULL;
  g_autofree char *event = NULL;
  g_autofree char *endpoint = NULL;
  g_autofree char *payload = NULL;
  g_autoptr(Reply) init = NULL;
  g_autoptr(Reply) initialized = NULL;
  g_autoptr(Reply) call = NULL;
  g_autoptr(Reply) missing = NULL;
  g_autoptr(Reply) unknown = NULL;
  g_autoptr(Reply) malformed = NULL;
  g_autoptr(JsonNode) response = NULL;
  g_autoptr(JsonNode) call_response = NULL;
  const char *session_id;

  stream = open_legacy_stream (f, &endpoint);
  g_assert_true (g_str_has_prefix (endpoint, "/messages/?session_id="));
  session_id = endpoint + strlen ("/messages/?session_id=");
  g_assert_nonnull (north_mcp_server_lookup_session (f->server, session_id));

  init = request (f, "POST", endpoint, "application/json", INITIALIZE_BODY, NULL);
  g_assert_cmpuint (init->status, ==, 202);
  g_assert_cmpstr (reply_text (init), ==, "Accepted");

  g_clear_pointer (&event, g_free);
  g_assert_true (read_event (stream, &event, &payload));
  g_assert_cmpstr (event, ==, "message");
  response = parse_json (payload);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (response), "id"), ==, 1);
  g_assert_nonnull (response_result (response));

  initialized = request (f, "POST", endpoint, "application/json", INITIALIZED_BODY, NULL);
  g_assert_cmpuint (initialized->status, ==, 202);

  call = request (f, "POST", endpoint, "application/json", ADD_BODY, NULL);
  g_assert_cmpuint (call->status, ==, 202);
  g_clear_pointer (&event, g_free);
  g_clear_pointer (&payload, g_free);
  g_assert_true (read_event (stream, &event, &payload));
  call_response = parse_json (payload);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (call_response), "id"), ==, 3);
  g_assert_nonnull (strstr (payload, "\"5\""));

  missing = request (f, "POST", "/messages/", "application/json", ADD_BODY, NULL);
  g_assert_cmpuint (missing->status, ==, 400);
  unknown = request (f, "POST", "/messages/?session_id=nope", "application/json", ADD_BODY, NULL);
  g_assert_cmpuint (unknown->status, ==, 404);
  malformed = request (f, "POST", endpoint, "application/json", "{oops", NULL);
  assert_error_reply (malformed, 400, -32700, TRUE);

  /* Closing the stream ends the session. */
  g_clear_pointer (&stream, open_stream_free);
  for (guint i = 0; i < 200 && north_mcp_server_lookup_session (f->server, session_id) != NULL; i++)
    g_main_context_iteration (NULL, TRUE);
  g_assert_null (north_mcp_server_lookup_session (f->server, session_id));
}

/* max-unsent-bytes may be as large as G_MAXUINT64 (no practical
 * bound): a stream must then never count as unread. The bound was added
 * to the bytes written, which wrapped around and closed every stream at
 * its first event. */
static void
test_stream_with_largest_unsent_bound (Fixture       *f,
                                       gconstpointer  data)
{
  g_autoptr(OpenStream) stream = NULL;
  g_autofree char *event = NULL;
  g_autofree char *endpoint = NULL;
  g_autofree char *payload = NULL;
  g_autoptr(Reply) init = NULL;
  g_autoptr(JsonNode) response = NULL;

  north_mcp_server_set_max_unsent_bytes (f->server, G_MAXUINT64);
  stream = open_legacy_stream (f, &endpoint);

  /* The stream, the session, stays: its answers arrive on it. */
  init = request (f, "POST", endpoint, "application/json", INITIALIZE_BODY, NULL);
  g_assert_cmpuint (init->status, ==, 202);
  g_clear_pointer (&event, g_free);
  g_assert_true (read_event (stream, &event, &payload));
  response = parse_json (payload);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (response), "id"), ==, 1);
}

/* The legacy transport's session is its GET /sse stream: a stateless
 * server has none to give. Before, it opened one anyway (and a session
 * with it, in a process that may be one of several workers). */
static void
test_stateless_legacy_refused (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(OpenStream) stream = NULL;
  g_autofree char *body = NULL;
  g_autoptr(Reply) post = NULL;
  g_autoptr(Reply) bare = NULL;
  g_autoptr(GList) sessions = NULL;

  stream = open_stream (f, "/sse", (const char *[]) { "Accept", "text/event-stream", NULL });
  g_assert_cmpuint (soup_message_get_status (stream->msg), ==, 404);
  body = read_line (stream);
  g_assert_nonnull (strstr (body, "stateless"));

  post = request (f, "POST", "/messages/?session_id=x", "application/json", INITIALIZE_BODY, NULL);
  g_assert_cmpuint (post->status, ==, 404);
  g_assert_nonnull (strstr (reply_text (post), "legacy HTTP+SSE transport"));
  bare = request (f, "POST", "/messages/", "application/json", INITIALIZE_BODY, NULL);
  g_assert_cmpuint (bare->status, ==, 404);

  sessions = north_mcp_session_manager_get_sessions (north_mcp_server_get_session_manager (f->server));
  g_assert_null (sessions);
}

/* Nor does it start as one: before, --transport sse --stateless printed
 * a /sse URL that opened sessions. */
static void
test_stateless_legacy_start_refused (void)
{
  g_autoptr(NorthMcpServer) server = north_mcp_server_new ("test-http", "1.0.0");
  g_autoptr(GError) error = NULL;

  north_mcp_server_set_port (server, 0);
  north_mcp_server_set_stateless (server, TRUE);
  g_assert_false (north_mcp_server_start (server, NORTH_MCP_TRANSPORT_SSE, &error));
  g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_CONFIGURATION);
  g_assert_nonnull (strstr (error->message, "stateless"));
  g_assert_cmpuint (north_mcp_server_get_bound_port (server), ==, 0);

  north_mcp_server_set_stateless (server, FALSE);
  g_assert_true (north_mcp_server_start (server, NORTH_MCP_TRANSPORT_SSE, NULL));
  g_assert_cmpuint (north_mcp_server_get_bound_port (server), !=, 0);
  north_mcp_server_stop (server);
}

/* ------------------------------------------------------------------ */
/* Batches (2025-03-26)                                                */

static void
test_stateless_batch (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(Reply) reply = mcp_post (f, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"},"
                                        INITIALIZED_BODY ","
                                        "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}]");
  g_autoptr(JsonNode) node = NULL;
  JsonArray *array;

  g_assert_cmpuint (reply->status, ==, 200);
  g_assert_true (g_str_has_prefix (reply_header (reply, "Content-Type"), "application/json"));
  node = parse_json (reply_text (reply));
  g_assert_true (JSON_NODE_HOLDS_ARRAY (node));
  array = json_node_get_array (node);
  g_assert_cmpuint (json_array_get_length (array), ==, 2);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (array, 0), "id"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (array, 1), "id"), ==, 2);
  g_assert_true (json_object_has_member (json_array_get_object_element (array, 1), "result"));
  assert_still_serving (f);
}

/* ------------------------------------------------------------------ */
/* What a handler returns                                              */

/* Serves a tool @name running @func; returns it (the server's). */
static NorthMcpTool *
serve_tool (Fixture         *f,
            const char      *name,
            NorthMcpToolFunc func,
            gpointer         user_data)
{
  g_autoptr(NorthMcpTool) tool = north_mcp_tool_new (name, name);

  north_mcp_tool_set_func (tool, func, user_data, NULL);
  north_mcp_server_add_tool (f->server, tool);
  return tool;
}

/* Calls the tool @name without arguments. */
static Reply *
call_tool (Fixture    *f,
           const char *name)
{
  g_autofree char *body =
    g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\","
                     "\"params\":{\"name\":\"%s\",\"arguments\":{}}}", name);

  return mcp_post (f, body);
}

/* A tool that returns member names read from Latin-1 bytes (file names
 * an attacker chose, say): "caf\xe9" and "caf\xe8" are no UTF-8, and
 * both come out as "caf\uFFFD" next to a real "caf\uFFFD". */
static NorthMcpToolResult *
latin1_names_func (NorthMcpTool    *tool,
                   NorthMcpContext *context,
                   JsonObject      *arguments,
                   gpointer         user_data,
                   GError         **error)
{
  g_autoptr(JsonObject) object = json_object_new ();

  json_object_set_int_member (object, "caf\xe9", 1);
  json_object_set_int_member (object, "caf\xe8", 2);
  json_object_set_int_member (object, "caf\xef\xbf\xbd", 3);
  return north_mcp_tool_result_new_structured_object (object);
}

/* What a handler returns that is no UTF-8 comes out as U+FFFD (one per
 * byte), and the answer is what the server checked and reads back:
 *
 * - it reads as JSON with our own strict reader (as another replica or a
 *   client that refuses repeated names reads it): each name once, the
 *   member of the valid name kept, in structuredContent and in the text;
 * - the output schema is checked against what the client gets: a string
 *   of at least 3 characters is not met by 2 characters written from 3
 *   bytes ("é" and a Latin-1 byte). */
static void
test_handler_invalid_utf8 (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(Reply) reply = NULL;
  g_autoptr(Reply) short_reply = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) text_node = NULL;
  g_autoptr(JsonNode) short_node = NULL;
  g_autoptr(GError) error = NULL;
  const char *text;
  JsonObject *result, *structured;

  serve_tool (f, "latin1", latin1_names_func, NULL);
  reply = call_tool (f, "latin1");
  g_assert_cmpuint (reply->status, ==, 200);
  text = reply_text (reply);
  node = north_mcp_json_read (text, strlen (text), 64, &error);
  g_assert_no_error (error);

  result = response_result (node);
  structured = json_object_get_object_member (result, "structuredContent");
  g_assert_cmpuint (json_object_get_size (structured), ==, 1);
  g_assert_cmpint (json_object_get_int_member (structured, "caf\xef\xbf\xbd"), ==, 3);

  text = json_object_get_string_member (json_array_get_object_element (
                                          json_object_get_array_member (result, "content"), 0), "text");
  text_node = north_mcp_json_read (text, strlen (text), 64, &error);
  g_assert_no_error (error);

  g_assert_true (north_mcp_tool_set_output_schema_json (serve_tool (f, "short", string_n_func, "\xc3\xa9\xe9"),
      "{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"string\",\"minLength\":3}}}", &error));
  g_assert_no_error (error);
  short_reply = call_tool (f, "short");
  g_assert_cmpuint (short_reply->status, ==, 200);
  short_node = parse_json (reply_text (short_reply));
  result = response_result (short_node);
  g_assert_true (json_object_get_boolean_member_with_default (result, "isError", FALSE));
  g_assert_false (json_object_has_member (result, "structuredContent"));
  assert_still_serving (f);
}

/* A tool that returns a map of more members than the reader takes from a
 * client (NORTH_MCP_JSON_MAX_MEMBERS): a directory listing, say. */
static NorthMcpToolResult *
many_members_func (NorthMcpTool    *tool,
                   NorthMcpContext *context,
                   JsonObject      *arguments,
                   gpointer         user_data,
                   GError         **error)
{
  g_autoptr(JsonObject) object = json_object_new ();

  for (guint i = 0; i < 1500; i++)
    {
      g_autofree char *name = g_strdup_printf ("file-%u", i);

      json_object_set_int_member (object, name, i);
    }
  return north_mcp_tool_result_new_structured_object (object);
}

/* A tool whose result nests deeper than a result is read back. */
static NorthMcpToolResult *
deep_func (NorthMcpTool    *tool,
           NorthMcpContext *context,
           JsonObject      *arguments,
           gpointer         user_data,
           GError         **error)
{
  g_autoptr(JsonNode) node = json_node_init_null (json_node_alloc ());

  for (guint i = 0; i < 1100; i++)
    {
      JsonArray *array = json_array_new ();

      json_array_add_element (array, g_steal_pointer (&node));
      node = json_node_init_array (json_node_alloc (), array);
      json_array_unref (array);
    }
  return north_mcp_tool_result_new_structured (node);
}

/* The answers of a batch wait for its last request: a large or deep
 * result is not dropped for the bounds put on what clients send (the batch
 * would never be answered). */
static void
test_batch_large_result (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(Reply) reply = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonObject *response, *structured;

  serve_tool (f, "many", many_members_func, NULL);
  serve_tool (f, "deep", deep_func, NULL);

  reply = mcp_post (f, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\","
                       "\"params\":{\"name\":\"many\",\"arguments\":{}}},"
                       "{\"jsonrpc\":\"2.0\",\"id\":\"d\",\"method\":\"tools/call\","
                       "\"params\":{\"name\":\"deep\",\"arguments\":{}}},"
                       "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}]");
  g_assert_cmpuint (reply->status, ==, 200);
  node = north_mcp_json_read_own (reply_text (reply), strlen (reply_text (reply)), 2048, NULL);
  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (node));
  g_assert_cmpuint (json_array_get_length (json_node_get_array (node)), ==, 3);

  /* A batch keeps its answers as the text that was written: even a
   * result nested deeper than our reader reads back is answered as it is,
   * not left unanswered. */
  response = json_array_get_object_element (json_node_get_array (node), 1);
  g_assert_cmpstr (json_object_get_string_member (response, "id"), ==, "d");
  g_assert_false (json_object_has_member (response, "error"));
  g_assert_nonnull (json_object_get_object_member (response, "result"));
  response = json_array_get_object_element (json_node_get_array (node), 0);
  g_assert_cmpint (json_object_get_int_member (response, "id"), ==, 1);
  structured = json_object_get_object_member (json_object_get_object_member (response, "result"),
                                              "structuredContent");
  g_assert_cmpuint (json_object_get_size (structured), ==, 1500);
  assert_still_serving (f);
}

/* ------------------------------------------------------------------ */
/* A client that goes away                                             */

static void
test_client_goes_away (Fixture       *f,
                       gconstpointer  data)
{
  const char *headers[] = { "Accept", ACCEPT_BOTH, "Mcp-Session-Id", NULL, NULL };
  g_autoptr(SoupMessage) slow = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  gboolean waited = FALSE;
  TestHttpSend state = { 0 };

  if (!north_mcp_server_get_stateless (f->server))
    {
      initialize_session (f);
      headers[3] = f->session_id;
    }

  slow = build_message (f, "POST", "/mcp", "application/json",
                        "{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"tools/call\","
                        "\"params\":{\"name\":\"slow\",\"arguments\":{}}}", headers);
  test_http_send_start (f->session, slow, cancellable, &state);
  for (guint i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
  g_cancellable_cancel (cancellable);
  while (!state.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (state.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&state.error);

  /* The tool answers into a channel whose client left. */
  g_timeout_add (400, set_flag, &waited);
  while (!waited)
    g_main_context_iteration (NULL, TRUE);

  assert_still_serving (f);
}

/* A cancelled request is not answered: its POST ends without a response
 * instead of waiting for one. */
static void
test_cancelled_request (Fixture       *f,
                        gconstpointer  data)
{
  const char *json_headers[] = { "Accept", "application/json", "Mcp-Session-Id", NULL, NULL };
  const char *sse_headers[] = { "Accept", ACCEPT_BOTH, "Mcp-Session-Id", NULL, NULL };
  g_autoptr(SoupMessage) json = NULL;
  g_autoptr(SoupMessage) sse = NULL;
  g_autoptr(Reply) cancel_json = NULL;
  g_autoptr(Reply) cancel_sse = NULL;
  TestHttpSend json_state = { 0 }, sse_state = { 0 };

  initialize_session (f);
  json_headers[3] = sse_headers[3] = f->session_id;

  json = build_message (f, "POST", "/mcp", "application/json",
                        "{\"jsonrpc\":\"2.0\",\"id\":30,\"method\":\"tools/call\","
                        "\"params\":{\"name\":\"slow\",\"arguments\":{}}}", json_headers);
  sse = build_message (f, "POST", "/mcp", "application/json",
                       "{\"jsonrpc\":\"2.0\",\"id\":31,\"method\":\"tools/call\","
                       "\"params\":{\"name\":\"slow\",\"arguments\":{}}}", sse_headers);
  test_http_send_start (f->session, json, NULL, &json_state);
  test_http_send_start (f->session, sse, NULL, &sse_state);
  for (guint i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_false (json_state.done);

  cancel_json = mcp_post (f, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\","
                             "\"params\":{\"requestId\":30}}");
  g_assert_cmpuint (cancel_json->status, ==, 202);
  cancel_sse = mcp_post (f, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\","
                            "\"params\":{\"requestId\":31}}");
  g_assert_cmpuint (cancel_sse->status, ==, 202);

  while (!json_state.done || !sse_state.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (json_state.error);
  g_assert_no_error (sse_state.error);

  /* JSON: nothing to answer. SSE: the stream ends without the response. */
  g_assert_cmpuint (soup_message_get_status (json), ==, 202);
  g_assert_cmpuint (g_bytes_get_size (json_state.bytes), ==, 0);
  g_assert_cmpuint (soup_message_get_status (sse), ==, 200);
  g_assert_null (strstr (g_bytes_get_data (sse_state.bytes, NULL), "slow done"));
  g_clear_pointer (&json_state.bytes, g_bytes_unref);
  g_clear_pointer (&sse_state.bytes, g_bytes_unref);

  assert_still_serving (f);
}

/* ------------------------------------------------------------------ */
/* North authentication                                                */

static void
assert_auth_rejected (Reply      *reply,
                      const char *message)
{
  g_autoptr(JsonNode) node = NULL;

  g_assert_cmpuint (reply->status, ==, 401);
  g_assert_cmpstr (soup_message_headers_get_content_type (reply->headers, NULL), ==, "application/json");
  node = parse_json (reply_text (reply));
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "error"), ==, message);
}

static void
user_route (NorthMcpServer    *server,
            SoupServerMessage *msg,
            const char        *path,
            NorthMcpUser      *user,
            gpointer           user_data)
{
  const char *email = user != NULL ? north_mcp_user_get_email (user) : NULL;

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_COPY,
                                    email != NULL ? email : "nobody",
                                    strlen (email != NULL ? email : "nobody"));
}

#define WHOAMI_BODY \
  "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\"," \
  "\"params\":{\"name\":\"whoami\",\"arguments\":{}}}"

static void
test_auth_server_secret (Fixture       *f,
                         gconstpointer  data)
{
  NorthMcpAuth *auth = north_mcp_server_get_auth (f->server);
  const char *good[] = { "Accept", "application/json",
                         "X-North-Server-Secret", "s3cret",
                         "X-North-User-Email", "ada@example.com", NULL };
  g_autoptr(Reply) none = NULL;
  g_autoptr(Reply) wrong = NULL;
  g_autoptr(Reply) bad_bearer = NULL;
  g_autoptr(Reply) ok = NULL;
  g_autoptr(Reply) health = NULL;
  g_autoptr(Reply) sse = NULL;
  g_autoptr(Reply) messages = NULL;
  g_autoptr(Reply) route_anonymous = NULL;
  g_autoptr(Reply) route_user = NULL;
  g_autoptr(Reply) route_bad = NULL;
  g_autoptr(JsonNode) response = NULL;
  JsonObject *content;

  north_mcp_auth_set_server_secret (auth, "s3cret");
  north_mcp_server_add_route (f->server, "/me", user_route, NULL, NULL);

  none = mcp_post (f, ADD_BODY);
  assert_auth_rejected (none, "no authentication headers present");

  wrong = request (f, "POST", "/mcp", "application/json", ADD_BODY,
                   (const char *[]) { "Accept", "application/json", "X-North-Server-Secret", "wrong", NULL });
  assert_auth_rejected (wrong, "access denied");

  bad_bearer = request (f, "POST", "/mcp", "application/json", ADD_BODY,
                        (const char *[]) { "Accept", "application/json",
                                           "Authorization", "Bearer !!not base64!!", NULL });
  assert_auth_rejected (bad_bearer, "invalid authorization header");

  /* The user reaches the tool. */
  ok = request (f, "POST", "/mcp", "application/json", WHOAMI_BODY, good);
  g_assert_cmpuint (ok->status, ==, 200);
  response = reply_response (ok);
  content = json_array_get_object_element (json_object_get_array_member (response_result (response), "content"), 0);
  g_assert_cmpstr (json_object_get_string_member (content, "text"), ==, "ada@example.com");

  /* The legacy endpoints are checked too, before anything else. */
  sse = request (f, "GET", "/sse", NULL, NULL, NULL);
  assert_auth_rejected (sse, "no authentication headers present");
  messages = request (f, "POST", "/messages/?session_id=nope", "application/json", ADD_BODY, NULL);
  assert_auth_rejected (messages, "no authentication headers present");

  /* Health and custom routes are public; a route sees a user only when
   * the credentials authenticate. */
  health = request (f, "GET", "/health", NULL, NULL, NULL);
  g_assert_cmpuint (health->status, ==, 200);
  route_anonymous = request (f, "GET", "/me", NULL, NULL, NULL);
  g_assert_cmpuint (route_anonymous->status, ==, 200);
  g_assert_cmpstr (reply_text (route_anonymous), ==, "nobody");
  route_user = request (f, "GET", "/me", NULL, NULL, good);
  g_assert_cmpstr (reply_text (route_user), ==, "ada@example.com");
  route_bad = request (f, "GET", "/me", NULL, NULL,
                       (const char *[]) { "X-North-Server-Secret", "wrong",
                                          "X-North-User-Email", "eve@example.com", NULL });
  g_assert_cmpuint (route_bad->status, ==, 200);
  g_assert_cmpstr (reply_text (route_bad), ==, "nobody");
}

/* An ID token whose issuer cannot be reached: auth must go asynchronous
 * (fetch the issuer's keys) and fail; the message waits paused. */
static void
test_auth_async_rejection (Fixture       *f,
                           gconstpointer  data)
{
  NorthMcpAuth *auth = north_mcp_server_get_auth (f->server);
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *issuer = NULL;
  g_autofree char *header = test_http_base64url ("{\"alg\":\"RS256\",\"kid\":\"k1\",\"typ\":\"JWT\"}");
  g_autofree char *payload = NULL;
  g_autofree char *payload_json = NULL;
  g_autofree char *token = NULL;
  g_autoptr(Reply) rejected = NULL;
  g_autoptr(Reply) health = NULL;
  guint16 port;

  /* A port that refuses connections: bound, then closed. */
  port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);
  g_socket_listener_close (listener);

  issuer = g_strdup_printf ("http://127.0.0.1:%u", port);
  payload_json = g_strdup_printf ("{\"iss\":\"%s\",\"email\":\"ada@example.com\",\"exp\":4102444800}", issuer);
  payload = test_http_base64url (payload_json);
  token = g_strconcat (header, ".", payload, ".c2lnbmF0dXJl", NULL);

  north_mcp_auth_set_trusted_issuers (auth, (const char * const []) { issuer, NULL });
  north_mcp_auth_set_fetch_timeout (auth, 2000);

  rejected = request (f, "POST", "/mcp", "application/json", ADD_BODY,
                      (const char *[]) { "Accept", "application/json", "X-North-ID-Token", token, NULL });
  assert_auth_rejected (rejected, "Failed to verify token: unable to fetch issuer configuration");

  health = request (f, "GET", "/health", NULL, NULL, NULL);
  g_assert_cmpuint (health->status, ==, 200);
}

/* "localhost" binds the loopback addresses of both families on one port. */
static void
test_listen_localhost (void)
{
  g_autoptr(NorthMcpServer) server = north_mcp_server_new ("test-http", "1.0.0");
  g_autoptr(NorthMcpHttpTransport) transport = north_mcp_http_transport_new (NORTH_MCP_TRANSPORT_HOST (server));
  g_autoptr(NorthMcpHttpTransport) bad = north_mcp_http_transport_new (NORTH_MCP_TRANSPORT_HOST (server));
  g_autoptr(GError) error = NULL;
  Fixture f = { 0 };
  g_autoptr(Reply) health = NULL;

  g_assert_false (north_mcp_http_transport_listen (bad, "not an address", 0, &error));
  g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_assert_true (north_mcp_http_transport_listen (transport, "localhost", 0, &error));
  g_assert_no_error (error);
  f.session = soup_session_new_with_options ("proxy-resolver", NULL, NULL);
  f.base = g_strdup_printf ("http://127.0.0.1:%u", north_mcp_http_transport_get_port (transport));
  health = request (&f, "GET", "/health", NULL, NULL, NULL);
  g_assert_cmpuint (health->status, ==, 200);

  north_mcp_http_transport_stop (transport);
  g_clear_object (&f.session);
  g_free (f.base);
}

/* ------------------------------------------------------------------ */
/* Graceful shutdown (the HTTP side: tests/deploy/test_shutdown.py)     */

static void
shutdown_done_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GError **error = user_data;

  if (north_mcp_server_shutdown_finish (NORTH_MCP_SERVER (source), result, error))
    *error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_EXISTS, "(no error: shut down)");
}

/* Shuts @server down and returns what finish said: G_IO_ERROR_EXISTS
 * stands for TRUE. @then runs once the shutdown started. */
static GError *
shut_down (NorthMcpServer *server,
           GCancellable   *cancellable,
           void          (*then) (NorthMcpServer *server))
{
  GError *error = NULL;

  north_mcp_server_shutdown_async (server, cancellable, shutdown_done_cb, &error);
  if (then != NULL)
    then (server);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);
  return error;
}

static void
shut_down_twice (NorthMcpServer *server)
{
  g_autoptr(GError) second = NULL;

  north_mcp_server_shutdown_async (server, NULL, shutdown_done_cb, &second);
  while (second == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (second, G_IO_ERROR, G_IO_ERROR_PENDING);
}

/* Stops @server a while after its shutdown started, from outside the
 * main loop: its shutdown poll is due by then. */
static void
stop_later (NorthMcpServer *server)
{
  g_usleep (200 * 1000);
  north_mcp_server_stop (server);
}

static void
start_http (NorthMcpServer *server)
{
  g_autoptr(GError) error = NULL;

  north_mcp_server_set_port (server, 0);
  g_assert_true (north_mcp_server_start (server, NORTH_MCP_TRANSPORT_STREAMABLE_HTTP, &error));
  g_assert_no_error (error);
}

static void
test_shutdown (void)
{
  g_autoptr(NorthMcpServer) server = north_mcp_server_new ("test-http", "1.0.0");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (north_mcp_server_get_shutdown_timeout (server), ==, 10);

  /* Nothing runs: done at once; a second shutdown meanwhile is refused. */
  start_http (server);
  error = shut_down (server, NULL, shut_down_twice);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_clear_error (&error);
  /* Stopped: it starts again. */
  start_http (server);

  /* A request runs: the timeout ends the wait... */
  north_mcp_server_set_shutdown_timeout (server, 1);
  north_mcp_server_count_request (server, TRUE);
  error = shut_down (server, NULL, NULL);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&error);

  /* ...so does the cancellable, or stopping the server. */
  start_http (server);
  north_mcp_server_set_shutdown_timeout (server, 3600);
  g_cancellable_cancel (cancellable);
  error = shut_down (server, cancellable, NULL);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  start_http (server);
  error = shut_down (server, NULL, north_mcp_server_stop);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  /* Its poll, due when stop() comes, must not run on after it. */
  start_http (server);
  error = shut_down (server, NULL, stop_later);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  /* The request ends: so does the shutdown, without a timeout. */
  start_http (server);
  north_mcp_server_shutdown_async (server, NULL, shutdown_done_cb, &error);
  g_main_context_iteration (NULL, FALSE);
  g_assert_null (error);
  north_mcp_server_count_request (server, FALSE);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
}

/* A handler that shuts down while its connection is being accepted: its
 * request was in the socket before the server accepted it, so serve()
 * runs the route at once, inside the accept batch. The batch must stop
 * there instead of accepting on the closed socket (and backing off, with
 * a warning, to watch closed sockets again). */
static void
shut_down_route (NorthMcpServer    *server,
                 SoupServerMessage *msg,
                 const char        *path,
                 NorthMcpUser      *user,
                 gpointer           user_data)
{
  north_mcp_server_shutdown_async (server, NULL, shutdown_done_cb, user_data);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
}

/* The same with north_mcp_server_stop(): the listener, and the client
 * being accepted, went away under serve() and the accept batch. */
static void
stop_route (NorthMcpServer    *server,
            SoupServerMessage *msg,
            const char        *path,
            NorthMcpUser      *user,
            gpointer           user_data)
{
  GError **outcome = user_data;

  north_mcp_server_stop (server);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  *outcome = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_EXISTS, "(stopped)");
}

static void
test_shutdown_from_a_handler (gconstpointer stop)
{
  if (g_test_subprocess ())
    {
      g_autoptr(NorthMcpServer) server = north_mcp_server_new ("test-http", "1.0.0");
      g_autoptr(GSocket) socket = NULL;
      g_autoptr(GSocketAddress) address = NULL;
      g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
      g_autoptr(GError) error = NULL;
      static const char get[] = "GET /bye HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
      GError *outcome = NULL;

      north_mcp_server_add_route (server, "/bye", stop != NULL ? stop_route : shut_down_route, &outcome, NULL);
      north_mcp_server_set_host (server, "127.0.0.1");
      start_http (server);
      address = g_inet_socket_address_new (loopback, north_mcp_server_get_bound_port (server));
      socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
      g_assert_no_error (error);
      g_assert_true (g_socket_connect (socket, address, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpint (g_socket_send (socket, get, strlen (get), NULL, &error), ==, strlen (get));
      g_assert_no_error (error);

      while (outcome == NULL)
        g_main_context_iteration (NULL, TRUE);
      g_assert_error (outcome, G_IO_ERROR, G_IO_ERROR_EXISTS);
      g_clear_error (&outcome);
      while (g_main_context_iteration (NULL, FALSE))
        ;
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr_unmatched ("*Cannot accept connections*");
}

/* ------------------------------------------------------------------ */
/* Event stores of many sessions                                       */

/* The live end of a stream, for the stores' weak references. */
#define TEST_TYPE_QUIET_CHANNEL (test_quiet_channel_get_type ())
G_DECLARE_FINAL_TYPE (TestQuietChannel, test_quiet_channel, TEST, QUIET_CHANNEL, NorthMcpChannel)

struct _TestQuietChannel
{
  NorthMcpChannel parent_instance;
};

G_DEFINE_FINAL_TYPE (TestQuietChannel, test_quiet_channel, NORTH_MCP_TYPE_CHANNEL)

static void
test_quiet_channel_send (NorthMcpChannel *channel,
                         JsonNode        *message)
{
}

static void
test_quiet_channel_class_init (TestQuietChannelClass *klass)
{
  NORTH_MCP_CHANNEL_CLASS (klass)->send = test_quiet_channel_send;
}

static void
test_quiet_channel_init (TestQuietChannel *self)
{
}

/* Each session keeps at most 4 MB of events for replay; before, nothing
 * bounded them together: a client that opened sessions and filled each
 * (a ping whose id is 1 MB comes back in its response) made the server
 * keep 4 MB per session for as long as the sessions lived, 40 GB under
 * the default max-sessions. The oldest events of the process go first. */
static void
test_event_stores_bounded_together (void)
{
  const gsize size = 1024 * 1024;
  const guint per_session = 3;
  const guint n_sessions = NORTH_MCP_EVENT_STORE_TOTAL_MAX_BYTES / (per_session * size) + 4;
  g_autoptr(GPtrArray) sessions = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(TestQuietChannel) channel = g_object_new (TEST_TYPE_QUIET_CHANNEL, NULL);
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autofree char *data = g_malloc (size);
  guint *streams = g_newa (guint, n_sessions);

  memset (data, 'x', size);
  for (guint i = 0; i < n_sessions; i++)
    {
      g_autofree char *id = g_strdup_printf ("store-%u", i);
      NorthMcpSession *session = north_mcp_session_new (id, NULL);
      NorthMcpEventStore *store = north_mcp_event_store_get (session);

      g_ptr_array_add (sessions, session);
      streams[i] = north_mcp_event_store_open_stream (store, NORTH_MCP_CHANNEL (channel));
      for (guint j = 0; j < per_session; j++)
        g_free (north_mcp_event_store_add (store, streams[i], data, size));
    }

  /* The first sessions lost theirs (the client is told so on resuming),
   * the last one has all of its own. */
  g_assert_false (north_mcp_event_store_replay (north_mcp_event_store_get (sessions->pdata[0]),
                                                streams[0], 0, events));
  g_assert_cmpuint (events->len, ==, 0);
  g_assert_true (north_mcp_event_store_replay (north_mcp_event_store_get (sessions->pdata[n_sessions - 1]),
                                               streams[n_sessions - 1], 0, events));
  g_assert_cmpuint (events->len, ==, per_session);

  /* Sessions that end take their events along, and others keep adding. */
  g_ptr_array_remove_range (sessions, 0, n_sessions / 2);
  g_ptr_array_set_size (events, 0);
  for (guint i = 0; i < sessions->len; i++)
    g_free (north_mcp_event_store_add (north_mcp_event_store_get (sessions->pdata[i]),
                                       streams[n_sessions / 2 + i], data, size));
  g_assert_true (north_mcp_event_store_replay (north_mcp_event_store_get (sessions->pdata[sessions->len - 1]),
                                               streams[n_sessions - 1], 0, events));
  g_assert_cmpuint (events->len, ==, per_session + 1);
}

/* A session of months opens G_MAXUINT streams (one per POST): their
 * numbers wrap, but a new stream gets neither 0 (no event id has it) nor
 * the number of a stream whose events the store still has, which a
 * replay of the new one would resend. */
static void
test_event_store_stream_wrap (void)
{
  g_autoptr(NorthMcpSession) session = north_mcp_session_new ("wrap", NULL);
  NorthMcpEventStore *store = north_mcp_event_store_get (session);
  g_autoptr(TestQuietChannel) channel = g_object_new (TEST_TYPE_QUIET_CHANNEL, NULL);
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  guint old = north_mcp_event_store_open_stream (store, NORTH_MCP_CHANNEL (channel));

  g_free (north_mcp_event_store_add (store, old, "\"old\"", 5));
  north_mcp_event_store_set_next_stream (store, G_MAXUINT);
  for (guint i = 0; i < 3; i++)
    {
      guint stream = north_mcp_event_store_open_stream (store, NORTH_MCP_CHANNEL (channel));
      g_autofree char *id = north_mcp_event_store_add (store, stream, "\"new\"", 5);
      guint parsed;
      guint64 number;

      g_assert_true (north_mcp_event_store_parse_id (id, &parsed, &number));
      g_assert_cmpuint (parsed, ==, stream);
      g_assert_cmpuint (stream, !=, old);
      g_ptr_array_set_size (events, 0);
      g_assert_true (north_mcp_event_store_replay (store, stream, 0, events));
      g_assert_cmpuint (events->len, ==, 1);
    }
}

/* The store looks at a live channel through a toggle reference: each
 * look makes it strong and weak again. */
static void
count_look (gpointer  data,
            GObject  *object,
            gboolean  is_last_ref)
{
  if (is_last_ref)
    (*(guint *) data)++;
}

/* A session may keep many streams open at once (slow calls, unread
 * answers): each new one walked all of them once there were 64, a cost
 * per request that grew with what the client kept open. Now the walks
 * add up to a few looks per stream. */
static void
test_event_store_many_live_streams (void)
{
  const guint n = 2000;
  g_autoptr(NorthMcpSession) session = north_mcp_session_new ("many", NULL);
  NorthMcpEventStore *store = north_mcp_event_store_get (session);
  g_autoptr(GPtrArray) channels = g_ptr_array_new ();
  guint looks = 0;

  for (guint i = 0; i < n; i++)
    {
      GObject *channel = g_object_new (TEST_TYPE_QUIET_CHANNEL, NULL);

      g_object_add_toggle_ref (channel, count_look, &looks);
      g_object_unref (channel);
      g_ptr_array_add (channels, channel);
      north_mcp_event_store_open_stream (store, NORTH_MCP_CHANNEL (channel));
    }
  g_assert_cmpuint (looks, <=, 4 * n);

  g_clear_object (&session);
  for (guint i = 0; i < n; i++)
    g_object_remove_toggle_ref (channels->pdata[i], count_look, &looks);
}

int
main (int   argc,
      char *argv[])
{
  gconstpointer stateful = GINT_TO_POINTER (FALSE);
  gconstpointer stateless = GINT_TO_POINTER (TRUE);

  g_unsetenv ("DEBUG");
  /* Issuers are local: no proxy look-up (libproxy also breaks under
   * AddressSanitizer). */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_test_init (&argc, &argv, NULL);

#define ADD(path, data, func) \
  g_test_add (path, Fixture, data, fixture_setup, func, fixture_teardown)

  ADD ("/http/stateful/round-trip", stateful, test_stateful_round_trip);
  ADD ("/http/stateful/json-only-client", stateful, test_stateful_json_only_client);
  ADD ("/http/stateful/progress-stream", stateful, test_stateful_progress_stream);
  ADD ("/http/stateful/session-required", stateful, test_session_required);
  ADD ("/http/stateful/delete-session", stateful, test_delete_session);
  ADD ("/http/stateful/initialize-twice", stateful, test_initialize_twice);
  ADD ("/http/stateful/get-stream", stateful, test_get_stream);
  ADD ("/http/stateful/get-stream-hangup", stateful, test_get_stream_hangup);
  ADD ("/http/stateful/get-stream-bad-last-event-id", stateful, test_get_stream_bad_last_event_id);
  ADD ("/http/stateful/stop-ends-streams", stateful, test_stop_ends_streams);
  ADD ("/http/stateful/server-request-on-post-stream", stateful, test_server_request_on_post_stream);
  ADD ("/http/stateful/server-request-ends-with-call", stateful, test_server_request_ends_with_call);
  ADD ("/http/stateful/read-resource-ends-with-call", stateful, test_read_resource_ends_with_call);
  ADD ("/http/stateful/protocol-version-header", stateful, test_protocol_version_header);
  ADD ("/http/stateful/slow-tool-does-not-block", stateful, test_slow_tool_does_not_block);
  ADD ("/http/route-steals-connection", stateless, test_route_steals_connection);
  ADD ("/http/stateless/round-trip", stateless, test_stateless_round_trip);
  ADD ("/http/stateless/trailing-slash", stateless, test_stateless_trailing_slash);
  ADD ("/http/stateless/notification-accepted", stateless, test_notification_accepted);
  ADD ("/http/stateless/slow-tool-does-not-block", stateless, test_slow_tool_does_not_block);
  ADD ("/http/bad-input/accept", stateless, test_accept_checked);
  ADD ("/http/bad-input/content-type", stateless, test_content_type_checked);
  ADD ("/http/bad-input/body-too-large", stateless, test_body_too_large);
  ADD ("/http/bad-input/malformed-json", stateless, test_malformed_json);
  ADD ("/http/bad-input/invalid-request", stateless, test_invalid_request);
  ADD ("/http/bad-input/unknown-method", stateless, test_unknown_method);
  ADD ("/http/bad-input/origin", stateless, test_origin_checked);
  ADD ("/http/bad-input/origin-stateful", stateful, test_origin_checked);
  ADD ("/http/routes/health", stateless, test_health);
  ADD ("/http/routes/custom", stateless, test_custom_route);
  ADD ("/http/legacy/sse", stateful, test_legacy_sse);
  ADD ("/http/legacy/largest-unsent-bound", stateful, test_stream_with_largest_unsent_bound);
  ADD ("/http/legacy/stateless-refused", stateless, test_stateless_legacy_refused);
  ADD ("/http/stateless/batch", stateless, test_stateless_batch);
  ADD ("/http/stateless/handler-invalid-utf8", stateless, test_handler_invalid_utf8);
  ADD ("/http/stateless/batch-large-result", stateless, test_batch_large_result);
  ADD ("/http/stateless/client-goes-away", stateless, test_client_goes_away);
  ADD ("/http/stateful/client-goes-away", stateful, test_client_goes_away);
  ADD ("/http/stateful/cancelled-request", stateful, test_cancelled_request);
  ADD ("/http/auth/server-secret", stateless, test_auth_server_secret);
  ADD ("/http/auth/async-rejection", stateless, test_auth_async_rejection);
  ADD ("/http/log/handler-bugs-bounded", stateless, test_handler_bugs_do_not_flood_the_log);

#undef ADD

  g_test_add_func ("/http/listen/localhost", test_listen_localhost);
  g_test_add_func ("/http/legacy/stateless-start-refused", test_stateless_legacy_start_refused);
  g_test_add_func ("/http/shutdown", test_shutdown);
  g_test_add_data_func ("/http/shutdown/from-a-handler", NULL, test_shutdown_from_a_handler);
  g_test_add_data_func ("/http/shutdown/stop-from-a-handler", "stop", test_shutdown_from_a_handler);
  g_test_add_func ("/http/event-stores/bounded-together", test_event_stores_bounded_together);
  g_test_add_func ("/http/event-stores/stream-wrap", test_event_store_stream_wrap);
  g_test_add_func ("/http/event-stores/many-live-streams", test_event_store_many_live_streams);

  return g_test_run ();
}
