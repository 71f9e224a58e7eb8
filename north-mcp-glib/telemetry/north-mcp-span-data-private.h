/* north-mcp-span-data-private.h: what a span records (no GObject), and
 * its OTLP/JSON form
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <json-glib/json-glib.h>
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

/* Reference counted; usable from any thread. */
typedef struct _NorthMcpSpanData NorthMcpSpanData;

/* @tracer NULL or a context without the sampled flag: data that records
 * nothing but carries the ids. @suffix, if not NULL, follows @name after
 * a space. */
NorthMcpSpanData *north_mcp_span_data_new     (NorthMcpTracer            *tracer,
                                               const char                *name,
                                               const char                *suffix,
                                               int                        kind,
                                               const NorthMcpTraceParent *context,
                                               const guint8              *parent_span_id,
                                               const char                *tracestate);
NorthMcpSpanData *north_mcp_span_data_ref     (NorthMcpSpanData          *self);
void          north_mcp_span_data_unref       (NorthMcpSpanData          *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NorthMcpSpanData, north_mcp_span_data_unref)

/* Before the data is shared, for keys that are static, plain ASCII and
 * distinct: north_mcp_span_data_add_static_attribute (data, "key", value). */
void          (north_mcp_span_data_add_static_attribute) (NorthMcpSpanData *self,
                                               const char                *static_key,
                                               gsize                      key_length,
                                               const char                *value);
#define north_mcp_span_data_add_static_attribute(self, key, value) \
  (north_mcp_span_data_add_static_attribute) ((self), "" key, sizeof (key) - 1, (value))

/* Renames @self, until it ends, to @static_name (static storage). */
void          north_mcp_span_data_set_static_name (NorthMcpSpanData *self,
                                               const char                *static_name);
/* The request path names its span after what the client asked for
 * before it knows whether that exists: @static_key is the attribute that
 * names it, kept until taken (NULL when none is, or it was taken
 * already). Safe from any thread. */
void          north_mcp_span_data_set_unconfirmed (NorthMcpSpanData *self,
                                               const char                *static_key);
const char   *north_mcp_span_data_take_unconfirmed (NorthMcpSpanData *self);

/* What NorthMcpSpan's methods do (see north-mcp-span.c). */
const char   *north_mcp_span_data_get_name     (NorthMcpSpanData *self);
const char   *north_mcp_span_data_get_trace_id (NorthMcpSpanData *self);
const char   *north_mcp_span_data_get_span_id  (NorthMcpSpanData *self);
gboolean      north_mcp_span_data_is_recording (NorthMcpSpanData *self);
/* The tracer that records @self (NULL: it records nothing). */
NorthMcpTracer *north_mcp_span_data_get_tracer (NorthMcpSpanData *self);
void          north_mcp_span_data_set_string   (NorthMcpSpanData *self,
                                                const char       *key,
                                                const char       *value);
void          north_mcp_span_data_set_int      (NorthMcpSpanData *self,
                                                const char       *key,
                                                gint64            value);
void          north_mcp_span_data_set_double   (NorthMcpSpanData *self,
                                                const char       *key,
                                                double            value);
void          north_mcp_span_data_set_boolean  (NorthMcpSpanData *self,
                                                const char       *key,
                                                gboolean          value);
void          north_mcp_span_data_add_event    (NorthMcpSpanData *self,
                                                const char       *name,
                                                JsonObject       *attributes);
void          north_mcp_span_data_set_status   (NorthMcpSpanData   *self,
                                                NorthMcpSpanStatus  status,
                                                const char         *description);
void          north_mcp_span_data_record_error (NorthMcpSpanData *self,
                                                const char       *type,
                                                const char       *message);
void          north_mcp_span_data_end          (NorthMcpSpanData *self);

const NorthMcpTraceParent *north_mcp_span_data_get_context (NorthMcpSpanData *self);
const char   *north_mcp_span_data_get_tracestate (NorthMcpSpanData *self);
/* The exporter's queue links the data through them. */
NorthMcpSpanData *north_mcp_span_data_get_next (NorthMcpSpanData *self);
void          north_mcp_span_data_set_next     (NorthMcpSpanData *self,
                                                NorthMcpSpanData *next);
/* What an ended, recorded span holds in memory, estimated once when it
 * ended: the exporter bounds its queue in bytes with it. */
gsize         north_mcp_span_data_get_held     (NorthMcpSpanData *self);
/* One OTLP/JSON Span object. */
void          north_mcp_span_data_write_otlp   (NorthMcpSpanData *self,
                                                GString          *out);

G_END_DECLS
