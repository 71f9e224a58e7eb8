/* north-mcp-log-throttle.c: one line per kind a minute at most
 *
 * SPDX-License-Identifier: MIT
 */
#include "north-mcp-log-throttle-private.h"

G_LOCK_DEFINE_STATIC (throttles);
static gint64 interval_us = -1; /* under the lock; -1: not read yet */

static gint64
default_interval (void)
{
  const char *env = g_getenv ("NORTH_MCP_LOG_INTERVAL_MS");
  guint64 ms;

  if (env != NULL && g_ascii_string_to_unsigned (env, 10, 0, G_MAXINT32, &ms, NULL))
    return (gint64) ms * 1000;
  return NORTH_MCP_LOG_THROTTLE_INTERVAL_US;
}

void
north_mcp_log_throttle_set_interval (gint64 interval)
{
  G_LOCK (throttles);
  interval_us = interval >= 0 ? interval : NORTH_MCP_LOG_THROTTLE_INTERVAL_US;
  G_UNLOCK (throttles);
}

gboolean
north_mcp_log_throttle_pass (NorthMcpLogThrottle *self,
                             guint               *skipped)
{
  gint64 now = g_get_monotonic_time ();
  gboolean pass;

  G_LOCK (throttles);
  if (interval_us < 0)
    interval_us = default_interval ();
  pass = self->last_us == 0 || now - self->last_us >= interval_us;
  if (pass)
    {
      self->last_us = now;
      *skipped = self->unlogged;
      self->unlogged = 0;
    }
  else if (self->unlogged < G_MAXUINT)
    self->unlogged++;
  G_UNLOCK (throttles);
  return pass;
}

char *
north_mcp_log_throttle_more (guint skipped)
{
  if (skipped == 0)
    return g_strdup ("");
  return g_strdup_printf (" (%u more since the last line)", skipped);
}
