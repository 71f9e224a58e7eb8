/* north-mcp-sse-stream-private.h: a long-lived Server-Sent Events stream
 * (the Streamable HTTP GET stream, the legacy HTTP+SSE stream)
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <libsoup/soup.h>
#include "north-mcp-channel-private.h"

G_BEGIN_DECLS

/* Keep-alive comment interval of SSE streams unless told otherwise. */
#define NORTH_MCP_SSE_DEFAULT_KEEPALIVE_MS 15000

#define NORTH_MCP_TYPE_SSE_STREAM (north_mcp_sse_stream_get_type ())

G_DECLARE_FINAL_TYPE (NorthMcpSseStream, north_mcp_sse_stream, NORTH_MCP, SSE_STREAM, NorthMcpChannel)

/* Answers @message with 200 `text/event-stream` (streamed) and keeps it
 * open; messages sent into the channel become `event: message` events.
 * A comment is written after @keepalive_ms without traffic (0: never). */
NorthMcpSseStream *north_mcp_sse_stream_new        (SoupServerMessage *message,
                                                    guint              keepalive_ms);
/* Writes one event of type @event (NULL: no `event:` line). */
void               north_mcp_sse_stream_send_event (NorthMcpSseStream *self,
                                                    const char        *event,
                                                    const char        *data,
                                                    gsize              length);
/* Writes ready-made events (takes @events). */
void               north_mcp_sse_stream_send_raw   (NorthMcpSseStream *self,
                                                    GString           *events);
/* Writes ready-made events (GBytes*), shared rather than copied: a
 * replay from the event store. */
void               north_mcp_sse_stream_send_shared (NorthMcpSseStream *self,
                                                     GPtrArray         *events);
/* Ends the stream cleanly (terminating chunk; for HTTP/1.0, the end of
 * the connection) and marks the channel closed. */
void               north_mcp_sse_stream_close      (NorthMcpSseStream *self);

/* Appends one SSE event to @buffer: an optional `event:` line, one `data:`
 * line per line of @data, a blank line. */
void               north_mcp_sse_format_event      (GString           *buffer,
                                                    const char        *event,
                                                    const char        *data,
                                                    gsize              length);
/* The same with an `id:` line first (@id may be NULL). */
void               north_mcp_sse_format_event_full (GString           *buffer,
                                                    const char        *id,
                                                    const char        *event,
                                                    const char        *data,
                                                    gsize              length);
/* Sets the headers every SSE response carries (status is left alone);
 * @streamed: the body is written as it comes, chunked, or for an HTTP/1.0
 * request (no chunked coding) up to the end of the connection. */
void               north_mcp_sse_prepare_response  (SoupServerMessage *message,
                                                    gboolean           streamed);

/* The writing end of a streamed SSE response, shared by the GET streams
 * and the POST channels that stream: chunked (HTTP/1.0: delimited by the
 * end of the connection), nothing kept once written,
 * a comment after @keepalive_ms without traffic (0: never). */
typedef struct {
  SoupServerMessage *message;
  GSource           *keepalive;
  guint              keepalive_ms;
  gint64             last_write;
  gboolean           cut;  /* for unsent output: its connection is going */
} NorthMcpSseWriter;

/* Answers @message with 200 `text/event-stream` and keeps it. */
void               north_mcp_sse_writer_start      (NorthMcpSseWriter *writer,
                                                    SoupServerMessage *message,
                                                    guint              keepalive_ms);
/* Writes ready-made events (takes @buffer); drops them once the
 * connection is being closed for its unsent output (max-unsent-bytes). */
void               north_mcp_sse_writer_write      (NorthMcpSseWriter *writer,
                                                    GString           *buffer);
/* The same for shared bytes (GBytes*, not copied), counted against the
 * unsent-output bound as one write. */
void               north_mcp_sse_writer_write_shared (NorthMcpSseWriter *writer,
                                                      GPtrArray         *events);
/* Ends the response (terminating chunk, or for HTTP/1.0 the connection
 * closes); the message is still kept. */
void               north_mcp_sse_writer_end        (NorthMcpSseWriter *writer);
/* Stops the keep-alive and drops the message. */
void               north_mcp_sse_writer_clear      (NorthMcpSseWriter *writer);

G_END_DECLS
