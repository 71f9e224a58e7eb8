/* conformance-server.c: the "everything server" the official MCP
 * conformance suite (@modelcontextprotocol/conformance) tests against
 *
 * Written with the public API only, as any server would be: the tools,
 * resources and prompts the suite's scenarios call, for both the
 * initialize-based revisions (up to 2025-11-25) and the stateless one
 * (2026-07-28). Run it with the usual options, for example
 *
 *   conformance-server --port 0
 *
 * and point the suite at the URL it prints.
 *
 * SPDX-License-Identifier: MIT
 */
#include <north-mcp.h>

/* A 1x1 red PNG and a minimal WAV file. */
static const char png_base64[] =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
static const char wav_base64[] =
  "UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YQAAAAA=";

static GBytes *
decode (const char *base64)
{
  gsize length = 0;
  guchar *data = g_base64_decode (base64, &length);

  return g_bytes_new_take (data, length);
}

static JsonObject *
parse_object (const char *json)
{
  g_autoptr(JsonNode) node = json_from_string (json, NULL);

  g_assert (node != NULL && JSON_NODE_HOLDS_OBJECT (node));
  return json_object_ref (json_node_get_object (node));
}

static char *
to_json (JsonNode *node)
{
  return node != NULL ? json_to_string (node, FALSE) : g_strdup ("null");
}

static char *
object_to_json (JsonObject *object)
{
  g_autoptr(JsonNode) node = NULL;

  if (object == NULL)
    return g_strdup ("null");
  node = json_node_init_object (json_node_alloc (), object);
  return to_json (node);
}

/* Simple content tools. */

static NorthMcpToolResult *
simple_text (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments,
             gpointer user_data, GError **error)
{
  return north_mcp_tool_result_new_text ("This is a simple text response for testing.");
}

static NorthMcpToolResult *
image_content (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments,
               gpointer user_data, GError **error)
{
  g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new ();
  g_autoptr(GBytes) png = decode (png_base64);

  north_mcp_tool_result_add_image (result, png, "image/png");
  return g_steal_pointer (&result);
}

static NorthMcpToolResult *
audio_content (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments,
               gpointer user_data, GError **error)
{
  g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new ();
  g_autoptr(GBytes) wav = decode (wav_base64);

  north_mcp_tool_result_add_audio (result, wav, "audio/wav");
  return g_steal_pointer (&result);
}

static NorthMcpToolResult *
embedded_resource (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments,
                   gpointer user_data, GError **error)
{
  g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new ();

  north_mcp_tool_result_add_embedded_text (result, "test://embedded-resource", "text/plain",
                                           "This is an embedded resource content.");
  return g_steal_pointer (&result);
}

static NorthMcpToolResult *
multiple_content_types (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments,
                        gpointer user_data, GError **error)
{
  g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new_text ("Multiple content types test:");
  g_autoptr(GBytes) png = decode (png_base64);

  north_mcp_tool_result_add_image (result, png, "image/png");
  north_mcp_tool_result_add_embedded_text (result, "test://mixed-content-resource", "application/json",
                                           "{\"test\":\"data\",\"value\":123}");
  return g_steal_pointer (&result);
}

static NorthMcpToolResult *
error_handling (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments,
                gpointer user_data, GError **error)
{
  return north_mcp_tool_result_new_error ("This tool intentionally returns an error for testing");
}

/* Tools that take their time: steps ~50 ms apart on the main loop. */

typedef struct
{
  NorthMcpContext *context;
  guint            step;
} Steps;

static void
steps_free (Steps *steps)
{
  g_object_unref (steps->context);
  g_free (steps);
}

static Steps *
steps_new (NorthMcpContext *context)
{
  Steps *steps = g_new0 (Steps, 1);

  steps->context = g_object_ref (context);
  return steps;
}

static gboolean
logging_step (gpointer user_data)
{
  Steps *steps = user_data;
  static const char * const messages[] = {
    "Tool execution started", "Tool processing data", "Tool execution completed",
  };

  north_mcp_context_log_message (steps->context, NORTH_MCP_LOG_LEVEL_INFO, "conformance",
                                 messages[steps->step]);
  if (++steps->step < G_N_ELEMENTS (messages))
    return G_SOURCE_CONTINUE;

  {
    g_autoptr(NorthMcpToolResult) result =
      north_mcp_tool_result_new_text ("Tool with logging executed successfully");

    north_mcp_context_return_tool_result (steps->context, result);
  }
  return G_SOURCE_REMOVE;
}

static void
tool_with_logging (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments,
                   gpointer user_data)
{
  Steps *steps = steps_new (context);

  /* The first message at once, the others 50 ms apart. */
  north_mcp_context_log_message (context, NORTH_MCP_LOG_LEVEL_INFO, "conformance",
                                 "Tool execution started");
  steps->step = 1;
  g_timeout_add_full (G_PRIORITY_DEFAULT, 50, logging_step, steps, (GDestroyNotify) steps_free);
}

static gboolean
progress_step (gpointer user_data)
{
  Steps *steps = user_data;

  steps->step++;
  north_mcp_context_report_progress (steps->context, steps->step * 50, 100, NULL);
  if (steps->step < 2)
    return G_SOURCE_CONTINUE;

  {
    g_autoptr(NorthMcpToolResult) result =
      north_mcp_tool_result_new_text ("Tool with progress completed");

    north_mcp_context_return_tool_result (steps->context, result);
  }
  return G_SOURCE_REMOVE;
}

static void
tool_with_progress (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments,
                    gpointer user_data)
{
  north_mcp_context_report_progress (context, 0, 100, NULL);
  g_timeout_add_full (G_PRIORITY_DEFAULT, 50, progress_step, steps_new (context),
                      (GDestroyNotify) steps_free);
}

/* Ends the response stream mid-call; the client resumes it with GET and
 * Last-Event-ID and gets the result there (SEP-1699). */
static gboolean
reconnection_done (gpointer user_data)
{
  NorthMcpContext *context = user_data;
  g_autoptr(NorthMcpToolResult) result =
    north_mcp_tool_result_new_text ("Reconnection test completed");

  north_mcp_context_return_tool_result (context, result);
  return G_SOURCE_REMOVE;
}

static void
tool_reconnection (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments,
                   gpointer user_data)
{
  north_mcp_context_close_stream (context);
  g_timeout_add_full (G_PRIORITY_DEFAULT, 200, reconnection_done, g_object_ref (context),
                      g_object_unref);
}

/* Requests to the client (initialize-based revisions). */

static void
return_text (NorthMcpContext *context,
             const char      *text)
{
  g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new_text (text);

  north_mcp_context_return_tool_result (context, result);
}

static void
sampled (GObject      *source,
         GAsyncResult *res,
         gpointer      user_data)
{
  g_autoptr(NorthMcpContext) context = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = north_mcp_context_sample_finish (context, res, &error);
  g_autofree char *text = NULL;
  JsonObject *content;

  if (answer == NULL)
    {
      north_mcp_context_return_error (context, error);
      return;
    }

  content = json_object_get_member (answer, "content") != NULL &&
            JSON_NODE_HOLDS_OBJECT (json_object_get_member (answer, "content"))
            ? json_object_get_object_member (answer, "content") : NULL;
  text = g_strdup_printf ("LLM response: %s",
                          content != NULL && json_object_has_member (content, "text")
                          ? json_object_get_string_member (content, "text") : "(no text)");
  return_text (context, text);
}

static JsonObject *
sampling_params (const char *prompt)
{
  g_autoptr(JsonObject) params = json_object_new ();
  JsonArray *messages = json_array_new ();
  JsonObject *message = json_object_new ();
  JsonObject *content = json_object_new ();

  json_object_set_string_member (content, "type", "text");
  json_object_set_string_member (content, "text", prompt);
  json_object_set_string_member (message, "role", "user");
  json_object_set_object_member (message, "content", content);
  json_array_add_object_element (messages, message);
  json_object_set_array_member (params, "messages", messages);
  json_object_set_int_member (params, "maxTokens", 100);
  return g_steal_pointer (&params);
}

static void
tool_sampling (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments,
               gpointer user_data)
{
  g_autoptr(JsonObject) params =
    sampling_params (json_object_get_string_member (arguments, "prompt"));

  north_mcp_context_sample_async (context, params, north_mcp_context_get_cancellable (context),
                                  sampled, g_object_ref (context));
}

typedef struct
{
  NorthMcpContext *context;
  const char      *prefix;
} Elicitation;

static void
elicited (GObject      *source,
          GAsyncResult *res,
          gpointer      user_data)
{
  Elicitation *elicitation = user_data;
  g_autoptr(NorthMcpContext) context = elicitation->context;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = north_mcp_context_elicit_finish (context, res, &error);
  g_autofree char *content = NULL;
  g_autofree char *text = NULL;

  if (answer == NULL)
    {
      north_mcp_context_return_error (context, error);
      g_free (elicitation);
      return;
    }

  content = json_object_has_member (answer, "content")
            ? to_json (json_object_get_member (answer, "content")) : g_strdup ("null");
  text = g_strdup_printf ("%s: action=%s, content=%s", elicitation->prefix,
                          json_object_get_string_member_with_default (answer, "action", "?"),
                          content);
  return_text (context, text);
  g_free (elicitation);
}

static void
elicit (NorthMcpContext *context,
        const char      *message,
        const char      *schema_json,
        const char      *prefix)
{
  g_autoptr(JsonObject) schema = parse_object (schema_json);
  Elicitation *elicitation = g_new0 (Elicitation, 1);

  elicitation->context = g_object_ref (context);
  elicitation->prefix = prefix;
  north_mcp_context_elicit_async (context, message, schema, north_mcp_context_get_cancellable (context),
                                  elicited, elicitation);
}

static const char user_schema[] =
  "{\"type\":\"object\",\"properties\":{"
  "\"username\":{\"type\":\"string\",\"description\":\"User's response\"},"
  "\"email\":{\"type\":\"string\",\"description\":\"User's email address\"}},"
  "\"required\":[\"username\",\"email\"]}";

static void
tool_elicitation (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments,
                  gpointer user_data)
{
  elicit (context, json_object_get_string_member (arguments, "message"), user_schema, "User response");
}

static void
tool_elicitation_defaults (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments,
                           gpointer user_data)
{
  elicit (context, "Please review and update the form fields with defaults",
          "{\"type\":\"object\",\"properties\":{"
          "\"name\":{\"type\":\"string\",\"description\":\"User name\",\"default\":\"John Doe\"},"
          "\"age\":{\"type\":\"integer\",\"description\":\"User age\",\"default\":30},"
          "\"score\":{\"type\":\"number\",\"description\":\"User score\",\"default\":95.5},"
          "\"status\":{\"type\":\"string\",\"description\":\"User status\","
          "\"enum\":[\"active\",\"inactive\",\"pending\"],\"default\":\"active\"},"
          "\"verified\":{\"type\":\"boolean\",\"description\":\"Verification status\",\"default\":true}},"
          "\"required\":[]}",
          "Elicitation completed");
}

static void
tool_elicitation_enums (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments,
                        gpointer user_data)
{
  elicit (context, "Please select options from the enum fields",
          "{\"type\":\"object\",\"properties\":{"
          "\"untitledSingle\":{\"type\":\"string\",\"description\":\"Select one option\","
          "\"enum\":[\"option1\",\"option2\",\"option3\"]},"
          "\"titledSingle\":{\"type\":\"string\",\"description\":\"Select one option with titles\","
          "\"oneOf\":[{\"const\":\"value1\",\"title\":\"First Option\"},"
          "{\"const\":\"value2\",\"title\":\"Second Option\"},"
          "{\"const\":\"value3\",\"title\":\"Third Option\"}]},"
          "\"legacyEnum\":{\"type\":\"string\",\"description\":\"Select one option (legacy)\","
          "\"enum\":[\"opt1\",\"opt2\",\"opt3\"],"
          "\"enumNames\":[\"Option One\",\"Option Two\",\"Option Three\"]},"
          "\"untitledMulti\":{\"type\":\"array\",\"description\":\"Select multiple options\","
          "\"minItems\":1,\"maxItems\":3,"
          "\"items\":{\"type\":\"string\",\"enum\":[\"option1\",\"option2\",\"option3\"]}},"
          "\"titledMulti\":{\"type\":\"array\",\"description\":\"Select multiple options with titles\","
          "\"minItems\":1,\"maxItems\":3,"
          "\"items\":{\"anyOf\":[{\"const\":\"value1\",\"title\":\"First Choice\"},"
          "{\"const\":\"value2\",\"title\":\"Second Choice\"},"
          "{\"const\":\"value3\",\"title\":\"Third Choice\"}]}}},"
          "\"required\":[]}",
          "Elicitation completed");
}

/* The 2026-07-28 revision: input-required results (MRTR). */

static void
ask_user_name (NorthMcpContext *context,
               const char      *key)
{
  g_autoptr(JsonObject) schema =
    parse_object ("{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\","
                  "\"description\":\"Your name\"}},\"required\":[\"name\"]}");

  north_mcp_context_add_elicitation_request (context, key, "What is your name?", schema);
}

static void
ask_sampling (NorthMcpContext *context,
              const char      *key,
              const char      *prompt)
{
  g_autoptr(JsonObject) params = sampling_params (prompt);

  north_mcp_context_add_input_request (context, key, "sampling/createMessage", params);
}

static char *
describe_responses (NorthMcpContext  *context,
                    const char      **keys)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; keys[i] != NULL; i++)
    {
      g_autofree char *json = object_to_json (north_mcp_context_get_input_response (context, keys[i]));

      g_string_append_printf (text, "%s%s=%s", i > 0 ? ", " : "", keys[i], json);
    }

  return g_string_free (text, FALSE);
}

static NorthMcpToolResult *
mrtr_elicitation (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments,
                  gpointer user_data, GError **error)
{
  static const char *keys[] = { "user_name", NULL };
  g_autofree char *answers = NULL;
  g_autofree char *text = NULL;

  if (north_mcp_context_get_input_response (context, "user_name") == NULL)
    {
      ask_user_name (context, "user_name");
      north_mcp_context_return_input_required (context, NULL);
      return NULL;
    }

  answers = describe_responses (context, keys);
  text = g_strdup_printf ("Hello! Received: %s", answers);
  return north_mcp_tool_result_new_text (text);
}

static NorthMcpToolResult *
mrtr_sampling (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments,
               gpointer user_data, GError **error)
{
  static const char *keys[] = { "sample_request", NULL };
  g_autofree char *answers = NULL;
  g_autofree char *text = NULL;

  if (north_mcp_context_get_input_response (context, "sample_request") == NULL)
    {
      ask_sampling (context, "sample_request", "What is the capital of France?");
      north_mcp_context_return_input_required (context, NULL);
      return NULL;
    }

  answers = describe_responses (context, keys);
  text = g_strdup_printf ("Sampling result: %s", answers);
  return north_mcp_tool_result_new_text (text);
}

static NorthMcpToolResult *
mrtr_list_roots (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments,
                 gpointer user_data, GError **error)
{
  static const char *keys[] = { "roots_request", NULL };
  g_autofree char *answers = NULL;
  g_autofree char *text = NULL;

  if (north_mcp_context_get_input_response (context, "roots_request") == NULL)
    {
      north_mcp_context_add_input_request (context, "roots_request", "roots/list", NULL);
      north_mcp_context_return_input_required (context, NULL);
      return NULL;
    }

  answers = describe_responses (context, keys);
  text = g_strdup_printf ("Roots: %s", answers);
  return north_mcp_tool_result_new_text (text);
}

static NorthMcpToolResult *
mrtr_request_state (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments,
                    gpointer user_data, GError **error)
{
  const char *state = north_mcp_context_get_request_state (context);

  if (north_mcp_context_get_input_response (context, "confirm") == NULL ||
      g_strcmp0 (state, "awaiting-confirmation") != 0)
    {
      g_autoptr(JsonObject) schema =
        parse_object ("{\"type\":\"object\",\"properties\":{\"confirmed\":{\"type\":\"boolean\"}}}");

      north_mcp_context_add_elicitation_request (context, "confirm", "Please confirm", schema);
      north_mcp_context_return_input_required (context, "awaiting-confirmation");
      return NULL;
    }

  return north_mcp_tool_result_new_text ("state-ok: the request state came back intact");
}

static NorthMcpToolResult *
mrtr_multiple_inputs (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments,
                      gpointer user_data, GError **error)
{
  static const char *keys[] = { "user_name", "greeting", "client_roots", NULL };
  g_autofree char *answers = NULL;
  g_autofree char *text = NULL;
  gboolean complete = TRUE;

  for (guint i = 0; keys[i] != NULL; i++)
    complete = complete && north_mcp_context_get_input_response (context, keys[i]) != NULL;

  if (!complete || north_mcp_context_get_request_state (context) == NULL)
    {
      ask_user_name (context, "user_name");
      ask_sampling (context, "greeting", "Write a short greeting");
      north_mcp_context_add_input_request (context, "client_roots", "roots/list", NULL);
      north_mcp_context_return_input_required (context, "multiple-inputs");
      return NULL;
    }

  answers = describe_responses (context, keys);
  text = g_strdup_printf ("All inputs received: %s", answers);
  return north_mcp_tool_result_new_text (text);
}

static NorthMcpToolResult *
mrtr_multi_round (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments,
                  gpointer user_data, GError **error)
{
  const char *state = north_mcp_context_get_request_state (context);

  if (g_strcmp0 (state, "round-2") == 0 && north_mcp_context_get_input_response (context, "step2") != NULL)
    return north_mcp_tool_result_new_text ("Multi-round flow completed after two rounds of input");

  if (g_strcmp0 (state, "round-1") == 0 && north_mcp_context_get_input_response (context, "step1") != NULL)
    {
      ask_user_name (context, "step2");
      north_mcp_context_return_input_required (context, "round-2");
      return NULL;
    }

  ask_user_name (context, "step1");
  north_mcp_context_return_input_required (context, "round-1");
  return NULL;
}

static NorthMcpToolResult *
mrtr_tampered_state (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments,
                     gpointer user_data, GError **error)
{
  /* The library rejects a tampered state before this runs. */
  if (g_strcmp0 (north_mcp_context_get_request_state (context), "untampered") == 0)
    return north_mcp_tool_result_new_text ("The request state was verified");

  ask_user_name (context, "user_name");
  north_mcp_context_return_input_required (context, "untampered");
  return NULL;
}

static NorthMcpToolResult *
mrtr_capabilities (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments,
                   gpointer user_data, GError **error)
{
  static const char *keys[] = { "elicit_input", "sample_input", NULL };
  g_autofree char *answers = NULL;
  g_autofree char *text = NULL;

  if (north_mcp_context_get_request_state (context) == NULL)
    {
      /* Only what the client declared is added. */
      ask_user_name (context, "elicit_input");
      ask_sampling (context, "sample_input", "Say something");
      north_mcp_context_return_input_required (context, "capabilities");
      return NULL;
    }

  answers = describe_responses (context, keys);
  text = g_strdup_printf ("Inputs: %s", answers);
  return north_mcp_tool_result_new_text (text);
}

/* Diagnostics of the 2026-07-28 revision. */

static NorthMcpToolResult *
missing_capability (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments,
                    gpointer user_data, GError **error)
{
  if (!north_mcp_context_has_client_capability (context, "sampling"))
    {
      north_mcp_context_return_missing_capability (context, "sampling");
      return NULL;
    }

  return north_mcp_tool_result_new_text ("Success");
}

static NorthMcpToolResult *
streaming_elicitation (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments,
                       gpointer user_data, GError **error)
{
  if (north_mcp_context_get_supports_input_requests (context) &&
      north_mcp_context_get_input_response (context, "user_name") == NULL)
    {
      ask_user_name (context, "user_name");
      north_mcp_context_return_input_required (context, NULL);
      return NULL;
    }

  return north_mcp_tool_result_new_text ("Streaming elicitation completed");
}

static NorthMcpToolResult *
logging_tool (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments,
              gpointer user_data, GError **error)
{
  north_mcp_context_log_message (context, NORTH_MCP_LOG_LEVEL_INFO, "conformance", "Logging tool called");
  north_mcp_context_log_message (context, NORTH_MCP_LOG_LEVEL_WARNING, "conformance", "A warning");
  return north_mcp_tool_result_new_text ("Logging tool completed");
}

static NorthMcpToolResult *
trigger_tool_change (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments,
                     gpointer user_data, GError **error)
{
  north_mcp_server_notify_tools_list_changed (north_mcp_context_get_server (context));
  return north_mcp_tool_result_new_text ("Tool list change notified");
}

static NorthMcpToolResult *
header_param (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments,
              gpointer user_data, GError **error)
{
  g_autofree char *text = g_strdup_printf ("Region: %s",
                                           json_object_get_string_member (arguments, "region"));

  return north_mcp_tool_result_new_text (text);
}

static NorthMcpToolResult *
trigger_prompt_change (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments,
                       gpointer user_data, GError **error)
{
  north_mcp_server_notify_prompts_list_changed (north_mcp_context_get_server (context));
  return north_mcp_tool_result_new_text ("Prompt list change notified");
}

/* Resources. */

static NorthMcpResourceContents *
read_template (NorthMcpResourceTemplate  *template_,
               NorthMcpContext           *context,
               const char                *uri,
               GHashTable                *variables,
               gpointer                   user_data,
               GError                   **error)
{
  const char *id = g_hash_table_lookup (variables, "id");
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *data = g_strdup_printf ("Data for ID: %s", id);
  g_autofree char *text = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, id);
  json_builder_set_member_name (builder, "templateTest");
  json_builder_add_boolean_value (builder, TRUE);
  json_builder_set_member_name (builder, "data");
  json_builder_add_string_value (builder, data);
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);
  text = to_json (node);

  return north_mcp_resource_contents_new_text (uri, "application/json", text);
}

static void
add_text_resource (NorthMcpServer *server,
                   const char     *uri,
                   const char     *name,
                   const char     *title,
                   const char     *description,
                   const char     *text)
{
  g_autoptr(NorthMcpResource) resource = north_mcp_resource_new_text (uri, name, "text/plain", text);

  north_mcp_feature_set_title (NORTH_MCP_FEATURE (resource), title);
  north_mcp_feature_set_description (NORTH_MCP_FEATURE (resource), description);
  north_mcp_server_add_resource (server, resource);
}

static void
add_resources (NorthMcpServer *server)
{
  g_autoptr(GBytes) png = decode (png_base64);
  g_autoptr(NorthMcpResource) binary =
    north_mcp_resource_new_blob ("test://static-binary", "static-binary", "image/png", png);
  g_autoptr(NorthMcpResourceTemplate) template_ = NULL;
  g_autoptr(GError) error = NULL;

  add_text_resource (server, "test://static-text", "static-text", "Static Text Resource",
                     "A static text resource for testing",
                     "This is the content of the static text resource.");

  north_mcp_feature_set_title (NORTH_MCP_FEATURE (binary), "Static Binary Resource");
  north_mcp_feature_set_description (NORTH_MCP_FEATURE (binary), "A static binary resource (image) for testing");
  north_mcp_server_add_resource (server, binary);

  add_text_resource (server, "test://watched-resource", "watched-resource", "Watched Resource",
                     "A resource to subscribe to", "Watched resource content");
  add_text_resource (server, "test://stateless-static-text", "stateless-static-text",
                     "Stateless Static Text Resource", "A static text resource for stateless clients",
                     "This is the content of the stateless static text resource.");

  template_ = north_mcp_resource_template_new ("test://template/{id}/data", "template", &error);
  if (template_ == NULL)
    g_error ("Bad template: %s", error->message);
  north_mcp_feature_set_title (NORTH_MCP_FEATURE (template_), "Resource Template");
  north_mcp_feature_set_description (NORTH_MCP_FEATURE (template_), "A resource template with an id parameter");
  north_mcp_resource_template_set_mime_type (template_, "application/json");
  north_mcp_resource_template_set_func (template_, read_template, NULL, NULL);
  north_mcp_server_add_resource_template (server, template_);
}

/* Prompts. */

static NorthMcpPromptResult *
simple_prompt (NorthMcpPrompt *prompt, NorthMcpContext *context, GHashTable *arguments,
               gpointer user_data, GError **error)
{
  g_autoptr(NorthMcpPromptResult) result = north_mcp_prompt_result_new (NULL);

  north_mcp_prompt_result_add_text (result, NORTH_MCP_ROLE_USER, "This is a simple prompt for testing.");
  return g_steal_pointer (&result);
}

static NorthMcpPromptResult *
prompt_with_arguments (NorthMcpPrompt *prompt, NorthMcpContext *context, GHashTable *arguments,
                       gpointer user_data, GError **error)
{
  g_autoptr(NorthMcpPromptResult) result = north_mcp_prompt_result_new (NULL);
  g_autofree char *text = g_strdup_printf ("Prompt with arguments: arg1='%s', arg2='%s'",
                                           (const char *) g_hash_table_lookup (arguments, "arg1"),
                                           (const char *) g_hash_table_lookup (arguments, "arg2"));

  north_mcp_prompt_result_add_text (result, NORTH_MCP_ROLE_USER, text);
  return g_steal_pointer (&result);
}

static NorthMcpPromptResult *
prompt_with_embedded_resource (NorthMcpPrompt *prompt, NorthMcpContext *context, GHashTable *arguments,
                               gpointer user_data, GError **error)
{
  g_autoptr(NorthMcpPromptResult) result = north_mcp_prompt_result_new (NULL);
  g_autoptr(JsonNode) resource =
    north_mcp_content_embedded_text_new (g_hash_table_lookup (arguments, "resourceUri"), "text/plain",
                                         "Embedded resource content for testing.");

  north_mcp_prompt_result_add_message (result, NORTH_MCP_ROLE_USER, resource);
  north_mcp_prompt_result_add_text (result, NORTH_MCP_ROLE_USER, "Please process the embedded resource above.");
  return g_steal_pointer (&result);
}

static NorthMcpPromptResult *
prompt_with_image (NorthMcpPrompt *prompt, NorthMcpContext *context, GHashTable *arguments,
                   gpointer user_data, GError **error)
{
  g_autoptr(NorthMcpPromptResult) result = north_mcp_prompt_result_new (NULL);
  g_autoptr(GBytes) png = decode (png_base64);
  g_autoptr(JsonNode) image = north_mcp_content_image_new (png, "image/png");

  north_mcp_prompt_result_add_message (result, NORTH_MCP_ROLE_USER, image);
  north_mcp_prompt_result_add_text (result, NORTH_MCP_ROLE_USER, "Please analyze the image above.");
  return g_steal_pointer (&result);
}

/* prompts/get with an input-required result (2026-07-28). */
static NorthMcpPromptResult *
input_required_prompt (NorthMcpPrompt *prompt, NorthMcpContext *context, GHashTable *arguments,
                       gpointer user_data, GError **error)
{
  g_autoptr(NorthMcpPromptResult) result = NULL;
  g_autofree char *answer = NULL;
  g_autofree char *text = NULL;

  if (north_mcp_context_get_supports_input_requests (context) &&
      north_mcp_context_get_input_response (context, "user_context") == NULL)
    {
      g_autoptr(JsonObject) schema =
        parse_object ("{\"type\":\"object\",\"properties\":{\"context\":{\"type\":\"string\","
                      "\"description\":\"Context for the prompt\"}},\"required\":[\"context\"]}");

      north_mcp_context_add_elicitation_request (context, "user_context",
                                                 "What context should the prompt use?", schema);
      north_mcp_context_return_input_required (context, NULL);
      return NULL;
    }

  answer = object_to_json (north_mcp_context_get_input_response (context, "user_context"));
  text = g_strdup_printf ("Prompt built with the user's context: %s", answer);
  result = north_mcp_prompt_result_new (NULL);
  north_mcp_prompt_result_add_text (result, NORTH_MCP_ROLE_USER, text);
  return g_steal_pointer (&result);
}

static NorthMcpPrompt *
add_prompt (NorthMcpServer     *server,
            const char         *name,
            const char         *title,
            const char         *description,
            NorthMcpPromptFunc  func)
{
  g_autoptr(NorthMcpPrompt) prompt = north_mcp_prompt_new (name, description);

  north_mcp_feature_set_title (NORTH_MCP_FEATURE (prompt), title);
  north_mcp_prompt_set_func (prompt, func, NULL, NULL);
  north_mcp_server_add_prompt (server, prompt);
  return prompt;
}

static void
add_prompts (NorthMcpServer *server)
{
  NorthMcpPrompt *prompt;

  add_prompt (server, "test_simple_prompt", "Simple Test Prompt", "A simple prompt without arguments",
              simple_prompt);

  prompt = add_prompt (server, "test_prompt_with_arguments", "Prompt With Arguments",
                       "A prompt with required arguments", prompt_with_arguments);
  north_mcp_prompt_add_argument (prompt, "arg1", "First test argument", TRUE);
  north_mcp_prompt_add_argument (prompt, "arg2", "Second test argument", TRUE);

  prompt = add_prompt (server, "test_prompt_with_embedded_resource", "Prompt With Embedded Resource",
                       "A prompt that includes an embedded resource", prompt_with_embedded_resource);
  north_mcp_prompt_add_argument (prompt, "resourceUri", "URI of the resource to embed", TRUE);

  add_prompt (server, "test_prompt_with_image", "Prompt With Image", "A prompt that includes an image",
              prompt_with_image);
  add_prompt (server, "test_input_required_result_prompt", "Prompt Needing Input",
              "A prompt that asks the user for context first (input-required result)",
              input_required_prompt);
}

/* The tasks extension (SEP-2663): tools that run as tasks. */

typedef struct
{
  NorthMcpContext *context;
  GCancellable    *cancellable;
  gulong           cancelled_id;
  guint            timeout_id;
  char            *text;
  gboolean         is_error;  /* a tool error result */
  gboolean         protocol;  /* a protocol error instead */
} Job;

static void
job_free (Job *job)
{
  g_cancellable_disconnect (job->cancellable, job->cancelled_id);
  g_object_unref (job->cancellable);
  g_object_unref (job->context);
  g_free (job->text);
  g_free (job);
}

static gboolean
job_done (gpointer user_data)
{
  Job *job = user_data;

  job->timeout_id = 0;
  if (job->protocol)
    north_mcp_context_return_error_full (job->context, NORTH_MCP_JSONRPC_ERROR_INTERNAL_ERROR, job->text, NULL);
  else
    {
      g_autoptr(NorthMcpToolResult) result =
        job->is_error ? north_mcp_tool_result_new_error (job->text) : north_mcp_tool_result_new_text (job->text);

      north_mcp_context_return_tool_result (job->context, result);
    }
  job_free (job);
  return G_SOURCE_REMOVE;
}

/* tasks/cancel: stop at once (the answer is ignored, the task is
 * cancelled already). */
static gboolean
job_cancelled (gpointer user_data)
{
  Job *job = user_data;

  north_mcp_context_return_error_literal (job->context, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Cancelled");
  job_free (job);
  return G_SOURCE_REMOVE;
}

static void
job_cancel_cb (GCancellable *cancellable,
               Job          *job)
{
  if (job->timeout_id == 0)
    return;
  g_source_remove (job->timeout_id);
  job->timeout_id = 0;
  /* Not from inside the cancellable's signal: job_free() disconnects. */
  g_idle_add (job_cancelled, job);
}

static void
job_start (NorthMcpContext *context,
           guint            delay_ms,
           char            *text,
           gboolean         is_error,
           gboolean         protocol)
{
  Job *job = g_new0 (Job, 1);

  job->context = g_object_ref (context);
  job->cancellable = g_object_ref (north_mcp_context_get_cancellable (context));
  job->text = text;
  job->is_error = is_error;
  job->protocol = protocol;
  job->timeout_id = g_timeout_add (delay_ms, job_done, job);
  job->cancelled_id = g_cancellable_connect (job->cancellable, G_CALLBACK (job_cancel_cb), job, NULL);
}

static NorthMcpToolResult *
greet (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments,
       gpointer user_data, GError **error)
{
  g_autofree char *text = g_strdup_printf ("Hello, %s!", json_object_get_string_member (arguments, "name"));

  return north_mcp_tool_result_new_text (text);
}

static void
slow_compute (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments,
              gpointer user_data)
{
  double seconds = json_object_get_double_member_with_default (arguments, "seconds", 0);
  const char *label = json_object_get_string_member_with_default (arguments, "label", "job");
  char *text = g_strdup_printf ("Computed %s in %g s", label, seconds);

  if (seconds <= 0)
    {
      /* Answered at once: no task (the immediate-result shortcut). */
      g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new_text (text);

      g_free (text);
      north_mcp_context_return_tool_result (context, result);
      return;
    }

  {
    g_autofree char *status = g_strdup_printf ("Computing %s", label);

    north_mcp_context_set_task_status_message (context, status);
  }
  job_start (context, (guint) MIN (seconds, 3600) * 1000, text, FALSE, FALSE);
}

static void
failing_job (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments,
             gpointer user_data)
{
  job_start (context, 1000, g_strdup ("The job failed"), TRUE, FALSE);
}

static void
protocol_error_job (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments,
                    gpointer user_data)
{
  job_start (context, 200, g_strdup ("The job crashed"), FALSE, TRUE);
}

static gboolean
ask_confirmation (gpointer user_data)
{
  NorthMcpContext *context = user_data;
  g_autoptr(JsonObject) schema =
    parse_object ("{\"type\":\"object\",\"properties\":{\"confirm\":{\"type\":\"boolean\"}},"
                  "\"required\":[\"confirm\"]}");

  north_mcp_context_add_elicitation_request (context, "confirm", "Really delete the file?", schema);
  north_mcp_context_return_input_required (context, NULL);
  return G_SOURCE_REMOVE;
}

static const char *
elicited_action (NorthMcpContext *context,
                 const char      *key)
{
  JsonObject *answer = north_mcp_context_get_input_response (context, key);

  return answer != NULL ? json_object_get_string_member_with_default (answer, "action", "decline") : NULL;
}

static void
confirm_delete (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments,
                gpointer user_data)
{
  const char *filename = json_object_get_string_member_with_default (arguments, "filename", "file");
  const char *action = elicited_action (context, "confirm");

  if (action == NULL)
    {
      /* Later, so that the call becomes a task that waits for input. */
      g_timeout_add_full (G_PRIORITY_DEFAULT, 100, ask_confirmation, g_object_ref (context), g_object_unref);
      return;
    }

  job_start (context, 100,
             g_strdup_printf (g_str_equal (action, "accept") ? "Deleted %s" : "Kept %s", filename),
             FALSE, FALSE);
}

static gboolean
ask_two (gpointer user_data)
{
  NorthMcpContext *context = user_data;
  g_autoptr(JsonObject) schema =
    parse_object ("{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"}}}");

  north_mcp_context_add_elicitation_request (context, "first", "First input?", schema);
  north_mcp_context_add_elicitation_request (context, "second", "Second input?", schema);
  north_mcp_context_return_input_required (context, NULL);
  return G_SOURCE_REMOVE;
}

static void
multi_input (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments,
             gpointer user_data)
{
  if (elicited_action (context, "first") == NULL || elicited_action (context, "second") == NULL)
    {
      g_timeout_add_full (G_PRIORITY_DEFAULT, 100, ask_two, g_object_ref (context), g_object_unref);
      return;
    }

  job_start (context, 100, g_strdup ("Both inputs received"), FALSE, FALSE);
}

/* MRTR first (answered in the response), then a task. */
static void
tool_with_task (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *arguments,
                gpointer user_data)
{
  JsonObject *answer = north_mcp_context_get_input_response (context, "user_name");
  JsonObject *content = answer != NULL ? json_object_get_object_member (answer, "content") : NULL;
  const char *name = content != NULL ? json_object_get_string_member_with_default (content, "name", NULL) : NULL;

  if (name == NULL)
    {
      ask_user_name (context, "user_name");
      north_mcp_context_return_input_required (context, NULL);
      return;
    }

  job_start (context, 300, g_strdup_printf ("Hello, %s! The task is done.", name), FALSE, FALSE);
}

/* Registration. */

static NorthMcpTool *
add_tool (NorthMcpServer   *server,
          const char       *name,
          const char       *description,
          NorthMcpToolFunc  func)
{
  g_autoptr(NorthMcpTool) tool = north_mcp_tool_new (name, description);

  north_mcp_tool_set_func (tool, func, NULL, NULL);
  north_mcp_server_add_tool (server, tool);
  return tool;
}

static NorthMcpTool *
add_async_tool (NorthMcpServer        *server,
                const char            *name,
                const char            *description,
                NorthMcpToolAsyncFunc  func)
{
  g_autoptr(NorthMcpTool) tool = north_mcp_tool_new (name, description);

  north_mcp_tool_set_async_func (tool, func, NULL, NULL);
  north_mcp_server_add_tool (server, tool);
  return tool;
}

static void
set_schema (NorthMcpTool *tool,
            const char   *schema)
{
  g_autoptr(GError) error = NULL;

  if (!north_mcp_tool_set_input_schema_json (tool, schema, &error))
    g_error ("Bad schema for %s: %s", north_mcp_feature_get_name (NORTH_MCP_FEATURE (tool)), error->message);
}

static void
add_tools (NorthMcpServer *server)
{
  static const struct {
    const char       *name;
    const char       *description;
    NorthMcpToolFunc  func;
  } simple[] = {
    { "test_simple_text", "Returns a simple text response", simple_text },
    { "test_image_content", "Returns an image (a 1x1 red PNG)", image_content },
    { "test_audio_content", "Returns audio (a minimal WAV file)", audio_content },
    { "test_embedded_resource", "Returns an embedded text resource", embedded_resource },
    { "test_multiple_content_types", "Returns text, an image and an embedded resource",
      multiple_content_types },
    { "test_error_handling", "Always fails, as a tool error result", error_handling },
    { "test_missing_capability", "Needs the client's sampling capability", missing_capability },
    { "test_input_required_result_elicitation", "Asks for the user's name (input-required result)",
      mrtr_elicitation },
    { "test_input_required_result_sampling", "Asks the client's model (input-required result)",
      mrtr_sampling },
    { "test_input_required_result_list_roots", "Asks for the client's roots (input-required result)",
      mrtr_list_roots },
    { "test_input_required_result_request_state", "Round-trips a request state",
      mrtr_request_state },
    { "test_input_required_result_multiple_inputs", "Asks for several inputs at once",
      mrtr_multiple_inputs },
    { "test_input_required_result_multi_round", "Asks for input in two rounds", mrtr_multi_round },
    { "test_input_required_result_tampered_state", "Rejects a tampered request state",
      mrtr_tampered_state },
    { "test_input_required_result_capabilities", "Asks only for what the client declared",
      mrtr_capabilities },
    { "test_streaming_elicitation", "Asks for input without sending requests on the stream",
      streaming_elicitation },
    { "test_logging_tool", "Logs messages (only sent when the request asks for a log level)",
      logging_tool },
    { "test_trigger_tool_change", "Announces a change of the tool list", trigger_tool_change },
    { "test_trigger_prompt_change", "Announces a change of the prompt list", trigger_prompt_change },
  };
  NorthMcpTool *tool;

  for (guint i = 0; i < G_N_ELEMENTS (simple); i++)
    add_tool (server, simple[i].name, simple[i].description, simple[i].func);

  add_async_tool (server, "test_tool_with_logging", "Sends log messages while it runs", tool_with_logging);
  add_async_tool (server, "test_tool_with_progress", "Reports progress while it runs", tool_with_progress);
  add_async_tool (server, "test_reconnection", "Ends its response stream mid-call; resume it to get the result",
                  tool_reconnection);

  tool = add_async_tool (server, "test_sampling", "Asks the client's model to answer a prompt", tool_sampling);
  set_schema (tool, "{\"type\":\"object\",\"properties\":{\"prompt\":{\"type\":\"string\","
                    "\"description\":\"The prompt to send\"}},\"required\":[\"prompt\"]}");
  tool = add_async_tool (server, "test_elicitation", "Asks the user for information", tool_elicitation);
  set_schema (tool, "{\"type\":\"object\",\"properties\":{\"message\":{\"type\":\"string\","
                    "\"description\":\"What to ask\"}},\"required\":[\"message\"]}");
  add_async_tool (server, "test_elicitation_sep1034_defaults", "Elicits fields that have defaults",
                  tool_elicitation_defaults);
  add_async_tool (server, "test_elicitation_sep1330_enums", "Elicits the five kinds of enum",
                  tool_elicitation_enums);

  /* A tool argument mirrored in an HTTP header (Mcp-Param-Region). */
  tool = add_tool (server, "test_header_param", "Echoes a region that also travels in a header",
                   header_param);
  set_schema (tool, "{\"type\":\"object\",\"properties\":{\"region\":{\"type\":\"string\","
                    "\"description\":\"A region name\",\"x-mcp-header\":\"Region\"}},"
                    "\"required\":[\"region\"]}");

  tool = add_tool (server, "json_schema_2020_12_tool", "Takes arguments described in JSON Schema 2020-12",
                   simple_text);
  /* The suite's canonical 2020-12 fixture, which must come back verbatim. */
  set_schema (tool,
              "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"type\":\"object\","
              "\"$defs\":{\"address\":{\"$anchor\":\"addressDef\",\"type\":\"object\",\"properties\":{"
              "\"street\":{\"type\":\"string\"},\"city\":{\"type\":\"string\"}}}},"
              "\"properties\":{\"name\":{\"type\":\"string\"},\"address\":{\"$ref\":\"#/$defs/address\"},"
              "\"contactMethod\":{\"type\":\"string\",\"enum\":[\"phone\",\"email\"]},"
              "\"phone\":{\"type\":\"string\"},\"email\":{\"type\":\"string\"}},"
              "\"allOf\":[{\"anyOf\":[{\"required\":[\"phone\"]},{\"required\":[\"email\"]}]}],"
              "\"if\":{\"properties\":{\"contactMethod\":{\"const\":\"phone\"}},"
              "\"required\":[\"contactMethod\"]},"
              "\"then\":{\"required\":[\"phone\"]},\"else\":{\"required\":[\"email\"]},"
              "\"additionalProperties\":false}");
  /* The tasks extension. */
  tool = add_tool (server, "greet", "Greets someone (never a task)", greet);
  set_schema (tool, "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"}},"
                    "\"required\":[\"name\"]}");
  tool = add_async_tool (server, "slow_compute", "Takes 'seconds' seconds (a task)", slow_compute);
  north_mcp_tool_set_task_support (tool, NORTH_MCP_TASK_SUPPORT_OPTIONAL);
  set_schema (tool, "{\"type\":\"object\",\"properties\":{\"seconds\":{\"type\":\"number\","
                    "\"minimum\":0},\"label\":{\"type\":\"string\"}},\"required\":[\"seconds\"]}");
  tool = add_async_tool (server, "failing_job", "Fails as a tool error after a second (only as a task)",
                         failing_job);
  north_mcp_tool_set_task_support (tool, NORTH_MCP_TASK_SUPPORT_REQUIRED);
  tool = add_async_tool (server, "protocol_error_job", "Fails with a protocol error (a task)",
                         protocol_error_job);
  north_mcp_tool_set_task_support (tool, NORTH_MCP_TASK_SUPPORT_OPTIONAL);
  tool = add_async_tool (server, "confirm_delete", "Asks before deleting a file (a task)", confirm_delete);
  north_mcp_tool_set_task_support (tool, NORTH_MCP_TASK_SUPPORT_OPTIONAL);
  set_schema (tool, "{\"type\":\"object\",\"properties\":{\"filename\":{\"type\":\"string\"}}}");
  tool = add_async_tool (server, "multi_input", "Asks two questions at once (a task)", multi_input);
  north_mcp_tool_set_task_support (tool, NORTH_MCP_TASK_SUPPORT_OPTIONAL);
  tool = add_async_tool (server, "test_tool_with_task", "Asks for a name, then runs as a task",
                         tool_with_task);
  north_mcp_tool_set_task_support (tool, NORTH_MCP_TASK_SUPPORT_REQUIRED);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(NorthMcpServer) server = north_mcp_server_new ("mcp-conformance-test-server", "1.0.0");
  static const char * const lists[] = {
    "server/discover", "tools/list", "prompts/list", "resources/list", "resources/templates/list",
  };

  north_mcp_server_set_port (server, 3000);
  north_mcp_server_set_instructions (server, "A server exposing every MCP feature for conformance testing.");

  /* Lists hold no user data: cacheable by anyone for five minutes; reads
   * private. */
  for (guint i = 0; i < G_N_ELEMENTS (lists); i++)
    north_mcp_server_set_cache_hint (server, lists[i], 300000, NORTH_MCP_CACHE_SCOPE_PUBLIC);
  north_mcp_server_set_cache_hint (server, "resources/read", 300000, NORTH_MCP_CACHE_SCOPE_PRIVATE);

  add_tools (server);
  add_resources (server);
  add_prompts (server);

  return north_mcp_server_run (server, argc, argv);
}
