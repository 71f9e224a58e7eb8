/* north-mcp-http-relay-channel-private.h: the channel of one legacy
 * HTTP+SSE POST
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <libsoup/soup.h>

#include "north-mcp-channel-private.h"
#include "north-mcp-http-listener-private.h"

G_BEGIN_DECLS

#define NORTH_MCP_TYPE_HTTP_RELAY_CHANNEL (north_mcp_http_relay_channel_get_type ())

G_DECLARE_FINAL_TYPE (NorthMcpHttpRelayChannel, north_mcp_http_relay_channel, NORTH_MCP,
                      HTTP_RELAY_CHANNEL, NorthMcpChannel)

/* Passes what is sent into it on to @target (the session's GET /sse
 * stream), and is closed when @target is. The POST @msg is answered at
 * once; its body counts among the bodies held for as long as the
 * channel lives, that is until the requests it carried have ended.
 * @listener: the transport's (or NULL), which finds @msg's connection
 * faster (north_mcp_http_listener_keep_body()). */
NorthMcpChannel *north_mcp_http_relay_channel_new (NorthMcpHttpListener *listener,
                                                   NorthMcpChannel      *target,
                                                   SoupServerMessage    *msg);

G_END_DECLS
