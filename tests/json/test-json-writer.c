/* test-json-writer.c: compact JSON serialization (north-mcp-json-writer.c)
 *
 * Exact output for every kind of value and escape, agreement with
 * json_to_string() where json-glib is right, and round trips through the
 * reader.
 *
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <string.h>

#include "north-mcp-json-reader-private.h"
#include "north-mcp-json-writer-private.h"
#include "north-mcp-jsonrpc-private.h"
#include "north-mcp-schema-private.h"
#include "json-compare.h"

static void
assert_writes (JsonNode   *node,
               const char *expected)
{
  g_autofree char *text = json_test_write (node, FALSE);

  g_assert_cmpstr (text, ==, expected);
  json_node_unref (node);
}

static void
test_scalars (void)
{
  assert_writes (json_node_init_int (json_node_alloc (), 0), "0");
  assert_writes (json_node_init_int (json_node_alloc (), -42), "-42");
  assert_writes (json_node_init_int (json_node_alloc (), G_MAXINT64), "9223372036854775807");
  assert_writes (json_node_init_int (json_node_alloc (), G_MININT64), "-9223372036854775808");
  assert_writes (json_node_init_boolean (json_node_alloc (), TRUE), "true");
  assert_writes (json_node_init_boolean (json_node_alloc (), FALSE), "false");
  assert_writes (json_node_init_null (json_node_alloc ()), "null");
  assert_writes (json_node_init_string (json_node_alloc (), ""), "\"\"");
  assert_writes (json_node_init_string (json_node_alloc (), "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
                 "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
}

static void
test_doubles (void)
{
  assert_writes (json_node_init_double (json_node_alloc (), 0.1), "0.1");
  assert_writes (json_node_init_double (json_node_alloc (), 1.0), "1.0");
  assert_writes (json_node_init_double (json_node_alloc (), -0.0), "-0.0");
  assert_writes (json_node_init_double (json_node_alloc (), 100.0), "100.0");
  assert_writes (json_node_init_double (json_node_alloc (), 3.14), "3.14");
  assert_writes (json_node_init_double (json_node_alloc (), 1e21), "1e+21");
  assert_writes (json_node_init_double (json_node_alloc (), 1e-7), "1e-07");
  assert_writes (json_node_init_double (json_node_alloc (), 0.1 + 0.2), "0.30000000000000004");
  assert_writes (json_node_init_double (json_node_alloc (), 5e-324), "4.94065645841247e-324");
  /* JSON has no NaN or infinity. */
  assert_writes (json_node_init_double (json_node_alloc (), NAN), "null");
  assert_writes (json_node_init_double (json_node_alloc (), INFINITY), "null");
  assert_writes (json_node_init_double (json_node_alloc (), -INFINITY), "null");
}

/* Every double written reads back as the same double. */
static void
test_double_round_trip (void)
{
  static const double values[] = {
    0.1, 0.2, 0.3, 1.0 / 3.0, 2.0 / 3.0, 1e-300, 1.7976931348623157e308, 2.2250738585072014e-308,
    123456789.123456789, -98765.4321, 9007199254740993.0, 1e15, 1e16, 1e17, 0.5, 4.35, 5e-324,
  };
  GRand *rand = g_rand_new_with_seed (6);

  for (guint i = 0; i < G_N_ELEMENTS (values) + 2000; i++)
    {
      double value;
      g_autoptr(JsonNode) node = NULL;
      g_autoptr(JsonNode) back = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *text = NULL;

      if (i < G_N_ELEMENTS (values))
        value = values[i];
      else
        {
          guint64 bits = ((guint64) g_rand_int (rand) << 32) | g_rand_int (rand);

          memcpy (&value, &bits, sizeof value);
          if (!isfinite (value))
            continue;
        }

      node = json_node_init_double (json_node_alloc (), value);
      text = json_test_write (node, FALSE);
      back = north_mcp_json_read (text, strlen (text), 8, &error);
      g_assert_no_error (error);
      g_assert_cmpint (json_node_get_value_type (back), ==, G_TYPE_DOUBLE);
      g_assert_true (memcmp (&value, &(double) { json_node_get_double (back) }, sizeof value) == 0);
    }

  g_rand_free (rand);
}

/* north_mcp_json_string_size() counts what north_mcp_json_write_string()
 * writes, escapes included. */
static void
assert_string_size (const char *string)
{
  g_autoptr(GString) out = g_string_new (NULL);

  north_mcp_json_write_string (out, string);
  g_assert_cmpuint (north_mcp_json_string_size (string), ==, out->len);
}

static void
test_escapes (void)
{
  assert_string_size ("\"\\/\b\f\n\r\t");
  assert_string_size ("\x01\x02\x1e\x1f\x7f");
  assert_string_size ("a\xe2\x80\xa8" "b\xe2\x80\xa9" "c\xe2\x80\xaa");
  assert_string_size ("x\xe2");
  assert_string_size ("");

  assert_writes (json_node_init_string (json_node_alloc (), "\"\\/\b\f\n\r\t"),
                 "\"\\\"\\\\/\\b\\f\\n\\r\\t\"");
  assert_writes (json_node_init_string (json_node_alloc (), "\x01\x02\x1e\x1f\x7f"),
                 "\"\\u0001\\u0002\\u001e\\u001f\\u007f\"");
  assert_writes (json_node_init_string (json_node_alloc (), "a\xe2\x80\xa8" "b\xe2\x80\xa9" "c\xe2\x80\xaa"),
                 "\"a\\u2028b\\u2029c\xe2\x80\xaa\"");
  /* A lone E2 at the very end is not over-read (and is no UTF-8: see
   * below). */
  assert_writes (json_node_init_string (json_node_alloc (), "x\xe2"), "\"x\xef\xbf\xbd\"");
}

/* JSON text is UTF-8 (RFC 8259, section 8.1), and our reader refuses
 * anything else: bytes of a string that are not UTF-8 (a tool's text read
 * from a Latin-1 file, cut in the middle of a character...) come out as
 * U+FFFD, one per byte, so that what we write always reads back. */
static void
test_invalid_utf8 (void)
{
  static const struct {
    const char *string;
    const char *expected;
  } cases[] = {
    { "caf\xe9", "\"caf\xef\xbf\xbd\"" },
    { "a\xff" "b", "\"a\xef\xbf\xbd" "b\"" },
    /* Cut characters, at the end and before more text. */
    { "\xe2\x82", "\"\xef\xbf\xbd\xef\xbf\xbd\"" },
    { "\xf0\x9f\x98" "x", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" "x\"" },
    /* Overlong forms, an encoded surrogate, beyond U+10FFFF. */
    { "\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\"" },
    { "\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },
    { "\xf4\x90\x80\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },
    /* A stray continuation byte between valid characters. */
    { "\xc3\xa9\xa9\xe2\x82\xac", "\"\xc3\xa9\xef\xbf\xbd\xe2\x82\xac\"" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) node = json_node_init_string (json_node_alloc (), cases[i].string);
      g_autoptr(JsonNode) back = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *text = json_test_write (node, FALSE);

      g_assert_cmpstr (text, ==, cases[i].expected);
      /* What the size says is what is written. */
      g_assert_cmpuint (north_mcp_json_string_size (cases[i].string), ==, strlen (text));
      back = north_mcp_json_read (text, strlen (text), 8, &error);
      g_assert_no_error (error);
    }

  /* Member names too. */
  {
    g_autoptr(JsonObject) object = json_object_new ();
    g_autoptr(JsonNode) node = NULL;
    g_autoptr(JsonNode) back = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *text = NULL;

    json_object_set_int_member (object, "n\xe9", 1);
    node = json_node_init_object (json_node_alloc (), object);
    text = json_test_write (node, FALSE);
    g_assert_cmpstr (text, ==, "{\"n\xef\xbf\xbd\":1}");
    back = north_mcp_json_read (text, strlen (text), 8, &error);
    g_assert_no_error (error);
  }

  /* Names that become one: the valid one is kept, else the first
   * written, so that the text has no repeated name (the HTTP test sends
   * one). */
  {
    g_autoptr(JsonObject) object = json_object_new ();
    g_autoptr(JsonNode) node = NULL;
    g_autofree char *text = NULL;
    g_autofree char *canonical = NULL;

    json_object_set_int_member (object, "z", 0);
    json_object_set_int_member (object, "n\xe9", 1);
    json_object_set_int_member (object, "n\xe8", 2);
    json_object_set_int_member (object, "n\xef\xbf\xbd", 3);
    json_object_set_int_member (object, "m\xe9", 4);
    json_object_set_int_member (object, "m\xe8", 5);
    node = json_node_init_object (json_node_alloc (), object);
    text = json_test_write (node, FALSE);
    g_assert_cmpstr (text, ==, "{\"z\":0,\"n\xef\xbf\xbd\":3,\"m\xef\xbf\xbd\":4}");
    canonical = json_test_write (node, TRUE);
    g_assert_cmpstr (canonical, ==, "{\"m\xef\xbf\xbd\":5,\"n\xef\xbf\xbd\":3,\"z\":0}");
  }
}

static void
test_containers (void)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) empty_object = json_node_init_object (json_node_alloc (), NULL);
  g_autoptr(JsonNode) empty_array = json_node_init_array (json_node_alloc (), NULL);
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *ours = NULL;
  g_autofree char *theirs = NULL;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;

  a = json_test_write (empty_object, FALSE);
  b = json_test_write (empty_array, FALSE);
  /* Nodes initialized without a container write as empty ones. */
  g_assert_cmpstr (a, ==, "{}");
  g_assert_cmpstr (b, ==, "[]");

  /* Members come out in insertion order, like json-glib's generator. */
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "zeta");
  json_builder_add_int_value (builder, 1);
  json_builder_set_member_name (builder, "alpha");
  json_builder_begin_array (builder);
  json_builder_add_string_value (builder, "x");
  json_builder_add_null_value (builder);
  json_builder_add_boolean_value (builder, TRUE);
  json_builder_begin_object (builder);
  json_builder_end_object (builder);
  json_builder_begin_array (builder);
  json_builder_end_array (builder);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "m\"id");
  json_builder_add_string_value (builder, "line\nbreak");
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);

  ours = json_test_write (root, FALSE);
  theirs = json_to_string (root, FALSE);
  g_assert_cmpstr (ours, ==, "{\"zeta\":1,\"alpha\":[\"x\",null,true,{},[]],\"m\\\"id\":\"line\\nbreak\"}");
  g_assert_cmpstr (ours, ==, theirs);
}

/* north_mcp_jsonrpc_to_string() is the writer, with the length. */
static void
test_jsonrpc (void)
{
  g_autoptr(JsonNode) id = json_node_init_string (json_node_alloc (), "req-1");
  g_autoptr(JsonNode) error = north_mcp_jsonrpc_error_new (id, -32601, "Method \"x\" not found", NULL);
  gsize length = 0;
  g_autofree char *text = north_mcp_jsonrpc_to_string (error, &length);

  g_assert_cmpstr (text, ==,
                   "{\"jsonrpc\":\"2.0\",\"id\":\"req-1\",\"error\":{\"code\":-32601,"
                   "\"message\":\"Method \\\"x\\\" not found\"}}");
  g_assert_cmpuint (length, ==, strlen (text));
}

static gboolean
has_doubles (JsonNode *node)
{
  if (JSON_NODE_HOLDS_VALUE (node))
    return json_node_get_value_type (node) == G_TYPE_DOUBLE;

  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        if (has_doubles (json_array_get_element (array, i)))
          return TRUE;
    }
  else if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObjectIter iter;
      JsonNode *member;

      json_object_iter_init (&iter, json_node_get_object (node));
      while (json_object_iter_next (&iter, NULL, &member))
        if (has_doubles (member))
          return TRUE;
    }

  return FALSE;
}

/* Corpus documents: read, write, read again: the same tree; and the text
 * json-glib writes for it (when it has no doubles, which json-glib
 * formats differently) is the same text. */
static void
test_round_trip_corpus (void)
{
  const char *root = g_getenv ("NORTH_MCP_SOURCE_ROOT");
  static const char *dirs[] = {
    "fuzzing/corpus/fuzz-jsonrpc", "fuzzing/corpus/fuzz-json-reader",
    "tests/schema/mcp/2025-06-18", "tests/schema/mcp/2026-07-28",
  };
  guint checked = 0;

  g_assert_nonnull (root);
  for (gsize i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autofree char *dir = g_build_filename (root, dirs[i], NULL);
      g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
      const char *name;

      g_assert_nonnull (handle);
      while ((name = g_dir_read_name (handle)) != NULL)
        {
          g_autofree char *path = g_build_filename (dir, name, NULL);
          g_autofree char *contents = NULL;
          g_autofree char *text = NULL;
          g_autoptr(JsonNode) first = NULL;
          g_autoptr(JsonNode) second = NULL;
          g_autoptr(GError) error = NULL;
          gsize length;

          g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
          first = north_mcp_json_read (contents, length, NORTH_MCP_JSON_MAX_DEPTH, NULL);
          if (first == NULL)
            continue;

          text = json_test_write (first, FALSE);
          g_assert_null (strchr (text, '\n'));
          second = north_mcp_json_read (text, strlen (text), NORTH_MCP_JSON_MAX_DEPTH, &error);
          g_assert_no_error (error);
          g_assert_true (json_test_nodes_equal (second, first));

          if (!has_doubles (first))
            {
              g_autofree char *theirs = json_to_string (first, FALSE);

              g_assert_cmpstr (text, ==, theirs);
            }
          checked++;
        }
    }

  g_assert_cmpuint (checked, >=, 20);
}

/* Canonical JSON: members sorted by name at every depth (arrays keep
 * their order), so trees equal but for member order write alike. */
static void
test_canonical (void)
{
  const char *orders[] = {
    "{\"b\":[{\"z\":1,\"a\":\"x\"},2],\"a\":{\"\\u00e9\":1.5,\"e\":null,\"A\":true}}",
    "{ \"a\" : {\"A\":true,\"e\":null,\"\\u00e9\":1.5}, \"b\" : [{\"a\":\"x\",\"z\":1},2] }",
  };

  for (guint i = 0; i < G_N_ELEMENTS (orders); i++)
    {
      g_autoptr(JsonNode) node = json_from_string (orders[i], NULL);
      g_autoptr(GString) out = g_string_new (NULL);

      north_mcp_json_write_canonical (out, node);
      g_assert_cmpstr (out->str, ==,
                       "{\"a\":{\"A\":true,\"e\":null,\"\xc3\xa9\":1.5},\"b\":[{\"a\":\"x\",\"z\":1},2]}");
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/json-writer/scalars", test_scalars);
  g_test_add_func ("/json-writer/doubles", test_doubles);
  g_test_add_func ("/json-writer/double-round-trip", test_double_round_trip);
  g_test_add_func ("/json-writer/escapes", test_escapes);
  g_test_add_func ("/json-writer/invalid-utf8", test_invalid_utf8);
  g_test_add_func ("/json-writer/containers", test_containers);
  g_test_add_func ("/json-writer/jsonrpc", test_jsonrpc);
  g_test_add_func ("/json-writer/round-trip-corpus", test_round_trip_corpus);
  g_test_add_func ("/json-writer/canonical", test_canonical);

  return g_test_run ();
}
