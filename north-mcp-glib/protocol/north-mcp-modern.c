/* north-mcp-modern.c: the stateless protocol revision (2026-07-28)
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-base64-private.h"
#include "north-mcp-error.h"
#include "north-mcp-jsonrpc-private.h"
#include "north-mcp-modern-private.h"
#include "north-mcp-task-private.h"
#include "north-mcp-server-private.h"
#include "north-mcp-tool.h"
#include "north-mcp-user.h"
#include "north-mcp-util-private.h"

const char * const north_mcp_modern_protocol_versions[] = {
  NORTH_MCP_MODERN_PROTOCOL_VERSION,
  NULL
};

gboolean
north_mcp_protocol_version_is_modern (const char *version)
{
  return version != NULL && g_strv_contains (north_mcp_modern_protocol_versions, version);
}

static void
copy_member (JsonObject  *object,
             const char  *name,
             JsonNode    *node,
             gpointer     user_data)
{
  json_object_set_member (user_data, name, json_node_copy (node));
}

static JsonObject *
params_meta (JsonObject *params)
{
  return north_mcp_object_get_object (params, "_meta");
}

gboolean
north_mcp_modern_params_are_modern (JsonObject *params)
{
  JsonObject *meta = params_meta (params);

  return meta != NULL && json_object_has_member (meta, NORTH_MCP_META_PROTOCOL_VERSION);
}

static JsonNode *
supported_versions_node (void)
{
  JsonArray *array = json_array_new ();
  JsonNode *node;

  for (guint i = 0; north_mcp_modern_protocol_versions[i] != NULL; i++)
    json_array_add_string_element (array, north_mcp_modern_protocol_versions[i]);

  node = json_node_init_array (json_node_alloc (), array);
  json_array_unref (array);
  return node;
}

static JsonNode *
invalid_params (JsonNode   *id,
                const char *message)
{
  return north_mcp_jsonrpc_error_new (id, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS, message, NULL);
}

JsonNode *
north_mcp_modern_check_meta (JsonObject *params,
                             JsonNode   *id)
{
  JsonObject *meta = params_meta (params);
  JsonNode *node;
  const char *version;

  if (meta == NULL)
    return invalid_params (id, "Invalid params: the request has no _meta object");

  version = north_mcp_object_get_string (meta, NORTH_MCP_META_PROTOCOL_VERSION);
  if (version == NULL)
    return invalid_params (id, "Invalid params: _meta needs a string "
                               "'" NORTH_MCP_META_PROTOCOL_VERSION "'");

  if (north_mcp_object_get_object (meta, NORTH_MCP_META_CLIENT_CAPABILITIES) == NULL)
    return invalid_params (id, "Invalid params: _meta needs an object "
                               "'" NORTH_MCP_META_CLIENT_CAPABILITIES "'");

  node = json_object_get_member (meta, NORTH_MCP_META_CLIENT_INFO);
  if (node != NULL && !JSON_NODE_HOLDS_OBJECT (node))
    return invalid_params (id, "Invalid params: '" NORTH_MCP_META_CLIENT_INFO "' must be an object");

  node = json_object_get_member (meta, NORTH_MCP_META_LOG_LEVEL);
  if (node != NULL &&
      north_mcp_log_level_from_string (north_mcp_object_get_string (meta, NORTH_MCP_META_LOG_LEVEL)) < 0)
    return invalid_params (id, "Invalid params: '" NORTH_MCP_META_LOG_LEVEL "' must be one of debug, "
                               "info, notice, warning, error, critical, alert, emergency");

  if (!north_mcp_protocol_version_is_modern (version))
    {
      g_autoptr(JsonObject) data = json_object_new ();
      g_autoptr(JsonNode) data_node = NULL;
      g_autofree char *echo = north_mcp_echo (version);
      g_autofree char *message = g_strdup_printf ("Unsupported protocol version: %s", echo);

      json_object_set_member (data, "supported", supported_versions_node ());
      json_object_set_string_member (data, "requested", version);
      data_node = north_mcp_node_new_object (data);
      return north_mcp_jsonrpc_error_new (id, NORTH_MCP_JSONRPC_ERROR_UNSUPPORTED_PROTOCOL_VERSION,
                                          message, data_node);
    }

  return NULL;
}

gboolean
north_mcp_modern_method_is_removed (const char *method)
{
  static const char * const removed[] = {
    "initialize", "ping", "logging/setLevel", "resources/subscribe", "resources/unsubscribe", NULL
  };

  return method != NULL && g_strv_contains (removed, method);
}

gboolean
north_mcp_modern_method_is_modern_only (const char *method)
{
  return g_strcmp0 (method, "server/discover") == 0 ||
         g_strcmp0 (method, "subscriptions/listen") == 0 ||
         north_mcp_tasks_method_is_task (method);
}

gboolean
north_mcp_modern_method_takes_input (const char *method)
{
  return g_strcmp0 (method, "tools/call") == 0 ||
         g_strcmp0 (method, "prompts/get") == 0 ||
         g_strcmp0 (method, "resources/read") == 0;
}

/* requestState: base64url(payload) "." base64url(HMAC-SHA256(key, payload)),
 * payload = {"m": method, "n": name or uri, "u": user, "x": expiry (µs since
 * the epoch), "s": the handler's state}. The key is the server's own random
 * key, so a state only comes back from whoever received it from us, for
 * the same request target and user, until it expires. */

static const char *
request_target (const char *method,
                JsonObject *params)
{
  if (g_strcmp0 (method, "resources/read") == 0)
    return north_mcp_object_get_string (params, "uri");
  if (north_mcp_tasks_method_is_task (method))
    return north_mcp_object_get_string (params, "taskId");

  return north_mcp_object_get_string (params, "name");
}

static char *
state_mac (NorthMcpServer *server,
           const char     *payload,
           gsize           length)
{
  gsize key_length = 0;
  const guint8 *key = north_mcp_server_get_state_key (server, &key_length);
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, key, key_length);
  guint8 digest[32];
  gsize digest_length = sizeof digest;

  g_hmac_update (hmac, (const guchar *) payload, length);
  g_hmac_get_digest (hmac, digest, &digest_length);
  return north_mcp_base64url_encode (digest, digest_length);
}

static gboolean
constant_time_equal (const char *a,
                     const char *b)
{
  gsize la = strlen (a), lb = strlen (b);
  guchar diff = la != lb;

  for (gsize i = 0; i < MIN (la, lb); i++)
    diff |= (guchar) (a[i] ^ b[i]);

  return diff == 0;
}

char *
north_mcp_modern_seal_state (NorthMcpServer *server,
                             NorthMcpUser   *user,
                             const char     *method,
                             JsonObject     *params,
                             const char     *state)
{
  g_autoptr(JsonObject) payload = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;
  g_autofree char *encoded = NULL;
  g_autofree char *mac = NULL;
  const char *target = request_target (method, params);
  gsize length = 0;

  json_object_set_string_member (payload, "m", method);
  json_object_set_string_member (payload, "n", target != NULL ? target : "");
  json_object_set_string_member (payload, "u", user != NULL ? north_mcp_user_get_email (user) : "");
  json_object_set_int_member (payload, "x",
                              g_get_real_time () +
                              (gint64) north_mcp_server_get_request_state_lifetime (server) * 1000);
  json_object_set_string_member (payload, "s", state != NULL ? state : "");

  node = north_mcp_node_new_object (payload);
  text = north_mcp_jsonrpc_to_string (node, &length);
  encoded = north_mcp_base64url_encode ((const guchar *) text, length);
  mac = state_mac (server, encoded, strlen (encoded));
  return g_strconcat (encoded, ".", mac, NULL);
}

static gboolean
bad_state (GError    **error,
           const char *why)
{
  g_set_error (error, NORTH_MCP_JSONRPC_ERROR, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS,
               "Invalid params: requestState %s", why);
  return FALSE;
}

static gboolean
open_state (NorthMcpServer  *server,
            NorthMcpUser    *user,
            const char      *method,
            JsonObject      *params,
            const char      *token,
            char           **state_out,
            GError         **error)
{
  const char *dot = strrchr (token, '.');
  g_autofree char *encoded = NULL;
  g_autofree char *mac = NULL;
  g_autofree guchar *text = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonObject *payload;
  const char *target = request_target (method, params);
  const char *state;
  JsonNode *expiry;
  gsize length = 0;

  if (dot == NULL || strlen (token) > 64 * 1024)
    return bad_state (error, "is malformed");

  encoded = g_strndup (token, dot - token);
  mac = state_mac (server, encoded, strlen (encoded));
  if (!constant_time_equal (mac, dot + 1))
    return bad_state (error, "failed its integrity check");

  /* Ours from here on: only the bindings can still fail. */
  text = north_mcp_base64_decode (encoded, -1, NORTH_MCP_BASE64_URL, &length);
  node = text != NULL ? north_mcp_jsonrpc_parse ((const char *) text, length, NULL) : NULL;
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return bad_state (error, "is malformed");

  payload = json_node_get_object (node);
  expiry = json_object_get_member (payload, "x");
  state = north_mcp_object_get_string (payload, "s");
  if (state == NULL || expiry == NULL || !JSON_NODE_HOLDS_VALUE (expiry) ||
      g_strcmp0 (north_mcp_object_get_string (payload, "m"), method) != 0 ||
      g_strcmp0 (north_mcp_object_get_string (payload, "n"), target != NULL ? target : "") != 0 ||
      g_strcmp0 (north_mcp_object_get_string (payload, "u"),
                 user != NULL ? north_mcp_user_get_email (user) : "") != 0)
    return bad_state (error, "belongs to another request");

  if (g_get_real_time () >= json_node_get_int (expiry))
    return bad_state (error, "has expired");

  *state_out = g_strdup (state);
  return TRUE;
}

gboolean
north_mcp_modern_check_retry (NorthMcpServer  *server,
                              NorthMcpUser    *user,
                              const char      *method,
                              JsonObject      *params,
                              char           **state_out,
                              GError         **error)
{
  JsonNode *state = json_object_get_member (params, "requestState");
  JsonNode *responses = json_object_get_member (params, "inputResponses");

  *state_out = NULL;

  if (responses != NULL)
    {
      JsonObject *object;
      g_autoptr(GList) members = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (responses))
        {
          g_set_error_literal (error, NORTH_MCP_JSONRPC_ERROR, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS,
                               "Invalid params: 'inputResponses' must be an object");
          return FALSE;
        }

      object = json_node_get_object (responses);
      members = json_object_get_members (object);
      for (GList *l = members; l != NULL; l = l->next)
        if (!JSON_NODE_HOLDS_OBJECT (json_object_get_member (object, l->data)))
          {
            g_set_error (error, NORTH_MCP_JSONRPC_ERROR, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS,
                         "Invalid params: input response '%s' must be a result object",
                         (const char *) l->data);
            return FALSE;
          }
    }

  if (state == NULL)
    return TRUE;

  if (!JSON_NODE_HOLDS_VALUE (state) || json_node_get_value_type (state) != G_TYPE_STRING)
    return bad_state (error, "must be a string");

  return open_state (server, user, method, params, json_node_get_string (state), state_out, error);
}

/* Results. */

gboolean
north_mcp_modern_method_is_cacheable (const char *method)
{
  static const char * const cacheable[] = {
    "server/discover", "tools/list", "prompts/list", "resources/list",
    "resources/templates/list", "resources/read", NULL
  };

  return method != NULL && g_strv_contains (cacheable, method);
}

JsonNode *
north_mcp_modern_filter_result (NorthMcpContext *context,
                                JsonNode        *result)
{
  NorthMcpServer *server = north_mcp_context_get_server (context);
  const char *method = north_mcp_context_get_method (context);
  g_autoptr(JsonObject) copy = json_object_new ();
  g_autoptr(JsonObject) meta = json_object_new ();
  JsonObject *original;
  JsonObject *original_meta;
  const char *result_type;

  if (!JSON_NODE_HOLDS_OBJECT (result))
    return json_node_ref (result);

  /* The handler's object may be shared: build a new one. */
  original = json_node_get_object (result);
  json_object_foreach_member (original, copy_member, copy);

  result_type = north_mcp_object_get_string (copy, "resultType");
  if (result_type == NULL)
    {
      result_type = "complete";
      json_object_set_string_member (copy, "resultType", result_type);
    }

  if (g_str_equal (result_type, "complete") && north_mcp_modern_method_is_cacheable (method) &&
      !json_object_has_member (copy, "ttlMs"))
    {
      guint ttl_ms = 0;
      NorthMcpCacheScope scope = NORTH_MCP_CACHE_SCOPE_PRIVATE;

      if (!north_mcp_context_get_cache_hint_override (context, &ttl_ms, &scope))
        north_mcp_server_get_cache_hint (server, method, &ttl_ms, &scope);
      json_object_set_int_member (copy, "ttlMs", ttl_ms);
      json_object_set_string_member (copy, "cacheScope",
                                     scope == NORTH_MCP_CACHE_SCOPE_PUBLIC ? "public" : "private");
    }

  original_meta = north_mcp_object_get_object (copy, "_meta");
  if (original_meta != NULL)
    json_object_foreach_member (original_meta, copy_member, meta);
  if (!json_object_has_member (meta, NORTH_MCP_META_SERVER_INFO))
    {
      JsonObject *info = json_object_new ();

      json_object_set_string_member (info, "name", north_mcp_server_get_name (server));
      json_object_set_string_member (info, "version", north_mcp_server_get_version (server));
      json_object_set_object_member (meta, NORTH_MCP_META_SERVER_INFO, info);
    }
  json_object_set_object_member (copy, "_meta", json_object_ref (meta));

  return north_mcp_node_new_object (copy);
}

/* server/discover */

void
north_mcp_modern_handle_discover (NorthMcpServer  *server,
                                  NorthMcpContext *context)
{
  g_autoptr(JsonObject) result = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  const char *instructions = north_mcp_server_get_instructions (server);
  JsonObject *capabilities;

  json_object_set_member (result, "supportedVersions", supported_versions_node ());
  capabilities = north_mcp_server_build_modern_capabilities (server);
  north_mcp_tasks_add_capability (server, capabilities);
  json_object_set_object_member (result, "capabilities", capabilities);
  if (instructions != NULL)
    json_object_set_string_member (result, "instructions", instructions);

  node = north_mcp_node_new_object (result);
  north_mcp_context_return_result (context, node);
}

/* subscriptions/listen */

typedef struct
{
  gboolean  tools;
  gboolean  prompts;
  gboolean  resources;
  char    **uris;
} ListenFilter;

static void
listen_filter_free (ListenFilter *filter)
{
  g_strfreev (filter->uris);
  g_free (filter);
}

#define LISTEN_FILTER_KEY "north-mcp-listen-filter"

static gboolean
capability_flag (JsonObject *capabilities,
                 const char *capability,
                 const char *flag)
{
  JsonObject *object = north_mcp_object_get_object (capabilities, capability);
  JsonNode *node = object != NULL ? json_object_get_member (object, flag) : NULL;

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_BOOLEAN && json_node_get_boolean (node);
}

static gboolean
requested (JsonObject *filter,
           const char *member)
{
  JsonNode *node = json_object_get_member (filter, member);

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_BOOLEAN && json_node_get_boolean (node);
}

static JsonNode *
listen_notification (NorthMcpContext *context,
                     const char      *method,
                     JsonObject      *params)
{
  g_autoptr(JsonObject) full = params != NULL ? json_object_ref (params) : json_object_new ();
  JsonObject *meta = json_object_new ();

  json_object_set_member (meta, NORTH_MCP_META_SUBSCRIPTION_ID,
                          json_node_copy (north_mcp_context_get_request_id (context)));
  json_object_set_object_member (full, "_meta", meta);
  return north_mcp_jsonrpc_notification_new (method, full);
}

static void
on_listen_channel_closed (NorthMcpChannel *channel,
                          NorthMcpContext *context)
{
  NorthMcpServer *server = north_mcp_context_get_server (context);

  g_signal_handlers_disconnect_by_func (channel, on_listen_channel_closed, context);
  north_mcp_context_abandon (context);
  g_ptr_array_remove (north_mcp_server_get_listeners (server), context);
}

void
north_mcp_modern_handle_listen (NorthMcpServer  *server,
                                NorthMcpContext *context)
{
  JsonObject *params = north_mcp_context_get_params (context);
  JsonObject *wanted = north_mcp_object_get_object (params, "notifications");
  NorthMcpChannel *channel = north_mcp_context_get_channel (context);
  g_autoptr(JsonObject) capabilities = north_mcp_server_build_modern_capabilities (server);
  g_autoptr(JsonObject) honoured = json_object_new ();
  g_autoptr(JsonObject) ack = json_object_new ();
  g_autoptr(JsonNode) notification = NULL;
  ListenFilter *filter;
  JsonNode *uris;

  if (wanted == NULL)
    {
      north_mcp_context_return_error_literal (context, NORTH_MCP_JSONRPC_ERROR,
                                              NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS,
                                              "Invalid params: subscriptions/listen needs a "
                                              "'notifications' object");
      return;
    }

  if (!north_mcp_channel_can_stream (channel))
    {
      north_mcp_context_return_error_literal (context, NORTH_MCP_JSONRPC_ERROR,
                                              NORTH_MCP_JSONRPC_ERROR_INVALID_REQUEST,
                                              "Invalid Request: subscriptions/listen needs a stream "
                                              "(accept text/event-stream)");
      return;
    }

  filter = g_new0 (ListenFilter, 1);
  filter->tools = requested (wanted, "toolsListChanged") &&
                  capability_flag (capabilities, "tools", "listChanged");
  filter->prompts = requested (wanted, "promptsListChanged") &&
                    capability_flag (capabilities, "prompts", "listChanged");
  filter->resources = requested (wanted, "resourcesListChanged") &&
                      capability_flag (capabilities, "resources", "listChanged");
  if (filter->tools)
    json_object_set_boolean_member (honoured, "toolsListChanged", TRUE);
  if (filter->prompts)
    json_object_set_boolean_member (honoured, "promptsListChanged", TRUE);
  if (filter->resources)
    json_object_set_boolean_member (honoured, "resourcesListChanged", TRUE);

  uris = json_object_get_member (wanted, "resourceSubscriptions");
  if (uris != NULL && JSON_NODE_HOLDS_ARRAY (uris) &&
      capability_flag (capabilities, "resources", "subscribe"))
    {
      JsonArray *array = json_node_get_array (uris);
      GPtrArray *kept = g_ptr_array_new ();
      JsonArray *echo = json_array_new ();

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);

          if (JSON_NODE_HOLDS_VALUE (element) && json_node_get_value_type (element) == G_TYPE_STRING)
            {
              g_ptr_array_add (kept, g_strdup (json_node_get_string (element)));
              json_array_add_string_element (echo, json_node_get_string (element));
            }
        }
      g_ptr_array_add (kept, NULL);
      filter->uris = (char **) g_ptr_array_free (kept, FALSE);
      json_object_set_array_member (honoured, "resourceSubscriptions", echo);
    }

  g_object_set_data_full (G_OBJECT (context), LISTEN_FILTER_KEY, filter,
                          (GDestroyNotify) listen_filter_free);

  json_object_set_object_member (ack, "notifications", json_object_ref (honoured));
  notification = listen_notification (context, "notifications/subscriptions/acknowledged", ack);
  north_mcp_channel_send (channel, notification);

  /* The stream stays open until the client goes away or the server stops. */
  g_ptr_array_add (north_mcp_server_get_listeners (server), g_object_ref (context));
  g_signal_connect_object (channel, "closed", G_CALLBACK (on_listen_channel_closed), context, 0);
}

static gboolean
filter_wants (ListenFilter *filter,
              const char   *method,
              const char   *uri)
{
  if (g_str_equal (method, "notifications/tools/list_changed"))
    return filter->tools;
  if (g_str_equal (method, "notifications/prompts/list_changed"))
    return filter->prompts;
  if (g_str_equal (method, "notifications/resources/list_changed"))
    return filter->resources;
  if (g_str_equal (method, "notifications/resources/updated"))
    return uri != NULL && filter->uris != NULL && g_strv_contains ((const char * const *) filter->uris, uri);
  return FALSE;
}

void
north_mcp_modern_notify_listeners (NorthMcpServer *server,
                                   const char     *method,
                                   const char     *uri)
{
  GPtrArray *listeners = north_mcp_server_get_listeners (server);

  for (guint i = 0; listeners != NULL && i < listeners->len; i++)
    {
      NorthMcpContext *context = g_ptr_array_index (listeners, i);
      ListenFilter *filter = g_object_get_data (G_OBJECT (context), LISTEN_FILTER_KEY);
      g_autoptr(JsonObject) params = NULL;
      g_autoptr(JsonNode) notification = NULL;

      if (filter == NULL || !filter_wants (filter, method, uri))
        continue;

      params = json_object_new ();
      if (uri != NULL)
        json_object_set_string_member (params, "uri", uri);
      notification = listen_notification (context, method, params);
      north_mcp_channel_send (north_mcp_context_get_channel (context), notification);
    }
}

void
north_mcp_modern_close_listeners (NorthMcpServer *server)
{
  GPtrArray *listeners = north_mcp_server_get_listeners (server);

  while (listeners != NULL && listeners->len > 0)
    {
      g_autoptr(NorthMcpContext) context = g_ptr_array_steal_index (listeners, listeners->len - 1);
      g_autoptr(JsonObject) result = json_object_new ();
      g_autoptr(JsonObject) meta = json_object_new ();
      g_autoptr(JsonNode) node = NULL;

      g_signal_handlers_disconnect_by_func (north_mcp_context_get_channel (context),
                                            on_listen_channel_closed, context);
      json_object_set_member (meta, NORTH_MCP_META_SUBSCRIPTION_ID,
                              json_node_copy (north_mcp_context_get_request_id (context)));
      json_object_set_object_member (result, "_meta", json_object_ref (meta));
      node = north_mcp_node_new_object (result);
      north_mcp_context_return_result (context, node);
    }
}

/* HTTP */

#define PROTOCOL_VERSION_HEADER "MCP-Protocol-Version"
#define METHOD_HEADER "Mcp-Method"
#define NAME_HEADER "Mcp-Name"
#define PARAM_HEADER_PREFIX "Mcp-Param-"

gboolean
north_mcp_modern_http_is_modern (SoupMessageHeaders *headers,
                                 JsonNode           *message)
{
  JsonObject *object;

  if (north_mcp_protocol_version_is_modern (soup_message_headers_get_one (headers, PROTOCOL_VERSION_HEADER)))
    return TRUE;

  if (message == NULL || !JSON_NODE_HOLDS_OBJECT (message))
    return FALSE;

  object = json_node_get_object (message);
  return north_mcp_modern_params_are_modern (north_mcp_object_get_object (object, "params"));
}

gboolean
north_mcp_modern_http_is_modern_only (SoupMessageHeaders *headers)
{
  return north_mcp_protocol_version_is_modern (soup_message_headers_get_one (headers, PROTOCOL_VERSION_HEADER));
}

char *
north_mcp_modern_decode_header_value (const char *value)
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

        if (number == (double) (gint64) number)
          return g_strdup_printf ("%" G_GINT64_FORMAT, (gint64) number);
        return NULL;
      }
    default:
      return NULL;
    }
}

static gboolean
header_matches_argument (const char *header,
                         JsonNode   *value)
{
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
check_param_headers (NorthMcpServer     *server,
                     SoupMessageHeaders *headers,
                     JsonObject         *params,
                     JsonNode           *id,
                     JsonNode          **response_out)
{
  const char *name = north_mcp_object_get_string (params, "name");
  NorthMcpTool *tool = name != NULL ? north_mcp_server_lookup_tool (server, name) : NULL;
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
      g_autofree char *decoded = NULL;
      JsonNode *value;
      const char *raw;

      if (header_name == NULL)
        continue;

      full_name = g_strconcat (PARAM_HEADER_PREFIX, header_name, NULL);
      raw = soup_message_headers_get_one (headers, full_name);
      value = arguments != NULL ? json_object_get_member (arguments, l->data) : NULL;

      if (raw == NULL && (value == NULL || JSON_NODE_HOLDS_NULL (value)))
        continue;
      if (raw == NULL)
        return mismatch (id, full_name, response_out);

      decoded = north_mcp_modern_decode_header_value (raw);
      if (decoded == NULL || value == NULL || !header_matches_argument (decoded, value))
        return mismatch (id, full_name, response_out);
    }

  return 0;
}

guint
north_mcp_modern_http_check_post (NorthMcpServer     *server,
                                  SoupMessageHeaders *headers,
                                  JsonNode           *message,
                                  JsonNode          **response_out)
{
  const char *header_version = soup_message_headers_get_one (headers, PROTOCOL_VERSION_HEADER);
  const char *header_method = soup_message_headers_get_one (headers, METHOD_HEADER);
  const char *header_name = soup_message_headers_get_one (headers, NAME_HEADER);
  g_autofree char *version = NULL;
  g_autofree char *method_text = NULL;
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
  if (json_object_has_member (object, "id"))
    id = json_object_get_member (object, "id");

  /* Responses and notifications carry no standard headers to compare. */
  if (method == NULL || id == NULL)
    return 0;

  needs_name = north_mcp_modern_method_takes_input (method) || north_mcp_tasks_method_is_task (method);
  target = request_target (method, params);

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
  meta = params_meta (params);
  if (meta == NULL || north_mcp_object_get_string (meta, NORTH_MCP_META_PROTOCOL_VERSION) == NULL ||
      north_mcp_object_get_object (meta, NORTH_MCP_META_CLIENT_CAPABILITIES) == NULL)
    {
      *response_out = north_mcp_modern_check_meta (params, id);
      return SOUP_STATUS_BAD_REQUEST;
    }

  version = north_mcp_modern_decode_header_value (header_version);
  meta_version = north_mcp_object_get_string (meta, NORTH_MCP_META_PROTOCOL_VERSION);
  if (version == NULL || !g_str_equal (version, meta_version))
    return mismatch (id, PROTOCOL_VERSION_HEADER " differs from the request's _meta", response_out);

  method_text = north_mcp_modern_decode_header_value (header_method);
  if (method_text == NULL || !g_str_equal (method_text, method))
    return mismatch (id, METHOD_HEADER " differs from the request's method", response_out);

  if (needs_name)
    {
      g_autofree char *name = north_mcp_modern_decode_header_value (header_name);

      if (name == NULL || target == NULL || !g_str_equal (name, target))
        return mismatch (id, NAME_HEADER " differs from the request's name, uri or taskId", response_out);
    }

  if (g_str_equal (method, "tools/call") && params != NULL)
    {
      guint status = check_param_headers (server, headers, params, id, response_out);

      if (status != 0)
        return status;
    }

  /* The rest of _meta, and the version itself. */
  *response_out = north_mcp_modern_check_meta (params, id);
  if (*response_out != NULL)
    return SOUP_STATUS_BAD_REQUEST;

  return 0;
}

guint
north_mcp_modern_http_status (JsonNode *response)
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
