/* north-mcp-redis-reply-private.h: an immutable, refcounted Redis reply
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The RESP2 reply kinds a command can succeed with. An error reply is not a
 * kind: north_mcp_redis_client_command_finish() turns it into a GError
 * (NORTH_MCP_REDIS_ERROR_REPLY), also when it sits inside an array (EXEC),
 * so that a caller never mistakes a failed command for data. A null bulk
 * string and a null array are both NIL. */
typedef enum {
  NORTH_MCP_REDIS_REPLY_STRING,
  NORTH_MCP_REDIS_REPLY_ARRAY,
  NORTH_MCP_REDIS_REPLY_INTEGER,
  NORTH_MCP_REDIS_REPLY_NIL,
  NORTH_MCP_REDIS_REPLY_STATUS,
} NorthMcpRedisReplyKind;

typedef struct _NorthMcpRedisReply NorthMcpRedisReply;

NorthMcpRedisReply    *north_mcp_redis_reply_ref            (NorthMcpRedisReply *self);
void                   north_mcp_redis_reply_unref          (NorthMcpRedisReply *self);
NorthMcpRedisReplyKind north_mcp_redis_reply_get_kind       (NorthMcpRedisReply *self);
/* STRING (binary-safe: @len is the length, the text is NUL-terminated after
 * it) and STATUS ("OK"); NULL for every other kind. @len may be NULL. */
const char            *north_mcp_redis_reply_get_string     (NorthMcpRedisReply *self,
                                                             gsize              *len);
/* INTEGER; 0 for every other kind. */
gint64                 north_mcp_redis_reply_get_integer    (NorthMcpRedisReply *self);
/* ARRAY; 0 for every other kind. */
guint                  north_mcp_redis_reply_get_n_elements (NorthMcpRedisReply *self);
/* Transfer none: the element lives as long as @self (ref it to keep it). */
NorthMcpRedisReply    *north_mcp_redis_reply_get_element    (NorthMcpRedisReply *self,
                                                             guint               i);

/* Constructors, for the client (and for tests of code that consumes replies). */
NorthMcpRedisReply    *north_mcp_redis_reply_new_string     (NorthMcpRedisReplyKind kind,
                                                             const char        *str,
                                                             gsize              len);
NorthMcpRedisReply    *north_mcp_redis_reply_new_integer    (gint64             value);
NorthMcpRedisReply    *north_mcp_redis_reply_new_nil        (void);
/* Takes the references in @elements (n_elements of them) and @elements itself
 * (g_malloc'd; NULL when n_elements is 0). */
NorthMcpRedisReply    *north_mcp_redis_reply_new_array      (NorthMcpRedisReply **elements,
                                                             guint              n_elements);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NorthMcpRedisReply, north_mcp_redis_reply_unref)

G_END_DECLS
