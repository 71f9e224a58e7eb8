/* north-mcp-desktop-private.h: what action groups and the D-Bus bridge share
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <json-glib/json-glib.h>

#include "north-mcp-types.h"

G_BEGIN_DECLS

/* Tool names stay within MCP's guidance: 1 to 64 characters of
 * A-Z a-z 0-9 _ . - (the library warns beyond). */
#define NORTH_MCP_TOOL_NAME_MAX 64

/* A tool name for @candidate that is not in @taken (a set of names) nor a
 * tool of @server (nullable): another tool of that name would be
 * replaced. Adds it to @taken. Characters outside the allowed set become `_`. A name that
 * is too long or already taken is cut and given `-` and 8 hexadecimal
 * digits of a hash of @key (the unmapped identity, e.g. "path iface.Method";
 * of @key and a number when that name is taken too), so that the same
 * thing gets the same name in every run. */
char *north_mcp_desktop_tool_name (const char     *candidate,
                                   const char     *key,
                                   GHashTable     *taken,
                                   NorthMcpServer *server);

/* @node as compact JSON text. */
char *north_mcp_desktop_json_text (JsonNode   *node);

/* A number of tools that several owners share (the D-Bus bridge's methods
 * and the action groups it serves), so that their sum stays bounded, and
 * the bytes their descriptions and input schemas take in tools/list (and,
 * some times over, in memory): at most @max_tool_bytes for one tool and
 * @max_bytes for all. Reference counted; main context only. */
typedef struct _NorthMcpToolBudget NorthMcpToolBudget;

NorthMcpToolBudget *north_mcp_tool_budget_new        (guint               max,
                                                      gsize               max_tool_bytes,
                                                      gsize               max_bytes);
NorthMcpToolBudget *north_mcp_tool_budget_ref        (NorthMcpToolBudget *budget);
void                north_mcp_tool_budget_unref      (NorthMcpToolBudget *budget);
/* Takes one tool from @budget: FALSE when none is left. */
gboolean            north_mcp_tool_budget_take       (NorthMcpToolBudget *budget);
/* Takes the bytes of one tool's @description and @schema from @budget:
 * FALSE, saying why with g_debug() (naming the tool by @what), when the
 * tool alone takes more than the budget allows one tool, or the budget
 * has not that much left. *@taken is what to give back when the tool
 * goes. */
gboolean            north_mcp_tool_budget_take_bytes (NorthMcpToolBudget *budget,
                                                      const char         *what,
                                                      const char         *description,
                                                      JsonObject         *schema,
                                                      gsize              *taken);
void                north_mcp_tool_budget_give_bytes (NorthMcpToolBudget *budget,
                                                      gsize               taken);

/* Runs @func on the thread-default main context once the sources ready
 * with it (GDBus's signals, at G_PRIORITY_DEFAULT) have run: the source,
 * attached. */
GSource *north_mcp_desktop_idle_add (GSourceFunc    func,
                                     gpointer       data,
                                     GDestroyNotify destroy);

/* Names (of resources to update, of actions to follow) that a remote
 * application's signals call for, handed to @func once each from an idle
 * of the main context they are added on: one signal may list a property,
 * or change an action, thousands of times, and a flood of signals arrives
 * between two iterations; each update or change of the tools is a
 * fan-out to every session. Holds each name once. Main context only. */
typedef struct _NorthMcpDesktopBatch NorthMcpDesktopBatch;
typedef void (*NorthMcpDesktopBatchFunc) (const char *name,
                                          gpointer    user_data);

NorthMcpDesktopBatch *north_mcp_desktop_batch_new  (NorthMcpDesktopBatchFunc  func,
                                                    gpointer                  user_data);
void                  north_mcp_desktop_batch_add  (NorthMcpDesktopBatch     *batch,
                                                    const char               *name);
/* Drops the names not handed on yet. */
void                  north_mcp_desktop_batch_free (NorthMcpDesktopBatch     *batch);

G_END_DECLS

#include "north-mcp-tool.h"

G_BEGIN_DECLS

/* A tool whose `call` runs @func. The tools of action groups and of the
 * D-Bus bridge are of this type rather than plain NorthMcpTools with
 * north_mcp_tool_set_async_func(): PyGObject 3.42 can install a Python
 * subclass's do_call() into NorthMcpTool's own class structure (seen with
 * the override's FunctionTool), and a class of our own keeps its `call`. */
#define NORTH_MCP_TYPE_DESKTOP_TOOL (north_mcp_desktop_tool_get_type ())
G_DECLARE_FINAL_TYPE (NorthMcpDesktopTool, north_mcp_desktop_tool, NORTH_MCP, DESKTOP_TOOL, NorthMcpTool)

NorthMcpTool *north_mcp_desktop_tool_new (const char            *name,
                                          const char            *description,
                                          NorthMcpToolAsyncFunc  func,
                                          gpointer               data,
                                          GDestroyNotify         destroy);

G_END_DECLS

#include <gio/gio.h>
#include "north-mcp-desktop-remote-private.h"
#include "north-mcp-types.h"

G_BEGIN_DECLS

/* north_mcp_server_add_action_group(), with each action the group
 * announces taking a tool from @budget (kept by the binding); an action
 * that finds it spent is ignored. @taken (nullable, kept by the binding)
 * is the set of tool names given by the owner of @budget too, so that an
 * action's tool cannot take (and replace) a name given before, such as a
 * method's; with it, the binding is that owner's, apart from a group the
 * application added with the same @prefix (which it does not replace). */
void north_mcp_desktop_add_action_group (NorthMcpServer     *self,
                                         GActionGroup       *group,
                                         const char         *prefix,
                                         NorthMcpToolBudget *budget,
                                         GHashTable         *taken);
/* The same for the actions of @remote's object at @object_path (@group
 * is the GDBusActionGroup following them): activations go through
 * @remote. A GDBusActionGroup without @remote is refused (a critical):
 * GIO's own activations would not be bounded. */
void north_mcp_desktop_add_remote_action_group (NorthMcpServer        *self,
                                                GActionGroup          *group,
                                                const char            *prefix,
                                                NorthMcpToolBudget    *budget,
                                                GHashTable            *taken,
                                                NorthMcpDesktopRemote *remote,
                                                const char            *object_path);

G_END_DECLS
