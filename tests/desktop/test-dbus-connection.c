/* test-dbus-connection.c: north_mcp_dbus_bridge_connect_sync() against a
 * fake bus of this process on a Unix socket: what it does with messages
 * larger than it takes
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>

#include "north-mcp.h"

/* Past the 8 MiB a message may take. */
#define LARGE_BODY (9 << 20)

typedef struct {
  GSocketListener *listener;
  GPtrArray       *messages;  /* GBytes *: written once BEGIN came */
  gsize            answer_at; /* if not 0: the first message answers the
                               * client's first message, whose serial is
                               * written there (a uint32) */
  char            *dir;
  char            *path;
  GThread         *thread;
} FakeBus;

/* A line of the client's SASL exchange, CR LF included. */
static char *
read_line (GInputStream *input)
{
  GString *line = g_string_new (NULL);

  while (line->len < 2 || !g_str_has_suffix (line->str, "\r\n"))
    {
      g_autoptr(GError) error = NULL;
      char c;

      g_assert_cmpint (g_input_stream_read (input, &c, 1, NULL, &error), ==, 1);
      g_assert_no_error (error);
      g_string_append_c (line, c);
      g_assert_cmpuint (line->len, <, 4096);
    }
  return g_string_free (line, FALSE);
}

/* Reads the client's first message whole and writes its serial into
 * @reply at @at. */
static void
answer_first_call (GInputStream *input,
                   GBytes       *reply,
                   gsize         at)
{
  g_autoptr(GError) error = NULL;
  guint8 head[16];
  g_autofree guint8 *rest = NULL;
  gsize size, read;
  gssize needed;

  g_assert_true (g_input_stream_read_all (input, head, sizeof head, &read, NULL, &error));
  g_assert_no_error (error);
  needed = g_dbus_message_bytes_needed (head, sizeof head, &error);
  g_assert_no_error (error);
  rest = g_malloc (needed - sizeof head);
  g_assert_true (g_input_stream_read_all (input, rest, needed - sizeof head, &read, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (head[0], ==, 'l');
  g_assert_cmpuint (at + 4, <=, g_bytes_get_size (reply));
  /* The fake bus's own bytes: written once, before they are sent. */
  memcpy ((guint8 *) g_bytes_get_data (reply, &size) + at, head + 8, 4);
}

/* Accepts the client, says OK to its EXTERNAL and writes the messages. */
static gpointer
fake_bus (gpointer data)
{
  FakeBus *bus = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) connection = g_socket_listener_accept (bus->listener, NULL, NULL, &error);
  GInputStream *input;
  GOutputStream *output;
  g_autofree char *auth = NULL;
  g_autofree char *begin = NULL;
  const char ok[] = "OK 0123456789abcdef0123456789abcdef\r\n";
  char nul;

  g_assert_no_error (error);
  input = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  output = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  g_assert_cmpint (g_input_stream_read (input, &nul, 1, NULL, &error), ==, 1);
  g_assert_cmpint (nul, ==, '\0');
  auth = read_line (input);
  g_assert_true (g_str_has_prefix (auth, "AUTH EXTERNAL "));
  g_assert_true (g_output_stream_write_all (output, ok, strlen (ok), NULL, NULL, &error));
  begin = read_line (input);
  g_assert_cmpstr (begin, ==, "BEGIN\r\n");
  if (bus->answer_at != 0)
    answer_first_call (input, bus->messages->pdata[0], bus->answer_at);

  for (guint i = 0; i < bus->messages->len; i++)
    {
      gsize size;
      const guint8 *bytes = g_bytes_get_data (bus->messages->pdata[i], &size);

      g_assert_true (g_output_stream_write_all (output, bytes, size, NULL, NULL, &error));
      g_assert_no_error (error);
    }
  return g_steal_pointer (&connection);
}

/* A fake bus that will write the messages added to bus->messages. */
static void
fake_bus_init (FakeBus *bus,
               gsize    answer_at)
{
  g_autoptr(GError) error = NULL;

  *bus = (FakeBus) { g_socket_listener_new (), g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref),
                     answer_at, g_dir_make_tmp ("north-mcp-dbus-XXXXXX", &error) };
  g_assert_no_error (error);
  bus->path = g_build_filename (bus->dir, "bus", NULL);
}

/* Starts the fake bus and connects to it; no message is read before
 * g_dbus_connection_start_message_processing(). */
static GDBusConnection *
fake_bus_connect (FakeBus *bus)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) socket_address = g_unix_socket_address_new (bus->path);
  g_autofree char *address = g_strdup_printf ("unix:path=%s", bus->path);
  GDBusConnection *connection;

  g_assert_true (g_socket_listener_add_address (bus->listener, socket_address, G_SOCKET_TYPE_STREAM,
                                                G_SOCKET_PROTOCOL_DEFAULT, NULL, NULL, &error));
  g_assert_no_error (error);
  bus->thread = g_thread_new ("fake-bus", fake_bus, bus);
  /* The fake bus writes its messages once authenticated, and GDBus hands
   * on a signal no one has subscribed to yet to no one: the test starts
   * the reading once it has subscribed. */
  connection = north_mcp_dbus_bridge_connect_sync (address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                   G_DBUS_CONNECTION_FLAGS_DELAY_MESSAGE_PROCESSING, NULL, &error);
  g_assert_no_error (error);
  return connection;
}

/* Once the fake bus has written all: closes both ends. */
static void
fake_bus_end (FakeBus         *bus,
              GDBusConnection *connection)
{
  g_autoptr(GSocketConnection) served = g_thread_join (bus->thread);

  g_dbus_connection_close_sync (connection, NULL, NULL);
  g_socket_listener_close (bus->listener);
  g_object_unref (bus->listener);
  g_ptr_array_unref (bus->messages);
  g_unlink (bus->path);
  g_rmdir (bus->dir);
  g_free (bus->path);
  g_free (bus->dir);
}

/* Runs the test again in a subprocess, whose stderr must match @pattern;
 * TRUE in the subprocess, which goes on with the test. */
static gboolean
in_subprocess (const char *pattern)
{
  if (g_test_subprocess ())
    {
      g_log_set_always_fatal (G_LOG_FATAL_MASK);
      return TRUE;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr (pattern);
  return FALSE;
}

static GBytes *
blob_of (GDBusMessage *message)
{
  g_autoptr(GError) error = NULL;
  gsize size;
  guchar *blob = g_dbus_message_to_blob (message, &size, G_DBUS_CAPABILITY_FLAGS_NONE, &error);

  g_assert_no_error (error);
  return g_bytes_new_take (blob, size);
}

/* A small signal, sent after the large message. */
static GBytes *
after_signal (void)
{
  g_autoptr(GDBusMessage) message = g_dbus_message_new_signal ("/org/north/Test", "org.north.Test", "After");

  g_dbus_message_set_serial (message, 2);
  return blob_of (message);
}

typedef struct {
  guint    signalled;
  gboolean closed;
} Seen;

/* Counts the signals received in the guint @data. */
static void
count_signal (GDBusConnection *connection,
              const char      *sender,
              const char      *path,
              const char      *interface,
              const char      *member,
              GVariant        *parameters,
              gpointer         data)
{
  (*(guint *) data)++;
}

static void
on_closed (GDBusConnection *connection,
           gboolean         remote_peer_vanished,
           GError          *error,
           gpointer         data)
{
  ((Seen *) data)->closed = TRUE;
}

/* The peak resident size of this process so far, in bytes; @reset
 * makes it the current size first (clear_refs: see proc(5)). */
static gsize
peak_rss (gboolean reset)
{
  g_autofree char *status = NULL;
  const char *line;

  if (reset)
    {
      FILE *clear_refs = fopen ("/proc/self/clear_refs", "w");

      g_assert_nonnull (clear_refs);
      g_assert_cmpint (fputs ("5", clear_refs), >=, 0);
      g_assert_cmpint (fclose (clear_refs), ==, 0);
    }
  g_assert_true (g_file_get_contents ("/proc/self/status", &status, NULL, NULL));
  line = strstr (status, "VmHWM:");
  g_assert_nonnull (line);
  return (gsize) g_ascii_strtoull (line + strlen ("VmHWM:"), NULL, 10) << 10;
}

static void
on_call_done (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  GError **error = data;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, error);

  /* A reply that came whole is no error: an empty one tells it apart. */
  if (reply != NULL)
    *error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "answered");
}

/* Connects to a fake bus that writes @large then a small signal: the
 * connection drops @large unread, stays open and receives the signal.
 * With @answer_at, @large answers a call the client makes first (its
 * serial is written into @large at @answer_at): the call's error is
 * returned, and in @peak_growth how much the process's peak resident size
 * grew from the call on. Run in a subprocess, whose stderr must say what
 * was dropped. */
static GError *
assert_dropped_then_served (GBytes *large,
                            gsize   answer_at,
                            gsize  *peak_growth)
{
  g_autoptr(GDBusConnection) connection = NULL;
  FakeBus bus;
  Seen seen = { 0, FALSE };
  GError *call_error = NULL;
  guint subscription;
  gsize before = 0;

  fake_bus_init (&bus, answer_at);
  g_ptr_array_add (bus.messages, large);
  g_ptr_array_add (bus.messages, after_signal ());
  connection = fake_bus_connect (&bus);
  g_signal_connect (connection, "closed", G_CALLBACK (on_closed), &seen);
  subscription = g_dbus_connection_signal_subscribe (connection, NULL, "org.north.Test", "After",
                                                     "/org/north/Test", NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                     count_signal, &seen.signalled, NULL);
  g_dbus_connection_start_message_processing (connection);
  if (answer_at != 0)
    {
      before = peak_rss (TRUE);
      /* GDBus's timeout (25 s): only a reply, or its stand-in, ends the
       * call before. */
      g_dbus_connection_call (connection, NULL, "/org/north/Test", "org.north.Test", "Large", NULL, NULL,
                              G_DBUS_CALL_FLAGS_NONE, -1, NULL, on_call_done, &call_error);
    }
  while ((!seen.signalled || (answer_at != 0 && call_error == NULL)) && !seen.closed)
    g_main_context_iteration (NULL, TRUE);
  if (peak_growth != NULL)
    *peak_growth = peak_rss (FALSE) - before;
  g_assert_false (seen.closed);
  g_assert_cmpuint (seen.signalled, ==, 1);

  g_dbus_connection_signal_unsubscribe (connection, subscription);
  /* Its "closed" comes later, when @seen is gone. */
  g_signal_handlers_disconnect_by_data (connection, &seen);
  fake_bus_end (&bus, connection);
  return call_error;
}

static void
align_to (GByteArray *bytes,
          guint       alignment)
{
  static const guint8 zeros[8] = { 0 };

  g_byte_array_append (bytes, zeros, (alignment - bytes->len % alignment) % alignment);
}

static void
append_u32 (GByteArray *bytes,
            guint32     value)
{
  value = GUINT32_TO_LE (value);
  g_byte_array_append (bytes, (const guint8 *) &value, 4);
}

/* A method return (little-endian, serial 7, made by hand: GLib would take
 * many times its size to make it) whose header fields are @fields as
 * given, however malformed; its body is a uint32 @first and then
 * @body_length - 4 zero bytes. */
static GBytes *
raw_with_fields (const guint8 *fields,
                 gsize         length,
                 guint32       first,
                 gsize         body_length)
{
  GByteArray *bytes = g_byte_array_new ();
  gsize body_at;

  g_byte_array_append (bytes, (const guint8 *) "l\x02\x00\x01", 4);
  append_u32 (bytes, body_length);
  append_u32 (bytes, 7);
  append_u32 (bytes, length);
  g_byte_array_append (bytes, fields, length);
  align_to (bytes, 8);
  body_at = bytes->len;
  g_byte_array_set_size (bytes, body_at + body_length);
  memset (bytes->data + body_at, 0, body_length);
  *(guint32 *) (bytes->data + body_at) = GUINT32_TO_LE (first);
  return g_byte_array_free_to_bytes (bytes);
}

/* A method return as raw_with_fields() makes, whose header fields are an
 * object path of @path_length bytes (none if 0), then the reply serial
 * (its offset in the message in *@serial_at) and the signature
 * @signature. */
static GBytes *
raw_reply (gsize       path_length,
           const char *signature,
           guint32     first,
           gsize       body_length,
           gsize      *serial_at)
{
  g_autoptr(GByteArray) fields = g_byte_array_new ();

  /* The fields start at 16, a multiple of 8: aligned as in the message. */
  if (path_length > 0)
    {
      g_byte_array_append (fields, (const guint8 *) "\x01\x01o\x00", 4);
      append_u32 (fields, path_length);
      g_byte_array_append (fields, (const guint8 *) "/", 1);
      for (gsize i = 1; i < path_length; i++)
        g_byte_array_append (fields, (const guint8 *) "a", 1);
      g_byte_array_append (fields, (const guint8 *) "", 1);
      align_to (fields, 8);
    }
  g_byte_array_append (fields, (const guint8 *) "\x05\x01u\x00", 4);
  *serial_at = 16 + fields->len;
  append_u32 (fields, 0);
  g_byte_array_append (fields, (const guint8 *) "\x08\x01g\x00", 4);
  g_byte_array_append (fields, (const guint8 *) &(guint8) { strlen (signature) }, 1);
  g_byte_array_append (fields, (const guint8 *) signature, strlen (signature) + 1);
  return raw_with_fields (fields->data, fields->len, first, body_length);
}

/* A method return (little-endian, serial 7) whose header fields are
 * @fields and whose body is @body as given, however malformed. */
static GBytes *
raw_message (GByteArray   *fields,
             const guint8 *body,
             gsize         length)
{
  GByteArray *bytes = g_byte_array_new ();

  g_byte_array_append (bytes, (const guint8 *) "l\x02\x00\x01", 4);
  append_u32 (bytes, length);
  append_u32 (bytes, 7);
  append_u32 (bytes, fields->len);
  g_byte_array_append (bytes, fields->data, fields->len);
  align_to (bytes, 8);
  g_byte_array_append (bytes, body, length);
  return g_byte_array_free_to_bytes (bytes);
}

static void
assert_limits_exceeded (GError *error)
{
  g_autofree char *name = NULL;

  g_assert_nonnull (error);
  name = g_dbus_error_get_remote_error (error);
  if (g_strcmp0 (name, "org.freedesktop.DBus.Error.LimitsExceeded") != 0)
    g_error ("The call failed with %s, not LimitsExceeded", error->message);
  g_assert_nonnull (strstr (error->message, "4194304"));
}

/* A reply of 6 MiB of empty strings, past the 4 MiB a reply may take but
 * within the 8 MiB the stream took: GDBus read it whole and GLib made a
 * GVariant of each string (about 130 MB) before the bridge refused it.
 * Now it is dropped unread: the call fails with the LimitsExceeded stand-in,
 * and the process's peak grows by less than the reply's size. */
static void
test_reply_past_limit_is_dropped_unread (void)
{
  /* Each empty string takes 8 bytes on D-Bus (length, NUL, padding). */
  const gsize strings = 6 << 17;
  g_autoptr(GError) error = NULL;
  gsize serial_at, growth;
  GBytes *reply;

  if (!in_subprocess ("*A D-Bus message of 6* bytes dropped unread*"))
    return;

  reply = raw_reply (0, "as", strings * 8 - 3, strings * 8 + 1, &serial_at);
  error = assert_dropped_then_served (reply, serial_at, &growth);
  g_test_message ("peak resident size grew by %" G_GSIZE_FORMAT " KiB", growth >> 10);
  g_assert_cmpuint (growth, <, 6 << 20);
  assert_limits_exceeded (error);
}

/* A reply past the limit whose header fields take more than 64 KiB (an
 * object path of 70,000 bytes before the reply serial): dropped with no
 * stand-in, so that the call waited for its timeout (25 s), where it now
 * fails at once with LimitsExceeded as other large replies. So does a
 * small reply with such fields (GDBus would make one string of any
 * length of them). */
static void
test_reply_with_long_header_fields (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) small_error = NULL;
  gsize serial_at;
  GBytes *reply;

  if (!in_subprocess ("*A D-Bus message of 9* bytes dropped unread*"))
    return;

  reply = raw_reply (70000, "ay", LARGE_BODY - 4, LARGE_BODY, &serial_at);
  error = assert_dropped_then_served (reply, serial_at, NULL);
  assert_limits_exceeded (error);

  reply = raw_reply (70000, "ay", 1024, 1028, &serial_at);
  small_error = assert_dropped_then_served (reply, serial_at, NULL);
  assert_limits_exceeded (small_error);
  g_assert_nonnull (strstr (small_error->message, "header fields of the reply take 70032 bytes"));
}

/* A method call of 9 MiB whose header fields take more than the 64 KiB
 * the stream reads of a large message (an object path of 70,000 bytes),
 * as any peer on a bus may send to the bridge's unique name: dropped,
 * where the stream failed and GDBus closed the bridge's connection. */
static void
test_long_header_fields (void)
{
  g_autoptr(GDBusMessage) message = NULL;
  g_autofree char *path = NULL;
  g_autofree guint8 *body = NULL;

  if (!in_subprocess ("*A D-Bus message of 9* bytes dropped unread*"))
    return;

  path = g_strnfill (70000, 'a');
  path[0] = '/';
  body = g_malloc0 (LARGE_BODY);
  message = g_dbus_message_new_method_call (NULL, path, "org.north.Test", "Large");
  g_dbus_message_set_serial (message, 1);
  g_dbus_message_set_body (message, g_variant_new ("(@ay)", g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, body,
                                                                                     LARGE_BODY, 1)));
  assert_dropped_then_served (blob_of (message), 0, NULL);
}

/* A signal of 9 MiB with no header fields at all (malformed: a signal
 * needs a path, an interface and a member): dropped as any large message,
 * where the stream read 0 bytes for the fields, which GDBus took for the
 * end of the stream, closing the connection. */
static void
test_no_header_fields (void)
{
  guint8 *bytes;
  guint32 body = GUINT32_TO_LE (LARGE_BODY), serial = GUINT32_TO_LE (1);

  if (!in_subprocess ("*A D-Bus message of 9* bytes dropped unread*"))
    return;

  /* Little-endian, signal, no flags, version 1; then the lengths. */
  bytes = g_malloc0 (16 + LARGE_BODY);
  memcpy (bytes, "l\x04\x00\x01", 4);
  memcpy (bytes + 4, &body, 4);
  memcpy (bytes + 8, &serial, 4);
  assert_dropped_then_served (g_bytes_new_take (bytes, 16 + LARGE_BODY), 0, NULL);
}

/* The header fields of a dropped message come from any bus peer and are
 * read by the stream's own scanner (for the call a reply answers): fields
 * that are malformed in every way it reads them are skipped with the
 * message, and the connection goes on. A sender name longer than a bus
 * name may be is skipped, and the reply serial after it still found. */
static void
test_malformed_header_fields (void)
{
  static const struct {
    const char *what;
    const char *fields;
    gsize       length;
  } cases[] = {
    { "a string longer than the fields", "\x07\x01s\x00\xff\xff\xff\xff" "abc", 11 },
    { "a signature of two types", "\x05\x02uu\x00\x00\x00\x00\x07\x00\x00\x00", 12 },
    { "a variant in a variant", "\x05\x01v\x00\x01u\x00\x00\x07\x00\x00\x00", 12 },
    { "a reply serial that is a string", "\x05\x01s\x00\x01\x00\x00\x00" "7\x00", 10 },
    { "a field cut in its number", "\x05\x01u\x00\x07\x00", 6 },
    { "a field cut in its signature", "\x05\x01", 2 },
    { "a signature length past the fields", "\x08\x01g\x00\xff" "ay", 7 },
    { "a code with no type", "\x05\x00\x00\x00\x00\x00\x00\x00", 8 },
  };
  g_autoptr(GByteArray) fields = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  gsize serial_at;

  if (!in_subprocess ("*A D-Bus message of 9* bytes dropped unread*"))
    return;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("%s", cases[i].what);
      g_assert_null (assert_dropped_then_served (raw_with_fields ((const guint8 *) cases[i].fields,
                                                                  cases[i].length, 0, LARGE_BODY), 0,
                                                 NULL));
    }

  /* A sender of 300 bytes (a bus name has at most 255), then the reply
   * serial: the call still gets its stand-in error. */
  g_byte_array_append (fields, (const guint8 *) "\x07\x01s\x00", 4);
  append_u32 (fields, 300);
  for (guint i = 0; i < 300; i++)
    g_byte_array_append (fields, (const guint8 *) ":", 1);
  g_byte_array_append (fields, (const guint8 *) "", 1);
  align_to (fields, 8);
  g_byte_array_append (fields, (const guint8 *) "\x05\x01u\x00", 4);
  serial_at = 16 + fields->len;
  append_u32 (fields, 0);
  error = assert_dropped_then_served (raw_with_fields (fields->data, fields->len, 0, LARGE_BODY), serial_at,
                                      NULL);
  assert_limits_exceeded (error);
}

/* A reply within the 4 MiB a reply may take but of 2,000,000 empty
 * signatures (2 bytes each on D-Bus): GDBus made a GVariant of each
 * (some 330 MB) before the bridge could refuse it. Now the stream walks
 * the body by its signature, finds more values than a message may hold
 * and drops it: the call fails with the LimitsExceeded stand-in, and the
 * process's peak grows by little more than the message's size (read
 * whole, to be walked). */
static void
test_reply_of_many_values (void)
{
  const gsize values = 2000000;
  g_autoptr(GError) error = NULL;
  gsize serial_at, growth;
  g_autofree char *name = NULL;
  GBytes *reply;

  if (!in_subprocess ("*A D-Bus message of 4* bytes dropped: it holds more than 262144 values*"))
    return;

  reply = raw_reply (0, "ag", values * 2, values * 2 + 4, &serial_at);
  error = assert_dropped_then_served (reply, serial_at, &growth);
  g_test_message ("peak resident size grew by %" G_GSIZE_FORMAT " KiB", growth >> 10);
  g_assert_cmpuint (growth, <, 32 << 20);
  g_assert_nonnull (error);
  name = g_dbus_error_get_remote_error (error);
  if (g_strcmp0 (name, "org.freedesktop.DBus.Error.LimitsExceeded") != 0)
    g_error ("The call failed with %s, not LimitsExceeded", error->message);
  g_assert_nonnull (strstr (error->message, "more than the 262144 values"));
}

/* A signal of @values empty signatures (`ag`), from the bytes GDBus
 * makes of one of as many zero bytes (`ay`: the same length). */
static GBytes *
empty_signatures_signal (const char *member,
                         gsize       values)
{
  g_autoptr(GDBusMessage) signal = g_dbus_message_new_signal ("/org/north/Test", "org.north.Test", member);
  g_autofree guint8 *zeros = g_malloc0 (values * 2);
  GBytes *blob;
  guint8 *bytes;
  gsize size, at;

  g_dbus_message_set_serial (signal, 1);
  g_dbus_message_set_body (signal, g_variant_new ("(@ay)", g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, zeros,
                                                                                   values * 2, 1)));
  blob = blob_of (signal);
  bytes = (guint8 *) g_bytes_get_data (blob, &size);
  /* The signature field: code 8, type g, then the signature "ay". */
  for (at = 16; memcmp (bytes + at, "\x08\x01g\x00\x02" "ay", 7) != 0; at++)
    g_assert_cmpuint (at, <, 16 + GUINT32_FROM_LE (*(guint32 *) (bytes + 12)));
  bytes[at + 6] = 'g';
  return blob;
}

/* A signal of 300,000 values (600 KB) is dropped before GDBus parses it,
 * and the connection goes on. */
static void
test_signal_of_many_values (void)
{
  if (!in_subprocess ("*A D-Bus message of 6* bytes dropped: it holds more than 262144 values*"))
    return;

  assert_dropped_then_served (empty_signatures_signal ("Many", 300000), 0, NULL);
}

/* A message's body as any peer may send it, walked by the stream: each
 * malformed one is dropped (GDBus closed the connection on them), a
 * malformed reply answers its call with InconsistentMessage, and the
 * connection goes on. */
static void
test_malformed_bodies (void)
{
  static const struct {
    const char *what;
    const char *signature;
    const char *body;
    gsize       length;
  } cases[] = {
    { "an array cut in its length", "as", "\x10\x00", 2 },
    { "an array longer than the body", "as", "\x10\x00\x00\x00\x00\x00\x00\x00\x00", 9 },
    { "an element past its array's length", "as", "\x04\x00\x00\x00\x01\x00\x00\x00" "a\x00", 10 },
    { "a string past the body", "s", "\xff\xff\x00\x00" "abc\x00", 8 },
    { "a string without its NUL", "s", "\x03\x00\x00\x00" "abcd", 8 },
    { "padding past the body", "yu", "\x01\x00", 2 },
    { "a uint64 array of 7 bytes", "at", "\x07\x00\x00\x00\x00\x00\x00\x00" "1234567", 15 },
    { "a variant of two types", "v", "\x02yy\x00\x01\x02", 6 },
    { "a variant of no valid type", "v", "\x01" "z\x00\x01", 4 },
    { "a signature but no body", "s", "", 0 },
    { "a body but no signature", NULL, "\x01\x00\x00\x00", 4 },
  };
  g_autoptr(GByteArray) deep = g_byte_array_new ();

  if (!in_subprocess ("*A D-Bus message of * bytes dropped: it is malformed*"))
    return;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GByteArray) fields = g_byte_array_new ();
      g_autoptr(GError) error = NULL;
      g_autofree char *name = NULL;
      gsize serial_at;

      g_test_message ("%s", cases[i].what);
      g_byte_array_append (fields, (const guint8 *) "\x05\x01u\x00", 4);
      serial_at = 16 + fields->len;
      append_u32 (fields, 0);
      if (cases[i].signature != NULL)
        {
          g_byte_array_append (fields, (const guint8 *) "\x08\x01g\x00", 4);
          g_byte_array_append (fields, (const guint8 *) &(guint8) { strlen (cases[i].signature) }, 1);
          g_byte_array_append (fields, (const guint8 *) cases[i].signature, strlen (cases[i].signature) + 1);
        }
      error = assert_dropped_then_served (raw_message (fields, (const guint8 *) cases[i].body, cases[i].length),
                                          serial_at, NULL);
      g_assert_nonnull (error);
      name = g_dbus_error_get_remote_error (error);
      if (g_strcmp0 (name, "org.freedesktop.DBus.Error.InconsistentMessage") != 0)
        g_error ("The call failed with %s, not InconsistentMessage", error->message);
    }

  /* 65 variants, one in the other, around a byte: deeper than the 64
   * containers D-Bus allows, walked without going deeper. */
  for (guint i = 0; i < 65; i++)
    g_byte_array_append (deep, (const guint8 *) "\x01v\x00", 3);
  g_byte_array_append (deep, (const guint8 *) "\x01y\x00\x07", 4);
  {
    g_autoptr(GByteArray) fields = g_byte_array_new ();

    g_byte_array_append (fields, (const guint8 *) "\x08\x01g\x00\x01v\x00", 7);
    assert_dropped_then_served (raw_message (fields, deep->data, deep->len), 0, NULL);
  }

  /* A variant of an empty array of 65 levels: no value nests too deeply,
   * but its type does, which GDBus refuses all the same. */
  {
    g_autoptr(GByteArray) fields = g_byte_array_new ();
    g_autoptr(GByteArray) body = g_byte_array_new ();

    g_byte_array_append (body, (const guint8 *) "\x41", 1);
    for (guint i = 0; i < 64; i++)
      g_byte_array_append (body, (const guint8 *) "a", 1);
    /* Its NUL, padding to 4, the empty array's length. */
    g_byte_array_append (body, (const guint8 *) "y\0\0\0\0\0\0", 7);
    g_byte_array_append (fields, (const guint8 *) "\x08\x01g\x00\x01v\x00", 7);
    assert_dropped_then_served (raw_message (fields, body->data, body->len), 0, NULL);
  }
}

/* Bodies the stream walks and hands on, as GDBus takes them: the deepest
 * D-Bus allows, 64 variants one in the other around a byte, one whose
 * array's element type alone is deeper (an empty `aa…ay` of 65 arrays:
 * the elements' type is never walked), and a big-endian one of strings,
 * numbers and a dictionary. */
static void
test_valid_bodies_pass (void)
{
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(GDBusMessage) deep = g_dbus_message_new_signal ("/org/north/Test", "org.north.Test", "Deep");
  g_autoptr(GDBusMessage) empty = g_dbus_message_new_signal ("/org/north/Test", "org.north.Test", "Deep");
  g_autoptr(GDBusMessage) big = g_dbus_message_new_signal ("/org/north/Test", "org.north.Test", "Deep");
  g_autoptr(GVariantBuilder) dict = g_variant_builder_new (G_VARIANT_TYPE ("a{sv}"));
  const char *const strings[] = { "a", "", "bcd", NULL };
  g_autoptr(GString) type = g_string_new (NULL);
  GVariant *value = g_variant_new_byte (7);
  FakeBus bus;
  guint delivered = 0, subscription;

  for (guint i = 0; i < 64; i++)
    value = g_variant_new_variant (value);
  g_dbus_message_set_serial (deep, 1);
  g_dbus_message_set_body (deep, g_variant_new_tuple (&value, 1));
  for (guint i = 0; i < 64; i++)
    g_string_append_c (type, 'a');
  g_string_append (type, "ay");
  value = g_variant_new_array (G_VARIANT_TYPE (type->str + 1), NULL, 0);
  g_dbus_message_set_serial (empty, 2);
  g_dbus_message_set_body (empty, g_variant_new_tuple (&value, 1));
  g_variant_builder_add (dict, "{sv}", "x", g_variant_new_int64 (-5));
  g_variant_builder_add (dict, "{sv}", "path", g_variant_new_object_path ("/a/b"));
  g_dbus_message_set_byte_order (big, G_DBUS_MESSAGE_BYTE_ORDER_BIG_ENDIAN);
  g_dbus_message_set_serial (big, 3);
  g_dbus_message_set_body (big, g_variant_new ("(y^asqa{sv}@a(yd))", 1, strings, 7, dict,
                                               g_variant_new_parsed ("[(byte 1, 2.5), (3, 4.0)]")));

  fake_bus_init (&bus, 0);
  g_ptr_array_add (bus.messages, blob_of (deep));
  g_ptr_array_add (bus.messages, blob_of (empty));
  g_ptr_array_add (bus.messages, blob_of (big));
  connection = fake_bus_connect (&bus);
  subscription = g_dbus_connection_signal_subscribe (connection, NULL, "org.north.Test", "Deep", "/org/north/Test",
                                                     NULL, G_DBUS_SIGNAL_FLAGS_NONE, count_signal, &delivered,
                                                     NULL);
  g_dbus_connection_start_message_processing (connection);
  while (delivered < 3)
    g_main_context_iteration (NULL, TRUE);
  g_dbus_connection_signal_unsubscribe (connection, subscription);
  fake_bus_end (&bus, connection);
}

typedef struct {
  GMutex   lock;
  GCond    cond;
  gboolean marked;
} Marker;

/* Sees, in GDBus's worker, the method call that ends the flood. */
static GDBusMessage *
watch_marker (GDBusConnection *connection,
              GDBusMessage    *message,
              gboolean         incoming,
              gpointer         data)
{
  Marker *marker = data;

  if (incoming && g_strcmp0 (g_dbus_message_get_member (message), "Marker") == 0)
    {
      g_mutex_lock (&marker->lock);
      marker->marked = TRUE;
      g_cond_signal (&marker->cond);
      g_mutex_unlock (&marker->lock);
    }
  return message;
}

#define FLOOD_SIGNALS 32
#define FLOOD_STRINGS (1 << 15)  /* 256 KiB on D-Bus, some 5.5 MB once parsed */

/* A peer sends @n_signals copies of @flood (a signal Flood) then a method
 * call while the main loop is busy: the number of signals delivered, all
 * of which waited at once, the main loop standing still until GDBus has
 * read the whole flood; in @growth, how much the peak resident size grew
 * (only shown: ASan's quarantine holds what was freed). */
static guint
flood_delivered (GBytes *flood,
                 guint   n_signals,
                 gsize  *growth)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(GDBusMessage) call = NULL;
  FakeBus bus;
  Marker marker = { 0 };
  guint subscription, delivered = 0;
  gsize before;

  /* The flood is written once the client has subscribed and says so (the
   * serial of its message goes into the signals'). */
  fake_bus_init (&bus, 8);
  for (guint i = 0; i < n_signals; i++)
    g_ptr_array_add (bus.messages, g_bytes_ref (flood));
  g_bytes_unref (flood);
  call = g_dbus_message_new_method_call (NULL, "/org/north/Test", "org.north.Test", "Marker");
  g_dbus_message_set_serial (call, 2);
  g_dbus_message_set_flags (call, G_DBUS_MESSAGE_FLAGS_NO_REPLY_EXPECTED);
  g_ptr_array_add (bus.messages, blob_of (call));

  connection = fake_bus_connect (&bus);
  g_dbus_connection_add_filter (connection, watch_marker, &marker, NULL);
  subscription = g_dbus_connection_signal_subscribe (connection, NULL, "org.north.Test", "Flood",
                                                     "/org/north/Test", NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                     count_signal, &delivered, NULL);
  g_dbus_connection_start_message_processing (connection);
  before = peak_rss (TRUE);
  g_assert_true (g_dbus_connection_emit_signal (connection, NULL, "/org/north/Test", "org.north.Test", "Start",
                                                NULL, &error));
  g_assert_no_error (error);

  g_mutex_lock (&marker.lock);
  while (!marker.marked)
    g_cond_wait (&marker.cond, &marker.lock);
  g_mutex_unlock (&marker.lock);
  *growth = peak_rss (FALSE) - before;
  while (g_main_context_iteration (NULL, FALSE))
    ;

  g_test_message ("%u of %u signals delivered, peak resident size grew by %" G_GSIZE_FORMAT " KiB",
                  delivered, n_signals, *growth >> 10);
  g_dbus_connection_signal_unsubscribe (connection, subscription);
  fake_bus_end (&bus, connection);
  return delivered;
}

/* A peer sends 32 signals of 256 KiB (32,768 empty strings) while the
 * main loop is busy: GDBus's worker read and parsed them all, each waiting
 * as an idle callback with its values (32 of 512 KiB took 340 MB), where
 * those waiting now take at most 4 MiB as read; the others are dropped,
 * with one warning. */
static void
test_signals_waiting_are_bounded (void)
{
  g_autoptr(GDBusMessage) signal = NULL;
  guint delivered;
  gsize growth;
  guint32 *ends;

  if (!in_subprocess ("*D-Bus signals dropped*"))
    return;

  /* An `as` of empty strings in GVariant's form: NULs, then the ends. */
  ends = g_new0 (guint32, FLOOD_STRINGS * 2);
  for (guint i = 0; i < FLOOD_STRINGS; i++)
    ends[FLOOD_STRINGS / 4 + i] = GUINT32_TO_LE (i + 1);
  signal = g_dbus_message_new_signal ("/org/north/Test", "org.north.Test", "Flood");
  g_dbus_message_set_serial (signal, 1);
  g_dbus_message_set_body (signal, g_variant_new ("(@as)",
    g_variant_new_from_data (G_VARIANT_TYPE ("as"), ends, FLOOD_STRINGS * 5, TRUE, g_free, ends)));
  delivered = flood_delivered (blob_of (signal), FLOOD_SIGNALS, &growth);
  g_assert_cmpuint (delivered, >=, 1);
  g_assert_cmpuint (delivered, <=, (4 << 20) / (FLOOD_STRINGS * 8));
}

#define FLOOD_VALUES 100000  /* 200 KB of empty signatures, some 16 MB once parsed */

/* 20 signals of 100,000 empty signatures each (200 KB: all 20 fit in the
 * 4 MiB of signals that may wait) while the main loop is busy: all waited
 * at once, 2 million values (some 330 MB). Those waiting now hold at most
 * 262,144 values together (one may always wait alone): 2 wait, the others
 * are dropped. */
static void
test_signal_values_waiting_are_bounded (void)
{
  guint delivered;
  gsize growth;

  if (!in_subprocess ("*D-Bus signals dropped: those not yet handled take * bytes and 2000* values*"))
    return;

  delivered = flood_delivered (empty_signatures_signal ("Flood", FLOOD_VALUES), 20, &growth);
  g_assert_cmpuint (delivered, >=, 1);
  g_assert_cmpuint (delivered, <=, (1 << 18) / FLOOD_VALUES);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/dbus-connection/long-header-fields", test_long_header_fields);
  g_test_add_func ("/dbus-connection/no-header-fields", test_no_header_fields);
  g_test_add_func ("/dbus-connection/malformed-header-fields", test_malformed_header_fields);
  g_test_add_func ("/dbus-connection/reply-past-limit-is-dropped-unread", test_reply_past_limit_is_dropped_unread);
  g_test_add_func ("/dbus-connection/reply-with-long-header-fields", test_reply_with_long_header_fields);
  g_test_add_func ("/dbus-connection/signals-waiting-are-bounded", test_signals_waiting_are_bounded);
  g_test_add_func ("/dbus-connection/reply-of-many-values", test_reply_of_many_values);
  g_test_add_func ("/dbus-connection/signal-of-many-values", test_signal_of_many_values);
  g_test_add_func ("/dbus-connection/malformed-bodies", test_malformed_bodies);
  g_test_add_func ("/dbus-connection/valid-bodies-pass", test_valid_bodies_pass);
  g_test_add_func ("/dbus-connection/signal-values-waiting-are-bounded", test_signal_values_waiting_are_bounded);

  return g_test_run ();
}
