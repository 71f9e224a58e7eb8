/* north-mcp-http-store.c: Streamable HTTP over a shared state store
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-error.h"
#include "north-mcp-event-store-private.h"
#include "north-mcp-http-answers-private.h"
#include "north-mcp-sse-stream-private.h"
#include "north-mcp-http-store-private.h"
#include "north-mcp-jsonrpc-private.h"
#include "north-mcp-session-manager-private.h"
#include "north-mcp-session-private.h"
#include "north-mcp-transport-host-private.h"

#define SESSION_HEADER "Mcp-Session-Id"
#define TRANSPORT_ERROR_CODE (-32000)

/* 503 with a JSON-RPC error body and Retry-After. */
static void
respond_unavailable_after (SoupServerMessage *msg,
                           const char        *text,
                           const char        *retry_after)
{
  g_autoptr(JsonNode) id = json_node_new (JSON_NODE_NULL);
  g_autoptr(JsonNode) error = north_mcp_jsonrpc_error_new (id, TRANSPORT_ERROR_CODE, text, NULL);
  gsize length = 0;
  char *data = north_mcp_jsonrpc_to_string (error, &length);

  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Retry-After", retry_after);
  soup_server_message_set_status (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, data, length);
}

static void
respond_unavailable (SoupServerMessage *msg,
                     const char        *text)
{
  respond_unavailable_after (msg, text, NORTH_MCP_HTTP_STORE_RETRY_AFTER);
}

/* The host's sessions, which hold the store. */
static NorthMcpSessionManager *
sessions_of (NorthMcpTransportHost *host)
{
  NorthMcpTransportSettings settings;

  north_mcp_transport_host_get_settings (host, &settings);
  return settings.sessions;
}

/* A host without a session manager shares nothing. */
static gboolean
is_shared (NorthMcpSessionManager *manager)
{
  return manager != NULL && north_mcp_session_manager_is_shared (manager);
}

/* One paused message waiting for the store. */
typedef struct
{
  NorthMcpTransportHost   *host;
  SoupServerMessage       *msg;
  GCancellable            *cancellable;
  NorthMcpSession         *session;     /* hold_new_session */
  guint                    stream;      /* resume_stream */
  guint64                  after;
  guint                    keepalive_ms;
  NorthMcpHttpStoreResume  resume;
  gpointer                 data;
  GDestroyNotify           destroy;
  gboolean                 gone;
} Pending;

static void
pending_gone (Pending *pending)
{
  pending->gone = TRUE;
  g_cancellable_cancel (pending->cancellable);
}

static Pending *
pending_new (NorthMcpTransportHost *host,
             SoupServerMessage     *msg)
{
  Pending *pending = g_new0 (Pending, 1);

  pending->host = g_object_ref (host);
  pending->msg = g_object_ref (msg);
  pending->cancellable = g_cancellable_new ();
  g_signal_connect_swapped (msg, "finished", G_CALLBACK (pending_gone), pending);
  g_signal_connect_swapped (msg, "disconnected", G_CALLBACK (pending_gone), pending);
  soup_server_message_pause (msg);
  return pending;
}

static void
pending_free (Pending *pending)
{
  g_signal_handlers_disconnect_by_func (pending->msg, pending_gone, pending);
  if (pending->destroy != NULL)
    pending->destroy (pending->data);
  g_clear_object (&pending->session);
  g_clear_object (&pending->cancellable);
  g_clear_object (&pending->msg);
  g_clear_object (&pending->host);
  g_free (pending);
}

/* Whether the client still waits for @pending's message, which then goes
 * on. */
static gboolean
pending_resume (Pending *pending)
{
  if (!pending->gone)
    soup_server_message_unpause (pending->msg);
  return !pending->gone;
}

/* Answers 503 after the store failed to @what. */
static void
pending_store_failed (Pending      *pending,
                      const char   *what,
                      const GError *error)
{
  g_warning ("Cannot %s: %s", what, error->message);
  respond_unavailable (pending->msg, "Service Unavailable: the session store cannot be reached, retry later");
}

static void
restored_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Pending *pending = user_data;
  NorthMcpSessionManager *manager = sessions_of (pending->host);
  g_autoptr(NorthMcpSession) session = NULL;
  g_autoptr(GError) error = NULL;

  session = north_mcp_session_manager_restore_finish (manager, result, &error);
  if (!pending_resume (pending))
    ;
  else if (error != NULL && g_error_matches (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED))
    {
      /* max-sessions counts the sessions live in this process. */
      respond_unavailable_after (pending->msg, "Service Unavailable: too many sessions, retry later", "30");
    }
  else if (error != NULL)
    pending_store_failed (pending, "load a session from the state store", error);
  else
    {
      if (session != NULL)
        {
          north_mcp_transport_host_debug (pending->host, "Loaded session %.8s… from the state store",
                                  north_mcp_session_get_id (session));
          north_mcp_session_manager_touch (manager, session);
        }
      pending->resume (pending->data);
    }
  pending_free (pending);
}


gboolean
north_mcp_http_store_prepare (NorthMcpTransportHost   *host,
                              SoupServerMessage       *msg,
                              NorthMcpUser            *user,
                              NorthMcpHttpStoreResume  resume,
                              gpointer                 data,
                              GDestroyNotify           destroy)
{
  NorthMcpTransportSettings settings;
  NorthMcpSessionManager *manager;
  NorthMcpSession *session;
  Pending *pending;
  const char *id;

  north_mcp_transport_host_get_settings (host, &settings);
  manager = settings.sessions;
  if (G_LIKELY (!is_shared (manager)) || settings.stateless)
    return FALSE;

  id = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), SESSION_HEADER);
  /* Only ids of our form reach the store; the rest meets the usual 404. */
  if (!north_mcp_session_id_is_valid (id))
    return FALSE;

  session = north_mcp_session_manager_lookup (manager, id);
  if (session != NULL)
    {
      if (north_mcp_session_is_owner (session, user))
        north_mcp_session_manager_touch (manager, session);
      return FALSE;
    }

  pending = pending_new (host, msg);
  pending->resume = resume;
  pending->data = data;
  pending->destroy = destroy;
  north_mcp_session_manager_restore_async (manager, id, user, pending->cancellable,
                                           restored_cb, pending);
  return TRUE;
}

static void
saved_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Pending *pending = user_data;
  NorthMcpSessionManager *manager = sessions_of (pending->host);
  g_autoptr(GError) error = NULL;
  gboolean saved = north_mcp_session_manager_save_finish (manager, result, &error);

  /* A session other processes cannot find must not be handed out. */
  if (!saved && north_mcp_session_manager_lookup (manager, north_mcp_session_get_id (pending->session)) ==
      pending->session)
    north_mcp_transport_host_close_session (pending->host, pending->session);
  if (pending_resume (pending) && !saved)
    {
      soup_message_headers_remove (soup_server_message_get_response_headers (pending->msg), SESSION_HEADER);
      pending_store_failed (pending, "store a new session", error);
    }
  pending_free (pending);
}

void
north_mcp_http_store_hold_new_session (NorthMcpTransportHost *host,
                                       SoupServerMessage     *msg,
                                       NorthMcpSession       *session)
{
  NorthMcpSessionManager *manager = sessions_of (host);
  Pending *pending;

  if (G_LIKELY (!is_shared (manager)))
    return;

  pending = pending_new (host, msg);
  pending->session = g_object_ref (session);
  north_mcp_session_manager_save_async (manager, session, pending->cancellable, saved_cb, pending);
}

static void
forgotten_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Pending *pending = user_data;
  NorthMcpSessionManager *manager = sessions_of (pending->host);
  g_autoptr(GError) error = NULL;
  gboolean forgotten = north_mcp_session_manager_forget_finish (manager, result, &error);

  if (pending_resume (pending) && !forgotten)
    pending_store_failed (pending, "remove a session from the state store", error);
  pending_free (pending);
}

void
north_mcp_http_store_forget_session (NorthMcpTransportHost *host,
                                     SoupServerMessage     *msg,
                                     const char            *id)
{
  NorthMcpSessionManager *manager = sessions_of (host);
  Pending *pending;

  if (G_LIKELY (!is_shared (manager)))
    return;

  pending = pending_new (host, msg);
  north_mcp_session_manager_forget_async (manager, id, pending->cancellable, forgotten_cb, pending);
}

void
north_mcp_http_store_stream_opened (NorthMcpTransportHost *host,
                                    NorthMcpSession       *session)
{
  NorthMcpSessionManager *manager = sessions_of (host);

  if (is_shared (manager))
    north_mcp_session_manager_watch_stream (manager, session);
}

void
north_mcp_http_store_stream_closed (NorthMcpTransportHost *host,
                                    const char            *id)
{
  NorthMcpSessionManager *manager = sessions_of (host);

  if (is_shared (manager))
    north_mcp_session_manager_unwatch_stream (manager, id);
}

/* Sends the client the stored events after its Last-Event-ID, then ends
 * the stream: its request ran on another replica, nothing more will come
 * on it here. */
/* One decimal field of a stored event and the space after it; @data moves
 * past both. Records come from the store: checked, never trusted. */
static gboolean
parse_event_field (const char **data,
                   const char  *end,
                   guint64      max,
                   guint64     *value)
{
  const char *space = *data != NULL ? memchr (*data, ' ', MIN ((gsize) (end - *data), 21)) : NULL;
  g_autofree char *text = space != NULL ? g_strndup (*data, space - *data) : NULL;

  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 1, max, value, NULL))
    return FALSE;
  *data = space + 1;
  return TRUE;
}

static void
send_missed (Pending   *pending,
             GPtrArray *events)
{
  g_autoptr(NorthMcpSseStream) stream = NULL;
  GString *missed = g_string_new (NULL);

  /* Each stored event is "STREAM NUMBER DATA" (all of the session's
   * streams); the client gets those of its stream after its id, with the
   * ids it knows. */
  for (guint i = 0; i < events->len; i++)
    {
      NorthMcpStateStoreEvent *event = g_ptr_array_index (events, i);
      gsize length = 0;
      const char *data = g_bytes_get_data (event->data, &length);
      const char *end = data != NULL ? data + length : NULL;
      guint64 stream, number;
      g_autofree char *id = NULL;

      if (!parse_event_field (&data, end, G_MAXUINT, &stream) || stream != pending->stream ||
          !parse_event_field (&data, end, G_MAXUINT64, &number) || number <= pending->after)
        continue;
      id = g_strdup_printf ("%u-%" G_GUINT64_FORMAT, pending->stream, number);
      north_mcp_sse_format_event_full (missed, id, "message", data, end - data);
    }

  stream = north_mcp_sse_stream_new (pending->msg, pending->keepalive_ms);
  north_mcp_sse_stream_send_raw (stream, missed);
  north_mcp_sse_stream_close (stream);
  north_mcp_transport_host_debug (pending->host, "Replayed %u events of stream %u from the state store",
                          events->len, pending->stream);
}

static void
replayed_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Pending *pending = user_data;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;

  events = north_mcp_state_store_replay_finish (NORTH_MCP_STATE_STORE (source), result, &error);
  if (!pending_resume (pending))
    ;
  else if (g_error_matches (error, NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_TOO_LARGE))
    north_mcp_http_respond_jsonrpc_error (pending->msg, SOUP_STATUS_BAD_REQUEST, NULL,
                                          NORTH_MCP_HTTP_TRANSPORT_ERROR,
                                          "Bad Request: the events after Last-Event-ID are no longer available");
  else if (events == NULL)
    pending_store_failed (pending, "replay a stream from the state store", error);
  else
    send_missed (pending, events);
  pending_free (pending);
}

gboolean
north_mcp_http_store_resume_stream (NorthMcpTransportHost *host,
                                    SoupServerMessage     *msg,
                                    NorthMcpSession       *session,
                                    guint                  stream,
                                    guint64                after,
                                    guint                  keepalive_ms)
{
  NorthMcpStateStore *store = g_object_get_data (G_OBJECT (session), NORTH_MCP_SESSION_STATE_STORE_KEY);
  g_autofree char *key = NULL;
  Pending *pending;

  if (G_LIKELY (store == NULL))
    return FALSE;

  pending = pending_new (host, msg);
  pending->stream = stream;
  pending->after = after;
  pending->keepalive_ms = keepalive_ms;
  key = north_mcp_event_store_session_key (north_mcp_session_get_id (session));
  north_mcp_state_store_replay_async (store, key, NULL, NORTH_MCP_EVENT_STORE_CAPACITY,
                                      NORTH_MCP_EVENT_STORE_SHARED_MAX_BYTES, pending->cancellable,
                                      replayed_cb, pending);
  return TRUE;
}
