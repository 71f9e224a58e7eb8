/* north-mcp-revision-2026-http.c: the HTTP rules of the 2026-07-28
 * revision
 *
 * The standard headers (`MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`,
 * `Mcp-Param-*`) are checked against the JSON-RPC body, and errors map to
 * the statuses the revision gives. Only header values are read here; the
 * HTTP transport owns the exchange.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <math.h>

#include <string.h>

#include "north-mcp-base64-private.h"
#include "north-mcp-error.h"
#include "north-mcp-jsonrpc-private.h"
#include "north-mcp-protocol-host-private.h"
#include "north-mcp-revision-2026-private.h"
#include "north-mcp-task-private.h"
#include "north-mcp-tool.h"
#include "north-mcp-util-private.h"

#define PROTOCOL_VERSION_HEADER "MCP-Protocol-Version"
#define METHOD_HEADER "Mcp-Method"
#define NAME_HEADER "Mcp-Name"
#define PARAM_HEADER_PREFIX "Mcp-Param-"

/* The standard headers' names, by NorthMcpRevision2026Header. */
static const char * const header_names[NORTH_MCP_REVISION_2026_N_HEADERS] = {
  [NORTH_MCP_REVISION_2026_HEADER_VERSION] = PROTOCOL_VERSION_HEADER,
  [NORTH_MCP_REVISION_2026_HEADER_METHOD] = METHOD_HEADER,
  [NORTH_MCP_REVISION_2026_HEADER_NAME] = NAME_HEADER,
};

void
north_mcp_revision_2026_head_read (NorthMcpRevision2026Head *head,
                                   SoupMessageHeaders       *headers)
{
  SoupMessageHeadersIter iter;
  const char *name, *value;

  memset (head, 0, sizeof *head);
  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    {
      if (g_ascii_strncasecmp (name, PARAM_HEADER_PREFIX, strlen (PARAM_HEADER_PREFIX)) == 0)
        head->params = MIN (head->params + 1, G_MAXUINT8);
      for (guint i = 0; i < NORTH_MCP_REVISION_2026_N_HEADERS; i++)
        if (g_ascii_strcasecmp (name, header_names[i]) == 0)
          {
            head->values[i] = value;
            head->copies[i] = MIN (head->copies[i] + 1, G_MAXUINT8);
          }
    }
}

gboolean
north_mcp_revision_2026_http_applies (SoupMessageHeaders             *headers,
                                      const NorthMcpRevision2026Head *head,
                                      JsonNode                       *message)
{
  SoupMessageHeadersIter iter;
  const char *name, *value;

  if (message != NULL && JSON_NODE_HOLDS_OBJECT (message) &&
      north_mcp_revision_2026_params_have_version (north_mcp_object_get_object (json_node_get_object (message),
                                                                                "params")))
    return TRUE;

  /* One copy or none: the transport's pass saw it. */
  if (head->copies[NORTH_MCP_REVISION_2026_HEADER_VERSION] <= 1)
    return north_mcp_protocol_version_is_revision_2026 (head->values[NORTH_MCP_REVISION_2026_HEADER_VERSION]);

  /* Any copy of the version header: a gateway that read the one naming
   * 2026-07-28 relies on the checks of its standard headers, which would
   * be skipped if another copy made it a request of a session. */
  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    if (g_ascii_strcasecmp (name, PROTOCOL_VERSION_HEADER) == 0 &&
        north_mcp_protocol_version_is_revision_2026 (value))
      return TRUE;
  return FALSE;
}

char *
north_mcp_revision_2026_decode_header_value (const char *value)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (value));
  gsize length = strlen (trimmed);
  g_autofree guchar *decoded = NULL;
  gsize decoded_length = 0;

  if (length < 12 || !g_str_has_prefix (trimmed, "=?base64?") || !g_str_has_suffix (trimmed, "?="))
    return g_steal_pointer (&trimmed);

  trimmed[length - 2] = '\0';
  decoded = north_mcp_base64_decode (trimmed + strlen ("=?base64?"), -1, NORTH_MCP_BASE64_STANDARD,
                                     &decoded_length);
  if (decoded == NULL || memchr (decoded, '\0', decoded_length) != NULL ||
      !g_utf8_validate ((const char *) decoded, decoded_length, NULL))
    return NULL;

  return (char *) g_steal_pointer (&decoded);
}

static guint
header_error (JsonNode   *id,
              int         code,
              const char *message,
              JsonNode  **response_out)
{
  *response_out = north_mcp_jsonrpc_error_new (id, code, message, NULL);
  return SOUP_STATUS_BAD_REQUEST;
}

static guint
mismatch (JsonNode   *id,
          const char *what,
          JsonNode  **response_out)
{
  g_autofree char *message = g_strdup_printf ("Header mismatch: %s", what);

  return header_error (id, NORTH_MCP_JSONRPC_ERROR_HEADER_MISMATCH, message, response_out);
}

typedef gboolean (*HeaderMatch) (const char *decoded, gconstpointer expected);

static gboolean
text_matches (const char    *decoded,
              gconstpointer  expected)
{
  return g_str_equal (decoded, expected);
}

/* Whether @value, decoded, @matches @expected. */
static gboolean
copy_matches (const char    *value,
              HeaderMatch    matches,
              gconstpointer  expected)
{
  g_autofree char *decoded = north_mcp_revision_2026_decode_header_value (value);

  return decoded != NULL && matches (decoded, expected);
}

/* Whether @name came at least once and every copy of it, decoded,
 * @matches @expected. Readers disagree on which copy of a repeated header
 * counts (libsoup gives the last, Starlette and many gateways the first):
 * a gateway that routes or authorizes by one copy would be passed if the
 * server compared another with the body. Copies that all match are
 * harmless. One pass over the header block (64 KiB at most). */
static gboolean
every_copy_matches (SoupMessageHeaders *headers,
                    const char         *name,
                    HeaderMatch         matches,
                    gconstpointer       expected)
{
  SoupMessageHeadersIter iter;
  const char *header, *value;
  gboolean found = FALSE;

  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &header, &value))
    {
      if (g_ascii_strcasecmp (header, name) != 0)
        continue;
      if (!copy_matches (value, matches, expected))
        return FALSE;
      found = TRUE;
    }
  return found;
}

/* every_copy_matches() for a standard header, without the pass when the
 * transport's saw one copy or none. */
static gboolean
standard_header_matches (SoupMessageHeaders             *headers,
                         const NorthMcpRevision2026Head *head,
                         NorthMcpRevision2026Header      which,
                         HeaderMatch                     matches,
                         gconstpointer                   expected)
{
  if (head->copies[which] > 1)
    return every_copy_matches (headers, header_names[which], matches, expected);
  return head->copies[which] == 1 && copy_matches (head->values[which], matches, expected);
}

/* The textual form a header carries for a tool argument, or NULL when
 * the argument's type cannot travel in a header. */
static char *
argument_header_text (JsonNode *value)
{
  if (value == NULL || !JSON_NODE_HOLDS_VALUE (value))
    return NULL;

  switch (json_node_get_value_type (value))
    {
    case G_TYPE_STRING:
      return g_strdup (json_node_get_string (value));
    case G_TYPE_INT64:
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (value));
    case G_TYPE_BOOLEAN:
      return g_strdup (json_node_get_boolean (value) ? "true" : "false");
    case G_TYPE_DOUBLE:
      {
        double number = json_node_get_double (value);

        /* Only whole numbers a gint64 holds: converting others is
         * undefined. */
        if (number >= -9223372036854775808.0 && number < 9223372036854775808.0 &&
            number == floor (number))
          return g_strdup_printf ("%" G_GINT64_FORMAT, (gint64) number);
        return NULL;
      }
    default:
      return NULL;
    }
}

static gboolean
header_matches_argument (const char    *header,
                         gconstpointer  expected)
{
  JsonNode *value = (JsonNode *) expected;
  g_autofree char *text = argument_header_text (value);
  gint64 a, b;

  if (text == NULL)
    return FALSE;

  if (g_str_equal (header, text))
    return TRUE;

  /* Integers compare numerically ("007" is 7). */
  return json_node_get_value_type (value) != G_TYPE_STRING &&
         g_ascii_string_to_signed (header, 10, G_MININT64, G_MAXINT64, &a, NULL) &&
         g_ascii_string_to_signed (text, 10, G_MININT64, G_MAXINT64, &b, NULL) &&
         a == b;
}

/* Mcp-Param-{X} for tool arguments whose schema says "x-mcp-header": "X". */
static guint
check_param_headers (NorthMcpProtocolHost  *host,
                     SoupMessageHeaders    *headers,
                     gboolean               sent,
                     JsonObject            *params,
                     JsonNode              *id,
                     JsonNode             **response_out)
{
  const char *name = north_mcp_object_get_string (params, "name");
  NorthMcpTool *tool = name != NULL
                       ? north_mcp_protocol_host_lookup (host, NORTH_MCP_REGISTRY_TOOLS, name) : NULL;
  JsonObject *arguments = north_mcp_object_get_object (params, "arguments");
  JsonObject *properties;
  g_autoptr(GList) members = NULL;

  if (tool == NULL)
    return 0;

  properties = north_mcp_object_get_object (north_mcp_tool_get_input_schema (tool), "properties");
  if (properties == NULL)
    return 0;

  members = json_object_get_members (properties);
  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonObject *property = north_mcp_object_get_object (properties, l->data);
      const char *header_name = north_mcp_object_get_string (property, "x-mcp-header");
      g_autofree char *full_name = NULL;
      JsonNode *value;
      const char *raw;

      if (header_name == NULL)
        continue;

      full_name = g_strconcat (PARAM_HEADER_PREFIX, header_name, NULL);
      /* No Mcp-Param-* field at all: none to look up or to compare. */
      raw = sent ? soup_message_headers_get_one (headers, full_name) : NULL;
      value = arguments != NULL ? json_object_get_member (arguments, l->data) : NULL;

      if (raw == NULL && (value == NULL || JSON_NODE_HOLDS_NULL (value)))
        continue;
      if (value == NULL || !sent || !every_copy_matches (headers, full_name, header_matches_argument, value))
        return mismatch (id, full_name, response_out);
    }

  return 0;
}

guint
north_mcp_revision_2026_http_check_post (NorthMcpProtocolHost            *host,
                                         SoupMessageHeaders              *headers,
                                         const NorthMcpRevision2026Head  *head,
                                         JsonNode                        *message,
                                         JsonNode                       **response_out)
{
  const char *header_version = head->values[NORTH_MCP_REVISION_2026_HEADER_VERSION];
  const char *header_method = head->values[NORTH_MCP_REVISION_2026_HEADER_METHOD];
  const char *header_name = head->values[NORTH_MCP_REVISION_2026_HEADER_NAME];
  JsonObject *object, *params, *meta;
  const char *method, *target, *meta_version;
  JsonNode *id = NULL;
  gboolean needs_name;

  *response_out = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (message))
    return header_error (NULL, NORTH_MCP_JSONRPC_ERROR_INVALID_REQUEST,
                         "Invalid Request: the body must be one JSON-RPC message", response_out);

  object = json_node_get_object (message);
  method = north_mcp_object_get_string (object, "method");
  params = north_mcp_object_get_object (object, "params");

  /* Responses and notifications carry no standard headers to compare;
   * what is no valid request the dispatch answers, with a null id when
   * its id is none JSON-RPC allows (echoing it made an invalid answer). */
  if (north_mcp_jsonrpc_classify (message, &id, NULL) != NORTH_MCP_MESSAGE_REQUEST)
    return 0;

  needs_name = north_mcp_revision_2026_method_takes_input (method) || north_mcp_tasks_method_is_task (method);
  target = north_mcp_revision_2026_request_target (method, params);

  if (header_version == NULL || header_method == NULL || (needs_name && header_name == NULL))
    {
      g_autofree char *text =
        g_strdup_printf ("Header mismatch: missing %s header",
                         header_version == NULL ? PROTOCOL_VERSION_HEADER :
                         header_method == NULL ? METHOD_HEADER : NAME_HEADER);

      return header_error (id, NORTH_MCP_JSONRPC_ERROR_HEADER_MISMATCH, text, response_out);
    }

  /* A malformed _meta is reported as such even when the headers disagree
   * with it. */
  meta = north_mcp_object_get_object (params, "_meta");
  if (meta == NULL || north_mcp_object_get_string (meta, NORTH_MCP_META_PROTOCOL_VERSION) == NULL ||
      north_mcp_object_get_object (meta, NORTH_MCP_META_CLIENT_CAPABILITIES) == NULL)
    {
      *response_out = north_mcp_revision_2026_check_meta (params, id);
      return SOUP_STATUS_BAD_REQUEST;
    }

  /* Each copy of a header sent more than once, too. */
  meta_version = north_mcp_object_get_string (meta, NORTH_MCP_META_PROTOCOL_VERSION);
  if (!standard_header_matches (headers, head, NORTH_MCP_REVISION_2026_HEADER_VERSION, text_matches, meta_version))
    return mismatch (id, PROTOCOL_VERSION_HEADER " differs from the request's _meta", response_out);

  if (!standard_header_matches (headers, head, NORTH_MCP_REVISION_2026_HEADER_METHOD, text_matches, method))
    return mismatch (id, METHOD_HEADER " differs from the request's method", response_out);

  if (needs_name &&
      (target == NULL || !standard_header_matches (headers, head, NORTH_MCP_REVISION_2026_HEADER_NAME, text_matches, target)))
    return mismatch (id, NAME_HEADER " differs from the request's name, uri or taskId", response_out);

  if (g_str_equal (method, "tools/call") && params != NULL)
    {
      guint status = check_param_headers (host, headers, head->params > 0, params, id, response_out);

      if (status != 0)
        return status;
    }

  /* The rest of _meta, and the version itself. */
  *response_out = north_mcp_revision_2026_check_meta (params, id);
  if (*response_out != NULL)
    return SOUP_STATUS_BAD_REQUEST;

  return 0;
}

guint
north_mcp_revision_2026_http_status (JsonNode *response)
{
  JsonObject *error;
  JsonNode *code;

  if (response == NULL || !JSON_NODE_HOLDS_OBJECT (response))
    return SOUP_STATUS_OK;

  error = north_mcp_object_get_object (json_node_get_object (response), "error");
  code = error != NULL ? json_object_get_member (error, "code") : NULL;
  if (code == NULL || !JSON_NODE_HOLDS_VALUE (code))
    return SOUP_STATUS_OK;

  switch (json_node_get_int (code))
    {
    case NORTH_MCP_JSONRPC_ERROR_METHOD_NOT_FOUND:
      return SOUP_STATUS_NOT_FOUND;
    case NORTH_MCP_JSONRPC_ERROR_HEADER_MISMATCH:
    case NORTH_MCP_JSONRPC_ERROR_MISSING_CLIENT_CAPABILITY:
    case NORTH_MCP_JSONRPC_ERROR_UNSUPPORTED_PROTOCOL_VERSION:
    case NORTH_MCP_JSONRPC_ERROR_INVALID_REQUEST:
      return SOUP_STATUS_BAD_REQUEST;
    default:
      return SOUP_STATUS_OK;
    }
}
