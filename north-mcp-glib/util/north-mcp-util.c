/* north-mcp-util.c
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-error.h"
#include "north-mcp-util-private.h"

char *
north_mcp_id_key (JsonNode *id)
{
  if (id == NULL || !JSON_NODE_HOLDS_VALUE (id))
    return NULL;

  if (json_node_get_value_type (id) == G_TYPE_STRING)
    return g_strconcat ("s:", json_node_get_string (id), NULL);

  if (json_node_get_value_type (id) == G_TYPE_INT64)
    return g_strdup_printf ("i:%" G_GINT64_FORMAT, json_node_get_int (id));

  return NULL;
}

gsize
north_mcp_batch_text_append (GString    **array,
                             const char  *text,
                             gsize        length)
{
  gsize before = *array != NULL ? (*array)->allocated_len : 0;

  if (*array == NULL)
    *array = g_string_sized_new (length + 2);
  g_string_append_c (*array, (*array)->len == 0 ? '[' : ',');
  g_string_append_len (*array, text, length);
  return (*array)->allocated_len - before;
}

gboolean
north_mcp_node_holds_string (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_STRING;
}

gboolean
north_mcp_node_holds_number (JsonNode *node)
{
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  type = json_node_get_value_type (node);
  return type == G_TYPE_INT64 || type == G_TYPE_DOUBLE;
}

gboolean
north_mcp_str_is_blank (const char *text)
{
  for (; *text != '\0'; text++)
    if (!g_ascii_isspace (*text))
      return FALSE;
  return TRUE;
}

void
north_mcp_wipe_string (char *text)
{
  if (text != NULL)
    memset (text, 0, strlen (text));
  g_free (text);
}

JsonNode *
north_mcp_object_get_node (JsonObject   *object,
                           const char   *member,
                           JsonNodeType  type)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  return node != NULL && JSON_NODE_TYPE (node) == type ? node : NULL;
}

const char *
north_mcp_object_get_string (JsonObject *object,
                             const char *member)
{
  JsonNode *node = north_mcp_object_get_node (object, member, JSON_NODE_VALUE);

  return north_mcp_node_holds_string (node) ? json_node_get_string (node) : NULL;
}

JsonObject *
north_mcp_object_get_object (JsonObject *object,
                             const char *member)
{
  JsonNode *node = north_mcp_object_get_node (object, member, JSON_NODE_OBJECT);

  return node != NULL ? json_node_get_object (node) : NULL;
}

JsonNode *
north_mcp_node_new_object (JsonObject *object)
{
  return json_node_init_object (json_node_alloc (), object);
}

JsonArray *
north_mcp_array_copy (JsonArray *array)
{
  guint length = json_array_get_length (array);
  JsonArray *copy = json_array_sized_new (length);

  for (guint i = 0; i < length; i++)
    json_array_add_element (copy, json_node_copy (json_array_get_element (array, i)));
  return copy;
}

static const char * const log_level_names[] = {
  "debug", "info", "notice", "warning", "error", "critical", "alert", "emergency", NULL
};

const char *
north_mcp_log_level_to_string (NorthMcpLogLevel level)
{
  g_return_val_if_fail (level <= NORTH_MCP_LOG_LEVEL_EMERGENCY, "info");

  return log_level_names[level];
}

int
north_mcp_log_level_from_string (const char *name)
{
  for (int i = 0; name != NULL && log_level_names[i] != NULL; i++)
    if (g_str_equal (name, log_level_names[i]))
      return i;

  return -1;
}

JsonObject *
north_mcp_log_message_params_new (NorthMcpLogLevel  level,
                                  const char       *logger,
                                  JsonNode         *data)
{
  JsonObject *params = json_object_new ();

  json_object_set_string_member (params, "level", north_mcp_log_level_to_string (level));
  if (logger != NULL)
    json_object_set_string_member (params, "logger", logger);
  json_object_set_member (params, "data", json_node_copy (data));
  return params;
}

void
north_mcp_handler_clear (NorthMcpHandler *handler)
{
  GDestroyNotify destroy = handler->destroy;
  gpointer data = handler->data;

  /* Forget first: @destroy may drop the last reference to the owner. */
  memset (handler, 0, sizeof *handler);
  if (destroy != NULL)
    destroy (data);
}

void
north_mcp_handler_set (NorthMcpHandler *handler,
                       GCallback        func,
                       GCallback        async_func,
                       gpointer         data,
                       GDestroyNotify   destroy)
{
  north_mcp_handler_clear (handler);
  handler->func = func;
  handler->async_func = async_func;
  handler->data = data;
  handler->destroy = destroy;
}

char *
north_mcp_echo (const char *text)
{
  const char *end;

  if (text == NULL)
    return g_strdup ("");
  if (strlen (text) <= NORTH_MCP_ECHO_MAX_BYTES)
    return g_strdup (text);
  /* Back to the start of the character that crosses the limit. */
  end = text + NORTH_MCP_ECHO_MAX_BYTES;
  while (end > text && ((guchar) *end & 0xC0) == 0x80)
    end--;
  return g_strdup_printf ("%.*s…", (int) (end - text), text);
}

JsonNode *
north_mcp_resource_not_found_data_new (const char *uri)
{
  g_autoptr(JsonObject) data = json_object_new ();
  g_autofree char *echo = north_mcp_echo (uri);

  json_object_set_string_member (data, "uri", echo);
  return north_mcp_node_new_object (data);
}

gboolean
north_mcp_set_invalid_argument (GError     **error,
                                const char  *subject,
                                const char  *format,
                                ...)
{
  g_autofree char *message = NULL;
  va_list args;

  if (error == NULL)
    return FALSE;
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT, "%s %s", subject, message);
  return FALSE;
}

static gboolean
deadline_dispatch (GSource     *source,
                   GSourceFunc  callback,
                   gpointer     user_data)
{
  return callback (user_data);
}

static GSourceFuncs deadline_funcs = {
  .dispatch = deadline_dispatch,
};

GSource *
north_mcp_deadline_source_new (GMainContext *context,
                               const char   *name,
                               GSourceFunc   callback,
                               gpointer      user_data)
{
  GSource *source = g_source_new (&deadline_funcs, sizeof (GSource));

  g_source_set_static_name (source, name);
  g_source_set_callback (source, callback, user_data, NULL);
  g_source_set_ready_time (source, -1);
  g_source_attach (source, context);
  return source;
}

guint
north_mcp_sha256_hash (gconstpointer digest)
{
  guint32 value;

  memcpy (&value, digest, sizeof value);
  return value;
}

gboolean
north_mcp_sha256_equal (gconstpointer a,
                        gconstpointer b)
{
  return memcmp (a, b, NORTH_MCP_SHA256_LENGTH) == 0;
}
