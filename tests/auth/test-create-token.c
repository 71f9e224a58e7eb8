/* test-create-token.c: north-mcp-create-token's output passes NorthMcpAuth
 *
 * SPDX-License-Identifier: MIT
 */
#include "auth-test-util.h"

static char *
run_tool (int          *status,
          const char   *first_arg,
          ...)
{
  const char *tool = g_getenv ("NORTH_MCP_CREATE_TOKEN");
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;
  va_list args;

  g_assert_nonnull (tool);
  g_ptr_array_add (argv, (char *) tool);
  va_start (args, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                               &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  *status = g_subprocess_get_exit_status (process);
  return out;
}

/* The header lines before the first blank line. */
static SoupMessageHeaders *
parse_headers (const char *output)
{
  SoupMessageHeaders *headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  g_auto(GStrv) lines = g_strsplit (output, "\n", -1);

  for (guint i = 0; lines[i] != NULL && *lines[i] != '\0'; i++)
    {
      char *colon = strchr (lines[i], ':');

      g_assert_nonnull (colon);
      *colon = '\0';
      soup_message_headers_append (headers, lines[i], g_strstrip (colon + 1));
    }
  return headers;
}

static NorthMcpUser *
authenticate (SoupMessageHeaders *headers,
              const char         *secret,
              GError            **error)
{
  g_autoptr(NorthMcpAuth) auth = north_mcp_auth_new ();
  AuthResult result = { 0 };
  NorthMcpUser *user;

  north_mcp_auth_set_server_secret (auth, secret);
  start_authenticate (auth, headers, &result);
  wait_for (&result);
  user = g_steal_pointer (&result.user);
  if (result.error != NULL)
    g_propagate_error (error, g_steal_pointer (&result.error));
  return user;
}

static void
test_create_token_bearer (void)
{
  int status = -1;
  g_autofree char *out = run_tool (&status, "--email", "bob@example.com",
                                   "--server-secret", "s3cret",
                                   "--connectors", "google, slack,,", NULL);
  g_autoptr(SoupMessageHeaders) headers = NULL;
  g_autoptr(NorthMcpUser) user = NULL;
  g_autoptr(NorthMcpUser) denied = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) denied_error = NULL;
  GHashTable *tokens;

  g_assert_cmpint (status, ==, 0);
  g_assert_true (g_str_has_prefix (out, "Authorization: Bearer eyJ"));
  g_assert_nonnull (strstr (out, "\"server_secret\" : \"s3cret\""));
  g_assert_nonnull (strstr (out, "\"email\" : \"bob@example.com\""));

  headers = parse_headers (out);
  user = authenticate (headers, "s3cret", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (north_mcp_user_get_email (user), ==, "bob@example.com");
  tokens = north_mcp_user_get_connector_access_tokens (user);
  g_assert_cmpuint (g_hash_table_size (tokens), ==, 2);
  g_assert_cmpstr (g_hash_table_lookup (tokens, "google"), ==, "test-token-google");
  g_assert_cmpstr (g_hash_table_lookup (tokens, "slack"), ==, "test-token-slack");
  g_assert_cmpstr (json_object_get_string_member (north_mcp_user_get_claims (user), "email"),
                   ==, "bob@example.com");

  denied = authenticate (headers, "other", &denied_error);
  g_assert_error (denied_error, NORTH_MCP_AUTH_ERROR, NORTH_MCP_AUTH_ERROR_ACCESS_DENIED);
}

static void
test_create_token_defaults (void)
{
  int status = -1;
  g_autofree char *out = run_tool (&status, NULL);
  g_autoptr(SoupMessageHeaders) headers = NULL;
  g_autoptr(NorthMcpUser) user = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (out, "\"server_secret\" : null"));
  headers = parse_headers (out);
  user = authenticate (headers, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (north_mcp_user_get_email (user), ==, "test@company.com");
  g_assert_cmpuint (g_hash_table_size (north_mcp_user_get_connector_access_tokens (user)), ==, 0);
}

static void
test_create_token_x_north (void)
{
  int status = -1;
  g_autofree char *out = run_tool (&status, "--x-north", "--email", "carol@example.com",
                                   "--server-secret", "s3cret", "--connectors", "jira", NULL);
  g_autoptr(SoupMessageHeaders) headers = NULL;
  g_autoptr(NorthMcpUser) user = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (status, ==, 0);
  g_assert_true (g_str_has_prefix (out, "X-North-ID-Token: eyJ"));
  headers = parse_headers (out);
  g_assert_null (soup_message_headers_get_one (headers, "Authorization"));
  g_assert_cmpstr (soup_message_headers_get_one (headers, "X-North-Server-Secret"), ==, "s3cret");
  user = authenticate (headers, "s3cret", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (north_mcp_user_get_email (user), ==, "carol@example.com");
  g_assert_cmpstr (north_mcp_user_get_connector_access_token (user, "jira"), ==, "test-token-jira");
}

static void
test_create_token_bad_usage (void)
{
  int status = -1;
  g_autofree char *unknown = run_tool (&status, "--no-such-option", NULL);
  int status2 = -1;
  g_autofree char *empty = run_tool (&status2, "--email", "", NULL);

  g_assert_cmpint (status, ==, 2);
  g_assert_cmpstr (unknown, ==, "");
  g_assert_cmpint (status2, ==, 2);
  g_assert_cmpstr (empty, ==, "");
}

int
main (int argc, char **argv)
{
  g_unsetenv ("DEBUG");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/create-token/bearer", test_create_token_bearer);
  g_test_add_func ("/create-token/defaults", test_create_token_defaults);
  g_test_add_func ("/create-token/x-north", test_create_token_x_north);
  g_test_add_func ("/create-token/bad-usage", test_create_token_bad_usage);

  return g_test_run ();
}
