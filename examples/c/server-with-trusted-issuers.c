/* server-with-trusted-issuers: verified North identities.
 *
 * ID tokens are verified against the signing keys of trusted OIDC issuers
 * (discovery and JWKS are fetched asynchronously and cached). A request
 * whose token is missing, expired, not signed by a trusted issuer's key, or
 * signed with an algorithm its key does not allow gets 401.
 *
 *   server-with-trusted-issuers --trusted-issuer https://login.example.com
 *
 * The issuers can also be set in code, as below; the command line replaces
 * them.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <north-mcp.h>

static NorthMcpToolResult *
whoami (NorthMcpTool     *tool,
        NorthMcpContext  *context,
        JsonObject       *arguments,
        gpointer          user_data,
        GError          **error)
{
  NorthMcpUser *user = north_mcp_context_get_user (context);
  JsonObject *claims = user != NULL ? north_mcp_user_get_claims (user) : NULL;
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) node = NULL;

  /* With trusted issuers every request that gets here carries a verified
   * ID token. */
  json_object_set_string_member (object, "email",
                                 user != NULL && north_mcp_user_get_email (user) != NULL
                                 ? north_mcp_user_get_email (user) : "");
  /* X-North-User-Email is signed by no one: never the identity, shown
   * apart and named for what it is. */
  if (user != NULL && north_mcp_user_get_unverified_email (user) != NULL)
    json_object_set_string_member (object, "unverified_email",
                                   north_mcp_user_get_unverified_email (user));
  if (claims != NULL && json_object_has_member (claims, "iss"))
    json_object_set_string_member (object, "issuer", json_object_get_string_member (claims, "iss"));
  if (claims != NULL && json_object_has_member (claims, "sub"))
    json_object_set_member (object, "subject", json_node_copy (json_object_get_member (claims, "sub")));

  node = json_node_init_object (json_node_alloc (), object);
  return north_mcp_tool_result_new_structured (node);
}

int
main (int    argc,
      char **argv)
{
  static const char * const issuers[] = { "https://login.example.com", NULL };
  g_autoptr(NorthMcpServer) server = north_mcp_server_new ("Verified Demo", "1.0.0");
  g_autoptr(NorthMcpTool) tool = north_mcp_tool_new ("whoami", "Return the verified identity of the caller");

  north_mcp_auth_set_trusted_issuers (north_mcp_server_get_auth (server), issuers);
  north_mcp_tool_set_func (tool, whoami, NULL, NULL);
  north_mcp_server_set_port (server, 5222);
  north_mcp_server_add_tool (server, tool);

  return north_mcp_server_run (server, argc, argv);
}
