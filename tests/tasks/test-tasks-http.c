/* test-tasks-http.c: task-augmented tools/call and tasks/get, tasks/update,
 * tasks/cancel (SEP-2663) over the real Streamable HTTP transport
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include <north-mcp.h>
#include "north-mcp-http-transport-private.h"
#include "north-mcp-log-throttle-private.h"
#include "north-mcp-redis-client-private.h"
#include "north-mcp-server-private.h"
#include "north-mcp-session-manager-private.h"
#include "north-mcp-state-store-private.h"
#include "north-mcp-context-impl-private.h"
#include "north-mcp-task-impl-private.h"
#include "north-mcp-task-private.h"
#include "test-channel.h"
#include "test-clock.h"
#include "test-http-client.h"
#include "test-redis-server.h"

typedef struct {
  NorthMcpServer        *server;
  NorthMcpHttpTransport *transport;
  SoupSession           *session;
  char                  *url;
  const char            *email;  /* the caller (server-secret auth), or NULL */
  const char            *pad;    /* sent as X-North-Context-Pad and X-Pad, or NULL */
  const char            *tenant; /* sent as X-North-Context-Tenant, or NULL */
  const char            *connectors; /* JSON, sent as X-North-Connector-Tokens, or NULL */
  const char            *id_token;   /* sent as X-North-ID-Token, or NULL */
} Fixture;

#define CAPS_TASKS "{\"elicitation\":{},\"extensions\":{\"io.modelcontextprotocol/tasks\":{}}}"

/* Tools. */

static gboolean
slow_done (gpointer user_data)
{
  NorthMcpContext *context = user_data;
  g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new_text ("slow result");

  north_mcp_context_return_tool_result (context, result);
  return G_SOURCE_REMOVE;
}

static gboolean status_message_taken;

/* Answers 300 ms later; says what it does meanwhile. */
static void
slow_func (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments, gpointer user_data)
{
  status_message_taken = north_mcp_context_set_task_status_message (context, "crunching");
  g_timeout_add_full (G_PRIORITY_DEFAULT, 300, slow_done, g_object_ref (context), g_object_unref);
}

static void
quick_func (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments, gpointer user_data)
{
  g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new_text ("at once");

  north_mcp_context_return_tool_result (context, result);
}

static gboolean
huge_done (gpointer user_data)
{
  NorthMcpContext *context = user_data;
  g_autofree char *text = g_strnfill (2 * 1024 * 1024, 'x');
  g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new_text (text);

  north_mcp_context_return_tool_result (context, result);
  return G_SOURCE_REMOVE;
}

static void
huge_func (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments, gpointer user_data)
{
  g_idle_add_full (G_PRIORITY_DEFAULT, huge_done, g_object_ref (context), g_object_unref);
}

/* test_deep_object() of @depth levels, with 1,500 members. */
static void
return_deep (NorthMcpContext *context, guint depth)
{
  g_autoptr(JsonNode) node = test_deep_object (depth, 1500);
  g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new_structured (node);

  north_mcp_context_return_tool_result (context, result);
}

#define DEEP_LEVELS 200

static gboolean
deep_done (gpointer user_data)
{
  return_deep (user_data, GPOINTER_TO_UINT (g_object_get_data (user_data, "levels")));
  return G_SOURCE_REMOVE;
}

/* Answers later, so that the result is read back through tasks/get: a
 * structuredContent of arguments.levels levels (DEEP_LEVELS without). */
static void
deep_func (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments, gpointer user_data)
{
  g_object_set_data (G_OBJECT (context), "levels",
                     GUINT_TO_POINTER (json_object_get_int_member_with_default (arguments, "levels", DEEP_LEVELS)));
  g_idle_add_full (G_PRIORITY_DEFAULT, deep_done, g_object_ref (context), g_object_unref);
}

/* Answers at once: the task's channel hands the answer to the response. */
static void
deep_now_func (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments, gpointer user_data)
{
  return_deep (context, DEEP_LEVELS);
}

/* Fails with an error as large as huge_func's result: its message, or
 * its data. */
static gboolean
huge_error_done (gpointer user_data)
{
  NorthMcpContext *context = user_data;
  g_autofree char *text = g_strnfill (2 * 1024 * 1024, 'x');
  gboolean in_data = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (context), "in-data"));
  g_autoptr(JsonNode) data = json_node_init_string (json_node_alloc (), text);

  north_mcp_context_return_error_full (context, -32000, in_data ? "no" : text, in_data ? data : NULL);
  return G_SOURCE_REMOVE;
}

static void
huge_error_func (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments, gpointer user_data)
{
  g_object_set_data (G_OBJECT (context), "in-data",
                     GINT_TO_POINTER (json_object_has_member (arguments, "data")));
  g_idle_add_full (G_PRIORITY_DEFAULT, huge_error_done, g_object_ref (context), g_object_unref);
}

static gboolean
huge_ask_done (gpointer user_data)
{
  NorthMcpContext *context = user_data;
  g_autofree char *text = g_strnfill (2 * 1024 * 1024, 'x');
  g_autoptr(JsonObject) schema = json_object_new ();

  json_object_set_string_member (schema, "type", "object");
  json_object_set_object_member (schema, "properties", json_object_new ());
  north_mcp_context_add_elicitation_request (context, "a", text, schema);
  north_mcp_context_return_input_required (context, "huge");
  return G_SOURCE_REMOVE;
}

/* Asks for input with a question as large as huge_func's result. */
static void
huge_ask_func (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments, gpointer user_data)
{
  g_idle_add_full (G_PRIORITY_DEFAULT, huge_ask_done, g_object_ref (context), g_object_unref);
}

/* Answers input_required with @state, asking @questions (key, message,
 * key, message, …, NULL) for objects. */
static void
ask_input (NorthMcpContext   *context,
           const char        *state,
           const char *const *questions)
{
  g_autoptr(JsonObject) schema = json_object_new ();

  json_object_set_string_member (schema, "type", "object");
  json_object_set_object_member (schema, "properties", json_object_new ());
  for (guint i = 0; questions[i] != NULL; i += 2)
    north_mcp_context_add_elicitation_request (context, questions[i], questions[i + 1], schema);
  north_mcp_context_return_input_required (context, state);
}

static gboolean
ask_done (gpointer user_data)
{
  ask_input (user_data, "round-two", (const char *[]) { "a", "First?", "b", "Second?", NULL });
  return G_SOURCE_REMOVE;
}

/* Asks two questions (later, so that it is a task), then answers with
 * what it got back and its own state. */
static void
ask_func (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments, gpointer user_data)
{
  JsonObject *a = north_mcp_context_get_input_response (context, "a");
  JsonObject *b = north_mcp_context_get_input_response (context, "b");

  if (a == NULL || b == NULL)
    {
      g_idle_add_full (G_PRIORITY_DEFAULT, ask_done, g_object_ref (context), g_object_unref);
      return;
    }

  {
    g_autofree char *text = g_strdup_printf ("%s %s %s", json_object_get_string_member (a, "action"),
                                             json_object_get_string_member (b, "action"),
                                             north_mcp_context_get_request_state (context));
    g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new_text (text);

    north_mcp_context_return_tool_result (context, result);
  }
}

static guint nag_rounds;

static gboolean
nag_done (gpointer user_data)
{
  nag_rounds++;
  ask_input (user_data, "nagging", (const char *[]) { "again", "Again?", NULL });
  return G_SOURCE_REMOVE;
}

static gboolean
nag_done_go (gpointer user_data)
{
  ask_input (user_data, "go", (const char *[]) { "go", "Go?", NULL });
  return G_SOURCE_REMOVE;
}

/* Asks the same question (later, so that it is a task) round after round
 * until the answer declines, then answers "done". */
static void
nag_func (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments, gpointer user_data)
{
  JsonObject *again = north_mcp_context_get_input_response (context, "again");
  g_autoptr(NorthMcpToolResult) result = NULL;

  if (again == NULL || !g_str_equal (json_object_get_string_member (again, "action"), "decline"))
    {
      g_idle_add_full (G_PRIORITY_DEFAULT, nag_done, g_object_ref (context), g_object_unref);
      return;
    }
  result = north_mcp_tool_result_new_text ("done");
  north_mcp_context_return_tool_result (context, result);
}

static guint forever_stopped;

static gboolean
forever_cancelled (gpointer user_data)
{
  NorthMcpContext *context = user_data;

  if (!g_cancellable_is_cancelled (north_mcp_context_get_cancellable (context)))
    return G_SOURCE_CONTINUE;
  forever_stopped++;
  north_mcp_context_return_error_literal (context, G_IO_ERROR, G_IO_ERROR_CANCELLED, "stopped");
  return G_SOURCE_REMOVE;
}

/* Runs until cancelled. */
static void
forever_func (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments, gpointer user_data)
{
  g_timeout_add_full (G_PRIORITY_DEFAULT, 20, forever_cancelled, g_object_ref (context), g_object_unref);
}

static gsize waiter_pad;

/* Asks once (later, so that it is a task), then runs until cancelled,
 * noting the size of the North context's "pad" of its second round. */
static void
ask_then_wait_func (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments, gpointer user_data)
{
  const char *pad;

  if (north_mcp_context_get_input_response (context, "go") == NULL)
    {
      g_idle_add_full (G_PRIORITY_DEFAULT, nag_done_go, g_object_ref (context), g_object_unref);
      return;
    }
  pad = g_hash_table_lookup (north_mcp_context_get_north_context (context), "pad");
  waiter_pad = pad != NULL ? strlen (pad) : 0;
  forever_func (tool, context, arguments, user_data);
}

/* What a round sees of the request that started it: its North context's
 * tenant (from the context, and from the thread's current request) and
 * the caller's e-mail; and the caller's credentials when it has an ID
 * token: its "github" connector token and the ID token's "iat". */
static char *
round_sees (NorthMcpContext *context)
{
  g_autoptr(GHashTable) current = north_mcp_get_north_context ();
  const char *tenant = g_hash_table_lookup (north_mcp_context_get_north_context (context), "tenant");
  const char *current_tenant = g_hash_table_lookup (current, "tenant");
  NorthMcpUser *user = north_mcp_context_get_user (context);
  g_autofree char *credentials = NULL;

  if (user != NULL && north_mcp_user_get_id_token (user) != NULL)
    credentials = g_strdup_printf (" github=%s iat=%" G_GINT64_FORMAT,
                                   north_mcp_user_get_connector_access_token (user, "github"),
                                   json_object_get_int_member_with_default (north_mcp_user_get_claims (user),
                                                                            "iat", 0));
  return g_strdup_printf ("%s/%s/%s%s", tenant != NULL ? tenant : "-",
                          current_tenant != NULL ? current_tenant : "-",
                          user != NULL && north_mcp_user_get_email (user) != NULL ? north_mcp_user_get_email (user)
                                                                                  : "-",
                          credentials != NULL ? credentials : "");
}

static gboolean
ask_sees_done (gpointer user_data)
{
  const char *seen = g_object_get_data (user_data, "seen");

  /* What the first round saw: the question, and the state it gets back. */
  ask_input (user_data, seen, (const char *[]) { "go", seen, NULL });
  return G_SOURCE_REMOVE;
}

/* Asks once (later, so that it is a task), then answers with what each
 * of its two rounds saw of its request. */
static void
ask_sees_func (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments, gpointer user_data)
{
  g_autofree char *seen = round_sees (context);

  if (north_mcp_context_get_input_response (context, "go") == NULL)
    {
      g_object_set_data_full (G_OBJECT (context), "seen", g_steal_pointer (&seen), g_free);
      g_idle_add_full (G_PRIORITY_DEFAULT, ask_sees_done, g_object_ref (context), g_object_unref);
      return;
    }

  {
    g_autofree char *text = g_strdup_printf ("%s %s", north_mcp_context_get_request_state (context), seen);
    g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new_text (text);

    north_mcp_context_return_tool_result (context, result);
  }
}

static NorthMcpContext *gated;

/* Waits until the test opens the gate (gate_open()). */
static void
gate_func (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments, gpointer user_data)
{
  g_assert_null (gated);
  gated = g_object_ref (context);
}

/* The gated handler answers, now. */
static void
gate_open (void)
{
  g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new_text ("through");

  north_mcp_context_return_tool_result (gated, result);
  g_clear_object (&gated);
}

/* Answers as slow_func does, but once its call returned (so that it is
 * a task, ended soon). */
static void
later_func (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments, gpointer user_data)
{
  g_idle_add_full (G_PRIORITY_DEFAULT, slow_done, g_object_ref (context), g_object_unref);
}

static guint counted_calls;

/* later_func, counting its calls (side effects a refused task must not
 * have). */
static void
counted_func (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments, gpointer user_data)
{
  counted_calls++;
  later_func (tool, context, arguments, user_data);
}

static GPtrArray *stubborn;

/* Runs on whatever happens, cancelled or not, until the test ends it
 * (stubborn_end()): a handler that ignores its cancellation. */
static void
stubborn_func (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments, gpointer user_data)
{
  if (stubborn == NULL)
    stubborn = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (stubborn, g_object_ref (context));
}

/* The stubborn handlers return. */
static void
stubborn_end (void)
{
  for (guint i = 0; stubborn != NULL && i < stubborn->len; i++)
    {
      g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new_text ("at last");

      north_mcp_context_return_tool_result (g_ptr_array_index (stubborn, i), result);
    }
  if (stubborn != NULL)
    g_ptr_array_set_size (stubborn, 0);
}

static NorthMcpServer *quit_server;

/* Stops the server at once, then answers. */
static void
quit_func (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments, gpointer user_data)
{
  g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new_text ("bye");

  north_mcp_server_stop (quit_server);
  north_mcp_context_return_tool_result (context, result);
}

static void
add (Fixture *f, const char *name, NorthMcpToolAsyncFunc func, NorthMcpTaskSupport support)
{
  g_autoptr(NorthMcpTool) tool = north_mcp_tool_new (name, name);

  north_mcp_tool_set_async_func (tool, func, NULL, NULL);
  north_mcp_tool_set_task_support (tool, support);
  north_mcp_server_add_tool (f->server, tool);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->server = north_mcp_server_new ("test-tasks-http", "1.0.0");
  add (f, "slow", slow_func, NORTH_MCP_TASK_SUPPORT_OPTIONAL);
  add (f, "quick", quick_func, NORTH_MCP_TASK_SUPPORT_OPTIONAL);
  add (f, "huge", huge_func, NORTH_MCP_TASK_SUPPORT_OPTIONAL);
  add (f, "huge-error", huge_error_func, NORTH_MCP_TASK_SUPPORT_OPTIONAL);
  add (f, "huge-ask", huge_ask_func, NORTH_MCP_TASK_SUPPORT_OPTIONAL);
  add (f, "ask", ask_func, NORTH_MCP_TASK_SUPPORT_OPTIONAL);
  add (f, "nag", nag_func, NORTH_MCP_TASK_SUPPORT_OPTIONAL);
  add (f, "forever", forever_func, NORTH_MCP_TASK_SUPPORT_REQUIRED);
  add (f, "plain", slow_func, NORTH_MCP_TASK_SUPPORT_FORBIDDEN);
  add (f, "quit", quit_func, NORTH_MCP_TASK_SUPPORT_OPTIONAL);
  add (f, "gate", gate_func, NORTH_MCP_TASK_SUPPORT_OPTIONAL);
  add (f, "later", later_func, NORTH_MCP_TASK_SUPPORT_OPTIONAL);
  add (f, "counted", counted_func, NORTH_MCP_TASK_SUPPORT_OPTIONAL);
  add (f, "deep", deep_func, NORTH_MCP_TASK_SUPPORT_OPTIONAL);
  add (f, "deep-now", deep_now_func, NORTH_MCP_TASK_SUPPORT_OPTIONAL);
  add (f, "ask-then-wait", ask_then_wait_func, NORTH_MCP_TASK_SUPPORT_OPTIONAL);
  add (f, "ask-sees", ask_sees_func, NORTH_MCP_TASK_SUPPORT_OPTIONAL);
  add (f, "stubborn", stubborn_func, NORTH_MCP_TASK_SUPPORT_OPTIONAL);

  f->session = soup_session_new_with_options ("proxy-resolver", NULL, NULL);
  f->transport = north_mcp_http_transport_new (NORTH_MCP_TRANSPORT_HOST (f->server));
  g_assert_true (north_mcp_http_transport_listen (f->transport, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  f->url = g_strdup_printf ("http://127.0.0.1:%u/mcp", north_mcp_http_transport_get_port (f->transport));
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  stubborn_end ();
  g_clear_pointer (&stubborn, g_ptr_array_unref);
  test_http_shutdown (&f->transport, &f->session);
  g_clear_object (&f->server);
  g_clear_pointer (&f->url, g_free);
}

/* An ID token of @claims (not signed: the server trusts no issuer, so
 * it only reads it). */
static char *
id_token (const char *claims)
{
  g_autofree char *header = test_http_base64url ("{\"alg\":\"RS256\",\"kid\":\"k\"}");
  g_autofree char *payload = test_http_base64url (claims);

  return g_strdup_printf ("%s.%s.c2ln", header, payload);
}

/* An ID token for ada, issued at @iat. */
static char *
ada_id_token (int iat)
{
  g_autofree char *claims = g_strdup_printf ("{\"iss\":\"https://idp.example\",\"sub\":\"ada\","
                                             "\"email\":\"ada@example.com\",\"iat\":%d}", iat);

  return id_token (claims);
}

/* One stateless request; @name is the Mcp-Name header (or NULL), @params
 * the members of params before `_meta`. Returns the whole response. */
static JsonObject *
rpc_full (Fixture *f, const char *method, const char *name, const char *params, const char *caps,
          guint *status)
{
  static int next_id = 1;
  g_autofree char *body =
    g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"%s\",\"params\":{%s%s\"_meta\":{"
                     "\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","
                     "\"io.modelcontextprotocol/clientCapabilities\":%s}}}",
                     next_id++, method, params, *params ? "," : "", caps);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", f->url);
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
  g_autoptr(GBytes) answer = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);

  soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  soup_message_headers_replace (headers, "Accept", "application/json");
  soup_message_headers_replace (headers, "MCP-Protocol-Version", "2026-07-28");
  soup_message_headers_replace (headers, "Mcp-Method", method);
  if (name != NULL)
    soup_message_headers_replace (headers, "Mcp-Name", name);
  if (f->email != NULL)
    {
      soup_message_headers_replace (headers, "X-North-Server-Secret", "s3cret");
      soup_message_headers_replace (headers, "X-North-User-Email", f->email);
    }
  if (f->pad != NULL)
    {
      soup_message_headers_replace (headers, "X-North-Context-Pad", f->pad);
      soup_message_headers_replace (headers, "X-Pad", f->pad);
    }
  if (f->tenant != NULL)
    soup_message_headers_replace (headers, "X-North-Context-Tenant", f->tenant);
  if (f->connectors != NULL)
    {
      g_autofree char *encoded = test_http_base64url (f->connectors);

      soup_message_headers_replace (headers, "X-North-Connector-Tokens", encoded);
    }
  if (f->id_token != NULL)
    soup_message_headers_replace (headers, "X-North-ID-Token", f->id_token);
  answer = test_http_send_and_read (f->session, msg);
  if (status != NULL)
    *status = soup_message_get_status (msg);
  /* The body is not NUL-terminated. */
  text = g_strndup (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer));
  node = json_from_string (text, &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (node));
}

static JsonObject *
result_of (JsonObject *response)
{
  g_assert_false (json_object_has_member (response, "error"));
  return json_object_get_object_member (response, "result");
}

static gint64
error_code (JsonObject *response)
{
  return json_object_get_int_member (json_object_get_object_member (response, "error"), "code");
}

static char *
call_params (const char *tool)
{
  return g_strdup_printf ("\"name\":\"%s\",\"arguments\":{}", tool);
}

static char *
task_params (const char *task_id)
{
  return g_strdup_printf ("\"taskId\":\"%s\"", task_id);
}

/* Starts @tool as a task; returns its id. */
static char *
start_task (Fixture *f, const char *tool)
{
  g_autofree char *params = call_params (tool);
  g_autoptr(JsonObject) response = rpc_full (f, "tools/call", tool, params, CAPS_TASKS, NULL);
  JsonObject *result = result_of (response);

  g_assert_cmpstr (json_object_get_string_member (result, "resultType"), ==, "task");
  g_assert_cmpstr (json_object_get_string_member (result, "status"), ==, "working");
  g_assert_cmpint (json_object_get_int_member (result, "ttlMs"), >, 0);
  g_assert_false (json_object_has_member (result, "result"));
  g_assert_false (json_object_has_member (result, "requestState"));
  g_assert_cmpuint (strlen (json_object_get_string_member (result, "taskId")), ==, 32);
  return g_strdup (json_object_get_string_member (result, "taskId"));
}

static JsonObject *
get_task (Fixture *f, const char *task_id)
{
  g_autofree char *params = task_params (task_id);
  g_autoptr(JsonObject) response = rpc_full (f, "tasks/get", task_id, params, CAPS_TASKS, NULL);

  return json_object_ref (result_of (response));
}

/* Polls until the task leaves @status (generous: only "still answers"). */
static JsonObject *
wait_task (Fixture *f, const char *task_id, const char *status)
{
  for (guint i = 0; i < 3000; i++)
    {
      JsonObject *task = get_task (f, task_id);
      g_autoptr(GMainLoop) loop = NULL;

      if (!g_str_equal (json_object_get_string_member (task, "status"), status))
        return task;
      json_object_unref (task);
      loop = g_main_loop_new (NULL, FALSE);
      g_timeout_add_once (20, (GSourceOnceFunc) g_main_loop_quit, loop);
      g_main_loop_run (loop);
    }
  g_assert_not_reached ();
}

/* Serves @f's sessions and tasks from @store (NULL: from memory again). */
static void
use_store (Fixture            *f,
           NorthMcpStateStore *store)
{
  north_mcp_session_manager_set_store (north_mcp_server_get_session_manager (f->server), store);
}

static void
test_discover_and_list (Fixture *f, gconstpointer data)
{
  g_autoptr(JsonObject) discover = rpc_full (f, "server/discover", NULL, "", "{}", NULL);
  g_autoptr(JsonObject) list = rpc_full (f, "tools/list", NULL, "", "{}", NULL);
  JsonObject *capabilities = json_object_get_object_member (result_of (discover), "capabilities");
  JsonArray *tools = json_object_get_array_member (result_of (list), "tools");

  g_assert_true (json_object_has_member (json_object_get_object_member (capabilities, "extensions"),
                                         "io.modelcontextprotocol/tasks"));
  g_assert_false (json_object_has_member (capabilities, "tasks"));
  for (guint i = 0; i < json_array_get_length (tools); i++)
    {
      JsonObject *tool = json_array_get_object_element (tools, i);
      const char *name = json_object_get_string_member (tool, "name");
      if (g_str_equal (name, "plain"))
        g_assert_false (json_object_has_member (tool, "execution"));
      else
        g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (tool, "execution"),
                                                        "taskSupport"), ==,
                         g_str_equal (name, "forever") ? "required" : "optional");
    }
}

/* Created, working with a status message, then completed with the result
 * inlined; kept after the request that created it ended. */
static void
test_lifecycle (Fixture *f, gconstpointer data)
{
  g_autofree char *task_id = start_task (f, "slow");
  g_autoptr(JsonObject) working = get_task (f, task_id);
  g_autoptr(JsonObject) done = NULL;
  g_autoptr(JsonObject) again = NULL;
  JsonObject *result;

  g_assert_true (status_message_taken);
  g_assert_cmpstr (json_object_get_string_member (working, "resultType"), ==, "complete");
  g_assert_cmpstr (json_object_get_string_member (working, "status"), ==, "working");
  g_assert_cmpstr (json_object_get_string_member (working, "statusMessage"), ==, "crunching");
  done = wait_task (f, task_id, "working");
  g_assert_cmpstr (json_object_get_string_member (done, "status"), ==, "completed");
  result = json_object_get_object_member (done, "result");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
                     json_object_get_array_member (result, "content"), 0), "text"), ==, "slow result");
  g_assert_false (json_object_has_member (done, "error"));
  g_assert_false (json_object_has_member (done, "statusMessage"));

  /* Cancelling a finished task is acknowledged and changes nothing. */
  {
    g_autofree char *params = task_params (task_id);
    g_autoptr(JsonObject) ack = rpc_full (f, "tasks/cancel", task_id, params, CAPS_TASKS, NULL);

    g_assert_cmpstr (json_object_get_string_member (result_of (ack), "resultType"), ==, "complete");
    g_assert_false (json_object_has_member (result_of (ack), "status"));
  }
  again = get_task (f, task_id);
  g_assert_cmpstr (json_object_get_string_member (again, "status"), ==, "completed");

  /* So is an update: an empty acknowledgement, not the task's record. */
  {
    g_autofree char *params = g_strdup_printf ("\"taskId\":\"%s\",\"inputResponses\":{}", task_id);
    g_autoptr(JsonObject) ack = rpc_full (f, "tasks/update", task_id, params, CAPS_TASKS, NULL);

    g_assert_cmpstr (json_object_get_string_member (result_of (ack), "resultType"), ==, "complete");
    g_assert_false (json_object_has_member (result_of (ack), "status"));
    g_assert_false (json_object_has_member (result_of (ack), "result"));
  }
}

/* An answer given at once is the response: no task. */
static void
test_immediate_and_undeclared (Fixture *f, gconstpointer data)
{
  g_autofree char *quick = call_params ("quick");
  g_autofree char *slow = call_params ("slow");
  g_autofree char *forever = call_params ("forever");
  g_autofree char *plain = call_params ("plain");
  g_autoptr(JsonObject) now = rpc_full (f, "tools/call", "quick", quick, CAPS_TASKS, NULL);
  g_autoptr(JsonObject) sync = rpc_full (f, "tools/call", "slow", slow, "{}", NULL);
  g_autoptr(JsonObject) forbidden = rpc_full (f, "tools/call", "plain", plain, CAPS_TASKS, NULL);
  g_autoptr(JsonObject) required = NULL;
  guint status = 0;
  JsonObject *data_object;

  g_assert_cmpstr (json_object_get_string_member (result_of (now), "resultType"), ==, "complete");
  g_assert_false (json_object_has_member (result_of (now), "taskId"));
  /* Without the extension an optional tool answers in the response. */
  g_assert_cmpstr (json_object_get_string_member (result_of (sync), "resultType"), ==, "complete");
  g_assert_false (json_object_has_member (result_of (sync), "taskId"));
  g_assert_false (json_object_has_member (result_of (forbidden), "taskId"));
  /* Not a task: nowhere to show a status message. */
  g_assert_false (status_message_taken);

  required = rpc_full (f, "tools/call", "forever", forever, "{}", &status);
  g_assert_cmpuint (status, ==, 400);
  g_assert_cmpint (error_code (required), ==, -32021);
  data_object = json_object_get_object_member (json_object_get_object_member (required, "error"), "data");
  g_assert_true (json_object_has_member (json_object_get_object_member (json_object_get_object_member (
                   data_object, "requiredCapabilities"), "extensions"), "io.modelcontextprotocol/tasks"));
}

static void
test_errors (Fixture *f, gconstpointer data)
{
  g_autofree char *task_id = start_task (f, "forever");
  g_autofree char *params = task_params (task_id);
  g_autoptr(JsonObject) undeclared = NULL;
  g_autoptr(JsonObject) unknown = NULL;
  g_autoptr(JsonObject) wrong_name = NULL;
  g_autoptr(JsonObject) no_name = NULL;
  g_autoptr(JsonObject) removed = NULL;
  g_autoptr(JsonObject) ack = NULL;
  g_autoptr(JsonObject) cancelled = NULL;
  guint status = 0;

  undeclared = rpc_full (f, "tasks/get", task_id, params, "{}", &status);
  g_assert_cmpint (error_code (undeclared), ==, -32021);
  unknown = rpc_full (f, "tasks/get", "0123", "\"taskId\":\"0123\"", CAPS_TASKS, NULL);
  g_assert_cmpint (error_code (unknown), ==, -32602);
  wrong_name = rpc_full (f, "tasks/get", "0123", params, CAPS_TASKS, &status);
  g_assert_cmpuint (status, ==, 400);
  g_assert_cmpint (error_code (wrong_name), ==, -32020);
  no_name = rpc_full (f, "tasks/cancel", NULL, params, CAPS_TASKS, &status);
  g_assert_cmpint (error_code (no_name), ==, -32020);
  removed = rpc_full (f, "tasks/result", NULL, params, CAPS_TASKS, NULL);
  g_assert_cmpint (error_code (removed), ==, -32601);

  /* Cancel stops the handler; the status settles to cancelled. */
  ack = rpc_full (f, "tasks/cancel", task_id, params, CAPS_TASKS, NULL);
  g_assert_cmpstr (json_object_get_string_member (result_of (ack), "resultType"), ==, "complete");
  cancelled = get_task (f, task_id);
  g_assert_cmpstr (json_object_get_string_member (cancelled, "status"), ==, "cancelled");
}

/* A result larger than a task keeps fails the task, with a clear error. */
static void
test_result_too_large (Fixture *f, gconstpointer data)
{
  g_autofree char *task_id = start_task (f, "huge");
  g_autoptr(JsonObject) done = wait_task (f, task_id, "working");
  JsonObject *error = json_object_get_object_member (done, "error");

  g_assert_cmpstr (json_object_get_string_member (done, "status"), ==, "failed");
  g_assert_false (json_object_has_member (done, "result"));
  g_assert_cmpint (json_object_get_int_member (error, "code"), ==, -32603);
  g_assert_nonnull (strstr (json_object_get_string_member (error, "message"), "larger than a task keeps"));
}

/* A task's result is the handler's own tree, not what a client sent: one
 * deeper and wider than a client's request may be (128 levels, 1,000
 * members) is kept and answered by tasks/get, and by tools/call when the
 * handler answers at once. */
static void
test_deep_result (Fixture *f, gconstpointer data)
{
  g_autofree char *task_id = start_task (f, "deep");
  g_autofree char *now_params = call_params ("deep-now");
  g_autoptr(JsonObject) done = wait_task (f, task_id, "working");
  g_autoptr(JsonObject) now = NULL;
  JsonObject *result;

  g_assert_cmpstr (json_object_get_string_member (done, "status"), ==, "completed");
  g_assert_false (json_object_has_member (done, "error"));
  result = json_object_get_object_member (done, "result");
  g_assert_false (json_object_get_boolean_member_with_default (result, "isError", FALSE));
  test_assert_deep_object (json_object_get_object_member (result, "structuredContent"), DEEP_LEVELS, 1500);

  /* Answered at once, the same result is the response of tools/call. */
  now = rpc_full (f, "tools/call", "deep-now", now_params, CAPS_TASKS, NULL);
  g_assert_false (json_object_has_member (result_of (now), "taskId"));
  test_assert_deep_object (json_object_get_object_member (result_of (now), "structuredContent"), DEEP_LEVELS,
                           1500);
}

/* A task keeps no more of an error or of input requests than of a
 * result: larger ones fail the task as a large result does. */
static void
test_outcome_too_large (Fixture *f, gconstpointer data)
{
  const char *calls[] = {
    "\"name\":\"huge-error\",\"arguments\":{}",
    "\"name\":\"huge-error\",\"arguments\":{\"data\":true}",
    "\"name\":\"huge-ask\",\"arguments\":{}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (calls); i++)
    {
      const char *tool = i < 2 ? "huge-error" : "huge-ask";
      g_autoptr(JsonObject) response = rpc_full (f, "tools/call", tool, calls[i], CAPS_TASKS, NULL);
      const char *task_id = json_object_get_string_member (result_of (response), "taskId");
      g_autoptr(JsonObject) done = wait_task (f, task_id, "working");
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), done);
      g_autofree char *text = json_to_string (node, FALSE);
      JsonObject *error = json_object_get_object_member (done, "error");

      g_assert_cmpstr (json_object_get_string_member (done, "status"), ==, "failed");
      g_assert_cmpuint (strlen (text), <, 1024 * 1024);
      g_assert_false (json_object_has_member (done, "inputRequests"));
      g_assert_cmpint (json_object_get_int_member (error, "code"), ==, -32603);
      g_assert_nonnull (strstr (json_object_get_string_member (error, "message"), "larger than a task keeps"));
    }
}

/* input_required: answered one key at a time with tasks/update; the
 * handler's own state comes back in the next round. */
static void
test_input_required (Fixture *f, gconstpointer data)
{
  g_autofree char *task_id = start_task (f, "ask");
  g_autoptr(JsonObject) waiting = wait_task (f, task_id, "working");
  g_autoptr(JsonObject) partial = NULL;
  g_autoptr(JsonObject) done = NULL;
  g_autoptr(JsonObject) ack1 = NULL;
  g_autoptr(JsonObject) ack2 = NULL;
  g_autofree char *first =
    g_strdup_printf ("\"taskId\":\"%s\",\"inputResponses\":{\"a\":{\"action\":\"accept\",\"content\":{}},"
                     "\"zzz\":{\"action\":\"accept\"}}", task_id);
  g_autofree char *second =
    g_strdup_printf ("\"taskId\":\"%s\",\"inputResponses\":{\"b\":{\"action\":\"decline\"}}", task_id);
  JsonObject *requests;

  g_assert_cmpstr (json_object_get_string_member (waiting, "status"), ==, "input_required");
  requests = json_object_get_object_member (waiting, "inputRequests");
  g_assert_cmpuint (json_object_get_size (requests), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (requests, "a"), "method"), ==,
                   "elicitation/create");
  g_assert_false (json_object_has_member (waiting, "requestState"));

  ack1 = rpc_full (f, "tasks/update", task_id, first, CAPS_TASKS, NULL);
  g_assert_cmpstr (json_object_get_string_member (result_of (ack1), "resultType"), ==, "complete");
  partial = get_task (f, task_id);
  g_assert_cmpstr (json_object_get_string_member (partial, "status"), ==, "input_required");
  requests = json_object_get_object_member (partial, "inputRequests");
  g_assert_false (json_object_has_member (requests, "a"));
  g_assert_true (json_object_has_member (requests, "b"));

  ack2 = rpc_full (f, "tasks/update", task_id, second, CAPS_TASKS, NULL);
  g_assert_cmpstr (json_object_get_string_member (result_of (ack2), "resultType"), ==, "complete");
  done = wait_task (f, task_id, "working");
  g_assert_cmpstr (json_object_get_string_member (done, "status"), ==, "completed");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
                     json_object_get_array_member (json_object_get_object_member (done, "result"), "content"), 0),
                     "text"), ==, "accept decline round-two");
}

/* A task waits for its input as long as the task lives (its TTL), not
 * only for the lifetime of a requestState: the state stays with the
 * server and never reaches the client, so the person answering may take
 * longer than the 10 minutes a client has to retry an input-required
 * result. Here the states expire at once. */
static void
test_input_required_slow_answer (Fixture *f, gconstpointer data)
{
  g_autofree char *task_id = NULL;
  g_autoptr(JsonObject) waiting = NULL;
  g_autoptr(JsonObject) done = NULL;
  g_autoptr(JsonObject) ack = NULL;
  g_autofree char *answers = NULL;

  north_mcp_server_set_request_state_lifetime (f->server, 0);
  task_id = start_task (f, "ask");
  waiting = wait_task (f, task_id, "working");
  g_assert_cmpstr (json_object_get_string_member (waiting, "status"), ==, "input_required");
  answers = g_strdup_printf ("\"taskId\":\"%s\",\"inputResponses\":{\"a\":{\"action\":\"accept\"},"
                             "\"b\":{\"action\":\"cancel\"}}", task_id);
  ack = rpc_full (f, "tasks/update", task_id, answers, CAPS_TASKS, NULL);
  g_assert_cmpstr (json_object_get_string_member (result_of (ack), "resultType"), ==, "complete");
  done = wait_task (f, task_id, "working");
  if (json_object_has_member (done, "error"))
    g_error ("The task failed: %s",
             json_object_get_string_member (json_object_get_object_member (done, "error"), "message"));
  g_assert_cmpstr (json_object_get_string_member (done, "status"), ==, "completed");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
                     json_object_get_array_member (json_object_get_object_member (done, "result"), "content"), 0),
                     "text"), ==, "accept cancel round-two");
}

/* A task of another identity is indistinguishable from an unknown one. */
static void
test_owners (Fixture *f, gconstpointer data)
{
  g_autofree char *task_id = NULL;
  g_autofree char *params = NULL;
  g_autoptr(JsonObject) other_get = NULL;
  g_autoptr(JsonObject) unknown_get = NULL;
  g_autoptr(JsonObject) other_cancel = NULL;
  g_autoptr(JsonObject) mine = NULL;
  g_autoptr(JsonObject) ack = NULL;

  north_mcp_auth_set_server_secret (north_mcp_server_get_auth (f->server), "s3cret");
  f->email = "ada@example.com";
  task_id = start_task (f, "forever");
  params = task_params (task_id);

  f->email = "eve@example.com";
  other_get = rpc_full (f, "tasks/get", task_id, params, CAPS_TASKS, NULL);
  unknown_get = rpc_full (f, "tasks/get", "0123", "\"taskId\":\"0123\"", CAPS_TASKS, NULL);
  g_assert_cmpint (error_code (other_get), ==, -32602);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (other_get, "error"), "message"),
                   ==,
                   json_object_get_string_member (json_object_get_object_member (unknown_get, "error"), "message"));
  other_cancel = rpc_full (f, "tasks/cancel", task_id, params, CAPS_TASKS, NULL);
  g_assert_cmpint (error_code (other_cancel), ==, -32602);

  f->email = "ada@example.com";
  mine = get_task (f, task_id);
  g_assert_cmpstr (json_object_get_string_member (mine, "status"), ==, "working");
  ack = rpc_full (f, "tasks/cancel", task_id, params, CAPS_TASKS, NULL);
  g_assert_cmpstr (json_object_get_string_member (result_of (ack), "resultType"), ==, "complete");
}

/* Identities (server-secret auth) for tests that fill a bound in all:
 * each keeps less than its own share. */
static const char *const identities[] = {
  "u0@example.com", "u1@example.com", "u2@example.com", "u3@example.com", "u4@example.com", "u5@example.com",
};

static void
use_identity (Fixture *f, const char *email)
{
  north_mcp_auth_set_server_secret (north_mcp_server_get_auth (f->server), "s3cret");
  f->email = email;
}

/* Cancels the tasks @ids, each as its owner in @owners. */
static void
cancel_all (Fixture *f, GPtrArray *ids, GPtrArray *owners)
{
  for (guint i = 0; i < ids->len; i++)
    {
      g_autofree char *cancel = task_params (g_ptr_array_index (ids, i));
      g_autoptr(JsonObject) ack = NULL;

      use_identity (f, g_ptr_array_index (owners, i));
      ack = rpc_full (f, "tasks/cancel", g_ptr_array_index (ids, i), cancel, CAPS_TASKS, NULL);
      result_of (ack);
    }
}

/* Starts `forever` tasks with @params (3 MiB each), as each of the
 * @n_callers in turn, until one is refused: returns that refusal, or NULL
 * after 22 (more than 64 MiB). Each task started goes in @running, its
 * caller in @owners. */
static JsonObject *
start_until_refused (Fixture           *f,
                     const char        *params,
                     const char *const *callers,
                     guint              n_callers,
                     GPtrArray         *running,
                     GPtrArray         *owners)
{
  for (guint i = 0; i < 64 / 3 + 1; i++)
    {
      g_autoptr(JsonObject) response = NULL;

      use_identity (f, callers[i % n_callers]);
      response = rpc_full (f, "tools/call", "forever", params, CAPS_TASKS, NULL);
      if (json_object_has_member (response, "error"))
        return g_steal_pointer (&response);
      g_ptr_array_add (running, g_strdup (json_object_get_string_member (result_of (response), "taskId")));
      g_ptr_array_add (owners, (gpointer) f->email);
    }
  return NULL;
}

/* A running task keeps the request that started it: they are bounded in
 * all (64 MiB), so that tasks that run long cannot make the server hold
 * whatever their callers sent. Cancelling one makes room again once its
 * handler returned. */
static void
test_held_requests (Fixture *f, gconstpointer data)
{
  g_autofree char *pad = g_strnfill (3 * 1024 * 1024, 'p');
  g_autofree char *params = g_strdup_printf ("\"name\":\"forever\",\"arguments\":{\"pad\":\"%s\"}", pad);
  g_autoptr(GPtrArray) running = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) owners = g_ptr_array_new ();
  g_autoptr(JsonObject) refused = NULL;
  g_autofree char *small = NULL;
  g_autofree char *again = NULL;
  const char *message;

  refused = start_until_refused (f, params, identities, G_N_ELEMENTS (identities), running, owners);
  g_assert_nonnull (refused);
  g_assert_cmpuint (running->len, >=, 16);
  g_assert_cmpint (error_code (refused), ==, -32603);
  message = json_object_get_string_member (json_object_get_object_member (refused, "error"), "message");
  g_assert_nonnull (strstr (message, "64 MiB;"));

  /* A small request still fits; a large one after a task ended. */
  small = start_task (f, "forever");
  g_ptr_array_add (running, g_steal_pointer (&small));
  g_ptr_array_add (owners, (gpointer) f->email);
  {
    g_autofree char *cancel = task_params (g_ptr_array_index (running, 0));
    g_autoptr(JsonObject) ack = NULL;
    g_autoptr(JsonObject) response = NULL;

    guint stopped = forever_stopped;

    use_identity (f, g_ptr_array_index (owners, 0));
    ack = rpc_full (f, "tasks/cancel", g_ptr_array_index (running, 0), cancel, CAPS_TASKS, NULL);
    g_assert_cmpstr (json_object_get_string_member (result_of (ack), "resultType"), ==, "complete");
    /* Its request counts until its handler returned. */
    while (forever_stopped == stopped)
      g_main_context_iteration (NULL, TRUE);
    g_ptr_array_remove_index (running, 0);
    g_ptr_array_remove_index (owners, 0);
    response = rpc_full (f, "tools/call", "forever", params, CAPS_TASKS, NULL);
    again = g_strdup (json_object_get_string_member (result_of (response), "taskId"));
    g_ptr_array_add (running, g_steal_pointer (&again));
    g_ptr_array_add (owners, (gpointer) f->email);
  }

  cancel_all (f, running, owners);
}

/* One user cannot take the room of all: the requests its running tasks
 * keep are bounded to a quarter (16 MiB), and another user's large
 * request still fits. */
static void
test_held_per_owner (Fixture *f, gconstpointer data)
{
  g_autofree char *pad = g_strnfill (3 * 1024 * 1024, 'p');
  g_autofree char *params = g_strdup_printf ("\"name\":\"forever\",\"arguments\":{\"pad\":\"%s\"}", pad);
  g_autoptr(GPtrArray) running = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) owners = g_ptr_array_new ();
  g_autoptr(JsonObject) refused = NULL;
  g_autoptr(JsonObject) other = NULL;

  refused = start_until_refused (f, params, (const char *const[]) { "ada@example.com" }, 1, running, owners);
  g_assert_nonnull (refused);
  g_assert_cmpuint (running->len, ==, 5);
  g_assert_cmpint (error_code (refused), ==, -32603);
  g_assert_nonnull (strstr (json_object_get_string_member (json_object_get_object_member (refused, "error"),
                                                           "message"), "16 MiB for this user"));

  use_identity (f, "eve@example.com");
  other = rpc_full (f, "tools/call", "forever", params, CAPS_TASKS, NULL);
  g_ptr_array_add (running, g_strdup (json_object_get_string_member (result_of (other), "taskId")));
  g_ptr_array_add (owners, (gpointer) f->email);

  cancel_all (f, running, owners);
}

/* A cancelled task whose handler runs on (it ignores the cancellation)
 * keeps what its request holds counted until the handler returns. Before,
 * tasks/cancel let go of it at once: a user could start and cancel 3 MiB
 * tasks, each handler running on for nobody, past any bound. */
static void
test_held_until_handler_returns (Fixture *f, gconstpointer data)
{
  g_autofree char *pad = g_strnfill (3 * 1024 * 1024, 'p');
  g_autofree char *params = g_strdup_printf ("\"name\":\"stubborn\",\"arguments\":{\"pad\":\"%s\"}", pad);
  g_autoptr(JsonObject) refused = NULL;
  g_autoptr(JsonObject) again = NULL;
  guint started = 0;

  use_identity (f, "ada@example.com");
  for (; started < 16 && refused == NULL; started++)
    {
      g_autoptr(JsonObject) response = rpc_full (f, "tools/call", "stubborn", params, CAPS_TASKS, NULL);
      g_autofree char *cancel = NULL;
      g_autoptr(JsonObject) ack = NULL;
      const char *id;

      if (json_object_has_member (response, "error"))
        {
          refused = g_steal_pointer (&response);
          break;
        }
      id = json_object_get_string_member (result_of (response), "taskId");
      cancel = task_params (id);
      ack = rpc_full (f, "tasks/cancel", id, cancel, CAPS_TASKS, NULL);
      g_assert_cmpstr (json_object_get_string_member (result_of (ack), "resultType"), ==, "complete");
    }
  g_assert_nonnull (refused);
  g_assert_cmpuint (started, ==, 5);
  /* The refused one's first round ran too (the request is counted once
   * it started), and runs on as well. */
  g_assert_cmpuint (stubborn->len, ==, 6);
  g_assert_nonnull (strstr (json_object_get_string_member (json_object_get_object_member (refused, "error"),
                                                           "message"), "16 MiB for this user"));

  /* Once they returned, there is room again. */
  stubborn_end ();
  again = rpc_full (f, "tools/call", "stubborn", params, CAPS_TASKS, NULL);
  g_assert_cmpstr (json_object_get_string_member (result_of (again), "resultType"), ==, "task");
}

/* A round of a task runs on after the tasks/update that started it
 * (here until cancelled): it keeps the North context of that request's
 * headers, counted with what the task keeps, and not the headers (up to
 * 64 KiB each). Before, the round's context kept the headers, counted
 * nowhere: 256 tasks of a user, each resumed with 64 KiB of headers, kept
 * 16 MiB past the bounds of what tasks keep. */
static void
test_round_keeps_north_context_only (Fixture *f, gconstpointer data)
{
  g_autofree char *task_id = start_task (f, "ask-then-wait");
  g_autoptr(JsonObject) waiting = wait_task (f, task_id, "working");
  g_autoptr(JsonObject) ack = NULL;
  g_autoptr(JsonObject) cancelled = NULL;
  g_autofree char *pad = g_strnfill (30000, 'p');
  g_autofree char *update =
    g_strdup_printf ("\"taskId\":\"%s\",\"inputResponses\":{\"go\":{\"action\":\"accept\",\"content\":{}}}",
                     task_id);
  g_autofree char *cancel = task_params (task_id);
  Tasks *tasks = north_mcp_tasks_get (NORTH_MCP_PROTOCOL_HOST (f->server));
  Runner *runner;
  gsize before;
  guint stopped;

  g_assert_cmpstr (json_object_get_string_member (waiting, "status"), ==, "input_required");
  runner = g_hash_table_lookup (tasks->runners, task_id);
  g_assert_nonnull (runner);
  before = runner->held;

  waiter_pad = 0;
  f->pad = pad;
  ack = rpc_full (f, "tasks/update", task_id, update, CAPS_TASKS, NULL);
  f->pad = NULL;
  g_assert_cmpstr (json_object_get_string_member (result_of (ack), "resultType"), ==, "complete");
  g_assert_cmpuint (waiter_pad, ==, 30000);

  /* The round runs on: its context has the North context, counted, and
   * no longer the headers. */
  g_assert_nonnull (runner->context);
  g_assert_cmpuint (runner->held, >=, before + 30000);
  g_assert_cmpuint (tasks->held, >=, runner->held);
  g_assert_null (runner->context->request_headers);

  stopped = forever_stopped;
  cancelled = rpc_full (f, "tasks/cancel", task_id, cancel, CAPS_TASKS, NULL);
  g_assert_cmpstr (json_object_get_string_member (result_of (cancelled), "resultType"), ==, "complete");
  /* Counted until the handler returns. */
  while (forever_stopped == stopped)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (g_hash_table_contains (tasks->runners, task_id));
  g_assert_cmpuint (tasks->held, ==, 0);
}

/* What a task waiting for input keeps of the answers it has so far is
 * bounded with its request: an answer that would pass the bound fails
 * the task that got it, and what it kept is let go. */
static void
test_held_answers (Fixture *f, gconstpointer data)
{
  g_autofree char *pad = g_strnfill (3 * 1024 * 1024, 'p');
  g_autoptr(GPtrArray) waiting = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) owners = g_ptr_array_new ();
  g_autoptr(JsonObject) failed = NULL;

  for (guint i = 0; i < 64 / 3 + 1 && failed == NULL; i++)
    {
      g_autofree char *task_id = NULL;
      g_autoptr(JsonObject) asking = NULL;
      g_autofree char *update = NULL;
      g_autoptr(JsonObject) ack = NULL;
      JsonObject *task;

      use_identity (f, identities[i % G_N_ELEMENTS (identities)]);
      task_id = start_task (f, "ask");
      asking = wait_task (f, task_id, "working");
      update = g_strdup_printf ("\"taskId\":\"%s\",\"inputResponses\":{\"a\":"
                                "{\"action\":\"accept\",\"content\":{\"pad\":\"%s\"}}}", task_id, pad);
      g_assert_cmpstr (json_object_get_string_member (asking, "status"), ==, "input_required");
      ack = rpc_full (f, "tasks/update", task_id, update, CAPS_TASKS, NULL);
      g_assert_cmpstr (json_object_get_string_member (result_of (ack), "resultType"), ==, "complete");
      task = get_task (f, task_id);
      if (g_str_equal (json_object_get_string_member (task, "status"), "failed"))
        failed = task;
      else
        {
          g_assert_cmpstr (json_object_get_string_member (task, "status"), ==, "input_required");
          json_object_unref (task);
          g_ptr_array_add (waiting, g_steal_pointer (&task_id));
          g_ptr_array_add (owners, (gpointer) f->email);
        }
    }
  g_assert_nonnull (failed);
  g_assert_cmpuint (waiting->len, >=, 16);
  g_assert_nonnull (strstr (json_object_get_string_member (json_object_get_object_member (failed, "error"),
                                                           "message"), "64 MiB"));

  cancel_all (f, waiting, owners);
}

static void
sleep_ms (guint ms)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);

  g_timeout_add_once (ms, (GSourceOnceFunc) g_main_loop_quit, loop);
  g_main_loop_run (loop);
}

/* Answers the question @task_id waits for (@action "accept" keeps it
 * asking) and waits until it asks again or ends. */
static JsonObject *
answer_nag (Fixture *f, const char *task_id, const char *action)
{
  g_autofree char *update = g_strdup_printf ("\"taskId\":\"%s\",\"inputResponses\":{\"again\":"
                                             "{\"action\":\"%s\",\"content\":{}}}", task_id, action);
  g_autoptr(JsonObject) ack = rpc_full (f, "tasks/update", task_id, update, CAPS_TASKS, NULL);

  g_assert_cmpstr (json_object_get_string_member (result_of (ack), "resultType"), ==, "complete");
  return wait_task (f, task_id, "working");
}

/* task-ttl is how long a task lives after its last change, and the
 * answers of tasks/update are changes: of two tasks waiting for input, the
 * older one, which its client keeps answering, outlives the younger one
 * left alone. Only the order is asserted, never how long anything took. */
static void
test_update_renews_ttl (Fixture *f, gconstpointer data)
{
  g_autofree char *kept_id = NULL;
  g_autofree char *idle_id = NULL;
  g_autofree char *idle_params = NULL;
  g_autoptr(JsonObject) kept = NULL;
  g_autoptr(JsonObject) idle = NULL;
  g_autoptr(JsonObject) done = NULL;
  JsonObject *gone = NULL;

  g_assert_cmpuint (north_mcp_server_get_task_ttl (f->server), ==, 3600);
  g_object_set (f->server, "task-ttl", 2, NULL);

  kept_id = start_task (f, "nag");
  kept = wait_task (f, kept_id, "working");
  g_assert_cmpstr (json_object_get_string_member (kept, "status"), ==, "input_required");
  g_assert_cmpint (json_object_get_int_member (kept, "ttlMs"), ==, 2000);
  idle_id = start_task (f, "nag");
  idle = wait_task (f, idle_id, "working");
  g_assert_cmpstr (json_object_get_string_member (idle, "status"), ==, "input_required");
  idle_params = task_params (idle_id);

  /* Generous: only that the idle one goes at some point. */
  for (guint i = 0; i < 600 && gone == NULL; i++)
    {
      g_autoptr(JsonObject) answer = rpc_full (f, "tasks/get", idle_id, idle_params, CAPS_TASKS, NULL);
      g_autoptr(JsonObject) asking = NULL;

      if (json_object_has_member (answer, "error"))
        {
          gone = json_object_ref (answer);
          break;
        }
      g_assert_cmpstr (json_object_get_string_member (result_of (answer), "status"), ==, "input_required");
      asking = answer_nag (f, kept_id, "accept");
      g_assert_cmpstr (json_object_get_string_member (asking, "status"), ==, "input_required");
      sleep_ms (100);
    }
  g_assert_nonnull (gone);
  g_assert_cmpint (error_code (gone), ==, -32602);
  json_object_unref (gone);

  /* The older one is still there, waiting, and still works. */
  g_clear_pointer (&kept, json_object_unref);
  kept = get_task (f, kept_id);
  g_assert_cmpstr (json_object_get_string_member (kept, "status"), ==, "input_required");
  done = answer_nag (f, kept_id, "decline");
  g_assert_cmpstr (json_object_get_string_member (done, "status"), ==, "completed");
}

/* A tasks/update renews the record of a task that is working (not
 * waiting for input) too: its handler lives as long, not swept while the
 * record, kept by its client's updates, still says it works. */
static void
test_update_keeps_working_handler (Fixture *f, gconstpointer data)
{
  g_autofree char *task_id = NULL;
  g_autofree char *update = NULL;
  g_autoptr(JsonObject) task = NULL;

  g_object_set (f->server, "task-ttl", 1, NULL);
  forever_stopped = 0;
  task_id = start_task (f, "forever");
  update = g_strdup_printf ("\"taskId\":\"%s\",\"inputResponses\":{}", task_id);
  /* Updates for several times the ttl (the sweep runs every second). */
  for (guint i = 0; i < 40; i++)
    {
      g_autoptr(JsonObject) ack = rpc_full (f, "tasks/update", task_id, update, CAPS_TASKS, NULL);

      g_assert_cmpuint (forever_stopped, ==, 0);
      g_assert_cmpstr (json_object_get_string_member (result_of (ack), "resultType"), ==, "complete");
      sleep_ms (100);
    }
  task = get_task (f, task_id);
  g_assert_cmpstr (json_object_get_string_member (task, "status"), ==, "working");
  g_assert_cmpuint (forever_stopped, ==, 0);
  g_object_set (f->server, "task-ttl", 3600, NULL);
}

/* The sweep stops a handler whose task made no change for its ttl of
 * time that passed: a step of the wall clock (NTP, an operator) on a
 * server that runs for months stops none. */
static void
test_clock_step_keeps_handler (Fixture *f, gconstpointer data)
{
  g_autofree char *task_id = NULL;
  g_autoptr(JsonObject) task = NULL;

  /* A ttl of 10 s: the sweep runs every 5 s. */
  g_object_set (f->server, "task-ttl", 10, NULL);
  forever_stopped = 0;
  task_id = start_task (f, "forever");
  test_clock_step (2 * G_TIME_SPAN_HOUR);
  /* At least one sweep, well within the ttl. */
  sleep_ms (6000);
  test_clock_step (0);
  g_assert_cmpuint (forever_stopped, ==, 0);
  task = get_task (f, task_id);
  g_assert_cmpstr (json_object_get_string_member (task, "status"), ==, "working");
  g_object_set (f->server, "task-ttl", 3600, NULL);
}

/* The sweep that stops idle handlers follows task-ttl as it is now, not
 * as it was when the first task started (an hour: a sweep a minute): a
 * handler whose task made no change for a lowered task-ttl stops within
 * about that, not up to a minute late. */
static void
test_lowered_ttl (Fixture *f, gconstpointer data)
{
  g_autofree char *idle = NULL;
  gint64 started;

  /* The first task: the sweep starts at the ttl of then. */
  g_free (start_task (f, "slow"));
  g_object_set (f->server, "task-ttl", 1, NULL);
  forever_stopped = 0;
  idle = start_task (f, "forever");
  started = g_get_monotonic_time ();
  while (forever_stopped == 0 && g_get_monotonic_time () - started < 30 * G_USEC_PER_SEC)
    sleep_ms (50);
  g_assert_cmpuint (forever_stopped, ==, 1);
}

/* A task store that cannot answer (Redis down) is not an unknown task:
 * a client told -32602 would give its task up, so tasks/get, tasks/update
 * and tasks/cancel answer -32603, saying the store is unavailable. */
static void
test_store_unavailable (Fixture *f, gconstpointer data)
{
  g_autofree char *uri = g_strdup_printf ("redis://127.0.0.1:%u", test_free_port ());
  g_autoptr(NorthMcpStateStore) store = north_mcp_state_store_new_for_uri (uri, NULL);
  const char *methods[] = { "tasks/get", "tasks/cancel", "tasks/update" };
  const char *id = "0123456789abcdef0123456789abcdef";

  use_store (f, store);
  for (guint i = 0; i < G_N_ELEMENTS (methods); i++)
    {
      g_autofree char *params = g_strdup_printf ("\"taskId\":\"%s\",\"inputResponses\":{}", id);
      g_autoptr(JsonObject) response = rpc_full (f, methods[i], id, params, CAPS_TASKS, NULL);
      JsonObject *error = json_object_get_object_member (response, "error");

      g_assert_nonnull (error);
      g_assert_cmpint (json_object_get_int_member (error, "code"), ==, -32603);
      g_assert_cmpstr (json_object_get_string_member (error, "message"), ==, "The task store is unavailable");
    }
  use_store (f, NULL);
}

/* Stopping the server cuts its tasks as it cuts its requests: their
 * handlers are cancelled, not left running (and keeping the server) for
 * as long as they like. */
static void
test_stop_cancels (Fixture *f, gconstpointer data)
{
  g_autofree char *task_id = NULL;

  forever_stopped = 0;
  task_id = start_task (f, "forever");
  north_mcp_server_stop (f->server);
  /* Generous: only that it stops at some point. */
  for (guint i = 0; i < 500 && forever_stopped == 0; i++)
    sleep_ms (20);
  g_assert_cmpuint (forever_stopped, ==, 1);
}

/* A handler that stops the server before its call returns: its task is
 * cut with the others, and the call says so. */
static void
test_stop_from_handler (Fixture *f, gconstpointer data)
{
  g_autofree char *params = call_params ("quit");
  g_autoptr(JsonObject) response = NULL;

  quit_server = f->server;
  response = rpc_full (f, "tools/call", "quit", params, CAPS_TASKS, NULL);
  g_assert_cmpint (error_code (response), ==, -32603);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (response, "error"), "message"),
                   ==, "The server is stopping");
}

static TestRedisServer redis;

static void
redis_reply_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  NorthMcpRedisReply **reply = user_data;
  g_autoptr(GError) error = NULL;

  *reply = north_mcp_redis_client_command_finish (NORTH_MCP_REDIS_CLIENT (source), result, &error);
  g_assert_no_error (error);
}

/* @args (@n_args) on the redis-server, directly. */
static NorthMcpRedisReply *
redis_run (guint n_args, const char **args)
{
  g_autoptr(NorthMcpRedisClient) client = north_mcp_redis_client_new (redis.uri, NULL);
  NorthMcpRedisReply *reply = NULL;
  guint watchdog = test_watchdog_add (args[0]);

  while (!north_mcp_redis_client_is_connected (client))
    g_main_context_iteration (NULL, TRUE);
  north_mcp_redis_client_command_async (client, n_args, args, NULL, NULL, redis_reply_done, &reply);
  while (reply == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (watchdog);
  return reply;
}

/* CONFIG SET maxmemory @value on the redis-server, directly. */
static void
redis_maxmemory (const char *value)
{
  const char *args[] = { "CONFIG", "SET", "maxmemory", value };

  north_mcp_redis_reply_unref (redis_run (G_N_ELEMENTS (args), args));
}

/* How many commands the redis-server refused for want of memory. */
static guint64
redis_oom_refusals (void)
{
  const char *args[] = { "INFO", "errorstats" };
  g_autoptr(NorthMcpRedisReply) reply = redis_run (G_N_ELEMENTS (args), args);
  const char *text = north_mcp_redis_reply_get_string (reply, NULL);
  const char *count = text != NULL ? strstr (text, "errorstat_OOM:count=") : NULL;

  return count != NULL ? g_ascii_strtoull (count + strlen ("errorstat_OOM:count="), NULL, 10) : 0;
}

/* Answers a and b of the ask task @task_id through @f. */
static JsonObject *
answer_ask (Fixture *f, const char *task_id)
{
  g_autofree char *params =
    g_strdup_printf ("\"taskId\":\"%s\",\"inputResponses\":{\"a\":{\"action\":\"accept\"},"
                     "\"b\":{\"action\":\"decline\"}}", task_id);

  return rpc_full (f, "tasks/update", task_id, params, CAPS_TASKS, NULL);
}

/* A tasks/update whose record the shared store could not write (Redis
 * refused it) is not acknowledged: the client is told to try again, and
 * the handler, which still waits for the rest, is not dropped with the
 * answers it took (else the task waits for ever, told it had them). */
static void
test_update_store_refused (Fixture *f, gconstpointer data)
{
  g_autoptr(NorthMcpStateStore) store = north_mcp_state_store_new_for_uri (redis.uri, NULL);
  g_autofree char *task_id = NULL;
  g_autoptr(JsonObject) asking = NULL;
  g_autoptr(JsonObject) refused = NULL;
  g_autoptr(JsonObject) ack = NULL;
  g_autoptr(JsonObject) done = NULL;
  g_autofree char *first = NULL;

  use_store (f, store);
  task_id = start_task (f, "ask");
  asking = wait_task (f, task_id, "working");
  g_assert_cmpstr (json_object_get_string_member (asking, "status"), ==, "input_required");

  first = g_strdup_printf ("\"taskId\":\"%s\",\"inputResponses\":{\"a\":{\"action\":\"accept\"}}",
                           task_id);
  redis_maxmemory ("1");
  refused = rpc_full (f, "tasks/update", task_id, first, CAPS_TASKS, NULL);
  redis_maxmemory ("0");
  g_assert_true (json_object_has_member (refused, "error"));
  g_assert_cmpint (error_code (refused), ==, -32603);

  ack = answer_ask (f, task_id);
  g_assert_cmpstr (json_object_get_string_member (result_of (ack), "resultType"), ==, "complete");
  done = wait_task (f, task_id, "input_required");
  g_assert_cmpstr (json_object_get_string_member (done, "status"), ==, "completed");
  use_store (f, NULL);
}

/* How many subscribers @channel has on the redis-server (PUBSUB NUMSUB). */
static gint64
redis_subscribers (const char *channel)
{
  const char *args[] = { "PUBSUB", "NUMSUB", channel };
  g_autoptr(NorthMcpRedisReply) reply = redis_run (G_N_ELEMENTS (args), args);

  return north_mcp_redis_reply_get_integer (north_mcp_redis_reply_get_element (reply, 1));
}

/* Until @channel has @count subscribers: a message published before would
 * reach fewer. */
static void
wait_subscribers (const char *channel, gint64 count)
{
  guint watchdog = test_watchdog_add (channel);

  while (redis_subscribers (channel) != count)
    sleep_ms (10);
  g_source_remove (watchdog);
}

static void
ignore_message (const char *channel, GBytes *message, gpointer user_data)
{
}

/* @f serves its sessions and tasks from the redis-server, through a
 * store of its own (as a replica does). */
static void
serve_from_redis (Fixture *f)
{
  g_autoptr(NorthMcpStateStore) store = north_mcp_state_store_new_for_uri (redis.uri, NULL);

  use_store (f, store);
}

/* Another replica, @r; replica_end() stops it. */
static void
replica_start (Fixture *r)
{
  fixture_setup (r, NULL);
  serve_from_redis (r);
}

static void
replica_end (Fixture *r)
{
  use_store (r, NULL);
  fixture_teardown (r, NULL);
}

/* A tasks/update that reaches a replica where its task does not run is
 * relayed to the one that runs it, and acknowledged once that one took
 * the answers. Pub/sub delivers to nobody while the running replica is
 * not subscribed (starting, reconnecting, gone): such an update used to
 * be acknowledged all the same, its answers lost, the task waiting for
 * ever while its client believed it answered. */
static void
test_update_relayed_is_acknowledged (Fixture *f, gconstpointer data)
{
  Fixture other = { 0 };
  Tasks *tasks;
  g_autofree char *relayed = NULL;
  g_autofree char *lost = NULL;
  g_autoptr(JsonObject) asking = NULL;
  g_autoptr(JsonObject) ack = NULL;
  g_autoptr(JsonObject) done = NULL;
  g_autoptr(JsonObject) refused = NULL;
  g_autoptr(JsonObject) still = NULL;
  g_autoptr(JsonObject) direct = NULL;
  g_autoptr(JsonObject) finished = NULL;

  replica_start (&other);
  serve_from_redis (f);
  relayed = start_task (f, "ask");
  lost = start_task (f, "ask");
  asking = wait_task (&other, relayed, "working");
  g_assert_cmpstr (json_object_get_string_member (asking, "status"), ==, "input_required");
  json_object_unref (wait_task (&other, lost, "working"));
  /* Both replicas listen (the other one since its tasks/get). */
  wait_subscribers (NORTH_MCP_STATE_STORE_PREFIX "task-update", 2);
  wait_subscribers (NORTH_MCP_STATE_STORE_PREFIX "task-update-ack", 2);

  ack = answer_ask (&other, relayed);
  g_assert_cmpstr (json_object_get_string_member (result_of (ack), "resultType"), ==, "complete");
  done = wait_task (f, relayed, "input_required");
  g_assert_cmpstr (json_object_get_string_member (done, "status"), ==, "completed");

  /* The running replica no longer listens: not acknowledged. */
  tasks = north_mcp_tasks_get (NORTH_MCP_PROTOCOL_HOST (f->server));
  north_mcp_state_store_unsubscribe (tasks->shared, tasks->update_id);
  /* (One for it to let go of at the end.) */
  tasks->update_id = north_mcp_state_store_subscribe (tasks->shared, NORTH_MCP_STATE_STORE_PREFIX "test-unused",
                                                      ignore_message, NULL, NULL);
  wait_subscribers (NORTH_MCP_STATE_STORE_PREFIX "task-update", 1);
  refused = answer_ask (&other, lost);
  g_assert_true (json_object_has_member (refused, "error"));
  g_assert_cmpint (error_code (refused), ==, -32603);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (refused, "error"), "message"), ==,
                   "The replica that runs the task did not confirm the update; send it again");
  still = get_task (f, lost);
  g_assert_cmpstr (json_object_get_string_member (still, "status"), ==, "input_required");
  /* Sent again where it is taken. */
  direct = answer_ask (f, lost);
  g_assert_cmpstr (json_object_get_string_member (result_of (direct), "resultType"), ==, "complete");
  finished = wait_task (f, lost, "input_required");
  g_assert_cmpstr (json_object_get_string_member (finished, "status"), ==, "completed");

  replica_end (&other);
  use_store (f, NULL);
}

/* A replica that has handled no tasks/ request yet relays a tasks/update
 * as its first: the acknowledgment reaches it (it listened before it
 * published), the client is not told to send it again. */
static void
test_first_update_relayed_is_acknowledged (Fixture *f, gconstpointer data)
{
  g_autoptr(NorthMcpStateStore) store = north_mcp_state_store_new_for_uri (redis.uri, NULL);
  g_autoptr(NorthMcpStateStore) other_store = north_mcp_state_store_new_for_uri (redis.uri, NULL);
  Fixture other = { 0 };
  g_autofree char *relayed = NULL;
  g_autoptr(JsonObject) asking = NULL;
  g_autoptr(JsonObject) ack = NULL;
  g_autoptr(JsonObject) done = NULL;

  fixture_setup (&other, NULL);
  use_store (f, store);
  relayed = start_task (f, "ask");
  asking = wait_task (f, relayed, "working");
  g_assert_cmpstr (json_object_get_string_member (asking, "status"), ==, "input_required");
  wait_subscribers (NORTH_MCP_STATE_STORE_PREFIX "task-update", 1);

  /* A fresh replica; its tasks/update the first task request it sees. */
  use_store (&other, other_store);
  ack = answer_ask (&other, relayed);
  g_assert_false (json_object_has_member (ack, "error"));
  g_assert_cmpstr (json_object_get_string_member (result_of (ack), "resultType"), ==, "complete");
  done = wait_task (f, relayed, "input_required");
  g_assert_cmpstr (json_object_get_string_member (done, "status"), ==, "completed");

  use_store (&other, NULL);
  use_store (f, NULL);
  fixture_teardown (&other, NULL);
}

/* For a test whose task, run by @f, is updated through @f, or (@data
 * "relayed") through @other, a replica sharing @f's Redis store (also
 * used with @data "shared"): returns the fixture that updates. */
static Fixture *
updating_setup (Fixture *f, Fixture *other, gconstpointer data)
{
  if (data != NULL)
    serve_from_redis (f);
  if (g_strcmp0 (data, "relayed") != 0)
    return f;
  replica_start (other);
  return other;
}

/* Before an update: a replica that relays it needs the one that runs
 * the task listening for it, and itself for the acknowledgment. */
static void
updating_ready (Fixture *f, Fixture *updating)
{
  if (updating == f)
    return;
  wait_subscribers (NORTH_MCP_STATE_STORE_PREFIX "task-update", 2);
  wait_subscribers (NORTH_MCP_STATE_STORE_PREFIX "task-update-ack", 2);
}

static void
updating_teardown (Fixture *f, Fixture *updating, gconstpointer data)
{
  if (updating != f)
    replica_end (updating);
  if (data != NULL)
    use_store (f, NULL);
}

/* Starts "ask-sees" as a task through @f; once it asks (polled through
 * @polling), returns its id, and what its first round saw in *@first. */
static char *
ask_sees_start (Fixture *f, Fixture *polling, char **first)
{
  g_autofree char *task_id = start_task (f, "ask-sees");
  g_autoptr(JsonObject) asking = wait_task (polling, task_id, "working");
  JsonObject *question;

  g_assert_cmpstr (json_object_get_string_member (asking, "status"), ==, "input_required");
  question = json_object_get_object_member (json_object_get_object_member (json_object_get_object_member (
                                              asking, "inputRequests"), "go"), "params");
  *first = g_strdup (json_object_get_string_member (question, "message"));
  return g_steal_pointer (&task_id);
}

/* Answers the question of the "ask-sees" task @task_id through
 * @updating; returns the text of its result (polled through @f). */
static char *
ask_sees_answer (Fixture *f, Fixture *updating, const char *task_id)
{
  g_autofree char *update = g_strdup_printf ("\"taskId\":\"%s\",\"inputResponses\":{\"go\":{"
                                             "\"action\":\"accept\",\"content\":{}}}", task_id);
  g_autoptr(JsonObject) ack = rpc_full (updating, "tasks/update", task_id, update, CAPS_TASKS, NULL);
  g_autoptr(JsonObject) done = NULL;

  g_assert_cmpstr (json_object_get_string_member (result_of (ack), "resultType"), ==, "complete");
  done = wait_task (f, task_id, "input_required");
  g_assert_cmpstr (json_object_get_string_member (done, "status"), ==, "completed");
  return g_strdup (json_object_get_string_member (json_array_get_object_element (
                     json_object_get_array_member (json_object_get_object_member (done, "result"), "content"), 0),
                     "text"));
}

/* Each round of a task sees the North context (X-North-Context-*) of the
 * request that started it, and the caller: the first round the
 * tools/call's, a later one the tasks/update's that brought its answer,
 * with the tasks in memory, in Redis, and with the update reaching
 * another replica (@data: NULL, "shared" or "relayed"). The first round
 * ran once the store admitted the task, outside its request: its North
 * context was empty; so was a round started by a relayed update. */
static void
test_rounds_see_their_request (Fixture *f, gconstpointer data)
{
  Fixture other = { 0 };
  Fixture *updating = updating_setup (f, &other, data);
  g_autofree char *task_id = NULL;
  g_autofree char *first = NULL;
  g_autofree char *text = NULL;

  use_identity (updating, "ada@example.com");
  use_identity (f, "ada@example.com");
  f->tenant = "t-call";
  /* (Polled through the replica that updates, which listens to relayed
   * acknowledgments from its first tasks/ request on.) */
  task_id = ask_sees_start (f, updating, &first);
  f->tenant = NULL;
  g_assert_cmpstr (first, ==, "t-call/t-call/ada@example.com");

  updating_ready (f, updating);
  updating->tenant = "t-update";
  text = ask_sees_answer (f, updating, task_id);
  updating->tenant = NULL;
  g_assert_cmpstr (text, ==, "t-call/t-call/ada@example.com t-update/t-update/ada@example.com");
  updating_teardown (f, updating, data);
}

/* A later round acts for the tools/call's identity with the credentials
 * of the tasks/update that started it: the same identity (only its owner
 * reaches the task), verified for that request, where the tools/call's
 * connector and ID tokens may have expired meanwhile. Every round used
 * the tools/call's. An update through another replica (@data
 * "relayed") brings no credentials (none go through Redis): its round
 * keeps the last ones. */
static void
test_rounds_use_fresh_credentials (Fixture *f, gconstpointer data)
{
  Fixture other = { 0 };
  Fixture *updating = updating_setup (f, &other, data);
  g_autofree char *call_token = ada_id_token (1000);
  g_autofree char *update_token = ada_id_token (2000);
  g_autofree char *task_id = NULL;
  g_autofree char *first = NULL;
  g_autofree char *text = NULL;

  f->connectors = updating->connectors = "{\"github\":\"gho-call\"}";
  f->id_token = updating->id_token = call_token;
  task_id = ask_sees_start (f, updating, &first);
  g_assert_cmpstr (first, ==, "-/-/ada@example.com github=gho-call iat=1000");

  updating_ready (f, updating);
  updating->connectors = "{\"github\":\"gho-update\"}";
  updating->id_token = update_token;
  text = ask_sees_answer (f, updating, task_id);
  g_assert_cmpstr (text, ==, updating != f ? "-/-/ada@example.com github=gho-call iat=1000 "
                                             "-/-/ada@example.com github=gho-call iat=1000"
                                           : "-/-/ada@example.com github=gho-call iat=1000 "
                                             "-/-/ada@example.com github=gho-update iat=2000");
  updating_teardown (f, updating, data);
}

/* Credentials that name no one (an ID token without `sub` or `email`)
 * are no identity: two callers with such credentials are anonymous
 * alike, so either reaches the other's task (given its id), but a round
 * keeps the credentials of the tools/call, not those of another caller's
 * tasks/update. The round of bob's task ran with carol's connector token,
 * acting on her account with what bob asked for. */
static void
test_rounds_keep_credentials_without_identity (Fixture *f, gconstpointer data)
{
  g_autofree char *bob_token = id_token ("{\"iss\":\"https://idp.example\",\"name\":\"bob\",\"iat\":1000}");
  g_autofree char *carol_token = id_token ("{\"iss\":\"https://idp.example\",\"name\":\"carol\",\"iat\":2000}");
  g_autofree char *task_id = NULL;
  g_autofree char *first = NULL;
  g_autofree char *text = NULL;

  f->connectors = "{\"github\":\"gho-bob\"}";
  f->id_token = bob_token;
  task_id = ask_sees_start (f, f, &first);
  g_assert_cmpstr (first, ==, "-/-/- github=gho-bob iat=1000");

  f->connectors = "{\"github\":\"gho-carol\"}";
  f->id_token = carol_token;
  text = ask_sees_answer (f, f, task_id);
  g_assert_cmpstr (text, ==, "-/-/- github=gho-bob iat=1000 -/-/- github=gho-bob iat=1000");
}

/* A task's result may nest as deep as a channel reads a handler's result
 * back (NORTH_MCP_TASK_MAX_RESULT_DEPTH, 1,024 levels), with objects of
 * any number of members, in memory and in Redis alike (@data: NULL or
 * "shared"); nested deeper, the task fails with -32603, saying so. Tasks
 * in memory kept a result of any depth (1,100 levels completed) when
 * Redis refused more than 128 levels or 1,000 members. */
static void
test_result_depth (Fixture *f, gconstpointer data)
{
  if (data != NULL)
    serve_from_redis (f);
  for (guint levels = NORTH_MCP_TASK_MAX_RESULT_DEPTH - 1; levels <= NORTH_MCP_TASK_MAX_RESULT_DEPTH; levels++)
    {
      /* structuredContent's levels, and the result's object. */
      g_autofree char *params = g_strdup_printf ("\"name\":\"deep\",\"arguments\":{\"levels\":%u}", levels);
      g_autoptr(JsonObject) response = rpc_full (f, "tools/call", "deep", params, CAPS_TASKS, NULL);
      const char *task_id = json_object_get_string_member (result_of (response), "taskId");
      g_autoptr(JsonObject) done = wait_task (f, task_id, "working");

      if (levels + 1 <= NORTH_MCP_TASK_MAX_RESULT_DEPTH)
        {
          g_assert_cmpstr (json_object_get_string_member (done, "status"), ==, "completed");
          test_assert_deep_object (json_object_get_object_member (json_object_get_object_member (done, "result"),
                                                                  "structuredContent"), levels, 1500);
        }
      else
        {
          JsonObject *error;

          g_assert_cmpstr (json_object_get_string_member (done, "status"), ==, "failed");
          g_assert_false (json_object_has_member (done, "result"));
          error = json_object_get_object_member (done, "error");
          g_assert_cmpint (json_object_get_int_member (error, "code"), ==, -32603);
          g_assert_nonnull (strstr (json_object_get_string_member (error, "message"), "1024 levels"));
        }
    }
  if (data != NULL)
    use_store (f, NULL);
}

/* @f's replica no longer hears acknowledgments, as while its pub/sub
 * connection reconnects (one for it to let go of at the end). */
static void
stop_hearing_acks (Fixture *f)
{
  Tasks *tasks = north_mcp_tasks_get (NORTH_MCP_PROTOCOL_HOST (f->server));

  north_mcp_state_store_unsubscribe (tasks->shared, tasks->ack_id);
  tasks->ack_id = north_mcp_state_store_subscribe (tasks->shared, NORTH_MCP_STATE_STORE_PREFIX "test-unused-ack",
                                                   ignore_message, NULL, NULL);
}

/* A relayed tasks/update whose acknowledgment the relaying replica missed
 * (its pub/sub connection reconnecting as the running replica published
 * it) was taken all the same: its client is told so, not to send it
 * again. It was told -32603 "send it again", and a task that asks the
 * same question round after round took the answer sent again as the
 * answer to its next question: applied twice. */
static void
test_update_ack_lost (Fixture *f, gconstpointer data)
{
  Fixture other = { 0 };
  g_autofree char *task_id = NULL;
  g_autofree char *accept = NULL;
  g_autoptr(JsonObject) asking = NULL;
  g_autoptr(JsonObject) ack = NULL;
  g_autoptr(JsonObject) again = NULL;

  replica_start (&other);
  serve_from_redis (f);
  nag_rounds = 0;
  task_id = start_task (f, "nag");
  asking = wait_task (&other, task_id, "working");
  g_assert_cmpstr (json_object_get_string_member (asking, "status"), ==, "input_required");
  g_assert_cmpuint (nag_rounds, ==, 1);
  wait_subscribers (NORTH_MCP_STATE_STORE_PREFIX "task-update", 2);
  wait_subscribers (NORTH_MCP_STATE_STORE_PREFIX "task-update-ack", 2);
  stop_hearing_acks (&other);
  wait_subscribers (NORTH_MCP_STATE_STORE_PREFIX "task-update-ack", 1);

  accept = g_strdup_printf ("\"taskId\":\"%s\",\"inputResponses\":{\"again\":"
                            "{\"action\":\"accept\",\"content\":{}}}", task_id);
  ack = rpc_full (&other, "tasks/update", task_id, accept, CAPS_TASKS, NULL);
  if (json_object_has_member (ack, "error"))
    g_error ("The update taken was answered: %s",
             json_object_get_string_member (json_object_get_object_member (ack, "error"), "message"));
  g_assert_cmpstr (json_object_get_string_member (result_of (ack), "resultType"), ==, "complete");
  /* Taken once: the task asks its question once more. */
  for (guint i = 0; i < 500 && nag_rounds < 2; i++)
    sleep_ms (10);
  g_assert_cmpuint (nag_rounds, ==, 2);

  /* Still so for the next one, that ends it. */
  again = answer_nag (&other, task_id, "decline");
  g_assert_cmpstr (json_object_get_string_member (again, "status"), ==, "completed");
  g_assert_cmpuint (nag_rounds, ==, 2);

  replica_end (&other);
  use_store (f, NULL);
}

/* A record the shared store could not take (Redis out of memory a
 * while, or unreachable) does not end its task: a task whose result came
 * then is not marked failed for it, nor left showing `working` with no
 * handler behind it; its record is written again once the store takes
 * it. */
static void
test_final_record_after_outage (Fixture *f, gconstpointer data)
{
  g_autoptr(NorthMcpStateStore) store = north_mcp_state_store_new_for_uri (redis.uri, NULL);
  g_autofree char *task_id = NULL;
  g_autoptr(JsonObject) done = NULL;
  guint64 refused;
  guint watchdog;

  use_store (f, store);
  /* A sweep (and a retry) every second; the record lives 3 s unwritten. */
  g_object_set (f->server, "task-ttl", 3, NULL);
  task_id = start_task (f, "gate");

  refused = redis_oom_refusals ();
  redis_maxmemory ("1");
  gate_open ();
  watchdog = test_watchdog_add ("the final record to be refused");
  while (redis_oom_refusals () == refused)
    g_main_context_iteration (NULL, FALSE);
  g_source_remove (watchdog);
  redis_maxmemory ("0");

  done = wait_task (f, task_id, "working");
  if (json_object_has_member (done, "error"))
    g_error ("The task failed: %s",
             json_object_get_string_member (json_object_get_object_member (done, "error"), "message"));
  g_assert_cmpstr (json_object_get_string_member (done, "status"), ==, "completed");
  g_object_set (f->server, "task-ttl", 3600, NULL);
  use_store (f, NULL);
}

/* The tasks follow the server's state store: stopping the server lets go
 * of the one it had (its connection and subscriptions), and once it has
 * another (started again, with another or a re-created one) the tasks
 * are that store's, not the first one's. */
static void
test_restart_follows_store (Fixture *f, gconstpointer data)
{
  NorthMcpSessionManager *sessions = north_mcp_server_get_session_manager (f->server);
  NorthMcpStateStore *first = north_mcp_state_store_new_for_uri (redis.uri, NULL);
  g_autofree char *uri = g_strdup_printf ("redis://127.0.0.1:%u", test_free_port ());
  g_autoptr(NorthMcpStateStore) second = north_mcp_state_store_new_for_uri (uri, NULL);
  const char *id = "0123456789abcdef0123456789abcdef";
  g_autofree char *params = task_params (id);
  g_autoptr(JsonObject) unknown = NULL;
  g_autoptr(JsonObject) unavailable = NULL;
  JsonObject *error;

  north_mcp_session_manager_set_store (sessions, first);
  unknown = rpc_full (f, "tasks/get", id, params, CAPS_TASKS, NULL);
  g_assert_cmpint (error_code (unknown), ==, -32602);

  north_mcp_server_stop (f->server);
  g_object_add_weak_pointer (G_OBJECT (first), (gpointer *) &first);
  g_object_unref (first);
  for (guint i = 0; i < 100 && first != NULL; i++)
    sleep_ms (10);
  g_assert_null (first);

  /* Started again with a store that cannot be reached. */
  north_mcp_session_manager_set_store (sessions, second);
  unavailable = rpc_full (f, "tasks/get", id, params, CAPS_TASKS, NULL);
  error = json_object_get_object_member (unavailable, "error");
  g_assert_nonnull (error);
  g_assert_cmpstr (json_object_get_string_member (error, "message"), ==, "The task store is unavailable");
  north_mcp_session_manager_set_store (sessions, NULL);
}

/* A user at the limit on tasks is refused before the handler runs: a
 * refused task has no side effects. In memory, or in a shared store
 * (@data). */
static void
test_limit_before_handler (Fixture *f, gconstpointer data)
{
  NorthMcpSessionManager *sessions = north_mcp_server_get_session_manager (f->server);
  g_autoptr(NorthMcpStateStore) store = data != NULL ? north_mcp_state_store_new_for_uri (redis.uri, NULL) : NULL;
  g_autofree char *params = call_params ("counted");
  g_autoptr(JsonObject) refused = NULL;
  g_autofree char *other = NULL;
  JsonObject *error;

  if (store != NULL)
    north_mcp_session_manager_set_store (sessions, store);
  use_identity (f, "full@example.com");
  for (guint i = 0; i < NORTH_MCP_TASK_MAX_PER_OWNER; i++)
    g_free (start_task (f, "later"));

  counted_calls = 0;
  refused = rpc_full (f, "tools/call", "counted", params, CAPS_TASKS, NULL);
  error = json_object_get_object_member (refused, "error");
  g_assert_nonnull (error);
  g_assert_cmpint (error_code (refused), ==, -32603);
  g_assert_nonnull (strstr (json_object_get_string_member (error, "message"), "Too many tasks for this user"));
  g_assert_cmpuint (counted_calls, ==, 0);

  /* Another user's task runs. */
  use_identity (f, "other@example.com");
  other = start_task (f, "counted");
  g_assert_cmpuint (counted_calls, ==, 1);
  if (store != NULL)
    north_mcp_session_manager_set_store (sessions, NULL);
}

/* A task whose process died (killed: nothing said so) does not show
 * `working` on the other replicas until it expires: once its lease
 * lapses, it is `failed`, saying why, and stays so. While that process
 * lives, its task stays `working` however long the lease. */
static void
test_runner_gone (Fixture *f, gconstpointer data)
{
  g_autoptr(NorthMcpStateStore) store_a = north_mcp_state_store_new_for_uri (redis.uri, NULL);
  g_autoptr(NorthMcpStateStore) store_b = north_mcp_state_store_new_for_uri (redis.uri, NULL);
  Fixture b = { 0 };
  g_autofree char *task_id = NULL;
  g_autoptr(JsonObject) gone = NULL;
  g_autoptr(JsonObject) again = NULL;
  JsonObject *error;
  gint64 until;

  use_store (f, store_a);
  north_mcp_tasks_set_lease (NORTH_MCP_PROTOCOL_HOST (f->server), 3);
  fixture_setup (&b, NULL);
  use_store (&b, store_b);

  task_id = start_task (f, "forever");
  /* Two leases: renewed meanwhile. */
  until = g_get_monotonic_time () + 6 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < until)
    {
      g_autoptr(JsonObject) running = get_task (&b, task_id);

      g_assert_cmpstr (json_object_get_string_member (running, "status"), ==, "working");
      sleep_ms (200);
    }

  /* As if killed: its handler is cancelled and answers, but the stopped
   * server writes nothing more (and renews nothing). */
  forever_stopped = 0;
  north_mcp_server_stop (f->server);
  for (guint i = 0; i < 500 && forever_stopped == 0; i++)
    sleep_ms (20);
  g_assert_cmpuint (forever_stopped, ==, 1);

  gone = wait_task (&b, task_id, "working");
  g_assert_cmpstr (json_object_get_string_member (gone, "status"), ==, "failed");
  g_assert_nonnull (strstr (json_object_get_string_member (gone, "statusMessage"), "stopped"));
  error = json_object_get_object_member (gone, "error");
  g_assert_cmpint (json_object_get_int_member (error, "code"), ==, -32603);
  again = get_task (&b, task_id);
  g_assert_cmpstr (json_object_get_string_member (again, "status"), ==, "failed");

  use_store (&b, NULL);
  fixture_teardown (&b, NULL);
}

/* A record that names the replica running its task is never in the
 * store before that replica's lease: else a tasks/get on another replica
 * takes a live task for one whose replica died, and fails it for good.
 * So for a fresh replica's first task, also after Redis refused that
 * replica's first write of its lease (out of memory): the refused write
 * was taken as done, and the tasks written until the next sweep (a third
 * of the lease later) named a replica without a lease. */
static void
test_lease_before_record (Fixture *f, gconstpointer data)
{
  g_autofree char *params = call_params ("forever");
  Fixture fresh = { 0 };
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autoptr(JsonObject) refused = NULL;
  g_autoptr(JsonObject) running = NULL;
  g_autoptr(JsonObject) still = NULL;

  serve_from_redis (f);
  replica_start (&fresh);
  first = start_task (&fresh, "forever");
  running = get_task (f, first);
  g_assert_cmpstr (json_object_get_string_member (running, "status"), ==, "working");
  replica_end (&fresh);

  /* Another fresh replica, whose first writes Redis refuses. */
  replica_start (&fresh);
  redis_maxmemory ("1");
  refused = rpc_full (&fresh, "tools/call", "forever", params, CAPS_TASKS, NULL);
  redis_maxmemory ("0");
  g_assert_cmpint (error_code (refused), ==, -32603);
  second = start_task (&fresh, "forever");
  still = get_task (f, second);
  g_assert_cmpstr (json_object_get_string_member (still, "status"), ==, "working");

  replica_end (&fresh);
  use_store (f, NULL);
}

static void
count_up (guint *count)
{
  (*count)++;
}

/* Likewise after Redis restarted empty: the replica's lease went with
 * everything else, and the tasks it wrote before its next sweep named a
 * replica without one (failed by the others' tasks/get). */
static void
test_lease_after_store_restart (Fixture *f, gconstpointer data)
{
  Fixture other = { 0 };
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autoptr(JsonObject) running = NULL;
  g_autoptr(JsonObject) still = NULL;
  guint available = 0, other_available = 0;
  guint watchdog;

  replica_start (&other);
  serve_from_redis (f);
  first = start_task (f, "forever");
  running = get_task (&other, first);
  g_assert_cmpstr (json_object_get_string_member (running, "status"), ==, "working");

  g_signal_connect_swapped (north_mcp_session_manager_get_store (north_mcp_server_get_session_manager (f->server)),
                            NORTH_MCP_STATE_STORE_SIGNAL_AVAILABLE, G_CALLBACK (count_up), &available);
  g_signal_connect_swapped (north_mcp_session_manager_get_store (north_mcp_server_get_session_manager (other.server)),
                            NORTH_MCP_STATE_STORE_SIGNAL_AVAILABLE, G_CALLBACK (count_up), &other_available);
  test_redis_server_stop (&redis, SIGKILL);
  test_redis_server_start (&redis);
  watchdog = test_watchdog_add ("both replicas to reconnect");
  while (available == 0 || other_available == 0)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (watchdog);

  second = start_task (f, "forever");
  still = get_task (&other, second);
  g_assert_cmpstr (json_object_get_string_member (still, "status"), ==, "working");

  replica_end (&other);
  use_store (f, NULL);
}

/* A replica cut off from Redis for longer than its lease has its tasks
 * failed by the others (by design). Back, its handler's result must not
 * replace that final record: the task stays failed for everyone, and the
 * handler here stops with the result's write. (Cut off is the lease
 * lapsing: deleted here, as an outage longer than it would let it
 * expire.) */
/* The key of the lease of the replica that runs @task_id, as its
 * running record names it. */
static char *
lease_key_of (const char *task_id)
{
  g_autofree char *record_key = g_strconcat (NORTH_MCP_STATE_STORE_PREFIX "task:", task_id, NULL);
  g_autoptr(NorthMcpRedisReply) record = redis_run (2, (const char *[]) { "GET", record_key });
  g_autoptr(JsonNode) envelope = json_from_string (north_mcp_redis_reply_get_string (record, NULL), NULL);

  return g_strconcat (NORTH_MCP_STATE_STORE_PREFIX "task-runner:",
                      json_object_get_string_member (json_node_get_object (envelope), "runner"), NULL);
}

static void
test_cut_off_runner_keeps_final (Fixture *f, gconstpointer data)
{
  Fixture other = { 0 };
  g_autofree char *task_id = NULL;
  g_autofree char *lease_key = NULL;
  g_autoptr(NorthMcpRedisReply) deleted = NULL;
  g_autoptr(JsonObject) gone = NULL;
  g_autoptr(JsonObject) after = NULL;
  g_autoptr(JsonObject) here = NULL;
  Tasks *tasks;
  guint watchdog;

  replica_start (&other);
  serve_from_redis (f);
  task_id = start_task (f, "gate");
  lease_key = lease_key_of (task_id);
  deleted = redis_run (2, (const char *[]) { "DEL", lease_key });
  g_assert_cmpint (north_mcp_redis_reply_get_integer (deleted), ==, 1);

  gone = get_task (&other, task_id);
  g_assert_cmpstr (json_object_get_string_member (gone, "status"), ==, "failed");

  /* Back: the handler's result comes (nearly always before the next
   * renewal of the lease, which would stop the handler first: the same
   * for the record). */
  tasks = north_mcp_tasks_get (NORTH_MCP_PROTOCOL_HOST (f->server));
  gate_open ();
  watchdog = test_watchdog_add ("the handler to stop");
  while (g_hash_table_contains (tasks->runners, task_id))
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (watchdog);

  after = get_task (&other, task_id);
  g_assert_cmpstr (json_object_get_string_member (after, "status"), ==, "failed");
  g_assert_false (json_object_has_member (after, "result"));
  g_assert_cmpstr (json_object_get_string_member (after, "statusMessage"), ==,
                   json_object_get_string_member (gone, "statusMessage"));
  here = get_task (f, task_id);
  g_assert_cmpstr (json_object_get_string_member (here, "status"), ==, "failed");

  replica_end (&other);
  use_store (f, NULL);
}

/* Iterates until @cancellable is cancelled; aborts the test naming @what
 * after TEST_PATIENCE_S. */
static void
wait_cancelled (GCancellable *cancellable,
                const char   *what)
{
  guint watchdog = test_watchdog_add (what);

  while (!g_cancellable_is_cancelled (cancellable))
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (watchdog);
}

/* A replica whose lease is gone has its tasks failed by the others
 * (their tasks/get): its handlers must stop as soon as a renewal of the
 * lease finds that, not run on (for hours, acting on the world) until
 * their next write is refused. Gone is deleted here, as a Redis that
 * lost it would. The replica goes on with a new lease for new tasks.
 * It says so once per task, throttled (run in a subprocess, for its
 * stderr): one line here for the two tasks. */
static void
test_lease_gone_cancels_handler (Fixture *f, gconstpointer data)
{
  Fixture other = { 0 };
  g_autofree char *task_id = NULL;
  g_autofree char *endless = NULL;
  g_autofree char *lease_key = NULL;
  g_autofree char *second = NULL;
  g_autofree char *second_lease_key = NULL;
  g_autoptr(NorthMcpRedisReply) deleted = NULL;
  g_autoptr(GCancellable) cancellable = NULL;
  g_autoptr(JsonObject) gone = NULL;
  g_autoptr(JsonObject) after = NULL;
  g_autoptr(JsonObject) running = NULL;
  Tasks *tasks;

  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
      g_test_trap_assert_passed ();
      g_test_trap_assert_stderr ("*NorthMCP.Tasks - WARNING - Stopped the handler of task "
                                 "????????????????????????????????: this server's lease in the task store is "
                                 "lost*");
      g_test_trap_assert_stderr_unmatched ("*Stopped the handler*Stopped the handler*");
      return;
    }

  north_mcp_log_throttle_set_interval (G_MAXINT64 / 4);
  replica_start (&other);
  serve_from_redis (f);
  /* Renewed every second. */
  north_mcp_tasks_set_lease (NORTH_MCP_PROTOCOL_HOST (f->server), 3);
  task_id = start_task (f, "gate");
  cancellable = g_object_ref (north_mcp_context_get_cancellable (gated));
  endless = start_task (f, "forever");
  lease_key = lease_key_of (task_id);
  deleted = redis_run (2, (const char *[]) { "DEL", lease_key });
  g_assert_cmpint (north_mcp_redis_reply_get_integer (deleted), ==, 1);
  gone = get_task (&other, task_id);
  g_assert_cmpstr (json_object_get_string_member (gone, "status"), ==, "failed");

  wait_cancelled (cancellable, "the handler of the task failed elsewhere to be cancelled");
  tasks = north_mcp_tasks_get (NORTH_MCP_PROTOCOL_HOST (f->server));
  g_assert_false (g_hash_table_contains (tasks->runners, task_id));
  g_assert_false (g_hash_table_contains (tasks->runners, endless));
  after = get_task (&other, task_id);
  g_assert_cmpstr (json_object_get_string_member (after, "status"), ==, "failed");
  g_assert_cmpstr (json_object_get_string_member (after, "statusMessage"), ==,
                   json_object_get_string_member (gone, "statusMessage"));
  /* Its late answer changes nothing. */
  gate_open ();

  /* A new task runs under a lease of its own, not the lost one. */
  second = start_task (f, "gate");
  second_lease_key = lease_key_of (second);
  g_assert_cmpstr (second_lease_key, !=, lease_key);
  running = get_task (&other, second);
  g_assert_cmpstr (json_object_get_string_member (running, "status"), ==, "working");
  gate_open ();

  replica_end (&other);
  use_store (f, NULL);
}

/* Likewise a replica cut off from Redis (which answers nothing) for
 * longer than its lease: the others fail its tasks once it lapses, so
 * its handlers stop then, by its own clock, without waiting to hear
 * from Redis again. */
static void
test_lease_lapsed_cancels_handler (Fixture *f, gconstpointer data)
{
  Fixture other = { 0 };
  g_autofree char *task_id = NULL;
  g_autofree char *second = NULL;
  g_autoptr(GCancellable) cancellable = NULL;
  g_autoptr(JsonObject) gone = NULL;
  g_autoptr(JsonObject) running = NULL;
  g_autoptr(NorthMcpStateStore) store = north_mcp_state_store_new_for_uri (redis.uri, NULL);
  guint watchdog;

  use_store (f, store);
  north_mcp_tasks_set_lease (NORTH_MCP_PROTOCOL_HOST (f->server), 3);
  task_id = start_task (f, "gate");
  cancellable = g_object_ref (north_mcp_context_get_cancellable (gated));

  test_redis_server_signal (&redis, SIGSTOP);
  wait_cancelled (cancellable, "the handler of the task whose lease lapsed to be cancelled");
  test_redis_server_signal (&redis, SIGCONT);
  gate_open ();

  replica_start (&other);
  gone = wait_task (&other, task_id, "working");
  g_assert_cmpstr (json_object_get_string_member (gone, "status"), ==, "failed");
  g_assert_nonnull (strstr (json_object_get_string_member (gone, "statusMessage"), "stopped"));

  /* Back (reconnected), the replica runs new tasks under a new lease. */
  watchdog = test_watchdog_add ("the replica to reconnect");
  while (!north_mcp_state_store_is_available (store))
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (watchdog);
  second = start_task (f, "gate");
  running = get_task (&other, second);
  g_assert_cmpstr (json_object_get_string_member (running, "status"), ==, "working");
  gate_open ();

  replica_end (&other);
  use_store (f, NULL);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  test_redis_server_init (&redis, "tasks-http");

  g_test_add ("/tasks-http/discover-and-list", Fixture, NULL, fixture_setup, test_discover_and_list,
              fixture_teardown);
  g_test_add ("/tasks-http/lifecycle", Fixture, NULL, fixture_setup, test_lifecycle, fixture_teardown);
  g_test_add ("/tasks-http/immediate-and-undeclared", Fixture, NULL, fixture_setup,
              test_immediate_and_undeclared, fixture_teardown);
  g_test_add ("/tasks-http/errors", Fixture, NULL, fixture_setup, test_errors, fixture_teardown);
  g_test_add ("/tasks-http/deep-result", Fixture, NULL, fixture_setup, test_deep_result, fixture_teardown);
  g_test_add ("/tasks-http/result-depth", Fixture, NULL, fixture_setup, test_result_depth, fixture_teardown);
  g_test_add ("/tasks-http/result-depth-shared", Fixture, "shared", fixture_setup, test_result_depth,
              fixture_teardown);
  g_test_add ("/tasks-http/result-too-large", Fixture, NULL, fixture_setup, test_result_too_large,
              fixture_teardown);
  g_test_add ("/tasks-http/outcome-too-large", Fixture, NULL, fixture_setup, test_outcome_too_large,
              fixture_teardown);
  g_test_add ("/tasks-http/input-required", Fixture, NULL, fixture_setup, test_input_required,
              fixture_teardown);
  g_test_add ("/tasks-http/input-required-slow-answer", Fixture, NULL, fixture_setup,
              test_input_required_slow_answer, fixture_teardown);
  g_test_add ("/tasks-http/owners", Fixture, NULL, fixture_setup, test_owners, fixture_teardown);
  g_test_add ("/tasks-http/held-requests", Fixture, NULL, fixture_setup, test_held_requests, fixture_teardown);
  g_test_add ("/tasks-http/held-until-handler-returns", Fixture, NULL, fixture_setup,
              test_held_until_handler_returns, fixture_teardown);
  g_test_add ("/tasks-http/held-per-owner", Fixture, NULL, fixture_setup, test_held_per_owner,
              fixture_teardown);
  g_test_add ("/tasks-http/held-answers", Fixture, NULL, fixture_setup, test_held_answers, fixture_teardown);
  g_test_add ("/tasks-http/round-keeps-north-context-only", Fixture, NULL, fixture_setup,
              test_round_keeps_north_context_only, fixture_teardown);
  g_test_add ("/tasks-http/rounds-see-their-request", Fixture, NULL, fixture_setup,
              test_rounds_see_their_request, fixture_teardown);
  g_test_add ("/tasks-http/rounds-see-their-request-shared", Fixture, "shared", fixture_setup,
              test_rounds_see_their_request, fixture_teardown);
  g_test_add ("/tasks-http/rounds-see-their-request-relayed", Fixture, "relayed", fixture_setup,
              test_rounds_see_their_request, fixture_teardown);
  g_test_add ("/tasks-http/rounds-use-fresh-credentials", Fixture, NULL, fixture_setup,
              test_rounds_use_fresh_credentials, fixture_teardown);
  g_test_add ("/tasks-http/rounds-use-fresh-credentials-shared", Fixture, "shared", fixture_setup,
              test_rounds_use_fresh_credentials, fixture_teardown);
  g_test_add ("/tasks-http/rounds-use-fresh-credentials-relayed", Fixture, "relayed", fixture_setup,
              test_rounds_use_fresh_credentials, fixture_teardown);
  g_test_add ("/tasks-http/rounds-keep-credentials-without-identity", Fixture, NULL, fixture_setup,
              test_rounds_keep_credentials_without_identity, fixture_teardown);
  g_test_add ("/tasks-http/update-renews-ttl", Fixture, NULL, fixture_setup, test_update_renews_ttl,
              fixture_teardown);
  g_test_add ("/tasks-http/update-keeps-working-handler", Fixture, NULL, fixture_setup,
              test_update_keeps_working_handler, fixture_teardown);
  g_test_add ("/tasks-http/store-unavailable", Fixture, NULL, fixture_setup, test_store_unavailable,
              fixture_teardown);
  g_test_add ("/tasks-http/update-store-refused", Fixture, NULL, fixture_setup, test_update_store_refused,
              fixture_teardown);
  g_test_add ("/tasks-http/update-relayed-is-acknowledged", Fixture, NULL, fixture_setup,
              test_update_relayed_is_acknowledged, fixture_teardown);
  g_test_add ("/tasks-http/update-ack-lost", Fixture, NULL, fixture_setup, test_update_ack_lost,
              fixture_teardown);
  g_test_add ("/tasks-http/first-update-relayed-is-acknowledged", Fixture, NULL, fixture_setup,
              test_first_update_relayed_is_acknowledged, fixture_teardown);
  g_test_add ("/tasks-http/restart-follows-store", Fixture, NULL, fixture_setup, test_restart_follows_store,
              fixture_teardown);
  g_test_add ("/tasks-http/final-record-after-outage", Fixture, NULL, fixture_setup,
              test_final_record_after_outage, fixture_teardown);
  g_test_add ("/tasks-http/stop-cancels", Fixture, NULL, fixture_setup, test_stop_cancels, fixture_teardown);
  g_test_add ("/tasks-http/stop-from-handler", Fixture, NULL, fixture_setup, test_stop_from_handler,
              fixture_teardown);
  g_test_add ("/tasks-http/lowered-ttl", Fixture, NULL, fixture_setup, test_lowered_ttl, fixture_teardown);
  g_test_add ("/tasks-http/clock-step", Fixture, NULL, fixture_setup, test_clock_step_keeps_handler,
              fixture_teardown);
  g_test_add ("/tasks-http/limit-before-handler", Fixture, NULL, fixture_setup, test_limit_before_handler,
              fixture_teardown);
  g_test_add ("/tasks-http/lease-before-record", Fixture, NULL, fixture_setup, test_lease_before_record,
              fixture_teardown);
  g_test_add ("/tasks-http/lease-after-store-restart", Fixture, NULL, fixture_setup,
              test_lease_after_store_restart, fixture_teardown);
  g_test_add ("/tasks-http/cut-off-runner-keeps-final", Fixture, NULL, fixture_setup,
              test_cut_off_runner_keeps_final, fixture_teardown);
  g_test_add ("/tasks-http/lease-gone-cancels-handler", Fixture, NULL, fixture_setup,
              test_lease_gone_cancels_handler, fixture_teardown);
  g_test_add ("/tasks-http/lease-lapsed-cancels-handler", Fixture, NULL, fixture_setup,
              test_lease_lapsed_cancels_handler, fixture_teardown);
  g_test_add ("/tasks-http/runner-gone", Fixture, NULL, fixture_setup, test_runner_gone, fixture_teardown);
  g_test_add ("/tasks-http/limit-before-handler-shared", Fixture, "shared", fixture_setup,
              test_limit_before_handler, fixture_teardown);

  status = g_test_run ();
  test_redis_server_clear (&redis);
  return status;
}
