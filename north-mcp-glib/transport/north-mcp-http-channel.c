/* north-mcp-http-channel.c: the response to one Streamable HTTP POST
 *
 * The common case (a tool that answers at once) never pauses the message
 * and never uses chunked encoding: the dispatcher sends the response into
 * the channel while north_mcp_transport_host_handle_message() runs, and expect()
 * sets the whole body. Only when responses are still outstanding does the
 * channel keep the message (paused for JSON, streamed for SSE).
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-http-channel-private.h"
#include "north-mcp-http-body-limit-private.h"
#include "north-mcp-http-client-address-private.h"
#include "north-mcp-event-store-private.h"
#include "north-mcp-http-listener-private.h"
#include "north-mcp-sse-stream-private.h"
#include "north-mcp-jsonrpc-private.h"
#include "north-mcp-util-private.h"

struct _NorthMcpHttpChannel
{
  NorthMcpChannel    parent_instance;

  SoupServerMessage *message;      /* strong until the answer is complete */
  JsonNode          *first_response;
  GString           *first_text;   /* a lone JSON response sent as text */
  /* JSON batches only: the array of the answers so far, as text (a
   * parsed answer takes several times its size), its closing bracket
   * missing; counted in @held, since they wait for the batch's last. */
  GString           *responses;
  GString           *events;       /* SSE events not yet on the wire */
  NorthMcpSseWriter  writer;       /* while streaming */
  NorthMcpHttpChannel *self_ref;   /* while responses are outstanding */
  /* The request body, counted as held while the channel lives: its
   * requests, parsed from it, keep the channel until they end. */
  NorthMcpHttpHeldBody *held;
  /* Whose X-Forwarded-For names the client (dup_peer), as the request
   * found them. */
  NorthMcpTrustedProxies *trusted_proxies;

  NorthMcpHttpStatusFunc status_func;
  guint              n_events;     /* SSE events buffered before streaming */
  guint64            max_unsent;   /* of @events */
  guint              received;
  guint              expected;
  guint              keepalive_ms;

  /* Resumability (2025-11-25 sessions): the events of this stream get
   * ids and are kept in the session's store; after the connection ends
   * early (on purpose or not) the channel lives on, detached, until its
   * response, and a resuming GET stream can take over. */
  NorthMcpSession   *session;
  guint              stream;
  NorthMcpSseStream *resumed;

  guint              sse : 1;
  guint              detached : 1;
  guint              detach_requested : 1;
  guint              batch : 1;
  guint              streaming : 1;
  guint              paused : 1;
  guint              done : 1;
  guint              watching : 1; /* on_message_gone is connected */
};

G_DEFINE_FINAL_TYPE (NorthMcpHttpChannel, north_mcp_http_channel, NORTH_MCP_TYPE_CHANNEL)

static gboolean
is_response (JsonNode *node)
{
  JsonObject *object;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return FALSE;

  object = json_node_get_object (node);
  return !json_object_has_member (object, "method") &&
         (json_object_has_member (object, "result") ||
          json_object_has_member (object, "error"));
}

static void on_message_gone (NorthMcpHttpChannel *self);
static void detach          (NorthMcpHttpChannel *self);

static void
release_message (NorthMcpHttpChannel *self)
{
  north_mcp_sse_writer_clear (&self->writer);
  if (self->message != NULL)
    {
      if (self->watching)
        g_signal_handlers_disconnect_by_func (self->message, on_message_gone, self);
      self->watching = FALSE;
      g_clear_object (&self->message);
    }
}

/* A one-shot answer waits for its client with the output of all
 * connections (max-unsent-output-bytes), but for a small one, which any
 * connection may hold (bounded by max-connections, as the usual buffer of
 * its head): a usual request pays nothing for the count (~590
 * instructions). */
static void
count_answer (SoupServerMessage *msg,
              gsize              length)
{
  if (length > NORTH_MCP_HTTP_SMALL_ANSWER)
    north_mcp_http_listener_check_unsent (msg, length);
}

static void
set_json_body (NorthMcpHttpChannel *self)
{
  JsonNode *body_node = self->first_response;
  char *data;
  gsize length = 0;

  if (self->batch)
    {
      g_string_append_c (self->responses, ']');
      length = self->responses->len;
      data = g_string_free (g_steal_pointer (&self->responses), FALSE);
    }
  else if (body_node == NULL && self->first_text != NULL)
    {
      /* Sent as text: a successful response, so 200. */
      length = self->first_text->len;
      data = g_string_free (g_steal_pointer (&self->first_text), FALSE);
    }
  else
    data = north_mcp_jsonrpc_to_string (body_node, &length);
  soup_server_message_set_status (self->message,
                                  self->status_func != NULL && !self->batch
                                  ? self->status_func (self->first_response) : SOUP_STATUS_OK,
                                  NULL);
  soup_server_message_set_response (self->message, "application/json",
                                    SOUP_MEMORY_TAKE, data, length);
  count_answer (self->message, length);
}

/* All expected responses arrived. */
static void
finish (NorthMcpHttpChannel *self)
{
  NorthMcpHttpChannel *self_ref = g_steal_pointer (&self->self_ref);

  self->done = TRUE;

  if (self->detached)
    {
      if (self->resumed != NULL)
        north_mcp_sse_stream_close (self->resumed);
      g_clear_object (&self->resumed);
      g_clear_object (&self_ref);
      return;
    }

  if (self->sse && self->streaming)
    north_mcp_sse_writer_end (&self->writer);
  else if (self->sse && self->events == NULL)
    soup_server_message_set_status (self->message, SOUP_STATUS_ACCEPTED, NULL);
  else if (self->sse && self->status_func != NULL && self->n_events == 1 &&
           self->status_func (self->first_response) != SOUP_STATUS_OK)
    {
      /* A lone error whose status is not 200 (stateless requests): a
       * status cannot travel in an event stream, so answer plain JSON. */
      set_json_body (self);
    }
  else if (self->sse)
    {
      gsize length = self->events->len;

      soup_server_message_set_status (self->message, SOUP_STATUS_OK, NULL);
      north_mcp_sse_prepare_response (self->message, FALSE);
      soup_server_message_set_response (self->message, "text/event-stream", SOUP_MEMORY_TAKE,
                                        g_string_free (g_steal_pointer (&self->events), FALSE),
                                        length);
      count_answer (self->message, length);
    }
  else
    {
      /* Every request was cancelled: nothing to say, as for a
       * notification. */
      if (self->batch ? self->responses == NULL
                      : self->first_response == NULL && self->first_text == NULL)
        soup_server_message_set_status (self->message, SOUP_STATUS_ACCEPTED, NULL);
      else
        set_json_body (self);
      if (self->paused)
        soup_server_message_unpause (self->message);
    }

  release_message (self);
  g_clear_object (&self_ref);
}

/* One message as an SSE event: kept in the session's store when the
 * stream is resumable, then on the wire, to a resumed stream, or buffered
 * until the transport decides how to answer. */
static void
queue_event (NorthMcpHttpChannel *self,
             const char          *data,
             gsize                length)
{
  g_autofree char *id = NULL;

  if (self->session != NULL)
    id = north_mcp_event_store_add (north_mcp_event_store_get (self->session), self->stream,
                                    data, length);

  if (self->detached)
    {
      /* Kept in the store; live to a resumed stream if there is one. */
      if (self->resumed != NULL)
        {
          GString *buffer = g_string_sized_new (length + 64);

          north_mcp_sse_format_event_full (buffer, id, "message", data, length);
          north_mcp_sse_stream_send_raw (self->resumed, buffer);
        }
    }
  else if (self->streaming)
    {
      GString *buffer = g_string_sized_new (length + 64);

      north_mcp_sse_format_event_full (buffer, id, "message", data, length);
      north_mcp_sse_writer_write (&self->writer, buffer);
    }
  else
    {
      if (self->events == NULL)
        self->events = g_string_sized_new (length + 32);
      self->n_events++;
      north_mcp_sse_format_event_full (self->events, id, "message", data, length);
    }
}

static void
add_batch_response (NorthMcpHttpChannel *self,
                    const char          *text,
                    gsize                length)
{
  gsize added = north_mcp_batch_text_append (&self->responses, text, length);

  if (self->held != NULL)
    north_mcp_http_held_body_grow (self->held, added);
}

/* What the handler sent before it returned has passed max-unsent-bytes. */
static gboolean
north_mcp_http_channel_is_full (NorthMcpChannel *channel)
{
  NorthMcpHttpChannel *self = NORTH_MCP_HTTP_CHANNEL (channel);

  return self->sse && !self->streaming && self->events != NULL && self->events->len > self->max_unsent;
}

static void
north_mcp_http_channel_send (NorthMcpChannel *channel,
                             JsonNode        *message)
{
  NorthMcpHttpChannel *self = NORTH_MCP_HTTP_CHANNEL (channel);
  gboolean response;

  /* Late messages (after the last response, or after the client went
   * away) have nowhere to go. */
  if (self->done)
    return;

  response = is_response (message);

  /* Events wait in @events until the handler returns, all at once, where
   * the unsent-output bound of a stream cannot see them: a handler that
   * reports progress (which the client asks for) or logs in a loop would
   * make them grow without bound. Its answer matters more than its
   * notifications, so they go, not the connection (its requests are
   * refused before they come here: north_mcp_http_channel_is_full()). */
  if (north_mcp_http_channel_is_full (channel) &&
      JSON_NODE_HOLDS_OBJECT (message) && !json_object_has_member (json_node_get_object (message), "id"))
    return;

  /* A batch keeps its answers as text only, counted (add_batch_response()):
   * nothing reads its first as a tree (a batch is answered 200, and never
   * holds an initialize), which was kept uncounted until the last. */
  if (response && self->first_response == NULL && !self->batch)
    self->first_response = json_node_ref (message);
  if (response && self->batch && !self->sse)
    {
      g_autofree char *data = NULL;
      gsize length = 0;

      data = north_mcp_jsonrpc_to_string (message, &length);
      add_batch_response (self, data, length);
    }

  if (self->sse)
    {
      g_autofree char *data = NULL;
      gsize length = 0;

      data = north_mcp_jsonrpc_to_string (message, &length);
      queue_event (self, data, length);
    }

  if (response && ++self->received >= self->expected)
    finish (self);
}

static void
north_mcp_http_channel_send_response_text (NorthMcpChannel *channel,
                                           GString         *text)
{
  NorthMcpHttpChannel *self = NORTH_MCP_HTTP_CHANNEL (channel);

  if (self->done)
    {
      g_string_free (text, TRUE);
      return;
    }

  if (self->batch && !self->sse)
    {
      add_batch_response (self, text->str, text->len);
      g_string_free (text, TRUE);
    }
  else if (self->sse)
    {
      queue_event (self, text->str, text->len);
      g_string_free (text, TRUE);
    }
  else if (self->first_response == NULL && self->first_text == NULL)
    self->first_text = text;
  else
    g_string_free (text, TRUE);

  if (++self->received >= self->expected)
    finish (self);
}

static void
north_mcp_http_channel_skip_response (NorthMcpChannel *channel,
                                      JsonNode        *id)
{
  NorthMcpHttpChannel *self = NORTH_MCP_HTTP_CHANNEL (channel);

  if (!self->done && ++self->received >= self->expected)
    finish (self);
}

static gboolean
north_mcp_http_channel_close_stream (NorthMcpChannel *channel)
{
  NorthMcpHttpChannel *self = NORTH_MCP_HTTP_CHANNEL (channel);

  if (!self->sse || self->session == NULL || self->done || self->detached)
    return FALSE;

  /* Called by the handler before the transport started the stream: close
   * right after it starts. */
  if (!self->streaming)
    self->detach_requested = TRUE;
  else
    detach (self);

  return TRUE;
}

static gboolean
north_mcp_http_channel_can_stream (NorthMcpChannel *channel)
{
  NorthMcpHttpChannel *self = NORTH_MCP_HTTP_CHANNEL (channel);

  return self->sse && !self->done;
}

/* Ends the connection but not the request: what follows is kept for a
 * resuming GET. */
static void
detach (NorthMcpHttpChannel *self)
{
  self->detached = TRUE;
  g_signal_handlers_disconnect_by_func (self->message, on_message_gone, self);
  self->watching = FALSE;
  g_clear_object (&self->message);
  north_mcp_sse_writer_end (&self->writer);
  north_mcp_sse_writer_clear (&self->writer);
}

static void
on_message_gone (NorthMcpHttpChannel *self)
{
  NorthMcpHttpChannel *self_ref;

  /* A resumable stream whose client went away early: the client may come
   * back for the rest (a disconnect is not a cancellation). Otherwise the
   * answer can reach nobody: closing the channel cancels its requests. */
  if (self->session != NULL && self->streaming && !self->done && !self->detached)
    {
      self->detached = TRUE;
      release_message (self);
      return;
    }

  self_ref = g_steal_pointer (&self->self_ref);

  self->done = TRUE;
  release_message (self);
  if (!north_mcp_channel_is_closed (NORTH_MCP_CHANNEL (self)))
    north_mcp_channel_mark_closed (NORTH_MCP_CHANNEL (self));
  g_clear_object (&self_ref);
}

void
north_mcp_http_channel_set_max_unsent (NorthMcpHttpChannel *self,
                                       guint64              max_unsent)
{
  g_return_if_fail (NORTH_MCP_IS_HTTP_CHANNEL (self));

  self->max_unsent = max_unsent;
}

void
north_mcp_http_channel_expect (NorthMcpHttpChannel *self,
                               guint                n_responses)
{
  g_return_if_fail (NORTH_MCP_IS_HTTP_CHANNEL (self));
  g_return_if_fail (!self->done);

  self->expected = n_responses;

  if (n_responses == 0)
    {
      self->done = TRUE;
      release_message (self);
      return;
    }

  if (self->received >= n_responses)
    {
      finish (self);
      return;
    }

  /* Responses are outstanding: the message owns the channel until then. */
  self->self_ref = g_object_ref (self);
  g_signal_connect_swapped (self->message, "finished", G_CALLBACK (on_message_gone), self);
  g_signal_connect_swapped (self->message, "disconnected", G_CALLBACK (on_message_gone), self);
  self->watching = TRUE;

  if (self->sse)
    {
      self->streaming = TRUE;
      north_mcp_sse_writer_start (&self->writer, self->message, self->keepalive_ms);
      if (self->events != NULL)
        north_mcp_sse_writer_write (&self->writer, g_steal_pointer (&self->events));
      if (self->detach_requested)
        detach (self);
    }
  else
    {
      soup_server_message_pause (self->message);
      self->paused = TRUE;
      /* libsoup does not read while it waits for the answer: a client
       * that hangs up must be noticed, as on a stream, to cancel work for
       * nobody (on_message_gone()). */
      north_mcp_http_listener_watch_hangup (self->message);
    }
}

void
north_mcp_http_channel_set_status_func (NorthMcpHttpChannel    *self,
                                        NorthMcpHttpStatusFunc  func)
{
  g_return_if_fail (NORTH_MCP_IS_HTTP_CHANNEL (self));

  self->status_func = func;
}

void
north_mcp_http_channel_enable_resumption (NorthMcpHttpChannel *self,
                                          NorthMcpSession     *session,
                                          guint                retry_ms)
{
  NorthMcpEventStore *store;
  g_autofree char *id = NULL;

  g_return_if_fail (NORTH_MCP_IS_HTTP_CHANNEL (self));
  g_return_if_fail (self->sse && self->session == NULL && self->events == NULL);

  store = north_mcp_event_store_get (session);
  self->session = g_object_ref (session);
  self->stream = north_mcp_event_store_open_stream (store, NORTH_MCP_CHANNEL (self));

  /* The priming event: an id to resume from before anything else, and
   * how long to wait before reconnecting (SEP-1699). */
  id = north_mcp_event_store_add (store, self->stream, NULL, 0);
  self->events = g_string_new (NULL);
  g_string_append_printf (self->events, "id: %s\nretry: %u\ndata: \n\n", id, retry_ms);
}

static void
on_resumed_closed (NorthMcpSseStream   *stream,
                   NorthMcpHttpChannel *self)
{
  g_signal_handlers_disconnect_by_func (stream, on_resumed_closed, self);
  if (self->resumed == stream)
    g_clear_object (&self->resumed);
}

gboolean
north_mcp_http_channel_resume (NorthMcpHttpChannel *self,
                               NorthMcpSseStream   *stream)
{
  g_return_val_if_fail (NORTH_MCP_IS_HTTP_CHANNEL (self), FALSE);
  g_return_val_if_fail (NORTH_MCP_IS_SSE_STREAM (stream), FALSE);

  if (!self->detached || self->done)
    return FALSE;

  if (self->resumed != NULL)
    {
      g_signal_handlers_disconnect_by_func (self->resumed, on_resumed_closed, self);
      north_mcp_sse_stream_close (self->resumed);
      g_clear_object (&self->resumed);
    }

  self->resumed = g_object_ref (stream);
  g_signal_connect_object (stream, "closed", G_CALLBACK (on_resumed_closed), self, 0);
  return TRUE;
}

JsonNode *
north_mcp_http_channel_peek_response (NorthMcpHttpChannel *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_HTTP_CHANNEL (self), NULL);

  return self->first_response;
}

NorthMcpHttpChannel *
north_mcp_http_channel_new (NorthMcpHttpListener   *listener,
                            SoupServerMessage      *message,
                            NorthMcpTrustedProxies *trusted_proxies,
                            gboolean                sse,
                            gboolean                batch,
                            guint                   keepalive_ms)
{
  NorthMcpHttpChannel *self;

  g_return_val_if_fail (listener == NULL || NORTH_MCP_IS_HTTP_LISTENER (listener), NULL);
  g_return_val_if_fail (SOUP_IS_SERVER_MESSAGE (message), NULL);

  self = g_object_new (NORTH_MCP_TYPE_HTTP_CHANNEL, NULL);
  self->message = g_object_ref (message);
  self->held = north_mcp_http_listener_keep_body (listener, message);
  if (trusted_proxies != NULL)
    self->trusted_proxies = north_mcp_trusted_proxies_ref (trusted_proxies);
  self->sse = !!sse;
  self->batch = !!batch;
  self->keepalive_ms = keepalive_ms;
  self->expected = G_MAXUINT;
  self->max_unsent = G_MAXUINT64;

  return self;
}

static void
north_mcp_http_channel_dispose (GObject *object)
{
  NorthMcpHttpChannel *self = NORTH_MCP_HTTP_CHANNEL (object);

  release_message (self);

  G_OBJECT_CLASS (north_mcp_http_channel_parent_class)->dispose (object);
}

static void
north_mcp_http_channel_finalize (GObject *object)
{
  NorthMcpHttpChannel *self = NORTH_MCP_HTTP_CHANNEL (object);

  g_clear_pointer (&self->held, north_mcp_http_held_body_release);
  g_clear_pointer (&self->first_response, json_node_unref);
  if (self->first_text != NULL)
    g_string_free (self->first_text, TRUE);
  g_clear_object (&self->resumed);
  g_clear_object (&self->session);
  if (self->responses != NULL)
    g_string_free (self->responses, TRUE);
  if (self->events != NULL)
    g_string_free (self->events, TRUE);
  g_clear_pointer (&self->trusted_proxies, north_mcp_trusted_proxies_unref);

  G_OBJECT_CLASS (north_mcp_http_channel_parent_class)->finalize (object);
}

/* A long-lived request (a listen stream) has been read: the raw body that
 * libsoup would keep until the stream ends goes now; among the bodies
 * held it counts what the request keeps, and among the requests in
 * progress no more (max-subscription-bytes bounds listen streams). */
static void
north_mcp_http_channel_release_request (NorthMcpChannel *channel,
                                        guint64          kept)
{
  NorthMcpHttpChannel *self = NORTH_MCP_HTTP_CHANNEL (channel);

  if (self->message != NULL)
    soup_message_body_truncate (soup_server_message_get_request_body (self->message));
  if (self->held != NULL)
    {
      north_mcp_http_held_body_shrink (self->held, kept);
      north_mcp_http_held_body_uncount (self->held);
    }
}

/* A stream's head keeps libsoup's buffer until the stream ends: what a
 * large one takes beyond the usual (north-mcp-http-body-limit.c), which
 * counts with the body until release_request(). */
static guint64
north_mcp_http_channel_stream_cost (NorthMcpChannel *channel)
{
  NorthMcpHttpChannel *self = NORTH_MCP_HTTP_CHANNEL (channel);

  return self->message != NULL ? north_mcp_http_head_buffer_cost (NULL, self->message) : 0;
}

/* The client's IP address, its port left out: each request of a
 * Streamable HTTP client may come on a connection of its own; an IPv6
 * address as its /64 (north_mcp_http_share_key()). Behind a trusted
 * proxy, the address the proxy names. */
static char *
north_mcp_http_channel_dup_peer (NorthMcpChannel *channel)
{
  NorthMcpHttpChannel *self = NORTH_MCP_HTTP_CHANNEL (channel);
  g_autoptr(GSocketAddress) client = NULL;

  if (self->message != NULL)
    client = north_mcp_http_client_address (self->message, self->trusted_proxies);
  if (!G_IS_INET_SOCKET_ADDRESS (client))
    return NULL;
  return north_mcp_http_share_key (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (client)));
}

static void
north_mcp_http_channel_class_init (NorthMcpHttpChannelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  NorthMcpChannelClass *channel_class = NORTH_MCP_CHANNEL_CLASS (klass);

  object_class->dispose = north_mcp_http_channel_dispose;
  object_class->finalize = north_mcp_http_channel_finalize;
  channel_class->send = north_mcp_http_channel_send;
  channel_class->send_response_text = north_mcp_http_channel_send_response_text;
  channel_class->can_stream = north_mcp_http_channel_can_stream;
  channel_class->skip_response = north_mcp_http_channel_skip_response;
  channel_class->close_stream = north_mcp_http_channel_close_stream;
  channel_class->release_request = north_mcp_http_channel_release_request;
  channel_class->stream_cost = north_mcp_http_channel_stream_cost;
  channel_class->dup_peer = north_mcp_http_channel_dup_peer;
  channel_class->is_full = north_mcp_http_channel_is_full;
}

static void
north_mcp_http_channel_init (NorthMcpHttpChannel *self)
{
}
