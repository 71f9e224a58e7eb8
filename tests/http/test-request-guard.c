/* test-request-guard.c: the guard that keeps unframeable request heads
 * from libsoup (north-mcp-http-request-guard.c), fed directly.
 *
 * The end-to-end behaviour (answers, closed connections, no leak under
 * LeakSanitizer) is tests/hostile/test_parsing.py's; here every way of
 * splitting a connection's bytes into reads is tried, which a socket
 * cannot be made to do on purpose.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include <gio/gio.h>

#include "north-mcp-http-request-guard-private.h"

/* What would be refused if the guard took it for a head: in bodies, it
 * shows a guard that lost its place. */
#define TRAP "\r\nGET / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"

/* Requests a client may send, one after another on one connection. */
static const char good_traffic[] =
  "\r\n"  /* empty lines before a request line are skipped */
  "GET /health HTTP/1.1\r\nHost: a\r\n\r\n"
  "POST /mcp HTTP/1.1\r\nHost: a\r\nContent-Length: 47\r\n\r\nxx" TRAP
  "POST /mcp HTTP/1.1\r\nHost: a\r\ntransfer-encoding: Chunked\r\n\r\n"
  "1\r\nZ\r\n2d;name=value\r\n" TRAP "\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n"
  "GET /bare-lf HTTP/1.1\nHost: a\nX-Folded: a\n b\n\n"
  "POST /mcp HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 45\r\n\r\n" TRAP
  "POST /mcp HTTP/1.1\r\nTransfer-Encoding: identity\r\nContent-Length:  45 \r\n\r\n" TRAP
  "GET /last HTTP/1.1\r\n\r\n";

/* Feeds @data in reads of @step bytes; returns the bytes passed on, or
 * NULL with @error once refused. */
static GString *
feed (NorthMcpHttpRequestGuard *guard,
      const char               *data,
      gsize                     length,
      gsize                     step,
      GError                  **error)
{
  g_autoptr(GString) passed = g_string_new (NULL);

  for (gsize pos = 0; pos < length; pos += step)
    {
      gsize count = MIN (step, length - pos);
      g_autofree char *buffer = g_memdup2 (data + pos, count);
      gssize n = north_mcp_http_request_guard_feed (guard, buffer, count, error);

      if (n < 0)
        return NULL;
      g_string_append_len (passed, buffer, n);
      if ((gsize) n < count)
        break;
    }
  return g_steal_pointer (&passed);
}

static void
test_good_traffic_passes_in_any_reads (void)
{
  gsize length = strlen (good_traffic);

  for (gsize step = 1; step <= length; step++)
    {
      NorthMcpHttpRequestGuard guard = { 0 };
      g_autoptr(GError) error = NULL;
      g_autoptr(GString) passed = feed (&guard, good_traffic, length, step, &error);

      g_assert_no_error (error);
      g_assert_nonnull (passed);
      g_assert_cmpmem (passed->str, passed->len, good_traffic, length);
      g_assert_false (north_mcp_http_request_guard_is_refused (&guard));
    }
}

static const char *const unframeable[] = {
  "Transfer-Encoding: gzip\r\n",
  "Transfer-Encoding: gzip, chunked\r\n",
  "Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n",
  "Content-Length: 0x2f\r\n",
  "Content-Length: 5, 5\r\n",
  "Content-Length: 5\r\n 5\r\n",
  "X-Ok: 1\r\nContent-Length: 5\r\n\t5\r\n",
  /* Field lines RFC 9112 refuses and libsoup ignores, where a proxy may
   * not: white space before the colon, in the name, no name, no colon. */
  "Transfer-Encoding : chunked\r\n",
  "Content Length: 5\r\n",
  ": 5\r\n",
  "X-No-Colon\r\n",
};

/* After a request, a head libsoup cannot frame: in one read it is
 * replaced by one libsoup refuses at once (what came before it passes);
 * begun in an earlier read, the connection is refused. */
static void
test_unframeable_heads_are_refused (void)
{
  const char *before = "POST /mcp HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc";

  for (guint i = 0; i < G_N_ELEMENTS (unframeable); i++)
    {
      g_autofree char *data = g_strconcat (before, "POST /mcp HTTP/1.1\r\nHost: a\r\n", unframeable[i],
                                           "\r\nGET /smuggled HTTP/1.1\r\n\r\n", NULL);
      g_autofree char *expected = g_strconcat (before, "GET / HTTP/1.1\r\nHost: /\r\n\r\n", NULL);
      gsize length = strlen (data);
      NorthMcpHttpRequestGuard whole = { 0 }, split = { 0 };
      g_autoptr(GError) error = NULL;
      g_autoptr(GString) passed = feed (&whole, data, length, length, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (passed->str, ==, expected);
      g_assert_true (north_mcp_http_request_guard_is_refused (&whole));

      /* The head's start passes in the first read; the refusal follows. */
      g_assert_null (feed (&split, data, length, strlen (before) + 10, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
      g_assert_true (north_mcp_http_request_guard_is_refused (&split));
    }
}

/* A NUL byte, or a Connection field that could drop a framing field in
 * HTTP/1.0, refuses a head too; HTTP/1.0 gets its version back. */
static void
test_odd_heads_are_refused (void)
{
  static const char nul[] = "POST /mcp HTTP/1.1\r\nContent-Le\0ngth: 5\r\n\r\n";
  static const char http10[] = "POST /mcp HTTP/1.0\r\nConnection: Content-Length\r\nContent-Length: 5\r\n\r\n";
  static const char short_nul[] = "P\0\n\n\n";
  static const struct { const char *head; gsize length; const char *expected; } cases[] = {
    { nul, sizeof nul - 1, "GET / HTTP/1.1\r\nHost: /\r\n\r\n" },
    { http10, sizeof http10 - 1, "GET / HTTP/1.0\r\nHost: /\r\n\r\n" },
    { short_nul, sizeof short_nul - 1, NULL },  /* too short to stand in for: refused */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gsize length = cases[i].length;
      NorthMcpHttpRequestGuard guard = { 0 };
      g_autoptr(GError) error = NULL;
      g_autoptr(GString) passed = feed (&guard, cases[i].head, length, length, &error);

      if (cases[i].expected == NULL)
        {
          g_assert_null (passed);
          g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
        }
      else
        g_assert_cmpstr (passed->str, ==, cases[i].expected);
      g_assert_true (north_mcp_http_request_guard_is_refused (&guard));
    }
}

/* Chunked bodies out of RFC 9112, which libsoup 3.2 reads its own way. */
static void
test_lenient_chunks_are_refused (void)
{
  static const char *const bodies[] = {
    "0x5\r\nhello\r\n0\r\n\r\n",
    " 5\r\nhello\r\n0\r\n\r\n",
    "5\r\nhelloXX\r\n0\r\n\r\n",
    "5\r\nhello\r\n0\r\nX-Trailer: 1\r\n\r\n",
    "1000000000000000\r\n",
    "zz\r\n",
  };
  g_autofree char *long_line = g_strnfill (200, 'a');

  for (guint i = 0; i <= G_N_ELEMENTS (bodies); i++)
    {
      g_autofree char *data = g_strconcat ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
                                           i < G_N_ELEMENTS (bodies) ? bodies[i] : long_line, NULL);
      NorthMcpHttpRequestGuard guard = { 0 };
      g_autoptr(GError) error = NULL;

      g_assert_null (feed (&guard, data, strlen (data), 1, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
    }
}

/* A refusal in a read that also ends earlier requests: those pass first
 * (for libsoup to answer), and the refusal waits until it asks for more. */
static void
test_refusal_after_requests_waits (void)
{
  static const char before[] = "GET /a HTTP/1.1\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc";
  static const char *const refused[] = {
    "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n",
    "P\0\n\n\n",  /* too short to stand in for */
  };

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      gsize length = strlen (refused[i]) + (i == 1 ? 4 : 0);
      g_autofree char *data = g_malloc (sizeof before - 1 + length);
      NorthMcpHttpRequestGuard guard = { 0 };
      g_autoptr(GError) error = NULL;
      gssize n;

      memcpy (data, before, sizeof before - 1);
      memcpy (data + sizeof before - 1, refused[i], length);
      n = north_mcp_http_request_guard_feed (&guard, data, sizeof before - 1 + length, &error);
      g_assert_no_error (error);
      g_assert_cmpint (n, ==, sizeof before - 1);
      g_assert_true (north_mcp_http_request_guard_is_refused (&guard));
      g_assert_true (north_mcp_http_request_guard_take_deferred (&guard));
      g_assert_false (north_mcp_http_request_guard_take_deferred (&guard));
    }
}

/* A head over libsoup's 64 KiB, which libsoup refuses itself, and bytes
 * after a route took the connection over are not followed. */
static void
test_what_is_not_followed (void)
{
  g_autofree char *path = g_strnfill (70000, 'a');
  g_autofree char *huge = g_strdup_printf ("GET /%s HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", path);
  const char *frames = "\x81\x85\r\n\r\nTransfer-Encoding: gzip\r\n\r\n";
  NorthMcpHttpRequestGuard over = { 0 }, stopped = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) passed = feed (&over, huge, strlen (huge), 4096, &error);
  g_autoptr(GString) frames_passed = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (passed->len, ==, strlen (huge));

  north_mcp_http_request_guard_stop (&stopped);
  frames_passed = feed (&stopped, frames, strlen (frames), 3, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (frames_passed->str, ==, frames);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/request-guard/good-traffic", test_good_traffic_passes_in_any_reads);
  g_test_add_func ("/request-guard/unframeable", test_unframeable_heads_are_refused);
  g_test_add_func ("/request-guard/odd-heads", test_odd_heads_are_refused);
  g_test_add_func ("/request-guard/lenient-chunks", test_lenient_chunks_are_refused);
  g_test_add_func ("/request-guard/refusal-after-requests", test_refusal_after_requests_waits);
  g_test_add_func ("/request-guard/not-followed", test_what_is_not_followed);

  return g_test_run ();
}
