/* north-mcp-resource.c
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-context.h"
#include "north-mcp-error.h"
#include "north-mcp-resource.h"
#include "north-mcp-util-private.h"

/**
 * NorthMcpResource:
 *
 * A resource with a fixed URI that clients can list and read: a document,
 * a file, a database row.
 *
 * Its contents come from one of four places: a static text
 * (north_mcp_resource_new_text()), a static blob
 * (north_mcp_resource_new_blob()), a synchronous function
 * (north_mcp_resource_set_func()), an asynchronous one that completes the
 * #NorthMcpContext later (north_mcp_resource_set_async_func()), or a
 * subclass overriding [vfunc@NorthMcp.Resource.read].
 *
 * ```c
 * g_autoptr(NorthMcpResource) readme =
 *   north_mcp_resource_new_text ("file:///README", "README", "text/markdown", text);
 * north_mcp_server_add_resource (server, readme);
 * ```
 */

typedef struct
{
  char                          *uri;
  char                          *name;
  char                          *title;
  char                          *description;
  char                          *mime_type;
  gint64                         size;
  JsonObject                    *annotations;
  JsonObject                    *meta;
  JsonArray                     *icons;

  char                          *text;
  GBytes                        *blob;

  NorthMcpHandler handler;  /* NorthMcpResourceReadFunc or NorthMcpResourceReadAsyncFunc */
} NorthMcpResourcePrivate;

G_DEFINE_TYPE_WITH_PRIVATE (NorthMcpResource, north_mcp_resource, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_URI,
  PROP_NAME,
  PROP_TITLE,
  PROP_DESCRIPTION,
  PROP_MIME_TYPE,
  PROP_SIZE,
  PROP_ANNOTATIONS,
  PROP_META,
  PROP_ICONS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
clear_static (NorthMcpResourcePrivate *priv)
{
  g_clear_pointer (&priv->text, g_free);
  g_clear_pointer (&priv->blob, g_bytes_unref);
}

static void
north_mcp_resource_real_read (NorthMcpResource *self,
                              NorthMcpContext  *context)
{
  NorthMcpResourcePrivate *priv = north_mcp_resource_get_instance_private (self);
  NorthMcpResourceReadAsyncFunc async_func = (NorthMcpResourceReadAsyncFunc) priv->handler.async_func;
  NorthMcpResourceReadFunc func = (NorthMcpResourceReadFunc) priv->handler.func;
  g_autoptr(NorthMcpResourceContents) contents = NULL;
  g_autoptr(GError) error = NULL;

  if (async_func != NULL)
    {
      async_func (self, context, priv->handler.data);
      return;
    }

  if (func != NULL)
    contents = func (self, context, priv->handler.data, &error);
  else if (priv->text != NULL)
    contents = north_mcp_resource_contents_new_text (priv->uri, priv->mime_type, priv->text);
  else if (priv->blob != NULL)
    contents = north_mcp_resource_contents_new_blob (priv->uri, priv->mime_type, priv->blob);
  else
    g_set_error_literal (&error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED,
                         "This resource has no contents");

  if (error != NULL)
    north_mcp_context_return_error (context, error);
  else if (contents != NULL)
    north_mcp_context_return_resource_contents (context, contents);
  else if (north_mcp_context_is_completed (context))
    ; /* The handler answered itself (an input-required result, say). */
  else
    north_mcp_context_return_error_literal (context, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED,
                                            "The resource returned neither contents nor an error");
}

static void
north_mcp_resource_finalize (GObject *object)
{
  NorthMcpResource *self = NORTH_MCP_RESOURCE (object);
  NorthMcpResourcePrivate *priv = north_mcp_resource_get_instance_private (self);

  north_mcp_handler_clear (&priv->handler);
  clear_static (priv);
  g_free (priv->uri);
  g_free (priv->name);
  g_free (priv->title);
  g_free (priv->description);
  g_free (priv->mime_type);
  g_clear_pointer (&priv->annotations, json_object_unref);
  g_clear_pointer (&priv->meta, json_object_unref);
  g_clear_pointer (&priv->icons, json_array_unref);

  G_OBJECT_CLASS (north_mcp_resource_parent_class)->finalize (object);
}

static void
north_mcp_resource_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  NorthMcpResource *self = NORTH_MCP_RESOURCE (object);
  NorthMcpResourcePrivate *priv = north_mcp_resource_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_URI:
      g_value_set_string (value, priv->uri);
      break;
    case PROP_NAME:
      g_value_set_string (value, priv->name);
      break;
    case PROP_TITLE:
      g_value_set_string (value, priv->title);
      break;
    case PROP_DESCRIPTION:
      g_value_set_string (value, priv->description);
      break;
    case PROP_MIME_TYPE:
      g_value_set_string (value, priv->mime_type);
      break;
    case PROP_SIZE:
      g_value_set_int64 (value, priv->size);
      break;
    case PROP_ANNOTATIONS:
      g_value_set_boxed (value, priv->annotations);
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
north_mcp_resource_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  NorthMcpResource *self = NORTH_MCP_RESOURCE (object);
  NorthMcpResourcePrivate *priv = north_mcp_resource_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_URI:
      priv->uri = g_value_dup_string (value);
      break;
    case PROP_NAME:
      priv->name = g_value_dup_string (value);
      break;
    case PROP_TITLE:
      north_mcp_resource_set_title (self, g_value_get_string (value));
      break;
    case PROP_DESCRIPTION:
      north_mcp_resource_set_description (self, g_value_get_string (value));
      break;
    case PROP_MIME_TYPE:
      north_mcp_resource_set_mime_type (self, g_value_get_string (value));
      break;
    case PROP_SIZE:
      north_mcp_resource_set_size (self, g_value_get_int64 (value));
      break;
    case PROP_ANNOTATIONS:
      north_mcp_resource_set_annotations (self, g_value_get_boxed (value));
      break;
    case PROP_META:
      north_mcp_resource_set_meta (self, g_value_get_boxed (value));
      break;
    case PROP_ICONS:
      north_mcp_resource_set_icons (self, g_value_get_boxed (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
north_mcp_resource_class_init (NorthMcpResourceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = north_mcp_resource_finalize;
  object_class->get_property = north_mcp_resource_get_property;
  object_class->set_property = north_mcp_resource_set_property;

  klass->read = north_mcp_resource_real_read;

  /**
   * NorthMcpResource:uri:
   *
   * The resource's URI (RFC 3986), such as `file:///project/README.md`.
   */
  properties[PROP_URI] =
    g_param_spec_string ("uri", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /**
   * NorthMcpResource:name:
   *
   * The resource's programmatic name.
   */
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /**
   * NorthMcpResource:title:
   *
   * The resource's display title.
   */
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * NorthMcpResource:description:
   *
   * What the resource is.
   */
  properties[PROP_DESCRIPTION] =
    g_param_spec_string ("description", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * NorthMcpResource:mime-type:
   *
   * The resource's media type.
   */
  properties[PROP_MIME_TYPE] =
    g_param_spec_string ("mime-type", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * NorthMcpResource:size:
   *
   * The size of the raw contents in bytes, or -1 when not known. Static
   * contents report their own size when this is -1.
   */
  properties[PROP_SIZE] =
    g_param_spec_int64 ("size", NULL, NULL, -1, G_MAXINT64, -1,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * NorthMcpResource:annotations:
   *
   * The resource's `annotations` (`audience`, `priority`, `lastModified`).
   */
  properties[PROP_ANNOTATIONS] =
    g_param_spec_boxed ("annotations", NULL, NULL, JSON_TYPE_OBJECT,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * NorthMcpResource:meta:
   *
   * The resource's `_meta` object.
   */
  properties[PROP_META] =
    g_param_spec_boxed ("meta", NULL, NULL, JSON_TYPE_OBJECT,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * NorthMcpResource:icons:
   *
   * The resource's `icons` (2025-11-25): objects with `src`, `mimeType`,
   * `sizes`, `theme`.
   */
  properties[PROP_ICONS] =
    g_param_spec_boxed ("icons", NULL, NULL, JSON_TYPE_ARRAY,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
north_mcp_resource_init (NorthMcpResource *self)
{
  NorthMcpResourcePrivate *priv = north_mcp_resource_get_instance_private (self);

  priv->size = -1;
}

/**
 * north_mcp_resource_new:
 * @uri: the resource's URI
 * @name: the resource's name
 *
 * Creates a resource without contents; give it some with
 * north_mcp_resource_set_text(), north_mcp_resource_set_blob() or a read
 * function.
 *
 * Returns: (transfer full): a new resource
 */
NorthMcpResource *
north_mcp_resource_new (const char *uri,
                        const char *name)
{
  g_return_val_if_fail (uri != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  return g_object_new (NORTH_MCP_TYPE_RESOURCE, "uri", uri, "name", name, NULL);
}

/**
 * north_mcp_resource_new_text:
 * @uri: the resource's URI
 * @name: the resource's name
 * @mime_type: (nullable): the media type
 * @text: the contents
 *
 * Creates a resource whose contents are @text.
 *
 * Returns: (transfer full): a new resource
 */
NorthMcpResource *
north_mcp_resource_new_text (const char *uri,
                             const char *name,
                             const char *mime_type,
                             const char *text)
{
  NorthMcpResource *self = north_mcp_resource_new (uri, name);

  north_mcp_resource_set_mime_type (self, mime_type);
  north_mcp_resource_set_text (self, text);
  return self;
}

/**
 * north_mcp_resource_new_blob:
 * @uri: the resource's URI
 * @name: the resource's name
 * @mime_type: (nullable): the media type
 * @blob: the contents
 *
 * Creates a resource whose contents are @blob, sent base64-encoded.
 *
 * Returns: (transfer full): a new resource
 */
NorthMcpResource *
north_mcp_resource_new_blob (const char *uri,
                             const char *name,
                             const char *mime_type,
                             GBytes     *blob)
{
  NorthMcpResource *self = north_mcp_resource_new (uri, name);

  north_mcp_resource_set_mime_type (self, mime_type);
  north_mcp_resource_set_blob (self, blob);
  return self;
}

/**
 * north_mcp_resource_set_text:
 * @self: a resource
 * @text: the contents
 *
 * Makes @text the resource's contents, replacing a blob or read function.
 */
void
north_mcp_resource_set_text (NorthMcpResource *self,
                             const char       *text)
{
  NorthMcpResourcePrivate *priv = north_mcp_resource_get_instance_private (self);

  g_return_if_fail (NORTH_MCP_IS_RESOURCE (self));
  g_return_if_fail (text != NULL);

  north_mcp_handler_clear (&priv->handler);
  clear_static (priv);
  priv->text = g_strdup (text);
}

/**
 * north_mcp_resource_set_blob:
 * @self: a resource
 * @blob: the contents
 *
 * Makes @blob the resource's contents, replacing a text or read function.
 */
void
north_mcp_resource_set_blob (NorthMcpResource *self,
                             GBytes           *blob)
{
  NorthMcpResourcePrivate *priv = north_mcp_resource_get_instance_private (self);

  g_return_if_fail (NORTH_MCP_IS_RESOURCE (self));
  g_return_if_fail (blob != NULL);

  north_mcp_handler_clear (&priv->handler);
  clear_static (priv);
  priv->blob = g_bytes_ref (blob);
}

/**
 * north_mcp_resource_set_func:
 * @self: a resource
 * @func: (scope notified) (closure user_data) (destroy destroy): the handler
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data
 *
 * Makes @func the resource's synchronous read handler. It runs on the
 * server's main context.
 */
void
north_mcp_resource_set_func (NorthMcpResource         *self,
                             NorthMcpResourceReadFunc  func,
                             gpointer                  user_data,
                             GDestroyNotify            destroy)
{
  NorthMcpResourcePrivate *priv = north_mcp_resource_get_instance_private (self);

  g_return_if_fail (NORTH_MCP_IS_RESOURCE (self));

  clear_static (priv);
  north_mcp_handler_set (&priv->handler, G_CALLBACK (func), NULL, user_data, destroy);
}

/**
 * north_mcp_resource_set_async_func:
 * @self: a resource
 * @func: (scope notified) (closure user_data) (destroy destroy): the handler
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data
 *
 * Makes @func the resource's asynchronous read handler: it completes the
 * context later, from any thread.
 */
void
north_mcp_resource_set_async_func (NorthMcpResource              *self,
                                   NorthMcpResourceReadAsyncFunc  func,
                                   gpointer                       user_data,
                                   GDestroyNotify                 destroy)
{
  NorthMcpResourcePrivate *priv = north_mcp_resource_get_instance_private (self);

  g_return_if_fail (NORTH_MCP_IS_RESOURCE (self));

  clear_static (priv);
  north_mcp_handler_set (&priv->handler, NULL, G_CALLBACK (func), user_data, destroy);
}

/**
 * north_mcp_resource_get_uri:
 * @self: a resource
 *
 * Gets the resource's URI.
 *
 * Returns: the URI
 */
const char *
north_mcp_resource_get_uri (NorthMcpResource *self)
{
  NorthMcpResourcePrivate *priv = north_mcp_resource_get_instance_private (self);

  g_return_val_if_fail (NORTH_MCP_IS_RESOURCE (self), NULL);

  return priv->uri;
}

/**
 * north_mcp_resource_get_name:
 * @self: a resource
 *
 * Gets the resource's name.
 *
 * Returns: the name
 */
const char *
north_mcp_resource_get_name (NorthMcpResource *self)
{
  NorthMcpResourcePrivate *priv = north_mcp_resource_get_instance_private (self);

  g_return_val_if_fail (NORTH_MCP_IS_RESOURCE (self), NULL);

  return priv->name;
}

#define DEFINE_STRING_ACCESSORS(field, prop)                                     \
const char *                                                                        \
north_mcp_resource_get_##field (NorthMcpResource *self)                             \
{                                                                                   \
  NorthMcpResourcePrivate *priv = north_mcp_resource_get_instance_private (self);   \
                                                                                    \
  g_return_val_if_fail (NORTH_MCP_IS_RESOURCE (self), NULL);                        \
                                                                                    \
  return priv->field;                                                               \
}                                                                                   \
                                                                                    \
void                                                                                \
north_mcp_resource_set_##field (NorthMcpResource *self,                             \
                                const char       *value)                            \
{                                                                                   \
  NorthMcpResourcePrivate *priv = north_mcp_resource_get_instance_private (self);   \
                                                                                    \
  g_return_if_fail (NORTH_MCP_IS_RESOURCE (self));                                  \
                                                                                    \
  if (north_mcp_set_str (&priv->field, value))                                      \
    g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);                   \
}

/**
 * north_mcp_resource_get_title:
 * @self: a resource
 *
 * Gets the resource's display title.
 *
 * Returns: (nullable): the title
 */
/**
 * north_mcp_resource_set_title:
 * @self: a resource
 * @title: (nullable): the title
 *
 * Sets the resource's display title.
 */
DEFINE_STRING_ACCESSORS (title, PROP_TITLE)

/**
 * north_mcp_resource_get_description:
 * @self: a resource
 *
 * Gets what the resource is.
 *
 * Returns: (nullable): the description
 */
/**
 * north_mcp_resource_set_description:
 * @self: a resource
 * @description: (nullable): the description
 *
 * Sets what the resource is.
 */
DEFINE_STRING_ACCESSORS (description, PROP_DESCRIPTION)

/**
 * north_mcp_resource_get_mime_type:
 * @self: a resource
 *
 * Gets the resource's media type.
 *
 * Returns: (nullable): the media type
 */
/**
 * north_mcp_resource_set_mime_type:
 * @self: a resource
 * @mime_type: (nullable): the media type
 *
 * Sets the resource's media type.
 */
DEFINE_STRING_ACCESSORS (mime_type, PROP_MIME_TYPE)

/**
 * north_mcp_resource_get_size:
 * @self: a resource
 *
 * Gets the size of the raw contents: the one set, else that of static
 * contents, else -1.
 *
 * Returns: the size in bytes, or -1 when not known
 */
gint64
north_mcp_resource_get_size (NorthMcpResource *self)
{
  NorthMcpResourcePrivate *priv = north_mcp_resource_get_instance_private (self);

  g_return_val_if_fail (NORTH_MCP_IS_RESOURCE (self), -1);

  if (priv->size >= 0)
    return priv->size;
  if (priv->text != NULL)
    return (gint64) strlen (priv->text);
  if (priv->blob != NULL)
    return (gint64) g_bytes_get_size (priv->blob);
  return -1;
}

/**
 * north_mcp_resource_set_size:
 * @self: a resource
 * @size: the size in bytes, or -1 when not known
 *
 * Sets the size of the raw contents that `resources/list` reports.
 */
void
north_mcp_resource_set_size (NorthMcpResource *self,
                             gint64            size)
{
  NorthMcpResourcePrivate *priv = north_mcp_resource_get_instance_private (self);

  g_return_if_fail (NORTH_MCP_IS_RESOURCE (self));
  g_return_if_fail (size >= -1);

  if (priv->size == size)
    return;
  priv->size = size;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIZE]);
}

/**
 * north_mcp_resource_get_annotations:
 * @self: a resource
 *
 * Gets the resource's annotations.
 *
 * Returns: (transfer none) (nullable): the annotations
 */
JsonObject *
north_mcp_resource_get_annotations (NorthMcpResource *self)
{
  NorthMcpResourcePrivate *priv = north_mcp_resource_get_instance_private (self);

  g_return_val_if_fail (NORTH_MCP_IS_RESOURCE (self), NULL);

  return priv->annotations;
}

/**
 * north_mcp_resource_set_annotations:
 * @self: a resource
 * @annotations: (nullable): the annotations; a reference is taken
 *
 * Sets the resource's annotations (`audience`, `priority`, `lastModified`).
 */
void
north_mcp_resource_set_annotations (NorthMcpResource *self,
                                    JsonObject       *annotations)
{
  NorthMcpResourcePrivate *priv = north_mcp_resource_get_instance_private (self);

  g_return_if_fail (NORTH_MCP_IS_RESOURCE (self));

  north_mcp_replace_object (&priv->annotations, annotations);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ANNOTATIONS]);
}

/**
 * north_mcp_resource_get_meta:
 * @self: a resource
 *
 * Gets the resource's `_meta` object.
 *
 * Returns: (transfer none) (nullable): the `_meta` object
 */
JsonObject *
north_mcp_resource_get_meta (NorthMcpResource *self)
{
  NorthMcpResourcePrivate *priv = north_mcp_resource_get_instance_private (self);

  g_return_val_if_fail (NORTH_MCP_IS_RESOURCE (self), NULL);

  return priv->meta;
}

/**
 * north_mcp_resource_set_meta:
 * @self: a resource
 * @meta: (nullable): the `_meta` object; a reference is taken
 *
 * Sets the resource's `_meta` object.
 */
void
north_mcp_resource_set_meta (NorthMcpResource *self,
                             JsonObject       *meta)
{
  NorthMcpResourcePrivate *priv = north_mcp_resource_get_instance_private (self);

  g_return_if_fail (NORTH_MCP_IS_RESOURCE (self));

  north_mcp_replace_object (&priv->meta, meta);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_META]);
}

/**
 * north_mcp_resource_get_icons:
 * @self: a resource
 *
 * Gets the resource's icons.
 *
 * Returns: (transfer none) (nullable): the icons
 */
JsonArray *
north_mcp_resource_get_icons (NorthMcpResource *self)
{
  NorthMcpResourcePrivate *priv = north_mcp_resource_get_instance_private (self);

  g_return_val_if_fail (NORTH_MCP_IS_RESOURCE (self), NULL);

  return priv->icons;
}

/**
 * north_mcp_resource_set_icons:
 * @self: a resource
 * @icons: (nullable): an array of `Icon` objects; a reference is taken
 *
 * Sets the resource's icons (2025-11-25).
 */
void
north_mcp_resource_set_icons (NorthMcpResource *self,
                              JsonArray        *icons)
{
  NorthMcpResourcePrivate *priv = north_mcp_resource_get_instance_private (self);

  g_return_if_fail (NORTH_MCP_IS_RESOURCE (self));

  if (icons != NULL)
    json_array_ref (icons);
  g_clear_pointer (&priv->icons, json_array_unref);
  priv->icons = icons;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ICONS]);
}

/**
 * north_mcp_resource_read: (virtual read)
 * @self: a resource
 * @context: the `resources/read` request
 *
 * Runs the resource's read handler, which completes @context now or later.
 */
void
north_mcp_resource_read (NorthMcpResource *self,
                         NorthMcpContext  *context)
{
  g_return_if_fail (NORTH_MCP_IS_RESOURCE (self));
  g_return_if_fail (NORTH_MCP_IS_CONTEXT (context));

  NORTH_MCP_RESOURCE_GET_CLASS (self)->read (self, context);
}

/**
 * north_mcp_resource_to_json:
 * @self: a resource
 *
 * Serializes the resource as MCP's `Resource` object, as `resources/list`
 * lists it.
 *
 * Returns: (transfer full): the JSON object
 */
JsonNode *
north_mcp_resource_to_json (NorthMcpResource *self)
{
  NorthMcpResourcePrivate *priv = north_mcp_resource_get_instance_private (self);
  g_autoptr(JsonObject) object = NULL;
  gint64 size;

  g_return_val_if_fail (NORTH_MCP_IS_RESOURCE (self), NULL);

  object = json_object_new ();
  json_object_set_string_member (object, "uri", priv->uri);
  json_object_set_string_member (object, "name", priv->name);
  if (priv->title != NULL)
    json_object_set_string_member (object, "title", priv->title);
  if (priv->description != NULL)
    json_object_set_string_member (object, "description", priv->description);
  if (priv->mime_type != NULL)
    json_object_set_string_member (object, "mimeType", priv->mime_type);
  size = north_mcp_resource_get_size (self);
  if (size >= 0)
    json_object_set_int_member (object, "size", size);
  if (priv->annotations != NULL)
    json_object_set_object_member (object, "annotations", json_object_ref (priv->annotations));
  if (priv->icons != NULL)
    json_object_set_array_member (object, "icons", json_array_ref (priv->icons));
  if (priv->meta != NULL)
    json_object_set_object_member (object, "_meta", json_object_ref (priv->meta));

  return north_mcp_node_new_object (object);
}
