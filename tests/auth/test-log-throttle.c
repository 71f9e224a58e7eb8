/* test-log-throttle.c: lines remote peers can cause, one per kind an
 * interval at most, with the count of those left out
 *
 * SPDX-License-Identifier: MIT
 */
#include <glib.h>

#include "north-mcp-log-throttle-private.h"

/* An interval no test outlives: nothing passes on its own. */
#define FOREVER_US (G_MAXINT64 / 4)

static void
test_pass_counts_the_ones_left_out (void)
{
  NorthMcpLogThrottle throttle = { 0 };
  guint skipped = 99;

  north_mcp_log_throttle_set_interval (FOREVER_US);
  g_assert_true (north_mcp_log_throttle_pass (&throttle, &skipped));
  g_assert_cmpuint (skipped, ==, 0);
  for (guint i = 0; i < 1000; i++)
    g_assert_false (north_mcp_log_throttle_pass (&throttle, &skipped));

  /* The interval is over: the next line, with the 1000 it left out. */
  north_mcp_log_throttle_set_interval (0);
  g_assert_true (north_mcp_log_throttle_pass (&throttle, &skipped));
  g_assert_cmpuint (skipped, ==, 1000);
  g_assert_true (north_mcp_log_throttle_pass (&throttle, &skipped));
  g_assert_cmpuint (skipped, ==, 0);
  north_mcp_log_throttle_set_interval (-1);
}

static void
test_more (void)
{
  g_autofree char *none = north_mcp_log_throttle_more (0);
  g_autofree char *some = north_mcp_log_throttle_more (7);

  g_assert_cmpstr (none, ==, "");
  g_assert_cmpstr (some, ==, " (7 more since the last line)");
}

static void
warn_once (guint i)
{
  NORTH_MCP_LOG_THROTTLED (G_LOG_LEVEL_WARNING, "Hostile request number %u", i);
}

static void
test_macro_writes_a_bounded_number_of_lines (void)
{
  /* Any line not expected here fails the test. */
  g_test_expect_message (G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, "Hostile request number 0");
  g_test_expect_message (G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
                         "Hostile request number 1000 (999 more since the last line)");
  north_mcp_log_throttle_set_interval (FOREVER_US);
  for (guint i = 0; i < 1000; i++)
    warn_once (i);
  north_mcp_log_throttle_set_interval (0);
  warn_once (1000);
  north_mcp_log_throttle_set_interval (-1);
  g_test_assert_expected_messages ();
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/log-throttle/pass", test_pass_counts_the_ones_left_out);
  g_test_add_func ("/log-throttle/more", test_more);
  g_test_add_func ("/log-throttle/macro", test_macro_writes_a_bounded_number_of_lines);
  return g_test_run ();
}
