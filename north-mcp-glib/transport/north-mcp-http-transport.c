/* north-mcp-http-transport.c: Streamable HTTP, legacy HTTP+SSE, health
 * check and custom routes on one SoupServer
 *
 * This file is the object: listening, the host's settings, stopping. The
 * path of one request goes through the files named in
 * north-mcp-http-transport-impl-private.h: the early handler rejects
 * oversized bodies by their Content-Length (or while chunks arrive)
 * without reading them, and drops the bodies of paths that do not read
 * one; the handler routes by path, checks Origin/Host, authenticates
 * (synchronously when auth can decide without I/O, else with the message
 * paused), finds the session, validates headers, parses the body once and
 * hands it to the host with a channel that turns what comes back into the
 * HTTP answer.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-http-body-limit-private.h"
#include "north-mcp-http-refusal-private.h"
#include "north-mcp-http-routes-private.h"
#include "north-mcp-http-session-private.h"
#include "north-mcp-http-socket-private.h"
#include "north-mcp-http-transport-impl-private.h"
#include "north-mcp-log-private.h"
#include "north-mcp-sse-stream-private.h"

#define DEFAULT_MCP_PATH "/mcp"

G_DEFINE_FINAL_TYPE (NorthMcpHttpTransport, north_mcp_http_transport, G_TYPE_OBJECT)

gboolean
north_mcp_http_transport_refresh (NorthMcpHttpTransport *self)
{
  if (self->host == NULL)
    return FALSE;

  self->host_iface->get_settings (self->host, &self->settings);
  return TRUE;
}

NorthMcpHttpTransport *
north_mcp_http_transport_new (NorthMcpTransportHost *host)
{
  NorthMcpHttpTransport *self;

  g_return_val_if_fail (NORTH_MCP_IS_TRANSPORT_HOST (host), NULL);

  self = g_object_new (NORTH_MCP_TYPE_HTTP_TRANSPORT, NULL);
  self->host = host;
  self->host_iface = NORTH_MCP_TRANSPORT_HOST_GET_IFACE (host);
  g_object_add_weak_pointer (G_OBJECT (host), (gpointer *) &self->host);
  north_mcp_http_transport_refresh (self);
  g_free (self->mcp_path);
  self->mcp_path = g_strdup (self->settings.path);

  return self;
}

/* "localhost": IPv4 and, where the system has it, IPv6 loopback on one
 * port (what soup_server_listen_local() does). */
static gboolean
listen_local (NorthMcpHttpTransport  *self,
              guint                   port,
              GError                **error)
{
  g_autoptr(GInetAddress) ipv4 = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GInetAddress) ipv6 = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV6);
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocket) socket6 = NULL;
  g_autoptr(GSocketAddress) local = NULL;

  socket = north_mcp_http_listening_socket_new (ipv4, port, error);
  if (socket == NULL || !north_mcp_http_listener_add_socket (self->listener, socket, error))
    return FALSE;

  local = g_socket_get_local_address (socket, error);
  if (local == NULL)
    return FALSE;

  socket6 = north_mcp_http_listening_socket_new (ipv6, g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)),
                                                 NULL);
  if (socket6 != NULL)
    north_mcp_http_listener_add_socket (self->listener, socket6, NULL);

  return TRUE;
}

gboolean
north_mcp_http_transport_listen (NorthMcpHttpTransport  *self,
                                 const char             *host,
                                 guint                   port,
                                 GError                **error)
{
  g_autoptr(GInetAddress) inet = NULL;
  gboolean listening, workers;

  g_return_val_if_fail (NORTH_MCP_IS_HTTP_TRANSPORT (self), FALSE);
  g_return_val_if_fail (port <= G_MAXUINT16, FALSE);
  g_return_val_if_fail (self->soup == NULL, FALSE);

  if (host == NULL)
    host = "127.0.0.1";

  /* "localhost": both loopback families (clients resolve it either way),
   * on one port; worker processes take IPv4 loopback only. */
  workers = north_mcp_http_transport_refresh (self) && self->settings.workers > 1;
  if (g_ascii_strcasecmp (host, "localhost") != 0 || workers)
    {
      inet = north_mcp_http_parse_listen_host (host, error);
      if (inet == NULL)
        return FALSE;
    }

  north_mcp_http_raise_fd_limit ();
  self->loopback = north_mcp_http_host_is_loopback (host);
  self->soup = soup_server_new (NULL, NULL);
  north_mcp_http_guard_queries (self->soup);
  soup_server_add_early_handler (self->soup, NULL, north_mcp_http_check_body_size, self, NULL);
  soup_server_add_handler (self->soup, NULL, north_mcp_http_route, self, NULL);
  /* We accept connections, not libsoup: see north-mcp-http-listener.c. */
  self->listener = north_mcp_http_listener_new (self->soup, self->host);

  if (self->settings.listen_sockets != NULL)
    /* Sockets passed in (socket activation): shared by every worker. */
    listening = north_mcp_http_listener_add_sockets (self->listener, self->settings.listen_sockets,
                                                     error);
  else if (workers)
    {
      /* One of several worker processes: each has a socket of its own on
       * the same port and the kernel spreads connections over them. */
      g_autoptr(GSocket) socket = north_mcp_http_reuseport_socket_new (inet, port, TRUE, error);

      listening = socket != NULL && north_mcp_http_listener_add_socket (self->listener, socket, error);
    }
  else if (inet != NULL)
    {
      g_autoptr(GSocket) socket = north_mcp_http_listening_socket_new (inet, port, error);

      listening = socket != NULL && north_mcp_http_listener_add_socket (self->listener, socket, error);
    }
  else
    listening = listen_local (self, port, error);

  if (!listening)
    {
      north_mcp_http_listener_stop (self->listener);
      g_clear_object (&self->listener);
      soup_server_disconnect (self->soup);
      g_clear_object (&self->soup);
      return FALSE;
    }

  self->port = north_mcp_http_bound_port (self->soup, port);

  if (!north_mcp_http_transport_refresh (self))
    return TRUE;

  north_mcp_transport_host_debug (self->host, "Listening on http://%s:%u%s", host, self->port, self->mcp_path);

  /* Reachable from other machines, and any name accepted: a page whose
   * name an attacker resolves to this address may reach the endpoints. */
  if (!self->loopback && self->settings.allowed_hosts == NULL)
    {
      g_autofree char *logger = g_strdup_printf ("NorthMCP.%s", self->settings.name);

      north_mcp_log_warning (logger, "Listening on %s with no allowed hosts: any Host header is "
                             "accepted. Name this server's public host names with --allowed-host "
                             "(or north_mcp_server_add_allowed_host()) against DNS rebinding.", host);
    }

  return TRUE;
}

guint
north_mcp_http_transport_get_port (NorthMcpHttpTransport *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_HTTP_TRANSPORT (self), 0);

  return self->port;
}

void
north_mcp_http_transport_set_keepalive_interval (NorthMcpHttpTransport *self,
                                                 guint                  interval_ms)
{
  g_return_if_fail (NORTH_MCP_IS_HTTP_TRANSPORT (self));

  self->keepalive_ms = interval_ms;
}

void
north_mcp_http_transport_drain (NorthMcpHttpTransport *self)
{
  g_return_if_fail (NORTH_MCP_IS_HTTP_TRANSPORT (self));

  if (self->listener != NULL)
    north_mcp_http_listener_drain (self->listener);
}

gboolean
north_mcp_http_transport_is_busy (NorthMcpHttpTransport *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_HTTP_TRANSPORT (self), FALSE);

  return self->listener != NULL && north_mcp_http_listener_is_busy (self->listener);
}

void
north_mcp_http_transport_stop (NorthMcpHttpTransport *self)
{
  g_autoptr(GPtrArray) streams = NULL;
  GHashTableIter iter;
  gpointer stream;

  g_return_if_fail (NORTH_MCP_IS_HTTP_TRANSPORT (self));

  /* Closing a stream removes it from the table (and ends a legacy
   * session): iterate over a copy. */
  streams = g_ptr_array_new_with_free_func (g_object_unref);
  g_hash_table_iter_init (&iter, self->streams);
  while (g_hash_table_iter_next (&iter, &stream, NULL))
    g_ptr_array_add (streams, g_object_ref (stream));
  for (guint i = 0; i < streams->len; i++)
    north_mcp_sse_stream_close (g_ptr_array_index (streams, i));

  if (self->listener != NULL)
    {
      north_mcp_http_listener_stop (self->listener);
      g_clear_object (&self->listener);
    }

  if (self->soup != NULL)
    {
      soup_server_disconnect (self->soup);
      g_clear_object (&self->soup);
    }
}

static void
north_mcp_http_transport_dispose (GObject *object)
{
  NorthMcpHttpTransport *self = NORTH_MCP_HTTP_TRANSPORT (object);

  if (self->soup != NULL || g_hash_table_size (self->streams) > 0)
    north_mcp_http_transport_stop (self);

  if (self->host != NULL)
    {
      g_object_remove_weak_pointer (G_OBJECT (self->host), (gpointer *) &self->host);
      self->host = NULL;
    }

  G_OBJECT_CLASS (north_mcp_http_transport_parent_class)->dispose (object);
}

static void
north_mcp_http_transport_finalize (GObject *object)
{
  NorthMcpHttpTransport *self = NORTH_MCP_HTTP_TRANSPORT (object);

  g_hash_table_unref (self->streams);
  g_free (self->mcp_path);

  G_OBJECT_CLASS (north_mcp_http_transport_parent_class)->finalize (object);
}

static void
north_mcp_http_transport_class_init (NorthMcpHttpTransportClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = north_mcp_http_transport_dispose;
  object_class->finalize = north_mcp_http_transport_finalize;
}

static void
north_mcp_http_transport_init (NorthMcpHttpTransport *self)
{
  self->mcp_path = g_strdup (DEFAULT_MCP_PATH);
  self->keepalive_ms = NORTH_MCP_SSE_DEFAULT_KEEPALIVE_MS;
  self->streams = g_hash_table_new_full (NULL, NULL, g_object_unref, north_mcp_http_stream_info_free);
}
