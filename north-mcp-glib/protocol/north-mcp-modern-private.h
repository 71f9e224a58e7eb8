/* north-mcp-modern-private.h: the stateless protocol revision (2026-07-28)
 *
 * What differs from the initialize-based revisions: per-request `_meta`,
 * `server/discover`, `resultType` and caching hints on results, input-
 * required results (MRTR) with an integrity-protected `requestState`,
 * `subscriptions/listen`, and the standard HTTP headers. The dispatcher
 * and the HTTP transport call in here; nothing here knows sockets.
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <libsoup/soup.h>
#include "north-mcp-context-private.h"
#include "north-mcp-server.h"

G_BEGIN_DECLS

#define NORTH_MCP_MODERN_PROTOCOL_VERSION "2026-07-28"

#define NORTH_MCP_META_PROTOCOL_VERSION     "io.modelcontextprotocol/protocolVersion"
#define NORTH_MCP_META_CLIENT_CAPABILITIES  "io.modelcontextprotocol/clientCapabilities"
#define NORTH_MCP_META_CLIENT_INFO          "io.modelcontextprotocol/clientInfo"
#define NORTH_MCP_META_LOG_LEVEL            "io.modelcontextprotocol/logLevel"
#define NORTH_MCP_META_SERVER_INFO          "io.modelcontextprotocol/serverInfo"
#define NORTH_MCP_META_SUBSCRIPTION_ID      "io.modelcontextprotocol/subscriptionId"

/* The stateless revisions this library speaks, oldest first. */
extern const char * const north_mcp_modern_protocol_versions[];

gboolean  north_mcp_protocol_version_is_modern   (const char  *version);

/* Whether @params carry a per-request protocol version (whatever its
 * value): such a request is handled under the stateless rules. */
gboolean  north_mcp_modern_params_are_modern     (JsonObject  *params);

/* Checks the per-request `_meta` of @params. Returns NULL when the request
 * can be served, else the JSON-RPC error response for @id (-32602 for a
 * malformed `_meta`, -32022 for an unsupported version). */
JsonNode *north_mcp_modern_check_meta            (JsonObject  *params,
                                                  JsonNode    *id);
/* Methods of the initialize-based revisions that 2026-07-28 removed. */
gboolean  north_mcp_modern_method_is_removed     (const char  *method);
/* Methods only the stateless revision has. */
gboolean  north_mcp_modern_method_is_modern_only (const char  *method);
/* Methods whose results carry caching hints. */
gboolean  north_mcp_modern_method_is_cacheable   (const char  *method);
/* Methods that may answer with an input-required result. */
gboolean  north_mcp_modern_method_takes_input    (const char  *method);

/* Checks `requestState` and `inputResponses` of a retried tools/call,
 * prompts/get or resources/read. On success, @state_out receives the
 * handler's own state (or NULL when there was none). On failure returns
 * FALSE with a -32602 error in @error. */
gboolean  north_mcp_modern_check_retry           (NorthMcpServer  *server,
                                                  NorthMcpUser    *user,
                                                  const char      *method,
                                                  JsonObject      *params,
                                                  char           **state_out,
                                                  GError         **error);
/* Wraps the handler's @state into the opaque, HMAC-protected token sent
 * as `requestState`, bound to @method, the request's name or URI in
 * @params, @user and an expiry. */
char     *north_mcp_modern_seal_state            (NorthMcpServer  *server,
                                                  NorthMcpUser    *user,
                                                  const char      *method,
                                                  JsonObject      *params,
                                                  const char      *state);

/* The result filter of stateless requests: `resultType`, caching hints,
 * `_meta` server info. */
JsonNode *north_mcp_modern_filter_result         (NorthMcpContext *context,
                                                  JsonNode        *result);

/* Method handlers of the stateless revision. */
void      north_mcp_modern_handle_discover       (NorthMcpServer  *server,
                                                  NorthMcpContext *context);
void      north_mcp_modern_handle_listen         (NorthMcpServer  *server,
                                                  NorthMcpContext *context);

/* Sends @method (a list_changed or resources/updated notification, @uri
 * for the latter) to every open `subscriptions/listen` stream that asked
 * for it. */
void      north_mcp_modern_notify_listeners      (NorthMcpServer  *server,
                                                  const char      *method,
                                                  const char      *uri);
/* Ends every listen stream gracefully (server shutdown). */
void      north_mcp_modern_close_listeners       (NorthMcpServer  *server);

/* HTTP. */

/* Whether a Streamable HTTP POST is to be handled under the stateless
 * rules: the MCP-Protocol-Version header names a stateless revision, or
 * the body's `_meta` carries a protocol version. */
gboolean  north_mcp_modern_http_is_modern        (SoupMessageHeaders *headers,
                                                  JsonNode           *message);
/* Whether a GET or DELETE speaks only the stateless revision (405). */
gboolean  north_mcp_modern_http_is_modern_only   (SoupMessageHeaders *headers);
/* Validates a stateless POST (standard headers against the body, then
 * `_meta`, then the version) in the order the specification gives.
 * Returns 0 when the request can be dispatched, else the HTTP status to
 * answer with and the JSON-RPC error in @response_out. */
guint     north_mcp_modern_http_check_post       (NorthMcpServer     *server,
                                                  SoupMessageHeaders *headers,
                                                  JsonNode           *message,
                                                  JsonNode          **response_out);
/* The HTTP status for a JSON-RPC response to a stateless request: 404 for
 * -32601, 400 for -32020..-32022, 200 otherwise. */
guint     north_mcp_modern_http_status           (JsonNode           *response);
/* Decodes a header value: trims it and undoes the `=?base64?…?=`
 * sentinel. NULL when the sentinel does not decode to UTF-8. */
char     *north_mcp_modern_decode_header_value   (const char         *value);

G_END_DECLS
