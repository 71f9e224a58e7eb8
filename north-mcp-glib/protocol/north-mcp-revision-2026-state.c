/* north-mcp-revision-2026-state.c: what the 2026-07-28 revision keeps
 * across requests
 *
 * Requests of this revision carry no session, so the little the server
 * remembers lives here, per server: the key that signs `requestState`
 * and its lifetime, the caching hints results carry, and the open
 * `subscriptions/listen` streams.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-base64-private.h"
#include "north-mcp-error.h"
#include "north-mcp-hex-private.h"
#include "north-mcp-json-writer-private.h"
#include "north-mcp-jsonrpc-private.h"
#include "north-mcp-protocol-host-private.h"
#include "north-mcp-random-private.h"
#include "north-mcp-revision-2026-private.h"
#include "north-mcp-session-manager-private.h"
#include "north-mcp-session-private.h"
#include "north-mcp-subscription-index-private.h"
#include "north-mcp-task-private.h"
#include "north-mcp-user.h"
#include "north-mcp-util-private.h"

#define DEFAULT_REQUEST_STATE_LIFETIME_MS (10 * 60 * 1000)

struct _NorthMcpRevision2026State
{
  guint8      key[32];
  gboolean    own_key;      /* the application's: shared, never replaced */
  guint       lifetime_ms;
  GHashTable *cache_hints;  /* method -> CacheHint */
  GQueue      listeners;    /* NorthMcpContext of subscriptions/listen, owned */
  GHashTable *listener_records; /* NorthMcpContext -> Listener */
  /* The listeners by what they asked for, so that a notification costs
   * the streams it goes to, not every stream open: */
  NorthMcpSubscriptionIndex *by_method; /* a list_changed method -> its listeners */
  NorthMcpSubscriptionIndex *by_uri;    /* a resourceSubscriptions URI -> its listeners */
  GCancellable *sharing;    /* the key's exchange with a shared state store */
  NorthMcpStateStore *store; /* that store (a weak pointer), watched for "available" */
  gulong      available_id;
  guint64     visits;       /* listen streams notifications looked at */
};

typedef struct
{
  guint              ttl_ms;
  NorthMcpCacheScope scope;
} CacheHint;

/* One listener: where it is in the list and what it is indexed under. */
typedef struct
{
  GList      *link;
  GStrv       methods;
  GHashTable *uris;  /* a set (a reference), or NULL */
} Listener;

static void
listener_free (Listener *listener)
{
  g_strfreev (listener->methods);
  g_clear_pointer (&listener->uris, g_hash_table_unref);
  g_free (listener);
}

NorthMcpRevision2026State *
north_mcp_revision_2026_state_new (void)
{
  NorthMcpRevision2026State *self = g_new0 (NorthMcpRevision2026State, 1);

  self->lifetime_ms = DEFAULT_REQUEST_STATE_LIFETIME_MS;
  self->cache_hints = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_queue_init (&self->listeners);
  self->listener_records = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
                                                  (GDestroyNotify) listener_free);
  self->by_method = north_mcp_subscription_index_new ();
  self->by_uri = north_mcp_subscription_index_new ();
  /* Signs the requestState this server hands out; never leaves the
   * process. */
  if (!north_mcp_random_bytes (self->key, sizeof self->key, NULL))
    g_error ("Cannot seed the request-state key: no randomness available");
  return self;
}

static void unwatch_store (NorthMcpRevision2026State *self);

void
north_mcp_revision_2026_state_free (NorthMcpRevision2026State *self)
{
  unwatch_store (self);
  g_cancellable_cancel (self->sharing);
  g_clear_object (&self->sharing);
  g_hash_table_unref (self->cache_hints);
  g_hash_table_unref (self->listener_records);
  north_mcp_subscription_index_unref (self->by_method);
  north_mcp_subscription_index_unref (self->by_uri);
  g_queue_clear_full (&self->listeners, g_object_unref);
  memset (self->key, 0, sizeof self->key);
  g_free (self);
}

void
north_mcp_revision_2026_state_set_key (NorthMcpRevision2026State *self,
                                       const guint8              *key,
                                       gsize                      length)
{
  /* A key of another length is condensed to 32 bytes. */
  if (length == sizeof self->key)
    memcpy (self->key, key, length);
  else
    {
      g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
      gsize digest_length = sizeof self->key;

      g_checksum_update (checksum, key, length);
      g_checksum_get_digest (checksum, self->key, &digest_length);
    }
}

static void share_key (NorthMcpRevision2026State *self, NorthMcpStateStore *store);

void
north_mcp_revision_2026_state_set_own_key (NorthMcpRevision2026State *self,
                                           const guint8              *key,
                                           gsize                      length)
{
  north_mcp_revision_2026_state_set_key (self, key, length);
  self->own_key = TRUE;
  /* Set while the replicas share a key (rotated at run time): stored
   * now, not when the store next comes back. */
  if (self->store != NULL)
    share_key (self, self->store);
}

gboolean
north_mcp_revision_2026_state_has_own_key (NorthMcpRevision2026State *self)
{
  return self->own_key;
}

const guint8 *
north_mcp_revision_2026_state_get_key (NorthMcpRevision2026State *self,
                                       gsize                     *length)
{
  *length = sizeof self->key;
  return self->key;
}

guint
north_mcp_revision_2026_state_get_lifetime (NorthMcpRevision2026State *self)
{
  return self->lifetime_ms;
}

gboolean
north_mcp_revision_2026_state_set_lifetime (NorthMcpRevision2026State *self,
                                            guint                      lifetime_ms)
{
  if (self->lifetime_ms == lifetime_ms)
    return FALSE;

  self->lifetime_ms = lifetime_ms;
  return TRUE;
}

void
north_mcp_revision_2026_state_set_cache_hint (NorthMcpRevision2026State *self,
                                              const char                *method,
                                              guint                      ttl_ms,
                                              NorthMcpCacheScope         scope)
{
  CacheHint *hint = g_new0 (CacheHint, 1);

  hint->ttl_ms = ttl_ms;
  hint->scope = scope;
  g_hash_table_replace (self->cache_hints, g_strdup (method), hint);
}

gboolean
north_mcp_revision_2026_state_get_cache_hint (NorthMcpRevision2026State *self,
                                              const char                *method,
                                              guint                     *ttl_ms,
                                              NorthMcpCacheScope        *scope)
{
  CacheHint *hint;

  if (!north_mcp_revision_2026_method_is_cacheable (method))
    return FALSE;

  hint = g_hash_table_lookup (self->cache_hints, method);
  if (ttl_ms != NULL)
    *ttl_ms = hint != NULL ? hint->ttl_ms : 0;
  if (scope != NULL)
    *scope = hint != NULL ? hint->scope
             : g_str_equal (method, "resources/read") ? NORTH_MCP_CACHE_SCOPE_PRIVATE
             : NORTH_MCP_CACHE_SCOPE_PUBLIC;
  return TRUE;
}

void
north_mcp_revision_2026_state_add_listener (NorthMcpRevision2026State *self,
                                            NorthMcpContext           *context,
                                            const char * const        *methods,
                                            GHashTable                *uris)
{
  Listener *listener;
  GHashTableIter iter;
  gpointer uri;

  g_return_if_fail (!g_hash_table_contains (self->listener_records, context));

  listener = g_new0 (Listener, 1);
  g_queue_push_tail (&self->listeners, g_object_ref (context));
  listener->link = g_queue_peek_tail_link (&self->listeners);
  listener->methods = g_strdupv ((char **) methods);
  listener->uris = uris != NULL ? g_hash_table_ref (uris) : NULL;
  for (guint i = 0; methods != NULL && methods[i] != NULL; i++)
    north_mcp_subscription_index_add (self->by_method, methods[i], context);
  if (uris != NULL)
    {
      g_hash_table_iter_init (&iter, uris);
      while (g_hash_table_iter_next (&iter, &uri, NULL))
        north_mcp_subscription_index_add (self->by_uri, uri, context);
    }
  g_hash_table_insert (self->listener_records, context, listener);
}

/* Takes @context, listed as @listener, out of the indexes and forgets
 * @listener (not the list's link: the caller's). */
static void
drop_record (NorthMcpRevision2026State *self,
             NorthMcpContext           *context,
             Listener                  *listener)
{
  GHashTableIter iter;
  gpointer uri;

  for (guint i = 0; listener->methods != NULL && listener->methods[i] != NULL; i++)
    north_mcp_subscription_index_remove (self->by_method, listener->methods[i], context);
  if (listener->uris != NULL)
    {
      g_hash_table_iter_init (&iter, listener->uris);
      while (g_hash_table_iter_next (&iter, &uri, NULL))
        north_mcp_subscription_index_remove (self->by_uri, uri, context);
    }
  g_hash_table_remove (self->listener_records, context);
}

NorthMcpContext *
north_mcp_revision_2026_state_steal_listener (NorthMcpRevision2026State *self,
                                              NorthMcpContext           *context)
{
  Listener *listener = g_hash_table_lookup (self->listener_records, context);

  if (listener == NULL)
    return NULL;
  g_queue_delete_link (&self->listeners, listener->link);
  drop_record (self, context, listener);
  return context;
}

NorthMcpContext *
north_mcp_revision_2026_state_pop_listener (NorthMcpRevision2026State *self)
{
  NorthMcpContext *context = g_queue_pop_tail (&self->listeners);

  if (context != NULL)
    drop_record (self, context, g_hash_table_lookup (self->listener_records, context));
  return context;
}

gboolean
north_mcp_revision_2026_state_has_listener (NorthMcpRevision2026State *self,
                                            NorthMcpContext           *context)
{
  return g_hash_table_contains (self->listener_records, context);
}

guint
north_mcp_revision_2026_state_count_listeners (NorthMcpRevision2026State *self)
{
  return g_queue_get_length (&self->listeners);
}

GPtrArray *
north_mcp_revision_2026_state_dup_listeners (NorthMcpRevision2026State *self,
                                             const char                *method,
                                             const char                *uri)
{
  GPtrArray *listeners = uri != NULL ? north_mcp_subscription_index_dup_objects (self->by_uri, uri)
                         : north_mcp_subscription_index_dup_objects (self->by_method, method);

  self->visits += listeners->len;
  return listeners;
}

guint64
north_mcp_revision_2026_state_get_visits (NorthMcpRevision2026State *self)
{
  return self->visits;
}

/* requestState: base64url(payload) "." base64url(HMAC-SHA256(key, payload)),
 * payload = {"m": method, "n": name or uri, "u": user, "a": digest of the
 * arguments, "x": expiry (µs since the epoch), "s": the handler's state}.
 * The key is the server's own random key, so a state only comes back from
 * whoever received it from us, for the same request target, arguments and
 * user, until it expires.
 *
 * The user is the identity a session or a task belongs to (a digest of
 * the token's issuer and subject, else of its issuer and e-mail): the
 * e-mail alone would let another issuer's user with that address, or,
 * for tokens without one, any user, bring back someone else's state. */
static char *
state_user (NorthMcpUser *user)
{
  return north_mcp_session_owner_key (user);
}

const char *
north_mcp_revision_2026_request_target (const char *method,
                                        JsonObject *params)
{
  if (g_strcmp0 (method, "resources/read") == 0)
    return north_mcp_object_get_string (params, "uri");
  if (north_mcp_tasks_method_is_task (method))
    return north_mcp_object_get_string (params, "taskId");

  return north_mcp_object_get_string (params, "name");
}

/* A digest of the request's `arguments` (tools/call, prompts/get; none
 * is "null") as canonical JSON: the same however the client orders or
 * spaces the members, another for any other value. A retry brings back
 * the arguments it was asked about, not others (an approval to delete
 * one file is not one to delete another). */
static char *
arguments_digest (JsonObject *params)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize length = sizeof digest;

  north_mcp_json_write_canonical (text, params != NULL ? json_object_get_member (params, "arguments") : NULL);
  g_checksum_update (checksum, (const guchar *) text->str, text->len);
  g_checksum_get_digest (checksum, digest, &length);
  return north_mcp_base64url_encode (digest, length);
}

static char *
state_mac (NorthMcpProtocolHost *host,
           const char           *payload,
           gsize                 length)
{
  NorthMcpRevision2026State *self = north_mcp_protocol_host_get_revision_2026 (host);
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, self->key, sizeof self->key);
  guint8 digest[32];
  gsize digest_length = sizeof digest;

  g_hmac_update (hmac, (const guchar *) payload, length);
  g_hmac_get_digest (hmac, digest, &digest_length);
  return north_mcp_base64url_encode (digest, digest_length);
}

static gboolean
constant_time_equal (const char *a,
                     const char *b)
{
  gsize la = strlen (a), lb = strlen (b);
  guchar diff = la != lb;

  for (gsize i = 0; i < MIN (la, lb); i++)
    diff |= (guchar) (a[i] ^ b[i]);

  return diff == 0;
}

char *
north_mcp_revision_2026_seal_state (NorthMcpProtocolHost *host,
                                    NorthMcpUser         *user,
                                    const char           *method,
                                    JsonObject           *params,
                                    const char           *state)
{
  g_autoptr(JsonObject) payload = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;
  g_autofree char *encoded = NULL;
  g_autofree char *mac = NULL;
  g_autofree char *owner = state_user (user);
  g_autofree char *arguments = arguments_digest (params);
  const char *target = north_mcp_revision_2026_request_target (method, params);
  gsize length = 0;

  json_object_set_string_member (payload, "m", method);
  json_object_set_string_member (payload, "n", target != NULL ? target : "");
  json_object_set_string_member (payload, "u", owner);
  json_object_set_string_member (payload, "a", arguments);
  json_object_set_int_member (payload, "x",
                              g_get_real_time () +
                              (gint64) north_mcp_protocol_host_get_revision_2026 (host)->lifetime_ms * 1000);
  json_object_set_string_member (payload, "s", state != NULL ? state : "");

  node = north_mcp_node_new_object (payload);
  text = north_mcp_jsonrpc_to_string (node, &length);
  encoded = north_mcp_base64url_encode ((const guchar *) text, length);
  mac = state_mac (host, encoded, strlen (encoded));
  if (strlen (encoded) + 1 + strlen (mac) > NORTH_MCP_REVISION_2026_MAX_STATE_TOKEN)
    return NULL;
  return g_strconcat (encoded, ".", mac, NULL);
}

static gboolean
bad_state (GError    **error,
           const char *why)
{
  g_set_error (error, NORTH_MCP_JSONRPC_ERROR, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS,
               "Invalid params: requestState %s", why);
  return FALSE;
}

static gboolean
open_state (NorthMcpProtocolHost  *host,
            NorthMcpUser          *user,
            const char            *method,
            JsonObject            *params,
            const char            *token,
            gboolean               check_expiry,
            char                 **state_out,
            GError               **error)
{
  const char *dot = strrchr (token, '.');
  g_autofree char *encoded = NULL;
  g_autofree char *mac = NULL;
  g_autofree guchar *text = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *owner = NULL;
  g_autofree char *arguments = NULL;
  JsonObject *payload;
  const char *target = north_mcp_revision_2026_request_target (method, params);
  const char *state;
  JsonNode *expiry;
  gsize length = 0;

  if (dot == NULL || strlen (token) > NORTH_MCP_REVISION_2026_MAX_STATE_TOKEN)
    return bad_state (error, "is malformed");

  encoded = g_strndup (token, dot - token);
  mac = state_mac (host, encoded, strlen (encoded));
  if (!constant_time_equal (mac, dot + 1))
    return bad_state (error, "failed its integrity check");

  /* Ours from here on: only the bindings can still fail. */
  text = north_mcp_base64_decode (encoded, -1, NORTH_MCP_BASE64_URL, &length);
  node = text != NULL ? north_mcp_jsonrpc_parse ((const char *) text, length, NULL) : NULL;
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return bad_state (error, "is malformed");

  payload = json_node_get_object (node);
  owner = state_user (user);
  expiry = json_object_get_member (payload, "x");
  state = north_mcp_object_get_string (payload, "s");
  if (state == NULL || expiry == NULL || !JSON_NODE_HOLDS_VALUE (expiry) ||
      g_strcmp0 (north_mcp_object_get_string (payload, "m"), method) != 0 ||
      g_strcmp0 (north_mcp_object_get_string (payload, "n"), target != NULL ? target : "") != 0 ||
      g_strcmp0 (north_mcp_object_get_string (payload, "u"), owner) != 0)
    return bad_state (error, "belongs to another request");

  arguments = arguments_digest (params);
  if (g_strcmp0 (north_mcp_object_get_string (payload, "a"), arguments) != 0)
    return bad_state (error, "was issued for other arguments: retry with the arguments of the call "
                             "that returned it, or call again without it");

  if (check_expiry && g_get_real_time () >= json_node_get_int (expiry))
    return bad_state (error, "has expired");

  *state_out = g_strdup (state);
  return TRUE;
}

gboolean
north_mcp_revision_2026_check_retry (NorthMcpProtocolHost  *host,
                                     NorthMcpUser          *user,
                                     const char            *method,
                                     JsonObject            *params,
                                     char                 **state_out,
                                     GError               **error)
{
  JsonNode *state = json_object_get_member (params, "requestState");
  JsonNode *responses = json_object_get_member (params, "inputResponses");

  *state_out = NULL;

  if (responses != NULL)
    {
      JsonObject *object;
      g_autoptr(GList) members = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (responses))
        {
          g_set_error_literal (error, NORTH_MCP_JSONRPC_ERROR, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS,
                               "Invalid params: 'inputResponses' must be an object");
          return FALSE;
        }

      object = json_node_get_object (responses);
      members = json_object_get_members (object);
      for (GList *l = members; l != NULL; l = l->next)
        if (!JSON_NODE_HOLDS_OBJECT (json_object_get_member (object, l->data)))
          {
            /* The key is the client's: echoed cut short. */
            g_autofree char *echo = north_mcp_echo (l->data);

            g_set_error (error, NORTH_MCP_JSONRPC_ERROR, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS,
                         "Invalid params: input response '%s' must be a result object", echo);
            return FALSE;
          }
    }

  if (state == NULL)
    return TRUE;

  if (!JSON_NODE_HOLDS_VALUE (state) || json_node_get_value_type (state) != G_TYPE_STRING)
    return bad_state (error, "must be a string");

  return open_state (host, user, method, params, json_node_get_string (state), TRUE, state_out, error);
}

gboolean
north_mcp_revision_2026_open_own_state (NorthMcpProtocolHost  *host,
                                        NorthMcpUser          *user,
                                        const char            *method,
                                        JsonObject            *params,
                                        const char            *token,
                                        char                 **state_out,
                                        GError               **error)
{
  *state_out = NULL;
  return open_state (host, user, method, params, token, FALSE, state_out, error);
}

/* The key shared by replicas: the first replica's key is stored (SET NX)
 * and every replica adopts the stored one, so that a state one replica
 * issued is accepted by all. Callbacks hold the cancellable, not the
 * state: freeing the state cancels them. */

#define SHARED_KEY_NAME NORTH_MCP_STATE_STORE_PREFIX "request-state-key"

typedef struct
{
  NorthMcpRevision2026State *state;
  GCancellable              *cancellable;
} Sharing;

static void
sharing_free (Sharing *sharing)
{
  g_object_unref (sharing->cancellable);
  g_free (sharing);
}

static void
shared_key_read_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Sharing *sharing = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) stored = north_mcp_state_store_get_finish (NORTH_MCP_STATE_STORE (source), result, &error);
  guint8 key[sizeof sharing->state->key];
  const char *hex = NULL;
  gsize length = 0;

  /* A key of the application's own stays (one set meanwhile too). */
  if (g_cancellable_is_cancelled (sharing->cancellable) || sharing->state->own_key)
    goto out;
  if (stored != NULL)
    hex = g_bytes_get_data (stored, &length);
  if (hex == NULL || length != 2 * sizeof key)
    {
      g_warning ("Cannot share the request-state key through the state store: %s",
                 error != NULL ? error->message : "no key of the right length stored");
      goto out;
    }
  if (!north_mcp_hex_decode (hex, length, key, sizeof key))
    {
      g_warning ("Ignoring a malformed shared request-state key");
      goto out;
    }
  north_mcp_revision_2026_state_set_key (sharing->state, key, sizeof key);
  memset (key, 0, sizeof key);

out:
  sharing_free (sharing);
}

static void
shared_key_written_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  Sharing *sharing = user_data;
  NorthMcpStateStore *store = NORTH_MCP_STATE_STORE (source);

  /* Ours or an earlier replica's: whichever is there now. */
  north_mcp_state_store_set_finish (store, result, NULL);
  if (g_cancellable_is_cancelled (sharing->cancellable) || sharing->state->own_key)
    {
      sharing_free (sharing);
      return;
    }
  north_mcp_state_store_get_async (store, SHARED_KEY_NAME, 2 * sizeof sharing->state->key,
                                   sharing->cancellable, shared_key_read_cb, sharing);
}

static void
unwatch_store (NorthMcpRevision2026State *self)
{
  if (self->store == NULL)
    return;
  g_signal_handler_disconnect (self->store, self->available_id);
  g_object_remove_weak_pointer (G_OBJECT (self->store), (gpointer *) &self->store);
  self->store = NULL;
  self->available_id = 0;
}

static void
share_key (NorthMcpRevision2026State *self,
           NorthMcpStateStore        *store)
{
  g_autofree char *hex = north_mcp_revision_2026_state_get_key_hex (self);
  g_autoptr(GBytes) value = g_bytes_new (hex, strlen (hex));
  Sharing *sharing = g_new0 (Sharing, 1);

  memset (hex, 0, strlen (hex));
  g_cancellable_cancel (self->sharing);
  g_clear_object (&self->sharing);
  self->sharing = g_cancellable_new ();
  sharing->state = self;
  sharing->cancellable = g_object_ref (self->sharing);
  /* The application's own key replaces a stored one (an earlier
   * deployment's, or the one it rotated away from): adopting that would
   * keep signing with a key the application no longer trusts. */
  north_mcp_state_store_set_async (store, SHARED_KEY_NAME, value, 0,
                                   self->own_key ? NORTH_MCP_STATE_STORE_SET_ALWAYS
                                   : NORTH_MCP_STATE_STORE_SET_IF_ABSENT,
                                   sharing->cancellable,
                                   shared_key_written_cb, sharing);
}

/* Once more each time the store is back: a replica that started while it
 * was away, or a Redis that restarted empty, must not leave the replicas
 * with keys of their own (each refusing the others' states). */
void
north_mcp_revision_2026_state_share_key (NorthMcpRevision2026State *self,
                                         NorthMcpStateStore        *store)
{
  if (self->store != store)
    {
      unwatch_store (self);
      self->store = store;
      g_object_add_weak_pointer (G_OBJECT (store), (gpointer *) &self->store);
      self->available_id = g_signal_connect_swapped (store, NORTH_MCP_STATE_STORE_SIGNAL_AVAILABLE,
                                                     G_CALLBACK (share_key), self);
    }
  share_key (self, store);
}

char *
north_mcp_revision_2026_state_get_key_hex (NorthMcpRevision2026State *self)
{
  return north_mcp_hex_strdup (self->key, sizeof self->key);
}
