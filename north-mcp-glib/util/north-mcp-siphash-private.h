/* north-mcp-siphash-private.h: SipHash, a keyed hash for tables of
 * attacker-chosen keys
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define NORTH_MCP_SIPHASH_KEY_LENGTH 16

/* SipHash-c-d (Aumasson and Bernstein, "SipHash: a fast short-input PRF",
 * 2012) of @length bytes at @data under the 128-bit @key. Without the key,
 * outputs cannot be predicted, so an attacker cannot pick many inputs that
 * share a hash table bucket (hash flooding). 1-3 is the variant Python and
 * Rust use for their hash tables; 2-4 is the one of the paper, here for
 * its published test vectors. */
guint64 north_mcp_siphash_1_3 (const guint8  key[NORTH_MCP_SIPHASH_KEY_LENGTH],
                               const void   *data,
                               gsize         length);
guint64 north_mcp_siphash_2_4 (const guint8  key[NORTH_MCP_SIPHASH_KEY_LENGTH],
                               const void   *data,
                               gsize         length);

/* A GHashFunc for tables of strings a client chooses (header names,
 * request ids, URIs), with g_str_equal(): SipHash-1-3 of the string under
 * the process key. g_str_hash() has no key, so names that share its hash
 * ("Ez", "FY") are cheap to make, and a table of them degrades to a list. */
guint north_mcp_siphash_str_hash (gconstpointer string);

/* A key from the system's random source, generated once per process and
 * then the same for every caller. */
const guint8 *north_mcp_siphash_process_key (void);

G_END_DECLS
