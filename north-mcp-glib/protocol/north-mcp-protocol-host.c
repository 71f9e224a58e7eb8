/* north-mcp-protocol-host.c: what the protocol layer asks of the object
 * above it
 *
 * Thin wrappers over the interface's functions; every one is required
 * (the one implementation is NorthMcpServer's, north-mcp-server-host.c).
 * Then what the protocol derives from the registries: lookups,
 * capabilities and server info.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-protocol-host-private.h"

G_DEFINE_INTERFACE (NorthMcpProtocolHost, north_mcp_protocol_host, G_TYPE_OBJECT)

static void
north_mcp_protocol_host_default_init (NorthMcpProtocolHostInterface *iface)
{
}

NorthMcpServer *
north_mcp_protocol_host_get_server (NorthMcpProtocolHost *self)
{
  return NORTH_MCP_PROTOCOL_HOST_GET_IFACE (self)->get_server (self);
}

void
north_mcp_protocol_host_get_settings (NorthMcpProtocolHost     *self,
                                      NorthMcpProtocolSettings *settings)
{
  NORTH_MCP_PROTOCOL_HOST_GET_IFACE (self)->get_settings (self, settings);
}

GMainContext *
north_mcp_protocol_host_get_main_context (NorthMcpProtocolHost *self)
{
  return NORTH_MCP_PROTOCOL_HOST_GET_IFACE (self)->get_main_context (self);
}

NorthMcpRegistry *
north_mcp_protocol_host_get_registry (NorthMcpProtocolHost *self,
                                      NorthMcpRegistryKind  kind)
{
  return NORTH_MCP_PROTOCOL_HOST_GET_IFACE (self)->get_registry (self, kind);
}

NorthMcpSessionManager *
north_mcp_protocol_host_get_session_manager (NorthMcpProtocolHost *self)
{
  return NORTH_MCP_PROTOCOL_HOST_GET_IFACE (self)->get_session_manager (self);
}

NorthMcpRevision2026State *
north_mcp_protocol_host_get_revision_2026 (NorthMcpProtocolHost *self)
{
  return NORTH_MCP_PROTOCOL_HOST_GET_IFACE (self)->get_revision_2026 (self);
}

void
north_mcp_protocol_host_count_request (NorthMcpProtocolHost *self,
                                       gboolean              running)
{
  NORTH_MCP_PROTOCOL_HOST_GET_IFACE (self)->count_request (self, running);
}

gboolean
north_mcp_protocol_host_watches_requests (NorthMcpProtocolHost *self)
{
  return NORTH_MCP_PROTOCOL_HOST_GET_IFACE (self)->watches_requests (self);
}

void
north_mcp_protocol_host_request_started (NorthMcpProtocolHost *self,
                                         NorthMcpContext      *context)
{
  NORTH_MCP_PROTOCOL_HOST_GET_IFACE (self)->request_started (self, context);
}

void
north_mcp_protocol_host_request_finished (NorthMcpProtocolHost *self,
                                          NorthMcpContext      *context,
                                          const GError         *error)
{
  NORTH_MCP_PROTOCOL_HOST_GET_IFACE (self)->request_finished (self, context, error);
}

void
north_mcp_protocol_host_debug (NorthMcpProtocolHost *self,
                               const char           *format,
                               ...)
{
  va_list args;

  va_start (args, format);
  NORTH_MCP_PROTOCOL_HOST_GET_IFACE (self)->debug (self, format, args);
  va_end (args);
}

NorthMcpTracer *
north_mcp_protocol_host_get_tracer (NorthMcpProtocolHost *self)
{
  return NORTH_MCP_PROTOCOL_HOST_GET_IFACE (self)->get_tracer (self);
}

gboolean
north_mcp_protocol_host_get_debug (NorthMcpProtocolHost *self)
{
  return NORTH_MCP_PROTOCOL_HOST_GET_IFACE (self)->get_debug (self);
}

gpointer
north_mcp_protocol_host_lookup (NorthMcpProtocolHost *self,
                                NorthMcpRegistryKind  kind,
                                const char           *key)
{
  return north_mcp_registry_lookup (north_mcp_protocol_host_get_registry (self, kind), key);
}

GPtrArray *
north_mcp_protocol_host_get_features (NorthMcpProtocolHost *self,
                                      NorthMcpRegistryKind  kind)
{
  return north_mcp_registry_get_array (north_mcp_protocol_host_get_registry (self, kind));
}

static guint
count (NorthMcpProtocolHost *self,
       NorthMcpRegistryKind  kind)
{
  return north_mcp_registry_get_size (north_mcp_protocol_host_get_registry (self, kind));
}

gboolean
north_mcp_protocol_host_has_capability (NorthMcpProtocolHost *self,
                                        const char           *capability)
{
  if (g_str_equal (capability, "tools") || g_str_equal (capability, "logging"))
    return TRUE;
  if (g_str_equal (capability, "resources"))
    return count (self, NORTH_MCP_REGISTRY_RESOURCE_TEMPLATES) > 0 ||
           count (self, NORTH_MCP_REGISTRY_RESOURCES) > 0;
  if (g_str_equal (capability, "prompts"))
    return count (self, NORTH_MCP_REGISTRY_PROMPTS) > 0;
  /* Completion needs something with arguments to complete. */
  if (g_str_equal (capability, "completions"))
    return count (self, NORTH_MCP_REGISTRY_PROMPTS) > 0 ||
           count (self, NORTH_MCP_REGISTRY_RESOURCE_TEMPLATES) > 0;
  return FALSE;
}

JsonObject *
north_mcp_protocol_host_build_capabilities (NorthMcpProtocolHost *self)
{
  JsonObject *capabilities = json_object_new ();
  JsonObject *tools = json_object_new ();

  json_object_set_boolean_member (tools, "listChanged", TRUE);
  json_object_set_object_member (capabilities, "tools", tools);
  json_object_set_object_member (capabilities, "logging", json_object_new ());

  /* Offer only what the server has: clients hide what is not offered, and
   * methods of capabilities not offered answer -32601. */
  if (north_mcp_protocol_host_has_capability (self, "resources"))
    {
      JsonObject *resources = json_object_new ();

      json_object_set_boolean_member (resources, "subscribe", TRUE);
      json_object_set_boolean_member (resources, "listChanged", TRUE);
      json_object_set_object_member (capabilities, "resources", resources);
    }

  if (north_mcp_protocol_host_has_capability (self, "prompts"))
    {
      JsonObject *prompts = json_object_new ();

      json_object_set_boolean_member (prompts, "listChanged", TRUE);
      json_object_set_object_member (capabilities, "prompts", prompts);
    }

  if (north_mcp_protocol_host_has_capability (self, "completions"))
    json_object_set_object_member (capabilities, "completions", json_object_new ());

  return capabilities;
}

JsonObject *
north_mcp_protocol_host_build_server_info (NorthMcpProtocolHost *self)
{
  NorthMcpProtocolSettings settings;
  JsonObject *info = json_object_new ();

  north_mcp_protocol_host_get_settings (self, &settings);
  json_object_set_string_member (info, "name", settings.name);
  json_object_set_string_member (info, "version", settings.version);
  if (settings.title != NULL)
    json_object_set_string_member (info, "title", settings.title);
  return info;
}
