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

/* Where the written bytes stand in a tracked response. */
typedef enum {
  BODY_UNTRACKED,
  BODY_HEAD,      /* its head: up to the empty line */
  BODY_SIZE,      /* a chunk's size line */
  BODY_DATA,      /* a chunk's data */
  BODY_DATA_END,  /* the CRLF after it */
  BODY_LAST,      /* the CRLF after the last chunk's size line */
  BODY_EOF,       /* data of a body that ends with the connection */
} BodyState;

struct _NorthMcpInterimOutputStream
{
  GFilterOutputStream    parent_instance;

  GPollableOutputStream *base;
  /* Its methods, called without the g_pollable_output_stream_*()
   * wrappers, as north-mcp-hangup-input-stream.c does for its base. */
  GPollableOutputStreamInterface *base_iface;
  State                  state;
  guint                  matched;  /* of the "\r\n\r\n" that ends a head */

  BodyState              body_state;
  gboolean               chunked;       /* else it ends with the connection */
  guint                  body_matched;  /* of the head's end, or of a CRLF */
  guint                  line_length;   /* of the size line, so far */
  guint64                chunk_left;    /* of the size, or of the data */
  guint64                data_written;  /* of the body's data, unframed */
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

/* One more byte of a head: TRUE once @matched has its whole end, the
 * empty line. */
static gboolean
match_head_end (guint *matched,
                char   c)
{
  static const char end[] = "\r\n\r\n";

  if (c == end[*matched])
    (*matched)++;
  else
    *matched = c == '\r' ? 1 : 0;
  return *matched == 4;
}

/* How many bytes at the start of @buffer belong to the head being
 * dropped; past its empty line, writes pass again. */
static gsize
drop_head (NorthMcpInterimOutputStream *self,
           const char                  *buffer,
           gsize                        count)
{
  gsize i;

  for (i = 0; i < count && self->matched < 4; i++)
    match_head_end (&self->matched, buffer[i]);

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

/* Follows the chunked framing of the @count bytes just written. libsoup
 * writes size lines without extensions and no trailers; anything else
 * stops the tracking. */
static void
track_body (NorthMcpInterimOutputStream *self,
            const guint8                *bytes,
            gsize                        count)
{
  gsize i = 0;

  while (i < count && self->body_state != BODY_UNTRACKED)
    {
      guint8 c = bytes[i];

      switch (self->body_state)
        {
        case BODY_HEAD:
          if (match_head_end (&self->body_matched, c))
            self->body_state = self->chunked ? BODY_SIZE : BODY_EOF;
          i++;
          break;
        case BODY_EOF:
          self->data_written += count - i;
          i = count;
          break;
        case BODY_SIZE:
          self->line_length++;
          i++;
          if (g_ascii_isxdigit (c) && self->chunk_left <= G_MAXUINT32)
            self->chunk_left = self->chunk_left * 16 + g_ascii_xdigit_value (c);
          else if (c == '\n')
            {
              self->body_state = self->chunk_left > 0 ? BODY_DATA : BODY_LAST;
              self->body_matched = 0;
            }
          else if (c != '\r')
            self->body_state = BODY_UNTRACKED;
          break;
        case BODY_DATA:
          {
            gsize n = MIN (self->chunk_left, count - i);

            self->chunk_left -= n;
            self->data_written += n;
            i += n;
            if (self->chunk_left == 0)
              self->body_state = BODY_DATA_END;
          }
          break;
        case BODY_DATA_END:
        case BODY_LAST:
          i++;
          if (++self->body_matched < 2)
            break;
          self->body_state = self->body_state == BODY_LAST ? BODY_UNTRACKED : BODY_SIZE;
          self->body_matched = 0;
          self->line_length = 0;
          break;
        case BODY_UNTRACKED:
        default:
          break;
        }
    }
}

static gssize
written (NorthMcpInterimOutputStream *self,
         const void                  *buffer,
         gssize                       n)
{
  if (G_UNLIKELY (self->body_state != BODY_UNTRACKED) && n > 0)
    track_body (self, buffer, n);
  return n;
}

static gssize
write_nonblocking (GPollableOutputStream  *stream,
                   const void             *buffer,
                   gsize                   count,
                   GError                **error)
{
  NorthMcpInterimOutputStream *self = (NorthMcpInterimOutputStream *) stream;
  gsize dropped = bytes_to_drop (self, buffer, count);

  if (dropped > 0)
    return dropped;
  return written (self, buffer, self->base_iface->write_nonblocking (self->base, buffer, count, error));
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
  return written (self, buffer, g_output_stream_write (G_OUTPUT_STREAM (self->base), buffer, count, cancellable, error));
}

static gboolean
is_writable (GPollableOutputStream *stream)
{
  NorthMcpInterimOutputStream *self = (NorthMcpInterimOutputStream *) stream;

  return self->base_iface->is_writable (self->base);
}

static GSource *
create_source (GPollableOutputStream *stream,
               GCancellable          *cancellable)
{
  NorthMcpInterimOutputStream *self = (NorthMcpInterimOutputStream *) stream;

  /* The socket's own source, as north-mcp-hangup-input-stream.c gives:
   * libsoup wraps it anyway. */
  return self->base_iface->create_source (self->base, cancellable);
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
  self->base_iface = G_POLLABLE_OUTPUT_STREAM_GET_INTERFACE (base);
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

void
north_mcp_interim_output_stream_track_body (NorthMcpInterimOutputStream *self,
                                            gboolean                     chunked)
{
  g_return_if_fail (NORTH_MCP_IS_INTERIM_OUTPUT_STREAM (self));

  self->body_state = BODY_HEAD;
  self->chunked = chunked;
  self->body_matched = 0;
  self->line_length = 0;
  self->chunk_left = 0;
  self->data_written = 0;
}

GBytes *
north_mcp_interim_output_stream_end_body (NorthMcpInterimOutputStream *self,
                                          SoupMessageBody             *body)
{
  static const char last_chunk[] = "\r\n0\r\n\r\n";
  g_autoptr(GBytes) chunk = NULL;
  g_autoptr(GByteArray) end = NULL;
  gsize size = 0;

  g_return_val_if_fail (NORTH_MCP_IS_INTERIM_OUTPUT_STREAM (self), NULL);

  switch (self->body_state)
    {
    case BODY_SIZE:
    case BODY_DATA:
      /* The chunk under way is still the body's: libsoup lets go of a
       * chunk once it is written whole. */
      chunk = soup_message_body_get_chunk (body, self->data_written);
      size = chunk != NULL ? g_bytes_get_size (chunk) : 0;
      end = g_byte_array_sized_new (size + 32);
      if (self->body_state == BODY_SIZE && self->line_length > 0)
        {
          /* Its size line, begun: the chunk is the next one, whole. */
          g_autofree char *line = g_strdup_printf ("%" G_GSIZE_MODIFIER "x\r\n", size);

          if (chunk == NULL || self->line_length >= strlen (line))
            return NULL;
          g_byte_array_append (end, (const guint8 *) line + self->line_length,
                               strlen (line) - self->line_length);
          if (size == 0)
            {
              g_byte_array_append (end, (const guint8 *) "\r\n", 2);
              return g_byte_array_free_to_bytes (g_steal_pointer (&end));
            }
        }
      else if (self->body_state == BODY_DATA)
        {
          if (chunk == NULL || size < self->chunk_left)
            return NULL;
          size = self->chunk_left;
        }
      else
        size = 0;
      if (size > 0)
        g_byte_array_append (end, g_bytes_get_data (chunk, NULL), size);
      g_byte_array_append (end, (const guint8 *) last_chunk + (size > 0 ? 0 : 2),
                           sizeof last_chunk - 1 - (size > 0 ? 0 : 2));
      return g_byte_array_free_to_bytes (g_steal_pointer (&end));
    case BODY_EOF:
      /* The rest of the chunk under way (an event: the SSE writers append
       * one per chunk); the close that follows ends the body. */
      return soup_message_body_get_chunk (body, self->data_written);
    case BODY_DATA_END:
      return g_bytes_new (last_chunk + self->body_matched, sizeof last_chunk - 1 - self->body_matched);
    case BODY_LAST:
      return g_bytes_new ("\r\n" + self->body_matched, 2 - self->body_matched);
    case BODY_HEAD:
    case BODY_UNTRACKED:
    default:
      return NULL;
    }
}
