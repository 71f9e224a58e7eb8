/* north-mcp-http-framing.c: request heads that libsoup 3.2 accepts and
 * RFC 9112 does not
 *
 * Where a proxy in front of the server and the server disagree on where
 * a request ends, the rest of one request is read as another ("request
 * smuggling"). libsoup 3.2.3 (Debian 12) frames some requests that RFC
 * 9112 says to refuse, each fixed in later libsoup; they are answered 400
 * and the connection closed, unread (north_mcp_http_refuse_unread()).
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-http-framing-private.h"

/* RFC 9110 section 8.6: Content-Length = 1*DIGIT. Several fields, or a
 * field that is a list, must all be the same digits (@first: those of
 * the first field, NULL for that field itself). libsoup 3.2 takes "+5"
 * for 5 and, of fields that differ, the last one; a proxy that takes the
 * first leaves the rest of the body to be read as a request (fixed in
 * libsoup 3.7 by commit e032d3e9, "Do not allow adding multiple content
 * length values to headers"). */
static gboolean
content_length_is_valid (const char *value,
                         const char *first)
{
  gsize first_length;

  if (first == NULL)
    first = value;
  first_length = strspn (first, "0123456789");
  for (const char *p = value;;)
    {
      gsize length = strspn (p, "0123456789");

      if (length == 0 || length != first_length || memcmp (p, first, length) != 0)
        return FALSE;
      p += length;
      if (*p == '\0')
        return TRUE;
      if (strncmp (p, ", ", 2) != 0)
        return FALSE;
      p += 2;
    }
}

/* Whether @name starts with @lower (lower case letters and '-'), in any
 * case: g_ascii_strncasecmp() costs a call per character, and this runs
 * on fields of every request (here and in north-mcp-http-request-guard.c). */
gboolean
north_mcp_http_field_name_has_prefix (const char *name,
                                      const char *lower,
                                      gsize       length)
{
  for (gsize i = 0; i < length; i++)
    if (lower[i] == '-' ? name[i] != '-' : (name[i] | 0x20) != lower[i])
      return FALSE;
  return TRUE;
}

/* A whole field name (NUL-terminated, as libsoup gives it). */
#define name_is(name, lower) \
  (north_mcp_http_field_name_has_prefix ((name), (lower), sizeof (lower) - 1) && (name)[sizeof (lower) - 1] == '\0')

/* One pass over the fields, without the lists libsoup would join (and
 * keep) for soup_message_headers_get_list(): this runs on every request. */
const char *
north_mcp_http_framing_problem (SoupServerMessage *msg)
{
  SoupMessageHeadersIter iter;
  const char *name, *value, *content_length = NULL;
  guint hosts = 0;
  gboolean transfer_encoding = FALSE, valid_length = TRUE;

  soup_message_headers_iter_init (&iter, soup_server_message_get_request_headers (msg));
  while (soup_message_headers_iter_next (&iter, &name, &value))
    switch (g_ascii_tolower (name[0]))
      {
      case 'h':
        hosts += name_is (name, "host");
        break;
      case 't':
        transfer_encoding |= name_is (name, "transfer-encoding");
        break;
      case 'c':
        if (!name_is (name, "content-length"))
          break;
        valid_length = valid_length && content_length_is_valid (value, content_length);
        if (content_length == NULL)
          content_length = value;
        break;
      default:
        break;
      }

  /* RFC 9112 section 3.2: a request with more than one Host field is
   * answered 400. libsoup 3.2 made the request's URI of the last (fixed in
   * libsoup 3.7 by commit aecd8daa), a proxy may have gone by the first,
   * and the Host check (north-mcp-http-headers.c) saw both. */
  if (hosts > 1)
    return "Bad Request: more than one Host";
  /* RFC 9112 section 6.1: a server may refuse a request with both, and
   * must close the connection after it either way; libsoup 3.2 read it as
   * chunked and kept the connection (fixed in libsoup 3.7 by commit
   * 6224df5a), so what a proxy that went by the length sent next was read
   * as a request. */
  if (content_length != NULL && transfer_encoding)
    return "Bad Request: both Transfer-Encoding and Content-Length";
  if (content_length != NULL && !valid_length)
    return "Bad Request: invalid Content-Length";

  return NULL;
}
