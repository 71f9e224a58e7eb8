/* north-mcp-context.c: one request as its handler sees it
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-context-impl-private.h"
#include "north-mcp-tool-result-private.h"
#include "north-mcp-tool-private.h"
#include "north-mcp-error.h"
#include "north-mcp-jsonrpc-private.h"
#include "north-mcp-log-private.h"
#include "north-mcp-revision-2026-private.h"
#include "north-mcp-session-private.h"
#include "north-mcp-user.h"
#include "north-mcp-util-private.h"
#include "north-mcp-log-throttle-private.h"
#include "north-mcp-request-scope-private.h"
#include "north-mcp-tracer-private.h"

/**
 * NorthMcpContext:
 *
 * One request, as its handler sees it: the arguments, the session and the
 * authenticated North user, and the means to answer — a result or an error,
 * progress and log notifications, and requests to the client (sampling,
 * elicitation, roots) while the request is open.
 *
 * A handler completes the context exactly once, with
 * [method@NorthMcp.Context.return_tool_result],
 * [method@NorthMcp.Context.return_result] or
 * [method@NorthMcp.Context.return_error], from any thread. A handler that
 * answers later keeps a reference; a context dropped without an answer answers
 * with an internal error, so a request never hangs.
 *
 * When the client cancels the request, or hangs up while its answer can
 * no longer reach it (no stream it may resume), the context's cancellable
 * is cancelled and whatever the handler returns afterwards is not sent.
 */
G_DEFINE_FINAL_TYPE (NorthMcpContext, north_mcp_context, G_TYPE_OBJECT)


/* What a handler's thread asks of the server's main context: channels
 * and sessions are only touched there. */
typedef void (*ContextCall) (NorthMcpContext *self, JsonNode *message);

typedef struct
{
  NorthMcpContext *context;
  ContextCall      func;
  JsonNode        *message;
  GString         *response_text; /* instead of func: send this answer */
} Invocation;

static void finish_request_text (NorthMcpContext *self,
                                 GString         *text);

static void
invocation_free (Invocation *invocation)
{
  g_clear_object (&invocation->context);
  g_clear_pointer (&invocation->message, json_node_unref);
  if (invocation->response_text != NULL)
    g_string_free (invocation->response_text, TRUE);
  g_free (invocation);
}

static void
invocation_call (Invocation *invocation)
{
  if (invocation->response_text != NULL)
    finish_request_text (invocation->context, g_steal_pointer (&invocation->response_text));
  else
    invocation->func (invocation->context, invocation->message);
}

static gboolean
invocation_run (gpointer user_data)
{
  invocation_call (user_data);
  return G_SOURCE_REMOVE;
}

/* Calls @func with @message, or sends @response_text (taken) as the
 * answer, on the server's main context: now if this thread owns it, else
 * later. */
static void
run_on_main_context (NorthMcpContext *self,
                     ContextCall      func,
                     JsonNode        *message,
                     GString         *response_text)
{
  Invocation *invocation;

  if (g_main_context_is_owner (self->main_context))
    {
      Invocation now = { self, func, message, response_text };

      invocation_call (&now);
      return;
    }

  invocation = g_new0 (Invocation, 1);
  invocation->context = g_object_ref (self);
  invocation->func = func;
  invocation->message = message != NULL ? json_node_ref (message) : NULL;
  invocation->response_text = response_text;
  g_main_context_invoke_full (self->main_context, G_PRIORITY_DEFAULT,
                              invocation_run, invocation,
                              (GDestroyNotify) invocation_free);
}

/* Sends @message on the request's stream if it can carry it, else on the
 * session's standalone stream; drops it when neither can. */
static void
send_related (NorthMcpContext *self,
              JsonNode        *message)
{
  NorthMcpChannel *channel = self->channel;

  if (!north_mcp_channel_can_stream (channel))
    channel = self->session != NULL ? north_mcp_session_get_standalone_channel (self->session) : NULL;

  if (channel != NULL)
    north_mcp_channel_send (channel, message);
}

static gboolean
is_cancelled (NorthMcpContext *self)
{
  GCancellable *cancellable = g_atomic_pointer_get (&self->cancellable);

  return cancellable != NULL && g_cancellable_is_cancelled (cancellable);
}

/* Whether the answer goes out: a cancelled request is not answered, and
 * the channel learns that no answer comes (an HTTP POST would otherwise
 * wait for it). */
static gboolean
end_request (NorthMcpContext *self)
{
  if (self->session != NULL)
    {
      north_mcp_session_remove_in_flight (self->session, self->id, self->cancellable);
      /* The session's idle time starts with its last answer. */
      north_mcp_session_touch (self->session);
    }
  if (self->tracking_session != NULL)
    north_mcp_session_remove_in_flight (self->tracking_session, self->id, self->cancellable);

  if (!is_cancelled (self))
    return TRUE;

  north_mcp_channel_skip_response (self->channel, self->id);
  return FALSE;
}

/* request-finished for an announced request: @response is what was
 * sent (NULL: a result or nothing), @sent whether anything was. */
static void
announce_finished (NorthMcpContext *self,
                   JsonNode        *response,
                   gboolean         sent)
{
  g_autoptr(GError) error = NULL;
  JsonObject *object;

  if (self->running)
    {
      self->running = FALSE;
      self->host_iface->count_request (self->host, FALSE);
    }
  if (!self->announced)
    return;
  self->announced = FALSE;

  object = response != NULL && JSON_NODE_HOLDS_OBJECT (response)
           ? north_mcp_object_get_object (json_node_get_object (response), "error") : NULL;
  if (!sent)
    error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "The request ended without an answer");
  else if (object != NULL)
    {
      const char *message = north_mcp_object_get_string (object, "message");

      error = g_error_new_literal (NORTH_MCP_JSONRPC_ERROR,
                                   json_object_get_int_member_with_default (object, "code",
                                                                            NORTH_MCP_JSONRPC_ERROR_INTERNAL_ERROR),
                                   message != NULL ? message : "");
    }
  north_mcp_protocol_host_request_finished (self->host, self, error);
}

static void
finish_request (NorthMcpContext *self,
                JsonNode        *response)
{
  gboolean sent;

  if (self->span != NULL)
    north_mcp_trace_request_end (self->span, response);
  sent = end_request (self);
  if (sent && response != NULL)
    north_mcp_channel_send (self->channel, response);
  else if (sent)
    north_mcp_channel_skip_response (self->channel, self->id);
  announce_finished (self, response, sent && response != NULL);
}

static void
finish_request_text (NorthMcpContext *self,
                     GString         *text)
{
  gboolean sent;

  if (self->span != NULL)
    north_mcp_trace_request_end (self->span, NULL);
  sent = end_request (self);
  /* Only results are sent as text. */
  if (sent)
    north_mcp_channel_send_response_text (self->channel, text);
  else
    g_string_free (text, TRUE);
  announce_finished (self, NULL, sent);
}

static gboolean
mark_completed (NorthMcpContext *self)
{
  if (!g_atomic_int_compare_and_exchange (&self->completed, FALSE, TRUE))
    {
      g_critical ("The %s request was answered twice; only the first answer counts",
                  self->method);
      return FALSE;
    }

  return TRUE;
}

static void
north_mcp_context_dispose (GObject *object)
{
  NorthMcpContext *self = NORTH_MCP_CONTEXT (object);

  /* Dropped without an answer: answer for the handler so that the client
   * does not wait forever. */
  if (g_atomic_int_compare_and_exchange (&self->completed, FALSE, TRUE) && self->channel != NULL)
    {
      g_autoptr(JsonNode) response =
        north_mcp_jsonrpc_error_new (self->id, NORTH_MCP_JSONRPC_ERROR_INTERNAL_ERROR,
                                     "Internal error: the handler finished without answering",
                                     NULL);

      /* A bug of the application, but any client can call the handler
       * as often as it likes: throttled (and tests can expect it). */
      NORTH_MCP_LOG_THROTTLED (G_LOG_LEVEL_WARNING,
                               "The %s handler dropped its request without answering", self->method);
      if (g_main_context_is_owner (self->main_context))
        finish_request (self, response);
      else
        {
          /* The object is going away: hand what the send needs to an
           * object that stays. */
          NorthMcpContext *stand_in = g_object_new (NORTH_MCP_TYPE_CONTEXT, NULL);

          stand_in->completed = TRUE;
          /* It finishes the request for whoever watches it. */
          stand_in->announced = self->announced;
          self->announced = FALSE;
          stand_in->running = self->running;
          self->running = FALSE;
          stand_in->host = self->host != NULL ? g_object_ref (self->host) : NULL;
          stand_in->host_iface = self->host_iface;
          stand_in->user = self->user != NULL ? g_object_ref (self->user) : NULL;
          stand_in->method = g_strdup (self->method);
          stand_in->params = self->params != NULL ? json_object_ref (self->params) : NULL;
          stand_in->protocol_version = g_strdup (self->protocol_version);
          stand_in->channel = g_object_ref (self->channel);
          stand_in->session = self->session != NULL ? g_object_ref (self->session) : NULL;
          stand_in->tracking_session = self->tracking_session != NULL
                                       ? g_object_ref (self->tracking_session) : NULL;
          stand_in->id = json_node_ref (self->id);
          stand_in->main_context = g_main_context_ref (self->main_context);
          stand_in->cancellable = self->cancellable != NULL ? g_object_ref (self->cancellable) : NULL;
          stand_in->span = g_steal_pointer (&self->span);
          run_on_main_context (stand_in, finish_request, response, NULL);
          g_object_unref (stand_in);
        }
    }

  if (self->channel_cancelled_id != 0)
    {
      g_cancellable_disconnect (north_mcp_channel_get_cancellable (self->channel),
                                self->channel_cancelled_id);
      self->channel_cancelled_id = 0;
    }
  g_clear_object (&self->channel);
  g_clear_object (&self->session);
  g_clear_object (&self->tracking_session);
  g_clear_object (&self->user);
  g_clear_object (&self->host);
  g_clear_object (&self->feature);
  /* Answered, or dropped without a channel: the span ends with the
   * context (ending twice does nothing); a stand-in above took it. */
  if (self->span != NULL)
    north_mcp_span_data_end (self->span);
  g_clear_pointer (&self->span, north_mcp_span_data_unref);
  g_clear_object (&self->span_object);

  G_OBJECT_CLASS (north_mcp_context_parent_class)->dispose (object);
}

static void
north_mcp_context_finalize (GObject *object)
{
  NorthMcpContext *self = NORTH_MCP_CONTEXT (object);

  g_clear_pointer (&self->main_context, g_main_context_unref);
  g_clear_pointer (&self->id, json_node_unref);
  g_free (self->method);
  g_clear_pointer (&self->params, json_object_unref);
  g_free (self->protocol_version);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->progress_token, json_node_unref);
  g_clear_pointer (&self->client_capabilities, json_object_unref);
  g_free (self->request_state);
  g_clear_pointer (&self->input_requests, json_object_unref);
  g_clear_pointer (&self->north_context, g_hash_table_unref);
  g_clear_pointer (&self->request_headers, soup_message_headers_unref);

  G_OBJECT_CLASS (north_mcp_context_parent_class)->finalize (object);
}

static void
north_mcp_context_class_init (NorthMcpContextClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = north_mcp_context_dispose;
  object_class->finalize = north_mcp_context_finalize;

  /* Debug lines written inside a request name its trace and span. */
  north_mcp_log_set_trace_func (north_mcp_context_current_trace);
}

static void
north_mcp_context_init (NorthMcpContext *self)
{
  self->last_progress = -G_MAXDOUBLE;
  self->log_level = -1;
}

static void
context_fill (NorthMcpContext           *self,
              const NorthMcpRequestInfo *request)
{
  self->host = g_object_ref (request->host);
  self->host_iface = NORTH_MCP_PROTOCOL_HOST_GET_IFACE (request->host);
  self->session = request->session != NULL ? g_object_ref (request->session) : NULL;
  self->user = request->user != NULL ? g_object_ref (request->user) : NULL;
  self->channel = g_object_ref (request->channel);
  self->main_context = g_main_context_ref (self->host_iface->get_main_context (request->host));
  self->id = json_node_copy (request->id);
  self->method = g_strdup (request->method);
  self->params = request->params != NULL ? json_object_ref (request->params) : json_object_new ();
  self->protocol_version = g_strdup (request->protocol_version);
}

/* The request's cancellable, made on first use: most requests never need
 * one (stateless calls nobody cancels); handlers may ask from any thread. */
static GCancellable *
ensure_cancellable (NorthMcpContext *self)
{
  if (g_atomic_pointer_get (&self->cancellable) == NULL)
    {
      GCancellable *cancellable = g_cancellable_new ();

      if (!g_atomic_pointer_compare_and_exchange (&self->cancellable, NULL, cancellable))
        g_object_unref (cancellable);
    }

  return self->cancellable;
}

static void
channel_cancelled_cb (GCancellable *channel_cancellable,
                      GCancellable *cancellable)
{
  g_cancellable_cancel (cancellable);
}

/* A channel closes when its client is gone and nothing sent on it can
 * arrive any more (a stream that may be resumed does not close): the
 * answer is for nobody, so the request is cancelled. Linked on the main
 * context, where the channel lives, once something watches the
 * cancellable: most requests never do, and linking every one cost about
 * 8,000 instructions per request. */
static void
link_to_channel (NorthMcpContext *self,
                 JsonNode        *unused)
{
  if (self->channel == NULL)
    return;
  self->channel_cancelled_id =
    g_cancellable_connect (north_mcp_channel_get_cancellable (self->channel),
                           G_CALLBACK (channel_cancelled_cb),
                           g_object_ref (self->cancellable),
                           g_object_unref);
}

NorthMcpContext *
north_mcp_context_new (const NorthMcpRequestInfo *request)
{
  NorthMcpContext *self = g_object_new (NORTH_MCP_TYPE_CONTEXT, NULL);
  JsonObject *meta;

  context_fill (self, request);
  /* Kept, not read: most handlers never ask for the North context. */
  self->request_headers = north_mcp_request_scope_get_headers ();
  if (self->request_headers != NULL)
    soup_message_headers_ref (self->request_headers);
  /* Tracing off (the common case) costs this one check. */
  if (G_UNLIKELY (north_mcp_trace_request_may_begin ()))
    {
      NorthMcpTraceRequest traced = {
        .headers = self->request_headers,
        .session_digest = request->session != NULL ? north_mcp_session_get_trace_digest (request->session) : NULL,
        .id = request->id,
        .method = request->method,
        .params = self->params,
        .protocol_version = request->protocol_version,
        .traceparent = request->traceparent,
        .tracestate = request->tracestate,
        .internal = request->internal,
      };

      self->span = north_mcp_trace_request_begin (north_mcp_protocol_host_get_tracer (request->host),
                                                  north_mcp_protocol_host_get_debug (request->host), &traced);
    }
  meta = north_mcp_object_get_object (self->params, "_meta");
  if (meta != NULL &&
      north_mcp_jsonrpc_progress_token_is_valid (json_object_get_member (meta, "progressToken")))
    self->progress_token = json_node_copy (json_object_get_member (meta, "progressToken"));

  if (request->session != NULL)
    north_mcp_session_add_in_flight (request->session, request->id, ensure_cancellable (self));

  return self;
}

/* Switches @self to the rules of the 2026-07-28 revision: capabilities,
 * log level and client info come from the request's `_meta` (already
 * validated), not from a session; results go through the 2026-07-28
 * result filter. Takes @request_state, the verified state of a retry. */
void
north_mcp_context_set_revision_2026 (NorthMcpContext *self,
                                     char            *request_state)
{
  JsonObject *meta = north_mcp_object_get_object (self->params, "_meta");
  JsonObject *capabilities = north_mcp_object_get_object (meta, NORTH_MCP_META_CLIENT_CAPABILITIES);

  self->revision_2026 = TRUE;
  self->tracking_session = g_steal_pointer (&self->session);
  self->client_capabilities = capabilities != NULL ? json_object_ref (capabilities) : json_object_new ();
  self->log_level = north_mcp_log_level_from_string (north_mcp_object_get_string (meta, NORTH_MCP_META_LOG_LEVEL));
  self->request_state = request_state;
  self->filter = north_mcp_revision_2026_filter_result;
}

gboolean
north_mcp_context_get_revision_2026 (NorthMcpContext *self)
{
  return self->revision_2026;
}

NorthMcpSession *
north_mcp_context_get_tracking_session (NorthMcpContext *self)
{
  return self->tracking_session;
}

gboolean
north_mcp_context_get_cache_hint_override (NorthMcpContext    *self,
                                           guint              *ttl_ms,
                                           NorthMcpCacheScope *scope)
{
  if (!self->has_cache_hint)
    return FALSE;

  *ttl_ms = self->cache_ttl_ms;
  *scope = self->cache_scope;
  return TRUE;
}

/* The request ends without an answer (a listen stream the client closed). */
void
north_mcp_context_abandon (NorthMcpContext *self)
{
  g_atomic_int_set (&self->completed, TRUE);
  if (self->tracking_session != NULL)
    north_mcp_session_remove_in_flight (self->tracking_session, self->id, self->cancellable);
  announce_finished (self, NULL, FALSE);
}

void
north_mcp_context_announce (NorthMcpContext *self)
{
  self->running = TRUE;
  self->host_iface->count_request (self->host, TRUE);
  if (!self->host_iface->watches_requests (self->host))
    return;

  self->announced = TRUE;
  north_mcp_protocol_host_request_started (self->host, self);
}

void
north_mcp_context_refuse (const NorthMcpRequestInfo *request,
                          JsonNode                  *response)
{
  /* Only what the signal handlers can read: no span, not in flight. */
  g_autoptr(NorthMcpContext) self = g_object_new (NORTH_MCP_TYPE_CONTEXT, NULL);

  context_fill (self, request);
  self->announced = TRUE;
  north_mcp_protocol_host_request_started (self->host, self);
  self->completed = TRUE;
  north_mcp_channel_send (self->channel, response);
  announce_finished (self, response, TRUE);
}

void
north_mcp_context_set_result_filter (NorthMcpContext      *self,
                                     NorthMcpResultFilter  filter)
{
  self->filter = filter;
}

NorthMcpChannel *
north_mcp_context_get_channel (NorthMcpContext *self)
{
  return self->channel;
}

NorthMcpProtocolHost *
north_mcp_context_get_host (NorthMcpContext *self)
{
  return self->host;
}


/**
 * north_mcp_context_get_server:
 * @self: a context
 *
 * Gets the server that received the request.
 *
 * Returns: (transfer none): the server
 */
NorthMcpServer *
north_mcp_context_get_server (NorthMcpContext *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_CONTEXT (self), NULL);

  return self->host != NULL ? north_mcp_protocol_host_get_server (self->host) : NULL;
}

/**
 * north_mcp_context_get_session:
 * @self: a context
 *
 * Gets the session the request belongs to.
 *
 * Returns: (transfer none) (nullable): the session, or %NULL in stateless
 *   HTTP mode
 */
NorthMcpSession *
north_mcp_context_get_session (NorthMcpContext *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_CONTEXT (self), NULL);

  return self->session;
}

/**
 * north_mcp_context_get_user:
 * @self: a context
 *
 * Gets the North user the request acts for.
 *
 * In a round of a task (see [property@NorthMcp.Tool:task-support]), the
 * identity is the `tools/call`'s, with the credentials (connector and ID
 * tokens) of the request that started the round: a later round gets
 * those of the `tasks/update` that brought its answers to this server,
 * which may be fresher than the `tools/call`'s. Credentials that name no
 * one (an ID token with neither `sub` nor `email`, and no e-mail sent
 * alongside) are no identity: their rounds keep the `tools/call`'s.
 *
 * Returns: (transfer none) (nullable): the user, or %NULL when the request
 *   carried no North credentials (and always over stdio)
 */
NorthMcpUser *
north_mcp_context_get_user (NorthMcpContext *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_CONTEXT (self), NULL);

  return self->user;
}

/**
 * north_mcp_context_get_method:
 * @self: a context
 *
 * Gets the request's method, such as `tools/call`.
 *
 * Returns: the method
 */
const char *
north_mcp_context_get_method (NorthMcpContext *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_CONTEXT (self), NULL);

  return self->method;
}

/**
 * north_mcp_context_get_request_id:
 * @self: a context
 *
 * Gets the request's JSON-RPC id (a string or an integer).
 *
 * Returns: (transfer none): the id
 */
JsonNode *
north_mcp_context_get_request_id (NorthMcpContext *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_CONTEXT (self), NULL);

  return self->id;
}

/**
 * north_mcp_context_get_params:
 * @self: a context
 *
 * Gets the request's parameters.
 *
 * Returns: (transfer none): the `params` object (empty when absent)
 */
JsonObject *
north_mcp_context_get_params (NorthMcpContext *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_CONTEXT (self), NULL);

  return self->params;
}

/**
 * north_mcp_context_get_meta:
 * @self: a context
 *
 * Gets the request's `_meta` object.
 *
 * Returns: (transfer none) (nullable): the `_meta` object
 */
JsonObject *
north_mcp_context_get_meta (NorthMcpContext *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_CONTEXT (self), NULL);

  return north_mcp_object_get_object (self->params, "_meta");
}

/**
 * north_mcp_context_get_protocol_version:
 * @self: a context
 *
 * Gets the protocol revision the request was made under.
 *
 * Returns: (nullable): the revision, such as `2025-11-25`
 */
const char *
north_mcp_context_get_protocol_version (NorthMcpContext *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_CONTEXT (self), NULL);

  return self->protocol_version;
}

/**
 * north_mcp_context_get_cancellable:
 * @self: a context
 *
 * Gets the cancellable that is cancelled when the client cancels the
 * request or its session ends (for a task: `tasks/cancel`, the server's
 * stop, or, with a shared state store, the loss of the lease of the
 * replica that runs it). Pass it to whatever the handler waits for.
 *
 * Returns: (transfer none): the cancellable
 */
GCancellable *
north_mcp_context_get_cancellable (NorthMcpContext *self)
{
  GCancellable *cancellable;

  g_return_val_if_fail (NORTH_MCP_IS_CONTEXT (self), NULL);

  cancellable = ensure_cancellable (self);
  if (g_atomic_int_compare_and_exchange (&self->channel_linked, FALSE, TRUE))
    run_on_main_context (self, link_to_channel, NULL, NULL);
  return cancellable;
}

/**
 * north_mcp_context_is_completed:
 * @self: a context
 *
 * Gets whether the request has been answered.
 *
 * Returns: %TRUE once answered
 */
gboolean
north_mcp_context_is_completed (NorthMcpContext *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_CONTEXT (self), TRUE);

  return g_atomic_int_get (&self->completed);
}

/**
 * north_mcp_context_report_progress:
 * @self: a context
 * @progress: the progress so far; must increase from one call to the next
 * @total: the total, or a negative number when unknown
 * @message: (nullable): what is happening
 *
 * Sends `notifications/progress` for the request, if the client asked for
 * progress (a `progressToken` in the request's `_meta`: a string of at most
 * 256 bytes or an integer; a request with another gets none, since each
 * notification repeats it) and the transport can carry it. Safe to call
 * from any thread.
 */
void
north_mcp_context_report_progress (NorthMcpContext *self,
                                   double           progress,
                                   double           total,
                                   const char      *message)
{
  g_autoptr(JsonObject) params = NULL;
  g_autoptr(JsonNode) notification = NULL;

  g_return_if_fail (NORTH_MCP_IS_CONTEXT (self));

  if (self->progress_token == NULL || north_mcp_context_is_completed (self))
    return;

  /* The protocol requires progress to increase: drop what would not. */
  if (progress <= self->last_progress)
    return;
  self->last_progress = progress;

  params = json_object_new ();
  json_object_set_member (params, "progressToken", json_node_copy (self->progress_token));
  json_object_set_double_member (params, "progress", progress);
  if (total >= 0)
    json_object_set_double_member (params, "total", total);
  if (message != NULL)
    json_object_set_string_member (params, "message", message);

  notification = north_mcp_jsonrpc_notification_new ("notifications/progress", params);
  run_on_main_context (self, send_related, notification, NULL);
}

/**
 * north_mcp_context_log:
 * @self: a context
 * @level: the severity
 * @logger: (nullable): the logger's name
 * @data: any JSON value to log
 *
 * Sends `notifications/message` to the client if @level is at or above
 * the level the client set with `logging/setLevel`. Safe to call from any
 * thread.
 */
void
north_mcp_context_log (NorthMcpContext  *self,
                       NorthMcpLogLevel  level,
                       const char       *logger,
                       JsonNode         *data)
{
  g_autoptr(JsonObject) params = NULL;
  g_autoptr(JsonNode) notification = NULL;

  g_return_if_fail (NORTH_MCP_IS_CONTEXT (self));
  g_return_if_fail (level <= NORTH_MCP_LOG_LEVEL_EMERGENCY);
  g_return_if_fail (data != NULL);

  /* 2026-07-28 requests get log messages only when they ask, at their
   * level. */
  if (self->revision_2026 && (self->log_level < 0 || (int) level < self->log_level))
    return;
  if (self->session != NULL && level < north_mcp_session_get_log_level (self->session))
    return;

  params = north_mcp_log_message_params_new (level, logger, data);
  notification = north_mcp_jsonrpc_notification_new ("notifications/message", params);
  run_on_main_context (self, send_related, notification, NULL);
}

/**
 * north_mcp_context_log_message:
 * @self: a context
 * @level: the severity
 * @logger: (nullable): the logger's name
 * @message: the text to log
 *
 * Like [method@NorthMcp.Context.log] with a string as data.
 */
void
north_mcp_context_log_message (NorthMcpContext  *self,
                               NorthMcpLogLevel  level,
                               const char       *logger,
                               const char       *message)
{
  g_autoptr(JsonNode) data = NULL;

  g_return_if_fail (message != NULL);

  data = json_node_init_string (json_node_alloc (), message);
  north_mcp_context_log (self, level, logger, data);
}

static void
send_result (NorthMcpContext *self,
             JsonNode        *result)
{
  g_autoptr(JsonNode) filtered = NULL;
  g_autoptr(JsonNode) response = NULL;

  if (self->filter != NULL)
    filtered = self->filter (self, result);

  response = north_mcp_jsonrpc_result_new (self->id, filtered != NULL ? filtered : result);
  finish_request (self, response);
}

/**
 * north_mcp_context_return_result:
 * @self: a context
 * @result: the JSON-RPC result object
 *
 * Answers the request with @result. Safe to call from any thread.
 */
void
north_mcp_context_return_result (NorthMcpContext *self,
                                 JsonNode        *result)
{
  g_return_if_fail (NORTH_MCP_IS_CONTEXT (self));
  g_return_if_fail (result != NULL);

  if (!mark_completed (self))
    return;

  run_on_main_context (self, send_result, result, NULL);
}

void
north_mcp_context_set_feature (NorthMcpContext *self,
                               NorthMcpFeature *feature)
{
  g_set_object (&self->feature, feature);
  if (self->span != NULL)
    north_mcp_trace_request_confirm_target (self->span);
}

/* The tool whose output schema the results are checked against, or NULL. */
static NorthMcpTool *
get_output_tool (NorthMcpContext *self)
{
  if (self->feature == NULL || !NORTH_MCP_IS_TOOL (self->feature) ||
      !north_mcp_tool_has_output_schema (NORTH_MCP_TOOL (self->feature)))
    return NULL;

  return NORTH_MCP_TOOL (self->feature);
}

/* The error result that replaces a result not matching the tool's output
 * schema, or NULL when it matches. */
/* The text of an error result, for spans that record error details. */
static const char *
first_text (NorthMcpToolResult *result)
{
  JsonArray *content = north_mcp_tool_result_get_content (result);

  for (guint i = 0; content != NULL && i < json_array_get_length (content); i++)
    {
      JsonObject *item = json_array_get_object_element (content, i);
      JsonNode *text = item != NULL ? json_object_get_member (item, "text") : NULL;

      if (text != NULL && JSON_NODE_HOLDS_VALUE (text) && json_node_get_value_type (text) == G_TYPE_STRING)
        return json_node_get_string (text);
    }
  return NULL;
}

static NorthMcpToolResult *
check_output (NorthMcpTool       *tool,
              NorthMcpToolResult *result)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  if (north_mcp_tool_check_result (tool, result, &error))
    return NULL;

  /* The tool's author has a bug to fix: say so where they look, but not
   * once per call of any client (tests can expect it). */
  NORTH_MCP_LOG_THROTTLED (G_LOG_LEVEL_MESSAGE,
                           "Tool '%s' returned a result that does not match its output schema: %s",
                           north_mcp_feature_get_name (NORTH_MCP_FEATURE (tool)), error->message);
  message = g_strdup_printf ("Output validation error: %s", error->message);
  return north_mcp_tool_result_new_error (message);
}

/**
 * north_mcp_context_return_tool_result:
 * @self: a context
 * @result: the tool's result
 *
 * Answers a `tools/call` request. Safe to call from any thread.
 *
 * When the tool has an output schema, a successful @result must carry
 * structured content that matches it; otherwise the client gets an
 * `isError` result naming the problem instead (see
 * [method@NorthMcp.Tool.set_output_schema]).
 */
void
north_mcp_context_return_tool_result (NorthMcpContext    *self,
                                      NorthMcpToolResult *result)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(NorthMcpToolResult) invalid = NULL;
  NorthMcpTool *output_tool;
  GString *text;

  g_return_if_fail (NORTH_MCP_IS_CONTEXT (self));
  g_return_if_fail (NORTH_MCP_IS_TOOL_RESULT (result));

  output_tool = get_output_tool (self);
  if (output_tool != NULL && (invalid = check_output (output_tool, result)) != NULL)
    result = invalid;
  if (self->span != NULL && north_mcp_tool_result_get_is_error (result))
    north_mcp_trace_tool_error (self->span, first_text (result));

  if (self->filter != NULL)
    {
      node = north_mcp_tool_result_to_json (result);
      north_mcp_context_return_result (self, node);
      return;
    }

  if (!mark_completed (self))
    return;

  /* The common answer is written straight to text: no tree is built,
   * copied into an envelope, serialised and freed. */
  text = north_mcp_jsonrpc_begin_result_text (self->id);
  north_mcp_tool_result_write_json (result, text);
  g_string_append_c (text, '}');
  run_on_main_context (self, NULL, NULL, text);
}

static void
send_response (NorthMcpContext *self,
               JsonNode        *response)
{
  finish_request (self, response);
}

/**
 * north_mcp_context_return_error:
 * @self: a context
 * @error: what went wrong
 *
 * Answers the request with an error. An error of the
 * %NORTH_MCP_JSONRPC_ERROR domain becomes a JSON-RPC error with its code
 * (%NORTH_MCP_JSONRPC_ERROR_RESOURCE_NOT_FOUND gets `data: {uri}` from the
 * request's `uri`, its first 128 bytes followed by `…` when it is longer).
 * Any other error of a `tools/call` becomes a tool result with `isError`
 * set, as the protocol wants tool failures reported; of other requests, a
 * JSON-RPC error (invalid params for %NORTH_MCP_ERROR_INVALID_ARGUMENT,
 * internal error otherwise). Safe to call from any thread.
 */
void
north_mcp_context_return_error (NorthMcpContext *self,
                                const GError    *error)
{
  g_return_if_fail (NORTH_MCP_IS_CONTEXT (self));
  g_return_if_fail (error != NULL);

  if (error->domain != NORTH_MCP_JSONRPC_ERROR && g_strcmp0 (self->method, "tools/call") == 0)
    {
      g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new_error (error->message);

      north_mcp_context_return_tool_result (self, result);
      return;
    }

  if (error->domain == NORTH_MCP_JSONRPC_ERROR)
    {
      g_autoptr(JsonNode) data = NULL;
      const char *uri = north_mcp_object_get_string (self->params, "uri");

      /* Resource-not-found names the URI, as the protocol wants: its
       * first bytes only, as any repeated by an error (the client may
       * put a "uri" of megabytes in the params of any method). */
      if (error->code == NORTH_MCP_JSONRPC_ERROR_RESOURCE_NOT_FOUND && uri != NULL)
        data = north_mcp_resource_not_found_data_new (uri);
      north_mcp_context_return_error_full (self, error->code, error->message, data);
    }
  else if (error->domain == NORTH_MCP_ERROR && error->code == NORTH_MCP_ERROR_INVALID_ARGUMENT)
    north_mcp_context_return_error_full (self, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS,
                                         error->message, NULL);
  else
    north_mcp_context_return_error_full (self, NORTH_MCP_JSONRPC_ERROR_INTERNAL_ERROR,
                                         error->message, NULL);
}

/**
 * north_mcp_context_return_error_full:
 * @self: a context
 * @code: a JSON-RPC error code (see [error@NorthMcp.JsonrpcError])
 * @message: the error message
 * @data: (nullable): the error's `data` member
 *
 * Answers the request with a JSON-RPC error carrying @data, such as
 * `{"uri": …}` for a resource that does not exist. Under protocol revision
 * 2026-07-28, %NORTH_MCP_JSONRPC_ERROR_RESOURCE_NOT_FOUND (which that
 * revision removed) is sent as %NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS with
 * the same data.
 *
 * %NORTH_MCP_JSONRPC_ERROR_URL_ELICITATION_REQUIRED exists only in
 * 2025-11-25. Under other revisions, when @data names a URL elicitation
 * (`{"elicitations": [{"url": …, "elicitationId": …}]}`), the first one is
 * sent as [method@NorthMcp.Context.return_url_elicitation_required] sends
 * it (its `message`, else @message); without one, the error goes out as
 * %NORTH_MCP_JSONRPC_ERROR_INTERNAL_ERROR. Safe to call from any thread.
 */
void
north_mcp_context_return_error_full (NorthMcpContext *self,
                                     int              code,
                                     const char      *message,
                                     JsonNode        *data)
{
  g_autoptr(JsonNode) response = NULL;

  g_return_if_fail (NORTH_MCP_IS_CONTEXT (self));
  g_return_if_fail (message != NULL);

  if (code == NORTH_MCP_JSONRPC_ERROR_URL_ELICITATION_REQUIRED &&
      north_mcp_context_return_url_elicitation_error (self, message, data))
    return;

  if (!mark_completed (self))
    return;

  if (self->revision_2026 && code == NORTH_MCP_JSONRPC_ERROR_RESOURCE_NOT_FOUND)
    code = NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS;

  response = north_mcp_jsonrpc_error_new (self->id, code, message, data);
  run_on_main_context (self, send_response, response, NULL);
}

/**
 * north_mcp_context_return_error_literal:
 * @self: a context
 * @domain: the error domain
 * @code: the error code
 * @message: the error message
 *
 * Like [method@NorthMcp.Context.return_error] without building a
 * [struct@GLib.Error].
 */
void
north_mcp_context_return_error_literal (NorthMcpContext *self,
                                        GQuark           domain,
                                        int              code,
                                        const char      *message)
{
  g_autoptr(GError) error = g_error_new_literal (domain, code, message);

  north_mcp_context_return_error (self, error);
}

/* The caller's callback of a server-to-client request. */


/**
 * north_mcp_context_close_stream:
 * @self: a context
 *
 * Ends the connection that carries the request's response stream without
 * ending the request, so that a long-running handler does not hold a
 * connection open (SEP-1699 polling, protocol revision 2025-11-25 over
 * Streamable HTTP). The client reconnects after the `retry` interval the
 * server announced, with `Last-Event-ID`, and receives what the handler
 * sent in the meantime and then its answer; the handler goes on as if
 * nothing happened. Call it from the thread that runs the server.
 *
 * Returns: %TRUE if the stream was closed for the client to resume it,
 *   %FALSE if the transport cannot resume it (stdio, JSON responses,
 *   older revisions, 2026-07-28 requests)
 */
gboolean
north_mcp_context_close_stream (NorthMcpContext *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_CONTEXT (self), FALSE);
  g_return_val_if_fail (g_main_context_is_owner (self->main_context), FALSE);

  if (self->revision_2026 || north_mcp_context_is_completed (self))
    return FALSE;

  return north_mcp_channel_close_stream (self->channel);
}

