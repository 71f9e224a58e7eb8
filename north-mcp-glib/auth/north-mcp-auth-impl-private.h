/* north-mcp-auth-impl-private.h: what the parts of NorthMcpAuth share
 *
 * NorthMcpAuth is one type in four files: north-mcp-auth.c (the object and
 * its API), north-mcp-auth-rules.c (the contract's rules, one request at a
 * time), north-mcp-id-token.c (ID-token decoding and signature checks) and
 * north-mcp-auth-cache.c (decisions remembered by credential headers).
 * Only they include this.
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-auth-private.h"
#include "north-mcp-issuer-cache-private.h"
#include "north-mcp-jwk-private.h"

G_BEGIN_DECLS

/* Seconds of clock skew allowed for exp, nbf and iat. */
#define TIME_LEEWAY_S 60

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
  gsize                verified_size; /* sum of VerifiedToken.size */
  GHashTable          *refused;       /* SHA-256 of token → its bad signature's key */
  guint64              rejections;
  guint64              signature_checks;

  GHashTable          *decisions;     /* &Decision.key → Decision */
  gsize                decisions_size; /* sum of Decision.size */
  guint                rejections_kept; /* decisions that are rejections */
  gsize                rejections_size; /* their share of decisions_size */
  GString             *key_buffer;    /* the key of the request at hand, reused */
  struct KeyField     *key_fields;    /* the headers going into it */
  gsize                key_fields_size;
  const guint8        *hash_key;      /* of SipHash, random per process */
  guint64              decision_hits;
  /* Counts configuration changes: a request that waited for keys across
   * one is decided again. */
  guint64              generation;
};

/* An ID token verified before, by the SHA-256 of its text. */
typedef struct
{
  JsonObject *claims;
  gint64      expires;      /* real time, µs: exp plus leeway */
  gint64      keys_expire;  /* monotonic, µs: the key set's max-age, capped */
  gsize       size;         /* what it counts against the cache's bytes */
} VerifiedToken;

/* One request on its way through the rules. */
typedef struct
{
  NorthMcpAuth *auth;
  guint64       generation;      /* the auth's, when the request started */
  GPtrArray    *log;             /* pending debug lines, "logger\nmessage" */

  gboolean      x_north;
  char         *server_secret;   /* as sent */
  char         *id_token;
  char         *email;           /* sent alongside the ID token, unsigned */
  GHashTable   *connectors;
  gboolean      bad_connectors;  /* X-North-Connector-Tokens gave {} */
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

typedef enum {
  DECIDED,
  NEEDS_KEYS,
} Outcome;

/* The headers a decision reads, by north_mcp_auth_header_tag(): the
 * credentials and the e-mail (AUTH_HEADER_AUTHORIZATION to
 * AUTH_HEADER_USER_EMAIL), then the context. */
typedef enum {
  AUTH_HEADER_NONE,
  AUTH_HEADER_AUTHORIZATION,
  AUTH_HEADER_ID_TOKEN,
  AUTH_HEADER_SERVER_SECRET,
  AUTH_HEADER_CONNECTOR_TOKENS,
  AUTH_HEADER_USER_EMAIL,
  AUTH_HEADER_CONTEXT,
} AuthHeader;

/* Whether @name starts with @lower, ignoring ASCII case; the end of
 * @name if so, else NULL. Inline: this runs on every request's headers. */
static inline const char *
north_mcp_auth_skip_name_prefix (const char *name,
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
north_mcp_auth_name_equal (const char *name,
                           const char *lower)
{
  name = north_mcp_auth_skip_name_prefix (name, lower);
  return name != NULL && *name == '\0';
}

/* What header @name is to a decision; AUTH_HEADER_NONE for most. */
static inline AuthHeader
north_mcp_auth_header_tag (const char *name)
{
  const char *rest;

  /* Most headers are told apart by their first letter. */
  if (name[0] == 'A' || name[0] == 'a')
    return north_mcp_auth_name_equal (name, "authorization") ? AUTH_HEADER_AUTHORIZATION : AUTH_HEADER_NONE;
  if ((name[0] != 'X' && name[0] != 'x') ||
      (rest = north_mcp_auth_skip_name_prefix (name, "x-north-")) == NULL)
    return AUTH_HEADER_NONE;

  if (north_mcp_auth_skip_name_prefix (rest, "context-") != NULL)
    return AUTH_HEADER_CONTEXT;
  if (north_mcp_auth_name_equal (rest, "id-token"))
    return AUTH_HEADER_ID_TOKEN;
  if (north_mcp_auth_name_equal (rest, "server-secret"))
    return AUTH_HEADER_SERVER_SECRET;
  if (north_mcp_auth_name_equal (rest, "connector-tokens"))
    return AUTH_HEADER_CONNECTOR_TOKENS;
  if (north_mcp_auth_name_equal (rest, "user-email"))
    return AUTH_HEADER_USER_EMAIL;
  return AUTH_HEADER_NONE;
}

/* A pass over the fields a decision may read: those a transport noted
 * (NorthMcpAuthFields), or, without them or when more were sent than
 * it keeps, every field of the request. Either gives the fields a
 * decision reads in the same order. */
typedef struct
{
  const NorthMcpAuthFields *fields;  /* NULL: @iter */
  guint                     next;
  SoupMessageHeadersIter    iter;
} AuthFieldIter;

static inline void
north_mcp_auth_field_iter_init (AuthFieldIter            *iter,
                                SoupMessageHeaders       *headers,
                                const NorthMcpAuthFields *fields)
{
  iter->fields = fields != NULL && fields->count <= NORTH_MCP_AUTH_FIELDS_MAX ? fields : NULL;
  iter->next = 0;
  if (iter->fields == NULL)
    soup_message_headers_iter_init (&iter->iter, headers);
}

static inline gboolean
north_mcp_auth_field_iter_next (AuthFieldIter  *iter,
                                const char    **name,
                                const char    **value)
{
  if (iter->fields == NULL)
    return soup_message_headers_iter_next (&iter->iter, name, value);
  if (iter->next >= iter->fields->count)
    return FALSE;
  *name = iter->fields->names[iter->next];
  *value = iter->fields->values[iter->next];
  iter->next++;
  return TRUE;
}

/* north-mcp-auth-rules.c */
AuthRequest  *north_mcp_auth_request_new  (NorthMcpAuth        *auth);
void          north_mcp_auth_request_free (AuthRequest         *req);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AuthRequest, north_mcp_auth_request_free)

/* Debug lines are collected per request and printed when the request is
 * decided, so that the fast path can give up without printing twice. */
void          north_mcp_req_debug         (AuthRequest         *req,
                                           const char          *logger,
                                           const char          *format,
                                           ...) G_GNUC_PRINTF (3, 4);
void          north_mcp_req_flush_log     (AuthRequest         *req);
/* Sets @error to the contract's rejection @code (logging @detail, which
 * may be NULL) and counts it; returns FALSE. */
gboolean      north_mcp_req_reject        (AuthRequest         *req,
                                           GError             **error,
                                           NorthMcpAuthError    code,
                                           const char          *detail);
/* Everything that needs no network. On DECIDED, *@user or @error hold the
 * answer; NEEDS_KEYS means req->issuer's keys must be fetched. */
/* @fields: as for north_mcp_auth_authenticate_noted(). */
Outcome       north_mcp_req_decide        (AuthRequest         *req,
                                           SoupMessageHeaders  *headers,
                                           const NorthMcpAuthFields *fields,
                                           GSocketAddress      *peer,
                                           NorthMcpUser       **user,
                                           GError             **error);
NorthMcpUser *north_mcp_req_make_user     (AuthRequest         *req);
JsonObject   *north_mcp_auth_parse_json_object (const char     *data,
                                           gsize                length);

/* north-mcp-id-token.c */
GHashTable   *north_mcp_id_token_cache_new           (void);
GHashTable   *north_mcp_id_token_refused_cache_new   (void);
gboolean      north_mcp_id_token_decode              (AuthRequest   *req);
gboolean      north_mcp_id_token_alg_is_acceptable   (const char    *alg);
VerifiedToken *north_mcp_id_token_lookup_verified    (NorthMcpAuth  *self,
                                                      const char    *digest);
void          north_mcp_id_token_forget_verified     (NorthMcpAuth  *self);
/* What @claims take in memory as a tree, up to a bit over @limit. */
gsize         north_mcp_id_token_claims_footprint    (JsonObject    *claims,
                                                      gsize          limit);
/* Whether the token of @digest failed its signature check against the
 * key its kid still names. */
gboolean      north_mcp_id_token_refused_before      (NorthMcpAuth  *self,
                                                      const char    *digest);
gboolean      north_mcp_id_token_verify              (AuthRequest   *req,
                                                      NorthMcpJwk   *key,
                                                      GError       **error);

/* north-mcp-auth-cache.c */
void          north_mcp_auth_cache_init      (NorthMcpAuth *self);
void          north_mcp_auth_cache_finalize  (NorthMcpAuth *self);
void          north_mcp_auth_clear_decisions (NorthMcpAuth *self);

G_END_DECLS
