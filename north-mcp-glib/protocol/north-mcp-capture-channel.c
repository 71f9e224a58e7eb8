/* north-mcp-capture-channel.c: a channel that hands the one response it
 * gets to a GTask
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-capture-channel-private.h"
#include "north-mcp-error.h"
#include "north-mcp-util-private.h"

struct _NorthMcpCaptureChannel
{
  NorthMcpChannel  parent_instance;

  GTask           *task;   /* NULL once completed */
  char            *member;
};

G_DEFINE_FINAL_TYPE (NorthMcpCaptureChannel, north_mcp_capture_channel, NORTH_MCP_TYPE_CHANNEL)

static void
north_mcp_capture_channel_send (NorthMcpChannel *channel,
                                JsonNode        *message)
{
  NorthMcpCaptureChannel *self = NORTH_MCP_CAPTURE_CHANNEL (channel);
  g_autoptr(GTask) task = NULL;
  JsonObject *object;
  JsonObject *error;
  JsonNode *result;

  if (self->task == NULL || !JSON_NODE_HOLDS_OBJECT (message))
    return;

  object = json_node_get_object (message);
  result = json_object_get_member (object, "result");
  error = north_mcp_object_get_object (object, "error");
  if (result == NULL && error == NULL)
    return;

  task = g_steal_pointer (&self->task);
  if (error != NULL)
    {
      gint64 code = json_object_get_int_member_with_default (error, "code", 0);
      const char *text = north_mcp_object_get_string (error, "message");
      gboolean invalid = code == NORTH_MCP_JSONRPC_ERROR_RESOURCE_NOT_FOUND ||
                         code == NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS;

      g_task_return_new_error (task, NORTH_MCP_ERROR,
                               invalid ? NORTH_MCP_ERROR_INVALID_ARGUMENT : NORTH_MCP_ERROR_FAILED,
                               "%s", text != NULL ? text : "The request failed");
      return;
    }

  result = JSON_NODE_HOLDS_OBJECT (result)
           ? json_object_get_member (json_node_get_object (result), self->member)
           : NULL;
  if (result == NULL)
    g_task_return_new_error (task, NORTH_MCP_ERROR, NORTH_MCP_ERROR_FAILED,
                             "The answer has no '%s'", self->member);
  else
    g_task_return_pointer (task, json_node_ref (result), (GDestroyNotify) json_node_unref);
}

static void
north_mcp_capture_channel_skip_response (NorthMcpChannel *channel,
                                         JsonNode        *id)
{
  NorthMcpCaptureChannel *self = NORTH_MCP_CAPTURE_CHANNEL (channel);
  g_autoptr(GTask) task = g_steal_pointer (&self->task);

  if (task != NULL)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "The request was cancelled");
}

static void
north_mcp_capture_channel_finalize (GObject *object)
{
  NorthMcpCaptureChannel *self = NORTH_MCP_CAPTURE_CHANNEL (object);

  g_clear_object (&self->task);
  g_free (self->member);

  G_OBJECT_CLASS (north_mcp_capture_channel_parent_class)->finalize (object);
}

static void
north_mcp_capture_channel_class_init (NorthMcpCaptureChannelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  NorthMcpChannelClass *channel_class = NORTH_MCP_CHANNEL_CLASS (klass);

  object_class->finalize = north_mcp_capture_channel_finalize;
  channel_class->send = north_mcp_capture_channel_send;
  channel_class->skip_response = north_mcp_capture_channel_skip_response;
}

static void
north_mcp_capture_channel_init (NorthMcpCaptureChannel *self)
{
}

NorthMcpChannel *
north_mcp_capture_channel_new (GTask      *task,
                               const char *member)
{
  NorthMcpCaptureChannel *self = g_object_new (NORTH_MCP_TYPE_CAPTURE_CHANNEL, NULL);

  self->task = g_object_ref (task);
  self->member = g_strdup (member);
  return NORTH_MCP_CHANNEL (self);
}
