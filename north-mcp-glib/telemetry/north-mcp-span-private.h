/* north-mcp-span-private.h: what the tracer and the exporter see of a span
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-span.h"
#include "north-mcp-tracer.h"
#include "north-mcp-trace-context-private.h"

G_BEGIN_DECLS

/* OTLP SpanKind */
#define NORTH_MCP_SPAN_KIND_INTERNAL 1
#define NORTH_MCP_SPAN_KIND_SERVER 2

/* Bounds on what user code can pile onto one span. */
#define NORTH_MCP_SPAN_MAX_ATTRIBUTES 128
#define NORTH_MCP_SPAN_MAX_EVENTS 128
#define NORTH_MCP_SPAN_MAX_VALUE_LENGTH 4096

NorthMcpSpan *north_mcp_span_new              (NorthMcpTracer            *tracer,
                                               const char                *name,
                                               int                        kind,
                                               const NorthMcpTraceParent *context,
                                               const guint8              *parent_span_id,
                                               const char                *tracestate);
NorthMcpSpan *north_mcp_span_new_named        (NorthMcpTracer            *tracer,
                                               const char                *name,
                                               const char                *suffix,
                                               int                        kind,
                                               const NorthMcpTraceParent *context,
                                               const guint8              *parent_span_id,
                                               const char                *tracestate);
/* Before the span is shared, for keys that are static, plain ASCII and
 * distinct: north_mcp_span_add_static_attribute (span, "key", value). */
void          (north_mcp_span_add_static_attribute) (NorthMcpSpan      *self,
                                               const char                *static_key,
                                               gsize                      key_length,
                                               const char                *value);
#define north_mcp_span_add_static_attribute(self, key, value) \
  (north_mcp_span_add_static_attribute) ((self), "" key, sizeof (key) - 1, (value))
const NorthMcpTraceParent *north_mcp_span_get_context (NorthMcpSpan      *self);
const char   *north_mcp_span_get_tracestate   (NorthMcpSpan              *self);
gboolean      north_mcp_span_is_ended         (NorthMcpSpan              *self);
/* The exporter's queue links spans through them. */
NorthMcpSpan *north_mcp_span_get_next         (NorthMcpSpan              *self);
void          north_mcp_span_set_next         (NorthMcpSpan              *self,
                                               NorthMcpSpan              *next);
void          north_mcp_span_write_otlp       (NorthMcpSpan              *self,
                                               GString                   *out);

G_END_DECLS
