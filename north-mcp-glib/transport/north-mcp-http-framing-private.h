/* north-mcp-http-framing-private.h: request heads that libsoup 3.2
 * accepts and RFC 9112 does not
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* What is wrong with the head of @msg, from its got-headers on (the text
 * of a 400 answer, which closes the connection), or NULL. */
const char *north_mcp_http_framing_problem       (SoupServerMessage *msg);
gboolean    north_mcp_http_field_name_has_prefix (const char        *name,
                                                  const char        *lower,
                                                  gsize              length);

G_END_DECLS
