/* north-mcp-http-routes-private.h: which endpoint a request is for, and
 * serving it once authenticated
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-http-transport-impl-private.h"

G_BEGIN_DECLS

typedef enum {
  NORTH_MCP_HTTP_ENDPOINT_NONE,
  NORTH_MCP_HTTP_ENDPOINT_MCP,       /* Streamable HTTP */
  NORTH_MCP_HTTP_ENDPOINT_SSE,       /* legacy GET /sse */
  NORTH_MCP_HTTP_ENDPOINT_MESSAGES,  /* legacy POST /messages/ */
  NORTH_MCP_HTTP_ENDPOINT_HEALTH,
  NORTH_MCP_HTTP_ENDPOINT_ROUTE,     /* a custom route */
} NorthMcpHttpEndpoint;

/* The endpoint of @path; one trailing slash is tolerated. */
NorthMcpHttpEndpoint north_mcp_http_classify_path (NorthMcpHttpTransport *self,
                                                   const char            *path);

/* The SoupServerCallback of every path: routes, checks Origin and Host,
 * then authenticates (north-mcp-http-auth.c). */
void                 north_mcp_http_route         (SoupServer            *server,
                                                   SoupServerMessage     *msg,
                                                   const char            *path,
                                                   GHashTable            *query,
                                                   gpointer               user_data);

/* After authentication (@user NULL without one): serves @endpoint, any
 * but NONE and HEALTH. */
void                 north_mcp_http_serve         (NorthMcpHttpTransport *self,
                                                   SoupServerMessage     *msg,
                                                   NorthMcpHttpEndpoint   endpoint,
                                                   GHashTable            *query,
                                                   NorthMcpUser          *user);
/* A custom route, looked up again (after an asynchronous authentication
 * it may be gone: 404). */
void                 north_mcp_http_call_route    (NorthMcpHttpTransport *self,
                                                   SoupServerMessage     *msg,
                                                   NorthMcpUser          *user);

G_END_DECLS
