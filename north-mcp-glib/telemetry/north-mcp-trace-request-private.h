/* north-mcp-trace-request-private.h: the tracer's hooks on the request
 * path (the protocol layer calls them)
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <json-glib/json-glib.h>
#include "north-mcp-tracer.h"
#include "north-mcp-span.h"
#include "north-mcp-session.h"

G_BEGIN_DECLS

/* NULL, at the cost of one atomic read, when tracing is off. */
NorthMcpSpan *north_mcp_trace_request_begin   (NorthMcpServer  *server,
                                               NorthMcpSession *session,
                                               JsonNode        *id,
                                               const char      *method,
                                               JsonObject      *params,
                                               const char      *protocol_version);
void          north_mcp_trace_request_end     (NorthMcpSpan    *span,
                                               JsonNode        *response);
void          north_mcp_trace_tool_error      (NorthMcpSpan    *span,
                                               const char      *message);
NorthMcpSpan *north_mcp_trace_start_child     (NorthMcpServer  *server,
                                               NorthMcpSpan    *parent,
                                               const char      *name);

G_END_DECLS
