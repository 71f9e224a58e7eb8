/* north-mcp-broadcast-private.h: notifications to every client
 *
 * Notifications that belong to no request go to every initialized
 * session and to the 2026-07-28 listen streams that asked for them.
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <json-glib/json-glib.h>
#include "north-mcp-protocol-host-private.h"

G_BEGIN_DECLS

/* Sends @method (a list_changed notification, no params) to every
 * session and listener once an idle runs on the server's main context
 * (call it there): the changes made until then are sent as one
 * notification per kind. */
void north_mcp_broadcast_list_changed     (NorthMcpProtocolHost *host,
                                           const char           *method);
/* notifications/resources/updated to the sessions subscribed to @uri and
 * the listen streams that asked for it. Any thread: delivered on the
 * server's main context. */
void north_mcp_broadcast_resource_updated (NorthMcpProtocolHost *host,
                                           const char           *uri);
/* notifications/message to every session whose level lets @level
 * through. Any thread: delivered on the server's main context. */
void north_mcp_broadcast_log              (NorthMcpProtocolHost *host,
                                           NorthMcpLogLevel      level,
                                           const char           *logger,
                                           JsonNode             *data);
/* Runs a server-wide notification another process sharing the state store
 * sent (a NorthMcpSessionManagerBroadcastFunc; @data is the host). */
void north_mcp_broadcast_receive          (JsonObject       *payload,
                                           gpointer          data);

G_END_DECLS
