/* test-action-group.c: north_mcp_server_add_action_group() with a local
 * GSimpleActionGroup, and north_mcp_server_add_remote_action_group() with
 * the same group exported on D-Bus (run under dbus-run-session)
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp.h"
#include "desktop-test.h"
#include "stuck-app.h"
#include "north-mcp-desktop-private.h"
#include "north-mcp-server-private.h"
#include "north-mcp-session-private.h"
#include "test-channel.h"

typedef struct {
  NorthMcpServer     *server;
  NorthMcpSession    *session;
  TestChannel        *channel;
  TestChannel        *standalone;
  GSimpleActionGroup *group;
  GString            *activations;
  gint64              next_id;
} Fixture;

static void
activated (GSimpleAction *action,
           GVariant      *parameter,
           gpointer       user_data)
{
  Fixture *fixture = user_data;
  g_autofree char *text = parameter != NULL ? g_variant_print (parameter, FALSE) : NULL;

  g_string_append_printf (fixture->activations, "%s%s%s;", g_action_get_name (G_ACTION (action)),
                          text != NULL ? "=" : "", text != NULL ? text : "");
}

static void
add_action (Fixture            *fixture,
            const char         *name,
            const GVariantType *parameter_type,
            GVariant           *state,
            gboolean            handled)
{
  g_autoptr(GSimpleAction) action = state != NULL
    ? g_simple_action_new_stateful (name, parameter_type, state)
    : g_simple_action_new (name, parameter_type);

  /* Unhandled stateful actions change their state by themselves. */
  if (handled)
    g_signal_connect (action, "activate", G_CALLBACK (activated), fixture);
  g_action_map_add_action (G_ACTION_MAP (fixture->group), G_ACTION (action));
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(TestChannel) channel = test_channel_new (TRUE);
  g_autoptr(JsonNode) init = test_parse_json (
    "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{"
    "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},"
    "\"clientInfo\":{\"name\":\"test\",\"version\":\"1\"}}}");
  g_autoptr(JsonNode) initialized = test_parse_json (
    "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");

  fixture->server = north_mcp_server_new ("actions", "1.0.0");
  fixture->channel = test_channel_new (TRUE);
  fixture->standalone = test_channel_new (TRUE);
  fixture->session = g_object_ref (north_mcp_server_create_session (fixture->server, NULL));
  north_mcp_session_set_standalone_channel (fixture->session, NORTH_MCP_CHANNEL (fixture->standalone));
  north_mcp_dispatch_message (NORTH_MCP_PROTOCOL_HOST (fixture->server), fixture->session, NULL, init,
                              NORTH_MCP_CHANNEL (channel));
  north_mcp_dispatch_message (NORTH_MCP_PROTOCOL_HOST (fixture->server), fixture->session, NULL, initialized,
                              NORTH_MCP_CHANNEL (channel));
  fixture->activations = g_string_new (NULL);
  fixture->next_id = 1;

  fixture->group = g_simple_action_group_new ();
  add_action (fixture, "quit", NULL, NULL, TRUE);
  add_action (fixture, "greet", G_VARIANT_TYPE_STRING, NULL, TRUE);
  add_action (fixture, "volume", G_VARIANT_TYPE_INT32, g_variant_new_int32 (0), FALSE);
  add_action (fixture, "toggle", NULL, g_variant_new_boolean (FALSE), FALSE);
  add_action (fixture, "open-fd", G_VARIANT_TYPE ("h"), NULL, TRUE);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->session);
  g_clear_object (&fixture->server);
  g_clear_object (&fixture->channel);
  g_clear_object (&fixture->standalone);
  g_clear_object (&fixture->group);
  g_string_free (fixture->activations, TRUE);
}

/* Sends a request without waiting for its answer: its id. */
static gint64
send_request (Fixture    *fixture,
              const char *method,
              const char *params)
{
  gint64 id = fixture->next_id++;
  g_autofree char *json = g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"id\":%" G_GINT64_FORMAT
                                           ",\"method\":\"%s\",\"params\":%s}", id, method, params);
  g_autoptr(JsonNode) message = test_parse_json (json);

  north_mcp_dispatch_message (NORTH_MCP_PROTOCOL_HOST (fixture->server), fixture->session, NULL, message,
                              NORTH_MCP_CHANNEL (fixture->channel));
  return id;
}

/* Sends a request and returns its result (the channel keeps it). */
static JsonObject *
request (Fixture    *fixture,
         const char *method,
         const char *params)
{
  gint64 id = send_request (fixture, method, params);

  ITERATE_UNTIL (test_channel_find_response (fixture->channel, id) != NULL);
  return test_channel_result_of (fixture->channel, id);
}

static JsonObject *
call_tool (Fixture    *fixture,
           const char *name,
           const char *arguments)
{
  g_autofree char *params = g_strdup_printf ("{\"name\":\"%s\",\"arguments\":%s}", name, arguments);

  return request (fixture, "tools/call", params);
}

static gboolean
has_tool (Fixture    *fixture,
          const char *name)
{
  JsonArray *tools = json_object_get_array_member (request (fixture, "tools/list", "{}"), "tools");

  for (guint i = 0; i < json_array_get_length (tools); i++)
    if (g_str_equal (json_object_get_string_member (json_array_get_object_element (tools, i), "name"), name))
      return TRUE;
  return FALSE;
}

static JsonObject *
tool_named (Fixture    *fixture,
            const char *name)
{
  JsonArray *tools = json_object_get_array_member (request (fixture, "tools/list", "{}"), "tools");

  for (guint i = 0; i < json_array_get_length (tools); i++)
    {
      JsonObject *tool = json_array_get_object_element (tools, i);

      if (g_str_equal (json_object_get_string_member (tool, "name"), name))
        return tool;
    }
  g_error ("no tool %s", name);
}

static const char *
read_resource (Fixture    *fixture,
               const char *uri)
{
  g_autofree char *params = g_strdup_printf ("{\"uri\":\"%s\"}", uri);
  JsonObject *result = request (fixture, "resources/read", params);
  JsonObject *contents = json_array_get_object_element (json_object_get_array_member (result, "contents"), 0);

  g_assert_cmpstr (json_object_get_string_member (contents, "mimeType"), ==, "application/json");
  return json_object_get_string_member (contents, "text");
}

/* Waits (iterating the main context, at most about 10 s) until @channel has
 * a message with @method, and removes the messages up to it. */
static JsonObject *
wait_for_method (TestChannel *channel,
                 const char  *method)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      GPtrArray *messages = test_channel_get_messages (channel);

      for (guint i = 0; i < messages->len; i++)
        {
          JsonObject *object = json_node_get_object (g_ptr_array_index (messages, i));

          if (g_strcmp0 (json_object_get_string_member_with_default (object, "method", NULL), method) == 0)
            return object;
        }
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  g_error ("no %s arrived", method);
}

static void
assert_text_contains (JsonObject *result,
                      const char *text)
{
  const char *first = test_first_text (result);

  if (strstr (first, text) == NULL)
    g_error ("'%s' does not contain '%s'", first, text);
}

/* Checks the group served under @prefix, whatever kind of group it is. */
static void
check_actions (Fixture    *fixture,
               const char *prefix)
{
  g_autofree char *quit = g_strconcat (prefix, "quit", NULL);
  g_autofree char *greet = g_strconcat (prefix, "greet", NULL);
  g_autofree char *volume = g_strconcat (prefix, "volume", NULL);
  g_autofree char *toggle = g_strconcat (prefix, "toggle", NULL);
  g_autofree char *fresh = g_strconcat (prefix, "fresh", NULL);
  g_autofree char *volume_uri = g_strconcat ("gaction-state:", volume, NULL);
  g_autofree char *toggle_uri = g_strconcat ("gaction-state:", toggle, NULL);
  g_autofree char *subscribe = g_strdup_printf ("{\"uri\":\"%s\"}", volume_uri);
  g_autoptr(NorthMcpTool) stale = NULL;
  JsonObject *schema, *result;

  /* Schemas from parameter types; h is not served. */
  schema = json_object_get_object_member (tool_named (fixture, greet), "inputSchema");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (
    json_object_get_object_member (schema, "properties"), "parameter"), "type"), ==, "string");
  schema = json_object_get_object_member (tool_named (fixture, quit), "inputSchema");
  g_assert_cmpuint (json_object_get_size (json_object_get_object_member (schema, "properties")), ==, 0);
  g_assert_true (has_tool (fixture, volume));
  {
    g_autofree char *fd = g_strconcat (prefix, "open-fd", NULL);

    g_assert_false (has_tool (fixture, fd));
  }

  /* Activation, with and without a parameter. */
  result = call_tool (fixture, greet, "{\"parameter\":\"hi\"}");
  g_assert_false (json_object_get_boolean_member_with_default (result, "isError", FALSE));
  result = call_tool (fixture, quit, "{}");
  g_assert_false (json_object_get_boolean_member_with_default (result, "isError", FALSE));
  ITERATE_UNTIL (strstr (fixture->activations->str, "quit;") != NULL);
  g_assert_cmpstr (fixture->activations->str, ==, "greet='hi';quit;");

  /* A wrong parameter is refused before the action sees it. */
  result = call_tool (fixture, greet, "{\"parameter\":5}");
  g_assert_true (json_object_get_boolean_member (result, "isError"));
  assert_text_contains (result, "string");

  /* State as a resource, with updates for subscribers. */
  g_assert_cmpstr (read_resource (fixture, volume_uri), ==, "0");
  g_assert_cmpstr (read_resource (fixture, toggle_uri), ==, "false");
  request (fixture, "resources/subscribe", subscribe);
  test_channel_clear (fixture->standalone);
  result = call_tool (fixture, volume, "{\"parameter\":7}");
  g_assert_false (json_object_get_boolean_member_with_default (result, "isError", FALSE));
  wait_for_method (fixture->standalone, "notifications/resources/updated");
  g_assert_cmpstr (read_resource (fixture, volume_uri), ==, "7");

  /* Disabled actions disappear, with list_changed, and come back. */
  stale = g_object_ref (north_mcp_server_lookup_tool (fixture->server, greet));
  test_channel_clear (fixture->standalone);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (fixture->group),
                                                                             "greet")), FALSE);
  wait_for_method (fixture->standalone, "notifications/tools/list_changed");
  g_assert_false (has_tool (fixture, greet));
  /* A call that reaches the tool anyway (a client's old list) is refused. */
  north_mcp_server_add_tool (fixture->server, stale);
  result = call_tool (fixture, greet, "{\"parameter\":\"late\"}");
  g_assert_true (json_object_get_boolean_member (result, "isError"));
  assert_text_contains (result, "The action 'greet' is disabled");
  north_mcp_server_remove_tool (fixture->server, greet);
  g_assert_null (strstr (fixture->activations->str, "late"));
  /* What these two changes are told is not what comes next. */
  test_run_pending ();
  test_channel_clear (fixture->standalone);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (fixture->group),
                                                                             "greet")), TRUE);
  wait_for_method (fixture->standalone, "notifications/tools/list_changed");
  g_assert_true (has_tool (fixture, greet));

  /* Added and removed actions. */
  test_channel_clear (fixture->standalone);
  add_action (fixture, "fresh", NULL, NULL, TRUE);
  wait_for_method (fixture->standalone, "notifications/tools/list_changed");
  g_assert_true (has_tool (fixture, fresh));
  test_channel_clear (fixture->standalone);
  g_action_map_remove_action (G_ACTION_MAP (fixture->group), "fresh");
  g_action_map_remove_action (G_ACTION_MAP (fixture->group), "volume");
  wait_for_method (fixture->standalone, "notifications/tools/list_changed");
  ITERATE_UNTIL (!has_tool (fixture, volume) && !has_tool (fixture, fresh));
  g_assert_null (north_mcp_server_lookup_resource (fixture->server, volume_uri));
}

static void
test_local (Fixture       *fixture,
            gconstpointer  data)
{
  north_mcp_server_add_action_group (fixture->server, G_ACTION_GROUP (fixture->group), "app.");
  check_actions (fixture, "app.");

  /* Removing the group removes its tools and resources. */
  g_assert_true (north_mcp_server_remove_action_group (fixture->server, "app."));
  g_assert_false (north_mcp_server_remove_action_group (fixture->server, "app."));
  {
    g_autoptr(GPtrArray) tools = north_mcp_server_list_tools (fixture->server);
    g_autoptr(GPtrArray) resources = north_mcp_server_list_resources (fixture->server);

    g_assert_cmpuint (tools->len, ==, 0);
    g_assert_cmpuint (resources->len, ==, 0);
  }
}

/* The group removes only its own tools and resources: once the
 * application has added a tool or resource of the same name (replacing
 * the group's), the action's going leaves it in place. */
static void
test_replaced (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(NorthMcpTool) quit = north_mcp_tool_new ("app.quit", "The application's own");
  g_autoptr(NorthMcpTool) greet = north_mcp_tool_new ("app.greet", "The application's own");
  g_autoptr(NorthMcpResource) state = north_mcp_resource_new ("gaction-state:app.volume", "own");

  north_mcp_server_add_action_group (fixture->server, G_ACTION_GROUP (fixture->group), "app.");
  g_assert_nonnull (north_mcp_server_lookup_tool (fixture->server, "app.quit"));
  g_assert_nonnull (north_mcp_server_lookup_resource (fixture->server, "gaction-state:app.volume"));

  north_mcp_server_add_tool (fixture->server, quit);
  north_mcp_server_add_tool (fixture->server, greet);
  north_mcp_server_add_resource (fixture->server, state);

  g_action_map_remove_action (G_ACTION_MAP (fixture->group), "quit");
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (fixture->group),
                                                                            "greet")), FALSE);
  g_action_map_remove_action (G_ACTION_MAP (fixture->group), "volume");
  g_assert_true (north_mcp_server_lookup_tool (fixture->server, "app.quit") == quit);
  g_assert_true (north_mcp_server_lookup_tool (fixture->server, "app.greet") == greet);
  g_assert_true (north_mcp_server_lookup_resource (fixture->server, "gaction-state:app.volume") == state);

  /* Nor when the group goes. */
  g_assert_true (north_mcp_server_remove_action_group (fixture->server, "app."));
  g_assert_true (north_mcp_server_lookup_tool (fixture->server, "app.quit") == quit);
  g_assert_true (north_mcp_server_lookup_tool (fixture->server, "app.greet") == greet);
  g_assert_true (north_mcp_server_lookup_resource (fixture->server, "gaction-state:app.volume") == state);
  g_assert_null (north_mcp_server_lookup_tool (fixture->server, "app.toggle"));
}

/* Names outside MCP's rules are mapped, deterministically and uniquely. */
static void
test_names (Fixture       *fixture,
            gconstpointer  data)
{
  g_autofree char *long_name = g_strnfill (70, 'a');
  g_autofree char *long_name_b = g_strconcat (long_name, "b", NULL);
  g_autoptr(GPtrArray) tools = NULL;
  g_autoptr(GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);

  add_action (fixture, long_name, NULL, NULL, TRUE);
  add_action (fixture, long_name_b, NULL, NULL, TRUE);
  north_mcp_server_add_action_group (fixture->server, G_ACTION_GROUP (fixture->group), "my app/");
  g_assert_nonnull (north_mcp_server_lookup_tool (fixture->server, "my_app_quit"));

  tools = north_mcp_server_list_tools (fixture->server);
  for (guint i = 0; i < tools->len; i++)
    {
      const char *name = north_mcp_feature_get_name (g_ptr_array_index (tools, i));

      g_assert_cmpuint (strlen (name), <=, 64);
      g_assert_cmpuint (strspn (name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"),
                        ==, strlen (name));
      g_assert_true (g_hash_table_add (names, (gpointer) name));
    }
  g_assert_cmpuint (g_hash_table_size (names), ==, 6);

  /* The same group served again gets the same names. */
  {
    g_autoptr(GHashTable) again = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

    for (guint i = 0; i < tools->len; i++)
      g_hash_table_add (again, g_strdup (north_mcp_feature_get_name (g_ptr_array_index (tools, i))));
    north_mcp_server_add_action_group (fixture->server, G_ACTION_GROUP (fixture->group), "my app/");
    g_ptr_array_unref (tools);
    tools = north_mcp_server_list_tools (fixture->server);
    g_assert_cmpuint (tools->len, ==, 6);
    for (guint i = 0; i < tools->len; i++)
      g_assert_true (g_hash_table_contains (again, north_mcp_feature_get_name (g_ptr_array_index (tools, i))));
  }
}

/* A remote application decides its action names, and can take the names
 * that rehashing a taken one gives, in advance: 1000 of them (each the
 * cut name, "-" and 8 digits of the hash of the one before) made the
 * next long name fail an assertion, which aborted the server. */
static void
test_name_chain (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *action = g_strnfill (80, 'c');
  g_autofree char *candidate = g_strconcat ("app.", action, NULL);
  g_autofree char *cut = g_strndup (candidate, 64 - 9);
  g_autofree char *digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, candidate, -1);
  g_autoptr(GPtrArray) tools = NULL;
  guint before;

  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *taken = g_strdup_printf ("%s-%.8s", cut, digest);

      /* The action's name is the tool's without the prefix. */
      add_action (fixture, taken + strlen ("app."), NULL, NULL, TRUE);
      g_free (digest);
      digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, taken, -1);
    }
  north_mcp_server_add_action_group (fixture->server, G_ACTION_GROUP (fixture->group), "app.");
  tools = north_mcp_server_list_tools (fixture->server);
  before = tools->len;

  add_action (fixture, action, NULL, NULL, TRUE);
  g_ptr_array_unref (tools);
  tools = north_mcp_server_list_tools (fixture->server);
  g_assert_cmpuint (tools->len, ==, before + 1);
}

/* A remote application decides its action names: one of over 256 bytes
 * is not served; one of 256 is (under a shortened tool name). */
static void
test_long_name (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *longest = g_strnfill (256, 'a');
  g_autofree char *too_long = g_strnfill (257, 'b');
  g_autoptr(GPtrArray) tools = NULL;
  guint before;

  north_mcp_server_add_action_group (fixture->server, G_ACTION_GROUP (fixture->group), "app.");
  tools = north_mcp_server_list_tools (fixture->server);
  before = tools->len;

  add_action (fixture, longest, NULL, NULL, TRUE);
  add_action (fixture, too_long, NULL, NULL, TRUE);
  g_ptr_array_unref (tools);
  tools = north_mcp_server_list_tools (fixture->server);
  g_assert_cmpuint (tools->len, ==, before + 1);
  for (guint i = 0; i < tools->len; i++)
    g_assert_null (strstr (north_mcp_feature_get_description (g_ptr_array_index (tools, i)), "bbbb"));
}

/* The group exported on the session bus and served as another
 * application's, the way the D-Bus bridge serves other applications. */
static void
test_dbus (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  guint export_id;

  g_assert_no_error (error);
  export_id = g_dbus_connection_export_action_group (bus, "/org/north/ActionTest",
                                                     G_ACTION_GROUP (fixture->group), &error);
  g_assert_no_error (error);

  north_mcp_server_add_remote_action_group (fixture->server, bus, g_dbus_connection_get_unique_name (bus),
                                            "/org/north/ActionTest", "remote.");
  /* The remote actions arrive asynchronously. */
  ITERATE_UNTIL (north_mcp_server_lookup_tool (fixture->server, "remote.quit") != NULL);

  check_actions (fixture, "remote.");

  /* Removed as a local group is. */
  g_assert_true (north_mcp_server_remove_action_group (fixture->server, "remote."));
  g_assert_null (north_mcp_server_lookup_tool (fixture->server, "remote.quit"));
  g_assert_null (north_mcp_server_lookup_resource (fixture->server, "gaction-state:remote.toggle"));

  g_dbus_connection_unexport_action_group (bus, export_id);
}

/* Another application decides its actions' states: one of 70,000
 * one-byte values (140,000 JSON nodes, past the 131,072 allowed) is
 * refused when read, not made JSON whole. */
static void
test_dbus_large_state (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  gsize n = 70000;
  g_autofree guchar *zeros = g_malloc0 (n);
  g_autoptr(JsonNode) message = test_parse_json (
    "{\"jsonrpc\":\"2.0\",\"id\":100,\"method\":\"resources/read\","
    "\"params\":{\"uri\":\"gaction-state:remote.items\"}}");
  JsonObject *failure;
  guint export_id;

  g_assert_no_error (error);
  add_action (fixture, "items", NULL,
              g_variant_new_from_data (G_VARIANT_TYPE ("a(y)"), zeros, n, TRUE, NULL, NULL), FALSE);
  export_id = g_dbus_connection_export_action_group (bus, "/org/north/ActionTest",
                                                     G_ACTION_GROUP (fixture->group), &error);
  g_assert_no_error (error);
  north_mcp_server_add_remote_action_group (fixture->server, bus, g_dbus_connection_get_unique_name (bus),
                                            "/org/north/ActionTest", "remote.");
  ITERATE_UNTIL (north_mcp_server_lookup_tool (fixture->server, "remote.items") != NULL);

  north_mcp_dispatch_message (NORTH_MCP_PROTOCOL_HOST (fixture->server), fixture->session, NULL, message,
                              NORTH_MCP_CHANNEL (fixture->channel));
  ITERATE_UNTIL (test_channel_find_response (fixture->channel, 100) != NULL);
  failure = test_channel_error_of (fixture->channel, 100, -32603);
  g_assert_nonnull (strstr (json_object_get_string_member (failure, "message"), "too large as JSON"));
  /* A small state is still served. */
  g_assert_cmpstr (read_resource (fixture, "gaction-state:remote.volume"), ==, "0");

  g_dbus_connection_unexport_action_group (bus, export_id);
}

/* A GDBusActionGroup given to north_mcp_server_add_action_group(): GIO
 * activates its actions without waiting for an answer (an application
 * that stops reading its bus socket let them pile up), and tells no one
 * where they go, short of reading GIO's private instance layout. It is
 * refused, with a message naming north_mcp_server_add_remote_action_group(),
 * and nothing of it is served. */
static void
test_dbus_group_refused (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GDBusActionGroup) remote = NULL;
  g_auto(GStrv) actions = NULL;
  guint export_id;

  /* The library's messages are structured, which g_test_expect_message()
   * does not see: the critical is looked for in a subprocess's stderr. */
  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
      g_test_trap_assert_passed ();
      g_test_trap_assert_stderr ("*CRITICAL*a GDBusActionGroup is not served*"
                                 "use north_mcp_server_add_remote_action_group()*");
      return;
    }

  g_log_set_always_fatal (G_LOG_FATAL_MASK);
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  export_id = g_dbus_connection_export_action_group (bus, "/org/north/ActionTest",
                                                     G_ACTION_GROUP (fixture->group), &error);
  g_assert_no_error (error);
  remote = g_dbus_action_group_get (bus, g_dbus_connection_get_unique_name (bus), "/org/north/ActionTest");

  north_mcp_server_add_action_group (fixture->server, G_ACTION_GROUP (remote), "remote.");

  /* Once the group has its actions, a binding would have served them. */
  actions = g_action_group_list_actions (G_ACTION_GROUP (remote));
  ITERATE_UNTIL (g_action_group_has_action (G_ACTION_GROUP (remote), "quit"));
  g_assert_null (north_mcp_server_lookup_tool (fixture->server, "remote.quit"));
  g_assert_false (north_mcp_server_remove_action_group (fixture->server, "remote."));

  g_dbus_connection_unexport_action_group (bus, export_id);
}

static void
set_enabled (GSimpleActionGroup *group,
             const char         *action,
             gboolean            enabled)
{
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (group), action)),
                               enabled);
}

/* The bytes of a budget (as the D-Bus bridge gives its action groups):
 * a tool larger than one tool may take is not served, nor tools past the
 * total, and a tool that goes gives its bytes back. */
static void
test_byte_budget (Fixture       *fixture,
                  gconstpointer  data)
{
  NorthMcpToolBudget *budget = north_mcp_tool_budget_new (100, 2000, 6000);
  g_autoptr(GSimpleActionGroup) group = g_simple_action_group_new ();
  /* Four variants: some 1 KB of schema, which the rules of `v` make. */
  const GVariantType *type = G_VARIANT_TYPE ("(vvvv)");
  g_autoptr(GSimpleAction) huge = g_simple_action_new ("huge", G_VARIANT_TYPE ("(vvvvvvvvvvvv)"));
  g_autoptr(GPtrArray) served = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) unserved = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *tool = NULL;
  const char *action;

  g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (huge));
  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *name = g_strdup_printf ("a%u", i);
      g_autoptr(GSimpleAction) added = g_simple_action_new (name, type);

      g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (added));
    }
  north_mcp_desktop_add_action_group (fixture->server, G_ACTION_GROUP (group), "b.", budget, NULL);

  g_assert_null (north_mcp_server_lookup_tool (fixture->server, "b.huge"));
  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *name = g_strdup_printf ("a%u", i);
      g_autofree char *tool_name = g_strconcat ("b.", name, NULL);

      g_ptr_array_add (north_mcp_server_lookup_tool (fixture->server, tool_name) != NULL ? served : unserved,
                       g_steal_pointer (&name));
    }
  /* The total holds some, not all. */
  g_assert_cmpuint (served->len, >=, 2);
  g_assert_cmpuint (unserved->len, >=, 1);

  /* Disabled and enabled again: its bytes came back for it. */
  action = g_ptr_array_index (served, 0);
  tool = g_strconcat ("b.", action, NULL);
  set_enabled (group, action, FALSE);
  g_assert_null (north_mcp_server_lookup_tool (fixture->server, tool));
  set_enabled (group, action, TRUE);
  g_assert_nonnull (north_mcp_server_lookup_tool (fixture->server, tool));

  /* One that did not fit still does not; once another goes, it does. */
  action = g_ptr_array_index (unserved, 0);
  g_free (tool);
  tool = g_strconcat ("b.", action, NULL);
  set_enabled (group, action, FALSE);
  set_enabled (group, action, TRUE);
  g_assert_null (north_mcp_server_lookup_tool (fixture->server, tool));
  g_action_map_remove_action (G_ACTION_MAP (group), g_ptr_array_index (served, 1));
  set_enabled (group, action, FALSE);
  set_enabled (group, action, TRUE);
  g_assert_nonnull (north_mcp_server_lookup_tool (fixture->server, tool));

  g_assert_true (north_mcp_server_remove_action_group (fixture->server, "b."));
  north_mcp_tool_budget_unref (budget);
}

/* --- a stuck application (stuck-app.h) ---------------------------------- */

/* The stuck application's actions served by the application with
 * north_mcp_server_add_remote_action_group() under @prefix, once @tool has
 * arrived. */
static void
stuck_group (Fixture    *fixture,
             Stuck      *stuck,
             const char *path,
             const char *prefix,
             const char *tool)
{
  north_mcp_server_add_remote_action_group (fixture->server, stuck->bus,
                                            g_dbus_connection_get_unique_name (stuck->bus), path, prefix);
  ITERATE_UNTIL (north_mcp_server_lookup_tool (fixture->server, tool) != NULL);
}

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* The stuck application's object at @path served by a D-Bus bridge
 * (only @interface_name of it, unless NULL), attached. */
static NorthMcpDBusBridge *
stuck_bridge (Fixture    *fixture,
              Stuck      *stuck,
              const char *path,
              const char *interface_name)
{
  NorthMcpDBusBridge *bridge = north_mcp_dbus_bridge_new (stuck->bus, g_dbus_connection_get_unique_name (stuck->bus),
                                                          path);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  if (interface_name != NULL)
    north_mcp_dbus_bridge_add_interface (bridge, interface_name);
  north_mcp_dbus_bridge_attach_async (bridge, fixture->server, NULL, store_result, &result);
  ITERATE_UNTIL (result != NULL);
  g_assert_true (north_mcp_dbus_bridge_attach_finish (bridge, result, &error));
  g_assert_no_error (error);
  return bridge;
}

static void
assert_refused (Fixture    *fixture,
                gint64      id,
                const char *text)
{
  JsonObject *result;

  ITERATE_UNTIL (test_channel_find_response (fixture->channel, id) != NULL);
  result = test_channel_result_of (fixture->channel, id);
  g_assert_true (json_object_get_boolean_member_with_default (result, "isError", FALSE));
  assert_text_contains (result, text);
}

/* Calls @tool of the stuck application 17 times: 16 activations wait for
 * its answer (its messages flushed through @connection to @peer), the
 * 17th is refused at once with @refusal, and once the application
 * answers, the 16 are answered and a new call is served. */
static void
assert_stuck_bounded (Fixture         *fixture,
                      Stuck           *stuck,
                      const char      *tool,
                      GDBusConnection *connection,
                      const char      *peer,
                      const char      *refusal)
{
  g_autofree char *call = g_strdup_printf ("{\"name\":\"%s\",\"arguments\":{}}", tool);
  gint64 first = fixture->next_id;
  gint64 refused;

  for (guint i = 0; i < 16; i++)
    send_request (fixture, "tools/call", call);
  refused = send_request (fixture, "tools/call", call);
  assert_refused (fixture, refused, refusal);
  stuck_flush_on (connection, peer);
  g_assert_cmpuint (stuck->unanswered->len, ==, 16);
  for (gint64 i = first; i < refused; i++)
    g_assert_null (test_channel_find_response (fixture->channel, i));

  stuck_resume (stuck);
  for (gint64 i = first; i < refused; i++)
    {
      ITERATE_UNTIL (test_channel_find_response (fixture->channel, i) != NULL);
      assert_text_contains (test_channel_result_of (fixture->channel, i), "Activated the action 'poke'");
    }
  assert_text_contains (call_tool (fixture, tool, "{}"), "Activated the action 'poke'");
}

/* The actions of another application that the application serves with
 * north_mcp_server_add_remote_action_group(), when it stops answering:
 * GIO sends its activations without a reply, so they piled up without
 * bound, one per tool call. At most 16 wait at once; a further call is
 * refused at once, and once the application answers, the 16 are answered
 * and a new call is served. */
static void
test_dbus_stuck (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *refusal = NULL;
  Stuck stuck;

  stuck_register (&stuck, "/org/north/StuckApp", FALSE);
  stuck_group (fixture, &stuck, "/org/north/StuckApp", "stuck.", "stuck.poke");
  refusal = g_strdup_printf ("The action 'poke' was not activated: %s has not answered 16 calls yet",
                             g_dbus_connection_get_unique_name (stuck.bus));
  assert_stuck_bounded (fixture, &stuck, "stuck.poke", stuck.bus, g_dbus_connection_get_unique_name (stuck.bus),
                        refusal);

  stuck_clear (&stuck);
}

/* north_mcp_server_add_remote_action_group() on a peer-to-peer connection
 * (no bus name): the actions are served, and their activations are bounded
 * as on a bus. */
static void
test_remote_peer (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GDBusConnection) app = NULL;
  g_autoptr(GDBusConnection) connection = NULL;
  Stuck stuck;

  peer_connections (&app, &connection);
  stuck_register_on (&stuck, app, "/org/north/PeerApp", FALSE);
  north_mcp_server_add_remote_action_group (fixture->server, connection, NULL, "/org/north/PeerApp", "peer.");
  ITERATE_UNTIL (north_mcp_server_lookup_tool (fixture->server, "peer.poke") != NULL);
  assert_stuck_bounded (fixture, &stuck, "peer.poke", connection, NULL,
                        "The action 'poke' was not activated: The peer has not answered 16 calls yet");

  g_assert_true (north_mcp_server_remove_action_group (fixture->server, "peer."));
  g_assert_null (north_mcp_server_lookup_tool (fixture->server, "peer.poke"));
  stuck_clear (&stuck);
  g_dbus_connection_close_sync (connection, NULL, NULL);
  g_dbus_connection_close_sync (app, NULL, NULL);
}

/* Another application decides its actions' parameter types: one of 200
 * variants would take some 50 KB of schema in every tools/list, and 1024
 * of them 50 MB. A remote action group is bounded as the D-Bus bridge's
 * actions are (16 KiB per tool, 4 MiB together). */
static void
test_dbus_schema_size (Fixture       *fixture,
                       gconstpointer  data)
{
  Stuck stuck;

  stuck_register (&stuck, "/org/north/Schemas", TRUE);
  /* All three arrive with the same answer. */
  stuck_group (fixture, &stuck, "/org/north/Schemas", "app.", "app.poke");
  g_assert_nonnull (north_mcp_server_lookup_tool (fixture->server, "app.level"));
  g_assert_null (north_mcp_server_lookup_tool (fixture->server, "app.huge"));

  stuck_clear (&stuck);
}

/* A client that calls a bridged method of a stuck service and cancels, in
 * a loop: each call's message stays with the service until it answers,
 * so each call keeps its place among the 16 that may wait (cancelling
 * made room for another message, and they piled up without bound). Once
 * the service answers, the places are free again; a cancelled request is
 * not answered. Arguments waiting take at most 16 MiB together. */
static void
test_bridge_call_cancelled (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(NorthMcpDBusBridge) bridge = NULL;
  g_autoptr(GString) large = g_string_new ("{\"name\":\"Stuck.Ping\",\"arguments\":{\"text\":\"");
  Stuck stuck;
  gint64 first, refused;

  stuck_register (&stuck, "/org/north/StuckService", FALSE);
  bridge = stuck_bridge (fixture, &stuck, "/org/north/StuckService", "org.north.Stuck");

  first = fixture->next_id;
  for (guint i = 0; i < 40; i++)
    {
      gint64 call = send_request (fixture, "tools/call", "{\"name\":\"Stuck.Ping\",\"arguments\":{\"text\":\"hi\"}}");
      g_autofree char *cancel = g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\","
                                                 "\"params\":{\"requestId\":%" G_GINT64_FORMAT "}}", call);
      g_autoptr(JsonNode) message = test_parse_json (cancel);

      north_mcp_dispatch_message (NORTH_MCP_PROTOCOL_HOST (fixture->server), fixture->session, NULL, message,
                                  NORTH_MCP_CHANNEL (fixture->channel));
      g_main_context_iteration (NULL, FALSE);
    }
  refused = send_request (fixture, "tools/call", "{\"name\":\"Stuck.Ping\",\"arguments\":{\"text\":\"hi\"}}");
  stuck_flush ();
  g_assert_cmpuint (stuck.unanswered->len, ==, 16);
  assert_refused (fixture, refused, "has not answered 16 calls yet");

  /* The calls past the 16th were refused before they were cancelled. */
  for (gint64 i = first + 16; i < refused; i++)
    assert_refused (fixture, i, "has not answered 16 calls yet");

  /* Answered at last: the places are free, the cancelled requests stay
   * unanswered. */
  stuck_resume (&stuck);
  stuck_flush ();
  assert_text_contains (call_tool (fixture, "Stuck.Ping", "{\"text\":\"hi\"}"), "{}");
  for (gint64 i = first; i < first + 16; i++)
    g_assert_null (test_channel_find_response (fixture->channel, i));

  /* 3.5 MiB of arguments each: four wait, a fifth would pass 16 MiB. */
  stuck.answer = FALSE;
  for (guint i = 0; i < (7 << 19); i++)
    g_string_append_c (large, 'x');
  g_string_append (large, "\"}}");
  first = fixture->next_id;
  for (guint i = 0; i < 4; i++)
    send_request (fixture, "tools/call", large->str);
  refused = send_request (fixture, "tools/call", large->str);
  stuck_flush ();
  g_assert_cmpuint (stuck.unanswered->len, ==, 4);
  assert_refused (fixture, refused, "has not answered calls of");
  stuck_resume (&stuck);
  for (gint64 i = first; i < refused; i++)
    ITERATE_UNTIL (test_channel_find_response (fixture->channel, i) != NULL);

  stuck_clear (&stuck);
}

/* Counts the messages with @method sent on the standalone channel since
 * it was cleared. */
static guint
count_sent (Fixture    *fixture,
            const char *method)
{
  GPtrArray *messages = test_channel_get_messages (fixture->standalone);
  guint n = 0;

  for (guint i = 0; i < messages->len; i++)
    {
      JsonObject *object = json_node_get_object (g_ptr_array_index (messages, i));

      if (g_strcmp0 (json_object_get_string_member_with_default (object, "method", NULL), method) == 0)
        n++;
    }
  return n;
}

/* Emits @signal_name of @interface at @path from this process's
 * connection (the bridged service's), and waits until it is handled. */
static void
emit_storm (const char *path,
            const char *interface,
            const char *signal_name,
            GVariant   *parameters)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);

  g_assert_no_error (error);
  g_dbus_connection_emit_signal (bus, NULL, path, interface, signal_name, parameters, &error);
  g_assert_no_error (error);
  stuck_flush ();
}

/* Emits org.gtk.Actions.Changed at @path with the parts given (NULL:
 * empty), and waits until it is handled. */
static void
emit_changed (const char *path,
              GVariant   *enabled,
              GVariant   *states,
              GVariant   *added)
{
  emit_storm (path, "org.gtk.Actions", "Changed",
              g_variant_new ("(@as@a{sb}@a{sv}@a{s(bgav)})", g_variant_new_strv (NULL, 0),
                             enabled != NULL ? enabled : g_variant_new_array (G_VARIANT_TYPE ("{sb}"), NULL, 0),
                             states != NULL ? states : g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0),
                             added != NULL ? added : g_variant_new_array (G_VARIANT_TYPE ("{s(bgav)}"), NULL, 0)));
}

/* A service that lists a property 1000 times as changed and 1000 times
 * as invalidated in one PropertiesChanged signal: its subscribers get one
 * update, not 2000 (each a fan-out to every session). */
static void
test_properties_changed_storm (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(NorthMcpDBusBridge) bridge = NULL;
  GVariantBuilder changed, invalidated;
  Stuck stuck;

  stuck_register (&stuck, "/org/north/Props", TRUE);
  bridge = stuck_bridge (fixture, &stuck, "/org/north/Props", "org.north.Stuck");
  request (fixture, "resources/subscribe", "{\"uri\":\"dbus-property:/org/north/Props/org.north.Stuck.Volume\"}");
  test_channel_clear (fixture->standalone);

  g_variant_builder_init (&changed, G_VARIANT_TYPE ("a{sv}"));
  g_variant_builder_init (&invalidated, G_VARIANT_TYPE ("as"));
  for (guint i = 0; i < 1000; i++)
    {
      g_variant_builder_add (&changed, "{sv}", "Volume", g_variant_new_int32 (i));
      g_variant_builder_add (&invalidated, "s", "Volume");
    }
  emit_storm ("/org/north/Props", "org.freedesktop.DBus.Properties", "PropertiesChanged",
              g_variant_new ("(sa{sv}as)", "org.north.Stuck", &changed, &invalidated));
  g_assert_cmpuint (count_sent (fixture, "notifications/resources/updated"), ==, 1);

  stuck_clear (&stuck);
}

/* The same with 1000 state changes of one action in one
 * org.gtk.Actions.Changed signal (GIO reports each that differs from the
 * one before). */
static void
test_state_changed_storm (Fixture       *fixture,
                          gconstpointer  data)
{
  GVariantBuilder states;
  Stuck stuck;

  stuck_register (&stuck, "/org/north/States", TRUE);
  stuck_group (fixture, &stuck, "/org/north/States", "app.", "app.level");
  request (fixture, "resources/subscribe", "{\"uri\":\"gaction-state:app.level\"}");
  test_channel_clear (fixture->standalone);

  g_variant_builder_init (&states, G_VARIANT_TYPE ("a{sv}"));
  for (guint i = 1; i <= 1000; i++)
    g_variant_builder_add (&states, "{sv}", "level", g_variant_new_int32 (i));
  emit_changed ("/org/north/States", NULL, g_variant_builder_end (&states), NULL);
  g_assert_cmpuint (count_sent (fixture, "notifications/resources/updated"), ==, 1);

  stuck_clear (&stuck);
}

/* Emits a Changed signal of the actions at @path adding @n parameterless
 * actions named @prefix and a number. */
static void
emit_added (const char *path,
            const char *prefix,
            guint       n)
{
  GVariantBuilder added;

  g_variant_builder_init (&added, G_VARIANT_TYPE ("a{s(bgav)}"));
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s%u", prefix, i);

      g_variant_builder_add (&added, "{s(bg@av)}", name, TRUE, "",
                             g_variant_new_array (G_VARIANT_TYPE_VARIANT, NULL, 0));
    }
  emit_changed (path, NULL, NULL, g_variant_builder_end (&added));
}

/* Another application that announces ever more actions: GIO keeps every
 * one (a Changed signal may add millions, and the next as many again),
 * however few are served. Past 4096 at once, the bridge stops following
 * the application's actions, which frees GIO's copy, and serves the rest. */
static void
test_action_added_storm (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(NorthMcpDBusBridge) bridge = NULL;
  Stuck stuck;

  stuck_register (&stuck, "/org/north/Storm", TRUE);
  bridge = stuck_bridge (fixture, &stuck, "/org/north/Storm", NULL);
  ITERATE_UNTIL (north_mcp_server_lookup_tool (fixture->server, "poke") != NULL);

  /* 4000 more are still followed (4003 in all). */
  emit_added ("/org/north/Storm", "a", 4000);
  g_assert_nonnull (north_mcp_server_lookup_tool (fixture->server, "poke"));
  g_assert_nonnull (north_mcp_server_lookup_tool (fixture->server, "a999"));

  /* 100 more are too many. */
  emit_added ("/org/north/Storm", "b", 100);
  g_assert_null (north_mcp_server_lookup_tool (fixture->server, "poke"));
  g_assert_null (north_mcp_server_lookup_tool (fixture->server, "a999"));
  g_assert_nonnull (north_mcp_server_lookup_tool (fixture->server, "Stuck.Ping"));

  stuck_clear (&stuck);
}

/* Emits a Changed signal of the actions at @path giving the action
 * `blob` a state of @size bytes. */
static void
emit_blob (const char *path,
           gsize       size)
{
  g_autofree char *blob = g_strnfill (size, 'x');
  GVariantBuilder states;

  g_variant_builder_init (&states, G_VARIANT_TYPE ("a{sv}"));
  g_variant_builder_add (&states, "{sv}", "blob", g_variant_new_string (blob));
  emit_changed (path, NULL, g_variant_builder_end (&states), NULL);
}

/* GIO keeps the state of every action another application announces,
 * whatever its size (up to the bus's message limit, 1 GB on the session
 * bus, for each of thousands of actions). Past 16 MiB of states at once,
 * the bridge stops following the application's actions, which frees
 * GIO's copy, and serves the rest. */
static void
test_state_size_storm (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(NorthMcpDBusBridge) bridge = NULL;
  Stuck stuck;

  stuck_register (&stuck, "/org/north/Blobs", TRUE);
  bridge = stuck_bridge (fixture, &stuck, "/org/north/Blobs", NULL);
  ITERATE_UNTIL (north_mcp_server_lookup_tool (fixture->server, "poke") != NULL);

  emit_blob ("/org/north/Blobs", 4 << 20);
  g_assert_nonnull (north_mcp_server_lookup_tool (fixture->server, "poke"));
  emit_blob ("/org/north/Blobs", 17 << 20);
  g_assert_null (north_mcp_server_lookup_tool (fixture->server, "poke"));
  g_assert_nonnull (north_mcp_server_lookup_tool (fixture->server, "Stuck.Ping"));

  stuck_clear (&stuck);
}

/* An application that disables and enables an action 1000 times in one
 * Changed signal: the tool stays, and clients are not sent 2000
 * tools/list_changed (each a fan-out to every session, and a schema made
 * each time). */
static void
test_enabled_storm (Fixture       *fixture,
                    gconstpointer  data)
{
  GVariantBuilder enabled;
  Stuck stuck;

  stuck_register (&stuck, "/org/north/Toggles", TRUE);
  stuck_group (fixture, &stuck, "/org/north/Toggles", "app.", "app.poke");
  test_run_pending ();
  test_channel_clear (fixture->standalone);

  g_variant_builder_init (&enabled, G_VARIANT_TYPE ("a{sb}"));
  for (guint i = 0; i < 1000; i++)
    {
      g_variant_builder_add (&enabled, "{sb}", "poke", FALSE);
      g_variant_builder_add (&enabled, "{sb}", "poke", TRUE);
    }
  emit_changed ("/org/north/Toggles", g_variant_builder_end (&enabled), NULL, NULL);
  test_run_pending ();
  g_assert_cmpuint (count_sent (fixture, "notifications/tools/list_changed"), ==, 0);
  g_assert_nonnull (north_mcp_server_lookup_tool (fixture->server, "app.poke"));

  stuck_clear (&stuck);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/action-group/local", Fixture, NULL, fixture_set_up, test_local, fixture_tear_down);
  g_test_add ("/action-group/replaced", Fixture, NULL, fixture_set_up, test_replaced, fixture_tear_down);
  g_test_add ("/action-group/names", Fixture, NULL, fixture_set_up, test_names, fixture_tear_down);
  g_test_add ("/action-group/long-name", Fixture, NULL, fixture_set_up, test_long_name, fixture_tear_down);
  g_test_add ("/action-group/name-chain", Fixture, NULL, fixture_set_up, test_name_chain, fixture_tear_down);
  g_test_add ("/action-group/dbus", Fixture, NULL, fixture_set_up, test_dbus, fixture_tear_down);
  g_test_add ("/action-group/dbus-large-state", Fixture, NULL, fixture_set_up, test_dbus_large_state,
              fixture_tear_down);
  g_test_add ("/action-group/dbus-group-refused", Fixture, NULL, fixture_set_up, test_dbus_group_refused,
              fixture_tear_down);
  g_test_add ("/action-group/byte-budget", Fixture, NULL, fixture_set_up, test_byte_budget, fixture_tear_down);
  g_test_add ("/action-group/dbus-stuck", Fixture, NULL, fixture_set_up, test_dbus_stuck, fixture_tear_down);
  g_test_add ("/action-group/remote-peer", Fixture, NULL, fixture_set_up, test_remote_peer, fixture_tear_down);
  g_test_add ("/action-group/properties-changed-storm", Fixture, NULL, fixture_set_up,
              test_properties_changed_storm, fixture_tear_down);
  g_test_add ("/action-group/state-changed-storm", Fixture, NULL, fixture_set_up, test_state_changed_storm,
              fixture_tear_down);
  g_test_add ("/action-group/dbus-schema-size", Fixture, NULL, fixture_set_up, test_dbus_schema_size,
              fixture_tear_down);
  g_test_add ("/action-group/action-added-storm", Fixture, NULL, fixture_set_up, test_action_added_storm,
              fixture_tear_down);
  g_test_add ("/action-group/state-size-storm", Fixture, NULL, fixture_set_up, test_state_size_storm,
              fixture_tear_down);
  g_test_add ("/action-group/enabled-storm", Fixture, NULL, fixture_set_up, test_enabled_storm, fixture_tear_down);
  g_test_add ("/action-group/bridge-call-cancelled", Fixture, NULL, fixture_set_up, test_bridge_call_cancelled,
              fixture_tear_down);
  return g_test_run ();
}
