/* test-listen-socket.c: north_mcp_server_listen_socket(), the sockets a
 * server serves instead of binding host and port (socket activation)
 *
 * SPDX-License-Identifier: MIT
 */
#include <north-mcp.h>

#include "test-http-client.h"

static GSocket *
bound_socket (const char     *address,
              GSocketType     type,
              GSocketProtocol protocol)
{
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (address);
  g_autoptr(GSocketAddress) local = g_inet_socket_address_new (inet, 0);
  g_autoptr(GError) error = NULL;
  GSocket *socket = g_socket_new (g_inet_address_get_family (inet), type, protocol, &error);

  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, local, TRUE, &error));
  g_assert_no_error (error);
  return socket;
}

static guint
port_of (GSocket *socket)
{
  g_autoptr(GSocketAddress) local = g_socket_get_local_address (socket, NULL);

  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
}

/* A bound socket that does not listen yet is made to listen, served, and
 * names the server's host and port. */
static void
test_serves_socket (void)
{
  g_autoptr(NorthMcpServer) server = north_mcp_server_new ("listen-socket", "1.0");
  g_autoptr(GSocket) socket = bound_socket ("127.0.0.1", G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  guint port = port_of (socket);

  /* The port the server would bind otherwise is taken by nobody here:
   * serving it would be a mistake the assertions below catch. */
  north_mcp_server_set_port (server, 1);
  g_assert_true (north_mcp_server_listen_socket (server, socket, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (north_mcp_server_get_host (server), ==, "127.0.0.1");
  g_assert_cmpuint (north_mcp_server_get_port (server), ==, port);

  g_assert_true (north_mcp_server_start (server, NORTH_MCP_TRANSPORT_STREAMABLE_HTTP, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (north_mcp_server_get_bound_port (server), ==, port);

  /* Once running, no more sockets. */
  {
    g_autoptr(GSocket) other = bound_socket ("127.0.0.1", G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP);
    g_autoptr(GError) late = NULL;

    g_assert_false (north_mcp_server_listen_socket (server, other, &late));
    g_assert_error (late, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED);
  }

  url = g_strdup_printf ("http://127.0.0.1:%u/health", port);
  msg = soup_message_new ("GET", url);
  body = test_http_send_and_read (session, msg);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body), "OK", 2);

  north_mcp_server_stop (server);
  /* Stopping closes it, as documented. */
  g_assert_true (g_socket_is_closed (socket));
  soup_session_abort (session);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* What cannot be served is refused, with the configuration error. */
static void
test_refuses_sockets (void)
{
  g_autoptr(NorthMcpServer) server = north_mcp_server_new ("listen-socket", "1.0");
  g_autoptr(GSocket) udp = bound_socket ("127.0.0.1", G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP);
  g_autoptr(GSocket) unbound = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                             G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *host = g_strdup (north_mcp_server_get_host (server));
  guint port = north_mcp_server_get_port (server);

  g_assert_false (north_mcp_server_listen_socket (server, udp, &error));
  g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_CONFIGURATION);
  g_clear_error (&error);
  g_assert_false (north_mcp_server_listen_socket (server, unbound, &error));
  g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_CONFIGURATION);
  /* Nothing was taken. */
  g_assert_cmpstr (north_mcp_server_get_host (server), ==, host);
  g_assert_cmpuint (north_mcp_server_get_port (server), ==, port);
}

/* Several loopback sockets (IPv4 and IPv6): the first names the host.
 * (Tests bind loopback addresses only, so a public socket's precedence
 * is not exercised here.) */
static void
test_first_socket_names_the_host (void)
{
  g_autoptr(NorthMcpServer) server = north_mcp_server_new ("listen-socket", "1.0");
  g_autoptr(GSocket) ipv4 = bound_socket ("127.0.0.1", G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP);
  g_autoptr(GSocket) ipv6 = bound_socket ("::1", G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP);
  g_autoptr(GError) error = NULL;

  g_assert_true (north_mcp_server_listen_socket (server, ipv6, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (north_mcp_server_get_host (server), ==, "::1");
  g_assert_cmpuint (north_mcp_server_get_port (server), ==, port_of (ipv6));
  g_assert_true (north_mcp_server_listen_socket (server, ipv4, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (north_mcp_server_get_host (server), ==, "::1");
  g_assert_cmpuint (north_mcp_server_get_port (server), ==, port_of (ipv6));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/deploy/listen-socket/serves", test_serves_socket);
  g_test_add_func ("/deploy/listen-socket/refuses", test_refuses_sockets);
  g_test_add_func ("/deploy/listen-socket/first-names-host", test_first_socket_names_the_host);

  return g_test_run ();
}
