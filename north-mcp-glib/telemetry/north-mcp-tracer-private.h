/* north-mcp-tracer-private.h: what the rest of the library and of
 * telemetry/ see of the tracer
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <libsoup/soup.h>
#include "north-mcp-tracer.h"
#include "north-mcp-span-data-private.h"
#include "north-mcp-trace-context-private.h"
#include "north-mcp-trace-request-private.h"

G_BEGIN_DECLS

typedef struct _NorthMcpSpanExporter NorthMcpSpanExporter;

/* Whether any tracer of the process is enabled. */
gboolean      north_mcp_tracer_any_enabled      (void);
void          north_mcp_tracer_enqueue          (NorthMcpTracer   *self,
                                                 NorthMcpSpanData *span);
gboolean      north_mcp_tracer_should_sample    (NorthMcpTracer            *self,
                                                 const NorthMcpTraceParent *parent,
                                                 const guint8              *trace_id);
NorthMcpSpanExporter *north_mcp_tracer_get_exporter (NorthMcpTracer *self);
/* OTEL_SDK_DISABLED, a refused protocol: off, whatever else is set. */
void          north_mcp_tracer_set_disabled     (NorthMcpTracer  *self);
void          north_mcp_tracer_write_export_head (NorthMcpTracer *self,
                                                  GString        *out);
SoupMessage  *north_mcp_tracer_new_export_message (NorthMcpTracer *self);

G_END_DECLS
