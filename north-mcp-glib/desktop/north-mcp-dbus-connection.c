/* north-mcp-dbus-connection.c: a D-Bus connection that drops incoming
 * messages past a size unread
 *
 * GDBus reads a whole message before anyone sees it, and GLib 2.74 parses
 * its body into one GVariant per value: a reply of 16 MB of empty strings
 * took 350 MB, one of 48 MB 1 GB (the session bus lets a peer send
 * 128 MiB). The bridge refused such replies only once GDBus had made them.
 * Here the connection's input stream reads the framing itself: a message
 * whose header announces more than the limit is skipped in small pieces,
 * and a reply is replaced by an error reply to the same call.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <gio/gunixconnection.h>

#include "north-mcp-dbus-bridge-impl-private.h"

/* The fixed start of a message: endianness, type, flags, version, body
 * length, serial, length of the header fields. */
#define FIXED_HEADER 16
/* Header fields of a skipped message read to find what it replies to:
 * a bus's fields are a few names and numbers. */
#define MAX_HEADER_FIELDS (64 << 10)
#define SKIP_PIECE (64 << 10)

#define BOUNDED_TYPE_INPUT (bounded_input_get_type ())
G_DECLARE_FINAL_TYPE (BoundedInput, bounded_input, BOUNDED, INPUT, GFilterInputStream)

struct _BoundedInput
{
  GFilterInputStream parent_instance;
  gsize    max_message;
  guint8  *head;         /* a message's start, read before deciding */
  gsize    head_length;
  gsize    head_needed;
  gsize    message_size; /* of the message whose head was read */
  guint64  pass;         /* bytes of an accepted message left to hand on */
  guint64  skip;         /* bytes of a refused message left to drop */
  GBytes  *out;          /* handed to the reader first */
  gsize    out_offset;
  GBytes  *after_skip;   /* the error reply to hand once skipped */
};

static void bounded_input_pollable_init (GPollableInputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (BoundedInput, bounded_input, G_TYPE_FILTER_INPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_INPUT_STREAM,
                                                      bounded_input_pollable_init))

static GInputStream *
base_of (BoundedInput *self)
{
  return g_filter_input_stream_get_base_stream (G_FILTER_INPUT_STREAM (self));
}

static gssize
base_read (BoundedInput  *self,
           void          *buffer,
           gsize          count,
           gboolean       blocking,
           GCancellable  *cancellable,
           GError       **error)
{
  if (blocking)
    return g_input_stream_read (base_of (self), buffer, count, cancellable, error);
  return g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (base_of (self)), buffer, count,
                                                   cancellable, error);
}

static guint32
read_u32 (const guint8 *bytes,
          gboolean      big_endian)
{
  guint32 value;

  memcpy (&value, bytes, 4);
  return big_endian ? GUINT32_FROM_BE (value) : GUINT32_FROM_LE (value);
}

/* The reply serial and sender in the header fields of @head (a bus
 * message: string, path, signature and uint32 fields only). FALSE if it
 * replies to nothing or its fields are not understood. */
static gboolean
find_reply (const guint8 *head,
            gsize         length,
            guint32      *reply_serial,
            char        **sender)
{
  gboolean big_endian = head[0] == 'B';
  gsize position = FIXED_HEADER, end = FIXED_HEADER + read_u32 (head + 12, big_endian);

  *reply_serial = 0;
  while (end <= length && (position = (position + 7) & ~(gsize) 7) + 4 <= end)
    {
      guint8 code = head[position];
      char signature = (char) head[position + 2];
      gsize size;

      if (head[position + 1] != 1 || head[position + 3] != 0)
        break;
      position += 4;
      if (signature == 'u')
        {
          position = (position + 3) & ~(gsize) 3;
          if (position + 4 > end)
            break;
          if (code == G_DBUS_MESSAGE_HEADER_FIELD_REPLY_SERIAL)
            *reply_serial = read_u32 (head + position, big_endian);
          position += 4;
        }
      else if (signature == 's' || signature == 'o' || signature == 'g')
        {
          if (signature == 'g' && position < end)
            size = head[position++];
          else if (signature == 'g')
            break;
          else
            {
              position = (position + 3) & ~(gsize) 3;
              if (position + 4 > end)
                break;
              size = read_u32 (head + position, big_endian);
              position += 4;
            }
          if (size >= end - MIN (position, end))
            break;
          if (code == G_DBUS_MESSAGE_HEADER_FIELD_SENDER && signature == 's')
            {
              g_free (*sender);
              *sender = g_strndup ((const char *) head + position, size);
            }
          position += size + 1;
        }
      else
        break;
    }
  return *reply_serial != 0;
}

/* The error reply that stands for the refused message in self->head. */
static GBytes *
refusal_of (BoundedInput *self)
{
  g_autoptr(GDBusMessage) error_reply = g_dbus_message_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *sender = NULL;
  g_autofree char *text = NULL;
  guint32 reply_serial;
  guchar *blob;
  gsize size;

  if (!find_reply (self->head, self->head_length, &reply_serial, &sender) ||
      (self->head[1] != G_DBUS_MESSAGE_TYPE_METHOD_RETURN && self->head[1] != G_DBUS_MESSAGE_TYPE_ERROR))
    return NULL;
  g_dbus_message_set_message_type (error_reply, G_DBUS_MESSAGE_TYPE_ERROR);
  g_dbus_message_set_flags (error_reply, G_DBUS_MESSAGE_FLAGS_NO_REPLY_EXPECTED);
  g_dbus_message_set_serial (error_reply, MAX (read_u32 (self->head + 8, self->head[0] == 'B'), 1));
  g_dbus_message_set_reply_serial (error_reply, reply_serial);
  g_dbus_message_set_error_name (error_reply, "org.freedesktop.DBus.Error.LimitsExceeded");
  if (sender != NULL && g_dbus_is_name (sender))
    g_dbus_message_set_sender (error_reply, sender);
  text = g_strdup_printf ("The reply of %" G_GSIZE_FORMAT " bytes is larger than the %" G_GSIZE_FORMAT
                          " bytes a D-Bus message may take", self->message_size, self->max_message);
  g_dbus_message_set_body (error_reply, g_variant_new ("(s)", text));
  blob = g_dbus_message_to_blob (error_reply, &size, G_DBUS_CAPABILITY_FLAGS_NONE, &error);
  if (blob == NULL)
    return NULL;
  return g_bytes_new_take (blob, size);
}

/* Decides on the message whose head is in self->head: hands on an
 * accepted one (its head, then the rest as it comes), skips a refused one.
 * FALSE and @error set when the stream is no D-Bus stream. */
static gboolean
decide (BoundedInput  *self,
        GError       **error)
{
  gssize needed;
  guint32 fields;

  if (self->head_needed == FIXED_HEADER)
    {
      if ((needed = g_dbus_message_bytes_needed (self->head, FIXED_HEADER, error)) < 0)
        return FALSE;
      self->message_size = (gsize) needed;
      if ((gsize) needed <= self->max_message)
        {
          self->out = g_bytes_new (self->head, FIXED_HEADER);
          self->pass = (gsize) needed - FIXED_HEADER;
          self->head_length = 0;
          return TRUE;
        }
      /* Header fields past MAX_HEADER_FIELDS (an object path may be that
       * long) are not read for what the message replies to: it is dropped
       * with no stand-in, as one with none, rather than fail the stream,
       * which would let any peer on the bus close our connection. */
      fields = read_u32 (self->head + 12, self->head[0] == 'B');
      if (fields > 0 && fields <= MAX_HEADER_FIELDS)
        {
          self->head_needed = MIN (FIXED_HEADER + ((fields + 7) & ~7u), (gsize) needed);
          return TRUE;
        }
    }

  g_warning ("A D-Bus message of %" G_GSIZE_FORMAT " bytes dropped unread: larger than %" G_GSIZE_FORMAT " bytes",
             self->message_size, self->max_message);
  self->after_skip = self->head_length > FIXED_HEADER ? refusal_of (self) : NULL;
  self->skip = self->message_size - self->head_length;
  self->head_length = 0;
  self->head_needed = FIXED_HEADER;
  return TRUE;
}

static gssize
bounded_read (BoundedInput  *self,
              void          *buffer,
              gsize          count,
              gboolean       blocking,
              GCancellable  *cancellable,
              GError       **error)
{
  for (;;)
    {
      gssize n;

      if (self->out != NULL)
        {
          gsize size, taken;
          const guint8 *data = g_bytes_get_data (self->out, &size);

          taken = MIN (count, size - self->out_offset);
          memcpy (buffer, data + self->out_offset, taken);
          self->out_offset += taken;
          if (self->out_offset == size)
            {
              g_clear_pointer (&self->out, g_bytes_unref);
              self->out_offset = 0;
            }
          return (gssize) taken;
        }
      if (self->pass > 0)
        {
          n = base_read (self, buffer, MIN (count, self->pass), blocking, cancellable, error);
          if (n > 0)
            self->pass -= n;
          return n;
        }
      if (self->skip > 0)
        {
          guint8 piece[SKIP_PIECE];

          n = base_read (self, piece, MIN (sizeof piece, self->skip), blocking, cancellable, error);
          if (n <= 0)
            return n;
          self->skip -= n;
          if (self->skip == 0)
            self->out = g_steal_pointer (&self->after_skip);
          continue;
        }

      n = base_read (self, self->head + self->head_length, self->head_needed - self->head_length, blocking,
                     cancellable, error);
      if (n <= 0)
        return n;
      self->head_length += n;
      if (self->head_length == self->head_needed && !decide (self, error))
        return -1;
    }
}

static gssize
bounded_input_read (GInputStream  *stream,
                    void          *buffer,
                    gsize          count,
                    GCancellable  *cancellable,
                    GError       **error)
{
  return bounded_read (BOUNDED_INPUT (stream), buffer, count, TRUE, cancellable, error);
}

static gssize
bounded_input_read_nonblocking (GPollableInputStream  *stream,
                                void                  *buffer,
                                gsize                  count,
                                GError               **error)
{
  return bounded_read (BOUNDED_INPUT (stream), buffer, count, FALSE, NULL, error);
}

static gboolean
bounded_input_can_poll (GPollableInputStream *stream)
{
  GInputStream *base = base_of (BOUNDED_INPUT (stream));

  return G_IS_POLLABLE_INPUT_STREAM (base) && g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (base));
}

static gboolean
bounded_input_is_readable (GPollableInputStream *stream)
{
  BoundedInput *self = BOUNDED_INPUT (stream);

  return self->out != NULL || g_pollable_input_stream_is_readable (G_POLLABLE_INPUT_STREAM (base_of (self)));
}

static GSource *
bounded_input_create_source (GPollableInputStream *stream,
                             GCancellable         *cancellable)
{
  BoundedInput *self = BOUNDED_INPUT (stream);
  g_autoptr(GSource) base_source = NULL;

  if (self->out != NULL)
    base_source = g_timeout_source_new (0);
  else
    base_source = g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM (base_of (self)), NULL);
  return g_pollable_source_new_full (stream, base_source, cancellable);
}

static void
bounded_input_pollable_init (GPollableInputStreamInterface *iface)
{
  iface->can_poll = bounded_input_can_poll;
  iface->is_readable = bounded_input_is_readable;
  iface->create_source = bounded_input_create_source;
  iface->read_nonblocking = bounded_input_read_nonblocking;
}

static void
bounded_input_finalize (GObject *object)
{
  BoundedInput *self = BOUNDED_INPUT (object);

  g_free (self->head);
  g_clear_pointer (&self->out, g_bytes_unref);
  g_clear_pointer (&self->after_skip, g_bytes_unref);
  G_OBJECT_CLASS (bounded_input_parent_class)->finalize (object);
}

static void
bounded_input_class_init (BoundedInputClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = bounded_input_finalize;
  G_INPUT_STREAM_CLASS (klass)->read_fn = bounded_input_read;
}

static void
bounded_input_init (BoundedInput *self)
{
  self->head = g_malloc (FIXED_HEADER + MAX_HEADER_FIELDS);
  self->head_needed = FIXED_HEADER;
}

/* The output stream as it is, but not a GSocketOutputStream: GDBus
 * writes to one with the socket of a GSocketConnection, which the
 * connection's stream is not. */
#define BOUNDED_TYPE_OUTPUT (bounded_output_get_type ())
G_DECLARE_FINAL_TYPE (BoundedOutput, bounded_output, BOUNDED, OUTPUT, GFilterOutputStream)

struct _BoundedOutput
{
  GFilterOutputStream parent_instance;
};

G_DEFINE_FINAL_TYPE (BoundedOutput, bounded_output, G_TYPE_FILTER_OUTPUT_STREAM)

static void
bounded_output_class_init (BoundedOutputClass *klass)
{
}

static void
bounded_output_init (BoundedOutput *self)
{
}

/* The longest line a server answers AUTH with. */
#define MAX_AUTH_LINE 512

/* SASL EXTERNAL (the D-Bus specification's "Authentication Protocol"),
 * done here since GDBus offers EXTERNAL only on a stream that is a
 * GUnixConnection, whose messages it would then read itself: a NUL byte
 * with our credentials, AUTH with our uid in hex, OK from the server,
 * BEGIN. */
static gboolean
authenticate (GIOStream     *base,
              GCancellable  *cancellable,
              GError       **error)
{
  GInputStream *input = g_io_stream_get_input_stream (base);
  GOutputStream *output = g_io_stream_get_output_stream (base);
  g_autofree char *uid = g_strdup_printf ("%u", (guint) getuid ());
  g_autoptr(GString) auth = g_string_new ("AUTH EXTERNAL ");
  char line[MAX_AUTH_LINE];
  gsize length = 0;

  if (G_IS_UNIX_CONNECTION (base))
    {
      if (!g_unix_connection_send_credentials (G_UNIX_CONNECTION (base), cancellable, error))
        return FALSE;
    }
  else if (!g_output_stream_write_all (output, "", 1, NULL, cancellable, error))
    return FALSE;
  for (const char *c = uid; *c != '\0'; c++)
    g_string_append_printf (auth, "%02x", (guint) (guchar) *c);
  g_string_append (auth, "\r\n");
  if (!g_output_stream_write_all (output, auth->str, auth->len, NULL, cancellable, error))
    return FALSE;

  /* One byte at a time: nothing past the line is ours to read. */
  while (length < 2 || line[length - 2] != '\r' || line[length - 1] != '\n')
    {
      gssize n;

      if (length == sizeof line)
        break;
      if ((n = g_input_stream_read (input, line + length, 1, cancellable, error)) < 0)
        return FALSE;
      if (n == 0)
        break;
      length++;
    }
  if (length < 5 || memcmp (line, "OK ", 3) != 0 || line[length - 1] != '\n')
    {
      g_autofree char *answer = g_strndup (line, MIN (length, 64));
      g_autofree char *escaped = g_strescape (answer, NULL);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   "The D-Bus server refused EXTERNAL authentication (“%s”)", escaped);
      return FALSE;
    }
  return g_output_stream_write_all (output, "BEGIN\r\n", 7, NULL, cancellable, error);
}

/**
 * north_mcp_dbus_bridge_connect_sync:
 * @address: a D-Bus address, such as `g_dbus_address_get_for_bus_sync()`
 *   gives for the session bus
 * @flags: as for [ctor@Gio.DBusConnection.new_for_address_sync]
 *   (%G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT, and
 *   %G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION for a message bus)
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Connects to @address as [ctor@Gio.DBusConnection.new_for_address_sync]
 * does, for a [class@NorthMcp.DBusBridge]: an incoming message larger than
 * 8 MiB (twice the 4 MiB a reply or property may take) is dropped unread,
 * in pieces of 64 KiB, and a reply to one of the connection's calls is
 * replaced by the error `org.freedesktop.DBus.Error.LimitsExceeded`, which
 * the bridge returns as the tool's error (a reply whose header fields take
 * more than 64 KiB is dropped without it: the call waits for its
 * timeout). A connection of
 * g_bus_get_sync() reads every message whole, up to the bus's own limit
 * (128 MiB on the session bus), and GLib holds its values several times
 * their size before the bridge can refuse them. The connection passes no
 * file descriptors.
 *
 * Returns: (transfer full): the connection, or %NULL with @error set
 *
 * Since: 0.2
 */
GDBusConnection *
north_mcp_dbus_bridge_connect_sync (const char            *address,
                                    GDBusConnectionFlags   flags,
                                    GCancellable          *cancellable,
                                    GError               **error)
{
  g_autoptr(GIOStream) base = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GInputStream) input = NULL;
  g_autoptr(GOutputStream) output = NULL;

  g_return_val_if_fail (address != NULL, NULL);

  if ((base = g_dbus_address_get_stream_sync (address, NULL, cancellable, error)) == NULL ||
      !authenticate (base, cancellable, error))
    return NULL;
  input = g_object_new (BOUNDED_TYPE_INPUT, "base-stream", g_io_stream_get_input_stream (base), NULL);
  BOUNDED_INPUT (input)->max_message = NORTH_MCP_DBUS_MAX_MESSAGE_SIZE;
  output = g_object_new (BOUNDED_TYPE_OUTPUT, "base-stream", g_io_stream_get_output_stream (base), NULL);
  stream = g_simple_io_stream_new (input, output);
  /* The socket lives as long as the streams that use it. */
  g_object_set_data_full (G_OBJECT (stream), "north-mcp-dbus-base-stream", g_steal_pointer (&base), g_object_unref);
  return g_dbus_connection_new_sync (stream, NULL, flags & ~G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT, NULL,
                                     cancellable, error);
}
