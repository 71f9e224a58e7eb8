/* north-mcp-tool.c
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-context.h"
#include "north-mcp-enum-types.h"
#include "north-mcp-error.h"
#include "north-mcp-feature-private.h"
#include "north-mcp-tool-private.h"
#include "north-mcp-util-private.h"

#include "north-mcp-schema-private.h"

/**
 * NorthMcpTool:
 *
 * A tool the model can call: a name, a description, a JSON Schema for its
 * arguments and a handler.
 *
 * Its name, title, description, annotations, icons and `_meta` are those
 * of its base class, [class@NorthMcp.Feature].
 *
 * There are three ways to give a tool its behaviour: a synchronous function
 * ([method@NorthMcp.Tool.set_func]), an asynchronous one that completes the
 * [class@NorthMcp.Context] later ([method@NorthMcp.Tool.set_async_func]), or a
 * subclass overriding [vfunc@NorthMcp.Tool.call].
 *
 * ```c
 * static NorthMcpToolResult *
 * add (NorthMcpTool *tool, NorthMcpContext *context, JsonObject *args,
 *      gpointer user_data, GError **error)
 * {
 *   g_autofree char *sum = g_strdup_printf ("%" G_GINT64_FORMAT,
 *                                           json_object_get_int_member (args,
 *                                           "a") + json_object_get_int_member
 *                                           (args, "b"));
 *   return north_mcp_tool_result_new_text (sum);
 * }
 *
 * tool = north_mcp_tool_new ("add", "Add two numbers");
 * north_mcp_tool_set_input_schema_json (tool,
 *   "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"},"
 *   "\"b\":{\"type\":\"integer\"}},\"required\":[\"a\",\"b\"]}", NULL);
 * north_mcp_tool_set_func (tool, add, NULL, NULL);
 * ```
 */

/* A JSON Schema and its compiled checker; both NULL while unset. */
typedef struct
{
  JsonObject            *object;
  NorthMcpSchemaChecker *checker;
} Schema;

typedef struct
{
  Schema              input;
  Schema              output;
  NorthMcpTaskSupport task_support;
} NorthMcpToolPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (NorthMcpTool, north_mcp_tool, NORTH_MCP_TYPE_FEATURE)

enum {
  PROP_0,
  PROP_INPUT_SCHEMA,
  PROP_OUTPUT_SCHEMA,
  PROP_TASK_SUPPORT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The default handler: run whichever function was set. */
static void
north_mcp_tool_real_call (NorthMcpTool    *self,
                          NorthMcpContext *context,
                          JsonObject      *arguments)
{
  NorthMcpHandler *handler = north_mcp_feature_get_handler (NORTH_MCP_FEATURE (self));
  g_autoptr(NorthMcpToolResult) result = NULL;
  g_autoptr(GError) error = NULL;

  if (handler->async_func != NULL)
    ((NorthMcpToolAsyncFunc) handler->async_func) (self, context, arguments, handler->data);
  else if (handler->func == NULL)
    north_mcp_context_return_error_literal (context, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED,
                                            "This tool has no implementation");
  else
    {
      result = ((NorthMcpToolFunc) handler->func) (self, context, arguments, handler->data, &error);
      north_mcp_feature_answer (context, result, error,
                                (NorthMcpFeatureAnswerFunc) north_mcp_context_return_tool_result,
                                "The tool returned neither a result nor an error");
    }
}

static void
schema_clear (Schema *schema)
{
  g_clear_pointer (&schema->object, json_object_unref);
  g_clear_pointer (&schema->checker, north_mcp_schema_checker_free);
}

static void
north_mcp_tool_finalize (GObject *object)
{
  NorthMcpTool *self = NORTH_MCP_TOOL (object);
  NorthMcpToolPrivate *priv = north_mcp_tool_get_instance_private (self);

  schema_clear (&priv->input);
  schema_clear (&priv->output);

  G_OBJECT_CLASS (north_mcp_tool_parent_class)->finalize (object);
}

static void
north_mcp_tool_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  NorthMcpTool *self = NORTH_MCP_TOOL (object);
  NorthMcpToolPrivate *priv = north_mcp_tool_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_INPUT_SCHEMA:
      g_value_set_boxed (value, priv->input.object);
      break;
    case PROP_OUTPUT_SCHEMA:
      g_value_set_boxed (value, priv->output.object);
      break;
    case PROP_TASK_SUPPORT:
      g_value_set_enum (value, priv->task_support);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
north_mcp_tool_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  NorthMcpTool *self = NORTH_MCP_TOOL (object);

  switch (prop_id)
    {
    case PROP_INPUT_SCHEMA:
      north_mcp_tool_set_input_schema (self, g_value_get_boxed (value));
      break;
    case PROP_OUTPUT_SCHEMA:
      north_mcp_tool_set_output_schema (self, g_value_get_boxed (value));
      break;
    case PROP_TASK_SUPPORT:
      north_mcp_tool_set_task_support (self, g_value_get_enum (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
north_mcp_tool_constructed (GObject *object)
{
  NorthMcpTool *self = NORTH_MCP_TOOL (object);
  NorthMcpToolPrivate *priv = north_mcp_tool_get_instance_private (self);

  G_OBJECT_CLASS (north_mcp_tool_parent_class)->constructed (object);

  /* A tool without declared arguments still needs an object schema. */
  if (priv->input.object == NULL)
    {
      g_autoptr(JsonObject) schema = json_object_new ();

      json_object_set_string_member (schema, "type", "object");
      north_mcp_tool_set_input_schema (self, schema);
    }
}

static void
north_mcp_tool_add_json_members (NorthMcpFeature *feature,
                                 JsonObject      *object)
{
  NorthMcpToolPrivate *priv = north_mcp_tool_get_instance_private (NORTH_MCP_TOOL (feature));

  json_object_set_object_member (object, "inputSchema", json_object_ref (priv->input.object));
  if (priv->output.object != NULL)
    json_object_set_object_member (object, "outputSchema", json_object_ref (priv->output.object));
  if (priv->task_support != NORTH_MCP_TASK_SUPPORT_FORBIDDEN)
    {
      JsonObject *execution = json_object_new ();

      json_object_set_string_member (execution, "taskSupport",
                                     priv->task_support == NORTH_MCP_TASK_SUPPORT_REQUIRED
                                     ? "required" : "optional");
      json_object_set_object_member (object, "execution", execution);
    }
}

static void
north_mcp_tool_class_init (NorthMcpToolClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  NorthMcpFeatureClass *feature_class = NORTH_MCP_FEATURE_CLASS (klass);

  object_class->finalize = north_mcp_tool_finalize;
  object_class->constructed = north_mcp_tool_constructed;
  object_class->get_property = north_mcp_tool_get_property;
  object_class->set_property = north_mcp_tool_set_property;

  feature_class->add_json_members = north_mcp_tool_add_json_members;
  klass->call = north_mcp_tool_real_call;

  /**
   * NorthMcpTool:input-schema:
   *
   * The JSON Schema of the tool's arguments, an object schema. Defaults
   * to `{"type": "object"}`.
   */
  properties[PROP_INPUT_SCHEMA] =
    g_param_spec_boxed ("input-schema", NULL, NULL, JSON_TYPE_OBJECT,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * NorthMcpTool:output-schema:
   *
   * The JSON Schema of the tool's structured result, or %NULL.
   */
  properties[PROP_OUTPUT_SCHEMA] =
    g_param_spec_boxed ("output-schema", NULL, NULL, JSON_TYPE_OBJECT,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);


  /**
   * NorthMcpTool:task-support:
   *
   * Whether the tool runs as a task of the tasks extension (protocol
   * revision 2026-07-28): see [enum@NorthMcp.TaskSupport]. A task keeps
   * running after the HTTP request that started it ended; the client
   * polls `tasks/get` for its status and result.
   *
   * Since: 0.2
   */
  properties[PROP_TASK_SUPPORT] =
    g_param_spec_enum ("task-support", NULL, NULL, NORTH_MCP_TYPE_TASK_SUPPORT,
                       NORTH_MCP_TASK_SUPPORT_FORBIDDEN,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
north_mcp_tool_init (NorthMcpTool *self)
{
}

/**
 * north_mcp_tool_new:
 * @name: the tool's name
 * @description: (nullable): what the tool does
 *
 * Creates a tool that takes no arguments until an input schema is set.
 *
 * Returns: (transfer full): a new tool
 */
NorthMcpTool *
north_mcp_tool_new (const char *name,
                    const char *description)
{
  g_return_val_if_fail (name != NULL, NULL);

  return g_object_new (NORTH_MCP_TYPE_TOOL,
                       "name", name,
                       "description", description,
                       NULL);
}

/**
 * north_mcp_tool_set_func:
 * @self: a tool
 * @func: (scope notified) (closure user_data) (destroy destroy): the handler
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data
 *
 * Makes @func the tool's synchronous handler. It runs on the server's main
 * context; a handler that waits for anything should be asynchronous instead.
 */
void
north_mcp_tool_set_func (NorthMcpTool     *self,
                         NorthMcpToolFunc  func,
                         gpointer          user_data,
                         GDestroyNotify    destroy)
{
  g_return_if_fail (NORTH_MCP_IS_TOOL (self));

  north_mcp_feature_set_handler (NORTH_MCP_FEATURE (self), G_CALLBACK (func), NULL, user_data, destroy);
}

/**
 * north_mcp_tool_set_async_func:
 * @self: a tool
 * @func: (scope notified) (closure user_data) (destroy destroy): the handler
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data
 *
 * Makes @func the tool's asynchronous handler: it starts the work and
 * completes the context later, from any thread. Other requests are served
 * in the meantime.
 */
void
north_mcp_tool_set_async_func (NorthMcpTool          *self,
                               NorthMcpToolAsyncFunc  func,
                               gpointer               user_data,
                               GDestroyNotify         destroy)
{
  g_return_if_fail (NORTH_MCP_IS_TOOL (self));

  north_mcp_feature_set_handler (NORTH_MCP_FEATURE (self), NULL, G_CALLBACK (func), user_data, destroy);
}

/* Sets @schema to @object (a reference is taken; %NULL unsets it) and
 * compiles its checker, then notifies the property @prop_id. */
static void
set_schema (NorthMcpTool *self,
            Schema       *schema,
            JsonObject   *object,
            guint         prop_id)
{
  north_mcp_replace_object (&schema->object, object);
  g_clear_pointer (&schema->checker, north_mcp_schema_checker_free);
  if (object != NULL)
    schema->checker = north_mcp_schema_checker_new (object);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static JsonObject *
parse_schema (const char  *json,
              GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (!json_parser_load_from_data (parser, json, -1, error))
    return NULL;

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT,
                           "A JSON Schema must be a JSON object");
      return NULL;
    }

  return json_object_ref (json_node_get_object (root));
}

static gboolean
set_schema_json (NorthMcpTool  *self,
                 Schema        *schema,
                 const char    *json,
                 guint          prop_id,
                 GError       **error)
{
  g_autoptr(JsonObject) object = parse_schema (json, error);

  if (object == NULL)
    return FALSE;

  set_schema (self, schema, object, prop_id);
  return TRUE;
}

/**
 * north_mcp_tool_get_input_schema:
 * @self: a tool
 *
 * Gets the JSON Schema of the tool's arguments.
 *
 * Returns: (transfer none): the schema
 */
JsonObject *
north_mcp_tool_get_input_schema (NorthMcpTool *self)
{
  NorthMcpToolPrivate *priv = north_mcp_tool_get_instance_private (self);

  g_return_val_if_fail (NORTH_MCP_IS_TOOL (self), NULL);

  return priv->input.object;
}

/**
 * north_mcp_tool_set_input_schema:
 * @self: a tool
 * @schema: an object schema (root `"type": "object"`); a reference is taken
 *
 * Sets the JSON Schema of the tool's arguments. Calls are checked against
 * it before the handler runs: `type`, `properties`, `required`,
 * `additionalProperties`, `items`, `prefixItems`, `enum`, `const`, the
 * numeric bounds, `multipleOf`, `pattern`, the lengths and counts
 * (`minLength`, `maxItems`…), `uniqueItems`, `allOf`, `anyOf`, `oneOf`
 * and local `$ref`s.
 * A `pattern` is a PCRE2 regular expression searched for in the string
 * (`$` does not match before a trailing newline, and `\d`, `\w` and `\b`
 * are ASCII, as in ECMA-262); one that does not
 * compile refuses every string it meets, and a match that reaches PCRE2's
 * match limit (10 million steps), or matches that take more than 100
 * million steps in all, refuse the call. Other keywords (`patternProperties`,
 * `format`, `not`, `if`…) are sent to clients but not checked: a handler
 * that relies on one checks it itself.
 */
void
north_mcp_tool_set_input_schema (NorthMcpTool *self,
                                 JsonObject   *schema)
{
  NorthMcpToolPrivate *priv = north_mcp_tool_get_instance_private (self);

  g_return_if_fail (NORTH_MCP_IS_TOOL (self));
  g_return_if_fail (schema != NULL);

  set_schema (self, &priv->input, schema, PROP_INPUT_SCHEMA);
}

/**
 * north_mcp_tool_set_input_schema_json:
 * @self: a tool
 * @json: the schema as JSON text
 * @error: return location for a [struct@GLib.Error]
 *
 * Parses @json and sets it as the input schema.
 *
 * Returns: %TRUE on success
 */
gboolean
north_mcp_tool_set_input_schema_json (NorthMcpTool  *self,
                                      const char    *json,
                                      GError       **error)
{
  NorthMcpToolPrivate *priv = north_mcp_tool_get_instance_private (self);

  g_return_val_if_fail (NORTH_MCP_IS_TOOL (self), FALSE);
  g_return_val_if_fail (json != NULL, FALSE);

  return set_schema_json (self, &priv->input, json, PROP_INPUT_SCHEMA, error);
}

/**
 * north_mcp_tool_get_output_schema:
 * @self: a tool
 *
 * Gets the JSON Schema of the tool's structured result.
 *
 * Returns: (transfer none) (nullable): the schema
 */
JsonObject *
north_mcp_tool_get_output_schema (NorthMcpTool *self)
{
  NorthMcpToolPrivate *priv = north_mcp_tool_get_instance_private (self);

  g_return_val_if_fail (NORTH_MCP_IS_TOOL (self), NULL);

  return priv->output.object;
}

/**
 * north_mcp_tool_set_output_schema:
 * @self: a tool
 * @schema: (nullable): the schema; a reference is taken
 *
 * Sets the JSON Schema of the tool's structured result. A tool with an
 * output schema must return structured content that matches it: the server
 * checks every successful result, and answers a result without structured
 * content, or with content that does not match, with an `isError` result
 * naming the problem ("Output validation error: structuredContent member
 * 'count' must be an integer, got string"), as the official MCP Python SDK
 * does. Results with `isError` set are not checked.
 *
 * The schema must not change while calls of the tool are running.
 */
void
north_mcp_tool_set_output_schema (NorthMcpTool *self,
                                  JsonObject   *schema)
{
  NorthMcpToolPrivate *priv = north_mcp_tool_get_instance_private (self);

  g_return_if_fail (NORTH_MCP_IS_TOOL (self));

  set_schema (self, &priv->output, schema, PROP_OUTPUT_SCHEMA);
}

/**
 * north_mcp_tool_set_output_schema_json:
 * @self: a tool
 * @json: the schema as JSON text
 * @error: return location for a [struct@GLib.Error]
 *
 * Parses @json and sets it as the output schema.
 *
 * Returns: %TRUE on success
 */
gboolean
north_mcp_tool_set_output_schema_json (NorthMcpTool  *self,
                                       const char    *json,
                                       GError       **error)
{
  NorthMcpToolPrivate *priv = north_mcp_tool_get_instance_private (self);

  g_return_val_if_fail (NORTH_MCP_IS_TOOL (self), FALSE);
  g_return_val_if_fail (json != NULL, FALSE);

  return set_schema_json (self, &priv->output, json, PROP_OUTPUT_SCHEMA, error);
}

static const char *
hint_member_name (NorthMcpToolHint hint)
{
  switch (hint)
    {
    case NORTH_MCP_TOOL_HINT_READ_ONLY:
      return "readOnlyHint";
    case NORTH_MCP_TOOL_HINT_DESTRUCTIVE:
      return "destructiveHint";
    case NORTH_MCP_TOOL_HINT_IDEMPOTENT:
      return "idempotentHint";
    case NORTH_MCP_TOOL_HINT_OPEN_WORLD:
      return "openWorldHint";
    default:
      return NULL;
    }
}

/**
 * north_mcp_tool_set_hint:
 * @self: a tool
 * @hint: which hint
 * @value: its value
 *
 * Sets one boolean hint of the tool's annotations. Hints never set are not
 * sent, so clients apply the protocol's defaults.
 */
void
north_mcp_tool_set_hint (NorthMcpTool     *self,
                         NorthMcpToolHint  hint,
                         gboolean          value)
{
  const char *member = hint_member_name (hint);
  g_autoptr(JsonObject) annotations = NULL;

  g_return_if_fail (NORTH_MCP_IS_TOOL (self));
  g_return_if_fail (member != NULL);

  annotations = north_mcp_feature_get_annotations (NORTH_MCP_FEATURE (self));
  annotations = annotations != NULL ? json_object_ref (annotations) : json_object_new ();
  json_object_set_boolean_member (annotations, member, !!value);
  north_mcp_feature_set_annotations (NORTH_MCP_FEATURE (self), annotations);
}

gboolean
north_mcp_tool_check_arguments (NorthMcpTool  *self,
                                JsonObject    *arguments,
                                GError       **error)
{
  NorthMcpToolPrivate *priv = north_mcp_tool_get_instance_private (self);

  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), arguments);

  return north_mcp_schema_checker_check (priv->input.checker, node, error);
}

gboolean
north_mcp_tool_has_output_schema (NorthMcpTool *self)
{
  NorthMcpToolPrivate *priv = north_mcp_tool_get_instance_private (self);

  return priv->output.object != NULL;
}

gboolean
north_mcp_tool_check_result (NorthMcpTool        *self,
                             NorthMcpToolResult  *result,
                             GError             **error)
{
  NorthMcpToolPrivate *priv = north_mcp_tool_get_instance_private (self);
  JsonNode *structured;

  if (priv->output.object == NULL || north_mcp_tool_result_get_is_error (result))
    return TRUE;

  structured = north_mcp_tool_result_get_structured_content (result);
  if (structured == NULL)
    {
      g_set_error_literal (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT,
                           "outputSchema defined but no structured output returned");
      return FALSE;
    }

  return north_mcp_schema_checker_check_output (priv->output.checker, structured, error);
}

gboolean
north_mcp_tool_name_is_valid (const char *name)
{
  gsize length = 0;

  if (name == NULL)
    return FALSE;

  for (const char *p = name; *p != '\0'; p++, length++)
    {
      if (!g_ascii_isalnum (*p) && *p != '_' && *p != '.' && *p != '-')
        return FALSE;
    }

  return length >= 1 && length <= 64;
}

/**
 * north_mcp_tool_get_task_support:
 * @self: a tool
 *
 * Gets whether the tool runs as a task.
 *
 * Returns: the tool's [property@NorthMcp.Tool:task-support]
 *
 * Since: 0.2
 */
NorthMcpTaskSupport
north_mcp_tool_get_task_support (NorthMcpTool *self)
{
  NorthMcpToolPrivate *priv = north_mcp_tool_get_instance_private (self);

  g_return_val_if_fail (NORTH_MCP_IS_TOOL (self), NORTH_MCP_TASK_SUPPORT_FORBIDDEN);

  return priv->task_support;
}

/**
 * north_mcp_tool_set_task_support:
 * @self: a tool
 * @support: whether the tool runs as a task
 *
 * Sets whether the tool runs as a task of the tasks extension. The
 * handler stays the same: an async handler
 * ([method@NorthMcp.Tool.set_async_func]) that has not answered when it
 * returns becomes a task; one that answers at once answers in the
 * response. See [property@NorthMcp.Tool:task-support].
 *
 * Since: 0.2
 */
void
north_mcp_tool_set_task_support (NorthMcpTool        *self,
                                 NorthMcpTaskSupport  support)
{
  NorthMcpToolPrivate *priv = north_mcp_tool_get_instance_private (self);

  g_return_if_fail (NORTH_MCP_IS_TOOL (self));
  g_return_if_fail (support <= NORTH_MCP_TASK_SUPPORT_REQUIRED);

  if (priv->task_support == support)
    return;

  priv->task_support = support;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TASK_SUPPORT]);
}
