/* north-mcp-span.c: an OpenTelemetry span
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "north-mcp-span-private.h"
#include "north-mcp-tracer-private.h"
#include "north-mcp-json-writer-private.h"

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

typedef enum {
  VALUE_STRING,
  VALUE_INT,
  VALUE_DOUBLE,
  VALUE_BOOLEAN,
} ValueType;

typedef struct
{
  char      *key;
  ValueType  type;
  union {
    char    *string;
    gint64   integer;
    double   number;
    gboolean boolean;
  };
} Attribute;

typedef struct
{
  char   *name;
  gint64  time_ns;
  GArray *attributes;           /* of Attribute */
} Event;

struct _NorthMcpSpan
{
  GObject              parent_instance;

  NorthMcpTracer      *tracer;  /* NULL: not recording */
  GMutex               lock;
  char                *name;
  int                  kind;
  NorthMcpTraceParent  context;
  guint8               parent_span_id[NORTH_MCP_SPAN_ID_SIZE];
  gboolean             has_parent;
  char                *tracestate;
  char                 trace_id_hex[2 * NORTH_MCP_TRACE_ID_SIZE + 1];
  char                 span_id_hex[2 * NORTH_MCP_SPAN_ID_SIZE + 1];
  gint64               start_ns;
  gint64               end_ns;
  GArray              *attributes; /* of Attribute; made on demand */
  GPtrArray           *events;     /* of Event; made on demand */
  NorthMcpSpanStatus   status;
  char                *status_message;
  gboolean             ended;
};

G_DEFINE_FINAL_TYPE (NorthMcpSpan, north_mcp_span, G_TYPE_OBJECT)

static void
attribute_clear (gpointer data)
{
  Attribute *attribute = data;

  g_free (attribute->key);
  if (attribute->type == VALUE_STRING)
    g_free (attribute->string);
}

static GArray *
attribute_array_new (void)
{
  GArray *array = g_array_new (FALSE, TRUE, sizeof (Attribute));

  g_array_set_clear_func (array, attribute_clear);
  return array;
}

static void
event_free (gpointer data)
{
  Event *event = data;

  g_free (event->name);
  g_clear_pointer (&event->attributes, g_array_unref);
  g_free (event);
}

static void
north_mcp_span_finalize (GObject *object)
{
  NorthMcpSpan *self = NORTH_MCP_SPAN (object);

  g_clear_object (&self->tracer);
  g_mutex_clear (&self->lock);
  g_free (self->name);
  g_free (self->tracestate);
  g_clear_pointer (&self->attributes, g_array_unref);
  g_clear_pointer (&self->events, g_ptr_array_unref);
  g_free (self->status_message);

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
  g_mutex_init (&self->lock);
  north_mcp_trace_hex (self->context.trace_id, NORTH_MCP_TRACE_ID_SIZE, self->trace_id_hex);
  north_mcp_trace_hex (self->context.span_id, NORTH_MCP_SPAN_ID_SIZE, self->span_id_hex);
}

static gint64
now_ns (void)
{
  return g_get_real_time () * 1000;
}

/* @tracer NULL or a context without the sampled flag: a span that does
 * not record, but still carries the ids its children continue. */
NorthMcpSpan *
north_mcp_span_new (NorthMcpTracer            *tracer,
                    const char                *name,
                    int                        kind,
                    const NorthMcpTraceParent *context,
                    const guint8              *parent_span_id,
                    const char                *tracestate)
{
  NorthMcpSpan *self = g_object_new (NORTH_MCP_TYPE_SPAN, NULL);

  self->name = g_strdup (name);
  self->kind = kind;
  if (context != NULL)
    self->context = *context;
  if (parent_span_id != NULL)
    {
      memcpy (self->parent_span_id, parent_span_id, NORTH_MCP_SPAN_ID_SIZE);
      self->has_parent = TRUE;
    }
  self->tracestate = g_strdup (tracestate);
  if (tracer != NULL && (self->context.flags & 1) != 0)
    self->tracer = g_object_ref (tracer);
  north_mcp_trace_hex (self->context.trace_id, NORTH_MCP_TRACE_ID_SIZE, self->trace_id_hex);
  north_mcp_trace_hex (self->context.span_id, NORTH_MCP_SPAN_ID_SIZE, self->span_id_hex);
  self->start_ns = now_ns ();
  return self;
}

const NorthMcpTraceParent *
north_mcp_span_get_context (NorthMcpSpan *self)
{
  return &self->context;
}

const char *
north_mcp_span_get_tracestate (NorthMcpSpan *self)
{
  return self->tracestate;
}

gboolean
north_mcp_span_is_ended (NorthMcpSpan *self)
{
  gboolean ended;

  g_mutex_lock (&self->lock);
  ended = self->ended;
  g_mutex_unlock (&self->lock);
  return ended;
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

  return self->name;
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

  return self->trace_id_hex;
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

  return self->span_id_hex;
}

/**
 * north_mcp_span_is_recording:
 * @self: a span
 *
 * Whether the span records, and will be exported when it ends: tracing is
 * configured and the trace is sampled.
 *
 * Returns: %TRUE when it records
 *
 * Since: 0.2
 */
gboolean
north_mcp_span_is_recording (NorthMcpSpan *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SPAN (self), FALSE);

  return self->tracer != NULL;
}

/* Replaces an attribute of the same key, or appends one while there is
 * room. Called with the lock held. */
static Attribute *
attribute_slot (GArray     **array,
                const char  *key)
{
  Attribute fresh = { 0 };

  if (*array == NULL)
    *array = attribute_array_new ();
  for (guint i = 0; i < (*array)->len; i++)
    {
      Attribute *attribute = &g_array_index (*array, Attribute, i);

      if (strcmp (attribute->key, key) == 0)
        {
          if (attribute->type == VALUE_STRING)
            g_clear_pointer (&attribute->string, g_free);
          return attribute;
        }
    }
  if ((*array)->len >= NORTH_MCP_SPAN_MAX_ATTRIBUTES)
    return NULL;
  fresh.key = g_strdup (key);
  g_array_append_val (*array, fresh);
  return &g_array_index (*array, Attribute, (*array)->len - 1);
}

static gboolean
can_change (NorthMcpSpan *self)
{
  return self->tracer != NULL && !self->ended;
}

static char *
bounded_string (const char *value)
{
  gsize length = strlen (value);

  if (length <= NORTH_MCP_SPAN_MAX_VALUE_LENGTH)
    return g_utf8_make_valid (value, -1);
  /* Cut at a character boundary. */
  return g_utf8_make_valid (value, g_utf8_find_prev_char (value, value + NORTH_MCP_SPAN_MAX_VALUE_LENGTH + 1) - value);
}

/* Sets one attribute: @value's union member for @type (a string is
 * copied, cut to NORTH_MCP_SPAN_MAX_VALUE_LENGTH). */
static void
set_value (NorthMcpSpan    *self,
           const char      *key,
           const Attribute *value)
{
  Attribute *attribute;

  g_mutex_lock (&self->lock);
  if (can_change (self) && (attribute = attribute_slot (&self->attributes, key)) != NULL)
    {
      char *key_kept = attribute->key;

      *attribute = *value;
      attribute->key = key_kept;
      if (value->type == VALUE_STRING)
        attribute->string = bounded_string (value->string);
    }
  g_mutex_unlock (&self->lock);
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

  set_value (self, key, &(Attribute) { .type = VALUE_STRING, .string = (char *) value });
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

  set_value (self, key, &(Attribute) { .type = VALUE_INT, .integer = value });
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

  set_value (self, key, &(Attribute) { .type = VALUE_DOUBLE, .number = value });
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

  set_value (self, key, &(Attribute) { .type = VALUE_BOOLEAN, .boolean = !!value });
}

static void
event_add_attribute (JsonObject  *object,
                     const char  *member,
                     JsonNode    *node,
                     gpointer     user_data)
{
  GArray **attributes = user_data;
  Attribute *attribute;

  if (!JSON_NODE_HOLDS_VALUE (node) || (attribute = attribute_slot (attributes, member)) == NULL)
    return;

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_BOOLEAN:
      attribute->type = VALUE_BOOLEAN;
      attribute->boolean = json_node_get_boolean (node);
      break;
    case G_TYPE_INT64:
      attribute->type = VALUE_INT;
      attribute->integer = json_node_get_int (node);
      break;
    case G_TYPE_DOUBLE:
      attribute->type = VALUE_DOUBLE;
      attribute->number = json_node_get_double (node);
      break;
    default:
      attribute->type = VALUE_STRING;
      attribute->string = bounded_string (json_node_get_string (node));
      break;
    }
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
  Event *event;

  g_return_if_fail (NORTH_MCP_IS_SPAN (self));
  g_return_if_fail (name != NULL);

  g_mutex_lock (&self->lock);
  if (can_change (self) && (self->events == NULL || self->events->len < NORTH_MCP_SPAN_MAX_EVENTS))
    {
      event = g_new0 (Event, 1);
      event->name = bounded_string (name);
      event->time_ns = now_ns ();
      if (attributes != NULL)
        json_object_foreach_member (attributes, event_add_attribute, &event->attributes);
      if (self->events == NULL)
        self->events = g_ptr_array_new_with_free_func (event_free);
      g_ptr_array_add (self->events, event);
    }
  g_mutex_unlock (&self->lock);
}

/**
 * north_mcp_span_set_status:
 * @self: a span
 * @status: the status
 * @description: (nullable): why, for %NORTH_MCP_SPAN_STATUS_ERROR
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

  g_mutex_lock (&self->lock);
  if (can_change (self))
    {
      self->status = status;
      g_clear_pointer (&self->status_message, g_free);
      if (status == NORTH_MCP_SPAN_STATUS_ERROR && description != NULL)
        self->status_message = bounded_string (description);
    }
  g_mutex_unlock (&self->lock);
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
  gboolean details;

  g_return_if_fail (NORTH_MCP_IS_SPAN (self));
  g_return_if_fail (type != NULL);

  if (self->tracer == NULL)
    return;

  details = message != NULL && north_mcp_tracer_get_record_error_details (self->tracer);
  north_mcp_span_set_attribute_string (self, "error.type", type);
  north_mcp_span_set_status (self, NORTH_MCP_SPAN_STATUS_ERROR, details ? message : type);
  if (details)
    {
      g_autoptr(JsonObject) attributes = json_object_new ();

      json_object_set_string_member (attributes, "exception.type", type);
      json_object_set_string_member (attributes, "exception.message", message);
      north_mcp_span_add_event (self, "exception", attributes);
    }
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
  gboolean export;

  g_return_if_fail (NORTH_MCP_IS_SPAN (self));

  g_mutex_lock (&self->lock);
  export = !self->ended && self->tracer != NULL;
  if (!self->ended)
    {
      self->ended = TRUE;
      self->end_ns = now_ns ();
    }
  g_mutex_unlock (&self->lock);

  if (export)
    north_mcp_tracer_enqueue (self->tracer, self);
}

/* --- OTLP/JSON ---------------------------------------------------- */

/* Written straight to text, off the request path but once per span: no
 * tree is built. 64-bit integers are strings in OTLP/JSON. */
static void
write_attributes (GString *out,
                  GArray  *attributes)
{
  char number[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_c (out, '[');
  for (guint i = 0; attributes != NULL && i < attributes->len; i++)
    {
      Attribute *attribute = &g_array_index (attributes, Attribute, i);

      if (i > 0)
        g_string_append_c (out, ',');
      g_string_append (out, "{\"key\":");
      north_mcp_json_write_string (out, attribute->key);
      g_string_append (out, ",\"value\":{");
      switch (attribute->type)
        {
        case VALUE_STRING:
          g_string_append (out, "\"stringValue\":");
          north_mcp_json_write_string (out, attribute->string);
          break;
        case VALUE_INT:
          g_string_append_printf (out, "\"intValue\":\"%" G_GINT64_FORMAT "\"", attribute->integer);
          break;
        case VALUE_DOUBLE:
          /* JSON has no NaN or infinities: those go as strings. */
          if (isfinite (attribute->number))
            g_string_append_printf (out, "\"doubleValue\":%s",
                                    g_ascii_dtostr (number, sizeof number, attribute->number));
          else
            g_string_append_printf (out, "\"doubleValue\":\"%s\"",
                                    isnan (attribute->number) ? "NaN"
                                    : attribute->number > 0 ? "Infinity" : "-Infinity");
          break;
        case VALUE_BOOLEAN:
        default:
          g_string_append_printf (out, "\"boolValue\":%s", attribute->boolean ? "true" : "false");
          break;
        }
      g_string_append (out, "}}");
    }
  g_string_append_c (out, ']');
}

/* One OTLP/JSON Span object; the span has ended, so it no longer
 * changes. */
void
north_mcp_span_write_otlp (NorthMcpSpan *self,
                           GString      *out)
{
  char parent[2 * NORTH_MCP_SPAN_ID_SIZE + 1];

  g_string_append_printf (out, "{\"traceId\":\"%s\",\"spanId\":\"%s\"",
                          self->trace_id_hex, self->span_id_hex);
  if (self->has_parent)
    {
      north_mcp_trace_hex (self->parent_span_id, NORTH_MCP_SPAN_ID_SIZE, parent);
      g_string_append_printf (out, ",\"parentSpanId\":\"%s\"", parent);
    }
  if (self->tracestate != NULL)
    {
      g_string_append (out, ",\"traceState\":");
      north_mcp_json_write_string (out, self->tracestate);
    }
  g_string_append (out, ",\"name\":");
  north_mcp_json_write_string (out, self->name);
  g_string_append_printf (out, ",\"kind\":%d,\"startTimeUnixNano\":\"%" G_GINT64_FORMAT "\","
                          "\"endTimeUnixNano\":\"%" G_GINT64_FORMAT "\",\"attributes\":",
                          self->kind, self->start_ns, self->end_ns);
  write_attributes (out, self->attributes);
  if (self->events != NULL)
    {
      g_string_append (out, ",\"events\":[");
      for (guint i = 0; i < self->events->len; i++)
        {
          Event *event = g_ptr_array_index (self->events, i);

          g_string_append_printf (out, "%s{\"timeUnixNano\":\"%" G_GINT64_FORMAT "\",\"name\":",
                                  i > 0 ? "," : "", event->time_ns);
          north_mcp_json_write_string (out, event->name);
          g_string_append (out, ",\"attributes\":");
          write_attributes (out, event->attributes);
          g_string_append_c (out, '}');
        }
      g_string_append_c (out, ']');
    }
  g_string_append_printf (out, ",\"status\":{\"code\":%d", self->status);
  if (self->status_message != NULL)
    {
      g_string_append (out, ",\"message\":");
      north_mcp_json_write_string (out, self->status_message);
    }
  g_string_append (out, "}}");
}
