/* app-actions: a GApplication's actions as MCP tools
 *
 * The application defines its actions as usual (GActionEntry); one call,
 * north_mcp_server_add_action_group(), serves them: `app.greet` (a string
 * parameter), `app.dark-mode` (a boolean state, readable as the resource
 * gaction-state:app.dark-mode), `app.quit`, and `app.secret`, which stays
 * hidden while it is disabled. `app.unlock` enables it: clients are told
 * that the list of tools changed.
 *
 *   ./build/examples/c/app-actions --transport stdio
 *
 * In an application with a window, call north_mcp_server_start() from the
 * application's `startup` handler instead of north_mcp_server_run(): the
 * server then runs on the application's main loop.
 *
 * SPDX-License-Identifier: MIT
 */
#include <north-mcp.h>

static void
greet (GSimpleAction *action,
       GVariant      *parameter,
       gpointer       user_data)
{
  g_printerr ("Hello, %s!\n", g_variant_get_string (parameter, NULL));
}

static void
toggle (GSimpleAction *action,
        GVariant      *parameter,
        gpointer       user_data)
{
  g_autoptr(GVariant) state = g_action_get_state (G_ACTION (action));

  g_simple_action_set_state (action, g_variant_new_boolean (!g_variant_get_boolean (state)));
}

static void
quit (GSimpleAction *action,
      GVariant      *parameter,
      gpointer       user_data)
{
  g_printerr ("Quit requested\n");
}

static void
unlock (GSimpleAction *action,
        GVariant      *parameter,
        gpointer       user_data)
{
  GActionMap *map = G_ACTION_MAP (user_data);

  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (map, "secret")), TRUE);
}

static void
secret (GSimpleAction *action,
        GVariant      *parameter,
        gpointer       user_data)
{
  g_printerr ("The secret action ran\n");
}

int
main (int argc, char **argv)
{
  const GActionEntry entries[] = {
    { "greet", greet, "s", NULL, NULL },
    { "dark-mode", toggle, NULL, "false", NULL },
    { "quit", quit, NULL, NULL, NULL },
    { "unlock", unlock, NULL, NULL, NULL },
    { "secret", secret, NULL, NULL, NULL },
  };
  g_autoptr(GApplication) app = g_application_new ("org.north.AppActions", G_APPLICATION_NON_UNIQUE);
  g_autoptr(NorthMcpServer) server = north_mcp_server_new ("app-actions", "1.0.0");
  g_autoptr(GError) error = NULL;

  g_action_map_add_action_entries (G_ACTION_MAP (app), entries, G_N_ELEMENTS (entries), app);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (app), "secret")),
                               FALSE);

  /* A GApplication lists its actions once registered (with NON_UNIQUE it
   * does not need a session bus for that). */
  if (!g_application_register (app, NULL, &error))
    {
      g_printerr ("Cannot register the application: %s\n", error->message);
      return 1;
    }
  north_mcp_server_add_action_group (server, G_ACTION_GROUP (app), "app.");
  north_mcp_server_set_port (server, 5222);
  return north_mcp_server_run (server, argc, argv);
}
