/* north-mcp-auth-cache.c: decisions remembered by the credential headers
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include <openssl/crypto.h>

#include "north-mcp-auth-impl-private.h"
#include "north-mcp-json-writer-private.h"
#include "north-mcp-siphash-private.h"
#include "north-mcp-util-private.h"

/* Decisions are remembered by the credential headers for this long at
 * most (and never past an ID token's exp plus leeway). */
#define DECISION_TTL_S 60
#define DECISION_CACHE_SIZE 4096
/* And at most this many bytes behind them: each entry counts twice its key,
 * the credential headers, since the user it remembers holds their strings
 * again (token, connectors, context), plus the claims' tree as it is in
 * memory (north_mcp_json_footprint_up_to()). Anyone may send large
 * credentials to an open server. */
#define DECISION_CACHE_BYTES (2 * 1024 * 1024)
/* Larger keys are not remembered (nor built in full). */
#define DECISION_KEY_MAX (DECISION_CACHE_BYTES / 64)
/* Nor entries larger than this, counted as above. */
#define DECISION_SIZE_MAX (2 * DECISION_KEY_MAX)
/* And each entry of the remembered user's connector and context tables
 * this much beyond its strings: two allocations of 32 bytes at least and
 * the table's slot. A connector named in two letters is 11 bytes of
 * base64 ("ab":"",) and about 100 bytes of table. */
#define TABLE_ENTRY_FOOTPRINT 96
/* Room kept for the headers of a key between requests. */
#define KEY_FIELDS_KEPT 16

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

/* The decision cache. Without the network, a decision is a function of the
 * configuration (any change clears the cache), of the credential headers
 * (the key holds them byte for byte: a different secret or token is a
 * different key, so the constant-time comparison is still what admits a
 * secret) and of the time (entries expire). */

/* A header a decision reads, on its way into the key. */
typedef struct KeyField
{
  guint8      tag;
  const char *name;             /* as sent; only context names go in the key */
  gsize       name_length;      /* 0 unless AUTH_HEADER_CONTEXT */
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
  return x->tag == AUTH_HEADER_CONTEXT ? g_ascii_strcasecmp (x->name, y->name) : 0;
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
  return 1 + (field->tag == AUTH_HEADER_CONTEXT ? 4 + field->name_length : 0) + 4 + field->value_length;
}

/* The key of a request: every header north_mcp_req_decide() reads,
 * repeated ones included, in a canonical order (by name, repeated names in
 * the order sent), so that it decides whichever value
 * soup_message_headers_get_one() picks and which context value wins.
 * Names compare without case, so the fixed ones are a tag; context names
 * go in as sent. Built in self->key_buffer and self->key_fields: once they
 * have grown, a request costs a pass over its headers (or the fields a
 * transport noted of them), a copy of the credentials, one SipHash, and
 * no allocation. FALSE for a key too large to remember (it is not
 * built). */
static gboolean
decision_key (NorthMcpAuth             *self,
              SoupMessageHeaders       *headers,
              const NorthMcpAuthFields *fields,
              DecisionKey              *key)
{
  GString *buffer = self->key_buffer;
  AuthFieldIter iter;
  const char *name, *value;
  gsize count = 0, length = 0;
  guint8 *out;

  north_mcp_auth_field_iter_init (&iter, headers, fields);
  while (north_mcp_auth_field_iter_next (&iter, &name, &value))
    {
      KeyField field = { north_mcp_auth_header_tag (name), name, 0, value, 0 };

      if (field.tag == AUTH_HEADER_NONE)
        continue;
      if (field.tag == AUTH_HEADER_CONTEXT)
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
      if (field->tag == AUTH_HEADER_CONTEXT)
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

/* Whether a request sends any of the headers a decision reads
 * credentials or the identity from (Authorization, X-North-ID-Token,
 * -Server-Secret, -Connector-Tokens, -User-Email), blank or not: only the
 * decision in full (remembered as any other) refuses one sent twice with
 * different values, so each such request goes the long way, to the
 * anonymous user where that is the answer. One pass over the headers
 * costs less than five lookups; over the fields a transport noted, a
 * request without those headers (the hot path of a server without auth)
 * costs none. */
static gboolean
has_credentials (SoupMessageHeaders       *headers,
                 const NorthMcpAuthFields *fields)
{
  AuthFieldIter iter;
  const char *name, *value;

  north_mcp_auth_field_iter_init (&iter, headers, fields);
  while (north_mcp_auth_field_iter_next (&iter, &name, &value))
    {
      AuthHeader tag = north_mcp_auth_header_tag (name);

      if (tag >= AUTH_HEADER_AUTHORIZATION && tag <= AUTH_HEADER_USER_EMAIL)
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

void
north_mcp_auth_clear_decisions (NorthMcpAuth *self)
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

/* What remembering @req's decision costs, as DECISION_CACHE_BYTES counts
 * it. The claims are the ID token's payload, unsigned in open and
 * development mode: their text is small beside their tree ("0," is two
 * bytes of text, about 110 of tree), so the tree is what counts; and so
 * do the entries of the connector and context tables, beside their
 * text. */
static gsize
decision_size (AuthRequest       *req,
               const DecisionKey *key,
               NorthMcpUser      *user)
{
  gsize size = sizeof (Decision) + 2 * key->length;

  if (user == NULL)
    return size;
  size += TABLE_ENTRY_FOOTPRINT *
          (g_hash_table_size (north_mcp_user_get_connector_access_tokens (user)) +
           g_hash_table_size (north_mcp_user_get_context (user)));
  if (req->claims == NULL)
    return size;
  return size + north_mcp_id_token_claims_footprint (req->claims, DECISION_SIZE_MAX);
}

static void
remember_decision (NorthMcpAuth        *self,
                   AuthRequest         *req,
                   const DecisionKey   *key,
                   NorthMcpUser        *user,
                   const GError        *error)
{
  JsonNode *exp = req->claims != NULL ? json_object_get_member (req->claims, "exp") : NULL;
  gsize size;
  Decision *decision, *old;

  if (key->length > DECISION_KEY_MAX)
    return;
  size = decision_size (req, key, user);
  if (size > DECISION_SIZE_MAX)
    return;
  /* Rejections are anybody's to make: they may hold a quarter of the
   * cache, and never make room, so that a flood of bad credentials cannot
   * push out (or, by filling the cache, clear) the decisions of the
   * clients who have good ones. */
  if (error != NULL &&
      (self->rejections_kept >= DECISION_CACHE_SIZE / 4 ||
       self->rejections_size + size > DECISION_CACHE_BYTES / 4))
    return;
  if (g_hash_table_size (self->decisions) >= DECISION_CACHE_SIZE ||
      self->decisions_size + size > DECISION_CACHE_BYTES)
    {
      if (error != NULL)
        return;
      g_hash_table_foreach_remove (self->decisions, remove_if_expired, self);
      /* Start over rather than sweep again on every insertion. */
      if (g_hash_table_size (self->decisions) >= DECISION_CACHE_SIZE / 2 ||
          self->decisions_size > DECISION_CACHE_BYTES / 2)
        north_mcp_auth_clear_decisions (self);
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
  if (north_mcp_node_holds_number (exp))
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
  return north_mcp_auth_authenticate_noted (self, headers, NULL, peer, user, error);
}

gboolean
north_mcp_auth_authenticate_noted (NorthMcpAuth              *self,
                                   SoupMessageHeaders        *headers,
                                   const NorthMcpAuthFields  *fields,
                                   GSocketAddress            *peer,
                                   NorthMcpUser             **user,
                                   GError                   **error)
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
  if (!self->debug && !north_mcp_auth_is_enforced (self) && !has_credentials (headers, fields))
    {
      *user = NULL;
      return TRUE;
    }

  /* The debug log tells every decision in full, so it bypasses the cache. */
  cache = !self->debug && decision_key (self, headers, fields, &key);
  if (cache && recall_decision (self, &key, user, error))
    return TRUE;

  req = north_mcp_auth_request_new (self);
  /* Nothing is printed before the request is decided, so when the async
   * path starts over, its log tells the story once. */
  if (north_mcp_req_decide (req, headers, fields, peer, user, &local_error) == NEEDS_KEYS)
    return FALSE;
  north_mcp_req_flush_log (req);
  /* north_mcp_req_decide() leaves self->key_buffer, and so the key, alone. */
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

void
north_mcp_auth_cache_init (NorthMcpAuth *self)
{
  self->decisions = g_hash_table_new_full (decision_key_hash, decision_key_equal, NULL,
                                           (GDestroyNotify) decision_free);
  self->key_buffer = g_string_sized_new (1024);
  self->key_fields_size = KEY_FIELDS_KEPT;
  self->key_fields = g_new (KeyField, self->key_fields_size);
  self->hash_key = north_mcp_siphash_process_key ();
}

void
north_mcp_auth_cache_finalize (NorthMcpAuth *self)
{
  g_clear_pointer (&self->decisions, g_hash_table_unref);
  /* The buffer held credentials. */
  OPENSSL_cleanse (self->key_buffer->str, self->key_buffer->allocated_len);
  g_string_free (self->key_buffer, TRUE);
  g_free (self->key_fields);
}
