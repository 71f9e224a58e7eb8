/* north-mcp-random.c
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "north-mcp-error.h"
#include "north-mcp-hex-private.h"
#include "north-mcp-random-private.h"

gboolean
north_mcp_random_bytes (void    *buffer,
                        gsize    length,
                        GError **error)
{
  guint8 *out = buffer;
  gsize done = 0;

  /* Blocks only until the kernel's pool is first seeded (early boot);
   * reads of more than 256 bytes may come back short. */
  while (done < length)
    {
      ssize_t n = getrandom (out + done, length - done, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          int saved = n < 0 ? errno : EIO;

          g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED,
                       "No random bytes from the kernel: getrandom: %s", g_strerror (saved));
          return FALSE;
        }
      done += (gsize) n;
    }

  return TRUE;
}

char *
north_mcp_random_id (GError **error)
{
  guint8 bytes[NORTH_MCP_RANDOM_ID_BYTES];
  char *id;

  if (!north_mcp_random_bytes (bytes, sizeof bytes, error))
    return NULL;

  id = north_mcp_hex_strdup (bytes, sizeof bytes);
  memset (bytes, 0, sizeof bytes);
  return id;
}
