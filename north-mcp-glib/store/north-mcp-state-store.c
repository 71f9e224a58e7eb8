/* north-mcp-state-store.c: the state store interface
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-state-store-private.h"
#include "north-mcp-redis-state-store-private.h"
#include "north-mcp-store-call-private.h"

G_DEFINE_QUARK (north-mcp-state-store-error-quark, north_mcp_state_store_error)

G_DEFINE_INTERFACE (NorthMcpStateStore, north_mcp_state_store, G_TYPE_OBJECT)

/* The defaults are those of a store in this process. */
static gboolean
state_store_not_shared (NorthMcpStateStore *self)
{
  return FALSE;
}

static gboolean
state_store_always_available (NorthMcpStateStore *self)
{
  return TRUE;
}

static void
north_mcp_state_store_default_init (NorthMcpStateStoreInterface *iface)
{
  iface->is_shared = state_store_not_shared;
  iface->is_available = state_store_always_available;

  g_signal_new (NORTH_MCP_STATE_STORE_SIGNAL_AVAILABLE, G_TYPE_FROM_INTERFACE (iface), G_SIGNAL_RUN_LAST,
                0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

void
north_mcp_state_store_event_free (NorthMcpStateStoreEvent *event)
{
  if (event == NULL)
    return;
  g_free (event->id);
  g_clear_pointer (&event->data, g_bytes_unref);
  g_free (event);
}

gboolean
north_mcp_state_store_key_is_valid (const char *key)
{
  gsize length = 0;

  if (key == NULL)
    return FALSE;
  for (const char *p = key; *p != '\0'; p++, length++)
    if (*p <= ' ' || *p > '~' || length >= NORTH_MCP_STATE_STORE_MAX_KEY)
      return FALSE;
  return length > 0;
}

gboolean
north_mcp_state_store_is_shared (NorthMcpStateStore *self)
{
  return NORTH_MCP_STATE_STORE_GET_IFACE (self)->is_shared (self);
}

gboolean
north_mcp_state_store_is_available (NorthMcpStateStore *self)
{
  return NORTH_MCP_STATE_STORE_GET_IFACE (self)->is_available (self);
}

/* The arguments of a call on a counted value: a member and counters the
 * store can use and, but for a DELETE, an expiry (a member counted for
 * good would never leave). Called once the key is known valid. */
static gboolean
counting_is_valid (const NorthMcpStateStoreRequest *request)
{
  /* A room check has no value: its key is its first counter's. */
  gboolean check = request->op == NORTH_MCP_STATE_STORE_OP_CHECK_ROOM;

  if ((request->op == NORTH_MCP_STATE_STORE_OP_SET_COUNTED &&
       (request->value == NULL || (guint) request->mode > NORTH_MCP_STATE_STORE_SET_IF_PRESENT)) ||
      (!check && request->op != NORTH_MCP_STATE_STORE_OP_DELETE && request->ttl_ms == 0) ||
      (!check && !north_mcp_state_store_key_is_valid (request->member)) ||
      request->n_counters == 0 || request->n_counters > NORTH_MCP_STATE_STORE_MAX_COUNTERS)
    return FALSE;
  for (guint i = 0; i < request->n_counters; i++)
    {
      const char *key = request->counters[i].key;

      /* A counter is neither the value nor named twice. */
      if (!north_mcp_state_store_key_is_valid (key) || (!check && strcmp (key, request->key) == 0))
        return FALSE;
      for (guint j = 0; j < i; j++)
        if (strcmp (key, request->counters[j].key) == 0)
          return FALSE;
    }
  return TRUE;
}

/* Every asynchronous call: a task tagged with the public function (its
 * _finish checks the tag: one table answers every call), the key (and
 * the arguments of a call on a counted value) checked, then the
 * implementation's operation. */
static void
run (NorthMcpStateStore              *self,
     const NorthMcpStateStoreRequest *request,
     GCancellable                    *cancellable,
     GAsyncReadyCallback              callback,
     gpointer                         user_data,
     gpointer                         tag)
{
  g_autoptr(GTask) task = north_mcp_store_call_new (self, cancellable, callback, user_data, tag);

  if (!north_mcp_state_store_key_is_valid (request->key) ||
      (request->group != NULL &&
       (!north_mcp_state_store_key_is_valid (request->group) || strcmp (request->group, request->key) == 0)) ||
      ((request->op == NORTH_MCP_STATE_STORE_OP_SET_COUNTED || request->op == NORTH_MCP_STATE_STORE_OP_CHECK_ROOM ||
        request->counted) &&
       !counting_is_valid (request)))
    g_task_return_new_error (task, NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_INVALID,
                             "Invalid state store key");
  else
    NORTH_MCP_STATE_STORE_GET_IFACE (self)->operations[request->op] (self, request, task);
}

void
north_mcp_state_store_set_async (NorthMcpStateStore  *self,
                                 const char          *key,
                                 GBytes              *value,
                                 guint64              ttl_ms,
                                 NorthMcpStateStoreSetMode mode,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  NorthMcpStateStoreRequest request = { NORTH_MCP_STATE_STORE_OP_SET, key, value, ttl_ms, mode };

  run (self, &request, cancellable, callback, user_data, north_mcp_state_store_set_async);
}

gboolean
north_mcp_state_store_set_finish (NorthMcpStateStore  *self,
                                  GAsyncResult        *result,
                                  GError             **error)
{
  return north_mcp_store_call_propagate_boolean (self, result, north_mcp_state_store_set_async, error);
}

void
north_mcp_state_store_replace_async (NorthMcpStateStore  *self,
                                     const char          *key,
                                     GBytes              *value,
                                     GBytes              *expected,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  NorthMcpStateStoreRequest request = {
    NORTH_MCP_STATE_STORE_OP_SET, key, value, .expected = expected, .mode = NORTH_MCP_STATE_STORE_SET_IF_PRESENT
  };

  g_return_if_fail (expected != NULL);
  run (self, &request, cancellable, callback, user_data, north_mcp_state_store_replace_async);
}

gboolean
north_mcp_state_store_replace_finish (NorthMcpStateStore  *self,
                                      GAsyncResult        *result,
                                      GError             **error)
{
  return north_mcp_store_call_propagate_boolean (self, result, north_mcp_state_store_replace_async, error);
}

void
north_mcp_state_store_set_counted_async (NorthMcpStateStore              *self,
                                         const char                      *key,
                                         GBytes                          *value,
                                         guint64                          ttl_ms,
                                         NorthMcpStateStoreSetMode        mode,
                                         const char                      *member,
                                         const NorthMcpStateStoreCounter *counters,
                                         guint                            n_counters,
                                         GCancellable                    *cancellable,
                                         GAsyncReadyCallback              callback,
                                         gpointer                         user_data)
{
  NorthMcpStateStoreRequest request = {
    NORTH_MCP_STATE_STORE_OP_SET_COUNTED, key, value, ttl_ms, mode,
    .member = member, .counters = counters, .n_counters = n_counters
  };

  run (self, &request, cancellable, callback, user_data, north_mcp_state_store_set_counted_async);
}

gssize
north_mcp_state_store_set_counted_finish (NorthMcpStateStore  *self,
                                          GAsyncResult        *result,
                                          GError             **error)
{
  return north_mcp_store_call_propagate_int (self, result, north_mcp_state_store_set_counted_async, error);
}

void
north_mcp_state_store_check_room_async (NorthMcpStateStore              *self,
                                        const NorthMcpStateStoreCounter *counters,
                                        guint                            n_counters,
                                        GCancellable                    *cancellable,
                                        GAsyncReadyCallback              callback,
                                        gpointer                         user_data)
{
  NorthMcpStateStoreRequest request = {
    NORTH_MCP_STATE_STORE_OP_CHECK_ROOM, n_counters > 0 ? counters[0].key : NULL,
    .counters = counters, .n_counters = n_counters
  };

  run (self, &request, cancellable, callback, user_data, north_mcp_state_store_check_room_async);
}

gssize
north_mcp_state_store_check_room_finish (NorthMcpStateStore  *self,
                                         GAsyncResult        *result,
                                         GError             **error)
{
  return north_mcp_store_call_propagate_int (self, result, north_mcp_state_store_check_room_async, error);
}

void
north_mcp_state_store_get_async (NorthMcpStateStore  *self,
                                 const char          *key,
                                 gsize                max_size,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  NorthMcpStateStoreRequest request = { NORTH_MCP_STATE_STORE_OP_GET, key, .max_size = max_size };

  run (self, &request, cancellable, callback, user_data, north_mcp_state_store_get_async);
}

GBytes *
north_mcp_state_store_get_finish (NorthMcpStateStore  *self,
                                  GAsyncResult        *result,
                                  GError             **error)
{
  return north_mcp_store_call_propagate_pointer (self, result, north_mcp_state_store_get_async, error);
}

void
north_mcp_state_store_expire_async (NorthMcpStateStore  *self,
                                    const char          *key,
                                    guint64              ttl_ms,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  NorthMcpStateStoreRequest request = { NORTH_MCP_STATE_STORE_OP_EXPIRE, key, .ttl_ms = ttl_ms };

  run (self, &request, cancellable, callback, user_data, north_mcp_state_store_expire_async);
}

gboolean
north_mcp_state_store_expire_finish (NorthMcpStateStore  *self,
                                     GAsyncResult        *result,
                                     GError             **error)
{
  return north_mcp_store_call_propagate_boolean (self, result, north_mcp_state_store_expire_async, error);
}

void
north_mcp_state_store_delete_async (NorthMcpStateStore  *self,
                                    const char          *key,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  NorthMcpStateStoreRequest request = { NORTH_MCP_STATE_STORE_OP_DELETE, key };

  run (self, &request, cancellable, callback, user_data, north_mcp_state_store_delete_async);
}

gboolean
north_mcp_state_store_delete_finish (NorthMcpStateStore  *self,
                                     GAsyncResult        *result,
                                     GError             **error)
{
  return north_mcp_store_call_propagate_boolean (self, result, north_mcp_state_store_delete_async, error);
}

void
north_mcp_state_store_expire_counted_async (NorthMcpStateStore              *self,
                                            const char                      *key,
                                            guint64                          ttl_ms,
                                            const char                      *member,
                                            const NorthMcpStateStoreCounter *counters,
                                            guint                            n_counters,
                                            GCancellable                    *cancellable,
                                            GAsyncReadyCallback              callback,
                                            gpointer                         user_data)
{
  NorthMcpStateStoreRequest request = {
    NORTH_MCP_STATE_STORE_OP_EXPIRE, key, .ttl_ms = ttl_ms,
    .member = member, .counters = counters, .n_counters = n_counters, .counted = TRUE
  };

  run (self, &request, cancellable, callback, user_data, north_mcp_state_store_expire_counted_async);
}

gboolean
north_mcp_state_store_expire_counted_finish (NorthMcpStateStore  *self,
                                             GAsyncResult        *result,
                                             GError             **error)
{
  return north_mcp_store_call_propagate_boolean (self, result, north_mcp_state_store_expire_counted_async, error);
}

void
north_mcp_state_store_delete_counted_async (NorthMcpStateStore              *self,
                                            const char                      *key,
                                            const char                      *member,
                                            const NorthMcpStateStoreCounter *counters,
                                            guint                            n_counters,
                                            GCancellable                    *cancellable,
                                            GAsyncReadyCallback              callback,
                                            gpointer                         user_data)
{
  NorthMcpStateStoreRequest request = {
    NORTH_MCP_STATE_STORE_OP_DELETE, key,
    .member = member, .counters = counters, .n_counters = n_counters, .counted = TRUE
  };

  run (self, &request, cancellable, callback, user_data, north_mcp_state_store_delete_counted_async);
}

gboolean
north_mcp_state_store_delete_counted_finish (NorthMcpStateStore  *self,
                                             GAsyncResult        *result,
                                             GError             **error)
{
  return north_mcp_store_call_propagate_boolean (self, result, north_mcp_state_store_delete_counted_async, error);
}

void
north_mcp_state_store_publish_async (NorthMcpStateStore  *self,
                                     const char          *channel,
                                     GBytes              *message,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  NorthMcpStateStoreRequest request = { NORTH_MCP_STATE_STORE_OP_PUBLISH, channel, message };

  run (self, &request, cancellable, callback, user_data, north_mcp_state_store_publish_async);
}

gboolean
north_mcp_state_store_publish_finish (NorthMcpStateStore  *self,
                                      GAsyncResult        *result,
                                      GError             **error)
{
  return north_mcp_store_call_propagate_boolean (self, result, north_mcp_state_store_publish_async, error);
}

guint
north_mcp_state_store_subscribe (NorthMcpStateStore            *self,
                                 const char                    *channel,
                                 NorthMcpStateStoreMessageFunc  func,
                                 gpointer                       user_data,
                                 GDestroyNotify                 destroy)
{
  return NORTH_MCP_STATE_STORE_GET_IFACE (self)->subscribe (self, channel, func, user_data, destroy);
}

void
north_mcp_state_store_unsubscribe (NorthMcpStateStore *self,
                                   guint               id)
{
  NORTH_MCP_STATE_STORE_GET_IFACE (self)->unsubscribe (self, id);
}

void
north_mcp_state_store_append_async (NorthMcpStateStore  *self,
                                    const char          *key,
                                    GBytes              *event,
                                    guint                max_length,
                                    gsize                max_size,
                                    guint64              ttl_ms,
                                    const char          *group,
                                    gsize                group_max_size,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  NorthMcpStateStoreRequest request = { NORTH_MCP_STATE_STORE_OP_APPEND, key, event, ttl_ms,
                                        .count = max_length, .max_size = max_size,
                                        .group = group, .group_max_size = group_max_size };

  run (self, &request, cancellable, callback, user_data, north_mcp_state_store_append_async);
}

char *
north_mcp_state_store_append_finish (NorthMcpStateStore  *self,
                                     GAsyncResult        *result,
                                     GError             **error)
{
  return north_mcp_store_call_propagate_pointer (self, result, north_mcp_state_store_append_async, error);
}

void
north_mcp_state_store_replay_async (NorthMcpStateStore  *self,
                                    const char          *key,
                                    const char          *after,
                                    const char          *prefix,
                                    const char          *through,
                                    guint                max_events,
                                    gsize                max_size,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  NorthMcpStateStoreRequest request = {
    NORTH_MCP_STATE_STORE_OP_REPLAY, key, .max_size = max_size, .count = max_events, .after = after,
    .prefix = prefix, .through = through
  };

  run (self, &request, cancellable, callback, user_data, north_mcp_state_store_replay_async);
}

/* What a REPLAY's task returns. */
typedef struct
{
  GPtrArray *events;
  gboolean   left_out;
} Replayed;

static void
replayed_free (Replayed *replayed)
{
  g_clear_pointer (&replayed->events, g_ptr_array_unref);
  g_free (replayed);
}

void
north_mcp_state_store_return_replay (GTask     *task,
                                     GPtrArray *events,
                                     gboolean   left_out)
{
  Replayed *replayed = g_new0 (Replayed, 1);

  replayed->events = events;
  replayed->left_out = left_out;
  g_task_return_pointer (task, replayed, (GDestroyNotify) replayed_free);
}

GPtrArray *
north_mcp_state_store_replay_finish (NorthMcpStateStore  *self,
                                     GAsyncResult        *result,
                                     gboolean            *left_out,
                                     GError             **error)
{
  Replayed *replayed = north_mcp_store_call_propagate_pointer (self, result, north_mcp_state_store_replay_async,
                                                               error);
  GPtrArray *events;

  if (left_out != NULL)
    *left_out = replayed != NULL && replayed->left_out;
  if (replayed == NULL)
    return NULL;
  events = g_steal_pointer (&replayed->events);
  replayed_free (replayed);
  return events;
}

/* The callback of the fire-and-forget calls: a failure is only logged
 * (debug), @user_data says what was lost. A result is freed with the task. */
static void
forgotten_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (g_task_had_error (G_TASK (result)) && !g_task_propagate_boolean (G_TASK (result), &error))
    g_debug ("State store: %s: %s", (const char *) user_data, error->message);
}

void
north_mcp_state_store_publish (NorthMcpStateStore *self,
                               const char         *channel,
                               GBytes             *message)
{
  north_mcp_state_store_publish_async (self, channel, message, NULL, forgotten_cb,
                                       "a message was not published");
}

void
north_mcp_state_store_append (NorthMcpStateStore *self,
                              const char         *key,
                              GBytes             *event,
                              guint               max_length,
                              gsize               max_size,
                              guint64             ttl_ms,
                              const char         *group,
                              gsize               group_max_size)
{
  north_mcp_state_store_append_async (self, key, event, max_length, max_size, ttl_ms, group, group_max_size,
                                      NULL, forgotten_cb, "an event was not appended");
}

NorthMcpStateStore *
north_mcp_state_store_new_for_uri (const char  *uri,
                                   GError     **error)
{
  if (uri == NULL || *uri == '\0' || strcmp (uri, "memory:") == 0)
    return north_mcp_memory_state_store_new ();

  if (g_str_has_prefix (uri, "redis://"))
    return north_mcp_redis_state_store_new (uri, error);

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               "Unsupported state store (expected redis://HOST:PORT[/DB] or memory:)");
  return NULL;
}
