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

/* In debug mode, logs whether @path (of kind @endpoint) is authenticated,
 * in the North Python SDK's words; nothing for unknown paths. */
void north_mcp_http_log_path     (NorthMcpHttpTransport *self,
                                  const char            *path,
                                  NorthMcpHttpEndpoint   endpoint);

G_END_DECLS
