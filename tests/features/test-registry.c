/* test-registry.c: adding a tool, prompt, resource or resource template
 * under a key the server already has replaces the old one (issue 10,
 * point 6), through north_mcp_server_handle_message() with in-memory
 * channels
 *
 * Each test drops every reference it holds on the first object before it
 * calls, so that the server is left with the replacement alone: a registry
 * still keyed by the first object's freed name shows up as an invalid read
 * under ASan, or as "unknown" in the answer.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp.h"
#include "north-mcp-server-private.h"
#include "north-mcp-session-private.h"
#include "test-channel.h"

typedef struct {
  NorthMcpServer  *server;
  NorthMcpSession *session;
  TestChannel     *channel;
  TestChannel     *standalone;
} Fixture;

static void
send (Fixture    *fixture,
      const char *json)
{
  g_autoptr(JsonNode) message = test_parse_json (json);

  north_mcp_server_handle_message (fixture->server, fixture->session, NULL, message,
                                   NORTH_MCP_CHANNEL (fixture->channel));
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->server = north_mcp_server_new ("registry", "1.0.0");
  fixture->channel = test_channel_new (TRUE);
  fixture->standalone = test_channel_new (TRUE);
  fixture->session = g_object_ref (north_mcp_server_create_session (fixture->server, NULL));
  north_mcp_session_set_standalone_channel (fixture->session, NORTH_MCP_CHANNEL (fixture->standalone));

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{"
                 "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},"
                 "\"clientInfo\":{\"name\":\"test\",\"version\":\"1\"}}}");
  g_assert_nonnull (test_channel_find_response (fixture->channel, 0));
  send (fixture, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
  test_channel_clear (fixture->channel);
  test_channel_clear (fixture->standalone);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->session);
  g_clear_object (&fixture->server);
  g_clear_object (&fixture->channel);
  g_clear_object (&fixture->standalone);
}

/* How many messages of @channel have method @method. */
static guint
count_method (TestChannel *channel,
              const char  *method)
{
  GPtrArray *messages = test_channel_get_messages (channel);
  guint count = 0;

  for (guint i = 0; i < messages->len; i++)
    {
      JsonObject *object = json_node_get_object (g_ptr_array_index (messages, i));

      if (g_strcmp0 (json_object_get_string_member_with_default (object, "method", NULL), method) == 0)
        count++;
    }

  return count;
}

/* The array @member of the result of request @id. */
static JsonArray *
listed (Fixture    *fixture,
        gint64      id,
        const char *member)
{
  return json_object_get_array_member (test_channel_result_of (fixture->channel, id), member);
}

/* Handlers: each answers with the text it was given as user data, so that
 * the answer tells which of two objects ran. */

static NorthMcpToolResult *
tool_say (NorthMcpTool     *tool,
          NorthMcpContext  *context,
          JsonObject       *arguments,
          gpointer          user_data,
          GError          **error)
{
  return north_mcp_tool_result_new_text (user_data);
}

static NorthMcpPromptResult *
prompt_say (NorthMcpPrompt   *prompt,
            NorthMcpContext  *context,
            GHashTable       *arguments,
            gpointer          user_data,
            GError          **error)
{
  NorthMcpPromptResult *result = north_mcp_prompt_result_new (NULL);

  north_mcp_prompt_result_add_text (result, NORTH_MCP_ROLE_USER, user_data);
  return result;
}

static NorthMcpResourceContents *
resource_say (NorthMcpResource  *resource,
              NorthMcpContext   *context,
              gpointer           user_data,
              GError           **error)
{
  return north_mcp_resource_contents_new_text (north_mcp_resource_get_uri (resource), "text/plain", user_data);
}

static NorthMcpResourceContents *
template_say (NorthMcpResourceTemplate  *template_,
              NorthMcpContext           *context,
              const char                *uri,
              GHashTable                *variables,
              gpointer                   user_data,
              GError                   **error)
{
  return north_mcp_resource_contents_new_text (uri, "text/plain", user_data);
}

/* Registers a fresh object of each kind; the server keeps the only
 * reference. The names are built at run time so that nothing but the
 * object owns the string the registry is keyed by. */

static void
add_tool (Fixture    *fixture,
          const char *text)
{
  g_autofree char *name = g_strdup ("echo");
  g_autoptr(NorthMcpTool) tool = north_mcp_tool_new (name, text);

  north_mcp_tool_set_func (tool, tool_say, (gpointer) text, NULL);
  north_mcp_server_add_tool (fixture->server, tool);
}

static void
add_prompt (Fixture    *fixture,
            const char *text)
{
  g_autofree char *name = g_strdup ("greet");
  g_autoptr(NorthMcpPrompt) prompt = north_mcp_prompt_new (name, text);

  north_mcp_prompt_set_func (prompt, prompt_say, (gpointer) text, NULL);
  north_mcp_server_add_prompt (fixture->server, prompt);
}

static void
add_resource (Fixture    *fixture,
              const char *text)
{
  g_autofree char *uri = g_strdup ("test://doc");
  g_autoptr(NorthMcpResource) resource = north_mcp_resource_new (uri, text);

  north_mcp_resource_set_func (resource, resource_say, (gpointer) text, NULL);
  north_mcp_server_add_resource (fixture->server, resource);
}

static void
add_template (Fixture    *fixture,
              const char *text)
{
  g_autofree char *uri_template = g_strdup ("test://rows/{id}");
  g_autoptr(GError) error = NULL;
  g_autoptr(NorthMcpResourceTemplate) template_ =
    north_mcp_resource_template_new (uri_template, text, &error);

  g_assert_no_error (error);
  north_mcp_resource_template_set_func (template_, template_say, (gpointer) text, NULL);
  north_mcp_server_add_resource_template (fixture->server, template_);
}

static void
test_replace_tool (Fixture       *fixture,
                   gconstpointer  data)
{
  JsonArray *tools;

  add_tool (fixture, "first");
  add_tool (fixture, "second");
  g_assert_cmpuint (count_method (fixture->standalone, "notifications/tools/list_changed"), ==, 2);

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\","
                 "\"params\":{\"name\":\"echo\",\"arguments\":{}}}");
  g_assert_cmpstr (test_first_text (test_channel_result_of (fixture->channel, 1)), ==, "second");

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}");
  tools = listed (fixture, 2, "tools");
  g_assert_cmpuint (json_array_get_length (tools), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (tools, 0), "description"),
                   ==, "second");

  g_assert_nonnull (north_mcp_server_lookup_tool (fixture->server, "echo"));
  g_assert_true (north_mcp_server_remove_tool (fixture->server, "echo"));
  g_assert_null (north_mcp_server_lookup_tool (fixture->server, "echo"));
  g_assert_cmpuint (count_method (fixture->standalone, "notifications/tools/list_changed"), ==, 3);
}

static void
test_replace_prompt (Fixture       *fixture,
                     gconstpointer  data)
{
  JsonObject *result;
  JsonArray *prompts;

  add_prompt (fixture, "first");
  add_prompt (fixture, "second");
  g_assert_cmpuint (count_method (fixture->standalone, "notifications/prompts/list_changed"), ==, 2);

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"prompts/get\",\"params\":{\"name\":\"greet\"}}");
  result = test_channel_result_of (fixture->channel, 1);
  g_assert_cmpstr (json_object_get_string_member (
                     json_object_get_object_member (
                       json_array_get_object_element (json_object_get_array_member (result, "messages"), 0),
                       "content"),
                     "text"),
                   ==, "second");

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"prompts/list\"}");
  prompts = listed (fixture, 2, "prompts");
  g_assert_cmpuint (json_array_get_length (prompts), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (prompts, 0), "description"),
                   ==, "second");

  g_assert_true (north_mcp_server_remove_prompt (fixture->server, "greet"));
  g_assert_null (north_mcp_server_lookup_prompt (fixture->server, "greet"));
  g_assert_cmpuint (count_method (fixture->standalone, "notifications/prompts/list_changed"), ==, 3);
}

/* The text of the first contents of the resources/read answer to @id. */
static const char *
read_text (Fixture *fixture,
           gint64   id)
{
  JsonArray *contents = json_object_get_array_member (test_channel_result_of (fixture->channel, id), "contents");

  g_assert_cmpuint (json_array_get_length (contents), ==, 1);
  return json_object_get_string_member (json_array_get_object_element (contents, 0), "text");
}

static void
test_replace_resource (Fixture       *fixture,
                       gconstpointer  data)
{
  JsonArray *resources;

  add_resource (fixture, "first");
  add_resource (fixture, "second");
  g_assert_cmpuint (count_method (fixture->standalone, "notifications/resources/list_changed"), ==, 2);

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/read\",\"params\":{\"uri\":\"test://doc\"}}");
  g_assert_cmpstr (read_text (fixture, 1), ==, "second");

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"resources/list\"}");
  resources = listed (fixture, 2, "resources");
  g_assert_cmpuint (json_array_get_length (resources), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (resources, 0), "name"),
                   ==, "second");

  g_assert_true (north_mcp_server_remove_resource (fixture->server, "test://doc"));
  g_assert_null (north_mcp_server_lookup_resource (fixture->server, "test://doc"));
  g_assert_cmpuint (count_method (fixture->standalone, "notifications/resources/list_changed"), ==, 3);
}

static void
test_replace_template (Fixture       *fixture,
                       gconstpointer  data)
{
  JsonArray *templates;

  add_template (fixture, "first");
  add_template (fixture, "second");
  g_assert_cmpuint (count_method (fixture->standalone, "notifications/resources/list_changed"), ==, 2);

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/read\",\"params\":{\"uri\":\"test://rows/7\"}}");
  g_assert_cmpstr (read_text (fixture, 1), ==, "second");

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"resources/templates/list\"}");
  templates = listed (fixture, 2, "resourceTemplates");
  g_assert_cmpuint (json_array_get_length (templates), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (templates, 0), "name"),
                   ==, "second");

  g_assert_true (north_mcp_server_remove_resource_template (fixture->server, "test://rows/{id}"));
  g_assert_false (north_mcp_server_remove_resource_template (fixture->server, "test://rows/{id}"));
  g_assert_cmpuint (count_method (fixture->standalone, "notifications/resources/list_changed"), ==, 3);
}

/* Adding the object the server already has changes nothing but still
 * notifies, and keeps it alive. */
static void
test_add_same_twice (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(NorthMcpTool) tool = north_mcp_tool_new ("echo", "only");

  north_mcp_tool_set_func (tool, tool_say, "only", NULL);
  north_mcp_server_add_tool (fixture->server, tool);
  north_mcp_server_add_tool (fixture->server, tool);
  g_clear_object (&tool);
  g_assert_cmpuint (count_method (fixture->standalone, "notifications/tools/list_changed"), ==, 2);

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\","
                 "\"params\":{\"name\":\"echo\",\"arguments\":{}}}");
  g_assert_cmpstr (test_first_text (test_channel_result_of (fixture->channel, 1)), ==, "only");
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}");
  g_assert_cmpuint (json_array_get_length (listed (fixture, 2, "tools")), ==, 1);
}

/* Many replacements of one name in a row: one entry, the last one. */
static void
test_replace_many_times (Fixture       *fixture,
                         gconstpointer  data)
{
  static const char * const texts[] = { "a", "b", "c", "d", "e", "f", "g", "h" };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      add_tool (fixture, texts[i]);
      add_prompt (fixture, texts[i]);
      add_resource (fixture, texts[i]);
    }

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\","
                 "\"params\":{\"name\":\"echo\",\"arguments\":{}}}");
  g_assert_cmpstr (test_first_text (test_channel_result_of (fixture->channel, 1)), ==, "h");
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"resources/read\",\"params\":{\"uri\":\"test://doc\"}}");
  g_assert_cmpstr (read_text (fixture, 2), ==, "h");
  g_assert_nonnull (north_mcp_server_lookup_prompt (fixture->server, "greet"));
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\"}");
  g_assert_cmpuint (json_array_get_length (listed (fixture, 3, "tools")), ==, 1);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"prompts/list\"}");
  g_assert_cmpuint (json_array_get_length (listed (fixture, 4, "prompts")), ==, 1);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"resources/list\"}");
  g_assert_cmpuint (json_array_get_length (listed (fixture, 5, "resources")), ==, 1);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/registry/replace/tool", test_replace_tool);
  ADD ("/registry/replace/prompt", test_replace_prompt);
  ADD ("/registry/replace/resource", test_replace_resource);
  ADD ("/registry/replace/template", test_replace_template);
  ADD ("/registry/replace/same-object", test_add_same_twice);
  ADD ("/registry/replace/many-times", test_replace_many_times);

  return g_test_run ();
}
