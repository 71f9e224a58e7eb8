/* fuzz-auth-headers.c: North auth on fuzzed request headers
 *
 * Input: one mode byte (open, server secret, trusted issuers), then
 * `Name: value` lines: the Authorization bearer and X-North-* headers the
 * auth decodes (base64url JSON, JWTs). Only the network-free path runs
 * (north_mcp_auth_authenticate_cached()); answers that need an issuer's
 * keys stop there.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>

#include <libsoup/soup.h>

#include "north-mcp-auth-private.h"
#include "north-mcp-user.h"
#include "fuzz-common.h"
#include "fuzz-headers.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(NorthMcpAuth) auth = NULL;
  g_autoptr(SoupMessageHeaders) headers = NULL;
  g_autoptr(NorthMcpUser) user = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  gboolean decided;

  fuzz_init ();
  if (size == 0)
    return 0;

  auth = north_mcp_auth_new ();
  switch (data[0] % 3)
    {
    case 1:
      north_mcp_auth_set_server_secret (auth, "fuzz-secret");
      north_mcp_auth_set_require_auth (auth, TRUE);
      break;
    case 2:
      {
        const char *issuers[] = { "https://issuer.example", NULL };

        north_mcp_auth_set_trusted_issuers (auth, issuers);
        north_mcp_auth_set_audience (auth, "north");
        north_mcp_auth_set_require_auth (auth, TRUE);
      }
      break;
    default:
      break;
    }

  text = g_strndup ((const char *) data + 1, size - 1);
  headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  fuzz_add_headers (headers, text);

  decided = north_mcp_auth_authenticate_cached (auth, headers, NULL, &user, &error);
  if (!decided && (user != NULL || error != NULL))
    abort ();
  if (decided && user != NULL && error != NULL)
    abort ();
  if (user != NULL)
    {
      const char *email = north_mcp_user_get_email (user);

      GHashTable *context = north_mcp_user_get_context (user);
      GHashTableIter iter;
      gpointer key, value;

      /* What reaches handlers (and bindings) is UTF-8. */
      if (email != NULL && !g_utf8_validate (email, -1, NULL))
        abort ();
      g_hash_table_iter_init (&iter, context);
      while (g_hash_table_iter_next (&iter, &key, &value))
        if (!g_utf8_validate (key, -1, NULL) || !g_utf8_validate (value, -1, NULL))
          abort ();
    }

  return 0;
}
