/* ask-server.vala: an asynchronous Vala tool that asks the user
 * (`yield context.elicit_async ()`) and then reads the caller with
 * NorthMcp.get_authenticated_user (), without the context: the library runs
 * the callback, and so the rest of the coroutine, with the request's
 * context current. Driven by tests/node/ts-bindings.mjs (check `ask`).
 *
 * SPDX-License-Identifier: MIT
 */

static async void ask (NorthMcp.Context context, Json.Object arguments) {
    string question = NorthMcp.arguments_get_string (arguments, "question", "?");
    try {
        var schema = Json.from_string ("""{"type": "object",
            "properties": {"answer": {"type": "string"}}, "required": ["answer"]}""").get_object ();
        Json.Object answer = yield context.elicit_async (question, schema, null);
        unowned NorthMcp.User? user = NorthMcp.get_authenticated_user ();
        string text = "%s: %s %s".printf (user != null ? user.get_email () : "nobody",
                                          answer.get_string_member ("action"),
                                          answer.get_object_member ("content").get_string_member ("answer"));
        context.return_tool_result (new NorthMcp.ToolResult.text (text));
    } catch (Error error) {
        context.return_error (error);
    }
}

public static int main (string[] args) {
    var server = new NorthMcp.Server ("Ask", "1.0.0");
    var tool = new NorthMcp.Tool ("ask", "Ask the user a question");
    try {
        tool.set_input_schema_json ("""{"type": "object",
            "properties": {"question": {"type": "string"}}, "required": ["question"]}""");
    } catch (Error error) {
        GLib.error ("%s", error.message);
    }
    tool.set_async_func ((tool, context, arguments) => ask.begin (context, arguments));
    server.add_tool (tool);
    server.get_auth ().set_server_secret ("server_secret");
    return server.run (args);
}
