/* north-mcp-trace-request-private.h: the tracer's hooks on the request
 * path (the protocol layer calls them)
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include "north-mcp-tracer.h"
#include "north-mcp-span.h"
#include "north-mcp-span-data-private.h"

G_BEGIN_DECLS

/* Whether a request may be traced: one atomic read while no tracer of
 * the process is on and the environment configures none. Only then is
 * north_mcp_trace_request_begin() worth calling. */
gboolean      north_mcp_trace_request_may_begin (void);

/* The request a server span is begun for. @headers: the HTTP request's
 * (its W3C trace context), NULL on stdio. @session_digest: what stands
 * for the session's id (a bearer credential, kept out of spans), NULL
 * without a session. */
typedef struct
{
  SoupMessageHeaders *headers;
  const char         *session_digest;
  JsonNode           *id;
  const char         *method;
  JsonObject         *params;
  const char         *protocol_version;
  /* The W3C trace context to continue in place of the one the request
   * carries (a round of a task continues the request that started it),
   * or NULL; when it does not parse, the request's own is used. */
  const char         *traceparent;
  const char         *tracestate;
  /* The server's own work for a request received earlier (a round of a
   * task), not a request received: an INTERNAL span, without the
   * network attributes (it came over no transport). */
  gboolean            internal;
} NorthMcpTraceRequest;

/* The data of @request's server span, or NULL when @tracer is NULL or
 * off. @log_handling: write the "Handling" debug line that ties the
 * request's logs to its trace. No GObject is made for the span unless
 * user code asks for it (north_mcp_trace_get_span). */
NorthMcpSpanData *north_mcp_trace_request_begin (NorthMcpTracer             *tracer,
                                               gboolean                    log_handling,
                                               const NorthMcpTraceRequest *request);
/* The tool, prompt or resource the request names exists (the protocol
 * layer found it): the span keeps its name. Until then, and at its end if
 * never, the span stands for it with NORTH_MCP_TRACE_UNKNOWN_TARGET (a
 * client could push any number of distinct names into traces). */
#define NORTH_MCP_TRACE_UNKNOWN_TARGET "_OTHER"
void          north_mcp_trace_request_confirm_target (NorthMcpSpanData *span);
void          north_mcp_trace_request_end     (NorthMcpSpanData *span,
                                               JsonNode        *response);
void          north_mcp_trace_tool_error      (NorthMcpSpanData *span,
                                               const char      *message);
/* A child of @parent, recorded by @parent's tracer (@parent NULL: a span
 * that does not record). */
NorthMcpSpanData *north_mcp_trace_start_child_data (NorthMcpSpanData *parent,
                                               const char      *name);
NorthMcpSpan *north_mcp_trace_start_child     (NorthMcpSpanData *parent,
                                               const char      *name);
/* The span object of @data (NULL: NULL), made on the first call and kept
 * in *@cache, which the caller unreferences. Safe from several threads. */
NorthMcpSpan *north_mcp_trace_get_span        (NorthMcpSpanData *data,
                                               NorthMcpSpan   **cache);

G_END_DECLS
