/* server-with-prompts.vala: prompts — templates of messages the user picks
 * in the client — with required and optional arguments. The twin of
 * examples/gjs/server-with-prompts.js.
 *
 *   server-with-prompts-vala --transport stdio
 *
 * SPDX-License-Identifier: MIT
 */

static NorthMcp.PromptResult review_code (NorthMcp.Prompt prompt, NorthMcp.Context context,
                                          HashTable<string, string> arguments) throws Error {
    /* Required arguments are checked before the handler runs. */
    unowned string? language = arguments["language"];
    string what = language != null ? language + " code" : "code";

    var result = new NorthMcp.PromptResult ("Ask for a review of some code");
    result.add_text (NorthMcp.Role.USER, "Please review this %s:\n\n%s".printf (what, arguments["code"]));
    return result;
}

static NorthMcp.PromptResult debug_error (NorthMcp.Prompt prompt, NorthMcp.Context context,
                                          HashTable<string, string> arguments) throws Error {
    var result = new NorthMcp.PromptResult ("Start a debugging conversation");
    result.add_text (NorthMcp.Role.USER, "I'm seeing this error: " + arguments["error"]);
    result.add_text (NorthMcp.Role.ASSISTANT, "I'll help debug that. What have you tried so far?");
    return result;
}

public static int main (string[] args) {
    var server = new NorthMcp.Server ("Prompts", "1.0.0");

    var review = new NorthMcp.Prompt ("review_code", "Ask for a review of some code");
    review.add_argument ("code", "The code to review", true);
    review.add_argument ("language", "Its programming language", false);
    review.set_func (review_code);
    server.add_prompt (review);

    var debug = new NorthMcp.Prompt ("debug_error", "Start a debugging conversation");
    debug.add_argument ("error", "The error message", true);
    debug.set_func (debug_error);
    server.add_prompt (debug);

    server.set_port (5222);
    return server.run (args);
}
