/* north-mcp-systemd.c: socket activation and readiness for a service
 * manager
 *
 * systemd's two protocols are small and stable (sd_listen_fds(3),
 * sd_notify(3)): inherited listening sockets from descriptor 3 on, named
 * by LISTEN_FDS for the process LISTEN_PID; state changes as datagrams
 * of "KEY=value" lines to the unix socket named by NOTIFY_SOCKET. They are
 * spoken here directly rather than through libsystemd, which is not among
 * the library's dependencies and would tie it to systemd at link time.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "north-mcp-error.h"
#include "north-mcp-log-private.h"
#include "north-mcp-systemd-private.h"

#define LOGGER "NorthMCP.systemd"
/* The first inherited descriptor (SD_LISTEN_FDS_START). */
#define LISTEN_FDS_START 3

static const char *
family_name (int family)
{
  switch (family)
    {
    case AF_UNIX:
      return "unix";
    case AF_NETLINK:
      return "netlink";
    case AF_PACKET:
      return "packet";
    default:
      return "non-IP";
    }
}

GSocket *
north_mcp_systemd_socket_from_fd (int      fd,
                                  GError **error)
{
  struct stat st;
  int type = 0, accepting = 0, family = 0;
  socklen_t length = sizeof type;
  GSocket *socket;

  if (fstat (fd, &st) != 0)
    {
      g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_CONFIGURATION,
                   "file descriptor %d is not open", fd);
      return NULL;
    }
  if (!S_ISSOCK (st.st_mode))
    {
      g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_CONFIGURATION,
                   "file descriptor %d is not a socket", fd);
      return NULL;
    }
  if (getsockopt (fd, SOL_SOCKET, SO_TYPE, &type, &length) != 0 || type != SOCK_STREAM)
    {
      g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_CONFIGURATION,
                   "file descriptor %d is not a stream socket (use ListenStream=)", fd);
      return NULL;
    }
  length = sizeof family;
  if (getsockopt (fd, SOL_SOCKET, SO_DOMAIN, &family, &length) != 0 ||
      (family != AF_INET && family != AF_INET6))
    {
      g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_CONFIGURATION,
                   "file descriptor %d is a %s socket: only TCP (IPv4 or IPv6) is served",
                   fd, family_name (family));
      return NULL;
    }
  length = sizeof accepting;
  if (getsockopt (fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &length) != 0 || !accepting)
    {
      /* Accept=yes units pass one connection per process: we serve many. */
      g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_CONFIGURATION,
                   "file descriptor %d is not a listening socket (use Accept=no)", fd);
      return NULL;
    }

  /* Ours from now on: not for whatever a tool spawns. */
  fcntl (fd, F_SETFD, fcntl (fd, F_GETFD) | FD_CLOEXEC);
  socket = g_socket_new_from_fd (fd, error);
  if (socket == NULL)
    g_prefix_error (error, "file descriptor %d: ", fd);
  return socket;
}

static void
unset_listen_environment (void)
{
  g_unsetenv ("LISTEN_PID");
  g_unsetenv ("LISTEN_FDS");
  g_unsetenv ("LISTEN_FDNAMES");
}

gboolean
north_mcp_systemd_take_listen_sockets (GPtrArray **sockets,
                                       GError    **error)
{
  g_autofree char *pid_text = g_strdup (g_getenv ("LISTEN_PID"));
  g_autofree char *fds_text = g_strdup (g_getenv ("LISTEN_FDS"));
  g_autoptr(GPtrArray) taken = NULL;
  guint64 pid, count;

  g_return_val_if_fail (sockets != NULL && *sockets == NULL, FALSE);

  unset_listen_environment ();
  if (pid_text == NULL || fds_text == NULL)
    return TRUE;

  if (!g_ascii_string_to_unsigned (pid_text, 10, 1, G_MAXINT, &pid, NULL))
    {
      g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_CONFIGURATION,
                   "Socket activation: invalid LISTEN_PID “%.32s”", pid_text);
      return FALSE;
    }
  if ((pid_t) pid != getpid ())
    {
      /* Meant for another process (a parent that passed its environment on). */
      return TRUE;
    }
  if (!g_ascii_string_to_unsigned (fds_text, 10, 0, NORTH_MCP_SYSTEMD_MAX_LISTEN_FDS, &count, NULL))
    {
      g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_CONFIGURATION,
                   "Socket activation: invalid LISTEN_FDS “%.32s” (0 to %d sockets)",
                   fds_text, NORTH_MCP_SYSTEMD_MAX_LISTEN_FDS);
      return FALSE;
    }
  if (count == 0)
    return TRUE;

  taken = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < count; i++)
    {
      GSocket *socket = north_mcp_systemd_socket_from_fd (LISTEN_FDS_START + (int) i, error);

      if (socket == NULL)
        {
          g_prefix_error (error, "Socket activation (LISTEN_FDS=%u): ", (guint) count);
          return FALSE;
        }
      g_ptr_array_add (taken, socket);
    }

  *sockets = g_steal_pointer (&taken);
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Notifications                                                       */

struct _NorthMcpSystemdNotifier
{
  int                 fd;
  struct sockaddr_un  address;
  socklen_t           address_length;
  guint64             watchdog_usec;
  GSource            *watchdog;
  gboolean            warned;
};

/* The watchdog interval asked for this process, or 0. */
static guint64
watchdog_usec_from_environment (void)
{
  const char *usec_text = g_getenv ("WATCHDOG_USEC");
  const char *pid_text = g_getenv ("WATCHDOG_PID");
  guint64 usec, pid;

  if (usec_text == NULL ||
      !g_ascii_string_to_unsigned (usec_text, 10, 1, G_MAXINT64, &usec, NULL))
    return 0;
  if (pid_text != NULL &&
      (!g_ascii_string_to_unsigned (pid_text, 10, 1, G_MAXINT, &pid, NULL) || (pid_t) pid != getpid ()))
    return 0;
  return usec;
}

NorthMcpSystemdNotifier *
north_mcp_systemd_notifier_new_from_environment (GError **error)
{
  g_autofree char *path = g_strdup (g_getenv ("NOTIFY_SOCKET"));
  NorthMcpSystemdNotifier *self;
  gsize length;
  guint64 watchdog_usec = watchdog_usec_from_environment ();

  g_unsetenv ("NOTIFY_SOCKET");
  g_unsetenv ("WATCHDOG_USEC");
  g_unsetenv ("WATCHDOG_PID");

  if (path == NULL || path[0] == '\0')
    return NULL;

  length = strlen (path);
  if ((path[0] != '/' && path[0] != '@') || length < 2 ||
      length > sizeof ((struct sockaddr_un *) NULL)->sun_path)
    {
      g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_CONFIGURATION,
                   "NOTIFY_SOCKET is neither an absolute path nor an abstract name (@...) "
                   "of at most %zu bytes", sizeof ((struct sockaddr_un *) NULL)->sun_path);
      return NULL;
    }

  self = g_new0 (NorthMcpSystemdNotifier, 1);
  self->fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (self->fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Cannot create the notification socket: %s", g_strerror (saved_errno));
      g_free (self);
      return NULL;
    }
  self->address.sun_family = AF_UNIX;
  memcpy (self->address.sun_path, path, length);
  if (path[0] == '@')
    self->address.sun_path[0] = '\0';
  /* Abstract names are exactly as long as given, no terminator. */
  self->address_length = offsetof (struct sockaddr_un, sun_path) + length;
  self->watchdog_usec = watchdog_usec;
  return self;
}

gboolean
north_mcp_systemd_notifier_notify (NorthMcpSystemdNotifier  *self,
                                   const char               *state,
                                   GError                  **error)
{
  gsize length;

  g_return_val_if_fail (self != NULL && state != NULL, FALSE);

  length = strlen (state);
  if (sendto (self->fd, state, length, MSG_NOSIGNAL | MSG_DONTWAIT,
              (struct sockaddr *) &self->address, self->address_length) != (gssize) length)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Cannot notify the service manager: %s", g_strerror (saved_errno));
      return FALSE;
    }
  return TRUE;
}

static gboolean
watchdog_cb (gpointer user_data)
{
  NorthMcpSystemdNotifier *self = user_data;
  g_autoptr(GError) error = NULL;

  if (!north_mcp_systemd_notifier_notify (self, "WATCHDOG=1", &error) && !self->warned)
    {
      /* Once: the next ping may work (a full queue), and a log line
       * every few seconds helps nobody. */
      north_mcp_log_warning (LOGGER, "%s", error->message);
      self->warned = TRUE;
    }
  return G_SOURCE_CONTINUE;
}

guint64
north_mcp_systemd_notifier_start_watchdog (NorthMcpSystemdNotifier *self,
                                           GMainContext            *context)
{
  guint64 interval_ms;

  g_return_val_if_fail (self != NULL, 0);

  if (self->watchdog_usec == 0 || self->watchdog != NULL)
    return self->watchdog_usec;

  /* Half the interval, as sd_watchdog_enabled(3) advises; at least 1 ms. */
  interval_ms = MAX (self->watchdog_usec / 2000, 1);
  self->watchdog = g_timeout_source_new ((guint) MIN (interval_ms, G_MAXUINT));
  g_source_set_callback (self->watchdog, watchdog_cb, self, NULL);
  g_source_set_static_name (self->watchdog, "[north-mcp] systemd watchdog");
  g_source_attach (self->watchdog, context);
  watchdog_cb (self);
  return self->watchdog_usec;
}

void
north_mcp_systemd_notifier_free (NorthMcpSystemdNotifier *self)
{
  if (self == NULL)
    return;

  if (self->watchdog != NULL)
    {
      g_source_destroy (self->watchdog);
      g_source_unref (self->watchdog);
    }
  close (self->fd);
  g_free (self);
}
