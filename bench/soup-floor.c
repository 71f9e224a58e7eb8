/* soup-floor.c: the libsoup 3 floor for the benchmark.
 *
 * A bare SoupServer that answers every POST /mcp with a fixed JSON-RPC result
 * of the same shape our `add` tool returns, and nothing else: no JSON parsing,
 * no MCP. Whatever a libsoup-based MCP server does costs time on top of this.
 *
 *   soup-floor [--port N]     (0 = ephemeral; prints the URL to stderr)
 *
 * Built by bench/run.sh with cc + pkg-config; not part of the meson build.
 */
#include <glib-unix.h>
#include <libsoup/soup.h>
#include <stdlib.h>
#include <string.h>

static const char body[] =
  "{\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"5\"}]},"
  "\"jsonrpc\":\"2.0\",\"id\":1}";

static void
on_mcp (SoupServer        *server,
        SoupServerMessage *msg,
        const char        *path,
        GHashTable        *query,
        gpointer           user_data)
{
  (void) server; (void) path; (void) query; (void) user_data;

  if (soup_server_message_get_method (msg) != SOUP_METHOD_POST)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
      return;
    }
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC,
                                    body, sizeof body - 1);
}

static gboolean
on_signal (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  guint port = 0;
  g_autoptr(GError) error = NULL;

  for (int i = 1; i < argc; i++)
    if (strcmp (argv[i], "--port") == 0 && i + 1 < argc)
      port = (guint) atoi (argv[++i]);

  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(SoupServer) server = soup_server_new ("server-header", "soup-floor", NULL);
  soup_server_add_handler (server, "/mcp", on_mcp, NULL, NULL);

  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, port);
  if (!soup_server_listen (server, addr, 0, &error))
    {
      g_printerr ("soup-floor: %s\n", error->message);
      return 1;
    }

  GSList *uris = soup_server_get_uris (server);
  GUri *uri = uris->data;
  g_printerr ("listening on http://127.0.0.1:%d/mcp\n", g_uri_get_port (uri));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_unix_signal_add (SIGTERM, on_signal, loop);
  g_unix_signal_add (SIGINT, on_signal, loop);
  g_main_loop_run (loop);
  return 0;
}
