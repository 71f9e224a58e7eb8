/* north-mcp-http-body-limit.c: the size of request bodies, checked before
 * they are read
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-http-answers-private.h"
#include "north-mcp-http-auth-private.h"
#include "north-mcp-http-body-limit-private.h"
#include "north-mcp-http-framing-private.h"
#include "north-mcp-http-held-body-private.h"
#include "north-mcp-interim-output-stream-private.h"
#include "north-mcp-http-refusal-private.h"
#include "north-mcp-http-routes-private.h"
#include "north-mcp-error.h"
#include "north-mcp-json-limits-private.h"
#include "north-mcp-jsonrpc-private.h"

/* Bodies are bounded on every path: the host's max_body_size for the
 * MCP endpoints and custom routes, which read them; the same bound, with
 * nothing kept, for the health check, the MCP endpoints' other methods
 * (GET streams, DELETE) and unknown paths, which drop them. The bodies kept are also bounded all together
 * (max_held_body_bytes), by the listener, which knows when libsoup is done
 * with them, and per client, an identity or an address (a share each:
 * peer_share()). Refused bodies are not read
 * (north-mcp-http-refusal.c). */
static void
refuse_body (NorthMcpHttpTransport *self,
             SoupServerMessage     *msg,
             NorthMcpHttpEndpoint   endpoint,
             guint                  status,
             const char            *text)
{
  g_autoptr(JsonNode) null_id = json_node_new (JSON_NODE_NULL);
  g_autoptr(JsonNode) error = NULL;
  g_autofree char *data = NULL;
  gsize length = 0;

  north_mcp_transport_host_debug (self->host, "%s", text);

  if (endpoint == NORTH_MCP_HTTP_ENDPOINT_MCP || endpoint == NORTH_MCP_HTTP_ENDPOINT_MESSAGES)
    {
      error = north_mcp_jsonrpc_error_new (null_id, NORTH_MCP_JSONRPC_ERROR_INVALID_REQUEST, text, NULL);
      data = north_mcp_jsonrpc_to_string (error, &length);
      north_mcp_http_refuse_unread (msg, status, "application/json", data, length,
                                    self->settings.max_body_size);
    }
  else
    north_mcp_http_refuse_unread (msg, status, "text/plain", text, strlen (text), self->settings.max_body_size);
}

static void
reject_too_large (NorthMcpHttpTransport *self,
                  SoupServerMessage     *msg,
                  NorthMcpHttpEndpoint   endpoint,
                  gsize                  limit)
{
  g_autofree char *text = NULL;

  text = g_strdup_printf ("Request body too large (limit: %" G_GSIZE_FORMAT " bytes)", limit);
  refuse_body (self, msg, endpoint, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, text);
}

/* NORTH_MCP_HTTP_PEER_SHARE: a quarter, at least one body of the largest
 * size with the largest header block (which counts with it). */
guint64
north_mcp_http_peer_share (const NorthMcpTransportSettings *settings)
{
  return MAX (settings->max_held_body_bytes / NORTH_MCP_HTTP_PEER_SHARE,
              (guint64) settings->max_body_size + NORTH_MCP_HTTP_MAX_HEADER_COST);
}

static guint64
peer_share (NorthMcpHttpTransport *self)
{
  return north_mcp_http_peer_share (&self->settings);
}

/* What the bodies held may add up to: max_held_body_bytes, and each a
 * request in progress, max_requests of them (max_requests_per_client per
 * client, an identity or an address, keyed as the bytes' shares). */
static NorthMcpHttpHoldLimits
hold_limits (NorthMcpHttpTransport *self)
{
  return (NorthMcpHttpHoldLimits) { .bytes = self->settings.max_held_body_bytes,
                                    .share = peer_share (self),
                                    .bodies = self->settings.max_requests,
                                    .peer_bodies = self->settings.max_requests_per_client };
}

/* Whose share @msg counts in, for its refusal: which kind of share was
 * exceeded, not whose (no subject nor e-mail). */
static const char *
share_name (NorthMcpHttpTransport *self,
            SoupServerMessage     *msg)
{
  switch (north_mcp_http_listener_share (self->listener, msg))
    {
    case NORTH_MCP_HTTP_SHARE_IDENTITY:
      return "one identity";
    case NORTH_MCP_HTTP_SHARE_NO_ONE:
      return "one client address with credentials that name no one";
    case NORTH_MCP_HTTP_SHARE_ADDRESS:
    default:
      return "one client address";
    }
}

/* Why @msg is refused for @hold. */
static char *
busy_text (NorthMcpHttpTransport *self,
           SoupServerMessage     *msg,
           NorthMcpHttpHold       hold)
{
  if (hold == NORTH_MCP_HTTP_HOLD_PEER_TOO_MANY)
    return g_strdup_printf ("Server busy: %u requests in progress for %s "
                            "(max-requests-in-progress-per-client); try again when some have ended",
                            self->settings.max_requests_per_client, share_name (self, msg));
  if (hold == NORTH_MCP_HTTP_HOLD_TOO_MANY)
    return g_strdup_printf ("Server busy: %u requests in progress (max-requests-in-progress); "
                            "try again", self->settings.max_requests);
  if (hold == NORTH_MCP_HTTP_HOLD_PEER_FULL)
    return g_strdup_printf ("Server busy: the request bodies it holds for %s would pass %" G_GUINT64_FORMAT
                            " bytes (its share of max-held-body-bytes); try again",
                            share_name (self, msg), peer_share (self));
  return g_strdup_printf ("Server busy: the request bodies it holds would pass %" G_GUINT64_FORMAT
                          " bytes; try again", self->settings.max_held_body_bytes);
}

static void
reject_busy (NorthMcpHttpTransport *self,
             SoupServerMessage     *msg,
             NorthMcpHttpEndpoint   endpoint,
             NorthMcpHttpHold       hold)
{
  g_autofree char *text = busy_text (self, msg, hold);

  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", "1");
  refuse_body (self, msg, endpoint, SOUP_STATUS_SERVICE_UNAVAILABLE, text);
}

/* For a body read already: TRUE when @hold is OK, else FALSE with @msg
 * answered 503 with Retry-After, JSON-RPC @code. */
static gboolean
held_or_busy (NorthMcpHttpTransport *self,
              SoupServerMessage     *msg,
              NorthMcpHttpHold       hold,
              int                    code)
{
  g_autofree char *text = NULL;

  if (hold == NORTH_MCP_HTTP_HOLD_OK)
    return TRUE;

  text = busy_text (self, msg, hold);
  north_mcp_transport_host_debug (self->host, "%s", text);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", "1");
  north_mcp_http_respond_jsonrpc_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, NULL, code, text);
  return FALSE;
}

gboolean
north_mcp_http_hold_batch (NorthMcpHttpTransport *self,
                           SoupServerMessage     *msg,
                           guint                  n)
{
  NorthMcpHttpHeldBody *held = north_mcp_http_listener_keep_body (self->listener, msg);
  NorthMcpHttpHoldLimits limits = hold_limits (self);
  NorthMcpHttpHold hold = NORTH_MCP_HTTP_HOLD_OK;

  if (held == NULL)
    return TRUE;
  if (n > 1)
    hold = north_mcp_http_held_body_count_more (held, n - 1, &limits);
  north_mcp_http_held_body_release (held);
  return held_or_busy (self, msg, hold, NORTH_MCP_HTTP_TRANSPORT_ERROR);
}

NorthMcpHttpTreeBudget
north_mcp_http_tree_budget (NorthMcpHttpTransport *self,
                            SoupServerMessage     *msg)
{
  guint64 text = soup_server_message_get_request_body (msg)->length;
  guint64 cap = north_mcp_json_tree_cap (self->settings.max_body_size);
  NorthMcpHttpTreeBudget budget = { cap, NORTH_MCP_HTTP_HOLD_OK, NULL };
  NorthMcpHttpHoldLimits limits = hold_limits (self);
  guint64 room;

  if ((budget.held = north_mcp_http_listener_keep_body (self->listener, msg)) == NULL)
    return budget;
  /* The body's text counts already: its tree may take that and the room. */
  room = north_mcp_http_held_body_room (budget.held, &limits, &budget.hold);
  if (text >= cap || room >= cap - text)
    budget.hold = NORTH_MCP_HTTP_HOLD_OK;
  else
    budget.bytes = text + room;
  return budget;
}

gboolean
north_mcp_http_hold_parsed (NorthMcpHttpTransport  *self,
                            SoupServerMessage      *msg,
                            NorthMcpHttpTreeBudget *budget,
                            guint64                 cost)
{
  goffset text = soup_server_message_get_request_body (msg)->length;
  guint64 cap = north_mcp_json_tree_cap (self->settings.max_body_size);
  NorthMcpHttpHoldLimits limits = hold_limits (self);
  g_autoptr(NorthMcpHttpHeldBody) held = g_steal_pointer (&budget->held);
  NorthMcpHttpHold hold;

  /* The reader stopped at the budget: for good past the cap, else until
   * requests in progress end. */
  if (cost > budget->bytes && cost > cap)
    {
      g_autofree char *message =
        g_strdup_printf ("Request body too large: its parsed JSON would take more than %" G_GUINT64_FORMAT
                         " bytes in memory (%d times max-body-size)",
                         cap, NORTH_MCP_JSON_MAX_TREE_FACTOR);

      north_mcp_transport_host_debug (self->host, "%s", message);
      north_mcp_http_respond_jsonrpc_error (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, NULL,
                                            NORTH_MCP_JSONRPC_ERROR_INVALID_REQUEST, message);
      return FALSE;
    }
  if (cost > budget->bytes)
    return held_or_busy (self, msg, budget->hold, NORTH_MCP_JSONRPC_ERROR_INVALID_REQUEST);

  if (cost <= (guint64) text || held == NULL)
    return TRUE;
  hold = north_mcp_http_held_body_add (held, cost - text, &limits);
  return held_or_busy (self, msg, hold, NORTH_MCP_JSONRPC_ERROR_INVALID_REQUEST);
}

/* A body without Content-Length (chunked) is counted as it arrives (in
 * data of the message: kept bodies are, dropped ones are not), and the
 * pieces of a kept one are joined (north_mcp_http_body_count_piece()). */
#define BODY_COUNT_KEY "north-mcp-body-count"

typedef struct {
  NorthMcpHttpEndpoint endpoint;
  guint64              received;
  guint                pieces;   /* in the body since it was last joined */
  gboolean             kept;     /* counts in the bodies held */
} BodyCount;

static void
got_chunk_cb (SoupServerMessage *msg,
              GBytes            *chunk,
              gpointer           user_data)
{
  NorthMcpHttpTransport *self = user_data;
  BodyCount *count = g_object_get_data (G_OBJECT (msg), BODY_COUNT_KEY);
  NorthMcpHttpHoldLimits limits;
  NorthMcpHttpHold hold;
  gsize limit;

  if (count == NULL || !north_mcp_http_transport_refresh (self))
    return;

  count->received += g_bytes_get_size (chunk);
  limit = self->settings.max_body_size;
  limits = hold_limits (self);
  if (count->kept)
    north_mcp_http_body_count_piece (soup_server_message_get_request_body (msg), &count->pieces);
  if (count->received > limit)
    {
      g_signal_handlers_disconnect_by_func (msg, got_chunk_cb, self);
      reject_too_large (self, msg, count->endpoint, limit);
    }
  else if (count->kept &&
           (hold = north_mcp_http_listener_hold_body (self->listener, msg, g_bytes_get_size (chunk), 0,
                                                      &limits, self->settings.trusted_proxies))
           != NORTH_MCP_HTTP_HOLD_OK)
    {
      g_signal_handlers_disconnect_by_func (msg, got_chunk_cb, self);
      reject_busy (self, msg, count->endpoint, hold);
    }
}

/* RFC 9110 section 10.1.1: a server MUST ignore a 100-continue
 * expectation in an HTTP/1.0 request (and send a 1.0 client no 1xx,
 * section 15.2). libsoup sends "100 Continue" as soon as this handler
 * returns, unless it answered: the body is read and served as usual, and
 * the interim response never reaches the client. */
static void
ignore_http10_continue (SoupServerMessage  *msg,
                        SoupMessageHeaders *headers)
{
  if (soup_server_message_get_http_version (msg) == SOUP_HTTP_1_0 &&
      (soup_message_headers_get_expectations (headers) & SOUP_EXPECTATION_CONTINUE))
    north_mcp_interim_output_stream_drop_interim_of (msg);
}

static void
count_chunks (NorthMcpHttpTransport *self,
              SoupServerMessage     *msg,
              NorthMcpHttpEndpoint   endpoint,
              gboolean               kept)
{
  BodyCount *count = g_new0 (BodyCount, 1);

  count->endpoint = endpoint;
  count->kept = kept;
  g_object_set_data_full (G_OBJECT (msg), BODY_COUNT_KEY, count, g_free);
  g_signal_connect_object (msg, "got-chunk", G_CALLBACK (got_chunk_cb), self, 0);
}

/* What the header block of @head takes: each field as sent (name, ": ",
 * value and CRLF) and what libsoup keeps of it beyond that; at most
 * NORTH_MCP_HTTP_MAX_HEADER_COST. Measured in the framing pass. */
static guint64
header_block_size (const NorthMcpHttpHead *head)
{
  return head->text_size + (guint64) head->fields * NORTH_MCP_HTTP_HEADER_FIELD_COST;
}

/* north_mcp_http_head_buffer_cost() of @msg, whose head is @head and
 * whose connection's largest head is @largest. */
static guint64
head_buffer_cost_of (SoupServerMessage      *msg,
                     const NorthMcpHttpHead *head,
                     gsize                   largest)
{
  GUri *uri = soup_server_message_get_uri (msg);
  const char *query = g_uri_get_query (uri);
  guint64 read, buffer;

  /* The request line ("METHOD target HTTP/1.1" and CRLF; the target's
   * path and query as sent) and the fields, all read before the blank
   * line that ends the head, for which the buffer grew last; or, when
   * larger, the head as it came, white space and folded lines that
   * libsoup drops from the fields included (the largest head of the
   * connection since the answer before it ended: libsoup's buffer is
   * this request's own, let go of with its answer). */
  read = strlen (soup_server_message_get_method (msg)) + strlen (g_uri_get_path (uri)) +
         (query != NULL ? strlen (query) + 1 : 0) + sizeof (" HTTP/1.1\r\n") + head->text_size;
  read = MAX (read, largest);
  buffer = (guint64) 1 << g_bit_storage (read + NORTH_MCP_HTTP_HEAD_READ_BLOCK - 1);
  return buffer > NORTH_MCP_HTTP_HEAD_BUFFER_USUAL ? buffer - NORTH_MCP_HTTP_HEAD_BUFFER_USUAL : 0;
}

guint64
north_mcp_http_head_buffer_cost (NorthMcpHttpListener *listener,
                                 SoupServerMessage    *msg)
{
  NorthMcpHttpHead scratch;
  gsize largest;
  const NorthMcpHttpHead *head = north_mcp_http_listener_head_sizes (listener, msg, &scratch, &largest);

  return head_buffer_cost_of (msg, head, largest);
}

/* A GET stream (a session's GET /mcp, the legacy GET /sse) has no body,
 * but keeps its head's buffer for as long as it is open: what passes the
 * usual one counts among the bodies held (max-held-body-bytes, and the
 * share of its client's address), not among the requests in progress,
 * which streams are not refused for. FALSE when refused. */
static gboolean
hold_stream_head (NorthMcpHttpTransport *self,
                  SoupServerMessage     *msg,
                  NorthMcpHttpEndpoint   endpoint)
{
  guint64 cost = north_mcp_http_head_buffer_cost (self->listener, msg);
  NorthMcpHttpHoldLimits limits = hold_limits (self);
  NorthMcpHttpHeldBody *held;
  NorthMcpHttpHold hold;

  if (cost == 0)
    return TRUE;
  limits.bodies = limits.peer_bodies = 0;
  hold = north_mcp_http_listener_hold_body (self->listener, msg, cost, cost, &limits,
                                            self->settings.trusted_proxies);
  if (hold != NORTH_MCP_HTTP_HOLD_OK)
    {
      reject_busy (self, msg, endpoint, hold);
      return FALSE;
    }
  if ((held = north_mcp_http_listener_keep_body (self->listener, msg)) != NULL)
    {
      north_mcp_http_held_body_uncount (held);
      north_mcp_http_held_body_release (held);
    }
  return TRUE;
}

/* Counts the body of @msg (kept) among the bodies held, with its header
 * block: the requests parsed from the body keep the headers (their North
 * context is read from them) for as long as they are in progress, which
 * over legacy HTTP+SSE outlives the POST. Its Content-Length at once, or
 * its chunks as they arrive. And what its head's buffer takes beyond the
 * usual, which libsoup keeps until the answer ends: while a call waits
 * for its handler, or its answer is a stream. FALSE when refused. */
static gboolean
hold_body (NorthMcpHttpTransport *self,
           SoupServerMessage     *msg,
           NorthMcpHttpEndpoint   endpoint)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  SoupEncoding encoding = soup_message_headers_get_encoding (headers);
  NorthMcpHttpHoldLimits limits = hold_limits (self);
  NorthMcpHttpHead scratch;
  const NorthMcpHttpHead *fields;
  NorthMcpHttpHold hold;
  guint64 bytes, head;
  gsize largest;

  if (encoding == SOUP_ENCODING_NONE)
    return TRUE;

  /* Its connection looked up once for both. */
  fields = north_mcp_http_listener_head_sizes (self->listener, msg, &scratch, &largest);
  head = head_buffer_cost_of (msg, fields, largest);
  bytes = header_block_size (fields) + head;
  if (encoding == SOUP_ENCODING_CONTENT_LENGTH)
    bytes += (guint64) soup_message_headers_get_content_length (headers);
  hold = north_mcp_http_listener_hold_body (self->listener, msg, bytes, head, &limits,
                                            self->settings.trusted_proxies);
  if (hold != NORTH_MCP_HTTP_HOLD_OK)
    {
      reject_busy (self, msg, endpoint, hold);
      return FALSE;
    }
  if (encoding != SOUP_ENCODING_CONTENT_LENGTH)
    count_chunks (self, msg, endpoint, TRUE);
  return TRUE;
}

void
north_mcp_http_check_body_size (SoupServer        *server,
                                SoupServerMessage *msg,
                                const char        *path,
                                GHashTable        *query,
                                gpointer           user_data)
{
  NorthMcpHttpTransport *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  NorthMcpHttpEndpoint endpoint;
  NorthMcpHttpHead scratch;
  const char *problem;
  gboolean kept;
  gsize limit;

  ignore_http10_continue (msg, headers);
  if (!north_mcp_http_transport_refresh (self))
    return;

  endpoint = north_mcp_http_classify_path (self, path);
  problem = north_mcp_http_listener_head (self->listener, msg, &scratch)->problem;
  if (G_UNLIKELY (problem != NULL))
    {
      refuse_body (self, msg, endpoint, SOUP_STATUS_BAD_REQUEST, problem);
      return;
    }

  /* The MCP endpoints read the body of a POST only (a stateless server
   * has no legacy endpoints). A GET stream's would otherwise be kept, and
   * counted as held, for as long as the stream is open. */
  kept = endpoint == NORTH_MCP_HTTP_ENDPOINT_ROUTE ||
         ((endpoint == NORTH_MCP_HTTP_ENDPOINT_MCP ||
           (endpoint == NORTH_MCP_HTTP_ENDPOINT_MESSAGES && !self->settings.stateless)) &&
          soup_server_message_get_method (msg) == SOUP_METHOD_POST);
  if (!kept)
    soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);

  limit = self->settings.max_body_size;
  switch (soup_message_headers_get_encoding (headers))
    {
    case SOUP_ENCODING_NONE:
      break;

    case SOUP_ENCODING_CONTENT_LENGTH:
      if ((guint64) soup_message_headers_get_content_length (headers) > limit)
        {
          reject_too_large (self, msg, endpoint, limit);
          return;
        }
      break;

    case SOUP_ENCODING_CHUNKED:
    default:
      /* RFC 9112 §6.1: HTTP/1.0 has no transfer codings, so a 1.0 request
       * with Transfer-Encoding has faulty framing (libsoup 3.2 would read
       * it as chunked): refused rather than guessed at. */
      if (soup_server_message_get_http_version (msg) == SOUP_HTTP_1_0)
        {
          refuse_body (self, msg, endpoint, SOUP_STATUS_BAD_REQUEST,
                       "Bad Request: Transfer-Encoding in an HTTP/1.0 request");
          return;
        }
      if (!kept)
        count_chunks (self, msg, endpoint, FALSE); /* against max_body_size only */
      break;
    }

  /* Its credentials before its body (north-mcp-http-auth.c). */
  if (!kept)
    {
      /* Asked of the stream endpoints only: other requests pay nothing. */
      if ((endpoint == NORTH_MCP_HTTP_ENDPOINT_MCP || endpoint == NORTH_MCP_HTTP_ENDPOINT_SSE) &&
          soup_server_message_get_method (msg) == SOUP_METHOD_GET)
        hold_stream_head (self, msg, endpoint);
    }
  else if (endpoint == NORTH_MCP_HTTP_ENDPOINT_ROUTE)
    hold_body (self, msg, endpoint);
  else
    north_mcp_http_authenticate_early (self, msg, path, endpoint, hold_body);
}
