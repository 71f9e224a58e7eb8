/* north-mcp-server.c
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <stdio.h>
#include <string.h>


#include "north-mcp-auth.h"
#include "north-mcp-error.h"
#include "north-mcp-http-transport-private.h"
#include "north-mcp-log-private.h"
#include "north-mcp-modern-private.h"
#include "north-mcp-random-private.h"
#include "north-mcp-registry-private.h"
#include "north-mcp-origin-private.h"
#include "north-mcp-server-private.h"
#include "north-mcp-server-host-private.h"
#include "north-mcp-session-manager-private.h"
#include "north-mcp-session-private.h"
#include "north-mcp-stdio-transport-private.h"
#include "north-mcp-tool-private.h"
#include "north-mcp-util-private.h"

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
 * north_mcp_server_run() parses the command line every server shares
 * (`--transport`, `--host`, `--port`, `--stateless`, `--server-secret`, …),
 * serves until SIGINT or SIGTERM (or the end of standard input for stdio)
 * and returns the exit status.
 *
 * All of the server's work happens on the thread-default main context of
 * the thread that started it; handlers may complete from other threads.
 */
struct _NorthMcpServer
{
  GObject                parent_instance;

  char                  *name;
  char                  *version;
  char                  *title;
  char                  *instructions;
  char                  *host;
  guint                  port;
  gboolean               stateless;
  gboolean               health_check;
  char                  *mcp_path;         /* NULL: /mcp */
  gsize                  max_body_size;
  guint                  idle_timeout;     /* seconds */
  guint64                max_unsent_bytes;
  guint                  workers;
  guint                  page_size;
  guint                  request_timeout;
  GStrv                  allowed_origins;  /* normalized */
  GStrv                  allowed_hosts;    /* normalized */

  NorthMcpAuth          *auth;
  GMainContext          *main_context;

  NorthMcpRegistry      *registries[NORTH_MCP_N_REGISTRIES];
  GHashTable            *routes;    /* path -> NorthMcpRoute */
  NorthMcpSessionManager *sessions;

  NorthMcpHttpTransport *http;
  NorthMcpStdioTransport *stdio;
  GMainLoop             *loop;      /* while north_mcp_server_run() runs */

  /* The stateless revision (north-mcp-modern.c). */
  guint8                 state_key[32];
  guint                  request_state_lifetime;
  GHashTable            *cache_hints;  /* method -> CacheHint */
  GPtrArray             *listeners;    /* NorthMcpContext of subscriptions/listen */
};

G_DEFINE_FINAL_TYPE_WITH_CODE (NorthMcpServer, north_mcp_server, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (NORTH_MCP_TYPE_TRANSPORT_HOST,
                                                      north_mcp_server_transport_host_init))

enum {
  PROP_0,
  PROP_NAME,
  PROP_VERSION,
  PROP_TITLE,
  PROP_INSTRUCTIONS,
  PROP_HOST,
  PROP_PORT,
  PROP_STATELESS,
  PROP_DEBUG,
  PROP_HEALTH_CHECK,
  PROP_MAX_BODY_SIZE,
  PROP_PAGE_SIZE,
  PROP_REQUEST_TIMEOUT,
  PROP_SESSION_TIMEOUT,
  PROP_MAX_SESSIONS,
  PROP_AUTH,
  PROP_REQUEST_STATE_LIFETIME,
  PROP_WORKERS,
  PROP_IDLE_TIMEOUT,
  PROP_MAX_UNSENT_BYTES,
  PROP_ALLOWED_ORIGINS,
  PROP_ALLOWED_HOSTS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_SESSION_OPENED,
  SIGNAL_SESSION_CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

#define DEFAULT_MAX_BODY_SIZE (4 * 1024 * 1024)
#define DEFAULT_IDLE_TIMEOUT_S 60
#define DEFAULT_MAX_UNSENT_BYTES (4 * 1024 * 1024)
#define DEFAULT_PAGE_SIZE 100
#define DEFAULT_REQUEST_TIMEOUT_MS 60000
#define DEFAULT_REQUEST_STATE_LIFETIME_MS (10 * 60 * 1000)

typedef struct
{
  guint              ttl_ms;
  NorthMcpCacheScope scope;
} CacheHint;
#define DEFAULT_SESSION_TIMEOUT_S (30 * 60)
#define DEFAULT_MAX_SESSIONS 10000

const char * const north_mcp_supported_protocol_versions[] = {
  "2024-11-05",
  "2025-03-26",
  "2025-06-18",
  "2025-11-25",
  NULL
};

gboolean
north_mcp_protocol_version_is_supported (const char *version)
{
  return version != NULL && g_strv_contains (north_mcp_supported_protocol_versions, version);
}

static void
route_free (NorthMcpRoute *route)
{
  if (route->destroy != NULL)
    route->destroy (route->user_data);
  g_free (route->path);
  g_free (route);
}

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
  g_clear_pointer (&self->listeners, g_ptr_array_unref);
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

  g_free (self->name);
  g_free (self->version);
  g_free (self->title);
  g_free (self->instructions);
  g_free (self->host);
  g_free (self->mcp_path);
  g_strfreev (self->allowed_origins);
  g_strfreev (self->allowed_hosts);
  g_clear_pointer (&self->sessions, north_mcp_session_manager_free);
  g_clear_pointer (&self->cache_hints, g_hash_table_unref);
  g_clear_pointer (&self->main_context, g_main_context_unref);

  G_OBJECT_CLASS (north_mcp_server_parent_class)->finalize (object);
}

static void
north_mcp_server_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  NorthMcpServer *self = NORTH_MCP_SERVER (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_VERSION:
      g_value_set_string (value, self->version);
      break;
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case PROP_INSTRUCTIONS:
      g_value_set_string (value, self->instructions);
      break;
    case PROP_HOST:
      g_value_set_string (value, self->host);
      break;
    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;
    case PROP_STATELESS:
      g_value_set_boolean (value, self->stateless);
      break;
    case PROP_DEBUG:
      g_value_set_boolean (value, north_mcp_server_get_debug (self));
      break;
    case PROP_HEALTH_CHECK:
      g_value_set_boolean (value, self->health_check);
      break;
    case PROP_MAX_BODY_SIZE:
      g_value_set_uint64 (value, self->max_body_size);
      break;
    case PROP_IDLE_TIMEOUT:
      g_value_set_uint (value, self->idle_timeout);
      break;
    case PROP_MAX_UNSENT_BYTES:
      g_value_set_uint64 (value, self->max_unsent_bytes);
      break;
    case PROP_PAGE_SIZE:
      g_value_set_uint (value, self->page_size);
      break;
    case PROP_REQUEST_TIMEOUT:
      g_value_set_uint (value, self->request_timeout);
      break;
    case PROP_SESSION_TIMEOUT:
      g_value_set_uint (value, north_mcp_session_manager_get_timeout (self->sessions));
      break;
    case PROP_MAX_SESSIONS:
      g_value_set_uint (value, north_mcp_session_manager_get_max_sessions (self->sessions));
      break;
    case PROP_AUTH:
      g_value_set_object (value, self->auth);
      break;
    case PROP_REQUEST_STATE_LIFETIME:
      g_value_set_uint (value, self->request_state_lifetime);
      break;
    case PROP_WORKERS:
      g_value_set_uint (value, self->workers);
      break;
    case PROP_ALLOWED_ORIGINS:
      g_value_set_boxed (value, self->allowed_origins);
      break;
    case PROP_ALLOWED_HOSTS:
      g_value_set_boxed (value, self->allowed_hosts);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
north_mcp_server_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  NorthMcpServer *self = NORTH_MCP_SERVER (object);

  switch (prop_id)
    {
    case PROP_NAME:
      self->name = g_value_dup_string (value);
      break;
    case PROP_VERSION:
      self->version = g_value_dup_string (value);
      break;
    case PROP_TITLE:
      north_mcp_server_set_title (self, g_value_get_string (value));
      break;
    case PROP_INSTRUCTIONS:
      north_mcp_server_set_instructions (self, g_value_get_string (value));
      break;
    case PROP_HOST:
      north_mcp_server_set_host (self, g_value_get_string (value));
      break;
    case PROP_PORT:
      north_mcp_server_set_port (self, g_value_get_uint (value));
      break;
    case PROP_STATELESS:
      north_mcp_server_set_stateless (self, g_value_get_boolean (value));
      break;
    case PROP_DEBUG:
      north_mcp_server_set_debug (self, g_value_get_boolean (value));
      break;
    case PROP_HEALTH_CHECK:
      north_mcp_server_set_health_check (self, g_value_get_boolean (value));
      break;
    case PROP_MAX_BODY_SIZE:
      north_mcp_server_set_max_body_size (self, g_value_get_uint64 (value));
      break;
    case PROP_IDLE_TIMEOUT:
      north_mcp_server_set_idle_timeout (self, g_value_get_uint (value));
      break;
    case PROP_MAX_UNSENT_BYTES:
      north_mcp_server_set_max_unsent_bytes (self, g_value_get_uint64 (value));
      break;
    case PROP_PAGE_SIZE:
      north_mcp_server_set_page_size (self, g_value_get_uint (value));
      break;
    case PROP_REQUEST_TIMEOUT:
      north_mcp_server_set_request_timeout (self, g_value_get_uint (value));
      break;
    case PROP_REQUEST_STATE_LIFETIME:
      north_mcp_server_set_request_state_lifetime (self, g_value_get_uint (value));
      break;
    case PROP_WORKERS:
      north_mcp_server_set_workers (self, g_value_get_uint (value));
      break;
    case PROP_SESSION_TIMEOUT:
      north_mcp_server_set_session_timeout (self, g_value_get_uint (value));
      break;
    case PROP_MAX_SESSIONS:
      north_mcp_server_set_max_sessions (self, g_value_get_uint (value));
      break;
    case PROP_ALLOWED_ORIGINS:
      north_mcp_server_set_allowed_origins (self, g_value_get_boxed (value));
      break;
    case PROP_ALLOWED_HOSTS:
      north_mcp_server_set_allowed_hosts (self, g_value_get_boxed (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
north_mcp_server_class_init (NorthMcpServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = north_mcp_server_dispose;
  object_class->finalize = north_mcp_server_finalize;
  object_class->get_property = north_mcp_server_get_property;
  object_class->set_property = north_mcp_server_set_property;

  /**
   * NorthMcpServer:name:
   *
   * The server's name, sent as `serverInfo.name`.
   */
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, "north-mcp-server",
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * NorthMcpServer:version:
   *
   * The server's version, sent as `serverInfo.version`.
   */
  properties[PROP_VERSION] =
    g_param_spec_string ("version", NULL, NULL, "0.0.0",
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * NorthMcpServer:title:
   *
   * A human-readable name, sent as `serverInfo.title`, or %NULL.
   */
  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL, rw);

  /**
   * NorthMcpServer:instructions:
   *
   * How to use the server, for the model: sent in the `initialize`
   * result, or %NULL.
   */
  properties[PROP_INSTRUCTIONS] = g_param_spec_string ("instructions", NULL, NULL, NULL, rw);

  /**
   * NorthMcpServer:host:
   *
   * The address HTTP transports listen on.
   */
  properties[PROP_HOST] = g_param_spec_string ("host", NULL, NULL, "127.0.0.1", rw);

  /**
   * NorthMcpServer:port:
   *
   * The port HTTP transports listen on; 0 picks a free one (see
   * north_mcp_server_get_bound_port()).
   */
  properties[PROP_PORT] = g_param_spec_uint ("port", NULL, NULL, 0, 65535, 8000, rw);

  /**
   * NorthMcpServer:stateless:
   *
   * Stateless JSON mode of Streamable HTTP, as North uses it: no sessions,
   * JSON responses, every POST self-contained. Off by default (stateful
   * sessions with SSE responses, which carry progress, logging and
   * server-to-client requests).
   */
  properties[PROP_STATELESS] = g_param_spec_boolean ("stateless", NULL, NULL, FALSE, rw);

  /**
   * NorthMcpServer:debug:
   *
   * Detailed authentication and request logging on standard error. Never
   * for production: it shows request headers (secrets cut short). Defaults
   * to the `DEBUG` environment variable (`true`, `1`, `yes`, `on`).
   */
  properties[PROP_DEBUG] = g_param_spec_boolean ("debug", NULL, NULL, FALSE, rw);

  /**
   * NorthMcpServer:health-check:
   *
   * Whether `GET /health` answers `200 OK` (outside authentication).
   */
  properties[PROP_HEALTH_CHECK] = g_param_spec_boolean ("health-check", NULL, NULL, TRUE, rw);

  /**
   * NorthMcpServer:max-body-size:
   *
   * The largest request body (or stdio line) accepted, in bytes; larger
   * HTTP bodies get `413`.
   */
  properties[PROP_MAX_BODY_SIZE] =
    g_param_spec_uint64 ("max-body-size", NULL, NULL, 1024, G_MAXSIZE, DEFAULT_MAX_BODY_SIZE, rw);

  /**
   * NorthMcpServer:page-size:
   *
   * How many items one page of a list (`tools/list`, …) holds.
   */
  properties[PROP_PAGE_SIZE] =
    g_param_spec_uint ("page-size", NULL, NULL, 1, G_MAXUINT, DEFAULT_PAGE_SIZE, rw);

  /**
   * NorthMcpServer:request-timeout:
   *
   * How long a request to the client (sampling, elicitation, roots) waits
   * for its answer, in milliseconds; 0 waits forever.
   */
  properties[PROP_REQUEST_TIMEOUT] =
    g_param_spec_uint ("request-timeout", NULL, NULL, 0, G_MAXUINT, DEFAULT_REQUEST_TIMEOUT_MS, rw);

  /**
   * NorthMcpServer:session-timeout:
   *
   * How long a Streamable HTTP session may stay idle, in seconds, before
   * the server ends it (its id then answers `404`); 0 keeps idle sessions
   * forever. A session is idle while no request of it is running, no
   * request to its client is pending and no standalone (GET) stream is
   * open; its idle time counts from the later of its last message, its
   * last answer and the moment it stopped being busy (to within a check
   * interval, at most a minute). Default: 30 minutes. Stdio sessions never
   * expire.
   */
  properties[PROP_SESSION_TIMEOUT] =
    g_param_spec_uint ("session-timeout", NULL, NULL, 0, G_MAXUINT, DEFAULT_SESSION_TIMEOUT_S, rw);

  /**
   * NorthMcpServer:max-sessions:
   *
   * How many sessions may live at once over HTTP (Streamable HTTP and the
   * legacy HTTP+SSE transport together); 0 for no limit. An `initialize`
   * (or a legacy `GET /sse`) beyond it is answered `503 Service
   * Unavailable` with `Retry-After`; the sessions that exist are not
   * touched. Sessions end by `DELETE`, by closing a legacy stream, or by
   * expiry (#NorthMcpServer:session-timeout). Default: 10000.
   *
   * Since: 0.2
   */
  properties[PROP_MAX_SESSIONS] =
    g_param_spec_uint ("max-sessions", NULL, NULL, 0, G_MAXUINT, DEFAULT_MAX_SESSIONS, rw);

  /**
   * NorthMcpServer:auth:
   *
   * The North authentication the HTTP transports apply.
   */
  properties[PROP_AUTH] =
    g_param_spec_object ("auth", NULL, NULL, NORTH_MCP_TYPE_AUTH,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * NorthMcpServer:request-state-lifetime:
   *
   * How long the `requestState` of an input-required result (protocol
   * revision 2026-07-28) stays valid, in milliseconds. A retry with an
   * older state is rejected.
   */
  properties[PROP_REQUEST_STATE_LIFETIME] =
    g_param_spec_uint ("request-state-lifetime", NULL, NULL, 0, G_MAXUINT,
                       DEFAULT_REQUEST_STATE_LIFETIME_MS, rw);

  /**
   * NorthMcpServer:workers:
   *
   * How many processes north_mcp_server_run() serves the HTTP port with.
   * With more than one, the process forks that many minus one workers
   * before it starts; each has its own socket on the same port
   * (`SO_REUSEPORT`: the kernel spreads connections over them) and its own
   * main loop, so tools never run concurrently within one process. Only
   * for stateless servers: a session lives in the process that created
   * it, so stateful servers refuse more than one worker (scale them with
   * one process per port behind a load balancer that routes by
   * `Mcp-Session-Id`). Not used by north_mcp_server_start().
   */
  properties[PROP_WORKERS] =
    g_param_spec_uint ("workers", NULL, NULL, 1, 256, 1, rw);

  /**
   * NorthMcpServer:idle-timeout:
   *
   * How long, in seconds, an HTTP keep-alive connection may wait for its
   * next request before the server closes it; `0` keeps idle connections
   * open until the client closes them. A connection with a request in
   * progress or an open SSE stream is never idle. It also bounds how long
   * a request's headers may take to arrive, and it is the write timeout: a
   * connection whose client has acknowledged none of the output waiting
   * for it for this long is closed (`0`: none of these). Checked once a
   * second.
   *
   * Since: 0.2
   */
  properties[PROP_IDLE_TIMEOUT] =
    g_param_spec_uint ("idle-timeout", NULL, NULL, 0, G_MAXUINT, DEFAULT_IDLE_TIMEOUT_S, rw);

  /**
   * NorthMcpServer:max-unsent-bytes:
   *
   * How much of a streamed HTTP response (an SSE stream) may wait for a
   * client that does not read it, in bytes, before the server closes the
   * connection. Events of resumable streams stay in the session's event
   * store, so the client can reconnect with `Last-Event-ID`.
   *
   * Since: 0.2
   */
  properties[PROP_MAX_UNSENT_BYTES] =
    g_param_spec_uint64 ("max-unsent-bytes", NULL, NULL, 1024, G_MAXUINT64,
                         DEFAULT_MAX_UNSENT_BYTES, rw);

  /**
   * NorthMcpServer:allowed-origins:
   *
   * The web origins (`scheme://host[:port]`) whose pages may use the MCP
   * endpoints from a browser. A request to `/mcp`, `/sse` or `/messages/`
   * that carries an `Origin` header is answered `403` unless its origin is
   * listed here or, when the server listens on a loopback address, is an
   * `http(s)` origin on `localhost`, `127.0.0.1` or `[::1]` (any port).
   * Listed origins get CORS answers: preflight `OPTIONS` requests and the
   * `Access-Control-*` headers that let the page read responses and their
   * `Mcp-Session-Id`. Requests without `Origin` (non-browser clients) are
   * not affected.
   *
   * Entries are kept in canonical form (lower case, without the default
   * port); an entry that is not an origin is ignored with a warning.
   *
   * Since: 0.2
   */
  properties[PROP_ALLOWED_ORIGINS] =
    g_param_spec_boxed ("allowed-origins", NULL, NULL, G_TYPE_STRV, rw);

  /**
   * NorthMcpServer:allowed-hosts:
   *
   * The names (`name`, any port, or `name:port`) the MCP endpoints accept
   * in the `Host` header, against DNS rebinding. On a loopback address the
   * loopback names are accepted as well; with none listed, a server on
   * another address accepts any `Host` and warns at start.
   *
   * Since: 0.2
   */
  properties[PROP_ALLOWED_HOSTS] =
    g_param_spec_boxed ("allowed-hosts", NULL, NULL, G_TYPE_STRV, rw);

  g_object_class_install_properties (object_class, N_PROPS, properties);

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
}

static void
north_mcp_server_init (NorthMcpServer *self)
{
  self->host = g_strdup ("127.0.0.1");
  self->port = 8000;
  self->health_check = TRUE;
  self->max_body_size = DEFAULT_MAX_BODY_SIZE;
  self->idle_timeout = DEFAULT_IDLE_TIMEOUT_S;
  self->max_unsent_bytes = DEFAULT_MAX_UNSENT_BYTES;
  self->workers = 1;
  self->page_size = DEFAULT_PAGE_SIZE;
  self->request_timeout = DEFAULT_REQUEST_TIMEOUT_MS;
  self->sessions = north_mcp_session_manager_new ();
  north_mcp_session_manager_set_timeout (self->sessions, DEFAULT_SESSION_TIMEOUT_S);
  north_mcp_session_manager_set_max_sessions (self->sessions, DEFAULT_MAX_SESSIONS);
  self->auth = north_mcp_auth_new ();
  self->main_context = g_main_context_ref_thread_default ();
  self->registries[NORTH_MCP_REGISTRY_TOOLS] = north_mcp_registry_new (feature_key);
  self->registries[NORTH_MCP_REGISTRY_RESOURCES] = north_mcp_registry_new (resource_key);
  self->registries[NORTH_MCP_REGISTRY_RESOURCE_TEMPLATES] = north_mcp_registry_new (template_key);
  self->registries[NORTH_MCP_REGISTRY_PROMPTS] = north_mcp_registry_new (feature_key);
  self->routes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) route_free);
  self->request_state_lifetime = DEFAULT_REQUEST_STATE_LIFETIME_MS;
  self->cache_hints = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->listeners = g_ptr_array_new_with_free_func (g_object_unref);
  /* Signs the requestState this server hands out; never leaves the
   * process. */
  if (!north_mcp_random_bytes (self->state_key, sizeof self->state_key, NULL))
    g_error ("Cannot seed the request-state key: no randomness available");
}

/**
 * north_mcp_server_new:
 * @name: the server's name
 * @version: the server's version
 *
 * Creates a server with no tools.
 *
 * Returns: (transfer full): a new server
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
 * north_mcp_server_get_name:
 * @self: a server
 *
 * Gets the server's name.
 *
 * Returns: the name
 */
const char *
north_mcp_server_get_name (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), NULL);

  return self->name;
}

/**
 * north_mcp_server_get_version:
 * @self: a server
 *
 * Gets the server's version.
 *
 * Returns: the version
 */
const char *
north_mcp_server_get_version (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), NULL);

  return self->version;
}

/**
 * north_mcp_server_get_title:
 * @self: a server
 *
 * Gets the server's display title.
 *
 * Returns: (nullable): the title
 */
const char *
north_mcp_server_get_title (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), NULL);

  return self->title;
}

/**
 * north_mcp_server_set_title:
 * @self: a server
 * @title: (nullable): a display title
 *
 * Sets the server's display title.
 */
void
north_mcp_server_set_title (NorthMcpServer *self,
                            const char     *title)
{
  g_return_if_fail (NORTH_MCP_IS_SERVER (self));

  if (north_mcp_set_str (&self->title, title))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
}

/**
 * north_mcp_server_get_instructions:
 * @self: a server
 *
 * Gets the server's instructions for the model.
 *
 * Returns: (nullable): the instructions
 */
const char *
north_mcp_server_get_instructions (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), NULL);

  return self->instructions;
}

/**
 * north_mcp_server_set_instructions:
 * @self: a server
 * @instructions: (nullable): how to use the server
 *
 * Sets the server's instructions for the model.
 */
void
north_mcp_server_set_instructions (NorthMcpServer *self,
                                   const char     *instructions)
{
  g_return_if_fail (NORTH_MCP_IS_SERVER (self));

  if (north_mcp_set_str (&self->instructions, instructions))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INSTRUCTIONS]);
}

/**
 * north_mcp_server_get_host:
 * @self: a server
 *
 * Gets the address HTTP transports listen on.
 *
 * Returns: the address
 */
const char *
north_mcp_server_get_host (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), NULL);

  return self->host;
}

/**
 * north_mcp_server_set_host:
 * @self: a server
 * @host: an IP address or `localhost`
 *
 * Sets the address HTTP transports listen on. On a loopback address the
 * MCP endpoints accept the loopback names in the `Host` and `Origin`
 * headers besides [property@NorthMcp.Server:allowed-hosts] and
 * [property@NorthMcp.Server:allowed-origins], to defeat DNS rebinding.
 */
void
north_mcp_server_set_host (NorthMcpServer *self,
                           const char     *host)
{
  g_return_if_fail (NORTH_MCP_IS_SERVER (self));
  g_return_if_fail (host != NULL);

  if (north_mcp_set_str (&self->host, host))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HOST]);
}

typedef char *(*NormalizeFunc) (const char *value, GError **error);

/* Appends the canonical forms of @values to *@list (NULL when empty),
 * skipping invalid ones (with a warning) and ones already there. */
static void
add_normalized (GStrv              *list,
                const char * const *values,
                NormalizeFunc       normalize)
{
  g_autoptr(GPtrArray) result = g_ptr_array_new_null_terminated (0, g_free, TRUE);

  for (guint i = 0; *list != NULL && (*list)[i] != NULL; i++)
    g_ptr_array_add (result, g_strdup ((*list)[i]));

  for (guint i = 0; values != NULL && values[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *normalized = normalize (values[i], &error);

      /* g_log() rather than g_warning(): tests can expect it. */
      if (normalized == NULL)
        g_log (G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, "Ignoring %s", error->message);
      else if (!g_ptr_array_find_with_equal_func (result, normalized, g_str_equal, NULL))
        g_ptr_array_add (result, g_steal_pointer (&normalized));
    }

  g_strfreev (*list);
  *list = result->len > 0 ? (GStrv) g_ptr_array_steal (result, NULL) : NULL;
}

static gboolean
strv_equal0 (const char * const *a,
             const char * const *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return g_strv_equal (a, b);
}

/* Replaces (@replace) or extends *@list and notifies @pspec if it changed. */
static void
update_list (NorthMcpServer     *self,
             GStrv              *list,
             const char * const *values,
             gboolean            replace,
             NormalizeFunc       normalize,
             GParamSpec         *pspec)
{
  g_auto(GStrv) old = g_strdupv (*list);

  if (replace)
    g_clear_pointer (list, g_strfreev);
  add_normalized (list, values, normalize);
  if (!strv_equal0 ((const char * const *) old, (const char * const *) *list))
    g_object_notify_by_pspec (G_OBJECT (self), pspec);
}

/**
 * north_mcp_server_get_allowed_origins:
 * @self: a server
 *
 * Gets the web origins whose pages may use the MCP endpoints, see
 * [property@NorthMcp.Server:allowed-origins].
 *
 * Returns: (transfer none) (nullable) (array zero-terminated=1): the
 *   origins in canonical form, or %NULL for none
 *
 * Since: 0.2
 */
const char * const *
north_mcp_server_get_allowed_origins (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), NULL);

  return (const char * const *) self->allowed_origins;
}

/**
 * north_mcp_server_set_allowed_origins:
 * @self: a server
 * @origins: (nullable) (array zero-terminated=1): origins such as
 *   `https://app.example.com` or `http://localhost:6274`, or %NULL for none
 *
 * Replaces the web origins whose pages may use the MCP endpoints, see
 * [property@NorthMcp.Server:allowed-origins]. Entries that are not
 * origins are ignored with a warning.
 *
 * Since: 0.2
 */
void
north_mcp_server_set_allowed_origins (NorthMcpServer     *self,
                                      const char * const *origins)
{
  g_return_if_fail (NORTH_MCP_IS_SERVER (self));

  update_list (self, &self->allowed_origins, origins, TRUE, north_mcp_origin_normalize,
               properties[PROP_ALLOWED_ORIGINS]);
}

/**
 * north_mcp_server_add_allowed_origin:
 * @self: a server
 * @origin: an origin such as `https://app.example.com`
 *
 * Adds one web origin to [property@NorthMcp.Server:allowed-origins]
 * (`--allowed-origin` on the command line). An @origin that is not one is
 * ignored with a warning.
 *
 * Since: 0.2
 */
void
north_mcp_server_add_allowed_origin (NorthMcpServer *self,
                                     const char     *origin)
{
  const char *origins[] = { origin, NULL };

  g_return_if_fail (NORTH_MCP_IS_SERVER (self));
  g_return_if_fail (origin != NULL);

  update_list (self, &self->allowed_origins, origins, FALSE, north_mcp_origin_normalize,
               properties[PROP_ALLOWED_ORIGINS]);
}

/**
 * north_mcp_server_get_allowed_hosts:
 * @self: a server
 *
 * Gets the names the MCP endpoints accept in the `Host` header, see
 * [property@NorthMcp.Server:allowed-hosts].
 *
 * Returns: (transfer none) (nullable) (array zero-terminated=1): the
 *   hosts in canonical form, or %NULL for none
 *
 * Since: 0.2
 */
const char * const *
north_mcp_server_get_allowed_hosts (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), NULL);

  return (const char * const *) self->allowed_hosts;
}

/**
 * north_mcp_server_set_allowed_hosts:
 * @self: a server
 * @hosts: (nullable) (array zero-terminated=1): names such as
 *   `mcp.example.com` (any port) or `mcp.example.com:8443`, or %NULL for
 *   none
 *
 * Replaces the names the MCP endpoints accept in the `Host` header, see
 * [property@NorthMcp.Server:allowed-hosts]. Entries that cannot be a
 * `Host` value are ignored with a warning.
 *
 * Since: 0.2
 */
void
north_mcp_server_set_allowed_hosts (NorthMcpServer     *self,
                                    const char * const *hosts)
{
  g_return_if_fail (NORTH_MCP_IS_SERVER (self));

  update_list (self, &self->allowed_hosts, hosts, TRUE, north_mcp_origin_normalize_host,
               properties[PROP_ALLOWED_HOSTS]);
}

/**
 * north_mcp_server_add_allowed_host:
 * @self: a server
 * @host: a name such as `mcp.example.com` or `mcp.example.com:8443`
 *
 * Adds one name to [property@NorthMcp.Server:allowed-hosts]
 * (`--allowed-host` on the command line). A @host that cannot be a `Host`
 * value is ignored with a warning.
 *
 * Since: 0.2
 */
void
north_mcp_server_add_allowed_host (NorthMcpServer *self,
                                   const char     *host)
{
  const char *hosts[] = { host, NULL };

  g_return_if_fail (NORTH_MCP_IS_SERVER (self));
  g_return_if_fail (host != NULL);

  update_list (self, &self->allowed_hosts, hosts, FALSE, north_mcp_origin_normalize_host,
               properties[PROP_ALLOWED_HOSTS]);
}

/**
 * north_mcp_server_get_port:
 * @self: a server
 *
 * Gets the configured port.
 *
 * Returns: the port
 */
guint
north_mcp_server_get_port (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), 0);

  return self->port;
}

/**
 * north_mcp_server_set_port:
 * @self: a server
 * @port: a TCP port, or 0 for any free one
 *
 * Sets the port HTTP transports listen on.
 */
void
north_mcp_server_set_port (NorthMcpServer *self,
                           guint           port)
{
  g_return_if_fail (NORTH_MCP_IS_SERVER (self));
  g_return_if_fail (port <= 65535);

  if (self->port == port)
    return;

  self->port = port;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
}

/**
 * north_mcp_server_get_bound_port:
 * @self: a server
 *
 * Gets the port the HTTP transport actually listens on, which differs from
 * the configured one when that was 0.
 *
 * Returns: the port, or 0 when not listening
 */
guint
north_mcp_server_get_bound_port (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), 0);

  return self->http != NULL ? north_mcp_http_transport_get_port (self->http) : 0;
}

/**
 * north_mcp_server_get_stateless:
 * @self: a server
 *
 * Gets whether Streamable HTTP runs in stateless JSON mode.
 *
 * Returns: %TRUE in stateless mode
 */
gboolean
north_mcp_server_get_stateless (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), FALSE);

  return self->stateless;
}

/**
 * north_mcp_server_set_stateless:
 * @self: a server
 * @stateless: whether to run without sessions
 *
 * Switches Streamable HTTP between stateful sessions and stateless JSON
 * mode. Takes effect at the next north_mcp_server_start().
 */
void
north_mcp_server_set_stateless (NorthMcpServer *self,
                                gboolean        stateless)
{
  g_return_if_fail (NORTH_MCP_IS_SERVER (self));

  stateless = !!stateless;
  if (self->stateless == stateless)
    return;

  self->stateless = stateless;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATELESS]);
}

/**
 * north_mcp_server_get_debug:
 * @self: a server
 *
 * Gets whether debug logging is on.
 *
 * Returns: %TRUE when debug logging is on
 */
gboolean
north_mcp_server_get_debug (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), FALSE);

  return north_mcp_auth_get_debug (self->auth);
}

/**
 * north_mcp_server_set_debug:
 * @self: a server
 * @debug: whether to log details
 *
 * Switches debug logging on or off, overriding the `DEBUG` environment
 * variable.
 */
void
north_mcp_server_set_debug (NorthMcpServer *self,
                            gboolean        debug)
{
  g_return_if_fail (NORTH_MCP_IS_SERVER (self));

  if (north_mcp_auth_get_debug (self->auth) == !!debug)
    return;

  north_mcp_auth_set_debug (self->auth, debug);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DEBUG]);
}

/**
 * north_mcp_server_get_health_check:
 * @self: a server
 *
 * Gets whether `GET /health` is served.
 *
 * Returns: %TRUE when it is
 */
gboolean
north_mcp_server_get_health_check (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), FALSE);

  return self->health_check;
}

/**
 * north_mcp_server_set_health_check:
 * @self: a server
 * @enabled: whether to serve `GET /health`
 *
 * Switches the built-in health check route on or off.
 */
void
north_mcp_server_set_health_check (NorthMcpServer *self,
                                   gboolean        enabled)
{
  g_return_if_fail (NORTH_MCP_IS_SERVER (self));

  enabled = !!enabled;
  if (self->health_check == enabled)
    return;

  self->health_check = enabled;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HEALTH_CHECK]);
}

/**
 * north_mcp_server_get_path:
 * @self: a server
 *
 * Gets the path of the Streamable HTTP endpoint.
 *
 * Returns: the path, `/mcp` unless set
 *
 * Since: 0.2
 */
const char *
north_mcp_server_get_path (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), NULL);

  return self->mcp_path != NULL ? self->mcp_path : "/mcp";
}

/**
 * north_mcp_server_set_path:
 * @self: a server
 * @path: an absolute path such as `/mcp` or `/tools/v1/mcp`
 * @error: return location for a %NORTH_MCP_ERROR_INVALID_CONFIGURATION
 *
 * Sets the path of the Streamable HTTP endpoint (`--path`), before the
 * server starts. North authentication covers it wherever it is. The
 * legacy HTTP+SSE endpoints stay at `/sse` and `/messages/`, and
 * `/health` stays where it is: @path may not be one of them. A path is
 * at most 256 bytes of printable ASCII, starts with `/`, and has no
 * query, fragment, `//` or dot segments.
 *
 * Returns: whether @path was accepted
 *
 * Since: 0.2
 */
gboolean
north_mcp_server_set_path (NorthMcpServer  *self,
                           const char      *path,
                           GError         **error)
{
  g_autofree char *normal = NULL;
  gsize length;

  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  length = strlen (path);
  for (gsize i = 0; i < length; i++)
    if (path[i] <= ' ' || path[i] > '~' || path[i] == '?' || path[i] == '#' || path[i] == '%')
      length = 0;
  if (length == 0 || length > 256 || path[0] != '/' || strstr (path, "//") != NULL ||
      strstr (path, "/./") != NULL || strstr (path, "/../") != NULL ||
      g_str_has_suffix (path, "/.") || g_str_has_suffix (path, "/.."))
    {
      g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_CONFIGURATION,
                   "Invalid MCP endpoint path: use an absolute path such as /mcp");
      return FALSE;
    }
  /* One trailing slash is tolerated on requests, so it is not kept. */
  normal = length > 1 && path[length - 1] == '/' ? g_strndup (path, length - 1) : g_strdup (path);
  if (g_str_equal (normal, "/sse") || g_str_equal (normal, "/health") ||
      g_str_equal (normal, "/messages") || g_str_has_prefix (normal, "/messages/"))
    {
      g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_CONFIGURATION,
                   "Invalid MCP endpoint path %s: /sse, /messages/ and /health are taken", normal);
      return FALSE;
    }

  g_free (self->mcp_path);
  self->mcp_path = g_steal_pointer (&normal);
  return TRUE;
}

/**
 * north_mcp_server_get_max_body_size:
 * @self: a server
 *
 * Gets the largest accepted request body.
 *
 * Returns: the size in bytes
 */
gsize
north_mcp_server_get_max_body_size (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), 0);

  return self->max_body_size;
}

/**
 * north_mcp_server_set_max_body_size:
 * @self: a server
 * @max_body_size: the size in bytes, at least 1024
 *
 * Sets the largest accepted request body.
 */
void
north_mcp_server_set_max_body_size (NorthMcpServer *self,
                                    gsize           max_body_size)
{
  g_return_if_fail (NORTH_MCP_IS_SERVER (self));
  g_return_if_fail (max_body_size >= 1024);

  if (self->max_body_size == max_body_size)
    return;

  self->max_body_size = max_body_size;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_BODY_SIZE]);
}

/**
 * north_mcp_server_get_idle_timeout:
 * @self: a server
 *
 * Gets how long an idle HTTP keep-alive connection stays open.
 *
 * Returns: the timeout in seconds; `0`: no timeout
 *
 * Since: 0.2
 */
guint
north_mcp_server_get_idle_timeout (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), 0);

  return self->idle_timeout;
}

/**
 * north_mcp_server_set_idle_timeout:
 * @self: a server
 * @seconds: the timeout in seconds; `0`: no timeout
 *
 * Sets how long an idle HTTP keep-alive connection stays open (see
 * [property@NorthMcp.Server:idle-timeout]). Takes effect at once, also
 * while the server runs.
 *
 * Since: 0.2
 */
void
north_mcp_server_set_idle_timeout (NorthMcpServer *self,
                                   guint           seconds)
{
  g_return_if_fail (NORTH_MCP_IS_SERVER (self));

  if (self->idle_timeout == seconds)
    return;

  self->idle_timeout = seconds;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IDLE_TIMEOUT]);
}

/**
 * north_mcp_server_get_max_unsent_bytes:
 * @self: a server
 *
 * Gets how much of a streamed response may wait for a client that does
 * not read it.
 *
 * Returns: the size in bytes
 *
 * Since: 0.2
 */
guint64
north_mcp_server_get_max_unsent_bytes (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), 0);

  return self->max_unsent_bytes;
}

/**
 * north_mcp_server_set_max_unsent_bytes:
 * @self: a server
 * @max_unsent_bytes: the size in bytes, at least 1024
 *
 * Sets how much of a streamed response may wait for a client that does
 * not read it before the connection is closed (see
 * [property@NorthMcp.Server:max-unsent-bytes]).
 *
 * Since: 0.2
 */
void
north_mcp_server_set_max_unsent_bytes (NorthMcpServer *self,
                                       guint64         max_unsent_bytes)
{
  g_return_if_fail (NORTH_MCP_IS_SERVER (self));
  g_return_if_fail (max_unsent_bytes >= 1024);

  if (self->max_unsent_bytes == max_unsent_bytes)
    return;

  self->max_unsent_bytes = max_unsent_bytes;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_UNSENT_BYTES]);
}

/**
 * north_mcp_server_get_page_size:
 * @self: a server
 *
 * Gets how many items one page of a list holds.
 *
 * Returns: the page size
 */
guint
north_mcp_server_get_page_size (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), DEFAULT_PAGE_SIZE);

  return self->page_size;
}

/**
 * north_mcp_server_set_page_size:
 * @self: a server
 * @page_size: items per page, at least 1
 *
 * Sets how many items one page of a list holds.
 */
void
north_mcp_server_set_page_size (NorthMcpServer *self,
                                guint           page_size)
{
  g_return_if_fail (NORTH_MCP_IS_SERVER (self));
  g_return_if_fail (page_size >= 1);

  if (self->page_size == page_size)
    return;

  self->page_size = page_size;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAGE_SIZE]);
}

/**
 * north_mcp_server_get_request_timeout:
 * @self: a server
 *
 * Gets how long requests to the client wait for an answer.
 *
 * Returns: the timeout in milliseconds; 0 for none
 */
guint
north_mcp_server_get_request_timeout (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), 0);

  return self->request_timeout;
}

/**
 * north_mcp_server_set_request_timeout:
 * @self: a server
 * @timeout_ms: the timeout in milliseconds; 0 for none
 *
 * Sets how long requests to the client (sampling, elicitation, roots) wait
 * for an answer before they fail with %NORTH_MCP_ERROR_TIMED_OUT.
 */
void
north_mcp_server_set_request_timeout (NorthMcpServer *self,
                                      guint           timeout_ms)
{
  g_return_if_fail (NORTH_MCP_IS_SERVER (self));

  if (self->request_timeout == timeout_ms)
    return;

  self->request_timeout = timeout_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REQUEST_TIMEOUT]);
}

/**
 * north_mcp_server_get_session_timeout:
 * @self: a server
 *
 * Gets how long an idle Streamable HTTP session lives.
 *
 * Returns: the timeout in seconds; 0 for never
 */
guint
north_mcp_server_get_session_timeout (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), 0);

  return north_mcp_session_manager_get_timeout (self->sessions);
}

static void schedule_session_expiry (NorthMcpServer *self);

/**
 * north_mcp_server_set_session_timeout:
 * @self: a server
 * @timeout_s: the timeout in seconds; 0 for never
 *
 * Sets how long a Streamable HTTP session may stay idle before the server
 * ends it (see #NorthMcpServer:session-timeout).
 */
void
north_mcp_server_set_session_timeout (NorthMcpServer *self,
                                      guint           timeout_s)
{
  g_return_if_fail (NORTH_MCP_IS_SERVER (self));

  if (north_mcp_session_manager_get_timeout (self->sessions) == timeout_s)
    return;

  north_mcp_session_manager_set_timeout (self->sessions, timeout_s);
  if (self->http != NULL)
    schedule_session_expiry (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION_TIMEOUT]);
}

/**
 * north_mcp_server_get_max_sessions:
 * @self: a server
 *
 * Gets how many HTTP sessions may live at once.
 *
 * Returns: the limit; 0 for none
 *
 * Since: 0.2
 */
guint
north_mcp_server_get_max_sessions (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), 0);

  return north_mcp_session_manager_get_max_sessions (self->sessions);
}

/**
 * north_mcp_server_set_max_sessions:
 * @self: a server
 * @max_sessions: the limit; 0 for none
 *
 * Sets how many HTTP sessions may live at once (see
 * [property@NorthMcp.Server:max-sessions]). Lowering it below the number
 * of live sessions ends none of them; new ones are refused until enough
 * have ended.
 *
 * Since: 0.2
 */
void
north_mcp_server_set_max_sessions (NorthMcpServer *self,
                                   guint           max_sessions)
{
  g_return_if_fail (NORTH_MCP_IS_SERVER (self));

  if (north_mcp_session_manager_get_max_sessions (self->sessions) == max_sessions)
    return;

  north_mcp_session_manager_set_max_sessions (self->sessions, max_sessions);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_SESSIONS]);
}

/**
 * north_mcp_server_get_auth:
 * @self: a server
 *
 * Gets the North authentication of the server's HTTP transports, to set a
 * server secret, trusted issuers or require-auth mode.
 *
 * Returns: (transfer none): the authentication
 */
NorthMcpAuth *
north_mcp_server_get_auth (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), NULL);

  return self->auth;
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
 */
void
north_mcp_server_add_route (NorthMcpServer    *self,
                            const char        *path,
                            NorthMcpRouteFunc  func,
                            gpointer           user_data,
                            GDestroyNotify     destroy)
{
  NorthMcpRoute *route;
  gsize length;

  g_return_if_fail (NORTH_MCP_IS_SERVER (self));
  g_return_if_fail (path != NULL && path[0] == '/');
  g_return_if_fail (func != NULL);

  route = g_new0 (NorthMcpRoute, 1);
  length = strlen (path);
  /* Paths are compared without one trailing slash. */
  route->path = length > 1 && path[length - 1] == '/' ? g_strndup (path, length - 1) : g_strdup (path);
  route->func = func;
  route->user_data = user_data;
  route->destroy = destroy;
  g_hash_table_replace (self->routes, route->path, route);
}

GHashTable *
north_mcp_server_get_routes (NorthMcpServer *self)
{
  return self->routes;
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

JsonObject *
north_mcp_server_build_capabilities (NorthMcpServer *self)
{
  JsonObject *capabilities = json_object_new ();
  JsonObject *tools = json_object_new ();

  json_object_set_boolean_member (tools, "listChanged", TRUE);
  json_object_set_object_member (capabilities, "tools", tools);
  json_object_set_object_member (capabilities, "logging", json_object_new ());

  /* Offer only what the server has: clients hide what is not offered, and
   * methods of capabilities not offered answer -32601. */
  if (north_mcp_server_has_capability (self, "resources"))
    {
      JsonObject *resources = json_object_new ();

      json_object_set_boolean_member (resources, "subscribe", TRUE);
      json_object_set_boolean_member (resources, "listChanged", TRUE);
      json_object_set_object_member (capabilities, "resources", resources);
    }

  if (north_mcp_server_has_capability (self, "prompts"))
    {
      JsonObject *prompts = json_object_new ();

      json_object_set_boolean_member (prompts, "listChanged", TRUE);
      json_object_set_object_member (capabilities, "prompts", prompts);
    }

  if (north_mcp_server_has_capability (self, "completions"))
    json_object_set_object_member (capabilities, "completions", json_object_new ());

  return capabilities;
}

gboolean
north_mcp_server_has_capability (NorthMcpServer *self,
                                 const char     *capability)
{
  guint templates = north_mcp_registry_get_size (self->registries[NORTH_MCP_REGISTRY_RESOURCE_TEMPLATES]);
  gboolean has_resources = templates > 0 ||
    north_mcp_registry_get_size (self->registries[NORTH_MCP_REGISTRY_RESOURCES]) > 0;
  gboolean has_prompts = north_mcp_registry_get_size (self->registries[NORTH_MCP_REGISTRY_PROMPTS]) > 0;

  if (g_str_equal (capability, "tools") || g_str_equal (capability, "logging"))
    return TRUE;
  if (g_str_equal (capability, "resources"))
    return has_resources;
  if (g_str_equal (capability, "prompts"))
    return has_prompts;
  /* Completion needs something with arguments to complete. */
  if (g_str_equal (capability, "completions"))
    return has_prompts || templates > 0;
  return FALSE;
}

JsonObject *
north_mcp_server_build_server_info (NorthMcpServer *self)
{
  JsonObject *info = json_object_new ();

  json_object_set_string_member (info, "name", self->name);
  json_object_set_string_member (info, "version", self->version);
  if (self->title != NULL)
    json_object_set_string_member (info, "title", self->title);
  return info;
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

GList *
north_mcp_server_get_sessions (NorthMcpServer *self)
{
  return north_mcp_session_manager_get_sessions (self->sessions);
}

void
north_mcp_server_debug (NorthMcpServer *self,
                        const char     *format,
                        ...)
{
  g_autofree char *logger = NULL;
  va_list args;

  if (!north_mcp_server_get_debug (self))
    return;

  logger = g_strdup_printf ("NorthMCP.%s", self->name);
  va_start (args, format);
  north_mcp_log_message (logger, "DEBUG", format, args);
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
 * @error: return location for a #GError
 *
 * Starts serving on the thread-default main context, without blocking:
 * stdio reads standard input; the HTTP transports listen on
 * #NorthMcpServer:host and #NorthMcpServer:port (Streamable HTTP, the
 * deprecated HTTP+SSE endpoints, the health check and custom routes share
 * one port).
 *
 * Returns: %TRUE on success
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

  self->http = north_mcp_http_transport_new (NORTH_MCP_TRANSPORT_HOST (self));
  if (!north_mcp_http_transport_listen (self->http, self->host, self->port, error))
    {
      g_clear_object (&self->http);
      return FALSE;
    }

  schedule_session_expiry (self);
  return TRUE;
}

/**
 * north_mcp_server_stop:
 * @self: a server
 *
 * Stops serving: closes open streams and sessions, stops listening, and
 * makes a running north_mcp_server_run() return.
 */
void
north_mcp_server_stop (NorthMcpServer *self)
{
  g_return_if_fail (NORTH_MCP_IS_SERVER (self));

  north_mcp_modern_close_listeners (self);
  if (self->sessions != NULL)
    north_mcp_session_manager_stop_expiry (self->sessions);

  if (self->http != NULL)
    {
      north_mcp_http_transport_stop (self->http);
      g_clear_object (&self->http);
    }

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
}

/* For north_mcp_server_run(), in north-mcp-options.c. */
void
_north_mcp_server_set_loop (NorthMcpServer *self,
                            GMainLoop      *loop)
{
  self->loop = loop;
}

/* The stateless revision. */

/**
 * north_mcp_server_get_request_state_lifetime:
 * @self: a server
 *
 * Gets how long the `requestState` of input-required results stays valid.
 *
 * Returns: the lifetime in milliseconds
 */
guint
north_mcp_server_get_request_state_lifetime (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), 0);

  return self->request_state_lifetime;
}

/**
 * north_mcp_server_set_request_state_lifetime:
 * @self: a server
 * @lifetime_ms: the lifetime in milliseconds
 *
 * Sets how long the `requestState` of input-required results stays valid;
 * see #NorthMcpServer:request-state-lifetime.
 */
void
north_mcp_server_set_request_state_lifetime (NorthMcpServer *self,
                                             guint           lifetime_ms)
{
  g_return_if_fail (NORTH_MCP_IS_SERVER (self));

  if (self->request_state_lifetime == lifetime_ms)
    return;

  self->request_state_lifetime = lifetime_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REQUEST_STATE_LIFETIME]);
}

/**
 * north_mcp_server_get_workers:
 * @self: a server
 *
 * Gets how many processes north_mcp_server_run() serves with; see
 * #NorthMcpServer:workers.
 *
 * Returns: the number of worker processes, at least 1
 */
guint
north_mcp_server_get_workers (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), 1);

  return self->workers;
}

/**
 * north_mcp_server_set_workers:
 * @self: a server
 * @workers: the number of worker processes, 1 to 256
 *
 * Sets how many processes north_mcp_server_run() serves the HTTP port
 * with (`--workers`); more than one needs a stateless server. See
 * #NorthMcpServer:workers.
 */
void
north_mcp_server_set_workers (NorthMcpServer *self,
                              guint           workers)
{
  g_return_if_fail (NORTH_MCP_IS_SERVER (self));
  g_return_if_fail (workers >= 1 && workers <= 256);

  if (self->workers == workers)
    return;

  self->workers = workers;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WORKERS]);
}

/**
 * north_mcp_server_set_cache_hint:
 * @self: a server
 * @method: one of `server/discover`, `tools/list`, `prompts/list`,
 *   `resources/list`, `resources/templates/list` and `resources/read`
 * @ttl_ms: how long clients may reuse the result, in milliseconds (0:
 *   stale at once)
 * @scope: who may share a cached copy
 *
 * Sets the caching hints (`ttlMs`, `cacheScope`) that results of @method
 * carry under protocol revision 2026-07-28. Without a call, results carry
 * `ttlMs` 0, with the `public` scope for discovery and lists and the
 * `private` scope for `resources/read`. A resource handler can override
 * the hint for one read with north_mcp_context_set_cache_hint().
 */
void
north_mcp_server_set_cache_hint (NorthMcpServer     *self,
                                 const char         *method,
                                 guint               ttl_ms,
                                 NorthMcpCacheScope  scope)
{
  CacheHint *hint;

  g_return_if_fail (NORTH_MCP_IS_SERVER (self));
  g_return_if_fail (north_mcp_modern_method_is_cacheable (method));
  g_return_if_fail (scope == NORTH_MCP_CACHE_SCOPE_PUBLIC || scope == NORTH_MCP_CACHE_SCOPE_PRIVATE);

  hint = g_new0 (CacheHint, 1);
  hint->ttl_ms = ttl_ms;
  hint->scope = scope;
  g_hash_table_replace (self->cache_hints, g_strdup (method), hint);
}

/**
 * north_mcp_server_get_cache_hint:
 * @self: a server
 * @method: a cacheable method (see north_mcp_server_set_cache_hint())
 * @ttl_ms: (out) (optional): the time to live in milliseconds
 * @scope: (out) (optional): the cache scope
 *
 * Gets the caching hints results of @method carry.
 *
 * Returns: %TRUE if @method is cacheable
 */
gboolean
north_mcp_server_get_cache_hint (NorthMcpServer     *self,
                                 const char         *method,
                                 guint              *ttl_ms,
                                 NorthMcpCacheScope *scope)
{
  CacheHint *hint;

  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), FALSE);

  if (!north_mcp_modern_method_is_cacheable (method))
    return FALSE;

  hint = g_hash_table_lookup (self->cache_hints, method);
  if (ttl_ms != NULL)
    *ttl_ms = hint != NULL ? hint->ttl_ms : 0;
  if (scope != NULL)
    *scope = hint != NULL ? hint->scope
             : g_str_equal (method, "resources/read") ? NORTH_MCP_CACHE_SCOPE_PRIVATE
             : NORTH_MCP_CACHE_SCOPE_PUBLIC;
  return TRUE;
}

/**
 * north_mcp_server_set_request_state_key:
 * @self: a server
 * @key: at least 32 bytes of secret, random data
 *
 * Sets the key that signs the `requestState` of input-required results
 * (protocol revision 2026-07-28). By default every server draws a random
 * key, so a state is only accepted by the process that issued it; servers
 * that share a key accept each other's states, as replicas behind a load
 * balancer need to. The workers of north_mcp_server_run() `--workers`
 * share the first process's key by themselves. Keep the key secret: who
 * has it can forge states.
 */
void
north_mcp_server_set_request_state_key (NorthMcpServer *self,
                                        GBytes         *key)
{
  gsize length = 0;
  const guint8 *data;

  g_return_if_fail (NORTH_MCP_IS_SERVER (self));
  g_return_if_fail (key != NULL);

  data = g_bytes_get_data (key, &length);
  g_return_if_fail (length >= 32);

  /* A key of another length is condensed to 32 bytes. */
  if (length == sizeof self->state_key)
    memcpy (self->state_key, data, length);
  else
    {
      g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
      gsize digest_length = sizeof self->state_key;

      g_checksum_update (checksum, data, length);
      g_checksum_get_digest (checksum, self->state_key, &digest_length);
    }
}

const guint8 *
north_mcp_server_get_state_key (NorthMcpServer *self,
                                gsize          *length)
{
  *length = sizeof self->state_key;
  return self->state_key;
}

GPtrArray *
north_mcp_server_get_listeners (NorthMcpServer *self)
{
  return self->listeners;
}

/* Capabilities as `server/discover` reports them. The same as the
 * initialize result's: `logging` still means per-request log levels, and
 * `resources.subscribe` is served by subscriptions/listen. */
JsonObject *
north_mcp_server_build_modern_capabilities (NorthMcpServer *self)
{
  return north_mcp_server_build_capabilities (self);
}

/* Notifications that belong to no request may be sent from any thread:
 * they are delivered on the server's main context (at once when the
 * caller may run it). */
typedef struct
{
  NorthMcpServer   *server;
  char             *uri;
  NorthMcpLogLevel  level;
  char             *logger;
  JsonNode         *data;
} Outgoing;

static void
outgoing_free (Outgoing *outgoing)
{
  g_clear_object (&outgoing->server);
  g_free (outgoing->uri);
  g_free (outgoing->logger);
  g_clear_pointer (&outgoing->data, json_node_unref);
  g_free (outgoing);
}

static void
send_on_main_context (NorthMcpServer *self,
                      GSourceFunc     func,
                      Outgoing       *outgoing)
{
  outgoing->server = g_object_ref (self);
  g_main_context_invoke_full (self->main_context, G_PRIORITY_DEFAULT, func, outgoing,
                              (GDestroyNotify) outgoing_free);
}

static gboolean
resource_updated_cb (gpointer user_data)
{
  Outgoing *outgoing = user_data;
  NorthMcpServer *self = outgoing->server;
  const char *uri = outgoing->uri;
  g_autoptr(JsonObject) params = NULL;
  GHashTableIter iter;
  gpointer session;

  params = json_object_new ();
  json_object_set_string_member (params, "uri", uri);

  north_mcp_session_manager_iter_init (self->sessions, &iter);
  while (g_hash_table_iter_next (&iter, NULL, &session))
    if (north_mcp_session_get_initialized (session) &&
        north_mcp_session_is_subscribed (session, uri))
      north_mcp_session_send_notification (session, "notifications/resources/updated", params);

  north_mcp_modern_notify_listeners (self, "notifications/resources/updated", uri);
  return G_SOURCE_REMOVE;
}

/**
 * north_mcp_server_notify_resource_updated:
 * @self: a server
 * @uri: the URI of the resource that changed
 *
 * Tells the clients that subscribed to @uri (`resources/subscribe`) that
 * it changed (`notifications/resources/updated`). Other clients are not
 * told. Stateless (2026-07-28) clients get it on their
 * `subscriptions/listen` streams that asked for @uri. Safe to call from any
 * thread.
 */
void
north_mcp_server_notify_resource_updated (NorthMcpServer *self,
                                          const char     *uri)
{
  Outgoing *outgoing;

  g_return_if_fail (NORTH_MCP_IS_SERVER (self));
  g_return_if_fail (uri != NULL);

  outgoing = g_new0 (Outgoing, 1);
  outgoing->uri = g_strdup (uri);
  send_on_main_context (self, resource_updated_cb, outgoing);
}

static gboolean
log_cb (gpointer user_data)
{
  Outgoing *outgoing = user_data;
  GHashTableIter iter;
  gpointer session;

  north_mcp_session_manager_iter_init (outgoing->server->sessions, &iter);
  while (g_hash_table_iter_next (&iter, NULL, &session))
    if (north_mcp_session_get_initialized (session))
      north_mcp_session_log (session, outgoing->level, outgoing->logger, outgoing->data);
  return G_SOURCE_REMOVE;
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
 * north_mcp_context_log() instead, which travels with the request. Safe to
 * call from any thread.
 */
void
north_mcp_server_log (NorthMcpServer   *self,
                      NorthMcpLogLevel  level,
                      const char       *logger,
                      JsonNode         *data)
{
  Outgoing *outgoing;

  g_return_if_fail (NORTH_MCP_IS_SERVER (self));
  g_return_if_fail (level <= NORTH_MCP_LOG_LEVEL_EMERGENCY);
  g_return_if_fail (data != NULL);

  outgoing = g_new0 (Outgoing, 1);
  outgoing->level = level;
  outgoing->logger = g_strdup (logger);
  outgoing->data = json_node_copy (data);
  send_on_main_context (self, log_cb, outgoing);
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
north_mcp_server_get_transport_settings (NorthMcpServer            *self,
                                         NorthMcpTransportSettings *settings)
{
  settings->name = self->name;
  settings->auth = self->auth;
  settings->path = self->mcp_path != NULL ? self->mcp_path : "/mcp";
  settings->protocol_versions = north_mcp_supported_protocol_versions;
  settings->allowed_hosts = (const char * const *) self->allowed_hosts;
  settings->allowed_origins = (const char * const *) self->allowed_origins;
  settings->max_body_size = self->max_body_size;
  settings->max_unsent_bytes = self->max_unsent_bytes;
  settings->idle_timeout = self->idle_timeout;
  settings->workers = self->workers;
  settings->stateless = self->stateless;
  settings->health_check = self->health_check;
}
