/* north-mcp-server.c: the server object
 *
 * NorthMcpServer holds its parts (feature registries, session manager,
 * authentication, custom routes, the 2026-07-28 revision's state, the
 * running transports) and announces what happens to sessions and
 * requests. Its settings and properties are in north-mcp-server-config.c,
 * north-mcp-server-http-config.c and north-mcp-server-properties.c, its
 * feature API in north-mcp-server-features.c.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-auth.h"
#include "north-mcp-broadcast-private.h"
#include "north-mcp-error.h"
#include "north-mcp-http-transport-private.h"
#include "north-mcp-log-private.h"
#include "north-mcp-revision-2026-private.h"
#include "north-mcp-registry-private.h"
#include "north-mcp-route-table-private.h"
#include "north-mcp-server-config-private.h"
#include "north-mcp-server-private.h"
#include "north-mcp-server-host-private.h"
#include "north-mcp-session-manager-private.h"
#include "north-mcp-session-private.h"
#include "north-mcp-stdio-transport-private.h"
#include "north-mcp-task-private.h"
#include "north-mcp-tracer-config-private.h"

/**
 * NorthMcpServer:
 *
 * An MCP server: the registry of tools (and resources and prompts), its
 * configuration, and the transports that serve it.
 *
 * A minimal North server in C:
 *
 * ```c
 * int
 * main (int argc, char **argv)
 * {
 *   g_autoptr(NorthMcpServer) server = north_mcp_server_new ("Demo", "1.0.0");
 *   g_autoptr(NorthMcpTool) tool = make_add_tool ();
 *
 *   north_mcp_server_set_port (server, 5222);
 *   north_mcp_server_add_tool (server, tool);
 *   return north_mcp_server_run (server, argc, argv);
 * }
 * ```
 *
 * [method@NorthMcp.Server.run] parses the command line every server shares
 * (`--transport`, `--host`, `--port`, `--stateless`, `--server-secret`, …),
 * serves until SIGINT or SIGTERM (or the end of standard input for stdio)
 * and returns the exit status.
 *
 * All of the server's work happens on the thread-default main context of
 * the thread that started it; handlers may complete from other threads.
 *
 * Since: 0.1
 */
struct _NorthMcpServer
{
  GObject                parent_instance;

  NorthMcpServerConfig   config;

  NorthMcpAuth          *auth;
  GMainContext          *main_context;

  NorthMcpRegistry      *registries[NORTH_MCP_N_REGISTRIES];
  GHashTable            *routes;    /* path -> NorthMcpRoute */
  NorthMcpSessionManager *sessions;

  NorthMcpHttpTransport *http;
  NorthMcpStdioTransport *stdio;
  GMainLoop             *loop;      /* while north_mcp_server_run() runs */

  NorthMcpRevision2026State *revision_2026;
  NorthMcpTracer        *tracer;    /* made on first use (atomic pointer) */

  guint                  requests_running; /* that handlers see */
  GTask                 *shutdown;  /* while a graceful shutdown waits */
};

G_DEFINE_FINAL_TYPE_WITH_CODE (NorthMcpServer, north_mcp_server, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (NORTH_MCP_TYPE_PROTOCOL_HOST,
                                                      north_mcp_server_protocol_host_init)
                               G_IMPLEMENT_INTERFACE (NORTH_MCP_TYPE_TRANSPORT_HOST,
                                                      north_mcp_server_transport_host_init))

enum {
  SIGNAL_SESSION_OPENED,
  SIGNAL_SESSION_CLOSED,
  SIGNAL_REQUEST_STARTED,
  SIGNAL_REQUEST_FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void schedule_session_expiry (NorthMcpServer *self);

/* Registry keys: tools and prompts by name, resources by URI, templates
 * by URI template. */
static const char *
feature_key (gpointer object)
{
  return north_mcp_feature_get_name (object);
}

static const char *
resource_key (gpointer object)
{
  return north_mcp_resource_get_uri (object);
}

static const char *
template_key (gpointer object)
{
  return north_mcp_resource_template_get_uri_template (object);
}

static void
north_mcp_server_dispose (GObject *object)
{
  NorthMcpServer *self = NORTH_MCP_SERVER (object);

  north_mcp_server_stop (self);
  g_clear_pointer (&self->routes, g_hash_table_unref);
  for (guint i = 0; i < NORTH_MCP_N_REGISTRIES; i++)
    g_clear_pointer (&self->registries[i], north_mcp_registry_free);
  g_clear_object (&self->auth);

  G_OBJECT_CLASS (north_mcp_server_parent_class)->dispose (object);
}

static void
north_mcp_server_finalize (GObject *object)
{
  NorthMcpServer *self = NORTH_MCP_SERVER (object);

  north_mcp_server_config_clear (&self->config);
  g_clear_pointer (&self->sessions, north_mcp_session_manager_free);
  g_clear_pointer (&self->revision_2026, north_mcp_revision_2026_state_free);
  g_clear_pointer (&self->main_context, g_main_context_unref);
  /* Spans still queued are sent before the tracer goes. */
  if (self->tracer != NULL)
    north_mcp_tracer_shutdown (self->tracer);
  g_clear_object (&self->tracer);

  G_OBJECT_CLASS (north_mcp_server_parent_class)->finalize (object);
}

static void
north_mcp_server_class_init (NorthMcpServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = north_mcp_server_dispose;
  object_class->finalize = north_mcp_server_finalize;
  north_mcp_server_config_install_properties (object_class);

  /**
   * NorthMcpServer::session-opened:
   * @server: the server
   * @session: the new session
   *
   * Emitted on the server's main context when a client opened a session
   * over HTTP (a Streamable HTTP `initialize` or a legacy SSE stream),
   * before its id is sent to the client. @session is not initialized yet.
   * Stateless HTTP and 2026-07-28 requests open no session.
   *
   * Since: 0.2
   */
  signals[SIGNAL_SESSION_OPENED] =
    g_signal_new ("session-opened", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, NORTH_MCP_TYPE_SESSION);

  /**
   * NorthMcpServer::session-closed:
   * @server: the server
   * @session: the session that ended
   *
   * Emitted on the server's main context when a session
   * [signal@NorthMcp.Server::session-opened] announced has ended: the
   * client deleted it or its stream ended, it was idle for longer than
   * [property@NorthMcp.Server:session-timeout], or the server stopped.
   * @session is closed and its id no longer answers.
   *
   * Since: 0.2
   */
  signals[SIGNAL_SESSION_CLOSED] =
    g_signal_new ("session-closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, NORTH_MCP_TYPE_SESSION);

  /**
   * NorthMcpServer::request-started:
   * @server: the server
   * @context: the request
   *
   * Emitted on the server's main context when a JSON-RPC request arrived,
   * on any transport, before its handler runs. @context tells the
   * request's method ([method@NorthMcp.Context.get_method]), id, session
   * (`NULL` for sessionless HTTP and 2026-07-28 requests), user and
   * protocol version. Handlers must not answer it.
   *
   * Requests the server refuses before a handler runs (an unknown method,
   * a session not initialized yet, an invalid `_meta` …) are announced
   * too, and finish at once. Notifications and responses are not
   * requests, and a message that is no request at all (no `method`) is
   * answered without being announced.
   *
   * Every request announced here is followed by one
   * [signal@NorthMcp.Server::request-finished] for the same @context.
   * Requests are announced only while a handler is connected to one of
   * the two signals; without one they cost nothing.
   *
   * Since: 0.2
   */
  signals[SIGNAL_REQUEST_STARTED] =
    g_signal_new ("request-started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, NORTH_MCP_TYPE_CONTEXT);

  /**
   * NorthMcpServer::request-finished:
   * @server: the server
   * @context: the request
   * @error: (nullable): how the request failed, or `NULL`
   *
   * Emitted on the server's main context when a request that
   * [signal@NorthMcp.Server::request-started] announced has ended, after
   * its answer was handed to the transport. @error is `NULL` when the
   * answer was a result (a tool result with `isError` is a result too);
   * an error of the [error@NorthMcp.JsonrpcError] domain with the code and
   * message of the JSON-RPC error the client got; or
   * `G_IO_ERROR_CANCELLED` when the request was cancelled, or its client
   * went away, and nothing was sent.
   *
   * Since: 0.2
   */
  signals[SIGNAL_REQUEST_FINISHED] =
    g_signal_new ("request-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, NORTH_MCP_TYPE_CONTEXT,
                  G_TYPE_ERROR | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
north_mcp_server_init (NorthMcpServer *self)
{
  north_mcp_server_config_init (&self->config);
  self->sessions = north_mcp_session_manager_new ();
  north_mcp_session_manager_set_broadcast_func (self->sessions, north_mcp_broadcast_receive, self);
  north_mcp_session_manager_set_timeout (self->sessions, NORTH_MCP_DEFAULT_SESSION_TIMEOUT_S);
  north_mcp_session_manager_set_max_sessions (self->sessions, NORTH_MCP_DEFAULT_MAX_SESSIONS);
  north_mcp_session_manager_set_max_per_owner (self->sessions, NORTH_MCP_DEFAULT_MAX_SESSIONS_PER_IDENTITY);
  north_mcp_kept_budget_set_limit (north_mcp_session_manager_get_kept_budget (self->sessions),
                                   NORTH_MCP_DEFAULT_MAX_SUBSCRIPTION_BYTES);
  self->auth = north_mcp_auth_new ();
  self->main_context = g_main_context_ref_thread_default ();
  self->registries[NORTH_MCP_REGISTRY_TOOLS] = north_mcp_registry_new (feature_key);
  self->registries[NORTH_MCP_REGISTRY_RESOURCES] = north_mcp_registry_new (resource_key);
  self->registries[NORTH_MCP_REGISTRY_RESOURCE_TEMPLATES] = north_mcp_registry_new (template_key);
  self->registries[NORTH_MCP_REGISTRY_PROMPTS] = north_mcp_registry_new (feature_key);
  self->routes = north_mcp_route_table_new ();
  self->revision_2026 = north_mcp_revision_2026_state_new ();
}

/**
 * north_mcp_server_new:
 * @name: the server's name
 * @version: the server's version
 *
 * Creates a server with no tools.
 *
 * Returns: (transfer full): a new server
 *
 * Since: 0.1
 */
NorthMcpServer *
north_mcp_server_new (const char *name,
                      const char *version)
{
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (version != NULL, NULL);

  return g_object_new (NORTH_MCP_TYPE_SERVER, "name", name, "version", version, NULL);
}

/**
 * north_mcp_server_get_bound_port:
 * @self: a server
 *
 * Gets the port the HTTP transport actually listens on, which differs from
 * the configured one when that was 0.
 *
 * Returns: the port, or 0 when not listening
 *
 * Since: 0.1
 */
guint
north_mcp_server_get_bound_port (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), 0);

  return self->http != NULL ? north_mcp_http_transport_get_port (self->http) : 0;
}

/**
 * north_mcp_server_get_auth:
 * @self: a server
 *
 * Gets the North authentication of the server's HTTP transports, to set a
 * server secret, trusted issuers or require-auth mode.
 *
 * Returns: (transfer none): the authentication
 *
 * Since: 0.1
 */
NorthMcpAuth *
north_mcp_server_get_auth (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), NULL);

  return self->auth;
}

/**
 * north_mcp_server_get_tracer:
 * @server: a server
 *
 * Gets the server's tracer, made and configured from the `OTEL_*`
 * environment variables on first use. Change its configuration before
 * the server serves.
 *
 * Returns: (transfer none): the tracer
 *
 * Since: 0.2
 */
NorthMcpTracer *
north_mcp_server_get_tracer (NorthMcpServer *server)
{
  static GMutex creating;
  NorthMcpTracer *tracer;

  g_return_val_if_fail (NORTH_MCP_IS_SERVER (server), NULL);

  tracer = g_atomic_pointer_get (&server->tracer);
  if (G_LIKELY (tracer != NULL))
    return tracer;

  /* Requests on worker threads may ask first, at the same time. */
  g_mutex_lock (&creating);
  tracer = server->tracer;
  if (tracer == NULL)
    {
      tracer = g_object_new (NORTH_MCP_TYPE_TRACER, NULL);
      north_mcp_tracer_configure_from_environment (tracer, server->config.name);
      g_atomic_pointer_set (&server->tracer, tracer);
    }
  g_mutex_unlock (&creating);
  return tracer;
}

NorthMcpTracer *
north_mcp_server_peek_tracer (NorthMcpServer *self)
{
  return g_atomic_pointer_get (&self->tracer);
}

/**
 * north_mcp_server_add_route:
 * @self: a server
 * @path: the path, such as `/ready`
 * @func: (scope notified) (closure user_data) (destroy destroy): answers
 *   the route
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data
 *
 * Serves a custom HTTP route next to the MCP endpoint, for readiness
 * probes, metrics or webhooks. Custom routes bypass North authentication.
 *
 * Since: 0.1
 */
void
north_mcp_server_add_route (NorthMcpServer    *self,
                            const char        *path,
                            NorthMcpRouteFunc  func,
                            gpointer           user_data,
                            GDestroyNotify     destroy)
{
  g_return_if_fail (NORTH_MCP_IS_SERVER (self));
  g_return_if_fail (path != NULL && path[0] == '/');
  g_return_if_fail (func != NULL);

  north_mcp_route_table_add (self->routes, path, func, user_data, destroy);
}

GHashTable *
north_mcp_server_get_routes (NorthMcpServer *self)
{
  return self->routes;
}

NorthMcpServerConfig *
north_mcp_server_get_config (NorthMcpServer *self)
{
  return &self->config;
}

gboolean
north_mcp_server_is_running (NorthMcpServer *self)
{
  return self->http != NULL || self->stdio != NULL;
}

NorthMcpRegistry *
north_mcp_server_get_registry (NorthMcpServer       *self,
                               NorthMcpRegistryKind  kind)
{
  return self->registries[kind];
}

NorthMcpSessionManager *
north_mcp_server_get_session_manager (NorthMcpServer *self)
{
  return self->sessions;
}

GMainContext *
north_mcp_server_get_main_context (NorthMcpServer *self)
{
  return self->main_context;
}

NorthMcpSession *
north_mcp_server_open_session (NorthMcpServer   *self,
                               NorthMcpChannel  *standalone,
                               NorthMcpUser     *owner,
                               GError          **error)
{
  NorthMcpSession *session = north_mcp_session_manager_open (self->sessions, standalone, owner, error);

  /* Checked first so that a server nobody watches pays no emission. */
  if (session != NULL && g_signal_has_handler_pending (self, signals[SIGNAL_SESSION_OPENED], 0, TRUE))
    g_signal_emit (self, signals[SIGNAL_SESSION_OPENED], 0, session);
  return session;
}

NorthMcpSession *
north_mcp_server_create_session (NorthMcpServer  *self,
                                 NorthMcpChannel *standalone)
{
  g_autoptr(GError) error = NULL;
  NorthMcpSession *session = north_mcp_server_open_session (self, standalone, NULL, &error);

  if (session == NULL)
    g_error ("%s", error->message);
  return session;
}

gboolean
north_mcp_server_sessions_full (NorthMcpServer *self)
{
  return north_mcp_session_manager_is_full (self->sessions);
}

NorthMcpSession *
north_mcp_server_find_session (NorthMcpServer *self,
                               const char     *id,
                               NorthMcpUser   *user)
{
  return north_mcp_session_manager_find (self->sessions, id, user);
}

NorthMcpSession *
north_mcp_server_lookup_session (NorthMcpServer *self,
                                 const char     *id)
{
  return north_mcp_session_manager_lookup (self->sessions, id);
}

void
north_mcp_server_close_session (NorthMcpServer  *self,
                                NorthMcpSession *session)
{
  /* Announced once, only while it is still registered; kept alive past
   * its removal for the handlers. */
  gboolean announce = g_signal_has_handler_pending (self, signals[SIGNAL_SESSION_CLOSED], 0, TRUE) &&
    north_mcp_session_manager_lookup (self->sessions, north_mcp_session_get_id (session)) == session;
  g_autoptr(NorthMcpSession) closed = announce ? g_object_ref (session) : NULL;

  north_mcp_session_manager_close (self->sessions, session);
  if (announce)
    g_signal_emit (self, signals[SIGNAL_SESSION_CLOSED], 0, closed);
}

/* Asked once per request. Handlers come and go at any time, from any
 * thread, unannounced: nothing is cached. A server without any handler
 * (the usual case) is told in one look (~260 instructions) for both
 * signals, whose handlers all have detail 0 (they are not detailed);
 * only one with some handler pays for the two exact looks (~310 each).
 * Overridden class closures, which those count too, need a derived type. */
gboolean
north_mcp_server_watches_requests (NorthMcpServer *self)
{
  if (g_signal_handler_find (self, G_SIGNAL_MATCH_DETAIL, 0, 0, NULL, NULL, NULL) == 0)
    return FALSE;

  return g_signal_has_handler_pending (self, signals[SIGNAL_REQUEST_STARTED], 0, TRUE) ||
         g_signal_has_handler_pending (self, signals[SIGNAL_REQUEST_FINISHED], 0, TRUE);
}

void
north_mcp_server_request_started (NorthMcpServer  *self,
                                  NorthMcpContext *context)
{
  g_signal_emit (self, signals[SIGNAL_REQUEST_STARTED], 0, context);
}

void
north_mcp_server_request_finished (NorthMcpServer  *self,
                                   NorthMcpContext *context,
                                   const GError    *error)
{
  g_signal_emit (self, signals[SIGNAL_REQUEST_FINISHED], 0, context, error);
}

GList *
north_mcp_server_get_sessions (NorthMcpServer *self)
{
  return north_mcp_session_manager_get_sessions (self->sessions);
}

void
north_mcp_server_debug_valist (NorthMcpServer *self,
                               const char     *format,
                               va_list         args)
{
  g_autofree char *logger = NULL;

  if (!north_mcp_server_get_debug (self))
    return;

  logger = g_strdup_printf ("NorthMCP.%s", self->config.name);
  north_mcp_log_message (logger, "DEBUG", format, args);
}

void
north_mcp_server_debug (NorthMcpServer *self,
                        const char     *format,
                        ...)
{
  va_list args;

  va_start (args, format);
  north_mcp_server_debug_valist (self, format, args);
  va_end (args);
}

static void
stdio_closed_cb (NorthMcpStdioTransport *transport,
                 NorthMcpServer         *self)
{
  if (self->loop != NULL)
    g_main_loop_quit (self->loop);
}

/**
 * north_mcp_server_start:
 * @self: a server
 * @transport: how to serve
 * @error: return location for a [struct@GLib.Error]
 *
 * Starts serving on the thread-default main context, without blocking:
 * stdio reads standard input (standard output is then the protocol's: a
 * program that does not use [method@NorthMcp.Server.run] keeps GLib's
 * debug and info log lines off it with
 * `g_log_writer_default_set_use_stderr (TRUE)` before any thread starts,
 * or a writer of its own); the HTTP transports listen on
 * [property@NorthMcp.Server:host] and [property@NorthMcp.Server:port]
 * (Streamable HTTP, the deprecated HTTP+SSE endpoints, the health check
 * and custom routes share one port). %NORTH_MCP_TRANSPORT_SSE needs
 * sessions: a [property@NorthMcp.Server:stateless] server refuses it
 * with %NORTH_MCP_ERROR_INVALID_CONFIGURATION.
 *
 * Returns: `TRUE` on success
 *
 * Since: 0.1
 */
gboolean
north_mcp_server_start (NorthMcpServer         *self,
                        NorthMcpTransportKind   transport,
                        GError                **error)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), FALSE);

  if (self->http != NULL || self->stdio != NULL)
    {
      g_set_error_literal (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED,
                           "The server is already running");
      return FALSE;
    }

  g_clear_pointer (&self->main_context, g_main_context_unref);
  self->main_context = g_main_context_ref_thread_default ();
  /* The North Python SDK's first line, for logs that are compared. */
  north_mcp_server_debug (self, "Debug mode enabled for North MCP Server");

  /* Its session is a GET /sse stream, which a stateless server does not
   * serve (north-mcp-http-routes.c). */
  if (transport == NORTH_MCP_TRANSPORT_SSE && self->config.stateless)
    {
      g_set_error_literal (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_CONFIGURATION,
                           "The HTTP+SSE transport needs sessions: a stateless server does not serve it");
      return FALSE;
    }

  if (transport == NORTH_MCP_TRANSPORT_STDIO && north_mcp_server_get_state_store (self) != NULL)
    {
      g_set_error_literal (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_CONFIGURATION,
                           "A state store is for HTTP servers: stdio serves one client");
      return FALSE;
    }

  if (transport == NORTH_MCP_TRANSPORT_STDIO)
    {
      NorthMcpSession *session = north_mcp_server_open_session (self, NULL, NULL, error);

      if (session == NULL)
        return FALSE;
      self->stdio = north_mcp_stdio_transport_new_for_stdio (NORTH_MCP_TRANSPORT_HOST (self), session);
      g_signal_connect (self->stdio, "closed", G_CALLBACK (stdio_closed_cb), self);
      north_mcp_stdio_transport_start (self->stdio);
      return TRUE;
    }

  if (!north_mcp_session_manager_open_store (self->sessions, error))
    return FALSE;
  if (north_mcp_session_manager_get_store (self->sessions) != NULL)
    north_mcp_revision_2026_state_share_key (self->revision_2026,
                                             north_mcp_session_manager_get_store (self->sessions));
  self->http = north_mcp_http_transport_new (NORTH_MCP_TRANSPORT_HOST (self));
  if (!north_mcp_http_transport_listen (self->http, self->config.host, self->config.port, error))
    {
      g_clear_object (&self->http);
      north_mcp_session_manager_close_store (self->sessions);
      return FALSE;
    }

  schedule_session_expiry (self);
  return TRUE;
}

/* Graceful shutdown: what a drain waits for, checked a few times a second
 * (cheaper and simpler than a notification from every place a request
 * can end, and bounded by the timeout). */

#define SHUTDOWN_POLL_MS 50

typedef struct
{
  GSource *poll;
  gint64   deadline;  /* monotonic µs */
  gboolean decided;   /* @error (NULL: drained) is the outcome */
  GError  *error;
} Drain;

static void
drain_free (Drain *drain)
{
  if (drain->poll != NULL)
    g_source_destroy (drain->poll);
  g_clear_pointer (&drain->poll, g_source_unref);
  g_clear_error (&drain->error);
  g_free (drain);
}

void
north_mcp_server_count_request (NorthMcpServer *self,
                                gboolean        running)
{
  if (running)
    self->requests_running++;
  else if (self->requests_running > 0)
    self->requests_running--;
}

static gboolean
drained (NorthMcpServer *self)
{
  return self->requests_running == 0 && (self->http == NULL || !north_mcp_http_transport_is_busy (self->http));
}

static gboolean
shutdown_poll_cb (gpointer user_data)
{
  NorthMcpServer *self = user_data;
  GTask *task = self->shutdown;
  Drain *drain = g_task_get_task_data (task);

  if (!g_cancellable_set_error_if_cancelled (g_task_get_cancellable (task), &drain->error) &&
      !drained (self))
    {
      if (g_get_monotonic_time () < drain->deadline)
        return G_SOURCE_CONTINUE;
      drain->error = g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                  "%u requests still ran after the shutdown timeout",
                                  self->requests_running);
    }

  drain->decided = TRUE;
  north_mcp_server_stop (self);
  return G_SOURCE_REMOVE;
}

/* Called by north_mcp_server_stop(), which ends every shutdown. */
static void
complete_shutdown (GTask    *task,
                   gboolean  was_drained)
{
  Drain *drain = g_task_get_task_data (task);

  /* The poll ends with the shutdown: the answer may wait for an idle
   * (stop() called outside the main loop), and a poll due meanwhile
   * found no shutdown. */
  if (drain->poll != NULL)
    {
      g_source_destroy (drain->poll);
      g_clear_pointer (&drain->poll, g_source_unref);
    }
  if (drain->decided && drain->error != NULL)
    g_task_return_error (task, g_steal_pointer (&drain->error));
  else if (drain->decided || was_drained)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                             "The server was stopped before its requests ended");
}

/**
 * north_mcp_server_shutdown_async:
 * @self: a server
 * @cancellable: (nullable): cancel it to stop at once
 * @callback: (scope async): called once the server has stopped
 * @user_data: (closure): data for @callback
 *
 * Stops the server gracefully, as a rolling restart wants it: HTTP
 * connections are no longer accepted (the listening sockets close, so a
 * load balancer or client goes to another replica), every answer from now
 * on says `Connection: close`, and the 2026-07-28 revision's listen
 * streams end. The requests that run go on: the server stops (as
 * [method@NorthMcp.Server.stop] does) once none is left, after
 * [property@NorthMcp.Server:shutdown-timeout] seconds at the most, or when
 * @cancellable is cancelled. Requests that keep-alive connections bring in
 * meanwhile are served too (a client's answer to an elicitation is one).
 *
 * Tasks (tools run as tasks) are not waited for, nor are GET streams,
 * which never end by themselves.
 *
 * Since: 0.2
 */
void
north_mcp_server_shutdown_async (NorthMcpServer      *self,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Drain *drain;

  g_return_if_fail (NORTH_MCP_IS_SERVER (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, north_mcp_server_shutdown_async);
  if (self->shutdown != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING, "The server is shutting down already");
      return;
    }

  drain = g_new0 (Drain, 1);
  drain->deadline = g_get_monotonic_time () + (gint64) self->config.shutdown_timeout * G_USEC_PER_SEC;
  g_task_set_task_data (task, drain, (GDestroyNotify) drain_free);
  self->shutdown = g_steal_pointer (&task);

  north_mcp_server_debug (self, "Shutting down: %u requests run, waiting for them %u s at most",
                          self->requests_running, self->config.shutdown_timeout);
  /* Endless by design: their clients listen again elsewhere. */
  north_mcp_revision_2026_close_listeners (NORTH_MCP_PROTOCOL_HOST (self));
  if (self->http != NULL)
    north_mcp_http_transport_drain (self->http);

  drain->poll = g_timeout_source_new (SHUTDOWN_POLL_MS);
  g_source_set_callback (drain->poll, shutdown_poll_cb, self, NULL);
  g_source_set_static_name (drain->poll, "[north-mcp] shutdown");
  g_source_attach (drain->poll, g_task_get_context (self->shutdown));
}

/**
 * north_mcp_server_shutdown_finish:
 * @self: a server
 * @result: the result given to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@NorthMcp.Server.shutdown_async]. The server has stopped
 * either way.
 *
 * Returns: `TRUE` when every request had ended; `FALSE` with
 *   `G_IO_ERROR_TIMED_OUT` when the timeout cut some,
 *   `G_IO_ERROR_CANCELLED` when it was cancelled or the server was
 *   stopped meanwhile, or `G_IO_ERROR_PENDING` when a shutdown was
 *   already under way (that one goes on)
 *
 * Since: 0.2
 */
gboolean
north_mcp_server_shutdown_finish (NorthMcpServer  *self,
                                  GAsyncResult    *result,
                                  GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == north_mcp_server_shutdown_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * north_mcp_server_stop:
 * @self: a server
 *
 * Stops serving at once: closes open streams and sessions, stops
 * listening, and makes a running [method@NorthMcp.Server.run] return.
 * Requests that still run are cut (their clients get no answer); see
 * [method@NorthMcp.Server.shutdown_async] for the graceful way.
 *
 * Since: 0.1
 */
void
north_mcp_server_stop (NorthMcpServer *self)
{
  g_autoptr(GTask) shutdown = NULL;
  gboolean was_drained;

  g_return_if_fail (NORTH_MCP_IS_SERVER (self));

  shutdown = g_steal_pointer (&self->shutdown);
  was_drained = drained (self);

  north_mcp_revision_2026_close_listeners (NORTH_MCP_PROTOCOL_HOST (self));
  north_mcp_tasks_stop (NORTH_MCP_PROTOCOL_HOST (self));
  if (self->sessions != NULL)
    north_mcp_session_manager_stop_expiry (self->sessions);

  if (self->http != NULL)
    {
      north_mcp_http_transport_stop (self->http);
      g_clear_object (&self->http);
      /* libsoup closed them. */
      g_clear_pointer (&self->config.listen_sockets, g_ptr_array_unref);
    }
  if (self->sessions != NULL)
    north_mcp_session_manager_close_store (self->sessions);

  if (self->stdio != NULL)
    {
      g_signal_handlers_disconnect_by_func (self->stdio, stdio_closed_cb, self);
      north_mcp_stdio_transport_stop (self->stdio);
      g_clear_object (&self->stdio);
    }

  if (self->sessions != NULL && g_signal_has_handler_pending (self, signals[SIGNAL_SESSION_CLOSED], 0, TRUE))
    {
      GList *sessions = north_mcp_session_manager_get_sessions (self->sessions);

      for (GList *l = sessions; l != NULL; l = l->next)
        north_mcp_server_close_session (self, l->data);
      g_list_free (sessions);
    }
  if (self->sessions != NULL)
    north_mcp_session_manager_close_all (self->sessions);

  if (self->loop != NULL)
    g_main_loop_quit (self->loop);
  if (shutdown != NULL)
    complete_shutdown (shutdown, was_drained);
}

/* For north_mcp_server_run(), in north-mcp-options.c. */
void
_north_mcp_server_set_loop (NorthMcpServer *self,
                            GMainLoop      *loop)
{
  self->loop = loop;
}


NorthMcpRevision2026State *
north_mcp_server_get_revision_2026 (NorthMcpServer *self)
{
  return self->revision_2026;
}

/**
 * north_mcp_server_notify_resource_updated:
 * @self: a server
 * @uri: the URI of the resource that changed
 *
 * Tells the clients that subscribed to @uri (`resources/subscribe`) that
 * it changed (`notifications/resources/updated`). Other clients are not
 * told. 2026-07-28 clients get it on their `subscriptions/listen` streams
 * that asked for @uri. Safe to call from any thread. The sessions and
 * streams are found by @uri: an update costs its subscribers, not every
 * session or stream.
 *
 * Since: 0.1
 */
void
north_mcp_server_notify_resource_updated (NorthMcpServer *self,
                                          const char     *uri)
{
  g_return_if_fail (NORTH_MCP_IS_SERVER (self));
  g_return_if_fail (uri != NULL);

  north_mcp_broadcast_resource_updated (NORTH_MCP_PROTOCOL_HOST (self), uri);
}

/**
 * north_mcp_server_log:
 * @self: a server
 * @level: the severity
 * @logger: (nullable): the logger's name
 * @data: any JSON value to log
 *
 * Sends `notifications/message` to every connected client whose log level
 * (`logging/setLevel`) lets @level through, on its standalone stream: for
 * messages that belong to no request. Within a handler, use
 * [method@NorthMcp.Context.log] instead, which travels with the request.
 * Safe to call from any thread.
 *
 * Since: 0.1
 */
void
north_mcp_server_log (NorthMcpServer   *self,
                      NorthMcpLogLevel  level,
                      const char       *logger,
                      JsonNode         *data)
{
  g_return_if_fail (NORTH_MCP_IS_SERVER (self));
  g_return_if_fail (level <= NORTH_MCP_LOG_LEVEL_EMERGENCY);
  g_return_if_fail (data != NULL);

  north_mcp_broadcast_log (NORTH_MCP_PROTOCOL_HOST (self), level, logger, data);
}

/* Idle session expiry (the timer lives in the session manager). */

guint
north_mcp_server_expire_idle_sessions (NorthMcpServer *self,
                                       gint64          now)
{
  g_autoptr(GPtrArray) expired = north_mcp_session_manager_take_idle (self->sessions, now);

  for (guint i = 0; i < expired->len; i++)
    {
      NorthMcpSession *session = g_ptr_array_index (expired, i);

      north_mcp_server_debug (self, "Session %.8s… idle for too long, ending it",
                              north_mcp_session_get_id (session));
      north_mcp_server_close_session (self, session);
    }

  return expired->len;
}

static gboolean
expire_sessions_cb (gpointer user_data)
{
  NorthMcpServer *self = user_data;

  north_mcp_server_expire_idle_sessions (self, g_get_monotonic_time ());
  return G_SOURCE_CONTINUE;
}

static void
schedule_session_expiry (NorthMcpServer *self)
{
  north_mcp_session_manager_schedule_expiry (self->sessions, self->main_context,
                                             expire_sessions_cb, self);
}

void
north_mcp_server_reschedule_session_expiry (NorthMcpServer *self)
{
  if (self->http != NULL)
    schedule_session_expiry (self);
}
