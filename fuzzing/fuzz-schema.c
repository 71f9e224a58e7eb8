/* fuzz-schema.c: the argument checker on a fuzzed schema and value
 *
 * Input: the schema's JSON text, a newline, the value's JSON text.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>

#include <json-glib/json-glib.h>

#include "north-mcp-error.h"
#include "north-mcp-json-reader-private.h"
#include "north-mcp-schema-private.h"
#include "fuzz-common.h"

/* As the transports read arguments. */
static JsonNode *
parse (const char *text)
{
  return north_mcp_json_read (text, strlen (text), NORTH_MCP_JSON_MAX_DEPTH, NULL);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *schema_text = NULL;
  g_autofree char *value_text = NULL;
  g_autoptr(JsonNode) schema = NULL;
  g_autoptr(JsonNode) value = NULL;
  g_autoptr(NorthMcpSchemaChecker) checker = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  fuzz_init ();
  fuzz_split (data, size, &schema_text, &value_text);

  schema = parse (schema_text);
  if (schema == NULL || !JSON_NODE_HOLDS_OBJECT (schema))
    return 0;
  value = parse (value_text);

  checker = north_mcp_schema_checker_new (json_node_get_object (schema));
  ok = north_mcp_schema_checker_check (checker, value, &error);

  /* The verdict may not depend on whether a message is wanted, and a
   * failure always comes with an error of the documented domain. */
  if (ok != north_mcp_schema_checker_check (checker, value, NULL))
    abort ();
  if (ok != (error == NULL))
    abort ();
  if (error != NULL &&
      (!g_error_matches (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT) ||
       !g_utf8_validate (error->message, -1, NULL)))
    abort ();

  return 0;
}
