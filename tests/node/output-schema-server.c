/* output-schema-server.c: a tool with an output schema whose results match
 * it or not, on request, for tests/node/ts-bindings.mjs to call with the
 * official TypeScript SDK client. Written with the typed argument getters
 * and the structured result constructors.
 *
 * SPDX-License-Identifier: MIT
 */
#include <north-mcp.h>

#define STATS_SCHEMA \
  "{\"type\":\"object\",\"properties\":{\"count\":{\"type\":\"integer\"}," \
  "\"label\":{\"type\":\"string\"}},\"required\":[\"count\"]}"

static NorthMcpToolResult *
stats (NorthMcpTool     *tool,
       NorthMcpContext  *context,
       JsonObject       *arguments,
       gpointer          user_data,
       GError          **error)
{
  const char *mode = north_mcp_arguments_get_string (arguments, "mode", "good");
  g_autoptr(GVariantDict) dict = g_variant_dict_new (NULL);

  if (g_str_equal (mode, "text"))
    return north_mcp_tool_result_new_text ("3");
  if (g_str_equal (mode, "wrong"))
    g_variant_dict_insert (dict, "count", "s", "three");
  else
    g_variant_dict_insert (dict, "count", "x", north_mcp_arguments_get_int (arguments, "n", 3));
  g_variant_dict_insert (dict, "label", "s", north_mcp_arguments_get_string (arguments, "label", "things"));

  return north_mcp_tool_result_new_structured_variant (g_variant_dict_end (dict));
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(NorthMcpServer) server = north_mcp_server_new ("Output Schema", "1.0.0");
  g_autoptr(NorthMcpTool) tool = north_mcp_tool_new ("stats", "Count things");

  g_assert_true (north_mcp_tool_set_input_schema_json (tool,
    "{\"type\":\"object\",\"properties\":{\"mode\":{\"type\":\"string\"},"
    "\"n\":{\"type\":\"integer\"},\"label\":{\"type\":\"string\"}}}", NULL));
  g_assert_true (north_mcp_tool_set_output_schema_json (tool, STATS_SCHEMA, NULL));
  north_mcp_tool_set_func (tool, stats, NULL, NULL);
  north_mcp_server_add_tool (server, tool);

  return north_mcp_server_run (server, argc, argv);
}
