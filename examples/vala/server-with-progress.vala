/* server-with-progress.vala: a long-running asynchronous tool that reports
 * progress and log messages while the server goes on serving other calls.
 * The twin of examples/gjs/server-with-progress.js.
 *
 *   server-with-progress-vala --transport stdio
 *
 * SPDX-License-Identifier: MIT
 */

static async void process_items (NorthMcp.Context context, Json.Object arguments) {
    /* The input schema guarantees an array of strings. */
    string[] items = NorthMcp.arguments_get_strv (arguments, "items") ?? new string[0];
    var results = new VariantBuilder (new VariantType ("as"));

    for (int i = 0; i < items.length; i++) {
        /* Log messages reach clients that set a level (logging/setLevel). */
        context.log_message (NorthMcp.LogLevel.INFO, null, "processing " + items[i]);
        /* The work; the main loop serves other calls meanwhile. */
        Timeout.add (10, process_items.callback);
        yield;
        results.add ("s", items[i].up ());
        /* Progress reaches clients that sent a progressToken. */
        context.report_progress (i + 1, items.length, "processed " + items[i]);
    }

    var result = new VariantDict ();
    result.insert_value ("processed", (int64) items.length);
    result.insert_value ("results", results.end ());
    context.return_tool_result (new NorthMcp.ToolResult.structured_variant (result.end ()));
}

public static int main (string[] args) {
    var server = new NorthMcp.Server ("Progress", "1.0.0");
    var tool = new NorthMcp.Tool ("process_items", "Process items one by one, reporting progress");

    try {
        tool.set_input_schema_json ("""{"type": "object",
            "properties": {"items": {"type": "array", "items": {"type": "string"}}},
            "required": ["items"]}""");
        tool.set_output_schema_json ("""{"type": "object",
            "properties": {"processed": {"type": "integer"},
                           "results": {"type": "array", "items": {"type": "string"}}},
            "required": ["processed", "results"]}""");
    } catch (Error error) {
        GLib.error ("%s", error.message);
    }
    tool.set_async_func ((tool, context, arguments) => process_items.begin (context, arguments));
    server.add_tool (tool);

    server.set_port (5222);
    return server.run (args);
}
