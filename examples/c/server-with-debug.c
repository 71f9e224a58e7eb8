/* server-with-debug: debug logging of North authentication.
 *
 * Every request logs its peer, its headers (secrets cut short), how its
 * credentials were decoded and which user it acts for, on stderr, in the
 * North Python SDK's format. Never run a production server like this.
 *
 *   server-with-debug                  (Streamable HTTP on port 5223)
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <north-mcp.h>

static NorthMcpToolResult *
echo (NorthMcpTool     *tool,
      NorthMcpContext  *context,
      JsonObject       *arguments,
      gpointer          user_data,
      GError          **error)
{
  NorthMcpUser *user = north_mcp_context_get_user (context);
  const char *text = json_object_get_string_member (arguments, "text");

  fprintf (stderr, "echo called by %s\n",
           user != NULL && north_mcp_user_get_email (user) != NULL
           ? north_mcp_user_get_email (user) : "unauthenticated user");
  fflush (stderr);
  return north_mcp_tool_result_new_text (text);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(NorthMcpServer) server = north_mcp_server_new ("Debug Demo", "1.0.0");
  g_autoptr(NorthMcpTool) tool = north_mcp_tool_new ("echo", "Repeat the given text");
  g_autoptr(GError) error = NULL;

  if (!north_mcp_tool_set_input_schema_json (tool,
                                             "{\"type\": \"object\","
                                             " \"properties\": {\"text\": {\"type\": \"string\"}},"
                                             " \"required\": [\"text\"]}",
                                             &error))
    g_error ("%s", error->message);
  north_mcp_tool_set_func (tool, echo, NULL, NULL);

  north_mcp_server_set_debug (server, TRUE);
  north_mcp_server_set_port (server, 5223);
  north_mcp_server_add_tool (server, tool);

  return north_mcp_server_run (server, argc, argv);
}
