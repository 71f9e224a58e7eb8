/* north-mcp-prompt.c
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-completion-private.h"
#include "north-mcp-context.h"
#include "north-mcp-error.h"
#include "north-mcp-prompt.h"
#include "north-mcp-util-private.h"

/**
 * NorthMcpPrompt:
 *
 * A prompt template the user can pick in the client: a name, declared
 * arguments and a handler that turns the arguments into messages.
 *
 * The handler is a synchronous function (north_mcp_prompt_set_func()), an
 * asynchronous one (north_mcp_prompt_set_async_func()), or a subclass
 * overriding [vfunc@NorthMcp.Prompt.get]. Required arguments are checked
 * before the handler runs. A completion function offers values for the
 * arguments in `completion/complete`.
 *
 * ```c
 * static NorthMcpPromptResult *
 * review (NorthMcpPrompt *prompt, NorthMcpContext *context,
 *         GHashTable *arguments, gpointer user_data, GError **error)
 * {
 *   g_autoptr(NorthMcpPromptResult) result = north_mcp_prompt_result_new (NULL);
 *   g_autofree char *text = g_strdup_printf ("Review this code:\n%s",
 *                                            (char *) g_hash_table_lookup (arguments, "code"));
 *
 *   north_mcp_prompt_result_add_text (result, NORTH_MCP_ROLE_USER, text);
 *   return g_steal_pointer (&result);
 * }
 *
 * prompt = north_mcp_prompt_new ("code_review", "Review a piece of code");
 * north_mcp_prompt_add_argument (prompt, "code", "The code to review", TRUE);
 * north_mcp_prompt_set_func (prompt, review, NULL, NULL);
 * ```
 */

typedef struct
{
  char                      *name;
  char                      *title;
  char                      *description;
  JsonArray                 *arguments;
  JsonObject                *meta;
  JsonArray                 *icons;

  NorthMcpHandler handler;  /* NorthMcpPromptFunc or NorthMcpPromptAsyncFunc */

  NorthMcpCompletionHandler  completion;
} NorthMcpPromptPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (NorthMcpPrompt, north_mcp_prompt, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAME,
  PROP_TITLE,
  PROP_DESCRIPTION,
  PROP_META,
  PROP_ICONS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
north_mcp_prompt_real_get (NorthMcpPrompt  *self,
                           NorthMcpContext *context,
                           GHashTable      *arguments)
{
  NorthMcpPromptPrivate *priv = north_mcp_prompt_get_instance_private (self);
  NorthMcpPromptAsyncFunc async_func = (NorthMcpPromptAsyncFunc) priv->handler.async_func;
  NorthMcpPromptFunc func = (NorthMcpPromptFunc) priv->handler.func;
  g_autoptr(NorthMcpPromptResult) result = NULL;
  g_autoptr(GError) error = NULL;

  if (async_func != NULL)
    {
      async_func (self, context, arguments, priv->handler.data);
      return;
    }

  if (func == NULL)
    {
      north_mcp_context_return_error_literal (context, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED,
                                              "This prompt has no implementation");
      return;
    }

  result = func (self, context, arguments, priv->handler.data, &error);
  if (error != NULL)
    north_mcp_context_return_error (context, error);
  else if (result != NULL)
    north_mcp_context_return_prompt_result (context, result);
  else if (north_mcp_context_is_completed (context))
    ; /* The handler answered itself (an input-required result, say). */
  else
    north_mcp_context_return_error_literal (context, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED,
                                            "The prompt returned neither messages nor an error");
}

static void
north_mcp_prompt_real_complete (NorthMcpPrompt  *self,
                                NorthMcpContext *context,
                                const char      *argument,
                                const char      *value,
                                GHashTable      *arguments)
{
  NorthMcpPromptPrivate *priv = north_mcp_prompt_get_instance_private (self);

  north_mcp_completion_handler_run (&priv->completion, context, argument, value, arguments);
}

static void
north_mcp_prompt_finalize (GObject *object)
{
  NorthMcpPrompt *self = NORTH_MCP_PROMPT (object);
  NorthMcpPromptPrivate *priv = north_mcp_prompt_get_instance_private (self);

  north_mcp_handler_clear (&priv->handler);
  north_mcp_handler_clear (&priv->completion);
  g_free (priv->name);
  g_free (priv->title);
  g_free (priv->description);
  g_clear_pointer (&priv->arguments, json_array_unref);
  g_clear_pointer (&priv->meta, json_object_unref);
  g_clear_pointer (&priv->icons, json_array_unref);

  G_OBJECT_CLASS (north_mcp_prompt_parent_class)->finalize (object);
}

static void
north_mcp_prompt_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  NorthMcpPrompt *self = NORTH_MCP_PROMPT (object);
  NorthMcpPromptPrivate *priv = north_mcp_prompt_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, priv->name);
      break;
    case PROP_TITLE:
      g_value_set_string (value, priv->title);
      break;
    case PROP_DESCRIPTION:
      g_value_set_string (value, priv->description);
      break;
    case PROP_META:
      g_value_set_boxed (value, priv->meta);
      break;
    case PROP_ICONS:
      g_value_set_boxed (value, priv->icons);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
north_mcp_prompt_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  NorthMcpPrompt *self = NORTH_MCP_PROMPT (object);
  NorthMcpPromptPrivate *priv = north_mcp_prompt_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_NAME:
      priv->name = g_value_dup_string (value);
      break;
    case PROP_TITLE:
      north_mcp_prompt_set_title (self, g_value_get_string (value));
      break;
    case PROP_DESCRIPTION:
      north_mcp_prompt_set_description (self, g_value_get_string (value));
      break;
    case PROP_META:
      north_mcp_prompt_set_meta (self, g_value_get_boxed (value));
      break;
    case PROP_ICONS:
      north_mcp_prompt_set_icons (self, g_value_get_boxed (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
north_mcp_prompt_class_init (NorthMcpPromptClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = north_mcp_prompt_finalize;
  object_class->get_property = north_mcp_prompt_get_property;
  object_class->set_property = north_mcp_prompt_set_property;

  klass->get = north_mcp_prompt_real_get;
  klass->complete = north_mcp_prompt_real_complete;

  /**
   * NorthMcpPrompt:name:
   *
   * The prompt's unique name.
   */
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /**
   * NorthMcpPrompt:title:
   *
   * The prompt's display title.
   */
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * NorthMcpPrompt:description:
   *
   * What the prompt does.
   */
  properties[PROP_DESCRIPTION] =
    g_param_spec_string ("description", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * NorthMcpPrompt:meta:
   *
   * The prompt's `_meta` object.
   */
  properties[PROP_META] =
    g_param_spec_boxed ("meta", NULL, NULL, JSON_TYPE_OBJECT,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * NorthMcpPrompt:icons:
   *
   * The prompt's `icons` (2025-11-25).
   */
  properties[PROP_ICONS] =
    g_param_spec_boxed ("icons", NULL, NULL, JSON_TYPE_ARRAY,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
north_mcp_prompt_init (NorthMcpPrompt *self)
{
  NorthMcpPromptPrivate *priv = north_mcp_prompt_get_instance_private (self);

  priv->arguments = json_array_new ();
}

/**
 * north_mcp_prompt_new:
 * @name: the prompt's name
 * @description: (nullable): what the prompt does
 *
 * Creates a prompt without arguments.
 *
 * Returns: (transfer full): a new prompt
 */
NorthMcpPrompt *
north_mcp_prompt_new (const char *name,
                      const char *description)
{
  g_return_val_if_fail (name != NULL, NULL);

  return g_object_new (NORTH_MCP_TYPE_PROMPT, "name", name, "description", description, NULL);
}

/**
 * north_mcp_prompt_add_argument:
 * @self: a prompt
 * @name: the argument's name
 * @description: (nullable): what the argument is
 * @required: whether `prompts/get` must supply it
 *
 * Declares an argument. Arguments are strings.
 */
void
north_mcp_prompt_add_argument (NorthMcpPrompt *self,
                               const char     *name,
                               const char     *description,
                               gboolean        required)
{
  NorthMcpPromptPrivate *priv = north_mcp_prompt_get_instance_private (self);
  JsonObject *argument;

  g_return_if_fail (NORTH_MCP_IS_PROMPT (self));
  g_return_if_fail (name != NULL);

  argument = json_object_new ();
  json_object_set_string_member (argument, "name", name);
  if (description != NULL)
    json_object_set_string_member (argument, "description", description);
  if (required)
    json_object_set_boolean_member (argument, "required", TRUE);
  json_array_add_object_element (priv->arguments, argument);
}

/**
 * north_mcp_prompt_get_arguments:
 * @self: a prompt
 *
 * Gets the declared arguments, as MCP's `PromptArgument` objects.
 *
 * Returns: (transfer none): the arguments
 */
JsonArray *
north_mcp_prompt_get_arguments (NorthMcpPrompt *self)
{
  NorthMcpPromptPrivate *priv = north_mcp_prompt_get_instance_private (self);

  g_return_val_if_fail (NORTH_MCP_IS_PROMPT (self), NULL);

  return priv->arguments;
}

/**
 * north_mcp_prompt_set_func:
 * @self: a prompt
 * @func: (scope notified) (closure user_data) (destroy destroy): the handler
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data
 *
 * Makes @func the prompt's synchronous handler.
 */
void
north_mcp_prompt_set_func (NorthMcpPrompt     *self,
                           NorthMcpPromptFunc  func,
                           gpointer            user_data,
                           GDestroyNotify      destroy)
{
  NorthMcpPromptPrivate *priv = north_mcp_prompt_get_instance_private (self);

  g_return_if_fail (NORTH_MCP_IS_PROMPT (self));

  north_mcp_handler_set (&priv->handler, G_CALLBACK (func), NULL, user_data, destroy);
}

/**
 * north_mcp_prompt_set_async_func:
 * @self: a prompt
 * @func: (scope notified) (closure user_data) (destroy destroy): the handler
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data
 *
 * Makes @func the prompt's asynchronous handler: it completes the context
 * later, from any thread.
 */
void
north_mcp_prompt_set_async_func (NorthMcpPrompt          *self,
                                 NorthMcpPromptAsyncFunc  func,
                                 gpointer                 user_data,
                                 GDestroyNotify           destroy)
{
  NorthMcpPromptPrivate *priv = north_mcp_prompt_get_instance_private (self);

  g_return_if_fail (NORTH_MCP_IS_PROMPT (self));

  north_mcp_handler_set (&priv->handler, NULL, G_CALLBACK (func), user_data, destroy);
}

/**
 * north_mcp_prompt_set_completion_func:
 * @self: a prompt
 * @func: (scope notified) (closure user_data) (destroy destroy): the handler
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data
 *
 * Makes @func complete the prompt's arguments in `completion/complete`
 * (`ref/prompt` with this prompt's name).
 */
void
north_mcp_prompt_set_completion_func (NorthMcpPrompt         *self,
                                      NorthMcpCompletionFunc  func,
                                      gpointer                user_data,
                                      GDestroyNotify          destroy)
{
  NorthMcpPromptPrivate *priv = north_mcp_prompt_get_instance_private (self);

  g_return_if_fail (NORTH_MCP_IS_PROMPT (self));

  north_mcp_handler_set (&priv->completion, G_CALLBACK (func), NULL, user_data, destroy);
}

/**
 * north_mcp_prompt_set_completion_async_func:
 * @self: a prompt
 * @func: (scope notified) (closure user_data) (destroy destroy): the handler
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data
 *
 * Like north_mcp_prompt_set_completion_func() with a handler that answers
 * later with north_mcp_context_return_completion().
 */
void
north_mcp_prompt_set_completion_async_func (NorthMcpPrompt              *self,
                                            NorthMcpCompletionAsyncFunc  func,
                                            gpointer                     user_data,
                                            GDestroyNotify               destroy)
{
  NorthMcpPromptPrivate *priv = north_mcp_prompt_get_instance_private (self);

  g_return_if_fail (NORTH_MCP_IS_PROMPT (self));

  north_mcp_handler_set (&priv->completion, NULL, G_CALLBACK (func), user_data, destroy);
}

/**
 * north_mcp_prompt_get_name:
 * @self: a prompt
 *
 * Gets the prompt's name.
 *
 * Returns: the name
 */
const char *
north_mcp_prompt_get_name (NorthMcpPrompt *self)
{
  NorthMcpPromptPrivate *priv = north_mcp_prompt_get_instance_private (self);

  g_return_val_if_fail (NORTH_MCP_IS_PROMPT (self), NULL);

  return priv->name;
}

/**
 * north_mcp_prompt_get_title:
 * @self: a prompt
 *
 * Gets the prompt's display title.
 *
 * Returns: (nullable): the title
 */
const char *
north_mcp_prompt_get_title (NorthMcpPrompt *self)
{
  NorthMcpPromptPrivate *priv = north_mcp_prompt_get_instance_private (self);

  g_return_val_if_fail (NORTH_MCP_IS_PROMPT (self), NULL);

  return priv->title;
}

/**
 * north_mcp_prompt_set_title:
 * @self: a prompt
 * @title: (nullable): the title
 *
 * Sets the prompt's display title.
 */
void
north_mcp_prompt_set_title (NorthMcpPrompt *self,
                            const char     *title)
{
  NorthMcpPromptPrivate *priv = north_mcp_prompt_get_instance_private (self);

  g_return_if_fail (NORTH_MCP_IS_PROMPT (self));

  if (north_mcp_set_str (&priv->title, title))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
}

/**
 * north_mcp_prompt_get_description:
 * @self: a prompt
 *
 * Gets what the prompt does.
 *
 * Returns: (nullable): the description
 */
const char *
north_mcp_prompt_get_description (NorthMcpPrompt *self)
{
  NorthMcpPromptPrivate *priv = north_mcp_prompt_get_instance_private (self);

  g_return_val_if_fail (NORTH_MCP_IS_PROMPT (self), NULL);

  return priv->description;
}

/**
 * north_mcp_prompt_set_description:
 * @self: a prompt
 * @description: (nullable): the description
 *
 * Sets what the prompt does.
 */
void
north_mcp_prompt_set_description (NorthMcpPrompt *self,
                                  const char     *description)
{
  NorthMcpPromptPrivate *priv = north_mcp_prompt_get_instance_private (self);

  g_return_if_fail (NORTH_MCP_IS_PROMPT (self));

  if (north_mcp_set_str (&priv->description, description))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DESCRIPTION]);
}

/**
 * north_mcp_prompt_get_meta:
 * @self: a prompt
 *
 * Gets the prompt's `_meta` object.
 *
 * Returns: (transfer none) (nullable): the `_meta` object
 */
JsonObject *
north_mcp_prompt_get_meta (NorthMcpPrompt *self)
{
  NorthMcpPromptPrivate *priv = north_mcp_prompt_get_instance_private (self);

  g_return_val_if_fail (NORTH_MCP_IS_PROMPT (self), NULL);

  return priv->meta;
}

/**
 * north_mcp_prompt_set_meta:
 * @self: a prompt
 * @meta: (nullable): the `_meta` object; a reference is taken
 *
 * Sets the prompt's `_meta` object.
 */
void
north_mcp_prompt_set_meta (NorthMcpPrompt *self,
                           JsonObject     *meta)
{
  NorthMcpPromptPrivate *priv = north_mcp_prompt_get_instance_private (self);

  g_return_if_fail (NORTH_MCP_IS_PROMPT (self));

  north_mcp_replace_object (&priv->meta, meta);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_META]);
}

/**
 * north_mcp_prompt_get_icons:
 * @self: a prompt
 *
 * Gets the prompt's icons.
 *
 * Returns: (transfer none) (nullable): the icons
 */
JsonArray *
north_mcp_prompt_get_icons (NorthMcpPrompt *self)
{
  NorthMcpPromptPrivate *priv = north_mcp_prompt_get_instance_private (self);

  g_return_val_if_fail (NORTH_MCP_IS_PROMPT (self), NULL);

  return priv->icons;
}

/**
 * north_mcp_prompt_set_icons:
 * @self: a prompt
 * @icons: (nullable): an array of `Icon` objects; a reference is taken
 *
 * Sets the prompt's icons (2025-11-25).
 */
void
north_mcp_prompt_set_icons (NorthMcpPrompt *self,
                            JsonArray      *icons)
{
  NorthMcpPromptPrivate *priv = north_mcp_prompt_get_instance_private (self);

  g_return_if_fail (NORTH_MCP_IS_PROMPT (self));

  if (icons != NULL)
    json_array_ref (icons);
  g_clear_pointer (&priv->icons, json_array_unref);
  priv->icons = icons;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ICONS]);
}

/**
 * north_mcp_prompt_invoke: (virtual get)
 * @self: a prompt
 * @context: the `prompts/get` request
 * @arguments: (element-type utf8 utf8): the arguments
 *
 * Runs the prompt's handler, which completes @context now or later. The
 * server calls it for `prompts/get` once the required arguments are
 * checked.
 */
void
north_mcp_prompt_invoke (NorthMcpPrompt  *self,
                         NorthMcpContext *context,
                         GHashTable      *arguments)
{
  g_return_if_fail (NORTH_MCP_IS_PROMPT (self));
  g_return_if_fail (NORTH_MCP_IS_CONTEXT (context));
  g_return_if_fail (arguments != NULL);

  NORTH_MCP_PROMPT_GET_CLASS (self)->get (self, context, arguments);
}

/**
 * north_mcp_prompt_complete: (virtual complete)
 * @self: a prompt
 * @context: the `completion/complete` request
 * @argument: the argument to complete
 * @value: what the user typed so far
 * @arguments: (element-type utf8 utf8): the other arguments already
 *   resolved
 *
 * Runs the prompt's completion handler, which completes @context now or
 * later.
 */
void
north_mcp_prompt_complete (NorthMcpPrompt  *self,
                           NorthMcpContext *context,
                           const char      *argument,
                           const char      *value,
                           GHashTable      *arguments)
{
  g_return_if_fail (NORTH_MCP_IS_PROMPT (self));
  g_return_if_fail (NORTH_MCP_IS_CONTEXT (context));
  g_return_if_fail (argument != NULL && value != NULL && arguments != NULL);

  NORTH_MCP_PROMPT_GET_CLASS (self)->complete (self, context, argument, value, arguments);
}

/**
 * north_mcp_prompt_to_json:
 * @self: a prompt
 *
 * Serializes the prompt as MCP's `Prompt` object, as `prompts/list` lists
 * it.
 *
 * Returns: (transfer full): the JSON object
 */
JsonNode *
north_mcp_prompt_to_json (NorthMcpPrompt *self)
{
  NorthMcpPromptPrivate *priv = north_mcp_prompt_get_instance_private (self);
  g_autoptr(JsonObject) object = NULL;
  JsonArray *arguments;
  guint length;

  g_return_val_if_fail (NORTH_MCP_IS_PROMPT (self), NULL);

  object = json_object_new ();
  json_object_set_string_member (object, "name", priv->name);
  if (priv->title != NULL)
    json_object_set_string_member (object, "title", priv->title);
  if (priv->description != NULL)
    json_object_set_string_member (object, "description", priv->description);
  length = json_array_get_length (priv->arguments);
  if (length > 0)
    {
      arguments = json_array_sized_new (length);
      for (guint i = 0; i < length; i++)
        json_array_add_element (arguments, json_node_copy (json_array_get_element (priv->arguments, i)));
      json_object_set_array_member (object, "arguments", arguments);
    }
  if (priv->icons != NULL)
    json_object_set_array_member (object, "icons", json_array_ref (priv->icons));
  if (priv->meta != NULL)
    json_object_set_object_member (object, "_meta", json_object_ref (priv->meta));

  return north_mcp_node_new_object (object);
}
