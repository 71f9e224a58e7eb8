/* shutdown-server.vala: `yield server.shutdown_async (null)` from a tool,
 * the Vala twin of tests/python/shutdown_server.py (both driven by
 * tests/python/test_binding_shutdown.py).
 *
 * SPDX-License-Identifier: MIT
 */

static NorthMcp.Server server;

static async void report () {
    try {
        bool drained = yield server.shutdown_async (null);
        printerr ("shutdown: %s\n", drained.to_string ());
    } catch (Error error) {
        printerr ("shutdown: error %s %d %s\n", error.domain.to_string (), error.code, error.message);
    }
}

/* Works for `seconds` (0: until the server stops), after starting a
 * graceful shutdown when `shutdown`. */
static async void work (NorthMcp.Context context, Json.Object arguments) {
    double seconds = NorthMcp.arguments_get_double (arguments, "seconds", 0);
    if (NorthMcp.arguments_get_boolean (arguments, "shutdown", false))
        report.begin ();  /* started: connections are refused */
    printerr ("work: started\n");
    Timeout.add (seconds > 0 ? (uint) (seconds * 1000) : 3600 * 1000, work.callback);
    yield;
    printerr ("work: done\n");
    context.return_tool_result (new NorthMcp.ToolResult.text ("worked %g s".printf (seconds)));
}

public static int main (string[] args) {
    server = new NorthMcp.Server ("Shutdown", "1.0.0");
    var tool = new NorthMcp.Tool ("work", "Works for a while, shutting the server down meanwhile");
    try {
        tool.set_input_schema_json ("""{"type": "object", "properties": {"seconds": {"type": "number"},
            "shutdown": {"type": "boolean"}}, "required": ["seconds"]}""");
    } catch (Error error) {
        GLib.error ("%s", error.message);
    }
    tool.set_async_func ((tool, context, arguments) => work.begin (context, arguments));
    server.add_tool (tool);
    return server.run (args);
}
