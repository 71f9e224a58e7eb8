/* fuzz-common.h: what every fuzz target shares
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <glib.h>

/* The libFuzzer entry point; replay.c calls it too. */
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Splits the input at its first newline into two NUL-terminated strings
 * (the second empty when there is no newline). Free both with g_free(). */
static inline void
fuzz_split (const uint8_t  *data,
            size_t          size,
            char          **first,
            char          **second)
{
  const uint8_t *newline = memchr (data, '\n', size);

  if (newline == NULL)
    {
      *first = g_strndup ((const char *) data, size);
      *second = g_strdup ("");
      return;
    }

  *first = g_strndup ((const char *) data, newline - data);
  *second = g_strndup ((const char *) newline + 1, size - (newline - data) - 1);
}

/* Makes criticals fatal: a g_return_if_fail() that trips means a bug. */
static inline void
fuzz_init (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
      g_once_init_leave (&done, 1);
    }
}
