/* north-mcp-schema-private.h: checking arguments against an input schema
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* How deep a schema (or the part of a value it describes) may nest; for
 * JSON text see north-mcp-json-limits-private.h. */
#define NORTH_MCP_SCHEMA_MAX_DEPTH 64

/* A JSON Schema compiled once (when a tool is added) into a form that checks
 * arguments cheaply. It is a guard, not a full validator: it checks `type`
 * (with unions), `properties`, `required`, `additionalProperties`, `items`,
 * `prefixItems`, `enum`, `const`, `minimum`, `maximum`, `exclusiveMinimum`,
 * `exclusiveMaximum`, `multipleOf` (exact for integers, within a
 * billionth of it for other numbers), `pattern`, `minLength`, `maxLength`,
 * `minItems`, `maxItems`, `minProperties`, `maxProperties`, `uniqueItems`
 * (by keyed digests of the items' canonical text: linear time), `allOf`,
 * `anyOf`, `oneOf`, local `$ref`s (`#`, `#/$defs/…`, `#/definitions/…`, any
 * JSON pointer; recursive schemas work) and boolean schemas; every other
 * keyword (remote `$ref`, `patternProperties`, `format`, `not`, `if`…) is
 * ignored and malformed keywords accept everything.
 * Work per check is bounded (branch budget, depth limit), whatever the
 * schema.
 *
 * `pattern` is searched for with GRegex (PCRE2, JIT), compiled once per
 * text when the checker is made; `$` does not match before a trailing
 * newline, and \d, \w, \b and their negations are ASCII, as in ECMA-262
 * (not in PCRE2's extended syntax, (?x)); (?i) folds case as ECMA-262
 * with the `u` flag does (U+212A is a `k`, U+017F an `s`). A pattern that
 * does not compile fails every string it meets ("cannot be checked: the
 * schema's pattern does not compile: …"), as does one that recurses into
 * the whole pattern ((?R)). A string is searched in one attempt bounded
 * by PCRE2's match limit, 1,000 steps, tried again with ten times more up
 * to 10 million (and without JIT 16 MiB of heap); each try costs its
 * limit from the check's budget of 100 million steps. A match that errors out (those limits, the JIT stack) or
 * the budget running out fails the whole check, even inside `anyOf`,
 * without trying further strings.
 *
 * The root value must always be a JSON object (MCP tool arguments). A
 * checker is immutable once made: several threads may use it at once. */
typedef struct _NorthMcpSchemaChecker NorthMcpSchemaChecker;

/* Never fails: a part of @schema nested deeper than NORTH_MCP_SCHEMA_MAX_DEPTH
 * makes the checks that reach it fail with a clear message. @schema may be
 * NULL (any object is accepted). The checker keeps references to `enum` and
 * `const` values of @schema, which must not be modified afterwards. */
NorthMcpSchemaChecker *north_mcp_schema_checker_new   (JsonObject             *schema);
/* Checks @value (NULL means no arguments, an empty object). On failure,
 * NORTH_MCP_ERROR_INVALID_ARGUMENT with a message naming the JSON path of
 * the offending member: "missing required argument 'b'", "argument 'a' must
 * be an integer, got string", "argument 'list[2].name' must be…". */
gboolean               north_mcp_schema_checker_check (NorthMcpSchemaChecker  *self,
                                                       JsonNode               *value,
                                                       GError                **error);
/* Checks a tool's structured result (never NULL) against an output schema:
 * the same checks, with messages naming "structuredContent" and
 * "structuredContent member 'a.b'". NaN and infinity count as null, as
 * the writer sends them. */
gboolean               north_mcp_schema_checker_check_output (NorthMcpSchemaChecker  *self,
                                                              JsonNode               *value,
                                                              GError                **error);
void                   north_mcp_schema_checker_free  (NorthMcpSchemaChecker  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NorthMcpSchemaChecker, north_mcp_schema_checker_free)

G_END_DECLS
