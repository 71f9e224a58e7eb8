/* json-compare.h: exact comparison of JsonNode trees for the JSON tests
 *
 * json_node_equal() treats 1 and 1.0 as equal; the reader's contract
 * distinguishes them, so this compares value types too. One deliberate
 * difference is allowed: json-glib wraps integers beyond gint64 around
 * (9223372036854775808 reads as G_MININT64), our reader makes them
 * doubles; @b is json-glib's tree.
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <math.h>
#include <string.h>
#include <json-glib/json-glib.h>

#include "north-mcp-json-writer-private.h"

/* @node as the writer writes it: compact JSON, or canonical (every
 * object's members sorted). Free with g_free(). */
static inline char *
json_test_write (JsonNode *node,
                 gboolean  canonical)
{
  GString *out = g_string_new (NULL);

  if (canonical)
    north_mcp_json_write_canonical (out, node);
  else
    north_mcp_json_write (out, node);
  return g_string_free (out, FALSE);
}

static inline gboolean
json_test_nodes_equal (JsonNode *a,
                       JsonNode *b)
{
  if (json_node_get_node_type (a) != json_node_get_node_type (b))
    return FALSE;

  switch (json_node_get_node_type (a))
    {
    case JSON_NODE_NULL:
      return TRUE;

    case JSON_NODE_VALUE:
      if (json_node_get_value_type (a) == G_TYPE_DOUBLE &&
          json_node_get_value_type (b) == G_TYPE_INT64)
        return fabs (json_node_get_double (a)) >= 9223372036854775808.0;
      if (json_node_get_value_type (a) != json_node_get_value_type (b))
        return FALSE;
      switch (json_node_get_value_type (a))
        {
        case G_TYPE_INT64:
          return json_node_get_int (a) == json_node_get_int (b);
        case G_TYPE_DOUBLE:
          return memcmp (&(double) { json_node_get_double (a) },
                         &(double) { json_node_get_double (b) }, sizeof (double)) == 0;
        case G_TYPE_BOOLEAN:
          return json_node_get_boolean (a) == json_node_get_boolean (b);
        case G_TYPE_STRING:
          return g_strcmp0 (json_node_get_string (a), json_node_get_string (b)) == 0;
        default:
          return FALSE;
        }

    case JSON_NODE_ARRAY:
      {
        JsonArray *x = json_node_get_array (a), *y = json_node_get_array (b);
        guint n = json_array_get_length (x);

        if (n != json_array_get_length (y))
          return FALSE;
        for (guint i = 0; i < n; i++)
          if (!json_test_nodes_equal (json_array_get_element (x, i), json_array_get_element (y, i)))
            return FALSE;
        return TRUE;
      }

    case JSON_NODE_OBJECT:
      {
        JsonObject *x = json_node_get_object (a), *y = json_node_get_object (b);
        JsonObjectIter iter;
        const char *name;
        JsonNode *member;

        if (json_object_get_size (x) != json_object_get_size (y))
          return FALSE;
        json_object_iter_init (&iter, x);
        while (json_object_iter_next (&iter, &name, &member))
          {
            JsonNode *other = json_object_get_member (y, name);

            if (other == NULL || !json_test_nodes_equal (member, other))
              return FALSE;
          }
        return TRUE;
      }

    default:
      return FALSE;
    }
}
