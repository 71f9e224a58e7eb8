/* test-http-client.h: a SoupSession client for the HTTP tests
 *
 * Sends a message to a test server on loopback and iterates the default
 * main context until the answer is read, so that the server (running in
 * the same context) gets to run meanwhile.
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <libsoup/soup.h>

#include "north-mcp-http-transport-private.h"

G_BEGIN_DECLS

/* One send in flight; zero-initialise it. */
typedef struct {
  GBytes   *bytes;
  GError   *error;
  gboolean  done;
} TestHttpSend;

/* Starts soup_session_send_and_read_async() of @msg; @state->done turns
 * TRUE once it ended, with @state->bytes or @state->error set. */
void     test_http_send_start    (SoupSession  *session,
                                  SoupMessage  *msg,
                                  GCancellable *cancellable,
                                  TestHttpSend *state);
/* Sends @msg and waits for its answer; aborts the test on a transport
 * error. Returns the body (NUL-terminated by libsoup). */
GBytes  *test_http_send_and_read (SoupSession  *session,
                                  SoupMessage  *msg);
/* @text in base64url without padding (as North's headers and JWTs
 * carry it). */
char    *test_http_base64url     (const char   *text);
/* Stops and clears @transport, aborts and clears @session, then lets the
 * pending sources (closed connections, finished tasks) run, so that the
 * server can be freed next. */
void     test_http_shutdown      (NorthMcpHttpTransport **transport,
                                  SoupSession           **session);

G_END_DECLS
