/* north-mcp-server-host.c: NorthMcpServer as the transports' host
 *
 * The transports (transport/) reach the server only through
 * NorthMcpTransportHost; this is the server's side of it, over the
 * server's own private functions.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-log-private.h"
#include "north-mcp-revision-2026-private.h"
#include "north-mcp-server-config-private.h"
#include "north-mcp-server-host-private.h"
#include "north-mcp-server-private.h"
#include "north-mcp-session-manager-private.h"

/* NorthMcpServer is the interface's only implementation, and these run
 * on every request: no checked cast. */
#define SERVER(host) ((NorthMcpServer *) (host))

/* Read from the server's config, not through the checked getters:
 * transports ask on every request. */
static void
get_settings (NorthMcpTransportHost     *host,
              NorthMcpTransportSettings *settings)
{
  NorthMcpServer *self = SERVER (host);
  const NorthMcpServerConfig *config = north_mcp_server_get_config (self);

  settings->name = config->name;
  settings->auth = north_mcp_server_get_auth (self);
  settings->path = config->mcp_path != NULL ? config->mcp_path : "/mcp";
  settings->protocol_versions = north_mcp_supported_protocol_versions;
  settings->allowed_hosts = (const char * const *) config->allowed_hosts;
  settings->allowed_origins = (const char * const *) config->allowed_origins;
  settings->max_body_size = config->max_body_size;
  settings->max_unsent_bytes = config->max_unsent_bytes;
  settings->idle_timeout = config->idle_timeout;
  settings->workers = config->workers;
  settings->listen_sockets = config->listen_sockets;
  settings->sessions = north_mcp_server_get_session_manager (self);
  settings->stateless = config->stateless;
  settings->health_check = config->health_check;
}

/* Registered paths have no trailing slash: /ready/ is /ready. */
static NorthMcpRoute *
lookup_route (NorthMcpServer *self,
              const char     *path)
{
  GHashTable *routes = north_mcp_server_get_routes (self);
  gsize length = strlen (path);
  g_autofree char *key = NULL;

  if (routes == NULL || g_hash_table_size (routes) == 0)
    return NULL;
  if (length > 1 && path[length - 1] == '/')
    key = g_strndup (path, length - 1);
  return g_hash_table_lookup (routes, key != NULL ? key : path);
}

static gboolean
has_route (NorthMcpTransportHost *host,
           const char            *path)
{
  return lookup_route (SERVER (host), path) != NULL;
}

static gboolean
call_route (NorthMcpTransportHost *host,
            SoupServerMessage     *msg,
            const char            *path,
            NorthMcpUser          *user)
{
  NorthMcpServer *self = SERVER (host);
  NorthMcpRoute *route = lookup_route (self, path);

  if (route == NULL)
    return FALSE;
  route->func (self, msg, path, user, route->user_data);
  return TRUE;
}

static NorthMcpSession *
open_session (NorthMcpTransportHost  *host,
              NorthMcpUser           *owner,
              GError                **error)
{
  NorthMcpServer *self = SERVER (host);

  if (north_mcp_server_sessions_full (self))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                           "Too many sessions (max-sessions reached)");
      return NULL;
    }

  return north_mcp_server_open_session (self, NULL, owner, error);
}

static NorthMcpSession *
find_session (NorthMcpTransportHost *host,
              const char            *id,
              NorthMcpUser          *user)
{
  return north_mcp_server_find_session (SERVER (host), id, user);
}

static void
close_session (NorthMcpTransportHost *host,
               NorthMcpSession       *session)
{
  north_mcp_server_close_session (SERVER (host), session);
}

static guint
check_headers (NorthMcpTransportHost  *host,
               SoupMessageHeaders     *headers,
               JsonNode               *message,
               JsonNode              **response_out)
{
  return north_mcp_revision_2026_http_check_post (SERVER (host), headers, message, response_out);
}

static guint
handle_message (NorthMcpTransportHost *host,
                NorthMcpSession       *session,
                NorthMcpUser          *user,
                JsonNode              *message,
                NorthMcpChannel       *channel)
{
  return north_mcp_server_handle_message (SERVER (host), session, user, message, channel);
}

static guint
handle_request (NorthMcpTransportHost  *host,
                NorthMcpSession        *session,
                NorthMcpUser           *user,
                NorthMcpJsonrpcRequest *request,
                NorthMcpChannel        *channel)
{
  return north_mcp_server_handle_request (SERVER (host), session, user, request, channel);
}

static void G_GNUC_PRINTF (2, 0)
debug (NorthMcpTransportHost *host,
       const char            *format,
       va_list                args)
{
  NorthMcpServer *self = SERVER (host);
  g_autofree char *logger = NULL;

  if (!north_mcp_server_get_debug (self))
    return;

  logger = g_strdup_printf ("NorthMCP.%s", north_mcp_server_get_name (self));
  north_mcp_log_message (logger, "DEBUG", format, args);
}

void
north_mcp_server_transport_host_init (NorthMcpTransportHostInterface *iface)
{
  iface->get_settings = get_settings;
  iface->has_route = has_route;
  iface->call_route = call_route;
  iface->open_session = open_session;
  iface->find_session = find_session;
  iface->close_session = close_session;
  iface->check_headers = check_headers;
  iface->handle_message = handle_message;
  iface->handle_request = handle_request;
  iface->debug = debug;
}
