/* north-mcp-server.h
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>
#include "north-mcp-types.h"
#include "north-mcp-enums.h"
#include "north-mcp-tool.h"
#include "north-mcp-context.h"
#include "north-mcp-resource.h"
#include "north-mcp-resource-template.h"
#include "north-mcp-prompt.h"
#include "north-mcp-tracer.h"

G_BEGIN_DECLS

#define NORTH_MCP_TYPE_SERVER (north_mcp_server_get_type ())

NORTH_MCP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (NorthMcpServer, north_mcp_server, NORTH_MCP, SERVER, GObject)

/**
 * NorthMcpRouteFunc:
 * @server: the server
 * @message: the HTTP request to answer
 * @path: the request's path
 * @user: (nullable): the North user, when the request carried valid
 *   North credentials
 * @user_data: the data given to [method@NorthMcp.Server.add_route]
 *
 * Answers a custom HTTP route. Custom routes are not subject to North
 * authentication; @user is set only when the request happened to carry
 * credentials that authenticate. [func@NorthMcp.get_north_context] gives
 * the request's `X-North-Context-*` headers, with or without credentials.
 *
 * A route may take its connection over with
 * `soup_server_message_steal_connection()` (a WebSocket upgrade, say). The
 * connection then still counts against
 * [property@NorthMcp.Server:max-connections] until the stolen stream is
 * closed ([method@Gio.IOStream.close]) or its last reference is dropped:
 * close it when its client goes away.
 *
 * Since: 0.1
 */
typedef void (*NorthMcpRouteFunc) (NorthMcpServer    *server,
                                   SoupServerMessage *message,
                                   const char        *path,
                                   NorthMcpUser      *user,
                                   gpointer           user_data);

NORTH_MCP_AVAILABLE_IN_ALL
NorthMcpServer        *north_mcp_server_new                   (const char            *name,
                                                               const char            *version);
NORTH_MCP_AVAILABLE_IN_ALL
const char            *north_mcp_server_get_name              (NorthMcpServer        *self);
NORTH_MCP_AVAILABLE_IN_ALL
const char            *north_mcp_server_get_version           (NorthMcpServer        *self);
NORTH_MCP_AVAILABLE_IN_ALL
const char            *north_mcp_server_get_title             (NorthMcpServer        *self);
NORTH_MCP_AVAILABLE_IN_ALL
void                   north_mcp_server_set_title             (NorthMcpServer        *self,
                                                               const char            *title);
NORTH_MCP_AVAILABLE_IN_ALL
const char            *north_mcp_server_get_instructions      (NorthMcpServer        *self);
NORTH_MCP_AVAILABLE_IN_ALL
void                   north_mcp_server_set_instructions      (NorthMcpServer        *self,
                                                               const char            *instructions);
NORTH_MCP_AVAILABLE_IN_ALL
const char            *north_mcp_server_get_host              (NorthMcpServer        *self);
NORTH_MCP_AVAILABLE_IN_ALL
void                   north_mcp_server_set_host              (NorthMcpServer        *self,
                                                               const char            *host);
NORTH_MCP_AVAILABLE_IN_ALL
const char * const    *north_mcp_server_get_allowed_origins   (NorthMcpServer        *self);
NORTH_MCP_AVAILABLE_IN_ALL
void                   north_mcp_server_set_allowed_origins   (NorthMcpServer        *self,
                                                               const char * const    *origins);
NORTH_MCP_AVAILABLE_IN_ALL
void                   north_mcp_server_add_allowed_origin    (NorthMcpServer        *self,
                                                               const char            *origin);
NORTH_MCP_AVAILABLE_IN_ALL
const char * const    *north_mcp_server_get_allowed_hosts     (NorthMcpServer        *self);
NORTH_MCP_AVAILABLE_IN_ALL
void                   north_mcp_server_set_allowed_hosts     (NorthMcpServer        *self,
                                                               const char * const    *hosts);
NORTH_MCP_AVAILABLE_IN_ALL
void                   north_mcp_server_add_allowed_host      (NorthMcpServer        *self,
                                                               const char            *host);
NORTH_MCP_AVAILABLE_IN_ALL
const char * const    *north_mcp_server_get_forwarded_allow_ips (NorthMcpServer      *self);
NORTH_MCP_AVAILABLE_IN_ALL
void                   north_mcp_server_set_forwarded_allow_ips (NorthMcpServer      *self,
                                                                 const char * const  *ips);
NORTH_MCP_AVAILABLE_IN_ALL
guint                  north_mcp_server_get_port              (NorthMcpServer        *self);
NORTH_MCP_AVAILABLE_IN_ALL
void                   north_mcp_server_set_port              (NorthMcpServer        *self,
                                                               guint                  port);
NORTH_MCP_AVAILABLE_IN_ALL
guint                  north_mcp_server_get_bound_port        (NorthMcpServer        *self);
NORTH_MCP_AVAILABLE_IN_ALL
gboolean               north_mcp_server_get_stateless         (NorthMcpServer        *self);
NORTH_MCP_AVAILABLE_IN_ALL
void                   north_mcp_server_set_stateless         (NorthMcpServer        *self,
                                                               gboolean               stateless);
NORTH_MCP_AVAILABLE_IN_ALL
gboolean               north_mcp_server_get_debug             (NorthMcpServer        *self);
NORTH_MCP_AVAILABLE_IN_ALL
void                   north_mcp_server_set_debug             (NorthMcpServer        *self,
                                                               gboolean               debug);
NORTH_MCP_AVAILABLE_IN_ALL
gboolean               north_mcp_server_get_health_check      (NorthMcpServer        *self);
NORTH_MCP_AVAILABLE_IN_ALL
void                   north_mcp_server_set_health_check      (NorthMcpServer        *self,
                                                               gboolean               enabled);
NORTH_MCP_AVAILABLE_IN_ALL
const char            *north_mcp_server_get_path              (NorthMcpServer        *self);
NORTH_MCP_AVAILABLE_IN_ALL
gboolean               north_mcp_server_set_path              (NorthMcpServer        *self,
                                                               const char            *path,
                                                               GError               **error);
NORTH_MCP_AVAILABLE_IN_ALL
gsize                  north_mcp_server_get_max_body_size     (NorthMcpServer        *self);
NORTH_MCP_AVAILABLE_IN_ALL
void                   north_mcp_server_set_max_body_size     (NorthMcpServer        *self,
                                                               gsize                  max_body_size);
NORTH_MCP_AVAILABLE_IN_ALL
guint                  north_mcp_server_get_idle_timeout      (NorthMcpServer        *self);
NORTH_MCP_AVAILABLE_IN_ALL
void                   north_mcp_server_set_idle_timeout      (NorthMcpServer        *self,
                                                               guint                  seconds);
NORTH_MCP_AVAILABLE_IN_ALL
guint64                north_mcp_server_get_max_unsent_bytes  (NorthMcpServer        *self);
NORTH_MCP_AVAILABLE_IN_ALL
void                   north_mcp_server_set_max_unsent_bytes  (NorthMcpServer        *self,
                                                               guint64                max_unsent_bytes);
NORTH_MCP_AVAILABLE_IN_ALL
guint64                north_mcp_server_get_max_unsent_output_bytes (NorthMcpServer  *self);
NORTH_MCP_AVAILABLE_IN_ALL
void                   north_mcp_server_set_max_unsent_output_bytes (NorthMcpServer  *self,
                                                                     guint64          max_unsent_output_bytes);
NORTH_MCP_AVAILABLE_IN_ALL
guint64                north_mcp_server_get_max_held_body_bytes (NorthMcpServer      *self);
NORTH_MCP_AVAILABLE_IN_ALL
void                   north_mcp_server_set_max_held_body_bytes (NorthMcpServer      *self,
                                                                 guint64              max_held_body_bytes);
NORTH_MCP_AVAILABLE_IN_ALL
guint                  north_mcp_server_get_max_requests_in_progress (NorthMcpServer *self);
NORTH_MCP_AVAILABLE_IN_ALL
void                   north_mcp_server_set_max_requests_in_progress (NorthMcpServer *self,
                                                                      guint           max_requests);
NORTH_MCP_AVAILABLE_IN_ALL
guint                  north_mcp_server_get_max_requests_in_progress_per_client (NorthMcpServer *self);
NORTH_MCP_AVAILABLE_IN_ALL
void                   north_mcp_server_set_max_requests_in_progress_per_client (NorthMcpServer *self,
                                                                                 guint           max_requests);
NORTH_MCP_AVAILABLE_IN_ALL
guint                  north_mcp_server_get_max_connections   (NorthMcpServer        *self);
NORTH_MCP_AVAILABLE_IN_ALL
void                   north_mcp_server_set_max_connections   (NorthMcpServer        *self,
                                                               guint                  max_connections);
NORTH_MCP_AVAILABLE_IN_ALL
guint                  north_mcp_server_get_page_size         (NorthMcpServer        *self);
NORTH_MCP_AVAILABLE_IN_ALL
void                   north_mcp_server_set_page_size         (NorthMcpServer        *self,
                                                               guint                  page_size);
NORTH_MCP_AVAILABLE_IN_ALL
guint                  north_mcp_server_get_request_timeout   (NorthMcpServer        *self);
NORTH_MCP_AVAILABLE_IN_ALL
void                   north_mcp_server_set_request_timeout   (NorthMcpServer        *self,
                                                               guint                  timeout_ms);
NORTH_MCP_AVAILABLE_IN_ALL
guint                  north_mcp_server_get_request_state_lifetime (NorthMcpServer *self);
NORTH_MCP_AVAILABLE_IN_ALL
void                   north_mcp_server_set_request_state_lifetime (NorthMcpServer *self,
                                                                    guint           lifetime_ms);
NORTH_MCP_AVAILABLE_IN_ALL
guint                  north_mcp_server_get_workers           (NorthMcpServer        *self);
NORTH_MCP_AVAILABLE_IN_ALL
void                   north_mcp_server_set_workers           (NorthMcpServer        *self,
                                                               guint                  workers);
NORTH_MCP_AVAILABLE_IN_ALL
gboolean               north_mcp_server_listen_socket         (NorthMcpServer        *self,
                                                               GSocket               *socket,
                                                               GError               **error);
NORTH_MCP_AVAILABLE_IN_ALL
void                   north_mcp_server_set_request_state_key (NorthMcpServer *self,
                                                               GBytes         *key);
NORTH_MCP_AVAILABLE_IN_ALL
void                   north_mcp_server_set_cache_hint        (NorthMcpServer        *self,
                                                               const char            *method,
                                                               guint                  ttl_ms,
                                                               NorthMcpCacheScope     scope);
NORTH_MCP_AVAILABLE_IN_ALL
gboolean               north_mcp_server_get_cache_hint        (NorthMcpServer        *self,
                                                               const char            *method,
                                                               guint                 *ttl_ms,
                                                               NorthMcpCacheScope    *scope);
NORTH_MCP_AVAILABLE_IN_ALL
guint                  north_mcp_server_get_session_timeout   (NorthMcpServer        *self);
NORTH_MCP_AVAILABLE_IN_ALL
void                   north_mcp_server_set_session_timeout   (NorthMcpServer        *self,
                                                               guint                  timeout_s);
NORTH_MCP_AVAILABLE_IN_ALL
guint                  north_mcp_server_get_max_sessions      (NorthMcpServer        *self);
NORTH_MCP_AVAILABLE_IN_ALL
void                   north_mcp_server_set_max_sessions      (NorthMcpServer        *self,
                                                               guint                  max_sessions);
NORTH_MCP_AVAILABLE_IN_ALL
guint                  north_mcp_server_get_max_sessions_per_identity (NorthMcpServer *self);
NORTH_MCP_AVAILABLE_IN_ALL
void                   north_mcp_server_set_max_sessions_per_identity (NorthMcpServer *self,
                                                               guint                  max_sessions);
NORTH_MCP_AVAILABLE_IN_ALL
guint                  north_mcp_server_get_task_ttl          (NorthMcpServer        *self);
NORTH_MCP_AVAILABLE_IN_ALL
void                   north_mcp_server_set_task_ttl          (NorthMcpServer        *self,
                                                               guint                  ttl_s);
NORTH_MCP_AVAILABLE_IN_ALL
guint64                north_mcp_server_get_max_subscription_bytes (NorthMcpServer *self);
NORTH_MCP_AVAILABLE_IN_ALL
void                   north_mcp_server_set_max_subscription_bytes (NorthMcpServer *self,
                                                               guint64                max_subscription_bytes);
NORTH_MCP_AVAILABLE_IN_ALL
const char            *north_mcp_server_get_state_store       (NorthMcpServer        *self);
NORTH_MCP_AVAILABLE_IN_ALL
void                   north_mcp_server_set_state_store       (NorthMcpServer        *self,
                                                               const char            *uri);
NORTH_MCP_AVAILABLE_IN_ALL
NorthMcpAuth          *north_mcp_server_get_auth              (NorthMcpServer        *self);
NORTH_MCP_AVAILABLE_IN_ALL
NorthMcpTracer        *north_mcp_server_get_tracer            (NorthMcpServer        *server);

NORTH_MCP_AVAILABLE_IN_ALL
void                   north_mcp_server_add_tool              (NorthMcpServer        *self,
                                                               NorthMcpTool          *tool);
NORTH_MCP_AVAILABLE_IN_ALL
gboolean               north_mcp_server_remove_tool           (NorthMcpServer        *self,
                                                               const char            *name);
NORTH_MCP_AVAILABLE_IN_ALL
NorthMcpTool          *north_mcp_server_lookup_tool           (NorthMcpServer        *self,
                                                               const char            *name);
NORTH_MCP_AVAILABLE_IN_ALL
GPtrArray             *north_mcp_server_list_tools            (NorthMcpServer        *self);
NORTH_MCP_AVAILABLE_IN_ALL
void                   north_mcp_server_notify_tools_list_changed (NorthMcpServer    *self);

NORTH_MCP_AVAILABLE_IN_ALL
void                   north_mcp_server_add_resource          (NorthMcpServer        *self,
                                                               NorthMcpResource      *resource);
NORTH_MCP_AVAILABLE_IN_ALL
gboolean               north_mcp_server_remove_resource       (NorthMcpServer        *self,
                                                               const char            *uri);
NORTH_MCP_AVAILABLE_IN_ALL
NorthMcpResource      *north_mcp_server_lookup_resource       (NorthMcpServer        *self,
                                                               const char            *uri);
NORTH_MCP_AVAILABLE_IN_ALL
GPtrArray             *north_mcp_server_list_resources        (NorthMcpServer        *self);
NORTH_MCP_AVAILABLE_IN_ALL
void                   north_mcp_server_add_resource_template (NorthMcpServer        *self,
                                                               NorthMcpResourceTemplate *template_);
NORTH_MCP_AVAILABLE_IN_ALL
gboolean               north_mcp_server_remove_resource_template (NorthMcpServer     *self,
                                                               const char            *uri_template);
NORTH_MCP_AVAILABLE_IN_ALL
GPtrArray             *north_mcp_server_list_resource_templates (NorthMcpServer      *self);
NORTH_MCP_AVAILABLE_IN_ALL
void                   north_mcp_server_notify_resources_list_changed (NorthMcpServer *self);
NORTH_MCP_AVAILABLE_IN_ALL
void                   north_mcp_server_notify_resource_updated (NorthMcpServer      *self,
                                                               const char            *uri);

NORTH_MCP_AVAILABLE_IN_ALL
void                   north_mcp_server_add_prompt            (NorthMcpServer        *self,
                                                               NorthMcpPrompt        *prompt);
NORTH_MCP_AVAILABLE_IN_ALL
gboolean               north_mcp_server_remove_prompt         (NorthMcpServer        *self,
                                                               const char            *name);
NORTH_MCP_AVAILABLE_IN_ALL
NorthMcpPrompt        *north_mcp_server_lookup_prompt         (NorthMcpServer        *self,
                                                               const char            *name);
NORTH_MCP_AVAILABLE_IN_ALL
GPtrArray             *north_mcp_server_list_prompts          (NorthMcpServer        *self);
NORTH_MCP_AVAILABLE_IN_ALL
void                   north_mcp_server_notify_prompts_list_changed (NorthMcpServer  *self);

NORTH_MCP_AVAILABLE_IN_ALL
void                   north_mcp_server_log                   (NorthMcpServer        *self,
                                                               NorthMcpLogLevel       level,
                                                               const char            *logger,
                                                               JsonNode              *data);
NORTH_MCP_AVAILABLE_IN_ALL
void                   north_mcp_server_add_route             (NorthMcpServer        *self,
                                                               const char            *path,
                                                               NorthMcpRouteFunc      func,
                                                               gpointer               user_data,
                                                               GDestroyNotify         destroy);

NORTH_MCP_AVAILABLE_IN_ALL
gboolean               north_mcp_server_start                 (NorthMcpServer        *self,
                                                               NorthMcpTransportKind  transport,
                                                               GError               **error);
NORTH_MCP_AVAILABLE_IN_ALL
void                   north_mcp_server_stop                  (NorthMcpServer        *self);
NORTH_MCP_AVAILABLE_IN_ALL
void                   north_mcp_server_shutdown_async        (NorthMcpServer        *self,
                                                               GCancellable          *cancellable,
                                                               GAsyncReadyCallback    callback,
                                                               gpointer               user_data);
NORTH_MCP_AVAILABLE_IN_ALL
gboolean               north_mcp_server_shutdown_finish       (NorthMcpServer        *self,
                                                               GAsyncResult          *result,
                                                               GError               **error);
NORTH_MCP_AVAILABLE_IN_ALL
guint                  north_mcp_server_get_shutdown_timeout  (NorthMcpServer        *self);
NORTH_MCP_AVAILABLE_IN_ALL
void                   north_mcp_server_set_shutdown_timeout  (NorthMcpServer        *self,
                                                               guint                  timeout_s);
NORTH_MCP_AVAILABLE_IN_ALL
int                    north_mcp_server_run                   (NorthMcpServer        *self,
                                                               int                    argc,
                                                               char                 **argv);

G_END_DECLS
