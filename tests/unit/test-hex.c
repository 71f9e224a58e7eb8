/* test-hex.c: the hex encoder and decoder
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

/* Decoding gives back every byte value, in either case, and refuses any
 * other text: wrong length, a non-digit in either place of a pair, text
 * after the digits, NULL. */
static void
test_hex_decode (void)
{
  guint8 bytes[256], decoded[256], two[2];
  g_autofree char *text = NULL;
  g_autofree char *upper = NULL;

  for (guint i = 0; i < 256; i++)
    bytes[i] = (guint8) i;
  text = north_mcp_hex_strdup (bytes, sizeof bytes);
  upper = g_ascii_strup (text, -1);
  g_assert_true (north_mcp_hex_decode (text, -1, decoded, sizeof decoded));
  g_assert_cmpmem (decoded, sizeof decoded, bytes, sizeof bytes);
  memset (decoded, 0, sizeof decoded);
  g_assert_true (north_mcp_hex_decode (upper, strlen (upper), decoded, sizeof decoded));
  g_assert_cmpmem (decoded, sizeof decoded, bytes, sizeof bytes);

  g_assert_true (north_mcp_hex_decode ("0aFf", -1, two, 2));
  g_assert_cmpuint (two[0], ==, 0x0a);
  g_assert_cmpuint (two[1], ==, 0xff);
  /* Only the given length is read: no NUL needed after it. */
  g_assert_true (north_mcp_hex_decode ("0aff00", 4, two, 2));

  g_assert_false (north_mcp_hex_decode (NULL, -1, two, 2));
  g_assert_false (north_mcp_hex_decode ("0af", -1, two, 2));
  g_assert_false (north_mcp_hex_decode ("0aff0", -1, two, 2));
  g_assert_false (north_mcp_hex_decode ("0aff00", -1, two, 2));
  g_assert_false (north_mcp_hex_decode ("g0ff", -1, two, 2));
  g_assert_false (north_mcp_hex_decode ("0gff", -1, two, 2));
  g_assert_false (north_mcp_hex_decode ("0a f", -1, two, 2));
  g_assert_false (north_mcp_hex_decode ("0a\0f", 4, two, 2));
  g_assert_false (north_mcp_hex_decode ("0aff", 3, two, 2));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hex/every-byte", test_hex_every_byte);
  g_test_add_func ("/hex/empty", test_hex_empty);
  g_test_add_func ("/hex/decode", test_hex_decode);
  return g_test_run ();
}
