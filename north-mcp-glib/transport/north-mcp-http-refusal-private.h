/* north-mcp-http-refusal-private.h: answering a request without reading
 * its body
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* How long, and how many bytes of a refused body, are drained after the
 * answer before the connection is closed: the body limit given, and
 * NORTH_MCP_HTTP_REFUSAL_DRAIN_BYTES more (chunk framing, what follows). A
 * proxy such as nginx writes a whole body before it reads the answer: a
 * body the server would have taken, cut short by the close, reset the
 * connection under the proxy's write, which then lost the answer (502)
 * and took the server out of its upstream group. */
#define NORTH_MCP_HTTP_REFUSAL_DRAIN_SECONDS 2
#define NORTH_MCP_HTTP_REFUSAL_DRAIN_BYTES (1024 * 1024)

/* Answers @msg, whose body has not been read (or only partly), with
 * @status, @content_type and @body (@length bytes) and "Connection:
 * close" (and the response headers already set on @msg), and reads no
 * more of its body than the drain bounds above, @body_limit being the
 * largest body the server takes (0 for requests that have none). Call
 * it from an early handler or a "got-chunk" handler; @msg is paused at
 * once and taken from libsoup at the next main loop iteration. */
void north_mcp_http_refuse_unread (SoupServerMessage *msg,
                                   guint              status,
                                   const char        *content_type,
                                   const char        *body,
                                   gsize              length,
                                   gsize              body_limit);

/* north_mcp_http_refuse_unread() with the answer already set on @msg
 * (its status, and soup_server_message_set_response()): for checks that
 * answer as they would after the body, made before it. */
void north_mcp_http_refuse_unread_answered (SoupServerMessage *msg,
                                            gsize              body_limit);

/* How many parameters a request's query may have. */
#define NORTH_MCP_HTTP_MAX_QUERY_PARAMS 256

/* Makes @soup refuse (414, unread) requests whose query has more than
 * NORTH_MCP_HTTP_MAX_QUERY_PARAMS parameters, before libsoup decodes it:
 * it does so into a g_str_hash() table for every request, before any
 * handler runs, and parameter names that share a hash make that
 * quadratic. */
void north_mcp_http_guard_queries (SoupServer *soup);

G_END_DECLS
