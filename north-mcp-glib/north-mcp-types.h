/* north-mcp-types.h: the single-include rule and the forward declarations
 * the public headers share
 *
 * SPDX-License-Identifier: MIT
 */

/* No include guard around the check: it runs for every public header that
 * includes this one, so that each refuses to be included on its own. */
#if !defined(NORTH_MCP_INSIDE) && !defined(NORTH_MCP_COMPILATION)
# error "Only <north-mcp.h> can be included directly."
#endif

#ifndef NORTH_MCP_TYPES_H
#define NORTH_MCP_TYPES_H

#include <glib.h>
#include "north-mcp-version-macros.h"

G_BEGIN_DECLS

/* The types that headers name before the header that declares them (a
 * context names its server, a tool its context, and so on). */
typedef struct _NorthMcpAuth NorthMcpAuth;
typedef struct _NorthMcpContext NorthMcpContext;
typedef struct _NorthMcpServer NorthMcpServer;
typedef struct _NorthMcpSession NorthMcpSession;
typedef struct _NorthMcpUser NorthMcpUser;

G_END_DECLS

#endif /* NORTH_MCP_TYPES_H */
