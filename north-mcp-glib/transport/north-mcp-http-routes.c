/* north-mcp-http-routes.c: which endpoint a request is for, and serving
 * it once authenticated
 *
 * The MCP path (Streamable HTTP), /sse and /messages/ (legacy HTTP+SSE),
 * /health, and the custom routes of the host. The MCP endpoints check
 * Origin and Host first; custom routes are public and answer for
 * themselves.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-http-answers-private.h"
#include "north-mcp-http-auth-private.h"
#include "north-mcp-http-headers-private.h"
#include "north-mcp-http-legacy-sse-private.h"
#include "north-mcp-http-listener-private.h"
#include "north-mcp-http-routes-private.h"
#include "north-mcp-http-store-private.h"
#include "north-mcp-http-streamable-private.h"
#include "north-mcp-revision-2026-private.h"
#include "north-mcp-request-scope-private.h"

#define NO_LEGACY_TEXT "Not Found: this server is stateless; the legacy HTTP+SSE transport " \
                       "needs sessions (use Streamable HTTP)"

NorthMcpHttpEndpoint
north_mcp_http_classify_path (NorthMcpHttpTransport *self,
                              const char            *path)
{
  gsize length = strlen (path);

  /* One trailing slash is tolerated: /mcp/ is /mcp. */
  if (length > 1 && path[length - 1] == '/')
    length--;

  if (length == strlen (self->mcp_path) && strncmp (path, self->mcp_path, length) == 0)
    return NORTH_MCP_HTTP_ENDPOINT_MCP;
  if (length == 4 && strncmp (path, "/sse", 4) == 0)
    return NORTH_MCP_HTTP_ENDPOINT_SSE;
  if ((length == 9 && strncmp (path, "/messages", 9) == 0) || g_str_has_prefix (path, "/messages/"))
    return NORTH_MCP_HTTP_ENDPOINT_MESSAGES;
  if (length == 7 && strncmp (path, "/health", 7) == 0 && self->settings.health_check)
    return NORTH_MCP_HTTP_ENDPOINT_HEALTH;
  if (north_mcp_transport_host_has_route (self->host, path))
    return NORTH_MCP_HTTP_ENDPOINT_ROUTE;

  return NORTH_MCP_HTTP_ENDPOINT_NONE;
}

static void
handle_health (SoupServerMessage *msg)
{
  const char *method = soup_server_message_get_method (msg);

  if (strcmp (method, "GET") != 0 && strcmp (method, "HEAD") != 0)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", "GET, HEAD");
      north_mcp_http_respond_text (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "Method Not Allowed");
      return;
    }

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "OK", 2);
}

void
north_mcp_http_call_route (NorthMcpHttpTransport *self,
                           SoupServerMessage     *msg,
                           NorthMcpUser          *user)
{
  const char *path = g_uri_get_path (soup_server_message_get_uri (msg));
  NorthMcpRequestScope scope;
  gboolean found;

  /* north_mcp_get_north_context() in the callback reads these headers. */
  north_mcp_request_scope_enter (&scope, soup_server_message_get_request_headers (msg));
  found = north_mcp_transport_host_call_route (self->host, msg, path, user);
  north_mcp_request_scope_leave (&scope);

  if (!found)
    north_mcp_http_respond_text (msg, SOUP_STATUS_NOT_FOUND, "Not Found");
}

/* The MCP path: POST, or GET and DELETE of the revisions with sessions. */
static void
serve_mcp (NorthMcpHttpTransport *self,
           SoupServerMessage     *msg,
           NorthMcpUser          *user)
{
  SoupMessageHeaders *response_headers = soup_server_message_get_response_headers (msg);
  const char *method = soup_server_message_get_method (msg);

  /* Unless the CORS answer for an allowed Origin said more already. */
  if (!self->settings.stateless &&
      soup_message_headers_get_one (response_headers, "Access-Control-Expose-Headers") == NULL)
    soup_message_headers_replace (response_headers, "Access-Control-Expose-Headers",
                                  NORTH_MCP_HTTP_SESSION_HEADER);

  if (strcmp (method, "POST") == 0)
    north_mcp_http_handle_post (self, msg, user);
  else if (north_mcp_protocol_version_is_revision_2026 (north_mcp_http_field (self, msg,
                                                                            NORTH_MCP_HTTP_FIELD_PROTOCOL_VERSION)))
    /* The 2026-07-28 revision has no GET stream and no sessions to
     * delete. */
    north_mcp_http_respond_method_not_allowed (msg, "POST");
  else if (strcmp (method, "GET") == 0)
    north_mcp_http_handle_get (self, msg, user);
  else if (strcmp (method, "DELETE") == 0)
    north_mcp_http_handle_delete (self, msg, user);
  else
    north_mcp_http_respond_method_not_allowed (msg, self->settings.stateless
                                                    ? "POST" : "GET, POST, DELETE");
}

/* GET /sse and POST /messages/. The legacy transport's session is its
 * GET /sse stream: a stateless server has none to give, so the endpoints
 * are not there (as with the SDKs' stateless servers, which do not mount
 * them); still reserved, and checked like the MCP path first. */
static void
serve_legacy (NorthMcpHttpTransport *self,
              SoupServerMessage     *msg,
              NorthMcpHttpEndpoint   endpoint,
              GHashTable            *query,
              NorthMcpUser          *user)
{
  const char *method = soup_server_message_get_method (msg);

  if (self->settings.stateless)
    north_mcp_http_respond_text (msg, SOUP_STATUS_NOT_FOUND, NO_LEGACY_TEXT);
  else if (endpoint == NORTH_MCP_HTTP_ENDPOINT_SSE && strcmp (method, "GET") == 0)
    north_mcp_http_handle_legacy_get (self, msg, user);
  else if (endpoint == NORTH_MCP_HTTP_ENDPOINT_SSE)
    north_mcp_http_respond_method_not_allowed (msg, "GET");
  else if (strcmp (method, "POST") == 0)
    north_mcp_http_handle_legacy_post (self, msg, query, user);
  else
    north_mcp_http_respond_method_not_allowed (msg, "POST");
}

static void
serve_now (NorthMcpHttpTransport *self,
           SoupServerMessage     *msg,
           NorthMcpHttpEndpoint   endpoint,
           GHashTable            *query,
           NorthMcpUser          *user)
{
  NorthMcpRequestScope scope;

  /* Contexts made for this request read its North and trace context. */
  north_mcp_request_scope_enter (&scope, soup_server_message_get_request_headers (msg));

  switch (endpoint)
    {
    case NORTH_MCP_HTTP_ENDPOINT_MCP:
      serve_mcp (self, msg, user);
      break;

    case NORTH_MCP_HTTP_ENDPOINT_SSE:
    case NORTH_MCP_HTTP_ENDPOINT_MESSAGES:
      serve_legacy (self, msg, endpoint, query, user);
      break;

    case NORTH_MCP_HTTP_ENDPOINT_ROUTE:
      north_mcp_http_call_route (self, msg, user);
      break;

    case NORTH_MCP_HTTP_ENDPOINT_NONE:
    case NORTH_MCP_HTTP_ENDPOINT_HEALTH:
    default:
      g_assert_not_reached ();
    }

  north_mcp_request_scope_leave (&scope);
}

/* A request waiting for its session to be loaded from the state store. */
typedef struct {
  NorthMcpHttpTransport *self;
  SoupServerMessage     *msg;
  GHashTable            *query;
  NorthMcpUser          *user;
  NorthMcpHttpEndpoint   endpoint;
} PendingStore;

static void
pending_store_free (gpointer data)
{
  PendingStore *pending = data;

  g_object_unref (pending->self);
  g_object_unref (pending->msg);
  g_clear_pointer (&pending->query, g_hash_table_unref);
  g_clear_object (&pending->user);
  g_free (pending);
}

static void
pending_store_resume (gpointer data)
{
  PendingStore *pending = data;

  if (north_mcp_http_transport_refresh (pending->self))
    serve_now (pending->self, pending->msg, pending->endpoint, pending->query, pending->user);
}

void
north_mcp_http_serve (NorthMcpHttpTransport *self,
                      SoupServerMessage     *msg,
                      NorthMcpHttpEndpoint   endpoint,
                      GHashTable            *query,
                      NorthMcpUser          *user)
{
  PendingStore *pending;

  /* With a shared state store, the session a request names may have to
   * be loaded first (north-mcp-http-store.c). */
  if (endpoint == NORTH_MCP_HTTP_ENDPOINT_MCP &&
      G_UNLIKELY (self->settings.sessions != NULL &&
                  north_mcp_session_manager_is_shared (self->settings.sessions)))
    {
      pending = g_new0 (PendingStore, 1);
      pending->self = g_object_ref (self);
      pending->msg = g_object_ref (msg);
      pending->query = query != NULL ? g_hash_table_ref (query) : NULL;
      pending->user = user != NULL ? g_object_ref (user) : NULL;
      pending->endpoint = endpoint;
      if (north_mcp_http_store_prepare (self->host, msg, user, pending_store_resume,
                                        pending, pending_store_free))
        return;
      pending_store_free (pending);
    }

  serve_now (self, msg, endpoint, query, user);
}

void
north_mcp_http_route (SoupServer        *server,
                      SoupServerMessage *msg,
                      const char        *path,
                      GHashTable        *query,
                      gpointer           user_data)
{
  NorthMcpHttpTransport *self = user_data;
  g_autoptr(NorthMcpUser) user = NULL;
  NorthMcpHttpEndpoint endpoint;

  north_mcp_http_listener_request_read (self->listener, msg);
  if (!north_mcp_http_transport_refresh (self))
    {
      north_mcp_http_respond_text (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "Service Unavailable");
      return;
    }

  endpoint = north_mcp_http_classify_path (self, path);
  if (endpoint != NORTH_MCP_HTTP_ENDPOINT_ROUTE &&
      north_mcp_http_listener_take_admission (self->listener, msg, (GObject **) &user))
    {
      /* Checked and authenticated by its headers already. */
      north_mcp_http_serve (self, msg, endpoint, query, user);
      return;
    }

  north_mcp_http_log_path (self, path, endpoint);
  switch (endpoint)
    {
    case NORTH_MCP_HTTP_ENDPOINT_NONE:
      north_mcp_http_respond_text (msg, SOUP_STATUS_NOT_FOUND, "Not Found");
      break;

    case NORTH_MCP_HTTP_ENDPOINT_HEALTH:
      handle_health (msg);
      break;

    case NORTH_MCP_HTTP_ENDPOINT_ROUTE:
      /* Route handlers may take the connection over. */
      north_mcp_http_listener_allow_steal (msg);
      north_mcp_http_authenticate (self, msg, endpoint, query);
      break;

    case NORTH_MCP_HTTP_ENDPOINT_MCP:
    case NORTH_MCP_HTTP_ENDPOINT_SSE:
    case NORTH_MCP_HTTP_ENDPOINT_MESSAGES:
    default:
      if (north_mcp_http_check_origin_and_host (self, msg))
        north_mcp_http_authenticate (self, msg, endpoint, query);
      break;
    }
}
