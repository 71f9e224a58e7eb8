/* north-mcp-resource.h: a resource with a fixed URI
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>
#include "north-mcp-types.h"
#include "north-mcp-feature.h"
#include "north-mcp-resource-contents.h"

G_BEGIN_DECLS

#define NORTH_MCP_TYPE_RESOURCE (north_mcp_resource_get_type ())

NORTH_MCP_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (NorthMcpResource, north_mcp_resource, NORTH_MCP, RESOURCE, NorthMcpFeature)

/**
 * NorthMcpResourceClass:
 * @parent_class: the parent class
 * @read: reads the resource. The implementation must eventually complete
 *   @context with [method@NorthMcp.Context.return_resource_contents] or
 *   [method@NorthMcp.Context.return_error], now or later.
 *
 * The class structure of [class@NorthMcp.Resource].
 */
struct _NorthMcpResourceClass
{
  NorthMcpFeatureClass parent_class;

  void (*read) (NorthMcpResource *self,
                NorthMcpContext  *context);

  /*< private >*/
  gpointer padding[8];
};

/**
 * NorthMcpResourceReadFunc:
 * @resource: the resource being read
 * @context: the `resources/read` request
 * @user_data: the data given to [method@NorthMcp.Resource.set_func]
 * @error: return location for a [struct@GLib.Error]
 *
 * A synchronous read handler.
 *
 * Returns: (transfer full) (nullable): the contents, or %NULL with @error set,
 *   or %NULL after the handler answered @context itself (for example with
 *   [method@NorthMcp.Context.return_input_required])
 */
typedef NorthMcpResourceContents *(*NorthMcpResourceReadFunc) (NorthMcpResource  *resource,
                                                               NorthMcpContext   *context,
                                                               gpointer           user_data,
                                                               GError           **error);

/**
 * NorthMcpResourceReadAsyncFunc:
 * @resource: the resource being read
 * @context: the request; complete it with
 *   [method@NorthMcp.Context.return_resource_contents] or
 *   [method@NorthMcp.Context.return_error], from any thread, now or later
 * @user_data: the data given to [method@NorthMcp.Resource.set_async_func]
 *
 * An asynchronous read handler.
 */
typedef void (*NorthMcpResourceReadAsyncFunc) (NorthMcpResource *resource,
                                               NorthMcpContext  *context,
                                               gpointer          user_data);

NORTH_MCP_AVAILABLE_IN_ALL
NorthMcpResource *north_mcp_resource_new             (const char                    *uri,
                                                      const char                    *name);
NORTH_MCP_AVAILABLE_IN_ALL
NorthMcpResource *north_mcp_resource_new_text        (const char                    *uri,
                                                      const char                    *name,
                                                      const char                    *mime_type,
                                                      const char                    *text);
NORTH_MCP_AVAILABLE_IN_ALL
NorthMcpResource *north_mcp_resource_new_blob        (const char                    *uri,
                                                      const char                    *name,
                                                      const char                    *mime_type,
                                                      GBytes                        *blob);
NORTH_MCP_AVAILABLE_IN_ALL
void              north_mcp_resource_set_text        (NorthMcpResource              *self,
                                                      const char                    *text);
NORTH_MCP_AVAILABLE_IN_ALL
void              north_mcp_resource_set_blob        (NorthMcpResource              *self,
                                                      GBytes                        *blob);
NORTH_MCP_AVAILABLE_IN_ALL
void              north_mcp_resource_set_func        (NorthMcpResource              *self,
                                                      NorthMcpResourceReadFunc       func,
                                                      gpointer                       user_data,
                                                      GDestroyNotify                 destroy);
NORTH_MCP_AVAILABLE_IN_ALL
void              north_mcp_resource_set_async_func  (NorthMcpResource              *self,
                                                      NorthMcpResourceReadAsyncFunc  func,
                                                      gpointer                       user_data,
                                                      GDestroyNotify                 destroy);
NORTH_MCP_AVAILABLE_IN_ALL
const char       *north_mcp_resource_get_uri         (NorthMcpResource              *self);
NORTH_MCP_AVAILABLE_IN_ALL
const char       *north_mcp_resource_get_mime_type   (NorthMcpResource              *self);
NORTH_MCP_AVAILABLE_IN_ALL
void              north_mcp_resource_set_mime_type   (NorthMcpResource              *self,
                                                      const char                    *mime_type);
NORTH_MCP_AVAILABLE_IN_ALL
gint64            north_mcp_resource_get_size        (NorthMcpResource              *self);
NORTH_MCP_AVAILABLE_IN_ALL
void              north_mcp_resource_set_size        (NorthMcpResource              *self,
                                                      gint64                         size);
NORTH_MCP_AVAILABLE_IN_ALL
void              north_mcp_resource_read            (NorthMcpResource              *self,
                                                      NorthMcpContext               *context);

G_END_DECLS
