/* north-mcp-json-writer-private.h: compact JSON serialization
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Appends @node to @out as compact JSON (no whitespace, members in
 * insertion order). Strings are escaped so the result is one line of
 * valid JSON: `"`, `\`, every control character (U+0000..U+001F and
 * U+007F), and U+2028/U+2029 (line breaks to JavaScript); a byte that
 * starts no well-formed UTF-8 sequence is written as U+FFFD, and a member
 * whose name is then written like another's is left out (no repeated
 * names: a valid name wins, else the first written). Integers are
 * exact; doubles use the shortest form that reads back to the same value
 * and always look like doubles ("1.0"); non-finite doubles, which JSON
 * cannot express, are written as null. */
void north_mcp_json_write        (GString    *out,
                                  JsonNode   *node);
/* The same for a bare object (NULL: `{}`), array (NULL: `[]`) or string. */
void north_mcp_json_write_object (GString    *out,
                                  JsonObject *object);
void north_mcp_json_write_array  (GString    *out,
                                  JsonArray  *array);
void north_mcp_json_write_string (GString    *out,
                                  const char *string);
/* The bytes north_mcp_json_write_string() writes for @string, quotes
 * included: up to 6 per byte of @string (`\u0001`). */
gsize north_mcp_json_string_size (const char *string);
/* The same with every object's members sorted by name (bytewise): one
 * text for equal trees however their members were ordered, for digests
 * of what a client sent. Linear in the size of a tree the reader made
 * (it bounds the members of an object). */
void north_mcp_json_write_canonical (GString  *out,
                                     JsonNode *node);
/* The same with numbers by value: a double that is an integer in the
 * gint64 range is written as that integer. One text for the trees that
 * JSON Schema calls equal (1 and 1.0 alike), for `uniqueItems`. */
void north_mcp_json_write_by_value  (GString  *out,
                                     JsonNode *node);

/* The size of @node as compact JSON, without string escapes and with
 * every number and boolean counted as 24 bytes (so that it tracks the
 * memory the tree takes, too); stops counting (and returns more than
 * @limit) once @limit is passed, so the work is bounded by @limit
 * whatever the client sent. Iterative: the nesting depth does not reach
 * the C stack. NULL counts 0. */
gsize north_mcp_json_size_up_to  (JsonNode   *node,
                                  gsize       limit);
/* Whether @node nests more than @max_depth levels (each object and array
 * is one, as north_mcp_json_read() counts them). Recursive, but never
 * deeper than @max_depth + 1 calls. NULL nests none. */
gboolean north_mcp_json_nests_deeper_than (JsonNode *node,
                                           guint     max_depth);
/* The same plus what each node of the tree takes in memory besides its
 * text (its JsonNode, value or container, and a slot in its parent),
 * measured with json-glib 1.6 and glibc malloc on x86-64: about 110 bytes,
 * which the size alone misses (an array of 1024 empty strings counts
 * 3 KiB and takes 114 KiB). For what a client may keep for long. */
#define NORTH_MCP_JSON_NODE_FOOTPRINT 112
gsize north_mcp_json_footprint_up_to (JsonNode *node,
                                      gsize     limit);

G_END_DECLS
