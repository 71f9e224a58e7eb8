/* fuzz-json-reader.c: the strict JSON reader, differentially against
 * json-glib
 *
 * Input: any bytes. Whatever our reader accepts, json-glib must read into
 * the same tree (it is the laxer of the two, so the converse does not
 * hold) and must keep the reader's limits (members per object, names per
 * g_str_hash() value); a refusal must be a -32700 parse error.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>

#include "north-mcp-error.h"
#include "north-mcp-json-reader-private.h"
#include "north-mcp-schema-private.h"
#include "fuzz-common.h"
#include "../tests/json/json-compare.h"

/* The limits of north-mcp-json-reader-private.h hold in every object. */
static gboolean
within_limits (JsonNode *node)
{
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        if (!within_limits (json_array_get_element (array, i)))
          return FALSE;
    }
  else if (JSON_NODE_HOLDS_OBJECT (node))
    {
      g_autoptr(GHashTable) per_hash = g_hash_table_new (NULL, NULL);
      JsonObjectIter iter;
      const char *name;
      JsonNode *member;

      if (json_object_get_size (json_node_get_object (node)) > NORTH_MCP_JSON_MAX_MEMBERS)
        return FALSE;
      json_object_iter_init (&iter, json_node_get_object (node));
      while (json_object_iter_next (&iter, &name, &member))
        {
          gpointer key = GUINT_TO_POINTER (MAX (g_str_hash (name), 2));
          guint count = GPOINTER_TO_UINT (g_hash_table_lookup (per_hash, key)) + 1;

          if (count > 8 || !within_limits (member))
            return FALSE;
          g_hash_table_insert (per_hash, key, GUINT_TO_POINTER (count));
        }
    }
  return TRUE;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(JsonNode) ours = NULL;
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) error = NULL;

  ours = north_mcp_json_read ((const char *) data, size, NORTH_MCP_JSON_MAX_DEPTH, &error);
  if (ours == NULL)
    {
      if (!g_error_matches (error, NORTH_MCP_JSONRPC_ERROR, NORTH_MCP_JSONRPC_ERROR_PARSE_ERROR) ||
          !g_str_has_prefix (error->message, "Parse error: "))
        abort ();
      return 0;
    }

  if (error != NULL || !within_limits (ours))
    abort ();

  /* Only now: json-glib recurses without a depth limit. */
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, (const char *) data, size, NULL) ||
      json_parser_get_root (parser) == NULL ||
      !json_test_nodes_equal (ours, json_parser_get_root (parser)))
    abort ();

  return 0;
}
