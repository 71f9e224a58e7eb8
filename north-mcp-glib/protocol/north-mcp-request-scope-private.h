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
/* The bytes @north_context keeps: its text, and 64 an entry (two copies
 * and a slot of the table). */
gsize               north_mcp_north_context_size         (GHashTable         *north_context);
/* Appends @north_context to @out as one line of JSON: an array of its
 * names and values in turn (not an object, which may have at most 1,000
 * members, and whose names, the client's, json-glib hashes with
 * g_str_hash()). With them, when not NULL, the W3C trace context of the
 * request it is the North context of, under names no header gives a
 * North context (":traceparent", ":tracestate": a header's name has no
 * colon), so that a reader that does not know them still reads the
 * line. */
void                north_mcp_north_context_write        (GString            *out,
                                                          GHashTable         *north_context,
                                                          const char         *traceparent,
                                                          const char         *tracestate);
/* The North context north_mcp_north_context_write() wrote as @data
 * (@length bytes), or NULL when @data is not such a text; the trace
 * context written with it in *@traceparent and *@tracestate (NULL when
 * none; as written, not checked). */
GHashTable         *north_mcp_north_context_read         (const char         *data,
                                                          gsize               length,
                                                          char              **traceparent,
                                                          char              **tracestate);

G_END_DECLS
