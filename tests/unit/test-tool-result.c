/* test-tool-result.c: a tool result written straight to text is exactly
 * its JSON tree serialised, whatever mix of blocks it holds.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include <north-mcp.h>

#include "north-mcp-json-reader-private.h"
#include "north-mcp-json-writer-private.h"
#include "north-mcp-jsonrpc-private.h"
#include "north-mcp-tool-result-private.h"

/* The text the response path writes, and the tree the public API gives. */
static void
assert_text_matches_tree (NorthMcpToolResult *result,
                          const char         *expected)
{
  g_autoptr(GString) direct = g_string_new (NULL);
  g_autoptr(GString) via_tree = g_string_new (NULL);
  g_autoptr(JsonNode) tree = NULL;

  north_mcp_tool_result_write_json (result, direct);
  tree = north_mcp_tool_result_to_json (result);
  north_mcp_json_write (via_tree, tree);

  g_assert_cmpstr (direct->str, ==, expected);
  g_assert_cmpstr (via_tree->str, ==, expected);
}

static void
test_one_text (void)
{
  g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new_text ("5");

  assert_text_matches_tree (result, "{\"content\":[{\"type\":\"text\",\"text\":\"5\"}]}");
}

static void
test_texts_escaped (void)
{
  g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new_text ("a \"quoted\"\nline\\");

  north_mcp_tool_result_add_text (result, "\x01\xe2\x80\xa8");
  assert_text_matches_tree (result,
                            "{\"content\":[{\"type\":\"text\",\"text\":\"a \\\"quoted\\\"\\nline\\\\\"},"
                            "{\"type\":\"text\",\"text\":\"\\u0001\\u2028\"}]}");
}

static void
test_empty (void)
{
  g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new ();

  assert_text_matches_tree (result, "{\"content\":[]}");
}

/* Texts before and after another block keep their order. */
static void
test_mixed_order (void)
{
  g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new_text ("first");
  g_autoptr(GBytes) png = g_bytes_new_static ("\x89PNG", 4);

  north_mcp_tool_result_add_image (result, png, "image/png");
  north_mcp_tool_result_add_text (result, "last");
  assert_text_matches_tree (result,
                            "{\"content\":[{\"type\":\"text\",\"text\":\"first\"},"
                            "{\"type\":\"image\",\"data\":\"iVBORw==\",\"mimeType\":\"image/png\"},"
                            "{\"type\":\"text\",\"text\":\"last\"}]}");
}

/* get_content() hands out the tree; texts added afterwards land in it. */
static void
test_get_content_then_add (void)
{
  g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new_text ("one");
  JsonArray *content = north_mcp_tool_result_get_content (result);

  g_assert_cmpuint (json_array_get_length (content), ==, 1);
  north_mcp_tool_result_add_text (result, "two");
  g_assert_true (north_mcp_tool_result_get_content (result) == content);
  g_assert_cmpuint (json_array_get_length (content), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (content, 1), "text"),
                   ==, "two");
  assert_text_matches_tree (result,
                            "{\"content\":[{\"type\":\"text\",\"text\":\"one\"},"
                            "{\"type\":\"text\",\"text\":\"two\"}]}");
}

static void
test_error_structured_meta (void)
{
  g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new_error ("no such city");
  g_autoptr(JsonObject) meta = json_object_new ();
  g_autoptr(JsonNode) structured = NULL;
  g_autoptr(GError) error = NULL;

  structured = north_mcp_jsonrpc_parse ("{\"city\":null,\"n\":[1,2.5]}", 25, &error);
  g_assert_no_error (error);
  json_object_set_string_member (meta, "k", "v");
  north_mcp_tool_result_set_structured_content (result, structured);
  north_mcp_tool_result_set_meta (result, meta);
  assert_text_matches_tree (result,
                            "{\"content\":[{\"type\":\"text\",\"text\":\"no such city\"}],"
                            "\"structuredContent\":{\"city\":null,\"n\":[1,2.5]},"
                            "\"isError\":true,\"_meta\":{\"k\":\"v\"}}");
}

/* The text block of a structured result is that content as valid JSON,
 * also for what json-glib 1.6 writes wrong: a double of 1e21 and above
 * ("1e+21.0") and U+001F (copied raw). A client may send both in its
 * arguments for a tool to hand back. */
static void
test_structured_text_is_json (void)
{
  static const char json[] = "{\"n\":1e21,\"s\":\"a\\u001fb\",\"m\":[-1e300]}";
  g_autoptr(NorthMcpToolResult) result = NULL;
  g_autoptr(JsonNode) structured = NULL;
  g_autoptr(JsonNode) back = NULL;
  g_autoptr(GString) expected = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  JsonArray *content;
  const char *text;

  structured = north_mcp_jsonrpc_parse (json, sizeof json - 1, &error);
  g_assert_no_error (error);
  result = north_mcp_tool_result_new_structured (structured);

  content = north_mcp_tool_result_get_content (result);
  g_assert_cmpuint (json_array_get_length (content), ==, 1);
  text = json_object_get_string_member (json_array_get_object_element (content, 0), "text");
  back = north_mcp_json_read (text, strlen (text), 64, &error);
  g_assert_no_error (error);
  g_assert_true (json_node_equal (back, structured));
  north_mcp_json_write (expected, structured);
  g_assert_cmpstr (text, ==, expected->str);
}

/* The envelope the answer is written into. */
static void
test_result_envelope (void)
{
  g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new_text ("5");
  g_autoptr(JsonNode) id = json_node_init_string (json_node_alloc (), "req-\"1\"");
  GString *text = north_mcp_jsonrpc_begin_result_text (id);
  g_autoptr(JsonNode) tree = north_mcp_tool_result_to_json (result);
  g_autoptr(JsonNode) response = north_mcp_jsonrpc_result_new (id, tree);
  g_autofree char *expected = north_mcp_jsonrpc_to_string (response, NULL);

  north_mcp_tool_result_write_json (result, text);
  g_string_append_c (text, '}');
  g_assert_cmpstr (text->str, ==, expected);
  g_string_free (text, TRUE);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/tool-result/one-text", test_one_text);
  g_test_add_func ("/tool-result/texts-escaped", test_texts_escaped);
  g_test_add_func ("/tool-result/empty", test_empty);
  g_test_add_func ("/tool-result/mixed-order", test_mixed_order);
  g_test_add_func ("/tool-result/get-content-then-add", test_get_content_then_add);
  g_test_add_func ("/tool-result/error-structured-meta", test_error_structured_meta);
  g_test_add_func ("/tool-result/result-envelope", test_result_envelope);
  g_test_add_func ("/tool-result/structured-text-is-json", test_structured_text_is_json);

  return g_test_run ();
}
