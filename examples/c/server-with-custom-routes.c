/* server-with-custom-routes: routes of your own next to /mcp.
 *
 * `GET /ready` answers JSON, `GET /metrics` Prometheus text and `GET /context`
 * the North context of its `X-North-Context-*` headers; all are
 * public (custom routes bypass North authentication), like the built-in
 * `GET /health`.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <north-mcp.h>

typedef struct {
  guint64 tool_calls;
  gint64  started_at; /* monotonic, µs */
} Stats;

static NorthMcpToolResult *
ping_tool (NorthMcpTool     *tool,
           NorthMcpContext  *context,
           JsonObject       *arguments,
           gpointer          user_data,
           GError          **error)
{
  Stats *stats = user_data;

  stats->tool_calls++;
  return north_mcp_tool_result_new_text ("pong");
}

static void
answer (SoupServerMessage *message,
        guint              status,
        const char        *content_type,
        char              *body)
{
  soup_server_message_set_status (message, status, NULL);
  soup_server_message_set_response (message, content_type, SOUP_MEMORY_TAKE, body, strlen (body));
}

static gboolean
is_get (SoupServerMessage *message)
{
  if (g_str_equal (soup_server_message_get_method (message), "GET"))
    return TRUE;

  soup_message_headers_replace (soup_server_message_get_response_headers (message), "Allow", "GET");
  answer (message, SOUP_STATUS_METHOD_NOT_ALLOWED, "text/plain", g_strdup ("Method Not Allowed"));
  return FALSE;
}

static void
ready_route (NorthMcpServer    *server,
             SoupServerMessage *message,
             const char        *path,
             NorthMcpUser      *user,
             gpointer           user_data)
{
  g_autoptr(GPtrArray) tools = NULL;

  if (!is_get (message))
    return;

  tools = north_mcp_server_list_tools (server);
  answer (message, SOUP_STATUS_OK, "application/json",
          g_strdup_printf ("{\"status\": \"ready\", \"server\": \"%s\", \"tools\": %u}",
                           north_mcp_server_get_name (server), tools->len));
}

/* The North context of the request: public, like every custom route. */
static void
context_route (NorthMcpServer    *server,
               SoupServerMessage *message,
               const char        *path,
               NorthMcpUser      *user,
               gpointer           user_data)
{
  g_autoptr(GHashTable) context = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  GHashTableIter iter;
  gpointer key, value;

  if (!is_get (message))
    return;

  context = north_mcp_get_north_context ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "context");
  json_builder_begin_object (builder);
  g_hash_table_iter_init (&iter, context);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      json_builder_set_member_name (builder, key);
      json_builder_add_string_value (builder, value);
    }
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  answer (message, SOUP_STATUS_OK, "application/json", json_to_string (root, FALSE));
}

static void
metrics_route (NorthMcpServer    *server,
               SoupServerMessage *message,
               const char        *path,
               NorthMcpUser      *user,
               gpointer           user_data)
{
  Stats *stats = user_data;
  double uptime = (g_get_monotonic_time () - stats->started_at) / (double) G_USEC_PER_SEC;

  if (!is_get (message))
    return;

  answer (message, SOUP_STATUS_OK, "text/plain; version=0.0.4",
          g_strdup_printf ("# HELP mcp_tool_calls_total Tool calls served.\n"
                           "# TYPE mcp_tool_calls_total counter\n"
                           "mcp_tool_calls_total %" G_GUINT64_FORMAT "\n"
                           "# HELP mcp_uptime_seconds Seconds since the server started.\n"
                           "# TYPE mcp_uptime_seconds gauge\n"
                           "mcp_uptime_seconds %.3f\n",
                           stats->tool_calls, uptime));
}

int
main (int    argc,
      char **argv)
{
  Stats stats = { 0, g_get_monotonic_time () };
  g_autoptr(NorthMcpServer) server = north_mcp_server_new ("Routes Demo", "1.0.0");
  g_autoptr(NorthMcpTool) tool = north_mcp_tool_new ("ping", "Answer pong");

  north_mcp_tool_set_func (tool, ping_tool, &stats, NULL);
  north_mcp_server_set_port (server, 5222);
  north_mcp_server_add_tool (server, tool);
  north_mcp_server_add_route (server, "/ready", ready_route, NULL, NULL);
  north_mcp_server_add_route (server, "/metrics", metrics_route, &stats, NULL);
  north_mcp_server_add_route (server, "/context", context_route, NULL, NULL);

  return north_mcp_server_run (server, argc, argv);
}
