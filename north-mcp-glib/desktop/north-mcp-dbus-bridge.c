/* north-mcp-dbus-bridge.c: a D-Bus object's methods as tools, its
 * properties as resources
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-action-group.h"
#include "north-mcp-context.h"
#include "north-mcp-dbus-bridge.h"
#include "north-mcp-desktop-private.h"
#include "north-mcp-error.h"
#include "north-mcp-resource.h"
#include "north-mcp-resource-contents.h"
#include "north-mcp-tool.h"
#include "north-mcp-variant-schema-private.h"

/**
 * NorthMcpDBusBridge:
 *
 * Serves a D-Bus object as MCP tools and resources, from its introspection
 * data: each method becomes a tool whose input schema follows from the
 * method's signature (arguments named as introspected; `arg_0`… when
 * unnamed), each readable property a resource, and `PropertiesChanged`
 * becomes `notifications/resources/updated` for subscribers. An object that
 * exports actions (`org.gtk.Actions`, for example a [class@Gio.Application])
 * has its actions served through [method@NorthMcp.Server.add_action_group].
 *
 * ```c
 * g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL,
 * &error); g_autoptr(NorthMcpDBusBridge) bridge =
 *   north_mcp_dbus_bridge_new (bus, "org.freedesktop.Notifications",
 *                              "/org/freedesktop/Notifications");
 *
 * north_mcp_dbus_bridge_allow (bridge, "Notify");
 * north_mcp_dbus_bridge_attach_async (bridge, server, NULL, attached_cb,
 * NULL); ```
 *
 * Tool names are `[CHILD.]INTERFACE.Method`, where INTERFACE is the last
 * element of the interface name and CHILD the object path relative to the
 * bridged one (with `.` for `/`). Property resources are
 * `dbus-property:PATH/INTERFACE.Property` (PATH empty for `/`).
 *
 * Calls are asynchronous and are cancelled with the request; D-Bus errors
 * become tool results with `isError` whose text starts with the error name
 * (`org.freedesktop.DBus.Error.InvalidArgs: …`); out-arguments become
 * `structuredContent` keyed by their names, and the same JSON as text.
 *
 * Since: 0.2
 */

/* Bounds on what the bridged service (or a hostile bus peer answering in
 * its place) can make us do. */
#define MAX_OBJECTS 256                  /* objects introspected with recursion */
#define MAX_INTROSPECTION_SIZE (1 << 20) /* bytes of XML per object */
#define MAX_TOOLS 1024                   /* and as many property resources */
#define MAX_REPLY_SIZE (4 << 20)         /* serialized bytes of a reply or property */
#define MAX_DESCRIPTION 4096

#define DOC_STRING "org.gtk.GDBus.DocString"
#define PROPERTIES_INTERFACE "org.freedesktop.DBus.Properties"
#define ACTIONS_INTERFACE "org.gtk.Actions"

struct _NorthMcpDBusBridge
{
  GObject parent_instance;

  GDBusConnection *connection;
  char *bus_name;
  char *object_path;
  gboolean recursive;
  GPtrArray *interfaces;   /* char *: only these, when not empty */
  GPtrArray *allow;        /* GPatternSpec * */
  GPtrArray *deny;         /* GPatternSpec * */

  GWeakRef server;
  gboolean attached;
  GHashTable *taken;       /* tool names given */
  GHashTable *properties;  /* "PATH IFACE NAME" → resource URI */
  guint n_tools;
  guint n_resources;
  guint properties_changed;
};

enum {
  PROP_0,
  PROP_CONNECTION,
  PROP_BUS_NAME,
  PROP_OBJECT_PATH,
  PROP_RECURSIVE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (NorthMcpDBusBridge, north_mcp_dbus_bridge, G_TYPE_OBJECT)

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
  return g_dbus_annotation_info_lookup (annotations, DOC_STRING);
}

static char *
bounded_text (const char *text)
{
  if (text == NULL)
    return NULL;
  if (strlen (text) <= MAX_DESCRIPTION)
    return g_strdup (text);
  return g_utf8_make_valid (text, MAX_DESCRIPTION);
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

static char *
child_prefix (NorthMcpDBusBridge *self,
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

/* Deny wins; with an allow list, only what it matches. Patterns are
 * matched against INTERFACE.Member, Member and the tool name. */
static gboolean
permits (NorthMcpDBusBridge *self,
         const char         *interface_name,
         const char         *member,
         const char         *tool_name)
{
  g_autofree char *full = g_strconcat (interface_name, ".", member, NULL);

  if (matches_any (self->deny, full, member, tool_name))
    return FALSE;
  return self->allow->len == 0 || matches_any (self->allow, full, member, tool_name);
}

static gboolean
wants_interface (NorthMcpDBusBridge *self,
                 const char         *interface_name)
{
  if (self->interfaces->len > 0)
    {
      for (guint i = 0; i < self->interfaces->len; i++)
        if (g_str_equal (g_ptr_array_index (self->interfaces, i), interface_name))
          return TRUE;
      return FALSE;
    }

  /* The standard interfaces only when asked for by name: properties are
   * resources already, and the rest is plumbing. */
  return !g_str_has_prefix (interface_name, "org.freedesktop.DBus.");
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

typedef struct
{
  Member *member;
  NorthMcpContext *context;
} Call;

static void
call_free (Call *call)
{
  member_unref (call->member);
  g_object_unref (call->context);
  g_free (call);
}

/* "org.freedesktop.DBus.Error.InvalidArgs: the message" */
static char *
describe_dbus_error (const GError *error)
{
  g_autofree char *name = NULL;
  g_autoptr(GError) copy = g_error_copy (error);

  if (g_dbus_error_is_remote_error (copy))
    {
      name = g_dbus_error_get_remote_error (copy);
      g_dbus_error_strip_remote_error (copy);
    }
  else if (copy->domain == G_DBUS_ERROR)
    name = g_dbus_error_encode_gerror (copy);

  if (name == NULL)
    return g_strdup (copy->message);
  return g_strdup_printf ("%s: %s", name, copy->message);
}

static void
method_returned (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Call *call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  g_autoptr(NorthMcpToolResult) tool_result = NULL;

  if (north_mcp_context_is_completed (call->context))
    ;
  else if (reply == NULL)
    {
      g_autofree char *message = describe_dbus_error (error);

      tool_result = north_mcp_tool_result_new_error (message);
    }
  else if (g_variant_get_size (reply) > MAX_REPLY_SIZE)
    {
      g_autofree char *message = g_strdup_printf ("The reply of %s.%s is larger than %d bytes",
                                                  call->member->interface_name,
                                                  call->member->method->name, MAX_REPLY_SIZE);

      tool_result = north_mcp_tool_result_new_error (message);
    }
  else
    {
      JsonObject *object = json_object_new ();
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
      g_autofree char *text = NULL;
      gsize n = g_variant_n_children (reply);

      json_node_take_object (node, object);
      for (gsize i = 0; i < n && call->member->out_names[i] != NULL; i++)
        {
          g_autoptr(GVariant) child = g_variant_get_child_value (reply, i);

          json_object_set_member (object, call->member->out_names[i],
                                  north_mcp_variant_to_json (child));
        }
      text = north_mcp_desktop_json_text (node);
      tool_result = north_mcp_tool_result_new_text (text);
      north_mcp_tool_result_set_structured_content (tool_result, node);
    }

  if (tool_result != NULL)
    north_mcp_context_return_tool_result (call->context, tool_result);
  call_free (call);
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
  g_autoptr(GString) out_signature = g_string_new ("(");
  Call *call;

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
      value = north_mcp_variant_from_json (G_VARIANT_TYPE (in_args[i]->signature), node, what, &error);
      if (value == NULL)
        {
          g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new_error (error->message);

          north_mcp_context_return_tool_result (context, result);
          return;
        }
      g_variant_builder_add_value (builder, value);
    }

  for (guint i = 0; member->method->out_args != NULL && member->method->out_args[i] != NULL; i++)
    g_string_append (out_signature, member->method->out_args[i]->signature);
  g_string_append_c (out_signature, ')');
  reply_type = g_variant_type_new (out_signature->str);

  call = g_new0 (Call, 1);
  call->member = g_atomic_rc_box_acquire (member);
  call->context = g_object_ref (context);
  g_dbus_connection_call (member->bridge->connection, member->bridge->bus_name, member->path,
                          member->interface_name, member->method->name,
                          g_variant_builder_end (builder), reply_type,
                          G_DBUS_CALL_FLAGS_NONE, -1,
                          north_mcp_context_get_cancellable (context),
                          method_returned, call);
}

static gboolean
signature_supported (const char *signature)
{
  g_autoptr(GVariantType) type = NULL;

  if (!g_variant_type_string_is_valid (signature))
    return FALSE;
  type = g_variant_type_new (signature);
  return north_mcp_variant_type_is_supported (type);
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

static void
add_method (NorthMcpDBusBridge *self,
            NorthMcpServer     *server,
            const char         *path,
            GDBusInterfaceInfo *interface,
            GDBusMethodInfo    *method)
{
  const char *short_interface = strrchr (interface->name, '.') + 1;
  g_autofree char *prefix = child_prefix (self, path);
  g_autofree char *candidate = g_strconcat (prefix, short_interface, ".", method->name, NULL);
  g_autofree char *key = g_strconcat (path, " ", interface->name, ".", method->name, NULL);
  g_autofree char *name = NULL;
  g_autofree char *doc = bounded_text (doc_string (method->annotations));
  g_autofree char *description = NULL;
  g_autoptr(NorthMcpTool) tool = NULL;
  g_autoptr(JsonObject) schema = NULL;
  Member *member;

  /* Introspection data is not validated by GDBus: a name it would refuse
   * to call is skipped here. */
  if (!g_dbus_is_member_name (method->name))
    return;
  for (guint i = 0; method->in_args != NULL && method->in_args[i] != NULL; i++)
    if (!signature_supported (method->in_args[i]->signature))
      {
        g_debug ("%s not served: an argument has the type '%s'", key, method->in_args[i]->signature);
        return;
      }
  for (guint i = 0; method->out_args != NULL && method->out_args[i] != NULL; i++)
    if (!signature_supported (method->out_args[i]->signature))
      {
        g_debug ("%s not served: a result has the type '%s'", key, method->out_args[i]->signature);
        return;
      }

  /* The allow and deny lists see the name the tool would get. */
  if (!permits (self, interface->name, method->name, candidate))
    return;
  if (self->n_tools >= MAX_TOOLS)
    {
      g_debug ("%s not served: more than %d tools", key, MAX_TOOLS);
      return;
    }

  name = north_mcp_desktop_tool_name (candidate, key, self->taken);
  member = member_new (self, path, interface->name);
  member->method = g_dbus_method_info_ref (method);
  member->in_names = argument_names (method->in_args);
  member->out_names = argument_names (method->out_args);

  if (doc != NULL)
    description = g_strdup (doc);
  else
    description = g_strdup_printf ("Calls the D-Bus method %s.%s on %s of %s.", interface->name,
                                   method->name, path, self->bus_name != NULL ? self->bus_name : "the peer");
  if (member->out_names[0] != NULL)
    {
      g_autofree char *joined = g_strjoinv ("', '", member->out_names);
      g_autofree char *longer = g_strdup_printf ("%s Returns an object with '%s'.", description, joined);

      g_free (description);
      description = g_steal_pointer (&longer);
    }

  schema = method_schema (method, member->in_names);
  tool = north_mcp_desktop_tool_new (name, description, call_method, member, member_unref);
  north_mcp_tool_set_input_schema (tool, schema);
  north_mcp_server_add_tool (server, tool);
  self->n_tools++;
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
property_read (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Call *call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  if (north_mcp_context_is_completed (call->context))
    ;
  else if (reply == NULL)
    {
      g_autofree char *message = describe_dbus_error (error);

      north_mcp_context_return_error_literal (call->context, NORTH_MCP_ERROR,
                                              NORTH_MCP_ERROR_FAILED, message);
    }
  else if (g_variant_get_size (reply) > MAX_REPLY_SIZE)
    north_mcp_context_return_error_literal (call->context, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED,
                                            "The property's value is too large");
  else
    {
      g_autoptr(GVariant) boxed = g_variant_get_child_value (reply, 0);
      g_autoptr(GVariant) value = g_variant_get_variant (boxed);
      g_autoptr(JsonNode) node = north_mcp_variant_to_json (value);
      g_autofree char *text = north_mcp_desktop_json_text (node);
      g_autoptr(NorthMcpResourceContents) contents =
        north_mcp_resource_contents_new_text (call->member->uri, "application/json", text);

      north_mcp_context_return_resource_contents (call->context, contents);
    }
  call_free (call);
}

static void
read_property (NorthMcpResource *resource,
               NorthMcpContext  *context,
               gpointer          user_data)
{
  Member *member = user_data;
  Call *call = g_new0 (Call, 1);

  call->member = g_atomic_rc_box_acquire (member);
  call->context = g_object_ref (context);
  g_dbus_connection_call (member->bridge->connection, member->bridge->bus_name, member->path,
                          PROPERTIES_INTERFACE, "Get",
                          g_variant_new ("(ss)", member->interface_name, member->property->name),
                          G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, -1,
                          north_mcp_context_get_cancellable (context),
                          property_read, call);
}

static void
add_property (NorthMcpDBusBridge *self,
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
      self->n_resources >= MAX_TOOLS ||
      !(property->flags & G_DBUS_PROPERTY_INFO_FLAGS_READABLE) ||
      !signature_supported (property->signature) ||
      !permits (self, interface->name, property->name, NULL))
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

static void
properties_changed (GDBusConnection *connection,
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
        north_mcp_server_notify_resource_updated (server, uri);
    }
  for (guint i = 0; invalidated[i] != NULL; i++)
    {
      g_autofree char *key = property_key (path, changed_interface, invalidated[i]);
      const char *uri = g_hash_table_lookup (self->properties, key);

      if (uri != NULL)
        north_mcp_server_notify_resource_updated (server, uri);
    }
}

/* --- introspection ------------------------------------------------------- */

typedef struct
{
  NorthMcpServer *server;
  GQueue paths;       /* char *, still to introspect */
  guint n_objects;    /* queued so far */
  guint busy;         /* calls in flight */
  gboolean returned;
} Attach;

static void
attach_free (gpointer data)
{
  Attach *attach = data;

  g_object_unref (attach->server);
  g_queue_clear_full (&attach->paths, g_free);
  g_free (attach);
}

static void introspect_next (GTask *task);

static void
finish_if_done (GTask *task)
{
  Attach *attach = g_task_get_task_data (task);

  if (!attach->returned && attach->busy == 0 && g_queue_is_empty (&attach->paths))
    {
      attach->returned = TRUE;
      g_task_return_boolean (task, TRUE);
    }
}

/* The remote action group fetches its actions with a call of its own; an
 * answer to a later call on the same object means they have arrived, so
 * that the first tools/list already has them. */
static void
actions_listed (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Attach *attach = g_task_get_task_data (task);
  GVariant *reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, NULL);

  /* Only the arrival matters, not the answer. */
  g_clear_pointer (&reply, g_variant_unref);
  attach->busy--;
  finish_if_done (task);
}

static void
serve_actions (NorthMcpDBusBridge *self,
               GTask              *task,
               const char         *path)
{
  Attach *attach = g_task_get_task_data (task);
  g_autoptr(GDBusActionGroup) group = NULL;
  g_autofree char *prefix = NULL;

  if (self->bus_name == NULL || !permits (self, ACTIONS_INTERFACE, "Activate", NULL))
    return;

  group = g_dbus_action_group_get (self->connection, self->bus_name, path);
  prefix = child_prefix (self, path);
  north_mcp_server_add_action_group (attach->server, G_ACTION_GROUP (group), prefix);

  attach->busy++;
  g_dbus_connection_call (self->connection, self->bus_name, path, ACTIONS_INTERFACE, "List",
                          NULL, G_VARIANT_TYPE ("(as)"), G_DBUS_CALL_FLAGS_NONE, -1,
                          g_task_get_cancellable (task), actions_listed, g_object_ref (task));
}

static void
serve_node (NorthMcpDBusBridge *self,
            GTask              *task,
            const char         *path,
            GDBusNodeInfo      *node)
{
  Attach *attach = g_task_get_task_data (task);

  for (guint i = 0; node->interfaces != NULL && node->interfaces[i] != NULL; i++)
    {
      GDBusInterfaceInfo *interface = node->interfaces[i];

      if (!g_dbus_is_interface_name (interface->name) || !wants_interface (self, interface->name))
        continue;

      if (g_str_equal (interface->name, ACTIONS_INTERFACE))
        {
          serve_actions (self, task, path);
          continue;
        }

      for (guint j = 0; interface->methods != NULL && interface->methods[j] != NULL; j++)
        add_method (self, attach->server, path, interface, interface->methods[j]);
      for (guint j = 0; interface->properties != NULL && interface->properties[j] != NULL; j++)
        add_property (self, attach->server, path, interface, interface->properties[j]);
    }
}

static void
queue_children (NorthMcpDBusBridge *self,
                Attach             *attach,
                const char         *path,
                GDBusNodeInfo      *node)
{
  for (guint i = 0; node->nodes != NULL && node->nodes[i] != NULL; i++)
    {
      const char *name = node->nodes[i]->path;
      g_autofree char *child = NULL;

      if (name == NULL || attach->n_objects >= MAX_OBJECTS)
        continue;
      child = g_str_equal (path, "/") ? g_strconcat ("/", name, NULL)
                                      : g_strconcat (path, "/", name, NULL);
      if (!g_variant_is_object_path (child))
        continue;
      g_queue_push_tail (&attach->paths, g_steal_pointer (&child));
      attach->n_objects++;
    }
}

static void
introspected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  NorthMcpDBusBridge *self = g_task_get_source_object (task);
  Attach *attach = g_task_get_task_data (task);
  g_autofree char *path = g_queue_pop_head (&attach->paths);
  gboolean is_root = g_str_equal (path, self->object_path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  g_autoptr(GDBusNodeInfo) node = NULL;
  const char *xml = NULL;

  attach->busy--;
  if (reply != NULL)
    {
      g_variant_get (reply, "(&s)", &xml);
      if (strlen (xml) > MAX_INTROSPECTION_SIZE)
        g_set_error (&error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED,
                     "The introspection data of %s is larger than %d bytes", path,
                     MAX_INTROSPECTION_SIZE);
      else
        node = g_dbus_node_info_new_for_xml (xml, &error);
    }

  if (node == NULL)
    {
      if (is_root)
        {
          g_autofree char *message = describe_dbus_error (error);

          attach->returned = TRUE;
          g_queue_clear_full (&attach->paths, g_free);
          g_task_return_new_error (task, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED,
                                   "Cannot introspect %s on %s: %s", path,
                                   self->bus_name != NULL ? self->bus_name : "the peer", message);
          return;
        }
      g_debug ("Child %s skipped: %s", path, error->message);
    }
  else
    {
      serve_node (self, task, path, node);
      if (self->recursive)
        queue_children (self, attach, path, node);
    }

  introspect_next (task);
  finish_if_done (task);
}

/* One introspection at a time, in breadth-first order. */
static void
introspect_next (GTask *task)
{
  NorthMcpDBusBridge *self = g_task_get_source_object (task);
  Attach *attach = g_task_get_task_data (task);
  const char *path = g_queue_peek_head (&attach->paths);

  if (path == NULL || attach->returned)
    return;

  attach->busy++;
  g_dbus_connection_call (self->connection, self->bus_name, path,
                          "org.freedesktop.DBus.Introspectable", "Introspect", NULL,
                          G_VARIANT_TYPE ("(s)"), G_DBUS_CALL_FLAGS_NONE, -1,
                          g_task_get_cancellable (task), introspected, g_object_ref (task));
}

/**
 * north_mcp_dbus_bridge_attach_async:
 * @self: a bridge
 * @server: the server to serve the object's methods and properties on
 * @cancellable: (nullable): a cancellable
 * @callback: called when the object has been introspected
 * @user_data: data for @callback
 *
 * Introspects the object (and, with [property@NorthMcp.DBusBridge:recursive],
 * its children, at most 256 objects) and adds a tool for each method and a
 * resource for each readable property that the interface list and the
 * allow and deny lists let through. Methods and properties whose types hold
 * file descriptors (`h`) are not served. At most 1024 tools are added.
 *
 * The bridge stays alive as long as @server does, following
 * `PropertiesChanged` signals. A bridge can be attached once.
 *
 * Since: 0.2
 */
void
north_mcp_dbus_bridge_attach_async (NorthMcpDBusBridge  *self,
                                    NorthMcpServer      *server,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  GTask *task;
  Attach *attach;
  g_autofree char *key = NULL;

  g_return_if_fail (NORTH_MCP_IS_DBUS_BRIDGE (self));
  g_return_if_fail (NORTH_MCP_IS_SERVER (server));
  g_return_if_fail (!self->attached);

  self->attached = TRUE;
  g_weak_ref_set (&self->server, server);
  key = g_strdup_printf ("north-mcp-dbus-bridge-%p", (void *) self);
  g_object_set_data_full (G_OBJECT (server), key, g_object_ref (self), g_object_unref);

  self->properties_changed =
    g_dbus_connection_signal_subscribe (self->connection, self->bus_name, PROPERTIES_INTERFACE,
                                        "PropertiesChanged",
                                        self->recursive ? NULL : self->object_path,
                                        NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                        properties_changed, self, NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, north_mcp_dbus_bridge_attach_async);
  attach = g_new0 (Attach, 1);
  attach->server = g_object_ref (server);
  g_queue_init (&attach->paths);
  g_queue_push_tail (&attach->paths, g_strdup (self->object_path));
  attach->n_objects = 1;
  g_task_set_task_data (task, attach, attach_free);
  introspect_next (task);
  g_object_unref (task);
}

/**
 * north_mcp_dbus_bridge_attach_finish:
 * @self: a bridge
 * @result: the result given to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@NorthMcp.DBusBridge.attach_async]. It fails when the
 * object itself cannot be introspected (its service is not running, the
 * path does not exist); children that cannot be are skipped.
 *
 * Returns: whether the object was introspected
 *
 * Since: 0.2
 */
gboolean
north_mcp_dbus_bridge_attach_finish (NorthMcpDBusBridge  *self,
                                     GAsyncResult        *result,
                                     GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- the object ---------------------------------------------------------- */

/**
 * north_mcp_dbus_bridge_new:
 * @connection: a D-Bus connection (a bus or a peer)
 * @bus_name: (nullable): the service's bus name (NULL on a peer-to-peer
 *   connection)
 * @object_path: the object to serve
 *
 * Creates a bridge; [method@NorthMcp.DBusBridge.attach_async] serves it.
 *
 * Returns: (transfer full): a new bridge
 *
 * Since: 0.2
 */
NorthMcpDBusBridge *
north_mcp_dbus_bridge_new (GDBusConnection *connection,
                           const char      *bus_name,
                           const char      *object_path)
{
  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), NULL);
  g_return_val_if_fail (bus_name == NULL || g_dbus_is_name (bus_name), NULL);
  g_return_val_if_fail (object_path != NULL && g_variant_is_object_path (object_path), NULL);

  return g_object_new (NORTH_MCP_TYPE_DBUS_BRIDGE,
                       "connection", connection,
                       "bus-name", bus_name,
                       "object-path", object_path,
                       NULL);
}

/**
 * north_mcp_dbus_bridge_get_connection:
 * @self: a bridge
 *
 * Gets the D-Bus connection.
 *
 * Returns: (transfer none): the connection
 *
 * Since: 0.2
 */
GDBusConnection *
north_mcp_dbus_bridge_get_connection (NorthMcpDBusBridge *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_DBUS_BRIDGE (self), NULL);
  return self->connection;
}

/**
 * north_mcp_dbus_bridge_get_bus_name:
 * @self: a bridge
 *
 * Gets the bus name of the service.
 *
 * Returns: (nullable): the bus name
 *
 * Since: 0.2
 */
const char *
north_mcp_dbus_bridge_get_bus_name (NorthMcpDBusBridge *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_DBUS_BRIDGE (self), NULL);
  return self->bus_name;
}

/**
 * north_mcp_dbus_bridge_get_object_path:
 * @self: a bridge
 *
 * Gets the path of the served object.
 *
 * Returns: the object path
 *
 * Since: 0.2
 */
const char *
north_mcp_dbus_bridge_get_object_path (NorthMcpDBusBridge *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_DBUS_BRIDGE (self), NULL);
  return self->object_path;
}

/**
 * north_mcp_dbus_bridge_get_recursive:
 * @self: a bridge
 *
 * Gets whether child objects are served too.
 *
 * Returns: whether child objects are served
 *
 * Since: 0.2
 */
gboolean
north_mcp_dbus_bridge_get_recursive (NorthMcpDBusBridge *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_DBUS_BRIDGE (self), FALSE);
  return self->recursive;
}

/**
 * north_mcp_dbus_bridge_set_recursive:
 * @self: a bridge
 * @recursive: whether to serve child objects too
 *
 * Sets whether the child objects (the nodes introspection lists, and
 * theirs) are served as well. Set it before attaching.
 *
 * Since: 0.2
 */
void
north_mcp_dbus_bridge_set_recursive (NorthMcpDBusBridge *self,
                                     gboolean            recursive)
{
  g_return_if_fail (NORTH_MCP_IS_DBUS_BRIDGE (self));
  g_return_if_fail (!self->attached);

  recursive = !!recursive;
  if (self->recursive == recursive)
    return;
  self->recursive = recursive;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECURSIVE]);
}

/**
 * north_mcp_dbus_bridge_add_interface:
 * @self: a bridge
 * @interface_name: a D-Bus interface name
 *
 * Serves only the interfaces added this way (by default every interface
 * except the standard `org.freedesktop.DBus.*` ones). Call before attaching.
 *
 * Since: 0.2
 */
void
north_mcp_dbus_bridge_add_interface (NorthMcpDBusBridge *self,
                                     const char         *interface_name)
{
  g_return_if_fail (NORTH_MCP_IS_DBUS_BRIDGE (self));
  g_return_if_fail (interface_name != NULL && g_dbus_is_interface_name (interface_name));
  g_return_if_fail (!self->attached);

  g_ptr_array_add (self->interfaces, g_strdup (interface_name));
}

/**
 * north_mcp_dbus_bridge_allow:
 * @self: a bridge
 * @pattern: a glob (`*` and `?`)
 *
 * Serves only the methods and properties that an allowed pattern matches.
 * A pattern is matched against `INTERFACE.Member`, the bare member name
 * and (for methods) the tool name. Actions are matched as the method
 * `org.gtk.Actions.Activate`. Call before attaching.
 *
 * Since: 0.2
 */
void
north_mcp_dbus_bridge_allow (NorthMcpDBusBridge *self,
                             const char         *pattern)
{
  g_return_if_fail (NORTH_MCP_IS_DBUS_BRIDGE (self));
  g_return_if_fail (pattern != NULL);
  g_return_if_fail (!self->attached);

  g_ptr_array_add (self->allow, g_pattern_spec_new (pattern));
}

/**
 * north_mcp_dbus_bridge_deny:
 * @self: a bridge
 * @pattern: a glob (`*` and `?`)
 *
 * Never serves the methods and properties @pattern matches (matched like
 * [method@NorthMcp.DBusBridge.allow]'s patterns); denying wins over
 * allowing. Call before attaching.
 *
 * Since: 0.2
 */
void
north_mcp_dbus_bridge_deny (NorthMcpDBusBridge *self,
                            const char         *pattern)
{
  g_return_if_fail (NORTH_MCP_IS_DBUS_BRIDGE (self));
  g_return_if_fail (pattern != NULL);
  g_return_if_fail (!self->attached);

  g_ptr_array_add (self->deny, g_pattern_spec_new (pattern));
}

static void
north_mcp_dbus_bridge_dispose (GObject *object)
{
  NorthMcpDBusBridge *self = NORTH_MCP_DBUS_BRIDGE (object);

  if (self->properties_changed != 0)
    {
      g_dbus_connection_signal_unsubscribe (self->connection, self->properties_changed);
      self->properties_changed = 0;
    }

  G_OBJECT_CLASS (north_mcp_dbus_bridge_parent_class)->dispose (object);
}

static void
north_mcp_dbus_bridge_finalize (GObject *object)
{
  NorthMcpDBusBridge *self = NORTH_MCP_DBUS_BRIDGE (object);

  g_clear_object (&self->connection);
  g_free (self->bus_name);
  g_free (self->object_path);
  g_ptr_array_unref (self->interfaces);
  g_ptr_array_unref (self->allow);
  g_ptr_array_unref (self->deny);
  g_weak_ref_clear (&self->server);
  g_hash_table_unref (self->taken);
  g_hash_table_unref (self->properties);

  G_OBJECT_CLASS (north_mcp_dbus_bridge_parent_class)->finalize (object);
}

static void
north_mcp_dbus_bridge_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  NorthMcpDBusBridge *self = NORTH_MCP_DBUS_BRIDGE (object);

  switch (prop_id)
    {
    case PROP_CONNECTION:
      g_value_set_object (value, self->connection);
      break;
    case PROP_BUS_NAME:
      g_value_set_string (value, self->bus_name);
      break;
    case PROP_OBJECT_PATH:
      g_value_set_string (value, self->object_path);
      break;
    case PROP_RECURSIVE:
      g_value_set_boolean (value, self->recursive);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
north_mcp_dbus_bridge_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  NorthMcpDBusBridge *self = NORTH_MCP_DBUS_BRIDGE (object);

  switch (prop_id)
    {
    case PROP_CONNECTION:
      self->connection = g_value_dup_object (value);
      break;
    case PROP_BUS_NAME:
      self->bus_name = g_value_dup_string (value);
      break;
    case PROP_OBJECT_PATH:
      self->object_path = g_value_dup_string (value);
      break;
    case PROP_RECURSIVE:
      north_mcp_dbus_bridge_set_recursive (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
north_mcp_dbus_bridge_class_init (NorthMcpDBusBridgeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = north_mcp_dbus_bridge_dispose;
  object_class->finalize = north_mcp_dbus_bridge_finalize;
  object_class->get_property = north_mcp_dbus_bridge_get_property;
  object_class->set_property = north_mcp_dbus_bridge_set_property;

  /**
   * NorthMcpDBusBridge:connection:
   *
   * The D-Bus connection.
   *
   * Since: 0.2
   */
  properties[PROP_CONNECTION] =
    g_param_spec_object ("connection", NULL, NULL, G_TYPE_DBUS_CONNECTION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * NorthMcpDBusBridge:bus-name:
   *
   * The bus name of the service, or %NULL on a peer-to-peer connection.
   *
   * Since: 0.2
   */
  properties[PROP_BUS_NAME] =
    g_param_spec_string ("bus-name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * NorthMcpDBusBridge:object-path:
   *
   * The path of the served object.
   *
   * Since: 0.2
   */
  properties[PROP_OBJECT_PATH] =
    g_param_spec_string ("object-path", NULL, NULL, "/",
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * NorthMcpDBusBridge:recursive:
   *
   * Whether child objects are served too.
   *
   * Since: 0.2
   */
  properties[PROP_RECURSIVE] =
    g_param_spec_boolean ("recursive", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
north_mcp_dbus_bridge_init (NorthMcpDBusBridge *self)
{
  self->interfaces = g_ptr_array_new_with_free_func (g_free);
  self->allow = g_ptr_array_new_with_free_func ((GDestroyNotify) g_pattern_spec_free);
  self->deny = g_ptr_array_new_with_free_func ((GDestroyNotify) g_pattern_spec_free);
  g_weak_ref_init (&self->server, NULL);
  self->taken = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->properties = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}
