/* test-siphash.c: SipHash against published and independent outputs
 *
 * SPDX-License-Identifier: MIT
 */
#include <glib.h>

#include "north-mcp-siphash-private.h"

typedef struct
{
  gsize   length;
  guint64 hash;
} Vector;

/* Message i is the bytes 0, 1, ... i - 1 (mod 256). */
static guint8 *
message (gsize length)
{
  guint8 *data = g_malloc (length + 1);

  for (gsize i = 0; i < length; i++)
    data[i] = (guint8) i;
  return data;
}

/* The paper's vectors (key 00 01 ... 0f), as published in the reference
 * implementation's vectors.h, read as little-endian 64-bit numbers. */
static void
test_siphash_2_4 (void)
{
  static const Vector vectors[] = {
    { 0, G_GUINT64_CONSTANT (0x726fdb47dd0e0e31) },
    { 1, G_GUINT64_CONSTANT (0x74f839c593dc67fd) },
    { 2, G_GUINT64_CONSTANT (0x0d6c8009d9a94f5a) },
    { 3, G_GUINT64_CONSTANT (0x85676696d7fb7e2d) },
    { 4, G_GUINT64_CONSTANT (0xcf2794e0277187b7) },
    { 5, G_GUINT64_CONSTANT (0x18765564cd99a68d) },
    { 6, G_GUINT64_CONSTANT (0xcbc9466e58fee3ce) },
    { 7, G_GUINT64_CONSTANT (0xab0200f58b01d137) },
    { 8, G_GUINT64_CONSTANT (0x93f5f5799a932462) },
    { 9, G_GUINT64_CONSTANT (0x9e0082df0ba9e4b0) },
    { 15, G_GUINT64_CONSTANT (0xa129ca6149be45e5) },
  };
  g_autofree guint8 *key = message (NORTH_MCP_SIPHASH_KEY_LENGTH);

  for (gsize i = 0; i < G_N_ELEMENTS (vectors); i++)
    {
      g_autofree guint8 *data = message (vectors[i].length);

      g_assert_cmphex (north_mcp_siphash_2_4 (key, data, vectors[i].length), ==, vectors[i].hash);
    }
}

/* SipHash-1-3 has no published vectors; these are CPython 3.11's
 * hash(bytes) (siphash13) with PYTHONHASHSEED=0, an all-zero key, computed
 * by an implementation independent of ours. */
static void
test_siphash_1_3 (void)
{
  static const Vector vectors[] = {
    { 1, G_GUINT64_CONSTANT (0x68a914128e01e473) },
    { 2, G_GUINT64_CONSTANT (0x010bac45c41e3669) },
    { 3, G_GUINT64_CONSTANT (0x4d4c9a4a8ef6e0ad) },
    { 7, G_GUINT64_CONSTANT (0x2f098ab0c751325a) },
    { 8, G_GUINT64_CONSTANT (0xead411e67ebe2eea) },
    { 9, G_GUINT64_CONSTANT (0x75927f9d95124362) },
    { 15, G_GUINT64_CONSTANT (0xf30eb725bb91c9ea) },
    { 16, G_GUINT64_CONSTANT (0x8972188433a5c5b7) },
    { 17, G_GUINT64_CONSTANT (0x4883c49a2c009c1d) },
    { 63, G_GUINT64_CONSTANT (0x385d3e39e5f37359) },
    { 64, G_GUINT64_CONSTANT (0x75e05fd5bbc870c6) },
    { 1000, G_GUINT64_CONSTANT (0x498f889ac054d2d8) },
  };
  const guint8 zero_key[NORTH_MCP_SIPHASH_KEY_LENGTH] = { 0 };

  for (gsize i = 0; i < G_N_ELEMENTS (vectors); i++)
    {
      g_autofree guint8 *data = message (vectors[i].length);

      g_assert_cmphex (north_mcp_siphash_1_3 (zero_key, data, vectors[i].length), ==, vectors[i].hash);
    }
}

/* The key matters, and the process key is one key, not all zeros. */
static void
test_siphash_keyed (void)
{
  const guint8 zero_key[NORTH_MCP_SIPHASH_KEY_LENGTH] = { 0 };
  const guint8 *key = north_mcp_siphash_process_key ();
  g_autofree guint8 *data = message (40);
  gboolean all_zero = TRUE;

  g_assert_true (north_mcp_siphash_process_key () == key);
  for (gsize i = 0; i < NORTH_MCP_SIPHASH_KEY_LENGTH; i++)
    all_zero = all_zero && key[i] == 0;
  g_assert_false (all_zero);
  g_assert_cmphex (north_mcp_siphash_1_3 (key, data, 40), !=, north_mcp_siphash_1_3 (zero_key, data, 40));
  g_assert_cmphex (north_mcp_siphash_1_3 (key, data, 40), ==, north_mcp_siphash_1_3 (key, data, 40));
  /* And every byte, including the length, counts. */
  g_assert_cmphex (north_mcp_siphash_1_3 (key, data, 39), !=, north_mcp_siphash_1_3 (key, data, 40));
  for (gsize i = 0; i < 40; i++)
    {
      guint64 before = north_mcp_siphash_1_3 (key, data, 40);

      data[i] ^= 0x80;
      g_assert_cmphex (north_mcp_siphash_1_3 (key, data, 40), !=, before);
      data[i] ^= 0x80;
    }
}

/* The GHashFunc for client-chosen strings: a function of the string, but
 * not g_str_hash(), whose collisions are easy to make. */
static void
test_str_hash (void)
{
  g_autofree char *copy = g_strdup ("EzEzEz");
  const char *colliding[] = { "EzEzEz", "EzEzFY", "EzFYEz", "FYEzEz", "FYFYFY", "FYFYEz" };
  g_autoptr(GHashTable) hashes = g_hash_table_new (NULL, NULL);

  g_assert_cmpuint (north_mcp_siphash_str_hash ("EzEzEz"), ==, north_mcp_siphash_str_hash (copy));
  for (gsize i = 0; i < G_N_ELEMENTS (colliding); i++)
    {
      g_assert_cmpuint (g_str_hash (colliding[i]), ==, g_str_hash (colliding[0]));
      g_hash_table_add (hashes, GUINT_TO_POINTER (north_mcp_siphash_str_hash (colliding[i])));
    }
  /* 6 distinct 32-bit values but for a 1 in ~300 million chance. */
  g_assert_cmpuint (g_hash_table_size (hashes), ==, G_N_ELEMENTS (colliding));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/siphash/2-4", test_siphash_2_4);
  g_test_add_func ("/siphash/1-3", test_siphash_1_3);
  g_test_add_func ("/siphash/keyed", test_siphash_keyed);
  g_test_add_func ("/siphash/str-hash", test_str_hash);

  return g_test_run ();
}
