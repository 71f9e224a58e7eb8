/* north-mcp-systemd-private.h: socket activation and readiness for a
 * service manager (systemd's protocols, without libsystemd)
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* At most this many inherited sockets (LISTEN_FDS). */
#define NORTH_MCP_SYSTEMD_MAX_LISTEN_FDS 64

/* @fd as a GSocket (owning it, close-on-exec) if it is a listening TCP
 * socket (IPv4 or IPv6); otherwise NORTH_MCP_ERROR_INVALID_CONFIGURATION
 * saying what it is instead. */
GSocket   *north_mcp_systemd_socket_from_fd        (int          fd,
                                                    GError     **error);

/* The listening sockets passed by socket activation: LISTEN_FDS
 * descriptors from 3 on, when LISTEN_PID is this process. Returns FALSE
 * with @error for a malformed environment or a descriptor that is not a
 * listening TCP socket; TRUE with *@sockets NULL when the process was not
 * socket-activated (or the variables are for another process). LISTEN_PID,
 * LISTEN_FDS and LISTEN_FDNAMES are removed from the environment in every
 * case, so that processes started later do not take them for theirs. */
gboolean   north_mcp_systemd_take_listen_sockets   (GPtrArray  **sockets,
                                                    GError     **error);

typedef struct _NorthMcpSystemdNotifier NorthMcpSystemdNotifier;

/* The service manager's notification socket ($NOTIFY_SOCKET: a path, or
 * `@name` in the abstract namespace) and watchdog (WATCHDOG_USEC, for
 * this process when WATCHDOG_PID is unset or names it). NULL without
 * error when there is no NOTIFY_SOCKET. NOTIFY_SOCKET, WATCHDOG_USEC and
 * WATCHDOG_PID are removed from the environment: the main process is the
 * one that reports. */
NorthMcpSystemdNotifier *north_mcp_systemd_notifier_new_from_environment (GError **error);
/* Sends @state ("READY=1", "STATUS=...", "STOPPING=1", newline-separated
 * assignments) as one datagram; never blocks. */
gboolean   north_mcp_systemd_notifier_notify       (NorthMcpSystemdNotifier *self,
                                                    const char              *state,
                                                    GError                 **error);
/* Sends "WATCHDOG=1" every half watchdog interval from @context's main
 * loop (so a main loop that hangs stops the pings), if the service
 * manager asked for a watchdog. Returns the interval in microseconds (0:
 * no watchdog). */
guint64    north_mcp_systemd_notifier_start_watchdog (NorthMcpSystemdNotifier *self,
                                                      GMainContext            *context);
void       north_mcp_systemd_notifier_free         (NorthMcpSystemdNotifier *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NorthMcpSystemdNotifier, north_mcp_systemd_notifier_free)

G_END_DECLS
