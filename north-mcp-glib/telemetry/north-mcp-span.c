/* north-mcp-span.c: an OpenTelemetry span, as the API shows it
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-span-private.h"

/**
 * NorthMcpSpan:
 *
 * One timed operation of a trace, as OpenTelemetry defines it: the server
 * opens one for each MCP request, and handlers open child spans of it with
 * [method@NorthMcp.Context.start_span]. A span is ended once, with
 * [method@NorthMcp.Span.end]; it is exported then, in the background, by
 * the server's [class@NorthMcp.Tracer].
 *
 * When tracing is off (nothing configured, or the trace not sampled) the
 * span does not record: its methods do nothing, so code can use spans
 * without checking. A span can be used from any thread.
 *
 * At most 128 attributes and 128 events are kept; string values are cut
 * to 4096 bytes.
 *
 * Since: 0.2
 */

struct _NorthMcpSpan
{
  GObject           parent_instance;

  NorthMcpSpanData *data;
};

G_DEFINE_FINAL_TYPE (NorthMcpSpan, north_mcp_span, G_TYPE_OBJECT)

static void
north_mcp_span_finalize (GObject *object)
{
  NorthMcpSpan *self = NORTH_MCP_SPAN (object);

  g_clear_pointer (&self->data, north_mcp_span_data_unref);

  G_OBJECT_CLASS (north_mcp_span_parent_class)->finalize (object);
}

static void
north_mcp_span_class_init (NorthMcpSpanClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = north_mcp_span_finalize;
}

static void
north_mcp_span_init (NorthMcpSpan *self)
{
}

/* A span made with g_object_new() (as bindings may) has no data yet:
 * it gets data that records nothing, with all-zero ids. */
static NorthMcpSpanData *
data_of (NorthMcpSpan *self)
{
  NorthMcpSpanData *data = g_atomic_pointer_get (&self->data);

  if (G_LIKELY (data != NULL))
    return data;
  data = north_mcp_span_data_new (NULL, "", NULL, NORTH_MCP_SPAN_KIND_INTERNAL, NULL, NULL, NULL);
  if (!g_atomic_pointer_compare_and_exchange (&self->data, NULL, data))
    north_mcp_span_data_unref (data);
  return g_atomic_pointer_get (&self->data);
}

NorthMcpSpan *
north_mcp_span_new_for_data (NorthMcpSpanData *data)
{
  NorthMcpSpan *self = g_object_new (NORTH_MCP_TYPE_SPAN, NULL);

  self->data = north_mcp_span_data_ref (data);
  return self;
}

NorthMcpSpanData *
north_mcp_span_get_data (NorthMcpSpan *self)
{
  return data_of (self);
}

NorthMcpSpan *
north_mcp_span_new (NorthMcpTracer            *tracer,
                    const char                *name,
                    int                        kind,
                    const NorthMcpTraceParent *context,
                    const guint8              *parent_span_id,
                    const char                *tracestate)
{
  g_autoptr(NorthMcpSpanData) data = north_mcp_span_data_new (tracer, name, NULL, kind, context,
                                                              parent_span_id, tracestate);

  return north_mcp_span_new_for_data (data);
}

void
north_mcp_span_write_otlp (NorthMcpSpan *self,
                           GString      *out)
{
  north_mcp_span_data_write_otlp (data_of (self), out);
}

/**
 * north_mcp_span_get_name:
 * @self: a span
 *
 * Gets the name the span was opened with.
 *
 * Returns: the name
 *
 * Since: 0.2
 */
const char *
north_mcp_span_get_name (NorthMcpSpan *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SPAN (self), NULL);

  return north_mcp_span_data_get_name (data_of (self));
}

/**
 * north_mcp_span_get_trace_id:
 * @self: a span
 *
 * Gets the trace id, 32 lower-case hex digits; all zeros when tracing is
 * off.
 *
 * Returns: the trace id
 *
 * Since: 0.2
 */
const char *
north_mcp_span_get_trace_id (NorthMcpSpan *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SPAN (self), NULL);

  return north_mcp_span_data_get_trace_id (data_of (self));
}

/**
 * north_mcp_span_get_span_id:
 * @self: a span
 *
 * Gets the span id, 16 lower-case hex digits; all zeros when tracing is
 * off.
 *
 * Returns: the span id
 *
 * Since: 0.2
 */
const char *
north_mcp_span_get_span_id (NorthMcpSpan *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SPAN (self), NULL);

  return north_mcp_span_data_get_span_id (data_of (self));
}

/**
 * north_mcp_span_is_recording:
 * @self: a span
 *
 * Whether the span records, and will be exported when it ends: tracing is
 * configured and the trace is sampled.
 *
 * Returns: `TRUE` when it records
 *
 * Since: 0.2
 */
gboolean
north_mcp_span_is_recording (NorthMcpSpan *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SPAN (self), FALSE);

  return north_mcp_span_data_is_recording (data_of (self));
}

/**
 * north_mcp_span_set_attribute_string:
 * @self: a span
 * @key: the attribute's name, such as `db.system.name`
 * @value: its value
 *
 * Sets a string attribute, replacing one of the same name.
 *
 * Since: 0.2
 */
void
north_mcp_span_set_attribute_string (NorthMcpSpan *self,
                                     const char   *key,
                                     const char   *value)
{
  g_return_if_fail (NORTH_MCP_IS_SPAN (self));
  g_return_if_fail (key != NULL && value != NULL);

  north_mcp_span_data_set_string (data_of (self), key, value);
}

/**
 * north_mcp_span_set_attribute_int:
 * @self: a span
 * @key: the attribute's name
 * @value: its value
 *
 * Sets an integer attribute, replacing one of the same name.
 *
 * Since: 0.2
 */
void
north_mcp_span_set_attribute_int (NorthMcpSpan *self,
                                  const char   *key,
                                  gint64        value)
{
  g_return_if_fail (NORTH_MCP_IS_SPAN (self));
  g_return_if_fail (key != NULL);

  north_mcp_span_data_set_int (data_of (self), key, value);
}

/**
 * north_mcp_span_set_attribute_double:
 * @self: a span
 * @key: the attribute's name
 * @value: its value
 *
 * Sets a floating-point attribute, replacing one of the same name.
 *
 * Since: 0.2
 */
void
north_mcp_span_set_attribute_double (NorthMcpSpan *self,
                                     const char   *key,
                                     double        value)
{
  g_return_if_fail (NORTH_MCP_IS_SPAN (self));
  g_return_if_fail (key != NULL);

  north_mcp_span_data_set_double (data_of (self), key, value);
}

/**
 * north_mcp_span_set_attribute_boolean:
 * @self: a span
 * @key: the attribute's name
 * @value: its value
 *
 * Sets a boolean attribute, replacing one of the same name.
 *
 * Since: 0.2
 */
void
north_mcp_span_set_attribute_boolean (NorthMcpSpan *self,
                                      const char   *key,
                                      gboolean      value)
{
  g_return_if_fail (NORTH_MCP_IS_SPAN (self));
  g_return_if_fail (key != NULL);

  north_mcp_span_data_set_boolean (data_of (self), key, value);
}

/**
 * north_mcp_span_add_event:
 * @self: a span
 * @name: the event's name
 * @attributes: (nullable): its attributes: the members of this object
 *   that are strings, numbers or booleans
 *
 * Adds an event, stamped now.
 *
 * Since: 0.2
 */
void
north_mcp_span_add_event (NorthMcpSpan *self,
                          const char   *name,
                          JsonObject   *attributes)
{
  g_return_if_fail (NORTH_MCP_IS_SPAN (self));
  g_return_if_fail (name != NULL);

  north_mcp_span_data_add_event (data_of (self), name, attributes);
}

/**
 * north_mcp_span_set_status:
 * @self: a span
 * @status: the status
 * @description: (nullable): why, for `NORTH_MCP_SPAN_STATUS_ERROR` (see [enum@NorthMcp.SpanStatus])
 *
 * Sets the span's status. The description is sent as given: keep
 * sensitive details out of it, or use [method@NorthMcp.Span.record_error],
 * which follows [property@NorthMcp.Tracer:record-error-details].
 *
 * Since: 0.2
 */
void
north_mcp_span_set_status (NorthMcpSpan       *self,
                           NorthMcpSpanStatus  status,
                           const char         *description)
{
  g_return_if_fail (NORTH_MCP_IS_SPAN (self));

  north_mcp_span_data_set_status (data_of (self), status, description);
}

/**
 * north_mcp_span_record_error:
 * @self: a span
 * @type: the kind of error, low in cardinality: an exception class, an
 *   error code (`GIOError.NOT_FOUND`, `-32602`)
 * @message: (nullable): what went wrong, possibly with private data
 *
 * Marks the span as failed: status error, attribute `error.type`. The
 * status description is @type alone unless the tracer's
 * [property@NorthMcp.Tracer:record-error-details] is set; then it is
 * @message, and an `exception` event carries it too. That is the North
 * Python SDK's policy: error messages often hold user data, so they stay
 * out of traces unless asked for.
 *
 * Since: 0.2
 */
void
north_mcp_span_record_error (NorthMcpSpan *self,
                             const char   *type,
                             const char   *message)
{
  g_return_if_fail (NORTH_MCP_IS_SPAN (self));
  g_return_if_fail (type != NULL);

  north_mcp_span_data_record_error (data_of (self), type, message);
}

/**
 * north_mcp_span_end:
 * @self: a span
 *
 * Ends the span and hands it to the exporter. Ending twice does nothing.
 *
 * Since: 0.2
 */
void
north_mcp_span_end (NorthMcpSpan *self)
{
  g_return_if_fail (NORTH_MCP_IS_SPAN (self));

  north_mcp_span_data_end (data_of (self));
}
