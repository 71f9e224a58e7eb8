/* north-mcp-span-data.c: what a span records, and its OTLP/JSON form
 *
 * The request path makes one of these per traced request and no GObject:
 * a NorthMcpSpan wraps one only when user code asks for the span.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "north-mcp-hex-private.h"
#include "north-mcp-span-data-private.h"
#include "north-mcp-tracer-private.h"
#include "north-mcp-otlp-text-private.h"


typedef enum {
  VALUE_STRING,
  VALUE_INT,
  VALUE_DOUBLE,
  VALUE_BOOLEAN,
} ValueType;

/* Keys and string values point into the span's inline text, into static
 * storage (the server's own keys), or to heap copies the attribute owns
 * (flags below). */
typedef struct
{
  const char *key;
  union {
    const char *string;
    gint64      integer;
    double      number;
    gboolean    boolean;
  };
  guint32     key_length;
  guint32     length;           /* of string */
  guint8      type;
  guint8      flags;
} Attribute;

enum {
  OWNS_KEY = 1 << 0,
  OWNS_STRING = 1 << 1,
  ESCAPE_KEY = 1 << 2,          /* needs JSON escapes */
  ESCAPE_STRING = 1 << 3,
};

typedef struct
{
  char   *name;
  gint64  time_ns;
  Attribute *attributes;        /* all owned */
  guint   n_attributes;
  guint   attributes_size;
} Event;

/* What a request's server span holds without a heap allocation. */
#define INLINE_ATTRIBUTES 10
#define INLINE_TEXT 320

/* Allocated with g_atomic_rc_box_new0(): the box counts the references. */
struct _NorthMcpSpanData
{
  NorthMcpTracer      *tracer;  /* NULL: not recording */
  NorthMcpSpanData    *next;    /* in the exporter's queue */
  GMutex               lock;
  const char          *name;    /* in text[] or name_owned */
  char                *name_owned;
  guint                name_length;
  gboolean             name_escape;
  int                  kind;
  NorthMcpTraceParent  context;
  guint8               parent_span_id[NORTH_MCP_SPAN_ID_SIZE];
  gboolean             has_parent;
  char                *tracestate;
  gint                 hex_ready; /* atomic: the two below are written */
  char                 trace_id_hex[2 * NORTH_MCP_TRACE_ID_SIZE + 1];
  char                 span_id_hex[2 * NORTH_MCP_SPAN_ID_SIZE + 1];
  gint64               start_ns;
  gint64               end_ns;
  Attribute           *attributes; /* inline_attributes until it outgrows them */
  guint                n_attributes;
  guint                attributes_size;
  GPtrArray           *events;     /* of Event; made on demand */
  NorthMcpSpanStatus   status;
  char                *status_message;
  gboolean             ended;
  gsize                held;        /* estimated when it ended */
  guint                text_used;
  gpointer             unconfirmed; /* atomic: a static attribute key */
  Attribute            inline_attributes[INLINE_ATTRIBUTES];
  char                 text[INLINE_TEXT];
};

static void
attribute_clear (Attribute *attribute)
{
  if (attribute->flags & OWNS_KEY)
    g_free ((char *) attribute->key);
  if (attribute->type == VALUE_STRING && (attribute->flags & OWNS_STRING))
    g_free ((char *) attribute->string);
}

static void
event_free (gpointer data)
{
  Event *event = data;

  g_free (event->name);
  for (guint i = 0; i < event->n_attributes; i++)
    attribute_clear (&event->attributes[i]);
  g_free (event->attributes);
  g_free (event);
}

static void
span_data_clear (NorthMcpSpanData *self)
{
  g_clear_object (&self->tracer);
  g_mutex_clear (&self->lock);
  g_free (self->name_owned);
  g_free (self->tracestate);
  for (guint i = 0; i < self->n_attributes; i++)
    attribute_clear (&self->attributes[i]);
  if (self->attributes != self->inline_attributes)
    g_free (self->attributes);
  g_clear_pointer (&self->events, g_ptr_array_unref);
  g_free (self->status_message);
}

NorthMcpSpanData *
north_mcp_span_data_ref (NorthMcpSpanData *self)
{
  return g_atomic_rc_box_acquire (self);
}

void
north_mcp_span_data_unref (NorthMcpSpanData *self)
{
  g_atomic_rc_box_release_full (self, (GDestroyNotify) span_data_clear);
}

static gint64
now_ns (void)
{
  return g_get_real_time () * 1000;
}

/* @value cut to NORTH_MCP_SPAN_MAX_VALUE_LENGTH at a character boundary
 * and made valid UTF-8: @value itself when it already is (the common
 * case, with *@copy NULL), else a copy in *@copy. One pass over the
 * bytes when they are plain ASCII. */
static const char *
bounded_string (const char  *value,
                gsize       *length,
                gboolean    *escape,
                char       **copy)
{
  const guchar *p = (const guchar *) value;
  gsize n = 0;

  *copy = NULL;
  while (p[n] >= 0x20 && p[n] < 0x7f && p[n] != '"' && p[n] != '\\' && n <= NORTH_MCP_SPAN_MAX_VALUE_LENGTH)
    n++;
  if (p[n] == '\0')
    {
      *length = n;
      *escape = FALSE;
      return value;
    }
  n = strnlen (value, NORTH_MCP_SPAN_MAX_VALUE_LENGTH + 1);
  if (n > NORTH_MCP_SPAN_MAX_VALUE_LENGTH)
    n = g_utf8_find_prev_char (value, value + NORTH_MCP_SPAN_MAX_VALUE_LENGTH + 1) - value;
  if (!g_utf8_validate_len (value, n, NULL))
    {
      *copy = g_utf8_make_valid (value, n);
      value = *copy;
      n = strlen (value);
    }
  *length = n;
  *escape = !north_mcp_otlp_is_plain (value, n);
  return value;
}

/* A copy of @length bytes of @value, in the span's inline text while it
 * has room (*@owned FALSE), else on the heap. Called with the lock held
 * or before the span is shared. */
static const char *
keep_text (NorthMcpSpanData *self,
           const char   *value,
           gsize         length,
           gboolean     *owned)
{
  char *kept;

  if (length < INLINE_TEXT - self->text_used)
    {
      kept = self->text + self->text_used;
      memcpy (kept, value, length);
      kept[length] = '\0';
      self->text_used += length + 1;
      *owned = FALSE;
      return kept;
    }
  *owned = TRUE;
  return g_strndup (value, length);
}

/* A bounded, valid copy of @value: in @self's inline text while it has
 * room, else on the heap (*@owned); @self NULL: always on the heap. */
static const char *
keep_bounded (NorthMcpSpanData *self,
              const char       *value,
              gsize            *length,
              gboolean         *escape,
              gboolean         *owned)
{
  g_autofree char *copy = NULL;

  value = bounded_string (value, length, escape, &copy);
  if (self != NULL)
    return keep_text (self, value, *length, owned);
  *owned = TRUE;
  return copy != NULL ? g_steal_pointer (&copy) : g_strndup (value, *length);
}

/* Sets @attribute's string value, a bounded copy of @value. */
static void
attribute_keep_string (NorthMcpSpanData *self,
                       Attribute    *attribute,
                       const char   *value)
{
  gsize length;
  gboolean escape, owned;

  attribute->type = VALUE_STRING;
  attribute->string = keep_bounded (self, value, &length, &escape, &owned);
  attribute->length = length;
  attribute->flags |= (owned ? OWNS_STRING : 0) | (escape ? ESCAPE_STRING : 0);
}

/* A fresh slot at the end, with a copy of @key; NULL when full. */
static Attribute *
attribute_append (NorthMcpSpanData  *self,
                  Attribute    **array,
                  guint         *n,
                  guint         *size,
                  const char    *key)
{
  Attribute *attribute;
  gsize length;
  gboolean escape, owned;

  if (*n >= NORTH_MCP_SPAN_MAX_ATTRIBUTES)
    return NULL;
  if (*n == *size)
    {
      Attribute *grown = g_new (Attribute, MIN (2 * *size + 4, NORTH_MCP_SPAN_MAX_ATTRIBUTES));

      if (*n > 0)
        memcpy (grown, *array, *n * sizeof (Attribute));
      if (self == NULL || *array != self->inline_attributes)
        g_free (*array);
      *array = grown;
      *size = MIN (2 * *size + 4, NORTH_MCP_SPAN_MAX_ATTRIBUTES);
    }
  attribute = &(*array)[(*n)++];
  memset (attribute, 0, sizeof *attribute);
  attribute->key = keep_bounded (self, key, &length, &escape, &owned);
  attribute->key_length = length;
  attribute->flags = (owned ? OWNS_KEY : 0) | (escape ? ESCAPE_KEY : 0);
  return attribute;
}

/* The slot of @key: the one already set (its old string value freed) or
 * a new one while there is room. */
static Attribute *
attribute_slot (NorthMcpSpanData  *self,
                Attribute    **array,
                guint         *n,
                guint         *size,
                const char    *key)
{
  for (guint i = 0; i < *n; i++)
    {
      Attribute *attribute = &(*array)[i];

      if (strcmp (attribute->key, key) == 0)
        {
          if (attribute->type == VALUE_STRING && (attribute->flags & OWNS_STRING))
            g_free ((char *) attribute->string);
          attribute->flags &= ~(OWNS_STRING | ESCAPE_STRING);
          return attribute;
        }
    }
  return attribute_append (self, array, n, size, key);
}

/* @tracer NULL or a context without the sampled flag: a span that does
 * not record, but still carries the ids its children continue. @suffix,
 * if not NULL, is appended to @name after a space. */
NorthMcpSpanData *
north_mcp_span_data_new (NorthMcpTracer            *tracer,
                         const char                *name,
                         const char                *suffix,
                         int                        kind,
                         const NorthMcpTraceParent *context,
                         const guint8              *parent_span_id,
                         const char                *tracestate)
{
  NorthMcpSpanData *self = g_atomic_rc_box_new0 (NorthMcpSpanData);
  g_autofree char *copy = NULL, *suffix_copy = NULL;
  gsize length, suffix_length = 0;
  gboolean suffix_escape = FALSE;

  g_mutex_init (&self->lock);
  self->attributes = self->inline_attributes;
  self->attributes_size = INLINE_ATTRIBUTES;
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

  /* "name suffix", each part bounded, in the inline text if it fits. */
  name = bounded_string (name, &length, &self->name_escape, &copy);
  if (suffix != NULL)
    suffix = bounded_string (suffix, &suffix_length, &suffix_escape, &suffix_copy);
  self->name_length = length + (suffix != NULL ? 1 + suffix_length : 0);
  self->name_escape |= suffix_escape;
  if (self->name_length < INLINE_TEXT)
    self->name = self->text;
  else
    self->name = self->name_owned = g_malloc (self->name_length + 1);
  memcpy ((char *) self->name, name, length);
  if (suffix != NULL)
    {
      ((char *) self->name)[length] = ' ';
      memcpy ((char *) self->name + length + 1, suffix, suffix_length);
    }
  ((char *) self->name)[self->name_length] = '\0';
  if (self->name_owned == NULL)
    self->text_used = self->name_length + 1;
  self->start_ns = now_ns ();
  return self;
}

/* The server's own attributes, keys static, plain and distinct: no
 * search, no lock, since the span is not shared yet. */
void
(north_mcp_span_data_add_static_attribute) (NorthMcpSpanData *self,
                                            const char   *static_key,
                                            gsize         key_length,
                                            const char   *value)
{
  Attribute *attribute;

  if (self->n_attributes >= self->attributes_size)
    {
      north_mcp_span_data_set_string (self, static_key, value);
      return;
    }
  attribute = &self->attributes[self->n_attributes++];
  attribute->key = static_key;
  attribute->key_length = key_length;
  attribute->flags = 0;
  attribute_keep_string (self, attribute, value);
}

/* A static name: nothing to copy, nor to free (the old name stays with
 * the span, where a caller may still read it). */
void
north_mcp_span_data_set_static_name (NorthMcpSpanData *self,
                                     const char       *static_name)
{
  g_mutex_lock (&self->lock);
  if (!self->ended)
    {
      self->name = static_name;
      self->name_length = strlen (static_name);
      self->name_escape = !north_mcp_otlp_is_plain (static_name, self->name_length);
    }
  g_mutex_unlock (&self->lock);
}

void
north_mcp_span_data_set_unconfirmed (NorthMcpSpanData *self,
                                     const char       *static_key)
{
  g_atomic_pointer_set (&self->unconfirmed, (gpointer) static_key);
}

const char *
north_mcp_span_data_take_unconfirmed (NorthMcpSpanData *self)
{
  return g_atomic_pointer_exchange (&self->unconfirmed, NULL);
}

const NorthMcpTraceParent *
north_mcp_span_data_get_context (NorthMcpSpanData *self)
{
  return &self->context;
}

const char *
north_mcp_span_data_get_tracestate (NorthMcpSpanData *self)
{
  return self->tracestate;
}

NorthMcpSpanData *
north_mcp_span_data_get_next (NorthMcpSpanData *self)
{
  return self->next;
}

void
north_mcp_span_data_set_next (NorthMcpSpanData *self,
                              NorthMcpSpanData *next)
{
  self->next = next;
}

gsize
north_mcp_span_data_get_held (NorthMcpSpanData *self)
{
  return self->held;
}

/* The ids as hex only when someone asks (a debug line, user code): the
 * exporter writes them from the bytes. */
static void
ensure_hex (NorthMcpSpanData *self)
{
  if (g_atomic_int_get (&self->hex_ready))
    return;
  g_mutex_lock (&self->lock);
  if (!self->hex_ready)
    {
      north_mcp_trace_hex (self->context.trace_id, NORTH_MCP_TRACE_ID_SIZE, self->trace_id_hex);
      north_mcp_trace_hex (self->context.span_id, NORTH_MCP_SPAN_ID_SIZE, self->span_id_hex);
      g_atomic_int_set (&self->hex_ready, TRUE);
    }
  g_mutex_unlock (&self->lock);
}

const char *
north_mcp_span_data_get_name (NorthMcpSpanData *self)
{
  return self->name;
}

const char *
north_mcp_span_data_get_trace_id (NorthMcpSpanData *self)
{
  ensure_hex (self);
  return self->trace_id_hex;
}

const char *
north_mcp_span_data_get_span_id (NorthMcpSpanData *self)
{
  ensure_hex (self);
  return self->span_id_hex;
}

gboolean
north_mcp_span_data_is_recording (NorthMcpSpanData *self)
{
  return self->tracer != NULL;
}

NorthMcpTracer *
north_mcp_span_data_get_tracer (NorthMcpSpanData *self)
{
  return self->tracer;
}

static gboolean
can_change (NorthMcpSpanData *self)
{
  return self->tracer != NULL && !self->ended;
}

/* Sets one attribute: @value's union member for @type (a string is
 * copied, cut to NORTH_MCP_SPAN_MAX_VALUE_LENGTH). */
static void
set_value (NorthMcpSpanData    *self,
           const char      *key,
           const Attribute *value)
{
  Attribute *attribute;

  g_mutex_lock (&self->lock);
  if (can_change (self) &&
      (attribute = attribute_slot (self, &self->attributes, &self->n_attributes,
                                   &self->attributes_size, key)) != NULL)
    {
      if (value->type == VALUE_STRING)
        attribute_keep_string (self, attribute, value->string);
      else
        {
          /* The whole union: C allows reading it through another member. */
          attribute->type = value->type;
          attribute->integer = value->integer;
        }
    }
  g_mutex_unlock (&self->lock);
}

void
north_mcp_span_data_set_string (NorthMcpSpanData *self,
                                const char   *key,
                                const char   *value)
{
  set_value (self, key, &(Attribute) { .type = VALUE_STRING, .string = (char *) value });
}

void
north_mcp_span_data_set_int (NorthMcpSpanData *self,
                             const char   *key,
                             gint64        value)
{
  set_value (self, key, &(Attribute) { .type = VALUE_INT, .integer = value });
}

void
north_mcp_span_data_set_double (NorthMcpSpanData *self,
                                const char   *key,
                                double        value)
{
  set_value (self, key, &(Attribute) { .type = VALUE_DOUBLE, .number = value });
}

void
north_mcp_span_data_set_boolean (NorthMcpSpanData *self,
                                 const char   *key,
                                 gboolean      value)
{
  set_value (self, key, &(Attribute) { .type = VALUE_BOOLEAN, .boolean = !!value });
}

/* A heap copy of @value, bounded and valid. */
static char *
bounded_copy (const char *value)
{
  g_autofree char *copy = NULL;
  gsize length;
  gboolean escape;

  value = bounded_string (value, &length, &escape, &copy);
  return copy != NULL ? g_steal_pointer (&copy) : g_strndup (value, length);
}

static void
event_add_attribute (JsonObject  *object,
                     const char  *member,
                     JsonNode    *node,
                     gpointer     user_data)
{
  Event *event = user_data;
  Attribute *attribute;

  if (!JSON_NODE_HOLDS_VALUE (node) ||
      (attribute = attribute_slot (NULL, &event->attributes, &event->n_attributes,
                                   &event->attributes_size, member)) == NULL)
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
      attribute_keep_string (NULL, attribute, json_node_get_string (node));
      break;
    }
}

void
north_mcp_span_data_add_event (NorthMcpSpanData *self,
                               const char   *name,
                               JsonObject   *attributes)
{
  Event *event;

  g_return_if_fail (name != NULL);

  g_mutex_lock (&self->lock);
  if (can_change (self) && (self->events == NULL || self->events->len < NORTH_MCP_SPAN_MAX_EVENTS))
    {
      event = g_new0 (Event, 1);
      event->name = bounded_copy (name);
      event->time_ns = now_ns ();
      if (attributes != NULL)
        json_object_foreach_member (attributes, event_add_attribute, event);
      if (self->events == NULL)
        self->events = g_ptr_array_new_with_free_func (event_free);
      g_ptr_array_add (self->events, event);
    }
  g_mutex_unlock (&self->lock);
}

void
north_mcp_span_data_set_status (NorthMcpSpanData       *self,
                                NorthMcpSpanStatus  status,
                                const char         *description)
{
  g_mutex_lock (&self->lock);
  if (can_change (self))
    {
      self->status = status;
      g_clear_pointer (&self->status_message, g_free);
      if (status == NORTH_MCP_SPAN_STATUS_ERROR && description != NULL)
        self->status_message = bounded_copy (description);
    }
  g_mutex_unlock (&self->lock);
}

void
north_mcp_span_data_record_error (NorthMcpSpanData *self,
                                  const char   *type,
                                  const char   *message)
{
  gboolean details;

  g_return_if_fail (type != NULL);

  if (self->tracer == NULL)
    return;

  details = message != NULL && north_mcp_tracer_get_record_error_details (self->tracer);
  north_mcp_span_data_set_string (self, "error.type", type);
  north_mcp_span_data_set_status (self, NORTH_MCP_SPAN_STATUS_ERROR, details ? message : type);
  if (details)
    {
      g_autoptr(JsonObject) attributes = json_object_new ();

      json_object_set_string_member (attributes, "exception.type", type);
      json_object_set_string_member (attributes, "exception.message", message);
      north_mcp_span_data_add_event (self, "exception", attributes);
    }
}

/* The heap text @attributes own. */
static gsize
attributes_held (const Attribute *attributes,
                 guint            n)
{
  gsize held = 0;

  for (guint i = 0; i < n; i++)
    {
      if (attributes[i].flags & OWNS_KEY)
        held += attributes[i].key_length + 1;
      if (attributes[i].type == VALUE_STRING && (attributes[i].flags & OWNS_STRING))
        held += attributes[i].length + 1;
    }
  return held;
}

/* What @self holds in memory, roughly (allocator overhead left out): for
 * the exporter's bound on its queue in bytes, once, when the span ends.
 * A request's span is one block, plus what outgrew it: a few additions
 * over its attributes. */
static gsize
estimate_held (NorthMcpSpanData *self)
{
  gsize held = sizeof *self + attributes_held (self->attributes, self->n_attributes);

  if (self->attributes != self->inline_attributes)
    held += self->attributes_size * sizeof (Attribute);
  if (self->name_owned != NULL)
    held += strlen (self->name_owned) + 1;
  if (self->tracestate != NULL)
    held += strlen (self->tracestate) + 1;
  if (self->status_message != NULL)
    held += strlen (self->status_message) + 1;
  for (guint i = 0; self->events != NULL && i < self->events->len; i++)
    {
      Event *event = g_ptr_array_index (self->events, i);

      held += sizeof (gpointer) + sizeof *event + strlen (event->name) + 1 +
              event->attributes_size * sizeof (Attribute) +
              attributes_held (event->attributes, event->n_attributes);
    }
  return held;
}

void
north_mcp_span_data_end (NorthMcpSpanData *self)
{
  gboolean export;


  g_mutex_lock (&self->lock);
  export = !self->ended && self->tracer != NULL;
  if (!self->ended)
    {
      self->ended = TRUE;
      self->end_ns = now_ns ();
      if (export)
        self->held = estimate_held (self);
    }
  g_mutex_unlock (&self->lock);

  if (export)
    north_mcp_tracer_enqueue (self->tracer, self);
}

/* --- OTLP/JSON ---------------------------------------------------- */

/* Written straight to text on the exporter thread, once per span: room
 * for the worst case is reserved once, then bytes are copied with no
 * printf, no tree, no per-piece growth check. 64-bit integers are
 * strings in OTLP/JSON. */

#define ATTRIBUTE_OVERHEAD 96   /* the member names and a number */

static gsize
string_bound (gsize    length,
              gboolean escape)
{
  return escape ? NORTH_MCP_OTLP_ESCAPED_MAX (length) : length;
}

static gsize
attributes_bound (const Attribute *attributes,
                  guint            n)
{
  gsize bound = 2;

  for (guint i = 0; i < n; i++)
    {
      bound += ATTRIBUTE_OVERHEAD + string_bound (attributes[i].key_length, attributes[i].flags & ESCAPE_KEY);
      if (attributes[i].type == VALUE_STRING)
        bound += string_bound (attributes[i].length, attributes[i].flags & ESCAPE_STRING);
    }
  return bound;
}

static char *
put_string (char       *p,
            const char *string,
            gsize       length,
            gboolean    escape)
{
  *p++ = '"';
  if (escape)
    p = north_mcp_otlp_put_escaped (p, string, length);
  else
    {
      memcpy (p, string, length);
      p += length;
    }
  *p++ = '"';
  return p;
}

static char *
put_attributes (char            *p,
                const Attribute *attributes,
                guint            n)
{
  *p++ = '[';
  for (guint i = 0; i < n; i++)
    {
      const Attribute *attribute = &attributes[i];

      if (i > 0)
        *p++ = ',';
      p = NORTH_MCP_OTLP_PUT (p, "{\"key\":");
      p = put_string (p, attribute->key, attribute->key_length, attribute->flags & ESCAPE_KEY);
      switch (attribute->type)
        {
        case VALUE_STRING:
          p = NORTH_MCP_OTLP_PUT (p, ",\"value\":{\"stringValue\":");
          p = put_string (p, attribute->string, attribute->length, attribute->flags & ESCAPE_STRING);
          break;
        case VALUE_INT:
          p = NORTH_MCP_OTLP_PUT (p, ",\"value\":{\"intValue\":\"");
          p = north_mcp_otlp_put_int (p, attribute->integer);
          *p++ = '"';
          break;
        case VALUE_DOUBLE:
          p = NORTH_MCP_OTLP_PUT (p, ",\"value\":{\"doubleValue\":");
          /* JSON has no NaN or infinities: those go as strings. */
          if (isfinite (attribute->number))
            {
              g_ascii_dtostr (p, G_ASCII_DTOSTR_BUF_SIZE, attribute->number);
              p += strlen (p);
            }
          else if (isnan (attribute->number))
            p = NORTH_MCP_OTLP_PUT (p, "\"NaN\"");
          else if (attribute->number > 0)
            p = NORTH_MCP_OTLP_PUT (p, "\"Infinity\"");
          else
            p = NORTH_MCP_OTLP_PUT (p, "\"-Infinity\"");
          break;
        case VALUE_BOOLEAN:
        default:
          p = attribute->boolean ? NORTH_MCP_OTLP_PUT (p, ",\"value\":{\"boolValue\":true")
                                 : NORTH_MCP_OTLP_PUT (p, ",\"value\":{\"boolValue\":false");
          break;
        }
      p = NORTH_MCP_OTLP_PUT (p, "}}");
    }
  *p++ = ']';
  return p;
}

static void
write_events (NorthMcpSpanData *self,
              GString      *out)
{
  char *p = north_mcp_otlp_reserve (out, 16);

  p = NORTH_MCP_OTLP_PUT (p, ",\"events\":[");
  north_mcp_otlp_commit (out, p);
  for (guint i = 0; i < self->events->len; i++)
    {
      Event *event = g_ptr_array_index (self->events, i);
      gsize name_length = strlen (event->name);

      p = north_mcp_otlp_reserve (out, 64 + NORTH_MCP_OTLP_ESCAPED_MAX (name_length) +
                                  attributes_bound (event->attributes, event->n_attributes));
      if (i > 0)
        *p++ = ',';
      p = NORTH_MCP_OTLP_PUT (p, "{\"timeUnixNano\":\"");
      p = north_mcp_otlp_put_int (p, event->time_ns);
      p = NORTH_MCP_OTLP_PUT (p, "\",\"name\":");
      p = put_string (p, event->name, name_length, TRUE);
      p = NORTH_MCP_OTLP_PUT (p, ",\"attributes\":");
      p = put_attributes (p, event->attributes, event->n_attributes);
      *p++ = '}';
      north_mcp_otlp_commit (out, p);
    }
  p = north_mcp_otlp_reserve (out, 1);
  *p++ = ']';
  north_mcp_otlp_commit (out, p);
}

/* One OTLP/JSON Span object; the span has ended, so it no longer
 * changes. */
void
north_mcp_span_data_write_otlp (NorthMcpSpanData *self,
                                GString      *out)
{
  gsize tracestate_length = self->tracestate != NULL ? strlen (self->tracestate) : 0;
  gsize status_length = self->status_message != NULL ? strlen (self->status_message) : 0;
  char *p;

  p = north_mcp_otlp_reserve (out, 256 + NORTH_MCP_OTLP_ESCAPED_MAX (tracestate_length) +
                              string_bound (self->name_length, self->name_escape) +
                              attributes_bound (self->attributes, self->n_attributes));
  p = NORTH_MCP_OTLP_PUT (p, "{\"traceId\":\"");
  p = north_mcp_hex_encode (p, self->context.trace_id, NORTH_MCP_TRACE_ID_SIZE);
  p = NORTH_MCP_OTLP_PUT (p, "\",\"spanId\":\"");
  p = north_mcp_hex_encode (p, self->context.span_id, NORTH_MCP_SPAN_ID_SIZE);
  *p++ = '"';
  if (self->has_parent)
    {
      p = NORTH_MCP_OTLP_PUT (p, ",\"parentSpanId\":\"");
      p = north_mcp_hex_encode (p, self->parent_span_id, NORTH_MCP_SPAN_ID_SIZE);
      *p++ = '"';
    }
  if (self->tracestate != NULL)
    {
      p = NORTH_MCP_OTLP_PUT (p, ",\"traceState\":");
      p = put_string (p, self->tracestate, tracestate_length, TRUE);
    }
  p = NORTH_MCP_OTLP_PUT (p, ",\"name\":");
  p = put_string (p, self->name, self->name_length, self->name_escape);
  p = NORTH_MCP_OTLP_PUT (p, ",\"kind\":");
  p = north_mcp_otlp_put_int (p, self->kind);
  p = NORTH_MCP_OTLP_PUT (p, ",\"startTimeUnixNano\":\"");
  p = north_mcp_otlp_put_int (p, self->start_ns);
  p = NORTH_MCP_OTLP_PUT (p, "\",\"endTimeUnixNano\":\"");
  p = north_mcp_otlp_put_int (p, self->end_ns);
  p = NORTH_MCP_OTLP_PUT (p, "\",\"attributes\":");
  p = put_attributes (p, self->attributes, self->n_attributes);
  north_mcp_otlp_commit (out, p);

  if (self->events != NULL)
    write_events (self, out);

  p = north_mcp_otlp_reserve (out, 48 + NORTH_MCP_OTLP_ESCAPED_MAX (status_length));
  p = NORTH_MCP_OTLP_PUT (p, ",\"status\":{\"code\":");
  p = north_mcp_otlp_put_int (p, self->status);
  if (self->status_message != NULL)
    {
      p = NORTH_MCP_OTLP_PUT (p, ",\"message\":");
      p = put_string (p, self->status_message, status_length, TRUE);
    }
  p = NORTH_MCP_OTLP_PUT (p, "}}");
  north_mcp_otlp_commit (out, p);
}
