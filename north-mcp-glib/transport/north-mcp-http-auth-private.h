/* north-mcp-http-auth-private.h: the North user of an HTTP request
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-http-routes-private.h"

G_BEGIN_DECLS

/* Authenticates @msg with the host's authenticator, then serves
 * @endpoint (north_mcp_http_serve()) with the user, or answers 401.
 * Synchronously when the authenticator can decide without I/O, else with
 * @msg paused until it has. Custom routes are public: they are served
 * without a user when the credentials fail or there are none. */
void north_mcp_http_authenticate (NorthMcpHttpTransport *self,
                                  SoupServerMessage     *msg,
                                  NorthMcpHttpEndpoint   endpoint,
                                  GHashTable            *query);

/* Counts the body of @msg, admitted with its headers, among the bodies
 * held (or refuses it): TRUE when the request goes on. */
typedef gboolean (*NorthMcpHttpAdmittedFunc) (NorthMcpHttpTransport *self,
                                              SoupServerMessage     *msg,
                                              NorthMcpHttpEndpoint   endpoint);

/* For the early handler, with a POST to an MCP endpoint (@path): when the
 * server requires credentials (which are all headers) it is decided
 * before any of its body is read or held: Origin and Host, then the
 * credentials, as north_mcp_http_route() would. A request refused is
 * answered unread (403, 401); one admitted is kept so
 * (north_mcp_http_listener_admit()) and served without a second
 * verification. Then, or at once when nothing is checked early,
 * @admitted counts its body. Returns what @admitted returned; FALSE
 * when the request was refused, or waits (paused) for an issuer's keys:
 * it goes on once they are in, if @admitted then returns TRUE. */
gboolean north_mcp_http_authenticate_early (NorthMcpHttpTransport    *self,
                                            SoupServerMessage        *msg,
                                            const char               *path,
                                            NorthMcpHttpEndpoint      endpoint,
                                            NorthMcpHttpAdmittedFunc  admitted);

/* In debug mode, logs whether @path (of kind @endpoint) is authenticated,
 * in the North Python SDK's words; nothing for unknown paths. */
void north_mcp_http_log_path     (NorthMcpHttpTransport *self,
                                  const char            *path,
                                  NorthMcpHttpEndpoint   endpoint);

G_END_DECLS
