/* north-mcp-broadcast.c: notifications to every client
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-broadcast-private.h"
#include "north-mcp-revision-2026-private.h"
#include "north-mcp-server-private.h"
#include "north-mcp-session-manager-private.h"
#include "north-mcp-session-private.h"
#include "north-mcp-util-private.h"

/* Notifications that belong to no request may be sent from any thread:
 * they are delivered on the server's main context (at once when the
 * caller may run it). */
typedef struct
{
  NorthMcpServer   *server;
  char             *uri;
  NorthMcpLogLevel  level;
  char             *logger;
  JsonNode         *data;
} Outgoing;

static void
outgoing_free (Outgoing *outgoing)
{
  g_clear_object (&outgoing->server);
  g_free (outgoing->uri);
  g_free (outgoing->logger);
  g_clear_pointer (&outgoing->data, json_node_unref);
  g_free (outgoing);
}

static void
send_on_main_context (NorthMcpServer *server,
                      GSourceFunc     func,
                      Outgoing       *outgoing)
{
  outgoing->server = g_object_ref (server);
  g_main_context_invoke_full (north_mcp_server_get_main_context (server), G_PRIORITY_DEFAULT,
                              func, outgoing, (GDestroyNotify) outgoing_free);
}

void
north_mcp_broadcast_list_changed (NorthMcpServer *server,
                                  const char     *method)
{
  NorthMcpSessionManager *sessions = north_mcp_server_get_session_manager (server);
  g_autoptr(JsonObject) payload = json_object_new ();
  GHashTableIter iter;
  gpointer session;

  /* The same fan-out runs in every process sharing the state store. */
  json_object_set_string_member (payload, "method", method);
  north_mcp_session_manager_begin_fanout (sessions, payload);
  north_mcp_session_manager_iter_init (sessions, &iter);
  while (g_hash_table_iter_next (&iter, NULL, &session))
    if (north_mcp_session_get_initialized (session))
      north_mcp_session_send_notification (session, method, NULL);

  north_mcp_revision_2026_notify_listeners (server, method, NULL);
  north_mcp_session_manager_end_fanout (sessions);
}

static gboolean
resource_updated_cb (gpointer user_data)
{
  Outgoing *outgoing = user_data;
  NorthMcpServer *server = outgoing->server;
  const char *uri = outgoing->uri;
  NorthMcpSessionManager *sessions = north_mcp_server_get_session_manager (server);
  g_autoptr(JsonObject) params = json_object_new ();
  GHashTableIter iter;
  gpointer session;

  json_object_set_string_member (params, "uri", uri);

  /* The same fan-out runs in every process sharing the state store. */
  north_mcp_session_manager_begin_fanout (sessions, params);
  north_mcp_session_manager_iter_init (sessions, &iter);
  while (g_hash_table_iter_next (&iter, NULL, &session))
    if (north_mcp_session_get_initialized (session) &&
        north_mcp_session_is_subscribed (session, uri))
      north_mcp_session_send_notification (session, "notifications/resources/updated", params);

  north_mcp_revision_2026_notify_listeners (server, "notifications/resources/updated", uri);
  north_mcp_session_manager_end_fanout (sessions);
  return G_SOURCE_REMOVE;
}

void
north_mcp_broadcast_resource_updated (NorthMcpServer *server,
                                      const char     *uri)
{
  Outgoing *outgoing = g_new0 (Outgoing, 1);

  outgoing->uri = g_strdup (uri);
  send_on_main_context (server, resource_updated_cb, outgoing);
}

static gboolean
log_cb (gpointer user_data)
{
  Outgoing *outgoing = user_data;
  NorthMcpSessionManager *sessions = north_mcp_server_get_session_manager (outgoing->server);
  g_autoptr(JsonObject) payload = json_object_new ();
  GHashTableIter iter;
  gpointer session;

  /* The same fan-out runs in every process sharing the state store. */
  json_object_set_string_member (payload, "level", north_mcp_log_level_to_string (outgoing->level));
  if (outgoing->logger != NULL)
    json_object_set_string_member (payload, "logger", outgoing->logger);
  json_object_set_member (payload, "data", json_node_ref (outgoing->data));
  north_mcp_session_manager_begin_fanout (sessions, payload);
  north_mcp_session_manager_iter_init (sessions, &iter);
  while (g_hash_table_iter_next (&iter, NULL, &session))
    if (north_mcp_session_get_initialized (session))
      north_mcp_session_log (session, outgoing->level, outgoing->logger, outgoing->data);
  north_mcp_session_manager_end_fanout (sessions);
  return G_SOURCE_REMOVE;
}

void
north_mcp_broadcast_log (NorthMcpServer   *server,
                         NorthMcpLogLevel  level,
                         const char       *logger,
                         JsonNode         *data)
{
  Outgoing *outgoing = g_new0 (Outgoing, 1);

  outgoing->level = level;
  outgoing->logger = g_strdup (logger);
  outgoing->data = json_node_copy (data);
  send_on_main_context (server, log_cb, outgoing);
}

/* A server-wide notification that another process sharing the state store
 * sent: the same fan-out here, at once (north-mcp-session-manager.c). */
void
north_mcp_broadcast_receive (JsonObject *payload,
                             gpointer    data)
{
  NorthMcpServer *server = data;
  const char *method = north_mcp_object_get_string (payload, "method");
  const char *level = north_mcp_object_get_string (payload, "level");
  JsonNode *log_data = json_object_get_member (payload, "data");
  Outgoing outgoing = { .server = server };

  if (g_strcmp0 (method, "notifications/tools/list_changed") == 0 ||
      g_strcmp0 (method, "notifications/resources/list_changed") == 0 ||
      g_strcmp0 (method, "notifications/prompts/list_changed") == 0)
    north_mcp_broadcast_list_changed (server, method);
  else if ((outgoing.uri = (char *) north_mcp_object_get_string (payload, "uri")) != NULL)
    resource_updated_cb (&outgoing);
  else if (level != NULL && north_mcp_log_level_from_string (level) >= 0 && log_data != NULL)
    {
      outgoing.level = (NorthMcpLogLevel) north_mcp_log_level_from_string (level);
      outgoing.logger = (char *) north_mcp_object_get_string (payload, "logger");
      outgoing.data = log_data;
      log_cb (&outgoing);
    }
}
