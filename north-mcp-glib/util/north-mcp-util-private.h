/* north-mcp-util-private.h: small helpers shared by the library's files
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <string.h>

#include <json-glib/json-glib.h>

#include "north-mcp-enums.h"

G_BEGIN_DECLS

/* g_set_str() arrived in GLib 2.76; Debian 12 has 2.74. */
static inline gboolean
north_mcp_set_str (char       **str_pointer,
                   const char  *new_str)
{
  char *copy;

  if (*str_pointer == new_str || g_strcmp0 (*str_pointer, new_str) == 0)
    return FALSE;

  copy = g_strdup (new_str);
  g_free (*str_pointer);
  *str_pointer = copy;
  return TRUE;
}

/* TRUE when the @length bytes at @text are @word, ASCII case aside. For
 * header values on every request: they nearly always come spelled as the
 * specifications write them, so the exact comparison goes first (GLib's
 * caseless one costs a function call per character). */
static inline gboolean
north_mcp_ascii_equal_caseless (const char *text,
                                gsize       length,
                                const char *word)
{
  return strlen (word) == length &&
         (memcmp (text, word, length) == 0 || g_ascii_strncasecmp (text, word, length) == 0);
}

/* Replaces *@field with @value (a new reference is taken; NULL clears). */
static inline void
north_mcp_replace_object (JsonObject **field,
                          JsonObject  *value)
{
  if (value != NULL)
    json_object_ref (value);
  g_clear_pointer (field, json_object_unref);
  *field = value;
}

/* The `meta` property (a JsonObject, the protocol's `_meta`) of the types
 * that carry one: features and tool results. */
static inline GParamSpec *
north_mcp_param_spec_meta (void)
{
  return g_param_spec_boxed ("meta", NULL, NULL, JSON_TYPE_OBJECT,
                             G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

/* A hash key for a JSON-RPC id that keeps its type: 1 and "1" differ. */
char     *north_mcp_id_key          (JsonNode   *id);

/* Adds the JSON @text of one answer to *@array, the text of a batch's
 * array of answers without its closing bracket (made on first use).
 * Returns how many more bytes *@array takes: what a transport counts
 * while the answers wait for the batch's last. */
gsize     north_mcp_batch_text_append (GString   **array,
                                       const char *text,
                                       gsize       length);

/* How much of a client's string an error message repeats. */
#define NORTH_MCP_ECHO_MAX_BYTES 128

/* @text cut to NORTH_MCP_ECHO_MAX_BYTES (at a character boundary, with
 * "…") for an error message: a client must not make the server repeat,
 * and hold for a slow reader, megabytes it sent as a name. */
char     *north_mcp_echo            (const char *text);
/* The `data` of a resource-not-found error: `{"uri": …}`, the client's
 * @uri cut as north_mcp_echo() cuts it. */
JsonNode *north_mcp_resource_not_found_data_new (const char *uri);

/* Member accessors that tolerate a wrong JSON type (NULL) and a NULL
 * @object. The one string accessor of the library. */
JsonNode   *north_mcp_object_get_node   (JsonObject   *object,
                                         const char   *member,
                                         JsonNodeType  type);
const char *north_mcp_object_get_string (JsonObject *object,
                                         const char *member);
JsonObject *north_mcp_object_get_object (JsonObject *object,
                                         const char *member);

/* MCP log level names ("debug" … "emergency"): the name of @level, and the
 * level of @name (-1 for an unknown name). */
const char *north_mcp_log_level_to_string   (NorthMcpLogLevel  level);
int         north_mcp_log_level_from_string (const char       *name);
/* The params of a `notifications/message`. */
JsonObject *north_mcp_log_message_params_new (NorthMcpLogLevel  level,
                                              const char       *logger,
                                              JsonNode         *data);

/* A handler set by the developer: a synchronous or an asynchronous
 * function (cast back to its own type where it is called), its data and
 * what frees it. Tools, prompts, resources, templates and completion
 * handlers all keep one. */
typedef struct
{
  GCallback      func;
  GCallback      async_func;
  gpointer       data;
  GDestroyNotify destroy;
} NorthMcpHandler;

/* Frees the data of the handler in place and forgets it. */
void north_mcp_handler_clear (NorthMcpHandler *handler);
/* Replaces the handler; one of @func and @async_func is NULL. */
void north_mcp_handler_set   (NorthMcpHandler *handler,
                              GCallback        func,
                              GCallback        async_func,
                              gpointer         data,
                              GDestroyNotify   destroy);

/* Sets @error (may be NULL) to NORTH_MCP_ERROR_INVALID_ARGUMENT, "@subject
 * @format…": how converters and parsers refuse their input. Returns FALSE. */
gboolean  north_mcp_set_invalid_argument (GError     **error,
                                          const char  *subject,
                                          const char  *format,
                                          ...) G_GNUC_PRINTF (3, 4);

/* Whether @node (may be NULL) is a JSON string, or a JSON number. */
gboolean  north_mcp_node_holds_string (JsonNode  *node);
gboolean  north_mcp_node_holds_number (JsonNode  *node);

/* Whether @text has nothing but ASCII white space. */
gboolean  north_mcp_str_is_blank      (const char *text);
/* Zeroes @text (it held a credential) and frees it; NULL is ignored. */
void      north_mcp_wipe_string       (char       *text);

/* The id after *@last (which it becomes) that is neither 0 nor a key
 * (GUINT_TO_POINTER) of @in_use: ids of subscriptions and the like, which
 * wrap after G_MAXUINT of them (a server that runs for months) onto ones
 * still in use, made at start. */
static inline guint
north_mcp_next_free_id (guint      *last,
                        GHashTable *in_use)
{
  do
    ++*last;
  while (*last == 0 || g_hash_table_contains (in_use, GUINT_TO_POINTER (*last)));
  return *last;
}

/* Wraps @object (a new reference is taken) in a new node. */
JsonNode *north_mcp_node_new_object  (JsonObject *object);
/* A new array of json_node_copy()s of @array's elements: what is added to
 * either later is not in the other (the elements' own objects and arrays
 * are shared, as json_node_copy() does). */
JsonArray *north_mcp_array_copy       (JsonArray  *array);

/* A source attached to @context (NULL: the default one) that calls
 * @callback(@user_data) once its ready time (g_source_set_ready_time(),
 * monotonic µs; -1 to start with: never) has come, and at no other time:
 * a deadline that moves, without a timer made again each time. @name:
 * static. */
GSource  *north_mcp_deadline_source_new (GMainContext *context,
                                         const char   *name,
                                         GSourceFunc   callback,
                                         gpointer      user_data);

/* Hash table functions for keys that are SHA-256 digests
 * (NORTH_MCP_SHA256_LENGTH bytes) of what clients cannot choose (secrets,
 * or keyed): any four of their bytes are well spread. */
#define NORTH_MCP_SHA256_LENGTH 32
guint     north_mcp_sha256_hash  (gconstpointer digest);
gboolean  north_mcp_sha256_equal (gconstpointer a,
                                  gconstpointer b);

G_END_DECLS
