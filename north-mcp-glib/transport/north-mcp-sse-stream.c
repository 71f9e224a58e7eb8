/* north-mcp-sse-stream.c: a long-lived Server-Sent Events stream
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-sse-stream-private.h"
#include "north-mcp-http-listener-private.h"
#include "north-mcp-jsonrpc-private.h"

struct _NorthMcpSseStream
{
  NorthMcpChannel    parent_instance;

  /* Its message until that finished or its connection went away. */
  NorthMcpSseWriter  writer;
  gboolean           ended;
};

G_DEFINE_FINAL_TYPE (NorthMcpSseStream, north_mcp_sse_stream, NORTH_MCP_TYPE_CHANNEL)

void
north_mcp_sse_format_event (GString    *buffer,
                            const char *event,
                            const char *data,
                            gsize       length)
{
  north_mcp_sse_format_event_full (buffer, NULL, event, data, length);
}

void
north_mcp_sse_format_event_full (GString    *buffer,
                                 const char *id,
                                 const char *event,
                                 const char *data,
                                 gsize       length)
{
  const char *end = data + length;

  if (id != NULL)
    {
      g_string_append (buffer, "id: ");
      g_string_append (buffer, id);
      g_string_append_c (buffer, '\n');
    }

  if (event != NULL)
    {
      g_string_append (buffer, "event: ");
      g_string_append (buffer, event);
      g_string_append_c (buffer, '\n');
    }

  /* Compact JSON has no line breaks, but other data may: one `data:` line
   * per line keeps the event intact. */
  do
    {
      const char *nl = memchr (data, '\n', end - data);
      const char *line_end = nl != NULL ? nl : end;

      g_string_append_len (buffer, "data: ", 6);
      g_string_append_len (buffer, data, line_end - data);
      g_string_append_c (buffer, '\n');
      data = nl != NULL ? nl + 1 : end;
    }
  while (data < end);

  g_string_append_c (buffer, '\n');
}

void
north_mcp_sse_prepare_response (SoupServerMessage *message,
                                gboolean           streamed)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (message);

  soup_message_headers_replace (headers, "Content-Type", "text/event-stream");
  soup_message_headers_replace (headers, "Cache-Control", "no-cache");
  /* Proxies such as nginx would otherwise hold events back. */
  soup_message_headers_replace (headers, "X-Accel-Buffering", "no");
  if (!streamed)
    return;

  /* HTTP/1.0 has no chunked coding (RFC 9112 §6.1: never send it to a 1.0
   * client), and libsoup 3.2 would send it all the same: a stream to a
   * 1.0 client (or a proxy speaking 1.0 upstream) ends with the
   * connection instead. libsoup then closes it after the response. */
  if (soup_server_message_get_http_version (message) == SOUP_HTTP_1_0)
    {
      soup_message_headers_set_encoding (headers, SOUP_ENCODING_EOF);
      soup_message_headers_replace (headers, "Connection", "close");
    }
  else
    soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
}

static gboolean
keepalive_cb (gpointer user_data)
{
  NorthMcpSseWriter *writer = user_data;
  gint64 idle = g_get_monotonic_time () - writer->last_write;

  /* A comment is invisible to clients but shows proxies and the client's
   * TCP stack that the stream is alive, and lets us notice a dead peer. */
  if (idle >= (gint64) writer->keepalive_ms * 1000 - 1000)
    north_mcp_sse_writer_write (writer, g_string_new (": keep-alive\n\n"));

  return G_SOURCE_CONTINUE;
}

void
north_mcp_sse_writer_start (NorthMcpSseWriter *writer,
                            SoupServerMessage *message,
                            guint              keepalive_ms)
{
  writer->message = g_object_ref (message);
  writer->keepalive_ms = keepalive_ms;
  writer->cut = FALSE;
  writer->last_write = g_get_monotonic_time ();

  soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
  north_mcp_sse_prepare_response (message, TRUE);
  /* A cut for unsent output then ends the body whole. */
  north_mcp_http_listener_track_stream (message);
  /* A stream may run for hours: drop what was written. */
  soup_message_body_set_accumulate (soup_server_message_get_response_body (message), FALSE);
  /* And its client may leave at any time, writes or not. */
  north_mcp_http_listener_watch_hangup (message);

  if (keepalive_ms > 0)
    {
      writer->keepalive = g_timeout_source_new (keepalive_ms);
      g_source_set_callback (writer->keepalive, keepalive_cb, writer, NULL);
      g_source_set_static_name (writer->keepalive, "[north-mcp] SSE keep-alive");
      g_source_attach (writer->keepalive, g_main_context_get_thread_default ());
    }
}

/* A client that stops reading loses its connection (the message then
 * says `disconnected`), from the main loop: a handler that goes on
 * sending before it returns would otherwise add to it without bound
 * until then, so what comes after the cut is dropped. */
static void
check_unsent (NorthMcpSseWriter *writer,
              gsize              appended)
{
  writer->last_write = g_get_monotonic_time ();
  writer->cut = !north_mcp_http_listener_check_unsent (writer->message, appended);
  soup_server_message_unpause (writer->message);
}

void
north_mcp_sse_writer_write (NorthMcpSseWriter *writer,
                            GString           *buffer)
{
  SoupMessageBody *body = soup_server_message_get_response_body (writer->message);
  gsize length = buffer->len;

  if (writer->cut)
    {
      g_string_free (buffer, TRUE);
      return;
    }

  soup_message_body_append (body, SOUP_MEMORY_TAKE, g_string_free (buffer, FALSE), length);
  check_unsent (writer, length);
}

void
north_mcp_sse_writer_write_shared (NorthMcpSseWriter *writer,
                                   GPtrArray         *events)
{
  SoupMessageBody *body = soup_server_message_get_response_body (writer->message);
  gsize length = 0;

  if (writer->cut)
    return;

  for (guint i = 0; i < events->len; i++)
    {
      GBytes *bytes = g_ptr_array_index (events, i);

      length += g_bytes_get_size (bytes);
      soup_message_body_append_bytes (body, bytes);
    }
  check_unsent (writer, length);
}

static void
stop_keepalive (NorthMcpSseWriter *writer)
{
  if (writer->keepalive != NULL)
    {
      g_source_destroy (writer->keepalive);
      g_clear_pointer (&writer->keepalive, g_source_unref);
    }
}

void
north_mcp_sse_writer_end (NorthMcpSseWriter *writer)
{
  stop_keepalive (writer);
  soup_message_body_complete (soup_server_message_get_response_body (writer->message));
  soup_server_message_unpause (writer->message);
}

void
north_mcp_sse_writer_clear (NorthMcpSseWriter *writer)
{
  stop_keepalive (writer);
  g_clear_object (&writer->message);
}

static void on_message_gone (NorthMcpSseStream *self);

static void
north_mcp_sse_stream_release_message (NorthMcpSseStream *self)
{
  if (self->writer.message == NULL)
    return;

  g_signal_handlers_disconnect_by_func (self->writer.message, on_message_gone, self);
  north_mcp_sse_writer_clear (&self->writer);
}

/* The response was written completely or the client went away. */
static void
on_message_gone (NorthMcpSseStream *self)
{
  /* ::closed handlers may drop the last other reference. */
  g_object_ref (self);
  self->ended = TRUE;
  north_mcp_sse_stream_release_message (self);
  if (!north_mcp_channel_is_closed (NORTH_MCP_CHANNEL (self)))
    north_mcp_channel_mark_closed (NORTH_MCP_CHANNEL (self));
  g_object_unref (self);
}

void
north_mcp_sse_stream_send_event (NorthMcpSseStream *self,
                                 const char        *event,
                                 const char        *data,
                                 gsize              length)
{
  GString *buffer;

  g_return_if_fail (NORTH_MCP_IS_SSE_STREAM (self));

  if (self->ended)
    return;

  buffer = g_string_sized_new (length + 32);
  north_mcp_sse_format_event (buffer, event, data, length);
  north_mcp_sse_writer_write (&self->writer, buffer);
}

void
north_mcp_sse_stream_send_raw (NorthMcpSseStream *self,
                               GString           *events)
{
  g_return_if_fail (NORTH_MCP_IS_SSE_STREAM (self));

  if (self->ended || events->len == 0)
    {
      g_string_free (events, TRUE);
      return;
    }

  north_mcp_sse_writer_write (&self->writer, events);
}

void
north_mcp_sse_stream_send_shared (NorthMcpSseStream *self,
                                  GPtrArray         *events)
{
  g_return_if_fail (NORTH_MCP_IS_SSE_STREAM (self));

  if (!self->ended && events->len > 0)
    north_mcp_sse_writer_write_shared (&self->writer, events);
}

static void
north_mcp_sse_stream_send (NorthMcpChannel *channel,
                           JsonNode        *message)
{
  NorthMcpSseStream *self = NORTH_MCP_SSE_STREAM (channel);
  g_autofree char *data = NULL;
  gsize length = 0;

  if (self->ended)
    return;

  data = north_mcp_jsonrpc_to_string (message, &length);
  north_mcp_sse_stream_send_event (self, "message", data, length);
}

static void
north_mcp_sse_stream_send_response_text (NorthMcpChannel *channel,
                                         GString         *text)
{
  NorthMcpSseStream *self = NORTH_MCP_SSE_STREAM (channel);

  if (!self->ended)
    north_mcp_sse_stream_send_event (self, "message", text->str, text->len);
  g_string_free (text, TRUE);
}

static gboolean
north_mcp_sse_stream_can_stream (NorthMcpChannel *channel)
{
  return !NORTH_MCP_SSE_STREAM (channel)->ended;
}

void
north_mcp_sse_stream_close (NorthMcpSseStream *self)
{
  g_return_if_fail (NORTH_MCP_IS_SSE_STREAM (self));

  if (self->ended)
    return;

  g_object_ref (self);
  self->ended = TRUE;
  north_mcp_sse_writer_end (&self->writer);
  if (!north_mcp_channel_is_closed (NORTH_MCP_CHANNEL (self)))
    north_mcp_channel_mark_closed (NORTH_MCP_CHANNEL (self));
  g_object_unref (self);
}

NorthMcpSseStream *
north_mcp_sse_stream_new (SoupServerMessage *message,
                          guint              keepalive_ms)
{
  NorthMcpSseStream *self;

  g_return_val_if_fail (SOUP_IS_SERVER_MESSAGE (message), NULL);

  self = g_object_new (NORTH_MCP_TYPE_SSE_STREAM, NULL);
  north_mcp_sse_writer_start (&self->writer, message, keepalive_ms);
  g_signal_connect_swapped (message, "finished", G_CALLBACK (on_message_gone), self);
  g_signal_connect_swapped (message, "disconnected", G_CALLBACK (on_message_gone), self);

  return self;
}

static void
north_mcp_sse_stream_dispose (GObject *object)
{
  NorthMcpSseStream *self = NORTH_MCP_SSE_STREAM (object);

  north_mcp_sse_stream_release_message (self);

  G_OBJECT_CLASS (north_mcp_sse_stream_parent_class)->dispose (object);
}

static void
north_mcp_sse_stream_class_init (NorthMcpSseStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  NorthMcpChannelClass *channel_class = NORTH_MCP_CHANNEL_CLASS (klass);

  object_class->dispose = north_mcp_sse_stream_dispose;
  channel_class->send = north_mcp_sse_stream_send;
  channel_class->send_response_text = north_mcp_sse_stream_send_response_text;
  channel_class->can_stream = north_mcp_sse_stream_can_stream;
}

static void
north_mcp_sse_stream_init (NorthMcpSseStream *self)
{
}
