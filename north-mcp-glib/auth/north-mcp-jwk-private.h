/* north-mcp-jwk-private.h: JSON Web Keys as PEM public keys for libjwt
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <jwt.h>
#include <json-glib/json-glib.h>
#include <openssl/evp.h>

G_BEGIN_DECLS

/* One verification key of an issuer. libjwt 1.10 takes keys as PEM, so
 * each JWK is converted once, when its key set is fetched. The algorithm
 * is the key's: RS256/384/512 for RSA (the JWK's `alg`, RS256 when absent),
 * ES256/384/512 for EC by curve (P-256/384/521). Immutable, refcounted. */
typedef struct _NorthMcpJwk NorthMcpJwk;

struct _NorthMcpJwk
{
  char      *kid;
  jwt_alg_t  alg;
  char      *pem;
  gsize      pem_length;
  /* Decoded once: with OpenSSL 3, decoding the PEM costs ten times an RSA
   * verification, and anyone may send tokens for a known kid. */
  EVP_PKEY  *pkey;
  gsize      coordinate_length;  /* EC: bytes of R and of S; 0 for RSA */
};

/* NULL (and @error set) for keys that cannot verify ID tokens: other key
 * types, symmetric keys, `use` other than `sig`, unsupported `alg`, RSA
 * keys under 2048 or over 8192 bits or with an exponent over 64 bits (each
 * verification would cost what a private-key operation does), malformed
 * members, points not on the curve. */
NorthMcpJwk *north_mcp_jwk_new_from_json (JsonObject   *jwk,
                                          GError      **error);
/* Whether @signature (as in a JWS: PKCS #1 v1.5 for RSA, R || S for EC)
 * signs @input with the key's algorithm. */
gboolean     north_mcp_jwk_verify        (NorthMcpJwk  *self,
                                          const char   *input,
                                          gsize         input_length,
                                          const guint8 *signature,
                                          gsize         signature_length);
NorthMcpJwk *north_mcp_jwk_ref           (NorthMcpJwk  *self);
void         north_mcp_jwk_unref         (NorthMcpJwk  *self);

/* Parses a JWK set (`{"keys": [...]}`) into kid → NorthMcpJwk. Keys
 * without `kid` and unusable keys are skipped (they are noted in @skipped
 * when non-NULL, one message each); the first key of a kid wins. NULL with
 * @error when @root is not a key set at all, or lists more than 100 keys. */
GHashTable  *north_mcp_jwk_parse_set     (JsonNode     *root,
                                          GPtrArray    *skipped,
                                          GError      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NorthMcpJwk, north_mcp_jwk_unref)

G_END_DECLS
