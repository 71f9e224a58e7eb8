/* test-dbus-bridge.c: NorthMcpDBusBridge against objects of this process
 * on a private session bus (run under dbus-run-session): how long it waits
 * for a service that does not answer, cancelling, and the size of the
 * tools an application's actions make
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp.h"
#include "desktop-test.h"

static const char introspectable_xml[] =
  "<node><interface name='org.freedesktop.DBus.Introspectable'>"
  "<method name='Introspect'><arg direction='out' type='s'/></method>"
  "</interface></node>";

typedef struct {
  GDBusConnection *bus;
  NorthMcpServer  *server;
  GPtrArray       *unanswered;  /* GDBusMethodInvocation * */
  guint            silent_id;
  gboolean         done;
  gboolean         ok;
  GError          *error;
} Fixture;

/* An object whose Introspect is never answered. */
static void
never_answer (GDBusConnection       *connection,
              const char            *sender,
              const char            *path,
              const char            *interface,
              const char            *method,
              GVariant              *parameters,
              GDBusMethodInvocation *invocation,
              gpointer               user_data)
{
  Fixture *fixture = user_data;

  g_ptr_array_add (fixture->unanswered, invocation);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  static const GDBusInterfaceVTable vtable = { never_answer, NULL, NULL, { 0 } };
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (introspectable_xml, &error);

  g_assert_no_error (error);
  fixture->bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  fixture->server = north_mcp_server_new ("bridge", "1.0.0");
  fixture->unanswered = g_ptr_array_new ();
  fixture->silent_id = g_dbus_connection_register_object (fixture->bus, "/org/north/Silent",
                                                          info->interfaces[0], &vtable, fixture,
                                                          NULL, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  /* Answered at last, which also frees them. */
  for (guint i = 0; i < fixture->unanswered->len; i++)
    g_dbus_method_invocation_return_dbus_error (g_ptr_array_index (fixture->unanswered, i),
                                                "org.north.Test.Error.Late", "too late");
  g_ptr_array_unref (fixture->unanswered);
  g_dbus_connection_unregister_object (fixture->bus, fixture->silent_id);
  g_clear_object (&fixture->server);
  g_clear_object (&fixture->bus);
  g_clear_error (&fixture->error);
}

static void
attached (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Fixture *fixture = user_data;

  fixture->ok = north_mcp_dbus_bridge_attach_finish (NORTH_MCP_DBUS_BRIDGE (source), result,
                                                     &fixture->error);
  fixture->done = TRUE;
}

/* Attaches @bridge and waits until it is attached, and then until the
 * server has the tool @last (actions arrive after the methods), unless
 * NULL. */
static void
attach (Fixture            *fixture,
        NorthMcpDBusBridge *bridge,
        const char         *last)
{
  north_mcp_dbus_bridge_attach_async (bridge, fixture->server, NULL, attached, fixture);
  ITERATE_UNTIL (fixture->done);
  g_assert_no_error (fixture->error);
  if (last != NULL)
    ITERATE_UNTIL (north_mcp_server_lookup_tool (fixture->server, last) != NULL);
}

static NorthMcpDBusBridge *
bridge_for (Fixture    *fixture,
            const char *path)
{
  return north_mcp_dbus_bridge_new (fixture->bus, g_dbus_connection_get_unique_name (fixture->bus), path);
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  (*(guint *) user_data)++;
}

static void
test_timeout_property (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(NorthMcpDBusBridge) bridge = bridge_for (fixture, "/org/north/Silent");
  guint notified = 0;
  guint timeout = 0;

  g_assert_cmpuint (north_mcp_dbus_bridge_get_introspection_timeout (bridge), ==, 5000);
  g_signal_connect (bridge, "notify::introspection-timeout", G_CALLBACK (count_notify), &notified);
  north_mcp_dbus_bridge_set_introspection_timeout (bridge, 250);
  north_mcp_dbus_bridge_set_introspection_timeout (bridge, 250);
  g_object_get (bridge, "introspection-timeout", &timeout, NULL);
  g_assert_cmpuint (timeout, ==, 250);
  g_assert_cmpuint (notified, ==, 1);
}

/* An object that never answers fails the attachment after the bridge's
 * timeout, not GDBus's 25 s. */
static void
test_silent_root (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(NorthMcpDBusBridge) bridge = bridge_for (fixture, "/org/north/Silent");

  north_mcp_dbus_bridge_set_introspection_timeout (bridge, 100);
  north_mcp_dbus_bridge_attach_async (bridge, fixture->server, NULL, attached, fixture);
  ITERATE_UNTIL (fixture->done);
  g_assert_false (fixture->ok);
  g_assert_error (fixture->error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED);
  g_assert_nonnull (strstr (fixture->error->message, "Cannot introspect /org/north/Silent"));
  g_assert_cmpuint (fixture->unanswered->len, ==, 1);
}

/* Waits for the attachment, which must have been cancelled. */
static void
assert_cancelled (Fixture *fixture)
{
  ITERATE_UNTIL (fixture->done);
  g_assert_false (fixture->ok);
  g_assert_error (fixture->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_cancelled_before (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(NorthMcpDBusBridge) bridge = bridge_for (fixture, "/org/north/Silent");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  g_cancellable_cancel (cancellable);
  north_mcp_dbus_bridge_attach_async (bridge, fixture->server, cancellable, attached, fixture);
  assert_cancelled (fixture);
}

/* Cancelling reaches the calls in flight: the attachment does not wait
 * for their timeout (a minute here). */
static void
test_cancelled_while_waiting (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(NorthMcpDBusBridge) bridge = bridge_for (fixture, "/org/north/Silent");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  north_mcp_dbus_bridge_set_introspection_timeout (bridge, 60000);
  north_mcp_dbus_bridge_attach_async (bridge, fixture->server, cancellable, attached, fixture);
  ITERATE_UNTIL (fixture->unanswered->len == 1);
  g_cancellable_cancel (cancellable);
  assert_cancelled (fixture);
}

/* An application decides its actions' parameter types: `(vv…)` makes
 * some 240 bytes of schema per variant. */
static void
test_action_schema_size (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(NorthMcpDBusBridge) bridge = bridge_for (fixture, "/org/north/Actions");
  g_autoptr(GSimpleActionGroup) group = g_simple_action_group_new ();
  g_autoptr(GSimpleAction) small = g_simple_action_new ("small", G_VARIANT_TYPE ("(vv)"));
  g_autoptr(GString) huge_type = g_string_new ("(");
  g_autoptr(GSimpleAction) huge = NULL;
  g_autoptr(GError) error = NULL;
  guint export_id;

  for (guint i = 0; i < 200; i++)
    g_string_append_c (huge_type, 'v');
  g_string_append_c (huge_type, ')');
  huge = g_simple_action_new ("huge", G_VARIANT_TYPE (huge_type->str));
  g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (huge));
  g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (small));
  export_id = g_dbus_connection_export_action_group (fixture->bus, "/org/north/Actions",
                                                     G_ACTION_GROUP (group), &error);
  g_assert_no_error (error);

  /* Both arrive with the same answer. */
  attach (fixture, bridge, "small");
  g_assert_null (north_mcp_server_lookup_tool (fixture->server, "huge"));

  g_dbus_connection_unexport_action_group (fixture->bus, export_id);
}

/* Adds parameterless actions named @first_name… (NULL-terminated) to
 * @group and exports it at @path of the test bus: the export's id. */
static guint
export_actions (Fixture            *fixture,
                const char         *path,
                GSimpleActionGroup *group,
                const char         *first_name,
                ...)
{
  g_autoptr(GError) error = NULL;
  va_list names;
  guint export_id;

  va_start (names, first_name);
  for (const char *name = first_name; name != NULL; name = va_arg (names, const char *))
    {
      g_autoptr(GSimpleAction) action = g_simple_action_new (name, NULL);

      g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (action));
    }
  va_end (names);
  export_id = g_dbus_connection_export_action_group (fixture->bus, path, G_ACTION_GROUP (group), &error);
  g_assert_no_error (error);
  return export_id;
}

/* An action may be named like a method's tool (`Live.Ping` at the same
 * object): the tool that came first keeps its name, the other gets one of
 * its own, rather than replacing it. */
static void
test_action_name_clash (Fixture       *fixture,
                        gconstpointer  data)
{
  static const GDBusInterfaceVTable vtable = { never_answer, NULL, NULL, { 0 } };
  g_autoptr(NorthMcpDBusBridge) bridge = bridge_for (fixture, "/org/north/Clash");
  g_autoptr(GSimpleActionGroup) group = g_simple_action_group_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusNodeInfo) info =
    g_dbus_node_info_new_for_xml ("<node><interface name='org.north.Live'><method name='Ping'/></interface></node>",
                                  &error);
  NorthMcpTool *tool;
  guint object_id, export_id;

  g_assert_no_error (error);
  object_id = g_dbus_connection_register_object (fixture->bus, "/org/north/Clash", info->interfaces[0],
                                                 &vtable, fixture, NULL, &error);
  g_assert_no_error (error);
  export_id = export_actions (fixture, "/org/north/Clash", group, "Live.Ping", "other", NULL);

  /* The actions arrive together, after the method. */
  attach (fixture, bridge, "other");
  tool = north_mcp_server_lookup_tool (fixture->server, "Live.Ping");
  g_assert_nonnull (tool);
  g_assert_true (g_str_has_prefix (north_mcp_feature_get_description (NORTH_MCP_FEATURE (tool)),
                                   "Calls the D-Bus method org.north.Live.Ping"));

  /* The action going takes its own tool, not the method's. */
  g_action_map_remove_action (G_ACTION_MAP (group), "Live.Ping");
  g_action_map_remove_action (G_ACTION_MAP (group), "other");
  ITERATE_UNTIL (north_mcp_server_lookup_tool (fixture->server, "other") == NULL);
  g_assert_nonnull (north_mcp_server_lookup_tool (fixture->server, "Live.Ping"));

  g_dbus_connection_unexport_action_group (fixture->bus, export_id);
  g_dbus_connection_unregister_object (fixture->bus, object_id);
}

/* The bridged application names its actions: one named like a tool the
 * server has already (the application's own) gets a name of its own
 * rather than replacing it. */
static void
test_action_takes_server_tool (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(NorthMcpDBusBridge) bridge = bridge_for (fixture, "/org/north/Actions");
  g_autoptr(GSimpleActionGroup) group = g_simple_action_group_new ();
  g_autoptr(NorthMcpTool) own = north_mcp_tool_new ("search", "The application's own search");
  NorthMcpTool *tool;
  guint export_id;

  north_mcp_server_add_tool (fixture->server, own);
  export_id = export_actions (fixture, "/org/north/Actions", group, "search", "other", NULL);

  attach (fixture, bridge, "other");
  tool = north_mcp_server_lookup_tool (fixture->server, "search");
  g_assert_true (tool == own);

  g_dbus_connection_unexport_action_group (fixture->bus, export_id);
}

/* The bridged service names its objects: a child `app` exporting actions
 * is served under the prefix `app.`, which must not replace (and take the
 * tools of) the application's own action group added with that prefix. */
static void
test_child_prefix_of_own_group (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(NorthMcpDBusBridge) bridge = bridge_for (fixture, "/org/north/Apps");
  g_autoptr(GSimpleActionGroup) own = g_simple_action_group_new ();
  g_autoptr(GSimpleActionGroup) remote = g_simple_action_group_new ();
  g_autoptr(GSimpleAction) mine = g_simple_action_new ("mine", NULL);
  guint export_id;

  g_action_map_add_action (G_ACTION_MAP (own), G_ACTION (mine));
  north_mcp_server_add_action_group (fixture->server, G_ACTION_GROUP (own), "app.");
  g_assert_nonnull (north_mcp_server_lookup_tool (fixture->server, "app.mine"));
  export_id = export_actions (fixture, "/org/north/Apps/app", remote, "theirs", NULL);

  north_mcp_dbus_bridge_set_recursive (bridge, TRUE);
  attach (fixture, bridge, "app.theirs");
  g_assert_nonnull (north_mcp_server_lookup_tool (fixture->server, "app.mine"));
  /* And the application can still remove its own. */
  g_assert_true (north_mcp_server_remove_action_group (fixture->server, "app."));
  g_assert_null (north_mcp_server_lookup_tool (fixture->server, "app.mine"));
  g_assert_nonnull (north_mcp_server_lookup_tool (fixture->server, "app.theirs"));

  g_dbus_connection_unexport_action_group (fixture->bus, export_id);
}

/* Introspect answered with the XML the object was registered with. */
static void
answer_xml (GDBusConnection       *connection,
            const char            *sender,
            const char            *path,
            const char            *interface,
            const char            *method,
            GVariant              *parameters,
            GDBusMethodInvocation *invocation,
            gpointer               user_data)
{
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(s)", (const char *) user_data));
}

/* A service may list a child more than once: it is served once, not as
 * many tools for each method as it is listed. */
static void
test_child_listed_twice (Fixture       *fixture,
                         gconstpointer  data)
{
  static const GDBusInterfaceVTable vtable = { answer_xml, NULL, NULL, { 0 } };
  static const char root_xml[] = "<node><node name='kid'/><node name='kid'/><node name='kid'/></node>";
  static const char kid_xml[] = "<node><interface name='org.north.Live'><method name='Ping'/></interface></node>";
  g_autoptr(NorthMcpDBusBridge) bridge = bridge_for (fixture, "/org/north/Twice");
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (introspectable_xml, &error);
  g_autoptr(GPtrArray) tools = NULL;
  guint root_id, kid_id;

  g_assert_no_error (error);
  root_id = g_dbus_connection_register_object (fixture->bus, "/org/north/Twice", info->interfaces[0],
                                               &vtable, (gpointer) root_xml, NULL, &error);
  g_assert_no_error (error);
  kid_id = g_dbus_connection_register_object (fixture->bus, "/org/north/Twice/kid", info->interfaces[0],
                                              &vtable, (gpointer) kid_xml, NULL, &error);
  g_assert_no_error (error);

  north_mcp_dbus_bridge_set_recursive (bridge, TRUE);
  attach (fixture, bridge, NULL);
  g_assert_nonnull (north_mcp_server_lookup_tool (fixture->server, "kid.Live.Ping"));
  tools = north_mcp_server_list_tools (fixture->server);
  g_assert_cmpuint (tools->len, ==, 1);

  g_dbus_connection_unregister_object (fixture->bus, kid_id);
  g_dbus_connection_unregister_object (fixture->bus, root_id);
}

/* Nor is an interface listed twice in one object served twice. */
static void
test_interface_listed_twice (Fixture       *fixture,
                             gconstpointer  data)
{
  static const GDBusInterfaceVTable vtable = { answer_xml, NULL, NULL, { 0 } };
  static const char xml[] = "<node><interface name='org.north.Live'><method name='Ping'/></interface>"
                            "<interface name='org.north.Live'><method name='Ping'/></interface></node>";
  g_autoptr(NorthMcpDBusBridge) bridge = bridge_for (fixture, "/org/north/Twice");
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (introspectable_xml, &error);
  g_autoptr(GPtrArray) tools = NULL;
  guint id;

  g_assert_no_error (error);
  id = g_dbus_connection_register_object (fixture->bus, "/org/north/Twice", info->interfaces[0],
                                          &vtable, (gpointer) xml, NULL, &error);
  g_assert_no_error (error);

  attach (fixture, bridge, NULL);
  g_assert_nonnull (north_mcp_server_lookup_tool (fixture->server, "Live.Ping"));
  tools = north_mcp_server_list_tools (fixture->server);
  g_assert_cmpuint (tools->len, ==, 1);

  g_dbus_connection_unregister_object (fixture->bus, id);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/dbus-bridge/timeout-property", test_timeout_property);
  ADD ("/dbus-bridge/silent-root", test_silent_root);
  ADD ("/dbus-bridge/cancelled-before", test_cancelled_before);
  ADD ("/dbus-bridge/cancelled-while-waiting", test_cancelled_while_waiting);
  ADD ("/dbus-bridge/action-schema-size", test_action_schema_size);
  ADD ("/dbus-bridge/action-name-clash", test_action_name_clash);
  ADD ("/dbus-bridge/action-takes-server-tool", test_action_takes_server_tool);
  ADD ("/dbus-bridge/child-prefix-of-own-group", test_child_prefix_of_own_group);
  ADD ("/dbus-bridge/child-listed-twice", test_child_listed_twice);
  ADD ("/dbus-bridge/interface-listed-twice", test_interface_listed_twice);
#undef ADD
  return g_test_run ();
}
