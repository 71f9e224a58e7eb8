/* north-mcp-revision-2026-listen.c: `subscriptions/listen` of the
 * 2026-07-28 revision
 *
 * A listen request keeps its response stream open and receives the
 * list-changed and resources/updated notifications it asked for, until
 * the client goes away or the server stops. The open streams are kept in
 * the revision's state (north-mcp-revision-2026-state.c).
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-context-private.h"
#include "north-mcp-dispatch-private.h"
#include "north-mcp-error.h"
#include "north-mcp-jsonrpc-private.h"
#include "north-mcp-json-writer-private.h"
#include "north-mcp-kept-budget-private.h"
#include "north-mcp-protocol-host-private.h"
#include "north-mcp-revision-2026-private.h"
#include "north-mcp-session-manager-private.h"
#include "north-mcp-session-private.h"
#include "north-mcp-siphash-private.h"
#include "north-mcp-util-private.h"

static NorthMcpRevision2026State *
listeners_of (NorthMcpProtocolHost *host)
{
  return north_mcp_protocol_host_get_revision_2026 (host);
}

typedef struct
{
  gboolean    tools;
  gboolean    prompts;
  gboolean    resources;
  GHashTable *uris;  /* resourceSubscriptions, a set: looked up per broadcast */
  NorthMcpKeptBudget *kept;  /* where the stream counts while it lives */
  char       *owner;         /* whose share it counts in */
  guint64     cost;
} ListenFilter;

static void
listen_filter_free (ListenFilter *filter)
{
  g_clear_pointer (&filter->uris, g_hash_table_unref);
  if (filter->kept != NULL)
    {
      north_mcp_kept_budget_give_back (filter->kept, filter->owner, filter->cost);
      north_mcp_kept_budget_unref (filter->kept);
    }
  g_free (filter->owner);
  g_free (filter);
}

#define LISTEN_FILTER_KEY "north-mcp-listen-filter"

/* How many listen streams of one session may be open at once. Over
 * legacy HTTP+SSE (and stdio) they all travel on the session's one
 * stream, so a client could otherwise open any number with small POSTs
 * (each keeps its context and filter, about 4.5 KB, and lets go of its
 * body). Over Streamable HTTP each has a connection of its own and no
 * session. */
#define MAX_LISTENS_PER_SESSION 16
#define LISTENS_KEY "north-mcp-listens"

static guint
listens_of (NorthMcpSession *session)
{
  return session != NULL ? GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (session), LISTENS_KEY)) : 0;
}

/* Counts @context's stream among its session's (@delta: +1 or -1). */
static void
count_listen (NorthMcpContext *context,
              int              delta)
{
  NorthMcpSession *session = north_mcp_context_get_tracking_session (context);

  if (session != NULL)
    g_object_set_data (G_OBJECT (session), LISTENS_KEY, GUINT_TO_POINTER (listens_of (session) + delta));
}

/* Whose share of max-subscription-bytes @context's stream counts in: its
 * identity; on a server without authentication its session (legacy
 * HTTP+SSE, stdio), else the address it connects from; else one
 * anonymous owner. */
static char *
listen_owner (NorthMcpContext *context)
{
  NorthMcpSession *session = north_mcp_context_get_tracking_session (context);
  guint8 digest[NORTH_MCP_SESSION_OWNER_DIGEST_LENGTH];
  g_autofree char *peer = NULL;
  char *identity;

  north_mcp_session_owner_digest (north_mcp_context_get_user (context), digest);
  if ((identity = north_mcp_session_identity_share (digest)) != NULL)
    return identity;
  if (session != NULL)
    return g_strconcat ("session ", north_mcp_session_get_id (session), NULL);
  peer = north_mcp_channel_dup_peer (north_mcp_context_get_channel (context));
  if (peer != NULL)
    return g_strconcat ("peer ", peer, NULL);
  return g_strdup ("anonymous");
}

static gboolean
capability_flag (JsonObject *capabilities,
                 const char *capability,
                 const char *flag)
{
  JsonObject *object = north_mcp_object_get_object (capabilities, capability);
  JsonNode *node = object != NULL ? json_object_get_member (object, flag) : NULL;

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_BOOLEAN && json_node_get_boolean (node);
}

static gboolean
requested (JsonObject *filter,
           const char *member)
{
  JsonNode *node = json_object_get_member (filter, member);

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_BOOLEAN && json_node_get_boolean (node);
}

static JsonNode *
listen_notification (NorthMcpContext *context,
                     const char      *method,
                     JsonObject      *params)
{
  g_autoptr(JsonObject) full = params != NULL ? json_object_ref (params) : json_object_new ();
  JsonObject *meta = json_object_new ();

  json_object_set_member (meta, NORTH_MCP_META_SUBSCRIPTION_ID,
                          json_node_copy (north_mcp_context_get_request_id (context)));
  json_object_set_object_member (full, "_meta", meta);
  return north_mcp_jsonrpc_notification_new (method, full);
}

static void on_listen_channel_closed (NorthMcpChannel *channel, NorthMcpContext *context);
static void on_listen_cancelled (GCancellable *cancellable, NorthMcpContext *context);

/* Stops watching how the client may end the stream. */
static void
unwatch_listener (NorthMcpContext *context)
{
  g_signal_handlers_disconnect_by_func (north_mcp_context_get_channel (context),
                                        on_listen_channel_closed, context);
  g_signal_handlers_disconnect_by_func (north_mcp_context_get_cancellable (context),
                                        on_listen_cancelled, context);
}

/* The client ended the stream: it is forgotten, nothing is answered. */
static gboolean
forget_listener (gpointer user_data)
{
  NorthMcpContext *context = user_data;
  g_autoptr(NorthMcpContext) listener =
    north_mcp_revision_2026_state_steal_listener (listeners_of (north_mcp_context_get_host (context)), context);

  if (listener == NULL)
    return G_SOURCE_REMOVE;
  count_listen (listener, -1);
  unwatch_listener (listener);
  north_mcp_context_abandon (listener);
  return G_SOURCE_REMOVE;
}

/* Over HTTP, the client closed the response stream. */
static void
on_listen_channel_closed (NorthMcpChannel *channel,
                          NorthMcpContext *context)
{
  forget_listener (context);
}

/* Over stdio, notifications/cancelled (over HTTP, the stream closing
 * cancels too). Later, on the main context the listeners belong to: the
 * cancellation may come from another thread, or from the channel's own
 * cancellable, whose handlers must not see the context finalized (its
 * dispose disconnects from that cancellable, which waits for them). */
static void
on_listen_cancelled (GCancellable    *cancellable,
                     NorthMcpContext *context)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, forget_listener, g_object_ref (context), g_object_unref);
  g_source_attach (source, north_mcp_protocol_host_get_main_context (north_mcp_context_get_host (context)));
  g_source_unref (source);
}

/* A listen stream keeps its request for as long as its client keeps it
 * open, so the request is bounded like what a session keeps: its URIs
 * like a session's subscriptions, the rest (id, _meta, any other member)
 * like a session's declarations. The size counts numbers at their
 * longest, so it tracks the tree in memory too, not only the text. */
static gboolean
listen_request_is_bounded (NorthMcpContext *context,
                           JsonObject      *params,
                           JsonObject      *wanted)
{
  const gsize limit = NORTH_MCP_SESSION_CLIENT_MAX_BYTES;
  JsonNode *uris = json_object_get_member (wanted, "resourceSubscriptions");
  gsize size = north_mcp_json_size_up_to (north_mcp_context_get_request_id (context), limit);
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;

  if (uris != NULL && JSON_NODE_HOLDS_ARRAY (uris))
    {
      JsonArray *array = json_node_get_array (uris);
      guint length = json_array_get_length (array);
      /* The URIs together, their quotes not counted (other elements as
       * their JSON): at most what a session may watch in all. */
      gsize all = 0;

      if (length > NORTH_MCP_SESSION_MAX_SUBSCRIPTIONS)
        return FALSE;
      for (guint i = 0; i < length; i++)
        {
          gsize one = north_mcp_json_size_up_to (json_array_get_element (array, i),
                                                 NORTH_MCP_SESSION_MAX_SUBSCRIPTION_URI + 2);

          if (one > NORTH_MCP_SESSION_MAX_SUBSCRIPTION_URI + 2)
            return FALSE;
          all += one;
        }
      if (all > NORTH_MCP_SESSION_MAX_SUBSCRIPTION_BYTES + 2 * (gsize) length)
        return FALSE;
    }

  json_object_iter_init (&iter, params);
  while (size <= limit && json_object_iter_next (&iter, &name, &member))
    if (!g_str_equal (name, "notifications"))
      size += strlen (name) + north_mcp_json_size_up_to (member, limit - size);
  /* resourceSubscriptions as the URIs only when they are (an array,
   * counted above); whatever else it holds is kept all the same. */
  json_object_iter_init (&iter, wanted);
  while (size <= limit && json_object_iter_next (&iter, &name, &member))
    if (!g_str_equal (name, "resourceSubscriptions") || !JSON_NODE_HOLDS_ARRAY (member))
      size += strlen (name) + north_mcp_json_size_up_to (member, limit - size);
  return size <= limit;
}

/* What a listen stream keeps for its whole life, in memory: its context
 * and filter, its params (resourceSubscriptions included) and id as
 * trees, and the URIs copied into @filter and into the index of the
 * listeners (its North context the caller adds). */
static guint64
listen_kept_cost (NorthMcpContext *context,
                  JsonObject      *params,
                  ListenFilter    *filter)
{
  g_autoptr(JsonNode) node = north_mcp_node_new_object (params);
  guint64 size = NORTH_MCP_KEPT_BUDGET_LISTEN_COST +
                 north_mcp_json_footprint_up_to (node, G_MAXSIZE) +
                 north_mcp_json_footprint_up_to (north_mcp_context_get_request_id (context), G_MAXSIZE);
  GHashTableIter iter;
  gpointer uri;

  if (filter->uris != NULL)
    {
      g_hash_table_iter_init (&iter, filter->uris);
      while (g_hash_table_iter_next (&iter, &uri, NULL))
        size += north_mcp_kept_budget_uri_cost (strlen (uri));
    }
  return size;
}

void
north_mcp_revision_2026_handle_listen (NorthMcpProtocolHost *host,
                                       NorthMcpContext      *context)
{
  JsonObject *params = north_mcp_context_get_params (context);
  JsonObject *wanted = north_mcp_object_get_object (params, "notifications");
  JsonNode *id = north_mcp_context_get_request_id (context);
  NorthMcpChannel *channel = north_mcp_context_get_channel (context);
  g_autoptr(JsonObject) capabilities = north_mcp_protocol_host_build_capabilities (host);
  g_autoptr(JsonObject) honoured = json_object_new ();
  g_autoptr(JsonObject) ack = json_object_new ();
  g_autoptr(JsonNode) notification = NULL;
  g_autoptr(GError) error = NULL;
  const char *methods[4];
  guint n_methods = 0;
  NorthMcpKeptBudget *kept;
  ListenFilter *filter;
  JsonNode *uris;

  if (wanted == NULL)
    {
      north_mcp_dispatch_invalid_params (context, "Invalid params: subscriptions/listen needs a "
                                         "'notifications' object");
      return;
    }

  /* Every notification of the stream repeats its id, as those of a
   * request repeat its progress token: bounded alike. */
  if (id != NULL && JSON_NODE_HOLDS_VALUE (id) && json_node_get_value_type (id) == G_TYPE_STRING &&
      strlen (json_node_get_string (id)) > NORTH_MCP_PROGRESS_TOKEN_MAX_LENGTH)
    {
      north_mcp_context_return_error_literal (context, NORTH_MCP_JSONRPC_ERROR,
                                              NORTH_MCP_JSONRPC_ERROR_INVALID_REQUEST,
                                              "Invalid Request: the id of a subscriptions/listen request, "
                                              "which its every notification repeats, may be at most "
                                              G_STRINGIFY (NORTH_MCP_PROGRESS_TOKEN_MAX_LENGTH) " bytes");
      return;
    }

  if (!listen_request_is_bounded (context, params, wanted))
    {
      north_mcp_dispatch_invalid_params (context, "Invalid params: a subscriptions/listen request may list at most "
                                         G_STRINGIFY (NORTH_MCP_SESSION_MAX_SUBSCRIPTIONS)
                                         " resourceSubscriptions of at most "
                                         G_STRINGIFY (NORTH_MCP_SESSION_MAX_SUBSCRIPTION_URI)
                                         " bytes, "
                                         G_STRINGIFY (NORTH_MCP_SESSION_MAX_SUBSCRIPTION_BYTES)
                                         " bytes in all, and hold at most 64 KiB besides");
      return;
    }

  if (!north_mcp_channel_can_stream (channel))
    {
      north_mcp_context_return_error_literal (context, NORTH_MCP_JSONRPC_ERROR,
                                              NORTH_MCP_JSONRPC_ERROR_INVALID_REQUEST,
                                              "Invalid Request: subscriptions/listen needs a stream "
                                              "(accept text/event-stream)");
      return;
    }

  if (listens_of (north_mcp_context_get_tracking_session (context)) >= MAX_LISTENS_PER_SESSION)
    {
      north_mcp_context_return_error_literal (context, NORTH_MCP_JSONRPC_ERROR,
                                              NORTH_MCP_JSONRPC_ERROR_INVALID_REQUEST,
                                              "Invalid Request: this session already has "
                                              G_STRINGIFY (MAX_LISTENS_PER_SESSION)
                                              " subscriptions/listen streams open; end one first");
      return;
    }

  filter = g_new0 (ListenFilter, 1);
  filter->tools = requested (wanted, "toolsListChanged") &&
                  capability_flag (capabilities, "tools", "listChanged");
  filter->prompts = requested (wanted, "promptsListChanged") &&
                    capability_flag (capabilities, "prompts", "listChanged");
  filter->resources = requested (wanted, "resourcesListChanged") &&
                      capability_flag (capabilities, "resources", "listChanged");
  if (filter->tools)
    json_object_set_boolean_member (honoured, "toolsListChanged", TRUE);
  if (filter->prompts)
    json_object_set_boolean_member (honoured, "promptsListChanged", TRUE);
  if (filter->resources)
    json_object_set_boolean_member (honoured, "resourcesListChanged", TRUE);

  uris = json_object_get_member (wanted, "resourceSubscriptions");
  if (uris != NULL && JSON_NODE_HOLDS_ARRAY (uris) &&
      capability_flag (capabilities, "resources", "subscribe"))
    {
      JsonArray *array = json_node_get_array (uris);
      JsonArray *echo = json_array_new ();

      filter->uris = g_hash_table_new_full (north_mcp_siphash_str_hash, g_str_equal, g_free, NULL);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);

          if (JSON_NODE_HOLDS_VALUE (element) && json_node_get_value_type (element) == G_TYPE_STRING)
            {
              g_hash_table_add (filter->uris, g_strdup (json_node_get_string (element)));
              json_array_add_string_element (echo, json_node_get_string (element));
            }
        }
      json_object_set_array_member (honoured, "resourceSubscriptions", echo);
    }

  /* What every listen stream and resource subscription of the server
   * keeps is bounded together (max-subscription-bytes), and one owner's
   * to a share of that: beyond either this one is refused, and every
   * other request is served as before. */
  kept = north_mcp_session_manager_get_kept_budget (north_mcp_protocol_host_get_session_manager (host));
  /* The stream outlives its request (over legacy HTTP+SSE, its POST ends
   * with 202): it keeps the North context of the request's headers, not
   * the headers (up to 64 KiB each, uncounted before); over Streamable
   * HTTP, libsoup keeps the buffer it read the head into, which counts
   * beyond the usual 16 KiB (up to 112 KiB more). */
  filter->cost = listen_kept_cost (context, params, filter) +
                 north_mcp_context_release_headers (context) +
                 north_mcp_channel_get_stream_cost (channel);
  filter->owner = listen_owner (context);
  if (!north_mcp_kept_budget_take (kept, filter->owner, filter->cost, &error))
    {
      listen_filter_free (filter);
      north_mcp_context_return_error_literal (context, error->domain, error->code, error->message);
      return;
    }
  filter->kept = north_mcp_kept_budget_ref (kept);

  g_object_set_data_full (G_OBJECT (context), LISTEN_FILTER_KEY, filter,
                          (GDestroyNotify) listen_filter_free);
  /* What the stream keeps counts in max-subscription-bytes, not among
   * the request bodies held (which a few streams could otherwise fill for
   * every other client): the raw body that libsoup would keep until the
   * stream ends goes now, and counts no more. */
  north_mcp_channel_release_request (channel, 0);

  json_object_set_object_member (ack, "notifications", json_object_ref (honoured));
  notification = listen_notification (context, "notifications/subscriptions/acknowledged", ack);
  north_mcp_channel_send (channel, notification);

  /* The stream stays open until the client goes away (or cancels it) or
   * the server stops. */
  if (filter->tools)
    methods[n_methods++] = "notifications/tools/list_changed";
  if (filter->prompts)
    methods[n_methods++] = "notifications/prompts/list_changed";
  if (filter->resources)
    methods[n_methods++] = "notifications/resources/list_changed";
  methods[n_methods] = NULL;
  north_mcp_revision_2026_state_add_listener (listeners_of (host), context, methods, filter->uris);
  count_listen (context, +1);
  g_signal_connect_object (channel, "closed", G_CALLBACK (on_listen_channel_closed), context, 0);
  g_signal_connect_object (north_mcp_context_get_cancellable (context), "cancelled",
                           G_CALLBACK (on_listen_cancelled), context, 0);
  if (g_cancellable_is_cancelled (north_mcp_context_get_cancellable (context)))
    forget_listener (context);
}

void
north_mcp_revision_2026_notify_listeners (NorthMcpProtocolHost *host,
                                          const char           *method,
                                          const char           *uri)
{
  NorthMcpRevision2026State *state = listeners_of (host);
  g_autoptr(GPtrArray) listeners = NULL;

  if (state == NULL)
    return;
  /* Those that asked for it (found through the state's index, so that
   * streams that asked for something else cost nothing). Sending may end
   * listeners, this one or others sharing its connection: walk a copy,
   * skipping those gone meanwhile. */
  listeners = north_mcp_revision_2026_state_dup_listeners (state, method, uri);
  for (guint i = 0; i < listeners->len; i++)
    {
      NorthMcpContext *context = g_ptr_array_index (listeners, i);
      g_autoptr(JsonObject) params = NULL;
      g_autoptr(JsonNode) notification = NULL;

      if (!north_mcp_revision_2026_state_has_listener (state, context))
        continue;

      params = json_object_new ();
      if (uri != NULL)
        json_object_set_string_member (params, "uri", uri);
      notification = listen_notification (context, method, params);
      north_mcp_channel_send (north_mcp_context_get_channel (context), notification);
    }
}

void
north_mcp_revision_2026_close_listeners (NorthMcpProtocolHost *host)
{
  NorthMcpRevision2026State *state = listeners_of (host);
  NorthMcpContext *last;

  while (state != NULL && (last = north_mcp_revision_2026_state_pop_listener (state)) != NULL)
    {
      g_autoptr(NorthMcpContext) context = last;
      g_autoptr(JsonObject) result = json_object_new ();
      g_autoptr(JsonObject) meta = json_object_new ();

      count_listen (context, -1);
      unwatch_listener (context);
      json_object_set_member (meta, NORTH_MCP_META_SUBSCRIPTION_ID,
                              json_node_copy (north_mcp_context_get_request_id (context)));
      json_object_set_object_member (result, "_meta", json_object_ref (meta));
      north_mcp_dispatch_return_object (context, result);
    }
}
