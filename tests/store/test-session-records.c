/* test-session-records.c: a session's record in a shared state store (a
 * real redis-server) and the changes its process makes meanwhile
 *
 * A process reloads a session's record whenever one changed ("changed
 * <id>" on the control channel, its own changes included). A reload whose
 * GET left before a change of this process answers with the record from
 * before that change: applied, it undid the change here, and the next
 * change wrote the record back without it. And a change made on a copy
 * that had not yet heard of another process's change wrote the record
 * back without that one: changes are made on the record as stored.
 *
 * SPDX-License-Identifier: MIT
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "north-mcp-json-limits-private.h"
#include "north-mcp-json-reader-private.h"
#include "north-mcp-log-throttle-private.h"
#include "north-mcp-session-manager-private.h"
#include "north-mcp-session-private.h"
#include "north-mcp-session-record-private.h"
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
  gboolean            probed;  /* a PROBE came back */
} Race;

/* No message of the control channel: the managers ignore it. */
#define PROBE "probe"

/* Publishes PROBE on the control channel until *@heard: @store's
 * SUBSCRIBE, sent on its own connection as it pleases, has reached
 * redis-server, and so has that of every manager on @store. (A change
 * published before would reach nobody: under load, the session's record
 * can be saved first.) */
static void
wait_until_subscribed (NorthMcpStateStore *store,
                       const gboolean     *heard)
{
  g_autoptr(GBytes) probe = g_bytes_new_static (PROBE, strlen (PROBE));
  gint64 deadline = g_get_monotonic_time () + TEST_PATIENCE_S * G_USEC_PER_SEC;

  while (!*heard)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      north_mcp_state_store_publish (store, CONTROL_CHANNEL, probe);
      for (guint i = 0; i < 5 && !*heard; i++)
        {
          g_usleep (10 * 1000);
          while (g_main_context_iteration (NULL, FALSE))
            ;
        }
    }
}

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

  if (g_bytes_get_size (message) == strlen (PROBE) && memcmp (g_bytes_get_data (message, NULL), PROBE, strlen (PROBE)) == 0)
    {
      race->probed = TRUE;
      return;
    }
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
  wait_until_subscribed (store, &race.probed);
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

/* --- two processes: two managers, each with its own connections --- */

static int
compare_strings (const void *a, const void *b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

typedef struct
{
  NorthMcpSession *copy;   /* the second manager's */
  const char      *uri;    /* the next change subscribes to it */
  gboolean         done;
  gboolean         second_done;
} Handover;

static gboolean
subscribe_to (NorthMcpSession *session, gpointer data, GError **error)
{
  return north_mcp_session_subscribe (session, ((Handover *) data)->uri, error);
}

static void
second_subscribed (NorthMcpSession *session, const GError *error, gpointer data)
{
  g_assert_no_error ((GError *) error);
  ((Handover *) data)->second_done = TRUE;
}

/* The first change is answered: the client's next request reaches the
 * other process at once, before the message that tells of the change. */
static void
first_subscribed (NorthMcpSession *session, const GError *error, gpointer data)
{
  Handover *handover = data;

  g_assert_no_error ((GError *) error);
  handover->done = TRUE;
  handover->uri = "notes://b";
  north_mcp_session_edit (handover->copy, subscribe_to, second_subscribed, handover, NULL);
}

static void
restored (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GError) error = NULL;
  NorthMcpSession **copy = data;

  *copy = north_mcp_session_manager_restore_finish (NULL, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (*copy);
}

static NorthMcpSessionManager *
manager_new (NorthMcpStateStore **store)
{
  g_autoptr(GError) error = NULL;
  NorthMcpSessionManager *manager = north_mcp_session_manager_new ();

  *store = north_mcp_state_store_new_for_uri (redis.uri, &error);
  g_assert_no_error (error);
  north_mcp_session_manager_set_timeout (manager, 60);
  north_mcp_session_manager_set_store (manager, *store);
  return manager;
}

/* A new session of @manager, with its record stored. */
static NorthMcpSession *
open_saved (NorthMcpSessionManager *manager)
{
  g_autoptr(GError) error = NULL;
  NorthMcpSession *session = north_mcp_session_manager_open (manager, NULL, NULL, &error);
  gboolean done = FALSE;

  g_assert_no_error (error);
  north_mcp_session_set_protocol_version (session, "2025-06-18");
  north_mcp_session_manager_save_async (manager, session, NULL, saved, &done);
  test_wait_for (&done, "the new session's record");
  return session;
}

/* @session's copy in the other process's @manager (a new reference). */
static NorthMcpSession *
restore_copy (NorthMcpSessionManager *manager, NorthMcpSession *session)
{
  NorthMcpSession *copy = NULL;
  guint watchdog = test_watchdog_add ("the copy");

  north_mcp_session_manager_restore_async (manager, north_mcp_session_get_id (session), NULL, NULL, restored,
                                           &copy);
  while (copy == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (watchdog);
  return copy;
}

static void
got (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GError) error = NULL;
  GBytes **value = data;

  *value = north_mcp_state_store_get_finish (NORTH_MCP_STATE_STORE (source), result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (*value);
}

/* The URIs @session's record lists, sorted. */
static GStrv
stored_subscriptions (NorthMcpStateStore *store, NorthMcpSession *session)
{
  g_autofree char *key = g_strconcat (SESSION_KEY_PREFIX, north_mcp_session_get_id (session), NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GBytes) value = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *uris;
  GStrv sorted;
  guint watchdog = test_watchdog_add ("the record");

  north_mcp_state_store_get_async (store, key, 65536, NULL, got, &value);
  while (value == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (watchdog);
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (value, NULL), g_bytes_get_size (value),
                                             &error));
  g_assert_no_error (error);
  uris = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "subscriptions");
  for (guint i = 0; i < json_array_get_length (uris); i++)
    g_strv_builder_add (builder, json_array_get_string_element (uris, i));
  sorted = g_strv_builder_end (builder);
  qsort (sorted, g_strv_length (sorted), sizeof (char *), compare_strings);
  return sorted;
}

static void
test_change_on_another_copy_keeps_the_first (void)
{
  g_autoptr(NorthMcpStateStore) store_one = NULL;
  g_autoptr(NorthMcpStateStore) store_two = NULL;
  NorthMcpSessionManager *one = manager_new (&store_one);
  NorthMcpSessionManager *two = manager_new (&store_two);
  Handover handover = { NULL, "notes://a" };
  NorthMcpSession *session = open_saved (one);
  g_auto(GStrv) stored = NULL;
  guint watchdog;

  handover.copy = restore_copy (two, session);

  north_mcp_session_edit (session, subscribe_to, first_subscribed, &handover, NULL);
  test_wait_for (&handover.second_done, "both changes");
  /* On the second one's connection, after its write: what it stored. */
  stored = stored_subscriptions (store_two, session);
  g_assert_cmpstrv (stored, ((const char * const[]) { "notes://a", "notes://b", NULL }));
  /* Every "changed" message heard: both copies reloaded the record. */
  watchdog = test_watchdog_add ("the copies to agree");
  while (!(north_mcp_session_is_subscribed (session, "notes://b") &&
           north_mcp_session_is_subscribed (handover.copy, "notes://a")))
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (watchdog);
  g_assert_true (north_mcp_session_is_subscribed (session, "notes://a"));
  g_assert_true (north_mcp_session_is_subscribed (handover.copy, "notes://b"));

  g_object_unref (handover.copy);
  north_mcp_session_manager_free (two);
  north_mcp_session_manager_free (one);
}

static gboolean
subscribe_numbered (NorthMcpSession *session, gpointer data, GError **error)
{
  g_autofree char *uri = g_strdup_printf ("notes://%u", GPOINTER_TO_UINT (data));

  return north_mcp_session_subscribe (session, uri, error);
}

static guint edits_ended;

static void
counted_edit (NorthMcpSession *session, const GError *error, gpointer data)
{
  g_assert_no_error ((GError *) error);
  edits_ended++;
}

/* Two processes change one session at the same moment: both read the
 * record before either stored it. Stored over whatever was there, the
 * later write dropped the earlier change; each write is now made only
 * over the record its change was read from, and the other reads again. */
static void
test_changes_on_two_copies_at_once (void)
{
  g_autoptr(NorthMcpStateStore) store_one = NULL;
  g_autoptr(NorthMcpStateStore) store_two = NULL;
  NorthMcpSessionManager *one = manager_new (&store_one);
  NorthMcpSessionManager *two = manager_new (&store_two);
  NorthMcpSession *session = open_saved (one);
  NorthMcpSession *copy = restore_copy (two, session);
  g_auto(GStrv) stored = NULL;
  guint watchdog;

  edits_ended = 0;
  north_mcp_session_edit (session, subscribe_numbered, counted_edit, GUINT_TO_POINTER (1), NULL);
  north_mcp_session_edit (copy, subscribe_numbered, counted_edit, GUINT_TO_POINTER (2), NULL);
  watchdog = test_watchdog_add ("both changes");
  while (edits_ended < 2)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (watchdog);

  stored = stored_subscriptions (store_two, session);
  g_assert_cmpstrv (stored, ((const char * const[]) { "notes://1", "notes://2", NULL }));

  g_object_unref (copy);
  north_mcp_session_manager_free (two);
  north_mcp_session_manager_free (one);
}

/* --- an edit that outlives its session's copy and its manager --- */

typedef struct
{
  const char *uri;
  gboolean    done;
  char       *message;  /* of the error the edit ended with, or NULL */
} Late;

static gboolean
subscribe_late (NorthMcpSession *session, gpointer data, GError **error)
{
  return north_mcp_session_subscribe (session, ((Late *) data)->uri, error);
}

static void
late_subscribed (NorthMcpSession *session, const GError *error, gpointer data)
{
  g_assert_no_error ((GError *) error);
  ((Late *) data)->done = TRUE;
}

/* The server shuts down while a change's GET is under way: the copy is
 * closed, the manager freed. Once the GET is answered the change is made
 * on the copy alone, which no longer tells the manager (freed: ASan
 * reports the use after free) of its changes, then or later. */
static void
test_edit_outlives_its_manager (void)
{
  g_autoptr(NorthMcpStateStore) store = NULL;
  NorthMcpSessionManager *manager = manager_new (&store);
  g_autoptr(NorthMcpSession) session = NULL;
  g_autoptr(GError) error = NULL;
  Late late = { "notes://a" };
  gboolean saved_done = FALSE;

  session = g_object_ref (north_mcp_session_manager_open (manager, NULL, NULL, &error));
  g_assert_no_error (error);
  north_mcp_session_set_protocol_version (session, "2025-06-18");
  north_mcp_session_manager_save_async (manager, session, NULL, saved, &saved_done);
  test_wait_for (&saved_done, "the new session's record");

  north_mcp_session_edit (session, subscribe_late, late_subscribed, &late, NULL);
  north_mcp_session_manager_close (manager, session);
  north_mcp_session_manager_free (manager);
  test_wait_for (&late.done, "the change");
  g_assert_true (north_mcp_session_is_subscribed (session, "notes://a"));

  /* Changed again (a request still under way): nobody to tell. */
  late.uri = "notes://b";
  late.done = FALSE;
  north_mcp_session_edit (session, subscribe_late, late_subscribed, &late, NULL);
  g_assert_true (late.done);
  g_assert_true (north_mcp_session_is_subscribed (session, "notes://b"));
}

/* --- a reload that comes back after the store was closed --- */

typedef struct
{
  NorthMcpSessionManager *manager;
  NorthMcpSession        *session;
  gboolean                heard;
} Closing;

/* Runs after the manager's handler: its reload's GET is under way. The
 * server stops (the store closed, the manager and its copies kept), and
 * the copy changes meanwhile (nothing to store it in). */
static void
on_control_close (const char *channel, GBytes *message, gpointer data)
{
  Closing *closing = data;
  g_autoptr(GError) error = NULL;

  if (closing->heard)
    return;
  closing->heard = TRUE;
  north_mcp_session_manager_close_store (closing->manager);
  g_assert_true (north_mcp_session_subscribe (closing->session, "notes://b", &error));
  g_assert_no_error (error);
}

static void
test_reload_after_the_store_closed (void)
{
  g_autoptr(NorthMcpStateStore) store = NULL;
  NorthMcpSessionManager *manager = manager_new (&store);
  g_autoptr(GError) error = NULL;
  Closing closing = { manager };
  Late late = { "notes://a" };
  gboolean saved_done = FALSE;
  g_autoptr(GBytes) record = NULL;
  g_autofree char *key = NULL;
  guint hook;

  closing.session = north_mcp_session_manager_open (manager, NULL, NULL, &error);
  g_assert_no_error (error);
  north_mcp_session_set_protocol_version (closing.session, "2025-06-18");
  key = g_strconcat (SESSION_KEY_PREFIX, north_mcp_session_get_id (closing.session), NULL);
  north_mcp_session_manager_save_async (manager, closing.session, NULL, saved, &saved_done);
  test_wait_for (&saved_done, "the new session's record");
  hook = north_mcp_state_store_subscribe (store, CONTROL_CHANNEL, on_control_close, &closing, NULL);

  north_mcp_session_edit (closing.session, subscribe_late, late_subscribed, &late, NULL);
  test_wait_for (&closing.heard, "the change's message");
  /* On the manager's connection, after its reload: once read, that
   * reload came back. */
  north_mcp_state_store_get_async (store, key, 65536, NULL, got, &record);
  test_wait_for (&late.done, "the change");
  while (record == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (north_mcp_session_is_subscribed (closing.session, "notes://a"));
  g_assert_true (north_mcp_session_is_subscribed (closing.session, "notes://b"));

  north_mcp_state_store_unsubscribe (store, hook);
  north_mcp_session_manager_free (manager);
}

/* --- a restore answered after the store was closed --- */

static void
restore_refused (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NorthMcpSession) session = north_mcp_session_manager_restore_finish (NULL, result, &error);

  g_assert_null (session);
  g_assert_nonnull (error);
  *(gboolean *) data = TRUE;
}

/* The server stops while a restore's GET is under way: the record that
 * comes back is no session of this process's any more (nor does it
 * write what this process could not take of it to a store it closed). */
static void
test_restore_after_the_store_closed (void)
{
  g_autoptr(NorthMcpStateStore) store_one = NULL;
  g_autoptr(NorthMcpStateStore) store_two = NULL;
  NorthMcpSessionManager *one = manager_new (&store_one);
  NorthMcpSessionManager *two = manager_new (&store_two);
  g_autoptr(GError) error = NULL;
  Late late = { "notes://a" };
  NorthMcpSession *session;
  gboolean saved_done = FALSE, refused = FALSE;
  g_autofree char *id = NULL;

  session = north_mcp_session_manager_open (one, NULL, NULL, &error);
  g_assert_no_error (error);
  north_mcp_session_set_protocol_version (session, "2025-06-18");
  id = g_strdup (north_mcp_session_get_id (session));
  north_mcp_session_manager_save_async (one, session, NULL, saved, &saved_done);
  test_wait_for (&saved_done, "the new session's record");
  north_mcp_session_edit (session, subscribe_late, late_subscribed, &late, NULL);
  test_wait_for (&late.done, "the change");

  /* No room here for the record's subscription. */
  north_mcp_kept_budget_set_limit (north_mcp_session_manager_get_kept_budget (two), 1);
  north_mcp_session_manager_restore_async (two, id, NULL, NULL, restore_refused, &refused);
  north_mcp_session_manager_close_store (two);
  test_wait_for (&refused, "the restore");
  g_assert_null (north_mcp_session_manager_lookup (two, id));

  north_mcp_session_manager_free (two);
  north_mcp_session_manager_free (one);
}

/* --- many changes of one session at once --- */

/* What the redis-server processed since the last call (redis-cli). */
static guint64
commands_processed (void)
{
  g_autofree char *port = g_strdup_printf ("%u", redis.port);
  const char *info[] = { "redis-cli", "-p", port, "INFO", "stats", NULL };
  const char *reset[] = { "redis-cli", "-p", port, "CONFIG", "RESETSTAT", NULL };
  g_autofree char *out = NULL;
  g_autofree char *reset_out = NULL;
  g_autoptr(GError) error = NULL;
  const char *line;
  guint64 count;

  g_assert_true (g_spawn_sync (NULL, (char **) info, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                               NULL, NULL, &out, NULL, NULL, &error));
  g_assert_no_error (error);
  line = strstr (out, "total_commands_processed:");
  g_assert_nonnull (line);
  count = g_ascii_strtoull (line + strlen ("total_commands_processed:"), NULL, 10);
  /* Its "OK" read here, not printed into the TAP output. */
  g_assert_true (g_spawn_sync (NULL, (char **) reset, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                               NULL, NULL, &reset_out, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (g_strstrip (reset_out), ==, "OK");
  return count;
}

/* A client may send a session many changes at once (a batch, many
 * connections): each is read, made and stored in turn, and the copy
 * reloads the record as often as it changed, not once more per change
 * under way (a change made meanwhile sent every read under way again:
 * the store's work grew with the square of the changes). */
static void
test_many_changes_at_once (void)
{
  g_autoptr(NorthMcpStateStore) store = NULL;
  NorthMcpSessionManager *manager = manager_new (&store);
  NorthMcpSession *session = open_saved (manager);
  gboolean settled = FALSE;
  guint n = 100, watchdog;
  guint64 commands;
  g_auto(GStrv) stored = NULL;

  commands_processed ();
  edits_ended = 0;
  for (guint i = 0; i < n; i++)
    north_mcp_session_edit (session, subscribe_numbered, counted_edit, GUINT_TO_POINTER (i), NULL);
  watchdog = test_watchdog_add ("the changes");
  while (edits_ended < n)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (watchdog);
  /* The reloads of the last changes come back too. */
  g_timeout_add (500, test_set_flag, &settled);
  test_wait_for (&settled, "the reloads");
  commands = commands_processed ();
  stored = stored_subscriptions (store, session);
  g_assert_cmpuint (g_strv_length (stored), ==, n);
  /* Per change: its read and the reload it causes (a script each, three
   * commands as Redis counts them), each read again at most once for a
   * change made meanwhile; its write and its message: 14. All at once,
   * every change read every other again: 243 each for 100. */
  g_test_message ("%" G_GUINT64_FORMAT " commands", commands);
  g_assert_cmpuint (commands, <=, 16 * n);

  north_mcp_session_manager_free (manager);
}

/* --- the last reference of the server dropped with an edit's data --- */

typedef struct
{
  NorthMcpSessionManager *manager;  /* freed with this edit's data */
  GString                *answers;  /* the edits' URIs, as answered */
} Ending;

typedef struct
{
  Ending     *ending;
  const char *uri;
  gboolean    subscribe;
  gboolean    frees;     /* the manager, with this edit's data */
  gboolean    done;
} Change;

static gboolean
change_uri (NorthMcpSession *session, gpointer data, GError **error)
{
  Change *change = data;

  if (!change->subscribe)
    {
      north_mcp_session_unsubscribe (session, change->uri);
      return TRUE;
    }
  return north_mcp_session_subscribe (session, change->uri, error);
}

static void
change_answered (NorthMcpSession *session, const GError *error, gpointer data)
{
  Change *change = data;

  g_assert_no_error ((GError *) error);
  g_assert_false (change->done);
  change->done = TRUE;
  g_string_append_printf (change->ending->answers, "%s%s ", change->subscribe ? "+" : "-", change->uri);
}

/* A request's data holds the server (its context): the last reference
 * dropped, the manager is freed with it. */
static void
change_free (gpointer data)
{
  Change *change = data;

  if (change->frees)
    g_clear_pointer (&change->ending->manager, north_mcp_session_manager_free);
}

/* The server is unreferenced while a change is under way: once the change
 * is stored and answered, its data drops the last reference (ASan
 * reported the manager used after it was freed). */
static void
test_edit_frees_its_manager (void)
{
  g_autoptr(NorthMcpStateStore) store = NULL;
  Ending ending = { manager_new (&store), g_string_new (NULL) };
  g_autoptr(NorthMcpSession) session = g_object_ref (open_saved (ending.manager));
  Change change = { &ending, "notes://a", TRUE, TRUE };
  g_auto(GStrv) stored = NULL;

  north_mcp_session_edit (session, change_uri, change_answered, &change, change_free);
  test_wait_for (&change.done, "the change");
  g_assert_null (ending.manager);
  stored = stored_subscriptions (store, session);
  g_assert_cmpstrv (stored, ((const char * const[]) { "notes://a", NULL }));
  g_string_free (ending.answers, TRUE);
}

/* Changes queued behind one under way, the session ended meanwhile (as by
 * a DELETE): each is made on the copy alone, in turn, and the second one's
 * data drops the last reference of the server (ASan reported the queue
 * read after it was freed with the manager). */
static void
test_queued_edit_frees_its_manager (void)
{
  g_autoptr(NorthMcpStateStore) store = NULL;
  Ending ending = { manager_new (&store), g_string_new (NULL) };
  g_autoptr(NorthMcpSession) session = g_object_ref (open_saved (ending.manager));
  Change changes[] = {
    { &ending, "notes://a", TRUE },
    { &ending, "notes://b", TRUE, TRUE },
    { &ending, "notes://c", TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (changes); i++)
    north_mcp_session_edit (session, change_uri, change_answered, &changes[i], change_free);
  north_mcp_session_manager_close (ending.manager, session);
  test_wait_for (&changes[2].done, "the changes");
  g_assert_null (ending.manager);
  g_assert_cmpstr (ending.answers->str, ==, "+notes://a +notes://b +notes://c ");
  for (guint i = 0; i < G_N_ELEMENTS (changes); i++)
    g_assert_true (north_mcp_session_is_subscribed (session, changes[i].uri));
  g_string_free (ending.answers, TRUE);
}

/* The server stops (the store closed, its copies kept) while a change is
 * under way and another waits its turn: they are made on the copy in the
 * order they came (the waiting one was made at once, the one under way
 * after it: subscribed, then unsubscribed, the copy stayed subscribed). */
static void
test_edits_keep_their_order_when_the_store_closes (void)
{
  g_autoptr(NorthMcpStateStore) store = NULL;
  Ending ending = { manager_new (&store), g_string_new (NULL) };
  g_autoptr(NorthMcpSession) session = g_object_ref (open_saved (ending.manager));
  Change changes[] = {
    { &ending, "notes://a", TRUE },
    { &ending, "notes://a", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (changes); i++)
    north_mcp_session_edit (session, change_uri, change_answered, &changes[i], change_free);
  north_mcp_session_manager_close_store (ending.manager);
  test_wait_for (&changes[0].done, "the first change");
  test_wait_for (&changes[1].done, "the second change");
  g_assert_cmpstr (ending.answers->str, ==, "+notes://a -notes://a ");
  g_assert_false (north_mcp_session_is_subscribed (session, "notes://a"));
  north_mcp_session_manager_free (ending.manager);
  g_string_free (ending.answers, TRUE);
}

static void
deleted (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (north_mcp_state_store_delete_finish (NORTH_MCP_STATE_STORE (source), result, &error));
  g_assert_no_error (error);
  *(gboolean *) data = TRUE;
}

/* The session ended elsewhere (its record deleted, the message not yet
 * here) and the server unreferenced while a change is under way: the
 * change's data drops the last reference as it is answered, before the
 * copy is dropped (ASan reported the manager used after it was freed). */
static void
test_edit_of_an_ended_session_frees_its_manager (void)
{
  g_autoptr(NorthMcpStateStore) store = NULL;
  Ending ending = { manager_new (&store), g_string_new (NULL) };
  g_autoptr(NorthMcpSession) session = g_object_ref (open_saved (ending.manager));
  g_autofree char *key = g_strconcat (SESSION_KEY_PREFIX, north_mcp_session_get_id (session), NULL);
  Change change = { &ending, "notes://a", TRUE, TRUE };
  gboolean gone = FALSE;

  north_mcp_state_store_delete_async (store, key, NULL, deleted, &gone);
  test_wait_for (&gone, "the record's deletion");
  north_mcp_session_edit (session, change_uri, change_answered, &change, change_free);
  test_wait_for (&change.done, "the change");
  g_assert_null (ending.manager);
  g_string_free (ending.answers, TRUE);
}

/* --- an edit overtaken as the store closes --- */

typedef struct
{
  NorthMcpSessionManager *manager;
  NorthMcpStateStore     *store;
  char                   *key;
  gboolean                written;
  gboolean                done;
} Overtaken;

/* Answered before the edit's write (one connection, in order): the
 * server stops while that write is under way, its copies kept. */
static void
overtaking_written (GObject *source, GAsyncResult *result, gpointer data)
{
  Overtaken *overtaken = data;
  g_autoptr(GError) error = NULL;

  g_assert_true (north_mcp_state_store_set_finish (NORTH_MCP_STATE_STORE (source), result, &error));
  g_assert_no_error (error);
  north_mcp_session_manager_close_store (overtaken->manager);
}

/* Made on the record read: another process's change of the session is
 * stored meanwhile (on this manager's connection: before this edit's
 * write, which then finds another record than the one it was read from). */
static gboolean
subscribe_overtaken (NorthMcpSession *session, gpointer data, GError **error)
{
  Overtaken *overtaken = data;
  g_autoptr(GBytes) record = north_mcp_session_record_new (session);
  gsize length = 0;
  const char *text = g_bytes_get_data (record, &length);
  g_autoptr(GBytes) other = NULL;

  if (!overtaken->written)
    {
      overtaken->written = TRUE;
      g_assert_true (g_str_has_suffix (text, "[]}"));
      other = g_bytes_new_take (g_strdup_printf ("%.*s\"notes://b\"]}", (int) length - 2, text),
                                length - 2 + strlen ("\"notes://b\"]}"));
      north_mcp_state_store_set_async (overtaken->store, overtaken->key, other, 60000,
                                       NORTH_MCP_STATE_STORE_SET_IF_PRESENT, NULL, overtaking_written, overtaken);
    }
  return north_mcp_session_subscribe (session, "notes://a", error);
}

static void
overtaken_answered (NorthMcpSession *session, const GError *error, gpointer data)
{
  g_assert_no_error ((GError *) error);
  ((Overtaken *) data)->done = TRUE;
}

/* The store closes (the server stops, its copies kept) while an edit's
 * write is under way, and that write finds the record changed by another
 * process since it was read: the session did not end, and its copy stays
 * (it was dropped, as if the record were gone). */
static void
test_edit_overtaken_as_the_store_closes (void)
{
  g_autoptr(NorthMcpStateStore) store = NULL;
  NorthMcpSessionManager *manager = manager_new (&store);
  g_autoptr(NorthMcpSession) session = g_object_ref (open_saved (manager));
  g_autofree char *key = g_strconcat (SESSION_KEY_PREFIX, north_mcp_session_get_id (session), NULL);
  Overtaken overtaken = { manager, store, key };

  north_mcp_session_edit (session, subscribe_overtaken, overtaken_answered, &overtaken, NULL);
  test_wait_for (&overtaken.done, "the change");
  g_assert_true (overtaken.written);
  g_assert_false (north_mcp_session_manager_is_shared (manager));
  g_assert_true (north_mcp_session_is_subscribed (session, "notes://a"));
  g_assert_true (north_mcp_session_manager_lookup (manager, north_mcp_session_get_id (session)) == session);
  north_mcp_session_manager_free (manager);
}

/* --- the control channel's messages: anyone who reaches Redis can publish --- */

static NorthMcpSessionControl
control_read (const char *text, gsize length, char id[NORTH_MCP_SESSION_ID_CHARS + 1])
{
  g_autoptr(GBytes) message = g_bytes_new (text, length);

  return north_mcp_session_control_read (message, id);
}

static void
test_control_messages (void)
{
  g_autofree char *valid = g_strnfill (NORTH_MCP_SESSION_ID_CHARS, 'a');
  g_autofree char *upper = g_ascii_strup (valid, -1);
  g_autofree char *short_id = g_strndup (valid, NORTH_MCP_SESSION_ID_CHARS - 1);
  g_autofree char *long_id = g_strconcat (valid, "a", NULL);
  g_autofree char *not_hex = g_strdup (valid);
  g_autofree char *with_nul = g_strconcat ("changed ", valid, NULL);
  char id[NORTH_MCP_SESSION_ID_CHARS + 1];
  const NorthMcpSessionControl kinds[] = { NORTH_MCP_SESSION_CONTROL_DELETED, NORTH_MCP_SESSION_CONTROL_CHANGED };

  /* What this side writes, it reads back. */
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autoptr(GBytes) message = north_mcp_session_control_new (kinds[i], valid);

      memset (id, 0, sizeof id);
      g_assert_cmpint (north_mcp_session_control_read (message, id), ==, kinds[i]);
      g_assert_cmpstr (id, ==, valid);
    }

  /* Anything else is no message: not an id of ours, another verb, another
   * length, a NUL inside. */
  not_hex[3] = 'g';
  with_nul[strlen ("changed ") + 5] = '\0';
  {
    const char *texts[] = { "", "changed ", "deleted", "changed", "renamed ", "CHANGED ", "changed_" };
    const char *ids[] = { short_id, long_id, upper, not_hex };

    for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
      {
        g_autofree char *text = g_strconcat (texts[i], i < 2 ? "" : valid, NULL);

        g_assert_cmpint (control_read (text, strlen (text), id), ==, NORTH_MCP_SESSION_CONTROL_NONE);
      }
    for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
      {
        g_autofree char *text = g_strconcat ("deleted ", ids[i], NULL);

        g_assert_cmpint (control_read (text, strlen (text), id), ==, NORTH_MCP_SESSION_CONTROL_NONE);
      }
  }
  g_assert_cmpint (control_read (with_nul, strlen ("changed ") + NORTH_MCP_SESSION_ID_CHARS, id), ==,
                   NORTH_MCP_SESSION_CONTROL_NONE);
}

/* Nested `levels` deep: {"a":{"a":...{}}}. */
static char *
nested_object (guint levels)
{
  GString *text = g_string_new (NULL);

  for (guint i = 1; i < levels; i++)
    g_string_append (text, "{\"a\":");
  g_string_append (text, "{}");
  for (guint i = 1; i < levels; i++)
    g_string_append_c (text, '}');
  return g_string_free (text, FALSE);
}

/* What a request may carry, a record and a relayed message carry too:
 * client capabilities as deep as an initialize request may nest them
 * are read back by other processes, and so is a client's answer to a
 * server request, as deep as any message, in its envelope. */
static void
test_deep_messages (void)
{
  /* initialize: the request, its params, its capabilities. */
  g_autofree char *deep = nested_object (NORTH_MCP_JSON_MAX_DEPTH - 2);
  g_autofree char *request = g_strdup_printf ("{\"params\":{\"capabilities\":%s}}", deep);
  g_autoptr(JsonNode) node = north_mcp_json_read (request, strlen (request), NORTH_MCP_JSON_MAX_DEPTH, NULL);
  JsonObject *capabilities = NULL;
  g_autoptr(NorthMcpSession) session = north_mcp_session_new ("0123456789abcdef0123456789abcdef", NULL);
  g_autoptr(NorthMcpSession) copy = NULL;
  g_autoptr(GBytes) record = NULL;
  g_autofree char *answer = nested_object (NORTH_MCP_JSON_MAX_DEPTH);
  g_autofree char *envelope = g_strdup_printf ("{\"origin\":\"o\",\"session\":\"s\",\"response\":%s}", answer);
  g_autoptr(GBytes) message = g_bytes_new (envelope, strlen (envelope));
  g_autoptr(JsonNode) relayed = NULL;

  g_assert_nonnull (node);
  capabilities = json_object_get_object_member (json_object_get_object_member (json_node_get_object (node), "params"),
                                                "capabilities");
  g_assert_true (north_mcp_session_set_client (session, capabilities, NULL, NULL));
  north_mcp_session_set_protocol_version (session, "2025-06-18");
  record = north_mcp_session_record_new (session);
  copy = north_mcp_session_record_read (north_mcp_session_get_id (session), record);
  g_assert_nonnull (copy);
  g_assert_true (json_object_equal (north_mcp_session_get_client_capabilities (copy), capabilities));

  relayed = north_mcp_session_record_read_object (message);
  g_assert_nonnull (relayed);
}

/* --- an edit the store does not take --- */

static void
refused_ended (NorthMcpSession *session, const GError *error, gpointer data)
{
  Late *refused = data;

  refused->message = error != NULL ? g_strdup (error->message) : NULL;
  refused->done = TRUE;
}

/* CONFIG SET maxmemory @value on the redis-server (redis-cli): at 1 it
 * still answers reads and refuses every write. */
static void
redis_maxmemory (const char *value)
{
  g_autofree char *port = g_strdup_printf ("%u", redis.port);
  const char *args[] = { "redis-cli", "-p", port, "CONFIG", "SET", "maxmemory", value, NULL };
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_spawn_sync (NULL, (char **) args, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                               NULL, NULL, &out, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (out, ==, "OK\n");
}

/* Subscribes @session to @uri; the message of the error the edit ended
 * with (NULL: stored). */
static char *
edit_and_wait (NorthMcpSession *session, const char *uri)
{
  Late refused = { uri };

  north_mcp_session_edit (session, subscribe_late, refused_ended, &refused, NULL);
  test_wait_for (&refused.done, "the edit");
  return refused.message;
}

/* A change the store could not take (Redis gone before its read, or
 * refusing its write) is not answered as made, nor kept on this copy
 * alone: the other processes would never see it, and this one would serve
 * it (notify the subscription) as long as it held the copy. */
static void
test_edit_not_stored_is_refused (void)
{
  g_autoptr(NorthMcpStateStore) store = NULL;
  NorthMcpSessionManager *manager = manager_new (&store);
  NorthMcpSession *session = open_saved (manager);
  g_autofree char *refused_write = NULL;
  g_autofree char *refused_read = NULL;
  g_autofree char *stored = NULL;

  /* The record is read, its rewrite refused. */
  redis_maxmemory ("1");
  g_test_expect_message ("NorthMcp", G_LOG_LEVEL_WARNING, "*subscriptions were not stored: *OOM*");
  refused_write = edit_and_wait (session, "notes://write");
  g_test_assert_expected_messages ();
  redis_maxmemory ("0");
  g_assert_cmpstr (refused_write, ==, "The session store is unavailable");
  g_assert_false (north_mcp_session_is_subscribed (session, "notes://write"));

  /* Redis is gone before the read. */
  test_redis_server_stop (&redis, SIGKILL);
  refused_read = edit_and_wait (session, "notes://read");
  test_redis_server_start (&redis);
  g_assert_cmpstr (refused_read, ==, "The session store is unavailable");
  g_assert_false (north_mcp_session_is_subscribed (session, "notes://read"));

  north_mcp_session_manager_free (manager);
}

/* The warnings on changes not stored, counted, and the last one. */
typedef struct
{
  guint  lines;
  char  *last;
} Unstored;

static void
count_unstored (const char     *domain,
                GLogLevelFlags  level,
                const char     *message,
                gpointer        data)
{
  Unstored *unstored = data;

  if (strstr (message, "were not stored") == NULL)
    return;
  unstored->lines++;
  g_free (unstored->last);
  unstored->last = g_strdup (message);
}

static gboolean
warnings_not_fatal (const char     *domain,
                    GLogLevelFlags  level,
                    const char     *message,
                    gpointer        data)
{
  return FALSE;
}

/* Any client can send logging/setLevel over and over while the store
 * refuses its writes: the warning is written once a minute at most, with
 * the count of those left out, not once a request. */
static void
test_unstored_changes_do_not_flood_the_log (void)
{
  g_autoptr(NorthMcpStateStore) store = NULL;
  NorthMcpSessionManager *manager = manager_new (&store);
  NorthMcpSession *session = open_saved (manager);
  Unstored unstored = { 0 };
  guint handler;

  handler = g_log_set_handler ("NorthMcp", G_LOG_LEVEL_WARNING | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION,
                               count_unstored, &unstored);
  g_test_log_set_fatal_handler (warnings_not_fatal, NULL);
  redis_maxmemory ("1");

  north_mcp_log_throttle_set_interval (0);
  g_free (edit_and_wait (session, "notes://first"));
  g_assert_cmpuint (unstored.lines, ==, 1);
  north_mcp_log_throttle_set_interval (G_MAXINT64 / 4);
  for (guint i = 0; i < 20; i++)
    g_free (edit_and_wait (session, "notes://again"));
  g_assert_cmpuint (unstored.lines, ==, 1);
  north_mcp_log_throttle_set_interval (0);
  g_free (edit_and_wait (session, "notes://last"));
  g_assert_cmpuint (unstored.lines, ==, 2);
  g_assert_nonnull (strstr (unstored.last, "OOM"));
  g_assert_true (g_str_has_suffix (unstored.last, " (20 more since the last line)"));

  redis_maxmemory ("0");
  north_mcp_log_throttle_set_interval (-1);
  g_test_log_set_fatal_handler (NULL, NULL);
  g_log_remove_handler ("NorthMcp", handler);
  g_free (unstored.last);
  north_mcp_session_manager_free (manager);
}

/* --- changes that change nothing --- */

/* How many times redis-server ran @command (scripts' calls included) since
 * the last CONFIG RESETSTAT (commands_processed()). */
static guint64
command_calls (const char *command)
{
  g_autofree char *port = g_strdup_printf ("%u", redis.port);
  const char *info[] = { "redis-cli", "-p", port, "INFO", "commandstats", NULL };
  g_autofree char *needle = g_strdup_printf ("cmdstat_%s:calls=", command);
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  const char *line;

  g_assert_true (g_spawn_sync (NULL, (char **) info, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                               NULL, NULL, &out, NULL, NULL, &error));
  g_assert_no_error (error);
  line = strstr (out, needle);
  return line != NULL ? g_ascii_strtoull (line + strlen (needle), NULL, 10) : 0;
}

typedef struct
{
  const char      *uri;    /* unsubscribed from; NULL: the level set */
  NorthMcpLogLevel level;
  gboolean         done;
} Idle;

static gboolean
change_idly (NorthMcpSession *session, gpointer data, GError **error)
{
  Idle *idle = data;

  if (idle->uri != NULL)
    north_mcp_session_unsubscribe (session, idle->uri);
  else
    north_mcp_session_set_log_level (session, idle->level);
  return TRUE;
}

static void
idle_answered (NorthMcpSession *session, const GError *error, gpointer data)
{
  g_assert_no_error ((GError *) error);
  ((Idle *) data)->done = TRUE;
}

/* logging/setLevel to the level the session has, resources/unsubscribe of
 * a URI it does not watch: the record is read, and left as it is. Written
 * back and announced, any client made one write and one message to every
 * process per request. */
static void
test_idle_changes_are_not_stored (void)
{
  g_autoptr(NorthMcpStateStore) store = NULL;
  NorthMcpSessionManager *manager = manager_new (&store);
  NorthMcpSession *session = open_saved (manager);
  Idle level = { NULL, NORTH_MCP_LOG_LEVEL_WARNING };
  gboolean settled = FALSE;
  g_auto(GStrv) stored = NULL;

  north_mcp_session_edit (session, change_idly, idle_answered, &level, NULL);
  test_wait_for (&level.done, "the level");
  g_free (edit_and_wait (session, "notes://a"));
  /* The reloads of those changes come back. */
  g_timeout_add (500, test_set_flag, &settled);
  test_wait_for (&settled, "the reloads");
  commands_processed ();

  for (guint i = 0; i < 10; i++)
    {
      Idle same = { NULL, NORTH_MCP_LOG_LEVEL_WARNING };
      Idle never = { "notes://never", 0 };

      north_mcp_session_edit (session, change_idly, idle_answered, &same, NULL);
      test_wait_for (&same.done, "the same level");
      north_mcp_session_edit (session, change_idly, idle_answered, &never, NULL);
      test_wait_for (&never.done, "the unsubscription");
    }
  settled = FALSE;
  g_timeout_add (500, test_set_flag, &settled);
  test_wait_for (&settled, "any reloads");

  g_assert_cmpuint (command_calls ("publish"), ==, 0);
  g_assert_cmpuint (command_calls ("set"), ==, 0);
  g_assert_cmpuint (command_calls ("get"), >=, 20);
  g_assert_cmpint (north_mcp_session_get_log_level (session), ==, NORTH_MCP_LOG_LEVEL_WARNING);
  stored = stored_subscriptions (store, session);
  g_assert_cmpstrv (stored, ((const char * const[]) { "notes://a", NULL }));

  north_mcp_session_manager_free (manager);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  test_redis_server_init (&redis, "session-records");
  g_test_add_func ("/session-records/control-messages", test_control_messages);
  g_test_add_func ("/session-records/deep-messages", test_deep_messages);
  g_test_add_func ("/session-records/reload-keeps-later-changes", test_reload_keeps_later_changes);
  g_test_add_func ("/session-records/change-on-another-copy-keeps-the-first",
                   test_change_on_another_copy_keeps_the_first);
  g_test_add_func ("/session-records/changes-on-two-copies-at-once", test_changes_on_two_copies_at_once);
  g_test_add_func ("/session-records/edit-outlives-its-manager", test_edit_outlives_its_manager);
  g_test_add_func ("/session-records/reload-after-the-store-closed", test_reload_after_the_store_closed);
  g_test_add_func ("/session-records/restore-after-the-store-closed", test_restore_after_the_store_closed);
  g_test_add_func ("/session-records/many-changes-at-once", test_many_changes_at_once);
  g_test_add_func ("/session-records/edit-frees-its-manager", test_edit_frees_its_manager);
  g_test_add_func ("/session-records/queued-edit-frees-its-manager", test_queued_edit_frees_its_manager);
  g_test_add_func ("/session-records/edits-keep-their-order-when-the-store-closes",
                   test_edits_keep_their_order_when_the_store_closes);
  g_test_add_func ("/session-records/edit-of-an-ended-session-frees-its-manager",
                   test_edit_of_an_ended_session_frees_its_manager);
  g_test_add_func ("/session-records/edit-overtaken-as-the-store-closes",
                   test_edit_overtaken_as_the_store_closes);
  g_test_add_func ("/session-records/edit-not-stored-is-refused", test_edit_not_stored_is_refused);
  g_test_add_func ("/session-records/idle-changes-are-not-stored", test_idle_changes_are_not_stored);
  g_test_add_func ("/session-records/unstored-changes-do-not-flood-the-log",
                   test_unstored_changes_do_not_flood_the_log);
  status = g_test_run ();
  test_redis_server_clear (&redis);
  return status;
}
