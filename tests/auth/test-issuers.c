/* test-issuers.c: trusted issuers against a real local OIDC issuer
 *
 * The test runs an issuer in-process: a SoupServer on 127.0.0.1 (port
 * chosen at run time) serving OIDC discovery and a JWK set with RSA and EC
 * keys generated when the test starts. Tokens are signed with libjwt.
 *
 * SPDX-License-Identifier: MIT
 */
#include <dlfcn.h>
#include <malloc.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "auth-test-util.h"
#include "north-mcp-base64-private.h"
#include "north-mcp-error.h"
#include "north-mcp-issuer-cache-private.h"

/* PEM public keys libcrypto has decoded, counted by standing in for its
 * decoder (this executable's definition comes first for libjwt too):
 * with OpenSSL 3 decoding one costs ten times an RSA verification. */
static guint pem_keys_decoded;

EVP_PKEY *
PEM_read_bio_PUBKEY (BIO              *bio,
                     EVP_PKEY        **key,
                     pem_password_cb  *callback,
                     void             *user_data)
{
  static EVP_PKEY *(*decode) (BIO *, EVP_PKEY **, pem_password_cb *, void *);

  if (decode == NULL)
    decode = dlsym (RTLD_NEXT, "PEM_read_bio_PUBKEY");
  pem_keys_decoded++;
  return decode (bio, key, callback, user_data);
}

typedef struct
{
  char *kid;
  char *private_pem;
  char *public_pem;
  char *jwk;          /* JSON object text */
  jwt_alg_t alg;
} TestKey;

static TestKey rsa_key, rsa_key_2, ec_key, attacker_key;
static TestKey rs384_key, rs512_key, es384_key, es512_key;

typedef struct
{
  SoupServer   *server;
  char         *issuer;        /* http://127.0.0.1:PORT */
  char         *slow_issuer;   /* .../slow, which never answers */
  char         *down_issuer;   /* a closed port */
  NorthMcpAuth *auth;

  GPtrArray    *jwks;          /* TestKey* served now */
  char         *cache_control; /* of both documents; NULL for none */
  guint         discovery_status;
  const char   *discovery_body; /* overrides the discovery document */
  guint         discovery_count;
  guint         jwks_count;
  GPtrArray    *paused;        /* SoupServerMessage */
  gboolean      jwks_hangs;    /* /jwks is paused like /slow/ */
  gsize         huge_sent;     /* bytes of the endless document handed out */
  guint         loop_count;    /* requests of /loop/, which redirects to itself */
} Fixture;

/* The endless document: chunks of HUGE_CHUNK bytes, HUGE_OFFERED in all,
 * the next one handed to the server only once the last one is written. */
#define HUGE_CHUNK (64 * 1024)
#define HUGE_OFFERED (64 * 1024 * 1024)

static char *
bio_string (BIO *bio)
{
  char *data = NULL;
  long length = BIO_get_mem_data (bio, &data);

  return g_strndup (data, (gsize) length);
}

static char *
bn_base64url (const BIGNUM *bn,
              int           length)
{
  g_autofree guchar *bytes = NULL;

  if (length <= 0)
    length = BN_num_bytes (bn);
  bytes = g_malloc (length);
  g_assert_cmpint (BN_bn2binpad (bn, bytes, length), ==, length);
  return north_mcp_base64url_encode (bytes, length);
}

static void
test_key_init (TestKey    *key,
               const char *kid,
               jwt_alg_t   alg)
{
  const char *alg_name = jwt_alg_str (alg);
  gboolean ec = alg_name[0] == 'E';
  /* EC: the curve and its coordinates' size by algorithm. */
  const char *curve = alg == JWT_ALG_ES512 ? "P-521" : alg == JWT_ALG_ES384 ? "P-384" : "P-256";
  int coordinate_length = alg == JWT_ALG_ES512 ? 66 : alg == JWT_ALG_ES384 ? 48 : 32;
  EVP_PKEY *pkey = ec ? EVP_EC_gen (curve) : EVP_RSA_gen (2048);
  BIO *private_bio = BIO_new (BIO_s_mem ());
  BIO *public_bio = BIO_new (BIO_s_mem ());

  g_assert_nonnull (pkey);
  g_assert_cmpint (PEM_write_bio_PrivateKey (private_bio, pkey, NULL, NULL, 0, NULL, NULL), ==, 1);
  g_assert_cmpint (PEM_write_bio_PUBKEY (public_bio, pkey), ==, 1);
  key->kid = g_strdup (kid);
  key->private_pem = bio_string (private_bio);
  key->public_pem = bio_string (public_bio);
  key->alg = alg;

  if (ec)
    {
      BIGNUM *x = NULL, *y = NULL;
      g_autofree char *x64 = NULL, *y64 = NULL;

      g_assert_true (EVP_PKEY_get_bn_param (pkey, OSSL_PKEY_PARAM_EC_PUB_X, &x));
      g_assert_true (EVP_PKEY_get_bn_param (pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &y));
      x64 = bn_base64url (x, coordinate_length);
      y64 = bn_base64url (y, coordinate_length);
      key->jwk = g_strdup_printf ("{\"kty\": \"EC\", \"crv\": \"%s\", \"kid\": \"%s\", "
                                  "\"use\": \"sig\", \"alg\": \"%s\", \"x\": \"%s\", \"y\": \"%s\"}",
                                  curve, kid, alg_name, x64, y64);
      BN_free (x);
      BN_free (y);
    }
  else
    {
      BIGNUM *n = NULL, *e = NULL;
      g_autofree char *n64 = NULL, *e64 = NULL;
      /* RS256 is the default of a JWK without alg. */
      g_autofree char *alg_member = alg == JWT_ALG_RS256 ? g_strdup ("")
                                                         : g_strdup_printf ("\"alg\": \"%s\", ", alg_name);

      g_assert_true (EVP_PKEY_get_bn_param (pkey, OSSL_PKEY_PARAM_RSA_N, &n));
      g_assert_true (EVP_PKEY_get_bn_param (pkey, OSSL_PKEY_PARAM_RSA_E, &e));
      n64 = bn_base64url (n, 0);
      e64 = bn_base64url (e, 0);
      key->jwk = g_strdup_printf ("{\"kty\": \"RSA\", \"kid\": \"%s\", \"use\": \"sig\", %s"
                                  "\"n\": \"%s\", \"e\": \"%s\"}", kid, alg_member, n64, e64);
      BN_free (n);
      BN_free (e);
    }

  BIO_free (private_bio);
  BIO_free (public_bio);
  EVP_PKEY_free (pkey);
}

static void
test_key_clear (TestKey *key)
{
  g_free (key->kid);
  g_free (key->private_pem);
  g_free (key->public_pem);
  g_free (key->jwk);
}

static void
huge_next_chunk (SoupServerMessage *msg,
                 Fixture           *fixture)
{
  SoupMessageBody *body = soup_server_message_get_response_body (msg);
  char *chunk;

  if (fixture->huge_sent >= HUGE_OFFERED)
    {
      soup_message_body_append (body, SOUP_MEMORY_STATIC, "\"}", 2);
      soup_message_body_complete (body);
      return;
    }
  chunk = g_malloc (HUGE_CHUNK);
  memset (chunk, 'x', HUGE_CHUNK);
  soup_message_body_append_take (body, (guchar *) chunk, HUGE_CHUNK);
  fixture->huge_sent += HUGE_CHUNK;
}

/* An issuer whose discovery document never ends (well, after 64 MiB). */
static void
serve_huge (SoupServerMessage *msg,
            Fixture           *fixture)
{
  SoupMessageHeaders *response_headers = soup_server_message_get_response_headers (msg);
  SoupMessageBody *body = soup_server_message_get_response_body (msg);

  soup_message_headers_set_encoding (response_headers, SOUP_ENCODING_CHUNKED);
  soup_message_headers_set_content_type (response_headers, "application/json", NULL);
  soup_message_body_set_accumulate (body, FALSE);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_body_append (body, SOUP_MEMORY_STATIC, "{\"pad\": \"", 9);
  g_signal_connect (msg, "wrote-chunk", G_CALLBACK (huge_next_chunk), fixture);
  huge_next_chunk (msg, fixture);
}

/* The issuer's HTTP side. */
static void
issuer_handler (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  Fixture *fixture = user_data;
  SoupMessageHeaders *response_headers = soup_server_message_get_response_headers (msg);
  g_autofree char *body = NULL;

  if (g_str_has_prefix (path, "/slow/") || (fixture->jwks_hangs && g_str_equal (path, "/jwks")))
    {
      g_ptr_array_add (fixture->paused, g_object_ref (msg));
      soup_server_message_pause (msg);
      return;
    }

  if (g_str_has_prefix (path, "/loop/"))
    {
      g_autofree char *next = g_strdup_printf ("%s/loop/%u", fixture->issuer, ++fixture->loop_count);

      soup_server_message_set_redirect (msg, SOUP_STATUS_FOUND, next);
      return;
    }

  if (g_str_equal (path, "/huge/.well-known/openid-configuration"))
    {
      serve_huge (msg, fixture);
      return;
    }

  if (g_str_equal (path, "/.well-known/openid-configuration"))
    {
      fixture->discovery_count++;
      if (fixture->discovery_status != SOUP_STATUS_OK)
        {
          soup_server_message_set_status (msg, fixture->discovery_status, NULL);
          return;
        }
      body = fixture->discovery_body != NULL
        ? g_strdup (fixture->discovery_body)
        : g_strdup_printf ("{\"issuer\": \"%s\", \"jwks_uri\": \"%s/jwks\", "
                           "\"id_token_signing_alg_values_supported\": [\"RS256\", \"ES256\"]}",
                           fixture->issuer, fixture->issuer);
    }
  else if (g_str_equal (path, "/jwks"))
    {
      GString *keys = g_string_new ("{\"keys\": [");

      fixture->jwks_count++;
      /* Keys this library cannot use are skipped, not fatal. */
      g_string_append (keys, "{\"kty\": \"oct\", \"kid\": \"hmac\", \"k\": \"c2VjcmV0\"}");
      for (guint i = 0; i < fixture->jwks->len; i++)
        {
          TestKey *key = g_ptr_array_index (fixture->jwks, i);

          g_string_append_printf (keys, ", %s", key->jwk);
        }
      g_string_append (keys, "]}");
      body = g_string_free (keys, FALSE);
    }
  else
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }

  if (fixture->cache_control != NULL)
    soup_message_headers_replace (response_headers, "Cache-Control", fixture->cache_control);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, body, strlen (body));
}

static char *
closed_port_url (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  guint16 port;

  /* Bind, read the port, close: nothing listens there afterwards. */
  g_assert_true (g_socket_bind (socket, any, FALSE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_close (socket, NULL);
  return g_strdup_printf ("http://127.0.0.1:%u", port);
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  GSList *uris;
  const char *issuers[4];

  fixture->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (fixture->server, NULL, issuer_handler, fixture, NULL);
  g_assert_true (soup_server_listen (fixture->server, address, 0, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (fixture->server);
  fixture->issuer = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  fixture->slow_issuer = g_strconcat (fixture->issuer, "/slow", NULL);
  fixture->down_issuer = closed_port_url ();

  fixture->jwks = g_ptr_array_new ();
  g_ptr_array_add (fixture->jwks, &rsa_key);
  g_ptr_array_add (fixture->jwks, &ec_key);
  fixture->discovery_status = SOUP_STATUS_OK;
  fixture->paused = g_ptr_array_new_with_free_func (g_object_unref);

  issuers[0] = fixture->issuer;
  issuers[1] = fixture->slow_issuer;
  issuers[2] = fixture->down_issuer;
  issuers[3] = NULL;
  fixture->auth = north_mcp_auth_new ();
  north_mcp_auth_set_trusted_issuers (fixture->auth, issuers);
  /* Generous: a loaded machine under ASan can be slow. The slow-issuer
   * test shortens it for itself. */
  north_mcp_auth_set_fetch_timeout (fixture->auth, 10000);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_object (&fixture->auth);

  /* Let the paused requests of the slow issuer end. */
  for (guint i = 0; i < fixture->paused->len; i++)
    {
      SoupServerMessage *msg = g_ptr_array_index (fixture->paused, i);

      soup_server_message_set_status (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, NULL);
      soup_server_message_unpause (msg);
    }
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_ptr_array_unref (fixture->paused);

  soup_server_disconnect (fixture->server);
  g_clear_object (&fixture->server);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_ptr_array_unref (fixture->jwks);
  g_free (fixture->cache_control);
  g_free (fixture->issuer);
  g_free (fixture->slow_issuer);
  g_free (fixture->down_issuer);
}

/* A token signed with @key (kid @kid, or the key's own when NULL). */
static char *
sign (TestKey    *key,
      const char *kid,
      const char *claims_format,
      ...) G_GNUC_PRINTF (3, 4);

static char *
sign (TestKey    *key,
      const char *kid,
      const char *claims_format,
      ...)
{
  g_autofree char *claims = NULL;
  va_list args;

  va_start (args, claims_format);
  claims = g_strdup_vprintf (claims_format, args);
  va_end (args);

  return make_jwt (key->alg, key->private_pem, strlen (key->private_pem),
                   kid != NULL ? kid : key->kid, claims);
}

static char *
sign_valid (Fixture *fixture,
            TestKey *key)
{
  return sign (key, NULL, "{\"iss\": \"%s\", \"email\": \"alice@example.com\", \"sub\": \"a\", "
               "\"exp\": %" G_GINT64_FORMAT "}", fixture->issuer,
               g_get_real_time () / G_USEC_PER_SEC + 600);
}

static void
run (Fixture    *fixture,
     const char *token,
     AuthResult *result)
{
  g_autoptr(SoupMessageHeaders) headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);

  soup_message_headers_append (headers, "X-North-ID-Token", token);
  start_authenticate (fixture->auth, headers, result);
  wait_for (result);
}

/* A token naming the issuer's RSA kid, signed by someone else. */
static char *
forge (Fixture *fixture)
{
  return sign (&attacker_key, rsa_key.kid, "{\"iss\": \"%s\", \"email\": \"alice@example.com\"}",
               fixture->issuer);
}

static void
assert_accepted (Fixture    *fixture,
                 const char *token)
{
  AuthResult result = { 0 };

  run (fixture, token, &result);
  g_assert_no_error (result.error);
  g_assert_nonnull (result.user);
  g_assert_cmpstr (north_mcp_user_get_email (result.user), ==, "alice@example.com");
  g_assert_cmpstr (north_mcp_user_get_id_token (result.user), ==, token);
  auth_result_clear (&result);
}

static void
assert_rejected (Fixture           *fixture,
                 const char        *token,
                 NorthMcpAuthError  code,
                 const char        *message)
{
  AuthResult result = { 0 };

  run (fixture, token, &result);
  g_assert_null (result.user);
  g_assert_error (result.error, NORTH_MCP_AUTH_ERROR, (gint) code);
  g_assert_cmpstr (result.error->message, ==, message);
  auth_result_clear (&result);
}

static gboolean
decided_without_network (Fixture    *fixture,
                         const char *token)
{
  g_autoptr(SoupMessageHeaders) headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  g_autoptr(NorthMcpUser) user = NULL;
  g_autoptr(GError) error = NULL;
  gboolean decided;

  soup_message_headers_append (headers, "X-North-ID-Token", token);
  decided = north_mcp_auth_authenticate_cached (fixture->auth, headers, NULL, &user, &error);
  if (decided)
    {
      g_assert_no_error (error);
      g_assert_nonnull (user);
    }
  return decided;
}

static void
test_valid_rs256 (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *token = sign_valid (fixture, &rsa_key);
  AuthResult result = { 0 };
  JsonObject *claims;

  g_assert_false (decided_without_network (fixture, token));
  run (fixture, token, &result);
  g_assert_no_error (result.error);
  g_assert_cmpstr (north_mcp_user_get_email (result.user), ==, "alice@example.com");
  claims = north_mcp_user_get_claims (result.user);
  g_assert_cmpstr (json_object_get_string_member (claims, "iss"), ==, fixture->issuer);
  g_assert_cmpstr (json_object_get_string_member (claims, "sub"), ==, "a");
  auth_result_clear (&result);
  g_assert_cmpuint (fixture->discovery_count, ==, 1);
  g_assert_cmpuint (fixture->jwks_count, ==, 1);

  /* Cached now: decided at once, no fetch. */
  g_assert_true (decided_without_network (fixture, token));
  assert_accepted (fixture, token);
  g_assert_cmpuint (fixture->discovery_count, ==, 1);
  g_assert_cmpuint (fixture->jwks_count, ==, 1);
}

static void
test_valid_es256 (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *token = sign_valid (fixture, &ec_key);
  g_autofree char *rsa_token = sign_valid (fixture, &rsa_key);

  assert_accepted (fixture, token);
  /* Another key of the same set needs no fetch. */
  g_assert_true (decided_without_network (fixture, rsa_token));
  g_assert_cmpuint (fixture->jwks_count, ==, 1);
}

static void
test_wrong_signature (Fixture       *fixture,
                      gconstpointer  data)
{
  /* Signed by another RSA key, claiming the issuer's kid. */
  g_autofree char *forged = forge (fixture);
  g_autofree char *valid = sign_valid (fixture, &rsa_key);
  g_auto(GStrv) parts = g_strsplit (valid, ".", 3);
  g_autofree char *tampered = NULL;
  g_autofree char *spliced = NULL;

  assert_rejected (fixture, forged, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "invalid user id token");

  /* The issuer's signature over other claims. */
  {
    g_autofree char *claims = g_strdup_printf ("{\"iss\": \"%s\", \"email\": \"mallory@example.com\"}",
                                               fixture->issuer);
    g_autofree char *encoded = north_mcp_base64url_encode ((const guchar *) claims, strlen (claims));

    spliced = g_strjoin (".", parts[0], encoded, parts[2], NULL);
  }
  assert_rejected (fixture, spliced, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "invalid user id token");

  /* A signature of the wrong key type: RS256 header, EC kid. */
  tampered = sign (&rsa_key, ec_key.kid, "{\"iss\": \"%s\", \"email\": \"alice@example.com\"}",
                   fixture->issuer);
  assert_rejected (fixture, tampered, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "invalid user id token");
}

/* Every algorithm a key may fix: its tokens pass, and fail with one
 * character of their signature changed, or its last three bytes cut. */
static void
test_all_algorithms (Fixture       *fixture,
                     gconstpointer  data)
{
  TestKey *keys[] = { &rsa_key, &rs384_key, &rs512_key, &ec_key, &es384_key, &es512_key };

  g_ptr_array_add (fixture->jwks, &rs384_key);
  g_ptr_array_add (fixture->jwks, &rs512_key);
  g_ptr_array_add (fixture->jwks, &es384_key);
  g_ptr_array_add (fixture->jwks, &es512_key);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autofree char *token = sign_valid (fixture, keys[i]);
      g_autofree char *changed = g_strdup (token);
      g_autofree char *short_by_one = NULL;
      char *signature = strrchr (changed, '.') + 1;

      g_test_message ("%s", jwt_alg_str (keys[i]->alg));
      assert_accepted (fixture, token);
      signature[10] = signature[10] == 'A' ? 'B' : 'A';
      assert_rejected (fixture, changed, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "invalid user id token");
      /* Four characters are three bytes. */
      short_by_one = g_strndup (token, strlen (token) - 4);
      assert_rejected (fixture, short_by_one, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "invalid user id token");
    }
}

static void
test_unknown_kid_then_rotation (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autofree char *old_token = sign_valid (fixture, &rsa_key);
  g_autofree char *new_token = sign_valid (fixture, &rsa_key_2);

  assert_accepted (fixture, old_token);
  g_assert_cmpuint (fixture->jwks_count, ==, 1);

  /* An unknown kid right after a fetch: no re-fetch within the interval. */
  assert_rejected (fixture, new_token, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "invalid user id token");
  g_assert_cmpuint (fixture->jwks_count, ==, 1);

  /* After the interval: the key set is re-fetched once, the kid is still
   * unknown. Discovery is fresh, so only the key set is fetched. */
  north_mcp_auth_set_refresh_interval (fixture->auth, 0);
  assert_rejected (fixture, new_token, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "invalid user id token");
  g_assert_cmpuint (fixture->jwks_count, ==, 2);
  g_assert_cmpuint (fixture->discovery_count, ==, 1);

  /* The issuer rotates; within the interval there is still no re-fetch. */
  g_ptr_array_add (fixture->jwks, &rsa_key_2);
  north_mcp_auth_set_refresh_interval (fixture->auth, 5000);
  assert_rejected (fixture, new_token, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "invalid user id token");
  g_assert_cmpuint (fixture->jwks_count, ==, 2);

  /* Once the interval is over, the new key is fetched and accepted. */
  north_mcp_auth_set_refresh_interval (fixture->auth, 0);
  assert_accepted (fixture, new_token);
  g_assert_cmpuint (fixture->jwks_count, ==, 3);
  assert_accepted (fixture, old_token);
  g_assert_cmpuint (fixture->jwks_count, ==, 3);
}

static void
test_expired (Fixture       *fixture,
              gconstpointer  data)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *expired = sign (&rsa_key, NULL, "{\"iss\": \"%s\", \"email\": \"alice@example.com\", "
                                   "\"exp\": %" G_GINT64_FORMAT "}", fixture->issuer, now - 120);
  g_autofree char *in_leeway = sign (&rsa_key, NULL, "{\"iss\": \"%s\", \"email\": \"alice@example.com\", "
                                     "\"exp\": %" G_GINT64_FORMAT "}", fixture->issuer, now - 30);
  g_autofree char *bad_type = sign (&rsa_key, NULL, "{\"iss\": \"%s\", \"email\": \"alice@example.com\", "
                                    "\"exp\": \"tomorrow\"}", fixture->issuer);

  g_autofree char *far_future = sign (&rsa_key, NULL, "{\"iss\": \"%s\", \"email\": \"alice@example.com\", "
                                      "\"exp\": 1e300}", fixture->issuer);

  assert_accepted (fixture, far_future);
  g_assert_true (decided_without_network (fixture, far_future));
  assert_rejected (fixture, expired, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "invalid user id token");
  assert_rejected (fixture, bad_type, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "invalid user id token");
  assert_accepted (fixture, in_leeway);
}

/* A time @claim 120 s in the future is refused, 30 s (within the leeway)
 * is not. */
static void
assert_future_claim_refused (Fixture    *fixture,
                             TestKey    *key,
                             const char *claim)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *early = sign (key, NULL, "{\"iss\": \"%s\", \"email\": \"alice@example.com\", "
                                 "\"%s\": %" G_GINT64_FORMAT "}", fixture->issuer, claim, now + 120);
  g_autofree char *in_leeway = sign (key, NULL, "{\"iss\": \"%s\", \"email\": \"alice@example.com\", "
                                     "\"%s\": %" G_GINT64_FORMAT "}", fixture->issuer, claim, now + 30);

  assert_rejected (fixture, early, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "invalid user id token");
  assert_accepted (fixture, in_leeway);
}

static void
test_not_yet_valid (Fixture       *fixture,
                    gconstpointer  data)
{
  assert_future_claim_refused (fixture, &ec_key, "nbf");
}

/* The North Python SDK (PyJWT) refuses a token issued in the future
 * ("The token is not yet valid (iat)") and an iat that is no number;
 * within the leeway of exp and nbf it passes. */
static void
test_issued_in_future (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *bad_type = sign (&rsa_key, NULL, "{\"iss\": \"%s\", \"email\": \"alice@example.com\", "
                                    "\"iat\": \"yesterday\"}", fixture->issuer);

  assert_rejected (fixture, bad_type, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "invalid user id token");
  assert_future_claim_refused (fixture, &rsa_key, "iat");
}

/* A token refused for its claims (expired, not yet valid, issued in the
 * future, for another audience) is refused before its signature is
 * checked: a client that retries an expired token for months, or anyone
 * with an issuer's kid, costs no RSA or EC verification per request. */
static void
test_claims_checked_before_signature (Fixture       *fixture,
                                      gconstpointer  data)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *warm = sign_valid (fixture, &rsa_key);
  g_autofree char *expired = sign (&rsa_key, NULL, "{\"iss\": \"%s\", \"exp\": %" G_GINT64_FORMAT "}",
                                   fixture->issuer, now - 120);
  g_autofree char *early = sign (&ec_key, NULL, "{\"iss\": \"%s\", \"nbf\": %" G_GINT64_FORMAT "}",
                                 fixture->issuer, now + 120);
  g_autofree char *future = sign (&rsa_key, NULL, "{\"iss\": \"%s\", \"iat\": %" G_GINT64_FORMAT "}",
                                  fixture->issuer, now + 120);
  g_autofree char *bad_type = sign (&rsa_key, NULL, "{\"iss\": \"%s\", \"exp\": \"tomorrow\"}",
                                    fixture->issuer);
  g_autofree char *other = sign (&rsa_key, NULL, "{\"iss\": \"%s\", \"aud\": \"someone-else\"}",
                                 fixture->issuer);
  const char *refused[] = { expired, early, future, bad_type, other };

  assert_accepted (fixture, warm);
  g_assert_cmpuint (north_mcp_auth_get_signature_checks (fixture->auth), ==, 1);

  north_mcp_auth_set_audience (fixture->auth, "north-mcp");
  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    for (guint repeat = 0; repeat < 2; repeat++)
      assert_rejected (fixture, refused[i], NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "invalid user id token");
  g_assert_cmpuint (north_mcp_auth_get_signature_checks (fixture->auth), ==, 1);
}

static void
test_issuer_claim (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *untrusted = sign (&rsa_key, NULL, "{\"iss\": \"https://evil.example.com\", "
                                     "\"email\": \"alice@example.com\"}");
  g_autofree char *trailing_slash = sign (&rsa_key, NULL, "{\"iss\": \"%s/\", "
                                          "\"email\": \"alice@example.com\"}", fixture->issuer);
  g_autofree char *missing = sign (&rsa_key, NULL, "{\"email\": \"alice@example.com\"}");
  g_autofree char *null_iss = sign (&rsa_key, NULL, "{\"iss\": null, \"email\": \"alice@example.com\"}");
  g_autofree char *number = sign (&rsa_key, NULL, "{\"iss\": 7, \"email\": \"alice@example.com\"}");
  g_autofree char *empty = sign (&rsa_key, NULL, "{\"iss\": \"\", \"email\": \"alice@example.com\"}");
  g_autofree char *message = g_strdup_printf ("Untrusted issuer: %s/", fixture->issuer);

  assert_rejected (fixture, untrusted, NORTH_MCP_AUTH_ERROR_UNTRUSTED_ISSUER,
                   "Untrusted issuer: https://evil.example.com");
  assert_rejected (fixture, trailing_slash, NORTH_MCP_AUTH_ERROR_UNTRUSTED_ISSUER, message);
  assert_rejected (fixture, missing, NORTH_MCP_AUTH_ERROR_MISSING_ISSUER, "Token missing issuer");
  assert_rejected (fixture, null_iss, NORTH_MCP_AUTH_ERROR_MISSING_ISSUER, "Token missing issuer");
  /* The North Python SDK: an empty iss is a missing one, not an untrusted "". */
  assert_rejected (fixture, empty, NORTH_MCP_AUTH_ERROR_MISSING_ISSUER, "Token missing issuer");
  assert_rejected (fixture, number, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "invalid user id token");
  /* None of these reached the network. */
  g_assert_cmpuint (fixture->discovery_count, ==, 0);
}

static void
test_missing_kid (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *claims = g_strdup_printf ("{\"iss\": \"%s\", \"email\": \"alice@example.com\"}",
                                             fixture->issuer);
  g_autofree char *token = make_jwt (JWT_ALG_RS256, rsa_key.private_pem, strlen (rsa_key.private_pem),
                                     NULL, claims);
  g_autofree char *empty_kid = make_jwt (JWT_ALG_RS256, rsa_key.private_pem,
                                         strlen (rsa_key.private_pem), "", claims);
  g_autofree char *number_kid = make_raw_jwt ("{\"alg\": \"RS256\", \"kid\": 5}", claims, "c2ln");
  g_autofree char *null_kid = make_raw_jwt ("{\"alg\": \"RS256\", \"kid\": null}", claims, "c2ln");
  g_autofree char *object_kid = make_raw_jwt ("{\"alg\": \"RS256\", \"kid\": {\"id\": \"rsa-1\"}}",
                                              claims, "c2ln");

  assert_rejected (fixture, token, NORTH_MCP_AUTH_ERROR_MISSING_KEY_ID, "Token missing key identifier");
  assert_rejected (fixture, empty_kid, NORTH_MCP_AUTH_ERROR_MISSING_KEY_ID, "Token missing key identifier");
  /* A kid that is no string is a malformed token, as the North Python
   * SDK's JWT library says, not a missing kid. */
  assert_rejected (fixture, number_kid, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "invalid user id token");
  assert_rejected (fixture, null_kid, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "invalid user id token");
  assert_rejected (fixture, object_kid, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "invalid user id token");
  g_assert_cmpuint (fixture->discovery_count, ==, 0);
}

static void
test_alg_none (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree char *claims = g_strdup_printf ("{\"iss\": \"%s\", \"email\": \"alice@example.com\"}",
                                             fixture->issuer);
  g_autofree char *none = make_raw_jwt ("{\"alg\": \"none\", \"kid\": \"rsa-1\"}", claims, "");
  g_autofree char *none_upper = make_raw_jwt ("{\"alg\": \"None\", \"kid\": \"rsa-1\"}", claims, "");
  g_autofree char *no_alg = make_raw_jwt ("{\"kid\": \"rsa-1\"}", claims, "");
  g_autofree char *ps256 = make_raw_jwt ("{\"alg\": \"PS256\", \"kid\": \"rsa-1\"}", claims, "c2ln");

  assert_rejected (fixture, none, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "invalid user id token");
  assert_rejected (fixture, none_upper, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "invalid user id token");
  assert_rejected (fixture, no_alg, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "invalid user id token");
  assert_rejected (fixture, ps256, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "invalid user id token");
}

/* HS256 keyed with the issuer's public key PEM: the classic confusion. */
static void
test_algorithm_confusion (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autofree char *claims = g_strdup_printf ("{\"iss\": \"%s\", \"email\": \"alice@example.com\"}",
                                             fixture->issuer);
  g_autofree char *hs256 = make_jwt (JWT_ALG_HS256, rsa_key.public_pem, strlen (rsa_key.public_pem),
                                     rsa_key.kid, claims);
  g_autofree char *hs512 = make_jwt (JWT_ALG_HS512, ec_key.public_pem, strlen (ec_key.public_pem),
                                     ec_key.kid, claims);
  g_autofree char *valid = sign_valid (fixture, &rsa_key);

  /* Keys cached first, so that the rejection is not a fetch failure. */
  assert_accepted (fixture, valid);
  assert_rejected (fixture, hs256, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "invalid user id token");
  assert_rejected (fixture, hs512, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "invalid user id token");

  /* ES256 header on the RSA key: the key fixes the algorithm. */
  {
    g_autofree char *es_on_rsa = make_jwt (JWT_ALG_ES256, ec_key.private_pem,
                                           strlen (ec_key.private_pem), rsa_key.kid, claims);
    assert_rejected (fixture, es_on_rsa, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "invalid user id token");
  }
}

/* RFC 7515 4.1.11: a JWS whose "crit" names extensions the recipient
 * does not understand must be rejected; we understand none. */
static void
test_crit_header (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *claims = g_strdup_printf ("{\"iss\": \"%s\", \"email\": \"alice@example.com\", "
                                             "\"exp\": %" G_GINT64_FORMAT "}", fixture->issuer,
                                             g_get_real_time () / G_USEC_PER_SEC + 600);
  jwt_t *jwt = NULL;
  char *encoded;
  g_autofree char *token = NULL;

  g_assert_cmpint (jwt_new (&jwt), ==, 0);
  g_assert_cmpint (jwt_add_grants_json (jwt, claims), ==, 0);
  g_assert_cmpint (jwt_add_headers_json (jwt, "{\"kid\": \"rsa-1\", \"crit\": [\"urn:example:ext\"], "
                                         "\"urn:example:ext\": true}"), ==, 0);
  g_assert_cmpint (jwt_set_alg (jwt, rsa_key.alg, (const unsigned char *) rsa_key.private_pem,
                                (int) strlen (rsa_key.private_pem)), ==, 0);
  encoded = jwt_encode_str (jwt);
  g_assert_nonnull (encoded);
  token = g_strdup (encoded);
  free (encoded);
  jwt_free (jwt);

  assert_rejected (fixture, token, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "invalid user id token");
}

static void
test_audience (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree char *none = sign (&rsa_key, NULL, "{\"iss\": \"%s\", \"email\": \"alice@example.com\"}",
                                fixture->issuer);
  g_autofree char *other = sign (&rsa_key, NULL, "{\"iss\": \"%s\", \"email\": \"alice@example.com\", "
                                 "\"aud\": \"someone-else\"}", fixture->issuer);
  g_autofree char *match = sign (&rsa_key, NULL, "{\"iss\": \"%s\", \"email\": \"alice@example.com\", "
                                 "\"aud\": \"north-mcp\"}", fixture->issuer);
  g_autofree char *in_list = sign (&rsa_key, NULL, "{\"iss\": \"%s\", \"email\": \"alice@example.com\", "
                                   "\"aud\": [\"x\", \"north-mcp\"]}", fixture->issuer);

  /* Not checked unless configured. */
  assert_accepted (fixture, other);

  north_mcp_auth_set_audience (fixture->auth, "north-mcp");
  assert_rejected (fixture, none, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "invalid user id token");
  assert_rejected (fixture, other, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "invalid user id token");
  assert_accepted (fixture, match);
  assert_accepted (fixture, in_list);
}

static void
test_issuer_down (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *token = sign (&rsa_key, NULL, "{\"iss\": \"%s\", \"email\": \"alice@example.com\"}",
                                 fixture->down_issuer);

  assert_rejected (fixture, token, NORTH_MCP_AUTH_ERROR_ISSUER_UNAVAILABLE,
                   "Failed to verify token: unable to fetch issuer configuration");
}

/* A slow issuer times out with a clear error while other requests pass. */
static void
test_issuer_slow (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *slow_token = sign (&rsa_key, NULL, "{\"iss\": \"%s\", \"email\": \"alice@example.com\"}",
                                      fixture->slow_issuer);
  g_autofree char *good_token = sign_valid (fixture, &rsa_key);
  g_autoptr(SoupMessageHeaders) slow_headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  g_autoptr(SoupMessageHeaders) good_headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  AuthResult slow = { 0 };
  AuthResult good = { 0 };

  assert_accepted (fixture, good_token);
  north_mcp_auth_set_fetch_timeout (fixture->auth, 300);

  soup_message_headers_append (slow_headers, "X-North-ID-Token", slow_token);
  soup_message_headers_append (good_headers, "X-North-ID-Token", good_token);
  start_authenticate (fixture->auth, slow_headers, &slow);
  start_authenticate (fixture->auth, good_headers, &good);

  wait_for (&good);
  g_assert_false (slow.done);
  g_assert_no_error (good.error);
  g_assert_nonnull (good.user);

  wait_for (&slow);
  g_assert_error (slow.error, NORTH_MCP_AUTH_ERROR, NORTH_MCP_AUTH_ERROR_ISSUER_UNAVAILABLE);
  g_assert_cmpstr (slow.error->message, ==, "Failed to verify token: unable to fetch issuer configuration");
  g_assert_cmpuint (fixture->paused->len, ==, 1);

  auth_result_clear (&slow);
  auth_result_clear (&good);
}

static void
test_issuer_bad_documents (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autofree char *token = sign_valid (fixture, &rsa_key);
  g_autofree char *other_origin = g_strdup_printf ("{\"jwks_uri\": \"file:///etc/passwd\"}");
  const char * const bodies[] = {
    "not json", "[]", "{}", "{\"jwks_uri\": 5}", other_origin, "{\"jwks_uri\": \"http://127.0.0.1:1/jwks\"}",
  };

  /* Every attempt below is fetched: no back-off between them. */
  north_mcp_auth_set_retry_backoff (fixture->auth, 0, 0);
  fixture->discovery_status = SOUP_STATUS_NOT_FOUND;
  assert_rejected (fixture, token, NORTH_MCP_AUTH_ERROR_ISSUER_UNAVAILABLE,
                   "Failed to verify token: unable to fetch issuer configuration");
  fixture->discovery_status = SOUP_STATUS_INTERNAL_SERVER_ERROR;
  assert_rejected (fixture, token, NORTH_MCP_AUTH_ERROR_ISSUER_UNAVAILABLE,
                   "Failed to verify token: unable to fetch issuer configuration");
  fixture->discovery_status = SOUP_STATUS_OK;

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      fixture->discovery_body = bodies[i];
      assert_rejected (fixture, token, NORTH_MCP_AUTH_ERROR_ISSUER_UNAVAILABLE,
                       "Failed to verify token: unable to fetch issuer configuration");
    }

  /* The issuer recovers. */
  fixture->discovery_body = NULL;
  assert_accepted (fixture, token);
}

/* Concurrent requests during a fetch share it. */
static void
test_concurrent_share_fetch (Fixture       *fixture,
                             gconstpointer  data)
{
  enum { N = 12 };
  AuthResult results[N] = { { 0 } };
  SoupMessageHeaders *headers[N];
  char *tokens[N];

  for (guint i = 0; i < N; i++)
    {
      tokens[i] = sign_valid (fixture, i % 2 ? &rsa_key : &ec_key);
      headers[i] = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
      soup_message_headers_append (headers[i], "X-North-ID-Token", tokens[i]);
      start_authenticate (fixture->auth, headers[i], &results[i]);
    }
  for (guint i = 0; i < N; i++)
    {
      wait_for (&results[i]);
      g_assert_no_error (results[i].error);
      g_assert_nonnull (results[i].user);
      auth_result_clear (&results[i]);
      soup_message_headers_unref (headers[i]);
      g_free (tokens[i]);
    }
  g_assert_cmpuint (fixture->discovery_count, ==, 1);
  g_assert_cmpuint (fixture->jwks_count, ==, 1);
}

/* Cache-Control: max-age is respected, with a floor of 60 s: max-age=0
 * and no-store do not make every request fetch the keys again. */
static void
test_cache_max_age (Fixture       *fixture,
                    gconstpointer  data)
{
  const char * const short_lived[] = { "public, max-age=0", "no-store", "no-cache, max-age=5" };

  for (guint i = 0; i < G_N_ELEMENTS (short_lived); i++)
    {
      g_autoptr(NorthMcpAuth) auth = north_mcp_auth_new ();
      const char *issuers[] = { fixture->issuer, NULL };
      guint discovery_before = fixture->discovery_count;
      guint jwks_before = fixture->jwks_count;

      /* A fresh auth each time: nothing cached. */
      g_set_object (&fixture->auth, auth);
      north_mcp_auth_set_trusted_issuers (fixture->auth, issuers);
      g_free (fixture->cache_control);
      fixture->cache_control = g_strdup (short_lived[i]);

      for (guint n = 0; n < 8; n++)
        {
          g_autofree char *token = sign (n % 2 ? &rsa_key : &ec_key, NULL,
                                         "{\"iss\": \"%s\", \"email\": \"alice@example.com\", \"n\": %u}",
                                         fixture->issuer, n);

          assert_accepted (fixture, token);
          /* Verified tokens are answered from the cache afterwards. */
          g_assert_true (decided_without_network (fixture, token));
        }
      g_assert_cmpuint (fixture->discovery_count - discovery_before, ==, 1);
      g_assert_cmpuint (fixture->jwks_count - jwks_before, ==, 1);
    }

  g_free (fixture->cache_control);
  fixture->cache_control = g_strdup ("max-age=3600");
  {
    g_autofree char *token4 = sign (&rsa_key, NULL, "{\"iss\": \"%s\", \"email\": \"alice@example.com\", \"n\": 4}",
                                    fixture->issuer);
    g_autofree char *token5 = sign (&ec_key, NULL, "{\"iss\": \"%s\", \"email\": \"alice@example.com\", \"n\": 5}",
                                    fixture->issuer);
    guint before;

    north_mcp_auth_set_refresh_interval (fixture->auth, 0);  /* clears decisions */
    assert_accepted (fixture, token4);
    before = fixture->jwks_count;
    assert_accepted (fixture, token5);
    g_assert_true (decided_without_network (fixture, token5));
    g_assert_cmpuint (fixture->jwks_count, ==, before);
  }
}

/* A failed fetch is remembered: until the back-off passes, requests for
 * that issuer fail at once with the same message and no fetch; then the
 * issuer is tried again. */
static void
test_issuer_backoff (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *token = sign_valid (fixture, &rsa_key);
  g_autofree char *other = sign (&ec_key, NULL, "{\"iss\": \"%s\", \"email\": \"bob@example.com\"}",
                                 fixture->issuer);
  g_autofree char *down = sign (&rsa_key, NULL, "{\"iss\": \"%s\"}", fixture->down_issuer);
  g_autoptr(SoupMessageHeaders) headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  g_autoptr(NorthMcpUser) user = NULL;
  g_autoptr(GError) error = NULL;

  /* Long enough that nothing below outlives it by accident. */
  north_mcp_auth_set_retry_backoff (fixture->auth, 3600 * 1000, 3600 * 1000);

  fixture->discovery_status = SOUP_STATUS_SERVICE_UNAVAILABLE;
  assert_rejected (fixture, token, NORTH_MCP_AUTH_ERROR_ISSUER_UNAVAILABLE,
                   "Failed to verify token: unable to fetch issuer configuration");
  g_assert_cmpuint (fixture->discovery_count, ==, 1);

  /* The issuer is back, but not asked yet: the next requests, other
   * tokens too, are refused without the network. */
  fixture->discovery_status = SOUP_STATUS_OK;
  for (guint i = 0; i < 3; i++)
    {
      soup_message_headers_replace (headers, "X-North-ID-Token", i % 2 ? other : token);
      g_assert_true (north_mcp_auth_authenticate_cached (fixture->auth, headers, NULL, &user, &error));
      g_assert_null (user);
      g_assert_error (error, NORTH_MCP_AUTH_ERROR, NORTH_MCP_AUTH_ERROR_ISSUER_UNAVAILABLE);
      g_assert_cmpstr (error->message, ==, "Failed to verify token: unable to fetch issuer configuration");
      g_clear_error (&error);
    }
  assert_rejected (fixture, other, NORTH_MCP_AUTH_ERROR_ISSUER_UNAVAILABLE,
                   "Failed to verify token: unable to fetch issuer configuration");
  g_assert_cmpuint (fixture->discovery_count, ==, 1);

  /* Another issuer's failure is its own. */
  assert_rejected (fixture, down, NORTH_MCP_AUTH_ERROR_ISSUER_UNAVAILABLE,
                   "Failed to verify token: unable to fetch issuer configuration");

  /* Once the back-off has passed (here: made 0), the issuer is fetched
   * again and the same tokens pass. */
  north_mcp_auth_set_retry_backoff (fixture->auth, 0, 0);
  assert_accepted (fixture, token);
  g_assert_cmpuint (fixture->discovery_count, ==, 2);
  g_assert_cmpuint (fixture->jwks_count, ==, 1);
}

typedef struct
{
  gboolean  done;
  GError   *error;
} FetchResult;

static void
on_fetched (GObject      *source,
            GAsyncResult *res,
            gpointer      user_data)
{
  FetchResult *result = user_data;
  g_autoptr(GHashTable) keys = north_mcp_issuer_cache_fetch_finish (NORTH_MCP_ISSUER_CACHE (source),
                                                                   res, &result->error);

  g_assert_true ((keys == NULL) == (result->error != NULL));
  result->done = TRUE;
}

/* Fetches @issuer's keys into @cache: the error it failed with, or NULL. */
static GError *
fetch_error (NorthMcpIssuerCache *cache,
             const char          *issuer)
{
  FetchResult result = { 0 };

  north_mcp_issuer_cache_fetch_async (cache, issuer, NULL, on_fetched, &result);
  while (!result.done)
    g_main_context_iteration (NULL, TRUE);
  return result.error;
}

static gboolean
fetch_now (NorthMcpIssuerCache *cache,
           const char          *issuer)
{
  g_autoptr(GError) error = fetch_error (cache, issuer);

  return error == NULL;
}

/* The back-off starts at 5 s, doubles with each failure in a row up to
 * 60 s, and a success ends it. */
static void
test_issuer_backoff_growth (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(NorthMcpIssuerCache) cache = north_mcp_issuer_cache_new ();
  const guint expected[] = { 5000, 10000, 20000, 40000, 60000, 60000, 60000 };
  g_autoptr(NorthMcpJwk) key = NULL;

  g_assert_cmpuint (north_mcp_issuer_cache_get_retry_delay (cache, fixture->issuer), ==, 0);
  fixture->discovery_status = SOUP_STATUS_INTERNAL_SERVER_ERROR;
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      /* Let the attempt through, then read the back-off it earned. */
      north_mcp_issuer_cache_set_retry_backoff (cache, 0, 0);
      g_assert_false (fetch_now (cache, fixture->issuer));
      g_assert_cmpuint (fixture->discovery_count, ==, i + 1);

      north_mcp_issuer_cache_set_retry_backoff (cache, NORTH_MCP_ISSUER_CACHE_DEFAULT_RETRY_INITIAL_MS,
                                                NORTH_MCP_ISSUER_CACHE_DEFAULT_RETRY_MAX_MS);
      g_assert_cmpuint (north_mcp_issuer_cache_get_retry_delay (cache, fixture->issuer), ==, expected[i]);
      g_assert_cmpint (north_mcp_issuer_cache_lookup (cache, fixture->issuer, rsa_key.kid, &key), ==,
                       NORTH_MCP_ISSUER_KEY_UNAVAILABLE);
      /* A fetch asked for under back-off fails without the network. */
      g_assert_false (fetch_now (cache, fixture->issuer));
      g_assert_cmpuint (fixture->discovery_count, ==, i + 1);
    }

  fixture->discovery_status = SOUP_STATUS_OK;
  north_mcp_issuer_cache_set_retry_backoff (cache, 0, 0);
  g_assert_true (fetch_now (cache, fixture->issuer));
  north_mcp_issuer_cache_set_retry_backoff (cache, NORTH_MCP_ISSUER_CACHE_DEFAULT_RETRY_INITIAL_MS,
                                            NORTH_MCP_ISSUER_CACHE_DEFAULT_RETRY_MAX_MS);
  g_assert_cmpuint (north_mcp_issuer_cache_get_retry_delay (cache, fixture->issuer), ==, 0);
  g_assert_cmpint (north_mcp_issuer_cache_lookup (cache, fixture->issuer, rsa_key.kid, &key), ==,
                   NORTH_MCP_ISSUER_KEY_FOUND);
}

/* A fetch from the test issuer's @path with a cache of its own fails
 * with @message. */
static void
assert_fetch_fails (Fixture    *fixture,
                    const char *path,
                    const char *message)
{
  g_autoptr(NorthMcpIssuerCache) cache = north_mcp_issuer_cache_new ();
  g_autofree char *issuer = g_strconcat (fixture->issuer, path, NULL);
  g_autoptr(GError) error = fetch_error (cache, issuer);

  g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, message));
}

/* A discovery document whose `issuer` is not, byte for byte, the issuer
 * it was fetched for is not used (OpenID Connect Discovery 1.0 §4.3: a
 * mix-up defence): its key set is not fetched, the issuer's tokens are
 * refused as when it is down, and the failure is remembered (back-off)
 * like the others. */
static void
test_issuer_mismatch (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *token = sign_valid (fixture, &rsa_key);
  g_autofree char *other = g_strdup_printf ("{\"issuer\": \"http://127.0.0.1:1\", \"jwks_uri\": \"%s/jwks\"}",
                                            fixture->issuer);
  g_autofree char *slash = g_strdup_printf ("{\"issuer\": \"%s/\", \"jwks_uri\": \"%s/jwks\"}",
                                            fixture->issuer, fixture->issuer);
  g_autofree char *upper = g_strdup_printf ("{\"issuer\": \"HTTP://127.0.0.1:%s\", \"jwks_uri\": \"%s/jwks\"}",
                                            strrchr (fixture->issuer, ':') + 1, fixture->issuer);
  g_autofree char *missing = g_strdup_printf ("{\"jwks_uri\": \"%s/jwks\"}", fixture->issuer);
  g_autofree char *number = g_strdup_printf ("{\"issuer\": 5, \"jwks_uri\": \"%s/jwks\"}", fixture->issuer);
  const char * const bodies[] = { other, slash, upper, missing, number };

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr(NorthMcpIssuerCache) cache = north_mcp_issuer_cache_new ();
      g_autoptr(GError) error = NULL;

      fixture->discovery_body = bodies[i];
      error = fetch_error (cache, fixture->issuer);
      g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED);
      g_assert_nonnull (strstr (error->message, "discovery: its issuer is not "));

      north_mcp_auth_set_retry_backoff (fixture->auth, 0, 0);
      assert_rejected (fixture, token, NORTH_MCP_AUTH_ERROR_ISSUER_UNAVAILABLE,
                       "Failed to verify token: unable to fetch issuer configuration");
    }
  g_assert_cmpuint (fixture->jwks_count, ==, 0);

  /* Under back-off the document is not asked for again. */
  north_mcp_auth_set_retry_backoff (fixture->auth, 3600 * 1000, 3600 * 1000);
  assert_rejected (fixture, token, NORTH_MCP_AUTH_ERROR_ISSUER_UNAVAILABLE,
                   "Failed to verify token: unable to fetch issuer configuration");
  g_assert_cmpuint (fixture->discovery_count, ==, 2 * G_N_ELEMENTS (bodies));

  /* The issuer's own document is used. */
  fixture->discovery_body = NULL;
  north_mcp_auth_set_retry_backoff (fixture->auth, 0, 0);
  assert_accepted (fixture, token);
  g_assert_cmpuint (fixture->jwks_count, ==, 1);
}

/* A document larger than the limit (1 MiB) is refused as it is read:
 * the fetch stops reading (and so the issuer writing) soon after the limit,
 * instead of taking in all that is sent and measuring it afterwards. */
static void
test_issuer_huge_document (Fixture       *fixture,
                           gconstpointer  data)
{
  assert_fetch_fails (fixture, "/huge", "document too large");
  /* Socket buffers hold a few MiB at most. */
  g_assert_cmpuint (fixture->huge_sent, <, HUGE_OFFERED / 4);
}

/* An issuer whose discovery redirects without end: the fetch fails after
 * libsoup's 20 redirects (doc/north-authentication.md), not at its timeout. */
static void
test_issuer_redirect_loop (Fixture       *fixture,
                           gconstpointer  data)
{
  assert_fetch_fails (fixture, "/loop", "Too many redirects");
  g_assert_cmpuint (fixture->loop_count, ==, 21);
}

/* A request waiting for an issuer's keys is decided under the
 * configuration of when the keys arrive: an issuer no longer trusted by
 * then does not let it pass, nor is its token remembered as verified. */
static void
test_config_change_during_fetch (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autofree char *token = sign_valid (fixture, &rsa_key);
  g_autoptr(SoupMessageHeaders) headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  const char * const others[] = { fixture->down_issuer, NULL };
  AuthResult result = { 0 };
  g_autoptr(NorthMcpUser) user = NULL;
  g_autoptr(GError) error = NULL;

  soup_message_headers_append (headers, "X-North-ID-Token", token);
  start_authenticate (fixture->auth, headers, &result);
  g_assert_false (result.done);
  /* The issuer is withdrawn while its keys are on their way. */
  north_mcp_auth_set_trusted_issuers (fixture->auth, others);
  wait_for (&result);
  g_assert_cmpuint (fixture->jwks_count, ==, 1);
  g_assert_null (result.user);
  g_assert_error (result.error, NORTH_MCP_AUTH_ERROR, NORTH_MCP_AUTH_ERROR_UNTRUSTED_ISSUER);
  auth_result_clear (&result);

  /* Nor does the same token pass later from what was verified then. */
  g_assert_true (north_mcp_auth_authenticate_cached (fixture->auth, headers, NULL, &user, &error));
  g_assert_null (user);
  g_assert_error (error, NORTH_MCP_AUTH_ERROR, NORTH_MCP_AUTH_ERROR_UNTRUSTED_ISSUER);
  g_clear_error (&error);

  /* A secret set meanwhile applies as well. A key the issuer has just
   * added makes the next request wait for a fetch again. */
  north_mcp_auth_set_trusted_issuers (fixture->auth, (const char * const []) { fixture->issuer, NULL });
  north_mcp_auth_set_refresh_interval (fixture->auth, 0);
  g_ptr_array_add (fixture->jwks, &rsa_key_2);
  g_free (token);
  token = sign_valid (fixture, &rsa_key_2);
  soup_message_headers_replace (headers, "X-North-ID-Token", token);
  start_authenticate (fixture->auth, headers, &result);
  g_assert_false (result.done);
  north_mcp_auth_set_server_secret (fixture->auth, "s3cret");
  wait_for (&result);
  g_assert_null (result.user);
  g_assert_error (result.error, NORTH_MCP_AUTH_ERROR, NORTH_MCP_AUTH_ERROR_ACCESS_DENIED);
  auth_result_clear (&result);
}

/* A verified identity's e-mail is its token's claim, never a header; the
 * header stays readable, as unverified. */
static void
test_verified_email_not_from_header (Fixture       *fixture,
                                     gconstpointer  data)
{
  g_autofree char *no_email = sign (&rsa_key, NULL, "{\"iss\": \"%s\", \"sub\": \"u1\"}", fixture->issuer);
  g_autofree char *with_email = sign_valid (fixture, &rsa_key);
  g_autoptr(SoupMessageHeaders) headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  AuthResult result = { 0 };

  for (guint round = 0; round < 2; round++)  /* fetched, then cached */
    {
      soup_message_headers_replace (headers, "X-North-ID-Token", no_email);
      soup_message_headers_replace (headers, "X-North-User-Email", "ceo@example.com");
      start_authenticate (fixture->auth, headers, &result);
      wait_for (&result);
      g_assert_no_error (result.error);
      g_assert_null (north_mcp_user_get_email (result.user));
      g_assert_cmpstr (north_mcp_user_get_unverified_email (result.user), ==, "ceo@example.com");
      auth_result_clear (&result);

      soup_message_headers_replace (headers, "X-North-ID-Token", with_email);
      start_authenticate (fixture->auth, headers, &result);
      wait_for (&result);
      g_assert_no_error (result.error);
      g_assert_cmpstr (north_mcp_user_get_email (result.user), ==, "alice@example.com");
      g_assert_cmpstr (north_mcp_user_get_unverified_email (result.user), ==, "ceo@example.com");
      auth_result_clear (&result);
    }
}

/* A verified token's decision is remembered until exp plus leeway, and no
 * longer: past it, the token is verified again and refused. */
static void
test_decision_cache_expiry (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *warm = sign_valid (fixture, &rsa_key);
  g_autofree char *token = NULL;
  gint64 exp;

  /* Fetch the keys first, so that verifying below is quick. */
  assert_accepted (fixture, warm);
  g_assert_true (decided_without_network (fixture, warm));
  g_assert_cmpuint (north_mcp_auth_get_decision_cache_hits (fixture->auth), ==, 0);
  g_assert_true (decided_without_network (fixture, warm));
  g_assert_cmpuint (north_mcp_auth_get_decision_cache_hits (fixture->auth), ==, 1);

  /* Within the 60 s leeway for another 3 s. */
  exp = g_get_real_time () / G_USEC_PER_SEC - 57;
  token = sign (&rsa_key, NULL, "{\"iss\": \"%s\", \"email\": \"alice@example.com\", "
                "\"exp\": %" G_GINT64_FORMAT "}", fixture->issuer, exp);
  g_assert_true (decided_without_network (fixture, token));
  g_assert_true (decided_without_network (fixture, token));
  g_assert_cmpuint (north_mcp_auth_get_decision_cache_hits (fixture->auth), ==, 2);

  while (g_get_real_time () / G_USEC_PER_SEC <= exp + 61)
    g_usleep (G_USEC_PER_SEC / 4);
  {
    g_autoptr(SoupMessageHeaders) headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
    g_autoptr(NorthMcpUser) user = NULL;
    g_autoptr(GError) error = NULL;

    soup_message_headers_append (headers, "X-North-ID-Token", token);
    g_assert_true (north_mcp_auth_authenticate_cached (fixture->auth, headers, NULL, &user, &error));
    g_assert_null (user);
    g_assert_error (error, NORTH_MCP_AUTH_ERROR, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN);
  }
  g_assert_cmpuint (north_mcp_auth_get_decision_cache_hits (fixture->auth), ==, 2);
  /* The unexpired token is still served from the cache. */
  g_assert_true (decided_without_network (fixture, warm));
  g_assert_cmpuint (north_mcp_auth_get_decision_cache_hits (fixture->auth), ==, 3);
}

/* @token, with X-North-Context-Attempt: @attempt unless NULL, is refused
 * as an invalid ID token, and without the network. */
static void
assert_refused_without_network (Fixture    *fixture,
                                const char *token,
                                const char *attempt)
{
  g_autoptr(SoupMessageHeaders) headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  g_autoptr(NorthMcpUser) user = NULL;
  g_autoptr(GError) error = NULL;

  soup_message_headers_append (headers, "X-North-ID-Token", token);
  if (attempt != NULL)
    soup_message_headers_append (headers, "X-North-Context-Attempt", attempt);
  g_assert_true (north_mcp_auth_authenticate_cached (fixture->auth, headers, NULL, &user, &error));
  g_assert_error (error, NORTH_MCP_AUTH_ERROR, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN);
  g_assert_null (user);
}

/* A signature that does not verify is never remembered: keys rotate. */
static void
test_decision_cache_not_for_key_failures (Fixture       *fixture,
                                          gconstpointer  data)
{
  g_autofree char *warm = sign_valid (fixture, &rsa_key);
  g_autofree char *forged = forge (fixture);

  assert_accepted (fixture, warm);
  for (guint i = 0; i < 2; i++)
    assert_refused_without_network (fixture, forged, NULL);
  g_assert_cmpuint (north_mcp_auth_get_decision_cache_hits (fixture->auth), ==, 0);
}

/* An issuer's key is decoded once, when its key set arrives, not for each
 * signature checked: libjwt 1.10 takes keys as PEM text, and decoding it
 * was nine tenths of what a forged token cost (3.7 of 4.1 million
 * instructions under callgrind; the RSA verification 0.4). Anyone may
 * send forged tokens for a trusted issuer, each one new. */
static void
test_key_decoded_once (Fixture       *fixture,
                       gconstpointer  data)
{
  enum { N = 8 };
  g_autofree char *rsa_token = sign_valid (fixture, &rsa_key);
  g_autofree char *ec_token = sign_valid (fixture, &ec_key);

  pem_keys_decoded = 0;
  assert_accepted (fixture, rsa_token);
  assert_accepted (fixture, ec_token);
  for (guint i = 0; i < N; i++)
    {
      g_autofree char *forged = sign (&attacker_key, rsa_key.kid, "{\"iss\": \"%s\", \"n\": %u}",
                                      fixture->issuer, i);

      assert_rejected (fixture, forged, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "invalid user id token");
    }
  g_assert_cmpuint (north_mcp_auth_get_signature_checks (fixture->auth), ==, 2 + N);
  g_assert_cmpuint (pem_keys_decoded, ==, 0);
}

/* A forged token sent again and again (with other headers, so that the
 * decision cache cannot answer) has its signature checked once per key
 * its kid names: after that it is refused by its digest. Once the key set
 * is fetched again the kid may name another key, so it is checked again. */
static void
test_refused_signature_checked_once (Fixture       *fixture,
                                     gconstpointer  data)
{
  g_autofree char *warm = sign_valid (fixture, &rsa_key);
  g_autofree char *forged = forge (fixture);
  g_autofree char *unknown_kid = sign (&attacker_key, "nobody-published-this",
                                       "{\"iss\": \"%s\"}", fixture->issuer);

  assert_accepted (fixture, warm);
  g_assert_cmpuint (north_mcp_auth_get_signature_checks (fixture->auth), ==, 1);

  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *attempt = g_strdup_printf ("%u", i);

      assert_refused_without_network (fixture, forged, attempt);
    }
  g_assert_cmpuint (north_mcp_auth_get_signature_checks (fixture->auth), ==, 2);

  /* A key set fetched anew (for an unknown kid) may give the kid another
   * key: the forged token is checked against it. */
  north_mcp_auth_set_refresh_interval (fixture->auth, 0);
  assert_rejected (fixture, unknown_kid, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "invalid user id token");
  g_assert_cmpuint (fixture->jwks_count, ==, 2);
  assert_rejected (fixture, forged, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "invalid user id token");
  g_assert_cmpuint (north_mcp_auth_get_signature_checks (fixture->auth), ==, 3);
  assert_rejected (fixture, forged, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "invalid user id token");
  g_assert_cmpuint (north_mcp_auth_get_signature_checks (fixture->auth), ==, 3);
}

/* A token with a kid nobody published makes the key set be fetched again
 * (once per refresh interval). While that fetch is under way, tokens
 * signed with a key already cached and fresh are verified with it: they
 * do not wait for the fetch, nor fail with it when the issuer is slow.
 * Otherwise anyone could, with one forged token per interval, keep the
 * new logins of everybody else waiting for (or failing with) the issuer. */
static void
test_known_kid_not_held_by_refresh (Fixture       *fixture,
                                    gconstpointer  data)
{
  g_autofree char *warm = sign_valid (fixture, &rsa_key);
  g_autofree char *forged = sign (&attacker_key, "nobody-published-this",
                                  "{\"iss\": \"%s\", \"email\": \"mallory@example.com\"}",
                                  fixture->issuer);
  g_autofree char *fresh = sign (&ec_key, NULL, "{\"iss\": \"%s\", \"email\": \"alice@example.com\", "
                                 "\"sub\": \"a\", \"n\": 2}", fixture->issuer);
  g_autoptr(SoupMessageHeaders) forged_headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  AuthResult forged_result = { 0 };
  AuthResult fresh_result = { 0 };
  g_autoptr(SoupMessageHeaders) fresh_headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);

  assert_accepted (fixture, warm);
  g_assert_cmpuint (fixture->jwks_count, ==, 1);

  /* The issuer stops answering; the forged kid starts a refresh. */
  fixture->jwks_hangs = TRUE;
  north_mcp_auth_set_fetch_timeout (fixture->auth, 3000);  /* ample for what runs meanwhile, under ASan too */
  north_mcp_auth_set_refresh_interval (fixture->auth, 0);
  soup_message_headers_append (forged_headers, "X-North-ID-Token", forged);
  start_authenticate (fixture->auth, forged_headers, &forged_result);
  while (fixture->paused->len == 0)
    g_main_context_iteration (NULL, TRUE);

  /* A token never seen before, its key cached: accepted, and before the
   * refresh has ended. */
  soup_message_headers_append (fresh_headers, "X-North-ID-Token", fresh);
  start_authenticate (fixture->auth, fresh_headers, &fresh_result);
  wait_for (&fresh_result);
  g_assert_no_error (fresh_result.error);
  g_assert_nonnull (fresh_result.user);
  g_assert_false (forged_result.done);

  wait_for (&forged_result);
  g_assert_error (forged_result.error, NORTH_MCP_AUTH_ERROR, NORTH_MCP_AUTH_ERROR_ISSUER_UNAVAILABLE);
  auth_result_clear (&forged_result);
  auth_result_clear (&fresh_result);
}

/* Bytes the heap has handed out and not taken back. Under ASan, which
 * replaces malloc, mallinfo2() says nothing of the heap: its allocator
 * counts the live bytes itself (what it has in quarantine is freed). */
#if defined (__has_feature)
# if __has_feature (address_sanitizer)
#  define HEAP_IN_USE_ASAN 1
# endif
#endif
#if defined (__SANITIZE_ADDRESS__) && !defined (HEAP_IN_USE_ASAN)
# define HEAP_IN_USE_ASAN 1
#endif

#if defined (HEAP_IN_USE_ASAN)
/* GCC's libasan has the function but does not ship clang's header. */
# if defined (__has_include) && __has_include (<sanitizer/allocator_interface.h>)
#  include <sanitizer/allocator_interface.h>
# else
size_t __sanitizer_get_current_allocated_bytes (void);
# endif
# define HAVE_HEAP_IN_USE 1
#elif defined (__GLIBC__) && __GLIBC_PREREQ (2, 33)
# define HAVE_HEAP_IN_USE 1
#endif

static gsize
heap_in_use (void)
{
#if defined (HEAP_IN_USE_ASAN)
  return __sanitizer_get_current_allocated_bytes ();
#elif defined (HAVE_HEAP_IN_USE)
  return mallinfo2 ().uordblks;
#else
  return 0;
#endif
}

/* CI builds on glibc, with ASan and without: both have a measure. A
 * build on another libc, without ASan, has none this test knows of. */
static gboolean
heap_measurable (void)
{
#if defined (HAVE_HEAP_IN_USE)
  return TRUE;
#else
  g_test_skip ("no measure of the heap in use with this libc (mallinfo2() or ASan's)");
  return FALSE;
#endif
}

/* Claims of @issuer with an array of @values zeros, their tree ~110
 * bytes per value, in @claims; the object is left open for more. */
static void
start_many_values_claims (GString    *claims,
                          const char *issuer,
                          guint       values)
{
  g_string_printf (claims, "{\"iss\": \"%s\", \"email\": \"alice@example.com\", \"a\": [0", issuer);
  for (guint i = 1; i < values; i++)
    g_string_append (claims, ",0");
  g_string_append (claims, "]");
}

/* Requests waiting for an issuer's keys hold what they need to be decided
 * when the keys come, not the tree of their claims: that is ~110 bytes
 * per "0," of a token anyone can send with a trusted iss and a known kid,
 * forty times the header block it came in, for as long as the fetch takes
 * (up to 10 s). Forty such tokens of 32 KiB, with 12,000 values each,
 * held ~60 MiB while the issuer did not answer. */
static void
test_waiting_requests_hold_no_claims (Fixture       *fixture,
                                      gconstpointer  data)
{
  enum { N = 40, VALUES = 12000 };
  g_autoptr(GString) claims = g_string_new (NULL);
  g_autoptr(GPtrArray) headers = g_ptr_array_new_with_free_func ((GDestroyNotify) soup_message_headers_unref);
  AuthResult results[N] = { { 0 } };
  g_autoptr(SoupServerMessage) answer = NULL;
  gsize before, grown;

  if (!heap_measurable ())
    return;

  start_many_values_claims (claims, fixture->slow_issuer, VALUES);
  g_string_append (claims, "}");
  for (guint i = 0; i < N; i++)
    {
      g_autofree char *token = sign (&rsa_key, NULL, "%s", claims->str);
      SoupMessageHeaders *request = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);

      soup_message_headers_append (request, "X-North-ID-Token", token);
      g_ptr_array_add (headers, request);
    }

  /* The fetch reaches the issuer before the others come: were they all
   * started first, the fetch's timeout could pass before the main loop
   * ever ran (under ASan, forty parses of 32 KiB take seconds), ending
   * the fetch before it was sent. The others start without the main
   * loop running, so none of them can end before it is measured. */
  before = heap_in_use ();
  start_authenticate (fixture->auth, g_ptr_array_index (headers, 0), &results[0]);
  while (fixture->paused->len == 0)
    g_main_context_iteration (NULL, TRUE);
  for (guint i = 1; i < N; i++)
    start_authenticate (fixture->auth, g_ptr_array_index (headers, i), &results[i]);
  grown = heap_in_use () - before;
  for (guint i = 0; i < N; i++)
    g_assert_false (results[i].done);
  g_test_message ("%u requests waiting hold %zu KiB", N, grown / 1024);
  /* Their tokens are 32 KiB; four times that is generous. */
  g_assert_cmpuint (grown, <, N * 4 * 32 * 1024);

  /* The issuer fails rather than time out: no waiting for the timeout. */
  g_assert_cmpuint (fixture->paused->len, ==, 1);
  answer = g_ptr_array_steal_index (fixture->paused, 0);
  soup_server_message_set_status (answer, SOUP_STATUS_SERVICE_UNAVAILABLE, NULL);
  soup_server_message_unpause (answer);
  for (guint i = 0; i < N; i++)
    {
      wait_for (&results[i]);
      g_assert_error (results[i].error, NORTH_MCP_AUTH_ERROR, NORTH_MCP_AUTH_ERROR_ISSUER_UNAVAILABLE);
      auth_result_clear (&results[i]);
    }
}

/* Verified tokens are remembered by digest with their claims, as trees:
 * ~110 bytes per "0," of a token. An issuer whose tokens carry large
 * claims (hundreds of groups, say) made the 4,096 remembered tokens a
 * matter of gigabytes: sixty tokens of 32 KiB with 12,000 values each
 * kept 58 MiB, 500 tokens of 1,000 values 40 MiB. Now they keep at most
 * 16 MiB (as counted; 9 MiB measured), and a token whose claims take
 * over 256 KiB is not remembered. */
static void
test_verified_tokens_bounded_in_bytes (Fixture       *fixture,
                                       gconstpointer  data)
{
  enum { N = 500, VALUES = 1000 };
  g_autoptr(GString) claims = g_string_new (NULL);
  g_autoptr(GPtrArray) tokens = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *warm = sign_valid (fixture, &ec_key);
  gsize before, grown;
  guint64 checks;

  if (!heap_measurable ())
    return;

  start_many_values_claims (claims, fixture->issuer, VALUES);
  for (guint i = 0; i < N; i++)
    g_ptr_array_add (tokens, sign (&ec_key, NULL, "%s, \"n\": %u}", claims->str, i));

  /* The keys are fetched first, outside the measure. */
  assert_accepted (fixture, warm);
  before = heap_in_use ();
  for (guint i = 0; i < N; i++)
    assert_accepted (fixture, g_ptr_array_index (tokens, i));
  grown = heap_in_use () - before;
  g_test_message ("%u verified tokens remembered in %zu KiB", N, grown / 1024);
  g_assert_cmpuint (grown, <, 24 * 1024 * 1024);

  /* The latest are remembered all the same. */
  checks = north_mcp_auth_get_signature_checks (fixture->auth);
  assert_accepted (fixture, g_ptr_array_index (tokens, N - 1));
  g_assert_cmpuint (north_mcp_auth_get_signature_checks (fixture->auth), ==, checks);
}

/* A request given up while its issuer's keys are fetched (its client
 * went away) ends cancelled, and is no rejection: the count does not
 * move. */
static void
test_cancelled_not_rejected (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autofree char *token = sign_valid (fixture, &rsa_key);
  g_autoptr(SoupMessageHeaders) headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AuthResult result = { 0 };

  soup_message_headers_append (headers, "X-North-ID-Token", token);
  north_mcp_auth_authenticate_async (fixture->auth, headers, NULL, cancellable, on_authenticated, &result);
  g_cancellable_cancel (cancellable);
  wait_for (&result);
  g_assert_error (result.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (result.user);
  auth_result_clear (&result);
  g_assert_cmpuint (north_mcp_auth_get_rejection_count (fixture->auth), ==, 0);

  /* The fetch went on: the next request needs no other. */
  assert_accepted (fixture, token);
  g_assert_cmpuint (fixture->jwks_count, ==, 1);
  g_assert_cmpuint (north_mcp_auth_get_rejection_count (fixture->auth), ==, 0);
}

/* Nor does it wait for the fetch to end (up to 10 s): once its client is
 * gone, nothing bounds how many such requests a slow issuer would keep,
 * each with its headers (and, over HTTP, its message and body). It is
 * released at once; the fetch goes on for the others. */
static void
test_cancelled_released_at_once (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autofree char *token = sign (&rsa_key, NULL, "{\"iss\": \"%s\", \"email\": \"alice@example.com\"}",
                                 fixture->slow_issuer);
  g_autoptr(SoupMessageHeaders) headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AuthResult given_up = { 0 };
  AuthResult waiting = { 0 };

  /* Long enough to measure on a loaded machine, short for the test. */
  north_mcp_auth_set_fetch_timeout (fixture->auth, 3000);
  soup_message_headers_append (headers, "X-North-ID-Token", token);
  north_mcp_auth_authenticate_async (fixture->auth, headers, NULL, cancellable, on_authenticated, &given_up);
  start_authenticate (fixture->auth, headers, &waiting);
  while (fixture->paused->len == 0)
    g_main_context_iteration (NULL, TRUE);

  g_cancellable_cancel (cancellable);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_true (given_up.done);
  g_assert_error (given_up.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (north_mcp_auth_get_rejection_count (fixture->auth), ==, 0);

  /* The other one still gets the fetch's answer. */
  wait_for (&waiting);
  g_assert_error (waiting.error, NORTH_MCP_AUTH_ERROR, NORTH_MCP_AUTH_ERROR_ISSUER_UNAVAILABLE);
  g_assert_cmpuint (fixture->paused->len, ==, 1);
  auth_result_clear (&given_up);
  auth_result_clear (&waiting);
}

int
main (int argc, char **argv)
{
  int status;

  g_unsetenv ("DEBUG");
  /* The issuer is local: no proxy. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_test_init (&argc, &argv, NULL);

  test_key_init (&rsa_key, "rsa-1", JWT_ALG_RS256);
  test_key_init (&rsa_key_2, "rsa-2", JWT_ALG_RS256);
  test_key_init (&ec_key, "ec-1", JWT_ALG_ES256);
  test_key_init (&attacker_key, "attacker", JWT_ALG_RS256);
  test_key_init (&rs384_key, "rs384", JWT_ALG_RS384);
  test_key_init (&rs512_key, "rs512", JWT_ALG_RS512);
  test_key_init (&es384_key, "es384", JWT_ALG_ES384);
  test_key_init (&es512_key, "es512", JWT_ALG_ES512);

#define ADD(path, func) \
  g_test_add ("/issuers/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("valid-rs256", test_valid_rs256);
  ADD ("valid-es256", test_valid_es256);
  ADD ("wrong-signature", test_wrong_signature);
  ADD ("all-algorithms", test_all_algorithms);
  ADD ("unknown-kid-then-rotation", test_unknown_kid_then_rotation);
  ADD ("expired", test_expired);
  ADD ("not-yet-valid", test_not_yet_valid);
  ADD ("issued-in-future", test_issued_in_future);
  ADD ("claims-checked-before-signature", test_claims_checked_before_signature);
  ADD ("issuer-claim", test_issuer_claim);
  ADD ("missing-kid", test_missing_kid);
  ADD ("alg-none", test_alg_none);
  ADD ("algorithm-confusion", test_algorithm_confusion);
  ADD ("crit-header", test_crit_header);
  ADD ("audience", test_audience);
  ADD ("issuer-down", test_issuer_down);
  ADD ("issuer-slow", test_issuer_slow);
  ADD ("issuer-bad-documents", test_issuer_bad_documents);
  ADD ("issuer-mismatch", test_issuer_mismatch);
  ADD ("concurrent-requests-share-fetch", test_concurrent_share_fetch);
  ADD ("cache-max-age", test_cache_max_age);
  ADD ("issuer-backoff", test_issuer_backoff);
  ADD ("issuer-backoff-growth", test_issuer_backoff_growth);
  ADD ("issuer-huge-document", test_issuer_huge_document);
  ADD ("issuer-redirect-loop", test_issuer_redirect_loop);
  ADD ("config-change-during-fetch", test_config_change_during_fetch);
  ADD ("verified-email-not-from-header", test_verified_email_not_from_header);
  ADD ("decision-cache-expiry", test_decision_cache_expiry);
  ADD ("decision-cache-not-for-key-failures", test_decision_cache_not_for_key_failures);
  ADD ("key-decoded-once", test_key_decoded_once);
  ADD ("refused-signature-checked-once", test_refused_signature_checked_once);
  ADD ("known-kid-not-held-by-refresh", test_known_kid_not_held_by_refresh);
  ADD ("waiting-requests-hold-no-claims", test_waiting_requests_hold_no_claims);
  ADD ("verified-tokens-bounded-in-bytes", test_verified_tokens_bounded_in_bytes);
  ADD ("cancelled-not-rejected", test_cancelled_not_rejected);
  ADD ("cancelled-released-at-once", test_cancelled_released_at_once);
#undef ADD

  status = g_test_run ();

  test_key_clear (&rsa_key);
  test_key_clear (&rsa_key_2);
  test_key_clear (&ec_key);
  test_key_clear (&attacker_key);
  test_key_clear (&rs384_key);
  test_key_clear (&rs512_key);
  test_key_clear (&es384_key);
  test_key_clear (&es512_key);
  return status;
}
