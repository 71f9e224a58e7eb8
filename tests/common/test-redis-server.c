/* test-redis-server.c: a real redis-server for the C tests
 *
 * SPDX-License-Identifier: MIT
 */
#include "test-redis-server.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <glib/gstdio.h>
#include <gio/gio.h>

guint
test_free_port (void)
{
  guint port;

  g_object_unref (test_loopback_socket (FALSE, &port));
  return port;
}

GSocket *
test_loopback_socket (gboolean  listen,
                      guint    *port)
{
  GSocket *socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (socket);
  g_socket_bind (socket, any, listen, &error);
  g_assert_no_error (error);
  if (listen)
    g_socket_listen (socket, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  return socket;
}

/* A failed test must not leave redis-server behind. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* A store that finds the port closed retries its connections later: a
 * message published before the pub/sub connection is back is lost to it,
 * and the test waits for it in vain. */
static void
wait_until_listening (guint port)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, port);
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                                G_SOCKET_PROTOCOL_TCP, NULL);

      if (socket != NULL && g_socket_connect (socket, address, NULL, NULL))
        return;
      g_usleep (10 * 1000);
    }
  g_error ("redis-server did not listen on port %u within 10 s", port);
}

void
test_redis_server_start (TestRedisServer *self)
{
  g_autofree char *port = g_strdup_printf ("%u", self->port);
  g_autofree char *log = g_build_filename (self->dir, "redis.log", NULL);
  const char *argv[] = {
    "redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
    "--dir", self->dir, "--logfile", log, "--daemonize", "no", NULL,
  };
  g_autoptr(GError) error = NULL;

  g_spawn_async (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD,
                 die_with_parent, NULL, &self->pid, &error);
  g_assert_no_error (error);
  wait_until_listening (self->port);
}

void
test_redis_server_init (TestRedisServer *self,
                        const char      *name)
{
  g_autofree char *template = g_strdup_printf ("north-mcp-%s-XXXXXX", name);
  g_autoptr(GError) error = NULL;

  self->dir = g_dir_make_tmp (template, &error);
  g_assert_no_error (error);
  self->port = test_free_port ();
  self->uri = g_strdup_printf ("redis://127.0.0.1:%u", self->port);
  test_redis_server_start (self);
}

void
test_redis_server_signal (TestRedisServer *self,
                          int              signal)
{
  g_assert_cmpint (self->pid, >, 0);
  g_assert_cmpint (kill (self->pid, signal), ==, 0);
}

void
test_redis_server_stop (TestRedisServer *self,
                        int              signal)
{
  int status;

  test_redis_server_signal (self, signal);
  g_assert_cmpint (waitpid (self->pid, &status, 0), ==, self->pid);
  g_spawn_close_pid (self->pid);
  self->pid = 0;
}

void
test_redis_server_clear (TestRedisServer *self)
{
  g_autofree char *log = g_build_filename (self->dir, "redis.log", NULL);

  if (self->pid != 0)
    test_redis_server_stop (self, SIGTERM);
  g_unlink (log);
  g_rmdir (self->dir);
  g_clear_pointer (&self->dir, g_free);
  g_clear_pointer (&self->uri, g_free);
}

static gboolean
give_up (gpointer user_data)
{
  g_error ("Gave up waiting after %d s: %s", TEST_PATIENCE_S, (const char *) user_data);
  return G_SOURCE_REMOVE;
}

guint
test_watchdog_add (const char *what)
{
  return g_timeout_add_seconds (TEST_PATIENCE_S, give_up, (gpointer) what);
}

void
test_wait_for (const gboolean *flag,
               const char     *what)
{
  guint timeout = test_watchdog_add (what);

  while (!*flag)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (timeout);
}

gboolean
test_set_flag (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}
