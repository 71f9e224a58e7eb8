/* north-mcp-auth.h: the North authentication decision
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>
#include "north-mcp-types.h"
#include "north-mcp-user.h"

G_BEGIN_DECLS

#define NORTH_MCP_AUTH_ERROR (north_mcp_auth_error_quark ())

/**
 * NorthMcpAuthError:
 * @NORTH_MCP_AUTH_ERROR_NO_CREDENTIALS: `no authentication headers present`
 * @NORTH_MCP_AUTH_ERROR_INVALID_AUTHORIZATION_HEADER: `invalid authorization header`
 *   (a bearer bundle that is not base64 of UTF-8, or a credential header
 *   sent more than once with different values, see [class@NorthMcp.Auth])
 * @NORTH_MCP_AUTH_ERROR_INVALID_BEARER_TOKEN: `unable to decode bearer token`
 * @NORTH_MCP_AUTH_ERROR_ACCESS_DENIED: `access denied` (wrong server secret)
 * @NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN: `invalid user id token`
 * @NORTH_MCP_AUTH_ERROR_UNTRUSTED_ISSUER: `Untrusted issuer: <iss>`
 * @NORTH_MCP_AUTH_ERROR_MISSING_ISSUER: `Token missing issuer` (no `iss` claim,
 *   or a null or empty one)
 * @NORTH_MCP_AUTH_ERROR_MISSING_KEY_ID: `Token missing key identifier` (no
 *   `kid`, or an empty one; a `kid` that is no string is
 *   %NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN)
 * @NORTH_MCP_AUTH_ERROR_ISSUER_UNAVAILABLE: `Failed to verify token: unable
 *   to fetch issuer configuration`
 *
 * Why a request was rejected. The error message is the message of the North
 * authentication contract, suitable for the `{"error": …}` body of a 401.
 */
typedef enum {
  NORTH_MCP_AUTH_ERROR_NO_CREDENTIALS,
  NORTH_MCP_AUTH_ERROR_INVALID_AUTHORIZATION_HEADER,
  NORTH_MCP_AUTH_ERROR_INVALID_BEARER_TOKEN,
  NORTH_MCP_AUTH_ERROR_ACCESS_DENIED,
  NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN,
  NORTH_MCP_AUTH_ERROR_UNTRUSTED_ISSUER,
  NORTH_MCP_AUTH_ERROR_MISSING_ISSUER,
  NORTH_MCP_AUTH_ERROR_MISSING_KEY_ID,
  NORTH_MCP_AUTH_ERROR_ISSUER_UNAVAILABLE,
} NorthMcpAuthError;

#define NORTH_MCP_TYPE_AUTH (north_mcp_auth_get_type ())

NORTH_MCP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (NorthMcpAuth, north_mcp_auth, NORTH_MCP, AUTH, GObject)

NORTH_MCP_AVAILABLE_IN_ALL
GQuark         north_mcp_auth_error_quark          (void);
NORTH_MCP_AVAILABLE_IN_ALL
NorthMcpAuth  *north_mcp_auth_new                  (void);
NORTH_MCP_AVAILABLE_IN_ALL
void           north_mcp_auth_set_server_secret    (NorthMcpAuth         *self,
                                                    const char           *secret);
NORTH_MCP_AVAILABLE_IN_ALL
gboolean       north_mcp_auth_has_server_secret    (NorthMcpAuth         *self);
NORTH_MCP_AVAILABLE_IN_ALL
void           north_mcp_auth_set_trusted_issuers  (NorthMcpAuth         *self,
                                                    const char * const   *issuers);
NORTH_MCP_AVAILABLE_IN_ALL
const char * const *north_mcp_auth_get_trusted_issuers (NorthMcpAuth     *self);
NORTH_MCP_AVAILABLE_IN_ALL
void           north_mcp_auth_set_require_auth     (NorthMcpAuth         *self,
                                                    gboolean              require_auth);
NORTH_MCP_AVAILABLE_IN_ALL
gboolean       north_mcp_auth_get_require_auth     (NorthMcpAuth         *self);
NORTH_MCP_AVAILABLE_IN_ALL
void           north_mcp_auth_set_audience         (NorthMcpAuth         *self,
                                                    const char           *audience);
NORTH_MCP_AVAILABLE_IN_ALL
const char    *north_mcp_auth_get_audience         (NorthMcpAuth         *self);
NORTH_MCP_AVAILABLE_IN_ALL
void           north_mcp_auth_set_debug            (NorthMcpAuth         *self,
                                                    gboolean              debug);
NORTH_MCP_AVAILABLE_IN_ALL
gboolean       north_mcp_auth_get_debug            (NorthMcpAuth         *self);
NORTH_MCP_AVAILABLE_IN_ALL
gboolean       north_mcp_auth_is_enforced          (NorthMcpAuth         *self);
NORTH_MCP_AVAILABLE_IN_ALL
void           north_mcp_auth_authenticate_async   (NorthMcpAuth         *self,
                                                    SoupMessageHeaders   *headers,
                                                    GSocketAddress       *peer,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
NORTH_MCP_AVAILABLE_IN_ALL
NorthMcpUser  *north_mcp_auth_authenticate_finish  (NorthMcpAuth         *self,
                                                    GAsyncResult         *result,
                                                    GError              **error);

G_END_DECLS
