/* north-mcp-http-streamable-private.h: the Streamable HTTP endpoint
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-http-transport-impl-private.h"

G_BEGIN_DECLS

/* Reads what the transport needs to know of a parsed body: whether it is
 * a batch, whether it holds requests (so an answer body is due), whether
 * it is an initialize request. Answers 400 and returns FALSE when the body
 * is not a JSON-RPC message at all. */
gboolean north_mcp_http_inspect_message (SoupServerMessage     *msg,
                                         JsonNode              *message,
                                         gboolean              *batch,
                                         gboolean              *has_request,
                                         gboolean              *initialize);

/* The methods of the MCP path, after authentication; @user is NULL
 * without one. */
void     north_mcp_http_handle_post     (NorthMcpHttpTransport *self,
                                         SoupServerMessage     *msg,
                                         NorthMcpUser          *user);
void     north_mcp_http_handle_get      (NorthMcpHttpTransport *self,
                                         SoupServerMessage     *msg,
                                         NorthMcpUser          *user);
void     north_mcp_http_handle_delete   (NorthMcpHttpTransport *self,
                                         SoupServerMessage     *msg,
                                         NorthMcpUser          *user);

G_END_DECLS
