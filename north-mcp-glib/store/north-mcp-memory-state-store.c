/* north-mcp-memory-state-store.c: the state store of one process
 *
 * The default: nothing is shared, so the server skips the store entirely
 * (is_shared() is FALSE, the interface's default). It implements the whole
 * interface all the same, with the same semantics as the Redis store
 * (expiry, bounded streams, publish delivered later from the main loop, to
 * this process only), for the unit tests and for code that wants one store
 * type everywhere.
 *
 * Its limits, for a process of months: subscription ids wrap after
 * G_MAXUINT subscriptions, to neither 0 nor an id in use; an expired key
 * is dropped when read, and all expired keys whenever the number of keys
 * doubled since the last sweep (from SWEEP_MIN_KEYS up), so a key written
 * once and never read again does not stay (at most about twice the live
 * keys are held); subscriptions are indexed by id and by channel, so a
 * publish looks at its channel's only and an unsubscribe at its own.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-state-store-private.h"
#include "north-mcp-util-private.h"

/* Below this many keys no sweep of the expired ones. */
#define SWEEP_MIN_KEYS 64

#define NORTH_MCP_TYPE_MEMORY_STATE_STORE (north_mcp_memory_state_store_get_type ())
G_DECLARE_FINAL_TYPE (NorthMcpMemoryStateStore, north_mcp_memory_state_store,
                      NORTH_MCP, MEMORY_STATE_STORE, GObject)

typedef struct
{
  GBytes     *value;        /* a value, or NULL for a stream or a counter */
  GPtrArray  *events;       /* NorthMcpStateStoreEvent, oldest first */
  gsize       bytes;        /* of the events' data */
  guint64     next_event;   /* ids are decimal, increasing */
  GSequence  *members;      /* a counter's Member, soonest expiry first */
  GHashTable *member_index; /* name -> its GSequenceIter in members */
  GSequence  *values;       /* a counter's values (Member: key, size), likewise */
  GHashTable *value_index;
  guint64     value_bytes;  /* their sizes added up */
  gint64      expires_at;   /* monotonic µs; 0: never */
} Entry;

/* A member of a counter (or a value it adds up), until its value expires. */
typedef struct
{
  gint64  expires_at;
  char   *name;
  gsize   size;  /* of a value */
} Member;

typedef struct
{
  guint                          id;
  char                          *channel;
  NorthMcpStateStoreMessageFunc  func;
  gpointer                       user_data;
  GDestroyNotify                 destroy;
  GList                         *link;  /* in its channel's queue */
} Subscription;

struct _NorthMcpMemoryStateStore
{
  GObject     parent_instance;

  GHashTable *entries;       /* key -> Entry */
  guint       swept_keys;    /* how many were left by the last sweep */
  GHashTable *subscriptions; /* id -> Subscription */
  GHashTable *channels;      /* channel -> GQueue of its Subscriptions, oldest first */
  guint       next_subscription;
  guint64     looked_at;     /* subscriptions looked at, for tests */
};

static void north_mcp_memory_state_store_iface_init (NorthMcpStateStoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (NorthMcpMemoryStateStore, north_mcp_memory_state_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (NORTH_MCP_TYPE_STATE_STORE,
                                                      north_mcp_memory_state_store_iface_init))

static void
member_free (Member *member)
{
  g_free (member->name);
  g_free (member);
}

static gint
member_compare (gconstpointer a,
                gconstpointer b,
                gpointer      user_data)
{
  gint64 x = ((const Member *) a)->expires_at, y = ((const Member *) b)->expires_at;

  return x < y ? -1 : x > y;
}

static void
entry_free (Entry *entry)
{
  g_clear_pointer (&entry->value, g_bytes_unref);
  g_clear_pointer (&entry->events, g_ptr_array_unref);
  g_clear_pointer (&entry->member_index, g_hash_table_unref);
  g_clear_pointer (&entry->members, g_sequence_free);
  g_clear_pointer (&entry->value_index, g_hash_table_unref);
  g_clear_pointer (&entry->values, g_sequence_free);
  g_free (entry);
}

static void
subscription_free (Subscription *subscription)
{
  if (subscription->destroy != NULL)
    subscription->destroy (subscription->user_data);
  g_free (subscription->channel);
  g_free (subscription);
}

/* Before an operation that may add a key (none of its entries held yet):
 * expired entries are dropped when read, and all of them whenever the
 * table doubled since the last sweep, so a key written once and never
 * read again does not stay; the sweeps cost O(1) a key, amortized. */
static void
sweep_expired (NorthMcpStateStore *store)
{
  NorthMcpMemoryStateStore *self = NORTH_MCP_MEMORY_STATE_STORE (store);
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  Entry *entry;

  if (g_hash_table_size (self->entries) < MAX (SWEEP_MIN_KEYS, 2 * (guint64) self->swept_keys))
    return;
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    if (entry->expires_at != 0 && entry->expires_at <= now)
      g_hash_table_iter_remove (&iter);
  self->swept_keys = g_hash_table_size (self->entries);
}

/* The live entry under @key (expired ones are dropped on the way). */
static Entry *
lookup (NorthMcpStateStore *store,
        const char         *key)
{
  NorthMcpMemoryStateStore *self = NORTH_MCP_MEMORY_STATE_STORE (store);
  Entry *entry = g_hash_table_lookup (self->entries, key);

  if (entry != NULL && entry->expires_at != 0 && entry->expires_at <= g_get_monotonic_time ())
    {
      g_hash_table_remove (self->entries, key);
      return NULL;
    }
  return entry;
}

static gint64
expiry (guint64 ttl_ms)
{
  return ttl_ms > 0 ? g_get_monotonic_time () + (gint64) MIN (ttl_ms, G_MAXINT64 / 2000) * 1000 : 0;
}

/* Whether @request's mode lets its value be stored. */
static gboolean
mode_allows (NorthMcpStateStore              *store,
             const NorthMcpStateStoreRequest *request)
{
  Entry *entry = lookup (store, request->key);

  return !((request->mode == NORTH_MCP_STATE_STORE_SET_IF_ABSENT && entry != NULL) ||
           (request->mode == NORTH_MCP_STATE_STORE_SET_IF_PRESENT && entry == NULL) ||
           (request->expected != NULL &&
            (entry == NULL || entry->value == NULL || !g_bytes_equal (entry->value, request->expected))));
}

static void
store_value (NorthMcpStateStore              *store,
             const NorthMcpStateStoreRequest *request)
{
  NorthMcpMemoryStateStore *self = NORTH_MCP_MEMORY_STATE_STORE (store);
  /* Not lookup(): the value mode_allows() saw may have expired since. */
  Entry *replaced = request->expected != NULL ? g_hash_table_lookup (self->entries, request->key) : NULL;
  Entry *entry = g_new0 (Entry, 1);

  entry->value = g_bytes_ref (request->value);
  entry->expires_at = replaced != NULL ? replaced->expires_at : expiry (request->ttl_ms);
  g_hash_table_replace (self->entries, g_strdup (request->key), entry);
}

static void
memory_set (NorthMcpStateStore              *store,
            const NorthMcpStateStoreRequest *request,
            GTask                           *task)
{
  gboolean allowed;

  sweep_expired (store);
  allowed = mode_allows (store, request);
  if (allowed)
    store_value (store, request);
  g_task_return_boolean (task, allowed);
}

/* Drops the members of @members that expired by @now (soonest first:
 * O(log n) each); returns the sizes they had. */
static guint64
drop_expired (GSequence  *members,
              GHashTable *index,
              gint64      now)
{
  guint64 size = 0;

  while (!g_sequence_is_empty (members))
    {
      GSequenceIter *first = g_sequence_get_begin_iter (members);
      Member *member = g_sequence_get (first);

      if (member->expires_at > now)
        break;
      size += member->size;
      g_hash_table_remove (index, member->name);
      g_sequence_remove (first);
    }
  return size;
}

/* The counter under @key with its expired members and values dropped, in
 * *@counter (NULL when there is none); FALSE when @key holds something
 * else. */
static gboolean
counter_lookup (NorthMcpStateStore  *store,
                const char          *key,
                Entry              **counter)
{
  Entry *entry = lookup (store, key);
  gint64 now = g_get_monotonic_time ();

  *counter = NULL;
  if (entry == NULL)
    return TRUE;
  if (entry->members == NULL)
    return FALSE;
  drop_expired (entry->members, entry->member_index, now);
  entry->value_bytes -= drop_expired (entry->values, entry->value_index, now);
  if (g_sequence_is_empty (entry->members) && g_sequence_is_empty (entry->values))
    g_hash_table_remove (NORTH_MCP_MEMORY_STATE_STORE (store)->entries, key);
  else
    *counter = entry;
  return TRUE;
}

/* Puts @name in @members until @expires_at, with @size; returns the size
 * it had there (0: new). */
static gsize
place (GSequence  *members,
       GHashTable *index,
       const char *name,
       gint64      expires_at,
       gsize       size)
{
  GSequenceIter *iter = g_hash_table_lookup (index, name);
  Member *member;
  gsize old = 0;

  if (iter != NULL)
    {
      member = g_sequence_get (iter);
      old = member->size;
      member->expires_at = expires_at;
      member->size = size;
      g_sequence_sort_changed (iter, member_compare, NULL);
      return old;
    }
  member = g_new0 (Member, 1);
  member->name = g_strdup (name);
  member->expires_at = expires_at;
  member->size = size;
  g_hash_table_insert (index, member->name, g_sequence_insert_sorted (members, member, member_compare, NULL));
  return 0;
}

static gint64
last_expiry (GSequence *members)
{
  if (g_sequence_is_empty (members))
    return 0;
  return ((Member *) g_sequence_get (g_sequence_iter_prev (g_sequence_get_end_iter (members))))->expires_at;
}

/* Counts @request's member (when @counted) and value (when the counter
 * has a byte limit) in @counter (NULL: a new one under its key) until
 * @expires_at; the counter lives as long as its last member or value. */
static void
count_member (NorthMcpStateStore              *store,
              const NorthMcpStateStoreRequest *request,
              guint                            i,
              Entry                           *counter,
              gboolean                         counted,
              gint64                           expires_at)
{
  if (counter == NULL)
    {
      counter = g_new0 (Entry, 1);
      counter->members = g_sequence_new ((GDestroyNotify) member_free);
      counter->member_index = g_hash_table_new (g_str_hash, g_str_equal);
      counter->values = g_sequence_new ((GDestroyNotify) member_free);
      counter->value_index = g_hash_table_new (g_str_hash, g_str_equal);
      g_hash_table_replace (NORTH_MCP_MEMORY_STATE_STORE (store)->entries,
                            g_strdup (request->counters[i].key), counter);
    }

  if (counted)
    place (counter->members, counter->member_index, request->member, expires_at, 0);
  if (request->counters[i].max_bytes > 0)
    {
      gsize size = g_bytes_get_size (request->value);

      counter->value_bytes -= place (counter->values, counter->value_index, request->key, expires_at, size);
      counter->value_bytes += size;
    }
  counter->expires_at = MAX (last_expiry (counter->members), last_expiry (counter->values));
}

/* The size of the value under @key that @counter adds up (0: none). */
static gsize
counted_size (Entry      *counter,
              const char *key)
{
  GSequenceIter *iter = counter != NULL ? g_hash_table_lookup (counter->value_index, key) : NULL;

  return iter != NULL ? ((Member *) g_sequence_get (iter))->size : 0;
}

/* The counters of @request (with their expired members dropped) into
 * @counters; FALSE, with an error on @task, when a key of theirs holds
 * something else. */
static gboolean
counters_lookup (NorthMcpStateStore              *store,
                 const NorthMcpStateStoreRequest *request,
                 Entry                          **counters,
                 GTask                           *task)
{
  for (guint i = 0; i < request->n_counters; i++)
    if (!counter_lookup (store, request->counters[i].key, &counters[i]))
      {
        g_task_return_new_error (task, NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_INVALID,
                                 "The key holds a value, not a counter");
        return FALSE;
      }
  return TRUE;
}

/* Whether @counter (maybe NULL: none yet) has its @limit (> 0) of live
 * members: a new one cannot join. */
static gboolean
counter_is_full (Entry *counter,
                 guint  limit)
{
  return limit > 0 && counter != NULL && (guint) g_sequence_get_length (counter->members) >= limit;
}

/* As the Redis store's script: the mode, then each counter's room, then
 * the value and its members. */
static void
memory_set_counted (NorthMcpStateStore              *store,
                    const NorthMcpStateStoreRequest *request,
                    GTask                           *task)
{
  Entry *counters[NORTH_MCP_STATE_STORE_MAX_COUNTERS];
  gboolean counted[NORTH_MCP_STATE_STORE_MAX_COUNTERS];
  gsize size = g_bytes_get_size (request->value);
  gint64 expires_at;

  sweep_expired (store);
  if (!mode_allows (store, request))
    {
      g_task_return_int (task, NORTH_MCP_STATE_STORE_COUNTED_KEPT_OUT);
      return;
    }
  if (!counters_lookup (store, request, counters, task))
    return;
  for (guint i = 0; i < request->n_counters; i++)
    {
      const NorthMcpStateStoreCounter *counter = &request->counters[i];
      gsize old;

      counted[i] = counters[i] != NULL && g_hash_table_contains (counters[i]->member_index, request->member);
      if (!counted[i] && counter->limit > 0)
        {
          if (counter_is_full (counters[i], counter->limit))
            {
              g_task_return_int (task, NORTH_MCP_STATE_STORE_COUNTED_FULL + i);
              return;
            }
          counted[i] = TRUE;
        }
      old = counted_size (counters[i], request->key);
      if (counter->max_bytes > 0 && size > old &&
          (counters[i] != NULL ? counters[i]->value_bytes : 0) - old + size > counter->max_bytes)
        {
          g_task_return_int (task, NORTH_MCP_STATE_STORE_COUNTED_OVER_BYTES + i);
          return;
        }
    }

  store_value (store, request);
  expires_at = expiry (request->ttl_ms);
  for (guint i = 0; i < request->n_counters; i++)
    if (counted[i] || request->counters[i].max_bytes > 0)
      count_member (store, request, i, counters[i], counted[i], expires_at);
  g_task_return_int (task, NORTH_MCP_STATE_STORE_COUNTED_STORED);
}

static void
memory_check_room (NorthMcpStateStore              *store,
                   const NorthMcpStateStoreRequest *request,
                   GTask                           *task)
{
  Entry *counters[NORTH_MCP_STATE_STORE_MAX_COUNTERS];

  if (!counters_lookup (store, request, counters, task))
    return;
  for (guint i = 0; i < request->n_counters; i++)
    if (counter_is_full (counters[i], request->counters[i].limit))
      {
        g_task_return_int (task, NORTH_MCP_STATE_STORE_COUNTED_FULL + i);
        return;
      }
  g_task_return_int (task, NORTH_MCP_STATE_STORE_COUNTED_STORED);
}

static void
memory_get (NorthMcpStateStore              *store,
            const NorthMcpStateStoreRequest *request,
            GTask                           *task)
{
  Entry *entry = lookup (store, request->key);

  if (entry == NULL || entry->value == NULL)
    g_task_return_pointer (task, NULL, NULL);
  else if (g_bytes_get_size (entry->value) > request->max_size)
    g_task_return_new_error (task, NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_TOO_LARGE,
                             "The stored value is larger than allowed");
  else
    g_task_return_pointer (task, g_bytes_ref (entry->value), (GDestroyNotify) g_bytes_unref);
}

/* Takes @name out of @members; returns the size it had there. */
static gsize
unplace (GSequence  *members,
         GHashTable *index,
         const char *name)
{
  GSequenceIter *iter = g_hash_table_lookup (index, name);
  gsize size;

  if (iter == NULL)
    return 0;
  size = ((Member *) g_sequence_get (iter))->size;
  g_hash_table_remove (index, name);
  g_sequence_remove (iter);
  return size;
}

/* As the Redis store's script: the member and the value's size move
 * with the value, where they are counted. */
static void
expire_counted (const NorthMcpStateStoreRequest *request,
                Entry                           *entry,
                Entry                          **counters)
{
  entry->expires_at = expiry (request->ttl_ms);
  for (guint i = 0; i < request->n_counters; i++)
    {
      Entry *counter = counters[i];
      gsize size = counted_size (counter, request->key);

      if (counter == NULL)
        continue;
      if (g_hash_table_contains (counter->member_index, request->member))
        place (counter->members, counter->member_index, request->member, entry->expires_at, 0);
      if (g_hash_table_contains (counter->value_index, request->key))
        place (counter->values, counter->value_index, request->key, entry->expires_at, size);
      counter->expires_at = MAX (last_expiry (counter->members), last_expiry (counter->values));
    }
}

static void
memory_expire (NorthMcpStateStore              *store,
               const NorthMcpStateStoreRequest *request,
               GTask                           *task)
{
  Entry *counters[NORTH_MCP_STATE_STORE_MAX_COUNTERS];
  Entry *entry;

  if (request->counted && !counters_lookup (store, request, counters, task))
    return;
  entry = lookup (store, request->key);
  if (entry != NULL && request->counted)
    expire_counted (request, entry, counters);
  else if (entry != NULL)
    entry->expires_at = expiry (request->ttl_ms);
  g_task_return_boolean (task, entry != NULL);
}

static void
memory_delete (NorthMcpStateStore              *store,
               const NorthMcpStateStoreRequest *request,
               GTask                           *task)
{
  NorthMcpMemoryStateStore *self = NORTH_MCP_MEMORY_STATE_STORE (store);
  Entry *counters[NORTH_MCP_STATE_STORE_MAX_COUNTERS];
  gboolean existed;

  if (request->counted && !counters_lookup (store, request, counters, task))
    return;
  for (guint i = 0; request->counted && i < request->n_counters; i++)
    {
      Entry *counter = counters[i];

      if (counter == NULL)
        continue;
      unplace (counter->members, counter->member_index, request->member);
      counter->value_bytes -= unplace (counter->values, counter->value_index, request->key);
      if (g_sequence_is_empty (counter->members) && g_sequence_is_empty (counter->values))
        g_hash_table_remove (self->entries, request->counters[i].key);
      else
        counter->expires_at = MAX (last_expiry (counter->members), last_expiry (counter->values));
    }
  existed = lookup (store, request->key) != NULL;
  g_hash_table_remove (self->entries, request->key);
  g_task_return_boolean (task, existed);
}

/* One published message on its way to the subscribers. */
typedef struct
{
  NorthMcpMemoryStateStore *self;
  char                     *channel;
  GBytes                   *message;
} Delivery;

static void
delivery_free (Delivery *delivery)
{
  g_object_unref (delivery->self);
  g_free (delivery->channel);
  g_bytes_unref (delivery->message);
  g_free (delivery);
}

static gboolean
deliver (gpointer data)
{
  Delivery *delivery = data;
  NorthMcpMemoryStateStore *self = delivery->self;
  GQueue *queue = g_hash_table_lookup (self->channels, delivery->channel);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (guint));

  /* By id: a callback may unsubscribe itself or others. */
  for (GList *l = queue != NULL ? queue->head : NULL; l != NULL; l = l->next)
    {
      self->looked_at++;
      g_array_append_val (ids, ((Subscription *) l->data)->id);
    }

  for (guint i = 0; i < ids->len; i++)
    {
      Subscription *subscription = g_hash_table_lookup (self->subscriptions,
                                                        GUINT_TO_POINTER (g_array_index (ids, guint, i)));

      self->looked_at++;
      /* (Or a new one with the id, after a wrap, of another channel.) */
      if (subscription != NULL && strcmp (subscription->channel, delivery->channel) == 0)
        subscription->func (delivery->channel, delivery->message, subscription->user_data);
    }

  return G_SOURCE_REMOVE;
}

static void
memory_publish (NorthMcpStateStore              *store,
                const NorthMcpStateStoreRequest *request,
                GTask                           *task)
{
  NorthMcpMemoryStateStore *self = NORTH_MCP_MEMORY_STATE_STORE (store);
  Delivery *delivery = g_new0 (Delivery, 1);
  GSource *source;

  delivery->self = g_object_ref (self);
  delivery->channel = g_strdup (request->key);
  delivery->message = g_bytes_ref (request->value);
  source = g_idle_source_new ();
  g_source_set_callback (source, deliver, delivery, (GDestroyNotify) delivery_free);
  g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
  g_task_return_boolean (task, TRUE);
}

static guint
memory_subscribe (NorthMcpStateStore            *store,
                  const char                    *channel,
                  NorthMcpStateStoreMessageFunc  func,
                  gpointer                       user_data,
                  GDestroyNotify                 destroy)
{
  NorthMcpMemoryStateStore *self = NORTH_MCP_MEMORY_STATE_STORE (store);
  Subscription *subscription = g_new0 (Subscription, 1);
  GQueue *queue = g_hash_table_lookup (self->channels, channel);

  if (queue == NULL)
    {
      queue = g_queue_new ();
      g_hash_table_insert (self->channels, g_strdup (channel), queue);
    }
  /* Ids wrap after G_MAXUINT subscriptions (one per session watched). */
  subscription->id = north_mcp_next_free_id (&self->next_subscription, self->subscriptions);
  subscription->channel = g_strdup (channel);
  subscription->func = func;
  subscription->user_data = user_data;
  subscription->destroy = destroy;
  g_queue_push_tail (queue, subscription);
  subscription->link = queue->tail;
  g_hash_table_insert (self->subscriptions, GUINT_TO_POINTER (subscription->id), subscription);
  return subscription->id;
}

static void
memory_unsubscribe (NorthMcpStateStore *store,
                    guint               id)
{
  NorthMcpMemoryStateStore *self = NORTH_MCP_MEMORY_STATE_STORE (store);
  Subscription *subscription = g_hash_table_lookup (self->subscriptions, GUINT_TO_POINTER (id));
  GQueue *queue;

  self->looked_at++;
  if (subscription == NULL)
    return;
  queue = g_hash_table_lookup (self->channels, subscription->channel);
  g_queue_delete_link (queue, subscription->link);
  if (g_queue_is_empty (queue))
    g_hash_table_remove (self->channels, subscription->channel);
  /* Last: its destroy notify may subscribe or unsubscribe. */
  g_hash_table_steal (self->subscriptions, GUINT_TO_POINTER (id));
  subscription_free (subscription);
}

/* Down to @max_length events of at most @max_size bytes (0: no bound),
 * keeping the newest whatever its size. */
static void
drop_oldest_events (Entry *entry,
                    guint  max_length,
                    gsize  max_size)
{
  guint dropped = 0;

  while (entry->events->len - dropped > 1 &&
         ((max_length > 0 && entry->events->len - dropped > max_length) || (max_size > 0 && entry->bytes > max_size)))
    {
      NorthMcpStateStoreEvent *oldest = g_ptr_array_index (entry->events, dropped++);

      entry->bytes -= g_bytes_get_size (oldest->data);
    }
  g_ptr_array_remove_range (entry->events, 0, dropped);
}

static void
memory_append (NorthMcpStateStore              *store,
               const NorthMcpStateStoreRequest *request,
               GTask                           *task)
{
  NorthMcpMemoryStateStore *self = NORTH_MCP_MEMORY_STATE_STORE (store);
  guint max_length = request->count;
  NorthMcpStateStoreEvent *stored;
  Entry *entry;

  sweep_expired (store);
  entry = lookup (store, request->key);
  if (entry != NULL && entry->events == NULL)
    {
      g_task_return_new_error (task, NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_INVALID,
                               "The key holds a value, not a stream");
      return;
    }
  if (entry == NULL)
    {
      entry = g_new0 (Entry, 1);
      entry->events = g_ptr_array_new_with_free_func ((GDestroyNotify) north_mcp_state_store_event_free);
      entry->next_event = 1;
      g_hash_table_replace (self->entries, g_strdup (request->key), entry);
    }

  stored = g_new0 (NorthMcpStateStoreEvent, 1);
  stored->id = g_strdup_printf ("%" G_GUINT64_FORMAT, entry->next_event++);
  stored->data = g_bytes_ref (request->value);
  g_ptr_array_add (entry->events, stored);
  entry->bytes += g_bytes_get_size (stored->data);
  drop_oldest_events (entry, max_length, request->max_size);
  entry->expires_at = expiry (request->ttl_ms);
  g_task_return_pointer (task, g_strdup (stored->id), g_free);
}

static gboolean
bytes_start_with (GBytes     *bytes,
                  const char *prefix)
{
  gsize length = 0;
  const char *data = g_bytes_get_data (bytes, &length);

  return prefix == NULL ||
         (length >= strlen (prefix) && memcmp (data, prefix, strlen (prefix)) == 0);
}

/* Whether @bytes, which start with @prefix, go on with a number (digits
 * and a space) at most @through, as the Redis store's script reads it. */
static gboolean
bytes_number_through (GBytes     *bytes,
                      const char *prefix,
                      guint64     through)
{
  gsize length = 0;
  const char *data = g_bytes_get_data (bytes, &length);
  gsize start = strlen (prefix), end = start;
  g_autofree char *digits = NULL;
  guint64 number;

  while (end < length && g_ascii_isdigit (data[end]))
    end++;
  if (end == start || end >= length || data[end] != ' ')
    return FALSE;
  digits = g_strndup (data + start, end - start);
  return g_ascii_string_to_unsigned (digits, 10, 0, G_MAXUINT64, &number, NULL) && number <= through;
}

static void
memory_replay (NorthMcpStateStore              *store,
               const NorthMcpStateStoreRequest *request,
               GTask                           *task)
{
  GPtrArray *events;
  guint64 after_number = 0;
  gsize budget = request->max_size;
  gboolean left_out = FALSE;
  Entry *entry;

  if (request->after != NULL &&
      !g_ascii_string_to_unsigned (request->after, 10, 0, G_MAXUINT64, &after_number, NULL))
    {
      g_task_return_new_error (task, NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_INVALID,
                               "Invalid event id");
      return;
    }

  /* From the newest back, as the Redis store. */
  events = g_ptr_array_new_with_free_func ((GDestroyNotify) north_mcp_state_store_event_free);
  entry = lookup (store, request->key);
  for (guint i = entry != NULL && entry->events != NULL ? entry->events->len : 0; i > 0; i--)
    {
      NorthMcpStateStoreEvent *stored = g_ptr_array_index (entry->events, i - 1);
      NorthMcpStateStoreEvent *copy;

      if (g_ascii_strtoull (stored->id, NULL, 10) <= after_number)
        break;
      if (!bytes_start_with (stored->data, request->prefix))
        continue;
      if (request->prefix != NULL && request->through != NULL &&
          bytes_number_through (stored->data, request->prefix, g_ascii_strtoull (request->through, NULL, 10)))
        break;
      if (events->len >= request->count || g_bytes_get_size (stored->data) > budget)
        {
          left_out = TRUE;
          break;
        }
      budget -= g_bytes_get_size (stored->data);
      copy = g_new0 (NorthMcpStateStoreEvent, 1);
      copy->id = g_strdup (stored->id);
      copy->data = g_bytes_ref (stored->data);
      g_ptr_array_insert (events, 0, copy);
    }

  north_mcp_state_store_return_replay (task, events, left_out);
}

/* The operations, in the order of NorthMcpStateStoreOp. */
static const NorthMcpStateStoreOperation operations[] = {
  memory_set, memory_get, memory_expire, memory_delete, memory_publish, memory_append, memory_replay,
  memory_set_counted, memory_check_room,
};
G_STATIC_ASSERT (G_N_ELEMENTS (operations) == NORTH_MCP_STATE_STORE_N_OPS);

static void
north_mcp_memory_state_store_iface_init (NorthMcpStateStoreInterface *iface)
{
  iface->operations = operations;
  iface->subscribe = memory_subscribe;
  iface->unsubscribe = memory_unsubscribe;
}

static void
north_mcp_memory_state_store_finalize (GObject *object)
{
  NorthMcpMemoryStateStore *self = NORTH_MCP_MEMORY_STATE_STORE (object);

  g_hash_table_unref (self->entries);
  g_hash_table_unref (self->channels);
  g_hash_table_unref (self->subscriptions);
  G_OBJECT_CLASS (north_mcp_memory_state_store_parent_class)->finalize (object);
}

static void
north_mcp_memory_state_store_class_init (NorthMcpMemoryStateStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = north_mcp_memory_state_store_finalize;
}

static void
north_mcp_memory_state_store_init (NorthMcpMemoryStateStore *self)
{
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) entry_free);
  self->subscriptions = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) subscription_free);
  self->channels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_queue_free);
}

NorthMcpStateStore *
north_mcp_memory_state_store_new (void)
{
  return g_object_new (NORTH_MCP_TYPE_MEMORY_STATE_STORE, NULL);
}

void
north_mcp_memory_state_store_set_next_subscription_id (NorthMcpStateStore *store,
                                                       guint               id)
{
  NORTH_MCP_MEMORY_STATE_STORE (store)->next_subscription = id - 1;
}

guint
north_mcp_memory_state_store_get_n_keys (NorthMcpStateStore *store)
{
  return g_hash_table_size (NORTH_MCP_MEMORY_STATE_STORE (store)->entries);
}

guint64
north_mcp_memory_state_store_get_subscriptions_looked_at (NorthMcpStateStore *store)
{
  return NORTH_MCP_MEMORY_STATE_STORE (store)->looked_at;
}
