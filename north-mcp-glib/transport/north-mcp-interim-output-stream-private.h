/* north-mcp-interim-output-stream-private.h: the output side of an
 * accepted HTTP connection, which can hold back an interim response
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

#define NORTH_MCP_TYPE_INTERIM_OUTPUT_STREAM (north_mcp_interim_output_stream_get_type ())

G_DECLARE_FINAL_TYPE (NorthMcpInterimOutputStream, north_mcp_interim_output_stream,
                      NORTH_MCP, INTERIM_OUTPUT_STREAM, GFilterOutputStream)

/* Writes to @base (pollable), unchanged unless told otherwise. Closing
 * the stream closes @base. @remote (nullable): the address libsoup is
 * given for the connection, which its messages name; it keeps the stream
 * for north_mcp_interim_output_stream_drop_interim_of(). */
GOutputStream *north_mcp_interim_output_stream_new             (GOutputStream               *base,
                                                                GSocketAddress              *remote);
/* The next bytes written start a response head (the status line, the
 * headers, an empty line). If its status is 1xx, the whole head is
 * dropped: reported written, never sent. Any other head is sent and
 * ends the wait. */
void           north_mcp_interim_output_stream_drop_interim    (NorthMcpInterimOutputStream *self);
/* The same for the connection of @msg, from its got-headers, when its
 * client must not get an interim response (HTTP/1.0). Nothing for
 * connections accepted without such a stream. */
void           north_mcp_interim_output_stream_drop_interim_of (SoupServerMessage           *msg);

G_END_DECLS
