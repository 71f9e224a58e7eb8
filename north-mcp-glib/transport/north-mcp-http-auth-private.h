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

G_END_DECLS
