/* north-mcp-json-writer.c: compact JSON serialization
 *
 * Every answer is serialized once; json_to_string() builds a JsonGenerator
 * (a GObject) per call and formats through printf. This writes straight
 * into a GString. It also fixes what json-glib 1.6 gets wrong: U+001F is
 * escaped, and doubles such as 1e+21 or inf never come out as invalid
 * JSON ("1e+21.0", "inf.0").
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "north-mcp-hex-private.h"
#include "north-mcp-json-writer-private.h"
#include "north-mcp-utf8-private.h"

/* Appends @n bytes at @text to @out, unless it is NULL (only counting);
 * returns @n. */
static gsize
emit (GString    *out,
      const char *text,
      gsize       n)
{
  if (out != NULL)
    g_string_append_len (out, text, n);
  return n;
}

/* Writes @string escaped to @out (NULL: only counts); returns the bytes
 * written, quotes included. */
static gsize
write_string_to (GString    *out,
                 const char *string)
{
  const guchar *p = (const guchar *) string;
  gsize size = emit (out, "\"", 1);

  while (*p != '\0')
    {
      const guchar *run = p;
      gsize n;

      /* The common case: runs of ASCII bytes that need no escape and of
       * well-formed UTF-8 but for U+2028 and U+2029 (E2 80 A8, E2 80 A9),
       * which end lines in JavaScript. */
      for (;;)
        {
          if (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\')
            p++;
          else if (*p >= 0x80 && (n = north_mcp_utf8_sequence_length (p, G_MAXSIZE)) > 0 &&
                   !(p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)))
            p += n;
          else
            break;
        }
      if (p > run)
        size += emit (out, (const char *) run, p - run);
      if (*p == '\0')
        break;

      if (*p >= 0x80)
        {
          /* JSON text is UTF-8 and our reader refuses anything else: a
           * byte that starts no valid sequence (a Latin-1 text, a cut
           * character) becomes U+FFFD, so that what we write reads back. */
          if (north_mcp_utf8_sequence_length (p, G_MAXSIZE) == 0)
            {
              size += emit (out, "\xef\xbf\xbd", 3);
              p++;
            }
          else
            {
              size += emit (out, p[2] == 0xa8 ? "\\u2028" : "\\u2029", 6);
              p += 3;
            }
          continue;
        }

      switch (*p)
        {
        case '"':  size += emit (out, "\\\"", 2); break;
        case '\\': size += emit (out, "\\\\", 2); break;
        case '\b': size += emit (out, "\\b", 2); break;
        case '\f': size += emit (out, "\\f", 2); break;
        case '\n': size += emit (out, "\\n", 2); break;
        case '\r': size += emit (out, "\\r", 2); break;
        case '\t': size += emit (out, "\\t", 2); break;
        default:
          {
            char escape[6] = { '\\', 'u', '0', '0' };

            north_mcp_hex_encode (escape + 4, p, 1);
            size += emit (out, escape, 6);
          }
          break;
        }
      p++;
    }
  return size + emit (out, "\"", 1);
}

void
north_mcp_json_write_string (GString    *out,
                             const char *string)
{
  write_string_to (out, string);
}

gsize
north_mcp_json_string_size (const char *string)
{
  return write_string_to (NULL, string);
}

static void
write_int (GString *out,
           gint64   value)
{
  char buffer[24];
  char *end = buffer + sizeof buffer;
  char *p = end;
  guint64 magnitude = value < 0 ? (guint64) 0 - (guint64) value : (guint64) value;

  do
    {
      *--p = (char) ('0' + magnitude % 10);
      magnitude /= 10;
    }
  while (magnitude != 0);
  if (value < 0)
    *--p = '-';

  g_string_append_len (out, p, end - p);
}

static void
write_double (GString *out,
              double   value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];
  static const char *formats[] = { "%.15g", "%.16g", "%.17g" };

  if (!isfinite (value))
    {
      g_string_append_len (out, "null", 4);
      return;
    }

  /* The shortest of these that reads back exactly (%.17g always does). */
  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_ascii_formatd (buffer, sizeof buffer, formats[i], value);
      if (g_ascii_strtod (buffer, NULL) == value)
        break;
    }

  g_string_append (out, buffer);
  /* Still a double when read back: 1.0, not 1. */
  if (strpbrk (buffer, ".e") == NULL)
    g_string_append_len (out, ".0", 2);
}

/* How write_node() writes: members by name (else in insertion order),
 * and integral doubles as integers (numbers by value). */
typedef enum {
  WRITE_SORTED   = 1 << 0,
  WRITE_BY_VALUE = 1 << 1,
} WriteFlags;

static void write_node (GString    *out,
                        JsonNode   *node,
                        WriteFlags  flags);

/* Whether write_string_to() writes U+FFFD for a byte of @name. */
static gboolean
has_invalid_utf8 (const char *name)
{
  for (const guchar *p = (const guchar *) name; *p != '\0'; p++)
    if (*p >= 0x80)
      {
        gsize n = north_mcp_utf8_sequence_length (p, G_MAXSIZE);

        if (n == 0)
          return TRUE;
        p += n - 1;
      }
  return FALSE;
}

/* Repeated names. A name that is no UTF-8 (a file name in Latin-1 that a
 * handler made a key) is written with U+FFFD for its bad bytes, which can
 * make it equal to another name of the object ("caf\xe9", "caf\xe8",
 * "caf\uFFFD"): our reader refuses JSON with a repeated name, and other
 * readers keep either member. So a member with such a name is left out
 * when the object has a member of that name as written (which is always
 * written), or another such name was written alike before it.
 * @repaired: the repaired names written, made at the first (objects
 * without one do not pay for it). */
static gboolean
name_is_written (JsonObject  *object,
                 const char  *name,
                 GHashTable **repaired)
{
  GString *text;

  if (!has_invalid_utf8 (name))
    return TRUE;

  /* The name as written, before escapes (which are one-to-one). */
  text = g_string_new (NULL);
  for (const guchar *p = (const guchar *) name; *p != '\0';)
    {
      gsize n = *p < 0x80 ? 1 : north_mcp_utf8_sequence_length (p, G_MAXSIZE);

      if (n == 0)
        {
          g_string_append_len (text, "\xef\xbf\xbd", 3);
          n = 1;
        }
      else
        g_string_append_len (text, (const char *) p, n);
      p += n;
    }

  if (json_object_has_member (object, text->str))
    {
      g_string_free (text, TRUE);
      return FALSE;
    }
  if (*repaired == NULL)
    *repaired = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return g_hash_table_add (*repaired, g_string_free (text, FALSE));
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* WRITE_SORTED: members by name (bytewise), else in insertion order.
 * Sorting costs k log k for k members, which the reader bounds
 * (NORTH_MCP_JSON_MAX_MEMBERS): linear in the size of what it read. */
static void
write_object (GString    *out,
              JsonObject *object,
              WriteFlags  flags)
{
  g_autoptr(GPtrArray) names = NULL;
  g_autoptr(GHashTable) repaired = NULL;
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;
  gboolean first = TRUE;

  if (object == NULL)
    {
      g_string_append_len (out, "{}", 2);
      return;
    }

  g_string_append_c (out, '{');
  if (!(flags & WRITE_SORTED))
    {
      json_object_iter_init_ordered (&iter, object);
      while (json_object_iter_next_ordered (&iter, &name, &member))
        {
          if (!name_is_written (object, name, &repaired))
            continue;
          if (!first)
            g_string_append_c (out, ',');
          first = FALSE;
          north_mcp_json_write_string (out, name);
          g_string_append_c (out, ':');
          write_node (out, member, flags);
        }
      g_string_append_c (out, '}');
      return;
    }

  names = g_ptr_array_sized_new (json_object_get_size (object));
  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &name, &member))
    g_ptr_array_add (names, (gpointer) name);
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      if (!name_is_written (object, g_ptr_array_index (names, i), &repaired))
        continue;
      if (!first)
        g_string_append_c (out, ',');
      first = FALSE;
      north_mcp_json_write_string (out, g_ptr_array_index (names, i));
      g_string_append_c (out, ':');
      write_node (out, json_object_get_member (object, g_ptr_array_index (names, i)), flags);
    }
  g_string_append_c (out, '}');
}

static void
write_array (GString    *out,
             JsonArray  *array,
             WriteFlags  flags)
{
  guint n = array != NULL ? json_array_get_length (array) : 0;

  g_string_append_c (out, '[');
  for (guint i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      write_node (out, json_array_get_element (array, i), flags);
    }
  g_string_append_c (out, ']');
}

static void
write_node (GString    *out,
            JsonNode   *node,
            WriteFlags  flags)
{
  if (node == NULL)
    {
      g_string_append_len (out, "null", 4);
      return;
    }

  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      write_object (out, json_node_get_object (node), flags);
      break;

    case JSON_NODE_ARRAY:
      write_array (out, json_node_get_array (node), flags);
      break;

    case JSON_NODE_VALUE:
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_INT64:
          write_int (out, json_node_get_int (node));
          break;
        case G_TYPE_DOUBLE:
          {
            double d = json_node_get_double (node);

            /* By value, 1.0 is the integer 1 (and -0.0 is 0). */
            if ((flags & WRITE_BY_VALUE) && d >= -9223372036854775808.0 &&
                d < 9223372036854775808.0 && floor (d) == d)
              write_int (out, (gint64) d);
            else
              write_double (out, d);
          }
          break;
        case G_TYPE_BOOLEAN:
          if (json_node_get_boolean (node))
            g_string_append_len (out, "true", 4);
          else
            g_string_append_len (out, "false", 5);
          break;
        case G_TYPE_STRING:
          north_mcp_json_write_string (out, json_node_get_string (node) != NULL ? json_node_get_string (node) : "");
          break;
        default:
          /* JsonNode holds no other value types. */
          g_string_append_len (out, "null", 4);
          break;
        }
      break;

    case JSON_NODE_NULL:
    default:
      g_string_append_len (out, "null", 4);
      break;
    }
}

void
north_mcp_json_write_object (GString    *out,
                             JsonObject *object)
{
  write_object (out, object, 0);
}

void
north_mcp_json_write_array (GString   *out,
                            JsonArray *array)
{
  write_array (out, array, 0);
}

void
north_mcp_json_write (GString  *out,
                      JsonNode *node)
{
  g_return_if_fail (out != NULL);

  write_node (out, node, 0);
}

void
north_mcp_json_write_canonical (GString  *out,
                                JsonNode *node)
{
  g_return_if_fail (out != NULL);

  write_node (out, node, WRITE_SORTED);
}

void
north_mcp_json_write_by_value (GString  *out,
                               JsonNode *node)
{
  g_return_if_fail (out != NULL);

  write_node (out, node, WRITE_SORTED | WRITE_BY_VALUE);
}

gboolean
north_mcp_json_nests_deeper_than (JsonNode *node,
                                  guint     max_depth)
{
  if (node == NULL)
    return FALSE;

  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObjectIter iter;
        JsonNode *member;

        if (max_depth == 0)
          return TRUE;
        json_object_iter_init (&iter, json_node_get_object (node));
        while (json_object_iter_next (&iter, NULL, &member))
          if (north_mcp_json_nests_deeper_than (member, max_depth - 1))
            return TRUE;
        return FALSE;
      }

    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);
        guint n = json_array_get_length (array);

        if (max_depth == 0)
          return TRUE;
        for (guint i = 0; i < n; i++)
          if (north_mcp_json_nests_deeper_than (json_array_get_element (array, i), max_depth - 1))
            return TRUE;
        return FALSE;
      }

    case JSON_NODE_VALUE:
    case JSON_NODE_NULL:
    default:
      return FALSE;
    }
}

/* The size of @node as north_mcp_json_size_up_to() counts it, and
 * @node_cost more for each node of the tree. */
static gsize
json_cost_up_to (JsonNode *node,
                 gsize     limit,
                 gsize     node_cost)
{
  g_autoptr(GPtrArray) stack = g_ptr_array_new ();
  gsize size = 0;

  if (node == NULL)
    return 0;

  g_ptr_array_add (stack, node);
  while (stack->len > 0 && size <= limit)
    {
      JsonNode *current = g_ptr_array_steal_index_fast (stack, stack->len - 1);

      size += node_cost;
      switch (json_node_get_node_type (current))
        {
        case JSON_NODE_OBJECT:
          {
            JsonObjectIter iter;
            const char *name;
            JsonNode *member;

            size += 2; /* {} */
            json_object_iter_init (&iter, json_node_get_object (current));
            while (size <= limit && json_object_iter_next (&iter, &name, &member))
              {
                size += strlen (name) + 4; /* "name": and a comma */
                g_ptr_array_add (stack, member);
              }
          }
          break;

        case JSON_NODE_ARRAY:
          {
            JsonArray *array = json_node_get_array (current);
            guint n = json_array_get_length (array);

            size += 2; /* [] */
            for (guint i = 0; i < n && size <= limit; i++)
              {
                size += 1; /* a comma */
                g_ptr_array_add (stack, json_array_get_element (array, i));
              }
          }
          break;

        case JSON_NODE_VALUE:
          if (json_node_get_value_type (current) == G_TYPE_STRING)
            size += strlen (json_node_get_string (current)) + 2;
          else
            size += 24; /* the longest number; true, false */
          break;

        case JSON_NODE_NULL:
        default:
          size += 4;
          break;
        }
    }

  return size;
}

/* What bounds what a client may have the server keep (a session's
 * declarations, a listen stream's request): see the header. */
gsize
north_mcp_json_size_up_to (JsonNode *node,
                           gsize     limit)
{
  return json_cost_up_to (node, limit, 0);
}

gsize
north_mcp_json_footprint_up_to (JsonNode *node,
                                gsize     limit)
{
  return json_cost_up_to (node, limit, NORTH_MCP_JSON_NODE_FOOTPRINT);
}
