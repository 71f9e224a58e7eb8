/* test-schema.c: argument checking against input schemas
 *
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <json-glib/json-glib.h>

#include "north-mcp-error.h"
#include "north-mcp-json-reader-private.h"
#include "north-mcp-schema-private.h"

static JsonNode *
parse (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_node_ref (json_parser_get_root (parser));
}

static NorthMcpSchemaChecker *
checker_new (const char *schema_text)
{
  g_autoptr(JsonNode) schema = parse (schema_text);

  g_assert_true (JSON_NODE_HOLDS_OBJECT (schema));
  return north_mcp_schema_checker_new (json_node_get_object (schema));
}

/* @value (built by the caller, freed here) against @schema (likewise)
 * runs out of the check's budget; returns the checker and, in @node_out,
 * the value, for more checks. */
static NorthMcpSchemaChecker *
assert_too_complex (GString   *schema,
                    GString   *value,
                    JsonNode **node_out)
{
  g_autofree char *schema_text = g_string_free (schema, FALSE);
  g_autofree char *value_text = g_string_free (value, FALSE);
  NorthMcpSchemaChecker *checker = checker_new (schema_text);
  g_autoptr(JsonNode) node = parse (value_text);
  g_autoptr(GError) error = NULL;

  g_assert_false (north_mcp_schema_checker_check (checker, node, &error));
  g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==, "arguments are too complex to check against the input schema");
  *node_out = g_steal_pointer (&node);
  return checker;
}

/* NULL @message: the value must pass. Otherwise it must fail with exactly
 * @message. */
static void
assert_check (const char *schema_text,
              const char *value_text,
              const char *message)
{
  g_autoptr(NorthMcpSchemaChecker) checker = checker_new (schema_text);
  g_autoptr(JsonNode) value = parse (value_text);
  g_autoptr(GError) error = NULL;
  gboolean ok;

  ok = north_mcp_schema_checker_check (checker, value, &error);
  /* Without an error location (the checker skips building messages then)
   * the verdict is the same. */
  g_assert_true (north_mcp_schema_checker_check (checker, value, NULL) == ok);
  if (message == NULL)
    {
      if (error != NULL)
        g_test_message ("schema %s, value %s: %s", schema_text, value_text, error->message);
      g_assert_no_error (error);
      g_assert_true (ok);
    }
  else
    {
      if (error == NULL)
        g_test_message ("schema %s, value %s: unexpectedly valid", schema_text, value_text);
      g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT);
      g_assert_false (ok);
      g_assert_cmpstr (error->message, ==, message);
    }
}

#define ADD_SCHEMA "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"}," \
                   "\"b\":{\"type\":\"integer\"}},\"required\":[\"a\",\"b\"]}"

static void
test_required (void)
{
  assert_check (ADD_SCHEMA, "{\"a\":1,\"b\":2}", NULL);
  assert_check (ADD_SCHEMA, "{\"a\":1}", "missing required argument 'b'");
  assert_check (ADD_SCHEMA, "{}", "missing required argument 'a'");
  assert_check (ADD_SCHEMA, "{\"b\":2,\"c\":3}", "missing required argument 'a'");
  /* Null is a value: "required" only asks for presence. */
  assert_check ("{\"required\":[\"x\"]}", "{\"x\":null}", NULL);
  /* Non-string entries of "required" are ignored. */
  assert_check ("{\"required\":[1, null, \"x\"]}", "{\"x\":0}", NULL);
  assert_check ("{\"required\":[1, null, \"x\"]}", "{}", "missing required argument 'x'");
  /* Nested. */
  assert_check ("{\"properties\":{\"cfg\":{\"type\":\"object\",\"required\":[\"name\"]}}}",
                "{\"cfg\":{}}", "missing required argument 'cfg.name'");
}

/* As assert_check(), with the value read by the server's own reader
 * (which makes integers beyond gint64 doubles). */
static void
assert_check_read (const char *schema_text,
                   const char *value_text,
                   const char *message)
{
  g_autoptr(NorthMcpSchemaChecker) checker = checker_new (schema_text);
  g_autoptr(JsonNode) value = north_mcp_json_read (value_text, strlen (value_text),
                                                   NORTH_MCP_JSON_MAX_DEPTH, NULL);
  g_autoptr(GError) error = NULL;
  gboolean ok;

  g_assert_nonnull (value);
  ok = north_mcp_schema_checker_check (checker, value, &error);
  g_assert_true (north_mcp_schema_checker_check (checker, value, NULL) == ok);
  if (message == NULL)
    g_assert_no_error (error);
  else
    {
      g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT);
      g_assert_cmpstr (error->message, ==, message);
    }
}

#define OUT_OF_RANGE "must be an integer from -9223372036854775808 to 9223372036854775807"

/* "integer" arguments reach handlers as gint64: larger integers fail. */
static void
test_int64_range (void)
{
  const char *number = "{\"properties\":{\"x\":{\"type\":\"number\"}}}";

  assert_check_read (ADD_SCHEMA, "{\"a\":9223372036854775807,\"b\":-9223372036854775808}", NULL);
  assert_check_read (ADD_SCHEMA, "{\"a\":1e18,\"b\":-4611686018427387904.0}", NULL);
  assert_check_read (ADD_SCHEMA, "{\"a\":1000000000000000000000000000000,\"b\":1}",
                     "argument 'a' " OUT_OF_RANGE);
  assert_check_read (ADD_SCHEMA, "{\"a\":1,\"b\":9223372036854775808}", "argument 'b' " OUT_OF_RANGE);
  assert_check_read (ADD_SCHEMA, "{\"a\":1,\"b\":-9223372036854775809}", "argument 'b' " OUT_OF_RANGE);
  assert_check_read (ADD_SCHEMA, "{\"a\":-1e30,\"b\":1}", "argument 'a' " OUT_OF_RANGE);
  assert_check_read ("{\"properties\":{\"list\":{\"items\":{\"type\":\"integer\"}}}}",
                     "{\"list\":[1,2,1e19]}", "argument 'list[2]' " OUT_OF_RANGE);
  /* A number may be any size. */
  assert_check_read (number, "{\"x\":1000000000000000000000000000000}", NULL);
  assert_check_read ("{\"properties\":{\"x\":{\"type\":[\"integer\",\"number\"]}}}",
                     "{\"x\":1e30}", NULL);
}

static void
test_types (void)
{
  assert_check (ADD_SCHEMA, "{\"a\":\"1\",\"b\":2}", "argument 'a' must be an integer, got string");
  assert_check (ADD_SCHEMA, "{\"a\":1,\"b\":2.5}", "argument 'b' must be an integer, got number");
  /* A number without a fractional part is an integer, however written. */
  assert_check (ADD_SCHEMA, "{\"a\":1.0,\"b\":-0.0}", NULL);
  assert_check (ADD_SCHEMA, "{\"a\":1e3,\"b\":-2}", NULL);
  assert_check (ADD_SCHEMA, "{\"a\":true,\"b\":2}", "argument 'a' must be an integer, got boolean");
  assert_check (ADD_SCHEMA, "{\"a\":null,\"b\":2}", "argument 'a' must be an integer, got null");
  assert_check (ADD_SCHEMA, "{\"a\":[1],\"b\":2}", "argument 'a' must be an integer, got array");
  assert_check (ADD_SCHEMA, "{\"a\":{},\"b\":2}", "argument 'a' must be an integer, got object");

  assert_check ("{\"properties\":{\"x\":{\"type\":\"number\"}}}", "{\"x\":1}", NULL);
  assert_check ("{\"properties\":{\"x\":{\"type\":\"number\"}}}", "{\"x\":1.5}", NULL);
  assert_check ("{\"properties\":{\"x\":{\"type\":\"number\"}}}", "{\"x\":\"1.5\"}",
                "argument 'x' must be a number, got string");
  assert_check ("{\"properties\":{\"x\":{\"type\":\"string\"}}}", "{\"x\":\"\"}", NULL);
  assert_check ("{\"properties\":{\"x\":{\"type\":\"string\"}}}", "{\"x\":1}",
                "argument 'x' must be a string, got integer");
  assert_check ("{\"properties\":{\"x\":{\"type\":\"boolean\"}}}", "{\"x\":false}", NULL);
  assert_check ("{\"properties\":{\"x\":{\"type\":\"boolean\"}}}", "{\"x\":0}",
                "argument 'x' must be a boolean, got integer");
  assert_check ("{\"properties\":{\"x\":{\"type\":\"null\"}}}", "{\"x\":null}", NULL);
  assert_check ("{\"properties\":{\"x\":{\"type\":\"null\"}}}", "{\"x\":\"null\"}",
                "argument 'x' must be null, got string");
  assert_check ("{\"properties\":{\"x\":{\"type\":\"array\"}}}", "{\"x\":[]}", NULL);
  assert_check ("{\"properties\":{\"x\":{\"type\":\"object\"}}}", "{\"x\":[]}",
                "argument 'x' must be an object, got array");
  /* Members the schema does not declare are not checked. */
  assert_check (ADD_SCHEMA, "{\"a\":1,\"b\":2,\"c\":\"x\"}", NULL);
}

static void
test_union_types (void)
{
  const char *schema = "{\"properties\":{\"x\":{\"type\":[\"string\",\"null\"]}}}";

  assert_check (schema, "{\"x\":\"s\"}", NULL);
  assert_check (schema, "{\"x\":null}", NULL);
  assert_check (schema, "{\"x\":1}", "argument 'x' must be a string or null, got integer");
  assert_check ("{\"properties\":{\"x\":{\"type\":[\"integer\",\"boolean\",\"array\"]}}}",
                "{\"x\":1.5}",
                "argument 'x' must be an integer, a boolean or an array, got number");
  assert_check ("{\"properties\":{\"x\":{\"type\":[\"integer\",\"number\"]}}}",
                "{\"x\":\"1\"}", "argument 'x' must be a number, got string");
  /* Unknown or malformed type names make the keyword ignored. */
  assert_check ("{\"properties\":{\"x\":{\"type\":\"text\"}}}", "{\"x\":1}", NULL);
  assert_check ("{\"properties\":{\"x\":{\"type\":[\"string\",\"text\"]}}}", "{\"x\":1}", NULL);
  assert_check ("{\"properties\":{\"x\":{\"type\":[\"string\",7]}}}", "{\"x\":1}", NULL);
  assert_check ("{\"properties\":{\"x\":{\"type\":7}}}", "{\"x\":1}", NULL);
  assert_check ("{\"properties\":{\"x\":{\"type\":[]}}}", "{\"x\":1}", NULL);
}

static void
test_root (void)
{
  g_autoptr(NorthMcpSchemaChecker) checker = checker_new (ADD_SCHEMA);
  g_autoptr(NorthMcpSchemaChecker) any = north_mcp_schema_checker_new (NULL);
  const char *not_objects[] = { "[]", "1", "\"s\"", "null", "true", "1.5" };
  const char *got[] = { "array", "integer", "string", "null", "boolean", "number" };
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (not_objects); i++)
    {
      g_autoptr(JsonNode) value = parse (not_objects[i]);
      g_autofree char *expected = g_strdup_printf ("arguments must be an object, got %s", got[i]);
      g_autoptr(GError) local_error = NULL;

      g_assert_false (north_mcp_schema_checker_check (checker, value, &local_error));
      g_assert_error (local_error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT);
      g_assert_cmpstr (local_error->message, ==, expected);

      g_clear_error (&local_error);
      g_assert_false (north_mcp_schema_checker_check (any, value, &local_error));
      g_assert_error (local_error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT);
    }

  /* No arguments at all count as an empty object. */
  g_assert_false (north_mcp_schema_checker_check (checker, NULL, &error));
  g_assert_cmpstr (error->message, ==, "missing required argument 'a'");
  g_assert_true (north_mcp_schema_checker_check (any, NULL, NULL));

  assert_check ("{}", "{\"anything\":[1,{\"x\":null}]}", NULL);
  assert_check ("{\"type\":\"object\"}", "{}", NULL);
  /* A root that claims another type still only accepts objects... */
  assert_check ("{\"type\":\"string\"}", "{}", "arguments must be a string, got object");
}

static void
test_nested (void)
{
  const char *schema =
    "{\"type\":\"object\",\"properties\":{"
    "  \"list\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
    "    \"properties\":{\"name\":{\"type\":\"string\"},\"n\":{\"type\":\"integer\"}},"
    "    \"required\":[\"name\"]}},"
    "  \"matrix\":{\"type\":\"array\",\"items\":{\"type\":\"array\",\"items\":{\"type\":\"number\"}}}"
    "}}";

  assert_check (schema, "{\"list\":[{\"name\":\"a\"},{\"name\":\"b\",\"n\":2}]}", NULL);
  assert_check (schema, "{\"list\":[]}", NULL);
  assert_check (schema, "{\"list\":[{\"name\":\"a\"},{\"name\":3}]}",
                "argument 'list[1].name' must be a string, got integer");
  assert_check (schema, "{\"list\":[{\"name\":\"a\"},{\"n\":3}]}",
                "missing required argument 'list[1].name'");
  assert_check (schema, "{\"list\":[\"a\"]}",
                "argument 'list[0]' must be an object, got string");
  assert_check (schema, "{\"matrix\":[[1,2],[3,\"4\"]]}",
                "argument 'matrix[1][1]' must be a number, got string");
  assert_check (schema, "{\"matrix\":[[1,2],[3,4.5]]}", NULL);
}

static void
test_tuples (void)
{
  const char *schema =
    "{\"properties\":{\"t\":{\"prefixItems\":[{\"type\":\"string\"},{\"type\":\"integer\"}],"
    "\"items\":{\"type\":\"boolean\"}}}}";
  const char *closed =
    "{\"properties\":{\"t\":{\"prefixItems\":[{\"type\":\"string\"}],\"items\":false}}}";
  const char *legacy =
    "{\"properties\":{\"t\":{\"items\":[{\"type\":\"string\"},{\"type\":\"integer\"}]}}}";

  assert_check (schema, "{\"t\":[\"a\",1,true,false]}", NULL);
  assert_check (schema, "{\"t\":[\"a\"]}", NULL);
  assert_check (schema, "{\"t\":[1]}", "argument 't[0]' must be a string, got integer");
  assert_check (schema, "{\"t\":[\"a\",1,2]}", "argument 't[2]' must be a boolean, got integer");
  assert_check (closed, "{\"t\":[\"a\"]}", NULL);
  assert_check (closed, "{\"t\":[\"a\",\"b\"]}", "argument 't' must have at most 1 item");
  assert_check (legacy, "{\"t\":[\"a\",2,\"anything\"]}", NULL);
  assert_check (legacy, "{\"t\":[\"a\",\"b\"]}", "argument 't[1]' must be an integer, got string");
}

static void
test_enum_const (void)
{
  const char *schema = "{\"properties\":{\"c\":{\"enum\":[\"red\",\"green\",1,null,{\"a\":[1]}]}}}";

  assert_check (schema, "{\"c\":\"red\"}", NULL);
  assert_check (schema, "{\"c\":null}", NULL);
  assert_check (schema, "{\"c\":1.0}", NULL);
  assert_check (schema, "{\"c\":{\"a\":[1]}}", NULL);
  assert_check (schema, "{\"c\":\"blue\"}",
                "argument 'c' must be one of \"red\", \"green\", 1, null, {\"a\":[1]}");
  assert_check (schema, "{\"c\":{\"a\":[1],\"b\":2}}",
                "argument 'c' must be one of \"red\", \"green\", 1, null, {\"a\":[1]}");
  assert_check (schema, "{\"c\":\"Red\"}",
                "argument 'c' must be one of \"red\", \"green\", 1, null, {\"a\":[1]}");
  assert_check (schema, "{\"c\":true}",
                "argument 'c' must be one of \"red\", \"green\", 1, null, {\"a\":[1]}");
  assert_check ("{\"properties\":{\"c\":{\"enum\":[1,2,3,4,5,6,7,8,9,10]}}}", "{\"c\":11}",
                "argument 'c' must be one of 1, 2, 3, 4, 5, 6, 7, 8, …");
  assert_check ("{\"properties\":{\"c\":{\"enum\":[]}}}", "{\"c\":1}",
                "argument 'c' must be one of ");

  assert_check ("{\"properties\":{\"k\":{\"const\":\"v\"}}}", "{\"k\":\"v\"}", NULL);
  assert_check ("{\"properties\":{\"k\":{\"const\":\"v\"}}}", "{\"k\":\"w\"}",
                "argument 'k' must be \"v\"");
  assert_check ("{\"properties\":{\"k\":{\"const\":null}}}", "{\"k\":null}", NULL);
  assert_check ("{\"properties\":{\"k\":{\"const\":null}}}", "{\"k\":0}",
                "argument 'k' must be null");
  assert_check ("{\"properties\":{\"k\":{\"const\":[1,{\"x\":2}]}}}", "{\"k\":[1,{\"x\":2.0}]}", NULL);
  assert_check ("{\"properties\":{\"k\":{\"const\":[1,{\"x\":2}]}}}", "{\"k\":[{\"x\":2},1]}",
                "argument 'k' must be [1,{\"x\":2}]");
  /* Keep a schema's enum values alive after the schema's last reference. */
  {
    g_autoptr(NorthMcpSchemaChecker) checker = checker_new (schema);
    g_autoptr(JsonNode) value = parse ("{\"c\":\"green\"}");

    g_assert_true (north_mcp_schema_checker_check (checker, value, NULL));
  }
}

static void
test_additional_properties (void)
{
  const char *closed = "{\"properties\":{\"a\":{}},\"additionalProperties\":false}";
  const char *typed = "{\"properties\":{\"a\":{}},\"additionalProperties\":{\"type\":\"string\"}}";

  assert_check (closed, "{\"a\":1}", NULL);
  assert_check (closed, "{}", NULL);
  assert_check (closed, "{\"a\":1,\"b\":2}", "unknown argument 'b'");
  assert_check ("{\"properties\":{\"o\":{\"additionalProperties\":false}}}",
                "{\"o\":{\"zz\":1}}", "unknown argument 'o.zz'");
  assert_check (typed, "{\"a\":1,\"b\":\"x\"}", NULL);
  assert_check (typed, "{\"a\":1,\"b\":2}", "argument 'b' must be a string, got integer");
  assert_check ("{\"additionalProperties\":true}", "{\"z\":1}", NULL);
  /* Pattern properties are not checked, so neither is additionalProperties. */
  assert_check ("{\"patternProperties\":{\"^x\":{}},\"additionalProperties\":false}",
                "{\"xy\":1}", NULL);
  /* A property declared `false` may not appear. */
  assert_check ("{\"properties\":{\"gone\":false}}", "{\"gone\":1}", "argument 'gone' is not allowed");
  assert_check ("{\"properties\":{\"gone\":false}}", "{}", NULL);
  /* Hostile member names are sanitized and shortened in messages. */
  {
    g_autoptr(GString) name = g_string_new (NULL);
    g_autofree char *value = NULL;
    g_autofree char *expected = NULL;

    for (guint i = 0; i < 1000; i++)
      g_string_append_c (name, 'n');
    value = g_strdup_printf ("{\"%s\":1}", name->str);
    g_string_truncate (name, 64);
    expected = g_strdup_printf ("unknown argument '%s…'", name->str);
    assert_check (closed, value, expected);
  }
  assert_check (closed, "{\"a\\nb\\u0000c\":1}", "unknown argument 'a?b'");
}

static void
test_numbers (void)
{
  const char *schema = "{\"properties\":{\"n\":{\"minimum\":1,\"maximum\":10}}}";
  const char *exclusive = "{\"properties\":{\"n\":{\"exclusiveMinimum\":0,\"exclusiveMaximum\":1.5}}}";

  assert_check (schema, "{\"n\":1}", NULL);
  assert_check (schema, "{\"n\":10}", NULL);
  assert_check (schema, "{\"n\":5.5}", NULL);
  assert_check (schema, "{\"n\":0}", "argument 'n' must be at least 1");
  assert_check (schema, "{\"n\":0.999}", "argument 'n' must be at least 1");
  assert_check (schema, "{\"n\":11}", "argument 'n' must be at most 10");
  assert_check (schema, "{\"n\":10.01}", "argument 'n' must be at most 10");
  assert_check (schema, "{\"n\":\"100\"}", NULL);  /* not a number: bounds do not apply */
  assert_check (exclusive, "{\"n\":1}", NULL);
  assert_check (exclusive, "{\"n\":0}", "argument 'n' must be greater than 0");
  assert_check (exclusive, "{\"n\":1.5}", "argument 'n' must be less than 1.5");
  assert_check ("{\"properties\":{\"n\":{\"minimum\":0.1}}}", "{\"n\":0.05}",
                "argument 'n' must be at least 0.1");
  /* Large integers compare exactly. */
  assert_check ("{\"properties\":{\"n\":{\"maximum\":9007199254740992}}}",
                "{\"n\":9007199254740993}", "argument 'n' must be at most 9007199254740992");
  assert_check ("{\"properties\":{\"n\":{\"maximum\":\"10\"}}}", "{\"n\":100}", NULL);
  /* json-glib reads 1e400 as infinity: a number, not an integer, and huge. */
  assert_check ("{\"properties\":{\"n\":{\"type\":\"number\"}}}", "{\"n\":1e400}", NULL);
  assert_check ("{\"properties\":{\"n\":{\"type\":\"integer\"}}}", "{\"n\":-1e400}",
                "argument 'n' must be an integer, got number");
  assert_check (schema, "{\"n\":1e400}", "argument 'n' must be at most 10");
  assert_check ("{\"properties\":{\"s\":{\"maxLength\":1e400}}}", "{\"s\":\"abc\"}", NULL);
}

/* A result is checked as the client reads it: our writer sends NaN and
 * infinity, which JSON cannot hold, as null, so a tool's 1/0 must not
 * pass for the number its schema promises (the client would get null). */
static void
test_output_as_sent (void)
{
  g_autoptr(NorthMcpSchemaChecker) number = checker_new ("{\"properties\":{\"x\":{\"type\":\"number\"}}}");
  g_autoptr(NorthMcpSchemaChecker) nullable =
    checker_new ("{\"properties\":{\"x\":{\"type\":[\"number\",\"null\"]}}}");
  static const double values[] = { INFINITY, -INFINITY, NAN };

  for (gsize i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autoptr(JsonObject) object = json_object_new ();
      g_autoptr(JsonNode) node = NULL;
      g_autoptr(GError) error = NULL;

      json_object_set_double_member (object, "x", values[i]);
      node = json_node_init_object (json_node_alloc (), object);
      g_assert_false (north_mcp_schema_checker_check_output (number, node, &error));
      g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT);
      g_assert_cmpstr (error->message, ==, "structuredContent member 'x' must be a number, got null");
      g_assert_false (north_mcp_schema_checker_check_output (number, node, NULL));
      g_assert_true (north_mcp_schema_checker_check_output (nullable, node, NULL));
    }
}

static void
test_lengths (void)
{
  const char *strings = "{\"properties\":{\"s\":{\"type\":\"string\",\"minLength\":2,\"maxLength\":3}}}";
  const char *arrays = "{\"properties\":{\"l\":{\"minItems\":1,\"maxItems\":2}}}";
  const char *objects = "{\"properties\":{\"o\":{\"minProperties\":1,\"maxProperties\":1}}}";

  assert_check (strings, "{\"s\":\"ab\"}", NULL);
  assert_check (strings, "{\"s\":\"abc\"}", NULL);
  /* Characters, not bytes. */
  assert_check (strings, "{\"s\":\"\xc3\xa9\xc3\xa9\xc3\xa9\"}", NULL);
  assert_check (strings, "{\"s\":\"a\"}", "argument 's' must have at least 2 characters");
  assert_check (strings, "{\"s\":\"abcd\"}", "argument 's' must have at most 3 characters");
  assert_check ("{\"properties\":{\"s\":{\"maxLength\":1}}}", "{\"s\":\"ab\"}",
                "argument 's' must have at most 1 character");
  assert_check (arrays, "{\"l\":[1]}", NULL);
  assert_check (arrays, "{\"l\":[]}", "argument 'l' must have at least 1 item");
  assert_check (arrays, "{\"l\":[1,2,3]}", "argument 'l' must have at most 2 items");
  assert_check (objects, "{\"o\":{\"a\":1}}", NULL);
  assert_check (objects, "{\"o\":{}}", "argument 'o' must have at least 1 member");
  assert_check (objects, "{\"o\":{\"a\":1,\"b\":2}}", "argument 'o' must have at most 1 member");
  /* Malformed counts are ignored. */
  assert_check ("{\"properties\":{\"s\":{\"minLength\":-1,\"maxLength\":1.5}}}",
                "{\"s\":\"abc\"}", NULL);
  assert_check ("{\"properties\":{\"s\":{\"maxLength\":2.0}}}", "{\"s\":\"abc\"}",
                "argument 's' must have at most 2 characters");
}

static void
test_combinators (void)
{
  const char *optional = "{\"properties\":{\"x\":{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"null\"}]}}}";
  const char *one = "{\"properties\":{\"x\":{\"oneOf\":[{\"type\":\"integer\"},{\"type\":\"number\"}]}}}";
  const char *all = "{\"properties\":{\"x\":{\"allOf\":[{\"type\":\"integer\"},{\"minimum\":3}]}}}";

  assert_check (optional, "{\"x\":\"s\"}", NULL);
  assert_check (optional, "{\"x\":null}", NULL);
  assert_check (optional, "{\"x\":1}",
                "argument 'x' matches none of the allowed schemas "
                "(argument 'x' must be a string, got integer)");
  assert_check (one, "{\"x\":1.5}", NULL);
  assert_check (one, "{\"x\":1}", "argument 'x' matches more than one of the exclusive schemas");
  assert_check (one, "{\"x\":\"1\"}",
                "argument 'x' matches none of the allowed schemas "
                "(argument 'x' must be an integer, got string)");
  assert_check (all, "{\"x\":3}", NULL);
  assert_check (all, "{\"x\":2}", "argument 'x' must be at least 3");
  /* Keywords the checker does not know are ignored. */
  assert_check ("{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\","
                "\"$defs\":{\"p\":{\"type\":\"string\"}},"
                "\"properties\":{\"x\":{\"$ref\":\"other.json#/$defs/p\",\"format\":\"email\","
                "\"not\":{},\"if\":{},\"then\":false,\"patternProperties\":{\"^a\":false},"
                "\"$anchor\":\"a\",\"$dynamicRef\":\"#x\"}}}",
                "{\"x\":[1,1]}", NULL);
  /* Malformed combinators are ignored too. */
  assert_check ("{\"anyOf\":{},\"oneOf\":\"x\",\"allOf\":[]}", "{}", NULL);
  assert_check ("{\"properties\":{\"x\":{\"anyOf\":[false,{\"type\":\"string\"}]}}}", "{\"x\":\"\"}", NULL);
}

static void
test_refs (void)
{
  const char *defs =
    "{\"$defs\":{\"p\":{\"type\":\"string\"},\"a/b\":{\"type\":\"integer\"},\"a b\":{\"type\":\"boolean\"},"
    "\"list\":[{\"type\":\"null\"}]},"
    "\"properties\":{\"x\":{\"$ref\":\"#/$defs/p\"},\"y\":{\"$ref\":\"#/$defs/a~1b\"},"
    "\"z\":{\"$ref\":\"#/$defs/a%20b\"},\"n\":{\"$ref\":\"#/$defs/list/0\"},"
    "\"s\":{\"$ref\":\"#/$defs/p\",\"minLength\":3},"
    "\"remote\":{\"$ref\":\"https://example.com/s.json#/$defs/p\"},"
    "\"missing\":{\"$ref\":\"#/$defs/nope\"},\"bad\":{\"$ref\":\"#/$defs/list/7\"},"
    "\"anchor\":{\"$ref\":\"#name\"}}}";
  const char *tree =
    "{\"$defs\":{\"node\":{\"type\":\"object\",\"properties\":{\"value\":{\"type\":\"integer\"},"
    "\"children\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/node\"}}},\"required\":[\"value\"]}},"
    "\"properties\":{\"tree\":{\"$ref\":\"#/$defs/node\"}}}";
  const char *draft7 =
    "{\"definitions\":{\"p\":{\"enum\":[\"a\",\"b\"]}},\"properties\":{\"x\":{\"$ref\":\"#/definitions/p\"}}}";
  const char *self = "{\"type\":\"object\",\"properties\":{\"self\":{\"$ref\":\"#\"}},\"required\":[\"id\"]}";

  assert_check (defs, "{\"x\":\"s\",\"y\":1,\"z\":true,\"n\":null,\"s\":\"abc\"}", NULL);
  assert_check (defs, "{\"x\":1}", "argument 'x' must be a string, got integer");
  assert_check (defs, "{\"y\":\"1\"}", "argument 'y' must be an integer, got string");
  assert_check (defs, "{\"z\":1}", "argument 'z' must be a boolean, got integer");
  assert_check (defs, "{\"n\":1}", "argument 'n' must be null, got integer");
  /* Keywords next to $ref apply too. */
  assert_check (defs, "{\"s\":\"ab\"}", "argument 's' must have at least 3 characters");
  assert_check (defs, "{\"s\":3}", "argument 's' must be a string, got integer");
  /* Remote, dangling and anchor references are ignored. */
  assert_check (defs, "{\"remote\":1,\"missing\":1,\"bad\":1,\"anchor\":1}", NULL);

  assert_check (draft7, "{\"x\":\"b\"}", NULL);
  assert_check (draft7, "{\"x\":\"c\"}", "argument 'x' must be one of \"a\", \"b\"");

  /* Recursive schemas. */
  assert_check (tree, "{\"tree\":{\"value\":1,\"children\":[{\"value\":2},{\"value\":3,\"children\":[]}]}}", NULL);
  assert_check (tree, "{\"tree\":{\"value\":1,\"children\":[{\"value\":2,\"children\":[{\"value\":\"3\"}]}]}}",
                "argument 'tree.children[0].children[0].value' must be an integer, got string");
  assert_check (tree, "{\"tree\":{\"value\":1,\"children\":[{\"children\":[]}]}}",
                "missing required argument 'tree.children[0].value'");
  assert_check (self, "{\"id\":1,\"self\":{\"id\":2,\"self\":{\"id\":3}}}", NULL);
  assert_check (self, "{\"id\":1,\"self\":{\"id\":2,\"self\":{}}}", "missing required argument 'self.self.id'");
  assert_check (self, "{\"id\":1,\"self\":[]}", "argument 'self' must be an object, got array");
}

static void
test_ref_loops (void)
{
  /* A schema that is only itself recurses without consuming the value: the
   * depth limit ends it. */
  {
    g_autoptr(NorthMcpSchemaChecker) checker =
      checker_new ("{\"$defs\":{\"a\":{\"$ref\":\"#/$defs/a\"}},\"properties\":{\"x\":{\"$ref\":\"#/$defs/a\"}}}");
    g_autoptr(JsonNode) value = parse ("{\"x\":1}");
    g_autoptr(JsonNode) other = parse ("{\"y\":1}");
    g_autoptr(GError) error = NULL;

    g_assert_false (north_mcp_schema_checker_check (checker, value, &error));
    g_assert_true (strstr (error->message, "nested too deeply") != NULL);
    g_assert_true (north_mcp_schema_checker_check (checker, other, NULL));
  }
  /* Two alternatives that both recurse: 2^64 paths without the budget. */
  {
    g_autoptr(NorthMcpSchemaChecker) checker =
      checker_new ("{\"$defs\":{\"a\":{\"anyOf\":[{\"$ref\":\"#/$defs/a\"},{\"$ref\":\"#/$defs/a\"}]}},"
                   "\"properties\":{\"x\":{\"$ref\":\"#/$defs/a\"}}}");
    g_autoptr(JsonNode) value = parse ("{\"x\":1}");
    g_autoptr(GError) error = NULL;

    g_assert_false (north_mcp_schema_checker_check (checker, value, &error));
    g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT);
    g_assert_false (north_mcp_schema_checker_check (checker, value, NULL));
  }
  /* A long chain of references compiles without deep recursion. */
  {
    GString *schema = g_string_new ("{\"$defs\":{");
    g_autofree char *text = NULL;
    g_autoptr(NorthMcpSchemaChecker) checker = NULL;
    g_autoptr(JsonNode) value = parse ("{\"x\":1}");

    for (guint i = 0; i < 10000; i++)
      g_string_append_printf (schema, "\"d%u\":{\"$ref\":\"#/$defs/d%u\"},", i, i + 1);
    g_string_append (schema, "\"d10000\":{\"type\":\"integer\"}},\"properties\":{\"x\":{\"$ref\":\"#/$defs/d0\"}}}");
    text = g_string_free (schema, FALSE);
    checker = checker_new (text);
    /* ...and checking it stops at the depth limit. */
    g_assert_false (north_mcp_schema_checker_check (checker, value, NULL));
  }
}

static char *
repeat (const char *open,
        const char *middle,
        const char *close,
        guint       n)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    g_string_append (out, open);
  g_string_append (out, middle);
  for (guint i = 0; i < n; i++)
    g_string_append (out, close);
  return g_string_free (out, FALSE);
}

static void
test_deep (void)
{
  g_autofree char *deep_schema = repeat ("{\"properties\":{\"a\":", "{\"type\":\"string\"}", "}}", 100);
  g_autofree char *deep_value = repeat ("{\"a\":", "1", "}", 100);
  g_autofree char *ok_schema = repeat ("{\"properties\":{\"a\":", "{\"type\":\"string\"}", "}}", 30);
  g_autofree char *ok_value = repeat ("{\"a\":", "\"s\"", "}", 30);
  g_autofree char *bad_value = repeat ("{\"a\":", "1", "}", 30);
  g_autofree char *shallow_value = repeat ("{\"a\":", "{}", "}", 10);
  g_autofree char *deep_items = repeat ("{\"items\":", "{}", "}", 200);
  g_autofree char *deep_array = repeat ("[", "", "]", 200);
  g_autoptr(NorthMcpSchemaChecker) checker = checker_new (deep_schema);
  g_autoptr(JsonNode) value = parse (deep_value);
  g_autoptr(GError) error = NULL;

  g_assert_false (north_mcp_schema_checker_check (checker, value, &error));
  g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT);
  g_assert_true (strstr (error->message, "nested too deeply") != NULL);
  g_assert_true (g_str_has_prefix (error->message, "argument 'a.a.a.a"));
  g_test_message ("%s", error->message);
  /* The path is shortened. */
  g_assert_cmpuint (strlen (error->message), <, 400);

  /* A value that stops before the limit is checked normally. */
  assert_check (deep_schema, shallow_value, NULL);
  assert_check (ok_schema, ok_value, NULL);
  {
    g_autoptr(NorthMcpSchemaChecker) c = checker_new (ok_schema);
    g_autoptr(JsonNode) v = parse (bad_value);
    g_autoptr(GError) e = NULL;

    g_assert_false (north_mcp_schema_checker_check (c, v, &e));
    g_assert_true (strstr (e->message, "must be a string, got integer") != NULL);
  }
  {
    g_autofree char *schema = g_strdup_printf ("{\"properties\":{\"x\":%s}}", deep_items);
    g_autofree char *v = g_strdup_printf ("{\"x\":%s}", deep_array);
    g_autoptr(NorthMcpSchemaChecker) c = checker_new (schema);
    g_autoptr(JsonNode) node = parse (v);
    g_autoptr(GError) e = NULL;

    g_assert_false (north_mcp_schema_checker_check (c, node, &e));
    g_assert_true (strstr (e->message, "nested too deeply") != NULL);
    g_assert_true (g_str_has_prefix (e->message, "argument 'x[0][0][0]"));
  }
  /* A deep value the schema does not describe is never walked. */
  {
    g_autofree char *v = g_strdup_printf ("{\"a\":1,\"b\":2,\"c\":%s}", deep_array);

    assert_check (ADD_SCHEMA, v, NULL);
  }
}

static void
test_deep_const (void)
{
  g_autofree char *deep = repeat ("[", "1", "]", 100);
  g_autofree char *schema = g_strdup_printf ("{\"properties\":{\"k\":{\"const\":%s}}}", deep);
  g_autofree char *value = g_strdup_printf ("{\"k\":%s}", deep);
  g_autoptr(NorthMcpSchemaChecker) checker = checker_new (schema);
  g_autoptr(JsonNode) node = parse (value);
  g_autoptr(GError) error = NULL;

  /* Equality gives up beyond the depth limit rather than recursing on. */
  g_assert_false (north_mcp_schema_checker_check (checker, node, &error));
  g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT);
}

static void
test_budget (void)
{
  /* The work of a check is at most schema size × value size; a schema with
   * a thousand alternatives applied to ten thousand items exceeds the
   * budget and fails cleanly instead of keeping the thread busy. */
  GString *schema = g_string_new ("{\"properties\":{\"l\":{\"items\":{\"anyOf\":[");
  GString *value = g_string_new ("{\"l\":[");
  g_autoptr(NorthMcpSchemaChecker) checker = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 1000; i++)
    g_string_append (schema, "{\"type\":\"string\"},");
  g_string_append (schema, "{\"type\":\"integer\"}]}}}}");
  for (guint i = 0; i < 10000; i++)
    g_string_append_printf (value, "%s%u", i > 0 ? "," : "", i);
  g_string_append (value, "]}");
  checker = assert_too_complex (schema, value, &node);

  /* The budget is per check: a small value passes with the same checker. */
  g_clear_pointer (&node, json_node_unref);
  node = parse ("{\"l\":[1,2,\"three\"]}");
  g_assert_true (north_mcp_schema_checker_check (checker, node, &error));
  g_assert_no_error (error);
}

/* Each alternative may walk the whole value: those walks count too, not
 * only the alternatives entered (64 alternatives over 140,000 items make
 * 9 million steps, past the budget, in 64 branches). */
static void
test_budget_walks (void)
{
  GString *schema = g_string_new ("{\"properties\":{\"l\":{\"anyOf\":[");
  GString *value = g_string_new ("{\"l\":[");
  g_autoptr(NorthMcpSchemaChecker) checker = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 64; i++)
    g_string_append_printf (schema, "%s{\"items\":{\"type\":\"string\"}}", i > 0 ? "," : "");
  g_string_append (schema, "]}}}");
  for (guint i = 0; i < 140000; i++)
    g_string_append (value, "\"a\",");
  g_string_append (value, "1]}");
  checker = assert_too_complex (schema, value, &node);

  /* One walk of the same value in one alternative fits. */
  g_clear_pointer (&checker, north_mcp_schema_checker_free);
  checker = checker_new ("{\"properties\":{\"l\":{\"anyOf\":[{\"items\":{\"type\":[\"string\",\"integer\"]}}]}}}");
  g_assert_true (north_mcp_schema_checker_check (checker, node, &error));
  g_assert_no_error (error);
}

static void
test_big_value (void)
{
  GString *text = g_string_new ("{\"l\":[");
  g_autofree char *value_text = NULL;
  g_autoptr(NorthMcpSchemaChecker) checker =
    checker_new ("{\"properties\":{\"l\":{\"items\":{\"type\":\"integer\",\"minimum\":0}}}}");
  g_autoptr(JsonNode) value = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 200000; i++)
    g_string_append_printf (text, "%s%u", i > 0 ? "," : "", i);
  g_string_append (text, ",-1]}");
  value_text = g_string_free (text, FALSE);
  value = parse (value_text);

  g_assert_false (north_mcp_schema_checker_check (checker, value, &error));
  g_assert_cmpstr (error->message, ==, "argument 'l[200000]' must be at least 0");
}

static void
test_reuse (void)
{
  g_autoptr(NorthMcpSchemaChecker) checker = checker_new (ADD_SCHEMA);

  /* One compiled checker serves any number of checks. */
  for (guint i = 0; i < 100; i++)
    {
      g_autofree char *text = g_strdup_printf ("{\"a\":%u,\"b\":%s}", i, i % 2 ? "1" : "\"x\"");
      g_autoptr(JsonNode) value = parse (text);
      g_autoptr(GError) error = NULL;
      gboolean ok = north_mcp_schema_checker_check (checker, value, &error);

      g_assert_true (ok == (i % 2 == 1));
      if (!ok)
        g_assert_cmpstr (error->message, ==, "argument 'b' must be an integer, got string");
    }
}

/* `pattern` searches (it is not anchored), `$` does not accept a trailing
 * newline, and only strings are concerned. */
static void
test_pattern (void)
{
  const char *name = "{\"properties\":{\"p\":{\"type\":\"string\",\"pattern\":\"^[a-z]+$\"}}}";
  const char *search = "{\"properties\":{\"p\":{\"pattern\":\"b+\"}}}";

  assert_check (name, "{\"p\":\"passwd\"}", NULL);
  assert_check (name, "{\"p\":\"../../etc/passwd\"}", "argument 'p' must match the pattern ^[a-z]+$");
  assert_check (name, "{\"p\":\"abc\\n\"}", "argument 'p' must match the pattern ^[a-z]+$");
  assert_check (name, "{\"p\":\"\"}", "argument 'p' must match the pattern ^[a-z]+$");
  assert_check (search, "{\"p\":\"abba\"}", NULL);
  assert_check (search, "{\"p\":\"acca\"}", "argument 'p' must match the pattern b+");
  assert_check (search, "{\"p\":12}", NULL);
  assert_check (search, "{\"p\":[\"x\"]}", NULL);
  /* Characters, not bytes. */
  assert_check ("{\"properties\":{\"p\":{\"pattern\":\"^.{2}$\"}}}", "{\"p\":\"\xc3\xa9\xc3\xa9\"}", NULL);
  /* In items, under `$ref`s and in alternatives; the same text in many
   * places compiles once. */
  assert_check ("{\"$defs\":{\"n\":{\"pattern\":\"^[0-9]+$\"}},"
                "\"properties\":{\"l\":{\"items\":{\"$ref\":\"#/$defs/n\"}},"
                "\"m\":{\"anyOf\":[{\"pattern\":\"^[0-9]+$\"},{\"type\":\"integer\"}]}}}",
                "{\"l\":[\"1\",\"22\",\"3x\"],\"m\":\"7\"}", "argument 'l[2]' must match the pattern ^[0-9]+$");
  /* Messages quote at most 64 characters of the pattern, without controls. */
  assert_check ("{\"properties\":{\"p\":{\"pattern\":\"^\\ta{1,3}"
                "0123456789012345678901234567890123456789012345678901234567890123456789$\"}}}",
                "{\"p\":\"b\"}",
                "argument 'p' must match the pattern ^?a{1,3}01234567890123456789012345678901234567890123456789012345…");
  /* Searched in one attempt (see /schema/pattern-budget), as PCRE2
   * searches: lookbehind sees what comes before, ^ is the start. */
  assert_check ("{\"properties\":{\"p\":{\"pattern\":\"(?<=a)b\"}}}", "{\"p\":\"cab\"}", NULL);
  assert_check ("{\"properties\":{\"p\":{\"pattern\":\"(?<=a)b\"}}}", "{\"p\":\"cb\"}",
                "argument 'p' must match the pattern (?<=a)b");
  assert_check ("{\"properties\":{\"p\":{\"pattern\":\"^$\"}}}", "{\"p\":\"\"}", NULL);
  assert_check ("{\"properties\":{\"p\":{\"pattern\":\"^b\"}}}", "{\"p\":\"ab\"}",
                "argument 'p' must match the pattern ^b");
  assert_check ("{\"properties\":{\"p\":{\"pattern\":\"(?m)^b$\"}}}", "{\"p\":\"a\\nb\"}", NULL);
  assert_check ("{\"properties\":{\"p\":{\"pattern\":\"(a)\\\\1\"}}}", "{\"p\":\"baa\"}", NULL);
  /* A malformed keyword is ignored. */
  assert_check ("{\"properties\":{\"p\":{\"pattern\":3}}}", "{\"p\":\"x\"}", NULL);
}

/* The server author's pattern meets the attacker's string: a pattern that
 * backtracks exponentially stops at PCRE2's match limit (or JIT stack
 * limit), and the call is refused, even where an alternative would have
 * accepted the string. The checker serves the next call as before. */
static void
test_pattern_catastrophic (void)
{
  static const char *patterns[] = { "^(a|a)*$", "^(a+)+$" };

  for (gsize i = 0; i < G_N_ELEMENTS (patterns); i++)
    {
      g_autofree char *schema = g_strdup_printf ("{\"properties\":{\"p\":{\"pattern\":\"%s\"},"
                                                 "\"l\":{\"items\":{\"anyOf\":[{\"pattern\":\"%s\"},"
                                                 "{\"type\":\"string\"}]}}}}",
                                                 patterns[i], patterns[i]);
      g_autofree char *subject = g_strnfill (5000, 'a');
      g_autofree char *value = g_strdup_printf ("{\"p\":\"%sb\"}", subject);
      g_autofree char *expected = g_strdup_printf ("argument 'p' could not be checked against the pattern %s "
                                                   "(the match exceeds PCRE2's limits)", patterns[i]);
      g_autofree char *in_list = g_strdup_printf ("argument 'l[0]' could not be checked against the pattern %s "
                                                  "(the match exceeds PCRE2's limits)", patterns[i]);
      g_autofree char *mismatch = g_strdup_printf ("argument 'p' must match the pattern %s", patterns[i]);
      GString *list = g_string_new ("{\"l\":[");

      assert_check (schema, value, expected);
      assert_check (schema, "{\"p\":\"aaaa\"}", NULL);
      assert_check (schema, "{\"p\":\"aaab\"}", mismatch);

      /* The first string the match gives up on ends the check: the others
       * (a thousand) are not tried. */
      for (guint j = 0; j < 1000; j++)
        g_string_append_printf (list, "%s\"%sb\"", j > 0 ? "," : "", subject);
      g_string_append (list, "]}");
      {
        g_autofree char *list_text = g_string_free (list, FALSE);

        assert_check (schema, list_text, in_list);
      }
      assert_check (schema, "{\"l\":[\"ab\",\"a\"]}", NULL);
    }
}

/* The pattern @pattern (as JSON text) accepts the JSON string @accepted
 * and refuses @refused as not matching. */
static void
assert_pattern (const char *pattern,
                const char *accepted,
                const char *refused)
{
  g_autofree char *schema = g_strdup_printf ("{\"properties\":{\"p\":{\"pattern\":\"%s\"}}}", pattern);
  g_autofree char *yes_text = g_strdup_printf ("{\"p\":%s}", accepted);
  g_autofree char *no_text = g_strdup_printf ("{\"p\":%s}", refused);
  g_autoptr(NorthMcpSchemaChecker) checker = checker_new (schema);
  g_autoptr(JsonNode) yes = parse (yes_text);
  g_autoptr(JsonNode) no = parse (no_text);
  g_autoptr(GError) error = NULL;
  gboolean ok;

  g_test_message ("pattern %s", pattern);
  ok = north_mcp_schema_checker_check (checker, yes, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_false (north_mcp_schema_checker_check (checker, no, &error));
  g_assert_true (g_str_has_prefix (error->message, "argument 'p' must match the pattern "));
}

typedef struct {
  const char *pattern;   /* as JSON text */
  const char *accepted;  /* JSON strings */
  const char *refused;
} PatternCase;

static void
assert_pattern_cases (const PatternCase *cases,
                      gsize              n)
{
  for (gsize i = 0; i < n; i++)
    assert_pattern (cases[i].pattern, cases[i].accepted, cases[i].refused);
}

/* `pattern` is ECMA-262 (JSON Schema says so, and clients such as the
 * TypeScript SDK check structuredContent with it): \d is [0-9] and \w
 * [0-9A-Z_a-z], where PCRE2 (as GLib sets it up) and Python's `re` take
 * any Unicode digit or letter, so Arabic-Indic digits passed ^\d+$. */
static void
test_pattern_ascii_classes (void)
{
  static const PatternCase cases[] = {
    { "^\\\\d+$", "\"0123456789\"", "\"\xd9\xa1\xd9\xa2\xd9\xa3\"" },        /* ١٢٣ */
    { "^\\\\w+$", "\"az_AZ09\"", "\"\xc3\xa9t\xc3\xa9\"" },                  /* été */
    { "^\\\\D$", "\"\xd9\xa1\"", "\"5\"" },
    { "^\\\\W$", "\"\xc3\xa9\"", "\"_\"" },
    { "^[\\\\d]+$", "\"42\"", "\"\xd9\xa1\"" },
    { "^[^\\\\D]+$", "\"42\"", "\"\xd9\xa1\"" },
    { "^[\\\\W]$", "\"\xc3\xa9\"", "\"z\"" },
    { "^[x\\\\]\\\\d-]+$", "\"x]5-\"", "\"x\xd9\xa1\"" },
    { "^[]\\\\d]+$", "\"]5\"", "\"\xd9\xa1\"" },
    { "^[[:alpha:]\\\\d]+$", "\"a5\"", "\"\xd9\xa1\"" },
    { "^[[:x\\\\d]+$", "\"[:x5\"", "\"\xd9\xa1\"" },
    { "\\\\bb", "\"\xc3\xa9" "b\"", "\"ab\"" },
    { "a\\\\B", "\"ab\"", "\"a\xc3\xa9\"" },
    /* Escaped, quoted and in comments, they are left alone. */
    { "^\\\\\\\\d$", "\"\\\\d\"", "\"5\"" },
    { "^\\\\Q\\\\d\\\\E$", "\"\\\\d\"", "\"5\"" },
    { "^(?#\\\\b)\\\\d$", "\"5\"", "\"\xd9\xa1\"" },
    /* So is text that only looks like (?x), which turns the extended
     * syntax on (see below). */
    { "[(?x)]|^\\\\d+$", "\"42\"", "\"\xd9\xa1\"" },
    { "\\\\Q(?x)\\\\E|^\\\\d+$", "\"42\"", "\"\xd9\xa1\"" },
    { "(?#(?x)^\\\\d+$", "\"42\"", "\"\xd9\xa1\"" },
    { "(*MARK:(?x)^\\\\d+$", "\"42\"", "\"\xd9\xa1\"" },
    { "(*:(?x)^\\\\d+$", "\"42\"", "\"\xd9\xa1\"" },
    { "^a*\\\\d(?:b)$", "\"a5b\"", "\"a\xd9\xa1" "b\"" },
    /* (*atomic:…) is a group, not a verb. */
    { "^(*atomic:\\\\d+)$", "\"42\"", "\"\xd9\xa1\"" },
  };

  assert_pattern_cases (cases, G_N_ELEMENTS (cases));

  /* PCRE2's extended syntax, where `#` starts a comment, is left as it is. */
  assert_check ("{\"properties\":{\"p\":{\"pattern\":\"(?x) ^ # [\\n \\\\d+ $\"}}}", "{\"p\":\"12\"}", NULL);
  assert_check ("{\"properties\":{\"p\":{\"pattern\":\"(?x) ^ # [\\n \\\\d+ $\"}}}", "{\"p\":\"1 2\"}",
                "argument 'p' must match the pattern (?x) ^ # [? \\d+ $");
}

/* (?i) folds case as ECMA-262 does with the `u` flag, which JSON Schema
 * 2020-12 asks for and Ajv (the TypeScript SDK's validator) uses: the
 * Kelvin sign K (U+212A) is a `k` and the long s ſ (U+017F) an `s`, in
 * [a-z], \w and \b too, and \W, in a class or not, has neither them nor
 * `k` and `s` (it had them in a class, from the range that made it up).
 * Without `u`, ECMA-262 keeps ASCII letters apart. */
static void
test_pattern_caseless (void)
{
  static const PatternCase cases[] = {
    { "(?i)^k$", "\"\xe2\x84\xaa\"", "\"x\"" },
    { "(?i)^s$", "\"\xc5\xbf\"", "\"x\"" },
    { "(?i)^[a-z]+$", "\"\xe2\x84\xaa\xc5\xbf\"", "\"\xc3\xa9\"" },
    { "(?i)^\\\\w+$", "\"\xe2\x84\xaa\xc5\xbf\"", "\"\xc3\xa9\"" },
    { "(?i)\\\\bs", "\"-s\"", "\"\xe2\x84\xaas\"" },
    { "(?i)^\\\\W$", "\"\xc3\xa9\"", "\"\xc5\xbf\"" },
    { "(?i)^[\\\\W]+$", "\"\xc3\xa9\"", "\"k\"" },
    { "(?i)^[\\\\W]+$", "\"\xc3\xa9\"", "\"\xe2\x84\xaa\"" },
    { "(?i)^[^\\\\W]+$", "\"kiss\"", "\"\xc3\xa9\"" },
    /* Without (?i), K and ſ are no word characters. */
    { "^[\\\\W]+$", "\"\xe2\x84\xaa\xc5\xbf\"", "\"k\"" },
    { "^\\\\w$", "\"k\"", "\"\xe2\x84\xaa\"" },
    /* (?i) holds to the end of its group. */
    { "(?i:k)[\\\\W]", "\"K\xe2\x84\xaa\"", "\"kk\"" },
    { "(?:(?i)k)[\\\\W]", "\"K\xe2\x84\xaa\"", "\"kk\"" },
    { "(?i)(?-i)[\\\\W]", "\"\xe2\x84\xaa\"", "\"k\"" },
    { "[(?i)][\\\\W]", "\"i\xe2\x84\xaa\"", "\"ik\"" },
  };

  assert_pattern_cases (cases, G_N_ELEMENTS (cases));
}

/* One match stops at a limit, but one call may carry thousands of
 * strings, each just short of it (a pattern with nested quantifiers that
 * backtracks two million steps, then matches): seconds to minutes on the
 * main loop for one call. The steps of all the matches of one check are
 * bounded together, so such a call is refused after a few strings, while
 * a call with ten thousand cheap strings passes. */
static void
test_pattern_budget (void)
{
  /* A pattern's own match limit gives way to the tiers'. */
  static const char *schemas[] = {
    "{\"properties\":{\"l\":{\"items\":{\"pattern\":\"^(a+)+$|^a+b$\"}}}}",
    "{\"properties\":{\"l\":{\"items\":{\"pattern\":\"(*LIMIT_MATCH=10000000)^(a+)+$|^a+b$\"}}}}",
  };
  const char *schema = schemas[0];
  g_autofree char *subject = g_strnfill (20, 'a');
  GString *list = g_string_new ("{\"l\":[");
  GString *cheap = g_string_new ("{\"l\":[");

  for (guint i = 0; i < 1000; i++)
    g_string_append_printf (list, "%s\"%sb\"", i > 0 ? "," : "", subject);
  g_string_append (list, "]}");
  for (guint i = 0; i < 10000; i++)
    g_string_append_printf (cheap, "%s\"aab\"", i > 0 ? "," : "");
  g_string_append (cheap, "]}");

  for (gsize i = 0; i < G_N_ELEMENTS (schemas); i++)
    {
      assert_check (schemas[i], "{\"l\":[\"aaaaaaaaaaaaaaaaaaaab\",\"aaaa\"]}", NULL);
      assert_check (schemas[i], list->str, "arguments are too complex to check against the input schema "
                                           "(matching its patterns takes more than 100000000 steps)");
    }
  assert_check (schema, cheap->str, NULL);
  g_string_free (list, TRUE);
  g_string_free (cheap, TRUE);

  /* PCRE2 counts its limit afresh at each position a search starts from:
   * one string of 500 blocks of twenty `a` and a `!` cost 500 times two
   * million steps, under the limit each time. Searched in one attempt,
   * it reaches the limit. */
  {
    GString *blocks = g_string_new ("{\"p\":\"");
    g_autofree char *blocks_text = NULL;

    for (guint i = 0; i < 500; i++)
      g_string_append_printf (blocks, "%s!", subject);
    g_string_append (blocks, "\"}");
    blocks_text = g_string_free (blocks, FALSE);
    assert_check ("{\"properties\":{\"p\":{\"pattern\":\"(a+)+$\"}}}", blocks_text,
                  "argument 'p' could not be checked against the pattern (a+)+$ "
                  "(the match exceeds PCRE2's limits)");
  }
}

#ifndef PR_SET_MDWE
#define PR_SET_MDWE 65
#define PR_MDWE_REFUSE_EXEC_GAIN 1
#endif

/* Without JIT (no memory both writable and executable, as under systemd's
 * MemoryDenyWriteExecute, which deploy/ sets), PCRE2's interpreter keeps
 * its backtracking on the heap: 1.3 GB for a catastrophic pattern on a
 * 4 MiB string by default. Our limit keeps that to megabytes, and the
 * argument is refused the same way. */
static void
test_pattern_without_jit (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(NorthMcpSchemaChecker) checker = NULL;
      g_autoptr(JsonObject) object = json_object_new ();
      g_autoptr(JsonNode) node = NULL;
      g_autoptr(GError) error = NULL;
      gsize length = 4u << 20;
      char *subject = g_strnfill (length, 'a');
      struct rusage before, after;

      /* Refusing executable memory from now on is what makes PCRE2 fall
       * back to its interpreter (Linux 6.3 and later). */
      g_assert_cmpint (prctl (PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0), ==, 0);
      checker = checker_new ("{\"properties\":{\"p\":{\"pattern\":\"^(a|a)*$\"}}}");

      subject[length - 1] = 'b';
      json_object_set_string_member (object, "p", subject);
      g_free (subject);
      node = json_node_init_object (json_node_alloc (), object);

      getrusage (RUSAGE_SELF, &before);
      g_assert_false (north_mcp_schema_checker_check (checker, node, &error));
      getrusage (RUSAGE_SELF, &after);
      g_assert_cmpstr (error->message, ==, "argument 'p' could not be checked against the pattern ^(a|a)*$ "
                                           "(the match exceeds PCRE2's limits)");
      g_assert_cmpint (after.ru_maxrss - before.ru_maxrss, <, 256 * 1024);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

/* A pattern that does not compile refuses every string it meets, with a
 * clear error; the rest of the schema still works. */
static void
test_pattern_invalid (void)
{
  const char *schema = "{\"properties\":{\"p\":{\"pattern\":\"([a-z]\"},\"n\":{\"type\":\"integer\"}}}";
  g_autoptr(NorthMcpSchemaChecker) checker = checker_new (schema);
  g_autoptr(JsonObject) bad_utf8 = json_object_new ();
  g_autoptr(JsonObject) property = json_object_new ();
  g_autoptr(JsonObject) properties = json_object_new ();
  g_autoptr(NorthMcpSchemaChecker) bad_utf8_checker = NULL;
  g_autoptr(JsonNode) value = parse ("{\"p\":\"abc\"}");
  g_autoptr(GError) error = NULL;

  g_assert_false (north_mcp_schema_checker_check (checker, value, &error));
  g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT);
  g_assert_true (g_str_has_prefix (error->message, "argument 'p' cannot be checked: the schema's pattern "
                                                   "does not compile: "));
  /* GLib's message quotes the pattern as written, not as compiled. */
  g_assert_nonnull (strstr (error->message, "([a-z]"));
  g_assert_null (strstr (error->message, "LIMIT_HEAP"));
  g_clear_error (&error);
  assert_check (schema, "{\"n\":1}", NULL);
  assert_check (schema, "{\"p\":1}", NULL);

  json_object_set_string_member (property, "pattern", "^\xff$");
  json_object_set_object_member (properties, "p", g_steal_pointer (&property));
  json_object_set_object_member (bad_utf8, "properties", g_steal_pointer (&properties));
  bad_utf8_checker = north_mcp_schema_checker_new (bad_utf8);
  g_assert_false (north_mcp_schema_checker_check (bad_utf8_checker, value, &error));
  g_assert_cmpstr (error->message, ==, "argument 'p' cannot be checked: the schema's pattern is not valid UTF-8");
  g_clear_error (&error);

  /* Patterns are compiled inside a group (see /schema/pattern-budget):
   * one that closes a group it did not open must not close ours, and one
   * that recurses into the whole pattern would recurse into ours. */
  {
    g_autoptr(NorthMcpSchemaChecker) unbalanced = checker_new ("{\"properties\":{\"p\":{\"pattern\":\"a)|(?:b\"}}}");
    g_autoptr(JsonNode) b = parse ("{\"p\":\"b\"}");

    g_assert_false (north_mcp_schema_checker_check (unbalanced, b, &error));
    g_assert_true (g_str_has_prefix (error->message, "argument 'p' cannot be checked: the schema's pattern "
                                                     "does not compile: "));
    g_clear_error (&error);
  }
  assert_check ("{\"properties\":{\"p\":{\"pattern\":\"^\\\\((?:[^()]|(?R))*\\\\)$\"}}}", "{\"p\":\"(())\"}",
                "argument 'p' cannot be checked: the schema's pattern recurses into the whole pattern ((?R)), "
                "which is not supported");
}

/* Patterns are compiled inside a group (see /schema/pattern-budget): one
 * that ends quoting (\Q without \E) or in a comment of the extended
 * syntax, (?x), must neither quote nor comment away the group's end, and
 * means what it means alone. A newline ends such a comment, but elsewhere
 * it is a character to match. */
static void
test_pattern_open_end (void)
{
  static const PatternCase cases[] = {
    { "^\\\\Qa.b", "\"a.b\"", "\"axb\"" },
    { "^\\\\Qa\\\\", "\"a\\\\\"", "\"a\"" },
    { "(?x) ^ a b # and then anything", "\"ab\"", "\"a b\"" },
    { "(?x) ^ a b $ #", "\"ab\"", "\"abc\"" },
    { "(?x) ^ a \\\\Q#b", "\"a#b\"", "\"a\"" },
    { "(?x) ^ a b $ # \\\\Q", "\"ab\"", "\"abc\"" },
    /* Not extended where the pattern ends: `#` is a character. */
    { "^(?x: a )#", "\"a#\"", "\"a\"" },
    { "(?x)(?-x)^a#", "\"a#\"", "\"a\"" },
  };

  assert_pattern_cases (cases, G_N_ELEMENTS (cases));
}

/* PCRE2's options at the start of a pattern ((*UCP), (*CR)…) must come
 * first, before the group the pattern is compiled in (see
 * /schema/pattern-budget for its limits). (*NOTEMPTY) does not compile:
 * searched in one attempt, a pattern that matches empty after the start
 * makes a match that is not; nor does (*NO_JIT), with which GRegex fails
 * every match. */
static void
test_pattern_start_options (void)
{
  static const char *refused[] = { "(*NOTEMPTY)a?", "(*NO_JIT)a" };

  assert_pattern ("(*UCP)(*NO_START_OPT)^a$", "\"a\"", "\"b\"");
  assert_pattern ("(*CR)(?m)^b$", "\"a\\rb\"", "\"a\\nb\"");
  assert_pattern ("(*CR)(?x)^a # a comment that CR ends", "\"a\"", "\"b\"");
  assert_pattern ("(*CRLF)(?x)^a # a comment that CR LF ends", "\"a\"", "\"b\"");
  assert_pattern ("(*LIMIT_HEAP=1000)(*LIMIT_DEPTH=1000)^\\\\d$", "\"5\"", "\"\xd9\xa1\"");

  for (gsize i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autofree char *schema = g_strdup_printf ("{\"properties\":{\"p\":{\"pattern\":\"%s\"}}}", refused[i]);
      g_autoptr(NorthMcpSchemaChecker) checker = checker_new (schema);
      g_autoptr(JsonNode) value = parse ("{\"p\":\"a\"}");
      g_autoptr(GError) error = NULL;

      g_assert_false (north_mcp_schema_checker_check (checker, value, &error));
      g_assert_true (g_str_has_prefix (error->message, "argument 'p' cannot be checked: the schema's pattern "
                                                       "does not compile: "));
    }
}

/* A result's string is matched as the writer sends it: a byte that is no
 * UTF-8 is U+FFFD, not a reason for PCRE2 to give up. */
static void
test_pattern_output (void)
{
  g_autoptr(NorthMcpSchemaChecker) letters = checker_new ("{\"properties\":{\"s\":{\"pattern\":\"^[a-z]+$\"}}}");
  g_autoptr(NorthMcpSchemaChecker) any = checker_new ("{\"properties\":{\"s\":{\"pattern\":\"^ab.c$\"}}}");
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;

  json_object_set_string_member (object, "s", "ab\xff" "c");
  node = json_node_init_object (json_node_alloc (), object);
  g_assert_false (north_mcp_schema_checker_check_output (letters, node, &error));
  g_assert_cmpstr (error->message, ==, "structuredContent member 's' must match the pattern ^[a-z]+$");
  g_assert_true (north_mcp_schema_checker_check_output (any, node, NULL));
}

static void
test_multiple_of (void)
{
  const char *three = "{\"properties\":{\"n\":{\"multipleOf\":3}}}";
  const char *tenth = "{\"properties\":{\"n\":{\"multipleOf\":0.1}}}";

  assert_check (three, "{\"n\":9}", NULL);
  assert_check (three, "{\"n\":-9}", NULL);
  assert_check (three, "{\"n\":0}", NULL);
  assert_check (three, "{\"n\":9.0}", NULL);
  assert_check (three, "{\"n\":10}", "argument 'n' must be a multiple of 3");
  assert_check (three, "{\"n\":9.5}", "argument 'n' must be a multiple of 3");
  assert_check (three, "{\"n\":\"9\"}", NULL);
  /* Integers are exact, beyond what a double holds. */
  assert_check (three, "{\"n\":9007199254740993}", NULL);
  assert_check (three, "{\"n\":9007199254740994}", "argument 'n' must be a multiple of 3");
  assert_check (three, "{\"n\":-9223372036854775808}", "argument 'n' must be a multiple of 3");
  /* Other numbers within a billionth of the factor, as decimals are read. */
  assert_check (tenth, "{\"n\":0.3}", NULL);
  assert_check (tenth, "{\"n\":19.9}", NULL);
  assert_check (tenth, "{\"n\":-4}", NULL);
  assert_check (tenth, "{\"n\":0.35}", "argument 'n' must be a multiple of 0.1");
  assert_check (tenth, "{\"n\":0.1000001}", "argument 'n' must be a multiple of 0.1");
  assert_check ("{\"properties\":{\"n\":{\"multipleOf\":0.01}}}", "{\"n\":1234567.89}", NULL);
  assert_check (tenth, "{\"n\":1e400}", "argument 'n' must be a multiple of 0.1");
  /* Malformed factors are ignored. */
  assert_check ("{\"properties\":{\"n\":{\"multipleOf\":0}}}", "{\"n\":1}", NULL);
  assert_check ("{\"properties\":{\"n\":{\"multipleOf\":-2}}}", "{\"n\":1}", NULL);
  assert_check ("{\"properties\":{\"n\":{\"multipleOf\":\"2\"}}}", "{\"n\":1}", NULL);
  assert_check ("{\"properties\":{\"n\":{\"multipleOf\":1e400}}}", "{\"n\":1}", NULL);
}

/* `uniqueItems` with JSON equality (numbers by value, members in any
 * order), in linear time: 50,000 distinct items pass at once. */
static void
test_unique_items (void)
{
  const char *unique = "{\"properties\":{\"l\":{\"uniqueItems\":true}}}";
  GString *many = g_string_new ("{\"l\":[");
  g_autofree char *many_text = NULL;

  assert_check (unique, "{\"l\":[]}", NULL);
  assert_check (unique, "{\"l\":[1,2,3,\"1\",true,null,false,[1,2],[2,1],{\"a\":1},{\"a\":\"1\"}]}", NULL);
  assert_check (unique, "{\"l\":[1,2,1]}", "argument 'l' must have unique items (items 0 and 2 are equal)");
  assert_check (unique, "{\"l\":[1,1.0]}", "argument 'l' must have unique items (items 0 and 1 are equal)");
  assert_check (unique, "{\"l\":[0,-0.0]}", "argument 'l' must have unique items (items 0 and 1 are equal)");
  assert_check (unique, "{\"l\":[0.5,\"x\",0.5]}", "argument 'l' must have unique items (items 0 and 2 are equal)");
  assert_check (unique, "{\"l\":[{\"a\":1,\"b\":[2.0]},{\"b\":[2],\"a\":1}]}",
                "argument 'l' must have unique items (items 0 and 1 are equal)");
  assert_check (unique, "{\"l\":[\"a\",\"b\",\"a\"]}", "argument 'l' must have unique items (items 0 and 2 are equal)");
  /* Integers beyond a double's precision stay apart. */
  assert_check (unique, "{\"l\":[9007199254740993,9007199254740992.0]}", NULL);
  assert_check (unique, "{\"l\":[9007199254740993,9007199254740993]}",
                "argument 'l' must have unique items (items 0 and 1 are equal)");
  /* Only `true` asks for it. */
  assert_check ("{\"properties\":{\"l\":{\"uniqueItems\":false}}}", "{\"l\":[1,1]}", NULL);
  assert_check ("{\"properties\":{\"l\":{\"uniqueItems\":\"true\"}}}", "{\"l\":[1,1]}", NULL);
  assert_check ("{\"properties\":{\"l\":{\"items\":{\"uniqueItems\":true}}}}", "{\"l\":[[1],[1,1]]}",
                "argument 'l[1]' must have unique items (items 0 and 1 are equal)");

  for (guint i = 0; i < 50000; i++)
    g_string_append_printf (many, "%s%u", i > 0 ? "," : "", i);
  g_string_append (many, ",[49999],49999.0]}");
  many_text = g_string_free (many, FALSE);
  assert_check (unique, many_text, "argument 'l' must have unique items (items 49999 and 50001 are equal)");
}

/* Comparing items in alternatives walks the array again each time: that
 * counts against the budget as walking it does (64 alternatives over
 * 140,000 distinct items). */
static void
test_unique_items_budget (void)
{
  GString *schema = g_string_new ("{\"properties\":{\"l\":{\"anyOf\":[");
  GString *value = g_string_new ("{\"l\":[");
  g_autoptr(NorthMcpSchemaChecker) checker = NULL;
  g_autoptr(JsonNode) node = NULL;

  for (guint i = 0; i < 64; i++)
    g_string_append_printf (schema, "%s{\"uniqueItems\":true,\"items\":{\"type\":\"string\"}}",
                            i > 0 ? "," : "");
  g_string_append (schema, "]}}}");
  for (guint i = 0; i < 140000; i++)
    g_string_append_printf (value, "%s%u", i > 0 ? "," : "", i);
  g_string_append (value, "]}");
  checker = assert_too_complex (schema, value, &node);
}

/* A result's items are compared as the writer sends them: two strings
 * that differ only in bytes that are no UTF-8 both arrive as U+FFFD. */
static void
test_unique_items_output (void)
{
  g_autoptr(NorthMcpSchemaChecker) checker = checker_new ("{\"properties\":{\"l\":{\"uniqueItems\":true}}}");
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonArray) array = json_array_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;

  json_array_add_string_element (array, "caf\xe9");
  json_array_add_string_element (array, "caf\xe8");
  json_object_set_array_member (object, "l", g_steal_pointer (&array));
  node = json_node_init_object (json_node_alloc (), object);
  g_assert_false (north_mcp_schema_checker_check_output (checker, node, &error));
  g_assert_cmpstr (error->message, ==,
                   "structuredContent member 'l' must have unique items (items 0 and 1 are equal)");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/schema/required", test_required);
  g_test_add_func ("/schema/types", test_types);
  g_test_add_func ("/schema/int64-range", test_int64_range);
  g_test_add_func ("/schema/union-types", test_union_types);
  g_test_add_func ("/schema/root", test_root);
  g_test_add_func ("/schema/nested", test_nested);
  g_test_add_func ("/schema/tuples", test_tuples);
  g_test_add_func ("/schema/enum-const", test_enum_const);
  g_test_add_func ("/schema/additional-properties", test_additional_properties);
  g_test_add_func ("/schema/numbers", test_numbers);
  g_test_add_func ("/schema/output-as-sent", test_output_as_sent);
  g_test_add_func ("/schema/lengths", test_lengths);
  g_test_add_func ("/schema/combinators", test_combinators);
  g_test_add_func ("/schema/refs", test_refs);
  g_test_add_func ("/schema/ref-loops", test_ref_loops);
  g_test_add_func ("/schema/deep", test_deep);
  g_test_add_func ("/schema/deep-const", test_deep_const);
  g_test_add_func ("/schema/budget", test_budget);
  g_test_add_func ("/schema/budget-walks", test_budget_walks);
  g_test_add_func ("/schema/big-value", test_big_value);
  g_test_add_func ("/schema/reuse", test_reuse);
  g_test_add_func ("/schema/pattern", test_pattern);
  g_test_add_func ("/schema/pattern-catastrophic", test_pattern_catastrophic);
  g_test_add_func ("/schema/pattern-without-jit", test_pattern_without_jit);
  g_test_add_func ("/schema/pattern-budget", test_pattern_budget);
  g_test_add_func ("/schema/pattern-ascii-classes", test_pattern_ascii_classes);
  g_test_add_func ("/schema/pattern-caseless", test_pattern_caseless);
  g_test_add_func ("/schema/pattern-invalid", test_pattern_invalid);
  g_test_add_func ("/schema/pattern-open-end", test_pattern_open_end);
  g_test_add_func ("/schema/pattern-start-options", test_pattern_start_options);
  g_test_add_func ("/schema/pattern-output", test_pattern_output);
  g_test_add_func ("/schema/multiple-of", test_multiple_of);
  g_test_add_func ("/schema/unique-items", test_unique_items);
  g_test_add_func ("/schema/unique-items-output", test_unique_items_output);
  g_test_add_func ("/schema/unique-items-budget", test_unique_items_budget);

  return g_test_run ();
}
