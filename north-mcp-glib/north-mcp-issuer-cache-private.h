/* north-mcp-issuer-cache-private.h: OIDC discovery and JWKS, cached
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>

#include "north-mcp-jwk-private.h"

G_BEGIN_DECLS

/* Fetches and caches, per issuer, the OIDC discovery document
 * (`<issuer>/.well-known/openid-configuration`, for `jwks_uri`) and the key
 * set it names. Each document is kept for its `Cache-Control: max-age`
 * (1 hour when absent, at most 24 hours; `no-store`/`no-cache` mean 0).
 * One fetch per issuer is in flight at a time; requests arriving meanwhile
 * wait for it. A key set is re-fetched for an unknown `kid` at most once per
 * refresh interval (5 s).
 *
 * Not thread-safe: use it from one thread, whose thread-default main
 * context runs the fetches. */
#define NORTH_MCP_TYPE_ISSUER_CACHE (north_mcp_issuer_cache_get_type ())
G_DECLARE_FINAL_TYPE (NorthMcpIssuerCache, north_mcp_issuer_cache, NORTH_MCP, ISSUER_CACHE, GObject)

#define NORTH_MCP_ISSUER_CACHE_DEFAULT_TIMEOUT_MS 10000
#define NORTH_MCP_ISSUER_CACHE_DEFAULT_REFRESH_INTERVAL_MS 5000

typedef enum {
  NORTH_MCP_ISSUER_KEY_FOUND,    /* the key is cached and fresh */
  NORTH_MCP_ISSUER_KEY_UNKNOWN,  /* fresh key set without that kid, refresh not allowed yet */
  NORTH_MCP_ISSUER_KEY_FETCH,    /* call north_mcp_issuer_cache_fetch_async() */
} NorthMcpIssuerKeyStatus;

NorthMcpIssuerCache     *north_mcp_issuer_cache_new                  (void);
/* Upper bound of one fetch (discovery and key set together). */
void                     north_mcp_issuer_cache_set_timeout          (NorthMcpIssuerCache  *self,
                                                                      guint                 timeout_ms);
void                     north_mcp_issuer_cache_set_refresh_interval (NorthMcpIssuerCache  *self,
                                                                      guint                 interval_ms);
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
 * key set (kid → NorthMcpJwk), valid even if its max-age is 0. Errors are
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
