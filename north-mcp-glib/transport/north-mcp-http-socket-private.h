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

/* The kernel's TCP_INFO of a connection's @socket (FALSE when it has
 * none). Output stalled: output waits in it and the client acknowledged
 * none of it since *@acked, the count of the last look (updated): it does
 * not read (its window is shut). */
gboolean      north_mcp_http_socket_output_stalled (GSocket       *socket,
                                                    guint64       *acked);
/* Bytes per second a request body must arrive at, on average over each
 * idle timeout, once its headers are in: far below any real client, far
 * above a body sent a byte now and then to hold the connection. */
#define NORTH_MCP_HTTP_MIN_BODY_RATE 1024
/* For a connection whose request headers are in but not all of its body:
 * TRUE when, over the last @timeout seconds, the client sent less than
 * NORTH_MCP_HTTP_MIN_BODY_RATE bytes per second (nothing at all, or a
 * trickle that would hold the connection, and up to a whole body in
 * memory, for hours). The kernel's count of bytes received measures it,
 * whoever reads them, from *@since (0: from now on) when it was
 * *@received (both updated as the windows pass). */
gboolean      north_mcp_http_socket_body_too_slow  (GSocket       *socket,
                                                    gint64        *since,
                                                    guint64       *received,
                                                    guint          timeout,
                                                    gint64         now);

G_END_DECLS
