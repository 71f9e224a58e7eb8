/* fuzz-redis-reply.c: replies of a Redis (or of whoever answers in its
 * place) through the client's reply reader
 *
 * Input: one byte choosing how the rest arrives (in chunks of 1 to 256
 * bytes, as reads of the socket would) and whether the reply limit is
 * the smallest one (1 KiB), then RESP bytes. They go through hiredis'
 * reader with the client's size-counting reply functions
 * (north_mcp_redis_io_count_replies()) and each complete reply is
 * converted as command replies are (north_mcp_redis_reply_convert()).
 * A reader that fails, or a reply over the limit, ends the input, as it
 * drops the connection.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>

#include "north-mcp-redis-conn-private.h"
#include "north-mcp-redis-io-private.h"
#include "fuzz-common.h"

/* The converted reply matches hiredis' one. */
static void
check_converted (const redisReply   *r,
                 NorthMcpRedisReply *reply)
{
  const char *text;
  gsize length = 0;

  switch (north_mcp_redis_reply_get_kind (reply))
    {
    case NORTH_MCP_REDIS_REPLY_STRING:
    case NORTH_MCP_REDIS_REPLY_STATUS:
      text = north_mcp_redis_reply_get_string (reply, &length);
      if (text == NULL || length != r->len || text[length] != '\0' || memcmp (text, r->str, length) != 0)
        abort ();
      break;
    case NORTH_MCP_REDIS_REPLY_INTEGER:
      if (north_mcp_redis_reply_get_integer (reply) != r->integer)
        abort ();
      break;
    case NORTH_MCP_REDIS_REPLY_ARRAY:
      if (north_mcp_redis_reply_get_n_elements (reply) != r->elements)
        abort ();
      for (guint i = 0; i < r->elements; i++)
        check_converted (r->element[i], north_mcp_redis_reply_get_element (reply, i));
      break;
    case NORTH_MCP_REDIS_REPLY_NIL:
      break;
    default:
      abort ();
    }
}

/* What the pub/sub connection reads of a message: ["message", channel,
 * data]. */
static void
read_message (const redisReply *r)
{
  if (r->type != REDIS_REPLY_ARRAY || r->elements != 3 ||
      r->element[0]->type != REDIS_REPLY_STRING || strcmp (r->element[0]->str, "message") != 0 ||
      r->element[1]->type != REDIS_REPLY_STRING || r->element[2]->type != REDIS_REPLY_STRING)
    return;
  g_bytes_unref (g_bytes_new (r->element[2]->str, r->element[2]->len));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(NorthMcpRedisClient) client = NULL;
  NorthMcpRedisConn *conn;
  redisReader *reader;
  gsize chunk, offset = 1;

  fuzz_init ();
  if (size == 0)
    return 0;

  client = north_mcp_redis_client_new ("redis://127.0.0.1:1", NULL);
  if (client == NULL)
    abort ();
  if (data[0] & 0x80)
    g_object_set (client, "max-reply-size", 1024u, NULL);
  conn = &client->cmd;
  chunk = (data[0] & 0x7f) * 2 + 1;

  reader = redisReaderCreate ();
  north_mcp_redis_io_count_replies (conn, reader);
  conn->reply_too_big = FALSE;

  while (offset < size)
    {
      gsize n = MIN (chunk, size - offset);
      void *reply = NULL;

      if (redisReaderFeed (reader, (const char *) data + offset, n) != REDIS_OK)
        abort ();
      offset += n;

      while (redisReaderGetReply (reader, &reply) == REDIS_OK && reply != NULL)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(NorthMcpRedisReply) converted = north_mcp_redis_reply_convert (reply, &error);

          if ((converted == NULL) == (error == NULL))
            abort ();
          if (converted != NULL)
            check_converted (reply, converted);
          read_message (reply);
          freeReplyObject (reply);
          reply = NULL;
        }
      if (reader->err != 0 || north_mcp_redis_io_buffered_too_big (conn, reader))
        break;
    }

  /* Over the limit: no reply was made of it. */
  if (conn->reply_too_big && reader->err == 0 && !north_mcp_redis_io_buffered_too_big (conn, reader))
    abort ();
  redisReaderFree (reader);
  return 0;
}
