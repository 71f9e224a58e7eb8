/* north-mcp-prompt-result.c
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-content.h"
#include "north-mcp-context.h"
#include "north-mcp-prompt-result.h"
#include "north-mcp-util-private.h"

/**
 * NorthMcpPromptResult:
 *
 * What `prompts/get` returns: an optional description and a list of
 * messages, each from the user or the assistant with one content block
 * (text, image, audio or an embedded resource; build them with
 * [func@NorthMcp.content_text_new] and its siblings).
 *
 * ```c
 * g_autoptr(NorthMcpPromptResult) result = north_mcp_prompt_result_new (NULL);
 * g_autoptr(JsonNode) doc = north_mcp_content_embedded_text_new (uri,
 * "text/plain", text);
 *
 * north_mcp_prompt_result_add_message (result, NORTH_MCP_ROLE_USER, doc);
 * north_mcp_prompt_result_add_text (result, NORTH_MCP_ROLE_USER, "Summarize
 * it."); ```
 */
struct _NorthMcpPromptResult
{
  GObject     parent_instance;

  char       *description;
  JsonArray  *messages;
  JsonObject *meta;
};

G_DEFINE_FINAL_TYPE (NorthMcpPromptResult, north_mcp_prompt_result, G_TYPE_OBJECT)

static void
north_mcp_prompt_result_finalize (GObject *object)
{
  NorthMcpPromptResult *self = NORTH_MCP_PROMPT_RESULT (object);

  g_free (self->description);
  g_clear_pointer (&self->messages, json_array_unref);
  g_clear_pointer (&self->meta, json_object_unref);

  G_OBJECT_CLASS (north_mcp_prompt_result_parent_class)->finalize (object);
}

static void
north_mcp_prompt_result_class_init (NorthMcpPromptResultClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = north_mcp_prompt_result_finalize;
}

static void
north_mcp_prompt_result_init (NorthMcpPromptResult *self)
{
  self->messages = json_array_new ();
}

/**
 * north_mcp_prompt_result_new:
 * @description: (nullable): a description of the result
 *
 * Creates a result without messages.
 *
 * Returns: (transfer full): the result
 */
NorthMcpPromptResult *
north_mcp_prompt_result_new (const char *description)
{
  NorthMcpPromptResult *self = g_object_new (NORTH_MCP_TYPE_PROMPT_RESULT, NULL);

  self->description = g_strdup (description);
  return self;
}

static const char *
role_name (NorthMcpRole role)
{
  switch (role)
    {
    case NORTH_MCP_ROLE_USER:
      return "user";
    case NORTH_MCP_ROLE_ASSISTANT:
      return "assistant";
    default:
      return NULL;
    }
}

/**
 * north_mcp_prompt_result_add_message:
 * @self: a result
 * @role: who the message is from
 * @content: one content block (see [func@NorthMcp.content_text_new] and its
 *   siblings); it is copied
 *
 * Adds a message.
 */
void
north_mcp_prompt_result_add_message (NorthMcpPromptResult *self,
                                     NorthMcpRole          role,
                                     JsonNode             *content)
{
  JsonObject *message;

  g_return_if_fail (NORTH_MCP_IS_PROMPT_RESULT (self));
  g_return_if_fail (role_name (role) != NULL);
  g_return_if_fail (content != NULL && JSON_NODE_HOLDS_OBJECT (content));

  message = json_object_new ();
  json_object_set_string_member (message, "role", role_name (role));
  json_object_set_member (message, "content", json_node_copy (content));
  json_array_add_object_element (self->messages, message);
}

/**
 * north_mcp_prompt_result_add_text:
 * @self: a result
 * @role: who the message is from
 * @text: the message's text
 *
 * Adds a text message.
 */
void
north_mcp_prompt_result_add_text (NorthMcpPromptResult *self,
                                  NorthMcpRole          role,
                                  const char           *text)
{
  g_autoptr(JsonNode) content = NULL;

  g_return_if_fail (text != NULL);

  content = north_mcp_content_text_new (text);
  north_mcp_prompt_result_add_message (self, role, content);
}

/**
 * north_mcp_prompt_result_get_n_messages:
 * @self: a result
 *
 * Gets how many messages were added.
 *
 * Returns: the number of messages
 */
guint
north_mcp_prompt_result_get_n_messages (NorthMcpPromptResult *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_PROMPT_RESULT (self), 0);

  return json_array_get_length (self->messages);
}

/**
 * north_mcp_prompt_result_get_description:
 * @self: a result
 *
 * Gets the result's description.
 *
 * Returns: (nullable): the description
 */
const char *
north_mcp_prompt_result_get_description (NorthMcpPromptResult *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_PROMPT_RESULT (self), NULL);

  return self->description;
}

/**
 * north_mcp_prompt_result_set_description:
 * @self: a result
 * @description: (nullable): the description
 *
 * Sets the result's description.
 */
void
north_mcp_prompt_result_set_description (NorthMcpPromptResult *self,
                                         const char           *description)
{
  g_return_if_fail (NORTH_MCP_IS_PROMPT_RESULT (self));

  north_mcp_set_str (&self->description, description);
}

/**
 * north_mcp_prompt_result_set_meta:
 * @self: a result
 * @meta: (nullable): the `_meta` object; a reference is taken
 *
 * Sets the result's `_meta` object.
 */
void
north_mcp_prompt_result_set_meta (NorthMcpPromptResult *self,
                                  JsonObject           *meta)
{
  g_return_if_fail (NORTH_MCP_IS_PROMPT_RESULT (self));

  north_mcp_replace_object (&self->meta, meta);
}

/**
 * north_mcp_prompt_result_to_json:
 * @self: a result
 *
 * Serializes the result as MCP's `GetPromptResult`.
 *
 * Returns: (transfer full): the JSON object
 */
JsonNode *
north_mcp_prompt_result_to_json (NorthMcpPromptResult *self)
{
  g_autoptr(JsonObject) result = json_object_new ();

  g_return_val_if_fail (NORTH_MCP_IS_PROMPT_RESULT (self), NULL);

  if (self->description != NULL)
    json_object_set_string_member (result, "description", self->description);
  json_object_set_array_member (result, "messages", north_mcp_array_copy (self->messages));
  if (self->meta != NULL)
    json_object_set_object_member (result, "_meta", json_object_ref (self->meta));

  return north_mcp_node_new_object (result);
}

/**
 * north_mcp_context_return_prompt_result:
 * @self: a context
 * @result: the prompt's messages
 *
 * Answers a `prompts/get` request. Safe to call from any thread.
 */
void
north_mcp_context_return_prompt_result (NorthMcpContext      *self,
                                        NorthMcpPromptResult *result)
{
  g_autoptr(JsonNode) node = NULL;

  g_return_if_fail (NORTH_MCP_IS_CONTEXT (self));
  g_return_if_fail (NORTH_MCP_IS_PROMPT_RESULT (result));

  node = north_mcp_prompt_result_to_json (result);
  north_mcp_context_return_result (self, node);
}
