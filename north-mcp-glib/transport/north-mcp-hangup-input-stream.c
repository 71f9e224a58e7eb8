/* north-mcp-hangup-input-stream.c: the input side of an accepted HTTP
 * connection, which tells when the client hangs up
 *
 * Why it exists: libsoup 3.2 leaks a keep-alive connection that the client
 * closes while it is idle (see north-mcp-http-listener.c). Reads pass
 * straight through; only a read that ends the connection is held back, so
 * that libsoup keeps waiting and the listener can take the connection away
 * from it cleanly. While the listener owns the connection, the bytes also
 * go through a NorthMcpHttpRequestGuard, which keeps from libsoup the
 * request heads it would leak on (north-mcp-http-request-guard.c).
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-hangup-input-stream-private.h"
#include "north-mcp-http-request-guard-private.h"

struct _NorthMcpHangupInputStream
{
  GFilterInputStream  parent_instance;

  GIOStream          *connection;
  /* The base stream, as the filter holds it for its whole life: looked
   * up once, not with two type checks on every read and wait. Its
   * methods are called without the wrappers (g_pollable_input_stream_*()),
   * whose type check, interface lookup and cancellable check (~250
   * instructions a call) tell nothing new here: the base is the socket's
   * pollable stream, and what libsoup asks of ours has passed them. */
  GPollableInputStream *base;
  GPollableInputStreamInterface *base_iface;
  NorthMcpHangupFunc  func;
  gpointer            user_data;
  gboolean            hung_up;
  GDestroyNotify      closed_notify;  /* once, on close */
  gpointer            closed_data;
  NorthMcpHttpRequestGuard guard;
};

static void north_mcp_hangup_input_stream_pollable_init (GPollableInputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (NorthMcpHangupInputStream, north_mcp_hangup_input_stream,
                               G_TYPE_FILTER_INPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_INPUT_STREAM,
                                                      north_mcp_hangup_input_stream_pollable_init))

static void
report (NorthMcpHangupInputStream *self,
        NorthMcpHangupEvent        event)
{
  if (self->func != NULL)
    self->func (self->user_data, event);
}

/* Runs the close notification, once. */
static void
notify_closed (NorthMcpHangupInputStream *self)
{
  GDestroyNotify notify = g_steal_pointer (&self->closed_notify);

  if (notify != NULL)
    notify (g_steal_pointer (&self->closed_data));
}

/* Tells the client of a request refused after part of it reached libsoup
 * (which cannot be taken back) why its connection ends. Nothing of an
 * answer is on the way: libsoup writes a response only after it has read
 * the whole request, and reads the next only after that response (a
 * refusal in a read that also ends earlier requests waits for them, see
 * is_refused()). Best effort: the socket's buffer is empty, and the
 * connection closes next. */
static void
answer_refused (NorthMcpHangupInputStream *self)
{
  static const char answer[] = "HTTP/1.1 400 Bad Request\r\n"
                               "Connection: close\r\n"
                               "Content-Length: 0\r\n\r\n";
  GOutputStream *output = g_io_stream_get_output_stream (self->connection);

  g_pollable_output_stream_write_nonblocking (G_POLLABLE_OUTPUT_STREAM (output), answer,
                                              sizeof answer - 1, NULL, NULL);
}

/* Bytes read for the owner: what of them libsoup may see. Without an
 * owner (a route took the connection over) they are not HTTP's any more.
 * A refused connection is held like one whose client hung up: libsoup
 * waits, and the owner closes it (libsoup 3.2 would go on reading after
 * an error of its input, and answer nothing). */
static gssize
guard (NorthMcpHangupInputStream  *self,
       void                       *buffer,
       gssize                      n,
       GError                    **error)
{
  g_autoptr(GError) refused = NULL;

  if (n <= 0 || self->func == NULL)
    return n;
  report (self, NORTH_MCP_HANGUP_EVENT_DATA);
  n = north_mcp_http_request_guard_feed (&self->guard, buffer, n, &refused);
  if (n >= 0)
    return n;
  answer_refused (self);
  report (self, NORTH_MCP_HANGUP_EVENT_HANGUP);
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK, refused->message);
  return -1;
}

/* A request was refused: nothing more is read until the owner closes. A
 * refusal the guard put off (earlier requests of its read went to libsoup
 * first) is told when libsoup, done with them, reads on. */
static gboolean
is_refused (NorthMcpHangupInputStream *self)
{
  if (self->func == NULL || !north_mcp_http_request_guard_is_refused (&self->guard))
    return FALSE;
  if (north_mcp_http_request_guard_take_deferred (&self->guard))
    {
      answer_refused (self);
      report (self, NORTH_MCP_HANGUP_EVENT_HANGUP);
    }
  return TRUE;
}

static gssize
read_nonblocking (GPollableInputStream  *stream,
                  void                  *buffer,
                  gsize                  count,
                  GError               **error)
{
  NorthMcpHangupInputStream *self = (NorthMcpHangupInputStream *) stream;
  g_autoptr(GError) local_error = NULL;
  gssize n;

  if (!self->hung_up && !is_refused (self))
    {
      n = self->base_iface->read_nonblocking (self->base, buffer, count, &local_error);
      if (n > 0)
        return guard (self, buffer, n, error);
      /* Without an owner (the connection was handed to someone else),
       * the end is theirs to see. */
      if ((n < 0 && g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) ||
          self->func == NULL)
        {
          if (n < 0)
            g_propagate_error (error, g_steal_pointer (&local_error));
          return n;
        }

      /* End of stream or a reset: the client is gone. */
      self->hung_up = TRUE;
      report (self, NORTH_MCP_HANGUP_EVENT_HANGUP);
    }

  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK,
                       self->hung_up ? "The client hung up" : "A request was refused");
  return -1;
}

static gboolean
is_readable (GPollableInputStream *stream)
{
  NorthMcpHangupInputStream *self = (NorthMcpHangupInputStream *) stream;

  return !self->hung_up && !is_refused (self) && self->base_iface->is_readable (self->base);
}

static GSource *
create_source (GPollableInputStream *stream,
               GCancellable         *cancellable)
{
  NorthMcpHangupInputStream *self = (NorthMcpHangupInputStream *) stream;

  /* A source that never fires: the owner closes the connection. */
  if (self->hung_up || is_refused (self))
    return g_pollable_source_new (G_OBJECT (self));

  /* The socket's own source, not one wrapped around it: libsoup's
   * filter stream wraps it again anyway and ignores which stream the
   * callback names, and one GSource less per wait keeps requests cheap. */
  return self->base_iface->create_source (self->base, cancellable);
}

static gboolean
close_fn (GInputStream  *stream,
          GCancellable  *cancellable,
          GError       **error)
{
  NorthMcpHangupInputStream *self = NORTH_MCP_HANGUP_INPUT_STREAM (stream);
  gboolean closed;

  closed = G_INPUT_STREAM_CLASS (north_mcp_hangup_input_stream_parent_class)->close_fn (stream, cancellable, error);
  /* The socket itself is released only when its connection is closed. */
  if (self->connection != NULL && !g_io_stream_close (self->connection, cancellable, closed ? error : NULL))
    closed = FALSE;
  report (self, NORTH_MCP_HANGUP_EVENT_CLOSED);
  notify_closed (self);

  return closed;
}

GInputStream *
north_mcp_hangup_input_stream_new (GIOStream *connection)
{
  NorthMcpHangupInputStream *self;

  g_return_val_if_fail (G_IS_IO_STREAM (connection), NULL);
  g_return_val_if_fail (G_IS_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (connection)), NULL);

  self = g_object_new (NORTH_MCP_TYPE_HANGUP_INPUT_STREAM,
                       "base-stream", g_io_stream_get_input_stream (connection),
                       NULL);
  self->connection = g_object_ref (connection);
  self->base = G_POLLABLE_INPUT_STREAM (g_filter_input_stream_get_base_stream (G_FILTER_INPUT_STREAM (self)));
  self->base_iface = G_POLLABLE_INPUT_STREAM_GET_INTERFACE (self->base);

  return G_INPUT_STREAM (self);
}

void
north_mcp_hangup_input_stream_set_func (NorthMcpHangupInputStream *self,
                                        NorthMcpHangupFunc         func,
                                        gpointer                   user_data)
{
  g_return_if_fail (NORTH_MCP_IS_HANGUP_INPUT_STREAM (self));

  self->func = func;
  self->user_data = user_data;
}

static gssize
read_fn (GInputStream  *stream,
         void          *buffer,
         gsize          count,
         GCancellable  *cancellable,
         GError       **error)
{
  NorthMcpHangupInputStream *self = NORTH_MCP_HANGUP_INPUT_STREAM (stream);
  gssize n;

  /* Blocking reads (libsoup makes none on a server) pass through, guarded. */
  if (is_refused (self))
    return north_mcp_http_request_guard_feed (&self->guard, buffer, 0, error);
  n = g_input_stream_read (G_INPUT_STREAM (self->base), buffer, count, cancellable, error);
  return guard (self, buffer, n, error);
}

/* Skipped bytes are read, so that the guard sees them. */
static gssize
skip (GInputStream  *stream,
      gsize          count,
      GCancellable  *cancellable,
      GError       **error)
{
  char buffer[4096];

  return read_fn (stream, buffer, MIN (count, sizeof buffer), cancellable, error);
}

static void
north_mcp_hangup_input_stream_finalize (GObject *object)
{
  NorthMcpHangupInputStream *self = NORTH_MCP_HANGUP_INPUT_STREAM (object);

  /* GInputStream closes a stream it disposes of; in case not. */
  notify_closed (self);
  g_clear_object (&self->connection);

  G_OBJECT_CLASS (north_mcp_hangup_input_stream_parent_class)->finalize (object);
}

static void
north_mcp_hangup_input_stream_class_init (NorthMcpHangupInputStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GInputStreamClass *input_class = G_INPUT_STREAM_CLASS (klass);

  object_class->finalize = north_mcp_hangup_input_stream_finalize;
  input_class->read_fn = read_fn;
  input_class->skip = skip;
  input_class->close_fn = close_fn;
}

static void
north_mcp_hangup_input_stream_pollable_init (GPollableInputStreamInterface *iface)
{
  iface->is_readable = is_readable;
  iface->create_source = create_source;
  iface->read_nonblocking = read_nonblocking;
}

static void
north_mcp_hangup_input_stream_init (NorthMcpHangupInputStream *self)
{
}

void
north_mcp_hangup_input_stream_notify_closed (NorthMcpHangupInputStream *self,
                                             GDestroyNotify             notify,
                                             gpointer                   data)
{
  g_return_if_fail (NORTH_MCP_IS_HANGUP_INPUT_STREAM (self));
  g_return_if_fail (self->closed_notify == NULL);

  if (g_input_stream_is_closed (G_INPUT_STREAM (self)))
    {
      notify (data);
      return;
    }
  self->closed_notify = notify;
  self->closed_data = data;
}

gsize
north_mcp_hangup_input_stream_get_largest_head (NorthMcpHangupInputStream *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_HANGUP_INPUT_STREAM (self), 0);

  return self->guard.largest_head;
}

void
north_mcp_hangup_input_stream_forget_heads (NorthMcpHangupInputStream *self)
{
  g_return_if_fail (NORTH_MCP_IS_HANGUP_INPUT_STREAM (self));

  /* libsoup reads no more of the connection than the 8 KiB a line may
   * take until the answer ends: a head that ended past the request's
   * end is under 8 KiB, which no buffer beyond the usual counts for. */
  self->guard.largest_head = 0;
}
