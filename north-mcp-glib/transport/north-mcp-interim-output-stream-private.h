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

/* From the next response head written, follows its body, @chunked or
 * ending with the connection (HTTP/1.0): where the bytes written stand in
 * its framing. */
void           north_mcp_interim_output_stream_track_body      (NorthMcpInterimOutputStream *self,
                                                                gboolean                     chunked);
/* What ends the tracked body whole where its bytes stand: the rest of the
 * chunk under way (its size line, its data, read from @body, the
 * response's, which still holds it), its CRLF and the last chunk; of a
 * body that ends with the connection, the rest of the chunk under way
 * (the connection's close then ends it). NULL
 * when there is nothing to end (not tracked, or ended already) or it
 * cannot be ended so (its head not written whole, or not chunked as
 * libsoup writes it). */
GBytes        *north_mcp_interim_output_stream_end_body        (NorthMcpInterimOutputStream *self,
                                                                SoupMessageBody             *body);

G_END_DECLS
