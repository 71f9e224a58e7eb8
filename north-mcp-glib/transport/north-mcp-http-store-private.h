/* north-mcp-http-store-private.h: Streamable HTTP over a shared state store
 *
 * With a shared state store (issue 15) a request may name a session that
 * another process created. These hooks of the HTTP transport make such a
 * session live here before the request is handled, keep the answer to an
 * initialize until the new session is stored (so the client's next request
 * finds it on any process), and end a deleted session everywhere. Without
 * a shared store they return at once and cost one pointer test.
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <libsoup/soup.h>

#include "north-mcp-transport-host-private.h"
#include "north-mcp-session.h"
#include "north-mcp-user.h"

G_BEGIN_DECLS

/* What a client is told to wait when the store is unreachable, in seconds. */
#define NORTH_MCP_HTTP_STORE_RETRY_AFTER "5"
/* What a replay from the store first reads, held among the bytes held for
 * clients (max-held-body-bytes) while it waits for the store; one that
 * does not fit reads again, up to NORTH_MCP_EVENT_STORE_SHARED_MAX_BYTES. */
#define NORTH_MCP_HTTP_STORE_REPLAY_FIRST_READ (1024 * 1024)

typedef void (*NorthMcpHttpStoreResume) (gpointer data);

/* Called before an MCP request is handled. When it names (Mcp-Session-Id)
 * a session this process does not have, pauses @msg, loads the session
 * and calls @resume with the message unpaused (the session is then live
 * here, or the request will meet the usual 404), or answers 503 itself
 * when the store cannot be reached. Returns TRUE when it took the message
 * (@destroy frees @data in every case then); FALSE: go on at once. */
gboolean north_mcp_http_store_prepare             (NorthMcpTransportHost   *host,
                                                   SoupServerMessage       *msg,
                                                   NorthMcpUser            *user,
                                                   NorthMcpHttpStoreResume  resume,
                                                   gpointer                 data,
                                                   GDestroyNotify           destroy);
/* What an answer waits for. */
typedef enum {
  NORTH_MCP_HTTP_STORE_SAVE,    /* a successful initialize created the session */
  NORTH_MCP_HTTP_STORE_FORGET,  /* a DELETE ended it here */
} NorthMcpHttpStoreJob;

/* The answer to @msg waits until the store saved @session (if it cannot,
 * the session is closed and the answer becomes a 503) or forgot it and
 * every process was told (a 503 when that fails). */
void     north_mcp_http_store_hold_answer         (NorthMcpTransportHost   *host,
                                                   SoupServerMessage       *msg,
                                                   NorthMcpSession         *session,
                                                   NorthMcpHttpStoreJob     job);
/* A GET stream of @session opened here / the one of session @id closed:
 * notifications that other processes send for it arrive here. */
void     north_mcp_http_store_stream_opened       (NorthMcpTransportHost   *host,
                                                   NorthMcpSession         *session);
void     north_mcp_http_store_stream_closed       (NorthMcpTransportHost   *host,
                                                   const char              *id);
/* GET with Last-Event-ID for a stream of @session that is not live here
 * (its replica may be gone): replays the events after @after that the
 * shared store has, then ends the stream (503 when the store cannot be
 * reached, or when what a replay may read would pass max-held-body-bytes,
 * counted from before the store is asked). FALSE: the session is not
 * shared, go on as usual. */
gboolean north_mcp_http_store_resume_stream       (NorthMcpTransportHost   *host,
                                                   SoupServerMessage       *msg,
                                                   NorthMcpSession         *session,
                                                   guint                    stream,
                                                   guint64                  after,
                                                   guint                    keepalive_ms);

G_END_DECLS
