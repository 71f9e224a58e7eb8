/* north-mcp-issuer-cache-private.h: OIDC discovery and JWKS, cached
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>

#include "north-mcp-jwk-private.h"

G_BEGIN_DECLS

/* Fetches and caches, per issuer, the OIDC discovery document
 * (`<issuer>/.well-known/openid-configuration`, for `jwks_uri`; its
 * `issuer` must be exactly the one asked for) and the key set it names. Each document is kept for its `Cache-Control: max-age`
 * (1 hour when absent; at least 60 s, even under `no-store`/`no-cache`,
 * and at most 24 hours). One fetch per issuer is in flight at a time;
 * requests arriving meanwhile wait for it unless their `kid` is in the
 * fresh key set already. A key set is re-fetched for an unknown `kid` at
 * most once per refresh interval (5 s).
 *
 * A failed fetch is remembered: until a back-off has passed (5 s after the
 * first failure, doubling with each further one up to 60 s; reset by a
 * success) lookups answer UNAVAILABLE and fetches fail at once, so that an
 * unreachable issuer does not make every request wait for the timeout.
 *
 * Not thread-safe: use it from one thread, whose thread-default main
 * context runs the fetches. */
#define NORTH_MCP_TYPE_ISSUER_CACHE (north_mcp_issuer_cache_get_type ())
G_DECLARE_FINAL_TYPE (NorthMcpIssuerCache, north_mcp_issuer_cache, NORTH_MCP, ISSUER_CACHE, GObject)

#define NORTH_MCP_ISSUER_CACHE_DEFAULT_TIMEOUT_MS 10000
#define NORTH_MCP_ISSUER_CACHE_DEFAULT_REFRESH_INTERVAL_MS 5000
#define NORTH_MCP_ISSUER_CACHE_DEFAULT_RETRY_INITIAL_MS 5000
#define NORTH_MCP_ISSUER_CACHE_DEFAULT_RETRY_MAX_MS 60000

typedef enum {
  NORTH_MCP_ISSUER_KEY_FOUND,    /* the key is cached and fresh */
  NORTH_MCP_ISSUER_KEY_UNKNOWN,  /* fresh key set without that kid, refresh not allowed yet */
  NORTH_MCP_ISSUER_KEY_FETCH,    /* call north_mcp_issuer_cache_fetch_async() */
  NORTH_MCP_ISSUER_KEY_UNAVAILABLE, /* no fresh keys and the last fetch failed: back-off */
} NorthMcpIssuerKeyStatus;

NorthMcpIssuerCache     *north_mcp_issuer_cache_new                  (void);
/* Upper bound of one fetch (discovery and key set together). */
void                     north_mcp_issuer_cache_set_timeout          (NorthMcpIssuerCache  *self,
                                                                      guint                 timeout_ms);
void                     north_mcp_issuer_cache_set_refresh_interval (NorthMcpIssuerCache  *self,
                                                                      guint                 interval_ms);
/* The back-off after failed fetches (for tests; defaults 5 s and 60 s). */
void                     north_mcp_issuer_cache_set_retry_backoff    (NorthMcpIssuerCache  *self,
                                                                      guint                 initial_ms,
                                                                      guint                 max_ms);
/* The back-off @issuer is under after its failures in a row, in ms; 0 when
 * its last fetch succeeded. */
guint                    north_mcp_issuer_cache_get_retry_delay      (NorthMcpIssuerCache  *self,
                                                                      const char           *issuer);
void                     north_mcp_issuer_cache_clear                (NorthMcpIssuerCache  *self);

/* Synchronous: no network. On FOUND, @key holds a new reference. */
NorthMcpIssuerKeyStatus  north_mcp_issuer_cache_lookup               (NorthMcpIssuerCache  *self,
                                                                      const char           *issuer,
                                                                      const char           *kid,
                                                                      NorthMcpJwk         **key);

/* When the cached key set of @issuer expires (monotonic µs), 0 if none. */
gint64                   north_mcp_issuer_cache_get_keys_expiry      (NorthMcpIssuerCache  *self,
                                                                      const char           *issuer);

/* Fetches what is stale (or joins the fetch in flight). The result is the
 * key set (kid → NorthMcpJwk). Under back-off it fails at once. Errors are
 * NORTH_MCP_ERROR_FAILED / _TIMED_OUT with a message for the debug log. */
void                     north_mcp_issuer_cache_fetch_async          (NorthMcpIssuerCache  *self,
                                                                      const char           *issuer,
                                                                      GCancellable         *cancellable,
                                                                      GAsyncReadyCallback   callback,
                                                                      gpointer              user_data);
GHashTable              *north_mcp_issuer_cache_fetch_finish         (NorthMcpIssuerCache  *self,
                                                                      GAsyncResult         *result,
                                                                      GError              **error);

G_END_DECLS
