/* north-mcp-transport-host-private.h: what a transport asks of the core
 *
 * The one way up from transport/ (stdio, HTTP) to the server: a transport
 * holds a NorthMcpTransportHost (NorthMcpServer implements it, in
 * north-mcp-server-host.c) and calls nothing else of the layer above. In
 * the order a request meets them: its settings (limits, names, the
 * authenticator), the custom routes, the session, the dispatcher, and the
 * debug log.
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <libsoup/soup.h>

#include "north-mcp-auth.h"
#include "north-mcp-channel-private.h"
#include "north-mcp-jsonrpc-private.h"
#include "north-mcp-revision-2026-private.h"
#include "north-mcp-session.h"
#include "north-mcp-session-manager-private.h"
#include "north-mcp-user.h"

G_BEGIN_DECLS

#define NORTH_MCP_TYPE_TRANSPORT_HOST (north_mcp_transport_host_get_type ())

G_DECLARE_INTERFACE (NorthMcpTransportHost, north_mcp_transport_host, NORTH_MCP, TRANSPORT_HOST, GObject)

/* transport/north-mcp-http-client-address-private.h */
typedef struct _NorthMcpTrustedProxies NorthMcpTrustedProxies;

/* What a transport serves by. The strings, arrays and the authenticator
 * are the host's, valid until its settings change: read them again for
 * each request, do not keep them. */
typedef struct {
  const char         *name;              /* for log lines */
  NorthMcpAuth       *auth;              /* of requests; NULL: anyone may call */
  const char         *path;              /* the Streamable HTTP endpoint */
  const char * const *protocol_versions; /* revisions with sessions, oldest first */
  const char * const *allowed_hosts;     /* NULL: any Host */
  const char * const *allowed_origins;   /* NULL: none besides loopback pages */
  NorthMcpTrustedProxies *trusted_proxies; /* whose X-Forwarded-For is believed;
                                          * NULL: nobody's */
  gsize               max_body_size;     /* bytes of a request body or line */
  guint64             max_unsent_bytes;  /* of one HTTP connection's output */
  guint64             max_unsent_output_bytes; /* of all HTTP connections' output; 0: no bound */
  guint64             max_held_body_bytes; /* of all HTTP request bodies (and store replays) held;
                                          * 0: no bound */
  guint               max_requests;      /* HTTP requests in progress (bodies held) at once;
                                          * 0: no bound */
  guint               max_requests_per_client; /* of those, of one client address
                                          * (not authenticated by headers); 0: no bound */
  guint               idle_timeout;      /* seconds; 0: none */
  guint               max_connections;   /* HTTP, open at once; 0: no limit */
  guint               workers;           /* processes sharing the port */
  GPtrArray          *listen_sockets;    /* GSocket* to serve (socket activation), or NULL */
  NorthMcpSessionManager *sessions;      /* for the hooks of a shared state store
                                          * (transport/north-mcp-http-store.c);
                                          * NULL: no store */
  gboolean            stateless;         /* HTTP without sessions */
  gboolean            health_check;      /* GET /health answers */
} NorthMcpTransportSettings;

struct _NorthMcpTransportHostInterface
{
  GTypeInterface g_iface;

  void             (*get_settings)   (NorthMcpTransportHost      *self,
                                      NorthMcpTransportSettings  *settings);

  gboolean         (*has_route)      (NorthMcpTransportHost      *self,
                                      const char                 *path);
  gboolean         (*call_route)     (NorthMcpTransportHost      *self,
                                      SoupServerMessage          *msg,
                                      const char                 *path,
                                      NorthMcpUser               *user);

  NorthMcpSession *(*open_session)   (NorthMcpTransportHost      *self,
                                      NorthMcpUser               *owner,
                                      GError                    **error);
  NorthMcpSession *(*find_session)   (NorthMcpTransportHost      *self,
                                      const char                 *id,
                                      NorthMcpUser               *user);
  void             (*close_session)  (NorthMcpTransportHost      *self,
                                      NorthMcpSession            *session);

  guint            (*check_headers)  (NorthMcpTransportHost      *self,
                                      SoupMessageHeaders         *headers,
                                      const NorthMcpRevision2026Head *head,
                                      JsonNode                   *message,
                                      JsonNode                  **response_out);
  guint            (*handle_message) (NorthMcpTransportHost      *self,
                                      NorthMcpSession            *session,
                                      NorthMcpUser               *user,
                                      JsonNode                   *message,
                                      NorthMcpChannel            *channel);
  guint            (*handle_request) (NorthMcpTransportHost      *self,
                                      NorthMcpSession            *session,
                                      NorthMcpUser               *user,
                                      NorthMcpJsonrpcRequest     *request,
                                      NorthMcpChannel            *channel);

  void             (*debug)          (NorthMcpTransportHost      *self,
                                      const char                 *format,
                                      va_list                     args) G_GNUC_PRINTF (2, 0);
};

/* Fills @settings with what the transport serves by now (on every
 * request: it is cheap). */
void             north_mcp_transport_host_get_settings   (NorthMcpTransportHost      *self,
                                                          NorthMcpTransportSettings  *settings);

/* Custom routes (north_mcp_server_add_route()), by path without a
 * trailing slash. call_route() runs the route's function for @msg and
 * returns FALSE, touching nothing, when there is no such route (any
 * more). */
gboolean         north_mcp_transport_host_has_route      (NorthMcpTransportHost      *self,
                                                          const char                 *path);
gboolean         north_mcp_transport_host_call_route     (NorthMcpTransportHost      *self,
                                                          SoupServerMessage          *msg,
                                                          const char                 *path,
                                                          NorthMcpUser               *user);

/* Sessions. open_session() makes a new one owned by @owner's identity
 * (NULL: anonymous, transfer none: the host holds it until closed); it
 * fails with G_IO_ERROR_BUSY when max-sessions sessions live (refuse the
 * client for now), with G_IO_ERROR_TOO_MANY_OPEN_FILES when @owner has
 * max-sessions-per-identity sessions and all are busy (its idle ones make
 * room: they end), and with another error when no randomness is available
 * for its id. find_session() returns the session @id (transfer none) if
 * @user's identity created it, else NULL exactly as for an unknown id.
 * close_session() ends it (idempotent). */
NorthMcpSession *north_mcp_transport_host_open_session   (NorthMcpTransportHost      *self,
                                                          NorthMcpUser               *owner,
                                                          GError                    **error);
NorthMcpSession *north_mcp_transport_host_find_session   (NorthMcpTransportHost      *self,
                                                          const char                 *id,
                                                          NorthMcpUser               *user);
void             north_mcp_transport_host_close_session  (NorthMcpTransportHost      *self,
                                                          NorthMcpSession            *session);

/* A Streamable HTTP POST of the 2026-07-28 revision: checks its standard
 * headers against the body and the server's tools, in the order the
 * specification gives (@head: its standard headers, as the transport
 * saw them). Returns 0 when @message can be handled, else the HTTP status
 * to answer with and the JSON-RPC error in @response_out. */
guint            north_mcp_transport_host_check_headers  (NorthMcpTransportHost      *self,
                                                          SoupMessageHeaders         *headers,
                                                          const NorthMcpRevision2026Head *head,
                                                          JsonNode                   *message,
                                                          JsonNode                  **response_out);

/* Handles one parsed JSON-RPC message (request, notification, response,
 * or a 2025-03-26 batch array) received from @channel. @session is NULL
 * for sessionless HTTP; @user is NULL when no North user was
 * authenticated. Answers go into @channel. Returns the number of
 * responses the caller can expect on @channel for this message (0 for
 * notifications and responses). */
guint            north_mcp_transport_host_handle_message (NorthMcpTransportHost      *self,
                                                          NorthMcpSession            *session,
                                                          NorthMcpUser               *user,
                                                          JsonNode                   *message,
                                                          NorthMcpChannel            *channel);
/* The same for one request read by north_mcp_jsonrpc_read_request(). */
guint            north_mcp_transport_host_handle_request (NorthMcpTransportHost      *self,
                                                          NorthMcpSession            *session,
                                                          NorthMcpUser               *user,
                                                          NorthMcpJsonrpcRequest     *request,
                                                          NorthMcpChannel            *channel);

/* One line of the debug format on stderr, when the host's debug is on. */
void             north_mcp_transport_host_debug          (NorthMcpTransportHost      *self,
                                                          const char                 *format,
                                                          ...) G_GNUC_PRINTF (2, 3);

G_END_DECLS
