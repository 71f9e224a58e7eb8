/* north-mcp-http-body-limit.c: the size of request bodies, checked before
 * they are read
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-http-body-limit-private.h"
#include "north-mcp-http-framing-private.h"
#include "north-mcp-interim-output-stream-private.h"
#include "north-mcp-http-refusal-private.h"
#include "north-mcp-http-routes-private.h"
#include "north-mcp-error.h"
#include "north-mcp-jsonrpc-private.h"

/* Bodies are bounded on every path: the host's max_body_size for the
 * MCP endpoints and custom routes, which read them; the same bound, with
 * nothing kept, for the health check, the MCP endpoints' other methods
 * (GET streams, DELETE) and unknown paths, which drop them. The bodies kept are also bounded all together
 * (max_held_body_bytes), by the listener, which knows when libsoup is done
 * with them. Refused bodies are not read (north-mcp-http-refusal.c). */
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
      north_mcp_http_refuse_unread (msg, status, "application/json", data, length);
    }
  else
    north_mcp_http_refuse_unread (msg, status, "text/plain", text, strlen (text));
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

static void
reject_busy (NorthMcpHttpTransport *self,
             SoupServerMessage     *msg,
             NorthMcpHttpEndpoint   endpoint)
{
  g_autofree char *text = NULL;

  text = g_strdup_printf ("Server busy: the request bodies it holds would pass %" G_GUINT64_FORMAT
                          " bytes; try again", self->settings.max_held_body_bytes);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", "1");
  refuse_body (self, msg, endpoint, SOUP_STATUS_SERVICE_UNAVAILABLE, text);
}

/* A body without Content-Length (chunked) is counted as it arrives (in
 * data of the message: kept bodies are, dropped ones are not); the
 * pieces of kept ones are joined (join_small_pieces()). */
#define BODY_COUNT_KEY "north-mcp-body-count"

typedef struct {
  NorthMcpHttpEndpoint endpoint;
  guint64              received;
  guint                pieces;   /* in the body since it was last joined */
  gboolean             kept;     /* counts in the bodies held */
  gboolean             chunked;  /* counted as it arrives */
} BodyCount;

/* What libsoup keeps per piece of a request body besides its bytes: a
 * GBytes, the malloc() of its data and a list node (about 110 bytes). */
#define PIECE_COST 128
#define PIECES_BEFORE_JOINING 64

/* libsoup keeps a body as the list of what each read gave it (one piece
 * per chunk of a chunked body): one-byte chunks would cost over 100 times
 * the body. Once the pieces cost more than the bytes, they are joined
 * into one: each join copies fewer bytes than the pieces it frees cost,
 * so the work stays linear, and the body takes about twice its size at
 * most (three times while a join copies it). Chunks of real clients
 * (kilobytes) are never joined. */
static void
join_small_pieces (SoupServerMessage *msg,
                   BodyCount         *count)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) joined = NULL;

  count->pieces++;
  if (count->pieces < PIECES_BEFORE_JOINING ||
      (guint64) count->pieces * PIECE_COST <= (guint64) body->length)
    return;

  joined = soup_message_body_flatten (body);
  soup_message_body_truncate (body);
  if (g_bytes_get_size (joined) > 0)
    soup_message_body_append_bytes (body, joined);
  count->pieces = 1;
}

static void
got_chunk_cb (SoupServerMessage *msg,
              GBytes            *chunk,
              gpointer           user_data)
{
  NorthMcpHttpTransport *self = user_data;
  BodyCount *count = g_object_get_data (G_OBJECT (msg), BODY_COUNT_KEY);
  gsize limit;

  if (count == NULL || !north_mcp_http_transport_refresh (self))
    return;

  count->received += g_bytes_get_size (chunk);
  limit = self->settings.max_body_size;
  if (count->kept)
    join_small_pieces (msg, count);
  if (!count->chunked)
    return;  /* counted by its Content-Length */
  if (count->received > limit)
    {
      g_signal_handlers_disconnect_by_func (msg, got_chunk_cb, self);
      reject_too_large (self, msg, count->endpoint, limit);
    }
  else if (count->kept &&
           !north_mcp_http_listener_hold_body (self->listener, msg, g_bytes_get_size (chunk),
                                               self->settings.max_held_body_bytes))
    {
      g_signal_handlers_disconnect_by_func (msg, got_chunk_cb, self);
      reject_busy (self, msg, count->endpoint);
    }
}

static void
watch_chunks (NorthMcpHttpTransport *self,
              SoupServerMessage     *msg,
              NorthMcpHttpEndpoint   endpoint,
              gboolean               kept,
              gboolean               chunked)
{
  BodyCount *count = g_new0 (BodyCount, 1);

  count->endpoint = endpoint;
  count->kept = kept;
  count->chunked = chunked;
  g_object_set_data_full (G_OBJECT (msg), BODY_COUNT_KEY, count, g_free);
  g_signal_connect_object (msg, "got-chunk", G_CALLBACK (got_chunk_cb), self, 0);
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
  const char *problem;
  gboolean kept;
  guint64 length;
  gsize limit;

  ignore_http10_continue (msg, headers);
  if (!north_mcp_http_transport_refresh (self))
    return;

  endpoint = north_mcp_http_classify_path (self, path);
  problem = north_mcp_http_framing_problem (msg);
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
      length = (guint64) soup_message_headers_get_content_length (headers);
      if (length > limit)
        reject_too_large (self, msg, endpoint, limit);
      else if (kept &&
               !north_mcp_http_listener_hold_body (self->listener, msg, length,
                                                   self->settings.max_held_body_bytes))
        reject_busy (self, msg, endpoint);
      else if (kept)
        /* A body sent a byte per TCP segment is read in as many pieces. */
        watch_chunks (self, msg, endpoint, kept, FALSE);
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
          break;
        }
      watch_chunks (self, msg, endpoint, kept, TRUE);
      break;
    }
}
