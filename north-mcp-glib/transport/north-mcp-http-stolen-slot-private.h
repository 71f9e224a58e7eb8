/* north-mcp-http-stolen-slot-private.h: a connection a route took over,
 * counted against its listener's max-connections until it is closed
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>

#include "north-mcp-hangup-input-stream-private.h"
#include "north-mcp-http-listener-private.h"

G_BEGIN_DECLS

/* Once @input (the stolen connection's) is closed, or its last reference
 * goes, releases the slot north_mcp_http_listener_keep_slot() kept in
 * @listener, from @context (the listener's), if @listener still exists.
 * The route may close the connection on any thread. */
void north_mcp_http_stolen_slot_watch (NorthMcpHangupInputStream *input,
                                       NorthMcpHttpListener      *listener,
                                       GMainContext              *context);

G_END_DECLS
