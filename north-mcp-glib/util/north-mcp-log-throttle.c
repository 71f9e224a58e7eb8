/* north-mcp-log-throttle.c: one warning line a second at most
 *
 * SPDX-License-Identifier: MIT
 */
#include "north-mcp-log-throttle-private.h"

G_LOCK_DEFINE_STATIC (throttles);

gboolean
north_mcp_log_throttle_pass (NorthMcpLogThrottle *self,
                             guint               *skipped)
{
  gint64 now = g_get_monotonic_time ();
  gboolean pass;

  G_LOCK (throttles);
  pass = self->last_us == 0 || now - self->last_us >= G_USEC_PER_SEC;
  if (pass)
    {
      self->last_us = now;
      *skipped = self->unlogged;
      self->unlogged = 0;
    }
  else
    self->unlogged++;
  G_UNLOCK (throttles);
  return pass;
}
