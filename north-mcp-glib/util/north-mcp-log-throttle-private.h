/* north-mcp-log-throttle-private.h: one warning line a second at most
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Where one kind of warning was last written: a static of its own, zero
 * to start with. What attackers can cause often (a store that cannot be
 * reached, a record this process cannot take) would otherwise fill the
 * log. */
typedef struct
{
  gint64 last_us;
  guint  unlogged;
} NorthMcpLogThrottle;

/* TRUE when a line may be written now (none was in the last second); then
 * *@skipped holds how many were not since the one before. Any thread. */
gboolean north_mcp_log_throttle_pass (NorthMcpLogThrottle *self,
                                      guint               *skipped);

G_END_DECLS
