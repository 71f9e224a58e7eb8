/* north-mcp-http-held-body-private.h: the request bodies a listener's
 * connections hold, counted together (max-held-body-bytes)
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* What the bodies add up to: shared by the listener and by the bodies
 * kept past it. */
typedef struct _NorthMcpHttpBodyAccount NorthMcpHttpBodyAccount;
/* A request body's share of an account, kept past its message while the
 * request parsed from it is in progress. */
typedef struct _NorthMcpHttpHeldBody NorthMcpHttpHeldBody;
/* What the bodies of one client hold in an account: its address's,
 * looked up once per connection, not per request, or its identity's
 * (north_mcp_http_listener_hold_body()), keyed "identity <digest>", or
 * for credentials that name no one, "anonymous <address>". */
typedef struct _NorthMcpHttpPeer NorthMcpHttpPeer;

/* The part of max-held-body-bytes the bodies of one client (an address,
 * or an identity for requests authenticated by their headers) may hold:
 * a quarter, as for listen streams
 * (north-mcp-kept-budget.c), so that uploads of one address that trickle
 * in cannot take the room of everyone else's requests; but at least one
 * body of the largest size allowed (max-body-size), which any client may
 * send when there is room. */
#define NORTH_MCP_HTTP_PEER_SHARE 4

typedef enum {
  NORTH_MCP_HTTP_HOLD_OK,
  NORTH_MCP_HTTP_HOLD_FULL,       /* the account would pass its limit */
  NORTH_MCP_HTTP_HOLD_PEER_FULL,  /* the peer would pass its share */
  NORTH_MCP_HTTP_HOLD_TOO_MANY,   /* the account holds max_bodies bodies */
  NORTH_MCP_HTTP_HOLD_PEER_TOO_MANY, /* the peer holds max_peer_bodies */
} NorthMcpHttpHold;

/* What an account may hold; 0: no bound. Each body held is a request in
 * progress (or being received), whose handler may run for as long as it
 * likes: besides their bytes, how many there are is bounded, since each
 * costs the server far more than its bytes (a context, a channel, maybe a
 * thread, a timer or a span: 2.7 KiB for a call of 300 bytes). */
typedef struct {
  guint64 bytes;            /* max-held-body-bytes */
  guint64 share;            /* of those, what one peer's bodies may hold */
  guint   bodies;           /* max-requests-in-progress */
  guint   peer_bodies;      /* max-requests-in-progress-per-client */
} NorthMcpHttpHoldLimits;

NorthMcpHttpBodyAccount *north_mcp_http_body_account_new   (void);
void                     north_mcp_http_body_account_unref (NorthMcpHttpBodyAccount *account);
/* The peer of @address in @account (made on first use), referenced. */
NorthMcpHttpPeer        *north_mcp_http_body_account_peer  (NorthMcpHttpBodyAccount *account,
                                                            const char              *address);
void                     north_mcp_http_peer_unref         (NorthMcpHttpPeer        *peer);
/* @peer with a reference more when it is one of @account's shares, else
 * NULL. */
NorthMcpHttpPeer        *north_mcp_http_peer_ref_in        (NorthMcpHttpPeer        *peer,
                                                            NorthMcpHttpBodyAccount *account);
/* The key @peer was made for (as long as it is referenced). */
const char              *north_mcp_http_peer_get_address   (NorthMcpHttpPeer        *peer);
/* Counts @bytes more in *@held (made in @account on first use, for
 * @peer, when the account holds fewer than @limits->bodies bodies and
 * @peer fewer than @limits->peer_bodies) unless the account would pass
 * @limits->bytes, or the bodies of *@held's peer (NULL: none, a replay's
 * body) their @limits->share: then nothing is counted. */
NorthMcpHttpHold         north_mcp_http_body_account_hold  (NorthMcpHttpBodyAccount      *account,
                                                            NorthMcpHttpHeldBody        **held,
                                                            NorthMcpHttpPeer             *peer,
                                                            guint64                       bytes,
                                                            const NorthMcpHttpHoldLimits *limits);

/* Counts @bytes more of @held (what was parsed from its body) unless
 * its account would pass @limits->bytes or its peer's bodies their
 * @limits->share while it holds other requests in progress: then nothing
 * is counted. */
NorthMcpHttpHold         north_mcp_http_held_body_add      (NorthMcpHttpHeldBody         *held,
                                                            guint64                       bytes,
                                                            const NorthMcpHttpHoldLimits *limits);

/* How many bytes more north_mcp_http_held_body_add() would count of
 * @held now: G_MAXUINT64 when it is the only request in progress (which
 * may take more), else the room left below @limits->bytes and its peer's
 * @limits->share; *@hold is the one that bounds it. */
guint64                  north_mcp_http_held_body_room     (NorthMcpHttpHeldBody         *held,
                                                            const NorthMcpHttpHoldLimits *limits,
                                                            NorthMcpHttpHold             *hold);

NorthMcpHttpHeldBody    *north_mcp_http_held_body_ref      (NorthMcpHttpHeldBody    *held);
/* Stops counting @held once its last reference goes. Any thread. */
void                     north_mcp_http_held_body_release  (NorthMcpHttpHeldBody    *held);
/* Counts at most @kept of @held's bytes from now on (its request body
 * was let go of, what was parsed from it is kept), whoever still refers
 * to it. */
void                     north_mcp_http_held_body_shrink   (NorthMcpHttpHeldBody    *held,
                                                            guint64                  kept);
/* Counts @more requests (those of a batch after its first) among the
 * bodies of @held's account and peer, unless that would make them pass
 * @limits->bodies or @limits->peer_bodies: then nothing is counted. */
NorthMcpHttpHold         north_mcp_http_held_body_count_more (NorthMcpHttpHeldBody       *held,
                                                              guint                       more,
                                                              const NorthMcpHttpHoldLimits *limits);
/* @held's request is no longer in progress as far as their number goes
 * (a listen stream: what it keeps counts in max-subscription-bytes): it
 * stops counting among the bodies of its account and peer (with what
 * north_mcp_http_held_body_count_more() added), its bytes do not. Any
 * thread. */
void                     north_mcp_http_held_body_uncount  (NorthMcpHttpHeldBody    *held);
/* Counts @bytes more of @held, past the account's limit and its peer's
 * share if need be: what a request made (the answers of a JSON batch
 * waiting for its last one) cannot be refused, the requests that come
 * after it are. */
void                     north_mcp_http_held_body_grow     (NorthMcpHttpHeldBody    *held,
                                                            guint64                  bytes);

/* Counts @bytes less of @held (at most all it counts): what was grown
 * for something that is gone before the request ends. */
void                     north_mcp_http_held_body_give_back (NorthMcpHttpHeldBody   *held,
                                                             guint64                 bytes);

/* The output of HTTP responses waiting for their clients to read them
 * (max-unsent-output-bytes), counted in @peer's share of their account:
 * counts @bytes more, and FALSE when that makes the account pass @limit
 * or @peer pass @share (0: no bound), unless the connection that counts
 * them holds all they hold (@own, its bytes with these): one
 * connection's output alone always fits, as one large append passes
 * max-unsent-bytes. Counted either way. On the listener's thread only. */
gboolean                 north_mcp_http_peer_add_unsent    (NorthMcpHttpPeer        *peer,
                                                            guint64                  bytes,
                                                            guint64                  own,
                                                            guint64                  limit,
                                                            guint64                  share);
/* The share @held counts in (NULL: none), as long as @held is referenced. */
NorthMcpHttpPeer        *north_mcp_http_held_body_get_peer (NorthMcpHttpHeldBody    *held);
/* Counts @bytes less of what north_mcp_http_peer_add_unsent() counted. */
void                     north_mcp_http_peer_remove_unsent (NorthMcpHttpPeer        *peer,
                                                            guint64                  bytes);

/* Counts one more piece of @body (*@pieces: since the last join) and,
 * once the pieces cost more than the bytes, joins them into one. */
void                     north_mcp_http_body_count_piece   (SoupMessageBody         *body,
                                                            guint                   *pieces);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NorthMcpHttpHeldBody, north_mcp_http_held_body_release)

G_END_DECLS
