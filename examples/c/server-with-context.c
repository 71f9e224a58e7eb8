/* server-with-context: the request context North sends.
 *
 * Each `X-North-Context-<Key>: value` header reaches tools as the North
 * context entry `<key>` (lower-cased), for example the tenant a request is
 * for. As with the North Python SDK's get_north_context(), the context
 * comes with every request, with or without credentials.
 *
 * SPDX-License-Identifier: MIT
 */
#include <north-mcp.h>

static NorthMcpToolResult *
get_context (NorthMcpTool     *tool,
             NorthMcpContext  *context,
             JsonObject       *arguments,
             gpointer          user_data,
             GError          **error)
{
  GHashTable *north_context = north_mcp_context_get_north_context (context);
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GList) keys = g_list_sort (g_hash_table_get_keys (north_context), (GCompareFunc) g_strcmp0);

  for (GList *l = keys; l != NULL; l = l->next)
    json_object_set_string_member (object, l->data, g_hash_table_lookup (north_context, l->data));

  node = json_node_init_object (json_node_alloc (), object);
  return north_mcp_tool_result_new_structured (node);
}

static NorthMcpToolResult *
tenant_greeting (NorthMcpTool     *tool,
                 NorthMcpContext  *context,
                 JsonObject       *arguments,
                 gpointer          user_data,
                 GError          **error)
{
  const char *tenant = g_hash_table_lookup (north_mcp_context_get_north_context (context), "tenant-id");
  g_autofree char *text = NULL;

  if (tenant == NULL || *tenant == '\0')
    {
      g_set_error_literal (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT,
                           "No tenant: send the X-North-Context-Tenant-ID header");
      return NULL;
    }

  text = g_strdup_printf ("Hello, tenant %s!", tenant);
  return north_mcp_tool_result_new_text (text);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(NorthMcpServer) server = north_mcp_server_new ("Context Demo", "1.0.0");
  g_autoptr(NorthMcpTool) context_tool =
    north_mcp_tool_new ("get_context", "Return the request context North sent (X-North-Context-* headers)");
  g_autoptr(NorthMcpTool) tenant_tool =
    north_mcp_tool_new ("tenant_greeting", "Greet the tenant of the request");

  north_mcp_tool_set_hint (context_tool, NORTH_MCP_TOOL_HINT_READ_ONLY, TRUE);
  north_mcp_tool_set_func (context_tool, get_context, NULL, NULL);
  north_mcp_tool_set_hint (tenant_tool, NORTH_MCP_TOOL_HINT_READ_ONLY, TRUE);
  north_mcp_tool_set_func (tenant_tool, tenant_greeting, NULL, NULL);

  north_mcp_server_set_port (server, 5222);
  north_mcp_server_add_tool (server, context_tool);
  north_mcp_server_add_tool (server, tenant_tool);

  return north_mcp_server_run (server, argc, argv);
}
