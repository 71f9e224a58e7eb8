/* north-mcp-tool-result.c
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-content.h"
#include "north-mcp-tool-result-private.h"
#include "north-mcp-json-writer-private.h"
#include "north-mcp-util-private.h"

/**
 * NorthMcpToolResult:
 *
 * What a tool call returns (MCP's `CallToolResult`): a list of content
 * blocks, optional structured content (a JSON value matching the tool's
 * output schema), whether the call failed, and `_meta`.
 *
 * ```c
 * g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new_text ("5");
 * ```
 */
struct _NorthMcpToolResult
{
  GObject     parent_instance;

  /* Blocks are JSON nodes in @content, except that text blocks added
   * while there are no others wait in @texts as plain strings: the usual
   * result, one text, then never becomes a tree (see ensure_content). */
  JsonArray  *content;
  GPtrArray  *texts;
  JsonNode   *structured_content;
  JsonObject *meta;
  gboolean    is_error;
};

G_DEFINE_FINAL_TYPE (NorthMcpToolResult, north_mcp_tool_result, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_IS_ERROR,
  PROP_STRUCTURED_CONTENT,
  PROP_META,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
north_mcp_tool_result_finalize (GObject *object)
{
  NorthMcpToolResult *self = NORTH_MCP_TOOL_RESULT (object);

  g_clear_pointer (&self->content, json_array_unref);
  g_clear_pointer (&self->texts, g_ptr_array_unref);
  g_clear_pointer (&self->structured_content, json_node_unref);
  g_clear_pointer (&self->meta, json_object_unref);

  G_OBJECT_CLASS (north_mcp_tool_result_parent_class)->finalize (object);
}

static void
north_mcp_tool_result_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  NorthMcpToolResult *self = NORTH_MCP_TOOL_RESULT (object);

  switch (prop_id)
    {
    case PROP_IS_ERROR:
      g_value_set_boolean (value, self->is_error);
      break;
    case PROP_STRUCTURED_CONTENT:
      g_value_set_boxed (value, self->structured_content);
      break;
    case PROP_META:
      g_value_set_boxed (value, self->meta);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
north_mcp_tool_result_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  NorthMcpToolResult *self = NORTH_MCP_TOOL_RESULT (object);

  switch (prop_id)
    {
    case PROP_IS_ERROR:
      north_mcp_tool_result_set_is_error (self, g_value_get_boolean (value));
      break;
    case PROP_STRUCTURED_CONTENT:
      north_mcp_tool_result_set_structured_content (self, g_value_get_boxed (value));
      break;
    case PROP_META:
      north_mcp_tool_result_set_meta (self, g_value_get_boxed (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
north_mcp_tool_result_class_init (NorthMcpToolResultClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = north_mcp_tool_result_finalize;
  object_class->get_property = north_mcp_tool_result_get_property;
  object_class->set_property = north_mcp_tool_result_set_property;

  /**
   * NorthMcpToolResult:is-error:
   *
   * Whether the tool failed. A failed tool still answers with a result
   * (its content says what went wrong), not with a JSON-RPC error, so that
   * the model can see and correct the problem.
   */
  properties[PROP_IS_ERROR] =
    g_param_spec_boolean ("is-error", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * NorthMcpToolResult:structured-content:
   *
   * The structured result, matching the tool's output schema, or %NULL.
   */
  properties[PROP_STRUCTURED_CONTENT] =
    g_param_spec_boxed ("structured-content", NULL, NULL, JSON_TYPE_NODE,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * NorthMcpToolResult:meta:
   *
   * The result's `_meta` object, or %NULL.
   */
  properties[PROP_META] = north_mcp_param_spec_meta ();

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
north_mcp_tool_result_init (NorthMcpToolResult *self)
{
}

/* The blocks as JSON nodes, from here on. */
static JsonArray *
ensure_content (NorthMcpToolResult *self)
{
  if (self->content != NULL)
    return self->content;

  self->content = json_array_new ();
  for (guint i = 0; self->texts != NULL && i < self->texts->len; i++)
    json_array_add_element (self->content,
                            north_mcp_content_text_new (g_ptr_array_index (self->texts, i)));
  g_clear_pointer (&self->texts, g_ptr_array_unref);
  return self->content;
}

/**
 * north_mcp_tool_result_new:
 *
 * Creates an empty, successful result.
 *
 * Returns: (transfer full): a new result
 */
NorthMcpToolResult *
north_mcp_tool_result_new (void)
{
  return g_object_new (NORTH_MCP_TYPE_TOOL_RESULT, NULL);
}

/**
 * north_mcp_tool_result_new_text:
 * @text: the text
 *
 * Creates a successful result holding one text block.
 *
 * Returns: (transfer full): a new result
 */
NorthMcpToolResult *
north_mcp_tool_result_new_text (const char *text)
{
  NorthMcpToolResult *self = north_mcp_tool_result_new ();

  north_mcp_tool_result_add_text (self, text);
  return self;
}

/**
 * north_mcp_tool_result_new_error:
 * @message: what went wrong, for the model and the user to read
 *
 * Creates a failed result (`isError: true`) holding @message as text.
 *
 * Returns: (transfer full): a new result
 */
NorthMcpToolResult *
north_mcp_tool_result_new_error (const char *message)
{
  NorthMcpToolResult *self = north_mcp_tool_result_new_text (message);

  self->is_error = TRUE;
  return self;
}

/**
 * north_mcp_tool_result_new_structured:
 * @structured_content: the structured result
 *
 * Creates a successful result with @structured_content, and the same JSON
 * serialized as a text block for clients that only read text.
 *
 * Returns: (transfer full): a new result
 */
NorthMcpToolResult *
north_mcp_tool_result_new_structured (JsonNode *structured_content)
{
  NorthMcpToolResult *self = north_mcp_tool_result_new ();
  g_autoptr(GString) text = g_string_new (NULL);

  g_return_val_if_fail (structured_content != NULL, self);

  /* Our writer, not json_to_string(): json-glib 1.6 writes 1e21 as
   * "1e+21.0" and copies U+001F raw, and the block must parse as JSON. */
  north_mcp_json_write (text, structured_content);
  north_mcp_tool_result_add_text (self, text->str);
  north_mcp_tool_result_set_structured_content (self, structured_content);
  return self;
}

/**
 * north_mcp_tool_result_new_structured_object:
 * @object: the structured result, an object; a reference is taken
 *
 * Creates a successful result with @object as structured content, and the
 * same JSON as a text block, like [ctor@NorthMcp.ToolResult.new_structured].
 *
 * Returns: (transfer full): a new result
 *
 * Since: 0.2
 */
NorthMcpToolResult *
north_mcp_tool_result_new_structured_object (JsonObject *object)
{
  g_autoptr(JsonNode) node = NULL;

  g_return_val_if_fail (object != NULL, north_mcp_tool_result_new ());

  node = json_node_init_object (json_node_alloc (), object);
  return north_mcp_tool_result_new_structured (node);
}

/**
 * north_mcp_tool_result_new_structured_variant:
 * @value: the structured result, typically a dictionary (`a{sv}`)
 *
 * Creates a successful result whose structured content is @value as JSON,
 * with the same JSON as a text block: the easy way to return structured
 * results from C and Vala. A dictionary becomes an object, a variant its
 * value, an array an array (see json_gvariant_serialize()). A value that
 * is not an object is wrapped as `{"result": value}`, as FastMCP does.
 *
 * |[<!-- language="C" -->
 * g_autoptr(GVariantDict) dict = g_variant_dict_new (NULL);
 *
 * g_variant_dict_insert (dict, "sum", "x", a + b);
 * g_variant_dict_insert (dict, "unit", "s", "apples");
 * return north_mcp_tool_result_new_structured_variant (g_variant_dict_end (dict));
 * ]|
 *
 * If @value is floating, the result takes it.
 *
 * Returns: (transfer full): a new result
 *
 * Since: 0.2
 */
NorthMcpToolResult *
north_mcp_tool_result_new_structured_variant (GVariant *value)
{
  g_autoptr(GVariant) owned = NULL;
  g_autoptr(JsonNode) node = NULL;

  g_return_val_if_fail (value != NULL, north_mcp_tool_result_new ());

  owned = g_variant_ref_sink (value);
  node = json_gvariant_serialize (owned);
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *wrapper = json_object_new ();
      JsonNode *wrapped = json_node_init_object (json_node_alloc (), wrapper);

      json_object_set_member (wrapper, "result", g_steal_pointer (&node));
      json_object_unref (wrapper);
      node = wrapped;
    }

  return north_mcp_tool_result_new_structured (node);
}

/**
 * north_mcp_tool_result_add_content:
 * @self: a result
 * @content: a content block, as made by the `north_mcp_content_*` functions
 *
 * Appends a content block.
 */
void
north_mcp_tool_result_add_content (NorthMcpToolResult *self,
                                   JsonNode           *content)
{
  g_return_if_fail (NORTH_MCP_IS_TOOL_RESULT (self));
  g_return_if_fail (content != NULL && JSON_NODE_HOLDS_OBJECT (content));

  json_array_add_element (ensure_content (self), json_node_copy (content));
}

static void
take_content (NorthMcpToolResult *self,
              JsonNode           *content)
{
  if (content != NULL)
    json_array_add_element (ensure_content (self), content);
}

/**
 * north_mcp_tool_result_add_text:
 * @self: a result
 * @text: the text
 *
 * Appends a text block.
 */
void
north_mcp_tool_result_add_text (NorthMcpToolResult *self,
                                const char         *text)
{
  g_return_if_fail (NORTH_MCP_IS_TOOL_RESULT (self));
  g_return_if_fail (text != NULL);

  if (self->content != NULL)
    {
      take_content (self, north_mcp_content_text_new (text));
      return;
    }

  if (self->texts == NULL)
    self->texts = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (self->texts, g_strdup (text));
}

/**
 * north_mcp_tool_result_add_image:
 * @self: a result
 * @data: the image's bytes
 * @mime_type: the image's media type
 *
 * Appends an image block.
 */
void
north_mcp_tool_result_add_image (NorthMcpToolResult *self,
                                 GBytes             *data,
                                 const char         *mime_type)
{
  g_return_if_fail (NORTH_MCP_IS_TOOL_RESULT (self));

  take_content (self, north_mcp_content_image_new (data, mime_type));
}

/**
 * north_mcp_tool_result_add_audio:
 * @self: a result
 * @data: the audio's bytes
 * @mime_type: the audio's media type
 *
 * Appends an audio block.
 */
void
north_mcp_tool_result_add_audio (NorthMcpToolResult *self,
                                 GBytes             *data,
                                 const char         *mime_type)
{
  g_return_if_fail (NORTH_MCP_IS_TOOL_RESULT (self));

  take_content (self, north_mcp_content_audio_new (data, mime_type));
}

/**
 * north_mcp_tool_result_add_resource_link:
 * @self: a result
 * @uri: the resource's URI
 * @name: the resource's name
 * @description: (nullable): what the resource is
 * @mime_type: (nullable): the resource's media type
 *
 * Appends a resource link block.
 */
void
north_mcp_tool_result_add_resource_link (NorthMcpToolResult *self,
                                         const char         *uri,
                                         const char         *name,
                                         const char         *description,
                                         const char         *mime_type)
{
  g_return_if_fail (NORTH_MCP_IS_TOOL_RESULT (self));

  take_content (self, north_mcp_content_resource_link_new (uri, name, description, mime_type));
}

/**
 * north_mcp_tool_result_add_embedded_text:
 * @self: a result
 * @uri: the resource's URI
 * @mime_type: (nullable): the resource's media type
 * @text: the resource's text
 *
 * Appends an embedded text resource block.
 */
void
north_mcp_tool_result_add_embedded_text (NorthMcpToolResult *self,
                                         const char         *uri,
                                         const char         *mime_type,
                                         const char         *text)
{
  g_return_if_fail (NORTH_MCP_IS_TOOL_RESULT (self));

  take_content (self, north_mcp_content_embedded_text_new (uri, mime_type, text));
}

/**
 * north_mcp_tool_result_add_embedded_blob:
 * @self: a result
 * @uri: the resource's URI
 * @mime_type: (nullable): the resource's media type
 * @data: the resource's bytes
 *
 * Appends an embedded binary resource block.
 */
void
north_mcp_tool_result_add_embedded_blob (NorthMcpToolResult *self,
                                         const char         *uri,
                                         const char         *mime_type,
                                         GBytes             *data)
{
  g_return_if_fail (NORTH_MCP_IS_TOOL_RESULT (self));

  take_content (self, north_mcp_content_embedded_blob_new (uri, mime_type, data));
}

/**
 * north_mcp_tool_result_get_content:
 * @self: a result
 *
 * Gets the content blocks.
 *
 * Returns: (transfer none): the content blocks
 */
JsonArray *
north_mcp_tool_result_get_content (NorthMcpToolResult *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_TOOL_RESULT (self), NULL);

  return ensure_content (self);
}

/**
 * north_mcp_tool_result_set_structured_content:
 * @self: a result
 * @structured_content: (nullable): the structured result; copied
 *
 * Sets the structured result.
 */
void
north_mcp_tool_result_set_structured_content (NorthMcpToolResult *self,
                                              JsonNode           *structured_content)
{
  g_return_if_fail (NORTH_MCP_IS_TOOL_RESULT (self));

  g_clear_pointer (&self->structured_content, json_node_unref);
  if (structured_content != NULL)
    self->structured_content = json_node_copy (structured_content);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STRUCTURED_CONTENT]);
}

/**
 * north_mcp_tool_result_get_structured_content:
 * @self: a result
 *
 * Gets the structured result.
 *
 * Returns: (transfer none) (nullable): the structured result
 */
JsonNode *
north_mcp_tool_result_get_structured_content (NorthMcpToolResult *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_TOOL_RESULT (self), NULL);

  return self->structured_content;
}

/**
 * north_mcp_tool_result_set_is_error:
 * @self: a result
 * @is_error: whether the tool failed
 *
 * Marks the result as failed or successful.
 */
void
north_mcp_tool_result_set_is_error (NorthMcpToolResult *self,
                                    gboolean            is_error)
{
  g_return_if_fail (NORTH_MCP_IS_TOOL_RESULT (self));

  is_error = !!is_error;
  if (self->is_error == is_error)
    return;

  self->is_error = is_error;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IS_ERROR]);
}

/**
 * north_mcp_tool_result_get_is_error:
 * @self: a result
 *
 * Gets whether the tool failed.
 *
 * Returns: %TRUE for a failed call
 */
gboolean
north_mcp_tool_result_get_is_error (NorthMcpToolResult *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_TOOL_RESULT (self), FALSE);

  return self->is_error;
}

/**
 * north_mcp_tool_result_set_meta:
 * @self: a result
 * @meta: (nullable): the `_meta` object; a reference is taken
 *
 * Sets the result's `_meta`.
 */
void
north_mcp_tool_result_set_meta (NorthMcpToolResult *self,
                                JsonObject         *meta)
{
  g_return_if_fail (NORTH_MCP_IS_TOOL_RESULT (self));

  north_mcp_replace_object (&self->meta, meta);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_META]);
}

/**
 * north_mcp_tool_result_get_meta:
 * @self: a result
 *
 * Gets the result's `_meta`.
 *
 * Returns: (transfer none) (nullable): the `_meta` object
 */
JsonObject *
north_mcp_tool_result_get_meta (NorthMcpToolResult *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_TOOL_RESULT (self), NULL);

  return self->meta;
}

/**
 * north_mcp_tool_result_to_json:
 * @self: a result
 *
 * Serializes the result as MCP's `CallToolResult` object.
 *
 * Returns: (transfer full): the JSON object
 */
JsonNode *
north_mcp_tool_result_to_json (NorthMcpToolResult *self)
{
  JsonObject *object;
  JsonNode *node;

  g_return_val_if_fail (NORTH_MCP_IS_TOOL_RESULT (self), NULL);

  object = json_object_new ();
  json_object_set_array_member (object, "content", json_array_ref (ensure_content (self)));
  if (self->structured_content != NULL)
    json_object_set_member (object, "structuredContent", json_node_copy (self->structured_content));
  if (self->is_error)
    json_object_set_boolean_member (object, "isError", TRUE);
  if (self->meta != NULL)
    json_object_set_object_member (object, "_meta", json_object_ref (self->meta));

  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, object);
  return node;
}

/* What north_mcp_content_text_new() blocks would serialise to. */
static void
write_texts (NorthMcpToolResult *self,
             GString            *out)
{
  g_string_append_c (out, '[');
  for (guint i = 0; self->texts != NULL && i < self->texts->len; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      g_string_append_len (out, "{\"type\":\"text\",\"text\":", 22);
      north_mcp_json_write_string (out, g_ptr_array_index (self->texts, i));
      g_string_append_c (out, '}');
    }
  g_string_append_c (out, ']');
}

void
north_mcp_tool_result_write_json (NorthMcpToolResult *self,
                                  GString            *out)
{
  g_return_if_fail (NORTH_MCP_IS_TOOL_RESULT (self));

  g_string_append_len (out, "{\"content\":", 11);
  if (self->content != NULL)
    north_mcp_json_write_array (out, self->content);
  else
    write_texts (self, out);
  if (self->structured_content != NULL)
    {
      g_string_append_len (out, ",\"structuredContent\":", 21);
      north_mcp_json_write (out, self->structured_content);
    }
  if (self->is_error)
    g_string_append_len (out, ",\"isError\":true", 15);
  if (self->meta != NULL)
    {
      g_string_append_len (out, ",\"_meta\":", 9);
      north_mcp_json_write_object (out, self->meta);
    }
  g_string_append_c (out, '}');
}
