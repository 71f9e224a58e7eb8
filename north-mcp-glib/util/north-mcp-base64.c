/* north-mcp-base64.c: strict base64 and base64url
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-base64-private.h"

/* The 6-bit value of @c in the chosen alphabet, or -1. */
static int
sextet (guchar   c,
        gboolean url)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == (url ? '-' : '+'))
    return 62;
  if (c == (url ? '_' : '/'))
    return 63;
  return -1;
}

guchar *
north_mcp_base64_decode (const char             *text,
                         gssize                  length,
                         NorthMcpBase64Alphabet  alphabet,
                         gsize                  *out_length)
{
  gboolean url = alphabet == NORTH_MCP_BASE64_URL;
  gsize len;
  gsize padding = 0;
  gsize data_len;
  guchar *out;
  gsize o = 0;
  guint32 acc = 0;
  guint bits = 0;

  g_return_val_if_fail (text != NULL, NULL);

  len = length < 0 ? strlen (text) : (gsize) length;

  /* Count `=` at the end; they must complete a 4-character group. */
  while (padding < len && text[len - 1 - padding] == '=')
    padding++;
  data_len = len - padding;

  if (padding > 2)
    return NULL;
  if (padding > 0 && len % 4 != 0)
    return NULL;
  if (!url && len % 4 != 0)
    return NULL;
  /* A lone character cannot encode a byte; with padding, the group length
   * must match the padding count. */
  if (data_len % 4 == 1)
    return NULL;
  if (padding > 0 && 4 - data_len % 4 != padding)
    return NULL;

  out = g_malloc (data_len / 4 * 3 + 3 + 1);
  for (gsize i = 0; i < data_len; i++)
    {
      int v = sextet ((guchar) text[i], url);

      if (v < 0)
        {
          g_free (out);
          return NULL;
        }
      acc = (acc << 6) | (guint32) v;
      bits += 6;
      if (bits >= 8)
        {
          bits -= 8;
          out[o++] = (guchar) (acc >> bits);
          acc &= (1u << bits) - 1;
        }
    }
  out[o] = '\0';

  if (out_length != NULL)
    *out_length = o;
  return out;
}

char *
north_mcp_base64url_encode (const guchar *data,
                            gsize         length)
{
  g_autofree char *standard = g_base64_encode (data, length);
  GString *out = g_string_sized_new (strlen (standard));

  for (const char *p = standard; *p != '\0' && *p != '='; p++)
    {
      if (*p == '+')
        g_string_append_c (out, '-');
      else if (*p == '/')
        g_string_append_c (out, '_');
      else
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}
