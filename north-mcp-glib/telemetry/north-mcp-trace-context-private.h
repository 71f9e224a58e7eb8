/* north-mcp-trace-context-private.h: W3C Trace Context (traceparent,
 * tracestate)
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define NORTH_MCP_TRACE_ID_SIZE 16
#define NORTH_MCP_SPAN_ID_SIZE 8
/* W3C: at most 32 members of at most 256 bytes each; we keep it shorter. */
#define NORTH_MCP_TRACESTATE_MAX 512

typedef struct
{
  guint8 trace_id[NORTH_MCP_TRACE_ID_SIZE];
  guint8 span_id[NORTH_MCP_SPAN_ID_SIZE];
  guint8 flags;
} NorthMcpTraceParent;

gboolean  north_mcp_trace_parse_traceparent (const char          *text,
                                             NorthMcpTraceParent *parent);
char     *north_mcp_trace_format_traceparent (const NorthMcpTraceParent *parent);
gboolean  north_mcp_trace_tracestate_is_valid (const char        *text);
void      north_mcp_trace_hex               (const guint8        *bytes,
                                             gsize                length,
                                             char                *out);
gboolean  north_mcp_trace_id_is_valid       (const guint8        *bytes,
                                             gsize                length);
void      north_mcp_trace_random_id         (guint8              *bytes,
                                             gsize                length);

G_END_DECLS
