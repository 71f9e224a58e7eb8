/* north-mcp-span-exporter-private.h: the batch queue of finished spans
 * and the thread that sends them to an OTLP/HTTP collector
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-tracer.h"
#include "north-mcp-span-data-private.h"

G_BEGIN_DECLS

#define NORTH_MCP_EXPORTER_DEFAULT_SCHEDULE_DELAY_MS 5000
#define NORTH_MCP_EXPORTER_DEFAULT_MAX_QUEUE 2048
#define NORTH_MCP_EXPORTER_DEFAULT_MAX_BATCH 512
#define NORTH_MCP_EXPORTER_DEFAULT_TIMEOUT_MS 10000
/* What the spans queued or being sent hold in memory at most (estimated,
 * see north_mcp_span_data_get_held()), whatever their count: a span
 * holds up to 128 attributes and 128 events of what clients send. */
#define NORTH_MCP_EXPORTER_MAX_HELD_BYTES (16 * 1024 * 1024)

typedef struct _NorthMcpSpanExporter NorthMcpSpanExporter;

/* @tracer (not referenced: it owns the exporter) gives the resource and
 * the HTTP request of each export. */
NorthMcpSpanExporter *north_mcp_span_exporter_new       (NorthMcpTracer       *tracer);
void                  north_mcp_span_exporter_free      (NorthMcpSpanExporter *self);
/* Before the first span. */
void                  north_mcp_span_exporter_set_limits (NorthMcpSpanExporter *self,
                                                         guint                 schedule_delay_ms,
                                                         guint                 max_queue,
                                                         guint                 max_batch,
                                                         guint                 timeout_ms);
/* Never waits for the collector: a full queue drops @span. */
void                  north_mcp_span_exporter_push      (NorthMcpSpanExporter *self,
                                                         NorthMcpSpanData     *span);
void                  north_mcp_span_exporter_shutdown  (NorthMcpSpanExporter *self);
void                  north_mcp_span_exporter_get_counts (NorthMcpSpanExporter *self,
                                                          guint64              *dropped,
                                                          guint64              *exported);

G_END_DECLS
