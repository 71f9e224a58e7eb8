/* north-mcp-dbus-bridge: serves a D-Bus object as an MCP server
 *
 *   north-mcp-dbus-bridge [--session|--system|--address ADDR] --dest NAME
 *                         [--object-path PATH] [--interface IFACE]...
 *                         [--recursive] [--allow GLOB]... [--deny GLOB]...
 *                         [--introspection-timeout MS]
 *                         [every option of north_mcp_server_run()]
 *
 * See doc/desktop-integration.md.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <north-mcp.h>

typedef struct
{
  gboolean session;
  gboolean system;
  char *address;
  char *dest;
  char *object_path;
  char **interfaces;
  gboolean recursive;
  char **allow;
  char **deny;
  int introspection_timeout;
} Options;

static void
options_clear (Options *options)
{
  g_free (options->address);
  g_free (options->dest);
  g_free (options->object_path);
  g_strfreev (options->interfaces);
  g_strfreev (options->allow);
  g_strfreev (options->deny);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Options, options_clear)

static GOptionContext *
option_context (Options *options)
{
  GOptionEntry entries[] = {
    { "session", 0, 0, G_OPTION_ARG_NONE, &options->session,
      "Connect to the session bus (the default)", NULL },
    { "system", 0, 0, G_OPTION_ARG_NONE, &options->system,
      "Connect to the system bus (think twice: see doc/desktop-integration.md)", NULL },
    { "address", 0, 0, G_OPTION_ARG_STRING, &options->address,
      "Connect to this D-Bus address (a bus, or a peer without --dest)", "ADDR" },
    { "dest", 'd', 0, G_OPTION_ARG_STRING, &options->dest,
      "The service's bus name", "NAME" },
    { "object-path", 'o', 0, G_OPTION_ARG_STRING, &options->object_path,
      "The object to serve (default: derived from --dest, org.example.App → /org/example/App)",
      "PATH" },
    { "interface", 'i', 0, G_OPTION_ARG_STRING_ARRAY, &options->interfaces,
      "Serve only this interface (repeatable)", "IFACE" },
    { "recursive", 'r', 0, G_OPTION_ARG_NONE, &options->recursive,
      "Serve the child objects too", NULL },
    { "allow", 0, 0, G_OPTION_ARG_STRING_ARRAY, &options->allow,
      "Serve only methods and properties matching this glob (repeatable; "
      "matched against IFACE.Member, Member and the tool name)", "GLOB" },
    { "deny", 0, 0, G_OPTION_ARG_STRING_ARRAY, &options->deny,
      "Never serve methods and properties matching this glob (repeatable; wins over --allow)",
      "GLOB" },
    { "introspection-timeout", 0, 0, G_OPTION_ARG_INT, &options->introspection_timeout,
      "How long to wait for each answer while introspecting, in milliseconds (default 5000; "
      "introspecting stops after 6 times this)", "MS" },
    { NULL }
  };
  GOptionContext *context = g_option_context_new (NULL);

  g_option_context_set_summary (context,
    "Serves a D-Bus object as an MCP server: its methods as tools, its readable\n"
    "properties as resources, its actions (org.gtk.Actions) as tools.");
  g_option_context_set_description (context,
    "Every option of an MCP server is accepted too: --transport, --host, --port,\n"
    "--stateless, --stateful, --debug, --server-secret, --trusted-issuer,\n"
    "--require-auth, --audience, --workers (see below).");
  g_option_context_add_main_entries (context, entries, NULL);
  /* The server's own options are parsed by north_mcp_server_run(). */
  g_option_context_set_ignore_unknown_options (context, TRUE);
  g_option_context_set_help_enabled (context, FALSE);
  return context;
}

/* org.example.App → /org/example/App */
static char *
path_from_name (const char *name)
{
  g_autofree char *path = g_strconcat ("/", name, NULL);

  g_strdelimit (path, ".", '/');
  g_strdelimit (path, "-", '_');
  return g_variant_is_object_path (path) ? g_steal_pointer (&path) : g_strdup ("/");
}

static GDBusConnection *
connect_bus (Options  *options,
             GError  **error)
{
  g_autofree char *address = NULL;
  GDBusConnection *connection;

  if ((options->system ? 1 : 0) + (options->session ? 1 : 0) + (options->address ? 1 : 0) > 1)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           "--session, --system and --address exclude each other");
      return NULL;
    }
  if (options->address != NULL)
    return north_mcp_dbus_bridge_connect_sync (options->address,
                                               G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                               (options->dest != NULL
                                                ? G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION : 0),
                                               NULL, error);
  /* A connection of its own, not g_bus_get_sync()'s: one that drops
   * oversized messages unread; it ends the bridge with the bus, as that
   * one would. */
  address = g_dbus_address_get_for_bus_sync (options->system ? G_BUS_TYPE_SYSTEM : G_BUS_TYPE_SESSION, NULL, error);
  if (address == NULL ||
      (connection = north_mcp_dbus_bridge_connect_sync (address,
                                                        G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                        G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                        NULL, error)) == NULL)
    return NULL;
  g_dbus_connection_set_exit_on_close (connection, TRUE);
  return connection;
}

typedef struct
{
  gboolean done;
  gboolean ok;
  GError *error;
} Attaching;

static void
attached (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Attaching *attaching = user_data;

  attaching->ok = north_mcp_dbus_bridge_attach_finish (NORTH_MCP_DBUS_BRIDGE (source), result,
                                                       &attaching->error);
  attaching->done = TRUE;
}

int
main (int    argc,
      char **argv)
{
  g_auto(Options) options = { .introspection_timeout = -1 };
  g_autoptr(GOptionContext) context = option_context (&options);
  g_autoptr(GError) error = NULL;
  Attaching attaching = { 0 };
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(NorthMcpServer) server = NULL;
  g_autoptr(NorthMcpDBusBridge) bridge = NULL;
  g_autofree char *object_path = NULL;
  g_autofree char *title = NULL;

  g_set_prgname ("north-mcp-dbus-bridge");
  /* Debug records (G_MESSAGES_DEBUG) of the attachment, before the server
   * runs, would go to stdout: the stdio transport's. */
  g_log_writer_default_set_use_stderr (TRUE);

  /* --help shows ours, then the server's. */
  for (int i = 1; i < argc; i++)
    if (g_str_equal (argv[i], "--help") || g_str_equal (argv[i], "-h"))
      {
        g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);
        char *server_argv[] = { argv[0], (char *) "--help", NULL };

        fputs (help, stdout);
        server = north_mcp_server_new ("north-mcp-dbus-bridge", PACKAGE_VERSION);
        return north_mcp_server_run (server, 2, server_argv);
      }

  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "%s: %s\n", argv[0], error->message);
      return 1;
    }
  if (options.dest == NULL && options.address == NULL)
    {
      fprintf (stderr, "%s: --dest NAME is required (see --help)\n", argv[0]);
      return 1;
    }
  if (options.dest != NULL && !g_dbus_is_name (options.dest))
    {
      fprintf (stderr, "%s: '%s' is not a D-Bus name\n", argv[0], options.dest);
      return 1;
    }
  object_path = options.object_path != NULL ? g_strdup (options.object_path)
                : options.dest != NULL ? path_from_name (options.dest) : g_strdup ("/");
  if (!g_variant_is_object_path (object_path))
    {
      fprintf (stderr, "%s: '%s' is not an object path\n", argv[0], object_path);
      return 1;
    }
  for (guint i = 0; options.interfaces != NULL && options.interfaces[i] != NULL; i++)
    if (!g_dbus_is_interface_name (options.interfaces[i]))
      {
        fprintf (stderr, "%s: '%s' is not an interface name\n", argv[0], options.interfaces[i]);
        return 1;
      }

  if (options.introspection_timeout != -1 &&
      (options.introspection_timeout < 1 || options.introspection_timeout > 3600000))
    {
      fprintf (stderr, "%s: --introspection-timeout must be from 1 to 3600000 ms\n", argv[0]);
      return 1;
    }

  connection = connect_bus (&options, &error);
  if (connection == NULL)
    {
      fprintf (stderr, "%s: cannot connect to D-Bus: %s\n", argv[0], error->message);
      return 1;
    }

  server = north_mcp_server_new ("north-mcp-dbus-bridge", PACKAGE_VERSION);
  title = g_strdup_printf ("D-Bus: %s %s", options.dest != NULL ? options.dest : "peer", object_path);
  north_mcp_server_set_title (server, title);
  north_mcp_server_set_port (server, 5222);

  bridge = north_mcp_dbus_bridge_new (connection, options.dest, object_path);
  north_mcp_dbus_bridge_set_recursive (bridge, options.recursive);
  if (options.introspection_timeout != -1)
    north_mcp_dbus_bridge_set_introspection_timeout (bridge, options.introspection_timeout);
  for (guint i = 0; options.interfaces != NULL && options.interfaces[i] != NULL; i++)
    north_mcp_dbus_bridge_add_interface (bridge, options.interfaces[i]);
  for (guint i = 0; options.allow != NULL && options.allow[i] != NULL; i++)
    north_mcp_dbus_bridge_allow (bridge, options.allow[i]);
  for (guint i = 0; options.deny != NULL && options.deny[i] != NULL; i++)
    north_mcp_dbus_bridge_deny (bridge, options.deny[i]);

  /* Introspect before serving, so that the first tools/list is complete. */
  north_mcp_dbus_bridge_attach_async (bridge, server, NULL, attached, &attaching);
  while (!attaching.done)
    g_main_context_iteration (NULL, TRUE);
  if (!attaching.ok)
    {
      fprintf (stderr, "%s: %s\n", argv[0], attaching.error->message);
      g_error_free (attaching.error);
      return 1;
    }

  return north_mcp_server_run (server, argc, argv);
}
