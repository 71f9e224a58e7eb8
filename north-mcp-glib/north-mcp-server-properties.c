/* north-mcp-server-properties.c: the GObject properties of NorthMcpServer
 *
 * Setting a property goes through its public setter, which validates the
 * value and notifies only on change.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-auth.h"
#include "north-mcp-server-config-private.h"
#include "north-mcp-server-private.h"
#include "north-mcp-task-private.h"

#define CONFIG(self) (north_mcp_server_get_config (self))

GParamSpec *north_mcp_server_properties[N_PROPS];

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
      g_value_set_string (value, CONFIG (self)->name);
      break;
    case PROP_VERSION:
      g_value_set_string (value, CONFIG (self)->version);
      break;
    case PROP_TITLE:
      g_value_set_string (value, CONFIG (self)->title);
      break;
    case PROP_INSTRUCTIONS:
      g_value_set_string (value, CONFIG (self)->instructions);
      break;
    case PROP_HOST:
      g_value_set_string (value, CONFIG (self)->host);
      break;
    case PROP_PORT:
      g_value_set_uint (value, CONFIG (self)->port);
      break;
    case PROP_STATELESS:
      g_value_set_boolean (value, CONFIG (self)->stateless);
      break;
    case PROP_DEBUG:
      g_value_set_boolean (value, north_mcp_server_get_debug (self));
      break;
    case PROP_HEALTH_CHECK:
      g_value_set_boolean (value, CONFIG (self)->health_check);
      break;
    case PROP_MAX_BODY_SIZE:
      g_value_set_uint64 (value, CONFIG (self)->max_body_size);
      break;
    case PROP_IDLE_TIMEOUT:
      g_value_set_uint (value, CONFIG (self)->idle_timeout);
      break;
    case PROP_MAX_UNSENT_BYTES:
      g_value_set_uint64 (value, CONFIG (self)->max_unsent_bytes);
      break;

    case PROP_MAX_HELD_BODY_BYTES:
      g_value_set_uint64 (value, CONFIG (self)->max_held_body_bytes);
      break;
    case PROP_MAX_UNSENT_OUTPUT_BYTES:
      g_value_set_uint64 (value, CONFIG (self)->max_unsent_output_bytes);
      break;
    case PROP_MAX_REQUESTS_IN_PROGRESS:
      g_value_set_uint (value, CONFIG (self)->max_requests);
      break;
    case PROP_MAX_REQUESTS_IN_PROGRESS_PER_CLIENT:
      g_value_set_uint (value, CONFIG (self)->max_requests_per_client);
      break;

    case PROP_MAX_CONNECTIONS:
      g_value_set_uint (value, CONFIG (self)->max_connections);
      break;
    case PROP_PAGE_SIZE:
      g_value_set_uint (value, CONFIG (self)->page_size);
      break;
    case PROP_REQUEST_TIMEOUT:
      g_value_set_uint (value, CONFIG (self)->request_timeout);
      break;
    case PROP_SESSION_TIMEOUT:
      g_value_set_uint (value, north_mcp_server_get_session_timeout (self));
      break;
    case PROP_MAX_SESSIONS:
      g_value_set_uint (value, north_mcp_server_get_max_sessions (self));
      break;
    case PROP_MAX_SESSIONS_PER_IDENTITY:
      g_value_set_uint (value, north_mcp_server_get_max_sessions_per_identity (self));
      break;
    case PROP_MAX_SUBSCRIPTION_BYTES:
      g_value_set_uint64 (value, north_mcp_server_get_max_subscription_bytes (self));
      break;
    case PROP_TASK_TTL:
      g_value_set_uint (value, north_mcp_server_get_task_ttl (self));
      break;
    case PROP_SHUTDOWN_TIMEOUT:
      g_value_set_uint (value, north_mcp_server_get_shutdown_timeout (self));
      break;
    case PROP_AUTH:
      g_value_set_object (value, north_mcp_server_get_auth (self));
      break;
    case PROP_REQUEST_STATE_LIFETIME:
      g_value_set_uint (value, north_mcp_server_get_request_state_lifetime (self));
      break;
    case PROP_WORKERS:
      g_value_set_uint (value, CONFIG (self)->workers);
      break;
    case PROP_ALLOWED_ORIGINS:
      g_value_set_boxed (value, CONFIG (self)->allowed_origins);
      break;
    case PROP_ALLOWED_HOSTS:
      g_value_set_boxed (value, CONFIG (self)->allowed_hosts);
      break;
    case PROP_STATE_STORE:
      g_value_set_string (value, north_mcp_server_get_state_store (self));
      break;
    case PROP_FORWARDED_ALLOW_IPS:
      g_value_set_boxed (value, CONFIG (self)->forwarded_allow_ips);
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
      CONFIG (self)->name = g_value_dup_string (value);
      break;
    case PROP_VERSION:
      CONFIG (self)->version = g_value_dup_string (value);
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

    case PROP_MAX_HELD_BODY_BYTES:
      north_mcp_server_set_max_held_body_bytes (self, g_value_get_uint64 (value));
      break;
    case PROP_MAX_UNSENT_OUTPUT_BYTES:
      north_mcp_server_set_max_unsent_output_bytes (self, g_value_get_uint64 (value));
      break;
    case PROP_MAX_REQUESTS_IN_PROGRESS:
      north_mcp_server_set_max_requests_in_progress (self, g_value_get_uint (value));
      break;
    case PROP_MAX_REQUESTS_IN_PROGRESS_PER_CLIENT:
      north_mcp_server_set_max_requests_in_progress_per_client (self, g_value_get_uint (value));
      break;

    case PROP_MAX_CONNECTIONS:
      north_mcp_server_set_max_connections (self, g_value_get_uint (value));
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
    case PROP_MAX_SESSIONS_PER_IDENTITY:
      north_mcp_server_set_max_sessions_per_identity (self, g_value_get_uint (value));
      break;
    case PROP_MAX_SUBSCRIPTION_BYTES:
      north_mcp_server_set_max_subscription_bytes (self, g_value_get_uint64 (value));
      break;
    case PROP_TASK_TTL:
      north_mcp_server_set_task_ttl (self, g_value_get_uint (value));
      break;
    case PROP_SHUTDOWN_TIMEOUT:
      north_mcp_server_set_shutdown_timeout (self, g_value_get_uint (value));
      break;
    case PROP_ALLOWED_ORIGINS:
      north_mcp_server_set_allowed_origins (self, g_value_get_boxed (value));
      break;
    case PROP_ALLOWED_HOSTS:
      north_mcp_server_set_allowed_hosts (self, g_value_get_boxed (value));
      break;
    case PROP_STATE_STORE:
      north_mcp_server_set_state_store (self, g_value_get_string (value));
      break;
    case PROP_FORWARDED_ALLOW_IPS:
      north_mcp_server_set_forwarded_allow_ips (self, g_value_get_boxed (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

void
north_mcp_server_config_install_properties (GObjectClass *object_class)
{
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = north_mcp_server_get_property;
  object_class->set_property = north_mcp_server_set_property;

  /**
   * NorthMcpServer:name:
   *
   * The server's name, sent as `serverInfo.name`.
   *
   * Since: 0.1
   */
  north_mcp_server_properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, "north-mcp-server",
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * NorthMcpServer:version:
   *
   * The server's version, sent as `serverInfo.version`.
   *
   * Since: 0.1
   */
  north_mcp_server_properties[PROP_VERSION] =
    g_param_spec_string ("version", NULL, NULL, "0.0.0",
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * NorthMcpServer:title:
   *
   * A human-readable name, sent as `serverInfo.title`, or `NULL`.
   *
   * Since: 0.1
   */
  north_mcp_server_properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL, rw);

  /**
   * NorthMcpServer:instructions:
   *
   * How to use the server, for the model: sent in the `initialize`
   * result, or `NULL`.
   *
   * Since: 0.1
   */
  north_mcp_server_properties[PROP_INSTRUCTIONS] = g_param_spec_string ("instructions", NULL, NULL, NULL, rw);

  /**
   * NorthMcpServer:host:
   *
   * The address HTTP transports listen on.
   *
   * Since: 0.1
   */
  north_mcp_server_properties[PROP_HOST] = g_param_spec_string ("host", NULL, NULL, "127.0.0.1", rw);

  /**
   * NorthMcpServer:port:
   *
   * The port HTTP transports listen on; 0 picks a free one (see
   * [method@NorthMcp.Server.get_bound_port]).
   *
   * Since: 0.1
   */
  north_mcp_server_properties[PROP_PORT] = g_param_spec_uint ("port", NULL, NULL, 0, 65535, 8000, rw);

  /**
   * NorthMcpServer:stateless:
   *
   * Stateless JSON mode of Streamable HTTP, as North uses it: no sessions,
   * JSON responses, every POST self-contained. Off by default (stateful
   * sessions with SSE responses, which carry progress, logging and
   * server-to-client requests). A stateless server does not serve the
   * deprecated HTTP+SSE endpoints, whose session is a `GET /sse` stream:
   * `/sse` and `/messages/` answer `404`.
   *
   * Since: 0.1
   */
  north_mcp_server_properties[PROP_STATELESS] = g_param_spec_boolean ("stateless", NULL, NULL, FALSE, rw);

  /**
   * NorthMcpServer:debug:
   *
   * Detailed authentication and request logging on standard error. Never
   * for production: it shows request headers (secrets cut short). Defaults
   * to the `DEBUG` environment variable (`true`, `1`, `yes`, `on`).
   *
   * Since: 0.1
   */
  north_mcp_server_properties[PROP_DEBUG] = g_param_spec_boolean ("debug", NULL, NULL, FALSE, rw);

  /**
   * NorthMcpServer:health-check:
   *
   * Whether `GET /health` answers `200 OK` (outside authentication).
   *
   * Since: 0.1
   */
  north_mcp_server_properties[PROP_HEALTH_CHECK] = g_param_spec_boolean ("health-check", NULL, NULL, TRUE, rw);

  /**
   * NorthMcpServer:max-body-size:
   *
   * The largest request body (or stdio line) accepted, in bytes; larger
   * HTTP bodies get `413`.
   *
   * The JSON parsed from one may keep at most 16 times this in memory
   * (its tree, counted as it is built, as for
   * [property@NorthMcp.Server:max-held-body-bytes]; 64 MiB by default),
   * whatever else is in progress: the reader stops there, and the body is
   * refused for good, `413` (JSON-RPC `-32600`), a stdio line with the
   * JSON-RPC error `-32700`.
   *
   * Since: 0.1
   */
  north_mcp_server_properties[PROP_MAX_BODY_SIZE] =
    g_param_spec_uint64 ("max-body-size", NULL, NULL, 1024, G_MAXSIZE, NORTH_MCP_DEFAULT_MAX_BODY_SIZE, rw);

  /**
   * NorthMcpServer:page-size:
   *
   * How many items one page of a list (`tools/list`, …) holds.
   *
   * Since: 0.1
   */
  north_mcp_server_properties[PROP_PAGE_SIZE] =
    g_param_spec_uint ("page-size", NULL, NULL, 1, G_MAXUINT, NORTH_MCP_DEFAULT_PAGE_SIZE, rw);

  /**
   * NorthMcpServer:request-timeout:
   *
   * How long a request to the client (sampling, elicitation, roots) waits
   * for its answer, in milliseconds; 0 waits forever.
   *
   * Since: 0.1
   */
  north_mcp_server_properties[PROP_REQUEST_TIMEOUT] =
    g_param_spec_uint ("request-timeout", NULL, NULL, 0, G_MAXUINT, NORTH_MCP_DEFAULT_REQUEST_TIMEOUT_MS, rw);

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
   *
   * Since: 0.1
   */
  north_mcp_server_properties[PROP_SESSION_TIMEOUT] =
    g_param_spec_uint ("session-timeout", NULL, NULL, 0, G_MAXUINT, NORTH_MCP_DEFAULT_SESSION_TIMEOUT_S, rw);

  /**
   * NorthMcpServer:max-sessions:
   *
   * How many sessions may live at once over HTTP (Streamable HTTP and the
   * legacy HTTP+SSE transport together); 0 for no limit. An `initialize`
   * (or a legacy `GET /sse`) beyond it is answered `503 Service
   * Unavailable` with `Retry-After`; the sessions that exist are not
   * touched. Sessions end by `DELETE`, by closing a legacy stream, or by
   * expiry ([property@NorthMcp.Server:session-timeout]). Default: 10000.
   *
   * Since: 0.2
   */
  north_mcp_server_properties[PROP_MAX_SESSIONS] =
    g_param_spec_uint ("max-sessions", NULL, NULL, 0, G_MAXUINT, NORTH_MCP_DEFAULT_MAX_SESSIONS, rw);

  /**
   * NorthMcpServer:max-sessions-per-identity:
   *
   * How many sessions one identity (the issuer and subject of the ID
   * token, else its issuer and e-mail) may have at once in this process,
   * so that no single user can take
   * [property@NorthMcp.Server:max-sessions] for themselves; 0 for no
   * limit. Anonymous clients share one identity and are not counted here.
   * With a shared [property@NorthMcp.Server:state-store] and a
   * [property@NorthMcp.Server:session-timeout], the sessions of every
   * process sharing it count together, in the store.
   *
   * A new session beyond it first ends that identity's least recently
   * used session that has no stream open and no request running, as if it
   * had expired (the client gets `404` for it and starts another). When
   * every one of them is busy, the `initialize` (or legacy `GET /sse`) is
   * answered `429 Too Many Requests` with `Retry-After`, and so is one
   * whose identity's places in a shared store are taken by sessions this
   * process does not hold. Other identities are never touched.
   * Default: 100.
   *
   * Since: 0.2
   */
  north_mcp_server_properties[PROP_MAX_SESSIONS_PER_IDENTITY] =
    g_param_spec_uint ("max-sessions-per-identity", NULL, NULL, 0, G_MAXUINT,
                       NORTH_MCP_DEFAULT_MAX_SESSIONS_PER_IDENTITY, rw);

  /**
   * NorthMcpServer:max-subscription-bytes:
   *
   * How much memory, in bytes, what clients ask the server to watch for
   * them may take, all sessions and connections of the server together:
   * the open `subscriptions/listen` streams of the 2026-07-28 revision
   * (each counts about 4 KiB for itself plus its request as a tree, its
   * `resourceSubscriptions` included, and over Streamable HTTP what the
   * buffer libsoup read its request head into takes beyond 16 KiB: up to
   * 112 KiB more for a head near 64 KiB) and the `resources/subscribe` URIs
   * of sessions, and those a listen stream watches (each twice its length,
   * for its copy and the server's index by URI, plus 288 bytes for the
   * slots and sets that hold them). 0 for no limit.
   *
   * These live as long as their clients like, so the per-session limits
   * alone would let many sessions keep gigabytes. A listen or a subscribe
   * that would pass the bound is answered the JSON-RPC error `-32603`
   * (try again later) and nothing is kept; every other request is served
   * as before, and room comes back as streams end, clients unsubscribe and
   * sessions end. Lowering it ends nothing. Default: 128 MiB.
   *
   * The listen streams of one client may keep at most a quarter of it,
   * so that one client cannot take the room of all: a client is its
   * identity on a server with authentication (with the subscriptions of
   * all its sessions), else its session, else the IP address it connects
   * from (behind a proxy of [property@NorthMcp.Server:forwarded-allow-ips],
   * the one the proxy names). Past its share, a client's listen or subscribe is answered
   * `-32603` too, and other clients still listen and subscribe.
   *
   * Since: 0.2
   */
  north_mcp_server_properties[PROP_MAX_SUBSCRIPTION_BYTES] =
    g_param_spec_uint64 ("max-subscription-bytes", NULL, NULL, 0, G_MAXUINT64,
                         NORTH_MCP_DEFAULT_MAX_SUBSCRIPTION_BYTES, rw);

  /**
   * NorthMcpServer:task-ttl:
   *
   * How long, in seconds, a task of the tasks extension (revision
   * 2026-07-28) lives after its last change: its record's `ttlMs`. A
   * change is a new status or status message, or answers the client
   * gives with `tasks/update` (so a task waiting for input that its
   * client keeps answering lives on). A task with no change for that
   * long is gone (`tasks/get` no longer finds it) and a handler still
   * running for it is cancelled; the server looks for such handlers every
   * half of this time, at most every minute. Tasks created before a
   * change keep their time. Default: 3600 (one hour); at most 604800
   * (seven days), the longest a shared task store keeps a record.
   *
   * Since: 0.2
   */
  north_mcp_server_properties[PROP_TASK_TTL] =
    g_param_spec_uint ("task-ttl", NULL, NULL, 1, NORTH_MCP_TASK_MAX_TTL_S, NORTH_MCP_DEFAULT_TASK_TTL_S, rw);

  /**
   * NorthMcpServer:shutdown-timeout:
   *
   * How long, in seconds, a graceful shutdown
   * ([method@NorthMcp.Server.shutdown_async], and SIGTERM or SIGINT in
   * [method@NorthMcp.Server.run]) waits for the requests that run to
   * finish before it stops the server all the same; 0 to stop at once.
   * Default: 10.
   *
   * Since: 0.2
   */
  north_mcp_server_properties[PROP_SHUTDOWN_TIMEOUT] =
    g_param_spec_uint ("shutdown-timeout", NULL, NULL, 0, 24 * 3600,
                       NORTH_MCP_DEFAULT_SHUTDOWN_TIMEOUT_S, rw);

  /**
   * NorthMcpServer:auth:
   *
   * The North authentication the HTTP transports apply.
   *
   * Since: 0.1
   */
  north_mcp_server_properties[PROP_AUTH] =
    g_param_spec_object ("auth", NULL, NULL, NORTH_MCP_TYPE_AUTH,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * NorthMcpServer:request-state-lifetime:
   *
   * How long the `requestState` of an input-required result (protocol
   * revision 2026-07-28) stays valid, in milliseconds. A retry with an
   * older state is rejected.
   *
   * Since: 0.1
   */
  north_mcp_server_properties[PROP_REQUEST_STATE_LIFETIME] =
    g_param_spec_uint ("request-state-lifetime", NULL, NULL, 0, G_MAXUINT,
                       NORTH_MCP_DEFAULT_REQUEST_STATE_LIFETIME_MS, rw);

  /**
   * NorthMcpServer:workers:
   *
   * How many processes [method@NorthMcp.Server.run] serves the HTTP port with.
   * With more than one, the process forks that many minus one workers
   * before it starts; each has its own socket on the same port
   * (`SO_REUSEPORT`: the kernel spreads connections over them) and its own
   * main loop, so tools never run concurrently within one process. Only
   * for stateless servers: a session lives in the process that created
   * it, so stateful servers refuse more than one worker (scale them with
   * one process per port behind a load balancer that routes by
   * `Mcp-Session-Id`). Not used by [method@NorthMcp.Server.start].
   *
   * Since: 0.1
   */
  north_mcp_server_properties[PROP_WORKERS] =
    g_param_spec_uint ("workers", NULL, NULL, 1, 256, 1, rw);

  /**
   * NorthMcpServer:idle-timeout:
   *
   * How long, in seconds, an HTTP keep-alive connection may wait for its
   * next request before the server closes it; `0` keeps idle connections
   * open until the client closes them. A connection with a request in
   * progress or an open SSE stream is never idle. It also bounds how long
   * a request's headers may take to arrive, how long its body may stop (or
   * come at less than 1 KiB/s), and it is the write timeout: a
   * connection whose client has acknowledged none of the output waiting
   * for it for this long is closed (`0`: none of these). Checked once a
   * second.
   *
   * Since: 0.2
   */
  north_mcp_server_properties[PROP_IDLE_TIMEOUT] =
    g_param_spec_uint ("idle-timeout", NULL, NULL, 0, G_MAXUINT, NORTH_MCP_DEFAULT_IDLE_TIMEOUT_S, rw);

  /**
   * NorthMcpServer:max-unsent-bytes:
   *
   * How much of a streamed HTTP response (an SSE stream) may wait for a
   * client that does not read it, in bytes, before the server closes the
   * connection, once it has written the rest of the event under way and
   * the end of the body (the client sees a stream that ended, not half an
   * event; the idle timeout bounds how long that takes). Events of resumable streams stay in the session's event
   * store, so the client can reconnect with `Last-Event-ID`. What a
   * handler sends before it returns waits for its SSE answer to start:
   * past this bound, its notifications are dropped and its requests to
   * the client fail at once with %NORTH_MCP_ERROR_LIMIT_EXCEEDED (not
   * its answer).
   * The stdio transport stops reading requests while more than this much
   * of its answers waits for the client to read them, and reads on once
   * they are written; other messages (progress, logs, notifications) sent
   * meanwhile close its output and end the server, once the line being
   * written is written whole (the client never gets half a message).
   *
   * Since: 0.2
   */
  north_mcp_server_properties[PROP_MAX_UNSENT_BYTES] =
    g_param_spec_uint64 ("max-unsent-bytes", NULL, NULL, 1024, G_MAXUINT64,
                         NORTH_MCP_DEFAULT_MAX_UNSENT_BYTES, rw);

  /**
   * NorthMcpServer:max-held-body-bytes:
   *
   * How many bytes of HTTP request bodies the server holds at once,
   * summed over all connections: bodies being received and those of
   * requests still being answered, each with its request's header block
   * (its fields as sent, at most 64 KiB, and 64 bytes for each, what libsoup
   * keeps of one beyond its text), which those requests keep. A request that would pass this bound
   * is answered `503 Service Unavailable` with `Retry-After`, unread,
   * and its connection closed; requests already held go on.
   *
   * It bounds the memory that concurrent requests can make the server
   * keep where [property@NorthMcp.Server:max-body-size] bounds one
   * request. A body counts what the JSON parsed from it keeps while its
   * requests are in progress where that is more than its text: what its
   * tree keeps, counted as it is built (88 bytes for each value, more
   * for strings, arrays, objects and members: up to about 40 times its
   * text for small numbers, over 100 times for empty objects). A body
   * whose parsed JSON would pass the bound is answered `503` with
   * `Retry-After` once read, unless no other request is in progress
   * (then at most 16 times [property@NorthMcp.Server:max-body-size]);
   * the reader stops as soon as the tree would pass what is left, before
   * it is built.
   *
   * When the server requires credentials, a `POST` to the MCP endpoints
   * is checked from its headers (Origin, Host, then the credentials,
   * which are all headers) before any of its body is read or counted:
   * one without valid credentials is answered `401` (or `403`) at once,
   * unread, and holds nothing. The bodies of one client may hold at
   * most a quarter of this bound, but at least
   * [property@NorthMcp.Server:max-body-size] and 1,088 KiB; a client is
   * an identity or an IP address as for
   * [property@NorthMcp.Server:max-requests-in-progress-per-client]
   * (behind a trusted proxy, the address is the one it names: see
   * [property@NorthMcp.Server:forwarded-allow-ips]); past it they are answered
   * `503` with `Retry-After`, unread, and other clients are still
   * served.
   *
   * A request keeps the buffer libsoup read its head into until its
   * answer ends (16 KiB for a head under 8 KiB, up to 128 KiB for one
   * near 64 KiB): what passes 16 KiB counts here, in its client's share
   * too, with the body of a `POST` (while its handler runs, or its
   * stream is open). A `GET` stream (a session's `GET /mcp`, the legacy
   * `GET /sse`) has no body but counts it all the same: a request that
   * would pass either is answered `503` with `Retry-After`.
   *
   * The answers of a batch answered in JSON (2025-03-26) that wait for
   * its last request count with its body. A request that was cancelled
   * (by its client, or by a hang-up where its answer can no longer be
   * delivered) counts until its handler returns, whether or not the
   * handler heeds the cancellation.
   *
   * Over stdio it bounds the lines of the requests in progress alike
   * (each counts its line, or what its parsed JSON keeps when that is
   * more), with the answers of batches that wait for their last request: a
   * request that would pass it is answered with the JSON-RPC error
   * `-32603`, unless no other request is in progress.
   *
   * With a shared state store, the events a `GET` with `Last-Event-ID`
   * replays from the store count too, until the client has read them
   * (a replay is answered `503` with `Retry-After` when they would pass
   * the bound).
   *
   * Since: 0.2
   */
  north_mcp_server_properties[PROP_MAX_HELD_BODY_BYTES] =
    g_param_spec_uint64 ("max-held-body-bytes", NULL, NULL, 1024, G_MAXUINT64,
                         NORTH_MCP_DEFAULT_MAX_HELD_BODY_BYTES, rw);

  /**
   * NorthMcpServer:max-unsent-output-bytes:
   *
   * How many bytes of HTTP responses may wait for their clients to read
   * them, summed over all connections: SSE streams and answers (each also
   * bounded by [property@NorthMcp.Server:max-unsent-bytes]) and JSON
   * answers (but those of 16 KiB or less, which any connection may hold),
   * counted as they are queued and no longer as they are written to the
   * socket (a JSON answer, which libsoup keeps whole, once it ends). The connection whose output would pass it is closed as
   * one past max-unsent-bytes is (a stream ends whole: the rest of the
   * event under way, then the end of its body; a JSON answer is cut), and
   * other connections are served on. The output of one client may hold at
   * most a quarter of this bound, but at least max-unsent-bytes and 1 MiB;
   * a client is an identity or an IP address as for
   * [property@NorthMcp.Server:max-held-body-bytes], whose shares have the
   * same keys. Without it, clients that open many connections and read
   * none of their answers make the server hold up to
   * [property@NorthMcp.Server:max-connections] times max-unsent-bytes
   * until the idle timeout closes them. 0: no bound.
   *
   * Since: 0.2
   */
  north_mcp_server_properties[PROP_MAX_UNSENT_OUTPUT_BYTES] =
    g_param_spec_uint64 ("max-unsent-output-bytes", NULL, NULL, 0, G_MAXUINT64,
                         NORTH_MCP_DEFAULT_MAX_UNSENT_OUTPUT_BYTES, rw);

  /**
   * NorthMcpServer:max-requests-in-progress:
   *
   * How many HTTP requests the server has in progress at once, all
   * clients together; `0` for no limit. A request counts from its headers
   * (while its body arrives) for as long as its body counts among those
   * held ([property@NorthMcp.Server:max-held-body-bytes]): until it is
   * answered, and beyond while a request parsed from it is still in
   * progress (a legacy `POST /messages/`, answered `202` at once; a
   * request whose client hung up on a stream it may resume; a cancelled
   * request, until its handler returns). Each request of a
   * batch (revisions before 2025-06-18) counts; custom routes' requests
   * count too. A request past the bound is answered `503 Service
   * Unavailable` with `Retry-After`, unread, and its connection closed; a
   * batch whose requests would pass it, once its body is read; requests
   * already in progress go on.
   *
   * The bytes of the bodies held bound their memory, but not their
   * number: a call of 300 bytes whose handler never returns costs the
   * server some 2.7 KiB (its context, channel and request), more with a
   * timer, a span or a thread of its own, and at the byte bound's default
   * the server would run over 100,000 of them. The default, 4,096, as
   * many as tasks may run at once, is far more than a process answers
   * concurrently in normal use, and bounds what handlers that hang
   * (waiting for something that never comes) can take.
   *
   * Requests without a body (a `GET` stream, the health check) and
   * sessions' listen streams do not count (see
   * [property@NorthMcp.Server:max-sessions] and
   * [property@NorthMcp.Server:max-subscription-bytes]); tasks have bounds
   * of their own. Over stdio the requests in progress of its one client
   * are bounded alike (a request counts from when its line is read until
   * it is answered, or, cancelled, until its handler returns): one past
   * the bound is answered with the JSON-RPC error `-32603` (`Server busy`)
   * unless no other is in progress, and the transport goes on reading.
   *
   * Since: 0.2
   */
  north_mcp_server_properties[PROP_MAX_REQUESTS_IN_PROGRESS] =
    g_param_spec_uint ("max-requests-in-progress", NULL, NULL, 0, G_MAXUINT,
                       NORTH_MCP_DEFAULT_MAX_REQUESTS, rw);

  /**
   * NorthMcpServer:max-requests-in-progress-per-client:
   *
   * How many of the HTTP requests in progress
   * ([property@NorthMcp.Server:max-requests-in-progress]) one client may
   * have at once; `0` for no limit. A client is an identity for requests
   * authenticated by their headers whose ID token names someone (its
   * issuer and `sub`, else its `email` claim: the identity that owns
   * sessions and tasks), so that many users behind one NAT or proxy are
   * not throttled together, and its IP address for the others (every
   * request of an open server, custom routes), with a second share of
   * the address for accepted credentials that name no one (a server
   * secret without an ID token, or with only an e-mail sent alongside,
   * which the client may change at will), so that public routes'
   * uploads do not refuse them. Client addresses are keyed as for the share of
   * [property@NorthMcp.Server:max-held-body-bytes]: an IPv6 address as
   * its /64, and behind a trusted proxy the address it names (see
   * [property@NorthMcp.Server:forwarded-allow-ips]). An identity's
   * requests count in no address's share. Past it a request is answered
   * `503 Service Unavailable` with `Retry-After`, unread, and other
   * clients are still served.
   *
   * The default, 256, as many tasks as one owner may have, leaves room
   * for many users behind one NAT, while sixteen addresses are needed to
   * fill the server.
   *
   * Since: 0.2
   */
  north_mcp_server_properties[PROP_MAX_REQUESTS_IN_PROGRESS_PER_CLIENT] =
    g_param_spec_uint ("max-requests-in-progress-per-client", NULL, NULL, 0, G_MAXUINT,
                       NORTH_MCP_DEFAULT_MAX_REQUESTS_PER_CLIENT, rw);

  /**
   * NorthMcpServer:max-connections:
   *
   * How many HTTP connections the server keeps open at once; `0` for no
   * limit. At the limit it accepts no more: new connections wait in the
   * kernel's listen backlog until one ends (idle ones end after
   * [property@NorthMcp.Server:idle-timeout]). It bounds what all clients
   * together can make the server hold, where the other limits bound one
   * connection. A session uses one or two (its requests and its stream).
   * A connection a custom route takes over (see [callback@NorthMcp.RouteFunc])
   * counts until the route closes it.
   *
   * Since: 0.2
   */
  north_mcp_server_properties[PROP_MAX_CONNECTIONS] =
    g_param_spec_uint ("max-connections", NULL, NULL, 0, G_MAXUINT,
                       NORTH_MCP_DEFAULT_MAX_CONNECTIONS, rw);

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
  north_mcp_server_properties[PROP_ALLOWED_ORIGINS] =
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
  north_mcp_server_properties[PROP_ALLOWED_HOSTS] =
    g_param_spec_boxed ("allowed-hosts", NULL, NULL, G_TYPE_STRV, rw);

  /**
   * NorthMcpServer:state-store:
   *
   * Where the HTTP transports keep the state that several server processes
   * share, as a URI: `redis://HOST:PORT[/DB]` for a Redis server, or `NULL`
   * (the default) to keep everything in this process. With Redis, replicas
   * behind a load balancer without sticky routing serve a stateful client
   * as one server: sessions, notifications for a client's stream and the
   * session's deletion reach every replica. See
   * [Transports and deployment](transports-and-deployment.html) for what
   * is shared and how failures behave. Read when the server starts; the
   * stdio transport refuses it.
   *
   * Since: 0.2
   */
  north_mcp_server_properties[PROP_STATE_STORE] =
    g_param_spec_string ("state-store", NULL, NULL, NULL, rw);

  /**
   * NorthMcpServer:forwarded-allow-ips:
   *
   * The reverse proxies whose `X-Forwarded-For` header names the client,
   * as uvicorn's `forwarded_allow_ips`: IPv4 and IPv6 addresses, CIDR
   * networks (`10.0.0.0/8`, `fd00::/8`) and `*` for every peer; `NULL` or
   * empty for none. A request whose TCP peer is listed comes from the
   * first address of `X-Forwarded-For`, read from the right, that is not
   * listed (when all are, the leftmost); see
   * [Transports and deployment](transports-and-deployment.html#the-clients-address-behind-a-proxy).
   * That address tells anonymous clients apart (their share of
   * [property@NorthMcp.Server:max-subscription-bytes]) and is the one the
   * debug log names.
   *
   * The default, `127.0.0.1` and `::1`, is uvicorn's: a proxy on the same
   * host, such as the shipped nginx configurations. Entries are kept in
   * canonical form; an entry that is neither is ignored with a warning.
   *
   * Since: 0.2
   */
  north_mcp_server_properties[PROP_FORWARDED_ALLOW_IPS] =
    g_param_spec_boxed ("forwarded-allow-ips", NULL, NULL, G_TYPE_STRV, rw);

  g_object_class_install_properties (object_class, N_PROPS, north_mcp_server_properties);
}
