/* north-mcp-feature.c
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-error.h"
#include "north-mcp-feature-private.h"

/**
 * NorthMcpFeature:
 *
 * What tools, prompts, resources and resource templates have in common:
 * a name, a display title, a description, annotations, icons, a `_meta`
 * object, a handler and a JSON form.
 *
 * The feature is abstract; make a [class@NorthMcp.Tool],
 * [class@NorthMcp.Prompt], [class@NorthMcp.Resource] or
 * [class@NorthMcp.ResourceTemplate]. Each sets its handler with its own
 * `set_func()` and `set_async_func()`, because the handlers' signatures
 * differ. While a request runs, its [class@NorthMcp.Context] keeps the
 * feature, and so the handler's data, alive: replacing or removing a
 * feature whose asynchronous calls are still pending is safe.
 *
 * Since: 0.2
 */

typedef struct
{
  char            *name;
  char            *title;
  char            *description;
  JsonObject      *annotations;
  JsonArray       *icons;
  JsonObject      *meta;

  NorthMcpHandler  handler;
} NorthMcpFeaturePrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (NorthMcpFeature, north_mcp_feature, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAME,
  PROP_TITLE,
  PROP_DESCRIPTION,
  PROP_ANNOTATIONS,
  PROP_ICONS,
  PROP_META,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
north_mcp_feature_finalize (GObject *object)
{
  NorthMcpFeature *self = NORTH_MCP_FEATURE (object);
  NorthMcpFeaturePrivate *priv = north_mcp_feature_get_instance_private (self);

  north_mcp_handler_clear (&priv->handler);
  g_free (priv->name);
  g_free (priv->title);
  g_free (priv->description);
  g_clear_pointer (&priv->annotations, json_object_unref);
  g_clear_pointer (&priv->icons, json_array_unref);
  g_clear_pointer (&priv->meta, json_object_unref);

  G_OBJECT_CLASS (north_mcp_feature_parent_class)->finalize (object);
}

static void
north_mcp_feature_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  NorthMcpFeature *self = NORTH_MCP_FEATURE (object);
  NorthMcpFeaturePrivate *priv = north_mcp_feature_get_instance_private (self);

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
    case PROP_ANNOTATIONS:
      g_value_set_boxed (value, priv->annotations);
      break;
    case PROP_ICONS:
      g_value_set_boxed (value, priv->icons);
      break;
    case PROP_META:
      g_value_set_boxed (value, priv->meta);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
north_mcp_feature_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  NorthMcpFeature *self = NORTH_MCP_FEATURE (object);
  NorthMcpFeaturePrivate *priv = north_mcp_feature_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_NAME:
      priv->name = g_value_dup_string (value);
      break;
    case PROP_TITLE:
      north_mcp_feature_set_title (self, g_value_get_string (value));
      break;
    case PROP_DESCRIPTION:
      north_mcp_feature_set_description (self, g_value_get_string (value));
      break;
    case PROP_ANNOTATIONS:
      north_mcp_feature_set_annotations (self, g_value_get_boxed (value));
      break;
    case PROP_ICONS:
      north_mcp_feature_set_icons (self, g_value_get_boxed (value));
      break;
    case PROP_META:
      north_mcp_feature_set_meta (self, g_value_get_boxed (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
north_mcp_feature_real_add_json_members (NorthMcpFeature *self,
                                         JsonObject      *object)
{
}

static void
north_mcp_feature_class_init (NorthMcpFeatureClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = north_mcp_feature_finalize;
  object_class->get_property = north_mcp_feature_get_property;
  object_class->set_property = north_mcp_feature_set_property;

  klass->add_json_members = north_mcp_feature_real_add_json_members;

  /**
   * NorthMcpFeature:name:
   *
   * The feature's programmatic name. A tool's name is unique among the
   * server's tools and a prompt's among its prompts: 1 to 64 characters
   * of `A-Z a-z 0-9 _ . -` for tools.
   *
   * Since: 0.2
   */
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * NorthMcpFeature:title:
   *
   * A human-readable name for display, or %NULL.
   *
   * Since: 0.2
   */
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * NorthMcpFeature:description:
   *
   * What the feature does or is, for the model and the user to read, or
   * %NULL.
   *
   * Since: 0.2
   */
  properties[PROP_DESCRIPTION] =
    g_param_spec_string ("description", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * NorthMcpFeature:annotations:
   *
   * The feature's `annotations`, or %NULL: a tool's behaviour hints
   * (`title`, `readOnlyHint`, `destructiveHint`, `idempotentHint`,
   * `openWorldHint`; see [method@NorthMcp.Tool.set_hint]), a resource's or
   * template's `audience`, `priority` and `lastModified`. The protocol
   * defines none for prompts.
   *
   * Since: 0.2
   */
  properties[PROP_ANNOTATIONS] =
    g_param_spec_boxed ("annotations", NULL, NULL, JSON_TYPE_OBJECT,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * NorthMcpFeature:icons:
   *
   * The feature's `icons` (2025-11-25): objects with `src`, `mimeType`,
   * `sizes`, `theme`; or %NULL.
   *
   * Since: 0.2
   */
  properties[PROP_ICONS] =
    g_param_spec_boxed ("icons", NULL, NULL, JSON_TYPE_ARRAY,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * NorthMcpFeature:meta:
   *
   * The feature's `_meta` object, or %NULL.
   *
   * Since: 0.2
   */
  properties[PROP_META] = north_mcp_param_spec_meta ();

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
north_mcp_feature_init (NorthMcpFeature *self)
{
}

/**
 * north_mcp_feature_get_name:
 * @self: a feature
 *
 * Gets the feature's name.
 *
 * Returns: the name
 *
 * Since: 0.2
 */
const char *
north_mcp_feature_get_name (NorthMcpFeature *self)
{
  NorthMcpFeaturePrivate *priv = north_mcp_feature_get_instance_private (self);

  g_return_val_if_fail (NORTH_MCP_IS_FEATURE (self), NULL);

  return priv->name;
}

/**
 * north_mcp_feature_get_title:
 * @self: a feature
 *
 * Gets the feature's display title.
 *
 * Returns: (nullable): the title
 *
 * Since: 0.2
 */
const char *
north_mcp_feature_get_title (NorthMcpFeature *self)
{
  NorthMcpFeaturePrivate *priv = north_mcp_feature_get_instance_private (self);

  g_return_val_if_fail (NORTH_MCP_IS_FEATURE (self), NULL);

  return priv->title;
}

/**
 * north_mcp_feature_set_title:
 * @self: a feature
 * @title: (nullable): a display title
 *
 * Sets the feature's display title.
 *
 * Since: 0.2
 */
void
north_mcp_feature_set_title (NorthMcpFeature *self,
                             const char      *title)
{
  NorthMcpFeaturePrivate *priv = north_mcp_feature_get_instance_private (self);

  g_return_if_fail (NORTH_MCP_IS_FEATURE (self));

  if (north_mcp_set_str (&priv->title, title))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
}

/**
 * north_mcp_feature_get_description:
 * @self: a feature
 *
 * Gets what the feature does or is.
 *
 * Returns: (nullable): the description
 *
 * Since: 0.2
 */
const char *
north_mcp_feature_get_description (NorthMcpFeature *self)
{
  NorthMcpFeaturePrivate *priv = north_mcp_feature_get_instance_private (self);

  g_return_val_if_fail (NORTH_MCP_IS_FEATURE (self), NULL);

  return priv->description;
}

/**
 * north_mcp_feature_set_description:
 * @self: a feature
 * @description: (nullable): what the feature does or is
 *
 * Sets the feature's description.
 *
 * Since: 0.2
 */
void
north_mcp_feature_set_description (NorthMcpFeature *self,
                                   const char      *description)
{
  NorthMcpFeaturePrivate *priv = north_mcp_feature_get_instance_private (self);

  g_return_if_fail (NORTH_MCP_IS_FEATURE (self));

  if (north_mcp_set_str (&priv->description, description))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DESCRIPTION]);
}

/**
 * north_mcp_feature_get_annotations:
 * @self: a feature
 *
 * Gets the feature's annotations.
 *
 * Returns: (transfer none) (nullable): the annotations
 *
 * Since: 0.2
 */
JsonObject *
north_mcp_feature_get_annotations (NorthMcpFeature *self)
{
  NorthMcpFeaturePrivate *priv = north_mcp_feature_get_instance_private (self);

  g_return_val_if_fail (NORTH_MCP_IS_FEATURE (self), NULL);

  return priv->annotations;
}

/**
 * north_mcp_feature_set_annotations:
 * @self: a feature
 * @annotations: (nullable): the annotations object; a reference is taken
 *
 * Replaces the feature's annotations (see
 * [property@NorthMcp.Feature:annotations]).
 *
 * Since: 0.2
 */
void
north_mcp_feature_set_annotations (NorthMcpFeature *self,
                                   JsonObject      *annotations)
{
  NorthMcpFeaturePrivate *priv = north_mcp_feature_get_instance_private (self);

  g_return_if_fail (NORTH_MCP_IS_FEATURE (self));

  north_mcp_replace_object (&priv->annotations, annotations);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ANNOTATIONS]);
}

/**
 * north_mcp_feature_get_icons:
 * @self: a feature
 *
 * Gets the feature's icons.
 *
 * Returns: (transfer none) (nullable): the array of `Icon` objects
 *
 * Since: 0.2
 */
JsonArray *
north_mcp_feature_get_icons (NorthMcpFeature *self)
{
  NorthMcpFeaturePrivate *priv = north_mcp_feature_get_instance_private (self);

  g_return_val_if_fail (NORTH_MCP_IS_FEATURE (self), NULL);

  return priv->icons;
}

/**
 * north_mcp_feature_set_icons:
 * @self: a feature
 * @icons: (nullable): an array of `Icon` objects; a reference is taken
 *
 * Sets the feature's icons (2025-11-25).
 *
 * Since: 0.2
 */
void
north_mcp_feature_set_icons (NorthMcpFeature *self,
                             JsonArray       *icons)
{
  NorthMcpFeaturePrivate *priv = north_mcp_feature_get_instance_private (self);

  g_return_if_fail (NORTH_MCP_IS_FEATURE (self));

  if (icons != NULL)
    json_array_ref (icons);
  g_clear_pointer (&priv->icons, json_array_unref);
  priv->icons = icons;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ICONS]);
}

/**
 * north_mcp_feature_get_meta:
 * @self: a feature
 *
 * Gets the feature's `_meta` object.
 *
 * Returns: (transfer none) (nullable): the `_meta` object
 *
 * Since: 0.2
 */
JsonObject *
north_mcp_feature_get_meta (NorthMcpFeature *self)
{
  NorthMcpFeaturePrivate *priv = north_mcp_feature_get_instance_private (self);

  g_return_val_if_fail (NORTH_MCP_IS_FEATURE (self), NULL);

  return priv->meta;
}

/**
 * north_mcp_feature_set_meta:
 * @self: a feature
 * @meta: (nullable): the `_meta` object; a reference is taken
 *
 * Sets the feature's `_meta` object.
 *
 * Since: 0.2
 */
void
north_mcp_feature_set_meta (NorthMcpFeature *self,
                            JsonObject      *meta)
{
  NorthMcpFeaturePrivate *priv = north_mcp_feature_get_instance_private (self);

  g_return_if_fail (NORTH_MCP_IS_FEATURE (self));

  north_mcp_replace_object (&priv->meta, meta);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_META]);
}

/**
 * north_mcp_feature_to_json:
 * @self: a feature
 *
 * Serializes the feature as the protocol's object for it (`Tool`,
 * `Prompt`, `Resource`, `ResourceTemplate`), as the server's list
 * requests list it: `name`, `title` and `description`, then the members
 * of the kind of feature (see [vfunc@NorthMcp.Feature.add_json_members]),
 * then `annotations`, `icons` and `_meta`.
 *
 * Returns: (transfer full): the JSON object
 *
 * Since: 0.2
 */
JsonNode *
north_mcp_feature_to_json (NorthMcpFeature *self)
{
  NorthMcpFeaturePrivate *priv = north_mcp_feature_get_instance_private (self);
  g_autoptr(JsonObject) object = NULL;

  g_return_val_if_fail (NORTH_MCP_IS_FEATURE (self), NULL);

  object = json_object_new ();
  json_object_set_string_member (object, "name", priv->name);
  if (priv->title != NULL)
    json_object_set_string_member (object, "title", priv->title);
  if (priv->description != NULL)
    json_object_set_string_member (object, "description", priv->description);
  NORTH_MCP_FEATURE_GET_CLASS (self)->add_json_members (self, object);
  if (priv->annotations != NULL)
    json_object_set_object_member (object, "annotations", json_object_ref (priv->annotations));
  if (priv->icons != NULL)
    json_object_set_array_member (object, "icons", json_array_ref (priv->icons));
  if (priv->meta != NULL)
    json_object_set_object_member (object, "_meta", json_object_ref (priv->meta));

  return north_mcp_node_new_object (object);
}

NorthMcpHandler *
north_mcp_feature_get_handler (NorthMcpFeature *self)
{
  NorthMcpFeaturePrivate *priv = north_mcp_feature_get_instance_private (self);

  return &priv->handler;
}

void
north_mcp_feature_set_handler (NorthMcpFeature *self,
                               GCallback        func,
                               GCallback        async_func,
                               gpointer         data,
                               GDestroyNotify   destroy)
{
  NorthMcpFeaturePrivate *priv = north_mcp_feature_get_instance_private (self);

  north_mcp_handler_set (&priv->handler, func, async_func, data, destroy);
}

void
north_mcp_feature_answer (NorthMcpContext           *context,
                          gpointer                   result,
                          const GError              *error,
                          NorthMcpFeatureAnswerFunc  answer,
                          const char                *nothing)
{
  if (error != NULL)
    north_mcp_context_return_error (context, error);
  else if (result != NULL)
    answer (context, result);
  else if (north_mcp_context_is_completed (context))
    ; /* The handler answered itself (an input-required result, say). */
  else
    north_mcp_context_return_error_literal (context, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED,
                                            nothing);
}
