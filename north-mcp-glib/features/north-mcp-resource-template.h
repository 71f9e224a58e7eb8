/* north-mcp-resource-template.h: a family of resources named by a URI template
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>
#include "north-mcp-types.h"
#include "north-mcp-feature.h"
#include "north-mcp-completion.h"
#include "north-mcp-resource-contents.h"
#include "north-mcp-uri-template.h"

G_BEGIN_DECLS

#define NORTH_MCP_TYPE_RESOURCE_TEMPLATE (north_mcp_resource_template_get_type ())

NORTH_MCP_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (NorthMcpResourceTemplate, north_mcp_resource_template, NORTH_MCP, RESOURCE_TEMPLATE, NorthMcpFeature)

/**
 * NorthMcpResourceTemplateClass:
 * @parent_class: the parent class
 * @read: reads the resource at @uri, whose template variables are in
 *   @variables. The implementation must eventually complete @context with
 *   [method@NorthMcp.Context.return_resource_contents] or
 *   [method@NorthMcp.Context.return_error], now or later.
 * @complete: completes the template variable @argument; the default
 *   implementation calls the completion function, or answers no values
 *   when there is none.
 *
 * The class structure of [class@NorthMcp.ResourceTemplate].
 */
struct _NorthMcpResourceTemplateClass
{
  NorthMcpFeatureClass parent_class;

  void (*read)     (NorthMcpResourceTemplate *self,
                    NorthMcpContext          *context,
                    const char               *uri,
                    GHashTable               *variables);
  void (*complete) (NorthMcpResourceTemplate *self,
                    NorthMcpContext          *context,
                    const char               *argument,
                    const char               *value,
                    GHashTable               *arguments);

  /*< private >*/
  gpointer padding[8];
};

/**
 * NorthMcpResourceTemplateReadFunc:
 * @template_: the template
 * @context: the `resources/read` request
 * @uri: the URI being read
 * @variables: (element-type utf8 utf8): the values of the template's
 *   variables in @uri, percent-decoded: the client's text, which may hold
 *   `/` (`%2F`), `..` or any other character once decoded
 * @user_data: the data given to [method@NorthMcp.ResourceTemplate.set_func]
 * @error: return location for a [struct@GLib.Error]
 *
 * A synchronous read handler for the resources of a template.
 *
 * Returns: (transfer full) (nullable): the contents, or %NULL with @error set,
 *   or %NULL after the handler answered @context itself (for example with
 *   [method@NorthMcp.Context.return_input_required])
 */
typedef NorthMcpResourceContents *(*NorthMcpResourceTemplateReadFunc) (NorthMcpResourceTemplate  *template_,
                                                                       NorthMcpContext           *context,
                                                                       const char                *uri,
                                                                       GHashTable                *variables,
                                                                       gpointer                   user_data,
                                                                       GError                   **error);

/**
 * NorthMcpResourceTemplateReadAsyncFunc:
 * @template_: the template
 * @context: the request; complete it with
 *   [method@NorthMcp.Context.return_resource_contents] or
 *   [method@NorthMcp.Context.return_error], from any thread, now or later
 * @uri: the URI being read
 * @variables: (element-type utf8 utf8): the values of the template's
 *   variables in @uri; take a reference to keep them
 * @user_data: the data given to
 *   [method@NorthMcp.ResourceTemplate.set_async_func]
 *
 * An asynchronous read handler for the resources of a template.
 */
typedef void (*NorthMcpResourceTemplateReadAsyncFunc) (NorthMcpResourceTemplate *template_,
                                                       NorthMcpContext          *context,
                                                       const char               *uri,
                                                       GHashTable               *variables,
                                                       gpointer                  user_data);

NORTH_MCP_AVAILABLE_IN_ALL
NorthMcpResourceTemplate *north_mcp_resource_template_new                      (const char                            *uri_template,
                                                                                const char                            *name,
                                                                                GError                               **error);
NORTH_MCP_AVAILABLE_IN_ALL
void                      north_mcp_resource_template_set_func                 (NorthMcpResourceTemplate              *self,
                                                                                NorthMcpResourceTemplateReadFunc       func,
                                                                                gpointer                               user_data,
                                                                                GDestroyNotify                         destroy);
NORTH_MCP_AVAILABLE_IN_ALL
void                      north_mcp_resource_template_set_async_func           (NorthMcpResourceTemplate              *self,
                                                                                NorthMcpResourceTemplateReadAsyncFunc  func,
                                                                                gpointer                               user_data,
                                                                                GDestroyNotify                         destroy);
NORTH_MCP_AVAILABLE_IN_ALL
void                      north_mcp_resource_template_set_completion_func      (NorthMcpResourceTemplate              *self,
                                                                                NorthMcpCompletionFunc                 func,
                                                                                gpointer                               user_data,
                                                                                GDestroyNotify                         destroy);
NORTH_MCP_AVAILABLE_IN_ALL
void                      north_mcp_resource_template_set_completion_async_func (NorthMcpResourceTemplate             *self,
                                                                                 NorthMcpCompletionAsyncFunc           func,
                                                                                 gpointer                              user_data,
                                                                                 GDestroyNotify                        destroy);
NORTH_MCP_AVAILABLE_IN_ALL
const char               *north_mcp_resource_template_get_uri_template         (NorthMcpResourceTemplate              *self);
NORTH_MCP_AVAILABLE_IN_ALL
NorthMcpUriTemplate      *north_mcp_resource_template_get_template             (NorthMcpResourceTemplate              *self);
NORTH_MCP_AVAILABLE_IN_ALL
const char               *north_mcp_resource_template_get_mime_type            (NorthMcpResourceTemplate              *self);
NORTH_MCP_AVAILABLE_IN_ALL
void                      north_mcp_resource_template_set_mime_type            (NorthMcpResourceTemplate              *self,
                                                                                const char                            *mime_type);
NORTH_MCP_AVAILABLE_IN_ALL
GHashTable               *north_mcp_resource_template_match                    (NorthMcpResourceTemplate              *self,
                                                                                const char                            *uri);
NORTH_MCP_AVAILABLE_IN_ALL
void                      north_mcp_resource_template_read                     (NorthMcpResourceTemplate              *self,
                                                                                NorthMcpContext                       *context,
                                                                                const char                            *uri,
                                                                                GHashTable                            *variables);
NORTH_MCP_AVAILABLE_IN_ALL
void                      north_mcp_resource_template_complete                 (NorthMcpResourceTemplate              *self,
                                                                                NorthMcpContext                       *context,
                                                                                const char                            *argument,
                                                                                const char                            *value,
                                                                                GHashTable                            *arguments);

G_END_DECLS
