/* test-jwk.c: JWK to PEM conversion and key-set parsing
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include "north-mcp-base64-private.h"
#include "north-mcp-error.h"
#include "north-mcp-jwk-private.h"

/* RFC 7517, appendix A.1. */
#define RFC_EC_X "MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4"
#define RFC_EC_Y "4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM"
#define RFC_RSA_N \
  "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"

static JsonNode *
parse (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  g_assert_true (json_parser_load_from_data (parser, json, -1, NULL));
  return json_node_ref (json_parser_get_root (parser));
}

static NorthMcpJwk *
jwk_from (const char  *json,
          GError     **error)
{
  g_autoptr(JsonNode) node = parse (json);

  return north_mcp_jwk_new_from_json (json_node_get_object (node), error);
}

static void
test_jwk_rfc7517 (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NorthMcpJwk) ec = jwk_from ("{\"kty\": \"EC\", \"crv\": \"P-256\", \"x\": \"" RFC_EC_X "\", "
                                        "\"y\": \"" RFC_EC_Y "\", \"use\": \"sig\", \"kid\": \"1\"}", &error);
  g_autoptr(NorthMcpJwk) rsa = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (ec);
  g_assert_cmpint (ec->alg, ==, JWT_ALG_ES256);
  g_assert_cmpstr (ec->kid, ==, "1");
  g_assert_true (g_str_has_prefix (ec->pem, "-----BEGIN PUBLIC KEY-----\n"));
  g_assert_cmpuint (ec->pem_length, ==, strlen (ec->pem));

  rsa = jwk_from ("{\"kty\": \"RSA\", \"n\": \"" RFC_RSA_N "\", \"e\": \"AQAB\", \"alg\": \"RS384\", "
                  "\"kid\": \"2011-04-29\"}", &error);
  g_assert_no_error (error);
  g_assert_cmpint (rsa->alg, ==, JWT_ALG_RS384);
  g_assert_true (g_str_has_prefix (rsa->pem, "-----BEGIN PUBLIC KEY-----\n"));
}

static void
test_jwk_rejected (void)
{
  const char * const keys[] = {
    "{}",
    "{\"kty\": \"oct\", \"k\": \"c2VjcmV0\"}",
    "{\"kty\": \"OKP\", \"crv\": \"Ed25519\", \"x\": \"AA\"}",
    "{\"kty\": \"RSA\", \"n\": \"" RFC_RSA_N "\", \"e\": \"AQAB\", \"use\": \"enc\"}",
    "{\"kty\": \"RSA\", \"n\": \"" RFC_RSA_N "\", \"e\": \"AQAB\", \"alg\": \"HS256\"}",
    "{\"kty\": \"RSA\", \"n\": \"" RFC_RSA_N "\", \"e\": \"AQAB\", \"alg\": \"PS256\"}",
    "{\"kty\": \"RSA\", \"n\": \"" RFC_RSA_N "\", \"e\": \"AQAB\", \"alg\": \"ES256\"}",
    "{\"kty\": \"RSA\", \"n\": \"" RFC_RSA_N "\"}",
    "{\"kty\": \"RSA\", \"n\": \"" RFC_RSA_N "\", \"e\": \"AAA\"}",            /* e = 0 */
    "{\"kty\": \"RSA\", \"n\": \"" RFC_RSA_N "\", \"e\": \"Ag\"}",             /* even e */
    "{\"kty\": \"RSA\", \"n\": \"AQAB+/\", \"e\": \"AQAB\"}",                  /* not base64url */
    "{\"kty\": \"RSA\", \"n\": \"DKE\", \"e\": \"AQAB\"}",                      /* 3233: too short */
    "{\"kty\": \"RSA\", \"n\": 5, \"e\": \"AQAB\"}",
    "{\"kty\": \"EC\", \"crv\": \"P-256\", \"x\": \"" RFC_EC_X "\"}",
    "{\"kty\": \"EC\", \"crv\": \"P-256\", \"x\": \"" RFC_EC_X "\", \"y\": \"" RFC_EC_X "\"}", /* off the curve */
    "{\"kty\": \"EC\", \"crv\": \"P-384\", \"x\": \"" RFC_EC_X "\", \"y\": \"" RFC_EC_Y "\"}", /* wrong length */
    "{\"kty\": \"EC\", \"crv\": \"P-192\", \"x\": \"" RFC_EC_X "\", \"y\": \"" RFC_EC_Y "\"}",
    "{\"kty\": \"EC\", \"crv\": \"secp256k1\", \"x\": \"" RFC_EC_X "\", \"y\": \"" RFC_EC_Y "\"}",
    "{\"kty\": \"EC\", \"crv\": \"P-256\", \"alg\": \"ES384\", \"x\": \"" RFC_EC_X "\", \"y\": \"" RFC_EC_Y "\"}",
    "{\"kty\": \"EC\", \"crv\": \"P-256\", \"alg\": \"RS256\", \"x\": \"" RFC_EC_X "\", \"y\": \"" RFC_EC_Y "\"}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(NorthMcpJwk) jwk = jwk_from (keys[i], &error);

      if (jwk != NULL)
        g_error ("accepted %s", keys[i]);
      g_assert_nonnull (error);
    }
}

/* An RSA JWK with n and e of @n_bytes and @e_bytes bytes, all ones. */
static NorthMcpJwk *
rsa_jwk_of_size (gsize    n_bytes,
                 gsize    e_bytes,
                 GError **error)
{
  g_autofree guchar *ones = g_malloc (MAX (n_bytes, e_bytes));
  g_autofree char *n = NULL;
  g_autofree char *e = NULL;
  g_autofree char *json = NULL;

  memset (ones, 0xff, MAX (n_bytes, e_bytes));
  n = north_mcp_base64url_encode (ones, n_bytes);
  e = north_mcp_base64url_encode (ones, e_bytes);
  json = g_strdup_printf ("{\"kty\": \"RSA\", \"n\": \"%s\", \"e\": \"%s\"}", n, e);
  return jwk_from (json, error);
}

/* Every token of a kid costs a verification with its key, which an RSA
 * key can make dear: a public exponent as long as the modulus makes it a
 * private-key operation (2,048 squarings rather than 17), and a longer
 * modulus costs as its square (OpenSSL verifies up to 16,384 bits). Both
 * are refused: e of at most 64 bits (OpenSSL's own bound above 3,072-bit
 * moduli), n of at most 8,192 bits. */
static void
test_jwk_rsa_bounded (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NorthMcpJwk) largest = rsa_jwk_of_size (1024, 8, &error);
  g_autoptr(NorthMcpJwk) long_n = NULL;
  g_autoptr(NorthMcpJwk) long_e = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (largest);

  long_n = rsa_jwk_of_size (1025, 3, &error);
  g_assert_null (long_n);
  g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==, "RSA key longer than 8192 bits");
  g_clear_error (&error);

  long_e = rsa_jwk_of_size (256, 9, &error);
  g_assert_null (long_e);
  g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==, "RSA key with an exponent over 64 bits");
}

static void
test_jwk_set (void)
{
  g_autoptr(JsonNode) root = parse (
    "{\"keys\": ["
    "  {\"kty\": \"EC\", \"crv\": \"P-256\", \"x\": \"" RFC_EC_X "\", \"y\": \"" RFC_EC_Y "\", \"kid\": \"ec\"},"
    "  {\"kty\": \"RSA\", \"n\": \"" RFC_RSA_N "\", \"e\": \"AQAB\", \"kid\": \"rsa\"},"
    "  {\"kty\": \"RSA\", \"n\": \"" RFC_RSA_N "\", \"e\": \"AQAB\", \"kid\": \"ec\", \"alg\": \"RS512\"},"
    "  {\"kty\": \"RSA\", \"n\": \"" RFC_RSA_N "\", \"e\": \"AQAB\"},"
    "  {\"kty\": \"oct\", \"k\": \"c2VjcmV0\", \"kid\": \"hmac\"},"
    "  42"
    "]}");
  g_autoptr(GPtrArray) skipped = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) keys = north_mcp_jwk_parse_set (root, skipped, &error);
  NorthMcpJwk *ec;

  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (keys), ==, 2);
  ec = g_hash_table_lookup (keys, "ec");
  /* The first key of a kid wins. */
  g_assert_cmpint (ec->alg, ==, JWT_ALG_ES256);
  g_assert_cmpint (((NorthMcpJwk *) g_hash_table_lookup (keys, "rsa"))->alg, ==, JWT_ALG_RS256);
  /* No kid, oct, not an object. */
  g_assert_cmpuint (skipped->len, ==, 3);
}

static void
test_jwk_set_invalid (void)
{
  const char * const documents[] = {
    "[]", "{}", "{\"keys\": {}}", "{\"keys\": \"x\"}", "\"keys\"", "null",
  };

  for (guint i = 0; i < G_N_ELEMENTS (documents); i++)
    {
      g_autoptr(JsonNode) root = parse (documents[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(GHashTable) keys = north_mcp_jwk_parse_set (root, NULL, &error);

      g_assert_null (keys);
      g_assert_nonnull (error);
    }
}

/* A key set of @count distinct EC keys. */
static JsonNode *
many_keys (guint count)
{
  g_autoptr(GString) json = g_string_new ("{\"keys\": [");

  for (guint i = 0; i < count; i++)
    g_string_append_printf (json, "%s{\"kty\": \"EC\", \"crv\": \"P-256\", \"x\": \"" RFC_EC_X "\", "
                            "\"y\": \"" RFC_EC_Y "\", \"kid\": \"k%u\"}", i > 0 ? ", " : "", i);
  g_string_append (json, "]}");
  return parse (json->str);
}

/* Each key costs a conversion (and an EC point check) on the main loop:
 * 1 MiB of keys took most of a second. A set of more than 100 is refused
 * as a whole, before any is converted. */
static void
test_jwk_set_too_many (void)
{
  g_autoptr(JsonNode) enough = many_keys (100);
  g_autoptr(JsonNode) too_many = many_keys (101);
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) keys = north_mcp_jwk_parse_set (enough, NULL, &error);
  g_autoptr(GHashTable) refused = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (keys), ==, 100);

  refused = north_mcp_jwk_parse_set (too_many, NULL, &error);
  g_assert_null (refused);
  g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==, "key set with more than 100 keys");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/jwk/rfc7517", test_jwk_rfc7517);
  g_test_add_func ("/jwk/rejected", test_jwk_rejected);
  g_test_add_func ("/jwk/rsa-bounded", test_jwk_rsa_bounded);
  g_test_add_func ("/jwk/set", test_jwk_set);
  g_test_add_func ("/jwk/set-invalid", test_jwk_set_invalid);
  g_test_add_func ("/jwk/set-too-many", test_jwk_set_too_many);

  return g_test_run ();
}
