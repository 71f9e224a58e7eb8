/* north-mcp-auth.c: the North authentication decision
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include <openssl/crypto.h>

#include "north-mcp-auth-impl-private.h"
#include "north-mcp-log-private.h"
#include "north-mcp-util-private.h"

/**
 * NorthMcpAuth:
 *
 * The North authentication decision: takes the headers of one HTTP request
 * and yields the [class@NorthMcp.User] it acts for, or an error whose message
 * is the one the North contract prescribes for the `401` answer.
 *
 * The rules, in order:
 *
 * - a credential header (`Authorization`, `X-North-ID-Token`,
 *   `X-North-Server-Secret`, `X-North-Connector-Tokens`,
 *   `X-North-User-Email`) sent more than once with different values, a
 *   blank copy included: rejected (`invalid authorization header`), in
 *   open mode too, since libsoup reads the last copy and a gateway in
 *   front may have checked another (the North Python SDK reads the
 *   first). Identical copies count as one;
 * - nothing configured and no credentials sent: the anonymous user (%NULL);
 * - auth enforced (a server secret, trusted issuers, or
 *   [property@NorthMcp.Auth:require-auth]) and no credentials: rejected;
 * - credentials come from the `X-North-*` headers when any of
 *   `X-North-ID-Token`, `X-North-Connector-Tokens` and
 *   `X-North-Server-Secret` is sent, else from the legacy
 *   `Authorization: Bearer <base64 JSON>` bundle;
 * - a configured server secret must match (compared in constant time);
 * - the ID token is decoded; with trusted issuers, its signature is
 *   verified against the issuer's published keys (OIDC discovery and JWKS,
 *   fetched asynchronously and cached).
 *
 * Decisions that need no network are remembered by the exact bytes of
 * the credential headers (at most 60 seconds, never past an ID token's
 * `exp`, bounded in size) and forgotten whenever the configuration
 * changes. With [property@NorthMcp.Auth:debug] on, every request is decided
 * afresh. Signatures are checked once per token: verified ID tokens are
 * remembered by their SHA-256 (until they expire, at most 5 minutes;
 * at most 4,096 of them and 16 MiB of their claims as trees), and so are
 * tokens whose signature failed (at most 1,024, while their `kid` names
 * the same key). A token refused for its claims (`exp`, `nbf`, `iat`,
 * `aud`) costs no signature check at all.
 *
 * A [class@NorthMcp.Auth] is used from one thread: the one whose
 * thread-default main context runs its issuer fetches. It can serve any
 * [class@Soup.Server]; the [class@NorthMcp.Server] applies one to its MCP
 * endpoints.
 */
G_DEFINE_FINAL_TYPE (NorthMcpAuth, north_mcp_auth, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SERVER_SECRET,
  PROP_TRUSTED_ISSUERS,
  PROP_REQUIRE_AUTH,
  PROP_AUDIENCE,
  PROP_DEBUG,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/**
 * north_mcp_auth_error_quark:
 *
 * The error domain of authentication rejections, see
 * [error@NorthMcp.AuthError].
 *
 * Returns: the quark
 */
G_DEFINE_QUARK (north-mcp-auth-error-quark, north_mcp_auth_error)

/* An authentication under way: what it started from, so that it can be
 * decided again. */
typedef struct
{
  SoupMessageHeaders *headers;
  GSocketAddress     *peer;
  AuthRequest        *req;      /* waiting for its issuer's keys */
} Pending;

static void
pending_free (Pending *pending)
{
  soup_message_headers_unref (pending->headers);
  g_clear_object (&pending->peer);
  g_clear_pointer (&pending->req, north_mcp_auth_request_free);
  g_free (pending);
}

static void decide (GTask *task);

static void
on_keys_fetched (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  NorthMcpAuth *self = g_task_get_source_object (task);
  Pending *pending = g_task_get_task_data (task);
  AuthRequest *req = pending->req;
  g_autoptr(GHashTable) keys = NULL;
  g_autoptr(GError) fetch_error = NULL;
  g_autoptr(GError) error = NULL;
  NorthMcpJwk *key;
  NorthMcpUser *user = NULL;

  keys = north_mcp_issuer_cache_fetch_finish (NORTH_MCP_ISSUER_CACHE (source), result, &fetch_error);
  /* The configuration changed meanwhile (an issuer withdrawn, a secret
   * set): the rules run again, under the configuration of now. */
  if (req->generation != self->generation)
    {
      if (!g_task_return_error_if_cancelled (task))
        decide (g_steal_pointer (&task));
      return;
    }
  /* Given up meanwhile (its client went away): the fetch did not fail
   * (it is shared, and goes on), and nobody was turned away. */
  if (g_task_return_error_if_cancelled (task))
    return;

  if (keys == NULL)
    north_mcp_req_reject (req, &error, NORTH_MCP_AUTH_ERROR_ISSUER_UNAVAILABLE, fetch_error->message);
  else if ((key = g_hash_table_lookup (keys, req->kid)) == NULL)
    north_mcp_req_reject (req, &error, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "unknown key id");
  /* The same text decoded before it waited: it decodes again. */
  else if (!north_mcp_id_token_decode (req))
    north_mcp_req_reject (req, &error, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "not a JWT");
  else if (north_mcp_id_token_verify (req, key, &error))
    user = north_mcp_req_make_user (req);

  north_mcp_req_flush_log (req);
  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else if (!g_task_return_error_if_cancelled (task))
    g_task_return_pointer (task, user, g_object_unref);
  else
    g_clear_object (&user);
}

/* Applies the rules to the pending request; answers @task (consumed), or
 * fetches the keys they need first. */
static void
decide (GTask *task)
{
  NorthMcpAuth *self = g_task_get_source_object (task);
  Pending *pending = g_task_get_task_data (task);
  g_autoptr(AuthRequest) req = north_mcp_auth_request_new (self);
  g_autoptr(GError) error = NULL;
  NorthMcpUser *user = NULL;

  g_clear_pointer (&pending->req, north_mcp_auth_request_free);
  if (north_mcp_req_decide (req, pending->headers, NULL, pending->peer, &user, &error) == DECIDED)
    {
      north_mcp_req_flush_log (req);
      if (error != NULL)
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_pointer (task, user, g_object_unref);
      g_object_unref (task);
      return;
    }

  north_mcp_req_flush_log (req);
  /* While it waits, a request keeps its token's text, not the trees of
   * its header and claims: those can take forty times the text, and the
   * fetch up to 10 s. */
  g_clear_pointer (&req->token_header, json_object_unref);
  g_clear_pointer (&req->claims, json_object_unref);
  pending->req = g_steal_pointer (&req);
  north_mcp_issuer_cache_fetch_async (self->issuers, pending->req->issuer, g_task_get_cancellable (task),
                                      on_keys_fetched, task);
}

/**
 * north_mcp_auth_authenticate_async:
 * @self: an auth
 * @headers: the request's headers
 * @peer: (nullable): the client's address, for the debug log
 * @cancellable: (nullable): a cancellable
 * @callback: (scope async): called when the request is decided
 * @user_data: data for @callback
 *
 * Decides whether a request may pass. This completes at once unless an ID
 * token must be verified with issuer keys not cached yet; then the keys are
 * fetched without blocking the main context (at most 10 seconds). A change
 * of configuration while they are fetched applies to the request: its
 * rules run again when the keys arrive.
 */
void
north_mcp_auth_authenticate_async (NorthMcpAuth        *self,
                                   SoupMessageHeaders  *headers,
                                   GSocketAddress      *peer,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  GTask *task;
  Pending *pending;

  g_return_if_fail (NORTH_MCP_IS_AUTH (self));
  g_return_if_fail (headers != NULL);
  g_return_if_fail (peer == NULL || G_IS_SOCKET_ADDRESS (peer));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, north_mcp_auth_authenticate_async);
  pending = g_new0 (Pending, 1);
  pending->headers = soup_message_headers_ref (headers);
  pending->peer = peer != NULL ? g_object_ref (peer) : NULL;
  g_task_set_task_data (task, pending, (GDestroyNotify) pending_free);
  decide (task);
}

/**
 * north_mcp_auth_authenticate_finish:
 * @self: an auth
 * @result: the result passed to the callback
 * @error: return location for a %NORTH_MCP_AUTH_ERROR
 *
 * Finishes [method@NorthMcp.Auth.authenticate_async]. A %NULL return without
 * an error is the anonymous user of open mode: the request may pass, and acts
 * for nobody.
 *
 * Returns: (transfer full) (nullable): the user the request acts for
 */
NorthMcpUser *
north_mcp_auth_authenticate_finish (NorthMcpAuth  *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (NORTH_MCP_IS_AUTH (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

guint64
north_mcp_auth_get_rejection_count (NorthMcpAuth *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_AUTH (self), 0);

  return self->rejections;
}

guint64
north_mcp_auth_get_signature_checks (NorthMcpAuth *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_AUTH (self), 0);

  return self->signature_checks;
}

void
north_mcp_auth_set_fetch_timeout (NorthMcpAuth *self,
                                  guint         timeout_ms)
{
  g_return_if_fail (NORTH_MCP_IS_AUTH (self));

  north_mcp_issuer_cache_set_timeout (self->issuers, timeout_ms);
  north_mcp_auth_clear_decisions (self);
}

void
north_mcp_auth_set_refresh_interval (NorthMcpAuth *self,
                                     guint         interval_ms)
{
  g_return_if_fail (NORTH_MCP_IS_AUTH (self));

  north_mcp_issuer_cache_set_refresh_interval (self->issuers, interval_ms);
  north_mcp_auth_clear_decisions (self);
}

void
north_mcp_auth_set_retry_backoff (NorthMcpAuth *self,
                                  guint         initial_ms,
                                  guint         max_ms)
{
  g_return_if_fail (NORTH_MCP_IS_AUTH (self));

  north_mcp_issuer_cache_set_retry_backoff (self->issuers, initial_ms, max_ms);
}

/* Any change of configuration: what was decided no longer holds, nor
 * what a request waiting for keys has been through so far. */
static void
clear_verified (NorthMcpAuth *self)
{
  self->generation++;
  north_mcp_id_token_forget_verified (self);
  g_hash_table_remove_all (self->refused);
  north_mcp_auth_clear_decisions (self);
}

static void
north_mcp_auth_finalize (GObject *object)
{
  NorthMcpAuth *self = NORTH_MCP_AUTH (object);

  north_mcp_wipe_string (self->server_secret);
  g_strfreev (self->trusted_issuers);
  g_free (self->audience);
  g_clear_object (&self->issuers);
  g_clear_pointer (&self->verified, g_hash_table_unref);
  g_clear_pointer (&self->refused, g_hash_table_unref);
  north_mcp_auth_cache_finalize (self);

  G_OBJECT_CLASS (north_mcp_auth_parent_class)->finalize (object);
}

static void
north_mcp_auth_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  NorthMcpAuth *self = NORTH_MCP_AUTH (object);

  switch (prop_id)
    {
    case PROP_TRUSTED_ISSUERS:
      g_value_set_boxed (value, self->trusted_issuers);
      break;
    case PROP_REQUIRE_AUTH:
      g_value_set_boolean (value, self->require_auth);
      break;
    case PROP_AUDIENCE:
      g_value_set_string (value, self->audience);
      break;
    case PROP_DEBUG:
      g_value_set_boolean (value, self->debug);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
north_mcp_auth_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  NorthMcpAuth *self = NORTH_MCP_AUTH (object);

  switch (prop_id)
    {
    case PROP_SERVER_SECRET:
      north_mcp_auth_set_server_secret (self, g_value_get_string (value));
      break;
    case PROP_TRUSTED_ISSUERS:
      north_mcp_auth_set_trusted_issuers (self, g_value_get_boxed (value));
      break;
    case PROP_REQUIRE_AUTH:
      north_mcp_auth_set_require_auth (self, g_value_get_boolean (value));
      break;
    case PROP_AUDIENCE:
      north_mcp_auth_set_audience (self, g_value_get_string (value));
      break;
    case PROP_DEBUG:
      north_mcp_auth_set_debug (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
north_mcp_auth_class_init (NorthMcpAuthClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = north_mcp_auth_finalize;
  object_class->get_property = north_mcp_auth_get_property;
  object_class->set_property = north_mcp_auth_set_property;

  /**
   * NorthMcpAuth:server-secret:
   *
   * The secret North sends with every request, or %NULL for none. When
   * set, requests must carry it. Write-only: a secret is not handed out;
   * see [method@NorthMcp.Auth.has_server_secret].
   */
  properties[PROP_SERVER_SECRET] =
    g_param_spec_string ("server-secret", NULL, NULL, NULL,
                         G_PARAM_WRITABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * NorthMcpAuth:trusted-issuers:
   *
   * The OIDC issuer URLs whose ID tokens are accepted, compared exactly
   * with the token's `iss`. When set, ID tokens are required and their
   * signatures verified; when %NULL (or empty), ID tokens are decoded
   * without verification (development mode).
   */
  properties[PROP_TRUSTED_ISSUERS] =
    g_param_spec_boxed ("trusted-issuers", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * NorthMcpAuth:require-auth:
   *
   * Whether requests without any North credentials are rejected even when
   * neither a server secret nor trusted issuers are configured.
   */
  properties[PROP_REQUIRE_AUTH] =
    g_param_spec_boolean ("require-auth", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * NorthMcpAuth:audience:
   *
   * When set, verified ID tokens must name it in their `aud` claim.
   */
  properties[PROP_AUDIENCE] =
    g_param_spec_string ("audience", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * NorthMcpAuth:debug:
   *
   * Whether each decision is logged in detail on stderr (secrets cut to a
   * prefix). Defaults to the environment variable `DEBUG` being `true`,
   * `1`, `yes` or `on` (case-insensitive).
   */
  properties[PROP_DEBUG] =
    g_param_spec_boolean ("debug", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
north_mcp_auth_init (NorthMcpAuth *self)
{
  self->debug = north_mcp_log_debug_from_env ();
  self->issuers = north_mcp_issuer_cache_new ();
  self->verified = north_mcp_id_token_cache_new ();
  self->refused = north_mcp_id_token_refused_cache_new ();
  north_mcp_auth_cache_init (self);
}

/**
 * north_mcp_auth_new:
 *
 * Creates an auth in open mode: nothing configured, every request passes.
 *
 * Returns: (transfer full): a new auth
 */
NorthMcpAuth *
north_mcp_auth_new (void)
{
  return g_object_new (NORTH_MCP_TYPE_AUTH, NULL);
}

/**
 * north_mcp_auth_set_server_secret:
 * @self: an auth
 * @secret: (nullable): the secret, or %NULL (or empty) for none
 *
 * Sets the secret requests must carry, in `X-North-Server-Secret` or the
 * bearer bundle's `server_secret`.
 */
void
north_mcp_auth_set_server_secret (NorthMcpAuth *self,
                                  const char   *secret)
{
  g_return_if_fail (NORTH_MCP_IS_AUTH (self));

  if (secret != NULL && *secret == '\0')
    secret = NULL;
  north_mcp_wipe_string (self->server_secret);
  self->server_secret = g_strdup (secret);
  clear_verified (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVER_SECRET]);
}

/**
 * north_mcp_auth_has_server_secret:
 * @self: an auth
 *
 * Gets whether a server secret is configured.
 *
 * Returns: %TRUE if requests must carry a server secret
 */
gboolean
north_mcp_auth_has_server_secret (NorthMcpAuth *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_AUTH (self), FALSE);

  return self->server_secret != NULL;
}

/**
 * north_mcp_auth_set_trusted_issuers:
 * @self: an auth
 * @issuers: (nullable) (array zero-terminated=1): issuer URLs, or %NULL
 *
 * Sets the OIDC issuers whose signed ID tokens are accepted, see
 * [property@NorthMcp.Auth:trusted-issuers].
 */
void
north_mcp_auth_set_trusted_issuers (NorthMcpAuth       *self,
                                    const char * const *issuers)
{
  g_return_if_fail (NORTH_MCP_IS_AUTH (self));

  if (issuers != NULL && issuers[0] == NULL)
    issuers = NULL;
  if (self->trusted_issuers == NULL && issuers == NULL)
    return;
  if (self->trusted_issuers != NULL && issuers != NULL &&
      g_strv_equal ((const char * const *) self->trusted_issuers, issuers))
    return;

  g_strfreev (self->trusted_issuers);
  self->trusted_issuers = g_strdupv ((char **) issuers);
  clear_verified (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TRUSTED_ISSUERS]);
}

/**
 * north_mcp_auth_get_trusted_issuers:
 * @self: an auth
 *
 * Gets the trusted issuers.
 *
 * Returns: (nullable) (transfer none) (array zero-terminated=1): the issuer
 *   URLs, or %NULL when there are none
 */
const char * const *
north_mcp_auth_get_trusted_issuers (NorthMcpAuth *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_AUTH (self), NULL);

  return (const char * const *) self->trusted_issuers;
}

/* Sets a flag that the cached decisions depend on: a change drops them. */
static void
set_decision_flag (NorthMcpAuth *self,
                   gboolean     *flag,
                   gboolean      value,
                   guint         prop_id)
{
  value = !!value;
  if (*flag == value)
    return;
  *flag = value;
  self->generation++;
  north_mcp_auth_clear_decisions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

/**
 * north_mcp_auth_set_require_auth:
 * @self: an auth
 * @require_auth: whether credentials are required
 *
 * Sets [property@NorthMcp.Auth:require-auth].
 */
void
north_mcp_auth_set_require_auth (NorthMcpAuth *self,
                                 gboolean      require_auth)
{
  g_return_if_fail (NORTH_MCP_IS_AUTH (self));

  set_decision_flag (self, &self->require_auth, require_auth, PROP_REQUIRE_AUTH);
}

/**
 * north_mcp_auth_get_require_auth:
 * @self: an auth
 *
 * Gets [property@NorthMcp.Auth:require-auth].
 *
 * Returns: whether credentials are required
 */
gboolean
north_mcp_auth_get_require_auth (NorthMcpAuth *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_AUTH (self), FALSE);

  return self->require_auth;
}

/**
 * north_mcp_auth_set_audience:
 * @self: an auth
 * @audience: (nullable): the expected `aud`, or %NULL to not check it
 *
 * Sets [property@NorthMcp.Auth:audience].
 */
void
north_mcp_auth_set_audience (NorthMcpAuth *self,
                             const char   *audience)
{
  g_return_if_fail (NORTH_MCP_IS_AUTH (self));

  if (audience != NULL && *audience == '\0')
    audience = NULL;
  if (g_strcmp0 (self->audience, audience) == 0)
    return;
  g_free (self->audience);
  self->audience = g_strdup (audience);
  clear_verified (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUDIENCE]);
}

/**
 * north_mcp_auth_get_audience:
 * @self: an auth
 *
 * Gets [property@NorthMcp.Auth:audience].
 *
 * Returns: (nullable): the expected audience
 */
const char *
north_mcp_auth_get_audience (NorthMcpAuth *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_AUTH (self), NULL);

  return self->audience;
}

/**
 * north_mcp_auth_set_debug:
 * @self: an auth
 * @debug: whether to log decisions
 *
 * Sets [property@NorthMcp.Auth:debug], overriding the `DEBUG` environment
 * variable.
 */
void
north_mcp_auth_set_debug (NorthMcpAuth *self,
                          gboolean      debug)
{
  g_return_if_fail (NORTH_MCP_IS_AUTH (self));

  set_decision_flag (self, &self->debug, debug, PROP_DEBUG);
}

/**
 * north_mcp_auth_get_debug:
 * @self: an auth
 *
 * Gets [property@NorthMcp.Auth:debug].
 *
 * Returns: whether decisions are logged
 */
gboolean
north_mcp_auth_get_debug (NorthMcpAuth *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_AUTH (self), FALSE);

  return self->debug;
}

/**
 * north_mcp_auth_is_enforced:
 * @self: an auth
 *
 * Gets whether auth is enforced: a server secret is set, trusted issuers
 * are set, or [property@NorthMcp.Auth:require-auth] is on. Otherwise the auth
 * is in open mode, where requests without credentials pass as the anonymous
 * user.
 *
 * Returns: %TRUE if requests need credentials
 */
gboolean
north_mcp_auth_is_enforced (NorthMcpAuth *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_AUTH (self), FALSE);

  return self->server_secret != NULL || self->trusted_issuers != NULL || self->require_auth;
}
