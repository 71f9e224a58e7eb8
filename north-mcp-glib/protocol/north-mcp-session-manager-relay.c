/* north-mcp-session-manager-relay.c: the messages processes sharing a
 * state store send each other about sessions, beyond their records
 *
 * Notifications for a client's standalone stream that another process
 * holds (stream:<id>), server-wide notifications (broadcast) and the
 * answers of clients to requests another process sent (responses). The
 * records themselves, and the control channel that tells of their
 * changes, are north-mcp-session-manager-store.c's.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <string.h>

#include "north-mcp-json-writer-private.h"
#include "north-mcp-session-manager-impl-private.h"
#include "north-mcp-session-private.h"
#include "north-mcp-session-record-private.h"
#include "north-mcp-util-private.h"

/* + session id: messages for the client's standalone (GET) stream. */
#define STREAM_CHANNEL_PREFIX NORTH_MCP_STATE_STORE_PREFIX "stream:"
/* What a message on a channel may be (larger ones are dropped unread). */
#define MESSAGE_MAX_BYTES (4 * 1024 * 1024)

static void
publish_object (NorthMcpSessionManager *self,
                const char             *channel,
                JsonObject             *object)
{
  GString *out = g_string_new (NULL);
  g_autoptr(GBytes) bytes = NULL;

  north_mcp_json_write_object (out, object);
  bytes = g_string_free_to_bytes (out);
  north_mcp_state_store_publish (self->store, channel, bytes);
}

/* A message read from a channel: a JSON object of at most
 * MESSAGE_MAX_BYTES (whoever can publish in the store can send it). */
static JsonNode *
read_message (GBytes *message)
{
  gsize length = g_bytes_get_size (message);

  if (length == 0 || length > MESSAGE_MAX_BYTES)
    return NULL;
  return north_mcp_session_record_read_object (message);
}

/* A notification of @session while its stream is not open here: for the
 * process that holds it, unless every process runs this fan-out. */
void
north_mcp_session_manager_relay (NorthMcpSession *session,
                                 JsonNode        *message,
                                 gpointer         data)
{
  NorthMcpSessionManager *self = data;
  g_autofree char *channel = NULL;

  if (self->store == NULL || self->fanout_depth > 0 || !JSON_NODE_HOLDS_OBJECT (message))
    return;
  channel = g_strconcat (STREAM_CHANNEL_PREFIX, north_mcp_session_get_id (session), NULL);
  publish_object (self, channel, json_node_get_object (message));
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
run_broadcast (NorthMcpSessionManager *self,
               JsonObject             *payload)
{
  if (self->broadcast_func == NULL)
    return;
  json_object_remove_member (payload, "origin");
  self->receiving = TRUE;
  self->broadcast_func (payload, self->broadcast_data);
  self->receiving = FALSE;
}

/* A response another process received for a request we may have sent. */
static void
deliver_response (NorthMcpSessionManager *self,
                  JsonObject             *envelope)
{
  NorthMcpSession *session = north_mcp_session_manager_lookup (self, north_mcp_object_get_string (envelope, "session"));
  JsonNode *response = json_object_get_member (envelope, "response");

  if (session != NULL && response != NULL && JSON_NODE_HOLDS_OBJECT (response))
    north_mcp_session_resolve_response (session, response);
}

/* What a process published for all the others (broadcast, responses):
 * our own messages come back too and are skipped. */
void
north_mcp_session_manager_on_peer_message (const char *channel,
                                           GBytes     *message,
                                           gpointer    user_data)
{
  NorthMcpSessionManager *self = user_data;
  g_autoptr(JsonNode) node = read_message (message);
  JsonObject *object = node != NULL ? json_node_get_object (node) : NULL;

  if (object == NULL || g_strcmp0 (north_mcp_object_get_string (object, "origin"), self->origin) == 0)
    return;
  if (strcmp (channel, NORTH_MCP_SESSION_MANAGER_BROADCAST_CHANNEL) == 0)
    run_broadcast (self, object);
  else
    deliver_response (self, object);
}

/* ------------------------------------------------------------------ */
/* Streams and server-wide messages                                    */

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
      json_object_set_string_member (payload, "origin", self->origin);
      publish_object (self, NORTH_MCP_SESSION_MANAGER_BROADCAST_CHANNEL, payload);
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

  if (self->store == NULL || session == NULL)
    return FALSE;

  envelope = json_object_new ();
  json_object_set_string_member (envelope, "origin", self->origin);
  json_object_set_string_member (envelope, "session", north_mcp_session_get_id (session));
  json_object_set_member (envelope, "response", json_node_copy (response));
  publish_object (self, NORTH_MCP_SESSION_MANAGER_RESPONSES_CHANNEL, envelope);
  return TRUE;
}
