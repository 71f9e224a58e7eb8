/* north-mcp-auth.c: the North authentication decision
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include <jwt.h>
#include <openssl/crypto.h>

#include "north-mcp-json-reader-private.h"
#include "north-mcp-auth-private.h"
#include "north-mcp-base64-private.h"
#include "north-mcp-issuer-cache-private.h"
#include "north-mcp-log-private.h"
#include "north-mcp-schema-private.h"
#include "north-mcp-siphash-private.h"
#include "north-mcp-user-private.h"

/* Seconds of clock skew allowed for exp and nbf. */
#define TIME_LEEWAY_S 60
/* Verified ID tokens are remembered by digest until they expire, but no
 * longer than this, so that a key withdrawn by its issuer stops working. */
#define VERIFIED_TOKEN_TTL_S (5 * 60)
#define VERIFIED_TOKEN_CACHE_SIZE 4096
/* Decisions are remembered by the credential headers for this long at
 * most (and never past an ID token's exp plus leeway). */
#define DECISION_TTL_S 60
#define DECISION_CACHE_SIZE 4096
/* And at most this many bytes behind them: each entry counts twice its key,
 * the credential headers, since the user it remembers holds about as much
 * again (token, claims, connectors, context). Anyone may send large
 * credentials to an open server. */
#define DECISION_CACHE_BYTES (2 * 1024 * 1024)
/* Larger keys are not remembered (nor built in full). */
#define DECISION_KEY_MAX (DECISION_CACHE_BYTES / 64)
/* Room kept for the headers of a key between requests. */
#define KEY_FIELDS_KEPT 16

#define CONTEXT_HEADER_PREFIX "x-north-context-"

/**
 * NorthMcpAuth:
 *
 * The North authentication decision: takes the headers of one HTTP request
 * and yields the #NorthMcpUser it acts for, or an error whose message is the
 * one the North contract prescribes for the `401` answer.
 *
 * The rules, in order:
 *
 * - nothing configured and no credentials sent: the anonymous user (%NULL);
 * - auth enforced (a server secret, trusted issuers, or
 *   #NorthMcpAuth:require-auth) and no credentials: rejected;
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
 * changes. With #NorthMcpAuth:debug on, every request is decided afresh.
 *
 * A #NorthMcpAuth is used from one thread: the one whose thread-default main
 * context runs its issuer fetches. It can serve any #SoupServer; the
 * #NorthMcpServer applies one to its MCP endpoints.
 */
struct _NorthMcpAuth
{
  GObject              parent_instance;

  char                *server_secret;
  GStrv                trusted_issuers;
  gboolean             require_auth;
  char                *audience;
  gboolean             debug;

  NorthMcpIssuerCache *issuers;
  GHashTable          *verified;      /* SHA-256 of token → VerifiedToken */
  guint64              rejections;

  GHashTable          *decisions;     /* &Decision.key → Decision */
  gsize                decisions_size; /* sum of Decision.size */
  guint                rejections_kept; /* decisions that are rejections */
  gsize                rejections_size; /* their share of decisions_size */
  GString             *key_buffer;    /* the key of the request at hand, reused */
  struct KeyField     *key_fields;    /* the headers going into it */
  gsize                key_fields_size;
  const guint8        *hash_key;      /* of SipHash, random per process */
  guint64              decision_hits;
};

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

typedef struct
{
  JsonObject *claims;
  gint64      expires;      /* real time, µs: exp plus leeway */
  gint64      keys_expire;  /* monotonic, µs: the key set's max-age, capped */
} VerifiedToken;

/* Every header a decision read, in one canonical string; see
 * decision_key(). */
typedef struct
{
  guint64       hash;           /* SipHash-1-3 of bytes, under the process key */
  gsize         length;
  const guint8 *bytes;
} DecisionKey;

/* A decision made without the network, remembered by its key. */
typedef struct
{
  DecisionKey   key;            /* bytes follow the struct, in its allocation */
  NorthMcpUser *user;           /* NULL for a rejection or the anonymous user */
  GError       *error;          /* the rejection */
  gint64        expires;        /* real time, µs: an ID token's exp plus leeway */
  gint64        expires_mono;   /* monotonic, µs: the TTL, the key set's freshness */
  gsize         size;           /* what it counts against DECISION_CACHE_BYTES */
} Decision;

/* One request on its way through the rules. */
typedef struct
{
  NorthMcpAuth *auth;
  GPtrArray    *log;             /* pending debug lines, "logger\nmessage" */

  gboolean      x_north;
  char         *server_secret;   /* as sent */
  char         *id_token;
  char         *email;           /* sent alongside the ID token, unsigned */
  GHashTable   *connectors;
  GHashTable   *context;

  JsonObject   *token_header;
  JsonObject   *claims;
  char         *token_digest;
  char         *issuer;
  char         *kid;
  gboolean      verified;        /* the claims' signature was checked */

  /* What the decision cache may make of this request's outcome. */
  gboolean      uncacheable;     /* it depended on more than the headers */
  gint64        keys_expire;     /* monotonic, µs: G_MAXINT64 unless verified */
} AuthRequest;

/**
 * north_mcp_auth_error_quark:
 *
 * The error domain of authentication rejections, see #NorthMcpAuthError.
 *
 * Returns: the quark
 */
G_DEFINE_QUARK (north-mcp-auth-error-quark, north_mcp_auth_error)

static void
wipe_string (char *text)
{
  if (text != NULL)
    memset (text, 0, strlen (text));
  g_free (text);
}

/* Keyed by names the client chooses (X-North-Context-* headers,
 * connector names): a keyed hash, or colliding names would make each
 * insertion compare with all the others. */
static GHashTable *
new_string_table (void)
{
  return g_hash_table_new_full (north_mcp_siphash_str_hash, g_str_equal, g_free, g_free);
}

static AuthRequest *
auth_request_new (NorthMcpAuth *auth)
{
  AuthRequest *req = g_new0 (AuthRequest, 1);

  req->auth = g_object_ref (auth);
  req->log = g_ptr_array_new_with_free_func (g_free);
  req->connectors = new_string_table ();
  req->context = new_string_table ();
  req->keys_expire = G_MAXINT64;
  return req;
}

static void
auth_request_free (AuthRequest *req)
{
  g_object_unref (req->auth);
  g_ptr_array_unref (req->log);
  wipe_string (req->server_secret);
  wipe_string (req->id_token);
  g_free (req->email);
  g_hash_table_unref (req->connectors);
  g_hash_table_unref (req->context);
  g_clear_pointer (&req->token_header, json_object_unref);
  g_clear_pointer (&req->claims, json_object_unref);
  g_free (req->token_digest);
  g_free (req->issuer);
  g_free (req->kid);
  g_free (req);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AuthRequest, auth_request_free)

/* Debug lines are collected per request and printed when the request is
 * decided, so that the fast path can give up without printing twice. */
static void req_debug (AuthRequest *req,
                       const char  *logger,
                       const char  *format,
                       ...) G_GNUC_PRINTF (3, 4);

static void
req_debug (AuthRequest *req,
           const char  *logger,
           const char  *format,
           ...)
{
  g_autofree char *message = NULL;
  va_list args;

  if (!req->auth->debug)
    return;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_ptr_array_add (req->log, g_strconcat (logger, "\n", message, NULL));
}

static void
req_flush_log (AuthRequest *req)
{
  for (guint i = 0; i < req->log->len; i++)
    {
      const char *line = g_ptr_array_index (req->log, i);
      const char *newline = strchr (line, '\n');
      g_autofree char *logger = g_strndup (line, (gsize) (newline - line));

      north_mcp_log_debug (logger, "%s", newline + 1);
    }
  g_ptr_array_set_size (req->log, 0);
}

static gboolean
reject (AuthRequest        *req,
        GError            **error,
        NorthMcpAuthError   code,
        const char         *detail)
{
  static const char * const messages[] = {
    [NORTH_MCP_AUTH_ERROR_NO_CREDENTIALS] = "no authentication headers present",
    [NORTH_MCP_AUTH_ERROR_INVALID_AUTHORIZATION_HEADER] = "invalid authorization header",
    [NORTH_MCP_AUTH_ERROR_INVALID_BEARER_TOKEN] = "unable to decode bearer token",
    [NORTH_MCP_AUTH_ERROR_ACCESS_DENIED] = "access denied",
    [NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN] = "invalid user id token",
    [NORTH_MCP_AUTH_ERROR_UNTRUSTED_ISSUER] = "Untrusted issuer",
    [NORTH_MCP_AUTH_ERROR_MISSING_ISSUER] = "Token missing issuer",
    [NORTH_MCP_AUTH_ERROR_MISSING_KEY_ID] = "Token missing key identifier",
    [NORTH_MCP_AUTH_ERROR_ISSUER_UNAVAILABLE] = "Failed to verify token: unable to fetch issuer configuration",
  };
  g_autoptr(GError) local_error = NULL;

  if (code == NORTH_MCP_AUTH_ERROR_UNTRUSTED_ISSUER)
    local_error = g_error_new (NORTH_MCP_AUTH_ERROR, code, "Untrusted issuer: %s", req->issuer);
  else
    local_error = g_error_new_literal (NORTH_MCP_AUTH_ERROR, code, messages[code]);

  req->auth->rejections++;
  if (detail != NULL)
    req_debug (req, NORTH_MCP_LOGGER_AUTH, "Authentication failed: %s (%s)",
               local_error->message, detail);
  else
    req_debug (req, NORTH_MCP_LOGGER_AUTH, "Authentication failed: %s", local_error->message);

  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

/* A header's value without surrounding white space; NULL when absent or
 * blank, which the contract treats alike. */
static char *
get_header (SoupMessageHeaders *headers,
            const char         *name)
{
  const char *value = soup_message_headers_get_one (headers, name);
  char *stripped;

  if (value == NULL)
    return NULL;
  /* HTTP allows any byte above 0x7f in values; what we hand on is UTF-8. */
  stripped = g_strstrip (g_utf8_make_valid (value, -1));
  if (*stripped == '\0')
    g_clear_pointer (&stripped, g_free);
  return stripped;
}

static gboolean
is_blank (const char *value)
{
  for (; *value != '\0'; value++)
    if (!g_ascii_isspace (*value))
      return FALSE;
  return TRUE;
}

static gboolean
has_header (SoupMessageHeaders *headers,
            const char         *name)
{
  const char *value = soup_message_headers_get_one (headers, name);

  return value != NULL && !is_blank (value);
}

static gboolean
node_is_string (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_STRING;
}

static gboolean
node_is_number (JsonNode *node)
{
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  type = json_node_get_value_type (node);
  return type == G_TYPE_INT64 || type == G_TYPE_DOUBLE;
}

/* A string member, or NULL when absent or not a string. */
static const char *
object_get_string (JsonObject *object,
                   const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  return node_is_string (node) ? json_node_get_string (node) : NULL;
}

/* @data as a JSON object, or NULL: not UTF-8, not JSON, not an object.
 * The strict reader of the JSON-RPC path (north-mcp-json-reader.c): it
 * checks UTF-8 and depth as it goes, and costs a fraction of JsonParser
 * on every bearer bundle and unverified ID token. */
static JsonObject *
parse_json_object (const char *data,
                   gsize       length)
{
  g_autoptr(JsonNode) root = north_mcp_json_read (data, length, NORTH_MCP_JSON_MAX_DEPTH, NULL);

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  return json_object_ref (json_node_get_object (root));
}

static char *
repr_connectors (AuthRequest *req)
{
  return north_mcp_log_repr_keys (req->connectors);
}

static void
collect_context (AuthRequest        *req,
                 SoupMessageHeaders *headers)
{
  SoupMessageHeadersIter iter;
  const char *name, *value;
  gsize prefix_length = strlen (CONTEXT_HEADER_PREFIX);

  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    {
      g_autofree char *stripped = NULL;

      if (g_ascii_strncasecmp (name, CONTEXT_HEADER_PREFIX, prefix_length) != 0 ||
          name[prefix_length] == '\0' ||
          !g_utf8_validate (name, -1, NULL))
        continue;
      stripped = g_strstrip (g_utf8_make_valid (value, -1));
      if (*stripped == '\0')
        continue;
      g_hash_table_replace (req->context, g_ascii_strdown (name + prefix_length, -1),
                            g_steal_pointer (&stripped));
    }
}

/* Rule 7: X-North-Connector-Tokens is lenient; a bad value gives {}. */
static void
parse_connector_header (AuthRequest *req,
                        const char  *value)
{
  gsize length = 0;
  g_autofree guchar *decoded = north_mcp_base64url_decode (value, -1, &length);
  g_autoptr(JsonObject) object = NULL;
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  if (decoded != NULL)
    object = parse_json_object ((const char *) decoded, length);
  if (object == NULL)
    {
      /* A cached decision would not warn again. */
      req->uncacheable = TRUE;
      north_mcp_log_warning (NORTH_MCP_LOGGER_AUTH,
                             "X-North-Connector-Tokens is not a base64url JSON object; "
                             "using no connector tokens");
      return;
    }

  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &name, &node))
    if (node_is_string (node))
      g_hash_table_replace (req->connectors, g_strdup (name),
                            g_strdup (json_node_get_string (node)));
}

static void
collect_x_north (AuthRequest        *req,
                 SoupMessageHeaders *headers,
                 const char         *connectors)
{
  req->id_token = get_header (headers, "X-North-ID-Token");
  req->server_secret = get_header (headers, "X-North-Server-Secret");
  req->email = get_header (headers, "X-North-User-Email");
  if (connectors != NULL)
    parse_connector_header (req, connectors);

  req_debug (req, NORTH_MCP_LOGGER_AUTH,
             "Using X-North headers. Has server_secret: %s, Has user_id_token: %s, Connector count: %u",
             north_mcp_log_repr_bool (req->server_secret != NULL),
             north_mcp_log_repr_bool (req->id_token != NULL),
             g_hash_table_size (req->connectors));
  if (req->auth->debug)
    {
      g_autofree char *names = repr_connectors (req);

      req_debug (req, NORTH_MCP_LOGGER_AUTH, "Available connectors: %s", names);
    }
}

/* A bundle member that must be a string or null; FALSE if it is neither. */
static gboolean
bundle_get_string (JsonObject  *bundle,
                   const char  *member,
                   char       **out)
{
  JsonNode *node = json_object_get_member (bundle, member);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!node_is_string (node))
    return FALSE;
  /* An empty string stands for "not sent", as in the reference. */
  if (*json_node_get_string (node) != '\0')
    *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

static gboolean
bundle_get_connectors (AuthRequest *req,
                       JsonObject  *bundle)
{
  JsonNode *node = json_object_get_member (bundle, "connector_access_tokens");
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return FALSE;

  json_object_iter_init (&iter, json_node_get_object (node));
  while (json_object_iter_next (&iter, &name, &value))
    {
      if (!node_is_string (value))
        return FALSE;
      g_hash_table_replace (req->connectors, g_strdup (name),
                            g_strdup (json_node_get_string (value)));
    }
  return TRUE;
}

/* Rule 3: the legacy bearer bundle. */
static gboolean
parse_bundle (AuthRequest  *req,
              const char   *authorization,
              GError      **error)
{
  const char *encoded = authorization;
  gsize length = 0;
  g_autofree guchar *decoded = NULL;
  g_autoptr(JsonObject) bundle = NULL;
  g_autofree char *connectors = NULL;

  req_debug (req, NORTH_MCP_LOGGER_AUTH, "Authorization header present (length: %zu)",
             strlen (authorization));

  /* The scheme is optional; when present it is followed by white space. */
  if (g_ascii_strncasecmp (encoded, "Bearer", 6) == 0 &&
      (encoded[6] == ' ' || encoded[6] == '\t'))
    {
      encoded += 6;
      while (*encoded == ' ' || *encoded == '\t')
        encoded++;
    }

  decoded = north_mcp_base64_decode (encoded, -1, &length);
  if (decoded == NULL)
    return reject (req, error, NORTH_MCP_AUTH_ERROR_INVALID_AUTHORIZATION_HEADER,
                   "not base64");
  if (!g_utf8_validate ((const char *) decoded, (gssize) length, NULL))
    return reject (req, error, NORTH_MCP_AUTH_ERROR_INVALID_AUTHORIZATION_HEADER,
                   "not UTF-8");
  req_debug (req, NORTH_MCP_LOGGER_AUTH, "Successfully decoded base64 auth header");

  bundle = parse_json_object ((const char *) decoded, length);
  if (bundle == NULL)
    return reject (req, error, NORTH_MCP_AUTH_ERROR_INVALID_BEARER_TOKEN,
                   "not a JSON object");
  if (!bundle_get_string (bundle, "server_secret", &req->server_secret) ||
      !bundle_get_string (bundle, "user_id_token", &req->id_token) ||
      !bundle_get_string (bundle, "user_email", &req->email) ||
      !bundle_get_connectors (req, bundle))
    return reject (req, error, NORTH_MCP_AUTH_ERROR_INVALID_BEARER_TOKEN,
                   "a member has the wrong type");

  connectors = req->auth->debug ? repr_connectors (req) : NULL;
  req_debug (req, NORTH_MCP_LOGGER_AUTH,
             "Successfully parsed auth tokens. Has server_secret: %s, Has user_id_token: %s, Connector count: %u",
             north_mcp_log_repr_bool (req->server_secret != NULL),
             north_mcp_log_repr_bool (req->id_token != NULL),
             g_hash_table_size (req->connectors));
  req_debug (req, NORTH_MCP_LOGGER_AUTH, "Available connectors: %s", connectors);
  return TRUE;
}

/* Constant time, also in the length: compares digests. */
static gboolean
secrets_equal (const char *expected,
               const char *provided)
{
  g_autoptr(GChecksum) a = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(GChecksum) b = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest_a[32], digest_b[32];
  gsize length_a = sizeof digest_a, length_b = sizeof digest_b;

  g_checksum_update (a, (const guchar *) expected, (gssize) strlen (expected));
  g_checksum_update (b, (const guchar *) provided, (gssize) strlen (provided));
  g_checksum_get_digest (a, digest_a, &length_a);
  g_checksum_get_digest (b, digest_b, &length_b);

  return CRYPTO_memcmp (digest_a, digest_b, sizeof digest_a) == 0;
}

/* A compact JWS: three base64url segments, the first two JSON objects. */
static gboolean
decode_id_token (AuthRequest *req)
{
  g_auto(GStrv) segments = g_strsplit (req->id_token, ".", 0);
  g_autofree guchar *header = NULL;
  g_autofree guchar *payload = NULL;
  g_autofree guchar *signature = NULL;
  gsize header_length = 0, payload_length = 0;

  if (g_strv_length (segments) != 3)
    return FALSE;

  header = north_mcp_base64url_decode (segments[0], -1, &header_length);
  payload = north_mcp_base64url_decode (segments[1], -1, &payload_length);
  signature = north_mcp_base64url_decode (segments[2], -1, NULL);
  if (header == NULL || payload == NULL || signature == NULL)
    return FALSE;

  req->token_header = parse_json_object ((const char *) header, header_length);
  req->claims = parse_json_object ((const char *) payload, payload_length);
  return req->token_header != NULL && req->claims != NULL;
}

static gboolean
is_trusted_issuer (NorthMcpAuth *self,
                   const char   *issuer)
{
  return self->trusted_issuers != NULL &&
         g_strv_contains ((const char * const *) self->trusted_issuers, issuer);
}

/* Only asymmetric algorithms; the key decides which one exactly. */
static gboolean
is_acceptable_algorithm (const char *alg)
{
  static const char * const accepted[] = {
    "RS256", "RS384", "RS512", "ES256", "ES384", "ES512", NULL,
  };

  return alg != NULL && g_strv_contains (accepted, alg);
}

static gboolean
verified_token_is_valid (VerifiedToken *token)
{
  return g_get_real_time () < token->expires && g_get_monotonic_time () < token->keys_expire;
}

static VerifiedToken *
lookup_verified (NorthMcpAuth *self,
                 const char   *digest)
{
  VerifiedToken *token = g_hash_table_lookup (self->verified, digest);

  if (token == NULL)
    return NULL;
  if (!verified_token_is_valid (token))
    {
      g_hash_table_remove (self->verified, digest);
      return NULL;
    }
  return token;
}

static gboolean
remove_if_invalid (gpointer key,
                   gpointer value,
                   gpointer user_data)
{
  return !verified_token_is_valid (value);
}

static void
verified_token_free (VerifiedToken *token)
{
  json_object_unref (token->claims);
  g_free (token);
}

/* Remembers a verified token until it expires, but no longer than its
 * issuer's key set is fresh, nor VERIFIED_TOKEN_TTL_S. */
static void
remember_verified (NorthMcpAuth *self,
                   AuthRequest  *req)
{
  JsonNode *exp = json_object_get_member (req->claims, "exp");
  gint64 keys_expire = north_mcp_issuer_cache_get_keys_expiry (self->issuers, req->issuer);
  VerifiedToken *token;

  if (g_hash_table_size (self->verified) >= VERIFIED_TOKEN_CACHE_SIZE)
    {
      g_hash_table_foreach_remove (self->verified, remove_if_invalid, NULL);
      if (g_hash_table_size (self->verified) >= VERIFIED_TOKEN_CACHE_SIZE)
        g_hash_table_remove_all (self->verified);
    }

  token = g_new0 (VerifiedToken, 1);
  token->claims = json_object_ref (req->claims);
  token->expires = G_MAXINT64;
  /* exp is any JSON number: clamp before converting, far futures included. */
  if (exp != NULL && json_node_get_double (exp) + TIME_LEEWAY_S < (double) (G_MAXINT64 / G_USEC_PER_SEC))
    token->expires = (gint64) ((json_node_get_double (exp) + TIME_LEEWAY_S) * G_USEC_PER_SEC);
  token->keys_expire = MIN (keys_expire,
                            g_get_monotonic_time () + VERIFIED_TOKEN_TTL_S * G_USEC_PER_SEC);
  req->keys_expire = token->keys_expire;
  g_hash_table_replace (self->verified, g_strdup (req->token_digest), token);
}

static gboolean
audience_matches (JsonObject *claims,
                  const char *audience)
{
  JsonNode *aud = json_object_get_member (claims, "aud");

  if (node_is_string (aud))
    return g_str_equal (json_node_get_string (aud), audience);
  if (aud != NULL && JSON_NODE_HOLDS_ARRAY (aud))
    {
      JsonArray *array = json_node_get_array (aud);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);

          if (node_is_string (element) && g_str_equal (json_node_get_string (element), audience))
            return TRUE;
        }
    }
  return FALSE;
}

/* Section 4a, once the key is known: algorithm, signature, time, audience. */
static gboolean
verify_with_key (AuthRequest  *req,
                 NorthMcpJwk  *key,
                 GError      **error)
{
  NorthMcpAuth *self = req->auth;
  const char *alg = object_get_string (req->token_header, "alg");
  JsonNode *exp = json_object_get_member (req->claims, "exp");
  JsonNode *nbf = json_object_get_member (req->claims, "nbf");
  double now = (double) g_get_real_time () / G_USEC_PER_SEC;
  jwt_t *jwt = NULL;
  int status;

  if (g_strcmp0 (alg, jwt_alg_str (key->alg)) != 0)
    return reject (req, error, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN,
                   "algorithm does not match the key");

  status = jwt_decode (&jwt, req->id_token, (const unsigned char *) key->pem,
                       (int) key->pem_length);
  if (jwt != NULL)
    jwt_free (jwt);
  if (status != 0)
    return reject (req, error, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "bad signature");

  if (exp != NULL && !node_is_number (exp))
    return reject (req, error, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "exp is not a number");
  if (nbf != NULL && !node_is_number (nbf))
    return reject (req, error, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "nbf is not a number");
  if (exp != NULL && now > json_node_get_double (exp) + TIME_LEEWAY_S)
    return reject (req, error, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "expired");
  if (nbf != NULL && now < json_node_get_double (nbf) - TIME_LEEWAY_S)
    return reject (req, error, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "not yet valid");
  if (self->audience != NULL && !audience_matches (req->claims, self->audience))
    return reject (req, error, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "audience mismatch");

  remember_verified (self, req);
  req->verified = TRUE;
  req_debug (req, NORTH_MCP_LOGGER_AUTH, "Verified user ID token signature (issuer: %s, kid: %s, alg: %s)",
             req->issuer, req->kid, alg);
  return TRUE;
}

/* Rule 8: the e-mail of a verified identity is its token's claim or none;
 * a header is no proof, so it only ever stands in for an unverified token's
 * missing claim. Either way the header's value stays readable, named
 * unverified. */
static NorthMcpUser *
make_user (AuthRequest *req)
{
  const char *email = NULL;
  /* Only the debug log shows them. */
  g_autofree char *connectors = req->auth->debug ? repr_connectors (req) : NULL;
  NorthMcpUser *user;

  if (req->claims != NULL)
    email = object_get_string (req->claims, "email");
  if (req->claims != NULL)
    req_debug (req, NORTH_MCP_LOGGER_AUTH, "Successfully decoded user ID token. Email: %s",
               email != NULL ? email : "None");
  if (email == NULL && !req->verified)
    email = req->email;
  else if (email == NULL && req->email != NULL)
    req_debug (req, NORTH_MCP_LOGGER_AUTH,
               "Verified ID token has no email claim; the sent e-mail stays unverified");

  req_debug (req, NORTH_MCP_LOGGER_AUTH_CONTEXT,
             "Setting authenticated user in context: email=%s, connectors=%s",
             email != NULL ? email : "None", connectors);

  user = north_mcp_user_new (email, req->connectors, req->id_token, req->claims, req->context);
  north_mcp_user_set_unverified_email (user, req->email);
  return user;
}

typedef enum {
  DECIDED,
  NEEDS_KEYS,
} Outcome;

/* Everything that needs no network. On DECIDED, *@user or @error hold the
 * answer; NEEDS_KEYS means req->issuer's keys must be fetched. */
static Outcome
authenticate_start (AuthRequest         *req,
                    SoupMessageHeaders  *headers,
                    GSocketAddress      *peer,
                    NorthMcpUser       **user,
                    GError             **error)
{
  NorthMcpAuth *self = req->auth;
  g_autofree char *connectors = get_header (headers, "X-North-Connector-Tokens");
  g_autofree char *authorization = get_header (headers, "Authorization");
  g_autofree char *peer_repr = NULL;
  g_autofree char *headers_repr = NULL;
  g_autoptr(NorthMcpJwk) key = NULL;
  VerifiedToken *verified;
  const char *alg;

  *user = NULL;
  if (self->debug)
    {
      peer_repr = north_mcp_log_repr_peer (peer);
      headers_repr = north_mcp_log_repr_headers (headers);
      req_debug (req, NORTH_MCP_LOGGER_AUTH, "Authenticating request from %s", peer_repr);
      req_debug (req, NORTH_MCP_LOGGER_AUTH, "Request headers: %s", headers_repr);
    }

  req->x_north = connectors != NULL ||
                 has_header (headers, "X-North-ID-Token") ||
                 has_header (headers, "X-North-Server-Secret");

  /* Rules 1 and 2. */
  if (!req->x_north && authorization == NULL)
    {
      if (!north_mcp_auth_is_enforced (self))
        {
          req_debug (req, NORTH_MCP_LOGGER_AUTH,
                     "No credentials sent; open mode: anonymous user");
          return DECIDED;
        }
      reject (req, error, NORTH_MCP_AUTH_ERROR_NO_CREDENTIALS, NULL);
      return DECIDED;
    }

  collect_context (req, headers);

  /* Rule 3 (and 7 for X-North). */
  if (req->x_north)
    collect_x_north (req, headers, connectors);
  else if (!parse_bundle (req, authorization, error))
    return DECIDED;
  if (authorization != NULL)
    memset (authorization, 0, strlen (authorization));

  /* Rule 4. */
  if (self->server_secret != NULL &&
      (req->server_secret == NULL || !secrets_equal (self->server_secret, req->server_secret)))
    {
      reject (req, error, NORTH_MCP_AUTH_ERROR_ACCESS_DENIED,
              req->server_secret == NULL ? "no server secret sent" : "wrong server secret");
      return DECIDED;
    }

  /* Rule 6. */
  if (self->trusted_issuers == NULL)
    {
      /* Rule 5, development mode: decoded, not verified. */
      if (req->id_token != NULL && !decode_id_token (req))
        {
          reject (req, error, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "not a JWT");
          return DECIDED;
        }
      *user = make_user (req);
      return DECIDED;
    }

  if (req->id_token == NULL)
    {
      reject (req, error, NORTH_MCP_AUTH_ERROR_NO_CREDENTIALS,
              "trusted issuers need an ID token");
      return DECIDED;
    }

  /* A token verified before is not verified again until it expires. */
  req->token_digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, req->id_token, -1);
  verified = lookup_verified (self, req->token_digest);
  if (verified != NULL)
    {
      req->claims = json_object_ref (verified->claims);
      req->keys_expire = verified->keys_expire;
      req->verified = TRUE;
      req_debug (req, NORTH_MCP_LOGGER_AUTH, "User ID token verified before (cached)");
      *user = make_user (req);
      return DECIDED;
    }

  /* Rule 5 with section 4a. */
  if (!decode_id_token (req))
    {
      reject (req, error, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "not a JWT");
      return DECIDED;
    }

  if (json_object_get_member (req->claims, "iss") == NULL ||
      JSON_NODE_HOLDS_NULL (json_object_get_member (req->claims, "iss")))
    {
      reject (req, error, NORTH_MCP_AUTH_ERROR_MISSING_ISSUER, NULL);
      return DECIDED;
    }
  if (object_get_string (req->claims, "iss") == NULL)
    {
      reject (req, error, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "iss is not a string");
      return DECIDED;
    }
  req->issuer = g_strdup (object_get_string (req->claims, "iss"));
  if (!is_trusted_issuer (self, req->issuer))
    {
      reject (req, error, NORTH_MCP_AUTH_ERROR_UNTRUSTED_ISSUER, NULL);
      return DECIDED;
    }

  req->kid = g_strdup (object_get_string (req->token_header, "kid"));
  if (req->kid == NULL || *req->kid == '\0')
    {
      reject (req, error, NORTH_MCP_AUTH_ERROR_MISSING_KEY_ID, NULL);
      return DECIDED;
    }

  alg = object_get_string (req->token_header, "alg");
  if (!is_acceptable_algorithm (alg))
    {
      reject (req, error, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "algorithm not accepted");
      return DECIDED;
    }

  switch (north_mcp_issuer_cache_lookup (self->issuers, req->issuer, req->kid, &key))
    {
    case NORTH_MCP_ISSUER_KEY_FOUND:
      if (verify_with_key (req, key, error))
        *user = make_user (req);
      else
        req->uncacheable = TRUE;  /* keys rotate, tokens become valid */
      return DECIDED;
    case NORTH_MCP_ISSUER_KEY_UNKNOWN:
      req->uncacheable = TRUE;  /* until the issuer's keys are refetched */
      reject (req, error, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "unknown key id");
      return DECIDED;
    case NORTH_MCP_ISSUER_KEY_UNAVAILABLE:
      req->uncacheable = TRUE;  /* until the back-off has passed */
      reject (req, error, NORTH_MCP_AUTH_ERROR_ISSUER_UNAVAILABLE,
              "the last fetch failed; not retried before the back-off has passed");
      return DECIDED;
    case NORTH_MCP_ISSUER_KEY_FETCH:
    default:
      req_debug (req, NORTH_MCP_LOGGER_AUTH, "Fetching keys of issuer %s", req->issuer);
      return NEEDS_KEYS;
    }
}

static void
on_keys_fetched (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  AuthRequest *req = g_task_get_task_data (task);
  g_autoptr(GHashTable) keys = NULL;
  g_autoptr(GError) fetch_error = NULL;
  g_autoptr(GError) error = NULL;
  NorthMcpJwk *key;
  NorthMcpUser *user = NULL;

  keys = north_mcp_issuer_cache_fetch_finish (NORTH_MCP_ISSUER_CACHE (source), result, &fetch_error);
  if (keys == NULL)
    reject (req, &error, NORTH_MCP_AUTH_ERROR_ISSUER_UNAVAILABLE, fetch_error->message);
  else if ((key = g_hash_table_lookup (keys, req->kid)) == NULL)
    reject (req, &error, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "unknown key id");
  else if (verify_with_key (req, key, &error))
    user = make_user (req);

  req_flush_log (req);
  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else if (!g_task_return_error_if_cancelled (task))
    g_task_return_pointer (task, user, g_object_unref);
  else
    g_clear_object (&user);
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
 * fetched without blocking the main context (at most 10 seconds).
 */
void
north_mcp_auth_authenticate_async (NorthMcpAuth        *self,
                                   SoupMessageHeaders  *headers,
                                   GSocketAddress      *peer,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(AuthRequest) req = NULL;
  g_autoptr(GError) error = NULL;
  NorthMcpUser *user = NULL;
  const char *issuer;

  g_return_if_fail (NORTH_MCP_IS_AUTH (self));
  g_return_if_fail (headers != NULL);
  g_return_if_fail (peer == NULL || G_IS_SOCKET_ADDRESS (peer));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, north_mcp_auth_authenticate_async);

  req = auth_request_new (self);
  if (authenticate_start (req, headers, peer, &user, &error) == DECIDED)
    {
      req_flush_log (req);
      if (error != NULL)
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_pointer (task, user, g_object_unref);
      return;
    }

  req_flush_log (req);
  issuer = req->issuer;
  g_task_set_task_data (task, g_steal_pointer (&req), (GDestroyNotify) auth_request_free);
  north_mcp_issuer_cache_fetch_async (self->issuers, issuer, cancellable,
                                      on_keys_fetched, g_steal_pointer (&task));
}

/**
 * north_mcp_auth_authenticate_finish:
 * @self: an auth
 * @result: the result passed to the callback
 * @error: return location for a %NORTH_MCP_AUTH_ERROR
 *
 * Finishes north_mcp_auth_authenticate_async(). A %NULL return without an
 * error is the anonymous user of open mode: the request may pass, and acts
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

/* The decision cache. Without the network, a decision is a function of the
 * configuration (any change clears the cache), of the credential headers
 * (the key holds them byte for byte: a different secret or token is a
 * different key, so the constant-time comparison is still what admits a
 * secret) and of the time (entries expire). */

/* What a header is in a key; 0 for a header no decision reads. */
enum {
  KEY_AUTHORIZATION = 1,
  KEY_ID_TOKEN,
  KEY_SERVER_SECRET,
  KEY_CONNECTOR_TOKENS,
  KEY_USER_EMAIL,
  KEY_CONTEXT,
};

/* Whether @name starts with @lower, ignoring ASCII case; the end of
 * @name if so, else NULL. Inline: this runs on every request's headers. */
static inline const char *
skip_name_prefix (const char *name,
                  const char *lower)
{
  for (; *lower != '\0'; name++, lower++)
    {
      char c = *name;

      /* g_ascii_tolower() is a call. */
      if (c >= 'A' && c <= 'Z')
        c += 'a' - 'A';
      if (c != *lower)
        return NULL;
    }
  return name;
}

static inline gboolean
name_equal (const char *name,
            const char *lower)
{
  name = skip_name_prefix (name, lower);
  return name != NULL && *name == '\0';
}

static inline guint8
key_tag (const char *name)
{
  const char *rest;

  /* Most headers are told apart by their first letter. */
  if (name[0] == 'A' || name[0] == 'a')
    return name_equal (name, "authorization") ? KEY_AUTHORIZATION : 0;
  if ((name[0] != 'X' && name[0] != 'x') ||
      (rest = skip_name_prefix (name, "x-north-")) == NULL)
    return 0;

  if (skip_name_prefix (rest, "context-") != NULL)
    return KEY_CONTEXT;
  if (name_equal (rest, "id-token"))
    return KEY_ID_TOKEN;
  if (name_equal (rest, "server-secret"))
    return KEY_SERVER_SECRET;
  if (name_equal (rest, "connector-tokens"))
    return KEY_CONNECTOR_TOKENS;
  if (name_equal (rest, "user-email"))
    return KEY_USER_EMAIL;
  return 0;
}

/* A header a decision reads, on its way into the key. */
typedef struct KeyField
{
  guint8      tag;
  const char *name;             /* as sent; only context names go in the key */
  gsize       name_length;      /* 0 unless KEY_CONTEXT */
  const char *value;
  gsize       value_length;
} KeyField;

/* By tag, context headers by name as collect_context() folds them. Sorted
 * stably, so that repeated names keep their order. */
static int
compare_key_fields (gconstpointer a,
                    gconstpointer b,
                    gpointer      user_data G_GNUC_UNUSED)
{
  const KeyField *x = a, *y = b;

  if (x->tag != y->tag)
    return x->tag < y->tag ? -1 : 1;
  return x->tag == KEY_CONTEXT ? g_ascii_strcasecmp (x->name, y->name) : 0;
}

static void
sort_key_fields (KeyField *field,
                 gsize     count)
{
  /* Usually one to three headers: an insertion sort, in place. Stable
   * either way (g_qsort_with_data() is a merge sort). */
  if (count > 8)
    {
      g_qsort_with_data (field, (gint) count, sizeof (KeyField),
                         compare_key_fields, NULL);
      return;
    }
  for (gsize i = 1; i < count; i++)
    {
      KeyField moving = field[i];
      gsize j = i;

      for (; j > 0 && compare_key_fields (&field[j - 1], &moving, NULL) > 0; j--)
        field[j] = field[j - 1];
      field[j] = moving;
    }
}

static guint8 *
put_field (guint8     *out,
           const char *text,
           gsize       length)
{
  guint32 prefix = GUINT32_TO_LE ((guint32) length);

  memcpy (out, &prefix, sizeof prefix);
  memcpy (out + sizeof prefix, text, length);
  return out + sizeof prefix + length;
}

/* One header in the key: its tag, then length-prefixed fields (the name,
 * for context headers, then the value), so that no two header lists share
 * a key however their bytes are split or named. */
static gsize
key_field_length (const KeyField *field)
{
  return 1 + (field->tag == KEY_CONTEXT ? 4 + field->name_length : 0) + 4 + field->value_length;
}

/* The key of a request: every header authenticate_start() reads,
 * repeated ones included, in a canonical order (by name, repeated names in
 * the order sent), so that it decides whichever value
 * soup_message_headers_get_one() picks and which context value wins.
 * Names compare without case, so the fixed ones are a tag; context names
 * go in as sent. Built in self->key_buffer and self->key_fields: once they
 * have grown, a request costs a pass over its headers, a copy of the
 * credentials, one SipHash, and no allocation. FALSE for a key too large
 * to remember (it is not built). */
static gboolean
decision_key (NorthMcpAuth       *self,
              SoupMessageHeaders *headers,
              DecisionKey        *key)
{
  GString *buffer = self->key_buffer;
  SoupMessageHeadersIter iter;
  const char *name, *value;
  gsize count = 0, length = 0;
  guint8 *out;

  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    {
      KeyField field = { key_tag (name), name, 0, value, 0 };

      if (field.tag == 0)
        continue;
      if (field.tag == KEY_CONTEXT)
        field.name_length = strlen (name);
      field.value_length = strlen (value);
      /* Checked one by one, so that no sum overflows. */
      if (field.name_length > DECISION_KEY_MAX || field.value_length > DECISION_KEY_MAX)
        return FALSE;
      length += key_field_length (&field);
      if (length > DECISION_KEY_MAX)
        return FALSE;
      if (count == self->key_fields_size)
        {
          self->key_fields_size *= 2;
          self->key_fields = g_renew (KeyField, self->key_fields, self->key_fields_size);
        }
      self->key_fields[count++] = field;
    }
  sort_key_fields (self->key_fields, count);

  g_string_set_size (buffer, length);
  out = (guint8 *) buffer->str;
  for (gsize i = 0; i < count; i++)
    {
      const KeyField *field = &self->key_fields[i];

      *out++ = field->tag;
      if (field->tag == KEY_CONTEXT)
        out = put_field (out, field->name, field->name_length);
      out = put_field (out, field->value, field->value_length);
    }
  /* Hundreds of tiny context headers are not kept room for. */
  if (self->key_fields_size > KEY_FIELDS_KEPT)
    {
      self->key_fields_size = KEY_FIELDS_KEPT;
      self->key_fields = g_renew (KeyField, self->key_fields, self->key_fields_size);
    }

  key->bytes = (const guint8 *) buffer->str;
  key->length = length;
  key->hash = north_mcp_siphash_1_3 (self->hash_key, key->bytes, key->length);
  return TRUE;
}

/* Whether a request sends any of the headers that make it more than
 * anonymous (Authorization, X-North-ID-Token, -Server-Secret, -Connector-
 * Tokens), not blank. One pass over the headers costs less than four
 * lookups; a repeated header counts if any of its values is not blank,
 * which at worst sends a request the long way. */
static gboolean
has_credentials (SoupMessageHeaders *headers)
{
  SoupMessageHeadersIter iter;
  const char *name, *value;

  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    {
      guint8 tag = key_tag (name);

      if (tag >= KEY_AUTHORIZATION && tag <= KEY_CONNECTOR_TOKENS && !is_blank (value))
        return TRUE;
    }
  return FALSE;
}

static guint
decision_key_hash (gconstpointer key)
{
  return (guint) ((const DecisionKey *) key)->hash;
}

/* The hash only finds the candidate; the bytes must match in full. Not in
 * constant time, and no need: memcmp() runs only on a full 64-bit hash
 * match, which without the process key only equal bytes produce, that is
 * the requester's own credentials sent before. Its timing tells nothing
 * about anyone else's. */
static gboolean
decision_key_equal (gconstpointer a,
                    gconstpointer b)
{
  const DecisionKey *x = a, *y = b;

  return x->hash == y->hash && x->length == y->length &&
         memcmp (x->bytes, y->bytes, x->length) == 0;
}

static void
decision_free (Decision *decision)
{
  /* The key holds credentials. */
  OPENSSL_cleanse (decision + 1, decision->key.length);
  g_clear_object (&decision->user);
  g_clear_error (&decision->error);
  g_free (decision);
}

static void
clear_decisions (NorthMcpAuth *self)
{
  g_hash_table_remove_all (self->decisions);
  self->decisions_size = 0;
  self->rejections_kept = 0;
  self->rejections_size = 0;
}

/* Keeps the totals right as @decision enters (+1) or leaves (-1). */
static void
count_decision (NorthMcpAuth *self,
                Decision     *decision,
                int           direction)
{
  if (direction > 0)
    self->decisions_size += decision->size;
  else
    self->decisions_size -= decision->size;

  if (decision->error == NULL)
    return;
  if (direction > 0)
    {
      self->rejections_kept++;
      self->rejections_size += decision->size;
    }
  else
    {
      self->rejections_kept--;
      self->rejections_size -= decision->size;
    }
}

static gboolean
decision_is_valid (Decision *decision)
{
  return g_get_monotonic_time () < decision->expires_mono &&
         (decision->expires == G_MAXINT64 || g_get_real_time () < decision->expires);
}

static gboolean
remove_if_expired (gpointer key,
                   gpointer value,
                   gpointer user_data)
{
  NorthMcpAuth *self = user_data;
  Decision *decision = value;

  if (decision_is_valid (decision))
    return FALSE;
  count_decision (self, decision, -1);
  return TRUE;
}

static void
forget_decision (NorthMcpAuth *self,
                 Decision     *decision)
{
  count_decision (self, decision, -1);
  g_hash_table_remove (self->decisions, &decision->key);
}

static void
remember_decision (NorthMcpAuth        *self,
                   AuthRequest         *req,
                   const DecisionKey   *key,
                   NorthMcpUser        *user,
                   const GError        *error)
{
  JsonNode *exp = req->claims != NULL ? json_object_get_member (req->claims, "exp") : NULL;
  gsize size = sizeof (Decision) + 2 * key->length;
  Decision *decision, *old;

  if (key->length > DECISION_KEY_MAX)
    return;
  /* Rejections are anybody's to make: they may hold a quarter of the
   * cache, so that a flood of bad credentials cannot push out (or, by
   * filling the cache, clear) the decisions of the clients who have good
   * ones. */
  if (error != NULL &&
      (self->rejections_kept >= DECISION_CACHE_SIZE / 4 ||
       self->rejections_size + size > DECISION_CACHE_BYTES / 4))
    return;
  if (g_hash_table_size (self->decisions) >= DECISION_CACHE_SIZE ||
      self->decisions_size + size > DECISION_CACHE_BYTES)
    {
      g_hash_table_foreach_remove (self->decisions, remove_if_expired, self);
      /* Start over rather than sweep again on every insertion. */
      if (g_hash_table_size (self->decisions) >= DECISION_CACHE_SIZE / 2 ||
          self->decisions_size > DECISION_CACHE_BYTES / 2)
        clear_decisions (self);
    }

  /* One allocation: the key's bytes follow the decision. */
  decision = g_malloc0 (sizeof (Decision) + key->length);
  decision->key.hash = key->hash;
  decision->key.length = key->length;
  decision->key.bytes = memcpy (decision + 1, key->bytes, key->length);
  decision->size = size;
  decision->user = user != NULL ? g_object_ref (user) : NULL;
  decision->error = error != NULL ? g_error_copy (error) : NULL;
  decision->expires_mono = MIN (req->keys_expire,
                                g_get_monotonic_time () + DECISION_TTL_S * G_USEC_PER_SEC);
  decision->expires = G_MAXINT64;
  /* An expired token is decided again (and turned away where that is the
   * rule): exp is any JSON number, so clamp before converting. */
  if (node_is_number (exp))
    {
      double expires = json_node_get_double (exp) + TIME_LEEWAY_S;

      if (expires < (double) (G_MAXINT64 / G_USEC_PER_SEC))
        decision->expires = expires > 0 ? (gint64) (expires * G_USEC_PER_SEC) : 0;
    }
  /* The key was missed or forgotten just now; be sure all the same. */
  if ((old = g_hash_table_lookup (self->decisions, key)) != NULL)
    forget_decision (self, old);
  count_decision (self, decision, +1);
  g_hash_table_insert (self->decisions, &decision->key, decision);
}

/* A remembered decision, counted as if made again. */
static gboolean
recall_decision (NorthMcpAuth        *self,
                 const DecisionKey   *key,
                 NorthMcpUser       **user,
                 GError             **error)
{
  Decision *decision = g_hash_table_lookup (self->decisions, key);

  if (decision == NULL)
    return FALSE;
  if (!decision_is_valid (decision))
    {
      forget_decision (self, decision);
      return FALSE;
    }

  self->decision_hits++;
  if (decision->error != NULL)
    {
      self->rejections++;
      g_propagate_error (error, g_error_copy (decision->error));
      *user = NULL;
    }
  else
    *user = decision->user != NULL ? g_object_ref (decision->user) : NULL;
  return TRUE;
}


gboolean
north_mcp_auth_authenticate_cached (NorthMcpAuth        *self,
                                    SoupMessageHeaders  *headers,
                                    GSocketAddress      *peer,
                                    NorthMcpUser       **user,
                                    GError             **error)
{
  g_autoptr(AuthRequest) req = NULL;
  g_autoptr(GError) local_error = NULL;
  DecisionKey key;
  gboolean cache;

  g_return_val_if_fail (NORTH_MCP_IS_AUTH (self), FALSE);
  g_return_val_if_fail (headers != NULL, FALSE);
  g_return_val_if_fail (user != NULL, FALSE);

  /* Rule 1 without request state: an anonymous request to an open server
   * (the hot path of a server without auth) decides nothing else. */
  if (!self->debug && !north_mcp_auth_is_enforced (self) && !has_credentials (headers))
    {
      *user = NULL;
      return TRUE;
    }

  /* The debug log tells every decision in full, so it bypasses the cache. */
  cache = !self->debug && decision_key (self, headers, &key);
  if (cache && recall_decision (self, &key, user, error))
    return TRUE;

  req = auth_request_new (self);
  /* Nothing is printed before the request is decided, so when the async
   * path starts over, its log tells the story once. */
  if (authenticate_start (req, headers, peer, user, &local_error) == NEEDS_KEYS)
    return FALSE;
  req_flush_log (req);
  /* authenticate_start() leaves self->key_buffer, and so the key, alone. */
  if (cache && !req->uncacheable)
    remember_decision (self, req, &key, *user, local_error);
  if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return TRUE;
}

guint64
north_mcp_auth_get_decision_cache_hits (NorthMcpAuth *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_AUTH (self), 0);

  return self->decision_hits;
}

guint64
north_mcp_auth_get_rejection_count (NorthMcpAuth *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_AUTH (self), 0);

  return self->rejections;
}

void
north_mcp_auth_set_fetch_timeout (NorthMcpAuth *self,
                                  guint         timeout_ms)
{
  g_return_if_fail (NORTH_MCP_IS_AUTH (self));

  north_mcp_issuer_cache_set_timeout (self->issuers, timeout_ms);
  clear_decisions (self);
}

void
north_mcp_auth_set_refresh_interval (NorthMcpAuth *self,
                                     guint         interval_ms)
{
  g_return_if_fail (NORTH_MCP_IS_AUTH (self));

  north_mcp_issuer_cache_set_refresh_interval (self->issuers, interval_ms);
  clear_decisions (self);
}

void
north_mcp_auth_set_retry_backoff (NorthMcpAuth *self,
                                  guint         initial_ms,
                                  guint         max_ms)
{
  g_return_if_fail (NORTH_MCP_IS_AUTH (self));

  north_mcp_issuer_cache_set_retry_backoff (self->issuers, initial_ms, max_ms);
}

/* Any change of configuration: what was decided no longer holds. */
static void
clear_verified (NorthMcpAuth *self)
{
  g_hash_table_remove_all (self->verified);
  clear_decisions (self);
}

static void
north_mcp_auth_finalize (GObject *object)
{
  NorthMcpAuth *self = NORTH_MCP_AUTH (object);

  wipe_string (self->server_secret);
  g_strfreev (self->trusted_issuers);
  g_free (self->audience);
  g_clear_object (&self->issuers);
  g_clear_pointer (&self->verified, g_hash_table_unref);
  g_clear_pointer (&self->decisions, g_hash_table_unref);
  OPENSSL_cleanse (self->key_buffer->str, self->key_buffer->allocated_len);
  g_string_free (self->key_buffer, TRUE);
  g_free (self->key_fields);

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
   * see north_mcp_auth_has_server_secret().
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
  self->verified = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) verified_token_free);
  self->decisions = g_hash_table_new_full (decision_key_hash, decision_key_equal, NULL,
                                           (GDestroyNotify) decision_free);
  self->key_buffer = g_string_sized_new (1024);
  self->key_fields_size = KEY_FIELDS_KEPT;
  self->key_fields = g_new (KeyField, self->key_fields_size);
  self->hash_key = north_mcp_siphash_process_key ();
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
  wipe_string (self->server_secret);
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
 * #NorthMcpAuth:trusted-issuers.
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

/**
 * north_mcp_auth_set_require_auth:
 * @self: an auth
 * @require_auth: whether credentials are required
 *
 * Sets #NorthMcpAuth:require-auth.
 */
void
north_mcp_auth_set_require_auth (NorthMcpAuth *self,
                                 gboolean      require_auth)
{
  g_return_if_fail (NORTH_MCP_IS_AUTH (self));

  require_auth = !!require_auth;
  if (self->require_auth == require_auth)
    return;
  self->require_auth = require_auth;
  clear_decisions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REQUIRE_AUTH]);
}

/**
 * north_mcp_auth_get_require_auth:
 * @self: an auth
 *
 * Gets #NorthMcpAuth:require-auth.
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
 * Sets #NorthMcpAuth:audience.
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
 * Gets #NorthMcpAuth:audience.
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
 * Sets #NorthMcpAuth:debug, overriding the `DEBUG` environment variable.
 */
void
north_mcp_auth_set_debug (NorthMcpAuth *self,
                          gboolean      debug)
{
  g_return_if_fail (NORTH_MCP_IS_AUTH (self));

  debug = !!debug;
  if (self->debug == debug)
    return;
  self->debug = debug;
  clear_decisions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DEBUG]);
}

/**
 * north_mcp_auth_get_debug:
 * @self: an auth
 *
 * Gets #NorthMcpAuth:debug.
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
 * are set, or #NorthMcpAuth:require-auth is on. Otherwise the auth is in
 * open mode, where requests without credentials pass as the anonymous user.
 *
 * Returns: %TRUE if requests need credentials
 */
gboolean
north_mcp_auth_is_enforced (NorthMcpAuth *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_AUTH (self), FALSE);

  return self->server_secret != NULL || self->trusted_issuers != NULL || self->require_auth;
}
