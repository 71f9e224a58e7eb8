/* north-mcp-server-config-private.h: the settings of a NorthMcpServer
 *
 * The server's own settings (name, HTTP endpoint, limits) and its GObject
 * properties. north-mcp-server-properties.c installs the properties,
 * north-mcp-server-config.c and north-mcp-server-http-config.c hold the
 * public accessors; settings that belong to a part of the server
 * (sessions, authentication, the 2026-07-28 revision) are kept by that
 * part and only forwarded.
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-http-client-address-private.h"
#include "north-mcp-server.h"

G_BEGIN_DECLS

#define NORTH_MCP_DEFAULT_MAX_BODY_SIZE (4 * 1024 * 1024)
#define NORTH_MCP_DEFAULT_IDLE_TIMEOUT_S 60
#define NORTH_MCP_DEFAULT_MAX_UNSENT_BYTES (4 * 1024 * 1024)
#define NORTH_MCP_DEFAULT_MAX_HELD_BODY_BYTES (64 * 1024 * 1024)
#define NORTH_MCP_DEFAULT_MAX_UNSENT_OUTPUT_BYTES (64 * 1024 * 1024)
#define NORTH_MCP_DEFAULT_MAX_CONNECTIONS 10000
/* Requests in progress at once, and of one client address: as many as
 * tasks may run (NORTH_MCP_TASK_MAX_TOTAL, _PER_OWNER). */
#define NORTH_MCP_DEFAULT_MAX_REQUESTS 4096
#define NORTH_MCP_DEFAULT_MAX_REQUESTS_PER_CLIENT 256
#define NORTH_MCP_DEFAULT_PAGE_SIZE 100
#define NORTH_MCP_DEFAULT_REQUEST_TIMEOUT_MS 60000
#define NORTH_MCP_DEFAULT_SESSION_TIMEOUT_S (30 * 60)
#define NORTH_MCP_DEFAULT_MAX_SESSIONS 10000
#define NORTH_MCP_DEFAULT_MAX_SESSIONS_PER_IDENTITY 100
#define NORTH_MCP_DEFAULT_MAX_SUBSCRIPTION_BYTES (128 * 1024 * 1024)
#define NORTH_MCP_DEFAULT_SHUTDOWN_TIMEOUT_S 10
#define NORTH_MCP_DEFAULT_TASK_TTL_S (60 * 60)
#define NORTH_MCP_DEFAULT_REQUEST_STATE_LIFETIME_MS (10 * 60 * 1000)

typedef struct
{
  char     *name;
  char     *version;
  char     *title;
  char     *instructions;
  char     *host;
  guint     port;
  gboolean  stateless;
  gboolean  health_check;
  char     *mcp_path;          /* NULL: /mcp */
  gsize     max_body_size;
  guint     idle_timeout;      /* seconds */
  guint64   max_unsent_bytes;
  guint64   max_held_body_bytes;
  guint64   max_unsent_output_bytes; /* of all HTTP connections */
  guint     max_requests;      /* in progress at once */
  guint     max_requests_per_client;
  guint     max_connections;   /* 0: no limit */
  guint     workers;
  guint     page_size;
  guint     request_timeout;   /* milliseconds */
  guint     task_ttl;          /* seconds */
  guint     shutdown_timeout;  /* seconds; 0: stop at once */
  GStrv     allowed_origins;   /* normalized */
  GStrv     allowed_hosts;     /* normalized */
  GStrv     forwarded_allow_ips; /* normalized */
  NorthMcpTrustedProxies *trusted_proxies; /* parsed from it; NULL: none */
  GPtrArray *listen_sockets;   /* GSocket*: served instead of host:port */
} NorthMcpServerConfig;

typedef enum
{
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
  PROP_MAX_SESSIONS_PER_IDENTITY,
  PROP_MAX_SUBSCRIPTION_BYTES,
  PROP_TASK_TTL,
  PROP_SHUTDOWN_TIMEOUT,
  PROP_AUTH,
  PROP_REQUEST_STATE_LIFETIME,
  PROP_WORKERS,
  PROP_IDLE_TIMEOUT,
  PROP_MAX_UNSENT_BYTES,
  PROP_MAX_HELD_BODY_BYTES,
  PROP_MAX_REQUESTS_IN_PROGRESS,
  PROP_MAX_REQUESTS_IN_PROGRESS_PER_CLIENT,
  PROP_MAX_CONNECTIONS,
  PROP_ALLOWED_ORIGINS,
  PROP_ALLOWED_HOSTS,
  PROP_STATE_STORE,
  PROP_FORWARDED_ALLOW_IPS,
  PROP_MAX_UNSENT_OUTPUT_BYTES,
  N_PROPS
} NorthMcpServerProperty;

extern GParamSpec *north_mcp_server_properties[N_PROPS];

/* The server's settings (north-mcp-server.c). */
NorthMcpServerConfig *north_mcp_server_get_config (NorthMcpServer *self);

void north_mcp_server_config_init               (NorthMcpServerConfig *config);
void north_mcp_server_config_clear              (NorthMcpServerConfig *config);
/* Installs the properties and the get/set_property vfuncs. */
void north_mcp_server_config_install_properties (GObjectClass         *object_class);

/* Restarts the idle-session timer after the session timeout changed, when
 * an HTTP transport serves (north-mcp-server.c). */
void north_mcp_server_reschedule_session_expiry (NorthMcpServer       *self);

/* Whether a transport serves (north-mcp-server.c). */
gboolean north_mcp_server_is_running             (NorthMcpServer       *self);

G_END_DECLS
