/* north-mcp-schema-check.c: checking a value against a compiled schema,
 * within a budget, with messages that name where it fails
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "north-mcp-error.h"
#include "north-mcp-json-writer-private.h"
#include "north-mcp-schema-impl-private.h"
#include "north-mcp-siphash-private.h"
#include "north-mcp-utf8-private.h"
#include "north-mcp-util-private.h"

/* A check may not take more steps than this inside branches (subschemas
 * of `allOf`, `anyOf`, `oneOf` and `$ref`): each branch entered, and each
 * part of the value it walks, is a step. Alternatives that recurse through
 * `$ref` are exponential in the depth, and each alternative may walk the
 * whole value again (a hundred alternatives over a 4 MiB array): without
 * the bound, one request could keep a thread busy for ages. Outside
 * branches, `properties` and `items` cost nothing: walking the value once
 * is linear in it, and the transports bound it. */
#define CHECK_BUDGET (1u << 23)

/* Longest member name and path quoted in an error message. */
#define MAX_NAME_IN_MESSAGE 64
#define MAX_PATH_IN_MESSAGE 256

/* ---------------------------------------------------------------------- */
/* Reading JSON values                                                     */

/* The JSON Schema type of @node: an integer is a number without a
 * fractional part, whatever its spelling (1 and 1.0 both are). */
static TypeMask
node_get_type (JsonNode *node)
{
  Number number;
  GType type;

  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      return TYPE_OBJECT;
    case JSON_NODE_ARRAY:
      return TYPE_ARRAY;
    case JSON_NODE_NULL:
      return TYPE_NULL;
    case JSON_NODE_VALUE:
    default:
      break;
    }

  type = json_node_get_value_type (node);
  if (type == G_TYPE_STRING)
    return TYPE_STRING;
  if (type == G_TYPE_BOOLEAN)
    return TYPE_BOOLEAN;
  if (north_mcp_schema_node_get_number (node, &number))
    {
      if (number.is_int || (isfinite (number.d) && floor (number.d) == number.d))
        return TYPE_INTEGER;
      return TYPE_NUMBER;
    }

  return 0;
}

/* Whether an integer @node (see node_get_type()) is a gint64. The reader
 * makes integers beyond gint64 doubles; the double -2^63 is refused too,
 * as it stands for a literal that rounded to it (-9223372036854775809):
 * the reader reads -9223372036854775808 itself as a gint64. */
static gboolean
fits_int64 (JsonNode *node)
{
  double d;

  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return TRUE;
  d = json_node_get_double (node);
  return d > -9223372036854775808.0 && d < 9223372036854775808.0;
}

static const char *
type_mask_name (TypeMask type)
{
  for (guint i = 0; i < G_N_ELEMENTS (north_mcp_schema_type_names); i++)
    if (north_mcp_schema_type_names[i].mask == type)
      return north_mcp_schema_type_names[i].name;
  return "an unknown type";
}

/* -1, 0 or 1 as @a is below, equal to or above @b. */
static int
number_compare (const Number *a,
                const Number *b)
{
  long double x, y;

  if (a->is_int && b->is_int)
    return (a->i > b->i) - (a->i < b->i);

  /* long double holds every int64 exactly on the platforms we build for. */
  x = a->is_int ? (long double) a->i : (long double) a->d;
  y = b->is_int ? (long double) b->i : (long double) b->d;
  return (x > y) - (x < y);
}

/* JSON equality for `enum` and `const`: numbers compare by value (1 equals
 * 1.0), objects regardless of member order. Depth-limited: deeper values are
 * never equal. */
static gboolean
json_equal (JsonNode *a,
            JsonNode *b,
            guint     depth)
{
  TypeMask type_a, type_b;

  if (depth > NORTH_MCP_SCHEMA_MAX_DEPTH)
    return FALSE;

  type_a = node_get_type (a);
  type_b = node_get_type (b);
  if (type_a == TYPE_INTEGER)
    type_a = TYPE_NUMBER;
  if (type_b == TYPE_INTEGER)
    type_b = TYPE_NUMBER;
  if (type_a != type_b || type_a == 0)
    return FALSE;

  switch (type_a)
    {
    case TYPE_NULL:
      return TRUE;
    case TYPE_BOOLEAN:
      return json_node_get_boolean (a) == json_node_get_boolean (b);
    case TYPE_STRING:
      return g_strcmp0 (json_node_get_string (a), json_node_get_string (b)) == 0;
    case TYPE_NUMBER:
      {
        Number x, y;

        /* Both are numbers (checked above), so both reads succeed. */
        if (!north_mcp_schema_node_get_number (a, &x) || !north_mcp_schema_node_get_number (b, &y))
          return FALSE;
        return number_compare (&x, &y) == 0;
      }
    case TYPE_ARRAY:
      {
        JsonArray *x = json_node_get_array (a);
        JsonArray *y = json_node_get_array (b);
        guint n = json_array_get_length (x);

        if (n != json_array_get_length (y))
          return FALSE;
        for (guint i = 0; i < n; i++)
          if (!json_equal (json_array_get_element (x, i),
                           json_array_get_element (y, i), depth + 1))
            return FALSE;
        return TRUE;
      }
    case TYPE_OBJECT:
      {
        JsonObject *x = json_node_get_object (a);
        JsonObject *y = json_node_get_object (b);
        JsonObjectIter iter;
        const char *name;
        JsonNode *member;

        if (json_object_get_size (x) != json_object_get_size (y))
          return FALSE;
        json_object_iter_init (&iter, x);
        while (json_object_iter_next (&iter, &name, &member))
          {
            JsonNode *other = json_object_get_member (y, name);

            if (other == NULL || !json_equal (member, other, depth + 1))
              return FALSE;
          }
        return TRUE;
      }
    default:
      return FALSE;
    }
}

/* ---------------------------------------------------------------------- */
/* Checking                                                                */

typedef struct {
  const char *name;   /* NULL for an array index */
  guint       index;
} PathSegment;

typedef struct {
  GArray     *path;   /* PathSegment */
  guint       budget;
  guint       branch_depth; /* branches entered and not left */
  const char *root;   /* how messages name the value: "arguments" */
  const char *member; /* and a part of it: "argument " */
  const char *too_complex; /* the message when the budget runs out */
  gboolean    as_sent;  /* a result: checked as our writer sends it */
  char       *aborted;  /* why the whole check stopped, see abort_check() */
  guint32     pattern_budget; /* steps left for matching patterns */
} CheckState;

static void
append_sanitized (GString    *out,
                  const char *name,
                  gsize       max_chars)
{
  const char *p = name;
  gsize n = 0;

  if (!g_utf8_validate (name, -1, NULL))
    {
      g_string_append (out, "(invalid UTF-8)");
      return;
    }

  for (; *p != '\0'; p = g_utf8_next_char (p), n++)
    {
      gunichar c = g_utf8_get_char (p);

      if (n == max_chars)
        {
          g_string_append (out, "…");
          return;
        }
      if (g_unichar_iscntrl (c))
        g_string_append_c (out, '?');
      else
        g_string_append_unichar (out, c);
    }
}

/* "arguments" (state->root) for the root, else "argument 'a.b[2]'"
 * (state->member and the path, with @extra appended
 * as one more member name when not NULL). */
static char *
describe_path (CheckState *state,
               const char *extra)
{
  GString *out;
  gboolean first = TRUE;

  if (state->path->len == 0 && extra == NULL)
    return g_strdup (state->root);

  out = g_string_new (NULL);

  for (guint i = 0; i <= state->path->len; i++)
    {
      const char *name;

      if (out->len > MAX_PATH_IN_MESSAGE)
        {
          g_string_append (out, "…");
          break;
        }

      if (i == state->path->len)
        {
          if (extra == NULL)
            break;
          name = extra;
        }
      else
        {
          PathSegment *segment = &g_array_index (state->path, PathSegment, i);

          if (segment->name == NULL)
            {
              g_string_append_printf (out, "[%u]", segment->index);
              first = FALSE;
              continue;
            }
          name = segment->name;
        }

      if (!first)
        g_string_append_c (out, '.');
      append_sanitized (out, name, MAX_NAME_IN_MESSAGE);
      first = FALSE;
    }

  g_string_prepend (out, "'");
  g_string_prepend (out, state->member);
  g_string_append_c (out, '\'');
  return g_string_free (out, FALSE);
}

G_GNUC_PRINTF (3, 4)
static gboolean
fail (CheckState  *state,
      GError     **error,
      const char  *format,
      ...)
{
  g_autofree char *subject = NULL;
  g_autofree char *rest = NULL;
  va_list args;

  /* Failing alternatives of anyOf/oneOf need no message: skip the work. */
  if (error == NULL)
    return FALSE;

  subject = describe_path (state, NULL);
  va_start (args, format);
  rest = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT,
               "%s %s", subject, rest);
  return FALSE;
}

/* Like fail(), for member @name of the object checked, which @what
 * describes: "missing required argument 'a.b'". */
static gboolean
fail_member (CheckState  *state,
             GError     **error,
             const char  *what,
             const char  *name)
{
  g_autofree char *subject = NULL;

  if (error == NULL)
    return FALSE;
  subject = describe_path (state, name);
  g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT, "%s %s", what, subject);
  return FALSE;
}

static char *
describe_types (guint types)
{
  GString *out = g_string_new (NULL);
  guint n = 0, total = 0;

  /* "integer" is a subset of "number": name only the wider one. */
  if (types & TYPE_NUMBER)
    types &= ~TYPE_INTEGER;

  for (guint i = 0; i < G_N_ELEMENTS (north_mcp_schema_type_names); i++)
    if (types & north_mcp_schema_type_names[i].mask)
      total++;

  for (guint i = 0; i < G_N_ELEMENTS (north_mcp_schema_type_names); i++)
    {
      if (!(types & north_mcp_schema_type_names[i].mask))
        continue;
      if (n > 0)
        g_string_append (out, n + 1 == total ? " or " : ", ");
      g_string_append (out, north_mcp_schema_type_names[i].with_article);
      n++;
    }

  return g_string_free (out, FALSE);
}

static char *
describe_value (JsonNode *value)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;
  GString *out = g_string_new (NULL);

  json_generator_set_root (generator, value);
  text = json_generator_to_data (generator, NULL);
  append_sanitized (out, text, MAX_NAME_IN_MESSAGE);
  return g_string_free (out, FALSE);
}

static gboolean check_node (Node *node, JsonNode *value, CheckState *state,
                            guint depth, GError **error);
static gboolean budget_exhausted (CheckState *state, GError **error);

static gboolean
check_child (Node        *node,
             JsonNode    *value,
             CheckState  *state,
             guint        depth,
             const char  *name,
             guint        index,
             GError     **error)
{
  PathSegment segment = { name, index };
  gboolean ok;

  g_array_append_val (state->path, segment);
  ok = check_node (node, value, state, depth + 1, error);
  g_array_set_size (state->path, state->path->len - 1);

  return ok;
}

/* The shortest text that reads back as the same number. */
static char *
format_number (const Number *number)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  if (number->is_int)
    return g_strdup_printf ("%" G_GINT64_FORMAT, number->i);

  g_ascii_formatd (buffer, sizeof buffer, "%.15g", number->d);
  if (g_ascii_strtod (buffer, NULL) != number->d)
    g_ascii_formatd (buffer, sizeof buffer, "%.17g", number->d);
  return g_strdup (buffer);
}

/* Whether @value is a multiple of @factor (above zero). Exact for
 * integers; for other numbers, within a billionth of @factor (plus the
 * rounding of reading @value) of a multiple, as pydantic does, so that
 * 0.3 is a multiple of 0.1. */
static gboolean
is_multiple (const Number *value,
             const Number *factor)
{
  double remainder, tolerance;

  if (value->is_int && factor->is_int)
    return value->i % factor->i == 0;

  /* fmod() is exact; infinity gives NaN, which is no multiple. */
  remainder = fmod (fabs (value->d), factor->d);
  tolerance = factor->d * 1e-9 + fabs (value->d) * DBL_EPSILON;
  return remainder <= tolerance || factor->d - remainder <= tolerance;
}

static gboolean
check_number (Node        *node,
              JsonNode    *value,
              CheckState  *state,
              GError     **error)
{
  Number number;

  if (!north_mcp_schema_node_get_number (value, &number))
    return TRUE;

  if (node->has_multiple_of && !is_multiple (&number, &node->multiple_of))
    {
      g_autofree char *factor = NULL;

      if (error == NULL)
        return FALSE;
      factor = format_number (&node->multiple_of);
      return fail (state, error, "must be a multiple of %s", factor);
    }

  for (guint i = 0; i < N_BOUNDS; i++)
    {
      g_autofree char *bound = NULL;
      int cmp;

      if (!node->has_bound[i])
        continue;

      cmp = number_compare (&number, &node->bound[i]);
      bound = format_number (&node->bound[i]);

      switch ((BoundKind) i)
        {
        case BOUND_MINIMUM:
          if (cmp < 0)
            return fail (state, error, "must be at least %s", bound);
          break;
        case BOUND_EXCLUSIVE_MINIMUM:
          if (cmp <= 0)
            return fail (state, error, "must be greater than %s", bound);
          break;
        case BOUND_MAXIMUM:
          if (cmp > 0)
            return fail (state, error, "must be at most %s", bound);
          break;
        case BOUND_EXCLUSIVE_MAXIMUM:
          if (cmp >= 0)
            return fail (state, error, "must be less than %s", bound);
          break;
        case N_BOUNDS:
        default:
          g_assert_not_reached ();
        }
    }

  return TRUE;
}

static gboolean
check_count (Node        *node,
             CountKind    min,
             CountKind    max,
             gint64       count,
             const char  *singular,
             const char  *plural,
             CheckState  *state,
             GError     **error)
{
  if (node->count[min] >= 0 && count < node->count[min])
    return fail (state, error, "must have at least %" G_GINT64_FORMAT " %s",
                 node->count[min], node->count[min] == 1 ? singular : plural);
  if (node->count[max] >= 0 && count > node->count[max])
    return fail (state, error, "must have at most %" G_GINT64_FORMAT " %s",
                 node->count[max], node->count[max] == 1 ? singular : plural);
  return TRUE;
}

/* The length in characters of @string as the writer sends it, where a byte
 * that is no UTF-8 (in a handler's result) is one U+FFFD; if @repaired is
 * not NULL, it gets that text when it differs from @string. */
static gint64
sent_length (const char  *string,
             char       **repaired)
{
  GString *out = NULL;
  gint64 length = 0;

  for (const guchar *p = (const guchar *) string; p != NULL && *p != '\0'; length++)
    {
      gsize n = *p < 0x80 ? 1 : north_mcp_utf8_sequence_length (p, G_MAXSIZE);

      if (n == 0 && repaired != NULL && out == NULL)
        out = g_string_new_len (string, (const char *) p - string);
      if (out != NULL && n == 0)
        g_string_append (out, "\xef\xbf\xbd");
      else if (out != NULL)
        g_string_append_len (out, (const char *) p, n);
      p += n > 0 ? n : 1;
    }

  if (repaired != NULL)
    *repaired = out != NULL ? g_string_free (out, FALSE) : NULL;
  return length;
}

/* Stops the whole check, with @message as its error whatever branch it
 * is in: a pattern that PCRE2 gave up on cannot say yes, and retrying it
 * in other alternatives would only spend its limit again. */
static gboolean
abort_check (CheckState  *state,
             char        *message,
             GError     **error)
{
  g_free (state->aborted);
  state->aborted = message;
  state->budget = 0;
  return budget_exhausted (state, error);
}

/* Matches @string against each tier of @pattern in turn, until one gives
 * an answer, each try costing its whole match limit from the check's
 * pattern budget (PCRE2 does not tell how many steps it took). Returns 1
 * for a match, 0 for none, -1 when the last tier gives up too (its error
 * in @match_error) and -2 when the budget runs out first. */
static int
match_within_budget (const Pattern  *pattern,
                     const char     *string,
                     CheckState     *state,
                     GError        **match_error)
{
  for (guint i = 0; i < NORTH_MCP_SCHEMA_PATTERN_TIERS; i++)
    {
      guint32 limit = north_mcp_schema_pattern_tier_limits[i];

      if (state->pattern_budget < limit)
        return -2;
      state->pattern_budget -= limit;

      g_clear_error (match_error);
      if (g_regex_match_full (pattern->tiers[i], string, -1, 0, 0, NULL, match_error))
        return 1;
      if (*match_error == NULL)
        return 0;
    }

  return -1;
}

static gboolean
check_pattern (Node        *node,
               const char  *string,
               CheckState  *state,
               GError     **error)
{
  g_autofree char *repaired = NULL;
  g_autoptr(GError) match_error = NULL;
  g_autoptr(GString) quoted = NULL;
  int matched;

  if (node->bad_pattern != NULL)
    return fail (state, error, "cannot be checked: the schema's pattern %s", node->bad_pattern);

  if (state->as_sent)
    {
      sent_length (string, &repaired);
      if (repaired != NULL)
        string = repaired;
    }

  /* Strings are bounded by the size of the request or result; the tiers'
   * match limits bound the work on each, the budget on all of them. */
  matched = match_within_budget (node->pattern, string, state, &match_error);
  if (matched == 1)
    return TRUE;
  if (matched == -2)
    return abort_check (state,
                        g_strdup_printf ("%s (matching its patterns takes more than %u steps)",
                                         state->too_complex, NORTH_MCP_SCHEMA_PATTERN_BUDGET),
                        error);

  if (matched == 0 && error == NULL)
    return FALSE;

  quoted = g_string_new (NULL);
  append_sanitized (quoted, node->pattern->text, MAX_NAME_IN_MESSAGE);
  if (matched == -1)
    {
      g_autofree char *subject = describe_path (state, NULL);

      return abort_check (state,
                          g_strdup_printf ("%s could not be checked against the pattern %s "
                                           "(the match exceeds PCRE2's limits)",
                                           subject, quoted->str),
                          error);
    }

  return fail (state, error, "must match the pattern %s", quoted->str);
}

static gboolean
check_string (Node        *node,
              JsonNode    *value,
              CheckState  *state,
              GError     **error)
{
  const char *string = json_node_get_string (value);

  if (node->count[COUNT_MIN_LENGTH] >= 0 || node->count[COUNT_MAX_LENGTH] >= 0)
    {
      /* Lengths count characters, not bytes, as the writer sends them. */
      if (!check_count (node, COUNT_MIN_LENGTH, COUNT_MAX_LENGTH, sent_length (string, NULL),
                        "character", "characters", state, error))
        return FALSE;
    }

  if (node->pattern != NULL || node->bad_pattern != NULL)
    return check_pattern (node, string != NULL ? string : "", state, error);

  return TRUE;
}

static gboolean
check_object (Node        *node,
              JsonNode    *value,
              CheckState  *state,
              guint        depth,
              GError     **error)
{
  JsonObject *object = json_node_get_object (value);

  if (!check_count (node, COUNT_MIN_PROPERTIES, COUNT_MAX_PROPERTIES,
                    json_object_get_size (object), "member", "members",
                    state, error))
    return FALSE;

  if (node->required != NULL)
    for (guint i = 0; i < node->required->len; i++)
      {
        const char *name = g_ptr_array_index (node->required, i);

        if (!json_object_has_member (object, name))
          return fail_member (state, error, "missing required", name);
      }

  if (node->property_order != NULL)
    for (guint i = 0; i < node->property_order->len; i++)
      {
        const char *name = g_ptr_array_index (node->property_order, i);
        JsonNode *member = json_object_get_member (object, name);

        if (member != NULL &&
            !check_child (g_hash_table_lookup (node->properties, name), member,
                          state, depth, name, 0, error))
          return FALSE;
      }

  if (node->additional != NULL)
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *member;

      json_object_iter_init (&iter, object);
      while (json_object_iter_next (&iter, &name, &member))
        {
          if (node->properties != NULL &&
              g_hash_table_contains (node->properties, name))
            continue;

          if (node->additional->reject_all)
            return fail_member (state, error, "unknown", name);
          if (!check_child (node->additional, member, state, depth, name, 0, error))
            return FALSE;
        }
    }

  return TRUE;
}

/* One step of the budget per this many bytes of an item's text for
 * `uniqueItems`: like walking it again. */
#define UNIQUE_BYTES_PER_STEP 64

/* `uniqueItems` in linear time, not by comparing pairs: each item is
 * written as the writer sends it, canonically and with numbers by value
 * (1 and 1.0 are equal), and only its SHA-256 digest, keyed with the
 * process's secret key so that clients cannot make digests collide in the
 * hash table, is kept. Two items are equal when their digests are. */
static gboolean
check_unique_items (JsonArray   *array,
                    CheckState  *state,
                    GError     **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (north_mcp_sha256_hash, north_mcp_sha256_equal);
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(GString) text = g_string_new (NULL);
  guint n = json_array_get_length (array);
  /* One allocation for all the digests, not one per item. */
  g_autofree guint8 *digests = g_malloc_n (n, NORTH_MCP_SHA256_LENGTH);

  for (guint i = 0; i < n; i++)
    {
      guint8 *digest = digests + (gsize) i * NORTH_MCP_SHA256_LENGTH;
      gsize length = NORTH_MCP_SHA256_LENGTH;
      gpointer first;

      g_string_truncate (text, 0);
      north_mcp_json_write_by_value (text, json_array_get_element (array, i));

      if (state->branch_depth > 0)
        {
          guint steps = text->len / UNIQUE_BYTES_PER_STEP + 1;

          if (state->budget < steps)
            {
              state->budget = 0;
              return budget_exhausted (state, error);
            }
          state->budget -= steps;
        }

      g_checksum_reset (checksum);
      g_checksum_update (checksum, north_mcp_siphash_process_key (), NORTH_MCP_SIPHASH_KEY_LENGTH);
      g_checksum_update (checksum, (const guchar *) text->str, text->len);
      g_checksum_get_digest (checksum, digest, &length);

      if (g_hash_table_lookup_extended (seen, digest, NULL, &first))
        return fail (state, error, "must have unique items (items %u and %u are equal)",
                     GPOINTER_TO_UINT (first), i);
      g_hash_table_insert (seen, digest, GUINT_TO_POINTER (i));
    }

  return TRUE;
}

static gboolean
check_array (Node        *node,
             JsonNode    *value,
             CheckState  *state,
             guint        depth,
             GError     **error)
{
  JsonArray *array = json_node_get_array (value);
  guint n = json_array_get_length (array);
  guint first = 0;

  if (!check_count (node, COUNT_MIN_ITEMS, COUNT_MAX_ITEMS, n,
                    "item", "items", state, error))
    return FALSE;

  if (node->unique_items && n > 1 && !check_unique_items (array, state, error))
    return FALSE;

  if (node->prefix_items != NULL)
    {
      first = MIN (n, node->prefix_items->len);
      for (guint i = 0; i < first; i++)
        if (!check_child (g_ptr_array_index (node->prefix_items, i),
                          json_array_get_element (array, i),
                          state, depth, NULL, i, error))
          return FALSE;
    }

  if (node->items != NULL)
    for (guint i = first; i < n; i++)
      {
        if (node->items->reject_all)
          return fail (state, error, "must have at most %u %s", first,
                       first == 1 ? "item" : "items");
        if (!check_child (node->items, json_array_get_element (array, i),
                          state, depth, NULL, i, error))
          return FALSE;
      }

  return TRUE;
}

static gboolean
check_enum (Node        *node,
            JsonNode    *value,
            CheckState  *state,
            GError     **error)
{
  if (node->const_value != NULL && !json_equal (value, node->const_value, 0))
    {
      g_autofree char *expected = NULL;

      if (error == NULL)
        return FALSE;
      expected = describe_value (node->const_value);
      return fail (state, error, "must be %s", expected);
    }

  if (node->enum_values != NULL)
    {
      guint n = json_array_get_length (node->enum_values);
      g_autoptr(GString) allowed = NULL;

      for (guint i = 0; i < n; i++)
        if (json_equal (value, json_array_get_element (node->enum_values, i), 0))
          return TRUE;

      if (error == NULL)
        return FALSE;
      allowed = g_string_new (NULL);

      for (guint i = 0; i < n && i < 8; i++)
        {
          g_autofree char *text = describe_value (json_array_get_element (node->enum_values, i));

          g_string_append_printf (allowed, "%s%s", i > 0 ? ", " : "", text);
        }
      if (n > 8)
        g_string_append (allowed, ", …");

      return fail (state, error, "must be one of %s", allowed->str);
    }

  return TRUE;
}

static gboolean
budget_exhausted (CheckState  *state,
                  GError     **error)
{
  g_set_error_literal (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT,
                       state->aborted != NULL ? state->aborted : state->too_complex);
  return FALSE;
}

/* Checks @value against one more subschema of the node at @depth. */
static gboolean
check_branch (Node        *node,
              JsonNode    *value,
              CheckState  *state,
              guint        depth,
              GError     **error)
{
  gboolean ok;

  if (state->budget == 0)
    return budget_exhausted (state, error);
  state->budget--;

  state->branch_depth++;
  ok = check_node (node, value, state, depth + 1, error);
  state->branch_depth--;
  return ok;
}

static gboolean
check_combinators (Node        *node,
                   JsonNode    *value,
                   CheckState  *state,
                   guint        depth,
                   GError     **error)
{
  if (node->all_of != NULL)
    for (guint i = 0; i < node->all_of->len; i++)
      if (!check_branch (g_ptr_array_index (node->all_of, i), value, state,
                         depth, error))
        return FALSE;

  if (node->any_of != NULL)
    {
      g_autoptr(GError) first_error = NULL;

      for (guint i = 0; i < node->any_of->len; i++)
        {
          g_autoptr(GError) local_error = NULL;

          if (check_branch (g_ptr_array_index (node->any_of, i), value, state,
                            depth,
                          error != NULL && first_error == NULL ? &local_error : NULL))
            return TRUE;
          if (state->budget == 0)
            return budget_exhausted (state, error);
          if (first_error == NULL)
            first_error = g_steal_pointer (&local_error);
        }

      if (error == NULL)
        return FALSE;
      return fail (state, error, "matches none of the allowed schemas (%s)",
                   first_error->message);
    }

  if (node->one_of != NULL)
    {
      g_autoptr(GError) first_error = NULL;
      guint matches = 0;

      for (guint i = 0; i < node->one_of->len; i++)
        {
          g_autoptr(GError) local_error = NULL;

          if (check_branch (g_ptr_array_index (node->one_of, i), value, state,
                            depth,
                          error != NULL && first_error == NULL ? &local_error : NULL))
            matches++;
          else if (state->budget == 0)
            return budget_exhausted (state, error);
          else if (first_error == NULL)
            first_error = g_steal_pointer (&local_error);
        }

      if (matches == 0 && error == NULL)
        return FALSE;
      if (matches == 0)
        return fail (state, error, "matches none of the allowed schemas (%s)",
                     first_error->message);
      if (matches > 1)
        return fail (state, error, "matches more than one of the exclusive schemas");
    }

  return TRUE;
}

static gboolean
check_node (Node        *node,
            JsonNode    *value,
            CheckState  *state,
            guint        depth,
            GError     **error)
{
  g_autoptr(JsonNode) sent = NULL;
  TypeMask type;

  /* The writer sends NaN and infinity, which JSON cannot hold, as null:
   * a result that passed with them would not match what the client gets. */
  if (state->as_sent && JSON_NODE_HOLDS_VALUE (value) &&
      json_node_get_value_type (value) == G_TYPE_DOUBLE && !isfinite (json_node_get_double (value)))
    value = sent = json_node_new (JSON_NODE_NULL);

  /* Inside a branch, the walk may be one of many over the same value. */
  if (state->branch_depth > 0)
    {
      if (state->budget == 0)
        return budget_exhausted (state, error);
      state->budget--;
    }

  if (node->too_deep || depth > NORTH_MCP_SCHEMA_MAX_DEPTH)
    return fail (state, error, "is nested too deeply to be checked (the limit is %u levels)",
                 NORTH_MCP_SCHEMA_MAX_DEPTH);

  if (node->reject_all)
    return fail (state, error, "is not allowed");

  type = node_get_type (value);
  if (node->types != 0)
    {
      gboolean ok = (node->types & type) != 0 ||
                    (type == TYPE_INTEGER && (node->types & TYPE_NUMBER));

      if (!ok && error == NULL)
        return FALSE;
      if (!ok)
        {
          g_autofree char *expected = describe_types (node->types);

          return fail (state, error, "must be %s, got %s",
                       expected, type_mask_name (type));
        }
    }

  /* Handlers read "integer" arguments as gint64: 1e30 written as an
   * integer is an integer to JSON Schema, but would reach them wrapped. */
  if (type == TYPE_INTEGER && (node->types & TYPE_INTEGER) && !(node->types & TYPE_NUMBER) &&
      !fits_int64 (value))
    return fail (state, error, "must be an integer from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT,
                 G_MININT64, G_MAXINT64);

  if (!check_enum (node, value, state, error))
    return FALSE;

  switch (type)
    {
    case TYPE_INTEGER:
    case TYPE_NUMBER:
      if (!check_number (node, value, state, error))
        return FALSE;
      break;
    case TYPE_STRING:
      if (!check_string (node, value, state, error))
        return FALSE;
      break;
    case TYPE_OBJECT:
      if (!check_object (node, value, state, depth, error))
        return FALSE;
      break;
    case TYPE_ARRAY:
      if (!check_array (node, value, state, depth, error))
        return FALSE;
      break;
    case TYPE_NULL:
    case TYPE_BOOLEAN:
    default:
      break;
    }

  if (node->ref != NULL && !check_branch (node->ref, value, state, depth, error))
    return FALSE;

  return check_combinators (node, value, state, depth, error);
}

static gboolean
check_value (NorthMcpSchemaChecker  *self,
             JsonNode               *value,
             const char             *root,
             const char             *member,
             const char             *too_complex,
             gboolean                as_sent,
             GError                **error)
{
  g_autoptr(JsonNode) empty = NULL;
  CheckState state = { 0, };
  gboolean ok;
  TypeMask type;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (value == NULL)
    {
      empty = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (empty, json_object_new ());
      value = empty;
    }

  type = node_get_type (value);
  if (type != TYPE_OBJECT)
    {
      g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT,
                   "%s must be an object, got %s", root, type_mask_name (type));
      return FALSE;
    }

  state.path = g_array_new (FALSE, FALSE, sizeof (PathSegment));
  state.budget = CHECK_BUDGET;
  state.pattern_budget = NORTH_MCP_SCHEMA_PATTERN_BUDGET;
  state.root = root;
  state.member = member;
  state.too_complex = too_complex;
  state.as_sent = as_sent;
  ok = check_node (self->root, value, &state, 0, error);
  g_array_unref (state.path);
  g_free (state.aborted);

  return ok;
}

gboolean
north_mcp_schema_checker_check (NorthMcpSchemaChecker  *self,
                                JsonNode               *value,
                                GError                **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return check_value (self, value, "arguments", "argument ",
                      "arguments are too complex to check against the input schema", FALSE, error);
}

gboolean
north_mcp_schema_checker_check_output (NorthMcpSchemaChecker  *self,
                                       JsonNode               *value,
                                       GError                **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);

  return check_value (self, value, "structuredContent", "structuredContent member ",
                      "structuredContent is too complex to check against the output schema",
                      TRUE, error);
}
