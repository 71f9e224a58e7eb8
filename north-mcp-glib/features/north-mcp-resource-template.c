/* north-mcp-resource-template.c
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-completion-private.h"
#include "north-mcp-context.h"
#include "north-mcp-error.h"
#include "north-mcp-resource-template.h"
#include "north-mcp-util-private.h"

/**
 * NorthMcpResourceTemplate:
 *
 * A family of resources whose URIs follow an RFC 6570 level 1 template,
 * such as `weather://{city}/today`. Clients list templates with
 * `resources/templates/list` and read any URI that matches one with
 * `resources/read`; the handler receives the template's variables,
 * decoded.
 *
 * As with #NorthMcpTool, the handler is a synchronous function
 * (north_mcp_resource_template_set_func()), an asynchronous one
 * (north_mcp_resource_template_set_async_func()), or a subclass overriding
 * [vfunc@NorthMcp.ResourceTemplate.read]. A completion function offers
 * values for the variables in `completion/complete`.
 *
 * ```c
 * static NorthMcpResourceContents *
 * read_city (NorthMcpResourceTemplate *template_, NorthMcpContext *context,
 *            const char *uri, GHashTable *variables, gpointer user_data,
 *            GError **error)
 * {
 *   const char *city = g_hash_table_lookup (variables, "city");
 *   g_autofree char *text = g_strdup_printf ("Sunny in %s", city);
 *
 *   return north_mcp_resource_contents_new_text (uri, "text/plain", text);
 * }
 *
 * template_ = north_mcp_resource_template_new ("weather://{city}/today", "weather", NULL);
 * north_mcp_resource_template_set_func (template_, read_city, NULL, NULL);
 * ```
 */

typedef struct
{
  NorthMcpUriTemplate                   *template_;
  char                                  *name;
  char                                  *title;
  char                                  *description;
  char                                  *mime_type;
  JsonObject                            *annotations;
  JsonObject                            *meta;
  JsonArray                             *icons;

  NorthMcpHandler handler;  /* NorthMcpResourceTemplateReadFunc or NorthMcpResourceTemplateReadAsyncFunc */

  NorthMcpCompletionHandler              completion;
} NorthMcpResourceTemplatePrivate;

G_DEFINE_TYPE_WITH_PRIVATE (NorthMcpResourceTemplate, north_mcp_resource_template, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_URI_TEMPLATE,
  PROP_NAME,
  PROP_TITLE,
  PROP_DESCRIPTION,
  PROP_MIME_TYPE,
  PROP_ANNOTATIONS,
  PROP_META,
  PROP_ICONS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
north_mcp_resource_template_real_read (NorthMcpResourceTemplate *self,
                                       NorthMcpContext          *context,
                                       const char               *uri,
                                       GHashTable               *variables)
{
  NorthMcpResourceTemplatePrivate *priv = north_mcp_resource_template_get_instance_private (self);
  NorthMcpResourceTemplateReadAsyncFunc async_func = (NorthMcpResourceTemplateReadAsyncFunc) priv->handler.async_func;
  NorthMcpResourceTemplateReadFunc func = (NorthMcpResourceTemplateReadFunc) priv->handler.func;
  g_autoptr(NorthMcpResourceContents) contents = NULL;
  g_autoptr(GError) error = NULL;

  if (async_func != NULL)
    {
      async_func (self, context, uri, variables, priv->handler.data);
      return;
    }

  if (func == NULL)
    {
      north_mcp_context_return_error_literal (context, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED,
                                              "This resource template has no implementation");
      return;
    }

  contents = func (self, context, uri, variables, priv->handler.data, &error);
  if (error != NULL)
    north_mcp_context_return_error (context, error);
  else if (contents != NULL)
    north_mcp_context_return_resource_contents (context, contents);
  else if (north_mcp_context_is_completed (context))
    ; /* The handler answered itself (an input-required result, say). */
  else
    north_mcp_context_return_error_literal (context, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED,
                                            "The resource template returned neither contents nor an error");
}

static void
north_mcp_resource_template_real_complete (NorthMcpResourceTemplate *self,
                                           NorthMcpContext          *context,
                                           const char               *argument,
                                           const char               *value,
                                           GHashTable               *arguments)
{
  NorthMcpResourceTemplatePrivate *priv = north_mcp_resource_template_get_instance_private (self);

  north_mcp_completion_handler_run (&priv->completion, context, argument, value, arguments);
}

static void
north_mcp_resource_template_finalize (GObject *object)
{
  NorthMcpResourceTemplate *self = NORTH_MCP_RESOURCE_TEMPLATE (object);
  NorthMcpResourceTemplatePrivate *priv = north_mcp_resource_template_get_instance_private (self);

  north_mcp_handler_clear (&priv->handler);
  north_mcp_handler_clear (&priv->completion);
  g_clear_pointer (&priv->template_, north_mcp_uri_template_unref);
  g_free (priv->name);
  g_free (priv->title);
  g_free (priv->description);
  g_free (priv->mime_type);
  g_clear_pointer (&priv->annotations, json_object_unref);
  g_clear_pointer (&priv->meta, json_object_unref);
  g_clear_pointer (&priv->icons, json_array_unref);

  G_OBJECT_CLASS (north_mcp_resource_template_parent_class)->finalize (object);
}

static void
north_mcp_resource_template_get_property (GObject    *object,
                                          guint       prop_id,
                                          GValue     *value,
                                          GParamSpec *pspec)
{
  NorthMcpResourceTemplate *self = NORTH_MCP_RESOURCE_TEMPLATE (object);
  NorthMcpResourceTemplatePrivate *priv = north_mcp_resource_template_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_URI_TEMPLATE:
      g_value_set_string (value, north_mcp_resource_template_get_uri_template (self));
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
north_mcp_resource_template_set_property (GObject      *object,
                                          guint         prop_id,
                                          const GValue *value,
                                          GParamSpec   *pspec)
{
  NorthMcpResourceTemplate *self = NORTH_MCP_RESOURCE_TEMPLATE (object);
  NorthMcpResourceTemplatePrivate *priv = north_mcp_resource_template_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_URI_TEMPLATE:
      {
        const char *text = g_value_get_string (value);
        g_autoptr(GError) error = NULL;

        if (text == NULL)
          break;
        priv->template_ = north_mcp_uri_template_new (text, &error);
        if (priv->template_ == NULL)
          g_critical ("Invalid URI template '%s': %s", text, error->message);
      }
      break;
    case PROP_NAME:
      priv->name = g_value_dup_string (value);
      break;
    case PROP_TITLE:
      north_mcp_resource_template_set_title (self, g_value_get_string (value));
      break;
    case PROP_DESCRIPTION:
      north_mcp_resource_template_set_description (self, g_value_get_string (value));
      break;
    case PROP_MIME_TYPE:
      north_mcp_resource_template_set_mime_type (self, g_value_get_string (value));
      break;
    case PROP_ANNOTATIONS:
      north_mcp_resource_template_set_annotations (self, g_value_get_boxed (value));
      break;
    case PROP_META:
      north_mcp_resource_template_set_meta (self, g_value_get_boxed (value));
      break;
    case PROP_ICONS:
      north_mcp_resource_template_set_icons (self, g_value_get_boxed (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
north_mcp_resource_template_class_init (NorthMcpResourceTemplateClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = north_mcp_resource_template_finalize;
  object_class->get_property = north_mcp_resource_template_get_property;
  object_class->set_property = north_mcp_resource_template_set_property;

  klass->read = north_mcp_resource_template_real_read;
  klass->complete = north_mcp_resource_template_real_complete;

  /**
   * NorthMcpResourceTemplate:uri-template:
   *
   * The RFC 6570 level 1 URI template, such as `file:///logs/{date}.txt`.
   */
  properties[PROP_URI_TEMPLATE] =
    g_param_spec_string ("uri-template", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /**
   * NorthMcpResourceTemplate:name:
   *
   * The template's programmatic name.
   */
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /**
   * NorthMcpResourceTemplate:title:
   *
   * The template's display title.
   */
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * NorthMcpResourceTemplate:description:
   *
   * What the template's resources are.
   */
  properties[PROP_DESCRIPTION] =
    g_param_spec_string ("description", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * NorthMcpResourceTemplate:mime-type:
   *
   * The media type of every resource of the template, if they share one.
   */
  properties[PROP_MIME_TYPE] =
    g_param_spec_string ("mime-type", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * NorthMcpResourceTemplate:annotations:
   *
   * The template's `annotations`.
   */
  properties[PROP_ANNOTATIONS] =
    g_param_spec_boxed ("annotations", NULL, NULL, JSON_TYPE_OBJECT,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * NorthMcpResourceTemplate:meta:
   *
   * The template's `_meta` object.
   */
  properties[PROP_META] =
    g_param_spec_boxed ("meta", NULL, NULL, JSON_TYPE_OBJECT,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * NorthMcpResourceTemplate:icons:
   *
   * The template's `icons` (2025-11-25).
   */
  properties[PROP_ICONS] =
    g_param_spec_boxed ("icons", NULL, NULL, JSON_TYPE_ARRAY,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
north_mcp_resource_template_init (NorthMcpResourceTemplate *self)
{
}

/**
 * north_mcp_resource_template_new:
 * @uri_template: an RFC 6570 level 1 URI template
 * @name: the template's name
 * @error: return location for a #GError
 *
 * Creates a resource template.
 *
 * Returns: (transfer full) (nullable): a new template, or %NULL when
 *   @uri_template is not a valid level 1 template
 */
NorthMcpResourceTemplate *
north_mcp_resource_template_new (const char  *uri_template,
                                 const char  *name,
                                 GError     **error)
{
  g_autoptr(NorthMcpUriTemplate) parsed = NULL;
  NorthMcpResourceTemplate *self;
  NorthMcpResourceTemplatePrivate *priv;

  g_return_val_if_fail (uri_template != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  parsed = north_mcp_uri_template_new (uri_template, error);
  if (parsed == NULL)
    return NULL;

  self = g_object_new (NORTH_MCP_TYPE_RESOURCE_TEMPLATE, "name", name, NULL);
  priv = north_mcp_resource_template_get_instance_private (self);
  priv->template_ = g_steal_pointer (&parsed);
  return self;
}

/**
 * north_mcp_resource_template_set_func:
 * @self: a template
 * @func: (scope notified) (closure user_data) (destroy destroy): the handler
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data
 *
 * Makes @func the template's synchronous read handler.
 */
void
north_mcp_resource_template_set_func (NorthMcpResourceTemplate         *self,
                                      NorthMcpResourceTemplateReadFunc  func,
                                      gpointer                          user_data,
                                      GDestroyNotify                    destroy)
{
  NorthMcpResourceTemplatePrivate *priv = north_mcp_resource_template_get_instance_private (self);

  g_return_if_fail (NORTH_MCP_IS_RESOURCE_TEMPLATE (self));

  north_mcp_handler_set (&priv->handler, G_CALLBACK (func), NULL, user_data, destroy);
}

/**
 * north_mcp_resource_template_set_async_func:
 * @self: a template
 * @func: (scope notified) (closure user_data) (destroy destroy): the handler
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data
 *
 * Makes @func the template's asynchronous read handler.
 */
void
north_mcp_resource_template_set_async_func (NorthMcpResourceTemplate              *self,
                                            NorthMcpResourceTemplateReadAsyncFunc  func,
                                            gpointer                               user_data,
                                            GDestroyNotify                         destroy)
{
  NorthMcpResourceTemplatePrivate *priv = north_mcp_resource_template_get_instance_private (self);

  g_return_if_fail (NORTH_MCP_IS_RESOURCE_TEMPLATE (self));

  north_mcp_handler_set (&priv->handler, NULL, G_CALLBACK (func), user_data, destroy);
}

/**
 * north_mcp_resource_template_set_completion_func:
 * @self: a template
 * @func: (scope notified) (closure user_data) (destroy destroy): the handler
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data
 *
 * Makes @func complete the template's variables in `completion/complete`
 * (`ref/resource` with this template's URI).
 */
void
north_mcp_resource_template_set_completion_func (NorthMcpResourceTemplate *self,
                                                 NorthMcpCompletionFunc    func,
                                                 gpointer                  user_data,
                                                 GDestroyNotify            destroy)
{
  NorthMcpResourceTemplatePrivate *priv = north_mcp_resource_template_get_instance_private (self);

  g_return_if_fail (NORTH_MCP_IS_RESOURCE_TEMPLATE (self));

  north_mcp_handler_set (&priv->completion, G_CALLBACK (func), NULL, user_data, destroy);
}

/**
 * north_mcp_resource_template_set_completion_async_func:
 * @self: a template
 * @func: (scope notified) (closure user_data) (destroy destroy): the handler
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data
 *
 * Like north_mcp_resource_template_set_completion_func() with a handler
 * that answers later with north_mcp_context_return_completion().
 */
void
north_mcp_resource_template_set_completion_async_func (NorthMcpResourceTemplate    *self,
                                                       NorthMcpCompletionAsyncFunc  func,
                                                       gpointer                     user_data,
                                                       GDestroyNotify               destroy)
{
  NorthMcpResourceTemplatePrivate *priv = north_mcp_resource_template_get_instance_private (self);

  g_return_if_fail (NORTH_MCP_IS_RESOURCE_TEMPLATE (self));

  north_mcp_handler_set (&priv->completion, NULL, G_CALLBACK (func), user_data, destroy);
}

/**
 * north_mcp_resource_template_get_uri_template:
 * @self: a template
 *
 * Gets the URI template as text.
 *
 * Returns: (nullable): the URI template
 */
const char *
north_mcp_resource_template_get_uri_template (NorthMcpResourceTemplate *self)
{
  NorthMcpResourceTemplatePrivate *priv = north_mcp_resource_template_get_instance_private (self);

  g_return_val_if_fail (NORTH_MCP_IS_RESOURCE_TEMPLATE (self), NULL);

  return priv->template_ != NULL ? north_mcp_uri_template_get_template (priv->template_) : NULL;
}

/**
 * north_mcp_resource_template_get_template:
 * @self: a template
 *
 * Gets the parsed URI template.
 *
 * Returns: (transfer none) (nullable): the URI template
 */
NorthMcpUriTemplate *
north_mcp_resource_template_get_template (NorthMcpResourceTemplate *self)
{
  NorthMcpResourceTemplatePrivate *priv = north_mcp_resource_template_get_instance_private (self);

  g_return_val_if_fail (NORTH_MCP_IS_RESOURCE_TEMPLATE (self), NULL);

  return priv->template_;
}

/**
 * north_mcp_resource_template_get_name:
 * @self: a template
 *
 * Gets the template's name.
 *
 * Returns: the name
 */
const char *
north_mcp_resource_template_get_name (NorthMcpResourceTemplate *self)
{
  NorthMcpResourceTemplatePrivate *priv = north_mcp_resource_template_get_instance_private (self);

  g_return_val_if_fail (NORTH_MCP_IS_RESOURCE_TEMPLATE (self), NULL);

  return priv->name;
}

#define DEFINE_STRING_ACCESSORS(field, prop)                                                        \
const char *                                                                                        \
north_mcp_resource_template_get_##field (NorthMcpResourceTemplate *self)                            \
{                                                                                                   \
  NorthMcpResourceTemplatePrivate *priv = north_mcp_resource_template_get_instance_private (self);  \
                                                                                                    \
  g_return_val_if_fail (NORTH_MCP_IS_RESOURCE_TEMPLATE (self), NULL);                               \
                                                                                                    \
  return priv->field;                                                                               \
}                                                                                                   \
                                                                                                    \
void                                                                                                \
north_mcp_resource_template_set_##field (NorthMcpResourceTemplate *self,                            \
                                         const char               *value)                           \
{                                                                                                   \
  NorthMcpResourceTemplatePrivate *priv = north_mcp_resource_template_get_instance_private (self);  \
                                                                                                    \
  g_return_if_fail (NORTH_MCP_IS_RESOURCE_TEMPLATE (self));                                         \
                                                                                                    \
  if (north_mcp_set_str (&priv->field, value))                                                      \
    g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);                                   \
}

/**
 * north_mcp_resource_template_get_title:
 * @self: a template
 *
 * Gets the template's display title.
 *
 * Returns: (nullable): the title
 */
/**
 * north_mcp_resource_template_set_title:
 * @self: a template
 * @title: (nullable): the title
 *
 * Sets the template's display title.
 */
DEFINE_STRING_ACCESSORS (title, PROP_TITLE)

/**
 * north_mcp_resource_template_get_description:
 * @self: a template
 *
 * Gets what the template's resources are.
 *
 * Returns: (nullable): the description
 */
/**
 * north_mcp_resource_template_set_description:
 * @self: a template
 * @description: (nullable): the description
 *
 * Sets what the template's resources are.
 */
DEFINE_STRING_ACCESSORS (description, PROP_DESCRIPTION)

/**
 * north_mcp_resource_template_get_mime_type:
 * @self: a template
 *
 * Gets the media type of the template's resources.
 *
 * Returns: (nullable): the media type
 */
/**
 * north_mcp_resource_template_set_mime_type:
 * @self: a template
 * @mime_type: (nullable): the media type
 *
 * Sets the media type of the template's resources.
 */
DEFINE_STRING_ACCESSORS (mime_type, PROP_MIME_TYPE)

/**
 * north_mcp_resource_template_get_annotations:
 * @self: a template
 *
 * Gets the template's annotations.
 *
 * Returns: (transfer none) (nullable): the annotations
 */
JsonObject *
north_mcp_resource_template_get_annotations (NorthMcpResourceTemplate *self)
{
  NorthMcpResourceTemplatePrivate *priv = north_mcp_resource_template_get_instance_private (self);

  g_return_val_if_fail (NORTH_MCP_IS_RESOURCE_TEMPLATE (self), NULL);

  return priv->annotations;
}

/**
 * north_mcp_resource_template_set_annotations:
 * @self: a template
 * @annotations: (nullable): the annotations; a reference is taken
 *
 * Sets the template's annotations.
 */
void
north_mcp_resource_template_set_annotations (NorthMcpResourceTemplate *self,
                                             JsonObject               *annotations)
{
  NorthMcpResourceTemplatePrivate *priv = north_mcp_resource_template_get_instance_private (self);

  g_return_if_fail (NORTH_MCP_IS_RESOURCE_TEMPLATE (self));

  north_mcp_replace_object (&priv->annotations, annotations);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ANNOTATIONS]);
}

/**
 * north_mcp_resource_template_get_meta:
 * @self: a template
 *
 * Gets the template's `_meta` object.
 *
 * Returns: (transfer none) (nullable): the `_meta` object
 */
JsonObject *
north_mcp_resource_template_get_meta (NorthMcpResourceTemplate *self)
{
  NorthMcpResourceTemplatePrivate *priv = north_mcp_resource_template_get_instance_private (self);

  g_return_val_if_fail (NORTH_MCP_IS_RESOURCE_TEMPLATE (self), NULL);

  return priv->meta;
}

/**
 * north_mcp_resource_template_set_meta:
 * @self: a template
 * @meta: (nullable): the `_meta` object; a reference is taken
 *
 * Sets the template's `_meta` object.
 */
void
north_mcp_resource_template_set_meta (NorthMcpResourceTemplate *self,
                                      JsonObject               *meta)
{
  NorthMcpResourceTemplatePrivate *priv = north_mcp_resource_template_get_instance_private (self);

  g_return_if_fail (NORTH_MCP_IS_RESOURCE_TEMPLATE (self));

  north_mcp_replace_object (&priv->meta, meta);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_META]);
}

/**
 * north_mcp_resource_template_get_icons:
 * @self: a template
 *
 * Gets the template's icons.
 *
 * Returns: (transfer none) (nullable): the icons
 */
JsonArray *
north_mcp_resource_template_get_icons (NorthMcpResourceTemplate *self)
{
  NorthMcpResourceTemplatePrivate *priv = north_mcp_resource_template_get_instance_private (self);

  g_return_val_if_fail (NORTH_MCP_IS_RESOURCE_TEMPLATE (self), NULL);

  return priv->icons;
}

/**
 * north_mcp_resource_template_set_icons:
 * @self: a template
 * @icons: (nullable): an array of `Icon` objects; a reference is taken
 *
 * Sets the template's icons (2025-11-25).
 */
void
north_mcp_resource_template_set_icons (NorthMcpResourceTemplate *self,
                                       JsonArray                *icons)
{
  NorthMcpResourceTemplatePrivate *priv = north_mcp_resource_template_get_instance_private (self);

  g_return_if_fail (NORTH_MCP_IS_RESOURCE_TEMPLATE (self));

  if (icons != NULL)
    json_array_ref (icons);
  g_clear_pointer (&priv->icons, json_array_unref);
  priv->icons = icons;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ICONS]);
}

/**
 * north_mcp_resource_template_match:
 * @self: a template
 * @uri: a URI
 *
 * Matches @uri against the template (see north_mcp_uri_template_match()).
 *
 * Returns: (transfer full) (nullable) (element-type utf8 utf8): the decoded
 *   variables, or %NULL when @uri is not one of the template's resources
 */
GHashTable *
north_mcp_resource_template_match (NorthMcpResourceTemplate *self,
                                   const char               *uri)
{
  NorthMcpResourceTemplatePrivate *priv = north_mcp_resource_template_get_instance_private (self);

  g_return_val_if_fail (NORTH_MCP_IS_RESOURCE_TEMPLATE (self), NULL);
  g_return_val_if_fail (uri != NULL, NULL);

  if (priv->template_ == NULL)
    return NULL;

  return north_mcp_uri_template_match (priv->template_, uri);
}

/**
 * north_mcp_resource_template_read: (virtual read)
 * @self: a template
 * @context: the `resources/read` request
 * @uri: the URI read
 * @variables: (element-type utf8 utf8): the template's variables in @uri
 *
 * Runs the template's read handler, which completes @context now or
 * later. The server calls it for `resources/read` of a matching URI.
 */
void
north_mcp_resource_template_read (NorthMcpResourceTemplate *self,
                                  NorthMcpContext          *context,
                                  const char               *uri,
                                  GHashTable               *variables)
{
  g_return_if_fail (NORTH_MCP_IS_RESOURCE_TEMPLATE (self));
  g_return_if_fail (NORTH_MCP_IS_CONTEXT (context));
  g_return_if_fail (uri != NULL && variables != NULL);

  NORTH_MCP_RESOURCE_TEMPLATE_GET_CLASS (self)->read (self, context, uri, variables);
}

/**
 * north_mcp_resource_template_complete: (virtual complete)
 * @self: a template
 * @context: the `completion/complete` request
 * @argument: the template variable to complete
 * @value: what the user typed so far
 * @arguments: (element-type utf8 utf8): the other variables already
 *   resolved
 *
 * Runs the template's completion handler, which completes @context now or
 * later.
 */
void
north_mcp_resource_template_complete (NorthMcpResourceTemplate *self,
                                      NorthMcpContext          *context,
                                      const char               *argument,
                                      const char               *value,
                                      GHashTable               *arguments)
{
  g_return_if_fail (NORTH_MCP_IS_RESOURCE_TEMPLATE (self));
  g_return_if_fail (NORTH_MCP_IS_CONTEXT (context));
  g_return_if_fail (argument != NULL && value != NULL && arguments != NULL);

  NORTH_MCP_RESOURCE_TEMPLATE_GET_CLASS (self)->complete (self, context, argument, value, arguments);
}

/**
 * north_mcp_resource_template_to_json:
 * @self: a template
 *
 * Serializes the template as MCP's `ResourceTemplate` object, as
 * `resources/templates/list` lists it.
 *
 * Returns: (transfer full): the JSON object
 */
JsonNode *
north_mcp_resource_template_to_json (NorthMcpResourceTemplate *self)
{
  NorthMcpResourceTemplatePrivate *priv = north_mcp_resource_template_get_instance_private (self);
  g_autoptr(JsonObject) object = NULL;

  g_return_val_if_fail (NORTH_MCP_IS_RESOURCE_TEMPLATE (self), NULL);

  object = json_object_new ();
  json_object_set_string_member (object, "uriTemplate",
                                 north_mcp_resource_template_get_uri_template (self));
  json_object_set_string_member (object, "name", priv->name);
  if (priv->title != NULL)
    json_object_set_string_member (object, "title", priv->title);
  if (priv->description != NULL)
    json_object_set_string_member (object, "description", priv->description);
  if (priv->mime_type != NULL)
    json_object_set_string_member (object, "mimeType", priv->mime_type);
  if (priv->annotations != NULL)
    json_object_set_object_member (object, "annotations", json_object_ref (priv->annotations));
  if (priv->icons != NULL)
    json_object_set_array_member (object, "icons", json_array_ref (priv->icons));
  if (priv->meta != NULL)
    json_object_set_object_member (object, "_meta", json_object_ref (priv->meta));

  return north_mcp_node_new_object (object);
}
