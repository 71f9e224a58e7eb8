/* north-mcp-resource-template.c
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-completion-private.h"
#include "north-mcp-context.h"
#include "north-mcp-error.h"
#include "north-mcp-feature-private.h"
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
 * Its name, title, description, annotations, icons and `_meta` are those
 * of its base class, [class@NorthMcp.Feature].
 *
 * As with [class@NorthMcp.Tool], the handler is a synchronous function
 * ([method@NorthMcp.ResourceTemplate.set_func]), an asynchronous one
 * ([method@NorthMcp.ResourceTemplate.set_async_func]), or a subclass
 * overriding [vfunc@NorthMcp.ResourceTemplate.read]. A completion function
 * offers values for the variables in `completion/complete`.
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
 * template_ = north_mcp_resource_template_new ("weather://{city}/today",
 * "weather", NULL); north_mcp_resource_template_set_func (template_,
 * read_city, NULL, NULL); ```
 */

typedef struct
{
  NorthMcpUriTemplate                   *template_;
  char                                  *mime_type;

  NorthMcpCompletionHandler              completion;
} NorthMcpResourceTemplatePrivate;

G_DEFINE_TYPE_WITH_PRIVATE (NorthMcpResourceTemplate, north_mcp_resource_template, NORTH_MCP_TYPE_FEATURE)

enum {
  PROP_0,
  PROP_URI_TEMPLATE,
  PROP_MIME_TYPE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
north_mcp_resource_template_real_read (NorthMcpResourceTemplate *self,
                                       NorthMcpContext          *context,
                                       const char               *uri,
                                       GHashTable               *variables)
{
  NorthMcpHandler *handler = north_mcp_feature_get_handler (NORTH_MCP_FEATURE (self));
  g_autoptr(NorthMcpResourceContents) contents = NULL;
  g_autoptr(GError) error = NULL;

  if (handler->async_func != NULL)
    ((NorthMcpResourceTemplateReadAsyncFunc) handler->async_func) (self, context, uri, variables,
                                                                   handler->data);
  else if (handler->func == NULL)
    north_mcp_context_return_error_literal (context, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED,
                                            "This resource template has no implementation");
  else
    {
      contents = ((NorthMcpResourceTemplateReadFunc) handler->func) (self, context, uri, variables,
                                                                     handler->data, &error);
      north_mcp_feature_answer (context, contents, error,
                                (NorthMcpFeatureAnswerFunc) north_mcp_context_return_resource_contents,
                                "The resource template returned neither contents nor an error");
    }
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

  north_mcp_handler_clear (&priv->completion);
  g_clear_pointer (&priv->template_, north_mcp_uri_template_unref);
  g_free (priv->mime_type);

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
    case PROP_MIME_TYPE:
      g_value_set_string (value, priv->mime_type);
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
    case PROP_MIME_TYPE:
      north_mcp_resource_template_set_mime_type (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
north_mcp_resource_template_add_json_members (NorthMcpFeature *feature,
                                              JsonObject      *object)
{
  NorthMcpResourceTemplate *self = NORTH_MCP_RESOURCE_TEMPLATE (feature);
  NorthMcpResourceTemplatePrivate *priv = north_mcp_resource_template_get_instance_private (self);

  json_object_set_string_member (object, "uriTemplate",
                                 north_mcp_resource_template_get_uri_template (self));
  if (priv->mime_type != NULL)
    json_object_set_string_member (object, "mimeType", priv->mime_type);
}

static void
north_mcp_resource_template_class_init (NorthMcpResourceTemplateClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  NorthMcpFeatureClass *feature_class = NORTH_MCP_FEATURE_CLASS (klass);

  object_class->finalize = north_mcp_resource_template_finalize;
  object_class->get_property = north_mcp_resource_template_get_property;
  object_class->set_property = north_mcp_resource_template_set_property;

  feature_class->add_json_members = north_mcp_resource_template_add_json_members;
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
   * NorthMcpResourceTemplate:mime-type:
   *
   * The media type of every resource of the template, if they share one.
   */
  properties[PROP_MIME_TYPE] =
    g_param_spec_string ("mime-type", NULL, NULL, NULL,
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
 * @error: return location for a [struct@GLib.Error]
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
  g_return_if_fail (NORTH_MCP_IS_RESOURCE_TEMPLATE (self));

  north_mcp_feature_set_handler (NORTH_MCP_FEATURE (self), G_CALLBACK (func), NULL, user_data, destroy);
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
  g_return_if_fail (NORTH_MCP_IS_RESOURCE_TEMPLATE (self));

  north_mcp_feature_set_handler (NORTH_MCP_FEATURE (self), NULL, G_CALLBACK (func), user_data, destroy);
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
 * Like [method@NorthMcp.ResourceTemplate.set_completion_func] with a handler
 * that answers later with [method@NorthMcp.Context.return_completion].
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
 * north_mcp_resource_template_get_mime_type:
 * @self: a template
 *
 * Gets the media type of the template's resources.
 *
 * Returns: (nullable): the media type
 */
const char *
north_mcp_resource_template_get_mime_type (NorthMcpResourceTemplate *self)
{
  NorthMcpResourceTemplatePrivate *priv = north_mcp_resource_template_get_instance_private (self);

  g_return_val_if_fail (NORTH_MCP_IS_RESOURCE_TEMPLATE (self), NULL);

  return priv->mime_type;
}

/**
 * north_mcp_resource_template_set_mime_type:
 * @self: a template
 * @mime_type: (nullable): the media type
 *
 * Sets the media type of the template's resources.
 */
void
north_mcp_resource_template_set_mime_type (NorthMcpResourceTemplate *self,
                                           const char               *mime_type)
{
  NorthMcpResourceTemplatePrivate *priv = north_mcp_resource_template_get_instance_private (self);

  g_return_if_fail (NORTH_MCP_IS_RESOURCE_TEMPLATE (self));

  if (north_mcp_set_str (&priv->mime_type, mime_type))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MIME_TYPE]);
}

/**
 * north_mcp_resource_template_match:
 * @self: a template
 * @uri: a URI
 *
 * Matches @uri against the template (see [method@NorthMcp.UriTemplate.match]).
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
