/* desktop-test.h: what the desktop tests in C share
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib.h>

static inline gboolean
desktop_test_set_flag (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the main context until @done says so, at most about 20 s (far
 * more than what is awaited needs; far less than GDBus's default timeout
 * of 25 s, which the D-Bus bridge must not wait for). */
#define ITERATE_UNTIL(done) G_STMT_START { \
    gboolean timed_out_ = FALSE; \
    guint timer_ = g_timeout_add_seconds (20, desktop_test_set_flag, &timed_out_); \
    while (!(done) && !timed_out_) \
      g_main_context_iteration (NULL, TRUE); \
    if (timed_out_) \
      g_error ("timed out waiting for %s", #done); \
    g_source_remove (timer_); \
  } G_STMT_END
