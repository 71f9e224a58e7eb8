/* north-mcp-stdio-batch-channel.c: the answers of one JSON-RPC batch on
 * stdio, sent together as one array
 *
 * JSON-RPC 2.0 answers a batch with an array of its responses (the HTTP
 * transport does it in north-mcp-http-channel.c); written one by one, a
 * client that sent a batch would wait for its array forever.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-stdio-batch-channel-private.h"

struct _NorthMcpStdioBatchChannel
{
  NorthMcpChannel       parent_instance;

  NorthMcpStdioChannel *output;
  JsonArray            *responses;
  guint                 received;  /* responses sent or skipped */
  guint                 expected;  /* G_MAXUINT until told */
  gboolean              done;
};

G_DEFINE_FINAL_TYPE (NorthMcpStdioBatchChannel, north_mcp_stdio_batch_channel, NORTH_MCP_TYPE_CHANNEL)

static void
flush_if_complete (NorthMcpStdioBatchChannel *self)
{
  g_autoptr(JsonNode) array = NULL;

  if (self->done || self->received < self->expected)
    return;

  self->done = TRUE;
  /* All skipped (cancelled): JSON-RPC sends nothing, not an empty array. */
  if (json_array_get_length (self->responses) == 0)
    return;
  array = json_node_init_array (json_node_alloc (), self->responses);
  north_mcp_channel_send (NORTH_MCP_CHANNEL (self->output), array);
}

/* The stdio channel counts what each request holds until it is answered
 * (north-mcp-stdio-transport.c): this one's answer is in the array. */
static void
answered (NorthMcpStdioBatchChannel *self,
          JsonNode                  *id)
{
  north_mcp_channel_skip_response (NORTH_MCP_CHANNEL (self->output), id);
  self->received++;
  flush_if_complete (self);
}

static gboolean
is_response (JsonNode *message)
{
  return JSON_NODE_HOLDS_OBJECT (message) &&
         !json_object_has_member (json_node_get_object (message), "method");
}

static void
north_mcp_stdio_batch_channel_send (NorthMcpChannel *channel,
                                    JsonNode        *message)
{
  NorthMcpStdioBatchChannel *self = NORTH_MCP_STDIO_BATCH_CHANNEL (channel);

  if (!is_response (message))
    {
      north_mcp_channel_send (NORTH_MCP_CHANNEL (self->output), message);
      return;
    }
  /* Late (after the array went out): nowhere to go. */
  if (self->done)
    return;

  json_array_add_element (self->responses, json_node_ref (message));
  answered (self, json_object_get_member (json_node_get_object (message), "id"));
}

static void
north_mcp_stdio_batch_channel_skip_response (NorthMcpChannel *channel,
                                             JsonNode        *id)
{
  NorthMcpStdioBatchChannel *self = NORTH_MCP_STDIO_BATCH_CHANNEL (channel);

  if (!self->done)
    answered (self, id);
}

static gboolean
north_mcp_stdio_batch_channel_can_stream (NorthMcpChannel *channel)
{
  return TRUE;
}

static void
output_closed_cb (NorthMcpChannel           *output,
                  NorthMcpStdioBatchChannel *self)
{
  north_mcp_channel_mark_closed (NORTH_MCP_CHANNEL (self));
}

static void
north_mcp_stdio_batch_channel_finalize (GObject *object)
{
  NorthMcpStdioBatchChannel *self = NORTH_MCP_STDIO_BATCH_CHANNEL (object);

  g_clear_object (&self->output);
  g_clear_pointer (&self->responses, json_array_unref);

  G_OBJECT_CLASS (north_mcp_stdio_batch_channel_parent_class)->finalize (object);
}

static void
north_mcp_stdio_batch_channel_class_init (NorthMcpStdioBatchChannelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  NorthMcpChannelClass *channel_class = NORTH_MCP_CHANNEL_CLASS (klass);

  object_class->finalize = north_mcp_stdio_batch_channel_finalize;
  channel_class->send = north_mcp_stdio_batch_channel_send;
  channel_class->skip_response = north_mcp_stdio_batch_channel_skip_response;
  channel_class->can_stream = north_mcp_stdio_batch_channel_can_stream;
}

static void
north_mcp_stdio_batch_channel_init (NorthMcpStdioBatchChannel *self)
{
  self->responses = json_array_new ();
  self->expected = G_MAXUINT;
}

NorthMcpChannel *
north_mcp_stdio_batch_channel_new (NorthMcpStdioChannel *output)
{
  NorthMcpStdioBatchChannel *self;

  g_return_val_if_fail (NORTH_MCP_IS_STDIO_CHANNEL (output), NULL);

  self = g_object_new (NORTH_MCP_TYPE_STDIO_BATCH_CHANNEL, NULL);
  self->output = g_object_ref (output);
  g_signal_connect_object (output, "closed", G_CALLBACK (output_closed_cb), self, 0);
  if (north_mcp_channel_is_closed (NORTH_MCP_CHANNEL (output)))
    north_mcp_channel_mark_closed (NORTH_MCP_CHANNEL (self));

  return NORTH_MCP_CHANNEL (self);
}

void
north_mcp_stdio_batch_channel_expect (NorthMcpStdioBatchChannel *self,
                                      guint                      n_responses)
{
  g_return_if_fail (NORTH_MCP_IS_STDIO_BATCH_CHANNEL (self));

  self->expected = n_responses;
  flush_if_complete (self);
}
