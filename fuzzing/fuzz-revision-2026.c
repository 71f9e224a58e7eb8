/* fuzz-revision-2026.c: the 2026-07-28 revision's HTTP rules, requests
 * and sealed request states, on fuzzed headers and bodies
 *
 * Input: `Name: value` header lines, an empty line, one JSON-RPC message
 * on a line, then the rest: a requestState payload. The headers are
 * checked against the message (north_mcp_revision_2026_http_check_post());
 * a message that passes is dispatched without a session to a server whose
 * tool asks for input (its state is the argument "state") and whose
 * argument travels in an Mcp-Param header. An input-required result is
 * retried with its sealed state. Last, the payload is sealed with the
 * server's key, as a store that knows the shared key could, and opened by
 * north_mcp_revision_2026_check_retry(): what comes after the integrity
 * check must cope with any payload too.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>

#include "north-mcp.h"
#include "north-mcp-base64-private.h"
#include "north-mcp-dispatch-private.h"
#include "north-mcp-jsonrpc-private.h"
#include "north-mcp-protocol-host-private.h"
#include "north-mcp-revision-2026-private.h"
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

/* The input-required results among @channel's messages, retried with
 * their state and an answer. */
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
    {
      g_autoptr(JsonNode) retry = json_node_copy (message);
      JsonObject *retry_params = north_mcp_object_get_object (json_node_get_object (retry), "params");
      JsonObject *responses = json_object_new ();

      json_object_set_object_member (responses, "roots", json_object_new ());
      json_object_set_string_member (retry_params, "requestState", g_ptr_array_index (states, i));
      json_object_set_object_member (retry_params, "inputResponses", responses);
      dispatch (server, channel, retry);
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

static void
open_forged (NorthMcpServer *server,
             JsonNode       *message,
             const char     *payload,
             gsize           length)
{
  JsonObject *request = JSON_NODE_HOLDS_OBJECT (message) ? json_node_get_object (message) : NULL;
  const char *method = north_mcp_object_get_string (request, "method");
  g_autoptr(JsonObject) params = json_object_new ();
  g_autofree char *token = forge_token (server, payload, length);
  g_autofree char *opened = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  json_object_set_string_member (params, "name", "ask");
  json_object_set_string_member (params, "requestState", token);
  ok = north_mcp_revision_2026_check_retry (NORTH_MCP_PROTOCOL_HOST (server), NULL,
                                            method != NULL ? method : "tools/call", params,
                                            &opened, &error);
  if (ok != (error == NULL) || (!ok && opened != NULL))
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

  (void) north_mcp_revision_2026_http_applies (headers, message);
  status = north_mcp_revision_2026_http_check_post (NORTH_MCP_PROTOCOL_HOST (server), headers,
                                                    message, &response);
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

  open_forged (server, message, payload, strlen (payload));
  north_mcp_revision_2026_close_listeners (NORTH_MCP_PROTOCOL_HOST (server));
  return 0;
}
