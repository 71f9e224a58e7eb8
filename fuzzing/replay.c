/* replay.c: runs a fuzz target on files, without libFuzzer
 *
 * Usage: replay-<target> FILE-OR-DIRECTORY...
 * Each file is one input. Fails when no input was found, so that a missing
 * corpus does not pass silently. Crashes and aborts fail the test as they
 * would fail the fuzzer.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>

#include <glib.h>

#include "fuzz-common.h"

static guint n_inputs;

static void
replay_file (const char *path)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;

  if (!g_file_get_contents (path, &contents, &length, &error))
    {
      fprintf (stderr, "replay: %s\n", error->message);
      exit (1);
    }
  LLVMFuzzerTestOneInput ((const uint8_t *) contents, length);
  n_inputs++;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

static void
replay_path (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = NULL;
  const char *name;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      replay_file (path);
      return;
    }

  dir = g_dir_open (path, 0, NULL);
  if (dir == NULL)
    return;
  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_build_filename (path, name, NULL));
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    replay_path (g_ptr_array_index (names, i));
}

int
main (int    argc,
      char **argv)
{
  for (int i = 1; i < argc; i++)
    replay_path (argv[i]);

  printf ("replayed %u inputs\n", n_inputs);
  return n_inputs > 0 ? 0 : 1;
}
