/* fuzz-http-headers.c: the request headers the HTTP transport reads
 * itself, and the event records it reads back from a state store
 *
 * Input: one byte choosing the configuration (loopback, allow-lists of
 * hosts and origins), then `Name: value` lines. By name: Accept (which
 * answers a client takes), Host and Origin (checked against the
 * allow-lists, and normalized as --allowed-host and --allowed-origin
 * values are), Last-Event-ID (an SSE event id of the event store),
 * X-Record (a stored event record, "STREAM NUMBER DATA", as a state
 * store gives it back), Access-Control-Request-Headers (what a CORS
 * preflight echoes); every value is also echoed as log lines echo a
 * client's values.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>

#include "north-mcp-event-store-private.h"
#include "north-mcp-http-headers-private.h"
#include "north-mcp-origin-private.h"
#include "north-mcp-util-private.h"
#include "fuzz-common.h"
#include "fuzz-headers.h"

static const char * const allowed_hosts[] = {
  "example.com", "api.example.com:8443", "[::1]:5222", "Trailing.Dot.", NULL,
};
static const char * const allowed_origins[] = {
  "https://example.com", "http://localhost:3000", "http://[::1]:8080", NULL,
};

static void
check_host (const char         *value,
            const char * const *hosts,
            gboolean            loopback)
{
  g_autofree char *normalized = north_mcp_origin_normalize_host (value, NULL);
  gboolean allowed = north_mcp_origin_host_allowed (value, hosts, loopback);

  /* What normalizes is a host, and normalizing it again changes nothing. */
  if (normalized != NULL)
    {
      g_autofree char *again = north_mcp_origin_normalize_host (normalized, NULL);

      if (again == NULL || strcmp (again, normalized) != 0)
        abort ();
      /* Case and a trailing dot do not change the answer. */
      if (north_mcp_origin_host_allowed (normalized, hosts, loopback) != allowed)
        abort ();
    }
  else if (allowed)
    abort ();
}

static void
check_origin (const char         *value,
              const char * const *origins,
              gboolean            loopback)
{
  g_autofree char *normalized = north_mcp_origin_normalize (value, NULL);
  gboolean allowed = north_mcp_origin_allowed (value, origins, loopback);

  if (normalized == NULL && allowed)
    abort ();
}

static void
check_event_id (const char *value)
{
  guint stream = 0;
  guint64 number = 0;

  if (north_mcp_event_store_parse_id (value, &stream, &number))
    {
      g_autofree char *id = g_strdup_printf ("%u-%" G_GUINT64_FORMAT, stream, number);
      guint stream2 = 0;
      guint64 number2 = 0;

      /* The ids the store hands out parse back to the same numbers. */
      if (stream == 0 || !north_mcp_event_store_parse_id (id, &stream2, &number2) ||
          stream2 != stream || number2 != number)
        abort ();
    }
}

static void
check_record (const char *value)
{
  guint stream = 0;
  guint64 number = 0;
  gsize head = 0, length = strlen (value);

  if (north_mcp_event_store_parse_record (value, length, &stream, &number, &head) &&
      (stream == 0 || number == 0 || head < 4 || head > length || value[head - 1] != ' '))
    abort ();
}

/* What a preflight answers: one header value of tokens, at most 64 of
 * them the client's. */
static void
check_preflight (SoupMessageHeaders *headers)
{
  g_autoptr(SoupMessageHeaders) none = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  g_autofree char *allowed = north_mcp_origin_allowed_request_headers (headers);
  g_autofree char *fixed = north_mcp_origin_allowed_request_headers (none);
  guint commas = 0, fixed_commas = 0;

  for (const char *p = allowed; *p != '\0'; p++)
    {
      if (!(g_ascii_isalnum (*p) || *p == '-' || *p == '_' || *p == ',' || *p == ' '))
        abort ();
      commas += *p == ',';
    }
  for (const char *p = fixed; *p != '\0'; p++)
    fixed_commas += *p == ',';
  if (!g_str_has_prefix (allowed, fixed) || commas > fixed_commas + 64)
    abort ();
}

static void
check_echo (const char *value)
{
  g_autofree char *echo = north_mcp_echo (value);

  /* Bounded, and cut at a character boundary. */
  if (strlen (echo) > NORTH_MCP_ECHO_MAX_BYTES + strlen ("…") ||
      (g_utf8_validate (value, -1, NULL) && !g_utf8_validate (echo, -1, NULL)))
    abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(SoupMessageHeaders) headers = NULL;
  g_autofree char *text = NULL;
  SoupMessageHeadersIter iter;
  const char *name, *value;
  const char * const *hosts, * const *origins;
  gboolean loopback;

  fuzz_init ();
  if (size == 0)
    return 0;

  loopback = (data[0] & 1) != 0;
  hosts = (data[0] & 2) != 0 ? allowed_hosts : NULL;
  origins = (data[0] & 4) != 0 ? allowed_origins : NULL;
  text = g_strndup ((const char *) data + 1, size - 1);
  headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  fuzz_add_headers (headers, text);

  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    {
      if (g_ascii_strcasecmp (name, "Accept") == 0)
        {
          gboolean json, sse;

          north_mcp_http_parse_accept (value, &json, &sse);
        }
      else if (g_ascii_strcasecmp (name, "Host") == 0)
        check_host (value, hosts, loopback);
      else if (g_ascii_strcasecmp (name, "Origin") == 0)
        check_origin (value, origins, loopback);
      else if (g_ascii_strcasecmp (name, "Last-Event-ID") == 0)
        check_event_id (value);
      else if (g_ascii_strcasecmp (name, "X-Record") == 0)
        check_record (value);
      check_echo (value);
    }

  if (soup_message_headers_get_one (headers, "Access-Control-Request-Headers") != NULL)
    check_preflight (headers);

  /* The lists as the transport reads them: all values of a header. */
  if ((value = soup_message_headers_get_list (headers, "Host")) != NULL)
    check_host (value, hosts, loopback);
  if ((value = soup_message_headers_get_list (headers, "Origin")) != NULL)
    check_origin (value, origins, loopback);
  return 0;
}
