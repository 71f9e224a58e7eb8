/* north-mcp-context-scope.c: what a request carries besides its message:
 * the context current in the thread that runs its handler, the North
 * context of its HTTP headers and its trace span
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-context-impl-private.h"
#include "north-mcp-request-scope-private.h"
#include "north-mcp-tracer-private.h"

static GPrivate current_context;

gpointer
north_mcp_context_save_current (void)
{
  return g_private_get (&current_context);
}

void
north_mcp_context_restore_current (gpointer saved)
{
  g_private_set (&current_context, saved);
}

void
north_mcp_context_push_current (NorthMcpContext *self)
{
  g_private_set (&current_context, self);
}

void
north_mcp_context_pop_current (NorthMcpContext *self)
{
  if (g_private_get (&current_context) == self)
    g_private_set (&current_context, NULL);
}

/**
 * north_mcp_context_get_current:
 *
 * Gets the context whose handler is running in this thread, the way the
 * North Python SDK's `get_authenticated_user()` finds its request. It is set
 * while a handler is being called and while the callbacks of the context's
 * own requests run ([method@NorthMcp.Context.elicit_async] and the others),
 * not in other callbacks: asynchronous handlers should keep the context they
 * were given.
 *
 * Returns: (transfer none) (nullable): the context, or %NULL outside a
 *   handler
 */
NorthMcpContext *
north_mcp_context_get_current (void)
{
  return g_private_get (&current_context);
}

/**
 * north_mcp_get_authenticated_user:
 *
 * Gets the North user of the request whose handler is running in this
 * thread: the C equivalent of the North Python SDK's
 * `get_authenticated_user()`.
 *
 * Returns: (transfer none) (nullable): the user, or %NULL outside a
 *   handler, over stdio, and for the anonymous requests of open mode
 */
NorthMcpUser *
north_mcp_get_authenticated_user (void)
{
  NorthMcpContext *context = north_mcp_context_get_current ();

  return context != NULL ? context->user : NULL;
}

typedef struct
{
  GAsyncReadyCallback callback;
  gpointer            user_data;
} CurrentCallback;

/* Calls the caller's callback with the request's context current, so that
 * north_mcp_get_authenticated_user() works in it and in what it resumes
 * synchronously (the rest of a Vala coroutine after its `yield`). */
static void
call_with_current (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  CurrentCallback *closure = user_data;
  gpointer previous = g_private_get (&current_context);

  g_private_set (&current_context, source);
  if (closure->callback != NULL)
    closure->callback (source, result, closure->user_data);
  g_private_set (&current_context, previous);
}

GTask *
north_mcp_context_task_new_with_current (NorthMcpContext     *self,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  CurrentCallback *closure = g_new (CurrentCallback, 1);
  GTask *task;

  closure->callback = callback;
  closure->user_data = user_data;
  task = g_task_new (self, cancellable, call_with_current, closure);
  /* Freed with the task, whether or not the callback runs. */
  g_object_set_data_full (G_OBJECT (task), "north-mcp-current-callback", closure, g_free);
  return task;
}

/* For the debug log (auth/, below us): the current request's trace. */
gboolean
north_mcp_context_current_trace (const char **trace_id,
                                 const char **span_id)
{
  NorthMcpContext *context = north_mcp_context_get_current ();
  NorthMcpTracer *tracer;

  if (context == NULL || context->span == NULL)
    return FALSE;
  tracer = north_mcp_span_data_get_tracer (context->span);
  if (tracer != NULL && !north_mcp_tracer_get_log_trace_context (tracer))
    return FALSE;
  *trace_id = north_mcp_span_data_get_trace_id (context->span);
  *span_id = north_mcp_span_data_get_span_id (context->span);
  return TRUE;
}

char *
north_mcp_context_dup_traceparent (NorthMcpContext  *self,
                                   char            **tracestate)
{
  *tracestate = NULL;
  if (self->span == NULL)
    return NULL;
  *tracestate = g_strdup (north_mcp_span_data_get_tracestate (self->span));
  return north_mcp_trace_format_traceparent (north_mcp_span_data_get_context (self->span));
}

/**
 * north_mcp_context_get_span:
 * @self: a context
 *
 * Gets the server span of the request (see [class@NorthMcp.Tracer]), to
 * add attributes or events to it.
 *
 * Returns: (transfer none) (nullable): the span, %NULL when tracing is off
 *
 * Since: 0.2
 */
NorthMcpSpan *
north_mcp_context_get_span (NorthMcpContext *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_CONTEXT (self), NULL);

  return north_mcp_trace_get_span (self->span, &self->span_object);
}

/**
 * north_mcp_context_start_span:
 * @self: a context
 * @name: the span's name, low in cardinality (`fetch-weather`, not a URL)
 *
 * Opens a child span of the request's server span, for a step of the
 * handler worth timing. End it with [method@NorthMcp.Span.end]. When
 * tracing is off the span does not record, at little cost.
 *
 * Returns: (transfer full): the span
 *
 * Since: 0.2
 */
NorthMcpSpan *
north_mcp_context_start_span (NorthMcpContext *self,
                              const char      *name)
{
  g_return_val_if_fail (NORTH_MCP_IS_CONTEXT (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  return north_mcp_trace_start_child (self->span, name);
}

/**
 * north_mcp_context_get_north_context:
 * @self: a context
 *
 * Gets the North context of the request: every `X-North-Context-*` HTTP
 * header, keyed by the rest of its name in lower case (`X-North-Context-TenantId: t1`
 * gives `tenantid` → `t1`), empty keys and empty values included, as the
 * North Python SDK's `get_north_context()` gives it. It does not depend on
 * authentication: open mode and requests without credentials have it
 * too. Over stdio it is empty. A round of a tool run as a task has the
 * North context of the request that started the round: the `tools/call`,
 * or the `tasks/update` that brought the answers it waited for.
 *
 * Returns: (transfer none) (element-type utf8 utf8): the context; empty,
 *   never %NULL, when there is none
 *
 * Since: 0.2
 */
GHashTable *
north_mcp_context_get_north_context (NorthMcpContext *self)
{
  GHashTable *context;

  g_return_val_if_fail (NORTH_MCP_IS_CONTEXT (self), NULL);

  context = g_atomic_pointer_get (&self->north_context);
  if (context != NULL)
    return context;

  /* Any thread may ask first; one table wins. The request's headers no
   * longer change once it is dispatched. */
  context = north_mcp_north_context_from_headers (self->request_headers);
  if (!g_atomic_pointer_compare_and_exchange (&self->north_context, NULL, context))
    {
      g_hash_table_unref (context);
      context = g_atomic_pointer_get (&self->north_context);
    }
  return context;
}

gsize
north_mcp_context_use_north_context (NorthMcpContext *self,
                                     GHashTable      *north_context)
{
  /* Before the handler runs: only this thread has the context yet. */
  g_hash_table_ref (north_context);
  g_clear_pointer (&self->north_context, g_hash_table_unref);
  self->north_context = north_context;
  g_clear_pointer (&self->request_headers, soup_message_headers_unref);
  return north_mcp_north_context_size (north_context);
}

gsize
north_mcp_context_release_headers (NorthMcpContext *self)
{
  /* Read now, kept: nothing reads the headers afterwards. */
  return north_mcp_context_use_north_context (self, north_mcp_context_get_north_context (self));
}

/**
 * north_mcp_get_north_context:
 *
 * Gets the North context (see [method@NorthMcp.Context.get_north_context])
 * of the request being handled in this thread: in a handler, the one of
 * [func@NorthMcp.Context.get_current]; in a custom route callback (see
 * [method@NorthMcp.Server.add_route]), the one of the route's request.
 * The equivalent of the North Python SDK's `get_north_context()`.
 *
 * Returns: (transfer container) (element-type utf8 utf8): a new table;
 *   empty outside a request
 *
 * Since: 0.2
 */
GHashTable *
north_mcp_get_north_context (void)
{
  NorthMcpContext *context = north_mcp_context_get_current ();

  if (context != NULL)
    {
      GHashTable *copy = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      GHashTableIter iter;
      gpointer key, value;

      g_hash_table_iter_init (&iter, north_mcp_context_get_north_context (context));
      while (g_hash_table_iter_next (&iter, &key, &value))
        g_hash_table_insert (copy, g_strdup (key), g_strdup (value));
      return copy;
    }

  return north_mcp_north_context_from_headers (north_mcp_request_scope_get_headers ());
}
