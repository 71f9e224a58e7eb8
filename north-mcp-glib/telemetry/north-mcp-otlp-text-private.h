/* north-mcp-otlp-text-private.h: OTLP/JSON written straight into a
 * GString, for the exporter's hot loop
 *
 * The writer reserves an upper bound of what a span can take once, then
 * copies bytes with no per-piece call, check or printf.
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <string.h>
#include <glib.h>

G_BEGIN_DECLS

/* Makes room for @extra more bytes after @out's end; returns where to
 * write. north_mcp_otlp_commit() sets the length after writing. */
static inline char *
north_mcp_otlp_reserve (GString *out,
                        gsize    extra)
{
  gsize length = out->len;

  if (out->allocated_len <= length + extra)
    {
      g_string_set_size (out, length + extra);
      out->len = length;
    }
  return out->str + length;
}

static inline void
north_mcp_otlp_commit (GString *out,
                       char    *end)
{
  out->len = end - out->str;
  *end = '\0';
}

/* A string literal, copied with a length known at compile time. */
#define NORTH_MCP_OTLP_PUT(p, literal) \
  (memcpy ((p), "" literal, sizeof (literal) - 1), (p) + sizeof (literal) - 1)

/* At most 6 bytes out for each byte in: \u00XX. */
#define NORTH_MCP_OTLP_ESCAPED_MAX(length) (6 * (gsize) (length))

char *north_mcp_otlp_put_escaped (char         *p,
                                  const char   *string,
                                  gsize         length);
/* At most 20 bytes. */
char *north_mcp_otlp_put_int     (char         *p,
                                  gint64        value);
/* Whether @string (@length bytes, valid UTF-8) can go between JSON quotes
 * as it is: printable ASCII without `"` or `\`. */
gboolean north_mcp_otlp_is_plain (const char *string,
                                  gsize       length);

G_END_DECLS
