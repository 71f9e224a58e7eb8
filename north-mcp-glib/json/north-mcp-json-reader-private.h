/* north-mcp-json-reader-private.h: a strict JSON reader building JsonNode trees
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <json-glib/json-glib.h>

#include "north-mcp-json-limits-private.h"

G_BEGIN_DECLS

/* Parses @data (@length bytes, not necessarily NUL-terminated) as exactly
 * one JSON text (RFC 8259): UTF-8 only, no comments, no trailing commas,
 * no BOM, nothing but whitespace after the value. Objects and arrays may
 * nest @max_depth levels. Integers without fraction or exponent that fit
 * in gint64 become G_TYPE_INT64 values, every other number G_TYPE_DOUBLE
 * (finite only). Strings must be valid UTF-8 after unescaping, so lone
 * surrogates and \u0000 (which a C string cannot hold) are rejected, and
 * so are repeated member names in one object (RFC 7493). An object may
 * have NORTH_MCP_JSON_MAX_MEMBERS members, and no more than 8 of its names
 * may share a g_str_hash() value (hash flooding).
 *
 * Returns a new (unsealed) tree, or NULL with @error set in
 * NORTH_MCP_JSONRPC_ERROR / NORTH_MCP_JSONRPC_ERROR_PARSE_ERROR; the
 * message starts with "Parse error: " and names the byte offset. */
JsonNode *north_mcp_json_read (const char  *data,
                               gsize        length,
                               guint        max_depth,
                               GError     **error);

/* The same, and *@cost (when not NULL) is set to what the tree read keeps
 * in memory (the NORTH_MCP_JSON_*_COST of its values, members and strings
 * added up as they are built), or to what was built until an error. The
 * tree may cost @budget (G_MAXUINT64: no bound): reading stops as soon as
 * a value or member would take it past that (the same error, "Parse
 * error: the parsed JSON would take more than @budget bytes in memory"),
 * and *@cost is then more than @budget. What it built by then is at most
 * @budget and the last value counted (a string: its length). */
JsonNode *north_mcp_json_read_counted (const char  *data,
                                       gsize        length,
                                       guint        max_depth,
                                       guint64      budget,
                                       guint64     *cost,
                                       GError     **error);

/* The same for text that our writer wrote from a tree (a handler's result
 * read back to be gathered as a tree): any number of members, with any
 * names. Their bounds are for what a client sends; a tree that was built
 * already cost what reading it back costs. Only @max_depth still bounds
 * the reader's recursion. */
JsonNode *north_mcp_json_read_own (const char  *data,
                                   gsize        length,
                                   guint        max_depth,
                                   GError     **error);

/* Receives one member of the object north_mcp_json_read_members() reads,
 * and owns @value; returns FALSE to stop reading. */
typedef gboolean (*NorthMcpJsonMemberFunc) (const char *name,
                                            JsonNode   *value,
                                            gpointer    user_data);

/* Reads @data, which must be one JSON object under the rules above, member
 * by member, without building the object itself: @func receives each
 * member in order. Returns FALSE when @data is not one well-formed object
 * (whatever @func saw until then stays valid) or @func stopped; callers
 * that need to say why read it again with north_mcp_json_read(). *@cost
 * (when not NULL) is set to what the members read cost, as for
 * north_mcp_json_read_counted(), within @budget as there. */
gboolean  north_mcp_json_read_members (const char             *data,
                                       gsize                   length,
                                       guint                   max_depth,
                                       NorthMcpJsonMemberFunc  func,
                                       gpointer                user_data,
                                       guint64                 budget,
                                       guint64                *cost);

G_END_DECLS
