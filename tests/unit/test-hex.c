/* test-hex.c: the one lower-case hex encoder
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include <glib.h>

#include "north-mcp-hex-private.h"

static void
test_hex_every_byte (void)
{
  guint8 bytes[256];
  char out[2 * 256 + 2];
  g_autoptr(GString) expected = g_string_new (NULL);
  g_autofree char *copy = NULL;

  for (guint i = 0; i < 256; i++)
    {
      bytes[i] = (guint8) i;
      g_string_append_printf (expected, "%02x", i);
    }

  /* Exactly two digits a byte, no NUL: the byte after them is untouched. */
  memset (out, '#', sizeof out);
  g_assert_true (north_mcp_hex_encode (out, bytes, 256) == out + 2 * 256);
  g_assert_cmpmem (out, 2 * 256, expected->str, expected->len);
  g_assert_cmpint (out[2 * 256], ==, '#');

  copy = north_mcp_hex_strdup (bytes, 256);
  g_assert_cmpstr (copy, ==, expected->str);
}

static void
test_hex_empty (void)
{
  char out[1] = { '#' };
  g_autofree char *copy = north_mcp_hex_strdup ((const guint8 *) "", 0);

  g_assert_true (north_mcp_hex_encode (out, (const guint8 *) "", 0) == out);
  g_assert_cmpint (out[0], ==, '#');
  g_assert_cmpstr (copy, ==, "");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hex/every-byte", test_hex_every_byte);
  g_test_add_func ("/hex/empty", test_hex_empty);
  return g_test_run ();
}
