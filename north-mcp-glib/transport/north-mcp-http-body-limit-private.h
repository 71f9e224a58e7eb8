/* north-mcp-http-body-limit-private.h: the size of request bodies, checked
 * before they are read
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-http-transport-impl-private.h"

G_BEGIN_DECLS

/* libsoup 3.2's bound on a request's header block, which counts among
 * the bytes held with its body. */
#define NORTH_MCP_HTTP_MAX_HEADER_BLOCK (64 * 1024)

/* The early SoupServerCallback of every path: refuses a request whose
 * framing is faulty (400, unread: north-mcp-http-framing.c), a body larger than
 * the host's max_body_size (413, unread) by its Content-Length or while
 * its chunks arrive, drops the bodies of paths that do not read one,
 * checks the credentials of a POST to an MCP endpoint before its body is
 * held (north_mcp_http_authenticate_early(): 401, unread), and refuses a
 * body that would make the kept bodies (each with its header block)
 * pass max_held_body_bytes, or those
 * of its client address pass their share when it was not authenticated
 * so (503, unread). */
void north_mcp_http_check_body_size (SoupServer        *server,
                                     SoupServerMessage *msg,
                                     const char        *path,
                                     GHashTable        *query,
                                     gpointer           user_data);

G_END_DECLS
