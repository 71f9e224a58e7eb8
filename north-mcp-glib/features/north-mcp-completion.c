/* north-mcp-completion.c: argument completion
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-completion-private.h"
#include "north-mcp-context.h"
#include "north-mcp-error.h"
#include "north-mcp-util-private.h"

void
north_mcp_completion_handler_run (NorthMcpCompletionHandler *handler,
                                  NorthMcpContext           *context,
                                  const char                *argument,
                                  const char                *value,
                                  GHashTable                *arguments)
{
  NorthMcpCompletionAsyncFunc async_func = (NorthMcpCompletionAsyncFunc) handler->async_func;
  NorthMcpCompletionFunc func = (NorthMcpCompletionFunc) handler->func;
  g_auto(GStrv) values = NULL;
  g_autoptr(GError) error = NULL;

  if (async_func != NULL)
    {
      async_func (context, argument, value, arguments, handler->data);
      return;
    }

  if (func != NULL)
    values = func (context, argument, value, arguments, handler->data, &error);

  if (error != NULL)
    north_mcp_context_return_error (context, error);
  else
    north_mcp_context_return_completion (context, (const char * const *) values, -1, FALSE);
}

/**
 * north_mcp_context_return_completion:
 * @self: a context
 * @values: (array zero-terminated=1) (nullable): the candidate values
 * @total: the number of candidates in all, or -1 when unknown
 * @has_more: whether there are more candidates than @values
 *
 * Answers a `completion/complete` request. At most
 * %NORTH_MCP_COMPLETION_MAX_VALUES values are sent; when @values has more,
 * the rest is dropped, `hasMore` is set and `total` counts them all. Safe to
 * call from any thread.
 */
void
north_mcp_context_return_completion (NorthMcpContext    *self,
                                     const char * const *values,
                                     int                 total,
                                     gboolean            has_more)
{
  g_autoptr(JsonObject) result = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  JsonObject *completion = json_object_new ();
  JsonArray *array = json_array_new ();
  guint length = values != NULL ? g_strv_length ((char **) values) : 0;

  g_return_if_fail (NORTH_MCP_IS_CONTEXT (self));

  for (guint i = 0; i < MIN (length, NORTH_MCP_COMPLETION_MAX_VALUES); i++)
    json_array_add_string_element (array, values[i]);

  if (length > NORTH_MCP_COMPLETION_MAX_VALUES)
    {
      has_more = TRUE;
      if (total < (int) length)
        total = (int) length;
    }

  json_object_set_array_member (completion, "values", array);
  if (total >= 0)
    json_object_set_int_member (completion, "total", total);
  json_object_set_boolean_member (completion, "hasMore", !!has_more);
  json_object_set_object_member (result, "completion", completion);

  node = north_mcp_node_new_object (result);
  north_mcp_context_return_result (self, node);
}
