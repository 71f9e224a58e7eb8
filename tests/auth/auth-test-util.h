/* auth-test-util.h: shared helpers of the auth tests
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <stdlib.h>
#include <string.h>

#include <jwt.h>
#include <libsoup/soup.h>

#include "north-mcp-auth-private.h"

/* The ready-made bearer token of the seed README. */
#define SEED_README_TOKEN \
  "eyJzZXJ2ZXJfc2VjcmV0IjogInNlcnZlcl9zZWNyZXQiLCAidXNlcl9pZF90b2tlbiI6ICJleUpoYkdjaU9pSklVekkxTmlJc0luUjVjQ0k2SWtwWFZDSjkuZXlKbGJXRnBiQ0k2SW5SbGMzUkFZMjl0Y0dGdWVTNWpiMjBpZlEuV0pjckVUUi1MZnFtX2xrdE9vdjd0Q1ktTmZYR2JuYTVUMjhaeFhTaEZ4SSIsICJjb25uZWN0b3JfYWNjZXNzX3Rva2VucyI6IHsiZ29vZ2xlIjogImFiYyJ9fQ=="

typedef struct
{
  gboolean      done;
  NorthMcpUser *user;
  GError       *error;
} AuthResult;

static inline void
auth_result_clear (AuthResult *result)
{
  g_clear_object (&result->user);
  g_clear_error (&result->error);
  result->done = FALSE;
}

static inline void
on_authenticated (GObject      *source,
                  GAsyncResult *res,
                  gpointer      user_data)
{
  AuthResult *result = user_data;

  result->user = north_mcp_auth_authenticate_finish (NORTH_MCP_AUTH (source), res, &result->error);
  result->done = TRUE;
}

/* Starts an authentication; the result arrives in @result. */
static inline void
start_authenticate (NorthMcpAuth       *auth,
                    SoupMessageHeaders *headers,
                    AuthResult         *result)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) peer = g_inet_socket_address_new (loopback, 54321);

  auth_result_clear (result);
  north_mcp_auth_authenticate_async (auth, headers, peer, NULL, on_authenticated, result);
}

static inline void
wait_for (AuthResult *result)
{
  while (!result->done)
    g_main_context_iteration (NULL, TRUE);
}

/* A JWT with @header_json and @claims_json, signed with @alg and @key
 * (PEM private key for RS/ES, secret for HS). */
static inline char *
make_jwt (jwt_alg_t   alg,
          const char *key,
          gsize       key_length,
          const char *kid,
          const char *claims_json)
{
  jwt_t *jwt = NULL;
  char *encoded;
  char *copy;

  g_assert_cmpint (jwt_new (&jwt), ==, 0);
  g_assert_cmpint (jwt_add_grants_json (jwt, claims_json), ==, 0);
  if (kid != NULL)
    g_assert_cmpint (jwt_add_header (jwt, "kid", kid), ==, 0);
  g_assert_cmpint (jwt_set_alg (jwt, alg, (const unsigned char *) key, (int) key_length), ==, 0);
  encoded = jwt_encode_str (jwt);
  g_assert_nonnull (encoded);
  jwt_free (jwt);

  /* libjwt allocates with malloc(); hand out a GLib string. */
  copy = g_strdup (encoded);
  free (encoded);
  return copy;
}

static inline char *
make_hs256 (const char *claims_json)
{
  return make_jwt (JWT_ALG_HS256, "secret", 6, NULL, claims_json);
}

/* A compact JWS assembled by hand, for tokens libjwt would not sign. */
static inline char *
make_raw_jwt (const char *header_json,
              const char *claims_json,
              const char *signature)
{
  g_autofree char *header = g_base64_encode ((const guchar *) header_json, strlen (header_json));
  g_autofree char *claims = g_base64_encode ((const guchar *) claims_json, strlen (claims_json));

  /* To base64url without padding. */
  g_strdelimit (header, "+", '-');
  g_strdelimit (header, "/", '_');
  g_strdelimit (claims, "+", '-');
  g_strdelimit (claims, "/", '_');
  if (strchr (header, '=') != NULL)
    *strchr (header, '=') = '\0';
  if (strchr (claims, '=') != NULL)
    *strchr (claims, '=') = '\0';
  return g_strdup_printf ("%s.%s.%s", header, claims, signature);
}
