/* north-mcp-json-reader.c: a strict JSON reader building JsonNode trees
 *
 * json-glib's JsonParser goes through GScanner, a GObject and a few
 * signals per document; on the stateless HTTP path it was the largest
 * single cost of a request. This reader is a plain recursive descent over
 * the bytes: one pass, no tokens, and one allocation per string (decoded
 * text is staged on a byte stack that lives on the C stack for small
 * documents). It is stricter than GScanner: RFC 8259 only.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "north-mcp-error.h"
#include "north-mcp-hex-private.h"
#include "north-mcp-json-reader-private.h"
#include "north-mcp-siphash-private.h"
#include "north-mcp-utf8-private.h"

#define INLINE_STACK 512

/* Hash flooding. json-glib keeps an object's members in a GHashTable
 * hashed with g_str_hash(), which has no key: names that share a hash
 * ("Ez" and "FY" blocks) are cheap to make, and each one inserted is
 * compared with all the others, so 65,536 of them (2.4 MB) cost tens of
 * seconds. Even names with distinct hashes can be made to start at the
 * same slot of GLib's open addressing, which costs less per probe but
 * grows just as fast. Two bounds keep the work linear in the input:
 *
 * - at most NORTH_MCP_JSON_MAX_MEMBERS members per object, which caps
 *   the cost of any slot arrangement to a few times that of ordinary
 *   names (measured: 1,000 names on one slot, 1 ms);
 * - at most MAX_SHARED_HASH names of one object per g_str_hash() value,
 *   counted in a side table keyed by SipHash under a per-process random
 *   key (so the side table itself cannot be flooded). Chance collisions
 *   of a 32-bit hash among 1,000 names almost never reach 2, let alone 9.
 *
 * An object of MAX_SHARED_HASH names cannot break the rule, so the side
 * table is only made for objects that grow larger: the usual request
 * (the JSON-RPC fast path) does not pay for it. */
#define MAX_SHARED_HASH 8

typedef struct {
  const guchar *p;
  const guchar *start;
  const guchar *end;
  guint         depth;
  guint         max_depth;
  gboolean      own;      /* our writer's text: no bounds on members */
  guint64       cost;     /* of what was built (NORTH_MCP_JSON_*_COST) */
  guint64       budget;   /* the most cost may be */
  GError      **error;

  /* Decoded strings (member names of the enclosing objects, then the
   * string being read), NUL-terminated, addressed by offset because the
   * buffer may move when it grows. */
  char         *stack;
  gsize         stack_len;
  gsize         stack_size;
  char          inline_stack[INLINE_STACK];
} Reader;

static JsonNode *read_value (Reader *r);

static void
fail (Reader     *r,
      const char *what)
{
  g_set_error (r->error, NORTH_MCP_JSONRPC_ERROR, NORTH_MCP_JSONRPC_ERROR_PARSE_ERROR,
               "Parse error: %s at byte %" G_GSIZE_FORMAT, what, (gsize) (r->p - r->start));
}

/* Whether the tree passed its budget (then the error is set): checked as
 * each value and member is counted, one compare, so a text whose tree
 * would take more stops there rather than once built. */
static inline gboolean
over_budget (Reader *r)
{
  if (G_LIKELY (r->cost <= r->budget))
    return FALSE;
  g_set_error (r->error, NORTH_MCP_JSONRPC_ERROR, NORTH_MCP_JSONRPC_ERROR_PARSE_ERROR,
               "Parse error: the parsed JSON would take more than %" G_GUINT64_FORMAT
               " bytes in memory at byte %" G_GSIZE_FORMAT, r->budget, (gsize) (r->p - r->start));
  return TRUE;
}

static void
stack_reserve (Reader *r,
               gsize   extra)
{
  gsize size = r->stack_size;

  if (r->stack_len + extra <= size)
    return;

  while (size < r->stack_len + extra)
    size *= 2;

  if (r->stack == r->inline_stack)
    {
      r->stack = g_malloc (size);
      memcpy (r->stack, r->inline_stack, r->stack_len);
    }
  else
    r->stack = g_realloc (r->stack, size);
  r->stack_size = size;
}

static inline void
stack_push (Reader       *r,
            const guchar *bytes,
            gsize         n)
{
  stack_reserve (r, n);
  memcpy (r->stack + r->stack_len, bytes, n);
  r->stack_len += n;
}

static inline void
skip_whitespace (Reader *r)
{
  while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t'))
    r->p++;
}

typedef enum {
  SEPARATOR_MORE,               /* a ',': another member or element */
  SEPARATOR_END,                /* the closing bracket */
  SEPARATOR_ERROR,
} Separator;

/* What follows a member of an object (@close '}') or an element of an
 * array (']'): the two share it, and its error messages. */
static inline Separator
read_separator (Reader *r,
                char    close)
{
  gboolean object = close == '}';

  skip_whitespace (r);
  if (r->p < r->end && *r->p == ',')
    {
      r->p++;
      skip_whitespace (r);
      return SEPARATOR_MORE;
    }
  if (r->p < r->end && *r->p == close)
    {
      r->p++;
      return SEPARATOR_END;
    }
  if (r->p >= r->end)
    fail (r, object ? "unterminated object" : "unterminated array");
  else
    fail (r, object ? "expected ',' or '}'" : "expected ',' or ']'");
  return SEPARATOR_ERROR;
}

/* Four hex digits after "\u" at r->p; -1 when malformed. */
static gint32
read_hex4 (Reader *r)
{
  guint8 code[2];

  if (r->end - r->p < 4 || !north_mcp_hex_decode ((const char *) r->p, 4, code, 2))
    return -1;
  r->p += 4;
  return code[0] << 8 | code[1];
}

/* r->p after a backslash. */
static gboolean
read_escape (Reader *r)
{
  char utf8[6];
  gint32 code;
  guchar c;

  if (r->p >= r->end)
    {
      fail (r, "unterminated string");
      return FALSE;
    }

  c = *r->p++;
  switch (c)
    {
    case '"': case '\\': case '/':
      stack_push (r, &c, 1);
      return TRUE;
    case 'b': stack_push (r, (const guchar *) "\b", 1); return TRUE;
    case 'f': stack_push (r, (const guchar *) "\f", 1); return TRUE;
    case 'n': stack_push (r, (const guchar *) "\n", 1); return TRUE;
    case 'r': stack_push (r, (const guchar *) "\r", 1); return TRUE;
    case 't': stack_push (r, (const guchar *) "\t", 1); return TRUE;
    case 'u':
      break;
    default:
      r->p--;
      fail (r, "invalid escape in string");
      return FALSE;
    }

  code = read_hex4 (r);
  if (code < 0)
    {
      fail (r, "invalid \\u escape in string");
      return FALSE;
    }

  if (code >= 0xD800 && code <= 0xDBFF)
    {
      gint32 low;

      if (r->end - r->p < 2 || r->p[0] != '\\' || r->p[1] != 'u')
        {
          fail (r, "unpaired surrogate in string");
          return FALSE;
        }
      r->p += 2;
      low = read_hex4 (r);
      if (low < 0xDC00 || low > 0xDFFF)
        {
          fail (r, "unpaired surrogate in string");
          return FALSE;
        }
      code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
    }
  else if (code >= 0xDC00 && code <= 0xDFFF)
    {
      fail (r, "unpaired surrogate in string");
      return FALSE;
    }
  else if (code == 0)
    {
      /* Our strings are C strings: a NUL would silently cut them. */
      fail (r, "\\u0000 in string");
      return FALSE;
    }

  stack_push (r, (const guchar *) utf8, g_unichar_to_utf8 (code, utf8));
  return TRUE;
}

/* r->p at the opening quote. Pushes the decoded, NUL-terminated string
 * onto the stack and returns its offset there, or -1. */
static gssize
read_string (Reader *r)
{
  gsize offset = r->stack_len;

  r->p++;
  for (;;)
    {
      const guchar *run = r->p;
      guchar c;

      while (r->p < r->end && *r->p >= 0x20 && *r->p < 0x80 && *r->p != '"' && *r->p != '\\')
        r->p++;
      if (r->p > run)
        stack_push (r, run, r->p - run);

      if (r->p >= r->end)
        {
          fail (r, "unterminated string");
          return -1;
        }

      c = *r->p;
      if (c == '"')
        {
          r->p++;
          break;
        }
      else if (c == '\\')
        {
          r->p++;
          if (!read_escape (r))
            return -1;
        }
      else if (c < 0x20)
        {
          fail (r, "control character in string");
          return -1;
        }
      else
        {
          gsize n = north_mcp_utf8_sequence_length (r->p, r->end - r->p);

          if (n == 0)
            {
              fail (r, "invalid UTF-8 in string");
              return -1;
            }
          stack_push (r, r->p, n);
          r->p += n;
        }
    }

  stack_push (r, (const guchar *) "", 1);
  return offset;
}

/* Skips the digits of a fraction or an exponent; there must be one at
 * least. */
static gboolean
skip_digits (Reader *r)
{
  if (r->p >= r->end || *r->p < '0' || *r->p > '9')
    {
      fail (r, "invalid number");
      return FALSE;
    }
  while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
    r->p++;
  return TRUE;
}

static JsonNode *
read_number (Reader *r)
{
  const guchar *start = r->p;
  gboolean negative = FALSE, integral = TRUE;
  guint64 magnitude = 0;
  gboolean overflow = FALSE;

  if (*r->p == '-')
    {
      negative = TRUE;
      r->p++;
    }

  if (r->p < r->end && *r->p == '0')
    r->p++;
  else if (r->p < r->end && *r->p >= '1' && *r->p <= '9')
    {
      while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
        {
          guint digit = *r->p - '0';

          if (magnitude > (G_MAXUINT64 - digit) / 10)
            overflow = TRUE;
          else
            magnitude = magnitude * 10 + digit;
          r->p++;
        }
    }
  else
    {
      fail (r, "invalid number");
      return NULL;
    }

  if (r->p < r->end && *r->p == '.')
    {
      integral = FALSE;
      r->p++;
      if (!skip_digits (r))
        return NULL;
    }

  if (r->p < r->end && (*r->p == 'e' || *r->p == 'E'))
    {
      integral = FALSE;
      r->p++;
      if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
        r->p++;
      if (!skip_digits (r))
        return NULL;
    }

  if (integral && !overflow)
    {
      if (!negative && magnitude <= (guint64) G_MAXINT64)
        return json_node_init_int (json_node_alloc (), (gint64) magnitude);
      if (negative && magnitude <= (guint64) G_MAXINT64 + 1)
        return json_node_init_int (json_node_alloc (),
                                   magnitude == (guint64) G_MAXINT64 + 1
                                   ? G_MININT64 : -(gint64) magnitude);
    }

  /* The grammar is checked; g_ascii_strtod needs a NUL-terminated copy. */
  {
    gsize n = r->p - start;
    char small[64];
    g_autofree char *large = NULL;
    char *text = n < sizeof small ? small : (large = g_malloc (n + 1));
    char *end = NULL;
    double value;

    memcpy (text, start, n);
    text[n] = '\0';
    value = g_ascii_strtod (text, &end);
    if (end != text + n || !isfinite (value))
      {
        r->p = start;
        fail (r, "number out of range");
        return NULL;
      }

    return json_node_init_double (json_node_alloc (), value);
  }
}

static gboolean
read_literal (Reader     *r,
              const char *word,
              gsize       length)
{
  if ((gsize) (r->end - r->p) < length || memcmp (r->p, word, length) != 0)
    {
      fail (r, "unexpected character");
      return FALSE;
    }

  r->p += length;
  return TRUE;
}

static gboolean
enter (Reader *r)
{
  if (++r->depth > r->max_depth)
    {
      g_set_error (r->error, NORTH_MCP_JSONRPC_ERROR, NORTH_MCP_JSONRPC_ERROR_PARSE_ERROR,
                   "Parse error: JSON nested deeper than %u levels", r->max_depth);
      return FALSE;
    }

  r->p++;
  skip_whitespace (r);
  return TRUE;
}

/* Where read_members() puts each member; FALSE stops reading. */
typedef gboolean (*MemberSink) (const char *name,
                                JsonNode   *value,
                                gpointer    data);

/* One slot of the side table counting an object's names per g_str_hash()
 * value; a hash of 0 marks a free slot (GLib never uses 0 or 1). */
typedef struct {
  guint32 hash;
  guint32 count;
} HashCount;

/* An object being read (see "Hash flooding" above). */
typedef struct {
  Reader     *reader;
  JsonObject *object;
  HashCount  *counts;   /* NULL below MAX_SHARED_HASH members */
  guint       mask;
  guint       used;
} ObjectBuilder;

/* The hash GLib files @name under in a g_str_hash() table. */
static guint32
glib_str_hash (const char *name)
{
  guint32 hash = g_str_hash (name);

  return hash < 2 ? 2 : hash;
}

/* Counts one more name with @hash; FALSE once more than MAX_SHARED_HASH
 * names share it. */
static gboolean
count_hash (ObjectBuilder *b,
            guint32        hash)
{
  HashCount *slot;
  guint i;

  if (b->used * 2 >= b->mask + 1)
    {
      HashCount *old = b->counts;
      guint old_size = b->mask + 1;

      b->mask = old_size * 2 - 1;
      b->counts = g_new0 (HashCount, b->mask + 1);
      b->used = 0;
      for (i = 0; i < old_size; i++)
        if (old[i].hash != 0)
          {
            guint j = north_mcp_siphash_1_3 (north_mcp_siphash_process_key (),
                                             &old[i].hash, sizeof old[i].hash) & b->mask;

            while (b->counts[j].hash != 0)
              j = (j + 1) & b->mask;
            b->counts[j] = old[i];
            b->used++;
          }
      g_free (old);
    }

  i = north_mcp_siphash_1_3 (north_mcp_siphash_process_key (), &hash, sizeof hash) & b->mask;
  for (slot = &b->counts[i]; slot->hash != 0 && slot->hash != hash; slot = &b->counts[i])
    i = (i + 1) & b->mask;

  if (slot->hash == 0)
    {
      slot->hash = hash;
      b->used++;
    }
  return ++slot->count <= MAX_SHARED_HASH;
}

/* Starts counting once the object has MAX_SHARED_HASH members. */
static void
start_counting (ObjectBuilder *b)
{
  JsonObjectIter iter;
  const char *name;

  b->mask = 63;
  b->counts = g_new0 (HashCount, b->mask + 1);
  json_object_iter_init (&iter, b->object);
  while (json_object_iter_next (&iter, &name, NULL))
    count_hash (b, glib_str_hash (name));
}

static gboolean
object_sink (const char *name,
             JsonNode   *value,
             gpointer    data)
{
  ObjectBuilder *b = data;
  guint size = json_object_get_size (b->object);

  if (b->counts == NULL && size >= MAX_SHARED_HASH && !b->reader->own)
    start_counting (b);

  if (b->counts != NULL && !count_hash (b, glib_str_hash (name)))
    {
      json_node_unref (value);
      fail (b->reader, "too many member names with the same hash in one object");
      return FALSE;
    }

  /* A repeated name is refused (RFC 7493), not replaced: json-glib finds
   * it again in its member list, one comparison per member, which repeated
   * names would make quadratic; and readers that keep the first value
   * would see another message than we do. */
  json_object_set_member (b->object, name, value);
  if (json_object_get_size (b->object) == size)
    {
      fail (b->reader, "repeated member name");
      return FALSE;
    }

  return TRUE;
}

/* Reads one item of a container; FALSE stops reading (error set, or the
 * caller's sink said stop). */
typedef gboolean (*ItemReader) (Reader   *r,
                                gpointer  data);

/* r->p at '{' or '[' (closed by @close): reads its items with @item.
 * FALSE on malformed input (error set) or when @item stopped. Inline, so
 * that each caller calls its item reader directly. */
static inline gboolean
read_container (Reader     *r,
                char        close,
                ItemReader  item,
                gpointer    data)
{
  Separator separator = SEPARATOR_MORE;

  if (!enter (r))
    return FALSE;

  if (r->p < r->end && *r->p == close)
    r->p++;
  else
    while (separator == SEPARATOR_MORE)
      {
        if (!item (r, data))
          return FALSE;
        separator = read_separator (r, close);
        if (separator == SEPARATOR_ERROR)
          return FALSE;
      }

  r->depth--;
  return TRUE;
}

typedef struct {
  MemberSink sink;
  gpointer   data;
  guint      count;
} MemberReader;

static gboolean
read_member (Reader   *r,
             gpointer  data)
{
  MemberReader *members = data;
  JsonNode *value;
  gssize name;
  gboolean more;

  if (r->p >= r->end || *r->p != '"')
    {
      fail (r, r->p >= r->end ? "unterminated object" : "expected a member name");
      return FALSE;
    }
  if (++members->count > NORTH_MCP_JSON_MAX_MEMBERS && !r->own)
    {
      fail (r, "more than " G_STRINGIFY (NORTH_MCP_JSON_MAX_MEMBERS) " members in an object");
      return FALSE;
    }
  name = read_string (r);
  if (name < 0)
    return FALSE;
  /* The name's text is on the stack up to its NUL. */
  r->cost += NORTH_MCP_JSON_MEMBER_COST + (r->stack_len - name - 1);
  if (over_budget (r))
    return FALSE;

  skip_whitespace (r);
  if (r->p >= r->end || *r->p != ':')
    {
      fail (r, "expected ':'");
      return FALSE;
    }
  r->p++;
  skip_whitespace (r);

  value = read_value (r);
  if (value == NULL)
    return FALSE;
  more = members->sink (r->stack + name, value, members->data);
  r->stack_len = name;
  return more;
}

/* r->p at '{': hands each member to @sink (which takes the value).
 * FALSE on malformed input (error set) or when @sink stopped. */
static gboolean
read_members (Reader     *r,
              MemberSink  sink,
              gpointer    data)
{
  MemberReader members = { sink, data, 0 };

  return read_container (r, '}', read_member, &members);
}

static JsonNode *
read_object (Reader *r)
{
  ObjectBuilder b = { r, json_object_new (), NULL, 0, 0 };
  JsonNode *node = NULL;

  if (read_members (r, object_sink, &b))
    node = json_node_init_object (json_node_alloc (), b.object);

  json_object_unref (b.object);
  g_free (b.counts);
  return node;
}

static gboolean
read_element (Reader   *r,
              gpointer  data)
{
  JsonNode *element = read_value (r);

  if (element == NULL)
    return FALSE;
  json_array_add_element (data, element);
  return TRUE;
}

static JsonNode *
read_array (Reader *r)
{
  JsonArray *array = json_array_new ();
  JsonNode *node = NULL;

  if (read_container (r, ']', read_element, array))
    node = json_node_init_array (json_node_alloc (), array);

  json_array_unref (array);
  return node;
}

/* r->p at the first byte of a value (whitespace skipped). */
static JsonNode *
read_value (Reader *r)
{
  if (r->p >= r->end)
    {
      fail (r, "unexpected end of input");
      return NULL;
    }

  /* Counted before it is built: a tree cut short by an error cost that
   * much too, for as long as it was being read. */
  r->cost += NORTH_MCP_JSON_VALUE_COST;
  switch (*r->p)
    {
    case '{':
      r->cost += NORTH_MCP_JSON_OBJECT_COST;
      return over_budget (r) ? NULL : read_object (r);

    case '[':
      r->cost += NORTH_MCP_JSON_ARRAY_COST;
      return over_budget (r) ? NULL : read_array (r);

    case '"':
      {
        gssize offset = read_string (r);
        JsonNode *node;

        if (offset < 0)
          return NULL;
        r->cost += NORTH_MCP_JSON_STRING_COST + (r->stack_len - offset - 1);
        if (over_budget (r))
          return NULL;
        node = json_node_init_string (json_node_alloc (), r->stack + offset);
        r->stack_len = offset;
        return node;
      }

    case 't':
      return !over_budget (r) && read_literal (r, "true", 4) ?
             json_node_init_boolean (json_node_alloc (), TRUE) : NULL;
    case 'f':
      return !over_budget (r) && read_literal (r, "false", 5) ?
             json_node_init_boolean (json_node_alloc (), FALSE) : NULL;
    case 'n':
      return !over_budget (r) && read_literal (r, "null", 4) ? json_node_init_null (json_node_alloc ()) : NULL;

    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
      return over_budget (r) ? NULL : read_number (r);

    default:
      fail (r, "unexpected character");
      return NULL;
    }
}

static void
reader_init (Reader     *r,
             const char *data,
             gsize       length,
             guint       max_depth,
             GError    **error)
{
  r->start = r->p = (const guchar *) data;
  /* An empty GBytes has no data (NULL): no arithmetic on it. */
  r->end = length > 0 ? r->start + length : r->start;
  r->depth = 0;
  r->max_depth = max_depth;
  r->own = FALSE;
  r->cost = 0;
  r->budget = G_MAXUINT64;
  r->error = error;
  r->stack = r->inline_stack;
  r->stack_len = 0;
  r->stack_size = INLINE_STACK;
}

static void
reader_clear (Reader *r)
{
  if (r->stack != r->inline_stack)
    g_free (r->stack);
}

gboolean
north_mcp_json_read_members (const char             *data,
                             gsize                   length,
                             guint                   max_depth,
                             NorthMcpJsonMemberFunc  func,
                             gpointer                user_data,
                             guint64                 budget,
                             guint64                *cost)
{
  Reader r;
  gboolean ok;

  g_return_val_if_fail (data != NULL || length == 0, FALSE);
  g_return_val_if_fail (func != NULL, FALSE);

  reader_init (&r, data, length, max_depth, NULL);
  r.budget = budget;
  skip_whitespace (&r);
  ok = r.p < r.end && *r.p == '{' && read_members (&r, func, user_data);
  if (ok)
    {
      skip_whitespace (&r);
      ok = r.p == r.end;
    }
  reader_clear (&r);
  if (cost != NULL)
    *cost = r.cost;

  return ok;
}

static JsonNode *
read_text (const char  *data,
           gsize        length,
           guint        max_depth,
           gboolean     own,
           guint64      budget,
           guint64     *cost,
           GError     **error)
{
  Reader r;
  JsonNode *root;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  reader_init (&r, data, length, max_depth, error);
  r.own = own;
  r.budget = budget;
  if (cost != NULL)
    *cost = 0;

  skip_whitespace (&r);
  if (r.p >= r.end)
    {
      g_set_error_literal (error, NORTH_MCP_JSONRPC_ERROR, NORTH_MCP_JSONRPC_ERROR_PARSE_ERROR,
                           "Parse error: the message holds no JSON value");
      return NULL;
    }

  root = read_value (&r);
  if (root != NULL)
    {
      skip_whitespace (&r);
      if (r.p < r.end)
        {
          fail (&r, "unexpected data after the JSON value");
          g_clear_pointer (&root, json_node_unref);
        }
    }

  reader_clear (&r);
  if (cost != NULL)
    *cost = r.cost;

  /* Not sealed: sealing walks the whole tree again (over 1 % of a
   * request), and nothing relies on it; a handler that edits its own
   * arguments only changes its own request. */
  return root;
}

JsonNode *
north_mcp_json_read (const char  *data,
                     gsize        length,
                     guint        max_depth,
                     GError     **error)
{
  return read_text (data, length, max_depth, FALSE, G_MAXUINT64, NULL, error);
}

JsonNode *
north_mcp_json_read_counted (const char  *data,
                             gsize        length,
                             guint        max_depth,
                             guint64      budget,
                             guint64     *cost,
                             GError     **error)
{
  return read_text (data, length, max_depth, FALSE, budget, cost, error);
}

JsonNode *
north_mcp_json_read_own (const char  *data,
                         gsize        length,
                         guint        max_depth,
                         GError     **error)
{
  return read_text (data, length, max_depth, TRUE, G_MAXUINT64, NULL, error);
}
