/* north-mcp-stdio-channel-private.h: the outgoing side of the stdio
 * transport, one line per message on an output stream
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-channel-private.h"

G_BEGIN_DECLS

#define NORTH_MCP_TYPE_STDIO_CHANNEL (north_mcp_stdio_channel_get_type ())

G_DECLARE_FINAL_TYPE (NorthMcpStdioChannel, north_mcp_stdio_channel,
                      NORTH_MCP, STDIO_CHANNEL, NorthMcpChannel)

typedef void (*NorthMcpStdioDrainedFunc) (gpointer user_data);
typedef void (*NorthMcpStdioAnsweredFunc) (JsonNode *id,
                                           gpointer  user_data);

/* Writes every message as one line on @output, in the order sent. A write
 * that fails, or a notification or request sent past the max-unsent
 * bound, drops what is queued and marks the channel closed. */
NorthMcpStdioChannel *north_mcp_stdio_channel_new          (GOutputStream            *output);
/* Calls @drained whenever nothing is left to write: at once when nothing
 * is queued now, then each time the queue empties. NULL stops the calls. */
void                  north_mcp_stdio_channel_when_drained (NorthMcpStdioChannel     *self,
                                                            NorthMcpStdioDrainedFunc  drained,
                                                            gpointer                  user_data);
/* Bytes sent into the channel and not yet written to its output. */
gsize                 north_mcp_stdio_channel_get_unsent   (NorthMcpStdioChannel     *self);
/* Once more than @max_unsent bytes wait to be written, the next message
 * sent that is not a response closes the channel instead (unlimited by
 * default). */
void                  north_mcp_stdio_channel_set_max_unsent (NorthMcpStdioChannel   *self,
                                                              guint64                 max_unsent);
/* Calls @func with the id of each response sent, and of each request
 * that will not be answered (cancelled); NULL stops the calls. */
void                  north_mcp_stdio_channel_when_answered (NorthMcpStdioChannel      *self,
                                                             NorthMcpStdioAnsweredFunc  func,
                                                             gpointer                   user_data);
/* Bytes of answers kept elsewhere until they can be written (those of a
 * batch waiting for its last request): @delta is added to them. */
void                  north_mcp_stdio_channel_add_kept      (NorthMcpStdioChannel      *self,
                                                             gint64                     delta);
guint64               north_mcp_stdio_channel_get_kept      (NorthMcpStdioChannel      *self);

G_END_DECLS
