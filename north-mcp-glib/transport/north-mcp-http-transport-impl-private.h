/* north-mcp-http-transport-impl-private.h: the HTTP transport's state,
 * shared by the files that serve one request
 *
 * A request goes, file by file: north-mcp-http-body-limit.c (early
 * handler: the body's size), north-mcp-http-routes.c (which endpoint),
 * north-mcp-http-headers.c (Origin, Host, Accept, protocol version),
 * north-mcp-http-auth.c (the North user), north-mcp-http-session.c
 * (Mcp-Session-Id), then north-mcp-http-streamable.c or
 * north-mcp-http-legacy-sse.c, which hand the message to the host
 * (north_mcp_transport_host_handle_message()). Answers the transport
 * gives itself are in north-mcp-http-answers.c; sockets in
 * north-mcp-http-socket.c and north-mcp-http-listener.c.
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-http-transport-private.h"
#include "north-mcp-http-listener-private.h"

G_BEGIN_DECLS

#define NORTH_MCP_HTTP_SESSION_HEADER "Mcp-Session-Id"
#define NORTH_MCP_HTTP_PROTOCOL_VERSION_HEADER "MCP-Protocol-Version"

struct _NorthMcpHttpTransport
{
  GObject                    parent_instance;

  NorthMcpTransportHost     *host;       /* weak */
  /* Its functions, looked up once: every request calls them (the
   * north_mcp_transport_host_*() wrappers look them up on each call). */
  NorthMcpTransportHostInterface *host_iface;
  /* The host's settings, read again at the start of each libsoup
   * callback (north_mcp_http_transport_refresh()). */
  NorthMcpTransportSettings  settings;
  SoupServer                *soup;
  NorthMcpHttpListener      *listener;   /* accepts soup's connections */
  char                      *mcp_path;
  GHashTable                *streams;    /* NorthMcpSseStream* -> stream info (session.c) */
  guint                      port;
  guint                      keepalive_ms;
  gboolean                   loopback;
};

/* Reads the host's settings into @self->settings; FALSE when the host is
 * gone (the server was finalized while a request was under way). */
gboolean north_mcp_http_transport_refresh (NorthMcpHttpTransport *self);

G_END_DECLS
