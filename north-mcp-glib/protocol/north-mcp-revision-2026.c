/* north-mcp-revision-2026.c: the 2026-07-28 protocol revision
 *
 * Which requests follow it (a protocol version in `_meta`), which methods
 * it removed and added, its result form (`resultType`, caching hints,
 * server info in `_meta`) and `server/discover`. Its state, `requestState`
 * and `subscriptions/listen` are in north-mcp-revision-2026-state.c and
 * north-mcp-revision-2026-listen.c, its HTTP rules in
 * north-mcp-revision-2026-http.c.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-dispatch-private.h"
#include "north-mcp-error.h"
#include "north-mcp-jsonrpc-private.h"
#include "north-mcp-revision-2026-private.h"
#include "north-mcp-task-private.h"
#include "north-mcp-util-private.h"

const char * const north_mcp_revision_2026_versions[] = {
  NORTH_MCP_REVISION_2026_VERSION,
  NULL
};

gboolean
north_mcp_protocol_version_is_revision_2026 (const char *version)
{
  return version != NULL && g_strv_contains (north_mcp_revision_2026_versions, version);
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
north_mcp_revision_2026_params_have_version (JsonObject *params)
{
  JsonObject *meta = params_meta (params);

  return meta != NULL && json_object_has_member (meta, NORTH_MCP_META_PROTOCOL_VERSION);
}

static JsonNode *
supported_versions_node (void)
{
  JsonArray *array = json_array_new ();
  JsonNode *node;

  for (guint i = 0; north_mcp_revision_2026_versions[i] != NULL; i++)
    json_array_add_string_element (array, north_mcp_revision_2026_versions[i]);

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
north_mcp_revision_2026_check_meta (JsonObject *params,
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

  if (!north_mcp_protocol_version_is_revision_2026 (version))
    {
      g_autoptr(JsonObject) data = json_object_new ();
      g_autoptr(JsonNode) data_node = NULL;
      g_autofree char *echo = north_mcp_echo (version);
      g_autofree char *message = g_strdup_printf ("Unsupported protocol version: %s", echo);

      json_object_set_member (data, "supported", supported_versions_node ());
      json_object_set_string_member (data, "requested", echo);
      data_node = north_mcp_node_new_object (data);
      return north_mcp_jsonrpc_error_new (id, NORTH_MCP_JSONRPC_ERROR_UNSUPPORTED_PROTOCOL_VERSION,
                                          message, data_node);
    }

  return NULL;
}

gboolean
north_mcp_revision_2026_method_is_removed (const char *method)
{
  static const char * const removed[] = {
    "initialize", "ping", "logging/setLevel", "resources/subscribe", "resources/unsubscribe", NULL
  };

  return method != NULL && g_strv_contains (removed, method);
}

gboolean
north_mcp_revision_2026_method_is_added (const char *method)
{
  /* Asked of every request: told by the first letter, mostly. */
  switch (method != NULL ? method[0] : '\0')
    {
    case 's':
      return strcmp (method, "server/discover") == 0 || strcmp (method, "subscriptions/listen") == 0;
    case 't':
      return north_mcp_tasks_method_is_task (method);
    default:
      return FALSE;
    }
}

gboolean
north_mcp_revision_2026_method_takes_input (const char *method)
{
  return g_strcmp0 (method, "tools/call") == 0 ||
         g_strcmp0 (method, "prompts/get") == 0 ||
         g_strcmp0 (method, "resources/read") == 0;
}

/* Results. */

gboolean
north_mcp_revision_2026_method_is_cacheable (const char *method)
{
  static const char * const cacheable[] = {
    "server/discover", "tools/list", "prompts/list", "resources/list",
    "resources/templates/list", "resources/read", NULL
  };

  return method != NULL && g_strv_contains (cacheable, method);
}

JsonNode *
north_mcp_revision_2026_filter_result (NorthMcpContext *context,
                                       JsonNode        *result)
{
  NorthMcpProtocolHost *host = north_mcp_context_get_host (context);
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

  if (g_str_equal (result_type, "complete") && north_mcp_revision_2026_method_is_cacheable (method) &&
      !json_object_has_member (copy, "ttlMs"))
    {
      guint ttl_ms = 0;
      NorthMcpCacheScope scope = NORTH_MCP_CACHE_SCOPE_PRIVATE;

      if (!north_mcp_context_get_cache_hint_override (context, &ttl_ms, &scope))
        north_mcp_revision_2026_state_get_cache_hint (north_mcp_protocol_host_get_revision_2026 (host),
                                                      method, &ttl_ms, &scope);
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
      NorthMcpProtocolSettings settings;

      north_mcp_protocol_host_get_settings (host, &settings);
      json_object_set_string_member (info, "name", settings.name);
      json_object_set_string_member (info, "version", settings.version);
      json_object_set_object_member (meta, NORTH_MCP_META_SERVER_INFO, info);
    }
  json_object_set_object_member (copy, "_meta", json_object_ref (meta));

  return north_mcp_node_new_object (copy);
}

/* server/discover */

void
north_mcp_revision_2026_handle_discover (NorthMcpProtocolHost *host,
                                         NorthMcpContext      *context)
{
  g_autoptr(JsonObject) result = json_object_new ();
  NorthMcpProtocolSettings settings;
  JsonObject *capabilities;

  json_object_set_member (result, "supportedVersions", supported_versions_node ());
  /* The initialize result's capabilities: `logging` still means
   * per-request log levels, and `resources.subscribe` is served by
   * subscriptions/listen. */
  capabilities = north_mcp_protocol_host_build_capabilities (host);
  north_mcp_tasks_add_capability (host, capabilities);
  json_object_set_object_member (result, "capabilities", capabilities);
  north_mcp_protocol_host_get_settings (host, &settings);
  if (settings.instructions != NULL)
    json_object_set_string_member (result, "instructions", settings.instructions);

  north_mcp_dispatch_return_object (context, result);
}
