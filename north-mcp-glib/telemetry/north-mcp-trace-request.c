/* north-mcp-trace-request.c: the tracer's hooks on the request path: a
 * server span per MCP request, continuing the caller's trace, with the
 * OpenTelemetry semantic conventions for MCP
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>
#include <libsoup/soup.h>

#include "north-mcp-tracer-private.h"
#include "north-mcp-tracer-config-private.h"
#include "north-mcp-span-private.h"
#include "north-mcp-span-data-private.h"
#include "north-mcp-trace-context-private.h"
#include "north-mcp-log-private.h"
#include "north-mcp-otlp-text-private.h"

#define LOGGER "NorthMCP.Telemetry"

static const char *
meta_string (JsonObject *meta,
             const char *member)
{
  JsonNode *node = meta != NULL ? json_object_get_member (meta, member) : NULL;

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_STRING ? json_node_get_string (node) : NULL;
}

static const char *
params_string (JsonObject *params,
               const char *member)
{
  return meta_string (params, member);
}

/* The caller's trace context: params._meta first (MCP's own
 * propagation, per message), then the HTTP headers. */
static gboolean
find_parent (JsonObject          *params,
             SoupMessageHeaders  *headers,
             NorthMcpTraceParent *parent,
             const char         **tracestate)
{
  JsonNode *meta_node = params != NULL ? json_object_get_member (params, "_meta") : NULL;
  JsonObject *meta = meta_node != NULL && JSON_NODE_HOLDS_OBJECT (meta_node)
                     ? json_node_get_object (meta_node) : NULL;

  if (north_mcp_trace_parse_traceparent (meta_string (meta, "traceparent"), parent))
    {
      *tracestate = meta_string (meta, "tracestate");
      return TRUE;
    }
  /* Every traceparent field, joined: two of them make no valid value
   * (W3C Trace Context: a new trace), where get_one() gave the last. */
  if (headers != NULL &&
      north_mcp_trace_parse_traceparent (soup_message_headers_get_list (headers, "traceparent"), parent))
    {
      *tracestate = soup_message_headers_get_list (headers, "tracestate");
      return TRUE;
    }
  return FALSE;
}

/* The server's attributes of a recording request span. */
static void
add_request_attributes (NorthMcpSpanData           *span,
                        const NorthMcpTraceRequest *request,
                        const char                 *target)
{
  const char *method = request->method;
  JsonNode *id = request->id;
  const char *uri;

  north_mcp_span_data_add_static_attribute (span, "mcp.method.name", method);
  if (target != NULL && strcmp (method, "tools/call") == 0)
    {
      north_mcp_span_data_add_static_attribute (span, "gen_ai.tool.name", target);
      north_mcp_span_data_add_static_attribute (span, "gen_ai.operation.name", "execute_tool");
      north_mcp_span_data_set_unconfirmed (span, "gen_ai.tool.name");
    }
  else if (target != NULL)
    {
      north_mcp_span_data_add_static_attribute (span, "gen_ai.prompt.name", target);
      north_mcp_span_data_set_unconfirmed (span, "gen_ai.prompt.name");
    }
  if (strcmp (method, "resources/read") == 0 && (uri = params_string (request->params, "uri")) != NULL)
    {
      north_mcp_span_data_add_static_attribute (span, "mcp.resource.uri", uri);
      north_mcp_span_data_set_unconfirmed (span, "mcp.resource.uri");
    }
  if (id != NULL && JSON_NODE_HOLDS_VALUE (id))
    {
      if (json_node_get_value_type (id) == G_TYPE_STRING)
        north_mcp_span_data_add_static_attribute (span, "jsonrpc.request.id", json_node_get_string (id));
      else
        {
          char text[24];

          *north_mcp_otlp_put_int (text, json_node_get_int (id)) = '\0';
          north_mcp_span_data_add_static_attribute (span, "jsonrpc.request.id", text);
        }
    }
  if (request->session_digest != NULL)
    north_mcp_span_data_add_static_attribute (span, "mcp.session.id", request->session_digest);
  if (request->protocol_version != NULL)
    north_mcp_span_data_add_static_attribute (span, "mcp.protocol.version", request->protocol_version);
  if (request->internal)
    return; /* received over no transport */
  if (request->headers != NULL)
    {
      north_mcp_span_data_add_static_attribute (span, "network.transport", "tcp");
      north_mcp_span_data_add_static_attribute (span, "network.protocol.name", "http");
    }
  else
    north_mcp_span_data_add_static_attribute (span, "network.transport", "pipe");
}

/* The span name holds the client's tool or prompt name: quoted, with
 * escapes, unless plain printable ASCII, so that it cannot forge a log
 * line (a newline) or drive the terminal. */
static void
log_handling_line (NorthMcpSpanData *span)
{
  const char *name = north_mcp_span_data_get_name (span);
  g_autofree char *quoted = NULL;

  for (const guchar *p = (const guchar *) name; *p != '\0'; p++)
    if (*p < 0x20 || *p >= 0x7f)
      {
        name = quoted = north_mcp_log_repr_string (name);
        break;
      }
  if (!north_mcp_tracer_get_log_trace_context (north_mcp_span_data_get_tracer (span)))
    north_mcp_log_debug (LOGGER, "Handling %s", name);
  else
    north_mcp_log_debug (LOGGER, "Handling %s [trace_id=%s span_id=%s]", name,
                         north_mcp_span_data_get_trace_id (span), north_mcp_span_data_get_span_id (span));
}

gboolean
north_mcp_trace_request_may_begin (void)
{
  return north_mcp_tracer_any_enabled () || north_mcp_tracer_environment_configures_tracing ();
}

NorthMcpSpanData *
north_mcp_trace_request_begin (NorthMcpTracer             *tracer,
                               gboolean                    log_handling,
                               const NorthMcpTraceRequest *request)
{
  const char *method = request->method;
  NorthMcpTraceParent parent, context;
  const char *tracestate = NULL, *target = NULL;
  gboolean has_parent;
  NorthMcpSpanData *span;

  if (tracer == NULL || !north_mcp_tracer_get_enabled (tracer))
    return NULL;

  /* Ids and the sampling decision first: an unsampled request stops at
   * a span that records nothing. */
  if (request->traceparent != NULL && north_mcp_trace_parse_traceparent (request->traceparent, &parent))
    {
      has_parent = TRUE;
      tracestate = request->tracestate;
    }
  else
    has_parent = find_parent (request->params, request->headers, &parent, &tracestate);
  if (has_parent)
    memcpy (context.trace_id, parent.trace_id, NORTH_MCP_TRACE_ID_SIZE);
  else
    north_mcp_trace_random_id (context.trace_id, NORTH_MCP_TRACE_ID_SIZE);
  north_mcp_trace_random_id (context.span_id, NORTH_MCP_SPAN_ID_SIZE);
  context.flags = (has_parent ? parent.flags & ~1 : 0) |
                  (north_mcp_tracer_should_sample (tracer, has_parent ? &parent : NULL, context.trace_id) ? 1 : 0);
  if (tracestate != NULL && !north_mcp_trace_tracestate_is_valid (tracestate))
    tracestate = NULL;

  /* "{mcp.method.name} {target}", the target a tool or prompt name. */
  if (method != NULL && (strcmp (method, "tools/call") == 0 || strcmp (method, "prompts/get") == 0))
    target = params_string (request->params, "name");
  span = north_mcp_span_data_new (tracer, method != NULL ? method : "", target,
                                   request->internal ? NORTH_MCP_SPAN_KIND_INTERNAL : NORTH_MCP_SPAN_KIND_SERVER,
                                   &context, has_parent ? parent.span_id : NULL, tracestate);
  /* Logs of the request can be found from its trace, and back. */
  if (log_handling)
    log_handling_line (span);
  if (north_mcp_span_data_is_recording (span) && method != NULL)
    add_request_attributes (span, request, target);
  return span;
}

void
north_mcp_trace_request_confirm_target (NorthMcpSpanData *span)
{
  north_mcp_span_data_take_unconfirmed (span);
}

/* A name a client sent that names nothing that exists leaves the span:
 * each distinct one would be a new value (a new series) in the tracing
 * backend, and any client can send as many as it likes. */
static void
forget_unconfirmed_target (NorthMcpSpanData *span)
{
  const char *key = north_mcp_span_data_take_unconfirmed (span);

  if (key == NULL)
    return;
  north_mcp_span_data_set_string (span, key, NORTH_MCP_TRACE_UNKNOWN_TARGET);
  if (strcmp (key, "gen_ai.tool.name") == 0)
    north_mcp_span_data_set_static_name (span, "tools/call " NORTH_MCP_TRACE_UNKNOWN_TARGET);
  else if (strcmp (key, "gen_ai.prompt.name") == 0)
    north_mcp_span_data_set_static_name (span, "prompts/get " NORTH_MCP_TRACE_UNKNOWN_TARGET);
}

/* @response: the JSON-RPC response, when the context has it as a tree. */
void
north_mcp_trace_request_end (NorthMcpSpanData *span,
                             JsonNode         *response)
{
  JsonObject *object = response != NULL && JSON_NODE_HOLDS_OBJECT (response)
                       ? json_node_get_object (response) : NULL;
  JsonNode *error = object != NULL ? json_object_get_member (object, "error") : NULL;

  forget_unconfirmed_target (span);

  if (error != NULL && JSON_NODE_HOLDS_OBJECT (error) && north_mcp_span_data_is_recording (span))
    {
      JsonObject *error_object = json_node_get_object (error);
      g_autofree char *code = g_strdup_printf ("%" G_GINT64_FORMAT,
                                               json_object_get_int_member_with_default (error_object, "code", 0));

      north_mcp_span_data_set_string (span, "rpc.response.status_code", code);
      north_mcp_span_data_record_error (span, code,
                                        json_object_get_string_member_with_default (error_object, "message", NULL));
    }
  north_mcp_span_data_end (span);
}

void
north_mcp_trace_tool_error (NorthMcpSpanData *span,
                            const char       *message)
{
  north_mcp_span_data_record_error (span, "tool_error", message);
}

NorthMcpSpanData *
north_mcp_trace_start_child_data (NorthMcpSpanData *parent,
                                  const char       *name)
{
  const NorthMcpTraceParent *parent_context;
  NorthMcpTraceParent context;

  if (parent == NULL)
    return north_mcp_span_data_new (NULL, name, NULL, NORTH_MCP_SPAN_KIND_INTERNAL, NULL, NULL, NULL);

  parent_context = north_mcp_span_data_get_context (parent);
  context = *parent_context;
  north_mcp_trace_random_id (context.span_id, NORTH_MCP_SPAN_ID_SIZE);
  return north_mcp_span_data_new (north_mcp_span_data_get_tracer (parent),
                                  name, NULL, NORTH_MCP_SPAN_KIND_INTERNAL, &context, parent_context->span_id,
                                  north_mcp_span_data_get_tracestate (parent));
}

NorthMcpSpan *
north_mcp_trace_start_child (NorthMcpSpanData *parent,
                             const char       *name)
{
  g_autoptr(NorthMcpSpanData) data = north_mcp_trace_start_child_data (parent, name);

  return north_mcp_span_new_for_data (data);
}

NorthMcpSpan *
north_mcp_trace_get_span (NorthMcpSpanData  *data,
                          NorthMcpSpan     **cache)
{
  NorthMcpSpan *span;

  if (data == NULL)
    return NULL;
  span = g_atomic_pointer_get (cache);
  if (span != NULL)
    return span;
  span = north_mcp_span_new_for_data (data);
  if (g_atomic_pointer_compare_and_exchange (cache, NULL, span))
    return span;
  g_object_unref (span);
  return g_atomic_pointer_get (cache);
}
