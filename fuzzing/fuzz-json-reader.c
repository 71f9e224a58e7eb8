/* fuzz-json-reader.c: the strict JSON reader, differentially against
 * json-glib
 *
 * Input: any bytes. Whatever our reader accepts, json-glib must read into
 * the same tree (it is the laxer of the two, so the converse does not
 * hold); a refusal must be a -32700 parse error.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>

#include "north-mcp-error.h"
#include "north-mcp-json-reader-private.h"
#include "north-mcp-schema-private.h"
#include "fuzz-common.h"
#include "../tests/json/json-compare.h"

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

  if (error != NULL)
    abort ();

  /* Only now: json-glib recurses without a depth limit. */
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, (const char *) data, size, NULL) ||
      json_parser_get_root (parser) == NULL ||
      !json_test_nodes_equal (ours, json_parser_get_root (parser)))
    abort ();

  return 0;
}
