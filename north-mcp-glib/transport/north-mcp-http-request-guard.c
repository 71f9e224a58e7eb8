/* north-mcp-http-request-guard.c: follows the requests on an HTTP/1.1
 * connection's bytes, and keeps from libsoup the heads it leaks on
 *
 * libsoup 3.2.3 (Debian 12) loses the request target of a head whose body
 * it cannot frame (a Transfer-Encoding other than chunked, a
 * Content-Length that is not a number): parse_headers() returns before it
 * frees it (fixed in libsoup 3.5.2 by commit 450d43c4). Any client can send
 * one such head per connection, each up to 64 KiB, as often as it likes.
 * No handler runs before that parse, so the bytes are checked on their way
 * in, in the connection's input stream.
 *
 * The guard follows the requests as libsoup 3.2 reads them: heads (they end
 * where libsoup's soup_message_io_data_read_headers() ends them), bodies of
 * a Content-Length, chunked bodies. For each head it works out the body
 * framing field by field as soup_message_headers_set() does. A head that
 * libsoup could not frame (or that has a NUL byte, a folded framing field,
 * a framing value too long to check, or, in a request that may be
 * HTTP/1.0, a Connection field that could name a framing field for libsoup
 * to drop, or a field line RFC 9112 refuses and libsoup ignores) does not
 * reach libsoup: when all of it is in the read at hand it is replaced by
 * one that libsoup answers 400 at once and closes, leaking nothing;
 * otherwise the read fails (the connection's input stream answers 400
 * itself and the listener closes the connection). Chunked bodies must
 * keep to RFC 9112 (a hex size, extensions, line ends; no trailer
 * fields): libsoup 3.2's chunk reader takes more (a size of "0x10", a
 * trailer section that ends after its first line), and the guard would
 * lose its place in what it does not read the same.
 *
 * What it costs: a memchr() per line of a head and one per read, a look
 * at each field name up to its colon, nothing per byte of a body.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-http-framing-private.h"
#include "north-mcp-http-request-guard-private.h"

/* libsoup 3.2's own bounds: a head that is not complete within 64 KiB is
 * refused before it is parsed (so no leak); the lines of a chunked body
 * are read into 128 bytes. */
#define HEAD_LIMIT (64 * 1024)
#define CHUNK_LINE_LIMIT 128
#define CHUNK_SIZE_DIGITS 15

/* Heads that libsoup 3.2 answers 400 and closes, keeping nothing of
 * them: a Host with a slash in it (in the request's version), and, where
 * a refused head is shorter than that, no request line. */
#define REFUSED_HEAD_11 "GET / HTTP/1.1\r\nHost: /\r\n\r\n"
#define REFUSED_HEAD_10 "GET / HTTP/1.0\r\nHost: /\r\n\r\n"
#define REFUSED_HEAD_SHORT "X\r\n\r\n"

typedef enum
{
  GUARD_HEAD,        /* zero-filled: the first head of a connection */
  GUARD_BODY,
  GUARD_CHUNK_SIZE,
  GUARD_CHUNK_DATA,
  GUARD_CHUNK_END,
  GUARD_TRAILER,
  GUARD_OFF,         /* not followed: libsoup refuses the head itself, or
                      * the bytes are no longer the listener's HTTP */
  GUARD_REFUSED,     /* a head or body was refused: nothing more passes */
} GuardState;

/* A head's body framing as libsoup 3.2 sets it, field by field. */
typedef enum
{
  ENCODING_UNSET,
  ENCODING_CHUNKED,
  ENCODING_LENGTH,
  ENCODING_UNRECOGNIZED,
} Encoding;

typedef enum
{
  FIELD_OTHER,
  FIELD_TRANSFER_ENCODING,
  FIELD_CONTENT_LENGTH,
  FIELD_CONNECTION,
} Field;

static void
start_head (NorthMcpHttpRequestGuard *guard)
{
  guard->state = GUARD_HEAD;
  guard->encoding = ENCODING_UNSET;
  guard->last_field = FIELD_OTHER;
  guard->request_line = FALSE;
  guard->maybe_http10 = FALSE;
  guard->refused = FALSE;
  guard->head_length = 0;
  guard->length = 0;
}

/* A line that is not complete in this read: its start and its last bytes
 * are kept for when it is. */
static void
keep_partial (NorthMcpHttpRequestGuard *guard,
              const char               *piece,
              gsize                     length)
{
  gsize kept = guard->line_length < sizeof guard->line ? sizeof guard->line - guard->line_length : 0;
  gsize tail = sizeof guard->tail;

  if (kept > 0)
    memcpy (guard->line + guard->line_length, piece, MIN (kept, length));
  if (length >= tail)
    memcpy (guard->tail, piece + length - tail, tail);
  else
    {
      memmove (guard->tail, guard->tail + length, tail - length);
      memcpy (guard->tail + tail - length, piece, length);
    }
  guard->line_length += length;
}

static gboolean
equals_token (const char *value,
              gsize       length,
              const char *token)
{
  return length == strlen (token) && g_ascii_strncasecmp (value, token, length) == 0;
}

/* The field a line names, by the name before its colon (libsoup ignores a
 * name with white space in it). */
static Field
field_of (const char *line,
          gsize       kept,
          gsize      *name_length)
{
  static const struct { const char *name; gsize length; Field field; } framing[] = {
    { "transfer-encoding", 17, FIELD_TRANSFER_ENCODING },
    { "content-length", 14, FIELD_CONTENT_LENGTH },
    { "connection", 10, FIELD_CONNECTION },
  };
  char first = line[0] | 0x20;  /* lower case, for letters */

  if (first != 't' && first != 'c')
    return FIELD_OTHER;
  for (guint i = 0; i < G_N_ELEMENTS (framing); i++)
    if (kept > framing[i].length && line[framing[i].length] == ':' &&
        north_mcp_http_field_name_has_prefix (line, framing[i].name, framing[i].length))
      {
        *name_length = framing[i].length;
        return framing[i].field;
      }
  return FIELD_OTHER;
}

/* The usual Content-Length: digits only, without g_ascii_strtoull(). */
static gboolean
is_short_number (const char *value,
                 gsize       length,
                 guint64    *number)
{
  guint64 n = 0;

  if (length == 0 || length > 18)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    {
      if (!g_ascii_isdigit (value[i]))
        return FALSE;
      n = n * 10 + (value[i] - '0');
    }
  *number = n;
  return TRUE;
}

/* A field of the head, after its request line. */
static void
field_line (NorthMcpHttpRequestGuard *guard,
            const char               *line,
            gsize                     length,
            gsize                     kept)
{
  char number[NORTH_MCP_HTTP_REQUEST_GUARD_LINE_KEPT];
  const char *value, *end;
  gsize name_length = 0;
  char *number_end;
  Field field;

  /* obs-fold: the line goes on the last field's value. */
  if (line[0] == ' ' || line[0] == '\t')
    {
      guard->refused |= guard->last_field != FIELD_OTHER;
      return;
    }
  field = field_of (line, kept, &name_length);
  guard->last_field = field;
  if (field == FIELD_OTHER)
    return;
  if (length > kept)
    {
      guard->refused = TRUE;
      return;
    }

  /* The value as libsoup trims it. */
  value = line + name_length + 1;
  end = line + length - 1;
  while (value < end && (*value == ' ' || *value == '\t' || *value == '\r'))
    value++;
  while (end > value && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
    end--;

  switch (field)
    {
    case FIELD_TRANSFER_ENCODING:
      if (equals_token (value, end - value, "chunked"))
        guard->encoding = ENCODING_CHUNKED;
      else if (!equals_token (value, end - value, "identity"))
        guard->encoding = ENCODING_UNRECOGNIZED;
      break;
    case FIELD_CONTENT_LENGTH:
      if (guard->encoding == ENCODING_CHUNKED)
        break;
      if (is_short_number (value, end - value, &guard->length))
        {
          guard->encoding = ENCODING_LENGTH;
          break;
        }
      memcpy (number, value, end - value);
      number[end - value] = '\0';
      guard->length = g_ascii_strtoull (number, &number_end, 10);
      guard->encoding = *number_end == '\0' ? ENCODING_LENGTH : ENCODING_UNRECOGNIZED;
      break;
    case FIELD_CONNECTION:
      /* HTTP/1.0: libsoup drops the fields a Connection field names. */
      guard->refused |= guard->maybe_http10 &&
                        !equals_token (value, end - value, "keep-alive") &&
                        !equals_token (value, end - value, "close");
      break;
    case FIELD_OTHER:
    default:
      break;
    }
}

/* Whether a request line ends in "HTTP/1.1" (and what libsoup lets follow
 * it); @last: its last bytes, up to the line end, at most the 16 that a
 * line split over reads keeps. A line with more after its version than
 * fits is taken for one that may be HTTP/1.0 (the stricter rules). */
static gboolean
is_http11 (const char *last,
           gsize       length)
{
  while (length > 0 && (last[length - 1] == '\n' || last[length - 1] == '\r' || last[length - 1] == ' '))
    length--;
  return length >= 9 && memcmp (last + length - 9, " HTTP/1.1", 9) == 0;
}

/* RFC 9112 section 5.1: a field line starts with a name, without white
 * space, up to its colon, and a server must refuse white space before the
 * colon. libsoup 3.2 ignores a line that is not like that, where a proxy
 * in front may read it ("Transfer-Encoding : chunked"): two readings of
 * one request. A name longer than the kept bytes is refused as well. */
static gboolean
is_field_line (const char *line,
               gsize       kept)
{
  /* The bytes that end a name: one look per byte of it. */
  static const guint8 ends_name[256] = { [':'] = 1, [' '] = 1, ['\t'] = 1, ['\r'] = 1, ['\n'] = 1 };
  gsize i = 0;

  while (i < kept && !ends_name[(guchar) line[i]])
    i++;
  return i > 0 && i < kept && line[i] == ':';
}

/* A complete line of a head; TRUE when it ends the head. */
static gboolean
head_line (NorthMcpHttpRequestGuard *guard,
           const char               *line,
           gsize                     length,
           gsize                     kept,
           const char               *last,
           gsize                     last_length)
{
  gsize before = guard->head_length - length;
  char first;

  /* The end, as libsoup finds it: an empty line after at least two bytes
   * (a bare LF) or three (CR LF) of the head. */
  if ((length == 1 && before >= 2) || (length == 2 && line[0] == '\r' && before >= 3))
    return TRUE;
  if (!guard->request_line)
    {
      /* libsoup skips empty lines where the request line is due. */
      if (length > 2 || (length == 2 && line[0] != '\r'))
        {
          guard->request_line = TRUE;
          guard->maybe_http10 = !is_http11 (last, last_length);
        }
      return FALSE;
    }
  if (line[0] != ' ' && line[0] != '\t' && !is_field_line (line, kept))
    {
      guard->refused = TRUE;
      return FALSE;
    }
  /* Most fields are none of the framing ones: told by their first letter. */
  first = line[0] | 0x20;
  if (first == 't' || first == 'c' || line[0] == ' ' || line[0] == '\t')
    field_line (guard, line, length, kept);
  else
    guard->last_field = FIELD_OTHER;
  return FALSE;
}

/* A line of a chunked body: a chunk's size, the end of a chunk's data, or
 * the (empty) trailer section. FALSE: not one RFC 9112 allows. */
static gboolean
chunk_line (NorthMcpHttpRequestGuard *guard,
            const char               *line,
            gsize                     length)
{
  gsize digits = 0;
  guint64 size = 0;
  gboolean empty = length == 1 || (length == 2 && line[0] == '\r');

  if (length > CHUNK_LINE_LIMIT || memchr (line, '\0', length) != NULL)
    return FALSE;
  if (guard->state != GUARD_CHUNK_SIZE)
    {
      if (!empty)
        return FALSE;
      if (guard->state == GUARD_TRAILER)
        start_head (guard);
      else
        guard->state = GUARD_CHUNK_SIZE;
      return TRUE;
    }

  for (; digits < length && g_ascii_isxdigit (line[digits]); digits++)
    size = size * 16 + g_ascii_xdigit_value (line[digits]);
  if (digits == 0 || digits > CHUNK_SIZE_DIGITS ||
      !(line[digits] == ';' || line[digits] == '\n' || (line[digits] == '\r' && line[digits + 1] == '\n')))
    return FALSE;
  guard->length = size;
  guard->state = size > 0 ? GUARD_CHUNK_DATA : GUARD_TRAILER;
  return TRUE;
}

static gssize
refuse (NorthMcpHttpRequestGuard *guard,
        const char               *what,
        GError                  **error)
{
  guard->state = GUARD_REFUSED;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "Request refused: %s", what);
  return -1;
}

/* Takes the line that ends at @piece + @length - 1 (its earlier bytes kept
 * from earlier reads). FALSE: refused, with @error. */
static gboolean
line_done (NorthMcpHttpRequestGuard *guard,
           const char               *piece,
           gsize                     length,
           gboolean                  has_nul,
           gboolean                 *head_ended)
{
  /* A line's last bytes are what a split line keeps of them, whole or
   * not: the same verdict however the line came. */
  gsize last_length = MIN (length, sizeof guard->tail);
  const char *line = piece, *last = piece + length - last_length;
  gsize line_length = length, kept = MIN (length, sizeof guard->line);

  if (guard->line_length > 0)
    {
      keep_partial (guard, piece, length);
      line = guard->line;
      line_length = guard->line_length;
      kept = MIN (line_length, sizeof guard->line);
      /* The tail keeps the line's last bytes at its end. */
      last_length = MIN (line_length, sizeof guard->tail);
      last = guard->tail + sizeof guard->tail - last_length;
    }
  guard->line_length = 0;

  if (guard->state != GUARD_HEAD)
    return chunk_line (guard, line, line_length);

  if (has_nul && memchr (piece, '\0', length) != NULL)
    guard->refused = TRUE;
  guard->head_length += length;
  if (guard->head_length > HEAD_LIMIT + 2)
    guard->state = GUARD_OFF;
  else
    *head_ended = head_line (guard, line, line_length, kept, last, last_length);
  return TRUE;
}

/* The head is in: what follows it, or FALSE when libsoup must not see it. */
static gboolean
head_done (NorthMcpHttpRequestGuard *guard)
{
  guard->largest_head = MAX (guard->largest_head, guard->head_length);
  if (guard->refused || guard->encoding == ENCODING_UNRECOGNIZED)
    return FALSE;
  if (guard->encoding == ENCODING_CHUNKED)
    guard->state = GUARD_CHUNK_SIZE;
  else if (guard->encoding == ENCODING_LENGTH && guard->length > 0)
    guard->state = GUARD_BODY;
  else
    start_head (guard);
  return TRUE;
}

/**
 * north_mcp_http_request_guard_feed:
 * @guard: the connection's guard
 * @buffer: (array length=count): bytes just read from the connection
 * @count: how many
 * @error: where a refusal goes
 *
 * Follows @count bytes of the connection. A head libsoup must not see is
 * replaced in @buffer when all of it is there.
 *
 * Returns: how many bytes of @buffer to pass on (fewer than @count after
 *   a replaced head, or before a refused request when earlier ones end in
 *   this read), or -1 with @error when the connection is refused.
 */
/* A refusal in the read at hand: when the refused request began after
 * the end of earlier ones in it (@head_start > 0), those bytes pass first
 * so that libsoup answers them, and the refusal waits (deferred). */
static gssize
refuse_in_read (NorthMcpHttpRequestGuard  *guard,
                gssize                     head_start,
                const char                *what,
                GError                   **error)
{
  if (head_start <= 0)
    return refuse (guard, what, error);
  guard->state = GUARD_REFUSED;
  guard->deferred = TRUE;
  return head_start;
}

gssize
north_mcp_http_request_guard_feed (NorthMcpHttpRequestGuard *guard,
                                   char                     *buffer,
                                   gsize                     count,
                                   GError                  **error)
{
  gsize pos = 0, take;
  gssize head_start = -1;   /* where the current head starts in @buffer */
  const char *newline, *replacement;
  gboolean head_ended, has_nul;

  if (guard->state == GUARD_REFUSED)
    return refuse (guard, "after a refused request", error);
  /* One look for NUL bytes in the whole read; lines look again if any. */
  has_nul = memchr (buffer, '\0', count) != NULL;

  while (pos < count)
    switch (guard->state)
      {
      case GUARD_OFF:
        return count;

      case GUARD_BODY:
      case GUARD_CHUNK_DATA:
        take = MIN (guard->length, count - pos);
        pos += take;
        guard->length -= take;
        if (guard->length > 0)
          break;
        if (guard->state == GUARD_CHUNK_DATA)
          guard->state = GUARD_CHUNK_END;
        else
          start_head (guard);
        break;

      default:
        if (guard->state == GUARD_HEAD && guard->head_length == 0)
          head_start = pos;
        newline = memchr (buffer + pos, '\n', count - pos);
        if (newline == NULL)
          {
            take = count - pos;
            if (guard->state == GUARD_HEAD)
              {
                guard->refused |= has_nul && memchr (buffer + pos, '\0', take) != NULL;
                guard->head_length += take;
                if (guard->head_length > HEAD_LIMIT + 2)
                  guard->state = GUARD_OFF;
              }
            else if (guard->line_length + take > CHUNK_LINE_LIMIT)
              return refuse_in_read (guard, head_start, "a chunked body's line is too long", error);
            keep_partial (guard, buffer + pos, take);
            pos = count;
            break;
          }

        take = newline - (buffer + pos) + 1;
        head_ended = FALSE;
        if (!line_done (guard, buffer + pos, take, has_nul, &head_ended))
          return refuse_in_read (guard, head_start, "a chunked body out of RFC 9112", error);
        pos += take;
        if (!head_ended || head_done (guard))
          break;
        /* Refused: libsoup answers what stands in its place. */
        replacement = guard->maybe_http10 ? REFUSED_HEAD_10 : REFUSED_HEAD_11;
        if (head_start >= 0 && pos - head_start < strlen (replacement))
          replacement = REFUSED_HEAD_SHORT;
        if (head_start < 0 || pos - head_start < strlen (replacement))
          return refuse_in_read (guard, head_start, "a head libsoup 3.2 cannot frame", error);
        memcpy (buffer + head_start, replacement, strlen (replacement));
        guard->state = GUARD_REFUSED;
        return head_start + strlen (replacement);
      }

  return count;
}

gboolean
north_mcp_http_request_guard_is_refused (const NorthMcpHttpRequestGuard *guard)
{
  return guard->state == GUARD_REFUSED;
}

gboolean
north_mcp_http_request_guard_take_deferred (NorthMcpHttpRequestGuard *guard)
{
  gboolean deferred = guard->deferred;

  guard->deferred = FALSE;
  return deferred;
}

/* The bytes are someone else's now (a route took the connection over). */
void
north_mcp_http_request_guard_stop (NorthMcpHttpRequestGuard *guard)
{
  if (guard->state != GUARD_REFUSED)
    guard->state = GUARD_OFF;
}
