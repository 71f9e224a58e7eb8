/* test-arguments.c: the typed argument getters, and structured results
 * made from a JSON object or a GVariant.
 *
 * SPDX-License-Identifier: MIT
 */
#include <north-mcp.h>

static JsonObject *
parse_object (const char *json)
{
  g_autoptr(JsonNode) node = json_from_string (json, NULL);

  g_assert_nonnull (node);
  return json_object_ref (json_node_get_object (node));
}

static void
test_scalars (void)
{
  g_autoptr(JsonObject) args =
    parse_object ("{\"s\":\"text\",\"i\":-7,\"f\":3.0,\"half\":2.5,\"big\":1e300,"
                  "\"t\":true,\"n\":null,\"zero\":0,\"huge\":9223372036854775807}");

  g_assert_cmpstr (north_mcp_arguments_get_string (args, "s", "dflt"), ==, "text");
  g_assert_cmpstr (north_mcp_arguments_get_string (args, "i", "dflt"), ==, "dflt");
  g_assert_cmpstr (north_mcp_arguments_get_string (args, "missing", "dflt"), ==, "dflt");
  g_assert_null (north_mcp_arguments_get_string (args, "n", NULL));

  g_assert_cmpint (north_mcp_arguments_get_int (args, "i", 1), ==, -7);
  /* An integral double is an integer; a fractional or huge one is not. */
  g_assert_cmpint (north_mcp_arguments_get_int (args, "f", 1), ==, 3);
  g_assert_cmpint (north_mcp_arguments_get_int (args, "half", 1), ==, 1);
  g_assert_cmpint (north_mcp_arguments_get_int (args, "big", 1), ==, 1);
  g_assert_cmpint (north_mcp_arguments_get_int (args, "huge", 1), ==, G_MAXINT64);
  g_assert_cmpint (north_mcp_arguments_get_int (args, "s", 42), ==, 42);
  g_assert_cmpint (north_mcp_arguments_get_int (args, "n", 42), ==, 42);
  g_assert_cmpint (north_mcp_arguments_get_int (args, "t", 42), ==, 42);
  g_assert_cmpint (north_mcp_arguments_get_int (args, "missing", 42), ==, 42);

  g_assert_cmpfloat (north_mcp_arguments_get_double (args, "half", 0), ==, 2.5);
  g_assert_cmpfloat (north_mcp_arguments_get_double (args, "i", 0), ==, -7.0);
  g_assert_cmpfloat (north_mcp_arguments_get_double (args, "s", 0.5), ==, 0.5);

  g_assert_true (north_mcp_arguments_get_boolean (args, "t", FALSE));
  /* 0 is not false: only JSON booleans count. */
  g_assert_true (north_mcp_arguments_get_boolean (args, "zero", TRUE));
  g_assert_false (north_mcp_arguments_get_boolean (args, "missing", FALSE));
}

static void
test_containers (void)
{
  g_autoptr(JsonObject) args =
    parse_object ("{\"o\":{\"k\":1},\"a\":[1,2],\"tags\":[\"x\",\"y\"],\"mixed\":[\"x\",1],"
                  "\"empty\":[],\"s\":\"x\"}");
  g_auto(GStrv) tags = north_mcp_arguments_get_strv (args, "tags");
  g_auto(GStrv) empty = north_mcp_arguments_get_strv (args, "empty");

  g_assert_cmpint (json_object_get_int_member (north_mcp_arguments_get_object (args, "o"), "k"), ==, 1);
  g_assert_null (north_mcp_arguments_get_object (args, "a"));
  g_assert_cmpuint (json_array_get_length (north_mcp_arguments_get_array (args, "a")), ==, 2);
  g_assert_null (north_mcp_arguments_get_array (args, "o"));
  g_assert_null (north_mcp_arguments_get_array (args, "missing"));

  g_assert_cmpstrv (tags, ((const char *[]) { "x", "y", NULL }));
  g_assert_nonnull (empty);
  g_assert_cmpuint (g_strv_length (empty), ==, 0);
  g_assert_null (north_mcp_arguments_get_strv (args, "mixed"));
  g_assert_null (north_mcp_arguments_get_strv (args, "s"));
}

static void
test_null_arguments (void)
{
  /* Handlers of argument-less calls may get NULL: every getter copes. */
  g_assert_cmpstr (north_mcp_arguments_get_string (NULL, "s", "d"), ==, "d");
  g_assert_cmpint (north_mcp_arguments_get_int (NULL, "i", 5), ==, 5);
  g_assert_cmpfloat (north_mcp_arguments_get_double (NULL, "f", 1.5), ==, 1.5);
  g_assert_true (north_mcp_arguments_get_boolean (NULL, "b", TRUE));
  g_assert_null (north_mcp_arguments_get_object (NULL, "o"));
  g_assert_null (north_mcp_arguments_get_array (NULL, "a"));
  g_assert_null (north_mcp_arguments_get_strv (NULL, "v"));
}

static char *
result_json (NorthMcpToolResult *result)
{
  g_autoptr(JsonNode) node = north_mcp_tool_result_to_json (result);

  return json_to_string (node, FALSE);
}

static void
test_structured_variant (void)
{
  g_autoptr(GVariantDict) dict = g_variant_dict_new (NULL);
  g_autoptr(NorthMcpToolResult) result = NULL;
  g_autoptr(NorthMcpToolResult) wrapped = NULL;
  g_autofree char *json = NULL;
  g_autofree char *wrapped_json = NULL;

  g_variant_dict_insert (dict, "sum", "x", (gint64) 5);
  g_variant_dict_insert (dict, "unit", "s", "apples");
  g_variant_dict_insert (dict, "tags", "^as", (const char *[]) { "a", "b", NULL });
  result = north_mcp_tool_result_new_structured_variant (g_variant_dict_end (dict));
  json = result_json (result);
  /* GVariantDict sorts nothing: compare members, not text order. */
  {
    JsonObject *structured = json_node_get_object (north_mcp_tool_result_get_structured_content (result));
    JsonArray *tags = json_object_get_array_member (structured, "tags");

    g_assert_cmpint (json_object_get_int_member (structured, "sum"), ==, 5);
    g_assert_cmpstr (json_object_get_string_member (structured, "unit"), ==, "apples");
    g_assert_cmpstr (json_array_get_string_element (tags, 1), ==, "b");
    g_assert_cmpuint (json_object_get_size (structured), ==, 3);
  }
  /* The same JSON as text, for clients that read only text. */
  g_assert_nonnull (strstr (json, "\"type\":\"text\""));
  g_assert_nonnull (strstr (json, "\\\"unit\\\":\\\"apples\\\""));
  g_assert_false (north_mcp_tool_result_get_is_error (result));

  /* Not an object: wrapped, as FastMCP does. */
  wrapped = north_mcp_tool_result_new_structured_variant (g_variant_new_int32 (42));
  wrapped_json = json_to_string (north_mcp_tool_result_get_structured_content (wrapped), FALSE);
  g_assert_cmpstr (wrapped_json, ==, "{\"result\":42}");
}

static void
test_structured_object (void)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(NorthMcpToolResult) result = NULL;
  g_autofree char *json = NULL;

  json_object_set_int_member (object, "count", 3);
  result = north_mcp_tool_result_new_structured_object (object);
  json = result_json (result);
  g_assert_cmpstr (json, ==,
                   "{\"content\":[{\"type\":\"text\",\"text\":\"{\\\"count\\\":3}\"}],"
                   "\"structuredContent\":{\"count\":3}}");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/arguments/scalars", test_scalars);
  g_test_add_func ("/arguments/containers", test_containers);
  g_test_add_func ("/arguments/null", test_null_arguments);
  g_test_add_func ("/tool-result/structured-variant", test_structured_variant);
  g_test_add_func ("/tool-result/structured-object", test_structured_object);

  return g_test_run ();
}
