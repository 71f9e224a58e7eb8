/* north-mcp-hex-private.h: bytes as lower-case hex
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Writes @length bytes as 2 × @length lower-case hex digits at @out, with
 * no NUL; returns the end. For writers that reserve their room once (the
 * JSON and OTLP writers, fixed-size buffers). */
char *north_mcp_hex_encode (char         *out,
                            const guint8 *bytes,
                            gsize         length);

/* Reads @hex (@hex_length bytes, or up to its NUL when -1), which must
 * be exactly 2 × @length hex digits of either case, into @out; FALSE,
 * with @out left in any state, for any other text (NULL too). */
gboolean north_mcp_hex_decode (const char *hex,
                               gssize      hex_length,
                               guint8     *out,
                               gsize       length);

/* @length bytes as a new NUL-terminated string of lower-case hex digits. */
char *north_mcp_hex_strdup (const guint8 *bytes,
                            gsize         length);

G_END_DECLS
