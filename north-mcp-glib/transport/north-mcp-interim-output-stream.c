/* north-mcp-interim-output-stream.c: the output side of an accepted HTTP
 * connection, which can hold back an interim response
 *
 * Why it exists: a server must not send a 1xx response to an HTTP/1.0
 * client, and must ignore a 100-continue expectation in an HTTP/1.0
 * request (RFC 9110 sections 10.1.1 and 15.2). libsoup (3.2.3, and its
 * main branch as of 2026) decides to write "100 Continue" while it parses
 * the headers, before any handler runs, whatever the request's version;
 * a handler can only prevent it by answering at once, without the body.
 * An HTTP/1.0 client or proxy takes the interim response for the final
 * one and what follows for garbage (or for the answer to its next
 * request). So the listener tells this stream to drop the head libsoup
 * writes next, if it is a 1xx one; libsoup goes on as if it had been sent
 * (reads the body, calls the handler) and the client sees the final
 * response only. Writes pass straight through otherwise.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-interim-output-stream-private.h"

typedef enum {
  STATE_PASS,   /* everything is written */
  STATE_CHECK,  /* the next write starts a head: look at its status */
  STATE_DROP,   /* in an interim head: dropped up to its empty line */
} State;

struct _NorthMcpInterimOutputStream
{
  GFilterOutputStream    parent_instance;

  GPollableOutputStream *base;
  State                  state;
  guint                  matched;  /* of the "\r\n\r\n" that ends a head */
};

static void north_mcp_interim_output_stream_pollable_init (GPollableOutputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (NorthMcpInterimOutputStream, north_mcp_interim_output_stream,
                               G_TYPE_FILTER_OUTPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_OUTPUT_STREAM,
                                                      north_mcp_interim_output_stream_pollable_init))

/* "HTTP/1.x 1": libsoup writes a head whole, so its first write has the
 * status line (a shorter one is sent as it is, as without this stream). */
static gboolean
is_interim_head (const char *buffer,
                 gsize       count)
{
  return count >= 10 && memcmp (buffer, "HTTP/1.", 7) == 0 && buffer[8] == ' ' && buffer[9] == '1';
}

/* How many bytes at the start of @buffer belong to the head being
 * dropped; past its empty line, writes pass again. */
static gsize
drop_head (NorthMcpInterimOutputStream *self,
           const char                  *buffer,
           gsize                        count)
{
  static const char end[] = "\r\n\r\n";
  gsize i;

  for (i = 0; i < count && self->matched < 4; i++)
    if (buffer[i] == end[self->matched])
      self->matched++;
    else
      self->matched = buffer[i] == '\r' ? 1 : 0;

  if (self->matched == 4)
    self->state = STATE_PASS;
  return i;
}

/* How many of the @count bytes about to be written are dropped (0: they
 * are written). */
static gsize
bytes_to_drop (NorthMcpInterimOutputStream *self,
               const void                  *buffer,
               gsize                        count)
{
  if (G_LIKELY (self->state == STATE_PASS) || count == 0)
    return 0;

  if (self->state == STATE_CHECK)
    {
      self->state = is_interim_head (buffer, count) ? STATE_DROP : STATE_PASS;
      self->matched = 0;
    }
  return self->state == STATE_DROP ? drop_head (self, buffer, count) : 0;
}

static gssize
write_nonblocking (GPollableOutputStream  *stream,
                   const void             *buffer,
                   gsize                   count,
                   GError                **error)
{
  NorthMcpInterimOutputStream *self = NORTH_MCP_INTERIM_OUTPUT_STREAM (stream);
  gsize dropped = bytes_to_drop (self, buffer, count);

  if (dropped > 0)
    return dropped;
  return g_pollable_output_stream_write_nonblocking (self->base, buffer, count, NULL, error);
}

static gssize
write_fn (GOutputStream  *stream,
          const void     *buffer,
          gsize           count,
          GCancellable   *cancellable,
          GError        **error)
{
  NorthMcpInterimOutputStream *self = NORTH_MCP_INTERIM_OUTPUT_STREAM (stream);
  gsize dropped = bytes_to_drop (self, buffer, count);

  if (dropped > 0)
    return dropped;
  return g_output_stream_write (G_OUTPUT_STREAM (self->base), buffer, count, cancellable, error);
}

static gboolean
is_writable (GPollableOutputStream *stream)
{
  return g_pollable_output_stream_is_writable (NORTH_MCP_INTERIM_OUTPUT_STREAM (stream)->base);
}

static GSource *
create_source (GPollableOutputStream *stream,
               GCancellable          *cancellable)
{
  /* The socket's own source, as north-mcp-hangup-input-stream.c gives:
   * libsoup wraps it anyway. */
  return g_pollable_output_stream_create_source (NORTH_MCP_INTERIM_OUTPUT_STREAM (stream)->base,
                                                 cancellable);
}

static void
north_mcp_interim_output_stream_class_init (NorthMcpInterimOutputStreamClass *klass)
{
  GOutputStreamClass *output_class = G_OUTPUT_STREAM_CLASS (klass);

  output_class->write_fn = write_fn;
}

static void
north_mcp_interim_output_stream_pollable_init (GPollableOutputStreamInterface *iface)
{
  iface->is_writable = is_writable;
  iface->create_source = create_source;
  iface->write_nonblocking = write_nonblocking;
}

static void
north_mcp_interim_output_stream_init (NorthMcpInterimOutputStream *self)
{
}

/* The stream of a connection, found from its messages by their remote
 * address (the listener finds its own state of the connection alike). */
static GQuark
stream_quark (void)
{
  static GQuark quark;

  if (G_UNLIKELY (quark == 0))
    quark = g_quark_from_static_string ("north-mcp-interim-output-stream");
  return quark;
}

GOutputStream *
north_mcp_interim_output_stream_new (GOutputStream  *base,
                                     GSocketAddress *remote)
{
  NorthMcpInterimOutputStream *self;

  g_return_val_if_fail (G_IS_POLLABLE_OUTPUT_STREAM (base), NULL);
  g_return_val_if_fail (remote == NULL || G_IS_SOCKET_ADDRESS (remote), NULL);

  self = g_object_new (NORTH_MCP_TYPE_INTERIM_OUTPUT_STREAM, "base-stream", base, NULL);
  self->base = G_POLLABLE_OUTPUT_STREAM (base);
  if (remote != NULL)
    g_object_set_qdata_full (G_OBJECT (remote), stream_quark (), g_object_ref (self), g_object_unref);

  return G_OUTPUT_STREAM (self);
}

void
north_mcp_interim_output_stream_drop_interim (NorthMcpInterimOutputStream *self)
{
  g_return_if_fail (NORTH_MCP_IS_INTERIM_OUTPUT_STREAM (self));

  self->state = STATE_CHECK;
}

void
north_mcp_interim_output_stream_drop_interim_of (SoupServerMessage *msg)
{
  GSocketAddress *remote;
  NorthMcpInterimOutputStream *self;

  g_return_if_fail (SOUP_IS_SERVER_MESSAGE (msg));

  remote = soup_server_message_get_remote_address (msg);
  self = remote != NULL ? g_object_get_qdata (G_OBJECT (remote), stream_quark ()) : NULL;
  if (self != NULL)
    north_mcp_interim_output_stream_drop_interim (self);
}
