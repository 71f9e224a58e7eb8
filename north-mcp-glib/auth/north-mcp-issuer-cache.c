/* north-mcp-issuer-cache.c: OIDC discovery and JWKS, cached
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "north-mcp-error.h"
#include "north-mcp-issuer-cache-private.h"
#include "north-mcp-json-limits-private.h"
#include "north-mcp-json-reader-private.h"
#include "north-mcp-log-private.h"
#include "north-mcp-util-private.h"

#define DEFAULT_MAX_AGE_S (60 * 60)
#define LONGEST_MAX_AGE_S (24 * 60 * 60)
/* Documents are kept at least this long, whatever their Cache-Control
 * says: `no-store` would otherwise mean two fetches per request, and an
 * issuer that asks for it cannot make every request wait for it. */
#define SHORTEST_MAX_AGE_S 60
#define MAX_DOCUMENT_SIZE (1024 * 1024)

typedef struct
{
  char       *issuer;
  char       *jwks_uri;
  gint64      discovery_expires;  /* monotonic µs */
  GHashTable *keys;               /* kid → NorthMcpJwk */
  gint64      keys_expires;
  gint64      last_fetch;         /* start of the last fetch, 0 = never */
  guint       failures;           /* fetches failed in a row */
  gint64      failed_at;          /* when the last of them failed */
  GPtrArray  *waiters;            /* Waiter, non-NULL while a fetch is in flight */
} IssuerEntry;

struct _NorthMcpIssuerCache
{
  GObject      parent_instance;

  SoupSession *session;          /* created on first fetch, in the fetching thread */
  GHashTable  *entries;          /* issuer → IssuerEntry */
  guint        timeout_ms;
  guint        refresh_interval_ms;
  guint        retry_initial_ms;
  guint        retry_max_ms;
};

G_DEFINE_FINAL_TYPE (NorthMcpIssuerCache, north_mcp_issuer_cache, G_TYPE_OBJECT)

typedef struct
{
  NorthMcpIssuerCache *self;
  IssuerEntry         *entry;
  GCancellable        *cancellable;
  GSource             *timeout_source;
  gboolean             timed_out;
} Fetch;

/* A request waiting for a fetch. Given up (its client gone), it is
 * answered at once, not when the fetch ends: nothing else bounds how many
 * given-up requests a slow fetch would hold, each with its headers. */
typedef struct
{
  GTask       *task;
  IssuerEntry *entry;      /* whose waiters hold this one */
  GSource     *cancelled;  /* NULL without a cancellable */
} Waiter;

static void
waiter_free (Waiter *waiter)
{
  if (waiter->cancelled != NULL)
    {
      g_source_destroy (waiter->cancelled);
      g_source_unref (waiter->cancelled);
    }
  g_object_unref (waiter->task);
  g_free (waiter);
}

static void fetch_key_set (Fetch *fetch);

static void
issuer_entry_clear (gpointer data)
{
  IssuerEntry *entry = data;

  g_free (entry->issuer);
  g_free (entry->jwks_uri);
  g_clear_pointer (&entry->keys, g_hash_table_unref);
  /* A fetch in flight holds a reference, so waiters are gone by now. */
  g_assert (entry->waiters == NULL);
}

static void
issuer_entry_unref (IssuerEntry *entry)
{
  g_rc_box_release_full (entry, issuer_entry_clear);
}

static void
north_mcp_issuer_cache_finalize (GObject *object)
{
  NorthMcpIssuerCache *self = NORTH_MCP_ISSUER_CACHE (object);

  g_clear_object (&self->session);
  g_clear_pointer (&self->entries, g_hash_table_unref);

  G_OBJECT_CLASS (north_mcp_issuer_cache_parent_class)->finalize (object);
}

static void
north_mcp_issuer_cache_class_init (NorthMcpIssuerCacheClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = north_mcp_issuer_cache_finalize;
}

static void
north_mcp_issuer_cache_init (NorthMcpIssuerCache *self)
{
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify) issuer_entry_unref);
  self->timeout_ms = NORTH_MCP_ISSUER_CACHE_DEFAULT_TIMEOUT_MS;
  self->refresh_interval_ms = NORTH_MCP_ISSUER_CACHE_DEFAULT_REFRESH_INTERVAL_MS;
  self->retry_initial_ms = NORTH_MCP_ISSUER_CACHE_DEFAULT_RETRY_INITIAL_MS;
  self->retry_max_ms = NORTH_MCP_ISSUER_CACHE_DEFAULT_RETRY_MAX_MS;
}

NorthMcpIssuerCache *
north_mcp_issuer_cache_new (void)
{
  return g_object_new (NORTH_MCP_TYPE_ISSUER_CACHE, NULL);
}

void
north_mcp_issuer_cache_set_timeout (NorthMcpIssuerCache *self,
                                    guint                timeout_ms)
{
  g_return_if_fail (NORTH_MCP_IS_ISSUER_CACHE (self));

  self->timeout_ms = MIN (timeout_ms, NORTH_MCP_ISSUER_CACHE_DEFAULT_TIMEOUT_MS);
}

void
north_mcp_issuer_cache_set_refresh_interval (NorthMcpIssuerCache *self,
                                             guint                interval_ms)
{
  g_return_if_fail (NORTH_MCP_IS_ISSUER_CACHE (self));

  self->refresh_interval_ms = interval_ms;
}

void
north_mcp_issuer_cache_set_retry_backoff (NorthMcpIssuerCache *self,
                                          guint                initial_ms,
                                          guint                max_ms)
{
  g_return_if_fail (NORTH_MCP_IS_ISSUER_CACHE (self));

  self->retry_initial_ms = initial_ms;
  self->retry_max_ms = MAX (initial_ms, max_ms);
}

/* The back-off after @failures failures in a row: the initial delay,
 * doubled with each further failure, up to the maximum. */
static gint64
retry_delay_us (NorthMcpIssuerCache *self,
                guint                failures)
{
  guint64 delay_ms;

  if (failures == 0)
    return 0;

  delay_ms = (guint64) self->retry_initial_ms << MIN (failures - 1, 16u);
  return (gint64) MIN (delay_ms, (guint64) self->retry_max_ms) * 1000;
}

/* Whether @entry's last fetch failed so recently that another would not
 * be tried yet. Computed from the settings of now, so that changing them
 * takes effect at once. */
static gboolean
in_backoff (NorthMcpIssuerCache *self,
            IssuerEntry         *entry,
            gint64               now)
{
  return entry->failures > 0 && now - entry->failed_at < retry_delay_us (self, entry->failures);
}

guint
north_mcp_issuer_cache_get_retry_delay (NorthMcpIssuerCache *self,
                                        const char          *issuer)
{
  IssuerEntry *entry;

  g_return_val_if_fail (NORTH_MCP_IS_ISSUER_CACHE (self), 0);
  g_return_val_if_fail (issuer != NULL, 0);

  entry = g_hash_table_lookup (self->entries, issuer);
  return entry != NULL ? (guint) (retry_delay_us (self, entry->failures) / 1000) : 0;
}

void
north_mcp_issuer_cache_clear (NorthMcpIssuerCache *self)
{
  g_return_if_fail (NORTH_MCP_IS_ISSUER_CACHE (self));

  g_hash_table_remove_all (self->entries);
}

static IssuerEntry *
get_entry (NorthMcpIssuerCache *self,
           const char          *issuer)
{
  IssuerEntry *entry = g_hash_table_lookup (self->entries, issuer);

  if (entry == NULL)
    {
      entry = g_rc_box_new0 (IssuerEntry);
      entry->issuer = g_strdup (issuer);
      g_hash_table_insert (self->entries, entry->issuer, entry);
    }
  return entry;
}

NorthMcpIssuerKeyStatus
north_mcp_issuer_cache_lookup (NorthMcpIssuerCache  *self,
                               const char           *issuer,
                               const char           *kid,
                               NorthMcpJwk         **key)
{
  IssuerEntry *entry;
  NorthMcpJwk *found;
  gint64 now;

  g_return_val_if_fail (NORTH_MCP_IS_ISSUER_CACHE (self), NORTH_MCP_ISSUER_KEY_FETCH);
  g_return_val_if_fail (issuer != NULL && kid != NULL && key != NULL, NORTH_MCP_ISSUER_KEY_FETCH);

  *key = NULL;
  entry = g_hash_table_lookup (self->entries, issuer);
  if (entry == NULL)
    return NORTH_MCP_ISSUER_KEY_FETCH;

  now = g_get_monotonic_time ();
  if (entry->keys == NULL || now >= entry->keys_expires)
    return entry->waiters == NULL && in_backoff (self, entry, now) ? NORTH_MCP_ISSUER_KEY_UNAVAILABLE
                                                                    : NORTH_MCP_ISSUER_KEY_FETCH;

  /* A fresh key answers even while a fetch is in flight: any token with
   * an unknown kid starts one, and tokens signed with known keys must not
   * wait for it (nor fail with it). */
  found = g_hash_table_lookup (entry->keys, kid);
  if (found != NULL)
    {
      *key = north_mcp_jwk_ref (found);
      return NORTH_MCP_ISSUER_KEY_FOUND;
    }

  /* An unknown kid joins the fetch in flight: it may be the rotation
   * that brings it. */
  if (entry->waiters != NULL)
    return NORTH_MCP_ISSUER_KEY_FETCH;
  if (now - entry->last_fetch >= (gint64) self->refresh_interval_ms * 1000 &&
      !in_backoff (self, entry, now))
    return NORTH_MCP_ISSUER_KEY_FETCH;
  return NORTH_MCP_ISSUER_KEY_UNKNOWN;
}

gint64
north_mcp_issuer_cache_get_keys_expiry (NorthMcpIssuerCache *self,
                                        const char          *issuer)
{
  IssuerEntry *entry;

  g_return_val_if_fail (NORTH_MCP_IS_ISSUER_CACHE (self), 0);

  entry = g_hash_table_lookup (self->entries, issuer);
  return entry != NULL && entry->keys != NULL ? entry->keys_expires : 0;
}

/* Seconds a response may be cached, from its Cache-Control. */
static gint64
max_age_of (SoupMessage *message)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (message);
  const char *cache_control = soup_message_headers_get_list (headers, "Cache-Control");
  g_autoptr(GHashTable) params = NULL;
  const char *max_age;
  guint64 seconds;

  if (cache_control == NULL)
    return DEFAULT_MAX_AGE_S;

  params = soup_header_parse_param_list (cache_control);
  if (g_hash_table_contains (params, "no-store") || g_hash_table_contains (params, "no-cache"))
    return 0;

  max_age = g_hash_table_lookup (params, "max-age");
  if (max_age == NULL ||
      !g_ascii_string_to_unsigned (max_age, 10, 0, G_MAXUINT64, &seconds, NULL))
    return DEFAULT_MAX_AGE_S;

  return (gint64) MIN (seconds, (guint64) LONGEST_MAX_AGE_S);
}

/* When a document fetched now stops being fresh (monotonic µs). */
static gint64
expiry_of (SoupMessage *message)
{
  return g_get_monotonic_time () + MAX (max_age_of (message), SHORTEST_MAX_AGE_S) * G_USEC_PER_SEC;
}

static void
fetch_complete (Fetch  *fetch,
                GError *error)
{
  IssuerEntry *entry = fetch->entry;
  g_autoptr(GPtrArray) waiters = g_steal_pointer (&entry->waiters);

  if (fetch->timeout_source != NULL)
    {
      g_source_destroy (fetch->timeout_source);
      g_clear_pointer (&fetch->timeout_source, g_source_unref);
    }

  for (guint i = 0; i < waiters->len; i++)
    {
      GTask *task = ((Waiter *) g_ptr_array_index (waiters, i))->task;

      if (error != NULL)
        g_task_return_error (task, g_error_copy (error));
      else
        g_task_return_pointer (task, g_hash_table_ref (entry->keys),
                               (GDestroyNotify) g_hash_table_unref);
    }

  g_clear_object (&fetch->cancellable);
  issuer_entry_unref (fetch->entry);
  g_object_unref (fetch->self);
  g_free (fetch);
}

static void
fetch_fail (Fetch      *fetch,
            const char *format,
            ...) G_GNUC_PRINTF (2, 3);

static void
fetch_fail (Fetch      *fetch,
            const char *format,
            ...)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  /* The discovery document may be what is wrong (a stale jwks_uri):
   * the next attempt starts from discovery again. */
  fetch->entry->discovery_expires = 0;
  /* Requests fail fast until the back-off has passed. */
  fetch->entry->failures++;
  fetch->entry->failed_at = g_get_monotonic_time ();

  error = g_error_new (NORTH_MCP_ERROR,
                       fetch->timed_out ? NORTH_MCP_ERROR_TIMED_OUT : NORTH_MCP_ERROR_FAILED,
                       "%s: %s", fetch->entry->issuer, message);
  /* Debug or not, as the North Python SDK logs it: every token of this
   * issuer is refused until the back-off has passed. Once per fetch, not
   * per request, so bounded by the back-off. */
  north_mcp_log_warning (NORTH_MCP_LOGGER_AUTH,
                         "Failed to fetch OpenID configuration from %s: %s "
                         "(its tokens are refused for %u ms, then it is asked again)",
                         fetch->entry->issuer, message,
                         (guint) (retry_delay_us (fetch->self, fetch->entry->failures) / 1000));
  fetch_complete (fetch, error);
}

/* A GET of an http(s) URL; NULL for any other URL. */
static SoupMessage *
new_get (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL);
  const char *scheme;

  if (uri == NULL)
    return NULL;
  scheme = g_uri_get_scheme (uri);
  if (g_strcmp0 (scheme, "http") != 0 && g_strcmp0 (scheme, "https") != 0)
    return NULL;
  if (g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    return NULL;

  return soup_message_new_from_uri (SOUP_METHOD_GET, uri);
}

/* What to do with a fetched JSON document; @message gives its caching
 * headers. */
typedef void (*DocumentFunc) (Fetch       *fetch,
                              SoupMessage *message,
                              JsonNode    *root);

/* One GET of a fetch: its body is read in pieces, so that a document
 * over MAX_DOCUMENT_SIZE is refused once that much has arrived (decoded:
 * a small gzip body cannot inflate past it either), not after all of it. */
typedef struct
{
  Fetch        *fetch;
  SoupMessage  *message;
  const char   *what;    /* for the error message */
  DocumentFunc  handle;
  GInputStream *body;
  GByteArray   *data;
} Get;

static void
get_free (Get *get)
{
  /* Closing a body not read to its end drops the connection; nothing
   * more is read. */
  g_clear_object (&get->body);
  g_clear_object (&get->message);
  g_clear_pointer (&get->data, g_byte_array_unref);
  g_free (get);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Get, get_free)

static void
got_key_set (Fetch       *fetch,
             SoupMessage *message,
             JsonNode    *root)
{
  g_autoptr(GError) error = NULL;
  GHashTable *keys = north_mcp_jwk_parse_set (root, NULL, &error);

  if (keys == NULL)
    {
      fetch_fail (fetch, "key set: %s", error->message);
      return;
    }

  g_clear_pointer (&fetch->entry->keys, g_hash_table_unref);
  fetch->entry->keys = keys;
  fetch->entry->keys_expires = expiry_of (message);
  fetch->entry->failures = 0;
  fetch_complete (fetch, NULL);
}

static void
got_discovery (Fetch       *fetch,
               SoupMessage *message,
               JsonNode    *root)
{
  JsonObject *document = JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  const char *issuer = document != NULL ? north_mcp_object_get_string (document, "issuer") : NULL;
  const char *jwks_uri = document != NULL ? north_mcp_object_get_string (document, "jwks_uri") : NULL;

  /* OpenID Connect Discovery 1.0 §4.3: a document whose issuer is not
   * exactly the one asked for must not be used (a mix-up defence: keys
   * published for another issuer, or a redirect elsewhere). The text it
   * gave is not repeated: the log line names the issuer asked for. */
  if (g_strcmp0 (issuer, fetch->entry->issuer) != 0)
    {
      fetch_fail (fetch, "discovery: its issuer is not %s",
                  issuer == NULL ? "given" : "the one asked for");
      return;
    }
  if (jwks_uri == NULL)
    {
      fetch_fail (fetch, "discovery: no jwks_uri");
      return;
    }

  g_free (fetch->entry->jwks_uri);
  fetch->entry->jwks_uri = g_strdup (jwks_uri);
  fetch->entry->discovery_expires = expiry_of (message);
  fetch_key_set (fetch);
}

/* The whole body has arrived: hands its JSON to the document's handler. */
static void
got_body (Get *get)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;

  /* The strict reader, not json-glib's parser: that one overflows the
   * stack on deep nesting and leaks values after the first. */
  root = north_mcp_json_read ((const char *) get->data->data, get->data->len,
                              NORTH_MCP_JSON_MAX_DEPTH, &error);
  if (root == NULL)
    {
      fetch_fail (get->fetch, "%s: %s", get->what, error->message);
      return;
    }
  get->handle (get->fetch, get->message, root);
}

/* The network failed @get, or the timeout cancelled it. */
static void
get_failed (Get    *get,
            GError *error)
{
  fetch_fail (get->fetch, "%s: %s", get->what,
              get->fetch->timed_out ? "timed out" : error->message);
}

static void read_more (Get *get);

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(Get) get = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);

  if (bytes == NULL)
    {
      get_failed (get, error);
      return;
    }
  if (g_bytes_get_size (bytes) == 0)
    {
      got_body (get);
      return;
    }

  g_byte_array_append (get->data, g_bytes_get_data (bytes, NULL), (guint) g_bytes_get_size (bytes));
  if (get->data->len > MAX_DOCUMENT_SIZE)
    {
      fetch_fail (get->fetch, "%s: document too large", get->what);
      return;
    }
  read_more (g_steal_pointer (&get));
}

/* Reads the next piece, never past one byte over the limit. */
static void
read_more (Get *get)
{
  gsize wanted = MIN ((gsize) 64 * 1024, (gsize) MAX_DOCUMENT_SIZE + 1 - get->data->len);

  g_input_stream_read_bytes_async (get->body, wanted, G_PRIORITY_DEFAULT,
                                   get->fetch->cancellable, on_read, get);
}

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(Get) get = user_data;
  g_autoptr(GError) error = NULL;
  guint status;

  get->body = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (get->body == NULL)
    {
      get_failed (get, error);
      return;
    }

  status = soup_message_get_status (get->message);
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      fetch_fail (get->fetch, "%s: HTTP %u", get->what, status);
      return;
    }

  get->data = g_byte_array_new ();
  read_more (g_steal_pointer (&get));
}

/* GETs @message (consumed), then hands its JSON body to @handle. */
static void
send_get (Fetch        *fetch,
          SoupMessage  *message,
          const char   *what,
          DocumentFunc  handle)
{
  Get *get = g_new0 (Get, 1);

  get->fetch = fetch;
  get->message = message;
  get->what = what;
  get->handle = handle;
  soup_session_send_async (fetch->self->session, message, G_PRIORITY_DEFAULT,
                           fetch->cancellable, on_sent, get);
}

static void
fetch_key_set (Fetch *fetch)
{
  SoupMessage *message = new_get (fetch->entry->jwks_uri);

  if (message == NULL)
    {
      fetch_fail (fetch, "discovery: jwks_uri is not an http(s) URL");
      return;
    }
  send_get (fetch, message, "key set", got_key_set);
}

static void
fetch_discovery (Fetch *fetch)
{
  const char *issuer = fetch->entry->issuer;
  gsize length = strlen (issuer);
  g_autofree char *url = NULL;
  SoupMessage *message;

  if (length > 0 && issuer[length - 1] == '/')
    length--;
  url = g_strdup_printf ("%.*s/.well-known/openid-configuration", (int) length, issuer);

  message = new_get (url);
  if (message == NULL)
    {
      fetch_fail (fetch, "not an http(s) URL");
      return;
    }
  send_get (fetch, message, "discovery", got_discovery);
}

static gboolean
on_fetch_timeout (gpointer user_data)
{
  Fetch *fetch = user_data;

  fetch->timed_out = TRUE;
  g_cancellable_cancel (fetch->cancellable);
  g_clear_pointer (&fetch->timeout_source, g_source_unref);
  return G_SOURCE_REMOVE;
}

static void
start_fetch (NorthMcpIssuerCache *self,
             IssuerEntry         *entry)
{
  Fetch *fetch = g_new0 (Fetch, 1);

  if (self->session == NULL)
    self->session = soup_session_new_with_options ("user-agent", "north-mcp-glib/" PACKAGE_VERSION,
                                                   NULL);

  fetch->self = g_object_ref (self);
  fetch->entry = g_rc_box_acquire (entry);
  fetch->cancellable = g_cancellable_new ();
  fetch->timeout_source = g_timeout_source_new (self->timeout_ms);
  g_source_set_callback (fetch->timeout_source, on_fetch_timeout, fetch, NULL);
  g_source_set_static_name (fetch->timeout_source, "[north-mcp] issuer fetch timeout");
  g_source_attach (fetch->timeout_source, g_main_context_get_thread_default ());

  entry->last_fetch = g_get_monotonic_time ();
  if (entry->jwks_uri != NULL && entry->last_fetch < entry->discovery_expires)
    fetch_key_set (fetch);
  else
    fetch_discovery (fetch);
}

static gboolean
on_waiter_cancelled (GCancellable *cancellable,
                     gpointer      user_data)
{
  Waiter *waiter = user_data;

  /* The fetch goes on for the others. */
  g_task_return_error_if_cancelled (waiter->task);
  g_ptr_array_remove (waiter->entry->waiters, waiter);
  return G_SOURCE_REMOVE;
}

static void
add_waiter (IssuerEntry *entry,
            GTask       *task)
{
  Waiter *waiter = g_new0 (Waiter, 1);
  GCancellable *cancellable = g_task_get_cancellable (task);

  waiter->task = task;
  waiter->entry = entry;
  if (cancellable != NULL)
    {
      waiter->cancelled = g_cancellable_source_new (cancellable);
      g_source_set_callback (waiter->cancelled, G_SOURCE_FUNC (on_waiter_cancelled), waiter, NULL);
      g_source_set_static_name (waiter->cancelled, "[north-mcp] issuer fetch waiter cancelled");
      g_source_attach (waiter->cancelled, g_main_context_get_thread_default ());
    }
  g_ptr_array_add (entry->waiters, waiter);
}

void
north_mcp_issuer_cache_fetch_async (NorthMcpIssuerCache *self,
                                    const char          *issuer,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  IssuerEntry *entry;

  g_return_if_fail (NORTH_MCP_IS_ISSUER_CACHE (self));
  g_return_if_fail (issuer != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, north_mcp_issuer_cache_fetch_async);

  entry = get_entry (self, issuer);
  if (entry->waiters != NULL)
    {
      add_waiter (entry, g_steal_pointer (&task));
      return;
    }

  if (in_backoff (self, entry, g_get_monotonic_time ()))
    {
      g_task_return_new_error (task, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED,
                               "%s: the last fetch failed; retrying in at most %u ms",
                               issuer, (guint) (retry_delay_us (self, entry->failures) / 1000));
      return;
    }

  entry->waiters = g_ptr_array_new_with_free_func ((GDestroyNotify) waiter_free);
  add_waiter (entry, g_steal_pointer (&task));
  start_fetch (self, entry);
}

GHashTable *
north_mcp_issuer_cache_fetch_finish (NorthMcpIssuerCache  *self,
                                     GAsyncResult         *result,
                                     GError              **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
