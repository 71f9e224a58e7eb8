/* north-mcp-stdio-channel.c: the outgoing side of the stdio transport,
 * one line per message on an output stream
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-jsonrpc-private.h"
#include "north-mcp-stdio-channel-private.h"

struct _NorthMcpStdioChannel
{
  NorthMcpChannel           parent_instance;

  GOutputStream            *output;
  GQueue                    queue;    /* GBytes waiting to be written */
  GBytes                   *writing;  /* being written */
  GCancellable             *cancellable;
  NorthMcpStdioDrainedFunc  drained;
  gpointer                  drained_data;
};

G_DEFINE_FINAL_TYPE (NorthMcpStdioChannel, north_mcp_stdio_channel, NORTH_MCP_TYPE_CHANNEL)

static void write_next (NorthMcpStdioChannel *self);

static void
write_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(NorthMcpStdioChannel) self = user_data;
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&self->writing, g_bytes_unref);
  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("stdio: cannot write: %s", error->message);
      g_queue_clear_full (&self->queue, (GDestroyNotify) g_bytes_unref);
      north_mcp_channel_mark_closed (NORTH_MCP_CHANNEL (self));
    }

  write_next (self);
}

static void
write_next (NorthMcpStdioChannel *self)
{
  gconstpointer data;
  gsize size;

  if (self->writing != NULL)
    return;

  self->writing = g_queue_pop_head (&self->queue);
  if (self->writing == NULL)
    {
      if (self->drained != NULL)
        self->drained (self->drained_data);
      return;
    }

  data = g_bytes_get_data (self->writing, &size);
  g_output_stream_write_all_async (self->output, data, size, G_PRIORITY_DEFAULT,
                                   self->cancellable, write_done, g_object_ref (self));
}

static void
north_mcp_stdio_channel_send (NorthMcpChannel *channel,
                              JsonNode        *message)
{
  NorthMcpStdioChannel *self = NORTH_MCP_STDIO_CHANNEL (channel);
  gsize length;
  char *line = north_mcp_jsonrpc_to_string (message, &length);

  line = g_realloc (line, length + 2);
  line[length] = '\n';
  line[length + 1] = '\0';
  g_queue_push_tail (&self->queue, g_bytes_new_take (line, length + 1));
  write_next (self);
}

static void
north_mcp_stdio_channel_send_response_text (NorthMcpChannel *channel,
                                            GString         *text)
{
  NorthMcpStdioChannel *self = NORTH_MCP_STDIO_CHANNEL (channel);
  gsize length;
  char *line;

  g_string_append_c (text, '\n');
  length = text->len;
  /* Lines wait here while the client reads slowly: keep only their bytes,
   * not the string's spare room. */
  line = g_realloc (g_string_free (text, FALSE), length);
  g_queue_push_tail (&self->queue, g_bytes_new_take (line, length));
  write_next (self);
}

static gboolean
north_mcp_stdio_channel_can_stream (NorthMcpChannel *channel)
{
  return TRUE;
}

static void
north_mcp_stdio_channel_finalize (GObject *object)
{
  NorthMcpStdioChannel *self = NORTH_MCP_STDIO_CHANNEL (object);

  g_queue_clear_full (&self->queue, (GDestroyNotify) g_bytes_unref);
  g_clear_pointer (&self->writing, g_bytes_unref);
  g_clear_object (&self->output);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (north_mcp_stdio_channel_parent_class)->finalize (object);
}

static void
north_mcp_stdio_channel_class_init (NorthMcpStdioChannelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  NorthMcpChannelClass *channel_class = NORTH_MCP_CHANNEL_CLASS (klass);

  object_class->finalize = north_mcp_stdio_channel_finalize;
  channel_class->send = north_mcp_stdio_channel_send;
  channel_class->send_response_text = north_mcp_stdio_channel_send_response_text;
  channel_class->can_stream = north_mcp_stdio_channel_can_stream;
}

static void
north_mcp_stdio_channel_init (NorthMcpStdioChannel *self)
{
  g_queue_init (&self->queue);
  self->cancellable = g_cancellable_new ();
}

NorthMcpStdioChannel *
north_mcp_stdio_channel_new (GOutputStream *output)
{
  NorthMcpStdioChannel *self = g_object_new (NORTH_MCP_TYPE_STDIO_CHANNEL, NULL);

  self->output = g_object_ref (output);

  return self;
}

void
north_mcp_stdio_channel_when_drained (NorthMcpStdioChannel     *self,
                                      NorthMcpStdioDrainedFunc  drained,
                                      gpointer                  user_data)
{
  g_return_if_fail (NORTH_MCP_IS_STDIO_CHANNEL (self));

  self->drained = drained;
  self->drained_data = user_data;
  if (drained != NULL && self->writing == NULL && g_queue_is_empty (&self->queue))
    drained (user_data);
}
