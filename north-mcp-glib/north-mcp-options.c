/* north-mcp-options.c: north_mcp_server_run(), the command line every
 * server shares
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <glib-unix.h>

#include "north-mcp-auth.h"
#include "north-mcp-error.h"
#include "north-mcp-server-private.h"

typedef struct
{
  char     *transport;
  char     *host;
  int       port;
  gboolean  stateless;
  gboolean  stateful;
  gboolean  debug;
  char     *server_secret;
  char    **trusted_issuers;
  gboolean  require_auth;
  char     *audience;
} Options;

static void
options_clear (Options *options)
{
  g_free (options->transport);
  g_free (options->host);
  if (options->server_secret != NULL)
    memset (options->server_secret, 0, strlen (options->server_secret));
  g_free (options->server_secret);
  g_strfreev (options->trusted_issuers);
  g_free (options->audience);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Options, options_clear)

static gboolean
parse_transport (const char             *name,
                 NorthMcpTransportKind  *kind,
                 GError                **error)
{
  if (name == NULL || g_str_equal (name, "streamable-http"))
    *kind = NORTH_MCP_TRANSPORT_STREAMABLE_HTTP;
  else if (g_str_equal (name, "stdio"))
    *kind = NORTH_MCP_TRANSPORT_STDIO;
  else if (g_str_equal (name, "sse"))
    *kind = NORTH_MCP_TRANSPORT_SSE;
  else
    {
      g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_CONFIGURATION,
                   "Unknown transport '%s': use stdio, streamable-http or sse", name);
      return FALSE;
    }

  return TRUE;
}

static gboolean
parse_options (NorthMcpServer         *self,
               Options                *options,
               int                    *argc,
               char                 ***argv,
               GError                **error)
{
  GOptionEntry entries[] = {
    { "transport", 't', 0, G_OPTION_ARG_STRING, &options->transport,
      "How to serve: stdio, streamable-http (default) or sse", "NAME" },
    { "host", 0, 0, G_OPTION_ARG_STRING, &options->host,
      "Address to listen on (default 127.0.0.1)", "HOST" },
    { "port", 'p', 0, G_OPTION_ARG_INT, &options->port,
      "Port to listen on; 0 picks a free one", "PORT" },
    { "stateless", 0, 0, G_OPTION_ARG_NONE, &options->stateless,
      "Stateless JSON mode: no sessions, JSON responses (what North uses)", NULL },
    { "stateful", 0, 0, G_OPTION_ARG_NONE, &options->stateful,
      "Stateful sessions with SSE responses (the default)", NULL },
    { "debug", 0, 0, G_OPTION_ARG_NONE, &options->debug,
      "Log authentication and requests in detail on stderr", NULL },
    { "server-secret", 0, 0, G_OPTION_ARG_STRING, &options->server_secret,
      "Require North to send this server secret", "SECRET" },
    { "trusted-issuer", 0, 0, G_OPTION_ARG_STRING_ARRAY, &options->trusted_issuers,
      "Verify ID tokens signed by this OIDC issuer (repeatable)", "URL" },
    { "require-auth", 0, 0, G_OPTION_ARG_NONE, &options->require_auth,
      "Reject requests without North credentials", NULL },
    { "audience", 0, 0, G_OPTION_ARG_STRING, &options->audience,
      "Require ID tokens for this audience", "AUD" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autofree char *summary = NULL;

  options->port = (int) north_mcp_server_get_port (self);

  context = g_option_context_new (NULL);
  summary = g_strdup_printf ("%s %s: an MCP server", north_mcp_server_get_name (self),
                             north_mcp_server_get_version (self));
  g_option_context_set_summary (context, summary);
  g_option_context_add_main_entries (context, entries, NULL);

  if (!g_option_context_parse (context, argc, argv, error))
    return FALSE;

  if (options->stateless && options->stateful)
    {
      g_set_error_literal (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_CONFIGURATION,
                           "--stateless and --stateful exclude each other");
      return FALSE;
    }

  if (options->port < 0 || options->port > 65535)
    {
      g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_CONFIGURATION,
                   "Invalid port %d: use 0 to 65535", options->port);
      return FALSE;
    }

  return TRUE;
}

static void
apply_options (NorthMcpServer *self,
               Options        *options)
{
  NorthMcpAuth *auth = north_mcp_server_get_auth (self);

  if (options->host != NULL)
    north_mcp_server_set_host (self, options->host);
  north_mcp_server_set_port (self, (guint) options->port);
  if (options->stateless)
    north_mcp_server_set_stateless (self, TRUE);
  if (options->stateful)
    north_mcp_server_set_stateless (self, FALSE);
  if (options->debug)
    north_mcp_server_set_debug (self, TRUE);
  if (options->server_secret != NULL)
    north_mcp_auth_set_server_secret (auth, options->server_secret);
  if (options->trusted_issuers != NULL)
    north_mcp_auth_set_trusted_issuers (auth, (const char * const *) options->trusted_issuers);
  if (options->require_auth)
    north_mcp_auth_set_require_auth (auth, TRUE);
  if (options->audience != NULL)
    north_mcp_auth_set_audience (auth, options->audience);
}

static gboolean
quit_on_signal (gpointer user_data)
{
  NorthMcpServer *self = user_data;

  north_mcp_server_debug (self, "Shutting down");
  north_mcp_server_stop (self);
  return G_SOURCE_CONTINUE;
}

static void
print_listening (NorthMcpServer        *self,
                 NorthMcpTransportKind  transport)
{
  const char *host = north_mcp_server_get_host (self);
  gboolean ipv6 = strchr (host, ':') != NULL;

  /* Tests and scripts read this line to find an ephemeral port. */
  fprintf (stderr, "listening on http://%s%s%s:%u%s\n",
           ipv6 ? "[" : "", host, ipv6 ? "]" : "",
           north_mcp_server_get_bound_port (self),
           transport == NORTH_MCP_TRANSPORT_SSE ? "/sse" : "/mcp");
  fflush (stderr);
}

/**
 * north_mcp_server_run:
 * @self: a server
 * @argc: the number of arguments
 * @argv: (array length=argc) (element-type utf8) (nullable): the command
 *   line, program name first
 *
 * Parses the command line every North MCP server shares, starts serving
 * and runs a main loop until SIGINT or SIGTERM, or until standard input
 * ends for the stdio transport. Options:
 *
 * - `--transport stdio|streamable-http|sse` (default `streamable-http`)
 * - `--host HOST` (default `127.0.0.1`), `--port PORT` (default
 *   #NorthMcpServer:port; `0` picks a free one)
 * - `--stateless` (JSON responses, no sessions) or `--stateful` (default)
 * - `--debug` (also the `DEBUG` environment variable)
 * - `--server-secret SECRET`, `--trusted-issuer URL` (repeatable),
 *   `--require-auth`, `--audience AUD`
 *
 * HTTP transports print `listening on http://HOST:PORT/mcp` on standard
 * error once they listen.
 *
 * Returns: the exit status for main(): 0 after a clean shutdown, 1 when
 *   the options are wrong or the server cannot start
 */
int
north_mcp_server_run (NorthMcpServer  *self,
                      int              argc,
                      char           **argv)
{
  g_auto(Options) options = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_auto(GStrv) args = NULL;
  int args_count;
  NorthMcpTransportKind transport;
  guint sigint, sigterm;

  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), 1);

  /* Parse a copy: GOptionContext rearranges the vector it is given. Copy
   * @argc entries: bindings pass arrays that are not NULL-terminated. */
  args_count = argv != NULL ? MAX (argc, 0) : 0;
  args = g_new0 (char *, args_count + 1);
  for (int i = 0; i < args_count; i++)
    args[i] = g_strdup (argv[i]);
  if (args_count == 0)
    {
      g_strfreev (args);
      args = g_new0 (char *, 2);
      args[0] = g_strdup (north_mcp_server_get_name (self));
      args_count = 1;
    }

  {
    /* g_option_context_parse() may remove entries from the vector: keep
     * the original pointers to free them. */
    g_autofree char **view = g_memdup2 (args, sizeof (char *) * (args_count + 1));
    char **view_pointer = view;

    if (!parse_options (self, &options, &args_count, &view_pointer, &error) ||
        !parse_transport (options.transport, &transport, &error))
      {
        fprintf (stderr, "%s: %s\n", args[0], error->message);
        return 1;
      }
  }

  apply_options (self, &options);

  if (!north_mcp_server_start (self, transport, &error))
    {
      fprintf (stderr, "%s: cannot start: %s\n", args[0], error->message);
      return 1;
    }

  if (transport != NORTH_MCP_TRANSPORT_STDIO)
    print_listening (self, transport);

  loop = g_main_loop_new (north_mcp_server_get_main_context (self), FALSE);
  _north_mcp_server_set_loop (self, loop);
  sigint = g_unix_signal_add (SIGINT, quit_on_signal, self);
  sigterm = g_unix_signal_add (SIGTERM, quit_on_signal, self);

  g_main_loop_run (loop);

  g_source_remove (sigint);
  g_source_remove (sigterm);
  _north_mcp_server_set_loop (self, NULL);
  north_mcp_server_stop (self);

  return 0;
}
