/* north-mcp-dbus-members.c: a D-Bus object's members as MCP features
 *
 * A method becomes a tool (its input schema from the method's signature,
 * its call a D-Bus call whose reply becomes the result); a readable
 * property becomes a resource read with Properties.Get, updated on
 * PropertiesChanged. The allow and deny lists decide which.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-context.h"
#include "north-mcp-dbus-members-private.h"
#include "north-mcp-desktop-private.h"
#include "north-mcp-error.h"
#include "north-mcp-resource.h"
#include "north-mcp-resource-contents.h"
#include "north-mcp-server.h"
#include "north-mcp-tool.h"
#include "north-mcp-variant-schema-private.h"

/* --- what a tool or resource needs -------------------------------------- */

typedef struct
{
  NorthMcpDBusBridge *bridge;
  char *path;
  char *interface_name;
  GDBusMethodInfo *method;
  GDBusPropertyInfo *property;
  GStrv in_names;    /* JSON names of the in-arguments */
  GStrv out_names;   /* JSON names of the out-arguments */
  char *uri;         /* of a property's resource */
} Member;

static void
member_clear (gpointer data)
{
  Member *member = data;

  g_clear_object (&member->bridge);
  g_free (member->path);
  g_free (member->interface_name);
  g_clear_pointer (&member->method, g_dbus_method_info_unref);
  g_clear_pointer (&member->property, g_dbus_property_info_unref);
  g_strfreev (member->in_names);
  g_strfreev (member->out_names);
  g_free (member->uri);
}

static void
member_unref (gpointer data)
{
  g_atomic_rc_box_release_full (data, member_clear);
}

static Member *
member_new (NorthMcpDBusBridge *bridge,
            const char         *path,
            const char         *interface_name)
{
  Member *member = g_atomic_rc_box_new0 (Member);

  member->bridge = g_object_ref (bridge);
  member->path = g_strdup (path);
  member->interface_name = g_strdup (interface_name);
  return member;
}

/* --- names and filters --------------------------------------------------- */

static const char *
doc_string (GDBusAnnotationInfo **annotations)
{
  return g_dbus_annotation_info_lookup (annotations, NORTH_MCP_DBUS_DOC_STRING);
}

static char *
bounded_text (const char *text)
{
  if (text == NULL)
    return NULL;
  if (strlen (text) <= NORTH_MCP_DBUS_MAX_DESCRIPTION)
    return g_strdup (text);
  return g_utf8_make_valid (text, NORTH_MCP_DBUS_MAX_DESCRIPTION);
}

/* The object path relative to the bridged one, "" for itself. */
static const char *
relative_path (NorthMcpDBusBridge *self,
               const char         *path)
{
  gsize length = strlen (self->object_path);

  if (g_str_equal (path, self->object_path))
    return "";
  if (g_str_equal (self->object_path, "/"))
    return path + 1;
  return path + length + 1;
}

char *
north_mcp_dbus_bridge_child_prefix (NorthMcpDBusBridge *self,
                                    const char         *path)
{
  const char *relative = relative_path (self, path);
  char *prefix;

  if (*relative == '\0')
    return g_strdup ("");
  prefix = g_strconcat (relative, ".", NULL);
  g_strdelimit (prefix, "/", '.');
  return prefix;
}

static gboolean
matches_any (GPtrArray  *patterns,
             const char *a,
             const char *b,
             const char *c)
{
  for (guint i = 0; i < patterns->len; i++)
    {
      GPatternSpec *pattern = g_ptr_array_index (patterns, i);

      if ((a != NULL && g_pattern_spec_match_string (pattern, a)) ||
          (b != NULL && g_pattern_spec_match_string (pattern, b)) ||
          (c != NULL && g_pattern_spec_match_string (pattern, c)))
        return TRUE;
    }
  return FALSE;
}

gboolean
north_mcp_dbus_bridge_permits (NorthMcpDBusBridge *self,
                               const char         *interface_name,
                               const char         *member,
                               const char         *tool_name)
{
  g_autofree char *full = g_strconcat (interface_name, ".", member, NULL);

  if (matches_any (self->deny, full, member, tool_name))
    return FALSE;
  return self->allow->len == 0 || matches_any (self->allow, full, member, tool_name);
}

/* JSON member names for arguments: the introspected name when it is a
 * plain identifier not used before, else arg_N. */
static GStrv
argument_names (GDBusArgInfo **args)
{
  g_autoptr(GHashTable) used = g_hash_table_new (g_str_hash, g_str_equal);
  g_auto(GStrv) names = NULL;
  guint n = 0;

  for (; args != NULL && args[n] != NULL; n++)
    ;
  names = g_new0 (char *, n + 1);
  /* Generated names first, so that a real argument named arg_1 cannot
   * take the name of an unnamed one. */
  for (guint i = 0; i < n; i++)
    {
      const char *name = args[i]->name;
      gboolean plain = name != NULL && *name != '\0' && strlen (name) <= 64 &&
                       strspn (name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
                       == strlen (name) && !g_str_has_prefix (name, "arg_");

      if (plain && !g_hash_table_contains (used, name))
        {
          names[i] = g_strdup (name);
          g_hash_table_add (used, names[i]);
        }
    }
  for (guint i = 0; i < n; i++)
    if (names[i] == NULL)
      names[i] = g_strdup_printf ("arg_%u", i);

  return g_steal_pointer (&names);
}

/* --- methods as tools ---------------------------------------------------- */

/* What a member's call hands its reply to, or, when the call failed or
 * its reply is too large, what went wrong (@reply is then NULL). */
typedef void (*MemberReplyFunc) (Member          *member,
                                 NorthMcpContext *context,
                                 GVariant        *reply,
                                 const char      *failure);

typedef struct
{
  Member *member;
  NorthMcpContext *context;
  MemberReplyFunc deliver;
} Call;

static void
call_free (Call *call)
{
  member_unref (call->member);
  g_object_unref (call->context);
  g_free (call);
}

char *
north_mcp_dbus_describe_error (const GError *error)
{
  g_autofree char *name = NULL;
  g_autofree char *message = NULL;
  g_autoptr(GError) copy = g_error_copy (error);

  if (g_dbus_error_is_remote_error (copy))
    {
      name = g_dbus_error_get_remote_error (copy);
      g_dbus_error_strip_remote_error (copy);
    }
  else if (copy->domain == G_DBUS_ERROR)
    name = g_dbus_error_encode_gerror (copy);

  /* The service's message, bounded like a description (a name is at
   * most 255 bytes). */
  message = bounded_text (copy->message);
  if (name == NULL)
    return g_steal_pointer (&message);
  return g_strdup_printf ("%s: %s", name, message);
}

static void
member_call_returned (GVariant     *reply,
                      const GError *error,
                      gpointer      user_data)
{
  Call *call = user_data;
  Member *member = call->member;
  g_autofree char *failure = NULL;

  /* Nobody waits for the answer of a cancelled request. */
  if (!north_mcp_context_is_completed (call->context))
    {
      if (reply == NULL)
        failure = north_mcp_dbus_describe_error (error);
      else if (g_variant_get_size (reply) > NORTH_MCP_DBUS_MAX_REPLY_SIZE)
        failure = g_strdup_printf ("The reply of %s.%s is larger than %d bytes", member->interface_name,
                                   member->method != NULL ? member->method->name : member->property->name,
                                   NORTH_MCP_DBUS_MAX_REPLY_SIZE);
      call->deliver (member, call->context, failure == NULL ? reply : NULL, failure);
    }
  call_free (call);
}

/* Calls @method_name on the member's object through the bridge's remote
 * (bounded, and not cancelled with the request); @deliver gets the
 * outcome unless the request has ended by then, or the refusal at once. */
static void
member_call (Member             *member,
             NorthMcpContext    *context,
             const char         *interface_name,
             const char         *method_name,
             GVariant           *parameters,
             const GVariantType *reply_type,
             MemberReplyFunc     deliver)
{
  Call *call = g_new0 (Call, 1);
  g_autoptr(GError) error = NULL;

  call->member = g_atomic_rc_box_acquire (member);
  call->context = g_object_ref (context);
  call->deliver = deliver;
  if (!north_mcp_desktop_remote_call (member->bridge->remote, member->path, interface_name, method_name,
                                      parameters, reply_type, member_call_returned, call, &error))
    {
      deliver (member, context, NULL, error->message);
      call_free (call);
    }
}

/* Within 4 MiB on D-Bus, a reply can still be millions of values (`ab`,
 * `a(y)`: one byte each), some 100 bytes each as JSON nodes. */
static char *
too_large_as_json (Member *member)
{
  return g_strdup_printf ("The reply of %s.%s is too large as JSON (at most %d values or %d MiB of JSON text, escapes counted)",
                          member->interface_name,
                          member->method != NULL ? member->method->name : member->property->name,
                          NORTH_MCP_VARIANT_MAX_JSON_COST / NORTH_MCP_VARIANT_JSON_VALUE_COST,
                          NORTH_MCP_VARIANT_MAX_JSON_COST >> 20);
}

static void
method_returned (Member          *member,
                 NorthMcpContext *context,
                 GVariant        *reply,
                 const char      *failure)
{
  g_autoptr(NorthMcpToolResult) tool_result = NULL;

  if (failure != NULL)
    tool_result = north_mcp_tool_result_new_error (failure);
  else
    {
      JsonObject *object = json_object_new ();
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
      g_autofree char *text = NULL;
      gsize n = g_variant_n_children (reply);
      guint64 budget = NORTH_MCP_VARIANT_MAX_JSON_COST;

      json_node_take_object (node, object);
      for (gsize i = 0; i < n && member->out_names[i] != NULL; i++)
        {
          g_autoptr(GVariant) child = g_variant_get_child_value (reply, i);
          JsonNode *value = north_mcp_variant_to_json_bounded (child, &budget);

          if (value == NULL)
            {
              g_autofree char *message = too_large_as_json (member);

              tool_result = north_mcp_tool_result_new_error (message);
              north_mcp_context_return_tool_result (context, tool_result);
              return;
            }
          json_object_set_member (object, member->out_names[i], value);
        }
      text = north_mcp_desktop_json_text (node);
      tool_result = north_mcp_tool_result_new_text (text);
      north_mcp_tool_result_set_structured_content (tool_result, node);
    }

  north_mcp_context_return_tool_result (context, tool_result);
}

static void
call_method (NorthMcpTool    *tool,
             NorthMcpContext *context,
             JsonObject      *arguments,
             gpointer         user_data)
{
  Member *member = user_data;
  GDBusArgInfo **in_args = member->method->in_args;
  g_autoptr(GVariantBuilder) builder = g_variant_builder_new (G_VARIANT_TYPE_TUPLE);
  g_autoptr(GVariantType) reply_type = NULL;
  g_autoptr(GVariant) parameters = NULL;
  g_autoptr(GString) out_signature = g_string_new ("(");
  guint64 dbus_size = 0;    /* of all the arguments together */

  for (guint i = 0; in_args != NULL && in_args[i] != NULL; i++)
    {
      const char *name = member->in_names[i];
      JsonNode *node = arguments != NULL ? json_object_get_member (arguments, name) : NULL;
      g_autofree char *what = g_strdup_printf ("argument '%s'", name);
      g_autoptr(GError) error = NULL;
      g_autoptr(GVariant) value = NULL;

      if (node == NULL)
        {
          g_autofree char *message = g_strdup_printf ("missing required argument '%s'", name);
          g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new_error (message);

          north_mcp_context_return_tool_result (context, result);
          return;
        }
      value = north_mcp_variant_from_json_sized (G_VARIANT_TYPE (in_args[i]->signature), node, what,
                                                 &dbus_size, &error);
      if (value == NULL)
        {
          g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new_error (error->message);

          north_mcp_context_return_tool_result (context, result);
          return;
        }
      g_variant_builder_add_value (builder, value);
    }

  parameters = g_variant_ref_sink (g_variant_builder_end (builder));
  for (guint i = 0; member->method->out_args != NULL && member->method->out_args[i] != NULL; i++)
    g_string_append (out_signature, member->method->out_args[i]->signature);
  g_string_append_c (out_signature, ')');
  reply_type = g_variant_type_new (out_signature->str);

  member_call (member, context, member->interface_name, member->method->name,
               parameters, reply_type, method_returned);
}

/* One complete type that D-Bus carries (GDBus does not check
 * introspection data: a dict entry outside an array would cost the bridge
 * its connection) and that maps to JSON. */
static gboolean
signature_supported (const char *signature)
{
  g_autoptr(GVariantType) type = NULL;

  if (!north_mcp_variant_is_dbus_signature (signature, TRUE))
    return FALSE;
  type = g_variant_type_new (signature);
  return north_mcp_variant_type_is_supported (type);
}

/* Whether @args make a D-Bus signature: each a supported type, together
 * at most 255 characters (dbus-daemon disconnects a sender of more). */
static gboolean
arguments_supported (GDBusArgInfo **args,
                     const char    *key,
                     const char    *what)
{
  gsize length = 0;

  for (guint i = 0; args != NULL && args[i] != NULL; i++)
    {
      if (!signature_supported (args[i]->signature))
        {
          g_debug ("%s not served: %s has the type '%s'", key, what, args[i]->signature);
          return FALSE;
        }
      length += strlen (args[i]->signature);
      if (length > 255)
        {
          g_debug ("%s not served: its %ss make a signature longer than 255", key, what);
          return FALSE;
        }
    }
  return TRUE;
}

static JsonObject *
method_schema (GDBusMethodInfo *method,
               GStrv            names)
{
  JsonObject *schema = json_object_new ();
  JsonObject *props = json_object_new ();
  JsonArray *required = json_array_new ();

  json_object_set_string_member (schema, "type", "object");
  for (guint i = 0; method->in_args != NULL && method->in_args[i] != NULL; i++)
    {
      GDBusArgInfo *arg = method->in_args[i];
      JsonObject *arg_schema = north_mcp_variant_type_to_schema (G_VARIANT_TYPE (arg->signature), NULL);
      g_autofree char *doc = bounded_text (doc_string (arg->annotations));
      const char *type_doc = json_object_get_string_member_with_default (arg_schema, "description", NULL);
      g_autoptr(GString) description = g_string_new (NULL);

      if (doc != NULL)
        g_string_append_printf (description, "%s (D-Bus type '%s')", doc, arg->signature);
      else
        g_string_append_printf (description, "D-Bus type '%s'", arg->signature);
      if (type_doc != NULL)
        g_string_append_printf (description, ". %s", type_doc);
      json_object_set_string_member (arg_schema, "description", description->str);
      json_object_set_object_member (props, names[i], arg_schema);
      json_array_add_string_element (required, names[i]);
    }
  json_object_set_object_member (schema, "properties", props);
  json_object_set_array_member (schema, "required", required);
  json_object_set_boolean_member (schema, "additionalProperties", FALSE);
  return schema;
}

void
north_mcp_dbus_bridge_add_method (NorthMcpDBusBridge *self,
                                  NorthMcpServer     *server,
                                  const char         *path,
                                  GDBusInterfaceInfo *interface,
                                  GDBusMethodInfo    *method)
{
  const char *short_interface = strrchr (interface->name, '.') + 1;
  g_autofree char *prefix = north_mcp_dbus_bridge_child_prefix (self, path);
  g_autofree char *candidate = g_strconcat (prefix, short_interface, ".", method->name, NULL);
  g_autofree char *key = g_strconcat (path, " ", interface->name, ".", method->name, NULL);
  g_autofree char *name = NULL;
  g_autofree char *doc = bounded_text (doc_string (method->annotations));
  g_autofree char *description = NULL;
  g_autoptr(NorthMcpTool) tool = NULL;
  g_autoptr(JsonObject) schema = NULL;
  g_auto(GStrv) in_names = NULL;
  g_auto(GStrv) out_names = NULL;
  gsize size;
  Member *member;

  /* Introspection data is not validated by GDBus: a name it would refuse
   * to call is skipped here. */
  if (!g_dbus_is_member_name (method->name))
    return;
  if (!arguments_supported (method->in_args, key, "argument") ||
      !arguments_supported (method->out_args, key, "result"))
    return;

  /* The allow and deny lists see the name the tool would get. */
  if (!north_mcp_dbus_bridge_permits (self, interface->name, method->name, candidate))
    return;

  in_names = argument_names (method->in_args);
  out_names = argument_names (method->out_args);
  if (doc != NULL)
    description = g_strdup (doc);
  else
    description = g_strdup_printf ("Calls the D-Bus method %s.%s on %s of %s.", interface->name,
                                   method->name, path, self->bus_name != NULL ? self->bus_name : "the peer");
  if (out_names[0] != NULL)
    {
      g_autofree char *joined = g_strjoinv ("', '", out_names);
      g_autofree char *longer = g_strdup_printf ("%s Returns an object with '%s'.", description, joined);

      g_free (description);
      description = g_steal_pointer (&longer);
    }
  schema = method_schema (method, in_names);

  /* The service decides how large these are: a signature of 255 `v` makes
   * some 63 KB of schema. */
  if (!north_mcp_tool_budget_take_bytes (self->tools, key, description, schema, &size))
    return;
  if (!north_mcp_tool_budget_take (self->tools))
    {
      g_debug ("%s not served: more than %d tools", key, NORTH_MCP_DBUS_MAX_TOOLS);
      north_mcp_tool_budget_give_bytes (self->tools, size);
      return;
    }

  name = north_mcp_desktop_tool_name (candidate, key, self->taken, server);
  member = member_new (self, path, interface->name);
  member->method = g_dbus_method_info_ref (method);
  member->in_names = g_steal_pointer (&in_names);
  member->out_names = g_steal_pointer (&out_names);
  tool = north_mcp_desktop_tool_new (name, description, call_method, member, member_unref);
  north_mcp_tool_set_input_schema (tool, schema);
  north_mcp_server_add_tool (server, tool);
}

/* --- properties as resources --------------------------------------------- */

static char *
property_key (const char *path,
              const char *interface_name,
              const char *name)
{
  return g_strconcat (path, " ", interface_name, " ", name, NULL);
}

static void
property_read (Member          *member,
               NorthMcpContext *context,
               GVariant        *reply,
               const char      *failure)
{
  if (failure != NULL)
    north_mcp_context_return_error_literal (context, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED, failure);
  else
    {
      g_autoptr(GVariant) boxed = g_variant_get_child_value (reply, 0);
      g_autoptr(GVariant) value = g_variant_get_variant (boxed);
      guint64 budget = NORTH_MCP_VARIANT_MAX_JSON_COST;
      g_autoptr(JsonNode) node = north_mcp_variant_to_json_bounded (value, &budget);
      g_autofree char *text = NULL;
      g_autoptr(NorthMcpResourceContents) contents = NULL;

      if (node == NULL)
        {
          g_autofree char *message = too_large_as_json (member);

          north_mcp_context_return_error_literal (context, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED, message);
          return;
        }
      text = north_mcp_desktop_json_text (node);
      contents = north_mcp_resource_contents_new_text (member->uri, "application/json", text);
      north_mcp_context_return_resource_contents (context, contents);
    }
}

static void
read_property (NorthMcpResource *resource,
               NorthMcpContext  *context,
               gpointer          user_data)
{
  Member *member = user_data;

  member_call (member, context, NORTH_MCP_DBUS_PROPERTIES_INTERFACE, "Get",
               g_variant_new ("(ss)", member->interface_name, member->property->name),
               G_VARIANT_TYPE ("(v)"), property_read);
}

void
north_mcp_dbus_bridge_add_property (NorthMcpDBusBridge *self,
                                    NorthMcpServer     *server,
                                    const char         *path,
                                    GDBusInterfaceInfo *interface,
                                    GDBusPropertyInfo  *property)
{
  g_autofree char *uri = NULL;
  g_autofree char *name = NULL;
  g_autofree char *doc = bounded_text (doc_string (property->annotations));
  g_autofree char *description = NULL;
  g_autoptr(NorthMcpResource) resource = NULL;
  Member *member;

  if (!g_dbus_is_member_name (property->name) ||
      self->n_resources >= NORTH_MCP_DBUS_MAX_TOOLS ||
      !(property->flags & G_DBUS_PROPERTY_INFO_FLAGS_READABLE) ||
      !signature_supported (property->signature) ||
      !north_mcp_dbus_bridge_permits (self, interface->name, property->name, NULL))
    return;

  uri = g_strconcat ("dbus-property:", g_str_equal (path, "/") ? "" : path, "/",
                     interface->name, ".", property->name, NULL);
  name = g_strconcat (interface->name, ".", property->name, NULL);
  description = g_strdup_printf ("%s%sThe D-Bus property %s of %s (type '%s'), as JSON.",
                                 doc != NULL ? doc : "", doc != NULL ? " " : "",
                                 name, path, property->signature);
  member = member_new (self, path, interface->name);
  member->property = g_dbus_property_info_ref (property);
  member->uri = g_strdup (uri);

  resource = north_mcp_resource_new (uri, name);
  north_mcp_feature_set_description (NORTH_MCP_FEATURE (resource), description);
  north_mcp_resource_set_mime_type (resource, "application/json");
  north_mcp_resource_set_async_func (resource, read_property, member, member_unref);
  g_hash_table_insert (self->properties, property_key (path, interface->name, property->name),
                       g_steal_pointer (&uri));
  north_mcp_server_add_resource (server, resource);
  self->n_resources++;
}

void
north_mcp_dbus_bridge_property_updated (const char *uri,
                                        gpointer    user_data)
{
  NorthMcpDBusBridge *self = user_data;
  g_autoptr(NorthMcpServer) server = g_weak_ref_get (&self->server);

  if (server != NULL)
    north_mcp_server_notify_resource_updated (server, uri);
}

void
north_mcp_dbus_bridge_properties_changed (GDBusConnection *connection,
                                          const char      *sender,
                                          const char      *path,
                                          const char      *interface_name,
                                          const char      *signal_name,
                                          GVariant        *parameters,
                                          gpointer         user_data)
{
  NorthMcpDBusBridge *self = user_data;
  g_autoptr(NorthMcpServer) server = g_weak_ref_get (&self->server);
  g_autoptr(GVariant) changed = NULL;
  g_autofree const char **invalidated = NULL;
  const char *changed_interface;
  GVariantIter iter;
  const char *name;

  if (server == NULL || !g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(sa{sv}as)")))
    return;

  g_variant_get (parameters, "(&s@a{sv}^a&s)", &changed_interface, &changed, &invalidated);
  g_variant_iter_init (&iter, changed);
  while (g_variant_iter_next (&iter, "{&sv}", &name, NULL))
    {
      g_autofree char *key = property_key (path, changed_interface, name);
      const char *uri = g_hash_table_lookup (self->properties, key);

      if (uri != NULL)
        north_mcp_desktop_batch_add (self->updates, uri);
    }
  for (guint i = 0; invalidated[i] != NULL; i++)
    {
      g_autofree char *key = property_key (path, changed_interface, invalidated[i]);
      const char *uri = g_hash_table_lookup (self->properties, key);

      if (uri != NULL)
        north_mcp_desktop_batch_add (self->updates, uri);
    }
}
