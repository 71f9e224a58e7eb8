/* test-log.c: the debug log format helpers
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include <libsoup/soup.h>

#include "north-mcp-log-private.h"

static void
test_log_redact (void)
{
  g_autofree char *bearer = north_mcp_log_redact ("Bearer eyJzZXJ2ZXJfc2VjcmV0IjogInNlcnZlcl9zZWNyZXQi");
  g_autofree char *shortish = north_mcp_log_redact ("secret");
  g_autofree char *twelve = north_mcp_log_redact ("0123456789ab");
  g_autofree char *empty = north_mcp_log_redact ("");
  /* "é" is two bytes: the cut falls after it or before it, never inside. */
  g_autofree char *accented = north_mcp_log_redact ("aéééééééé");

  g_assert_cmpstr (bearer, ==, "Bearer eyJ...");
  g_assert_cmpstr (shortish, ==, "...");
  g_assert_cmpstr (twelve, ==, "012...");
  g_assert_cmpstr (empty, ==, "...");
  g_assert_cmpstr (accented, ==, "aé...");
}

/* Whatever the length, at most 10 characters and a quarter are shown. */
static void
test_log_redact_bounds (void)
{
  for (gsize length = 0; length < 200; length++)
    {
      g_autofree char *secret = g_strnfill (length, 'x');
      g_autofree char *shown = north_mcp_log_redact (secret);
      gsize kept = strlen (shown) - 3;

      g_assert_true (g_str_has_suffix (shown, "..."));
      g_assert_cmpuint (kept, <=, 10);
      g_assert_cmpuint (kept * 4, <=, length);
      if (length >= 40)
        g_assert_cmpuint (kept, ==, 10);
    }
}

static void
test_log_secret_headers (void)
{
  const char * const secret[] = {
    "Authorization", "proxy-authorization", "Cookie", "Set-Cookie", "X-North-ID-Token",
    "x-north-server-secret", "X-North-Connector-Tokens", "X-API-Key", "X-Auth-Token",
    "X-Amz-Security-Token", "Mcp-Session-Id", "X-Upstream-PASSWORD", "X-Client-Secret",
    "X-Vault-Credential", "X-Hub-Signature-256", "X-North-Context-Api-Key", "WWW-Authenticate",
  };
  const char * const plain[] = {
    "Content-Type", "Accept", "Host", "Origin", "X-North-User-Email", "X-North-Context-Tenant",
    "MCP-Protocol-Version", "Last-Event-ID", "User-Agent",
  };

  for (guint i = 0; i < G_N_ELEMENTS (secret); i++)
    g_assert_true (north_mcp_log_is_secret_header (secret[i]));
  for (guint i = 0; i < G_N_ELEMENTS (plain); i++)
    g_assert_false (north_mcp_log_is_secret_header (plain[i]));
}

static void
test_log_repr (void)
{
  const char * const items[] = { "google", "slack", NULL };
  g_autofree char *list = north_mcp_log_repr_strv (items);
  g_autofree char *none = north_mcp_log_repr_strv (NULL);
  g_autofree char *quoted = north_mcp_log_repr_string ("it's\n\x01");
  g_autoptr(GHashTable) table = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *keys = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_from_string ("127.0.0.1");
  g_autoptr(GSocketAddress) peer = g_inet_socket_address_new (loopback, 54321);
  g_autofree char *peer_repr = north_mcp_log_repr_peer (peer);
  g_autofree char *no_peer = north_mcp_log_repr_peer (NULL);

  g_hash_table_insert (table, "slack", "x");
  g_hash_table_insert (table, "google", "y");
  keys = north_mcp_log_repr_keys (table);

  g_assert_cmpstr (list, ==, "['google', 'slack']");
  g_assert_cmpstr (none, ==, "[]");
  g_assert_cmpstr (quoted, ==, "'it\\'s\\n\\x01'");
  g_assert_cmpstr (keys, ==, "['google', 'slack']");
  g_assert_cmpstr (peer_repr, ==, "('127.0.0.1', 54321)");
  g_assert_cmpstr (no_peer, ==, "None");
  g_assert_cmpstr (north_mcp_log_repr_bool (TRUE), ==, "True");
  g_assert_cmpstr (north_mcp_log_repr_bool (FALSE), ==, "False");
}

static void
test_log_headers (void)
{
  g_autoptr(SoupMessageHeaders) headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  g_autofree char *repr = NULL;

  soup_message_headers_append (headers, "Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.payload.signature");
  soup_message_headers_append (headers, "Content-Type", "application/json");
  soup_message_headers_append (headers, "X-North-Server-Secret", "a-rather-long-server-secret");
  soup_message_headers_append (headers, "X-North-Context-Tenant", "t1");
  soup_message_headers_append (headers, "Cookie", "session=0123456789abcdef0123");
  soup_message_headers_append (headers, "X-Custom-Auth-Token", "tok_0123456789abcdefghij");
  soup_message_headers_append (headers, "X-Pin", "1234");
  repr = north_mcp_log_repr_headers (headers);

  g_assert_cmpstr (repr, ==,
                   "{'authorization': 'Bearer eyJ...', 'content-type': 'application/json', "
                   "'cookie': 'session...', "
                   "'x-north-server-secret': 'a-rath...', 'x-north-context-tenant': 't1', "
                   "'x-custom-auth-token': 'tok_01...', 'x-pin': '1234'}");
}

static void
test_log_env (void)
{
  const char * const on[] = { "true", "TRUE", "1", "yes", "On", " yes " };
  const char * const off[] = { "false", "0", "no", "off", "", "enabled", "2" };

  for (guint i = 0; i < G_N_ELEMENTS (on); i++)
    {
      g_setenv ("DEBUG", on[i], TRUE);
      g_assert_true (north_mcp_log_debug_from_env ());
    }
  for (guint i = 0; i < G_N_ELEMENTS (off); i++)
    {
      g_setenv ("DEBUG", off[i], TRUE);
      g_assert_false (north_mcp_log_debug_from_env ());
    }
  g_unsetenv ("DEBUG");
  g_assert_false (north_mcp_log_debug_from_env ());
}

static void
test_log_line (void)
{
  if (g_test_subprocess ())
    {
      north_mcp_log_debug (NORTH_MCP_LOGGER_AUTH, "Authenticating request from %s", "('127.0.0.1', 1)");
      north_mcp_log_warning ("NorthMCP.Demo", "careful");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("");
  g_test_trap_assert_stderr ("?\?\?\?-?\?-?\? ?\?:?\?:?\? - NorthMCP.Auth - DEBUG - "
                             "Authenticating request from ('127.0.0.1', 1)\n"
                             "?\?\?\?-?\?-?\? ?\?:?\?:?\? - NorthMCP.Demo - WARNING - careful\n");
}

/* A value that reaches a line (an e-mail claim, an issuer) cannot start
 * a line of its own: control characters are escaped. */
static void
test_log_line_injection (void)
{
  if (g_test_subprocess ())
    {
      north_mcp_log_debug (NORTH_MCP_LOGGER_AUTH, "Successfully decoded user ID token. Email: %s",
                           "eve@example.com\r\n2024-01-15 10:30:45 - NorthMCP.Auth - DEBUG - forged\x1b[2K\ttab");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("?\?\?\?-?\?-?\? ?\?:?\?:?\? - NorthMCP.Auth - DEBUG - "
                             "Successfully decoded user ID token. Email: eve@example.com\\r\\n"
                             "2024-01-15 10:30:45 - NorthMCP.Auth - DEBUG - forged\\x1b[2K\ttab\n");
}

/* Nor with the characters that end a line or start a terminal escape
 * beyond ASCII: NEL (U+0085, a line end to Python's splitlines()), CSI
 * (U+009B, ESC [ in one character) and the line and paragraph separators.
 * repr() escapes them; other non-ASCII text stays as it is. */
static void
test_log_line_injection_unicode (void)
{
  if (g_test_subprocess ())
    {
      north_mcp_log_debug (NORTH_MCP_LOGGER_AUTH, "Successfully decoded user ID token. Email: %s",
                           "\xc3\xa9ve@example.com\xc2\x85" "2024-01-15 10:30:45 - NorthMCP.Auth - DEBUG - forged"
                           "\xc2\x9b" "2K\xe2\x80\xa8" "a\xe2\x80\xa9" "b\xe2\x80\xa6");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("?\?\?\?-?\?-?\? ?\?:?\?:?\? - NorthMCP.Auth - DEBUG - "
                             "Successfully decoded user ID token. Email: \xc3\xa9ve@example.com\\x85"
                             "2024-01-15 10:30:45 - NorthMCP.Auth - DEBUG - forged\\x9b" "2K\\u2028"
                             "a\\u2029" "b\xe2\x80\xa6\n");
}

/* With the writer installed, the lines go through GLib's structured log
 * and keep their format; other GLib messages keep GLib's default one. */
static void
test_log_writer (void)
{
  if (g_test_subprocess ())
    {
      north_mcp_log_install_writer ();
      north_mcp_log_install_writer ();  /* once only: a second set would abort */
      north_mcp_log_debug (NORTH_MCP_LOGGER_AUTH_CONTEXT, "user=%s", "None");
      north_mcp_log_warning ("NorthMCP.Demo", "careful");
      g_log_structured ("Other", G_LOG_LEVEL_MESSAGE, "MESSAGE", "not ours");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("");
  g_test_trap_assert_stderr ("?\?\?\?-?\?-?\? ?\?:?\?:?\? - NorthMCP.AuthContext - DEBUG - user=None\n"
                             "?\?\?\?-?\?-?\? ?\?:?\?:?\? - NorthMCP.Demo - WARNING - careful\n"
                             "*Other-Message*not ours*");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/log/redact", test_log_redact);
  g_test_add_func ("/log/redact-bounds", test_log_redact_bounds);
  g_test_add_func ("/log/secret-headers", test_log_secret_headers);
  g_test_add_func ("/log/repr", test_log_repr);
  g_test_add_func ("/log/headers", test_log_headers);
  g_test_add_func ("/log/env", test_log_env);
  g_test_add_func ("/log/line", test_log_line);
  g_test_add_func ("/log/writer", test_log_writer);
  g_test_add_func ("/log/line-injection", test_log_line_injection);
  g_test_add_func ("/log/line-injection-unicode", test_log_line_injection_unicode);

  return g_test_run ();
}
