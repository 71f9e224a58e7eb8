/* north-mcp-dbus-walk.c: a D-Bus message, walked by its signatures
 * before GDBus parses it
 *
 * GLib 2.74 makes a GVariant of each value of a message it reads (some
 * 100 to 270 bytes each, where D-Bus carries an empty signature in 2
 * bytes: 4 MiB of them took 330 MB). Counting them first, as the wire
 * format lays them out, lets the bridge's connection drop a message of
 * too many before GDBus sees it. This is a parser of what any bus peer
 * sends: every length is checked against its container's end, each
 * array element takes at least one byte, skipping a type is a table
 * look-up, and the recursion follows the containers, at most
 * NORTH_MCP_DBUS_MAX_DEPTH deep.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-dbus-walk-private.h"

/* A signature is at most 255 bytes (its length is one byte). */
#define MAX_SIGNATURE 255

/* How many levels a body's values may take, as GDBus counts them (its
 * G_DBUS_MAX_TYPE_DEPTH): the containers and a value within them. */
#define VALUE_DEPTH (NORTH_MCP_DBUS_MAX_DEPTH + 1)

typedef struct
{
  const guint8 *data;
  gsize         end;        /* of the container walked */
  gsize         pos;
  gboolean      big_endian;
  guint64       values;
  guint64       max_values;
  const char   *problem;    /* NULL when the walk stopped at max_values */
} Walk;

/* A signature, where each complete type in it ends and how many levels
 * it takes, as GLib counts them (a basic type one, a container one more
 * than its deepest member). */
typedef struct
{
  const char *text;
  guint8      ends[MAX_SIGNATURE + 1];
  guint8      depths[MAX_SIGNATURE + 1];
} Signature;

guint
north_mcp_dbus_fixed_size (char type)
{
  switch (type)
    {
    case 'y':
      return 1;
    case 'n': case 'q':
      return 2;
    case 'b': case 'i': case 'u': case 'h':
      return 4;
    case 'x': case 't': case 'd':
      return 8;
    default:
      return 0;
    }
}

static guint
alignment_of (char type)
{
  switch (type)
    {
    case 'y': case 'g': case 'v':
      return 1;
    case 'n': case 'q':
      return 2;
    case 'b': case 'i': case 'u': case 'h': case 's': case 'o': case 'a':
      return 4;
    default:    /* x t d ( { */
      return 8;
    }
}

static gboolean
fail (Walk       *walk,
      const char *problem)
{
  walk->problem = problem;
  return FALSE;
}

static gboolean
count (Walk *walk)
{
  /* Stopping here leaves problem NULL: too many. */
  return ++walk->values <= walk->max_values;
}

static gboolean
align (Walk *walk,
       guint alignment)
{
  gsize to = (walk->pos + alignment - 1) & ~(gsize) (alignment - 1);

  if (to > walk->end)
    return fail (walk, "padding past the end of its container");
  walk->pos = to;
  return TRUE;
}

static const guint8 *
take (Walk  *walk,
      gsize  length)
{
  const guint8 *at = walk->data + walk->pos;

  if (length > walk->end - walk->pos)
    {
      fail (walk, "a value past the end of its container");
      return NULL;
    }
  walk->pos += length;
  return at;
}

static gboolean
take_u32 (Walk    *walk,
          guint32 *value)
{
  const guint8 *at;

  if (!align (walk, 4) || (at = take (walk, 4)) == NULL)
    return FALSE;
  memcpy (value, at, 4);
  *value = walk->big_endian ? GUINT32_FROM_BE (*value) : GUINT32_FROM_LE (*value);
  return TRUE;
}

/* Text of @length bytes and its NUL. */
static const char *
take_text (Walk  *walk,
           gsize  length)
{
  const guint8 *at = take (walk, length + 1);

  if (at == NULL)
    return NULL;
  if (at[length] != '\0')
    {
      fail (walk, "a string without its NUL");
      return NULL;
    }
  return (const char *) at;
}

/* @text (valid: each container closes) with the end and depth of the
 * complete type starting at each position, from the last: a structure's
 * follow from its members', so that each position is looked at once per
 * enclosing structure's walk of its direct members. */
static void
signature_init (Signature  *signature,
                const char *text,
                gsize       length)
{
  signature->text = text;
  for (gsize i = length; i-- > 0;)
    switch (text[i])
      {
      case 'a':
        signature->ends[i] = signature->ends[i + 1];
        signature->depths[i] = signature->depths[i + 1] + 1;
        break;
      case '(': case '{':
        {
          gsize j = i + 1;

          /* "()" takes no level: GLib's count. */
          signature->depths[i] = 0;
          for (; text[j] != ')' && text[j] != '}'; j = signature->ends[j])
            signature->depths[i] = MAX (signature->depths[i], signature->depths[j] + 1);
          signature->ends[i] = j + 1;
        }
        break;
      case ')': case '}':
        signature->ends[i] = 0;
        break;
      default:
        signature->ends[i] = i + 1;
        signature->depths[i] = 1;
        break;
      }
}

static gboolean walk_value (Walk            *walk,
                            const Signature *signature,
                            gsize            at,
                            guint            depth);

static gboolean
walk_variant (Walk  *walk,
              guint  depth)
{
  const guint8 *length;
  const char *text;
  Signature inner;

  if ((length = take (walk, 1)) == NULL || (text = take_text (walk, *length)) == NULL)
    return FALSE;
  /* GDBus would read the signature up to its NUL: D-Bus forbids it. */
  if (strlen (text) != *length)
    return fail (walk, "a variant signature with a NUL in it");
  if (!g_variant_is_signature (text) || !g_variant_type_string_is_valid (text))
    return fail (walk, "a variant whose signature is not one complete type");
  signature_init (&inner, text, *length);
  /* GDBus refuses a type deeper than the levels left, even of an empty
   * array. */
  if (inner.depths[0] >= depth)
    return fail (walk, "containers nested deeper than D-Bus allows");
  return walk_value (walk, &inner, 0, depth - 1);
}

static gboolean
walk_array (Walk            *walk,
            const Signature *signature,
            gsize            at,
            guint            depth)
{
  char element = signature->text[at + 1];
  guint32 length;
  gsize end = walk->end, from;
  /* GDBus makes a GVariant of each boolean: their size differs in
   * GVariant (1 byte, 4 on D-Bus), so it cannot copy them at once. */
  guint size = element == 'b' ? 0 : north_mcp_dbus_fixed_size (element);

  if (!take_u32 (walk, &length))
    return FALSE;
  from = walk->pos;
  /* GDBus pads an empty array to its element only where one could be. */
  if ((length > 0 || depth > 1) && !align (walk, alignment_of (element)))
    return FALSE;
  if (length > walk->end - walk->pos)
    return fail (walk, "an array longer than its container");
  if (size > 0)
    {
      /* One GVariant for all: GDBus copies them at once. */
      if (length % size != 0)
        return fail (walk, "an array of numbers whose length is not a multiple of theirs");
      /* GDBus refuses it where its numbers would be too deep. */
      if (depth == 1)
        return fail (walk, "containers nested deeper than D-Bus allows");
      walk->pos += length;
      return TRUE;
    }
  /* Each element takes at least one byte: the walk is linear. They lie
   * within @length bytes after the padding (D-Bus), but GDBus reads them
   * while the last ended before @length bytes after the length itself:
   * one less, where one ends within the padding's size of the end. */
  walk->end = walk->pos + length;
  for (gsize last = from; last < from + length; last = walk->pos)
    if (!walk_value (walk, signature, at + 1, depth - 1))
      return FALSE;
  walk->end = end;
  return TRUE;
}

/* The value of the complete type at @at of @signature, which may take
 * @depth levels: itself one, its members one more each (GDBus's count:
 * a member of a body may take VALUE_DEPTH). */
static gboolean
walk_value (Walk            *walk,
            const Signature *signature,
            gsize            at,
            guint            depth)
{
  char type = signature->text[at];
  guint size = north_mcp_dbus_fixed_size (type);
  const guint8 *length;
  guint32 text_length;

  if (depth == 0)
    return fail (walk, "containers nested deeper than D-Bus allows");
  if (!count (walk))
    return FALSE;
  if (size > 0)
    return align (walk, size) && take (walk, size) != NULL;

  switch (type)
    {
    case 's': case 'o':
      return take_u32 (walk, &text_length) && take_text (walk, text_length) != NULL;
    case 'g':
      return (length = take (walk, 1)) != NULL && take_text (walk, *length) != NULL;
    default:
      break;
    }

  switch (type)
    {
    case 'v':
      return walk_variant (walk, depth);
    case 'a':
      return walk_array (walk, signature, at, depth);
    case '(': case '{':
      /* GDBus takes "()" in a signature but refuses its value: it would
       * take no bytes, an array of them elements without end. */
      if (signature->text[at + 1] == ')')
        return fail (walk, "an empty structure, which D-Bus does not have");
      if (!align (walk, 8))
        return FALSE;
      for (gsize member = at + 1; signature->text[member] != ')' && signature->text[member] != '}';
           member = signature->ends[member])
        if (!walk_value (walk, signature, member, depth - 1))
          return FALSE;
      return TRUE;
    default:
      return fail (walk, "a type D-Bus does not have");
    }
}

/* The header fields, an array of (code, variant) at offset 12: the
 * body's signature, if any (of the last signature field), in
 * *@body_signature. */
static gboolean
walk_fields (Walk        *walk,
             const char **body_signature)
{
  static const Signature variant = { "v", { 1 } };
  gsize signature_at = 0;
  guint32 length;

  walk->pos = 12;
  if (!count (walk) || !take_u32 (walk, &length) || !align (walk, 8))
    return FALSE;
  if (length > walk->end - walk->pos)
    return fail (walk, "header fields longer than the message");
  walk->end = walk->pos + length;
  while (walk->pos < walk->end)
    {
      const guint8 *code;
      gsize value_at;

      /* The entry and its code. */
      if (!count (walk) || !count (walk) || !align (walk, 8) || (code = take (walk, 1)) == NULL)
        return FALSE;
      value_at = walk->pos;
      /* GDBus allows the a{yv} two levels beyond a body's: a field's
       * variant may nest as deeply as a member of a body. */
      if (!walk_value (walk, &variant, 0, VALUE_DEPTH))
        return FALSE;
      if (*code == G_DBUS_MESSAGE_HEADER_FIELD_SIGNATURE)
        signature_at = value_at;
    }
  /* GDBus keeps the last field of each code. */
  if (signature_at != 0)
    {
      if (memcmp (walk->data + signature_at, "\1g", 3) != 0)
        return fail (walk, "a signature field that is no signature");
      *body_signature = (const char *) walk->data + signature_at + 4;
    }
  return TRUE;
}

static gboolean
walk_body (Walk       *walk,
           const char *text,
           gsize       body)
{
  g_autofree char *tuple = g_strdup_printf ("(%s)", text);
  gsize length = strlen (text);
  Signature signature;

  if (length == 0)
    return TRUE;
  if (body == 0)
    return fail (walk, "a signature but no body");
  if (!g_variant_is_signature (text) || !g_variant_type_string_is_valid (tuple))
    return fail (walk, "a body signature that is not valid");
  /* The body's tuple. */
  if (!count (walk))
    return FALSE;
  signature_init (&signature, text, length);
  for (gsize at = 0; at < length; at = signature.ends[at])
    if (!walk_value (walk, &signature, at, VALUE_DEPTH))
      return FALSE;
  return TRUE;
}

NorthMcpDBusWalk
north_mcp_dbus_walk_message (const guint8  *message,
                             gsize          length,
                             guint64        max_values,
                             guint64       *n_values,
                             const char   **problem)
{
  Walk walk = { message, length, 0, message[0] == 'B', 0, max_values, NULL };
  const char *signature = NULL;
  guint32 body;
  gboolean walked;

  g_return_val_if_fail (length >= 16, NORTH_MCP_DBUS_WALK_MALFORMED);

  memcpy (&body, message + 4, 4);
  body = walk.big_endian ? GUINT32_FROM_BE (body) : GUINT32_FROM_LE (body);
  walked = walk_fields (&walk, &signature);
  if (walked)
    {
      /* The body follows the fields, aligned to 8. */
      walk.end = length;
      walked = align (&walk, 8);
    }
  if (walked)
    {
      if (signature != NULL)
        walked = walk_body (&walk, signature, body);
      else if (body > 0)
        walked = fail (&walk, "a body but no signature");
    }
  *n_values = walk.values;
  *problem = walk.problem;
  if (walked)
    return NORTH_MCP_DBUS_WALK_OK;
  return walk.problem != NULL ? NORTH_MCP_DBUS_WALK_MALFORMED : NORTH_MCP_DBUS_WALK_TOO_MANY;
}
