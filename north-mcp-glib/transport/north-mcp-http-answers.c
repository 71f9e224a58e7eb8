/* north-mcp-http-answers.c: the answers the HTTP transport gives itself
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-http-answers-private.h"
#include "north-mcp-jsonrpc-private.h"

void
north_mcp_http_respond_text (SoupServerMessage *msg,
                             guint              status,
                             const char        *text)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_COPY, text, strlen (text));
}

void
north_mcp_http_respond_jsonrpc_error (SoupServerMessage *msg,
                                      guint              status,
                                      JsonNode          *id,
                                      int                code,
                                      const char        *message)
{
  g_autoptr(JsonNode) null_id = NULL;
  g_autoptr(JsonNode) error = NULL;
  char *data;
  gsize length = 0;

  if (id == NULL)
    id = null_id = json_node_new (JSON_NODE_NULL);

  error = north_mcp_jsonrpc_error_new (id, code, message, NULL);
  data = north_mcp_jsonrpc_to_string (error, &length);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, data, length);
}

void
north_mcp_http_respond_unavailable (SoupServerMessage *msg,
                                    const char        *retry_after,
                                    const char        *message)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Retry-After", retry_after);
  north_mcp_http_respond_jsonrpc_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, NULL,
                                        NORTH_MCP_HTTP_TRANSPORT_ERROR, message);
}

void
north_mcp_http_respond_auth_error (SoupServerMessage *msg,
                                   const GError      *error)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  char *data;
  gsize length = 0;

  json_object_set_string_member (object, "error", error->message);
  json_node_set_object (node, object);
  /* Our writer, not json_to_string(): the message may name a token's
   * issuer, the client's text, and json-glib 1.6 copies U+001F raw. */
  data = north_mcp_jsonrpc_to_string (node, &length);
  soup_server_message_set_status (msg, SOUP_STATUS_UNAUTHORIZED, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, data, length);
}

void
north_mcp_http_respond_method_not_allowed (SoupServerMessage *msg,
                                           const char        *allow)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", allow);
  north_mcp_http_respond_jsonrpc_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL,
                                        NORTH_MCP_HTTP_TRANSPORT_ERROR, "Method Not Allowed");
}
