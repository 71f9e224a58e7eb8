/* north-mcp-hangup-input-stream-private.h: the input side of an accepted
 * HTTP connection, which tells when the client hangs up
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define NORTH_MCP_TYPE_HANGUP_INPUT_STREAM (north_mcp_hangup_input_stream_get_type ())

G_DECLARE_FINAL_TYPE (NorthMcpHangupInputStream, north_mcp_hangup_input_stream,
                      NORTH_MCP, HANGUP_INPUT_STREAM, GFilterInputStream)

/* What the stream reports to its owner: bytes arrived, the client hung
 * up (end of stream or a read error), or the stream was closed. */
typedef enum {
  NORTH_MCP_HANGUP_EVENT_DATA,
  NORTH_MCP_HANGUP_EVENT_HANGUP,
  NORTH_MCP_HANGUP_EVENT_CLOSED,
} NorthMcpHangupEvent;

typedef void (*NorthMcpHangupFunc) (gpointer            user_data,
                                    NorthMcpHangupEvent event);

/* Reads from @connection's input stream. A non-blocking read that meets
 * the end of the stream or an error reports HANGUP once and from then on
 * answers G_IO_ERROR_WOULD_BLOCK (and its source never fires): the reader
 * (libsoup) waits, and the owner closes the connection. Without a func,
 * reads pass through unchanged. Closing the stream closes @connection and
 * reports CLOSED. */
GInputStream *north_mcp_hangup_input_stream_new          (GIOStream          *connection);
/* Sets (or with NULL clears) where the events go. */
void          north_mcp_hangup_input_stream_set_func     (NorthMcpHangupInputStream *self,
                                                          NorthMcpHangupFunc  func,
                                                          gpointer            user_data);
/* The largest request head that ended on the connection since
 * north_mcp_hangup_input_stream_forget_heads(), in bytes as sent
 * (north-mcp-http-request-guard.c). */
gsize         north_mcp_hangup_input_stream_get_largest_head (NorthMcpHangupInputStream *self);
/* For when a request's answer has ended: libsoup let go of the buffer
 * its head was read into, and reads the next head into a new one. */
void          north_mcp_hangup_input_stream_forget_heads (NorthMcpHangupInputStream *self);
/* Runs @notify with @data once the stream is closed (at once if it is),
 * whoever closes it: for a connection handed to someone else, whose end
 * the func does not see. Whatever thread closes it. One at a time. */
void          north_mcp_hangup_input_stream_notify_closed (NorthMcpHangupInputStream *self,
                                                           GDestroyNotify             notify,
                                                           gpointer                   data);

G_END_DECLS
