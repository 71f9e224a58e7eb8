/* north-mcp-trace-request-private.h: the tracer's hooks on the request
 * path (the protocol layer calls them)
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <json-glib/json-glib.h>
#include "north-mcp-tracer.h"
#include "north-mcp-span.h"
#include "north-mcp-span-data-private.h"
#include "north-mcp-session.h"

G_BEGIN_DECLS

/* The data of the request's server span; NULL, at the cost of one
 * atomic read, when tracing is off. No GObject is made for it unless
 * user code asks for the span (north_mcp_trace_get_span). */
NorthMcpSpanData *north_mcp_trace_request_begin (NorthMcpServer  *server,
                                               NorthMcpSession *session,
                                               JsonNode        *id,
                                               const char      *method,
                                               JsonObject      *params,
                                               const char      *protocol_version);
void          north_mcp_trace_request_end     (NorthMcpSpanData *span,
                                               JsonNode        *response);
void          north_mcp_trace_tool_error      (NorthMcpSpanData *span,
                                               const char      *message);
/* A child of @parent (NULL: a span that does not record). */
NorthMcpSpanData *north_mcp_trace_start_child_data (NorthMcpServer *server,
                                               NorthMcpSpanData *parent,
                                               const char      *name);
NorthMcpSpan *north_mcp_trace_start_child     (NorthMcpServer  *server,
                                               NorthMcpSpanData *parent,
                                               const char      *name);
/* The span object of @data (NULL: NULL), made on the first call and kept
 * in *@cache, which the caller unreferences. Safe from several threads. */
NorthMcpSpan *north_mcp_trace_get_span        (NorthMcpSpanData *data,
                                               NorthMcpSpan   **cache);

G_END_DECLS
