/* north-mcp-task-channel.c: the channel of a task's context
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-task-channel-private.h"

struct _NorthMcpTaskChannel
{
  NorthMcpChannel          parent_instance;

  NorthMcpTaskChannelFunc  func;
  gpointer                 user_data;
  GDestroyNotify           destroy;
};

G_DEFINE_FINAL_TYPE (NorthMcpTaskChannel, north_mcp_task_channel, NORTH_MCP_TYPE_CHANNEL)

static void
north_mcp_task_channel_send (NorthMcpChannel *channel,
                             JsonNode        *message)
{
  NorthMcpTaskChannel *self = NORTH_MCP_TASK_CHANNEL (channel);
  JsonObject *object;

  if (self->func == NULL || !JSON_NODE_HOLDS_OBJECT (message))
    return;
  object = json_node_get_object (message);
  if (!json_object_has_member (object, "result") && !json_object_has_member (object, "error"))
    return;

  self->func (message, self->user_data);
}

static void
north_mcp_task_channel_skip_response (NorthMcpChannel *channel,
                                      JsonNode        *id)
{
  NorthMcpTaskChannel *self = NORTH_MCP_TASK_CHANNEL (channel);

  if (self->func != NULL)
    self->func (NULL, self->user_data);
}

static void
north_mcp_task_channel_finalize (GObject *object)
{
  NorthMcpTaskChannel *self = NORTH_MCP_TASK_CHANNEL (object);

  if (self->destroy != NULL)
    self->destroy (self->user_data);

  G_OBJECT_CLASS (north_mcp_task_channel_parent_class)->finalize (object);
}

static void
north_mcp_task_channel_class_init (NorthMcpTaskChannelClass *klass)
{
  NorthMcpChannelClass *channel_class = NORTH_MCP_CHANNEL_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = north_mcp_task_channel_finalize;
  channel_class->send = north_mcp_task_channel_send;
  channel_class->skip_response = north_mcp_task_channel_skip_response;
}

static void
north_mcp_task_channel_init (NorthMcpTaskChannel *self)
{
}

NorthMcpChannel *
north_mcp_task_channel_new (NorthMcpTaskChannelFunc func,
                            gpointer                user_data,
                            GDestroyNotify          destroy)
{
  NorthMcpTaskChannel *self = g_object_new (NORTH_MCP_TYPE_TASK_CHANNEL, NULL);

  self->func = func;
  self->user_data = user_data;
  self->destroy = destroy;
  return NORTH_MCP_CHANNEL (self);
}
