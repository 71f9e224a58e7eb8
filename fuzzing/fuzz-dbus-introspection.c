/* fuzz-dbus-introspection.c: what a D-Bus service (possibly hostile)
 * tells the D-Bus bridge: its introspection XML, turned into tools and
 * resources, and its replies, turned into JSON
 *
 * Input: one line of JSON (a tool call's argument), then introspection
 * XML. Each method and property of the XML's interfaces is added to a
 * server as the bridge adds them (north_mcp_dbus_bridge_add_method(),
 * _add_property()), and tools/list must answer valid JSON-RPC. For each
 * in-argument's type the JSON line is converted as a call's argument
 * (north_mcp_variant_from_json_sized()); for each method's reply type
 * the JSON line's bytes and its terminating NUL are read as the
 * serialized reply of an untrusted peer and converted to JSON
 * (north_mcp_variant_to_json()), and within the bound the bridge keeps
 * (north_mcp_variant_to_json_bounded()): the same JSON, whose text as
 * written (escapes included) takes no more than the cost spent, which is
 * exact (a budget one less refuses the reply).
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>

#include "north-mcp.h"
#include "north-mcp-dbus-members-private.h"
#include "north-mcp-dbus-xml-private.h"
#include "north-mcp-dispatch-private.h"
#include "north-mcp-json-limits-private.h"
#include "north-mcp-json-reader-private.h"
#include "north-mcp-json-writer-private.h"
#include "north-mcp-jsonrpc-private.h"
#include "north-mcp-server-private.h"
#include "north-mcp-session-private.h"
#include "north-mcp-util-private.h"
#include "north-mcp-variant-schema-private.h"
#include "test-channel.h"
#include "fuzz-common.h"
#include "fuzz-sent.h"
#include "../tests/json/json-compare.h"

static void
dispatch (NorthMcpServer  *server,
          NorthMcpSession *session,
          TestChannel     *channel,
          const char      *text)
{
  g_autoptr(JsonNode) message = north_mcp_jsonrpc_parse (text, strlen (text), NULL);

  if (message == NULL)
    abort ();
  north_mcp_dispatch_message (NORTH_MCP_PROTOCOL_HOST (server), session, NULL, message,
                              NORTH_MCP_CHANNEL (channel));
}

/* An argument as a call converts it; what converts is of the type. */
static void
convert_argument (const char *signature,
                  JsonNode   *node)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autoptr(JsonNode) back = NULL;
  guint64 size = 0;

  if (node == NULL || !g_variant_type_string_is_valid (signature) ||
      !north_mcp_variant_type_is_supported (G_VARIANT_TYPE (signature)))
    return;
  value = north_mcp_variant_from_json_sized (G_VARIANT_TYPE (signature), node, "argument", &size, &error);
  if ((value == NULL) == (error == NULL))
    abort ();
  if (value == NULL)
    return;
  /* Floating or not: a reference of our own either way. */
  value = g_variant_take_ref (value);
  if (!g_variant_is_of_type (value, G_VARIANT_TYPE (signature)) || size > NORTH_MCP_VARIANT_MAX_DBUS_SIZE)
    abort ();
  back = north_mcp_variant_to_json (value);
  if (back == NULL)
    abort ();
}

/* @reply as JSON within a bound: the same as without, and its text as
 * written within the cost spent, which is exact. */
static void
convert_bounded (GVariant *reply,
                 JsonNode *whole)
{
  g_autofree char *unbounded = json_test_write (whole, FALSE);
  guint64 budget = NORTH_MCP_VARIANT_MAX_JSON_COST;
  g_autoptr(JsonNode) node = north_mcp_variant_to_json_bounded (reply, &budget);
  g_autoptr(JsonNode) exact = NULL;
  g_autoptr(JsonNode) short_one = NULL;
  g_autofree char *text = NULL;
  guint64 spent;

  if (node == NULL)
    return;
  spent = NORTH_MCP_VARIANT_MAX_JSON_COST - budget;
  text = json_test_write (node, FALSE);
  if (strcmp (text, unbounded) != 0 || strlen (text) > spent)
    {
      fprintf (stderr, "bounded reply of %" G_GSIZE_FORMAT " bytes as JSON cost %" G_GUINT64_FORMAT "\n",
               strlen (text), spent);
      abort ();
    }
  budget = spent;
  exact = north_mcp_variant_to_json_bounded (reply, &budget);
  budget = spent - 1;
  short_one = north_mcp_variant_to_json_bounded (reply, &budget);
  if (exact == NULL || short_one != NULL)
    abort ();
}

/* @bytes as a reply of @args' types from an untrusted peer. */
static void
convert_reply (GDBusArgInfo **args,
               const char    *bytes,
               gsize          length)
{
  g_autoptr(GString) signature = g_string_new ("(");
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;

  for (guint i = 0; args != NULL && args[i] != NULL; i++)
    {
      if (!g_variant_type_string_is_valid (args[i]->signature) ||
          !north_mcp_variant_type_is_supported (G_VARIANT_TYPE (args[i]->signature)))
        return;
      g_string_append (signature, args[i]->signature);
    }
  g_string_append_c (signature, ')');
  if (!g_variant_type_string_is_valid (signature->str))
    return;

  reply = g_variant_ref_sink (g_variant_new_from_data (G_VARIANT_TYPE (signature->str), bytes, length,
                                                       FALSE, NULL, NULL));
  node = north_mcp_variant_to_json (reply);
  text = north_mcp_jsonrpc_to_string (node, NULL);
  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    abort ();
  convert_bounded (reply, node);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static const char *handshake[] = {
    "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{"
    "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},"
    "\"clientInfo\":{\"name\":\"fuzz\",\"version\":\"1\"}}}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}",
    "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"resources/list\"}",
  };
  g_autofree char *line = NULL;
  g_autofree char *xml = NULL;
  g_autoptr(GDBusNodeInfo) node = NULL;
  g_autoptr(NorthMcpServer) server = NULL;
  g_autoptr(NorthMcpDBusBridge) bridge = NULL;
  g_autoptr(NorthMcpSession) session = NULL;
  g_autoptr(TestChannel) channel = NULL;
  g_autoptr(JsonNode) argument = NULL;
  GPtrArray *sent;

  fuzz_init ();
  /* The bridge refuses more than 1 MiB of XML; big inputs only slow the
   * fuzzer down. */
  if (size > 65536)
    return 0;

  fuzz_split (data, size, &line, &xml);
  node = north_mcp_dbus_node_info_new (xml, NULL);
  if (node == NULL)
    return 0;
  argument = north_mcp_json_read (line, strlen (line), NORTH_MCP_JSON_MAX_DEPTH, NULL);

  server = north_mcp_server_new ("fuzz", "1.0");
  /* No connection: nothing here calls the service. */
  bridge = g_object_new (NORTH_MCP_TYPE_DBUS_BRIDGE, "object-path", "/org/example/App", NULL);

  /* As the bridge serves an introspected object. */
  for (guint i = 0; node->interfaces != NULL && node->interfaces[i] != NULL; i++)
    {
      GDBusInterfaceInfo *interface = node->interfaces[i];

      if (!g_dbus_is_interface_name (interface->name))
        continue;
      for (guint j = 0; interface->methods != NULL && interface->methods[j] != NULL; j++)
        {
          GDBusMethodInfo *method = interface->methods[j];

          north_mcp_dbus_bridge_add_method (bridge, server, "/org/example/App", interface, method);
          for (guint k = 0; method->in_args != NULL && method->in_args[k] != NULL && k < 4; k++)
            convert_argument (method->in_args[k]->signature, argument);
          /* With its NUL: a string can end the reply. */
          convert_reply (method->out_args, line, strlen (line) + 1);
        }
      for (guint j = 0; interface->properties != NULL && interface->properties[j] != NULL; j++)
        north_mcp_dbus_bridge_add_property (bridge, server, "/org/example/App", interface,
                                            interface->properties[j]);
    }

  channel = test_channel_new (TRUE);
  session = g_object_ref (north_mcp_server_create_session (server, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (handshake); i++)
    dispatch (server, session, channel, handshake[i]);

  sent = test_channel_get_messages (channel);
  for (guint i = 0; i < sent->len; i++)
    {
      JsonNode *message = g_ptr_array_index (sent, i);
      JsonObject *object = json_node_get_object (message);
      JsonNode *id = north_mcp_object_get_node (object, "id", JSON_NODE_VALUE);

      fuzz_check_sent (message);
      /* resources/list is not found when no property made a resource. */
      if (json_object_has_member (object, "error") && (id == NULL || json_node_get_int (id) != 2))
        {
          g_autofree char *text = north_mcp_jsonrpc_to_string (message, NULL);

          fprintf (stderr, "bad answer: %s\n", text);
          abort ();
        }
    }
  north_mcp_server_close_session (server, session);
  return 0;
}
