/* north-mcp-http-transport-placeholder.c
 *
 * PLACEHOLDER so that main links before the real HTTP transport lands:
 * listening fails with a clear error. Whoever lands
 * north-mcp-http-transport.c deletes this file and its line in meson.build.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-error.h"
#include "north-mcp-http-transport-private.h"

struct _NorthMcpHttpTransport
{
  GObject parent_instance;
};

G_DEFINE_FINAL_TYPE (NorthMcpHttpTransport, north_mcp_http_transport, G_TYPE_OBJECT)

static void
north_mcp_http_transport_class_init (NorthMcpHttpTransportClass *klass)
{
}

static void
north_mcp_http_transport_init (NorthMcpHttpTransport *self)
{
}

NorthMcpHttpTransport *
north_mcp_http_transport_new (NorthMcpServer *server)
{
  return g_object_new (NORTH_MCP_TYPE_HTTP_TRANSPORT, NULL);
}

gboolean
north_mcp_http_transport_listen (NorthMcpHttpTransport  *self,
                                 const char             *host,
                                 guint                   port,
                                 GError                **error)
{
  g_set_error_literal (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_NOT_SUPPORTED,
                       "The HTTP transport is not built yet");
  return FALSE;
}

guint
north_mcp_http_transport_get_port (NorthMcpHttpTransport *self)
{
  return 0;
}

void
north_mcp_http_transport_stop (NorthMcpHttpTransport *self)
{
}
