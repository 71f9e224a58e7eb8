/* north-mcp-prompt.c
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-completion-private.h"
#include "north-mcp-context.h"
#include "north-mcp-error.h"
#include "north-mcp-feature-private.h"
#include "north-mcp-prompt.h"
#include "north-mcp-util-private.h"

/**
 * NorthMcpPrompt:
 *
 * A prompt template the user can pick in the client: a name, declared
 * arguments and a handler that turns the arguments into messages.
 *
 * Its name, title, description, icons and `_meta` are those of its base
 * class, [class@NorthMcp.Feature].
 *
 * The handler is a synchronous function ([method@NorthMcp.Prompt.set_func]),
 * an asynchronous one ([method@NorthMcp.Prompt.set_async_func]), or a subclass
 * overriding [vfunc@NorthMcp.Prompt.get]. Required arguments are checked
 * before the handler runs. A completion function offers values for the
 * arguments in `completion/complete`.
 *
 * ```c
 * static NorthMcpPromptResult *
 * review (NorthMcpPrompt *prompt, NorthMcpContext *context,
 *         GHashTable *arguments, gpointer user_data, GError **error)
 * {
 *   g_autoptr(NorthMcpPromptResult) result = north_mcp_prompt_result_new
 *   (NULL); g_autofree char *text = g_strdup_printf ("Review this code:\n%s",
 *                                            (char *) g_hash_table_lookup
 *                                            (arguments, "code"));
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
  JsonArray                 *arguments;

  NorthMcpCompletionHandler  completion;
} NorthMcpPromptPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (NorthMcpPrompt, north_mcp_prompt, NORTH_MCP_TYPE_FEATURE)

static void
north_mcp_prompt_real_get (NorthMcpPrompt  *self,
                           NorthMcpContext *context,
                           GHashTable      *arguments)
{
  NorthMcpHandler *handler = north_mcp_feature_get_handler (NORTH_MCP_FEATURE (self));
  g_autoptr(NorthMcpPromptResult) result = NULL;
  g_autoptr(GError) error = NULL;

  if (handler->async_func != NULL)
    ((NorthMcpPromptAsyncFunc) handler->async_func) (self, context, arguments, handler->data);
  else if (handler->func == NULL)
    north_mcp_context_return_error_literal (context, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED,
                                            "This prompt has no implementation");
  else
    {
      result = ((NorthMcpPromptFunc) handler->func) (self, context, arguments, handler->data, &error);
      north_mcp_feature_answer (context, result, error,
                                (NorthMcpFeatureAnswerFunc) north_mcp_context_return_prompt_result,
                                "The prompt returned neither messages nor an error");
    }
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

  north_mcp_handler_clear (&priv->completion);
  g_clear_pointer (&priv->arguments, json_array_unref);

  G_OBJECT_CLASS (north_mcp_prompt_parent_class)->finalize (object);
}

static void
north_mcp_prompt_add_json_members (NorthMcpFeature *feature,
                                   JsonObject      *object)
{
  NorthMcpPromptPrivate *priv = north_mcp_prompt_get_instance_private (NORTH_MCP_PROMPT (feature));

  if (json_array_get_length (priv->arguments) > 0)
    json_object_set_array_member (object, "arguments", north_mcp_array_copy (priv->arguments));
}

static void
north_mcp_prompt_class_init (NorthMcpPromptClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  NorthMcpFeatureClass *feature_class = NORTH_MCP_FEATURE_CLASS (klass);

  object_class->finalize = north_mcp_prompt_finalize;

  feature_class->add_json_members = north_mcp_prompt_add_json_members;
  klass->get = north_mcp_prompt_real_get;
  klass->complete = north_mcp_prompt_real_complete;
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
  g_return_if_fail (NORTH_MCP_IS_PROMPT (self));

  north_mcp_feature_set_handler (NORTH_MCP_FEATURE (self), G_CALLBACK (func), NULL, user_data, destroy);
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
  g_return_if_fail (NORTH_MCP_IS_PROMPT (self));

  north_mcp_feature_set_handler (NORTH_MCP_FEATURE (self), NULL, G_CALLBACK (func), user_data, destroy);
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
 * Like [method@NorthMcp.Prompt.set_completion_func] with a handler that
 * answers later with [method@NorthMcp.Context.return_completion].
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
