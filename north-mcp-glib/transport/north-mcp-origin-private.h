/* north-mcp-origin-private.h: Origin and Host checks (DNS rebinding) and
 * CORS answers for browser clients
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* The canonical form of a configured or received origin:
 * `scheme://host[:port]`, scheme and host lower-cased, IPv6 hosts in
 * brackets, the default port of http (80) and https (443) left out, a
 * trailing `/` accepted. NULL (and @error set, NORTH_MCP_ERROR_INVALID_ARGUMENT)
 * for anything else: a path, query, user info, no host, or `null`. */
char     *north_mcp_origin_normalize      (const char          *origin,
                                           GError             **error);

/* The canonical form of a configured allowed host: `name` (any port) or
 * `name:port`, lower-cased; IPv6 addresses in brackets. NULL and @error
 * set for anything that cannot be the value of a Host header. */
char     *north_mcp_origin_normalize_host (const char          *host,
                                           GError             **error);

/* Whether a request's `Host: name[:port]` header is allowed: listed in
 * @allowed (normalized entries; an entry without a port admits any port),
 * or a loopback name (localhost, 127.0.0.1, [::1], any port) when
 * @loopback. */
gboolean  north_mcp_origin_host_allowed   (const char          *host,
                                           const char * const  *allowed,
                                           gboolean             loopback);

/* Whether a request's `Origin` header is allowed: its canonical form is in
 * @allowed (normalized entries), or, when @loopback, it is an http(s)
 * origin on a loopback name, any port. */
gboolean  north_mcp_origin_allowed        (const char          *origin,
                                           const char * const  *allowed,
                                           gboolean             loopback);

/* A preflight's Access-Control-Allow-Headers: the fixed list, plus the
 * X-North-Context-* names its Access-Control-Request-Headers asks for
 * (tokens only, at most 64). */
char     *north_mcp_origin_allowed_request_headers (SoupMessageHeaders *request_headers);

/* The answer to a CORS preflight (`OPTIONS` with `Origin`) from an allowed
 * @origin: 204 with Access-Control-Allow-Origin/-Methods/-Headers/-Max-Age
 * and Vary: Origin. */
void      north_mcp_origin_answer_preflight (SoupServerMessage *msg,
                                             const char        *origin);

/* The headers an actual response to an allowed @origin carries, so that
 * the browser lets the page read it and its Mcp-Session-Id. */
void      north_mcp_origin_add_cors_headers (SoupMessageHeaders *response_headers,
                                             const char         *origin);

G_END_DECLS
