/* test-variant-schema.c: GVariant types as JSON Schema, values as JSON and
 * back (north-mcp-variant-schema-private.h)
 *
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <string.h>

#include <north-mcp.h>
#include "north-mcp-variant-schema-private.h"
#include "north-mcp-schema-private.h"
#include "north-mcp-desktop-private.h"
#include "test-channel.h"

#define to_text north_mcp_desktop_json_text

static JsonObject *
schema_of (const char *type)
{
  g_autoptr(GError) error = NULL;
  JsonObject *schema = north_mcp_variant_type_to_schema (G_VARIANT_TYPE (type), &error);

  g_assert_no_error (error);
  g_assert_nonnull (schema);
  return schema;
}

/* Checks @json against the schema of @type with the library's own argument
 * checker, as tools/call would. */
static gboolean
schema_accepts (const char *type,
                JsonNode   *json,
                GError    **error)
{
  g_autoptr(JsonObject) root = json_object_new ();
  g_autoptr(JsonObject) properties = json_object_new ();
  g_autoptr(JsonObject) args = json_object_new ();
  g_autoptr(JsonNode) args_node = NULL;
  g_autoptr(NorthMcpSchemaChecker) checker = NULL;

  json_object_set_string_member (root, "type", "object");
  json_object_set_object_member (properties, "a", schema_of (type));
  json_object_set_object_member (root, "properties", json_object_ref (properties));
  json_object_set_member (args, "a", json_node_copy (json));
  args_node = json_node_init_object (json_node_alloc (), args);
  checker = north_mcp_schema_checker_new (root);
  return north_mcp_schema_checker_check (checker, args_node, error);
}

/* GVariant → JSON → GVariant gives back the same value, the JSON is what
 * we expect, and the type's schema accepts it. */
static void
check_round_trip (const char *type,
                  const char *text,
                  const char *expected_json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = g_variant_parse (G_VARIANT_TYPE (type), text, NULL, NULL, &error);
  g_autoptr(JsonNode) json = NULL;
  g_autoptr(GVariant) back = NULL;
  g_autofree char *json_text = NULL;

  g_assert_no_error (error);
  json = north_mcp_variant_to_json (value);
  json_text = to_text (json);
  g_assert_cmpstr (json_text, ==, expected_json);

  back = north_mcp_variant_from_json (G_VARIANT_TYPE (type), json, "value", &error);
  g_assert_no_error (error);
  g_assert_nonnull (back);
  if (!g_variant_equal (value, back))
    {
      g_autofree char *a = g_variant_print (value, TRUE);
      g_autofree char *b = g_variant_print (back, TRUE);

      g_error ("%s: %s came back as %s", type, a, b);
    }
  g_assert_false (g_variant_is_floating (back));

  g_assert_true (schema_accepts (type, json, &error));
  g_assert_no_error (error);
}

static void
test_round_trips (void)
{
  check_round_trip ("b", "true", "true");
  check_round_trip ("y", "255", "255");
  check_round_trip ("n", "-32768", "-32768");
  check_round_trip ("q", "65535", "65535");
  check_round_trip ("i", "-2147483648", "-2147483648");
  check_round_trip ("u", "4294967295", "4294967295");
  check_round_trip ("x", "9007199254740991", "9007199254740991");
  check_round_trip ("x", "-9007199254740991", "-9007199254740991");
  check_round_trip ("x", "9007199254740992", "\"9007199254740992\"");
  check_round_trip ("x", "-9223372036854775808", "\"-9223372036854775808\"");
  check_round_trip ("x", "9223372036854775807", "\"9223372036854775807\"");
  check_round_trip ("t", "18446744073709551615", "\"18446744073709551615\"");
  check_round_trip ("t", "42", "42");
  check_round_trip ("d", "2.5", "2.5");
  check_round_trip ("d", "-1e300", "-1e+300");
  check_round_trip ("s", "'héllo \"you\"'", "\"héllo \\\"you\\\"\"");
  check_round_trip ("o", "'/org/example/Object'", "\"/org/example/Object\"");
  check_round_trip ("o", "'/'", "\"/\"");
  check_round_trip ("g", "'a{sv}(ii)'", "\"a{sv}(ii)\"");
  check_round_trip ("ay", "[byte 0x68, 0x69, 0x00, 0xff]", "\"aGkA/w==\"");
  check_round_trip ("ay", "@ay []", "\"\"");
  check_round_trip ("as", "['a', 'b']", "[\"a\",\"b\"]");
  check_round_trip ("aai", "[[1, 2], [], [3]]", "[[1,2],[],[3]]");
  check_round_trip ("a{sv}", "{'n': <int64 5>, 's': <'x'>, 'b': <true>, 'd': <2.5>}",
                    "{\"n\":5,\"s\":\"x\",\"b\":true,\"d\":2.5}");
  check_round_trip ("a{sv}", "{'nested': <{'k': <[<'a'>, <'b'>]>}>}",
                    "{\"nested\":{\"k\":[\"a\",\"b\"]}}");
  check_round_trip ("a{sv}", "{'list': <[<int64 1>, <'two'>]>}",
                    "{\"list\":[1,\"two\"]}");
  check_round_trip ("a{is}", "{-1: 'minus', 7: 'seven'}", "{\"-1\":\"minus\",\"7\":\"seven\"}");
  check_round_trip ("a{ty}", "{18446744073709551615: 1}", "{\"18446744073709551615\":1}");
  check_round_trip ("a{bs}", "{true: 'yes', false: 'no'}", "{\"true\":\"yes\",\"false\":\"no\"}");
  check_round_trip ("a{os}", "{'/a': 'x'}", "{\"/a\":\"x\"}");
  check_round_trip ("a{dai}", "{2.5: [1]}", "{\"2.5\":[1]}");
  check_round_trip ("(isb)", "(1, 'x', false)", "[1,\"x\",false]");
  check_round_trip ("(i(sa{sv}))", "(1, ('x', {'k': <'v'>}))", "[1,[\"x\",{\"k\":\"v\"}]]");
  check_round_trip ("()", "()", "[]");
  check_round_trip ("ms", "just 'x'", "\"x\"");
  check_round_trip ("ms", "nothing", "null");
  check_round_trip ("a(ms)", "[(just 'a',), (nothing,)]", "[[\"a\"],[null]]");
  check_round_trip ("v", "<'deep'>", "\"deep\"");
  check_round_trip ("a{sa{sv}}", "{'a': {'b': <int64 -3>}}", "{\"a\":{\"b\":-3}}");
}

/* JSON → GVariant → JSON keeps every JSON value that a type can hold. */
static void
check_json_round_trip (const char *type,
                       const char *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = test_parse_json (json);
  g_autoptr(GVariant) value = north_mcp_variant_from_json (G_VARIANT_TYPE (type), node, "value", &error);
  g_autoptr(JsonNode) back = NULL;
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  back = north_mcp_variant_to_json (value);
  text = to_text (back);
  g_assert_cmpstr (text, ==, json);
}

static void
test_json_round_trips (void)
{
  check_json_round_trip ("v", "true");
  check_json_round_trip ("v", "-12");
  check_json_round_trip ("v", "0.5");
  check_json_round_trip ("v", "\"s\"");
  check_json_round_trip ("v", "[1,\"a\",[true]]");
  check_json_round_trip ("v", "{\"a\":{\"b\":[1,2]},\"c\":\"d\"}");
  check_json_round_trip ("av", "[1,\"x\"]");
  check_json_round_trip ("a{sv}", "{}");
  check_json_round_trip ("(sv)", "[\"a\",[]]");
  check_json_round_trip ("x", "\"123456789012345678\"");
  check_json_round_trip ("mmi", "null");
  check_json_round_trip ("mmi", "3");
}

/* Numbers are accepted where strings would do, within ±(2^53-1), and
 * integral floating-point numbers count as integers. */
static void
test_json_leniency (void)
{
  struct { const char *type, *json, *expected; } cases[] = {
    { "x", "-5", "int64 -5" },
    { "t", "\"7\"", "uint64 7" },
    { "x", "\"-0\"", "int64 0" },
    { "y", "3.0", "byte 0x03" },
    { "d", "4", "4.0" },
    { "v", "{\"$type\":\"u\",\"$value\":5}", "<uint32 5>" },
    { "v", "{\"$type\":\"ay\",\"$value\":\"AQI=\"}", "<[byte 0x01, 0x02]>" },
    { "v", "{\"$type\":\"s\",\"other\":1}", "<{'$type': <'s'>, 'other': <int64 1>}>" },
    { "a{sv}", "{\"k\":{\"$type\":\"(ii)\",\"$value\":[1,2]}}", "{'k': <(1, 2)>}" },
    { "a{ni}", "{\"-7\":1}", "{int16 -7: 1}" },
    { "a{db}", "{\"2.5\":true}", "{2.5: true}" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = test_parse_json (cases[i].json);
      g_autoptr(GVariant) value = north_mcp_variant_from_json (G_VARIANT_TYPE (cases[i].type), node,
                                                               "value", &error);
      g_autofree char *printed = NULL;

      g_assert_no_error (error);
      printed = g_variant_print (value, TRUE);
      g_assert_cmpstr (printed, ==, cases[i].expected);
    }
}

static void
check_refused (const char *type,
               const char *json,
               const char *message_part)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = test_parse_json (json);
  g_autoptr(GVariant) value = north_mcp_variant_from_json (G_VARIANT_TYPE (type), node,
                                                           "argument 'a'", &error);

  g_assert_null (value);
  g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT);
  if (strstr (error->message, message_part) == NULL)
    g_error ("%s from %s: '%s' does not contain '%s'", type, json, error->message, message_part);
}

static void
test_refused (void)
{
  check_refused ("y", "256", "argument 'a' must be a byte (y) from 0 to 255");
  check_refused ("y", "-1", "from 0 to 255");
  check_refused ("n", "40000", "an int16 (n) from -32768 to 32767");
  check_refused ("q", "-1", "a uint16 (q) from 0 to 65535");
  check_refused ("i", "2147483648", "an int32 (i)");
  check_refused ("u", "4294967296", "a uint32 (u)");
  check_refused ("i", "\"5\"", "must be an integer, got a string");
  check_refused ("i", "1.5", "an int32 (i)");
  check_refused ("x", "9007199254740992", "must be a decimal string beyond");
  check_refused ("x", "\"9223372036854775808\"", "an int64 (x) from -9223372036854775808");
  check_refused ("x", "\"12a\"", "an int64 (x)");
  check_refused ("x", "\"\"", "an int64 (x)");
  check_refused ("x", "\" 1\"", "an int64 (x)");
  check_refused ("t", "\"-1\"", "a uint64 (t) from 0 to 18446744073709551615");
  check_refused ("t", "\"18446744073709551616\"", "a uint64 (t)");
  check_refused ("t", "true", "must be a decimal integer (number or string), got a boolean");
  check_refused ("b", "1", "must be a boolean, got an integer");
  check_refused ("d", "\"1\"", "must be a number, got a string");
  check_refused ("s", "null", "must be a string, got null");
  check_refused ("o", "\"not/a/path\"", "must be a D-Bus object path");
  check_refused ("o", "\"/trailing/\"", "must be a D-Bus object path");
  check_refused ("g", "\"z\"", "must be a D-Bus type signature");
  check_refused ("ay", "\"not base64!\"", "must be valid base64");
  check_refused ("ay", "[1,2]", "must be a base64 string (bytes), got an array");
  check_refused ("as", "{}", "must be an array, got an object");
  check_refused ("as", "[\"a\",2]", "argument 'a'[1] must be a string, got an integer");
  check_refused ("(is)", "[1]", "must be an array of 2 items, got 1");
  check_refused ("(is)", "[1,2]", "argument 'a'[1] must be a string");
  check_refused ("a{is}", "{\"x\":\"y\"}", "argument 'a'['x'] has the key 'x', which must be an int32 (i)");
  check_refused ("a{ys}", "{\"300\":\"y\"}", "has the key '300', which must be a byte (y) from 0 to 255");
  check_refused ("a{bs}", "{\"yes\":\"y\"}", "which must be true or false");
  check_refused ("a{sa{si}}", "{\"k\":{\"l\":\"m\"}}", "argument 'a'['k']['l'] must be an integer");
  check_refused ("a{sv}", "[]", "must be an object, got an array");
  check_refused ("v", "null", "is a variant (v) and cannot be null");
  check_refused ("v", "{\"$type\":\"h\",\"$value\":1}", "\"$type\" that is not a supported");
  check_refused ("v", "{\"$type\":\"a\",\"$value\":1}", "\"$type\" that is not a supported");
  check_refused ("v", "{\"$type\":\"*\",\"$value\":1}", "\"$type\" that is not a supported");
  check_refused ("v", "{\"$type\":\"u\",\"$value\":-1}", "a uint32 (u)");
  check_refused ("ms", "3", "must be a string");
}

/* Nesting is bounded whatever the type or the JSON: a deep `v` cannot
 * build a value deeper than NORTH_MCP_VARIANT_MAX_DEPTH. */
static void
test_depth (void)
{
  g_autoptr(GString) json = g_string_new (NULL);
  g_autoptr(GString) type = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GVariant) value = NULL;

  for (int i = 0; i < NORTH_MCP_VARIANT_MAX_DEPTH + 10; i++)
    g_string_append_c (json, '[');
  for (int i = 0; i < NORTH_MCP_VARIANT_MAX_DEPTH + 10; i++)
    g_string_append_c (json, ']');
  node = test_parse_json (json->str);
  value = north_mcp_variant_from_json (G_VARIANT_TYPE_VARIANT, node, "value", &error);
  g_assert_null (value);
  g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "nests deeper than 32 levels"));
  g_clear_error (&error);

  /* The same through arrays of a declared type. */
  for (int i = 0; i < NORTH_MCP_VARIANT_MAX_DEPTH + 10; i++)
    g_string_append_c (type, 'a');
  g_string_append_c (type, 'i');
  value = north_mcp_variant_from_json (G_VARIANT_TYPE (type->str), node, "value", &error);
  g_assert_null (value);
  g_assert_nonnull (strstr (error->message, "nests deeper"));
  g_clear_error (&error);

  /* Within the limit, it works. */
  g_clear_pointer (&node, json_node_unref);
  node = test_parse_json ("[[[[[1]]]]]");
  value = north_mcp_variant_from_json (G_VARIANT_TYPE_VARIANT, node, "value", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_variant_get_type_string (value), ==, "v");
}

/* D-Bus allows 32 arrays and 32 structures per signature, 64 containers in
 * all, and dbus-daemon disconnects whoever sends more: the depth is that of
 * the type, so empty containers and declared types count too. */
static void
check_depth_message (const char *type,
                     const char *json,
                     gboolean    accepted,
                     const char *message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = test_parse_json (json);
  g_autoptr(GVariant) value = north_mcp_variant_from_json (G_VARIANT_TYPE (type), node, "value", &error);

  if (accepted)
    {
      g_assert_no_error (error);
      g_assert_nonnull (value);
    }
  else
    {
      g_assert_null (value);
      g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (error->message, message));
    }
}

static void
check_depth (const char *type,
             const char *json,
             gboolean    accepted)
{
  check_depth_message (type, json, accepted, "nests deeper than 32 levels");
}

static char *
repeat (const char *text,
        guint       n)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    g_string_append (out, text);
  return g_string_free (out, FALSE);
}

static void
test_depth_dbus (void)
{
  g_autofree char *a31 = repeat ("a", 31);
  g_autofree char *a32 = repeat ("a", 32);
  g_autofree char *a33 = repeat ("a", 33);
  g_autofree char *open33 = repeat ("(", 33);
  g_autofree char *close33 = repeat (")", 33);
  g_autofree char *open15 = repeat ("[", 15), *close15 = repeat ("]", 15);
  g_autofree char *open16 = repeat ("[", 16), *close16 = repeat ("]", 16);
  g_autofree char *key10 = repeat ("{\"k\":", 10), *end10 = repeat ("}", 10);
  g_autofree char *key11 = repeat ("{\"k\":", 11), *end11 = repeat ("}", 11);
  g_autofree char *nest15 = g_strconcat (open15, "1", close15, NULL);
  g_autofree char *nest16 = g_strconcat (open16, "1", close16, NULL);
  g_autofree char *empty16 = g_strconcat (open16, close16, NULL);
  g_autofree char *dicts10 = g_strconcat (key10, "1", end10, NULL);
  g_autofree char *dicts11 = g_strconcat (key11, "1", end11, NULL);
  g_autofree char *type;
  g_autofree char *json;

  /* Declared by "$type", empty: only the type is deep. 32 arrays are a
   * valid D-Bus type, but not inside the argument's own v. */
  json = g_strdup_printf ("{\"$type\":\"%sy\",\"$value\":[]}", a32);
  check_depth ("v", json, FALSE);
  g_free (json);
  json = g_strdup_printf ("{\"$type\":\"%sy\",\"$value\":[]}", a31);
  check_depth ("v", json, TRUE);
  g_free (json);
  /* Beyond D-Bus's own limits, the type itself is refused. */
  json = g_strdup_printf ("{\"$type\":\"%sy\",\"$value\":[]}", a33);
  check_depth_message ("v", json, FALSE, "not a supported D-Bus type");
  g_free (json);
  json = g_strdup_printf ("{\"$type\":\"%sy%s\",\"$value\":1}", open33, close33);
  check_depth_message ("v", json, FALSE, "not a supported D-Bus type");

  /* A declared type that is too deep refuses even an empty value. */
  type = g_strconcat (a33, "y", NULL);
  check_depth (type, "[]", FALSE);
  g_free (type);
  type = g_strconcat (a32, "y", NULL);
  check_depth (type, "[]", TRUE);

  /* Arrays in a variant are av: a variant and an array a level. */
  check_depth ("v", nest15, TRUE);
  check_depth ("v", nest16, FALSE);
  check_depth ("v", empty16, FALSE);
  /* Objects are a{sv}: an array, a dict entry and a variant a level. */
  check_depth ("v", dicts10, TRUE);
  check_depth ("v", dicts11, FALSE);

  /* Such types are not served (no schema is made for them). */
  g_assert_true (north_mcp_variant_type_is_supported (G_VARIANT_TYPE (type)));
  g_free (type);
  type = g_strconcat (a33, "y", NULL);
  g_assert_false (north_mcp_variant_type_is_supported (G_VARIANT_TYPE (type)));
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonObject) schema = north_mcp_variant_type_to_schema (G_VARIANT_TYPE (type), &error);

    g_assert_null (schema);
    g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_NOT_SUPPORTED);
    g_assert_nonnull (strstr (error->message, "nests too deeply"));
  }
}

/* What dbus-daemon accepts as a signature: it disconnects a sender of
 * anything else, GVariant being more lenient. */
static void
test_dbus_signatures (void)
{
  g_autofree char *arrays32 = repeat ("a", 32), *arrays33 = repeat ("a", 33);
  g_autofree char *a32 = g_strconcat (arrays32, "y", NULL);
  g_autofree char *a33 = g_strconcat (arrays33, "y", NULL);
  g_autofree char *long_sig = repeat ("y", 256);
  const char *valid[] = { "", "y", "a{sv}", "a{sv}(ii)h", "aa{oa(sv)}", "v", "(y)", "a{ya{sv}}" };
  const char *invalid[] = { "{sv}", "()", "my", "a", "(", "(y", "y)", "a{vy}", "a{(y)y}", "a{sv",
                            "a{svy}", "*", "?", "r", "a{s}", "{", "}" };

  for (gsize i = 0; i < G_N_ELEMENTS (valid); i++)
    g_assert_true (north_mcp_variant_is_dbus_signature (valid[i], FALSE));
  for (gsize i = 0; i < G_N_ELEMENTS (invalid); i++)
    g_assert_false (north_mcp_variant_is_dbus_signature (invalid[i], FALSE));
  g_assert_true (north_mcp_variant_is_dbus_signature (a32, TRUE));
  g_assert_false (north_mcp_variant_is_dbus_signature (a33, TRUE));
  g_assert_false (north_mcp_variant_is_dbus_signature (long_sig, FALSE));
  g_assert_false (north_mcp_variant_is_dbus_signature ("ss", TRUE));
  g_assert_false (north_mcp_variant_is_dbus_signature ("", TRUE));

  check_refused ("g", "\"{sv}\"", "must be a D-Bus type signature");
  check_refused ("g", "\"()\"", "must be a D-Bus type signature");
  check_refused ("v", "{\"$type\":\"{sv}\",\"$value\":[\"a\",1]}", "not a supported D-Bus type");
  check_refused ("v", "{\"$type\":\"ms\",\"$value\":null}", "not a supported D-Bus type");
}

/* The bound is at least what GDBus writes, and not far above it. */
static void
check_dbus_size (const char *type,
                 const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = g_variant_parse (G_VARIANT_TYPE (type), text, NULL, NULL, &error);
  g_autoptr(GVariant) body = NULL;
  g_autoptr(GDBusMessage) empty = g_dbus_message_new_method_call ("org.x", "/x", "org.x", "X");
  g_autoptr(GDBusMessage) message = g_dbus_message_new_method_call ("org.x", "/x", "org.x", "X");
  g_autofree guchar *empty_blob = NULL, *blob = NULL;
  gsize empty_size = 0, size = 0;
  guint64 bound;

  g_assert_no_error (error);
  body = g_variant_ref_sink (g_variant_new_tuple (&value, 1));
  g_dbus_message_set_body (message, body);
  blob = g_dbus_message_to_blob (message, &size, G_DBUS_CAPABILITY_FLAGS_NONE, &error);
  g_assert_no_error (error);
  empty_blob = g_dbus_message_to_blob (empty, &empty_size, G_DBUS_CAPABILITY_FLAGS_NONE, &error);
  g_assert_no_error (error);
  bound = north_mcp_variant_dbus_size_bound (body);
  /* The body's size, give or take the signature header field and padding. */
  g_assert_cmpuint (bound + 16 + strlen (type), >=, size - empty_size);
  g_assert_cmpuint (bound, <=, 4 * (size - empty_size) + 64);
}

static void
test_dbus_size (void)
{
  g_autoptr(GString) bytes = g_string_new ("[");
  g_autoptr(GString) variants = g_string_new ("[");
  g_autoptr(GString) booleans = g_string_new ("[");

  for (guint i = 0; i < 1000; i++)
    {
      g_string_append_printf (bytes, "%s%u", i > 0 ? ", " : "", i % 256);
      g_string_append_printf (variants, "%s<int64 %u>", i > 0 ? ", " : "", i);
      g_string_append_printf (booleans, "%s%s", i > 0 ? ", " : "", i % 2 ? "true" : "false");
    }
  g_string_append_c (bytes, ']');
  g_string_append_c (variants, ']');
  g_string_append_c (booleans, ']');

  check_dbus_size ("ay", bytes->str);
  check_dbus_size ("av", variants->str);
  check_dbus_size ("ab", booleans->str);
  check_dbus_size ("a{sv}", "{'a': <1>, 'bb': <'x'>, 'c': <[<(1, 'y')>]>}");
  check_dbus_size ("(s(ii)as)", "('hello', (1, 2), ['a', '', 'ccc'])");
  check_dbus_size ("aad", "[[], [1.0], [], [2.0, 3.0]]");
  check_dbus_size ("s", "'a string'");
}

/* What a conversion counts as it goes is the bound of what it made. */
static void
check_counted (const char *type,
               const char *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = test_parse_json (json);
  guint64 counted = 0;
  g_autoptr(GVariant) value = north_mcp_variant_from_json_sized (G_VARIANT_TYPE (type), node, "value",
                                                                 &counted, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (counted, ==, north_mcp_variant_dbus_size_bound (value));
}

static void
test_dbus_size_counted (void)
{
  g_autoptr(GString) zeros = g_string_new ("[0");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GVariant) value = NULL;
  guint64 counted = 0;

  check_counted ("v", "[1, 2.5, \"x\", true, [], {\"a\": [1, {}]}]");
  check_counted ("ai", "[1, 2, 3]");
  check_counted ("ab", "[true, false]");
  check_counted ("ad", "[]");
  check_counted ("a{sv}", "{\"k\": 1, \"l\": {\"$type\": \"(ias)\", \"$value\": [1, [\"a\"]]}}");
  check_counted ("a{is}", "{\"1\": \"one\", \"-2\": \"\"}");
  check_counted ("(sogay)", "[\"s\", \"/o\", \"a{sv}\", \"AAEC\"]");
  check_counted ("mi", "null");
  check_counted ("maai", "[[1], []]");

  /* The count goes on from one argument to the next, and the conversion
   * stops once past the limit. */
  for (guint i = 1; i < 200000; i++)
    g_string_append (zeros, ",0");
  g_string_append_c (zeros, ']');
  node = test_parse_json (zeros->str);
  value = north_mcp_variant_from_json_sized (G_VARIANT_TYPE_VARIANT, node, "value", &counted, &error);
  g_assert_null (value);
  g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "would make the call larger than 4 MiB as a D-Bus message"));
  g_assert_cmpuint (counted, >, NORTH_MCP_VARIANT_MAX_DBUS_SIZE);
  g_assert_cmpuint (counted, <, NORTH_MCP_VARIANT_MAX_DBUS_SIZE + 64);
  g_clear_error (&error);

  counted = NORTH_MCP_VARIANT_MAX_DBUS_SIZE - 10;
  g_clear_pointer (&node, json_node_unref);
  node = test_parse_json ("\"a string of some length\"");
  g_assert_null (north_mcp_variant_from_json_sized (G_VARIANT_TYPE_STRING, node, "b", &counted, &error));
  g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* Without a count, no limit. */
  g_clear_pointer (&node, json_node_unref);
  node = test_parse_json (zeros->str);
  value = north_mcp_variant_from_json (G_VARIANT_TYPE_VARIANT, node, "value", &error);
  g_assert_no_error (error);
  g_assert_nonnull (value);
}

static void
check_schema (const char *type,
              const char *expected)
{
  g_autoptr(JsonObject) schema = schema_of (type);
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), schema);
  g_autofree char *text = to_text (node);

  g_assert_cmpstr (text, ==, expected);
}

static void
test_schemas (void)
{
  check_schema ("b", "{\"type\":\"boolean\"}");
  check_schema ("y", "{\"type\":\"integer\",\"minimum\":0,\"maximum\":255}");
  check_schema ("n", "{\"type\":\"integer\",\"minimum\":-32768,\"maximum\":32767}");
  check_schema ("q", "{\"type\":\"integer\",\"minimum\":0,\"maximum\":65535}");
  check_schema ("i", "{\"type\":\"integer\",\"minimum\":-2147483648,\"maximum\":2147483647}");
  check_schema ("u", "{\"type\":\"integer\",\"minimum\":0,\"maximum\":4294967295}");
  check_schema ("d", "{\"type\":\"number\"}");
  check_schema ("s", "{\"type\":\"string\"}");
  check_schema ("as", "{\"type\":\"array\",\"items\":{\"type\":\"string\"}}");
  check_schema ("(sb)", "{\"type\":\"array\",\"prefixItems\":[{\"type\":\"string\"},{\"type\":\"boolean\"}],"
                        "\"items\":false,\"minItems\":2,\"maxItems\":2}");
  check_schema ("()", "{\"type\":\"array\",\"items\":false,\"minItems\":0,\"maxItems\":0}");
  check_schema ("ms", "{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"null\"}]}");
  check_schema ("a{us}", "{\"type\":\"object\",\"propertyNames\":{\"pattern\":\"^[0-9]+$\"},"
                         "\"additionalProperties\":{\"type\":\"string\"}}");
  check_schema ("a{ss}", "{\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\"}}");

  {
    g_autoptr(JsonObject) x = schema_of ("x");
    g_autoptr(JsonObject) t = schema_of ("t");
    g_autoptr(JsonObject) o = schema_of ("o");
    g_autoptr(JsonObject) ay = schema_of ("ay");
    g_autoptr(JsonObject) v = schema_of ("a{sv}");
    g_autoptr(GRegex) path = NULL;

    g_assert_cmpint (json_object_get_int_member (x, "maximum"), ==, 9007199254740991);
    g_assert_cmpint (json_object_get_int_member (x, "minimum"), ==, -9007199254740991);
    g_assert_cmpint (json_object_get_int_member (t, "minimum"), ==, 0);
    g_assert_cmpstr (json_object_get_string_member (t, "pattern"), ==, "^[0-9]{1,20}$");
    g_assert_cmpstr (json_object_get_string_member (ay, "contentEncoding"), ==, "base64");
    g_assert_true (json_object_has_member (json_object_get_object_member (v, "additionalProperties"),
                                           "description"));
    /* The object-path pattern says what g_variant_is_object_path() says. */
    path = g_regex_new (json_object_get_string_member (o, "pattern"), 0, 0, NULL);
    g_assert_nonnull (path);
    for (const char *const *p = (const char *const[]) { "/", "/a", "/a/b_1", "", "/a/", "//",
                                                        "a", "/a-b", "/a//b", NULL }; *p; p++)
      g_assert_cmpint (g_regex_match (path, *p, 0, NULL), ==, g_variant_is_object_path (*p));
  }
}

static void
test_unsupported (void)
{
  const char *types[] = { "h", "ah", "(sh)", "a{sh}", "*", "a?", "r", "m*" };

  for (gsize i = 0; i < G_N_ELEMENTS (types); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonObject) schema = north_mcp_variant_type_to_schema (G_VARIANT_TYPE (types[i]), &error);

      g_assert_null (schema);
      g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_NOT_SUPPORTED);
      g_assert_false (north_mcp_variant_type_is_supported (G_VARIANT_TYPE (types[i])));
    }
  g_assert_true (north_mcp_variant_type_is_supported (G_VARIANT_TYPE ("a{sv}")));
}

static void
test_special_doubles (void)
{
  g_autoptr(GVariant) nan_value = g_variant_ref_sink (g_variant_new_double (NAN));
  g_autoptr(GVariant) inf_value = g_variant_ref_sink (g_variant_new_double (-INFINITY));
  g_autoptr(JsonNode) a = north_mcp_variant_to_json (nan_value);
  g_autoptr(JsonNode) b = north_mcp_variant_to_json (inf_value);

  g_assert_true (JSON_NODE_HOLDS_NULL (a));
  g_assert_true (JSON_NODE_HOLDS_NULL (b));
}

/* Values from another process are made JSON within a bound on their
 * number and text: a reply of 4 MiB can hold 8 million one-byte values. */
static void
test_json_bounded (void)
{
  gsize n = 100000;
  g_autofree guchar *zeros = g_malloc0 (n);
  g_autoptr(GVariant) many = g_variant_ref_sink (g_variant_new_from_data (G_VARIANT_TYPE ("a(y)"), zeros, n,
                                                                          TRUE, NULL, NULL));
  g_autoptr(GVariant) few = g_variant_ref_sink (g_variant_new_from_data (G_VARIANT_TYPE ("a(y)"), zeros, 3,
                                                                         TRUE, NULL, NULL));
  g_autoptr(GVariant) text = g_variant_ref_sink (g_variant_new_take_string (g_strnfill (1 << 20, 'x')));
  guint64 budget = NORTH_MCP_VARIANT_MAX_JSON_COST;
  g_autoptr(JsonNode) node = NULL;

  /* 200,000 values: more than the bound allows. */
  g_assert_null (north_mcp_variant_to_json_bounded (many, &budget));
  budget = NORTH_MCP_VARIANT_MAX_JSON_COST;
  node = north_mcp_variant_to_json_bounded (few, &budget);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (node)), ==, 3);
  /* The array, and two values for each item. */
  g_assert_cmpuint (budget, ==, NORTH_MCP_VARIANT_MAX_JSON_COST - 7 * NORTH_MCP_VARIANT_JSON_VALUE_COST);
  g_clear_pointer (&node, json_node_unref);
  /* Text counts by its length: 1 MiB fits 7 times, not 8. */
  for (guint i = 0; i < 7; i++)
    {
      node = north_mcp_variant_to_json_bounded (text, &budget);
      g_assert_nonnull (node);
      g_clear_pointer (&node, json_node_unref);
    }
  g_assert_null (north_mcp_variant_to_json_bounded (text, &budget));
}

/* Text counts as it is written: a control character takes 6 bytes as
 * JSON (`\u0001`), so 2 MiB of them, within a 4 MiB reply, would be 12
 * MiB of JSON, in a string or in a member name. */
static void
test_json_bounded_escaped (void)
{
  gsize n = 2 << 20;
  g_autofree char *controls = g_strnfill (n, '\x01');
  g_autoptr(GVariant) text = g_variant_ref_sink (g_variant_new_string (controls));
  g_autoptr(GVariantBuilder) builder = g_variant_builder_new (G_VARIANT_TYPE ("a{sv}"));
  g_autoptr(GVariant) dict = NULL;
  g_autoptr(GVariant) small = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *json = NULL;
  guint64 budget = NORTH_MCP_VARIANT_MAX_JSON_COST;

  g_assert_null (north_mcp_variant_to_json_bounded (text, &budget));

  g_variant_builder_add (builder, "{sv}", controls, g_variant_new_boolean (TRUE));
  dict = g_variant_ref_sink (g_variant_builder_end (builder));
  budget = NORTH_MCP_VARIANT_MAX_JSON_COST;
  g_assert_null (north_mcp_variant_to_json_bounded (dict, &budget));

  /* A quarter of it fits, and its JSON text is what was counted. */
  controls[n / 4] = '\0';
  small = g_variant_ref_sink (g_variant_new_string (controls));
  budget = NORTH_MCP_VARIANT_MAX_JSON_COST;
  node = north_mcp_variant_to_json_bounded (small, &budget);
  g_assert_nonnull (node);
  json = to_text (node);
  g_assert_cmpuint (strlen (json), ==, 6 * (n / 4) + 2);
  g_assert_cmpuint (NORTH_MCP_VARIANT_MAX_JSON_COST - budget, >=, strlen (json));
}

/* The schema refuses what the conversion refuses, where the library's
 * checker can tell (ranges and JSON types). */
static void
test_schema_agrees (void)
{
  struct { const char *type, *json; } refused[] = {
    { "y", "256" }, { "n", "-40000" }, { "u", "-1" }, { "x", "9007199254740992" },
    { "b", "0" }, { "(is)", "[1]" }, { "(is)", "[1,\"a\",2]" }, { "as", "[1]" },
    { "a{ss}", "{\"a\":1}" }, { "ay", "[]" }, { "t", "-1" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = test_parse_json (refused[i].json);
      g_autoptr(GVariant) value = north_mcp_variant_from_json (G_VARIANT_TYPE (refused[i].type), node,
                                                               "a", NULL);

      g_assert_null (value);
      if (schema_accepts (refused[i].type, node, &error))
        g_error ("the schema of %s accepts %s", refused[i].type, refused[i].json);
      g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/variant-schema/round-trips", test_round_trips);
  g_test_add_func ("/variant-schema/json-round-trips", test_json_round_trips);
  g_test_add_func ("/variant-schema/json-leniency", test_json_leniency);
  g_test_add_func ("/variant-schema/refused", test_refused);
  g_test_add_func ("/variant-schema/depth", test_depth);
  g_test_add_func ("/variant-schema/depth-dbus", test_depth_dbus);
  g_test_add_func ("/variant-schema/dbus-signatures", test_dbus_signatures);
  g_test_add_func ("/variant-schema/dbus-size", test_dbus_size);
  g_test_add_func ("/variant-schema/dbus-size-counted", test_dbus_size_counted);
  g_test_add_func ("/variant-schema/schemas", test_schemas);
  g_test_add_func ("/variant-schema/unsupported", test_unsupported);
  g_test_add_func ("/variant-schema/special-doubles", test_special_doubles);
  g_test_add_func ("/variant-schema/json-bounded", test_json_bounded);
  g_test_add_func ("/variant-schema/json-bounded-escaped", test_json_bounded_escaped);
  g_test_add_func ("/variant-schema/schema-agrees", test_schema_agrees);
  return g_test_run ();
}
