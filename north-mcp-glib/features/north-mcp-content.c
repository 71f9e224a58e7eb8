/* north-mcp-content.c: builders for MCP content blocks
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-content.h"
#include "north-mcp-resource-contents-private.h"

static JsonNode *
block_new (const char  *type,
           JsonObject **object_out)
{
  JsonObject *object = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (object, "type", type);
  json_node_take_object (node, object);
  *object_out = object;
  return node;
}

static char *
base64_of (GBytes *data)
{
  gsize size = 0;
  const guchar *bytes = g_bytes_get_data (data, &size);

  return g_base64_encode (bytes, size);
}


/**
 * north_mcp_content_text_new:
 * @text: the text
 *
 * Creates a `text` content block.
 *
 * Returns: (transfer full): the content block
 */
JsonNode *
north_mcp_content_text_new (const char *text)
{
  JsonObject *object;
  JsonNode *node = block_new ("text", &object);

  g_return_val_if_fail (text != NULL, node);

  json_object_set_string_member (object, "text", text);
  return node;
}

static JsonNode *
media_new (const char *type,
           GBytes     *data,
           const char *mime_type)
{
  g_autofree char *encoded = NULL;
  JsonObject *object;
  JsonNode *node;

  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (mime_type != NULL, NULL);

  node = block_new (type, &object);
  encoded = base64_of (data);
  json_object_set_string_member (object, "data", encoded);
  json_object_set_string_member (object, "mimeType", mime_type);
  return node;
}

/**
 * north_mcp_content_image_new:
 * @data: the image's bytes; they are base64-encoded
 * @mime_type: the image's media type, such as `image/png`
 *
 * Creates an `image` content block.
 *
 * Returns: (transfer full): the content block
 */
JsonNode *
north_mcp_content_image_new (GBytes     *data,
                             const char *mime_type)
{
  return media_new ("image", data, mime_type);
}

/**
 * north_mcp_content_audio_new:
 * @data: the audio's bytes; they are base64-encoded
 * @mime_type: the audio's media type, such as `audio/wav`
 *
 * Creates an `audio` content block.
 *
 * Returns: (transfer full): the content block
 */
JsonNode *
north_mcp_content_audio_new (GBytes     *data,
                             const char *mime_type)
{
  return media_new ("audio", data, mime_type);
}

/**
 * north_mcp_content_resource_link_new:
 * @uri: the resource's URI
 * @name: the resource's name
 * @description: (nullable): what the resource is
 * @mime_type: (nullable): the resource's media type
 *
 * Creates a `resource_link` content block: a reference to a resource the
 * client can read.
 *
 * Returns: (transfer full): the content block
 */
JsonNode *
north_mcp_content_resource_link_new (const char *uri,
                                     const char *name,
                                     const char *description,
                                     const char *mime_type)
{
  JsonObject *object;
  JsonNode *node;

  g_return_val_if_fail (uri != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  node = block_new ("resource_link", &object);
  json_object_set_string_member (object, "uri", uri);
  json_object_set_string_member (object, "name", name);
  if (description != NULL)
    json_object_set_string_member (object, "description", description);
  if (mime_type != NULL)
    json_object_set_string_member (object, "mimeType", mime_type);
  return node;
}

/* A `resource` block embedding @uri's contents: @member (`text`, or `blob`
 * for base64) set to @value. The public functions check their arguments,
 * so that a failed check names the one the caller called. */
static JsonNode *
embedded_new (const char *uri,
              const char *mime_type,
              const char *member,
              const char *value)
{
  JsonObject *object;
  JsonNode *node = block_new ("resource", &object);

  json_object_set_object_member (object, "resource",
                                 north_mcp_resource_item_new (uri, mime_type, member, value));
  return node;
}

/**
 * north_mcp_content_embedded_text_new:
 * @uri: the resource's URI
 * @mime_type: (nullable): the resource's media type
 * @text: the resource's text
 *
 * Creates a `resource` content block embedding a text resource.
 *
 * Returns: (transfer full): the content block
 */
JsonNode *
north_mcp_content_embedded_text_new (const char *uri,
                                     const char *mime_type,
                                     const char *text)
{
  g_return_val_if_fail (uri != NULL, NULL);
  g_return_val_if_fail (text != NULL, NULL);

  return embedded_new (uri, mime_type, "text", text);
}

/**
 * north_mcp_content_embedded_blob_new:
 * @uri: the resource's URI
 * @mime_type: (nullable): the resource's media type
 * @data: the resource's bytes; they are base64-encoded
 *
 * Creates a `resource` content block embedding a binary resource.
 *
 * Returns: (transfer full): the content block
 */
JsonNode *
north_mcp_content_embedded_blob_new (const char *uri,
                                     const char *mime_type,
                                     GBytes     *data)
{
  g_autofree char *blob = NULL;

  g_return_val_if_fail (uri != NULL, NULL);
  g_return_val_if_fail (data != NULL, NULL);

  blob = base64_of (data);
  return embedded_new (uri, mime_type, "blob", blob);
}
