/* north-mcp-dispatch.c: from a JSON-RPC message to its handler
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
#include "north-mcp-session-manager-private.h"
#include "north-mcp-session-private.h"
#include "north-mcp-tool-private.h"
#include "north-mcp-util-private.h"

const char * const north_mcp_supported_protocol_versions[] = {
  "2024-11-05",
  "2025-03-26",
  "2025-06-18",
  "2025-11-25",
  NULL
};

gboolean
north_mcp_protocol_version_is_supported (const char *version)
{
  return version != NULL && g_strv_contains (north_mcp_supported_protocol_versions, version);
}

void
north_mcp_dispatch_return_object (NorthMcpContext *context,
                                  JsonObject      *result)
{
  g_autoptr(JsonNode) node = north_mcp_node_new_object (result);

  north_mcp_context_return_result (context, node);
}

void
north_mcp_dispatch_return_empty (NorthMcpContext *context)
{
  g_autoptr(JsonObject) result = json_object_new ();

  north_mcp_dispatch_return_object (context, result);
}

void
north_mcp_dispatch_invalid_params (NorthMcpContext *context,
                                   const char      *message)
{
  north_mcp_context_return_error_literal (context, NORTH_MCP_JSONRPC_ERROR,
                                          NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS,
                                          message);
}

void
north_mcp_dispatch_unknown (NorthMcpContext *context,
                            const char      *what,
                            const char      *name)
{
  g_autofree char *echo = north_mcp_echo (name);
  g_autofree char *message = g_strdup_printf ("Invalid params: unknown %s '%s'", what, echo);

  north_mcp_dispatch_invalid_params (context, message);
}

/* Cursors are opaque to clients; ours encode the offset of the next page. */
gboolean
north_mcp_dispatch_paginate (NorthMcpProtocolHost  *host,
                             NorthMcpContext       *context,
                             guint                  total,
                             guint                 *start,
                             guint                 *end,
                             char                 **next_cursor)
{
  JsonObject *params = north_mcp_context_get_params (context);
  JsonNode *cursor = json_object_get_member (params, "cursor");
  NorthMcpProtocolSettings settings;
  guint64 offset = 0;

  *next_cursor = NULL;
  north_mcp_protocol_host_get_settings (host, &settings);

  if (cursor != NULL && !JSON_NODE_HOLDS_NULL (cursor))
    {
      const char *text = JSON_NODE_HOLDS_VALUE (cursor) &&
                         json_node_get_value_type (cursor) == G_TYPE_STRING
                         ? json_node_get_string (cursor) : NULL;
      gsize length = 0;
      g_autofree guchar *decoded = NULL;
      g_autofree char *number = NULL;

      if (text != NULL && *text != '\0' && strlen (text) <= 32 &&
          strspn (text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") == strlen (text))
        decoded = g_base64_decode (text, &length);

      if (decoded != NULL && length > 2 && length < 24 && memcmp (decoded, "o:", 2) == 0)
        number = g_strndup ((const char *) decoded + 2, length - 2);

      if (number == NULL ||
          !g_ascii_string_to_unsigned (number, 10, 1, total, &offset, NULL))
        {
          north_mcp_dispatch_invalid_params (context, "Invalid params: unknown or expired cursor");
          return FALSE;
        }
    }

  *start = (guint) offset;
  /* Subtracted, not added: start + page_size may wrap. */
  *end = total - *start > settings.page_size ? *start + settings.page_size : total;
  if (*end < total)
    {
      g_autofree char *plain = g_strdup_printf ("o:%u", *end);

      *next_cursor = g_base64_encode ((const guchar *) plain, strlen (plain));
    }

  return TRUE;
}

static void
handle_initialize (NorthMcpProtocolHost *host,
                   NorthMcpContext      *context)
{
  JsonObject *params = north_mcp_context_get_params (context);
  NorthMcpSession *session = north_mcp_context_get_session (context);
  const char *requested = north_mcp_object_get_string (params, "protocolVersion");
  const char *version;
  g_autoptr(JsonObject) result = json_object_new ();
  NorthMcpProtocolSettings settings;

  if (requested == NULL)
    {
      north_mcp_dispatch_invalid_params (context,
                                         "Invalid params: initialize needs a string 'protocolVersion'");
      return;
    }

  if (session != NULL && north_mcp_session_get_initialized (session))
    {
      north_mcp_context_return_error_literal (context, NORTH_MCP_JSONRPC_ERROR,
                                              NORTH_MCP_JSONRPC_ERROR_INVALID_REQUEST,
                                              "Invalid Request: the session is already initialized");
      return;
    }

  /* Answer with the client's version when we speak it, else our latest;
   * the client decides whether it can go on. */
  version = north_mcp_protocol_version_is_supported (requested)
            ? requested : NORTH_MCP_LATEST_PROTOCOL_VERSION;

  if (session != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (!north_mcp_session_set_client (session,
                                         north_mcp_object_get_object (params, "capabilities"),
                                         north_mcp_object_get_object (params, "clientInfo"),
                                         &error))
        {
          north_mcp_context_return_error_literal (context, error->domain, error->code, error->message);
          return;
        }
      north_mcp_session_set_protocol_version (session, version);
      north_mcp_session_set_initialized (session, TRUE);
    }

  json_object_set_string_member (result, "protocolVersion", version);
  json_object_set_object_member (result, "capabilities",
                                 north_mcp_protocol_host_build_capabilities (host));
  json_object_set_object_member (result, "serverInfo",
                                 north_mcp_protocol_host_build_server_info (host));
  north_mcp_protocol_host_get_settings (host, &settings);
  if (settings.instructions != NULL)
    json_object_set_string_member (result, "instructions", settings.instructions);

  north_mcp_dispatch_return_object (context, result);
}

static void
handle_ping (NorthMcpProtocolHost *host,
             NorthMcpContext      *context)
{
  north_mcp_dispatch_return_empty (context);
}

static void
change_free (gpointer data)
{
  NorthMcpDispatchChange *change = data;

  g_object_unref (change->context);
  g_free (change->uri);
  g_free (change);
}

/* Answered once the change is stored: with a shared state store, a next
 * request through another process finds it there. */
static void
session_changed (NorthMcpSession *session,
                 const GError    *error,
                 gpointer         data)
{
  NorthMcpDispatchChange *change = data;

  if (error != NULL)
    north_mcp_context_return_error_literal (change->context, error->domain, error->code, error->message);
  else
    north_mcp_dispatch_return_empty (change->context);
}

void
north_mcp_dispatch_change_session (NorthMcpDispatchChange  *change,
                                   NorthMcpSessionEditFunc  edit)
{
  NorthMcpSession *session = north_mcp_context_get_session (change->context);

  if (session != NULL)
    {
      north_mcp_session_edit (session, edit, session_changed, change, change_free);
      return;
    }
  north_mcp_dispatch_return_empty (change->context);
  change_free (change);
}

static gboolean
change_level_of (NorthMcpSession  *session,
                 gpointer          data,
                 GError          **error)
{
  north_mcp_session_set_log_level (session, ((NorthMcpDispatchChange *) data)->level);
  return TRUE;
}

static void
handle_logging_set_level (NorthMcpProtocolHost *host,
                          NorthMcpContext      *context)
{
  const char *name = north_mcp_object_get_string (north_mcp_context_get_params (context), "level");
  int level = north_mcp_log_level_from_string (name);
  NorthMcpDispatchChange *change;

  if (level < 0)
    {
      north_mcp_dispatch_invalid_params (context,
                                         "Invalid params: 'level' must be one of debug, info, notice, "
                                         "warning, error, critical, alert, emergency");
      return;
    }
  change = g_new0 (NorthMcpDispatchChange, 1);
  change->context = g_object_ref (context);
  change->level = (NorthMcpLogLevel) level;
  north_mcp_dispatch_change_session (change, change_level_of);
}

void
north_mcp_dispatch_return_page (NorthMcpProtocolHost *host,
                                NorthMcpContext      *context,
                                NorthMcpRegistryKind  kind,
                                const char           *member)
{
  GPtrArray *items = north_mcp_protocol_host_get_features (host, kind);
  g_autoptr(JsonObject) result = json_object_new ();
  g_autofree char *next_cursor = NULL;
  JsonArray *array;
  guint start, end;

  if (!north_mcp_dispatch_paginate (host, context, items->len, &start, &end, &next_cursor))
    return;

  array = json_array_sized_new (end - start);
  for (guint i = start; i < end; i++)
    json_array_add_element (array, north_mcp_feature_to_json (g_ptr_array_index (items, i)));
  json_object_set_array_member (result, member, array);
  if (next_cursor != NULL)
    json_object_set_string_member (result, "nextCursor", next_cursor);

  north_mcp_dispatch_return_object (context, result);
}

static void
handle_tools_list (NorthMcpProtocolHost *host,
                   NorthMcpContext      *context)
{
  north_mcp_dispatch_return_page (host, context, NORTH_MCP_REGISTRY_TOOLS, "tools");
}

gpointer
north_mcp_dispatch_require_named (NorthMcpProtocolHost *host,
                                  NorthMcpContext      *context,
                                  NorthMcpRegistryKind  kind,
                                  const char           *what)
{
  const char *name = north_mcp_object_get_string (north_mcp_context_get_params (context), "name");
  gpointer feature;

  if (name == NULL)
    {
      g_autofree char *message = g_strdup_printf ("Invalid params: %s needs a string 'name'",
                                                  north_mcp_context_get_method (context));

      north_mcp_dispatch_invalid_params (context, message);
      return NULL;
    }

  feature = north_mcp_protocol_host_lookup (host, kind, name);
  if (feature == NULL)
    north_mcp_dispatch_unknown (context, what, name);
  else /* its span may name it, even if the call goes no further */
    north_mcp_context_set_feature (context, feature);
  return feature;
}

static void
handle_tools_call (NorthMcpProtocolHost *host,
                   NorthMcpContext      *context)
{
  JsonObject *params = north_mcp_context_get_params (context);
  JsonNode *arguments_node = json_object_get_member (params, "arguments");
  g_autoptr(JsonObject) arguments = NULL;
  g_autoptr(GError) error = NULL;
  /* Reads the name (a hash lookup), which is read again only to say it. */
  NorthMcpTool *tool = north_mcp_dispatch_require_named (host, context, NORTH_MCP_REGISTRY_TOOLS, "tool");

  if (tool == NULL)
    return;

  if (arguments_node == NULL || JSON_NODE_HOLDS_NULL (arguments_node))
    arguments = json_object_new ();
  else if (JSON_NODE_HOLDS_OBJECT (arguments_node))
    arguments = json_object_ref (json_node_get_object (arguments_node));
  else
    {
      north_mcp_dispatch_invalid_params (context, "Invalid params: 'arguments' must be an object");
      return;
    }

  /* Bad arguments are the model's mistake to correct: a tool error, not a
   * protocol error. */
  if (!north_mcp_tool_check_arguments (tool, arguments, &error))
    {
      g_autofree char *message = g_strdup_printf ("Invalid arguments for tool '%s': %s",
                                                  north_mcp_object_get_string (params, "name"),
                                                  error->message);
      g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new_error (message);

      north_mcp_context_return_tool_result (context, result);
      return;
    }

  /* The tasks extension may run it as a task. */
  if (north_mcp_tasks_call_tool (host, context, tool, arguments))
    return;

  north_mcp_context_set_feature (context, NORTH_MCP_FEATURE (tool));
  north_mcp_context_push_current (context);
  NORTH_MCP_TOOL_GET_CLASS (tool)->call (tool, context, arguments);
  north_mcp_context_pop_current (context);
}

typedef struct
{
  const char            *method;
  NorthMcpMethodHandler  handler;
} MethodEntry;

static const MethodEntry methods[] = {
  { "initialize", handle_initialize },
  { "ping", handle_ping },
  { "logging/setLevel", handle_logging_set_level },
  { "tools/list", handle_tools_list },
  { "tools/call", handle_tools_call },
  { "server/discover", north_mcp_revision_2026_handle_discover },
  { "subscriptions/listen", north_mcp_revision_2026_handle_listen },
  { "tasks/get", north_mcp_tasks_handle_get },
  { "tasks/update", north_mcp_tasks_handle_update },
  { "tasks/cancel", north_mcp_tasks_handle_cancel },
  { "resources/list", north_mcp_dispatch_resources_list },
  { "resources/templates/list", north_mcp_dispatch_resources_templates_list },
  { "resources/read", north_mcp_dispatch_resources_read },
  { "resources/subscribe", north_mcp_dispatch_resources_subscribe },
  { "resources/unsubscribe", north_mcp_dispatch_resources_unsubscribe },
  { "prompts/list", north_mcp_dispatch_prompts_list },
  { "prompts/get", north_mcp_dispatch_prompts_get },
  { "completion/complete", north_mcp_dispatch_completion_complete },
};

static NorthMcpMethodHandler
lookup_method (const char *method)
{
  for (guint i = 0; i < G_N_ELEMENTS (methods); i++)
    if (g_str_equal (methods[i].method, method))
      return methods[i].handler;

  return NULL;
}

static void
send_error (NorthMcpChannel *channel,
            JsonNode        *id,
            int              code,
            const char      *message)
{
  g_autoptr(JsonNode) response = north_mcp_jsonrpc_error_new (id, code, message, NULL);

  north_mcp_channel_send (channel, response);
}

static void
handle_notification (NorthMcpProtocolHost *host,
                     NorthMcpSession      *session,
                     JsonObject           *object)
{
  const char *method = north_mcp_object_get_string (object, "method");
  JsonObject *params = north_mcp_object_get_object (object, "params");

  if (g_str_equal (method, "notifications/cancelled"))
    {
      if (session != NULL && params != NULL)
        north_mcp_session_cancel_in_flight (session, json_object_get_member (params, "requestId"));
    }
  else if (g_str_equal (method, "notifications/initialized"))
    {
      /* The session became usable with the initialize result already. */
    }
  else
    {
      /* The name is the client's: repeat a little of it only. */
      g_autofree char *echo = north_mcp_echo (method);

      north_mcp_protocol_host_debug (host, "Ignoring notification %s", echo);
    }
}

static const char *
request_protocol_version (NorthMcpSession *session,
                          JsonObject      *params)
{
  if (session != NULL && north_mcp_session_get_protocol_version (session) != NULL)
    return north_mcp_session_get_protocol_version (session);

  return NORTH_MCP_LATEST_PROTOCOL_VERSION;
}

/* Answers a request no handler will see with @response; whoever watches
 * the request signals sees it start and finish all the same. */
static void
refuse (const NorthMcpRequestInfo *request,
        JsonNode                  *response)
{
  if (north_mcp_protocol_host_watches_requests (request->host))
    north_mcp_context_refuse (request, response);
  else
    north_mcp_channel_send (request->channel, response);
}

/* The same with a JSON-RPC error of @code. */
static void
refuse_with_error (const NorthMcpRequestInfo *request,
                   int                        code,
                   const char                *message)
{
  g_autoptr(JsonNode) response = north_mcp_jsonrpc_error_new (request->id, code, message, NULL);

  refuse (request, response);
}

/* The handler of @request's method, or NULL after refusing it as not
 * found (also when its revision @excludes it). */
static NorthMcpMethodHandler
find_handler (const NorthMcpRequestInfo *request,
              gboolean                   excluded)
{
  NorthMcpMethodHandler handler = excluded ? NULL : lookup_method (request->method);
  g_autofree char *echo = NULL;
  g_autofree char *message = NULL;

  if (handler != NULL)
    return handler;

  echo = north_mcp_echo (request->method);
  message = g_strdup_printf ("Method not found: %s", echo);
  refuse_with_error (request, NORTH_MCP_JSONRPC_ERROR_METHOD_NOT_FOUND, message);
  return NULL;
}

/* A request under the 2026-07-28 revision: everything the
 * request needs is in its own `_meta`; no session rules apply. */
static void
handle_revision_2026_request (NorthMcpProtocolHost *host,
                              NorthMcpSession      *session,
                              NorthMcpUser         *user,
                              JsonObject           *params,
                              const char           *method,
                              JsonNode             *id,
                              NorthMcpChannel      *channel)
{
  g_autoptr(JsonNode) invalid = north_mcp_revision_2026_check_meta (params, id);
  g_autoptr(NorthMcpContext) context = NULL;
  g_autofree char *request_state = NULL;
  NorthMcpMethodHandler handler;
  JsonObject *meta = north_mcp_object_get_object (params, "_meta");
  const char *version = north_mcp_object_get_string (meta, NORTH_MCP_META_PROTOCOL_VERSION);
  NorthMcpRequestInfo request = { host, session, user, channel, id, method, params, version };

  if (invalid != NULL)
    {
      refuse (&request, invalid);
      return;
    }

  handler = find_handler (&request, north_mcp_revision_2026_method_is_removed (method));
  if (handler == NULL)
    return;

  if (north_mcp_revision_2026_method_takes_input (method))
    {
      g_autoptr(GError) error = NULL;

      if (!north_mcp_revision_2026_check_retry (host, user, method, params, &request_state, &error))
        {
          refuse_with_error (&request, error->code, error->message);
          return;
        }
    }

  context = north_mcp_context_new (&request);
  north_mcp_context_set_revision_2026 (context, g_steal_pointer (&request_state));
  north_mcp_context_announce (context);
  handler (host, context);
}

static void
handle_request (NorthMcpProtocolHost *host,
                NorthMcpSession      *session,
                NorthMcpUser         *user,
                const char           *method,
                JsonObject           *params,
                JsonNode             *id,
                NorthMcpChannel      *channel,
                gboolean              in_batch)
{
  NorthMcpMethodHandler handler;
  g_autoptr(NorthMcpContext) context = NULL;
  NorthMcpRequestInfo request = { host, session, user, channel, id, method, params, NULL };

  if (!in_batch && north_mcp_revision_2026_params_have_version (params))
    {
      handle_revision_2026_request (host, session, user, params, method, id, channel);
      return;
    }

  request.protocol_version = request_protocol_version (session, params);
  handler = find_handler (&request, north_mcp_revision_2026_method_is_added (method));
  if (handler == NULL)
    return;

  if (in_batch && handler == handle_initialize)
    {
      refuse_with_error (&request, NORTH_MCP_JSONRPC_ERROR_INVALID_REQUEST,
                         "Invalid Request: initialize cannot be part of a batch");
      return;
    }

  if (session != NULL && !north_mcp_session_get_initialized (session) &&
      handler != handle_initialize && handler != handle_ping)
    {
      refuse_with_error (&request, NORTH_MCP_JSONRPC_ERROR_INVALID_REQUEST,
                         "Invalid Request: the session is not initialized; send initialize first");
      return;
    }

  context = north_mcp_context_new (&request);
  north_mcp_context_announce (context);
  handler (host, context);
}

/* Handles one message of a body; returns the number of responses it will
 * produce. */
static guint
handle_one (NorthMcpProtocolHost *host,
            NorthMcpSession      *session,
            NorthMcpUser         *user,
            JsonNode             *message,
            NorthMcpChannel      *channel,
            gboolean              in_batch)
{
  g_autoptr(GError) error = NULL;
  JsonNode *id = NULL;

  switch (north_mcp_jsonrpc_classify (message, &id, &error))
    {
    case NORTH_MCP_MESSAGE_REQUEST:
      {
        JsonObject *object = json_node_get_object (message);

        handle_request (host, session, user, north_mcp_object_get_string (object, "method"),
                        north_mcp_object_get_object (object, "params"), id, channel, in_batch);
      }
      return 1;

    case NORTH_MCP_MESSAGE_NOTIFICATION:
      handle_notification (host, session, json_node_get_object (message));
      return 0;

    case NORTH_MCP_MESSAGE_RESPONSE:
      if (session == NULL || !north_mcp_session_resolve_response (session, message))
        {
          /* With a shared state store, another process may wait for it. */
          if (!north_mcp_session_manager_route_response (north_mcp_protocol_host_get_session_manager (host),
                                                         session, message))
            north_mcp_protocol_host_debug (host, "Ignoring a response to no pending request");
        }
      return 0;

    case NORTH_MCP_MESSAGE_INVALID:
    default:
      send_error (channel, id, error->code, error->message);
      return 1;
    }
}

guint
north_mcp_dispatch_request (NorthMcpProtocolHost   *self,
                            NorthMcpSession        *session,
                            NorthMcpUser           *user,
                            NorthMcpJsonrpcRequest *request,
                            NorthMcpChannel        *channel)
{
  /* Not the type check: this runs for every request. */
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (request != NULL && request->id != NULL && request->method != NULL, 0);
  g_return_val_if_fail (NORTH_MCP_IS_CHANNEL (channel), 0);

  if (session != NULL)
    north_mcp_session_touch (session);

  handle_request (self, session, user, request->method, request->params, request->id,
                  channel, FALSE);
  return 1;
}

guint
north_mcp_dispatch_message (NorthMcpProtocolHost *self,
                            NorthMcpSession      *session,
                            NorthMcpUser         *user,
                            JsonNode             *message,
                            NorthMcpChannel      *channel)
{
  g_autoptr(GError) error = NULL;
  JsonArray *batch;
  guint count;
  guint responses = 0;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (message != NULL, 0);
  g_return_val_if_fail (NORTH_MCP_IS_CHANNEL (channel), 0);

  if (session != NULL)
    north_mcp_session_touch (session);

  if (!JSON_NODE_HOLDS_ARRAY (message))
    return handle_one (self, session, user, message, channel, FALSE);

  /* 2025-03-26 batches, bounded; the HTTP transport has checked them
   * already (it knows the revision of 2026-07-28 requests), stdio and legacy
   * SSE have not. */
  batch = json_node_get_array (message);
  if (!north_mcp_jsonrpc_check_batch (batch, session != NULL
                                             ? north_mcp_session_get_protocol_version (session)
                                             : NULL, &error))
    {
      send_error (channel, NULL, error->code, error->message);
      return 1;
    }
  count = json_array_get_length (batch);

  for (guint i = 0; i < count; i++)
    responses += handle_one (self, session, user, json_array_get_element (batch, i), channel, TRUE);

  return responses;
}
