/* north-mcp-dispatch-private.h: the table of JSON-RPC methods
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-context-private.h"
#include "north-mcp-jsonrpc-private.h"
#include "north-mcp-protocol-host-private.h"
#include "north-mcp-session-private.h"

G_BEGIN_DECLS

/* Protocol revisions with initialize, oldest first. */
extern const char * const north_mcp_supported_protocol_versions[];
#define NORTH_MCP_LATEST_PROTOCOL_VERSION "2025-11-25"

gboolean north_mcp_protocol_version_is_supported (const char *version);

/* Handles one parsed JSON-RPC message (request, notification or response,
 * or a 2025-03-26 batch array) received from @channel. @session is NULL for
 * sessionless HTTP; @user is NULL when no North user was authenticated.
 * Answers go into @channel. Returns the number of responses the caller can
 * expect to be sent to @channel for this message (0 for notifications and
 * responses). */
guint    north_mcp_dispatch_message  (NorthMcpProtocolHost *host,
                                      NorthMcpSession      *session,
                                      NorthMcpUser         *user,
                                      JsonNode             *message,
                                      NorthMcpChannel      *channel);
/* The same for one request read by north_mcp_jsonrpc_read_request(). */
guint    north_mcp_dispatch_request  (NorthMcpProtocolHost   *host,
                                      NorthMcpSession        *session,
                                      NorthMcpUser           *user,
                                      NorthMcpJsonrpcRequest *request,
                                      NorthMcpChannel        *channel);

/* A method handler completes @context (now or later). */
typedef void (*NorthMcpMethodHandler) (NorthMcpProtocolHost *host,
                                       NorthMcpContext      *context);

/* Pagination over a list of @total items: reads params.cursor, sets
 * @start/@end; on a bad cursor answers -32602 on @context and returns
 * FALSE. Returns a new cursor for the next page in @next_cursor (or NULL). */
gboolean north_mcp_dispatch_paginate    (NorthMcpProtocolHost  *host,
                                         NorthMcpContext       *context,
                                         guint                  total,
                                         guint                 *start,
                                         guint                 *end,
                                         char                 **next_cursor);
/* One page of the features of @kind as `{<member>: [...], nextCursor?}`. */
void     north_mcp_dispatch_return_page (NorthMcpProtocolHost *host,
                                         NorthMcpContext      *context,
                                         NorthMcpRegistryKind  kind,
                                         const char           *member);
/* Answers @result (not taken), or `{}`. */
void     north_mcp_dispatch_return_object (NorthMcpContext *context,
                                           JsonObject      *result);
void     north_mcp_dispatch_return_empty  (NorthMcpContext *context);
/* The feature of @kind the `name` parameter names, or NULL after
 * answering -32602 (no name, or an unknown @what). */
gpointer north_mcp_dispatch_require_named (NorthMcpProtocolHost *host,
                                           NorthMcpContext      *context,
                                           NorthMcpRegistryKind  kind,
                                           const char           *what);
/* Answers -32602 Invalid params with @message. */
void     north_mcp_dispatch_invalid_params (NorthMcpContext *context,
                                            const char      *message);
/* Answers -32602 Invalid params: "unknown @what '@name'" (@name cut as
 * north_mcp_echo() does; NULL: empty). */
void     north_mcp_dispatch_unknown        (NorthMcpContext *context,
                                            const char      *what,
                                            const char      *name);

/* A change of the request's session: its log level (logging/setLevel) or
 * a subscription (resources/(un)subscribe). */
typedef struct
{
  NorthMcpContext  *context;
  NorthMcpLogLevel  level;
  char             *uri;
  gboolean          subscribe;
} NorthMcpDispatchChange;

/* Makes @change with @edit (north_mcp_session_edit()), and answers
 * (empty, or the error @edit set) once it is stored; takes @change.
 * Without a session it is answered at once. */
void     north_mcp_dispatch_change_session (NorthMcpDispatchChange  *change,
                                            NorthMcpSessionEditFunc  edit);

/* Resources, prompts and completion (north-mcp-dispatch-features.c). */
void     north_mcp_dispatch_resources_list           (NorthMcpProtocolHost *host,
                                                      NorthMcpContext      *context);
void     north_mcp_dispatch_resources_templates_list (NorthMcpProtocolHost *host,
                                                      NorthMcpContext      *context);
void     north_mcp_dispatch_resources_read           (NorthMcpProtocolHost *host,
                                                      NorthMcpContext      *context);
void     north_mcp_dispatch_resources_subscribe      (NorthMcpProtocolHost *host,
                                                      NorthMcpContext      *context);
void     north_mcp_dispatch_resources_unsubscribe    (NorthMcpProtocolHost *host,
                                                      NorthMcpContext      *context);
void     north_mcp_dispatch_prompts_list             (NorthMcpProtocolHost *host,
                                                      NorthMcpContext      *context);
void     north_mcp_dispatch_prompts_get              (NorthMcpProtocolHost *host,
                                                      NorthMcpContext      *context);
void     north_mcp_dispatch_completion_complete      (NorthMcpProtocolHost *host,
                                                      NorthMcpContext      *context);
/* Answers resource-not-found for @uri as the request's revision wants it:
 * -32002 up to 2025-11-25, -32602 after; both with `data: {uri}`. */
void     north_mcp_dispatch_resource_not_found       (NorthMcpContext *context,
                                                      const char      *uri);

G_END_DECLS
