/* north-mcp-jsonrpc-private.h: JSON-RPC 2.0 message helpers
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum {
  NORTH_MCP_MESSAGE_INVALID,
  NORTH_MCP_MESSAGE_REQUEST,
  NORTH_MCP_MESSAGE_NOTIFICATION,
  NORTH_MCP_MESSAGE_RESPONSE,
} NorthMcpMessageKind;

/* One request, read without building its envelope (the common body). */
typedef struct {
  JsonNode   *id;      /* a string or integer */
  char       *method;  /* non-empty */
  JsonObject *params;  /* NULL when absent or null */
  guint       seen;    /* members read so far, while reading */
  guint64     cost;    /* what the trees read keep (north_mcp_json_read_counted()) */
} NorthMcpJsonrpcRequest;

/* Reads @data if it is exactly one valid JSON-RPC request (what
 * north_mcp_jsonrpc_classify() would call NORTH_MCP_MESSAGE_REQUEST, with
 * no duplicate or response members). FALSE for anything else, well-formed
 * or not: the caller then takes the general path, which also says what is
 * wrong. Clear @request with north_mcp_jsonrpc_request_clear() either way.
 * Its trees may cost @budget (north_mcp_json_read_counted()): past it,
 * FALSE with @request->cost more than @budget. */
gboolean            north_mcp_jsonrpc_read_request    (const char             *data,
                                                       gsize                   length,
                                                       guint64                 budget,
                                                       NorthMcpJsonrpcRequest *request);
void                north_mcp_jsonrpc_request_clear   (NorthMcpJsonrpcRequest *request);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (NorthMcpJsonrpcRequest, north_mcp_jsonrpc_request_clear)

/* How many messages a batch may hold (revisions before 2025-06-18). */
#define NORTH_MCP_JSONRPC_MAX_BATCH 100

/* Whether @batch, a JSON-RPC batch (array), may be handled under
 * @protocol_version (NULL: read as 2025-03-26, the HTTP default). FALSE,
 * with an Invalid Request error (-32600) saying why, when it is empty,
 * when the revision has no batches (2025-06-18 removed them) or when it
 * holds more than NORTH_MCP_JSONRPC_MAX_BATCH messages. */
gboolean            north_mcp_jsonrpc_check_batch     (JsonArray   *batch,
                                                       const char  *protocol_version,
                                                       GError     **error);

/* How long a string `progressToken` may be: every notifications/progress
 * of its request carries it again. The same for the id of a
 * subscriptions/listen request, which every notification of its stream
 * carries. */
#define NORTH_MCP_PROGRESS_TOKEN_MAX_LENGTH 256

/* Whether @token (may be NULL) is a progress token the server answers: a
 * string of at most NORTH_MCP_PROGRESS_TOKEN_MAX_LENGTH bytes or an
 * integer, as the schema says. Requests with any other get no progress. */
gboolean            north_mcp_jsonrpc_progress_token_is_valid (JsonNode *token);

/* Classifies @message; on NORTH_MCP_MESSAGE_INVALID, @error says why (and
 * @id_out, when not NULL, receives the id if one could be read). */
NorthMcpMessageKind north_mcp_jsonrpc_classify        (JsonNode    *message,
                                                       JsonNode   **id_out,
                                                       GError     **error);
JsonNode           *north_mcp_jsonrpc_result_new      (JsonNode    *id,
                                                       JsonNode    *result);
JsonNode           *north_mcp_jsonrpc_error_new       (JsonNode    *id,
                                                       int          code,
                                                       const char  *message,
                                                       JsonNode    *data);
JsonNode           *north_mcp_jsonrpc_notification_new (const char *method,
                                                        JsonObject *params);
JsonNode           *north_mcp_jsonrpc_request_new     (JsonNode    *id,
                                                       const char  *method,
                                                       JsonObject  *params);
/* A new string holding the start of a successful response up to its
 * result, `{"jsonrpc":"2.0","id":ID,"result":`; the caller appends the
 * result and the closing `}`. */
GString            *north_mcp_jsonrpc_begin_result_text (JsonNode *id);
/* The id of a response that north_mcp_jsonrpc_begin_result_text() began,
 * read back from its text; NULL if @text is no such response. */
JsonNode           *north_mcp_jsonrpc_read_result_text_id (const char *text,
                                                          gsize       length);
/* Parses @data as one JSON value; on failure a parse error (-32700). */
JsonNode           *north_mcp_jsonrpc_parse           (const char  *data,
                                                       gsize        length,
                                                       GError     **error);
/* The same, and *@cost is set to what the tree keeps in memory
 * (north_mcp_json_read_counted()): a request in progress counts it among
 * the bytes it holds. Reading stops once that would pass @budget, with
 * *@cost more than @budget (north_mcp_json_read_counted()). */
JsonNode           *north_mcp_jsonrpc_parse_counted   (const char  *data,
                                                       gsize        length,
                                                       guint64      budget,
                                                       guint64     *cost,
                                                       GError     **error);
/* Compact one-line serialization, as stdio and SSE need. */
char               *north_mcp_jsonrpc_to_string       (JsonNode    *message,
                                                       gsize       *length);

G_END_DECLS
