/* server-with-tasks.c: a long-running tool that runs as a task of the tasks
 * extension (SEP-2663, protocol revision 2026-07-28)
 *
 * A client that declares `io.modelcontextprotocol/tasks` gets a task id at
 * once and polls `tasks/get` for the status message and, at the end, the
 * result; other clients get the result in the response, as usual.
 *
 *   server-with-tasks --transport streamable-http
 *
 * SPDX-License-Identifier: MIT
 */
#include <north-mcp.h>

typedef struct
{
  NorthMcpContext *context;
  char            *topic;
  gint64           step;
  gint64           steps;
} Report;

static void
report_free (Report *report)
{
  g_object_unref (report->context);
  g_free (report->topic);
  g_free (report);
}

static gboolean
report_step (gpointer user_data)
{
  Report *report = user_data;
  g_autofree char *status = NULL;

  /* tasks/cancel cancels the context. */
  if (g_cancellable_is_cancelled (north_mcp_context_get_cancellable (report->context)))
    {
      north_mcp_context_return_error_literal (report->context, G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
      return G_SOURCE_REMOVE;
    }

  if (report->step++ < report->steps)
    {
      /* Shown by tasks/get while the task runs. */
      status = g_strdup_printf ("step %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT, report->step, report->steps);
      north_mcp_context_set_task_status_message (report->context, status);
      return G_SOURCE_CONTINUE;
    }

  {
    g_autofree char *text = g_strdup_printf ("Report on %s: %" G_GINT64_FORMAT " steps",
                                             report->topic, report->steps);
    g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new_text (text);

    north_mcp_context_return_tool_result (report->context, result);
  }
  return G_SOURCE_REMOVE;
}

/* An ordinary async handler: it answers later, so it becomes a task. */
static void
generate_report (NorthMcpTool    *tool,
                 NorthMcpContext *context,
                 JsonObject      *arguments,
                 gpointer         user_data)
{
  Report *report = g_new0 (Report, 1);

  report->context = g_object_ref (context);
  report->topic = g_strdup (json_object_get_string_member (arguments, "topic"));
  report->steps = json_object_get_int_member_with_default (arguments, "steps", 3);
  g_timeout_add_full (G_PRIORITY_DEFAULT, 200, report_step, report, (GDestroyNotify) report_free);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(NorthMcpServer) server = north_mcp_server_new ("Reports", "1.0.0");
  g_autoptr(NorthMcpTool) tool = north_mcp_tool_new ("generate_report",
                                                     "Write a report on a topic, one step after the other");
  g_autoptr(GError) error = NULL;

  if (!north_mcp_tool_set_input_schema_json (tool,
                                             "{\"type\":\"object\",\"properties\":{"
                                             "\"topic\":{\"type\":\"string\"},"
                                             "\"steps\":{\"type\":\"integer\",\"minimum\":1}},"
                                             "\"required\":[\"topic\"]}", &error))
    g_error ("%s", error->message);
  /* A client that declared the tasks extension gets a task. */
  north_mcp_tool_set_task_support (tool, NORTH_MCP_TASK_SUPPORT_OPTIONAL);
  north_mcp_tool_set_async_func (tool, generate_report, NULL, NULL);
  north_mcp_server_add_tool (server, tool);

  return north_mcp_server_run (server, argc, argv);
}
