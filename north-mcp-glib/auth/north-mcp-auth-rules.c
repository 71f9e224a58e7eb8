/* north-mcp-auth-rules.c: the North contract's rules, applied to the
 * headers of one request
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include <openssl/crypto.h>

#include "north-mcp-auth-impl-private.h"
#include "north-mcp-base64-private.h"
#include "north-mcp-json-reader-private.h"
#include "north-mcp-log-private.h"
#include "north-mcp-log-throttle-private.h"
#include "north-mcp-siphash-private.h"
#include "north-mcp-user-private.h"
#include "north-mcp-util-private.h"

#define CONTEXT_HEADER_PREFIX "x-north-context-"

/* Keyed by names the client chooses (X-North-Context-* headers,
 * connector names): a keyed hash, or colliding names would make each
 * insertion compare with all the others. */
static GHashTable *
new_string_table (void)
{
  return g_hash_table_new_full (north_mcp_siphash_str_hash, g_str_equal, g_free, g_free);
}

AuthRequest *
north_mcp_auth_request_new (NorthMcpAuth *auth)
{
  AuthRequest *req = g_new0 (AuthRequest, 1);

  req->auth = g_object_ref (auth);
  req->generation = auth->generation;
  req->log = g_ptr_array_new_with_free_func (g_free);
  req->connectors = new_string_table ();
  req->context = new_string_table ();
  req->keys_expire = G_MAXINT64;
  return req;
}

void
north_mcp_auth_request_free (AuthRequest *req)
{
  g_object_unref (req->auth);
  g_ptr_array_unref (req->log);
  north_mcp_wipe_string (req->server_secret);
  north_mcp_wipe_string (req->id_token);
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

void
north_mcp_req_debug (AuthRequest *req,
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

void
north_mcp_req_flush_log (AuthRequest *req)
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

gboolean
north_mcp_req_reject (AuthRequest        *req,
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
    north_mcp_req_debug (req, NORTH_MCP_LOGGER_AUTH, "Authentication failed: %s (%s)",
                         local_error->message, detail);
  else
    north_mcp_req_debug (req, NORTH_MCP_LOGGER_AUTH, "Authentication failed: %s", local_error->message);

  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

/* The credential headers (and the e-mail), by AuthHeader. */
#define N_SENT (AUTH_HEADER_USER_EMAIL + 1)

static const char * const sent_names[N_SENT] = {
  [AUTH_HEADER_AUTHORIZATION] = "Authorization",
  [AUTH_HEADER_ID_TOKEN] = "X-North-ID-Token",
  [AUTH_HEADER_SERVER_SECRET] = "X-North-Server-Secret",
  [AUTH_HEADER_CONNECTOR_TOKENS] = "X-North-Connector-Tokens",
  [AUTH_HEADER_USER_EMAIL] = "X-North-User-Email",
};

/* Reads the credential headers (and the e-mail) in one pass, cheaper than
 * looking each one up: @sent gets the last copy of each, the one
 * soup_message_headers_get_one() gives. Returns the name of one sent more
 * than once with different values, else NULL: the North Python SDK's
 * Starlette reads the first copy, a gateway in front may read any, and
 * one that checks another copy than the one used would be bypassed. */
static const char *
read_sent (SoupMessageHeaders       *headers,
           const NorthMcpAuthFields *fields,
           const char              **sent)
{
  AuthFieldIter iter;
  const char *name, *value;

  memset (sent, 0, N_SENT * sizeof *sent);
  north_mcp_auth_field_iter_init (&iter, headers, fields);
  while (north_mcp_auth_field_iter_next (&iter, &name, &value))
    {
      AuthHeader tag = north_mcp_auth_header_tag (name);

      if (tag < AUTH_HEADER_AUTHORIZATION || tag > AUTH_HEADER_USER_EMAIL)
        continue;
      /* Not in constant time: both copies are the client's own. */
      if (sent[tag] != NULL && strcmp (sent[tag], value) != 0)
        return sent_names[tag];
      sent[tag] = value;
    }
  return NULL;
}

/* A header's value without surrounding white space; NULL when absent or
 * blank, which the contract treats alike. */
static char *
strip_header (const char *value)
{
  char *stripped;

  if (value == NULL)
    return NULL;
  /* HTTP allows any byte above 0x7f in values; what we hand on is UTF-8. */
  stripped = g_strstrip (g_utf8_make_valid (value, -1));
  if (*stripped == '\0')
    g_clear_pointer (&stripped, g_free);
  return stripped;
}

/* Sent, and not blank. */
static gboolean
is_sent (const char *value)
{
  return value != NULL && !north_mcp_str_is_blank (value);
}

/* @data as a JSON object, or NULL: not UTF-8, not JSON, not an object.
 * The strict reader of the JSON-RPC path (north-mcp-json-reader.c): it
 * checks UTF-8 and depth as it goes, and costs a fraction of JsonParser
 * on every bearer bundle and unverified ID token. */
JsonObject *
north_mcp_auth_parse_json_object (const char *data,
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
collect_context (AuthRequest              *req,
                 SoupMessageHeaders       *headers,
                 const NorthMcpAuthFields *fields)
{
  AuthFieldIter iter;
  const char *name, *value;
  gsize prefix_length = strlen (CONTEXT_HEADER_PREFIX);

  north_mcp_auth_field_iter_init (&iter, headers, fields);
  while (north_mcp_auth_field_iter_next (&iter, &name, &value))
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
  g_autofree guchar *decoded = north_mcp_base64_decode (value, -1, NORTH_MCP_BASE64_URL, &length);
  g_autoptr(JsonObject) object = NULL;
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  if (decoded != NULL)
    object = north_mcp_auth_parse_json_object ((const char *) decoded, length);
  if (object == NULL)
    {
      /* Warned of once the request is accepted (north_mcp_req_make_user()):
       * one turned away by a later rule logs nothing but at debug level. */
      req->bad_connectors = TRUE;
      return;
    }

  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &name, &node))
    if (north_mcp_node_holds_string (node))
      g_hash_table_replace (req->connectors, g_strdup (name),
                            g_strdup (json_node_get_string (node)));
}

static void
collect_x_north (AuthRequest        *req,
                 const char * const *sent,
                 const char         *connectors)
{
  req->id_token = strip_header (sent[AUTH_HEADER_ID_TOKEN]);
  req->server_secret = strip_header (sent[AUTH_HEADER_SERVER_SECRET]);
  req->email = strip_header (sent[AUTH_HEADER_USER_EMAIL]);
  if (connectors != NULL)
    parse_connector_header (req, connectors);

  /* The North Python SDK's lines, with the bundle's "Has server_secret". */
  north_mcp_req_debug (req, NORTH_MCP_LOGGER_AUTH, "Using X-North headers for authentication");
  if (req->id_token == NULL)
    north_mcp_req_debug (req, NORTH_MCP_LOGGER_AUTH, "No X-North-ID-Token header present");
  north_mcp_req_debug (req, NORTH_MCP_LOGGER_AUTH,
                       "X-North headers parsed. Has server_secret: %s, Has user_id_token: %s, Connector count: %u",
                       north_mcp_log_repr_bool (req->server_secret != NULL),
                       north_mcp_log_repr_bool (req->id_token != NULL),
                       g_hash_table_size (req->connectors));
  if (req->auth->debug)
    {
      g_autofree char *names = repr_connectors (req);

      north_mcp_req_debug (req, NORTH_MCP_LOGGER_AUTH, "Available connectors: %s", names);
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
  if (!north_mcp_node_holds_string (node))
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
      if (!north_mcp_node_holds_string (value))
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

  north_mcp_req_debug (req, NORTH_MCP_LOGGER_AUTH, "Authorization header present (length: %zu)",
                       strlen (authorization));

  /* The scheme is optional; when present it is followed by white space. */
  if (g_ascii_strncasecmp (encoded, "Bearer", 6) == 0 &&
      (encoded[6] == ' ' || encoded[6] == '\t'))
    {
      encoded += 6;
      while (*encoded == ' ' || *encoded == '\t')
        encoded++;
    }

  decoded = north_mcp_base64_decode (encoded, -1, NORTH_MCP_BASE64_STANDARD, &length);
  if (decoded == NULL)
    return north_mcp_req_reject (req, error, NORTH_MCP_AUTH_ERROR_INVALID_AUTHORIZATION_HEADER,
                                 "not base64");
  if (!g_utf8_validate ((const char *) decoded, (gssize) length, NULL))
    return north_mcp_req_reject (req, error, NORTH_MCP_AUTH_ERROR_INVALID_AUTHORIZATION_HEADER,
                                 "not UTF-8");
  north_mcp_req_debug (req, NORTH_MCP_LOGGER_AUTH, "Successfully decoded base64 auth header");

  bundle = north_mcp_auth_parse_json_object ((const char *) decoded, length);
  if (bundle == NULL)
    return north_mcp_req_reject (req, error, NORTH_MCP_AUTH_ERROR_INVALID_BEARER_TOKEN,
                                 "not a JSON object");
  if (!bundle_get_string (bundle, "server_secret", &req->server_secret) ||
      !bundle_get_string (bundle, "user_id_token", &req->id_token) ||
      !bundle_get_string (bundle, "user_email", &req->email) ||
      !bundle_get_connectors (req, bundle))
    return north_mcp_req_reject (req, error, NORTH_MCP_AUTH_ERROR_INVALID_BEARER_TOKEN,
                                 "a member has the wrong type");

  connectors = req->auth->debug ? repr_connectors (req) : NULL;
  north_mcp_req_debug (req, NORTH_MCP_LOGGER_AUTH,
                       "Successfully parsed auth tokens. Has server_secret: %s, Has user_id_token: %s, Connector count: %u",
                       north_mcp_log_repr_bool (req->server_secret != NULL),
                       north_mcp_log_repr_bool (req->id_token != NULL),
                       g_hash_table_size (req->connectors));
  north_mcp_req_debug (req, NORTH_MCP_LOGGER_AUTH, "Available connectors: %s", connectors);
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

static gboolean
is_trusted_issuer (NorthMcpAuth *self,
                   const char   *issuer)
{
  return self->trusted_issuers != NULL &&
         g_strv_contains ((const char * const *) self->trusted_issuers, issuer);
}

/* Rule 8: the e-mail of a verified identity is its token's claim or none;
 * a header is no proof, so it only ever stands in for an unverified token's
 * missing claim. Either way the header's value stays readable, named
 * unverified. */
NorthMcpUser *
north_mcp_req_make_user (AuthRequest *req)
{
  const char *email = NULL;
  /* Only the debug log shows them. */
  g_autofree char *connectors = req->auth->debug ? repr_connectors (req) : NULL;
  NorthMcpUser *user;

  if (req->bad_connectors)
    {
      /* The contract's warning (rule 7), but any client can send the
       * header: one line a minute at most, unless debugging. */
      static NorthMcpLogThrottle throttle;
      guint skipped = 0;

      /* A cached decision would not warn again. */
      req->uncacheable = TRUE;
      if (req->auth->debug || north_mcp_log_throttle_pass (&throttle, &skipped))
        {
          g_autofree char *more = north_mcp_log_throttle_more (skipped);

          north_mcp_log_warning (NORTH_MCP_LOGGER_AUTH,
                                 "X-North-Connector-Tokens is not a base64url JSON object; "
                                 "using no connector tokens%s", more);
        }
    }
  if (req->claims != NULL)
    email = north_mcp_object_get_string (req->claims, "email");
  if (req->claims != NULL)
    north_mcp_req_debug (req, NORTH_MCP_LOGGER_AUTH, "Successfully decoded user ID token. Email: %s",
                         email != NULL ? email : "None");
  if (email == NULL && !req->verified)
    email = req->email;
  else if (email == NULL && req->email != NULL)
    north_mcp_req_debug (req, NORTH_MCP_LOGGER_AUTH,
                         "Verified ID token has no email claim; the sent e-mail stays unverified");

  if (req->x_north)
    north_mcp_req_debug (req, NORTH_MCP_LOGGER_AUTH, "X-North authentication successful");
  north_mcp_req_debug (req, NORTH_MCP_LOGGER_AUTH_CONTEXT,
                       "Setting authenticated user in context: email=%s, connectors=%s",
                       email != NULL ? email : "None", connectors);

  user = north_mcp_user_new (email, req->connectors, req->id_token, req->claims, req->context);
  north_mcp_user_set_unverified_email (user, req->email);
  return user;
}

Outcome
north_mcp_req_decide (AuthRequest         *req,
                      SoupMessageHeaders  *headers,
                      const NorthMcpAuthFields *fields,
                      GSocketAddress      *peer,
                      NorthMcpUser       **user,
                      GError             **error)
{
  NorthMcpAuth *self = req->auth;
  const char *sent[N_SENT];
  const char *repeated;
  g_autofree char *connectors = NULL;
  g_autofree char *authorization = NULL;
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
      north_mcp_req_debug (req, NORTH_MCP_LOGGER_AUTH, "Authenticating request from %s", peer_repr);
      north_mcp_req_debug (req, NORTH_MCP_LOGGER_AUTH, "Request headers: %s", headers_repr);
    }

  /* Before any rule, whatever the mode: a credential header sent twice
   * with different values. Identical copies read the same whichever one
   * a reader takes. */
  if ((repeated = read_sent (headers, fields, sent)) != NULL)
    {
      /* Names the header, never its values. */
      g_autofree char *detail = g_strdup_printf ("%s sent more than once, with different values", repeated);

      north_mcp_req_reject (req, error, NORTH_MCP_AUTH_ERROR_INVALID_AUTHORIZATION_HEADER, detail);
      return DECIDED;
    }

  connectors = strip_header (sent[AUTH_HEADER_CONNECTOR_TOKENS]);
  authorization = strip_header (sent[AUTH_HEADER_AUTHORIZATION]);
  req->x_north = connectors != NULL ||
                 is_sent (sent[AUTH_HEADER_ID_TOKEN]) ||
                 is_sent (sent[AUTH_HEADER_SERVER_SECRET]);

  /* Rules 1 and 2. */
  if (!req->x_north && authorization == NULL)
    {
      if (!north_mcp_auth_is_enforced (self))
        {
          north_mcp_req_debug (req, NORTH_MCP_LOGGER_AUTH,
                               "No trusted issuer configuration present and no auth headers provided; "
                               "skipping authentication");
          return DECIDED;
        }
      north_mcp_req_reject (req, error, NORTH_MCP_AUTH_ERROR_NO_CREDENTIALS, NULL);
      return DECIDED;
    }

  /* The North Python SDK's words for open mode with credentials. */
  if (!north_mcp_auth_is_enforced (self) && req->x_north)
    north_mcp_req_debug (req, NORTH_MCP_LOGGER_AUTH,
                         "No auth configured, but X-North headers are present; "
                         "parsing request context without enforcing authentication");
  else if (!north_mcp_auth_is_enforced (self))
    north_mcp_req_debug (req, NORTH_MCP_LOGGER_AUTH,
                         "No auth configured, but Authorization header is present; "
                         "parsing legacy request context without enforcing authentication");

  collect_context (req, headers, fields);

  /* Rule 3 (and 7 for X-North). */
  if (req->x_north)
    collect_x_north (req, sent, connectors);
  else if (!parse_bundle (req, authorization, error))
    return DECIDED;
  if (authorization != NULL)
    memset (authorization, 0, strlen (authorization));

  /* Rule 4. */
  if (self->server_secret != NULL &&
      (req->server_secret == NULL || !secrets_equal (self->server_secret, req->server_secret)))
    {
      north_mcp_req_reject (req, error, NORTH_MCP_AUTH_ERROR_ACCESS_DENIED,
                            req->server_secret == NULL ? "no server secret sent" : "wrong server secret");
      return DECIDED;
    }

  /* Rule 6. */
  if (self->trusted_issuers == NULL)
    {
      /* Rule 5, development mode: decoded, not verified. */
      if (req->id_token != NULL && !north_mcp_id_token_decode (req))
        {
          north_mcp_req_reject (req, error, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "not a JWT");
          return DECIDED;
        }
      *user = north_mcp_req_make_user (req);
      return DECIDED;
    }

  if (req->id_token == NULL)
    {
      north_mcp_req_reject (req, error, NORTH_MCP_AUTH_ERROR_NO_CREDENTIALS,
                            "trusted issuers need an ID token");
      return DECIDED;
    }

  /* A token verified before is not verified again until it expires. */
  req->token_digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, req->id_token, -1);
  verified = north_mcp_id_token_lookup_verified (self, req->token_digest);
  if (verified != NULL)
    {
      req->claims = json_object_ref (verified->claims);
      req->keys_expire = verified->keys_expire;
      req->verified = TRUE;
      north_mcp_req_debug (req, NORTH_MCP_LOGGER_AUTH, "User ID token verified before (cached)");
      *user = north_mcp_req_make_user (req);
      return DECIDED;
    }

  /* And one whose signature failed is not checked again (nor decoded)
   * while its kid names the same key. */
  if (north_mcp_id_token_refused_before (self, req->token_digest))
    {
      req->uncacheable = TRUE;  /* keys rotate */
      north_mcp_req_reject (req, error, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "bad signature (refused before)");
      return DECIDED;
    }

  /* Rule 5 with section 4a. */
  if (!north_mcp_id_token_decode (req))
    {
      north_mcp_req_reject (req, error, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "not a JWT");
      return DECIDED;
    }

  /* An empty iss is as missing as none, as in the reference. */
  if (json_object_get_member (req->claims, "iss") == NULL ||
      JSON_NODE_HOLDS_NULL (json_object_get_member (req->claims, "iss")) ||
      g_strcmp0 (north_mcp_object_get_string (req->claims, "iss"), "") == 0)
    {
      north_mcp_req_reject (req, error, NORTH_MCP_AUTH_ERROR_MISSING_ISSUER, NULL);
      return DECIDED;
    }
  if (north_mcp_object_get_string (req->claims, "iss") == NULL)
    {
      north_mcp_req_reject (req, error, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "iss is not a string");
      return DECIDED;
    }
  req->issuer = g_strdup (north_mcp_object_get_string (req->claims, "iss"));
  if (!is_trusted_issuer (self, req->issuer))
    {
      north_mcp_req_reject (req, error, NORTH_MCP_AUTH_ERROR_UNTRUSTED_ISSUER, NULL);
      return DECIDED;
    }

  /* A kid that is there but no string (null too) is a malformed header
   * (RFC 7515 4.1.4), not a missing one; so says the reference's JWT
   * library. */
  if (json_object_has_member (req->token_header, "kid") &&
      north_mcp_object_get_string (req->token_header, "kid") == NULL)
    {
      north_mcp_req_reject (req, error, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "kid is not a string");
      return DECIDED;
    }
  req->kid = g_strdup (north_mcp_object_get_string (req->token_header, "kid"));
  if (req->kid == NULL || *req->kid == '\0')
    {
      north_mcp_req_reject (req, error, NORTH_MCP_AUTH_ERROR_MISSING_KEY_ID, NULL);
      return DECIDED;
    }

  alg = north_mcp_object_get_string (req->token_header, "alg");
  if (!north_mcp_id_token_alg_is_acceptable (alg))
    {
      north_mcp_req_reject (req, error, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "algorithm not accepted");
      return DECIDED;
    }
  /* RFC 7515 4.1.11: extensions named critical must be understood, and
   * none is here. */
  if (json_object_has_member (req->token_header, "crit"))
    {
      north_mcp_req_reject (req, error, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "critical header extension");
      return DECIDED;
    }

  switch (north_mcp_issuer_cache_lookup (self->issuers, req->issuer, req->kid, &key))
    {
    case NORTH_MCP_ISSUER_KEY_FOUND:
      if (north_mcp_id_token_verify (req, key, error))
        *user = north_mcp_req_make_user (req);
      else
        req->uncacheable = TRUE;  /* keys rotate, tokens become valid */
      return DECIDED;
    case NORTH_MCP_ISSUER_KEY_UNKNOWN:
      req->uncacheable = TRUE;  /* until the issuer's keys are refetched */
      north_mcp_req_reject (req, error, NORTH_MCP_AUTH_ERROR_INVALID_ID_TOKEN, "unknown key id");
      return DECIDED;
    case NORTH_MCP_ISSUER_KEY_UNAVAILABLE:
      req->uncacheable = TRUE;  /* until the back-off has passed */
      north_mcp_req_reject (req, error, NORTH_MCP_AUTH_ERROR_ISSUER_UNAVAILABLE,
                            "the last fetch failed; not retried before the back-off has passed");
      return DECIDED;
    case NORTH_MCP_ISSUER_KEY_FETCH:
    default:
      north_mcp_req_debug (req, NORTH_MCP_LOGGER_AUTH, "Fetching keys of issuer %s", req->issuer);
      return NEEDS_KEYS;
    }
}
