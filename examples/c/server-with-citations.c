/* server-with-citations: results the North UI can cite.
 *
 * North (1.13 and later) shows a tool result's sources when each item
 * carries `_north_metadata` in its document shape (renderer "document",
 * content, title, url, meta.author_name, meta.last_updated,
 * meta.page_number), with title and url at the item's top level too.
 * NorthMcpCitation writes that shape.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <north-mcp.h>

typedef struct {
  const char *title;
  const char *url;
  const char *author;
  gint64      updated;  /* Unix seconds */
  int         page;
  const char *content;
} Document;

static const Document documents[] = {
  { "Quarterly report", "https://example.com/docs/quarterly-report", "Jane Doe",
    1705276800 /* 2024-01-15 */, 3, "Revenue grew 12% over the quarter, led by enterprise sales." },
  { "Onboarding guide", "https://example.com/docs/onboarding", "John Smith",
    1706745600 /* 2024-02-01 */, 1, "New employees receive their laptop and accounts on the first day." },
  { "Security policy", "https://example.com/docs/security-policy", "Alex Kim",
    1701302400 /* 2023-11-30 */, 7, "Passwords must be rotated every 90 days and never shared." },
};

static NorthMcpCitation *
document_citation (const Document *document)
{
  NorthMcpCitation *citation = north_mcp_citation_new (document->content);
  g_autoptr(GDateTime) updated = g_date_time_new_from_unix_utc (document->updated);

  north_mcp_citation_set_title (citation, document->title);
  north_mcp_citation_set_url (citation, document->url);
  north_mcp_citation_set_author_name (citation, document->author);
  north_mcp_citation_set_last_updated (citation, updated);
  north_mcp_citation_set_page_number (citation, document->page);
  return citation;
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

  /* One text block per document and the list as structured content
   * {"result": [...]}, as the North Python SDK's FastMCP sends a list. */
  for (gsize i = 0; i < G_N_ELEMENTS (documents); i++)
    {
      g_autoptr(NorthMcpCitation) citation = NULL;

      if (!matches (&documents[i], query))
        continue;

      citation = document_citation (&documents[i]);
      north_mcp_tool_result_add_citation (result, citation);
    }

  if (north_mcp_tool_result_get_structured_content (result) == NULL)
    {
      g_autoptr(JsonNode) empty = json_from_string ("{\"result\": []}", NULL);

      north_mcp_tool_result_set_structured_content (result, empty);
    }
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
