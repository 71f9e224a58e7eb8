/* north-mcp-http-auth.c: the North user of an HTTP request
 *
 * Whatever the authenticator can decide without I/O (open mode, server
 * secret, unverified or cached ID tokens) is served in the very call that
 * routed the request, with no task, no idle and no pause; only a request
 * whose issuer's keys must be fetched first waits, paused.
 *
 * When the server requires credentials, a POST to an MCP endpoint is
 * decided from its headers, before its body is read: a client without
 * credentials could otherwise hold the bodies of everyone's requests
 * (max-held-body-bytes) with uploads that trickle in, and be told 401
 * only once they are in.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-auth-private.h"
#include "north-mcp-http-answers-private.h"
#include "north-mcp-http-auth-private.h"
#include "north-mcp-http-client-address-private.h"
#include "north-mcp-http-headers-private.h"
#include "north-mcp-http-listener-private.h"
#include "north-mcp-http-pause-private.h"
#include "north-mcp-http-refusal-private.h"
#include "north-mcp-log-private.h"

/* A request waiting for an asynchronous authentication decision. */
typedef struct {
  NorthMcpHttpPause      pause;
  NorthMcpHttpTransport *self;
  GHashTable            *query;
  NorthMcpHttpEndpoint   endpoint;
  NorthMcpHttpAdmittedFunc admitted;  /* decided before the body: early */
} PendingAuth;

static void
pending_auth_free (PendingAuth *pending)
{
  north_mcp_http_pause_clear (&pending->pause);
  g_clear_object (&pending->self);
  g_clear_pointer (&pending->query, g_hash_table_unref);
  g_free (pending);
}

/* Refuses @msg unread (401) for @error, or admits it with @user and lets
 * @admitted count its body: TRUE when it goes on. */
static gboolean
admit (NorthMcpHttpTransport    *self,
       SoupServerMessage        *msg,
       NorthMcpHttpEndpoint      endpoint,
       NorthMcpUser             *user,
       const GError             *error,
       NorthMcpHttpAdmittedFunc  admitted)
{
  if (error != NULL)
    {
      north_mcp_http_respond_auth_error (msg, error); /* NorthMCP.Auth logged why */
      north_mcp_http_refuse_unread_answered (msg, self->settings.max_body_size);
      return FALSE;
    }
  north_mcp_http_listener_admit (self->listener, msg, (GObject *) user);
  return admitted (self, msg, endpoint);
}

static void
authenticate_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  PendingAuth *pending = user_data;
  NorthMcpHttpTransport *self = pending->self;
  SoupServerMessage *msg = pending->pause.msg;
  g_autoptr(NorthMcpUser) user = NULL;
  g_autoptr(GError) error = NULL;

  user = north_mcp_auth_authenticate_finish (NORTH_MCP_AUTH (source), result, &error);

  /* Its body is not read yet: it is refused unread, or admitted (and
   * its body counted) before it goes on. */
  if (pending->admitted != NULL)
    {
      if (north_mcp_http_transport_refresh (self) && !pending->pause.gone &&
          admit (self, msg, pending->endpoint, user, error, pending->admitted))
        north_mcp_http_pause_resume (&pending->pause);
      pending_auth_free (pending);
      return;
    }

  /* Unpause first: whatever comes next may pause again. */
  if (!north_mcp_http_transport_refresh (self) || !north_mcp_http_pause_resume (&pending->pause))
    ;
  else if (pending->endpoint == NORTH_MCP_HTTP_ENDPOINT_ROUTE)
    north_mcp_http_call_route (self, msg, user);
  else if (error != NULL)
    north_mcp_http_respond_auth_error (msg, error); /* NorthMCP.Auth logged why */
  else
    north_mcp_http_serve (self, msg, pending->endpoint, pending->query, user);

  pending_auth_free (pending);
}

void
north_mcp_http_authenticate (NorthMcpHttpTransport *self,
                             SoupServerMessage     *msg,
                             NorthMcpHttpEndpoint   endpoint,
                             GHashTable            *query)
{
  NorthMcpAuth *auth = self->settings.auth;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  g_autoptr(GSocketAddress) peer = NULL;
  g_autoptr(NorthMcpUser) user = NULL;
  g_autoptr(GError) error = NULL;
  NorthMcpHttpHead scratch;
  const NorthMcpHttpHead *head;
  PendingAuth *pending;

  if (auth == NULL)
    {
      north_mcp_http_serve (self, msg, endpoint, query, NULL);
      return;
    }

  /* Custom routes are public: they look at credentials only when some
   * were sent (Authorization or any X-North-* field). */
  head = north_mcp_http_listener_head (self->listener, msg, &scratch);
  if (endpoint == NORTH_MCP_HTTP_ENDPOINT_ROUTE && head->auth.count == 0)
    {
      north_mcp_http_serve (self, msg, endpoint, query, NULL);
      return;
    }

  /* Only the debug log names the client: looked up for it alone. */
  if (north_mcp_auth_get_debug (auth))
    peer = north_mcp_http_client_address (msg, self->settings.trusted_proxies);
  if (north_mcp_auth_authenticate_noted (auth, headers, &head->auth, peer, &user, &error))
    {
      if (error == NULL)
        north_mcp_http_serve (self, msg, endpoint, query, user);
      else if (endpoint == NORTH_MCP_HTTP_ENDPOINT_ROUTE)
        north_mcp_http_serve (self, msg, endpoint, query, NULL);
      else
        north_mcp_http_respond_auth_error (msg, error); /* NorthMCP.Auth logged why */
      return;
    }

  /* An issuer's keys must be fetched first. */
  pending = g_new0 (PendingAuth, 1);
  pending->self = g_object_ref (self);
  pending->query = query != NULL ? g_hash_table_ref (query) : NULL;
  pending->endpoint = endpoint;
  north_mcp_http_pause_init (&pending->pause, msg);
  north_mcp_auth_authenticate_async (auth, headers, peer, pending->pause.cancellable,
                                     authenticate_cb, pending);
}

gboolean
north_mcp_http_authenticate_early (NorthMcpHttpTransport    *self,
                                   SoupServerMessage        *msg,
                                   const char               *path,
                                   NorthMcpHttpEndpoint      endpoint,
                                   NorthMcpHttpAdmittedFunc  admitted)
{
  NorthMcpAuth *auth = self->settings.auth;
  SoupMessageHeaders *headers;
  g_autoptr(NorthMcpUser) user = NULL;
  g_autoptr(GError) error = NULL;
  NorthMcpHttpHead scratch;
  PendingAuth *pending;

  if (auth == NULL || !north_mcp_auth_is_enforced (auth))
    return admitted (self, msg, endpoint);

  /* In the order north_mcp_http_route() checks them after the body. */
  north_mcp_http_log_path (self, path, endpoint);
  if (!north_mcp_http_check_origin_and_host (self, msg))
    {
      north_mcp_http_refuse_unread_answered (msg, self->settings.max_body_size);
      return FALSE;
    }

  headers = soup_server_message_get_request_headers (msg);
  if (north_mcp_auth_authenticate_noted (auth, headers,
                                         &north_mcp_http_listener_head (self->listener, msg, &scratch)->auth,
                                         soup_server_message_get_remote_address (msg), &user, &error))
    return admit (self, msg, endpoint, user, error, admitted);

  /* An issuer's keys must be fetched first: nothing of the body is read
   * (or counted) meanwhile. */
  pending = g_new0 (PendingAuth, 1);
  pending->self = g_object_ref (self);
  pending->endpoint = endpoint;
  pending->admitted = admitted;
  north_mcp_http_pause_init (&pending->pause, msg);
  north_mcp_auth_authenticate_async (auth, headers, soup_server_message_get_remote_address (msg),
                                     pending->pause.cancellable, authenticate_cb, pending);
  return FALSE;
}

void
north_mcp_http_log_path (NorthMcpHttpTransport *self,
                         const char            *path,
                         NorthMcpHttpEndpoint   endpoint)
{
  NorthMcpAuth *auth = self->settings.auth;
  g_autofree char *escaped = NULL;

  if (auth == NULL || !north_mcp_auth_get_debug (auth) || endpoint == NORTH_MCP_HTTP_ENDPOINT_NONE)
    return;

  /* The client chose the path: no control characters into the log. */
  escaped = g_strescape (path, NULL);
  if (endpoint == NORTH_MCP_HTTP_ENDPOINT_HEALTH || endpoint == NORTH_MCP_HTTP_ENDPOINT_ROUTE)
    north_mcp_log_debug (NORTH_MCP_LOGGER_AUTH,
                         "Path %s is a custom route (likely operational endpoint like health check), "
                         "bypassing authentication as intended for k8s/orchestration use", escaped);
  else
    north_mcp_log_debug (NORTH_MCP_LOGGER_AUTH,
                         "Path %s is an MCP protocol endpoint, applying authentication", escaped);
}
