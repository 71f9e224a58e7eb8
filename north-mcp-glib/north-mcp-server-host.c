/* north-mcp-server-host.c: NorthMcpServer as the host of the protocol
 * layer and of the transports
 *
 * The protocol layer (protocol/) reaches the server only through
 * NorthMcpProtocolHost, the transports (transport/) only through
 * NorthMcpTransportHost; this is the server's side of both, over the
 * server's own private functions.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-revision-2026-private.h"
#include "north-mcp-server-config-private.h"
#include "north-mcp-server-host-private.h"
#include "north-mcp-server-private.h"
#include "north-mcp-session-manager-private.h"

/* NorthMcpServer is the interfaces' only implementation, and these run
 * on every request: no checked casts. */
#define SERVER(host) ((NorthMcpServer *) (host))
#define PROTOCOL_HOST(server) ((NorthMcpProtocolHost *) (server))

/* NorthMcpProtocolHost */

static NorthMcpServer *
get_server (NorthMcpProtocolHost *host)
{
  return SERVER (host);
}

/* Read from the server's config, not through the checked getters: the
 * protocol asks on every list and client request. */
static void
get_protocol_settings (NorthMcpProtocolHost     *host,
                       NorthMcpProtocolSettings *settings)
{
  const NorthMcpServerConfig *config = north_mcp_server_get_config (SERVER (host));

  settings->name = config->name;
  settings->version = config->version;
  settings->title = config->title;
  settings->instructions = config->instructions;
  settings->page_size = config->page_size;
  settings->request_timeout = config->request_timeout;
  settings->task_ttl = config->task_ttl;
}

static GMainContext *
get_main_context (NorthMcpProtocolHost *host)
{
  return north_mcp_server_get_main_context (SERVER (host));
}

static NorthMcpRegistry *
get_registry (NorthMcpProtocolHost *host,
              NorthMcpRegistryKind  kind)
{
  return north_mcp_server_get_registry (SERVER (host), kind);
}

static NorthMcpSessionManager *
get_session_manager (NorthMcpProtocolHost *host)
{
  return north_mcp_server_get_session_manager (SERVER (host));
}

static NorthMcpRevision2026State *
get_revision_2026 (NorthMcpProtocolHost *host)
{
  return north_mcp_server_get_revision_2026 (SERVER (host));
}

static void
count_request (NorthMcpProtocolHost *host,
               gboolean              running)
{
  north_mcp_server_count_request (SERVER (host), running);
}

static gboolean
watches_requests (NorthMcpProtocolHost *host)
{
  return north_mcp_server_watches_requests (SERVER (host));
}

static void
request_started (NorthMcpProtocolHost *host,
                 NorthMcpContext      *context)
{
  north_mcp_server_request_started (SERVER (host), context);
}

static void
request_finished (NorthMcpProtocolHost *host,
                  NorthMcpContext      *context,
                  const GError         *error)
{
  north_mcp_server_request_finished (SERVER (host), context, error);
}

static void G_GNUC_PRINTF (2, 0)
protocol_debug (NorthMcpProtocolHost *host,
                const char           *format,
                va_list               args)
{
  north_mcp_server_debug_valist (SERVER (host), format, args);
}

static NorthMcpTracer *
get_tracer (NorthMcpProtocolHost *host)
{
  return north_mcp_server_get_tracer (SERVER (host));
}

static gboolean
get_debug (NorthMcpProtocolHost *host)
{
  return north_mcp_server_get_debug (SERVER (host));
}

void
north_mcp_server_protocol_host_init (NorthMcpProtocolHostInterface *iface)
{
  iface->get_server = get_server;
  iface->get_settings = get_protocol_settings;
  iface->get_main_context = get_main_context;
  iface->get_registry = get_registry;
  iface->get_session_manager = get_session_manager;
  iface->get_revision_2026 = get_revision_2026;
  iface->count_request = count_request;
  iface->watches_requests = watches_requests;
  iface->request_started = request_started;
  iface->request_finished = request_finished;
  iface->debug = protocol_debug;
  iface->get_tracer = get_tracer;
  iface->get_debug = get_debug;
}

/* NorthMcpTransportHost */

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
  settings->trusted_proxies = config->trusted_proxies;
  settings->max_body_size = config->max_body_size;
  settings->max_unsent_bytes = config->max_unsent_bytes;
  settings->max_unsent_output_bytes = config->max_unsent_output_bytes;
  settings->max_held_body_bytes = config->max_held_body_bytes;
  settings->max_requests = config->max_requests;
  settings->max_requests_per_client = config->max_requests_per_client;
  settings->max_connections = config->max_connections;
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

/* Makes room for one more session of @owner under
 * max-sessions-per-identity by ending its least recently used idle
 * session, as expiry would, and its shared record with it. FALSE when
 * every one of its sessions is busy. */
static gboolean
make_room_for_owner (NorthMcpServer *self,
                     NorthMcpUser   *owner)
{
  NorthMcpSessionManager *manager = north_mcp_server_get_session_manager (self);
  g_autoptr(NorthMcpSession) idle = NULL;

  if (!north_mcp_session_manager_owner_is_full (manager, owner, &idle))
    return TRUE;
  if (idle == NULL)
    return FALSE;

  north_mcp_server_debug (self, "Session %.8s… ended: its identity opened more than max-sessions-per-identity",
                          north_mcp_session_get_id (idle));
  if (north_mcp_session_manager_is_shared (manager))
    north_mcp_session_manager_forget_async (manager, idle, NULL, NULL, NULL);
  north_mcp_server_close_session (self, idle);
  return TRUE;
}

static NorthMcpSession *
open_session (NorthMcpTransportHost  *host,
              NorthMcpUser           *owner,
              GError                **error)
{
  NorthMcpServer *self = SERVER (host);

  /* First: an identity at its own limit makes room among its sessions,
   * and needs no new place under max-sessions. */
  if (!make_room_for_owner (self, owner))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_TOO_MANY_OPEN_FILES,
                           "Too many sessions of this identity (max-sessions-per-identity reached)");
      return NULL;
    }
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
check_headers (NorthMcpTransportHost            *host,
               SoupMessageHeaders               *headers,
               const NorthMcpRevision2026Head   *head,
               JsonNode                         *message,
               JsonNode                        **response_out)
{
  return north_mcp_revision_2026_http_check_post (PROTOCOL_HOST (host), headers, head, message, response_out);
}

static guint
handle_message (NorthMcpTransportHost *host,
                NorthMcpSession       *session,
                NorthMcpUser          *user,
                JsonNode              *message,
                NorthMcpChannel       *channel)
{
  return north_mcp_dispatch_message (PROTOCOL_HOST (host), session, user, message, channel);
}

static guint
handle_request (NorthMcpTransportHost  *host,
                NorthMcpSession        *session,
                NorthMcpUser           *user,
                NorthMcpJsonrpcRequest *request,
                NorthMcpChannel        *channel)
{
  return north_mcp_dispatch_request (PROTOCOL_HOST (host), session, user, request, channel);
}

static void G_GNUC_PRINTF (2, 0)
transport_debug (NorthMcpTransportHost *host,
                 const char            *format,
                 va_list                args)
{
  north_mcp_server_debug_valist (SERVER (host), format, args);
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
  iface->debug = transport_debug;
}
