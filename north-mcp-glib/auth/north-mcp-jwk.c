/* north-mcp-jwk.c: JSON Web Keys as PEM public keys for libjwt
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "north-mcp-base64-private.h"
#include "north-mcp-error.h"
#include "north-mcp-jwk-private.h"
#include "north-mcp-util-private.h"

#define MIN_RSA_BITS 2048
/* Every token of a kid costs a verification with its key. A longer
 * modulus costs as its square, and a public exponent as long as the
 * modulus makes each one a private-key operation; OpenSSL bounds e to
 * 64 bits only above 3,072-bit moduli. Issuers use e = 65537. */
#define MAX_RSA_BITS 8192
#define MAX_RSA_EXPONENT_BITS 64
/* Converting a key (and checking an EC point) takes about 0.1 ms on the
 * main loop: 1 MiB of keys would take most of a second, on every fetch.
 * Issuers publish a handful. */
#define MAX_SET_KEYS 100

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_PKEY, EVP_PKEY_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_PKEY_CTX, EVP_PKEY_CTX_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OSSL_PARAM_BLD, OSSL_PARAM_BLD_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OSSL_PARAM, OSSL_PARAM_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BIGNUM, BN_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BIO, BIO_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_MD_CTX, EVP_MD_CTX_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ECDSA_SIG, ECDSA_SIG_free)

static gboolean
fail (GError    **error,
      const char *message)
{
  g_set_error_literal (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT, message);
  return FALSE;
}

/* A base64url member decoded; NULL when absent or malformed. */
static guchar *
get_bytes (JsonObject *object,
           const char *member,
           gsize      *length)
{
  const char *text = north_mcp_object_get_string (object, member);

  if (text == NULL || *text == '\0')
    return NULL;
  return north_mcp_base64_decode (text, -1, NORTH_MCP_BASE64_URL, length);
}

static EVP_PKEY *
pkey_from_params (const char     *type,
                  OSSL_PARAM_BLD *builder)
{
  g_autoptr(OSSL_PARAM) params = OSSL_PARAM_BLD_to_param (builder);
  g_autoptr(EVP_PKEY_CTX) ctx = EVP_PKEY_CTX_new_from_name (NULL, type, NULL);
  EVP_PKEY *pkey = NULL;

  if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init (ctx) <= 0 ||
      EVP_PKEY_fromdata (ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
    return NULL;
  return pkey;
}

static EVP_PKEY *
rsa_from_jwk (JsonObject  *jwk,
              GError     **error)
{
  gsize n_len = 0, e_len = 0;
  g_autofree guchar *n = get_bytes (jwk, "n", &n_len);
  g_autofree guchar *e = get_bytes (jwk, "e", &e_len);
  g_autoptr(BIGNUM) n_bn = NULL;
  g_autoptr(BIGNUM) e_bn = NULL;
  g_autoptr(OSSL_PARAM_BLD) builder = OSSL_PARAM_BLD_new ();
  EVP_PKEY *pkey;

  if (n == NULL || e == NULL)
    return fail (error, "RSA key without valid n and e"), NULL;

  n_bn = BN_bin2bn (n, (int) n_len, NULL);
  e_bn = BN_bin2bn (e, (int) e_len, NULL);
  if (n_bn == NULL || e_bn == NULL || builder == NULL)
    return fail (error, "out of memory"), NULL;
  if (BN_num_bits (n_bn) < MIN_RSA_BITS)
    return fail (error, "RSA key too short"), NULL;
  if (BN_num_bits (n_bn) > MAX_RSA_BITS)
    return fail (error, "RSA key longer than " G_STRINGIFY (MAX_RSA_BITS) " bits"), NULL;
  if (BN_num_bits (e_bn) > MAX_RSA_EXPONENT_BITS)
    return fail (error, "RSA key with an exponent over " G_STRINGIFY (MAX_RSA_EXPONENT_BITS) " bits"), NULL;
  if (BN_is_zero (e_bn) || !BN_is_odd (e_bn))
    return fail (error, "RSA key with an invalid exponent"), NULL;

  if (!OSSL_PARAM_BLD_push_BN (builder, OSSL_PKEY_PARAM_RSA_N, n_bn) ||
      !OSSL_PARAM_BLD_push_BN (builder, OSSL_PKEY_PARAM_RSA_E, e_bn))
    return fail (error, "out of memory"), NULL;

  pkey = pkey_from_params ("RSA", builder);
  if (pkey == NULL)
    return fail (error, "invalid RSA key"), NULL;
  return pkey;
}

static EVP_PKEY *
ec_from_jwk (JsonObject  *jwk,
             const char  *group,
             gsize        coordinate_length,
             GError     **error)
{
  gsize x_len = 0, y_len = 0;
  g_autofree guchar *x = get_bytes (jwk, "x", &x_len);
  g_autofree guchar *y = get_bytes (jwk, "y", &y_len);
  g_autofree guchar *point = NULL;
  g_autoptr(OSSL_PARAM_BLD) builder = OSSL_PARAM_BLD_new ();
  g_autoptr(EVP_PKEY_CTX) check = NULL;
  EVP_PKEY *pkey;

  if (x == NULL || y == NULL || x_len != coordinate_length || y_len != coordinate_length)
    return fail (error, "EC key without valid x and y"), NULL;
  if (builder == NULL)
    return fail (error, "out of memory"), NULL;

  /* An uncompressed point: 0x04 || x || y. */
  point = g_malloc (1 + 2 * coordinate_length);
  point[0] = 0x04;
  memcpy (point + 1, x, coordinate_length);
  memcpy (point + 1 + coordinate_length, y, coordinate_length);

  if (!OSSL_PARAM_BLD_push_utf8_string (builder, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) ||
      !OSSL_PARAM_BLD_push_octet_string (builder, OSSL_PKEY_PARAM_PUB_KEY,
                                         point, 1 + 2 * coordinate_length))
    return fail (error, "out of memory"), NULL;

  pkey = pkey_from_params ("EC", builder);
  if (pkey == NULL)
    return fail (error, "invalid EC key"), NULL;

  /* Refuse points that are not on the curve. */
  check = EVP_PKEY_CTX_new_from_pkey (NULL, pkey, NULL);
  if (check == NULL || EVP_PKEY_public_check (check) != 1)
    {
      EVP_PKEY_free (pkey);
      return fail (error, "EC point not on the curve"), NULL;
    }
  return pkey;
}

static char *
pem_from_pkey (EVP_PKEY *pkey,
               gsize    *length)
{
  g_autoptr(BIO) bio = BIO_new (BIO_s_mem ());
  char *data = NULL;
  long size;

  if (bio == NULL || PEM_write_bio_PUBKEY (bio, pkey) != 1)
    return NULL;
  size = BIO_get_mem_data (bio, &data);
  if (size <= 0)
    return NULL;
  *length = (gsize) size;
  return g_strndup (data, (gsize) size);
}

static NorthMcpJwk *
jwk_free_on_error (NorthMcpJwk *self)
{
  north_mcp_jwk_unref (self);
  return NULL;
}

NorthMcpJwk *
north_mcp_jwk_new_from_json (JsonObject  *jwk,
                             GError     **error)
{
  const char *kty, *alg, *use;
  g_autoptr(EVP_PKEY) pkey = NULL;
  NorthMcpJwk *self;

  g_return_val_if_fail (jwk != NULL, NULL);

  kty = north_mcp_object_get_string (jwk, "kty");
  alg = north_mcp_object_get_string (jwk, "alg");
  use = north_mcp_object_get_string (jwk, "use");

  if (kty == NULL)
    return fail (error, "key without kty"), NULL;
  if (json_object_has_member (jwk, "use") && g_strcmp0 (use, "sig") != 0)
    return fail (error, "key not for signatures"), NULL;

  self = g_atomic_rc_box_new0 (NorthMcpJwk);
  self->kid = g_strdup (north_mcp_object_get_string (jwk, "kid"));

  if (g_str_equal (kty, "RSA"))
    {
      if (alg == NULL || g_str_equal (alg, "RS256"))
        self->alg = JWT_ALG_RS256;
      else if (g_str_equal (alg, "RS384"))
        self->alg = JWT_ALG_RS384;
      else if (g_str_equal (alg, "RS512"))
        self->alg = JWT_ALG_RS512;
      else
        return fail (error, "unsupported RSA algorithm"), jwk_free_on_error (self);
      pkey = rsa_from_jwk (jwk, error);
    }
  else if (g_str_equal (kty, "EC"))
    {
      const char *crv = north_mcp_object_get_string (jwk, "crv");
      const char *group;
      const char *expected_alg;
      gsize coordinate_length;

      if (g_strcmp0 (crv, "P-256") == 0)
        group = "prime256v1", expected_alg = "ES256", self->alg = JWT_ALG_ES256, coordinate_length = 32;
      else if (g_strcmp0 (crv, "P-384") == 0)
        group = "secp384r1", expected_alg = "ES384", self->alg = JWT_ALG_ES384, coordinate_length = 48;
      else if (g_strcmp0 (crv, "P-521") == 0)
        group = "secp521r1", expected_alg = "ES512", self->alg = JWT_ALG_ES512, coordinate_length = 66;
      else
        return fail (error, "unsupported EC curve"), jwk_free_on_error (self);

      if (alg != NULL && !g_str_equal (alg, expected_alg))
        return fail (error, "EC algorithm does not match the curve"), jwk_free_on_error (self);
      pkey = ec_from_jwk (jwk, group, coordinate_length, error);
      self->coordinate_length = coordinate_length;
    }
  else
    return fail (error, "unsupported key type"), jwk_free_on_error (self);

  if (pkey == NULL)
    return jwk_free_on_error (self);

  self->pem = pem_from_pkey (pkey, &self->pem_length);
  if (self->pem == NULL)
    return fail (error, "cannot encode the key"), jwk_free_on_error (self);
  self->pkey = g_steal_pointer (&pkey);

  return self;
}

static const EVP_MD *
digest_of (jwt_alg_t alg)
{
  switch (alg)
    {
    case JWT_ALG_RS256:
    case JWT_ALG_ES256:
      return EVP_sha256 ();
    case JWT_ALG_RS384:
    case JWT_ALG_ES384:
      return EVP_sha384 ();
    case JWT_ALG_RS512:
    case JWT_ALG_ES512:
      return EVP_sha512 ();
    default:
      return NULL;
    }
}

/* A JWS's EC signature (RFC 7518 3.4: R and S, big-endian, each the
 * curve's size) as the DER that OpenSSL verifies; NULL if malformed. */
static guint8 *
ec_signature_to_der (NorthMcpJwk  *self,
                     const guint8 *signature,
                     gsize         signature_length,
                     gsize        *der_length)
{
  g_autoptr(ECDSA_SIG) sig = NULL;
  BIGNUM *r, *s;
  unsigned char *der = NULL;
  guint8 *copy;
  int length;

  if (signature_length != 2 * self->coordinate_length)
    return NULL;
  sig = ECDSA_SIG_new ();
  r = BN_bin2bn (signature, (int) self->coordinate_length, NULL);
  s = BN_bin2bn (signature + self->coordinate_length, (int) self->coordinate_length, NULL);
  if (sig == NULL || r == NULL || s == NULL || ECDSA_SIG_set0 (sig, r, s) != 1)
    {
      BN_free (r);
      BN_free (s);
      return NULL;
    }
  length = i2d_ECDSA_SIG (sig, &der);
  if (length <= 0)
    return NULL;
  copy = g_memdup2 (der, (gsize) length);
  OPENSSL_free (der);
  *der_length = (gsize) length;
  return copy;
}

gboolean
north_mcp_jwk_verify (NorthMcpJwk  *self,
                      const char   *input,
                      gsize         input_length,
                      const guint8 *signature,
                      gsize         signature_length)
{
  g_autoptr(EVP_MD_CTX) ctx = NULL;
  g_autofree guint8 *der = NULL;
  gsize der_length = 0;
  const EVP_MD *md = digest_of (self->alg);

  g_return_val_if_fail (self != NULL, FALSE);

  if (md == NULL)
    return FALSE;
  if (self->coordinate_length > 0)
    {
      der = ec_signature_to_der (self, signature, signature_length, &der_length);
      if (der == NULL)
        return FALSE;
      signature = der;
      signature_length = der_length;
    }

  ctx = EVP_MD_CTX_new ();
  return ctx != NULL &&
         EVP_DigestVerifyInit (ctx, NULL, md, NULL, self->pkey) == 1 &&
         EVP_DigestVerify (ctx, signature, signature_length, (const unsigned char *) input, input_length) == 1;
}

static void
jwk_clear (gpointer data)
{
  NorthMcpJwk *self = data;

  g_free (self->kid);
  g_free (self->pem);
  g_clear_pointer (&self->pkey, EVP_PKEY_free);
}

NorthMcpJwk *
north_mcp_jwk_ref (NorthMcpJwk *self)
{
  return g_atomic_rc_box_acquire (self);
}

void
north_mcp_jwk_unref (NorthMcpJwk *self)
{
  g_atomic_rc_box_release_full (self, jwk_clear);
}

GHashTable *
north_mcp_jwk_parse_set (JsonNode   *root,
                         GPtrArray  *skipped,
                         GError    **error)
{
  JsonObject *object;
  JsonNode *keys_node;
  JsonArray *keys;
  GHashTable *set;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return fail (error, "key set is not an object"), NULL;
  object = json_node_get_object (root);
  keys_node = json_object_get_member (object, "keys");
  if (keys_node == NULL || !JSON_NODE_HOLDS_ARRAY (keys_node))
    return fail (error, "key set without a keys array"), NULL;
  keys = json_node_get_array (keys_node);
  if (json_array_get_length (keys) > MAX_SET_KEYS)
    return fail (error, "key set with more than " G_STRINGIFY (MAX_SET_KEYS) " keys"), NULL;

  set = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                               (GDestroyNotify) north_mcp_jwk_unref);
  for (guint i = 0; i < json_array_get_length (keys); i++)
    {
      JsonNode *node = json_array_get_element (keys, i);
      g_autoptr(GError) local_error = NULL;
      NorthMcpJwk *jwk;
      const char *kid;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          if (skipped != NULL)
            g_ptr_array_add (skipped, g_strdup_printf ("key %u: not an object", i));
          continue;
        }
      kid = north_mcp_object_get_string (json_node_get_object (node), "kid");
      if (kid == NULL)
        {
          if (skipped != NULL)
            g_ptr_array_add (skipped, g_strdup_printf ("key %u: no kid", i));
          continue;
        }
      if (g_hash_table_contains (set, kid))
        continue;

      jwk = north_mcp_jwk_new_from_json (json_node_get_object (node), &local_error);
      if (jwk == NULL)
        {
          if (skipped != NULL)
            g_ptr_array_add (skipped, g_strdup_printf ("key %s: %s", kid, local_error->message));
          continue;
        }
      /* The table's key is the JWK's own kid string. */
      g_hash_table_insert (set, jwk->kid, jwk);
    }

  return set;
}
