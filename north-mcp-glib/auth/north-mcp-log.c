/* north-mcp-log.c: the debug log format of the North contract
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "north-mcp-log-private.h"

#define REDACT_PREFIX_LENGTH 10
/* Values shorter than this show nothing at all. */
#define REDACT_MIN_SHOWN_LENGTH 8

/* The fields that make a record one of the contract's lines: its logger
 * (also its GLIB_DOMAIN) and its level name as the line shows it. */
#define FIELD_LOGGER "NORTH_MCP_LOGGER"
#define FIELD_LEVEL "NORTH_MCP_LEVEL"
/* And, inside a traced request, the trace and the span. */
#define FIELD_TRACE_ID "NORTH_MCP_TRACE_ID"
#define FIELD_SPAN_ID "NORTH_MCP_SPAN_ID"

static gint writer_installed; /* atomic */

static const char *
field_string (const GLogField *field)
{
  /* Only our own records are read, and they hold NUL-terminated strings. */
  return field->length < 0 ? field->value : NULL;
}

/* Every other record, as GLib's default writer writes it but always to
 * stderr: that one puts debug and info lines on stdout, the stdio
 * transport's, and may be told otherwise only before any thread runs. */
static GLogWriterOutput
write_other_record (GLogLevelFlags   log_level,
                    const GLogField *fields,
                    gsize            n_fields,
                    gpointer         user_data)
{
  g_autofree char *domain = NULL;
  g_autofree char *text = NULL;

  if (g_log_writer_is_journald (fileno (stderr)) &&
      g_log_writer_journald (log_level, fields, n_fields, user_data) == G_LOG_WRITER_HANDLED)
    return G_LOG_WRITER_HANDLED;

  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "GLIB_DOMAIN") && fields[i].value != NULL)
      domain = fields[i].length < 0 ? g_strdup (fields[i].value)
                                    : g_strndup (fields[i].value, fields[i].length);
  if (g_log_writer_default_would_drop (log_level, domain))
    return G_LOG_WRITER_HANDLED;

  text = g_log_writer_format_fields (log_level, fields, n_fields,
                                     g_log_writer_supports_color (fileno (stderr)));
  fprintf (stderr, "%s\n", text);
  fflush (stderr);
  return G_LOG_WRITER_HANDLED;
}

GLogWriterOutput
north_mcp_log_writer (GLogLevelFlags   log_level,
                      const GLogField *fields,
                      gsize            n_fields,
                      gpointer         user_data)
{
  const char *logger = NULL, *level = NULL, *message = NULL;
  const char *trace_id = NULL, *span_id = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autofree char *stamp = NULL;
  g_autofree char *line = NULL;

  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_str_equal (fields[i].key, FIELD_LOGGER))
        logger = field_string (&fields[i]);
      else if (g_str_equal (fields[i].key, FIELD_LEVEL))
        level = field_string (&fields[i]);
      else if (g_str_equal (fields[i].key, "MESSAGE"))
        message = field_string (&fields[i]);
      else if (g_str_equal (fields[i].key, FIELD_TRACE_ID))
        trace_id = field_string (&fields[i]);
      else if (g_str_equal (fields[i].key, FIELD_SPAN_ID))
        span_id = field_string (&fields[i]);
    }
  if (logger == NULL || level == NULL || message == NULL)
    return write_other_record (log_level, fields, n_fields, user_data);

  now = g_date_time_new_now_local ();
  stamp = g_date_time_format (now, "%Y-%m-%d %H:%M:%S");
  /* Inside a traced request, the line says which trace and span, as the
   * North Python SDK's TraceContextFormatter does. */
  if (trace_id != NULL && span_id != NULL)
    line = g_strdup_printf ("%s - %s - %s - %s [trace_id=%s span_id=%s]\n", stamp, logger, level,
                            message, trace_id, span_id);
  else
    line = g_strdup_printf ("%s - %s - %s - %s\n", stamp, logger, level, message);

  /* One write per line, so that lines of several threads do not mix. */
  flockfile (stderr);
  fputs (line, stderr);
  fflush (stderr);
  funlockfile (stderr);
  return G_LOG_WRITER_HANDLED;
}

static NorthMcpLogTraceFunc trace_func;

void
north_mcp_log_set_trace_func (NorthMcpLogTraceFunc func)
{
  g_atomic_pointer_set (&trace_func, func);
}

void
north_mcp_log_install_writer (void)
{
  static gsize installed = 0;

  if (g_once_init_enter (&installed))
    {
      g_log_set_writer_func (north_mcp_log_writer, NULL, NULL);
      g_atomic_int_set (&writer_installed, TRUE);
      g_once_init_leave (&installed, 1);
    }
}

/* How many bytes at @p make a character to escape, 0 if none: the C0
 * controls but tab, DEL, and in UTF-8 the C1 controls (U+0080 to U+009F:
 * NEL ends a line for some readers, CSI starts a terminal escape as ESC [
 * does) and the line and paragraph separators U+2028 and U+2029. */
static gsize
escaped_length (const guchar *p)
{
  if ((p[0] < 0x20 && p[0] != '\t') || p[0] == 0x7f)
    return 1;
  if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
    return 2;
  if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9))
    return 3;
  return 0;
}

/* One record is one line: control characters in what a message quotes
 * (a claim, an issuer a client sent) are escaped as repr() would, tabs
 * kept, so that no value can end the line and write one of its own.
 * Takes @message; returns it, or its escaped copy. */
static char *
escape_controls (char *message)
{
  const guchar *p = (const guchar *) message;
  GString *out;
  gsize length = 0;

  while (*p != '\0' && escaped_length (p) == 0)
    p++;
  if (*p == '\0')
    return message;

  out = g_string_sized_new (strlen (message) + 16);
  for (p = (const guchar *) message; *p != '\0'; p += MAX (length, 1))
    {
      length = escaped_length (p);
      if (*p == '\n')
        g_string_append (out, "\\n");
      else if (*p == '\r')
        g_string_append (out, "\\r");
      else if (length == 1)
        g_string_append_printf (out, "\\x%02x", *p);
      else if (length == 2)
        g_string_append_printf (out, "\\x%02x", p[1]);
      else if (length == 3)
        g_string_append (out, p[2] == 0xa8 ? "\\u2028" : "\\u2029");
      else
        g_string_append_c (out, (char) *p);
    }
  g_free (message);
  return g_string_free (out, FALSE);
}

void
north_mcp_log_message (const char *logger,
                       const char *level,
                       const char *format,
                       va_list     args)
{
  g_autofree char *message = escape_controls (g_strdup_vprintf (format, args));
  gboolean debug = g_str_equal (level, "DEBUG");
  NorthMcpLogTraceFunc trace = g_atomic_pointer_get (&trace_func);
  const char *trace_id = NULL, *span_id = NULL;
  GLogField fields[] = {
    { "GLIB_DOMAIN", logger, -1 },
    { "PRIORITY", debug ? "7" : "4", -1 },
    { "MESSAGE", message, -1 },
    { FIELD_LOGGER, logger, -1 },
    { FIELD_LEVEL, level, -1 },
    { FIELD_TRACE_ID, NULL, -1 },
    { FIELD_SPAN_ID, NULL, -1 },
  };
  gsize n_fields = G_N_ELEMENTS (fields) - 2;

  if (trace != NULL && trace (&trace_id, &span_id))
    {
      fields[n_fields++].value = trace_id;
      fields[n_fields++].value = span_id;
    }

  /* Through GLib only when the process's writer is known to be ours:
   * GLib has one writer per process, set once, that a library may not
   * take from the program. A warning goes as G_LOG_LEVEL_MESSAGE, which
   * G_DEBUG=fatal-warnings does not turn into an abort. */
  if (g_atomic_int_get (&writer_installed))
    g_log_structured_array (debug ? G_LOG_LEVEL_DEBUG : G_LOG_LEVEL_MESSAGE,
                            fields, n_fields);
  else
    north_mcp_log_writer (debug ? G_LOG_LEVEL_DEBUG : G_LOG_LEVEL_MESSAGE,
                          fields, n_fields, NULL);
}

void
north_mcp_log_printf (const char *logger,
                      const char *level,
                      const char *format,
                      ...)
{
  va_list args;

  va_start (args, format);
  north_mcp_log_message (logger, level, format, args);
  va_end (args);
}

gboolean
north_mcp_log_debug_from_env (void)
{
  static const char * const truthy[] = { "true", "1", "yes", "on" };
  const char *value = g_getenv ("DEBUG");
  g_autofree char *stripped = NULL;

  if (value == NULL)
    return FALSE;

  stripped = g_strstrip (g_strdup (value));
  for (guint i = 0; i < G_N_ELEMENTS (truthy); i++)
    if (g_ascii_strcasecmp (stripped, truthy[i]) == 0)
      return TRUE;

  return FALSE;
}

static void
append_repr (GString    *out,
             const char *text)
{
  g_string_append_c (out, '\'');
  for (const guchar *p = (const guchar *) text; *p != '\0'; p++)
    {
      if (*p == '\\' || *p == '\'')
        g_string_append_printf (out, "\\%c", *p);
      else if (*p == '\n')
        g_string_append (out, "\\n");
      else if (*p == '\r')
        g_string_append (out, "\\r");
      else if (*p == '\t')
        g_string_append (out, "\\t");
      else if (*p < 0x20 || *p >= 0x7f)
        g_string_append_printf (out, "\\x%02x", *p);
      else
        g_string_append_c (out, *p);
    }
  g_string_append_c (out, '\'');
}

char *
north_mcp_log_repr_string (const char *text)
{
  GString *out = g_string_new (NULL);

  if (text == NULL)
    {
      g_string_append (out, "None");
      return g_string_free (out, FALSE);
    }
  append_repr (out, text);
  return g_string_free (out, FALSE);
}

char *
north_mcp_log_repr_strv (const char * const *items)
{
  GString *out = g_string_new ("[");

  for (guint i = 0; items != NULL && items[i] != NULL; i++)
    {
      if (i > 0)
        g_string_append (out, ", ");
      append_repr (out, items[i]);
    }
  g_string_append_c (out, ']');
  return g_string_free (out, FALSE);
}

static int
compare_strings (const void *a,
                 const void *b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

char *
north_mcp_log_repr_keys (GHashTable *table)
{
  g_autofree const char **keys = NULL;

  if (table == NULL)
    return g_strdup ("[]");

  keys = (const char **) g_hash_table_get_keys_as_array (table, NULL);
  qsort (keys, g_hash_table_size (table), sizeof (char *), compare_strings);
  return north_mcp_log_repr_strv (keys);
}

char *
north_mcp_log_repr_peer (GSocketAddress *peer)
{
  GInetAddress *address;
  g_autofree char *host = NULL;

  if (peer == NULL || !G_IS_INET_SOCKET_ADDRESS (peer))
    return g_strdup ("None");

  address = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (peer));
  host = g_inet_address_to_string (address);
  return g_strdup_printf ("('%s', %u)", host,
                          g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (peer)));
}

const char *
north_mcp_log_repr_bool (gboolean value)
{
  return value ? "True" : "False";
}

/* Whether @needle occurs in @name, ignoring ASCII case. */
static gboolean
name_contains (const char *name,
               const char *needle)
{
  gsize needle_length = strlen (needle);

  for (const char *p = name; *p != '\0'; p++)
    if (g_ascii_strncasecmp (p, needle, needle_length) == 0)
      return TRUE;

  return FALSE;
}

gboolean
north_mcp_log_is_secret_header (const char *name)
{
  /* By name: the contract's four and the usual carriers of credentials. */
  static const char * const secret[] = {
    "authorization", "x-north-id-token", "x-north-server-secret",
    "x-north-connector-tokens", "proxy-authorization", "cookie", "set-cookie",
    "x-api-key",
  };
  /* By part of the name, for headers nobody listed (X-Auth-Token,
   * X-Amz-Security-Token, Mcp-Session-Id, X-Upstream-Password, …): a
   * header that is not secret loses nothing but its log value. */
  static const char * const parts[] = {
    "token", "secret", "key", "auth", "password", "passwd", "session", "cookie",
    "credential", "signature",
  };

  for (guint i = 0; i < G_N_ELEMENTS (secret); i++)
    if (g_ascii_strcasecmp (name, secret[i]) == 0)
      return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    if (name_contains (name, parts[i]))
      return TRUE;

  return FALSE;
}

char *
north_mcp_log_redact (const char *secret)
{
  gsize length;
  gsize keep;

  if (secret == NULL)
    return g_strdup ("...");

  /* At most REDACT_PREFIX_LENGTH characters and at most a quarter of the
   * value: a long token shows its start (which tells tokens apart), a
   * short secret too little to guess the rest, a very short one nothing. */
  length = strlen (secret);
  keep = length < REDACT_MIN_SHOWN_LENGTH ? 0 : MIN (length / 4, REDACT_PREFIX_LENGTH);
  /* Never cut a UTF-8 sequence. */
  while (keep > 0 && (secret[keep] & 0xc0) == 0x80)
    keep--;
  return g_strdup_printf ("%.*s...", (int) keep, secret);
}

char *
north_mcp_log_repr_headers (SoupMessageHeaders *headers)
{
  GString *out = g_string_new ("{");
  SoupMessageHeadersIter iter;
  const char *name, *value;

  if (headers != NULL)
    {
      soup_message_headers_iter_init (&iter, headers);
      while (soup_message_headers_iter_next (&iter, &name, &value))
        {
          g_autofree char *lower = g_ascii_strdown (name, -1);
          g_autofree char *shown = north_mcp_log_is_secret_header (name)
            ? north_mcp_log_redact (value) : g_strdup (value);

          if (out->len > 1) /* after the "{" */
            g_string_append (out, ", ");
          append_repr (out, lower);
          g_string_append (out, ": ");
          append_repr (out, shown);
        }
    }
  g_string_append_c (out, '}');
  return g_string_free (out, FALSE);
}
