/* north-mcp-registry-private.h: one kind of feature a server offers
 *
 * Tools, prompts, resources and resource templates are all kept the same
 * way: in the order they were added (lists are paginated by position) and
 * by a unique string key (name, URI or URI template) that the object owns.
 * Adding an object whose key exists replaces the old one in place.
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef struct _NorthMcpRegistry NorthMcpRegistry;

/* The registries a server keeps, one per kind of feature. */
typedef enum
{
  NORTH_MCP_REGISTRY_TOOLS,
  NORTH_MCP_REGISTRY_RESOURCES,
  NORTH_MCP_REGISTRY_RESOURCE_TEMPLATES,
  NORTH_MCP_REGISTRY_PROMPTS,
  NORTH_MCP_N_REGISTRIES
} NorthMcpRegistryKind;

/* The key of @object, a string @object owns. */
typedef const char *(*NorthMcpRegistryKeyFunc) (gpointer object);

NorthMcpRegistry *north_mcp_registry_new       (NorthMcpRegistryKeyFunc key_func);
void              north_mcp_registry_free      (NorthMcpRegistry       *self);

/* Adds a reference to @object, replacing the object of the same key. */
void              north_mcp_registry_add       (NorthMcpRegistry       *self,
                                                gpointer                object);
gboolean          north_mcp_registry_remove    (NorthMcpRegistry       *self,
                                                const char             *key);
gpointer          north_mcp_registry_lookup    (NorthMcpRegistry       *self,
                                                const char             *key);
/* A new array of new references, in the order added. */
GPtrArray        *north_mcp_registry_list      (NorthMcpRegistry       *self);
/* The registry's own array, in the order added; do not modify it. */
GPtrArray        *north_mcp_registry_get_array (NorthMcpRegistry       *self);
guint             north_mcp_registry_get_size  (NorthMcpRegistry       *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NorthMcpRegistry, north_mcp_registry_free)

G_END_DECLS
