/* server-with-citations: results the North UI can cite.
 *
 * North shows a tool result's sources when each item carries
 * `_north_metadata` (title, url, author_name, last_updated, page_number).
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <north-mcp.h>

typedef struct {
  const char *title;
  const char *url;
  const char *author;
  const char *updated;
  int         page;
  const char *content;
} Document;

static const Document documents[] = {
  { "Quarterly report", "https://example.com/docs/quarterly-report", "Jane Doe",
    "2024-01-15", 3, "Revenue grew 12% over the quarter, led by enterprise sales." },
  { "Onboarding guide", "https://example.com/docs/onboarding", "John Smith",
    "2024-02-01", 1, "New employees receive their laptop and accounts on the first day." },
  { "Security policy", "https://example.com/docs/security-policy", "Alex Kim",
    "2023-11-30", 7, "Passwords must be rotated every 90 days and never shared." },
};

static JsonObject *
document_to_json (const Document *document)
{
  JsonObject *item = json_object_new ();
  JsonObject *metadata = json_object_new ();

  json_object_set_string_member (item, "content", document->content);
  json_object_set_string_member (metadata, "title", document->title);
  json_object_set_string_member (metadata, "url", document->url);
  json_object_set_string_member (metadata, "author_name", document->author);
  json_object_set_string_member (metadata, "last_updated", document->updated);
  json_object_set_int_member (metadata, "page_number", document->page);
  json_object_set_object_member (item, "_north_metadata", metadata);
  return item;
}

static gboolean
matches (const Document *document,
         const char     *query)
{
  g_autofree char *needle = g_utf8_casefold (query, -1);
  g_autofree char *title = g_utf8_casefold (document->title, -1);
  g_autofree char *content = g_utf8_casefold (document->content, -1);

  return *needle == '\0' || strstr (title, needle) != NULL || strstr (content, needle) != NULL;
}

static NorthMcpToolResult *
search (NorthMcpTool     *tool,
        NorthMcpContext  *context,
        JsonObject       *arguments,
        gpointer          user_data,
        GError          **error)
{
  const char *query = json_object_get_string_member (arguments, "query");
  g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new ();
  g_autoptr(JsonObject) structured = json_object_new ();
  g_autoptr(JsonNode) structured_node = NULL;
  JsonArray *items = json_array_new ();

  /* One text block per result, as the North Python SDK's FastMCP sends a
   * returned list, and the whole list as structured content. */
  for (gsize i = 0; i < G_N_ELEMENTS (documents); i++)
    {
      g_autoptr(JsonNode) node = NULL;
      g_autofree char *text = NULL;

      if (!matches (&documents[i], query))
        continue;

      node = json_node_init_object (json_node_alloc (), document_to_json (&documents[i]));
      text = json_to_string (node, FALSE);
      north_mcp_tool_result_add_text (result, text);
      json_array_add_element (items, json_node_ref (node));
      json_object_unref (json_node_get_object (node));
    }

  json_object_set_array_member (structured, "result", items);
  structured_node = json_node_init_object (json_node_alloc (), structured);
  north_mcp_tool_result_set_structured_content (result, structured_node);
  return g_steal_pointer (&result);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(NorthMcpServer) server = north_mcp_server_new ("Citations", "1.0.0");
  g_autoptr(NorthMcpTool) tool =
    north_mcp_tool_new ("search_documents", "Search the company documents; results carry citations");
  g_autoptr(GError) error = NULL;

  if (!north_mcp_tool_set_input_schema_json (tool,
                                             "{\"type\": \"object\","
                                             " \"properties\": {\"query\": {\"type\": \"string\","
                                             "   \"description\": \"Words to look for\"}},"
                                             " \"required\": [\"query\"]}",
                                             &error))
    g_error ("%s", error->message);

  north_mcp_tool_set_hint (tool, NORTH_MCP_TOOL_HINT_READ_ONLY, TRUE);
  north_mcp_tool_set_func (tool, search, NULL, NULL);
  north_mcp_server_set_port (server, 5222);
  north_mcp_server_add_tool (server, tool);

  return north_mcp_server_run (server, argc, argv);
}
