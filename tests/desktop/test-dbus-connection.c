/* test-dbus-connection.c: north_mcp_dbus_bridge_connect_sync() against a
 * fake bus of this process on a Unix socket: what it does with messages
 * larger than it takes
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>

#include "north-mcp.h"

/* Past the 8 MiB a message may take. */
#define LARGE_BODY (9 << 20)

typedef struct {
  GSocketListener *listener;
  GPtrArray       *messages;  /* GBytes *: written once BEGIN came */
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

  for (guint i = 0; i < bus->messages->len; i++)
    {
      gsize size;
      const guint8 *bytes = g_bytes_get_data (bus->messages->pdata[i], &size);

      g_assert_true (g_output_stream_write_all (output, bytes, size, NULL, NULL, &error));
      g_assert_no_error (error);
    }
  return g_steal_pointer (&connection);
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
  gboolean signalled;
  gboolean closed;
} Seen;

static void
on_after (GDBusConnection *connection,
          const char      *sender,
          const char      *path,
          const char      *interface,
          const char      *member,
          GVariant        *parameters,
          gpointer         data)
{
  ((Seen *) data)->signalled = TRUE;
}

static void
on_closed (GDBusConnection *connection,
           gboolean         remote_peer_vanished,
           GError          *error,
           gpointer         data)
{
  ((Seen *) data)->closed = TRUE;
}

/* Connects to a fake bus that writes @large then a small signal: the
 * connection drops @large unread, stays open and receives the signal.
 * Run in a subprocess, whose stderr must say what was dropped. */
static void
assert_dropped_then_served (GBytes *large)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("north-mcp-dbus-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "bus", NULL);
  g_autofree char *address = g_strdup_printf ("unix:path=%s", path);
  g_autoptr(GSocketAddress) socket_address = g_unix_socket_address_new (path);
  g_autoptr(GSocketConnection) served = NULL;
  g_autoptr(GDBusConnection) connection = NULL;
  FakeBus bus = { g_socket_listener_new (), g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref) };
  Seen seen = { FALSE, FALSE };
  GThread *thread;
  guint subscription;

  g_assert_no_error (error);
  g_log_set_always_fatal (G_LOG_FATAL_MASK);
  g_assert_true (g_socket_listener_add_address (bus.listener, socket_address, G_SOCKET_TYPE_STREAM,
                                                G_SOCKET_PROTOCOL_DEFAULT, NULL, NULL, &error));
  g_assert_no_error (error);
  g_ptr_array_add (bus.messages, large);
  g_ptr_array_add (bus.messages, after_signal ());
  thread = g_thread_new ("fake-bus", fake_bus, &bus);

  connection = north_mcp_dbus_bridge_connect_sync (address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT,
                                                   NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (connection, "closed", G_CALLBACK (on_closed), &seen);
  subscription = g_dbus_connection_signal_subscribe (connection, NULL, "org.north.Test", "After",
                                                     "/org/north/Test", NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                     on_after, &seen, NULL);
  while (!seen.signalled && !seen.closed)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (seen.closed);
  g_assert_true (seen.signalled);

  served = g_thread_join (thread);
  g_dbus_connection_signal_unsubscribe (connection, subscription);
  g_dbus_connection_close_sync (connection, NULL, NULL);
  g_socket_listener_close (bus.listener);
  g_object_unref (bus.listener);
  g_ptr_array_unref (bus.messages);
  g_unlink (path);
  g_rmdir (dir);
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

  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
      g_test_trap_assert_passed ();
      g_test_trap_assert_stderr ("*A D-Bus message of 9* bytes dropped unread*");
      return;
    }

  path = g_strnfill (70000, 'a');
  path[0] = '/';
  body = g_malloc0 (LARGE_BODY);
  message = g_dbus_message_new_method_call (NULL, path, "org.north.Test", "Large");
  g_dbus_message_set_serial (message, 1);
  g_dbus_message_set_body (message, g_variant_new ("(@ay)", g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, body,
                                                                                     LARGE_BODY, 1)));
  assert_dropped_then_served (blob_of (message));
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

  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
      g_test_trap_assert_passed ();
      g_test_trap_assert_stderr ("*A D-Bus message of 9* bytes dropped unread*");
      return;
    }

  /* Little-endian, signal, no flags, version 1; then the lengths. */
  bytes = g_malloc0 (16 + LARGE_BODY);
  memcpy (bytes, "l\x04\x00\x01", 4);
  memcpy (bytes + 4, &body, 4);
  memcpy (bytes + 8, &serial, 4);
  assert_dropped_then_served (g_bytes_new_take (bytes, 16 + LARGE_BODY));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/dbus-connection/long-header-fields", test_long_header_fields);
  g_test_add_func ("/dbus-connection/no-header-fields", test_no_header_fields);

  return g_test_run ();
}
