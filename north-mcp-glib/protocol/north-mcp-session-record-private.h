/* north-mcp-session-record-private.h: a session as the shared state
 * store keeps it
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <json-glib/json-glib.h>

#include "north-mcp-session-private.h"

G_BEGIN_DECLS

/* What a record read back from the store may be: the client's part is at
 * most NORTH_MCP_SESSION_CLIENT_MAX_BYTES unescaped, so escapes at most
 * multiply it by six (\u00XX); the rest is small. */
#define NORTH_MCP_SESSION_RECORD_MAX_BYTES \
  (6 * (NORTH_MCP_SESSION_CLIENT_MAX_BYTES + \
        NORTH_MCP_SESSION_MAX_SUBSCRIPTIONS * (NORTH_MCP_SESSION_MAX_SUBSCRIPTION_URI + 3)) + 4096)

GBytes          *north_mcp_session_record_new         (NorthMcpSession *session);
/* A session from its record, or NULL when it is not one of ours. */
NorthMcpSession *north_mcp_session_record_read        (const char      *id,
                                                       GBytes          *record);
/* Sets the log level and subscriptions @object lists; returns how many
 * subscriptions did not fit. */
guint            north_mcp_session_record_apply       (NorthMcpSession *session,
                                                       JsonObject      *object);
/* The JSON object @bytes holds (as a node), or NULL; for records and the
 * messages of the sessions' channels alike. */
JsonNode        *north_mcp_session_record_read_object (GBytes          *bytes);

G_END_DECLS
