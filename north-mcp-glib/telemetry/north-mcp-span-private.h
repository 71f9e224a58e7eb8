/* north-mcp-span-private.h: a NorthMcpSpan around its data
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-span.h"
#include "north-mcp-span-data-private.h"

G_BEGIN_DECLS

/* Takes a reference to @data. */
NorthMcpSpan     *north_mcp_span_new_for_data (NorthMcpSpanData          *data);
NorthMcpSpanData *north_mcp_span_get_data     (NorthMcpSpan              *self);
/* A span of fresh data (the unit tests use it). */
NorthMcpSpan     *north_mcp_span_new          (NorthMcpTracer            *tracer,
                                               const char                *name,
                                               int                        kind,
                                               const NorthMcpTraceParent *context,
                                               const guint8              *parent_span_id,
                                               const char                *tracestate);
void              north_mcp_span_write_otlp   (NorthMcpSpan              *self,
                                               GString                   *out);

G_END_DECLS
