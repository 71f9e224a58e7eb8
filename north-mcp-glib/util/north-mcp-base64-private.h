/* north-mcp-base64-private.h: strict base64 and base64url
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  NORTH_MCP_BASE64_STANDARD, /* RFC 4648 section 4: `+/`, padded */
  NORTH_MCP_BASE64_URL,      /* section 5: `-_`, padding optional */
} NorthMcpBase64Alphabet;

/* A strict decoder for untrusted input. g_base64_decode() skips characters
 * outside the alphabet; these reject them, and any white space too.
 *
 * Standard base64 (RFC 4648 section 4) requires padding: the length is a
 * multiple of 4 and only the last one or two characters may be `=`.
 * base64url (section 5) takes the `-_` alphabet; padding is optional, but
 * if present it must be correct.
 *
 * It returns NULL for invalid input, else the bytes, followed by a NUL
 * that @out_length does not count (so text can be used as a string).
 * @length may be -1 for a NUL-terminated @text. */
guchar *north_mcp_base64_decode     (const char             *text,
                                     gssize                  length,
                                     NorthMcpBase64Alphabet  alphabet,
                                     gsize                  *out_length);

/* base64url without padding, as JWTs and JWKs use it. */
char   *north_mcp_base64url_encode  (const guchar *data,
                                     gsize         length);

G_END_DECLS
