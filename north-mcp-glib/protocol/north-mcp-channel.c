/* north-mcp-channel.c: base class of the transports' outgoing channels
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-channel-private.h"
#include "north-mcp-error.h"
#include "north-mcp-json-reader-private.h"
#include "north-mcp-jsonrpc-private.h"

typedef struct
{
  GCancellable *cancellable;
  gboolean      closed;
} NorthMcpChannelPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (NorthMcpChannel, north_mcp_channel, G_TYPE_OBJECT)

enum {
  CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static gboolean
north_mcp_channel_real_can_stream (NorthMcpChannel *self)
{
  return FALSE;
}

/* Channels that only take trees (the tests' own: a task's context and a
 * read of the server's own resource answer with trees, batches keep the
 * text): read the text back. It is our writer's output, which a handler's result may
 * make larger than what a client may send (a map of thousands of
 * members): read it without those bounds. Only a result nested deeper than
 * the reader recurses is not read back; it is answered with an error
 * rather than dropped, which would leave its request unanswered. */
static void
north_mcp_channel_real_send_response_text (NorthMcpChannel *self,
                                           GString         *text)
{
  g_autoptr(JsonNode) message = north_mcp_json_read_own (text->str, text->len,
                                                         NORTH_MCP_CHANNEL_MAX_TEXT_DEPTH, NULL);

  if (message == NULL)
    {
      g_autoptr(JsonNode) id = north_mcp_jsonrpc_read_result_text_id (text->str, text->len);

      message = north_mcp_jsonrpc_error_new (id, NORTH_MCP_JSONRPC_ERROR_INTERNAL_ERROR,
                                             "Internal error: the result is nested more than "
                                             G_STRINGIFY (NORTH_MCP_CHANNEL_MAX_TEXT_DEPTH)
                                             " levels deep", NULL);
    }
  g_string_free (text, TRUE);
  NORTH_MCP_CHANNEL_GET_CLASS (self)->send (self, message);
}

static void
north_mcp_channel_finalize (GObject *object)
{
  NorthMcpChannel *self = NORTH_MCP_CHANNEL (object);
  NorthMcpChannelPrivate *priv = north_mcp_channel_get_instance_private (self);

  g_clear_object (&priv->cancellable);

  G_OBJECT_CLASS (north_mcp_channel_parent_class)->finalize (object);
}

static void
north_mcp_channel_class_init (NorthMcpChannelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = north_mcp_channel_finalize;
  klass->can_stream = north_mcp_channel_real_can_stream;
  klass->send_response_text = north_mcp_channel_real_send_response_text;

  /* Emitted once, when the peer went away or the transport ended. */
  signals[CLOSED] = g_signal_new ("closed",
                                  G_TYPE_FROM_CLASS (klass),
                                  G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL,
                                  G_TYPE_NONE, 0);
}

static void
north_mcp_channel_init (NorthMcpChannel *self)
{
  /* The cancellable is made on demand: most channels (one per HTTP
   * POST) never hand it out. */
}

void
north_mcp_channel_send (NorthMcpChannel *self,
                        JsonNode        *message)
{
  NorthMcpChannelPrivate *priv = north_mcp_channel_get_instance_private (self);

  g_return_if_fail (NORTH_MCP_IS_CHANNEL (self));
  g_return_if_fail (message != NULL);

  /* Whatever is sent after the peer left has nowhere to go. */
  if (priv->closed)
    return;

  NORTH_MCP_CHANNEL_GET_CLASS (self)->send (self, message);
}

void
north_mcp_channel_send_response_text (NorthMcpChannel *self,
                                      GString         *text)
{
  NorthMcpChannelPrivate *priv = north_mcp_channel_get_instance_private (self);

  g_return_if_fail (NORTH_MCP_IS_CHANNEL (self));
  g_return_if_fail (text != NULL);

  if (priv->closed)
    {
      g_string_free (text, TRUE);
      return;
    }

  NORTH_MCP_CHANNEL_GET_CLASS (self)->send_response_text (self, text);
}

void
north_mcp_channel_skip_response (NorthMcpChannel *self,
                                 JsonNode        *id)
{
  NorthMcpChannelPrivate *priv = north_mcp_channel_get_instance_private (self);

  g_return_if_fail (NORTH_MCP_IS_CHANNEL (self));

  if (!priv->closed && NORTH_MCP_CHANNEL_GET_CLASS (self)->skip_response != NULL)
    NORTH_MCP_CHANNEL_GET_CLASS (self)->skip_response (self, id);
}

gboolean
north_mcp_channel_can_stream (NorthMcpChannel *self)
{
  NorthMcpChannelPrivate *priv = north_mcp_channel_get_instance_private (self);

  g_return_val_if_fail (NORTH_MCP_IS_CHANNEL (self), FALSE);

  return !priv->closed && NORTH_MCP_CHANNEL_GET_CLASS (self)->can_stream (self);
}

gboolean
north_mcp_channel_is_closed (NorthMcpChannel *self)
{
  NorthMcpChannelPrivate *priv = north_mcp_channel_get_instance_private (self);

  g_return_val_if_fail (NORTH_MCP_IS_CHANNEL (self), TRUE);

  return priv->closed;
}

void
north_mcp_channel_mark_closed (NorthMcpChannel *self)
{
  NorthMcpChannelPrivate *priv = north_mcp_channel_get_instance_private (self);

  g_return_if_fail (NORTH_MCP_IS_CHANNEL (self));

  if (priv->closed)
    return;

  priv->closed = TRUE;
  g_object_ref (self);
  if (priv->cancellable != NULL)
    g_cancellable_cancel (priv->cancellable);
  g_signal_emit (self, signals[CLOSED], 0);
  g_object_unref (self);
}

GCancellable *
north_mcp_channel_get_cancellable (NorthMcpChannel *self)
{
  NorthMcpChannelPrivate *priv = north_mcp_channel_get_instance_private (self);

  g_return_val_if_fail (NORTH_MCP_IS_CHANNEL (self), NULL);

  if (priv->cancellable == NULL)
    {
      priv->cancellable = g_cancellable_new ();
      if (priv->closed)
        g_cancellable_cancel (priv->cancellable);
    }

  return priv->cancellable;
}

void
north_mcp_channel_release_request (NorthMcpChannel *self,
                                   guint64          kept)
{
  NorthMcpChannelClass *klass;

  g_return_if_fail (NORTH_MCP_IS_CHANNEL (self));

  klass = NORTH_MCP_CHANNEL_GET_CLASS (self);
  if (klass->release_request != NULL)
    klass->release_request (self, kept);
}

guint64
north_mcp_channel_get_stream_cost (NorthMcpChannel *self)
{
  NorthMcpChannelClass *klass;

  g_return_val_if_fail (NORTH_MCP_IS_CHANNEL (self), 0);

  klass = NORTH_MCP_CHANNEL_GET_CLASS (self);
  return klass->stream_cost != NULL ? klass->stream_cost (self) : 0;
}

char *
north_mcp_channel_dup_peer (NorthMcpChannel *self)
{
  NorthMcpChannelClass *klass;

  g_return_val_if_fail (NORTH_MCP_IS_CHANNEL (self), NULL);

  klass = NORTH_MCP_CHANNEL_GET_CLASS (self);
  return klass->dup_peer != NULL ? klass->dup_peer (self) : NULL;
}

gboolean
north_mcp_channel_is_full (NorthMcpChannel *self)
{
  NorthMcpChannelClass *klass;

  g_return_val_if_fail (NORTH_MCP_IS_CHANNEL (self), FALSE);

  klass = NORTH_MCP_CHANNEL_GET_CLASS (self);
  return klass->is_full != NULL && klass->is_full (self);
}

gboolean
north_mcp_channel_close_stream (NorthMcpChannel *self)
{
  NorthMcpChannelPrivate *priv = north_mcp_channel_get_instance_private (self);
  NorthMcpChannelClass *klass;

  g_return_val_if_fail (NORTH_MCP_IS_CHANNEL (self), FALSE);

  klass = NORTH_MCP_CHANNEL_GET_CLASS (self);
  if (priv->closed || klass->close_stream == NULL)
    return FALSE;

  return klass->close_stream (self);
}
