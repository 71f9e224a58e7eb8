/* north-mcp-state-store-private.h: where the state that replicas share lives
 *
 * Issue 15: several processes (replicas behind a load balancer without
 * stickiness) serve one stateful client as one server when what a session
 * is, the messages for its streams and the events of its resumable streams
 * live in a store they all reach. The store is deliberately small and
 * knows nothing of MCP: values under keys with a time to live (session
 * records, the shared request-state key), publish/subscribe on channels
 * (notifications for a stream held by another replica, session deletion),
 * bounded append-only streams of events (resumability), and values
 * counted in quotas that the store keeps with them (task records, the
 * session records of identified owners).
 *
 * The default, north_mcp_memory_state_store_new(), keeps all of it in this
 * process and says so (is_shared() is FALSE): the server then skips every
 * store call, so a single process costs nothing more than before. The Redis
 * store (north_mcp_redis_state_store_new()) is shared.
 *
 * Everything is asynchronous (no call blocks the main loop). Errors are
 * NORTH_MCP_STATE_STORE_ERROR: UNAVAILABLE when the store cannot be reached
 * or answered too late (the caller answers 503 and carries on), INVALID for
 * a key or value the store refuses, TOO_LARGE for a value read back over
 * the caller's bound, GONE for a replay of a stream its group's bound
 * dropped.
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define NORTH_MCP_STATE_STORE_ERROR (north_mcp_state_store_error_quark ())

typedef enum
{
  NORTH_MCP_STATE_STORE_ERROR_UNAVAILABLE,
  NORTH_MCP_STATE_STORE_ERROR_INVALID,
  NORTH_MCP_STATE_STORE_ERROR_TOO_LARGE,
  NORTH_MCP_STATE_STORE_ERROR_GONE,
} NorthMcpStateStoreError;

GQuark north_mcp_state_store_error_quark (void);

/* Keys and channels: at most this long, printable ASCII without spaces
 * (callers build them from validated parts; the store checks again). */
#define NORTH_MCP_STATE_STORE_MAX_KEY 256

/* A message on a subscribed channel; @message is only valid during the call
 * unless referenced. */
typedef void (*NorthMcpStateStoreMessageFunc) (const char *channel,
                                               GBytes     *message,
                                               gpointer    user_data);

/* One event of a stream, as replayed. */
typedef struct
{
  char   *id;   /* the store's id, increasing within the stream */
  GBytes *data;
} NorthMcpStateStoreEvent;

void north_mcp_state_store_event_free (NorthMcpStateStoreEvent *event);

/* What an asynchronous call asks of the store; each operation reads the
 * fields its comment names. The public functions below fill it in. */
/* When a SET stores its value. */
typedef enum
{
  NORTH_MCP_STATE_STORE_SET_ALWAYS,
  /* An existing value is kept (Redis: NX). */
  NORTH_MCP_STATE_STORE_SET_IF_ABSENT,
  /* Only over an existing value: what was deleted stays deleted (XX). */
  NORTH_MCP_STATE_STORE_SET_IF_PRESENT,
} NorthMcpStateStoreSetMode;

typedef enum
{
  /* Stores @value under @key for @ttl_ms (0: no expiry), as @mode says;
   * FALSE when the mode kept it from being stored. With @expected (mode
   * IF_PRESENT, @ttl_ms 0): only in place of a value equal to it, whose
   * expiry it keeps (see north_mcp_state_store_replace_async()). */
  NORTH_MCP_STATE_STORE_OP_SET,
  /* The value under @key (GBytes, NULL when there is none); TOO_LARGE when
   * it is longer than @max_size (refused where it is stored: a store also
   * bounds @max_size by what one reply of its may carry, half of
   * max-reply-size for Redis). */
  NORTH_MCP_STATE_STORE_OP_GET,
  /* Gives @key @ttl_ms more to live; FALSE when absent. When @counted,
   * its @member in @counters too (see
   * north_mcp_state_store_expire_counted_async()). */
  NORTH_MCP_STATE_STORE_OP_EXPIRE,
  /* Removes @key (a value or a stream); FALSE when absent. When
   * @counted, its @member from @counters too (see
   * north_mcp_state_store_delete_counted_async()). */
  NORTH_MCP_STATE_STORE_OP_DELETE,
  /* Sends @value to every subscriber of channel @key, this process's too. */
  NORTH_MCP_STATE_STORE_OP_PUBLISH,
  /* Appends event @value to stream @key, keeping about its last @count
   * events whose data add up to at most @max_size bytes (0: no bound; the
   * newest is kept, whatever its size), and gives the stream @ttl_ms more to live;
   * the result is the event's id (a string). With @group (a valid key,
   * or NULL), the streams appended to with that group together hold at
   * most @group_max_size bytes (0: no bound): each counts its data, 64
   * bytes per event and 1 KiB (what Redis keeps beside the data), until
   * it expires; past it, whole streams go, the one that expires first
   * (with one ttl for all, the one appended to least recently), never
   * @key; a REPLAY of a stream that went so fails with GONE until it
   * would have expired (or is appended to again). The Redis store keeps
   * the group under @group and @group:bytes, and of a stream that went
   * a marker of some 60 bytes under its @key:bytes; the memory store,
   * never shared, keeps no group. */
  NORTH_MCP_STATE_STORE_OP_APPEND,
  /* The newest events of stream @key after the one with id @after (NULL:
   * from the first), at most @count, whose data add up to at most
   * @max_size bytes (what a replay reads, whatever the stream holds;
   * bounded as for GET), oldest first, as a GPtrArray of
   * NorthMcpStateStoreEvent; whether older ones after @after were left
   * out goes with them (north_mcp_state_store_return_replay()). */
  NORTH_MCP_STATE_STORE_OP_REPLAY,
  /* A SET (@value, @ttl_ms > 0, @mode) that also counts @member in each of
   * @counters until the value expires; a NorthMcpStateStoreCounted (an
   * int). See north_mcp_state_store_set_counted_async(). */
  NORTH_MCP_STATE_STORE_OP_SET_COUNTED,
  /* Whether a new member would join each of @counters now; a
   * NorthMcpStateStoreCounted (an int). See
   * north_mcp_state_store_check_room_async(). */
  NORTH_MCP_STATE_STORE_OP_CHECK_ROOM,
  NORTH_MCP_STATE_STORE_N_OPS
} NorthMcpStateStoreOp;

/* A quota kept in the store itself, so that every process that shares the
 * store counts against it: the members it counts live under @key (the
 * store's own structure there), each until the value it was counted for
 * expires. A new member joins only while fewer than @limit live ones are
 * there; a @limit of 0 adds none (a rewrite only moves the expiry of a
 * member that is there already).
 *
 * With @max_bytes > 0 the counter also adds up the sizes of the values
 * stored through it, each value (by its key) until it expires: a write
 * that would make the live ones more than @max_bytes is refused, unless
 * it shrinks or keeps the size of the value it replaces (a rewrite
 * replaces the value's size, it does not add to it). Whatever the @limit,
 * so a rewrite that only moves a member's expiry is bounded too. Give a
 * counter a @max_bytes always or never: values written while it had none
 * are not in its sum. The Redis store keeps the sizes beside the counter,
 * under @key:values and @key:bytes: leave those keys to it. */
typedef struct
{
  const char *key;
  guint       limit;
  guint64     max_bytes;
} NorthMcpStateStoreCounter;

/* At most this many counters per counted SET. */
#define NORTH_MCP_STATE_STORE_MAX_COUNTERS 4

/* What a counted SET did. */
typedef enum
{
  /* @mode kept the value from being stored: nothing changed. */
  NORTH_MCP_STATE_STORE_COUNTED_KEPT_OUT,
  NORTH_MCP_STATE_STORE_COUNTED_STORED,
  /* FULL + i: counters[i] held @limit live members and @member was not one
   * of them: nothing was stored nor counted. */
  NORTH_MCP_STATE_STORE_COUNTED_FULL,
  /* OVER_BYTES + i: the value would have taken counters[i] past its
   * @max_bytes: nothing was stored nor counted. */
  NORTH_MCP_STATE_STORE_COUNTED_OVER_BYTES = NORTH_MCP_STATE_STORE_COUNTED_FULL + NORTH_MCP_STATE_STORE_MAX_COUNTERS,
} NorthMcpStateStoreCounted;

typedef struct
{
  NorthMcpStateStoreOp  op;
  const char           *key;   /* a key, a stream or a channel; checked valid */
  GBytes               *value;
  guint64               ttl_ms;
  NorthMcpStateStoreSetMode mode;
  gsize                 max_size;
  guint                 count;
  const char           *after;
  /* APPEND: the streams whose bytes are bounded together, or NULL. */
  const char           *group;
  gsize                 group_max_size;
  /* REPLAY: only events whose data starts with it, or NULL; and where
   * it stops (see north_mcp_state_store_replay_async()), or NULL. */
  const char           *prefix;
  const char           *through;
  /* SET_COUNTED (and EXPIRE, DELETE of a counted value): what is
   * counted (a valid key), and where. */
  const char                      *member;
  const NorthMcpStateStoreCounter *counters;
  guint                            n_counters;
  /* EXPIRE, DELETE: of a counted value (@member, @counters). */
  gboolean                         counted;
  /* SET: the value it replaces, or NULL. */
  GBytes                          *expected;
} NorthMcpStateStoreRequest;

#define NORTH_MCP_TYPE_STATE_STORE (north_mcp_state_store_get_type ())

G_DECLARE_INTERFACE (NorthMcpStateStore, north_mcp_state_store, NORTH_MCP, STATE_STORE, GObject)

/* Carries out @request (valid only during the call) and returns its result
 * on @task (a boolean, or a pointer as the operation says); takes a
 * reference to @task to answer later. */
typedef void (*NorthMcpStateStoreOperation) (NorthMcpStateStore              *self,
                                             const NorthMcpStateStoreRequest *request,
                                             GTask                           *task);

struct _NorthMcpStateStoreInterface
{
  GTypeInterface parent_iface;

  /* Whether other processes see what this store holds (default: no). */
  gboolean    (*is_shared)      (NorthMcpStateStore            *self);
  /* Whether the store can be reached now (a shared store reconnects by
   * itself; default: always). */
  gboolean    (*is_available)   (NorthMcpStateStore            *self);

  /* NORTH_MCP_STATE_STORE_N_OPS of them, indexed by NorthMcpStateStoreOp:
   * the public functions below check the key and call the one they need. */
  const NorthMcpStateStoreOperation *operations;

  /* Calls @func for each message on @channel until unsubscribed (a shared
   * store subscribes again by itself after a reconnection; messages
   * published meanwhile are lost). Returns an id > 0. */
  guint       (*subscribe)      (NorthMcpStateStore            *self,
                                 const char                    *channel,
                                 NorthMcpStateStoreMessageFunc  func,
                                 gpointer                       user_data,
                                 GDestroyNotify                 destroy);
  void        (*unsubscribe)    (NorthMcpStateStore            *self,
                                 guint                          id);
};

/* Signal (no arguments): a shared store can be reached again, after it
 * could not or for the first time (a reconnection). What it held may be
 * gone meanwhile (a Redis that restarted empty): whoever keeps something
 * there for good stores it again. */
#define NORTH_MCP_STATE_STORE_SIGNAL_AVAILABLE "available"

gboolean   north_mcp_state_store_is_shared      (NorthMcpStateStore            *self);
gboolean   north_mcp_state_store_is_available   (NorthMcpStateStore            *self);
void       north_mcp_state_store_set_async      (NorthMcpStateStore            *self,
                                                 const char                    *key,
                                                 GBytes                        *value,
                                                 guint64                        ttl_ms,
                                                 NorthMcpStateStoreSetMode      mode,
                                                 GCancellable                  *cancellable,
                                                 GAsyncReadyCallback            callback,
                                                 gpointer                       user_data);
gboolean   north_mcp_state_store_set_finish     (NorthMcpStateStore            *self,
                                                 GAsyncResult                  *result,
                                                 GError                       **error);
/* Stores @value under @key in place of @expected, with the expiry the key
 * has: nothing was written there since @expected was read. FALSE when
 * @key holds anything else, or nothing. Not for a value counted by a
 * counter with a @max_bytes: its size there stays what it was. */
void       north_mcp_state_store_replace_async  (NorthMcpStateStore            *self,
                                                 const char                    *key,
                                                 GBytes                        *value,
                                                 GBytes                        *expected,
                                                 GCancellable                  *cancellable,
                                                 GAsyncReadyCallback            callback,
                                                 gpointer                       user_data);
gboolean   north_mcp_state_store_replace_finish (NorthMcpStateStore            *self,
                                                 GAsyncResult                  *result,
                                                 GError                       **error);
void       north_mcp_state_store_get_async      (NorthMcpStateStore            *self,
                                                 const char                    *key,
                                                 gsize                          max_size,
                                                 GCancellable                  *cancellable,
                                                 GAsyncReadyCallback            callback,
                                                 gpointer                       user_data);
GBytes    *north_mcp_state_store_get_finish     (NorthMcpStateStore            *self,
                                                 GAsyncResult                  *result,
                                                 GError                       **error);
void       north_mcp_state_store_expire_async   (NorthMcpStateStore            *self,
                                                 const char                    *key,
                                                 guint64                        ttl_ms,
                                                 GCancellable                  *cancellable,
                                                 GAsyncReadyCallback            callback,
                                                 gpointer                       user_data);
gboolean   north_mcp_state_store_expire_finish  (NorthMcpStateStore            *self,
                                                 GAsyncResult                  *result,
                                                 GError                       **error);
void       north_mcp_state_store_delete_async   (NorthMcpStateStore            *self,
                                                 const char                    *key,
                                                 GCancellable                  *cancellable,
                                                 GAsyncReadyCallback            callback,
                                                 gpointer                       user_data);
gboolean   north_mcp_state_store_delete_finish  (NorthMcpStateStore            *self,
                                                 GAsyncResult                  *result,
                                                 GError                       **error);
void       north_mcp_state_store_publish_async  (NorthMcpStateStore            *self,
                                                 const char                    *channel,
                                                 GBytes                        *message,
                                                 GCancellable                  *cancellable,
                                                 GAsyncReadyCallback            callback,
                                                 gpointer                       user_data);
gboolean   north_mcp_state_store_publish_finish (NorthMcpStateStore            *self,
                                                 GAsyncResult                  *result,
                                                 GError                       **error);
guint      north_mcp_state_store_subscribe      (NorthMcpStateStore            *self,
                                                 const char                    *channel,
                                                 NorthMcpStateStoreMessageFunc  func,
                                                 gpointer                       user_data,
                                                 GDestroyNotify                 destroy);
void       north_mcp_state_store_unsubscribe    (NorthMcpStateStore            *self,
                                                 guint                          id);
void       north_mcp_state_store_append_async   (NorthMcpStateStore            *self,
                                                 const char                    *key,
                                                 GBytes                        *event,
                                                 guint                          max_length,
                                                 gsize                          max_size,
                                                 guint64                        ttl_ms,
                                                 const char                    *group,
                                                 gsize                          group_max_size,
                                                 GCancellable                  *cancellable,
                                                 GAsyncReadyCallback            callback,
                                                 gpointer                       user_data);
char      *north_mcp_state_store_append_finish  (NorthMcpStateStore            *self,
                                                 GAsyncResult                  *result,
                                                 GError                       **error);
void       north_mcp_state_store_replay_async   (NorthMcpStateStore            *self,
                                                 const char                    *key,
                                                 const char                    *after,
                                                 const char                    *prefix,
                                                 const char                    *through,
                                                 guint                          max_events,
                                                 gsize                          max_size,
                                                 GCancellable                  *cancellable,
                                                 GAsyncReadyCallback            callback,
                                                 gpointer                       user_data);
/* @left_out (may be NULL): whether events after @after were left out
 * (more than @max_events, or more than @max_size bytes). With @prefix,
 * only the events whose data starts with it are replayed: the store
 * skips the others, which neither reach the caller nor count in
 * @max_events and @max_size (a session's events of other streams).
 * With @prefix and @through (digits), the replay, going back from the
 * newest, stops at the first event whose data goes on after @prefix with
 * a number at most @through (one the caller has, and the older ones):
 * that event and the older ones are not read, and not left out. */
GPtrArray *north_mcp_state_store_replay_finish  (NorthMcpStateStore            *self,
                                                 GAsyncResult                  *result,
                                                 gboolean                      *left_out,
                                                 GError                       **error);
/* Stores @value under @key for @ttl_ms (> 0) as @mode says, as SET does,
 * and in the same atomic step counts @member (a valid key, such as an id
 * the value belongs to) in each of @counters (1 to
 * NORTH_MCP_STATE_STORE_MAX_COUNTERS) until the value expires: members
 * that expired are dropped first; a member already there gets the new
 * expiry; a new one joins only if each counter with a @limit > 0 has room,
 * else nothing is stored and the result is FULL + the index of the first
 * full counter; likewise OVER_BYTES + the index of the first counter
 * whose @max_bytes the value does not fit in. The store keeps each
 * counter until its last member (and value) expires. A member is only
 * counted through this call; it leaves by expiring, or with its value
 * through north_mcp_state_store_delete_counted_async(): a value deleted
 * by other means counts until its expiry, and one given more time by
 * other means than north_mcp_state_store_expire_counted_async() stops
 * counting at its old expiry.
 *
 * Returns a NorthMcpStateStoreCounted, or -1 with @error. An error after
 * the call reached a shared store (UNAVAILABLE: Redis did not answer in
 * time, or the connection was lost) leaves it unknown whether the value
 * was stored and counted: it may well have been, and then counts until it
 * expires like any other (nothing can give it back without knowing). */
void       north_mcp_state_store_set_counted_async  (NorthMcpStateStore              *self,
                                                     const char                      *key,
                                                     GBytes                          *value,
                                                     guint64                          ttl_ms,
                                                     NorthMcpStateStoreSetMode        mode,
                                                     const char                      *member,
                                                     const NorthMcpStateStoreCounter *counters,
                                                     guint                            n_counters,
                                                     GCancellable                    *cancellable,
                                                     GAsyncReadyCallback              callback,
                                                     gpointer                         user_data);
gssize     north_mcp_state_store_set_counted_finish (NorthMcpStateStore              *self,
                                                     GAsyncResult                    *result,
                                                     GError                         **error);

/* Whether a counted SET of a new member would find room in each of
 * @counters (1 to NORTH_MCP_STATE_STORE_MAX_COUNTERS) now, by their
 * @limit only (byte limits are not read): STORED when it would
 * (nothing is stored, nothing changes), else FULL + the index of the
 * first counter whose @limit live members leave none. A read (one ZCOUNT
 * per counter for Redis), so that a caller can refuse early what the
 * counted SET would refuse later; that SET checks again. Returns -1
 * with @error. */
void       north_mcp_state_store_check_room_async  (NorthMcpStateStore              *self,
                                                    const NorthMcpStateStoreCounter *counters,
                                                    guint                            n_counters,
                                                    GCancellable                    *cancellable,
                                                    GAsyncReadyCallback              callback,
                                                    gpointer                         user_data);
gssize     north_mcp_state_store_check_room_finish (NorthMcpStateStore              *self,
                                                    GAsyncResult                    *result,
                                                    GError                         **error);

/* Gives the value under @key @ttl_ms (> 0) more to live, as EXPIRE does,
 * and in the same atomic step gives @member in each of @counters, and the
 * value's size in a counter that adds sizes up, the same new expiry: a
 * value in use keeps counting as long as it lives. Only what is counted
 * now moves: a member that expired joins again only through a counted
 * SET, which checks the limit (the limits and byte limits of @counters
 * are not read here). FALSE, with nothing changed, when @key is absent. */
void       north_mcp_state_store_expire_counted_async  (NorthMcpStateStore              *self,
                                                        const char                      *key,
                                                        guint64                          ttl_ms,
                                                        const char                      *member,
                                                        const NorthMcpStateStoreCounter *counters,
                                                        guint                            n_counters,
                                                        GCancellable                    *cancellable,
                                                        GAsyncReadyCallback              callback,
                                                        gpointer                         user_data);
gboolean   north_mcp_state_store_expire_counted_finish (NorthMcpStateStore              *self,
                                                        GAsyncResult                    *result,
                                                        GError                         **error);
/* Removes the value under @key, as DELETE does, and in the same atomic
 * step @member from each of @counters and the value's size from their
 * sums: what ends before its expiry stops counting at once. The member
 * leaves even when the value was gone already; FALSE when it was. Only
 * the caller knows that @member belongs to @key alone: a member counted
 * for several values leaves with the first of them deleted. */
void       north_mcp_state_store_delete_counted_async  (NorthMcpStateStore              *self,
                                                        const char                      *key,
                                                        const char                      *member,
                                                        const NorthMcpStateStoreCounter *counters,
                                                        guint                            n_counters,
                                                        GCancellable                    *cancellable,
                                                        GAsyncReadyCallback              callback,
                                                        gpointer                         user_data);
gboolean   north_mcp_state_store_delete_counted_finish (NorthMcpStateStore              *self,
                                                        GAsyncResult                    *result,
                                                        GError                         **error);

/* For the stores: the result of a REPLAY (takes @events). */
void       north_mcp_state_store_return_replay  (GTask                         *task,
                                                 GPtrArray                     *events,
                                                 gboolean                       left_out);

/* Fire and forget: the result is only logged (debug) when it fails. */
void       north_mcp_state_store_publish        (NorthMcpStateStore            *self,
                                                 const char                    *channel,
                                                 GBytes                        *message);
void       north_mcp_state_store_append         (NorthMcpStateStore            *self,
                                                 const char                    *key,
                                                 GBytes                        *event,
                                                 guint                          max_length,
                                                 gsize                          max_size,
                                                 guint64                        ttl_ms,
                                                 const char                    *group,
                                                 gsize                          group_max_size);

/* Whether @key is acceptable as a key or channel name. */
gboolean   north_mcp_state_store_key_is_valid   (const char                    *key);

/* The in-process store (not shared). Its limits: subscription ids wrap
 * after G_MAXUINT subscriptions, to neither 0 nor an id still in use; an
 * expired key is dropped when read, and every expired key whenever the
 * number of keys doubled since the last sweep (from 64 up), so a key
 * written once and never read again does not stay: the keys held are at
 * most about twice the live ones; a publish looks at the subscriptions
 * of its channel only, an unsubscribe at its own. */
NorthMcpStateStore *north_mcp_memory_state_store_new (void);

/* For tests: where its subscription ids go on from (their wrap at
 * G_MAXUINT, which a server that runs for months may reach), the keys it
 * holds (live or expired), and how many subscriptions publishes and
 * unsubscribes looked at so far. */
void                north_mcp_memory_state_store_set_next_subscription_id (NorthMcpStateStore *store,
                                                                           guint               id);
guint               north_mcp_memory_state_store_get_n_keys               (NorthMcpStateStore *store);
guint64             north_mcp_memory_state_store_get_subscriptions_looked_at (NorthMcpStateStore *store);

/* A store from a URI: NULL or "memory:" for the in-process one,
 * redis://HOST:PORT[/DB] for Redis; NULL and @error (G_IO_ERROR_INVALID_ARGUMENT)
 * for anything else. */
NorthMcpStateStore *north_mcp_state_store_new_for_uri (const char  *uri,
                                                       GError     **error);

G_END_DECLS
