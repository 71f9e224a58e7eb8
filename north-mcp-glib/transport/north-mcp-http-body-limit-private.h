/* north-mcp-http-body-limit-private.h: the size of request bodies, checked
 * before they are read
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-http-held-body-private.h"
#include "north-mcp-http-transport-impl-private.h"

G_BEGIN_DECLS

/* libsoup 3.2's bound on a request's header block, which counts among
 * the bytes held with its body. */
#define NORTH_MCP_HTTP_MAX_HEADER_BLOCK (64 * 1024)
/* What libsoup keeps of each header field beyond its text (an array entry
 * and two allocations: 64 bytes measured), which counts with it: 7,000
 * empty fields, 63 kB as sent, take 450 kB more. */
#define NORTH_MCP_HTTP_HEADER_FIELD_COST 64
/* The most a header block counts: NORTH_MCP_HTTP_MAX_HEADER_BLOCK, and
 * the cost of as many fields as fit in it (4 bytes each, `a:` and CRLF):
 * 1,088 KiB. */
#define NORTH_MCP_HTTP_MAX_HEADER_COST \
  (NORTH_MCP_HTTP_MAX_HEADER_BLOCK + NORTH_MCP_HTTP_MAX_HEADER_BLOCK / 4 * NORTH_MCP_HTTP_HEADER_FIELD_COST)

/* libsoup 3.2.3 reads a request head into a buffer that it grows by 8 KiB
 * before each line (a GByteArray: to the next power of two) and keeps
 * until the response ends: 16 KiB for a head under 8 KiB, 128 KiB for one
 * near its 64 KiB limit. A stream, open as long as its client likes, and
 * a call whose handler is slow to answer, keep it all that time. What
 * any request's head takes (16 KiB, with the rest of its connection,
 * bounded by max-connections) counts nowhere; what a larger head takes
 * beyond that counts among the bodies held, from the request's headers
 * until its answer ends (north_mcp_http_head_buffer_cost()). */
#define NORTH_MCP_HTTP_HEAD_READ_BLOCK   (8 * 1024)
#define NORTH_MCP_HTTP_HEAD_BUFFER_USUAL (16 * 1024)

/* What libsoup keeps of @msg's head until its answer ends, beyond the
 * usual NORTH_MCP_HTTP_HEAD_BUFFER_USUAL: 0 for a head under 8 KiB, at
 * most 112 KiB. Estimated from the head as it came
 * (north_mcp_http_listener_largest_head()), at least from the request
 * line and the header block as the framing pass measures it. @listener
 * as for north_mcp_http_listener_hold_body(). */
guint64 north_mcp_http_head_buffer_cost (NorthMcpHttpListener *listener,
                                         SoupServerMessage    *msg);

/* What one client (an identity or an address) may hold of the bodies
 * held (max_held_body_bytes): NORTH_MCP_HTTP_PEER_SHARE of it, at least
 * one body of the largest size with the largest header block. */
guint64 north_mcp_http_peer_share (const NorthMcpTransportSettings *settings);

/* The early SoupServerCallback of every path: refuses a request whose
 * framing is faulty (400, unread: north-mcp-http-framing.c), a body larger than
 * the host's max_body_size (413, unread) by its Content-Length or while
 * its chunks arrive, drops the bodies of paths that do not read one,
 * checks the credentials of a POST to an MCP endpoint before its body is
 * held (north_mcp_http_authenticate_early(): 401, unread), and refuses a
 * body that would make the kept bodies (each with its header block, as
 * libsoup keeps it) pass max_held_body_bytes, or those
 * of its client address pass their share when it was not authenticated
 * so (503, unread). A request counts among the bodies held what its
 * head keeps (north_mcp_http_head_buffer_cost()) with its body, and a GET
 * stream, which has none, is refused for it too, but not for the number
 * of requests in progress. */
void north_mcp_http_check_body_size (SoupServer        *server,
                                     SoupServerMessage *msg,
                                     const char        *path,
                                     GHashTable        *query,
                                     gpointer           user_data);

/* A batch of @n requests read from @msg's body: those after the first
 * count among the requests in progress too (max_requests, and the
 * client's max_requests_per_client). FALSE, nothing counted and @msg
 * answered 503 with Retry-After, when they would pass them. */
gboolean north_mcp_http_hold_batch (NorthMcpHttpTransport *self,
                                    SoupServerMessage     *msg,
                                    guint                  n);

/* What the tree parsed from a body may cost (the JSON reader's budget,
 * north_mcp_json_read_counted()): what the bodies held still have room
 * for with it (north_mcp_http_hold_parsed()), and never more than
 * north_mcp_json_tree_cap() of max_body_size; @hold: what bounds it
 * (NORTH_MCP_HTTP_HOLD_OK: the cap); @held: the body held (a reference,
 * or NULL), looked up once for both calls. */
typedef struct {
  guint64               bytes;
  NorthMcpHttpHold      hold;
  NorthMcpHttpHeldBody *held;
} NorthMcpHttpTreeBudget;

/* The budget of the tree to be parsed from @msg's body, for
 * north_mcp_http_hold_parsed(), which must follow (it releases it). */
NorthMcpHttpTreeBudget north_mcp_http_tree_budget (NorthMcpHttpTransport *self,
                                                   SoupServerMessage     *msg);

/* What the request parsed from @msg's body keeps, @cost bytes
 * (north_mcp_json_read_counted() within @budget), counts among the bodies
 * held where it is more than the body's text, which counts from the
 * headers (a tree takes up to some 130 times its text): the body counts
 * the larger of the two, in its client's share too. FALSE, nothing
 * counted and @msg answered 503 with Retry-After (JSON-RPC -32600, as a
 * body refused when its headers came), when that would pass
 * max_held_body_bytes or the share, unless no other request is in
 * progress; the same when the reader stopped at @budget because of them
 * (@cost past it). A tree that would pass the cap, which no body may
 * take, is refused for good: 413 (JSON-RPC -32600), as a body larger
 * than max_body_size. Called whether or not the text was parsed (its
 * parse error comes after). Releases @budget's body. */
gboolean north_mcp_http_hold_parsed (NorthMcpHttpTransport  *self,
                                     SoupServerMessage      *msg,
                                     NorthMcpHttpTreeBudget *budget,
                                     guint64                 cost);

G_END_DECLS
