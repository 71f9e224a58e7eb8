/* north-mcp-context-retry.c: what a request of protocol revision
 * 2026-07-28 declares and may answer: the client's capabilities (per
 * request), caching hints, and input-required results (the server asks
 * the client through the result; the client retries the request with its
 * answers and the sealed state); and the status message of a request that
 * runs as a task
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-context-impl-private.h"
#include "north-mcp-error.h"
#include "north-mcp-revision-2026-private.h"
#include "north-mcp-session-private.h"
#include "north-mcp-task-private.h"
#include "north-mcp-util-private.h"


/**
 * north_mcp_context_get_client_capabilities:
 * @self: a context
 *
 * Gets the capabilities the client declared: per request under protocol
 * revision 2026-07-28 (`_meta`), at `initialize` under earlier ones.
 *
 * Returns: (transfer none) (nullable): the `ClientCapabilities` object, or
 *   %NULL when the client declared none (stateless HTTP of an earlier
 *   revision)
 */
JsonObject *
north_mcp_context_get_client_capabilities (NorthMcpContext *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_CONTEXT (self), NULL);

  if (self->revision_2026)
    return self->client_capabilities;
  if (self->session != NULL)
    return north_mcp_session_get_client_capabilities (self->session);
  return NULL;
}

/**
 * north_mcp_context_has_client_capability:
 * @self: a context
 * @capability: a client capability, such as `sampling`, `elicitation` or
 *   `roots`
 *
 * Gets whether the client declared @capability for this request.
 *
 * Returns: %TRUE if it did
 */
gboolean
north_mcp_context_has_client_capability (NorthMcpContext *self,
                                         const char      *capability)
{
  JsonObject *capabilities;

  g_return_val_if_fail (NORTH_MCP_IS_CONTEXT (self), FALSE);
  g_return_val_if_fail (capability != NULL, FALSE);

  capabilities = north_mcp_context_get_client_capabilities (self);
  return capabilities != NULL && north_mcp_object_get_object (capabilities, capability) != NULL;
}

/**
 * north_mcp_context_return_missing_capability:
 * @self: a context
 * @capability: the client capability the request needs, such as `sampling`
 *
 * Answers that the request cannot be served because the client did not
 * declare @capability: under protocol revision 2026-07-28 the
 * `MissingRequiredClientCapability` error (-32021, with
 * `data.requiredCapabilities`), under earlier revisions a failed tool
 * result (`tools/call`) or an invalid-request error.
 */
void
north_mcp_context_return_missing_capability (NorthMcpContext *self,
                                             const char      *capability)
{
  g_return_if_fail (NORTH_MCP_IS_CONTEXT (self));
  g_return_if_fail (capability != NULL);

  north_mcp_context_return_missing_sub_capability (self, capability, NULL);
}

void
north_mcp_context_return_missing_sub_capability (NorthMcpContext *self,
                                                 const char      *capability,
                                                 const char      *sub)
{
  g_autofree char *message = NULL;

  message = g_strdup_printf ("Missing required client capability: %s%s%s", capability,
                             sub != NULL ? "." : "", sub != NULL ? sub : "");

  if (self->revision_2026)
    {
      g_autoptr(JsonObject) data = json_object_new ();
      g_autoptr(JsonNode) node = NULL;
      JsonObject *required = json_object_new ();
      JsonObject *object = json_object_new ();

      if (sub != NULL)
        json_object_set_object_member (object, sub, json_object_new ());
      json_object_set_object_member (required, capability, object);
      json_object_set_object_member (data, "requiredCapabilities", required);
      node = north_mcp_node_new_object (data);
      north_mcp_context_return_error_full (self, NORTH_MCP_JSONRPC_ERROR_MISSING_CLIENT_CAPABILITY,
                                           message, node);
    }
  else
    {
      north_mcp_context_return_error_literal (self, NORTH_MCP_ERROR, NORTH_MCP_ERROR_NOT_SUPPORTED,
                                              message);
    }
}

/**
 * north_mcp_context_set_task_status_message:
 * @self: a context
 * @message: (nullable): what the task is doing, for people; %NULL to clear it
 *
 * Sets the `statusMessage` that `tasks/get` shows while the request runs
 * as a task of the tasks extension (see
 * [property@NorthMcp.Tool:task-support]).
 * Messages longer than 1024 bytes are cut. Can be called from any thread.
 *
 * Returns: %TRUE if the request runs as a task (or becomes one when the
 *   handler does not answer before it returns), %FALSE (and nothing
 *   happens) otherwise
 *
 * Since: 0.2
 */
gboolean
north_mcp_context_set_task_status_message (NorthMcpContext *self,
                                           const char      *message)
{
  g_return_val_if_fail (NORTH_MCP_IS_CONTEXT (self), FALSE);

  return north_mcp_tasks_set_status_message (self, message);
}

/**
 * north_mcp_context_set_cache_hint:
 * @self: a context
 * @ttl_ms: how long the client may reuse the result, in milliseconds
 * @scope: who may share a cached copy
 *
 * Overrides, for this result only, the caching hints the server gives
 * results of the request's method (see
 * [method@NorthMcp.Server.set_cache_hint]). Meaningful for `resources/read`
 * handlers whose resources differ in how long they stay fresh or whether they
 * hold user data. Call it before answering.
 */
void
north_mcp_context_set_cache_hint (NorthMcpContext    *self,
                                  guint               ttl_ms,
                                  NorthMcpCacheScope  scope)
{
  g_return_if_fail (NORTH_MCP_IS_CONTEXT (self));
  g_return_if_fail (scope == NORTH_MCP_CACHE_SCOPE_PUBLIC || scope == NORTH_MCP_CACHE_SCOPE_PRIVATE);

  self->has_cache_hint = TRUE;
  self->cache_ttl_ms = ttl_ms;
  self->cache_scope = scope;
}

/**
 * north_mcp_context_get_supports_input_requests:
 * @self: a context
 *
 * Gets whether the handler can answer with an input-required result
 * ([method@NorthMcp.Context.return_input_required]): the request was made
 * under protocol revision 2026-07-28 and is a `tools/call`, `prompts/get` or
 * `resources/read`. Under earlier revisions, ask the client with
 * [method@NorthMcp.Context.elicit_async] and friends instead.
 *
 * Returns: %TRUE if input requests can be returned
 */
gboolean
north_mcp_context_get_supports_input_requests (NorthMcpContext *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_CONTEXT (self), FALSE);

  return self->revision_2026 && north_mcp_revision_2026_method_takes_input (self->method);
}

gboolean
north_mcp_context_has_client_sub_capability (NorthMcpContext *self,
                                             const char      *capability,
                                             const char      *sub)
{
  JsonObject *object = north_mcp_object_get_object (north_mcp_context_get_client_capabilities (self), capability);

  return object != NULL && json_object_has_member (object, sub);
}

gboolean
north_mcp_context_sub_capabilities_allow (NorthMcpContext *self,
                                          const char      *method,
                                          JsonObject      *params)
{
  if (g_str_equal (method, "sampling/createMessage"))
    return params == NULL ||
           (!json_object_has_member (params, "tools") && !json_object_has_member (params, "toolChoice")) ||
           north_mcp_context_has_client_sub_capability (self, "sampling", "tools");
  if (g_str_equal (method, "elicitation/create"))
    {
      gboolean urls = north_mcp_context_has_client_sub_capability (self, "elicitation", "url");

      if (g_strcmp0 (north_mcp_object_get_string (params, "mode"), "url") == 0)
        return urls;
      return !urls || north_mcp_context_has_client_sub_capability (self, "elicitation", "form");
    }
  return TRUE;
}

/**
 * north_mcp_context_add_input_request:
 * @self: a context
 * @key: the key the client's answer will come back under (see
 *   [method@NorthMcp.Context.get_input_response])
 * @method: `elicitation/create`, `sampling/createMessage` or `roots/list`
 * @params: (nullable): the request's parameters
 *
 * Adds a request for the client to the input-required result that
 * [method@NorthMcp.Context.return_input_required] sends. Only requests for a
 * capability the client declared in this very request are added: also
 * `sampling.tools` for sampling with `tools` or `toolChoice`,
 * `elicitation.url` for URL elicitation, and `elicitation.form` for a form
 * when the client declared `elicitation.url`.
 *
 * Returns: %TRUE if the request was added, %FALSE if the client did not
 *   declare the capability it needs (or input requests are not possible,
 *   see [method@NorthMcp.Context.get_supports_input_requests])
 */
gboolean
north_mcp_context_add_input_request (NorthMcpContext *self,
                                     const char      *key,
                                     const char      *method,
                                     JsonObject      *params)
{
  const char *capability;
  JsonObject *request;

  g_return_val_if_fail (NORTH_MCP_IS_CONTEXT (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (method != NULL, FALSE);

  capability = north_mcp_context_method_capability (method);
  g_return_val_if_fail (capability != NULL, FALSE);

  if (!north_mcp_context_get_supports_input_requests (self) ||
      !north_mcp_context_has_client_capability (self, capability) ||
      !north_mcp_context_sub_capabilities_allow (self, method, params))
    return FALSE;

  request = json_object_new ();
  json_object_set_string_member (request, "method", method);
  if (params != NULL)
    json_object_set_object_member (request, "params", json_object_ref (params));
  else if (!g_str_equal (method, "roots/list"))
    json_object_set_object_member (request, "params", json_object_new ());

  if (self->input_requests == NULL)
    self->input_requests = json_object_new ();
  json_object_set_object_member (self->input_requests, key, request);
  return TRUE;
}

/**
 * north_mcp_context_add_elicitation_request:
 * @self: a context
 * @key: the key the client's answer will come back under
 * @message: what to ask the user
 * @requested_schema: a flat object schema of primitive properties
 *
 * Adds a form-mode `elicitation/create` to the input-required result, like
 * [method@NorthMcp.Context.add_input_request].
 *
 * Returns: %TRUE if the request was added
 */
gboolean
north_mcp_context_add_elicitation_request (NorthMcpContext *self,
                                           const char      *key,
                                           const char      *message,
                                           JsonObject      *requested_schema)
{
  g_autoptr(JsonObject) params = json_object_new ();

  g_return_val_if_fail (message != NULL, FALSE);
  g_return_val_if_fail (requested_schema != NULL, FALSE);

  json_object_set_string_member (params, "message", message);
  json_object_set_object_member (params, "requestedSchema", json_object_ref (requested_schema));
  return north_mcp_context_add_input_request (self, key, "elicitation/create", params);
}

/**
 * north_mcp_context_return_input_required:
 * @self: a context
 * @request_state: (nullable): state for the handler's next round, or %NULL
 *
 * Answers with an input-required result (protocol revision 2026-07-28):
 * the requests added with [method@NorthMcp.Context.add_input_request] and,
 * when
 * @request_state is given, a `requestState` that the client sends back
 * when it retries the request with its answers. The library signs the
 * state (HMAC with a per-server random key) and binds it to the method,
 * the tool, prompt or resource, a digest of the request's `arguments` (as
 * canonical JSON: members in any order, the same arguments), the user's
 * identity (the ID token's issuer and subject, else its issuer and e-mail)
 * and an expiry (see
 * [property@NorthMcp.Server:request-state-lifetime]): the retry's handler
 * reads it back with [method@NorthMcp.Context.get_request_state] and a
 * tampered, expired or misplaced state is rejected before any handler runs.
 * The state is visible to the client: do not put secrets in it. Its sealed
 * form may have 64 KiB (about 45 KiB of state without characters JSON
 * escapes); a larger state answers an error instead.
 *
 * When input requests are not possible (see
 * [method@NorthMcp.Context.get_supports_input_requests]), answers with an
 * error instead.
 */
void
north_mcp_context_return_input_required (NorthMcpContext *self,
                                         const char      *request_state)
{
  g_autoptr(JsonObject) result = NULL;
  g_autoptr(JsonNode) node = NULL;

  g_return_if_fail (NORTH_MCP_IS_CONTEXT (self));

  if (!north_mcp_context_get_supports_input_requests (self))
    {
      g_autofree char *message =
        g_strdup_printf ("The %s request needs input from the client, which protocol "
                         "revision %s cannot ask for this way", self->method,
                         self->protocol_version != NULL ? self->protocol_version : "(none)");

      north_mcp_context_return_error_literal (self, NORTH_MCP_ERROR, NORTH_MCP_ERROR_NOT_SUPPORTED,
                                              message);
      return;
    }

  result = json_object_new ();
  json_object_set_string_member (result, "resultType", "input_required");
  if (self->input_requests != NULL)
    json_object_set_object_member (result, "inputRequests", json_object_ref (self->input_requests));
  if (request_state != NULL || self->input_requests == NULL)
    {
      g_autofree char *sealed = north_mcp_revision_2026_seal_state (self->host, self->user, self->method,
                                                                  self->params, request_state);

      if (sealed == NULL)
        {
          north_mcp_context_return_error_literal (self, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT,
                                                  "The request state is too large: sealed, it would be "
                                                  "longer than the 64 KiB a requestState may have");
          return;
        }
      json_object_set_string_member (result, "requestState", sealed);
    }
  node = north_mcp_node_new_object (result);
  north_mcp_context_return_result (self, node);
}

/**
 * north_mcp_context_get_input_response:
 * @self: a context
 * @key: a key given to [method@NorthMcp.Context.add_input_request] in an
 *   earlier round
 *
 * Gets the client's answer to an input request, when the request is a
 * retry that carries `inputResponses`. Keys the handler does not ask for
 * are ignored.
 *
 * Returns: (transfer none) (nullable): the answer (an `ElicitResult`,
 *   `CreateMessageResult` or `ListRootsResult`), or %NULL
 */
JsonObject *
north_mcp_context_get_input_response (NorthMcpContext *self,
                                      const char      *key)
{
  g_return_val_if_fail (NORTH_MCP_IS_CONTEXT (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  if (!self->revision_2026)
    return NULL;

  return north_mcp_object_get_object (north_mcp_object_get_object (self->params, "inputResponses"), key);
}

/**
 * north_mcp_context_get_request_state:
 * @self: a context
 *
 * Gets the state the handler passed to
 * [method@NorthMcp.Context.return_input_required] in the previous round, when
 * the request is a retry. The library verified it.
 *
 * Returns: (nullable): the state, or %NULL on a first round
 */
const char *
north_mcp_context_get_request_state (NorthMcpContext *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_CONTEXT (self), NULL);

  return self->request_state;
}

