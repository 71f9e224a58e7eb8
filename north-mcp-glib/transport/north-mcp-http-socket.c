/* north-mcp-http-socket.c: the listening sockets of the HTTP transport
 *
 * Made here rather than by soup_server_listen(): for their backlog, and
 * for SO_REUSEPORT when several worker processes share one port.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <linux/sockios.h>
#include <linux/tcp.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "north-mcp-error.h"
#include "north-mcp-http-socket-private.h"
#include "north-mcp-http-transport-private.h"
#include "north-mcp-log-private.h"

#define LOGGER "NorthMCP.HTTP"

gboolean
north_mcp_http_host_is_loopback (const char *host)
{
  g_autoptr(GInetAddress) address = NULL;

  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;

  address = g_inet_address_new_from_string (host);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

GInetAddress *
north_mcp_http_parse_listen_host (const char  *host,
                                  GError     **error)
{
  GInetAddress *inet;

  if (g_ascii_strcasecmp (host, "localhost") == 0)
    inet = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  else
    inet = g_inet_address_new_from_string (host);

  if (inet == NULL)
    g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT,
                 "Cannot listen on “%s”: not an IP address", host);

  return inet;
}

GSocket *
north_mcp_http_reuseport_socket_new (GInetAddress  *inet,
                                     guint          port,
                                     gboolean       listen,
                                     GError       **error)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  struct sockaddr_storage native;

  socket = g_socket_new (g_inet_address_get_family (inet), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL ||
      !g_socket_set_option (socket, SOL_SOCKET, SO_REUSEPORT, 1, error))
    return NULL;

  /* Not g_socket_bind(): it clears SO_REUSEPORT on stream sockets. */
  address = g_inet_socket_address_new (inet, port);
  if (!g_socket_address_to_native (address, &native, sizeof native, error))
    return NULL;
  if (bind (g_socket_get_fd (socket), (struct sockaddr *) &native,
            g_socket_address_get_native_size (address)) != 0)
    {
      int saved_errno = errno;
      g_autofree char *name = g_inet_address_to_string (inet);

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Cannot bind to %s port %u: %s", name, port, g_strerror (saved_errno));
      return NULL;
    }

  if (listen)
    {
      g_socket_set_listen_backlog (socket, SOMAXCONN);
      if (!g_socket_listen (socket, error))
        return NULL;
    }

  return g_steal_pointer (&socket);
}

GSocket *
north_mcp_http_transport_reserve_port (const char  *host,
                                       guint       *port,
                                       GError     **error)
{
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) local = NULL;

  g_return_val_if_fail (port != NULL && *port <= G_MAXUINT16, NULL);

  inet = north_mcp_http_parse_listen_host (host != NULL ? host : "127.0.0.1", error);
  if (inet == NULL)
    return NULL;

  /* Bound, not listening: it holds the port without taking connections. */
  socket = north_mcp_http_reuseport_socket_new (inet, *port, FALSE, error);
  if (socket == NULL)
    return NULL;

  local = g_socket_get_local_address (socket, error);
  if (local == NULL)
    return NULL;

  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  return g_steal_pointer (&socket);
}

/* A plain listening socket. Made here rather than by soup_server_listen()
 * for its backlog: GSocket's default of 10 resets connections when more
 * clients than that connect at once. */
GSocket *
north_mcp_http_listening_socket_new (GInetAddress  *inet,
                                     guint          port,
                                     GError       **error)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = NULL;

  socket = g_socket_new (g_inet_address_get_family (inet), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return NULL;

  address = g_inet_socket_address_new (inet, port);
  g_socket_set_listen_backlog (socket, SOMAXCONN);
  if (!g_socket_bind (socket, address, TRUE, error) || !g_socket_listen (socket, error))
    return NULL;

  return g_steal_pointer (&socket);
}

/* The port the server's first listener is bound to. Not through
 * soup_server_get_uris(): libsoup 3.2 leaks an address on each call. */
guint
north_mcp_http_bound_port (SoupServer *soup,
                           guint       fallback)
{
  g_autoptr(GSList) listeners = soup_server_get_listeners (soup);
  g_autoptr(GSocketAddress) address = NULL;

  if (listeners == NULL)
    return fallback;

  address = g_socket_get_local_address (listeners->data, NULL);
  if (address == NULL || !G_IS_INET_SOCKET_ADDRESS (address))
    return fallback;

  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address));
}

void
north_mcp_http_raise_fd_limit (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      struct rlimit limit;

      /* Each connection is a descriptor: the usual soft limit of 1024
       * is far below what a server meets; the hard limit is what the
       * administrator allows. */
      if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max)
        {
          limit.rlim_cur = limit.rlim_max;
          if (setrlimit (RLIMIT_NOFILE, &limit) != 0)
            north_mcp_log_warning (LOGGER, "Cannot raise the limit of open files: %s",
                                   g_strerror (errno));
        }
      g_once_init_leave (&once, 1);
    }
}

gboolean
north_mcp_http_socket_output_stalled (GSocket *socket,
                                      guint64 *acked)
{
  int fd = g_socket_get_fd (socket);
  struct tcp_info info;
  socklen_t length = sizeof info;
  int unsent = 0;
  gboolean stalled;

  memset (&info, 0, sizeof info);
  if (ioctl (fd, SIOCOUTQ, &unsent) != 0 ||
      getsockopt (fd, IPPROTO_TCP, TCP_INFO, &info, &length) != 0 ||
      length < G_STRUCT_OFFSET (struct tcp_info, tcpi_bytes_acked) + sizeof info.tcpi_bytes_acked)
    return FALSE;

  stalled = unsent > 0 && info.tcpi_bytes_acked == *acked;
  *acked = info.tcpi_bytes_acked;
  return stalled;
}

gboolean
north_mcp_http_socket_body_too_slow (GSocket *socket,
                                     gint64  *since,
                                     guint64 *received,
                                     guint    timeout,
                                     gint64   now)
{
  int fd = g_socket_get_fd (socket);
  struct tcp_info info;
  socklen_t length = sizeof info;

  memset (&info, 0, sizeof info);
  if (getsockopt (fd, IPPROTO_TCP, TCP_INFO, &info, &length) != 0 ||
      length < G_STRUCT_OFFSET (struct tcp_info, tcpi_bytes_received) + sizeof info.tcpi_bytes_received)
    return FALSE;

  if (*since == 0)
    {
      /* First look: the window starts now. */
      *since = now;
      *received = info.tcpi_bytes_received;
      return FALSE;
    }
  if (now - *since < (gint64) timeout * G_USEC_PER_SEC)
    return FALSE;

  if (info.tcpi_bytes_received - *received < (guint64) timeout * NORTH_MCP_HTTP_MIN_BODY_RATE)
    return TRUE;
  *since = now;
  *received = info.tcpi_bytes_received;
  return FALSE;
}
