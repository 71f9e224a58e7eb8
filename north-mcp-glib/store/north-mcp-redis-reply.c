/* north-mcp-redis-reply.c: an immutable, refcounted Redis reply
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-redis-reply-private.h"

struct _NorthMcpRedisReply
{
  gatomicrefcount ref_count;
  NorthMcpRedisReplyKind kind;
  union {
    struct {
      char *str;
      gsize len;
    } string;
    gint64 integer;
    struct {
      NorthMcpRedisReply **elements;
      guint n;
    } array;
  } v;
};

static NorthMcpRedisReply *
reply_alloc (NorthMcpRedisReplyKind kind)
{
  NorthMcpRedisReply *self = g_new0 (NorthMcpRedisReply, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->kind = kind;
  return self;
}

NorthMcpRedisReply *
north_mcp_redis_reply_new_string (NorthMcpRedisReplyKind kind,
                                  const char            *str,
                                  gsize                  len)
{
  NorthMcpRedisReply *self;

  g_return_val_if_fail (kind == NORTH_MCP_REDIS_REPLY_STRING || kind == NORTH_MCP_REDIS_REPLY_STATUS, NULL);
  g_return_val_if_fail (str != NULL || len == 0, NULL);

  self = reply_alloc (kind);
  self->v.string.str = g_malloc (len + 1);
  if (len > 0)
    memcpy (self->v.string.str, str, len);
  self->v.string.str[len] = '\0';
  self->v.string.len = len;
  return self;
}

NorthMcpRedisReply *
north_mcp_redis_reply_new_integer (gint64 value)
{
  NorthMcpRedisReply *self = reply_alloc (NORTH_MCP_REDIS_REPLY_INTEGER);

  self->v.integer = value;
  return self;
}

NorthMcpRedisReply *
north_mcp_redis_reply_new_nil (void)
{
  return reply_alloc (NORTH_MCP_REDIS_REPLY_NIL);
}

NorthMcpRedisReply *
north_mcp_redis_reply_new_array (NorthMcpRedisReply **elements,
                                 guint                n_elements)
{
  NorthMcpRedisReply *self = reply_alloc (NORTH_MCP_REDIS_REPLY_ARRAY);

  g_return_val_if_fail (elements != NULL || n_elements == 0, self);

  self->v.array.elements = elements;
  self->v.array.n = n_elements;
  return self;
}

NorthMcpRedisReply *
north_mcp_redis_reply_ref (NorthMcpRedisReply *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
north_mcp_redis_reply_unref (NorthMcpRedisReply *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  switch (self->kind)
    {
    case NORTH_MCP_REDIS_REPLY_STRING:
    case NORTH_MCP_REDIS_REPLY_STATUS:
      g_free (self->v.string.str);
      break;
    case NORTH_MCP_REDIS_REPLY_ARRAY:
      /* Nesting is at most 7 deep (the hiredis reader refuses more), so
       * the recursion is bounded. */
      for (guint i = 0; i < self->v.array.n; i++)
        north_mcp_redis_reply_unref (self->v.array.elements[i]);
      g_free (self->v.array.elements);
      break;
    case NORTH_MCP_REDIS_REPLY_INTEGER:
    case NORTH_MCP_REDIS_REPLY_NIL:
    default:
      break;
    }
  g_free (self);
}

NorthMcpRedisReplyKind
north_mcp_redis_reply_get_kind (NorthMcpRedisReply *self)
{
  g_return_val_if_fail (self != NULL, NORTH_MCP_REDIS_REPLY_NIL);

  return self->kind;
}

const char *
north_mcp_redis_reply_get_string (NorthMcpRedisReply *self,
                                  gsize              *len)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (self->kind != NORTH_MCP_REDIS_REPLY_STRING && self->kind != NORTH_MCP_REDIS_REPLY_STATUS)
    {
      if (len != NULL)
        *len = 0;
      return NULL;
    }
  if (len != NULL)
    *len = self->v.string.len;
  return self->v.string.str;
}

gint64
north_mcp_redis_reply_get_integer (NorthMcpRedisReply *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->kind == NORTH_MCP_REDIS_REPLY_INTEGER ? self->v.integer : 0;
}

guint
north_mcp_redis_reply_get_n_elements (NorthMcpRedisReply *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->kind == NORTH_MCP_REDIS_REPLY_ARRAY ? self->v.array.n : 0;
}

NorthMcpRedisReply *
north_mcp_redis_reply_get_element (NorthMcpRedisReply *self,
                                   guint               i)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (self->kind == NORTH_MCP_REDIS_REPLY_ARRAY, NULL);
  g_return_val_if_fail (i < self->v.array.n, NULL);

  return self->v.array.elements[i];
}
