/* north-mcp-session-record.c: a session as the shared state store keeps it
 *
 * A record is the JSON object that lets any process sharing the store
 * serve the session: its owner's digest, protocol version, the client's
 * capabilities and info, and what may change during the session (log
 * level, subscriptions). The store is shared with whoever can write to
 * it, so records are read with the limits of a request. The messages
 * that tell every process of a record's changes are here too.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <string.h>

#include "north-mcp-hex-private.h"
#include "north-mcp-json-limits-private.h"
#include "north-mcp-json-reader-private.h"
#include "north-mcp-json-writer-private.h"
#include "north-mcp-session-manager-private.h"
#include "north-mcp-session-record-private.h"
#include "north-mcp-util-private.h"

/* Records and relayed messages hold what requests brought (client
 * capabilities, a client's answer) one level below their top: as deep as
 * a request may nest, and one more. */
#define NORTH_MCP_SESSION_RECORD_MAX_DEPTH (NORTH_MCP_JSON_MAX_DEPTH + 1)
#define NORTH_MCP_SESSION_RECORD_VERSION 1

GBytes *
north_mcp_session_record_new (NorthMcpSession *session)
{
  guint8 owner[NORTH_MCP_SESSION_OWNER_DIGEST_LENGTH];
  char owner_hex[2 * sizeof owner];
  GString *out = g_string_new ("{\"v\":" G_STRINGIFY (NORTH_MCP_SESSION_RECORD_VERSION) ",\"owner\":\"");
  g_autoptr(GPtrArray) uris = NULL;

  north_mcp_session_get_owner_digest (session, owner);
  north_mcp_hex_encode (owner_hex, owner, sizeof owner);
  g_string_append_len (out, owner_hex, sizeof owner_hex);
  g_string_append (out, "\",\"protocolVersion\":");
  north_mcp_json_write_string (out, north_mcp_session_get_protocol_version (session));
  g_string_append (out, ",\"capabilities\":");
  north_mcp_json_write_object (out, north_mcp_session_get_client_capabilities (session));
  g_string_append (out, ",\"clientInfo\":");
  north_mcp_json_write_object (out, north_mcp_session_get_client_info (session));
  if (north_mcp_session_get_log_level_set (session))
    g_string_append_printf (out, ",\"logLevel\":\"%s\"",
                            north_mcp_log_level_to_string (north_mcp_session_get_log_level (session)));
  uris = north_mcp_session_get_subscriptions (session);
  g_string_append (out, ",\"subscriptions\":[");
  for (guint i = 0; i < uris->len; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      north_mcp_json_write_string (out, g_ptr_array_index (uris, i));
    }
  g_string_append (out, "]}");
  return g_string_free_to_bytes (out);
}

static gboolean
parse_owner (const char *hex,
             guint8      owner[NORTH_MCP_SESSION_OWNER_DIGEST_LENGTH])
{
  return north_mcp_hex_decode (hex, -1, owner, NORTH_MCP_SESSION_OWNER_DIGEST_LENGTH);
}

/* What may change in a record during the session: the log level and the
 * subscriptions. (The store funcs are detached meanwhile: applying a
 * record does not write it back.) */
guint
north_mcp_session_record_apply (NorthMcpSession *session,
                                JsonObject      *object)
{
  const char *level = north_mcp_object_get_string (object, "logLevel");
  JsonNode *subscriptions = json_object_get_member (object, "subscriptions");
  g_autoptr(GPtrArray) uris = g_ptr_array_new ();

  if (level != NULL && north_mcp_log_level_from_string (level) >= 0)
    north_mcp_session_set_log_level (session, (NorthMcpLogLevel) north_mcp_log_level_from_string (level));
  if (subscriptions != NULL && JSON_NODE_HOLDS_ARRAY (subscriptions))
    {
      JsonArray *array = json_node_get_array (subscriptions);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);

          if (JSON_NODE_HOLDS_VALUE (element) && json_node_get_value_type (element) == G_TYPE_STRING)
            g_ptr_array_add (uris, (gpointer) json_node_get_string (element));
        }
    }
  return north_mcp_session_set_subscriptions (session, uris);
}

/* The JSON object a stored record or a channel's message holds (as a
 * node), or NULL. The store is shared with whoever can write to it: read
 * with the limits of a request. */
JsonNode *
north_mcp_session_record_read_object (GBytes *bytes)
{
  gsize length = 0;
  const char *data = g_bytes_get_data (bytes, &length);
  JsonNode *node = north_mcp_json_read (data, length, NORTH_MCP_SESSION_RECORD_MAX_DEPTH, NULL);

  if (node != NULL && !JSON_NODE_HOLDS_OBJECT (node))
    g_clear_pointer (&node, json_node_unref);
  return node;
}

/* Whether @object says it is a record of NORTH_MCP_SESSION_RECORD_VERSION. (Not
 * json_object_get_int_member_with_default(): a member of another type
 * makes it critical.) */
static gboolean
record_is_current (JsonObject *object)
{
  JsonNode *version = north_mcp_object_get_node (object, "v", JSON_NODE_VALUE);

  return version != NULL && json_node_get_value_type (version) == G_TYPE_INT64 &&
         json_node_get_int (version) == NORTH_MCP_SESSION_RECORD_VERSION;
}

/* A session from its record, or NULL when the record is not one of ours. */
NorthMcpSession *
north_mcp_session_record_read (const char *id,
                               GBytes     *record)
{
  guint8 owner[NORTH_MCP_SESSION_OWNER_DIGEST_LENGTH];
  g_autoptr(JsonNode) node = north_mcp_session_record_read_object (record);
  JsonObject *object = node != NULL ? json_node_get_object (node) : NULL;
  g_autoptr(NorthMcpSession) session = NULL;
  const char *version;

  if (object == NULL || !record_is_current (object) ||
      !parse_owner (north_mcp_object_get_string (object, "owner"), owner))
    return NULL;
  version = north_mcp_object_get_string (object, "protocolVersion");
  if (version == NULL || strlen (version) > 32)
    return NULL;

  session = north_mcp_session_new (id, NULL);
  north_mcp_session_set_owner_digest (session, owner);
  if (!north_mcp_session_set_client (session, north_mcp_object_get_object (object, "capabilities"),
                                     north_mcp_object_get_object (object, "clientInfo"), NULL))
    return NULL;
  north_mcp_session_set_protocol_version (session, version);
  north_mcp_session_set_initialized (session, TRUE);
  north_mcp_session_record_apply (session, object);
  return g_steal_pointer (&session);
}

#define DELETED_MESSAGE "deleted "
#define CHANGED_MESSAGE "changed "

GBytes *
north_mcp_session_control_new (NorthMcpSessionControl  what,
                               const char             *id)
{
  char *text = g_strconcat (what == NORTH_MCP_SESSION_CONTROL_DELETED ? DELETED_MESSAGE : CHANGED_MESSAGE, id,
                            NULL);

  return g_bytes_new_take (text, strlen (text));
}

NorthMcpSessionControl
north_mcp_session_control_read (GBytes *message,
                                char    id[NORTH_MCP_SESSION_ID_CHARS + 1])
{
  gsize length = 0;
  const char *data = g_bytes_get_data (message, &length);
  gsize prefix = strlen (DELETED_MESSAGE);

  G_STATIC_ASSERT (sizeof DELETED_MESSAGE == sizeof CHANGED_MESSAGE);
  if (length != prefix + NORTH_MCP_SESSION_ID_CHARS)
    return NORTH_MCP_SESSION_CONTROL_NONE;
  memcpy (id, data + prefix, NORTH_MCP_SESSION_ID_CHARS);
  id[NORTH_MCP_SESSION_ID_CHARS] = '\0';
  if (!north_mcp_session_id_is_valid (id))
    return NORTH_MCP_SESSION_CONTROL_NONE;
  if (memcmp (data, DELETED_MESSAGE, prefix) == 0)
    return NORTH_MCP_SESSION_CONTROL_DELETED;
  if (memcmp (data, CHANGED_MESSAGE, prefix) == 0)
    return NORTH_MCP_SESSION_CONTROL_CHANGED;
  return NORTH_MCP_SESSION_CONTROL_NONE;
}
