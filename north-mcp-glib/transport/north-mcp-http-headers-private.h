/* north-mcp-http-headers-private.h: the request headers the HTTP
 * transport checks before authentication and dispatch
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-http-transport-impl-private.h"
#include "north-mcp-revision-2026-private.h"

G_BEGIN_DECLS

/* Which of the two media types an Accept header admits. No header admits
 * JSON only: an SSE answer must be asked for. */
void     north_mcp_http_parse_accept            (const char            *accept,
                                                 gboolean              *json,
                                                 gboolean              *sse);
/* DNS rebinding and browsers (north-mcp-origin.c): the Host must be one
 * the host was told about, and a page (Origin) one it trusts; a transport
 * bound to loopback also takes the loopback names. Requests without
 * Origin come from non-browser clients. Answers 403, or a preflight,
 * itself and returns FALSE; for a request from an allowed page it adds
 * the CORS headers and returns TRUE. */
gboolean north_mcp_http_check_origin_and_host   (NorthMcpHttpTransport *self,
                                                 SoupServerMessage     *msg);
/* @version, the request's MCP-Protocol-Version (looked up once by the
 * caller, which reads it for more): absent means 2025-03-26; a revision
 * the host does not speak is answered 400 (FALSE). */
gboolean north_mcp_http_check_protocol_version  (NorthMcpHttpTransport *self,
                                                 SoupServerMessage     *msg,
                                                 const char            *version);
/* A field of the request head, or NULL: the head is read once per
 * request (north_mcp_http_listener_head()). */
const char *north_mcp_http_field                (NorthMcpHttpTransport *self,
                                                 SoupServerMessage     *msg,
                                                 NorthMcpHttpField      field);
/* How many times the request sent @field (up to 255). */
guint       north_mcp_http_field_count          (NorthMcpHttpTransport *self,
                                                 SoupServerMessage     *msg,
                                                 NorthMcpHttpField      field);
/* The request's standard headers of the 2026-07-28 revision, from its
 * head. */
void        north_mcp_http_revision_2026_head   (NorthMcpHttpTransport    *self,
                                                 SoupServerMessage        *msg,
                                                 NorthMcpRevision2026Head *out);

G_END_DECLS
