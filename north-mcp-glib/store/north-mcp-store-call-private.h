/* north-mcp-store-call-private.h: the tasks of the stores' asynchronous calls
 *
 * The store interfaces answer all their calls through one function of the
 * implementation (an operation table, a run()), and the Redis client and
 * the session manager through one step: a result handed to another call's
 * _finish would be read as the wrong type. So each call's task is tagged
 * with its public _async function and each _finish checks the tag (and the
 * source object) before it takes the result.
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A task of @source_object (may be NULL) tagged with @tag. */
GTask    *north_mcp_store_call_new               (gpointer              source_object,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data,
                                                  gpointer              tag);

/* The result of @result, a task of @source_object tagged with @tag; else
 * a critical and FALSE, NULL or -1. */
gboolean  north_mcp_store_call_propagate_boolean (gpointer              source_object,
                                                  GAsyncResult         *result,
                                                  gpointer              tag,
                                                  GError              **error);
gpointer  north_mcp_store_call_propagate_pointer (gpointer              source_object,
                                                  GAsyncResult         *result,
                                                  gpointer              tag,
                                                  GError              **error);
gssize    north_mcp_store_call_propagate_int     (gpointer              source_object,
                                                  GAsyncResult         *result,
                                                  gpointer              tag,
                                                  GError              **error);

G_END_DECLS
