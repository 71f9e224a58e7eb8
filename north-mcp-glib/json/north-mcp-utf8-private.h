/* north-mcp-utf8-private.h: the UTF-8 JSON text may hold
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The length of the well-formed UTF-8 sequence (RFC 3629: shortest form,
 * no surrogates, at most U+10FFFF) at @p, of which @available bytes may
 * be read, or 0. In a NUL-terminated string @available may be G_MAXSIZE:
 * a NUL is no continuation byte, so nothing after it is read. Inline: the
 * reader and the writer run it on every non-ASCII character. */
static inline gsize
north_mcp_utf8_sequence_length (const guchar *p,
                                gsize         available)
{
  guchar c = p[0];
  guchar lo = 0x80, hi = 0xBF;
  gsize n;

  if (c >= 0xC2 && c <= 0xDF)
    n = 2;
  else if (c >= 0xE0 && c <= 0xEF)
    n = 3;
  else if (c >= 0xF0 && c <= 0xF4)
    n = 4;
  else
    return 0;

  /* The second byte's range is narrower after E0 and F0 (no overlong
   * forms), ED (no surrogates) and F4 (nothing above U+10FFFF). */
  switch (c)
    {
    case 0xE0: lo = 0xA0; break;
    case 0xF0: lo = 0x90; break;
    case 0xED: hi = 0x9F; break;
    case 0xF4: hi = 0x8F; break;
    default: break;
    }

  if (available < n || p[1] < lo || p[1] > hi)
    return 0;
  for (gsize i = 2; i < n; i++)
    if (p[i] < 0x80 || p[i] > 0xBF)
      return 0;

  return n;
}

G_END_DECLS
