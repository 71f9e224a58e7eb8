/* north-mcp-http-listener.c: accepts the HTTP connections of a SoupServer
 * itself, and closes those that hang up, idle or stop reading
 *
 * Why not soup_server_listen() alone: with libsoup 3.2 (Debian 12 ships
 * 3.2.3) a long-running server dies of two things.
 *
 * - A keep-alive connection that the client closes while it is idle is
 *   never freed. After a response, libsoup waits for the next request
 *   with a message that has no completion callback yet; when the read
 *   meets the end of the stream, that message ends without anyone
 *   disconnecting the connection, so its socket and objects stay in the
 *   server's client list for good (fixed in libsoup 3.3.0 by commit
 *   d20c6601 "server: do not leak idle connections closed by the
 *   client"). Every client that pools connections (httpx, Node's fetch,
 *   North itself) leaks one descriptor per connection.
 * - When accept() fails (EMFILE, ENFILE) libsoup's listener removes its
 *   watch: the process keeps its port open but never accepts again.
 *
 * So, with libsoup's public API only:
 *
 * - We accept() ourselves, with a back-off when it fails, and hand each
 *   connection to soup_server_accept_iostream().
 * - libsoup keeps a connection alive only while it has a listener, so the
 *   same socket is also given to soup_server_listen_socket(), under a
 *   thread-default main context that never runs: libsoup's own watch on
 *   it never fires (libsoup attaches it to the thread-default context, as
 *   documented for soup_server_listen()).
 * - The connection's input goes through a NorthMcpHangupInputStream,
 *   which holds back the read that meets the end of the stream. libsoup
 *   keeps waiting (its idle message still exists), and we take the
 *   connection away from it with soup_server_message_steal_connection()
 *   on the last message it started there (which drops it from the
 *   server's clients), then close it. libsoup must not see the end
 *   itself: once it has, the connection has no message any more and a
 *   steal would dereference NULL in libsoup 3.2. A steal happens from the
 *   main loop only (a high-priority idle), never inside libsoup's code.
 * - The same steal closes connections idle for longer than the server's
 *   idle timeout (also: request headers not complete by then, that is
 *   slowloris; a request body that stops coming or trickles in, below
 *   NORTH_MCP_HTTP_MIN_BODY_RATE over each timeout, is answered 408 first,
 *   north-mcp-http-refusal.c), connections whose client stops
 *   reading a stream (north_mcp_http_listener_check_unsent()), and
 *   connections whose client has acknowledged none of the output waiting
 *   for it for as long (the write timeout libsoup does not have; seen in
 *   the socket's TCP_INFO).
 * - While a connection answers a stream, libsoup does not read it, so a
 *   client that hangs up would be noticed only when a later write fails
 *   (an idle stream writes a comment every 15 s); the socket is watched
 *   instead (north_mcp_http_listener_watch_hangup()), and the steal
 *   closes it at once.
 * - The connection's output goes through a NorthMcpInterimOutputStream,
 *   which drops the "100 Continue" libsoup would send an HTTP/1.0 client.
 *
 * A request costs two signal handlers (request-started, request-finished),
 * a few stores per read and its head's one pass
 * (north-mcp-http-listener-requests.c); that its body is in is told by
 * the server callback (north_mcp_http_listener_request_read()), not by a
 * request-read handler; see bench/results/profile-notes.md. libsoup's
 * request cycle is unchanged.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "north-mcp-http-listener-impl-private.h"
#include "north-mcp-http-client-address-private.h"
#include "north-mcp-http-socket-private.h"
#include "north-mcp-http-stolen-slot-private.h"
#include "north-mcp-hangup-input-stream-private.h"
#include "north-mcp-http-held-body-private.h"
#include "north-mcp-http-refusal-private.h"
#include "north-mcp-interim-output-stream-private.h"
#include "north-mcp-log-private.h"
#include "north-mcp-log-throttle-private.h"
#include "north-mcp-transport-host-private.h"

#define LOGGER "NorthMCP.HTTP"
/* Back-off of accept() after a failure: doubles from the first to the
 * last. */
#define RETRY_FIRST_MS 100
#define RETRY_LAST_MS 1000
/* Connections accepted in one go before other sources get a turn. */
#define ACCEPT_BATCH 32
/* Defaults when there is no host to ask. */
#define DEFAULT_IDLE_TIMEOUT_S 60
#define DEFAULT_MAX_UNSENT_BYTES (4 * 1024 * 1024)
G_DEFINE_FINAL_TYPE (NorthMcpHttpListener, north_mcp_http_listener, G_TYPE_OBJECT)

static GQuark
client_quark (void)
{
  static GQuark quark;

  if (G_UNLIKELY (quark == 0))
    quark = g_quark_from_static_string ("north-mcp-http-client");
  return quark;
}

/* The connection of @msg (NULL: not one of ours). Several times per
 * request, and nearly always the one @self last read from or found:
 * comparing its message, then its remote address, spares the qdata
 * lookup (~125 instructions). Exact: @self->current is alive (forgotten
 * when freed, or when @self stops), holds its message (whose address no
 * other message can have), and owns its remote address. */
NorthMcpHttpListenerClient *
north_mcp_http_listener_client_of (NorthMcpHttpListener *self,
                                   SoupServerMessage    *msg)
{
  NorthMcpHttpListenerClient *client = self != NULL ? self->current : NULL;
  GSocketAddress *remote;

  if (client != NULL && client->msg == msg)
    return client;
  if ((remote = soup_server_message_get_remote_address (msg)) == NULL)
    return NULL;
  if (client == NULL || client->remote != remote)
    client = g_object_get_qdata (G_OBJECT (remote), client_quark ());
  if (client != NULL && self != NULL && client->listener == self)
    self->current = client;
  return client;
}

/* The host's settings; a listener without a host has the defaults, and
 * no limit on connections. */
static NorthMcpTransportSettings
settings_of (NorthMcpHttpListener *self)
{
  NorthMcpTransportSettings settings;

  if (self->host == NULL)
    return (NorthMcpTransportSettings) {
      .idle_timeout = DEFAULT_IDLE_TIMEOUT_S,
      .max_unsent_bytes = DEFAULT_MAX_UNSENT_BYTES,
    };
  north_mcp_transport_host_get_settings (self->host, &settings);
  return settings;
}

static void
debug (NorthMcpHttpListener *self,
       const char           *text)
{
  if (self->host != NULL)
    north_mcp_transport_host_debug (self->host, "%s", text);
}

/* ------------------------------------------------------------------ */
/* Connections                                                         */

/* What @client's output counts in max-unsent-output-bytes goes: its body
 * is let go of (or truncated, for a cut). */
static void
client_uncount_unsent (NorthMcpHttpListenerClient *client)
{
  if (client->unsent_peer != NULL)
    north_mcp_http_peer_remove_unsent (client->unsent_peer, client->unsent);
  client->unsent = 0;
  g_clear_pointer (&client->unsent_peer, north_mcp_http_peer_unref);
}

static void
client_unwatch (NorthMcpHttpListenerClient *client)
{
  client_uncount_unsent (client);
  if (client->watched == NULL)
    return;

  g_signal_handler_disconnect (client->watched, client->wrote_id);
  client->wrote_id = 0;
  g_clear_object (&client->watched);
}

static void
client_unwatch_hangup (NorthMcpHttpListenerClient *client)
{
  if (client->hangup_watch != NULL)
    {
      g_source_destroy (client->hangup_watch);
      g_clear_pointer (&client->hangup_watch, g_source_unref);
    }
}

/* libsoup is done with the message: it lets go of the buffer of its
 * head, while its body may go on counting for the request parsed from it
 * (north_mcp_http_listener_keep_body()). */
static void
client_release_body (NorthMcpHttpListenerClient *client)
{
  if (client->body != NULL && client->head_cost > 0)
    north_mcp_http_held_body_give_back (client->body, client->head_cost);
  client->head_cost = 0;
  g_clear_pointer (&client->body, north_mcp_http_held_body_release);
}

static void
client_forget_admission (NorthMcpHttpListenerClient *client)
{
  client->admitted = FALSE;
  g_clear_object (&client->user);
}

static void resume_accepting (NorthMcpHttpListener *self);

static void
client_free (NorthMcpHttpListenerClient *client)
{
  client_release_body (client);
  client_forget_admission (client);
  if (client->listener != NULL)
    {
      if (client->listener->current == client)
        client->listener->current = NULL;
      g_queue_unlink (&client->listener->clients, &client->link);
      if (client->listener->full)
        resume_accepting (client->listener);
    }
  if (client->close_source != NULL)
    {
      g_source_destroy (client->close_source);
      g_clear_pointer (&client->close_source, g_source_unref);
    }
  client_unwatch_hangup (client);
  north_mcp_hangup_input_stream_set_func (client->input, NULL, NULL);
  client_unwatch (client);
  g_object_set_qdata (G_OBJECT (client->remote), client_quark (), NULL);
  g_clear_object (&client->remote);
  g_clear_pointer (&client->peer, north_mcp_http_peer_unref);
  g_clear_pointer (&client->forwarded, north_mcp_http_peer_unref);
  g_clear_pointer (&client->anonymous, north_mcp_http_peer_unref);
  g_clear_object (&client->socket);
  g_clear_object (&client->msg);
  g_clear_object (&client->input);
  g_clear_object (&client->output);
  if (client->ending != NULL)
    g_cancellable_cancel (client->ending);
  g_clear_object (&client->ending);
  g_free (client);
}

typedef struct
{
  GIOStream    *stream;
  GInputStream *input;
  GBytes       *end;
} Ending;

static void
ended_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Ending *ending = user_data;

  g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, NULL);
  /* Closes the socket and frees the client, unless that happened
   * already (then the write was cancelled). */
  g_input_stream_close (ending->input, NULL, NULL);
  g_object_unref (ending->stream);
  g_object_unref (ending->input);
  g_bytes_unref (ending->end);
  g_free (ending);
}

/* The end of a stream cut for its unsent output, written on the stolen
 * connection before it is closed: at most the rest of one chunk (one
 * write). A client that does not take it is closed as any other (it
 * hangs up, or reads nothing for the idle timeout: close_cb() again). */
static void
write_end (NorthMcpHttpListenerClient *client,
           GIOStream                  *stolen,
           GBytes                     *end)
{
  Ending *ending = g_new0 (Ending, 1);

  ending->stream = g_object_ref (stolen);
  ending->input = g_object_ref (G_INPUT_STREAM (client->input));
  ending->end = g_bytes_ref (end);
  client->ending = g_cancellable_new ();
  g_output_stream_write_all_async (g_io_stream_get_output_stream (stolen),
                                   g_bytes_get_data (end, NULL), g_bytes_get_size (end),
                                   G_PRIORITY_DEFAULT, client->ending, ended_cb, ending);
}

/* Takes the connection away from libsoup and closes it. From the main
 * loop only, never from inside libsoup: the steal frees libsoup's state
 * of the connection. */
static gboolean
close_cb (gpointer user_data)
{
  NorthMcpHttpListenerClient *client = user_data;
  g_autoptr(SoupServerMessage) msg = client->msg != NULL ? g_object_ref (client->msg) : NULL;
  g_autoptr(GInputStream) input = g_object_ref (G_INPUT_STREAM (client->input));
  g_autoptr(GIOStream) stolen = NULL;
  g_autoptr(GBytes) end = NULL;

  g_clear_pointer (&client->close_source, g_source_unref);

  /* libsoup forgets the connection; its messages emit `disconnected`. */
  if (client->ending == NULL)
    {
      client->stealing = TRUE;
      /* A client that stopped reading gets whole events all the same,
       * then the end of the body, not a cut where libsoup's writes were. */
      if (msg != NULL && client->cut && msg == client->watched && client->output != NULL)
        end = north_mcp_interim_output_stream_end_body (client->output,
                                                        soup_server_message_get_response_body (msg));
      if (msg != NULL)
        stolen = soup_server_message_steal_connection (msg);
      if (stolen != NULL && end != NULL && g_bytes_get_size (end) > 0)
        {
          /* What was queued behind it goes now, not with the message. */
          soup_message_body_truncate (soup_server_message_get_response_body (msg));
          write_end (client, stolen, end);
          return G_SOURCE_REMOVE;
        }
    }
  /* Closes the socket and frees @client. */
  g_input_stream_close (input, NULL, NULL);

  return G_SOURCE_REMOVE;
}

static void
client_close_later (NorthMcpHttpListenerClient *client)
{
  if (client->close_source != NULL || client->listener == NULL)
    return;

  /* Before libsoup's own sources get a turn. */
  client->close_source = g_idle_source_new ();
  g_source_set_priority (client->close_source, G_PRIORITY_HIGH);
  g_source_set_callback (client->close_source, close_cb, client, NULL);
  g_source_set_static_name (client->close_source, "[north-mcp] close connection");
  g_source_attach (client->close_source, client->listener->context);
}

/* The connection is no longer ours: closed, or stolen by a route. */
static void
client_forget (NorthMcpHttpListenerClient *client)
{
  if (client->accepting)
    {
      /* serve() is still using it and frees it after. */
      north_mcp_hangup_input_stream_set_func (client->input, NULL, NULL);
      client->closed = TRUE;
    }
  else
    client_free (client);
}

/* A body sent a byte per TCP segment is read in as many pieces:
 * counted before each read while a held body arrives (its connection's
 * reads are seen here at no cost per request, where a "got-chunk"
 * handler on every message would cost one). */
static void
client_count_body_read (NorthMcpHttpListenerClient *client)
{
  north_mcp_http_body_count_piece (soup_server_message_get_request_body (client->msg), &client->body_reads);
}

static void
client_event (gpointer            user_data,
              NorthMcpHangupEvent event)
{
  NorthMcpHttpListenerClient *client = user_data;

  switch (event)
    {
    case NORTH_MCP_HANGUP_EVENT_DATA:
      if (client->body != NULL && client->msg != NULL && !client->request_read)
        client_count_body_read (client);
      /* What libsoup parses from these bytes is this connection's. */
      if (client->listener != NULL)
        client->listener->current = client;
      if (!client->busy)
        {
          client->busy = TRUE;
          client->busy_since = g_get_monotonic_time ();
        }
      break;
    case NORTH_MCP_HANGUP_EVENT_HANGUP:
      client_close_later (client);
      break;
    case NORTH_MCP_HANGUP_EVENT_CLOSED:
    default:
      client_forget (client);
      break;
    }
}

/* libsoup closes the connection after this response (and the client
 * knows not to send another request on it). */
static void
say_close (SoupServerMessage *msg)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection", "close");
}

static void
request_started_cb (SoupServer        *soup,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  NorthMcpHttpListenerClient *client = north_mcp_http_listener_client_of (user_data, msg);

  if (client == NULL)
    return;

  g_set_object (&client->msg, msg);
  if (G_UNLIKELY (client->listener != NULL && client->listener->draining))
    say_close (msg);
  if (G_UNLIKELY (client->admitted))
    client_forget_admission (client);
  client->request_read = FALSE;
  client->head_read = FALSE;
  client->body_since = 0;
  client->body_reads = 0;
  /* The first request is announced on accept, before any byte of it:
   * the connection is busy once its bytes arrive. Later ones are
   * announced after their first bytes (so busy already). */
  if (!client->accepting && !client->busy)
    {
      client->busy = TRUE;
      client->busy_since = g_get_monotonic_time ();
    }
}

/* Headers and body are in: what is left is the server's to do. Said
 * again while draining: after a "100 Continue" libsoup starts the
 * response headers afresh. Called by the server callback, which libsoup
 * calls right after it emits request-read (a handler of that signal cost
 * ~680 instructions a request). A request libsoup answers itself from its
 * head (a 400 for its path) reaches no callback: its body counts as
 * coming until the answer is written, which is at once unless its client
 * reads nothing, and then both ways close the connection after the idle
 * timeout. */
void
north_mcp_http_listener_request_read (NorthMcpHttpListener *self,
                                      SoupServerMessage    *msg)
{
  NorthMcpHttpListenerClient *client = north_mcp_http_listener_client_of (self, msg);

  if (client == NULL || client->msg != msg)
    return;
  client->request_read = TRUE;
  if (G_UNLIKELY (client->listener != NULL && client->listener->draining))
    say_close (msg);
}

static void
request_done_cb (SoupServer        *soup,
                 SoupServerMessage *msg,
                 gpointer           user_data)
{
  NorthMcpHttpListenerClient *client = north_mcp_http_listener_client_of (user_data, msg);

  if (client == NULL || client->msg != msg)
    return;

  client->busy = FALSE;
  client->idle_since = g_get_monotonic_time ();
  /* libsoup let go of the buffer of its head: the next request's head
   * gets one of its own. */
  if (client->input != NULL)
    north_mcp_hangup_input_stream_forget_heads (client->input);
  client_unwatch (client);
  client_unwatch_hangup (client);
  /* We keep the message to steal the connection with, not its bodies. */
  soup_message_body_truncate (soup_server_message_get_request_body (msg));
  client_release_body (client);
  if (client->admitted)
    client_forget_admission (client);
  soup_message_body_truncate (soup_server_message_get_response_body (msg));
}

/* Once a second while there are connections. */
static gboolean
sweep_cb (gpointer user_data)
{
  NorthMcpHttpListener *self = user_data;
  guint timeout = settings_of (self).idle_timeout;
  gint64 now = g_get_monotonic_time ();

  if (self->clients.length == 0)
    {
      g_clear_pointer (&self->sweep, g_source_unref);
      return G_SOURCE_REMOVE;
    }

  if (timeout == 0)
    return G_SOURCE_CONTINUE;

  for (GList *l = self->clients.head; l != NULL; l = l->next)
    {
      NorthMcpHttpListenerClient *client = l->data;

      if (!client->busy && now - client->idle_since >= (gint64) timeout * G_USEC_PER_SEC)
        {
          debug (self, "Closing a keep-alive connection idle for longer than the idle timeout");
          client_close_later (client);
        }
      else if (client->busy && client->msg != NULL && soup_server_message_get_method (client->msg) == NULL &&
               now - client->busy_since >= (gint64) timeout * G_USEC_PER_SEC)
        {
          /* Headers trickling in (slowloris) are no request in progress. */
          debug (self, "Closing a connection whose request headers took longer than the idle timeout");
          client_close_later (client);
        }
      else if (client->busy && client->msg != NULL && !client->request_read &&
               soup_server_message_get_method (client->msg) != NULL)
        {
          /* A request in progress that waits for its client: the body
           * must keep coming. */
          if (north_mcp_http_socket_body_too_slow (client->socket, &client->body_since, &client->body_received,
                                                   timeout, now))
            {
              static const char text[] = "Request body stopped or came too slowly";

              /* Answered, not just closed: a proxy in front (nginx) takes
               * a connection closed before any answer for a failed server
               * and leaves it out of its upstream group for a while. */
              debug (self, "Closing a connection whose request body stopped or came too slowly");
              client->request_read = TRUE; /* refused once: the steal ends it */
              north_mcp_http_refuse_unread (client->msg, SOUP_STATUS_REQUEST_TIMEOUT, "text/plain",
                                            text, sizeof text - 1, 0);
            }
        }
      else if (client->busy && !north_mcp_http_socket_output_stalled (client->socket, &client->acked))
        client->stalled_since = 0;
      else if (client->busy && client->stalled_since == 0)
        client->stalled_since = now;
      else if (client->busy && now - client->stalled_since >= (gint64) timeout * G_USEC_PER_SEC)
        {
          debug (self, "Closing a connection whose client read nothing for longer than the idle timeout");
          client_close_later (client);
        }
    }

  return G_SOURCE_CONTINUE;
}

static void
serve (NorthMcpHttpListener *self,
       GSocket              *socket)
{
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GSocketAddress) remote = NULL;
  g_autoptr(GInputStream) input = NULL;
  g_autoptr(GOutputStream) output = NULL;
  g_autoptr(GIOStream) stream = NULL;
  NorthMcpHttpListenerClient *client;

  local = g_socket_get_local_address (socket, NULL);
  remote = g_socket_get_remote_address (socket, NULL);
  if (local == NULL || remote == NULL)
    return; /* gone already; unreferencing closes it */

  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);
  connection = g_socket_connection_factory_create_connection (socket);
  input = north_mcp_hangup_input_stream_new (G_IO_STREAM (connection));
  output = north_mcp_interim_output_stream_new (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                                                remote);
  stream = g_simple_io_stream_new (input, output);

  client = g_new0 (NorthMcpHttpListenerClient, 1);
  client->link.data = client;
  client->listener = self;
  client->input = NORTH_MCP_HANGUP_INPUT_STREAM (g_object_ref (input));
  client->output = NORTH_MCP_INTERIM_OUTPUT_STREAM (g_object_ref (output));
  client->socket = g_object_ref (socket);
  client->remote = g_object_ref (remote);
  g_object_set_qdata (G_OBJECT (remote), client_quark (), client);
  north_mcp_hangup_input_stream_set_func (client->input, client_event, client);
  g_queue_push_tail_link (&self->clients, &client->link);

  /* libsoup may read and answer a first request right away. */
  client->idle_since = g_get_monotonic_time ();
  client->accepting = TRUE;
  soup_server_accept_iostream (self->soup, stream, local, remote, NULL);
  client->accepting = FALSE;
  if (client->closed)
    client_free (client);

  if (self->sweep == NULL && !self->stopped)
    {
      self->sweep = g_timeout_source_new_seconds (1);
      g_source_set_callback (self->sweep, sweep_cb, self, NULL);
      g_source_set_static_name (self->sweep, "[north-mcp] idle connections");
      g_source_attach (self->sweep, self->context);
    }
}

/* ------------------------------------------------------------------ */
/* Accepting                                                           */

static gboolean accept_cb (GSocket      *socket,
                           GIOCondition  condition,
                           gpointer      user_data);

static void
watch_socket (NorthMcpHttpListener *self,
              GSocket              *socket)
{
  GSource *watch = g_socket_create_source (socket, G_IO_IN, NULL);

  g_source_set_callback (watch, (GSourceFunc) (void (*) (void)) accept_cb, self, NULL);
  g_source_set_static_name (watch, "[north-mcp] accept");
  g_source_attach (watch, self->context);
  g_ptr_array_add (self->watches, watch);
}

static void
start_accepting (NorthMcpHttpListener *self)
{
  for (guint i = 0; i < self->sockets->len; i++)
    watch_socket (self, g_ptr_array_index (self->sockets, i));
}

static void
stop_accepting (NorthMcpHttpListener *self)
{
  for (guint i = 0; i < self->watches->len; i++)
    g_source_destroy (g_ptr_array_index (self->watches, i));
  g_ptr_array_set_size (self->watches, 0);
}

static gboolean
retry_cb (gpointer user_data)
{
  NorthMcpHttpListener *self = user_data;

  g_clear_pointer (&self->retry, g_source_unref);
  self->retry_ms = MIN (self->retry_ms * 2, RETRY_LAST_MS);
  start_accepting (self);

  return G_SOURCE_REMOVE;
}

/* accept() failed (typically EMFILE or ENFILE: out of descriptors). Its
 * connection stays in the backlog; we try again after a pause, when
 * other connections may have ended. */
static void
back_off (NorthMcpHttpListener *self,
          const GError         *error)
{
  if (!self->failing)
    north_mcp_log_warning (LOGGER, "Cannot accept connections: %s; retrying every %u to %u ms "
                           "until it works", error->message, RETRY_FIRST_MS, RETRY_LAST_MS);
  self->failing = TRUE;

  stop_accepting (self);
  self->retry = g_timeout_source_new (self->retry_ms);
  g_source_set_callback (self->retry, retry_cb, self, NULL);
  g_source_set_static_name (self->retry, "[north-mcp] accept back-off");
  g_source_attach (self->retry, self->context);
}

/* At max_connections, connections wait in the kernel's backlog: the
 * watches go until one of ours ends (client_free()). */
static gboolean
hold_off_when_full (NorthMcpHttpListener *self)
{
  guint max = settings_of (self).max_connections;
  guint skipped;

  if (max == 0 || self->clients.length + self->lingering < max)
    return FALSE;

  /* Every connection that ends lets one more in: said once a minute at most. */
  if (north_mcp_log_throttle_pass (&self->full_warnings, &skipped))
    {
      g_autofree char *more = north_mcp_log_throttle_more (skipped);

      north_mcp_log_warning (LOGGER, "%u connections are open, the most allowed (max-connections): "
                             "new ones wait until one ends%s", max, more);
    }
  self->full = TRUE;
  stop_accepting (self);
  return TRUE;
}

static void
resume_accepting (NorthMcpHttpListener *self)
{
  guint max = settings_of (self).max_connections;

  if (self->stopped || self->draining || (max != 0 && self->clients.length + self->lingering >= max))
    return;

  self->full = FALSE;
  if (self->retry == NULL)
    start_accepting (self);
}

static gboolean
accept_cb (GSocket      *socket,
           GIOCondition  condition,
           gpointer      user_data)
{
  /* A handler serve() runs may stop the server, which drops us. */
  g_autoptr(NorthMcpHttpListener) self = g_object_ref (user_data);

  for (guint i = 0; i < ACCEPT_BATCH; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocket) accepted = NULL;

      /* Draining or stopped: serve() ran a handler that shut down. */
      if (self->draining || self->stopped || hold_off_when_full (self))
        return G_SOURCE_CONTINUE;

      accepted = g_socket_accept (socket, NULL, &error);
      if (accepted == NULL)
        {
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            back_off (self, error);
          return G_SOURCE_CONTINUE;
        }

      if (self->failing)
        {
          north_mcp_log_warning (LOGGER, "Accepting connections again");
          self->failing = FALSE;
          self->retry_ms = RETRY_FIRST_MS;
        }

      serve (self, accepted);
    }

  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------ */
/* API                                                                 */

NorthMcpHttpListener *
north_mcp_http_listener_new (SoupServer            *soup,
                             NorthMcpTransportHost *host)
{
  NorthMcpHttpListener *self;

  g_return_val_if_fail (SOUP_IS_SERVER (soup), NULL);
  g_return_val_if_fail (host == NULL || NORTH_MCP_IS_TRANSPORT_HOST (host), NULL);

  self = g_object_new (NORTH_MCP_TYPE_HTTP_LISTENER, NULL);
  self->soup = g_object_ref (soup);
  self->host = host;
  if (host != NULL)
    g_object_add_weak_pointer (G_OBJECT (host), (gpointer *) &self->host);

  g_signal_connect (soup, "request-started", G_CALLBACK (request_started_cb), self);
  g_signal_connect (soup, "request-finished", G_CALLBACK (request_done_cb), self);
  g_signal_connect (soup, "request-aborted", G_CALLBACK (request_done_cb), self);

  return self;
}

gboolean
north_mcp_http_listener_add_socket (NorthMcpHttpListener  *self,
                                    GSocket               *socket,
                                    GError               **error)
{
  gboolean registered;

  g_return_val_if_fail (NORTH_MCP_IS_HTTP_LISTENER (self), FALSE);
  g_return_val_if_fail (G_IS_SOCKET (socket), FALSE);
  g_return_val_if_fail (!self->stopped, FALSE);

  /* libsoup's watch of the socket goes to a context nobody runs. */
  g_main_context_push_thread_default (self->inert);
  registered = soup_server_listen_socket (self->soup, socket, 0, error);
  g_main_context_pop_thread_default (self->inert);
  if (!registered)
    return FALSE;

  g_socket_set_blocking (socket, FALSE);
  g_ptr_array_add (self->sockets, g_object_ref (socket));
  if (self->retry == NULL)
    watch_socket (self, socket);

  return TRUE;
}

gboolean
north_mcp_http_listener_add_sockets (NorthMcpHttpListener  *self,
                                     GPtrArray             *sockets,
                                     GError               **error)
{
  g_return_val_if_fail (NORTH_MCP_IS_HTTP_LISTENER (self), FALSE);
  g_return_val_if_fail (sockets != NULL, FALSE);

  for (guint i = 0; i < sockets->len; i++)
    if (!north_mcp_http_listener_add_socket (self, g_ptr_array_index (sockets, i), error))
      return FALSE;

  return TRUE;
}

static gboolean
serve_backlog_cb (gpointer user_data)
{
  NorthMcpHttpListener *self = user_data;
  g_autoptr(GPtrArray) backlog = g_steal_pointer (&self->backlog);

  for (guint i = 0; i < backlog->len && !self->stopped; i++)
    serve (self, g_ptr_array_index (backlog, i));
  return G_SOURCE_REMOVE;
}

void
north_mcp_http_listener_drain (NorthMcpHttpListener *self)
{
  g_autoptr(GSource) idle = NULL;

  g_return_if_fail (NORTH_MCP_IS_HTTP_LISTENER (self));

  if (self->stopped || self->draining)
    return;
  self->draining = TRUE;
  stop_accepting (self);
  if (self->retry != NULL)
    {
      g_source_destroy (self->retry);
      g_clear_pointer (&self->retry, g_source_unref);
    }
  /* Refused from now on, here: a load balancer or the client tries
   * another replica. (Other processes sharing a socket keep theirs.)
   * What the kernel has accepted already would be reset with a request
   * maybe sent: it is served, from the main loop. */
  self->backlog = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < self->sockets->len; i++)
    {
      GSocket *socket = g_ptr_array_index (self->sockets, i), *accepted;

      while ((accepted = g_socket_accept (socket, NULL, NULL)) != NULL)
        g_ptr_array_add (self->backlog, accepted);
      g_socket_close (socket, NULL);
    }
  idle = g_idle_source_new ();
  g_source_set_priority (idle, G_PRIORITY_HIGH);
  g_source_set_callback (idle, serve_backlog_cb, g_object_ref (self), g_object_unref);
  g_source_attach (idle, self->context);

  /* Idle keep-alive connections stay: a request that runs may still need
   * one (a client's answer to an elicitation). */
  for (GList *l = self->clients.head; l != NULL; l = l->next)
    {
      NorthMcpHttpListenerClient *client = l->data;

      if (client->busy && client->msg != NULL)
        say_close (client->msg);
    }
}

gboolean
north_mcp_http_listener_is_busy (NorthMcpHttpListener *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_HTTP_LISTENER (self), FALSE);

  if (self->backlog != NULL)
    return TRUE;
  for (GList *l = self->clients.head; l != NULL; l = l->next)
    {
      NorthMcpHttpListenerClient *client = l->data;
      const char *method = client->busy && client->msg != NULL
                           ? soup_server_message_get_method (client->msg) : NULL;

      /* A GET is a stream (or a health check), which never ends by
       * itself; a request whose headers are still coming is not one yet. */
      if (method != NULL && strcmp (method, SOUP_METHOD_GET) != 0)
        return TRUE;
    }
  return FALSE;
}

void
north_mcp_http_listener_stop (NorthMcpHttpListener *self)
{
  g_return_if_fail (NORTH_MCP_IS_HTTP_LISTENER (self));

  self->stopped = TRUE;
  self->current = NULL;
  stop_accepting (self);
  if (self->retry != NULL)
    {
      g_source_destroy (self->retry);
      g_clear_pointer (&self->retry, g_source_unref);
    }
  if (self->sweep != NULL)
    {
      g_source_destroy (self->sweep);
      g_clear_pointer (&self->sweep, g_source_unref);
    }

  /* libsoup closes the connections themselves (soup_server_disconnect). */
  while (self->clients.length > 0)
    {
      NorthMcpHttpListenerClient *client = g_queue_peek_head (&self->clients);

      g_queue_unlink (&self->clients, &client->link);
      client->listener = NULL;
      /* Still in serve() (a handler stopped the server): freed there. */
      if (client->accepting)
        client->closed = TRUE;
      else
        client_free (client);
    }

  g_signal_handlers_disconnect_by_data (self->soup, self);
}

static void
wrote_body_data_cb (SoupServerMessage *msg,
                    guint              chunk_size,
                    gpointer           user_data)
{
  NorthMcpHttpListenerClient *client = user_data;
  guint64 sent = MIN (chunk_size, client->unsent);

  /* Only streams are watched: their bodies (not accumulated) let go of
   * their chunks as they are written. */
  client->written += chunk_size;
  client->unsent -= sent;
  if (client->unsent_peer != NULL)
    north_mcp_http_peer_remove_unsent (client->unsent_peer, sent);
}

/* Counts what @msg's body holds unsent in max-unsent-output-bytes (in
 * its client's share): FALSE when that passes it. */
static gboolean
count_unsent (NorthMcpHttpListenerClient      *client,
              SoupServerMessage               *msg,
              guint64                          unsent,
              const NorthMcpTransportSettings *settings)
{
  guint64 limit = settings->max_unsent_output_bytes, more = unsent - MIN (unsent, client->unsent);

  if (unsent < client->unsent && client->unsent_peer != NULL)
    north_mcp_http_peer_remove_unsent (client->unsent_peer, client->unsent - unsent);
  client->unsent = unsent;
  if (more == 0)
    return TRUE;
  if (client->unsent_peer == NULL &&
      (client->unsent_peer = north_mcp_http_listener_output_share (client, msg, settings->trusted_proxies)) == NULL)
    return TRUE; /* not this listener's share: uncounted */
  return north_mcp_http_peer_add_unsent (client->unsent_peer, more, unsent, limit,
                                         limit == 0 ? 0 : MAX (limit / NORTH_MCP_HTTP_PEER_SHARE,
                                                               MAX (settings->max_unsent_bytes, 1024 * 1024)));
}

gboolean
north_mcp_http_listener_check_unsent (SoupServerMessage *msg,
                                      gsize              appended)
{
  NorthMcpHttpListenerClient *client;
  NorthMcpTransportSettings settings;
  SoupMessageBody *body;
  gboolean accumulated;
  guint64 limit;

  g_return_val_if_fail (SOUP_IS_SERVER_MESSAGE (msg), TRUE);

  client = north_mcp_http_listener_client_of (NULL, msg);
  if (client == NULL || client->listener == NULL)
    return TRUE;
  if (client->close_source != NULL || client->ending != NULL)
    return FALSE;

  body = soup_server_message_get_response_body (msg);
  settings = settings_of (client->listener);
  /* A one-shot answer is kept whole until it ends: counted, not watched. */
  accumulated = soup_message_body_get_accumulate (body);
  if (!accumulated && client->watched != msg)
    {
      client_unwatch (client);
      client->watched = g_object_ref (msg);
      client->written = 0;
      client->wrote_id = g_signal_connect (msg, "wrote-body-data", G_CALLBACK (wrote_body_data_cb), client);
    }

  /* What was queued before this append and is still unsent: one large
   * append (a replay) is fine, output the client does not take is not.
   * Not added to the limit, which may be as large as G_MAXUINT64. */
  limit = settings.max_unsent_bytes;
  if (!count_unsent (client, msg, body->length - (accumulated ? 0 : MIN ((guint64) body->length, client->written)),
                     &settings))
    /* Debug only: any client can make this happen, as often as it likes. */
    debug (client->listener, "Closing a connection for too much unsent output of all connections "
           "(max-unsent-output-bytes)");
  else if (accumulated || (guint64) body->length <= client->written + appended ||
           (guint64) body->length - client->written - appended <= limit)
    return TRUE;
  else
    debug (client->listener, "Closing a connection whose client stopped reading (too much unsent output)");
  /* Its body goes with the close (what ends it is at most a chunk). */
  client_uncount_unsent (client);
  client->cut = TRUE;
  client_close_later (client);
  return FALSE;
}

/* The socket of a connection that is answering a stream became readable:
 * the client hung up (end of stream, or a reset), or sent more (a
 * pipelined request, which libsoup reads after the stream). Looked at,
 * not read: libsoup must not miss a byte. */
static gboolean
hangup_cb (GSocket      *socket,
           GIOCondition  condition,
           gpointer      user_data)
{
  NorthMcpHttpListenerClient *client = user_data;
  char byte;
  gssize n = recv (g_socket_get_fd (socket), &byte, 1, MSG_PEEK | MSG_DONTWAIT);

  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
    return G_SOURCE_CONTINUE;

  if (n <= 0)
    {
      debug (client->listener, "Closing a stream whose client hung up");
      client_close_later (client);
    }

  /* Either way, nothing more to watch: a hang-up after bytes that wait
   * shows when libsoup reads them. */
  g_clear_pointer (&client->hangup_watch, g_source_unref);
  return G_SOURCE_REMOVE;
}

void
north_mcp_http_listener_watch_hangup (SoupServerMessage *msg)
{
  NorthMcpHttpListenerClient *client;

  g_return_if_fail (SOUP_IS_SERVER_MESSAGE (msg));

  client = north_mcp_http_listener_client_of (NULL, msg);
  if (client == NULL || client->listener == NULL || client->msg != msg ||
      client->hangup_watch != NULL || client->close_source != NULL || client->ending != NULL)
    return;

  client->hangup_watch = g_socket_create_source (client->socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
  g_source_set_callback (client->hangup_watch, (GSourceFunc) (void (*) (void)) hangup_cb, client, NULL);
  g_source_set_static_name (client->hangup_watch, "[north-mcp] stream hang-up");
  g_source_attach (client->hangup_watch, client->listener->context);
}

void
north_mcp_http_listener_track_stream (SoupServerMessage *msg)
{
  NorthMcpHttpListenerClient *client;
  SoupEncoding encoding;

  g_return_if_fail (SOUP_IS_SERVER_MESSAGE (msg));

  client = north_mcp_http_listener_client_of (NULL, msg);
  encoding = soup_message_headers_get_encoding (soup_server_message_get_response_headers (msg));
  if (client != NULL && client->output != NULL && client->msg == msg &&
      (encoding == SOUP_ENCODING_CHUNKED || encoding == SOUP_ENCODING_EOF))
    north_mcp_interim_output_stream_track_body (client->output, encoding == SOUP_ENCODING_CHUNKED);
}

static void
message_disconnected_cb (SoupServerMessage *msg,
                         gpointer           user_data)
{
  NorthMcpHttpListenerClient *client = north_mcp_http_listener_client_of (NULL, msg);

  /* A connection libsoup closed is gone already (its stream said so
   * first); one still here was stolen, by us or by the route. */
  if (client == NULL || client->stealing)
    return;

  /* The route's now, still a connection of the server's: one that left
   * the count let a client hold any number (a refusal counts its own). */
  if (client->listener != NULL && !client->slot_kept)
    north_mcp_http_stolen_slot_watch (client->input, north_mcp_http_listener_keep_slot (msg),
                                      client->listener->context);
  client_forget (client);
}

void
north_mcp_http_listener_allow_steal (SoupServerMessage *msg)
{
  g_return_if_fail (SOUP_IS_SERVER_MESSAGE (msg));

  if (north_mcp_http_listener_client_of (NULL, msg) != NULL)
    g_signal_connect (msg, "disconnected", G_CALLBACK (message_disconnected_cb), NULL);
}

NorthMcpHttpListener *
north_mcp_http_listener_keep_slot (SoupServerMessage *msg)
{
  NorthMcpHttpListenerClient *client;

  g_return_val_if_fail (SOUP_IS_SERVER_MESSAGE (msg), NULL);

  client = north_mcp_http_listener_client_of (NULL, msg);
  if (client == NULL || client->listener == NULL)
    return NULL;

  client->listener->lingering++;
  client->slot_kept = TRUE;
  return client->listener;
}

void
north_mcp_http_listener_release_slot (NorthMcpHttpListener *self)
{
  g_return_if_fail (NORTH_MCP_IS_HTTP_LISTENER (self));
  g_return_if_fail (self->lingering > 0);

  self->lingering--;
  if (self->full)
    resume_accepting (self);
}

GSocket *
north_mcp_http_listener_get_socket (SoupServerMessage *msg)
{
  NorthMcpHttpListenerClient *client;

  g_return_val_if_fail (SOUP_IS_SERVER_MESSAGE (msg), NULL);

  client = north_mcp_http_listener_client_of (NULL, msg);
  return client != NULL ? client->socket : soup_server_message_get_socket (msg);
}

/* Whether @msg came on a connection one of our listeners accepted: cheap
 * (a qdata lookup on its remote address), for hooks that see every
 * SoupServerMessage of the process. */
gboolean
north_mcp_http_listener_owns (SoupServerMessage *msg)
{
  return north_mcp_http_listener_client_of (NULL, msg) != NULL;
}

/* ------------------------------------------------------------------ */
/* Life cycle                                                          */

static void
north_mcp_http_listener_dispose (GObject *object)
{
  NorthMcpHttpListener *self = NORTH_MCP_HTTP_LISTENER (object);

  if (!self->stopped)
    north_mcp_http_listener_stop (self);

  if (self->host != NULL)
    {
      g_object_remove_weak_pointer (G_OBJECT (self->host), (gpointer *) &self->host);
      self->host = NULL;
    }
  g_clear_object (&self->soup);

  G_OBJECT_CLASS (north_mcp_http_listener_parent_class)->dispose (object);
}

static void
north_mcp_http_listener_finalize (GObject *object)
{
  NorthMcpHttpListener *self = NORTH_MCP_HTTP_LISTENER (object);

  g_ptr_array_unref (self->watches);
  g_ptr_array_unref (self->sockets);
  g_clear_pointer (&self->backlog, g_ptr_array_unref);
  g_main_context_unref (self->inert);
  g_main_context_unref (self->context);
  north_mcp_http_body_account_unref (self->account);

  G_OBJECT_CLASS (north_mcp_http_listener_parent_class)->finalize (object);
}

static void
north_mcp_http_listener_class_init (NorthMcpHttpListenerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = north_mcp_http_listener_dispose;
  object_class->finalize = north_mcp_http_listener_finalize;
}

static void
north_mcp_http_listener_init (NorthMcpHttpListener *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->inert = g_main_context_new ();
  self->sockets = g_ptr_array_new_with_free_func (g_object_unref);
  self->watches = g_ptr_array_new_with_free_func ((GDestroyNotify) g_source_unref);
  self->retry_ms = RETRY_FIRST_MS;
  self->account = north_mcp_http_body_account_new ();
  g_queue_init (&self->clients);
}
