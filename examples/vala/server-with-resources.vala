/* server-with-resources.vala: resources, a resource template, and a tool
 * that reads them (`yield context.read_resource_async ()`) and returns a
 * structured result checked against its output schema. The twin of
 * examples/gjs/server-with-resources.js.
 *
 *   server-with-resources-vala --transport stdio
 *
 * SPDX-License-Identifier: MIT
 */

static HashTable<string, string> notes;

/* A resource template's handler gets the URI's variables. */
static NorthMcp.ResourceContents read_note (NorthMcp.ResourceTemplate template, NorthMcp.Context context,
                                            string uri, HashTable<string, string> variables) throws Error {
    unowned string title = variables["title"];
    unowned string? text = notes[title];

    if (text == null)
        throw new NorthMcp.JsonrpcError.RESOURCE_NOT_FOUND ("There is no note titled '%s'", title);
    return new NorthMcp.ResourceContents.text (uri, "text/plain", text);
}

static NorthMcp.ResourceContents read_index (NorthMcp.Resource resource, NorthMcp.Context context) throws Error {
    var titles = notes.get_keys ();
    titles.sort (strcmp);
    var array = new Json.Array ();
    foreach (unowned string title in titles)
        array.add_string_element (title);
    var node = new Json.Node (Json.NodeType.ARRAY);
    node.set_array (array);
    return new NorthMcp.ResourceContents.text ("notes://index", "application/json", Json.to_string (node, false));
}

/* An asynchronous tool: reads the note through the server's own resource. */
static async void note_stats (NorthMcp.Context context, Json.Object arguments) {
    string title = NorthMcp.arguments_get_string (arguments, "title", "");
    try {
        Json.Array contents = yield context.read_resource_async ("notes://" + title, null);
        string text = contents.get_object_element (0).get_string_member ("text");
        int64 words = 0;
        foreach (unowned string word in Regex.split_simple ("\\s+", text))
            if (word != "")
                words++;

        /* The structured result, from a GVariant dictionary. */
        var result = new VariantDict ();
        result.insert_value ("title", title);
        result.insert_value ("words", words);
        context.return_tool_result (new NorthMcp.ToolResult.structured_variant (result.end ()));
    } catch (Error error) {
        context.return_error (error);
    }
}

public static int main (string[] args) {
    notes = new HashTable<string, string> (str_hash, str_equal);
    notes["groceries"] = "milk, eggs";
    notes["todo"] = "write tests";

    var server = new NorthMcp.Server ("Notes", "1.0.0");

    var index = new NorthMcp.Resource ("notes://index", "index");
    index.set_description ("The titles of all notes");
    index.set_mime_type ("application/json");
    index.set_func (read_index);
    server.add_resource (index);

    try {
        var note = new NorthMcp.ResourceTemplate ("notes://{title}", "note");
        note.set_description ("One note, by title");
        note.set_mime_type ("text/plain");
        note.set_func (read_note);
        server.add_resource_template (note);

        var stats = new NorthMcp.Tool ("note_stats", "Count the words of a note");
        stats.set_input_schema_json ("""{"type": "object",
            "properties": {"title": {"type": "string"}}, "required": ["title"]}""");
        /* Every result is checked against it: a mismatch becomes an
         * isError result naming the member. */
        stats.set_output_schema_json ("""{"type": "object",
            "properties": {"title": {"type": "string"}, "words": {"type": "integer"}},
            "required": ["title", "words"]}""");
        stats.set_hint (NorthMcp.ToolHint.READ_ONLY, true);
        stats.set_async_func ((tool, context, arguments) => note_stats.begin (context, arguments));
        server.add_tool (stats);
    } catch (Error error) {
        GLib.error ("%s", error.message);
    }

    server.set_port (5222);
    return server.run (args);
}
