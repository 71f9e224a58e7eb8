/* north-mcp-server-host-private.h: NorthMcpServer as the host of the
 * protocol layer and of the transports
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-protocol-host-private.h"
#include "north-mcp-transport-host-private.h"

G_BEGIN_DECLS

/* The server's implementations of the interfaces
 * (north-mcp-server-host.c). */
void north_mcp_server_protocol_host_init  (NorthMcpProtocolHostInterface  *iface);
void north_mcp_server_transport_host_init (NorthMcpTransportHostInterface *iface);

G_END_DECLS
