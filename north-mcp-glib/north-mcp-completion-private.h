/* north-mcp-completion-private.h: the completion handler prompts and
 * resource templates share
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-completion.h"

G_BEGIN_DECLS

typedef struct
{
  NorthMcpCompletionFunc       func;
  NorthMcpCompletionAsyncFunc  async_func;
  gpointer                     data;
  GDestroyNotify               destroy;
} NorthMcpCompletionHandler;

void north_mcp_completion_handler_clear (NorthMcpCompletionHandler   *handler);
void north_mcp_completion_handler_set   (NorthMcpCompletionHandler   *handler,
                                         NorthMcpCompletionFunc       func,
                                         NorthMcpCompletionAsyncFunc  async_func,
                                         gpointer                     data,
                                         GDestroyNotify               destroy);
/* Runs the handler; without one, answers an empty list. */
void north_mcp_completion_handler_run   (NorthMcpCompletionHandler   *handler,
                                         NorthMcpContext             *context,
                                         const char                  *argument,
                                         const char                  *value,
                                         GHashTable                  *arguments);

G_END_DECLS
