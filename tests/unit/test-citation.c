/* test-citation.c: NorthMcpCitation writes North 1.13's document citation
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include <north-mcp.h>

#include "north-mcp-json-reader-private.h"

static JsonNode *
parse (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  return node;
}

static void
assert_json_equal (JsonNode   *node,
                   const char *expected)
{
  g_autoptr(JsonNode) want = parse (expected);

  if (!json_node_equal (node, want))
    {
      g_autofree char *got = json_to_string (node, FALSE);

      g_error ("got %s\nwant %s", got, expected);
    }
}

static void
test_citation_content_only (void)
{
  g_autoptr(NorthMcpCitation) citation = north_mcp_citation_new ("Some text");
  g_autoptr(JsonNode) node = north_mcp_citation_to_json (citation);

  assert_json_equal (node,
                     "{\"text\": \"Some text\","
                     " \"_north_metadata\": {\"renderer\": \"document\", \"content\": \"Some text\"}}");
}

static void
test_citation_everything (void)
{
  g_autoptr(NorthMcpCitation) citation = north_mcp_citation_new ("Body \"quoted\"");
  g_autoptr(GDateTime) updated = g_date_time_new_utc (2024, 1, 15, 0, 0, 0);
  g_autoptr(JsonNode) node = NULL;

  north_mcp_citation_set_title (citation, "Title");
  north_mcp_citation_set_url (citation, "https://example.com/a");
  north_mcp_citation_set_label (citation, "A");
  north_mcp_citation_set_author_name (citation, "Jane Doe");
  north_mcp_citation_set_last_updated (citation, updated);
  north_mcp_citation_set_page_number (citation, 12);
  node = north_mcp_citation_to_json (citation);

  assert_json_equal (node,
                     "{\"text\": \"Body \\\"quoted\\\"\", \"title\": \"Title\", \"url\": \"https://example.com/a\","
                     " \"_north_metadata\": {\"renderer\": \"document\", \"content\": \"Body \\\"quoted\\\"\","
                     "   \"title\": \"Title\", \"url\": \"https://example.com/a\", \"label\": \"A\","
                     "   \"meta\": {\"author_name\": \"Jane Doe\", \"last_updated\": \"1705276800\","
                     "              \"page_number\": 12}}}");

  /* Unset again: the members go away. */
  north_mcp_citation_set_page_number (citation, 0);
  north_mcp_citation_set_last_updated (citation, NULL);
  north_mcp_citation_set_author_name (citation, NULL);
  north_mcp_citation_set_label (citation, NULL);
  g_clear_pointer (&node, json_node_unref);
  node = north_mcp_citation_to_json (citation);
  assert_json_equal (node,
                     "{\"text\": \"Body \\\"quoted\\\"\", \"title\": \"Title\", \"url\": \"https://example.com/a\","
                     " \"_north_metadata\": {\"renderer\": \"document\", \"content\": \"Body \\\"quoted\\\"\","
                     "   \"title\": \"Title\", \"url\": \"https://example.com/a\"}}");
}

static void
test_citation_properties (void)
{
  g_autoptr(GDateTime) updated = g_date_time_new_from_unix_utc (86400);
  g_autoptr(NorthMcpCitation) citation = g_object_new (NORTH_MCP_TYPE_CITATION,
                                                       "content", "c", "title", "t",
                                                       "author-name", "a", "last-updated", updated,
                                                       "page-number", 2, NULL);
  g_autoptr(JsonNode) node = north_mcp_citation_to_json (citation);

  g_assert_cmpstr (north_mcp_citation_get_content (citation), ==, "c");
  g_assert_cmpint (north_mcp_citation_get_page_number (citation), ==, 2);
  assert_json_equal (node,
                     "{\"text\": \"c\", \"title\": \"t\","
                     " \"_north_metadata\": {\"renderer\": \"document\", \"content\": \"c\", \"title\": \"t\","
                     "   \"meta\": {\"author_name\": \"a\", \"last_updated\": \"86400\", \"page_number\": 2}}}");
}

static void
test_result_add_citation (void)
{
  g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new ();
  g_autoptr(NorthMcpCitation) first = north_mcp_citation_new ("one");
  g_autoptr(NorthMcpCitation) second = north_mcp_citation_new ("two");
  g_autoptr(JsonNode) first_json = NULL;
  JsonArray *content;
  JsonNode *structured;

  north_mcp_citation_set_url (second, "https://example.com/2");
  north_mcp_tool_result_add_citation (result, first);
  north_mcp_tool_result_add_citation (result, second);

  /* One text block per item, holding the item's JSON. */
  content = north_mcp_tool_result_get_content (result);
  g_assert_cmpuint (json_array_get_length (content), ==, 2);
  first_json = parse (json_object_get_string_member (json_array_get_object_element (content, 0), "text"));
  assert_json_equal (first_json,
                     "{\"text\": \"one\", \"_north_metadata\": {\"renderer\": \"document\", \"content\": \"one\"}}");

  structured = north_mcp_tool_result_get_structured_content (result);
  assert_json_equal (structured,
                     "{\"result\": ["
                     " {\"text\": \"one\", \"_north_metadata\": {\"renderer\": \"document\", \"content\": \"one\"}},"
                     " {\"text\": \"two\", \"url\": \"https://example.com/2\","
                     "  \"_north_metadata\": {\"renderer\": \"document\", \"content\": \"two\","
                     "                        \"url\": \"https://example.com/2\"}}]}");
}

/* The text block holds the item as valid JSON even when a document has
 * U+001F, which json-glib 1.6 copies raw into a string (North's FastMCP
 * reads the block with a strict parser). */
static void
test_result_add_citation_text_is_json (void)
{
  g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new ();
  g_autoptr(NorthMcpCitation) citation = north_mcp_citation_new ("a\x1f" "b");
  g_autoptr(JsonNode) item = north_mcp_citation_to_json (citation);
  g_autoptr(JsonNode) back = NULL;
  g_autoptr(GError) error = NULL;
  const char *text;

  north_mcp_tool_result_add_citation (result, citation);
  text = json_object_get_string_member (json_array_get_object_element (north_mcp_tool_result_get_content (result), 0),
                                        "text");
  back = north_mcp_json_read (text, strlen (text), 64, &error);
  g_assert_no_error (error);
  g_assert_true (json_node_equal (back, item));
}

static void
test_result_add_citation_refuses_other_structured_content (void)
{
  g_autoptr(JsonNode) other = parse ("{\"answer\": 42}");
  g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new_structured (other);
  g_autoptr(NorthMcpCitation) citation = north_mcp_citation_new ("c");

  if (g_test_subprocess ())
    {
      north_mcp_tool_result_add_citation (result, citation);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*items != NULL*");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/citation/content-only", test_citation_content_only);
  g_test_add_func ("/citation/everything", test_citation_everything);
  g_test_add_func ("/citation/properties", test_citation_properties);
  g_test_add_func ("/citation/add-to-result", test_result_add_citation);
  g_test_add_func ("/citation/add-to-result/text-is-json", test_result_add_citation_text_is_json);
  g_test_add_func ("/citation/add-to-result/other-structured-content",
                   test_result_add_citation_refuses_other_structured_content);

  return g_test_run ();
}
