/* test-origin.c: Origin and Host matching (north-mcp-origin.c) and the
 * allowed-origins/-hosts properties
 *
 * SPDX-License-Identifier: MIT
 */
#include <north-mcp.h>

#include "north-mcp-origin-private.h"

typedef struct { const char *in, *out; } Normalized;
typedef char *(*NormalizeFunc) (const char *value, GError **error);

/* @normalize maps each of @good to its canonical form and refuses @bad. */
static void
check_normalize (NormalizeFunc       normalize,
                 const Normalized   *good,
                 gsize               n_good,
                 const char * const *bad,
                 gsize               n_bad)
{
  for (gsize i = 0; i < n_good; i++)
    {
      g_autofree char *out = normalize (good[i].in, NULL);

      g_assert_cmpstr (out, ==, good[i].out);
    }
  for (gsize i = 0; i < n_bad; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *out = normalize (bad[i], &error);

      g_assert_null (out);
      g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT);
    }
}

static void
test_normalize_origin (void)
{
  const Normalized good[] = {
    { "https://App.Example.com", "https://app.example.com" },
    { "https://app.example.com/", "https://app.example.com" },
    { "https://app.example.com:443", "https://app.example.com" },
    { "http://app.example.com:80", "http://app.example.com" },
    { "http://app.example.com:443", "http://app.example.com:443" },
    { "HTTP://localhost:6274", "http://localhost:6274" },
    { "http://[::1]:8080", "http://[::1]:8080" },
    { "http://[2001:DB8::1]", "http://[2001:db8::1]" },
    { "chrome-extension://abcdef", "chrome-extension://abcdef" },
  };
  const char * const bad[] = {
    "", "null", "*", "app.example.com", "https://app.example.com/path", "https://a.example?x=1",
    "https://user@app.example.com", "https://app.example.com#f", "file:///etc/passwd",
    "https://exa mple.com", "https://", "http://a.example:99999", "https://a..example",
  };

  check_normalize (north_mcp_origin_normalize, good, G_N_ELEMENTS (good), bad, G_N_ELEMENTS (bad));
}

static void
test_normalize_host (void)
{
  const Normalized good[] = {
    { "MCP.Example.com", "mcp.example.com" },
    { "mcp.example.com.", "mcp.example.com" },
    { "mcp.example.com:8443", "mcp.example.com:8443" },
    { "[::1]:80", "[::1]:80" },
    { "10.0.0.5", "10.0.0.5" },
  };
  const char * const bad[] = {
    "", ":80", "a.example:", "a.example:0", "a.example:65536", "a.example:http", "::1",
    "[::1", "a/b", "a b", "user@a.example", "https://a.example",
    /* empty labels: normalizing "a.." gave "a.", and that again "a" */
    "a.example..", "a..example", ".a.example", ".", "..:80",
  };

  check_normalize (north_mcp_origin_normalize_host, good, G_N_ELEMENTS (good), bad, G_N_ELEMENTS (bad));
}

static void
test_host_allowed (void)
{
  const char * const allowed[] = { "mcp.example.com", "api.example.com:8443", NULL };

  /* An entry without port admits any port; one with a port only that. */
  g_assert_true (north_mcp_origin_host_allowed ("mcp.example.com", allowed, FALSE));
  g_assert_true (north_mcp_origin_host_allowed ("MCP.example.com:8000", allowed, FALSE));
  g_assert_true (north_mcp_origin_host_allowed ("mcp.example.com.:443", allowed, FALSE));
  g_assert_true (north_mcp_origin_host_allowed ("api.example.com:8443", allowed, FALSE));
  g_assert_false (north_mcp_origin_host_allowed ("api.example.com", allowed, FALSE));
  g_assert_false (north_mcp_origin_host_allowed ("api.example.com:443", allowed, FALSE));
  g_assert_false (north_mcp_origin_host_allowed ("mcp.example.com.evil.example", allowed, FALSE));
  g_assert_false (north_mcp_origin_host_allowed ("evil-mcp.example.com", allowed, FALSE));
  g_assert_false (north_mcp_origin_host_allowed ("mcp.example.com:x", allowed, FALSE));
  g_assert_false (north_mcp_origin_host_allowed ("", allowed, FALSE));

  /* Loopback names only on a loopback bind. */
  g_assert_false (north_mcp_origin_host_allowed ("localhost:8000", allowed, FALSE));
  g_assert_false (north_mcp_origin_host_allowed ("127.0.0.1", NULL, FALSE));
  g_assert_true (north_mcp_origin_host_allowed ("localhost:8000", NULL, TRUE));
  g_assert_true (north_mcp_origin_host_allowed ("127.0.0.1", NULL, TRUE));
  g_assert_true (north_mcp_origin_host_allowed ("[::1]:9", NULL, TRUE));
  g_assert_true (north_mcp_origin_host_allowed ("LocalHost:8000", NULL, TRUE));
  g_assert_false (north_mcp_origin_host_allowed ("LocalHosts:8000", NULL, TRUE));
  g_assert_true (north_mcp_origin_host_allowed ("mcp.example.com", allowed, TRUE));
  g_assert_false (north_mcp_origin_host_allowed ("localhost.evil.example", NULL, TRUE));
  g_assert_false (north_mcp_origin_host_allowed ("127.0.0.1.nip.io", NULL, TRUE));
  g_assert_false (north_mcp_origin_host_allowed ("mcp.example.com..", allowed, FALSE));
  g_assert_false (north_mcp_origin_host_allowed ("localhost..:8000", NULL, TRUE));
}

static void
test_origin_allowed (void)
{
  const char * const allowed[] = { "https://app.example.com", "http://localhost:6274", NULL };

  g_assert_true (north_mcp_origin_allowed ("https://app.example.com", allowed, FALSE));
  g_assert_true (north_mcp_origin_allowed ("https://APP.example.com:443", allowed, FALSE));
  g_assert_false (north_mcp_origin_allowed ("http://app.example.com", allowed, FALSE));
  g_assert_false (north_mcp_origin_allowed ("https://app.example.com:8443", allowed, FALSE));
  g_assert_false (north_mcp_origin_allowed ("https://app.example.com.evil.example", allowed, FALSE));
  g_assert_true (north_mcp_origin_allowed ("http://localhost:6274", allowed, FALSE));
  g_assert_false (north_mcp_origin_allowed ("http://localhost:5173", allowed, FALSE));
  g_assert_false (north_mcp_origin_allowed ("null", allowed, FALSE));
  g_assert_false (north_mcp_origin_allowed ("", allowed, FALSE));

  /* A loopback bind also takes pages on loopback names, any port. */
  g_assert_true (north_mcp_origin_allowed ("http://localhost:5173", NULL, TRUE));
  g_assert_true (north_mcp_origin_allowed ("https://127.0.0.1", NULL, TRUE));
  g_assert_true (north_mcp_origin_allowed ("http://[::1]:3000", NULL, TRUE));
  g_assert_false (north_mcp_origin_allowed ("chrome-extension://localhost", NULL, TRUE));
  g_assert_false (north_mcp_origin_allowed ("http://localhost.evil.example", NULL, TRUE));
  g_assert_false (north_mcp_origin_allowed ("null", NULL, TRUE));
}

static void
notify_count (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  (*(guint *) user_data)++;
}

static void
test_server_properties (void)
{
  g_autoptr(NorthMcpServer) server = north_mcp_server_new ("t", "1");
  const char * const origins[] = { "https://App.example.com/", "http://localhost:6274", NULL };
  g_auto(GStrv) read_back = NULL;
  guint notified = 0;

  g_signal_connect (server, "notify::allowed-origins", G_CALLBACK (notify_count), &notified);
  g_assert_null (north_mcp_server_get_allowed_origins (server));
  g_assert_null (north_mcp_server_get_allowed_hosts (server));

  north_mcp_server_set_allowed_origins (server, origins);
  g_assert_cmpuint (notified, ==, 1);
  /* Already there in canonical form: no change. */
  north_mcp_server_add_allowed_origin (server, "https://app.example.com:443");
  g_assert_cmpuint (notified, ==, 1);
  north_mcp_server_add_allowed_origin (server, "https://other.example");
  g_assert_cmpuint (notified, ==, 2);
  g_object_get (server, "allowed-origins", &read_back, NULL);
  g_assert_cmpstrv (read_back, ((const char * const []) {
    "https://app.example.com", "http://localhost:6274", "https://other.example", NULL }));

  g_object_set (server, "allowed-hosts", (const char * const []) { "MCP.example.com", NULL }, NULL);
  north_mcp_server_add_allowed_host (server, "mcp.example.com:8443");
  g_assert_cmpstrv (north_mcp_server_get_allowed_hosts (server),
                    ((const char * const []) { "mcp.example.com", "mcp.example.com:8443", NULL }));

  north_mcp_server_set_allowed_origins (server, NULL);
  g_assert_null (north_mcp_server_get_allowed_origins (server));
  g_assert_cmpuint (notified, ==, 3);
}

/* Invalid entries are ignored, with a warning. */
static void
test_server_invalid_entries (void)
{
  g_autoptr(NorthMcpServer) server = north_mcp_server_new ("t", "1");

  g_test_expect_message ("NorthMcp", G_LOG_LEVEL_WARNING, "Ignoring “app.example.com” is not an origin*");
  north_mcp_server_add_allowed_origin (server, "app.example.com");
  g_test_assert_expected_messages ();
  g_test_expect_message ("NorthMcp", G_LOG_LEVEL_WARNING, "Ignoring “https://mcp.example.com/” is not a host*");
  north_mcp_server_add_allowed_host (server, "https://mcp.example.com/");
  g_test_assert_expected_messages ();

  g_assert_null (north_mcp_server_get_allowed_origins (server));
  g_assert_null (north_mcp_server_get_allowed_hosts (server));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/origin/normalize-origin", test_normalize_origin);
  g_test_add_func ("/origin/normalize-host", test_normalize_host);
  g_test_add_func ("/origin/host-allowed", test_host_allowed);
  g_test_add_func ("/origin/origin-allowed", test_origin_allowed);
  g_test_add_func ("/origin/server-properties", test_server_properties);
  g_test_add_func ("/origin/server-invalid-entries", test_server_invalid_entries);

  return g_test_run ();
}
