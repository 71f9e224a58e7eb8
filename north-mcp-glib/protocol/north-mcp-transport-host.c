/* north-mcp-transport-host.c: what a transport asks of the core
 *
 * Thin wrappers over the interface's functions; every one is required
 * (the one implementation is NorthMcpServer's, north-mcp-server-host.c).
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-transport-host-private.h"

G_DEFINE_INTERFACE (NorthMcpTransportHost, north_mcp_transport_host, G_TYPE_OBJECT)

static void
north_mcp_transport_host_default_init (NorthMcpTransportHostInterface *iface)
{
}

void
north_mcp_transport_host_get_settings (NorthMcpTransportHost     *self,
                                       NorthMcpTransportSettings *settings)
{
  NORTH_MCP_TRANSPORT_HOST_GET_IFACE (self)->get_settings (self, settings);
}

gboolean
north_mcp_transport_host_has_route (NorthMcpTransportHost *self,
                                    const char            *path)
{
  return NORTH_MCP_TRANSPORT_HOST_GET_IFACE (self)->has_route (self, path);
}

gboolean
north_mcp_transport_host_call_route (NorthMcpTransportHost *self,
                                     SoupServerMessage     *msg,
                                     const char            *path,
                                     NorthMcpUser          *user)
{
  return NORTH_MCP_TRANSPORT_HOST_GET_IFACE (self)->call_route (self, msg, path, user);
}

NorthMcpSession *
north_mcp_transport_host_open_session (NorthMcpTransportHost  *self,
                                       NorthMcpUser           *owner,
                                       GError                **error)
{
  return NORTH_MCP_TRANSPORT_HOST_GET_IFACE (self)->open_session (self, owner, error);
}

NorthMcpSession *
north_mcp_transport_host_find_session (NorthMcpTransportHost *self,
                                       const char            *id,
                                       NorthMcpUser          *user)
{
  return NORTH_MCP_TRANSPORT_HOST_GET_IFACE (self)->find_session (self, id, user);
}

void
north_mcp_transport_host_close_session (NorthMcpTransportHost *self,
                                        NorthMcpSession       *session)
{
  NORTH_MCP_TRANSPORT_HOST_GET_IFACE (self)->close_session (self, session);
}

guint
north_mcp_transport_host_check_headers (NorthMcpTransportHost           *self,
                                        SoupMessageHeaders              *headers,
                                        const NorthMcpRevision2026Head  *head,
                                        JsonNode                        *message,
                                        JsonNode                       **response_out)
{
  return NORTH_MCP_TRANSPORT_HOST_GET_IFACE (self)->check_headers (self, headers, head, message,
                                                                   response_out);
}

guint
north_mcp_transport_host_handle_message (NorthMcpTransportHost *self,
                                         NorthMcpSession       *session,
                                         NorthMcpUser          *user,
                                         JsonNode              *message,
                                         NorthMcpChannel       *channel)
{
  return NORTH_MCP_TRANSPORT_HOST_GET_IFACE (self)->handle_message (self, session, user,
                                                                    message, channel);
}

guint
north_mcp_transport_host_handle_request (NorthMcpTransportHost  *self,
                                         NorthMcpSession        *session,
                                         NorthMcpUser           *user,
                                         NorthMcpJsonrpcRequest *request,
                                         NorthMcpChannel        *channel)
{
  return NORTH_MCP_TRANSPORT_HOST_GET_IFACE (self)->handle_request (self, session, user,
                                                                    request, channel);
}

void
north_mcp_transport_host_debug (NorthMcpTransportHost *self,
                                const char            *format,
                                ...)
{
  va_list args;

  va_start (args, format);
  NORTH_MCP_TRANSPORT_HOST_GET_IFACE (self)->debug (self, format, args);
  va_end (args);
}
