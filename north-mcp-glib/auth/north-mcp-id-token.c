/* north-mcp-id-token.c: the ID token: decoding, signature and claims
 * checks (section 4a of the contract), verified tokens remembered
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include <jwt.h>

#include "north-mcp-auth-impl-private.h"
#include "north-mcp-base64-private.h"
#include "north-mcp-json-writer-private.h"
#include "north-mcp-log-private.h"
#include "north-mcp-siphash-private.h"
#include "north-mcp-util-private.h"

/* Verified ID tokens are remembered by digest until they expire, but no
 * longer than this, so that a key withdrawn by its issuer stops working. */
#define VERIFIED_TOKEN_TTL_S (5 * 60)
#define VERIFIED_TOKEN_CACHE_SIZE 4096
/* And at most this many bytes of claims, counted as trees in memory
 * (north_mcp_json_footprint_up_to()): an issuer's tokens may carry
 * large claims (hundreds of groups), about 110 bytes per value. */
#define VERIFIED_TOKEN_CACHE_BYTES (16 * 1024 * 1024)
/* Larger tokens are not remembered (they are verified each time). */
#define VERIFIED_TOKEN_SIZE_MAX (VERIFIED_TOKEN_CACHE_BYTES / 64)
/* Tokens whose signature failed are remembered too, by digest with the
 * key they failed against, so that one sent again costs no verification
 * while its kid names that key. At most this many (about 250 bytes each,
 * and a reference to that key); anybody can send new ones, so the table
 * is emptied when full, which costs the forgers' own tokens a verification
 * again and nobody else anything. */
#define REFUSED_TOKEN_CACHE_SIZE 1024

typedef struct
{
  char        *issuer;
  NorthMcpJwk *key;       /* its kid is the token's */
} RefusedToken;

/* A compact JWS: three base64url segments, the first two JSON objects. */
gboolean
north_mcp_id_token_decode (AuthRequest *req)
{
  g_auto(GStrv) segments = g_strsplit (req->id_token, ".", 0);
  g_autofree guchar *header = NULL;
  g_autofree guchar *payload = NULL;
  g_autofree guchar *signature = NULL;
  gsize header_length = 0, payload_length = 0;

  if (g_strv_length (segments) != 3)
    return FALSE;

  header = north_mcp_base64_decode (segments[0], -1, NORTH_MCP_BASE64_URL, &header_length);
  payload = north_mcp_base64_decode (segments[1], -1, NORTH_MCP_BASE64_URL, &payload_length);
  signature = north_mcp_base64_decode (segments[2], -1, NORTH_MCP_BASE64_URL, NULL);
  if (header == NULL || payload == NULL || signature == NULL)
    return FALSE;

  req->token_header = north_mcp_auth_parse_json_object ((const char *) header, header_length);
  req->claims = north_mcp_auth_parse_json_object ((const char *) payload, payload_length);
  return req->token_header != NULL && req->claims != NULL;
}

/* Only asymmetric algorithms; the key decides which one exactly. */
gboolean
north_mcp_id_token_alg_is_acceptable (const char *alg)
{
  static const char * const accepted[] = {
    "RS256", "RS384", "RS512", "ES256", "ES384", "ES512", NULL,
  };

  return alg != NULL && g_strv_contains (accepted, alg);
}

static gboolean
verified_token_is_valid (VerifiedToken *token)
{
  return g_get_real_time () < token->expires && g_get_monotonic_time () < token->keys_expire;
}

static void
forget_verified (NorthMcpAuth  *self,
                 const char    *digest,
                 VerifiedToken *token)
{
  self->verified_size -= token->size;
  g_hash_table_remove (self->verified, digest);
}

VerifiedToken *
north_mcp_id_token_lookup_verified (NorthMcpAuth *self,
                                    const char   *digest)
{
  VerifiedToken *token = g_hash_table_lookup (self->verified, digest);

  if (token == NULL)
    return NULL;
  if (!verified_token_is_valid (token))
    {
      forget_verified (self, digest, token);
      return NULL;
    }
  return token;
}

void
north_mcp_id_token_forget_verified (NorthMcpAuth *self)
{
  g_hash_table_remove_all (self->verified);
  self->verified_size = 0;
}

static gboolean
remove_if_invalid (gpointer key,
                   gpointer value,
                   gpointer user_data)
{
  NorthMcpAuth *self = user_data;
  VerifiedToken *token = value;

  if (verified_token_is_valid (token))
    return FALSE;
  self->verified_size -= token->size;
  return TRUE;
}

static gboolean
verified_cache_is_full (NorthMcpAuth *self,
                        gsize         size)
{
  return g_hash_table_size (self->verified) >= VERIFIED_TOKEN_CACHE_SIZE ||
         self->verified_size + size > VERIFIED_TOKEN_CACHE_BYTES;
}

static void
verified_token_free (VerifiedToken *token)
{
  json_object_unref (token->claims);
  g_free (token);
}

gsize
north_mcp_id_token_claims_footprint (JsonObject *claims,
                                     gsize       limit)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), claims);

  return north_mcp_json_footprint_up_to (node, limit);
}

/* Remembers a verified token until it expires, but no longer than its
 * issuer's key set is fresh, nor VERIFIED_TOKEN_TTL_S. */
static void
remember_verified (NorthMcpAuth *self,
                   AuthRequest  *req)
{
  JsonNode *exp = json_object_get_member (req->claims, "exp");
  gint64 keys_expire = north_mcp_issuer_cache_get_keys_expiry (self->issuers, req->issuer);
  gsize size;
  VerifiedToken *token;

  keys_expire = MIN (keys_expire, g_get_monotonic_time () + VERIFIED_TOKEN_TTL_S * G_USEC_PER_SEC);
  req->keys_expire = keys_expire;

  /* The digest twice: the table's key and the hex string's allocation. */
  size = sizeof (VerifiedToken) + 2 * strlen (req->token_digest) +
         north_mcp_id_token_claims_footprint (req->claims, VERIFIED_TOKEN_SIZE_MAX);
  if (size > VERIFIED_TOKEN_SIZE_MAX)
    return;
  /* Verified twice at once (both waited for the keys): counted once. */
  if ((token = g_hash_table_lookup (self->verified, req->token_digest)) != NULL)
    forget_verified (self, req->token_digest, token);
  if (verified_cache_is_full (self, size))
    {
      g_hash_table_foreach_remove (self->verified, remove_if_invalid, self);
      if (verified_cache_is_full (self, size))
        north_mcp_id_token_forget_verified (self);
    }

  token = g_new0 (VerifiedToken, 1);
  token->claims = json_object_ref (req->claims);
  token->expires = G_MAXINT64;
  /* exp is any JSON number: clamp before converting, far futures included. */
  if (exp != NULL && json_node_get_double (exp) + TIME_LEEWAY_S < (double) (G_MAXINT64 / G_USEC_PER_SEC))
    token->expires = (gint64) ((json_node_get_double (exp) + TIME_LEEWAY_S) * G_USEC_PER_SEC);
  token->keys_expire = keys_expire;
  token->size = size;
  self->verified_size += size;
  g_hash_table_insert (self->verified, g_strdup (req->token_digest), token);
}

static gboolean
audience_matches (JsonObject *claims,
                  const char *audience)
{
  JsonNode *aud = json_object_get_member (claims, "aud");

  if (north_mcp_node_holds_string (aud))
    return g_str_equal (json_node_get_string (aud), audience);
  if (aud != NULL && JSON_NODE_HOLDS_ARRAY (aud))
    {
      JsonArray *array = json_node_get_array (aud);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);

          if (north_mcp_node_holds_string (element) && g_str_equal (json_node_get_string (element), audience))
            return TRUE;
        }
    }
  return FALSE;
}

static void
refused_token_free (RefusedToken *token)
{
  g_free (token->issuer);
  north_mcp_jwk_unref (token->key);
  g_free (token);
}

static void
remember_refused (NorthMcpAuth *self,
                  AuthRequest  *req,
                  NorthMcpJwk  *key)
{
  RefusedToken *token;

  if (g_hash_table_size (self->refused) >= REFUSED_TOKEN_CACHE_SIZE)
    g_hash_table_remove_all (self->refused);

  token = g_new0 (RefusedToken, 1);
  token->issuer = g_strdup (req->issuer);
  token->key = north_mcp_jwk_ref (key);
  g_hash_table_replace (self->refused, g_strdup (req->token_digest), token);
}

gboolean
north_mcp_id_token_refused_before (NorthMcpAuth *self,
                                   const char   *digest)
{
  RefusedToken *token = g_hash_table_lookup (self->refused, digest);
  g_autoptr(NorthMcpJwk) key = NULL;

  if (token == NULL)
    return FALSE;
  /* The very key it failed against, still fresh: a key set fetched since
   * may have given its kid another one. */
  if (north_mcp_issuer_cache_lookup (self->issuers, token->issuer, token->key->kid, &key) ==
      NORTH_MCP_ISSUER_KEY_FOUND && key == token->key)
    return TRUE;
  g_hash_table_remove (self->refused, digest);
  return FALSE;
}

/* Section 4a, once the key is known: algorithm, time, audience, signature. */
gboolean
north_mcp_id_token_verify (AuthRequest  *req,
                           NorthMcpJwk  *key,
                           GError      **error)
{
  NorthMcpAuth *self = req->auth;
  const char *alg = north_mcp_object_get_string (req->token_header, "alg");
  JsonNode *exp = json_object_get_member (req->claims, "exp");
  JsonNode *nbf = json_object_get_member (req->claims, "nbf");
  JsonNode *iat = json_object_get_member (req->claims, "iat");
  double now = (double) g_get_real_time () / G_USEC_PER_SEC;
  const char *signing_input_end;
  g_autofree guchar *signature = NULL;
  gsize signature_length = 0;

  if (g_strcmp0 (alg, jwt_alg_str (key->alg)) != 0)
    return north_mcp_req_reject (req, error, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN,
                                 "algorithm does not match the key");

  /* The claims first: they cost a comparison each, the signature an RSA
   * or EC verification, and a token refused for them (an expired one a
   * client retries, one anybody made with the issuer's kid) is refused
   * alike whoever signed it. */
  if (exp != NULL && !north_mcp_node_holds_number (exp))
    return north_mcp_req_reject (req, error, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "exp is not a number");
  if (nbf != NULL && !north_mcp_node_holds_number (nbf))
    return north_mcp_req_reject (req, error, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "nbf is not a number");
  if (iat != NULL && !north_mcp_node_holds_number (iat))
    return north_mcp_req_reject (req, error, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "iat is not a number");
  if (exp != NULL && now > json_node_get_double (exp) + TIME_LEEWAY_S)
    return north_mcp_req_reject (req, error, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "expired");
  if (nbf != NULL && now < json_node_get_double (nbf) - TIME_LEEWAY_S)
    return north_mcp_req_reject (req, error, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "not yet valid");
  /* Issued in the future: the issuer's clock or the token is wrong (the
   * North Python SDK refuses it too). */
  if (iat != NULL && now < json_node_get_double (iat) - TIME_LEEWAY_S)
    return north_mcp_req_reject (req, error, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "issued in the future");
  if (self->audience != NULL && !audience_matches (req->claims, self->audience))
    return north_mcp_req_reject (req, error, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "audience mismatch");

  /* Over the first two segments as sent (decoded, there are three). */
  signing_input_end = strrchr (req->id_token, '.');
  signature = north_mcp_base64_decode (signing_input_end + 1, -1, NORTH_MCP_BASE64_URL, &signature_length);
  self->signature_checks++;
  if (signature == NULL ||
      !north_mcp_jwk_verify (key, req->id_token, (gsize) (signing_input_end - req->id_token),
                             signature, signature_length))
    {
      remember_refused (self, req, key);
      return north_mcp_req_reject (req, error, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "bad signature");
    }

  remember_verified (self, req);
  req->verified = TRUE;
  north_mcp_req_debug (req, NORTH_MCP_LOGGER_AUTH, "Verified user ID token signature (issuer: %s, kid: %s, alg: %s)",
                       req->issuer, req->kid, alg);
  return TRUE;
}

/* Verified tokens by the SHA-256 of their text. */
GHashTable *
north_mcp_id_token_cache_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                (GDestroyNotify) verified_token_free);
}

/* Tokens whose signature failed, by the SHA-256 of their text: keyed
 * hashing, since anyone can grind tokens whose digests share a bucket. */
GHashTable *
north_mcp_id_token_refused_cache_new (void)
{
  return g_hash_table_new_full (north_mcp_siphash_str_hash, g_str_equal, g_free,
                                (GDestroyNotify) refused_token_free);
}
