/* north-mcp-trace-context.c: W3C Trace Context (traceparent, tracestate)
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-trace-context-private.h"

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
 * behind a "-". All-zero ids are invalid. */
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
  if (version == 0 ? length != 55 : (length > 55 && text[55] != '-'))
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
  static const char digits[] = "0123456789abcdef";

  for (gsize i = 0; i < length; i++)
    {
      out[2 * i] = digits[bytes[i] >> 4];
      out[2 * i + 1] = digits[bytes[i] & 0xf];
    }
  out[2 * length] = '\0';
}

/* One generator per thread: g_random_int() takes a process-wide lock on
 * every call. Ids need to be unique, not secret. */
static GRand *
thread_rand (void)
{
  static GPrivate key = G_PRIVATE_INIT ((GDestroyNotify) g_rand_free);
  GRand *rand = g_private_get (&key);

  if (G_UNLIKELY (rand == NULL))
    {
      rand = g_rand_new ();
      g_private_set (&key, rand);
    }
  return rand;
}

void
north_mcp_trace_random_id (guint8 *bytes,
                           gsize   length)
{
  GRand *rand = thread_rand ();

  do
    {
      for (gsize i = 0; i < length; i += 4)
        {
          guint32 value = g_rand_int (rand);

          memcpy (bytes + i, &value, MIN (4, length - i));
        }
    }
  while (!north_mcp_trace_id_is_valid (bytes, length));
}
