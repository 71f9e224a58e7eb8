/* north-mcp-feature.h
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>
#include "north-mcp-types.h"

G_BEGIN_DECLS

#define NORTH_MCP_TYPE_FEATURE (north_mcp_feature_get_type ())

NORTH_MCP_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (NorthMcpFeature, north_mcp_feature, NORTH_MCP, FEATURE, GObject)

/**
 * NorthMcpFeatureClass:
 * @parent_class: the parent class
 * @add_json_members: adds the members of the feature's JSON form that
 *   only this kind of feature has (a tool's `inputSchema`, a resource's
 *   `uri`) to @object, which already holds `name`, `title` and
 *   `description`; `annotations`, `icons` and `_meta` are added after it
 *
 * The class structure of [class@NorthMcp.Feature].
 *
 * Since: 0.2
 */
struct _NorthMcpFeatureClass
{
  GObjectClass parent_class;

  void (*add_json_members) (NorthMcpFeature *self,
                            JsonObject      *object);

  /*< private >*/
  gpointer padding[8];
};

NORTH_MCP_AVAILABLE_IN_ALL
const char *north_mcp_feature_get_name        (NorthMcpFeature *self);
NORTH_MCP_AVAILABLE_IN_ALL
const char *north_mcp_feature_get_title       (NorthMcpFeature *self);
NORTH_MCP_AVAILABLE_IN_ALL
void        north_mcp_feature_set_title       (NorthMcpFeature *self,
                                               const char      *title);
NORTH_MCP_AVAILABLE_IN_ALL
const char *north_mcp_feature_get_description (NorthMcpFeature *self);
NORTH_MCP_AVAILABLE_IN_ALL
void        north_mcp_feature_set_description (NorthMcpFeature *self,
                                               const char      *description);
NORTH_MCP_AVAILABLE_IN_ALL
JsonArray  *north_mcp_feature_get_icons       (NorthMcpFeature *self);
NORTH_MCP_AVAILABLE_IN_ALL
void        north_mcp_feature_set_icons       (NorthMcpFeature *self,
                                               JsonArray       *icons);
NORTH_MCP_AVAILABLE_IN_ALL
JsonObject *north_mcp_feature_get_meta        (NorthMcpFeature *self);
NORTH_MCP_AVAILABLE_IN_ALL
void        north_mcp_feature_set_meta        (NorthMcpFeature *self,
                                               JsonObject      *meta);
NORTH_MCP_AVAILABLE_IN_ALL
JsonObject *north_mcp_feature_get_annotations (NorthMcpFeature *self);
NORTH_MCP_AVAILABLE_IN_ALL
void        north_mcp_feature_set_annotations (NorthMcpFeature *self,
                                               JsonObject      *annotations);
NORTH_MCP_AVAILABLE_IN_ALL
JsonNode   *north_mcp_feature_to_json         (NorthMcpFeature *self);

G_END_DECLS
