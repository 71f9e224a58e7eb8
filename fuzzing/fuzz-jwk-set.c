/* fuzz-jwk-set.c: an issuer's JWK set (from its jwks_uri) to PEM keys
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>

#include "north-mcp-jwk-private.h"
#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GHashTable) keys = NULL;
  g_autoptr(GPtrArray) skipped = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  GHashTableIter iter;
  gpointer kid, value;

  fuzz_init ();
  /* json-glib recurses; the issuer cache bounds documents to 1 MiB, and
   * deep nesting is the JSON parser's business, not this target's. */
  if (size > 65536 || !g_utf8_validate ((const char *) data, (gssize) size, NULL))
    return 0;

  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, (const char *) data, (gssize) size, NULL))
    return 0;

  keys = north_mcp_jwk_parse_set (json_parser_get_root (parser), skipped, &error);
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
