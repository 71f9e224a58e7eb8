/* test-base64.c: strict base64 / base64url decoding
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <glib.h>

#include "north-mcp-base64-private.h"

static NorthMcpBase64Alphabet
alphabet_of (gboolean url)
{
  return url ? NORTH_MCP_BASE64_URL : NORTH_MCP_BASE64_STANDARD;
}

static void
assert_decodes (gboolean    url,
                const char *text,
                const char *expected)
{
  gsize length = 0;
  g_autofree guchar *out = north_mcp_base64_decode (text, -1, alphabet_of (url), &length);

  g_assert_nonnull (out);
  g_assert_cmpmem (out, length, expected, strlen (expected));
  g_assert_cmpint (out[length], ==, '\0');
}

static void
assert_rejects (gboolean    url,
                const char *text)
{
  gsize length = 0;
  g_autofree guchar *out = north_mcp_base64_decode (text, -1, alphabet_of (url), &length);

  if (out != NULL)
    g_error ("'%s' was accepted as %s", text, url ? "base64url" : "base64");
}

static void
test_base64_standard (void)
{
  assert_decodes (FALSE, "", "");
  assert_decodes (FALSE, "YQ==", "a");
  assert_decodes (FALSE, "YWI=", "ab");
  assert_decodes (FALSE, "YWJj", "abc");
  assert_decodes (FALSE, "eyJhIjogMX0=", "{\"a\": 1}");
  assert_decodes (FALSE, "+/+/", "\xfb\xff\xbf");

  /* Characters outside the alphabet, which g_base64_decode() skips. */
  assert_rejects (FALSE, "YW*j");
  assert_rejects (FALSE, "YW Jj");
  assert_rejects (FALSE, "YWJj\n");
  assert_rejects (FALSE, "YW.j");
  assert_rejects (FALSE, "-_-_");
  assert_rejects (FALSE, "YWJ\xc3\xa9");
  /* Padding. */
  assert_rejects (FALSE, "YQ");
  assert_rejects (FALSE, "YQ=");
  assert_rejects (FALSE, "YQ===");
  assert_rejects (FALSE, "Y===");
  assert_rejects (FALSE, "YWJ==");
  assert_rejects (FALSE, "YQ==YQ==");
  assert_rejects (FALSE, "=");
  assert_rejects (FALSE, "====");
  assert_rejects (FALSE, "Y");
}

static void
test_base64_url (void)
{
  assert_decodes (TRUE, "", "");
  assert_decodes (TRUE, "YQ", "a");
  assert_decodes (TRUE, "YQ==", "a");
  assert_decodes (TRUE, "YWI", "ab");
  assert_decodes (TRUE, "YWI=", "ab");
  assert_decodes (TRUE, "-_-_", "\xfb\xff\xbf");

  assert_rejects (TRUE, "+/+/");
  assert_rejects (TRUE, "YW*j");
  assert_rejects (TRUE, "YW Jj");
  assert_rejects (TRUE, "Y");
  assert_rejects (TRUE, "YQ=");
  assert_rejects (TRUE, "YQ===");
  assert_rejects (TRUE, "YWI==");
  assert_rejects (TRUE, "YWJjZ");
  assert_rejects (TRUE, "Y=Q=");
}

static void
test_base64_length (void)
{
  gsize length = 0;
  g_autofree guchar *out = north_mcp_base64_decode ("YWJjYWJj", 4, NORTH_MCP_BASE64_STANDARD, &length);

  g_assert_cmpmem (out, length, "abc", 3);
}

static void
test_base64_url_round_trip (void)
{
  guchar data[256];

  for (guint i = 0; i < sizeof data; i++)
    data[i] = (guchar) (255 - i);

  for (gsize n = 0; n <= sizeof data; n++)
    {
      g_autofree char *encoded = north_mcp_base64url_encode (data, n);
      gsize length = 0;
      g_autofree guchar *decoded = NULL;

      g_assert_null (strchr (encoded, '='));
      g_assert_null (strchr (encoded, '+'));
      g_assert_null (strchr (encoded, '/'));
      decoded = north_mcp_base64_decode (encoded, -1, NORTH_MCP_BASE64_URL, &length);
      g_assert_nonnull (decoded);
      g_assert_cmpmem (decoded, length, data, n);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/base64/standard", test_base64_standard);
  g_test_add_func ("/base64/url", test_base64_url);
  g_test_add_func ("/base64/length", test_base64_length);
  g_test_add_func ("/base64/url-round-trip", test_base64_url_round_trip);

  return g_test_run ();
}
