/* north-mcp-http-relay-channel.c: the channel of one legacy HTTP+SSE POST
 *
 * The legacy transport answers every POST with 202 and sends what comes
 * back on the session's GET /sse stream. The requests of a POST go on
 * after that answer, keeping what was parsed from its body; a channel of
 * their own, which they hold until they end, keeps that body counted
 * among the bodies held (max-held-body-bytes) meanwhile.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-http-listener-private.h"
#include "north-mcp-http-relay-channel-private.h"

struct _NorthMcpHttpRelayChannel
{
  NorthMcpChannel       parent_instance;

  NorthMcpChannel      *target;
  NorthMcpHttpHeldBody *held;
};

G_DEFINE_FINAL_TYPE (NorthMcpHttpRelayChannel, north_mcp_http_relay_channel, NORTH_MCP_TYPE_CHANNEL)

static void
north_mcp_http_relay_channel_send (NorthMcpChannel *channel,
                                   JsonNode        *message)
{
  north_mcp_channel_send (NORTH_MCP_HTTP_RELAY_CHANNEL (channel)->target, message);
}

static void
north_mcp_http_relay_channel_send_response_text (NorthMcpChannel *channel,
                                                 GString         *text)
{
  north_mcp_channel_send_response_text (NORTH_MCP_HTTP_RELAY_CHANNEL (channel)->target, text);
}

static gboolean
north_mcp_http_relay_channel_can_stream (NorthMcpChannel *channel)
{
  return north_mcp_channel_can_stream (NORTH_MCP_HTTP_RELAY_CHANNEL (channel)->target);
}

/* A listen stream has been read: its body, answered 202 long ago, counts
 * among the bodies held only as much as the stream keeps. */
static void
north_mcp_http_relay_channel_release_request (NorthMcpChannel *channel,
                                              guint64          kept)
{
  NorthMcpHttpRelayChannel *self = NORTH_MCP_HTTP_RELAY_CHANNEL (channel);

  if (self->held != NULL)
    {
      north_mcp_http_held_body_shrink (self->held, kept);
      north_mcp_http_held_body_uncount (self->held);
    }
}

static void
target_closed_cb (NorthMcpChannel *target,
                  NorthMcpChannel *self)
{
  north_mcp_channel_mark_closed (self);
}

NorthMcpChannel *
north_mcp_http_relay_channel_new (NorthMcpHttpListener *listener,
                                  NorthMcpChannel      *target,
                                  SoupServerMessage    *msg)
{
  NorthMcpHttpRelayChannel *self;

  g_return_val_if_fail (listener == NULL || NORTH_MCP_IS_HTTP_LISTENER (listener), NULL);
  g_return_val_if_fail (NORTH_MCP_IS_CHANNEL (target), NULL);
  g_return_val_if_fail (SOUP_IS_SERVER_MESSAGE (msg), NULL);

  self = g_object_new (NORTH_MCP_TYPE_HTTP_RELAY_CHANNEL, NULL);
  self->target = g_object_ref (target);
  self->held = north_mcp_http_listener_keep_body (listener, msg);
  if (north_mcp_channel_is_closed (target))
    north_mcp_channel_mark_closed (NORTH_MCP_CHANNEL (self));
  else
    g_signal_connect_object (target, "closed", G_CALLBACK (target_closed_cb), self, 0);

  return NORTH_MCP_CHANNEL (self);
}

static void
north_mcp_http_relay_channel_finalize (GObject *object)
{
  NorthMcpHttpRelayChannel *self = NORTH_MCP_HTTP_RELAY_CHANNEL (object);

  g_clear_pointer (&self->held, north_mcp_http_held_body_release);
  g_clear_object (&self->target);

  G_OBJECT_CLASS (north_mcp_http_relay_channel_parent_class)->finalize (object);
}

static void
north_mcp_http_relay_channel_class_init (NorthMcpHttpRelayChannelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  NorthMcpChannelClass *channel_class = NORTH_MCP_CHANNEL_CLASS (klass);

  object_class->finalize = north_mcp_http_relay_channel_finalize;
  channel_class->send = north_mcp_http_relay_channel_send;
  channel_class->send_response_text = north_mcp_http_relay_channel_send_response_text;
  channel_class->can_stream = north_mcp_http_relay_channel_can_stream;
  channel_class->release_request = north_mcp_http_relay_channel_release_request;
}

static void
north_mcp_http_relay_channel_init (NorthMcpHttpRelayChannel *self)
{
}
