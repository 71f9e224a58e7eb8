/* server-with-resources: resources, a resource template, a prompt and
 * completion, around a small in-memory notebook.
 *
 * - `notes://index` lists the notes (a resource with a fixed URI);
 * - `notes://{title}` is every note (a resource template), with completion
 *   of `title`;
 * - the `add_note` tool adds or replaces a note and tells subscribed
 *   clients that `notes://index` and the note changed;
 * - the `summarize_note` prompt embeds a note and asks for a summary, with
 *   completion of its `title` argument.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include <north-mcp.h>

typedef struct {
  GHashTable *notes; /* title -> text */
} Notebook;

static void
notebook_free (Notebook *notebook)
{
  g_hash_table_unref (notebook->notes);
  g_free (notebook);
}

static int
compare_strings (const void *a,
                 const void *b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* The titles in order; free the array (not the strings) with g_free(). */
static const char **
sorted_titles (Notebook *notebook,
               guint    *length)
{
  const char **titles = (const char **) g_hash_table_get_keys_as_array (notebook->notes, length);

  qsort (titles, *length, sizeof *titles, compare_strings);
  return titles;
}

static NorthMcpResourceContents *
read_index (NorthMcpResource  *resource,
            NorthMcpContext   *context,
            gpointer           user_data,
            GError           **error)
{
  guint length;
  g_autofree const char **titles = sorted_titles (user_data, &length);
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < length; i++)
    g_string_append_printf (text, "notes://%s\n", titles[i]);
  return north_mcp_resource_contents_new_text ("notes://index", "text/plain", text->str);
}

static NorthMcpResourceContents *
read_note (NorthMcpResourceTemplate  *template_,
           NorthMcpContext           *context,
           const char                *uri,
           GHashTable                *variables,
           gpointer                   user_data,
           GError                   **error)
{
  Notebook *notebook = user_data;
  const char *text = g_hash_table_lookup (notebook->notes, g_hash_table_lookup (variables, "title"));

  if (text == NULL)
    {
      /* An unknown note is the protocol's resource-not-found. */
      g_set_error (error, NORTH_MCP_JSONRPC_ERROR, NORTH_MCP_JSONRPC_ERROR_RESOURCE_NOT_FOUND,
                   "Resource not found: %s", uri);
      return NULL;
    }

  return north_mcp_resource_contents_new_text (uri, "text/markdown", text);
}

/* Completes note titles for both the template and the prompt. */
static char **
complete_title (NorthMcpContext  *context,
                const char       *argument,
                const char       *value,
                GHashTable       *arguments,
                gpointer          user_data,
                GError          **error)
{
  guint length;
  g_autofree const char **titles = sorted_titles (user_data, &length);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  if (g_strcmp0 (argument, "title") != 0)
    return NULL;

  for (guint i = 0; i < length; i++)
    if (g_str_has_prefix (titles[i], value))
      g_strv_builder_add (builder, titles[i]);
  return g_strv_builder_end (builder);
}

static NorthMcpToolResult *
add_note (NorthMcpTool     *tool,
          NorthMcpContext  *context,
          JsonObject       *arguments,
          gpointer          user_data,
          GError          **error)
{
  Notebook *notebook = user_data;
  NorthMcpServer *server = north_mcp_context_get_server (context);
  const char *title = json_object_get_string_member (arguments, "title");
  const char *text = json_object_get_string_member (arguments, "text");
  g_autofree char *uri = NULL;
  g_autofree char *message = NULL;
  g_autoptr(JsonNode) log = NULL;

  if (*title == '\0' || strpbrk (title, "/?#") != NULL)
    {
      g_set_error_literal (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT,
                           "A title is not empty and has no '/', '?' or '#'");
      return NULL;
    }

  g_hash_table_replace (notebook->notes, g_strdup (title), g_strdup (text));

  uri = g_strdup_printf ("notes://%s", title);
  north_mcp_server_notify_resource_updated (server, "notes://index");
  north_mcp_server_notify_resource_updated (server, uri);

  message = g_strdup_printf ("Saved %s", uri);
  log = json_node_init_string (json_node_alloc (), message);
  north_mcp_context_log (context, NORTH_MCP_LOG_LEVEL_INFO, "notebook", log);
  return north_mcp_tool_result_new_text (message);
}

static NorthMcpPromptResult *
summarize_note (NorthMcpPrompt   *prompt,
                NorthMcpContext  *context,
                GHashTable       *arguments,
                gpointer          user_data,
                GError          **error)
{
  Notebook *notebook = user_data;
  const char *title = g_hash_table_lookup (arguments, "title");
  const char *text = g_hash_table_lookup (notebook->notes, title);
  g_autoptr(NorthMcpPromptResult) result = NULL;
  g_autofree char *uri = NULL;
  g_autoptr(JsonNode) note = NULL;

  if (text == NULL)
    {
      g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT, "No note called '%s'", title);
      return NULL;
    }

  uri = g_strdup_printf ("notes://%s", title);
  note = north_mcp_content_embedded_text_new (uri, "text/markdown", text);
  result = north_mcp_prompt_result_new ("Summarize a note");
  north_mcp_prompt_result_add_message (result, NORTH_MCP_ROLE_USER, note);
  north_mcp_prompt_result_add_text (result, NORTH_MCP_ROLE_USER,
                                    "Summarize the note above in one sentence.");
  return g_steal_pointer (&result);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(NorthMcpServer) server = north_mcp_server_new ("Notebook", "1.0.0");
  Notebook *notebook = g_new0 (Notebook, 1);
  g_autoptr(NorthMcpResource) index = north_mcp_resource_new ("notes://index", "index");
  g_autoptr(NorthMcpResourceTemplate) notes =
    north_mcp_resource_template_new ("notes://{title}", "note", NULL);
  g_autoptr(NorthMcpTool) add = north_mcp_tool_new ("add_note", "Add or replace a note");
  g_autoptr(NorthMcpPrompt) summarize = north_mcp_prompt_new ("summarize_note", "Summarize one note");

  notebook->notes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_insert (notebook->notes, g_strdup ("groceries"), g_strdup ("- milk\n- bread\n"));
  g_hash_table_insert (notebook->notes, g_strdup ("garden"), g_strdup ("Water the tomatoes.\n"));

  north_mcp_feature_set_title (NORTH_MCP_FEATURE (index), "Index of notes");
  north_mcp_resource_set_mime_type (index, "text/plain");
  north_mcp_resource_set_func (index, read_index, notebook, NULL);

  north_mcp_feature_set_description (NORTH_MCP_FEATURE (notes), "A note, by title");
  north_mcp_resource_template_set_mime_type (notes, "text/markdown");
  north_mcp_resource_template_set_func (notes, read_note, notebook, NULL);
  north_mcp_resource_template_set_completion_func (notes, complete_title, notebook, NULL);

  north_mcp_tool_set_input_schema_json (add,
    "{\"type\":\"object\",\"properties\":{\"title\":{\"type\":\"string\"},"
    "\"text\":{\"type\":\"string\"}},\"required\":[\"title\",\"text\"]}", NULL);
  /* The notebook lives as long as the tool that owns it. */
  north_mcp_tool_set_func (add, add_note, notebook, (GDestroyNotify) notebook_free);

  north_mcp_prompt_add_argument (summarize, "title", "The note's title", TRUE);
  north_mcp_prompt_set_func (summarize, summarize_note, notebook, NULL);
  north_mcp_prompt_set_completion_func (summarize, complete_title, notebook, NULL);

  north_mcp_server_add_resource (server, index);
  north_mcp_server_add_resource_template (server, notes);
  north_mcp_server_add_tool (server, add);
  north_mcp_server_add_prompt (server, summarize);

  north_mcp_server_set_port (server, 5222);
  return north_mcp_server_run (server, argc, argv);
}
