/* north-mcp-http-legacy-sse.c: the deprecated HTTP+SSE transport
 * (2024-11-05)
 *
 * A GET /sse stream is the session: it counts against max-sessions, its
 * first event names the endpoint to POST messages to, every answer travels
 * on it, and the session ends when it closes.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-http-answers-private.h"
#include "north-mcp-http-body-limit-private.h"
#include "north-mcp-http-legacy-sse-private.h"
#include "north-mcp-http-relay-channel-private.h"
#include "north-mcp-http-session-private.h"
#include "north-mcp-http-streamable-private.h"
#include "north-mcp-jsonrpc-private.h"
#include "north-mcp-session-private.h"

void
north_mcp_http_handle_legacy_get (NorthMcpHttpTransport *self,
                                  SoupServerMessage     *msg,
                                  NorthMcpUser          *user)
{
  g_autoptr(NorthMcpSession) session = NULL;
  g_autofree char *endpoint = NULL;
  NorthMcpSseStream *stream;

  session = north_mcp_http_open_session (self, msg, user, FALSE);
  if (session == NULL)
    return;
  stream = north_mcp_http_open_stream (self, msg, session, user, NORTH_MCP_HTTP_STREAM_LEGACY);

  /* Relative, so that it works behind any proxy prefix-free mount. */
  endpoint = g_strconcat ("/messages/?session_id=", north_mcp_session_get_id (session), NULL);
  north_mcp_sse_stream_send_event (stream, "endpoint", endpoint, strlen (endpoint));
  north_mcp_transport_host_debug (self->host, "Opened legacy SSE stream");
}

void
north_mcp_http_handle_legacy_post (NorthMcpHttpTransport *self,
                                   SoupServerMessage     *msg,
                                   GHashTable            *query,
                                   NorthMcpUser          *user)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(NorthMcpSession) session = NULL;
  g_autoptr(JsonNode) message = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(NorthMcpChannel) relay = NULL;
  NorthMcpChannel *stream;
  const char *session_id;
  gboolean batch, has_request, initialize;
  NorthMcpHttpTreeBudget budget;
  guint64 cost;

  session_id = query != NULL ? g_hash_table_lookup (query, "session_id") : NULL;
  if (session_id == NULL || *session_id == '\0')
    {
      north_mcp_http_respond_text (msg, SOUP_STATUS_BAD_REQUEST, "session_id is required");
      return;
    }

  session = north_mcp_http_lookup_session (self, session_id, user);
  stream = session != NULL ? north_mcp_session_get_standalone_channel (session) : NULL;
  if (stream == NULL || !NORTH_MCP_IS_SSE_STREAM (stream) || north_mcp_channel_is_closed (stream))
    {
      north_mcp_http_respond_text (msg, SOUP_STATUS_NOT_FOUND, "Could not find session");
      return;
    }

  budget = north_mcp_http_tree_budget (self, msg);
  message = north_mcp_jsonrpc_parse_counted (body->data, body->length, budget.bytes, &cost, &error);
  if (!north_mcp_http_hold_parsed (self, msg, &budget, cost))
    return;
  if (message == NULL)
    {
      north_mcp_http_respond_jsonrpc_error (msg, SOUP_STATUS_BAD_REQUEST, NULL,
                                            NORTH_MCP_JSONRPC_ERROR_PARSE_ERROR, error->message);
      return;
    }

  if (!north_mcp_http_inspect_message (msg, message, &batch, &has_request, &initialize))
    return;
  /* Batches larger than that are refused whole when dispatched. */
  if (batch && !north_mcp_http_hold_batch (self, msg, MIN (json_array_get_length (json_node_get_array (message)),
                                                            NORTH_MCP_JSONRPC_MAX_BATCH)))
    return;

  /* Answers travel on the GET stream; the POST is only acknowledged. Its
   * requests get a channel of their own, which holds its body as long as
   * they run. */
  relay = north_mcp_http_relay_channel_new (self->listener, stream, msg);
  north_mcp_transport_host_handle_message (self->host, session, user, message, relay);
  north_mcp_http_respond_text (msg, SOUP_STATUS_ACCEPTED, "Accepted");
}
