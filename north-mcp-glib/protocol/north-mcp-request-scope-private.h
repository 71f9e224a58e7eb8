/* north-mcp-request-scope-private.h: the HTTP request being dispatched
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* While the HTTP transport dispatches one request (synchronously, on the
 * server's thread), its headers are "current", so that what is created
 * for it (a context, a custom route call) can read the North context and
 * the W3C trace context without the transport passing them through. */
typedef struct
{
  SoupMessageHeaders *previous;
} NorthMcpRequestScope;

void                north_mcp_request_scope_enter   (NorthMcpRequestScope *scope,
                                                     SoupMessageHeaders   *headers);
void                north_mcp_request_scope_leave   (NorthMcpRequestScope *scope);
SoupMessageHeaders *north_mcp_request_scope_get_headers (void);

GHashTable         *north_mcp_north_context_from_headers (SoupMessageHeaders *headers);

G_END_DECLS
