/* north-mcp-event-store.c: SSE event ids and replay for one session
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-event-store-private.h"
#include "north-mcp-random-private.h"
#include "north-mcp-session-manager-private.h"
#include "north-mcp-sse-stream-private.h"

/* Entries of `dropped` before streams whose channel is gone are
 * forgotten: one per request of a long session otherwise. */
#define DROPPED_PRUNE_MIN (4 * NORTH_MCP_EVENT_STORE_CAPACITY)
/* Entries of `streams` before those whose channel is gone are forgotten. */
#define STREAMS_PRUNE_MIN 64

typedef struct
{
  guint    stream;
  guint64  number;
  GBytes  *text;    /* the SSE event with its id, shared by every replay */
  gsize    length;  /* of its data */
  NorthMcpEventStore *store;
  GList    all_link;  /* in all_events */
} Event;

/* Every event of every store of the process, oldest first, and the bytes
 * of their data: each session's bound alone let a client that opened many
 * sessions make the server keep 4 MB per session. Adding to one store may
 * drop from another, and a session may end on a handler's thread, so
 * every store is used under this one lock (recursive: what a store lets
 * go of, such as the last reference to a channel, may end a session). */
static GQueue all_events = G_QUEUE_INIT;
static gsize all_bytes;
static GRecMutex lock;

struct _NorthMcpEventStore
{
  GQueue      events;     /* Event, oldest first */
  gsize       bytes;      /* data held by events */
  guint64     next_number;
  guint       next_stream;
  gboolean    wrapped;    /* next_stream went past G_MAXUINT */
  GHashTable *streams;    /* stream number -> GWeakRef of its channel */
  guint       streams_prune_at;  /* size of `streams` that prunes it */
  GHashTable *dropped;    /* stream number -> newest dropped event number */
  guint       dropped_prune_at;  /* size of `dropped` that prunes it */
  guint       forgotten_through; /* streams up to this may have lost theirs */
  guint64     newest_dropped;    /* of any stream */
  NorthMcpStateStore *shared; /* the session's shared store, or NULL */
  char       *session_id;
};

static GQuark
event_store_quark (void)
{
  return g_quark_from_static_string ("north-mcp-event-store");
}

static void
event_free (Event *event)
{
  g_bytes_unref (event->text);
  g_free (event);
}

static void
weak_ref_free (GWeakRef *ref)
{
  g_weak_ref_clear (ref);
  g_free (ref);
}

static void
event_store_free (NorthMcpEventStore *self)
{
  g_autoptr(GRecMutexLocker) locker G_GNUC_UNUSED = g_rec_mutex_locker_new (&lock);

  for (GList *l = self->events.head; l != NULL; l = l->next)
    {
      Event *event = l->data;

      g_queue_unlink (&all_events, &event->all_link);
      all_bytes -= event->length;
    }
  g_queue_clear_full (&self->events, (GDestroyNotify) event_free);
  g_hash_table_unref (self->streams);
  g_hash_table_unref (self->dropped);
  g_clear_object (&self->shared);
  g_free (self->session_id);
  g_free (self);
}

NorthMcpEventStore *
north_mcp_event_store_get (NorthMcpSession *session)
{
  NorthMcpEventStore *self = g_object_get_qdata (G_OBJECT (session), event_store_quark ());

  if (self != NULL)
    return self;

  self = g_new0 (NorthMcpEventStore, 1);
  g_queue_init (&self->events);
  self->next_number = 1;
  self->next_stream = 1;
  self->streams = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) weak_ref_free);
  self->dropped = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  self->dropped_prune_at = DROPPED_PRUNE_MIN;
  self->streams_prune_at = STREAMS_PRUNE_MIN;
  self->shared = g_object_get_data (G_OBJECT (session), NORTH_MCP_SESSION_STATE_STORE_KEY);
  if (self->shared != NULL)
    {
      guint32 start = 0;

      /* Every replica numbers the session's streams: from a random point,
       * so that their numbers (and the stores' keys) do not meet. */
      g_object_ref (self->shared);
      self->session_id = g_strdup (north_mcp_session_get_id (session));
      north_mcp_random_bytes (&start, sizeof start, NULL);
      self->next_stream = 1 + (start & 0x3fffffff);
    }
  g_object_set_qdata_full (G_OBJECT (session), event_store_quark (), self,
                           (GDestroyNotify) event_store_free);
  return self;
}

/* Whether the store knows @stream: live, lost events, or still has some. */
static gboolean
stream_is_known (NorthMcpEventStore *self,
                 guint               stream)
{
  if (g_hash_table_contains (self->streams, GUINT_TO_POINTER (stream)) ||
      g_hash_table_contains (self->dropped, GUINT_TO_POINTER (stream)))
    return TRUE;
  for (GList *l = self->events.head; l != NULL; l = l->next)
    if (((Event *) l->data)->stream == stream)
      return TRUE;
  return FALSE;
}

/* After G_MAXUINT streams the numbers wrap: never to 0 (no event id has
 * it), nor to a stream the store still knows, whose events a replay of
 * the new one would resend. Checked only then: a walk of the events. */
static guint
next_stream_number (NorthMcpEventStore *self)
{
  for (;;)
    {
      guint stream = self->next_stream++;

      if (stream == 0)
        self->wrapped = TRUE;
      else if (!self->wrapped || !stream_is_known (self, stream))
        return stream;
    }
}

guint
north_mcp_event_store_open_stream (NorthMcpEventStore *self,
                                   NorthMcpChannel    *channel)
{
  g_autoptr(GRecMutexLocker) locker G_GNUC_UNUSED = g_rec_mutex_locker_new (&lock);
  guint stream = next_stream_number (self);
  GWeakRef *ref = g_new0 (GWeakRef, 1);
  GHashTableIter iter;
  gpointer value;

  /* Forget streams whose channel is gone, now and then: once as many
   * more came as are live, so that a client that keeps many open does
   * not make every request walk them all. */
  if (g_hash_table_size (self->streams) >= self->streams_prune_at)
    {
      g_hash_table_iter_init (&iter, self->streams);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          GObject *object = g_weak_ref_get (value);

          if (object == NULL)
            g_hash_table_iter_remove (&iter);
          else
            g_object_unref (object);
        }
      self->streams_prune_at = MAX (STREAMS_PRUNE_MIN, 2 * g_hash_table_size (self->streams));
    }

  g_weak_ref_init (ref, channel);
  g_hash_table_replace (self->streams, GUINT_TO_POINTER (stream), ref);
  return stream;
}

char *
north_mcp_event_store_session_key (const char *session_id)
{
  return g_strconcat (NORTH_MCP_EVENT_STORE_KEY_PREFIX, session_id, NULL);
}

/* The store keeps "STREAM NUMBER DATA", so that a replay after an event of
 * ours needs no id of the store's. */
static void
share_event (NorthMcpEventStore *self,
             Event              *event,
             const char         *data)
{
  g_autofree char *key = north_mcp_event_store_session_key (self->session_id);
  GString *record = g_string_sized_new (event->length + 36);
  g_autoptr(GBytes) bytes = NULL;

  g_string_append_printf (record, "%u %" G_GUINT64_FORMAT " ", event->stream, event->number);
  g_string_append_len (record, data, event->length);
  bytes = g_string_free_to_bytes (record);
  /* Fire and forget: an event not stored only this replica can replay. */
  north_mcp_state_store_append (self->shared, key, bytes, NORTH_MCP_EVENT_STORE_CAPACITY,
                                NORTH_MCP_EVENT_STORE_SHARED_MAX_BYTES, NORTH_MCP_EVENT_STORE_SHARED_TTL_MS,
                                NORTH_MCP_EVENT_STORE_SHARED_GROUP, NORTH_MCP_EVENT_STORE_SHARED_TOTAL_MAX_BYTES);
}

static gboolean
stream_is_live (NorthMcpEventStore *self,
                guint               stream)
{
  GWeakRef *ref = g_hash_table_lookup (self->streams, GUINT_TO_POINTER (stream));
  g_autoptr(GObject) object = ref != NULL ? g_weak_ref_get (ref) : NULL;

  return object != NULL;
}

/* Every request of a resumable session is a stream, and each stream
 * whose events leave the store gets an entry in `dropped`: without a
 * bound, a long session grew by one entry per request. Entries of streams
 * whose channel is gone are forgotten (numbers up to forgotten_through);
 * live streams keep theirs, since a client may still resume them. */
static void
prune_dropped (NorthMcpEventStore *self)
{
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, self->dropped);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      guint stream = GPOINTER_TO_UINT (key);

      if (stream_is_live (self, stream))
        continue;
      self->forgotten_through = MAX (self->forgotten_through, stream);
      g_hash_table_iter_remove (&iter);
    }

  /* Many live streams: prune again only once as many more came. */
  self->dropped_prune_at = MAX (DROPPED_PRUNE_MIN, 2 * g_hash_table_size (self->dropped));
}

/* Drops the oldest event of @self, remembering for replays that its
 * stream lost it. */
static void
drop_oldest (NorthMcpEventStore *self)
{
  Event *old = g_queue_pop_head (&self->events);
  guint64 *newest = g_new (guint64, 1);

  g_queue_unlink (&all_events, &old->all_link);
  all_bytes -= old->length;
  self->bytes -= old->length;
  *newest = old->number;
  self->newest_dropped = MAX (self->newest_dropped, old->number);
  g_hash_table_replace (self->dropped, GUINT_TO_POINTER (old->stream), newest);
  event_free (old);
}

char *
north_mcp_event_store_add (NorthMcpEventStore *self,
                           guint               stream,
                           const char         *data,
                           gsize               length)
{
  g_autoptr(GRecMutexLocker) locker G_GNUC_UNUSED = g_rec_mutex_locker_new (&lock);
  Event *event;
  guint64 number = self->next_number++;
  char *id = g_strdup_printf ("%u-%" G_GUINT64_FORMAT, stream, number);
  GString *text;

  /* No data: an id only (a priming event, never replayed). */
  if (data == NULL)
    return id;

  /* Kept as it goes on the wire: replays (a client may ask for the same
   * one on many connections) send these very bytes, not a copy each. */
  text = g_string_sized_new (length + 64);
  north_mcp_sse_format_event_full (text, id, "message", data, length);
  event = g_new0 (Event, 1);
  event->stream = stream;
  event->number = number;
  event->text = g_string_free_to_bytes (text);
  event->length = length;
  event->store = self;
  event->all_link.data = event;
  g_queue_push_tail (&self->events, event);
  g_queue_push_tail_link (&all_events, &event->all_link);
  self->bytes += length;
  all_bytes += length;
  if (self->shared != NULL)
    share_event (self, event, data);

  /* Bounded in count and in size (a few large results must not pin
   * megabytes per session); the newest event always stays. */
  while (self->events.length > NORTH_MCP_EVENT_STORE_CAPACITY ||
         (self->bytes > NORTH_MCP_EVENT_STORE_MAX_BYTES && self->events.length > 1))
    drop_oldest (self);
  /* And all sessions together: the oldest event of the process goes,
   * which is the oldest of its own store. */
  while (all_bytes > NORTH_MCP_EVENT_STORE_TOTAL_MAX_BYTES && all_events.length > 1)
    {
      /* The other store's `dropped` is pruned at its own next event. */
      drop_oldest (((Event *) all_events.head->data)->store);
    }
  if (g_hash_table_size (self->dropped) > self->dropped_prune_at)
    prune_dropped (self);

  return id;
}

gboolean
north_mcp_event_store_parse_id (const char *id,
                                guint      *stream,
                                guint64    *number)
{
  const char *dash = id != NULL ? strchr (id, '-') : NULL;
  g_autofree char *stream_text = NULL;
  guint64 value;

  if (dash == NULL || dash == id || dash - id > 10)
    return FALSE;

  stream_text = g_strndup (id, dash - id);
  if (!g_ascii_string_to_unsigned (stream_text, 10, 1, G_MAXUINT, &value, NULL))
    return FALSE;
  *stream = (guint) value;

  return g_ascii_string_to_unsigned (dash + 1, 10, 0, G_MAXUINT64, number, NULL);
}

/* One decimal field of a stored record and the space after it, from
 * @offset (moved past both). */
static gboolean
parse_record_field (const char *data,
                    gsize       length,
                    gsize      *offset,
                    guint64     max,
                    guint64    *value)
{
  const char *start = data + *offset;
  const char *space = memchr (start, ' ', MIN (length - *offset, 21));
  g_autofree char *text = space != NULL ? g_strndup (start, space - start) : NULL;

  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 1, max, value, NULL))
    return FALSE;
  *offset = space + 1 - data;
  return TRUE;
}

gboolean
north_mcp_event_store_parse_record (const char *data,
                                    gsize       length,
                                    guint      *stream,
                                    guint64    *number,
                                    gsize      *head)
{
  guint64 value;
  gsize offset = 0;

  if (data == NULL || !parse_record_field (data, length, &offset, G_MAXUINT, &value) ||
      !parse_record_field (data, length, &offset, G_MAXUINT64, number))
    return FALSE;
  *stream = (guint) value;
  *head = offset;
  return TRUE;
}

gboolean
north_mcp_event_store_replay (NorthMcpEventStore *self,
                              guint               stream,
                              guint64             after,
                              GPtrArray          *events)
{
  g_autoptr(GRecMutexLocker) locker G_GNUC_UNUSED = g_rec_mutex_locker_new (&lock);
  guint64 *newest_dropped = g_hash_table_lookup (self->dropped, GUINT_TO_POINTER (stream));
  gboolean kept_before = FALSE;

  for (GList *l = self->events.head; l != NULL; l = l->next)
    {
      Event *event = l->data;

      if (event->stream != stream)
        continue;
      if (event->number <= after)
        {
          kept_before = TRUE;
          continue;
        }

      g_ptr_array_add (events, g_bytes_ref (event->text));
    }

  if (newest_dropped != NULL)
    return *newest_dropped <= after;
  /* No entry: it never lost an event, unless its entry was forgotten
   * (a stream that ended, numbered up to forgotten_through). Then only
   * what is certain counts: events leave in order, so one of its events
   * up to @after still kept, or nothing dropped after @after, means that
   * none after @after is missing. */
  if (stream > self->forgotten_through || stream_is_live (self, stream))
    return TRUE;
  return kept_before || after >= self->newest_dropped;
}

NorthMcpChannel *
north_mcp_event_store_lookup_stream (NorthMcpEventStore *self,
                                     guint               stream)
{
  g_autoptr(GRecMutexLocker) locker G_GNUC_UNUSED = g_rec_mutex_locker_new (&lock);
  GWeakRef *ref = g_hash_table_lookup (self->streams, GUINT_TO_POINTER (stream));
  NorthMcpChannel *channel;

  if (ref == NULL)
    return NULL;

  /* The table's reference is weak; hand out a borrowed pointer that the
   * caller uses at once, on the main context. */
  channel = g_weak_ref_get (ref);
  if (channel == NULL)
    {
      g_hash_table_remove (self->streams, GUINT_TO_POINTER (stream));
      return NULL;
    }

  g_object_unref (channel);
  return channel;
}

void
north_mcp_event_store_set_next_stream (NorthMcpEventStore *self,
                                       guint               stream)
{
  g_autoptr(GRecMutexLocker) locker G_GNUC_UNUSED = g_rec_mutex_locker_new (&lock);

  self->next_stream = stream;
}
