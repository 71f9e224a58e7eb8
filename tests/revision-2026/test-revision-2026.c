/* test-revision-2026.c: the 2026-07-28 protocol revision in the
 * dispatcher and the HTTP validation helpers
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include <north-mcp.h>
#include "north-mcp-channel-private.h"
#include "north-mcp-event-store-private.h"
#include "north-mcp-session-manager-private.h"
#include "north-mcp-session-private.h"
#include "north-mcp-jsonrpc-private.h"
#include "north-mcp-revision-2026-private.h"
#include "north-mcp-server-private.h"

/* A channel that keeps what the dispatcher sends. */

#define TEST_TYPE_CHANNEL (test_channel_get_type ())
G_DECLARE_FINAL_TYPE (TestChannel, test_channel, TEST, CHANNEL, NorthMcpChannel)

struct _TestChannel
{
  NorthMcpChannel parent_instance;
  GPtrArray      *messages;
  gboolean        stream;
  gboolean        close_on_send; /* the peer is found gone while sending */
};

G_DEFINE_FINAL_TYPE (TestChannel, test_channel, NORTH_MCP_TYPE_CHANNEL)

static void
test_channel_send (NorthMcpChannel *channel,
                   JsonNode        *message)
{
  g_ptr_array_add (TEST_CHANNEL (channel)->messages, json_node_copy (message));
  if (TEST_CHANNEL (channel)->close_on_send)
    north_mcp_channel_mark_closed (channel);
}

static gboolean
test_channel_can_stream (NorthMcpChannel *channel)
{
  return TEST_CHANNEL (channel)->stream;
}

static void
test_channel_finalize (GObject *object)
{
  g_ptr_array_unref (TEST_CHANNEL (object)->messages);
  G_OBJECT_CLASS (test_channel_parent_class)->finalize (object);
}

static void
test_channel_class_init (TestChannelClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_channel_finalize;
  NORTH_MCP_CHANNEL_CLASS (klass)->send = test_channel_send;
  NORTH_MCP_CHANNEL_CLASS (klass)->can_stream = test_channel_can_stream;
}

static void
test_channel_init (TestChannel *self)
{
  self->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  self->stream = TRUE;
}

/* Fixture: a server with a few tools. */

typedef struct
{
  NorthMcpServer *server;
  TestChannel    *channel;
  NorthMcpUser   *user;     /* the caller of send_text(), NULL: anonymous */
} Fixture;

static NorthMcpToolResult *
echo_tool (NorthMcpTool     *tool,
           NorthMcpContext  *context,
           JsonObject       *arguments,
           gpointer          user_data,
           GError          **error)
{
  north_mcp_context_log_message (context, NORTH_MCP_LOG_LEVEL_DEBUG, NULL, "debug line");
  north_mcp_context_log_message (context, NORTH_MCP_LOG_LEVEL_WARNING, NULL, "warning line");
  return north_mcp_tool_result_new_text ("echo");
}

static NorthMcpToolResult *
needs_sampling_tool (NorthMcpTool     *tool,
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

  return north_mcp_tool_result_new_text ("Success");
}

/* Two rounds: asks for a name with state "round-1"; on the retry greets
 * the name and reports the state it got back. */
static NorthMcpToolResult *
ask_name_tool (NorthMcpTool     *tool,
               NorthMcpContext  *context,
               JsonObject       *arguments,
               gpointer          user_data,
               GError          **error)
{
  JsonObject *answer = north_mcp_context_get_input_response (context, "user_name");
  g_autoptr(JsonObject) schema = NULL;
  g_autofree char *text = NULL;
  gboolean added;

  if (answer != NULL)
    {
      JsonObject *content = json_object_get_object_member (answer, "content");

      text = g_strdup_printf ("Hello %s (state %s)",
                              json_object_get_string_member (content, "name"),
                              north_mcp_context_get_request_state (context) != NULL
                              ? north_mcp_context_get_request_state (context) : "none");
      return north_mcp_tool_result_new_text (text);
    }

  schema = json_object_new ();
  json_object_set_string_member (schema, "type", "object");
  added = north_mcp_context_add_elicitation_request (context, "user_name", "Your name?", schema);
  /* Sampling as well, so that a client without elicitation still gets
   * an input request it can answer. */
  north_mcp_context_add_input_request (context, "sample", "sampling/createMessage", NULL);
  north_mcp_context_return_input_required (context, added ? "round-1" : "no-elicitation");
  return NULL;
}

/* Asks with a state of arguments.size bytes; on the retry tells how
 * many came back. */
static NorthMcpToolResult *
big_state_tool (NorthMcpTool     *tool,
                NorthMcpContext  *context,
                JsonObject       *arguments,
                gpointer          user_data,
                GError          **error)
{
  const char *state = north_mcp_context_get_request_state (context);
  g_autofree char *big = NULL;
  g_autofree char *text = NULL;

  if (state != NULL)
    {
      text = g_strdup_printf ("%" G_GSIZE_FORMAT " bytes back", strlen (state));
      return north_mcp_tool_result_new_text (text);
    }
  big = g_strnfill (json_object_get_int_member_with_default (arguments, "size", 1), 'x');
  north_mcp_context_add_input_request (context, "sample", "sampling/createMessage", NULL);
  north_mcp_context_return_input_required (context, big);
  return NULL;
}

/* Tries input requests that need a sub-capability (sampling.tools,
 * elicitation.url, elicitation.form) and tells which were added. */
static NorthMcpToolResult *
sub_capabilities_tool (NorthMcpTool     *tool,
                       NorthMcpContext  *context,
                       JsonObject       *arguments,
                       gpointer          user_data,
                       GError          **error)
{
  g_autoptr(JsonObject) sampling = json_object_new ();
  g_autoptr(JsonObject) url = json_object_new ();
  g_autoptr(JsonObject) schema = json_object_new ();
  g_autofree char *text = NULL;
  gboolean with_tools, by_url, by_form;

  json_object_set_array_member (sampling, "messages", json_array_new ());
  json_object_set_int_member (sampling, "maxTokens", 10);
  json_object_set_array_member (sampling, "tools", json_array_new ());
  with_tools = north_mcp_context_add_input_request (context, "sample", "sampling/createMessage", sampling);
  json_object_set_string_member (url, "mode", "url");
  json_object_set_string_member (url, "message", "Sign in");
  json_object_set_string_member (url, "url", "https://example.com/sign-in");
  by_url = north_mcp_context_add_input_request (context, "url", "elicitation/create", url);
  json_object_set_string_member (schema, "type", "object");
  by_form = north_mcp_context_add_elicitation_request (context, "form", "Your name?", schema);
  text = g_strdup_printf ("tools=%d url=%d form=%d", with_tools, by_url, by_form);
  return north_mcp_tool_result_new_text (text);
}

/* Keeps the request open: the test answers it. */
static NorthMcpContext *held_context;

static void
hold_tool (NorthMcpTool    *tool,
           NorthMcpContext *context,
           JsonObject      *arguments,
           gpointer         user_data)
{
  g_set_object (&held_context, context);
}

static void
add_tool (NorthMcpServer   *server,
          const char       *name,
          NorthMcpToolFunc  func)
{
  g_autoptr(NorthMcpTool) tool = north_mcp_tool_new (name, "A test tool");

  north_mcp_tool_set_func (tool, func, NULL, NULL);
  north_mcp_server_add_tool (server, tool);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(NorthMcpTool) header_tool = north_mcp_tool_new ("header_tool", "Header test");
  g_autoptr(GError) error = NULL;

  fixture->server = north_mcp_server_new ("revision-2026-test", "1.2.3");
  fixture->channel = g_object_new (TEST_TYPE_CHANNEL, NULL);
  add_tool (fixture->server, "echo", echo_tool);
  add_tool (fixture->server, "needs_sampling", needs_sampling_tool);
  add_tool (fixture->server, "ask_name", ask_name_tool);
  add_tool (fixture->server, "ask_name_too", ask_name_tool);
  add_tool (fixture->server, "big_state", big_state_tool);
  add_tool (fixture->server, "sub_capabilities", sub_capabilities_tool);

  {
    g_autoptr(NorthMcpTool) hold = north_mcp_tool_new ("hold", "Waits for the test");

    north_mcp_tool_set_async_func (hold, hold_tool, NULL, NULL);
    north_mcp_server_add_tool (fixture->server, hold);
  }

  g_assert_true (north_mcp_tool_set_input_schema_json (header_tool,
    "{\"type\":\"object\",\"properties\":{"
    "\"region\":{\"type\":\"string\",\"x-mcp-header\":\"Region\"},"
    "\"count\":{\"type\":\"integer\",\"x-mcp-header\":\"Count\"}}}", &error));
  g_assert_no_error (error);
  north_mcp_tool_set_func (header_tool, echo_tool, NULL, NULL);
  north_mcp_server_add_tool (fixture->server, header_tool);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->channel);
  g_clear_object (&fixture->server);
  g_clear_object (&fixture->user);
}

/* Request building. */

#define CAPS_ALL "{\"sampling\":{},\"elicitation\":{},\"roots\":{}}"

static JsonNode *
parse (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);
  return node;
}

/* A 2026-07-28 request: @params_members are extra members of params (JSON
 * text without braces, may be empty), @meta_extra extra members of _meta. */
static char *
revision_2026_request (int         id,
                const char *method,
                const char *params_members,
                const char *capabilities,
                const char *meta_extra)
{
  return g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"%s\",\"params\":{%s%s"
                          "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","
                          "\"io.modelcontextprotocol/clientCapabilities\":%s%s}}}",
                          id, method, params_members, *params_members ? "," : "",
                          capabilities != NULL ? capabilities : CAPS_ALL,
                          meta_extra != NULL ? meta_extra : "");
}

static void
send_text (Fixture    *fixture,
           const char *text)
{
  g_autoptr(JsonNode) message = parse (text);

  g_ptr_array_set_size (fixture->channel->messages, 0);
  north_mcp_dispatch_message (NORTH_MCP_PROTOCOL_HOST (fixture->server), NULL, fixture->user, message,
                              NORTH_MCP_CHANNEL (fixture->channel));
}

static void
send_revision_2026 (Fixture    *fixture,
             int         id,
             const char *method,
             const char *params_members,
             const char *capabilities,
             const char *meta_extra)
{
  g_autofree char *text = revision_2026_request (id, method, params_members, capabilities, meta_extra);

  send_text (fixture, text);
}

/* The last message sent, which must be the response to @id. */
static JsonObject *
response (Fixture *fixture,
          int      id)
{
  GPtrArray *messages = fixture->channel->messages;
  JsonObject *object;

  g_assert_cmpuint (messages->len, >, 0);
  object = json_node_get_object (g_ptr_array_index (messages, messages->len - 1));
  g_assert_cmpint (json_object_get_int_member (object, "id"), ==, id);
  return object;
}

static JsonObject *
result (Fixture *fixture,
        int      id)
{
  JsonObject *object = response (fixture, id);

  if (json_object_has_member (object, "error"))
    g_error ("Expected a result, got %s",
             json_object_get_string_member (json_object_get_object_member (object, "error"), "message"));
  return json_object_get_object_member (object, "result");
}

static JsonObject *
error_of (Fixture *fixture,
          int      id,
          int      code)
{
  JsonObject *object = response (fixture, id);
  JsonObject *error;

  g_assert_true (json_object_has_member (object, "error"));
  g_assert_false (json_object_has_member (object, "result"));
  error = json_object_get_object_member (object, "error");
  g_assert_cmpint (json_object_get_int_member (error, "code"), ==, code);
  return error;
}

static const char *
first_text (JsonObject *tool_result)
{
  JsonArray *content = json_object_get_array_member (tool_result, "content");

  return json_object_get_string_member (json_array_get_object_element (content, 0), "text");
}

/* Tests. */

static void
test_meta_validation (Fixture       *fixture,
                      gconstpointer  data)
{
  /* No _meta at all, but a protocol version in _meta makes the request
   * 2026-07-28: these come from the transport's own checks (HTTP) or are
   * legacy requests. Without any _meta the request is a legacy one. */
  send_text (fixture, "{\"jsonrpc\":\"2.0\",\"id\":101,\"method\":\"server/discover\",\"params\":{}}");
  error_of (fixture, 101, -32601);

  send_text (fixture, "{\"jsonrpc\":\"2.0\",\"id\":104,\"method\":\"server/discover\",\"params\":{\"_meta\":"
                      "{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\"}}}");
  error_of (fixture, 104, -32602);

  send_text (fixture, "{\"jsonrpc\":\"2.0\",\"id\":105,\"method\":\"server/discover\",\"params\":{\"_meta\":"
                      "{\"io.modelcontextprotocol/protocolVersion\":2026,"
                      "\"io.modelcontextprotocol/clientCapabilities\":{}}}}");
  error_of (fixture, 105, -32602);

  send_text (fixture, "{\"jsonrpc\":\"2.0\",\"id\":106,\"method\":\"server/discover\",\"params\":{\"_meta\":"
                      "{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","
                      "\"io.modelcontextprotocol/clientCapabilities\":[]}}}");
  error_of (fixture, 106, -32602);

  /* clientInfo is optional, but must be an object when present. */
  send_revision_2026 (fixture, 107, "server/discover", "", "{}", NULL);
  result (fixture, 107);
  send_revision_2026 (fixture, 108, "server/discover", "", "{}",
               ",\"io.modelcontextprotocol/clientInfo\":\"me\"");
  error_of (fixture, 108, -32602);

  send_revision_2026 (fixture, 109, "server/discover", "", "{}",
               ",\"io.modelcontextprotocol/logLevel\":\"loud\"");
  error_of (fixture, 109, -32602);
}

static void
test_unsupported_version (Fixture       *fixture,
                          gconstpointer  data)
{
  JsonObject *error, *error_data;
  JsonArray *supported;

  send_text (fixture, "{\"jsonrpc\":\"2.0\",\"id\":\"v\",\"method\":\"server/discover\",\"params\":{\"_meta\":"
                      "{\"io.modelcontextprotocol/protocolVersion\":\"v999.0.0\","
                      "\"io.modelcontextprotocol/clientCapabilities\":{}}}}");
  g_assert_cmpuint (fixture->channel->messages->len, ==, 1);
  error = json_object_get_object_member (json_node_get_object (g_ptr_array_index (fixture->channel->messages, 0)),
                                         "error");
  g_assert_cmpint (json_object_get_int_member (error, "code"), ==, -32022);
  error_data = json_object_get_object_member (error, "data");
  g_assert_cmpstr (json_object_get_string_member (error_data, "requested"), ==, "v999.0.0");
  supported = json_object_get_array_member (error_data, "supported");
  g_assert_cmpuint (json_array_get_length (supported), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (supported, 0), ==, "2026-07-28");
  g_assert_cmpstr (json_node_get_string (json_object_get_member (json_node_get_object (
                     g_ptr_array_index (fixture->channel->messages, 0)), "id")), ==, "v");

  /* A huge version (stdio has no header to bound it) comes back cut, in
   * the message and in the data alike. */
  {
    g_autofree char *huge = g_strnfill (1024 * 1024, 'v');
    g_autofree char *text =
      g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"id\":\"w\",\"method\":\"server/discover\",\"params\":{\"_meta\":"
                       "{\"io.modelcontextprotocol/protocolVersion\":\"%s\","
                       "\"io.modelcontextprotocol/clientCapabilities\":{}}}}", huge);
    const char *requested;

    send_text (fixture, text);
    g_assert_cmpuint (fixture->channel->messages->len, ==, 1);
    error = json_object_get_object_member (json_node_get_object (g_ptr_array_index (fixture->channel->messages, 0)),
                                           "error");
    g_assert_cmpint (json_object_get_int_member (error, "code"), ==, -32022);
    g_assert_cmpuint (strlen (json_object_get_string_member (error, "message")), <, 256);
    requested = json_object_get_string_member (json_object_get_object_member (error, "data"), "requested");
    g_assert_true (g_str_has_prefix (requested, "vvvv"));
    g_assert_true (g_str_has_suffix (requested, "vvvv\u2026"));
    g_assert_cmpuint (strlen (requested), <, 256);
  }
}

static void
test_removed_methods (Fixture       *fixture,
                      gconstpointer  data)
{
  const char *methods[] = {
    "initialize", "ping", "logging/setLevel", "resources/subscribe",
    "resources/unsubscribe", "unknown/method",
  };

  for (guint i = 0; i < G_N_ELEMENTS (methods); i++)
    {
      send_revision_2026 (fixture, 500 + i, methods[i], "", NULL, NULL);
      error_of (fixture, 500 + i, -32601);
    }

  /* The stateless methods do not exist for initialize-based requests. */
  send_text (fixture, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"subscriptions/listen\",\"params\":{}}");
  error_of (fixture, 7, -32601);
}

static void
test_discover (Fixture       *fixture,
               gconstpointer  data)
{
  JsonObject *discover, *meta, *info;
  JsonArray *versions;

  north_mcp_server_set_instructions (fixture->server, "Be kind");
  send_revision_2026 (fixture, 201, "server/discover", "", "{}", NULL);
  discover = result (fixture, 201);

  versions = json_object_get_array_member (discover, "supportedVersions");
  g_assert_cmpuint (json_array_get_length (versions), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (versions, 0), ==, "2026-07-28");
  g_assert_true (json_object_has_member (json_object_get_object_member (discover, "capabilities"), "tools"));
  g_assert_cmpstr (json_object_get_string_member (discover, "instructions"), ==, "Be kind");
  g_assert_cmpstr (json_object_get_string_member (discover, "resultType"), ==, "complete");
  g_assert_cmpint (json_object_get_int_member (discover, "ttlMs"), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (discover, "cacheScope"), ==, "public");

  meta = json_object_get_object_member (discover, "_meta");
  info = json_object_get_object_member (meta, "io.modelcontextprotocol/serverInfo");
  g_assert_cmpstr (json_object_get_string_member (info, "name"), ==, "revision-2026-test");
  g_assert_cmpstr (json_object_get_string_member (info, "version"), ==, "1.2.3");
}

static void
test_result_type_and_caching (Fixture       *fixture,
                              gconstpointer  data)
{
  JsonObject *object;
  guint ttl = 1;
  NorthMcpCacheScope scope = NORTH_MCP_CACHE_SCOPE_PUBLIC;

  /* Defaults. */
  g_assert_true (north_mcp_server_get_cache_hint (fixture->server, "resources/read", &ttl, &scope));
  g_assert_cmpuint (ttl, ==, 0);
  g_assert_cmpint (scope, ==, NORTH_MCP_CACHE_SCOPE_PRIVATE);
  g_assert_false (north_mcp_server_get_cache_hint (fixture->server, "tools/call", NULL, NULL));

  send_revision_2026 (fixture, 1, "tools/list", "", NULL, NULL);
  object = result (fixture, 1);
  g_assert_cmpstr (json_object_get_string_member (object, "resultType"), ==, "complete");
  g_assert_cmpint (json_object_get_int_member (object, "ttlMs"), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (object, "cacheScope"), ==, "public");
  g_assert_true (json_object_has_member (object, "tools"));

  north_mcp_server_set_cache_hint (fixture->server, "tools/list", 300000, NORTH_MCP_CACHE_SCOPE_PRIVATE);
  send_revision_2026 (fixture, 2, "tools/list", "", NULL, NULL);
  object = result (fixture, 2);
  g_assert_cmpint (json_object_get_int_member (object, "ttlMs"), ==, 300000);
  g_assert_cmpstr (json_object_get_string_member (object, "cacheScope"), ==, "private");

  /* Not cacheable: resultType and serverInfo only. */
  send_revision_2026 (fixture, 3, "tools/call", "\"name\":\"echo\"", NULL, NULL);
  object = result (fixture, 3);
  g_assert_cmpstr (json_object_get_string_member (object, "resultType"), ==, "complete");
  g_assert_false (json_object_has_member (object, "ttlMs"));
  g_assert_false (json_object_has_member (object, "cacheScope"));
  g_assert_true (json_object_has_member (json_object_get_object_member (object, "_meta"),
                                         "io.modelcontextprotocol/serverInfo"));
  g_assert_cmpstr (first_text (object), ==, "echo");

  /* Initialize-based requests see none of it. */
  send_text (fixture, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/list\"}");
  object = result (fixture, 4);
  g_assert_false (json_object_has_member (object, "resultType"));
  g_assert_false (json_object_has_member (object, "ttlMs"));
  g_assert_false (json_object_has_member (object, "_meta"));

  /* Unknown tool: an error, echoing the id. */
  send_revision_2026 (fixture, 5, "tools/call", "\"name\":\"nope\"", NULL, NULL);
  error_of (fixture, 5, -32602);
}

static guint
count_log_messages (Fixture *fixture)
{
  guint count = 0;

  for (guint i = 0; i < fixture->channel->messages->len; i++)
    {
      JsonObject *object = json_node_get_object (g_ptr_array_index (fixture->channel->messages, i));

      if (g_strcmp0 (json_object_get_string_member_with_default (object, "method", NULL),
                     "notifications/message") == 0)
        count++;
    }

  return count;
}

static void
test_logging (Fixture       *fixture,
              gconstpointer  data)
{
  send_revision_2026 (fixture, 1, "tools/call", "\"name\":\"echo\"", NULL, NULL);
  result (fixture, 1);
  g_assert_cmpuint (count_log_messages (fixture), ==, 0);

  send_revision_2026 (fixture, 2, "tools/call", "\"name\":\"echo\"", NULL,
               ",\"io.modelcontextprotocol/logLevel\":\"warning\"");
  result (fixture, 2);
  g_assert_cmpuint (count_log_messages (fixture), ==, 1);

  send_revision_2026 (fixture, 3, "tools/call", "\"name\":\"echo\"", NULL,
               ",\"io.modelcontextprotocol/logLevel\":\"debug\"");
  result (fixture, 3);
  g_assert_cmpuint (count_log_messages (fixture), ==, 2);
}

static void
test_missing_capability (Fixture       *fixture,
                         gconstpointer  data)
{
  JsonObject *error, *required;

  send_revision_2026 (fixture, 401, "tools/call", "\"name\":\"needs_sampling\",\"arguments\":{}", "{}", NULL);
  error = error_of (fixture, 401, -32021);
  required = json_object_get_object_member (json_object_get_object_member (error, "data"),
                                            "requiredCapabilities");
  g_assert_nonnull (required);
  g_assert_true (json_object_has_member (required, "sampling"));
  g_assert_cmpuint (json_object_get_size (required), ==, 1);

  send_revision_2026 (fixture, 402, "tools/call", "\"name\":\"needs_sampling\"", "{\"sampling\":{}}", NULL);
  g_assert_cmpstr (first_text (result (fixture, 402)), ==, "Success");

  /* Initialize-based, without a session: a failed tool result. */
  send_text (fixture, "{\"jsonrpc\":\"2.0\",\"id\":403,\"method\":\"tools/call\","
                      "\"params\":{\"name\":\"needs_sampling\"}}");
  g_assert_true (json_object_get_boolean_member (result (fixture, 403), "isError"));
}

/* The requestState of an input-required result in the last response. */
static char *
round_one (Fixture    *fixture,
           int         id,
           const char *tool,
           const char *capabilities)
{
  g_autofree char *members = g_strdup_printf ("\"name\":\"%s\",\"arguments\":{}", tool);
  JsonObject *object;

  send_revision_2026 (fixture, id, "tools/call", members, capabilities, NULL);
  object = result (fixture, id);
  g_assert_cmpstr (json_object_get_string_member (object, "resultType"), ==, "input_required");
  g_assert_false (json_object_has_member (object, "ttlMs"));
  return g_strdup (json_object_get_string_member (object, "requestState"));
}

static void
retry (Fixture    *fixture,
       int         id,
       const char *tool,
       const char *state)
{
  g_autofree char *members =
    g_strdup_printf ("\"name\":\"%s\",\"arguments\":{},\"requestState\":\"%s\","
                     "\"inputResponses\":{\"user_name\":{\"action\":\"accept\","
                     "\"content\":{\"name\":\"Ada\"}},\"unknown\":{}}", tool, state);

  send_revision_2026 (fixture, id, "tools/call", members, NULL, NULL);
}

static void
test_input_required_round_trip (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autofree char *state = NULL;
  JsonObject *object, *requests, *elicitation;

  send_revision_2026 (fixture, 1, "tools/call", "\"name\":\"ask_name\",\"arguments\":{}", NULL, NULL);
  object = result (fixture, 1);
  g_assert_cmpstr (json_object_get_string_member (object, "resultType"), ==, "input_required");
  requests = json_object_get_object_member (object, "inputRequests");
  elicitation = json_object_get_object_member (requests, "user_name");
  g_assert_cmpstr (json_object_get_string_member (elicitation, "method"), ==, "elicitation/create");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (elicitation, "params"),
                                                  "message"), ==, "Your name?");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (requests, "sample"),
                                                  "method"), ==, "sampling/createMessage");
  state = g_strdup (json_object_get_string_member (object, "requestState"));
  /* Opaque: the handler's state does not show in clear. */
  g_assert_null (strstr (state, "round-1"));

  retry (fixture, 2, "ask_name", state);
  object = result (fixture, 2);
  g_assert_cmpstr (json_object_get_string_member (object, "resultType"), ==, "complete");
  g_assert_cmpstr (first_text (object), ==, "Hello Ada (state round-1)");

  /* Answers without a state are fine (the handler decides). */
  send_revision_2026 (fixture, 3, "tools/call",
               "\"name\":\"ask_name\",\"inputResponses\":{\"user_name\":{\"action\":\"accept\","
               "\"content\":{\"name\":\"Bob\"}}}", NULL, NULL);
  g_assert_cmpstr (first_text (result (fixture, 3)), ==, "Hello Bob (state none)");
}

static void
test_input_required_tampered (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autofree char *state = round_one (fixture, 1, "ask_name", NULL);
  g_autofree char *tampered = g_strconcat (state, "-TAMPERED", NULL);
  g_autofree char *flipped = g_strdup (state);
  const char *garbage[] = { "", "abc", ".", "a.b", "-TAMPERED" };

  retry (fixture, 2, "ask_name", tampered);
  error_of (fixture, 2, -32602);

  /* One changed character of the payload. */
  flipped[2] = flipped[2] == 'A' ? 'B' : 'A';
  retry (fixture, 3, "ask_name", flipped);
  error_of (fixture, 3, -32602);

  for (guint i = 0; i < G_N_ELEMENTS (garbage); i++)
    {
      retry (fixture, 10 + i, "ask_name", garbage[i]);
      error_of (fixture, 10 + i, -32602);
    }

  /* Bound to the tool it was issued for. */
  retry (fixture, 4, "ask_name_too", state);
  error_of (fixture, 4, -32602);

  /* Not a string. */
  send_revision_2026 (fixture, 5, "tools/call", "\"name\":\"ask_name\",\"requestState\":42", NULL, NULL);
  error_of (fixture, 5, -32602);

  /* The genuine one still works. */
  retry (fixture, 6, "ask_name", state);
  g_assert_cmpstr (first_text (result (fixture, 6)), ==, "Hello Ada (state round-1)");
}

static void
test_input_required_expired (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autofree char *state = NULL;

  north_mcp_server_set_request_state_lifetime (fixture->server, 0);
  state = round_one (fixture, 1, "ask_name", NULL);
  retry (fixture, 2, "ask_name", state);
  error_of (fixture, 2, -32602);
  g_assert_nonnull (strstr (json_object_get_string_member (error_of (fixture, 2, -32602), "message"),
                            "expired"));
}

/* Servers that share a key accept each other's states; others do not. */
static void
test_input_required_shared_key (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(NorthMcpServer) replica = north_mcp_server_new ("replica", "1.0");
  g_autoptr(NorthMcpServer) stranger = north_mcp_server_new ("stranger", "1.0");
  g_autoptr(GBytes) key = g_bytes_new_static ("0123456789abcdef0123456789abcdef", 32);
  g_autoptr(GBytes) long_key = g_bytes_new_static ("a longer key of more than thirty-two bytes", 42);
  g_autofree char *state = NULL;
  g_autoptr(NorthMcpServer) original = NULL;

  north_mcp_server_set_request_state_key (fixture->server, key);
  north_mcp_server_set_request_state_key (replica, key);
  add_tool (replica, "ask_name", ask_name_tool);
  add_tool (stranger, "ask_name", ask_name_tool);
  state = round_one (fixture, 1, "ask_name", NULL);

  original = g_steal_pointer (&fixture->server);
  fixture->server = g_object_ref (replica);
  retry (fixture, 2, "ask_name", state);
  g_assert_cmpstr (first_text (result (fixture, 2)), ==, "Hello Ada (state round-1)");

  g_set_object (&fixture->server, stranger);
  retry (fixture, 3, "ask_name", state);
  error_of (fixture, 3, -32602);

  /* Keys of other lengths are condensed, consistently. */
  north_mcp_server_set_request_state_key (replica, long_key);
  north_mcp_server_set_request_state_key (stranger, long_key);
  g_set_object (&fixture->server, replica);
  g_clear_pointer (&state, g_free);
  state = round_one (fixture, 4, "ask_name", NULL);
  g_set_object (&fixture->server, stranger);
  retry (fixture, 5, "ask_name", state);
  g_assert_cmpstr (first_text (result (fixture, 5)), ==, "Hello Ada (state round-1)");

  g_set_object (&fixture->server, original);
}

static void
store_set_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  gboolean *done = user_data;

  g_assert_true (north_mcp_state_store_set_finish (NORTH_MCP_STATE_STORE (source), result, NULL));
  *done = TRUE;
}

static void
store_get_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GBytes **value = user_data;

  *value = north_mcp_state_store_get_finish (NORTH_MCP_STATE_STORE (source), result, NULL);
  g_assert_nonnull (*value);
}

#define SHARED_STATE_KEY NORTH_MCP_STATE_STORE_PREFIX "request-state-key"

/* A key the application sets is the one that signs, with a state store
 * too: a key stored earlier (by another deployment, or before it was
 * rotated after a leak) does not replace it; it replaces that one, for
 * the replicas that have no key of their own. */
static void
test_input_required_configured_key_shared (Fixture       *fixture,
                                           gconstpointer  data)
{
  g_autoptr(NorthMcpStateStore) store = north_mcp_memory_state_store_new ();
  g_autoptr(NorthMcpServer) replica = north_mcp_server_new ("replica", "1.0");
  g_autoptr(GBytes) stale = g_bytes_new_static ("00112233445566778899aabbccddeeff"
                                                "00112233445566778899aabbccddeeff", 64);
  g_autoptr(GBytes) key = g_bytes_new_static ("0123456789abcdef0123456789abcdef", 32);
  g_autoptr(GBytes) rotated = g_bytes_new_static ("abcdefghijklmnopabcdefghijklmnop", 32);
  g_autoptr(GBytes) stored = NULL;
  const guint8 *used;
  gsize length = 0;
  gboolean done = FALSE;

  north_mcp_state_store_set_async (store, SHARED_STATE_KEY, stale, 0, NORTH_MCP_STATE_STORE_SET_ALWAYS,
                                   NULL, store_set_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);

  north_mcp_server_set_request_state_key (fixture->server, key);
  north_mcp_revision_2026_state_share_key (north_mcp_server_get_revision_2026 (fixture->server), store);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  used = north_mcp_revision_2026_state_get_key (north_mcp_server_get_revision_2026 (fixture->server), &length);
  g_assert_cmpmem (used, length, "0123456789abcdef0123456789abcdef", 32);

  north_mcp_state_store_get_async (store, SHARED_STATE_KEY, 64, NULL, store_get_cb, &stored);
  while (stored == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpmem (g_bytes_get_data (stored, NULL), g_bytes_get_size (stored),
                   "3031323334353637383961626364656630313233343536373839616263646566", 64);

  /* A replica without a key of its own signs with it. */
  north_mcp_revision_2026_state_share_key (north_mcp_server_get_revision_2026 (replica), store);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  used = north_mcp_revision_2026_state_get_key (north_mcp_server_get_revision_2026 (replica), &length);
  g_assert_cmpmem (used, length, "0123456789abcdef0123456789abcdef", 32);

  /* A key set while the server shares one (rotated at run time) is
   * stored at once, for the replicas to adopt. */
  north_mcp_server_set_request_state_key (replica, rotated);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_pointer (&stored, g_bytes_unref);
  north_mcp_state_store_get_async (store, SHARED_STATE_KEY, 64, NULL, store_get_cb, &stored);
  while (stored == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpmem (g_bytes_get_data (stored, NULL), g_bytes_get_size (stored),
                   "6162636465666768696a6b6c6d6e6f706162636465666768696a6b6c6d6e6f70", 64);
}

/* A user of an ID token: @email may be NULL (a token with a subject
 * only). */
static NorthMcpUser *
token_user (const char *issuer,
            const char *subject,
            const char *email)
{
  g_autoptr(JsonObject) claims = json_object_new ();

  json_object_set_string_member (claims, "iss", issuer);
  json_object_set_string_member (claims, "sub", subject);
  if (email != NULL)
    json_object_set_string_member (claims, "email", email);
  return north_mcp_user_new (email, NULL, NULL, claims, NULL);
}

/* A state comes back only from the identity it was issued to, decided
 * as for a session's or a task's owner (issuer and subject), not from
 * whoever has the same e-mail, or, without one, from anyone. */
/* The caller of the requests that follow becomes @user (taken). */
static void
become (Fixture      *fixture,
        NorthMcpUser *user)
{
  g_clear_object (&fixture->user);
  fixture->user = user;
}

static void
test_input_required_identity (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autofree char *no_email = NULL;
  g_autofree char *with_email = NULL;

  /* Subject-only tokens of one issuer. */
  become (fixture, token_user ("https://idp.example", "alice", NULL));
  no_email = round_one (fixture, 1, "ask_name", NULL);
  become (fixture, token_user ("https://idp.example", "bob", NULL));
  retry (fixture, 2, "ask_name", no_email);
  g_assert_nonnull (strstr (json_object_get_string_member (error_of (fixture, 2, -32602), "message"),
                            "another request"));
  become (fixture, NULL);
  retry (fixture, 3, "ask_name", no_email);
  error_of (fixture, 3, -32602);

  /* The same e-mail at another issuer is another identity. */
  become (fixture, token_user ("https://idp.example", "alice", "alice@example.com"));
  with_email = round_one (fixture, 4, "ask_name", NULL);
  become (fixture, token_user ("https://other.example", "mallory", "alice@example.com"));
  retry (fixture, 5, "ask_name", with_email);
  error_of (fixture, 5, -32602);

  /* Alice herself, whose e-mail claim came or went, gets both back. */
  become (fixture, token_user ("https://idp.example", "alice", NULL));
  retry (fixture, 6, "ask_name", with_email);
  g_assert_cmpstr (first_text (result (fixture, 6)), ==, "Hello Ada (state round-1)");
  retry (fixture, 7, "ask_name", no_email);
  g_assert_cmpstr (first_text (result (fixture, 7)), ==, "Hello Ada (state round-1)");
}

/* A state is sealed only when the retry can bring it back: one whose
 * token would pass the bound on requestState is refused at once, with a
 * clear error, not handed to a client whose retry can only fail. */
static void
test_input_required_state_size (Fixture       *fixture,
                                gconstpointer  data)
{
  JsonObject *object;
  g_autofree char *state = NULL;
  g_autofree char *members = NULL;

  send_revision_2026 (fixture, 1, "tools/call", "\"name\":\"big_state\",\"arguments\":{\"size\":30000}",
                      NULL, NULL);
  object = result (fixture, 1);
  g_assert_cmpstr (json_object_get_string_member (object, "resultType"), ==, "input_required");
  state = g_strdup (json_object_get_string_member (object, "requestState"));
  members = g_strdup_printf ("\"name\":\"big_state\",\"arguments\":{\"size\":30000},\"requestState\":\"%s\"",
                             state);
  send_revision_2026 (fixture, 2, "tools/call", members, NULL, NULL);
  g_assert_cmpstr (first_text (result (fixture, 2)), ==, "30000 bytes back");

  send_revision_2026 (fixture, 3, "tools/call", "\"name\":\"big_state\",\"arguments\":{\"size\":60000}",
                      NULL, NULL);
  object = result (fixture, 3);
  g_assert_false (json_object_has_member (object, "requestState"));
  g_assert_true (json_object_get_boolean_member (object, "isError"));
  g_assert_nonnull (strstr (first_text (object), "too large"));
}

static void
test_input_responses_validation (Fixture       *fixture,
                                 gconstpointer  data)
{
  send_revision_2026 (fixture, 1, "tools/call", "\"name\":\"ask_name\",\"inputResponses\":null", NULL, NULL);
  error_of (fixture, 1, -32602);
  send_revision_2026 (fixture, 2, "tools/call", "\"name\":\"ask_name\",\"inputResponses\":{\"user_name\":12345}",
               NULL, NULL);
  error_of (fixture, 2, -32602);
  send_revision_2026 (fixture, 3, "tools/call", "\"name\":\"ask_name\",\"inputResponses\":[]", NULL, NULL);
  error_of (fixture, 3, -32602);

  /* A missing answer: the handler asks again. */
  send_revision_2026 (fixture, 4, "tools/call",
               "\"name\":\"ask_name\",\"inputResponses\":{\"wrong_key\":{\"action\":\"cancel\"}}", NULL, NULL);
  g_assert_cmpstr (json_object_get_string_member (result (fixture, 4), "resultType"), ==, "input_required");
}

/* The error for a malformed input response names its key as every echo
 * of client text is named: cut short, not the 64 KiB the client sent. */
static void
test_input_responses_key_echo (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autofree char *key = g_strnfill (64 * 1024, 'k');
  g_autofree char *members = g_strdup_printf ("\"name\":\"ask_name\",\"inputResponses\":{\"%s\":1}", key);
  const char *message;

  send_revision_2026 (fixture, 1, "tools/call", members, NULL, NULL);
  message = json_object_get_string_member (error_of (fixture, 1, -32602), "message");
  g_assert_nonnull (strstr (message, "kkkk"));
  g_assert_cmpuint (strlen (message), <, 512);
}

static void
test_input_required_capabilities (Fixture       *fixture,
                                  gconstpointer  data)
{
  JsonObject *object, *requests;

  send_revision_2026 (fixture, 1, "tools/call", "\"name\":\"ask_name\"", "{\"sampling\":{}}", NULL);
  object = result (fixture, 1);
  g_assert_cmpstr (json_object_get_string_member (object, "resultType"), ==, "input_required");
  requests = json_object_get_object_member (object, "inputRequests");
  g_assert_false (json_object_has_member (requests, "user_name"));
  g_assert_true (json_object_has_member (requests, "sample"));

  /* No capability at all: only the state is left. */
  send_revision_2026 (fixture, 2, "tools/call", "\"name\":\"ask_name\"", "{}", NULL);
  object = result (fixture, 2);
  g_assert_false (json_object_has_member (object, "inputRequests"));
  g_assert_true (json_object_has_member (object, "requestState"));

  /* Initialize-based requests cannot carry input requests: a tool error. */
  send_text (fixture, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"ask_name\"}}");
  object = result (fixture, 3);
  g_assert_true (json_object_get_boolean_member (object, "isError"));
  g_assert_false (json_object_has_member (object, "resultType"));
}

/* Input requests that need more than the top-level capability are added
 * only when the client declared that too, as requests to the client of
 * earlier revisions are sent only then: sampling with tools needs
 * sampling.tools, URL elicitation elicitation.url, and a client that lists
 * elicitation modes without form takes no forms. */
static void
test_input_required_sub_capabilities (Fixture       *fixture,
                                      gconstpointer  data)
{
  const struct { const char *capabilities, *added; } cases[] = {
    { "{\"sampling\":{},\"elicitation\":{}}", "tools=0 url=0 form=1" },
    { "{\"sampling\":{\"tools\":{}},\"elicitation\":{\"url\":{}}}", "tools=1 url=1 form=0" },
    { "{\"elicitation\":{\"form\":{},\"url\":{}}}", "tools=0 url=1 form=1" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      send_revision_2026 (fixture, 1 + i, "tools/call", "\"name\":\"sub_capabilities\"", cases[i].capabilities, NULL);
      g_assert_cmpstr (first_text (result (fixture, 1 + i)), ==, cases[i].added);
    }
}

/* Runs what is due: list_changed is sent once an idle runs (the changes
 * made until then as one). */
static void
run_pending (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static JsonObject *
message_at (Fixture *fixture,
            guint    index)
{
  g_assert_cmpuint (fixture->channel->messages->len, >, index);
  return json_node_get_object (g_ptr_array_index (fixture->channel->messages, index));
}

/* request-finished of a listen stream: "<id> <outcome>". */
static void
listen_finished_cb (NorthMcpServer  *server,
                    NorthMcpContext *context,
                    const GError    *error,
                    GPtrArray       *finished)
{
  g_autofree char *id = json_to_string (north_mcp_context_get_request_id (context), FALSE);

  g_ptr_array_add (finished, g_strdup_printf ("%s %s", id,
                                              error == NULL ? "result"
                                              : g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
                                              ? "cancelled" : error->message));
}

static void
test_listen (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(TestChannel) prompts_only = g_object_new (TEST_TYPE_CHANNEL, NULL);
  g_autoptr(GPtrArray) finished = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonNode) prompts_request = NULL;
  g_autofree char *text = NULL;
  JsonObject *ack, *params, *meta;
  NorthMcpRevision2026State *listeners = north_mcp_server_get_revision_2026 (fixture->server);

  g_signal_connect (fixture->server, "request-finished", G_CALLBACK (listen_finished_cb), finished);
  send_revision_2026 (fixture, 77, "subscriptions/listen",
               "\"notifications\":{\"toolsListChanged\":true,\"promptsListChanged\":true}", "{}", NULL);
  g_assert_cmpuint (fixture->channel->messages->len, ==, 1);
  ack = message_at (fixture, 0);
  g_assert_cmpstr (json_object_get_string_member (ack, "method"), ==, "notifications/subscriptions/acknowledged");
  g_assert_false (json_object_has_member (ack, "id"));
  params = json_object_get_object_member (ack, "params");
  /* The server has no prompts: only tools is honoured. */
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (params, "notifications"),
                                                 "toolsListChanged"));
  g_assert_false (json_object_has_member (json_object_get_object_member (params, "notifications"),
                                          "promptsListChanged"));
  meta = json_object_get_object_member (params, "_meta");
  g_assert_cmpint (json_object_get_int_member (meta, "io.modelcontextprotocol/subscriptionId"), ==, 77);
  g_assert_cmpuint (north_mcp_revision_2026_state_count_listeners (listeners), ==, 1);

  /* A second stream that wants prompts only. */
  text = revision_2026_request (78, "subscriptions/listen", "\"notifications\":{\"promptsListChanged\":true}", "{}", NULL);
  prompts_request = parse (text);
  north_mcp_dispatch_message (NORTH_MCP_PROTOCOL_HOST (fixture->server), NULL, NULL, prompts_request,
                              NORTH_MCP_CHANNEL (prompts_only));
  g_assert_cmpuint (prompts_only->messages->len, ==, 1);
  g_assert_cmpuint (north_mcp_revision_2026_state_count_listeners (listeners), ==, 2);

  /* Changes made together: one notification on the stream. */
  for (guint i = 0; i < 100; i++)
    north_mcp_server_notify_tools_list_changed (fixture->server);
  run_pending ();
  g_assert_cmpuint (fixture->channel->messages->len, ==, 2);
  params = json_object_get_object_member (message_at (fixture, 1), "params");
  g_assert_cmpstr (json_object_get_string_member (message_at (fixture, 1), "method"), ==,
                   "notifications/tools/list_changed");
  meta = json_object_get_object_member (params, "_meta");
  g_assert_cmpint (json_object_get_int_member (meta, "io.modelcontextprotocol/subscriptionId"), ==, 77);
  g_assert_cmpuint (prompts_only->messages->len, ==, 1);

  /* The client goes away: the stream is forgotten, nothing is answered. */
  g_assert_cmpuint (finished->len, ==, 0);
  north_mcp_channel_mark_closed (NORTH_MCP_CHANNEL (prompts_only));
  g_assert_cmpuint (north_mcp_revision_2026_state_count_listeners (listeners), ==, 1);
  g_assert_cmpuint (prompts_only->messages->len, ==, 1);
  g_assert_cmpuint (finished->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (finished, 0), ==, "78 cancelled");

  /* Server shutdown ends the rest with a result. */
  north_mcp_server_stop (fixture->server);
  g_assert_cmpuint (north_mcp_revision_2026_state_count_listeners (listeners), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (result (fixture, 77), "resultType"), ==, "complete");
  g_assert_cmpuint (finished->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (finished, 1), ==, "77 result");
  g_signal_handlers_disconnect_by_func (fixture->server, listen_finished_cb, finished);

  /* Listening needs a stream. */
  fixture->channel->stream = FALSE;
  send_revision_2026 (fixture, 79, "subscriptions/listen", "\"notifications\":{}", "{}", NULL);
  error_of (fixture, 79, -32600);
  send_revision_2026 (fixture, 80, "subscriptions/listen", "", "{}", NULL);
  error_of (fixture, 80, -32602);
}

/* A listen stream keeps its request as long as it is open: at most
 * 64 KiB besides its URIs, whatever member holds the rest, also a
 * resourceSubscriptions that is no array. */
static void
test_listen_bounded (Fixture       *fixture,
                     gconstpointer  data)
{
  NorthMcpRevision2026State *listeners = north_mcp_server_get_revision_2026 (fixture->server);
  g_autofree char *padding = g_strnfill (200 * 1024, 'x');
  const char *forms[] = {
    "\"notifications\":{\"toolsListChanged\":true,\"padding\":\"%s\"}",
    "\"notifications\":{\"toolsListChanged\":true,\"resourceSubscriptions\":\"%s\"}",
    "\"notifications\":{\"toolsListChanged\":true,\"resourceSubscriptions\":{\"p\":\"%s\"}}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (forms); i++)
    {
      g_autofree char *members = g_strdup_printf (forms[i], padding);

      send_revision_2026 (fixture, 1 + i, "subscriptions/listen", members, "{}", NULL);
      g_assert_cmpuint (fixture->channel->messages->len, ==, 1);
      g_assert_false (json_object_has_member (message_at (fixture, 0), "method"));
      error_of (fixture, 1 + i, -32602);
      g_assert_cmpuint (north_mcp_revision_2026_state_count_listeners (listeners), ==, 0);
    }
}

/* Every notification of a listen stream repeats its request's id: a
 * string id is at most 256 bytes, as a progress token, refused (with
 * the id it had) past it. */
static void
test_listen_id_bounded (Fixture       *fixture,
                        gconstpointer  data)
{
  NorthMcpRevision2026State *listeners = north_mcp_server_get_revision_2026 (fixture->server);
  const gsize lengths[] = { 256, 257, 64 * 1024 };

  for (guint i = 0; i < G_N_ELEMENTS (lengths); i++)
    {
      g_autofree char *id = g_strnfill (lengths[i], 'i');
      g_autofree char *request = revision_2026_request (1, "subscriptions/listen",
                                                        "\"notifications\":{\"toolsListChanged\":true}", "{}", NULL);
      g_autofree char *quoted = g_strdup_printf ("\"id\":\"%s\",", id);
      g_auto(GStrv) parts = g_strsplit (request, "\"id\":1,", 2);
      g_autofree char *text = g_strjoin (quoted, parts[0], parts[1], NULL);
      JsonObject *answer, *error, *meta;

      send_text (fixture, text);
      g_assert_cmpuint (fixture->channel->messages->len, ==, 1);
      answer = json_node_get_object (g_ptr_array_index (fixture->channel->messages, 0));
      g_assert_cmpuint (north_mcp_revision_2026_state_count_listeners (listeners), ==, 1);
      if (lengths[i] <= 256)
        {
          /* Open: acknowledged, with its id. */
          meta = json_object_get_object_member (json_object_get_object_member (answer, "params"), "_meta");
          g_assert_cmpstr (json_object_get_string_member (meta, "io.modelcontextprotocol/subscriptionId"), ==, id);
          continue;
        }
      g_assert_cmpstr (json_object_get_string_member (answer, "id"), ==, id);
      error = json_object_get_object_member (answer, "error");
      g_assert_nonnull (error);
      g_assert_cmpint (json_object_get_int_member (error, "code"), ==, -32600);
      g_assert_nonnull (strstr (json_object_get_string_member (error, "message"), "256 bytes"));
    }
}

/* Over stdio a client ends a listen stream with notifications/cancelled:
 * the stream is forgotten (it kept its request and got notifications for
 * as long as the connection lasted, however many the client opened). */
static void
test_listen_cancelled (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(NorthMcpSession) session = north_mcp_session_new ("listen-cancel-test", NULL);
  g_autoptr(GPtrArray) finished = g_ptr_array_new_with_free_func (g_free);
  NorthMcpRevision2026State *listeners = north_mcp_server_get_revision_2026 (fixture->server);

  g_signal_connect (fixture->server, "request-finished", G_CALLBACK (listen_finished_cb), finished);
  for (guint round = 0; round < 3; round++)
    {
      g_autofree char *text = revision_2026_request (41, "subscriptions/listen",
                                                     "\"notifications\":{\"toolsListChanged\":true}", "{}", NULL);
      g_autoptr(JsonNode) request = parse (text);
      g_autoptr(JsonNode) cancel =
        parse ("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":41}}");

      g_ptr_array_set_size (fixture->channel->messages, 0);
      north_mcp_dispatch_message (NORTH_MCP_PROTOCOL_HOST (fixture->server), session, NULL, request,
                                  NORTH_MCP_CHANNEL (fixture->channel));
      g_assert_cmpuint (north_mcp_revision_2026_state_count_listeners (listeners), ==, 1);
      north_mcp_server_notify_tools_list_changed (fixture->server);
      run_pending ();
      g_assert_cmpuint (fixture->channel->messages->len, ==, 2);

      north_mcp_dispatch_message (NORTH_MCP_PROTOCOL_HOST (fixture->server), session, NULL, cancel,
                                  NORTH_MCP_CHANNEL (fixture->channel));
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_assert_cmpuint (north_mcp_revision_2026_state_count_listeners (listeners), ==, 0);
      g_assert_cmpuint (finished->len, ==, round + 1);
      g_assert_cmpstr (g_ptr_array_index (finished, round), ==, "41 cancelled");

      /* Nothing more on the cancelled stream, not even an answer. */
      north_mcp_server_notify_tools_list_changed (fixture->server);
      run_pending ();
      g_assert_cmpuint (fixture->channel->messages->len, ==, 2);
    }

  /* Server shutdown after that has nothing left to end. */
  north_mcp_server_stop (fixture->server);
  g_assert_cmpuint (fixture->channel->messages->len, ==, 2);
  g_assert_cmpuint (finished->len, ==, 3);
  g_signal_handlers_disconnect_by_func (fixture->server, listen_finished_cb, finished);
}

/* Many listen streams, ended in an order other than the one they were
 * opened in, some by the broadcast that finds their peer gone: every
 * stream still open gets each notification once, every one that ended
 * gets nothing more, and stopping the server ends exactly the rest. */
#define MANY_LISTENERS 3000

static void
test_listen_many (Fixture       *fixture,
                  gconstpointer  data)
{
  NorthMcpRevision2026State *listeners = north_mcp_server_get_revision_2026 (fixture->server);
  g_autoptr(GPtrArray) channels = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) finished = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) outcomes = g_hash_table_new (g_str_hash, g_str_equal);

  g_signal_connect (fixture->server, "request-finished", G_CALLBACK (listen_finished_cb), finished);
  for (guint i = 0; i < MANY_LISTENERS; i++)
    {
      TestChannel *channel = g_object_new (TEST_TYPE_CHANNEL, NULL);
      g_autofree char *text = revision_2026_request (i + 1, "subscriptions/listen",
                                                     "\"notifications\":{\"toolsListChanged\":true}", "{}", NULL);
      g_autoptr(JsonNode) request = parse (text);

      g_ptr_array_add (channels, channel);
      north_mcp_dispatch_message (NORTH_MCP_PROTOCOL_HOST (fixture->server), NULL, NULL, request,
                                  NORTH_MCP_CHANNEL (channel));
      g_assert_cmpuint (channel->messages->len, ==, 1);
    }
  g_assert_cmpuint (north_mcp_revision_2026_state_count_listeners (listeners), ==, MANY_LISTENERS);

  /* Every third client goes away, from the last one back. */
  for (guint i = MANY_LISTENERS; i-- > 0;)
    if (i % 3 == 0)
      north_mcp_channel_mark_closed (g_ptr_array_index (channels, i));
  g_assert_cmpuint (north_mcp_revision_2026_state_count_listeners (listeners), ==, MANY_LISTENERS * 2 / 3);
  g_assert_cmpuint (finished->len, ==, MANY_LISTENERS / 3);

  /* The broadcast finds the peers of the streams i % 3 == 1 gone as it
   * writes to them: they end, and the streams after them still get it. */
  for (guint i = 1; i < MANY_LISTENERS; i += 3)
    TEST_CHANNEL (g_ptr_array_index (channels, i))->close_on_send = TRUE;
  north_mcp_server_notify_tools_list_changed (fixture->server);
  run_pending ();
  for (guint i = 0; i < MANY_LISTENERS; i++)
    {
      TestChannel *channel = g_ptr_array_index (channels, i);

      if (channel->messages->len != (i % 3 == 0 ? 1 : 2))
        g_error ("listen stream %u got %u messages after the first broadcast", i, channel->messages->len);
    }
  g_assert_cmpuint (north_mcp_revision_2026_state_count_listeners (listeners), ==, MANY_LISTENERS / 3);
  g_assert_cmpuint (finished->len, ==, MANY_LISTENERS * 2 / 3);

  north_mcp_server_notify_tools_list_changed (fixture->server);
  run_pending ();
  for (guint i = 0; i < MANY_LISTENERS; i++)
    {
      TestChannel *channel = g_ptr_array_index (channels, i);

      if (channel->messages->len != (i % 3 == 0 ? 1 : i % 3 == 1 ? 2 : 3))
        g_error ("listen stream %u got %u messages after the second broadcast", i, channel->messages->len);
    }

  /* Stopping the server answers the rest, each once. */
  north_mcp_server_stop (fixture->server);
  g_assert_cmpuint (north_mcp_revision_2026_state_count_listeners (listeners), ==, 0);
  g_assert_cmpuint (finished->len, ==, MANY_LISTENERS);
  for (guint i = 0; i < finished->len; i++)
    g_hash_table_add (outcomes, g_ptr_array_index (finished, i));
  for (guint i = 0; i < MANY_LISTENERS; i++)
    {
      TestChannel *channel = g_ptr_array_index (channels, i);
      g_autofree char *expected = g_strdup_printf ("%u %s", i + 1, i % 3 == 2 ? "result" : "cancelled");

      g_assert_cmpuint (channel->messages->len, ==, i % 3 == 0 ? 1 : i % 3 == 1 ? 2 : 4);
      g_assert_true (g_hash_table_contains (outcomes, expected));
    }
  g_signal_handlers_disconnect_by_func (fixture->server, listen_finished_cb, finished);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* A notification is told to the listen streams that asked for it, at the
 * cost of those: every open stream was looked at for each resource update
 * and list change, so that a client that opened many streams (asking for
 * nothing, or for URIs no one updates) made every notification of the
 * server cost that many, as sessions did before their index. */
#define IDLE_LISTENERS 200

static void
test_listen_visits_its_listeners (Fixture       *fixture,
                                  gconstpointer  data)
{
  NorthMcpRevision2026State *state = north_mcp_server_get_revision_2026 (fixture->server);
  g_autoptr(NorthMcpResource) resource = north_mcp_resource_new_text ("test://watched", "watched", "text/plain", "x");
  g_autoptr(GPtrArray) channels = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(TestChannel) watcher = g_object_new (TEST_TYPE_CHANNEL, NULL);
  g_autofree char *text = NULL;
  g_autoptr(JsonNode) request = NULL;
  guint64 before;

  north_mcp_server_add_resource (fixture->server, resource);
  /* The lists changed by the fixture are told before any stream opens. */
  run_pending ();
  for (guint i = 0; i < IDLE_LISTENERS; i++)
    {
      TestChannel *channel = g_object_new (TEST_TYPE_CHANNEL, NULL);
      g_autofree char *members = g_strdup_printf (i % 2 == 0 ? "\"notifications\":{}"
                                                  : "\"notifications\":{\"resourceSubscriptions\":"
                                                    "[\"test://other/%u\",\"test://watched/%u\"]}", i, i);
      g_autofree char *listen = revision_2026_request (i + 1, "subscriptions/listen", members, "{}", NULL);
      g_autoptr(JsonNode) message = parse (listen);

      g_ptr_array_add (channels, channel);
      north_mcp_dispatch_message (NORTH_MCP_PROTOCOL_HOST (fixture->server), NULL, NULL, message,
                                  NORTH_MCP_CHANNEL (channel));
      g_assert_cmpuint (channel->messages->len, ==, 1);
    }
  text = revision_2026_request (1000, "subscriptions/listen",
                                "\"notifications\":{\"toolsListChanged\":true,"
                                "\"resourceSubscriptions\":[\"test://watched\"]}", "{}", NULL);
  request = parse (text);
  north_mcp_dispatch_message (NORTH_MCP_PROTOCOL_HOST (fixture->server), NULL, NULL, request,
                              NORTH_MCP_CHANNEL (watcher));
  g_assert_cmpuint (watcher->messages->len, ==, 1);

  before = north_mcp_revision_2026_state_get_visits (state);
  north_mcp_server_notify_resource_updated (fixture->server, "test://watched");
  run_pending ();
  g_assert_cmpuint (north_mcp_revision_2026_state_get_visits (state) - before, ==, 1);
  g_assert_cmpuint (watcher->messages->len, ==, 2);

  before = north_mcp_revision_2026_state_get_visits (state);
  north_mcp_server_notify_resource_updated (fixture->server, "test://nobody-watches");
  north_mcp_server_notify_resources_list_changed (fixture->server);
  run_pending ();
  g_assert_cmpuint (north_mcp_revision_2026_state_get_visits (state) - before, ==, 0);

  before = north_mcp_revision_2026_state_get_visits (state);
  north_mcp_server_notify_tools_list_changed (fixture->server);
  run_pending ();
  g_assert_cmpuint (north_mcp_revision_2026_state_get_visits (state) - before, ==, 1);
  g_assert_cmpuint (watcher->messages->len, ==, 3);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (g_ptr_array_index (watcher->messages, 2)),
                                                  "method"), ==, "notifications/tools/list_changed");

  /* The streams that asked for nothing got nothing; a stream that ends
   * is looked at no more. */
  for (guint i = 0; i < IDLE_LISTENERS; i++)
    g_assert_cmpuint (TEST_CHANNEL (g_ptr_array_index (channels, i))->messages->len, ==, 1);
  north_mcp_channel_mark_closed (NORTH_MCP_CHANNEL (watcher));
  run_pending ();
  before = north_mcp_revision_2026_state_get_visits (state);
  north_mcp_server_notify_resource_updated (fixture->server, "test://watched");
  north_mcp_server_notify_tools_list_changed (fixture->server);
  run_pending ();
  g_assert_cmpuint (north_mcp_revision_2026_state_get_visits (state) - before, ==, 0);
  g_assert_cmpuint (watcher->messages->len, ==, 3);

  north_mcp_server_stop (fixture->server);
  g_assert_cmpuint (north_mcp_revision_2026_state_count_listeners (state), ==, 0);
  run_pending ();
}

/* One identity's listen streams take at most its share of
 * max-subscription-bytes (a quarter): one user who opens streams until
 * refused leaves room for every other user. Before, one user could fill
 * the whole budget and every other user's listen was refused. */
static void
test_listen_share (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GPtrArray) channels = g_ptr_array_new_with_free_func (g_object_unref);
  NorthMcpRevision2026State *listeners = north_mcp_server_get_revision_2026 (fixture->server);
  g_autoptr(JsonObject) refused = NULL;
  TestChannel *channel;
  guint opened = 0;

  north_mcp_server_set_max_subscription_bytes (fixture->server, 100000);
  become (fixture, token_user ("https://idp.example", "alice", NULL));
  while (refused == NULL)
    {
      g_autofree char *text = revision_2026_request (opened + 1, "subscriptions/listen",
                                                     "\"notifications\":{\"toolsListChanged\":true}", "{}", NULL);
      g_autoptr(JsonNode) request = parse (text);
      JsonObject *first;

      g_assert_cmpuint (opened, <, 100);
      channel = g_object_new (TEST_TYPE_CHANNEL, NULL);
      g_ptr_array_add (channels, channel);
      north_mcp_dispatch_message (NORTH_MCP_PROTOCOL_HOST (fixture->server), NULL, fixture->user, request,
                                  NORTH_MCP_CHANNEL (channel));
      g_assert_cmpuint (channel->messages->len, ==, 1);
      first = json_node_get_object (g_ptr_array_index (channel->messages, 0));
      if (json_object_has_member (first, "error"))
        refused = json_object_ref (json_object_get_object_member (first, "error"));
      else
        opened++;
    }
  /* Some fit, and the refusal says why, like the server-wide one. */
  g_assert_cmpuint (opened, >, 0);
  g_assert_cmpuint (north_mcp_revision_2026_state_count_listeners (listeners), ==, opened);
  g_assert_cmpint (json_object_get_int_member (refused, "code"), ==, -32603);
  g_assert_nonnull (strstr (json_object_get_string_member (refused, "message"), "max-subscription-bytes"));
  g_assert_nonnull (strstr (json_object_get_string_member (refused, "message"), "one client"));

  /* Another user still listens. */
  become (fixture, token_user ("https://idp.example", "bob", NULL));
  send_revision_2026 (fixture, 500, "subscriptions/listen", "\"notifications\":{\"toolsListChanged\":true}",
                      "{}", NULL);
  g_assert_cmpuint (fixture->channel->messages->len, ==, 1);
  g_assert_cmpstr (json_object_get_string_member (message_at (fixture, 0), "method"), ==,
                   "notifications/subscriptions/acknowledged");

  /* A stream of the first user that ends gives its room back to that
   * user. */
  north_mcp_channel_mark_closed (g_ptr_array_index (channels, 0));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  become (fixture, token_user ("https://idp.example", "alice", NULL));
  send_revision_2026 (fixture, 501, "subscriptions/listen", "\"notifications\":{\"toolsListChanged\":true}",
                      "{}", NULL);
  g_assert_cmpstr (json_object_get_string_member (message_at (fixture, 0), "method"), ==,
                   "notifications/subscriptions/acknowledged");

  north_mcp_server_stop (fixture->server);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Stateless requests are cancelled by notifications/cancelled (stdio) and
 * by the client closing the response stream (HTTP); either way, nothing is
 * answered. */
static void
test_cancellation (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(NorthMcpSession) session = north_mcp_session_new ("cancel-test", NULL);
  g_autoptr(JsonNode) request = NULL;
  g_autoptr(JsonNode) cancel = NULL;
  g_autofree char *text = revision_2026_request (31, "tools/call", "\"name\":\"hold\"", NULL, NULL);
  GCancellable *cancellable;

  request = parse (text);
  north_mcp_dispatch_message (NORTH_MCP_PROTOCOL_HOST (fixture->server), session, NULL, request,
                              NORTH_MCP_CHANNEL (fixture->channel));
  g_assert_nonnull (held_context);
  /* Stateless: no session as far as the handler is concerned. */
  g_assert_null (north_mcp_context_get_session (held_context));
  cancellable = north_mcp_context_get_cancellable (held_context);
  g_assert_false (g_cancellable_is_cancelled (cancellable));

  cancel = parse ("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":31}}");
  north_mcp_dispatch_message (NORTH_MCP_PROTOCOL_HOST (fixture->server), session, NULL, cancel,
                              NORTH_MCP_CHANNEL (fixture->channel));
  g_assert_true (g_cancellable_is_cancelled (cancellable));

  /* The handler's late answer goes nowhere. */
  g_ptr_array_set_size (fixture->channel->messages, 0);
  {
    g_autoptr(NorthMcpToolResult) late = north_mcp_tool_result_new_text ("too late");

    north_mcp_context_return_tool_result (held_context, late);
  }
  g_assert_cmpuint (fixture->channel->messages->len, ==, 0);
  g_clear_object (&held_context);

  /* Over HTTP, the client closing the stream cancels. */
  send_revision_2026 (fixture, 32, "tools/call", "\"name\":\"hold\"", NULL, NULL);
  g_assert_nonnull (held_context);
  cancellable = north_mcp_context_get_cancellable (held_context);
  g_assert_false (g_cancellable_is_cancelled (cancellable));
  north_mcp_channel_mark_closed (NORTH_MCP_CHANNEL (fixture->channel));
  g_assert_true (g_cancellable_is_cancelled (cancellable));
  north_mcp_context_return_error_literal (held_context, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED, "gone");
  g_assert_cmpuint (fixture->channel->messages->len, ==, 0);
  g_clear_object (&held_context);
}

/* HTTP helpers. */

static void
test_decode_header_value (void)
{
  struct { const char *in; const char *out; } cases[] = {
    { "  tools/call \t", "tools/call" },
    { "=?base64?aMOpbGxv?=", "h\xc3\xa9llo" },
    { " =?base64?dGVzdA==?= ", "test" },
    { "=?base64?", "=?base64?" },          /* too short to be a sentinel */
    { "=?base64?" "?=", "=?base64?" "?=" },
    { "=?base64?!!!!?=", NULL },           /* not base64 */
    { "=?base64?dGVzdA?=", NULL },         /* missing padding */
    { "=?base64?/w==?=", NULL },           /* not UTF-8 */
    { "=?base64?AA==?=", NULL },           /* NUL */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *decoded = north_mcp_revision_2026_decode_header_value (cases[i].in);

      g_assert_cmpstr (decoded, ==, cases[i].out);
    }
}

static guint
check_post (Fixture    *fixture,
            const char *body,
            const char *version,
            const char *method,
            const char *name,
            int         expected_code)
{
  g_autoptr(JsonNode) message = parse (body);
  g_autoptr(JsonNode) response = NULL;
  SoupMessageHeaders *headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  NorthMcpRevision2026Head head;
  guint status;

  if (version != NULL)
    soup_message_headers_append (headers, "mcp-protocol-version", version);
  if (method != NULL)
    soup_message_headers_append (headers, "MCP-METHOD", method);
  if (name != NULL)
    soup_message_headers_append (headers, "Mcp-Name", name);

  north_mcp_revision_2026_head_read (&head, headers);
  g_assert_true (north_mcp_revision_2026_http_applies (headers, &head, message) || version == NULL ||
                 !north_mcp_protocol_version_is_revision_2026 (version));
  status = north_mcp_revision_2026_http_check_post (NORTH_MCP_PROTOCOL_HOST (fixture->server), headers,
                                                    &head, message, &response);
  if (expected_code == 0)
    {
      g_assert_cmpuint (status, ==, 0);
      g_assert_null (response);
    }
  else
    {
      JsonObject *error = json_object_get_object_member (json_node_get_object (response), "error");

      g_assert_cmpuint (status, ==, 400);
      g_assert_cmpint (json_object_get_int_member (error, "code"), ==, expected_code);
    }

  soup_message_headers_unref (headers);
  return status;
}

static void
test_http_validation (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *discover = revision_2026_request (1, "server/discover", "", "{}", NULL);
  g_autofree char *call = revision_2026_request (2, "tools/call", "\"name\":\"echo\"", NULL, NULL);
  g_autofree char *old = NULL;
  const char *no_meta = "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"server/discover\",\"params\":{}}";

  check_post (fixture, discover, "2026-07-28", "server/discover", NULL, 0);
  check_post (fixture, call, "2026-07-28", "tools/call", "echo", 0);
  check_post (fixture, call, "2026-07-28", "tools/call", " =?base64?ZWNobw==?= ", 0);

  /* Missing headers. */
  check_post (fixture, discover, NULL, "server/discover", NULL, -32020);
  check_post (fixture, discover, "2026-07-28", NULL, NULL, -32020);
  check_post (fixture, call, "2026-07-28", "tools/call", NULL, -32020);

  /* _meta problems come before mismatches. */
  check_post (fixture, no_meta, "2026-07-28", "server/discover", NULL, -32602);
  check_post (fixture, no_meta, "2026-07-28", "tools/list", NULL, -32602);

  /* Mismatches. */
  check_post (fixture, discover, "2025-11-25", "server/discover", NULL, -32020);
  check_post (fixture, discover, "2026-07-28", "tools/list", NULL, -32020);
  check_post (fixture, discover, "2026-07-28", "Server/Discover", NULL, -32020);
  check_post (fixture, call, "2026-07-28", "tools/call", "other", -32020);
  check_post (fixture, call, "2026-07-28", "tools/call", "=?base64?!!?=", -32020);

  /* Unsupported version, header and body agreeing. */
  old = g_strdup ("{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"server/discover\",\"params\":{\"_meta\":"
                  "{\"io.modelcontextprotocol/protocolVersion\":\"v999.0.0\","
                  "\"io.modelcontextprotocol/clientCapabilities\":{}}}}");
  check_post (fixture, old, "v999.0.0", "server/discover", NULL, -32022);
  /* Header and body disagreeing: the mismatch wins. */
  check_post (fixture, old, "2026-07-28", "server/discover", NULL, -32020);

  /* Batches are not stateless messages. */
  check_post (fixture, "[]", "2026-07-28", "tools/list", NULL, -32600);
}

static guint
check_param_headers (Fixture    *fixture,
                     const char *arguments,
                     const char *region,
                     const char *count)
{
  g_autofree char *members = g_strdup_printf ("\"name\":\"header_tool\",\"arguments\":%s", arguments);
  g_autofree char *body = revision_2026_request (9, "tools/call", members, NULL, NULL);
  g_autoptr(JsonNode) message = parse (body);
  g_autoptr(JsonNode) response = NULL;
  SoupMessageHeaders *headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  NorthMcpRevision2026Head head;
  guint status;

  soup_message_headers_append (headers, "MCP-Protocol-Version", "2026-07-28");
  soup_message_headers_append (headers, "Mcp-Method", "tools/call");
  soup_message_headers_append (headers, "Mcp-Name", "header_tool");
  if (region != NULL)
    soup_message_headers_append (headers, "mcp-param-region", region);
  if (count != NULL)
    soup_message_headers_append (headers, "Mcp-Param-Count", count);

  north_mcp_revision_2026_head_read (&head, headers);
  status = north_mcp_revision_2026_http_check_post (NORTH_MCP_PROTOCOL_HOST (fixture->server), headers,
                                                    &head, message, &response);
  if (status != 0)
    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (json_node_get_object (response),
                                                                                "error"), "code"),
                     ==, -32020);
  soup_message_headers_unref (headers);
  return status;
}

static void
test_http_param_headers (Fixture       *fixture,
                         gconstpointer  data)
{
  g_assert_cmpuint (check_param_headers (fixture, "{}", NULL, NULL), ==, 0);
  g_assert_cmpuint (check_param_headers (fixture, "{\"region\":\"eu\",\"count\":7}", "eu", "7"), ==, 0);
  g_assert_cmpuint (check_param_headers (fixture, "{\"region\":\"eu\",\"count\":7}", " eu ", "007"), ==, 0);
  g_assert_cmpuint (check_param_headers (fixture, "{\"region\":\"\xc3\xa9t\xc3\xa9\"}", "=?base64?w6l0w6k=?=", NULL),
                    ==, 0);
  g_assert_cmpuint (check_param_headers (fixture, "{\"region\":\"eu\"}", "us", NULL), ==, 400);
  g_assert_cmpuint (check_param_headers (fixture, "{\"region\":\"eu\"}", "EU", NULL), ==, 400);
  g_assert_cmpuint (check_param_headers (fixture, "{\"region\":\"eu\"}", NULL, NULL), ==, 400);
  g_assert_cmpuint (check_param_headers (fixture, "{}", "eu", NULL), ==, 400);
  g_assert_cmpuint (check_param_headers (fixture, "{\"count\":7}", NULL, "8"), ==, 400);
  g_assert_cmpuint (check_param_headers (fixture, "{\"count\":7}", NULL, "seven"), ==, 400);
  /* Numbers written as doubles: whole ones match their integer; others,
   * and those beyond 64 bits (no integer to convert to), match nothing. */
  g_assert_cmpuint (check_param_headers (fixture, "{\"count\":7.0}", NULL, "7"), ==, 0);
  g_assert_cmpuint (check_param_headers (fixture, "{\"count\":7.5}", NULL, "7"), ==, 400);
  g_assert_cmpuint (check_param_headers (fixture, "{\"count\":1e300}", NULL, "1"), ==, 400);
  g_assert_cmpuint (check_param_headers (fixture, "{\"count\":-1e300}", NULL, "-9223372036854775808"), ==, 400);
  g_assert_cmpuint (check_param_headers (fixture, "{\"count\":9223372036854775808.0}", NULL,
                                         "9223372036854775807"), ==, 400);
}

static void
test_http_status (void)
{
  struct { int code; guint status; } cases[] = {
    { -32601, 404 }, { -32020, 400 }, { -32021, 400 }, { -32022, 400 },
    { -32600, 400 }, { -32602, 200 }, { -32603, 200 },
  };
  g_autoptr(JsonNode) id = json_node_init_int (json_node_alloc (), 1);
  g_autoptr(JsonNode) ok = NULL;
  g_autoptr(JsonObject) empty = json_object_new ();
  g_autoptr(JsonNode) empty_node = json_node_init_object (json_node_alloc (), empty);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) response = north_mcp_jsonrpc_error_new (id, cases[i].code, "x", NULL);

      g_assert_cmpuint (north_mcp_revision_2026_http_status (response), ==, cases[i].status);
    }

  ok = north_mcp_jsonrpc_result_new (id, empty_node);
  g_assert_cmpuint (north_mcp_revision_2026_http_status (ok), ==, 200);
}

/* Event store (resumption). */

/* north_mcp_event_store_replay(), its events appended to @text. */
static gboolean
replay_text (NorthMcpEventStore *store,
             guint               stream,
             guint64             after,
             GString            *text)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  gboolean complete = north_mcp_event_store_replay (store, stream, after, events);

  for (guint i = 0; i < events->len; i++)
    {
      gsize size;
      const char *data = g_bytes_get_data (g_ptr_array_index (events, i), &size);

      g_string_append_len (text, data, size);
    }
  return complete;
}

static void
test_event_store (void)
{
  g_autoptr(NorthMcpSession) session = north_mcp_session_new ("store-test", NULL);
  NorthMcpEventStore *store = north_mcp_event_store_get (session);
  TestChannel *first_channel = g_object_new (TEST_TYPE_CHANNEL, NULL);
  g_autoptr(TestChannel) second_channel = g_object_new (TEST_TYPE_CHANNEL, NULL);
  g_autoptr(GString) replay = g_string_new (NULL);
  g_autofree char *priming = NULL;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *c = NULL;
  guint first, second, stream;
  guint64 number;

  g_assert_true (north_mcp_event_store_get (session) == store);
  first = north_mcp_event_store_open_stream (store, NORTH_MCP_CHANNEL (first_channel));
  second = north_mcp_event_store_open_stream (store, NORTH_MCP_CHANNEL (second_channel));
  g_assert_cmpuint (first, !=, second);

  priming = north_mcp_event_store_add (store, first, NULL, 0);
  a = north_mcp_event_store_add (store, first, "{\"a\":1}", 7);
  b = north_mcp_event_store_add (store, second, "{\"b\":2}", 7);
  c = north_mcp_event_store_add (store, first, "{\"c\":3}", 7);

  /* Unique across streams, naming their stream. */
  g_assert_cmpstr (a, !=, priming);
  g_assert_cmpstr (a, !=, b);
  g_assert_true (north_mcp_event_store_parse_id (b, &stream, &number));
  g_assert_cmpuint (stream, ==, second);

  /* After the priming event: the stream's own events, not the other's. */
  g_assert_true (north_mcp_event_store_parse_id (priming, &stream, &number));
  g_assert_cmpuint (stream, ==, first);
  g_assert_true (replay_text (store, first, number, replay));
  g_assert_nonnull (strstr (replay->str, "{\"a\":1}"));
  g_assert_nonnull (strstr (replay->str, "{\"c\":3}"));
  g_assert_null (strstr (replay->str, "{\"b\":2}"));
  g_assert_nonnull (strstr (replay->str, a));
  g_assert_true (strstr (replay->str, "{\"a\":1}") < strstr (replay->str, "{\"c\":3}"));

  /* After the last one: nothing. */
  g_string_truncate (replay, 0);
  g_assert_true (north_mcp_event_store_parse_id (c, &stream, &number));
  g_assert_true (replay_text (store, first, number, replay));
  g_assert_cmpuint (replay->len, ==, 0);

  /* Streams are known while their channel lives. */
  g_assert_true (north_mcp_event_store_lookup_stream (store, second) == NORTH_MCP_CHANNEL (second_channel));
  g_object_unref (first_channel);
  g_assert_null (north_mcp_event_store_lookup_stream (store, first));
  g_assert_null (north_mcp_event_store_lookup_stream (store, 999));
}

static void
test_event_store_bounded (void)
{
  g_autoptr(NorthMcpSession) session = north_mcp_session_new ("bounded", NULL);
  NorthMcpEventStore *store = north_mcp_event_store_get (session);
  g_autoptr(TestChannel) channel = g_object_new (TEST_TYPE_CHANNEL, NULL);
  g_autoptr(GString) replay = g_string_new (NULL);
  g_autofree char *first_id = NULL;
  guint stream = north_mcp_event_store_open_stream (store, NORTH_MCP_CHANNEL (channel));
  guint parsed;
  guint64 first_number, number;

  for (guint i = 0; i < NORTH_MCP_EVENT_STORE_CAPACITY + 10; i++)
    {
      g_autofree char *id = north_mcp_event_store_add (store, stream, "{}", 2);

      if (i == 0)
        first_id = g_strdup (id);
    }

  /* The oldest ten are gone: a client that needs them cannot catch up. */
  g_assert_true (north_mcp_event_store_parse_id (first_id, &parsed, &first_number));
  g_assert_false (replay_text (store, stream, first_number - 1, replay));
  g_string_truncate (replay, 0);
  number = first_number + 9;
  g_assert_true (replay_text (store, stream, number, replay));
  g_assert_cmpuint (replay->len, >, 0);
}

/* Thousands of streams that ended (one per request of a long session):
 * what the store forgets of them never turns a lost event into a
 * complete replay, and live streams keep their exact answer. */
static void
test_event_store_many_streams (void)
{
  g_autoptr(NorthMcpSession) session = north_mcp_session_new ("many-streams", NULL);
  NorthMcpEventStore *store = north_mcp_event_store_get (session);
  g_autoptr(TestChannel) live_channel = g_object_new (TEST_TYPE_CHANNEL, NULL);
  g_autoptr(GString) replay = g_string_new (NULL);
  g_autofree char *live_id = NULL;
  g_autofree char *early_id = NULL;
  g_autofree char *late_priming = NULL;
  guint live, early = 0, late = 0, parsed;
  guint64 live_number, early_number, late_number;

  live = north_mcp_event_store_open_stream (store, NORTH_MCP_CHANNEL (live_channel));
  live_id = north_mcp_event_store_add (store, live, "{\"live\":1}", 10);
  for (guint i = 0; i < 20 * NORTH_MCP_EVENT_STORE_CAPACITY; i++)
    {
      TestChannel *channel = g_object_new (TEST_TYPE_CHANNEL, NULL);
      guint stream = north_mcp_event_store_open_stream (store, NORTH_MCP_CHANNEL (channel));
      g_autofree char *priming = north_mcp_event_store_add (store, stream, NULL, 0);
      g_autofree char *id = north_mcp_event_store_add (store, stream, "{}", 2);

      if (i == 0)
        {
          early = stream;
          early_id = g_strdup (id);
        }
      late = stream;
      g_free (late_priming);
      late_priming = g_steal_pointer (&priming);
      g_object_unref (channel);
    }

  /* An ended stream whose event is gone: not complete after its start. */
  g_assert_true (north_mcp_event_store_parse_id (early_id, &parsed, &early_number));
  g_assert_false (replay_text (store, early, early_number - 1, replay));
  /* A live stream: exact, both ways. */
  g_assert_true (north_mcp_event_store_parse_id (live_id, &parsed, &live_number));
  g_assert_false (replay_text (store, live, live_number - 1, replay));
  g_assert_true (replay_text (store, live, live_number, replay));
  /* An ended stream whose events are all kept: everything after its
   * priming event. */
  g_string_truncate (replay, 0);
  g_assert_true (north_mcp_event_store_parse_id (late_priming, &parsed, &late_number));
  g_assert_true (replay_text (store, late, late_number, replay));
  g_assert_nonnull (strstr (replay->str, "data: {}"));
}

static void
test_event_store_bounded_bytes (void)
{
  g_autoptr(NorthMcpSession) session = north_mcp_session_new ("bounded-bytes", NULL);
  NorthMcpEventStore *store = north_mcp_event_store_get (session);
  g_autoptr(TestChannel) channel = g_object_new (TEST_TYPE_CHANNEL, NULL);
  g_autoptr(GString) replay = g_string_new (NULL);
  gsize size = NORTH_MCP_EVENT_STORE_MAX_BYTES / 3;
  g_autofree char *big = g_malloc (size);
  g_autofree char *first_id = NULL;
  g_autofree char *last_id = NULL;
  guint stream = north_mcp_event_store_open_stream (store, NORTH_MCP_CHANNEL (channel));
  guint parsed;
  guint64 first_number, last_number;

  memset (big, 'x', size);
  first_id = north_mcp_event_store_add (store, stream, big, size);
  for (guint i = 0; i < 3; i++)
    {
      g_free (last_id);
      last_id = north_mcp_event_store_add (store, stream, big, size);
    }

  /* Four thirds of the limit: the first is gone, the last kept. */
  g_assert_true (north_mcp_event_store_parse_id (first_id, &parsed, &first_number));
  g_assert_false (replay_text (store, stream, first_number - 1, replay));
  g_string_truncate (replay, 0);
  g_assert_true (north_mcp_event_store_parse_id (last_id, &parsed, &last_number));
  g_assert_true (replay_text (store, stream, last_number - 1, replay));
  g_assert_cmpuint (replay->len, >, size);

  /* One event larger than the limit still stays (the newest). */
  {
    gsize huge_size = NORTH_MCP_EVENT_STORE_MAX_BYTES + 1;
    g_autofree char *huge = g_malloc0 (huge_size);
    g_autofree char *huge_id = NULL;
    guint64 huge_number;

    memset (huge, 'y', huge_size);
    huge_id = north_mcp_event_store_add (store, stream, huge, huge_size);
    g_assert_true (north_mcp_event_store_parse_id (huge_id, &parsed, &huge_number));
    g_string_truncate (replay, 0);
    g_assert_true (replay_text (store, stream, huge_number - 1, replay));
    g_assert_cmpuint (replay->len, >, huge_size);
  }
}

static void
test_event_store_parse_id (void)
{
  const char *bad[] = {
    "", "-", "1-", "-1", "a-1", "1-a", "0-1", "1-2-3", "99999999999-1", " 1-1", "1-1 ",
    "1-99999999999999999999999", "+1-1", "1--1",
  };
  guint stream;
  guint64 number;

  g_assert_true (north_mcp_event_store_parse_id ("12-345", &stream, &number));
  g_assert_cmpuint (stream, ==, 12);
  g_assert_cmpuint (number, ==, 345);
  g_assert_false (north_mcp_event_store_parse_id (NULL, &stream, &number));
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    g_assert_false (north_mcp_event_store_parse_id (bad[i], &stream, &number));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/revision-2026/meta-validation", test_meta_validation);
  ADD ("/revision-2026/unsupported-version", test_unsupported_version);
  ADD ("/revision-2026/removed-methods", test_removed_methods);
  ADD ("/revision-2026/discover", test_discover);
  ADD ("/revision-2026/result-type-and-caching", test_result_type_and_caching);
  ADD ("/revision-2026/logging", test_logging);
  ADD ("/revision-2026/missing-capability", test_missing_capability);
  ADD ("/revision-2026/input-required/round-trip", test_input_required_round_trip);
  ADD ("/revision-2026/input-required/tampered", test_input_required_tampered);
  ADD ("/revision-2026/input-required/expired", test_input_required_expired);
  ADD ("/revision-2026/input-required/validation", test_input_responses_validation);
  ADD ("/revision-2026/input-required/key-echo", test_input_responses_key_echo);
  ADD ("/revision-2026/input-required/identity", test_input_required_identity);
  ADD ("/revision-2026/input-required/state-size", test_input_required_state_size);
  ADD ("/revision-2026/input-required/shared-key", test_input_required_shared_key);
  ADD ("/revision-2026/input-required/configured-key-shared", test_input_required_configured_key_shared);
  ADD ("/revision-2026/input-required/capabilities", test_input_required_capabilities);
  ADD ("/revision-2026/input-required/sub-capabilities", test_input_required_sub_capabilities);
  ADD ("/revision-2026/listen", test_listen);
  ADD ("/revision-2026/listen-cancelled", test_listen_cancelled);
  ADD ("/revision-2026/listen-bounded", test_listen_bounded);
  ADD ("/revision-2026/listen-id-bounded", test_listen_id_bounded);
  ADD ("/revision-2026/listen-many", test_listen_many);
  ADD ("/revision-2026/listen-share", test_listen_share);
  ADD ("/revision-2026/listen-visits-its-listeners", test_listen_visits_its_listeners);
  ADD ("/revision-2026/cancellation", test_cancellation);
  ADD ("/revision-2026/http/validation", test_http_validation);
  ADD ("/revision-2026/http/param-headers", test_http_param_headers);
  g_test_add_func ("/revision-2026/http/decode-header-value", test_decode_header_value);
  g_test_add_func ("/revision-2026/http/status", test_http_status);
  g_test_add_func ("/revision-2026/event-store/replay", test_event_store);
  g_test_add_func ("/revision-2026/event-store/bounded", test_event_store_bounded);
  g_test_add_func ("/revision-2026/event-store/bounded-bytes", test_event_store_bounded_bytes);
  g_test_add_func ("/revision-2026/event-store/many-streams", test_event_store_many_streams);
  g_test_add_func ("/revision-2026/event-store/parse-id", test_event_store_parse_id);

  return g_test_run ();
}
