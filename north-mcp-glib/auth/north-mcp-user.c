/* north-mcp-user.c
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-user-private.h"
#include "north-mcp-siphash-private.h"

/**
 * NorthMcpUser:
 *
 * The North user a request acts for: the identity from the OIDC ID token,
 * the user's OAuth access tokens for third-party connectors, and the free-form
 * request context of the `X-North-Context-*` headers.
 *
 * A user is immutable. Handlers reach it with
 * [method@NorthMcp.Context.get_user] or, in the handler's thread,
 * [func@NorthMcp.get_authenticated_user].
 */
struct _NorthMcpUser
{
  GObject     parent_instance;

  char       *email;
  GHashTable *connector_access_tokens;
  char       *id_token;
  JsonObject *claims;
  GHashTable *context;
  char       *unverified_email;
};

G_DEFINE_FINAL_TYPE (NorthMcpUser, north_mcp_user, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_EMAIL,
  PROP_CONNECTOR_ACCESS_TOKENS,
  PROP_ID_TOKEN,
  PROP_CLAIMS,
  PROP_CONTEXT,
  PROP_UNVERIFIED_EMAIL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static GHashTable *
string_table_copy (GHashTable *source)
{
  /* Keys come from request headers: a keyed hash (hash flooding). */
  GHashTable *copy = g_hash_table_new_full (north_mcp_siphash_str_hash, g_str_equal, g_free, g_free);
  GHashTableIter iter;
  gpointer key, value;

  if (source == NULL)
    return copy;

  g_hash_table_iter_init (&iter, source);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (copy, g_strdup (key), g_strdup (value));

  return copy;
}

static void
north_mcp_user_finalize (GObject *object)
{
  NorthMcpUser *self = NORTH_MCP_USER (object);

  g_free (self->email);
  g_free (self->unverified_email);
  g_clear_pointer (&self->connector_access_tokens, g_hash_table_unref);
  /* The ID token is a credential: do not leave it in freed memory. */
  if (self->id_token != NULL)
    memset (self->id_token, 0, strlen (self->id_token));
  g_free (self->id_token);
  g_clear_pointer (&self->claims, json_object_unref);
  g_clear_pointer (&self->context, g_hash_table_unref);

  G_OBJECT_CLASS (north_mcp_user_parent_class)->finalize (object);
}

static void
north_mcp_user_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  NorthMcpUser *self = NORTH_MCP_USER (object);

  switch (prop_id)
    {
    case PROP_EMAIL:
      g_value_set_string (value, self->email);
      break;
    case PROP_CONNECTOR_ACCESS_TOKENS:
      g_value_set_boxed (value, self->connector_access_tokens);
      break;
    case PROP_ID_TOKEN:
      g_value_set_string (value, self->id_token);
      break;
    case PROP_CLAIMS:
      g_value_set_boxed (value, self->claims);
      break;
    case PROP_CONTEXT:
      g_value_set_boxed (value, self->context);
      break;
    case PROP_UNVERIFIED_EMAIL:
      g_value_set_string (value, self->unverified_email);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* Every property is read-only: a string, or a boxed @type. */
static GParamSpec *
readable_property (const char *name,
                   GType       type)
{
  if (type == G_TYPE_STRING)
    return g_param_spec_string (name, NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  return g_param_spec_boxed (name, NULL, NULL, type, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
}

static void
north_mcp_user_class_init (NorthMcpUserClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = north_mcp_user_finalize;
  object_class->get_property = north_mcp_user_get_property;

  /**
   * NorthMcpUser:email:
   *
   * The user's e-mail address: the ID token's `email` claim, else the
   * e-mail North sent alongside (`X-North-User-Email` or the bearer
   * bundle's `user_email`), else %NULL.
   *
   * When the ID token was verified against a trusted issuer, only the
   * token's claim counts: an e-mail sent alongside is not signed by
   * anyone, so it never becomes a verified identity's e-mail (see
   * [property@NorthMcp.User:unverified-email]).
   */
  properties[PROP_EMAIL] = readable_property ("email", G_TYPE_STRING);

  /**
   * NorthMcpUser:connector-access-tokens: (type GLib.HashTable(utf8,utf8))
   *
   * The user's OAuth access tokens, by connector name (for example
   * `google`). Possibly empty, never %NULL.
   */
  properties[PROP_CONNECTOR_ACCESS_TOKENS] = readable_property ("connector-access-tokens", G_TYPE_HASH_TABLE);

  /**
   * NorthMcpUser:id-token:
   *
   * The raw OIDC ID token (a compact JWT), or %NULL.
   */
  properties[PROP_ID_TOKEN] = readable_property ("id-token", G_TYPE_STRING);

  /**
   * NorthMcpUser:claims:
   *
   * The decoded payload of the ID token, or %NULL.
   */
  properties[PROP_CLAIMS] = readable_property ("claims", JSON_TYPE_OBJECT);

  /**
   * NorthMcpUser:context: (type GLib.HashTable(utf8,utf8))
   *
   * The request context from the `X-North-Context-*` headers: the header
   * name after the prefix, lower-cased, to the header's value.
   */
  properties[PROP_CONTEXT] = readable_property ("context", G_TYPE_HASH_TABLE);

  /**
   * NorthMcpUser:unverified-email:
   *
   * The e-mail address the request claimed in `X-North-User-Email` (or
   * the bearer bundle's `user_email`), as sent, or %NULL. Nothing vouches
   * for it: whoever can reach the server can send any value. Use it for
   * display at most, never to decide who the user is or what they may do;
   * [property@NorthMcp.User:email] is the identity.
   *
   * Since: 0.2
   */
  properties[PROP_UNVERIFIED_EMAIL] = readable_property ("unverified-email", G_TYPE_STRING);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
north_mcp_user_init (NorthMcpUser *self)
{
}

/**
 * north_mcp_user_new:
 * @email: (nullable): the e-mail address
 * @connector_access_tokens: (nullable) (element-type utf8 utf8): connector
 *   name to access token; copied
 * @id_token: (nullable): the raw ID token
 * @claims: (nullable): the ID token's payload; a reference is taken
 * @context: (nullable) (element-type utf8 utf8): context key to value; copied
 *
 * Creates a user. Applications rarely need this: [class@NorthMcp.Auth] creates
 * the users of requests. It serves tests and custom authentication.
 *
 * Returns: (transfer full): a new user
 */
NorthMcpUser *
north_mcp_user_new (const char *email,
                    GHashTable *connector_access_tokens,
                    const char *id_token,
                    JsonObject *claims,
                    GHashTable *context)
{
  NorthMcpUser *self = g_object_new (NORTH_MCP_TYPE_USER, NULL);

  self->email = g_strdup (email);
  self->connector_access_tokens = string_table_copy (connector_access_tokens);
  self->id_token = g_strdup (id_token);
  self->claims = claims != NULL ? json_object_ref (claims) : NULL;
  self->context = string_table_copy (context);

  return self;
}

/**
 * north_mcp_user_get_email:
 * @self: a user
 *
 * Gets the user's e-mail address.
 *
 * Returns: (nullable): the e-mail address
 */
const char *
north_mcp_user_get_email (NorthMcpUser *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_USER (self), NULL);

  return self->email;
}

/**
 * north_mcp_user_get_unverified_email:
 * @self: a user
 *
 * Gets the e-mail address the request claimed without proof, see
 * [property@NorthMcp.User:unverified-email].
 *
 * Returns: (nullable): the claimed e-mail address
 *
 * Since: 0.2
 */
const char *
north_mcp_user_get_unverified_email (NorthMcpUser *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_USER (self), NULL);

  return self->unverified_email;
}

void
north_mcp_user_set_unverified_email (NorthMcpUser *self,
                                     const char   *email)
{
  g_return_if_fail (NORTH_MCP_IS_USER (self));

  g_free (self->unverified_email);
  self->unverified_email = g_strdup (email);
}

/**
 * north_mcp_user_get_connector_access_tokens:
 * @self: a user
 *
 * Gets the user's connector access tokens.
 *
 * Returns: (transfer none) (element-type utf8 utf8): connector name to
 *   access token
 */
GHashTable *
north_mcp_user_get_connector_access_tokens (NorthMcpUser *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_USER (self), NULL);

  return self->connector_access_tokens;
}

/**
 * north_mcp_user_get_connector_access_token:
 * @self: a user
 * @connector: a connector name, such as `google`
 *
 * Looks up the user's access token for one connector.
 *
 * Returns: (nullable): the access token, or %NULL if North sent none
 */
const char *
north_mcp_user_get_connector_access_token (NorthMcpUser *self,
                                           const char   *connector)
{
  g_return_val_if_fail (NORTH_MCP_IS_USER (self), NULL);
  g_return_val_if_fail (connector != NULL, NULL);

  return g_hash_table_lookup (self->connector_access_tokens, connector);
}

/**
 * north_mcp_user_get_id_token:
 * @self: a user
 *
 * Gets the raw OIDC ID token.
 *
 * Returns: (nullable): the ID token
 */
const char *
north_mcp_user_get_id_token (NorthMcpUser *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_USER (self), NULL);

  return self->id_token;
}

/**
 * north_mcp_user_get_claims:
 * @self: a user
 *
 * Gets the decoded payload of the ID token.
 *
 * Returns: (transfer none) (nullable): the claims
 */
JsonObject *
north_mcp_user_get_claims (NorthMcpUser *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_USER (self), NULL);

  return self->claims;
}

/**
 * north_mcp_user_get_context:
 * @self: a user
 *
 * Gets the request context of the `X-North-Context-*` headers.
 *
 * Returns: (transfer none) (element-type utf8 utf8): lower-cased key to value
 */
GHashTable *
north_mcp_user_get_context (NorthMcpUser *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_USER (self), NULL);

  return self->context;
}

/**
 * north_mcp_user_get_context_value:
 * @self: a user
 * @key: a context key; compared case-insensitively
 *
 * Looks up one value of the request context.
 *
 * Returns: (nullable): the value, or %NULL
 */
const char *
north_mcp_user_get_context_value (NorthMcpUser *self,
                                  const char   *key)
{
  g_autofree char *lower = NULL;

  g_return_val_if_fail (NORTH_MCP_IS_USER (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  lower = g_ascii_strdown (key, -1);
  return g_hash_table_lookup (self->context, lower);
}
