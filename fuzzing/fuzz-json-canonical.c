/* fuzz-json-canonical.c: the canonical JSON writer (digests of what a
 * client sent) and the escaped size of strings
 *
 * Input: any bytes. Up to its first NUL, the input is a string:
 * north_mcp_json_string_size() equals the length that
 * north_mcp_json_write_string() writes, and what it writes is one line
 * that the strict reader reads back (as the same string when the input
 * is UTF-8). Whole, the input is JSON text: what the reader accepts is
 * written canonically, which must read back to the same tree, with every
 * object's members sorted at every depth, and be a fixed point
 * (canonical(read(canonical(x))) == canonical(x)); every string and
 * member name of the tree has the size the writer writes. Written with
 * numbers by value, it reads back and is a fixed point as well.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>

#include "north-mcp-json-reader-private.h"
#include "north-mcp-json-writer-private.h"
#include "fuzz-common.h"
#include "../tests/json/json-compare.h"

static void
check_string (const char *string)
{
  g_autoptr(GString) written = g_string_new (NULL);
  gsize size = north_mcp_json_string_size (string);

  north_mcp_json_write_string (written, string);
  if (size != written->len)
    {
      fprintf (stderr, "string_size %" G_GSIZE_FORMAT ", written %" G_GSIZE_FORMAT "\n", size, written->len);
      abort ();
    }
}

/* Every string and member name has its written size; members come in
 * strictly increasing order (bytewise) when @sorted. */
static void
check_tree (JsonNode *node,
            gboolean  sorted)
{
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        check_tree (json_array_get_element (array, i), sorted);
    }
  else if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObjectIter iter;
      const char *name, *previous = NULL;
      JsonNode *member;

      json_object_iter_init_ordered (&iter, json_node_get_object (node));
      while (json_object_iter_next_ordered (&iter, &name, &member))
        {
          if (sorted && previous != NULL && strcmp (previous, name) >= 0)
            {
              fprintf (stderr, "members out of order: \"%s\" before \"%s\"\n", previous, name);
              abort ();
            }
          previous = name;
          check_string (name);
          check_tree (member, sorted);
        }
    }
  else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    check_string (json_node_get_string (node));
}

/* The input up to its first NUL, as a string the writer escapes. */
static void
check_raw_string (const uint8_t *data,
                  size_t         size)
{
  g_autofree char *string = g_strndup ((const char *) data, size);
  g_autoptr(GString) written = g_string_new (NULL);
  g_autoptr(JsonNode) back = NULL;
  g_autoptr(GError) error = NULL;

  check_string (string);
  north_mcp_json_write_string (written, string);
  for (gsize i = 0; i < written->len; i++)
    if ((guchar) written->str[i] < 0x20)
      abort ();
  back = north_mcp_json_read (written->str, written->len, NORTH_MCP_JSON_MAX_DEPTH, &error);
  if (back == NULL || !JSON_NODE_HOLDS_VALUE (back) || json_node_get_value_type (back) != G_TYPE_STRING)
    {
      fprintf (stderr, "written string does not read back: %s\n", error != NULL ? error->message : "");
      abort ();
    }
  if (g_utf8_validate (string, -1, NULL) && strcmp (json_node_get_string (back), string) != 0)
    abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(JsonNode) tree = NULL;
  g_autoptr(JsonNode) again = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autoptr(GError) error = NULL;

  fuzz_init ();
  check_raw_string (data, size);

  tree = north_mcp_json_read ((const char *) data, size, NORTH_MCP_JSON_MAX_DEPTH, NULL);
  if (tree == NULL)
    return 0;
  check_tree (tree, FALSE);

  first = json_test_write (tree, TRUE);
  again = north_mcp_json_read (first, strlen (first), NORTH_MCP_JSON_MAX_DEPTH, &error);
  if (again == NULL)
    {
      fprintf (stderr, "canonical text does not read back (%s): %s\n", error->message, first);
      abort ();
    }
  if (!json_test_nodes_equal (tree, again))
    {
      fprintf (stderr, "canonical text reads back to another tree: %s\n", first);
      abort ();
    }
  check_tree (again, TRUE);

  second = json_test_write (again, TRUE);
  if (strcmp (first, second) != 0)
    {
      fprintf (stderr, "not a fixed point:\n%s\n%s\n", first, second);
      abort ();
    }

  /* Numbers by value (uniqueItems): reads back, and a fixed point too. */
  {
    g_autoptr(GString) by_value = g_string_new (NULL);
    g_autoptr(GString) by_value_again = g_string_new (NULL);
    g_autoptr(JsonNode) read_back = NULL;

    north_mcp_json_write_by_value (by_value, tree);
    read_back = north_mcp_json_read (by_value->str, by_value->len, NORTH_MCP_JSON_MAX_DEPTH, NULL);
    if (read_back == NULL)
      abort ();
    north_mcp_json_write_by_value (by_value_again, read_back);
    if (strcmp (by_value->str, by_value_again->str) != 0)
      {
        fprintf (stderr, "by value, not a fixed point:\n%s\n%s\n", by_value->str, by_value_again->str);
        abort ();
      }
  }
  return 0;
}
