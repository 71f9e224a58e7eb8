/* north-mcp-variant-json.c: GVariant values as JSON (the mapping is
 * described in north-mcp-variant-schema-private.h; the way there is in
 * north-mcp-variant-schema.c)
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "north-mcp-json-writer-private.h"
#include "north-mcp-variant-schema-private.h"

static JsonNode *
wide_integer_node (gboolean negative,
                   guint64  magnitude)
{
  if (magnitude <= (guint64) NORTH_MCP_VARIANT_MAX_SAFE_INTEGER)
    return json_node_init_int (json_node_alloc (),
                               negative ? -(gint64) magnitude : (gint64) magnitude);
  else
    {
      char text[32];

      g_snprintf (text, sizeof text, "%s%" G_GUINT64_FORMAT, negative ? "-" : "", magnitude);
      return json_node_init_string (json_node_alloc (), text);
    }
}

static char *
key_to_string (GVariant *key)
{
  switch (g_variant_classify (key))
    {
    case G_VARIANT_CLASS_STRING:
    case G_VARIANT_CLASS_OBJECT_PATH:
    case G_VARIANT_CLASS_SIGNATURE:
      return g_variant_dup_string (key, NULL);
    case G_VARIANT_CLASS_DOUBLE:
      {
        char buffer[G_ASCII_DTOSTR_BUF_SIZE];

        return g_strdup (g_ascii_dtostr (buffer, sizeof buffer, g_variant_get_double (key)));
      }
    default:
      {
        g_autoptr(JsonNode) node = north_mcp_variant_to_json (key);

        if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_BOOLEAN)
          return g_strdup (json_node_get_boolean (node) ? "true" : "false");
        if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
          return g_strdup (json_node_get_string (node));
        return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
      }
    }
}

/* What @value's own node costs against a bound: its text as written
 * (escaped: a control character takes 6 bytes), and
 * NORTH_MCP_VARIANT_JSON_VALUE_COST for the node (some 100 bytes in
 * memory, where D-Bus may carry the value in one byte). */
static guint64
json_cost (GVariant *value)
{
  gsize length = 0;

  switch (g_variant_classify (value))
    {
    case G_VARIANT_CLASS_STRING:
    case G_VARIANT_CLASS_OBJECT_PATH:
    case G_VARIANT_CLASS_SIGNATURE:
      length = north_mcp_json_string_size (g_variant_get_string (value, NULL));
      break;
    case G_VARIANT_CLASS_ARRAY:
      if (g_variant_is_of_type (value, G_VARIANT_TYPE_BYTESTRING))
        length = (g_variant_get_size (value) + 2) / 3 * 4;
      break;
    default:
      break;
    }
  return NORTH_MCP_VARIANT_JSON_VALUE_COST + (guint64) length;
}

/* @value as JSON; NULL once the values made so far cost more than
 * *@budget allows (nullable: no bound), which each value made spends. */
static JsonNode *
to_json (GVariant *value,
         guint64  *budget)
{
  JsonNode *node;

  if (budget != NULL)
    {
      guint64 cost = json_cost (value);

      if (cost > *budget)
        return NULL;
      *budget -= cost;
    }

  switch (g_variant_classify (value))
    {
    case G_VARIANT_CLASS_BOOLEAN:
      return json_node_init_boolean (json_node_alloc (), g_variant_get_boolean (value));
    case G_VARIANT_CLASS_BYTE:
      return json_node_init_int (json_node_alloc (), g_variant_get_byte (value));
    case G_VARIANT_CLASS_INT16:
      return json_node_init_int (json_node_alloc (), g_variant_get_int16 (value));
    case G_VARIANT_CLASS_UINT16:
      return json_node_init_int (json_node_alloc (), g_variant_get_uint16 (value));
    case G_VARIANT_CLASS_INT32:
      return json_node_init_int (json_node_alloc (), g_variant_get_int32 (value));
    case G_VARIANT_CLASS_UINT32:
      return json_node_init_int (json_node_alloc (), g_variant_get_uint32 (value));
    case G_VARIANT_CLASS_HANDLE:
      return json_node_init_int (json_node_alloc (), g_variant_get_handle (value));
    case G_VARIANT_CLASS_INT64:
      {
        gint64 v = g_variant_get_int64 (value);

        return wide_integer_node (v < 0, v < 0 ? (guint64) -(v + 1) + 1 : (guint64) v);
      }
    case G_VARIANT_CLASS_UINT64:
      return wide_integer_node (FALSE, g_variant_get_uint64 (value));
    case G_VARIANT_CLASS_DOUBLE:
      {
        double d = g_variant_get_double (value);

        if (!isfinite (d))
          return json_node_init_null (json_node_alloc ());
        return json_node_init_double (json_node_alloc (), d);
      }
    case G_VARIANT_CLASS_STRING:
    case G_VARIANT_CLASS_OBJECT_PATH:
    case G_VARIANT_CLASS_SIGNATURE:
      return json_node_init_string (json_node_alloc (), g_variant_get_string (value, NULL));
    case G_VARIANT_CLASS_VARIANT:
      {
        g_autoptr(GVariant) child = g_variant_get_variant (value);

        return to_json (child, budget);
      }
    case G_VARIANT_CLASS_MAYBE:
      {
        g_autoptr(GVariant) child = g_variant_get_maybe (value);

        return child != NULL ? to_json (child, budget)
                             : json_node_init_null (json_node_alloc ());
      }
    case G_VARIANT_CLASS_ARRAY:
      if (g_variant_is_of_type (value, G_VARIANT_TYPE_BYTESTRING))
        {
          gsize n = 0;
          const guchar *data = g_variant_get_fixed_array (value, &n, 1);
          g_autofree char *text = g_base64_encode (data, n);

          return json_node_init_string (json_node_alloc (), text);
        }
      if (g_variant_type_is_dict_entry (g_variant_type_element (g_variant_get_type (value))))
        {
          JsonObject *object = json_object_new ();
          gsize n = g_variant_n_children (value);

          for (gsize i = 0; i < n; i++)
            {
              g_autoptr(GVariant) entry = g_variant_get_child_value (value, i);
              g_autoptr(GVariant) key = g_variant_get_child_value (entry, 0);
              g_autoptr(GVariant) member = g_variant_get_child_value (entry, 1);
              g_autofree char *name = key_to_string (key);
              gsize name_size = budget != NULL ? north_mcp_json_string_size (name) : 0;
              JsonNode *item = NULL;

              /* The member name is text of the object's, escaped too. */
              if (budget == NULL || name_size <= *budget)
                {
                  if (budget != NULL)
                    *budget -= name_size;
                  item = to_json (member, budget);
                }
              if (item == NULL)
                {
                  json_object_unref (object);
                  return NULL;
                }
              json_object_set_member (object, name, item);
            }
          node = json_node_new (JSON_NODE_OBJECT);
          json_node_take_object (node, object);
          return node;
        }
      G_GNUC_FALLTHROUGH;
    case G_VARIANT_CLASS_TUPLE:
    case G_VARIANT_CLASS_DICT_ENTRY:
    default:
      {
        JsonArray *array = json_array_new ();
        gsize n = g_variant_n_children (value);

        for (gsize i = 0; i < n; i++)
          {
            g_autoptr(GVariant) child = g_variant_get_child_value (value, i);
            JsonNode *item = to_json (child, budget);

            if (item == NULL)
              {
                json_array_unref (array);
                return NULL;
              }
            json_array_add_element (array, item);
          }
        node = json_node_new (JSON_NODE_ARRAY);
        json_node_take_array (node, array);
        return node;
      }
    }
}

JsonNode *
north_mcp_variant_to_json (GVariant *value)
{
  g_return_val_if_fail (value != NULL, NULL);

  return to_json (value, NULL);
}

JsonNode *
north_mcp_variant_to_json_bounded (GVariant *value,
                                   guint64  *budget)
{
  g_return_val_if_fail (value != NULL, NULL);
  g_return_val_if_fail (budget != NULL, NULL);

  return to_json (value, budget);
}
