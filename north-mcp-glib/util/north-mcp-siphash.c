/* north-mcp-siphash.c: SipHash, written from the paper's description
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-random-private.h"
#include "north-mcp-siphash-private.h"

#define ROTL(x, b) (guint64) (((x) << (b)) | ((x) >> (64 - (b))))

#define SIPROUND G_STMT_START {                                           \
    v0 += v1; v1 = ROTL (v1, 13); v1 ^= v0; v0 = ROTL (v0, 32);          \
    v2 += v3; v3 = ROTL (v3, 16); v3 ^= v2;                              \
    v0 += v3; v3 = ROTL (v3, 21); v3 ^= v0;                              \
    v2 += v1; v1 = ROTL (v1, 17); v1 ^= v2; v2 = ROTL (v2, 32);          \
  } G_STMT_END

static inline guint64
load_le64 (const guint8 *p)
{
  guint64 word;

  memcpy (&word, p, sizeof word);
  return GUINT64_FROM_LE (word);
}

/* Inlined into each variant, so that the round counts are constants. */
G_ALWAYS_INLINE static inline guint64
siphash (const guint8 *key,
         const guint8 *data,
         gsize         length,
         guint         c_rounds,
         guint         d_rounds)
{
  guint64 k0 = load_le64 (key), k1 = load_le64 (key + 8);
  guint64 v0 = k0 ^ G_GUINT64_CONSTANT (0x736f6d6570736575);
  guint64 v1 = k1 ^ G_GUINT64_CONSTANT (0x646f72616e646f6d);
  guint64 v2 = k0 ^ G_GUINT64_CONSTANT (0x6c7967656e657261);
  guint64 v3 = k1 ^ G_GUINT64_CONSTANT (0x7465646279746573);
  const guint8 *end = data + (length & ~(gsize) 7);
  guint64 last = (guint64) length << 56;

  for (; data != end; data += 8)
    {
      guint64 m = load_le64 (data);

      v3 ^= m;
      for (guint i = 0; i < c_rounds; i++)
        SIPROUND;
      v0 ^= m;
    }

  /* The last 0 to 7 bytes, little-endian, under the length's low byte. */
  switch (length & 7)
    {
    case 7: last |= (guint64) data[6] << 48; G_GNUC_FALLTHROUGH;
    case 6: last |= (guint64) data[5] << 40; G_GNUC_FALLTHROUGH;
    case 5: last |= (guint64) data[4] << 32; G_GNUC_FALLTHROUGH;
    case 4: last |= (guint64) data[3] << 24; G_GNUC_FALLTHROUGH;
    case 3: last |= (guint64) data[2] << 16; G_GNUC_FALLTHROUGH;
    case 2: last |= (guint64) data[1] << 8; G_GNUC_FALLTHROUGH;
    case 1: last |= (guint64) data[0]; break;
    default: break;
    }

  v3 ^= last;
  for (guint i = 0; i < c_rounds; i++)
    SIPROUND;
  v0 ^= last;

  v2 ^= 0xff;
  for (guint i = 0; i < d_rounds; i++)
    SIPROUND;
  return v0 ^ v1 ^ v2 ^ v3;
}

guint64
north_mcp_siphash_1_3 (const guint8  key[NORTH_MCP_SIPHASH_KEY_LENGTH],
                       const void   *data,
                       gsize         length)
{
  return siphash (key, data, length, 1, 3);
}

guint64
north_mcp_siphash_2_4 (const guint8  key[NORTH_MCP_SIPHASH_KEY_LENGTH],
                       const void   *data,
                       gsize         length)
{
  return siphash (key, data, length, 2, 4);
}

guint
north_mcp_siphash_str_hash (gconstpointer string)
{
  return (guint) north_mcp_siphash_1_3 (north_mcp_siphash_process_key (), string, strlen (string));
}

const guint8 *
north_mcp_siphash_process_key (void)
{
  static guint8 key[NORTH_MCP_SIPHASH_KEY_LENGTH];
  static gsize initialized = 0;

  /* Worker processes are fresh runs of the program (north-mcp-options.c),
   * so each draws a key of its own. */
  if (g_once_init_enter (&initialized))
    {
      g_autoptr(GError) error = NULL;

      if (!north_mcp_random_bytes (key, sizeof key, &error))
        g_error ("No random bytes for a hash key: %s", error->message);
      g_once_init_leave (&initialized, 1);
    }
  return key;
}
