/* test-session-records.c: a session's record in a shared state store (a
 * real redis-server) and the changes its process makes meanwhile
 *
 * A process reloads a session's record whenever one changed ("changed
 * <id>" on the control channel, its own changes included). A reload whose
 * GET left before a change of this process answers with the record from
 * before that change: applied, it undid the change here, and the next
 * change wrote the record back without it.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "north-mcp-session-manager-private.h"
#include "north-mcp-session-private.h"
#include "north-mcp-state-store-private.h"
#include "test-redis-server.h"

#define CONTROL_CHANNEL NORTH_MCP_STATE_STORE_PREFIX "sessions"
#define SESSION_KEY_PREFIX NORTH_MCP_STATE_STORE_PREFIX "session:"

static TestRedisServer redis;

typedef struct
{
  NorthMcpStateStore *store;
  NorthMcpSession    *session;
  char               *key;
  /* Subscribed to on the first "changed" messages, right after the
   * manager (subscribed first) sent its GET of the record; NULL: read the
   * record. */
  const char         *later[3];
  guint               changes_seen;
  GBytes             *record;  /* read after the last reload's GET */
  gboolean            read;
} Race;

static void
saved (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (north_mcp_session_manager_save_finish (NULL, result, &error));
  g_assert_no_error (error);
  *(gboolean *) data = TRUE;
}

static void
record_read (GObject *source, GAsyncResult *result, gpointer data)
{
  Race *race = data;
  g_autoptr(GError) error = NULL;

  race->record = north_mcp_state_store_get_finish (NORTH_MCP_STATE_STORE (source), result, &error);
  g_assert_no_error (error);
  race->read = TRUE;
}

/* Runs after the manager's handler of the same message: its GET is sent. */
static void
on_control (const char *channel, GBytes *message, gpointer data)
{
  Race *race = data;
  g_autoptr(GError) error = NULL;
  const char *uri;

  if (race->changes_seen == G_N_ELEMENTS (race->later))
    return;
  uri = race->later[race->changes_seen++];
  if (uri != NULL)
    {
      g_assert_true (north_mcp_session_subscribe (race->session, uri, &error));
      g_assert_no_error (error);
    }
  else
    /* The last change's reload is answered before this GET (one
     * connection, answers in order): once it is, the dust settled. */
    north_mcp_state_store_get_async (race->store, race->key, 65536, NULL, record_read, race);
}

static gboolean
lists (JsonArray *array, const char *uri)
{
  for (guint i = 0; i < json_array_get_length (array); i++)
    if (g_strcmp0 (json_array_get_string_element (array, i), uri) == 0)
      return TRUE;
  return FALSE;
}

static void
test_reload_keeps_later_changes (void)
{
  const char * const uris[] = { "notes://a", "notes://b", "notes://c" };
  g_autoptr(GError) error = NULL;
  g_autoptr(NorthMcpStateStore) store = north_mcp_state_store_new_for_uri (redis.uri, &error);
  NorthMcpSessionManager *manager = north_mcp_session_manager_new ();
  g_autoptr(JsonParser) parser = json_parser_new ();
  Race race = { store, NULL, NULL, { uris[1], uris[2], NULL } };
  gboolean done = FALSE;
  JsonArray *stored;
  guint hook;

  g_assert_no_error (error);
  north_mcp_session_manager_set_timeout (manager, 60);
  north_mcp_session_manager_set_store (manager, store);
  hook = north_mcp_state_store_subscribe (store, CONTROL_CHANNEL, on_control, &race, NULL);
  race.session = north_mcp_session_manager_open (manager, NULL, NULL, &error);
  g_assert_no_error (error);
  north_mcp_session_set_protocol_version (race.session, "2025-06-18");
  race.key = g_strconcat (SESSION_KEY_PREFIX, north_mcp_session_get_id (race.session), NULL);
  north_mcp_session_manager_save_async (manager, race.session, NULL, saved, &done);
  test_wait_for (&done, "the new session's record");

  g_assert_true (north_mcp_session_subscribe (race.session, uris[0], &error));
  g_assert_no_error (error);
  test_wait_for (&race.read, "the reloads of three changes");

  for (guint i = 0; i < G_N_ELEMENTS (uris); i++)
    g_assert_true (north_mcp_session_is_subscribed (race.session, uris[i]));
  g_assert_nonnull (race.record);
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (race.record, NULL),
                                             g_bytes_get_size (race.record), &error));
  g_assert_no_error (error);
  stored = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                         "subscriptions");
  for (guint i = 0; i < G_N_ELEMENTS (uris); i++)
    g_assert_true (lists (stored, uris[i]));

  north_mcp_state_store_unsubscribe (store, hook);
  north_mcp_session_manager_free (manager);
  g_bytes_unref (race.record);
  g_free (race.key);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  test_redis_server_init (&redis, "session-records");
  g_test_add_func ("/session-records/reload-keeps-later-changes", test_reload_keeps_later_changes);
  status = g_test_run ();
  test_redis_server_clear (&redis);
  return status;
}
