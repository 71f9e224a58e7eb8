/* test-features.c: resources, prompts, completion, logging, progress,
 * cancellation, server-to-client requests and session expiry, through
 * north_mcp_dispatch_message() with in-memory channels
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp.h"
#include "north-mcp-server-private.h"
#include "north-mcp-session-manager-private.h"
#include "north-mcp-session-private.h"
#include "north-mcp-state-store-private.h"
#include "test-channel.h"
#include "test-http-client.h"
#include "test-redis-server.h"

typedef struct {
  NorthMcpServer  *server;
  NorthMcpSession *session;
  TestChannel     *channel;
  TestChannel     *standalone;
  /* What the last server-to-client request of a tool ended with. */
  GError          *outbound_error;
  JsonObject      *outbound_result;
  /* A request a handler keeps to answer later. */
  NorthMcpContext *held;
  /* What the roots_cancellable tool passes to its request to the client. */
  GCancellable    *cancellable;
} Fixture;

#define CLIENT_ALL_CAPS "{\"sampling\":{},\"roots\":{},\"elicitation\":{\"form\":{},\"url\":{}}}"

/* Helpers. */

static guint
send_to (Fixture         *fixture,
         NorthMcpSession *session,
         TestChannel     *channel,
         const char      *json)
{
  g_autoptr(JsonNode) message = test_parse_json (json);

  return north_mcp_dispatch_message (NORTH_MCP_PROTOCOL_HOST (fixture->server), session, NULL, message,
                                     NORTH_MCP_CHANNEL (channel));
}

static guint
send (Fixture    *fixture,
      const char *json)
{
  return send_to (fixture, fixture->session, fixture->channel, json);
}

static void
initialize_session (Fixture         *fixture,
                    NorthMcpSession *session,
                    const char      *capabilities)
{
  g_autofree char *json =
    g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{"
                     "\"protocolVersion\":\"2025-11-25\",\"capabilities\":%s,"
                     "\"clientInfo\":{\"name\":\"test\",\"version\":\"1\"}}}",
                     capabilities);
  g_autoptr(TestChannel) channel = test_channel_new (TRUE);

  send_to (fixture, session, channel, json);
  g_assert_nonnull (test_channel_find_response (channel, 0));
  send_to (fixture, session, channel, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
}

static void
initialize (Fixture    *fixture,
            const char *capabilities)
{
  initialize_session (fixture, fixture->session, capabilities);
  test_channel_clear (fixture->channel);
}

/* The response checks of tests/common, on the fixture's channel. */
#define result_of(fixture, id) test_channel_result_of ((fixture)->channel, (id))
#define error_of(fixture, id, code) test_channel_error_of ((fixture)->channel, (id), (code))

static void
assert_error_mentions (JsonObject *error,
                       const char *text)
{
  const char *message = json_object_get_string_member (error, "message");

  if (strstr (message, text) == NULL)
    g_error ("error message '%s' does not mention '%s'", message, text);
}

/* The messages of @channel whose method is @method. */
static guint
count_method (TestChannel *channel,
              const char  *method)
{
  GPtrArray *messages = test_channel_get_messages (channel);
  guint count = 0;

  for (guint i = 0; i < messages->len; i++)
    {
      JsonObject *object = json_node_get_object (g_ptr_array_index (messages, i));

      if (g_strcmp0 (json_object_get_string_member_with_default (object, "method", NULL), method) == 0)
        count++;
    }

  return count;
}

static JsonObject *
nth_with_method (TestChannel *channel,
                 const char  *method,
                 guint        n)
{
  GPtrArray *messages = test_channel_get_messages (channel);

  for (guint i = 0; i < messages->len; i++)
    {
      JsonObject *object = json_node_get_object (g_ptr_array_index (messages, i));

      if (g_strcmp0 (json_object_get_string_member_with_default (object, "method", NULL), method) == 0 &&
          n-- == 0)
        return object;
    }

  g_error ("no message %s #%u", method, n);
  return NULL;
}

/* Validates @result against @definition of the official 2025-11-25 schema
 * with the schema helper of tests/schema. */
static void
assert_schema_valid (JsonObject *result,
                     const char *definition)
{
  const char *root = g_getenv ("NORTH_MCP_SOURCE_ROOT");
  g_autofree char *script = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *json = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GBytes) input = NULL;
  g_autoptr(GBytes) errors = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (root);
  script = g_build_filename (root, "tests", "schema", "validate-messages.py", NULL);
  node = json_node_init_object (json_node_alloc (), result);
  json = json_to_string (node, FALSE);
  input = g_bytes_new (json, strlen (json));

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE |
                              G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error,
                              "/usr/bin/python3", script, definition, "-", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate (process, input, NULL, NULL, &errors, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_if_exited (process) || g_subprocess_get_exit_status (process) != 0)
    g_error ("%s is not a valid %s: %.*s", json, definition,
             (int) g_bytes_get_size (errors), (const char *) g_bytes_get_data (errors, NULL));
}

/* Handlers. */

static NorthMcpResourceContents *
multi_read (NorthMcpResource  *resource,
            NorthMcpContext   *context,
            gpointer           user_data,
            GError           **error)
{
  g_autoptr(NorthMcpResourceContents) contents = north_mcp_resource_contents_new ();
  g_autoptr(GBytes) bytes = g_bytes_new_static ("\x00\x01\x02", 3);

  g_assert_true (north_mcp_context_get_current () == context);
  north_mcp_resource_contents_add_text (contents, "test://multi/a", "text/plain", "part a");
  north_mcp_resource_contents_add_blob (contents, "test://multi/b", NULL, bytes);
  return g_steal_pointer (&contents);
}

static NorthMcpResourceContents *
failing_read (NorthMcpResource  *resource,
              NorthMcpContext   *context,
              gpointer           user_data,
              GError           **error)
{
  const char *how = user_data;

  if (g_str_equal (how, "argument"))
    g_set_error_literal (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT, "bad row id");
  else if (g_str_equal (how, "empty"))
    return north_mcp_resource_contents_new ();
  else if (g_str_equal (how, "gone"))
    g_set_error_literal (error, NORTH_MCP_JSONRPC_ERROR, NORTH_MCP_JSONRPC_ERROR_RESOURCE_NOT_FOUND,
                         "deleted a moment ago");
  else
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "the disk is gone");
  return NULL;
}

static gboolean
complete_held_read (gpointer user_data)
{
  Fixture *fixture = user_data;
  g_autoptr(NorthMcpContext) context = g_steal_pointer (&fixture->held);
  g_autoptr(NorthMcpResourceContents) contents =
    north_mcp_resource_contents_new_text ("test://async", "text/plain", "later");

  north_mcp_context_return_resource_contents (context, contents);
  return G_SOURCE_REMOVE;
}

static void
async_read (NorthMcpResource *resource,
            NorthMcpContext  *context,
            gpointer          user_data)
{
  Fixture *fixture = user_data;

  fixture->held = g_object_ref (context);
  g_idle_add (complete_held_read, fixture);
}

static NorthMcpResourceContents *
template_read (NorthMcpResourceTemplate  *template_,
               NorthMcpContext           *context,
               const char                *uri,
               GHashTable                *variables,
               gpointer                   user_data,
               GError                   **error)
{
  g_autofree char *text = g_strdup_printf ("{\"id\":\"%s\",\"templateTest\":true}",
                                           (const char *) g_hash_table_lookup (variables, "id"));

  g_assert_cmpuint (g_hash_table_size (variables), ==, 1);
  return north_mcp_resource_contents_new_text (uri, "application/json", text);
}

static NorthMcpResourceContents *
pair_read (NorthMcpResourceTemplate  *template_,
           NorthMcpContext           *context,
           const char                *uri,
           GHashTable                *variables,
           gpointer                   user_data,
           GError                   **error)
{
  g_autofree char *text = g_strdup_printf ("owner=%s repo=%s",
                                           (const char *) g_hash_table_lookup (variables, "owner"),
                                           (const char *) g_hash_table_lookup (variables, "repo"));

  return north_mcp_resource_contents_new_text (uri, NULL, text);
}

static NorthMcpResourceContents *
shadow_read (NorthMcpResourceTemplate  *template_,
             NorthMcpContext           *context,
             const char                *uri,
             GHashTable                *variables,
             gpointer                   user_data,
             GError                   **error)
{
  g_autofree char *text = g_strdup_printf ("name=%s", (const char *) g_hash_table_lookup (variables, "name"));

  return north_mcp_resource_contents_new_text (uri, NULL, text);
}

/* A subclass overriding the read vfunc. */
typedef struct { NorthMcpResource parent_instance; } CounterResource;
typedef struct { NorthMcpResourceClass parent_class; } CounterResourceClass;
static GType counter_resource_get_type (void);
G_DEFINE_TYPE (CounterResource, counter_resource, NORTH_MCP_TYPE_RESOURCE)

static void
counter_resource_read (NorthMcpResource *resource,
                       NorthMcpContext  *context)
{
  static int reads;
  g_autofree char *text = g_strdup_printf ("read %d", ++reads);
  g_autoptr(NorthMcpResourceContents) contents =
    north_mcp_resource_contents_new_text (north_mcp_resource_get_uri (resource), "text/plain", text);

  north_mcp_context_return_resource_contents (context, contents);
}

static void
counter_resource_class_init (CounterResourceClass *klass)
{
  NORTH_MCP_RESOURCE_CLASS (klass)->read = counter_resource_read;
}

static void
counter_resource_init (CounterResource *self)
{
}

static NorthMcpPromptResult *
greeting_get (NorthMcpPrompt   *prompt,
              NorthMcpContext  *context,
              GHashTable       *arguments,
              gpointer          user_data,
              GError          **error)
{
  g_autoptr(NorthMcpPromptResult) result = north_mcp_prompt_result_new ("A greeting");
  g_autofree char *text = g_strdup_printf ("Hello %s, in %s", (const char *) g_hash_table_lookup (arguments, "name"),
                                           (const char *) g_hash_table_lookup (arguments, "language")
                                           != NULL ? (const char *) g_hash_table_lookup (arguments, "language") : "English");

  north_mcp_prompt_result_add_text (result, NORTH_MCP_ROLE_USER, text);
  north_mcp_prompt_result_add_text (result, NORTH_MCP_ROLE_ASSISTANT, "Hi!");
  return g_steal_pointer (&result);
}

static NorthMcpPromptResult *
media_get (NorthMcpPrompt   *prompt,
           NorthMcpContext  *context,
           GHashTable       *arguments,
           gpointer          user_data,
           GError          **error)
{
  g_autoptr(NorthMcpPromptResult) result = north_mcp_prompt_result_new (NULL);
  g_autoptr(GBytes) png = g_bytes_new_static ("\x89PNG", 4);
  g_autoptr(GBytes) wav = g_bytes_new_static ("RIFF", 4);
  g_autoptr(JsonNode) image = north_mcp_content_image_new (png, "image/png");
  g_autoptr(JsonNode) audio = north_mcp_content_audio_new (wav, "audio/wav");
  g_autoptr(JsonNode) embedded = north_mcp_content_embedded_text_new ("test://doc", "text/plain", "the doc");

  north_mcp_prompt_result_add_message (result, NORTH_MCP_ROLE_USER, image);
  north_mcp_prompt_result_add_message (result, NORTH_MCP_ROLE_USER, audio);
  north_mcp_prompt_result_add_message (result, NORTH_MCP_ROLE_ASSISTANT, embedded);
  return g_steal_pointer (&result);
}

static NorthMcpPromptResult *
failing_get (NorthMcpPrompt   *prompt,
             NorthMcpContext  *context,
             GHashTable       *arguments,
             gpointer          user_data,
             GError          **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "prompt exploded");
  return NULL;
}

static gboolean
complete_held_prompt (gpointer user_data)
{
  Fixture *fixture = user_data;
  g_autoptr(NorthMcpContext) context = g_steal_pointer (&fixture->held);
  g_autoptr(NorthMcpPromptResult) result = north_mcp_prompt_result_new (NULL);

  north_mcp_prompt_result_add_text (result, NORTH_MCP_ROLE_USER, "async prompt");
  north_mcp_context_return_prompt_result (context, result);
  return G_SOURCE_REMOVE;
}

static void
async_get (NorthMcpPrompt  *prompt,
           NorthMcpContext *context,
           GHashTable      *arguments,
           gpointer         user_data)
{
  Fixture *fixture = user_data;

  fixture->held = g_object_ref (context);
  g_idle_add (complete_held_prompt, fixture);
}

static const char * const languages[] = { "English", "Esperanto", "Estonian", "French", "German", NULL };

static char **
complete_language (NorthMcpContext  *context,
                   const char       *argument,
                   const char       *value,
                   GHashTable       *arguments,
                   gpointer          user_data,
                   GError          **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  if (g_str_equal (argument, "name"))
    {
      /* Offers the name the context already implies, to prove it arrives. */
      const char *language = g_hash_table_lookup (arguments, "language");

      if (g_strcmp0 (language, "French") == 0)
        g_strv_builder_add (builder, "Jean");
      return g_strv_builder_end (builder);
    }

  if (g_str_equal (argument, "boom"))
    {
      g_set_error_literal (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT, "cannot complete boom");
      return NULL;
    }

  for (guint i = 0; languages[i] != NULL; i++)
    if (g_str_has_prefix (languages[i], value))
      g_strv_builder_add (builder, languages[i]);
  return g_strv_builder_end (builder);
}

static char **
complete_many (NorthMcpContext  *context,
               const char       *argument,
               const char       *value,
               GHashTable       *arguments,
               gpointer          user_data,
               GError          **error)
{
  GStrv values = g_new0 (char *, 151);

  for (guint i = 0; i < 150; i++)
    values[i] = g_strdup_printf ("%s%03u", value, i);
  return values;
}

static void
complete_async (NorthMcpContext *context,
                const char      *argument,
                const char      *value,
                GHashTable      *arguments,
                gpointer         user_data)
{
  const char * const values[] = { "main", "master", NULL };

  /* Answers with a total larger than what it sends. */
  north_mcp_context_return_completion (context, values, 10, TRUE);
}

static NorthMcpToolResult *
logging_tool (NorthMcpTool     *tool,
              NorthMcpContext  *context,
              JsonObject       *arguments,
              gpointer          user_data,
              GError          **error)
{
  g_autoptr(JsonNode) data = test_parse_json ("{\"rows\":3}");

  north_mcp_context_log_message (context, NORTH_MCP_LOG_LEVEL_DEBUG, "db", "debug line");
  north_mcp_context_log_message (context, NORTH_MCP_LOG_LEVEL_INFO, "db", "info line");
  north_mcp_context_log (context, NORTH_MCP_LOG_LEVEL_WARNING, NULL, data);
  north_mcp_context_log_message (context, NORTH_MCP_LOG_LEVEL_ERROR, "db", "error line");
  return north_mcp_tool_result_new_text ("logged");
}

static NorthMcpToolResult *
progress_tool (NorthMcpTool     *tool,
               NorthMcpContext  *context,
               JsonObject       *arguments,
               gpointer          user_data,
               GError          **error)
{
  north_mcp_context_report_progress (context, 1, 4, "one");
  north_mcp_context_report_progress (context, 1, 4, "one again");  /* not increasing: dropped */
  north_mcp_context_report_progress (context, 0.5, 4, "backwards"); /* dropped */
  north_mcp_context_report_progress (context, 2.5, -1, NULL);
  return north_mcp_tool_result_new_text ("progressed");
}

static void
holding_tool (NorthMcpTool    *tool,
              NorthMcpContext *context,
              JsonObject      *arguments,
              gpointer         user_data)
{
  Fixture *fixture = user_data;

  g_assert_null (fixture->held);
  fixture->held = g_object_ref (context);
}

/* Server-to-client requests: each tool records how its request ended and
 * answers with a text saying so. */

static void
record_outbound (Fixture    *fixture,
                 JsonObject *result,
                 GError     *error)
{
  g_clear_pointer (&fixture->outbound_result, json_object_unref);
  g_clear_error (&fixture->outbound_error);
  fixture->outbound_result = result;
  fixture->outbound_error = error;
}

typedef struct {
  Fixture         *fixture;
  NorthMcpContext *context;
} Call;

static void
call_finish (Call *call)
{
  g_autoptr(NorthMcpToolResult) result = NULL;

  if (call->fixture->outbound_error != NULL)
    result = north_mcp_tool_result_new_error (call->fixture->outbound_error->message);
  else
    result = north_mcp_tool_result_new_text ("answered");
  north_mcp_context_return_tool_result (call->context, result);
  g_object_unref (call->context);
  g_free (call);
}

static void
sampled_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Call *call = user_data;
  GError *error = NULL;
  JsonObject *answer = north_mcp_context_sample_finish (NORTH_MCP_CONTEXT (source), result, &error);

  record_outbound (call->fixture, answer, error);
  call_finish (call);
}

static Call *
call_new (Fixture         *fixture,
          NorthMcpContext *context)
{
  Call *call = g_new0 (Call, 1);

  call->fixture = fixture;
  call->context = g_object_ref (context);
  return call;
}

static void
sampling_tool (NorthMcpTool    *tool,
               NorthMcpContext *context,
               JsonObject      *arguments,
               gpointer         user_data)
{
  g_autoptr(JsonNode) params =
    test_parse_json ("{\"messages\":[{\"role\":\"user\",\"content\":{\"type\":\"text\",\"text\":\"hi\"}}],"
                     "\"maxTokens\":100}");

  north_mcp_context_sample_async (context, json_node_get_object (params),
                                  north_mcp_context_get_cancellable (context),
                                  sampled_cb, call_new (user_data, context));
}

static void
sampling_tools_tool (NorthMcpTool    *tool,
                     NorthMcpContext *context,
                     JsonObject      *arguments,
                     gpointer         user_data)
{
  g_autoptr(JsonNode) params =
    test_parse_json ("{\"messages\":[{\"role\":\"user\",\"content\":{\"type\":\"text\",\"text\":\"hi\"}}],"
                     "\"maxTokens\":100,\"tools\":[{\"name\":\"t\",\"inputSchema\":{\"type\":\"object\"}}]}");

  north_mcp_context_sample_async (context, json_node_get_object (params), NULL,
                                  sampled_cb, call_new (user_data, context));
}

static void
elicited_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Call *call = user_data;
  GError *error = NULL;
  JsonObject *answer = north_mcp_context_elicit_finish (NORTH_MCP_CONTEXT (source), result, &error);

  record_outbound (call->fixture, answer, error);
  call_finish (call);
}

static void
elicit_form_tool (NorthMcpTool    *tool,
                  NorthMcpContext *context,
                  JsonObject      *arguments,
                  gpointer         user_data)
{
  g_autoptr(JsonNode) schema =
    test_parse_json ("{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\",\"default\":\"Ada\"}}}");

  north_mcp_context_elicit_async (context, "Your name?", json_node_get_object (schema), NULL,
                                  elicited_cb, call_new (user_data, context));
}

static void
elicited_url_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Call *call = user_data;
  GError *error = NULL;
  JsonObject *answer = north_mcp_context_elicit_url_finish (NORTH_MCP_CONTEXT (source), result, &error);

  record_outbound (call->fixture, answer, error);
  call_finish (call);
}

static void
elicit_url_tool (NorthMcpTool    *tool,
                 NorthMcpContext *context,
                 JsonObject      *arguments,
                 gpointer         user_data)
{
  north_mcp_context_elicit_url_async (context, "Sign in to continue", "https://example.com/login?s=1",
                                      "elicit-42", NULL, elicited_url_cb, call_new (user_data, context));
}

static void
roots_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Call *call = user_data;
  GError *error = NULL;
  g_autoptr(JsonArray) roots = north_mcp_context_list_roots_finish (NORTH_MCP_CONTEXT (source), result, &error);
  JsonObject *answer = NULL;

  if (roots != NULL)
    {
      answer = json_object_new ();
      json_object_set_array_member (answer, "roots", json_array_ref (roots));
    }
  record_outbound (call->fixture, answer, error);
  call_finish (call);
}

static void
roots_tool (NorthMcpTool    *tool,
            NorthMcpContext *context,
            JsonObject      *arguments,
            gpointer         user_data)
{
  north_mcp_context_list_roots_async (context, NULL, roots_cb, call_new (user_data, context));
}

static void
roots_cancellable_tool (NorthMcpTool    *tool,
                        NorthMcpContext *context,
                        JsonObject      *arguments,
                        gpointer         user_data)
{
  Fixture *fixture = user_data;

  north_mcp_context_list_roots_async (context, fixture->cancellable, roots_cb, call_new (fixture, context));
}

static void
needs_login_tool (NorthMcpTool    *tool,
                  NorthMcpContext *context,
                  JsonObject      *arguments,
                  gpointer         user_data)
{
  north_mcp_context_return_url_elicitation_required (context, "Sign in to GitHub first",
                                                     "https://github.com/login/oauth?state=x",
                                                     "gh-login-1");
}

/* Fixture. */

static void
add_async_tool (Fixture               *fixture,
                const char            *name,
                NorthMcpToolAsyncFunc  func)
{
  g_autoptr(NorthMcpTool) tool = north_mcp_tool_new (name, "a test tool");

  north_mcp_tool_set_async_func (tool, func, fixture, NULL);
  north_mcp_server_add_tool (fixture->server, tool);
}

static void
add_tool (Fixture          *fixture,
          const char       *name,
          NorthMcpToolFunc  func)
{
  g_autoptr(NorthMcpTool) tool = north_mcp_tool_new (name, "a test tool");

  north_mcp_tool_set_func (tool, func, fixture, NULL);
  north_mcp_server_add_tool (fixture->server, tool);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->server = north_mcp_server_new ("features", "1.0.0");
  fixture->channel = test_channel_new (TRUE);
  fixture->standalone = test_channel_new (TRUE);
  fixture->session = g_object_ref (north_mcp_server_create_session (fixture->server, NULL));
  north_mcp_session_set_standalone_channel (fixture->session, NORTH_MCP_CHANNEL (fixture->standalone));

  add_tool (fixture, "logging", logging_tool);
  add_tool (fixture, "progress", progress_tool);
  add_async_tool (fixture, "holding", holding_tool);
  add_async_tool (fixture, "sampling", sampling_tool);
  add_async_tool (fixture, "elicit_url", elicit_url_tool);
  add_async_tool (fixture, "sampling_tools", sampling_tools_tool);
  add_async_tool (fixture, "elicit_form", elicit_form_tool);
  add_async_tool (fixture, "needs_login", needs_login_tool);
  add_async_tool (fixture, "roots", roots_tool);
  add_async_tool (fixture, "roots_cancellable", roots_cancellable_tool);
  /* The list_changed due goes to no session yet. */
  test_run_pending ();
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->held);
  g_clear_object (&fixture->cancellable);
  g_clear_pointer (&fixture->outbound_result, json_object_unref);
  g_clear_error (&fixture->outbound_error);
  g_clear_object (&fixture->session);
  g_clear_object (&fixture->server);
  g_clear_object (&fixture->channel);
  g_clear_object (&fixture->standalone);
}

/* Resources. */

static void
add_standard_resources (Fixture *fixture)
{
  g_autoptr(GBytes) png = g_bytes_new_static ("\x89PNG\r\n", 6);
  g_autoptr(NorthMcpResource) text =
    north_mcp_resource_new_text ("test://static-text", "static-text", "text/plain",
                                 "This is the content of the static text resource.");
  g_autoptr(NorthMcpResource) binary =
    north_mcp_resource_new_blob ("test://static-binary", "static-binary", "image/png", png);
  g_autoptr(NorthMcpResource) multi = north_mcp_resource_new ("test://multi", "multi");
  g_autoptr(NorthMcpResource) async = north_mcp_resource_new ("test://async", "async");
  g_autoptr(NorthMcpResource) counter = g_object_new (counter_resource_get_type (),
                                                      "uri", "test://counter", "name", "counter",
                                                      "title", "Counter", NULL);
  g_autoptr(JsonNode) annotations = test_parse_json ("{\"audience\":[\"user\"],\"priority\":0.5}");
  g_autoptr(JsonNode) icons = test_parse_json ("[{\"src\":\"https://example.com/i.png\",\"mimeType\":\"image/png\"}]");
  g_autoptr(JsonNode) meta = test_parse_json ("{\"example.com/kind\":\"doc\"}");

  north_mcp_feature_set_title (NORTH_MCP_FEATURE (text), "Static text");
  north_mcp_feature_set_description (NORTH_MCP_FEATURE (text), "A static text resource");
  north_mcp_feature_set_annotations (NORTH_MCP_FEATURE (text), json_node_get_object (annotations));
  north_mcp_feature_set_icons (NORTH_MCP_FEATURE (text), json_node_get_array (icons));
  north_mcp_feature_set_meta (NORTH_MCP_FEATURE (text), json_node_get_object (meta));
  north_mcp_resource_set_func (multi, multi_read, NULL, NULL);
  north_mcp_resource_set_size (multi, 1234);
  north_mcp_resource_set_async_func (async, async_read, fixture, NULL);

  north_mcp_server_add_resource (fixture->server, text);
  north_mcp_server_add_resource (fixture->server, binary);
  north_mcp_server_add_resource (fixture->server, multi);
  north_mcp_server_add_resource (fixture->server, async);
  north_mcp_server_add_resource (fixture->server, counter);
}

static void
add_standard_templates (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NorthMcpResourceTemplate) data =
    north_mcp_resource_template_new ("test://template/{id}/data", "template", &error);
  g_autoptr(NorthMcpResourceTemplate) pair =
    north_mcp_resource_template_new ("repo://{owner}/{repo}", "repo", &error);
  g_autoptr(NorthMcpResourceTemplate) shadow =
    north_mcp_resource_template_new ("test://{name}", "shadow", &error);

  g_assert_no_error (error);
  north_mcp_resource_template_set_mime_type (data, "application/json");
  north_mcp_feature_set_description (NORTH_MCP_FEATURE (data), "Data by id");
  north_mcp_resource_template_set_func (data, template_read, NULL, NULL);
  north_mcp_resource_template_set_completion_func (data, complete_many, NULL, NULL);
  north_mcp_resource_template_set_func (pair, pair_read, NULL, NULL);
  north_mcp_resource_template_set_completion_async_func (pair, complete_async, NULL, NULL);
  /* Matches every test://x URI; fixed resources must win over it. */
  north_mcp_resource_template_set_func (shadow, shadow_read, NULL, NULL);

  north_mcp_server_add_resource_template (fixture->server, data);
  north_mcp_server_add_resource_template (fixture->server, pair);
  north_mcp_server_add_resource_template (fixture->server, shadow);
}

static void
test_resources_list_pagination (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autofree char *second = NULL;
  g_autofree char *third = NULL;
  JsonObject *result;
  JsonArray *resources;
  JsonObject *text;

  add_standard_resources (fixture);
  north_mcp_server_set_page_size (fixture->server, 2);
  initialize (fixture, "{}");

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/list\"}");
  result = result_of (fixture, 1);
  assert_schema_valid (result, "ListResourcesResult");
  resources = json_object_get_array_member (result, "resources");
  g_assert_cmpuint (json_array_get_length (resources), ==, 2);
  text = json_array_get_object_element (resources, 0);
  g_assert_cmpstr (json_object_get_string_member (text, "uri"), ==, "test://static-text");
  g_assert_cmpstr (json_object_get_string_member (text, "name"), ==, "static-text");
  g_assert_cmpstr (json_object_get_string_member (text, "title"), ==, "Static text");
  g_assert_cmpstr (json_object_get_string_member (text, "mimeType"), ==, "text/plain");
  /* Static contents report their own size. */
  g_assert_cmpint (json_object_get_int_member (text, "size"), ==,
                   strlen ("This is the content of the static text resource."));
  g_assert_true (json_object_has_member (text, "annotations"));
  g_assert_true (json_object_has_member (text, "icons"));
  g_assert_true (json_object_has_member (text, "_meta"));
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (resources, 1), "size"), ==, 6);
  g_assert_true (json_object_has_member (result, "nextCursor"));

  second = g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"resources/list\","
                            "\"params\":{\"cursor\":\"%s\"}}",
                            json_object_get_string_member (result, "nextCursor"));
  send (fixture, second);
  result = result_of (fixture, 2);
  resources = json_object_get_array_member (result, "resources");
  g_assert_cmpuint (json_array_get_length (resources), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (resources, 0), "uri"),
                   ==, "test://multi");
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (resources, 0), "size"), ==, 1234);
  /* A resource read by a function has no known size. */
  g_assert_false (json_object_has_member (json_array_get_object_element (resources, 1), "size"));

  third = g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"resources/list\","
                           "\"params\":{\"cursor\":\"%s\"}}",
                           json_object_get_string_member (result, "nextCursor"));
  send (fixture, third);
  result = result_of (fixture, 3);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (result, "resources")), ==, 1);
  g_assert_false (json_object_has_member (result, "nextCursor"));

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"resources/list\",\"params\":{\"cursor\":\"bm9wZQ==\"}}");
  error_of (fixture, 4, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"resources/list\",\"params\":{\"cursor\":17}}");
  error_of (fixture, 5, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS);
}

static void
test_resources_read (Fixture       *fixture,
                     gconstpointer  data)
{
  JsonObject *result;
  JsonArray *contents;
  JsonObject *item;
  g_autofree guchar *decoded = NULL;
  gsize length = 0;

  add_standard_resources (fixture);
  initialize (fixture, "{}");

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/read\",\"params\":{\"uri\":\"test://static-text\"}}");
  result = result_of (fixture, 1);
  assert_schema_valid (result, "ReadResourceResult");
  contents = json_object_get_array_member (result, "contents");
  g_assert_cmpuint (json_array_get_length (contents), ==, 1);
  item = json_array_get_object_element (contents, 0);
  g_assert_cmpstr (json_object_get_string_member (item, "uri"), ==, "test://static-text");
  g_assert_cmpstr (json_object_get_string_member (item, "mimeType"), ==, "text/plain");
  g_assert_cmpstr (json_object_get_string_member (item, "text"), ==,
                   "This is the content of the static text resource.");

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"resources/read\",\"params\":{\"uri\":\"test://static-binary\"}}");
  result = result_of (fixture, 2);
  assert_schema_valid (result, "ReadResourceResult");
  item = json_array_get_object_element (json_object_get_array_member (result, "contents"), 0);
  g_assert_false (json_object_has_member (item, "text"));
  decoded = g_base64_decode (json_object_get_string_member (item, "blob"), &length);
  g_assert_cmpmem (decoded, length, "\x89PNG\r\n", 6);

  /* One read, several contents. */
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"resources/read\",\"params\":{\"uri\":\"test://multi\"}}");
  result = result_of (fixture, 3);
  assert_schema_valid (result, "ReadResourceResult");
  contents = json_object_get_array_member (result, "contents");
  g_assert_cmpuint (json_array_get_length (contents), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (contents, 0), "text"), ==, "part a");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (contents, 1), "blob"), ==, "AAEC");

  /* Asynchronous: answered from an idle callback. */
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"resources/read\",\"params\":{\"uri\":\"test://async\"}}");
  g_assert_null (test_channel_find_response (fixture->channel, 4));
  g_assert_true (test_channel_wait_for (fixture->channel, 4));
  item = json_array_get_object_element (json_object_get_array_member (result_of (fixture, 4), "contents"), 0);
  g_assert_cmpstr (json_object_get_string_member (item, "text"), ==, "later");

  /* Subclass. */
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"resources/read\",\"params\":{\"uri\":\"test://counter\"}}");
  item = json_array_get_object_element (json_object_get_array_member (result_of (fixture, 5), "contents"), 0);
  g_assert_true (g_str_has_prefix (json_object_get_string_member (item, "text"), "read "));
}

static void
test_resources_read_errors (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(NorthMcpResource) argument = north_mcp_resource_new ("test://argument", "argument");
  g_autoptr(NorthMcpResource) io = north_mcp_resource_new ("test://io", "io");
  g_autoptr(NorthMcpResource) empty = north_mcp_resource_new ("test://empty", "empty");
  g_autoptr(NorthMcpResource) nothing = north_mcp_resource_new ("test://nothing", "nothing");
  g_autoptr(NorthMcpResource) gone = north_mcp_resource_new ("test://gone", "gone");
  JsonObject *error;
  JsonObject *error_data;

  north_mcp_resource_set_func (argument, failing_read, (gpointer) "argument", NULL);
  north_mcp_resource_set_func (io, failing_read, (gpointer) "io", NULL);
  north_mcp_resource_set_func (empty, failing_read, (gpointer) "empty", NULL);
  north_mcp_server_add_resource (fixture->server, argument);
  north_mcp_server_add_resource (fixture->server, io);
  north_mcp_server_add_resource (fixture->server, empty);
  north_mcp_server_add_resource (fixture->server, nothing);
  north_mcp_resource_set_func (gone, failing_read, (gpointer) "gone", NULL);
  north_mcp_server_add_resource (fixture->server, gone);
  initialize (fixture, "{}");

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/read\",\"params\":{\"uri\":\"test://missing\"}}");
  error = error_of (fixture, 1, NORTH_MCP_JSONRPC_ERROR_RESOURCE_NOT_FOUND);
  assert_error_mentions (error, "test://missing");
  error_data = json_object_get_object_member (error, "data");
  g_assert_cmpstr (json_object_get_string_member (error_data, "uri"), ==, "test://missing");

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"resources/read\",\"params\":{}}");
  error_of (fixture, 2, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"resources/read\",\"params\":{\"uri\":42}}");
  error_of (fixture, 3, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"resources/read\",\"params\":{\"uri\":\"\"}}");
  error_of (fixture, 4, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS);

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"resources/read\",\"params\":{\"uri\":\"test://argument\"}}");
  assert_error_mentions (error_of (fixture, 5, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS), "bad row id");
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"resources/read\",\"params\":{\"uri\":\"test://io\"}}");
  assert_error_mentions (error_of (fixture, 6, NORTH_MCP_JSONRPC_ERROR_INTERNAL_ERROR), "the disk is gone");
  /* Never an empty contents array. */
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"resources/read\",\"params\":{\"uri\":\"test://empty\"}}");
  error_of (fixture, 7, NORTH_MCP_JSONRPC_ERROR_INTERNAL_ERROR);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"resources/read\",\"params\":{\"uri\":\"test://nothing\"}}");
  error_of (fixture, 8, NORTH_MCP_JSONRPC_ERROR_INTERNAL_ERROR);

  /* A handler may report not-found itself; the URI is added. */
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"resources/read\",\"params\":{\"uri\":\"test://gone\"}}");
  error = error_of (fixture, 10, NORTH_MCP_JSONRPC_ERROR_RESOURCE_NOT_FOUND);
  assert_error_mentions (error, "deleted a moment ago");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (error, "data"), "uri"),
                   ==, "test://gone");

  /* After 2025-11-25 the not-found code is invalid params, still with the URI. */
  north_mcp_session_set_protocol_version (fixture->session, "2026-07-28");
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"resources/read\",\"params\":{\"uri\":\"test://missing\"}}");
  error = error_of (fixture, 9, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS);
  error_data = json_object_get_object_member (error, "data");
  g_assert_cmpstr (json_object_get_string_member (error_data, "uri"), ==, "test://missing");
}

static void
test_resource_templates (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NorthMcpResourceTemplate) bad = NULL;
  g_autofree char *next = NULL;
  JsonObject *result;
  JsonArray *templates;
  JsonObject *item;

  add_standard_resources (fixture);
  add_standard_templates (fixture);
  north_mcp_server_set_page_size (fixture->server, 2);
  initialize (fixture, "{}");

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/templates/list\"}");
  result = result_of (fixture, 1);
  assert_schema_valid (result, "ListResourceTemplatesResult");
  templates = json_object_get_array_member (result, "resourceTemplates");
  g_assert_cmpuint (json_array_get_length (templates), ==, 2);
  item = json_array_get_object_element (templates, 0);
  g_assert_cmpstr (json_object_get_string_member (item, "uriTemplate"), ==, "test://template/{id}/data");
  g_assert_cmpstr (json_object_get_string_member (item, "name"), ==, "template");
  g_assert_cmpstr (json_object_get_string_member (item, "mimeType"), ==, "application/json");
  next = g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"resources/templates/list\","
                          "\"params\":{\"cursor\":\"%s\"}}", json_object_get_string_member (result, "nextCursor"));
  send (fixture, next);
  result = result_of (fixture, 2);
  templates = json_object_get_array_member (result, "resourceTemplates");
  g_assert_cmpuint (json_array_get_length (templates), ==, 1);
  g_assert_false (json_object_has_member (result, "nextCursor"));
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"resources/templates/list\",\"params\":{\"cursor\":\"!!\"}}");
  error_of (fixture, 3, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS);

  /* A page size that means "everything": a forged cursor past the first
   * item gives the rest, not an overflowed page (G_MAXUINT + 1 wraps). */
  north_mcp_server_set_page_size (fixture->server, G_MAXUINT);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":31,\"method\":\"resources/templates/list\","
                 "\"params\":{\"cursor\":\"bzox\"}}");
  result = result_of (fixture, 31);
  templates = json_object_get_array_member (result, "resourceTemplates");
  g_assert_cmpuint (json_array_get_length (templates), ==, 2);
  g_assert_false (json_object_has_member (result, "nextCursor"));

  /* Templates are not listed as resources. */
  north_mcp_server_set_page_size (fixture->server, 100);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"resources/list\"}");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (result_of (fixture, 4), "resources")), ==, 5);

  /* Matching and extraction, percent-decoded. */
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"resources/read\",\"params\":{\"uri\":\"test://template/123/data\"}}");
  item = json_array_get_object_element (json_object_get_array_member (result_of (fixture, 5), "contents"), 0);
  g_assert_cmpstr (json_object_get_string_member (item, "uri"), ==, "test://template/123/data");
  g_assert_cmpstr (json_object_get_string_member (item, "text"), ==, "{\"id\":\"123\",\"templateTest\":true}");
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"resources/read\",\"params\":{\"uri\":\"repo://gnome/glib%20x\"}}");
  item = json_array_get_object_element (json_object_get_array_member (result_of (fixture, 6), "contents"), 0);
  g_assert_cmpstr (json_object_get_string_member (item, "text"), ==, "owner=gnome repo=glib x");
  g_assert_false (json_object_has_member (item, "mimeType"));

  /* A fixed resource wins over a template that also matches it. */
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"resources/read\",\"params\":{\"uri\":\"test://static-text\"}}");
  item = json_array_get_object_element (json_object_get_array_member (result_of (fixture, 7), "contents"), 0);
  g_assert_cmpstr (json_object_get_string_member (item, "text"), ==,
                   "This is the content of the static text resource.");
  /* The first matching template wins; the catch-all comes last. */
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"resources/read\",\"params\":{\"uri\":\"test://other\"}}");
  item = json_array_get_object_element (json_object_get_array_member (result_of (fixture, 8), "contents"), 0);
  g_assert_cmpstr (json_object_get_string_member (item, "text"), ==, "name=other");

  /* Variables must be non-empty and may not span a slash. */
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"resources/read\",\"params\":{\"uri\":\"test://template//data\"}}");
  error_of (fixture, 9, NORTH_MCP_JSONRPC_ERROR_RESOURCE_NOT_FOUND);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"resources/read\",\"params\":{\"uri\":\"repo://a/b/c\"}}");
  error_of (fixture, 10, NORTH_MCP_JSONRPC_ERROR_RESOURCE_NOT_FOUND);

  /* Removing a template makes its URIs unknown. */
  g_assert_true (north_mcp_server_remove_resource_template (fixture->server, "repo://{owner}/{repo}"));
  g_assert_false (north_mcp_server_remove_resource_template (fixture->server, "repo://{owner}/{repo}"));
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"resources/read\",\"params\":{\"uri\":\"repo://gnome/glib\"}}");
  error_of (fixture, 11, NORTH_MCP_JSONRPC_ERROR_RESOURCE_NOT_FOUND);

  bad = north_mcp_resource_template_new ("test://{unclosed", "bad", &error);
  g_assert_null (bad);
  g_assert_nonnull (error);
}

static void
test_resources_subscribe (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(TestChannel) other_stream = test_channel_new (TRUE);
  g_autoptr(TestChannel) other_channel = test_channel_new (TRUE);
  NorthMcpSession *other;
  NorthMcpSession *uninitialized;
  JsonObject *notification;

  add_standard_resources (fixture);
  initialize (fixture, "{}");
  other = north_mcp_server_create_session (fixture->server, NORTH_MCP_CHANNEL (other_stream));
  initialize_session (fixture, other, "{}");
  uninitialized = north_mcp_server_create_session (fixture->server, NORTH_MCP_CHANNEL (other_stream));
  north_mcp_session_subscribe (uninitialized, "test://static-text", NULL);
  test_channel_clear (fixture->standalone);
  test_channel_clear (other_stream);

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/subscribe\",\"params\":{\"uri\":\"test://static-text\"}}");
  g_assert_cmpuint (json_object_get_size (result_of (fixture, 1)), ==, 0);
  g_assert_true (north_mcp_session_is_subscribed (fixture->session, "test://static-text"));
  g_assert_false (north_mcp_session_is_subscribed (other, "test://static-text"));
  send_to (fixture, other, other_channel,
           "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/subscribe\",\"params\":{\"uri\":\"test://multi\"}}");
  g_assert_nonnull (test_channel_find_response (other_channel, 1));

  north_mcp_server_notify_resource_updated (fixture->server, "test://static-text");
  g_assert_cmpuint (test_channel_get_messages (fixture->standalone)->len, ==, 1);
  notification = nth_with_method (fixture->standalone, "notifications/resources/updated", 0);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (notification, "params"), "uri"),
                   ==, "test://static-text");
  /* Neither the other session nor the uninitialized one (same stream). */
  g_assert_cmpuint (test_channel_get_messages (other_stream)->len, ==, 0);

  north_mcp_server_notify_resource_updated (fixture->server, "test://multi");
  g_assert_cmpuint (test_channel_get_messages (fixture->standalone)->len, ==, 1);
  g_assert_cmpuint (count_method (other_stream, "notifications/resources/updated"), ==, 1);

  north_mcp_server_notify_resource_updated (fixture->server, "test://nobody-watches");
  g_assert_cmpuint (test_channel_get_messages (fixture->standalone)->len, ==, 1);
  g_assert_cmpuint (test_channel_get_messages (other_stream)->len, ==, 1);

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"resources/unsubscribe\",\"params\":{\"uri\":\"test://static-text\"}}");
  g_assert_cmpuint (json_object_get_size (result_of (fixture, 2)), ==, 0);
  north_mcp_server_notify_resource_updated (fixture->server, "test://static-text");
  g_assert_cmpuint (test_channel_get_messages (fixture->standalone)->len, ==, 1);
  /* Unsubscribing from what was never subscribed is fine. */
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"resources/unsubscribe\",\"params\":{\"uri\":\"test://static-text\"}}");
  result_of (fixture, 3);

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"resources/subscribe\",\"params\":{}}");
  error_of (fixture, 4, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"resources/unsubscribe\",\"params\":{\"uri\":[]}}");
  error_of (fixture, 5, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS);

  /* Stateless HTTP: accepted, nothing to remember. */
  send_to (fixture, NULL, fixture->channel,
           "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"resources/subscribe\",\"params\":{\"uri\":\"test://multi\"}}");
  result_of (fixture, 6);
}

/* An update is told to the subscribers of its URI, at the cost of those:
 * it looked at every session, and a client that opened many (up to
 * max-sessions) made every update cost that many. */
static void
test_resource_update_visits_its_subscribers (Fixture       *fixture,
                                             gconstpointer  data)
{
  NorthMcpSessionManager *manager = north_mcp_server_get_session_manager (fixture->server);
  g_autoptr(TestChannel) stream = test_channel_new (TRUE);
  guint64 before;

  add_standard_resources (fixture);
  initialize (fixture, "{}");
  for (guint i = 0; i < 200; i++)
    initialize_session (fixture, north_mcp_server_create_session (fixture->server, NORTH_MCP_CHANNEL (stream)),
                        "{}");
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/subscribe\",\"params\":{\"uri\":\"test://static-text\"}}");
  result_of (fixture, 1);
  test_channel_clear (fixture->standalone);

  before = north_mcp_session_manager_get_update_visits (manager);
  north_mcp_server_notify_resource_updated (fixture->server, "test://static-text");
  g_assert_cmpuint (north_mcp_session_manager_get_update_visits (manager) - before, ==, 1);
  g_assert_cmpuint (count_method (fixture->standalone, "notifications/resources/updated"), ==, 1);

  before = north_mcp_session_manager_get_update_visits (manager);
  north_mcp_server_notify_resource_updated (fixture->server, "test://nobody-watches");
  g_assert_cmpuint (north_mcp_session_manager_get_update_visits (manager) - before, ==, 0);

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"resources/unsubscribe\",\"params\":{\"uri\":\"test://static-text\"}}");
  result_of (fixture, 2);
  before = north_mcp_session_manager_get_update_visits (manager);
  north_mcp_server_notify_resource_updated (fixture->server, "test://static-text");
  g_assert_cmpuint (north_mcp_session_manager_get_update_visits (manager) - before, ==, 0);
  g_assert_cmpuint (count_method (fixture->standalone, "notifications/resources/updated"), ==, 1);
  g_assert_cmpuint (test_channel_get_messages (stream)->len, ==, 0);
}

static void
test_resources_list_changed (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(NorthMcpResource) resource = north_mcp_resource_new_text ("test://late", "late", NULL, "x");
  g_autoptr(NorthMcpResource) replacement = north_mcp_resource_new_text ("test://late", "late2", NULL, "y");
  g_autoptr(NorthMcpResourceTemplate) template_ = north_mcp_resource_template_new ("test://t/{x}", "t", NULL);
  g_autoptr(GPtrArray) listed = NULL;

  initialize (fixture, "{}");
  test_channel_clear (fixture->standalone);

  north_mcp_server_add_resource (fixture->server, resource);
  north_mcp_server_add_resource (fixture->server, replacement);
  north_mcp_server_add_resource_template (fixture->server, template_);
  /* Changes made together are told once. */
  test_run_pending ();
  g_assert_cmpuint (count_method (fixture->standalone, "notifications/resources/list_changed"), ==, 1);

  /* Same URI: replaced in place. */
  listed = north_mcp_server_list_resources (fixture->server);
  g_assert_cmpuint (listed->len, ==, 1);
  g_assert_true (g_ptr_array_index (listed, 0) == replacement);
  g_assert_true (north_mcp_server_lookup_resource (fixture->server, "test://late") == replacement);
  g_clear_pointer (&listed, g_ptr_array_unref);
  listed = north_mcp_server_list_resource_templates (fixture->server);
  g_assert_cmpuint (listed->len, ==, 1);

  g_assert_true (north_mcp_server_remove_resource (fixture->server, "test://late"));
  g_assert_false (north_mcp_server_remove_resource (fixture->server, "test://late"));
  g_assert_null (north_mcp_server_lookup_resource (fixture->server, "test://late"));
  g_assert_true (north_mcp_server_remove_resource_template (fixture->server, "test://t/{x}"));
  test_run_pending ();
  g_assert_cmpuint (count_method (fixture->standalone, "notifications/resources/list_changed"), ==, 2);
}

static void
test_capabilities (Fixture       *fixture,
                   gconstpointer  data)
{
  NorthMcpProtocolHost *host = NORTH_MCP_PROTOCOL_HOST (fixture->server);
  g_autoptr(JsonObject) bare = north_mcp_protocol_host_build_capabilities (host);
  g_autoptr(JsonObject) with_prompt = NULL;
  g_autoptr(JsonObject) with_all = NULL;
  g_autoptr(NorthMcpPrompt) prompt = north_mcp_prompt_new ("p", "a prompt");
  g_autoptr(NorthMcpResource) resource = north_mcp_resource_new_text ("test://r", "r", NULL, "r");
  JsonObject *resources;

  g_assert_true (json_object_has_member (bare, "tools"));
  g_assert_true (json_object_has_member (bare, "logging"));
  g_assert_false (json_object_has_member (bare, "resources"));
  g_assert_false (json_object_has_member (bare, "prompts"));
  g_assert_false (json_object_has_member (bare, "completions"));

  /* Methods of capabilities not offered do not exist. */
  initialize (fixture, "{}");
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/list\"}");
  error_of (fixture, 1, NORTH_MCP_JSONRPC_ERROR_METHOD_NOT_FOUND);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"resources/read\",\"params\":{\"uri\":\"test://r\"}}");
  error_of (fixture, 2, NORTH_MCP_JSONRPC_ERROR_METHOD_NOT_FOUND);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"prompts/list\"}");
  error_of (fixture, 3, NORTH_MCP_JSONRPC_ERROR_METHOD_NOT_FOUND);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"completion/complete\",\"params\":{"
                 "\"ref\":{\"type\":\"ref/prompt\",\"name\":\"p\"},\"argument\":{\"name\":\"a\",\"value\":\"\"}}}");
  error_of (fixture, 4, NORTH_MCP_JSONRPC_ERROR_METHOD_NOT_FOUND);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"resources/subscribe\",\"params\":{\"uri\":\"test://r\"}}");
  error_of (fixture, 5, NORTH_MCP_JSONRPC_ERROR_METHOD_NOT_FOUND);

  north_mcp_server_add_prompt (fixture->server, prompt);
  with_prompt = north_mcp_protocol_host_build_capabilities (host);
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (with_prompt, "prompts"),
                                                 "listChanged"));
  g_assert_true (json_object_has_member (with_prompt, "completions"));
  g_assert_false (json_object_has_member (with_prompt, "resources"));

  north_mcp_server_add_resource (fixture->server, resource);
  with_all = north_mcp_protocol_host_build_capabilities (host);
  resources = json_object_get_object_member (with_all, "resources");
  g_assert_true (json_object_get_boolean_member (resources, "subscribe"));
  g_assert_true (json_object_get_boolean_member (resources, "listChanged"));

  /* And initialize reports them. */
  {
    g_autoptr(NorthMcpSession) fresh = g_object_ref (north_mcp_server_create_session (fixture->server, NULL));
    g_autoptr(TestChannel) channel = test_channel_new (TRUE);
    JsonObject *result;

    send_to (fixture, fresh, channel,
             "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"initialize\",\"params\":{"
             "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},"
             "\"clientInfo\":{\"name\":\"test\",\"version\":\"1\"}}}");
    result = json_object_get_object_member (test_channel_find_response (channel, 9), "result");
    assert_schema_valid (result, "InitializeResult");
    g_assert_true (json_object_has_member (json_object_get_object_member (result, "capabilities"), "resources"));
    g_assert_true (json_object_has_member (json_object_get_object_member (result, "capabilities"), "prompts"));
  }
}

/* Prompts. */

static void
add_standard_prompts (Fixture *fixture)
{
  g_autoptr(NorthMcpPrompt) greeting = north_mcp_prompt_new ("greeting", "Greets someone");
  g_autoptr(NorthMcpPrompt) media = north_mcp_prompt_new ("media", "Media of every kind");
  g_autoptr(NorthMcpPrompt) failing = north_mcp_prompt_new ("failing", "Always fails");
  g_autoptr(NorthMcpPrompt) async = north_mcp_prompt_new ("async", "Answers later");
  g_autoptr(NorthMcpPrompt) many = north_mcp_prompt_new ("many", "Too many completions");
  g_autoptr(NorthMcpPrompt) bare = north_mcp_prompt_new ("bare", "No completion handler");

  north_mcp_feature_set_title (NORTH_MCP_FEATURE (greeting), "Greeting");
  north_mcp_prompt_add_argument (greeting, "name", "Who to greet", TRUE);
  north_mcp_prompt_add_argument (greeting, "language", NULL, FALSE);
  north_mcp_prompt_set_func (greeting, greeting_get, NULL, NULL);
  north_mcp_prompt_set_completion_func (greeting, complete_language, NULL, NULL);
  north_mcp_prompt_set_func (media, media_get, NULL, NULL);
  north_mcp_prompt_set_func (failing, failing_get, NULL, NULL);
  north_mcp_prompt_set_async_func (async, async_get, fixture, NULL);
  north_mcp_prompt_add_argument (many, "prefix", NULL, FALSE);
  north_mcp_prompt_set_completion_func (many, complete_many, NULL, NULL);
  north_mcp_prompt_add_argument (bare, "x", NULL, FALSE);

  north_mcp_server_add_prompt (fixture->server, greeting);
  north_mcp_server_add_prompt (fixture->server, media);
  north_mcp_server_add_prompt (fixture->server, failing);
  north_mcp_server_add_prompt (fixture->server, async);
  north_mcp_server_add_prompt (fixture->server, many);
  north_mcp_server_add_prompt (fixture->server, bare);
}

static void
test_prompts_list (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *next = NULL;
  JsonObject *result;
  JsonArray *prompts;
  JsonObject *greeting;
  JsonArray *arguments;
  JsonObject *language;
  guint seen = 0;

  add_standard_prompts (fixture);
  north_mcp_server_set_page_size (fixture->server, 2);
  initialize (fixture, "{}");

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"prompts/list\"}");
  result = result_of (fixture, 1);
  assert_schema_valid (result, "ListPromptsResult");
  prompts = json_object_get_array_member (result, "prompts");
  g_assert_cmpuint (json_array_get_length (prompts), ==, 2);
  greeting = json_array_get_object_element (prompts, 0);
  g_assert_cmpstr (json_object_get_string_member (greeting, "name"), ==, "greeting");
  g_assert_cmpstr (json_object_get_string_member (greeting, "title"), ==, "Greeting");
  g_assert_cmpstr (json_object_get_string_member (greeting, "description"), ==, "Greets someone");
  arguments = json_object_get_array_member (greeting, "arguments");
  g_assert_cmpuint (json_array_get_length (arguments), ==, 2);
  g_assert_true (json_object_get_boolean_member (json_array_get_object_element (arguments, 0), "required"));
  language = json_array_get_object_element (arguments, 1);
  g_assert_false (json_object_has_member (language, "required"));
  g_assert_false (json_object_has_member (language, "description"));
  /* No arguments: no member. */
  g_assert_false (json_object_has_member (json_array_get_object_element (prompts, 1), "arguments"));

  /* Walk every page. */
  seen = json_array_get_length (prompts);
  for (gint64 id = 2; json_object_has_member (result, "nextCursor"); id++)
    {
      g_free (next);
      next = g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"id\":%" G_GINT64_FORMAT ",\"method\":\"prompts/list\","
                              "\"params\":{\"cursor\":\"%s\"}}", id,
                              json_object_get_string_member (result, "nextCursor"));
      send (fixture, next);
      result = result_of (fixture, id);
      seen += json_array_get_length (json_object_get_array_member (result, "prompts"));
      g_assert_cmpint (id, <, 10);
    }
  g_assert_cmpuint (seen, ==, 6);

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":20,\"method\":\"prompts/list\",\"params\":{\"cursor\":\"bzo5OQ==\"}}");
  error_of (fixture, 20, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS);
}

static void
test_prompts_get (Fixture       *fixture,
                  gconstpointer  data)
{
  JsonObject *result;
  JsonArray *messages;
  JsonObject *message;
  JsonObject *content;

  add_standard_prompts (fixture);
  initialize (fixture, "{}");

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"prompts/get\",\"params\":{\"name\":\"greeting\","
                 "\"arguments\":{\"name\":\"Ada\",\"language\":\"French\"}}}");
  result = result_of (fixture, 1);
  assert_schema_valid (result, "GetPromptResult");
  g_assert_cmpstr (json_object_get_string_member (result, "description"), ==, "A greeting");
  messages = json_object_get_array_member (result, "messages");
  g_assert_cmpuint (json_array_get_length (messages), ==, 2);
  message = json_array_get_object_element (messages, 0);
  g_assert_cmpstr (json_object_get_string_member (message, "role"), ==, "user");
  content = json_object_get_object_member (message, "content");
  g_assert_cmpstr (json_object_get_string_member (content, "text"), ==, "Hello Ada, in French");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (messages, 1), "role"),
                   ==, "assistant");

  /* Optional arguments may be left out; null arguments are none. */
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"prompts/get\",\"params\":{\"name\":\"greeting\","
                 "\"arguments\":{\"name\":\"Bo\"}}}");
  message = json_array_get_object_element (json_object_get_array_member (result_of (fixture, 2), "messages"), 0);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (message, "content"), "text"),
                   ==, "Hello Bo, in English");
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"prompts/get\",\"params\":{\"name\":\"media\",\"arguments\":null}}");
  result = result_of (fixture, 3);
  assert_schema_valid (result, "GetPromptResult");
  g_assert_false (json_object_has_member (result, "description"));
  messages = json_object_get_array_member (result, "messages");
  g_assert_cmpuint (json_array_get_length (messages), ==, 3);
  content = json_object_get_object_member (json_array_get_object_element (messages, 0), "content");
  g_assert_cmpstr (json_object_get_string_member (content, "type"), ==, "image");
  g_assert_cmpstr (json_object_get_string_member (content, "mimeType"), ==, "image/png");
  content = json_object_get_object_member (json_array_get_object_element (messages, 1), "content");
  g_assert_cmpstr (json_object_get_string_member (content, "type"), ==, "audio");
  g_assert_cmpstr (json_object_get_string_member (content, "mimeType"), ==, "audio/wav");
  content = json_object_get_object_member (json_array_get_object_element (messages, 2), "content");
  g_assert_cmpstr (json_object_get_string_member (content, "type"), ==, "resource");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (content, "resource"), "text"),
                   ==, "the doc");

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"prompts/get\",\"params\":{\"name\":\"async\"}}");
  g_assert_null (test_channel_find_response (fixture->channel, 4));
  g_assert_true (test_channel_wait_for (fixture->channel, 4));
  message = json_array_get_object_element (json_object_get_array_member (result_of (fixture, 4), "messages"), 0);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (message, "content"), "text"),
                   ==, "async prompt");
}

static void
test_prompts_get_errors (Fixture       *fixture,
                         gconstpointer  data)
{
  add_standard_prompts (fixture);
  initialize (fixture, "{}");

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"prompts/get\",\"params\":{\"name\":\"nope\"}}");
  assert_error_mentions (error_of (fixture, 1, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS), "'nope'");
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"prompts/get\",\"params\":{\"name\":\"greeting\"}}");
  assert_error_mentions (error_of (fixture, 2, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS), "'name'");
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"prompts/get\",\"params\":{\"name\":\"greeting\","
                 "\"arguments\":{\"language\":\"German\"}}}");
  assert_error_mentions (error_of (fixture, 3, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS), "missing required argument 'name'");
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"prompts/get\",\"params\":{\"name\":\"greeting\","
                 "\"arguments\":{\"name\":42}}}");
  assert_error_mentions (error_of (fixture, 4, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS), "'name' must be a string");
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"prompts/get\",\"params\":{\"name\":\"greeting\","
                 "\"arguments\":[\"Ada\"]}}");
  error_of (fixture, 5, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"prompts/get\",\"params\":{\"name\":\"greeting\","
                 "\"arguments\":{\"name\":null}}}");
  error_of (fixture, 6, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"prompts/get\",\"params\":{}}");
  error_of (fixture, 7, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"prompts/get\",\"params\":{\"name\":true}}");
  error_of (fixture, 8, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"prompts/get\",\"params\":{\"name\":\"failing\"}}");
  assert_error_mentions (error_of (fixture, 9, NORTH_MCP_JSONRPC_ERROR_INTERNAL_ERROR), "prompt exploded");
  /* A prompt without a handler fails cleanly. */
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"prompts/get\",\"params\":{\"name\":\"bare\"}}");
  error_of (fixture, 10, NORTH_MCP_JSONRPC_ERROR_INTERNAL_ERROR);
}

static void
test_prompts_list_changed (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(NorthMcpPrompt) prompt = north_mcp_prompt_new ("late", "added late");
  g_autoptr(GPtrArray) prompts = NULL;

  initialize (fixture, "{}");
  test_channel_clear (fixture->standalone);
  north_mcp_server_add_prompt (fixture->server, prompt);
  g_assert_true (north_mcp_server_lookup_prompt (fixture->server, "late") == prompt);
  prompts = north_mcp_server_list_prompts (fixture->server);
  g_assert_cmpuint (prompts->len, ==, 1);
  g_assert_true (north_mcp_server_remove_prompt (fixture->server, "late"));
  g_assert_false (north_mcp_server_remove_prompt (fixture->server, "late"));
  g_assert_null (north_mcp_server_lookup_prompt (fixture->server, "late"));
  test_run_pending ();
  g_assert_cmpuint (count_method (fixture->standalone, "notifications/prompts/list_changed"), ==, 1);
}

/* The array @member of the result of request @id. */
static JsonArray *
listed (Fixture    *fixture,
        gint64      id,
        const char *member)
{
  return json_object_get_array_member (result_of (fixture, id), member);
}

/* How many entries of @array have "name" @name. */
static guint
count_named (JsonArray  *array,
             const char *name)
{
  guint count = 0;

  for (guint i = 0; i < json_array_get_length (array); i++)
    if (g_strcmp0 (json_object_get_string_member (json_array_get_object_element (array, i), "name"), name) == 0)
      count++;
  return count;
}

/* Replacing a tool, prompt, resource or resource template under a key the
 * server has (issue 10). Each test drops its references on the first
 * object before it calls, so that the server is left with the replacement
 * alone: a registry still keyed by the first object's freed name shows up
 * as an invalid read under ASan, or as "unknown" in the answer. */

/* Handlers: each answers with the text it was given as user data, so that
 * the answer tells which of two objects ran. */

static NorthMcpToolResult *
tool_say (NorthMcpTool     *tool,
          NorthMcpContext  *context,
          JsonObject       *arguments,
          gpointer          user_data,
          GError          **error)
{
  return north_mcp_tool_result_new_text (user_data);
}

static NorthMcpPromptResult *
prompt_say (NorthMcpPrompt   *prompt,
            NorthMcpContext  *context,
            GHashTable       *arguments,
            gpointer          user_data,
            GError          **error)
{
  NorthMcpPromptResult *result = north_mcp_prompt_result_new (NULL);

  north_mcp_prompt_result_add_text (result, NORTH_MCP_ROLE_USER, user_data);
  return result;
}

static NorthMcpResourceContents *
resource_say (NorthMcpResource  *resource,
              NorthMcpContext   *context,
              gpointer           user_data,
              GError           **error)
{
  return north_mcp_resource_contents_new_text (north_mcp_resource_get_uri (resource), "text/plain", user_data);
}

static NorthMcpResourceContents *
template_say (NorthMcpResourceTemplate  *template_,
              NorthMcpContext           *context,
              const char                *uri,
              GHashTable                *variables,
              gpointer                   user_data,
              GError                   **error)
{
  return north_mcp_resource_contents_new_text (uri, "text/plain", user_data);
}

/* Registers a fresh object of each kind; the server keeps the only
 * reference. The names are built at run time so that nothing but the
 * object owns the string the registry is keyed by. */

static void
replace_tool (Fixture    *fixture,
              const char *text)
{
  g_autofree char *name = g_strdup ("echo");
  g_autoptr(NorthMcpTool) tool = north_mcp_tool_new (name, text);

  north_mcp_tool_set_func (tool, tool_say, (gpointer) text, NULL);
  north_mcp_server_add_tool (fixture->server, tool);
}

static void
replace_prompt (Fixture    *fixture,
                const char *text)
{
  g_autofree char *name = g_strdup ("greet");
  g_autoptr(NorthMcpPrompt) prompt = north_mcp_prompt_new (name, text);

  north_mcp_prompt_set_func (prompt, prompt_say, (gpointer) text, NULL);
  north_mcp_server_add_prompt (fixture->server, prompt);
}

static void
replace_resource (Fixture    *fixture,
                  const char *text)
{
  g_autofree char *uri = g_strdup ("test://doc");
  g_autoptr(NorthMcpResource) resource = north_mcp_resource_new (uri, text);

  north_mcp_resource_set_func (resource, resource_say, (gpointer) text, NULL);
  north_mcp_server_add_resource (fixture->server, resource);
}

static void
replace_template (Fixture    *fixture,
                  const char *text)
{
  g_autofree char *uri_template = g_strdup ("test://rows/{id}");
  g_autoptr(GError) error = NULL;
  g_autoptr(NorthMcpResourceTemplate) template_ =
    north_mcp_resource_template_new (uri_template, text, &error);

  g_assert_no_error (error);
  north_mcp_resource_template_set_func (template_, template_say, (gpointer) text, NULL);
  north_mcp_server_add_resource_template (fixture->server, template_);
}

static void
test_replace_tool (Fixture       *fixture,
                   gconstpointer  data)
{
  JsonArray *tools;

  initialize (fixture, "{}");
  test_channel_clear (fixture->standalone);
  replace_tool (fixture, "first");
  replace_tool (fixture, "second");
  test_run_pending ();
  g_assert_cmpuint (count_method (fixture->standalone, "notifications/tools/list_changed"), ==, 1);

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\","
                 "\"params\":{\"name\":\"echo\",\"arguments\":{}}}");
  g_assert_cmpstr (test_first_text (result_of (fixture, 1)), ==, "second");

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}");
  tools = listed (fixture, 2, "tools");
  g_assert_cmpuint (count_named (tools, "echo"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (tools, json_array_get_length (tools) - 1),
                                                  "description"), ==, "second");

  g_assert_nonnull (north_mcp_server_lookup_tool (fixture->server, "echo"));
  g_assert_true (north_mcp_server_remove_tool (fixture->server, "echo"));
  g_assert_null (north_mcp_server_lookup_tool (fixture->server, "echo"));
  test_run_pending ();
  g_assert_cmpuint (count_method (fixture->standalone, "notifications/tools/list_changed"), ==, 2);
}

/* The data of an asynchronous tool whose call outlives the tool. */
typedef struct {
  Fixture  *fixture;
  char     *answer;
  gboolean *freed;
} PendingData;

static void
pending_data_free (gpointer data)
{
  PendingData *pending = data;

  *pending->freed = TRUE;
  g_free (pending->answer);
  g_free (pending);
}

static void
pending_tool (NorthMcpTool    *tool,
              NorthMcpContext *context,
              JsonObject      *arguments,
              gpointer         user_data)
{
  PendingData *pending = user_data;

  g_assert_null (pending->fixture->held);
  pending->fixture->held = g_object_ref (context);
}

/* Completes the held call with the tool's data, as a handler's callback
 * would; under ASan, a freed @pending is a use after free. */
static void
complete_pending (Fixture     *fixture,
                  PendingData *pending)
{
  g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new_text (pending->answer);

  north_mcp_context_return_tool_result (fixture->held, result);
}

static void
test_replace_pending_tool (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(NorthMcpTool) tool = north_mcp_tool_new ("pending", "answers later");
  gboolean freed = FALSE;
  PendingData *pending = g_new0 (PendingData, 1);

  pending->fixture = fixture;
  pending->answer = g_strdup ("from the replaced tool");
  pending->freed = &freed;
  north_mcp_tool_set_async_func (tool, pending_tool, pending, pending_data_free);
  north_mcp_server_add_tool (fixture->server, tool);
  g_clear_object (&tool);

  initialize (fixture, "{}");
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\","
                 "\"params\":{\"name\":\"pending\",\"arguments\":{}}}");
  g_assert_nonnull (fixture->held);
  g_assert_null (test_channel_find_response (fixture->channel, 1));

  /* Replaced, then removed, while the call is pending: the server lets go
   * of the tool, the call's context keeps it. */
  replace_tool (fixture, "first");
  tool = north_mcp_tool_new ("pending", "the replacement");
  north_mcp_server_add_tool (fixture->server, tool);
  g_assert_true (north_mcp_server_remove_tool (fixture->server, "pending"));
  g_assert_false (freed);

  complete_pending (fixture, pending);
  g_assert_cmpstr (test_first_text (result_of (fixture, 1)), ==, "from the replaced tool");
  g_assert_false (freed);

  /* The last reference to the context was the handler's. */
  g_clear_object (&fixture->held);
  g_assert_true (freed);
}

static void
test_replace_prompt (Fixture       *fixture,
                     gconstpointer  data)
{
  JsonObject *result;
  JsonArray *prompts;

  initialize (fixture, "{}");
  test_channel_clear (fixture->standalone);
  replace_prompt (fixture, "first");
  replace_prompt (fixture, "second");
  test_run_pending ();
  g_assert_cmpuint (count_method (fixture->standalone, "notifications/prompts/list_changed"), ==, 1);

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"prompts/get\",\"params\":{\"name\":\"greet\"}}");
  result = result_of (fixture, 1);
  g_assert_cmpstr (json_object_get_string_member (
                     json_object_get_object_member (
                       json_array_get_object_element (json_object_get_array_member (result, "messages"), 0),
                       "content"),
                     "text"),
                   ==, "second");

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"prompts/list\"}");
  prompts = listed (fixture, 2, "prompts");
  g_assert_cmpuint (json_array_get_length (prompts), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (prompts, 0), "description"),
                   ==, "second");

  g_assert_true (north_mcp_server_remove_prompt (fixture->server, "greet"));
  g_assert_null (north_mcp_server_lookup_prompt (fixture->server, "greet"));
  test_run_pending ();
  g_assert_cmpuint (count_method (fixture->standalone, "notifications/prompts/list_changed"), ==, 2);
}

/* The text of the first contents of the resources/read answer to @id. */
static const char *
read_text (Fixture *fixture,
           gint64   id)
{
  JsonArray *contents = json_object_get_array_member (result_of (fixture, id), "contents");

  g_assert_cmpuint (json_array_get_length (contents), ==, 1);
  return json_object_get_string_member (json_array_get_object_element (contents, 0), "text");
}

static void
test_replace_resource (Fixture       *fixture,
                       gconstpointer  data)
{
  JsonArray *resources;

  initialize (fixture, "{}");
  test_channel_clear (fixture->standalone);
  replace_resource (fixture, "first");
  replace_resource (fixture, "second");
  test_run_pending ();
  g_assert_cmpuint (count_method (fixture->standalone, "notifications/resources/list_changed"), ==, 1);

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/read\",\"params\":{\"uri\":\"test://doc\"}}");
  g_assert_cmpstr (read_text (fixture, 1), ==, "second");

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"resources/list\"}");
  resources = listed (fixture, 2, "resources");
  g_assert_cmpuint (json_array_get_length (resources), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (resources, 0), "name"),
                   ==, "second");

  g_assert_true (north_mcp_server_remove_resource (fixture->server, "test://doc"));
  g_assert_null (north_mcp_server_lookup_resource (fixture->server, "test://doc"));
  test_run_pending ();
  g_assert_cmpuint (count_method (fixture->standalone, "notifications/resources/list_changed"), ==, 2);
}

static void
test_replace_resource_template (Fixture       *fixture,
                                gconstpointer  data)
{
  JsonArray *templates;

  initialize (fixture, "{}");
  test_channel_clear (fixture->standalone);
  replace_template (fixture, "first");
  replace_template (fixture, "second");
  test_run_pending ();
  g_assert_cmpuint (count_method (fixture->standalone, "notifications/resources/list_changed"), ==, 1);

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/read\",\"params\":{\"uri\":\"test://rows/7\"}}");
  g_assert_cmpstr (read_text (fixture, 1), ==, "second");

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"resources/templates/list\"}");
  templates = listed (fixture, 2, "resourceTemplates");
  g_assert_cmpuint (json_array_get_length (templates), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (templates, 0), "name"),
                   ==, "second");

  g_assert_true (north_mcp_server_remove_resource_template (fixture->server, "test://rows/{id}"));
  g_assert_false (north_mcp_server_remove_resource_template (fixture->server, "test://rows/{id}"));
  test_run_pending ();
  g_assert_cmpuint (count_method (fixture->standalone, "notifications/resources/list_changed"), ==, 2);
}

/* Adding the object the server already has changes nothing but still
 * notifies (once for both), and keeps it alive. */
static void
test_add_same_twice (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(NorthMcpTool) tool = north_mcp_tool_new ("echo", "only");

  initialize (fixture, "{}");
  test_channel_clear (fixture->standalone);
  north_mcp_tool_set_func (tool, tool_say, "only", NULL);
  north_mcp_server_add_tool (fixture->server, tool);
  north_mcp_server_add_tool (fixture->server, tool);
  g_clear_object (&tool);
  test_run_pending ();
  g_assert_cmpuint (count_method (fixture->standalone, "notifications/tools/list_changed"), ==, 1);

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\","
                 "\"params\":{\"name\":\"echo\",\"arguments\":{}}}");
  g_assert_cmpstr (test_first_text (result_of (fixture, 1)), ==, "only");
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}");
  g_assert_cmpuint (count_named (listed (fixture, 2, "tools"), "echo"), ==, 1);
}

#define BULK_TOOLS 200

/* A burst of changes (a plugin reload, a bridge adding an application's
 * actions) is told to each session once per kind, not once per change to
 * every session; the lists change at once, before the notification. */
static void
test_list_changed_coalesced (Fixture       *fixture,
                             gconstpointer  data)
{
  static const char * const kinds[] = {
    "notifications/tools/list_changed",
    "notifications/prompts/list_changed",
    "notifications/resources/list_changed",
  };
  g_autoptr(GPtrArray) streams = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(TestChannel) unready_stream = test_channel_new (TRUE);
  JsonArray *tools;

  initialize (fixture, "{}");
  g_ptr_array_add (streams, g_object_ref (fixture->standalone));
  for (guint i = 0; i < 3; i++)
    {
      TestChannel *stream = test_channel_new (TRUE);

      g_ptr_array_add (streams, stream);
      initialize_session (fixture, north_mcp_server_create_session (fixture->server, NORTH_MCP_CHANNEL (stream)),
                          "{}");
    }
  north_mcp_server_create_session (fixture->server, NORTH_MCP_CHANNEL (unready_stream));
  test_run_pending ();
  for (guint i = 0; i < streams->len; i++)
    test_channel_clear (g_ptr_array_index (streams, i));

  for (guint i = 0; i < BULK_TOOLS; i++)
    {
      g_autofree char *name = g_strdup_printf ("bulk-%u", i);
      g_autoptr(NorthMcpTool) tool = north_mcp_tool_new (name, "one of many");
      g_autoptr(NorthMcpTool) replacement = north_mcp_tool_new (name, "its replacement");

      north_mcp_server_add_tool (fixture->server, tool);
      north_mcp_server_add_tool (fixture->server, replacement);
    }
  g_assert_true (north_mcp_server_remove_tool (fixture->server, "bulk-0"));
  north_mcp_server_notify_tools_list_changed (fixture->server);
  replace_prompt (fixture, "first");
  replace_prompt (fixture, "second");
  replace_resource (fixture, "first");
  replace_template (fixture, "first");
  north_mcp_server_notify_resources_list_changed (fixture->server);

  /* The list is the new one before anything is told. */
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}");
  tools = listed (fixture, 1, "tools");
  g_assert_cmpuint (count_named (tools, "bulk-0"), ==, 0);
  g_assert_cmpuint (count_named (tools, "bulk-1"), ==, 1);
  g_assert_nonnull (north_mcp_server_lookup_tool (fixture->server, "bulk-199"));

  test_run_pending ();
  for (guint i = 0; i < streams->len; i++)
    for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
      {
        guint count = count_method (g_ptr_array_index (streams, i), kinds[k]);

        if (count != 1)
          g_error ("session %u was sent %s %u times for one burst", i, kinds[k], count);
      }
  g_assert_cmpuint (test_channel_get_messages (unready_stream)->len, ==, 0);

  /* A later change is told again, once. */
  for (guint i = 1; i < BULK_TOOLS; i++)
    {
      g_autofree char *name = g_strdup_printf ("bulk-%u", i);

      g_assert_true (north_mcp_server_remove_tool (fixture->server, name));
    }
  test_run_pending ();
  for (guint i = 0; i < streams->len; i++)
    {
      TestChannel *stream = g_ptr_array_index (streams, i);

      g_assert_cmpuint (count_method (stream, kinds[0]), ==, 2);
      g_assert_cmpuint (count_method (stream, kinds[1]), ==, 1);
      g_assert_cmpuint (test_channel_get_messages (stream)->len, ==, 4);
    }
}

/* Until @method arrived on @stream, iterating the default main context
 * (the other replica's notifications come through the redis-server). */
static void
wait_for_method (TestChannel *stream,
                 const char  *method)
{
  guint watchdog = test_watchdog_add (method);

  while (count_method (stream, method) == 0)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (watchdog);
}

/* Replicas sharing a state store: a burst of changes on one replica is
 * one publish, so one notification to each session the others hold. */
static void
test_list_changed_coalesced_across_replicas (Fixture       *fixture,
                                             gconstpointer  data)
{
  TestRedisServer redis;
  g_autoptr(NorthMcpServer) other = north_mcp_server_new ("other", "1.0.0");
  g_autoptr(NorthMcpStateStore) here = NULL;
  g_autoptr(NorthMcpStateStore) there = NULL;
  guint watchdog;

  test_redis_server_init (&redis, "features");
  test_redis_server_start (&redis);
  here = north_mcp_state_store_new_for_uri (redis.uri, NULL);
  there = north_mcp_state_store_new_for_uri (redis.uri, NULL);
  north_mcp_session_manager_set_store (north_mcp_server_get_session_manager (fixture->server), here);
  north_mcp_session_manager_set_store (north_mcp_server_get_session_manager (other), there);
  initialize (fixture, "{}");

  /* This replica subscribes in the background: the other one tells until
   * it is heard. */
  watchdog = test_watchdog_add ("a first notification from the other replica");
  while (count_method (fixture->standalone, "notifications/prompts/list_changed") == 0)
    {
      north_mcp_server_notify_prompts_list_changed (other);
      test_run_pending ();
      g_usleep (10000);
    }
  g_source_remove (watchdog);
  test_channel_clear (fixture->standalone);

  for (guint i = 0; i < BULK_TOOLS; i++)
    {
      g_autofree char *name = g_strdup_printf ("bulk-%u", i);
      g_autoptr(NorthMcpTool) tool = north_mcp_tool_new (name, "one of many");

      north_mcp_server_add_tool (other, tool);
    }
  test_run_pending ();
  /* Published after the burst's, so heard after it. */
  north_mcp_server_notify_resources_list_changed (other);
  wait_for_method (fixture->standalone, "notifications/resources/list_changed");
  g_assert_cmpuint (count_method (fixture->standalone, "notifications/tools/list_changed"), ==, 1);

  north_mcp_session_manager_set_store (north_mcp_server_get_session_manager (fixture->server), NULL);
  north_mcp_session_manager_set_store (north_mcp_server_get_session_manager (other), NULL);
  test_redis_server_clear (&redis);
}

/* Many replacements of one name in a row: one entry, the last one. */
static void
test_replace_many_times (Fixture       *fixture,
                         gconstpointer  data)
{
  static const char * const texts[] = { "a", "b", "c", "d", "e", "f", "g", "h" };

  initialize (fixture, "{}");
  test_channel_clear (fixture->standalone);
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      replace_tool (fixture, texts[i]);
      replace_prompt (fixture, texts[i]);
      replace_resource (fixture, texts[i]);
    }

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\","
                 "\"params\":{\"name\":\"echo\",\"arguments\":{}}}");
  g_assert_cmpstr (test_first_text (result_of (fixture, 1)), ==, "h");
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"resources/read\",\"params\":{\"uri\":\"test://doc\"}}");
  g_assert_cmpstr (read_text (fixture, 2), ==, "h");
  g_assert_nonnull (north_mcp_server_lookup_prompt (fixture->server, "greet"));
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\"}");
  g_assert_cmpuint (count_named (listed (fixture, 3, "tools"), "echo"), ==, 1);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"prompts/list\"}");
  g_assert_cmpuint (json_array_get_length (listed (fixture, 4, "prompts")), ==, 1);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"resources/list\"}");
  g_assert_cmpuint (json_array_get_length (listed (fixture, 5, "resources")), ==, 1);
}

/* Completion. */

static JsonObject *
completion_of (Fixture *fixture,
               gint64   id)
{
  JsonObject *result = result_of (fixture, id);

  assert_schema_valid (result, "CompleteResult");
  return json_object_get_object_member (result, "completion");
}

static void
test_completion_prompt (Fixture       *fixture,
                        gconstpointer  data)
{
  JsonObject *completion;
  JsonArray *values;

  add_standard_prompts (fixture);
  initialize (fixture, "{}");

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"completion/complete\",\"params\":{"
                 "\"ref\":{\"type\":\"ref/prompt\",\"name\":\"greeting\"},"
                 "\"argument\":{\"name\":\"language\",\"value\":\"E\"}}}");
  completion = completion_of (fixture, 1);
  values = json_object_get_array_member (completion, "values");
  g_assert_cmpuint (json_array_get_length (values), ==, 3);
  g_assert_cmpstr (json_array_get_string_element (values, 0), ==, "English");
  g_assert_cmpstr (json_array_get_string_element (values, 2), ==, "Estonian");
  g_assert_false (json_object_get_boolean_member (completion, "hasMore"));

  /* context.arguments reaches the handler. */
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"completion/complete\",\"params\":{"
                 "\"ref\":{\"type\":\"ref/prompt\",\"name\":\"greeting\"},"
                 "\"argument\":{\"name\":\"name\",\"value\":\"\"},"
                 "\"context\":{\"arguments\":{\"language\":\"French\"}}}}");
  values = json_object_get_array_member (completion_of (fixture, 2), "values");
  g_assert_cmpuint (json_array_get_length (values), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (values, 0), ==, "Jean");
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"completion/complete\",\"params\":{"
                 "\"ref\":{\"type\":\"ref/prompt\",\"name\":\"greeting\"},"
                 "\"argument\":{\"name\":\"name\",\"value\":\"\"}}}");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (completion_of (fixture, 3), "values")), ==, 0);

  /* More than 100: truncated, flagged, counted. */
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"completion/complete\",\"params\":{"
                 "\"ref\":{\"type\":\"ref/prompt\",\"name\":\"many\"},"
                 "\"argument\":{\"name\":\"prefix\",\"value\":\"v\"}}}");
  completion = completion_of (fixture, 4);
  values = json_object_get_array_member (completion, "values");
  g_assert_cmpuint (json_array_get_length (values), ==, NORTH_MCP_COMPLETION_MAX_VALUES);
  g_assert_cmpstr (json_array_get_string_element (values, 0), ==, "v000");
  g_assert_cmpstr (json_array_get_string_element (values, 99), ==, "v099");
  g_assert_true (json_object_get_boolean_member (completion, "hasMore"));
  g_assert_cmpint (json_object_get_int_member (completion, "total"), ==, 150);

  /* No handler: no values. */
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"completion/complete\",\"params\":{"
                 "\"ref\":{\"type\":\"ref/prompt\",\"name\":\"bare\"},"
                 "\"argument\":{\"name\":\"x\",\"value\":\"abc\"}}}");
  completion = completion_of (fixture, 5);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (completion, "values")), ==, 0);
  g_assert_false (json_object_get_boolean_member (completion, "hasMore"));
  g_assert_false (json_object_has_member (completion, "total"));

  /* A handler's error. */
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"completion/complete\",\"params\":{"
                 "\"ref\":{\"type\":\"ref/prompt\",\"name\":\"greeting\"},"
                 "\"argument\":{\"name\":\"boom\",\"value\":\"\"}}}");
  assert_error_mentions (error_of (fixture, 6, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS), "cannot complete boom");
}

static void
test_completion_resource (Fixture       *fixture,
                          gconstpointer  data)
{
  JsonObject *completion;
  JsonArray *values;

  add_standard_resources (fixture);
  add_standard_templates (fixture);
  initialize (fixture, "{}");

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"completion/complete\",\"params\":{"
                 "\"ref\":{\"type\":\"ref/resource\",\"uri\":\"repo://{owner}/{repo}\"},"
                 "\"argument\":{\"name\":\"repo\",\"value\":\"ma\"},"
                 "\"context\":{\"arguments\":{\"owner\":\"gnome\"}}}}");
  completion = completion_of (fixture, 1);
  values = json_object_get_array_member (completion, "values");
  g_assert_cmpuint (json_array_get_length (values), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (values, 1), ==, "master");
  g_assert_cmpint (json_object_get_int_member (completion, "total"), ==, 10);
  g_assert_true (json_object_get_boolean_member (completion, "hasMore"));

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"completion/complete\",\"params\":{"
                 "\"ref\":{\"type\":\"ref/resource\",\"uri\":\"test://template/{id}/data\"},"
                 "\"argument\":{\"name\":\"id\",\"value\":\"1\"}}}");
  completion = completion_of (fixture, 2);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (completion, "values")), ==, 100);
  g_assert_true (json_object_get_boolean_member (completion, "hasMore"));

  /* A fixed resource: nothing to complete. */
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"completion/complete\",\"params\":{"
                 "\"ref\":{\"type\":\"ref/resource\",\"uri\":\"test://static-text\"},"
                 "\"argument\":{\"name\":\"x\",\"value\":\"\"}}}");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (completion_of (fixture, 4), "values")), ==, 0);

  /* A template without a completion handler. */
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"completion/complete\",\"params\":{"
                 "\"ref\":{\"type\":\"ref/resource\",\"uri\":\"test://{name}\"},"
                 "\"argument\":{\"name\":\"name\",\"value\":\"\"}}}");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (completion_of (fixture, 3), "values")), ==, 0);
}

static void
test_completion_errors (Fixture       *fixture,
                        gconstpointer  data)
{
  add_standard_prompts (fixture);
  add_standard_templates (fixture);
  initialize (fixture, "{}");

  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"completion/complete\",\"params\":{"
                 "\"ref\":{\"type\":\"ref/prompt\",\"name\":\"nope\"},\"argument\":{\"name\":\"a\",\"value\":\"\"}}}");
  assert_error_mentions (error_of (fixture, 1, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS), "'nope'");
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"completion/complete\",\"params\":{"
                 "\"ref\":{\"type\":\"ref/resource\",\"uri\":\"test://no/{x}\"},\"argument\":{\"name\":\"x\",\"value\":\"\"}}}");
  assert_error_mentions (error_of (fixture, 2, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS), "test://no/{x}");
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"completion/complete\",\"params\":{"
                 "\"ref\":{\"type\":\"ref/tool\",\"name\":\"x\"},\"argument\":{\"name\":\"x\",\"value\":\"\"}}}");
  assert_error_mentions (error_of (fixture, 3, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS), "ref/tool");
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"completion/complete\",\"params\":{"
                 "\"argument\":{\"name\":\"x\",\"value\":\"\"}}}");
  error_of (fixture, 4, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"completion/complete\",\"params\":{"
                 "\"ref\":{\"type\":\"ref/prompt\",\"name\":\"greeting\"}}}");
  error_of (fixture, 5, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"completion/complete\",\"params\":{"
                 "\"ref\":{\"type\":\"ref/prompt\",\"name\":\"greeting\"},\"argument\":{\"name\":\"name\",\"value\":5}}}");
  error_of (fixture, 6, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"completion/complete\",\"params\":{"
                 "\"ref\":{\"type\":\"ref/prompt\",\"name\":\"greeting\"},\"argument\":{\"name\":\"name\",\"value\":\"\"},"
                 "\"context\":{\"arguments\":{\"language\":[]}}}}");
  error_of (fixture, 7, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"completion/complete\",\"params\":{"
                 "\"ref\":{\"type\":\"ref/prompt\"},\"argument\":{\"name\":\"name\",\"value\":\"\"}}}");
  error_of (fixture, 8, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS);
}

/* Logging. */

static void
test_logging_levels (Fixture       *fixture,
                     gconstpointer  data)
{
  JsonObject *params;

  initialize (fixture, "{}");

  /* Default level: info and above. */
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"logging\"}}");
  g_assert_cmpstr (test_first_text (result_of (fixture, 1)), ==, "logged");
  g_assert_cmpuint (count_method (fixture->channel, "notifications/message"), ==, 3);
  params = json_object_get_object_member (nth_with_method (fixture->channel, "notifications/message", 0), "params");
  g_assert_cmpstr (json_object_get_string_member (params, "level"), ==, "info");
  g_assert_cmpstr (json_object_get_string_member (params, "logger"), ==, "db");
  g_assert_cmpstr (json_object_get_string_member (params, "data"), ==, "info line");
  params = json_object_get_object_member (nth_with_method (fixture->channel, "notifications/message", 1), "params");
  g_assert_cmpstr (json_object_get_string_member (params, "level"), ==, "warning");
  g_assert_false (json_object_has_member (params, "logger"));
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (params, "data"), "rows"), ==, 3);

  test_channel_clear (fixture->channel);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"logging/setLevel\",\"params\":{\"level\":\"debug\"}}");
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"logging\"}}");
  g_assert_cmpuint (count_method (fixture->channel, "notifications/message"), ==, 4);

  test_channel_clear (fixture->channel);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"logging/setLevel\",\"params\":{\"level\":\"error\"}}");
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":\"logging\"}}");
  g_assert_cmpuint (count_method (fixture->channel, "notifications/message"), ==, 1);

  test_channel_clear (fixture->channel);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"logging/setLevel\",\"params\":{\"level\":\"emergency\"}}");
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"logging\"}}");
  g_assert_cmpuint (count_method (fixture->channel, "notifications/message"), ==, 0);
  /* The log went with the request, not on the standalone stream. */
  g_assert_cmpuint (count_method (fixture->standalone, "notifications/message"), ==, 0);
}

static void
test_logging_server_wide (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(TestChannel) quiet_stream = test_channel_new (TRUE);
  g_autoptr(TestChannel) quiet_channel = test_channel_new (TRUE);
  g_autoptr(TestChannel) new_stream = test_channel_new (TRUE);
  g_autoptr(JsonNode) data_node = test_parse_json ("\"disk almost full\"");
  NorthMcpSession *quiet;
  JsonObject *params;

  initialize (fixture, "{}");
  quiet = north_mcp_server_create_session (fixture->server, NORTH_MCP_CHANNEL (quiet_stream));
  initialize_session (fixture, quiet, "{}");
  send_to (fixture, quiet, quiet_channel,
           "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"logging/setLevel\",\"params\":{\"level\":\"critical\"}}");
  /* Not initialized: gets nothing. */
  north_mcp_server_create_session (fixture->server, NORTH_MCP_CHANNEL (new_stream));
  test_channel_clear (fixture->standalone);
  test_channel_clear (quiet_stream);

  north_mcp_server_log (fixture->server, NORTH_MCP_LOG_LEVEL_WARNING, "disk", data_node);
  g_assert_cmpuint (count_method (fixture->standalone, "notifications/message"), ==, 1);
  params = json_object_get_object_member (nth_with_method (fixture->standalone, "notifications/message", 0), "params");
  g_assert_cmpstr (json_object_get_string_member (params, "level"), ==, "warning");
  g_assert_cmpstr (json_object_get_string_member (params, "logger"), ==, "disk");
  g_assert_cmpstr (json_object_get_string_member (params, "data"), ==, "disk almost full");
  g_assert_cmpuint (test_channel_get_messages (quiet_stream)->len, ==, 0);
  g_assert_cmpuint (test_channel_get_messages (new_stream)->len, ==, 0);

  north_mcp_server_log (fixture->server, NORTH_MCP_LOG_LEVEL_ALERT, NULL, data_node);
  g_assert_cmpuint (count_method (fixture->standalone, "notifications/message"), ==, 2);
  g_assert_cmpuint (count_method (quiet_stream, "notifications/message"), ==, 1);

  /* One session alone. */
  north_mcp_session_log (quiet, NORTH_MCP_LOG_LEVEL_EMERGENCY, "one", data_node);
  north_mcp_session_log (quiet, NORTH_MCP_LOG_LEVEL_ERROR, "one", data_node);
  g_assert_cmpuint (count_method (quiet_stream, "notifications/message"), ==, 2);
  g_assert_cmpuint (count_method (fixture->standalone, "notifications/message"), ==, 2);
}

/* Progress and cancellation. */

static void
test_progress (Fixture       *fixture,
               gconstpointer  data)
{
  JsonObject *params;
  JsonNode *token;

  initialize (fixture, "{}");
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"progress\","
                 "\"_meta\":{\"progressToken\":77}}}");
  g_assert_cmpstr (test_first_text (result_of (fixture, 1)), ==, "progressed");
  /* Only increasing values; sent before the result. */
  g_assert_cmpuint (count_method (fixture->channel, "notifications/progress"), ==, 2);
  params = json_object_get_object_member (nth_with_method (fixture->channel, "notifications/progress", 0), "params");
  token = json_object_get_member (params, "progressToken");
  g_assert_cmpint (json_node_get_value_type (token), ==, G_TYPE_INT64);
  g_assert_cmpint (json_node_get_int (token), ==, 77);
  g_assert_cmpfloat (json_object_get_double_member (params, "progress"), ==, 1.0);
  g_assert_cmpfloat (json_object_get_double_member (params, "total"), ==, 4.0);
  g_assert_cmpstr (json_object_get_string_member (params, "message"), ==, "one");
  params = json_object_get_object_member (nth_with_method (fixture->channel, "notifications/progress", 1), "params");
  g_assert_cmpfloat (json_object_get_double_member (params, "progress"), ==, 2.5);
  g_assert_false (json_object_has_member (params, "total"));
  g_assert_false (json_object_has_member (params, "message"));
  {
    GPtrArray *messages = test_channel_get_messages (fixture->channel);
    JsonObject *last = json_node_get_object (g_ptr_array_index (messages, messages->len - 1));

    g_assert_true (json_object_has_member (last, "result"));
  }

  /* Without a token: no progress. */
  test_channel_clear (fixture->channel);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"progress\"}}");
  g_assert_cmpstr (test_first_text (result_of (fixture, 2)), ==, "progressed");
  g_assert_cmpuint (count_method (fixture->channel, "notifications/progress"), ==, 0);

  /* A string token keeps its type. */
  test_channel_clear (fixture->channel);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"progress\","
                 "\"_meta\":{\"progressToken\":\"tok\"}}}");
  params = json_object_get_object_member (nth_with_method (fixture->channel, "notifications/progress", 0), "params");
  g_assert_cmpstr (json_object_get_string_member (params, "progressToken"), ==, "tok");
}

static void
test_progress_after_completion (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new_text ("done");

  initialize (fixture, "{}");
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"holding\","
                 "\"_meta\":{\"progressToken\":\"t\"}}}");
  g_assert_nonnull (fixture->held);
  north_mcp_context_report_progress (fixture->held, 1, 2, NULL);
  north_mcp_context_return_tool_result (fixture->held, result);
  north_mcp_context_report_progress (fixture->held, 2, 2, NULL);
  g_assert_cmpuint (count_method (fixture->channel, "notifications/progress"), ==, 1);
  result_of (fixture, 1);
}

static void
test_cancellation (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new_text ("too late");
  GCancellable *cancellable;

  initialize (fixture, "{}");
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":\"holding\"}}");
  g_assert_nonnull (fixture->held);
  cancellable = north_mcp_context_get_cancellable (fixture->held);

  /* Unknown ids, the same number as a string, and malformed ones are ignored. */
  send (fixture, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":6}}");
  send (fixture, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":\"5\"}}");
  send (fixture, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":[5]}}");
  send (fixture, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\"}");
  g_assert_false (g_cancellable_is_cancelled (cancellable));
  g_assert_cmpuint (test_channel_get_messages (fixture->channel)->len, ==, 0);

  send (fixture, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":5,"
                 "\"reason\":\"user pressed stop\"}}");
  g_assert_true (g_cancellable_is_cancelled (cancellable));

  /* What the handler answers afterwards is not sent. */
  north_mcp_context_return_tool_result (fixture->held, result);
  g_assert_true (north_mcp_context_is_completed (fixture->held));
  g_assert_null (test_channel_find_response (fixture->channel, 5));
  g_assert_cmpuint (test_channel_get_messages (fixture->channel)->len, ==, 0);

  /* A finished request cannot be cancelled any more: the next one with the
   * same id is independent. */
  g_clear_object (&fixture->held);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":\"holding\"}}");
  g_assert_false (g_cancellable_is_cancelled (north_mcp_context_get_cancellable (fixture->held)));
  {
    g_autoptr(NorthMcpToolResult) second = north_mcp_tool_result_new_text ("second");

    north_mcp_context_return_tool_result (fixture->held, second);
  }
  g_assert_cmpstr (test_first_text (result_of (fixture, 5)), ==, "second");
}

/* Server-to-client requests. */

/* The id of the last request the server sent to the client. */
static JsonObject *
last_outbound_request (TestChannel *channel,
                       const char  *method)
{
  GPtrArray *messages = test_channel_get_messages (channel);

  for (guint i = messages->len; i > 0; i--)
    {
      JsonObject *object = json_node_get_object (g_ptr_array_index (messages, i - 1));

      if (json_object_has_member (object, "id") &&
          g_strcmp0 (json_object_get_string_member_with_default (object, "method", NULL), method) == 0)
        return object;
    }

  g_error ("no %s request was sent", method);
  return NULL;
}

static void
answer_outbound (Fixture    *fixture,
                 JsonObject *request,
                 const char *member_json)
{
  g_autofree char *json =
    g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"id\":%" G_GINT64_FORMAT ",%s}",
                     json_object_get_int_member (request, "id"), member_json);

  g_assert_cmpuint (send (fixture, json), ==, 0);
}

static void
test_sampling_round_trip (Fixture       *fixture,
                          gconstpointer  data)
{
  JsonObject *request;
  JsonObject *params;

  initialize (fixture, CLIENT_ALL_CAPS);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"sampling\"}}");
  /* The request travels on the call's own stream. */
  request = last_outbound_request (fixture->channel, "sampling/createMessage");
  params = json_object_get_object_member (request, "params");
  g_assert_cmpint (json_object_get_int_member (params, "maxTokens"), ==, 100);
  g_assert_cmpuint (test_channel_get_messages (fixture->standalone)->len, ==, 0);
  g_assert_null (test_channel_find_response (fixture->channel, 1));

  answer_outbound (fixture, request,
                   "\"result\":{\"role\":\"assistant\",\"content\":{\"type\":\"text\",\"text\":\"hello\"},"
                   "\"model\":\"test-model\",\"stopReason\":\"endTurn\"}");
  g_assert_true (test_channel_wait_for (fixture->channel, 2));
  g_assert_cmpstr (test_first_text (result_of (fixture, 1)), ==, "answered");
  g_assert_no_error (fixture->outbound_error);
  g_assert_cmpstr (json_object_get_string_member (fixture->outbound_result, "model"), ==, "test-model");

  /* A second answer to the same id is ignored. */
  answer_outbound (fixture, request, "\"result\":{}");
  g_assert_cmpuint (test_channel_get_messages (fixture->channel)->len, ==, 2);
}

static void
test_sampling_client_error (Fixture       *fixture,
                            gconstpointer  data)
{
  JsonObject *result;

  initialize (fixture, CLIENT_ALL_CAPS);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"sampling\"}}");
  answer_outbound (fixture, last_outbound_request (fixture->channel, "sampling/createMessage"),
                   "\"error\":{\"code\":-1,\"message\":\"User rejected sampling request\"}");
  g_assert_true (test_channel_wait_for (fixture->channel, 2));
  g_assert_error (fixture->outbound_error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_REMOTE);
  g_assert_nonnull (strstr (fixture->outbound_error->message, "User rejected sampling request"));
  result = result_of (fixture, 1);
  g_assert_true (json_object_get_boolean_member (result, "isError"));
}

/* A hostile answer: "error" that is not an object (a response all the
 * same for JSON-RPC's checks) fails the request, and carries no result. */
static void
test_sampling_malformed_error (Fixture       *fixture,
                               gconstpointer  data)
{
  initialize (fixture, CLIENT_ALL_CAPS);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"sampling\"}}");
  answer_outbound (fixture, last_outbound_request (fixture->channel, "sampling/createMessage"), "\"error\":5");
  g_assert_true (test_channel_wait_for (fixture->channel, 2));
  g_assert_error (fixture->outbound_error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_REMOTE);
  g_assert_nonnull (strstr (fixture->outbound_error->message, "(no message)"));
  g_assert_true (json_object_get_boolean_member (result_of (fixture, 1), "isError"));
}

static void
test_sampling_timeout (Fixture       *fixture,
                       gconstpointer  data)
{
  JsonObject *request;
  JsonObject *cancelled;

  north_mcp_server_set_request_timeout (fixture->server, 20);
  initialize (fixture, CLIENT_ALL_CAPS);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"sampling\"}}");
  g_assert_cmpuint (test_channel_get_messages (fixture->channel)->len, ==, 1);
  request = last_outbound_request (fixture->channel, "sampling/createMessage");
  g_assert_true (test_channel_wait_for (fixture->channel, 3));
  g_assert_error (fixture->outbound_error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_TIMED_OUT);
  g_assert_true (json_object_get_boolean_member (result_of (fixture, 1), "isError"));
  /* The server stops waiting, and says so (senders time out, then cancel). */
  cancelled = json_object_get_object_member (nth_with_method (fixture->channel, "notifications/cancelled", 0),
                                             "params");
  g_assert_cmpint (json_object_get_int_member (cancelled, "requestId"), ==,
                   json_object_get_int_member (request, "id"));

  /* A late answer finds nothing waiting and is dropped. */
  answer_outbound (fixture, request, "\"result\":{}");
  g_assert_cmpuint (test_channel_get_messages (fixture->channel)->len, ==, 3);
}

static void
test_sampling_without_capability (Fixture       *fixture,
                                  gconstpointer  data)
{
  initialize (fixture, "{\"roots\":{}}");
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"sampling\"}}");
  g_assert_true (test_channel_wait_for (fixture->channel, 1));
  g_assert_error (fixture->outbound_error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (fixture->outbound_error->message, "'sampling'"));
  /* Nothing was sent to the client but the tool's answer. */
  g_assert_cmpuint (count_method (fixture->channel, "sampling/createMessage"), ==, 0);
  g_assert_cmpuint (test_channel_get_messages (fixture->channel)->len, ==, 1);
  g_assert_true (json_object_get_boolean_member (result_of (fixture, 1), "isError"));

  /* Stateless HTTP: no session to carry it. */
  record_outbound (fixture, NULL, NULL);
  send_to (fixture, NULL, fixture->channel,
           "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"sampling\"}}");
  g_assert_true (test_channel_wait_for (fixture->channel, 2));
  g_assert_error (fixture->outbound_error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_NOT_SUPPORTED);
}

static void
test_sampling_cancelled (Fixture       *fixture,
                         gconstpointer  data)
{
  initialize (fixture, CLIENT_ALL_CAPS);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"sampling\"}}");
  last_outbound_request (fixture->channel, "sampling/createMessage");

  /* The client cancels the tool call; the tool's pending sampling request
   * fails with it, and the tool's answer is not sent. */
  send (fixture, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":1}}");
  while (fixture->outbound_error == NULL && g_main_context_iteration (NULL, FALSE))
    ;
  {
    gint64 deadline = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;

    while (fixture->outbound_error == NULL && g_get_monotonic_time () < deadline)
      g_main_context_iteration (NULL, TRUE);
  }
  g_assert_error (fixture->outbound_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (test_channel_find_response (fixture->channel, 1));
}

/* A request to the client that its handler started without a
 * cancellable ends with the tool call that made it: when the client
 * cancels the call, the request fails at once (not after the request
 * timeout) and the client is told it is cancelled too. */
static void
test_request_ends_with_call (Fixture       *fixture,
                             gconstpointer  data)
{
  JsonObject *request;
  JsonObject *cancelled;

  initialize (fixture, CLIENT_ALL_CAPS);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"roots\"}}");
  request = last_outbound_request (fixture->channel, "roots/list");
  g_assert_cmpuint (north_mcp_session_get_pending_count (fixture->session), ==, 1);

  send (fixture, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":1}}");
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_error (fixture->outbound_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (north_mcp_session_get_pending_count (fixture->session), ==, 0);
  g_assert_null (test_channel_find_response (fixture->channel, 1));
  g_assert_cmpuint (count_method (fixture->channel, "notifications/cancelled"), ==, 1);
  cancelled = json_object_get_object_member (nth_with_method (fixture->channel, "notifications/cancelled", 0),
                                             "params");
  g_assert_cmpint (json_object_get_int_member (cancelled, "requestId"), ==,
                   json_object_get_int_member (request, "id"));

  /* The client's late answer finds nothing waiting. */
  answer_outbound (fixture, request, "\"result\":{\"roots\":[]}");
  g_assert_error (fixture->outbound_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* A client that never answers cannot make a session keep requests
 * without bound: beyond NORTH_MCP_SESSION_MAX_PENDING_REQUESTS the
 * handler gets a clear error and nothing is sent; an answer makes room. */
static void
test_requests_limit (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *refused = NULL;

  initialize (fixture, CLIENT_ALL_CAPS);
  for (guint i = 1; i <= NORTH_MCP_SESSION_MAX_PENDING_REQUESTS + 1; i++)
    {
      g_autofree char *call =
        g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"id\":%u,\"method\":\"tools/call\",\"params\":{\"name\":\"roots\"}}", i);

      send (fixture, call);
    }
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (count_method (fixture->channel, "roots/list"), ==, NORTH_MCP_SESSION_MAX_PENDING_REQUESTS);
  g_assert_cmpuint (north_mcp_session_get_pending_count (fixture->session), ==,
                    NORTH_MCP_SESSION_MAX_PENDING_REQUESTS);
  g_assert_error (fixture->outbound_error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_LIMIT_EXCEEDED);
  g_assert_nonnull (strstr (fixture->outbound_error->message, "requests to the client"));
  g_assert_true (json_object_get_boolean_member (result_of (fixture, NORTH_MCP_SESSION_MAX_PENDING_REQUESTS + 1),
                                                 "isError"));

  /* An answer makes room for one more. */
  answer_outbound (fixture, nth_with_method (fixture->channel, "roots/list", 0), "\"result\":{\"roots\":[]}");
  while (g_main_context_iteration (NULL, FALSE))
    ;
  refused = g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"id\":%u,\"method\":\"tools/call\",\"params\":{\"name\":\"roots\"}}",
                             NORTH_MCP_SESSION_MAX_PENDING_REQUESTS + 2);
  send (fixture, refused);
  g_assert_cmpuint (count_method (fixture->channel, "roots/list"), ==, NORTH_MCP_SESSION_MAX_PENDING_REQUESTS + 1);
}

static gpointer
cancel_from_thread (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return NULL;
}

/* A handler may cancel its request to the client from a worker thread:
 * the request ends on the server's main context, which alone touches the
 * session's table of requests and the client's stream. */
static void
test_request_cancelled_from_thread (Fixture       *fixture,
                                    gconstpointer  data)
{
  GThread *thread;

  fixture->cancellable = g_cancellable_new ();
  initialize (fixture, CLIENT_ALL_CAPS);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"roots_cancellable\"}}");
  last_outbound_request (fixture->channel, "roots/list");

  /* Hold the main context, as the server's main loop does while it runs:
   * the thread must leave the work to it rather than do it alongside. */
  g_assert_true (g_main_context_acquire (NULL));
  thread = g_thread_new ("canceller", cancel_from_thread, fixture->cancellable);
  g_thread_join (thread);
  g_assert_cmpuint (north_mcp_session_get_pending_count (fixture->session), ==, 1);
  g_assert_cmpuint (count_method (fixture->channel, "notifications/cancelled"), ==, 0);
  g_assert_null (fixture->outbound_error);

  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_main_context_release (NULL);
  g_assert_cmpuint (north_mcp_session_get_pending_count (fixture->session), ==, 0);
  g_assert_cmpuint (count_method (fixture->channel, "notifications/cancelled"), ==, 1);
  g_assert_error (fixture->outbound_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_sampling_session_closed (Fixture       *fixture,
                              gconstpointer  data)
{
  initialize (fixture, CLIENT_ALL_CAPS);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"sampling\"}}");
  north_mcp_server_close_session (fixture->server, fixture->session);
  {
    gint64 deadline = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;

    while (fixture->outbound_error == NULL && g_get_monotonic_time () < deadline)
      g_main_context_iteration (NULL, TRUE);
  }
  g_assert_nonnull (fixture->outbound_error);
  g_assert_true (g_error_matches (fixture->outbound_error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_CLOSED) ||
                 g_error_matches (fixture->outbound_error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
}

static void
test_elicit_url (Fixture       *fixture,
                 gconstpointer  data)
{
  JsonObject *request;
  JsonObject *params;

  initialize (fixture, CLIENT_ALL_CAPS);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"elicit_url\"}}");
  request = last_outbound_request (fixture->channel, "elicitation/create");
  params = json_object_get_object_member (request, "params");
  g_assert_cmpstr (json_object_get_string_member (params, "mode"), ==, "url");
  g_assert_cmpstr (json_object_get_string_member (params, "url"), ==, "https://example.com/login?s=1");
  g_assert_cmpstr (json_object_get_string_member (params, "elicitationId"), ==, "elicit-42");
  g_assert_cmpstr (json_object_get_string_member (params, "message"), ==, "Sign in to continue");
  g_assert_false (json_object_has_member (params, "requestedSchema"));
  answer_outbound (fixture, request, "\"result\":{\"action\":\"accept\"}");
  g_assert_true (test_channel_wait_for (fixture->channel, 2));
  g_assert_no_error (fixture->outbound_error);
  g_assert_cmpstr (json_object_get_string_member (fixture->outbound_result, "action"), ==, "accept");
}

static void
test_elicit_url_form_only_client (Fixture       *fixture,
                                  gconstpointer  data)
{
  /* `elicitation: {}` means forms only. */
  initialize (fixture, "{\"elicitation\":{}}");
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"elicit_url\"}}");
  g_assert_true (test_channel_wait_for (fixture->channel, 1));
  g_assert_error (fixture->outbound_error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (fixture->outbound_error->message, "elicitation.url"));
  g_assert_cmpuint (count_method (fixture->channel, "elicitation/create"), ==, 0);
}

/* Sub-capabilities gate what needs them. */
static void
check_gated (const char *capabilities,
             const char *tool,
             const char *method,
             gboolean    allowed)
{
  Fixture fixture = { 0 };
  g_autofree char *call =
    g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"%s\"}}", tool);

  fixture_set_up (&fixture, NULL);
  initialize (&fixture, capabilities);
  send (&fixture, call);
  if (allowed)
    {
      answer_outbound (&fixture, last_outbound_request (fixture.channel, method),
                       g_str_equal (method, "elicitation/create")
                       ? "\"result\":{\"action\":\"decline\"}"
                       : "\"result\":{\"role\":\"assistant\",\"content\":{\"type\":\"text\",\"text\":\"x\"},\"model\":\"m\"}");
      g_assert_true (test_channel_wait_for (fixture.channel, 2));
      g_assert_no_error (fixture.outbound_error);
    }
  else
    {
      g_assert_true (test_channel_wait_for (fixture.channel, 1));
      g_assert_error (fixture.outbound_error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_NOT_SUPPORTED);
      g_assert_cmpuint (count_method (fixture.channel, method), ==, 0);
    }
  fixture_tear_down (&fixture, NULL);
}

static void
test_sub_capabilities (void)
{
  check_gated ("{\"sampling\":{}}", "sampling_tools", "sampling/createMessage", FALSE);
  check_gated ("{\"sampling\":{\"tools\":{}}}", "sampling_tools", "sampling/createMessage", TRUE);
  check_gated ("{\"elicitation\":{}}", "elicit_form", "elicitation/create", TRUE);
  check_gated ("{\"elicitation\":{\"form\":{}}}", "elicit_form", "elicitation/create", TRUE);
  check_gated ("{\"elicitation\":{\"url\":{}}}", "elicit_form", "elicitation/create", FALSE);
  check_gated ("{\"elicitation\":{\"url\":{}}}", "elicit_url", "elicitation/create", TRUE);
  check_gated ("{}", "elicit_form", "elicitation/create", FALSE);
}

static void
test_url_elicitation_required (Fixture       *fixture,
                               gconstpointer  data)
{
  JsonObject *error;
  JsonObject *elicitation;

  initialize (fixture, CLIENT_ALL_CAPS);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"needs_login\"}}");
  /* A protocol error, not a tool result. */
  error = error_of (fixture, 1, NORTH_MCP_JSONRPC_ERROR_URL_ELICITATION_REQUIRED);
  assert_schema_valid (test_channel_find_response (fixture->channel, 1), "URLElicitationRequiredError");
  elicitation = json_array_get_object_element (json_object_get_array_member (json_object_get_object_member (error, "data"),
                                                                             "elicitations"), 0);
  g_assert_cmpstr (json_object_get_string_member (elicitation, "mode"), ==, "url");
  g_assert_cmpstr (json_object_get_string_member (elicitation, "url"), ==, "https://github.com/login/oauth?state=x");
  g_assert_cmpstr (json_object_get_string_member (elicitation, "elicitationId"), ==, "gh-login-1");
}

static gpointer
log_from_thread (gpointer user_data)
{
  NorthMcpServer *server = user_data;
  g_autoptr(JsonNode) data = test_parse_json ("\"from a thread\"");

  north_mcp_server_log (server, NORTH_MCP_LOG_LEVEL_ERROR, "worker", data);
  north_mcp_server_notify_resource_updated (server, "test://static-text");
  return NULL;
}

static void
test_notify_from_thread (Fixture       *fixture,
                         gconstpointer  data)
{
  GThread *thread;

  add_standard_resources (fixture);
  initialize (fixture, "{}");
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/subscribe\",\"params\":{\"uri\":\"test://static-text\"}}");
  test_channel_clear (fixture->standalone);

  /* Hold the main context so that the thread cannot deliver by itself:
   * delivery must wait for this thread's main loop. */
  g_assert_true (g_main_context_acquire (NULL));
  thread = g_thread_new ("worker", log_from_thread, fixture->server);
  g_thread_join (thread);
  g_assert_cmpuint (test_channel_get_messages (fixture->standalone)->len, ==, 0);
  g_assert_true (test_channel_wait_for (fixture->standalone, 2));
  g_main_context_release (NULL);

  g_assert_cmpuint (count_method (fixture->standalone, "notifications/message"), ==, 1);
  g_assert_cmpuint (count_method (fixture->standalone, "notifications/resources/updated"), ==, 1);
}

static void
test_list_roots (Fixture       *fixture,
                 gconstpointer  data)
{
  JsonArray *roots;

  initialize (fixture, CLIENT_ALL_CAPS);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"roots\"}}");
  answer_outbound (fixture, last_outbound_request (fixture->channel, "roots/list"),
                   "\"result\":{\"roots\":[{\"uri\":\"file:///home/ada/project\",\"name\":\"project\"}]}");
  g_assert_true (test_channel_wait_for (fixture->channel, 2));
  g_assert_no_error (fixture->outbound_error);
  roots = json_object_get_array_member (fixture->outbound_result, "roots");
  g_assert_cmpuint (json_array_get_length (roots), ==, 1);

  /* A malformed answer is an error, not a crash. */
  test_channel_clear (fixture->channel);
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"roots\"}}");
  answer_outbound (fixture, last_outbound_request (fixture->channel, "roots/list"), "\"result\":{\"roots\":7}");
  g_assert_true (test_channel_wait_for (fixture->channel, 2));
  g_assert_error (fixture->outbound_error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_REMOTE);
}

/* Session expiry. */

static void
test_session_expiry (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(TestChannel) stream = test_channel_new (TRUE);
  g_autofree char *idle_id = NULL;
  g_autofree char *streaming_id = NULL;
  g_autofree char *fresh_id = NULL;
  NorthMcpSession *idle;
  NorthMcpSession *streaming;
  NorthMcpSession *fresh;
  gint64 now = g_get_monotonic_time ();
  gint64 hour_ago = now - (gint64) 3600 * G_USEC_PER_SEC;

  g_assert_cmpuint (north_mcp_server_get_session_timeout (fixture->server), ==, 30 * 60);
  initialize (fixture, "{}");

  idle = north_mcp_server_create_session (fixture->server, NULL);
  idle_id = g_strdup (north_mcp_session_get_id (idle));
  streaming = north_mcp_server_create_session (fixture->server, NORTH_MCP_CHANNEL (stream));
  streaming_id = g_strdup (north_mcp_session_get_id (streaming));
  fresh = north_mcp_server_create_session (fixture->server, NULL);
  fresh_id = g_strdup (north_mcp_session_get_id (fresh));
  north_mcp_session_set_last_activity (idle, hour_ago);
  north_mcp_session_set_last_activity (streaming, hour_ago);
  north_mcp_session_set_last_activity (fresh, hour_ago);
  /* A message makes a session active again. */
  send_to (fixture, fresh, fixture->channel, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}");
  /* A running request keeps the fixture's session (whose standalone
   * stream is closed below) alive. */
  send (fixture, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"holding\"}}");
  north_mcp_channel_mark_closed (NORTH_MCP_CHANNEL (fixture->standalone));
  north_mcp_session_set_last_activity (fixture->session, hour_ago);

  /* 0 means never. */
  north_mcp_server_set_session_timeout (fixture->server, 0);
  g_assert_cmpuint (north_mcp_server_expire_idle_sessions (fixture->server, now), ==, 0);
  north_mcp_server_set_session_timeout (fixture->server, 600);

  g_assert_cmpuint (north_mcp_server_expire_idle_sessions (fixture->server, now), ==, 1);
  g_assert_null (north_mcp_server_lookup_session (fixture->server, idle_id));
  g_assert_nonnull (north_mcp_server_lookup_session (fixture->server, streaming_id));
  g_assert_nonnull (north_mcp_server_lookup_session (fixture->server, fresh_id));
  g_assert_true (north_mcp_server_lookup_session (fixture->server, north_mcp_session_get_id (fixture->session))
                 == fixture->session);

  /* Once the stream goes and the request ends, their idle time starts:
   * not at their last message an hour ago, but when they stopped being
   * busy. */
  north_mcp_channel_mark_closed (NORTH_MCP_CHANNEL (stream));
  {
    g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new_text ("done");

    north_mcp_context_return_tool_result (fixture->held, result);
    g_clear_object (&fixture->held);
  }
  g_assert_cmpuint (north_mcp_server_expire_idle_sessions (fixture->server, now), ==, 0);
  g_assert_nonnull (north_mcp_server_lookup_session (fixture->server, streaming_id));
  g_assert_cmpuint (north_mcp_server_expire_idle_sessions (fixture->server, now + (gint64) 601 * G_USEC_PER_SEC),
                    ==, 3);
  g_assert_null (north_mcp_server_lookup_session (fixture->server, streaming_id));
  g_assert_null (north_mcp_server_lookup_session (fixture->server, fresh_id));
  g_assert_null (north_mcp_server_lookup_session (fixture->server, north_mcp_session_get_id (fixture->session)));
}

/* Expiry over real Streamable HTTP: the server's own timer ends the
 * session, and its id then answers 404. */

/* POSTs @body to /mcp; returns the status, and the session id header in
 * @session_id when asked. */
static guint
http_post (SoupSession  *client,
           guint         port,
           const char   *session_id,
           const char   *body,
           char        **session_id_out)
{
  g_autofree char *uri = g_strdup_printf ("http://127.0.0.1:%u/mcp", port);
  g_autoptr(SoupMessage) message = soup_message_new ("POST", uri);
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
  SoupMessageHeaders *headers = soup_message_get_request_headers (message);
  g_autoptr(GBytes) reply = NULL;

  soup_message_set_request_body_from_bytes (message, "application/json", bytes);
  soup_message_headers_replace (headers, "Accept", "application/json, text/event-stream");
  if (session_id != NULL)
    soup_message_headers_replace (headers, "Mcp-Session-Id", session_id);

  reply = test_http_send_and_read (client, message);

  if (session_id_out != NULL)
    *session_id_out = g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (message),
                                                              "Mcp-Session-Id"));
  return soup_message_get_status (message);
}

static void
test_http_session_expiry (void)
{
  g_autoptr(NorthMcpServer) server = north_mcp_server_new ("expiry", "1");
  g_autoptr(SoupSession) client = soup_session_new_with_options ("proxy-resolver", NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *session_id = NULL;
  gint64 deadline;
  guint port;

  north_mcp_server_set_port (server, 0);
  north_mcp_server_set_session_timeout (server, 1);
  g_assert_true (north_mcp_server_start (server, NORTH_MCP_TRANSPORT_STREAMABLE_HTTP, &error));
  g_assert_no_error (error);
  port = north_mcp_server_get_bound_port (server);

  g_assert_cmpuint (http_post (client, port, NULL,
                               "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
                               "\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},"
                               "\"clientInfo\":{\"name\":\"test\",\"version\":\"1\"}}}",
                               &session_id), ==, 200);
  g_assert_nonnull (session_id);
  g_assert_cmpuint (http_post (client, port, session_id,
                               "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", NULL), ==, 202);
  g_assert_cmpuint (http_post (client, port, session_id,
                               "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}", NULL), ==, 200);
  g_assert_nonnull (north_mcp_server_lookup_session (server, session_id));

  /* Wait without touching the session; the deadline only guards a hang. */
  deadline = g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND;
  while (north_mcp_server_lookup_session (server, session_id) != NULL &&
         g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_null (north_mcp_server_lookup_session (server, session_id));

  g_assert_cmpuint (http_post (client, port, session_id,
                               "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\"}", NULL), ==, 404);

  soup_session_abort (client);
  north_mcp_server_stop (server);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Over the stdio transport, on pipes. */

#include <unistd.h>
#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>
#include "north-mcp-stdio-transport-private.h"

typedef struct {
  Fixture                 fixture;
  NorthMcpStdioTransport *transport;
  GOutputStream          *to_server;
  GDataInputStream       *from_server;
} Pipes;

static void
pipes_set_up (Pipes *pipes)
{
  int to_server[2], from_server[2];
  g_autoptr(GInputStream) server_input = NULL;
  g_autoptr(GOutputStream) server_output = NULL;
  g_autoptr(GInputStream) client_input = NULL;
  NorthMcpSession *session;

  g_assert_cmpint (pipe (to_server), ==, 0);
  g_assert_cmpint (pipe (from_server), ==, 0);

  fixture_set_up (&pipes->fixture, NULL);
  /* The transport owns this session's standalone stream. */
  session = north_mcp_server_create_session (pipes->fixture.server, NULL);
  server_input = g_unix_input_stream_new (to_server[0], TRUE);
  server_output = g_unix_output_stream_new (from_server[1], TRUE);
  pipes->transport = north_mcp_stdio_transport_new (NORTH_MCP_TRANSPORT_HOST (pipes->fixture.server), session, server_input, server_output);
  north_mcp_stdio_transport_start (pipes->transport);

  pipes->to_server = g_unix_output_stream_new (to_server[1], TRUE);
  client_input = g_unix_input_stream_new (from_server[0], TRUE);
  pipes->from_server = g_data_input_stream_new (client_input);
}

static void
pipes_tear_down (Pipes *pipes)
{
  north_mcp_stdio_transport_stop (pipes->transport);
  g_clear_object (&pipes->transport);
  g_clear_object (&pipes->to_server);
  g_clear_object (&pipes->from_server);
  fixture_tear_down (&pipes->fixture, NULL);
}

static void
pipes_write (Pipes      *pipes,
             const char *line)
{
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (pipes->to_server, line, strlen (line), NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (pipes->to_server, "\n", 1, NULL, NULL, &error);
  g_assert_no_error (error);
}

/* The server runs on this thread's main context: iterate it until a line
 * is ready, then read it. */
static JsonObject *
pipes_read (Pipes *pipes)
{
  GInputStream *base = g_filter_input_stream_get_base_stream (G_FILTER_INPUT_STREAM (pipes->from_server));
  gint64 deadline = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  g_autoptr(JsonNode) node = NULL;

  while (g_buffered_input_stream_get_available (G_BUFFERED_INPUT_STREAM (pipes->from_server)) == 0 &&
         !g_pollable_input_stream_is_readable (G_POLLABLE_INPUT_STREAM (base)))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }

  line = g_data_input_stream_read_line_utf8 (pipes->from_server, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  node = test_parse_json (line);
  return json_object_ref (json_node_get_object (node));
}

static void
stdio_initialize (Pipes      *pipes,
                  const char *capabilities)
{
  g_autofree char *init =
    g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{"
                     "\"protocolVersion\":\"2025-11-25\",\"capabilities\":%s,"
                     "\"clientInfo\":{\"name\":\"test\",\"version\":\"1\"}}}", capabilities);
  g_autoptr(JsonObject) response = NULL;

  pipes_write (pipes, init);
  response = pipes_read (pipes);
  g_assert_true (json_object_has_member (response, "result"));
  pipes_write (pipes, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
}

static void
test_stdio_sampling (void)
{
  Pipes pipes = { 0 };
  g_autoptr(JsonObject) request = NULL;
  g_autoptr(JsonObject) response = NULL;
  g_autoptr(JsonObject) second = NULL;
  g_autoptr(JsonObject) refused = NULL;
  g_autofree char *answer = NULL;
  g_autofree char *error_answer = NULL;
  JsonObject *result;

  pipes_set_up (&pipes);
  stdio_initialize (&pipes, CLIENT_ALL_CAPS);

  pipes_write (&pipes, "{\"jsonrpc\":\"2.0\",\"id\":\"call-1\",\"method\":\"tools/call\","
                       "\"params\":{\"name\":\"sampling\"}}");
  request = pipes_read (&pipes);
  g_assert_cmpstr (json_object_get_string_member (request, "method"), ==, "sampling/createMessage");
  g_assert_true (json_object_has_member (request, "id"));

  answer = g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"id\":%" G_GINT64_FORMAT ",\"result\":{\"role\":\"assistant\","
                            "\"content\":{\"type\":\"text\",\"text\":\"hi back\"},\"model\":\"m\"}}",
                            json_object_get_int_member (request, "id"));
  pipes_write (&pipes, answer);
  response = pipes_read (&pipes);
  g_assert_cmpstr (json_object_get_string_member (response, "id"), ==, "call-1");
  result = json_object_get_object_member (response, "result");
  g_assert_cmpstr (test_first_text (result), ==, "answered");
  g_assert_cmpstr (json_object_get_string_member (pipes.fixture.outbound_result, "model"), ==, "m");

  /* The client refuses the next one. */
  pipes_write (&pipes, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"sampling\"}}");
  g_clear_pointer (&request, json_object_unref);
  request = pipes_read (&pipes);
  error_answer = g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"id\":%" G_GINT64_FORMAT ",\"error\":{\"code\":-1,"
                                  "\"message\":\"declined\"}}", json_object_get_int_member (request, "id"));
  pipes_write (&pipes, error_answer);
  second = pipes_read (&pipes);
  g_assert_cmpint (json_object_get_int_member (second, "id"), ==, 2);
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (second, "result"), "isError"));
  g_assert_error (pipes.fixture.outbound_error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_REMOTE);

  pipes_tear_down (&pipes);

  /* A client without sampling gets a clear tool error, and no request. */
  memset (&pipes, 0, sizeof pipes);
  pipes_set_up (&pipes);
  stdio_initialize (&pipes, "{}");
  pipes_write (&pipes, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"sampling\"}}");
  refused = pipes_read (&pipes);
  g_assert_cmpint (json_object_get_int_member (refused, "id"), ==, 3);
  result = json_object_get_object_member (refused, "result");
  g_assert_true (json_object_get_boolean_member (result, "isError"));
  g_assert_nonnull (strstr (test_first_text (result), "'sampling'"));
  pipes_tear_down (&pipes);
}

static void
test_stdio_timeout (void)
{
  Pipes pipes = { 0 };
  g_autoptr(JsonObject) request = NULL;
  g_autoptr(JsonObject) cancelled = NULL;
  g_autoptr(JsonObject) response = NULL;

  pipes_set_up (&pipes);
  north_mcp_server_set_request_timeout (pipes.fixture.server, 20);
  stdio_initialize (&pipes, CLIENT_ALL_CAPS);
  pipes_write (&pipes, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"sampling\"}}");
  request = pipes_read (&pipes);
  g_assert_cmpstr (json_object_get_string_member (request, "method"), ==, "sampling/createMessage");
  /* No answer: the client is told the server gave up, and the tool
   * learns it timed out. */
  cancelled = pipes_read (&pipes);
  g_assert_cmpstr (json_object_get_string_member (cancelled, "method"), ==, "notifications/cancelled");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (cancelled, "params"), "requestId"), ==,
                   json_object_get_int_member (request, "id"));
  response = pipes_read (&pipes);
  g_assert_cmpint (json_object_get_int_member (response, "id"), ==, 1);
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (response, "result"), "isError"));
  g_assert_error (pipes.fixture.outbound_error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_TIMED_OUT);
  pipes_tear_down (&pipes);
}

/* The server-with-resources example, end to end over stdio. */

typedef struct {
  GSubprocess      *process;
  GOutputStream    *input;
  GDataInputStream *output;
} Example;

static void
example_write (Example    *example,
               const char *line)
{
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (example->input, line, strlen (line), NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (example->input, "\n", 1, NULL, NULL, &error);
  g_assert_no_error (error);
}

static JsonObject *
example_read (Example *example)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *line = g_data_input_stream_read_line_utf8 (example->output, NULL, NULL, &error);
  g_autoptr(JsonNode) node = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (line);
  node = test_parse_json (line);
  return json_object_ref (json_node_get_object (node));
}

/* Sends @request and reads until its response, counting the notifications
 * with @method that came first. */
static JsonObject *
example_call (Example    *example,
              const char *request,
              const char *method,
              guint      *notifications)
{
  example_write (example, request);
  for (;;)
    {
      g_autoptr(JsonObject) message = example_read (example);

      if (!json_object_has_member (message, "method"))
        return g_steal_pointer (&message);
      if (notifications != NULL && g_strcmp0 (json_object_get_string_member (message, "method"), method) == 0)
        (*notifications)++;
    }
}

static void
test_example_notebook (void)
{
  const char *path = g_getenv ("SERVER_WITH_RESOURCES");
  Example example = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) init = NULL;
  g_autoptr(JsonObject) list = NULL;
  g_autoptr(JsonObject) read = NULL;
  g_autoptr(JsonObject) missing = NULL;
  g_autoptr(JsonObject) subscribe = NULL;
  g_autoptr(JsonObject) add = NULL;
  g_autoptr(JsonObject) index = NULL;
  g_autoptr(JsonObject) prompt = NULL;
  g_autoptr(JsonObject) completion = NULL;
  JsonObject *capabilities;
  JsonObject *item;
  JsonArray *messages;
  JsonArray *values;
  guint updates = 0;

  g_assert_nonnull (path);
  example.process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                                      &error, path, "--transport", "stdio", NULL);
  g_assert_no_error (error);
  example.input = g_subprocess_get_stdin_pipe (example.process);
  example.output = g_data_input_stream_new (g_subprocess_get_stdout_pipe (example.process));

  init = example_call (&example, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
                                 "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},"
                                 "\"clientInfo\":{\"name\":\"test\",\"version\":\"1\"}}}", NULL, NULL);
  capabilities = json_object_get_object_member (json_object_get_object_member (init, "result"), "capabilities");
  g_assert_true (json_object_has_member (capabilities, "resources"));
  g_assert_true (json_object_has_member (capabilities, "prompts"));
  g_assert_true (json_object_has_member (capabilities, "completions"));
  example_write (&example, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");

  list = example_call (&example, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"resources/templates/list\"}", NULL, NULL);
  item = json_array_get_object_element (json_object_get_array_member (json_object_get_object_member (list, "result"),
                                                                      "resourceTemplates"), 0);
  g_assert_cmpstr (json_object_get_string_member (item, "uriTemplate"), ==, "notes://{title}");

  read = example_call (&example, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"resources/read\","
                                 "\"params\":{\"uri\":\"notes://groceries\"}}", NULL, NULL);
  item = json_array_get_object_element (json_object_get_array_member (json_object_get_object_member (read, "result"),
                                                                      "contents"), 0);
  g_assert_cmpstr (json_object_get_string_member (item, "text"), ==, "- milk\n- bread\n");
  missing = example_call (&example, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"resources/read\","
                                    "\"params\":{\"uri\":\"notes://nothing\"}}", NULL, NULL);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (missing, "error"), "code"), ==, -32002);

  /* Subscribed to the index: adding a note announces it, before the answer. */
  subscribe = example_call (&example, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"resources/subscribe\","
                                      "\"params\":{\"uri\":\"notes://index\"}}", NULL, NULL);
  g_assert_true (json_object_has_member (subscribe, "result"));
  add = example_call (&example, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tools/call\",\"params\":{"
                                "\"name\":\"add_note\",\"arguments\":{\"title\":\"gardening\",\"text\":\"Dig.\"}}}",
                      "notifications/resources/updated", &updates);
  g_assert_cmpuint (updates, ==, 1);
  g_assert_cmpstr (test_first_text (json_object_get_object_member (add, "result")), ==, "Saved notes://gardening");
  index = example_call (&example, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"resources/read\","
                                  "\"params\":{\"uri\":\"notes://index\"}}", NULL, NULL);
  item = json_array_get_object_element (json_object_get_array_member (json_object_get_object_member (index, "result"),
                                                                      "contents"), 0);
  g_assert_cmpstr (json_object_get_string_member (item, "text"), ==,
                   "notes://garden\nnotes://gardening\nnotes://groceries\n");

  prompt = example_call (&example, "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"prompts/get\",\"params\":{"
                                   "\"name\":\"summarize_note\",\"arguments\":{\"title\":\"garden\"}}}", NULL, NULL);
  messages = json_object_get_array_member (json_object_get_object_member (prompt, "result"), "messages");
  g_assert_cmpuint (json_array_get_length (messages), ==, 2);
  item = json_object_get_object_member (json_array_get_object_element (messages, 0), "content");
  g_assert_cmpstr (json_object_get_string_member (item, "type"), ==, "resource");

  completion = example_call (&example, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"completion/complete\",\"params\":{"
                                       "\"ref\":{\"type\":\"ref/resource\",\"uri\":\"notes://{title}\"},"
                                       "\"argument\":{\"name\":\"title\",\"value\":\"gard\"}}}", NULL, NULL);
  values = json_object_get_array_member (json_object_get_object_member (json_object_get_object_member (completion, "result"),
                                                                        "completion"), "values");
  g_assert_cmpuint (json_array_get_length (values), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (values, 0), ==, "garden");

  g_output_stream_close (example.input, NULL, &error);
  g_assert_no_error (error);
  g_subprocess_wait_check (example.process, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&example.output);
  g_clear_object (&example.process);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/features/resources/list/pagination", test_resources_list_pagination);
  ADD ("/features/resources/read", test_resources_read);
  ADD ("/features/resources/read/errors", test_resources_read_errors);
  ADD ("/features/resources/templates", test_resource_templates);
  ADD ("/features/resources/subscribe", test_resources_subscribe);
  ADD ("/features/resources/update-visits-its-subscribers", test_resource_update_visits_its_subscribers);
  ADD ("/features/resources/list-changed", test_resources_list_changed);
  ADD ("/features/capabilities", test_capabilities);
  ADD ("/features/prompts/list", test_prompts_list);
  ADD ("/features/prompts/get", test_prompts_get);
  ADD ("/features/prompts/get/errors", test_prompts_get_errors);
  ADD ("/features/prompts/list-changed", test_prompts_list_changed);
  ADD ("/features/registry/replace/tool", test_replace_tool);
  ADD ("/features/registry/replace/pending-async-tool", test_replace_pending_tool);
  ADD ("/features/registry/replace/prompt", test_replace_prompt);
  ADD ("/features/registry/replace/resource", test_replace_resource);
  ADD ("/features/registry/replace/resource-template", test_replace_resource_template);
  ADD ("/features/registry/replace/same-object", test_add_same_twice);
  ADD ("/features/registry/replace/many-times", test_replace_many_times);
  ADD ("/features/list-changed/coalesced", test_list_changed_coalesced);
  ADD ("/features/list-changed/coalesced-across-replicas", test_list_changed_coalesced_across_replicas);
  ADD ("/features/completion/prompt", test_completion_prompt);
  ADD ("/features/completion/resource", test_completion_resource);
  ADD ("/features/completion/errors", test_completion_errors);
  ADD ("/features/logging/levels", test_logging_levels);
  ADD ("/features/logging/server-wide", test_logging_server_wide);
  ADD ("/features/progress", test_progress);
  ADD ("/features/progress/after-completion", test_progress_after_completion);
  ADD ("/features/cancellation", test_cancellation);
  ADD ("/features/sampling/round-trip", test_sampling_round_trip);
  ADD ("/features/sampling/client-error", test_sampling_client_error);
  ADD ("/features/sampling/malformed-error", test_sampling_malformed_error);
  ADD ("/features/sampling/timeout", test_sampling_timeout);
  ADD ("/features/sampling/without-capability", test_sampling_without_capability);
  ADD ("/features/sampling/cancelled", test_sampling_cancelled);
  ADD ("/features/sampling/session-closed", test_sampling_session_closed);
  ADD ("/features/requests/end-with-call", test_request_ends_with_call);
  ADD ("/features/requests/limit", test_requests_limit);
  ADD ("/features/requests/cancelled-from-thread", test_request_cancelled_from_thread);
  ADD ("/features/elicitation/url", test_elicit_url);
  ADD ("/features/elicitation/url-form-only-client", test_elicit_url_form_only_client);
  ADD ("/features/roots", test_list_roots);
  ADD ("/features/elicitation/url-required", test_url_elicitation_required);
  ADD ("/features/notify-from-thread", test_notify_from_thread);
  g_test_add_func ("/features/sub-capabilities", test_sub_capabilities);
  ADD ("/features/sessions/expiry", test_session_expiry);
  g_test_add_func ("/features/sessions/expiry-over-http", test_http_session_expiry);
  g_test_add_func ("/features/stdio/sampling", test_stdio_sampling);
  g_test_add_func ("/features/example/notebook", test_example_notebook);
  g_test_add_func ("/features/stdio/timeout", test_stdio_timeout);

  return g_test_run ();
}
