/* north-mcp-tool.h
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>
#include "north-mcp-types.h"
#include "north-mcp-enums.h"
#include "north-mcp-feature.h"
#include "north-mcp-tool-result.h"

G_BEGIN_DECLS

#define NORTH_MCP_TYPE_TOOL (north_mcp_tool_get_type ())

NORTH_MCP_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (NorthMcpTool, north_mcp_tool, NORTH_MCP, TOOL, NorthMcpFeature)

/**
 * NorthMcpToolClass:
 * @parent_class: the parent class
 * @call: runs the tool. @arguments have already been checked against the
 *   input schema. The implementation must eventually complete @context with
 *   [method@NorthMcp.Context.return_tool_result] or
 *   [method@NorthMcp.Context.return_error], now or later (keep a reference on
 *   @context to complete it later).
 *
 * The class structure of [class@NorthMcp.Tool].
 */
struct _NorthMcpToolClass
{
  NorthMcpFeatureClass parent_class;

  void (*call) (NorthMcpTool    *self,
                NorthMcpContext *context,
                JsonObject      *arguments);

  /*< private >*/
  gpointer padding[8];
};

/**
 * NorthMcpToolFunc:
 * @tool: the tool being called
 * @context: the request
 * @arguments: the call's arguments, checked against the input schema
 * @user_data: the data given to [method@NorthMcp.Tool.set_func]
 * @error: return location for a [struct@GLib.Error]
 *
 * A synchronous tool handler. An error of the %NORTH_MCP_JSONRPC_ERROR domain
 * becomes a JSON-RPC error; any other error becomes a result with `isError`
 * set and the error's message as text.
 *
 * Returns: (transfer full) (nullable): the result, or %NULL with @error set,
 *   or %NULL after the handler answered @context itself (for example with
 *   [method@NorthMcp.Context.return_input_required])
 */
typedef NorthMcpToolResult *(*NorthMcpToolFunc) (NorthMcpTool     *tool,
                                                 NorthMcpContext  *context,
                                                 JsonObject       *arguments,
                                                 gpointer          user_data,
                                                 GError          **error);

/**
 * NorthMcpToolAsyncFunc:
 * @tool: the tool being called
 * @context: the request; complete it with
 *   [method@NorthMcp.Context.return_tool_result] or
 *   [method@NorthMcp.Context.return_error], from any thread, now or later
 * @arguments: the call's arguments, checked against the input schema
 * @user_data: the data given to [method@NorthMcp.Tool.set_async_func]
 *
 * An asynchronous tool handler.
 */
typedef void (*NorthMcpToolAsyncFunc) (NorthMcpTool    *tool,
                                       NorthMcpContext *context,
                                       JsonObject      *arguments,
                                       gpointer         user_data);

NORTH_MCP_AVAILABLE_IN_ALL
NorthMcpTool *north_mcp_tool_new                    (const char            *name,
                                                     const char            *description);
NORTH_MCP_AVAILABLE_IN_ALL
void          north_mcp_tool_set_func               (NorthMcpTool          *self,
                                                     NorthMcpToolFunc       func,
                                                     gpointer               user_data,
                                                     GDestroyNotify         destroy);
NORTH_MCP_AVAILABLE_IN_ALL
void          north_mcp_tool_set_async_func         (NorthMcpTool          *self,
                                                     NorthMcpToolAsyncFunc  func,
                                                     gpointer               user_data,
                                                     GDestroyNotify         destroy);
NORTH_MCP_AVAILABLE_IN_ALL
JsonObject   *north_mcp_tool_get_input_schema       (NorthMcpTool          *self);
NORTH_MCP_AVAILABLE_IN_ALL
void          north_mcp_tool_set_input_schema       (NorthMcpTool          *self,
                                                     JsonObject            *schema);
NORTH_MCP_AVAILABLE_IN_ALL
gboolean      north_mcp_tool_set_input_schema_json  (NorthMcpTool          *self,
                                                     const char            *json,
                                                     GError               **error);
NORTH_MCP_AVAILABLE_IN_ALL
JsonObject   *north_mcp_tool_get_output_schema      (NorthMcpTool          *self);
NORTH_MCP_AVAILABLE_IN_ALL
void          north_mcp_tool_set_output_schema      (NorthMcpTool          *self,
                                                     JsonObject            *schema);
NORTH_MCP_AVAILABLE_IN_ALL
gboolean      north_mcp_tool_set_output_schema_json (NorthMcpTool          *self,
                                                     const char            *json,
                                                     GError               **error);
NORTH_MCP_AVAILABLE_IN_ALL
void          north_mcp_tool_set_hint               (NorthMcpTool          *self,
                                                     NorthMcpToolHint       hint,
                                                     gboolean               value);
NORTH_MCP_AVAILABLE_IN_ALL
NorthMcpTaskSupport north_mcp_tool_get_task_support (NorthMcpTool          *self);
NORTH_MCP_AVAILABLE_IN_ALL
void          north_mcp_tool_set_task_support       (NorthMcpTool          *self,
                                                     NorthMcpTaskSupport    support);

G_END_DECLS
