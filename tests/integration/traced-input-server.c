/* traced-input-server.c: a server whose tool `note` copies each string
 * argument into its request's span, as attribute `note.NAME`, and answers
 * "noted N": a handler that traces what the client sent, as an author
 * may write one, for the bounds on what spans make the server hold
 * (test_otel.py).
 *
 * SPDX-License-Identifier: MIT
 */
#include <north-mcp.h>

static void
note_member (JsonObject  *object,
             const char  *member,
             JsonNode    *node,
             gpointer     user_data)
{
  NorthMcpSpan *span = user_data;
  g_autofree char *key = NULL;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return;
  key = g_strconcat ("note.", member, NULL);
  north_mcp_span_set_attribute_string (span, key, json_node_get_string (node));
}

static NorthMcpToolResult *
note (NorthMcpTool     *tool,
      NorthMcpContext  *context,
      JsonObject       *arguments,
      gpointer          user_data,
      GError          **error)
{
  g_autofree char *text = NULL;

  json_object_foreach_member (arguments, note_member, north_mcp_context_get_span (context));
  text = g_strdup_printf ("noted %u", json_object_get_size (arguments));
  return north_mcp_tool_result_new_text (text);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(NorthMcpServer) server = north_mcp_server_new ("Traced input", "1.0.0");
  g_autoptr(NorthMcpTool) note_tool = north_mcp_tool_new ("note", "Trace the arguments");
  g_autoptr(GError) error = NULL;

  if (!north_mcp_tool_set_input_schema_json (note_tool, "{\"type\": \"object\"}", &error))
    g_error ("%s", error->message);
  north_mcp_tool_set_func (note_tool, note, NULL, NULL);
  north_mcp_server_add_tool (server, note_tool);
  return north_mcp_server_run (server, argc, argv);
}
