/* fuzz-dispatch.c: the server core's handling of fuzzed JSON-RPC messages
 *
 * Input: JSON-RPC messages, one per line, sent after an initialize
 * handshake to a server with a few tools (one with an input schema, one
 * asynchronous) and a resource template, through the in-memory channel of
 * the tests. Everything the server sends back must be a valid JSON-RPC
 * message on one line.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>

#include "north-mcp.h"
#include "north-mcp-jsonrpc-private.h"
#include "north-mcp-server-private.h"
#include "north-mcp-session-private.h"
#include "test-channel.h"
#include "fuzz-common.h"
#include "fuzz-sent.h"

static NorthMcpToolResult *
add_func (NorthMcpTool     *tool,
          NorthMcpContext  *context,
          JsonObject       *arguments,
          gpointer          user_data,
          GError          **error)
{
  g_autofree char *sum = g_strdup_printf ("%" G_GINT64_FORMAT,
                                          json_object_get_int_member (arguments, "a") +
                                          json_object_get_int_member (arguments, "b"));

  return north_mcp_tool_result_new_text (sum);
}

static NorthMcpToolResult *
echo_func (NorthMcpTool     *tool,
           NorthMcpContext  *context,
           JsonObject       *arguments,
           gpointer          user_data,
           GError          **error)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), arguments);

  if (json_object_has_member (arguments, "fail"))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "asked to fail");
      return NULL;
    }
  return north_mcp_tool_result_new_structured (node);
}

static void
later_func (NorthMcpTool    *tool,
            NorthMcpContext *context,
            JsonObject      *arguments,
            gpointer         user_data)
{
  g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new_text ("later");

  north_mcp_context_report_progress (context, 1, 2, "half way");
  north_mcp_context_return_tool_result (context, result);
}

static NorthMcpResourceContents *
read_func (NorthMcpResourceTemplate  *template_,
           NorthMcpContext           *context,
           const char                *uri,
           GHashTable                *variables,
           gpointer                   user_data,
           GError                   **error)
{
  return north_mcp_resource_contents_new_text (uri, "text/plain",
                                               g_hash_table_lookup (variables, "id"));
}

static NorthMcpServer *
server_new (void)
{
  NorthMcpServer *server = north_mcp_server_new ("fuzz", "1.0");
  g_autoptr(NorthMcpTool) add = north_mcp_tool_new ("add", "Adds");
  g_autoptr(NorthMcpTool) echo = north_mcp_tool_new ("echo", "Echoes");
  g_autoptr(NorthMcpTool) later = north_mcp_tool_new ("later", "Answers asynchronously");
  g_autoptr(NorthMcpResourceTemplate) template = NULL;

  if (!north_mcp_tool_set_input_schema_json (add,
        "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"},"
        "\"b\":{\"type\":\"integer\"}},\"required\":[\"a\",\"b\"]}", NULL))
    abort ();
  north_mcp_tool_set_func (add, add_func, NULL, NULL);
  north_mcp_tool_set_func (echo, echo_func, NULL, NULL);
  north_mcp_tool_set_async_func (later, later_func, NULL, NULL);
  north_mcp_server_add_tool (server, add);
  north_mcp_server_add_tool (server, echo);
  north_mcp_server_add_tool (server, later);

  template = north_mcp_resource_template_new ("test://template/{id}/data", "data", NULL);
  if (template == NULL)
    abort ();
  north_mcp_resource_template_set_func (template, read_func, NULL, NULL);
  north_mcp_server_add_resource_template (server, template);

  return server;
}

static void
send_text (NorthMcpServer  *server,
           NorthMcpSession *session,
           TestChannel     *channel,
           const char      *text,
           gsize            length)
{
  g_autoptr(JsonNode) message = north_mcp_jsonrpc_parse (text, length, NULL);

  if (message != NULL)
    north_mcp_dispatch_message (NORTH_MCP_PROTOCOL_HOST (server), session, NULL, message,
                                NORTH_MCP_CHANNEL (channel));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static const char *handshake[] = {
    "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{"
    "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{\"sampling\":{},\"roots\":{}},"
    "\"clientInfo\":{\"name\":\"fuzz\",\"version\":\"1\"}}}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
  };
  g_autoptr(NorthMcpServer) server = NULL;
  g_autoptr(NorthMcpSession) session = NULL;
  g_autoptr(TestChannel) channel = NULL;
  GPtrArray *sent;
  const char *p = (const char *) data;
  const char *end = p + size;

  fuzz_init ();

  server = server_new ();
  channel = test_channel_new (TRUE);
  session = g_object_ref (north_mcp_server_create_session (server, NULL));

  for (guint i = 0; i < G_N_ELEMENTS (handshake); i++)
    send_text (server, session, channel, handshake[i], strlen (handshake[i]));

  while (p < end)
    {
      const char *newline = memchr (p, '\n', end - p);
      const char *line_end = newline != NULL ? newline : end;

      send_text (server, session, channel, p, line_end - p);
      p = line_end + 1;
    }

  /* Let asynchronous answers arrive. */
  for (guint i = 0; i < 100 && g_main_context_iteration (NULL, FALSE); i++)
    ;

  sent = test_channel_get_messages (channel);
  for (guint i = 0; i < sent->len; i++)
    fuzz_check_sent (g_ptr_array_index (sent, i));

  north_mcp_server_close_session (server, session);
  return 0;
}
