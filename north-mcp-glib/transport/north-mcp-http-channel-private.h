/* north-mcp-http-channel-private.h: the response to one Streamable HTTP
 * POST, as one JSON body or as an SSE stream
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <libsoup/soup.h>
#include "north-mcp-channel-private.h"
#include "north-mcp-http-client-address-private.h"
#include "north-mcp-http-listener-private.h"
#include "north-mcp-session.h"
#include "north-mcp-sse-stream-private.h"

G_BEGIN_DECLS

#define NORTH_MCP_TYPE_HTTP_CHANNEL (north_mcp_http_channel_get_type ())

G_DECLARE_FINAL_TYPE (NorthMcpHttpChannel, north_mcp_http_channel, NORTH_MCP, HTTP_CHANNEL, NorthMcpChannel)

/* @sse: answer with `text/event-stream` (notifications and requests can
 * flow before the responses) instead of one `application/json` body.
 * @batch: the POST carried a JSON array, so a JSON answer is an array.
 * @listener: the transport's (or NULL), which finds @message's
 * connection faster (north_mcp_http_listener_keep_body()).
 * @trusted_proxies: the settings' (or NULL), for the client's address
 * (north_mcp_channel_dup_peer()); the channel keeps a reference. */
NorthMcpHttpChannel *north_mcp_http_channel_new           (NorthMcpHttpListener *listener,
                                                           SoupServerMessage   *message,
                                                           NorthMcpTrustedProxies *trusted_proxies,
                                                           gboolean             sse,
                                                           gboolean             batch,
                                                           guint                keepalive_ms);
/* Tells the channel how many responses the dispatcher will send. When they
 * all arrived already, the answer is set on the message right away (no
 * pause, no chunked encoding); otherwise the message is paused or streamed
 * until the last one arrives. */
void                 north_mcp_http_channel_expect        (NorthMcpHttpChannel *self,
                                                           guint                n_responses);
/* Picks the HTTP status of a response sent as a whole (JSON, or the lone
 * response of an event stream); without one, 200. */
typedef guint (*NorthMcpHttpStatusFunc) (JsonNode *response);
void                 north_mcp_http_channel_set_status_func (NorthMcpHttpChannel    *self,
                                                             NorthMcpHttpStatusFunc  func);
/* How much of an SSE answer's events may wait before it starts (while
 * its handler has not returned, so no client can read them): past
 * @max_unsent bytes (the server's max-unsent-bytes), the notifications
 * sent meanwhile are dropped and its requests to the client refused
 * (north_mcp_channel_is_full()); responses are kept. */
void                 north_mcp_http_channel_set_max_unsent (NorthMcpHttpChannel *self,
                                                            guint64              max_unsent);
/* Makes the SSE answer resumable (2025-11-25 sessions): a priming event
 * with an id and `retry` first, ids on every event, kept in @session's
 * event store; the stream survives the end of its connection until the
 * response (see north_mcp_channel_close_stream()). */
void                 north_mcp_http_channel_enable_resumption (NorthMcpHttpChannel *self,
                                                               NorthMcpSession     *session,
                                                               guint                retry_ms);
/* Continues a detached stream on @stream (a GET with Last-Event-ID, after
 * the replay). FALSE when the channel is not waiting for a resumption. */
gboolean             north_mcp_http_channel_resume        (NorthMcpHttpChannel *self,
                                                           NorthMcpSseStream   *stream);
/* The first response received so far, or NULL. */
JsonNode            *north_mcp_http_channel_peek_response (NorthMcpHttpChannel *self);

G_END_DECLS
