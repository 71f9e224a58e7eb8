/* north-mcp-stdio-channel.c: the outgoing side of the stdio transport,
 * one line per message on an output stream
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-jsonrpc-private.h"
#include "north-mcp-stdio-channel-private.h"

/* What a writable pipe takes without blocking (PIPE_BUF, one page), and
 * how much is written in one turn of the main loop. */
#define WRITE_CHUNK 4096
#define WRITE_CHUNKS_PER_TURN 16

struct _NorthMcpStdioChannel
{
  NorthMcpChannel           parent_instance;

  GOutputStream            *output;
  GQueue                    queue;    /* GBytes waiting to be written */
  GBytes                   *writing;  /* being written */
  gsize                     written;  /* of @writing */
  gsize                     unsent;   /* bytes of queue and writing */
  guint64                   max_unsent;
  guint64                   kept;     /* answers of batches not sent yet */
  GSource                   *wait;    /* until the output is writable */
  GCancellable             *cancellable;
  NorthMcpStdioDrainedFunc  drained;
  gpointer                  drained_data;
  NorthMcpStdioAnsweredFunc answered;
  gpointer                  answered_data;
};

G_DEFINE_FINAL_TYPE (NorthMcpStdioChannel, north_mcp_stdio_channel, NORTH_MCP_TYPE_CHANNEL)

static void write_next (NorthMcpStdioChannel *self);

static void
write_failed (NorthMcpStdioChannel *self,
              const GError         *error)
{
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("stdio: cannot write: %s", error->message);
  g_clear_pointer (&self->writing, g_bytes_unref);
  self->written = 0;
  g_queue_clear_full (&self->queue, (GDestroyNotify) g_bytes_unref);
  self->unsent = 0;
  north_mcp_channel_mark_closed (NORTH_MCP_CHANNEL (self));
}

/* More output while more than max-unsent bytes wait for a client that
 * does not read: close, as an HTTP stream is closed, rather than queue
 * without bound what handlers still send (progress, logs, answers). The
 * line being written is finished, not dropped: the client would read half
 * a message before the end, which it cannot parse. The lines not begun go;
 * the transport ends once the output is drained. */
static void
cut (NorthMcpStdioChannel *self)
{
  g_message ("stdio: closing the output: more than %" G_GUINT64_FORMAT
             " bytes (max-unsent-bytes) wait for the client to read them", self->max_unsent);
  /* Waiting for the output to take its first byte: not begun. (An
   * asynchronous write under way, no wait, is finished.) */
  if (self->wait != NULL && self->written == 0)
    {
      g_source_destroy (self->wait);
      g_clear_pointer (&self->wait, g_source_unref);
      g_clear_pointer (&self->writing, g_bytes_unref);
    }
  g_queue_clear_full (&self->queue, (GDestroyNotify) g_bytes_unref);
  self->unsent = self->writing != NULL ? g_bytes_get_size (self->writing) - self->written : 0;
  north_mcp_channel_mark_closed (NORTH_MCP_CHANNEL (self));
}

static void
wrote (NorthMcpStdioChannel *self,
       gsize                 n)
{
  self->written += n;
  self->unsent -= n;
  if (self->written == g_bytes_get_size (self->writing))
    {
      g_clear_pointer (&self->writing, g_bytes_unref);
      self->written = 0;
    }
}

static void
write_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(NorthMcpStdioChannel) self = user_data;
  g_autoptr(GError) error = NULL;
  gsize n = 0;

  if (g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, &n, &error))
    wrote (self, n);
  else
    write_failed (self, error);

  write_next (self);
}

static gboolean
writable_cb (GObject  *stream,
             gpointer  user_data)
{
  NorthMcpStdioChannel *self = user_data;

  g_clear_pointer (&self->wait, g_source_unref);
  write_next (self);
  return G_SOURCE_REMOVE;
}

/* A pollable output (a pipe, a socket) is written in pieces it takes
 * whole while it is writable: GUnixOutputStream writes a whole buffer
 * with one write(2), which on a blocking descriptor (stdout usually is)
 * would hold the main loop until a client that does not read reads.
 * Returns FALSE while it waits for the output to become writable. */
static gboolean
write_pollable (NorthMcpStdioChannel *self)
{
  GPollableOutputStream *pollable = G_POLLABLE_OUTPUT_STREAM (self->output);

  for (guint i = 0; i < WRITE_CHUNKS_PER_TURN && self->writing != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      gsize size;
      const guint8 *data = g_bytes_get_data (self->writing, &size);
      gssize n;

      n = g_pollable_output_stream_write_nonblocking (pollable, data + self->written,
                                                      MIN (size - self->written, WRITE_CHUNK),
                                                      self->cancellable, &error);
      if (n < 0 && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          write_failed (self, error);
          return TRUE;
        }
      if (n < 0)
        break;
      wrote (self, n);
      if (self->writing == NULL)
        self->writing = g_queue_pop_head (&self->queue);
    }

  if (self->writing == NULL)
    return TRUE;

  /* Not writable, or a turn's worth written: on when it is. */
  self->wait = g_pollable_output_stream_create_source (pollable, self->cancellable);
  g_source_set_callback (self->wait, (GSourceFunc) (void (*) (void)) writable_cb,
                         g_object_ref (self), g_object_unref);
  g_source_set_static_name (self->wait, "[north-mcp] stdio output");
  g_source_attach (self->wait, g_main_context_get_thread_default ());
  return FALSE;
}

static void
write_next (NorthMcpStdioChannel *self)
{
  gconstpointer data;
  gsize size;

  if (self->wait != NULL)
    return;

  if (G_IS_POLLABLE_OUTPUT_STREAM (self->output) &&
      g_pollable_output_stream_can_poll (G_POLLABLE_OUTPUT_STREAM (self->output)))
    {
      if (self->writing == NULL)
        self->writing = g_queue_pop_head (&self->queue);
      if (self->writing != NULL && !write_pollable (self))
        return;
    }
  else if (self->writing != NULL)
    return;  /* write_all_async() under way */
  else if ((self->writing = g_queue_pop_head (&self->queue)) != NULL)
    {
      data = g_bytes_get_data (self->writing, &size);
      g_output_stream_write_all_async (self->output, data, size, G_PRIORITY_DEFAULT,
                                       self->cancellable, write_done, g_object_ref (self));
      return;
    }

  if (self->writing == NULL && g_queue_is_empty (&self->queue) && self->drained != NULL)
    self->drained (self->drained_data);
}

/* @response: answers are not cut, as the transport reads no request
 * while too much waits and bounds those in progress; the answers of one
 * batch may pass the bound together. */
static void
enqueue (NorthMcpStdioChannel *self,
         char                 *line,
         gsize                 length,
         gboolean              response)
{
  /* What was queued before counts, not @line: one large line is fine. */
  if (!response && self->unsent > self->max_unsent)
    {
      g_free (line);
      cut (self);
      return;
    }

  self->unsent += length;
  g_queue_push_tail (&self->queue, g_bytes_new_take (line, length));
  write_next (self);
}

/* Tells the transport that the request @id is answered (or never will
 * be): what it held for it is free. */
static void
answered (NorthMcpStdioChannel *self,
          JsonNode             *id)
{
  if (self->answered != NULL && id != NULL)
    self->answered (id, self->answered_data);
}

static void
north_mcp_stdio_channel_send (NorthMcpChannel *channel,
                              JsonNode        *message)
{
  NorthMcpStdioChannel *self = NORTH_MCP_STDIO_CHANNEL (channel);
  JsonObject *object = JSON_NODE_HOLDS_OBJECT (message) ? json_node_get_object (message) : NULL;
  /* A response, or a batch's array of them (not a request or
   * notification of the server's). */
  gboolean response = object != NULL ? !json_object_has_member (object, "method")
                                     : JSON_NODE_HOLDS_ARRAY (message);
  gsize length;
  char *line = north_mcp_jsonrpc_to_string (message, &length);

  if (response && object != NULL)
    answered (self, json_object_get_member (object, "id"));

  line = g_realloc (line, length + 2);
  line[length] = '\n';
  line[length + 1] = '\0';
  enqueue (self, line, length + 1, response);
}

static void
north_mcp_stdio_channel_send_response_text (NorthMcpChannel *channel,
                                            GString         *text)
{
  NorthMcpStdioChannel *self = NORTH_MCP_STDIO_CHANNEL (channel);
  gsize length;
  char *line;

  if (self->answered != NULL)
    {
      g_autoptr(JsonNode) id = north_mcp_jsonrpc_read_result_text_id (text->str, text->len);

      answered (self, id);
    }

  g_string_append_c (text, '\n');
  length = text->len;
  /* Lines wait here while the client reads slowly: keep only their bytes,
   * not the string's spare room. */
  line = g_realloc (g_string_free (text, FALSE), length);
  enqueue (self, line, length, TRUE);
}

static void
north_mcp_stdio_channel_skip_response (NorthMcpChannel *channel,
                                       JsonNode        *id)
{
  answered (NORTH_MCP_STDIO_CHANNEL (channel), id);
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
  channel_class->skip_response = north_mcp_stdio_channel_skip_response;
}

static void
north_mcp_stdio_channel_init (NorthMcpStdioChannel *self)
{
  g_queue_init (&self->queue);
  self->max_unsent = G_MAXUINT64;
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

gsize
north_mcp_stdio_channel_get_unsent (NorthMcpStdioChannel *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_STDIO_CHANNEL (self), 0);

  return self->unsent;
}

void
north_mcp_stdio_channel_set_max_unsent (NorthMcpStdioChannel *self,
                                        guint64               max_unsent)
{
  g_return_if_fail (NORTH_MCP_IS_STDIO_CHANNEL (self));

  self->max_unsent = max_unsent;
}

void
north_mcp_stdio_channel_when_answered (NorthMcpStdioChannel      *self,
                                       NorthMcpStdioAnsweredFunc  func,
                                       gpointer                   user_data)
{
  g_return_if_fail (NORTH_MCP_IS_STDIO_CHANNEL (self));

  self->answered = func;
  self->answered_data = user_data;
}

void
north_mcp_stdio_channel_add_kept (NorthMcpStdioChannel *self,
                                  gint64                delta)
{
  g_return_if_fail (NORTH_MCP_IS_STDIO_CHANNEL (self));
  g_return_if_fail (delta >= 0 || (guint64) -delta <= self->kept);

  self->kept += delta;
}

guint64
north_mcp_stdio_channel_get_kept (NorthMcpStdioChannel *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_STDIO_CHANNEL (self), 0);

  return self->kept;
}
