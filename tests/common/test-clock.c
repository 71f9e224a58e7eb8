/* test-clock.c: a wall clock that a test can step
 *
 * GLib's g_get_real_time() asks gettimeofday(), which this file defines
 * over the C library's (a program's own definition comes first for every
 * library it loads); only programs that call test_clock_step() link it.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/time.h>
#include <time.h>

#include "test-clock.h"

static gint64 clock_step_us;

void
test_clock_step (gint64 step_us)
{
  clock_step_us = step_us;
}

int
gettimeofday (struct timeval *tv,
              void           *tz)
{
  struct timespec now;
  gint64 us;

  clock_gettime (CLOCK_REALTIME, &now);
  us = (gint64) now.tv_sec * G_USEC_PER_SEC + now.tv_nsec / 1000 + clock_step_us;
  tv->tv_sec = us / G_USEC_PER_SEC;
  tv->tv_usec = us % G_USEC_PER_SEC;
  return 0;
}
