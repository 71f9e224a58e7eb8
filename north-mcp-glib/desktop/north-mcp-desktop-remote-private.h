/* north-mcp-desktop-remote-private.h: bounded calls to another application
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Another application (a bus name, or the peer of a peer-to-peer
 * connection), called with calls that expect a reply and are counted
 * until it comes: at most @max_calls wait at once, with at most
 * @max_bytes of arguments together, each at most @timeout_ms; a call past
 * either is refused. A call is not cancelled with the request that made
 * it: its message may have left already, and a client that cancels every
 * call would make room for new messages while the old ones still wait in
 * the buses' queues (an application that stops reading its bus socket
 * would let them pile up without bound). Shared by every object of that
 * application that the D-Bus bridge serves; one per remote action group
 * the application itself serves. Reference counted; main context only. */
typedef struct _NorthMcpDesktopRemote NorthMcpDesktopRemote;

/* What a call gets once it ends: its reply, or why there is none. */
typedef void (*NorthMcpDesktopReplyFunc) (GVariant     *reply,
                                          const GError *error,
                                          gpointer      user_data);

NorthMcpDesktopRemote *north_mcp_desktop_remote_new   (GDBusConnection       *connection,
                                                       const char            *bus_name,
                                                       guint                  max_calls,
                                                       gsize                  max_bytes,
                                                       int                    timeout_ms);
NorthMcpDesktopRemote *north_mcp_desktop_remote_ref   (NorthMcpDesktopRemote *remote);
void                   north_mcp_desktop_remote_unref (NorthMcpDesktopRemote *remote);
/* Calls @method_name at @object_path (@parameters, floating or not, is
 * consumed); @func gets the outcome. FALSE, with @error set and @func not
 * called, when the call would pass the remote's bounds. */
gboolean               north_mcp_desktop_remote_call  (NorthMcpDesktopRemote    *remote,
                                                       const char               *object_path,
                                                       const char               *interface_name,
                                                       const char               *method_name,
                                                       GVariant                 *parameters,
                                                       const GVariantType       *reply_type,
                                                       NorthMcpDesktopReplyFunc  func,
                                                       gpointer                  user_data,
                                                       GError                  **error);

G_END_DECLS
