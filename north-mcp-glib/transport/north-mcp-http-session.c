/* north-mcp-http-session.c: the session of an HTTP request, and the SSE
 * streams that belong to sessions
 *
 * Sessions live in the host; requests name them by Mcp-Session-Id
 * (Streamable HTTP) or session_id (legacy HTTP+SSE) and find only those
 * of their own identity.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-http-answers-private.h"
#include "north-mcp-http-headers-private.h"
#include "north-mcp-http-session-private.h"
#include "north-mcp-http-store-private.h"
#include "north-mcp-session-private.h"

/* What a client refused for the session limit is told to wait, in seconds:
 * sessions end by DELETE or expiry, not on a schedule. */
#define SESSION_LIMIT_RETRY_AFTER "30"
/* RFC 6585; SoupStatus has no name for it. */
#define TOO_MANY_REQUESTS 429

NorthMcpSession *
north_mcp_http_lookup_session (NorthMcpHttpTransport *self,
                               const char            *id,
                               NorthMcpUser          *user)
{
  NorthMcpSession *session = north_mcp_transport_host_find_session (self->host, id, user);

  return session != NULL ? g_object_ref (session) : NULL;
}

NorthMcpSession *
north_mcp_http_require_session (NorthMcpHttpTransport *self,
                                SoupServerMessage     *msg,
                                NorthMcpUser          *user)
{
  const char *id;
  NorthMcpSession *session;

  id = north_mcp_http_field (self, msg, NORTH_MCP_HTTP_FIELD_SESSION_ID);
  if (id == NULL)
    {
      north_mcp_http_respond_jsonrpc_error (msg, SOUP_STATUS_BAD_REQUEST, NULL,
                                            NORTH_MCP_HTTP_TRANSPORT_ERROR,
                                            "Bad Request: Mcp-Session-Id header is required");
      return NULL;
    }

  session = north_mcp_http_lookup_session (self, id, user);
  if (session == NULL)
    {
      north_mcp_transport_host_debug (self->host, "Unknown session id in request");
      north_mcp_http_respond_jsonrpc_error (msg, SOUP_STATUS_NOT_FOUND, NULL,
                                            NORTH_MCP_HTTP_SESSION_NOT_FOUND, "Session not found");
      return NULL;
    }

  return session;
}

#define IDENTITY_LIMIT_TEXT "Too Many Requests: this identity has too many sessions in use, retry later"

/* A client refused for a session limit: @status with Retry-After, as a
 * JSON-RPC error for Streamable HTTP or as text for legacy SSE. */
static void
respond_refused (SoupServerMessage *msg,
                 guint              status,
                 const char        *text,
                 gboolean           jsonrpc)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Retry-After", SESSION_LIMIT_RETRY_AFTER);
  if (jsonrpc)
    north_mcp_http_respond_jsonrpc_error (msg, status, NULL, NORTH_MCP_HTTP_TRANSPORT_ERROR, text);
  else
    north_mcp_http_respond_text (msg, status, text);
  /* libsoup 3.2 knows no phrase for 429. */
  if (status == TOO_MANY_REQUESTS)
    soup_server_message_set_status (msg, status, "Too Many Requests");
}

static void
refuse_session (NorthMcpHttpTransport *self,
                SoupServerMessage     *msg,
                guint                  status,
                const char            *text,
                gboolean               jsonrpc)
{
  north_mcp_transport_host_debug (self->host, "Refused a new session: %s", text);
  respond_refused (msg, status, text, jsonrpc);
}

void
north_mcp_http_refuse_for_identity_limit (SoupServerMessage *msg)
{
  respond_refused (msg, TOO_MANY_REQUESTS, IDENTITY_LIMIT_TEXT, TRUE);
}

NorthMcpSession *
north_mcp_http_open_session (NorthMcpHttpTransport *self,
                             SoupServerMessage     *msg,
                             NorthMcpUser          *user,
                             gboolean               jsonrpc)
{
  g_autoptr(GError) error = NULL;
  NorthMcpSession *session;

  session = north_mcp_transport_host_open_session (self->host, user, &error);
  if (session != NULL)
    return g_object_ref (session);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BUSY))
    refuse_session (self, msg, SOUP_STATUS_SERVICE_UNAVAILABLE,
                    "Service Unavailable: too many sessions, retry later", jsonrpc);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TOO_MANY_OPEN_FILES))
    refuse_session (self, msg, TOO_MANY_REQUESTS, IDENTITY_LIMIT_TEXT, jsonrpc);
  else
    {
      g_warning ("Cannot create a session: %s", error->message);
      north_mcp_http_respond_jsonrpc_error (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, NULL,
                                            NORTH_MCP_JSONRPC_ERROR_INTERNAL_ERROR,
                                            "Internal error: cannot create a session");
    }
  return NULL;
}

/* ------------------------------------------------------------------ */
/* Open SSE streams                                                    */

typedef struct {
  NorthMcpHttpTransport *transport;  /* unowned; the table is ours */
  char                  *session_id;
  NorthMcpUser          *user;       /* who opened it, to find its session */
  NorthMcpHttpStreamKind kind;
} StreamInfo;

void
north_mcp_http_stream_info_free (gpointer data)
{
  StreamInfo *info = data;

  g_free (info->session_id);
  g_clear_object (&info->user);
  g_free (info);
}

static void
on_stream_closed (NorthMcpSseStream *stream,
                  gpointer           user_data)
{
  StreamInfo *info = user_data;
  NorthMcpHttpTransport *self = info->transport;
  NorthMcpSession *session = NULL;

  g_signal_handlers_disconnect_by_func (stream, on_stream_closed, info);

  /* Only if it is still open: it may have been deleted or expired. */
  if (self->host != NULL)
    session = north_mcp_transport_host_find_session (self->host, info->session_id, info->user);

  if (session != NULL && info->kind == NORTH_MCP_HTTP_STREAM_LEGACY)
    {
      /* The legacy transport has no DELETE: the stream is the session. */
      north_mcp_transport_host_debug (self->host, "SSE stream closed, ending its session");
      north_mcp_transport_host_close_session (self->host, session);
    }
  else if (session != NULL &&
           north_mcp_session_get_standalone_channel (session) == NORTH_MCP_CHANNEL (stream))
    {
      north_mcp_session_set_standalone_channel (session, NULL);
      north_mcp_http_store_stream_closed (self->host, info->session_id);
    }

  g_hash_table_remove (self->streams, stream);
}

NorthMcpSseStream *
north_mcp_http_open_stream (NorthMcpHttpTransport  *self,
                            SoupServerMessage      *msg,
                            NorthMcpSession        *session,
                            NorthMcpUser           *user,
                            NorthMcpHttpStreamKind  kind)
{
  NorthMcpSseStream *stream = north_mcp_sse_stream_new (msg, self->keepalive_ms);
  StreamInfo *info = g_new0 (StreamInfo, 1);

  if (kind != NORTH_MCP_HTTP_STREAM_RESUMED)
    north_mcp_session_set_standalone_channel (session, NORTH_MCP_CHANNEL (stream));

  info->transport = self;
  info->session_id = g_strdup (north_mcp_session_get_id (session));
  info->user = user != NULL ? g_object_ref (user) : NULL;
  info->kind = kind;
  /* The table holds the only reference the transport keeps. */
  g_hash_table_insert (self->streams, stream, info);
  g_signal_connect (stream, "closed", G_CALLBACK (on_stream_closed), info);

  if (kind == NORTH_MCP_HTTP_STREAM_STANDALONE)
    north_mcp_http_store_stream_opened (self->host, session);
  return stream;
}
