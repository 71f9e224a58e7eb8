/* north-mcp-desktop.c: what action groups and the D-Bus bridge share
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-desktop-private.h"
#include "north-mcp-json-writer-private.h"
#include "north-mcp-server.h"

static char *
sanitize (const char *candidate)
{
  char *name = g_strdup (candidate != NULL && *candidate != '\0' ? candidate : "tool");

  for (char *p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '.' && *p != '-')
      *p = '_';
  return name;
}

/* Whether @name may be given: not given before, and (a tool of the
 * application, or of another owner) not on @server. */
static gboolean
is_free (const char     *name,
         GHashTable     *taken,
         NorthMcpServer *server)
{
  return !g_hash_table_contains (taken, name) &&
         (server == NULL || north_mcp_server_lookup_tool (server, name) == NULL);
}

char *
north_mcp_desktop_tool_name (const char     *candidate,
                             const char     *key,
                             GHashTable     *taken,
                             NorthMcpServer *server)
{
  g_autofree char *name = sanitize (candidate);
  g_autofree char *cut = NULL;

  if (strlen (name) <= NORTH_MCP_TOOL_NAME_MAX && is_free (name, taken, server))
    {
      g_hash_table_add (taken, g_strdup (name));
      return g_steal_pointer (&name);
    }

  /* A hash of the key, then of the key and a round, until a name is free.
   * Every round that fails meets a name of @taken (a remote application
   * names its actions, and can take in advance the names a chain of
   * rehashes would give, even one that cycles), so this ends within as
   * many rounds as @taken holds names, give or take a digest collision. */
  cut = g_strndup (name, NORTH_MCP_TOOL_NAME_MAX - 9);
  for (guint round = 0;; round++)
    {
      g_autofree char *salted = round == 0 ? g_strdup (key != NULL ? key : name)
                                           : g_strdup_printf ("%s\n%u", key != NULL ? key : name, round);
      g_autofree char *digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, salted, -1);
      g_autofree char *unique = g_strdup_printf ("%s-%.8s", cut, digest);

      if (is_free (unique, taken, server))
        {
          g_hash_table_add (taken, g_strdup (unique));
          return g_steal_pointer (&unique);
        }
    }
}

char *
north_mcp_desktop_json_text (JsonNode *node)
{
  GString *out = g_string_new (NULL);

  north_mcp_json_write (out, node);
  return g_string_free (out, FALSE);
}

/* Counted by GLib's atomic RcBox. */
struct _NorthMcpToolBudget
{
  guint           used;
  guint           max;
  gsize           used_bytes;
  gsize           max_tool_bytes;
  gsize           max_bytes;
};

NorthMcpToolBudget *
north_mcp_tool_budget_new (guint max,
                           gsize max_tool_bytes,
                           gsize max_bytes)
{
  NorthMcpToolBudget *budget = g_atomic_rc_box_new0 (NorthMcpToolBudget);

  budget->max = max;
  budget->max_tool_bytes = max_tool_bytes;
  budget->max_bytes = max_bytes;
  return budget;
}

NorthMcpToolBudget *
north_mcp_tool_budget_ref (NorthMcpToolBudget *budget)
{
  return g_atomic_rc_box_acquire (budget);
}

void
north_mcp_tool_budget_unref (NorthMcpToolBudget *budget)
{
  g_atomic_rc_box_release (budget);
}

gboolean
north_mcp_tool_budget_take (NorthMcpToolBudget *budget)
{
  if (budget->used >= budget->max)
    return FALSE;
  budget->used++;
  return TRUE;
}

gboolean
north_mcp_tool_budget_take_bytes (NorthMcpToolBudget *budget,
                                  const char         *what,
                                  const char         *description,
                                  JsonObject         *schema,
                                  gsize              *taken)
{
  g_autoptr(GString) text = g_string_new (NULL);
  gsize size;

  /* Measured as tools/list writes it: the schema serialized. */
  north_mcp_json_write_object (text, schema);
  size = text->len + (description != NULL ? strlen (description) : 0);
  *taken = 0;
  if (size > budget->max_tool_bytes)
    {
      g_debug ("%s not served: its description and input schema take %" G_GSIZE_FORMAT
               " bytes, more than %" G_GSIZE_FORMAT, what, size, budget->max_tool_bytes);
      return FALSE;
    }
  if (size > budget->max_bytes - budget->used_bytes)
    {
      g_debug ("%s not served: the tools' descriptions and input schemas would take more than %"
               G_GSIZE_FORMAT " bytes together", what, budget->max_bytes);
      return FALSE;
    }
  budget->used_bytes += size;
  *taken = size;
  return TRUE;
}

void
north_mcp_tool_budget_give_bytes (NorthMcpToolBudget *budget,
                                  gsize               taken)
{
  g_assert (taken <= budget->used_bytes);
  budget->used_bytes -= taken;
}

struct _NorthMcpDesktopTool
{
  NorthMcpTool parent_instance;

  NorthMcpToolAsyncFunc func;
  gpointer data;
  GDestroyNotify destroy;
};

G_DEFINE_FINAL_TYPE (NorthMcpDesktopTool, north_mcp_desktop_tool, NORTH_MCP_TYPE_TOOL)

static void
north_mcp_desktop_tool_call (NorthMcpTool    *tool,
                             NorthMcpContext *context,
                             JsonObject      *arguments)
{
  NorthMcpDesktopTool *self = NORTH_MCP_DESKTOP_TOOL (tool);

  self->func (tool, context, arguments, self->data);
}

static void
north_mcp_desktop_tool_finalize (GObject *object)
{
  NorthMcpDesktopTool *self = NORTH_MCP_DESKTOP_TOOL (object);

  if (self->destroy != NULL)
    self->destroy (self->data);

  G_OBJECT_CLASS (north_mcp_desktop_tool_parent_class)->finalize (object);
}

static void
north_mcp_desktop_tool_class_init (NorthMcpDesktopToolClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = north_mcp_desktop_tool_finalize;
  NORTH_MCP_TOOL_CLASS (klass)->call = north_mcp_desktop_tool_call;
}

static void
north_mcp_desktop_tool_init (NorthMcpDesktopTool *self)
{
}

NorthMcpTool *
north_mcp_desktop_tool_new (const char            *name,
                            const char            *description,
                            NorthMcpToolAsyncFunc  func,
                            gpointer               data,
                            GDestroyNotify         destroy)
{
  NorthMcpDesktopTool *self = g_object_new (NORTH_MCP_TYPE_DESKTOP_TOOL,
                                            "name", name,
                                            "description", description,
                                            NULL);

  self->func = func;
  self->data = data;
  self->destroy = destroy;
  return NORTH_MCP_TOOL (self);
}

/* --- batches -------------------------------------------------------------- */

GSource *
north_mcp_desktop_idle_add (GSourceFunc    func,
                            gpointer       data,
                            GDestroyNotify destroy)
{
  GSource *idle = g_idle_source_new ();

  g_source_set_priority (idle, G_PRIORITY_DEFAULT);
  g_source_set_callback (idle, func, data, destroy);
  g_source_attach (idle, g_main_context_get_thread_default ());
  return idle;
}

struct _NorthMcpDesktopBatch
{
  NorthMcpDesktopBatchFunc func;
  gpointer user_data;
  GHashTable *pending;  /* names */
  GSource *idle;        /* nullable: hands them on */
};

NorthMcpDesktopBatch *
north_mcp_desktop_batch_new (NorthMcpDesktopBatchFunc func,
                             gpointer                 user_data)
{
  NorthMcpDesktopBatch *batch = g_new0 (NorthMcpDesktopBatch, 1);

  batch->func = func;
  batch->user_data = user_data;
  batch->pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return batch;
}

static gboolean
batch_run (gpointer user_data)
{
  NorthMcpDesktopBatch *batch = user_data;
  g_autoptr(GHashTable) pending = g_steal_pointer (&batch->pending);
  GHashTableIter iter;
  gpointer name;

  /* @func may add more: they make the next batch. */
  batch->pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_clear_pointer (&batch->idle, g_source_unref);
  g_hash_table_iter_init (&iter, pending);
  while (g_hash_table_iter_next (&iter, &name, NULL))
    batch->func (name, batch->user_data);
  return G_SOURCE_REMOVE;
}

void
north_mcp_desktop_batch_add (NorthMcpDesktopBatch *batch,
                             const char           *name)
{
  g_hash_table_add (batch->pending, g_strdup (name));
  if (batch->idle == NULL)
    batch->idle = north_mcp_desktop_idle_add (batch_run, batch, NULL);
}

void
north_mcp_desktop_batch_free (NorthMcpDesktopBatch *batch)
{
  if (batch->idle != NULL)
    {
      g_source_destroy (batch->idle);
      g_source_unref (batch->idle);
    }
  g_hash_table_unref (batch->pending);
  g_free (batch);
}
