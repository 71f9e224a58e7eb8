/* server-with-tasks.vala: a long-running tool that runs as a task of the
 * tasks extension (SEP-2663, protocol revision 2026-07-28). The twin of
 * examples/gjs/server-with-tasks.js.
 *
 *   server-with-tasks-vala --transport streamable-http
 *
 * SPDX-License-Identifier: MIT
 */

static async void generate_report (NorthMcp.Context context, Json.Object arguments) {
    string topic = arguments.get_string_member ("topic");
    int64 steps = arguments.get_int_member_with_default ("steps", 3);

    for (int64 step = 1; step <= steps; step++) {
        /* Shown by tasks/get while the task runs. */
        context.set_task_status_message ("step %lld of %lld".printf (step, steps));
        Timeout.add (200, generate_report.callback);
        yield;
        /* tasks/cancel cancels the context. */
        if (context.get_cancellable ().is_cancelled ()) {
            context.return_error_literal (IOError.quark (), IOError.CANCELLED, "cancelled");
            return;
        }
    }
    context.return_tool_result (new NorthMcp.ToolResult.text ("Report on %s: %lld steps".printf (topic, steps)));
}

public static int main (string[] args) {
    var server = new NorthMcp.Server ("Reports", "1.0.0");
    var tool = new NorthMcp.Tool ("generate_report", "Write a report on a topic, one step after the other");

    try {
        tool.set_input_schema_json ("""{"type": "object",
            "properties": {"topic": {"type": "string"}, "steps": {"type": "integer", "minimum": 1}},
            "required": ["topic"]}""");
    } catch (Error e) {
        error ("%s", e.message);
    }
    /* A client that declared the tasks extension gets a task. */
    tool.task_support = NorthMcp.TaskSupport.OPTIONAL;
    tool.set_async_func ((tool, context, arguments) => generate_report.begin (context, arguments));
    server.add_tool (tool);
    return server.run (args);
}
