/* north-mcp-completion-private.h: the completion handler prompts and
 * resource templates share
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-completion.h"
#include "north-mcp-util-private.h"

G_BEGIN_DECLS

/* A NorthMcpCompletionFunc or NorthMcpCompletionAsyncFunc; set and clear
 * it with north_mcp_handler_set() and north_mcp_handler_clear(). */
typedef NorthMcpHandler NorthMcpCompletionHandler;

/* Runs the handler; without one, answers an empty list. */
void north_mcp_completion_handler_run   (NorthMcpCompletionHandler   *handler,
                                         NorthMcpContext             *context,
                                         const char                  *argument,
                                         const char                  *value,
                                         GHashTable                  *arguments);

G_END_DECLS
