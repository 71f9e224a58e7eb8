/* north-mcp-http-session-private.h: the session of an HTTP request
 * (Mcp-Session-Id, or the legacy transport's session_id), and the SSE
 * streams that belong to sessions
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-http-transport-impl-private.h"
#include "north-mcp-sse-stream-private.h"

G_BEGIN_DECLS

/* The session @id of @user's identity (transfer full), else NULL: the
 * one place the HTTP transport looks a session up. */
NorthMcpSession *north_mcp_http_lookup_session  (NorthMcpHttpTransport *self,
                                                 const char            *id,
                                                 NorthMcpUser          *user);
/* The session named by Mcp-Session-Id (transfer full), or NULL after
 * answering 400 (no header) or 404 (unknown id, or a session that another
 * identity created: the answer is the same byte for byte). */
NorthMcpSession *north_mcp_http_require_session (NorthMcpHttpTransport *self,
                                                 SoupServerMessage     *msg,
                                                 NorthMcpUser          *user);
/* A new session owned by @user (transfer full), or NULL after answering
 * 503 (max-sessions reached; as JSON-RPC when @jsonrpc, else text) or
 * 500 (no randomness for an id). */
NorthMcpSession *north_mcp_http_open_session    (NorthMcpHttpTransport *self,
                                                 SoupServerMessage     *msg,
                                                 NorthMcpUser          *user,
                                                 gboolean               jsonrpc);

/* Answers @msg (an initialize) as a new session refused for
 * max-sessions-per-identity: 429 with Retry-After, as open_session does,
 * when the limit is found full where the sessions of every process are
 * counted (the state store). */
void             north_mcp_http_refuse_for_identity_limit (SoupServerMessage *msg);

typedef enum {
  NORTH_MCP_HTTP_STREAM_RESUMED,     /* a request's stream, continued by a GET */
  NORTH_MCP_HTTP_STREAM_STANDALONE,  /* the session's GET stream */
  NORTH_MCP_HTTP_STREAM_LEGACY,      /* HTTP+SSE: the stream is the session */
} NorthMcpHttpStreamKind;

/* Answers @msg with a new SSE stream of @session, opened by @user, and
 * keeps it until it closes (transfer none). A standalone or legacy stream
 * becomes @session's standalone channel until then; a legacy one (HTTP+SSE
 * has no DELETE) ends its session when it closes. */
NorthMcpSseStream *north_mcp_http_open_stream   (NorthMcpHttpTransport  *self,
                                                 SoupServerMessage      *msg,
                                                 NorthMcpSession        *session,
                                                 NorthMcpUser           *user,
                                                 NorthMcpHttpStreamKind  kind);
/* The value type of NorthMcpHttpTransport:streams. */
void             north_mcp_http_stream_info_free (gpointer              data);

G_END_DECLS
