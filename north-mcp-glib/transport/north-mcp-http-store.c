/* north-mcp-http-store.c: Streamable HTTP over a shared state store
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-error.h"
#include "north-mcp-event-store-private.h"
#include "north-mcp-http-answers-private.h"
#include "north-mcp-http-body-limit-private.h"
#include "north-mcp-http-listener-private.h"
#include "north-mcp-http-pause-private.h"
#include "north-mcp-http-session-private.h"
#include "north-mcp-sse-stream-private.h"
#include "north-mcp-http-store-private.h"
#include "north-mcp-jsonrpc-private.h"
#include "north-mcp-log-throttle-private.h"
#include "north-mcp-session-manager-private.h"
#include "north-mcp-session-private.h"
#include "north-mcp-transport-host-private.h"

#define SESSION_HEADER "Mcp-Session-Id"

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

/* What a paused message waits for. */
typedef enum {
  JOB_SAVE = NORTH_MCP_HTTP_STORE_SAVE,
  JOB_FORGET = NORTH_MCP_HTTP_STORE_FORGET,
  JOB_RESTORE,  /* the session it names, loaded from the store */
  JOB_REPLAY,   /* the events its GET stream missed */
} Job;

/* For the log: "Cannot …". */
static const char *const job_names[] = {
  [JOB_SAVE] = "store a new session",
  [JOB_FORGET] = "remove a session from the state store",
  [JOB_RESTORE] = "load a session from the state store",
  [JOB_REPLAY] = "replay a stream from the state store",
};

/* One paused message waiting for the store. */
typedef struct
{
  NorthMcpHttpPause        pause;
  NorthMcpTransportHost   *host;
  Job                      job;
  NorthMcpSession         *session;     /* JOB_SAVE, JOB_FORGET, JOB_REPLAY */
  guint                    stream;      /* JOB_REPLAY */
  guint64                  after;
  gsize                    budget;      /* JOB_REPLAY: what it may read, held */
  NorthMcpHttpHold         refused;     /* JOB_REPLAY: why it may not read more */
  guint                    keepalive_ms;
  NorthMcpHttpStoreResume  resume;      /* JOB_RESTORE */
  gboolean                 held;        /* JOB_RESTORE of a copy held here */
  gpointer                 data;
  GDestroyNotify           destroy;
} Pending;

static Pending *
pending_new (NorthMcpTransportHost *host,
             SoupServerMessage     *msg,
             Job                    job)
{
  Pending *pending = g_new0 (Pending, 1);

  pending->host = g_object_ref (host);
  pending->job = job;
  north_mcp_http_pause_init (&pending->pause, msg);
  return pending;
}

static void
pending_free (Pending *pending)
{
  if (pending->destroy != NULL)
    pending->destroy (pending->data);
  g_clear_object (&pending->session);
  north_mcp_http_pause_clear (&pending->pause);
  g_clear_object (&pending->host);
  g_free (pending);
}

/* A store that cannot be reached fails every request that needs it: one
 * line a minute at most says so, and how many failures went unlogged. */
static void
warn_store_failed (Job           job,
                   const GError *error)
{
  NORTH_MCP_LOG_THROTTLED (G_LOG_LEVEL_WARNING, "Cannot %s: %s", job_names[job], error->message);
}

/* Answers 503 (with Retry-After) when the store failed at its job. */
static void
pending_store_failed (Pending      *pending,
                      const GError *error)
{
  warn_store_failed (pending->job, error);
  north_mcp_http_respond_unavailable (pending->pause.msg, NORTH_MCP_HTTP_STORE_RETRY_AFTER,
                                      "Service Unavailable: the session store cannot be reached, retry later");
}

/* A new session the store did not take is not announced: neither its id
 * nor the initialize result held back for it (the refusal replaces them:
 * libsoup appends a body set on top of one that is there). */
static void
drop_unsaved (SoupServerMessage *msg)
{
  soup_message_headers_remove (soup_server_message_get_response_headers (msg), SESSION_HEADER);
  soup_message_body_truncate (soup_server_message_get_response_body (msg));
}

/* The end of the session manager's part: the message goes on (served
 * after a restore, with its answer after a save or a forget), or a 503. */
static void
session_job_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Pending *pending = user_data;
  NorthMcpSessionManager *manager = sessions_of (pending->host);
  g_autoptr(NorthMcpSession) restored = NULL;
  g_autoptr(GError) error = NULL;
  gboolean resumed;

  if (pending->job == JOB_RESTORE)
    restored = north_mcp_session_manager_restore_finish (manager, result, &error);
  else if (pending->job == JOB_SAVE)
    north_mcp_session_manager_save_finish (manager, result, &error);
  else
    north_mcp_session_manager_forget_finish (manager, result, &error);

  /* A new session other processes cannot find must not be handed out. */
  if (pending->job == JOB_SAVE && error != NULL &&
      north_mcp_session_manager_lookup (manager, north_mcp_session_get_id (pending->session)) ==
      pending->session)
    north_mcp_transport_host_close_session (pending->host, pending->session);

  resumed = north_mcp_http_pause_resume (&pending->pause);
  if (resumed && pending->job == JOB_SAVE && error != NULL)
    drop_unsaved (pending->pause.msg);
  if (!resumed)
    ;
  else if (pending->job == JOB_RESTORE && g_error_matches (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED))
    {
      /* max-sessions counts the sessions live in this process. */
      north_mcp_http_respond_unavailable (pending->pause.msg, "30",
                                          "Service Unavailable: too many sessions, retry later");
    }
  else if (pending->job == JOB_SAVE && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TOO_MANY_OPEN_FILES))
    {
      /* max-sessions-per-identity counts the sessions of every process. */
      north_mcp_transport_host_debug (pending->host, "Refused a new session: %s", error->message);
      north_mcp_http_refuse_for_identity_limit (pending->pause.msg);
    }
  else if (error != NULL)
    pending_store_failed (pending, error);
  else if (pending->job == JOB_RESTORE)
    {
      if (restored != NULL && !pending->held)
        {
          north_mcp_transport_host_debug (pending->host, "Loaded session %.8s… from the state store",
                                  north_mcp_session_get_id (restored));
          north_mcp_session_manager_touch (manager, restored);
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

  /* Someone else's session is not confirmed for them: the usual 404. */
  session = north_mcp_session_manager_lookup (manager, id);
  if (session != NULL && !north_mcp_session_is_owner (session, user))
    return FALSE;

  pending = pending_new (host, msg, JOB_RESTORE);
  pending->held = session != NULL;
  pending->resume = resume;
  pending->data = data;
  pending->destroy = destroy;
  north_mcp_session_manager_restore_async (manager, id, user, pending->pause.cancellable,
                                           session_job_cb, pending);
  return TRUE;
}

void
north_mcp_http_store_hold_answer (NorthMcpTransportHost *host,
                                  SoupServerMessage     *msg,
                                  NorthMcpSession       *session,
                                  NorthMcpHttpStoreJob   job)
{
  NorthMcpSessionManager *manager = sessions_of (host);
  Pending *pending;

  if (G_LIKELY (!is_shared (manager)))
    return;

  pending = pending_new (host, msg, (Job) job);
  pending->session = g_object_ref (session);
  if (job == NORTH_MCP_HTTP_STORE_SAVE)
    north_mcp_session_manager_save_async (manager, session, pending->pause.cancellable,
                                          session_job_cb, pending);
  else
    north_mcp_session_manager_forget_async (manager, session, pending->pause.cancellable,
                                            session_job_cb, pending);
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

/* A replay stays in memory until its client has read it (up to the 16 MiB
 * a replay reads, for each resuming GET): it counts among the bytes the
 * server holds for clients, as request bodies do, so that many clients
 * resuming at once and reading slowly cannot exhaust memory, and in its
 * client's share of them (its address's, where its GET's head counts),
 * so that one client resuming on many connections and reading nothing
 * cannot hold the bytes of all the others (their replays and bodies were
 * refused). It counts from before the store is asked, for all it may
 * read, since the store's reply takes that much in Redis and here (16
 * clients resuming a 16 MB stream at once made Redis queue 16 such
 * replies): first NORTH_MCP_HTTP_STORE_REPLAY_FIRST_READ, which most
 * replays fit in, then, for one that does not, all a replay reads. Holds
 * @size in all (what is held already included), at most what the budget
 * (max-held-body-bytes) and the client's share of it could ever hold;
 * returns that, or 0 (and why in @refused) when they are spent. */
static gsize
hold_replay (SoupServerMessage     *msg,
             NorthMcpTransportHost *host,
             gsize                  held,
             gsize                  size,
             NorthMcpHttpHold      *refused)
{
  NorthMcpTransportSettings settings;
  NorthMcpHttpHold hold;
  guint64 share = 0;

  north_mcp_transport_host_get_settings (host, &settings);
  /* What would refuse more than the most it may ever hold. */
  *refused = NORTH_MCP_HTTP_HOLD_FULL;
  if (settings.max_held_body_bytes != 0)
    {
      share = north_mcp_http_peer_share (&settings);
      if (share < MIN (size, settings.max_held_body_bytes))
        *refused = NORTH_MCP_HTTP_HOLD_PEER_FULL;
      size = MIN (size, MIN (settings.max_held_body_bytes, share));
    }
  if (size <= held)
    return 0;
  /* It counts among the requests in progress but is not refused for
   * their number: it runs no handler, and its bytes are bounded. */
  hold = north_mcp_http_listener_hold_body (NULL, msg, size - held, 0,
                                            &(NorthMcpHttpHoldLimits) {
                                              .bytes = settings.max_held_body_bytes, .share = share },
                                            settings.trusted_proxies);
  if (hold != NORTH_MCP_HTTP_HOLD_OK)
    {
      *refused = hold;
      return 0;
    }
  return size;
}

static void
respond_busy (SoupServerMessage     *msg,
              NorthMcpTransportHost *host,
              NorthMcpHttpHold       refused)
{
  NorthMcpTransportSettings settings;
  g_autofree char *text = NULL;

  north_mcp_transport_host_get_settings (host, &settings);
  if (refused == NORTH_MCP_HTTP_HOLD_PEER_FULL)
    text = g_strdup_printf ("Server busy: with this replay the bodies it holds for one client would pass %"
                            G_GUINT64_FORMAT " bytes (its share of max-held-body-bytes); try again",
                            north_mcp_http_peer_share (&settings));
  else
    text = g_strdup_printf ("Server busy: with this replay the bodies it holds would pass %" G_GUINT64_FORMAT
                            " bytes; try again", settings.max_held_body_bytes);
  north_mcp_http_respond_unavailable (msg, NORTH_MCP_HTTP_STORE_RETRY_AFTER, text);
}

/* The events the client may have missed are gone (left out, or their
 * stream dropped by the store): it starts over. */
static void
respond_gone (SoupServerMessage *msg)
{
  north_mcp_http_respond_jsonrpc_error (msg, SOUP_STATUS_BAD_REQUEST, NULL, NORTH_MCP_HTTP_TRANSPORT_ERROR,
                                        "Bad Request: the events after Last-Event-ID are no longer available");
}

/* What the replay of @msg holds from now on: what it sends. */
static void
hold_sent (SoupServerMessage *msg,
           gsize              length)
{
  NorthMcpHttpHeldBody *held = north_mcp_http_listener_keep_body (NULL, msg);

  if (held != NULL)
    {
      north_mcp_http_held_body_shrink (held, length);
      north_mcp_http_held_body_release (held);
    }
}

/* Sends the client the stored events after its Last-Event-ID, then ends
 * the stream: its request ran on another replica, nothing more will come
 * on it here. When older events did not fit in the replay (@left_out),
 * only an event of the client's stream at or before its id shows that it
 * missed none of them: otherwise 400, as when the events are gone. */
static void
send_missed (Pending   *pending,
             GPtrArray *events,
             gboolean   left_out)
{
  g_autoptr(NorthMcpSseStream) stream = NULL;
  g_autoptr(GString) missed = g_string_new (NULL);
  gboolean caught_up = !left_out;

  /* Each stored event is "STREAM NUMBER DATA" (all of the session's
   * streams); the client gets those of its stream after its id, with the
   * ids it knows. */
  for (guint i = 0; i < events->len; i++)
    {
      NorthMcpStateStoreEvent *event = g_ptr_array_index (events, i);
      gsize length = 0;
      const char *data = g_bytes_get_data (event->data, &length);
      gsize head = 0;
      guint stream;
      guint64 number;
      g_autofree char *id = NULL;

      if (!north_mcp_event_store_parse_record (data, length, &stream, &number, &head) ||
          stream != pending->stream)
        continue;
      if (number <= pending->after)
        {
          caught_up = TRUE;
          continue;
        }
      id = g_strdup_printf ("%u-%" G_GUINT64_FORMAT, pending->stream, number);
      north_mcp_sse_format_event_full (missed, id, "message", data + head, length - head);
    }

  if (!caught_up && pending->budget < NORTH_MCP_EVENT_STORE_SHARED_MAX_BYTES)
    {
      /* Maybe there, but more than this server's budget holds now. */
      respond_busy (pending->pause.msg, pending->host, pending->refused);
      return;
    }
  if (!caught_up)
    {
      respond_gone (pending->pause.msg);
      return;
    }
  hold_sent (pending->pause.msg, missed->len);
  stream = north_mcp_sse_stream_new (pending->pause.msg, pending->keepalive_ms);
  north_mcp_sse_stream_send_raw (stream, g_steal_pointer (&missed));
  north_mcp_sse_stream_close (stream);
  north_mcp_transport_host_debug (pending->host, "Replayed %u events of stream %u from the state store",
                          events->len, pending->stream);
}

static void replayed_cb (GObject *source, GAsyncResult *result, gpointer user_data);

/* Asks the store for the events of @pending's stream ("STREAM NUMBER
 * DATA"), from the newest back to one its client has, within its budget. */
static void
replay (Pending *pending)
{
  NorthMcpStateStore *store = g_object_get_data (G_OBJECT (pending->session), NORTH_MCP_SESSION_STATE_STORE_KEY);
  g_autofree char *key = north_mcp_event_store_session_key (north_mcp_session_get_id (pending->session));
  g_autofree char *prefix = g_strdup_printf ("%u ", pending->stream);
  g_autofree char *through = g_strdup_printf ("%" G_GUINT64_FORMAT, pending->after);

  north_mcp_state_store_replay_async (store, key, NULL, prefix, through, NORTH_MCP_EVENT_STORE_CAPACITY,
                                      pending->budget, pending->pause.cancellable, replayed_cb, pending);
}

static void
replayed_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Pending *pending = user_data;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;
  gboolean left_out = FALSE;
  gsize more;

  events = north_mcp_state_store_replay_finish (NORTH_MCP_STATE_STORE (source), result, &left_out, &error);
  /* Its first read was too small: once more with all a replay reads. */
  if (events != NULL && left_out && !g_cancellable_is_cancelled (pending->pause.cancellable) &&
      (more = hold_replay (pending->pause.msg, pending->host, pending->budget,
                           NORTH_MCP_EVENT_STORE_SHARED_MAX_BYTES, &pending->refused)) != 0)
    {
      pending->budget = more;
      replay (pending);
      return;
    }
  if (!north_mcp_http_pause_resume (&pending->pause))
    ;
  else if (g_error_matches (error, NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_GONE))
    respond_gone (pending->pause.msg);
  else if (events == NULL)
    pending_store_failed (pending, error);
  else
    send_missed (pending, events, left_out);
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
  Pending *pending;
  NorthMcpHttpHold refused;
  gsize budget;

  if (G_LIKELY (store == NULL))
    return FALSE;

  budget = hold_replay (msg, host, 0, NORTH_MCP_HTTP_STORE_REPLAY_FIRST_READ, &refused);
  if (budget == 0)
    {
      respond_busy (msg, host, refused);
      return TRUE;
    }
  pending = pending_new (host, msg, JOB_REPLAY);
  pending->session = g_object_ref (session);
  pending->stream = stream;
  pending->after = after;
  pending->budget = budget;
  pending->keepalive_ms = keepalive_ms;
  replay (pending);
  return TRUE;
}
