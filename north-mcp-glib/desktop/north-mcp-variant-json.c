/* north-mcp-variant-json.c: GVariant values as JSON (the mapping is
 * described in north-mcp-variant-schema-private.h; the way there is in
 * north-mcp-variant-schema.c)
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <math.h>

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

JsonNode *
north_mcp_variant_to_json (GVariant *value)
{
  JsonNode *node;

  g_return_val_if_fail (value != NULL, NULL);

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

        return north_mcp_variant_to_json (child);
      }
    case G_VARIANT_CLASS_MAYBE:
      {
        g_autoptr(GVariant) child = g_variant_get_maybe (value);

        return child != NULL ? north_mcp_variant_to_json (child)
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

              json_object_set_member (object, name, north_mcp_variant_to_json (member));
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

            json_array_add_element (array, north_mcp_variant_to_json (child));
          }
        node = json_node_new (JSON_NODE_ARRAY);
        json_node_take_array (node, array);
        return node;
      }
    }
}
