/* north-mcp-http-refusal.c: answering a request without reading its body
 *
 * libsoup 3.2 reads a request body to its end before it writes any answer,
 * even when an early handler has already set the status: a 500 MB upload
 * that is refused at its headers is still read whole (and kept, unless
 * told otherwise). To refuse without reading, the message is paused, its
 * connection taken from libsoup (soup_server_message_steal_connection(),
 * public API, as for WebSocket upgrades) and the answer written on it
 * directly, with "Connection: close".
 *
 * The client may still be sending. Closing a socket with unread data makes
 * the kernel reset the connection, which can destroy the answer before the
 * client reads it; so the write side is shut after the answer (the client
 * sees it, then end of stream), and what still arrives is read and dropped
 * for a bounded time and number of bytes (as much as the largest body the
 * server takes, and a little more: a proxy writes the whole body before it
 * reads the answer) before the socket is closed, as web servers do
 * ("lingering close").
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-http-refusal-private.h"
#include "north-mcp-http-listener-private.h"

#define DRAIN_CHUNK 4096

typedef struct {
  SoupServerMessage *msg;
  GSocket           *socket;
  GBytes            *answer;
  GIOStream         *stream;
  GCancellable      *cancellable;
  GMainContext      *context;
  GSource           *timeout;
  /* Weak: whose max-connections the drained connection counts against. */
  NorthMcpHttpListener *listener;
  gsize              drained;
  gsize              drain_limit;
  guchar             buffer[DRAIN_CHUNK];
} Refusal;

static void
refusal_free (Refusal *r)
{
  if (r->timeout != NULL)
    {
      g_source_destroy (r->timeout);
      g_source_unref (r->timeout);
    }
  if (r->stream != NULL)
    g_io_stream_close (r->stream, NULL, NULL);
  g_clear_object (&r->stream);
  if (r->listener != NULL)
    {
      north_mcp_http_listener_release_slot (r->listener);
      g_object_remove_weak_pointer (G_OBJECT (r->listener), (gpointer *) &r->listener);
    }
  g_clear_object (&r->socket);
  g_clear_object (&r->msg);
  g_clear_object (&r->cancellable);
  g_bytes_unref (r->answer);
  g_main_context_unref (r->context);
  g_free (r);
}

static void drain (Refusal *r);

static void
drained_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Refusal *r = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);

  if (n > 0 && (r->drained += n) < r->drain_limit)
    drain (r);
  else
    refusal_free (r);
}

static void
drain (Refusal *r)
{
  g_input_stream_read_async (g_io_stream_get_input_stream (r->stream), r->buffer, sizeof r->buffer,
                             G_PRIORITY_DEFAULT, r->cancellable, drained_cb, r);
}

static void
wrote_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Refusal *r = user_data;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, NULL) ||
      !g_socket_shutdown (r->socket, FALSE, TRUE, NULL))
    {
      refusal_free (r);
      return;
    }
  drain (r);
}

static gboolean
timeout_cb (gpointer user_data)
{
  Refusal *r = user_data;

  g_cancellable_cancel (r->cancellable);
  return G_SOURCE_CONTINUE; /* destroyed by refusal_free() */
}

static gboolean
steal_cb (gpointer user_data)
{
  Refusal *r = user_data;

  /* Still a connection of the server's, however long it drains: one
   * that left the count at once let a client hold any number. */
  r->listener = north_mcp_http_listener_keep_slot (r->msg);
  if (r->listener != NULL)
    g_object_add_weak_pointer (G_OBJECT (r->listener), (gpointer *) &r->listener);
  r->stream = soup_server_message_steal_connection (r->msg);
  if (r->stream == NULL || r->socket == NULL)
    {
      refusal_free (r);
      return G_SOURCE_REMOVE;
    }

  r->timeout = g_timeout_source_new_seconds (NORTH_MCP_HTTP_REFUSAL_DRAIN_SECONDS);
  g_source_set_callback (r->timeout, timeout_cb, r, NULL);
  g_source_attach (r->timeout, r->context);

  g_output_stream_write_all_async (g_io_stream_get_output_stream (r->stream),
                                   g_bytes_get_data (r->answer, NULL), g_bytes_get_size (r->answer),
                                   G_PRIORITY_DEFAULT, r->cancellable, wrote_cb, r);
  return G_SOURCE_REMOVE;
}

static void
append_header (const char *name,
               const char *value,
               gpointer    user_data)
{
  g_string_append_printf (user_data, "%s: %s\r\n", name, value);
}

void
north_mcp_http_refuse_unread (SoupServerMessage *msg,
                              guint              status,
                              const char        *content_type,
                              const char        *body,
                              gsize              length,
                              gsize              body_limit)
{
  GString *answer = g_string_new (NULL);
  GSocket *socket = north_mcp_http_listener_get_socket (msg);
  g_autoptr(GSource) idle = NULL;
  Refusal *r;

  g_return_if_fail (SOUP_IS_SERVER_MESSAGE (msg));

  g_string_append_printf (answer,
                          "HTTP/1.%d %u %s\r\n"
                          "Content-Type: %s\r\n"
                          "Content-Length: %" G_GSIZE_FORMAT "\r\n"
                          "Connection: close\r\n",
                          soup_server_message_get_http_version (msg) == SOUP_HTTP_1_0 ? 0 : 1,
                          status, soup_status_get_phrase (status), content_type, length);
  soup_message_headers_foreach (soup_server_message_get_response_headers (msg),
                                append_header, answer);
  g_string_append (answer, "\r\n");
  g_string_append_len (answer, body, length);

  r = g_new0 (Refusal, 1);
  r->msg = g_object_ref (msg);
  r->socket = socket != NULL ? g_object_ref (socket) : NULL;
  r->answer = g_string_free_to_bytes (answer);
  r->drain_limit = MIN (body_limit, G_MAXSIZE - NORTH_MCP_HTTP_REFUSAL_DRAIN_BYTES) + NORTH_MCP_HTTP_REFUSAL_DRAIN_BYTES;
  r->cancellable = g_cancellable_new ();
  r->context = g_main_context_ref_thread_default ();

  /* Not stolen here: we may be inside libsoup's reading of this message.
   * Once stolen, the connection is ours, not the listener's. */
  north_mcp_http_listener_allow_steal (msg);
  soup_server_message_pause (msg);
  idle = g_idle_source_new ();
  g_source_set_callback (idle, steal_cb, r, NULL);
  g_source_attach (idle, r->context);
}

void
north_mcp_http_refuse_unread_answered (SoupServerMessage *msg,
                                       gsize              body_limit)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  SoupMessageBody *body = soup_server_message_get_response_body (msg);
  g_autoptr(GBytes) data = soup_message_body_flatten (body);
  g_autofree char *type = g_strdup (soup_message_headers_get_one (headers, "Content-Type"));

  /* Written by north_mcp_http_refuse_unread() itself. */
  soup_message_headers_remove (headers, "Content-Type");
  soup_message_headers_remove (headers, "Content-Length");
  soup_message_body_truncate (body);
  north_mcp_http_refuse_unread (msg, soup_server_message_get_status (msg),
                                type != NULL ? type : "text/plain",
                                g_bytes_get_data (data, NULL), g_bytes_get_size (data), body_limit);
}

/* Query strings. libsoup decodes a request's query (soup_form_decode(),
 * a g_str_hash() table) before it calls the early handler and again before
 * the handler, so no handler can refuse a query before it is decoded. An
 * emission hook of SoupServerMessage::got-headers runs before libsoup's own
 * handler; a status set there makes libsoup skip both decodings. Hooks are
 * per signal, not per server: only requests on connections our listener
 * accepted are checked (other SoupServers of the process are left alone),
 * which needs no per-request mark. */

static gboolean
count_params_over (const char *query,
                   guint       limit)
{
  guint n = 1;

  for (const char *p = strchr (query, '&'); p != NULL; p = strchr (p + 1, '&'))
    if (++n > limit)
      return TRUE;
  return FALSE;
}

static gboolean
got_headers_hook (GSignalInvocationHint *hint,
                  guint                  n_values,
                  const GValue          *values,
                  gpointer               user_data)
{
  static const char text[] = "Too many query parameters (limit: "
                             G_STRINGIFY (NORTH_MCP_HTTP_MAX_QUERY_PARAMS) ")";
  SoupServerMessage *msg = g_value_get_object (&values[0]);
  GUri *uri;
  const char *query;

  /* Cheapest first: most requests have no query. */
  if ((uri = soup_server_message_get_uri (msg)) == NULL ||
      (query = g_uri_get_query (uri)) == NULL ||
      soup_server_message_get_status (msg) != 0 ||
      !north_mcp_http_listener_owns (msg) ||
      !count_params_over (query, NORTH_MCP_HTTP_MAX_QUERY_PARAMS))
    return TRUE;

  soup_server_message_set_status (msg, SOUP_STATUS_REQUEST_URI_TOO_LONG, NULL);
  north_mcp_http_refuse_unread (msg, SOUP_STATUS_REQUEST_URI_TOO_LONG, "text/plain", text, sizeof text - 1, 0);
  return TRUE;
}

void
north_mcp_http_guard_queries (SoupServer *soup)
{
  static gsize hooked = 0;

  g_return_if_fail (SOUP_IS_SERVER (soup));

  if (g_once_init_enter (&hooked))
    {
      guint signal_id;

      /* The signal exists once the class does; it is kept for good. */
      g_type_class_ref (SOUP_TYPE_SERVER_MESSAGE);
      signal_id = g_signal_lookup ("got-headers", SOUP_TYPE_SERVER_MESSAGE);
      g_signal_add_emission_hook (signal_id, 0, got_headers_hook, NULL, NULL);
      g_once_init_leave (&hooked, 1);
    }
}
