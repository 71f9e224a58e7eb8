/* test-dispatch.c: the JSON-RPC methods of the core, through
 * north_mcp_dispatch_message() with an in-memory channel
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp.h"
#include "north-mcp-server-private.h"
#include "north-mcp-session-private.h"
#include "north-mcp-log-throttle-private.h"
#include "test-channel.h"

typedef struct {
  NorthMcpServer  *server;
  NorthMcpSession *session;
  TestChannel     *channel;
} Fixture;

static NorthMcpToolResult *
add_func (NorthMcpTool     *tool,
          NorthMcpContext  *context,
          JsonObject       *arguments,
          gpointer          user_data,
          GError          **error)
{
  g_autofree char *sum = g_strdup_printf ("%" G_GINT64_FORMAT,
                                          json_object_get_int_member (arguments, "a") +
                                          json_object_get_int_member (arguments, "b"));

  return north_mcp_tool_result_new_text (sum);
}

static NorthMcpToolResult *
fail_func (NorthMcpTool     *tool,
           NorthMcpContext  *context,
           JsonObject       *arguments,
           gpointer          user_data,
           GError          **error)
{
  const char *how = json_object_get_string_member_with_default (arguments, "how", "tool");

  if (g_str_equal (how, "protocol"))
    g_set_error_literal (error, NORTH_MCP_JSONRPC_ERROR, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS,
                         "protocol-level failure");
  else
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "the file is gone");
  return NULL;
}

static NorthMcpToolResult *
whoami_func (NorthMcpTool     *tool,
             NorthMcpContext  *context,
             JsonObject       *arguments,
             gpointer          user_data,
             GError          **error)
{
  NorthMcpUser *user = north_mcp_get_authenticated_user ();

  /* The thread's current context is this one while the handler runs. */
  g_assert_true (north_mcp_context_get_current () == context);
  return north_mcp_tool_result_new_text (user != NULL ? north_mcp_user_get_email (user) : "nobody");
}

/* Returns what "mode" asks for, to check the output schema's enforcement. */
static NorthMcpToolResult *
stats_func (NorthMcpTool     *tool,
            NorthMcpContext  *context,
            JsonObject       *arguments,
            gpointer          user_data,
            GError          **error)
{
  const char *mode = north_mcp_arguments_get_string (arguments, "mode", "good");
  g_autoptr(GVariantDict) dict = g_variant_dict_new (NULL);

  if (g_str_equal (mode, "text"))
    return north_mcp_tool_result_new_text ("3");
  if (g_str_equal (mode, "error"))
    return north_mcp_tool_result_new_error ("no stats today");
  if (g_str_equal (mode, "wrong"))
    g_variant_dict_insert (dict, "count", "s", "3");
  else if (g_str_equal (mode, "nested"))
    {
      g_variant_dict_insert (dict, "count", "x", (gint64) 3);
      g_variant_dict_insert (dict, "by_day", "@aa{sv}",
                             g_variant_new_parsed ("[{'day': <'mon'>, 'n': <int64 1>}, "
                                                   "{'day': <'tue'>, 'n': <'two'>}]"));
    }
  else if (!g_str_equal (mode, "missing"))
    g_variant_dict_insert (dict, "count", "x", north_mcp_arguments_get_int (arguments, "n", 3));

  return north_mcp_tool_result_new_structured_variant (g_variant_dict_end (dict));
}

static void
read_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  NorthMcpContext *context = NORTH_MCP_CONTEXT (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) contents = north_mcp_context_read_resource_finish (context, result, &error);
  NorthMcpUser *user = north_mcp_get_authenticated_user ();
  g_autofree char *text = NULL;

  /* The callback runs with the tool's context current. */
  g_assert_true (north_mcp_context_get_current () == context);
  if (contents == NULL)
    text = g_strdup_printf ("error %d: %s", error->code, error->message);
  else
    text = g_strdup_printf ("%s for %s",
                            json_object_get_string_member (json_array_get_object_element (contents, 0), "text"),
                            user != NULL ? north_mcp_user_get_email (user) : "nobody");
  {
    g_autoptr(NorthMcpToolResult) answer = north_mcp_tool_result_new_text (text);

    north_mcp_context_return_tool_result (context, answer);
  }
  g_object_unref (context);
}

static void
reader_async_func (NorthMcpTool    *tool,
                   NorthMcpContext *context,
                   JsonObject      *arguments,
                   gpointer         user_data)
{
  north_mcp_context_read_resource_async (context, north_mcp_arguments_get_string (arguments, "uri", ""),
                                         NULL, read_done, g_object_ref (context));
  /* Reading ran the resource's handler in this thread: this context is
   * still the current one. */
  g_assert_true (north_mcp_context_get_current () == context);
}

static gpointer
slow_thread (gpointer data)
{
  NorthMcpContext *context = data;

  g_usleep (20 * G_TIME_SPAN_MILLISECOND);
  north_mcp_context_report_progress (context, 1, 2, "half way");
  {
    g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new_text ("done later");

    north_mcp_context_return_tool_result (context, result);
  }
  g_object_unref (context);
  return NULL;
}

static void
slow_async_func (NorthMcpTool    *tool,
                 NorthMcpContext *context,
                 JsonObject      *arguments,
                 gpointer         user_data)
{
  /* Complete from another thread: the answer must hop to the main context. */
  g_thread_unref (g_thread_new ("slow-tool", slow_thread, g_object_ref (context)));
}

static void
forgetful_async_func (NorthMcpTool    *tool,
                      NorthMcpContext *context,
                      JsonObject      *arguments,
                      gpointer         user_data)
{
  /* Returns without answering and without keeping the context. */
}

static void
add_tool (NorthMcpServer *server,
          const char     *name,
          const char     *schema,
          NorthMcpToolFunc func)
{
  g_autoptr(NorthMcpTool) tool = north_mcp_tool_new (name, "a test tool");

  if (schema != NULL)
    g_assert_true (north_mcp_tool_set_input_schema_json (tool, schema, NULL));
  north_mcp_tool_set_func (tool, func, NULL, NULL);
  north_mcp_server_add_tool (server, tool);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(NorthMcpTool) slow = north_mcp_tool_new ("slow", "completes later");
  g_autoptr(NorthMcpTool) forgetful = north_mcp_tool_new ("forgetful", "never answers");

  fixture->server = north_mcp_server_new ("test-server", "9.9.9");
  add_tool (fixture->server, "add",
            "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"},"
            "\"b\":{\"type\":\"integer\"}},\"required\":[\"a\",\"b\"]}", add_func);
  add_tool (fixture->server, "fail", NULL, fail_func);
  add_tool (fixture->server, "whoami", NULL, whoami_func);
  north_mcp_tool_set_async_func (slow, slow_async_func, NULL, NULL);
  north_mcp_server_add_tool (fixture->server, slow);
  north_mcp_tool_set_async_func (forgetful, forgetful_async_func, NULL, NULL);
  north_mcp_server_add_tool (fixture->server, forgetful);

  fixture->channel = test_channel_new (TRUE);
  /* Stateful by default; tests of stateless mode pass no session. */
  fixture->session = g_object_ref (north_mcp_server_create_session (fixture->server, NULL));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->session);
  g_clear_object (&fixture->server);
  g_clear_object (&fixture->channel);
}

static guint
send_to (Fixture         *fixture,
         NorthMcpSession *session,
         NorthMcpUser    *user,
         const char      *json)
{
  g_autoptr(JsonNode) message = test_parse_json (json);

  return north_mcp_dispatch_message (NORTH_MCP_PROTOCOL_HOST (fixture->server), session, user, message,
                                     NORTH_MCP_CHANNEL (fixture->channel));
}

static guint
send (Fixture    *fixture,
      const char *json)
{
  return send_to (fixture, fixture->session, NULL, json);
}

static void
initialize (Fixture *fixture)
{
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{"
                 "\"protocolVersion\":\"2025-06-18\",\"capabilities\":{\"sampling\":{}},"
                 "\"clientInfo\":{\"name\":\"test\",\"version\":\"1\"}}}");
  send (fixture, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
  test_channel_clear (fixture->channel);
}

/* The response checks of tests/common, on the fixture's channel. */
#define result_of(fixture, id) test_channel_result_of ((fixture)->channel, (id))
#define error_of(fixture, id, code) test_channel_error_of ((fixture)->channel, (id), (code))

static void
test_initialize_negotiates (Fixture       *fixture,
                            gconstpointer  data)
{
  JsonObject *result;

  g_assert_cmpuint (send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
                                   "\"protocolVersion\":\"2024-11-05\",\"capabilities\":{},"
                                   "\"clientInfo\":{\"name\":\"c\",\"version\":\"1\"}}}"), ==, 1);
  result = result_of (fixture, 1);
  /* A version we speak is echoed. */
  g_assert_cmpstr (json_object_get_string_member (result, "protocolVersion"), ==, "2024-11-05");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (result, "serverInfo"), "name"),
                   ==, "test-server");
  g_assert_true (json_object_has_member (json_object_get_object_member (result, "capabilities"), "tools"));
  g_assert_cmpstr (north_mcp_session_get_protocol_version (fixture->session), ==, "2024-11-05");

  /* A second initialize on the same session is refused. */
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"initialize\",\"params\":{"
                 "\"protocolVersion\":\"2025-06-18\"}}");
  error_of (fixture, 2, NORTH_MCP_JSONRPC_ERROR_INVALID_REQUEST);
}

static void
test_initialize_unknown_version (Fixture       *fixture,
                                 gconstpointer  data)
{
  send_to (fixture, NULL, NULL, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
                                "\"protocolVersion\":\"1999-01-01\"}}");
  /* Never fail initialize for the version: answer with ours. */
  g_assert_cmpstr (json_object_get_string_member (result_of (fixture, 1), "protocolVersion"), ==,
                   NORTH_MCP_LATEST_PROTOCOL_VERSION);

  send_to (fixture, NULL, NULL, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"initialize\",\"params\":{}}");
  error_of (fixture, 2, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS);
}

static void
test_requests_before_initialize (Fixture       *fixture,
                                 gconstpointer  data)
{
  JsonObject *error;

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}");
  error = error_of (fixture, 1, NORTH_MCP_JSONRPC_ERROR_INVALID_REQUEST);
  g_assert_nonnull (strstr (json_object_get_string_member (error, "message"), "send initialize first"));

  /* ping is allowed before initialize. */
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}");
  g_assert_cmpuint (json_object_get_size (result_of (fixture, 2)), ==, 0);
}

static void
test_ping_and_unknown_method (Fixture       *fixture,
                              gconstpointer  data)
{
  initialize (fixture);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}");
  g_assert_cmpuint (json_object_get_size (result_of (fixture, 1)), ==, 0);

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"no/such/method\"}");
  error_of (fixture, 2, NORTH_MCP_JSONRPC_ERROR_METHOD_NOT_FOUND);

  /* A notification is never answered, known or not. */
  g_assert_cmpuint (send (fixture, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/whatever\"}"), ==, 0);
  g_assert_cmpuint (test_channel_get_messages (fixture->channel)->len, ==, 2);
}

static void
test_string_id_keeps_type (Fixture       *fixture,
                           gconstpointer  data)
{
  JsonObject *response;
  JsonNode *id;

  initialize (fixture);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":\"1\",\"method\":\"ping\"}");
  response = json_node_get_object (g_ptr_array_index (test_channel_get_messages (fixture->channel), 0));
  id = json_object_get_member (response, "id");
  g_assert_cmpint (json_node_get_value_type (id), ==, G_TYPE_STRING);
  g_assert_cmpstr (json_node_get_string (id), ==, "1");
}

static void
test_tools_list_pagination (Fixture       *fixture,
                            gconstpointer  data)
{
  JsonObject *result;
  g_autofree char *request = NULL;
  const char *cursor;
  JsonArray *tools;

  initialize (fixture);
  north_mcp_server_set_page_size (fixture->server, 2);

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}");
  result = result_of (fixture, 1);
  tools = json_object_get_array_member (result, "tools");
  g_assert_cmpuint (json_array_get_length (tools), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (tools, 0), "name"), ==, "add");
  g_assert_true (json_object_has_member (json_array_get_object_element (tools, 0), "inputSchema"));
  cursor = json_object_get_string_member (result, "nextCursor");
  g_assert_nonnull (cursor);

  request = g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\",\"params\":{\"cursor\":\"%s\"}}",
                             cursor);
  send (fixture, request);
  result = result_of (fixture, 2);
  tools = json_object_get_array_member (result, "tools");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (tools, 0), "name"), ==, "whoami");
  g_assert_true (json_object_has_member (result, "nextCursor"));

  /* Cursors we did not make are refused. */
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\",\"params\":{\"cursor\":\"bm9wZQ==\"}}");
  error_of (fixture, 3, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/list\",\"params\":{\"cursor\":\"%%%\"}}");
  error_of (fixture, 4, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/list\",\"params\":{\"cursor\":\"bzo5OTk=\"}}");
  error_of (fixture, 5, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tools/list\",\"params\":{\"cursor\":7}}");
  error_of (fixture, 6, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS);
}

static void
test_tools_call (Fixture       *fixture,
                 gconstpointer  data)
{
  JsonObject *result;

  initialize (fixture);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\","
                 "\"params\":{\"name\":\"add\",\"arguments\":{\"a\":2,\"b\":3}}}");
  result = result_of (fixture, 1);
  g_assert_cmpstr (test_first_text (result), ==, "5");
  g_assert_false (json_object_has_member (result, "isError"));
}

static void
test_tools_call_bad_input (Fixture       *fixture,
                           gconstpointer  data)
{
  JsonObject *result;

  initialize (fixture);

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"nope\"}}");
  g_assert_nonnull (strstr (json_object_get_string_member (error_of (fixture, 1, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS),
                                                           "message"), "unknown tool 'nope'"));

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{}}");
  error_of (fixture, 2, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS);

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"add\",\"arguments\":[1]}}");
  error_of (fixture, 3, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS);

  /* Argument mismatches are tool errors naming the member. */
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":\"add\",\"arguments\":{\"a\":1}}}");
  result = result_of (fixture, 4);
  g_assert_true (json_object_get_boolean_member (result, "isError"));
  g_assert_nonnull (strstr (test_first_text (result), "'b'"));

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":\"add\",\"arguments\":{\"a\":1,\"b\":\"2\"}}}");
  result = result_of (fixture, 5);
  g_assert_true (json_object_get_boolean_member (result, "isError"));
  g_assert_nonnull (strstr (test_first_text (result), "'b'"));
}

static void
test_tools_call_errors (Fixture       *fixture,
                        gconstpointer  data)
{
  JsonObject *result;

  initialize (fixture);

  /* A handler's GError is a tool result with isError... */
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"fail\"}}");
  result = result_of (fixture, 1);
  g_assert_true (json_object_get_boolean_member (result, "isError"));
  g_assert_cmpstr (test_first_text (result), ==, "the file is gone");

  /* ...unless it is a JSON-RPC error on purpose. */
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"fail\","
                 "\"arguments\":{\"how\":\"protocol\"}}}");
  error_of (fixture, 2, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS);
}

static void
test_async_tool_from_thread (Fixture       *fixture,
                             gconstpointer  data)
{
  GPtrArray *messages;
  JsonObject *progress;

  initialize (fixture);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"slow\","
                 "\"_meta\":{\"progressToken\":\"tok\"}}}");
  /* Nothing yet: the tool answers later... */
  g_assert_null (test_channel_find_response (fixture->channel, 1));
  /* ...and meanwhile other requests are served. */
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}");
  g_assert_nonnull (test_channel_find_response (fixture->channel, 2));

  g_assert_true (test_channel_wait_for (fixture->channel, 3));
  messages = test_channel_get_messages (fixture->channel);
  progress = json_node_get_object (g_ptr_array_index (messages, 1));
  g_assert_cmpstr (json_object_get_string_member (progress, "method"), ==, "notifications/progress");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (progress, "params"),
                                                  "progressToken"), ==, "tok");
  g_assert_cmpstr (test_first_text (result_of (fixture, 1)), ==, "done later");
}

static void
test_dropped_context_answers (Fixture       *fixture,
                              gconstpointer  data)
{
  initialize (fixture);
  g_test_expect_message ("NorthMcp", G_LOG_LEVEL_WARNING, "*dropped its request without answering*");
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"forgetful\"}}");
  g_test_assert_expected_messages ();
  error_of (fixture, 1, NORTH_MCP_JSONRPC_ERROR_INTERNAL_ERROR);
}

static void
test_authenticated_user (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(NorthMcpUser) user = north_mcp_user_new ("ada@example.com", NULL, NULL, NULL, NULL);

  /* Stateless: no session, a user from the transport. */
  send_to (fixture, NULL, user, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"whoami\"}}");
  g_assert_cmpstr (test_first_text (result_of (fixture, 1)), ==, "ada@example.com");
  send_to (fixture, NULL, NULL, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"whoami\"}}");
  g_assert_cmpstr (test_first_text (result_of (fixture, 2)), ==, "nobody");
  /* Outside a handler there is no current user. */
  g_assert_null (north_mcp_get_authenticated_user ());
}

static JsonObject *
call_stats (Fixture    *fixture,
            guint       id,
            const char *mode)
{
  g_autofree char *request =
    g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"id\":%u,\"method\":\"tools/call\","
                     "\"params\":{\"name\":\"stats\",\"arguments\":{\"mode\":\"%s\"}}}",
                     id, mode);

  send (fixture, request);
  return result_of (fixture, id);
}

static void
test_output_schema_enforced (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(NorthMcpTool) tool = north_mcp_tool_new ("stats", "counts things");
  JsonObject *result;

  g_assert_true (north_mcp_tool_set_output_schema_json (tool,
    "{\"type\":\"object\",\"properties\":{\"count\":{\"type\":\"integer\"},"
    "\"by_day\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
    "\"properties\":{\"n\":{\"type\":\"integer\"}}}}},\"required\":[\"count\"]}", NULL));
  north_mcp_tool_set_func (tool, stats_func, NULL, NULL);
  north_mcp_server_add_tool (fixture->server, tool);
  initialize (fixture);

  /* A matching result goes through untouched. */
  result = call_stats (fixture, 1, "good");
  g_assert_false (json_object_has_member (result, "isError"));
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (result, "structuredContent"),
                                              "count"), ==, 3);

  /* A mismatch is an isError result naming the member; the author is told. */
  g_test_expect_message ("NorthMcp", G_LOG_LEVEL_MESSAGE, "*'stats'*does not match*'count'*");
  result = call_stats (fixture, 2, "wrong");
  g_test_assert_expected_messages ();
  g_assert_true (json_object_get_boolean_member (result, "isError"));
  g_assert_false (json_object_has_member (result, "structuredContent"));
  g_assert_cmpstr (test_first_text (result), ==,
                   "Output validation error: structuredContent member 'count' must be an integer, got string");

  g_test_expect_message ("NorthMcp", G_LOG_LEVEL_MESSAGE, "*does not match*");
  result = call_stats (fixture, 3, "missing");
  g_test_assert_expected_messages ();
  g_assert_cmpstr (test_first_text (result), ==,
                   "Output validation error: missing required structuredContent member 'count'");

  g_test_expect_message ("NorthMcp", G_LOG_LEVEL_MESSAGE, "*does not match*");
  result = call_stats (fixture, 4, "nested");
  g_test_assert_expected_messages ();
  g_assert_cmpstr (test_first_text (result), ==,
                   "Output validation error: structuredContent member 'by_day[1].n' must be an integer, got string");

  /* No structured content at all, with a schema declared: an error too. */
  g_test_expect_message ("NorthMcp", G_LOG_LEVEL_MESSAGE, "*does not match*");
  result = call_stats (fixture, 5, "text");
  g_test_assert_expected_messages ();
  g_assert_true (json_object_get_boolean_member (result, "isError"));
  g_assert_cmpstr (test_first_text (result), ==,
                   "Output validation error: outputSchema defined but no structured output returned");

  /* The tool's own errors are not checked. */
  result = call_stats (fixture, 6, "error");
  g_assert_true (json_object_get_boolean_member (result, "isError"));
  g_assert_cmpstr (test_first_text (result), ==, "no stats today");

  /* Removing the schema stops the checks. */
  north_mcp_tool_set_output_schema (tool, NULL);
  result = call_stats (fixture, 7, "text");
  g_assert_false (json_object_has_member (result, "isError"));
  g_assert_cmpstr (test_first_text (result), ==, "3");
}

static void
test_output_schema_stateless (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(NorthMcpTool) tool = north_mcp_tool_new ("stats", "counts things");
  JsonObject *result;

  /* Without a session (and through the result filter of other revisions)
   * the check applies all the same. */
  g_assert_true (north_mcp_tool_set_output_schema_json (tool,
    "{\"type\":\"object\",\"properties\":{\"count\":{\"type\":\"integer\"}}}", NULL));
  north_mcp_tool_set_func (tool, stats_func, NULL, NULL);
  north_mcp_server_add_tool (fixture->server, tool);

  g_test_expect_message ("NorthMcp", G_LOG_LEVEL_MESSAGE, "*does not match*");
  send_to (fixture, NULL, NULL, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\","
                                "\"params\":{\"name\":\"stats\",\"arguments\":{\"mode\":\"wrong\"}}}");
  g_test_assert_expected_messages ();
  result = result_of (fixture, 1);
  g_assert_true (json_object_get_boolean_member (result, "isError"));
  g_assert_nonnull (strstr (test_first_text (result), "'count' must be an integer"));
}

/* test_deep_object() of @arguments' depth, with 1,500 members. */
static NorthMcpToolResult *
deep_func (NorthMcpTool     *tool,
           NorthMcpContext  *context,
           JsonObject       *arguments,
           gpointer          user_data,
           GError          **error)
{
  g_autoptr(JsonNode) node = test_deep_object (json_object_get_int_member (arguments, "depth"), 1500);

  return north_mcp_tool_result_new_structured (node);
}

/* A tool result is written as text, and a channel that takes only trees
 * (this test's) reads it back with the library's bounds for its own output
 * (north_mcp_json_read_own()), not with those of what a client sends (128
 * levels, 1,000 members): a result as deep and as wide as the handler made
 * it arrives whole, and only one deeper than the reader recurses (1,024
 * levels, with the envelope) is answered with an error rather than
 * dropped. */
static void
test_deep_result_read_back (Fixture       *fixture,
                            gconstpointer  data)
{
  JsonObject *error;

  add_tool (fixture->server, "deep", NULL, deep_func);
  initialize (fixture);

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\","
                 "\"params\":{\"name\":\"deep\",\"arguments\":{\"depth\":200}}}");
  test_assert_deep_object (json_object_get_object_member (result_of (fixture, 1), "structuredContent"),
                           200, 1500);

  /* 1,022 levels of structured content inside the response's two: 1,024,
   * the most that is read back. */
  test_channel_clear (fixture->channel);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\","
                 "\"params\":{\"name\":\"deep\",\"arguments\":{\"depth\":1022}}}");
  g_assert_nonnull (json_object_get_object_member (result_of (fixture, 2), "structuredContent"));

  test_channel_clear (fixture->channel);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\","
                 "\"params\":{\"name\":\"deep\",\"arguments\":{\"depth\":1023}}}");
  error = error_of (fixture, 3, NORTH_MCP_JSONRPC_ERROR_INTERNAL_ERROR);
  g_assert_cmpstr (json_object_get_string_member (error, "message"), ==,
                   "Internal error: the result is nested more than 1024 levels deep");
}

static void
test_read_resource (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(NorthMcpTool) reader = north_mcp_tool_new ("reader", "reads a resource");
  g_autoptr(NorthMcpResource) note = north_mcp_resource_new_text ("notes://todo", "todo", "text/plain",
                                                                  "write tests");
  g_autoptr(NorthMcpUser) user = north_mcp_user_new ("ada@example.com", NULL, NULL, NULL, NULL);

  north_mcp_tool_set_async_func (reader, reader_async_func, NULL, NULL);
  north_mcp_server_add_tool (fixture->server, reader);
  north_mcp_server_add_resource (fixture->server, note);

  send_to (fixture, NULL, user, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\","
                                "\"params\":{\"name\":\"reader\",\"arguments\":{\"uri\":\"notes://todo\"}}}");
  g_assert_true (test_channel_wait_for (fixture->channel, 1));
  g_assert_cmpstr (test_first_text (result_of (fixture, 1)), ==, "write tests for ada@example.com");

  send_to (fixture, NULL, user, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\","
                                "\"params\":{\"name\":\"reader\",\"arguments\":{\"uri\":\"notes://nope\"}}}");
  g_assert_true (test_channel_wait_for (fixture->channel, 2));
  g_assert_cmpstr (test_first_text (result_of (fixture, 2)), ==, "error 1: Resource not found: notes://nope");
}

/* A resource that keeps its reader's context, unanswered, until the
 * test answers it. */
static void
kept_read_func (NorthMcpResource *resource,
                NorthMcpContext  *context,
                gpointer          user_data)
{
  NorthMcpContext **kept = user_data;

  *kept = g_object_ref (context);
}

/* Starts a read of notes://kept with a cancellable of its own, and gives
 * up on it at once. */
static void
give_up_reading_func (NorthMcpTool    *tool,
                      NorthMcpContext *context,
                      JsonObject      *arguments,
                      gpointer         user_data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  north_mcp_context_read_resource_async (context, "notes://kept", cancellable, read_done,
                                         g_object_ref (context));
  g_cancellable_cancel (cancellable);
}

static void
test_read_resource_cancelled_by_caller (Fixture       *fixture,
                                        gconstpointer  data)
{
  g_autoptr(NorthMcpTool) reader = north_mcp_tool_new ("give_up", "reads and gives up");
  g_autoptr(NorthMcpResource) kept = north_mcp_resource_new ("notes://kept", "kept");
  g_autoptr(NorthMcpContext) read_context = NULL;
  g_autoptr(NorthMcpResourceContents) contents = NULL;

  north_mcp_tool_set_async_func (reader, give_up_reading_func, NULL, NULL);
  north_mcp_resource_set_async_func (kept, kept_read_func, &read_context, NULL);
  north_mcp_server_add_tool (fixture->server, reader);
  north_mcp_server_add_resource (fixture->server, kept);

  send_to (fixture, NULL, NULL, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\","
                                "\"params\":{\"name\":\"give_up\",\"arguments\":{}}}");
  test_run_pending ();
  /* The caller's cancellable cancels the reader's: the handler learns
   * that nobody waits for its answer. */
  g_assert_nonnull (read_context);
  g_assert_true (g_cancellable_is_cancelled (north_mcp_context_get_cancellable (read_context)));

  contents = north_mcp_resource_contents_new_text ("notes://kept", "text/plain", "late");
  north_mcp_context_return_resource_contents (read_context, contents);
  g_assert_true (test_channel_wait_for (fixture->channel, 1));
  /* G_IO_ERROR_CANCELLED, whatever the handler answered. */
  g_assert_cmpint (G_IO_ERROR_CANCELLED, ==, 19);
  g_assert_true (g_str_has_prefix (test_first_text (result_of (fixture, 1)), "error 19: "));
}

/* A session of 2025-03-26, the last revision with batches. */
static void
initialize_2025_03_26 (Fixture *fixture)
{
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{"
                 "\"protocolVersion\":\"2025-03-26\",\"capabilities\":{},"
                 "\"clientInfo\":{\"name\":\"test\",\"version\":\"1\"}}}");
  send (fixture, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
  test_channel_clear (fixture->channel);
}

static void
test_batch (Fixture       *fixture,
            gconstpointer  data)
{
  initialize_2025_03_26 (fixture);
  g_assert_cmpuint (send (fixture, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"},"
                                   " {\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"},"
                                   " {\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"add\",\"arguments\":{\"a\":1,\"b\":1}}},"
                                   " 17]"), ==, 3);
  g_assert_nonnull (result_of (fixture, 1));
  g_assert_cmpstr (test_first_text (result_of (fixture, 2)), ==, "2");
  g_assert_cmpuint (test_channel_get_messages (fixture->channel)->len, ==, 3);

  test_channel_clear (fixture->channel);
  g_assert_cmpuint (send (fixture, "[]"), ==, 1);
  g_assert_cmpuint (test_channel_get_messages (fixture->channel)->len, ==, 1);

  send (fixture, "[{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-03-26\"}}]");
  error_of (fixture, 9, NORTH_MCP_JSONRPC_ERROR_INVALID_REQUEST);
}

/* A single error (id null) for a whole batch the session may not send. */
static void
assert_batch_refused (Fixture    *fixture,
                      const char *batch,
                      const char *message_part)
{
  GPtrArray *messages;
  JsonObject *error;

  test_channel_clear (fixture->channel);
  g_assert_cmpuint (send (fixture, batch), ==, 1);
  messages = test_channel_get_messages (fixture->channel);
  g_assert_cmpuint (messages->len, ==, 1);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (g_ptr_array_index (messages, 0)));
  g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (json_node_get_object (g_ptr_array_index (messages, 0)), "id")));
  error = json_object_get_object_member (json_node_get_object (g_ptr_array_index (messages, 0)), "error");
  g_assert_cmpint (json_object_get_int_member (error, "code"), ==, NORTH_MCP_JSONRPC_ERROR_INVALID_REQUEST);
  g_assert_nonnull (strstr (json_object_get_string_member (error, "message"), message_part));
}

static GString *
ping_batch (guint n)
{
  GString *batch = g_string_new ("[");

  for (guint i = 0; i < n; i++)
    g_string_append_printf (batch, "%s{\"jsonrpc\":\"2.0\",\"id\":%u,\"method\":\"ping\"}",
                            i > 0 ? "," : "", i + 1);
  g_string_append_c (batch, ']');
  return batch;
}

/* 2025-06-18 removed batches: none is handled. */
static void
test_batch_removed (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GString) batch = ping_batch (2);

  initialize (fixture);
  assert_batch_refused (fixture, batch->str, "removed in protocol version 2025-06-18");
}

/* Before, up to NORTH_MCP_JSONRPC_MAX_BATCH messages. */
static void
test_batch_bounded (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GString) most = ping_batch (NORTH_MCP_JSONRPC_MAX_BATCH);
  g_autoptr(GString) too_many = ping_batch (NORTH_MCP_JSONRPC_MAX_BATCH + 1);

  initialize_2025_03_26 (fixture);
  g_assert_cmpuint (send (fixture, most->str), ==, NORTH_MCP_JSONRPC_MAX_BATCH);
  g_assert_cmpuint (test_channel_get_messages (fixture->channel)->len, ==, NORTH_MCP_JSONRPC_MAX_BATCH);
  assert_batch_refused (fixture, too_many->str, "at most 100 messages, this one has 101");
}

static void
test_invalid_message_answered (Fixture       *fixture,
                               gconstpointer  data)
{
  JsonObject *response;

  initialize (fixture);
  g_assert_cmpuint (send (fixture, "{\"jsonrpc\":\"1.0\",\"id\":5,\"method\":\"ping\"}"), ==, 1);
  error_of (fixture, 5, NORTH_MCP_JSONRPC_ERROR_INVALID_REQUEST);

  test_channel_clear (fixture->channel);
  send (fixture, "\"just a string\"");
  response = json_node_get_object (g_ptr_array_index (test_channel_get_messages (fixture->channel), 0));
  g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (response, "id")));
}

static void
test_log_level (Fixture       *fixture,
                gconstpointer  data)
{
  initialize (fixture);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"logging/setLevel\",\"params\":{\"level\":\"error\"}}");
  g_assert_cmpuint (json_object_get_size (result_of (fixture, 1)), ==, 0);
  g_assert_cmpint (north_mcp_session_get_log_level (fixture->session), ==, NORTH_MCP_LOG_LEVEL_ERROR);

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"logging/setLevel\",\"params\":{\"level\":\"loud\"}}");
  error_of (fixture, 2, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"logging/setLevel\"}");
  error_of (fixture, 3, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS);
}

static void
test_list_changed_on_add (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(TestChannel) standalone = test_channel_new (TRUE);
  g_autoptr(NorthMcpTool) tool = north_mcp_tool_new ("extra", "added late");
  JsonObject *notification;

  initialize (fixture);
  north_mcp_session_set_standalone_channel (fixture->session, NORTH_MCP_CHANNEL (standalone));
  north_mcp_server_add_tool (fixture->server, tool);
  test_run_pending ();
  g_assert_cmpuint (test_channel_get_messages (standalone)->len, ==, 1);
  notification = json_node_get_object (g_ptr_array_index (test_channel_get_messages (standalone), 0));
  g_assert_cmpstr (json_object_get_string_member (notification, "method"), ==,
                   "notifications/tools/list_changed");

  g_assert_true (north_mcp_server_remove_tool (fixture->server, "extra"));
  g_assert_false (north_mcp_server_remove_tool (fixture->server, "extra"));
  test_run_pending ();
  g_assert_cmpuint (test_channel_get_messages (standalone)->len, ==, 2);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* Each handler bug logged (not one a minute): tests expect every line. */
  north_mcp_log_throttle_set_interval (0);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/dispatch/initialize/negotiates", test_initialize_negotiates);
  ADD ("/dispatch/initialize/unknown-version", test_initialize_unknown_version);
  ADD ("/dispatch/initialize/required-first", test_requests_before_initialize);
  ADD ("/dispatch/ping-and-unknown-method", test_ping_and_unknown_method);
  ADD ("/dispatch/string-id", test_string_id_keeps_type);
  ADD ("/dispatch/tools/list/pagination", test_tools_list_pagination);
  ADD ("/dispatch/tools/call/simple", test_tools_call);
  ADD ("/dispatch/tools/call/bad-input", test_tools_call_bad_input);
  ADD ("/dispatch/tools/call/errors", test_tools_call_errors);
  ADD ("/dispatch/tools/call/async-thread", test_async_tool_from_thread);
  ADD ("/dispatch/tools/call/dropped-context", test_dropped_context_answers);
  ADD ("/dispatch/tools/call/user", test_authenticated_user);
  ADD ("/dispatch/tools/call/output-schema", test_output_schema_enforced);
  ADD ("/dispatch/tools/call/output-schema-stateless", test_output_schema_stateless);
  ADD ("/dispatch/tools/call/read-resource", test_read_resource);
  ADD ("/dispatch/tools/call/read-resource-cancelled-by-caller", test_read_resource_cancelled_by_caller);
  ADD ("/dispatch/tools/call/deep-result-read-back", test_deep_result_read_back);
  ADD ("/dispatch/batch", test_batch);
  ADD ("/dispatch/batch-removed", test_batch_removed);
  ADD ("/dispatch/batch-bounded", test_batch_bounded);
  ADD ("/dispatch/invalid-message", test_invalid_message_answered);
  ADD ("/dispatch/logging/set-level", test_log_level);
  ADD ("/dispatch/tools/list-changed", test_list_changed_on_add);

  return g_test_run ();
}
