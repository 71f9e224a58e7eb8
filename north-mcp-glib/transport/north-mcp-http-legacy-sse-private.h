/* north-mcp-http-legacy-sse-private.h: the deprecated HTTP+SSE transport
 * (2024-11-05): GET /sse and POST /messages/
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-http-transport-impl-private.h"

G_BEGIN_DECLS

/* GET /sse: a new session whose stream first names its POST endpoint. */
void north_mcp_http_handle_legacy_get  (NorthMcpHttpTransport *self,
                                        SoupServerMessage     *msg,
                                        NorthMcpUser          *user);
/* POST /messages/?session_id=…: answered on the session's stream. */
void north_mcp_http_handle_legacy_post (NorthMcpHttpTransport *self,
                                        SoupServerMessage     *msg,
                                        GHashTable            *query,
                                        NorthMcpUser          *user);

G_END_DECLS
