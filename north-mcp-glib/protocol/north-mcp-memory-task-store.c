/* north-mcp-memory-task-store.c: the default task store, in this process's memory
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-error.h"
#include "north-mcp-task-store-private.h"
#include "north-mcp-util-private.h"

#define NORTH_MCP_TYPE_MEMORY_TASK_STORE (north_mcp_memory_task_store_get_type ())

G_DECLARE_FINAL_TYPE (NorthMcpMemoryTaskStore, north_mcp_memory_task_store,
                      NORTH_MCP, MEMORY_TASK_STORE, GObject)

typedef struct
{
  char       *owner;
  JsonObject *record;
  gint64      expires_at;
  gsize       bytes;      /* of the record as JSON */
} Entry;

/* What an owner's records take. */
typedef struct
{
  guint       count;
  gsize       bytes;
} Usage;

struct _NorthMcpMemoryTaskStore
{
  GObject     parent_instance;

  GHashTable *entries;   /* taskId → Entry */
  GHashTable *per_owner; /* owner → Usage of its live records */
  guint       max_per_owner;
  guint       max_total;
  gsize       max_bytes;
  gsize       max_bytes_per_owner;
  gsize       bytes;     /* of all records */
  /* No record expires before this (a lower bound; G_MAXINT64: none
   * stored): a store at its limits is not walked again until one may
   * have expired. */
  gint64      next_expiry;
};

static void north_mcp_memory_task_store_iface_init (NorthMcpTaskStoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (NorthMcpMemoryTaskStore, north_mcp_memory_task_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (NORTH_MCP_TYPE_TASK_STORE,
                                                      north_mcp_memory_task_store_iface_init))

static void
entry_free (Entry *entry)
{
  g_free (entry->owner);
  json_object_unref (entry->record);
  g_free (entry);
}

static gsize
record_bytes (JsonObject *record)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), record);
  g_autofree char *text = json_to_string (node, FALSE);

  return strlen (text);
}

/* Whether replacing @old_bytes of @owner's by @new_bytes stays within the
 * budgets, the owner's and the one in all (one user must not take the
 * room of all); the end of a task (@ends) needs no room but for the
 * slack. */
static gboolean
fits (NorthMcpMemoryTaskStore  *self,
      const char               *owner,
      gsize                     old_bytes,
      gsize                     new_bytes,
      gboolean                  ends,
      GError                  **error)
{
  Usage *usage = g_hash_table_lookup (self->per_owner, owner);
  gsize owner_bytes = usage != NULL ? usage->bytes : 0;

  if (new_bytes <= old_bytes || (ends && new_bytes - old_bytes <= NORTH_MCP_TASK_STORE_END_SLACK))
    return TRUE;
  if (owner_bytes - old_bytes + new_bytes > self->max_bytes_per_owner)
    {
      g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED,
                   "Too much task data for this user (at most %" G_GSIZE_FORMAT " bytes); wait for some "
                   "tasks to expire", self->max_bytes_per_owner);
      return FALSE;
    }
  if (self->bytes - old_bytes + new_bytes <= self->max_bytes)
    return TRUE;

  g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED,
               "The server's task storage is full (%" G_GSIZE_FORMAT " bytes); try again later",
               self->max_bytes);
  return FALSE;
}

static gint64
record_expiry (JsonObject *record)
{
  /* Monotonic: a step of the wall clock (NTP, an operator) must not
   * expire every task at once, nor keep them for hours. The ttl is
   * bounded (7 days): no overflow. */
  return g_get_monotonic_time () + (gint64) north_mcp_task_record_ttl_ms (record) * 1000;
}

/* @owner has @delta more records, whose bytes went from @old_bytes to
 * @new_bytes (the owner's and the store's counts). */
static void
count_owner (NorthMcpMemoryTaskStore *self,
             const char              *owner,
             int                      delta,
             gsize                    old_bytes,
             gsize                    new_bytes)
{
  Usage *usage = g_hash_table_lookup (self->per_owner, owner);

  if (usage == NULL)
    {
      usage = g_new0 (Usage, 1);
      g_hash_table_insert (self->per_owner, g_strdup (owner), usage);
    }
  usage->count += delta;
  usage->bytes = usage->bytes - old_bytes + new_bytes;
  self->bytes = self->bytes - old_bytes + new_bytes;
  if (usage->count == 0)
    g_hash_table_remove (self->per_owner, owner);
}

static guint
owner_count (NorthMcpMemoryTaskStore *self,
             const char              *owner)
{
  Usage *usage = g_hash_table_lookup (self->per_owner, owner);

  return usage != NULL ? usage->count : 0;
}

static gssize
expire (NorthMcpMemoryTaskStore *self,
        gint64                   now)
{
  GHashTableIter iter;
  Entry *entry;
  gssize dropped = 0;
  gint64 next = G_MAXINT64;

  if (now <= self->next_expiry)
    return 0;
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    if (entry->expires_at < now)
      {
        count_owner (self, entry->owner, -1, entry->bytes, 0);
        g_hash_table_iter_remove (&iter);
        dropped++;
      }
    else
      next = MIN (next, entry->expires_at);
  self->next_expiry = next;
  return dropped;
}

/* Whether @owner may have one more record: the limits on their number,
 * after dropping the expired ones if one may have expired. */
static gboolean
admit (NorthMcpMemoryTaskStore  *self,
       const char               *owner,
       GError                  **error)
{
  if (g_hash_table_size (self->entries) >= self->max_total || owner_count (self, owner) >= self->max_per_owner)
    expire (self, g_get_monotonic_time ());
  if (g_hash_table_size (self->entries) >= self->max_total)
    {
      g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED,
                   "Too many tasks on this server (at most %u); try again later", self->max_total);
      return FALSE;
    }
  if (owner_count (self, owner) >= self->max_per_owner)
    {
      g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED,
                   "Too many tasks for this user (at most %u); wait for some to end", self->max_per_owner);
      return FALSE;
    }
  return TRUE;
}

/* A task of another owner is no different from an unknown one. */
static Entry *
lookup (NorthMcpMemoryTaskStore  *self,
        const char               *owner,
        const char               *task_id,
        GError                  **error)
{
  Entry *entry = task_id != NULL ? g_hash_table_lookup (self->entries, task_id) : NULL;

  if (entry == NULL || !g_str_equal (entry->owner, owner) || entry->expires_at < g_get_monotonic_time ())
    {
      g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT, "Unknown task");
      return NULL;
    }
  return entry;
}

static gboolean
create (NorthMcpMemoryTaskStore  *self,
        const char               *owner,
        const char               *task_id,
        JsonObject               *record,
        GError                  **error)
{
  gsize bytes = record_bytes (record);
  Entry *entry;

  if (!admit (self, owner, error))
    return FALSE;
  if (task_id == NULL || g_hash_table_contains (self->entries, task_id))
    {
      g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT, "Bad or duplicate task id");
      return FALSE;
    }
  if (!fits (self, owner, 0, bytes, FALSE, error))
    return FALSE;

  entry = g_new0 (Entry, 1);
  entry->owner = g_strdup (owner);
  entry->record = json_object_ref (record);
  entry->expires_at = record_expiry (record);
  entry->bytes = bytes;
  self->next_expiry = MIN (self->next_expiry, entry->expires_at);
  g_hash_table_insert (self->entries, g_strdup (task_id), entry);
  count_owner (self, owner, 1, 0, bytes);
  return TRUE;
}

static JsonObject *copy_record (JsonObject *record);

static JsonNode *
copy_node (JsonNode *node)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      g_autoptr(JsonObject) object = copy_record (json_node_get_object (node));

      return json_node_init_object (json_node_alloc (), object);
    }
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      guint length = json_array_get_length (array);
      g_autoptr(JsonArray) copy = json_array_sized_new (length);

      for (guint i = 0; i < length; i++)
        json_array_add_element (copy, copy_node (json_array_get_element (array, i)));
      return json_node_init_array (json_node_alloc (), copy);
    }
  return json_node_copy (node);
}

/* A deep copy: json_node_copy() only takes a reference to an object, and
 * what the store keeps must not change with the caller's record (nor the
 * other way round). As deep as record_bytes() goes already. */
static JsonObject *
copy_record (JsonObject *record)
{
  JsonObject *copy = json_object_new ();
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  /* In the record's order: tasks/get shows it as it was written. */
  json_object_iter_init_ordered (&iter, record);
  while (json_object_iter_next_ordered (&iter, &name, &node))
    json_object_set_member (copy, name, copy_node (node));
  return copy;
}

/* @entry's record changed: now @bytes, and it lives its ttl from now. */
static void
entry_changed (NorthMcpMemoryTaskStore *self,
               Entry                   *entry,
               gsize                    bytes)
{
  count_owner (self, entry->owner, 0, entry->bytes, bytes);
  entry->bytes = bytes;
  entry->expires_at = record_expiry (entry->record);
  self->next_expiry = MIN (self->next_expiry, entry->expires_at);
}

static gboolean
update (NorthMcpMemoryTaskStore  *self,
        const char               *owner,
        const char               *task_id,
        JsonObject               *record,
        GError                  **error)
{
  gsize bytes = record_bytes (record);
  Entry *entry = lookup (self, owner, task_id, error);

  if (entry == NULL)
    return FALSE;
  if (north_mcp_task_status_is_terminal (north_mcp_object_get_string (entry->record, "status")))
    {
      g_set_error_literal (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_CLOSED, "The task has ended");
      return FALSE;
    }
  if (!fits (self, owner, entry->bytes, bytes,
             north_mcp_task_status_is_terminal (north_mcp_object_get_string (record, "status")), error))
    return FALSE;

  json_object_unref (entry->record);
  entry->record = copy_record (record);
  entry_changed (self, entry, bytes);
  return TRUE;
}

/* Cancelling a task that has ended already changes nothing and succeeds. */
static gboolean
cancel (NorthMcpMemoryTaskStore  *self,
        const char               *owner,
        const char               *task_id,
        GError                  **error)
{
  Entry *entry = lookup (self, owner, task_id, error);

  if (entry == NULL)
    return FALSE;
  if (!north_mcp_task_status_is_terminal (north_mcp_object_get_string (entry->record, "status")))
    {
      /* Never refused: it changes a few bytes (see fits()). */
      north_mcp_task_record_set_cancelled (entry->record);
      entry_changed (self, entry, record_bytes (entry->record));
    }
  return TRUE;
}

/* The store works in memory: every operation ends before run() returns;
 * only the interface is asynchronous. */
static void
memory_run (NorthMcpTaskStore              *store,
            const NorthMcpTaskStoreRequest *request,
            GTask                          *task)
{
  NorthMcpMemoryTaskStore *self = NORTH_MCP_MEMORY_TASK_STORE (store);
  g_autoptr(JsonObject) copy = NULL;
  GError *error = NULL;
  Entry *entry;
  gboolean ok = FALSE;

  switch (request->op)
    {
    case NORTH_MCP_TASK_STORE_OP_CREATE:
      copy = copy_record (request->record);
      ok = create (self, request->owner, request->task_id, copy, &error);
      break;
    case NORTH_MCP_TASK_STORE_OP_GET:
      entry = lookup (self, request->owner, request->task_id, &error);
      if (entry != NULL)
        {
          g_task_return_pointer (task, copy_record (entry->record), (GDestroyNotify) json_object_unref);
          return;
        }
      break;
    case NORTH_MCP_TASK_STORE_OP_UPDATE:
      ok = update (self, request->owner, request->task_id, request->record, &error);
      break;
    case NORTH_MCP_TASK_STORE_OP_CANCEL:
      ok = cancel (self, request->owner, request->task_id, &error);
      break;
    case NORTH_MCP_TASK_STORE_OP_EXPIRE:
      g_task_return_int (task, expire (self, request->now));
      return;
    case NORTH_MCP_TASK_STORE_OP_ADMIT:
      ok = admit (self, request->owner, &error);
      break;
    default:
      g_assert_not_reached ();
    }
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
north_mcp_memory_task_store_iface_init (NorthMcpTaskStoreInterface *iface)
{
  iface->run = memory_run;
}

static void
north_mcp_memory_task_store_finalize (GObject *object)
{
  NorthMcpMemoryTaskStore *self = NORTH_MCP_MEMORY_TASK_STORE (object);

  g_hash_table_unref (self->entries);
  g_hash_table_unref (self->per_owner);

  G_OBJECT_CLASS (north_mcp_memory_task_store_parent_class)->finalize (object);
}

static void
north_mcp_memory_task_store_class_init (NorthMcpMemoryTaskStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = north_mcp_memory_task_store_finalize;
}

static void
north_mcp_memory_task_store_init (NorthMcpMemoryTaskStore *self)
{
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) entry_free);
  self->per_owner = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->next_expiry = G_MAXINT64;
}

NorthMcpTaskStore *
north_mcp_memory_task_store_new (guint max_per_owner,
                                 guint max_total,
                                 gsize max_bytes_per_owner,
                                 gsize max_bytes)
{
  NorthMcpMemoryTaskStore *self = g_object_new (NORTH_MCP_TYPE_MEMORY_TASK_STORE, NULL);

  self->max_per_owner = max_per_owner;
  self->max_total = max_total;
  self->max_bytes = max_bytes;
  self->max_bytes_per_owner = max_bytes_per_owner;
  return NORTH_MCP_TASK_STORE (self);
}
