/* north-mcp-trace-context.c: W3C Trace Context (traceparent, tracestate)
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <pthread.h>
#include <string.h>

#include "north-mcp-trace-context-private.h"
#include "north-mcp-hex-private.h"

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;                    /* W3C: lower case only */
}

static gboolean
parse_hex (const char *text,
           guint8     *out,
           gsize       length)
{
  for (gsize i = 0; i < length; i++)
    {
      int high = hex_value (text[2 * i]), low = hex_value (text[2 * i + 1]);

      if (high < 0 || low < 0)
        return FALSE;
      out[i] = (guint8) (high << 4 | low);
    }
  return TRUE;
}

gboolean
north_mcp_trace_id_is_valid (const guint8 *bytes,
                             gsize         length)
{
  for (gsize i = 0; i < length; i++)
    if (bytes[i] != 0)
      return TRUE;
  return FALSE;
}

/* version "-" trace-id "-" parent-id "-" trace-flags: 00-32hex-16hex-2hex.
 * Version ff is invalid; a later version may carry more after the flags,
 * behind a "-", but no comma: traceparent is one value, not a list, and a
 * comma is where repeated fields were joined (RFC 9110 §5.3), none of which
 * is to be trusted. All-zero ids are invalid. */
gboolean
north_mcp_trace_parse_traceparent (const char          *text,
                                   NorthMcpTraceParent *parent)
{
  guint8 version;
  gsize length;

  if (text == NULL)
    return FALSE;
  while (*text == ' ' || *text == '\t')
    text++;
  length = strlen (text);
  while (length > 0 && (text[length - 1] == ' ' || text[length - 1] == '\t'))
    length--;

  if (length < 55 || !parse_hex (text, &version, 1) || version == 0xff ||
      text[2] != '-' || text[35] != '-' || text[52] != '-' ||
      !parse_hex (text + 3, parent->trace_id, NORTH_MCP_TRACE_ID_SIZE) ||
      !parse_hex (text + 36, parent->span_id, NORTH_MCP_SPAN_ID_SIZE) ||
      !parse_hex (text + 53, &parent->flags, 1))
    return FALSE;
  if (version == 0 ? length != 55
                   : (length > 55 && (text[55] != '-' || memchr (text, ',', length) != NULL)))
    return FALSE;

  return north_mcp_trace_id_is_valid (parent->trace_id, NORTH_MCP_TRACE_ID_SIZE) &&
         north_mcp_trace_id_is_valid (parent->span_id, NORTH_MCP_SPAN_ID_SIZE);
}

char *
north_mcp_trace_format_traceparent (const NorthMcpTraceParent *parent)
{
  char trace_id[2 * NORTH_MCP_TRACE_ID_SIZE + 1], span_id[2 * NORTH_MCP_SPAN_ID_SIZE + 1];

  north_mcp_trace_hex (parent->trace_id, NORTH_MCP_TRACE_ID_SIZE, trace_id);
  north_mcp_trace_hex (parent->span_id, NORTH_MCP_SPAN_ID_SIZE, span_id);
  return g_strdup_printf ("00-%s-%s-%02x", trace_id, span_id, parent->flags);
}

/* Only passed on, never interpreted: printable ASCII without the list
 * separators misplaced, within NORTH_MCP_TRACESTATE_MAX bytes and 32
 * members. */
gboolean
north_mcp_trace_tracestate_is_valid (const char *text)
{
  guint members = 1;
  gsize length;

  if (text == NULL || (length = strlen (text)) == 0 || length > NORTH_MCP_TRACESTATE_MAX)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    {
      if (text[i] < 0x20 || text[i] > 0x7e)
        return FALSE;
      if (text[i] == ',' && ++members > 32)
        return FALSE;
    }
  return strchr (text, '=') != NULL;
}

void
north_mcp_trace_hex (const guint8 *bytes,
                     gsize         length,
                     char         *out)
{
  *north_mcp_hex_encode (out, bytes, length) = '\0';
}

/* Ids need to be unique, not secret: a splitmix64 sequence per thread,
 * seeded from GLib's generator (itself from /dev/urandom). No lock, a
 * few instructions an id (g_random_int() takes a process-wide lock).
 * A forked child reseeds, or it would repeat its parent's ids. The
 * state is in a GPrivate, not a __thread variable: LeakSanitizer faults
 * on the dynamic TLS of a shared library at exit. */
typedef struct
{
  guint64 state;
  gint    generation;
} Random;

static gint fork_generation;

static void
after_fork_in_child (void)
{
  fork_generation++;
}

static Random *
thread_random (void)
{
  static GPrivate key = G_PRIVATE_INIT (g_free);
  Random *random = g_private_get (&key);

  if (G_UNLIKELY (random == NULL))
    {
      static gsize registered;

      if (g_once_init_enter (&registered))
        {
          pthread_atfork (NULL, NULL, after_fork_in_child);
          g_once_init_leave (&registered, 1);
        }
      random = g_new0 (Random, 1);
      random->generation = -1;
      g_private_set (&key, random);
    }
  return random;
}

static guint64
next_random (Random *random)
{
  guint64 z;

  if (G_UNLIKELY (random->generation != fork_generation))
    {
      random->state = (guint64) g_random_int () << 32 | g_random_int ();
      random->generation = fork_generation;
    }
  z = (random->state += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

void
north_mcp_trace_random_id (guint8 *bytes,
                           gsize   length)
{
  Random *random = thread_random ();

  do
    {
      for (gsize i = 0; i < length; i += 8)
        {
          guint64 value = next_random (random);

          memcpy (bytes + i, &value, MIN (8, length - i));
        }
    }
  while (!north_mcp_trace_id_is_valid (bytes, length));
}
