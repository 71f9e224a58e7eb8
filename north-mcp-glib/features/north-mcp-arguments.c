/* north-mcp-arguments.c: typed reads of a tool's arguments
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-arguments.h"
#include "north-mcp-util-private.h"

/* The getters below read one member of the `arguments` object a tool,
 * resource template or prompt handler is given, with a default when the
 * member is missing, `null` or of another JSON type. Unlike
 * json_object_get_int_member() they never warn, so a handler can read
 * optional arguments in one line, and a number like `3.0` (which JSON
 * parsers often produce for integers) counts as an integer. */

static JsonNode *
get_member (JsonObject   *arguments,
            const char   *name,
            JsonNodeType  type)
{
  return name != NULL ? north_mcp_object_get_node (arguments, name, type) : NULL;
}

/**
 * north_mcp_arguments_get_string:
 * @arguments: (nullable): the arguments, as given to the handler
 * @name: the member's name
 * @default_value: (nullable): what to return when the member is not a string
 *
 * Reads a string argument.
 *
 * Returns: (transfer none) (nullable): the member's string, owned by
 *   @arguments, or @default_value when it is missing, `null` or not a string
 *
 * Since: 0.2
 */
const char *
north_mcp_arguments_get_string (JsonObject *arguments,
                                const char *name,
                                const char *default_value)
{
  const char *value = name != NULL ? north_mcp_object_get_string (arguments, name) : NULL;

  return value != NULL ? value : default_value;
}

/**
 * north_mcp_arguments_get_int:
 * @arguments: (nullable): the arguments, as given to the handler
 * @name: the member's name
 * @default_value: what to return when the member is not an integer
 *
 * Reads an integer argument. A JSON number with no fractional part that
 * fits a 64-bit integer counts (`3.0` reads as 3).
 *
 * Returns: the member's value, or @default_value when it is missing, `null`,
 *   not a number, fractional or out of range
 *
 * Since: 0.2
 */
gint64
north_mcp_arguments_get_int (JsonObject *arguments,
                             const char *name,
                             gint64      default_value)
{
  JsonNode *node = get_member (arguments, name, JSON_NODE_VALUE);
  double value;

  if (node == NULL)
    return default_value;

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64:
      return json_node_get_int (node);
    case G_TYPE_DOUBLE:
      value = json_node_get_double (node);
      /* -2^63 is exact in a double; 2^63 is the first value out of range. */
      if (value >= -9223372036854775808.0 && value < 9223372036854775808.0 &&
          value == (double) (gint64) value)
        return (gint64) value;
      return default_value;
    default:
      return default_value;
    }
}

/**
 * north_mcp_arguments_get_double:
 * @arguments: (nullable): the arguments, as given to the handler
 * @name: the member's name
 * @default_value: what to return when the member is not a number
 *
 * Reads a number argument; integers count.
 *
 * Returns: the member's value, or @default_value when it is missing, `null`
 *   or not a number
 *
 * Since: 0.2
 */
double
north_mcp_arguments_get_double (JsonObject *arguments,
                                const char *name,
                                double      default_value)
{
  JsonNode *node = get_member (arguments, name, JSON_NODE_VALUE);

  /* json_node_get_double() converts an integer. */
  return north_mcp_node_holds_number (node) ? json_node_get_double (node) : default_value;
}

/**
 * north_mcp_arguments_get_boolean:
 * @arguments: (nullable): the arguments, as given to the handler
 * @name: the member's name
 * @default_value: what to return when the member is not a boolean
 *
 * Reads a boolean argument. Only JSON `true` and `false` count: `0`,
 * `"yes"` and the like give @default_value.
 *
 * Returns: the member's value, or @default_value when it is missing, `null`
 *   or not a boolean
 *
 * Since: 0.2
 */
gboolean
north_mcp_arguments_get_boolean (JsonObject *arguments,
                                 const char *name,
                                 gboolean    default_value)
{
  JsonNode *node = get_member (arguments, name, JSON_NODE_VALUE);

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return default_value;

  return json_node_get_boolean (node);
}

/**
 * north_mcp_arguments_get_object:
 * @arguments: (nullable): the arguments, as given to the handler
 * @name: the member's name
 *
 * Reads an object argument.
 *
 * Returns: (transfer none) (nullable): the member's object, owned by
 *   @arguments, or %NULL when it is missing or not an object
 *
 * Since: 0.2
 */
JsonObject *
north_mcp_arguments_get_object (JsonObject *arguments,
                                const char *name)
{
  return name != NULL ? north_mcp_object_get_object (arguments, name) : NULL;
}

/**
 * north_mcp_arguments_get_array:
 * @arguments: (nullable): the arguments, as given to the handler
 * @name: the member's name
 *
 * Reads an array argument.
 *
 * Returns: (transfer none) (nullable): the member's array, owned by
 *   @arguments, or %NULL when it is missing or not an array
 *
 * Since: 0.2
 */
JsonArray *
north_mcp_arguments_get_array (JsonObject *arguments,
                               const char *name)
{
  JsonNode *node = get_member (arguments, name, JSON_NODE_ARRAY);

  return node != NULL ? json_node_get_array (node) : NULL;
}

/**
 * north_mcp_arguments_get_strv:
 * @arguments: (nullable): the arguments, as given to the handler
 * @name: the member's name
 *
 * Reads an array of strings.
 *
 * Returns: (transfer full) (nullable) (array zero-terminated=1): a copy of
 *   the strings, or %NULL when the member is missing, not an array, or
 *   holds anything but strings (an empty array gives an empty vector)
 *
 * Since: 0.2
 */
char **
north_mcp_arguments_get_strv (JsonObject *arguments,
                              const char *name)
{
  JsonArray *array = north_mcp_arguments_get_array (arguments, name);
  GStrvBuilder *builder;
  char **strv;
  guint length;

  if (array == NULL)
    return NULL;

  length = json_array_get_length (array);
  for (guint i = 0; i < length; i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_STRING)
        return NULL;
    }

  builder = g_strv_builder_new ();
  for (guint i = 0; i < length; i++)
    g_strv_builder_add (builder, json_array_get_string_element (array, i));
  strv = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);

  return strv;
}
