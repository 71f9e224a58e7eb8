/* test-auth.c: the decision table of the North auth contract (section 4)
 *
 * SPDX-License-Identifier: MIT
 */
#include "auth-test-util.h"
#include "north-mcp-log-throttle-private.h"

#define EMAIL_TOKEN_CLAIMS "{\"email\": \"user@example.com\", \"sub\": \"u1\"}"

static gboolean
string_tables_equal (GHashTable *a,
                     GHashTable *b)
{
  GHashTableIter iter;
  gpointer key, value;

  if (g_hash_table_size (a) != g_hash_table_size (b))
    return FALSE;
  g_hash_table_iter_init (&iter, a);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (g_strcmp0 (value, g_hash_table_lookup (b, key)) != 0)
      return FALSE;
  return TRUE;
}

static void
assert_same_user (NorthMcpUser *a,
                  NorthMcpUser *b)
{
  g_assert_true ((a == NULL) == (b == NULL));
  if (a == NULL)
    return;
  g_assert_cmpstr (north_mcp_user_get_email (a), ==, north_mcp_user_get_email (b));
  g_assert_cmpstr (north_mcp_user_get_id_token (a), ==, north_mcp_user_get_id_token (b));
  g_assert_true ((north_mcp_user_get_claims (a) == NULL) == (north_mcp_user_get_claims (b) == NULL));
  g_assert_true (string_tables_equal (north_mcp_user_get_connector_access_tokens (a),
                                      north_mcp_user_get_connector_access_tokens (b)));
  g_assert_true (string_tables_equal (north_mcp_user_get_context (a),
                                      north_mcp_user_get_context (b)));
}

/* The fast path, decided without the network. */
static NorthMcpUser *
authenticate_fast (NorthMcpAuth        *auth,
                   SoupMessageHeaders  *headers,
                   GError             **error)
{
  NorthMcpUser *user = NULL;

  g_assert_true (north_mcp_auth_authenticate_cached (auth, headers, NULL, &user, error));
  return user;
}

/* Runs the fast path twice (the second time from the decision cache when
 * debug is off) and the async path, and checks they all agree. */
static NorthMcpUser *
authenticate (NorthMcpAuth        *auth,
              SoupMessageHeaders  *headers,
              GError             **error)
{
  g_autoptr(NorthMcpUser) fast_user = NULL;
  g_autoptr(GError) fast_error = NULL;
  g_autoptr(NorthMcpUser) again_user = NULL;
  g_autoptr(GError) again_error = NULL;
  AuthResult result = { 0 };

  fast_user = authenticate_fast (auth, headers, &fast_error);
  again_user = authenticate_fast (auth, headers, &again_error);
  assert_same_user (fast_user, again_user);
  g_assert_true ((fast_error == NULL) == (again_error == NULL));
  if (fast_error != NULL)
    {
      g_assert_cmpint (again_error->code, ==, fast_error->code);
      g_assert_cmpstr (again_error->message, ==, fast_error->message);
    }

  start_authenticate (auth, headers, &result);
  wait_for (&result);

  if (fast_error != NULL)
    {
      g_assert_nonnull (result.error);
      g_assert_cmpint (result.error->code, ==, fast_error->code);
      g_assert_cmpstr (result.error->message, ==, fast_error->message);
      g_assert_null (fast_user);
    }
  else
    {
      g_assert_no_error (result.error);
      assert_same_user (fast_user, result.user);
    }

  if (result.error != NULL)
    g_propagate_error (error, g_steal_pointer (&result.error));
  return g_steal_pointer (&result.user);
}

static void
assert_rejected (NorthMcpAuth       *auth,
                 SoupMessageHeaders *headers,
                 NorthMcpAuthError   code,
                 const char         *message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NorthMcpUser) user = authenticate (auth, headers, &error);

  g_assert_null (user);
  g_assert_error (error, NORTH_MCP_AUTH_ERROR, (gint) code);
  g_assert_cmpstr (error->message, ==, message);
}

static NorthMcpUser *
assert_accepted (NorthMcpAuth       *auth,
                 SoupMessageHeaders *headers)
{
  g_autoptr(GError) error = NULL;
  NorthMcpUser *user = authenticate (auth, headers, &error);

  g_assert_no_error (error);
  g_assert_nonnull (user);
  return user;
}

static SoupMessageHeaders *
new_headers (void)
{
  return soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
}

static char *
b64 (const char *text)
{
  return g_base64_encode ((const guchar *) text, strlen (text));
}

static char *
b64url (const char *text)
{
  char *encoded = b64 (text);

  g_strdelimit (encoded, "+", '-');
  g_strdelimit (encoded, "/", '_');
  if (strchr (encoded, '=') != NULL)
    *strchr (encoded, '=') = '\0';
  return encoded;
}

/* Authorization: Bearer <base64 of @json>. */
static void
set_bundle (SoupMessageHeaders *headers,
            const char         *json)
{
  g_autofree char *encoded = b64 (json);
  g_autofree char *value = g_strconcat ("Bearer ", encoded, NULL);

  soup_message_headers_replace (headers, "Authorization", value);
}

static void
set_bundle_full (SoupMessageHeaders *headers,
                 const char         *secret,
                 const char         *id_token,
                 const char         *connectors_json,
                 const char         *email)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *json = NULL;

  json_builder_begin_object (builder);
  if (secret != NULL)
    json_builder_set_member_name (builder, "server_secret"), json_builder_add_string_value (builder, secret);
  if (id_token != NULL)
    json_builder_set_member_name (builder, "user_id_token"), json_builder_add_string_value (builder, id_token);
  if (email != NULL)
    json_builder_set_member_name (builder, "user_email"), json_builder_add_string_value (builder, email);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json = json_to_string (root, FALSE);
  if (connectors_json != NULL)
    {
      /* Splice the raw connector JSON in, to test odd values. */
      g_autofree char *head = g_strndup (json, strlen (json) - 1);
      g_free (json);
      json = g_strdup_printf ("%s%s\"connector_access_tokens\": %s}", head,
                              strlen (head) > 1 ? ", " : "", connectors_json);
    }
  set_bundle (headers, json);
}

/* Rule 1. */
static void
test_open_no_headers (void)
{
  g_autoptr(NorthMcpAuth) auth = north_mcp_auth_new ();
  g_autoptr(SoupMessageHeaders) headers = new_headers ();
  g_autoptr(GError) error = NULL;
  g_autoptr(NorthMcpUser) user = NULL;

  soup_message_headers_append (headers, "Content-Type", "application/json");
  soup_message_headers_append (headers, "X-North-Context-Tenant", "t1");
  soup_message_headers_append (headers, "X-North-User-Email", "who@example.com");
  g_assert_false (north_mcp_auth_is_enforced (auth));
  user = authenticate (auth, headers, &error);
  g_assert_no_error (error);
  g_assert_null (user);
}

static void
test_open_whitespace_headers (void)
{
  g_autoptr(NorthMcpAuth) auth = north_mcp_auth_new ();
  g_autoptr(SoupMessageHeaders) headers = new_headers ();
  g_autoptr(GError) error = NULL;
  g_autoptr(NorthMcpUser) user = NULL;

  soup_message_headers_append (headers, "Authorization", "   ");
  soup_message_headers_append (headers, "X-North-ID-Token", " \t ");
  soup_message_headers_append (headers, "X-North-Server-Secret", "");
  soup_message_headers_append (headers, "X-North-Connector-Tokens", "  ");
  user = authenticate (auth, headers, &error);
  g_assert_no_error (error);
  g_assert_null (user);
}

/* Rule 2, for each way of enforcing auth. */
static void
test_enforced_no_credentials (void)
{
  const char * const issuers[] = { "https://issuer.example.com", NULL };

  for (guint mode = 0; mode < 3; mode++)
    {
      g_autoptr(NorthMcpAuth) auth = north_mcp_auth_new ();
      g_autoptr(SoupMessageHeaders) headers = new_headers ();

      if (mode == 0)
        north_mcp_auth_set_server_secret (auth, "s3cret");
      else if (mode == 1)
        north_mcp_auth_set_trusted_issuers (auth, issuers);
      else
        north_mcp_auth_set_require_auth (auth, TRUE);
      g_assert_true (north_mcp_auth_is_enforced (auth));

      assert_rejected (auth, headers, NORTH_MCP_AUTH_ERROR_NO_CREDENTIALS,
                       "no authentication headers present");

      /* Blank headers, e-mail and context are not credentials. */
      soup_message_headers_append (headers, "Authorization", " ");
      soup_message_headers_append (headers, "X-North-ID-Token", "  ");
      soup_message_headers_append (headers, "X-North-Server-Secret", "\t");
      soup_message_headers_append (headers, "X-North-User-Email", "who@example.com");
      soup_message_headers_append (headers, "X-North-Context-Tenant", "t1");
      assert_rejected (auth, headers, NORTH_MCP_AUTH_ERROR_NO_CREDENTIALS,
                       "no authentication headers present");
    }
}

static void
test_require_auth_accepts_credentials (void)
{
  g_autoptr(NorthMcpAuth) auth = north_mcp_auth_new ();
  g_autoptr(SoupMessageHeaders) headers = new_headers ();
  g_autoptr(NorthMcpUser) user = NULL;
  g_autofree char *token = make_hs256 (EMAIL_TOKEN_CLAIMS);

  north_mcp_auth_set_require_auth (auth, TRUE);
  soup_message_headers_append (headers, "X-North-ID-Token", token);
  user = assert_accepted (auth, headers);
  g_assert_cmpstr (north_mcp_user_get_email (user), ==, "user@example.com");
  g_assert_cmpstr (north_mcp_user_get_id_token (user), ==, token);
}

/* Rule 3: base64 and UTF-8. */
static void
test_bundle_invalid_base64 (void)
{
  const char * const values[] = {
    "Bearer eyJ!!!!=",
    "Bearer eyJzZXJ2ZXJfc2VjcmV0IjogInMifQ",     /* padding missing */
    "Bearer eyJzZXJ2ZXJfc2VjcmV0IjogInMif Q==",  /* space inside */
    "Bearer eyJzZXJ2ZXJfc2VjcmV0IjogInMifQ==.",
    "Bearer eyJzZXJ2ZXJfc2VjcmV0IjogInMifQ=_",
    "Bearer",
    "Basic dXNlcjpwYXNz",
  };

  for (guint open = 0; open < 2; open++)
    for (guint i = 0; i < G_N_ELEMENTS (values); i++)
      {
        g_autoptr(NorthMcpAuth) auth = north_mcp_auth_new ();
        g_autoptr(SoupMessageHeaders) headers = new_headers ();

        if (!open)
          north_mcp_auth_set_require_auth (auth, TRUE);
        soup_message_headers_append (headers, "Authorization", values[i]);
        assert_rejected (auth, headers, NORTH_MCP_AUTH_ERROR_INVALID_AUTHORIZATION_HEADER,
                         "invalid authorization header");
      }
}

static void
test_bundle_not_utf8 (void)
{
  g_autoptr(NorthMcpAuth) auth = north_mcp_auth_new ();
  g_autoptr(SoupMessageHeaders) headers = new_headers ();
  static const guchar latin1[] = "{\"user_email\": \"j\xf6rg@example.com\"}";
  g_autofree char *encoded = g_base64_encode (latin1, sizeof latin1 - 1);
  g_autofree char *value = g_strconcat ("Bearer ", encoded, NULL);

  soup_message_headers_append (headers, "Authorization", value);
  assert_rejected (auth, headers, NORTH_MCP_AUTH_ERROR_INVALID_AUTHORIZATION_HEADER,
                   "invalid authorization header");
}

/* Rule 3: JSON. */
static void
test_bundle_invalid_json (void)
{
  const char * const bundles[] = {
    "not json",
    "",
    "[1, 2]",
    "\"a string\"",
    "42",
    "null",
    "{\"server_secret\": 1}",
    "{\"server_secret\": {}}",
    "{\"user_id_token\": true}",
    "{\"user_email\": 5}",
    "{\"user_email\": [\"a@b\"]}",
    "{\"connector_access_tokens\": []}",
    "{\"connector_access_tokens\": \"google\"}",
    "{\"connector_access_tokens\": null}",
    "{\"connector_access_tokens\": {\"google\": 1}}",
    "{\"connector_access_tokens\": {\"google\": \"a\", \"slack\": null}}",
    "{\"connector_access_tokens\": {\"google\": {\"token\": \"a\"}}}",
    "{\"server_secret\": \"s\",",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bundles); i++)
    {
      g_autoptr(NorthMcpAuth) auth = north_mcp_auth_new ();
      g_autoptr(SoupMessageHeaders) headers = new_headers ();

      set_bundle (headers, bundles[i]);
      if (*bundles[i] == '\0')
        /* An empty bundle encodes to an empty header value: no credentials. */
        continue;
      assert_rejected (auth, headers, NORTH_MCP_AUTH_ERROR_INVALID_BEARER_TOKEN,
                       "unable to decode bearer token");
    }
}

static void
test_bundle_minimal (void)
{
  g_autoptr(NorthMcpAuth) auth = north_mcp_auth_new ();
  g_autoptr(SoupMessageHeaders) headers = new_headers ();
  g_autoptr(NorthMcpUser) user = NULL;

  north_mcp_auth_set_require_auth (auth, TRUE);
  set_bundle (headers, "{}");
  user = assert_accepted (auth, headers);
  g_assert_null (north_mcp_user_get_email (user));
  g_assert_null (north_mcp_user_get_id_token (user));
  g_assert_null (north_mcp_user_get_claims (user));
  g_assert_cmpuint (g_hash_table_size (north_mcp_user_get_connector_access_tokens (user)), ==, 0);
}

static void
test_bundle_nulls_and_extra_members (void)
{
  g_autoptr(NorthMcpAuth) auth = north_mcp_auth_new ();
  g_autoptr(SoupMessageHeaders) headers = new_headers ();
  g_autoptr(NorthMcpUser) user = NULL;

  set_bundle (headers, "{\"server_secret\": null, \"user_id_token\": null, \"user_email\": null,"
                       " \"connector_access_tokens\": {}, \"something_else\": [1]}");
  user = assert_accepted (auth, headers);
  g_assert_null (north_mcp_user_get_email (user));
  g_assert_null (north_mcp_user_get_id_token (user));
}

/* The scheme is optional and case-insensitive. */
static void
test_bundle_bearer_prefix (void)
{
  g_autofree char *encoded = b64 ("{\"user_email\": \"a@example.com\"}");
  const char * const formats[] = { "Bearer %s", "%s", "bearer %s", "BEARER   %s" };

  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_autoptr(NorthMcpAuth) auth = north_mcp_auth_new ();
      g_autoptr(SoupMessageHeaders) headers = new_headers ();
      g_autoptr(NorthMcpUser) user = NULL;
      g_autofree char *value = g_strdup_printf (formats[i], encoded);

      soup_message_headers_append (headers, "Authorization", value);
      user = assert_accepted (auth, headers);
      g_assert_cmpstr (north_mcp_user_get_email (user), ==, "a@example.com");
    }
}

/* Rule 4 with the bundle. */
static void
test_secret_bundle (void)
{
  g_autoptr(NorthMcpAuth) auth = north_mcp_auth_new ();
  g_autoptr(SoupMessageHeaders) headers = new_headers ();
  g_autoptr(NorthMcpUser) user = NULL;

  north_mcp_auth_set_server_secret (auth, "s3cret");
  g_assert_true (north_mcp_auth_has_server_secret (auth));

  set_bundle_full (headers, "s3cret", NULL, NULL, NULL);
  user = assert_accepted (auth, headers);

  set_bundle_full (headers, "wrong", NULL, NULL, NULL);
  assert_rejected (auth, headers, NORTH_MCP_AUTH_ERROR_ACCESS_DENIED, "access denied");
  set_bundle_full (headers, "s3cret-and-more", NULL, NULL, NULL);
  assert_rejected (auth, headers, NORTH_MCP_AUTH_ERROR_ACCESS_DENIED, "access denied");
  set_bundle_full (headers, "s3cre", NULL, NULL, NULL);
  assert_rejected (auth, headers, NORTH_MCP_AUTH_ERROR_ACCESS_DENIED, "access denied");
  set_bundle_full (headers, "", NULL, NULL, NULL);
  assert_rejected (auth, headers, NORTH_MCP_AUTH_ERROR_ACCESS_DENIED, "access denied");
  set_bundle (headers, "{\"user_email\": \"a@example.com\"}");
  assert_rejected (auth, headers, NORTH_MCP_AUTH_ERROR_ACCESS_DENIED, "access denied");
  set_bundle (headers, "{\"server_secret\": null}");
  assert_rejected (auth, headers, NORTH_MCP_AUTH_ERROR_ACCESS_DENIED, "access denied");
}

/* Rule 4 with X-North-Server-Secret. */
static void
test_secret_x_north (void)
{
  g_autoptr(NorthMcpAuth) auth = north_mcp_auth_new ();
  g_autoptr(SoupMessageHeaders) headers = new_headers ();
  g_autoptr(NorthMcpUser) user = NULL;

  g_object_set (auth, "server-secret", "s3cret", NULL);
  soup_message_headers_replace (headers, "X-North-Server-Secret", "s3cret");
  user = assert_accepted (auth, headers);

  soup_message_headers_replace (headers, "X-North-Server-Secret", "S3CRET");
  assert_rejected (auth, headers, NORTH_MCP_AUTH_ERROR_ACCESS_DENIED, "access denied");

  /* X-North without a secret. */
  soup_message_headers_remove (headers, "X-North-Server-Secret");
  soup_message_headers_replace (headers, "X-North-Connector-Tokens", "e30");
  assert_rejected (auth, headers, NORTH_MCP_AUTH_ERROR_ACCESS_DENIED, "access denied");

  /* A bundle with the right secret does not count when X-North is used. */
  set_bundle_full (headers, "s3cret", NULL, NULL, NULL);
  assert_rejected (auth, headers, NORTH_MCP_AUTH_ERROR_ACCESS_DENIED, "access denied");
}

/* Rule 4, decision: a secret sent to a server without one is ignored. */
static void
test_secret_not_configured (void)
{
  g_autoptr(NorthMcpAuth) auth = north_mcp_auth_new ();
  g_autoptr(SoupMessageHeaders) headers = new_headers ();
  g_autoptr(NorthMcpUser) user = NULL;
  g_autoptr(NorthMcpUser) user2 = NULL;

  set_bundle_full (headers, "anything", NULL, NULL, "a@example.com");
  user = assert_accepted (auth, headers);
  g_assert_cmpstr (north_mcp_user_get_email (user), ==, "a@example.com");

  soup_message_headers_remove (headers, "Authorization");
  soup_message_headers_append (headers, "X-North-Server-Secret", "anything");
  user2 = assert_accepted (auth, headers);
  g_assert_null (north_mcp_user_get_email (user2));
}

/* Rule 5: malformed ID tokens, in both encodings and modes. */
static void
test_invalid_id_token (void)
{
  g_autofree char *not_json = make_raw_jwt ("{\"alg\": \"HS256\"}", "not json", "c2ln");
  g_autofree char *array = make_raw_jwt ("{\"alg\": \"HS256\"}", "[1]", "c2ln");
  g_autofree char *header_array = make_raw_jwt ("[\"HS256\"]", "{\"email\": \"a@b\"}", "c2ln");
  g_autofree char *header_bad = make_raw_jwt ("alg", "{\"email\": \"a@b\"}", "c2ln");
  g_autofree char *good = make_hs256 (EMAIL_TOKEN_CLAIMS);
  g_autofree char *four = g_strconcat (good, ".e30", NULL);
  g_autofree char *bad_signature = g_strconcat (good, "*", NULL);
  const char * const tokens[] = {
    "abc", "a.b", "a.b.c.d", "...", "e30.e30", "!!!.e30.c2ln", "e30.!!!.c2ln",
    not_json, array, header_array, header_bad, four, bad_signature,
  };

  for (guint encoding = 0; encoding < 2; encoding++)
    for (guint enforced = 0; enforced < 2; enforced++)
      for (guint i = 0; i < G_N_ELEMENTS (tokens); i++)
        {
          g_autoptr(NorthMcpAuth) auth = north_mcp_auth_new ();
          g_autoptr(SoupMessageHeaders) headers = new_headers ();

          if (enforced)
            north_mcp_auth_set_server_secret (auth, "s3cret");
          if (encoding == 0)
            {
              soup_message_headers_append (headers, "X-North-ID-Token", tokens[i]);
              soup_message_headers_append (headers, "X-North-Server-Secret", "s3cret");
            }
          else
            set_bundle_full (headers, "s3cret", tokens[i], NULL, NULL);
          assert_rejected (auth, headers, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN,
                           "invalid user id token");
        }
}

/* Rule 5: without trusted issuers the signature is not checked. */
static void
test_id_token_unverified (void)
{
  g_autoptr(NorthMcpAuth) auth = north_mcp_auth_new ();
  g_autoptr(SoupMessageHeaders) headers = new_headers ();
  g_autoptr(NorthMcpUser) user = NULL;
  g_autoptr(NorthMcpUser) user2 = NULL;
  g_autofree char *other_key = make_jwt (JWT_ALG_HS256, "another key", 11, NULL,
                                         "{\"email\": \"x@example.com\", \"exp\": 1000}");
  g_autofree char *none = make_raw_jwt ("{\"alg\": \"none\"}", "{\"email\": \"n@example.com\"}", "");
  JsonObject *claims;

  soup_message_headers_append (headers, "X-North-ID-Token", other_key);
  user = assert_accepted (auth, headers);
  g_assert_cmpstr (north_mcp_user_get_email (user), ==, "x@example.com");
  claims = north_mcp_user_get_claims (user);
  g_assert_nonnull (claims);
  g_assert_cmpint (json_object_get_int_member (claims, "exp"), ==, 1000);

  soup_message_headers_replace (headers, "X-North-ID-Token", none);
  user2 = assert_accepted (auth, headers);
  g_assert_cmpstr (north_mcp_user_get_email (user2), ==, "n@example.com");
}

/* Rule 6. */
static void
test_trusted_issuers_need_id_token (void)
{
  const char * const issuers[] = { "https://issuer.example.com", NULL };
  g_autoptr(NorthMcpAuth) auth = north_mcp_auth_new ();
  g_autoptr(SoupMessageHeaders) headers = new_headers ();

  north_mcp_auth_set_server_secret (auth, "s3cret");
  north_mcp_auth_set_trusted_issuers (auth, issuers);

  soup_message_headers_append (headers, "X-North-Server-Secret", "s3cret");
  assert_rejected (auth, headers, NORTH_MCP_AUTH_ERROR_NO_CREDENTIALS,
                   "no authentication headers present");

  soup_message_headers_remove (headers, "X-North-Server-Secret");
  set_bundle_full (headers, "s3cret", NULL, "{\"google\": \"abc\"}", "a@example.com");
  assert_rejected (auth, headers, NORTH_MCP_AUTH_ERROR_NO_CREDENTIALS,
                   "no authentication headers present");

  /* The secret is still checked first. */
  set_bundle_full (headers, "wrong", NULL, NULL, NULL);
  assert_rejected (auth, headers, NORTH_MCP_AUTH_ERROR_ACCESS_DENIED, "access denied");
}

/* Rule 7: X-North-Connector-Tokens is lenient. */
static void
test_connector_header (void)
{
  struct {
    const char *value;   /* NULL: base64url of json */
    const char *json;
    guint       count;
  } cases[] = {
    { NULL, "{\"google\": \"g\", \"slack\": \"s\"}", 2 },
    { NULL, "{\"google\": \"g\", \"n\": 1, \"o\": {}, \"l\": [\"x\"], \"z\": null, \"b\": true}", 1 },
    { NULL, "[\"google\"]", 0 },
    { NULL, "\"google\"", 0 },
    { NULL, "not json", 0 },
    { NULL, "{\"google\": ", 0 },
    { "e30", NULL, 0 },
    { "!!!not-base64!!!", NULL, 0 },
    { "eyJnb29nbGUiOiAiZyJ9", NULL, 1 },       /* {"google": "g"}, no padding */
    { "eyJnb29nbGUiOiAiZyJ9====", NULL, 0 },   /* wrong padding */
    { "/w", NULL, 0 },                         /* standard alphabet, not url */
    { "_w", NULL, 0 },                         /* 0xff: not UTF-8 */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(NorthMcpAuth) auth = north_mcp_auth_new ();
      g_autoptr(SoupMessageHeaders) headers = new_headers ();
      g_autoptr(NorthMcpUser) user = NULL;
      g_autofree char *encoded = cases[i].value == NULL ? b64url (cases[i].json) : NULL;
      GHashTable *tokens;

      north_mcp_auth_set_server_secret (auth, "s3cret");
      north_mcp_auth_set_debug (auth, FALSE);
      soup_message_headers_append (headers, "X-North-Server-Secret", "s3cret");
      soup_message_headers_append (headers, "X-North-Connector-Tokens",
                                   cases[i].value != NULL ? cases[i].value : encoded);
      user = assert_accepted (auth, headers);
      tokens = north_mcp_user_get_connector_access_tokens (user);
      g_assert_cmpuint (g_hash_table_size (tokens), ==, cases[i].count);
      if (cases[i].count > 0)
        g_assert_cmpstr (north_mcp_user_get_connector_access_token (user, "google"), ==, "g");
    }
}

/* The X-North-Connector-Tokens header alone is an X-North credential. */
static void
test_connector_header_alone (void)
{
  g_autoptr(NorthMcpAuth) auth = north_mcp_auth_new ();
  g_autoptr(SoupMessageHeaders) headers = new_headers ();
  g_autoptr(NorthMcpUser) user = NULL;
  g_autofree char *encoded = b64url ("{\"slack\": \"xoxb\"}");

  north_mcp_auth_set_require_auth (auth, TRUE);
  soup_message_headers_append (headers, "X-North-Connector-Tokens", encoded);
  user = assert_accepted (auth, headers);
  g_assert_cmpstr (north_mcp_user_get_connector_access_token (user, "slack"), ==, "xoxb");
}

static void
test_connector_bundle (void)
{
  g_autoptr(NorthMcpAuth) auth = north_mcp_auth_new ();
  g_autoptr(SoupMessageHeaders) headers = new_headers ();
  g_autoptr(NorthMcpUser) user = NULL;

  set_bundle_full (headers, NULL, NULL, "{\"google\": \"g\", \"slack\": \"s\"}", NULL);
  user = assert_accepted (auth, headers);
  g_assert_cmpuint (g_hash_table_size (north_mcp_user_get_connector_access_tokens (user)), ==, 2);
  g_assert_cmpstr (north_mcp_user_get_connector_access_token (user, "slack"), ==, "s");

  /* Non-string entries reject the bundle (rule 3), unlike the header. */
  set_bundle_full (headers, NULL, NULL, "{\"google\": \"g\", \"slack\": 2}", NULL);
  assert_rejected (auth, headers, NORTH_MCP_AUTH_ERROR_INVALID_BEARER_TOKEN,
                   "unable to decode bearer token");
}

/* Section 3: X-North headers take precedence over the bundle. */
static void
test_precedence (void)
{
  g_autoptr(NorthMcpAuth) auth = north_mcp_auth_new ();
  g_autoptr(SoupMessageHeaders) headers = new_headers ();
  g_autoptr(NorthMcpUser) user = NULL;
  g_autoptr(NorthMcpUser) user2 = NULL;
  g_autofree char *x_token = make_hs256 ("{\"email\": \"x-north@example.com\"}");
  g_autofree char *b_token = make_hs256 ("{\"email\": \"bundle@example.com\"}");
  g_autofree char *connectors = b64url ("{\"slack\": \"from-header\"}");

  north_mcp_auth_set_server_secret (auth, "s3cret");
  set_bundle_full (headers, "s3cret", b_token, "{\"google\": \"from-bundle\"}", NULL);
  soup_message_headers_append (headers, "X-North-ID-Token", x_token);
  soup_message_headers_append (headers, "X-North-Server-Secret", "s3cret");
  soup_message_headers_append (headers, "X-North-Connector-Tokens", connectors);
  user = assert_accepted (auth, headers);
  g_assert_cmpstr (north_mcp_user_get_email (user), ==, "x-north@example.com");
  g_assert_cmpstr (north_mcp_user_get_id_token (user), ==, x_token);
  g_assert_cmpstr (north_mcp_user_get_connector_access_token (user, "slack"), ==, "from-header");
  g_assert_null (north_mcp_user_get_connector_access_token (user, "google"));

  /* A malformed Authorization is not even looked at. */
  soup_message_headers_replace (headers, "Authorization", "Bearer !!!");
  user2 = assert_accepted (auth, headers);
  g_assert_cmpstr (north_mcp_user_get_email (user2), ==, "x-north@example.com");
}

/* A credential header sent twice with different values is refused before
 * any rule, in every mode and with debug on or off (libsoup reads the last
 * copy, the North Python SDK the first: a gateway checking one copy must
 * not be bypassed with the other). Identical copies pass. */
static void
test_repeated_credential_headers (void)
{
  g_autofree char *alice = make_hs256 ("{\"email\": \"alice@example.com\"}");
  g_autofree char *mallory = make_hs256 ("{\"email\": \"mallory@example.com\"}");
  g_autofree char *alice_connectors = b64url ("{\"google\": \"alice\"}");
  g_autofree char *mallory_connectors = b64url ("{\"google\": \"mallory\"}");
  struct {
    const char *name;
    const char *first;
    const char *second;
  } cases[] = {
    { "X-North-Server-Secret", "wrong", "s3cret" },
    { "X-North-ID-Token", alice, mallory },
    /* Blank is absent to the reader of one copy, not to that of the other. */
    { "X-North-ID-Token", alice, "" },
    { "X-North-ID-Token", "", alice },
    { "X-North-Connector-Tokens", alice_connectors, mallory_connectors },
    { "X-North-User-Email", "alice@example.com", "mallory@example.com" },
    { "Authorization", "Bearer !!!", "Bearer e30=" },
  };

  for (guint mode = 0; mode < 4; mode++)
    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autoptr(NorthMcpAuth) auth = north_mcp_auth_new ();
        g_autoptr(SoupMessageHeaders) headers = new_headers ();
        g_autoptr(SoupMessageHeaders) same = new_headers ();
        g_autoptr(NorthMcpUser) user = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *lower = g_ascii_strdown (cases[i].name, -1);

        /* Open, open with debug (no shortcut), secret, secret with debug. */
        north_mcp_auth_set_debug (auth, mode % 2 == 1);
        if (mode >= 2)
          north_mcp_auth_set_server_secret (auth, "s3cret");
        if (!g_str_equal (cases[i].name, "X-North-Server-Secret"))
          {
            soup_message_headers_append (headers, "X-North-Server-Secret", "s3cret");
            soup_message_headers_append (same, "X-North-Server-Secret", "s3cret");
          }
        /* The same header under another case is the same header. */
        soup_message_headers_append (headers, cases[i].name, cases[i].first);
        soup_message_headers_append (headers, lower, cases[i].second);
        assert_rejected (auth, headers, NORTH_MCP_AUTH_ERROR_INVALID_AUTHORIZATION_HEADER,
                         "invalid authorization header");

        soup_message_headers_append (same, cases[i].name, cases[i].second);
        soup_message_headers_append (same, lower, cases[i].second);
        user = authenticate (auth, same, &error);
        g_assert_no_error (error);
      }
}

/* Rule 8. */
static void
test_email_fallback (void)
{
  g_autoptr(NorthMcpAuth) auth = north_mcp_auth_new ();
  g_autofree char *with_email = make_hs256 ("{\"email\": \"claim@example.com\"}");
  g_autofree char *without_email = make_hs256 ("{\"sub\": \"u1\"}");
  g_autofree char *email_not_string = make_hs256 ("{\"email\": 42}");
  struct {
    gboolean    x_north;
    const char *token;
    const char *email;
    const char *expected;
  } cases[] = {
    { TRUE, with_email, "header@example.com", "claim@example.com" },
    { TRUE, without_email, "header@example.com", "header@example.com" },
    { TRUE, email_not_string, "header@example.com", "header@example.com" },
    { TRUE, without_email, NULL, NULL },
    { TRUE, without_email, "   ", NULL },
    { FALSE, with_email, "bundle@example.com", "claim@example.com" },
    { FALSE, without_email, "bundle@example.com", "bundle@example.com" },
    { FALSE, NULL, "bundle@example.com", "bundle@example.com" },
    { FALSE, without_email, NULL, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(SoupMessageHeaders) headers = new_headers ();
      g_autoptr(NorthMcpUser) user = NULL;

      if (cases[i].x_north)
        {
          soup_message_headers_append (headers, "X-North-ID-Token", cases[i].token);
          if (cases[i].email != NULL)
            soup_message_headers_append (headers, "X-North-User-Email", cases[i].email);
        }
      else
        set_bundle_full (headers, NULL, cases[i].token, NULL, cases[i].email);
      user = assert_accepted (auth, headers);
      g_assert_cmpstr (north_mcp_user_get_email (user), ==, cases[i].expected);
      /* Unverified tokens: the sent e-mail (blank is none) is also kept apart. */
      g_assert_cmpstr (north_mcp_user_get_unverified_email (user), ==,
                       cases[i].email != NULL && strspn (cases[i].email, " ") < strlen (cases[i].email)
                       ? cases[i].email : NULL);
    }
}

/* Section 5: context headers, lower-cased, with both encodings. */
static void
test_context_headers (void)
{
  for (guint encoding = 0; encoding < 2; encoding++)
    {
      g_autoptr(NorthMcpAuth) auth = north_mcp_auth_new ();
      g_autoptr(SoupMessageHeaders) headers = new_headers ();
      g_autoptr(NorthMcpUser) user = NULL;
      GHashTable *context;

      north_mcp_auth_set_server_secret (auth, "s3cret");
      if (encoding == 0)
        soup_message_headers_append (headers, "X-North-Server-Secret", "s3cret");
      else
        set_bundle_full (headers, "s3cret", NULL, NULL, NULL);
      soup_message_headers_append (headers, "X-North-Context-Tenant-ID", "t1");
      soup_message_headers_append (headers, "x-north-context-REGION", " eu-west ");
      soup_message_headers_append (headers, "X-North-Context-Blank", "  ");
      soup_message_headers_append (headers, "X-North-Context-", "no key");
      soup_message_headers_append (headers, "X-North-Contextual", "not context");

      user = assert_accepted (auth, headers);
      context = north_mcp_user_get_context (user);
      g_assert_cmpuint (g_hash_table_size (context), ==, 2);
      g_assert_cmpstr (g_hash_table_lookup (context, "tenant-id"), ==, "t1");
      g_assert_cmpstr (g_hash_table_lookup (context, "region"), ==, "eu-west");
      g_assert_cmpstr (north_mcp_user_get_context_value (user, "Tenant-ID"), ==, "t1");
    }
}

/* Section 3: the seed README's ready-made token. */
static void
test_seed_readme_token (void)
{
  g_autoptr(NorthMcpAuth) auth = north_mcp_auth_new ();
  g_autoptr(SoupMessageHeaders) headers = new_headers ();
  g_autoptr(NorthMcpUser) user = NULL;
  g_autoptr(NorthMcpUser) open_user = NULL;
  GHashTable *tokens;

  soup_message_headers_append (headers, "Authorization", "Bearer " SEED_README_TOKEN);

  /* Open mode, as the walkthrough runs server-with-auth. */
  open_user = assert_accepted (auth, headers);
  g_assert_cmpstr (north_mcp_user_get_email (open_user), ==, "test@company.com");

  north_mcp_auth_set_server_secret (auth, "server_secret");
  user = assert_accepted (auth, headers);
  g_assert_cmpstr (north_mcp_user_get_email (user), ==, "test@company.com");
  tokens = north_mcp_user_get_connector_access_tokens (user);
  g_assert_cmpuint (g_hash_table_size (tokens), ==, 1);
  g_assert_cmpstr (g_hash_table_lookup (tokens, "google"), ==, "abc");
  g_assert_true (g_str_has_prefix (north_mcp_user_get_id_token (user), "eyJhbGciOiJIUzI1NiIs"));
  g_assert_cmpstr (json_object_get_string_member (north_mcp_user_get_claims (user), "email"),
                   ==, "test@company.com");

  north_mcp_auth_set_server_secret (auth, "another_secret");
  assert_rejected (auth, headers, NORTH_MCP_AUTH_ERROR_ACCESS_DENIED, "access denied");
}

static void
test_properties (void)
{
  const char * const issuers[] = { "https://a.example.com", "http://127.0.0.1:1", NULL };
  g_autoptr(NorthMcpAuth) auth = NULL;
  g_auto(GStrv) got_issuers = NULL;
  g_autofree char *audience = NULL;
  gboolean require_auth, debug;

  g_unsetenv ("DEBUG");
  auth = g_object_new (NORTH_MCP_TYPE_AUTH,
                       "server-secret", "s",
                       "trusted-issuers", issuers,
                       "require-auth", TRUE,
                       "audience", "north",
                       "debug", TRUE,
                       NULL);
  g_object_get (auth,
                "trusted-issuers", &got_issuers,
                "require-auth", &require_auth,
                "audience", &audience,
                "debug", &debug,
                NULL);
  g_assert_true (north_mcp_auth_has_server_secret (auth));
  g_assert_cmpstrv (got_issuers, issuers);
  g_assert_cmpstrv (north_mcp_auth_get_trusted_issuers (auth), issuers);
  g_assert_true (require_auth);
  g_assert_cmpstr (audience, ==, "north");
  g_assert_true (debug);

  north_mcp_auth_set_server_secret (auth, NULL);
  north_mcp_auth_set_trusted_issuers (auth, NULL);
  north_mcp_auth_set_audience (auth, "");
  g_assert_false (north_mcp_auth_has_server_secret (auth));
  g_assert_null (north_mcp_auth_get_trusted_issuers (auth));
  g_assert_null (north_mcp_auth_get_audience (auth));
  g_assert_true (north_mcp_auth_is_enforced (auth));
  north_mcp_auth_set_require_auth (auth, FALSE);
  g_assert_false (north_mcp_auth_is_enforced (auth));

  /* An empty list is no list. */
  north_mcp_auth_set_trusted_issuers (auth, (const char * const[]) { NULL });
  g_assert_false (north_mcp_auth_is_enforced (auth));
}

/* Section 2: DEBUG env, unless set explicitly. */
static void
test_debug_env (void)
{
  const char * const on[] = { "true", "1", "yes", "on", "TRUE", "Yes", "ON" };

  for (guint i = 0; i < G_N_ELEMENTS (on); i++)
    {
      g_autoptr(NorthMcpAuth) auth = NULL;
      g_autoptr(NorthMcpAuth) explicit_off = NULL;

      g_setenv ("DEBUG", on[i], TRUE);
      auth = north_mcp_auth_new ();
      g_assert_true (north_mcp_auth_get_debug (auth));
      explicit_off = g_object_new (NORTH_MCP_TYPE_AUTH, "debug", FALSE, NULL);
      g_assert_false (north_mcp_auth_get_debug (explicit_off));
    }

  g_setenv ("DEBUG", "false", TRUE);
  {
    g_autoptr(NorthMcpAuth) auth = north_mcp_auth_new ();
    g_assert_false (north_mcp_auth_get_debug (auth));
  }
  g_unsetenv ("DEBUG");
  {
    g_autoptr(NorthMcpAuth) auth = north_mcp_auth_new ();
    g_assert_false (north_mcp_auth_get_debug (auth));
  }
}

static void
test_rejection_count (void)
{
  g_autoptr(NorthMcpAuth) auth = north_mcp_auth_new ();
  g_autoptr(SoupMessageHeaders) headers = new_headers ();
  g_autoptr(NorthMcpUser) user = NULL;

  north_mcp_auth_set_server_secret (auth, "s3cret");
  g_assert_cmpuint (north_mcp_auth_get_rejection_count (auth), ==, 0);
  /* authenticate() runs the fast path twice and the async path once, so
   * each rejection counts three times, cached or not. */
  assert_rejected (auth, headers, NORTH_MCP_AUTH_ERROR_NO_CREDENTIALS,
                   "no authentication headers present");
  g_assert_cmpuint (north_mcp_auth_get_rejection_count (auth), ==, 3);
  soup_message_headers_append (headers, "X-North-Server-Secret", "s3cret");
  user = assert_accepted (auth, headers);
  g_assert_cmpuint (north_mcp_auth_get_rejection_count (auth), ==, 3);
}

/* Section 7: the debug log of a legacy request, as in the seed. */
static void
test_debug_log_legacy (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(NorthMcpAuth) auth = north_mcp_auth_new ();
      g_autoptr(SoupMessageHeaders) headers = new_headers ();
      g_autofree char *token = make_hs256 ("{\"email\": \"user@example.com\"}");
      AuthResult result = { 0 };

      north_mcp_auth_set_debug (auth, TRUE);
      north_mcp_auth_set_server_secret (auth, "the-server-secret");
      set_bundle_full (headers, "the-server-secret", token,
                       "{\"slack\": \"xoxb-secret-slack\", \"google\": \"ya29-secret-google\"}", NULL);
      soup_message_headers_append (headers, "Content-Type", "application/json");
      start_authenticate (auth, headers, &result);
      wait_for (&result);
      g_assert_no_error (result.error);
      g_assert_nonnull (result.user);
      auth_result_clear (&result);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("");
  g_test_trap_assert_stderr (
    "* - NorthMCP.Auth - DEBUG - Authenticating request from ('127.0.0.1', 54321)\n"
    "* - NorthMCP.Auth - DEBUG - Request headers: {'authorization': 'Bearer eyJ...', 'content-type': 'application/json'}\n"
    "* - NorthMCP.Auth - DEBUG - Authorization header present (length: *)\n"
    "* - NorthMCP.Auth - DEBUG - Successfully decoded base64 auth header\n"
    "* - NorthMCP.Auth - DEBUG - Successfully parsed auth tokens. Has server_secret: True, Has user_id_token: True, Connector count: 2\n"
    "* - NorthMCP.Auth - DEBUG - Available connectors: ['google', 'slack']\n"
    "* - NorthMCP.Auth - DEBUG - Successfully decoded user ID token. Email: user@example.com\n"
    "* - NorthMCP.AuthContext - DEBUG - Setting authenticated user in context: email=user@example.com, connectors=['google', 'slack']\n");
  g_test_trap_assert_stderr_unmatched ("*secret-slack*");
  g_test_trap_assert_stderr_unmatched ("*secret-google*");
  g_test_trap_assert_stderr_unmatched ("*the-server-secret*");
}

/* Section 7: rejections are logged; X-North secrets cut; nothing without debug. */
static void
test_debug_log_x_north (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(NorthMcpAuth) auth = north_mcp_auth_new ();
      g_autoptr(SoupMessageHeaders) headers = new_headers ();
      AuthResult result = { 0 };

      north_mcp_auth_set_debug (auth, g_str_equal (g_getenv ("AUTH_TEST_DEBUG"), "1"));
      north_mcp_auth_set_server_secret (auth, "the-server-secret");
      soup_message_headers_append (headers, "X-North-Server-Secret", "wrong-server-secret-value");
      start_authenticate (auth, headers, &result);
      wait_for (&result);
      g_assert_error (result.error, NORTH_MCP_AUTH_ERROR, NORTH_MCP_AUTH_ERROR_ACCESS_DENIED);
      auth_result_clear (&result);
      return;
    }

  g_setenv ("AUTH_TEST_DEBUG", "1", TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*'x-north-server-secret': 'wrong-...'*"
                             "Using X-North headers for authentication\n"
                             "* - NorthMCP.Auth - DEBUG - No X-North-ID-Token header present\n"
                             "* - NorthMCP.Auth - DEBUG - X-North headers parsed. Has server_secret: True, Has user_id_token: False, Connector count: 0\n"
                             "* - NorthMCP.Auth - DEBUG - Available connectors: []\n"
                             "* - NorthMCP.Auth - DEBUG - Authentication failed: access denied*");
  g_test_trap_assert_stderr_unmatched ("*wrong-server-secret*");

  g_setenv ("AUTH_TEST_DEBUG", "0", TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("");
  g_unsetenv ("AUTH_TEST_DEBUG");
}


/* The decision cache: a second identical request is served from it. */
static void
test_cache_hit (void)
{
  g_autoptr(NorthMcpAuth) auth = north_mcp_auth_new ();
  g_autoptr(SoupMessageHeaders) headers = new_headers ();
  g_autofree char *token = make_hs256 ("{\"email\": \"c@example.com\"}");
  g_autoptr(NorthMcpUser) first = NULL;
  g_autoptr(NorthMcpUser) second = NULL;
  g_autoptr(GError) error = NULL;

  north_mcp_auth_set_server_secret (auth, "s3cret");
  set_bundle_full (headers, "s3cret", token, "{\"google\": \"g\"}", NULL);
  soup_message_headers_append (headers, "X-North-Context-Tenant", "t1");

  first = authenticate_fast (auth, headers, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (north_mcp_auth_get_decision_cache_hits (auth), ==, 0);
  second = authenticate_fast (auth, headers, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (north_mcp_auth_get_decision_cache_hits (auth), ==, 1);
  assert_same_user (first, second);
  g_assert_cmpstr (north_mcp_user_get_email (second), ==, "c@example.com");
  g_assert_cmpstr (north_mcp_user_get_connector_access_token (second, "google"), ==, "g");
  g_assert_cmpstr (north_mcp_user_get_context_value (second, "tenant"), ==, "t1");
}

/* Whether a second identical request was served from the cache. */
static gboolean
hit_again (NorthMcpAuth       *auth,
           SoupMessageHeaders *headers)
{
  g_autoptr(NorthMcpUser) user = NULL;
  g_autoptr(GError) error = NULL;
  guint64 before = north_mcp_auth_get_decision_cache_hits (auth);

  user = authenticate_fast (auth, headers, &error);
  return north_mcp_auth_get_decision_cache_hits (auth) > before;
}

/* Every configuration change forgets what was decided. */
static void
test_cache_config_changes (void)
{
  const char * const issuers[] = { "https://issuer.example.com", NULL };
  g_autoptr(NorthMcpAuth) auth = north_mcp_auth_new ();
  g_autoptr(SoupMessageHeaders) headers = new_headers ();
  g_autofree char *token = make_hs256 ("{\"email\": \"c@example.com\", \"aud\": \"a\"}");

  north_mcp_auth_set_server_secret (auth, "s3cret");
  set_bundle_full (headers, "s3cret", token, NULL, NULL);
  g_assert_false (hit_again (auth, headers));
  g_assert_true (hit_again (auth, headers));

  /* A new secret: the same headers are now turned away. */
  north_mcp_auth_set_server_secret (auth, "other");
  assert_rejected (auth, headers, NORTH_MCP_AUTH_ERROR_ACCESS_DENIED, "access denied");
  north_mcp_auth_set_server_secret (auth, "s3cret");
  g_assert_false (hit_again (auth, headers));
  g_assert_true (hit_again (auth, headers));

  north_mcp_auth_set_require_auth (auth, TRUE);
  g_assert_false (hit_again (auth, headers));
  g_assert_true (hit_again (auth, headers));

  north_mcp_auth_set_audience (auth, "a");
  g_assert_false (hit_again (auth, headers));
  g_assert_true (hit_again (auth, headers));

  /* Trusted issuers: an HS256 token of an unknown issuer is refused. */
  north_mcp_auth_set_trusted_issuers (auth, issuers);
  assert_rejected (auth, headers, NORTH_MCP_AUTH_ERROR_MISSING_ISSUER, "Token missing issuer");
  north_mcp_auth_set_trusted_issuers (auth, NULL);
  g_assert_false (hit_again (auth, headers));
  g_assert_true (hit_again (auth, headers));

  g_object_set (auth, "server-secret", "other", NULL);
  assert_rejected (auth, headers, NORTH_MCP_AUTH_ERROR_ACCESS_DENIED, "access denied");
}

/* A token past its exp (plus leeway) is decided again every time. */
static void
test_cache_expired_token (void)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autoptr(NorthMcpAuth) auth = north_mcp_auth_new ();
  g_autoptr(SoupMessageHeaders) headers = new_headers ();
  g_autofree char *claims_past = g_strdup_printf ("{\"email\": \"e@example.com\", \"exp\": %" G_GINT64_FORMAT "}",
                                                  now - 120);
  g_autofree char *claims_future = g_strdup_printf ("{\"email\": \"e@example.com\", \"exp\": %" G_GINT64_FORMAT "}",
                                                    now + 3600);
  g_autofree char *past = make_hs256 (claims_past);
  g_autofree char *future = make_hs256 (claims_future);
  g_autofree char *huge = make_hs256 ("{\"email\": \"e@example.com\", \"exp\": 1e300}");
  g_autofree char *negative = make_hs256 ("{\"email\": \"e@example.com\", \"exp\": -1e300}");

  /* Development mode accepts it (the signature is not checked), but the
   * decision is not kept past exp. */
  soup_message_headers_append (headers, "X-North-ID-Token", past);
  g_assert_false (hit_again (auth, headers));
  g_assert_false (hit_again (auth, headers));
  soup_message_headers_replace (headers, "X-North-ID-Token", negative);
  g_assert_false (hit_again (auth, headers));
  g_assert_false (hit_again (auth, headers));

  soup_message_headers_replace (headers, "X-North-ID-Token", future);
  g_assert_false (hit_again (auth, headers));
  g_assert_true (hit_again (auth, headers));
  soup_message_headers_replace (headers, "X-North-ID-Token", huge);
  g_assert_false (hit_again (auth, headers));
  g_assert_true (hit_again (auth, headers));
}

/* Changes one credential header of @headers per step; none may share the
 * decision of another. */
static void
test_cache_distinct_headers (void)
{
  g_autoptr(NorthMcpAuth) auth = north_mcp_auth_new ();
  g_autoptr(SoupMessageHeaders) headers = new_headers ();
  g_autofree char *token_a = make_hs256 ("{\"email\": \"a@example.com\"}");
  g_autofree char *token_b = make_hs256 ("{\"sub\": \"b\"}");
  g_autofree char *connectors_a = b64url ("{\"google\": \"a\"}");
  g_autofree char *connectors_b = b64url ("{\"google\": \"b\"}");
  g_autoptr(NorthMcpUser) user = NULL;
  g_autoptr(GError) error = NULL;

  north_mcp_auth_set_server_secret (auth, "s3cret");
  soup_message_headers_append (headers, "X-North-Server-Secret", "s3cret");
  soup_message_headers_append (headers, "X-North-ID-Token", token_b);
  soup_message_headers_append (headers, "X-North-Connector-Tokens", connectors_a);
  soup_message_headers_append (headers, "X-North-User-Email", "one@example.com");
  soup_message_headers_append (headers, "X-North-Context-Tenant", "t1");
  g_assert_false (hit_again (auth, headers));
  g_assert_true (hit_again (auth, headers));

#define CHANGE_AND_CHECK(edit) G_STMT_START {            \
    edit;                                                \
    g_assert_false (hit_again (auth, headers));          \
    g_assert_true (hit_again (auth, headers));           \
  } G_STMT_END

  CHANGE_AND_CHECK (soup_message_headers_replace (headers, "X-North-User-Email", "two@example.com"));
  user = authenticate_fast (auth, headers, &error);
  g_assert_cmpstr (north_mcp_user_get_email (user), ==, "two@example.com");
  g_clear_object (&user);

  CHANGE_AND_CHECK (soup_message_headers_replace (headers, "X-North-Connector-Tokens", connectors_b));
  user = authenticate_fast (auth, headers, &error);
  g_assert_cmpstr (north_mcp_user_get_connector_access_token (user, "google"), ==, "b");
  g_clear_object (&user);

  CHANGE_AND_CHECK (soup_message_headers_replace (headers, "X-North-Context-Tenant", "t2"));
  user = authenticate_fast (auth, headers, &error);
  g_assert_cmpstr (north_mcp_user_get_context_value (user, "tenant"), ==, "t2");
  g_clear_object (&user);

  /* The same value under another name. */
  CHANGE_AND_CHECK ((soup_message_headers_remove (headers, "X-North-Context-Tenant"),
                     soup_message_headers_append (headers, "X-North-Context-Region", "t2")));
  CHANGE_AND_CHECK (soup_message_headers_append (headers, "X-North-Context-Zone", "z"));

  /* Two values of one name: the last wins, so the order is part of the key. */
  CHANGE_AND_CHECK (soup_message_headers_append (headers, "x-north-context-zone", "y"));
  user = authenticate_fast (auth, headers, &error);
  g_assert_cmpstr (north_mcp_user_get_context_value (user, "zone"), ==, "y");
  g_clear_object (&user);

  CHANGE_AND_CHECK (soup_message_headers_replace (headers, "X-North-ID-Token", token_a));
  user = authenticate_fast (auth, headers, &error);
  g_assert_cmpstr (north_mcp_user_get_email (user), ==, "a@example.com");
  g_clear_object (&user);

  /* A wrong secret is its own key: rejected, then rejected from the cache. */
  CHANGE_AND_CHECK (soup_message_headers_replace (headers, "X-North-Server-Secret", "s3cres"));
  user = authenticate_fast (auth, headers, &error);
  g_assert_error (error, NORTH_MCP_AUTH_ERROR, NORTH_MCP_AUTH_ERROR_ACCESS_DENIED);
  g_assert_null (user);
  g_clear_error (&error);
  /* Back to the right one: decided before, so served from the cache. */
  soup_message_headers_replace (headers, "X-North-Server-Secret", "s3cret");
  g_assert_true (hit_again (auth, headers));
  user = authenticate_fast (auth, headers, &error);
  g_assert_no_error (error);
  g_assert_nonnull (user);
  g_clear_object (&user);

  /* The legacy bundle, with the same values as the X-North headers had. */
  soup_message_headers_clear (headers);
  CHANGE_AND_CHECK (set_bundle_full (headers, "s3cret", token_a, NULL, NULL));
  CHANGE_AND_CHECK (set_bundle_full (headers, "s3cret", token_b, NULL, NULL));
  CHANGE_AND_CHECK (set_bundle_full (headers, "s3cret", token_b, NULL, "x@example.com"));
#undef CHANGE_AND_CHECK
}

/* Rejections are remembered and still counted. */
static void
test_cache_rejections (void)
{
  g_autoptr(NorthMcpAuth) auth = north_mcp_auth_new ();
  g_autoptr(SoupMessageHeaders) headers = new_headers ();

  north_mcp_auth_set_server_secret (auth, "s3cret");
  soup_message_headers_append (headers, "X-North-Server-Secret", "wrong");
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(NorthMcpUser) user = NULL;
      g_autoptr(GError) error = NULL;

      user = authenticate_fast (auth, headers, &error);
      g_assert_null (user);
      g_assert_error (error, NORTH_MCP_AUTH_ERROR, NORTH_MCP_AUTH_ERROR_ACCESS_DENIED);
      g_assert_cmpstr (error->message, ==, "access denied");
      g_assert_cmpuint (north_mcp_auth_get_rejection_count (auth), ==, i + 1);
      g_assert_cmpuint (north_mcp_auth_get_decision_cache_hits (auth), ==, i);
    }

  /* Also without a place for the error. */
  {
    g_autoptr(NorthMcpUser) user = NULL;

    g_assert_true (north_mcp_auth_authenticate_cached (auth, headers, NULL, &user, NULL));
    g_assert_null (user);
    g_assert_cmpuint (north_mcp_auth_get_rejection_count (auth), ==, 4);
  }

  soup_message_headers_clear (headers);
  soup_message_headers_append (headers, "Authorization", "Bearer !!!");
  assert_rejected (auth, headers, NORTH_MCP_AUTH_ERROR_INVALID_AUTHORIZATION_HEADER,
                   "invalid authorization header");
  g_assert_cmpuint (north_mcp_auth_get_rejection_count (auth), ==, 7);
}

/* With debug on every decision is made (and logged) afresh; a connector
 * header that warns is not remembered either, so it warns every time. */
static void
test_cache_bypassed (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(NorthMcpAuth) auth = north_mcp_auth_new ();
      g_autoptr(SoupMessageHeaders) headers = new_headers ();

      north_mcp_auth_set_server_secret (auth, "s3cret");
      soup_message_headers_append (headers, "X-North-Server-Secret", "s3cret");
      g_assert_false (hit_again (auth, headers));
      g_assert_true (hit_again (auth, headers));
      north_mcp_auth_set_debug (auth, TRUE);
      g_assert_false (hit_again (auth, headers));
      g_assert_false (hit_again (auth, headers));
      north_mcp_auth_set_debug (auth, FALSE);

      /* Each warning written (not one a minute): this is about the cache. */
      north_mcp_log_throttle_set_interval (0);
      soup_message_headers_append (headers, "X-North-Connector-Tokens", "!!!not-base64!!!");
      g_assert_false (hit_again (auth, headers));
      g_assert_false (hit_again (auth, headers));
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  /* Exactly two debug decisions, then exactly two warnings. */
  g_test_trap_assert_stderr ("*Authenticating request from*Authenticating request from*"
                             "X-North-Connector-Tokens is not*X-North-Connector-Tokens is not*");
  g_test_trap_assert_stderr_unmatched ("*Authenticating request from*Authenticating request from*"
                                       "Authenticating request from*");
  g_test_trap_assert_stderr_unmatched ("*X-North-Connector-Tokens is not*X-North-Connector-Tokens is not*"
                                       "X-North-Connector-Tokens is not*");
  g_test_trap_assert_stderr_unmatched ("*s3cret*");
}

/* Rule 7's warning can be caused by any client: once a minute at most,
 * with the count of those left out, but every time in debug mode (the
 * operator asked for each line). */
static void
test_connector_warning_throttled (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(NorthMcpAuth) auth = north_mcp_auth_new ();
      g_autoptr(SoupMessageHeaders) headers = new_headers ();

      north_mcp_log_throttle_set_interval (G_MAXINT64 / 4);
      soup_message_headers_append (headers, "X-North-Connector-Tokens", "!!!not-base64!!!");
      for (guint i = 0; i < 100; i++)
        hit_again (auth, headers);
      north_mcp_log_throttle_set_interval (0);
      hit_again (auth, headers);
      north_mcp_log_throttle_set_interval (G_MAXINT64 / 4);
      north_mcp_auth_set_debug (auth, TRUE);
      hit_again (auth, headers);
      hit_again (auth, headers);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  /* The first; the next with the 99 left out; two in debug mode. */
  g_test_trap_assert_stderr ("*WARNING - X-North-Connector-Tokens is not a base64url JSON object; "
                             "using no connector tokens\n"
                             "*WARNING - X-North-Connector-Tokens is not*tokens (99 more since the last line)\n"
                             "*X-North-Connector-Tokens is not*X-North-Connector-Tokens is not*");
  g_test_trap_assert_stderr_unmatched ("*X-North-Connector-Tokens is not*X-North-Connector-Tokens is not*"
                                       "X-North-Connector-Tokens is not*X-North-Connector-Tokens is not*"
                                       "X-North-Connector-Tokens is not*");
}

/* Rule 7's warning is for requests that pass rules 4 to 6: a request
 * turned away there (anybody's to send, as often as they like) logs
 * nothing but at debug level (section 6), whatever its connector header. */
static void
test_connector_warning_not_for_rejections (void)
{
  if (g_test_subprocess ())
    {
      const char * const issuers[] = { "https://issuer.example.com", NULL };
      g_autoptr(NorthMcpAuth) auth = north_mcp_auth_new ();
      g_autoptr(SoupMessageHeaders) headers = new_headers ();
      g_autoptr(NorthMcpUser) user = NULL;
      g_autoptr(GError) error = NULL;

      north_mcp_auth_set_server_secret (auth, "s3cret");
      north_mcp_auth_set_debug (auth, FALSE);
      soup_message_headers_append (headers, "X-North-Server-Secret", "wrong");
      soup_message_headers_append (headers, "X-North-Connector-Tokens", "!!!not-base64!!!");
      for (guint i = 0; i < 3; i++)
        {
          user = authenticate_fast (auth, headers, &error);
          g_assert_error (error, NORTH_MCP_AUTH_ERROR, NORTH_MCP_AUTH_ERROR_ACCESS_DENIED);
          g_clear_error (&error);
        }

      /* Rule 6: trusted issuers and no ID token. */
      north_mcp_auth_set_trusted_issuers (auth, issuers);
      soup_message_headers_replace (headers, "X-North-Server-Secret", "s3cret");
      user = authenticate_fast (auth, headers, &error);
      g_assert_error (error, NORTH_MCP_AUTH_ERROR, NORTH_MCP_AUTH_ERROR_NO_CREDENTIALS);
      g_clear_error (&error);

      /* Accepted: it warns. */
      north_mcp_auth_set_trusted_issuers (auth, NULL);
      user = authenticate_fast (auth, headers, &error);
      g_assert_no_error (error);
      g_assert_nonnull (user);
      g_clear_object (&user);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*X-North-Connector-Tokens is not*");
  g_test_trap_assert_stderr_unmatched ("*X-North-Connector-Tokens is not*X-North-Connector-Tokens is not*");
}

/* Bad credentials, which anybody can send, take at most a quarter of the
 * cache: a flood of them neither pushes out nor clears the decisions of
 * clients with good ones. */
static void
test_cache_rejections_bounded (void)
{
  g_autoptr(NorthMcpAuth) auth = north_mcp_auth_new ();
  g_autoptr(SoupMessageHeaders) good = new_headers ();
  g_autoptr(SoupMessageHeaders) bad = new_headers ();
  g_autoptr(SoupMessageHeaders) early_bad = new_headers ();
  g_autofree char *token = make_hs256 ("{\"email\": \"c@example.com\"}");
  g_autofree char *padding = g_strnfill (6 * 1024, 'p');

  north_mcp_auth_set_server_secret (auth, "s3cret");
  set_bundle_full (good, "s3cret", token, NULL, NULL);
  g_assert_false (hit_again (auth, good));
  g_assert_true (hit_again (auth, good));

  /* The first rejections are remembered like any decision. */
  set_bundle_full (early_bad, "wrong-0", token, NULL, NULL);
  g_assert_false (hit_again (auth, early_bad));
  g_assert_true (hit_again (auth, early_bad));

  /* More distinct bad secrets than the cache holds entries... */
  for (guint i = 1; i <= 5000; i++)
    {
      g_autofree char *secret = g_strdup_printf ("wrong-%u", i);

      set_bundle_full (bad, secret, token, NULL, NULL);
      g_assert_false (hit_again (auth, bad));
    }
  /* ...and larger ones, more bytes than the cache holds. */
  for (guint i = 0; i < 400; i++)
    {
      g_autofree char *secret = g_strdup_printf ("%s%u", padding, i);

      set_bundle_full (bad, secret, token, NULL, NULL);
      g_assert_false (hit_again (auth, bad));
    }

  /* The good client is still served from the cache, and so is the early
   * rejection; the latest bad one, over the quota, was not kept. */
  g_assert_true (hit_again (auth, good));
  g_assert_true (hit_again (auth, early_bad));
  g_assert_false (hit_again (auth, bad));
}

/* A rejection that finds the cache full is not remembered, rather than
 * making room: otherwise, with the good clients' decisions filling the
 * rest, one bad credential of anybody's would clear them all. */
static void
test_cache_rejections_never_clear (void)
{
  enum { REJECTIONS = 1023, CACHE_ENTRIES = 4096 };
  g_autoptr(NorthMcpAuth) auth = north_mcp_auth_new ();
  g_autoptr(SoupMessageHeaders) first = new_headers ();
  g_autoptr(SoupMessageHeaders) headers = new_headers ();

  north_mcp_auth_set_server_secret (auth, "s3cret");
  for (guint i = 0; i < REJECTIONS; i++)
    {
      g_autofree char *secret = g_strdup_printf ("wrong-%u", i);

      soup_message_headers_replace (headers, "X-North-Server-Secret", secret);
      g_assert_false (hit_again (auth, headers));
    }

  soup_message_headers_append (first, "X-North-Server-Secret", "s3cret");
  g_assert_false (hit_again (auth, first));
  soup_message_headers_replace (headers, "X-North-Server-Secret", "s3cret");
  for (guint i = 1; i < CACHE_ENTRIES - REJECTIONS; i++)
    {
      g_autofree char *tenant = g_strdup_printf ("t%u", i);

      soup_message_headers_replace (headers, "X-North-Context-Tenant", tenant);
      g_assert_false (hit_again (auth, headers));
    }
  g_assert_true (hit_again (auth, first));

  /* The cache is full; one more bad secret. */
  soup_message_headers_remove (headers, "X-North-Context-Tenant");
  soup_message_headers_replace (headers, "X-North-Server-Secret", "wrong");
  g_assert_false (hit_again (auth, headers));
  g_assert_false (hit_again (auth, headers));
  g_assert_true (hit_again (auth, first));
}

/* The cache is bounded in entries and in bytes of credentials behind them. */
static void
test_cache_bounded (void)
{
  g_autoptr(NorthMcpAuth) auth = north_mcp_auth_new ();
  g_autoptr(SoupMessageHeaders) first = new_headers ();
  g_autoptr(SoupMessageHeaders) headers = new_headers ();
  g_autofree char *padding = g_strnfill (20 * 1024, 'p');

  /* Open mode: any credentials pass, so anyone could fill the cache. */
  soup_message_headers_append (first, "X-North-User-Email", "first@example.com");
  soup_message_headers_append (first, "X-North-Server-Secret", "s");
  g_assert_false (hit_again (auth, first));
  g_assert_true (hit_again (auth, first));

  /* Many small entries: the first one is forgotten. */
  for (guint i = 0; i < 4096; i++)
    {
      g_autofree char *secret = g_strdup_printf ("s%u", i);

      soup_message_headers_replace (headers, "X-North-Server-Secret", secret);
      g_assert_false (hit_again (auth, headers));
    }
  g_assert_false (hit_again (auth, first));
  g_assert_true (hit_again (auth, first));

  /* Fewer, larger ones: forgotten as well. */
  for (guint i = 0; i < 120; i++)
    {
      g_autofree char *secret = g_strdup_printf ("%s%u", padding, i);

      soup_message_headers_replace (headers, "X-North-Server-Secret", secret);
      g_assert_false (hit_again (auth, headers));
    }
  g_assert_false (hit_again (auth, first));

  /* One that is too large is not remembered at all. */
  {
    g_autofree char *huge = g_strnfill (40 * 1024, 'h');

    soup_message_headers_replace (headers, "X-North-Server-Secret", huge);
    g_assert_false (hit_again (auth, headers));
    g_assert_false (hit_again (auth, headers));
  }
}

/* A fresh decision of @headers by an auth with an empty cache. */
static NorthMcpUser *
decide_afresh (SoupMessageHeaders *headers,
               GError            **error)
{
  g_autoptr(NorthMcpAuth) fresh = north_mcp_auth_new ();

  return authenticate_fast (fresh, headers, error);
}

/* Whether @headers hit the cache, and if so, whether the remembered
 * decision is the one made afresh. */
static gboolean
hit_with_same_decision (NorthMcpAuth       *auth,
                        SoupMessageHeaders *headers)
{
  g_autoptr(NorthMcpUser) cached = NULL;
  g_autoptr(NorthMcpUser) fresh = NULL;
  g_autoptr(GError) cached_error = NULL;
  g_autoptr(GError) fresh_error = NULL;
  guint64 before = north_mcp_auth_get_decision_cache_hits (auth);

  cached = authenticate_fast (auth, headers, &cached_error);
  if (north_mcp_auth_get_decision_cache_hits (auth) == before)
    return FALSE;
  fresh = decide_afresh (headers, &fresh_error);
  assert_same_user (cached, fresh);
  g_assert_true ((cached_error == NULL) == (fresh_error == NULL));
  if (cached_error != NULL)
    g_assert_cmpstr (cached_error->message, ==, fresh_error->message);
  return TRUE;
}

typedef struct
{
  const char *name;
  const char *value;
} Header;

/* The same bytes in other places: under another name, split differently
 * between two headers, across the name/value boundary, merged into one.
 * Each list is its own key, and each hit gives that list's decision. */
static void
test_cache_key_boundaries (void)
{
  g_autoptr(NorthMcpAuth) auth = north_mcp_auth_new ();
  const Header lists[][3] = {
    { { "X-North-Server-Secret", "s" }, { "X-North-User-Email", "v@example.com" } },
    { { "X-North-Server-Secret", "s" }, { "X-North-Context-User-Email", "v@example.com" } },
    { { "X-North-Server-Secret", "s" }, { "X-North-Context-Email", "v@example.com" } },
    { { "X-North-Server-Secret", "sv@example.com" } },
    { { "X-North-Server-Secret", "s" }, { "X-North-Context-A", "xy" }, { "X-North-Context-B", "z" } },
    { { "X-North-Server-Secret", "s" }, { "X-North-Context-A", "x" }, { "X-North-Context-B", "yz" } },
    { { "X-North-Server-Secret", "s" }, { "X-North-Context-A", "xyz" } },
    { { "X-North-Server-Secret", "s" }, { "X-North-Context-Ab", "c" } },
    { { "X-North-Server-Secret", "s" }, { "X-North-Context-A", "bc" } },
    { { "X-North-Server-Secret", "s" }, { "X-North-Context-Abc", "" } },
    { { "X-North-Server-Secret", "s" }, { "X-North-ID-Token", "a.b.c" } },
    { { "X-North-ID-Token", "s" }, { "X-North-Server-Secret", "a.b.c" } },
    { { "X-North-Server-Secret", "s" }, { "X-North-Connector-Tokens", "e30" } },
    { { "X-North-Server-Secret", "e30" } },
    { { "X-North-Connector-Tokens", "e30" } },
    { { "X-North-Connector-Tokens", "e30" }, { "X-North-Context-S", "s" } },
    { { "X-North-Server-Secret", "s" }, { "Authorization", "Bearer e30=" } },
    { { "Authorization", "Bearer e30=" } },
    { { "X-North-Server-Secret", "Bearer e30=" } },
    { { "Authorization", "s" } },
  };
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func ((GDestroyNotify) soup_message_headers_unref);

  for (guint i = 0; i < G_N_ELEMENTS (lists); i++)
    {
      SoupMessageHeaders *headers = new_headers ();

      for (guint j = 0; j < G_N_ELEMENTS (lists[i]) && lists[i][j].name != NULL; j++)
        soup_message_headers_append (headers, lists[i][j].name, lists[i][j].value);
      g_ptr_array_add (all, headers);
      /* None of the lists before had this key. */
      g_assert_false (hit_again (auth, headers));
      g_assert_true (hit_with_same_decision (auth, headers));
    }
  /* All remembered side by side, each with its own decision. */
  for (guint i = 0; i < all->len; i++)
    g_assert_true (hit_with_same_decision (auth, g_ptr_array_index (all, i)));

  /* Spot checks that those decisions differ where they should. */
  {
    g_autoptr(NorthMcpUser) email = authenticate_fast (auth, g_ptr_array_index (all, 0), NULL);
    g_autoptr(NorthMcpUser) context = authenticate_fast (auth, g_ptr_array_index (all, 2), NULL);

    g_assert_cmpstr (north_mcp_user_get_email (email), ==, "v@example.com");
    g_assert_null (north_mcp_user_get_context_value (email, "email"));
    g_assert_null (north_mcp_user_get_email (context));
    g_assert_cmpstr (north_mcp_user_get_context_value (context, "email"), ==, "v@example.com");
  }
}

static char *
flip_byte (const char *value,
           gsize       position)
{
  char *flipped = g_strdup (value);

  /* Still a visible character, so the header stays a header. */
  flipped[position] = flipped[position] == 'A' ? 'B' : 'A';
  return flipped;
}

/* One byte changed anywhere in any credential header is another key. */
static void
test_cache_one_byte (void)
{
  g_autofree char *token = make_hs256 ("{\"email\": \"a@example.com\", \"sub\": \"a\"}");
  g_autofree char *connectors = b64url ("{\"google\": \"g-token\", \"slack\": \"s-token\"}");
  g_autofree char *bundle_json = g_strdup_printf ("{\"server_secret\": \"s3cret\", \"user_id_token\": \"%s\", "
                                                  "\"user_email\": \"b@example.com\"}", token);
  g_autofree char *bundle_b64 = b64 (bundle_json);
  g_autofree char *bundle = g_strconcat ("Bearer ", bundle_b64, NULL);
  const Header x_north[] = {
    { "X-North-Server-Secret", "s3cret" },
    { "X-North-ID-Token", token },
    { "X-North-Connector-Tokens", connectors },
    { "X-North-User-Email", "one@example.com" },
    { "X-North-Context-Tenant", "tenant-1" },
  };
  const Header legacy[] = {
    { "Authorization", bundle },
    { "X-North-Context-Tenant", "tenant-1" },
  };
  const struct { const Header *headers; guint count; } sets[] = {
    { x_north, G_N_ELEMENTS (x_north) },
    { legacy, G_N_ELEMENTS (legacy) },
  };

  for (guint s = 0; s < G_N_ELEMENTS (sets); s++)
    {
      g_autoptr(NorthMcpAuth) auth = north_mcp_auth_new ();
      g_autoptr(SoupMessageHeaders) headers = new_headers ();

      north_mcp_auth_set_server_secret (auth, "s3cret");
      for (guint i = 0; i < sets[s].count; i++)
        soup_message_headers_append (headers, sets[s].headers[i].name, sets[s].headers[i].value);
      g_assert_false (hit_again (auth, headers));
      g_assert_true (hit_with_same_decision (auth, headers));

      for (guint i = 0; i < sets[s].count; i++)
        {
          const Header *header = &sets[s].headers[i];
          gsize length = strlen (header->value);
          const gsize positions[] = { 0, length / 2, length - 1 };

          for (guint p = 0; p < G_N_ELEMENTS (positions); p++)
            {
              g_autofree char *flipped = flip_byte (header->value, positions[p]);

              soup_message_headers_replace (headers, header->name, flipped);
              g_assert_false (hit_again (auth, headers));
              /* Back to the original: still remembered, as it was. */
              soup_message_headers_replace (headers, header->name, header->value);
              g_assert_true (hit_with_same_decision (auth, headers));
            }
        }
    }
}

/* The key orders headers by name (repeated names keep their order), so a
 * client that sends them in another order still hits; names of fixed
 * headers ignore case as HTTP does. Over eight headers take another sort,
 * over sixteen more room. */
static void
test_cache_header_order (void)
{
  g_autoptr(NorthMcpAuth) auth = north_mcp_auth_new ();
  g_autoptr(SoupMessageHeaders) forward = new_headers ();
  g_autoptr(SoupMessageHeaders) backward = new_headers ();
  g_autoptr(SoupMessageHeaders) lower = new_headers ();
  g_autoptr(NorthMcpUser) user = NULL;
  const guint count = 20;

  soup_message_headers_append (forward, "X-North-Server-Secret", "s");
  soup_message_headers_append (forward, "X-North-User-Email", "o@example.com");
  for (guint i = 0; i < count; i++)
    {
      g_autofree char *name = g_strdup_printf ("X-North-Context-K%02u", i);
      g_autofree char *value = g_strdup_printf ("v%u", i);

      soup_message_headers_append (forward, name, value);
    }
  for (guint i = count; i-- > 0;)
    {
      g_autofree char *name = g_strdup_printf ("X-North-Context-K%02u", i);
      g_autofree char *value = g_strdup_printf ("v%u", i);

      soup_message_headers_append (backward, name, value);
    }
  soup_message_headers_append (backward, "X-North-User-Email", "o@example.com");
  soup_message_headers_append (backward, "X-North-Server-Secret", "s");

  g_assert_false (hit_again (auth, forward));
  g_assert_true (hit_with_same_decision (auth, backward));
  user = authenticate_fast (auth, backward, NULL);
  g_assert_cmpuint (g_hash_table_size (north_mcp_user_get_context (user)), ==, count);
  g_assert_cmpstr (north_mcp_user_get_context_value (user, "k07"), ==, "v7");
  g_clear_object (&user);

  soup_message_headers_append (lower, "x-north-server-secret", "s");
  soup_message_headers_append (lower, "X-NORTH-USER-EMAIL", "o@example.com");
  g_assert_false (hit_again (auth, lower));
  soup_message_headers_clear (lower);
  soup_message_headers_append (lower, "X-North-Server-Secret", "s");
  soup_message_headers_append (lower, "X-North-User-Email", "o@example.com");
  g_assert_true (hit_with_same_decision (auth, lower));

  /* A repeated name: the last value wins, so its order is in the key. */
  soup_message_headers_append (forward, "X-North-Context-Dup", "first");
  soup_message_headers_append (forward, "X-North-Context-Dup", "second");
  soup_message_headers_append (backward, "X-North-Context-Dup", "second");
  soup_message_headers_append (backward, "X-North-Context-Dup", "first");
  g_assert_false (hit_again (auth, forward));
  g_assert_false (hit_again (auth, backward));
  g_assert_true (hit_with_same_decision (auth, forward));
  g_assert_true (hit_with_same_decision (auth, backward));
  user = authenticate_fast (auth, forward, NULL);
  g_assert_cmpstr (north_mcp_user_get_context_value (user, "dup"), ==, "second");
  g_clear_object (&user);
  user = authenticate_fast (auth, backward, NULL);
  g_assert_cmpstr (north_mcp_user_get_context_value (user, "dup"), ==, "first");
}

/* The byte budget counts the keys as well as the users behind them: at
 * 12 KiB of credentials each, a hundred entries (1.2 MiB of headers) are
 * more than 2 MiB. A key of 30 KiB is remembered, one of 33 KiB is not. */
static void
test_cache_bounded_by_keys (void)
{
  g_autoptr(NorthMcpAuth) auth = north_mcp_auth_new ();
  g_autoptr(SoupMessageHeaders) first = new_headers ();
  g_autoptr(SoupMessageHeaders) headers = new_headers ();
  g_autofree char *padding = g_strnfill (12 * 1024, 'p');
  g_autofree char *large = g_strnfill (30 * 1024, 'l');
  g_autofree char *too_large = g_strnfill (33 * 1024, 't');

  soup_message_headers_append (first, "X-North-Server-Secret", "first");
  g_assert_false (hit_again (auth, first));
  g_assert_true (hit_again (auth, first));

  for (guint i = 0; i < 100; i++)
    {
      g_autofree char *secret = g_strdup_printf ("%s%u", padding, i);

      soup_message_headers_replace (headers, "X-North-Server-Secret", secret);
      g_assert_false (hit_again (auth, headers));
    }
  g_assert_false (hit_again (auth, first));

  soup_message_headers_replace (headers, "X-North-Server-Secret", large);
  g_assert_false (hit_again (auth, headers));
  g_assert_true (hit_with_same_decision (auth, headers));

  /* Split over two headers, the same size counts. */
  soup_message_headers_replace (headers, "X-North-Server-Secret", too_large + 20 * 1024);
  soup_message_headers_replace (headers, "X-North-User-Email", too_large + 13 * 1024);
  g_assert_false (hit_again (auth, headers));
  g_assert_false (hit_again (auth, headers));
  soup_message_headers_remove (headers, "X-North-User-Email");
  soup_message_headers_replace (headers, "X-North-Server-Secret", too_large);
  g_assert_false (hit_again (auth, headers));
  g_assert_false (hit_again (auth, headers));
}

/* An unsigned ID token (open or development mode: anyone may send one)
 * whose claims hold an array of @values zeros, told apart by @n. */
static char *
token_with_claims (guint values,
                   guint n)
{
  g_autoptr(GString) claims = g_string_new ("{\"a\": [0");

  for (guint i = 1; i < values; i++)
    g_string_append (claims, ",0");
  g_string_append_printf (claims, "], \"n\": %u}", n);
  return make_raw_jwt ("{\"alg\": \"none\"}", claims->str, "");
}

/* The byte budget counts the claims a remembered user holds as the tree
 * they are in memory, not as the text they came in: "0," is two bytes of
 * text and about 110 bytes of tree. A hundred tokens of 1.1 KiB, each
 * with 400 values, take about 5 MiB, well past the budget of 2 MiB; and
 * claims that alone take more than 64 KiB are not remembered. */
static void
test_cache_bounded_by_claims (void)
{
  g_autoptr(NorthMcpAuth) auth = north_mcp_auth_new ();
  g_autoptr(SoupMessageHeaders) first = new_headers ();
  g_autoptr(SoupMessageHeaders) headers = new_headers ();
  g_autofree char *large = token_with_claims (4000, 0);

  soup_message_headers_append (first, "X-North-Server-Secret", "first");
  g_assert_false (hit_again (auth, first));
  g_assert_true (hit_again (auth, first));

  for (guint i = 0; i < 100; i++)
    {
      g_autofree char *token = token_with_claims (400, i);

      soup_message_headers_replace (headers, "X-North-ID-Token", token);
      g_assert_false (hit_again (auth, headers));
    }
  g_assert_false (hit_again (auth, first));

  /* 11 KiB of token, 440 KiB of claims. */
  soup_message_headers_replace (headers, "X-North-ID-Token", large);
  g_assert_false (hit_again (auth, headers));
  g_assert_false (hit_again (auth, headers));
}

/* A connector header of short names: "ab":"" is 11 bytes of base64 and
 * about 100 bytes of table in the user a decision remembers. Two hundred
 * headers of 2.5 KiB, each naming 240 connectors, take about 5.8 MiB
 * remembered (mallinfo2()), well past the budget of 2 MiB, though their
 * headers come to 1 MiB. */
static void
test_cache_bounded_by_connectors (void)
{
  g_autoptr(NorthMcpAuth) auth = north_mcp_auth_new ();
  g_autoptr(SoupMessageHeaders) first = new_headers ();
  g_autoptr(SoupMessageHeaders) headers = new_headers ();

  soup_message_headers_append (first, "X-North-Server-Secret", "first");
  g_assert_false (hit_again (auth, first));
  g_assert_true (hit_again (auth, first));

  for (guint i = 0; i < 200; i++)
    {
      g_autoptr(GString) json = g_string_new ("{");
      g_autofree char *encoded = NULL;

      for (guint j = 0; j < 240; j++)
        g_string_append_printf (json, "\"%c%c\": \"\", ", 'a' + j / 26, 'a' + j % 26);
      g_string_append_printf (json, "\"n\": \"%u\"}", i);
      encoded = b64url (json->str);
      soup_message_headers_replace (headers, "X-North-Connector-Tokens", encoded);
      g_assert_false (hit_again (auth, headers));
    }
  g_assert_false (hit_again (auth, first));
}

int
main (int argc, char **argv)
{
  g_unsetenv ("DEBUG");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/auth/open/no-headers", test_open_no_headers);
  g_test_add_func ("/auth/open/whitespace-headers", test_open_whitespace_headers);
  g_test_add_func ("/auth/enforced/no-credentials", test_enforced_no_credentials);
  g_test_add_func ("/auth/enforced/require-auth-accepts", test_require_auth_accepts_credentials);
  g_test_add_func ("/auth/bundle/invalid-base64", test_bundle_invalid_base64);
  g_test_add_func ("/auth/bundle/not-utf8", test_bundle_not_utf8);
  g_test_add_func ("/auth/bundle/invalid-json", test_bundle_invalid_json);
  g_test_add_func ("/auth/bundle/minimal", test_bundle_minimal);
  g_test_add_func ("/auth/bundle/nulls-and-extra-members", test_bundle_nulls_and_extra_members);
  g_test_add_func ("/auth/bundle/bearer-prefix", test_bundle_bearer_prefix);
  g_test_add_func ("/auth/secret/bundle", test_secret_bundle);
  g_test_add_func ("/auth/secret/x-north", test_secret_x_north);
  g_test_add_func ("/auth/secret/not-configured", test_secret_not_configured);
  g_test_add_func ("/auth/id-token/invalid", test_invalid_id_token);
  g_test_add_func ("/auth/id-token/unverified", test_id_token_unverified);
  g_test_add_func ("/auth/id-token/required-with-trusted-issuers", test_trusted_issuers_need_id_token);
  g_test_add_func ("/auth/connectors/header", test_connector_header);
  g_test_add_func ("/auth/connectors/header-alone", test_connector_header_alone);
  g_test_add_func ("/auth/connectors/bundle", test_connector_bundle);
  g_test_add_func ("/auth/connectors/warning-not-for-rejections", test_connector_warning_not_for_rejections);
  g_test_add_func ("/auth/precedence", test_precedence);
  g_test_add_func ("/auth/repeated-credential-headers", test_repeated_credential_headers);
  g_test_add_func ("/auth/email-fallback", test_email_fallback);
  g_test_add_func ("/auth/context-headers", test_context_headers);
  g_test_add_func ("/auth/seed-readme-token", test_seed_readme_token);
  g_test_add_func ("/auth/properties", test_properties);
  g_test_add_func ("/auth/debug/env", test_debug_env);
  g_test_add_func ("/auth/rejection-count", test_rejection_count);
  g_test_add_func ("/auth/debug/log-legacy", test_debug_log_legacy);
  g_test_add_func ("/auth/debug/log-x-north", test_debug_log_x_north);
  g_test_add_func ("/auth/cache/hit", test_cache_hit);
  g_test_add_func ("/auth/cache/config-changes", test_cache_config_changes);
  g_test_add_func ("/auth/cache/expired-token", test_cache_expired_token);
  g_test_add_func ("/auth/cache/distinct-headers", test_cache_distinct_headers);
  g_test_add_func ("/auth/cache/rejections", test_cache_rejections);
  g_test_add_func ("/auth/cache/bypassed", test_cache_bypassed);
  g_test_add_func ("/auth/connector-warning/throttled", test_connector_warning_throttled);
  g_test_add_func ("/auth/cache/bounded", test_cache_bounded);
  g_test_add_func ("/auth/cache/key-boundaries", test_cache_key_boundaries);
  g_test_add_func ("/auth/cache/one-byte", test_cache_one_byte);
  g_test_add_func ("/auth/cache/header-order", test_cache_header_order);
  g_test_add_func ("/auth/cache/bounded-by-keys", test_cache_bounded_by_keys);
  g_test_add_func ("/auth/cache/bounded-by-claims", test_cache_bounded_by_claims);
  g_test_add_func ("/auth/cache/bounded-by-connectors", test_cache_bounded_by_connectors);
  g_test_add_func ("/auth/cache/rejections-bounded", test_cache_rejections_bounded);
  g_test_add_func ("/auth/cache/rejections-never-clear", test_cache_rejections_never_clear);

  return g_test_run ();
}
