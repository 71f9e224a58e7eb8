/* north-mcp-http-answers-private.h: the answers the HTTP transport gives
 * itself (errors before or instead of the dispatcher's)
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <libsoup/soup.h>
#include <json-glib/json-glib.h>

#include "north-mcp-error.h"

G_BEGIN_DECLS

/* JSON-RPC codes the SDKs use for transport-level errors. */
#define NORTH_MCP_HTTP_TRANSPORT_ERROR (-32000)
#define NORTH_MCP_HTTP_SESSION_NOT_FOUND (-32001)

/* @status with @text as text/plain. */
void north_mcp_http_respond_text               (SoupServerMessage *msg,
                                                guint              status,
                                                const char        *text);
/* @status with a JSON-RPC error; @id is the request's id when it could be
 * read, else `null`. */
void north_mcp_http_respond_jsonrpc_error      (SoupServerMessage *msg,
                                                guint              status,
                                                JsonNode          *id,
                                                int                code,
                                                const char        *message);
/* 503 with a JSON-RPC error (id `null`) and Retry-After: @retry_after
 * seconds. */
void north_mcp_http_respond_unavailable        (SoupServerMessage *msg,
                                                const char        *retry_after,
                                                const char        *message);
/* 401 with `{"error": message}`. */
void north_mcp_http_respond_auth_error         (SoupServerMessage *msg,
                                                const GError      *error);
/* 405 with Allow: @allow. */
void north_mcp_http_respond_method_not_allowed (SoupServerMessage *msg,
                                                const char        *allow);

G_END_DECLS
