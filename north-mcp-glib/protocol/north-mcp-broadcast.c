/* north-mcp-broadcast.c: notifications to every client
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-broadcast-private.h"
#include "north-mcp-revision-2026-private.h"
#include "north-mcp-protocol-host-private.h"
#include "north-mcp-session-manager-private.h"
#include "north-mcp-session-private.h"
#include "north-mcp-util-private.h"

/* Notifications that belong to no request may be sent from any thread:
 * they are delivered on the server's main context (at once when the
 * caller may run it). */
typedef struct
{
  NorthMcpProtocolHost *host;
  char             *uri;
  NorthMcpLogLevel  level;
  char             *logger;
  JsonNode         *data;
} Outgoing;

static void
outgoing_free (Outgoing *outgoing)
{
  g_clear_object (&outgoing->host);
  g_free (outgoing->uri);
  g_free (outgoing->logger);
  g_clear_pointer (&outgoing->data, json_node_unref);
  g_free (outgoing);
}

static void
send_on_main_context (NorthMcpProtocolHost *host,
                      GSourceFunc           func,
                      Outgoing             *outgoing)
{
  outgoing->host = g_object_ref (host);
  g_main_context_invoke_full (north_mcp_protocol_host_get_main_context (host), G_PRIORITY_DEFAULT,
                              func, outgoing, (GDestroyNotify) outgoing_free);
}

/* Calls @func with @data for every initialized session (with @uri: that
 * watches @uri) and tells the 2026-07-28 listeners of @method (if any), as
 * one fan-out that every process sharing the state store repeats with
 * @payload. */
static void
fan_out (NorthMcpProtocolHost *host,
         JsonObject           *payload,
         GFunc                 func,
         gpointer              data,
         const char           *method,
         const char           *uri)
{
  NorthMcpSessionManager *sessions = north_mcp_protocol_host_get_session_manager (host);
  g_autoptr(GPtrArray) watchers = NULL;
  g_autoptr(GPtrArray) ids = NULL;
  GHashTableIter iter;
  gpointer session;

  north_mcp_session_manager_begin_fanout (sessions, payload);
  if (uri == NULL)
    {
      north_mcp_session_manager_iter_init (sessions, &iter);
      while (g_hash_table_iter_next (&iter, NULL, &session))
        if (north_mcp_session_get_initialized (session))
          func (session, data);
    }
  else
    {
      /* Its watchers only (a client may open sessions up to max-sessions):
       * found by id, as a watcher may leave while others are told. */
      watchers = g_ptr_array_new ();
      ids = north_mcp_subscription_index_lookup (north_mcp_session_manager_get_subscribers (sessions), uri,
                                                 watchers);
      for (guint i = 0; i < ids->len; i++)
        {
          session = north_mcp_session_manager_lookup (sessions, g_ptr_array_index (ids, i));
          north_mcp_session_manager_count_update_visit (sessions);
          if (session != NULL && session == g_ptr_array_index (watchers, i) &&
              north_mcp_session_get_initialized (session))
            func (session, data);
        }
    }
  if (method != NULL)
    north_mcp_revision_2026_notify_listeners (host, method, uri);
  north_mcp_session_manager_end_fanout (sessions);
}

static void
send_list_changed (gpointer session,
                   gpointer method)
{
  north_mcp_session_send_notification (session, method, NULL);
}

static void
send_list_changed_now (NorthMcpProtocolHost *host,
                       const char           *method)
{
  g_autoptr(JsonObject) payload = json_object_new ();

  json_object_set_string_member (payload, "method", method);
  fan_out (host, payload, send_list_changed, (gpointer) method, method, NULL);
}

/* Lists change in bursts (a plugin reload, a desktop bridge adding an
 * application's actions): a fan-out per change would send sessions ×
 * changes notifications (SSE writes, event records, store publishes) that
 * say no more than one per session. The changes made until an idle runs
 * on the server's main context are sent as one notification per kind; the
 * lists themselves change at once, so a client that lists after the
 * notification sees them. */
static const char * const list_changed_methods[] = {
  "notifications/tools/list_changed",
  "notifications/resources/list_changed",
  "notifications/prompts/list_changed",
};

typedef struct
{
  NorthMcpProtocolHost *host;    /* not a reference: the host holds this */
  GSource              *source;  /* the idle that sends, while one is due */
  guint                 pending; /* bit i: list_changed_methods[i] is due */
} ListChanges;

#define LIST_CHANGES_KEY "north-mcp-broadcast-list-changes"

/* The index of @method in list_changed_methods, or -1. */
static int
list_changed_index (const char *method)
{
  for (guint i = 0; i < G_N_ELEMENTS (list_changed_methods); i++)
    if (g_strcmp0 (method, list_changed_methods[i]) == 0)
      return (int) i;
  return -1;
}

static void
list_changes_free (ListChanges *changes)
{
  /* The host goes: nothing is told of its last changes. */
  if (changes->source != NULL)
    g_source_destroy (changes->source);
  g_clear_pointer (&changes->source, g_source_unref);
  g_free (changes);
}

static gboolean
list_changes_cb (gpointer user_data)
{
  ListChanges *changes = user_data;
  g_autoptr(NorthMcpProtocolHost) host = g_object_ref (changes->host);
  guint pending = changes->pending;

  /* Changes made while sending start a new round. */
  changes->pending = 0;
  g_clear_pointer (&changes->source, g_source_unref);
  for (guint i = 0; i < G_N_ELEMENTS (list_changed_methods); i++)
    if (pending & (1u << i))
      send_list_changed_now (host, list_changed_methods[i]);
  return G_SOURCE_REMOVE;
}

void
north_mcp_broadcast_list_changed (NorthMcpProtocolHost *host,
                                  const char           *method)
{
  ListChanges *changes = g_object_get_data (G_OBJECT (host), LIST_CHANGES_KEY);
  int i = list_changed_index (method);

  g_return_if_fail (i >= 0);

  if (changes == NULL)
    {
      changes = g_new0 (ListChanges, 1);
      changes->host = host;
      g_object_set_data_full (G_OBJECT (host), LIST_CHANGES_KEY, changes,
                              (GDestroyNotify) list_changes_free);
    }
  changes->pending |= 1u << i;
  if (changes->source != NULL)
    return;
  changes->source = g_idle_source_new ();
  g_source_set_priority (changes->source, G_PRIORITY_DEFAULT);
  g_source_set_static_name (changes->source, "[north-mcp] list_changed");
  g_source_set_callback (changes->source, list_changes_cb, changes, NULL);
  g_source_attach (changes->source, north_mcp_protocol_host_get_main_context (host));
}

static void
send_resource_updated (gpointer session,
                       gpointer params)
{
  if (north_mcp_session_is_subscribed (session, json_object_get_string_member (params, "uri")))
    north_mcp_session_send_notification (session, "notifications/resources/updated", params);
}

static gboolean
resource_updated_cb (gpointer user_data)
{
  Outgoing *outgoing = user_data;
  g_autoptr(JsonObject) params = json_object_new ();

  json_object_set_string_member (params, "uri", outgoing->uri);
  fan_out (outgoing->host, params, send_resource_updated, params,
           "notifications/resources/updated", outgoing->uri);
  return G_SOURCE_REMOVE;
}

void
north_mcp_broadcast_resource_updated (NorthMcpProtocolHost *host,
                                      const char           *uri)
{
  Outgoing *outgoing = g_new0 (Outgoing, 1);

  outgoing->uri = g_strdup (uri);
  send_on_main_context (host, resource_updated_cb, outgoing);
}

static void
send_log (gpointer session,
          gpointer data)
{
  Outgoing *outgoing = data;

  north_mcp_session_log (session, outgoing->level, outgoing->logger, outgoing->data);
}

static gboolean
log_cb (gpointer user_data)
{
  Outgoing *outgoing = user_data;
  g_autoptr(JsonObject) payload = json_object_new ();

  json_object_set_string_member (payload, "level", north_mcp_log_level_to_string (outgoing->level));
  if (outgoing->logger != NULL)
    json_object_set_string_member (payload, "logger", outgoing->logger);
  json_object_set_member (payload, "data", json_node_ref (outgoing->data));
  fan_out (outgoing->host, payload, send_log, outgoing, NULL, NULL);
  return G_SOURCE_REMOVE;
}

void
north_mcp_broadcast_log (NorthMcpProtocolHost *host,
                         NorthMcpLogLevel      level,
                         const char           *logger,
                         JsonNode             *data)
{
  Outgoing *outgoing = g_new0 (Outgoing, 1);

  outgoing->level = level;
  outgoing->logger = g_strdup (logger);
  outgoing->data = json_node_copy (data);
  send_on_main_context (host, log_cb, outgoing);
}

/* A server-wide notification that another process sharing the state store
 * sent: the same fan-out here, at once (north-mcp-session-manager.c). */
void
north_mcp_broadcast_receive (JsonObject *payload,
                             gpointer    data)
{
  NorthMcpProtocolHost *host = data;
  const char *method = north_mcp_object_get_string (payload, "method");
  const char *level = north_mcp_object_get_string (payload, "level");
  JsonNode *log_data = json_object_get_member (payload, "data");
  Outgoing outgoing = { .host = host };

  if (list_changed_index (method) >= 0)
    /* At once: the sending process sent one for its burst already, and
     * a fan-out later would publish it back to the store. */
    send_list_changed_now (host, method);
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
