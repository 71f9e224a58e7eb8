/* north-mcp-action-group.c: a GActionGroup's actions as tools
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-action-group.h"
#include "north-mcp-context.h"
#include "north-mcp-dbus-members-private.h"
#include "north-mcp-desktop-private.h"
#include "north-mcp-error.h"
#include "north-mcp-resource.h"
#include "north-mcp-resource-contents.h"
#include "north-mcp-tool.h"
#include "north-mcp-variant-schema-private.h"

/* A remote application (GDBusActionGroup) decides how many actions it
 * announces: past this many, further actions are ignored. */
#define MAX_ACTIONS 1024
/* Longer action names are not served: a remote application decides them,
 * and each is kept, and quoted in its tool's description. */
#define MAX_ACTION_NAME 256
/* GIO's GDBusActionGroup keeps every action another application announces
 * (one signal may add millions, the next as many again) and its state (of
 * any size up to the bus's message limit: 1 GB on the session bus),
 * served or not: past this many actions, or this many bytes of states, at
 * once, the binding lets go of the group (the only one holding it: made
 * by the server, or by the D-Bus bridge), which frees GIO's copy. */
#define MAX_REMOTE_ACTIONS 4096
#define MAX_REMOTE_STATES_SIZE (16 << 20)

#define STATE_URI_SCHEME "gaction-state:"

/* One action group bound to one server under one prefix. The server keeps
 * it as object data; tools and resources hold references through
 * ActionRef, so it can outlive the binding briefly. */
typedef struct
{
  gatomicrefcount refs;
  GWeakRef server;
  GActionGroup *group;
  char *prefix;
  GHashTable *tool_names;  /* action name → tool name, stable once given */
  GHashTable *taken;       /* tool names given (shared with the D-Bus
                            * bridge serving the group) */
  GHashTable *exposed;     /* action names with a tool on the server →
                            * Exposed */
  GHashTable *stateful;    /* action names with a state resource → the
                            * NorthMcpResource */
  NorthMcpToolBudget *budget; /* nullable: each action name known takes one */
  NorthMcpDesktopRemote *remote; /* nullable: activates the actions */
  char *object_path;       /* of the remote object, with @remote */
  NorthMcpDesktopBatch *updates; /* of the state resources (URIs), until
                                  * detached */
  char *key;               /* the server's data key of the binding */
  GHashTable *held;        /* action names the group has, served or not →
                            * the bytes of their state */
  gsize states_size;       /* of them all */
  gboolean dropping;       /* past the bounds of a remote group: let go
                            * of soon */
  NorthMcpDesktopBatch *toggled; /* a remote group's actions enabled or
                                  * disabled, until detached */
  gulong handlers[4];
} Binding;

typedef struct
{
  Binding *binding;
  char *action;
} ActionRef;

/* A tool the binding added, kept so that only it is removed: the
 * application may have replaced it with a tool of its own by then. */
typedef struct
{
  NorthMcpTool *tool;
  gsize size;     /* the bytes it took from the budget */
} Exposed;

static void
exposed_free (gpointer data)
{
  Exposed *exposed = data;

  g_object_unref (exposed->tool);
  g_free (exposed);
}

static Binding *
binding_ref (Binding *self)
{
  g_atomic_ref_count_inc (&self->refs);
  return self;
}

static void
binding_unref (Binding *self)
{
  if (!g_atomic_ref_count_dec (&self->refs))
    return;
  g_weak_ref_clear (&self->server);
  g_clear_object (&self->group);
  g_free (self->prefix);
  g_hash_table_unref (self->tool_names);
  g_hash_table_unref (self->taken);
  g_hash_table_unref (self->exposed);
  g_hash_table_unref (self->stateful);
  g_hash_table_unref (self->held);
  g_clear_pointer (&self->budget, north_mcp_tool_budget_unref);
  g_clear_pointer (&self->remote, north_mcp_desktop_remote_unref);
  g_free (self->object_path);
  g_free (self->key);
  g_free (self);
}

static ActionRef *
action_ref_new (Binding    *binding,
                const char *action)
{
  ActionRef *ref = g_new0 (ActionRef, 1);

  ref->binding = binding_ref (binding);
  ref->action = g_strdup (action);
  return ref;
}

static void
action_ref_free (gpointer data)
{
  ActionRef *ref = data;

  binding_unref (ref->binding);
  g_free (ref->action);
  g_free (ref);
}

/* The server's data key of the group bound under @prefix by @owner (NULL:
 * the application, through the public API; else the set of tool names of
 * the D-Bus bridge serving it), so that a bridged service, which names its
 * objects and so their prefixes, cannot replace the application's own
 * group, nor another bridge's. */
static char *
binding_key (const char *prefix,
             GHashTable *owner)
{
  if (owner != NULL)
    return g_strdup_printf ("north-mcp-action-group:%p:%s", (void *) owner, prefix != NULL ? prefix : "");
  return g_strconcat ("north-mcp-action-group:", prefix != NULL ? prefix : "", NULL);
}

static const char *
tool_name_for (Binding    *self,
               const char *action)
{
  const char *name = g_hash_table_lookup (self->tool_names, action);

  if (name == NULL)
    {
      g_autofree char *candidate = g_strconcat (self->prefix, action, NULL);
      g_autoptr(NorthMcpServer) server = g_weak_ref_get (&self->server);
      char *given = north_mcp_desktop_tool_name (candidate, candidate, self->taken, server);

      g_hash_table_insert (self->tool_names, g_strdup (action), given);
      name = given;
    }
  return name;
}

static char *
state_uri (Binding    *self,
           const char *action)
{
  return g_strconcat (STATE_URI_SCHEME, tool_name_for (self, action), NULL);
}

/* --- the tool ------------------------------------------------------------ */

typedef struct
{
  NorthMcpContext *context;
  char *action;
} Activation;

static void
activated (GVariant     *reply,
           const GError *error,
           gpointer      user_data)
{
  Activation *activation = user_data;

  if (!north_mcp_context_is_completed (activation->context))
    {
      g_autofree char *text = NULL;
      g_autoptr(NorthMcpToolResult) tool_result = NULL;

      if (reply == NULL)
        {
          text = north_mcp_dbus_describe_error (error);
          tool_result = north_mcp_tool_result_new_error (text);
        }
      else
        {
          text = g_strdup_printf ("Activated the action '%s'.", activation->action);
          tool_result = north_mcp_tool_result_new_text (text);
        }
      north_mcp_context_return_tool_result (activation->context, tool_result);
    }
  g_object_unref (activation->context);
  g_free (activation->action);
  g_free (activation);
}

/* Activates @action of the remote object with a call that has a reply, so
 * that the calls a silent application has not answered stay counted. */
static gboolean
activate_remote (Binding          *self,
                 NorthMcpContext  *context,
                 const char       *action,
                 GVariant         *parameter,
                 GError          **error)
{
  GVariantBuilder parameters;
  Activation *activation = g_new0 (Activation, 1);

  g_variant_builder_init (&parameters, G_VARIANT_TYPE ("av"));
  if (parameter != NULL)
    g_variant_builder_add (&parameters, "v", parameter);
  activation->context = g_object_ref (context);
  activation->action = g_strdup (action);
  if (!north_mcp_desktop_remote_call (self->remote, self->object_path, NORTH_MCP_DBUS_ACTIONS_INTERFACE,
                                      "Activate", g_variant_new ("(sava{sv})", action, &parameters, NULL),
                                      G_VARIANT_TYPE_UNIT, activated, activation, error))
    {
      g_prefix_error (error, "The action '%s' was not activated: ", action);
      g_object_unref (activation->context);
      g_free (activation->action);
      g_free (activation);
      return FALSE;
    }
  return TRUE;
}

static NorthMcpToolResult *
activate_action (NorthMcpTool     *tool,
                 NorthMcpContext  *context,
                 JsonObject       *arguments,
                 gpointer          user_data,
                 gboolean         *pending,
                 GError          **error)
{
  ActionRef *ref = user_data;
  GActionGroup *group = ref->binding->group;
  const GVariantType *parameter_type = NULL;
  g_autoptr(GVariant) parameter = NULL;
  g_autofree char *text = NULL;
  gboolean enabled = FALSE;

  if (!g_action_group_query_action (group, ref->action, &enabled, &parameter_type,
                                    NULL, NULL, NULL))
    {
      g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED,
                   "The action '%s' no longer exists", ref->action);
      return NULL;
    }
  /* A client may call a tool it listed before the action was disabled. */
  if (!enabled)
    {
      g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED,
                   "The action '%s' is disabled", ref->action);
      return NULL;
    }

  if (parameter_type != NULL)
    {
      JsonNode *node = arguments != NULL ? json_object_get_member (arguments, "parameter") : NULL;
      guint64 dbus_size = 0;

      if (node == NULL)
        {
          g_set_error_literal (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT,
                               "missing required argument 'parameter'");
          return NULL;
        }
      /* Another application's action: the parameter travels on D-Bus. */
      parameter = north_mcp_variant_from_json_sized (parameter_type, node, "argument 'parameter'",
                                                     G_IS_DBUS_ACTION_GROUP (group) ? &dbus_size : NULL, error);
      if (parameter == NULL)
        return NULL;
    }

  if (ref->binding->remote != NULL)
    {
      /* The result follows the reply. */
      if (!activate_remote (ref->binding, context, ref->action, parameter, error))
        return NULL;
      *pending = TRUE;
      return NULL;
    }
  g_action_group_activate_action (group, ref->action, parameter);
  text = g_strdup_printf ("Activated the action '%s'.", ref->action);
  return north_mcp_tool_result_new_text (text);
}

static void
call_action (NorthMcpTool    *tool,
             NorthMcpContext *context,
             JsonObject      *arguments,
             gpointer         user_data)
{
  g_autoptr(GError) error = NULL;
  gboolean pending = FALSE;
  g_autoptr(NorthMcpToolResult) result = activate_action (tool, context, arguments, user_data,
                                                          &pending, &error);

  if (pending)
    return;
  if (result == NULL)
    north_mcp_context_return_error (context, error);
  else
    north_mcp_context_return_tool_result (context, result);
}

static JsonObject *
input_schema (const GVariantType  *parameter_type,
              GError             **error)
{
  JsonObject *schema = json_object_new ();
  JsonObject *properties = json_object_new ();

  json_object_set_string_member (schema, "type", "object");
  json_object_set_object_member (schema, "properties", properties);
  json_object_set_boolean_member (schema, "additionalProperties", FALSE);
  if (parameter_type != NULL)
    {
      JsonObject *parameter = north_mcp_variant_type_to_schema (parameter_type, error);
      JsonArray *required;

      if (parameter == NULL)
        {
          json_object_unref (schema);
          return NULL;
        }
      json_object_set_object_member (properties, "parameter", parameter);
      required = json_array_new ();
      json_array_add_string_element (required, "parameter");
      json_object_set_array_member (schema, "required", required);
    }
  return schema;
}

static void
expose_tool (Binding        *self,
             NorthMcpServer *server,
             const char     *action)
{
  const GVariantType *parameter_type = NULL;
  const GVariantType *state_type = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) schema = NULL;
  g_autoptr(NorthMcpTool) tool = NULL;
  g_autoptr(GString) description = g_string_new (NULL);
  gboolean enabled = FALSE;
  gsize size = 0;
  Exposed *exposed;

  if (g_hash_table_contains (self->exposed, action) ||
      !g_action_group_query_action (self->group, action, &enabled, &parameter_type,
                                    &state_type, NULL, NULL) ||
      !enabled)
    return;

  schema = input_schema (parameter_type, &error);
  if (schema == NULL)
    {
      g_debug ("Action '%s' not exposed: %s", action, error->message);
      return;
    }

  g_string_append_printf (description, "Activates the action '%s'", action);
  if (parameter_type != NULL)
    {
      g_autofree char *type = g_variant_type_dup_string (parameter_type);

      g_string_append_printf (description, " with a parameter of type '%s'", type);
    }
  g_string_append_c (description, '.');
  if (state_type != NULL)
    {
      g_autofree char *uri = state_uri (self, action);

      g_string_append_printf (description, " Its state is the resource %s.", uri);
    }

  /* Another application decides the parameter's type: its schema can be
   * large (`(vv…)`). */
  if (self->budget != NULL)
    {
      g_autofree char *what = g_strdup_printf ("Action '%s'", action);

      if (!north_mcp_tool_budget_take_bytes (self->budget, what, description->str, schema, &size))
        return;
    }

  tool = north_mcp_desktop_tool_new (tool_name_for (self, action), description->str, call_action,
                                     action_ref_new (self, action), action_ref_free);
  north_mcp_tool_set_input_schema (tool, schema);
  exposed = g_new0 (Exposed, 1);
  exposed->tool = g_object_ref (tool);
  exposed->size = size;
  g_hash_table_insert (self->exposed, g_strdup (action), exposed);
  north_mcp_server_add_tool (server, tool);
}

/* Removes the action's tool if it is still the one the binding added:
 * the application (or another owner) may have added a tool of that name
 * since, replacing it, and that tool stays. */
static void
hide_tool (Binding        *self,
           NorthMcpServer *server,
           const char     *action)
{
  Exposed *exposed = g_hash_table_lookup (self->exposed, action);
  const char *name;

  if (exposed == NULL)
    return;
  name = tool_name_for (self, action);
  if (self->budget != NULL)
    north_mcp_tool_budget_give_bytes (self->budget, exposed->size);
  if (north_mcp_server_lookup_tool (server, name) == exposed->tool)
    north_mcp_server_remove_tool (server, name);
  g_hash_table_remove (self->exposed, action);
}

/* --- the state resource -------------------------------------------------- */

static NorthMcpResourceContents *
read_state (NorthMcpResource  *resource,
            NorthMcpContext   *context,
            gpointer           user_data,
            GError           **error)
{
  ActionRef *ref = user_data;
  g_autoptr(GVariant) state = g_action_group_get_action_state (ref->binding->group, ref->action);
  guint64 budget = NORTH_MCP_VARIANT_MAX_JSON_COST;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;

  if (state == NULL)
    {
      g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED,
                   "The action '%s' has no state", ref->action);
      return NULL;
    }
  /* Another application decides the state, of any size: millions of
   * one-byte values would be millions of JSON nodes. */
  node = north_mcp_variant_to_json_bounded (state, &budget);
  if (node == NULL)
    {
      g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED,
                   "The state of the action '%s' is too large as JSON (at most %d values or %d MiB of JSON text, escapes counted)",
                   ref->action, NORTH_MCP_VARIANT_MAX_JSON_COST / NORTH_MCP_VARIANT_JSON_VALUE_COST,
                   NORTH_MCP_VARIANT_MAX_JSON_COST >> 20);
      return NULL;
    }
  text = north_mcp_desktop_json_text (node);
  return north_mcp_resource_contents_new_text (north_mcp_resource_get_uri (resource),
                                               "application/json", text);
}

static void
expose_state (Binding        *self,
              NorthMcpServer *server,
              const char     *action)
{
  g_autoptr(GVariant) state = NULL;
  g_autoptr(NorthMcpResource) resource = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *description = NULL;

  if (g_hash_table_contains (self->stateful, action))
    return;
  state = g_action_group_get_action_state (self->group, action);
  if (state == NULL)
    return;

  uri = state_uri (self, action);
  description = g_strdup_printf ("The state of the action '%s' (type '%s'), as JSON",
                                 action, g_variant_get_type_string (state));
  resource = north_mcp_resource_new (uri, tool_name_for (self, action));
  north_mcp_feature_set_description (NORTH_MCP_FEATURE (resource), description);
  north_mcp_resource_set_mime_type (resource, "application/json");
  north_mcp_resource_set_func (resource, read_state, action_ref_new (self, action), action_ref_free);
  g_hash_table_insert (self->stateful, g_strdup (action), g_object_ref (resource));
  north_mcp_server_add_resource (server, resource);
}

static void
hide_state (Binding        *self,
            NorthMcpServer *server,
            const char     *action)
{
  NorthMcpResource *resource = g_hash_table_lookup (self->stateful, action);
  g_autofree char *uri = NULL;

  if (resource == NULL)
    return;
  /* Only the binding's own resource, as with tools. */
  uri = state_uri (self, action);
  if (north_mcp_server_lookup_resource (server, uri) == resource)
    north_mcp_server_remove_resource (server, uri);
  g_hash_table_remove (self->stateful, action);
}

/* --- following the group ------------------------------------------------- */

/* Removes the binding from its server, unless another replaced it. */
static gboolean
drop_binding (gpointer user_data)
{
  Binding *self = user_data;
  g_autoptr(NorthMcpServer) server = g_weak_ref_get (&self->server);

  if (server != NULL && g_object_get_data (G_OBJECT (server), self->key) == self)
    g_object_set_data (G_OBJECT (server), self->key, NULL);
  return G_SOURCE_REMOVE;
}

/* Counts what GIO holds of another application's @action (@state: its
 * new state, NULL once gone) and lets go of the group past the bounds:
 * whether the binding still follows it. */
static gboolean
hold (Binding    *self,
      const char *action,
      GVariant   *state,
      gboolean    gone)
{
  gsize size = state != NULL ? g_variant_get_size (state) : 0;

  if (self->dropping || !G_IS_DBUS_ACTION_GROUP (self->group))
    return !self->dropping;
  self->states_size -= GPOINTER_TO_SIZE (g_hash_table_lookup (self->held, action));
  if (gone)
    {
      g_hash_table_remove (self->held, action);
      return TRUE;
    }
  g_hash_table_insert (self->held, g_strdup (action), GSIZE_TO_POINTER (size));
  self->states_size += size;
  if (g_hash_table_size (self->held) <= MAX_REMOTE_ACTIONS && self->states_size <= MAX_REMOTE_STATES_SIZE)
    return TRUE;

  /* Not from within GIO's handler of the signal, which goes on using the
   * group. */
  g_message ("The actions of %s are no longer served: it announced more than %d actions or %d MiB of states",
             self->object_path != NULL ? self->object_path : "a D-Bus action group", MAX_REMOTE_ACTIONS,
             MAX_REMOTE_STATES_SIZE >> 20);
  self->dropping = TRUE;
  g_source_unref (north_mcp_desktop_idle_add (drop_binding, binding_ref (self), (GDestroyNotify) binding_unref));
  return FALSE;
}

static void
action_added (GActionGroup *group,
              const char   *action,
              gpointer      user_data)
{
  Binding *self = user_data;
  g_autoptr(NorthMcpServer) server = g_weak_ref_get (&self->server);
  g_autoptr(GVariant) state = G_IS_DBUS_ACTION_GROUP (group) ? g_action_group_get_action_state (group, action)
                                                             : NULL;

  if (!hold (self, action, state, FALSE) || server == NULL)
    return;
  if (!g_hash_table_contains (self->tool_names, action))
    {
      if (strlen (action) > MAX_ACTION_NAME)
        {
          g_debug ("An action with a name of over %d bytes ignored", MAX_ACTION_NAME);
          return;
        }
      if (g_hash_table_size (self->tool_names) >= MAX_ACTIONS)
        {
          g_debug ("Action '%s' ignored: the group has more than %d actions", action, MAX_ACTIONS);
          return;
        }
      /* Names stay known (and keep their tool name): one take each. */
      if (self->budget != NULL && !north_mcp_tool_budget_take (self->budget))
        {
          g_debug ("Action '%s' ignored: no tools left to serve it", action);
          return;
        }
    }
  /* Known from now on, also while disabled (enabling it exposes it). */
  tool_name_for (self, action);
  expose_tool (self, server, action);
  expose_state (self, server, action);
}

static void
action_removed (GActionGroup *group,
                const char   *action,
                gpointer      user_data)
{
  Binding *self = user_data;
  g_autoptr(NorthMcpServer) server = g_weak_ref_get (&self->server);

  hold (self, action, NULL, TRUE);
  if (server == NULL || !g_hash_table_contains (self->tool_names, action))
    return;
  hide_tool (self, server, action);
  hide_state (self, server, action);
}

/* Serves the action's tool if the action is enabled, else not. */
static void
follow_enabled (Binding        *self,
                NorthMcpServer *server,
                const char     *action)
{
  gboolean enabled = FALSE;

  if (g_action_group_query_action (self->group, action, &enabled, NULL, NULL, NULL, NULL) && enabled)
    expose_tool (self, server, action);
  else
    hide_tool (self, server, action);
}

static void
follow_toggled (const char *action,
                gpointer    user_data)
{
  Binding *self = user_data;
  g_autoptr(NorthMcpServer) server = g_weak_ref_get (&self->server);

  if (server != NULL)
    follow_enabled (self, server, action);
}

/* A local group's actions are followed at once; another application's
 * once the signals waiting have been handled: one signal may disable and
 * enable an action thousands of times, and each tool added or removed is
 * a tools/list_changed to every session (and a schema made). */
static void
action_enabled_changed (GActionGroup *group,
                        const char   *action,
                        gboolean      enabled,
                        gpointer      user_data)
{
  Binding *self = user_data;
  g_autoptr(NorthMcpServer) server = g_weak_ref_get (&self->server);

  if (server == NULL || !g_hash_table_contains (self->tool_names, action))
    return;
  if (!G_IS_DBUS_ACTION_GROUP (group))
    {
      follow_enabled (self, server, action);
      return;
    }
  north_mcp_desktop_batch_add (self->toggled, action);
}

static void
action_state_changed (GActionGroup *group,
                      const char   *action,
                      GVariant     *state,
                      gpointer      user_data)
{
  Binding *self = user_data;
  g_autofree char *uri = NULL;

  if (!hold (self, action, state, FALSE) || !g_hash_table_contains (self->stateful, action))
    return;
  uri = state_uri (self, action);
  north_mcp_desktop_batch_add (self->updates, uri);
}

static void
state_updated (const char *uri,
               gpointer    user_data)
{
  Binding *self = user_data;
  g_autoptr(NorthMcpServer) server = g_weak_ref_get (&self->server);

  if (server != NULL)
    north_mcp_server_notify_resource_updated (server, uri);
}

/* Runs when the binding is replaced or removed, and when the server is
 * finalized (the weak reference is empty then: nothing to remove). */
static void
binding_detach (gpointer data)
{
  Binding *self = data;
  g_autoptr(NorthMcpServer) server = g_weak_ref_get (&self->server);

  for (guint i = 0; i < G_N_ELEMENTS (self->handlers); i++)
    g_clear_signal_handler (&self->handlers[i], self->group);
  g_clear_pointer (&self->updates, north_mcp_desktop_batch_free);
  g_clear_pointer (&self->toggled, north_mcp_desktop_batch_free);

  if (server != NULL)
    {
      guint n = 0;
      g_autofree char **actions = (char **) g_hash_table_get_keys_as_array (self->tool_names, &n);

      for (guint i = 0; i < n; i++)
        {
          hide_tool (self, server, actions[i]);
          hide_state (self, server, actions[i]);
        }
    }
  /* The tools and resources kept hold the binding (through ActionRef). */
  g_hash_table_remove_all (self->exposed);
  g_hash_table_remove_all (self->stateful);
  g_weak_ref_set (&self->server, NULL);
  binding_unref (self);
}

/**
 * north_mcp_server_add_action_group:
 * @self: a server
 * @group: the actions, for example a [class@Gio.Application] (which is a
 *   [iface@Gio.ActionGroup]) or a [class@Gio.SimpleActionGroup]; not a
 *   [class@Gio.DBusActionGroup] (see below)
 * @prefix: (nullable): put before each action name to make the tool name,
 *   for example `"app."`
 *
 * Serves every enabled action of @group as a tool named @prefix followed by
 * the action name (characters MCP does not allow become `_`; a name longer
 * than 64 characters, or one already given or of a tool the server has, is
 * cut and made unique with a hash). Calling the tool activates the action.
 * An action with a parameter takes it as the argument `parameter`, whose
 * JSON Schema follows from the parameter's [struct@GLib.VariantType]; `h`
 * (file descriptors), indefinite types and types nesting more than 32
 * containers deep are not supported and such actions are not served.
 * Values nesting deeper than that (through variants) are refused.
 *
 * The state of a stateful action is the resource `gaction-state:TOOLNAME`
 * (`application/json`); subscribers are told when it changes (once for the
 * changes handled together: another application may list thousands in one
 * signal). A state of
 * more than 131,072 values (counting each item of an array) or 8 MiB of
 * JSON text (as written: a control character takes 6 bytes, `\u0001`) is
 * refused when read.
 *
 * The tools follow @group: actions added, removed, enabled or disabled later
 * add and remove tools, and clients are sent `notifications/tools/list_changed`.
 * Disabled actions are not listed, and a call that reaches one anyway is
 * refused with an error result. Another application's actions enabled or
 * disabled are followed once the signals waiting have been handled (one
 * signal may toggle an action thousands of times): only the outcome
 * changes the tools.
 *
 * The group removes only the tools and resources it added, recorded by
 * identity: a tool or resource added later under the same name (replacing
 * the group's) stays when its action goes, and when the group is removed.
 *
 * Another application's actions are served with
 * [method@NorthMcp.Server.add_remote_action_group], within the bounds of
 * [class@NorthMcp.DBusBridge]'s: at most 1024 tools,
 * none whose description and input schema take more than 16 KiB
 * (serialized; a parameter type of 200 variants makes some 50 KB of
 * schema), and 4 MiB for all of the group's tools together; an action past
 * them is not served (the debug log says why). GIO keeps every action
 * another application announces, served or not, and its state: once the
 * group has more than 4096 actions, or 16 MiB of states (serialized), at
 * once, it is no longer served (as if removed with
 * [method@NorthMcp.Server.remove_action_group], with a message logged),
 * and let go of.
 *
 * Their activations are calls that wait for the application's answer, at
 * most 16 at once per group (see there). The actions that
 * [class@NorthMcp.DBusBridge] serves share the bridge's 16 places with
 * its method calls and property reads.
 *
 * A [class@Gio.DBusActionGroup] given as @group is refused (a critical
 * warning, and nothing is served): GIO activates its actions without
 * waiting for an answer, so an application that stops reading its bus
 * socket let them pile up without bound, one per tool call, and GIO has no
 * API that tells where the group's actions are for a bounded call to be
 * made instead. Give [method@NorthMcp.Server.add_remote_action_group] the
 * connection, bus name and object path the group is made from.
 *
 * A [class@Gio.Application] must be registered first
 * ([method@Gio.Application.register], or add the group from its
 * [signal@Gio.Application::startup] handler).
 *
 * Adding another group with the same @prefix replaces the first one.
 * Signals of @group are handled on the thread-default main context of the
 * caller, which must be the server's.
 *
 * Since: 0.2
 */
void
north_mcp_server_add_action_group (NorthMcpServer *self,
                                   GActionGroup   *group,
                                   const char     *prefix)
{
  north_mcp_desktop_add_action_group (self, group, prefix, NULL, NULL);
}

/**
 * north_mcp_server_add_remote_action_group:
 * @self: a server
 * @connection: the connection to the other application: a message bus
 *   connection, or a peer-to-peer one
 * @bus_name: (nullable): the bus name of the application on @connection;
 *   %NULL if @connection is not a message bus connection
 * @object_path: the object at which the application exports its actions
 *   (`org.gtk.Actions`), for example `"/org/example/App"`
 * @prefix: (nullable): put before each action name to make the tool name,
 *   for example `"app."`
 *
 * Serves the actions another application exports on D-Bus as tools, as
 * [method@NorthMcp.Server.add_action_group] serves a local group: the
 * server follows them through a [class@Gio.DBusActionGroup] of its own
 * (made with [func@Gio.DBusActionGroup.get]), with the same tools, state
 * resources and bounds (described there).
 *
 * The actions are activated with `org.gtk.Actions.Activate` calls that wait
 * for the application's answer, sent by the server on @connection to
 * @bus_name at @object_path (GIO's own activation sends them without one,
 * and an application that stops reading its bus socket let them pile up,
 * one per call): the result comes with the answer, a D-Bus error is an
 * error result, and at most 16 activations of the group wait at once (with
 * at most 16 MiB of parameters together), each at most 25 s. A call beyond
 * is refused at once with an error (`The action 'poke' was not activated:
 * org.example.App has not answered 16 calls yet`). An activation keeps its
 * place until the application answers or the 25 s pass, also when its
 * request is cancelled: its message has been sent.
 *
 * Adding another group (local or remote) with the same @prefix replaces the
 * first one; [method@NorthMcp.Server.remove_action_group] removes it.
 * Signals of the group are handled on the thread-default main context of
 * the caller, which must be the server's.
 *
 * Since: 0.2
 */
void
north_mcp_server_add_remote_action_group (NorthMcpServer  *self,
                                          GDBusConnection *connection,
                                          const char      *bus_name,
                                          const char      *object_path,
                                          const char      *prefix)
{
  g_autoptr(GDBusActionGroup) group = NULL;
  NorthMcpDesktopRemote *remote;

  g_return_if_fail (NORTH_MCP_IS_SERVER (self));
  g_return_if_fail (G_IS_DBUS_CONNECTION (connection));
  g_return_if_fail (bus_name == NULL || g_dbus_is_name (bus_name));
  /* As g_dbus_action_group_get() wants it. */
  g_return_if_fail (bus_name != NULL || g_dbus_connection_get_unique_name (connection) == NULL);
  g_return_if_fail (object_path != NULL && g_variant_is_object_path (object_path));

  group = g_dbus_action_group_get (connection, bus_name, object_path);
  remote = north_mcp_desktop_remote_new (connection, bus_name, NORTH_MCP_DBUS_MAX_CALLS,
                                         NORTH_MCP_DBUS_MAX_CALLS_SIZE, NORTH_MCP_DBUS_CALL_TIMEOUT);
  north_mcp_desktop_add_remote_action_group (self, G_ACTION_GROUP (group), prefix, NULL, NULL, remote,
                                             object_path);
  north_mcp_desktop_remote_unref (remote);
}

void
north_mcp_desktop_add_action_group (NorthMcpServer     *self,
                                    GActionGroup       *group,
                                    const char         *prefix,
                                    NorthMcpToolBudget *budget,
                                    GHashTable         *taken)
{
  north_mcp_desktop_add_remote_action_group (self, group, prefix, budget, taken, NULL, NULL);
}

void
north_mcp_desktop_add_remote_action_group (NorthMcpServer        *self,
                                           GActionGroup          *group,
                                           const char            *prefix,
                                           NorthMcpToolBudget    *budget,
                                           GHashTable            *taken,
                                           NorthMcpDesktopRemote *remote,
                                           const char            *object_path)
{
  g_autofree char *key = binding_key (prefix, taken);
  g_auto(GStrv) actions = NULL;
  Binding *binding;

  g_return_if_fail (NORTH_MCP_IS_SERVER (self));
  g_return_if_fail (G_IS_ACTION_GROUP (group));
  /* A GApplication lists its actions only once registered. */
  g_return_if_fail (!G_IS_APPLICATION (group) || g_application_get_is_registered (G_APPLICATION (group)));
  /* GIO would activate another application's actions without waiting for
   * an answer, which cannot be counted, and has no API that says where it
   * sends them. */
  if (G_IS_DBUS_ACTION_GROUP (group) && remote == NULL)
    {
      g_critical ("north_mcp_server_add_action_group: a GDBusActionGroup is not served, since GIO activates "
                  "its actions without waiting for an answer, which cannot be bounded: use "
                  "north_mcp_server_add_remote_action_group()");
      return;
    }

  binding = g_new0 (Binding, 1);
  binding->budget = budget != NULL ? north_mcp_tool_budget_ref (budget) : NULL;
  binding->remote = remote != NULL ? north_mcp_desktop_remote_ref (remote) : NULL;
  binding->object_path = g_strdup (object_path);
  /* Another application decides how large its actions' schemas are: the
   * bridge's bounds, unless the bridge gave its own. */
  if (budget == NULL && G_IS_DBUS_ACTION_GROUP (group))
    binding->budget = north_mcp_tool_budget_new (NORTH_MCP_DBUS_MAX_TOOLS, NORTH_MCP_DBUS_MAX_TOOL_SIZE,
                                                 NORTH_MCP_DBUS_MAX_TOOLS_SIZE);
  g_atomic_ref_count_init (&binding->refs);
  g_weak_ref_init (&binding->server, self);
  binding->group = g_object_ref (group);
  binding->prefix = g_strdup (prefix != NULL ? prefix : "");
  binding->tool_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  binding->taken = taken != NULL ? g_hash_table_ref (taken)
                                 : g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  binding->exposed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, exposed_free);
  binding->stateful = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  binding->updates = north_mcp_desktop_batch_new (state_updated, binding);
  binding->key = g_strdup (key);
  binding->held = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  binding->toggled = north_mcp_desktop_batch_new (follow_toggled, binding);

  /* Replaces (and detaches) a group with the same prefix. */
  g_object_set_data_full (G_OBJECT (self), key, binding, binding_detach);

  binding->handlers[0] = g_signal_connect (group, "action-added", G_CALLBACK (action_added), binding);
  binding->handlers[1] = g_signal_connect (group, "action-removed", G_CALLBACK (action_removed), binding);
  binding->handlers[2] = g_signal_connect (group, "action-enabled-changed",
                                           G_CALLBACK (action_enabled_changed), binding);
  binding->handlers[3] = g_signal_connect (group, "action-state-changed",
                                           G_CALLBACK (action_state_changed), binding);

  /* For a GDBusActionGroup this also starts fetching the remote actions,
   * which then arrive as action-added. */
  actions = g_action_group_list_actions (group);
  for (guint i = 0; actions != NULL && actions[i] != NULL; i++)
    action_added (group, actions[i], binding);
}

/**
 * north_mcp_server_remove_action_group:
 * @self: a server
 * @prefix: (nullable): the prefix given to [method@NorthMcp.Server.add_action_group]
 *   or [method@NorthMcp.Server.add_remote_action_group]
 *
 * Stops serving the action group added with @prefix: its tools and
 * resources are removed (only its own, not those added since under the
 * same names).
 *
 * Returns: whether there was such a group
 *
 * Since: 0.2
 */
gboolean
north_mcp_server_remove_action_group (NorthMcpServer *self,
                                      const char     *prefix)
{
  g_autofree char *key = binding_key (prefix, NULL);

  g_return_val_if_fail (NORTH_MCP_IS_SERVER (self), FALSE);

  if (g_object_get_data (G_OBJECT (self), key) == NULL)
    return FALSE;
  g_object_set_data (G_OBJECT (self), key, NULL);
  return TRUE;
}
