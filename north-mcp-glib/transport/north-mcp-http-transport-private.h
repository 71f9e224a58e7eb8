/* north-mcp-http-transport-private.h: Streamable HTTP, legacy HTTP+SSE,
 * health check and custom routes on one SoupServer
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <libsoup/soup.h>
#include "north-mcp-transport-host-private.h"

G_BEGIN_DECLS

#define NORTH_MCP_TYPE_HTTP_TRANSPORT (north_mcp_http_transport_get_type ())

G_DECLARE_FINAL_TYPE (NorthMcpHttpTransport, north_mcp_http_transport, NORTH_MCP, HTTP_TRANSPORT, GObject)

/* Holds a weak reference on @host; serves on the thread-default main
 * context of the caller. */
NorthMcpHttpTransport *north_mcp_http_transport_new      (NorthMcpTransportHost *host);
/* Listens on @host:@port (port 0: an ephemeral port). */
gboolean               north_mcp_http_transport_listen   (NorthMcpHttpTransport *self,
                                                          const char            *host,
                                                          guint                  port,
                                                          GError               **error);
/* For worker processes (north-mcp-http-socket.c; NorthMcpServer:workers > 1, where listen() uses
 * SO_REUSEPORT): a socket bound, not listening, with SO_REUSEPORT on
 * @host:*@port, which holds the port (port 0: picks one, stored back in
 * @port) until every worker listens. */
GSocket               *north_mcp_http_transport_reserve_port (const char  *host,
                                                              guint       *port,
                                                              GError     **error);
/* The port actually bound, after listen(). */
guint                  north_mcp_http_transport_get_port (NorthMcpHttpTransport *self);
/* Interval of the keep-alive comments on idle SSE streams (0: none);
 * default 15 s. */
void                   north_mcp_http_transport_set_keepalive_interval (NorthMcpHttpTransport *self,
                                                                        guint                  interval_ms);
/* A graceful shutdown (NorthMcpServer:shutdown-timeout): new connections
 * are refused and keep-alive connections end after their next answer;
 * requests in progress go on. is_busy(): whether a request other than a
 * stream (a GET) is still in progress. */
void                   north_mcp_http_transport_drain    (NorthMcpHttpTransport *self);
gboolean               north_mcp_http_transport_is_busy  (NorthMcpHttpTransport *self);
/* Ends open SSE streams and stops listening. */
void                   north_mcp_http_transport_stop     (NorthMcpHttpTransport *self);

G_END_DECLS
