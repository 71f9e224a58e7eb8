/* north-mcp-dispatch-private.h: the table of JSON-RPC methods
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-context-private.h"
#include "north-mcp-server.h"

G_BEGIN_DECLS

/* A method handler completes @context (now or later). */
typedef void (*NorthMcpMethodHandler) (NorthMcpServer  *server,
                                       NorthMcpContext *context);

/* Pagination over a list of @total items: reads params.cursor, sets
 * @start/@end; on a bad cursor answers -32602 on @context and returns
 * FALSE. Returns a new cursor for the next page in @next_cursor (or NULL). */
gboolean north_mcp_dispatch_paginate    (NorthMcpServer   *server,
                                         NorthMcpContext  *context,
                                         guint             total,
                                         guint            *start,
                                         guint            *end,
                                         char            **next_cursor);
/* Answers -32602 Invalid params with @message. */
void     north_mcp_dispatch_invalid_params (NorthMcpContext *context,
                                            const char      *message);

/* Resources, prompts and completion (north-mcp-dispatch-features.c). */
void     north_mcp_dispatch_resources_list           (NorthMcpServer  *server,
                                                      NorthMcpContext *context);
void     north_mcp_dispatch_resources_templates_list (NorthMcpServer  *server,
                                                      NorthMcpContext *context);
void     north_mcp_dispatch_resources_read           (NorthMcpServer  *server,
                                                      NorthMcpContext *context);
void     north_mcp_dispatch_resources_subscribe      (NorthMcpServer  *server,
                                                      NorthMcpContext *context);
void     north_mcp_dispatch_resources_unsubscribe    (NorthMcpServer  *server,
                                                      NorthMcpContext *context);
void     north_mcp_dispatch_prompts_list             (NorthMcpServer  *server,
                                                      NorthMcpContext *context);
void     north_mcp_dispatch_prompts_get              (NorthMcpServer  *server,
                                                      NorthMcpContext *context);
void     north_mcp_dispatch_completion_complete      (NorthMcpServer  *server,
                                                      NorthMcpContext *context);
/* Answers resource-not-found for @uri as the request's revision wants it:
 * -32002 up to 2025-11-25, -32602 after; both with `data: {uri}`. */
void     north_mcp_dispatch_resource_not_found       (NorthMcpContext *context,
                                                      const char      *uri);

G_END_DECLS
