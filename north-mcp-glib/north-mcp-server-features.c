/* north-mcp-server-features.c: the tools, resources, resource templates
 * and prompts a server offers (part of NorthMcpServer)
 *
 * The objects live in one NorthMcpRegistry per kind, held by the server;
 * this file is the public API over them and the list_changed
 * notifications that follow the changes (one per kind for a burst,
 * north-mcp-broadcast.c).
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "north-mcp-broadcast-private.h"
#include "north-mcp-registry-private.h"
#include "north-mcp-server-private.h"
#include "north-mcp-tool-private.h"

#define REGISTRY(server, kind) \
  north_mcp_server_get_registry ((server), NORTH_MCP_REGISTRY_##kind)

/**
 * north_mcp_server_add_tool:
 * @self: a server
 * @tool: a tool
 *
 * Adds @tool, replacing a tool of the same name. Connected clients that
 * listen are told that the list changed.
 *
 * Since: 0.1
 */
void
north_mcp_server_add_tool (NorthMcpServer *self,
                           NorthMcpTool   *tool)
{
  const char *name;

  g_return_if_fail (NORTH_MCP_IS_SERVER (self));
  g_return_if_fail (NORTH_MCP_IS_TOOL (tool));

  name = north_mcp_feature_get_name (NORTH_MCP_FEATURE (tool));
  if (!north_mcp_tool_name_is_valid (name))
    g_warning ("Tool name '%s' does not follow MCP's guidance (1 to 64 characters of "
               "A-Z a-z 0-9 _ . -); some clients will reject it", name);

  north_mcp_registry_add (REGISTRY (self, TOOLS), tool);
  north_mcp_server_notify_tools_list_changed (self);
}

/**
 * north_mcp_server_remove_tool:
 * @self: a server
 * @name: the tool's name
 *
 * Removes a tool.
 *
 * Returns: `TRUE` if there was such a tool
 *
 * Since: 0.1
 */
gboolean
north_mcp_server_remove_tool (NorthMcpServer *self,
                              const char     *name)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  if (!north_mcp_registry_remove (REGISTRY (self, TOOLS), name))
    return FALSE;

  north_mcp_server_notify_tools_list_changed (self);
  return TRUE;
}

/**
 * north_mcp_server_lookup_tool:
 * @self: a server
 * @name: a tool's name
 *
 * Finds a tool by name.
 *
 * Returns: (transfer none) (nullable): the tool
 *
 * Since: 0.1
 */
NorthMcpTool *
north_mcp_server_lookup_tool (NorthMcpServer *self,
                              const char     *name)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  return north_mcp_registry_lookup (REGISTRY (self, TOOLS), name);
}

/**
 * north_mcp_server_list_tools:
 * @self: a server
 *
 * Lists the server's tools in the order they were added.
 *
 * Returns: (transfer container) (element-type NorthMcpTool): the tools
 *
 * Since: 0.1
 */
GPtrArray *
north_mcp_server_list_tools (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), NULL);

  return north_mcp_registry_list (REGISTRY (self, TOOLS));
}

/**
 * north_mcp_server_notify_tools_list_changed:
 * @self: a server
 *
 * Tells every connected client that the list of tools changed
 * (`notifications/tools/list_changed`). Adding and removing tools does this
 * already; call it when a tool's description or schema changed.
 *
 * Call it on the server's main context. The notification is sent once an
 * idle runs there: all the changes made until then (adding a thousand
 * tools in one callback, say) are told to each session and each
 * 2026-07-28 listen stream once, not once per change. The list itself
 * changes at once, so a client that lists after the notification sees
 * the new one. With a shared state store, the process where the changes
 * are made publishes that one notification to the other replicas.
 *
 * Since: 0.1
 */
void
north_mcp_server_notify_tools_list_changed (NorthMcpServer *self)
{
  g_return_if_fail (NORTH_MCP_IS_SERVER (self));

  north_mcp_broadcast_list_changed (NORTH_MCP_PROTOCOL_HOST (self),
                                    "notifications/tools/list_changed");
}

/* Resources, resource templates and prompts. */

/**
 * north_mcp_server_add_resource:
 * @self: a server
 * @resource: a resource
 *
 * Adds @resource, replacing a resource of the same URI. Connected clients
 * are told that the list changed.
 *
 * Since: 0.1
 */
void
north_mcp_server_add_resource (NorthMcpServer   *self,
                               NorthMcpResource *resource)
{
  const char *uri;

  g_return_if_fail (NORTH_MCP_IS_SERVER (self));
  g_return_if_fail (NORTH_MCP_IS_RESOURCE (resource));

  uri = north_mcp_resource_get_uri (resource);
  g_return_if_fail (uri != NULL && north_mcp_feature_get_name (NORTH_MCP_FEATURE (resource)) != NULL);
  /* Clients validate `uri` as an RFC 3986 URI and may drop the list. */
  if (!g_uri_is_valid (uri, G_URI_FLAGS_NONE, NULL))
    g_warning ("Resource URI '%s' is not a valid absolute URI; clients may reject it", uri);

  north_mcp_registry_add (REGISTRY (self, RESOURCES), resource);
  north_mcp_server_notify_resources_list_changed (self);
}

/**
 * north_mcp_server_remove_resource:
 * @self: a server
 * @uri: the resource's URI
 *
 * Removes a resource.
 *
 * Returns: `TRUE` if there was such a resource
 *
 * Since: 0.1
 */
gboolean
north_mcp_server_remove_resource (NorthMcpServer *self,
                                  const char     *uri)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), FALSE);
  g_return_val_if_fail (uri != NULL, FALSE);

  if (!north_mcp_registry_remove (REGISTRY (self, RESOURCES), uri))
    return FALSE;

  north_mcp_server_notify_resources_list_changed (self);
  return TRUE;
}

/**
 * north_mcp_server_lookup_resource:
 * @self: a server
 * @uri: a resource's URI
 *
 * Finds a resource (not a template) by URI.
 *
 * Returns: (transfer none) (nullable): the resource
 *
 * Since: 0.1
 */
NorthMcpResource *
north_mcp_server_lookup_resource (NorthMcpServer *self,
                                  const char     *uri)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), NULL);
  g_return_val_if_fail (uri != NULL, NULL);

  return north_mcp_registry_lookup (REGISTRY (self, RESOURCES), uri);
}

/**
 * north_mcp_server_list_resources:
 * @self: a server
 *
 * Lists the server's resources in the order they were added.
 *
 * Returns: (transfer container) (element-type NorthMcpResource): the
 *   resources
 *
 * Since: 0.1
 */
GPtrArray *
north_mcp_server_list_resources (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), NULL);

  return north_mcp_registry_list (REGISTRY (self, RESOURCES));
}

/**
 * north_mcp_server_add_resource_template:
 * @self: a server
 * @template_: a resource template
 *
 * Adds @template_, replacing a template with the same URI template.
 * `resources/read` tries templates in the order they were added, after the
 * resources with a fixed URI.
 *
 * Since: 0.1
 */
void
north_mcp_server_add_resource_template (NorthMcpServer           *self,
                                        NorthMcpResourceTemplate *template_)
{
  const char *uri_template;

  g_return_if_fail (NORTH_MCP_IS_SERVER (self));
  g_return_if_fail (NORTH_MCP_IS_RESOURCE_TEMPLATE (template_));

  uri_template = north_mcp_resource_template_get_uri_template (template_);
  g_return_if_fail (uri_template != NULL);

  north_mcp_registry_add (REGISTRY (self, RESOURCE_TEMPLATES), template_);
  north_mcp_server_notify_resources_list_changed (self);
}

/**
 * north_mcp_server_remove_resource_template:
 * @self: a server
 * @uri_template: the template's URI template
 *
 * Removes a resource template.
 *
 * Returns: `TRUE` if there was such a template
 *
 * Since: 0.1
 */
gboolean
north_mcp_server_remove_resource_template (NorthMcpServer *self,
                                           const char     *uri_template)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), FALSE);
  g_return_val_if_fail (uri_template != NULL, FALSE);

  if (!north_mcp_registry_remove (REGISTRY (self, RESOURCE_TEMPLATES), uri_template))
    return FALSE;

  north_mcp_server_notify_resources_list_changed (self);
  return TRUE;
}

/**
 * north_mcp_server_list_resource_templates:
 * @self: a server
 *
 * Lists the server's resource templates in the order they were added.
 *
 * Returns: (transfer container) (element-type NorthMcpResourceTemplate):
 *   the templates
 *
 * Since: 0.1
 */
GPtrArray *
north_mcp_server_list_resource_templates (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), NULL);

  return north_mcp_registry_list (REGISTRY (self, RESOURCE_TEMPLATES));
}

/**
 * north_mcp_server_notify_resources_list_changed:
 * @self: a server
 *
 * Tells every connected client that the list of resources or templates
 * changed (`notifications/resources/list_changed`). Adding and removing
 * them does this already. Changes made together are told once, as with
 * [method@NorthMcp.Server.notify_tools_list_changed].
 *
 * Since: 0.1
 */
void
north_mcp_server_notify_resources_list_changed (NorthMcpServer *self)
{
  g_return_if_fail (NORTH_MCP_IS_SERVER (self));

  north_mcp_broadcast_list_changed (NORTH_MCP_PROTOCOL_HOST (self),
                                    "notifications/resources/list_changed");
}

/**
 * north_mcp_server_add_prompt:
 * @self: a server
 * @prompt: a prompt
 *
 * Adds @prompt, replacing a prompt of the same name. Connected clients are
 * told that the list changed.
 *
 * Since: 0.1
 */
void
north_mcp_server_add_prompt (NorthMcpServer *self,
                             NorthMcpPrompt *prompt)
{
  const char *name;

  g_return_if_fail (NORTH_MCP_IS_SERVER (self));
  g_return_if_fail (NORTH_MCP_IS_PROMPT (prompt));

  name = north_mcp_feature_get_name (NORTH_MCP_FEATURE (prompt));
  g_return_if_fail (name != NULL);

  north_mcp_registry_add (REGISTRY (self, PROMPTS), prompt);
  north_mcp_server_notify_prompts_list_changed (self);
}

/**
 * north_mcp_server_remove_prompt:
 * @self: a server
 * @name: the prompt's name
 *
 * Removes a prompt.
 *
 * Returns: `TRUE` if there was such a prompt
 *
 * Since: 0.1
 */
gboolean
north_mcp_server_remove_prompt (NorthMcpServer *self,
                                const char     *name)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  if (!north_mcp_registry_remove (REGISTRY (self, PROMPTS), name))
    return FALSE;

  north_mcp_server_notify_prompts_list_changed (self);
  return TRUE;
}

/**
 * north_mcp_server_lookup_prompt:
 * @self: a server
 * @name: a prompt's name
 *
 * Finds a prompt by name.
 *
 * Returns: (transfer none) (nullable): the prompt
 *
 * Since: 0.1
 */
NorthMcpPrompt *
north_mcp_server_lookup_prompt (NorthMcpServer *self,
                                const char     *name)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  return north_mcp_registry_lookup (REGISTRY (self, PROMPTS), name);
}

/**
 * north_mcp_server_list_prompts:
 * @self: a server
 *
 * Lists the server's prompts in the order they were added.
 *
 * Returns: (transfer container) (element-type NorthMcpPrompt): the prompts
 *
 * Since: 0.1
 */
GPtrArray *
north_mcp_server_list_prompts (NorthMcpServer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), NULL);

  return north_mcp_registry_list (REGISTRY (self, PROMPTS));
}

/**
 * north_mcp_server_notify_prompts_list_changed:
 * @self: a server
 *
 * Tells every connected client that the list of prompts changed
 * (`notifications/prompts/list_changed`). Adding and removing prompts does
 * this already. Changes made together are told once, as with
 * [method@NorthMcp.Server.notify_tools_list_changed].
 *
 * Since: 0.1
 */
void
north_mcp_server_notify_prompts_list_changed (NorthMcpServer *self)
{
  g_return_if_fail (NORTH_MCP_IS_SERVER (self));

  north_mcp_broadcast_list_changed (NORTH_MCP_PROTOCOL_HOST (self),
                                    "notifications/prompts/list_changed");
}

