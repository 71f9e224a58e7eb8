/* server-with-citations.vala: results the North UI can cite, in Vala,
 * with NorthMcp.Citation (North 1.13's document citation). The twin of
 * examples/c/server-with-citations.c.
 *
 *   server-with-citations-vala --transport stdio
 *
 * SPDX-License-Identifier: MIT
 */

struct Document {
    string title;
    string url;
    string author;
    int64 updated;      /* Unix seconds */
    int page;
    string content;
}

const Document[] DOCUMENTS = {
    { "Quarterly report", "https://example.com/docs/quarterly-report", "Jane Doe",
      1705276800, 3, "Revenue grew 12% over the quarter, led by enterprise sales." },
    { "Onboarding guide", "https://example.com/docs/onboarding", "John Smith",
      1706745600, 1, "New employees receive their laptop and accounts on the first day." },
    { "Security policy", "https://example.com/docs/security-policy", "Alex Kim",
      1701302400, 7, "Passwords must be rotated every 90 days and never shared." },
};

static NorthMcp.ToolResult search (NorthMcp.Tool tool, NorthMcp.Context context,
                                   Json.Object arguments) throws Error {
    string needle = NorthMcp.arguments_get_string (arguments, "query", "").casefold ();
    var result = new NorthMcp.ToolResult ();

    foreach (unowned Document document in DOCUMENTS) {
        if (!(needle in document.title.casefold ()) && !(needle in document.content.casefold ()))
            continue;
        var citation = new NorthMcp.Citation (document.content);
        citation.set_title (document.title);
        citation.set_url (document.url);
        citation.set_author_name (document.author);
        citation.set_last_updated (new DateTime.from_unix_utc (document.updated));
        citation.set_page_number (document.page);
        result.add_citation (citation);
    }
    if (result.get_structured_content () == null)
        result.set_structured_content (Json.from_string ("{\"result\": []}"));
    return result;
}

public static int main (string[] args) {
    var server = new NorthMcp.Server ("Citations", "1.0.0");
    var tool = new NorthMcp.Tool ("search_documents", "Search the company documents; results carry citations");

    try {
        tool.set_input_schema_json ("{\"type\": \"object\", \"properties\": {\"query\": {\"type\": \"string\"}},"
                                    + " \"required\": [\"query\"]}");
    } catch (Error e) {
        error ("%s", e.message);
    }
    tool.set_hint (NorthMcp.ToolHint.READ_ONLY, true);
    tool.set_func (search);
    server.set_port (5222);
    server.add_tool (tool);
    return server.run (args);
}
