/* north-mcp-task-channel-private.h: the channel of a task's context
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-channel-private.h"

G_BEGIN_DECLS

#define NORTH_MCP_TYPE_TASK_CHANNEL (north_mcp_task_channel_get_type ())

G_DECLARE_FINAL_TYPE (NorthMcpTaskChannel, north_mcp_task_channel,
                      NORTH_MCP, TASK_CHANNEL, NorthMcpChannel)

/* The handler's answer of one round: a JSON-RPC response, or NULL when it
 * gives none. */
typedef void (*NorthMcpTaskChannelFunc) (JsonNode *response,
                                         gpointer  user_data);

/* A channel whose responses go to @func and whose notifications go
 * nowhere (nobody listens to a task's stream: it cannot stream). @destroy
 * frees @user_data with the channel. */
NorthMcpChannel *north_mcp_task_channel_new (NorthMcpTaskChannelFunc func,
                                             gpointer                user_data,
                                             GDestroyNotify          destroy);

G_END_DECLS
