/* fuzz-trace-context.c: a caller's trace context (W3C traceparent and
 * tracestate, in HTTP headers or in params._meta) into a request span,
 * and the span as OTLP/JSON
 *
 * Input: `Name: value` header lines, an empty line, one JSON-RPC request
 * on a line, then its JSON-RPC response (as the server builds them: an
 * error has an integer code and a string message). The request's span is begun
 * with both (north_mcp_trace_request_begin()), ended with the response,
 * and written as the exporter writes it: that text must be one JSON
 * object whose trace id is the caller's when its traceparent was valid.
 * traceparent values also go through parse/format on their own.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>

#include "north-mcp.h"
#include "north-mcp-json-limits-private.h"
#include "north-mcp-json-reader-private.h"
#include "north-mcp-jsonrpc-private.h"
#include "north-mcp-trace-context-private.h"
#include "north-mcp-trace-request-private.h"
#include "north-mcp-util-private.h"
#include "fuzz-common.h"
#include "fuzz-headers.h"

static void
check_traceparent (const char *value)
{
  NorthMcpTraceParent parent, again;
  g_autofree char *text = NULL;

  if (!north_mcp_trace_parse_traceparent (value, &parent))
    return;
  /* What parses formats (as version 00) and parses back the same. */
  text = north_mcp_trace_format_traceparent (&parent);
  if (strlen (text) != 55 || !north_mcp_trace_parse_traceparent (text, &again) ||
      memcmp (&parent, &again, sizeof parent) != 0)
    abort ();
}

/* The trace id the span must carry: the caller's, when it gave one. */
static gboolean
expected_trace_id (SoupMessageHeaders *headers,
                   JsonObject         *params,
                   char               *hex)
{
  JsonObject *meta = north_mcp_object_get_object (params, "_meta");
  NorthMcpTraceParent parent;

  if (north_mcp_trace_parse_traceparent (north_mcp_object_get_string (meta, "traceparent"), &parent) ||
      north_mcp_trace_parse_traceparent (soup_message_headers_get_one (headers, "traceparent"), &parent))
    {
      north_mcp_trace_hex (parent.trace_id, NORTH_MCP_TRACE_ID_SIZE, hex);
      return TRUE;
    }
  return FALSE;
}

/* The server ends spans with its own responses only: an error's code is
 * an integer, its message a string. */
static gboolean
is_server_response (JsonNode *response)
{
  JsonObject *error;
  JsonNode *code, *message;

  if (response == NULL || !JSON_NODE_HOLDS_OBJECT (response) ||
      !json_object_has_member (json_node_get_object (response), "error"))
    return TRUE;
  error = north_mcp_object_get_object (json_node_get_object (response), "error");
  code = north_mcp_object_get_node (error, "code", JSON_NODE_VALUE);
  message = north_mcp_object_get_node (error, "message", JSON_NODE_VALUE);
  return code != NULL && json_node_get_value_type (code) == G_TYPE_INT64 &&
         message != NULL && json_node_get_value_type (message) == G_TYPE_STRING;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(NorthMcpServer) server = NULL;
  g_autoptr(SoupMessageHeaders) headers = NULL;
  g_autoptr(JsonNode) request = NULL;
  g_autoptr(JsonNode) response = NULL;
  g_autoptr(NorthMcpSpanData) span = NULL;
  g_autoptr(GString) out = NULL;
  g_autoptr(JsonNode) written = NULL;
  g_autofree char *text = NULL;
  NorthMcpTracer *tracer;
  SoupMessageHeadersIter iter;
  const char *name, *value;
  JsonObject *object = NULL, *params = NULL;
  NorthMcpTraceRequest traced = { .session_digest = "0123abcd", .protocol_version = "2025-11-25" };
  char hex[2 * NORTH_MCP_TRACE_ID_SIZE + 1];
  char *lines, *body, *answer;
  gboolean has_parent;

  fuzz_init ();

  text = g_strndup ((const char *) data, size);
  if (!fuzz_split_request (text, &lines, &body, &answer))
    return 0;

  headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  fuzz_add_headers (headers, lines);
  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    {
      check_traceparent (value);
      (void) north_mcp_trace_tracestate_is_valid (value);
    }

  request = north_mcp_json_read (body, strlen (body), NORTH_MCP_JSON_MAX_DEPTH, NULL);
  if (request != NULL && JSON_NODE_HOLDS_OBJECT (request))
    {
      object = json_node_get_object (request);
      params = north_mcp_object_get_object (object, "params");
    }
  response = north_mcp_json_read (answer, strlen (answer), NORTH_MCP_JSON_MAX_DEPTH, NULL);
  if (!is_server_response (response))
    return 0;

  server = north_mcp_server_new ("fuzz", "1.0");
  tracer = north_mcp_server_get_tracer (server);
  /* On while the span begins (nothing is ever sent: the exporter starts
   * with the first span it is given, and ending it after the tracer is
   * off gives it none). */
  north_mcp_tracer_set_endpoint (tracer, "http://127.0.0.1:9/v1/traces");
  traced.headers = headers;
  traced.id = object != NULL ? json_object_get_member (object, "id") : NULL;
  traced.method = north_mcp_object_get_string (object, "method");
  traced.params = params;
  span = north_mcp_trace_request_begin (tracer, FALSE, &traced);
  north_mcp_tracer_set_endpoint (tracer, NULL);
  if (span == NULL)
    abort ();
  north_mcp_trace_request_end (span, response);

  out = g_string_new (NULL);
  north_mcp_span_data_write_otlp (span, out);
  written = north_mcp_json_read (out->str, out->len, NORTH_MCP_JSON_MAX_DEPTH, NULL);
  if (written == NULL || !JSON_NODE_HOLDS_OBJECT (written))
    abort ();
  has_parent = expected_trace_id (headers, params, hex);
  if (has_parent &&
      g_strcmp0 (north_mcp_object_get_string (json_node_get_object (written), "traceId"), hex) != 0)
    abort ();
  return 0;
}
