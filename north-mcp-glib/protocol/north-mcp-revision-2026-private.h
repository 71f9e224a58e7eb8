/* north-mcp-revision-2026-private.h: the 2026-07-28 protocol revision
 *
 * What differs from the initialize-based revisions: no `initialize` and no
 * session but per-request `_meta`, `server/discover`, `resultType` and
 * caching hints on results, input-required results (MRTR) with an
 * integrity-protected `requestState`, `subscriptions/listen`, and the
 * standard HTTP headers. The dispatcher and the HTTP transport call in
 * here; the revision keeps its own state (NorthMcpRevision2026State) that
 * the server holds one of.
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <libsoup/soup.h>
#include "north-mcp-context-private.h"
#include "north-mcp-protocol-host-private.h"
#include "north-mcp-state-store-private.h"

G_BEGIN_DECLS

/* What the revision keeps across requests, one per server
 * (north-mcp-revision-2026-state.c): the requestState key and lifetime,
 * caching hints and the open subscriptions/listen streams. */
typedef struct _NorthMcpRevision2026State NorthMcpRevision2026State;

NorthMcpRevision2026State *north_mcp_revision_2026_state_new  (void);
void       north_mcp_revision_2026_state_free           (NorthMcpRevision2026State *self);
/* Replaces the random key that signs requestState; @length >= 32. */
void       north_mcp_revision_2026_state_set_key        (NorthMcpRevision2026State *self,
                                                         const guint8              *key,
                                                         gsize                      length);
/* The same for a key the application chose: shared through a state
 * store, it replaces the stored key instead of giving way to it. */
void       north_mcp_revision_2026_state_set_own_key    (NorthMcpRevision2026State *self,
                                                         const guint8              *key,
                                                         gsize                      length);
gboolean   north_mcp_revision_2026_state_has_own_key    (NorthMcpRevision2026State *self);
/* The key, for workers that must accept each other's states. */
const guint8 *north_mcp_revision_2026_state_get_key     (NorthMcpRevision2026State *self,
                                                         gsize                     *length);
/* The key as lower-case hex (transfer full; wipe it after use). */
char         *north_mcp_revision_2026_state_get_key_hex (NorthMcpRevision2026State *self);
/* Agrees on one key with the other replicas sharing @store: the first
 * replica's is stored (SET NX), every replica adopts the stored one; again
 * whenever @store is reachable again. */
void          north_mcp_revision_2026_state_share_key   (NorthMcpRevision2026State *self,
                                                         NorthMcpStateStore        *store);
guint      north_mcp_revision_2026_state_get_lifetime   (NorthMcpRevision2026State *self);
/* Returns whether the lifetime changed. */
gboolean   north_mcp_revision_2026_state_set_lifetime   (NorthMcpRevision2026State *self,
                                                         guint                      lifetime_ms);
/* @method must be cacheable. */
void       north_mcp_revision_2026_state_set_cache_hint (NorthMcpRevision2026State *self,
                                                         const char                *method,
                                                         guint                      ttl_ms,
                                                         NorthMcpCacheScope         scope);
/* FALSE when @method is not cacheable; else its hint or the default. */
gboolean   north_mcp_revision_2026_state_get_cache_hint (NorthMcpRevision2026State *self,
                                                         const char                *method,
                                                         guint                     *ttl_ms,
                                                         NorthMcpCacheScope        *scope);
/* The open subscriptions/listen requests (NorthMcpContext), in the order
 * they were added, each indexed by the list_changed @methods it asked
 * for (NULL-terminated, or NULL) and the @uris it watches (a set, or
 * NULL; kept). Adding and removing one cost what it asked for, not the
 * other listeners: up to some 170,000 may end at once (server stop, a
 * broadcast finding them gone). */
void       north_mcp_revision_2026_state_add_listener   (NorthMcpRevision2026State *self,
                                                         NorthMcpContext           *context,
                                                         const char * const        *methods,
                                                         GHashTable                *uris);
/* Takes @context out of the list and returns the list's reference, or
 * NULL if it was not listed. */
NorthMcpContext *north_mcp_revision_2026_state_steal_listener (NorthMcpRevision2026State *self,
                                                               NorthMcpContext           *context);
/* The last listener added, taken out (the list's reference), or NULL. */
NorthMcpContext *north_mcp_revision_2026_state_pop_listener   (NorthMcpRevision2026State *self);
gboolean   north_mcp_revision_2026_state_has_listener   (NorthMcpRevision2026State *self,
                                                         NorthMcpContext           *context);
guint      north_mcp_revision_2026_state_count_listeners (NorthMcpRevision2026State *self);
/* A new reference to each listener that asked for @method (a
 * list_changed one) or, with @uri, that watches @uri, in no order: what
 * a broadcast walks, since sending may end listeners (any of them) as it
 * goes. Found through the index: the others cost nothing. */
GPtrArray *north_mcp_revision_2026_state_dup_listeners  (NorthMcpRevision2026State *self,
                                                         const char                *method,
                                                         const char                *uri);
/* How many listen streams notifications looked at, all together. */
guint64    north_mcp_revision_2026_state_get_visits     (NorthMcpRevision2026State *self);

#define NORTH_MCP_REVISION_2026_VERSION "2026-07-28"

#define NORTH_MCP_META_PROTOCOL_VERSION     "io.modelcontextprotocol/protocolVersion"
#define NORTH_MCP_META_CLIENT_CAPABILITIES  "io.modelcontextprotocol/clientCapabilities"
#define NORTH_MCP_META_CLIENT_INFO          "io.modelcontextprotocol/clientInfo"
#define NORTH_MCP_META_LOG_LEVEL            "io.modelcontextprotocol/logLevel"
#define NORTH_MCP_META_SERVER_INFO          "io.modelcontextprotocol/serverInfo"
#define NORTH_MCP_META_SUBSCRIPTION_ID      "io.modelcontextprotocol/subscriptionId"

/* The per-request (2026-07-28 style) revisions this library speaks, oldest first. */
extern const char * const north_mcp_revision_2026_versions[];

gboolean  north_mcp_protocol_version_is_revision_2026   (const char  *version);

/* Whether @params carry a per-request protocol version (whatever its
 * value): such a request is handled under the 2026-07-28 rules. */
gboolean  north_mcp_revision_2026_params_have_version     (JsonObject  *params);

/* Checks the per-request `_meta` of @params. Returns NULL when the request
 * can be served, else the JSON-RPC error response for @id (-32602 for a
 * malformed `_meta`, -32022 for an unsupported version). */
JsonNode *north_mcp_revision_2026_check_meta            (JsonObject  *params,
                                                         JsonNode    *id);
/* Methods of the initialize-based revisions that 2026-07-28 removed. */
gboolean  north_mcp_revision_2026_method_is_removed     (const char  *method);
/* Methods only the 2026-07-28 revision has. */
gboolean  north_mcp_revision_2026_method_is_added (const char  *method);
/* Methods whose results carry caching hints. */
gboolean  north_mcp_revision_2026_method_is_cacheable   (const char  *method);
/* Methods that may answer with an input-required result. */
gboolean  north_mcp_revision_2026_method_takes_input    (const char  *method);

/* What a requestState is bound to besides the method: the `uri` of
 * resources/read, the `taskId` of task methods, else the `name`. */
const char *north_mcp_revision_2026_request_target   (const char      *method,
                                                      JsonObject      *params);
/* Checks `requestState` and `inputResponses` of a retried tools/call,
 * prompts/get or resources/read. On success, @state_out receives the
 * handler's own state (or NULL when there was none). On failure returns
 * FALSE with a -32602 error in @error. */
gboolean  north_mcp_revision_2026_check_retry           (NorthMcpProtocolHost  *host,
                                                         NorthMcpUser          *user,
                                                         const char            *method,
                                                         JsonObject            *params,
                                                         char                 **state_out,
                                                         GError               **error);
/* The longest `requestState` accepted, so the longest sealed. */
#define NORTH_MCP_REVISION_2026_MAX_STATE_TOKEN (64 * 1024)

/* Wraps the handler's @state into the opaque, HMAC-protected token sent
 * as `requestState`, bound to @method, the request's name or URI in
 * @params, @user and an expiry; NULL when the token would be longer than
 * NORTH_MCP_REVISION_2026_MAX_STATE_TOKEN (a retry could not bring it
 * back). */
char     *north_mcp_revision_2026_seal_state            (NorthMcpProtocolHost *host,
                                                         NorthMcpUser         *user,
                                                         const char           *method,
                                                         JsonObject           *params,
                                                         const char           *state);
/* Opens a token of seal_state() that this server's own handler just
 * returned (a task's round, whose state never leaves the server): its
 * bindings are checked, not its expiry, since the task waits for its
 * input as long as it lives. */
gboolean  north_mcp_revision_2026_open_own_state        (NorthMcpProtocolHost  *host,
                                                         NorthMcpUser          *user,
                                                         const char            *method,
                                                         JsonObject            *params,
                                                         const char            *token,
                                                         char                 **state_out,
                                                         GError               **error);

/* The result filter of 2026-07-28 requests: `resultType`, caching hints,
 * `_meta` server info. */
JsonNode *north_mcp_revision_2026_filter_result         (NorthMcpContext *context,
                                                         JsonNode        *result);

/* Method handlers of the 2026-07-28 revision. */
void      north_mcp_revision_2026_handle_discover       (NorthMcpProtocolHost *host,
                                                         NorthMcpContext      *context);
void      north_mcp_revision_2026_handle_listen         (NorthMcpProtocolHost *host,
                                                         NorthMcpContext      *context);

/* Sends @method (a list_changed or resources/updated notification, @uri
 * for the latter) to every open `subscriptions/listen` stream that asked
 * for it. */
void      north_mcp_revision_2026_notify_listeners      (NorthMcpProtocolHost *host,
                                                         const char           *method,
                                                         const char           *uri);
/* Ends every listen stream gracefully (server shutdown). */
void      north_mcp_revision_2026_close_listeners       (NorthMcpProtocolHost *host);

/* HTTP. */

/* The standard headers of a request as the HTTP transport's one pass
 * over its fields saw them: the last copy of MCP-Protocol-Version,
 * Mcp-Method and Mcp-Name (what soup_message_headers_get_one() gives) and
 * how many copies came (up to 255), and how many Mcp-Param-* fields. The
 * checks below then read the fields again only for a header that came
 * more than once (each copy must match) and for Mcp-Param-* fields that
 * came at all. The values point into the request's headers. */
typedef enum
{
  NORTH_MCP_REVISION_2026_HEADER_VERSION,
  NORTH_MCP_REVISION_2026_HEADER_METHOD,
  NORTH_MCP_REVISION_2026_HEADER_NAME,
  NORTH_MCP_REVISION_2026_N_HEADERS,
} NorthMcpRevision2026Header;

typedef struct
{
  const char *values[NORTH_MCP_REVISION_2026_N_HEADERS];
  guint8      copies[NORTH_MCP_REVISION_2026_N_HEADERS];
  guint8      params;
} NorthMcpRevision2026Head;

/* @head read from @headers, for callers without the transport's pass. */
void      north_mcp_revision_2026_head_read             (NorthMcpRevision2026Head *head,
                                                         SoupMessageHeaders       *headers);
/* Whether a Streamable HTTP POST is to be handled under the 2026-07-28
 * rules: the MCP-Protocol-Version header (any copy) names a 2026-07-28
 * style revision, or the body's `_meta` carries a protocol version. */
gboolean  north_mcp_revision_2026_http_applies        (SoupMessageHeaders             *headers,
                                                       const NorthMcpRevision2026Head *head,
                                                       JsonNode                       *message);
/* Validates a 2026-07-28 POST (standard headers against the body, every
 * copy of a repeated one, then `_meta`, then the version) in the order
 * the specification gives.
 * Returns 0 when the request can be dispatched, else the HTTP status to
 * answer with and the JSON-RPC error in @response_out. */
guint     north_mcp_revision_2026_http_check_post       (NorthMcpProtocolHost           *host,
                                                         SoupMessageHeaders             *headers,
                                                         const NorthMcpRevision2026Head *head,
                                                         JsonNode                       *message,
                                                         JsonNode                      **response_out);
/* The HTTP status for a JSON-RPC response to a 2026-07-28 request: 404 for
 * -32601, 400 for -32020..-32022, 200 otherwise. */
guint     north_mcp_revision_2026_http_status           (JsonNode           *response);
/* Decodes a header value: trims it and undoes the `=?base64?…?=`
 * sentinel. NULL when the sentinel does not decode to UTF-8. */
char     *north_mcp_revision_2026_decode_header_value   (const char         *value);

G_END_DECLS
