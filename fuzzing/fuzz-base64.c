/* fuzz-base64.c: the strict base64 and base64url decoders
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>

#include "north-mcp-base64-private.h"
#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  gsize length = 0, url_length = 0;
  g_autofree guchar *standard = NULL;
  g_autofree guchar *url = NULL;

  fuzz_init ();
  standard = north_mcp_base64_decode ((const char *) data, (gssize) size, NORTH_MCP_BASE64_STANDARD, &length);
  url = north_mcp_base64_decode ((const char *) data, (gssize) size, NORTH_MCP_BASE64_URL, &url_length);

  /* What the strict decoder accepts, GLib decodes alike. */
  if (standard != NULL)
    {
      g_autofree char *text = g_strndup ((const char *) data, size);
      gsize glib_length = 0;
      g_autofree guchar *glib = g_base64_decode (text, &glib_length);

      if (strlen (text) != size || glib_length != length || memcmp (glib, standard, length) != 0)
        abort ();
    }

  /* base64url round-trips, up to padding. */
  if (url != NULL)
    {
      g_autofree char *again = north_mcp_base64url_encode (url, url_length);
      gsize unpadded = size;

      while (unpadded > 0 && data[unpadded - 1] == '=')
        unpadded--;
      if (strlen (again) != unpadded)
        abort ();
    }
  return 0;
}
