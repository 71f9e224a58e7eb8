/* north-mcp-desktop-remote.c: bounded calls to another application
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-desktop-remote-private.h"
#include "north-mcp-error.h"

/* Counted by GLib's atomic RcBox, as the tool budget is. */
struct _NorthMcpDesktopRemote
{
  GDBusConnection *connection;
  char *bus_name;
  guint calls;          /* waiting for their reply */
  gsize bytes;          /* of their arguments */
  guint max_calls;
  gsize max_bytes;
  int timeout_ms;
};

NorthMcpDesktopRemote *
north_mcp_desktop_remote_new (GDBusConnection *connection,
                              const char      *bus_name,
                              guint            max_calls,
                              gsize            max_bytes,
                              int              timeout_ms)
{
  NorthMcpDesktopRemote *remote = g_atomic_rc_box_new0 (NorthMcpDesktopRemote);

  remote->connection = g_object_ref (connection);
  remote->bus_name = g_strdup (bus_name);
  remote->max_calls = max_calls;
  remote->max_bytes = max_bytes;
  remote->timeout_ms = timeout_ms;
  return remote;
}

NorthMcpDesktopRemote *
north_mcp_desktop_remote_ref (NorthMcpDesktopRemote *remote)
{
  return g_atomic_rc_box_acquire (remote);
}

static void
remote_clear (gpointer data)
{
  NorthMcpDesktopRemote *remote = data;

  g_object_unref (remote->connection);
  g_free (remote->bus_name);
}

void
north_mcp_desktop_remote_unref (NorthMcpDesktopRemote *remote)
{
  g_atomic_rc_box_release_full (remote, remote_clear);
}

typedef struct
{
  NorthMcpDesktopRemote *remote;
  gsize size;
  NorthMcpDesktopReplyFunc func;
  gpointer user_data;
} Call;

static void
call_returned (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Call *call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  call->remote->calls--;
  call->remote->bytes -= call->size;
  call->func (reply, error, call->user_data);
  north_mcp_desktop_remote_unref (call->remote);
  g_free (call);
}

gboolean
north_mcp_desktop_remote_call (NorthMcpDesktopRemote     *remote,
                               const char                *object_path,
                               const char                *interface_name,
                               const char                *method_name,
                               GVariant                  *parameters,
                               const GVariantType        *reply_type,
                               NorthMcpDesktopReplyFunc   func,
                               gpointer                   user_data,
                               GError                   **error)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (parameters);
  const char *name = remote->bus_name != NULL ? remote->bus_name : "The peer";
  gsize size = g_variant_get_size (owned);
  Call *call;

  if (remote->calls >= remote->max_calls)
    {
      g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED,
                   "%s has not answered %u calls yet", name, remote->calls);
      return FALSE;
    }
  /* One call may always wait alone: its size was bounded before. */
  if (remote->calls > 0 && size > remote->max_bytes - MIN (remote->bytes, remote->max_bytes))
    {
      g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED,
                   "%s has not answered calls of %" G_GSIZE_FORMAT " bytes yet (at most %" G_GSIZE_FORMAT
                   " may wait)", name, remote->bytes, remote->max_bytes);
      return FALSE;
    }

  call = g_new0 (Call, 1);
  call->remote = north_mcp_desktop_remote_ref (remote);
  call->size = size;
  call->func = func;
  call->user_data = user_data;
  remote->calls++;
  remote->bytes += size;
  g_dbus_connection_call (remote->connection, remote->bus_name, object_path, interface_name, method_name,
                          owned, reply_type, G_DBUS_CALL_FLAGS_NONE, remote->timeout_ms, NULL,
                          call_returned, call);
  return TRUE;
}
