/* north-mcp-dbus-bridge.c: a D-Bus object's methods as tools, its
 * properties as resources
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-action-group.h"
#include "north-mcp-dbus-members-private.h"
#include "north-mcp-dbus-xml-private.h"
#include "north-mcp-error.h"

/**
 * NorthMcpDBusBridge:
 *
 * Serves a D-Bus object as MCP tools and resources, from its introspection
 * data: each method becomes a tool whose input schema follows from the
 * method's signature (arguments named as introspected; `arg_0`… when
 * unnamed), each readable property a resource, and `PropertiesChanged`
 * becomes `notifications/resources/updated` for subscribers (once per
 * resource for the signals handled together). An object that
 * exports actions (`org.gtk.Actions`, for example a [class@Gio.Application])
 * has its actions served as [method@NorthMcp.Server.add_remote_action_group] serves them.
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
 * Calls are asynchronous; D-Bus errors become tool results with `isError`
 * whose text starts with the error name
 * (`org.freedesktop.DBus.Error.InvalidArgs: …`); out-arguments become
 * `structuredContent` keyed by their names, and the same JSON as text.
 * At most 16 method calls, property reads and action activations of a
 * bridge wait for the service's answer at once, with at most 16 MiB of
 * arguments together, each at most 25 s; a call beyond is refused at once
 * (`org.example.App has not answered 16 calls yet`). A cancelled request
 * is not answered, but its call keeps its place until the service answers
 * or the 25 s pass: its message has been sent, and a service that stops
 * reading its bus socket would otherwise let a client that calls and
 * cancels pile them up without bound.
 *
 * A reply or property value larger than 4 MiB (serialized) is refused,
 * but only once GDBus has read it whole and made its values: on a bus
 * whose other peers are not trusted, connect with
 * [func@NorthMcp.DBusBridge.connect_sync], which drops messages whose body
 * takes more than those 4 MiB unread.
 *
 * Since: 0.2
 */

enum {
  PROP_0,
  PROP_CONNECTION,
  PROP_BUS_NAME,
  PROP_OBJECT_PATH,
  PROP_RECURSIVE,
  PROP_INTROSPECTION_TIMEOUT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (NorthMcpDBusBridge, north_mcp_dbus_bridge, G_TYPE_OBJECT)

/* The standard interfaces only when asked for by name: properties are
 * resources already, and the rest is plumbing. */
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

  return !g_str_has_prefix (interface_name, "org.freedesktop.DBus.");
}

/* --- introspection ------------------------------------------------------- */

typedef struct
{
  NorthMcpServer *server;
  GCancellable *cancellable;  /* of every call: the task's, or the deadline */
  GCancellable *task_cancellable;
  gulong cancelled_handler;
  GSource *deadline;
  GQueue paths;         /* char *, still to introspect */
  GHashTable *queued;   /* the paths queued so far: a service may list a
                         * child twice, which would serve it twice */
  guint n_objects;      /* queued so far */
  guint introspecting;  /* Introspect calls in flight */
  guint busy;           /* calls in flight */
  gboolean returned;
} Attach;

/* Once the attachment returns: the deadline's source holds the task. */
static void
attach_stop_deadline (Attach *attach)
{
  if (attach->deadline == NULL)
    return;
  g_source_destroy (attach->deadline);
  g_clear_pointer (&attach->deadline, g_source_unref);
}

static void
attach_free (gpointer data)
{
  Attach *attach = data;

  g_cancellable_disconnect (attach->task_cancellable, attach->cancelled_handler);
  g_clear_object (&attach->task_cancellable);
  g_clear_object (&attach->cancellable);
  attach_stop_deadline (attach);
  g_object_unref (attach->server);
  g_queue_clear_full (&attach->paths, g_free);
  g_hash_table_unref (attach->queued);
  g_free (attach);
}

static void introspect_more (GTask *task);

static void
finish_if_done (GTask *task)
{
  Attach *attach = g_task_get_task_data (task);

  if (!attach->returned && attach->busy == 0 && g_queue_is_empty (&attach->paths))
    {
      attach->returned = TRUE;
      attach_stop_deadline (attach);
      g_task_return_boolean (task, TRUE);
    }
}

/* Past the deadline, the objects not introspected yet are skipped and the
 * calls in flight cancelled: what answered in time is served. */
static gboolean
attach_deadline_passed (gpointer user_data)
{
  GTask *task = user_data;
  NorthMcpDBusBridge *self = g_task_get_source_object (task);
  Attach *attach = g_task_get_task_data (task);

  g_debug ("%u objects not introspected (%u of them in flight): attaching took longer than %u ms",
           g_queue_get_length (&attach->paths) + attach->introspecting, attach->introspecting,
           NORTH_MCP_DBUS_ATTACH_TIMEOUTS * self->introspection_timeout);
  g_clear_pointer (&attach->deadline, g_source_unref);
  g_cancellable_cancel (attach->cancellable);
  g_queue_clear_full (&attach->paths, g_free);
  finish_if_done (task);
  return G_SOURCE_REMOVE;
}

static void
task_cancelled (GCancellable *task_cancellable,
                gpointer      user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
}

/* What a reply of attach_call() is handed to: the call's reply or its
 * error (which the handler may replace). */
typedef void (*AttachReplyFunc) (GTask       *task,
                                 const char  *path,
                                 GVariant    *reply,
                                 GError     **error);

typedef struct
{
  GTask           *task;
  char            *path;
  AttachReplyFunc  handler;
} AttachCall;

/* Every call of an attachment counts in attach->busy until its reply has
 * been handled: the attachment returns once none is left. */
static void
attach_call_replied (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  AttachCall *call = user_data;
  g_autoptr(GTask) task = call->task;
  g_autofree char *path = call->path;
  AttachReplyFunc handler = call->handler;
  Attach *attach = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  g_free (call);
  attach->busy--;
  if (handler != NULL)
    handler (task, path, reply, &error);
  finish_if_done (task);
}

/* Calls @method on the peer's object at @path, waiting at most the
 * bridge's introspection timeout; @handler (or nobody) gets the reply. */
static void
attach_call (GTask              *task,
             const char         *path,
             const char         *interface,
             const char         *method,
             const GVariantType *reply_type,
             AttachReplyFunc     handler)
{
  NorthMcpDBusBridge *self = g_task_get_source_object (task);
  Attach *attach = g_task_get_task_data (task);
  AttachCall *call = g_new (AttachCall, 1);

  call->task = g_object_ref (task);
  call->path = g_strdup (path);
  call->handler = handler;
  attach->busy++;
  g_dbus_connection_call (self->connection, self->bus_name, path, interface, method, NULL,
                          reply_type, G_DBUS_CALL_FLAGS_NONE, (int) self->introspection_timeout,
                          attach->cancellable, attach_call_replied, call);
}

static void
serve_actions (NorthMcpDBusBridge *self,
               GTask              *task,
               const char         *path)
{
  Attach *attach = g_task_get_task_data (task);
  g_autoptr(GDBusActionGroup) group = NULL;
  g_autofree char *prefix = NULL;

  if (self->bus_name == NULL || !north_mcp_dbus_bridge_permits (self, NORTH_MCP_DBUS_ACTIONS_INTERFACE, "Activate", NULL))
    return;

  group = g_dbus_action_group_get (self->connection, self->bus_name, path);
  prefix = north_mcp_dbus_bridge_child_prefix (self, path);
  /* One set of tool names for methods and actions: an action named
   * `Iface.Method` must not replace the method's tool. */
  north_mcp_desktop_add_remote_action_group (attach->server, G_ACTION_GROUP (group), prefix,
                                             self->tools, self->taken, self->remote, path);

  /* The remote action group fetches its actions with a call of its own;
   * an answer to a later call on the same object means they have arrived,
   * so that the first tools/list already has them: only the arrival
   * matters, not the answer. */
  attach_call (task, path, NORTH_MCP_DBUS_ACTIONS_INTERFACE, "List", G_VARIANT_TYPE ("(as)"), NULL);
}

static void
serve_node (NorthMcpDBusBridge *self,
            GTask              *task,
            const char         *path,
            GDBusNodeInfo      *node)
{
  Attach *attach = g_task_get_task_data (task);
  /* GDBus keeps an interface listed twice: its members would be served
   * twice (under hashed names the second time). */
  g_autoptr(GHashTable) served = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; node->interfaces != NULL && node->interfaces[i] != NULL; i++)
    {
      GDBusInterfaceInfo *interface = node->interfaces[i];

      if (!g_dbus_is_interface_name (interface->name) || !wants_interface (self, interface->name) ||
          !g_hash_table_add (served, interface->name))
        continue;

      if (g_str_equal (interface->name, NORTH_MCP_DBUS_ACTIONS_INTERFACE))
        {
          serve_actions (self, task, path);
          continue;
        }

      for (guint j = 0; interface->methods != NULL && interface->methods[j] != NULL; j++)
        north_mcp_dbus_bridge_add_method (self, attach->server, path, interface, interface->methods[j]);
      for (guint j = 0; interface->properties != NULL && interface->properties[j] != NULL; j++)
        north_mcp_dbus_bridge_add_property (self, attach->server, path, interface, interface->properties[j]);
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

      if (name == NULL || attach->n_objects >= NORTH_MCP_DBUS_MAX_OBJECTS)
        continue;
      child = g_str_equal (path, "/") ? g_strconcat ("/", name, NULL)
                                      : g_strconcat (path, "/", name, NULL);
      if (!g_variant_is_object_path (child) || !g_hash_table_add (attach->queued, g_strdup (child)))
        continue;
      g_queue_push_tail (&attach->paths, g_steal_pointer (&child));
      attach->n_objects++;
    }
}

static void
introspected (GTask       *task,
              const char  *path,
              GVariant    *reply,
              GError     **error)
{
  NorthMcpDBusBridge *self = g_task_get_source_object (task);
  Attach *attach = g_task_get_task_data (task);
  gboolean is_root = g_str_equal (path, self->object_path);
  g_autoptr(GDBusNodeInfo) node = NULL;
  const char *xml = NULL;

  attach->introspecting--;
  if (reply != NULL)
    {
      g_variant_get (reply, "(&s)", &xml);
      if (strlen (xml) > NORTH_MCP_DBUS_MAX_INTROSPECTION_SIZE)
        g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED,
                     "The introspection data of %s is larger than %d bytes", path,
                     NORTH_MCP_DBUS_MAX_INTROSPECTION_SIZE);
      else
        node = north_mcp_dbus_node_info_new (xml, error);
    }

  if (node == NULL)
    {
      if (is_root)
        {
          g_autofree char *message = north_mcp_dbus_describe_error (*error);

          attach->returned = TRUE;
          attach_stop_deadline (attach);
          g_queue_clear_full (&attach->paths, g_free);
          g_task_return_new_error (task, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED,
                                   "Cannot introspect %s on %s: %s", path,
                                   self->bus_name != NULL ? self->bus_name : "the peer", message);
          return;
        }
      g_debug ("Child %s skipped: %s", path, (*error)->message);
    }
  else
    {
      serve_node (self, task, path, node);
      if (self->recursive)
        queue_children (self, attach, path, node);
    }

  introspect_more (task);
}

/* Breadth-first, NORTH_MCP_DBUS_MAX_INTROSPECTIONS at a time: an object
 * that does not answer holds up one call, not the others. */
static void
introspect_more (GTask *task)
{
  Attach *attach = g_task_get_task_data (task);

  /* Past the deadline (or cancelled), children of late answers are not
   * introspected either. */
  if (g_cancellable_is_cancelled (attach->cancellable))
    g_queue_clear_full (&attach->paths, g_free);
  while (!attach->returned && attach->introspecting < NORTH_MCP_DBUS_MAX_INTROSPECTIONS &&
         !g_queue_is_empty (&attach->paths))
    {
      g_autofree char *path = g_queue_pop_head (&attach->paths);

      attach->introspecting++;
      attach_call (task, path, "org.freedesktop.DBus.Introspectable", "Introspect", G_VARIANT_TYPE ("(s)"),
                   introspected);
    }
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
 * its children, at most 256 objects, 16 at a time) and adds a tool for each
 * method and a resource for each readable property that the interface list
 * and the allow and deny lists let through. Methods and properties whose
 * types hold file descriptors (`h`) are not served. At most 1024 tools are
 * added, methods and actions together, and 1024 resources; no tool whose
 * description and input schema take more than 16 KiB (serialized), and at
 * most 4 MiB for all.
 *
 * Each call waits at most [property@NorthMcp.DBusBridge:introspection-timeout];
 * children that do not answer in time are skipped, and after 6 times that
 * the attachment stops introspecting and returns with what answered.
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
  self->remote = north_mcp_desktop_remote_new (self->connection, self->bus_name, NORTH_MCP_DBUS_MAX_CALLS,
                                               NORTH_MCP_DBUS_MAX_CALLS_SIZE, NORTH_MCP_DBUS_CALL_TIMEOUT);
  self->updates = north_mcp_desktop_batch_new (north_mcp_dbus_bridge_property_updated, self);
  key = g_strdup_printf ("north-mcp-dbus-bridge-%p", (void *) self);
  g_object_set_data_full (G_OBJECT (server), key, g_object_ref (self), g_object_unref);

  self->properties_changed =
    g_dbus_connection_signal_subscribe (self->connection, self->bus_name, NORTH_MCP_DBUS_PROPERTIES_INTERFACE,
                                        "PropertiesChanged",
                                        self->recursive ? NULL : self->object_path,
                                        NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                        north_mcp_dbus_bridge_properties_changed, self, NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, north_mcp_dbus_bridge_attach_async);
  attach = g_new0 (Attach, 1);
  attach->server = g_object_ref (server);
  attach->cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    {
      attach->task_cancellable = g_object_ref (cancellable);
      attach->cancelled_handler = g_cancellable_connect (cancellable, G_CALLBACK (task_cancelled),
                                                         g_object_ref (attach->cancellable),
                                                         g_object_unref);
    }
  g_queue_init (&attach->paths);
  g_queue_push_tail (&attach->paths, g_strdup (self->object_path));
  attach->queued = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_hash_table_add (attach->queued, g_strdup (self->object_path));
  attach->n_objects = 1;
  g_task_set_task_data (task, attach, attach_free);

  attach->deadline = g_timeout_source_new (NORTH_MCP_DBUS_ATTACH_TIMEOUTS * self->introspection_timeout);
  g_task_attach_source (task, attach->deadline, attach_deadline_passed);
  introspect_more (task);
  finish_if_done (task);        /* cancelled already */
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
 * north_mcp_dbus_bridge_get_introspection_timeout:
 * @self: a bridge
 *
 * Gets how long attaching waits for each answer of the service.
 *
 * Returns: the timeout in milliseconds
 *
 * Since: 0.2
 */
guint
north_mcp_dbus_bridge_get_introspection_timeout (NorthMcpDBusBridge *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_DBUS_BRIDGE (self), 0);
  return self->introspection_timeout;
}

/**
 * north_mcp_dbus_bridge_set_introspection_timeout:
 * @self: a bridge
 * @timeout_ms: the timeout in milliseconds, from 1 to 3600000
 *
 * Sets how long [method@NorthMcp.DBusBridge.attach_async] waits for each
 * answer of the service (5000 ms by default, where GDBus would wait 25 s).
 * An object that does not answer in time is skipped, and attaching as a
 * whole stops after 6 times this, serving what answered by then. Set it
 * before attaching.
 *
 * Since: 0.2
 */
void
north_mcp_dbus_bridge_set_introspection_timeout (NorthMcpDBusBridge *self,
                                                 guint               timeout_ms)
{
  g_return_if_fail (NORTH_MCP_IS_DBUS_BRIDGE (self));
  g_return_if_fail (timeout_ms >= 1 && timeout_ms <= NORTH_MCP_DBUS_MAX_INTROSPECTION_TIMEOUT);
  g_return_if_fail (!self->attached);

  if (self->introspection_timeout == timeout_ms)
    return;
  self->introspection_timeout = timeout_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INTROSPECTION_TIMEOUT]);
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
  g_clear_pointer (&self->updates, north_mcp_desktop_batch_free);

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
  north_mcp_tool_budget_unref (self->tools);
  g_clear_pointer (&self->remote, north_mcp_desktop_remote_unref);

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
    case PROP_INTROSPECTION_TIMEOUT:
      g_value_set_uint (value, self->introspection_timeout);
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
    case PROP_INTROSPECTION_TIMEOUT:
      north_mcp_dbus_bridge_set_introspection_timeout (self, g_value_get_uint (value));
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

  /**
   * NorthMcpDBusBridge:introspection-timeout:
   *
   * How long attaching waits for each answer of the service, in
   * milliseconds; attaching as a whole stops after 6 times this.
   *
   * Since: 0.2
   */
  properties[PROP_INTROSPECTION_TIMEOUT] =
    g_param_spec_uint ("introspection-timeout", NULL, NULL, 1, NORTH_MCP_DBUS_MAX_INTROSPECTION_TIMEOUT,
                       NORTH_MCP_DBUS_INTROSPECTION_TIMEOUT,
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
  self->introspection_timeout = NORTH_MCP_DBUS_INTROSPECTION_TIMEOUT;
  self->taken = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->properties = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->tools = north_mcp_tool_budget_new (NORTH_MCP_DBUS_MAX_TOOLS, NORTH_MCP_DBUS_MAX_TOOL_SIZE,
                                           NORTH_MCP_DBUS_MAX_TOOLS_SIZE);
}
