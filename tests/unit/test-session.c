/* test-session.c: session ids, the identity a session is bound to, the
 * bound on what it keeps of the client, the server's session cap and its
 * session signals.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include <north-mcp.h>

#include "north-mcp-random-private.h"
#include "north-mcp-server-private.h"
#include "north-mcp-session-manager-private.h"
#include "north-mcp-session-private.h"

static void
test_random_ids (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint8 zeros[64] = { 0 }, bytes[64] = { 0 };

  for (guint i = 0; i < 1000; i++)
    {
      g_autoptr(GError) error = NULL;
      char *id = north_mcp_random_id (&error);

      g_assert_no_error (error);
      g_assert_cmpuint (strlen (id), ==, 2 * NORTH_MCP_RANDOM_ID_BYTES);
      g_assert_cmpuint (NORTH_MCP_RANDOM_ID_BYTES * 8, >=, 128);
      g_assert_cmpuint (strspn (id, "0123456789abcdef"), ==, strlen (id));
      g_assert_true (g_hash_table_add (seen, id));
    }

  /* More than one getrandom() read may be needed for long buffers. */
  g_assert_true (north_mcp_random_bytes (bytes, sizeof bytes, NULL));
  g_assert_true (memcmp (bytes, zeros, sizeof bytes) != 0);
}

static NorthMcpUser *
user_new (const char *issuer,
          const char *subject,
          const char *email)
{
  g_autoptr(JsonObject) claims = json_object_new ();

  if (issuer != NULL)
    json_object_set_string_member (claims, "iss", issuer);
  if (subject != NULL)
    json_object_set_string_member (claims, "sub", subject);
  return north_mcp_user_new (email, NULL, issuer != NULL || subject != NULL ? "token" : NULL,
                             issuer != NULL || subject != NULL ? claims : NULL, NULL);
}

static void
test_owner (void)
{
  g_autoptr(NorthMcpSession) session = north_mcp_session_new ("s", NULL);
  g_autoptr(NorthMcpUser) alice = user_new ("https://idp", "alice", "alice@example.com");
  g_autoptr(NorthMcpUser) alice_again = user_new ("https://idp", "alice", "changed@example.com");
  g_autoptr(NorthMcpUser) alice_elsewhere = user_new ("https://other", "alice", "alice@example.com");
  g_autoptr(NorthMcpUser) alice_no_issuer = user_new (NULL, "alice", "alice@example.com");
  g_autoptr(NorthMcpUser) bob = user_new ("https://idp", "bob", "alice@example.com");
  g_autoptr(NorthMcpUser) by_email = user_new (NULL, NULL, "alice@example.com");
  g_autoptr(NorthMcpUser) by_other_email = user_new (NULL, NULL, "bob@example.com");
  g_autoptr(NorthMcpUser) nobody = user_new (NULL, NULL, NULL);
  /* Length-prefixed fields: moving a character between them changes the
   * identity. */
  g_autoptr(NorthMcpUser) shifted = user_new ("https://idpa", "lice", NULL);

  /* Issuer and subject, whatever else the token says. */
  north_mcp_session_set_owner (session, alice);
  g_assert_true (north_mcp_session_is_owner (session, alice));
  g_assert_true (north_mcp_session_is_owner (session, alice_again));
  g_assert_false (north_mcp_session_is_owner (session, alice_elsewhere));
  g_assert_false (north_mcp_session_is_owner (session, alice_no_issuer));
  g_assert_false (north_mcp_session_is_owner (session, bob));
  g_assert_false (north_mcp_session_is_owner (session, shifted));
  g_assert_false (north_mcp_session_is_owner (session, by_email));
  g_assert_false (north_mcp_session_is_owner (session, NULL));
  g_assert_false (north_mcp_session_is_owner (session, nobody));

  /* Without a subject, the e-mail. */
  north_mcp_session_set_owner (session, by_email);
  g_assert_true (north_mcp_session_is_owner (session, by_email));
  g_assert_false (north_mcp_session_is_owner (session, by_other_email));
  g_assert_false (north_mcp_session_is_owner (session, alice));
  g_assert_false (north_mcp_session_is_owner (session, NULL));

  /* Without either, anonymous: like no user at all. */
  north_mcp_session_set_owner (session, NULL);
  g_assert_true (north_mcp_session_is_owner (session, NULL));
  g_assert_true (north_mcp_session_is_owner (session, nobody));
  g_assert_false (north_mcp_session_is_owner (session, by_email));
  g_assert_false (north_mcp_session_is_owner (session, alice));
}

/* Tasks and other things an identity owns use its key, by the same rule
 * as a session's owner. */
static void
test_owner_key (void)
{
  g_autoptr(NorthMcpUser) by_email_here = user_new ("https://idp", NULL, "alice@example.com");
  g_autoptr(NorthMcpUser) by_email_there = user_new ("https://other", NULL, "alice@example.com");
  g_autoptr(NorthMcpUser) by_email_again = user_new ("https://idp", NULL, "alice@example.com");
  g_autoptr(NorthMcpUser) alice = user_new ("https://idp", "alice", "alice@example.com");
  g_autoptr(NorthMcpUser) alice_again = user_new ("https://idp", "alice", "changed@example.com");
  g_autoptr(NorthMcpUser) nobody = user_new (NULL, NULL, NULL);
  g_autofree char *here = north_mcp_session_owner_key (by_email_here);
  g_autofree char *there = north_mcp_session_owner_key (by_email_there);
  g_autofree char *again = north_mcp_session_owner_key (by_email_again);
  g_autofree char *subject = north_mcp_session_owner_key (alice);
  g_autofree char *subject_again = north_mcp_session_owner_key (alice_again);
  g_autofree char *anonymous = north_mcp_session_owner_key (NULL);
  g_autofree char *nobody_key = north_mcp_session_owner_key (nobody);
  g_autoptr(NorthMcpSession) session = north_mcp_session_new ("s", NULL);

  /* Two issuers' tokens without a subject and with one address are two
   * identities. */
  g_assert_cmpstr (here, !=, there);
  g_assert_cmpstr (here, ==, again);
  g_assert_cmpstr (subject, ==, subject_again);
  g_assert_cmpstr (subject, !=, here);
  g_assert_cmpstr (anonymous, ==, nobody_key);
  g_assert_cmpstr (anonymous, !=, here);
  g_assert_cmpuint (strlen (here), ==, 64);
  g_assert_null (strstr (here, "alice"));

  /* The same rule as the session's owner. */
  north_mcp_session_set_owner (session, by_email_here);
  g_assert_true (north_mcp_session_is_owner (session, by_email_again));
  g_assert_false (north_mcp_session_is_owner (session, by_email_there));
}

static JsonObject *
object_with_string (const char *name,
                    gsize       length)
{
  JsonObject *object = json_object_new ();
  g_autofree char *value = g_malloc (length + 1);

  memset (value, 'x', length);
  value[length] = '\0';
  json_object_set_string_member (object, name, value);
  return object;
}

static void
test_client_bound (void)
{
  g_autoptr(NorthMcpSession) session = north_mcp_session_new ("s", NULL);
  g_autoptr(JsonObject) small = object_with_string ("roots", 10);
  g_autoptr(JsonObject) fits = object_with_string ("experimental", NORTH_MCP_SESSION_CLIENT_MAX_BYTES - 1000);
  g_autoptr(JsonObject) too_big = object_with_string ("experimental", NORTH_MCP_SESSION_CLIENT_MAX_BYTES);
  g_autoptr(JsonObject) half = object_with_string ("name", NORTH_MCP_SESSION_CLIENT_MAX_BYTES / 2);
  g_autoptr(JsonObject) many = json_object_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (north_mcp_session_set_client (session, small, small, &error));
  g_assert_no_error (error);
  g_assert_true (north_mcp_session_get_client_capabilities (session) == small);

  g_assert_true (north_mcp_session_set_client (session, fits, NULL, &error));
  g_assert_no_error (error);

  /* Refused: the error is a JSON-RPC invalid params, nothing is kept. */
  g_assert_true (north_mcp_session_set_client (session, small, small, NULL));
  g_assert_false (north_mcp_session_set_client (session, too_big, NULL, &error));
  g_assert_error (error, NORTH_MCP_JSONRPC_ERROR, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS);
  g_clear_error (&error);
  g_assert_false (north_mcp_session_set_client (session, NULL, too_big, NULL));
  /* Each half fits; together they do not. */
  g_assert_true (north_mcp_session_set_client (session, half, NULL, NULL));
  g_assert_true (north_mcp_session_set_client (session, small, small, NULL));
  g_assert_false (north_mcp_session_set_client (session, half, half, NULL));
  g_assert_true (north_mcp_session_get_client_capabilities (session) == small);
  g_assert_true (north_mcp_session_get_client_info (session) == small);

  /* Many small members count as much as one big one. */
  for (guint i = 0; i < NORTH_MCP_SESSION_CLIENT_MAX_BYTES / 4; i++)
    {
      char name[16];

      g_snprintf (name, sizeof name, "%u", i);
      json_object_set_int_member (many, name, i);
    }
  g_assert_false (north_mcp_session_set_client (session, many, NULL, NULL));
}

/* A value counts what it takes in memory, not only its text: 5,000 empty
 * arrays are 10 KB of JSON and some 560 KB of tree. */
static void
test_client_bound_values (void)
{
  g_autoptr(NorthMcpSession) session = north_mcp_session_new ("s", NULL);
  g_autoptr(JsonObject) capabilities = json_object_new ();
  g_autoptr(JsonObject) some = json_object_new ();
  JsonArray *empties = json_array_new ();
  JsonArray *few = json_array_new ();
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 5000; i++)
    json_array_add_array_element (empties, json_array_new ());
  json_object_set_array_member (capabilities, "experimental", empties);
  g_assert_false (north_mcp_session_set_client (session, capabilities, NULL, &error));
  g_assert_error (error, NORTH_MCP_JSONRPC_ERROR, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS);

  for (guint i = 0; i < 100; i++)
    json_array_add_array_element (few, json_array_new ());
  json_object_set_array_member (some, "experimental", few);
  g_assert_true (north_mcp_session_set_client (session, some, NULL, NULL));
}

/* Nesting is walked without recursion, and counts what it takes. */
static void
test_client_bound_deep (void)
{
  g_autoptr(NorthMcpSession) session = north_mcp_session_new ("s", NULL);
  g_autoptr(JsonObject) capabilities = json_object_new ();
  g_autoptr(JsonObject) shallow = json_object_new ();
  JsonArray *inner = json_array_new ();

  for (guint i = 0; i < 5000; i++)
    {
      JsonArray *outer = json_array_new ();

      json_array_add_array_element (outer, inner);
      inner = outer;
      if (i == 100)
        json_object_set_array_member (shallow, "deep", json_array_ref (inner));
    }
  json_object_set_array_member (capabilities, "deep", inner);
  g_assert_false (north_mcp_session_set_client (session, capabilities, NULL, NULL));
  g_assert_true (north_mcp_session_set_client (session, shallow, NULL, NULL));
}

/* resources/subscribe: what a client may make a session keep is bounded. */
static void
test_subscriptions_bound (void)
{
  g_autoptr(NorthMcpSession) session = north_mcp_session_new ("s", NULL);
  g_autofree char *long_uri = g_strnfill (NORTH_MCP_SESSION_MAX_SUBSCRIPTION_URI + 1, 'u');

  for (guint i = 0; i < NORTH_MCP_SESSION_MAX_SUBSCRIPTIONS; i++)
    {
      g_autofree char *uri = g_strdup_printf ("test://%u", i);

      g_assert_true (north_mcp_session_subscribe (session, uri, NULL));
    }
  /* Again: already watched, still fine. */
  g_assert_true (north_mcp_session_subscribe (session, "test://0", NULL));
  g_assert_false (north_mcp_session_subscribe (session, "test://one-more", NULL));
  g_assert_false (north_mcp_session_is_subscribed (session, "test://one-more"));

  g_assert_true (north_mcp_session_unsubscribe (session, "test://0"));
  g_assert_false (north_mcp_session_subscribe (session, long_uri, NULL));
  g_assert_true (north_mcp_session_subscribe (session, "test://one-more", NULL));
}

/* The URIs together are bounded too: the count and size limits alone let
 * a session keep 4 MiB. Sixteen URIs of 4 KiB fill the budget. */
static void
test_subscriptions_bytes_bound (void)
{
  g_autoptr(NorthMcpSession) session = north_mcp_session_new ("s", NULL);
  g_autoptr(GPtrArray) stored = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) kept = NULL;
  const guint fit = NORTH_MCP_SESSION_MAX_SUBSCRIPTION_BYTES / NORTH_MCP_SESSION_MAX_SUBSCRIPTION_URI;
  g_autofree char *one_more = NULL;
  g_autofree char *first = NULL;

  g_assert_cmpuint (NORTH_MCP_SESSION_MAX_SUBSCRIPTION_BYTES, ==, 65536);
  for (guint i = 0; i <= fit; i++)
    {
      char *uri = g_strnfill (NORTH_MCP_SESSION_MAX_SUBSCRIPTION_URI, 'a' + i);

      g_ptr_array_add (stored, uri);
      if (i < fit)
        g_assert_true (north_mcp_session_subscribe (session, uri, NULL));
    }
  one_more = g_strdup (g_ptr_array_index (stored, fit));
  first = g_strdup (g_ptr_array_index (stored, 0));
  g_assert_false (north_mcp_session_subscribe (session, one_more, NULL));
  g_assert_false (north_mcp_session_is_subscribed (session, one_more));
  /* Not even a short one: the budget is full. */
  g_assert_false (north_mcp_session_subscribe (session, "t", NULL));
  /* Already watched: still fine. */
  g_assert_true (north_mcp_session_subscribe (session, first, NULL));

  /* Unsubscribing gives its bytes back. */
  g_assert_true (north_mcp_session_unsubscribe (session, first));
  g_assert_true (north_mcp_session_subscribe (session, one_more, NULL));
  g_assert_false (north_mcp_session_subscribe (session, first, NULL));

  /* A copy from the state store keeps what fits, in its order, and says
   * how much did not (the caller tells the store). */
  g_assert_cmpuint (north_mcp_session_set_subscriptions (session, stored), ==, 1);
  kept = north_mcp_session_get_subscriptions (session);
  g_assert_cmpuint (kept->len, ==, fit);
  g_assert_true (north_mcp_session_is_subscribed (session, first));
  g_assert_false (north_mcp_session_is_subscribed (session, one_more));
  g_assert_false (north_mcp_session_subscribe (session, "t", NULL));
}

/* max-subscription-bytes: the URIs of all sessions count together, each
 * as twice its length (its copy, and the index by URI's) and
 * NORTH_MCP_KEPT_BUDGET_URI_COST; a session that ends,
 * or a URI unsubscribed, gives its share back. Sessions join the budget of
 * the manager that holds them. */
static void
test_subscriptions_bound_in_all (void)
{
  g_autoptr(NorthMcpServer) server = north_mcp_server_new ("t", "1");
  NorthMcpSessionManager *manager = north_mcp_server_get_session_manager (server);
  NorthMcpKeptBudget *kept = north_mcp_session_manager_get_kept_budget (manager);
  g_autoptr(NorthMcpSession) first = NULL;
  g_autoptr(NorthMcpSession) second = NULL;
  g_autoptr(GError) error = NULL;
  guint64 value = 0;
  /* Three URIs of 100 bytes fit, a fourth does not. */
  const guint64 limit = 3 * (2 * 100 + NORTH_MCP_KEPT_BUDGET_URI_COST) + 50;
  char uri[101];

  g_assert_cmpuint (north_mcp_server_get_max_subscription_bytes (server), ==, 128 * 1024 * 1024);
  g_object_set (server, "max-subscription-bytes", limit, NULL);
  g_object_get (server, "max-subscription-bytes", &value, NULL);
  g_assert_cmpuint (value, ==, limit);

  /* The manager's references, and ours: a closed session lives on until
   * its last reference goes. */
  first = g_object_ref (north_mcp_session_manager_open (manager, NULL, NULL, &error));
  g_assert_no_error (error);
  second = g_object_ref (north_mcp_session_manager_open (manager, NULL, NULL, &error));
  g_assert_no_error (error);

  memset (uri, 'a', 100);
  uri[100] = '\0';
  g_assert_true (north_mcp_session_subscribe (first, uri, NULL));
  uri[0] = 'b';
  g_assert_true (north_mcp_session_subscribe (first, uri, NULL));
  uri[0] = 'c';
  g_assert_true (north_mcp_session_subscribe (second, uri, NULL));
  g_assert_cmpuint (north_mcp_kept_budget_get_used (kept), ==, 3 * (2 * 100 + NORTH_MCP_KEPT_BUDGET_URI_COST));

  /* Well within its own session's limits, past what all may keep. */
  uri[0] = 'd';
  g_assert_false (north_mcp_session_subscribe (second, uri, &error));
  g_assert_error (error, NORTH_MCP_JSONRPC_ERROR, NORTH_MCP_JSONRPC_ERROR_INTERNAL_ERROR);
  g_assert_nonnull (strstr (error->message, "max-subscription-bytes"));
  g_clear_error (&error);
  g_assert_false (north_mcp_session_is_subscribed (second, uri));

  /* Room comes back: unsubscribing... */
  uri[0] = 'a';
  g_assert_true (north_mcp_session_unsubscribe (first, uri));
  uri[0] = 'd';
  g_assert_true (north_mcp_session_subscribe (second, uri, NULL));
  g_assert_false (north_mcp_session_subscribe (first, "x", NULL));

  /* ... and a session that ends. */
  north_mcp_session_manager_close (manager, first);
  g_clear_object (&first);
  g_assert_cmpuint (north_mcp_kept_budget_get_used (kept), ==, 2 * (2 * 100 + NORTH_MCP_KEPT_BUDGET_URI_COST));
  g_assert_true (north_mcp_session_subscribe (second, "x", NULL));

  /* 0: no limit. */
  north_mcp_server_set_max_subscription_bytes (server, 0);
  for (guint i = 0; i < 100; i++)
    {
      g_autofree char *more = g_strdup_printf ("test://%u", i);

      g_assert_true (north_mcp_session_subscribe (second, more, NULL));
    }
  north_mcp_session_manager_close (manager, second);
  g_clear_object (&second);
  g_assert_cmpuint (north_mcp_kept_budget_get_used (kept), ==, 0);
}

/* One identity's resource subscriptions, all its sessions together,
 * take at most its share of max-subscription-bytes (a quarter): one user
 * who subscribes until refused leaves room for every other user. Before,
 * one user's sessions could fill the whole budget. */
static void
test_subscriptions_share (void)
{
  g_autoptr(NorthMcpServer) server = north_mcp_server_new ("t", "1");
  NorthMcpSessionManager *manager = north_mcp_server_get_session_manager (server);
  g_autoptr(NorthMcpUser) alice = user_new ("https://idp", "alice", NULL);
  g_autoptr(NorthMcpUser) bob = user_new ("https://idp", "bob", NULL);
  g_autoptr(GError) error = NULL;
  NorthMcpSession *sessions[2], *other;
  guint subscribed = 0;
  char uri[101];

  /* Room for eight URIs of 100 bytes, two of them for one user. */
  north_mcp_server_set_max_subscription_bytes (server, 8 * (2 * 100 + NORTH_MCP_KEPT_BUDGET_URI_COST));
  sessions[0] = north_mcp_session_manager_open (manager, NULL, alice, NULL);
  sessions[1] = north_mcp_session_manager_open (manager, NULL, alice, NULL);
  memset (uri, 'a', 100);
  uri[100] = '\0';
  while (north_mcp_session_subscribe (sessions[subscribed % 2], uri, &error))
    {
      subscribed++;
      uri[0]++;
    }
  g_assert_cmpuint (subscribed, ==, 2);
  g_assert_error (error, NORTH_MCP_JSONRPC_ERROR, NORTH_MCP_JSONRPC_ERROR_INTERNAL_ERROR);
  g_assert_nonnull (strstr (error->message, "one client"));
  g_assert_nonnull (strstr (error->message, "max-subscription-bytes"));
  g_clear_error (&error);

  /* Another user still subscribes, and so does the first once it gave
   * some back. */
  other = north_mcp_session_manager_open (manager, NULL, bob, NULL);
  g_assert_true (north_mcp_session_subscribe (other, uri, &error));
  g_assert_no_error (error);
  north_mcp_session_manager_close (manager, sessions[0]);
  g_assert_true (north_mcp_session_subscribe (sessions[1], uri, &error));
  g_assert_no_error (error);
}

/* Sets the guint property @name through GObject and reads it back. */
static void
set_limit (NorthMcpServer *server,
           const char     *name,
           guint           limit)
{
  guint value = 0;

  g_object_set (server, name, limit, NULL);
  g_object_get (server, name, &value, NULL);
  g_assert_cmpuint (value, ==, limit);
}

static void
test_max_sessions (void)
{
  g_autoptr(NorthMcpServer) server = north_mcp_server_new ("s", "1");
  g_autoptr(NorthMcpUser) alice = user_new ("https://idp", "alice", NULL);
  NorthMcpSession *first, *second;

  g_assert_cmpuint (north_mcp_server_get_max_sessions (server), ==, 10000);
  set_limit (server, "max-sessions", 2);

  first = north_mcp_server_open_session (server, NULL, alice, NULL);
  g_assert_false (north_mcp_server_sessions_full (server));
  second = north_mcp_server_open_session (server, NULL, NULL, NULL);
  g_assert_true (north_mcp_server_sessions_full (server));
  g_assert_cmpstr (north_mcp_session_get_id (first), !=, north_mcp_session_get_id (second));

  /* Found by its id only for its owner. */
  g_assert_true (north_mcp_server_find_session (server, north_mcp_session_get_id (first), alice) == first);
  g_assert_null (north_mcp_server_find_session (server, north_mcp_session_get_id (first), NULL));
  g_assert_true (north_mcp_server_find_session (server, north_mcp_session_get_id (second), NULL) == second);
  g_assert_null (north_mcp_server_find_session (server, north_mcp_session_get_id (second), alice));
  g_assert_null (north_mcp_server_find_session (server, "unknown", NULL));

  north_mcp_server_close_session (server, first);
  g_assert_false (north_mcp_server_sessions_full (server));
  north_mcp_server_set_max_sessions (server, 0);
  g_assert_false (north_mcp_server_sessions_full (server));
}

/* max-sessions-per-identity: who is full, and which session would make
 * room (the least recently active one). The HTTP side (ending it, 429 when
 * all are busy) is in tests/hostile/test_sessions.py. */
static void
test_max_sessions_per_identity (void)
{
  g_autoptr(NorthMcpServer) server = north_mcp_server_new ("s", "1");
  g_autoptr(NorthMcpUser) alice = user_new ("https://idp", "alice", NULL);
  g_autoptr(NorthMcpUser) alice_again = user_new ("https://idp", "alice", "new@example.com");
  g_autoptr(NorthMcpUser) bob = user_new ("https://idp", "bob", NULL);
  NorthMcpSessionManager *manager = north_mcp_server_get_session_manager (server);
  NorthMcpSession *first, *second, *idle = NULL;

  g_assert_cmpuint (north_mcp_server_get_max_sessions_per_identity (server), ==, 100);
  set_limit (server, "max-sessions-per-identity", 2);

  first = north_mcp_server_open_session (server, NULL, alice, NULL);
  g_assert_false (north_mcp_session_manager_owner_is_full (manager, alice, &idle));
  second = north_mcp_server_open_session (server, NULL, alice_again, NULL);
  north_mcp_server_open_session (server, NULL, bob, NULL);
  for (guint i = 0; i < 3; i++)
    north_mcp_server_open_session (server, NULL, NULL, NULL);
  north_mcp_session_set_last_activity (first, 2000);
  north_mcp_session_set_last_activity (second, 1000);

  g_assert_true (north_mcp_session_manager_owner_is_full (manager, alice, &idle));
  g_assert_true (idle == second);
  g_clear_object (&idle);
  g_assert_false (north_mcp_session_manager_owner_is_full (manager, bob, &idle));
  g_assert_null (idle);
  /* Anonymous clients share one identity: not counted here. */
  g_assert_false (north_mcp_session_manager_owner_is_full (manager, NULL, &idle));

  /* Closing one gives its place back; the last one's owner is forgotten. */
  north_mcp_server_close_session (server, second);
  g_assert_false (north_mcp_session_manager_owner_is_full (manager, alice, &idle));
  north_mcp_server_close_session (server, first);
  first = north_mcp_server_open_session (server, NULL, alice, NULL);
  second = north_mcp_server_open_session (server, NULL, alice, NULL);
  g_assert_true (north_mcp_session_manager_owner_is_full (manager, alice, &idle));
  g_clear_object (&idle);
  north_mcp_server_set_max_sessions_per_identity (server, 0);
  g_assert_false (north_mcp_session_manager_owner_is_full (manager, alice, &idle));
}

static void
record_cb (NorthMcpServer  *server,
           NorthMcpSession *session,
           gpointer         user_data)
{
  GPtrArray *seen = user_data;

  g_assert_true (NORTH_MCP_IS_SERVER (server));
  g_ptr_array_add (seen, g_strdup (north_mcp_session_get_id (session)));
}

/* session-opened and session-closed announce each session once: closed by
 * the client, by idle expiry, and by stopping the server. */
static void
test_signals (void)
{
  g_autoptr(NorthMcpServer) server = north_mcp_server_new ("s", "1");
  g_autoptr(GPtrArray) opened = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) closed = g_ptr_array_new_with_free_func (g_free);
  NorthMcpSession *first, *second, *third;
  g_autofree char *third_id = NULL;

  g_signal_connect (server, "session-opened", G_CALLBACK (record_cb), opened);
  g_signal_connect (server, "session-closed", G_CALLBACK (record_cb), closed);

  first = north_mcp_server_open_session (server, NULL, NULL, NULL);
  second = north_mcp_server_open_session (server, NULL, NULL, NULL);
  third = north_mcp_server_open_session (server, NULL, NULL, NULL);
  third_id = g_strdup (north_mcp_session_get_id (third));
  g_assert_cmpuint (opened->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (opened, 0), ==, north_mcp_session_get_id (first));
  g_assert_cmpstr (g_ptr_array_index (opened, 2), ==, third_id);
  g_assert_cmpuint (closed->len, ==, 0);

  north_mcp_server_close_session (server, first);
  g_assert_cmpuint (closed->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (closed, 0), ==, g_ptr_array_index (opened, 0));

  /* Idle for longer than the timeout. */
  north_mcp_server_set_session_timeout (server, 1);
  north_mcp_session_set_last_activity (second, 0);
  north_mcp_session_set_last_activity (third, 10 * G_USEC_PER_SEC);
  g_assert_cmpuint (north_mcp_server_expire_idle_sessions (server, 5 * G_USEC_PER_SEC), ==, 1);
  g_assert_cmpuint (closed->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (closed, 1), ==, g_ptr_array_index (opened, 1));

  north_mcp_server_stop (server);
  g_assert_cmpuint (closed->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (closed, 2), ==, third_id);
  g_assert_null (north_mcp_server_lookup_session (server, third_id));
  g_assert_cmpuint (opened->len, ==, 3);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/session/random-ids", test_random_ids);
  g_test_add_func ("/session/owner", test_owner);
  g_test_add_func ("/session/owner-key", test_owner_key);
  g_test_add_func ("/session/client-bound", test_client_bound);
  g_test_add_func ("/session/client-bound-values", test_client_bound_values);
  g_test_add_func ("/session/client-bound-deep", test_client_bound_deep);
  g_test_add_func ("/session/max-sessions", test_max_sessions);
  g_test_add_func ("/session/max-sessions-per-identity", test_max_sessions_per_identity);
  g_test_add_func ("/session/subscriptions-bound", test_subscriptions_bound);
  g_test_add_func ("/session/subscriptions-bytes-bound", test_subscriptions_bytes_bound);
  g_test_add_func ("/session/subscriptions-bound-in-all", test_subscriptions_bound_in_all);
  g_test_add_func ("/session/subscriptions-share", test_subscriptions_share);
  g_test_add_func ("/session/signals", test_signals);

  return g_test_run ();
}
