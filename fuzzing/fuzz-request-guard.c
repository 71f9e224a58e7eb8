/* fuzz-request-guard.c: the request guard of HTTP connections, fed the
 * same bytes whole and in reads of a size the input chooses
 *
 * What it must hold whatever the bytes: no read passes more than it got;
 * a refused connection passes nothing more; and how the bytes are split
 * into reads changes nothing a client can use: bytes one way passes
 * untouched, the other does as well, and refusal in one is refusal in the
 * other (a proxy cannot make the guard lose its place by timing).
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>

#include <gio/gio.h>

#include "north-mcp-http-request-guard-private.h"
#include "fuzz-common.h"

typedef struct
{
  GString  *passed;   /* what libsoup got */
  gboolean  refused;
  gboolean  replaced; /* a passed read differed from what came */
} Run;

static void
run_feed (Run           *run,
          const uint8_t *data,
          size_t         size,
          size_t         step)
{
  NorthMcpHttpRequestGuard guard = { 0 };

  run->passed = g_string_new (NULL);
  for (size_t pos = 0; pos < size; pos += step)
    {
      size_t count = MIN (step, size - pos);
      g_autofree char *buffer = g_memdup2 (data + pos, count);
      g_autoptr(GError) error = NULL;
      gssize n = north_mcp_http_request_guard_feed (&guard, buffer, count, &error);

      if (n > (gssize) count || (n < 0) != (error != NULL))
        abort ();
      if (n < 0)
        {
          if (!north_mcp_http_request_guard_is_refused (&guard))
            abort ();
          run->refused = TRUE;
          return;
        }
      g_string_append_len (run->passed, buffer, n);
      if ((size_t) n < count || memcmp (buffer, data + pos, n) != 0)
        run->replaced = TRUE;
      if (north_mcp_http_request_guard_is_refused (&guard))
        {
          /* Nothing more passes once refused. */
          g_autofree char *more = g_strdup ("GET / HTTP/1.1\r\n\r\n");

          if (north_mcp_http_request_guard_feed (&guard, more, strlen (more), NULL) >= 0)
            abort ();
          run->refused = TRUE;
          return;
        }
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  Run whole = { 0 }, split = { 0 };
  size_t step;

  fuzz_init ();
  if (size < 1)
    return 0;
  step = 1 + data[0] % 32;
  data++, size--;

  run_feed (&whole, data, size, MAX (size, 1));
  run_feed (&split, data, size, step);

  /* Untouched one way, untouched the other; refused the same. */
  if (whole.refused != split.refused)
    abort ();
  if (!whole.refused && (whole.replaced || split.replaced ||
                         !g_string_equal (whole.passed, split.passed)))
    abort ();

  g_string_free (whole.passed, TRUE);
  g_string_free (split.passed, TRUE);
  return 0;
}
