/* north-mcp-schema-impl-private.h: the compiled form of a schema, shared
 * by north-mcp-schema.c (compiling) and north-mcp-schema-check.c
 * (checking). Only they include this.
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-schema-private.h"

G_BEGIN_DECLS

typedef enum {
  TYPE_NULL    = 1 << 0,
  TYPE_BOOLEAN = 1 << 1,
  TYPE_OBJECT  = 1 << 2,
  TYPE_ARRAY   = 1 << 3,
  TYPE_NUMBER  = 1 << 4,
  TYPE_STRING  = 1 << 5,
  TYPE_INTEGER = 1 << 6,
} TypeMask;

typedef struct {
  const char *name;
  const char *with_article;
  TypeMask    mask;
} TypeName;

/* The JSON Schema type names, most specific first. */
extern const TypeName north_mcp_schema_type_names[7];

typedef struct {
  gboolean is_int;
  gint64   i;
  double   d;
} Number;

typedef enum {
  BOUND_MINIMUM,
  BOUND_EXCLUSIVE_MINIMUM,
  BOUND_MAXIMUM,
  BOUND_EXCLUSIVE_MAXIMUM,
  N_BOUNDS
} BoundKind;

typedef enum {
  COUNT_MIN_LENGTH,
  COUNT_MAX_LENGTH,
  COUNT_MIN_ITEMS,
  COUNT_MAX_ITEMS,
  COUNT_MIN_PROPERTIES,
  COUNT_MAX_PROPERTIES,
  N_COUNTS
} CountKind;

/* How many steps (PCRE2's match limit) one match of a `pattern` may take,
 * tried in turn: a string that a tier gives up on is matched again with
 * the next one, and each try costs its whole limit against the check's
 * budget (NORTH_MCP_SCHEMA_PATTERN_BUDGET). Most strings finish in the
 * first tier; a string that needs more than the last is refused. */
#define NORTH_MCP_SCHEMA_PATTERN_TIERS 5
extern const guint32 north_mcp_schema_pattern_tier_limits[NORTH_MCP_SCHEMA_PATTERN_TIERS];

/* The matching steps one check may spend on all its strings together. */
#define NORTH_MCP_SCHEMA_PATTERN_BUDGET 100000000u

/* A `pattern`, compiled once per checker for each tier. */
typedef struct {
  char   *text;   /* as the schema wrote it */
  GRegex *tiers[NORTH_MCP_SCHEMA_PATTERN_TIERS];
} Pattern;

typedef struct _Node Node;

struct _Node
{
  guint        reject_all : 1;  /* the boolean schema `false` */
  guint        too_deep : 1;    /* nested beyond NORTH_MCP_SCHEMA_MAX_DEPTH */
  guint        types;           /* TypeMask; 0 means any type */

  JsonArray   *enum_values;
  JsonNode    *const_value;

  gboolean     has_bound[N_BOUNDS];
  Number       bound[N_BOUNDS];
  gint64       count[N_COUNTS]; /* -1 when absent */

  /* Strings: `pattern` compiled (owned by the checker, shared by the
   * nodes with the same text), or why it does not compile (then every
   * string it meets is refused). */
  const Pattern *pattern;
  char        *bad_pattern;

  /* Numbers: a `multipleOf` above zero. */
  gboolean     has_multiple_of;
  Number       multiple_of;

  /* Objects. */
  GHashTable  *properties;      /* name → Node */
  GPtrArray   *property_order;  /* names (owned by @properties), as declared */
  GPtrArray   *required;        /* char * */
  Node        *additional;      /* NULL: any additional member is fine */

  /* Arrays. */
  GPtrArray   *prefix_items;    /* Node */
  Node        *items;
  gboolean     unique_items;

  /* A local `$ref`, not owned (see NorthMcpSchemaChecker). */
  Node        *ref;

  /* Combinators. */
  GPtrArray   *all_of;
  GPtrArray   *any_of;
  GPtrArray   *one_of;
};

struct _NorthMcpSchemaChecker
{
  Node       *root;

  /* Local `$ref`s: the document they point into, the nodes compiled for
   * each pointer (owned here, shared by every reference, so recursive
   * schemas compile to a cyclic graph) and those still to compile. */
  JsonNode   *document;
  GHashTable *refs;       /* pointer → Node */
  GPtrArray  *ref_nodes;  /* Node, owned */
  GQueue      pending;    /* RefWork */
  GHashTable *patterns;   /* text → Pattern, owned */
};

/* Put before every `pattern`: what PCRE2's interpreter (when JIT is not
 * available) may take on the heap for one match, in KiB; the tier's match
 * limit follows. */
#define NORTH_MCP_SCHEMA_PATTERN_LIMITS "(*LIMIT_HEAP=16384)"

/* Reads @node as a JSON number into @number; FALSE if it is none. */
gboolean north_mcp_schema_node_get_number (JsonNode *node,
                                           Number   *number);

G_END_DECLS
