/* server-with-auth.vala: the North quick-start server, in Vala.
 *
 * A tool `add` that says on stderr who called it, `whoami` that returns
 * what the server knows of the North user, `divide` (dividing by zero is
 * an error result) and `add_slowly`, an asynchronous tool that waits
 * without blocking the server.
 *
 *   server-with-auth-vala --transport streamable-http     (port 5222)
 *   server-with-auth-vala --transport stdio
 *
 * Build: valac --pkg north-mcp-glib-1.0 server-with-auth.vala
 *
 * SPDX-License-Identifier: MIT
 */

static string caller_email (NorthMcp.User? user) {
    if (user != null && user.get_email () != null)
        return user.get_email ();
    return "unauthenticated user";
}

static NorthMcp.ToolResult add (NorthMcp.Tool tool, NorthMcp.Context context,
                                Json.Object arguments) throws GLib.Error {
    int64 a = arguments.get_int_member ("a");
    int64 b = arguments.get_int_member ("b");

    /* stderr, not stdout: stdout carries the stdio transport. */
    printerr ("This tool was called by: %s\n", caller_email (NorthMcp.get_authenticated_user ()));

    if ((b > 0 && a > int64.MAX - b) || (b < 0 && a < int64.MIN - b))
        throw new NorthMcp.Error.INVALID_ARGUMENT ("The sum does not fit in a 64-bit integer");
    return new NorthMcp.ToolResult.text ((a + b).to_string ());
}

static Json.Node string_table_to_json (GLib.HashTable<string, string>? table) {
    var builder = new Json.Builder ();
    builder.begin_object ();
    if (table != null) {
        var keys = table.get_keys ();
        keys.sort (strcmp);
        foreach (unowned string key in keys) {
            builder.set_member_name (key);
            builder.add_string_value (table[key]);
        }
    }
    builder.end_object ();
    return builder.get_root ();
}

static NorthMcp.ToolResult whoami (NorthMcp.Tool tool, NorthMcp.Context context,
                                   Json.Object arguments) throws GLib.Error {
    unowned NorthMcp.User? user = context.get_user ();
    var result = new Json.Object ();

    if (user != null && user.get_email () != null)
        result.set_string_member ("email", user.get_email ());
    else
        result.set_null_member ("email");
    result.set_member ("connector_access_tokens",
                       string_table_to_json (user != null ? user.get_connector_access_tokens () : null));
    /* Every X-North-Context-* header, with or without credentials, in a
     * child span that records only when tracing is configured. */
    var span = context.start_span ("collect-north-context");
    unowned HashTable<string, string> north_context = context.get_north_context ();
    span.set_attribute_int ("north.context.count", north_context.size ());
    result.set_member ("context", string_table_to_json (north_context));
    span.end ();
    result.set_boolean_member ("id_token_present", user != null && user.get_id_token () != null);

    var node = new Json.Node (Json.NodeType.OBJECT);
    node.set_object (result);
    return new NorthMcp.ToolResult.structured (node);
}

static NorthMcp.ToolResult divide (NorthMcp.Tool tool, NorthMcp.Context context,
                                   Json.Object arguments) throws GLib.Error {
    double b = arguments.get_double_member ("b");

    /* An error other than NorthMcp.JsonrpcError becomes an isError result. */
    if (b == 0)
        throw new NorthMcp.Error.INVALID_ARGUMENT ("division by zero");
    return new NorthMcp.ToolResult.text ((arguments.get_double_member ("a") / b).to_string ());
}

/* The asynchronous tool: the context is completed later, from the main
 * loop, while other calls are served. */
static async void add_slowly (NorthMcp.Context context, int64 a, int64 b, double seconds) {
    printerr ("add_slowly: waiting %g s\n", seconds);
    GLib.Timeout.add ((uint) (seconds * 1000), add_slowly.callback);
    yield;
    printerr ("add_slowly: done for %s\n", caller_email (context.get_user ()));
    context.return_tool_result (new NorthMcp.ToolResult.text ((a + b).to_string ()));
}

static NorthMcp.Tool make_tool (string name, string description, string schema) {
    var tool = new NorthMcp.Tool (name, description);
    try {
        tool.set_input_schema_json (schema);
    } catch (GLib.Error error) {
        GLib.error ("%s", error.message);
    }
    tool.set_hint (NorthMcp.ToolHint.READ_ONLY, true);
    return tool;
}

public static int main (string[] args) {
    var server = new NorthMcp.Server ("Demo", "1.0.0");
    const string TWO_INTEGERS = """{"type": "object",
        "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
        "required": ["a", "b"]}""";

    var add_tool = make_tool ("add", "Add two numbers", TWO_INTEGERS);
    add_tool.set_func (add);

    var whoami_tool = make_tool ("whoami", "Tell what the server knows of the North user calling it",
                                 """{"type": "object", "properties": {}}""");
    whoami_tool.set_func (whoami);

    var divide_tool = make_tool ("divide", "Divide a by b",
                                 """{"type": "object",
                                     "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
                                     "required": ["a", "b"]}""");
    divide_tool.set_func (divide);

    var slow_tool = make_tool ("add_slowly", "Add two numbers after waiting, without blocking other calls",
                               """{"type": "object",
                                   "properties": {"a": {"type": "integer"}, "b": {"type": "integer"},
                                                  "seconds": {"type": "number", "default": 1.0}},
                                   "required": ["a", "b"]}""");
    slow_tool.set_async_func ((tool, context, arguments) => {
        double seconds = arguments.has_member ("seconds") ? arguments.get_double_member ("seconds") : 1.0;
        add_slowly.begin (context, arguments.get_int_member ("a"), arguments.get_int_member ("b"), seconds);
    });

    server.set_port (5222);
    server.add_tool (add_tool);
    server.add_tool (whoami_tool);
    server.add_tool (divide_tool);
    server.add_tool (slow_tool);

    return server.run (args);
}
