/* north-mcp-http-transport.c: Streamable HTTP, legacy HTTP+SSE, health
 * check and custom routes on one SoupServer
 *
 * The path of one request: the early handler rejects oversized bodies by
 * their Content-Length (or while chunks arrive) without reading them, and
 * drops the bodies of paths that do not read one; the handler routes by path,
 * checks Origin/Host, authenticates (synchronously when auth can decide
 * without I/O, else with the message paused), validates headers, parses the
 * body once and hands it to the dispatcher with a channel that turns what
 * comes back into the HTTP answer.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>
#include <errno.h>
#include <sys/socket.h>

#include "north-mcp-http-transport-private.h"
#include "north-mcp-http-channel-private.h"
#include "north-mcp-http-listener-private.h"
#include "north-mcp-http-refusal-private.h"
#include "north-mcp-event-store-private.h"
#include "north-mcp-sse-stream-private.h"
#include "north-mcp-jsonrpc-private.h"
#include "north-mcp-revision-2026-private.h"
#include "north-mcp-server-private.h"
#include "north-mcp-session-private.h"
#include "north-mcp-auth-private.h"
#include "north-mcp-origin-private.h"
#include "north-mcp-log-private.h"
#include "north-mcp-error.h"
#include "north-mcp-request-scope-private.h"

#define DEFAULT_MCP_PATH "/mcp"
#define SESSION_HEADER "Mcp-Session-Id"
#define PROTOCOL_VERSION_HEADER "MCP-Protocol-Version"
/* How long clients wait before resuming a stream we ended (SEP-1699). */
#define RETRY_MS 1000
/* JSON-RPC codes the SDKs use for transport-level errors. */
#define TRANSPORT_ERROR_CODE (-32000)
#define SESSION_NOT_FOUND_CODE (-32001)
/* What a client refused for the session limit is told to wait, in seconds:
 * sessions end by DELETE or expiry, not on a schedule. */
#define SESSION_LIMIT_RETRY_AFTER "30"

typedef enum {
  ENDPOINT_NONE,
  ENDPOINT_MCP,
  ENDPOINT_SSE,
  ENDPOINT_MESSAGES,
  ENDPOINT_HEALTH,
  ENDPOINT_ROUTE,
} Endpoint;

struct _NorthMcpHttpTransport
{
  GObject         parent_instance;

  NorthMcpServer *server;       /* weak */
  SoupServer     *soup;
  NorthMcpHttpListener *listener; /* accepts soup's connections */
  char           *mcp_path;
  GHashTable     *streams;      /* NorthMcpSseStream* -> StreamInfo* */
  guint           port;
  guint           keepalive_ms;
  gboolean        loopback;
};

G_DEFINE_FINAL_TYPE (NorthMcpHttpTransport, north_mcp_http_transport, G_TYPE_OBJECT)

/* An open GET stream (standalone or legacy). */
typedef struct {
  NorthMcpHttpTransport *transport;  /* unowned; the table is ours */
  char                  *session_id;
  gboolean               legacy;
} StreamInfo;

static void
stream_info_free (gpointer data)
{
  StreamInfo *info = data;

  g_free (info->session_id);
  g_free (info);
}

/* ------------------------------------------------------------------ */
/* Small answers                                                       */

static void
respond_text (SoupServerMessage *msg,
              guint              status,
              const char        *text)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_COPY, text, strlen (text));
}

/* An HTTP-level JSON-RPC error; @id is the request's id when it could be
 * read, else `null`. */
static void
respond_jsonrpc_error (SoupServerMessage *msg,
                       guint              status,
                       JsonNode          *id,
                       int                code,
                       const char        *message)
{
  g_autoptr(JsonNode) null_id = NULL;
  g_autoptr(JsonNode) error = NULL;
  char *data;
  gsize length = 0;

  if (id == NULL)
    id = null_id = json_node_new (JSON_NODE_NULL);

  error = north_mcp_jsonrpc_error_new (id, code, message, NULL);
  data = north_mcp_jsonrpc_to_string (error, &length);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, data, length);
}

/* 503 for an initialize (or legacy GET /sse) beyond max-sessions. */
static void
respond_session_limit (NorthMcpHttpTransport *self,
                       SoupServerMessage     *msg,
                       gboolean               jsonrpc)
{
  const char *text = "Service Unavailable: too many sessions, retry later";

  north_mcp_server_debug (self->server, "Refused a new session: max-sessions reached");
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Retry-After", SESSION_LIMIT_RETRY_AFTER);
  if (jsonrpc)
    respond_jsonrpc_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, NULL, TRANSPORT_ERROR_CODE, text);
  else
    respond_text (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, text);
}

/* A session could not be created (no randomness for its id). */
static void
respond_session_failure (NorthMcpHttpTransport *self,
                         SoupServerMessage     *msg,
                         const GError          *error)
{
  g_warning ("Cannot create a session: %s", error->message);
  respond_jsonrpc_error (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, NULL,
                         NORTH_MCP_JSONRPC_ERROR_INTERNAL_ERROR,
                         "Internal error: cannot create a session");
}

static void
respond_auth_error (SoupServerMessage *msg,
                    const GError      *error)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  char *data;
  gsize length = 0;

  json_object_set_string_member (object, "error", error->message);
  json_node_set_object (node, object);
  data = json_to_string (node, FALSE);
  length = strlen (data);
  soup_server_message_set_status (msg, SOUP_STATUS_UNAUTHORIZED, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, data, length);
}

static void
respond_method_not_allowed (SoupServerMessage *msg,
                            const char        *allow)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", allow);
  respond_jsonrpc_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL, TRANSPORT_ERROR_CODE,
                         "Method Not Allowed");
}

/* ------------------------------------------------------------------ */
/* Header checks                                                       */

static gboolean
str_equal_len (const char *a,
               gsize       a_len,
               const char *b)
{
  gsize b_len = strlen (b);

  return a_len == b_len && g_ascii_strncasecmp (a, b, a_len) == 0;
}

/* Which of the two media types an Accept header admits. No header admits
 * JSON only: an SSE answer must be asked for. */
static void
parse_accept (const char *accept,
              gboolean   *json,
              gboolean   *sse)
{
  const char *p = accept;

  *json = accept == NULL;
  *sse = FALSE;

  while (p != NULL && *p != '\0')
    {
      const char *start, *end;

      while (*p == ' ' || *p == '\t' || *p == ',')
        p++;
      start = p;
      while (*p != '\0' && *p != ',' && *p != ';')
        p++;
      end = p;
      while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
        end--;

      if (str_equal_len (start, end - start, "application/json") ||
          str_equal_len (start, end - start, "application/*") ||
          str_equal_len (start, end - start, "*/*"))
        *json = TRUE;
      else if (str_equal_len (start, end - start, "text/event-stream"))
        *sse = TRUE;

      /* Skip parameters up to the next media range. */
      while (*p != '\0' && *p != ',')
        p++;
    }
}

/* DNS rebinding and browsers (north-mcp-origin.c): the Host must be one
 * the server was told about, and a page (Origin) one it trusts; a server
 * bound to loopback also takes the loopback names. Requests without Origin
 * come from non-browser clients. Answers 403, or a preflight, itself and
 * returns FALSE; for a request from an allowed page it adds the CORS
 * headers and returns TRUE. */
static gboolean
check_origin_and_host (NorthMcpHttpTransport *self,
                       SoupServerMessage     *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char * const *allowed_hosts = north_mcp_server_get_allowed_hosts (self->server);
  const char *origin, *host;

  host = soup_message_headers_get_one (headers, "Host");
  if (host != NULL && (allowed_hosts != NULL || self->loopback) &&
      !north_mcp_origin_host_allowed (host, allowed_hosts, self->loopback))
    {
      north_mcp_server_debug (self->server, "Rejected request for host %s (not an allowed host)", host);
      respond_jsonrpc_error (msg, SOUP_STATUS_FORBIDDEN, NULL, TRANSPORT_ERROR_CODE,
                             "Forbidden: Host header not allowed (see --allowed-host)");
      return FALSE;
    }

  origin = soup_message_headers_get_one (headers, "Origin");
  if (origin == NULL)
    return TRUE;

  if (!north_mcp_origin_allowed (origin, north_mcp_server_get_allowed_origins (self->server),
                                 self->loopback))
    {
      north_mcp_server_debug (self->server, "Rejected request from origin %s (not an allowed origin)", origin);
      respond_jsonrpc_error (msg, SOUP_STATUS_FORBIDDEN, NULL, TRANSPORT_ERROR_CODE,
                             "Forbidden: Origin not allowed (see --allowed-origin)");
      return FALSE;
    }

  if (soup_server_message_get_method (msg) == SOUP_METHOD_OPTIONS)
    {
      north_mcp_origin_answer_preflight (msg, origin);
      return FALSE;
    }

  north_mcp_origin_add_cors_headers (soup_server_message_get_response_headers (msg), origin);
  return TRUE;
}

/* Whether a request carries anything auth would look at: any North or
 * Authorization header. */
static gboolean
has_credential_headers (SoupMessageHeaders *headers)
{
  SoupMessageHeadersIter iter;
  const char *name, *value;

  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    {
      if (g_ascii_strncasecmp (name, "x-north-", 8) == 0 ||
          g_ascii_strcasecmp (name, "authorization") == 0)
        return TRUE;
    }

  return FALSE;
}

/* MCP-Protocol-Version: absent means 2025-03-26; anything we do not speak
 * is a 400. */
static gboolean
check_protocol_version (NorthMcpHttpTransport *self,
                        SoupServerMessage     *msg)
{
  const char *version;
  g_autofree char *text = NULL;

  version = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                          PROTOCOL_VERSION_HEADER);
  if (version == NULL || north_mcp_protocol_version_is_supported (version))
    return TRUE;

  text = g_strdup_printf ("Bad Request: Unsupported protocol version: %s", version);
  respond_jsonrpc_error (msg, SOUP_STATUS_BAD_REQUEST, NULL, TRANSPORT_ERROR_CODE, text);
  return FALSE;
}

/* The session named by Mcp-Session-Id (transfer full), or NULL after
 * answering 400 (no header) or 404 (unknown id, or a session that another
 * identity created: the answer is the same byte for byte). */
static NorthMcpSession *
require_session (NorthMcpHttpTransport *self,
                 SoupServerMessage     *msg,
                 NorthMcpUser          *user)
{
  const char *id;
  NorthMcpSession *session;

  id = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), SESSION_HEADER);
  if (id == NULL)
    {
      respond_jsonrpc_error (msg, SOUP_STATUS_BAD_REQUEST, NULL, TRANSPORT_ERROR_CODE,
                             "Bad Request: Mcp-Session-Id header is required");
      return NULL;
    }

  session = north_mcp_server_find_session (self->server, id, user);
  if (session == NULL)
    {
      north_mcp_server_debug (self->server, "Unknown session id in request");
      respond_jsonrpc_error (msg, SOUP_STATUS_NOT_FOUND, NULL, SESSION_NOT_FOUND_CODE,
                             "Session not found");
      return NULL;
    }

  return g_object_ref (session);
}

/* ------------------------------------------------------------------ */
/* Open SSE streams                                                    */

static void
on_stream_closed (NorthMcpSseStream *stream,
                  gpointer           user_data)
{
  StreamInfo *info = user_data;
  NorthMcpHttpTransport *self = info->transport;
  NorthMcpSession *session = NULL;

  g_signal_handlers_disconnect_by_func (stream, on_stream_closed, info);

  if (self->server != NULL)
    session = north_mcp_server_lookup_session (self->server, info->session_id);

  if (session != NULL && info->legacy)
    {
      /* The legacy transport has no DELETE: the stream is the session. */
      north_mcp_server_debug (self->server, "SSE stream closed, ending its session");
      north_mcp_server_close_session (self->server, session);
    }
  else if (session != NULL &&
           north_mcp_session_get_standalone_channel (session) == NORTH_MCP_CHANNEL (stream))
    north_mcp_session_set_standalone_channel (session, NULL);

  g_hash_table_remove (self->streams, stream);
}

static void
track_stream (NorthMcpHttpTransport *self,
              NorthMcpSseStream     *stream,
              const char            *session_id,
              gboolean               legacy)
{
  StreamInfo *info = g_new0 (StreamInfo, 1);

  info->transport = self;
  info->session_id = g_strdup (session_id);
  info->legacy = legacy;
  g_hash_table_insert (self->streams, g_object_ref (stream), info);
  g_signal_connect (stream, "closed", G_CALLBACK (on_stream_closed), info);
}

/* ------------------------------------------------------------------ */
/* Streamable HTTP                                                     */

/* Reads what the transport needs to know of a parsed body: whether it is
 * a batch, whether it holds requests (so an answer body is due), whether
 * it is an initialize request. Answers 400 and returns FALSE when the body
 * is not a JSON-RPC message at all. */
static gboolean
inspect_message (SoupServerMessage *msg,
                 JsonNode          *message,
                 gboolean          *batch,
                 gboolean          *has_request,
                 gboolean          *initialize)
{
  *batch = JSON_NODE_HOLDS_ARRAY (message);
  *has_request = FALSE;
  *initialize = FALSE;

  if (*batch)
    {
      JsonArray *array = json_node_get_array (message);
      guint n = json_array_get_length (array);

      if (n == 0)
        {
          respond_jsonrpc_error (msg, SOUP_STATUS_BAD_REQUEST, NULL,
                                 NORTH_MCP_JSONRPC_ERROR_INVALID_REQUEST,
                                 "Invalid Request: empty batch");
          return FALSE;
        }

      /* The dispatcher validates each member; here only what decides the
       * shape of the answer. */
      for (guint i = 0; i < n; i++)
        {
          JsonNode *element = json_array_get_element (array, i);
          JsonObject *object;
          const char *method;

          if (!JSON_NODE_HOLDS_OBJECT (element))
            continue;
          object = json_node_get_object (element);
          method = json_object_get_string_member_with_default (object, "method", NULL);
          if (method != NULL && json_object_has_member (object, "id"))
            *has_request = TRUE;
          if (g_strcmp0 (method, "initialize") == 0)
            *initialize = TRUE;
        }

      return TRUE;
    }
  else
    {
      g_autoptr(GError) error = NULL;
      JsonNode *id = NULL;
      NorthMcpMessageKind kind;

      kind = north_mcp_jsonrpc_classify (message, &id, &error);
      if (kind == NORTH_MCP_MESSAGE_INVALID)
        {
          int code = NORTH_MCP_JSONRPC_ERROR_INVALID_REQUEST;

          if (error != NULL && error->domain == NORTH_MCP_JSONRPC_ERROR)
            code = error->code;
          respond_jsonrpc_error (msg, SOUP_STATUS_BAD_REQUEST, id, code,
                                 error != NULL ? error->message : "Invalid Request");
          return FALSE;
        }

      if (kind == NORTH_MCP_MESSAGE_REQUEST)
        {
          JsonObject *object = json_node_get_object (message);

          *has_request = TRUE;
          *initialize = g_strcmp0 (json_object_get_string_member_with_default (object, "method", NULL),
                                   "initialize") == 0;
        }

      return TRUE;
    }
}

static gboolean
is_error_response (JsonNode *response)
{
  return response != NULL && JSON_NODE_HOLDS_OBJECT (response) &&
         json_object_has_member (json_node_get_object (response), "error");
}

/* Clients of 2025-11-25 and later resume streams (SEP-1699); older ones
 * would take the priming event's empty data for a message. */
static gboolean
session_is_resumable (NorthMcpSession *session)
{
  const char *version = north_mcp_session_get_protocol_version (session);

  return version != NULL && g_strcmp0 (version, "2025-11-25") >= 0;
}

/* A POST under the 2026-07-28 revision: no sessions; the
 * standard headers are checked against the body; the errors the revision
 * defines get their own HTTP statuses. */
static void
handle_revision_2026_post (NorthMcpHttpTransport *self,
                           SoupServerMessage     *msg,
                           NorthMcpUser          *user,
                           JsonNode              *message,
                           gboolean               accepts_sse)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  g_autoptr(NorthMcpHttpChannel) channel = NULL;
  g_autoptr(JsonNode) rejection = NULL;
  JsonObject *object;
  gboolean has_request;
  guint status, n_responses;

  status = north_mcp_revision_2026_http_check_post (self->server, headers, message, &rejection);
  if (status != 0)
    {
      gsize length = 0;
      char *data = north_mcp_jsonrpc_to_string (rejection, &length);

      soup_server_message_set_status (msg, status, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, data, length);
      return;
    }

  object = json_node_get_object (message);
  has_request = json_object_has_member (object, "method") && json_object_has_member (object, "id");

  channel = north_mcp_http_channel_new (msg, accepts_sse && has_request, FALSE, self->keepalive_ms);
  north_mcp_http_channel_set_status_func (channel, north_mcp_revision_2026_http_status);
  n_responses = north_mcp_server_handle_message (self->server, NULL, user, message,
                                                 NORTH_MCP_CHANNEL (channel));
  if (n_responses == 0)
    {
      north_mcp_http_channel_expect (channel, 0);
      soup_server_message_set_status (msg, SOUP_STATUS_ACCEPTED, NULL);
      return;
    }

  north_mcp_http_channel_expect (channel, n_responses);
}

/* Batches exist up to 2025-03-26, bounded in size; one that is not
 * allowed is refused as a whole. The revision is the session's, else the
 * request header's (stateless), else the HTTP default. */
static gboolean
check_batch (NorthMcpHttpTransport *self,
             SoupServerMessage     *msg,
             NorthMcpSession       *session,
             JsonNode              *message)
{
  g_autoptr(GError) error = NULL;
  const char *version = session != NULL ? north_mcp_session_get_protocol_version (session) : NULL;

  if (version == NULL)
    version = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                            PROTOCOL_VERSION_HEADER);
  if (north_mcp_jsonrpc_check_batch (json_node_get_array (message), version, &error))
    return TRUE;

  north_mcp_server_debug (self->server, "Refused a batch: %s", error->message);
  respond_jsonrpc_error (msg, SOUP_STATUS_BAD_REQUEST, NULL, error->code, error->message);
  return FALSE;
}

static void
handle_mcp_post (NorthMcpHttpTransport *self,
                 SoupServerMessage     *msg,
                 NorthMcpUser          *user)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  gboolean stateless = north_mcp_server_get_stateless (self->server);
  g_autoptr(NorthMcpSession) session = NULL;
  g_autoptr(NorthMcpHttpChannel) channel = NULL;
  g_auto(NorthMcpJsonrpcRequest) request = { 0, };
  g_autoptr(JsonNode) message = NULL;
  gboolean accepts_json, accepts_sse, batch, has_request, initialize;
  gboolean new_session = FALSE;
  const char *content_type;
  guint n_responses;

  parse_accept (soup_message_headers_get_one (headers, "Accept"), &accepts_json, &accepts_sse);
  if (!accepts_json && (stateless || !accepts_sse))
    {
      respond_jsonrpc_error (msg, SOUP_STATUS_NOT_ACCEPTABLE, NULL, TRANSPORT_ERROR_CODE,
                             stateless
                             ? "Not Acceptable: Client must accept application/json"
                             : "Not Acceptable: Client must accept application/json or text/event-stream");
      return;
    }

  content_type = soup_message_headers_get_content_type (headers, NULL);
  if (content_type == NULL || g_ascii_strcasecmp (content_type, "application/json") != 0)
    {
      respond_jsonrpc_error (msg, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, NULL, TRANSPORT_ERROR_CODE,
                             "Unsupported Media Type: Content-Type must be application/json");
      return;
    }

  /* The usual body, one request of the classic revisions, is read without
   * building its envelope; everything else takes the general path. */
  if (!north_mcp_revision_2026_http_only (headers) &&
      north_mcp_jsonrpc_read_request (body->data, body->length, &request) &&
      !north_mcp_revision_2026_params_have_version (request.params))
    {
      batch = FALSE;
      has_request = TRUE;
      initialize = strcmp (request.method, "initialize") == 0;
    }
  else
    {
      g_autoptr(GError) error = NULL;

      north_mcp_jsonrpc_request_clear (&request);
      message = north_mcp_jsonrpc_parse (body->data, body->length, &error);
      if (message == NULL)
        {
          north_mcp_server_debug (self->server, "Rejected unparsable request body: %s", error->message);
          respond_jsonrpc_error (msg, SOUP_STATUS_BAD_REQUEST, NULL,
                                 NORTH_MCP_JSONRPC_ERROR_PARSE_ERROR, error->message);
          return;
        }

      if (north_mcp_revision_2026_http_applies (headers, message))
        {
          handle_revision_2026_post (self, msg, user, message, accepts_sse);
          return;
        }

      if (!inspect_message (msg, message, &batch, &has_request, &initialize))
        return;
    }

  if (!initialize && !check_protocol_version (self, msg))
    return;

  if (!stateless)
    {
      const char *session_id = soup_message_headers_get_one (headers, SESSION_HEADER);

      if (initialize && batch)
        {
          respond_jsonrpc_error (msg, SOUP_STATUS_BAD_REQUEST, NULL,
                                 NORTH_MCP_JSONRPC_ERROR_INVALID_REQUEST,
                                 "Invalid Request: initialize must not be part of a batch");
          return;
        }
      else if (initialize && session_id != NULL &&
               north_mcp_server_find_session (self->server, session_id, user) != NULL)
        {
          respond_jsonrpc_error (msg, SOUP_STATUS_BAD_REQUEST, NULL,
                                 NORTH_MCP_JSONRPC_ERROR_INVALID_REQUEST,
                                 "Invalid Request: Server already initialized");
          return;
        }
      else if (initialize && north_mcp_server_sessions_full (self->server))
        {
          respond_session_limit (self, msg, TRUE);
          return;
        }
      else if (initialize)
        {
          g_autoptr(GError) error = NULL;
          NorthMcpSession *created;

          /* A stale id with initialize: the client starts over. */
          created = north_mcp_server_open_session (self->server, NULL, user, &error);
          if (created == NULL)
            {
              respond_session_failure (self, msg, error);
              return;
            }
          session = g_object_ref (created);
          new_session = TRUE;
          soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                        SESSION_HEADER, north_mcp_session_get_id (session));
        }
      else if ((session = require_session (self, msg, user)) == NULL)
        return;
    }

  if (batch && !check_batch (self, msg, session, message))
    return;

  channel = north_mcp_http_channel_new (msg, !stateless && accepts_sse && has_request, batch,
                                        self->keepalive_ms);
  if (session != NULL && !stateless && accepts_sse && has_request && !batch &&
      session_is_resumable (session))
    north_mcp_http_channel_enable_resumption (channel, session, RETRY_MS);
  if (message != NULL)
    n_responses = north_mcp_server_handle_message (self->server, session, user, message,
                                                   NORTH_MCP_CHANNEL (channel));
  else
    n_responses = north_mcp_server_handle_request (self->server, session, user, &request,
                                                   NORTH_MCP_CHANNEL (channel));

  if (new_session && is_error_response (north_mcp_http_channel_peek_response (channel)))
    {
      /* A failed initialize creates nothing. */
      soup_message_headers_remove (soup_server_message_get_response_headers (msg), SESSION_HEADER);
      north_mcp_server_close_session (self->server, session);
    }
  else if (new_session)
    north_mcp_server_debug (self->server, "Created session %.8s…", north_mcp_session_get_id (session));

  if (n_responses == 0)
    {
      north_mcp_http_channel_expect (channel, 0);
      soup_server_message_set_status (msg, SOUP_STATUS_ACCEPTED, NULL);
      return;
    }

  north_mcp_http_channel_expect (channel, n_responses);
}

/* GET with Last-Event-ID: the events of that stream the client missed,
 * then, while its request is still running, the rest of it. */
static gboolean
resume_stream (NorthMcpHttpTransport *self,
               SoupServerMessage     *msg,
               NorthMcpSession       *session,
               const char            *last_event_id)
{
  NorthMcpEventStore *store = north_mcp_event_store_get (session);
  g_autoptr(NorthMcpSseStream) stream = NULL;
  NorthMcpChannel *channel;
  GString *missed;
  guint stream_number;
  guint64 after;

  if (!north_mcp_event_store_parse_id (last_event_id, &stream_number, &after))
    return FALSE;

  missed = g_string_new (NULL);
  if (!north_mcp_event_store_replay (store, stream_number, after, missed))
    {
      g_string_free (missed, TRUE);
      respond_jsonrpc_error (msg, SOUP_STATUS_BAD_REQUEST, NULL, TRANSPORT_ERROR_CODE,
                             "Bad Request: the events after Last-Event-ID are no longer available");
      return TRUE;
    }

  stream = north_mcp_sse_stream_new (msg, self->keepalive_ms);
  track_stream (self, stream, north_mcp_session_get_id (session), FALSE);
  north_mcp_sse_stream_send_raw (stream, missed);

  channel = north_mcp_event_store_lookup_stream (store, stream_number);
  if (channel == NULL || !NORTH_MCP_IS_HTTP_CHANNEL (channel) ||
      !north_mcp_http_channel_resume (NORTH_MCP_HTTP_CHANNEL (channel), stream))
    north_mcp_sse_stream_close (stream);

  north_mcp_server_debug (self->server, "Resumed SSE stream %u after event %s",
                          stream_number, last_event_id);
  return TRUE;
}

static void
handle_mcp_get (NorthMcpHttpTransport *self,
                SoupServerMessage     *msg,
                NorthMcpUser          *user)
{
  g_autoptr(NorthMcpSession) session = NULL;
  g_autoptr(NorthMcpSseStream) stream = NULL;
  NorthMcpChannel *existing;
  const char *last_event_id;
  gboolean accepts_json, accepts_sse;

  if (north_mcp_server_get_stateless (self->server))
    {
      respond_method_not_allowed (msg, "POST");
      return;
    }

  parse_accept (soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Accept"),
                &accepts_json, &accepts_sse);
  if (!accepts_sse)
    {
      respond_jsonrpc_error (msg, SOUP_STATUS_NOT_ACCEPTABLE, NULL, TRANSPORT_ERROR_CODE,
                             "Not Acceptable: Client must accept text/event-stream");
      return;
    }

  if (!check_protocol_version (self, msg) ||
      (session = require_session (self, msg, user)) == NULL)
    return;

  last_event_id = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                "Last-Event-ID");
  if (last_event_id != NULL && resume_stream (self, msg, session, last_event_id))
    return;

  existing = north_mcp_session_get_standalone_channel (session);
  if (existing != NULL && !north_mcp_channel_is_closed (existing))
    {
      respond_jsonrpc_error (msg, SOUP_STATUS_CONFLICT, NULL, TRANSPORT_ERROR_CODE,
                             "Conflict: Only one SSE stream is allowed per session");
      return;
    }

  stream = north_mcp_sse_stream_new (msg, self->keepalive_ms);
  north_mcp_session_set_standalone_channel (session, NORTH_MCP_CHANNEL (stream));
  track_stream (self, stream, north_mcp_session_get_id (session), FALSE);
  north_mcp_server_debug (self->server, "Opened standalone SSE stream");
}

static void
handle_mcp_delete (NorthMcpHttpTransport *self,
                   SoupServerMessage     *msg,
                   NorthMcpUser          *user)
{
  g_autoptr(NorthMcpSession) session = NULL;
  NorthMcpChannel *standalone;

  if (north_mcp_server_get_stateless (self->server))
    {
      respond_method_not_allowed (msg, "POST");
      return;
    }

  if (!check_protocol_version (self, msg) ||
      (session = require_session (self, msg, user)) == NULL)
    return;

  standalone = north_mcp_session_get_standalone_channel (session);
  if (standalone != NULL && NORTH_MCP_IS_SSE_STREAM (standalone))
    north_mcp_sse_stream_close (NORTH_MCP_SSE_STREAM (standalone));

  north_mcp_server_close_session (self->server, session);
  north_mcp_server_debug (self->server, "Session ended by the client");
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
}

/* ------------------------------------------------------------------ */
/* Legacy HTTP+SSE (2024-11-05)                                        */

static void
handle_legacy_get (NorthMcpHttpTransport *self,
                   SoupServerMessage     *msg,
                   NorthMcpUser          *user)
{
  g_autoptr(NorthMcpSseStream) stream = NULL;
  g_autoptr(NorthMcpSession) session = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *endpoint = NULL;
  NorthMcpSession *created;

  /* The stream is the session: it counts against max-sessions. */
  if (north_mcp_server_sessions_full (self->server))
    {
      respond_session_limit (self, msg, FALSE);
      return;
    }

  created = north_mcp_server_open_session (self->server, NULL, user, &error);
  if (created == NULL)
    {
      respond_session_failure (self, msg, error);
      return;
    }
  session = g_object_ref (created);
  stream = north_mcp_sse_stream_new (msg, self->keepalive_ms);
  north_mcp_session_set_standalone_channel (session, NORTH_MCP_CHANNEL (stream));
  track_stream (self, stream, north_mcp_session_get_id (session), TRUE);

  /* Relative, so that it works behind any proxy prefix-free mount. */
  endpoint = g_strconcat ("/messages/?session_id=", north_mcp_session_get_id (session), NULL);
  north_mcp_sse_stream_send_event (stream, "endpoint", endpoint, strlen (endpoint));
  north_mcp_server_debug (self->server, "Opened legacy SSE stream");
}

static void
handle_legacy_post (NorthMcpHttpTransport *self,
                    SoupServerMessage     *msg,
                    GHashTable            *query,
                    NorthMcpUser          *user)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(JsonNode) message = NULL;
  g_autoptr(GError) error = NULL;
  NorthMcpChannel *stream;
  NorthMcpSession *session;
  const char *session_id;
  gboolean batch, has_request, initialize;

  session_id = query != NULL ? g_hash_table_lookup (query, "session_id") : NULL;
  if (session_id == NULL || *session_id == '\0')
    {
      respond_text (msg, SOUP_STATUS_BAD_REQUEST, "session_id is required");
      return;
    }

  session = north_mcp_server_find_session (self->server, session_id, user);
  stream = session != NULL ? north_mcp_session_get_standalone_channel (session) : NULL;
  if (stream == NULL || !NORTH_MCP_IS_SSE_STREAM (stream) || north_mcp_channel_is_closed (stream))
    {
      respond_text (msg, SOUP_STATUS_NOT_FOUND, "Could not find session");
      return;
    }

  message = north_mcp_jsonrpc_parse (body->data, body->length, &error);
  if (message == NULL)
    {
      respond_jsonrpc_error (msg, SOUP_STATUS_BAD_REQUEST, NULL,
                             NORTH_MCP_JSONRPC_ERROR_PARSE_ERROR, error->message);
      return;
    }

  if (!inspect_message (msg, message, &batch, &has_request, &initialize))
    return;

  /* Answers travel on the GET stream; the POST is only acknowledged. */
  g_object_ref (session);
  north_mcp_server_handle_message (self->server, session, user, message, stream);
  g_object_unref (session);
  respond_text (msg, SOUP_STATUS_ACCEPTED, "Accepted");
}

/* ------------------------------------------------------------------ */
/* Routing                                                             */

static Endpoint
classify_path (NorthMcpHttpTransport  *self,
               const char             *path,
               NorthMcpRoute         **route_out)
{
  gsize length = strlen (path);
  GHashTable *routes;

  *route_out = NULL;

  /* One trailing slash is tolerated: /mcp/ is /mcp. */
  if (length > 1 && path[length - 1] == '/')
    length--;

  if (length == strlen (self->mcp_path) && strncmp (path, self->mcp_path, length) == 0)
    return ENDPOINT_MCP;
  if (length == 4 && strncmp (path, "/sse", 4) == 0)
    return ENDPOINT_SSE;
  if ((length == 9 && strncmp (path, "/messages", 9) == 0) || g_str_has_prefix (path, "/messages/"))
    return ENDPOINT_MESSAGES;
  if (length == 7 && strncmp (path, "/health", 7) == 0 &&
      north_mcp_server_get_health_check (self->server))
    return ENDPOINT_HEALTH;

  routes = north_mcp_server_get_routes (self->server);
  if (routes != NULL && g_hash_table_size (routes) > 0)
    {
      g_autofree char *key = path[length] != '\0' ? g_strndup (path, length) : NULL;

      *route_out = g_hash_table_lookup (routes, key != NULL ? key : path);
      if (*route_out != NULL)
        return ENDPOINT_ROUTE;
    }

  return ENDPOINT_NONE;
}

static void
handle_health (SoupServerMessage *msg)
{
  const char *method = soup_server_message_get_method (msg);

  if (strcmp (method, "GET") != 0 && strcmp (method, "HEAD") != 0)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", "GET, HEAD");
      respond_text (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "Method Not Allowed");
      return;
    }

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "OK", 2);
}

static void
call_route (NorthMcpHttpTransport *self,
            SoupServerMessage     *msg,
            NorthMcpUser          *user)
{
  const char *path = g_uri_get_path (soup_server_message_get_uri (msg));
  NorthMcpRoute *route = NULL;
  NorthMcpRequestScope scope;

  /* Looked up again: after an asynchronous authentication the route may
   * be gone. */
  if (classify_path (self, path, &route) != ENDPOINT_ROUTE)
    {
      respond_text (msg, SOUP_STATUS_NOT_FOUND, "Not Found");
      return;
    }

  /* north_mcp_get_north_context() in the callback reads these headers. */
  north_mcp_request_scope_enter (&scope, soup_server_message_get_request_headers (msg));
  route->func (self->server, msg, path, user, route->user_data);
  north_mcp_request_scope_leave (&scope);
}

/* After authentication: the MCP endpoints proper. */
static void
dispatch (NorthMcpHttpTransport *self,
          SoupServerMessage     *msg,
          Endpoint               endpoint,
          GHashTable            *query,
          NorthMcpUser          *user)
{
  const char *method = soup_server_message_get_method (msg);
  NorthMcpRequestScope scope;

  /* Contexts made for this request read its North and trace context. */
  north_mcp_request_scope_enter (&scope, soup_server_message_get_request_headers (msg));

  switch (endpoint)
    {
    case ENDPOINT_MCP:
      /* Unless the CORS answer for an allowed Origin said more already. */
      if (!north_mcp_server_get_stateless (self->server) &&
          soup_message_headers_get_one (soup_server_message_get_response_headers (msg),
                                        "Access-Control-Expose-Headers") == NULL)
        soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                      "Access-Control-Expose-Headers", SESSION_HEADER);
      if (strcmp (method, "POST") == 0)
        handle_mcp_post (self, msg, user);
      else if (north_mcp_revision_2026_http_only (soup_server_message_get_request_headers (msg)))
        /* The 2026-07-28 revision has no GET stream and no sessions to
         * delete. */
        respond_method_not_allowed (msg, "POST");
      else if (strcmp (method, "GET") == 0)
        handle_mcp_get (self, msg, user);
      else if (strcmp (method, "DELETE") == 0)
        handle_mcp_delete (self, msg, user);
      else
        respond_method_not_allowed (msg, north_mcp_server_get_stateless (self->server)
                                         ? "POST" : "GET, POST, DELETE");
      break;

    case ENDPOINT_SSE:
      if (strcmp (method, "GET") == 0)
        handle_legacy_get (self, msg, user);
      else
        respond_method_not_allowed (msg, "GET");
      break;

    case ENDPOINT_MESSAGES:
      if (strcmp (method, "POST") == 0)
        handle_legacy_post (self, msg, query, user);
      else
        respond_method_not_allowed (msg, "POST");
      break;

    case ENDPOINT_ROUTE:
      call_route (self, msg, user);
      break;

    case ENDPOINT_NONE:
    case ENDPOINT_HEALTH:
    default:
      g_assert_not_reached ();
    }

  north_mcp_request_scope_leave (&scope);
}

/* A request waiting for an asynchronous authentication decision. */
typedef struct {
  NorthMcpHttpTransport *self;
  SoupServerMessage     *msg;
  GHashTable            *query;
  GCancellable          *cancellable;
  Endpoint               endpoint;
  gboolean               gone;
} PendingAuth;

static void
pending_auth_gone (PendingAuth *pending)
{
  pending->gone = TRUE;
  g_cancellable_cancel (pending->cancellable);
}

static void
pending_auth_free (PendingAuth *pending)
{
  g_signal_handlers_disconnect_by_func (pending->msg, pending_auth_gone, pending);
  g_clear_object (&pending->msg);
  g_clear_object (&pending->self);
  g_clear_object (&pending->cancellable);
  g_clear_pointer (&pending->query, g_hash_table_unref);
  g_free (pending);
}

static void
authenticate_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  PendingAuth *pending = user_data;
  NorthMcpHttpTransport *self = pending->self;
  g_autoptr(NorthMcpUser) user = NULL;
  g_autoptr(GError) error = NULL;

  user = north_mcp_auth_authenticate_finish (NORTH_MCP_AUTH (source), result, &error);

  if (pending->gone || self->server == NULL)
    {
      pending_auth_free (pending);
      return;
    }

  /* Unpause first: whatever comes next may pause again. */
  soup_server_message_unpause (pending->msg);

  if (pending->endpoint == ENDPOINT_ROUTE)
    call_route (self, pending->msg, user);
  else if (error != NULL)
    respond_auth_error (pending->msg, error); /* NorthMCP.Auth logged why */
  else
    dispatch (self, pending->msg, pending->endpoint, pending->query, user);

  pending_auth_free (pending);
}

static void
authenticate_and_dispatch (NorthMcpHttpTransport *self,
                           SoupServerMessage     *msg,
                           Endpoint               endpoint,
                           GHashTable            *query)
{
  NorthMcpAuth *auth = north_mcp_server_get_auth (self->server);
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  GSocketAddress *peer = soup_server_message_get_remote_address (msg);
  g_autoptr(NorthMcpUser) user = NULL;
  g_autoptr(GError) error = NULL;
  PendingAuth *pending;

  /* Custom routes are public: they look at credentials only when some
   * were sent. */
  if (auth == NULL || (endpoint == ENDPOINT_ROUTE && !has_credential_headers (headers)))
    {
      dispatch (self, msg, endpoint, query, NULL);
      return;
    }

  /* The fast path: whatever auth can decide without I/O (open mode,
   * server secret, unverified or cached ID tokens) is served in this very
   * call, with no task, no idle and no pause. */
  if (north_mcp_auth_authenticate_cached (auth, headers, peer, &user, &error))
    {
      if (error == NULL)
        dispatch (self, msg, endpoint, query, user);
      else if (endpoint == ENDPOINT_ROUTE)
        dispatch (self, msg, endpoint, query, NULL);
      else
        respond_auth_error (msg, error); /* NorthMCP.Auth logged why */
      return;
    }

  /* An issuer's keys must be fetched first. */
  pending = g_new0 (PendingAuth, 1);
  pending->self = g_object_ref (self);
  pending->msg = g_object_ref (msg);
  pending->query = query != NULL ? g_hash_table_ref (query) : NULL;
  pending->cancellable = g_cancellable_new ();
  pending->endpoint = endpoint;
  g_signal_connect_swapped (msg, "finished", G_CALLBACK (pending_auth_gone), pending);
  g_signal_connect_swapped (msg, "disconnected", G_CALLBACK (pending_auth_gone), pending);

  soup_server_message_pause (msg);
  north_mcp_auth_authenticate_async (auth, headers, peer, pending->cancellable,
                                     authenticate_cb, pending);
}

static void
server_callback (SoupServer        *server,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  NorthMcpHttpTransport *self = user_data;
  NorthMcpRoute *route = NULL;
  Endpoint endpoint;

  if (self->server == NULL)
    {
      respond_text (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "Service Unavailable");
      return;
    }

  endpoint = classify_path (self, path, &route);
  switch (endpoint)
    {
    case ENDPOINT_NONE:
      respond_text (msg, SOUP_STATUS_NOT_FOUND, "Not Found");
      break;

    case ENDPOINT_HEALTH:
      handle_health (msg);
      break;

    case ENDPOINT_ROUTE:
      /* Route handlers may take the connection over. */
      north_mcp_http_listener_allow_steal (msg);
      authenticate_and_dispatch (self, msg, endpoint, query);
      break;

    case ENDPOINT_MCP:
    case ENDPOINT_SSE:
    case ENDPOINT_MESSAGES:
    default:
      if (check_origin_and_host (self, msg))
        authenticate_and_dispatch (self, msg, endpoint, query);
      break;
    }
}

/* ------------------------------------------------------------------ */
/* Body size limit                                                     */

/* Bodies are bounded on every path: NorthMcpServer:max-body-size for the
 * MCP endpoints and custom routes, which read them; the same bound, with
 * nothing kept, for the health check, GET streams and unknown paths, which
 * drop them. Refused bodies are not read (north-mcp-http-refusal.c). */
static void
reject_too_large (NorthMcpHttpTransport *self,
                  SoupServerMessage     *msg,
                  Endpoint               endpoint,
                  gsize                  limit)
{
  g_autofree char *text = NULL;
  g_autoptr(JsonNode) null_id = json_node_new (JSON_NODE_NULL);
  g_autoptr(JsonNode) error = NULL;
  g_autofree char *data = NULL;
  gsize length = 0;

  text = g_strdup_printf ("Request body too large (limit: %" G_GSIZE_FORMAT " bytes)", limit);
  north_mcp_server_debug (self->server, "%s", text);

  if (endpoint == ENDPOINT_MCP || endpoint == ENDPOINT_MESSAGES)
    {
      error = north_mcp_jsonrpc_error_new (null_id, NORTH_MCP_JSONRPC_ERROR_INVALID_REQUEST, text, NULL);
      data = north_mcp_jsonrpc_to_string (error, &length);
      north_mcp_http_refuse_unread (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
                                    "application/json", data, length);
    }
  else
    north_mcp_http_refuse_unread (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
                                  "text/plain", text, strlen (text));
}

/* A body without Content-Length (chunked) is counted as it arrives (in
 * data of the message: kept bodies are, dropped ones are not). */
#define BODY_COUNT_KEY "north-mcp-body-count"

typedef struct {
  Endpoint endpoint;
  guint64  received;
} BodyCount;

static void
got_chunk_cb (SoupServerMessage *msg,
              GBytes            *chunk,
              gpointer           user_data)
{
  NorthMcpHttpTransport *self = user_data;
  BodyCount *count = g_object_get_data (G_OBJECT (msg), BODY_COUNT_KEY);
  gsize limit;

  if (self->server == NULL || count == NULL)
    return;

  count->received += g_bytes_get_size (chunk);
  limit = north_mcp_server_get_max_body_size (self->server);
  if (count->received > limit)
    {
      g_signal_handlers_disconnect_by_func (msg, got_chunk_cb, self);
      reject_too_large (self, msg, count->endpoint, limit);
    }
}

static void
early_callback (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  NorthMcpHttpTransport *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  NorthMcpRoute *route = NULL;
  BodyCount *count;
  Endpoint endpoint;
  gsize limit;

  if (self->server == NULL)
    return;

  endpoint = classify_path (self, path, &route);
  if (endpoint != ENDPOINT_MCP && endpoint != ENDPOINT_MESSAGES && endpoint != ENDPOINT_ROUTE)
    soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);

  limit = north_mcp_server_get_max_body_size (self->server);
  switch (soup_message_headers_get_encoding (headers))
    {
    case SOUP_ENCODING_NONE:
      break;

    case SOUP_ENCODING_CONTENT_LENGTH:
      if ((guint64) soup_message_headers_get_content_length (headers) > limit)
        reject_too_large (self, msg, endpoint, limit);
      break;

    case SOUP_ENCODING_CHUNKED:
    default:
      count = g_new0 (BodyCount, 1);
      count->endpoint = endpoint;
      g_object_set_data_full (G_OBJECT (msg), BODY_COUNT_KEY, count, g_free);
      g_signal_connect_object (msg, "got-chunk", G_CALLBACK (got_chunk_cb), self, 0);
      break;
    }
}

/* ------------------------------------------------------------------ */
/* Life cycle                                                          */

NorthMcpHttpTransport *
north_mcp_http_transport_new (NorthMcpServer *server)
{
  NorthMcpHttpTransport *self;

  g_return_val_if_fail (NORTH_MCP_IS_SERVER (server), NULL);

  self = g_object_new (NORTH_MCP_TYPE_HTTP_TRANSPORT, NULL);
  self->server = server;
  g_free (self->mcp_path);
  self->mcp_path = g_strdup (north_mcp_server_get_path (server));
  g_object_add_weak_pointer (G_OBJECT (server), (gpointer *) &self->server);

  return self;
}

static gboolean
host_is_loopback_address (const char *host)
{
  g_autoptr(GInetAddress) address = NULL;

  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;

  address = g_inet_address_new_from_string (host);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

static GInetAddress *
parse_listen_host (const char  *host,
                   GError     **error)
{
  GInetAddress *inet;

  if (g_ascii_strcasecmp (host, "localhost") == 0)
    inet = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  else
    inet = g_inet_address_new_from_string (host);

  if (inet == NULL)
    g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT,
                 "Cannot listen on “%s”: not an IP address", host);

  return inet;
}

/* A TCP socket with SO_REUSEPORT bound to @inet:@port, listening or not. */
static GSocket *
reuseport_socket_new (GInetAddress  *inet,
                      guint          port,
                      gboolean       listen,
                      GError       **error)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  struct sockaddr_storage native;

  socket = g_socket_new (g_inet_address_get_family (inet), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL ||
      !g_socket_set_option (socket, SOL_SOCKET, SO_REUSEPORT, 1, error))
    return NULL;

  /* Not g_socket_bind(): it clears SO_REUSEPORT on stream sockets. */
  address = g_inet_socket_address_new (inet, port);
  if (!g_socket_address_to_native (address, &native, sizeof native, error))
    return NULL;
  if (bind (g_socket_get_fd (socket), (struct sockaddr *) &native,
            g_socket_address_get_native_size (address)) != 0)
    {
      int saved_errno = errno;
      g_autofree char *name = g_inet_address_to_string (inet);

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Cannot bind to %s port %u: %s", name, port, g_strerror (saved_errno));
      return NULL;
    }

  if (listen)
    {
      g_socket_set_listen_backlog (socket, SOMAXCONN);
      if (!g_socket_listen (socket, error))
        return NULL;
    }

  return g_steal_pointer (&socket);
}

GSocket *
north_mcp_http_transport_reserve_port (const char  *host,
                                       guint       *port,
                                       GError     **error)
{
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) local = NULL;

  g_return_val_if_fail (port != NULL && *port <= G_MAXUINT16, NULL);

  inet = parse_listen_host (host != NULL ? host : "127.0.0.1", error);
  if (inet == NULL)
    return NULL;

  /* Bound, not listening: it holds the port without taking connections. */
  socket = reuseport_socket_new (inet, *port, FALSE, error);
  if (socket == NULL)
    return NULL;

  local = g_socket_get_local_address (socket, error);
  if (local == NULL)
    return NULL;

  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  return g_steal_pointer (&socket);
}

/* A plain listening socket. Made here rather than by soup_server_listen()
 * for its backlog: GSocket's default of 10 resets connections when more
 * clients than that connect at once. */
static GSocket *
listening_socket_new (GInetAddress  *inet,
                      guint          port,
                      GError       **error)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = NULL;

  socket = g_socket_new (g_inet_address_get_family (inet), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return NULL;

  address = g_inet_socket_address_new (inet, port);
  g_socket_set_listen_backlog (socket, SOMAXCONN);
  if (!g_socket_bind (socket, address, TRUE, error) || !g_socket_listen (socket, error))
    return NULL;

  return g_steal_pointer (&socket);
}

/* "localhost": IPv4 and, where the system has it, IPv6 loopback on one
 * port (what soup_server_listen_local() does). */
static gboolean
listen_local (NorthMcpHttpTransport  *self,
              guint                   port,
              GError                **error)
{
  g_autoptr(GInetAddress) ipv4 = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GInetAddress) ipv6 = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV6);
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocket) socket6 = NULL;
  g_autoptr(GSocketAddress) local = NULL;

  socket = listening_socket_new (ipv4, port, error);
  if (socket == NULL || !north_mcp_http_listener_add_socket (self->listener, socket, error))
    return FALSE;

  local = g_socket_get_local_address (socket, error);
  if (local == NULL)
    return FALSE;

  socket6 = listening_socket_new (ipv6, g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)), NULL);
  if (socket6 != NULL)
    north_mcp_http_listener_add_socket (self->listener, socket6, NULL);

  return TRUE;
}

/* The port the server's first listener is bound to. Not through
 * soup_server_get_uris(): libsoup 3.2 leaks an address on each call. */
static guint
bound_port (SoupServer *soup,
            guint       fallback)
{
  g_autoptr(GSList) listeners = soup_server_get_listeners (soup);
  g_autoptr(GSocketAddress) address = NULL;

  if (listeners == NULL)
    return fallback;

  address = g_socket_get_local_address (listeners->data, NULL);
  if (address == NULL || !G_IS_INET_SOCKET_ADDRESS (address))
    return fallback;

  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address));
}

gboolean
north_mcp_http_transport_listen (NorthMcpHttpTransport  *self,
                                 const char             *host,
                                 guint                   port,
                                 GError                **error)
{
  g_autoptr(GInetAddress) inet = NULL;
  gboolean listening, workers;

  g_return_val_if_fail (NORTH_MCP_IS_HTTP_TRANSPORT (self), FALSE);
  g_return_val_if_fail (port <= G_MAXUINT16, FALSE);
  g_return_val_if_fail (self->soup == NULL, FALSE);

  if (host == NULL)
    host = "127.0.0.1";

  /* "localhost": both loopback families (clients resolve it either way),
   * on one port; worker processes take IPv4 loopback only. */
  workers = self->server != NULL && north_mcp_server_get_workers (self->server) > 1;
  if (g_ascii_strcasecmp (host, "localhost") != 0 || workers)
    {
      inet = parse_listen_host (host, error);
      if (inet == NULL)
        return FALSE;
    }

  north_mcp_http_listener_raise_fd_limit ();
  self->loopback = host_is_loopback_address (host);
  self->soup = soup_server_new (NULL, NULL);
  north_mcp_http_guard_queries (self->soup);
  soup_server_add_early_handler (self->soup, NULL, early_callback, self, NULL);
  soup_server_add_handler (self->soup, NULL, server_callback, self, NULL);
  /* We accept connections, not libsoup: see north-mcp-http-listener.c. */
  self->listener = north_mcp_http_listener_new (self->soup, self->server);

  if (workers)
    {
      /* One of several worker processes: each has a socket of its own on
       * the same port and the kernel spreads connections over them. */
      g_autoptr(GSocket) socket = reuseport_socket_new (inet, port, TRUE, error);

      listening = socket != NULL && north_mcp_http_listener_add_socket (self->listener, socket, error);
    }
  else if (inet != NULL)
    {
      g_autoptr(GSocket) socket = listening_socket_new (inet, port, error);

      listening = socket != NULL && north_mcp_http_listener_add_socket (self->listener, socket, error);
    }
  else
    listening = listen_local (self, port, error);

  if (!listening)
    {
      north_mcp_http_listener_stop (self->listener);
      g_clear_object (&self->listener);
      soup_server_disconnect (self->soup);
      g_clear_object (&self->soup);
      return FALSE;
    }

  self->port = bound_port (self->soup, port);

  if (self->server != NULL)
    north_mcp_server_debug (self->server, "Listening on http://%s:%u%s", host, self->port, self->mcp_path);

  /* Reachable from other machines, and any name accepted: a page whose
   * name an attacker resolves to this address may reach the endpoints. */
  if (self->server != NULL && !self->loopback &&
      north_mcp_server_get_allowed_hosts (self->server) == NULL)
    {
      g_autofree char *logger = g_strdup_printf ("NorthMCP.%s", north_mcp_server_get_name (self->server));

      north_mcp_log_warning (logger, "Listening on %s with no allowed hosts: any Host header is "
                             "accepted. Name this server's public host names with --allowed-host "
                             "(or north_mcp_server_add_allowed_host()) against DNS rebinding.", host);
    }

  return TRUE;
}

guint
north_mcp_http_transport_get_port (NorthMcpHttpTransport *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_HTTP_TRANSPORT (self), 0);

  return self->port;
}

void
north_mcp_http_transport_set_keepalive_interval (NorthMcpHttpTransport *self,
                                                 guint                  interval_ms)
{
  g_return_if_fail (NORTH_MCP_IS_HTTP_TRANSPORT (self));

  self->keepalive_ms = interval_ms;
}

void
north_mcp_http_transport_stop (NorthMcpHttpTransport *self)
{
  g_autoptr(GPtrArray) streams = NULL;
  GHashTableIter iter;
  gpointer stream;

  g_return_if_fail (NORTH_MCP_IS_HTTP_TRANSPORT (self));

  /* Closing a stream removes it from the table (and ends a legacy
   * session): iterate over a copy. */
  streams = g_ptr_array_new_with_free_func (g_object_unref);
  g_hash_table_iter_init (&iter, self->streams);
  while (g_hash_table_iter_next (&iter, &stream, NULL))
    g_ptr_array_add (streams, g_object_ref (stream));
  for (guint i = 0; i < streams->len; i++)
    north_mcp_sse_stream_close (g_ptr_array_index (streams, i));

  if (self->listener != NULL)
    {
      north_mcp_http_listener_stop (self->listener);
      g_clear_object (&self->listener);
    }

  if (self->soup != NULL)
    {
      soup_server_disconnect (self->soup);
      g_clear_object (&self->soup);
    }
}

static void
north_mcp_http_transport_dispose (GObject *object)
{
  NorthMcpHttpTransport *self = NORTH_MCP_HTTP_TRANSPORT (object);

  if (self->soup != NULL || g_hash_table_size (self->streams) > 0)
    north_mcp_http_transport_stop (self);

  if (self->server != NULL)
    {
      g_object_remove_weak_pointer (G_OBJECT (self->server), (gpointer *) &self->server);
      self->server = NULL;
    }

  G_OBJECT_CLASS (north_mcp_http_transport_parent_class)->dispose (object);
}

static void
north_mcp_http_transport_finalize (GObject *object)
{
  NorthMcpHttpTransport *self = NORTH_MCP_HTTP_TRANSPORT (object);

  g_hash_table_unref (self->streams);
  g_free (self->mcp_path);

  G_OBJECT_CLASS (north_mcp_http_transport_parent_class)->finalize (object);
}

static void
north_mcp_http_transport_class_init (NorthMcpHttpTransportClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = north_mcp_http_transport_dispose;
  object_class->finalize = north_mcp_http_transport_finalize;
}

static void
north_mcp_http_transport_init (NorthMcpHttpTransport *self)
{
  self->mcp_path = g_strdup (DEFAULT_MCP_PATH);
  self->keepalive_ms = NORTH_MCP_SSE_DEFAULT_KEEPALIVE_MS;
  self->streams = g_hash_table_new_full (NULL, NULL, g_object_unref, stream_info_free);
}
