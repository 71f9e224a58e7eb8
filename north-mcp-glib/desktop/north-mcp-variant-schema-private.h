/* north-mcp-variant-schema-private.h: GVariant types as JSON Schema, and
 * GVariant values as JSON and back
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* How deeply containers (arrays, tuples, dict entries, maybes, variants) may
 * nest in a value made from JSON, counted on its type (empty containers and
 * those a "$type" declares count too). D-Bus allows 32 arrays and 32
 * structures per signature and 64 containers in all, and dbus-daemon
 * disconnects a sender that goes beyond: 32 keeps every value made here
 * within those limits, with room for a wrapping (an action's parameter
 * travels inside `av`). */
#define NORTH_MCP_VARIANT_MAX_DEPTH 32

/* The largest magnitude a JSON number may carry for a 64-bit integer type
 * (2^53 - 1: beyond it, JavaScript clients lose digits). Larger values of
 * `x` and `t` travel as decimal strings, both ways. */
#define NORTH_MCP_VARIANT_MAX_SAFE_INTEGER G_GINT64_CONSTANT (9007199254740991)

/* The mapping (documented for users in doc/desktop-integration.md):
 *
 *   b → boolean; y n q i u → integer with the type's range;
 *   x t → integer within ±(2^53 - 1), else a decimal string;
 *   d → number (NaN and infinities become null on output);
 *   s → string; o → string with the object-path pattern;
 *   g → string with the signature pattern (a D-Bus signature, see
 *   north_mcp_variant_is_dbus_signature()); h → not supported;
 *   ay → base64 string; a{KV} → object (non-string keys written as strings
 *   with a pattern); aT → array; (T…) → array with prefixItems, items false;
 *   mT → T or null; v → any JSON value, typed by a rule:
 *   true/false → b, integer → x, other number → d, string → s,
 *   array → av, object → a{sv}, and {"$type": "SIG", "$value": V} for an
 *   explicit type (one complete D-Bus type without h); null is refused.
 *
 * Only definite types are supported (no `*`, `?` or `r`). */

/* Whether @type can be mapped (it is definite, holds no `h` and nests at
 * most NORTH_MCP_VARIANT_MAX_DEPTH containers deep). */
gboolean    north_mcp_variant_type_is_supported (const GVariantType *type);

/* Whether @text is a D-Bus signature (@single: of exactly one complete
 * type) as dbus-daemon accepts it, which is stricter than
 * g_variant_is_signature(): at most 255 characters, dict entries only as
 * array elements, no empty structure, no maybe, at most 32 arrays and 32
 * structures nested. dbus-daemon disconnects a sender of anything else. */
gboolean    north_mcp_variant_is_dbus_signature (const char         *text,
                                                 gboolean            single);

/* The most the values made from JSON for one call may take in a D-Bus
 * message (by north_mcp_variant_dbus_size_bound()), as for a reply. JSON
 * grows up to 8 times on D-Bus (`[0,0,…]` in a `v`: 16 bytes of int64
 * variant for 2 characters), and dbus-daemon disconnects a sender past its
 * message limit (32 MiB on the system bus) or D-Bus's 64 MiB per array;
 * in memory, the values take some 10 times their D-Bus size. */
#define NORTH_MCP_VARIANT_MAX_DBUS_SIZE (4 << 20)

/* An upper bound of the bytes @value takes in a D-Bus message: its data
 * and the most alignment padding each part may need. Linear in the
 * number of its parts; arrays of fixed-size basic types are not walked. */
guint64     north_mcp_variant_dbus_size_bound   (GVariant           *value);

/* north_mcp_variant_from_json(), counting the value's D-Bus size (by the
 * rules of north_mcp_variant_dbus_size_bound()) into *@dbus_size as it is
 * made, and refusing it once the total passes
 * NORTH_MCP_VARIANT_MAX_DBUS_SIZE: give each argument of one call the same
 * @dbus_size, starting at 0. */
GVariant   *north_mcp_variant_from_json_sized   (const GVariantType *type,
                                                 JsonNode           *node,
                                                 const char         *what,
                                                 guint64            *dbus_size,
                                                 GError            **error);

/* A new JSON Schema for values of @type; NULL with
 * NORTH_MCP_ERROR_NOT_SUPPORTED when @type is not supported. */
JsonObject *north_mcp_variant_type_to_schema    (const GVariantType *type,
                                                 GError            **error);

/* A new floating-free GVariant of @type made from @node, or NULL with
 * NORTH_MCP_ERROR_INVALID_ARGUMENT naming the place and the problem
 * ("'[1].b' must be an integer from 0 to 255, got 300"). @what names the
 * root in messages ("argument 'text'"). */
GVariant   *north_mcp_variant_from_json         (const GVariantType *type,
                                                 JsonNode           *node,
                                                 const char         *what,
                                                 GError            **error);

/* @value as JSON (see the mapping above). Never fails: an unsupported
 * `h` becomes its index as an integer. */
JsonNode   *north_mcp_variant_to_json           (GVariant           *value);

/* What the JSON of a value from another process may cost, for
 * north_mcp_variant_to_json_bounded(): each value made costs
 * NORTH_MCP_VARIANT_JSON_VALUE_COST and the length of its text (strings,
 * base64, member names) as written, escapes included: 4 MiB of control
 * characters are 24 MiB of JSON (`\u0001`). A 4 MiB reply of `a(y)` is 8
 * million values, 2 GB in memory as JSON nodes; within the bound, at most
 * 131,072 values or 8 MiB of escaped text. */
#define NORTH_MCP_VARIANT_JSON_VALUE_COST 64
#define NORTH_MCP_VARIANT_MAX_JSON_COST (8 << 20)

/* north_mcp_variant_to_json(), spending the cost of each value made from
 * *@budget: NULL, once it would cost more than is left (give the values
 * of one reply the same @budget, starting at
 * NORTH_MCP_VARIANT_MAX_JSON_COST). */
JsonNode   *north_mcp_variant_to_json_bounded   (GVariant           *value,
                                                 guint64            *budget);

G_END_DECLS
