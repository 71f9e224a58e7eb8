/* north-mcp-variant-schema.c: GVariant types as JSON Schema, and JSON
 * values as GVariants (the mapping is described in the header; the way
 * back is in north-mcp-variant-json.c)
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "north-mcp-variant-schema-private.h"
#include "north-mcp-base64-private.h"
#include "north-mcp-error.h"
#include "north-mcp-util-private.h"

#define VARIANT_TYPE_KEY "$type"
#define VARIANT_VALUE_KEY "$value"

#define VARIANT_RULE \
  "Any JSON value; its D-Bus type follows from it: true/false → b, integer → x, " \
  "other number → d, string → s, array → av, object → a{sv}. " \
  "{\"$type\": \"SIGNATURE\", \"$value\": VALUE} gives a type explicitly."

typedef struct
{
  gint64      min;
  guint64     max;
  const char *name;
} IntRange;

/* The range of integer type @code, one of "ynqiuxt" (the callers' own
 * switches see to that; types with a handle are not served). */
static IntRange
integer_range (char code)
{
  switch (code)
    {
    case 'y': return (IntRange) { 0, G_MAXUINT8, "a byte (y)" };
    case 'n': return (IntRange) { G_MININT16, G_MAXINT16, "an int16 (n)" };
    case 'q': return (IntRange) { 0, G_MAXUINT16, "a uint16 (q)" };
    case 'i': return (IntRange) { G_MININT32, G_MAXINT32, "an int32 (i)" };
    case 'u': return (IntRange) { 0, G_MAXUINT32, "a uint32 (u)" };
    case 'x': return (IntRange) { G_MININT64, G_MAXINT64, "an int64 (x)" };
    case 't': return (IntRange) { 0, G_MAXUINT64, "a uint64 (t)" };
    default: g_return_val_if_reached (((IntRange) { 0, 0, "an integer" }));
    }
}

/* How many containers nest in a value of @type at most (a variant counts
 * as one: what it holds has a type of its own). GLib bounds the recursion:
 * a valid type string nests at most 128 levels. */
static guint
type_depth (const GVariantType *type)
{
  guint deepest = 0;

  if (g_variant_type_is_basic (type))
    return 0;
  if (g_variant_type_is_variant (type))
    return 1;
  if (g_variant_type_is_array (type) || g_variant_type_is_maybe (type))
    return 1 + type_depth (g_variant_type_element (type));
  for (const GVariantType *item = g_variant_type_first (type); item != NULL;
       item = g_variant_type_next (item))
    {
      guint depth = type_depth (item);

      deepest = MAX (deepest, depth);
    }
  return 1 + deepest;
}

gboolean
north_mcp_variant_type_is_supported (const GVariantType *type)
{
  const char *string;
  gsize length;

  if (type == NULL || !g_variant_type_is_definite (type))
    return FALSE;

  string = g_variant_type_peek_string (type);
  length = g_variant_type_get_string_length (type);
  return memchr (string, 'h', length) == NULL && type_depth (type) <= NORTH_MCP_VARIANT_MAX_DEPTH;
}

/* Scans one complete D-Bus type at *@p, moving past it, within D-Bus's
 * rules (stricter than GVariant's): dict entries only as array elements,
 * with a basic key; no empty structure; no maybe; at most 32 arrays and 32
 * structures or dict entries nested. */
static gboolean
scan_dbus_type (const char **p,
                guint        arrays,
                guint        structs)
{
  char c = *(*p)++;

  switch (c)
    {
    case 'y': case 'b': case 'n': case 'q': case 'i': case 'u': case 'x': case 't':
    case 'd': case 's': case 'o': case 'g': case 'h': case 'v':
      return TRUE;
    case 'a':
      if (arrays >= 32)
        return FALSE;
      if (**p != '{')
        return scan_dbus_type (p, arrays + 1, structs);
      (*p)++;
      if (structs >= 32 || **p == '\0' || strchr ("ybnqiuxtdsogh", **p) == NULL)
        return FALSE;
      (*p)++;
      if (!scan_dbus_type (p, arrays + 1, structs + 1) || **p != '}')
        return FALSE;
      (*p)++;
      return TRUE;
    case '(':
      if (structs >= 32 || **p == ')')
        return FALSE;
      while (**p != ')')
        if (!scan_dbus_type (p, arrays, structs + 1))
          return FALSE;
      (*p)++;
      return TRUE;
    default:                    /* the end, m, a stray bracket, * ? r */
      return FALSE;
    }
}

gboolean
north_mcp_variant_is_dbus_signature (const char *text,
                                     gboolean    single)
{
  const char *p = text;

  if (text == NULL || strlen (text) > 255)
    return FALSE;
  if (single)
    return scan_dbus_type (&p, 0, 0) && *p == '\0';
  while (*p != '\0')
    if (!scan_dbus_type (&p, 0, 0))
      return FALSE;
  return TRUE;
}

/* --- schemas ------------------------------------------------------------- */

static JsonObject *schema_for (const GVariantType *type);

static JsonObject *
integer_schema (char code)
{
  JsonObject *schema = json_object_new ();
  IntRange range = integer_range (code);

  if (code == 'x' || code == 't')
    {
      JsonArray *types = json_array_new ();

      json_array_add_string_element (types, "integer");
      json_array_add_string_element (types, "string");
      json_object_set_array_member (schema, "type", types);
      json_object_set_int_member (schema, "minimum",
                                  code == 't' ? 0 : -NORTH_MCP_VARIANT_MAX_SAFE_INTEGER);
      json_object_set_int_member (schema, "maximum", NORTH_MCP_VARIANT_MAX_SAFE_INTEGER);
      json_object_set_string_member (schema, "pattern",
                                     code == 't' ? "^[0-9]{1,20}$" : "^-?[0-9]{1,19}$");
      json_object_set_string_member (schema, "description",
                                     code == 't'
                                     ? "64-bit unsigned integer: a number up to 2^53-1, or a decimal string up to 18446744073709551615"
                                     : "64-bit signed integer: a number within ±(2^53-1), or a decimal string (-9223372036854775808 to 9223372036854775807)");
      return schema;
    }

  json_object_set_string_member (schema, "type", "integer");
  json_object_set_int_member (schema, "minimum", range.min);
  json_object_set_int_member (schema, "maximum", (gint64) range.max);
  return schema;
}

static JsonObject *
string_schema (const char *pattern,
               const char *description)
{
  JsonObject *schema = json_object_new ();

  json_object_set_string_member (schema, "type", "string");
  if (pattern != NULL)
    json_object_set_string_member (schema, "pattern", pattern);
  if (description != NULL)
    json_object_set_string_member (schema, "description", description);
  return schema;
}

static const char *
key_pattern (char code)
{
  switch (code)
    {
    case 'b': return "^(true|false)$";
    case 'y': case 'q': case 'u': case 't': return "^[0-9]+$";
    case 'n': case 'i': case 'x': return "^-?[0-9]+$";
    case 'd': return "^-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?$";
    case 'o': return "^/([A-Za-z0-9_]+(/[A-Za-z0-9_]+)*)?$";
    case 'g': return "^[ybnqiuxtdhsogvam(){}]*$";
    default: return NULL;
    }
}

static JsonObject *
tuple_schema (const GVariantType *type)
{
  JsonObject *schema = json_object_new ();
  JsonArray *prefix = json_array_new ();
  gsize n = g_variant_type_n_items (type);

  for (const GVariantType *item = g_variant_type_first (type); item != NULL;
       item = g_variant_type_next (item))
    json_array_add_object_element (prefix, schema_for (item));

  json_object_set_string_member (schema, "type", "array");
  if (n > 0)
    json_object_set_array_member (schema, "prefixItems", prefix);
  else
    json_array_unref (prefix);
  json_object_set_boolean_member (schema, "items", FALSE);
  json_object_set_int_member (schema, "minItems", n);
  json_object_set_int_member (schema, "maxItems", n);
  return schema;
}

static JsonObject *
array_schema (const GVariantType *type)
{
  const GVariantType *element = g_variant_type_element (type);
  JsonObject *schema = json_object_new ();

  if (g_variant_type_equal (element, G_VARIANT_TYPE_BYTE))
    {
      json_object_set_string_member (schema, "type", "string");
      json_object_set_string_member (schema, "contentEncoding", "base64");
      json_object_set_string_member (schema, "description", "bytes (ay), base64-encoded");
      return schema;
    }

  if (g_variant_type_is_dict_entry (element))
    {
      const GVariantType *key = g_variant_type_key (element);
      const char *pattern = key_pattern (g_variant_type_peek_string (key)[0]);

      json_object_set_string_member (schema, "type", "object");
      if (pattern != NULL)
        {
          JsonObject *names = json_object_new ();

          json_object_set_string_member (names, "pattern", pattern);
          json_object_set_object_member (schema, "propertyNames", names);
        }
      json_object_set_object_member (schema, "additionalProperties",
                                     schema_for (g_variant_type_value (element)));
      return schema;
    }

  json_object_set_string_member (schema, "type", "array");
  json_object_set_object_member (schema, "items", schema_for (element));
  return schema;
}

static JsonObject *
schema_for (const GVariantType *type)
{
  char code = g_variant_type_peek_string (type)[0];
  JsonObject *schema;

  switch (code)
    {
    case 'b':
      schema = json_object_new ();
      json_object_set_string_member (schema, "type", "boolean");
      return schema;
    case 'y': case 'n': case 'q': case 'i': case 'u': case 'x': case 't':
      return integer_schema (code);
    case 'd':
      schema = json_object_new ();
      json_object_set_string_member (schema, "type", "number");
      return schema;
    case 's':
      return string_schema (NULL, NULL);
    case 'o':
      return string_schema (key_pattern ('o'), "a D-Bus object path");
    case 'g':
      return string_schema (key_pattern ('g'), "a D-Bus type signature");
    case 'v':
      schema = json_object_new ();
      json_object_set_string_member (schema, "description", VARIANT_RULE);
      return schema;
    case 'm':
      {
        JsonObject *null_schema = json_object_new ();
        JsonArray *any_of = json_array_new ();

        json_object_set_string_member (null_schema, "type", "null");
        json_array_add_object_element (any_of, schema_for (g_variant_type_element (type)));
        json_array_add_object_element (any_of, null_schema);
        schema = json_object_new ();
        json_object_set_array_member (schema, "anyOf", any_of);
        return schema;
      }
    case 'a':
      return array_schema (type);
    case '(': case '{':
      return tuple_schema (type);
    default:
      g_assert_not_reached ();
    }
}

JsonObject *
north_mcp_variant_type_to_schema (const GVariantType  *type,
                                  GError             **error)
{
  g_return_val_if_fail (type != NULL, NULL);

  if (!north_mcp_variant_type_is_supported (type))
    {
      g_autofree char *string = g_variant_type_dup_string (type);

      g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_NOT_SUPPORTED,
                   "The type '%s' cannot be mapped to JSON (%s)", string,
                   !g_variant_type_is_definite (type) ? "it is not a definite type"
                   : strchr (string, 'h') != NULL ? "file descriptors (h) cannot travel over MCP"
                   : "it nests too deeply");
      return NULL;
    }

  return schema_for (type);
}

/* --- JSON to GVariant ---------------------------------------------------- */

typedef struct
{
  GString *path;
  GError **error;
  guint64 *dbus_size;  /* nullable: the running bound of the D-Bus size */
  gboolean in_fixed;   /* items of an array of fixed-size basic types */
} Converter;

static guint dbus_fixed_size (const GVariantType *type);
static guint64 own_dbus_size (GVariant *value);
static gboolean count_dbus_size (Converter *c, guint64 size);

static GVariant *from_json (Converter *c, const GVariantType *type, JsonNode *node, guint depth);

static const char *
json_kind (JsonNode *node)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT: return "an object";
    case JSON_NODE_ARRAY: return "an array";
    case JSON_NODE_NULL: return "null";
    case JSON_NODE_VALUE:
    default:
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_BOOLEAN: return "a boolean";
        case G_TYPE_STRING: return "a string";
        case G_TYPE_INT64: return "an integer";
        default: return "a number";
        }
    }
}

/* Refuses the value at the converter's path, saying why. */
#define fail(c, ...) north_mcp_set_invalid_argument ((c)->error, (c)->path->str, __VA_ARGS__)

static gboolean
is_value_of (JsonNode *node,
             GType     value_type)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == value_type;
}

static gboolean
in_range (const IntRange *range,
          gboolean        negative,
          guint64         magnitude)
{
  if (negative)
    return magnitude == 0 || (range->min < 0 && magnitude <= (guint64) -(range->min + 1) + 1);
  return magnitude <= range->max;
}

/* Reads an integer from a JSON number (integral, within ±(2^53-1)) or, for
 * 64-bit types, a decimal string. */
static gboolean
read_integer (Converter  *c,
              char        code,
              JsonNode   *node,
              gboolean   *negative,
              guint64    *magnitude)
{
  IntRange range = integer_range (code);
  gboolean wide = code == 'x' || code == 't';


  if (is_value_of (node, G_TYPE_INT64) || is_value_of (node, G_TYPE_DOUBLE))
    {
      double d = json_node_get_double (node);
      gint64 v;

      if (is_value_of (node, G_TYPE_INT64))
        v = json_node_get_int (node);
      else if (d != floor (d) || fabs (d) > (double) NORTH_MCP_VARIANT_MAX_SAFE_INTEGER)
        goto out_of_range;
      else
        v = (gint64) d;

      if (wide && (v > NORTH_MCP_VARIANT_MAX_SAFE_INTEGER || v < -NORTH_MCP_VARIANT_MAX_SAFE_INTEGER))
        {
          fail (c, "must be a decimal string beyond ±(2^53-1), since JSON numbers lose digits there");
          return FALSE;
        }
      *negative = v < 0;
      *magnitude = v < 0 ? (guint64) -(v + 1) + 1 : (guint64) v;
    }
  else if (wide && is_value_of (node, G_TYPE_STRING))
    {
      const char *text = json_node_get_string (node);
      const char *digits = text;
      gsize n;

      *negative = code == 'x' && *text == '-';
      if (*negative)
        digits++;
      n = strspn (digits, "0123456789");
      if (n == 0 || n > 20 || digits[n] != '\0' ||
          !g_ascii_string_to_unsigned (digits, 10, 0, G_MAXUINT64, magnitude, NULL))
        goto out_of_range;
    }
  else
    {
      fail (c, "must be %s %s, got %s", wide ? "a" : "an",
            wide ? "decimal integer (number or string)" : "integer", json_kind (node));
      return FALSE;
    }

  if (!in_range (&range, *negative, *magnitude))
    goto out_of_range;
  return TRUE;

out_of_range:
  fail (c, "must be %s from %" G_GINT64_FORMAT " to %" G_GUINT64_FORMAT,
        range.name, range.min, range.max);
  return FALSE;
}

static GVariant *
integer_variant (char     code,
                 gboolean negative,
                 guint64  magnitude)
{
  gint64 v = negative ? -(gint64) (magnitude - 1) - 1 : (gint64) magnitude;

  switch (code)
    {
    case 'y': return g_variant_new_byte ((guchar) v);
    case 'n': return g_variant_new_int16 ((gint16) v);
    case 'q': return g_variant_new_uint16 ((guint16) v);
    case 'i': return g_variant_new_int32 ((gint32) v);
    case 'u': return g_variant_new_uint32 ((guint32) v);
    case 't': return g_variant_new_uint64 (magnitude);
    default: return g_variant_new_int64 (v);
    }
}

static GVariant *
integer_from_json (Converter *c,
                   char       code,
                   JsonNode  *node)
{
  gboolean negative = FALSE;
  guint64 magnitude = 0;

  if (!read_integer (c, code, node, &negative, &magnitude))
    return NULL;
  return integer_variant (code, negative, magnitude);
}

static GVariant *
string_from_json (Converter *c,
                  char       code,
                  JsonNode  *node)
{
  const char *text;

  if (!is_value_of (node, G_TYPE_STRING))
    {
      fail (c, "must be a string, got %s", json_kind (node));
      return NULL;
    }

  text = json_node_get_string (node);
  switch (code)
    {
    case 'o':
      if (!g_variant_is_object_path (text))
        {
          fail (c, "must be a D-Bus object path like /org/example/Object");
          return NULL;
        }
      return g_variant_new_object_path (text);
    case 'g':
      if (!north_mcp_variant_is_dbus_signature (text, FALSE))
        {
          fail (c, "must be a D-Bus type signature like a{sv}");
          return NULL;
        }
      return g_variant_new_signature (text);
    default:
      return g_variant_new_string (text);
    }
}

/* Dictionary keys arrive as JSON member names; other basic types are read
 * from their text. */
static GVariant *
key_from_string (Converter          *c,
                 const GVariantType *type,
                 const char         *key)
{
  char code = g_variant_type_peek_string (type)[0];
  g_autoptr(JsonNode) node = NULL;

  switch (code)
    {
    case 's': case 'o': case 'g':
      node = json_node_init_string (json_node_alloc (), key);
      return string_from_json (c, code, node);
    case 'b':
      if (g_str_equal (key, "true") || g_str_equal (key, "false"))
        return g_variant_new_boolean (key[0] == 't');
      fail (c, "has the key '%s', which must be true or false", key);
      return NULL;
    case 'd':
      {
        char *end = NULL;
        double d = g_ascii_strtod (key, &end);

        if (*key == '\0' || *end != '\0' || !isfinite (d))
          {
            fail (c, "has the key '%s', which must be a number", key);
            return NULL;
          }
        return g_variant_new_double (d);
      }
    default:
      {
        gboolean negative = FALSE;
        guint64 magnitude = 0;
        /* Read as a 64-bit decimal string, then check the type's range. */
        IntRange range = integer_range (code);

        node = json_node_init_string (json_node_alloc (), key);
        if (!read_integer (c, range.min < 0 ? 'x' : 't', node, &negative, &magnitude))
          {
            /* Replace the message: it is about a key, not a value. */
            g_clear_error (c->error);
            negative = FALSE;
            magnitude = G_MAXUINT64;
          }
        if (!in_range (&range, negative, magnitude))
          {
            fail (c, "has the key '%s', which must be %s from %" G_GINT64_FORMAT
                  " to %" G_GUINT64_FORMAT, key, range.name, range.min, range.max);
            return NULL;
          }
        return integer_variant (code, negative, magnitude);
      }
    }
}

static void
path_push_key (Converter  *c,
               const char *key)
{
  g_string_append_printf (c->path, "['%s']", key);
}

/* Converts item @index of @array, with its place on the path while it
 * converts; on failure the path still names it. */
static GVariant *
item_from_json (Converter          *c,
                const GVariantType *type,
                JsonArray          *array,
                guint               index,
                guint               depth)
{
  gsize length = c->path->len;
  GVariant *item;

  g_string_append_printf (c->path, "[%u]", index);
  item = from_json (c, type, json_array_get_element (array, index), depth + 1);
  if (item != NULL)
    g_string_truncate (c->path, length);
  return item;
}

/* Converts item @index of @array into @builder; clears @builder on failure. */
static gboolean
add_item (Converter          *c,
          GVariantBuilder    *builder,
          const GVariantType *type,
          JsonArray          *array,
          guint               index,
          guint               depth)
{
  GVariant *item = item_from_json (c, type, array, index, depth);

  if (item == NULL)
    {
      g_variant_builder_clear (builder);
      return FALSE;
    }
  g_variant_builder_add_value (builder, item);
  return TRUE;
}

static GVariant *
bytes_from_json (Converter *c,
                 JsonNode  *node)
{
  const char *text;
  g_autofree guchar *data = NULL;
  gsize length = 0;

  if (!is_value_of (node, G_TYPE_STRING))
    {
      fail (c, "must be a base64 string (bytes), got %s", json_kind (node));
      return NULL;
    }
  text = json_node_get_string (node);
  if (*text == '\0')
    return g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, NULL, 0, 1);
  data = north_mcp_base64_decode (text, -1, NORTH_MCP_BASE64_STANDARD, &length);
  if (data == NULL)
    {
      fail (c, "must be valid base64 (bytes)");
      return NULL;
    }
  return g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, data, length, 1);
}

static GVariant *
dict_from_json (Converter          *c,
                const GVariantType *type,
                JsonNode           *node,
                guint               depth)
{
  const GVariantType *entry = g_variant_type_element (type);
  GVariantBuilder builder;
  JsonObjectIter iter;
  const char *key;
  JsonNode *member;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      fail (c, "must be an object, got %s", json_kind (node));
      return NULL;
    }

  g_variant_builder_init (&builder, type);
  json_object_iter_init_ordered (&iter, json_node_get_object (node));
  while (json_object_iter_next_ordered (&iter, &key, &member))
    {
      gsize length = c->path->len;
      GVariant *k, *v;

      path_push_key (c, key);
      k = key_from_string (c, g_variant_type_key (entry), key);
      /* The entry and its key (the value counts itself). */
      if (k != NULL && !count_dbus_size (c, 7 + 4 + 7 + own_dbus_size (k)))
        {
          g_variant_unref (g_variant_ref_sink (k));
          g_variant_builder_clear (&builder);
          return NULL;
        }
      /* Inside the array and its dict entry. */
      v = k != NULL ? from_json (c, g_variant_type_value (entry), member, depth + 2) : NULL;
      if (v == NULL)
        {
          if (k != NULL)
            g_variant_unref (g_variant_ref_sink (k));
          g_variant_builder_clear (&builder);
          return NULL;
        }
      g_variant_builder_add_value (&builder, g_variant_new_dict_entry (k, v));
      g_string_truncate (c->path, length);
    }
  return g_variant_builder_end (&builder);
}

/* An array of fixed-size basic items, made whole from their bytes: the
 * items are not kept as values of their own (which take 30 times their
 * size), and count in the array's D-Bus size. */
static GVariant *
fixed_array_from_json (Converter          *c,
                       const GVariantType *element,
                       JsonArray          *array,
                       guint               depth)
{
  guint n = json_array_get_length (array);
  g_autoptr(GByteArray) data = g_byte_array_new ();
  /* GVariant's sizes: as on D-Bus, but a boolean is one byte. */
  gsize item_size = g_variant_type_equal (element, G_VARIANT_TYPE_BOOLEAN) ? 1 : dbus_fixed_size (element);
  gboolean ok = TRUE;

  c->in_fixed = TRUE;
  for (guint i = 0; ok && i < n; i++)
    {
      g_autoptr(GVariant) item = item_from_json (c, element, array, i, depth);

      if (item == NULL)
        ok = FALSE;
      else
        {
          g_variant_ref_sink (item);
          g_assert (g_variant_get_size (item) == item_size);
          g_byte_array_append (data, g_variant_get_data (item), item_size);
        }
    }
  c->in_fixed = FALSE;
  if (!ok)
    return NULL;
  return g_variant_new_fixed_array (element, n > 0 ? data->data : NULL, n, item_size);
}

static GVariant *
array_from_json (Converter          *c,
                 const GVariantType *type,
                 JsonNode           *node,
                 guint               depth)
{
  const GVariantType *element = g_variant_type_element (type);
  GVariantBuilder builder;
  JsonArray *array;
  guint n;

  if (g_variant_type_equal (element, G_VARIANT_TYPE_BYTE))
    return bytes_from_json (c, node);
  if (g_variant_type_is_dict_entry (element))
    return dict_from_json (c, type, node, depth);

  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      fail (c, "must be an array, got %s", json_kind (node));
      return NULL;
    }

  array = json_node_get_array (node);
  if (dbus_fixed_size (element) > 0)
    return fixed_array_from_json (c, element, array, depth);
  n = json_array_get_length (array);
  g_variant_builder_init (&builder, type);
  for (guint i = 0; i < n; i++)
    if (!add_item (c, &builder, element, array, i, depth))
      return NULL;
  return g_variant_builder_end (&builder);
}

static GVariant *
tuple_from_json (Converter          *c,
                 const GVariantType *type,
                 JsonNode           *node,
                 guint               depth)
{
  gsize n = g_variant_type_n_items (type);
  GVariantBuilder builder;
  JsonArray *array;
  guint i = 0;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      fail (c, "must be an array of %" G_GSIZE_FORMAT " items, got %s", n, json_kind (node));
      return NULL;
    }
  array = json_node_get_array (node);
  if (json_array_get_length (array) != n)
    {
      fail (c, "must be an array of %" G_GSIZE_FORMAT " items, got %u", n,
            json_array_get_length (array));
      return NULL;
    }

  g_variant_builder_init (&builder, type);
  for (const GVariantType *item_type = g_variant_type_first (type); item_type != NULL;
       item_type = g_variant_type_next (item_type), i++)
    if (!add_item (c, &builder, item_type, array, i, depth))
      return NULL;
  return g_variant_builder_end (&builder);
}

/* Whether a value of @type may start @depth containers deep. Checked where
 * a type begins (the top, and inside each variant), on the type rather
 * than the JSON: empty containers count as well. */
static gboolean
fits (Converter          *c,
      const GVariantType *type,
      guint               depth)
{
  if (depth + type_depth (type) <= NORTH_MCP_VARIANT_MAX_DEPTH)
    return TRUE;
  fail (c, "nests deeper than %d levels", NORTH_MCP_VARIANT_MAX_DEPTH);
  return FALSE;
}

/* The type rule of `v`: the JSON value decides, unless it is written
 * {"$type": SIG, "$value": V}. */
static GVariant *
variant_from_json (Converter *c,
                   JsonNode  *node,
                   guint      depth)
{
  const GVariantType *inner;
  JsonNode *value = node;
  g_autoptr(GVariantType) explicit_type = NULL;
  GVariant *child;

  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_NULL:
      fail (c, "is a variant (v) and cannot be null");
      return NULL;
    case JSON_NODE_ARRAY:
      inner = G_VARIANT_TYPE ("av");
      break;
    case JSON_NODE_OBJECT:
      {
        JsonObject *object = json_node_get_object (node);
        JsonNode *type_node = json_object_get_member (object, VARIANT_TYPE_KEY);

        if (type_node != NULL && json_object_get_size (object) == 2 &&
            json_object_has_member (object, VARIANT_VALUE_KEY))
          {
            const char *signature;

            /* A type D-Bus can carry: the value may well travel on it. */
            if (!is_value_of (type_node, G_TYPE_STRING) ||
                !north_mcp_variant_is_dbus_signature (signature = json_node_get_string (type_node), TRUE) ||
                strchr (signature, 'h') != NULL)
              {
                fail (c, "has a \"$type\" that is not a supported D-Bus type (one complete type, "
                      "no maybe, no h, dict entries only in arrays, no empty structure)");
                return NULL;
              }
            explicit_type = g_variant_type_new (signature);
            inner = explicit_type;
            value = json_object_get_member (object, VARIANT_VALUE_KEY);
          }
        else
          inner = G_VARIANT_TYPE_VARDICT;
        break;
      }
    case JSON_NODE_VALUE:
    default:
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_BOOLEAN: inner = G_VARIANT_TYPE_BOOLEAN; break;
        case G_TYPE_STRING: inner = G_VARIANT_TYPE_STRING; break;
        case G_TYPE_INT64: inner = G_VARIANT_TYPE_INT64; break;
        default: inner = G_VARIANT_TYPE_DOUBLE; break;
        }
      /* Any integer (not only within ±(2^53-1)): counted here, as it
       * does not go through from_json(). */
      if (g_variant_type_equal (inner, G_VARIANT_TYPE_INT64))
        return count_dbus_size (c, 7 + 8) ? g_variant_new_variant (g_variant_new_int64 (json_node_get_int (node)))
                                          : NULL;
      break;
    }

  if (!fits (c, inner, depth + 1))
    return NULL;
  child = from_json (c, inner, value, depth + 1);
  return child != NULL ? g_variant_new_variant (child) : NULL;
}

/* What @value adds to a D-Bus message, its parts not counted (they were
 * when made): the same rules as north_mcp_variant_dbus_size_bound(). */
static guint64
own_dbus_size (GVariant *value)
{
  const GVariantType *type = g_variant_get_type (value);
  guint fixed = dbus_fixed_size (type);
  gsize length = 0;

  if (fixed > 0)
    return 7 + fixed;
  switch (g_variant_classify (value))
    {
    case G_VARIANT_CLASS_STRING:
    case G_VARIANT_CLASS_OBJECT_PATH:
      g_variant_get_string (value, &length);
      return 7 + 4 + length + 1;
    case G_VARIANT_CLASS_SIGNATURE:
      g_variant_get_string (value, &length);
      return 7 + 1 + length + 1;
    case G_VARIANT_CLASS_VARIANT:
      {
        g_autoptr(GVariant) child = g_variant_get_variant (value);

        return 7 + 2 + strlen (g_variant_get_type_string (child));
      }
    default:
      /* An array of fixed-size items was made whole: they count here. */
      if (g_variant_type_is_array (type) && (fixed = dbus_fixed_size (g_variant_type_element (type))) > 0)
        return 7 + 4 + 7 + (guint64) g_variant_n_children (value) * fixed;
      return 7 + 4 + 7;
    }
}

/* Counts @size towards the D-Bus size, refusing past the limit. */
static gboolean
count_dbus_size (Converter *c,
                 guint64    size)
{
  if (c->dbus_size == NULL)
    return TRUE;
  *c->dbus_size += size;
  if (*c->dbus_size <= NORTH_MCP_VARIANT_MAX_DBUS_SIZE)
    return TRUE;
  fail (c, "would make the call larger than %d MiB as a D-Bus message", NORTH_MCP_VARIANT_MAX_DBUS_SIZE >> 20);
  return FALSE;
}

static GVariant *from_json_node (Converter *c, const GVariantType *type, JsonNode *node, guint depth);

/* Every value made goes through here and is counted as it is made, so
 * that a conversion past the limit stops there: D-Bus aside, the values
 * take far more memory than the JSON they come from. */
static GVariant *
from_json (Converter          *c,
           const GVariantType *type,
           JsonNode           *node,
           guint               depth)
{
  GVariant *value = from_json_node (c, type, node, depth);

  if (value != NULL && !c->in_fixed && !count_dbus_size (c, own_dbus_size (value)))
    {
      g_variant_unref (g_variant_ref_sink (value));
      return NULL;
    }
  return value;
}

static GVariant *
from_json_node (Converter          *c,
                const GVariantType *type,
                JsonNode           *node,
                guint               depth)
{
  char code = g_variant_type_peek_string (type)[0];

  switch (code)
    {
    case 'b':
      if (!is_value_of (node, G_TYPE_BOOLEAN))
        {
          fail (c, "must be a boolean, got %s", json_kind (node));
          return NULL;
        }
      return g_variant_new_boolean (json_node_get_boolean (node));
    case 'y': case 'n': case 'q': case 'i': case 'u': case 'x': case 't':
      return integer_from_json (c, code, node);
    case 'd':
      if (!is_value_of (node, G_TYPE_DOUBLE) && !is_value_of (node, G_TYPE_INT64))
        {
          fail (c, "must be a number, got %s", json_kind (node));
          return NULL;
        }
      return g_variant_new_double (json_node_get_double (node));
    case 's': case 'o': case 'g':
      return string_from_json (c, code, node);
    case 'v':
      return variant_from_json (c, node, depth);
    case 'm':
      {
        GVariant *child;

        if (JSON_NODE_HOLDS_NULL (node))
          return g_variant_new_maybe (g_variant_type_element (type), NULL);
        child = from_json (c, g_variant_type_element (type), node, depth + 1);
        return child != NULL ? g_variant_new_maybe (NULL, child) : NULL;
      }
    case 'a':
      return array_from_json (c, type, node, depth);
    case '(': case '{':
      return tuple_from_json (c, type, node, depth);
    case 'h':
      fail (c, "is a file descriptor (h), which cannot travel over MCP");
      return NULL;
    default:
      fail (c, "has a type that cannot be made from JSON");
      return NULL;
    }
}

GVariant *
north_mcp_variant_from_json (const GVariantType  *type,
                             JsonNode            *node,
                             const char          *what,
                             GError             **error)
{
  return north_mcp_variant_from_json_sized (type, node, what, NULL, error);
}

GVariant *
north_mcp_variant_from_json_sized (const GVariantType  *type,
                                   JsonNode            *node,
                                   const char          *what,
                                   guint64             *dbus_size,
                                   GError             **error)
{
  g_autoptr(GString) path = g_string_new (what != NULL ? what : "value");
  Converter c = { path, error, dbus_size, FALSE };
  GVariant *value;

  g_return_val_if_fail (type != NULL, NULL);
  g_return_val_if_fail (node != NULL, NULL);

  if (!g_variant_type_is_definite (type))
    {
      g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_NOT_SUPPORTED,
                   "%s has an indefinite type", path->str);
      return NULL;
    }

  if (!fits (&c, type, 0))
    return NULL;
  value = from_json (&c, type, node, 0);
  return value != NULL ? g_variant_ref_sink (value) : NULL;
}

/* --- the size on D-Bus --------------------------------------------------- */

/* The D-Bus size of a basic fixed-size type, 0 for any other. */
static guint
dbus_fixed_size (const GVariantType *type)
{
  switch (g_variant_type_peek_string (type)[0])
    {
    case 'y': return 1;
    case 'n': case 'q': return 2;
    case 'b': case 'i': case 'u': case 'h': return 4;   /* b is 4 bytes on D-Bus */
    case 'x': case 't': case 'd': return 8;
    default: return 0;
    }
}

guint64
north_mcp_variant_dbus_size_bound (GVariant *value)
{
  const GVariantType *type = g_variant_get_type (value);
  guint64 size = own_dbus_size (value);
  gsize n;

  if (g_variant_type_is_variant (type))
    {
      g_autoptr(GVariant) child = g_variant_get_variant (value);

      return size + north_mcp_variant_dbus_size_bound (child);
    }
  /* Arrays of fixed-size basic items count them in their own part. */
  if (g_variant_type_is_basic (type) ||
      (g_variant_type_is_array (type) && dbus_fixed_size (g_variant_type_element (type)) > 0))
    return size;
  n = g_variant_n_children (value);
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) child = g_variant_get_child_value (value, i);

      size += north_mcp_variant_dbus_size_bound (child);
    }
  return size;
}
