/* north-mcp-http-listener-private.h: accepts the HTTP connections of a
 * SoupServer itself, and closes those that hang up, idle or stop reading
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <libsoup/soup.h>
#include "north-mcp-http-framing-private.h"
#include "north-mcp-http-held-body-private.h"
#include "north-mcp-transport-host-private.h"

G_BEGIN_DECLS

#define NORTH_MCP_TYPE_HTTP_LISTENER (north_mcp_http_listener_get_type ())

G_DECLARE_FINAL_TYPE (NorthMcpHttpListener, north_mcp_http_listener, NORTH_MCP, HTTP_LISTENER, GObject)

/* Serves @soup's connections on the caller's thread-default main context;
 * reads the limits (idle timeout, unsent output) from @host (weak,
 * nullable: the defaults). */
NorthMcpHttpListener *north_mcp_http_listener_new          (SoupServer           *soup,
                                                            NorthMcpTransportHost *host);
/* Accepts connections on @socket (bound and listening). The socket is
 * also registered with @soup, which is what makes libsoup keep
 * connections alive and list it in soup_server_get_listeners(). */
gboolean              north_mcp_http_listener_add_socket   (NorthMcpHttpListener *self,
                                                            GSocket              *socket,
                                                            GError              **error);
/* north_mcp_http_listener_add_socket() for each of @sockets (GSocket*):
 * sockets passed in, which other processes (workers) may accept on too. */
gboolean              north_mcp_http_listener_add_sockets  (NorthMcpHttpListener *self,
                                                            GPtrArray            *sockets,
                                                            GError              **error);
/* A graceful shutdown's first step: stops accepting and closes the
 * listening sockets (new connections are refused); every response from
 * now on says `Connection: close`. Connections and their requests go on. */
void                  north_mcp_http_listener_drain        (NorthMcpHttpListener *self);
/* Whether a request other than a GET (a stream, which never ends by
 * itself) is in progress on one of the connections. */
gboolean              north_mcp_http_listener_is_busy      (NorthMcpHttpListener *self);
/* Stops accepting and forgets the connections (call before
 * soup_server_disconnect(), which closes them). */
void                  north_mcp_http_listener_stop         (NorthMcpHttpListener *self);

/* For code that has just appended @appended bytes to a streamed
 * response, or set a one-shot one (whose body libsoup keeps whole until
 * it ends): FALSE when more than the server's max-unsent-bytes of what
 * the response body of @msg held before is still unsent (the client does
 * not keep up), or when what it holds unsent would make the output of
 * all connections pass max-unsent-output-bytes, or its client's pass its
 * share (north_mcp_http_peer_add_unsent(): counted until written, or for
 * a one-shot response until it ends), in which case its connection is
 * being closed (soon, from
 * the main loop; @msg then emits `disconnected`). A tracked body (see
 * north_mcp_http_listener_track_stream()) is ended whole first: the rest
 * of the chunk under way (so of its event), then, if chunked, the last
 * chunk; what was appended after is dropped. TRUE for messages of
 * connections not accepted by a listener. */
/* A one-shot answer of at most this many bytes is not counted in
 * max-unsent-output-bytes (16 KiB, as NORTH_MCP_HTTP_HEAD_BUFFER_USUAL). */
#define NORTH_MCP_HTTP_SMALL_ANSWER (16 * 1024)
gboolean              north_mcp_http_listener_check_unsent (SoupServerMessage    *msg,
                                                            gsize                 appended);

/* For messages given to code that may call
 * soup_server_message_steal_connection() (custom routes): once it does,
 * the listener forgets the connection (stealing it again would make
 * libsoup 3.2 drop a reference twice) and its reads pass through as
 * they are. It goes on counting against max-connections until the stolen
 * stream is closed (or its last reference goes), unless the taker kept a
 * slot for it (north_mcp_http_listener_keep_slot()). */
void                  north_mcp_http_listener_allow_steal  (SoupServerMessage    *msg);
/* For a message whose response is a long stream (SSE), or whose answer
 * waits (a paused POST, whose client may leave meanwhile): its connection is
 * closed as soon as the client hangs up (the message then emits
 * `disconnected`), not at the next write that fails. Until the request
 * finishes. */
void                  north_mcp_http_listener_watch_hangup (SoupServerMessage    *msg);
/* For a message whose response is a long stream, before its head is
 * written: its body, chunked or ending with the connection (HTTP/1.0),
 * is followed on the wire, so that a cut for unsent output can end it
 * whole (north_mcp_http_listener_check_unsent()). */
void                  north_mcp_http_listener_track_stream (SoupServerMessage    *msg);

/* Counts @bytes more of @msg's request body among the bodies held by all
 * the listener's connections, until libsoup is done with the request (or
 * its connection goes) and nothing keeps it any more. Nothing counted,
 * and why, when that would make them pass @limits->bytes, or the bodies
 * of its client pass @limits->share (see NORTH_MCP_HTTP_PEER_SHARE): for
 * a request admitted by its headers (north_mcp_http_listener_admit())
 * whose user names someone, its identity's, else its IP address's
 * (through a proxy of @trusted, the client's it names); a body not yet
 * counted, when the bodies held number @limits->bodies already, or those
 * of its client @limits->peer_bodies. Of @bytes, @head is what
 * libsoup's buffer of the request head takes
 * (north_mcp_http_head_buffer_cost()), which libsoup lets go of with the
 * message: it stops counting then, even while the body goes on counting
 * (north_mcp_http_listener_keep_body()). OK for messages
 * of connections not accepted by a listener. @self, the listener of the
 * server @msg came to (or NULL), only makes the lookup of @msg's
 * connection cheaper: the answer is the same without it. */
/* The head of @msg, read once for its request and kept with its
 * connection until the next request starts; for messages of connections
 * not accepted by a listener, read into @scratch. @self as for
 * north_mcp_http_listener_hold_body(). */
const NorthMcpHttpHead *north_mcp_http_listener_head       (NorthMcpHttpListener *self,
                                                            SoupServerMessage    *msg,
                                                            NorthMcpHttpHead     *scratch);
/* north_mcp_http_listener_head(), and in *@largest the largest request
 * head read on @msg's connection since the answer of the request before
 * @msg ended (libsoup reads each head into a buffer of its own, let go of
 * with its answer), in bytes as sent (whitespace and folded lines that
 * libsoup drops included), or 0 for connections not accepted by a
 * listener: the connection looked up once. @self as for
 * north_mcp_http_listener_hold_body(). */
const NorthMcpHttpHead *north_mcp_http_listener_head_sizes (NorthMcpHttpListener *self,
                                                            SoupServerMessage    *msg,
                                                            NorthMcpHttpHead     *scratch,
                                                            gsize                *largest);
NorthMcpHttpHold      north_mcp_http_listener_hold_body    (NorthMcpHttpListener *self,
                                                            SoupServerMessage    *msg,
                                                            guint64               bytes,
                                                            guint64               head,
                                                            const NorthMcpHttpHoldLimits *limits,
                                                            const NorthMcpTrustedProxies *trusted);
/* Whose share @msg's body counts in, as north_mcp_http_listener_hold_body()
 * chooses it, for refusals to say which was exceeded (never whose: no
 * subject nor e-mail). @self as there. */
typedef enum {
  NORTH_MCP_HTTP_SHARE_ADDRESS,   /* its client address's */
  NORTH_MCP_HTTP_SHARE_IDENTITY,  /* its identity's */
  NORTH_MCP_HTTP_SHARE_NO_ONE,    /* its address's, of credentials that name no one */
} NorthMcpHttpShare;
NorthMcpHttpShare     north_mcp_http_listener_share        (NorthMcpHttpListener *self,
                                                            SoupServerMessage    *msg);

/* For the early handler, which authenticates a request from its headers
 * before any of its body is read: keeps @user (nullable: the anonymous
 * user) as the decision for @msg until the request ends, so that it is
 * not verified again once the body is in. FALSE, nothing kept, for
 * messages of connections not accepted by a listener (they are
 * authenticated after their body). @self as for
 * north_mcp_http_listener_hold_body(). */
gboolean              north_mcp_http_listener_admit        (NorthMcpHttpListener *self,
                                                            SoupServerMessage    *msg,
                                                            GObject              *user);
/* @msg's headers and body are in (call it first in the server
 * callback): the body's pace is no longer checked, and while draining,
 * "Connection: close" is said again. */
void                  north_mcp_http_listener_request_read   (NorthMcpHttpListener  *self,
                                                              SoupServerMessage     *msg);
/* TRUE when @msg was admitted: *@user is then its user (a new reference,
 * or NULL). */
gboolean              north_mcp_http_listener_take_admission (NorthMcpHttpListener  *self,
                                                              SoupServerMessage     *msg,
                                                              GObject              **user);

/* For code that takes @msg's connection from libsoup to close it itself
 * (a refusal, which drains it first): it goes on counting against
 * max-connections, as one of the listener's, until
 * north_mcp_http_listener_release_slot(). Returns the listener (unowned:
 * watch it with a weak pointer), or NULL for connections no listener
 * accepted. Call it before the steal. */
NorthMcpHttpListener *north_mcp_http_listener_keep_slot    (SoupServerMessage    *msg);
void                  north_mcp_http_listener_release_slot (NorthMcpHttpListener *self);

/* For what keeps the request parsed from @msg's body (its channel, which
 * lives as long as the request is in progress): the body goes on counting
 * among the bodies held after libsoup is done with @msg (a legacy POST is
 * answered at once; a client may hang up on a request that goes on) until
 * north_mcp_http_held_body_release(). NULL when @msg holds nothing.
 * @self as for north_mcp_http_listener_hold_body(). */
NorthMcpHttpHeldBody *north_mcp_http_listener_keep_body    (NorthMcpHttpListener *self,
                                                            SoupServerMessage    *msg);

/* The socket of @msg's connection: soup_server_message_get_socket() is
 * NULL for connections a listener accepted. */
GSocket              *north_mcp_http_listener_get_socket   (SoupServerMessage    *msg);
gboolean              north_mcp_http_listener_owns         (SoupServerMessage    *msg);


G_END_DECLS
