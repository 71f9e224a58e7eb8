/* fuzz-dbus-message.c: a D-Bus message of any bus peer, walked by its
 * signatures as the desktop bridge's connection walks it before GDBus
 * parses it
 *
 * Input: one message's bytes (little- or big-endian), as long as its
 * fixed header says (g_dbus_message_bytes_needed(); bytes after it are
 * ignored, an input shorter than it is no message). They are walked
 * (north_mcp_dbus_walk_message()) and parsed by GDBus
 * (g_dbus_message_new_from_blob()), and the two must agree:
 *
 *  - both accept: the walker counted exactly the GVariants GDBus made
 *    (count_values() below: each value and container, an array of
 *    GDBus's fixed-size numbers as one, the header fields' a{yv} and the
 *    body's tuple included), and a walk allowed one value less stops
 *    with NORTH_MCP_DBUS_WALK_TOO_MANY;
 *  - the walker refuses what GDBus accepts only where it is documented
 *    stricter: a value, padding or array running past its container
 *    (GDBus bounds them by the message only) or a NUL within a variant's
 *    signature (GDBus reads the signature up to it);
 *  - the walker accepts what GDBus refuses only where GDBus checks what
 *    the walker leaves to it: strings' contents (UTF-8, object paths,
 *    signature values), the protocol version and the header fields a
 *    message of its type needs.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>

#include <gio/gio.h>

#include "north-mcp-dbus-walk-private.h"
#include "fuzz-common.h"

/* The GVariants GDBus makes of @value: one for it, and those of its
 * children unless it is an array of what GDBus copies at once (its
 * get_type_fixed_size(): not booleans, whose size differs in GVariant). */
static guint64
count_values (GVariant *value)
{
  guint64 n = 1;
  GVariantIter iter;
  GVariant *child;

  if (!g_variant_is_container (value))
    return 1;
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_ARRAY) &&
      strchr ("ynqiuhxtd", g_variant_get_type_string (value)[1]) != NULL)
    return 1;
  g_variant_iter_init (&iter, value);
  while ((child = g_variant_iter_next_value (&iter)) != NULL)
    {
      n += count_values (child);
      g_variant_unref (child);
    }
  return n;
}

/* The GVariants GDBus made of the header fields of @blob: their a{yv},
 * parsed by GDBus again as the body of a message (of no type GDBus
 * checks) whose signature is "ua{yv}": a uint32, then the message from
 * its fields' length on, aligned as in @blob. The message it made keeps
 * only the last field of each code, which repeated codes would hide.
 * Parsed as a body, the fields may nest two containers less than as
 * fields: then FALSE. */
static gboolean
count_header_values (const guint8 *blob,
                     gsize         length,
                     guint64      *n_values)
{
  static const guint8 fields[] = "\x08\x01g\x00\x06ua{yv}\x00";
  g_autoptr(GByteArray) copy = g_byte_array_new ();
  g_autoptr(GDBusMessage) message = NULL;
  g_autoptr(GVariant) headers = NULL;
  gboolean big_endian = blob[0] == 'B';
  guint32 word;

  g_byte_array_append (copy, blob, 4);
  copy->data[1] = 0x7f;  /* a type GDBus checks no header of */
  word = length - 12 + 4;
  word = big_endian ? GUINT32_TO_BE (word) : GUINT32_TO_LE (word);
  g_byte_array_append (copy, (const guint8 *) &word, 4);
  g_byte_array_append (copy, blob + 8, 4);
  word = sizeof fields - 1;
  word = big_endian ? GUINT32_TO_BE (word) : GUINT32_TO_LE (word);
  g_byte_array_append (copy, (const guint8 *) &word, 4);
  g_byte_array_append (copy, fields, sizeof fields - 1);
  g_byte_array_append (copy, (const guint8 *) "\0\0\0\0\0\0\0\0", 8 - (copy->len % 8));
  g_byte_array_append (copy, (const guint8 *) "\0\0\0\0", 4);
  g_byte_array_append (copy, blob + 12, length - 12);

  message = g_dbus_message_new_from_blob (copy->data, copy->len, 0, NULL);
  if (message == NULL)
    return FALSE;
  g_variant_get_child (g_dbus_message_get_body (message), 1, "@a{yv}", &headers);
  *n_values = count_values (headers);
  return TRUE;
}

/* Refusals of the walker where GDBus accepts: see the top. */
static gboolean
walker_is_stricter (const char *problem)
{
  static const char *const stricter[] = {
    "a value past the end of its container",
    "padding past the end of its container",
    "an array longer than its container",
    "a variant signature with a NUL in it",
  };

  for (guint i = 0; i < G_N_ELEMENTS (stricter); i++)
    if (strcmp (problem, stricter[i]) == 0)
      return TRUE;
  return FALSE;
}

/* Refusals of GDBus (2.74, whose messages are matched) for what the
 * walker leaves to it: see the top. */
static gboolean
gdbus_checks_more (const GError *error)
{
  const char *message = error->message;

  return strstr (message, "Expected valid UTF-8 string") != NULL ||
         g_str_has_suffix (message, "” is not a valid D-Bus object path") ||
         g_str_has_suffix (message, "” is not a valid D-Bus signature") ||
         g_str_has_prefix (message, "Invalid major protocol version") ||
         g_str_has_prefix (message, "Cannot deserialize message: ");
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GDBusMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *blob = NULL;
  const char *problem = NULL;
  guint64 n_values = 0, n_header = 0, again;
  NorthMcpDBusWalk walk;
  gssize needed;

  fuzz_init ();
  if (size < 16 || (needed = g_dbus_message_bytes_needed ((guchar *) data, 16, NULL)) < 16 ||
      (gsize) needed > size)
    return 0;
  /* Exactly the message's bytes, so that ASan sees any read past them. */
  blob = g_memdup2 (data, needed);

  walk = north_mcp_dbus_walk_message (blob, needed, G_MAXUINT64, &n_values, &problem);
  if (walk == NORTH_MCP_DBUS_WALK_TOO_MANY || (walk == NORTH_MCP_DBUS_WALK_MALFORMED) != (problem != NULL))
    abort ();
  message = g_dbus_message_new_from_blob (blob, needed, 0, &error);

  if (walk == NORTH_MCP_DBUS_WALK_OK && message != NULL)
    {
      GVariant *body = g_dbus_message_get_body (message);
      guint64 n_body = body != NULL ? count_values (body) : 0;

      if (count_header_values (blob, needed, &n_header) && n_values != n_header + n_body)
        {
          g_printerr ("the walker counted %" G_GUINT64_FORMAT " values, GDBus made %" G_GUINT64_FORMAT
                      " (%" G_GUINT64_FORMAT " of them for the header fields)\n",
                      n_values, n_header + n_body, n_header);
          abort ();
        }
      if (north_mcp_dbus_walk_message (blob, needed, n_values - 1, &again, &problem) !=
          NORTH_MCP_DBUS_WALK_TOO_MANY || problem != NULL)
        abort ();
    }
  else if (walk == NORTH_MCP_DBUS_WALK_MALFORMED && message != NULL && !walker_is_stricter (problem))
    {
      g_printerr ("the walker refused what GDBus accepts: %s\n", problem);
      abort ();
    }
  else if (walk == NORTH_MCP_DBUS_WALK_OK && message == NULL && !gdbus_checks_more (error))
    {
      g_printerr ("the walker accepted what GDBus refuses: %s\n", error->message);
      abort ();
    }
  return 0;
}
