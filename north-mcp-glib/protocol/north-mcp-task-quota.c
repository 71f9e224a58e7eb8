/* north-mcp-task-quota.c: how many task records one server may have
 * created, per owner and in all, until they expire
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-error.h"
#include "north-mcp-task-quota-private.h"

/* One record counted: until when, and which (renewals find it). */
typedef struct
{
  gint64  expires_at;
  char   *task_id;
} Counted;

struct _NorthMcpTaskQuota
{
  GHashTable *per_owner;  /* owner → GArray of Counted */
  guint       total;
  gint64      earliest;   /* no record counted expires before (a lower bound) */
  guint       max_per_owner;
  guint       max_total;
};

static void
counted_array_free (GArray *times)
{
  for (guint i = 0; i < times->len; i++)
    g_free (g_array_index (times, Counted, i).task_id);
  g_array_unref (times);
}

NorthMcpTaskQuota *
north_mcp_task_quota_new (guint max_per_owner,
                          guint max_total)
{
  NorthMcpTaskQuota *self = g_new0 (NorthMcpTaskQuota, 1);

  self->per_owner = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) counted_array_free);
  self->max_per_owner = max_per_owner;
  self->max_total = max_total;
  return self;
}

void
north_mcp_task_quota_free (NorthMcpTaskQuota *self)
{
  g_hash_table_unref (self->per_owner);
  g_free (self);
}

/* Drops the expiry times of @times before @now: O(max_per_owner). */
static void
drop_expired (NorthMcpTaskQuota *self,
              GArray            *times,
              gint64             now)
{
  guint kept = 0;

  for (guint i = 0; i < times->len; i++)
    {
      Counted counted = g_array_index (times, Counted, i);

      if (counted.expires_at > now)
        g_array_index (times, Counted, kept++) = counted;
      else
        g_free (counted.task_id);
    }
  self->total -= times->len - kept;
  g_array_set_size (times, kept);
}

/* Every owner's, at the total limit only, and only once something may
 * have expired: O(max_total) at most once per expiry, not per refusal. */
static void
drop_all_expired (NorthMcpTaskQuota *self,
                  gint64             now)
{
  GHashTableIter iter;
  GArray *times;

  if (now < self->earliest)
    return;
  self->earliest = G_MAXINT64;
  g_hash_table_iter_init (&iter, self->per_owner);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &times))
    {
      drop_expired (self, times, now);
      if (times->len == 0)
        {
          g_hash_table_iter_remove (&iter);
          continue;
        }
      for (guint i = 0; i < times->len; i++)
        self->earliest = MIN (self->earliest, g_array_index (times, Counted, i).expires_at);
    }
}

gboolean
north_mcp_task_quota_take (NorthMcpTaskQuota  *self,
                           const char         *owner,
                           const char         *task_id,
                           gint64              expires_at,
                           GError            **error)
{
  gint64 now = g_get_real_time ();
  Counted counted = { expires_at, NULL };
  GArray *times;

  if (self->total >= self->max_total)
    drop_all_expired (self, now);
  if (self->total >= self->max_total)
    {
      g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED,
                   "Too many tasks on this server (at most %u); try again later", self->max_total);
      return FALSE;
    }

  times = g_hash_table_lookup (self->per_owner, owner);
  if (times == NULL)
    {
      times = g_array_new (FALSE, FALSE, sizeof (Counted));
      g_hash_table_insert (self->per_owner, g_strdup (owner), times);
    }
  if (times->len >= self->max_per_owner)
    drop_expired (self, times, now);
  if (times->len >= self->max_per_owner)
    {
      g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED,
                   "Too many tasks for this user (at most %u); wait for some to end", self->max_per_owner);
      return FALSE;
    }

  counted.task_id = g_strdup (task_id);
  g_array_append_val (times, counted);
  self->total++;
  /* Renewals only push expiries back: the bound stays a lower bound. */
  self->earliest = MIN (self->earliest, expires_at);
  return TRUE;
}

/* The entry of @task_id among @owner's, or NULL. */
static Counted *
find (NorthMcpTaskQuota *self,
      const char        *owner,
      const char        *task_id,
      GArray           **times_out)
{
  GArray *times = g_hash_table_lookup (self->per_owner, owner);

  *times_out = times;
  for (guint i = 0; times != NULL && i < times->len; i++)
    if (g_strcmp0 (g_array_index (times, Counted, i).task_id, task_id) == 0)
      return &g_array_index (times, Counted, i);
  return NULL;
}

void
north_mcp_task_quota_renew (NorthMcpTaskQuota *self,
                            const char        *owner,
                            const char        *task_id,
                            gint64             expires_at)
{
  GArray *times;
  Counted *counted = find (self, owner, task_id, &times);

  if (counted != NULL)
    counted->expires_at = MAX (counted->expires_at, expires_at);
}

void
north_mcp_task_quota_give_back (NorthMcpTaskQuota *self,
                                const char        *owner,
                                const char        *task_id)
{
  GArray *times;
  Counted *counted = find (self, owner, task_id, &times);

  if (counted == NULL)
    return;
  g_free (counted->task_id);
  g_array_remove_index_fast (times, counted - (Counted *) (gpointer) times->data);
  self->total--;
  if (times->len == 0)
    g_hash_table_remove (self->per_owner, owner);
}
