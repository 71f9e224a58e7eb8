/* north-mcp-http-streamable.c: the Streamable HTTP endpoint (POST, GET,
 * DELETE on the MCP path)
 *
 * A POST's body is parsed once and handed to the host with a channel
 * (north-mcp-http-channel.c) that turns what comes back into the HTTP
 * answer: JSON, or an SSE stream the client may resume (SEP-1699). A GET
 * opens the session's standalone stream or resumes one; a DELETE ends the
 * session.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-event-store-private.h"
#include "north-mcp-http-body-limit-private.h"
#include "north-mcp-http-answers-private.h"
#include "north-mcp-http-channel-private.h"
#include "north-mcp-http-headers-private.h"
#include "north-mcp-http-session-private.h"
#include "north-mcp-http-store-private.h"
#include "north-mcp-http-streamable-private.h"
#include "north-mcp-jsonrpc-private.h"
#include "north-mcp-revision-2026-private.h"
#include "north-mcp-session-private.h"
#include "north-mcp-util-private.h"

/* How long clients wait before resuming a stream we ended (SEP-1699). */
#define RETRY_MS 1000

gboolean
north_mcp_http_inspect_message (SoupServerMessage *msg,
                                JsonNode          *message,
                                gboolean          *batch,
                                gboolean          *has_request,
                                gboolean          *initialize)
{
  *batch = JSON_NODE_HOLDS_ARRAY (message);
  *has_request = FALSE;
  *initialize = FALSE;

  if (*batch)
    {
      JsonArray *array = json_node_get_array (message);
      guint n = json_array_get_length (array);

      if (n == 0)
        {
          north_mcp_http_respond_jsonrpc_error (msg, SOUP_STATUS_BAD_REQUEST, NULL,
                                                NORTH_MCP_JSONRPC_ERROR_INVALID_REQUEST,
                                                "Invalid Request: empty batch");
          return FALSE;
        }

      /* The dispatcher validates each member; here only what decides the
       * shape of the answer. */
      for (guint i = 0; i < n; i++)
        {
          JsonNode *element = json_array_get_element (array, i);
          JsonObject *object;
          const char *method;

          if (!JSON_NODE_HOLDS_OBJECT (element))
            continue;
          object = json_node_get_object (element);
          method = json_object_get_string_member_with_default (object, "method", NULL);
          if (method != NULL && json_object_has_member (object, "id"))
            *has_request = TRUE;
          if (g_strcmp0 (method, "initialize") == 0)
            *initialize = TRUE;
        }

      return TRUE;
    }
  else
    {
      g_autoptr(GError) error = NULL;
      JsonNode *id = NULL;
      NorthMcpMessageKind kind;

      kind = north_mcp_jsonrpc_classify (message, &id, &error);
      if (kind == NORTH_MCP_MESSAGE_INVALID)
        {
          int code = NORTH_MCP_JSONRPC_ERROR_INVALID_REQUEST;

          if (error != NULL && error->domain == NORTH_MCP_JSONRPC_ERROR)
            code = error->code;
          north_mcp_http_respond_jsonrpc_error (msg, SOUP_STATUS_BAD_REQUEST, id, code,
                                                error != NULL ? error->message : "Invalid Request");
          return FALSE;
        }

      if (kind == NORTH_MCP_MESSAGE_REQUEST)
        {
          JsonObject *object = json_node_get_object (message);

          *has_request = TRUE;
          *initialize = g_strcmp0 (json_object_get_string_member_with_default (object, "method", NULL),
                                   "initialize") == 0;
        }

      return TRUE;
    }
}

static gboolean
is_error_response (JsonNode *response)
{
  return response != NULL && JSON_NODE_HOLDS_OBJECT (response) &&
         json_object_has_member (json_node_get_object (response), "error");
}

/* Clients of 2025-11-25 and later resume streams (SEP-1699); older ones
 * would take the priming event's empty data for a message. */
static gboolean
session_is_resumable (NorthMcpSession *session)
{
  const char *version = north_mcp_session_get_protocol_version (session);

  return version != NULL && g_strcmp0 (version, "2025-11-25") >= 0;
}

/* Tells @channel how many responses the host will send; none (only
 * notifications or responses were posted) is 202 without a body. */
static void
expect_responses (NorthMcpHttpChannel *channel,
                  SoupServerMessage   *msg,
                  guint                n_responses)
{
  north_mcp_http_channel_expect (channel, n_responses);
  if (n_responses == 0)
    soup_server_message_set_status (msg, SOUP_STATUS_ACCEPTED, NULL);
}

/* A POST under the 2026-07-28 revision: no sessions; the
 * standard headers are checked against the body; the errors the revision
 * defines get their own HTTP statuses. */
static void
handle_revision_2026_post (NorthMcpHttpTransport          *self,
                           SoupServerMessage              *msg,
                           NorthMcpUser                   *user,
                           const NorthMcpRevision2026Head *head,
                           JsonNode                       *message,
                           gboolean                        accepts_sse)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  g_autoptr(NorthMcpHttpChannel) channel = NULL;
  g_autoptr(JsonNode) rejection = NULL;
  JsonObject *object;
  gboolean has_request;
  guint status, n_responses;

  status = north_mcp_transport_host_check_headers (self->host, headers, head, message, &rejection);
  if (status != 0)
    {
      gsize length = 0;
      char *data = north_mcp_jsonrpc_to_string (rejection, &length);

      soup_server_message_set_status (msg, status, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, data, length);
      return;
    }

  object = json_node_get_object (message);
  has_request = json_object_has_member (object, "method") && json_object_has_member (object, "id");

  channel = north_mcp_http_channel_new (self->listener, msg, self->settings.trusted_proxies,
                                        accepts_sse && has_request, FALSE, self->keepalive_ms);
  north_mcp_http_channel_set_max_unsent (channel, self->settings.max_unsent_bytes);
  north_mcp_http_channel_set_status_func (channel, north_mcp_revision_2026_http_status);
  n_responses = north_mcp_transport_host_handle_message (self->host, NULL, user, message,
                                                         NORTH_MCP_CHANNEL (channel));
  expect_responses (channel, msg, n_responses);
}

/* Batches exist up to 2025-03-26, bounded in size; one that is not
 * allowed is refused as a whole. The revision is the session's, else the
 * request header's (stateless), else the HTTP default. */
static gboolean
check_batch (NorthMcpHttpTransport *self,
             SoupServerMessage     *msg,
             NorthMcpSession       *session,
             JsonNode              *message)
{
  g_autoptr(GError) error = NULL;
  const char *version = session != NULL ? north_mcp_session_get_protocol_version (session) : NULL;

  if (version == NULL)
    version = north_mcp_http_field (self, msg, NORTH_MCP_HTTP_FIELD_PROTOCOL_VERSION);
  if (north_mcp_jsonrpc_check_batch (json_node_get_array (message), version, &error))
    return TRUE;

  north_mcp_transport_host_debug (self->host, "Refused a batch: %s", error->message);
  north_mcp_http_respond_jsonrpc_error (msg, SOUP_STATUS_BAD_REQUEST, NULL, error->code,
                                        error->message);
  return FALSE;
}

void
north_mcp_http_handle_post (NorthMcpHttpTransport *self,
                            SoupServerMessage     *msg,
                            NorthMcpUser          *user)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  gboolean stateless = self->settings.stateless;
  g_autoptr(NorthMcpSession) session = NULL;
  g_autoptr(NorthMcpHttpChannel) channel = NULL;
  g_auto(NorthMcpJsonrpcRequest) request = { 0, };
  g_autoptr(JsonNode) message = NULL;
  gboolean accepts_json, accepts_sse, batch, has_request, initialize;
  gboolean new_session = FALSE;
  NorthMcpHttpTreeBudget budget;
  const char *content_type;
  const char *version = north_mcp_http_field (self, msg, NORTH_MCP_HTTP_FIELD_PROTOCOL_VERSION);
  guint n_responses;

  north_mcp_http_parse_accept (north_mcp_http_field (self, msg, NORTH_MCP_HTTP_FIELD_ACCEPT),
                               &accepts_json, &accepts_sse);
  if (!accepts_json && (stateless || !accepts_sse))
    {
      north_mcp_http_respond_jsonrpc_error (msg, SOUP_STATUS_NOT_ACCEPTABLE, NULL,
                                            NORTH_MCP_HTTP_TRANSPORT_ERROR,
                                            stateless
                                            ? "Not Acceptable: Client must accept application/json"
                                            : "Not Acceptable: Client must accept application/json or text/event-stream");
      return;
    }

  content_type = soup_message_headers_get_content_type (headers, NULL);
  if (content_type == NULL ||
      !north_mcp_ascii_equal_caseless (content_type, strlen (content_type), "application/json"))
    {
      north_mcp_http_respond_jsonrpc_error (msg, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, NULL,
                                            NORTH_MCP_HTTP_TRANSPORT_ERROR,
                                            "Unsupported Media Type: Content-Type must be application/json");
      return;
    }

  /* The usual body, one request of the classic revisions, is read without
   * building its envelope; everything else takes the general path, a
   * repeated MCP-Protocol-Version too (any copy may name 2026-07-28).
   * Either reader stops once the tree passes its budget. */
  budget = north_mcp_http_tree_budget (self, msg);
  if (!north_mcp_protocol_version_is_revision_2026 (version) &&
      north_mcp_http_field_count (self, msg, NORTH_MCP_HTTP_FIELD_PROTOCOL_VERSION) <= 1 &&
      north_mcp_jsonrpc_read_request (body->data, body->length, budget.bytes, &request) &&
      !north_mcp_revision_2026_params_have_version (request.params))
    {
      /* What it keeps while in progress counts with its body. */
      if (!north_mcp_http_hold_parsed (self, msg, &budget, request.cost))
        return;
      batch = FALSE;
      has_request = TRUE;
      initialize = strcmp (request.method, "initialize") == 0;
    }
  else
    {
      g_autoptr(GError) error = NULL;
      NorthMcpRevision2026Head head;
      guint64 cost = request.cost;

      /* Not read again when the fast path stopped at the budget. */
      north_mcp_jsonrpc_request_clear (&request);
      if (cost <= budget.bytes)
        message = north_mcp_jsonrpc_parse_counted (body->data, body->length, budget.bytes, &cost, &error);
      if (!north_mcp_http_hold_parsed (self, msg, &budget, cost))
        return;
      if (message == NULL)
        {
          north_mcp_transport_host_debug (self->host, "Rejected unparsable request body: %s",
                                          error->message);
          north_mcp_http_respond_jsonrpc_error (msg, SOUP_STATUS_BAD_REQUEST, NULL,
                                                NORTH_MCP_JSONRPC_ERROR_PARSE_ERROR, error->message);
          return;
        }

      north_mcp_http_revision_2026_head (self, msg, &head);
      if (north_mcp_revision_2026_http_applies (headers, &head, message))
        {
          handle_revision_2026_post (self, msg, user, &head, message, accepts_sse);
          return;
        }

      if (!north_mcp_http_inspect_message (msg, message, &batch, &has_request, &initialize))
        return;
    }

  if (!initialize && !north_mcp_http_check_protocol_version (self, msg, version))
    return;

  if (!stateless)
    {
      const char *session_id = north_mcp_http_field (self, msg, NORTH_MCP_HTTP_FIELD_SESSION_ID);

      if (initialize && batch)
        {
          north_mcp_http_respond_jsonrpc_error (msg, SOUP_STATUS_BAD_REQUEST, NULL,
                                                NORTH_MCP_JSONRPC_ERROR_INVALID_REQUEST,
                                                "Invalid Request: initialize must not be part of a batch");
          return;
        }
      else if (initialize && session_id != NULL &&
               (session = north_mcp_http_lookup_session (self, session_id, user)) != NULL)
        {
          north_mcp_http_respond_jsonrpc_error (msg, SOUP_STATUS_BAD_REQUEST, NULL,
                                                NORTH_MCP_JSONRPC_ERROR_INVALID_REQUEST,
                                                "Invalid Request: Server already initialized");
          return;
        }
      else if (initialize)
        {
          /* A stale id with initialize: the client starts over. */
          session = north_mcp_http_open_session (self, msg, user, TRUE);
          if (session == NULL)
            return;
          new_session = TRUE;
          soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                        NORTH_MCP_HTTP_SESSION_HEADER,
                                        north_mcp_session_get_id (session));
        }
      else if ((session = north_mcp_http_require_session (self, msg, user)) == NULL)
        return;
    }

  if (batch && (!check_batch (self, msg, session, message) ||
                !north_mcp_http_hold_batch (self, msg, json_array_get_length (json_node_get_array (message)))))
    return;

  channel = north_mcp_http_channel_new (self->listener, msg, self->settings.trusted_proxies,
                                        !stateless && accepts_sse && has_request, batch, self->keepalive_ms);
  north_mcp_http_channel_set_max_unsent (channel, self->settings.max_unsent_bytes);
  if (session != NULL && !stateless && accepts_sse && has_request && !batch &&
      session_is_resumable (session))
    north_mcp_http_channel_enable_resumption (channel, session, RETRY_MS);
  if (message != NULL)
    n_responses = self->host_iface->handle_message (self->host, session, user, message,
                                                    NORTH_MCP_CHANNEL (channel));
  else
    n_responses = self->host_iface->handle_request (self->host, session, user, &request,
                                                    NORTH_MCP_CHANNEL (channel));

  if (new_session && is_error_response (north_mcp_http_channel_peek_response (channel)))
    {
      /* A failed initialize creates nothing. */
      soup_message_headers_remove (soup_server_message_get_response_headers (msg),
                                   NORTH_MCP_HTTP_SESSION_HEADER);
      north_mcp_transport_host_close_session (self->host, session);
    }
  else if (new_session)
    north_mcp_transport_host_debug (self->host, "Created session %.8s…",
                                    north_mcp_session_get_id (session));

  expect_responses (channel, msg, n_responses);
  /* Other processes sharing the state store must find it before the
   * client hears of it. */
  if (new_session &&
      north_mcp_transport_host_find_session (self->host, north_mcp_session_get_id (session), user) == session)
    north_mcp_http_store_hold_answer (self->host, msg, session, NORTH_MCP_HTTP_STORE_SAVE);
}

/* GET with Last-Event-ID: the events of that stream the client missed,
 * then, while its request is still running, the rest of it. An id this
 * server did not send is refused: taken for a plain GET, it would open a
 * listen stream (or answer 409 while one is open) and leave the client
 * waiting for a replay that never comes. */
static void
resume_stream (NorthMcpHttpTransport *self,
               SoupServerMessage     *msg,
               NorthMcpSession       *session,
               NorthMcpUser          *user,
               const char            *last_event_id)
{
  NorthMcpEventStore *store = north_mcp_event_store_get (session);
  NorthMcpSseStream *stream;
  NorthMcpChannel *channel;
  g_autoptr(GPtrArray) missed = NULL;
  guint stream_number;
  guint64 after;

  if (!north_mcp_event_store_parse_id (last_event_id, &stream_number, &after))
    {
      north_mcp_http_respond_jsonrpc_error (msg, SOUP_STATUS_BAD_REQUEST, NULL,
                                            NORTH_MCP_HTTP_TRANSPORT_ERROR,
                                            "Bad Request: Last-Event-ID is not an event id of this server");
      return;
    }

  /* Sent by another replica (which may be gone): from the shared store. */
  if (north_mcp_event_store_lookup_stream (store, stream_number) == NULL &&
      north_mcp_http_store_resume_stream (self->host, msg, session, stream_number, after,
                                          self->keepalive_ms))
    return;

  missed = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  if (!north_mcp_event_store_replay (store, stream_number, after, missed))
    {
      north_mcp_http_respond_jsonrpc_error (msg, SOUP_STATUS_BAD_REQUEST, NULL,
                                            NORTH_MCP_HTTP_TRANSPORT_ERROR,
                                            "Bad Request: the events after Last-Event-ID are no longer available");
      return;
    }

  stream = north_mcp_http_open_stream (self, msg, session, user, NORTH_MCP_HTTP_STREAM_RESUMED);
  north_mcp_sse_stream_send_shared (stream, missed);

  channel = north_mcp_event_store_lookup_stream (store, stream_number);
  if (channel == NULL || !NORTH_MCP_IS_HTTP_CHANNEL (channel) ||
      !north_mcp_http_channel_resume (NORTH_MCP_HTTP_CHANNEL (channel), stream))
    north_mcp_sse_stream_close (stream);

  north_mcp_transport_host_debug (self->host, "Resumed SSE stream %u after event %" G_GUINT64_FORMAT,
                                  stream_number, after);
}

void
north_mcp_http_handle_get (NorthMcpHttpTransport *self,
                           SoupServerMessage     *msg,
                           NorthMcpUser          *user)
{
  g_autoptr(NorthMcpSession) session = NULL;
  NorthMcpChannel *existing;
  const char *last_event_id;
  gboolean accepts_json, accepts_sse;

  if (self->settings.stateless)
    {
      north_mcp_http_respond_method_not_allowed (msg, "POST");
      return;
    }

  north_mcp_http_parse_accept (north_mcp_http_field (self, msg, NORTH_MCP_HTTP_FIELD_ACCEPT),
                               &accepts_json, &accepts_sse);
  if (!accepts_sse)
    {
      north_mcp_http_respond_jsonrpc_error (msg, SOUP_STATUS_NOT_ACCEPTABLE, NULL,
                                            NORTH_MCP_HTTP_TRANSPORT_ERROR,
                                            "Not Acceptable: Client must accept text/event-stream");
      return;
    }

  if (!north_mcp_http_check_protocol_version (self, msg, north_mcp_http_field (self, msg, NORTH_MCP_HTTP_FIELD_PROTOCOL_VERSION)) ||
      (session = north_mcp_http_require_session (self, msg, user)) == NULL)
    return;

  last_event_id = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                "Last-Event-ID");
  if (last_event_id != NULL)
    {
      resume_stream (self, msg, session, user, last_event_id);
      return;
    }

  existing = north_mcp_session_get_standalone_channel (session);
  if (existing != NULL && !north_mcp_channel_is_closed (existing))
    {
      north_mcp_http_respond_jsonrpc_error (msg, SOUP_STATUS_CONFLICT, NULL,
                                            NORTH_MCP_HTTP_TRANSPORT_ERROR,
                                            "Conflict: Only one SSE stream is allowed per session");
      return;
    }

  north_mcp_http_open_stream (self, msg, session, user, NORTH_MCP_HTTP_STREAM_STANDALONE);
  north_mcp_transport_host_debug (self->host, "Opened standalone SSE stream");
}

void
north_mcp_http_handle_delete (NorthMcpHttpTransport *self,
                              SoupServerMessage     *msg,
                              NorthMcpUser          *user)
{
  g_autoptr(NorthMcpSession) session = NULL;
  NorthMcpChannel *standalone;

  if (self->settings.stateless)
    {
      north_mcp_http_respond_method_not_allowed (msg, "POST");
      return;
    }

  if (!north_mcp_http_check_protocol_version (self, msg, north_mcp_http_field (self, msg, NORTH_MCP_HTTP_FIELD_PROTOCOL_VERSION)) ||
      (session = north_mcp_http_require_session (self, msg, user)) == NULL)
    return;

  standalone = north_mcp_session_get_standalone_channel (session);
  if (standalone != NULL && NORTH_MCP_IS_SSE_STREAM (standalone))
    north_mcp_sse_stream_close (NORTH_MCP_SSE_STREAM (standalone));

  north_mcp_transport_host_close_session (self->host, session);
  north_mcp_transport_host_debug (self->host, "Session ended by the client");
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  north_mcp_http_store_hold_answer (self->host, msg, session, NORTH_MCP_HTTP_STORE_FORGET);
}

