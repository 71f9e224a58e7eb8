/* north-mcp-span.h: an OpenTelemetry span
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>
#include "north-mcp-types.h"

G_BEGIN_DECLS

/**
 * NorthMcpSpanStatus:
 * @NORTH_MCP_SPAN_STATUS_UNSET: no status was set
 * @NORTH_MCP_SPAN_STATUS_OK: the operation succeeded, as its code says
 * @NORTH_MCP_SPAN_STATUS_ERROR: the operation failed
 *
 * The status of a [class@NorthMcp.Span], as OpenTelemetry defines it.
 *
 * Since: 0.2
 */
typedef enum {
  NORTH_MCP_SPAN_STATUS_UNSET,
  NORTH_MCP_SPAN_STATUS_OK,
  NORTH_MCP_SPAN_STATUS_ERROR,
} NorthMcpSpanStatus;

#define NORTH_MCP_TYPE_SPAN (north_mcp_span_get_type ())

NORTH_MCP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (NorthMcpSpan, north_mcp_span, NORTH_MCP, SPAN, GObject)

NORTH_MCP_AVAILABLE_IN_ALL
const char *north_mcp_span_get_name              (NorthMcpSpan       *self);
NORTH_MCP_AVAILABLE_IN_ALL
const char *north_mcp_span_get_trace_id          (NorthMcpSpan       *self);
NORTH_MCP_AVAILABLE_IN_ALL
const char *north_mcp_span_get_span_id           (NorthMcpSpan       *self);
NORTH_MCP_AVAILABLE_IN_ALL
gboolean    north_mcp_span_is_recording          (NorthMcpSpan       *self);
NORTH_MCP_AVAILABLE_IN_ALL
void        north_mcp_span_set_attribute_string  (NorthMcpSpan       *self,
                                                  const char         *key,
                                                  const char         *value);
NORTH_MCP_AVAILABLE_IN_ALL
void        north_mcp_span_set_attribute_int     (NorthMcpSpan       *self,
                                                  const char         *key,
                                                  gint64              value);
NORTH_MCP_AVAILABLE_IN_ALL
void        north_mcp_span_set_attribute_double  (NorthMcpSpan       *self,
                                                  const char         *key,
                                                  double              value);
NORTH_MCP_AVAILABLE_IN_ALL
void        north_mcp_span_set_attribute_boolean (NorthMcpSpan       *self,
                                                  const char         *key,
                                                  gboolean            value);
NORTH_MCP_AVAILABLE_IN_ALL
void        north_mcp_span_add_event             (NorthMcpSpan       *self,
                                                  const char         *name,
                                                  JsonObject         *attributes);
NORTH_MCP_AVAILABLE_IN_ALL
void        north_mcp_span_set_status            (NorthMcpSpan       *self,
                                                  NorthMcpSpanStatus  status,
                                                  const char         *description);
NORTH_MCP_AVAILABLE_IN_ALL
void        north_mcp_span_record_error          (NorthMcpSpan       *self,
                                                  const char         *type,
                                                  const char         *message);
NORTH_MCP_AVAILABLE_IN_ALL
void        north_mcp_span_end                   (NorthMcpSpan       *self);

G_END_DECLS
