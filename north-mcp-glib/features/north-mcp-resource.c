/* north-mcp-resource.c
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-context.h"
#include "north-mcp-error.h"
#include "north-mcp-feature-private.h"
#include "north-mcp-resource.h"
#include "north-mcp-util-private.h"

/**
 * NorthMcpResource:
 *
 * A resource with a fixed URI that clients can list and read: a document,
 * a file, a database row.
 *
 * Its name, title, description, annotations, icons and `_meta` are those
 * of its base class, [class@NorthMcp.Feature].
 *
 * Its contents come from one of four places: a static text
 * ([ctor@NorthMcp.Resource.new_text]), a static blob
 * ([ctor@NorthMcp.Resource.new_blob]), a synchronous function
 * ([method@NorthMcp.Resource.set_func]), an asynchronous one that completes
 * the [class@NorthMcp.Context] later
 * ([method@NorthMcp.Resource.set_async_func]), or a subclass overriding
 * [vfunc@NorthMcp.Resource.read].
 *
 * ```c
 * g_autoptr(NorthMcpResource) readme =
 *   north_mcp_resource_new_text ("file:///README", "README", "text/markdown",
 *   text);
 * north_mcp_server_add_resource (server, readme);
 * ```
 */

typedef struct
{
  char                          *uri;
  char                          *mime_type;
  gint64                         size;

  char                          *text;
  GBytes                        *blob;
} NorthMcpResourcePrivate;

G_DEFINE_TYPE_WITH_PRIVATE (NorthMcpResource, north_mcp_resource, NORTH_MCP_TYPE_FEATURE)

enum {
  PROP_0,
  PROP_URI,
  PROP_MIME_TYPE,
  PROP_SIZE,
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
  NorthMcpHandler *handler = north_mcp_feature_get_handler (NORTH_MCP_FEATURE (self));
  g_autoptr(NorthMcpResourceContents) contents = NULL;
  g_autoptr(GError) error = NULL;

  if (handler->async_func != NULL)
    {
      ((NorthMcpResourceReadAsyncFunc) handler->async_func) (self, context, handler->data);
      return;
    }

  if (handler->func != NULL)
    contents = ((NorthMcpResourceReadFunc) handler->func) (self, context, handler->data, &error);
  else if (priv->text != NULL)
    contents = north_mcp_resource_contents_new_text (priv->uri, priv->mime_type, priv->text);
  else if (priv->blob != NULL)
    contents = north_mcp_resource_contents_new_blob (priv->uri, priv->mime_type, priv->blob);
  else
    g_set_error_literal (&error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED,
                         "This resource has no contents");

  north_mcp_feature_answer (context, contents, error,
                            (NorthMcpFeatureAnswerFunc) north_mcp_context_return_resource_contents,
                            "The resource returned neither contents nor an error");
}

static void
north_mcp_resource_finalize (GObject *object)
{
  NorthMcpResource *self = NORTH_MCP_RESOURCE (object);
  NorthMcpResourcePrivate *priv = north_mcp_resource_get_instance_private (self);

  clear_static (priv);
  g_free (priv->uri);
  g_free (priv->mime_type);

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
    case PROP_MIME_TYPE:
      g_value_set_string (value, priv->mime_type);
      break;
    case PROP_SIZE:
      g_value_set_int64 (value, priv->size);
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
    case PROP_MIME_TYPE:
      north_mcp_resource_set_mime_type (self, g_value_get_string (value));
      break;
    case PROP_SIZE:
      north_mcp_resource_set_size (self, g_value_get_int64 (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
north_mcp_resource_add_json_members (NorthMcpFeature *feature,
                                     JsonObject      *object)
{
  NorthMcpResource *self = NORTH_MCP_RESOURCE (feature);
  NorthMcpResourcePrivate *priv = north_mcp_resource_get_instance_private (self);
  gint64 size = north_mcp_resource_get_size (self);

  json_object_set_string_member (object, "uri", priv->uri);
  if (priv->mime_type != NULL)
    json_object_set_string_member (object, "mimeType", priv->mime_type);
  if (size >= 0)
    json_object_set_int_member (object, "size", size);
}

static void
north_mcp_resource_class_init (NorthMcpResourceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  NorthMcpFeatureClass *feature_class = NORTH_MCP_FEATURE_CLASS (klass);

  object_class->finalize = north_mcp_resource_finalize;
  object_class->get_property = north_mcp_resource_get_property;
  object_class->set_property = north_mcp_resource_set_property;

  feature_class->add_json_members = north_mcp_resource_add_json_members;
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
 * [method@NorthMcp.Resource.set_text], [method@NorthMcp.Resource.set_blob] or
 * a read function.
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

/* Static contents, @text or @blob, replace the other kind and a handler. */
static void
set_static (NorthMcpResource *self,
            const char       *text,
            GBytes           *blob)
{
  NorthMcpResourcePrivate *priv = north_mcp_resource_get_instance_private (self);

  north_mcp_handler_clear (north_mcp_feature_get_handler (NORTH_MCP_FEATURE (self)));
  clear_static (priv);
  priv->text = g_strdup (text);
  priv->blob = blob != NULL ? g_bytes_ref (blob) : NULL;
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
  g_return_if_fail (NORTH_MCP_IS_RESOURCE (self));
  g_return_if_fail (text != NULL);

  set_static (self, text, NULL);
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
  g_return_if_fail (NORTH_MCP_IS_RESOURCE (self));
  g_return_if_fail (blob != NULL);

  set_static (self, NULL, blob);
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
  north_mcp_feature_set_handler (NORTH_MCP_FEATURE (self), G_CALLBACK (func), NULL, user_data, destroy);
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
  north_mcp_feature_set_handler (NORTH_MCP_FEATURE (self), NULL, G_CALLBACK (func), user_data, destroy);
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
 * north_mcp_resource_get_mime_type:
 * @self: a resource
 *
 * Gets the resource's media type.
 *
 * Returns: (nullable): the media type
 */
const char *
north_mcp_resource_get_mime_type (NorthMcpResource *self)
{
  NorthMcpResourcePrivate *priv = north_mcp_resource_get_instance_private (self);

  g_return_val_if_fail (NORTH_MCP_IS_RESOURCE (self), NULL);

  return priv->mime_type;
}

/**
 * north_mcp_resource_set_mime_type:
 * @self: a resource
 * @mime_type: (nullable): the media type
 *
 * Sets the resource's media type.
 */
void
north_mcp_resource_set_mime_type (NorthMcpResource *self,
                                  const char       *mime_type)
{
  NorthMcpResourcePrivate *priv = north_mcp_resource_get_instance_private (self);

  g_return_if_fail (NORTH_MCP_IS_RESOURCE (self));

  if (north_mcp_set_str (&priv->mime_type, mime_type))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MIME_TYPE]);
}

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
