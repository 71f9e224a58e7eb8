/* test-http-client.c: a SoupSession client for the HTTP tests
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "test-http-client.h"

static void
send_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  TestHttpSend *state = user_data;

  state->bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &state->error);
  state->done = TRUE;
}

void
test_http_send_start (SoupSession  *session,
                      SoupMessage  *msg,
                      GCancellable *cancellable,
                      TestHttpSend *state)
{
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, cancellable, send_done, state);
}

GBytes *
test_http_send_and_read (SoupSession *session,
                         SoupMessage *msg)
{
  TestHttpSend state = { 0 };

  test_http_send_start (session, msg, NULL, &state);
  while (!state.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (state.error);
  return state.bytes;
}

void
test_http_shutdown (NorthMcpHttpTransport **transport,
                    SoupSession           **session)
{
  north_mcp_http_transport_stop (*transport);
  g_clear_object (transport);
  soup_session_abort (*session);
  g_clear_object (session);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

char *
test_http_base64url (const char *text)
{
  g_autofree char *b64 = g_base64_encode ((const guchar *) text, strlen (text));
  GString *out = g_string_new (NULL);

  for (const char *p = b64; *p != '\0' && *p != '='; p++)
    g_string_append_c (out, *p == '+' ? '-' : *p == '/' ? '_' : *p);
  return g_string_free (out, FALSE);
}
