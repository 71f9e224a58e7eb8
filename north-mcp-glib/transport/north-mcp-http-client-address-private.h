/* north-mcp-http-client-address-private.h: the address of an HTTP
 * request's client, behind trusted reverse proxies (X-Forwarded-For)
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* Entries of X-Forwarded-For looked at, from the right: more hops of
 * trusted proxies than any real deployment has. */
#define NORTH_MCP_FORWARDED_MAX_HOPS 32

/* The peers whose X-Forwarded-For is believed (forwarded-allow-ips):
 * addresses and networks, immutable once made, shared by reference. */
typedef struct _NorthMcpTrustedProxies NorthMcpTrustedProxies;

/* The canonical form of one entry: `*` (every peer), an IPv4 or IPv6
 * address (`127.0.0.1`, `::1`; an IPv4-mapped IPv6 address as IPv4), or a
 * CIDR network (`10.0.0.0/8`, `fd00::/8`; a full-length prefix as the
 * address alone). Spaces around it are ignored. NULL (and @error set,
 * NORTH_MCP_ERROR_INVALID_ARGUMENT) for anything else: a name, a port, a
 * zone, or a network with bits set past its prefix (`10.0.0.1/8`). */
char                   *north_mcp_trusted_proxies_normalize (const char          *entry,
                                                             GError             **error);
/* Splits @list at commas into canonical entries (empty ones skipped), as
 * FORWARDED_ALLOW_IPS and --forwarded-allow-ips give it; NULL and @error
 * set at the first invalid entry. */
GStrv                   north_mcp_trusted_proxies_split     (const char          *list,
                                                             GError             **error);
/* The list of @entries, in canonical form; NULL when there are none or
 * one is invalid (@error set then). */
NorthMcpTrustedProxies *north_mcp_trusted_proxies_new       (const char * const  *entries,
                                                             GError             **error);
NorthMcpTrustedProxies *north_mcp_trusted_proxies_ref       (NorthMcpTrustedProxies *self);
void                    north_mcp_trusted_proxies_unref     (NorthMcpTrustedProxies *self);
gboolean                north_mcp_trusted_proxies_contains  (const NorthMcpTrustedProxies *self,
                                                             GInetAddress        *address);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NorthMcpTrustedProxies, north_mcp_trusted_proxies_unref)

/* The client that sent a request through @peer, or NULL when @peer is the
 * client: when @peer is one of @trusted (NULL: none), the X-Forwarded-For
 * entries of @headers (all its lines, in order) are walked from the
 * right, skipping trusted proxies; the first untrusted one is the client,
 * and when all are, the leftmost. An entry that is not a bare IPv4 or
 * IPv6 address (empty, a name, a port, `unknown`) ends the walk: the
 * client is then the last hop that was read well, the proxy that took
 * the request from it (or @peer). At most NORTH_MCP_FORWARDED_MAX_HOPS
 * entries are looked at: past them, the last one looked at is the
 * client. Nothing is allocated unless an address is returned. */
GInetAddress           *north_mcp_http_forwarded_client     (const NorthMcpTrustedProxies *trusted,
                                                             GInetAddress        *peer,
                                                             SoupMessageHeaders  *headers);

/* The address of @msg's client (transfer full), by
 * north_mcp_http_forwarded_client(): the TCP peer's own address (a
 * reference, nothing allocated), or the client's with port 0 (the port it
 * used is not known, as uvicorn gives it), or NULL when @msg has no
 * peer. */
GSocketAddress         *north_mcp_http_client_address       (SoupServerMessage   *msg,
                                                             const NorthMcpTrustedProxies *trusted);

/* The bits of an IPv6 address that name one client's share: one client
 * (a home, a VM) is commonly given a whole /64 (RFC 6177) and picks any of
 * its 2^64 addresses for each connection. */
#define NORTH_MCP_HTTP_IPV6_SHARE_PREFIX 64

/* The name of the share of the server's budgets (held bodies, listen
 * streams) that @address counts in (transfer full): an IPv4 address, or
 * an IPv4-mapped IPv6 one, as its IPv4 address (`192.0.2.1`); an IPv6
 * address as its NORTH_MCP_HTTP_IPV6_SHARE_PREFIX network
 * (`2001:db8:1:2::/64`). */
char                   *north_mcp_http_share_key            (GInetAddress        *address);

G_END_DECLS
