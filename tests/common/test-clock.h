/* test-clock.h: a wall clock that a test can step, as NTP or an operator
 * may on a server that runs for months
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* From now on g_get_real_time() (and so every wall-clock time of the
 * process: GDateTime, the library's) is @step_us off the real one; 0 puts
 * it back. Monotonic time is left as it is. */
void test_clock_step (gint64 step_us);

G_END_DECLS
