/* north-mcp-http-listener-impl-private.h: what the listener keeps of
 * each connection, shared by its files
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-http-listener-private.h"
#include "north-mcp-hangup-input-stream-private.h"
#include "north-mcp-interim-output-stream-private.h"
#include "north-mcp-log-throttle-private.h"

G_BEGIN_DECLS

typedef struct _NorthMcpHttpListenerClient NorthMcpHttpListenerClient;

struct _NorthMcpHttpListener
{
  GObject         parent_instance;

  SoupServer     *soup;
  NorthMcpTransportHost *host;  /* weak */
  GMainContext   *context;      /* where we accept and serve */
  GMainContext   *inert;        /* libsoup's own watches, never run */
  GPtrArray      *sockets;      /* GSocket*, listening */
  GPtrArray      *watches;      /* GSource*, one per socket while accepting */
  GSource        *retry;        /* back-off timer while accept() fails */
  GSource        *sweep;        /* idle timeout, while there are clients */
  GQueue          clients;      /* NorthMcpHttpListenerClient* */
  NorthMcpHttpListenerClient *current; /* last read from or found: client_of() */
  NorthMcpHttpBodyAccount *account; /* request bodies held */
  guint           lingering;    /* connections taken away to be closed */
  guint           retry_ms;
  gboolean        failing;      /* accept() failed since it last worked */
  gboolean        full;         /* at max_connections: not accepting */
  NorthMcpLogThrottle full_warnings; /* when that was last said */
  gboolean        stopped;
  gboolean        draining;     /* shutting down: no new connections */
  GPtrArray      *backlog;      /* GSocket*: accepted while draining */
};

/* One accepted connection. Found from a message through the remote
 * address we gave libsoup (which hands that very object back). */
struct _NorthMcpHttpListenerClient
{
  GList                      link;
  NorthMcpHttpListener      *listener;  /* unowned; NULL once stopped */
  NorthMcpHangupInputStream *input;
  NorthMcpInterimOutputStream *output;
  GSocket                   *socket;
  GSocketAddress            *remote;    /* its qdata points here */
  NorthMcpHttpPeer          *peer;      /* its IP address's, once asked */
  NorthMcpHttpPeer          *forwarded; /* the client its proxy last named */
  NorthMcpHttpPeer          *anonymous; /* @peer's share of credentials naming no one, once asked */
  SoupServerMessage         *msg;       /* the last request started */
  NorthMcpHttpHead           head;      /* @msg's, once read */
  gboolean                   head_read; /* @head is @msg's */
  SoupServerMessage         *watched;   /* whose unsent output we count */
  guint64                    written;   /* of @watched's body */
  gboolean                   cut;       /* for @watched's unsent output */
  guint64                    unsent;    /* of @watched's body, counted in @unsent_peer */
  NorthMcpHttpPeer          *unsent_peer; /* max-unsent-output-bytes' share it counts in */
  GCancellable              *ending;    /* while its end is written */
  gulong                     wrote_id;
  GSource                   *close_source;
  GSource                   *hangup_watch;  /* while a stream is answered */
  gint64                     idle_since;
  gint64                     busy_since;    /* first byte of the request */
  gint64                     stalled_since; /* 0: output moves (or none) */
  guint64                    acked;     /* bytes the client acknowledged */
  gint64                     body_since;    /* 0: not timing a body yet */
  guint64                    body_received; /* the socket's count then */
  NorthMcpHttpHeldBody      *body;      /* what @msg's body holds, or NULL */
  guint64                    head_cost; /* of @body, @msg's head buffer */
  GObject                   *user;      /* @msg's, when admitted (nullable) */
  gboolean                   admitted;  /* @msg authenticated by its headers */
  gboolean                   busy;      /* a request is in progress */
  gboolean                   request_read;  /* libsoup has its whole body */
  guint                      body_reads;    /* of @body's bytes since its pieces were joined */
  gboolean                   accepting; /* in soup_server_accept_iostream() */
  gboolean                   stealing;  /* in close_cb() */
  gboolean                   slot_kept; /* keep_slot(): counted by its taker */
  gboolean                   closed;    /* while accepting: free after */
};

/* The share of max-unsent-output-bytes @msg's output counts in,
 * referenced (north-mcp-http-listener-requests.c). */
NorthMcpHttpPeer *north_mcp_http_listener_output_share (NorthMcpHttpListenerClient   *client,
                                                        SoupServerMessage            *msg,
                                                        const NorthMcpTrustedProxies *trusted);

/* The connection of @msg (NULL: not one of ours). */
NorthMcpHttpListenerClient *north_mcp_http_listener_client_of (NorthMcpHttpListener *self,
                                                               SoupServerMessage    *msg);

G_END_DECLS
