/* north-mcp-stdio-transport.c: newline-delimited JSON-RPC on a pair of
 * streams
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>
#include <unistd.h>
#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>

#include "north-mcp-channel-private.h"
#include "north-mcp-error.h"
#include "north-mcp-json-limits-private.h"
#include "north-mcp-jsonrpc-private.h"
#include "north-mcp-session-private.h"
#include "north-mcp-siphash-private.h"
#include "north-mcp-stdio-batch-channel-private.h"
#include "north-mcp-stdio-channel-private.h"
#include "north-mcp-stdio-transport-private.h"
#include "north-mcp-transport-host-private.h"
#include "north-mcp-util-private.h"

#define READ_CHUNK_SIZE 65536

struct _NorthMcpStdioTransport
{
  GObject               parent_instance;

  NorthMcpTransportHost *host;   /* weak */
  NorthMcpSession      *session;
  GInputStream         *input;
  NorthMcpStdioChannel *channel;
  GCancellable         *cancellable;
  GByteArray           *buffer;
  gsize                 scanned;    /* bytes of it known to hold no newline */
  guint64               searched;   /* bytes looked at for newlines, ever */
  GHashTable           *held;       /* id key -> GArray of the guint64 bytes of
                                     * the requests in progress with that id */
  guint64               held_bytes; /* all of them */
  guint64               max_held_bytes;
  guint64               max_tree_bytes; /* north_mcp_json_tree_cap() of max-body-size */
  guint                 held_requests; /* how many */
  guint                 max_requests;  /* 0: no bound */
  gboolean              refusing;   /* answers that held nothing */
  gboolean              discarding; /* inside an oversized line */
  gboolean              waiting;    /* for the client to read answers */
  gboolean              input_done; /* closed once the requests read are answered */
  GSource              *end_check;  /* for that, after an answer */
  gboolean              stopped;
  gboolean              closed;
};

G_DEFINE_FINAL_TYPE (NorthMcpStdioTransport, north_mcp_stdio_transport, G_TYPE_OBJECT)

enum {
  CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
emit_closed (gpointer data)
{
  NorthMcpStdioTransport *self = data;

  if (self->closed)
    return;

  self->closed = TRUE;
  g_signal_emit (self, signals[CLOSED], 0);
}

static void
send_parse_error (NorthMcpStdioTransport *self,
                  const char             *message)
{
  g_autoptr(JsonNode) response =
    north_mcp_jsonrpc_error_new (NULL, NORTH_MCP_JSONRPC_ERROR_PARSE_ERROR, message, NULL);

  north_mcp_channel_send (NORTH_MCP_CHANNEL (self->channel), response);
}

static void
send_too_large (NorthMcpStdioTransport *self,
                gsize                   limit)
{
  g_autofree char *message =
    g_strdup_printf ("Parse error: the message exceeds the limit of %" G_GSIZE_FORMAT " bytes", limit);

  send_parse_error (self, message);
}

/* At most this many requests in progress may share an id (the client
 * broke the rule that ids are unique); more are refused. */
#define MAX_SAME_ID 16

/* The bytes held for the requests in progress with @key, a GArray of
 * guint64, created if @create. */
static GArray *
held_sizes (NorthMcpStdioTransport *self,
            const char             *key,
            gboolean                create)
{
  GArray *sizes = g_hash_table_lookup (self->held, key);

  if (sizes == NULL && create)
    {
      sizes = g_array_sized_new (FALSE, FALSE, sizeof (guint64), 1);
      g_hash_table_insert (self->held, g_strdup (key), sizes);
    }
  return sizes;
}

static void close_when_answered (NorthMcpStdioTransport *self);

static void
answered_cb (JsonNode *id,
             gpointer  user_data)
{
  NorthMcpStdioTransport *self = user_data;
  g_autofree char *key = north_mcp_id_key (id);
  GArray *sizes = key != NULL && !self->refusing ? held_sizes (self, key, FALSE) : NULL;
  guint smallest = 0;

  if (sizes == NULL)
    return;

  /* Answers to requests that share an id cannot be told apart: letting
   * go of the smallest never counts less than is held. */
  for (guint i = 1; i < sizes->len; i++)
    if (g_array_index (sizes, guint64, i) < g_array_index (sizes, guint64, smallest))
      smallest = i;
  self->held_bytes -= g_array_index (sizes, guint64, smallest);
  self->held_requests--;
  g_array_remove_index_fast (sizes, smallest);
  if (sizes->len == 0)
    g_hash_table_remove (self->held, key);
  if (self->input_done && g_hash_table_size (self->held) == 0)
    close_when_answered (self);
}

/* For a line whose reader stopped at max_tree_bytes: refused for good, as a line too large (-32700). The budget is that cap
 * alone, not what the requests in progress leave of max-held-body-bytes
 * (as over HTTP): lines are read one at a time, so one tree at most is
 * built at once, and a line that holds nothing once parsed (the client's
 * answer to the server's request, a notification) is not refused for
 * them; hold() refuses the others once parsed. */
static void
refuse_tree (NorthMcpStdioTransport *self)
{
  g_autofree char *message =
    g_strdup_printf ("Parse error: the message's parsed JSON would take more than %" G_GUINT64_FORMAT
                     " bytes in memory (%d times max-body-size)",
                     self->max_tree_bytes, NORTH_MCP_JSON_MAX_TREE_FACTOR);

  send_parse_error (self, message);
}

/* Requests that run long keep what they were read into, their parsed
 * tree, which takes up to some 130 times their line (an array of empty
 * objects): a line counts its tree's cost (north_mcp_json_read_counted())
 * where that is more than its length (the line itself is let go of once
 * parsed). As the HTTP transport bounds the bodies it holds, a line
 * whose requests would take what the requests in progress hold past
 * max-held-body-bytes is refused (@reply_id is that of its answer), unless
 * nothing else is in progress. The answers of batches that wait for their
 * last request count too. Their number is bounded as over HTTP
 * (max-requests-in-progress): each keeps its context and parsed request,
 * some 1.6 KiB, so small requests whose handlers wait for something that
 * never comes would take far more than their bytes. Otherwise its
 * requests (@ids, and the invalid messages that are answered with an id)
 * share its @bytes until they are answered. Reading goes on: the client's
 * answers to the server's own requests come that way. */
static gboolean
hold (NorthMcpStdioTransport *self,
      JsonNode               *reply_id,
      JsonNode              **ids,
      guint                   n_ids,
      guint64                 bytes)
{
  g_autofree char *message = NULL;
  g_autoptr(JsonNode) response = NULL;
  guint64 held = self->held_bytes + north_mcp_stdio_channel_get_kept (self->channel);
  gboolean fits = held == 0 || (held <= self->max_held_bytes && bytes <= self->max_held_bytes - held);
  gboolean too_many = self->held_requests > 0 && self->max_requests > 0 &&
                      (self->held_requests >= self->max_requests ||
                       n_ids > self->max_requests - self->held_requests);

  for (guint i = 0; i < n_ids && fits; i++)
    {
      g_autofree char *key = north_mcp_id_key (ids[i]);
      GArray *sizes = held_sizes (self, key, FALSE);
      guint same = sizes != NULL ? sizes->len : 0;

      /* Those of this line count too: a batch holds up to 100. */
      for (guint j = 0; j < i && same < MAX_SAME_ID; j++)
        same += json_node_equal (ids[i], ids[j]);
      fits = same < MAX_SAME_ID;
    }

  if (too_many)
    message = g_strdup_printf ("Server busy: %u requests in progress (max-requests-in-progress); "
                               "try again when some have ended", self->held_requests);
  else if (!fits)
    message = g_strdup_printf ("Server busy: the requests in progress would hold more than %"
                               G_GUINT64_FORMAT " bytes (max-held-body-bytes), or more than %u of "
                               "them share an id; try again when some have ended",
                               self->max_held_bytes, MAX_SAME_ID);
  if (message != NULL)
    {
      response = north_mcp_jsonrpc_error_new (reply_id, NORTH_MCP_JSONRPC_ERROR_INTERNAL_ERROR,
                                              message, NULL);
      self->refusing = TRUE;
      north_mcp_channel_send (NORTH_MCP_CHANNEL (self->channel), response);
      self->refusing = FALSE;
      return FALSE;
    }

  for (guint i = 0; i < n_ids; i++)
    {
      g_autofree char *key = north_mcp_id_key (ids[i]);
      guint64 share = bytes / n_ids + (i == 0 ? bytes % n_ids : 0);

      g_array_append_val (held_sizes (self, key, TRUE), share);
      self->held_bytes += share;
    }
  self->held_requests += n_ids;
  return TRUE;
}

/* Whether @message will be answered with @id_out: a request, or an
 * invalid message with an id (a string or an integer: what the held
 * requests are keyed by). */
static gboolean
answered_with_id (JsonNode  *message,
                  JsonNode **id_out)
{
  NorthMcpMessageKind kind = north_mcp_jsonrpc_classify (message, id_out, NULL);
  g_autofree char *key = north_mcp_id_key (*id_out);

  return key != NULL && (kind == NORTH_MCP_MESSAGE_REQUEST || kind == NORTH_MCP_MESSAGE_INVALID);
}

/* hold() for a parsed @message of @bytes; @batch: it is a batch that
 * dispatch takes (an array it refuses whole holds nothing: its answer
 * has no id). */
static gboolean
hold_message (NorthMcpStdioTransport *self,
              JsonNode               *message,
              gboolean                batch,
              guint64                 bytes)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();
  JsonNode *id = NULL;

  if (JSON_NODE_HOLDS_ARRAY (message))
    {
      JsonArray *batch_array = json_node_get_array (message);

      if (!batch)
        return TRUE;
      for (guint i = 0; i < json_array_get_length (batch_array); i++)
        if (answered_with_id (json_array_get_element (batch_array, i), &id))
          g_ptr_array_add (ids, id);
      id = NULL;
    }
  else if (answered_with_id (message, &id))
    g_ptr_array_add (ids, id);

  return ids->len == 0 || hold (self, id, (JsonNode **) ids->pdata, ids->len, bytes);
}

/* A batch that is one (JSON-RPC 2.0 section 6: not one refused whole,
 * which gets a single error) is answered with one array. */
static void
handle_message (NorthMcpStdioTransport *self,
                JsonNode               *message,
                gboolean                is_batch)
{
  g_autoptr(NorthMcpChannel) batch = NULL;
  guint n_responses;

  if (is_batch)
    batch = north_mcp_stdio_batch_channel_new (self->channel);

  n_responses = north_mcp_transport_host_handle_message (self->host, self->session, NULL, message,
                                                         batch != NULL ? batch : NORTH_MCP_CHANNEL (self->channel));
  if (batch != NULL)
    north_mcp_stdio_batch_channel_expect (NORTH_MCP_STDIO_BATCH_CHANNEL (batch), n_responses);
}

static void
handle_line (NorthMcpStdioTransport *self,
             const char             *line,
             gsize                   length)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) message = NULL;
  g_auto(NorthMcpJsonrpcRequest) request = { 0, };
  gboolean batch;
  guint64 budget = self->max_tree_bytes, cost;

  while (length > 0 && (line[length - 1] == '\r' || line[length - 1] == ' ' || line[length - 1] == '\t'))
    length--;
  if (length == 0)
    return;

  /* One request, the usual line, without building its envelope. Either
   * reader stops once the tree passes its budget. */
  if (north_mcp_jsonrpc_read_request (line, length, budget, &request))
    {
      /* Held first: the answer may be sent at once. */
      if (self->host != NULL && hold (self, request.id, &request.id, 1, MAX (length, request.cost)))
        {
          north_mcp_transport_host_handle_request (self->host, self->session, NULL, &request,
                                                   NORTH_MCP_CHANNEL (self->channel));
        }
      return;
    }
  if (request.cost > budget)
    {
      refuse_tree (self);
      return;
    }

  message = north_mcp_jsonrpc_parse_counted (line, length, budget, &cost, &error);
  if (message == NULL && cost > budget)
    {
      refuse_tree (self);
      return;
    }
  if (message == NULL)
    {
      send_parse_error (self, error->message);
      return;
    }

  /* Checked once, for what it holds and where its answers go. */
  batch = JSON_NODE_HOLDS_ARRAY (message) &&
          north_mcp_jsonrpc_check_batch (json_node_get_array (message),
                                         north_mcp_session_get_protocol_version (self->session), NULL);
  if (self->host != NULL && hold_message (self, message, batch, MAX (length, cost)))
    handle_message (self, message, batch);
}

/* Handles the complete lines that are buffered. FALSE when it stopped
 * because more than max-unsent-bytes of answers wait for the client to
 * read them: a client that writes requests and reads no answers would
 * otherwise make the server queue answers without bound. Requests wait in
 * the pipe instead (the client's writes block), as on a TCP connection. */
static gboolean
consume_buffer (NorthMcpStdioTransport *self)
{
  NorthMcpTransportSettings settings = { .max_body_size = G_MAXSIZE,
                                         .max_unsent_bytes = G_MAXUINT64,
                                         .max_held_body_bytes = G_MAXUINT64,
                                         .max_requests = 0 };
  gsize limit, start = 0, from = self->scanned;
  gboolean full = FALSE;

  if (self->host != NULL)
    north_mcp_transport_host_get_settings (self->host, &settings);
  limit = settings.max_body_size;
  north_mcp_stdio_channel_set_max_unsent (self->channel, settings.max_unsent_bytes);
  self->max_held_bytes = settings.max_held_body_bytes;
  self->max_tree_bytes = north_mcp_json_tree_cap (limit);
  self->max_requests = settings.max_requests;

  /* The lines handled are removed once at the end: removing each in turn
   * would move the rest of the buffer per line, quadratic in the number
   * of short lines one read brings. */
  while (!self->stopped &&
         !(full = north_mcp_stdio_channel_get_unsent (self->channel) > settings.max_unsent_bytes))
    {
      /* Only what was not looked at before: a line that trickles in a
       * byte per read would otherwise be searched again whole per byte. */
      guint8 *newline = memchr (self->buffer->data + from, '\n', self->buffer->len - from);
      gsize length;

      self->searched += (newline != NULL ? newline + 1 - self->buffer->data : self->buffer->len) - from;

      if (newline == NULL)
        {
          from = self->buffer->len;
          break;
        }
      length = newline - (self->buffer->data + start);

      if (self->discarding)
        self->discarding = FALSE;
      else if (length - (length > 0 && newline[-1] == '\r') > limit)
        send_too_large (self, limit);
      else
        handle_line (self, (const char *) self->buffer->data + start, length);

      start += length + 1;
      from = start;
    }
  g_byte_array_remove_range (self->buffer, 0, start);
  self->scanned = from - start;
  if (full)
    return FALSE;

  /* A line longer than any acceptable message: answer once, then drop it
   * up to its end rather than buffer without bound. (A message of the
   * limit may still be waiting for the newline after its CR.) */
  if (self->buffer->len > limit && !(self->buffer->len == limit + 1 && self->buffer->data[limit] == '\r'))
    {
      if (!self->discarding)
        send_too_large (self, limit);
      self->discarding = TRUE;
      g_byte_array_set_size (self->buffer, 0);
      self->scanned = 0;
    }
  return TRUE;
}

static void read_next (NorthMcpStdioTransport *self);

static void wait_for_output (NorthMcpStdioTransport *self);

/* Handles what is buffered, then reads on, or waits until the client
 * has read the answers. */
static void
consume_and_read (NorthMcpStdioTransport *self)
{
  if (consume_buffer (self))
    read_next (self);
  else
    wait_for_output (self);
}

static void
output_drained (gpointer data)
{
  g_autoptr(NorthMcpStdioTransport) self = g_object_ref (data);

  if (!self->waiting || self->stopped)
    return;

  self->waiting = FALSE;
  north_mcp_stdio_channel_when_drained (self->channel, NULL, NULL);
  consume_and_read (self);
}

static void
wait_for_output (NorthMcpStdioTransport *self)
{
  self->waiting = TRUE;
  north_mcp_stdio_channel_when_drained (self->channel, output_drained, self);
}

/* At the end of input, each time the output is written out: closed once
 * no request read is still in progress. */
static void
drained_at_end (gpointer data)
{
  NorthMcpStdioTransport *self = data;

  if (g_hash_table_size (self->held) == 0)
    emit_closed (self);
}

static gboolean
when_drained_at_end (gpointer data)
{
  NorthMcpStdioTransport *self = data;

  g_clear_pointer (&self->end_check, g_source_unref);
  north_mcp_stdio_channel_when_drained (self->channel, drained_at_end, self);
  return G_SOURCE_REMOVE;
}

/* The last request in progress was answered (or will never be): its
 * answer is queued after this returns, then written out. */
static void
close_when_answered (NorthMcpStdioTransport *self)
{
  if (self->end_check != NULL || self->stopped)
    return;

  /* Destroyed by stop(), which dispose() calls. */
  self->end_check = g_idle_source_new ();
  g_source_set_priority (self->end_check, G_PRIORITY_DEFAULT);
  g_source_set_callback (self->end_check, when_drained_at_end, self, NULL);
  g_source_set_static_name (self->end_check, "[north-mcp] stdio end");
  g_source_attach (self->end_check, g_main_context_get_thread_default ());
}

static void
input_ended (NorthMcpStdioTransport *self)
{
  /* A last line without a newline still counts. */
  if (self->buffer->len > 0 && !self->discarding)
    handle_line (self, (const char *) self->buffer->data, self->buffer->len);
  g_byte_array_set_size (self->buffer, 0);
  self->scanned = 0;

  /* Exit once the requests read are answered (a client closes our input
   * to end the session, MCP lifecycle: it waits for the answers of those
   * it sent, as a pipeline does) and the answers have been written out.
   * Those whose handlers wait for the client's answers to the server's
   * requests are not kept waiting for what can no longer come. */
  self->input_done = TRUE;
  north_mcp_session_end_answers (self->session);
  north_mcp_stdio_channel_when_drained (self->channel, drained_at_end, self);
}

/* The output failed, or was cut because the client did not read it:
 * nothing can answer the client any more, so end as at end of input,
 * once the line the cut found half written is written whole. */
static void
channel_closed_cb (NorthMcpChannel        *channel,
                   NorthMcpStdioTransport *self)
{
  if (self->stopped)
    return;

  north_mcp_stdio_transport_stop (self);
  north_mcp_stdio_channel_when_drained (self->channel, emit_closed, self);
}

static void
read_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(NorthMcpStdioTransport) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gsize size;
  gconstpointer data;

  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  if (self->stopped)
    return;

  if (bytes == NULL)
    {
      g_debug ("stdio: cannot read: %s", error->message);
      input_ended (self);
      return;
    }

  data = g_bytes_get_data (bytes, &size);
  if (size == 0)
    {
      input_ended (self);
      return;
    }

  g_byte_array_append (self->buffer, data, size);
  consume_and_read (self);
}

static void
read_next (NorthMcpStdioTransport *self)
{
  if (self->stopped)
    return;

  g_input_stream_read_bytes_async (self->input, READ_CHUNK_SIZE, G_PRIORITY_DEFAULT,
                                   self->cancellable, read_done, g_object_ref (self));
}

static void
north_mcp_stdio_transport_dispose (GObject *object)
{
  NorthMcpStdioTransport *self = NORTH_MCP_STDIO_TRANSPORT (object);

  north_mcp_stdio_transport_stop (self);
  g_clear_weak_pointer (&self->host);
  g_clear_object (&self->session);
  if (self->channel != NULL)
    north_mcp_stdio_channel_when_answered (self->channel, NULL, NULL);
  g_clear_object (&self->channel);

  G_OBJECT_CLASS (north_mcp_stdio_transport_parent_class)->dispose (object);
}

static void
north_mcp_stdio_transport_finalize (GObject *object)
{
  NorthMcpStdioTransport *self = NORTH_MCP_STDIO_TRANSPORT (object);

  g_clear_object (&self->input);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->buffer, g_byte_array_unref);
  g_clear_pointer (&self->held, g_hash_table_unref);

  G_OBJECT_CLASS (north_mcp_stdio_transport_parent_class)->finalize (object);
}

static void
north_mcp_stdio_transport_class_init (NorthMcpStdioTransportClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = north_mcp_stdio_transport_dispose;
  object_class->finalize = north_mcp_stdio_transport_finalize;

  signals[CLOSED] = g_signal_new ("closed",
                                  G_TYPE_FROM_CLASS (klass),
                                  G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL,
                                  G_TYPE_NONE, 0);
}

static void
north_mcp_stdio_transport_init (NorthMcpStdioTransport *self)
{
  self->cancellable = g_cancellable_new ();
  self->buffer = g_byte_array_new ();
  self->held = g_hash_table_new_full (north_mcp_siphash_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify) g_array_unref);
  self->max_held_bytes = G_MAXUINT64;
  self->max_tree_bytes = G_MAXUINT64;
}

NorthMcpStdioTransport *
north_mcp_stdio_transport_new (NorthMcpTransportHost *host,
                               NorthMcpSession       *session,
                               GInputStream          *input,
                               GOutputStream         *output)
{
  NorthMcpStdioTransport *self = g_object_new (NORTH_MCP_TYPE_STDIO_TRANSPORT, NULL);

  g_set_weak_pointer (&self->host, host);
  self->session = g_object_ref (session);
  self->input = g_object_ref (input);
  self->channel = north_mcp_stdio_channel_new (output);
  g_signal_connect_object (self->channel, "closed", G_CALLBACK (channel_closed_cb), self, 0);
  north_mcp_stdio_channel_when_answered (self->channel, answered_cb, self);
  north_mcp_session_set_standalone_channel (session, NORTH_MCP_CHANNEL (self->channel));

  return self;
}

NorthMcpStdioTransport *
north_mcp_stdio_transport_new_for_stdio (NorthMcpTransportHost *host,
                                         NorthMcpSession       *session)
{
  g_autoptr(GInputStream) input = g_unix_input_stream_new (STDIN_FILENO, FALSE);
  g_autoptr(GOutputStream) output = g_unix_output_stream_new (STDOUT_FILENO, FALSE);

  return north_mcp_stdio_transport_new (host, session, input, output);
}

void
north_mcp_stdio_transport_start (NorthMcpStdioTransport *self)
{
  read_next (self);
}

void
north_mcp_stdio_transport_stop (NorthMcpStdioTransport *self)
{
  if (self->stopped)
    return;

  self->stopped = TRUE;
  g_cancellable_cancel (self->cancellable);
  if (self->end_check != NULL)
    {
      g_source_destroy (self->end_check);
      g_clear_pointer (&self->end_check, g_source_unref);
    }
  if (self->channel != NULL)
    {
      north_mcp_stdio_channel_when_drained (self->channel, NULL, NULL);
      north_mcp_channel_mark_closed (NORTH_MCP_CHANNEL (self->channel));
    }
}

guint64
north_mcp_stdio_transport_get_searched (NorthMcpStdioTransport *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_STDIO_TRANSPORT (self), 0);

  return self->searched;
}

guint64
north_mcp_stdio_transport_get_held (NorthMcpStdioTransport *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_STDIO_TRANSPORT (self), 0);

  return self->held_bytes;
}
