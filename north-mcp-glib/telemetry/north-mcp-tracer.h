/* north-mcp-tracer.h: OpenTelemetry tracing and its OTLP/HTTP exporter
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib-object.h>
#include "north-mcp-types.h"

G_BEGIN_DECLS

#define NORTH_MCP_TYPE_TRACER (north_mcp_tracer_get_type ())

NORTH_MCP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (NorthMcpTracer, north_mcp_tracer, NORTH_MCP, TRACER, GObject)

NORTH_MCP_AVAILABLE_IN_ALL
gboolean        north_mcp_tracer_get_enabled               (NorthMcpTracer  *self);
NORTH_MCP_AVAILABLE_IN_ALL
const char     *north_mcp_tracer_get_endpoint              (NorthMcpTracer  *self);
NORTH_MCP_AVAILABLE_IN_ALL
void            north_mcp_tracer_set_endpoint              (NorthMcpTracer  *self,
                                                            const char      *endpoint);
NORTH_MCP_AVAILABLE_IN_ALL
void            north_mcp_tracer_add_header                (NorthMcpTracer  *self,
                                                            const char      *name,
                                                            const char      *value);
NORTH_MCP_AVAILABLE_IN_ALL
const char     *north_mcp_tracer_get_service_name          (NorthMcpTracer  *self);
NORTH_MCP_AVAILABLE_IN_ALL
void            north_mcp_tracer_set_service_name          (NorthMcpTracer  *self,
                                                            const char      *service_name);
NORTH_MCP_AVAILABLE_IN_ALL
void            north_mcp_tracer_set_resource_attribute    (NorthMcpTracer  *self,
                                                            const char      *key,
                                                            const char      *value);
NORTH_MCP_AVAILABLE_IN_ALL
gboolean        north_mcp_tracer_set_sampler               (NorthMcpTracer  *self,
                                                            const char      *sampler,
                                                            double           argument,
                                                            GError         **error);
NORTH_MCP_AVAILABLE_IN_ALL
gboolean        north_mcp_tracer_get_record_error_details  (NorthMcpTracer  *self);
NORTH_MCP_AVAILABLE_IN_ALL
void            north_mcp_tracer_set_record_error_details  (NorthMcpTracer  *self,
                                                            gboolean         record);
NORTH_MCP_AVAILABLE_IN_ALL
gboolean        north_mcp_tracer_get_log_trace_context     (NorthMcpTracer  *self);
NORTH_MCP_AVAILABLE_IN_ALL
void            north_mcp_tracer_set_log_trace_context     (NorthMcpTracer  *self,
                                                            gboolean         log);
NORTH_MCP_AVAILABLE_IN_ALL
guint64         north_mcp_tracer_get_dropped_spans         (NorthMcpTracer  *self);
NORTH_MCP_AVAILABLE_IN_ALL
guint64         north_mcp_tracer_get_exported_spans        (NorthMcpTracer  *self);
NORTH_MCP_AVAILABLE_IN_ALL
void            north_mcp_tracer_shutdown                  (NorthMcpTracer  *self);

G_END_DECLS
