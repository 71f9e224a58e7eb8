/* north-mcp-completion.h: argument completion handlers
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib-object.h>
#include "north-mcp-types.h"

G_BEGIN_DECLS

/**
 * NORTH_MCP_COMPLETION_MAX_VALUES:
 *
 * The most values one `completion/complete` result carries; longer lists are
 * truncated and flagged with `hasMore`.
 */
#define NORTH_MCP_COMPLETION_MAX_VALUES 100

/**
 * NorthMcpCompletionFunc:
 * @context: the `completion/complete` request
 * @argument: the name of the argument (prompt argument or URI template
 *   variable) being completed
 * @value: what the user typed so far
 * @arguments: (element-type utf8 utf8): the values of the other arguments
 *   already resolved (`context.arguments`); may be empty
 * @user_data: the data given when the function was set
 * @error: return location for a [struct@GLib.Error]
 *
 * A synchronous completion handler.
 *
 * Returns: (transfer full) (array zero-terminated=1) (nullable): the
 *   candidate values, or %NULL with @error set (a %NULL return without an
 *   error means no candidates)
 */
typedef char **(*NorthMcpCompletionFunc) (NorthMcpContext  *context,
                                          const char       *argument,
                                          const char       *value,
                                          GHashTable       *arguments,
                                          gpointer          user_data,
                                          GError          **error);

/**
 * NorthMcpCompletionAsyncFunc:
 * @context: the `completion/complete` request; complete it with
 *   [method@NorthMcp.Context.return_completion] or
 *   [method@NorthMcp.Context.return_error]
 * @argument: the name of the argument being completed
 * @value: what the user typed so far
 * @arguments: (element-type utf8 utf8): the values of the other arguments
 *   already resolved; may be empty. Take a reference to keep it.
 * @user_data: the data given when the function was set
 *
 * An asynchronous completion handler.
 */
typedef void (*NorthMcpCompletionAsyncFunc) (NorthMcpContext *context,
                                             const char      *argument,
                                             const char      *value,
                                             GHashTable      *arguments,
                                             gpointer         user_data);

NORTH_MCP_AVAILABLE_IN_ALL
void north_mcp_context_return_completion (NorthMcpContext    *self,
                                          const char * const *values,
                                          int                 total,
                                          gboolean            has_more);

G_END_DECLS
