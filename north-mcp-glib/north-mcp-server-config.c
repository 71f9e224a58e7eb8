/* north-mcp-server-config.c: what a NorthMcpServer says and how its
 * protocol behaves
 *
 * Identity (name, version, title, instructions), list pages, timeouts of
 * requests and sessions, debug logging, and the 2026-07-28 settings.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-auth.h"
#include "north-mcp-revision-2026-private.h"
#include "north-mcp-session-manager-private.h"
#include "north-mcp-server-config-private.h"
#include "north-mcp-server-private.h"
#include "north-mcp-task-private.h"
#include "north-mcp-util-private.h"

#define CONFIG(self) (north_mcp_server_get_config (self))

void
north_mcp_server_config_init (NorthMcpServerConfig *config)
{
  config->host = g_strdup ("127.0.0.1");
  config->port = 8000;
  config->health_check = TRUE;
  config->max_body_size = NORTH_MCP_DEFAULT_MAX_BODY_SIZE;
  config->idle_timeout = NORTH_MCP_DEFAULT_IDLE_TIMEOUT_S;
  config->max_unsent_bytes = NORTH_MCP_DEFAULT_MAX_UNSENT_BYTES;
  config->max_held_body_bytes = NORTH_MCP_DEFAULT_MAX_HELD_BODY_BYTES;
  config->max_unsent_output_bytes = NORTH_MCP_DEFAULT_MAX_UNSENT_OUTPUT_BYTES;
  config->max_requests = NORTH_MCP_DEFAULT_MAX_REQUESTS;
  config->max_requests_per_client = NORTH_MCP_DEFAULT_MAX_REQUESTS_PER_CLIENT;
  config->max_connections = NORTH_MCP_DEFAULT_MAX_CONNECTIONS;
  config->workers = 1;
  config->page_size = NORTH_MCP_DEFAULT_PAGE_SIZE;
  config->request_timeout = NORTH_MCP_DEFAULT_REQUEST_TIMEOUT_MS;
  config->task_ttl = NORTH_MCP_DEFAULT_TASK_TTL_S;
  config->shutdown_timeout = NORTH_MCP_DEFAULT_SHUTDOWN_TIMEOUT_S;
  /* uvicorn's default: a proxy on this host. */
  config->forwarded_allow_ips = g_strsplit ("127.0.0.1 ::1", " ", -1);
  config->trusted_proxies = north_mcp_trusted_proxies_new ((const char * const *) config->forwarded_allow_ips,
                                                           NULL);
}

void
north_mcp_server_config_clear (NorthMcpServerConfig *config)
{
  g_clear_pointer (&config->name, g_free);
  g_clear_pointer (&config->version, g_free);
  g_clear_pointer (&config->title, g_free);
  g_clear_pointer (&config->instructions, g_free);
  g_clear_pointer (&config->host, g_free);
  g_clear_pointer (&config->mcp_path, g_free);
  g_clear_pointer (&config->allowed_origins, g_strfreev);
  g_clear_pointer (&config->allowed_hosts, g_strfreev);
  g_clear_pointer (&config->forwarded_allow_ips, g_strfreev);
  g_clear_pointer (&config->trusted_proxies, north_mcp_trusted_proxies_unref);
  g_clear_pointer (&config->listen_sockets, g_ptr_array_unref);
}

/**
 * north_mcp_server_get_name:
 * @self: a server
 *
 * Gets the server's name.
 *
 * Returns: the name
 *
 * Since: 0.1
 */
const char *
north_mcp_server_get_name (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), NULL);

  return CONFIG (self)->name;
}

/**
 * north_mcp_server_get_version:
 * @self: a server
 *
 * Gets the server's version.
 *
 * Returns: the version
 *
 * Since: 0.1
 */
const char *
north_mcp_server_get_version (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), NULL);

  return CONFIG (self)->version;
}

/**
 * north_mcp_server_get_title:
 * @self: a server
 *
 * Gets the server's display title.
 *
 * Returns: (nullable): the title
 *
 * Since: 0.1
 */
const char *
north_mcp_server_get_title (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), NULL);

  return CONFIG (self)->title;
}

/**
 * north_mcp_server_set_title:
 * @self: a server
 * @title: (nullable): a display title
 *
 * Sets the server's display title.
 *
 * Since: 0.1
 */
void
north_mcp_server_set_title (NorthMcpServer *self,
                            const char     *title)
{
  g_return_if_fail (NORTH_MCP_IS_SERVER (self));

  if (north_mcp_set_str (&CONFIG (self)->title, title))
    g_object_notify_by_pspec (G_OBJECT (self), north_mcp_server_properties[PROP_TITLE]);
}

/**
 * north_mcp_server_get_instructions:
 * @self: a server
 *
 * Gets the server's instructions for the model.
 *
 * Returns: (nullable): the instructions
 *
 * Since: 0.1
 */
const char *
north_mcp_server_get_instructions (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), NULL);

  return CONFIG (self)->instructions;
}

/**
 * north_mcp_server_set_instructions:
 * @self: a server
 * @instructions: (nullable): how to use the server
 *
 * Sets the server's instructions for the model.
 *
 * Since: 0.1
 */
void
north_mcp_server_set_instructions (NorthMcpServer *self,
                                   const char     *instructions)
{
  g_return_if_fail (NORTH_MCP_IS_SERVER (self));

  if (north_mcp_set_str (&CONFIG (self)->instructions, instructions))
    g_object_notify_by_pspec (G_OBJECT (self), north_mcp_server_properties[PROP_INSTRUCTIONS]);
}

/**
 * north_mcp_server_get_debug:
 * @self: a server
 *
 * Gets whether debug logging is on.
 *
 * Returns: `TRUE` when debug logging is on
 *
 * Since: 0.1
 */
gboolean
north_mcp_server_get_debug (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), FALSE);

  return north_mcp_auth_get_debug (north_mcp_server_get_auth (self));
}

/**
 * north_mcp_server_set_debug:
 * @self: a server
 * @debug: whether to log details
 *
 * Switches debug logging on or off, overriding the `DEBUG` environment
 * variable.
 *
 * Since: 0.1
 */
void
north_mcp_server_set_debug (NorthMcpServer *self,
                            gboolean        debug)
{
  g_return_if_fail (NORTH_MCP_IS_SERVER (self));

  if (north_mcp_auth_get_debug (north_mcp_server_get_auth (self)) == !!debug)
    return;

  north_mcp_auth_set_debug (north_mcp_server_get_auth (self), debug);
  g_object_notify_by_pspec (G_OBJECT (self), north_mcp_server_properties[PROP_DEBUG]);
}

/**
 * north_mcp_server_get_page_size:
 * @self: a server
 *
 * Gets how many items one page of a list holds.
 *
 * Returns: the page size
 *
 * Since: 0.1
 */
guint
north_mcp_server_get_page_size (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), NORTH_MCP_DEFAULT_PAGE_SIZE);

  return CONFIG (self)->page_size;
}

/**
 * north_mcp_server_set_page_size:
 * @self: a server
 * @page_size: items per page, at least 1
 *
 * Sets how many items one page of a list holds.
 *
 * Since: 0.1
 */
void
north_mcp_server_set_page_size (NorthMcpServer *self,
                                guint           page_size)
{
  g_return_if_fail (NORTH_MCP_IS_SERVER (self));
  g_return_if_fail (page_size >= 1);

  if (CONFIG (self)->page_size == page_size)
    return;

  CONFIG (self)->page_size = page_size;
  g_object_notify_by_pspec (G_OBJECT (self), north_mcp_server_properties[PROP_PAGE_SIZE]);
}

/**
 * north_mcp_server_get_request_timeout:
 * @self: a server
 *
 * Gets how long requests to the client wait for an answer.
 *
 * Returns: the timeout in milliseconds; 0 for none
 *
 * Since: 0.1
 */
guint
north_mcp_server_get_request_timeout (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), 0);

  return CONFIG (self)->request_timeout;
}

/**
 * north_mcp_server_set_request_timeout:
 * @self: a server
 * @timeout_ms: the timeout in milliseconds; 0 for none
 *
 * Sets how long requests to the client (sampling, elicitation, roots) wait
 * for an answer before they fail with `NORTH_MCP_ERROR_TIMED_OUT`.
 *
 * Since: 0.1
 */
void
north_mcp_server_set_request_timeout (NorthMcpServer *self,
                                      guint           timeout_ms)
{
  g_return_if_fail (NORTH_MCP_IS_SERVER (self));

  if (CONFIG (self)->request_timeout == timeout_ms)
    return;

  CONFIG (self)->request_timeout = timeout_ms;
  g_object_notify_by_pspec (G_OBJECT (self), north_mcp_server_properties[PROP_REQUEST_TIMEOUT]);
}

/**
 * north_mcp_server_get_task_ttl:
 * @self: a server
 *
 * Gets how long a task lives after its last change; see
 * [property@NorthMcp.Server:task-ttl].
 *
 * Returns: the time in seconds
 *
 * Since: 0.2
 */
guint
north_mcp_server_get_task_ttl (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), 0);

  return CONFIG (self)->task_ttl;
}

/**
 * north_mcp_server_set_task_ttl:
 * @self: a server
 * @ttl_s: the time in seconds, from 1 to 604800 (seven days)
 *
 * Sets how long a task lives after its last change (see
 * [property@NorthMcp.Server:task-ttl]). Tasks created before keep theirs.
 *
 * Since: 0.2
 */
void
north_mcp_server_set_task_ttl (NorthMcpServer *self,
                               guint           ttl_s)
{
  g_return_if_fail (NORTH_MCP_IS_SERVER (self));
  g_return_if_fail (ttl_s >= 1 && ttl_s <= NORTH_MCP_TASK_MAX_TTL_S);

  if (CONFIG (self)->task_ttl == ttl_s)
    return;

  CONFIG (self)->task_ttl = ttl_s;
  g_object_notify_by_pspec (G_OBJECT (self), north_mcp_server_properties[PROP_TASK_TTL]);
}

/**
 * north_mcp_server_get_shutdown_timeout:
 * @self: a server
 *
 * Gets how long a graceful shutdown waits for the requests that run.
 *
 * Returns: the timeout in seconds; 0 to stop at once
 *
 * Since: 0.2
 */
guint
north_mcp_server_get_shutdown_timeout (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), 0);

  return CONFIG (self)->shutdown_timeout;
}

/**
 * north_mcp_server_set_shutdown_timeout:
 * @self: a server
 * @timeout_s: the timeout in seconds; 0 to stop at once
 *
 * Sets how long [method@NorthMcp.Server.shutdown_async] waits for the
 * requests that run before it stops the server all the same (see
 * [property@NorthMcp.Server:shutdown-timeout]).
 *
 * Since: 0.2
 */
void
north_mcp_server_set_shutdown_timeout (NorthMcpServer *self,
                                       guint           timeout_s)
{
  g_return_if_fail (NORTH_MCP_IS_SERVER (self));

  if (CONFIG (self)->shutdown_timeout == timeout_s)
    return;

  CONFIG (self)->shutdown_timeout = timeout_s;
  g_object_notify_by_pspec (G_OBJECT (self), north_mcp_server_properties[PROP_SHUTDOWN_TIMEOUT]);
}

/**
 * north_mcp_server_get_session_timeout:
 * @self: a server
 *
 * Gets how long an idle Streamable HTTP session lives.
 *
 * Returns: the timeout in seconds; 0 for never
 *
 * Since: 0.1
 */
guint
north_mcp_server_get_session_timeout (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), 0);

  return north_mcp_session_manager_get_timeout (north_mcp_server_get_session_manager (self));
}

/**
 * north_mcp_server_set_session_timeout:
 * @self: a server
 * @timeout_s: the timeout in seconds; 0 for never
 *
 * Sets how long a Streamable HTTP session may stay idle before the server
 * ends it (see [property@NorthMcp.Server:session-timeout]).
 *
 * Since: 0.1
 */
void
north_mcp_server_set_session_timeout (NorthMcpServer *self,
                                      guint           timeout_s)
{
  g_return_if_fail (NORTH_MCP_IS_SERVER (self));

  if (north_mcp_session_manager_get_timeout (north_mcp_server_get_session_manager (self)) == timeout_s)
    return;

  north_mcp_session_manager_set_timeout (north_mcp_server_get_session_manager (self), timeout_s);
  north_mcp_server_reschedule_session_expiry (self);
  g_object_notify_by_pspec (G_OBJECT (self), north_mcp_server_properties[PROP_SESSION_TIMEOUT]);
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

  return north_mcp_session_manager_get_max_sessions (north_mcp_server_get_session_manager (self));
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

  if (north_mcp_session_manager_get_max_sessions (north_mcp_server_get_session_manager (self)) == max_sessions)
    return;

  north_mcp_session_manager_set_max_sessions (north_mcp_server_get_session_manager (self), max_sessions);
  g_object_notify_by_pspec (G_OBJECT (self), north_mcp_server_properties[PROP_MAX_SESSIONS]);
}

/**
 * north_mcp_server_get_max_sessions_per_identity:
 * @self: a server
 *
 * Gets how many sessions one identity may have at once.
 *
 * Returns: the limit; 0 for none
 *
 * Since: 0.2
 */
guint
north_mcp_server_get_max_sessions_per_identity (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), 0);

  return north_mcp_session_manager_get_max_per_owner (north_mcp_server_get_session_manager (self));
}

/**
 * north_mcp_server_set_max_sessions_per_identity:
 * @self: a server
 * @max_sessions: the limit; 0 for none
 *
 * Sets how many sessions one identity may have at once (see
 * [property@NorthMcp.Server:max-sessions-per-identity]). Lowering it ends
 * no session; it applies to the next ones.
 *
 * Since: 0.2
 */
void
north_mcp_server_set_max_sessions_per_identity (NorthMcpServer *self,
                                                guint           max_sessions)
{
  NorthMcpSessionManager *manager;

  g_return_if_fail (NORTH_MCP_IS_SERVER (self));

  manager = north_mcp_server_get_session_manager (self);
  if (north_mcp_session_manager_get_max_per_owner (manager) == max_sessions)
    return;

  north_mcp_session_manager_set_max_per_owner (manager, max_sessions);
  g_object_notify_by_pspec (G_OBJECT (self), north_mcp_server_properties[PROP_MAX_SESSIONS_PER_IDENTITY]);
}

/**
 * north_mcp_server_get_max_subscription_bytes:
 * @self: a server
 *
 * Gets how much memory listen streams and resource subscriptions may
 * take, all together; see [property@NorthMcp.Server:max-subscription-bytes].
 *
 * Returns: the size in bytes; 0 for no limit
 *
 * Since: 0.2
 */
guint64
north_mcp_server_get_max_subscription_bytes (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), 0);

  return north_mcp_kept_budget_get_limit (
           north_mcp_session_manager_get_kept_budget (north_mcp_server_get_session_manager (self)));
}

/**
 * north_mcp_server_set_max_subscription_bytes:
 * @self: a server
 * @max_subscription_bytes: the size in bytes; 0 for no limit
 *
 * Sets how much memory listen streams and resource subscriptions may take,
 * all together (see [property@NorthMcp.Server:max-subscription-bytes]).
 * Lowering it ends no stream and drops no subscription; new ones are
 * refused until enough have ended.
 *
 * Since: 0.2
 */
void
north_mcp_server_set_max_subscription_bytes (NorthMcpServer *self,
                                             guint64         max_subscription_bytes)
{
  NorthMcpKeptBudget *kept;

  g_return_if_fail (NORTH_MCP_IS_SERVER (self));

  kept = north_mcp_session_manager_get_kept_budget (north_mcp_server_get_session_manager (self));
  if (north_mcp_kept_budget_get_limit (kept) == max_subscription_bytes)
    return;

  north_mcp_kept_budget_set_limit (kept, max_subscription_bytes);
  g_object_notify_by_pspec (G_OBJECT (self), north_mcp_server_properties[PROP_MAX_SUBSCRIPTION_BYTES]);
}

/**
 * north_mcp_server_get_request_state_lifetime:
 * @self: a server
 *
 * Gets how long the `requestState` of input-required results stays valid.
 *
 * Returns: the lifetime in milliseconds
 *
 * Since: 0.1
 */
guint
north_mcp_server_get_request_state_lifetime (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), 0);

  return north_mcp_revision_2026_state_get_lifetime (north_mcp_server_get_revision_2026 (self));
}

/**
 * north_mcp_server_set_request_state_lifetime:
 * @self: a server
 * @lifetime_ms: the lifetime in milliseconds
 *
 * Sets how long the `requestState` of input-required results stays valid;
 * see [property@NorthMcp.Server:request-state-lifetime].
 *
 * Since: 0.1
 */
void
north_mcp_server_set_request_state_lifetime (NorthMcpServer *self,
                                             guint           lifetime_ms)
{
  g_return_if_fail (NORTH_MCP_IS_SERVER (self));

  if (north_mcp_revision_2026_state_set_lifetime (north_mcp_server_get_revision_2026 (self), lifetime_ms))
    g_object_notify_by_pspec (G_OBJECT (self), north_mcp_server_properties[PROP_REQUEST_STATE_LIFETIME]);
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
 * the hint for one read with [method@NorthMcp.Context.set_cache_hint].
 *
 * Since: 0.1
 */
void
north_mcp_server_set_cache_hint (NorthMcpServer     *self,
                                 const char         *method,
                                 guint               ttl_ms,
                                 NorthMcpCacheScope  scope)
{
  g_return_if_fail (NORTH_MCP_IS_SERVER (self));
  g_return_if_fail (north_mcp_revision_2026_method_is_cacheable (method));
  g_return_if_fail (scope == NORTH_MCP_CACHE_SCOPE_PUBLIC || scope == NORTH_MCP_CACHE_SCOPE_PRIVATE);

  north_mcp_revision_2026_state_set_cache_hint (north_mcp_server_get_revision_2026 (self), method, ttl_ms, scope);
}

/**
 * north_mcp_server_get_cache_hint:
 * @self: a server
 * @method: a cacheable method (see [method@NorthMcp.Server.set_cache_hint])
 * @ttl_ms: (out) (optional): the time to live in milliseconds
 * @scope: (out) (optional): the cache scope
 *
 * Gets the caching hints results of @method carry.
 *
 * Returns: `TRUE` if @method is cacheable
 *
 * Since: 0.1
 */
gboolean
north_mcp_server_get_cache_hint (NorthMcpServer     *self,
                                 const char         *method,
                                 guint              *ttl_ms,
                                 NorthMcpCacheScope *scope)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), FALSE);

  return north_mcp_revision_2026_state_get_cache_hint (north_mcp_server_get_revision_2026 (self), method, ttl_ms, scope);
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
 * balancer need to. The workers of [method@NorthMcp.Server.run] `--workers`
 * share the first process's key by themselves. Keep the key secret: who
 * has it can forge states.
 *
 * Since: 0.1
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

  north_mcp_revision_2026_state_set_own_key (north_mcp_server_get_revision_2026 (self), data, length);
}

/**
 * north_mcp_server_get_state_store:
 * @self: a server
 *
 * Gets the state store's URI (see [property@NorthMcp.Server:state-store]).
 *
 * Returns: (nullable): the URI, or `NULL` when state lives in this process
 *
 * Since: 0.2
 */
const char *
north_mcp_server_get_state_store (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), NULL);

  return north_mcp_session_manager_get_store_uri (north_mcp_server_get_session_manager (self));
}

/**
 * north_mcp_server_set_state_store:
 * @self: a server
 * @uri: (nullable): `redis://HOST:PORT[/DB]`, or `NULL` for none
 *
 * Sets where HTTP servers keep the state that replicas share (see
 * [property@NorthMcp.Server:state-store]); takes effect when the server
 * starts, and a URI that names no store makes
 * [method@NorthMcp.Server.start] fail.
 *
 * Since: 0.2
 */
void
north_mcp_server_set_state_store (NorthMcpServer *self,
                                  const char     *uri)
{
  NorthMcpSessionManager *sessions;

  g_return_if_fail (NORTH_MCP_IS_SERVER (self));

  sessions = north_mcp_server_get_session_manager (self);
  if (g_strcmp0 (north_mcp_session_manager_get_store_uri (sessions), uri) == 0)
    return;
  north_mcp_session_manager_set_store_uri (sessions, uri);
  g_object_notify_by_pspec (G_OBJECT (self), north_mcp_server_properties[PROP_STATE_STORE]);
}
