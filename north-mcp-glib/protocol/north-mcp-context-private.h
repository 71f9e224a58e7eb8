/* north-mcp-context-private.h
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-context.h"
#include "north-mcp-channel-private.h"
#include "north-mcp-feature.h"
#include "north-mcp-protocol-host-private.h"
#include "north-mcp-tool.h"

G_BEGIN_DECLS

/* Turns a handler's result into what goes on the wire (for example adding
 * 2026's `resultType`). Returns a new reference. */
typedef JsonNode *(*NorthMcpResultFilter) (NorthMcpContext *context,
                                           JsonNode        *result);

/* A request as the dispatcher read it; borrowed, not owned. */
typedef struct
{
  NorthMcpProtocolHost *host;
  NorthMcpSession      *session;
  NorthMcpUser         *user;
  NorthMcpChannel      *channel;
  JsonNode             *id;
  const char           *method;
  JsonObject           *params;
  const char           *protocol_version;
  /* The W3C trace context the request's span continues in place of the
   * one it carries (north_mcp_context_dup_traceparent() of the request
   * that started a task's round), or NULL. */
  const char           *traceparent;
  const char           *tracestate;
  /* Work the server does on its own for a request it received earlier
   * (a task's round), not a request received. */
  gboolean              internal;
} NorthMcpRequestInfo;

/* A context for @request, whose handler runs next. */
NorthMcpContext *north_mcp_context_new               (const NorthMcpRequestInfo *request);
void             north_mcp_context_set_result_filter (NorthMcpContext      *self,
                                                      NorthMcpResultFilter  filter);
NorthMcpChannel *north_mcp_context_get_channel       (NorthMcpContext      *self);
/* The host that received the request. */
NorthMcpProtocolHost *north_mcp_context_get_host     (NorthMcpContext      *self);
/* Makes @self the context north_mcp_context_get_current() returns in this
 * thread until the matching pop. */
void             north_mcp_context_push_current      (NorthMcpContext      *self);
void             north_mcp_context_pop_current       (NorthMcpContext      *self);

/* The feature the request runs. A reference is kept until the context is
 * disposed, so that a feature replaced or removed while an asynchronous
 * call of it is pending keeps its handler's data for that call. The
 * results of a tool are checked against its output schema (when it has
 * one) before they are sent. The request's span names the feature only
 * once it is set (north_mcp_trace_request_confirm_target()). */
void             north_mcp_context_set_feature       (NorthMcpContext      *self,
                                                      NorthMcpFeature      *feature);

/* The 2026-07-28 revision. */
void             north_mcp_context_set_revision_2026        (NorthMcpContext      *self,
                                                             char                 *request_state);
gboolean         north_mcp_context_get_revision_2026        (NorthMcpContext      *self);
/* The session a 2026-07-28 request came in (legacy HTTP+SSE, stdio),
 * which it does not use but is counted in; NULL for others. */
NorthMcpSession *north_mcp_context_get_tracking_session     (NorthMcpContext      *self);
gboolean         north_mcp_context_get_cache_hint_override (NorthMcpContext    *self,
                                                      guint                *ttl_ms,
                                                      NorthMcpCacheScope   *scope);
/* Lets go of the request's HTTP headers (a header block may have 64 KiB)
 * for a request that lives on without them, such as a listen stream; its
 * North context is read from them first and kept. Returns the bytes
 * that North context keeps (its text, and 64 an entry). */
gsize            north_mcp_context_release_headers   (NorthMcpContext      *self);
/* The same, with @north_context (a reference is taken) in place of the
 * one of the headers: for a context made outside its request's dispatch
 * (a round of a task), before its handler runs. */
gsize            north_mcp_context_use_north_context (NorthMcpContext      *self,
                                                      GHashTable           *north_context);
/* The W3C traceparent of @self's span (its trace, the span as parent),
 * and in *@tracestate its tracestate (or NULL); NULL when the request is
 * not traced. For what continues the request's trace after it was
 * dispatched, maybe on another replica (a task's round). */
char            *north_mcp_context_dup_traceparent   (NorthMcpContext      *self,
                                                      char                **tracestate);
/* Marks @self answered without sending anything. */
void             north_mcp_context_abandon           (NorthMcpContext      *self);

/* Emits request-started for @self when somebody watches requests; its
 * request-finished follows when it is answered (or abandoned). Call it
 * once, right before the handler runs. */
void             north_mcp_context_announce          (NorthMcpContext      *self);

/* Sends @response, the refusal of a request no handler will see, and
 * announces the request as started and finished. Only for a server that
 * watches requests (north_mcp_protocol_host_watches_requests()). */
void             north_mcp_context_refuse            (const NorthMcpRequestInfo *request,
                                                      JsonNode                  *response);

G_END_DECLS
