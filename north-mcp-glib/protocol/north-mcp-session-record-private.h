/* north-mcp-session-record-private.h: a session as the shared state
 * store keeps it
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <json-glib/json-glib.h>

#include "north-mcp-random-private.h"
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

/* What the sessions' control channel tells every process of a record:
 * "deleted <id>" ends the session everywhere; "changed <id>": its log
 * level or subscriptions changed, read it again. */
typedef enum
{
  NORTH_MCP_SESSION_CONTROL_NONE, /* not such a message */
  NORTH_MCP_SESSION_CONTROL_DELETED,
  NORTH_MCP_SESSION_CONTROL_CHANGED,
} NorthMcpSessionControl;

#define NORTH_MCP_SESSION_ID_CHARS (2 * NORTH_MCP_RANDOM_ID_BYTES)

GBytes                *north_mcp_session_control_new  (NorthMcpSessionControl  what,
                                                       const char             *id);
/* Which message @message is, and the session id it names (into @id). */
NorthMcpSessionControl north_mcp_session_control_read (GBytes                 *message,
                                                       char                    id[NORTH_MCP_SESSION_ID_CHARS + 1]);

G_END_DECLS
