/* north-mcp-task-held.c: what the runners of tasks keep, counted until
 * their handlers really return
 *
 * A cancelled task (tasks/cancel, an expiry) stops its runner at once, but
 * its handler may ignore the cancellation and run on: the runner then
 * lingers, and what it keeps (its request, the answers it collected)
 * counts against NORTH_MCP_TASK_MAX_HELD_BYTES and its owner's share until
 * the handler returns. Otherwise a client could start and cancel tasks
 * whose handlers run on, as many as it likes, all counted nowhere.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-task-impl-private.h"

gsize
north_mcp_tasks_owner_held (Tasks      *tasks,
                            const char *owner)
{
  return GPOINTER_TO_SIZE (g_hash_table_lookup (tasks->held_by, owner));
}

void
north_mcp_tasks_count_held (Tasks    *tasks,
                            Runner   *runner,
                            gsize     size,
                            gboolean  add)
{
  gsize owner = north_mcp_tasks_owner_held (tasks, runner->owner);

  owner = add ? owner + size : owner - MIN (size, owner);
  tasks->held = add ? tasks->held + size : tasks->held - size;
  runner->held = add ? runner->held + size : runner->held - size;
  if (owner == 0)
    g_hash_table_remove (tasks->held_by, runner->owner);
  else
    g_hash_table_replace (tasks->held_by, g_strdup (runner->owner), GSIZE_TO_POINTER (owner));
}

/* The runner stops: its handler's later answers are ignored. Breaks the
 * cycle runner → context → channel → runner. */
void
north_mcp_task_runner_drop (Runner *runner)
{
  Tasks *tasks = runner->tasks;
  g_autoptr(NorthMcpContext) context = g_steal_pointer (&runner->context);

  if (tasks == NULL)
    return;
  runner->tasks = NULL;
  if (context != NULL && !north_mcp_context_is_completed (context))
    {
      /* Its round's channel tells when the handler returns (answered, or
       * its context dropped): north_mcp_task_runner_linger_end(). */
      if (tasks->lingering == NULL)
        tasks->lingering = g_hash_table_new_full (NULL, NULL, (GDestroyNotify) north_mcp_task_runner_unref,
                                                  NULL);
      runner->lingering = tasks;
      g_hash_table_add (tasks->lingering, north_mcp_task_runner_ref (runner));
    }
  else
    north_mcp_tasks_count_held (tasks, runner, runner->held, FALSE);
  if (context != NULL)
    g_cancellable_cancel (north_mcp_context_get_cancellable (context));
  g_hash_table_remove (tasks->runners, runner->task_id);
}

void
north_mcp_task_runner_linger_end (Runner *runner)
{
  Tasks *tasks = g_steal_pointer (&runner->lingering);

  if (tasks == NULL)
    return;
  north_mcp_tasks_count_held (tasks, runner, runner->held, FALSE);
  /* Last: it may hold the last reference. */
  g_hash_table_remove (tasks->lingering, runner);
}

void
north_mcp_tasks_forget_lingering (Tasks *tasks)
{
  GHashTableIter iter;
  Runner *runner;

  if (tasks->lingering == NULL)
    return;
  g_hash_table_iter_init (&iter, tasks->lingering);
  while (g_hash_table_iter_next (&iter, (gpointer *) &runner, NULL))
    runner->lingering = NULL;
  g_clear_pointer (&tasks->lingering, g_hash_table_unref);
}
