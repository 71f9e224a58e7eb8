/* north-mcp-otlp-text.c: OTLP/JSON written straight into a GString
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-hex-private.h"
#include "north-mcp-otlp-text-private.h"

/* The escapes of north-mcp-json-writer.c: `"`, `\`, control characters
 * (U+0000..U+001F, U+007F) and U+2028/U+2029; runs of other bytes are
 * copied in one go. */
char *
north_mcp_otlp_put_escaped (char       *p,
                            const char *string,
                            gsize       length)
{
  const guchar *s = (const guchar *) string, *end = s + length;

  while (s < end)
    {
      const guchar *run = s;

      while (s < end && *s >= 0x20 && *s != '"' && *s != '\\' && *s != 0x7f && *s != 0xe2)
        s++;
      memcpy (p, run, s - run);
      p += s - run;
      if (s == end)
        break;

      switch (*s)
        {
        case '"':  p = NORTH_MCP_OTLP_PUT (p, "\\\""); break;
        case '\\': p = NORTH_MCP_OTLP_PUT (p, "\\\\"); break;
        case '\b': p = NORTH_MCP_OTLP_PUT (p, "\\b"); break;
        case '\f': p = NORTH_MCP_OTLP_PUT (p, "\\f"); break;
        case '\n': p = NORTH_MCP_OTLP_PUT (p, "\\n"); break;
        case '\r': p = NORTH_MCP_OTLP_PUT (p, "\\r"); break;
        case '\t': p = NORTH_MCP_OTLP_PUT (p, "\\t"); break;
        case 0xe2:
          /* U+2028 and U+2029 are E2 80 A8 / E2 80 A9. */
          if (end - s >= 3 && s[1] == 0x80 && (s[2] == 0xa8 || s[2] == 0xa9))
            {
              p = s[2] == 0xa8 ? NORTH_MCP_OTLP_PUT (p, "\\u2028") : NORTH_MCP_OTLP_PUT (p, "\\u2029");
              s += 2;
            }
          else
            *p++ = (char) *s;
          break;
        default:
          p = NORTH_MCP_OTLP_PUT (p, "\\u00");
          p = north_mcp_hex_encode (p, s, 1);
          break;
        }
      s++;
    }
  return p;
}

char *
north_mcp_otlp_put_int (char   *p,
                        gint64  value)
{
  static const char pairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";
  char buffer[24];
  char *end = buffer + sizeof buffer, *q = end;
  guint64 magnitude = value < 0 ? (guint64) 0 - (guint64) value : (guint64) value;

  /* Two digits a step: a timestamp in nanoseconds has 19. */
  while (magnitude >= 100)
    {
      guint pair = (guint) (magnitude % 100);

      magnitude /= 100;
      q -= 2;
      memcpy (q, pairs + 2 * pair, 2);
    }
  if (magnitude >= 10)
    {
      q -= 2;
      memcpy (q, pairs + 2 * magnitude, 2);
    }
  else
    *--q = (char) ('0' + magnitude);
  if (value < 0)
    *--q = '-';
  memcpy (p, q, end - q);
  return p + (end - q);
}

gboolean
north_mcp_otlp_is_plain (const char *string,
                         gsize       length)
{
  for (gsize i = 0; i < length; i++)
    {
      guchar c = (guchar) string[i];

      if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
        return FALSE;
    }
  return TRUE;
}
