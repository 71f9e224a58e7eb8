/* fuzz-sent.h: what a server sent must be valid JSON-RPC
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "north-mcp-jsonrpc-private.h"

/* JSON-RPC answers a request whose id could not be read with an error
 * whose id is null; the classifier (made for what peers send) refuses it. */
static inline gboolean
fuzz_is_error_without_id (JsonNode *message)
{
  JsonObject *object;
  JsonNode *id;

  if (!JSON_NODE_HOLDS_OBJECT (message))
    return FALSE;
  object = json_node_get_object (message);
  id = json_object_get_member (object, "id");
  return id != NULL && JSON_NODE_HOLDS_NULL (id) &&
         json_object_has_member (object, "error") &&
         !json_object_has_member (object, "result");
}

/* Aborts unless @message is a valid JSON-RPC message on one line. */
static inline void
fuzz_check_sent (JsonNode *message)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = north_mcp_jsonrpc_to_string (message, NULL);

  if (north_mcp_jsonrpc_classify (message, NULL, &error) == NORTH_MCP_MESSAGE_INVALID &&
      !fuzz_is_error_without_id (message))
    {
      fprintf (stderr, "invalid message sent: %s (%s)\n", text, error->message);
      abort ();
    }
  if (strchr (text, '\n') != NULL)
    abort ();
}
