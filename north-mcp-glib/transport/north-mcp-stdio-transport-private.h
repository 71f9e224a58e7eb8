/* north-mcp-stdio-transport-private.h: newline-delimited JSON-RPC on a pair
 * of streams
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>
#include "north-mcp-transport-host-private.h"

G_BEGIN_DECLS

#define NORTH_MCP_TYPE_STDIO_TRANSPORT (north_mcp_stdio_transport_get_type ())

G_DECLARE_FINAL_TYPE (NorthMcpStdioTransport, north_mcp_stdio_transport, NORTH_MCP, STDIO_TRANSPORT, GObject)

/* Serves @session of @host (weak) over @input and @output. Emits ::closed when
 * the input ended (and what was queued has been written) or failed. */
NorthMcpStdioTransport *north_mcp_stdio_transport_new           (NorthMcpTransportHost  *host,
                                                                 NorthMcpSession        *session,
                                                                 GInputStream           *input,
                                                                 GOutputStream          *output);
NorthMcpStdioTransport *north_mcp_stdio_transport_new_for_stdio (NorthMcpTransportHost  *host,
                                                                 NorthMcpSession        *session);
void                    north_mcp_stdio_transport_start         (NorthMcpStdioTransport *self);
void                    north_mcp_stdio_transport_stop          (NorthMcpStdioTransport *self);
/* Bytes looked at for line ends so far: no more than those read, however
 * the lines are split into reads (what tests check). */
guint64                 north_mcp_stdio_transport_get_searched  (NorthMcpStdioTransport *self);
/* Bytes the requests in progress hold (max-held-body-bytes): 0 once all
 * that were read are answered or cancelled (what tests check). */
guint64                 north_mcp_stdio_transport_get_held      (NorthMcpStdioTransport *self);

G_END_DECLS
