/* north-mcp-server-host-private.h: NorthMcpServer as the transports' host
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-transport-host-private.h"

G_BEGIN_DECLS

/* The server's implementation of NorthMcpTransportHost
 * (north-mcp-server-host.c). */
void north_mcp_server_transport_host_init (NorthMcpTransportHostInterface *iface);

G_END_DECLS
