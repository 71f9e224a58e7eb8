/* north-mcp-request-scope.c: the HTTP request being dispatched, and the
 * North context of its X-North-Context-* headers
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-request-scope-private.h"
#include "north-mcp-context.h"
#include "north-mcp-json-reader-private.h"
#include "north-mcp-json-writer-private.h"
#include "north-mcp-siphash-private.h"

#define CONTEXT_PREFIX "x-north-context-"
/* The trace context written with a North context: no header's name. */
#define TRACEPARENT_NAME ":traceparent"
#define TRACESTATE_NAME ":tracestate"

static GPrivate current_headers;

void
north_mcp_request_scope_enter (NorthMcpRequestScope *scope,
                               SoupMessageHeaders   *headers)
{
  scope->previous = g_private_get (&current_headers);
  g_private_set (&current_headers, headers);
}

void
north_mcp_request_scope_leave (NorthMcpRequestScope *scope)
{
  g_private_set (&current_headers, scope->previous);
}

SoupMessageHeaders *
north_mcp_request_scope_get_headers (void)
{
  return g_private_get (&current_headers);
}

/* The rules of the North Python SDK's get_north_context(): every header
 * whose name starts with X-North-Context- (any case), the key being the
 * rest of the name lower-cased, empty keys and empty values kept; a
 * repeated name keeps its last value. libsoup bounds the size of the
 * header block, and with it this table; the names are the client's, so
 * they are hashed with the process's SipHash key (colliding names would
 * make g_str_hash()'s table quadratic). */
static GHashTable *
north_context_new (void)
{
  return g_hash_table_new_full (north_mcp_siphash_str_hash, g_str_equal, g_free, g_free);
}

GHashTable *
north_mcp_north_context_from_headers (SoupMessageHeaders *headers)
{
  GHashTable *context = north_context_new ();
  SoupMessageHeadersIter iter;
  const char *name, *value;
  gsize prefix_length = strlen (CONTEXT_PREFIX);

  if (headers == NULL)
    return context;

  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    {
      g_autofree char *lower = NULL;

      if (g_ascii_strncasecmp (name, CONTEXT_PREFIX, prefix_length) != 0)
        continue;
      /* Keys and values are handed out as UTF-8 strings. */
      lower = g_ascii_strdown (name + prefix_length, -1);
      g_hash_table_replace (context, g_utf8_make_valid (lower, -1),
                            g_utf8_make_valid (value, -1));
    }

  return context;
}

gsize
north_mcp_north_context_size (GHashTable *north_context)
{
  GHashTableIter iter;
  gpointer name, value;
  gsize size = 0;

  g_hash_table_iter_init (&iter, north_context);
  while (g_hash_table_iter_next (&iter, &name, &value))
    size += strlen (name) + strlen (value) + 64;
  return size;
}

static void
write_pair (GString    *out,
            const char *name,
            const char *value,
            gboolean    first)
{
  if (!first)
    g_string_append_c (out, ',');
  north_mcp_json_write_string (out, name);
  g_string_append_c (out, ',');
  north_mcp_json_write_string (out, value);
}

void
north_mcp_north_context_write (GString    *out,
                               GHashTable *north_context,
                               const char *traceparent,
                               const char *tracestate)
{
  GHashTableIter iter;
  gpointer name, value;
  gboolean first = TRUE;

  g_string_append_c (out, '[');
  g_hash_table_iter_init (&iter, north_context);
  while (g_hash_table_iter_next (&iter, &name, &value))
    {
      write_pair (out, name, value, first);
      first = FALSE;
    }
  if (traceparent != NULL)
    {
      write_pair (out, TRACEPARENT_NAME, traceparent, first);
      first = FALSE;
    }
  if (tracestate != NULL)
    write_pair (out, TRACESTATE_NAME, tracestate, first);
  g_string_append_c (out, ']');
}

GHashTable *
north_mcp_north_context_read (const char  *data,
                              gsize        length,
                              char       **traceparent,
                              char       **tracestate)
{
  g_autoptr(JsonNode) node = north_mcp_json_read (data, length, 1, NULL);
  g_autoptr(GHashTable) context = NULL;
  g_autofree char *key = NULL;
  JsonArray *array;
  guint n;

  *traceparent = *tracestate = NULL;
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return NULL;
  array = json_node_get_array (node);
  n = json_array_get_length (array);
  if (n % 2 != 0)
    return NULL;
  context = north_context_new ();
  for (guint i = 0; i < n; i += 2)
    {
      JsonNode *name = json_array_get_element (array, i);
      JsonNode *value = json_array_get_element (array, i + 1);

      if (json_node_get_value_type (name) != G_TYPE_STRING || json_node_get_value_type (value) != G_TYPE_STRING)
        return NULL;
      g_hash_table_replace (context, json_node_dup_string (name), json_node_dup_string (value));
    }
  g_hash_table_steal_extended (context, TRACEPARENT_NAME, (gpointer *) &key, (gpointer *) traceparent);
  g_clear_pointer (&key, g_free);
  g_hash_table_steal_extended (context, TRACESTATE_NAME, (gpointer *) &key, (gpointer *) tracestate);
  return g_steal_pointer (&context);
}
