/* north-mcp-auth-private.h: what the transports and tests see of the auth
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-auth.h"

G_BEGIN_DECLS

/* The fast path, for transports: decides without a GTask or a main-loop
 * round trip whenever no network is needed (open mode, server secret,
 * unverified ID tokens, and verified ID tokens whose issuer keys or whose
 * digest are cached). Returns TRUE when it decided: then either *@user is
 * the user (NULL for the anonymous user of open mode) and @error is unset,
 * or @error holds the rejection (NORTH_MCP_AUTH_ERROR) and *@user is NULL.
 * Returns FALSE, with nothing set and nothing logged twice, when the answer
 * needs an issuer fetch: then call north_mcp_auth_authenticate_async().
 * Debug lines are logged only once per request either way. */
gboolean north_mcp_auth_authenticate_cached   (NorthMcpAuth        *self,
                                               SoupMessageHeaders  *headers,
                                               GSocketAddress      *peer,
                                               NorthMcpUser       **user,
                                               GError             **error);

/* Number of requests rejected so far. */
guint64  north_mcp_auth_get_rejection_count   (NorthMcpAuth        *self);

/* For tests: decisions served from the decision cache so far. */
guint64  north_mcp_auth_get_decision_cache_hits (NorthMcpAuth      *self);

/* For tests: ID-token signatures checked so far, each an RSA or EC
 * verification, the dearest step of a decision. */
guint64  north_mcp_auth_get_signature_checks  (NorthMcpAuth        *self);

/* For tests: the bound of one issuer fetch (default and maximum 10 s) and
 * the minimum interval of key-set refreshes for unknown kids (5 s). */
void     north_mcp_auth_set_fetch_timeout     (NorthMcpAuth        *self,
                                               guint                timeout_ms);
void     north_mcp_auth_set_refresh_interval  (NorthMcpAuth        *self,
                                               guint                interval_ms);
/* For tests: the back-off of an issuer whose fetch failed (5 s, doubling
 * up to 60 s); applies at once, also to failures already remembered. */
void     north_mcp_auth_set_retry_backoff     (NorthMcpAuth        *self,
                                               guint                initial_ms,
                                               guint                max_ms);

G_END_DECLS
