/* north-mcp-prompt.h: a prompt template the user can pick
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>
#include "north-mcp-types.h"
#include "north-mcp-feature.h"
#include "north-mcp-completion.h"
#include "north-mcp-prompt-result.h"

G_BEGIN_DECLS

#define NORTH_MCP_TYPE_PROMPT (north_mcp_prompt_get_type ())

NORTH_MCP_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (NorthMcpPrompt, north_mcp_prompt, NORTH_MCP, PROMPT, NorthMcpFeature)

/**
 * NorthMcpPromptClass:
 * @parent_class: the parent class
 * @get: produces the prompt's messages. Required arguments have been
 *   checked. The implementation must eventually complete @context with
 *   [method@NorthMcp.Context.return_prompt_result] or
 *   [method@NorthMcp.Context.return_error], now or later.
 * @complete: completes the argument @argument; the default implementation
 *   calls the completion function, or answers no values when there is none.
 *
 * The class structure of [class@NorthMcp.Prompt].
 */
struct _NorthMcpPromptClass
{
  NorthMcpFeatureClass parent_class;

  void (*get)      (NorthMcpPrompt  *self,
                    NorthMcpContext *context,
                    GHashTable      *arguments);
  void (*complete) (NorthMcpPrompt  *self,
                    NorthMcpContext *context,
                    const char      *argument,
                    const char      *value,
                    GHashTable      *arguments);

  /*< private >*/
  gpointer padding[8];
};

/**
 * NorthMcpPromptFunc:
 * @prompt: the prompt
 * @context: the `prompts/get` request
 * @arguments: (element-type utf8 utf8): the arguments, every required one
 *   present
 * @user_data: the data given to [method@NorthMcp.Prompt.set_func]
 * @error: return location for a [struct@GLib.Error]
 *
 * A synchronous prompt handler.
 *
 * Returns: (transfer full) (nullable): the messages, or %NULL with @error set,
 *   or %NULL after the handler answered @context itself (for example with
 *   [method@NorthMcp.Context.return_input_required])
 */
typedef NorthMcpPromptResult *(*NorthMcpPromptFunc) (NorthMcpPrompt   *prompt,
                                                     NorthMcpContext  *context,
                                                     GHashTable       *arguments,
                                                     gpointer          user_data,
                                                     GError          **error);

/**
 * NorthMcpPromptAsyncFunc:
 * @prompt: the prompt
 * @context: the request; complete it with
 *   [method@NorthMcp.Context.return_prompt_result] or
 *   [method@NorthMcp.Context.return_error], from any thread, now or later
 * @arguments: (element-type utf8 utf8): the arguments; take a reference
 *   to keep them
 * @user_data: the data given to [method@NorthMcp.Prompt.set_async_func]
 *
 * An asynchronous prompt handler.
 */
typedef void (*NorthMcpPromptAsyncFunc) (NorthMcpPrompt  *prompt,
                                         NorthMcpContext *context,
                                         GHashTable      *arguments,
                                         gpointer         user_data);

NORTH_MCP_AVAILABLE_IN_ALL
NorthMcpPrompt *north_mcp_prompt_new                       (const char                  *name,
                                                            const char                  *description);
NORTH_MCP_AVAILABLE_IN_ALL
void            north_mcp_prompt_add_argument              (NorthMcpPrompt              *self,
                                                            const char                  *name,
                                                            const char                  *description,
                                                            gboolean                     required);
NORTH_MCP_AVAILABLE_IN_ALL
JsonArray      *north_mcp_prompt_get_arguments             (NorthMcpPrompt              *self);
NORTH_MCP_AVAILABLE_IN_ALL
void            north_mcp_prompt_set_func                  (NorthMcpPrompt              *self,
                                                            NorthMcpPromptFunc           func,
                                                            gpointer                     user_data,
                                                            GDestroyNotify               destroy);
NORTH_MCP_AVAILABLE_IN_ALL
void            north_mcp_prompt_set_async_func            (NorthMcpPrompt              *self,
                                                            NorthMcpPromptAsyncFunc      func,
                                                            gpointer                     user_data,
                                                            GDestroyNotify               destroy);
NORTH_MCP_AVAILABLE_IN_ALL
void            north_mcp_prompt_set_completion_func       (NorthMcpPrompt              *self,
                                                            NorthMcpCompletionFunc       func,
                                                            gpointer                     user_data,
                                                            GDestroyNotify               destroy);
NORTH_MCP_AVAILABLE_IN_ALL
void            north_mcp_prompt_set_completion_async_func (NorthMcpPrompt              *self,
                                                            NorthMcpCompletionAsyncFunc  func,
                                                            gpointer                     user_data,
                                                            GDestroyNotify               destroy);
NORTH_MCP_AVAILABLE_IN_ALL
void            north_mcp_prompt_invoke                    (NorthMcpPrompt              *self,
                                                            NorthMcpContext             *context,
                                                            GHashTable                  *arguments);
NORTH_MCP_AVAILABLE_IN_ALL
void            north_mcp_prompt_complete                  (NorthMcpPrompt              *self,
                                                            NorthMcpContext             *context,
                                                            const char                  *argument,
                                                            const char                  *value,
                                                            GHashTable                  *arguments);

G_END_DECLS
