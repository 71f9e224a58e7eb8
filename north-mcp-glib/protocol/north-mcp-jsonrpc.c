/* north-mcp-jsonrpc.c: JSON-RPC 2.0 message helpers
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-error.h"
#include "north-mcp-jsonrpc-private.h"
#include "north-mcp-json-limits-private.h"
#include "north-mcp-json-reader-private.h"
#include "north-mcp-json-writer-private.h"

/* An id is a string or an integer; MCP forbids null. Fractional numbers are
 * not ids either. */
static gboolean
id_is_valid (JsonNode *id)
{
  GType type;

  if (id == NULL || !JSON_NODE_HOLDS_VALUE (id))
    return FALSE;

  type = json_node_get_value_type (id);
  return type == G_TYPE_STRING || type == G_TYPE_INT64;
}

gboolean
north_mcp_jsonrpc_progress_token_is_valid (JsonNode *token)
{
  return id_is_valid (token) &&
         (json_node_get_value_type (token) != G_TYPE_STRING ||
          strlen (json_node_get_string (token)) <= NORTH_MCP_PROGRESS_TOKEN_MAX_LENGTH);
}

NorthMcpMessageKind
north_mcp_jsonrpc_classify (JsonNode  *message,
                            JsonNode **id_out,
                            GError   **error)
{
  JsonObject *object;
  JsonNode *version;
  JsonNode *method;
  JsonNode *id;
  gboolean has_result, has_error;

  if (id_out != NULL)
    *id_out = NULL;

  if (message == NULL || !JSON_NODE_HOLDS_OBJECT (message))
    {
      g_set_error_literal (error, NORTH_MCP_JSONRPC_ERROR,
                           NORTH_MCP_JSONRPC_ERROR_INVALID_REQUEST,
                           "Invalid Request: a JSON-RPC message must be a JSON object");
      return NORTH_MCP_MESSAGE_INVALID;
    }

  object = json_node_get_object (message);
  id = json_object_get_member (object, "id");
  if (id_out != NULL && id_is_valid (id))
    *id_out = id;

  version = json_object_get_member (object, "jsonrpc");
  if (version == NULL || !JSON_NODE_HOLDS_VALUE (version) ||
      json_node_get_value_type (version) != G_TYPE_STRING ||
      g_strcmp0 (json_node_get_string (version), "2.0") != 0)
    {
      g_set_error_literal (error, NORTH_MCP_JSONRPC_ERROR,
                           NORTH_MCP_JSONRPC_ERROR_INVALID_REQUEST,
                           "Invalid Request: \"jsonrpc\" must be exactly \"2.0\"");
      return NORTH_MCP_MESSAGE_INVALID;
    }

  method = json_object_get_member (object, "method");
  has_result = json_object_has_member (object, "result");
  has_error = json_object_has_member (object, "error");

  if (method != NULL)
    {
      JsonNode *params;

      if (!JSON_NODE_HOLDS_VALUE (method) ||
          json_node_get_value_type (method) != G_TYPE_STRING ||
          *json_node_get_string (method) == '\0')
        {
          g_set_error_literal (error, NORTH_MCP_JSONRPC_ERROR,
                               NORTH_MCP_JSONRPC_ERROR_INVALID_REQUEST,
                               "Invalid Request: \"method\" must be a non-empty string");
          return NORTH_MCP_MESSAGE_INVALID;
        }

      params = json_object_get_member (object, "params");
      if (params != NULL && !JSON_NODE_HOLDS_OBJECT (params))
        {
          /* Positional params do not exist in MCP; a null is tolerated
           * because some clients send it for parameterless methods. */
          if (!JSON_NODE_HOLDS_NULL (params))
            {
              g_set_error_literal (error, NORTH_MCP_JSONRPC_ERROR,
                                   NORTH_MCP_JSONRPC_ERROR_INVALID_REQUEST,
                                   "Invalid Request: \"params\" must be an object");
              return NORTH_MCP_MESSAGE_INVALID;
            }
        }

      if (id == NULL)
        return NORTH_MCP_MESSAGE_NOTIFICATION;

      if (!id_is_valid (id))
        {
          g_set_error_literal (error, NORTH_MCP_JSONRPC_ERROR,
                               NORTH_MCP_JSONRPC_ERROR_INVALID_REQUEST,
                               "Invalid Request: \"id\" must be a string or an integer");
          return NORTH_MCP_MESSAGE_INVALID;
        }

      return NORTH_MCP_MESSAGE_REQUEST;
    }

  if (has_result == has_error)
    {
      g_set_error_literal (error, NORTH_MCP_JSONRPC_ERROR,
                           NORTH_MCP_JSONRPC_ERROR_INVALID_REQUEST,
                           has_result
                           ? "Invalid Request: a response cannot carry both \"result\" and \"error\""
                           : "Invalid Request: a message needs \"method\", \"result\" or \"error\"");
      return NORTH_MCP_MESSAGE_INVALID;
    }

  if (!id_is_valid (id))
    {
      g_set_error_literal (error, NORTH_MCP_JSONRPC_ERROR,
                           NORTH_MCP_JSONRPC_ERROR_INVALID_REQUEST,
                           "Invalid Request: a response needs a string or integer \"id\"");
      return NORTH_MCP_MESSAGE_INVALID;
    }

  return NORTH_MCP_MESSAGE_RESPONSE;
}

gboolean
north_mcp_jsonrpc_check_batch (JsonArray   *batch,
                               const char  *protocol_version,
                               GError     **error)
{
  guint length = json_array_get_length (batch);

  if (protocol_version != NULL && strcmp (protocol_version, "2025-06-18") >= 0)
    {
      g_set_error (error, NORTH_MCP_JSONRPC_ERROR, NORTH_MCP_JSONRPC_ERROR_INVALID_REQUEST,
                   "Invalid Request: JSON-RPC batches were removed in protocol version 2025-06-18 "
                   "(this request is under %s); send one message per request", protocol_version);
      return FALSE;
    }

  if (length == 0)
    {
      g_set_error_literal (error, NORTH_MCP_JSONRPC_ERROR, NORTH_MCP_JSONRPC_ERROR_INVALID_REQUEST,
                           "Invalid Request: an empty batch");
      return FALSE;
    }

  /* Each message of a batch is dispatched at once: the bound keeps one
   * body from starting an unbounded number of handlers. */
  if (length > NORTH_MCP_JSONRPC_MAX_BATCH)
    {
      g_set_error (error, NORTH_MCP_JSONRPC_ERROR, NORTH_MCP_JSONRPC_ERROR_INVALID_REQUEST,
                   "Invalid Request: a batch may hold at most %u messages, this one has %u",
                   NORTH_MCP_JSONRPC_MAX_BATCH, length);
      return FALSE;
    }

  return TRUE;
}

enum {
  SEEN_JSONRPC = 1 << 0,
  SEEN_ID      = 1 << 1,
  SEEN_METHOD  = 1 << 2,
  SEEN_PARAMS  = 1 << 3,
};

static gboolean
is_string (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

/* Members a request may have besides its own that the fast path checks
 * for repeats itself; a request with more goes the general way. */
#define MAX_OTHER_MEMBERS 8

typedef struct {
  NorthMcpJsonrpcRequest *request;
  char                   *others[MAX_OTHER_MEMBERS];
  guint                   n_others;
} RequestReader;

/* Whether @name is another member not seen before (and remembers it);
 * FALSE for a repeat, or one more than MAX_OTHER_MEMBERS: comparing
 * with a few names costs less than a table, and bounds the work. */
static gboolean
take_other_member (RequestReader *reader,
                   const char    *name)
{
  if (reader->n_others == MAX_OTHER_MEMBERS)
    return FALSE;
  for (guint i = 0; i < reader->n_others; i++)
    if (strcmp (reader->others[i], name) == 0)
      return FALSE;
  reader->others[reader->n_others++] = g_strdup (name);
  return TRUE;
}

/* Keeps what a request needs; stops at anything the general path must
 * judge (a repeated member, a wrong type, a response's members). */
static gboolean
take_request_member (const char *name,
                     JsonNode   *value,
                     gpointer    user_data)
{
  RequestReader *reader = user_data;
  NorthMcpJsonrpcRequest *request = reader->request;
  g_autoptr(JsonNode) owned = value;
  guint bit;

  if (strcmp (name, "jsonrpc") == 0)
    bit = SEEN_JSONRPC;
  else if (strcmp (name, "id") == 0)
    bit = SEEN_ID;
  else if (strcmp (name, "method") == 0)
    bit = SEEN_METHOD;
  else if (strcmp (name, "params") == 0)
    bit = SEEN_PARAMS;
  else if (strcmp (name, "result") == 0 || strcmp (name, "error") == 0)
    return FALSE;
  else
    return take_other_member (reader, name); /* JSON-RPC ignores them, once */

  if (request->seen & bit)
    return FALSE;
  request->seen |= bit;

  switch (bit)
    {
    case SEEN_JSONRPC:
      return is_string (value) && strcmp (json_node_get_string (value), "2.0") == 0;
    case SEEN_ID:
      if (!id_is_valid (value))
        return FALSE;
      request->id = g_steal_pointer (&owned);
      return TRUE;
    case SEEN_METHOD:
      if (!is_string (value) || *json_node_get_string (value) == '\0')
        return FALSE;
      request->method = json_node_dup_string (value);
      return TRUE;
    case SEEN_PARAMS:
    default:
      if (JSON_NODE_HOLDS_NULL (value))
        return TRUE;
      if (!JSON_NODE_HOLDS_OBJECT (value))
        return FALSE;
      request->params = json_node_dup_object (value);
      return TRUE;
    }
}

gboolean
north_mcp_jsonrpc_read_request (const char             *data,
                                gsize                   length,
                                guint64                 budget,
                                NorthMcpJsonrpcRequest *request)
{
  RequestReader reader = { request, { NULL, }, 0 };
  gboolean ok;

  g_return_val_if_fail (request != NULL, FALSE);

  memset (request, 0, sizeof *request);
  ok = north_mcp_json_read_members (data, length, NORTH_MCP_JSON_MAX_DEPTH,
                                    take_request_member, &reader, budget,
                                    &request->cost) &&
       (request->seen & (SEEN_JSONRPC | SEEN_ID | SEEN_METHOD)) ==
       (SEEN_JSONRPC | SEEN_ID | SEEN_METHOD);
  for (guint i = 0; i < reader.n_others; i++)
    g_free (reader.others[i]);
  return ok;
}

void
north_mcp_jsonrpc_request_clear (NorthMcpJsonrpcRequest *request)
{
  g_clear_pointer (&request->id, json_node_unref);
  g_clear_pointer (&request->method, g_free);
  g_clear_pointer (&request->params, json_object_unref);
  request->seen = 0;
  request->cost = 0;
}

static JsonObject *
envelope_new (JsonNode *id)
{
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "jsonrpc", "2.0");
  if (id != NULL)
    json_object_set_member (object, "id", json_node_copy (id));

  return object;
}

JsonNode *
north_mcp_jsonrpc_result_new (JsonNode *id,
                              JsonNode *result)
{
  JsonObject *object = envelope_new (id);
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_member (object, "result",
                          result != NULL ? json_node_copy (result)
                                         : json_node_init_object (json_node_alloc (), json_object_new ()));
  json_node_take_object (node, object);
  return node;
}

GString *
north_mcp_jsonrpc_begin_result_text (JsonNode *id)
{
  static const char head[] = "{\"jsonrpc\":\"2.0\",\"id\":";
  static const char result[] = ",\"result\":";
  GString *text = g_string_sized_new (256);

  g_string_append_len (text, head, sizeof head - 1);
  north_mcp_json_write (text, id);
  g_string_append_len (text, result, sizeof result - 1);
  return text;
}

JsonNode *
north_mcp_jsonrpc_read_result_text_id (const char *text,
                                       gsize       length)
{
  static const char head[] = "{\"jsonrpc\":\"2.0\",\"id\":";
  gsize start = sizeof head - 1, end;

  if (length <= start || memcmp (text, head, start) != 0)
    return NULL;

  /* The id is an integer or a string that north_mcp_json_write() wrote:
   * it ends at the first ',' after it, or at its closing quote. */
  end = start;
  if (text[end] == '"')
    {
      for (end++; end < length && text[end] != '"'; end++)
        if (text[end] == '\\')
          end++;
      end++;
    }
  else
    while (end < length && text[end] != ',')
      end++;
  if (end > length)
    return NULL;

  return north_mcp_json_read (text + start, end - start, 1, NULL);
}

JsonNode *
north_mcp_jsonrpc_error_new (JsonNode   *id,
                             int         code,
                             const char *message,
                             JsonNode   *data)
{
  JsonObject *object = envelope_new (NULL);
  JsonObject *error = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  /* An unreadable id is answered with null, as JSON-RPC asks. */
  if (id != NULL)
    json_object_set_member (object, "id", json_node_copy (id));
  else
    json_object_set_null_member (object, "id");

  json_object_set_int_member (error, "code", code);
  json_object_set_string_member (error, "message", message != NULL ? message : "");
  if (data != NULL)
    json_object_set_member (error, "data", json_node_copy (data));
  json_object_set_object_member (object, "error", error);

  json_node_take_object (node, object);
  return node;
}

JsonNode *
north_mcp_jsonrpc_request_new (JsonNode   *id,
                               const char *method,
                               JsonObject *params)
{
  JsonObject *object = envelope_new (id);
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (object, "method", method);
  if (params != NULL)
    json_object_set_object_member (object, "params", json_object_ref (params));

  json_node_take_object (node, object);
  return node;
}

/* A notification is a request without an id. */
JsonNode *
north_mcp_jsonrpc_notification_new (const char *method,
                                    JsonObject *params)
{
  return north_mcp_jsonrpc_request_new (NULL, method, params);
}

JsonNode *
north_mcp_jsonrpc_parse (const char  *data,
                         gsize        length,
                         GError     **error)
{
  return north_mcp_jsonrpc_parse_counted (data, length, G_MAXUINT64, NULL, error);
}

JsonNode *
north_mcp_jsonrpc_parse_counted (const char  *data,
                                 gsize        length,
                                 guint64      budget,
                                 guint64     *cost,
                                 GError     **error)
{
  if (cost != NULL)
    *cost = 0;
  if (data == NULL || length == 0)
    {
      g_set_error_literal (error, NORTH_MCP_JSONRPC_ERROR,
                           NORTH_MCP_JSONRPC_ERROR_PARSE_ERROR,
                           "Parse error: the message is empty");
      return NULL;
    }

  /* Our own strict reader (north-mcp-json-reader.c): this runs once per
   * request, and json-glib's GScanner-based parser was the largest cost
   * of a stateless call. It enforces the depth limit as it descends. */
  return north_mcp_json_read_counted (data, length, NORTH_MCP_JSON_MAX_DEPTH, budget, cost, error);
}

char *
north_mcp_jsonrpc_to_string (JsonNode *message,
                             gsize    *length)
{
  /* Not pretty-printed: one message is one line (stdio, SSE data). Our
   * writer (north-mcp-json-writer.c) rather than json_to_string(): no
   * generator object per message, and valid JSON for every double. */
  GString *out = g_string_sized_new (256);

  north_mcp_json_write (out, message);
  if (length != NULL)
    *length = out->len;

  return g_string_free (out, FALSE);
}
