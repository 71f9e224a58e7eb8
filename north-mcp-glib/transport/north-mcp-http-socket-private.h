/* north-mcp-http-socket-private.h: the listening sockets of the HTTP
 * transport
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* Whether @host is "localhost" or a loopback address. */
gboolean      north_mcp_http_host_is_loopback      (const char    *host);
/* The address of @host, an IP address or "localhost" (IPv4 loopback);
 * NULL and NORTH_MCP_ERROR_INVALID_ARGUMENT for a name. */
GInetAddress *north_mcp_http_parse_listen_host     (const char    *host,
                                                    GError       **error);
/* A TCP socket with SO_REUSEPORT bound to @inet:@port, listening or not
 * (worker processes share the port). */
GSocket      *north_mcp_http_reuseport_socket_new  (GInetAddress  *inet,
                                                    guint          port,
                                                    gboolean       listen,
                                                    GError       **error);
/* A plain listening socket on @inet:@port, with a backlog of SOMAXCONN. */
GSocket      *north_mcp_http_listening_socket_new  (GInetAddress  *inet,
                                                    guint          port,
                                                    GError       **error);
/* The port @soup's first listener is bound to, else @fallback. */
guint         north_mcp_http_bound_port            (SoupServer    *soup,
                                                    guint          fallback);

/* Raises the soft RLIMIT_NOFILE of the process to its hard limit (once):
 * each connection is a descriptor. */
void          north_mcp_http_raise_fd_limit        (void);

G_END_DECLS
