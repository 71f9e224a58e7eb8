/* north-mcp-auth-private.h: what the transports and tests see of the auth
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-auth.h"

G_BEGIN_DECLS

/* A transport's pass over a request's fields notes at most this many of
 * the fields a decision may read; a request with more is read again by
 * the decision, in a pass over all of its fields. */
#define NORTH_MCP_AUTH_FIELDS_MAX 8

/* The fields of a request a decision may read (Authorization and every
 * X-North-* field, any case), in the order sent, as a transport's one pass
 * over the request's head saw them (north_mcp_auth_fields_note()): the
 * decision then walks these few instead of every field of the request
 * again (a pass costs ~60 instructions a field). The strings point into
 * the request's headers. Zeroed before the pass. */
typedef struct
{
  guint8      count;    /* up to NORTH_MCP_AUTH_FIELDS_MAX; one more: more were sent */
  const char *names[NORTH_MCP_AUTH_FIELDS_MAX];
  const char *values[NORTH_MCP_AUTH_FIELDS_MAX];
} NorthMcpAuthFields;

/* For the transport's pass: @name is Authorization or starts with
 * X-North- (any case). */
static inline void
north_mcp_auth_fields_note (NorthMcpAuthFields *fields,
                            const char         *name,
                            const char         *value)
{
  if (fields->count < NORTH_MCP_AUTH_FIELDS_MAX)
    {
      fields->names[fields->count] = name;
      fields->values[fields->count] = value;
    }
  if (fields->count <= NORTH_MCP_AUTH_FIELDS_MAX)
    fields->count++;
}

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

/* The same, for a transport that noted @headers' credential fields
 * (@fields, nullable: then read from @headers) in its pass over them. */
gboolean north_mcp_auth_authenticate_noted    (NorthMcpAuth              *self,
                                               SoupMessageHeaders        *headers,
                                               const NorthMcpAuthFields  *fields,
                                               GSocketAddress            *peer,
                                               NorthMcpUser             **user,
                                               GError                   **error);

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
