/* north-mcp-channel-private.h: where the server's messages for one client go
 *
 * A channel is what a transport hands the dispatcher together with each
 * incoming message: the dispatcher sends responses, notifications and
 * server-to-client requests into it and never sees sockets or HTTP.
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* How deep a result sent as text may nest to reach a channel that takes
 * trees (see north_mcp_channel_real_send_response_text()); a task keeps
 * results as deep. */
#define NORTH_MCP_CHANNEL_MAX_TEXT_DEPTH 1024

#define NORTH_MCP_TYPE_CHANNEL (north_mcp_channel_get_type ())

G_DECLARE_DERIVABLE_TYPE (NorthMcpChannel, north_mcp_channel, NORTH_MCP, CHANNEL, GObject)

struct _NorthMcpChannelClass
{
  GObjectClass parent_class;

  /* Queue one complete JSON-RPC message. Always called on the server's
   * main context. */
  void     (*send)       (NorthMcpChannel *self,
                          JsonNode        *message);
  /* Whether notifications and requests can be sent before the final
   * response (SSE, stdio), as opposed to a single JSON body. */
  gboolean (*can_stream) (NorthMcpChannel *self);
  /* Optional: the response to request @id will never be sent (the request
   * was cancelled), so a channel counting responses stops waiting. */
  void     (*skip_response) (NorthMcpChannel *self,
                             JsonNode        *id);
  /* Ends the transport's stream of a request without ending the request,
   * for the client to resume it later (SSE polling). Optional; FALSE when
   * the channel cannot. */
  gboolean (*close_stream) (NorthMcpChannel *self);
  /* Optional: queue one successful response that is already serialised
   * as compact JSON; takes @text. The common answer then never exists as
   * a JsonNode tree. Without it, the text is read back and sent. */
  void     (*send_response_text) (NorthMcpChannel *self,
                                  GString         *text);
  /* Optional: the request has been read into what its handler keeps,
   * about @kept bytes, and will run long (a listen stream): the transport
   * may let go of the request as it arrived, and count only @kept. */
  void     (*release_request) (NorthMcpChannel *self,
                               guint64          kept);
  /* Optional: what the transport keeps for the request for as long as
   * its answer is a stream, beyond what any stream keeps (libsoup's
   * buffer of a large request head): counted with a long-lived stream (a
   * listen), which the transport does not count. */
  guint64  (*stream_cost) (NorthMcpChannel *self);
  /* Optional: the address the client connects from, without its port
   * (what tells clients apart when nothing else does; an IPv6 address as
   * its /64, which one client may pick addresses from), or NULL. */
  char    *(*dup_peer) (NorthMcpChannel *self);
  /* Optional: TRUE when what waits in memory for the client has passed
   * the transport's bound, so that a request sent now would add to it
   * beyond (an SSE answer whose handler has not returned:
   * max-unsent-bytes). The request is then refused, not queued. */
  gboolean (*is_full) (NorthMcpChannel *self);
};

void          north_mcp_channel_send            (NorthMcpChannel *self,
                                                 JsonNode        *message);
/* A successful response serialised by the caller (one line of compact
 * JSON, as north_mcp_json_write() makes); takes @text. */
void          north_mcp_channel_send_response_text (NorthMcpChannel *self,
                                                    GString         *text);
gboolean      north_mcp_channel_can_stream      (NorthMcpChannel *self);
/* Called instead of send() for a request that is not answered. */
void          north_mcp_channel_skip_response   (NorthMcpChannel *self,
                                                 JsonNode        *id);
gboolean      north_mcp_channel_is_closed       (NorthMcpChannel *self);
/* Called by the implementation when the peer went away; emits ::closed and
 * cancels the channel's cancellable. */
void          north_mcp_channel_mark_closed     (NorthMcpChannel *self);
GCancellable *north_mcp_channel_get_cancellable (NorthMcpChannel *self);
gboolean      north_mcp_channel_close_stream    (NorthMcpChannel *self);
void          north_mcp_channel_release_request (NorthMcpChannel *self,
                                                 guint64          kept);
guint64       north_mcp_channel_get_stream_cost (NorthMcpChannel *self);
/* The client's address (transfer full), NULL when the channel has none. */
char         *north_mcp_channel_dup_peer        (NorthMcpChannel *self);
gboolean      north_mcp_channel_is_full         (NorthMcpChannel *self);

G_END_DECLS
