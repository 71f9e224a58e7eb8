/* north-mcp-context-impl-private.h: what the parts of NorthMcpContext share
 *
 * NorthMcpContext is one type in three files: north-mcp-context.c (the
 * request and its answer), north-mcp-context-requests.c (requests to the
 * client while the request is open) and north-mcp-context-retry.c
 * (input-required results of revision 2026-07-28). Only they include this.
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <libsoup/soup.h>

#include "north-mcp-context-private.h"
#include "north-mcp-session.h"
#include "north-mcp-user.h"
#include "north-mcp-span-data-private.h"

G_BEGIN_DECLS

struct _NorthMcpContext
{
  GObject               parent_instance;

  NorthMcpProtocolHost *host;
  /* @host's methods, looked up once: a request calls four of them. */
  const NorthMcpProtocolHostInterface *host_iface;
  NorthMcpSession      *session;
  NorthMcpUser         *user;
  NorthMcpChannel      *channel;
  GMainContext         *main_context;
  JsonNode             *id;
  char                 *method;
  JsonObject           *params;
  char                 *protocol_version;
  GCancellable         *cancellable;      /* made on demand; see get_cancellable */
  JsonNode             *progress_token;
  double                last_progress;
  NorthMcpResultFilter  filter;
  gint                  completed; /* atomic */
  gboolean              announced; /* request-finished is still due */
  gboolean              running;   /* counted by the host until it ends */

  /* Requests under the 2026-07-28 revision. */
  gboolean              revision_2026;
  NorthMcpSession      *tracking_session; /* for notifications/cancelled only */
  JsonObject           *client_capabilities;
  int                   log_level;        /* -1: send no log messages */
  char                 *request_state;    /* verified, the handler's own */
  JsonObject           *input_requests;
  gboolean              has_cache_hint;
  guint                 cache_ttl_ms;
  NorthMcpCacheScope    cache_scope;
  gulong                channel_cancelled_id;
  gint                  channel_linked;       /* atomic: link_to_channel() asked */
  NorthMcpFeature      *feature;          /* what the request runs, kept alive */
  SoupMessageHeaders   *request_headers;  /* the HTTP request's, or NULL */
  GHashTable           *north_context;    /* X-North-Context-*, made on demand */
  NorthMcpSpanData     *span;             /* NULL unless tracing is on */
  NorthMcpSpan         *span_object;      /* made if asked for */
};

/* A task of @self whose callback runs with @self current (see
 * north_mcp_context_get_current()). */
GTask      *north_mcp_context_task_new_with_current (NorthMcpContext     *self,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
/* The context current in this thread, and putting back one saved so. */
gpointer    north_mcp_context_save_current          (void);
void        north_mcp_context_restore_current       (gpointer             saved);
/* A NorthMcpLogTraceFunc (auth/north-mcp-log-private.h). */
gboolean    north_mcp_context_current_trace         (const char         **trace_id,
                                                     const char         **span_id);
/* The client capability a server-to-client @method needs, or NULL. */
const char *north_mcp_context_method_capability     (const char          *method);
/* Whether the client declared @capability.@sub (such as sampling.tools or
 * elicitation.url), as north_mcp_context_get_client_capabilities() tells. */
gboolean    north_mcp_context_has_client_sub_capability (NorthMcpContext *self,
                                                         const char      *capability,
                                                         const char      *sub);
/* Whether the client can take @method with @params beyond its top-level
 * capability (which the caller checks), in every revision: sampling with
 * tools needs sampling.tools, URL elicitation elicitation.url, and a
 * client that lists elicitation.url without form takes no forms. */
gboolean    north_mcp_context_sub_capabilities_allow (NorthMcpContext *self,
                                                      const char      *method,
                                                      JsonObject      *params);
/* north_mcp_context_return_missing_capability() for @capability.@sub
 * (%NULL @sub: the capability itself). */
void        north_mcp_context_return_missing_sub_capability (NorthMcpContext *self,
                                                             const char      *capability,
                                                             const char      *sub);
/* For north_mcp_context_return_error_full(): when @self's revision has no
 * -32042, answers in its stead (as
 * north_mcp_context_return_url_elicitation_required() would for the first
 * URL elicitation @data names, else with an internal error) and returns
 * TRUE; FALSE when the revision has it (send it as it is). */
gboolean    north_mcp_context_return_url_elicitation_error (NorthMcpContext *self,
                                                            const char      *message,
                                                            JsonNode        *data);

G_END_DECLS
