/* north-mcp-protocol-host-private.h: what the protocol layer asks of the
 * object above it
 *
 * The one way up from protocol/ (dispatch, contexts, broadcasts, the
 * 2026-07-28 revision, tasks) to the server: the protocol holds a
 * NorthMcpProtocolHost (NorthMcpServer implements it, in
 * north-mcp-server-host.c) and calls nothing else of the layer above.
 * The host hands down the parts the protocol owns (the feature
 * registries, the session manager, the 2026-07-28 revision's state), its
 * settings and its tracer, and takes back the request announcements and
 * debug lines.
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <json-glib/json-glib.h>

#include "north-mcp-context.h"
#include "north-mcp-registry-private.h"
#include "north-mcp-tracer.h"

G_BEGIN_DECLS

typedef struct _NorthMcpSessionManager NorthMcpSessionManager;
typedef struct _NorthMcpRevision2026State NorthMcpRevision2026State;

#define NORTH_MCP_TYPE_PROTOCOL_HOST (north_mcp_protocol_host_get_type ())

G_DECLARE_INTERFACE (NorthMcpProtocolHost, north_mcp_protocol_host, NORTH_MCP, PROTOCOL_HOST, GObject)

/* What the protocol answers with. The strings are the host's, valid until
 * its settings change: read them again for each request, do not keep
 * them. */
typedef struct {
  const char *name;             /* serverInfo */
  const char *version;
  const char *title;            /* NULL: none */
  const char *instructions;     /* NULL: none */
  guint       page_size;        /* items of a list page */
  guint       request_timeout;  /* milliseconds a client has to answer */
  guint       task_ttl;         /* seconds a task lives after its last change */
} NorthMcpProtocolSettings;

struct _NorthMcpProtocolHostInterface
{
  GTypeInterface g_iface;

  NorthMcpServer            *(*get_server)          (NorthMcpProtocolHost     *self);
  void                       (*get_settings)        (NorthMcpProtocolHost     *self,
                                                     NorthMcpProtocolSettings *settings);
  GMainContext              *(*get_main_context)    (NorthMcpProtocolHost     *self);
  NorthMcpRegistry          *(*get_registry)        (NorthMcpProtocolHost     *self,
                                                     NorthMcpRegistryKind      kind);
  NorthMcpSessionManager    *(*get_session_manager) (NorthMcpProtocolHost     *self);
  NorthMcpRevision2026State *(*get_revision_2026)   (NorthMcpProtocolHost     *self);

  void                       (*count_request)       (NorthMcpProtocolHost     *self,
                                                     gboolean                  running);
  gboolean                   (*watches_requests)    (NorthMcpProtocolHost     *self);
  void                       (*request_started)     (NorthMcpProtocolHost     *self,
                                                     NorthMcpContext          *context);
  void                       (*request_finished)    (NorthMcpProtocolHost     *self,
                                                     NorthMcpContext          *context,
                                                     const GError             *error);

  void                       (*debug)               (NorthMcpProtocolHost     *self,
                                                     const char               *format,
                                                     va_list                   args) G_GNUC_PRINTF (2, 0);

  NorthMcpTracer            *(*get_tracer)          (NorthMcpProtocolHost     *self);
  gboolean                   (*get_debug)           (NorthMcpProtocolHost     *self);
};

/* The public object user code sees as the request's server
 * (north_mcp_context_get_server()). */
NorthMcpServer   *north_mcp_protocol_host_get_server       (NorthMcpProtocolHost     *self);
/* Fills @settings with what the protocol answers with now (cheap). */
void              north_mcp_protocol_host_get_settings     (NorthMcpProtocolHost     *self,
                                                            NorthMcpProtocolSettings *settings);
/* Where requests are handled and notifications sent. */
GMainContext     *north_mcp_protocol_host_get_main_context (NorthMcpProtocolHost     *self);
/* The parts of the protocol the host keeps, one each. */
NorthMcpRegistry *north_mcp_protocol_host_get_registry     (NorthMcpProtocolHost *self,
                                                            NorthMcpRegistryKind  kind);
NorthMcpSessionManager *north_mcp_protocol_host_get_session_manager (NorthMcpProtocolHost *self);
NorthMcpRevision2026State *north_mcp_protocol_host_get_revision_2026 (NorthMcpProtocolHost *self);

/* The request announcements (the server's request-started and
 * request-finished signals). Requests are announced only while somebody
 * watches; each announced request finishes once. @error: NULL (a
 * result), a NORTH_MCP_JSONRPC_ERROR, or G_IO_ERROR_CANCELLED (nothing
 * sent). */
/* One request more (@running) or one less runs: what a graceful shutdown
 * waits for. Every request a handler sees, whoever watches; on the main
 * context. */
void              north_mcp_protocol_host_count_request    (NorthMcpProtocolHost     *self,
                                                            gboolean                  running);
gboolean          north_mcp_protocol_host_watches_requests (NorthMcpProtocolHost     *self);
void              north_mcp_protocol_host_request_started  (NorthMcpProtocolHost *self,
                                                            NorthMcpContext      *context);
void              north_mcp_protocol_host_request_finished (NorthMcpProtocolHost *self,
                                                            NorthMcpContext      *context,
                                                            const GError         *error);

/* One line of the debug format on stderr, when the host's debug is on. */
void              north_mcp_protocol_host_debug            (NorthMcpProtocolHost     *self,
                                                            const char               *format,
                                                            ...) G_GNUC_PRINTF (2, 3);

/* The host's tracer, made on first use: asked only when
 * north_mcp_trace_request_may_begin() says a request may be traced, so
 * that a server without tracing pays nothing for it. */
NorthMcpTracer   *north_mcp_protocol_host_get_tracer       (NorthMcpProtocolHost     *self);
/* Whether the host's debug lines are on. */
gboolean          north_mcp_protocol_host_get_debug        (NorthMcpProtocolHost     *self);

/* Over the registries (north-mcp-protocol-host.c). */

/* The feature of @kind with @key (name, URI or URI template), or NULL. */
gpointer          north_mcp_protocol_host_lookup           (NorthMcpProtocolHost *self,
                                                            NorthMcpRegistryKind  kind,
                                                            const char           *key);
/* The features of @kind in the order they were added (the registry's
 * own array: do not modify it). */
GPtrArray        *north_mcp_protocol_host_get_features     (NorthMcpProtocolHost *self,
                                                            NorthMcpRegistryKind  kind);
/* Whether the host offers @capability ("tools", "resources", "prompts",
 * "completions", "logging") now. */
gboolean          north_mcp_protocol_host_has_capability   (NorthMcpProtocolHost *self,
                                                            const char           *capability);
/* The `capabilities` member of the initialize result (transfer full). */
JsonObject       *north_mcp_protocol_host_build_capabilities (NorthMcpProtocolHost   *self);
/* The `serverInfo` member, an Implementation (transfer full). */
JsonObject       *north_mcp_protocol_host_build_server_info  (NorthMcpProtocolHost   *self);

G_END_DECLS
