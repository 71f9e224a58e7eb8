/* server-with-destructive-tools: tool annotations.
 *
 * Clients such as North ask the user before running a tool marked
 * destructive; read-only tools can run freely.
 *
 * SPDX-License-Identifier: MIT
 */
#include <north-mcp.h>

typedef struct {
  GHashTable *notes; /* title -> text */
} Notebook;

static NorthMcpToolResult *
list_notes (NorthMcpTool     *tool,
            NorthMcpContext  *context,
            JsonObject       *arguments,
            gpointer          user_data,
            GError          **error)
{
  Notebook *notebook = user_data;
  g_autoptr(GList) titles = g_hash_table_get_keys (notebook->notes);
  g_autoptr(GString) text = g_string_new (NULL);

  titles = g_list_sort (titles, (GCompareFunc) g_strcmp0);
  for (GList *l = titles; l != NULL; l = l->next)
    g_string_append_printf (text, "%s\n", (const char *) l->data);

  return north_mcp_tool_result_new_text (text->len > 0 ? text->str : "(no notes)");
}

static NorthMcpToolResult *
add_note (NorthMcpTool     *tool,
          NorthMcpContext  *context,
          JsonObject       *arguments,
          gpointer          user_data,
          GError          **error)
{
  Notebook *notebook = user_data;
  const char *title = json_object_get_string_member (arguments, "title");
  const char *body = json_object_get_string_member (arguments, "text");
  g_autofree char *message = g_strdup_printf ("Saved note '%s'", title);

  g_hash_table_replace (notebook->notes, g_strdup (title), g_strdup (body));
  return north_mcp_tool_result_new_text (message);
}

static NorthMcpToolResult *
delete_note (NorthMcpTool     *tool,
             NorthMcpContext  *context,
             JsonObject       *arguments,
             gpointer          user_data,
             GError          **error)
{
  Notebook *notebook = user_data;
  const char *title = json_object_get_string_member (arguments, "title");
  g_autofree char *message = NULL;

  if (!g_hash_table_remove (notebook->notes, title))
    {
      g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT,
                   "There is no note titled '%s'", title);
      return NULL;
    }

  message = g_strdup_printf ("Deleted note '%s'", title);
  return north_mcp_tool_result_new_text (message);
}

static NorthMcpTool *
make_tool (const char       *name,
           const char       *description,
           const char       *schema,
           NorthMcpToolFunc  func,
           Notebook         *notebook)
{
  NorthMcpTool *tool = north_mcp_tool_new (name, description);
  g_autoptr(GError) error = NULL;

  if (schema != NULL && !north_mcp_tool_set_input_schema_json (tool, schema, &error))
    g_error ("%s", error->message);
  north_mcp_tool_set_func (tool, func, notebook, NULL);
  return tool;
}

int
main (int    argc,
      char **argv)
{
  Notebook notebook = { g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free) };
  g_autoptr(NorthMcpServer) server = north_mcp_server_new ("Notes", "1.0.0");
  g_autoptr(NorthMcpTool) list = make_tool ("list_notes", "List the titles of all notes",
                                            NULL, list_notes, &notebook);
  g_autoptr(NorthMcpTool) add = make_tool ("add_note", "Save a note under a title (replaces a note of that title)",
                                           "{\"type\": \"object\", \"properties\": {"
                                           " \"title\": {\"type\": \"string\"}, \"text\": {\"type\": \"string\"}},"
                                           " \"required\": [\"title\", \"text\"]}",
                                           add_note, &notebook);
  g_autoptr(NorthMcpTool) delete = make_tool ("delete_note", "Delete a note for good",
                                              "{\"type\": \"object\", \"properties\": {"
                                              " \"title\": {\"type\": \"string\"}}, \"required\": [\"title\"]}",
                                              delete_note, &notebook);
  int status;

  north_mcp_tool_set_hint (list, NORTH_MCP_TOOL_HINT_READ_ONLY, TRUE);
  north_mcp_tool_set_hint (add, NORTH_MCP_TOOL_HINT_READ_ONLY, FALSE);
  north_mcp_tool_set_hint (add, NORTH_MCP_TOOL_HINT_DESTRUCTIVE, FALSE);
  north_mcp_tool_set_hint (add, NORTH_MCP_TOOL_HINT_IDEMPOTENT, TRUE);
  north_mcp_tool_set_hint (delete, NORTH_MCP_TOOL_HINT_DESTRUCTIVE, TRUE);
  north_mcp_tool_set_hint (delete, NORTH_MCP_TOOL_HINT_IDEMPOTENT, FALSE);
  north_mcp_tool_set_hint (delete, NORTH_MCP_TOOL_HINT_OPEN_WORLD, FALSE);

  north_mcp_server_set_port (server, 5222);
  north_mcp_server_add_tool (server, list);
  north_mcp_server_add_tool (server, add);
  north_mcp_server_add_tool (server, delete);

  status = north_mcp_server_run (server, argc, argv);
  g_hash_table_unref (notebook.notes);
  return status;
}
