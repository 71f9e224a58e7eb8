/* north-mcp-session-manager.c: the live sessions of one server
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <string.h>
#include <unistd.h>

#include "north-mcp-error.h"
#include "north-mcp-json-reader-private.h"
#include "north-mcp-json-writer-private.h"
#include "north-mcp-random-private.h"
#include "north-mcp-session-manager-private.h"
#include "north-mcp-session-private.h"
#include "north-mcp-util-private.h"

/* What a record read back from the store may be: the client's part is at
 * most NORTH_MCP_SESSION_CLIENT_MAX_BYTES unescaped, so escapes at most
 * multiply it by six (\u00XX); the rest is small. */
#define RECORD_MAX_BYTES (6 * (NORTH_MCP_SESSION_CLIENT_MAX_BYTES + \
                               NORTH_MCP_SESSION_MAX_SUBSCRIPTIONS * (NORTH_MCP_SESSION_MAX_SUBSCRIPTION_URI + 3)) + 4096)
#define RECORD_MAX_DEPTH 64
#define RECORD_VERSION 1
/* Every process subscribes to it: "deleted <id>" ends a session everywhere. */
#define CONTROL_CHANNEL NORTH_MCP_STATE_STORE_PREFIX "sessions"
#define SESSION_KEY_PREFIX NORTH_MCP_STATE_STORE_PREFIX "session:"
#define DELETE_MESSAGE "deleted "
/* "changed <id>": the record changed (log level, subscriptions): reload it. */
#define CHANGED_MESSAGE "changed "
/* Server-wide notifications, from the process where they started. */
#define BROADCAST_CHANNEL NORTH_MCP_STATE_STORE_PREFIX "broadcast"
/* Responses of clients to requests another process sent. */
#define RESPONSES_CHANNEL NORTH_MCP_STATE_STORE_PREFIX "responses"
/* + session id: messages for the client's standalone (GET) stream. */
#define STREAM_CHANNEL_PREFIX NORTH_MCP_STATE_STORE_PREFIX "stream:"
/* What a message on a channel may be (larger ones are dropped unread). */
#define MESSAGE_MAX_BYTES (4 * 1024 * 1024)
/* A used session's record gets a new expiry at most this often. */
#define TOUCH_INTERVAL_US G_USEC_PER_SEC

struct _NorthMcpSessionManager
{
  GHashTable *sessions;      /* id -> NorthMcpSession */
  guint       max_sessions;  /* 0: no limit */
  guint       timeout;       /* seconds idle; 0: never */
  GSource    *expiry_source; /* while an HTTP transport runs */

  char       *store_uri;
  NorthMcpStateStore *store; /* shared ones only; NULL: this process only */
  guint       control_id;    /* subscription to CONTROL_CHANNEL */
  guint       broadcast_id;  /* subscription to BROADCAST_CHANNEL */
  guint       responses_id;  /* subscription to RESPONSES_CHANNEL */
  GHashTable *watched;       /* session id -> stream channel subscription */
  char       *origin;        /* this process, in what it publishes */
  guint       fanout_depth;  /* inside begin_fanout/end_fanout */
  gboolean    receiving;     /* running a fan-out another process started */
  NorthMcpSessionManagerBroadcastFunc broadcast_func;
  gpointer    broadcast_data;
  /* What store callbacks hold: the manager, or NULL once it is freed. */
  NorthMcpSessionManager **alive;
};

static NorthMcpSessionManager **
alive_ref (NorthMcpSessionManager *self)
{
  return g_rc_box_acquire (self->alive);
}

static void
alive_unref (NorthMcpSessionManager **alive)
{
  g_rc_box_release (alive);
}

NorthMcpSessionManager *
north_mcp_session_manager_new (void)
{
  NorthMcpSessionManager *self = g_new0 (NorthMcpSessionManager, 1);

  self->sessions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->watched = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->origin = north_mcp_random_id (NULL);
  if (self->origin == NULL)
    self->origin = g_strdup_printf ("%d-%" G_GINT64_FORMAT, (int) getpid (), g_get_real_time ());
  self->alive = g_rc_box_new (NorthMcpSessionManager *);
  *self->alive = self;
  return self;
}

void
north_mcp_session_manager_free (NorthMcpSessionManager *self)
{
  if (self == NULL)
    return;
  north_mcp_session_manager_stop_expiry (self);
  north_mcp_session_manager_set_store (self, NULL);
  g_free (self->store_uri);
  *self->alive = NULL;
  alive_unref (self->alive);
  g_hash_table_unref (self->watched);
  g_free (self->origin);
  g_hash_table_unref (self->sessions);
  g_free (self);
}

guint
north_mcp_session_manager_get_max_sessions (NorthMcpSessionManager *self)
{
  return self->max_sessions;
}

void
north_mcp_session_manager_set_max_sessions (NorthMcpSessionManager *self,
                                            guint                   max_sessions)
{
  self->max_sessions = max_sessions;
}

guint
north_mcp_session_manager_get_timeout (NorthMcpSessionManager *self)
{
  return self->timeout;
}

void
north_mcp_session_manager_set_timeout (NorthMcpSessionManager *self,
                                       guint                   timeout_s)
{
  self->timeout = timeout_s;
}

NorthMcpSession *
north_mcp_session_manager_open (NorthMcpSessionManager *self,
                                NorthMcpChannel        *standalone,
                                NorthMcpUser           *owner,
                                GError                **error)
{
  g_autofree char *id = north_mcp_random_id (error);
  NorthMcpSession *session;

  if (id == NULL)
    return NULL;

  session = north_mcp_session_new (id, standalone);
  north_mcp_session_set_owner (session, owner);
  g_hash_table_insert (self->sessions, g_steal_pointer (&id), session);
  return session;
}

gboolean
north_mcp_session_manager_is_full (NorthMcpSessionManager *self)
{
  return self->max_sessions != 0 && g_hash_table_size (self->sessions) >= self->max_sessions;
}

NorthMcpSession *
north_mcp_session_manager_lookup (NorthMcpSessionManager *self,
                                  const char             *id)
{
  return id != NULL ? g_hash_table_lookup (self->sessions, id) : NULL;
}

NorthMcpSession *
north_mcp_session_manager_find (NorthMcpSessionManager *self,
                                const char             *id,
                                NorthMcpUser           *user)
{
  NorthMcpSession *session = north_mcp_session_manager_lookup (self, id);

  /* Someone else's session does not exist for this user. */
  if (session != NULL && !north_mcp_session_is_owner (session, user))
    return NULL;
  return session;
}

void
north_mcp_session_manager_close (NorthMcpSessionManager *self,
                                 NorthMcpSession        *session)
{
  const char *id = north_mcp_session_get_id (session);

  north_mcp_session_close (session);
  if (id != NULL)
    {
      north_mcp_session_manager_unwatch_stream (self, id);
      g_hash_table_remove (self->sessions, id);
    }
}

void
north_mcp_session_manager_close_all (NorthMcpSessionManager *self)
{
  GHashTableIter iter;
  gpointer session;

  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, NULL, &session))
    north_mcp_session_close (session);
  g_hash_table_remove_all (self->sessions);
}

GList *
north_mcp_session_manager_get_sessions (NorthMcpSessionManager *self)
{
  return g_hash_table_get_values (self->sessions);
}

void
north_mcp_session_manager_iter_init (NorthMcpSessionManager *self,
                                     GHashTableIter         *iter)
{
  g_hash_table_iter_init (iter, self->sessions);
}

GPtrArray *
north_mcp_session_manager_take_idle (NorthMcpSessionManager *self,
                                     gint64                  now)
{
  GPtrArray *idle = g_ptr_array_new_with_free_func (g_object_unref);
  gint64 limit = (gint64) self->timeout * G_USEC_PER_SEC;
  GHashTableIter iter;
  gpointer value;

  if (self->timeout == 0)
    return idle;

  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      NorthMcpSession *session = value;

      /* A busy session is active: its idle time starts when it stops
       * being busy, not when its last message came. */
      if (north_mcp_session_is_busy (session))
        {
          north_mcp_session_set_last_activity (session, MAX (now, north_mcp_session_get_last_activity (session)));
          /* An open stream keeps the shared record alive too. */
          north_mcp_session_manager_touch (self, session);
        }
      else if (now - north_mcp_session_get_last_activity (session) > limit)
        g_ptr_array_add (idle, g_object_ref (session));
    }

  return idle;
}

void
north_mcp_session_manager_stop_expiry (NorthMcpSessionManager *self)
{
  if (self->expiry_source != NULL)
    {
      g_source_destroy (self->expiry_source);
      g_clear_pointer (&self->expiry_source, g_source_unref);
    }
}

/* Checks for idle sessions a few times per timeout, at most once a minute. */
void
north_mcp_session_manager_schedule_expiry (NorthMcpSessionManager *self,
                                           GMainContext           *context,
                                           GSourceFunc             func,
                                           gpointer                data)
{
  guint interval;

  north_mcp_session_manager_stop_expiry (self);
  if (self->timeout == 0)
    return;

  interval = CLAMP (self->timeout / 4, 1, 60);
  self->expiry_source = g_timeout_source_new_seconds (interval);
  g_source_set_callback (self->expiry_source, func, data, NULL);
  g_source_attach (self->expiry_source, context);
}

/* ------------------------------------------------------------------ */
/* A shared state store (issue 15)                                     */

gboolean
north_mcp_session_id_is_valid (const char *id)
{
  gsize i;

  if (id == NULL)
    return FALSE;
  for (i = 0; id[i] != '\0'; i++)
    if (i >= 2 * NORTH_MCP_RANDOM_ID_BYTES || !(g_ascii_isdigit (id[i]) || (id[i] >= 'a' && id[i] <= 'f')))
      return FALSE;
  return i == 2 * NORTH_MCP_RANDOM_ID_BYTES;
}

static char *
session_key (const char *id)
{
  return g_strconcat (SESSION_KEY_PREFIX, id, NULL);
}

static guint64
ttl_ms (NorthMcpSessionManager *self)
{
  return (guint64) self->timeout * 1000;
}

/* Another process ended a session (DELETE there): drop our copy. */
static void
drop_local (NorthMcpSessionManager *self,
            const char             *id)
{
  NorthMcpSession *session = north_mcp_session_manager_lookup (self, id);
  NorthMcpChannel *standalone;

  if (session == NULL)
    return;
  standalone = north_mcp_session_get_standalone_channel (session);
  if (standalone != NULL)
    north_mcp_channel_close_stream (standalone);
  north_mcp_session_manager_close (self, session);
}

static void reload_local (NorthMcpSessionManager *self, const char *id);

/* "deleted <id>" or "changed <id>" (both prefixes have 8 bytes). */
static void
on_control_message (const char *channel,
                    GBytes     *message,
                    gpointer    user_data)
{
  NorthMcpSessionManager *self = user_data;
  gsize length = 0;
  const char *data = g_bytes_get_data (message, &length);
  char id[2 * NORTH_MCP_RANDOM_ID_BYTES + 1];
  gsize prefix = strlen (DELETE_MESSAGE);

  G_STATIC_ASSERT (sizeof DELETE_MESSAGE == sizeof CHANGED_MESSAGE);
  if (length != prefix + sizeof id - 1)
    return;
  memcpy (id, data + prefix, sizeof id - 1);
  id[sizeof id - 1] = '\0';
  if (!north_mcp_session_id_is_valid (id) || north_mcp_session_manager_lookup (self, id) == NULL)
    return;
  if (memcmp (data, DELETE_MESSAGE, prefix) == 0)
    drop_local (self, id);
  else if (memcmp (data, CHANGED_MESSAGE, prefix) == 0)
    reload_local (self, id);
}

static void save_changed (NorthMcpSession *session, gpointer data);

/* A message read from a channel: a JSON object of at most
 * MESSAGE_MAX_BYTES, read with the limits of a request (whoever can
 * publish in the store can send it). */
static JsonNode *
read_message (GBytes *message)
{
  gsize length = 0;
  const char *data = g_bytes_get_data (message, &length);
  JsonNode *node;

  if (length == 0 || length > MESSAGE_MAX_BYTES)
    return NULL;
  node = north_mcp_json_read (data, length, RECORD_MAX_DEPTH, NULL);
  if (node != NULL && !JSON_NODE_HOLDS_OBJECT (node))
    g_clear_pointer (&node, json_node_unref);
  return node;
}

static void
publish_node (NorthMcpSessionManager *self,
              const char             *channel,
              JsonNode               *node)
{
  GString *out = g_string_new (NULL);
  g_autoptr(GBytes) bytes = NULL;

  north_mcp_json_write (out, node);
  bytes = g_string_free_to_bytes (out);
  north_mcp_state_store_publish (self->store, channel, bytes);
}

/* A notification of @session while its stream is not open here: for the
 * process that holds it, unless every process runs this fan-out. */
static void
relay (NorthMcpSession *session,
       JsonNode        *message,
       gpointer         data)
{
  NorthMcpSessionManager *self = data;
  g_autofree char *channel = NULL;

  if (self->store == NULL || self->fanout_depth > 0)
    return;
  channel = g_strconcat (STREAM_CHANNEL_PREFIX, north_mcp_session_get_id (session), NULL);
  publish_node (self, channel, message);
}

/* A message for a stream we hold. */
static void
on_stream_message (const char *channel,
                   GBytes     *message,
                   gpointer    user_data)
{
  NorthMcpSessionManager *self = user_data;
  const char *id = channel + strlen (STREAM_CHANNEL_PREFIX);
  NorthMcpSession *session = north_mcp_session_manager_lookup (self, id);
  NorthMcpChannel *standalone = session != NULL ? north_mcp_session_get_standalone_channel (session) : NULL;
  g_autoptr(JsonNode) node = NULL;

  if (standalone == NULL || (node = read_message (message)) == NULL)
    return;
  north_mcp_channel_send (standalone, node);
}

/* Another process started a server-wide notification: run it here too. */
static void
on_broadcast_message (const char *channel,
                      GBytes     *message,
                      gpointer    user_data)
{
  NorthMcpSessionManager *self = user_data;
  g_autoptr(JsonNode) node = read_message (message);
  JsonObject *object;

  if (node == NULL || self->broadcast_func == NULL)
    return;
  object = json_node_get_object (node);
  if (g_strcmp0 (north_mcp_object_get_string (object, "origin"), self->origin) == 0)
    return;
  json_object_remove_member (object, "origin");

  self->receiving = TRUE;
  self->broadcast_func (object, self->broadcast_data);
  self->receiving = FALSE;
}

/* A response another process received for a request we may have sent. */
static void
on_response_message (const char *channel,
                     GBytes     *message,
                     gpointer    user_data)
{
  NorthMcpSessionManager *self = user_data;
  g_autoptr(JsonNode) node = read_message (message);
  NorthMcpSession *session;
  JsonObject *object;
  JsonNode *response;

  if (node == NULL)
    return;
  object = json_node_get_object (node);
  if (g_strcmp0 (north_mcp_object_get_string (object, "origin"), self->origin) == 0)
    return;
  session = north_mcp_session_manager_lookup (self, north_mcp_object_get_string (object, "session"));
  response = json_object_get_member (object, "response");
  if (session != NULL && response != NULL && JSON_NODE_HOLDS_OBJECT (response))
    north_mcp_session_resolve_response (session, response);
}

static void
attach_session (NorthMcpSessionManager *self,
                NorthMcpSession        *session)
{
  if (self->store == NULL)
    return;
  north_mcp_session_set_store_funcs (session, save_changed, relay, self);
  /* For the events of its resumable streams (transport/). */
  g_object_set_data_full (G_OBJECT (session), NORTH_MCP_SESSION_STATE_STORE_KEY,
                          g_object_ref (self->store), g_object_unref);
}

void
north_mcp_session_manager_set_store (NorthMcpSessionManager *self,
                                     NorthMcpStateStore     *store)
{
  GHashTableIter iter;
  gpointer session;

  if (self->store != NULL)
    {
      GHashTableIter watched;
      gpointer id;

      north_mcp_state_store_unsubscribe (self->store, self->control_id);
      north_mcp_state_store_unsubscribe (self->store, self->broadcast_id);
      north_mcp_state_store_unsubscribe (self->store, self->responses_id);
      g_hash_table_iter_init (&watched, self->watched);
      while (g_hash_table_iter_next (&watched, NULL, &id))
        north_mcp_state_store_unsubscribe (self->store, GPOINTER_TO_UINT (id));
    }
  g_hash_table_remove_all (self->watched);
  self->control_id = self->broadcast_id = self->responses_id = 0;
  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, NULL, &session))
    {
      north_mcp_session_set_store_funcs (session, NULL, NULL, NULL);
      g_object_set_data (G_OBJECT (session), NORTH_MCP_SESSION_STATE_STORE_KEY, NULL);
    }
  g_clear_object (&self->store);

  /* The in-process store shares nothing: sessions stay as they were. */
  if (store == NULL || !north_mcp_state_store_is_shared (store))
    return;

  self->store = g_object_ref (store);
  self->control_id = north_mcp_state_store_subscribe (store, CONTROL_CHANNEL, on_control_message,
                                                      self, NULL);
  self->broadcast_id = north_mcp_state_store_subscribe (store, BROADCAST_CHANNEL, on_broadcast_message,
                                                        self, NULL);
  self->responses_id = north_mcp_state_store_subscribe (store, RESPONSES_CHANNEL, on_response_message,
                                                        self, NULL);
}

NorthMcpStateStore *
north_mcp_session_manager_get_store (NorthMcpSessionManager *self)
{
  return self->store;
}

const char *
north_mcp_session_manager_get_store_uri (NorthMcpSessionManager *self)
{
  return self->store_uri;
}

void
north_mcp_session_manager_set_store_uri (NorthMcpSessionManager *self,
                                         const char             *uri)
{
  north_mcp_set_str (&self->store_uri, uri);
}

gboolean
north_mcp_session_manager_open_store (NorthMcpSessionManager *self,
                                      GError                **error)
{
  g_autoptr(NorthMcpStateStore) store = NULL;

  if (self->store_uri == NULL)
    return TRUE;
  store = north_mcp_state_store_new_for_uri (self->store_uri, error);
  if (store == NULL)
    return FALSE;
  north_mcp_session_manager_set_store (self, store);
  return TRUE;
}

void
north_mcp_session_manager_close_store (NorthMcpSessionManager *self)
{
  north_mcp_session_manager_set_store (self, NULL);
}

gboolean
north_mcp_session_manager_is_shared (NorthMcpSessionManager *self)
{
  return self->store != NULL;
}

static GBytes *
record_new (NorthMcpSession *session)
{
  guint8 owner[NORTH_MCP_SESSION_OWNER_DIGEST_LENGTH];
  GString *out = g_string_new ("{\"v\":" G_STRINGIFY (RECORD_VERSION) ",\"owner\":\"");
  g_autoptr(GPtrArray) uris = NULL;

  north_mcp_session_get_owner_digest (session, owner);
  for (gsize i = 0; i < sizeof owner; i++)
    g_string_append_printf (out, "%02x", owner[i]);
  g_string_append (out, "\",\"protocolVersion\":");
  north_mcp_json_write_string (out, north_mcp_session_get_protocol_version (session));
  g_string_append (out, ",\"capabilities\":");
  north_mcp_json_write_object (out, north_mcp_session_get_client_capabilities (session));
  g_string_append (out, ",\"clientInfo\":");
  north_mcp_json_write_object (out, north_mcp_session_get_client_info (session));
  if (north_mcp_session_get_log_level_set (session))
    g_string_append_printf (out, ",\"logLevel\":\"%s\"",
                            north_mcp_log_level_to_string (north_mcp_session_get_log_level (session)));
  uris = north_mcp_session_get_subscriptions (session);
  g_string_append (out, ",\"subscriptions\":[");
  for (guint i = 0; i < uris->len; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      north_mcp_json_write_string (out, g_ptr_array_index (uris, i));
    }
  g_string_append (out, "]}");
  return g_string_free_to_bytes (out);
}

static gboolean
parse_owner (const char *hex,
             guint8      owner[NORTH_MCP_SESSION_OWNER_DIGEST_LENGTH])
{
  if (hex == NULL || strlen (hex) != 2 * NORTH_MCP_SESSION_OWNER_DIGEST_LENGTH)
    return FALSE;
  for (gsize i = 0; i < NORTH_MCP_SESSION_OWNER_DIGEST_LENGTH; i++)
    {
      int high = g_ascii_xdigit_value (hex[2 * i]), low = g_ascii_xdigit_value (hex[2 * i + 1]);

      if (high < 0 || low < 0)
        return FALSE;
      owner[i] = (guint8) (high << 4 | low);
    }
  return TRUE;
}

/* What may change in a record during the session: the log level and the
 * subscriptions. (The store funcs are detached meanwhile: applying a
 * record does not write it back.) */
static void
record_apply (NorthMcpSession *session,
              JsonObject      *object)
{
  const char *level = north_mcp_object_get_string (object, "logLevel");
  JsonNode *subscriptions = json_object_get_member (object, "subscriptions");
  g_autoptr(GPtrArray) uris = g_ptr_array_new ();

  if (level != NULL && north_mcp_log_level_from_string (level) >= 0)
    north_mcp_session_set_log_level (session, (NorthMcpLogLevel) north_mcp_log_level_from_string (level));
  if (subscriptions != NULL && JSON_NODE_HOLDS_ARRAY (subscriptions))
    {
      JsonArray *array = json_node_get_array (subscriptions);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);

          if (JSON_NODE_HOLDS_VALUE (element) && json_node_get_value_type (element) == G_TYPE_STRING)
            g_ptr_array_add (uris, (gpointer) json_node_get_string (element));
        }
    }
  north_mcp_session_set_subscriptions (session, uris);
}

/* A session from its record, or NULL when the record is not one of ours
 * (the store is shared with whoever can write to it: read with the same
 * limits as a request). */
/* The JSON object a stored record holds, or NULL. */
static JsonObject *
record_parse (GBytes *record)
{
  g_autoptr(JsonNode) node = NULL;
  gsize length = 0;
  const char *data = g_bytes_get_data (record, &length);

  node = north_mcp_json_read (data, length, RECORD_MAX_DEPTH, NULL);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_node_dup_object (node);
}

static NorthMcpSession *
record_read (const char *id,
             GBytes     *record)
{
  guint8 owner[NORTH_MCP_SESSION_OWNER_DIGEST_LENGTH];
  g_autoptr(JsonObject) object = record_parse (record);
  g_autoptr(NorthMcpSession) session = NULL;
  const char *version;

  if (object == NULL ||
      json_object_get_int_member_with_default (object, "v", 0) != RECORD_VERSION ||
      !parse_owner (north_mcp_object_get_string (object, "owner"), owner))
    return NULL;
  version = north_mcp_object_get_string (object, "protocolVersion");
  if (version == NULL || strlen (version) > 32)
    return NULL;

  session = north_mcp_session_new (id, NULL);
  north_mcp_session_set_owner_digest (session, owner);
  if (!north_mcp_session_set_client (session, north_mcp_object_get_object (object, "capabilities"),
                                     north_mcp_object_get_object (object, "clientInfo"), NULL))
    return NULL;
  north_mcp_session_set_protocol_version (session, version);
  north_mcp_session_set_initialized (session, TRUE);
  record_apply (session, object);
  return g_steal_pointer (&session);
}

static void
save_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!north_mcp_state_store_set_finish (NORTH_MCP_STATE_STORE (source), result, &error) && error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
north_mcp_session_manager_save_async (NorthMcpSessionManager *self,
                                      NorthMcpSession        *session,
                                      GCancellable           *cancellable,
                                      GAsyncReadyCallback     callback,
                                      gpointer                user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  g_autofree char *key = session_key (north_mcp_session_get_id (session));
  g_autoptr(GBytes) record = NULL;

  g_task_set_source_tag (task, north_mcp_session_manager_save_async);
  if (self->store == NULL)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }

  attach_session (self, session);
  record = record_new (session);
  north_mcp_state_store_set_async (self->store, key, record, ttl_ms (self), FALSE, cancellable,
                                   save_cb, task);
}

gboolean
north_mcp_session_manager_save_finish (NorthMcpSessionManager *self,
                                       GAsyncResult           *result,
                                       GError                **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* What a callback on a session's record needs: whether the manager is
 * still there, the session's id and (restore) the asking identity. */
typedef struct
{
  NorthMcpSessionManager **alive;
  char                    *id;
  guint8                   user[NORTH_MCP_SESSION_OWNER_DIGEST_LENGTH];
} IdData;

static IdData *
id_data_new (NorthMcpSessionManager *self,
             const char             *id)
{
  IdData *data = g_new0 (IdData, 1);

  data->alive = alive_ref (self);
  data->id = g_strdup (id);
  return data;
}

static void
id_data_free (IdData *data)
{
  alive_unref (data->alive);
  g_free (data->id);
  g_free (data);
}

static void
saved_changed_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  IdData *data = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = g_strconcat (CHANGED_MESSAGE, data->id, NULL);
  g_autoptr(GBytes) message = g_bytes_new (text, strlen (text));
  NorthMcpSessionManager *self = *data->alive;

  if (!north_mcp_session_manager_save_finish (NULL, result, &error))
    g_warning ("A session's new log level or subscriptions were not stored: %s", error->message);
  else if (self != NULL && self->store != NULL)
    north_mcp_state_store_publish (self->store, CONTROL_CHANNEL, message);
  id_data_free (data);
}

/* logging/setLevel, resources/(un)subscribe: every process has to know. */
static void
save_changed (NorthMcpSession *session,
              gpointer         data)
{
  north_mcp_session_manager_save_async (data, session, NULL, saved_changed_cb,
                                        id_data_new (data, north_mcp_session_get_id (session)));
}

static void
reloaded_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  IdData *data = user_data;
  NorthMcpSessionManager *self = *data->alive;
  g_autoptr(GBytes) record = north_mcp_state_store_get_finish (NORTH_MCP_STATE_STORE (source), result, NULL);
  NorthMcpSession *session = self != NULL ? north_mcp_session_manager_lookup (self, data->id) : NULL;
  g_autoptr(JsonObject) object = session != NULL && record != NULL ? record_parse (record) : NULL;

  if (object != NULL)
    {
      north_mcp_session_set_store_funcs (session, NULL, NULL, NULL);
      record_apply (session, object);
      attach_session (self, session);
    }
  id_data_free (data);
}

static void
reload_local (NorthMcpSessionManager *self,
              const char             *id)
{
  g_autofree char *key = session_key (id);

  north_mcp_state_store_get_async (self->store, key, RECORD_MAX_BYTES, NULL, reloaded_cb,
                                   id_data_new (self, id));
}

static void
restore_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  IdData *data = g_task_get_task_data (task);
  NorthMcpSessionManager *self = *data->alive;
  g_autoptr(GBytes) record = NULL;
  g_autoptr(NorthMcpSession) session = NULL;
  guint8 owner[NORTH_MCP_SESSION_OWNER_DIGEST_LENGTH];
  guint8 difference = 0;
  NorthMcpSession *existing;
  GError *error = NULL;

  record = north_mcp_state_store_get_finish (NORTH_MCP_STATE_STORE (source), result, &error);
  if (error != NULL && g_error_matches (error, NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_TOO_LARGE))
    {
      /* Not a record we wrote: as good as none. */
      g_warning ("Ignoring an oversized session record in the state store");
      g_clear_error (&error);
    }
  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;
  if (self == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "The server is gone");
      return;
    }

  /* Another request may have restored it meanwhile. */
  existing = north_mcp_session_manager_lookup (self, data->id);
  if (existing != NULL)
    {
      north_mcp_session_get_owner_digest (existing, owner);
      session = g_object_ref (existing);
    }
  else if (record != NULL && (session = record_read (data->id, record)) != NULL)
    north_mcp_session_get_owner_digest (session, owner);

  if (session == NULL)
    {
      g_task_return_pointer (task, NULL, NULL);
      return;
    }

  /* Someone else's session does not exist for this user. */
  for (gsize i = 0; i < sizeof owner; i++)
    difference |= owner[i] ^ data->user[i];
  if (difference != 0)
    {
      g_task_return_pointer (task, NULL, NULL);
      return;
    }

  if (existing == NULL)
    {
      if (north_mcp_session_manager_is_full (self))
        {
          g_task_return_new_error (task, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED,
                                   "Too many sessions in this process");
          return;
        }
      attach_session (self, session);
      g_hash_table_insert (self->sessions, g_strdup (data->id), g_object_ref (session));
    }

  g_task_return_pointer (task, g_steal_pointer (&session), g_object_unref);
}

void
north_mcp_session_manager_restore_async (NorthMcpSessionManager *self,
                                         const char             *id,
                                         NorthMcpUser           *user,
                                         GCancellable           *cancellable,
                                         GAsyncReadyCallback     callback,
                                         gpointer                user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(NorthMcpSession) probe = NULL;
  g_autofree char *key = NULL;
  IdData *data;

  g_task_set_source_tag (task, north_mcp_session_manager_restore_async);
  if (self->store == NULL || !north_mcp_session_id_is_valid (id))
    {
      g_task_return_pointer (task, NULL, NULL);
      return;
    }

  data = id_data_new (self, id);
  /* The digest of the asking identity, computed as for a session it owns. */
  probe = north_mcp_session_new (NULL, NULL);
  north_mcp_session_set_owner (probe, user);
  north_mcp_session_get_owner_digest (probe, data->user);
  g_task_set_task_data (task, data, (GDestroyNotify) id_data_free);

  key = session_key (id);
  north_mcp_state_store_get_async (self->store, key, RECORD_MAX_BYTES, cancellable,
                                   restore_cb, g_steal_pointer (&task));
}

NorthMcpSession *
north_mcp_session_manager_restore_finish (NorthMcpSessionManager *self,
                                          GAsyncResult           *result,
                                          GError                **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
forget_published_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!north_mcp_state_store_publish_finish (NORTH_MCP_STATE_STORE (source), result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
forget_deleted_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  const char *id = g_task_get_task_data (task);
  g_autofree char *text = g_strconcat (DELETE_MESSAGE, id, NULL);
  g_autoptr(GBytes) message = g_bytes_new (text, strlen (text));
  GCancellable *cancellable;
  GError *error = NULL;

  if (!north_mcp_state_store_delete_finish (NORTH_MCP_STATE_STORE (source), result, &error) &&
      error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  cancellable = g_task_get_cancellable (task);
  north_mcp_state_store_publish_async (NORTH_MCP_STATE_STORE (source), CONTROL_CHANNEL, message,
                                       cancellable, forget_published_cb, g_steal_pointer (&task));
}

void
north_mcp_session_manager_forget_async (NorthMcpSessionManager *self,
                                        const char             *id,
                                        GCancellable           *cancellable,
                                        GAsyncReadyCallback     callback,
                                        gpointer                user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autofree char *key = NULL;

  g_task_set_source_tag (task, north_mcp_session_manager_forget_async);
  if (self->store == NULL || !north_mcp_session_id_is_valid (id))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  g_task_set_task_data (task, g_strdup (id), g_free);
  key = session_key (id);
  north_mcp_state_store_delete_async (self->store, key, cancellable, forget_deleted_cb,
                                      g_steal_pointer (&task));
}

gboolean
north_mcp_session_manager_forget_finish (NorthMcpSessionManager *self,
                                         GAsyncResult           *result,
                                         GError                **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
touched_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  IdData *data = user_data;
  g_autoptr(GError) error = NULL;

  /* No record: the session ended elsewhere (expired, or deleted while
   * this process missed the message): so it does here. Unavailable: the
   * next use tries again. */
  if (!north_mcp_state_store_expire_finish (NORTH_MCP_STATE_STORE (source), result, &error) &&
      error == NULL && *data->alive != NULL)
    drop_local (*data->alive, data->id);
  id_data_free (data);
}

void
north_mcp_session_manager_touch (NorthMcpSessionManager *self,
                                 NorthMcpSession        *session)
{
  gint64 now = g_get_monotonic_time ();
  gint64 last = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (session), "north-mcp-store-touched"));
  g_autofree char *key = NULL;

  if (self->store == NULL || ttl_ms (self) == 0 || !north_mcp_session_id_is_valid (north_mcp_session_get_id (session)))
    return;
  /* At most a tenth of the timeout late, so that the record does not end
   * noticeably before the copies of the processes that use it. */
  if (last != 0 && now - last < MIN (TOUCH_INTERVAL_US, (gint64) ttl_ms (self) * 100))
    return;

  g_object_set_data (G_OBJECT (session), "north-mcp-store-touched", GSIZE_TO_POINTER ((gsize) now));
  key = session_key (north_mcp_session_get_id (session));
  north_mcp_state_store_expire_async (self->store, key, ttl_ms (self), NULL, touched_cb,
                                      id_data_new (self, north_mcp_session_get_id (session)));
}

void
north_mcp_session_manager_watch_stream (NorthMcpSessionManager *self,
                                        NorthMcpSession        *session)
{
  const char *id = north_mcp_session_get_id (session);
  g_autofree char *channel = NULL;
  guint subscription;

  if (self->store == NULL || !north_mcp_session_id_is_valid (id) ||
      g_hash_table_contains (self->watched, id))
    return;
  channel = g_strconcat (STREAM_CHANNEL_PREFIX, id, NULL);
  subscription = north_mcp_state_store_subscribe (self->store, channel, on_stream_message, self, NULL);
  g_hash_table_insert (self->watched, g_strdup (id), GUINT_TO_POINTER (subscription));
}

void
north_mcp_session_manager_unwatch_stream (NorthMcpSessionManager *self,
                                          const char             *id)
{
  gpointer subscription;

  if (self->store == NULL || id == NULL ||
      !g_hash_table_lookup_extended (self->watched, id, NULL, &subscription))
    return;
  north_mcp_state_store_unsubscribe (self->store, GPOINTER_TO_UINT (subscription));
  g_hash_table_remove (self->watched, id);
}

void
north_mcp_session_manager_set_broadcast_func (NorthMcpSessionManager              *self,
                                              NorthMcpSessionManagerBroadcastFunc  func,
                                              gpointer                             data)
{
  self->broadcast_func = func;
  self->broadcast_data = data;
}

void
north_mcp_session_manager_begin_fanout (NorthMcpSessionManager *self,
                                        JsonObject             *payload)
{
  self->fanout_depth++;
  if (self->store != NULL && payload != NULL && !self->receiving)
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

      json_object_set_string_member (payload, "origin", self->origin);
      json_node_set_object (node, payload);
      publish_node (self, BROADCAST_CHANNEL, node);
      json_object_remove_member (payload, "origin");
    }
}

void
north_mcp_session_manager_end_fanout (NorthMcpSessionManager *self)
{
  g_return_if_fail (self->fanout_depth > 0);
  self->fanout_depth--;
}

gboolean
north_mcp_session_manager_route_response (NorthMcpSessionManager *self,
                                          NorthMcpSession        *session,
                                          JsonNode               *response)
{
  g_autoptr(JsonObject) envelope = NULL;
  g_autoptr(JsonNode) node = NULL;

  if (self->store == NULL || session == NULL)
    return FALSE;

  envelope = json_object_new ();
  json_object_set_string_member (envelope, "origin", self->origin);
  json_object_set_string_member (envelope, "session", north_mcp_session_get_id (session));
  json_object_set_member (envelope, "response", json_node_copy (response));
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, envelope);
  publish_node (self, RESPONSES_CHANNEL, node);
  return TRUE;
}
