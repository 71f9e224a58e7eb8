/* north-mcp-schema.c: compiling an input or output schema into a checker
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "north-mcp-error.h"
#include "north-mcp-schema-impl-private.h"

const TypeName north_mcp_schema_type_names[7] = {
  { "string",  "a string",    TYPE_STRING },
  { "integer", "an integer",  TYPE_INTEGER },
  { "number",  "a number",    TYPE_NUMBER },
  { "boolean", "a boolean",   TYPE_BOOLEAN },
  { "object",  "an object",   TYPE_OBJECT },
  { "array",   "an array",    TYPE_ARRAY },
  { "null",    "null",        TYPE_NULL },
};

static const char *bound_keywords[N_BOUNDS] = {
  "minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum",
};

static const char *count_keywords[N_COUNTS] = {
  "minLength", "maxLength", "minItems", "maxItems",
  "minProperties", "maxProperties",
};

typedef struct {
  Node     *node;
  JsonNode *target;
} RefWork;

static void node_free (Node *node);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Node, node_free)

static void
node_free (Node *node)
{
  if (node == NULL)
    return;

  g_clear_pointer (&node->enum_values, json_array_unref);
  g_clear_pointer (&node->const_value, json_node_unref);
  g_clear_pointer (&node->bad_pattern, g_free);
  g_clear_pointer (&node->property_order, g_ptr_array_unref);
  g_clear_pointer (&node->properties, g_hash_table_unref);
  g_clear_pointer (&node->required, g_ptr_array_unref);
  g_clear_pointer (&node->additional, node_free);
  g_clear_pointer (&node->prefix_items, g_ptr_array_unref);
  g_clear_pointer (&node->items, node_free);
  g_clear_pointer (&node->all_of, g_ptr_array_unref);
  g_clear_pointer (&node->any_of, g_ptr_array_unref);
  g_clear_pointer (&node->one_of, g_ptr_array_unref);
  g_free (node);
}

static Node *
node_new (void)
{
  Node *node = g_new0 (Node, 1);

  for (guint i = 0; i < N_COUNTS; i++)
    node->count[i] = -1;

  return node;
}

/* ---------------------------------------------------------------------- */
/* Reading JSON values                                                     */

gboolean
north_mcp_schema_node_get_number (JsonNode *node,
                                  Number   *out)
{
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    {
      out->is_int = TRUE;
      out->i = json_node_get_int (node);
      out->d = (double) out->i;
      return TRUE;
    }
  if (type == G_TYPE_DOUBLE)
    {
      out->is_int = FALSE;
      out->d = json_node_get_double (node);
      out->i = 0;
      /* json-glib reads 1e400 as infinity: still a number, just huge. */
      return !isnan (out->d);
    }

  return FALSE;
}

/* Reads a non-negative integer keyword; anything else is ignored. */
static gint64
read_count (JsonObject *schema,
            const char *keyword)
{
  JsonNode *member = json_object_get_member (schema, keyword);
  Number number;

  if (!north_mcp_schema_node_get_number (member, &number))
    return -1;
  if (number.is_int)
    return number.i >= 0 ? number.i : -1;
  if (number.d >= 0 && (isinf (number.d) || floor (number.d) == number.d))
    return number.d >= (double) G_MAXINT64 ? G_MAXINT64 : (gint64) number.d;
  return -1;
}

/* ---------------------------------------------------------------------- */
/* Compiling                                                               */

static Node *compile_node (NorthMcpSchemaChecker *c, JsonNode *schema, guint depth);

/* Longest compile error of a `pattern` kept for messages, in characters. */
#define MAX_PATTERN_ERROR 200

const guint32 north_mcp_schema_pattern_tier_limits[NORTH_MCP_SCHEMA_PATTERN_TIERS] = {
  1000, 10000, 100000, 1000000, 10000000,
};

static void
pattern_free (Pattern *pattern)
{
  g_free (pattern->text);
  for (guint i = 0; i < NORTH_MCP_SCHEMA_PATTERN_TIERS; i++)
    g_clear_pointer (&pattern->tiers[i], g_regex_unref);
  g_free (pattern);
}

/* Whether @text recurses into the whole pattern ((?R), (?0), \g<0>…),
 * which would take our wrapper in (see compile_pattern()). Also true for
 * such text escaped or in a class: a false alarm refuses the pattern,
 * never the other way. ECMA-262 has no recursion. */
static gboolean
recurses_into_whole (const char *text)
{
  static const char *forms[] = { "(?R", "(?0", "(?+0", "(?-0", "g<0>", "g'0'", "g<+0>", "g'+0'", "g<-0>", "g'-0'" };

  for (gsize i = 0; i < G_N_ELEMENTS (forms); i++)
    if (strstr (text, forms[i]) != NULL)
      return TRUE;
  return FALSE;
}

/* ECMA-262's word characters, and its \b and \B in terms of them. */
#define WORD "[0-9A-Z_a-z]"
#define WORD_BOUNDARY "(?:(?<=" WORD ")(?!" WORD ")|(?<!" WORD ")(?=" WORD "))"
#define NOT_WORD_BOUNDARY "(?:(?<=" WORD ")(?=" WORD ")|(?<!" WORD ")(?!" WORD "))"

/* Whether @option (`i`, `x`) is on after the @n option letters at
 * @options ((?i), (?-i), (?^), (?ix:…)), from @on before them. */
static gboolean
option_after (gboolean    on,
              char        option,
              const char *options,
              gsize       n)
{
  gboolean setting = TRUE;

  for (gsize i = 0; i < n; i++)
    {
      if (options[i] == '^')
        on = FALSE;
      else if (options[i] == '-')
        setting = FALSE;
      else if (options[i] == option)
        on = setting;
    }
  return on;
}

/* Whether @p starts a verb ((*FAIL), (*MARK:NAME), (*:NAME)), whose name
 * may hold anything but `)`, not (*atomic:…) and the like, which are
 * groups. */
static gboolean
is_verb (const char *p)
{
  gsize n;

  if (p[0] != '(' || p[1] != '*')
    return FALSE;
  n = strspn (p + 2, "abcdefghijklmnopqrstuvwxyz_");
  return n == 0 || p[2 + n] != ':';
}

/* @text with \d, \D, \w, \W, \b and \B as ECMA-262 has them (ASCII),
 * since GRegex makes them Unicode-aware (PCRE2_UCP): outside a character
 * class, a class or assertion of their own; inside one, the ranges that
 * make them up. Escaped backslashes, \Q…\E, (?#…) and POSIX classes
 * ([:digit:]), verbs ((*MARK:…)) are copied as they are; \b in a class
 * is a backspace. The replacements add no capturing group. UTF-8 needs no
 * care: no byte of a multibyte character is ASCII. (?i) folds case as
 * ECMA-262 does with the `u` flag: U+212A (Kelvin sign) is a `k`, U+017F
 * (long s) an `s`, so \W in a class under (?i) leaves them out, which
 * takes following (?i) through the groups.
 *
 * NULL if @text turns on PCRE2's extended syntax, (?x), where `#` starts
 * a comment (up to a newline) that this does not tell; until the first
 * (?x) outside a class, quote or comment, the text is read as PCRE2 reads
 * it. */
static char *
ascii_classes (const char *text)
{
  GString *out = g_string_sized_new (strlen (text) + 16);
  g_autoptr(GString) groups = g_string_new (NULL);  /* caseless or not, per group open */
  gboolean in_class = FALSE;
  gboolean caseless = FALSE;
  const char *p = text;

  while (*p != '\0')
    {
      const char *copy_to = p + 1;

      if (*p == '\\' && p[1] != '\0')
        {
          const char *replacement = NULL;

          copy_to = p + 2;
          switch (p[1])
            {
            case 'd':
              replacement = in_class ? "0-9" : "[0-9]";
              break;
            case 'D':
              replacement = in_class ? "\\x00-/:-\\x{10ffff}" : "[^0-9]";
              break;
            case 'w':
              replacement = in_class ? "0-9A-Z_a-z" : WORD;
              break;
            case 'W':
              /* Under (?i), U+017F and U+212A would bring in `s` and `k`. */
              if (!in_class)
                replacement = "[^0-9A-Z_a-z]";
              else if (caseless)
                replacement = "\\x00-/:-@\\[-\\^`{-\\x{17e}\\x{180}-\\x{2129}\\x{212b}-\\x{10ffff}";
              else
                replacement = "\\x00-/:-@\\[-\\^`{-\\x{10ffff}";
              break;
            case 'b':
              replacement = in_class ? NULL : WORD_BOUNDARY;
              break;
            case 'B':
              replacement = in_class ? NULL : NOT_WORD_BOUNDARY;
              break;
            case 'Q':
              copy_to = strstr (p + 2, "\\E");
              copy_to = copy_to != NULL ? copy_to + 2 : p + strlen (p);
              break;
            case 'c':
              /* \c and any character: a control character. */
              copy_to += p[2] != '\0';
              break;
            default:
              break;
            }
          if (replacement != NULL)
            {
              g_string_append (out, replacement);
              p += 2;
              continue;
            }
        }
      else if (!in_class && (g_str_has_prefix (p, "(?#") || is_verb (p)))
        {
          /* Up to the first `)`, whatever comes before. */
          copy_to = strchr (p, ')');
          copy_to = copy_to != NULL ? copy_to + 1 : p + strlen (p);
        }
      else if (!in_class && *p == '(')
        {
          gsize n = p[1] == '?' ? strspn (p + 2, "imnsxJU^-") : 0;

          if (p[1] != '?' || (p[2 + n] != ')' && p[2 + n] != ':'))
            g_string_append_c (groups, caseless);
          else
            {
              /* Options, for the rest of the group or a group of their
               * own. */
              if (option_after (FALSE, 'x', p + 2, n))
                {
                  g_string_free (out, TRUE);
                  return NULL;
                }
              if (p[2 + n] == ':')
                g_string_append_c (groups, caseless);
              caseless = option_after (caseless, 'i', p + 2, n);
              copy_to = p + 3 + n;
            }
        }
      else if (!in_class && *p == ')' && groups->len > 0)
        {
          caseless = groups->str[groups->len - 1];
          g_string_truncate (groups, groups->len - 1);
        }
      else if (!in_class && *p == '[')
        {
          in_class = TRUE;
          /* A `]` first (after any `^`) is a member, not the end. */
          copy_to += *copy_to == '^';
          copy_to += *copy_to == ']';
        }
      else if (in_class && g_str_has_prefix (p, "[:"))
        {
          /* [:alpha:] or [:^alpha:]; otherwise the `[` is a member. */
          const char *name = p + 2 + (p[2] == '^');
          const char *end = name + strspn (name, "abcdefghijklmnopqrstuvwxyz");

          if (end > name && g_str_has_prefix (end, ":]"))
            copy_to = end + 2;
        }
      else if (in_class && *p == ']')
        in_class = FALSE;

      g_string_append_len (out, p, copy_to - p);
      p = copy_to;
    }

  return g_string_free (out, FALSE);
}

/* What closes the group that @text is compiled in: \E first ends a \Q
 * quote that @text leaves open (PCRE2 ignores it elsewhere), or, after a
 * text that ends in a comment of the extended syntax ((?x) … # …), a
 * newline ends the comment: CR LF is one whatever (*CR), (*LF) or (*CRLF)
 * says, the rest being white space there. Outside a comment a newline
 * would be a character to match. */
#define END_OF_QUOTE "\\E)"
#define END_OF_COMMENT "\r\n)"

/* The length of PCRE2's options at the start of @text ((*UCP), (*CR),
 * (*LIMIT_MATCH=1)…), which must come first. Two stay where they do not
 * compile: (*NOTEMPTY), since searched in one attempt, a text that
 * matches empty after the start makes a match that is not, and (*NO_JIT),
 * with which GRegex, having asked for JIT, fails every match. */
static gsize
start_options_length (const char *text)
{
  static const char * const names[] = {
    "UTF", "UCP", "NOTEMPTY_ATSTART", "NO_AUTO_POSSESS", "NO_DOTSTAR_ANCHOR", "NO_START_OPT",
    "CR", "LF", "CRLF", "ANYCRLF", "ANY", "NUL", "BSR_ANYCRLF", "BSR_UNICODE",
    "LIMIT_HEAP", "LIMIT_MATCH", "LIMIT_DEPTH", "LIMIT_RECURSION", NULL,
  };
  const char *p = text;

  while (g_str_has_prefix (p, "(*"))
    {
      gsize n = strspn (p + 2, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_=0123456789");
      g_autofree char *name = g_strndup (p + 2, strcspn (p + 2, "=)"));

      if (p[2 + n] != ')' || !g_strv_contains (names, name))
        break;
      p += 3 + n;
    }
  return p - text;
}

/* @text (which compiles alone) compiled for tier @tier: anchored after a
 * lazy `(?s:.*?)`, in a group that @end closes. Its start options come
 * first, then ours, which PCRE2 takes over any limits of its (the last
 * of a kind counts). */
static GRegex *
compile_tier (const char  *text,
              const char  *end,
              guint        tier,
              GError     **error)
{
  gsize options = start_options_length (text);
  g_autoptr(GString) limited = g_string_new_len (text, options);

  g_string_append_printf (limited, NORTH_MCP_SCHEMA_PATTERN_LIMITS "(*LIMIT_MATCH=%u)(?s:.*?)(?:%s%s",
                          north_mcp_schema_pattern_tier_limits[tier], text + options, end);
  return g_regex_new (limited->str, G_REGEX_OPTIMIZE | G_REGEX_DOLLAR_ENDONLY | G_REGEX_ANCHORED, 0, error);
}

/* Compiles @text (which compiles alone) for each tier of @pattern. */
static gboolean
compile_tiers (Pattern     *pattern,
               const char  *text,
               GError     **error)
{
  const char *end = END_OF_QUOTE;

  pattern->tiers[0] = compile_tier (text, end, 0, error);
  if (pattern->tiers[0] == NULL)
    {
      /* Having compiled alone, @text leaves our group open only if it
       * ends in a comment: only then is a newline no character. */
      end = END_OF_COMMENT;
      pattern->tiers[0] = compile_tier (text, end, 0, NULL);
      if (pattern->tiers[0] == NULL)
        return FALSE;
      g_clear_error (error);
    }
  for (guint i = 1; i < NORTH_MCP_SCHEMA_PATTERN_TIERS; i++)
    {
      pattern->tiers[i] = compile_tier (text, end, i, error);
      if (pattern->tiers[i] == NULL)
        return FALSE;
    }
  return TRUE;
}

/* `pattern`: an ECMA-262 regular expression, searched for (not anchored),
 * compiled by PCRE2 through GRegex. Attackers choose the subjects: JIT
 * (G_REGEX_OPTIMIZE) bounds the stack, the match limit the time, and
 * `$` may not match before a trailing newline (G_REGEX_DOLLAR_ENDONLY), as
 * in ECMA-262. Without JIT (no executable memory: systemd's
 * MemoryDenyWriteExecute, as deploy/ sets it) PCRE2's interpreter keeps
 * its backtracking on the heap, up to 20 GB by default (1.3 GB for
 * `^(a|a)*$` on 4 MiB): NORTH_MCP_SCHEMA_PATTERN_LIMITS lowers that, and
 * a pattern's own (*LIMIT_HEAP) gives way to it (see compile_tier()).
 *
 * PCRE2 counts its match limit afresh at each position it starts from,
 * so a search is bounded only by the limit times the length of the string
 * (`(a+)+$` on blocks of twenty `a` and a `!`, 4 MiB of them: hours). The
 * pattern is therefore matched anchored, after a lazy `(?s:.*?)`, which
 * searches the same way in one attempt that one limit bounds (see
 * compile_tier() for the group's end). It is compiled once per tier of
 * NORTH_MCP_SCHEMA_PATTERN_TIERS (its match limit), once per checker for
 * each text: GRegex takes no match context (pcre2_set_match_limit()), so
 * a limit is part of the pattern, and compiling the tiers when a string
 * first needs them would put the schema author's cost on that client's
 * call, in a checker that threads share.
 *
 * \d, \w, \b and their negations are ASCII, as in ECMA-262, except in
 * PCRE2's extended syntax, (?x), which ECMA-262 does not have; (?i)
 * folds case as ECMA-262 with the `u` flag does (see ascii_classes()). */
static void
compile_pattern (NorthMcpSchemaChecker *c,
                 Node                  *node,
                 JsonObject            *schema)
{
  JsonNode *member = json_object_get_member (schema, "pattern");
  g_autoptr(GError) error = NULL;
  g_autofree char *translated = NULL;
  const char *text;
  Pattern *pattern = NULL;

  if (member == NULL || !JSON_NODE_HOLDS_VALUE (member) ||
      json_node_get_value_type (member) != G_TYPE_STRING)
    return;

  text = json_node_get_string (member);
  node->pattern = g_hash_table_lookup (c->patterns, text);
  if (node->pattern != NULL)
    return;

  /* GRegex hands the pattern to PCRE2 unchecked in UTF-8 mode. */
  if (!g_utf8_validate (text, -1, NULL))
    {
      node->bad_pattern = g_strdup ("is not valid UTF-8");
      return;
    }

  {
    /* The text alone first: wrapped, a text that closes a group it did
     * not open could compile. */
    g_autoptr(GRegex) plain = g_regex_new (text, G_REGEX_DOLLAR_ENDONLY, 0, &error);

    if (plain != NULL && recurses_into_whole (text))
      {
        node->bad_pattern = g_strdup ("recurses into the whole pattern ((?R)), which is not supported");
        return;
      }
  }

  if (error == NULL)
    {
      translated = ascii_classes (text);
      if (translated == NULL)
        translated = g_strdup (text);
      pattern = g_new0 (Pattern, 1);
      compile_tiers (pattern, translated, &error);
    }
  if (error != NULL)
    {
      g_clear_pointer (&pattern, pattern_free);

      /* GLib's message quotes the whole pattern. */
      if (g_utf8_strlen (error->message, -1) > MAX_PATTERN_ERROR)
        {
          g_autofree char *reason = g_utf8_substring (error->message, 0, MAX_PATTERN_ERROR);

          node->bad_pattern = g_strdup_printf ("does not compile: %s…", reason);
        }
      else
        node->bad_pattern = g_strdup_printf ("does not compile: %s", error->message);
      return;
    }

  pattern->text = g_strdup (text);
  g_hash_table_insert (c->patterns, pattern->text, pattern);
  node->pattern = pattern;
}

/* `multipleOf`: only a finite number above zero means something. */
static void
compile_multiple_of (Node       *node,
                     JsonObject *schema)
{
  Number number;

  if (!north_mcp_schema_node_get_number (json_object_get_member (schema, "multipleOf"), &number))
    return;
  if (number.is_int ? number.i > 0 : (isfinite (number.d) && number.d > 0))
    {
      node->has_multiple_of = TRUE;
      node->multiple_of = number;
    }
}

static GPtrArray *
compile_list (NorthMcpSchemaChecker *c,
              JsonObject *schema,
              const char *keyword,
              guint       depth)
{
  JsonNode *member = json_object_get_member (schema, keyword);
  GPtrArray *list;
  JsonArray *array;
  guint n;

  if (member == NULL || !JSON_NODE_HOLDS_ARRAY (member))
    return NULL;

  array = json_node_get_array (member);
  n = json_array_get_length (array);
  if (n == 0)
    return NULL;

  list = g_ptr_array_new_full (n, (GDestroyNotify) node_free);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (list, compile_node (c, json_array_get_element (array, i), depth + 1));

  return list;
}

static guint
compile_types (JsonNode *member)
{
  guint types = 0;

  if (member == NULL)
    return 0;

  if (JSON_NODE_HOLDS_VALUE (member) &&
      json_node_get_value_type (member) == G_TYPE_STRING)
    {
      const char *name = json_node_get_string (member);

      for (guint i = 0; i < G_N_ELEMENTS (north_mcp_schema_type_names); i++)
        if (g_strcmp0 (name, north_mcp_schema_type_names[i].name) == 0)
          return north_mcp_schema_type_names[i].mask;
      return 0;  /* unknown type name: ignore the keyword */
    }

  if (JSON_NODE_HOLDS_ARRAY (member))
    {
      JsonArray *array = json_node_get_array (member);
      guint n = json_array_get_length (array);

      for (guint i = 0; i < n; i++)
        {
          JsonNode *element = json_array_get_element (array, i);
          const char *name;
          guint found = 0;

          if (!JSON_NODE_HOLDS_VALUE (element) ||
              json_node_get_value_type (element) != G_TYPE_STRING)
            return 0;
          name = json_node_get_string (element);
          for (guint j = 0; j < G_N_ELEMENTS (north_mcp_schema_type_names); j++)
            if (g_strcmp0 (name, north_mcp_schema_type_names[j].name) == 0)
              found = north_mcp_schema_type_names[j].mask;
          if (found == 0)
            return 0;
          types |= found;
        }
    }

  return types;
}

static void
compile_object_keywords (NorthMcpSchemaChecker *c,
                         Node       *node,
                         JsonObject *schema,
                         guint       depth)
{
  JsonNode *member;

  member = json_object_get_member (schema, "properties");
  if (member != NULL && JSON_NODE_HOLDS_OBJECT (member))
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *property;

      node->properties = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                g_free, (GDestroyNotify) node_free);
      node->property_order = g_ptr_array_new ();
      json_object_iter_init (&iter, json_node_get_object (member));
      while (json_object_iter_next (&iter, &name, &property))
        {
          char *key;

          /* json-glib keeps one member per name; be safe anyway. */
          if (g_hash_table_contains (node->properties, name))
            continue;
          key = g_strdup (name);
          g_ptr_array_add (node->property_order, key);
          g_hash_table_insert (node->properties, key,
                               compile_node (c, property, depth + 1));
        }
    }

  member = json_object_get_member (schema, "required");
  if (member != NULL && JSON_NODE_HOLDS_ARRAY (member))
    {
      JsonArray *array = json_node_get_array (member);
      guint n = json_array_get_length (array);

      for (guint i = 0; i < n; i++)
        {
          JsonNode *element = json_array_get_element (array, i);

          if (!JSON_NODE_HOLDS_VALUE (element) ||
              json_node_get_value_type (element) != G_TYPE_STRING)
            continue;
          if (node->required == NULL)
            node->required = g_ptr_array_new_with_free_func (g_free);
          g_ptr_array_add (node->required, g_strdup (json_node_get_string (element)));
        }
    }

  /* Members matched by patternProperties are not "additional", and patterns
   * are not checked here: then additionalProperties cannot be either. */
  member = json_object_get_member (schema, "additionalProperties");
  if (member != NULL && !json_object_has_member (schema, "patternProperties") &&
      (JSON_NODE_HOLDS_OBJECT (member) ||
       (JSON_NODE_HOLDS_VALUE (member) &&
        json_node_get_value_type (member) == G_TYPE_BOOLEAN &&
        !json_node_get_boolean (member))))
    node->additional = compile_node (c, member, depth + 1);
}

static void
compile_array_keywords (NorthMcpSchemaChecker *c,
                        Node       *node,
                        JsonObject *schema,
                        guint       depth)
{
  JsonNode *member;

  /* Draft 2020-12 spells tuples `prefixItems`; earlier drafts used an array
   * in `items`. */
  node->prefix_items = compile_list (c, schema, "prefixItems", depth);
  member = json_object_get_member (schema, "items");
  if (member != NULL && JSON_NODE_HOLDS_ARRAY (member))
    {
      if (node->prefix_items == NULL)
        node->prefix_items = compile_list (c, schema, "items", depth);
    }
  else if (member != NULL)
    node->items = compile_node (c, member, depth + 1);

  member = json_object_get_member (schema, "uniqueItems");
  node->unique_items = member != NULL && JSON_NODE_HOLDS_VALUE (member) &&
                       json_node_get_value_type (member) == G_TYPE_BOOLEAN &&
                       json_node_get_boolean (member);
}

/* Resolves a JSON pointer fragment (`#`, `#/$defs/name`, with `~0`, `~1`
 * and percent-escapes) in @document; NULL for anything else. */
static JsonNode *
resolve_pointer (JsonNode   *document,
                 const char *ref)
{
  g_autofree char *fragment = NULL;
  g_auto(GStrv) tokens = NULL;
  JsonNode *node = document;

  if (document == NULL || ref[0] != '#')
    return NULL;
  if (ref[1] == '\0')
    return document;
  if (ref[1] != '/')
    return NULL;  /* a plain-name anchor: not supported */

  fragment = g_uri_unescape_string (ref + 2, NULL);
  if (fragment == NULL)
    return NULL;

  tokens = g_strsplit (fragment, "/", -1);
  for (guint i = 0; tokens[i] != NULL; i++)
    {
      g_autoptr(GString) token = g_string_new (NULL);

      for (const char *p = tokens[i]; *p != '\0'; p++)
        {
          if (p[0] == '~' && p[1] == '0')
            g_string_append_c (token, '~'), p++;
          else if (p[0] == '~' && p[1] == '1')
            g_string_append_c (token, '/'), p++;
          else
            g_string_append_c (token, *p);
        }

      if (JSON_NODE_HOLDS_OBJECT (node))
        node = json_object_get_member (json_node_get_object (node), token->str);
      else if (JSON_NODE_HOLDS_ARRAY (node))
        {
          JsonArray *array = json_node_get_array (node);
          guint64 index;

          if (!g_ascii_string_to_unsigned (token->str, 10, 0,
                                           json_array_get_length (array) - 1,
                                           &index, NULL) ||
              json_array_get_length (array) == 0)
            return NULL;
          node = json_array_get_element (array, index);
        }
      else
        node = NULL;

      if (node == NULL)
        return NULL;
    }

  return node;
}

/* The node a local `$ref` stands for. Each pointer is compiled once, later,
 * from north_mcp_schema_checker_new() (so that chains of references do not
 * deepen the C stack), into the node returned now. Remote references are
 * ignored. */
static Node *
compile_ref (NorthMcpSchemaChecker *c,
             const char            *ref)
{
  JsonNode *target;
  RefWork *work;
  Node *node;

  node = g_hash_table_lookup (c->refs, ref);
  if (node != NULL)
    return node;

  target = resolve_pointer (c->document, ref);
  if (target == NULL)
    return NULL;

  node = node_new ();
  g_ptr_array_add (c->ref_nodes, node);
  g_hash_table_insert (c->refs, g_strdup (ref), node);

  work = g_new (RefWork, 1);
  work->node = node;
  work->target = target;
  g_queue_push_tail (&c->pending, work);

  return node;
}

static Node *
compile_node (NorthMcpSchemaChecker *c,
              JsonNode              *schema,
              guint                  depth)
{
  g_autoptr(Node) node = node_new ();
  JsonObject *object;
  JsonNode *member;

  if (depth > NORTH_MCP_SCHEMA_MAX_DEPTH)
    {
      node->too_deep = TRUE;
      return g_steal_pointer (&node);
    }

  if (schema != NULL && JSON_NODE_HOLDS_VALUE (schema) &&
      json_node_get_value_type (schema) == G_TYPE_BOOLEAN)
    {
      node->reject_all = !json_node_get_boolean (schema);
      return g_steal_pointer (&node);
    }

  /* Anything else that is not an object is not a schema: accept all. */
  if (schema == NULL || !JSON_NODE_HOLDS_OBJECT (schema))
    return g_steal_pointer (&node);

  object = json_node_get_object (schema);

  node->types = compile_types (json_object_get_member (object, "type"));

  member = json_object_get_member (object, "enum");
  if (member != NULL && JSON_NODE_HOLDS_ARRAY (member))
    node->enum_values = json_array_ref (json_node_get_array (member));

  member = json_object_get_member (object, "const");
  if (member != NULL)
    node->const_value = json_node_ref (member);

  for (guint i = 0; i < N_BOUNDS; i++)
    node->has_bound[i] = north_mcp_schema_node_get_number (json_object_get_member (object, bound_keywords[i]),
                                                           &node->bound[i]);

  for (guint i = 0; i < N_COUNTS; i++)
    node->count[i] = read_count (object, count_keywords[i]);

  compile_pattern (c, node, object);
  compile_multiple_of (node, object);

  compile_object_keywords (c, node, object, depth);
  compile_array_keywords (c, node, object, depth);

  node->all_of = compile_list (c, object, "allOf", depth);
  node->any_of = compile_list (c, object, "anyOf", depth);
  node->one_of = compile_list (c, object, "oneOf", depth);

  member = json_object_get_member (object, "$ref");
  if (member != NULL && JSON_NODE_HOLDS_VALUE (member) &&
      json_node_get_value_type (member) == G_TYPE_STRING)
    node->ref = compile_ref (c, json_node_get_string (member));

  return g_steal_pointer (&node);
}

NorthMcpSchemaChecker *
north_mcp_schema_checker_new (JsonObject *schema)
{
  NorthMcpSchemaChecker *self = g_new0 (NorthMcpSchemaChecker, 1);
  g_autoptr(JsonNode) root = NULL;

  RefWork *work;

  if (schema != NULL)
    {
      root = json_node_new (JSON_NODE_OBJECT);
      json_node_set_object (root, schema);
    }

  self->document = root;
  self->refs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->ref_nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) node_free);
  g_queue_init (&self->pending);
  self->patterns = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                          (GDestroyNotify) pattern_free);

  self->root = compile_node (self, root, 0);

  while ((work = g_queue_pop_head (&self->pending)) != NULL)
    {
      Node *compiled = compile_node (self, work->target, 0);

      /* Fill in the node the references already point to. */
      *work->node = *compiled;
      g_free (compiled);
      g_free (work);
    }

  /* Only compiling needs these. */
  self->document = NULL;
  g_clear_pointer (&self->refs, g_hash_table_unref);

  return self;
}

void
north_mcp_schema_checker_free (NorthMcpSchemaChecker *self)
{
  if (self == NULL)
    return;

  node_free (self->root);
  /* Nodes of references may point at each other: free them only after
   * everything else (node_free() never follows `ref`). */
  g_clear_pointer (&self->ref_nodes, g_ptr_array_unref);
  g_clear_pointer (&self->patterns, g_hash_table_unref);
  g_free (self);
}
