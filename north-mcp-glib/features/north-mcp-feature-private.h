/* north-mcp-feature-private.h
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-context.h"
#include "north-mcp-feature.h"
#include "north-mcp-util-private.h"

G_BEGIN_DECLS

/* The feature's handler slot: its func or async func (cast back to the
 * subclass's own callback types where they run), data and destroy. */
NorthMcpHandler *north_mcp_feature_get_handler (NorthMcpFeature *self);
/* Replaces the handler; one of @func and @async_func is NULL. */
void             north_mcp_feature_set_handler (NorthMcpFeature *self,
                                                GCallback        func,
                                                GCallback        async_func,
                                                gpointer         data,
                                                GDestroyNotify   destroy);

/* How a subclass sends what its synchronous handler returned. */
typedef void (*NorthMcpFeatureAnswerFunc) (NorthMcpContext *context,
                                           gpointer         result);

/* Answers @context after a synchronous handler returned @result or set
 * @error: the error, else @result through @answer, else nothing when the
 * handler answered itself, else an error saying @nothing. */
void             north_mcp_feature_answer      (NorthMcpContext           *context,
                                                gpointer                   result,
                                                const GError              *error,
                                                NorthMcpFeatureAnswerFunc  answer,
                                                const char                *nothing);

G_END_DECLS
