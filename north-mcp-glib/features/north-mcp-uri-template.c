/* north-mcp-uri-template.c: RFC 6570 level 1 URI templates
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-error.h"
#include "north-mcp-uri-template.h"
#include "north-mcp-util-private.h"

/* Bounds the matching table (parts × URI length bits). */
#define MAX_VARIABLES 64

/**
 * NorthMcpUriTemplate:
 *
 * A URI template of [RFC 6570](https://www.rfc-editor.org/rfc/rfc6570)
 * level 1, as MCP resource templates use: literal text and simple
 * `{name}` expressions, for example `file:///logs/{date}/{name}`.
 *
 * A template matches a URI when its literal parts match exactly and every
 * variable matches a non-empty run of characters without `/`, `?` or `#`;
 * [method@NorthMcp.UriTemplate.match] returns the percent-decoded values.
 * [method@NorthMcp.UriTemplate.expand] does the reverse, percent-encoding
 * every character of a value but the unreserved ones (`A-Z a-z 0-9 - . _ ~`).
 *
 * Expressions of levels 2 to 4 (operators such as `{+path}` or `{?query}`,
 * lists `{a,b}` and modifiers `{name:3}`, `{list*}`) are refused by
 * [ctor@NorthMcp.UriTemplate.new].
 *
 * A template is immutable and reference counted; it can be shared between
 * threads.
 */

typedef struct {
  char  *literal;   /* NULL for a variable */
  gsize  length;    /* of @literal */
  guint  variable;  /* index into the variables */
} Part;

struct _NorthMcpUriTemplate
{
  gatomicrefcount  ref_count;
  char            *template;
  GPtrArray       *variables;  /* unique names, NULL-terminated */
  GArray          *parts;      /* Part */
};

G_DEFINE_BOXED_TYPE (NorthMcpUriTemplate, north_mcp_uri_template,
                     north_mcp_uri_template_ref, north_mcp_uri_template_unref)

static void
part_clear (Part *part)
{
  g_free (part->literal);
}

static gboolean
is_unreserved (guchar c)
{
  return g_ascii_isalnum (c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/* Characters RFC 6570 section 2.1 allows in literals, besides
 * percent-encoded triplets and braces handled by the parser. */
static gboolean
is_literal_char (guchar c)
{
  if (c >= 0x80)
    return TRUE;  /* ucschar / iprivate: part of a valid UTF-8 sequence */
  if (c <= 0x20 || c == 0x7f)
    return FALSE;
  return strchr ("\"'%<>\\^`{|}", c) == NULL;
}

static gboolean
is_pct_encoded (const char *p)
{
  return p[0] == '%' && g_ascii_isxdigit (p[1]) && g_ascii_isxdigit (p[2]);
}

static char *
describe_char (const char *p)
{
  guchar c = *p;

  if (c > 0x20 && c < 0x7f)
    return g_strdup_printf ("'%c'", c);
  if (c < 0x80)
    return g_strdup_printf ("0x%02X", c);
  return g_strdup_printf ("U+%04X", g_utf8_get_char (p));
}

/* Refuses the template, saying why. */
#define template_error(error, ...) \
  north_mcp_set_invalid_argument (error, "Invalid URI template:", __VA_ARGS__)

static void
flush_literal (NorthMcpUriTemplate *self,
               GString             *literal)
{
  Part part = { NULL, 0, 0 };

  if (literal->len == 0)
    return;

  part.length = literal->len;
  part.literal = g_strndup (literal->str, literal->len);
  g_array_append_val (self->parts, part);
  g_string_truncate (literal, 0);
}

static void
add_variable (NorthMcpUriTemplate *self,
              const char          *name,
              gsize                length)
{
  Part part = { NULL, 0, 0 };
  guint n = self->variables->len - 1;  /* minus the NULL terminator */
  guint i;

  for (i = 0; i < n; i++)
    {
      const char *known = g_ptr_array_index (self->variables, i);

      if (strlen (known) == length && memcmp (known, name, length) == 0)
        break;
    }
  if (i == n)
    g_ptr_array_insert (self->variables, n, g_strndup (name, length));

  part.variable = i;
  g_array_append_val (self->parts, part);
}

/* Parses the expression starting at @template + @start (a '{') and returns
 * the offset just past its '}', or 0 on error. */
static gsize
parse_expression (NorthMcpUriTemplate  *self,
                  const char           *template,
                  gsize                 start,
                  GError              **error)
{
  const char *name = template + start + 1;
  const char *p = name;

  if (*p == '+' || *p == '#')
    return template_error (error, "operator '%c' at offset %" G_GSIZE_FORMAT
                           " needs RFC 6570 level 2; only level 1 ({name}) is supported",
                           *p, start + 1);
  if (*p != '\0' && strchr ("./;?&", *p) != NULL)
    return template_error (error, "operator '%c' at offset %" G_GSIZE_FORMAT
                           " needs RFC 6570 level 3; only level 1 ({name}) is supported",
                           *p, start + 1);
  if (*p != '\0' && strchr ("=,!@|", *p) != NULL)
    return template_error (error, "reserved operator '%c' at offset %" G_GSIZE_FORMAT,
                           *p, start + 1);

  for (;; p++)
    {
      gsize offset = p - template;

      if (*p == '}')
        break;
      if (*p == '\0')
        return template_error (error, "unterminated expression at offset %"
                               G_GSIZE_FORMAT " (missing '}')", start);
      if (*p == '{')
        return template_error (error, "'{' inside an expression at offset %"
                               G_GSIZE_FORMAT, offset);
      if (*p == ',')
        return template_error (error, "variable lists at offset %" G_GSIZE_FORMAT
                               " need RFC 6570 level 3; only level 1 ({name}) is supported",
                               offset);
      if (*p == ':' || *p == '*')
        return template_error (error, "modifier '%c' at offset %" G_GSIZE_FORMAT
                               " needs RFC 6570 level 4; only level 1 ({name}) is supported",
                               *p, offset);
      if (*p == '%')
        {
          if (!is_pct_encoded (p))
            return template_error (error, "invalid percent-encoding in variable name at offset %"
                                   G_GSIZE_FORMAT, offset);
          p += 2;
          continue;
        }
      if (*p == '.')
        {
          /* varname = varchar *( ["."] varchar ) */
          if (p == name || p[-1] == '.' || p[1] == '}' || p[1] == '.')
            return template_error (error, "misplaced '.' in variable name at offset %"
                                   G_GSIZE_FORMAT, offset);
          continue;
        }
      if (!g_ascii_isalnum (*p) && *p != '_')
        {
          g_autofree char *what = describe_char (p);

          return template_error (error, "invalid character %s in variable name at offset %"
                                 G_GSIZE_FORMAT, what, offset);
        }
    }

  if (p == name)
    return template_error (error, "empty variable name at offset %" G_GSIZE_FORMAT,
                           start);

  add_variable (self, name, p - name);
  return p - template + 1;
}

static gboolean
parse_template (NorthMcpUriTemplate  *self,
                GError              **error)
{
  const char *template = self->template;
  g_autoptr(GString) literal = g_string_new (NULL);
  guint expressions = 0;
  gsize i = 0;

  if (!g_utf8_validate (template, -1, NULL))
    return template_error (error, "not valid UTF-8");

  while (template[i] != '\0')
    {
      const char *p = template + i;

      if (*p == '{')
        {
          gsize next;

          if (++expressions > MAX_VARIABLES)
            return template_error (error, "more than %u expressions", MAX_VARIABLES);

          flush_literal (self, literal);
          next = parse_expression (self, template, i, error);
          if (next == 0)
            return FALSE;
          i = next;
        }
      else if (*p == '}')
        return template_error (error, "unbalanced '}' at offset %" G_GSIZE_FORMAT, i);
      else if (*p == '%')
        {
          if (!is_pct_encoded (p))
            return template_error (error, "invalid percent-encoding at offset %"
                                   G_GSIZE_FORMAT, i);
          g_string_append_len (literal, p, 3);
          i += 3;
        }
      else if (!is_literal_char (*p))
        {
          g_autofree char *what = describe_char (p);

          return template_error (error, "character %s at offset %" G_GSIZE_FORMAT
                                 " is not allowed in a URI", what, i);
        }
      else
        {
          g_string_append_c (literal, *p);
          i++;
        }
    }
  flush_literal (self, literal);

  return TRUE;
}

/**
 * north_mcp_uri_template_new:
 * @template_: an RFC 6570 level 1 URI template, such as
 *   `test://template/{id}/data`
 * @error: return location for a [struct@GLib.Error]
 *
 * Parses @template_. It fails with %NORTH_MCP_ERROR_INVALID_ARGUMENT when
 * braces are unbalanced or nested, a variable name is empty or invalid
 * (names are made of ASCII letters, digits, `_`, percent-encoded triplets
 * and inner dots), an expression uses an operator, list or modifier of
 * levels 2 to 4, a literal holds a character URIs do not allow (space,
 * quotes, `<`, `>`, `\`, `^`, `` ` ``, `|`, control characters) or a broken
 * percent-encoding, or there are more than 64 expressions.
 *
 * Returns: (transfer full): the template, or %NULL with @error set
 */
NorthMcpUriTemplate *
north_mcp_uri_template_new (const char  *template_,
                            GError     **error)
{
  g_autoptr(NorthMcpUriTemplate) self = NULL;

  g_return_val_if_fail (template_ != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_new0 (NorthMcpUriTemplate, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->template = g_strdup (template_);
  self->variables = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (self->variables, NULL);
  self->parts = g_array_new (FALSE, TRUE, sizeof (Part));
  g_array_set_clear_func (self->parts, (GDestroyNotify) part_clear);

  if (!parse_template (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

/**
 * north_mcp_uri_template_ref:
 * @self: a [struct@NorthMcp.UriTemplate]
 *
 * Adds a reference to @self.
 *
 * Returns: (transfer full): @self
 */
NorthMcpUriTemplate *
north_mcp_uri_template_ref (NorthMcpUriTemplate *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

/**
 * north_mcp_uri_template_unref:
 * @self: (transfer full): a [struct@NorthMcp.UriTemplate]
 *
 * Drops a reference to @self, freeing it when it was the last one.
 */
void
north_mcp_uri_template_unref (NorthMcpUriTemplate *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_free (self->template);
  g_ptr_array_unref (self->variables);
  g_array_unref (self->parts);
  g_free (self);
}

/**
 * north_mcp_uri_template_get_template:
 * @self: a [struct@NorthMcp.UriTemplate]
 *
 * Gets the text the template was made from.
 *
 * Returns: (transfer none): the template text
 */
const char *
north_mcp_uri_template_get_template (NorthMcpUriTemplate *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->template;
}

/**
 * north_mcp_uri_template_get_variables:
 * @self: a [struct@NorthMcp.UriTemplate]
 *
 * Gets the names of the template's variables, each once, in the order they
 * first appear.
 *
 * Returns: (transfer none) (array zero-terminated=1): the variable names
 */
const char * const *
north_mcp_uri_template_get_variables (NorthMcpUriTemplate *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return (const char * const *) self->variables->pdata;
}

static int
pct_byte (const char *p)
{
  return g_ascii_xdigit_value (p[1]) * 16 + g_ascii_xdigit_value (p[2]);
}

/* A percent-encoded unit: one triplet, or all the triplets of one encoded
 * UTF-8 character, so that adjacent variables never split a character
 * (`{a}{b}` against `%C3%A9x` gives a = "é", not a = "%C3"). */
static gsize
pct_unit (const char *uri,
          gsize       p,
          gsize       length)
{
  int lead;
  guint continuations;
  gsize end;

  if (p + 2 >= length || !is_pct_encoded (uri + p))
    return 0;

  lead = pct_byte (uri + p);
  if (lead >= 0xf0 && lead < 0xf8)
    continuations = 3;
  else if (lead >= 0xe0)
    continuations = lead < 0xf0 ? 2 : 0;
  else if (lead >= 0xc0)
    continuations = 1;
  else
    continuations = 0;

  end = p + 3;
  for (guint i = 0; i < continuations; i++, end += 3)
    {
      int next;

      if (end + 2 >= length || !is_pct_encoded (uri + end))
        return 3;
      next = pct_byte (uri + end);
      if (next < 0x80 || next >= 0xc0)
        return 3;  /* not UTF-8: decoding will refuse the value anyway */
    }

  return end - p;
}

/* The length of the value unit at @p (a whole UTF-8 character or a
 * percent-encoded triplet), or 0 if a variable cannot continue there. */
static gsize
value_unit (const char *uri,
            gsize       p,
            gsize       length)
{
  guchar c;

  if (p >= length)
    return 0;
  c = uri[p];
  if (c == '/' || c == '?' || c == '#')
    return 0;
  if (c == '%')
    return pct_unit (uri, p, length);
  return g_utf8_skip[c];
}

/* Percent-decodes @length bytes of @text; NULL unless the result is valid
 * UTF-8 without NUL. */
static char *
decode_value (const char *text,
              gsize       length)
{
  g_autoptr(GString) out = g_string_sized_new (length);

  for (gsize i = 0; i < length; i++)
    {
      if (text[i] == '%')
        {
          int value = pct_byte (text + i);

          if (value == 0)
            return NULL;
          g_string_append_c (out, (char) value);
          i += 2;
        }
      else
        g_string_append_c (out, text[i]);
    }

  if (!g_utf8_validate_len (out->str, out->len, NULL))
    return NULL;

  return g_string_free (g_steal_pointer (&out), FALSE);
}

typedef struct {
  guint8 *bits;
  gsize   columns;
} Table;

static inline gboolean
table_get (Table *table,
           gsize  row,
           gsize  column)
{
  gsize bit = row * table->columns + column;

  return (table->bits[bit / 8] >> (bit % 8)) & 1;
}

static inline void
table_set (Table *table,
           gsize  row,
           gsize  column)
{
  gsize bit = row * table->columns + column;

  table->bits[bit / 8] |= 1 << (bit % 8);
}

/* Fills @table so that (s, p) is set when parts s… match uri[p…]. One pass
 * per part from the end: linear in parts × URI length, whatever the input
 * (a backtracking matcher would be exponential on `{a}{b}{c}…`). */
static void
fill_table (NorthMcpUriTemplate *self,
            const char          *uri,
            gsize                length,
            Table               *table)
{
  guint n_parts = self->parts->len;

  table_set (table, n_parts, length);

  for (guint s = n_parts; s-- > 0;)
    {
      Part *part = &g_array_index (self->parts, Part, s);

      for (gsize p = length + 1; p-- > 0;)
        {
          if (part->literal != NULL)
            {
              if (p + part->length <= length &&
                  table_get (table, s + 1, p + part->length) &&
                  memcmp (uri + p, part->literal, part->length) == 0)
                table_set (table, s, p);
            }
          else
            {
              gsize unit = value_unit (uri, p, length);

              if (unit > 0 && p + unit <= length &&
                  (table_get (table, s + 1, p + unit) || table_get (table, s, p + unit)))
                table_set (table, s, p);
            }
        }
    }
}

/**
 * north_mcp_uri_template_match:
 * @self: a [struct@NorthMcp.UriTemplate]
 * @uri: a URI
 *
 * Matches @uri against the template. Literal parts must match exactly; each
 * variable matches a non-empty run of characters other than `/`, `?` and
 * `#`, whose percent-encoded triplets are decoded. Where adjacent variables
 * make the split ambiguous (`{a}{b}`, `{a}.{b}`), earlier variables take
 * the shortest value. A variable that appears twice must have the same
 * value both times in that split: other splits are not tried, since
 * trying them all is exponential in the variables (`t://{a}-{a}` does not
 * match `t://x-y-x-y`, where the split is a = "x", then "y-x-y").
 *
 * A decoded value is the client's text: `%2F` gives `/`, and `..` or
 * `%2E%2E` give `..`, so check a value before using it as a file name.
 *
 * There is no match when @uri is not valid UTF-8, is longer than
 * %NORTH_MCP_URI_TEMPLATE_MAX_URI_LENGTH, or a value decodes to invalid
 * UTF-8 or contains `%00`.
 *
 * Returns: (transfer full) (nullable) (element-type utf8 utf8): the decoded
 *   value of every variable, or %NULL when @uri does not match
 */
GHashTable *
north_mcp_uri_template_match (NorthMcpUriTemplate *self,
                              const char          *uri)
{
  g_autoptr(GHashTable) values = NULL;
  g_autofree guint8 *bits = NULL;
  Table table;
  gsize length, p = 0;
  guint n_parts;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (uri != NULL, NULL);

  length = strnlen (uri, NORTH_MCP_URI_TEMPLATE_MAX_URI_LENGTH + 1);
  if (length > NORTH_MCP_URI_TEMPLATE_MAX_URI_LENGTH ||
      !g_utf8_validate_len (uri, length, NULL))
    return NULL;

  /* Most templates a server holds do not match: reject on the leading
   * literal before building the table. */
  n_parts = self->parts->len;
  if (n_parts > 0)
    {
      Part *first = &g_array_index (self->parts, Part, 0);

      if (first->literal != NULL &&
          (first->length > length || memcmp (uri, first->literal, first->length) != 0))
        return NULL;
    }

  table.columns = length + 1;
  bits = g_malloc0 (((gsize) (n_parts + 1) * table.columns + 7) / 8);
  table.bits = bits;
  fill_table (self, uri, length, &table);
  if (!table_get (&table, 0, 0))
    return NULL;

  values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint s = 0; s < n_parts; s++)
    {
      Part *part = &g_array_index (self->parts, Part, s);
      const char *name;
      const char *previous;
      char *value;
      gsize end;

      if (part->literal != NULL)
        {
          p += part->length;
          continue;
        }

      /* The shortest value after which the rest still matches. Every
       * position passed on the way continues the variable (see
       * fill_table()), so the value is made of whole units. */
      end = p + value_unit (uri, p, length);
      while (!table_get (&table, s + 1, end))
        end += value_unit (uri, end, length);

      value = decode_value (uri + p, end - p);
      if (value == NULL)
        return NULL;

      name = g_ptr_array_index (self->variables, part->variable);
      previous = g_hash_table_lookup (values, name);
      if (previous != NULL && strcmp (previous, value) != 0)
        {
          g_free (value);
          return NULL;
        }
      g_hash_table_replace (values, g_strdup (name), value);
      p = end;
    }

  return g_steal_pointer (&values);
}

/**
 * north_mcp_uri_template_expand:
 * @self: a [struct@NorthMcp.UriTemplate]
 * @values: (nullable) (element-type utf8 utf8): the variables' values
 *
 * Expands the template: each `{name}` is replaced by its value in @values
 * with every byte but the unreserved characters (`A-Z a-z 0-9 - . _ ~`)
 * percent-encoded; a variable missing from @values expands to nothing, as
 * RFC 6570 says of undefined variables. Literal text is copied unchanged.
 *
 * Returns: (transfer full): the URI
 */
char *
north_mcp_uri_template_expand (NorthMcpUriTemplate *self,
                               GHashTable          *values)
{
  GString *out;

  g_return_val_if_fail (self != NULL, NULL);

  out = g_string_new (NULL);
  for (guint s = 0; s < self->parts->len; s++)
    {
      Part *part = &g_array_index (self->parts, Part, s);
      const char *value;

      if (part->literal != NULL)
        {
          g_string_append_len (out, part->literal, part->length);
          continue;
        }

      value = values != NULL ?
        g_hash_table_lookup (values, g_ptr_array_index (self->variables, part->variable)) :
        NULL;
      if (value == NULL)
        continue;

      for (const guchar *v = (const guchar *) value; *v != '\0'; v++)
        {
          if (is_unreserved (*v))
            g_string_append_c (out, *v);
          else
            g_string_append_printf (out, "%%%02X", *v);
        }
    }

  return g_string_free (out, FALSE);
}
