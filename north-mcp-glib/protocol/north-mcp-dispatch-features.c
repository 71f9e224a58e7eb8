/* north-mcp-dispatch-features.c: resources, prompts and completion methods
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-completion.h"
#include "north-mcp-dispatch-private.h"
#include "north-mcp-error.h"
#include "north-mcp-prompt.h"
#include "north-mcp-resource.h"
#include "north-mcp-resource-template.h"
#include "north-mcp-session-private.h"
#include "north-mcp-util-private.h"

/* Methods of a capability the server does not offer do not exist, as far
 * as the client is concerned. */
static gboolean
require_capability (NorthMcpProtocolHost *host,
                    NorthMcpContext      *context,
                    const char           *capability)
{
  g_autofree char *message = NULL;

  if (north_mcp_protocol_host_has_capability (host, capability))
    return TRUE;

  message = g_strdup_printf ("Method not found: %s (the server offers no %s)",
                             north_mcp_context_get_method (context), capability);
  north_mcp_context_return_error_literal (context, NORTH_MCP_JSONRPC_ERROR,
                                          NORTH_MCP_JSONRPC_ERROR_METHOD_NOT_FOUND, message);
  return FALSE;
}

void
north_mcp_dispatch_resources_list (NorthMcpProtocolHost *host,
                                   NorthMcpContext      *context)
{
  if (!require_capability (host, context, "resources"))
    return;

  north_mcp_dispatch_return_page (host, context, NORTH_MCP_REGISTRY_RESOURCES, "resources");
}

void
north_mcp_dispatch_resources_templates_list (NorthMcpProtocolHost *host,
                                             NorthMcpContext      *context)
{
  if (!require_capability (host, context, "resources"))
    return;

  north_mcp_dispatch_return_page (host, context, NORTH_MCP_REGISTRY_RESOURCE_TEMPLATES,
                                  "resourceTemplates");
}

/* The `uri` parameter, or NULL after answering -32602. */
static const char *
require_uri (NorthMcpContext *context)
{
  const char *uri = north_mcp_object_get_string (north_mcp_context_get_params (context), "uri");

  if (uri == NULL || *uri == '\0')
    {
      g_autofree char *message =
        g_strdup_printf ("Invalid params: %s needs a string 'uri'",
                         north_mcp_context_get_method (context));

      north_mcp_dispatch_invalid_params (context, message);
      return NULL;
    }

  return uri;
}

/* Whether @uri is short enough to match a resource template. */
static gboolean
fits_templates (const char *uri)
{
  return strnlen (uri, NORTH_MCP_URI_TEMPLATE_MAX_URI_LENGTH + 1) <= NORTH_MCP_URI_TEMPLATE_MAX_URI_LENGTH;
}

void
north_mcp_dispatch_resource_not_found (NorthMcpContext *context,
                                       const char      *uri)
{
  const char *version = north_mcp_context_get_protocol_version (context);
  g_autoptr(JsonNode) data = north_mcp_resource_not_found_data_new (uri);
  g_autofree char *echo = north_mcp_echo (uri);
  /* The echo is cut: say why a URI of a template was not even tried. */
  g_autofree char *message =
    g_strdup_printf ("Resource not found: %s%s", echo,
                     fits_templates (uri) ? "" :
                     " (resource templates match URIs of at most "
                     G_STRINGIFY (NORTH_MCP_URI_TEMPLATE_MAX_URI_LENGTH) " bytes)");
  int code = NORTH_MCP_JSONRPC_ERROR_RESOURCE_NOT_FOUND;

  /* -32002 exists up to 2025-11-25; later revisions use invalid params.
   * Revision names are dates, so they compare as strings. */
  if (version != NULL && strcmp (version, "2025-11-25") > 0)
    code = NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS;

  north_mcp_context_return_error_full (context, code, message, data);
}

void
north_mcp_dispatch_resources_read (NorthMcpProtocolHost *host,
                                   NorthMcpContext      *context)
{
  GPtrArray *templates =
    north_mcp_protocol_host_get_features (host, NORTH_MCP_REGISTRY_RESOURCE_TEMPLATES);
  NorthMcpResource *resource;
  const char *uri;
  guint n_templates;

  if (!require_capability (host, context, "resources") ||
      (uri = require_uri (context)) == NULL)
    return;

  resource = north_mcp_protocol_host_lookup (host, NORTH_MCP_REGISTRY_RESOURCES, uri);
  if (resource != NULL)
    {
      north_mcp_context_set_feature (context, NORTH_MCP_FEATURE (resource));
      north_mcp_context_push_current (context);
      north_mcp_resource_read (resource, context);
      north_mcp_context_pop_current (context);
      return;
    }

  /* A URI too long for any template is measured once, not by each. */
  n_templates = fits_templates (uri) ? templates->len : 0;
  for (guint i = 0; i < n_templates; i++)
    {
      NorthMcpResourceTemplate *template_ = g_ptr_array_index (templates, i);
      g_autoptr(GHashTable) variables = north_mcp_resource_template_match (template_, uri);

      if (variables == NULL)
        continue;

      north_mcp_context_set_feature (context, NORTH_MCP_FEATURE (template_));
      north_mcp_context_push_current (context);
      north_mcp_resource_template_read (template_, context, uri, variables);
      north_mcp_context_pop_current (context);
      return;
    }

  north_mcp_dispatch_resource_not_found (context, uri);
}

static gboolean
change_subscription_of (NorthMcpSession  *session,
                        gpointer          data,
                        GError          **error)
{
  NorthMcpDispatchChange *change = data;

  if (!change->subscribe)
    {
      north_mcp_session_unsubscribe (session, change->uri);
      return TRUE;
    }
  return north_mcp_session_subscribe (session, change->uri, error);
}

/* Any URI may be watched, even one that does not exist yet. Stateless
 * HTTP has nowhere to send updates: there it is a no-op. */
static void
change_subscription (NorthMcpProtocolHost *host,
                     NorthMcpContext      *context,
                     gboolean              subscribe)
{
  NorthMcpDispatchChange *change;
  const char *uri;

  if (!require_capability (host, context, "resources") ||
      (uri = require_uri (context)) == NULL)
    return;

  change = g_new0 (NorthMcpDispatchChange, 1);
  change->context = g_object_ref (context);
  change->uri = g_strdup (uri);
  change->subscribe = subscribe;
  north_mcp_dispatch_change_session (change, change_subscription_of);
}

void
north_mcp_dispatch_resources_subscribe (NorthMcpProtocolHost *host,
                                        NorthMcpContext      *context)
{
  change_subscription (host, context, TRUE);
}

void
north_mcp_dispatch_resources_unsubscribe (NorthMcpProtocolHost *host,
                                          NorthMcpContext      *context)
{
  change_subscription (host, context, FALSE);
}

void
north_mcp_dispatch_prompts_list (NorthMcpProtocolHost *host,
                                 NorthMcpContext      *context)
{
  if (!require_capability (host, context, "prompts"))
    return;

  north_mcp_dispatch_return_page (host, context, NORTH_MCP_REGISTRY_PROMPTS, "prompts");
}

/* Reads a string-to-string object (prompt arguments, completion context)
 * into a new table; NULL after answering -32602 when it is something else.
 * An absent or null member gives an empty table. */
static GHashTable *
read_string_map (NorthMcpContext *context,
                 JsonObject      *parent,
                 const char      *member,
                 const char      *what)
{
  JsonNode *node = parent != NULL ? json_object_get_member (parent, member) : NULL;
  g_autoptr(GHashTable) map = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return g_steal_pointer (&map);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_autofree char *message = g_strdup_printf ("Invalid params: '%s' must be an object", what);

      north_mcp_dispatch_invalid_params (context, message);
      return NULL;
    }

  json_object_iter_init (&iter, json_node_get_object (node));
  while (json_object_iter_next (&iter, &name, &value))
    {
      if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING)
        {
          /* The name is the client's: repeat a little of it only. */
          g_autofree char *echo = north_mcp_echo (name);
          g_autofree char *message =
            g_strdup_printf ("Invalid params: %s '%s' must be a string", what, echo);

          north_mcp_dispatch_invalid_params (context, message);
          return NULL;
        }
      g_hash_table_replace (map, g_strdup (name), g_strdup (json_node_get_string (value)));
    }

  return g_steal_pointer (&map);
}

void
north_mcp_dispatch_prompts_get (NorthMcpProtocolHost *host,
                                NorthMcpContext      *context)
{
  JsonObject *params = north_mcp_context_get_params (context);
  const char *name = north_mcp_object_get_string (params, "name");
  g_autoptr(GHashTable) arguments = NULL;
  NorthMcpPrompt *prompt;
  JsonArray *declared;

  if (!require_capability (host, context, "prompts") ||
      (prompt = north_mcp_dispatch_require_named (host, context, NORTH_MCP_REGISTRY_PROMPTS,
                                                  "prompt")) == NULL)
    return;

  arguments = read_string_map (context, params, "arguments", "argument");
  if (arguments == NULL)
    return;

  declared = north_mcp_prompt_get_arguments (prompt);
  for (guint i = 0; i < json_array_get_length (declared); i++)
    {
      JsonObject *argument = json_array_get_object_element (declared, i);
      const char *argument_name = json_object_get_string_member (argument, "name");

      if (json_object_get_boolean_member_with_default (argument, "required", FALSE) &&
          !g_hash_table_contains (arguments, argument_name))
        {
          g_autofree char *message =
            g_strdup_printf ("Invalid params: missing required argument '%s' of prompt '%s'",
                             argument_name, name);

          north_mcp_dispatch_invalid_params (context, message);
          return;
        }
    }

  north_mcp_context_set_feature (context, NORTH_MCP_FEATURE (prompt));
  north_mcp_context_push_current (context);
  north_mcp_prompt_invoke (prompt, context, arguments);
  north_mcp_context_pop_current (context);
}

static NorthMcpResourceTemplate *
find_template (NorthMcpProtocolHost *host,
               const char           *uri_template)
{
  GPtrArray *templates =
    north_mcp_protocol_host_get_features (host, NORTH_MCP_REGISTRY_RESOURCE_TEMPLATES);

  for (guint i = 0; i < templates->len; i++)
    {
      NorthMcpResourceTemplate *template_ = g_ptr_array_index (templates, i);

      if (g_strcmp0 (north_mcp_resource_template_get_uri_template (template_), uri_template) == 0)
        return template_;
    }

  return NULL;
}

void
north_mcp_dispatch_completion_complete (NorthMcpProtocolHost *host,
                                        NorthMcpContext      *context)
{
  JsonObject *params = north_mcp_context_get_params (context);
  JsonObject *ref = north_mcp_object_get_object (params, "ref");
  JsonObject *argument = north_mcp_object_get_object (params, "argument");
  const char *type = north_mcp_object_get_string (ref, "type");
  const char *argument_name = north_mcp_object_get_string (argument, "name");
  const char *value = north_mcp_object_get_string (argument, "value");
  g_autoptr(GHashTable) arguments = NULL;

  if (!require_capability (host, context, "completions"))
    return;

  if (type == NULL)
    {
      north_mcp_dispatch_invalid_params (context, "Invalid params: completion/complete needs a 'ref' "
                                         "object with a string 'type'");
      return;
    }

  if (argument_name == NULL || value == NULL)
    {
      north_mcp_dispatch_invalid_params (context, "Invalid params: completion/complete needs an "
                                         "'argument' object with string 'name' and 'value'");
      return;
    }

  arguments = read_string_map (context, north_mcp_object_get_object (params, "context"),
                               "arguments", "context argument");
  if (arguments == NULL)
    return;

  if (g_str_equal (type, "ref/prompt"))
    {
      const char *name = north_mcp_object_get_string (ref, "name");
      NorthMcpPrompt *prompt = name != NULL
                               ? north_mcp_protocol_host_lookup (host, NORTH_MCP_REGISTRY_PROMPTS, name)
                               : NULL;

      if (prompt != NULL)
        {
          north_mcp_context_set_feature (context, NORTH_MCP_FEATURE (prompt));
          north_mcp_context_push_current (context);
          north_mcp_prompt_complete (prompt, context, argument_name, value, arguments);
          north_mcp_context_pop_current (context);
          return;
        }

      north_mcp_dispatch_unknown (context, "prompt", name);
      return;
    }

  if (g_str_equal (type, "ref/resource"))
    {
      const char *uri = north_mcp_object_get_string (ref, "uri");
      NorthMcpResourceTemplate *template_ = uri != NULL ? find_template (host, uri) : NULL;

      if (template_ != NULL)
        {
          north_mcp_context_set_feature (context, NORTH_MCP_FEATURE (template_));
          north_mcp_context_push_current (context);
          north_mcp_resource_template_complete (template_, context, argument_name, value, arguments);
          north_mcp_context_pop_current (context);
          return;
        }

      /* A fixed resource has nothing to complete. */
      if (uri != NULL && north_mcp_protocol_host_lookup (host, NORTH_MCP_REGISTRY_RESOURCES, uri) != NULL)
        {
          north_mcp_context_return_completion (context, NULL, -1, FALSE);
          return;
        }

      north_mcp_dispatch_unknown (context, "resource template", uri);
      return;
    }

  north_mcp_dispatch_unknown (context, "reference type", type);
}
