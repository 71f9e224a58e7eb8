/* north-mcp-json-limits-private.h: the bounds on untrusted JSON text
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib.h>

/* How deep untrusted JSON text may nest: north_mcp_json_read()'s limit on
 * the JSON-RPC path, in credentials and in issuer documents. */
#define NORTH_MCP_JSON_MAX_DEPTH 128

/* How many members one object may have:
 * json-glib's member table can be made to degrade with chosen names, so
 * the bound keeps the work of any object linear (north-mcp-json-reader.c). */
#define NORTH_MCP_JSON_MAX_MEMBERS 1000

/* What the tree read from untrusted text keeps in memory, counted as the
 * reader builds it (north_mcp_json_read_counted()): a request in progress
 * keeps its tree, which takes far more than its text, up to some 40 times
 * for an array of small numbers and over 100 times for one of empty
 * objects. Measured (RSS of trees of 2 million values, GLib 2.74 with
 * G_SLICE=always-malloc, json-glib 1.6, 64-bit glibc), rounded up:
 *
 * - each value, a JsonNode with its slot in its container: 88 bytes
 *   (a number, true, false or null: 88 in all);
 * - a string besides: its malloc()ed copy, 32 bytes and its length ("":
 *   120 in all, 24 bytes: 136);
 * - an array besides: its JsonArray and GPtrArray, 80 bytes ([]: 136 in
 *   all, [1]: 248 with its element);
 * - an object besides: its JsonObject, member table and list, 320 bytes
 *   ({}: 328 in all);
 * - each member of an object: its name's copies, table slot and list
 *   node, 96 bytes and the name's length ({"a":1}: 584 in all with the
 *   object and value; objects of 1,000 members: 183 a member with its
 *   value). */
#define NORTH_MCP_JSON_VALUE_COST  88
#define NORTH_MCP_JSON_STRING_COST 32
#define NORTH_MCP_JSON_ARRAY_COST  80
#define NORTH_MCP_JSON_OBJECT_COST 320
#define NORTH_MCP_JSON_MEMBER_COST 96

/* The most the tree of one request (a body or a stdio line) may cost
 * (the reader's budget, north_mcp_json_read_counted()), whatever else is
 * in progress: this many times max-body-size, 64 MiB by default. The
 * reader stops there, so one text of the largest size no longer builds
 * what its kind of JSON makes of it (a body of 4 MiB of empty objects:
 * some 570 MB) before it is refused; such a text is refused as too large
 * for good. Ordinary JSON takes a few times its text (a request of
 * 300,000 small numbers, 600 kB, a tree of 26 MB); dense arrays of small
 * numbers, strings or empty containers of the largest size do not fit. */
#define NORTH_MCP_JSON_MAX_TREE_FACTOR 16

/* NORTH_MCP_JSON_MAX_TREE_FACTOR times @max_text, G_MAXUINT64 when that
 * overflows (no bound on the text). */
static inline guint64
north_mcp_json_tree_cap (guint64 max_text)
{
  return max_text <= G_MAXUINT64 / NORTH_MCP_JSON_MAX_TREE_FACTOR
         ? max_text * NORTH_MCP_JSON_MAX_TREE_FACTOR : G_MAXUINT64;
}
