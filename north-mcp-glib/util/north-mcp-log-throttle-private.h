/* north-mcp-log-throttle-private.h: one line per kind a minute at most
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* How often one kind of line is written at most: a minute. */
#define NORTH_MCP_LOG_THROTTLE_INTERVAL_US (60 * G_USEC_PER_SEC)

/* Where one kind of warning was last written: a static of its own, zero
 * to start with. What remote peers can cause at will (a malformed header,
 * a record from another replica, a store that cannot be reached) would
 * otherwise write a line per request: disk and CPU spent for the sender,
 * and real warnings buried. Debug lines are not throttled: the operator
 * asked for each. */
typedef struct
{
  gint64 last_us;
  guint  unlogged;
} NorthMcpLogThrottle;

/* TRUE when a line may be written now: the first one, then one an interval
 * (NORTH_MCP_LOG_THROTTLE_INTERVAL_US) at most; then *@skipped holds how
 * many were not since the one before (north_mcp_log_throttle_more() words
 * it). Any thread. */
gboolean north_mcp_log_throttle_pass (NorthMcpLogThrottle *self,
                                      guint               *skipped);

/* " (N more since the last line)" for @skipped > 0, else "": the end of a
 * line that north_mcp_log_throttle_pass() let through. */
char    *north_mcp_log_throttle_more (guint                skipped);

/* g_log() of a line that remote peers can cause at will, at @level in the
 * caller's G_LOG_DOMAIN: each call site is one kind, written the first
 * time, then once an interval at most, ending with how many were left out.
 * g_test_expect_message() patterns that end in `*` still match it. */
#define NORTH_MCP_LOG_THROTTLED(level, format, ...) \
  G_STMT_START { \
    static NorthMcpLogThrottle throttle_; \
    guint skipped_; \
    if (north_mcp_log_throttle_pass (&throttle_, &skipped_)) \
      { \
        g_autofree char *more_ = north_mcp_log_throttle_more (skipped_); \
        g_log (G_LOG_DOMAIN, (level), format "%s", ##__VA_ARGS__, more_); \
      } \
  } G_STMT_END

/* Tests only: the interval of every throttle of the process (a negative
 * value restores the default). The environment variable
 * NORTH_MCP_LOG_INTERVAL_MS, read once, does the same for test servers run
 * as programs. */
void     north_mcp_log_throttle_set_interval (gint64 interval_us);

G_END_DECLS
