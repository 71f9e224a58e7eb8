/* north-mcp-http-request-guard-private.h: follows the requests on an
 * HTTP/1.1 connection's bytes, and keeps from libsoup the heads it leaks on
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* What a kept line holds at most: more than a field name of interest and
 * any value of Transfer-Encoding, Content-Length or Connection that a
 * client has reason to send. */
#define NORTH_MCP_HTTP_REQUEST_GUARD_LINE_KEPT 256

/* Where the bytes are. Plain data, embedded in the connection's input
 * stream (north-mcp-hangup-input-stream.c): zero-filled is the start of a
 * connection. */
typedef struct
{
  guint8   state;          /* a GuardState (north-mcp-http-request-guard.c) */
  guint8   encoding;       /* this head's body framing so far, as libsoup sets it */
  guint8   last_field;     /* the kind of this head's last field line */
  gboolean request_line;   /* this head's request line is in */
  gboolean maybe_http10;   /* it does not end in HTTP/1.1 */
  gboolean refused;        /* something in this head libsoup must not see */
  gboolean deferred;       /* a refusal to tell once libsoup asks for more */
  gsize    head_length;    /* bytes of this head so far */
  gsize    largest_head;   /* the largest head that ended on the
                            * connection since its owner last reset it
                            * (as a request's answer ended), as sent
                            * (whitespace and folded lines that libsoup
                            * drops included) */
  guint64  length;         /* of the Content-Length body, or what is left
                            * of a body or a chunk */
  gsize    line_length;    /* bytes of the current line in earlier reads */
  char     line[NORTH_MCP_HTTP_REQUEST_GUARD_LINE_KEPT];  /* their start */
  char     tail[16];       /* and their last bytes (a request line's version) */
} NorthMcpHttpRequestGuard;

gssize   north_mcp_http_request_guard_feed       (NorthMcpHttpRequestGuard *guard,
                                                  char                     *buffer,
                                                  gsize                     count,
                                                  GError                  **error);
gboolean north_mcp_http_request_guard_is_refused (const NorthMcpHttpRequestGuard *guard);
/* TRUE, once, when the connection was refused in a read that also held
 * the end of earlier requests: feed() passed those on, and the refusal
 * is the owner's to tell when libsoup, having answered them, reads on. */
gboolean north_mcp_http_request_guard_take_deferred (NorthMcpHttpRequestGuard *guard);
void     north_mcp_http_request_guard_stop       (NorthMcpHttpRequestGuard *guard);

G_END_DECLS
