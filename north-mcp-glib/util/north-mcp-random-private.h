/* north-mcp-random-private.h: unguessable values for clients
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Bytes from the kernel's CSPRNG (getrandom(2)). Fails with a
 * NORTH_MCP_ERROR_FAILED error only when the kernel has no such call. */
gboolean  north_mcp_random_bytes (void    *buffer,
                                  gsize    length,
                                  GError **error);

/* NORTH_MCP_RANDOM_ID_BYTES random bytes as lower-case hex: a session id
 * (Mcp-Session-Id, the legacy session_id) or any other value a client must
 * not be able to guess. NULL with @error set when no randomness is there. */
#define NORTH_MCP_RANDOM_ID_BYTES 16
char     *north_mcp_random_id    (GError **error);

G_END_DECLS
