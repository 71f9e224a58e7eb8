/* north-mcp-capture-channel-private.h: a channel that hands the one
 * response it gets to a GTask, for requests the server makes of itself
 * (north_mcp_context_read_resource_async())
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-channel-private.h"

G_BEGIN_DECLS

#define NORTH_MCP_TYPE_CAPTURE_CHANNEL (north_mcp_capture_channel_get_type ())

G_DECLARE_FINAL_TYPE (NorthMcpCaptureChannel, north_mcp_capture_channel,
                      NORTH_MCP, CAPTURE_CHANNEL, NorthMcpChannel)

/* The first response completes @task (a reference is taken): a result
 * with its `member` (a new JsonNode reference, NULL when missing), an
 * error response with NORTH_MCP_ERROR_INVALID_ARGUMENT (resource not
 * found, invalid params) or NORTH_MCP_ERROR_FAILED, a skipped response
 * with G_IO_ERROR_CANCELLED. Notifications are dropped: it cannot stream. */
NorthMcpChannel *north_mcp_capture_channel_new (GTask      *task,
                                                const char *member);

G_END_DECLS
