/* north-mcp-session.c
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-error.h"
#include "north-mcp-hex-private.h"
#include "north-mcp-jsonrpc-private.h"
#include "north-mcp-json-writer-private.h"
#include "north-mcp-kept-budget-private.h"
#include "north-mcp-random-private.h"
#include "north-mcp-session-impl-private.h"
#include "north-mcp-siphash-private.h"
#include "north-mcp-util-private.h"

#define OWNER_DIGEST_LENGTH NORTH_MCP_SESSION_OWNER_DIGEST_LENGTH /* SHA-256 */

/**
 * NorthMcpSession:
 *
 * What one client negotiated with the server: the protocol version, the
 * client's capabilities and identity, its log level. A stdio connection is
 * one session; over Streamable HTTP a session lives from `initialize` to
 * `DELETE` (or expiry) and is named by the `Mcp-Session-Id` header.
 * Stateless HTTP has no sessions.
 *
 * Since: 0.1
 */

G_DEFINE_FINAL_TYPE (NorthMcpSession, north_mcp_session, G_TYPE_OBJECT)

static void
north_mcp_session_dispose (GObject *object)
{
  NorthMcpSession *self = NORTH_MCP_SESSION (object);

  north_mcp_session_close (self);
  g_clear_object (&self->standalone);

  G_OBJECT_CLASS (north_mcp_session_parent_class)->dispose (object);
}

static void clear_subscriptions (NorthMcpSession *self);

static void
north_mcp_session_finalize (GObject *object)
{
  NorthMcpSession *self = NORTH_MCP_SESSION (object);

  /* Out of the index before the id goes: a fan-out may read it there. */
  clear_subscriptions (self);
  g_clear_pointer (&self->index, north_mcp_subscription_index_unref);
  g_free (self->id);
  g_free (self->trace_digest);
  g_free (self->protocol_version);
  g_clear_pointer (&self->client_capabilities, json_object_unref);
  g_clear_pointer (&self->client_info, json_object_unref);
  g_clear_pointer (&self->pending, g_hash_table_unref);
  g_clear_pointer (&self->in_flight, g_hash_table_unref);
  g_clear_pointer (&self->subscriptions, g_hash_table_unref);
  g_clear_pointer (&self->kept, north_mcp_kept_budget_unref);

  G_OBJECT_CLASS (north_mcp_session_parent_class)->finalize (object);
}

static void
north_mcp_session_class_init (NorthMcpSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = north_mcp_session_dispose;
  object_class->finalize = north_mcp_session_finalize;
}

static void
north_mcp_session_init (NorthMcpSession *self)
{
  self->log_level = NORTH_MCP_LOG_LEVEL_INFO;
  self->next_request_id = 1;
  self->pending = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                         north_mcp_session_pending_request_free);
  /* Request ids and URIs are the client's: a keyed hash (hash flooding). */
  self->in_flight = g_hash_table_new_full (north_mcp_siphash_str_hash, g_str_equal, g_free, g_object_unref);
  self->subscriptions = g_hash_table_new_full (north_mcp_siphash_str_hash, g_str_equal, g_free, NULL);
  self->last_activity = g_get_monotonic_time ();
}

NorthMcpSession *
north_mcp_session_new (const char      *id,
                       NorthMcpChannel *standalone)
{
  NorthMcpSession *self = g_object_new (NORTH_MCP_TYPE_SESSION, NULL);

  self->id = g_strdup (id);
  if (standalone != NULL)
    self->standalone = g_object_ref (standalone);

  return self;
}

/**
 * north_mcp_session_get_id:
 * @self: a session
 *
 * Gets the session's id, the value of the `Mcp-Session-Id` header over
 * Streamable HTTP.
 *
 * Returns: the id
 *
 * Since: 0.1
 */
const char *
north_mcp_session_get_id (NorthMcpSession *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SESSION (self), NULL);

  return self->id;
}

/* The session id is a bearer credential for its session: spans get a
 * digest of it, which still groups the requests of one session. It is
 * computed once per session; two requests may race to make it, the first
 * copy stays. */
const char *
north_mcp_session_get_trace_digest (NorthMcpSession *self)
{
  char *digest = g_atomic_pointer_get (&self->trace_digest);

  if (digest != NULL || self->id == NULL)
    return digest;
  digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, self->id, -1);
  digest[32] = '\0';
  if (g_atomic_pointer_compare_and_exchange (&self->trace_digest, NULL, digest))
    return digest;
  g_free (digest);
  return g_atomic_pointer_get (&self->trace_digest);
}

/**
 * north_mcp_session_get_protocol_version:
 * @self: a session
 *
 * Gets the protocol revision negotiated by `initialize`.
 *
 * Returns: (nullable): the revision, such as `2025-11-25`, or `NULL` before
 *   `initialize`
 *
 * Since: 0.1
 */
const char *
north_mcp_session_get_protocol_version (NorthMcpSession *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SESSION (self), NULL);

  return self->protocol_version;
}

void
north_mcp_session_set_protocol_version (NorthMcpSession *self,
                                        const char      *version)
{
  north_mcp_set_str (&self->protocol_version, version);
}

/**
 * north_mcp_session_get_client_capabilities:
 * @self: a session
 *
 * Gets the capabilities the client declared in `initialize`.
 *
 * Returns: (transfer none) (nullable): the `ClientCapabilities` object
 *
 * Since: 0.1
 */
JsonObject *
north_mcp_session_get_client_capabilities (NorthMcpSession *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SESSION (self), NULL);

  return self->client_capabilities;
}

/**
 * north_mcp_session_get_client_info:
 * @self: a session
 *
 * Gets the client's `Implementation` object (`name`, `version`, …).
 *
 * Returns: (transfer none) (nullable): the client's identity
 *
 * Since: 0.1
 */
JsonObject *
north_mcp_session_get_client_info (NorthMcpSession *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SESSION (self), NULL);

  return self->client_info;
}

gboolean
north_mcp_session_set_client (NorthMcpSession  *self,
                              JsonObject       *capabilities,
                              JsonObject       *client_info,
                              GError          **error)
{
  g_autoptr(JsonNode) capabilities_node = NULL;
  g_autoptr(JsonNode) client_info_node = NULL;
  gsize size;

  /* The client chooses what it declares; the session keeps it for its
   * lifetime, so it is bounded like everything else a client can send:
   * in memory, not text (21,000 empty arrays are 63 KB of text and
   * 2.4 MB of tree). */
  if (capabilities != NULL)
    capabilities_node = north_mcp_node_new_object (capabilities);
  if (client_info != NULL)
    client_info_node = north_mcp_node_new_object (client_info);
  size = north_mcp_json_footprint_up_to (capabilities_node, NORTH_MCP_SESSION_CLIENT_MAX_BYTES);
  if (size <= NORTH_MCP_SESSION_CLIENT_MAX_BYTES)
    size += north_mcp_json_footprint_up_to (client_info_node, NORTH_MCP_SESSION_CLIENT_MAX_BYTES - size);
  if (size > NORTH_MCP_SESSION_CLIENT_MAX_BYTES)
    {
      g_set_error (error, NORTH_MCP_JSONRPC_ERROR, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS,
                   "Invalid params: capabilities and clientInfo together take more than %u bytes "
                   "(their JSON, plus %u bytes per value)",
                   (guint) NORTH_MCP_SESSION_CLIENT_MAX_BYTES, (guint) NORTH_MCP_JSON_NODE_FOOTPRINT);
      return FALSE;
    }

  north_mcp_replace_object (&self->client_capabilities, capabilities);
  north_mcp_replace_object (&self->client_info, client_info);
  return TRUE;
}

/* Feeds one length-prefixed field, so that ("ab", "c") and ("a", "bc")
 * differ. */
static void
owner_digest_add (GChecksum  *checksum,
                  const char *field)
{
  guint32 length = field != NULL ? (guint32) strlen (field) : G_MAXUINT32;

  g_checksum_update (checksum, (const guchar *) &length, sizeof length);
  if (field != NULL)
    g_checksum_update (checksum, (const guchar *) field, length);
}

/* The identity of @user: the ID token's issuer and subject when it has
 * both, else the issuer (if any) and the e-mail, else anonymous (zeros). */
void
north_mcp_session_owner_digest (NorthMcpUser *user,
                                guint8        digest[NORTH_MCP_SESSION_OWNER_DIGEST_LENGTH])
{
  g_autoptr(GChecksum) checksum = NULL;
  JsonObject *claims;
  const char *issuer = NULL, *subject = NULL, *email;
  gsize length = OWNER_DIGEST_LENGTH;

  memset (digest, 0, OWNER_DIGEST_LENGTH);
  if (user == NULL)
    return;

  claims = north_mcp_user_get_claims (user);
  if (claims != NULL)
    {
      issuer = north_mcp_object_get_string (claims, "iss");
      subject = north_mcp_object_get_string (claims, "sub");
    }
  email = north_mcp_user_get_email (user);
  if (subject == NULL && email == NULL)
    return;

  checksum = g_checksum_new (G_CHECKSUM_SHA256);
  owner_digest_add (checksum, subject != NULL ? "subject" : "email");
  owner_digest_add (checksum, issuer);
  owner_digest_add (checksum, subject != NULL ? subject : email);
  g_checksum_get_digest (checksum, digest, &length);
  /* A digest of all zeros would be anonymous: make that impossible. */
  digest[0] |= 1;
}

char *
north_mcp_session_owner_key (NorthMcpUser *user)
{
  guint8 digest[OWNER_DIGEST_LENGTH];

  north_mcp_session_owner_digest (user, digest);
  return north_mcp_hex_strdup (digest, sizeof digest);
}

void
north_mcp_session_set_owner (NorthMcpSession *self,
                             NorthMcpUser    *user)
{
  north_mcp_session_owner_digest (user, self->owner);
}

gboolean
north_mcp_session_is_owner (NorthMcpSession *self,
                            NorthMcpUser    *user)
{
  guint8 digest[OWNER_DIGEST_LENGTH];

  north_mcp_session_owner_digest (user, digest);
  return north_mcp_session_has_owner_digest (self, digest);
}

gboolean
north_mcp_session_has_owner_digest (NorthMcpSession *self,
                                    const guint8     digest[NORTH_MCP_SESSION_OWNER_DIGEST_LENGTH])
{
  guint8 difference = 0;

  /* Every byte is looked at: the time taken does not tell how much of
   * the identity matched. */
  for (gsize i = 0; i < OWNER_DIGEST_LENGTH; i++)
    difference |= digest[i] ^ self->owner[i];
  return difference == 0;
}

void
north_mcp_session_get_owner_digest (NorthMcpSession *self,
                                    guint8           digest[NORTH_MCP_SESSION_OWNER_DIGEST_LENGTH])
{
  memcpy (digest, self->owner, OWNER_DIGEST_LENGTH);
}

void
north_mcp_session_set_owner_digest (NorthMcpSession *self,
                                    const guint8     digest[NORTH_MCP_SESSION_OWNER_DIGEST_LENGTH])
{
  memcpy (self->owner, digest, OWNER_DIGEST_LENGTH);
}

char *
north_mcp_session_identity_share (const guint8 digest[NORTH_MCP_SESSION_OWNER_DIGEST_LENGTH])
{
  g_autofree char *hex = NULL;

  /* An identified owner's digest is never all zeros (its first byte is
   * odd). */
  if (digest[0] == 0)
    return NULL;
  hex = north_mcp_hex_strdup (digest, OWNER_DIGEST_LENGTH);
  return g_strconcat ("identity ", hex, NULL);
}

gboolean
north_mcp_session_is_anonymous (NorthMcpSession *self)
{
  static const guint8 anonymous[OWNER_DIGEST_LENGTH];

  return memcmp (self->owner, anonymous, OWNER_DIGEST_LENGTH) == 0;
}

void
north_mcp_session_set_store_funcs (NorthMcpSession          *self,
                                   NorthMcpSessionFunc       changed_func,
                                   NorthMcpSessionEditHook   edit_func,
                                   NorthMcpSessionRelayFunc  relay_func,
                                   gpointer                  data)
{
  self->changed_func = changed_func;
  self->edit_func = edit_func;
  self->relay_func = relay_func;
  self->store_data = data;

  /* Every process that shares the session numbers the requests it sends
   * its client: from 1 in each, the client got two requests with one id,
   * and its answer to one (reaching any process) ended the other. From a
   * random start below 2^52 (ids stay exact in JavaScript) they do not
   * meet. */
  if (relay_func != NULL && self->next_request_id == 1)
    {
      guint64 start = 0;

      if (north_mcp_random_bytes (&start, sizeof start, NULL))
        self->next_request_id = 1 + (gint64) (start & ((G_GUINT64_CONSTANT (1) << 52) - 1));
    }
}

/* What the store keeps changed here: counted (a reload of the record
 * begun before is stale), and told to the store funcs. */
static void
changed (NorthMcpSession *self)
{
  self->changes++;
  if (self->changed_func != NULL)
    self->changed_func (self, self->store_data);
}

struct _NorthMcpSessionEdit
{
  NorthMcpSessionEditFunc   edit;
  NorthMcpSessionEditedFunc edited;
  gpointer                  data;
  GDestroyNotify            destroy;
};

void
north_mcp_session_edit (NorthMcpSession          *self,
                        NorthMcpSessionEditFunc   edit,
                        NorthMcpSessionEditedFunc edited,
                        gpointer                  data,
                        GDestroyNotify            destroy)
{
  NorthMcpSessionEdit *change = g_new0 (NorthMcpSessionEdit, 1);
  g_autoptr(GError) error = NULL;

  change->edit = edit;
  change->edited = edited;
  change->data = data;
  change->destroy = destroy;
  if (self->edit_func != NULL)
    {
      self->edit_func (self, change, self->store_data);
      return;
    }
  north_mcp_session_edit_apply (self, change, &error);
  north_mcp_session_edit_end (self, change, error);
}

gboolean
north_mcp_session_edit_apply (NorthMcpSession      *self,
                              NorthMcpSessionEdit  *edit,
                              GError              **error)
{
  return edit->edit (self, edit->data, error);
}

void
north_mcp_session_edit_end (NorthMcpSession     *self,
                            NorthMcpSessionEdit *edit,
                            const GError        *error)
{
  edit->edited (self, error, edit->data);
  if (edit->destroy != NULL)
    edit->destroy (edit->data);
  g_free (edit);
}

guint
north_mcp_session_get_changes (NorthMcpSession *self)
{
  return self->changes;
}

gboolean
north_mcp_session_relay (NorthMcpSession *self,
                         JsonNode        *message)
{
  if (self->relay_func == NULL || self->closed)
    return FALSE;
  self->relay_func (self, message, self->store_data);
  return TRUE;
}

/**
 * north_mcp_session_get_initialized:
 * @self: a session
 *
 * Gets whether `initialize` succeeded on this session.
 *
 * Returns: `TRUE` once initialized
 *
 * Since: 0.1
 */
gboolean
north_mcp_session_get_initialized (NorthMcpSession *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SESSION (self), FALSE);

  return self->initialized;
}

void
north_mcp_session_set_initialized (NorthMcpSession *self,
                                   gboolean         initialized)
{
  self->initialized = !!initialized;
}

/**
 * north_mcp_session_get_log_level:
 * @self: a session
 *
 * Gets the least severe level of `notifications/message` the client asked
 * for with `logging/setLevel` (info until it asks).
 *
 * Returns: the level
 *
 * Since: 0.1
 */
NorthMcpLogLevel
north_mcp_session_get_log_level (NorthMcpSession *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SESSION (self), NORTH_MCP_LOG_LEVEL_INFO);

  return self->log_level;
}

void
north_mcp_session_set_log_level (NorthMcpSession  *self,
                                 NorthMcpLogLevel  level)
{
  gboolean level_changed = !self->log_level_set || self->log_level != level;

  self->log_level = level;
  self->log_level_set = TRUE;
  if (level_changed)
    changed (self);
}

gboolean
north_mcp_session_get_log_level_set (NorthMcpSession *self)
{
  return self->log_level_set;
}

/**
 * north_mcp_session_has_client_capability:
 * @self: a session
 * @capability: a top-level capability name, such as `sampling`,
 *   `elicitation` or `roots`
 *
 * Checks whether the client declared a capability.
 *
 * Returns: `TRUE` if the client declared @capability
 *
 * Since: 0.1
 */
gboolean
north_mcp_session_has_client_capability (NorthMcpSession *self,
                                         const char      *capability)
{
  g_return_val_if_fail (NORTH_MCP_IS_SESSION (self), FALSE);
  g_return_val_if_fail (capability != NULL, FALSE);

  return self->client_capabilities != NULL &&
         json_object_has_member (self->client_capabilities, capability);
}

NorthMcpChannel *
north_mcp_session_get_standalone_channel (NorthMcpSession *self)
{
  if (self->standalone != NULL && north_mcp_channel_is_closed (self->standalone))
    g_clear_object (&self->standalone);

  return self->standalone;
}

void
north_mcp_session_set_standalone_channel (NorthMcpSession *self,
                                          NorthMcpChannel *channel)
{
  g_set_object (&self->standalone, channel);
}

/**
 * north_mcp_session_send_notification:
 * @self: a session
 * @method: the notification's method, such as
 *   `notifications/resources/updated`
 * @params: (nullable): its parameters
 *
 * Sends a notification that relates to no request on the session's
 * standalone stream (the HTTP GET stream, or stdio). It is dropped when the
 * client has no such stream open.
 *
 * Since: 0.1
 */
void
north_mcp_session_send_notification (NorthMcpSession *self,
                                     const char      *method,
                                     JsonObject      *params)
{
  NorthMcpChannel *channel;
  g_autoptr(JsonNode) message = NULL;

  g_return_if_fail (NORTH_MCP_IS_SESSION (self));
  g_return_if_fail (method != NULL);

  channel = north_mcp_session_get_standalone_channel (self);
  if (self->closed || (channel == NULL && self->relay_func == NULL))
    return;

  message = north_mcp_jsonrpc_notification_new (method, params);
  if (channel != NULL)
    north_mcp_channel_send (channel, message);
  else
    /* The client's stream may be open in another process. */
    north_mcp_session_relay (self, message);
}

void
north_mcp_session_add_in_flight (NorthMcpSession *self,
                                 JsonNode        *id,
                                 GCancellable    *cancellable)
{
  char *key = north_mcp_id_key (id);

  /* An id that a running request has (the client broke the rule that ids
   * are not reused) stays that request's. */
  if (key != NULL && !g_hash_table_contains (self->in_flight, key))
    g_hash_table_insert (self->in_flight, key, g_object_ref (cancellable));
  else
    g_free (key);
}

void
north_mcp_session_remove_in_flight (NorthMcpSession *self,
                                    JsonNode        *id,
                                    GCancellable    *cancellable)
{
  g_autofree char *key = north_mcp_id_key (id);

  if (key != NULL && cancellable != NULL && g_hash_table_lookup (self->in_flight, key) == cancellable)
    g_hash_table_remove (self->in_flight, key);
}

void
north_mcp_session_cancel_in_flight (NorthMcpSession *self,
                                    JsonNode        *id)
{
  g_autofree char *key = north_mcp_id_key (id);
  GCancellable *cancellable;

  if (key == NULL)
    return;

  /* Unknown or finished ids are normal races: ignore them. */
  cancellable = g_hash_table_lookup (self->in_flight, key);
  if (cancellable != NULL)
    g_cancellable_cancel (cancellable);
}

void
north_mcp_session_close (NorthMcpSession *self)
{
  GHashTableIter iter;
  gpointer value;
  g_autoptr(GPtrArray) tasks = NULL;
  g_autoptr(GPtrArray) cancellables = g_ptr_array_new_with_free_func (g_object_unref);

  if (self->closed)
    return;
  self->closed = TRUE;
  /* Whoever still holds it (a request under way) changes it for nobody:
   * the manager that gave it these funcs may be freed before that. */
  north_mcp_session_set_store_funcs (self, NULL, NULL, NULL, NULL);

  /* Collect first: completing a task may run code that touches the tables. */
  tasks = north_mcp_session_steal_pending_tasks (self);

  g_hash_table_iter_init (&iter, self->in_flight);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (cancellables, g_object_ref (value));
  g_hash_table_remove_all (self->in_flight);

  for (guint i = 0; i < tasks->len; i++)
    g_task_return_new_error (g_ptr_array_index (tasks, i), NORTH_MCP_ERROR, NORTH_MCP_ERROR_CLOSED,
                             "The session ended before the client answered");
  for (guint i = 0; i < cancellables->len; i++)
    g_cancellable_cancel (g_ptr_array_index (cancellables, i));
}

/* Resource subscriptions. */

/* Forgets every URI, giving back what they cost. */
static void
clear_subscriptions (NorthMcpSession *self)
{
  GHashTableIter iter;
  gpointer uri;

  if (self->kept != NULL)
    north_mcp_kept_budget_give_back (self->kept, self->kept_owner, 2 * (guint64) self->subscription_bytes +
                                     (guint64) self->subscription_count * NORTH_MCP_KEPT_BUDGET_URI_COST);
  g_hash_table_iter_init (&iter, self->subscriptions);
  while (self->index != NULL && g_hash_table_iter_next (&iter, &uri, NULL))
    north_mcp_subscription_index_remove (self->index, uri, self);
  g_hash_table_remove_all (self->subscriptions);
  self->subscription_bytes = 0;
  self->subscription_count = 0;
  g_clear_pointer (&self->kept_owner, g_free);
}

/* Adds @uri (not yet watched) if it fits the session's limits and what
 * all sessions may keep. */
static gboolean
add_subscription (NorthMcpSession  *self,
                  const char       *uri,
                  GError          **error)
{
  gsize length = strlen (uri);

  if (g_hash_table_size (self->subscriptions) >= NORTH_MCP_SESSION_MAX_SUBSCRIPTIONS ||
      length > NORTH_MCP_SESSION_MAX_SUBSCRIPTION_URI ||
      length > NORTH_MCP_SESSION_MAX_SUBSCRIPTION_BYTES - self->subscription_bytes)
    {
      g_set_error_literal (error, NORTH_MCP_JSONRPC_ERROR, NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS,
                           "Invalid params: a session watches at most "
                           G_STRINGIFY (NORTH_MCP_SESSION_MAX_SUBSCRIPTIONS) " URIs of at most "
                           G_STRINGIFY (NORTH_MCP_SESSION_MAX_SUBSCRIPTION_URI) " bytes, "
                           G_STRINGIFY (NORTH_MCP_SESSION_MAX_SUBSCRIPTION_BYTES) " bytes in all; "
                           "unsubscribe from some first");
      return FALSE;
    }
  /* The URIs of an identified owner's sessions count in its share
   * together; an anonymous session's are bounded by the session's own
   * limits above (another session is another client). */
  if (self->subscription_count == 0)
    {
      g_clear_pointer (&self->kept_owner, g_free);
      self->kept_owner = north_mcp_session_identity_share (self->owner);
    }
  if (self->kept != NULL &&
      !north_mcp_kept_budget_take (self->kept, self->kept_owner, north_mcp_kept_budget_uri_cost (length), error))
    return FALSE;
  g_hash_table_add (self->subscriptions, g_strdup (uri));
  if (self->index != NULL)
    north_mcp_subscription_index_add (self->index, uri, self);
  self->subscription_bytes += length;
  self->subscription_count++;
  return TRUE;
}

gboolean
north_mcp_session_subscribe (NorthMcpSession  *self,
                             const char       *uri,
                             GError          **error)
{
  if (g_hash_table_contains (self->subscriptions, uri))
    return TRUE;
  if (!add_subscription (self, uri, error))
    return FALSE;
  changed (self);
  return TRUE;
}

gboolean
north_mcp_session_unsubscribe (NorthMcpSession *self,
                               const char      *uri)
{
  gsize length = strlen (uri);

  if (!g_hash_table_remove (self->subscriptions, uri))
    return FALSE;
  if (self->index != NULL)
    north_mcp_subscription_index_remove (self->index, uri, self);
  self->subscription_bytes -= length;
  self->subscription_count--;
  if (self->kept != NULL)
    north_mcp_kept_budget_give_back (self->kept, self->kept_owner, north_mcp_kept_budget_uri_cost (length));
  changed (self);
  return TRUE;
}

GPtrArray *
north_mcp_session_get_subscriptions (NorthMcpSession *self)
{
  GPtrArray *uris = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer uri;

  g_hash_table_iter_init (&iter, self->subscriptions);
  while (g_hash_table_iter_next (&iter, &uri, NULL))
    g_ptr_array_add (uris, g_strdup (uri));
  return uris;
}

guint
north_mcp_session_set_subscriptions (NorthMcpSession *self,
                                     GPtrArray       *uris)
{
  guint dropped = 0;

  clear_subscriptions (self);
  for (guint i = 0; i < uris->len; i++)
    if (!g_hash_table_contains (self->subscriptions, g_ptr_array_index (uris, i)) &&
        !add_subscription (self, g_ptr_array_index (uris, i), NULL))
      dropped++;
  return dropped;
}

guint
north_mcp_session_set_kept_budget (NorthMcpSession    *self,
                                   NorthMcpKeptBudget *kept)
{
  g_autoptr(GPtrArray) uris = NULL;

  if (self->kept == kept)
    return 0;
  /* What it watches already counts in the new budget, as far as it fits. */
  uris = north_mcp_session_get_subscriptions (self);
  clear_subscriptions (self);
  g_clear_pointer (&self->kept, north_mcp_kept_budget_unref);
  self->kept = kept != NULL ? north_mcp_kept_budget_ref (kept) : NULL;
  return north_mcp_session_set_subscriptions (self, uris);
}

void
north_mcp_session_set_subscription_index (NorthMcpSession           *self,
                                          NorthMcpSubscriptionIndex *index)
{
  GHashTableIter iter;
  gpointer uri;

  if (self->index == index)
    return;
  g_hash_table_iter_init (&iter, self->subscriptions);
  while (g_hash_table_iter_next (&iter, &uri, NULL))
    {
      if (self->index != NULL)
        north_mcp_subscription_index_remove (self->index, uri, self);
      if (index != NULL)
        north_mcp_subscription_index_add (index, uri, self);
    }
  g_clear_pointer (&self->index, north_mcp_subscription_index_unref);
  self->index = index != NULL ? north_mcp_subscription_index_ref (index) : NULL;
}

/**
 * north_mcp_session_is_subscribed:
 * @self: a session
 * @uri: a resource URI
 *
 * Checks whether the client subscribed to updates of @uri with
 * `resources/subscribe`.
 *
 * Returns: `TRUE` if it did and has not unsubscribed
 *
 * Since: 0.1
 */
gboolean
north_mcp_session_is_subscribed (NorthMcpSession *self,
                                 const char      *uri)
{
  g_return_val_if_fail (NORTH_MCP_IS_SESSION (self), FALSE);
  g_return_val_if_fail (uri != NULL, FALSE);

  return g_hash_table_contains (self->subscriptions, uri);
}

/**
 * north_mcp_session_log:
 * @self: a session
 * @level: the severity
 * @logger: (nullable): the logger's name
 * @data: any JSON value to log
 *
 * Sends `notifications/message` to the session's client on its standalone
 * stream, if @level is at or above the level the client set with
 * `logging/setLevel`. For messages that belong to no request; within a
 * handler, [method@NorthMcp.Context.log] sends them with the request.
 *
 * Since: 0.1
 */
void
north_mcp_session_log (NorthMcpSession  *self,
                       NorthMcpLogLevel  level,
                       const char       *logger,
                       JsonNode         *data)
{
  g_autoptr(JsonObject) params = NULL;

  g_return_if_fail (NORTH_MCP_IS_SESSION (self));
  g_return_if_fail (level <= NORTH_MCP_LOG_LEVEL_EMERGENCY);
  g_return_if_fail (data != NULL);

  if (level < self->log_level)
    return;

  params = north_mcp_log_message_params_new (level, logger, data);
  north_mcp_session_send_notification (self, "notifications/message", params);
}

/* Idle tracking, for expiry. */

void
north_mcp_session_touch (NorthMcpSession *self)
{
  self->last_activity = g_get_monotonic_time ();
}

gint64
north_mcp_session_get_last_activity (NorthMcpSession *self)
{
  return self->last_activity;
}

void
north_mcp_session_set_last_activity (NorthMcpSession *self,
                                     gint64           when)
{
  self->last_activity = when;
}

gboolean
north_mcp_session_is_busy (NorthMcpSession *self)
{
  return g_hash_table_size (self->in_flight) > 0 ||
         g_hash_table_size (self->pending) > 0 ||
         north_mcp_session_get_standalone_channel (self) != NULL;
}
