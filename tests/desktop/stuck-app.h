/* stuck-app.h: an application of the test process, on the session bus
 * or on a peer-to-peer connection, that holds the calls it gets until
 * told to answer (the desktop tests in C)
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <sys/socket.h>

#include <gio/gio.h>

#include "desktop-test.h"

/* An application of this process that describes its actions but answers
 * no Activate call (nor a bridged method call) until told to, as one that
 * stopped reading its bus socket: the calls it holds are counted here. */
typedef struct {
  GDBusConnection *bus;
  GPtrArray       *unanswered;  /* GDBusMethodInvocation * */
  gboolean         answer;      /* answer the calls from now on */
  guint            ids[2];      /* of the registrations */
} Stuck;

static const char stuck_xml[] =
  "<node><interface name='org.gtk.Actions'>"
  "<method name='DescribeAll'><arg direction='out' type='a{s(bgav)}'/></method>"
  "<method name='Activate'><arg type='s'/><arg type='av'/><arg type='a{sv}'/></method>"
  "</interface><interface name='org.north.Stuck'>"
  "<method name='Ping'><arg name='text' type='s'/></method>"
  "<property name='Volume' type='i' access='read'/>"
  "</interface></node>";

static inline GVariant *
stuck_get_property (GDBusConnection  *connection,
                    const char       *sender,
                    const char       *path,
                    const char       *interface,
                    const char       *property,
                    GError          **error,
                    gpointer          user_data)
{
  return g_variant_new_int32 (0);
}

static inline void
stuck_method_call (GDBusConnection       *connection,
                   const char            *sender,
                   const char            *path,
                   const char            *interface,
                   const char            *method,
                   GVariant              *parameters,
                   GDBusMethodInvocation *invocation,
                   gpointer               user_data)
{
  Stuck *stuck = user_data;

  if (g_str_equal (method, "DescribeAll"))
    {
      /* A parameter of 200 variants: some 50 KB of schema. */
      g_autofree char *huge = g_strnfill (200, 'v');
      g_autofree char *text = g_strdup_printf ("({'poke': (true, @g '', @av []), 'level': (true, @g '', [<0>]),"
                                               " 'huge': (true, @g '(%s)', @av []), 'blob': (true, @g '', [<''>])},)", huge);

      g_dbus_method_invocation_return_value (invocation, g_variant_new_parsed (text));
    }
  else if (stuck->answer)
    g_dbus_method_invocation_return_value (invocation, NULL);
  else
    g_ptr_array_add (stuck->unanswered, invocation);
}

/* Registers the stuck application at @path of @connection (the session
 * bus when NULL); it answers at once when @answer says so. */
static inline void
stuck_register_on (Stuck           *stuck,
                   GDBusConnection *connection,
                   const char      *path,
                   gboolean         answer)
{
  static const GDBusInterfaceVTable vtable = { stuck_method_call, stuck_get_property, NULL, { 0 } };
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (stuck_xml, &error);

  g_assert_no_error (error);
  stuck->bus = connection != NULL ? g_object_ref (connection) : g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  stuck->unanswered = g_ptr_array_new ();
  stuck->answer = answer;
  for (guint i = 0; i < G_N_ELEMENTS (stuck->ids); i++)
    {
      stuck->ids[i] = g_dbus_connection_register_object (stuck->bus, path, info->interfaces[i], &vtable, stuck,
                                                         NULL, &error);
      g_assert_no_error (error);
    }
}

static inline void
stuck_register (Stuck      *stuck,
                const char *path,
                gboolean    answer)
{
  stuck_register_on (stuck, NULL, path, answer);
}

static inline void
stuck_clear (Stuck *stuck)
{
  for (guint i = 0; i < G_N_ELEMENTS (stuck->ids); i++)
    g_dbus_connection_unregister_object (stuck->bus, stuck->ids[i]);
  g_ptr_array_unref (stuck->unanswered);
  g_object_unref (stuck->bus);
}

/* Answers the calls held so far, and all calls from now on. */
static inline void
stuck_resume (Stuck *stuck)
{
  stuck->answer = TRUE;
  for (guint i = 0; i < stuck->unanswered->len; i++)
    g_dbus_method_invocation_return_value (g_ptr_array_index (stuck->unanswered, i), NULL);
  g_ptr_array_set_size (stuck->unanswered, 0);
}

/* Waits until every message sent on @connection so far has been handled
 * by the objects of this process at the other end (@peer, NULL on a
 * peer-to-peer connection): a round trip, then what it queued on the
 * main context. */
static inline void
stuck_flush_on (GDBusConnection *connection,
                const char      *peer)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_connection_call_sync (connection, peer, "/", "org.freedesktop.DBus.Peer", "Ping", NULL, NULL,
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* The same for the messages sent to the session bus. */
static inline void
stuck_flush (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);

  g_assert_no_error (error);
  stuck_flush_on (bus, g_dbus_connection_get_unique_name (bus));
}

static inline void
store_connection (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  *(GDBusConnection **) user_data = g_dbus_connection_new_finish (result, &error);
  g_assert_no_error (error);
}

/* Both ends of a peer-to-peer D-Bus connection over a socket pair. */
static inline void
peer_connections (GDBusConnection **server,
                  GDBusConnection **client)
{
  g_autofree char *guid = g_dbus_generate_guid ();
  g_autoptr(GError) error = NULL;
  GDBusConnection *ends[2] = { NULL, NULL };
  int fds[2];

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM, 0, fds), ==, 0);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GSocket) socket = g_socket_new_from_fd (fds[i], &error);
      g_autoptr(GSocketConnection) stream = NULL;

      g_assert_no_error (error);
      stream = g_socket_connection_factory_create_connection (socket);
      g_dbus_connection_new (G_IO_STREAM (stream), i == 0 ? guid : NULL,
                             i == 0 ? G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_SERVER
                                    : G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT,
                             NULL, NULL, store_connection, &ends[i]);
    }
  ITERATE_UNTIL (ends[0] != NULL && ends[1] != NULL);
  *server = ends[0];
  *client = ends[1];
}
