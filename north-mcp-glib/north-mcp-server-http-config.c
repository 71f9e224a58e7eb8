/* north-mcp-server-http-config.c: where and how a NorthMcpServer serves HTTP
 *
 * Address, port, endpoint path, the Host and Origin lists, body and
 * buffer limits, keep-alive and worker processes.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>
#include <sys/socket.h>

#include "north-mcp-error.h"
#include "north-mcp-origin-private.h"
#include "north-mcp-server-config-private.h"
#include "north-mcp-server-private.h"
#include "north-mcp-util-private.h"

#define CONFIG(self) (north_mcp_server_get_config (self))

/**
 * north_mcp_server_get_host:
 * @self: a server
 *
 * Gets the address HTTP transports listen on.
 *
 * Returns: the address
 *
 * Since: 0.1
 */
const char *
north_mcp_server_get_host (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), NULL);

  return CONFIG (self)->host;
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
 *
 * Since: 0.1
 */
void
north_mcp_server_set_host (NorthMcpServer *self,
                           const char     *host)
{
  g_return_if_fail (NORTH_MCP_IS_SERVER (self));
  g_return_if_fail (host != NULL);

  if (north_mcp_set_str (&CONFIG (self)->host, host))
    g_object_notify_by_pspec (G_OBJECT (self), north_mcp_server_properties[PROP_HOST]);
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
 *   origins in canonical form, or `NULL` for none
 *
 * Since: 0.2
 */
const char * const *
north_mcp_server_get_allowed_origins (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), NULL);

  return (const char * const *) CONFIG (self)->allowed_origins;
}

/**
 * north_mcp_server_set_allowed_origins:
 * @self: a server
 * @origins: (nullable) (array zero-terminated=1): origins such as
 *   `https://app.example.com` or `http://localhost:6274`, or `NULL` for none
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

  update_list (self, &CONFIG (self)->allowed_origins, origins, TRUE, north_mcp_origin_normalize,
               north_mcp_server_properties[PROP_ALLOWED_ORIGINS]);
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

  update_list (self, &CONFIG (self)->allowed_origins, origins, FALSE, north_mcp_origin_normalize,
               north_mcp_server_properties[PROP_ALLOWED_ORIGINS]);
}

/**
 * north_mcp_server_get_allowed_hosts:
 * @self: a server
 *
 * Gets the names the MCP endpoints accept in the `Host` header, see
 * [property@NorthMcp.Server:allowed-hosts].
 *
 * Returns: (transfer none) (nullable) (array zero-terminated=1): the
 *   hosts in canonical form, or `NULL` for none
 *
 * Since: 0.2
 */
const char * const *
north_mcp_server_get_allowed_hosts (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), NULL);

  return (const char * const *) CONFIG (self)->allowed_hosts;
}

/**
 * north_mcp_server_set_allowed_hosts:
 * @self: a server
 * @hosts: (nullable) (array zero-terminated=1): names such as
 *   `mcp.example.com` (any port) or `mcp.example.com:8443`, or `NULL` for
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

  update_list (self, &CONFIG (self)->allowed_hosts, hosts, TRUE, north_mcp_origin_normalize_host,
               north_mcp_server_properties[PROP_ALLOWED_HOSTS]);
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

  update_list (self, &CONFIG (self)->allowed_hosts, hosts, FALSE, north_mcp_origin_normalize_host,
               north_mcp_server_properties[PROP_ALLOWED_HOSTS]);
}

/**
 * north_mcp_server_get_forwarded_allow_ips:
 * @self: a server
 *
 * Gets the reverse proxies whose `X-Forwarded-For` names the client, see
 * [property@NorthMcp.Server:forwarded-allow-ips].
 *
 * Returns: (transfer none) (nullable) (array zero-terminated=1): the
 *   addresses, networks or `*` in canonical form, or `NULL` for none
 *
 * Since: 0.2
 */
const char * const *
north_mcp_server_get_forwarded_allow_ips (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), NULL);

  return (const char * const *) CONFIG (self)->forwarded_allow_ips;
}

/**
 * north_mcp_server_set_forwarded_allow_ips:
 * @self: a server
 * @ips: (nullable) (array zero-terminated=1): addresses such as
 *   `127.0.0.1`, networks such as `10.0.0.0/8` or `fd00::/8`, or `*` for
 *   every peer; `NULL` for none
 *
 * Replaces the reverse proxies whose `X-Forwarded-For` names the client,
 * see [property@NorthMcp.Server:forwarded-allow-ips]. Entries that are
 * none of these are ignored with a warning. Takes effect with the next
 * request.
 *
 * Since: 0.2
 */
void
north_mcp_server_set_forwarded_allow_ips (NorthMcpServer     *self,
                                          const char * const *ips)
{
  NorthMcpServerConfig *config;

  g_return_if_fail (NORTH_MCP_IS_SERVER (self));

  config = CONFIG (self);
  update_list (self, &config->forwarded_allow_ips, ips, TRUE, north_mcp_trusted_proxies_normalize,
               north_mcp_server_properties[PROP_FORWARDED_ALLOW_IPS]);
  /* Requests under way keep the list they started with (a reference). */
  g_clear_pointer (&config->trusted_proxies, north_mcp_trusted_proxies_unref);
  config->trusted_proxies = north_mcp_trusted_proxies_new ((const char * const *) config->forwarded_allow_ips,
                                                           NULL);
}

/**
 * north_mcp_server_get_port:
 * @self: a server
 *
 * Gets the configured port.
 *
 * Returns: the port
 *
 * Since: 0.1
 */
guint
north_mcp_server_get_port (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), 0);

  return CONFIG (self)->port;
}

/**
 * north_mcp_server_set_port:
 * @self: a server
 * @port: a TCP port, or 0 for any free one
 *
 * Sets the port HTTP transports listen on.
 *
 * Since: 0.1
 */
void
north_mcp_server_set_port (NorthMcpServer *self,
                           guint           port)
{
  g_return_if_fail (NORTH_MCP_IS_SERVER (self));
  g_return_if_fail (port <= 65535);

  if (CONFIG (self)->port == port)
    return;

  CONFIG (self)->port = port;
  g_object_notify_by_pspec (G_OBJECT (self), north_mcp_server_properties[PROP_PORT]);
}

/**
 * north_mcp_server_get_stateless:
 * @self: a server
 *
 * Gets whether Streamable HTTP runs in stateless JSON mode.
 *
 * Returns: `TRUE` in stateless mode
 *
 * Since: 0.1
 */
gboolean
north_mcp_server_get_stateless (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), FALSE);

  return CONFIG (self)->stateless;
}

/**
 * north_mcp_server_set_stateless:
 * @self: a server
 * @stateless: whether to run without sessions
 *
 * Switches Streamable HTTP between stateful sessions and stateless JSON
 * mode. Takes effect at the next [method@NorthMcp.Server.start].
 *
 * Since: 0.1
 */
void
north_mcp_server_set_stateless (NorthMcpServer *self,
                                gboolean        stateless)
{
  g_return_if_fail (NORTH_MCP_IS_SERVER (self));

  stateless = !!stateless;
  if (CONFIG (self)->stateless == stateless)
    return;

  CONFIG (self)->stateless = stateless;
  g_object_notify_by_pspec (G_OBJECT (self), north_mcp_server_properties[PROP_STATELESS]);
}

/**
 * north_mcp_server_get_health_check:
 * @self: a server
 *
 * Gets whether `GET /health` is served.
 *
 * Returns: `TRUE` when it is
 *
 * Since: 0.1
 */
gboolean
north_mcp_server_get_health_check (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), FALSE);

  return CONFIG (self)->health_check;
}

/**
 * north_mcp_server_set_health_check:
 * @self: a server
 * @enabled: whether to serve `GET /health`
 *
 * Switches the built-in health check route on or off.
 *
 * Since: 0.1
 */
void
north_mcp_server_set_health_check (NorthMcpServer *self,
                                   gboolean        enabled)
{
  g_return_if_fail (NORTH_MCP_IS_SERVER (self));

  enabled = !!enabled;
  if (CONFIG (self)->health_check == enabled)
    return;

  CONFIG (self)->health_check = enabled;
  g_object_notify_by_pspec (G_OBJECT (self), north_mcp_server_properties[PROP_HEALTH_CHECK]);
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

  return CONFIG (self)->mcp_path != NULL ? CONFIG (self)->mcp_path : "/mcp";
}

/**
 * north_mcp_server_set_path:
 * @self: a server
 * @path: an absolute path such as `/mcp` or `/tools/v1/mcp`
 * @error: return location for a `NORTH_MCP_ERROR_INVALID_CONFIGURATION`
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

  g_free (CONFIG (self)->mcp_path);
  CONFIG (self)->mcp_path = g_steal_pointer (&normal);
  return TRUE;
}

/**
 * north_mcp_server_get_max_body_size:
 * @self: a server
 *
 * Gets the largest accepted request body.
 *
 * Returns: the size in bytes
 *
 * Since: 0.1
 */
gsize
north_mcp_server_get_max_body_size (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), 0);

  return CONFIG (self)->max_body_size;
}

/**
 * north_mcp_server_set_max_body_size:
 * @self: a server
 * @max_body_size: the size in bytes, at least 1024
 *
 * Sets the largest accepted request body.
 *
 * Since: 0.1
 */
void
north_mcp_server_set_max_body_size (NorthMcpServer *self,
                                    gsize           max_body_size)
{
  g_return_if_fail (NORTH_MCP_IS_SERVER (self));
  g_return_if_fail (max_body_size >= 1024);

  if (CONFIG (self)->max_body_size == max_body_size)
    return;

  CONFIG (self)->max_body_size = max_body_size;
  g_object_notify_by_pspec (G_OBJECT (self), north_mcp_server_properties[PROP_MAX_BODY_SIZE]);
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

  return CONFIG (self)->idle_timeout;
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

  if (CONFIG (self)->idle_timeout == seconds)
    return;

  CONFIG (self)->idle_timeout = seconds;
  g_object_notify_by_pspec (G_OBJECT (self), north_mcp_server_properties[PROP_IDLE_TIMEOUT]);
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

  return CONFIG (self)->max_unsent_bytes;
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

  if (CONFIG (self)->max_unsent_bytes == max_unsent_bytes)
    return;

  CONFIG (self)->max_unsent_bytes = max_unsent_bytes;
  g_object_notify_by_pspec (G_OBJECT (self), north_mcp_server_properties[PROP_MAX_UNSENT_BYTES]);
}

/**
 * north_mcp_server_get_max_unsent_output_bytes:
 * @self: a server
 *
 * Gets how many bytes of HTTP responses, summed over all connections, may
 * wait for their clients to read them; see
 * [property@NorthMcp.Server:max-unsent-output-bytes].
 *
 * Returns: the size in bytes, 0 for no bound
 *
 * Since: 0.2
 */
guint64
north_mcp_server_get_max_unsent_output_bytes (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), 0);

  return CONFIG (self)->max_unsent_output_bytes;
}

/**
 * north_mcp_server_set_max_unsent_output_bytes:
 * @self: a server
 * @max_unsent_output_bytes: the size in bytes, 0 for no bound
 *
 * Sets how many bytes of HTTP responses, summed over all connections, may
 * wait for their clients to read them before the connection that would
 * pass it is closed (see
 * [property@NorthMcp.Server:max-unsent-output-bytes]).
 *
 * Since: 0.2
 */
void
north_mcp_server_set_max_unsent_output_bytes (NorthMcpServer *self,
                                              guint64         max_unsent_output_bytes)
{
  g_return_if_fail (NORTH_MCP_IS_SERVER (self));

  if (CONFIG (self)->max_unsent_output_bytes == max_unsent_output_bytes)
    return;

  CONFIG (self)->max_unsent_output_bytes = max_unsent_output_bytes;
  g_object_notify_by_pspec (G_OBJECT (self), north_mcp_server_properties[PROP_MAX_UNSENT_OUTPUT_BYTES]);
}

/**
 * north_mcp_server_get_max_held_body_bytes:
 * @self: a server
 *
 * Gets how many bytes of request bodies the server holds at once; see
 * [property@NorthMcp.Server:max-held-body-bytes].
 *
 * Returns: the size in bytes
 *
 * Since: 0.2
 */
guint64
north_mcp_server_get_max_held_body_bytes (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), 0);

  return CONFIG (self)->max_held_body_bytes;
}

/**
 * north_mcp_server_set_max_held_body_bytes:
 * @self: a server
 * @max_held_body_bytes: the size in bytes, at least 1024
 *
 * Sets how many bytes of request bodies, summed over all connections, the
 * server holds at once (see [property@NorthMcp.Server:max-held-body-bytes]).
 *
 * Since: 0.2
 */
void
north_mcp_server_set_max_held_body_bytes (NorthMcpServer *self,
                                          guint64         max_held_body_bytes)
{
  g_return_if_fail (NORTH_MCP_IS_SERVER (self));
  g_return_if_fail (max_held_body_bytes >= 1024);

  if (CONFIG (self)->max_held_body_bytes == max_held_body_bytes)
    return;

  CONFIG (self)->max_held_body_bytes = max_held_body_bytes;
  g_object_notify_by_pspec (G_OBJECT (self), north_mcp_server_properties[PROP_MAX_HELD_BODY_BYTES]);
}

/**
 * north_mcp_server_get_max_requests_in_progress:
 * @self: a server
 *
 * Gets how many HTTP requests the server has in progress at once; see
 * [property@NorthMcp.Server:max-requests-in-progress].
 *
 * Returns: the number of requests; `0`: no limit
 *
 * Since: 0.2
 */
guint
north_mcp_server_get_max_requests_in_progress (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), 0);

  return CONFIG (self)->max_requests;
}

/**
 * north_mcp_server_set_max_requests_in_progress:
 * @self: a server
 * @max_requests: the number of requests; `0` for no limit
 *
 * Sets how many HTTP requests, all clients together, the server has in
 * progress at once (see [property@NorthMcp.Server:max-requests-in-progress]).
 *
 * Since: 0.2
 */
void
north_mcp_server_set_max_requests_in_progress (NorthMcpServer *self,
                                               guint           max_requests)
{
  g_return_if_fail (NORTH_MCP_IS_SERVER (self));

  if (CONFIG (self)->max_requests == max_requests)
    return;

  CONFIG (self)->max_requests = max_requests;
  g_object_notify_by_pspec (G_OBJECT (self), north_mcp_server_properties[PROP_MAX_REQUESTS_IN_PROGRESS]);
}

/**
 * north_mcp_server_get_max_requests_in_progress_per_client:
 * @self: a server
 *
 * Gets how many HTTP requests one client (an identity or an address) may
 * have in progress at once; see [property@NorthMcp.Server:max-requests-in-progress-per-client].
 *
 * Returns: the number of requests; `0`: no limit
 *
 * Since: 0.2
 */
guint
north_mcp_server_get_max_requests_in_progress_per_client (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), 0);

  return CONFIG (self)->max_requests_per_client;
}

/**
 * north_mcp_server_set_max_requests_in_progress_per_client:
 * @self: a server
 * @max_requests: the number of requests; `0` for no limit
 *
 * Sets how many HTTP requests one client (an identity, or an address for
 * requests that name no one) may have in progress at once (see
 * [property@NorthMcp.Server:max-requests-in-progress-per-client]).
 *
 * Since: 0.2
 */
void
north_mcp_server_set_max_requests_in_progress_per_client (NorthMcpServer *self,
                                                          guint           max_requests)
{
  g_return_if_fail (NORTH_MCP_IS_SERVER (self));

  if (CONFIG (self)->max_requests_per_client == max_requests)
    return;

  CONFIG (self)->max_requests_per_client = max_requests;
  g_object_notify_by_pspec (G_OBJECT (self),
                            north_mcp_server_properties[PROP_MAX_REQUESTS_IN_PROGRESS_PER_CLIENT]);
}

/**
 * north_mcp_server_get_max_connections:
 * @self: a server
 *
 * Gets how many HTTP connections the server keeps open at once; see
 * [property@NorthMcp.Server:max-connections].
 *
 * Returns: the number of connections; `0`: no limit
 *
 * Since: 0.2
 */
guint
north_mcp_server_get_max_connections (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), 0);

  return CONFIG (self)->max_connections;
}

/**
 * north_mcp_server_set_max_connections:
 * @self: a server
 * @max_connections: the number of connections; `0` for no limit
 *
 * Sets how many HTTP connections the server keeps open at once (see
 * [property@NorthMcp.Server:max-connections]).
 *
 * Since: 0.2
 */
void
north_mcp_server_set_max_connections (NorthMcpServer *self,
                                      guint           max_connections)
{
  g_return_if_fail (NORTH_MCP_IS_SERVER (self));

  if (CONFIG (self)->max_connections == max_connections)
    return;

  CONFIG (self)->max_connections = max_connections;
  g_object_notify_by_pspec (G_OBJECT (self), north_mcp_server_properties[PROP_MAX_CONNECTIONS]);
}

/**
 * north_mcp_server_get_workers:
 * @self: a server
 *
 * Gets how many processes [method@NorthMcp.Server.run] serves with; see
 * [property@NorthMcp.Server:workers].
 *
 * Returns: the number of worker processes, at least 1
 *
 * Since: 0.1
 */
guint
north_mcp_server_get_workers (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), 1);

  return CONFIG (self)->workers;
}

/**
 * north_mcp_server_set_workers:
 * @self: a server
 * @workers: the number of worker processes, 1 to 256
 *
 * Sets how many processes [method@NorthMcp.Server.run] serves the HTTP port
 * with (`--workers`); more than one needs a stateless server. See
 * [property@NorthMcp.Server:workers].
 *
 * Since: 0.1
 */
void
north_mcp_server_set_workers (NorthMcpServer *self,
                              guint           workers)
{
  g_return_if_fail (NORTH_MCP_IS_SERVER (self));
  g_return_if_fail (workers >= 1 && workers <= 256);

  if (CONFIG (self)->workers == workers)
    return;

  CONFIG (self)->workers = workers;
  g_object_notify_by_pspec (G_OBJECT (self), north_mcp_server_properties[PROP_WORKERS]);
}

/**
 * north_mcp_server_listen_socket:
 * @self: a server
 * @socket: a bound, listening TCP socket (IPv4 or IPv6)
 * @error: return location for a `GError`
 *
 * Serves HTTP on @socket instead of binding
 * [property@NorthMcp.Server:host] and [property@NorthMcp.Server:port]: a
 * socket passed by a service manager (systemd socket activation, which
 * [method@NorthMcp.Server.run] adopts by itself from `LISTEN_FDS`) or
 * made by the application. Call it before the server starts, once per
 * socket; the server keeps a reference, and stopping the server closes
 * the socket (a server started again binds host and port). The host and port properties become those of the socket
 * (of the first that is not on a loopback address, if any), which is
 * what the DNS-rebinding checks judge the `Host` header by. With
 * [property@NorthMcp.Server:workers] above 1, every worker accepts on
 * the same sockets.
 *
 * Fails with `NORTH_MCP_ERROR_INVALID_CONFIGURATION` when @socket is not
 * a listening TCP socket, and with `NORTH_MCP_ERROR_FAILED` once the
 * server is running.
 *
 * Returns: `TRUE` if the socket will be served
 *
 * Since: 0.2
 */
gboolean
north_mcp_server_listen_socket (NorthMcpServer  *self,
                                GSocket         *socket,
                                GError         **error)
{
  g_autoptr(GSocketAddress) local = NULL;
  GInetAddress *inet;
  gboolean first_public;
  gint accepting = 0;

  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), FALSE);
  g_return_val_if_fail (G_IS_SOCKET (socket), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (north_mcp_server_is_running (self))
    {
      g_set_error_literal (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED,
                           "The server is already running");
      return FALSE;
    }
  if (g_socket_get_socket_type (socket) != G_SOCKET_TYPE_STREAM ||
      (g_socket_get_family (socket) != G_SOCKET_FAMILY_IPV4 &&
       g_socket_get_family (socket) != G_SOCKET_FAMILY_IPV6) ||
      (local = g_socket_get_local_address (socket, NULL)) == NULL ||
      !G_IS_INET_SOCKET_ADDRESS (local) ||
      /* Unbound: listen() would pick a port on every interface. */
      g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)) == 0)
    {
      g_set_error_literal (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_CONFIGURATION,
                           "Only bound TCP sockets (IPv4 or IPv6) can be served");
      return FALSE;
    }
  /* An application's socket may be bound only: listen here. */
  if ((!g_socket_get_option (socket, SOL_SOCKET, SO_ACCEPTCONN, &accepting, NULL) || !accepting) &&
      !g_socket_listen (socket, error))
    return FALSE;

  if (CONFIG (self)->listen_sockets == NULL)
    CONFIG (self)->listen_sockets = g_ptr_array_new_with_free_func (g_object_unref);
  inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local));
  /* The host the Host checks go by: the first public address, if any. */
  first_public = !g_inet_address_get_is_loopback (inet) && north_mcp_server_listen_sockets_loopback (self);
  g_ptr_array_add (CONFIG (self)->listen_sockets, g_object_ref (socket));
  if (CONFIG (self)->listen_sockets->len == 1 || first_public)
    {
      g_autofree char *host = g_inet_address_to_string (inet);

      north_mcp_server_set_host (self, host);
      north_mcp_server_set_port (self, g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)));
    }
  return TRUE;
}

/* The sockets given to north_mcp_server_listen_socket(), or NULL. */
GPtrArray *
north_mcp_server_get_listen_sockets (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), NULL);

  return CONFIG (self)->listen_sockets;
}

/* Whether every socket given so far is on a loopback address. */
gboolean
north_mcp_server_listen_sockets_loopback (NorthMcpServer *self)
{
  for (guint i = 0; CONFIG (self)->listen_sockets != NULL && i < CONFIG (self)->listen_sockets->len; i++)
    {
      g_autoptr(GSocketAddress) local = g_socket_get_local_address (CONFIG (self)->listen_sockets->pdata[i], NULL);

      if (local == NULL || !G_IS_INET_SOCKET_ADDRESS (local) ||
          !g_inet_address_get_is_loopback (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local))))
        return FALSE;
    }
  return TRUE;
}
