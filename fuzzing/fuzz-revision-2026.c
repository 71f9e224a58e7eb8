/* fuzz-revision-2026.c: the 2026-07-28 revision's HTTP rules, requests
 * and sealed request states, on fuzzed headers and bodies
 *
 * Input: `Name: value` header lines, an empty line, one JSON-RPC message
 * on a line, then the rest: a requestState payload. The headers are
 * checked against the message (north_mcp_revision_2026_http_check_post());
 * a message that passes is dispatched without a session to a server whose
 * tool asks for input (its state is the argument "state") and whose
 * argument travels in an Mcp-Param header. An input-required result is
 * retried with its sealed state, also with its arguments' members in
 * another order (the state binds a digest of the canonical arguments:
 * accepted) and with other arguments (refused). Last, the payload is
 * sealed with the server's key, as a store that knows the shared key
 * could, and opened by north_mcp_revision_2026_check_retry() with the
 * message's params: what comes after the integrity check must cope with
 * any payload too. In the payload, $OWNER is the anonymous user's owner
 * key and $ARGS the digest of the message's canonical arguments, so that
 * it reaches the argument binding: a state opened is one bound to those
 * arguments, in any order of their members, and to no others.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>

#include "north-mcp.h"
#include "north-mcp-base64-private.h"
#include "north-mcp-dispatch-private.h"
#include "north-mcp-json-writer-private.h"
#include "north-mcp-jsonrpc-private.h"
#include "north-mcp-protocol-host-private.h"
#include "north-mcp-revision-2026-private.h"
#include "north-mcp-session-private.h"
#include "north-mcp-util-private.h"
#include "test-channel.h"
#include "fuzz-common.h"
#include "fuzz-headers.h"
#include "fuzz-sent.h"

static NorthMcpToolResult *
ask_func (NorthMcpTool     *tool,
          NorthMcpContext  *context,
          JsonObject       *arguments,
          gpointer          user_data,
          GError          **error)
{
  JsonObject *answer;
  JsonNode *state;

  if (north_mcp_context_get_request_state (context) == NULL)
    {
      g_autoptr(JsonObject) params = json_object_new ();

      state = json_object_get_member (arguments, "state");
      north_mcp_context_add_input_request (context, "roots", "roots/list", params);
      north_mcp_context_return_input_required (context,
                                               state != NULL && JSON_NODE_HOLDS_VALUE (state) &&
                                               json_node_get_value_type (state) == G_TYPE_STRING
                                               ? json_node_get_string (state) : "s");
      return NULL;
    }

  answer = north_mcp_context_get_input_response (context, "roots");
  return north_mcp_tool_result_new_text (answer != NULL ? "answered" : "no answer");
}

static NorthMcpServer *
server_new (void)
{
  NorthMcpServer *server = north_mcp_server_new ("fuzz", "1.0");
  g_autoptr(NorthMcpTool) ask = north_mcp_tool_new ("ask", "Asks for input");

  if (!north_mcp_tool_set_input_schema_json (ask,
        "{\"type\":\"object\",\"properties\":{\"state\":{\"type\":\"string\"},"
        "\"region\":{\"type\":\"integer\",\"x-mcp-header\":\"Region\"}}}", NULL))
    abort ();
  north_mcp_tool_set_func (ask, ask_func, NULL, NULL);
  north_mcp_server_add_tool (server, ask);
  return server;
}

/* A value in the encoded form (=?base64?...?=) decodes to UTF-8 without
 * NUL, or is refused; others are taken as they are (HTTP allows any
 * octet there: they match no JSON string). */
static void
check_header_values (SoupMessageHeaders *headers)
{
  SoupMessageHeadersIter iter;
  const char *name, *value;

  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    {
      g_autofree char *decoded = north_mcp_revision_2026_decode_header_value (value);
      g_autofree char *trimmed = g_strstrip (g_strdup (value));
      gboolean encoded = strlen (trimmed) >= 12 && g_str_has_prefix (trimmed, "=?base64?") &&
                         g_str_has_suffix (trimmed, "?=");

      if (decoded != NULL && encoded && !g_utf8_validate (decoded, -1, NULL))
        abort ();
      if (decoded == NULL && !encoded)
        abort ();
    }
}

static void
dispatch (NorthMcpServer *server,
          TestChannel    *channel,
          JsonNode       *message)
{
  north_mcp_dispatch_message (NORTH_MCP_PROTOCOL_HOST (server), NULL, NULL, message,
                              NORTH_MCP_CHANNEL (channel));
  for (guint i = 0; i < 100 && g_main_context_iteration (NULL, FALSE); i++)
    ;
}

/* The digest a state binds: SHA-256 of @params' canonical `arguments`
 * (none: null), base64url. */
static char *
arguments_digest (JsonObject *params)
{
  g_autoptr(GString) text = g_string_new (NULL);
  guint8 digest[32];
  gsize length = sizeof digest;
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);

  north_mcp_json_write_canonical (text, params != NULL ? json_object_get_member (params, "arguments") : NULL);
  g_checksum_update (checksum, (const guchar *) text->str, text->len);
  g_checksum_get_digest (checksum, digest, &length);
  return north_mcp_base64url_encode (digest, length);
}

/* @node with every object's members inserted in reverse order. */
static JsonNode *
reversed (JsonNode *node)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      g_autoptr(GPtrArray) names = g_ptr_array_new ();
      g_autoptr(JsonObject) object = json_object_new ();
      JsonObject *original = json_node_get_object (node);
      JsonObjectIter iter;
      const char *name;

      json_object_iter_init_ordered (&iter, original);
      while (json_object_iter_next_ordered (&iter, &name, NULL))
        g_ptr_array_add (names, (gpointer) name);
      for (guint i = names->len; i > 0; i--)
        json_object_set_member (object, g_ptr_array_index (names, i - 1),
                                reversed (json_object_get_member (original, g_ptr_array_index (names, i - 1))));
      return north_mcp_node_new_object (object);
    }
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *original = json_node_get_array (node);
      JsonArray *array = json_array_sized_new (json_array_get_length (original));
      JsonNode *copy = json_node_new (JSON_NODE_ARRAY);

      for (guint i = 0; i < json_array_get_length (original); i++)
        json_array_add_element (array, reversed (json_array_get_element (original, i)));
      json_node_take_array (copy, array);
      return copy;
    }
  return json_node_copy (node);
}

/* @params with its arguments' members reversed (@other: FALSE) or with
 * other arguments (TRUE). */
static void
change_arguments (JsonObject *params,
                  gboolean    other)
{
  JsonNode *arguments = json_object_get_member (params, "arguments");

  if (!other)
    {
      if (arguments != NULL)
        json_object_set_member (params, "arguments", reversed (arguments));
    }
  else if (arguments != NULL && JSON_NODE_HOLDS_OBJECT (arguments))
    json_object_set_boolean_member (json_node_get_object (arguments), "\x01other", TRUE);
  else
    json_object_set_member (params, "arguments", json_node_init_int (json_node_alloc (), 7));
}

#define OTHER_ARGUMENTS "requestState was issued for other arguments"

/* Whether an answer among @channel's messages from @first on refuses a
 * state for its arguments. */
static gboolean
refused_for_arguments (TestChannel *channel,
                       guint        first)
{
  GPtrArray *sent = test_channel_get_messages (channel);

  for (guint i = first; i < sent->len; i++)
    {
      JsonNode *node = g_ptr_array_index (sent, i);
      JsonObject *error = JSON_NODE_HOLDS_OBJECT (node)
                          ? north_mcp_object_get_object (json_node_get_object (node), "error") : NULL;
      const char *text = north_mcp_object_get_string (error, "message");

      if (text != NULL && strstr (text, OTHER_ARGUMENTS) != NULL)
        return TRUE;
    }
  return FALSE;
}

/* The input-required results among @channel's messages, retried with
 * their state and an answer: as they were, with the arguments' members
 * in another order (the same arguments) and with other arguments. */
static void
retry_input_required (NorthMcpServer *server,
                      TestChannel    *channel,
                      JsonNode       *message)
{
  g_autoptr(GPtrArray) states = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *sent = test_channel_get_messages (channel);
  JsonObject *request = json_node_get_object (message);
  JsonObject *params = north_mcp_object_get_object (request, "params");

  if (params == NULL)
    return;
  for (guint i = 0; i < sent->len; i++)
    {
      JsonNode *node = g_ptr_array_index (sent, i);
      JsonObject *result = JSON_NODE_HOLDS_OBJECT (node)
                           ? north_mcp_object_get_object (json_node_get_object (node), "result") : NULL;
      const char *state = north_mcp_object_get_string (result, "requestState");

      if (state != NULL)
        g_ptr_array_add (states, g_strdup (state));
    }

  for (guint i = 0; i < states->len && i < 4; i++)
    for (guint change = 0; change < 3; change++)
      {
        g_autoptr(JsonNode) retry = json_node_copy (message);
        JsonObject *retry_params = north_mcp_object_get_object (json_node_get_object (retry), "params");
        JsonObject *responses = json_object_new ();
        guint first = sent->len;

        json_object_set_object_member (responses, "roots", json_object_new ());
        json_object_set_string_member (retry_params, "requestState", g_ptr_array_index (states, i));
        json_object_set_object_member (retry_params, "inputResponses", responses);
        if (change > 0)
          change_arguments (retry_params, change == 2);
        dispatch (server, channel, retry);
        if (refused_for_arguments (channel, first) != (change == 2))
          {
            g_autofree char *text = north_mcp_jsonrpc_to_string (retry, NULL);

            fprintf (stderr, "retry %s %s for its arguments: %s\n", change == 2 ? "not refused" : "refused",
                     change == 1 ? "(members reordered)" : "", text);
            abort ();
          }
      }
}

/* @payload sealed with the server's key: what a forged token would need. */
static char *
forge_token (NorthMcpServer *server,
             const char     *payload,
             gsize           length)
{
  NorthMcpRevision2026State *state =
    north_mcp_protocol_host_get_revision_2026 (NORTH_MCP_PROTOCOL_HOST (server));
  gsize key_length = 0;
  const guint8 *key = north_mcp_revision_2026_state_get_key (state, &key_length);
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, key, key_length);
  g_autofree char *encoded = north_mcp_base64url_encode ((const guchar *) payload, length);
  g_autofree char *mac = NULL;
  guint8 digest[32];
  gsize digest_length = sizeof digest;

  g_hmac_update (hmac, (const guchar *) encoded, strlen (encoded));
  g_hmac_get_digest (hmac, digest, &digest_length);
  mac = north_mcp_base64url_encode (digest, digest_length);
  return g_strconcat (encoded, ".", mac, NULL);
}

/* Opens @token as a retry of @method with @params (its requestState
 * set to @token): whether it opened. */
static gboolean
open_token (NorthMcpServer *server,
            const char     *method,
            JsonObject     *params,
            const char     *token)
{
  g_autofree char *opened = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  json_object_set_string_member (params, "requestState", token);
  ok = north_mcp_revision_2026_check_retry (NORTH_MCP_PROTOCOL_HOST (server), NULL, method, params,
                                            &opened, &error);
  if (ok != (error == NULL) || (!ok && opened != NULL))
    abort ();
  return ok;
}

static void
open_forged (NorthMcpServer *server,
             JsonNode       *message,
             const char     *payload)
{
  JsonObject *request = JSON_NODE_HOLDS_OBJECT (message) ? json_node_get_object (message) : NULL;
  const char *method = north_mcp_object_get_string (request, "method");
  JsonObject *request_params = north_mcp_object_get_object (request, "params");
  g_autoptr(JsonObject) params = NULL;
  g_autoptr(JsonNode) copy = NULL;
  g_autoptr(JsonNode) opened = NULL;
  g_autofree char *token = NULL;
  g_autofree char *owner = north_mcp_session_owner_key (NULL);
  g_autofree char *digest = NULL;
  g_autoptr(GString) expanded = g_string_new (payload);

  if (request_params != NULL)
    {
      copy = json_node_copy (north_mcp_object_get_node (request, "params", JSON_NODE_OBJECT));
      params = json_object_ref (json_node_get_object (copy));
    }
  else
    {
      params = json_object_new ();
      json_object_set_string_member (params, "name", "ask");
    }
  method = method != NULL ? method : "tools/call";
  digest = arguments_digest (params);
  g_string_replace (expanded, "$OWNER", owner, 0);
  g_string_replace (expanded, "$ARGS", digest, 0);
  token = forge_token (server, expanded->str, expanded->len);

  if (!open_token (server, method, params, token))
    return;
  /* Opened: the state was bound to these arguments, which any order of
   * their members keeps and others break. */
  opened = north_mcp_jsonrpc_parse (expanded->str, expanded->len, NULL);
  if (g_strcmp0 (north_mcp_object_get_string (json_node_get_object (opened), "a"), digest) != 0)
    abort ();
  change_arguments (params, FALSE);
  if (!open_token (server, method, params, token))
    abort ();
  change_arguments (params, TRUE);
  if (open_token (server, method, params, token))
    abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(NorthMcpServer) server = NULL;
  g_autoptr(TestChannel) channel = NULL;
  g_autoptr(SoupMessageHeaders) headers = NULL;
  g_autoptr(JsonNode) message = NULL;
  g_autoptr(JsonNode) response = NULL;
  g_autofree char *text = NULL;
  char *lines, *body, *payload;
  NorthMcpRevision2026Head head;
  guint status;

  fuzz_init ();

  text = g_strndup ((const char *) data, size);
  if (!fuzz_split_request (text, &lines, &body, &payload))
    return 0;

  headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  fuzz_add_headers (headers, lines);
  check_header_values (headers);

  message = north_mcp_jsonrpc_parse (body, strlen (body), NULL);
  if (message == NULL)
    return 0;

  server = server_new ();
  channel = test_channel_new (TRUE);

  north_mcp_revision_2026_head_read (&head, headers);
  (void) north_mcp_revision_2026_http_applies (headers, &head, message);
  status = north_mcp_revision_2026_http_check_post (NORTH_MCP_PROTOCOL_HOST (server), headers,
                                                    &head, message, &response);
  if ((status == 0) != (response == NULL))
    abort ();
  if (response != NULL)
    fuzz_check_sent (response);

  if (status == 0 && JSON_NODE_HOLDS_OBJECT (message))
    {
      GPtrArray *sent;

      dispatch (server, channel, message);
      retry_input_required (server, channel, message);
      sent = test_channel_get_messages (channel);
      for (guint i = 0; i < sent->len; i++)
        fuzz_check_sent (g_ptr_array_index (sent, i));
    }

  open_forged (server, message, payload);
  north_mcp_revision_2026_close_listeners (NORTH_MCP_PROTOCOL_HOST (server));
  return 0;
}
