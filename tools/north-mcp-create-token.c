/* north-mcp-create-token.c: credentials for testing a North MCP server
 *
 * Prints what North would send: by default the legacy bearer bundle, as an
 * `Authorization: Bearer …` line; with --x-north, the X-North header lines.
 * Then the decoded contents, for reading. The embedded ID token is an
 * unverifiable HS256 JWT with an `email` claim, which servers without
 * trusted issuers accept (development mode).
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <jwt.h>
#include <json-glib/json-glib.h>

#include "north-mcp-base64-private.h"

/* Not a secret: test ID tokens are never verified. */
#define TEST_ID_TOKEN_KEY "north-mcp-create-token"

static char *opt_email = NULL;
static char *opt_server_secret = NULL;
static char *opt_connectors = NULL;
static gboolean opt_x_north = FALSE;

static const GOptionEntry entries[] = {
  { "email", 'e', 0, G_OPTION_ARG_STRING, &opt_email,
    "The user's e-mail, the ID token's email claim (default: test@company.com)", "EMAIL" },
  { "server-secret", 's', 0, G_OPTION_ARG_STRING, &opt_server_secret,
    "The server secret to send (default: none)", "SECRET" },
  { "connectors", 'c', 0, G_OPTION_ARG_STRING, &opt_connectors,
    "Comma-separated connector names; each gets the token test-token-<name>", "A,B" },
  { "x-north", 'x', 0, G_OPTION_ARG_NONE, &opt_x_north,
    "Print X-North-* header lines instead of the Authorization line", NULL },
  { NULL }
};

static char *
create_id_token (const char *email)
{
  jwt_t *jwt = NULL;
  char *encoded = NULL;
  char *token = NULL;

  if (jwt_new (&jwt) == 0 &&
      jwt_add_grant (jwt, "email", email) == 0 &&
      jwt_set_alg (jwt, JWT_ALG_HS256, (const unsigned char *) TEST_ID_TOKEN_KEY,
                   strlen (TEST_ID_TOKEN_KEY)) == 0)
    encoded = jwt_encode_str (jwt);
  if (encoded != NULL)
    token = g_strdup (encoded);

  free (encoded);
  jwt_free (jwt);
  return token;
}

static JsonNode *
connectors_node (void)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_auto(GStrv) names = g_strsplit (opt_connectors != NULL ? opt_connectors : "", ",", -1);

  json_builder_begin_object (builder);
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *value = NULL;

      g_strstrip (names[i]);
      if (*names[i] == '\0')
        continue;
      value = g_strconcat ("test-token-", names[i], NULL);
      json_builder_set_member_name (builder, names[i]);
      json_builder_add_string_value (builder, value);
    }
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

static char *
to_json (JsonNode *node,
         gboolean  pretty)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();

  json_generator_set_root (generator, node);
  json_generator_set_pretty (generator, pretty);
  json_generator_set_indent (generator, 2);
  return json_generator_to_data (generator, NULL);
}

/* The decoded payload of @id_token, pretty-printed. */
static char *
describe_id_token (const char *id_token)
{
  g_auto(GStrv) parts = g_strsplit (id_token, ".", 3);
  gsize length = 0;
  g_autofree guchar *payload = north_mcp_base64_decode (parts[1], -1, NORTH_MCP_BASE64_URL, &length);
  g_autoptr(JsonParser) parser = json_parser_new ();

  if (payload == NULL ||
      !json_parser_load_from_data (parser, (const char *) payload, (gssize) length, NULL))
    return g_strdup ("?");
  return to_json (json_parser_get_root (parser), TRUE);
}

static void
print_bearer (const char *id_token,
              JsonNode   *connectors)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) bundle = NULL;
  g_autofree char *compact = NULL;
  g_autofree char *pretty = NULL;
  g_autofree char *encoded = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "server_secret");
  if (opt_server_secret != NULL)
    json_builder_add_string_value (builder, opt_server_secret);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "user_id_token");
  json_builder_add_string_value (builder, id_token);
  json_builder_set_member_name (builder, "connector_access_tokens");
  json_builder_add_value (builder, json_node_copy (connectors));
  json_builder_end_object (builder);
  bundle = json_builder_get_root (builder);

  compact = to_json (bundle, FALSE);
  pretty = to_json (bundle, TRUE);
  encoded = g_base64_encode ((const guchar *) compact, strlen (compact));

  printf ("Authorization: Bearer %s\n\n", encoded);
  printf ("Decoded bearer token:\n%s\n", pretty);
}

static void
print_x_north (const char *id_token,
               JsonNode   *connectors)
{
  g_autofree char *connectors_json = to_json (connectors, FALSE);
  g_autofree char *connectors_header =
    north_mcp_base64url_encode ((const guchar *) connectors_json, strlen (connectors_json));

  printf ("X-North-ID-Token: %s\n", id_token);
  if (opt_server_secret != NULL)
    printf ("X-North-Server-Secret: %s\n", opt_server_secret);
  printf ("X-North-Connector-Tokens: %s\n\n", connectors_header);
  printf ("Decoded X-North-Connector-Tokens:\n%s\n", connectors_json);
}

int
main (int argc, char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) connectors = NULL;
  g_autofree char *id_token = NULL;
  g_autofree char *claims = NULL;

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context,
    "Creates the credentials North sends to an MCP server, for local testing.\n"
    "Prints an Authorization header (or, with --x-north, X-North-* headers),\n"
    "then what they contain.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("north-mcp-create-token: %s\n", error->message);
      return 2;
    }
  if (argc > 1)
    {
      g_printerr ("north-mcp-create-token: unexpected argument %s\n", argv[1]);
      return 2;
    }
  if (opt_email == NULL)
    opt_email = g_strdup ("test@company.com");
  if (*opt_email == '\0')
    {
      g_printerr ("north-mcp-create-token: --email must not be empty\n");
      return 2;
    }

  id_token = create_id_token (opt_email);
  if (id_token == NULL)
    {
      g_printerr ("north-mcp-create-token: cannot create the ID token\n");
      return 1;
    }
  connectors = connectors_node ();

  if (opt_x_north)
    print_x_north (id_token, connectors);
  else
    print_bearer (id_token, connectors);

  claims = describe_id_token (id_token);
  printf ("\nID token claims (HS256, not verifiable):\n%s\n", claims);

  g_free (opt_email);
  g_free (opt_server_secret);
  g_free (opt_connectors);
  return 0;
}
