/* north-mcp-stdio-batch-channel-private.h: the answers of one JSON-RPC
 * batch on stdio, sent together as one array
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-stdio-channel-private.h"

G_BEGIN_DECLS

#define NORTH_MCP_TYPE_STDIO_BATCH_CHANNEL (north_mcp_stdio_batch_channel_get_type ())

G_DECLARE_FINAL_TYPE (NorthMcpStdioBatchChannel, north_mcp_stdio_batch_channel,
                      NORTH_MCP, STDIO_BATCH_CHANNEL, NorthMcpChannel)

/* Collects the responses sent into it and writes them to @output as one
 * line, an array (JSON-RPC 2.0 section 6), once all that are expected
 * came or were skipped. Notifications and requests of the server pass to
 * @output at once. */
NorthMcpChannel *north_mcp_stdio_batch_channel_new    (NorthMcpStdioChannel      *output);
/* How many responses the batch has (what the dispatcher said it would
 * answer); until then, none is written. */
void             north_mcp_stdio_batch_channel_expect (NorthMcpStdioBatchChannel *self,
                                                       guint                      n_responses);

G_END_DECLS
