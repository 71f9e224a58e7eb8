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

#include "north-mcp-jsonrpc-private.h"
#include "north-mcp-stdio-batch-channel-private.h"
#include "north-mcp-util-private.h"

struct _NorthMcpStdioBatchChannel
{
  NorthMcpChannel       parent_instance;

  NorthMcpStdioChannel *output;
  /* The array of the responses so far, as text (a parsed answer takes
   * several times its size), its closing bracket missing; what it takes
   * counts as kept in @output. */
  GString              *responses;
  guint                 received;  /* responses sent or skipped */
  guint                 expected;  /* G_MAXUINT until told */
  gboolean              done;
};

G_DEFINE_FINAL_TYPE (NorthMcpStdioBatchChannel, north_mcp_stdio_batch_channel, NORTH_MCP_TYPE_CHANNEL)

/* The answers wait for the batch's last one: their bytes count among
 * what the requests in progress hold (north-mcp-stdio-transport.c), or
 * batches whose last request runs long would keep the answers of the
 * others without bound. */
static GString *
take_responses (NorthMcpStdioBatchChannel *self)
{
  if (self->responses != NULL)
    north_mcp_stdio_channel_add_kept (self->output, -(gint64) self->responses->allocated_len);
  return g_steal_pointer (&self->responses);
}

static void
drop_responses (NorthMcpStdioBatchChannel *self)
{
  GString *responses = take_responses (self);

  if (responses != NULL)
    g_string_free (responses, TRUE);
}

static void
add_response (NorthMcpStdioBatchChannel *self,
              const char                *text,
              gsize                      length)
{
  gsize added = north_mcp_batch_text_append (&self->responses, text, length);

  north_mcp_stdio_channel_add_kept (self->output, (gint64) added);
}

static void
flush_if_complete (NorthMcpStdioBatchChannel *self)
{
  GString *array;

  if (self->done || self->received < self->expected)
    return;

  self->done = TRUE;
  /* All skipped (cancelled): JSON-RPC sends nothing, not an empty array. */
  if (self->responses == NULL)
    return;
  array = take_responses (self);
  g_string_append_c (array, ']');
  north_mcp_channel_send_response_text (NORTH_MCP_CHANNEL (self->output), array);
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
  g_autofree char *text = NULL;
  gsize length;

  if (!is_response (message))
    {
      north_mcp_channel_send (NORTH_MCP_CHANNEL (self->output), message);
      return;
    }
  /* Late (after the array went out): nowhere to go. */
  if (self->done)
    return;

  text = north_mcp_jsonrpc_to_string (message, &length);
  add_response (self, text, length);
  answered (self, json_object_get_member (json_node_get_object (message), "id"));
}

static void
north_mcp_stdio_batch_channel_send_response_text (NorthMcpChannel *channel,
                                                  GString         *text)
{
  NorthMcpStdioBatchChannel *self = NORTH_MCP_STDIO_BATCH_CHANNEL (channel);
  g_autoptr(JsonNode) id = NULL;

  if (!self->done)
    {
      id = north_mcp_jsonrpc_read_result_text_id (text->str, text->len);
      add_response (self, text->str, text->len);
      answered (self, id);
    }
  g_string_free (text, TRUE);
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
  drop_responses (self);
  north_mcp_channel_mark_closed (NORTH_MCP_CHANNEL (self));
}

static void
north_mcp_stdio_batch_channel_finalize (GObject *object)
{
  NorthMcpStdioBatchChannel *self = NORTH_MCP_STDIO_BATCH_CHANNEL (object);

  drop_responses (self);
  g_clear_object (&self->output);

  G_OBJECT_CLASS (north_mcp_stdio_batch_channel_parent_class)->finalize (object);
}

static void
north_mcp_stdio_batch_channel_class_init (NorthMcpStdioBatchChannelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  NorthMcpChannelClass *channel_class = NORTH_MCP_CHANNEL_CLASS (klass);

  object_class->finalize = north_mcp_stdio_batch_channel_finalize;
  channel_class->send = north_mcp_stdio_batch_channel_send;
  channel_class->send_response_text = north_mcp_stdio_batch_channel_send_response_text;
  channel_class->skip_response = north_mcp_stdio_batch_channel_skip_response;
  channel_class->can_stream = north_mcp_stdio_batch_channel_can_stream;
}

static void
north_mcp_stdio_batch_channel_init (NorthMcpStdioBatchChannel *self)
{
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
