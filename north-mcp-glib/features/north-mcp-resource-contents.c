/* north-mcp-resource-contents.c
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-context.h"
#include "north-mcp-error.h"
#include "north-mcp-resource-contents-private.h"
#include "north-mcp-resource-contents.h"
#include "north-mcp-util-private.h"

/**
 * NorthMcpResourceContents:
 *
 * What one `resources/read` returns: one or more text or binary contents
 * (a read may return sub-resources, each with its own URI).
 *
 * ```c
 * g_autoptr(NorthMcpResourceContents) contents =
 *   north_mcp_resource_contents_new_text (uri, "text/plain", "Hello");
 * north_mcp_context_return_resource_contents (context, contents);
 * ```
 */
struct _NorthMcpResourceContents
{
  GObject     parent_instance;

  JsonArray  *contents;
  JsonObject *meta;
};

G_DEFINE_FINAL_TYPE (NorthMcpResourceContents, north_mcp_resource_contents, G_TYPE_OBJECT)

static void
north_mcp_resource_contents_finalize (GObject *object)
{
  NorthMcpResourceContents *self = NORTH_MCP_RESOURCE_CONTENTS (object);

  g_clear_pointer (&self->contents, json_array_unref);
  g_clear_pointer (&self->meta, json_object_unref);

  G_OBJECT_CLASS (north_mcp_resource_contents_parent_class)->finalize (object);
}

static void
north_mcp_resource_contents_class_init (NorthMcpResourceContentsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = north_mcp_resource_contents_finalize;
}

static void
north_mcp_resource_contents_init (NorthMcpResourceContents *self)
{
  self->contents = json_array_new ();
}

/**
 * north_mcp_resource_contents_new:
 *
 * Creates an empty list of contents; add at least one before returning it.
 *
 * Returns: (transfer full): the contents
 */
NorthMcpResourceContents *
north_mcp_resource_contents_new (void)
{
  return g_object_new (NORTH_MCP_TYPE_RESOURCE_CONTENTS, NULL);
}

/**
 * north_mcp_resource_contents_new_text:
 * @uri: the URI read
 * @mime_type: (nullable): the media type
 * @text: the text
 *
 * Creates contents of one text item.
 *
 * Returns: (transfer full): the contents
 */
NorthMcpResourceContents *
north_mcp_resource_contents_new_text (const char *uri,
                                      const char *mime_type,
                                      const char *text)
{
  NorthMcpResourceContents *self = north_mcp_resource_contents_new ();

  north_mcp_resource_contents_add_text (self, uri, mime_type, text);
  return self;
}

/**
 * north_mcp_resource_contents_new_blob:
 * @uri: the URI read
 * @mime_type: (nullable): the media type
 * @blob: the bytes; they are base64-encoded
 *
 * Creates contents of one binary item.
 *
 * Returns: (transfer full): the contents
 */
NorthMcpResourceContents *
north_mcp_resource_contents_new_blob (const char *uri,
                                      const char *mime_type,
                                      GBytes     *blob)
{
  NorthMcpResourceContents *self = north_mcp_resource_contents_new ();

  north_mcp_resource_contents_add_blob (self, uri, mime_type, blob);
  return self;
}

JsonObject *
north_mcp_resource_item_new (const char *uri,
                             const char *mime_type,
                             const char *member,
                             const char *value)
{
  JsonObject *item = json_object_new ();

  json_object_set_string_member (item, "uri", uri);
  if (mime_type != NULL)
    json_object_set_string_member (item, "mimeType", mime_type);
  json_object_set_string_member (item, member, value);
  return item;
}

/**
 * north_mcp_resource_contents_add_text:
 * @self: contents
 * @uri: the URI of this item
 * @mime_type: (nullable): its media type
 * @text: its text
 *
 * Adds a text item (`TextResourceContents`).
 */
void
north_mcp_resource_contents_add_text (NorthMcpResourceContents *self,
                                      const char               *uri,
                                      const char               *mime_type,
                                      const char               *text)
{
  g_return_if_fail (NORTH_MCP_IS_RESOURCE_CONTENTS (self));
  g_return_if_fail (uri != NULL);
  g_return_if_fail (text != NULL);

  json_array_add_object_element (self->contents, north_mcp_resource_item_new (uri, mime_type, "text", text));
}

/**
 * north_mcp_resource_contents_add_blob:
 * @self: contents
 * @uri: the URI of this item
 * @mime_type: (nullable): its media type
 * @blob: its bytes; they are base64-encoded
 *
 * Adds a binary item (`BlobResourceContents`).
 */
void
north_mcp_resource_contents_add_blob (NorthMcpResourceContents *self,
                                      const char               *uri,
                                      const char               *mime_type,
                                      GBytes                   *blob)
{
  gsize size = 0;
  const guchar *data;
  g_autofree char *encoded = NULL;

  g_return_if_fail (NORTH_MCP_IS_RESOURCE_CONTENTS (self));
  g_return_if_fail (uri != NULL);
  g_return_if_fail (blob != NULL);

  data = g_bytes_get_data (blob, &size);
  encoded = g_base64_encode (data, size);
  json_array_add_object_element (self->contents, north_mcp_resource_item_new (uri, mime_type, "blob", encoded));
}

/**
 * north_mcp_resource_contents_add_json:
 * @self: contents
 * @contents: a `TextResourceContents` or `BlobResourceContents` object,
 *   for example with `_meta`; a reference is taken
 *
 * Adds an item as it is.
 */
void
north_mcp_resource_contents_add_json (NorthMcpResourceContents *self,
                                      JsonObject               *contents)
{
  g_return_if_fail (NORTH_MCP_IS_RESOURCE_CONTENTS (self));
  g_return_if_fail (contents != NULL);

  json_array_add_object_element (self->contents, json_object_ref (contents));
}

/**
 * north_mcp_resource_contents_get_n_items:
 * @self: contents
 *
 * Gets how many items were added.
 *
 * Returns: the number of items
 */
guint
north_mcp_resource_contents_get_n_items (NorthMcpResourceContents *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_RESOURCE_CONTENTS (self), 0);

  return json_array_get_length (self->contents);
}

/**
 * north_mcp_resource_contents_set_meta:
 * @self: contents
 * @meta: (nullable): the result's `_meta` object; a reference is taken
 *
 * Sets the `_meta` of the `ReadResourceResult`.
 */
void
north_mcp_resource_contents_set_meta (NorthMcpResourceContents *self,
                                      JsonObject               *meta)
{
  g_return_if_fail (NORTH_MCP_IS_RESOURCE_CONTENTS (self));

  north_mcp_replace_object (&self->meta, meta);
}

/**
 * north_mcp_resource_contents_to_json:
 * @self: contents
 *
 * Serializes the contents as MCP's `ReadResourceResult`.
 *
 * Returns: (transfer full): the JSON object `{"contents": […]}`
 */
JsonNode *
north_mcp_resource_contents_to_json (NorthMcpResourceContents *self)
{
  g_autoptr(JsonObject) result = json_object_new ();

  g_return_val_if_fail (NORTH_MCP_IS_RESOURCE_CONTENTS (self), NULL);

  json_object_set_array_member (result, "contents", north_mcp_array_copy (self->contents));
  if (self->meta != NULL)
    json_object_set_object_member (result, "_meta", json_object_ref (self->meta));

  return north_mcp_node_new_object (result);
}

/**
 * north_mcp_context_return_resource_contents:
 * @self: a context
 * @contents: what was read
 *
 * Answers a `resources/read` request. Safe to call from any thread.
 */
void
north_mcp_context_return_resource_contents (NorthMcpContext          *self,
                                            NorthMcpResourceContents *contents)
{
  g_autoptr(JsonNode) node = NULL;

  g_return_if_fail (NORTH_MCP_IS_CONTEXT (self));
  g_return_if_fail (NORTH_MCP_IS_RESOURCE_CONTENTS (contents));

  /* The spec forbids answering a read with nothing. */
  if (json_array_get_length (contents->contents) == 0)
    {
      north_mcp_context_return_error_literal (self, NORTH_MCP_JSONRPC_ERROR,
                                              NORTH_MCP_JSONRPC_ERROR_INTERNAL_ERROR,
                                              "Internal error: the resource handler returned no contents");
      return;
    }

  node = north_mcp_resource_contents_to_json (contents);
  north_mcp_context_return_result (self, node);
}
