/* north-mcp-context-requests.c: a request's own requests to the client
 * (sampling, elicitation, roots) and reads of the server's own resources
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-context-impl-private.h"
#include "north-mcp-capture-channel-private.h"
#include "north-mcp-dispatch-private.h"
#include "north-mcp-error.h"
#include "north-mcp-session-private.h"
#include "north-mcp-tracer-private.h"
#include "north-mcp-util-private.h"

const char *
north_mcp_context_method_capability (const char *method)
{
  if (g_str_equal (method, "sampling/createMessage"))
    return "sampling";
  if (g_str_equal (method, "elicitation/create"))
    return "elicitation";
  if (g_str_equal (method, "roots/list"))
    return "roots";
  return NULL;
}

/* Fails a server-to-client request before it is sent. */
static void
fail_not_supported (NorthMcpContext     *self,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data,
                    const char          *message)
{
  g_autoptr(GTask) task = north_mcp_context_task_new_with_current (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, north_mcp_context_send_request_async);
  g_task_return_new_error (task, NORTH_MCP_ERROR, NORTH_MCP_ERROR_NOT_SUPPORTED, "%s", message);
}

typedef struct
{
  char       *method;
  JsonObject *params;
} OutboundRequest;

static void
outbound_request_free (OutboundRequest *request)
{
  g_free (request->method);
  g_clear_pointer (&request->params, json_object_unref);
  g_free (request);
}

static void
start_request_task (GTask *task)
{
  NorthMcpContext *self = g_task_get_source_object (task);
  OutboundRequest *request = g_task_get_task_data (task);
  const char *capability = north_mcp_context_method_capability (request->method);
  NorthMcpProtocolSettings settings;

  if (self->revision_2026)
    {
      g_task_return_new_error (task, NORTH_MCP_ERROR, NORTH_MCP_ERROR_NOT_SUPPORTED,
                               "Cannot send %s: under protocol revision %s the server asks "
                               "the client through input-required results "
                               "(north_mcp_context_add_input_request())",
                               request->method, self->protocol_version);
      return;
    }

  if (self->session == NULL)
    {
      g_task_return_new_error (task, NORTH_MCP_ERROR, NORTH_MCP_ERROR_NOT_SUPPORTED,
                               "Cannot send %s: stateless HTTP has no session for "
                               "server-to-client requests", request->method);
      return;
    }

  if (capability != NULL && !north_mcp_session_has_client_capability (self->session, capability))
    {
      g_task_return_new_error (task, NORTH_MCP_ERROR, NORTH_MCP_ERROR_NOT_SUPPORTED,
                               "Cannot send %s: the client did not declare the '%s' capability",
                               request->method, capability);
      return;
    }

  north_mcp_protocol_host_get_settings (self->host, &settings);
  /* The request ends with the call that makes it, whatever cancellable
   * the handler gave. */
  north_mcp_session_send_request (self->session, self->channel,
                                  request->method, request->params,
                                  settings.request_timeout,
                                  north_mcp_context_get_cancellable (self), task);
}

static gboolean
start_request_idle (gpointer user_data)
{
  start_request_task (user_data);
  return G_SOURCE_REMOVE;
}

/**
 * north_mcp_context_send_request_async:
 * @self: a context
 * @method: the request's method, such as `sampling/createMessage`
 * @params: (nullable): its parameters
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async) (closure user_data): called with the answer
 * @user_data: data for @callback
 *
 * Sends a request to the client while the request of @self is open, on
 * the request's own stream when the transport can carry it (an SSE
 * response, stdio), else on the session's standalone stream. Fails with
 * %NORTH_MCP_ERROR_NOT_SUPPORTED in stateless HTTP mode or when the client
 * lacks the capability the method needs, with %NORTH_MCP_ERROR_TIMED_OUT
 * when the client does not answer in time (the client is then sent
 * `notifications/cancelled` for it), with %NORTH_MCP_ERROR_REMOTE when
 * it answers with an error, and with %NORTH_MCP_ERROR_CLOSED when the
 * session ends first; over stdio also once the client's input has ended
 * (where its answer would come): a request waiting then fails at once,
 * and so does one sent after. A session has at most 64 requests to its
 * client waiting for their answer (in each process, with a shared state
 * store); beyond that the request fails with
 * %NORTH_MCP_ERROR_LIMIT_EXCEEDED and is not sent. It fails likewise, at
 * once, when it would go out on the request's own SSE answer and what the
 * handler sent there before returning (which waits in memory for the
 * answer to start) is past the server's
 * [property@NorthMcp.Server:max-unsent-bytes]. It fails with
 * %G_IO_ERROR_CANCELLED when @cancellable is cancelled, and likewise when
 * the request of @self is cancelled (its
 * [method@NorthMcp.Context.get_cancellable]), even when @cancellable is
 * %NULL; the client is then sent `notifications/cancelled` for it.
 * @cancellable may be cancelled from any thread: the request ends on the
 * server's main context, on its next iteration.
 */
void
north_mcp_context_send_request_async (NorthMcpContext     *self,
                                      const char          *method,
                                      JsonObject          *params,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  OutboundRequest *request;

  g_return_if_fail (NORTH_MCP_IS_CONTEXT (self));
  g_return_if_fail (method != NULL);

  task = north_mcp_context_task_new_with_current (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, north_mcp_context_send_request_async);

  request = g_new0 (OutboundRequest, 1);
  request->method = g_strdup (method);
  request->params = params != NULL ? json_object_ref (params) : NULL;
  g_task_set_task_data (task, request, (GDestroyNotify) outbound_request_free);

  if (g_main_context_is_owner (self->main_context))
    start_request_task (task);
  else
    g_main_context_invoke_full (self->main_context, G_PRIORITY_DEFAULT,
                                start_request_idle, g_object_ref (task), g_object_unref);
}

/**
 * north_mcp_context_send_request_finish:
 * @self: a context
 * @result: the result given to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@NorthMcp.Context.send_request_async].
 *
 * Returns: (transfer full): the client's `result`
 */
JsonNode *
north_mcp_context_send_request_finish (NorthMcpContext  *self,
                                       GAsyncResult     *result,
                                       GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static JsonObject *
finish_object (NorthMcpContext  *self,
               GAsyncResult     *result,
               const char       *what,
               GError          **error)
{
  g_autoptr(JsonNode) node = north_mcp_context_send_request_finish (self, result, error);

  if (node == NULL)
    return NULL;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_REMOTE,
                   "The client's answer to %s is not an object", what);
      return NULL;
    }

  return json_object_ref (json_node_get_object (node));
}

/**
 * north_mcp_context_sample_async:
 * @self: a context
 * @params: the `sampling/createMessage` parameters (`messages`,
 *   `maxTokens`, …)
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async) (closure user_data): called with the answer
 * @user_data: data for @callback
 *
 * Asks the client's model for a completion (`sampling/createMessage`).
 * Needs the client's `sampling` capability, and `sampling.tools` when
 * @params offers `tools` or `toolChoice`; fails with
 * %NORTH_MCP_ERROR_NOT_SUPPORTED without them.
 */
void
north_mcp_context_sample_async (NorthMcpContext     *self,
                                JsonObject          *params,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (NORTH_MCP_IS_CONTEXT (self));
  g_return_if_fail (params != NULL);

  /* Tool use in sampling (2025-11-25) needs its own capability. */
  if (self->session != NULL && !north_mcp_context_sub_capabilities_allow (self, "sampling/createMessage", params))
    {
      fail_not_supported (self, cancellable, callback, user_data,
                          "Cannot send sampling/createMessage with tools: the client did "
                          "not declare the 'sampling.tools' capability");
      return;
    }

  north_mcp_context_send_request_async (self, "sampling/createMessage", params,
                                        cancellable, callback, user_data);
}

/**
 * north_mcp_context_sample_finish:
 * @self: a context
 * @result: the result given to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@NorthMcp.Context.sample_async].
 *
 * Returns: (transfer full): the `CreateMessageResult` (`role`, `content`,
 *   `model`, …)
 */
JsonObject *
north_mcp_context_sample_finish (NorthMcpContext  *self,
                                 GAsyncResult     *result,
                                 GError          **error)
{
  return finish_object (self, result, "sampling/createMessage", error);
}

/**
 * north_mcp_context_elicit_async:
 * @self: a context
 * @message: what to ask the user
 * @requested_schema: a flat object schema of primitive properties
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async) (closure user_data): called with the answer
 * @user_data: data for @callback
 *
 * Asks the user for information through the client (`elicitation/create`,
 * form mode). Needs the client's `elicitation` capability with form mode
 * (declared as `{}` or with `form`); fails with
 * %NORTH_MCP_ERROR_NOT_SUPPORTED without it.
 */
void
north_mcp_context_elicit_async (NorthMcpContext     *self,
                                const char          *message,
                                JsonObject          *requested_schema,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(JsonObject) params = json_object_new ();

  g_return_if_fail (NORTH_MCP_IS_CONTEXT (self));
  g_return_if_fail (message != NULL);
  g_return_if_fail (requested_schema != NULL);

  json_object_set_string_member (params, "message", message);
  json_object_set_object_member (params, "requestedSchema", json_object_ref (requested_schema));
  /* `elicitation: {}` means forms; a client that lists modes without
   * `form` takes URLs only. */
  if (self->session != NULL && !north_mcp_context_sub_capabilities_allow (self, "elicitation/create", params))
    {
      fail_not_supported (self, cancellable, callback, user_data,
                          "Cannot send elicitation/create in form mode: the client declared "
                          "'elicitation.url' but not 'elicitation.form'");
      return;
    }
  north_mcp_context_send_request_async (self, "elicitation/create", params,
                                        cancellable, callback, user_data);
}

/**
 * north_mcp_context_elicit_finish:
 * @self: a context
 * @result: the result given to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@NorthMcp.Context.elicit_async].
 *
 * Returns: (transfer full): the `ElicitResult` (`action`: `accept`,
 *   `decline` or `cancel`, and `content` when accepted)
 */
JsonObject *
north_mcp_context_elicit_finish (NorthMcpContext  *self,
                                 GAsyncResult     *result,
                                 GError          **error)
{
  return finish_object (self, result, "elicitation/create", error);
}

/**
 * north_mcp_context_elicit_url_async:
 * @self: a context
 * @message: why the user should open @url
 * @url: the URL the user should open, for example to sign in to a third
 *   party; the client shows it and does not fetch it
 * @elicitation_id: an id unique to this elicitation, which the server may
 *   later name in `notifications/elicitation/complete`
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async) (closure user_data): called with the answer
 * @user_data: data for @callback
 *
 * Asks the user, through the client, to open a URL
 * (`elicitation/create` in URL mode, revision 2025-11-25). Needs the
 * client's `elicitation.url` capability; fails with
 * %NORTH_MCP_ERROR_NOT_SUPPORTED without it.
 */
void
north_mcp_context_elicit_url_async (NorthMcpContext     *self,
                                    const char          *message,
                                    const char          *url,
                                    const char          *elicitation_id,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(JsonObject) params = NULL;

  g_return_if_fail (NORTH_MCP_IS_CONTEXT (self));
  g_return_if_fail (message != NULL);
  g_return_if_fail (url != NULL);
  g_return_if_fail (elicitation_id != NULL);

  params = json_object_new ();
  json_object_set_string_member (params, "mode", "url");
  json_object_set_string_member (params, "message", message);
  json_object_set_string_member (params, "url", url);
  json_object_set_string_member (params, "elicitationId", elicitation_id);
  /* A client that declared `elicitation: {}` supports forms only. */
  if (self->session != NULL && !north_mcp_context_sub_capabilities_allow (self, "elicitation/create", params))
    {
      fail_not_supported (self, cancellable, callback, user_data,
                          "Cannot send elicitation/create in URL mode: the client did "
                          "not declare the 'elicitation.url' capability");
      return;
    }
  north_mcp_context_send_request_async (self, "elicitation/create", params,
                                        cancellable, callback, user_data);
}

/**
 * north_mcp_context_elicit_url_finish:
 * @self: a context
 * @result: the result given to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@NorthMcp.Context.elicit_url_async].
 *
 * Returns: (transfer full): the `ElicitResult` (`action`: `accept`,
 *   `decline` or `cancel`; no `content` in URL mode)
 */
JsonObject *
north_mcp_context_elicit_url_finish (NorthMcpContext  *self,
                                     GAsyncResult     *result,
                                     GError          **error)
{
  return finish_object (self, result, "elicitation/create", error);
}

/**
 * north_mcp_context_return_url_elicitation_required:
 * @self: a context
 * @message: why the user should open @url
 * @url: the URL the user should open
 * @elicitation_id: an id unique to this elicitation
 *
 * Answers that the request cannot go on until the user has visited @url
 * (to sign in to a third party, for example), in the way the negotiated
 * protocol revision has for it:
 *
 * - 2026-07-28: an input-required result (as
 *   [method@NorthMcp.Context.return_input_required] sends, with the input
 *   requests added so far) whose `inputRequests` has a URL-mode
 *   `elicitation/create` under the key @elicitation_id (the revision has
 *   no `elicitationId`); the client retries the request with its answer,
 *   which [method@NorthMcp.Context.get_input_response] reads under that
 *   key. Only for `tools/call`, `prompts/get` and `resources/read` (see
 *   [method@NorthMcp.Context.get_supports_input_requests]); other requests
 *   get an error.
 * - 2025-11-25: the `URLElicitationRequiredError` (−32042); the client may
 *   retry the request afterwards. When the interaction completes, the
 *   server may send `notifications/elicitation/complete` with
 *   @elicitation_id ([method@NorthMcp.Session.send_notification]).
 * - Earlier revisions have no URL elicitation: the request fails (a
 *   failed tool result for `tools/call`, else an error) saying so.
 *
 * A client that did not declare the `elicitation.url` capability gets
 * [method@NorthMcp.Context.return_missing_capability]'s answer for it
 * instead (not checked for stateless HTTP of 2025-11-25, where the client
 * declares no capabilities). Check the protocol version and
 * [method@NorthMcp.Context.get_client_capabilities] first to answer such
 * clients in some other way. Safe to call from any thread.
 */
void
north_mcp_context_return_url_elicitation_required (NorthMcpContext *self,
                                                   const char      *message,
                                                   const char      *url,
                                                   const char      *elicitation_id)
{
  g_autoptr(JsonObject) params = json_object_new ();
  g_autoptr(JsonObject) data = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonArray *elicitations;

  g_return_if_fail (NORTH_MCP_IS_CONTEXT (self));
  g_return_if_fail (message != NULL);
  g_return_if_fail (url != NULL);
  g_return_if_fail (elicitation_id != NULL);

  json_object_set_string_member (params, "mode", "url");
  json_object_set_string_member (params, "message", message);
  json_object_set_string_member (params, "url", url);

  if (self->revision_2026)
    {
      /* add_input_request() refuses both a client without elicitation.url
       * and a method that takes no input; only the first is the client's
       * to fix. */
      if (!north_mcp_context_add_input_request (self, elicitation_id, "elicitation/create", params) &&
          north_mcp_context_get_supports_input_requests (self))
        north_mcp_context_return_missing_sub_capability (self, "elicitation", "url");
      else
        north_mcp_context_return_input_required (self, NULL);
      return;
    }

  if (g_strcmp0 (self->protocol_version, "2025-11-25") < 0)
    {
      g_autofree char *text =
        g_strdup_printf ("The request needs the user to open a URL first, which protocol "
                         "revision %s has no way to ask for",
                         self->protocol_version != NULL ? self->protocol_version : "(none)");

      north_mcp_context_return_error_literal (self, NORTH_MCP_ERROR, NORTH_MCP_ERROR_NOT_SUPPORTED, text);
      return;
    }

  if (self->session != NULL && !north_mcp_context_sub_capabilities_allow (self, "elicitation/create", params))
    {
      north_mcp_context_return_missing_sub_capability (self, "elicitation", "url");
      return;
    }

  json_object_set_string_member (params, "elicitationId", elicitation_id);
  elicitations = json_array_new ();
  json_array_add_object_element (elicitations, json_object_ref (params));
  data = json_object_new ();
  json_object_set_array_member (data, "elicitations", elicitations);
  node = north_mcp_node_new_object (data);

  north_mcp_context_return_error_full (self, NORTH_MCP_JSONRPC_ERROR_URL_ELICITATION_REQUIRED,
                                       message, node);
}

gboolean
north_mcp_context_return_url_elicitation_error (NorthMcpContext *self,
                                                const char      *message,
                                                JsonNode        *data)
{
  JsonNode *elicitations;
  JsonNode *first;
  JsonObject *elicitation;
  const char *url;
  const char *elicitation_id;
  const char *text;

  if (!self->revision_2026 && g_strcmp0 (self->protocol_version, "2025-11-25") >= 0)
    return FALSE;

  /* The first elicitation of a URLElicitationRequiredError's data. */
  elicitations = north_mcp_object_get_node (data != NULL && JSON_NODE_HOLDS_OBJECT (data)
                                            ? json_node_get_object (data) : NULL,
                                            "elicitations", JSON_NODE_ARRAY);
  first = elicitations != NULL && json_array_get_length (json_node_get_array (elicitations)) > 0
          ? json_array_get_element (json_node_get_array (elicitations), 0) : NULL;
  elicitation = first != NULL && JSON_NODE_HOLDS_OBJECT (first) ? json_node_get_object (first) : NULL;
  url = north_mcp_object_get_string (elicitation, "url");
  elicitation_id = north_mcp_object_get_string (elicitation, "elicitationId");
  text = north_mcp_object_get_string (elicitation, "message");
  if (url == NULL || elicitation_id == NULL)
    {
      north_mcp_context_return_error_full (self, NORTH_MCP_JSONRPC_ERROR_INTERNAL_ERROR, message, NULL);
      return TRUE;
    }

  north_mcp_context_return_url_elicitation_required (self, text != NULL ? text : message,
                                                     url, elicitation_id);
  return TRUE;
}

/**
 * north_mcp_context_list_roots_async:
 * @self: a context
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async) (closure user_data): called with the answer
 * @user_data: data for @callback
 *
 * Asks the client for its roots (`roots/list`). Needs the client's `roots`
 * capability.
 */
void
north_mcp_context_list_roots_async (NorthMcpContext     *self,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  north_mcp_context_send_request_async (self, "roots/list", NULL,
                                        cancellable, callback, user_data);
}

/**
 * north_mcp_context_list_roots_finish:
 * @self: a context
 * @result: the result given to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@NorthMcp.Context.list_roots_async].
 *
 * Returns: (transfer full): the roots (objects with `uri` and `name`)
 */
JsonArray *
north_mcp_context_list_roots_finish (NorthMcpContext  *self,
                                     GAsyncResult     *result,
                                     GError          **error)
{
  g_autoptr(JsonObject) object = finish_object (self, result, "roots/list", error);
  JsonNode *roots;

  if (object == NULL)
    return NULL;

  roots = json_object_get_member (object, "roots");
  if (roots == NULL || !JSON_NODE_HOLDS_ARRAY (roots))
    {
      g_set_error_literal (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_REMOTE,
                           "The client's answer to roots/list has no roots array");
      return NULL;
    }

  return json_array_ref (json_node_get_array (roots));
}

/* The parent request's cancellable cancelling a read's, for as long as
 * the read runs. */
typedef struct
{
  GCancellable *parent;
  gulong        handler_id;
} CancelLink;

static void
cancel_link_cb (GCancellable *parent,
                GCancellable *child)
{
  g_cancellable_cancel (child);
}

static void
cancel_link_unref_child (gpointer  child,
                         GClosure *closure)
{
  g_object_unref (child);
}

/* A plain signal handler, not g_cancellable_connect(): the read may end
 * (and so unlink) inside the parent's "cancelled" emission, where
 * g_cancellable_disconnect() would wait for that emission forever. */
static void
cancel_link_free (CancelLink *link)
{
  g_signal_handler_disconnect (link->parent, link->handler_id);
  g_object_unref (link->parent);
  g_free (link);
}

static CancelLink *
cancel_link_new (GCancellable *parent,
                 GCancellable *child)
{
  CancelLink *link = g_new (CancelLink, 1);

  link->parent = g_object_ref (parent);
  link->handler_id = g_signal_connect_data (parent, "cancelled", G_CALLBACK (cancel_link_cb),
                                            g_object_ref (child), cancel_link_unref_child, 0);
  /* Cancelled before the link was made. */
  if (g_cancellable_is_cancelled (parent))
    g_cancellable_cancel (child);
  return link;
}

/**
 * north_mcp_context_read_resource_async:
 * @self: a context
 * @uri: the URI of one of the server's resources, or one a resource
 *   template of the server matches
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async) (closure user_data): called with the contents
 * @user_data: data for @callback
 *
 * Reads a resource of the server that received @self, as a `resources/read`
 * from the same user would: the resource's or template's handler runs
 * with a context of its own, for the same North user, whose cancellable
 * is cancelled when @self's is (the client cancelling the request cancels
 * the read too) or when @cancellable is (the caller gave up on the read);
 * the read then fails with %G_IO_ERROR_CANCELLED once the handler has
 * ended. FastMCP's `ctx.read_resource()`. Call it from the server's main context (where
 * handlers run). The callback runs with @self current (see
 * [func@NorthMcp.Context.get_current]).
 *
 * Since: 0.2
 */
void
north_mcp_context_read_resource_async (NorthMcpContext     *self,
                                       const char          *uri,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(NorthMcpChannel) channel = NULL;
  g_autoptr(NorthMcpContext) reader = NULL;
  g_autoptr(JsonObject) params = json_object_new ();
  g_autoptr(JsonNode) id = json_node_new (JSON_NODE_VALUE);
  NorthMcpRequestInfo request;
  gpointer previous;

  g_return_if_fail (NORTH_MCP_IS_CONTEXT (self));
  g_return_if_fail (uri != NULL);

  task = north_mcp_context_task_new_with_current (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, north_mcp_context_read_resource_async);

  /* The reader answers into @channel, which completes @task. */
  channel = north_mcp_capture_channel_new (task, "contents");
  json_node_set_string (id, "north-mcp-read-resource");
  json_object_set_string_member (params, "uri", uri);
  request = (NorthMcpRequestInfo) { self->host, NULL, self->user, channel, id, "resources/read", params,
                                   self->protocol_version };
  reader = north_mcp_context_new (&request);
  /* The read is a step of this request: the same North context, and a
   * child span of this request's span rather than a trace of its own. */
  g_clear_pointer (&reader->request_headers, soup_message_headers_unref);
  g_clear_pointer (&reader->north_context, g_hash_table_unref);
  reader->north_context = g_hash_table_ref (north_mcp_context_get_north_context (self));
  g_clear_pointer (&reader->span, north_mcp_span_data_unref);
  if (self->span != NULL)
    {
      reader->span = north_mcp_trace_start_child_data (self->span, "resources/read");
      north_mcp_span_data_set_string (reader->span, "mcp.method.name", "resources/read");
      north_mcp_span_data_set_string (reader->span, "mcp.resource.uri", uri);
    }

  g_object_set_data_full (G_OBJECT (task), "north-mcp-cancel-link",
                          cancel_link_new (north_mcp_context_get_cancellable (self),
                                           north_mcp_context_get_cancellable (reader)),
                          (GDestroyNotify) cancel_link_free);
  /* Unlinked, a read whose caller gave up ran its handler on for nobody,
   * as long as the handler liked. */
  if (cancellable != NULL && cancellable != north_mcp_context_get_cancellable (self))
    g_object_set_data_full (G_OBJECT (task), "north-mcp-caller-cancel-link",
                            cancel_link_new (cancellable, north_mcp_context_get_cancellable (reader)),
                            (GDestroyNotify) cancel_link_free);

  /* The handler may run now, in this thread: keep the caller's current
   * context around it. */
  previous = north_mcp_context_save_current ();
  north_mcp_dispatch_resources_read (self->host, reader);
  north_mcp_context_restore_current (previous);
}

/**
 * north_mcp_context_read_resource_finish:
 * @self: a context
 * @result: the result given to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@NorthMcp.Context.read_resource_async]. Fails with
 * %NORTH_MCP_ERROR_INVALID_ARGUMENT when no resource has the URI, with the
 * handler's error otherwise.
 *
 * Returns: (transfer full): the `contents` of the `resources/read` result:
 *   objects with `uri`, `mimeType` and `text` or `blob`
 *
 * Since: 0.2
 */
JsonArray *
north_mcp_context_read_resource_finish (NorthMcpContext  *self,
                                        GAsyncResult     *result,
                                        GError          **error)
{
  g_autoptr(JsonNode) node = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  node = g_task_propagate_pointer (G_TASK (result), error);
  if (node == NULL)
    return NULL;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error_literal (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED,
                           "The resource's contents are not an array");
      return NULL;
    }

  return json_array_ref (json_node_get_array (node));
}
