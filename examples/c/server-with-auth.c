/* server-with-auth: the North quick-start server.
 *
 * A tool `add` that says on stderr who called it, and a tool `whoami` that
 * returns what the server knows of the North user.
 *
 *   server-with-auth --transport streamable-http     (port 5222)
 *   server-with-auth --transport stdio
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <north-mcp.h>

static NorthMcpToolResult *
add (NorthMcpTool     *tool,
     NorthMcpContext  *context,
     JsonObject       *arguments,
     gpointer          user_data,
     GError          **error)
{
  NorthMcpUser *user = north_mcp_get_authenticated_user ();
  gint64 a = json_object_get_int_member (arguments, "a");
  gint64 b = json_object_get_int_member (arguments, "b");
  g_autofree char *sum = NULL;

  /* stderr, not stdout: stdout carries the stdio transport. */
  if (user != NULL && north_mcp_user_get_email (user) != NULL)
    fprintf (stderr, "This tool was called by: %s\n", north_mcp_user_get_email (user));
  else
    fprintf (stderr, "This tool was called by: unauthenticated user\n");
  fflush (stderr);

  if ((b > 0 && a > G_MAXINT64 - b) || (b < 0 && a < G_MININT64 - b))
    {
      g_set_error_literal (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT,
                           "The sum does not fit in a 64-bit integer");
      return NULL;
    }

  sum = g_strdup_printf ("%" G_GINT64_FORMAT, a + b);
  return north_mcp_tool_result_new_text (sum);
}

static JsonNode *
string_table_to_json (GHashTable *table)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(GList) keys = table != NULL ? g_hash_table_get_keys (table) : NULL;

  keys = g_list_sort (keys, (GCompareFunc) g_strcmp0);
  for (GList *l = keys; l != NULL; l = l->next)
    json_object_set_string_member (object, l->data, g_hash_table_lookup (table, l->data));

  return json_node_init_object (json_node_alloc (), object);
}

static NorthMcpToolResult *
whoami (NorthMcpTool     *tool,
        NorthMcpContext  *context,
        JsonObject       *arguments,
        gpointer          user_data,
        GError          **error)
{
  NorthMcpUser *user = north_mcp_context_get_user (context);
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  const char *email = user != NULL ? north_mcp_user_get_email (user) : NULL;
  /* A child span of the request's span; it records only when tracing is
   * configured (OTEL_EXPORTER_OTLP_ENDPOINT and friends). */
  g_autoptr(NorthMcpSpan) span = north_mcp_context_start_span (context, "collect-north-context");

  north_mcp_span_set_attribute_int (span, "north.context.count",
                                    g_hash_table_size (north_mcp_context_get_north_context (context)));

  if (email != NULL)
    json_object_set_string_member (object, "email", email);
  else
    json_object_set_null_member (object, "email");
  json_object_set_member (object, "connector_access_tokens",
                          string_table_to_json (user != NULL ? north_mcp_user_get_connector_access_tokens (user) : NULL));
  /* Every X-North-Context-* header, with or without credentials. */
  json_object_set_member (object, "context",
                          string_table_to_json (north_mcp_context_get_north_context (context)));
  json_object_set_boolean_member (object, "id_token_present",
                                  user != NULL && north_mcp_user_get_id_token (user) != NULL);

  node = json_node_init_object (json_node_alloc (), object);
  north_mcp_span_end (span);
  return north_mcp_tool_result_new_structured (node);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(NorthMcpServer) server = north_mcp_server_new ("Demo", "1.0.0");
  g_autoptr(NorthMcpTool) add_tool = north_mcp_tool_new ("add", "Add two numbers");
  g_autoptr(NorthMcpTool) whoami_tool =
    north_mcp_tool_new ("whoami", "Tell what the server knows of the North user calling it");
  g_autoptr(GError) error = NULL;

  if (!north_mcp_tool_set_input_schema_json (add_tool,
                                             "{\"type\": \"object\","
                                             " \"properties\": {\"a\": {\"type\": \"integer\"},"
                                             "                  \"b\": {\"type\": \"integer\"}},"
                                             " \"required\": [\"a\", \"b\"]}",
                                             &error) ||
      !north_mcp_tool_set_output_schema_json (whoami_tool,
                                              "{\"type\": \"object\","
                                              " \"properties\": {"
                                              "  \"email\": {\"type\": [\"string\", \"null\"]},"
                                              "  \"connector_access_tokens\": {\"type\": \"object\","
                                              "    \"additionalProperties\": {\"type\": \"string\"}},"
                                              "  \"context\": {\"type\": \"object\","
                                              "    \"additionalProperties\": {\"type\": \"string\"}},"
                                              "  \"id_token_present\": {\"type\": \"boolean\"}},"
                                              " \"required\": [\"email\", \"connector_access_tokens\","
                                              "              \"context\", \"id_token_present\"]}",
                                              &error))
    g_error ("%s", error->message);

  north_mcp_tool_set_hint (add_tool, NORTH_MCP_TOOL_HINT_READ_ONLY, TRUE);
  north_mcp_tool_set_func (add_tool, add, NULL, NULL);
  north_mcp_tool_set_hint (whoami_tool, NORTH_MCP_TOOL_HINT_READ_ONLY, TRUE);
  north_mcp_tool_set_func (whoami_tool, whoami, NULL, NULL);

  north_mcp_server_set_port (server, 5222);
  north_mcp_server_add_tool (server, add_tool);
  north_mcp_server_add_tool (server, whoami_tool);

  return north_mcp_server_run (server, argc, argv);
}
