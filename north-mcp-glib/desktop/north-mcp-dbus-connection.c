/* north-mcp-dbus-connection.c: a D-Bus connection that drops incoming
 * messages past a size unread
 *
 * GDBus reads a whole message before anyone sees it, and GLib 2.74 parses
 * its body into one GVariant per value: a reply of 16 MB of empty strings
 * took 350 MB, one of 48 MB 1 GB (the session bus lets a peer send
 * 128 MiB). The bridge refused such replies only once GDBus had made them.
 * Here the connection's input stream reads the framing itself: a message
 * whose header announces a body larger than a reply may take (the same
 * limit as the bridge's, so that no message is read whole only to be
 * refused: one of 6 MiB of empty strings took 136 MB), or header fields
 * larger than a bus's ever are, is skipped in small pieces, and a reply is
 * replaced by an error reply to the same call, found on the way. A message
 * within them is read whole and walked by its signatures first
 * (north-mcp-dbus-walk.c): one of too many values (4 MiB of empty
 * signatures took 330 MB), or malformed (GDBus closed the connection on
 * those), is dropped too.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <gio/gunixconnection.h>

#include "north-mcp-dbus-bridge-impl-private.h"
#include "north-mcp-dbus-walk-private.h"

/* The fixed start of a message: endianness, type, flags, version, body
 * length, serial, length of the header fields. */
#define FIXED_HEADER 16
/* Header fields a message read whole may have: a bus's fields are a few
 * names (at most 255 bytes each) and numbers; only an object path has no
 * bound but the message's. */
#define MAX_HEADER_FIELDS (64 << 10)
#define SKIP_PIECE (64 << 10)

/* Where the reading of a skipped message's header fields is, to find what
 * it replies to; the fields pass in pieces, so a value may span two. */
typedef enum
{
  FIELD_START,        /* code, signature length, type, NUL */
  FIELD_NUMBER,       /* a fixed-size value */
  FIELD_TEXT_LENGTH,  /* of a string or object path */
  FIELD_SIGNATURE_LENGTH,
  FIELD_SENDER,       /* the sender's name and its NUL */
  FIELDS_DONE,        /* the end, or fields not understood */
} FieldStep;

typedef struct
{
  FieldStep step;
  guint64   offset;    /* in the message, of the next byte */
  guint64   end;       /* of the header fields */
  guint64   skip_to;   /* padding and values not kept end there */
  guint8    item[256]; /* what the step reads (a bus name is at most 255 bytes) */
  gsize     item_length;
  gsize     item_needed;
  guint8    code;      /* of the field read */
  char      type;
  guint32   reply_serial;
  char     *sender;
} FieldScan;

#define BOUNDED_TYPE_INPUT (bounded_input_get_type ())
G_DECLARE_FINAL_TYPE (BoundedInput, bounded_input, BOUNDED, INPUT, GFilterInputStream)

struct _BoundedInput
{
  GFilterInputStream parent_instance;
  gsize      max_body;
  guint8     head[FIXED_HEADER]; /* a message's start, read before deciding */
  gsize      head_length;
  guint8    *whole;      /* an accepted message, read whole to be walked */
  gsize      whole_length;
  gsize      whole_needed;
  guint64    skip;       /* bytes of a refused message left to drop */
  FieldScan  scan;       /* of the refused message's header fields */
  GBytes    *out;        /* handed to the reader first */
  gsize      out_offset;
  gsize      last_size;  /* of the last message handed on, which GDBus
                          * parses and filters before it reads the next */
  guint64    last_values; /* and its values */
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

static gboolean
is_big_endian (BoundedInput *self)
{
  return self->head[0] == 'B';
}

/* The next step reads @needed bytes at the first multiple of @alignment
 * past what is read or skipped, if they lie within the fields. */
static void
scan_expect (FieldScan *scan,
             FieldStep  step,
             guint      alignment,
             gsize      needed)
{
  scan->skip_to = (MAX (scan->offset, scan->skip_to) + alignment - 1) & ~(guint64) (alignment - 1);
  scan->item_length = 0;
  scan->item_needed = needed;
  scan->step = scan->skip_to + needed <= scan->end ? step : FIELDS_DONE;
}

/* What follows the item scan->item just read: the header fields are an
 * array of (BYTE code, VARIANT value), each aligned to 8. */
static void
scan_item_read (FieldScan *scan,
                gboolean   big_endian)
{
  guint32 length;
  guint size;

  switch (scan->step)
    {
    case FIELD_START:
      scan->code = scan->item[0];
      scan->type = (char) scan->item[2];
      /* A signature of one basic type: bus fields have no other. */
      if (scan->item[1] != 1 || scan->item[3] != 0)
        scan->step = FIELDS_DONE;
      else if ((size = north_mcp_dbus_fixed_size (scan->type)) > 0)
        scan_expect (scan, FIELD_NUMBER, size, size);
      else if (scan->type == 's' || scan->type == 'o')
        scan_expect (scan, FIELD_TEXT_LENGTH, 4, 4);
      else if (scan->type == 'g')
        scan_expect (scan, FIELD_SIGNATURE_LENGTH, 1, 1);
      else
        scan->step = FIELDS_DONE;
      return;
    case FIELD_NUMBER:
      if (scan->code == G_DBUS_MESSAGE_HEADER_FIELD_REPLY_SERIAL && scan->type == 'u')
        scan->reply_serial = read_u32 (scan->item, big_endian);
      break;
    case FIELD_TEXT_LENGTH:
    case FIELD_SIGNATURE_LENGTH:
      length = scan->step == FIELD_SIGNATURE_LENGTH ? scan->item[0] : read_u32 (scan->item, big_endian);
      if (scan->code == G_DBUS_MESSAGE_HEADER_FIELD_SENDER && scan->type == 's' && length < sizeof scan->item)
        {
          scan_expect (scan, FIELD_SENDER, 1, length + 1);
          return;
        }
      /* The text and its NUL, unread. */
      scan->skip_to = scan->offset + length + 1;
      break;
    case FIELD_SENDER:
      g_free (scan->sender);
      scan->sender = g_strndup ((const char *) scan->item, scan->item_needed - 1);
      break;
    case FIELDS_DONE:
    default:
      g_assert_not_reached ();
    }

  /* The next field, past the value. */
  scan_expect (scan, FIELD_START, 8, 4);
}

/* Reads @length bytes of a skipped message, from scan->offset on: only
 * what the header fields say of the reply is kept, so that fields of any
 * length cost no memory. */
static void
scan_fields (FieldScan    *scan,
             const guint8 *data,
             gsize         length,
             gboolean      big_endian)
{
  while (length > 0 && scan->step != FIELDS_DONE)
    {
      gsize taken;

      if (scan->offset < scan->skip_to)
        taken = MIN (length, scan->skip_to - scan->offset);
      else
        {
          taken = MIN (length, scan->item_needed - scan->item_length);
          memcpy (scan->item + scan->item_length, data, taken);
          scan->item_length += taken;
        }
      scan->offset += taken;
      data += taken;
      length -= taken;
      if (scan->offset >= scan->skip_to && scan->item_length == scan->item_needed)
        scan_item_read (scan, big_endian);
    }
}

/* The error reply @name with @text that stands for the refused message
 * whose fixed header is self->head and whose fields were scanned, or NULL
 * when it replies to nothing known. */
static GBytes *
refusal_of (BoundedInput *self,
            const char   *name,
            const char   *text)
{
  g_autoptr(GDBusMessage) error_reply = NULL;
  g_autoptr(GError) error = NULL;
  guchar *blob;
  gsize size;

  if (self->scan.reply_serial == 0 ||
      (self->head[1] != G_DBUS_MESSAGE_TYPE_METHOD_RETURN && self->head[1] != G_DBUS_MESSAGE_TYPE_ERROR))
    return NULL;
  error_reply = g_dbus_message_new ();
  g_dbus_message_set_message_type (error_reply, G_DBUS_MESSAGE_TYPE_ERROR);
  g_dbus_message_set_flags (error_reply, G_DBUS_MESSAGE_FLAGS_NO_REPLY_EXPECTED);
  g_dbus_message_set_serial (error_reply, MAX (read_u32 (self->head + 8, is_big_endian (self)), 1));
  g_dbus_message_set_reply_serial (error_reply, self->scan.reply_serial);
  g_dbus_message_set_error_name (error_reply, name);
  if (self->scan.sender != NULL && g_dbus_is_name (self->scan.sender))
    g_dbus_message_set_sender (error_reply, self->scan.sender);
  g_dbus_message_set_body (error_reply, g_variant_new ("(s)", text));
  blob = g_dbus_message_to_blob (error_reply, &size, G_DBUS_CAPABILITY_FLAGS_NONE, &error);
  if (blob == NULL)
    return NULL;
  return g_bytes_new_take (blob, size);
}

/* The error reply for the message self->head starts, refused for its
 * size, once its fields were scanned. */
static GBytes *
refusal_for_size (BoundedInput *self)
{
  g_autofree char *text = NULL;
  guint32 body = read_u32 (self->head + 4, is_big_endian (self));
  guint32 fields = read_u32 (self->head + 12, is_big_endian (self));

  if (body > self->max_body)
    text = g_strdup_printf ("The reply of %" G_GUINT32_FORMAT " bytes is larger than the %" G_GSIZE_FORMAT
                            " bytes a reply may take", body, self->max_body);
  else
    text = g_strdup_printf ("The header fields of the reply take %" G_GUINT32_FORMAT " bytes, more than "
                            "the %d they may take (a reply may take %" G_GSIZE_FORMAT " bytes)",
                            fields, MAX_HEADER_FIELDS, self->max_body);
  return refusal_of (self, "org.freedesktop.DBus.Error.LimitsExceeded", text);
}

/* Starts the scan of the header fields of the message self->head starts,
 * for what it replies to. */
static void
scan_start (BoundedInput *self)
{
  g_clear_pointer (&self->scan.sender, g_free);
  memset (&self->scan, 0, sizeof self->scan);
  self->scan.offset = FIXED_HEADER;
  self->scan.end = FIXED_HEADER + (guint64) read_u32 (self->head + 12, is_big_endian (self));
  scan_expect (&self->scan, FIELD_START, 8, 4);
}

/* Walks the accepted message read whole into self->whole: hands it on,
 * or drops it when it holds more values than a message may or is
 * malformed, a reply becoming an error reply to its call. */
static void
judge (BoundedInput *self)
{
  g_autofree char *text = NULL;
  const char *problem;
  guint64 values;
  NorthMcpDBusWalk walk;

  walk = north_mcp_dbus_walk_message (self->whole, self->whole_needed, NORTH_MCP_DBUS_MAX_VALUES, &values,
                                      &problem);
  if (walk == NORTH_MCP_DBUS_WALK_OK)
    {
      self->out = g_bytes_new_take (g_steal_pointer (&self->whole), self->whole_needed);
      self->last_size = self->whole_needed;
      self->last_values = values;
      return;
    }

  scan_start (self);
  scan_fields (&self->scan, self->whole + FIXED_HEADER, self->whole_needed - FIXED_HEADER, is_big_endian (self));
  g_clear_pointer (&self->whole, g_free);
  if (walk == NORTH_MCP_DBUS_WALK_TOO_MANY)
    {
      g_warning ("A D-Bus message of %" G_GSIZE_FORMAT " bytes dropped: it holds more than %d values",
                 self->whole_needed, NORTH_MCP_DBUS_MAX_VALUES);
      text = g_strdup_printf ("The reply holds more than the %d values a reply may hold", NORTH_MCP_DBUS_MAX_VALUES);
      self->out = refusal_of (self, "org.freedesktop.DBus.Error.LimitsExceeded", text);
    }
  else
    {
      g_warning ("A D-Bus message of %" G_GSIZE_FORMAT " bytes dropped: it is malformed (%s)", self->whole_needed,
                 problem);
      text = g_strdup_printf ("The reply is malformed: %s", problem);
      self->out = refusal_of (self, "org.freedesktop.DBus.Error.InconsistentMessage", text);
    }
  g_clear_pointer (&self->scan.sender, g_free);
}

/* Decides on the message whose fixed header is in self->head: reads an
 * accepted one whole, to be walked, skips a refused one, reading what it
 * replies to on the way. FALSE and @error set when the stream is no D-Bus
 * stream. */
static gboolean
decide (BoundedInput  *self,
        GError       **error)
{
  gssize needed;
  guint32 body, fields;

  if ((needed = g_dbus_message_bytes_needed (self->head, FIXED_HEADER, error)) < 0)
    return FALSE;
  self->head_length = 0;
  body = read_u32 (self->head + 4, is_big_endian (self));
  fields = read_u32 (self->head + 12, is_big_endian (self));
  if (body <= self->max_body && fields <= MAX_HEADER_FIELDS)
    {
      self->whole = g_malloc (needed);
      memcpy (self->whole, self->head, FIXED_HEADER);
      self->whole_length = FIXED_HEADER;
      self->whole_needed = (gsize) needed;
      return TRUE;
    }

  g_warning ("A D-Bus message of %" G_GSSIZE_FORMAT " bytes dropped unread: its body (%" G_GUINT32_FORMAT
             " bytes) or header fields (%" G_GUINT32_FORMAT ") take more than %" G_GSIZE_FORMAT " and %d bytes",
             needed, body, fields, self->max_body, MAX_HEADER_FIELDS);
  scan_start (self);
  self->skip = (gsize) needed - FIXED_HEADER;
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
      if (self->whole != NULL)
        {
          n = base_read (self, self->whole + self->whole_length, self->whole_needed - self->whole_length, blocking,
                         cancellable, error);
          if (n <= 0)
            return n;
          self->whole_length += n;
          if (self->whole_length == self->whole_needed)
            judge (self);
          continue;
        }
      if (self->skip > 0)
        {
          guint8 piece[SKIP_PIECE];

          n = base_read (self, piece, MIN (sizeof piece, self->skip), blocking, cancellable, error);
          if (n <= 0)
            return n;
          scan_fields (&self->scan, piece, n, is_big_endian (self));
          self->skip -= n;
          if (self->skip == 0)
            {
              self->out = refusal_for_size (self);
              g_clear_pointer (&self->scan.sender, g_free);
            }
          continue;
        }

      n = base_read (self, self->head + self->head_length, FIXED_HEADER - self->head_length, blocking,
                     cancellable, error);
      if (n <= 0)
        return n;
      self->head_length += n;
      if (self->head_length == FIXED_HEADER && !decide (self, error))
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

  g_free (self->scan.sender);
  g_free (self->whole);
  g_clear_pointer (&self->out, g_bytes_unref);
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
}

/* Signals GDBus has read but not yet handed to every subscriber: each
 * waits, parsed, in an idle callback of the subscriber's main context,
 * and GDBus's worker reads on at its own pace, not the main loop's. A
 * service sending signals faster than they were handled made memory grow
 * with the flood (32 of 512 KiB waiting took 340 MB, 20 of 200 KB of
 * empty signatures 330 MB). Those waiting may take
 * NORTH_MCP_DBUS_MAX_REPLY_SIZE together, as read, and hold
 * NORTH_MCP_DBUS_MAX_VALUES (one may always wait alone); others are
 * dropped. Counted under the lock: a message is let go of in the thread of
 * its last subscriber. */
typedef struct
{
  GMutex        lock;
  gsize         waiting;    /* bytes */
  guint64       waiting_values; /* as the stream counted them */
  gboolean      dropping;   /* warned since the last signal accepted */
  BoundedInput *input;
} SignalBudget;

typedef struct
{
  SignalBudget *budget;
  gsize         size;
  guint64       values;
} SignalTaken;

static void
signal_budget_clear (gpointer data)
{
  SignalBudget *budget = data;

  g_mutex_clear (&budget->lock);
  g_object_unref (budget->input);
}

static void
signal_budget_release (gpointer data)
{
  g_atomic_rc_box_release_full (data, signal_budget_clear);
}

static void
signal_handled (gpointer data)
{
  SignalTaken *taken = data;

  g_mutex_lock (&taken->budget->lock);
  taken->budget->waiting -= taken->size;
  taken->budget->waiting_values -= taken->values;
  g_mutex_unlock (&taken->budget->lock);
  signal_budget_release (taken->budget);
  g_free (taken);
}

/* A filter, run in GDBus's worker on each message once parsed. The bus's
 * own signals (NameOwnerChanged: GDBus follows name owners with them)
 * always pass. */
static GDBusMessage *
bound_signals (GDBusConnection *connection,
               GDBusMessage    *message,
               gboolean         incoming,
               gpointer         user_data)
{
  SignalBudget *budget = user_data;
  SignalTaken *taken;
  gsize size = budget->input->last_size;
  guint64 values = budget->input->last_values;
  gsize waiting;
  guint64 waiting_values;

  if (!incoming || g_dbus_message_get_message_type (message) != G_DBUS_MESSAGE_TYPE_SIGNAL ||
      g_strcmp0 (g_dbus_message_get_sender (message), "org.freedesktop.DBus") == 0)
    return message;

  g_mutex_lock (&budget->lock);
  waiting = budget->waiting;
  waiting_values = budget->waiting_values;
  if (waiting > 0 &&
      (size > NORTH_MCP_DBUS_MAX_REPLY_SIZE - MIN (waiting, NORTH_MCP_DBUS_MAX_REPLY_SIZE) ||
       values > NORTH_MCP_DBUS_MAX_VALUES - MIN (waiting_values, NORTH_MCP_DBUS_MAX_VALUES)))
    {
      gboolean warn = !budget->dropping;

      budget->dropping = TRUE;
      g_mutex_unlock (&budget->lock);
      /* Once until a signal passes again: a flood would repeat it. */
      if (warn)
        g_warning ("D-Bus signals dropped: those not yet handled take %" G_GSIZE_FORMAT " bytes and %"
                   G_GUINT64_FORMAT " values, and at most %d bytes and %d values may wait", waiting, waiting_values,
                   NORTH_MCP_DBUS_MAX_REPLY_SIZE, NORTH_MCP_DBUS_MAX_VALUES);
      g_object_unref (message);
      return NULL;
    }
  budget->waiting += size;
  budget->waiting_values += values;
  budget->dropping = FALSE;
  g_mutex_unlock (&budget->lock);

  taken = g_new (SignalTaken, 1);
  taken->budget = g_atomic_rc_box_acquire (budget);
  taken->size = size;
  taken->values = values;
  g_object_set_data_full (G_OBJECT (message), "north-mcp-dbus-signal-taken", taken, signal_handled);
  return message;
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
 *   %G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION for a message bus;
 *   with %G_DBUS_CONNECTION_FLAGS_DELAY_MESSAGE_PROCESSING nothing is read
 *   before [method@Gio.DBusConnection.start_message_processing], so that
 *   the first signals of a peer find their subscribers)
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Connects to @address as [ctor@Gio.DBusConnection.new_for_address_sync]
 * does, for a [class@NorthMcp.DBusBridge]: an incoming message whose body
 * takes more than 4 MiB (what a reply or property may take), or whose
 * header fields take more than 64 KiB, is dropped unread, in pieces of
 * 64 KiB, and a reply to one of the connection's calls is replaced by the
 * error `org.freedesktop.DBus.Error.LimitsExceeded`, which the bridge
 * returns as the tool's error. A message within these limits is read
 * whole and walked by its signatures before GDBus parses it: one of more
 * than 262,144 values (each basic value and each container; an array of
 * numbers counts once, and the header fields count too), of which GDBus
 * would make as many GVariants (4 MiB of empty signatures took 330 MB),
 * is dropped in the same way, with the same error; one whose framing is
 * malformed (a value past its container's end, containers nested deeper
 * than D-Bus's 64, a variant of no single type…), on which GDBus would
 * close the connection, is dropped, and a reply becomes the error
 * `org.freedesktop.DBus.Error.InconsistentMessage`. The header fields
 * are read on the way for the serial the reply answers; a reply whose
 * serial cannot be found there (malformed, or with fields of types a bus
 * does not relay) is dropped without the error, and its call fails at its
 * timeout (25 s for the bridge's calls, the introspection timeout while
 * attaching). A connection of g_bus_get_sync() reads every message whole,
 * up to the bus's own limit (128 MiB on the session bus), and GLib holds
 * its values many times their size (4 MiB of empty signatures take some
 * 330 MB) before the bridge can refuse them.
 *
 * Signals that GDBus has read but not yet handed to every subscriber
 * (each waits, parsed, for the subscriber's main loop, while GDBus reads
 * on) take at most 4 MiB together, counted as read, and hold at most
 * 262,144 values; one may always wait alone. Further signals are dropped
 * until the main loop has caught up, and the warning `D-Bus signals
 * dropped: …` is logged once each time dropping starts; the message bus's
 * own signals always pass. The
 * connection passes no file descriptors.
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
  GDBusConnection *connection;
  SignalBudget *budget;

  g_return_val_if_fail (address != NULL, NULL);

  if ((base = g_dbus_address_get_stream_sync (address, NULL, cancellable, error)) == NULL ||
      !authenticate (base, cancellable, error))
    return NULL;
  input = g_object_new (BOUNDED_TYPE_INPUT, "base-stream", g_io_stream_get_input_stream (base), NULL);
  BOUNDED_INPUT (input)->max_body = NORTH_MCP_DBUS_MAX_REPLY_SIZE;
  output = g_object_new (BOUNDED_TYPE_OUTPUT, "base-stream", g_io_stream_get_output_stream (base), NULL);
  stream = g_simple_io_stream_new (input, output);
  /* The socket lives as long as the streams that use it. */
  g_object_set_data_full (G_OBJECT (stream), "north-mcp-dbus-base-stream", g_steal_pointer (&base), g_object_unref);
  budget = g_atomic_rc_box_new0 (SignalBudget);
  g_mutex_init (&budget->lock);
  budget->input = g_object_ref (BOUNDED_INPUT (input));
  /* A signal read before the filter is added finds no subscriber yet
   * (a message bus connection cannot delay its messages): none waits. */
  connection = g_dbus_connection_new_sync (stream, NULL, flags & ~G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT,
                                           NULL, cancellable, error);
  if (connection == NULL)
    {
      signal_budget_release (budget);
      return NULL;
    }
  g_dbus_connection_add_filter (connection, bound_signals, budget, signal_budget_release);
  return connection;
}
