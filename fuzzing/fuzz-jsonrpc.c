/* fuzz-jsonrpc.c: parsing and classifying one JSON-RPC message
 *
 * Input: the message's bytes, as a transport receives them. The
 * envelope-free request reader must take a body only when the general
 * path would call it one request, with the same id, method and params.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>

#include "north-mcp-error.h"
#include "north-mcp-jsonrpc-private.h"
#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(JsonNode) message = NULL;
  JsonNode *id = NULL;  /* borrowed from message */
  g_autoptr(GError) error = NULL;
  g_auto(NorthMcpJsonrpcRequest) request = { 0, };
  gboolean fast;
  NorthMcpMessageKind kind;

  fuzz_init ();

  fast = north_mcp_jsonrpc_read_request ((const char *) data, size, G_MAXUINT64, &request);
  message = north_mcp_jsonrpc_parse ((const char *) data, size, &error);
  if (message == NULL)
    {
      if (fast || !g_error_matches (error, NORTH_MCP_JSONRPC_ERROR, NORTH_MCP_JSONRPC_ERROR_PARSE_ERROR))
        abort ();
      return 0;
    }

  kind = north_mcp_jsonrpc_classify (message, &id, &error);
  if ((kind == NORTH_MCP_MESSAGE_INVALID) != (error != NULL))
    abort ();

  if (fast)
    {
      JsonObject *object = json_node_get_object (message);
      JsonNode *params = json_object_get_member (object, "params");

      if (kind != NORTH_MCP_MESSAGE_REQUEST || !json_node_equal (request.id, id) ||
          g_strcmp0 (request.method, json_object_get_string_member (object, "method")) != 0 ||
          (params != NULL && JSON_NODE_HOLDS_OBJECT (params)
           ? request.params == NULL || !json_object_equal (request.params, json_node_get_object (params))
           : request.params != NULL))
        abort ();
    }

  if (kind == NORTH_MCP_MESSAGE_INVALID)
    {
      /* The error response a transport would send back. */
      g_autoptr(JsonNode) reply = north_mcp_jsonrpc_error_new (id, error->code, error->message, NULL);
      g_autofree char *text = north_mcp_jsonrpc_to_string (reply, NULL);

      if (text == NULL || strchr (text, '\n') != NULL)
        abort ();
    }
  else
    {
      /* Serializing back is one line (stdio and SSE framing rely on it). */
      g_autofree char *text = north_mcp_jsonrpc_to_string (message, NULL);

      if (text == NULL || strchr (text, '\n') != NULL)
        abort ();
    }

  return 0;
}
