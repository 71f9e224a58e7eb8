/* fuzz-jwk-set.c: an issuer's JWK set (from its jwks_uri) to PEM keys
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>

#include "north-mcp-json-limits-private.h"
#include "north-mcp-json-reader-private.h"
#include "north-mcp-jwk-private.h"
#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GHashTable) keys = NULL;
  g_autoptr(GPtrArray) skipped = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  GHashTableIter iter;
  gpointer kid, value;

  fuzz_init ();
  /* The issuer cache bounds documents to 1 MiB; big ones only slow the
   * fuzzer down. */
  if (size > 65536)
    return 0;

  /* As the issuer cache reads them: with the strict reader (json-glib's
   * parser leaks the values of a document with two roots). */
  root = north_mcp_json_read ((const char *) data, size, NORTH_MCP_JSON_MAX_DEPTH, NULL);
  if (root == NULL)
    return 0;

  keys = north_mcp_jwk_parse_set (root, skipped, &error);
  if (keys == NULL)
    {
      if (error == NULL)
        abort ();
      return 0;
    }

  /* Every key has a PEM and an asymmetric algorithm. */
  g_hash_table_iter_init (&iter, keys);
  while (g_hash_table_iter_next (&iter, &kid, &value))
    {
      NorthMcpJwk *jwk = value;

      if (jwk->pem == NULL || jwk->pem_length == 0 || strcmp (kid, jwk->kid) != 0 ||
          jwk->alg < JWT_ALG_RS256 || jwk->alg > JWT_ALG_ES512)
        abort ();
    }
  return 0;
}
