/* north-mcp-http-framing-private.h: request heads that libsoup 3.2
 * accepts and RFC 9112 does not
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <libsoup/soup.h>

#include "north-mcp-auth-private.h"

G_BEGIN_DECLS

/* The fields of a request head that the transport reads on every
 * request. */
typedef enum
{
  NORTH_MCP_HTTP_FIELD_HOST,
  NORTH_MCP_HTTP_FIELD_ORIGIN,
  NORTH_MCP_HTTP_FIELD_ACCEPT,
  NORTH_MCP_HTTP_FIELD_PROTOCOL_VERSION,
  NORTH_MCP_HTTP_FIELD_SESSION_ID,
  NORTH_MCP_HTTP_FIELD_FORWARDED_FOR,
  NORTH_MCP_HTTP_FIELD_METHOD,  /* Mcp-Method and Mcp-Name: of 2026-07-28 */
  NORTH_MCP_HTTP_FIELD_NAME,
  NORTH_MCP_HTTP_N_FIELDS,
} NorthMcpHttpField;

/* A request head as read in one pass over its fields: libsoup finds a
 * field by its name with a pass of its own, 150 to 600 instructions each
 * (measured), and the transport reads six of them on every request (the
 * 2026-07-28 revision's checks two more, and how many Mcp-Param-* came).
 * The fields authentication reads are noted too (up to
 * NORTH_MCP_AUTH_FIELDS_MAX, kept with each connection: 136 bytes), so
 * that it does not walk all of them again. The values point into the
 * message's request headers. */
typedef struct
{
  const char *problem;   /* what is wrong with its framing (the text of a
                          * 400 answer, which closes the connection), or NULL */
  const char *values[NORTH_MCP_HTTP_N_FIELDS];  /* the last of each */
  guint8      counts[NORTH_MCP_HTTP_N_FIELDS];  /* how many, up to 255 */
  guint8      params;    /* Mcp-Param-* fields, up to 255 */
  guint       fields;    /* how many fields came */
  gsize       text_size; /* their size as sent: name, ": ", value, CRLF */
  NorthMcpAuthFields auth;  /* Authorization and X-North-*, in order */
} NorthMcpHttpHead;

void        north_mcp_http_head_read             (NorthMcpHttpHead       *head,
                                                  SoupMessageHeaders     *headers);
/* A field's value as soup_message_headers_get_list() (Host, Origin,
 * X-Forwarded-For) or _get_one() (the others) gives it, or NULL. */
const char *north_mcp_http_head_get              (const NorthMcpHttpHead *head,
                                                  SoupMessageHeaders     *headers,
                                                  NorthMcpHttpField       field);
gboolean    north_mcp_http_field_name_has_prefix (const char             *name,
                                                  const char             *lower,
                                                  gsize                   length);

G_END_DECLS
