/* test-json-reader.c: the strict JSON reader (north-mcp-json-reader.c)
 *
 * Positive cases are checked against json-glib's JsonParser (value types
 * included); negative cases must fail with a -32700 parse error; a corpus
 * (the fuzzers' seeds and the MCP schemas) is read by both parsers.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include "north-mcp-error.h"
#include "north-mcp-json-reader-private.h"
#include "north-mcp-jsonrpc-private.h"
#include "north-mcp-schema-private.h"
#include "json-compare.h"

static JsonNode *
read_ok (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = north_mcp_json_read (text, strlen (text), NORTH_MCP_JSON_MAX_DEPTH, &error);

  if (error != NULL)
    g_test_message ("reading %s: %s", text, error->message);
  g_assert_no_error (error);
  g_assert_nonnull (node);
  return node;
}

static JsonNode *
glib_read (const char *text,
           gssize      length)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  if (!json_parser_load_from_data (parser, text, length, NULL) || json_parser_get_root (parser) == NULL)
    return NULL;
  return json_node_ref (json_parser_get_root (parser));
}

/* Valid texts, each read by both parsers into identical trees. */
static const char *valid[] = {
  "{}", "[]", "0", "-0", "1", "-1", "123456789", "1.5", "-1.5e3", "1E2", "1e-2", "0.0",
  "1.0", "2.5E+10", "true", "false", "null", "\"\"", "\"a\"",
  " \t\r\n{ \"a\" : 1 , \"b\" : [ 1 , 2 ] }\n ",
  "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"add\",\"arguments\":{\"a\":2,\"b\":3}}}",
  "[1,\"two\",3.5,true,false,null,{},[],{\"x\":[{}]}]",
  "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"",
  "\"\\u0041\\u00e9\\u20AC\"",
  "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
  "9223372036854775807", "-9223372036854775808",
  "{\"\":\"empty name\"}",
  "[[[[[[[[[[]]]]]]]]]]",
  "\"\x7f\"",
};

static void
test_valid (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (valid); i++)
    {
      g_autoptr(JsonNode) ours = read_ok (valid[i]);
      g_autoptr(JsonNode) theirs = glib_read (valid[i], -1);

      g_test_message ("%s", valid[i]);
      g_assert_nonnull (theirs);
      g_assert_true (json_test_nodes_equal (ours, theirs));
    }
}

static void
test_values (void)
{
  g_autoptr(JsonNode) big = read_ok ("9223372036854775808");
  g_autoptr(JsonNode) small = read_ok ("-9223372036854775809");
  g_autoptr(JsonNode) max = read_ok ("9223372036854775807");
  g_autoptr(JsonNode) min = read_ok ("-9223372036854775808");
  g_autoptr(JsonNode) fraction = read_ok ("1.0");
  g_autoptr(JsonNode) exponent = read_ok ("1e2");
  g_autoptr(JsonNode) pair = read_ok ("\"\\ud83d\\ude00|\\uD834\\uDD1E\"");
  g_autoptr(JsonNode) precise = read_ok ("0.1");

  /* Integers beyond gint64 become doubles rather than wrapping. */
  g_assert_cmpint (json_node_get_value_type (big), ==, G_TYPE_DOUBLE);
  g_assert_cmpfloat (json_node_get_double (big), ==, 9223372036854775808.0);
  g_assert_cmpint (json_node_get_value_type (small), ==, G_TYPE_DOUBLE);
  g_assert_cmpint (json_node_get_value_type (max), ==, G_TYPE_INT64);
  g_assert_cmpint (json_node_get_int (max), ==, G_MAXINT64);
  g_assert_cmpint (json_node_get_int (min), ==, G_MININT64);
  g_assert_cmpint (json_node_get_value_type (fraction), ==, G_TYPE_DOUBLE);
  g_assert_cmpint (json_node_get_value_type (exponent), ==, G_TYPE_DOUBLE);
  g_assert_cmpfloat (json_node_get_double (exponent), ==, 100.0);
  g_assert_cmpfloat (json_node_get_double (precise), ==, 0.1);

  g_assert_cmpstr (json_node_get_string (pair), ==, "\xf0\x9f\x98\x80|\xf0\x9d\x84\x9e");
}

static gboolean
refuse_member (const char *name,
               JsonNode   *value,
               gpointer    user_data)
{
  json_node_unref (value);
  g_assert_not_reached ();
  return FALSE;
}

/* The input need not be NUL-terminated: only @length bytes are read. */
static void
test_length (void)
{
  const char text[] = "{\"a\":12}garbage";
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = north_mcp_json_read (text, 8, 16, &error);
  g_autoptr(JsonNode) number = NULL;
  g_autoptr(JsonNode) cut = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (node), "a"), ==, 12);

  /* "12" cut to "1" */
  number = north_mcp_json_read ("12", 1, 16, &error);
  g_assert_no_error (error);
  g_assert_cmpint (json_node_get_int (number), ==, 1);

  /* A string whose closing quote lies beyond the length. */
  cut = north_mcp_json_read ("\"abc\"", 4, 16, &error);
  g_assert_null (cut);
  g_assert_error (error, NORTH_MCP_JSONRPC_ERROR, NORTH_MCP_JSONRPC_ERROR_PARSE_ERROR);
  g_clear_error (&error);

  /* No data at all, as an empty GBytes gives it (NULL): refused, with no
   * arithmetic on the NULL pointer (UBSan's pointer-overflow check). */
  g_assert_null (north_mcp_json_read (NULL, 0, 16, &error));
  g_assert_error (error, NORTH_MCP_JSONRPC_ERROR, NORTH_MCP_JSONRPC_ERROR_PARSE_ERROR);
  g_assert_false (north_mcp_json_read_members (NULL, 0, 16, refuse_member, NULL, G_MAXUINT64, NULL));
}

/* Texts every strict reader must refuse. */
static const char *invalid[] = {
  "", " ", "\n\t ", "{", "}", "[", "]", "{]", "[}", "{\"a\"}", "{\"a\":}", "{\"a\" 1}",
  "{a:1}", "{'a':1}", "{\"a\":1,}", "[1,]", "[,1]", "[1 2]", "{\"a\":1 \"b\":2}",
  "{,}", "[1,,2]", "\"abc", "\"abc\\\"", "\"\\x41\"", "\"\\u12\"", "\"\\u12g4\"",
  "\"\\U0041\"", "\"tab\there\"", "\"new\nline\"", "\"\x01\"", "\"\x1f\"",
  "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800x\"", "\"\\ud800\\u0041\"", "\"\\ud800\\ud800\"",
  "\"\\u0000\"", "\"\\",
  "01", "-01", "00", "+1", "-", "1.", ".5", "1.e3", "1e", "1e+", "1e-", "--1", "0x10",
  "1e400", "-1e400", "NaN", "Infinity", "-Infinity", "nan", "inf",
  "tru", "true1", "nul", "nulll", "falsee", "True", "NULL", "undefined",
  "1 2", "{} {}", "[] x", "{}garbage", "\"a\" \"b\"",
  "/* comment */ {}", "{} // comment", "# comment\n{}",
  "\xef\xbb\xbf{}",
  "'single'",
  /* invalid UTF-8: lone continuation, overlong, surrogate, beyond U+10FFFF,
   * truncated sequences, stray lead bytes */
  "\"\x80\"", "\"\xbf\"", "\"\xc0\xaf\"", "\"\xc1\xbf\"", "\"\xe0\x80\xaf\"", "\"\xed\xa0\x80\"",
  "\"\xf4\x90\x80\x80\"", "\"\xf5\x80\x80\x80\"", "\"\xf8\x88\x80\x80\x80\"", "\"\xff\"",
  "\"\xc3\"", "\"\xe2\x82\"", "\"\xf0\x9f\x98\"", "\"\xc3\x28\"", "\"\xe2\x28\xa1\"",
  "{\"\xc3\":1}",
  "\x80", "\xc3\xa9",
};

static void
test_invalid (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = NULL;
      g_autofree char *shown = g_strescape (invalid[i], NULL);

      g_test_message ("%s", shown);
      node = north_mcp_json_read (invalid[i], strlen (invalid[i]), NORTH_MCP_JSON_MAX_DEPTH, &error);
      g_assert_null (node);
      g_assert_error (error, NORTH_MCP_JSONRPC_ERROR, NORTH_MCP_JSONRPC_ERROR_PARSE_ERROR);
      g_assert_true (g_str_has_prefix (error->message, "Parse error: "));
    }
}

/* Embedded NUL bytes are neither whitespace nor string content. */
static void
test_nul_bytes (void)
{
  static const struct { const char *text; gsize length; } cases[] = {
    { "\0", 1 }, { "{}\0", 3 }, { "\"a\0b\"", 5 }, { "[1,\0 2]", 7 }, { "1\0", 2 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = north_mcp_json_read (cases[i].text, cases[i].length, 8, &error);

      g_assert_null (node);
      g_assert_error (error, NORTH_MCP_JSONRPC_ERROR, NORTH_MCP_JSONRPC_ERROR_PARSE_ERROR);
    }
}

static char *
nested (guint        depth,
        const char  *open,
        const char  *close)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < depth; i++)
    g_string_append (text, open);
  for (guint i = 0; i < depth; i++)
    g_string_append (text, close);
  return g_string_free (text, FALSE);
}

static void
test_depth (void)
{
  g_autofree char *ok_arrays = nested (NORTH_MCP_JSON_MAX_DEPTH, "[", "]");
  g_autofree char *deep_arrays = nested (NORTH_MCP_JSON_MAX_DEPTH + 1, "[", "]");
  g_autofree char *deep_objects = nested (NORTH_MCP_JSON_MAX_DEPTH + 1, "{\"a\":", "}");
  g_autofree char *hostile = nested (100000, "[", "");
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;

  node = north_mcp_json_read (ok_arrays, strlen (ok_arrays), NORTH_MCP_JSON_MAX_DEPTH, &error);
  g_assert_no_error (error);
  g_assert_nonnull (node);

  g_assert_null (north_mcp_json_read (deep_arrays, strlen (deep_arrays), NORTH_MCP_JSON_MAX_DEPTH, &error));
  g_assert_error (error, NORTH_MCP_JSONRPC_ERROR, NORTH_MCP_JSONRPC_ERROR_PARSE_ERROR);
  g_assert_nonnull (strstr (error->message, "nested deeper"));
  g_clear_error (&error);

  g_assert_null (north_mcp_json_read (deep_objects, strlen (deep_objects), NORTH_MCP_JSON_MAX_DEPTH, &error));
  g_assert_error (error, NORTH_MCP_JSONRPC_ERROR, NORTH_MCP_JSONRPC_ERROR_PARSE_ERROR);
  g_clear_error (&error);

  g_assert_null (north_mcp_json_read (hostile, strlen (hostile), NORTH_MCP_JSON_MAX_DEPTH, &error));
  g_assert_error (error, NORTH_MCP_JSONRPC_ERROR, NORTH_MCP_JSONRPC_ERROR_PARSE_ERROR);
  g_clear_error (&error);

  /* The JSON-RPC entry point applies the limit too. */
  g_assert_null (north_mcp_jsonrpc_parse (deep_arrays, strlen (deep_arrays), &error));
  g_assert_error (error, NORTH_MCP_JSONRPC_ERROR, NORTH_MCP_JSONRPC_ERROR_PARSE_ERROR);
}

/* Long strings and names move the decoding stack off the C stack. */
static void
test_long_strings (void)
{
  g_autofree char *long_value = g_strnfill (5000, 'v');
  g_autofree char *long_name = g_strnfill (3000, 'n');
  g_autofree char *text = g_strdup_printf ("{\"%s\":{\"%s\":\"%s\\u00e9\"}}",
                                           long_name, long_name, long_value);
  g_autofree char *expected = g_strconcat (long_value, "\xc3\xa9", NULL);
  g_autoptr(JsonNode) node = read_ok (text);
  JsonObject *outer = json_node_get_object (node);
  JsonObject *inner = json_object_get_object_member (outer, long_name);

  g_assert_cmpstr (json_object_get_string_member (inner, long_name), ==, expected);
}

/* Every file of a directory: when json-glib reads it, we read the same
 * tree, or refuse it for a reason json-glib is lax about. */
static guint
compare_directory (const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;
  guint compared = 0;

  if (handle == NULL)
    return 0;

  while ((name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *contents = NULL;
      g_autoptr(JsonNode) ours = NULL;
      g_autoptr(JsonNode) theirs = NULL;
      g_autoptr(GError) error = NULL;
      gsize length;

      if (!g_file_get_contents (path, &contents, &length, NULL) || length == 0)
        continue;

      ours = north_mcp_json_read (contents, length, NORTH_MCP_JSON_MAX_DEPTH, &error);
      if (ours != NULL)
        {
          /* Only then: json-glib recurses without limit on deep input. */
          theirs = glib_read (contents, length);
          g_test_message ("%s", path);
          g_assert_nonnull (theirs);
          g_assert_true (json_test_nodes_equal (ours, theirs));
          compared++;
        }
      else
        g_assert_error (error, NORTH_MCP_JSONRPC_ERROR, NORTH_MCP_JSONRPC_ERROR_PARSE_ERROR);
    }

  return compared;
}

static void
test_corpus (void)
{
  const char *root = g_getenv ("NORTH_MCP_SOURCE_ROOT");
  static const char *dirs[] = {
    "fuzzing/corpus/fuzz-jsonrpc", "fuzzing/corpus/fuzz-schema", "fuzzing/corpus/fuzz-jwk-set",
    "fuzzing/corpus/fuzz-json-reader",
    "tests/schema/mcp/2025-06-18", "tests/schema/mcp/2025-11-25", "tests/schema/mcp/2026-07-28",
  };
  guint compared = 0;

  g_assert_nonnull (root);
  for (gsize i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autofree char *dir = g_build_filename (root, dirs[i], NULL);

      compared += compare_directory (dir);
    }

  g_test_message ("%u corpus files read identically", compared);
  g_assert_cmpuint (compared, >=, 20);
}

/* @text must be refused with a parse error whose message holds @part. */
static void
assert_refused (const char *text,
                gsize       length,
                const char *part)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (north_mcp_json_read (text, length, NORTH_MCP_JSON_MAX_DEPTH, &error));
  g_assert_error (error, NORTH_MCP_JSONRPC_ERROR, NORTH_MCP_JSONRPC_ERROR_PARSE_ERROR);
  g_assert_nonnull (strstr (error->message, part));
}

/* An object text with @n members named by @name_of, each valued by its
 * index. */
static char *
object_text (guint          n,
             char        *(*name_of) (guint i))
{
  GString *text = g_string_new ("{");

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = name_of (i);

      g_string_append_printf (text, "%s\"%s\":%u", i > 0 ? "," : "", name, i);
    }
  g_string_append_c (text, '}');
  return g_string_free (text, FALSE);
}

static char *
plain_name (guint i)
{
  return g_strdup_printf ("m%u", i);
}

/* "Ez" and "FY" have the same g_str_hash(), so any string of such blocks
 * shares its hash with every other string of as many blocks. */
static char *
colliding_name (guint i)
{
  GString *name = g_string_new (NULL);

  for (guint bit = 0; bit < 12; bit++)
    g_string_append (name, (i >> bit) & 1 ? "FY" : "Ez");
  return g_string_free (name, FALSE);
}

static gboolean
count_member (const char *name,
              JsonNode   *value,
              gpointer    user_data)
{
  (*(guint *) user_data)++;
  json_node_unref (value);
  return TRUE;
}

static void
test_member_limit (void)
{
  g_autofree char *most = object_text (NORTH_MCP_JSON_MAX_MEMBERS, plain_name);
  g_autofree char *too_many = object_text (NORTH_MCP_JSON_MAX_MEMBERS + 1, plain_name);
  g_autofree char *nested = g_strdup_printf ("[1,{\"a\":%s}]", too_many);
  g_autoptr(JsonNode) node = read_ok (most);
  guint seen = 0;

  g_assert_cmpuint (json_object_get_size (json_node_get_object (node)), ==, NORTH_MCP_JSON_MAX_MEMBERS);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (node), "m999"), ==, 999);

  assert_refused (too_many, strlen (too_many), "more than 1000 members in an object");
  assert_refused (nested, strlen (nested), "more than 1000 members in an object");

  /* The member-by-member reader of the JSON-RPC fast path too. */
  g_assert_true (north_mcp_json_read_members (most, strlen (most), NORTH_MCP_JSON_MAX_DEPTH,
                                              count_member, &seen, G_MAXUINT64, NULL));
  g_assert_cmpuint (seen, ==, NORTH_MCP_JSON_MAX_MEMBERS);
  g_assert_false (north_mcp_json_read_members (too_many, strlen (too_many), NORTH_MCP_JSON_MAX_DEPTH,
                                               count_member, &seen, G_MAXUINT64, NULL));
}

static void
test_colliding_names (void)
{
  g_autofree char *few = object_text (8, colliding_name);
  g_autofree char *many = object_text (NORTH_MCP_JSON_MAX_MEMBERS, colliding_name);
  g_autofree char *name = colliding_name (0);
  g_autofree char *other = colliding_name (1);
  g_autoptr(JsonNode) node = read_ok (few);
  GString *padded = g_string_new ("{");

  g_assert_cmpuint (g_str_hash (name), ==, g_str_hash (other));
  g_assert_cmpuint (json_object_get_size (json_node_get_object (node)), ==, 8);

  assert_refused (many, strlen (many), "too many member names with the same hash");

  /* Counted from the first member on, also when the object only grows
   * large after them: 8 colliding names, ordinary ones, 1 more. */
  for (guint i = 0; i < 8; i++)
    {
      g_autofree char *colliding = colliding_name (i);

      g_string_append_printf (padded, "\"%s\":%u,", colliding, i);
    }
  for (guint i = 0; i < 20; i++)
    g_string_append_printf (padded, "\"m%u\":%u,", i, i);
  {
    g_autofree char *ninth = colliding_name (8);

    g_string_append_printf (padded, "\"%s\":8}", ninth);
  }
  assert_refused (padded->str, padded->len, "too many member names with the same hash");
  g_string_free (padded, TRUE);
}

/* Repeated names are refused (RFC 7493), in small and large objects,
 * whatever their values. */
static void
test_repeated_names (void)
{
  g_autofree char *large = object_text (100, plain_name);
  g_autoptr(GString) repeated = g_string_new (large);
  const char *small[] = {
    "{\"a\":1,\"b\":2,\"a\":3}", "{\"a\":{},\"a\":{}}", "[{\"a\":null,\"a\":[1]}]",
    "{\"x\":{\"\":1,\"\":\"s\"}}",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (small); i++)
    assert_refused (small[i], strlen (small[i]), "repeated member name");

  g_string_truncate (repeated, repeated->len - 1);
  g_string_append (repeated, ",\"m50\":true}");
  assert_refused (repeated->str, repeated->len, "repeated member name");
}

/* What a tree keeps is counted as it is built: the NORTH_MCP_JSON_*_COST
 * of each value, container, string and member name, for the whole text
 * and for the members the JSON-RPC fast path reads. */
static void
test_cost (void)
{
  static const char text[] = "[1,\"ab\",[],{\"k\":null}]";
  static const char members[] = "{\"k\":null,\"s\":\"x\"}";
  guint64 expected = NORTH_MCP_JSON_VALUE_COST + NORTH_MCP_JSON_ARRAY_COST +          /* [...] */
                     NORTH_MCP_JSON_VALUE_COST +                                      /* 1 */
                     NORTH_MCP_JSON_VALUE_COST + NORTH_MCP_JSON_STRING_COST + 2 +     /* "ab" */
                     NORTH_MCP_JSON_VALUE_COST + NORTH_MCP_JSON_ARRAY_COST +          /* [] */
                     NORTH_MCP_JSON_VALUE_COST + NORTH_MCP_JSON_OBJECT_COST +         /* {...} */
                     NORTH_MCP_JSON_MEMBER_COST + 1 + NORTH_MCP_JSON_VALUE_COST;      /* "k":null */
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  guint64 cost = 0;
  guint seen = 0;

  node = north_mcp_json_read_counted (text, sizeof text - 1, NORTH_MCP_JSON_MAX_DEPTH, G_MAXUINT64, &cost, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (cost, ==, expected);

  g_assert_true (north_mcp_json_read_members (members, sizeof members - 1, NORTH_MCP_JSON_MAX_DEPTH,
                                              count_member, &seen, G_MAXUINT64, &cost));
  g_assert_cmpuint (cost, ==, 2 * (NORTH_MCP_JSON_MEMBER_COST + 1 + NORTH_MCP_JSON_VALUE_COST) +
                              NORTH_MCP_JSON_STRING_COST + 1);
}

/* A tree may cost a budget: reading stops at the first value or member
 * that would pass it, not once the tree is built, with an error that says
 * so and a cost past the budget; a tree of exactly the budget is read. */
static void
test_budget (void)
{
  static const char members[] = "{\"a\":[{},{}],\"b\":\"xyz\"}";
  guint64 empty_object = NORTH_MCP_JSON_VALUE_COST + NORTH_MCP_JSON_OBJECT_COST;
  guint64 array = NORTH_MCP_JSON_VALUE_COST + NORTH_MCP_JSON_ARRAY_COST;
  guint64 full = NORTH_MCP_JSON_MEMBER_COST + 1 + array + 2 * empty_object +
                 NORTH_MCP_JSON_MEMBER_COST + 1 + NORTH_MCP_JSON_VALUE_COST + NORTH_MCP_JSON_STRING_COST + 3;
  g_autoptr(GString) text = g_string_new ("[");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  guint64 cost = 0, whole;
  guint seen = 0;

  /* 100,000 empty objects: some 41 MB as a tree, 300 kB as text. */
  for (guint i = 0; i < 100000; i++)
    g_string_append (text, "{},");
  g_string_truncate (text, text->len - 1);
  g_string_append_c (text, ']');
  whole = array + 100000 * empty_object;

  node = north_mcp_json_read_counted (text->str, text->len, NORTH_MCP_JSON_MAX_DEPTH, 1000 * empty_object,
                                      &cost, &error);
  g_assert_null (node);
  g_assert_error (error, NORTH_MCP_JSONRPC_ERROR, NORTH_MCP_JSONRPC_ERROR_PARSE_ERROR);
  g_assert_true (g_str_has_prefix (error->message, "Parse error: the parsed JSON would take more than"));
  /* It stopped at the object that passed the budget, 1,000 objects in. */
  g_assert_cmpuint (cost, >, 1000 * empty_object);
  g_assert_cmpuint (cost, <=, array + 1000 * empty_object);
  g_clear_error (&error);

  node = north_mcp_json_read_counted (text->str, text->len, NORTH_MCP_JSON_MAX_DEPTH, whole, &cost, &error);
  g_assert_no_error (error);
  g_assert_nonnull (node);
  g_assert_cmpuint (cost, ==, whole);
  g_clear_pointer (&node, json_node_unref);

  node = north_mcp_json_read_counted (text->str, text->len, NORTH_MCP_JSON_MAX_DEPTH, whole - 1, &cost, &error);
  g_assert_null (node);
  g_assert_error (error, NORTH_MCP_JSONRPC_ERROR, NORTH_MCP_JSONRPC_ERROR_PARSE_ERROR);
  g_assert_cmpuint (cost, ==, whole);
  g_clear_error (&error);

  /* The member reader of the JSON-RPC fast path, for members and strings
   * too. */
  g_assert_true (north_mcp_json_read_members (members, sizeof members - 1, NORTH_MCP_JSON_MAX_DEPTH,
                                              count_member, &seen, full, &cost));
  g_assert_cmpuint (cost, ==, full);
  seen = 0;
  g_assert_false (north_mcp_json_read_members (members, sizeof members - 1, NORTH_MCP_JSON_MAX_DEPTH,
                                               count_member, &seen, full - 1, &cost));
  g_assert_cmpuint (seen, ==, 1);
  g_assert_cmpuint (cost, ==, full);
  seen = 0;
  g_assert_false (north_mcp_json_read_members (members, sizeof members - 1, NORTH_MCP_JSON_MAX_DEPTH,
                                               count_member, &seen, NORTH_MCP_JSON_MEMBER_COST, &cost));
  g_assert_cmpuint (seen, ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/json-reader/valid", test_valid);
  g_test_add_func ("/json-reader/values", test_values);
  g_test_add_func ("/json-reader/length", test_length);
  g_test_add_func ("/json-reader/invalid", test_invalid);
  g_test_add_func ("/json-reader/nul-bytes", test_nul_bytes);
  g_test_add_func ("/json-reader/depth", test_depth);
  g_test_add_func ("/json-reader/long-strings", test_long_strings);
  g_test_add_func ("/json-reader/corpus", test_corpus);
  g_test_add_func ("/json-reader/member-limit", test_member_limit);
  g_test_add_func ("/json-reader/colliding-names", test_colliding_names);
  g_test_add_func ("/json-reader/repeated-names", test_repeated_names);
  g_test_add_func ("/json-reader/cost", test_cost);
  g_test_add_func ("/json-reader/budget", test_budget);

  return g_test_run ();
}
