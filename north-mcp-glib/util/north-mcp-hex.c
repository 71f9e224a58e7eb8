/* north-mcp-hex.c
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-hex-private.h"

/* The two digits of each byte value, so that a byte is one copy (trace
 * and span ids are encoded for every exported span). */
static const char pairs[] =
  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
  "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
  "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
  "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
  "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
  "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
  "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
  "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

G_STATIC_ASSERT (sizeof pairs == 2 * 256 + 1);

char *
north_mcp_hex_encode (char         *out,
                      const guint8 *bytes,
                      gsize         length)
{
  for (gsize i = 0; i < length; i++, out += 2)
    memcpy (out, pairs + 2 * bytes[i], 2);
  return out;
}

gboolean
north_mcp_hex_decode (const char *hex,
                      gssize      hex_length,
                      guint8     *out,
                      gsize       length)
{
  if (hex == NULL || (hex_length < 0 ? strlen (hex) : (gsize) hex_length) != 2 * length)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    {
      int high = g_ascii_xdigit_value (hex[2 * i]);
      int low = high < 0 ? -1 : g_ascii_xdigit_value (hex[2 * i + 1]);

      if (low < 0)
        return FALSE;
      out[i] = (guint8) (high << 4 | low);
    }
  return TRUE;
}

char *
north_mcp_hex_strdup (const guint8 *bytes,
                      gsize         length)
{
  char *text = g_malloc (2 * length + 1);

  *north_mcp_hex_encode (text, bytes, length) = '\0';
  return text;
}
