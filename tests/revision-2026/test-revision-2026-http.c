/* test-revision-2026-http.c: the 2026-07-28 revision and stream resumption over
 * the real Streamable HTTP transport, driven in-process by a SoupSession
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include <north-mcp.h>
#include "north-mcp-http-transport-private.h"
#include "test-http-client.h"

#define ACCEPT_BOTH "application/json, text/event-stream"

typedef struct {
  NorthMcpServer        *server;
  NorthMcpHttpTransport *transport;
  SoupSession           *session;
  char                  *url;
  char                  *session_id;
} Fixture;

typedef struct {
  guint               status;
  SoupMessageHeaders *headers;
  char               *body;
} Reply;

static void
reply_free (Reply *reply)
{
  soup_message_headers_unref (reply->headers);
  g_free (reply->body);
  g_free (reply);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Reply, reply_free)

/* Tools. */

static gboolean
poll_done (gpointer user_data)
{
  NorthMcpContext *context = user_data;
  g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new_text ("polled");

  north_mcp_context_return_tool_result (context, result);
  return G_SOURCE_REMOVE;
}

/* Ends its stream at once, answers a little later. */
static void
poll_func (NorthMcpTool    *tool,
           NorthMcpContext *context,
           JsonObject      *arguments,
           gpointer         user_data)
{
  gboolean *closed = user_data;

  *closed = north_mcp_context_close_stream (context);
  g_timeout_add_full (G_PRIORITY_DEFAULT, 100, poll_done, g_object_ref (context), g_object_unref);
}

static NorthMcpToolResult *
needs_sampling_func (NorthMcpTool     *tool,
                     NorthMcpContext  *context,
                     JsonObject       *arguments,
                     gpointer          user_data,
                     GError          **error)
{
  if (!north_mcp_context_has_client_capability (context, "sampling"))
    {
      north_mcp_context_return_missing_capability (context, "sampling");
      return NULL;
    }

  return north_mcp_tool_result_new_text ("ok");
}

/* Answers that the user must open a URL first. */
static NorthMcpToolResult *
needs_login_func (NorthMcpTool     *tool,
                  NorthMcpContext  *context,
                  JsonObject       *arguments,
                  gpointer          user_data,
                  GError          **error)
{
  north_mcp_context_return_url_elicitation_required (context, "Sign in to GitHub first",
                                                     "https://github.com/login/oauth?state=x",
                                                     "gh-login-1");
  return NULL;
}

/* Sends -32042 itself, as a handler written for 2025-11-25 would. */
static NorthMcpToolResult *
raw_login_func (NorthMcpTool     *tool,
                NorthMcpContext  *context,
                JsonObject       *arguments,
                gpointer          user_data,
                GError          **error)
{
  g_autoptr(JsonNode) data = json_from_string ("{\"elicitations\":[{\"mode\":\"url\","
                                               "\"elicitationId\":\"gh-login-2\","
                                               "\"url\":\"https://github.com/login/oauth?state=y\","
                                               "\"message\":\"Sign in to GitHub\"}]}", NULL);

  north_mcp_context_return_error_full (context, NORTH_MCP_JSONRPC_ERROR_URL_ELICITATION_REQUIRED,
                                       "Sign in first", data);
  return NULL;
}

/* Says which region it ran for (arguments.region, also in the
 * Mcp-Param-Region header). */
static NorthMcpToolResult *
region_func (NorthMcpTool     *tool,
             NorthMcpContext  *context,
             JsonObject       *arguments,
             gpointer          user_data,
             GError          **error)
{
  g_autofree char *text = g_strdup_printf ("ran in %s", json_object_get_string_member (arguments, "region"));

  return north_mcp_tool_result_new_text (text);
}

static gboolean closed_by_poll;

/* Asks the client to confirm before it "deletes" arguments.path; on the
 * retry, with the confirmation and the state back, says what it
 * deleted. */
static NorthMcpToolResult *
delete_file_func (NorthMcpTool     *tool,
                  NorthMcpContext  *context,
                  JsonObject       *arguments,
                  gpointer          user_data,
                  GError          **error)
{
  JsonObject *answer = north_mcp_context_get_input_response (context, "confirm");
  const char *path = json_object_get_string_member (arguments, "path");
  g_autoptr(JsonObject) schema = NULL;
  g_autofree char *question = NULL;
  g_autofree char *text = NULL;

  if (answer != NULL && g_strcmp0 (north_mcp_context_get_request_state (context), "approval") == 0)
    {
      text = g_strdup_printf ("deleted %s", path);
      return north_mcp_tool_result_new_text (text);
    }

  schema = json_object_new ();
  json_object_set_string_member (schema, "type", "object");
  question = g_strdup_printf ("Delete %s?", path);
  north_mcp_context_add_elicitation_request (context, "confirm", question, schema);
  north_mcp_context_return_input_required (context, "approval");
  return NULL;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(NorthMcpTool) poll = north_mcp_tool_new ("poll", "Ends its stream early");
  g_autoptr(NorthMcpTool) needs_sampling = north_mcp_tool_new ("needs_sampling", "Needs sampling");
  g_autoptr(NorthMcpTool) delete_file = north_mcp_tool_new ("delete_file", "Deletes a file once confirmed");
  g_autoptr(NorthMcpTool) needs_login = north_mcp_tool_new ("needs_login", "Needs a sign-in first");
  g_autoptr(NorthMcpTool) raw_login = north_mcp_tool_new ("raw_login", "Sends -32042 itself");
  g_autoptr(NorthMcpTool) region = north_mcp_tool_new ("region", "Runs in a region");
  g_autoptr(GError) error = NULL;

  f->server = north_mcp_server_new ("test-revision-2026-http", "1.0.0");
  north_mcp_tool_set_async_func (poll, poll_func, &closed_by_poll, NULL);
  north_mcp_server_add_tool (f->server, poll);
  north_mcp_tool_set_func (needs_sampling, needs_sampling_func, NULL, NULL);
  north_mcp_server_add_tool (f->server, needs_sampling);
  north_mcp_tool_set_func (delete_file, delete_file_func, NULL, NULL);
  north_mcp_server_add_tool (f->server, delete_file);
  north_mcp_tool_set_func (needs_login, needs_login_func, NULL, NULL);
  north_mcp_server_add_tool (f->server, needs_login);
  north_mcp_tool_set_func (raw_login, raw_login_func, NULL, NULL);
  north_mcp_server_add_tool (f->server, raw_login);
  g_assert_true (north_mcp_tool_set_input_schema_json (region,
    "{\"type\":\"object\",\"properties\":{\"region\":{\"type\":\"string\",\"x-mcp-header\":\"Region\"}}}",
    &error));
  g_assert_no_error (error);
  north_mcp_tool_set_func (region, region_func, NULL, NULL);
  north_mcp_server_add_tool (f->server, region);

  f->session = soup_session_new_with_options ("proxy-resolver", NULL, NULL);
  f->transport = north_mcp_http_transport_new (NORTH_MCP_TRANSPORT_HOST (f->server));
  g_assert_true (north_mcp_http_transport_listen (f->transport, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  f->url = g_strdup_printf ("http://127.0.0.1:%u/mcp", north_mcp_http_transport_get_port (f->transport));
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  test_http_shutdown (&f->transport, &f->session);
  g_clear_object (&f->server);
  g_clear_pointer (&f->url, g_free);
  g_clear_pointer (&f->session_id, g_free);
}

/* @headers: name, value pairs, NULL-terminated; a NULL value skips.
 * With @append, a name that comes twice is sent twice. */
static Reply *
request_full (Fixture            *f,
              const char         *method,
              const char         *body,
              const char * const *headers,
              gboolean            append)
{
  g_autoptr(SoupMessage) msg = soup_message_new (method, f->url);
  g_autoptr(GBytes) answer = NULL;
  Reply *reply = g_new0 (Reply, 1);

  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));

      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }
  for (guint i = 0; headers != NULL && headers[i] != NULL; i += 2)
    if (headers[i + 1] != NULL && append)
      soup_message_headers_append (soup_message_get_request_headers (msg), headers[i], headers[i + 1]);
    else if (headers[i + 1] != NULL)
      soup_message_headers_replace (soup_message_get_request_headers (msg), headers[i], headers[i + 1]);

  answer = test_http_send_and_read (f->session, msg);
  reply->status = soup_message_get_status (msg);
  reply->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  reply->body = g_bytes_get_size (answer) > 0
                ? g_strndup (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer))
                : g_strdup ("");
  return reply;
}

static Reply *
request (Fixture            *f,
         const char         *method,
         const char         *body,
         const char * const *headers)
{
  return request_full (f, method, body, headers, FALSE);
}

static JsonObject *
parse_object (const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = json_from_string (text, &error);

  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_object_ref (json_node_get_object (node));
}

/* Stateless requests. */

#define META(caps) \
  "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\"," \
  "\"io.modelcontextprotocol/clientCapabilities\":" caps "}"

static void
test_stateless_statuses (Fixture       *f,
                         gconstpointer  data)
{
  const char *discover_headers[] = { "Accept", "application/json", "MCP-Protocol-Version", "2026-07-28",
                                     "Mcp-Method", "server/discover", NULL };
  const char *ping_headers[] = { "Accept", ACCEPT_BOTH, "MCP-Protocol-Version", "2026-07-28",
                                 "Mcp-Method", "ping", NULL };
  const char *call_headers[] = { "Accept", ACCEPT_BOTH, "MCP-Protocol-Version", "2026-07-28",
                                 "Mcp-Method", "tools/call", "Mcp-Name", "needs_sampling", NULL };
  const char *no_method[] = { "Accept", ACCEPT_BOTH, "MCP-Protocol-Version", "2026-07-28", NULL };
  const char *get_headers[] = { "Accept", "text/event-stream", "MCP-Protocol-Version", "2026-07-28", NULL };
  g_autoptr(Reply) discover = NULL;
  g_autoptr(Reply) ping = NULL;
  g_autoptr(Reply) missing = NULL;
  g_autoptr(Reply) capability = NULL;
  g_autoptr(Reply) with_capability = NULL;
  g_autoptr(Reply) get = NULL;
  g_autoptr(Reply) delete = NULL;
  g_autoptr(Reply) bad_meta = NULL;
  g_autoptr(JsonObject) object = NULL;
  JsonObject *error;

  discover = request (f, "POST", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"server/discover\",\"params\":{"
                      META ("{}") "}}", discover_headers);
  g_assert_cmpuint (discover->status, ==, 200);
  g_assert_null (soup_message_headers_get_one (discover->headers, "Mcp-Session-Id"));
  object = parse_object (discover->body);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (object, "result"),
                                                  "resultType"), ==, "complete");
  g_clear_pointer (&object, json_object_unref);

  ping = request (f, "POST", "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\",\"params\":{"
                  META ("{}") "}}", ping_headers);
  g_assert_cmpuint (ping->status, ==, 404);
  object = parse_object (ping->body);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (object, "error"), "code"),
                   ==, -32601);
  g_assert_cmpint (json_object_get_int_member (object, "id"), ==, 2);
  g_clear_pointer (&object, json_object_unref);

  missing = request (f, "POST", "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"server/discover\",\"params\":{"
                     META ("{}") "}}", no_method);
  g_assert_cmpuint (missing->status, ==, 400);
  object = parse_object (missing->body);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (object, "error"), "code"),
                   ==, -32020);
  g_clear_pointer (&object, json_object_unref);

  bad_meta = request (f, "POST", "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"server/discover\",\"params\":{"
                      "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\"}}}",
                      discover_headers);
  g_assert_cmpuint (bad_meta->status, ==, 400);
  object = parse_object (bad_meta->body);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (object, "error"), "code"),
                   ==, -32602);
  g_clear_pointer (&object, json_object_unref);

  /* A lone -32021 travels as JSON with 400, even to a client that
   * accepts an event stream. */
  capability = request (f, "POST", "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{"
                        "\"name\":\"needs_sampling\"," META ("{}") "}}", call_headers);
  g_assert_cmpuint (capability->status, ==, 400);
  g_assert_cmpstr (soup_message_headers_get_content_type (capability->headers, NULL), ==, "application/json");
  object = parse_object (capability->body);
  error = json_object_get_object_member (object, "error");
  g_assert_cmpint (json_object_get_int_member (error, "code"), ==, -32021);
  g_assert_true (json_object_has_member (json_object_get_object_member (json_object_get_object_member (error, "data"),
                                                                        "requiredCapabilities"), "sampling"));
  g_clear_pointer (&object, json_object_unref);

  with_capability = request (f, "POST", "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tools/call\",\"params\":{"
                             "\"name\":\"needs_sampling\"," META ("{\"sampling\":{}}") "}}", call_headers);
  g_assert_cmpuint (with_capability->status, ==, 200);
  g_assert_nonnull (strstr (with_capability->body, "\"resultType\":\"complete\""));

  /* No GET stream and no sessions to delete. */
  get = request (f, "GET", NULL, get_headers);
  g_assert_cmpuint (get->status, ==, 405);
  delete = request (f, "DELETE", NULL, get_headers);
  g_assert_cmpuint (delete->status, ==, 405);
}

/* A request whose id JSON-RPC does not allow (a fraction, an object) is
 * an invalid request, answered with a null id, whatever its headers say:
 * the header check echoed the id in a header mismatch. */
static void
test_stateless_invalid_id (Fixture       *f,
                           gconstpointer  data)
{
  const char *mismatched[] = { "Accept", "application/json", "MCP-Protocol-Version", "2026-07-28",
                               "Mcp-Method", "tools/list", NULL };
  const char *ids[] = { "33.0", "{\"a\":1}", "true" };

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autofree char *body =
        g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"id\":%s,\"method\":\"server/discover\",\"params\":{"
                         META ("{}") "}}", ids[i]);
      g_autoptr(Reply) reply = request (f, "POST", body, mismatched);
      g_autoptr(JsonObject) object = NULL;

      g_assert_cmpuint (reply->status, ==, 400);
      object = parse_object (reply->body);
      g_assert_true (json_object_has_member (object, "id"));
      g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (object, "id")));
      g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (object, "error"), "code"),
                       ==, -32600);
    }
}

/* Resumption (2025-11-25). */

static void
initialize (Fixture    *f,
            const char *version,
            const char *capabilities)
{
  const char *headers[] = { "Accept", ACCEPT_BOTH, NULL };
  const char *initialized_headers[] = { "Accept", ACCEPT_BOTH, "Mcp-Session-Id", NULL, NULL };
  g_autofree char *body =
    g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
                     "\"protocolVersion\":\"%s\",\"capabilities\":%s,"
                     "\"clientInfo\":{\"name\":\"test\",\"version\":\"0\"}}}", version, capabilities);
  g_autoptr(Reply) reply = request (f, "POST", body, headers);
  g_autoptr(Reply) initialized = NULL;

  g_assert_cmpuint (reply->status, ==, 200);
  g_free (f->session_id);
  f->session_id = g_strdup (soup_message_headers_get_one (reply->headers, "Mcp-Session-Id"));
  g_assert_nonnull (f->session_id);

  initialized_headers[3] = f->session_id;
  initialized = request (f, "POST", "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
                         initialized_headers);
  g_assert_cmpuint (initialized->status, ==, 202);
}

static Reply *
call_poll (Fixture    *f,
           const char *version)
{
  const char *headers[] = { "Accept", ACCEPT_BOTH, "Mcp-Session-Id", f->session_id,
                            "MCP-Protocol-Version", version, NULL };

  return request (f, "POST", "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\","
                             "\"params\":{\"name\":\"poll\"}}", headers);
}

/* The value of the first `field:` line of @events, or NULL. */
static char *
sse_field (const char *events,
           const char *field)
{
  g_auto(GStrv) lines = g_strsplit (events, "\n", -1);
  g_autofree char *prefix = g_strconcat (field, ":", NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], prefix))
      return g_strstrip (g_strdup (lines[i] + strlen (prefix)));

  return NULL;
}

static void
test_resume_after_close (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(Reply) post = NULL;
  g_autoptr(Reply) get = NULL;
  g_autoptr(Reply) other = NULL;
  g_autofree char *priming_id = NULL;
  g_autofree char *retry = NULL;
  g_autofree char *data_line = NULL;
  g_autofree char *resumed_id = NULL;
  g_autofree char *other_id = NULL;
  const char *get_headers[] = { "Accept", "text/event-stream", "Mcp-Session-Id", NULL,
                                "MCP-Protocol-Version", "2025-11-25", "Last-Event-ID", NULL, NULL };

  initialize (f, "2025-11-25", "{}");
  closed_by_poll = FALSE;
  post = call_poll (f, "2025-11-25");
  g_assert_true (closed_by_poll);
  g_assert_cmpuint (post->status, ==, 200);

  /* Only the priming event: an id, the retry interval, empty data. */
  priming_id = sse_field (post->body, "id");
  retry = sse_field (post->body, "retry");
  data_line = sse_field (post->body, "data");
  g_assert_nonnull (priming_id);
  g_assert_cmpstr (retry, ==, "1000");
  g_assert_cmpstr (data_line, ==, "");
  g_assert_null (strstr (post->body, "polled"));

  /* Resuming from there brings the result, with an id of its own. */
  get_headers[3] = f->session_id;
  get_headers[7] = priming_id;
  get = request (f, "GET", NULL, get_headers);
  g_assert_cmpuint (get->status, ==, 200);
  g_assert_nonnull (strstr (get->body, "\"polled\""));
  g_assert_nonnull (strstr (get->body, "\"id\":7"));
  resumed_id = sse_field (get->body, "id");
  g_assert_nonnull (resumed_id);
  g_assert_cmpstr (resumed_id, !=, priming_id);

  /* Resuming after the last event: nothing more of that stream. */
  get_headers[7] = resumed_id;
  other = request (f, "GET", NULL, get_headers);
  g_assert_cmpuint (other->status, ==, 200);
  g_assert_null (strstr (other->body, "polled"));
  other_id = sse_field (other->body, "id");
  g_assert_null (other_id);
}

static void
test_no_priming_for_older_clients (Fixture       *f,
                                   gconstpointer  data)
{
  g_autoptr(Reply) post = NULL;
  g_autofree char *id = NULL;

  initialize (f, "2025-06-18", "{}");
  closed_by_poll = TRUE;
  post = call_poll (f, "2025-06-18");
  /* Nothing to resume with: the stream stays and carries the result. */
  g_assert_false (closed_by_poll);
  g_assert_cmpuint (post->status, ==, 200);
  g_assert_nonnull (strstr (post->body, "\"polled\""));
  id = sse_field (post->body, "id");
  g_assert_null (id);
}

/* A call of delete_file with @arguments (JSON text), and with the
 * confirmation and @state when @state is not NULL: the JSON body of the
 * answer. */
static JsonObject *
call_delete_file (Fixture    *f,
                  int         id,
                  const char *arguments,
                  const char *state)
{
  const char *headers[] = { "Accept", "application/json", "MCP-Protocol-Version", "2026-07-28",
                            "Mcp-Method", "tools/call", "Mcp-Name", "delete_file", NULL };
  g_autofree char *retry = state != NULL
    ? g_strdup_printf ("\"requestState\":\"%s\",\"inputResponses\":{\"confirm\":{\"action\":\"accept\","
                       "\"content\":{}}},", state)
    : g_strdup ("");
  g_autofree char *body =
    g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\",\"params\":{"
                     "\"name\":\"delete_file\",\"arguments\":%s,%s" META ("{\"elicitation\":{}}") "}}",
                     id, arguments, retry);
  g_autoptr(Reply) reply = request (f, "POST", body, headers);

  return parse_object (reply->body);
}

/* A requestState is bound to the arguments of the call it was issued
 * for: an approval to delete one file does not delete another. The
 * arguments count as canonical JSON, so a retry that orders or spaces
 * them otherwise is the same call. Before, only the method, the tool's
 * name and the user were bound: any arguments went. */
static void
test_request_state_arguments (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(JsonObject) first = call_delete_file (f, 1, "{\"path\":\"/tmp/scratch\",\"force\":false}", NULL);
  g_autoptr(JsonObject) other = NULL;
  g_autoptr(JsonObject) more = NULL;
  g_autoptr(JsonObject) none = NULL;
  g_autoptr(JsonObject) same = NULL;
  JsonObject *result = json_object_get_object_member (first, "result");
  g_autofree char *state = NULL;
  JsonObject *error;

  g_assert_cmpstr (json_object_get_string_member (result, "resultType"), ==, "input_required");
  state = g_strdup (json_object_get_string_member (result, "requestState"));

  other = call_delete_file (f, 2, "{\"path\":\"/home/alice/thesis.tex\",\"force\":false}", state);
  g_assert_false (json_object_has_member (other, "result"));
  error = json_object_get_object_member (other, "error");
  g_assert_cmpint (json_object_get_int_member (error, "code"), ==, -32602);
  g_assert_nonnull (strstr (json_object_get_string_member (error, "message"), "arguments"));

  /* A member more, or none at all, is other arguments too. */
  more = call_delete_file (f, 3, "{\"path\":\"/tmp/scratch\",\"force\":false,\"also\":\"/home\"}", state);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (more, "error"), "code"), ==, -32602);
  none = call_delete_file (f, 4, "{}", state);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (none, "error"), "code"), ==, -32602);

  same = call_delete_file (f, 5, "{ \"force\" : false, \"path\" : \"/tmp/scratch\" }", state);
  result = json_object_get_object_member (same, "result");
  g_assert_nonnull (result);
  g_assert_cmpstr (json_object_get_string_member (result, "resultType"), ==, "complete");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
                     json_object_get_array_member (result, "content"), 0), "text"), ==, "deleted /tmp/scratch");
}

/* URL elicitation per revision. */

#define URL_CAPS "{\"elicitation\":{\"form\":{},\"url\":{}}}"

/* The one JSON-RPC message of @reply, JSON or the first non-empty data of
 * an event stream (after the priming event of 2025-11-25). */
static JsonObject *
parse_answer (Reply *reply)
{
  g_auto(GStrv) lines = g_strsplit (reply->body, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "data:") && lines[i][strspn (lines[i] + 5, " ") + 5] != '\0')
      return parse_object (lines[i] + 5);

  return parse_object (reply->body);
}

/* The JSON-RPC answer to a tools/call of @tool in a session of @version,
 * whether it came as JSON or as an event stream. */
static JsonObject *
call_login_tool (Fixture    *f,
                 const char *tool,
                 const char *version,
                 const char *capabilities)
{
  const char *headers[] = { "Accept", ACCEPT_BOTH, "Mcp-Session-Id", NULL,
                            "MCP-Protocol-Version", version, NULL };
  g_autoptr(Reply) reply = NULL;
  g_autofree char *body = NULL;

  initialize (f, version, capabilities);
  headers[3] = f->session_id;
  body = g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"tools/call\","
                          "\"params\":{\"name\":\"%s\"}}", tool);
  reply = request (f, "POST", body, headers);
  g_assert_cmpuint (reply->status, ==, 200);
  return parse_answer (reply);
}

static JsonObject *
call_needs_login (Fixture    *f,
                  const char *version,
                  const char *capabilities)
{
  return call_login_tool (f, "needs_login", version, capabilities);
}

/* Without URL elicitation, a failed tool result that says why, and no
 * code the revision does not have. */
static void
assert_no_url_elicitation (JsonObject *answer,
                           const char *why)
{
  JsonObject *result = json_object_get_object_member (answer, "result");
  JsonObject *content;

  g_assert_false (json_object_has_member (answer, "error"));
  g_assert_nonnull (result);
  g_assert_true (json_object_get_boolean_member (result, "isError"));
  content = json_array_get_object_element (json_object_get_array_member (result, "content"), 0);
  g_assert_nonnull (strstr (json_object_get_string_member (content, "text"), why));
}

/* @reply is an input-required result that asks, under @key, for the user
 * to open @url (2026-07-28's URL elicitation). */
static void
assert_url_input_request (Reply      *reply,
                          const char *key,
                          const char *message,
                          const char *url)
{
  g_autoptr(JsonObject) object = parse_answer (reply);
  JsonObject *result;
  JsonObject *input;
  JsonObject *params;

  g_assert_false (json_object_has_member (object, "error"));
  result = json_object_get_object_member (object, "result");
  g_assert_cmpstr (json_object_get_string_member (result, "resultType"), ==, "input_required");
  input = json_object_get_object_member (json_object_get_object_member (result, "inputRequests"), key);
  g_assert_nonnull (input);
  g_assert_cmpstr (json_object_get_string_member (input, "method"), ==, "elicitation/create");
  params = json_object_get_object_member (input, "params");
  g_assert_cmpstr (json_object_get_string_member (params, "mode"), ==, "url");
  g_assert_cmpstr (json_object_get_string_member (params, "message"), ==, message);
  g_assert_cmpstr (json_object_get_string_member (params, "url"), ==, url);
  /* The revision dropped the id: the answer comes back under the key. */
  g_assert_false (json_object_has_member (params, "elicitationId"));
}

/* A stateless tools/call of @tool under 2026-07-28 from a client with
 * @capabilities. */
static Reply *
call_2026 (Fixture    *f,
           const char *tool,
           const char *capabilities)
{
  const char *headers[] = { "Accept", ACCEPT_BOTH, "MCP-Protocol-Version", "2026-07-28",
                            "Mcp-Method", "tools/call", "Mcp-Name", tool, NULL };
  g_autofree char *body =
    g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{"
                     "\"name\":\"%s\"," META ("%s") "}}", tool, capabilities);

  return request (f, "POST", body, headers);
}

static void
test_url_elicitation_required (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(Reply) modern = NULL;
  g_autoptr(Reply) form_only = NULL;
  g_autoptr(JsonObject) object = NULL;
  JsonObject *error;

  /* 2026-07-28 has no -32042: the URL comes as an input request. */
  modern = call_2026 (f, "needs_login", URL_CAPS);
  g_assert_cmpuint (modern->status, ==, 200);
  assert_url_input_request (modern, "gh-login-1", "Sign in to GitHub first",
                            "https://github.com/login/oauth?state=x");

  /* A client without URL elicitation is told what it lacks. */
  form_only = call_2026 (f, "needs_login", "{\"elicitation\":{}}");
  g_assert_cmpuint (form_only->status, ==, 400);
  object = parse_object (form_only->body);
  error = json_object_get_object_member (object, "error");
  g_assert_cmpint (json_object_get_int_member (error, "code"), ==, -32021);
  g_assert_true (json_object_has_member (json_object_get_object_member (json_object_get_object_member (json_object_get_object_member (error, "data"),
                                                                                                     "requiredCapabilities"),
                                                                        "elicitation"), "url"));
  g_clear_pointer (&object, json_object_unref);

  /* 2025-11-25: -32042 to a client that declared URL elicitation. */
  object = call_needs_login (f, "2025-11-25", URL_CAPS);
  error = json_object_get_object_member (object, "error");
  g_assert_nonnull (error);
  g_assert_cmpint (json_object_get_int_member (error, "code"), ==, -32042);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (json_object_get_array_member (json_object_get_object_member (error, "data"),
                                                                                                               "elicitations"), 0),
                                                  "elicitationId"), ==, "gh-login-1");
  g_clear_pointer (&object, json_object_unref);

  object = call_needs_login (f, "2025-11-25", "{\"elicitation\":{}}");
  assert_no_url_elicitation (object, "elicitation.url");
  g_clear_pointer (&object, json_object_unref);

  /* Earlier revisions have no URL elicitation, whatever the client
   * declares. */
  object = call_needs_login (f, "2025-06-18", URL_CAPS);
  assert_no_url_elicitation (object, "2025-06-18");
  g_clear_pointer (&object, json_object_unref);

  object = call_needs_login (f, "2025-03-26", URL_CAPS);
  assert_no_url_elicitation (object, "2025-03-26");
}

/* A handler that sends -32042 itself gets it turned into what the
 * revision has, as north_mcp_context_return_url_elicitation_required()
 * would send. */
static void
test_url_elicitation_error_per_revision (Fixture       *f,
                                         gconstpointer  data)
{
  g_autoptr(Reply) modern = NULL;
  g_autoptr(JsonObject) object = NULL;
  JsonObject *error;

  modern = call_2026 (f, "raw_login", URL_CAPS);
  g_assert_cmpuint (modern->status, ==, 200);
  assert_url_input_request (modern, "gh-login-2", "Sign in to GitHub", "https://github.com/login/oauth?state=y");

  /* 2025-11-25 has the code: it goes out as sent. */
  object = call_login_tool (f, "raw_login", "2025-11-25", URL_CAPS);
  error = json_object_get_object_member (object, "error");
  g_assert_nonnull (error);
  g_assert_cmpint (json_object_get_int_member (error, "code"), ==, -32042);
  g_clear_pointer (&object, json_object_unref);

  object = call_login_tool (f, "raw_login", "2025-06-18", URL_CAPS);
  assert_no_url_elicitation (object, "2025-06-18");
}

/* A standard header sent twice: readers disagree on which copy counts
 * (libsoup gives the last, Starlette and many gateways the first), so a
 * gateway that routes or authorizes by one copy while the server checks
 * the other against the body would be passed. Before, the server compared
 * only the last copy: `Mcp-Name: poll` then `Mcp-Name: needs_sampling`
 * ran needs_sampling behind a gateway that had let `poll` through, and the
 * same with the method, the version and `Mcp-Param-Region`. Every copy
 * must match the body now; copies that all match pass. */
static void
test_repeated_headers (Fixture       *f,
                       gconstpointer  data)
{
  const char *call = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{"
                     "\"name\":\"needs_sampling\"," META ("{\"sampling\":{}}") "}}";
  const char *in_us = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{"
                      "\"name\":\"region\",\"arguments\":{\"region\":\"us\"}," META ("{}") "}}";
  const char *names[] = { "Accept", "application/json", "MCP-Protocol-Version", "2026-07-28",
                          "Mcp-Method", "tools/call", "Mcp-Name", "poll", "Mcp-Name", "needs_sampling", NULL };
  const char *methods[] = { "Accept", "application/json", "MCP-Protocol-Version", "2026-07-28",
                            "Mcp-Method", "tools/list", "mcp-method", "tools/call",
                            "Mcp-Name", "needs_sampling", NULL };
  const char *versions[] = { "Accept", "application/json", "MCP-Protocol-Version", "2025-11-25",
                             "MCP-Protocol-Version", "2026-07-28", "Mcp-Method", "tools/call",
                             "Mcp-Name", "needs_sampling", NULL };
  const char *regions[] = { "Accept", "application/json", "MCP-Protocol-Version", "2026-07-28",
                            "Mcp-Method", "tools/call", "Mcp-Name", "region",
                            "Mcp-Param-Region", "eu", "Mcp-Param-Region", "us", NULL };
  const char * const *mismatched[] = { names, methods, versions, regions };
  const char *bodies[] = { call, call, call, in_us };
  /* Copies that all say what the body says, one in the base64 form. */
  const char *same[] = { "Accept", "application/json", "MCP-Protocol-Version", "2026-07-28",
                         "Mcp-Method", "tools/call", "Mcp-Method", "tools/call", "Mcp-Name", "region",
                         "Mcp-Name", "=?base64?cmVnaW9u?=", "Mcp-Param-Region", "us",
                         "Mcp-Param-Region", " us ", NULL };
  g_autoptr(Reply) agreeing = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (mismatched); i++)
    {
      g_autoptr(Reply) reply = request_full (f, "POST", bodies[i], mismatched[i], TRUE);
      g_autoptr(JsonObject) object = NULL;

      g_test_message ("case %u: %s", i, reply->body);
      g_assert_cmpuint (reply->status, ==, 400);
      object = parse_object (reply->body);
      g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (object, "error"), "code"),
                       ==, -32020);
      g_assert_null (strstr (reply->body, "ran in"));
    }

  agreeing = request_full (f, "POST", in_us, same, TRUE);
  g_assert_cmpuint (agreeing->status, ==, 200);
  g_assert_nonnull (strstr (agreeing->body, "ran in us"));
}

/* The same with the version: a request whose MCP-Protocol-Version names
 * 2026-07-28 in one copy and an older revision in another. Before, the
 * server went by the last copy and served a request of a session, with
 * no header checked against its body, that a gateway reading the first
 * copy had taken for a 2026-07-28 request, its Mcp-Name and Mcp-Param-*
 * vouched for by the server. Any copy that names 2026-07-28 now makes it
 * one, checked as such: the copies disagree, 400. */
static void
test_repeated_version (Fixture       *f,
                       gconstpointer  data)
{
  const char *body = "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{"
                     "\"name\":\"region\",\"arguments\":{\"region\":\"us\"}}}";
  const char *headers[] = { "Accept", "application/json", "MCP-Protocol-Version", "2026-07-28",
                            "MCP-Protocol-Version", "2025-11-25", "Mcp-Session-Id", NULL,
                            "Mcp-Method", "tools/call", "Mcp-Name", "region", "Mcp-Param-Region", "eu", NULL };
  g_autoptr(Reply) reply = NULL;
  g_autoptr(Reply) plain = NULL;

  initialize (f, "2025-11-25", "{}");
  headers[7] = f->session_id;
  reply = request_full (f, "POST", body, headers, TRUE);
  g_assert_null (strstr (reply->body, "ran in"));
  g_assert_cmpuint (reply->status, ==, 400);

  /* The session's requests with one version header are served as ever. */
  headers[3] = "2025-11-25";
  plain = request_full (f, "POST", body, headers, TRUE);
  g_assert_cmpuint (plain->status, ==, 200);
  g_assert_nonnull (strstr (plain->body, "ran in us"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/revision-2026-http/stateless-statuses", Fixture, NULL, fixture_setup,
              test_stateless_statuses, fixture_teardown);
  g_test_add ("/revision-2026-http/stateless-invalid-id", Fixture, NULL, fixture_setup,
              test_stateless_invalid_id, fixture_teardown);
  g_test_add ("/revision-2026-http/resume-after-close", Fixture, NULL, fixture_setup,
              test_resume_after_close, fixture_teardown);
  g_test_add ("/revision-2026-http/no-priming-for-older-clients", Fixture, NULL, fixture_setup,
              test_no_priming_for_older_clients, fixture_teardown);
  g_test_add ("/revision-2026-http/url-elicitation-required", Fixture, NULL, fixture_setup,
              test_url_elicitation_required, fixture_teardown);
  g_test_add ("/revision-2026-http/url-elicitation-error-per-revision", Fixture, NULL, fixture_setup,
              test_url_elicitation_error_per_revision, fixture_teardown);

  g_test_add ("/revision-2026-http/request-state-arguments", Fixture, NULL, fixture_setup,
              test_request_state_arguments, fixture_teardown);
  g_test_add ("/revision-2026-http/repeated-headers", Fixture, NULL, fixture_setup,
              test_repeated_headers, fixture_teardown);
  g_test_add ("/revision-2026-http/repeated-version", Fixture, NULL, fixture_setup,
              test_repeated_version, fixture_teardown);

  return g_test_run ();
}
