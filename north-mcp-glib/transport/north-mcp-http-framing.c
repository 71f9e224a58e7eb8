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

/* What each field of the head is called, and whether it is a list
 * (whose repeats libsoup joins) or a single value. */
static const struct
{
  const char *name;
  gboolean    list;
} fields[NORTH_MCP_HTTP_N_FIELDS] = {
  [NORTH_MCP_HTTP_FIELD_HOST] = { "Host", TRUE },
  [NORTH_MCP_HTTP_FIELD_ORIGIN] = { "Origin", TRUE },
  [NORTH_MCP_HTTP_FIELD_ACCEPT] = { "Accept", FALSE },
  [NORTH_MCP_HTTP_FIELD_PROTOCOL_VERSION] = { "MCP-Protocol-Version", FALSE },
  [NORTH_MCP_HTTP_FIELD_SESSION_ID] = { "Mcp-Session-Id", FALSE },
  [NORTH_MCP_HTTP_FIELD_FORWARDED_FOR] = { "X-Forwarded-For", TRUE },
  [NORTH_MCP_HTTP_FIELD_METHOD] = { "Mcp-Method", FALSE },
  [NORTH_MCP_HTTP_FIELD_NAME] = { "Mcp-Name", FALSE },
};

static void
head_saw (NorthMcpHttpHead  *head,
          NorthMcpHttpField  field,
          const char        *value)
{
  head->values[field] = value;
  if (head->counts[field] < G_MAXUINT8)
    head->counts[field]++;
}

/* The framing problem of a head whose fields were counted. */
static const char *
framing_problem (const NorthMcpHttpHead *head,
                 const char             *content_length,
                 gboolean                valid_length,
                 gboolean                transfer_encoding)
{
  /* RFC 9112 section 3.2: a request with more than one Host field is
   * answered 400. libsoup 3.2 made the request's URI of the last (fixed in
   * libsoup 3.7 by commit aecd8daa), a proxy may have gone by the first,
   * and the Host check (north-mcp-http-headers.c) saw both. */
  if (head->counts[NORTH_MCP_HTTP_FIELD_HOST] > 1)
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

/* One pass over the fields, told apart by their first letter, without
 * the lists libsoup would join (and keep) for
 * soup_message_headers_get_list(): this runs on every request. */
void
north_mcp_http_head_read (NorthMcpHttpHead   *head,
                          SoupMessageHeaders *headers)
{
  SoupMessageHeadersIter iter;
  const char *name, *value, *content_length = NULL;
  gboolean transfer_encoding = FALSE, valid_length = TRUE;

  memset (head, 0, sizeof *head);
  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    {
      head->fields++;
      head->text_size += strlen (name) + strlen (value) + 4;
      switch (name[0] | 0x20)
        {
        case 'h':
          if (name_is (name, "host"))
            head_saw (head, NORTH_MCP_HTTP_FIELD_HOST, value);
          break;
        case 'o':
          if (name_is (name, "origin"))
            head_saw (head, NORTH_MCP_HTTP_FIELD_ORIGIN, value);
          break;
        case 'a':
          if (name_is (name, "accept"))
            head_saw (head, NORTH_MCP_HTTP_FIELD_ACCEPT, value);
          else if (name_is (name, "authorization"))
            north_mcp_auth_fields_note (&head->auth, name, value);
          break;
        case 'm':
          if (!north_mcp_http_field_name_has_prefix (name, "mcp-", 4))
            break;
          if (name_is (name + 4, "protocol-version"))
            head_saw (head, NORTH_MCP_HTTP_FIELD_PROTOCOL_VERSION, value);
          else if (name_is (name + 4, "session-id"))
            head_saw (head, NORTH_MCP_HTTP_FIELD_SESSION_ID, value);
          else if (name_is (name + 4, "method"))
            head_saw (head, NORTH_MCP_HTTP_FIELD_METHOD, value);
          else if (name_is (name + 4, "name"))
            head_saw (head, NORTH_MCP_HTTP_FIELD_NAME, value);
          else if (north_mcp_http_field_name_has_prefix (name + 4, "param-", 6) && head->params < G_MAXUINT8)
            head->params++;
          break;
        case 'x':
          if (name_is (name, "x-forwarded-for"))
            head_saw (head, NORTH_MCP_HTTP_FIELD_FORWARDED_FOR, value);
          else if (north_mcp_http_field_name_has_prefix (name, "x-north-", 8))
            north_mcp_auth_fields_note (&head->auth, name, value);
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
    }

  head->problem = framing_problem (head, content_length, valid_length, transfer_encoding);
}

const char *
north_mcp_http_head_get (const NorthMcpHttpHead *head,
                         SoupMessageHeaders     *headers,
                         NorthMcpHttpField       field)
{
  if (G_LIKELY (head->counts[field] <= 1))
    return head->values[field];
  /* A repeated field: as libsoup's own lookup gives it. */
  return fields[field].list ? soup_message_headers_get_list (headers, fields[field].name)
                            : soup_message_headers_get_one (headers, fields[field].name);
}
