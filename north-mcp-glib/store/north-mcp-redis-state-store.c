/* north-mcp-redis-state-store.c: the state store in Redis
 *
 * Values are strings with PX expiry (SET … PX ms [NX], GET bounded by
 * STRLEN in a Lua script, PEXPIRE, DEL); channels are Redis pub/sub; event streams are Redis streams, each
 * event in the field `d`, appended and replayed by Lua scripts (XADD …
 * MAXLEN = n with its PEXPIRE; XRANGE with an exclusive start, Redis ≥
 * 6.2, bounded in bytes; streams of a group bounded together); counted values are SET, given more time and
 * deleted together with sorted sets of their members (and hashes of
 * their sizes) by Lua scripts. Every command goes through the asynchronous
 * client, which fails fast while Redis is unreachable: the store then
 * answers UNAVAILABLE and the caller decides (503, or carry on).
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-redis-client-private.h"
#include "north-mcp-redis-state-store-private.h"

#define NORTH_MCP_TYPE_REDIS_STATE_STORE (north_mcp_redis_state_store_get_type ())
G_DECLARE_FINAL_TYPE (NorthMcpRedisStateStore, north_mcp_redis_state_store,
                      NORTH_MCP, REDIS_STATE_STORE, GObject)

/* The field an event is stored in. */
#define EVENT_FIELD "d"

/* Until Redis first answered, commands wait for it (at most this long,
 * this many, and with arguments of at most this many bytes, as the client
 * bounds those waiting to be written: 1,024 appends of events that echo
 * 4 MiB request ids waited with their copies, 4 GiB): a replica that just
 * started serves its first requests instead of answering 503. Afterwards
 * they fail fast while Redis is away. */
#define STARTUP_WAIT_MS 3000
#define STARTUP_MAX_WAITING 1024
#define STARTUP_MAX_WAITING_BYTES NORTH_MCP_REDIS_DEFAULT_MAX_UNSENT_SIZE

/* The most arguments a command of this store has (a counted SET with
 * NORTH_MCP_STATE_STORE_MAX_COUNTERS counters). */
#define MAX_ARGS 32

/* Reads a command's reply into the result of @task; @max_size bounds
 * what a value or event may hold. */
typedef void (*ReadReply) (GTask              *task,
                           NorthMcpRedisReply *reply,
                           gsize               max_size);

/* How the reply of a task's command becomes its result (the task's data). */
typedef struct
{
  ReadReply read;
  gsize     max_size;
} Reading;

/* A command held back until the first connection. */
typedef struct
{
  GTask     *task;
  GPtrArray *args; /* GBytes */
} Waiting;

struct _NorthMcpRedisStateStore
{
  GObject              parent_instance;

  NorthMcpRedisClient *client;
  gboolean             started;  /* Redis answered once, or we gave up waiting */
  GQueue               waiting;  /* Waiting */
  gsize                waiting_bytes;  /* their arguments' */
  GSource             *startup_timeout;
};

static void north_mcp_redis_state_store_iface_init (NorthMcpStateStoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (NorthMcpRedisStateStore, north_mcp_redis_state_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (NORTH_MCP_TYPE_STATE_STORE,
                                                      north_mcp_redis_state_store_iface_init))

/* The client's errors as the store's: whatever is not a refused command
 * means Redis could not serve us now. */
static GError *
store_error (GError *error)
{
  GError *converted;

  if (error->domain == NORTH_MCP_REDIS_ERROR && error->code == NORTH_MCP_REDIS_ERROR_REPLY)
    converted = g_error_new (NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_INVALID,
                             "Redis refused the command: %s", error->message);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    converted = g_error_copy (error);
  else
    converted = g_error_new (NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_UNAVAILABLE,
                             "The state store is unavailable: %s", error->message);
  g_error_free (error);
  return converted;
}

static void command_cb (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data);

/* Sends a command for @request whose arguments are strings, except its
 * value (if any) at position @blob_index; @read makes the reply the result
 * of @task. */
static void
command (NorthMcpStateStore              *store,
         const NorthMcpStateStoreRequest *request,
         GTask                           *task,
         guint                            argc,
         const char                     **argv,
         guint                            blob_index,
         ReadReply                        read)
{
  NorthMcpRedisStateStore *self = NORTH_MCP_REDIS_STATE_STORE (store);
  GBytes *blob = request->value;
  Reading *reading = g_new (Reading, 1);
  gsize lengths[MAX_ARGS];

  reading->read = read;
  reading->max_size = request->max_size;
  g_task_set_task_data (task, reading, g_free);

  g_assert (argc <= G_N_ELEMENTS (lengths));
  for (guint i = 0; i < argc; i++)
    lengths[i] = blob != NULL && i == blob_index ? 0 : strlen (argv[i]);
  if (blob != NULL)
    {
      gsize size;

      argv[blob_index] = g_bytes_get_data (blob, &size);
      if (argv[blob_index] == NULL)
        argv[blob_index] = "";
      lengths[blob_index] = size;
    }

  if (!self->started)
    {
      Waiting *waiting;
      gsize size = 0;

      for (guint i = 0; i < argc; i++)
        size += lengths[i];
      if (self->waiting.length >= STARTUP_MAX_WAITING ||
          size > STARTUP_MAX_WAITING_BYTES - self->waiting_bytes)
        {
          g_task_return_new_error (task, NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_UNAVAILABLE,
                                   "The state store is unavailable: still connecting");
          return;
        }
      waiting = g_new0 (Waiting, 1);
      waiting->task = g_object_ref (task);
      waiting->args = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
      for (guint i = 0; i < argc; i++)
        g_ptr_array_add (waiting->args, g_bytes_new (argv[i], lengths[i]));
      g_queue_push_tail (&self->waiting, waiting);
      self->waiting_bytes += size;
      return;
    }

  north_mcp_redis_client_command_async (self->client, argc, (const char *const *) argv, lengths,
                                        g_task_get_cancellable (task), command_cb, g_object_ref (task));
}

/* Sends (or fails) the commands that waited for the first connection;
 * also the startup timeout's callback. */
static gboolean
start (gpointer data)
{
  NorthMcpRedisStateStore *self = data;
  Waiting *waiting;

  self->started = TRUE;
  self->waiting_bytes = 0;
  if (self->startup_timeout != NULL)
    {
      g_source_destroy (self->startup_timeout);
      g_clear_pointer (&self->startup_timeout, g_source_unref);
    }

  while ((waiting = g_queue_pop_head (&self->waiting)) != NULL)
    {
      const char *argv[MAX_ARGS];
      gsize lengths[MAX_ARGS];
      guint argc = MIN (waiting->args->len, G_N_ELEMENTS (argv));

      for (guint i = 0; i < argc; i++)
        argv[i] = g_bytes_get_data (g_ptr_array_index (waiting->args, i), &lengths[i]);
      for (guint i = 0; i < argc; i++)
        if (argv[i] == NULL)
          argv[i] = "";
      north_mcp_redis_client_command_async (self->client, argc, argv, lengths,
                                            g_task_get_cancellable (waiting->task),
                                            command_cb, waiting->task);
      g_ptr_array_unref (waiting->args);
      g_free (waiting);
    }
  return G_SOURCE_REMOVE;
}

static void
command_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Reading *reading = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(NorthMcpRedisReply) reply = NULL;

  reply = north_mcp_redis_client_command_finish (NORTH_MCP_REDIS_CLIENT (source), result, &error);
  if (reply == NULL)
    g_task_return_error (task, store_error (error));
  else
    reading->read (task, reply, reading->max_size);
}

static void
return_unexpected (GTask *task)
{
  g_task_return_new_error (task, NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_INVALID,
                           "Unexpected answer from Redis");
}

static gboolean
redis_is_shared (NorthMcpStateStore *store)
{
  return TRUE;
}

static gboolean
redis_is_available (NorthMcpStateStore *store)
{
  return north_mcp_redis_client_is_connected (NORTH_MCP_REDIS_STATE_STORE (store)->client);
}

/* SET answers OK, or nil when NX or XX kept the value from being stored. */
static void
read_set (GTask              *task,
          NorthMcpRedisReply *reply,
          gsize               max_size)
{
  if (north_mcp_redis_reply_get_kind (reply) == NORTH_MCP_REDIS_REPLY_NIL)
    g_task_return_boolean (task, FALSE);
  else if (north_mcp_redis_reply_get_kind (reply) == NORTH_MCP_REDIS_REPLY_STATUS)
    g_task_return_boolean (task, TRUE);
  else
    return_unexpected (task);
}

/* The script of a replacing SET: the value read before is known by its
 * digest (the request stays a line of text), and the key keeps its
 * expiry (KEEPTTL, Redis ≥ 6.0): a counted value's members expire with
 * it as they were counted. */
static const char replace_script[] =
  "local current = redis.call('GET', KEYS[1])\n"
  "if not current or redis.sha1hex(current) ~= ARGV[2] then return false end\n"
  "return redis.call('SET', KEYS[1], ARGV[1], 'KEEPTTL')\n";

static void
redis_replace (NorthMcpStateStore              *store,
               const NorthMcpStateStoreRequest *request,
               GTask                           *task)
{
  g_autofree char *expected = g_compute_checksum_for_bytes (G_CHECKSUM_SHA1, request->expected);
  const char *argv[] = { "EVAL", replace_script, "1", request->key, NULL, expected };

  command (store, request, task, G_N_ELEMENTS (argv), argv, 4, read_set);
}

static void
redis_set (NorthMcpStateStore              *store,
           const NorthMcpStateStoreRequest *request,
           GTask                           *task)
{
  char ttl[32];
  const char *argv[6] = { "SET", request->key, NULL, "PX", ttl, "NX" };
  guint argc = 3;

  if (request->expected != NULL)
    {
      redis_replace (store, request, task);
      return;
    }
  g_snprintf (ttl, sizeof ttl, "%" G_GUINT64_FORMAT, request->ttl_ms);
  if (request->ttl_ms > 0)
    argc = 5;
  if (request->mode != NORTH_MCP_STATE_STORE_SET_ALWAYS)
    argv[argc++] = request->mode == NORTH_MCP_STATE_STORE_SET_IF_ABSENT ? "NX" : "XX";
  command (store, request, task, argc, argv, 2, read_set);
}

/* The script of a GET: a value longer than the caller allows is refused
 * in Redis by its length ({length} instead of the value), so that a
 * value larger than the client's max-reply-size (anyone who reaches
 * Redis can store one) never drops the connection, failing every command
 * in flight. */
static const char get_script[] =
  "local length = redis.call('STRLEN', KEYS[1])\n"
  "if length > tonumber(ARGV[1]) then return {length} end\n"
  "return redis.call('GET', KEYS[1])\n";

static void
read_get (GTask              *task,
          NorthMcpRedisReply *reply,
          gsize               max_size)
{
  const char *data;
  gsize length = 0;

  if (north_mcp_redis_reply_get_kind (reply) == NORTH_MCP_REDIS_REPLY_NIL)
    {
      g_task_return_pointer (task, NULL, NULL);
      return;
    }
  if (north_mcp_redis_reply_get_kind (reply) != NORTH_MCP_REDIS_REPLY_STRING &&
      north_mcp_redis_reply_get_kind (reply) != NORTH_MCP_REDIS_REPLY_ARRAY)
    {
      return_unexpected (task);
      return;
    }

  data = north_mcp_redis_reply_get_string (reply, &length);
  if (data == NULL || length > max_size)
    g_task_return_new_error (task, NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_TOO_LARGE,
                             "The stored value is larger than allowed");
  else
    g_task_return_pointer (task, g_bytes_new (data, length), (GDestroyNotify) g_bytes_unref);
}

/* What one reply of a command may carry: half the client's limit leaves
 * room for the framing. */
static gsize
reply_budget (NorthMcpStateStore *store,
              gsize               max_size)
{
  guint max_reply_size = 0;

  g_object_get (NORTH_MCP_REDIS_STATE_STORE (store)->client, "max-reply-size", &max_reply_size, NULL);
  return MIN (max_size, max_reply_size / 2);
}

static void
redis_get (NorthMcpStateStore              *store,
           const NorthMcpStateStoreRequest *request,
           GTask                           *task)
{
  NorthMcpStateStoreRequest bounded = *request;
  char max_size[32];
  const char *argv[] = { "EVAL", get_script, "1", request->key, max_size };

  bounded.max_size = reply_budget (store, request->max_size);
  g_snprintf (max_size, sizeof max_size, "%" G_GSIZE_FORMAT, bounded.max_size);
  command (store, &bounded, task, G_N_ELEMENTS (argv), argv, 0, read_get);
}

/* PEXPIRE, PERSIST, DEL: an integer; > 0 is TRUE. */
static void
read_integer (GTask              *task,
              NorthMcpRedisReply *reply,
              gsize               max_size)
{
  if (north_mcp_redis_reply_get_kind (reply) != NORTH_MCP_REDIS_REPLY_INTEGER)
    return_unexpected (task);
  else
    g_task_return_boolean (task, north_mcp_redis_reply_get_integer (reply) > 0);
}

/* PUBLISH succeeds whoever listens. */
static void
read_published (GTask              *task,
                NorthMcpRedisReply *reply,
                gsize               max_size)
{
  g_task_return_boolean (task, TRUE);
}

static void redis_counted_expire_or_delete (NorthMcpStateStore              *store,
                                            const NorthMcpStateStoreRequest *request,
                                            GTask                           *task);

static void
redis_expire (NorthMcpStateStore              *store,
              const NorthMcpStateStoreRequest *request,
              GTask                           *task)
{
  char ttl[32];
  const char *argv[] = { "PEXPIRE", request->key, ttl };

  if (request->counted)
    {
      redis_counted_expire_or_delete (store, request, task);
      return;
    }
  g_snprintf (ttl, sizeof ttl, "%" G_GUINT64_FORMAT, request->ttl_ms);
  if (request->ttl_ms == 0)
    argv[0] = "PERSIST";
  command (store, request, task, request->ttl_ms == 0 ? 2 : 3, argv, 0, read_integer);
}

static void
redis_delete (NorthMcpStateStore              *store,
              const NorthMcpStateStoreRequest *request,
              GTask                           *task)
{
  const char *argv[] = { "DEL", request->key };

  if (request->counted)
    {
      redis_counted_expire_or_delete (store, request, task);
      return;
    }
  command (store, request, task, G_N_ELEMENTS (argv), argv, 0, read_integer);
}

static void
redis_publish (NorthMcpStateStore              *store,
               const NorthMcpStateStoreRequest *request,
               GTask                           *task)
{
  const char *argv[] = { "PUBLISH", request->key, NULL };

  command (store, request, task, G_N_ELEMENTS (argv), argv, 2, read_published);
}

static guint
redis_subscribe (NorthMcpStateStore            *store,
                 const char                    *channel,
                 NorthMcpStateStoreMessageFunc  func,
                 gpointer                       user_data,
                 GDestroyNotify                 destroy)
{
  NorthMcpRedisStateStore *self = NORTH_MCP_REDIS_STATE_STORE (store);

  g_return_val_if_fail (north_mcp_state_store_key_is_valid (channel), 0);
  return north_mcp_redis_client_subscribe (self->client, channel, func, user_data, destroy);
}

static void
redis_unsubscribe (NorthMcpStateStore *store,
                   guint               id)
{
  north_mcp_redis_client_unsubscribe (NORTH_MCP_REDIS_STATE_STORE (store)->client, id);
}

/* XADD answers the new event's id. */
static void
read_appended (GTask              *task,
               NorthMcpRedisReply *reply,
               gsize               max_size)
{
  const char *id;
  gsize length = 0;

  if (north_mcp_redis_reply_get_kind (reply) != NORTH_MCP_REDIS_REPLY_STRING)
    {
      return_unexpected (task);
      return;
    }
  id = north_mcp_redis_reply_get_string (reply, &length);
  g_task_return_pointer (task, g_strndup (id, length), g_free);
}

/* A stream its group dropped leaves this in its size key, until it
 * would have expired: a replay of it is told that its events are gone,
 * not given none as if the client had missed none. */
#define DROPPED_MARK "dropped"

/* What a stream of a group counts beyond its data: per event, and for
 * the stream (its keys, its entries in the group's structures). */
#define EVENT_OVERHEAD 64
#define STREAM_OVERHEAD 1024

/* The scripts on counted values and groups: Redis's clock in ms (as PX
 * counts). */
#define NOW_LUA \
  "local time = redis.call('TIME')\n" \
  "local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)\n"

/* The bound of a group of streams (KEYS[3], a sorted set of its streams
 * scored by their expiry, ms of Redis's clock, +inf for none; KEYS[4], a
 * hash of what each counts and under "" their sum): the stream KEYS[1]
 * now counts @size and lives ARGV[2] more. Streams whose expiry passed
 * are gone from Redis: their sizes leave the sum (each once, O(log n)
 * plus what expired). Then, while the sum is over ARGV[5] (0: no bound),
 * the stream that expires first goes whole (of a group whose streams
 * have one ttl, the one appended to least recently), KEYS[1] never: each
 * append removes what it adds, so one client appending to stream after
 * stream (a session each) cannot make Redis keep more than the bound for
 * all of them; its size key keeps DROPPED_MARK until it would have
 * expired. A stream deleted otherwise counts until its expiry. The group
 * lives as long as its last stream. */
#define GROUP_BOUND_LUA \
  "local function group_bound(size)\n" \
  "  local group, sizes, ttl, max_size = KEYS[3], KEYS[4], tonumber(ARGV[2]), tonumber(ARGV[5])\n" \
  "  local sum = tonumber(redis.call('HGET', sizes, '') or 0)\n" \
  "  local expired = string.format('(%.0f', now)\n" \
  "  for _, gone in ipairs(redis.call('ZRANGEBYSCORE', group, '-inf', expired)) do\n" \
  "    sum = sum - tonumber(redis.call('HGET', sizes, gone) or 0)\n" \
  "    redis.call('HDEL', sizes, gone)\n" \
  "  end\n" \
  "  redis.call('ZREMRANGEBYSCORE', group, '-inf', expired)\n" \
  "  sum = sum - tonumber(redis.call('HGET', sizes, KEYS[1]) or 0) + size\n" \
  "  redis.call('ZADD', group, ttl > 0 and string.format('%.0f', now + ttl) or '+inf', KEYS[1])\n" \
  "  redis.call('HSET', sizes, KEYS[1], size)\n" \
  "  while max_size > 0 and sum > max_size do\n" \
  "    local first = redis.call('ZRANGE', group, 0, 1, 'WITHSCORES')\n" \
  "    local victim, expiry = first[1], first[2]\n" \
  "    if victim == KEYS[1] then victim, expiry = first[3], first[4] end\n" \
  "    if victim == nil then break end\n" \
  "    sum = sum - tonumber(redis.call('HGET', sizes, victim) or 0)\n" \
  "    redis.call('DEL', victim)\n" \
  "    if tonumber(expiry) == math.huge then redis.call('DEL', victim .. ':bytes')\n" \
  "    else redis.call('SET', victim .. ':bytes', '" DROPPED_MARK "', 'PXAT', expiry) end\n" \
  "    redis.call('ZREM', group, victim)\n" \
  "    redis.call('HDEL', sizes, victim)\n" \
  "  end\n" \
  "  if sum < 0 then sum = 0 end\n" \
  "  redis.call('HSET', sizes, '', sum)\n" \
  "  local last = redis.call('ZRANGE', group, -1, -1, 'WITHSCORES')[2]\n" \
  "  for _, key in ipairs({ group, sizes }) do\n" \
  "    if tonumber(last) == math.huge then redis.call('PERSIST', key)\n" \
  "    else redis.call('PEXPIREAT', key, string.format('%.0f', tonumber(last) + 1000)) end\n" \
  "  end\n" \
  "end\n"

/* XADD, the stream's trimming and its new expiry in one script: sent as
 * a second command, PEXPIRE failed while the store still waited for its
 * first connection (and would be lost with the connection between the
 * two), leaving a new stream in Redis for good.
 *
 * Redis trims streams by count only. The size of the events' data is kept
 * beside the stream, in KEY:bytes (with the same expiry), and the oldest
 * events go while there are more than ARGV[1] or they hold more than
 * ARGV[4] bytes (0: no bound); the newest stays. A new stream starts that
 * count afresh: one left behind by a deleted stream does not carry over. */
static const char append_script[] =
  NOW_LUA
  GROUP_BOUND_LUA
  "local id = redis.call('XADD', KEYS[1], '*', '" EVENT_FIELD "', ARGV[3])\n"
  "local length = redis.call('XLEN', KEYS[1])\n"
  "local total = #ARGV[3]\n"
  "if length == 1 then redis.call('SET', KEYS[2], total)\n"
  "else total = redis.call('INCRBY', KEYS[2], total) end\n"
  "local max_length, max_bytes = tonumber(ARGV[1]), tonumber(ARGV[4])\n"
  "while length > 1 and ((max_length > 0 and length > max_length) or\n"
  "                      (max_bytes > 0 and total > max_bytes)) do\n"
  "  local oldest = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)[1]\n"
  "  local size = 0\n"
  "  for i = 2, #oldest[2], 2 do size = size + #oldest[2][i] end\n"
  "  redis.call('XDEL', KEYS[1], oldest[1])\n"
  "  total = redis.call('DECRBY', KEYS[2], size)\n"
  "  length = length - 1\n"
  "end\n"
  "if total < 0 then redis.call('SET', KEYS[2], 0) total = 0 end\n"
  "if ARGV[2] ~= '0' then\n"
  "  redis.call('PEXPIRE', KEYS[1], ARGV[2])\n"
  "  redis.call('PEXPIRE', KEYS[2], ARGV[2])\n"
  "end\n"
  "if #KEYS == 4 then group_bound(total + " G_STRINGIFY (EVENT_OVERHEAD) " * length + " G_STRINGIFY (STREAM_OVERHEAD) ") end\n"
  "return id\n";

static void
redis_append (NorthMcpStateStore              *store,
              const NorthMcpStateStoreRequest *request,
              GTask                           *task)
{
  char length[16], ttl[32], size[32], group_size[32];
  g_autofree char *size_key = g_strconcat (request->key, ":bytes", NULL);
  g_autofree char *group_sizes = request->group != NULL ? g_strconcat (request->group, ":bytes", NULL) : NULL;
  const char *argv[12];
  guint argc = 0, value_index;

  g_snprintf (length, sizeof length, "%u", request->count);
  g_snprintf (ttl, sizeof ttl, "%" G_GUINT64_FORMAT, request->ttl_ms);
  g_snprintf (size, sizeof size, "%" G_GSIZE_FORMAT, request->max_size);
  g_snprintf (group_size, sizeof group_size, "%" G_GSIZE_FORMAT, request->group_max_size);
  argv[argc++] = "EVAL";
  argv[argc++] = append_script;
  argv[argc++] = request->group != NULL ? "4" : "2";
  argv[argc++] = request->key;
  argv[argc++] = size_key;
  if (request->group != NULL)
    {
      argv[argc++] = request->group;
      argv[argc++] = group_sizes;
    }
  argv[argc++] = length;
  argv[argc++] = ttl;
  value_index = argc;
  argv[argc++] = NULL;
  argv[argc++] = size;
  if (request->group != NULL)
    argv[argc++] = group_size;
  g_assert (argc <= G_N_ELEMENTS (argv));
  command (store, request, task, argc, argv, value_index, read_appended);
}

/* A stream id of Redis: MS-SEQ in decimal. */
static gboolean
stream_id_is_valid (const char *id)
{
  const char *dash = strchr (id, '-');
  gsize length = strlen (id);

  if (dash == NULL || dash == id || dash[1] == '\0' || length > 41)
    return FALSE;
  for (const char *p = id; *p != '\0'; p++)
    if (p != dash && !g_ascii_isdigit (*p))
      return FALSE;
  return TRUE;
}

/* XRANGE answers [[id, [field, value, …]], …]. */
static NorthMcpStateStoreEvent *
read_event (NorthMcpRedisReply *entry,
            gsize               max_size,
            GError            **error)
{
  NorthMcpRedisReply *id, *fields;
  g_autoptr(GBytes) data = NULL;
  NorthMcpStateStoreEvent *event;
  const char *string;
  gsize length = 0;

  if (north_mcp_redis_reply_get_kind (entry) != NORTH_MCP_REDIS_REPLY_ARRAY ||
      north_mcp_redis_reply_get_n_elements (entry) != 2)
    goto unexpected;
  id = north_mcp_redis_reply_get_element (entry, 0);
  fields = north_mcp_redis_reply_get_element (entry, 1);
  if (north_mcp_redis_reply_get_kind (id) != NORTH_MCP_REDIS_REPLY_STRING ||
      north_mcp_redis_reply_get_kind (fields) != NORTH_MCP_REDIS_REPLY_ARRAY)
    goto unexpected;

  for (guint i = 0; i + 1 < north_mcp_redis_reply_get_n_elements (fields); i += 2)
    {
      NorthMcpRedisReply *name = north_mcp_redis_reply_get_element (fields, i);
      NorthMcpRedisReply *value = north_mcp_redis_reply_get_element (fields, i + 1);

      if (north_mcp_redis_reply_get_kind (name) != NORTH_MCP_REDIS_REPLY_STRING ||
          north_mcp_redis_reply_get_kind (value) != NORTH_MCP_REDIS_REPLY_STRING)
        goto unexpected;
      string = north_mcp_redis_reply_get_string (name, &length);
      if (length != strlen (EVENT_FIELD) || memcmp (string, EVENT_FIELD, length) != 0)
        continue;
      string = north_mcp_redis_reply_get_string (value, &length);
      if (length > max_size)
        {
          g_set_error (error, NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_TOO_LARGE,
                       "A stored event is larger than allowed");
          return NULL;
        }
      data = g_bytes_new (string, length);
    }
  if (data == NULL)
    goto unexpected;

  string = north_mcp_redis_reply_get_string (id, &length);
  event = g_new0 (NorthMcpStateStoreEvent, 1);
  event->id = g_strndup (string, length);
  event->data = g_steal_pointer (&data);
  return event;

unexpected:
  g_set_error (error, NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_INVALID,
               "Unexpected answer from Redis");
  return NULL;
}

/* The script of a replay: from the newest event back, one at a time, as
 * long as they fit in the budget. Sizes are added up in Redis, so that
 * the reply never holds more than the budget (a backlog larger than the
 * client's max-reply-size would drop the connection, failing every
 * command in flight), and Redis itself reads no more than the budget and
 * one event, however large the stream. Events whose field EVENT_FIELD
 * does not start with ARGV[4] (when not empty) are skipped there, so
 * that they never reach the reply (a replay of one SSE stream used to
 * carry its session's 16 MiB of other streams, which Redis queued for
 * every client resuming at once); with ARGV[5] (digits, when not empty)
 * the walk stops at one that goes on with a number at most ARGV[5],
 * compared as digits (no float's rounding). Answers [1 when older events
 * were left out else 0, [[id, [field, value, …]], …] oldest first], or
 * [2, []] for a stream its group dropped (GROUP_BOUND_LUA). */
static const char replay_script[] =
  "if redis.call('EXISTS', KEYS[1]) == 0 and redis.call('GET', KEYS[1] .. ':bytes') == '" DROPPED_MARK "' then\n"
  "  return {2, {}}\n"
  "end\n"
  "local count, budget, prefix, through = tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], ARGV[5]\n"
  "local kept, before, left_out = {}, '+', 0\n"
  "while true do\n"
  "  local entry = redis.call('XREVRANGE', KEYS[1], before, ARGV[1], 'COUNT', 1)[1]\n"
  "  if entry == nil then break end\n"
  "  before = '(' .. entry[1]\n"
  "  local size, data = 0, nil\n"
  "  for i = 2, #entry[2], 2 do\n"
  "    size = size + #entry[2][i]\n"
  "    if entry[2][i - 1] == '" EVENT_FIELD "' then data = entry[2][i] end\n"
  "  end\n"
  "  if prefix == '' or (data ~= nil and string.sub(data, 1, #prefix) == prefix) then\n"
  "    local number = through ~= '' and data ~= nil and string.match(data, '^(%d+) ', #prefix + 1)\n"
  "    if number and (#number < #through or (#number == #through and number <= through)) then break end\n"
  "    if #kept >= count or size > budget then left_out = 1 break end\n"
  "    budget = budget - size\n"
  "    kept[#kept + 1] = entry\n"
  "  end\n"
  "end\n"
  "local ordered = {}\n"
  "for i = #kept, 1, -1 do ordered[#ordered + 1] = kept[i] end\n"
  "return {left_out, ordered}\n";

static void
read_replayed (GTask              *task,
               NorthMcpRedisReply *reply,
               gsize               max_size)
{
  g_autoptr(GPtrArray) events = NULL;
  NorthMcpRedisReply *left_out, *entries;

  if (north_mcp_redis_reply_get_kind (reply) != NORTH_MCP_REDIS_REPLY_ARRAY ||
      north_mcp_redis_reply_get_n_elements (reply) != 2 ||
      north_mcp_redis_reply_get_kind (left_out = north_mcp_redis_reply_get_element (reply, 0)) != NORTH_MCP_REDIS_REPLY_INTEGER ||
      north_mcp_redis_reply_get_integer (left_out) < 0 || north_mcp_redis_reply_get_integer (left_out) > 2 ||
      north_mcp_redis_reply_get_kind (entries = north_mcp_redis_reply_get_element (reply, 1)) != NORTH_MCP_REDIS_REPLY_ARRAY)
    {
      return_unexpected (task);
      return;
    }

  if (north_mcp_redis_reply_get_integer (left_out) == 2)
    {
      g_task_return_new_error (task, NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_GONE,
                               "The stream was dropped for its group's bound");
      return;
    }
  events = g_ptr_array_new_with_free_func ((GDestroyNotify) north_mcp_state_store_event_free);
  for (guint i = 0; i < north_mcp_redis_reply_get_n_elements (entries); i++)
    {
      GError *error = NULL;
      NorthMcpStateStoreEvent *event = read_event (north_mcp_redis_reply_get_element (entries, i),
                                                   max_size, &error);

      if (event == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
      g_ptr_array_add (events, event);
    }

  north_mcp_state_store_return_replay (task, g_steal_pointer (&events),
                                       north_mcp_redis_reply_get_integer (left_out) == 1);
}

static void
redis_replay (NorthMcpStateStore              *store,
              const NorthMcpStateStoreRequest *request,
              GTask                           *task)
{
  NorthMcpStateStoreRequest bounded = *request;
  const char *after = request->after;
  g_autofree char *start = NULL;
  char count[16], budget[32];
  const char *argv[] = { "EVAL", replay_script, "1", request->key, NULL, count, budget,
                         request->prefix != NULL ? request->prefix : "",
                         request->prefix != NULL && request->through != NULL ? request->through : "" };

  if (after != NULL && !stream_id_is_valid (after))
    {
      g_task_return_new_error (task, NORTH_MCP_STATE_STORE_ERROR, NORTH_MCP_STATE_STORE_ERROR_INVALID,
                               "Invalid event id");
      return;
    }

  bounded.max_size = reply_budget (store, request->max_size);
  /* "(" makes the start exclusive. */
  start = after != NULL ? g_strconcat ("(", after, NULL) : g_strdup ("-");
  argv[4] = start;
  g_snprintf (count, sizeof count, "%u", MAX (request->count, 1));
  g_snprintf (budget, sizeof budget, "%" G_GSIZE_FORMAT, bounded.max_size);
  command (store, &bounded, task, G_N_ELEMENTS (argv), argv, 0, read_replayed);
}

/* The script of a counted SET: the value and its members in one atomic
 * step, so that every replica counts against the same members and none
 * can store past a limit between another's check and its write. Each
 * counter is a sorted set of members scored by their expiry (ms, Redis's
 * clock, as the value's PX), so the live ones are one ZCOUNT (O(log n)),
 * the expired ones go with one ZREMRANGEBYSCORE (O(log n) plus what goes)
 * and a member leaves when its value does; the set itself expires a
 * second after its last member (the SET's clock may be a millisecond
 * past TIME's, and the set must not go before the value).
 *
 * A counter with a byte limit also keeps KEY:values, the keys of the
 * values stored through it scored by their expiry likewise, and
 * KEY:bytes, a hash of their sizes whose field "" is the sum of the live
 * ones. Expired values give their bytes back when they are next seen:
 * ZRANGEBYSCORE lists them (O(log n) plus what expired, each once: they
 * are removed by the same script, refused or not), a rewrite replaces the
 * size of the value it overwrites. Both expire with their last value.
 *
 * The SET is the first write: Redis refuses a script's first write that
 * may grow memory past maxmemory, and lets every later one through, so
 * nothing may write before it. Everything is checked first with reads
 * only; a refusal then drops the expired values from the sums, the sum
 * first (HSET, which Redis may refuse when out of memory: then nothing
 * is dropped, and the next call does it).
 * KEYS: the value, then per counter: it, KEY:values, KEY:bytes; ARGV: the
 * value, its ttl, the mode, the member, per counter: its limit and byte
 * limit. Answers 0 (kept out by the mode), 1 (stored), 1 + i (counter i,
 * from 1, was full) or -i (counter i had no room for the bytes). */
/* @keys expire a second after the last member of sorted set @set. */
#define EXPIRE_WITH_LAST_LUA \
  "local function expire_with_last(set, keys)\n" \
  "  local last = redis.call('ZRANGE', set, -1, -1, 'WITHSCORES')\n" \
  "  if not last[2] then return end\n" \
  "  for _, key in ipairs(keys) do\n" \
  "    redis.call('PEXPIREAT', key, string.format('%.0f', tonumber(last[2]) + 1000))\n" \
  "  end\n" \
  "end\n"

static const char set_counted_script[] =
  "local ttl, member, size = tonumber(ARGV[2]), ARGV[4], #ARGV[1]\n"
  "local exists = redis.call('EXISTS', KEYS[1]) == 1\n"
  "if (ARGV[3] == 'NX' and exists) or (ARGV[3] == 'XX' and not exists) then return 0 end\n"
  NOW_LUA
  "local live, expired = string.format('%.0f', now), string.format('(%.0f', now)\n"
  "local n = (#KEYS - 1) / 3\n"
  "local counted, sums = {}, {}\n"
  "local function forget(i)\n"
  "  local sum = sums[i]\n"
  "  for _, key in ipairs(sum.gone) do redis.call('HDEL', KEYS[3 * i + 1], key) end\n"
  "  redis.call('ZREMRANGEBYSCORE', KEYS[3 * i], '-inf', expired)\n"
  "end\n"
  "local function refuse(answer, last)\n"
  "  for i = 1, last do\n"
  "    local sum = sums[i]\n"
  "    if sum and sum.known and #sum.gone > 0 then\n"
  "      local written = redis.pcall('HSET', KEYS[3 * i + 1], '', sum.total)\n"
  "      if type(written) ~= 'table' then forget(i) end\n"
  "    end\n"
  "  end\n"
  "  return answer\n"
  "end\n"
  "for i = 1, n do\n"
  "  local key, values, sizes = KEYS[3 * i - 1], KEYS[3 * i], KEYS[3 * i + 1]\n"
  "  local limit, max_bytes = tonumber(ARGV[3 + 2 * i]), tonumber(ARGV[4 + 2 * i])\n"
  "  local score = redis.call('ZSCORE', key, member)\n"
  "  if score and tonumber(score) >= now then counted[i] = true\n"
  "  elseif limit > 0 then\n"
  "    if redis.call('ZCOUNT', key, live, '+inf') >= limit then return refuse(1 + i, i - 1) end\n"
  "    counted[i] = true\n"
  "  end\n"
  "  if max_bytes > 0 then\n"
  "    local known = redis.call('HGET', sizes, '')\n"
  "    local sum = { gone = redis.call('ZRANGEBYSCORE', values, '-inf', expired),\n"
  "                  total = tonumber(known or 0), old = 0, known = known ~= false }\n"
  "    for _, gone in ipairs(sum.gone) do sum.total = sum.total - tonumber(redis.call('HGET', sizes, gone) or 0) end\n"
  "    if sum.total < 0 then sum.total = 0 end\n"
  "    local expiry = redis.call('ZSCORE', values, KEYS[1])\n"
  "    if expiry and tonumber(expiry) >= now then sum.old = tonumber(redis.call('HGET', sizes, KEYS[1]) or 0) end\n"
  "    sums[i] = sum\n"
  "    if size > sum.old and sum.total - sum.old + size > max_bytes then return refuse(-i, i) end\n"
  "  end\n"
  "end\n"
  "redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])\n"
  "local expiry_ms = string.format('%.0f', now + ttl)\n"
  EXPIRE_WITH_LAST_LUA
  "for i = 1, n do\n"
  "  local key = KEYS[3 * i - 1]\n"
  "  redis.call('ZREMRANGEBYSCORE', key, '-inf', expired)\n"
  "  if counted[i] then redis.call('ZADD', key, expiry_ms, member) end\n"
  "  expire_with_last(key, { key })\n"
  "  if sums[i] then\n"
  "    local sum, values, sizes = sums[i], KEYS[3 * i], KEYS[3 * i + 1]\n"
  "    forget(i)\n"
  "    redis.call('ZADD', values, expiry_ms, KEYS[1])\n"
  "    redis.call('HSET', sizes, KEYS[1], size, '', sum.total - sum.old + size)\n"
  "    expire_with_last(values, { values, sizes })\n"
  "  end\n"
  "end\n"
  "return 1\n";

/* The script's answer; @max_size is the number of counters. */
static void
read_counted (GTask              *task,
              NorthMcpRedisReply *reply,
              gsize               max_size)
{
  gint64 answer;

  if (north_mcp_redis_reply_get_kind (reply) != NORTH_MCP_REDIS_REPLY_INTEGER ||
      (answer = north_mcp_redis_reply_get_integer (reply)) < -(gint64) max_size ||
      (answer > 0 && (guint64) answer > max_size + 1))
    return_unexpected (task);
  else if (answer < 0)
    g_task_return_int (task, NORTH_MCP_STATE_STORE_COUNTED_OVER_BYTES + (-answer - 1));
  else if (answer <= 1)
    g_task_return_int (task, answer == 1 ? NORTH_MCP_STATE_STORE_COUNTED_STORED
                                         : NORTH_MCP_STATE_STORE_COUNTED_KEPT_OUT);
  else
    g_task_return_int (task, NORTH_MCP_STATE_STORE_COUNTED_FULL + (answer - 2));
}

/* Appends the keys of @request's counters to @argv (three each: the
 * counter, KEY:values, KEY:bytes; kept alive by @derived). */
static void
add_counter_keys (const NorthMcpStateStoreRequest *request,
                  const char                     **argv,
                  guint                           *argc,
                  GPtrArray                       *derived)
{
  for (guint i = 0; i < request->n_counters; i++)
    {
      /* The counter's structures for bytes (a key of at most
       * NORTH_MCP_STATE_STORE_MAX_KEY and a suffix). */
      argv[(*argc)++] = request->counters[i].key;
      g_ptr_array_add (derived, g_strconcat (request->counters[i].key, ":values", NULL));
      argv[(*argc)++] = g_ptr_array_index (derived, derived->len - 1);
      g_ptr_array_add (derived, g_strconcat (request->counters[i].key, ":bytes", NULL));
      argv[(*argc)++] = g_ptr_array_index (derived, derived->len - 1);
    }
}

static void
redis_set_counted (NorthMcpStateStore              *store,
                   const NorthMcpStateStoreRequest *request,
                   GTask                           *task)
{
  static const char *const modes[] = { "ALWAYS", "NX", "XX" };
  NorthMcpStateStoreRequest counting = *request;
  guint n = request->n_counters;
  char n_keys[16], ttl[32], limits[NORTH_MCP_STATE_STORE_MAX_COUNTERS][2][24];
  g_autoptr(GPtrArray) derived = g_ptr_array_new_with_free_func (g_free);
  const char *argv[3 + 1 + 3 * NORTH_MCP_STATE_STORE_MAX_COUNTERS + 4 + 2 * NORTH_MCP_STATE_STORE_MAX_COUNTERS];
  guint argc = 0, value_index;

  G_STATIC_ASSERT (G_N_ELEMENTS (modes) == NORTH_MCP_STATE_STORE_SET_IF_PRESENT + 1);
  G_STATIC_ASSERT (G_N_ELEMENTS (argv) <= MAX_ARGS);
  g_snprintf (n_keys, sizeof n_keys, "%u", 1 + 3 * n);
  g_snprintf (ttl, sizeof ttl, "%" G_GUINT64_FORMAT, request->ttl_ms);
  argv[argc++] = "EVAL";
  argv[argc++] = set_counted_script;
  argv[argc++] = n_keys;
  argv[argc++] = request->key;
  add_counter_keys (request, argv, &argc, derived);
  value_index = argc;
  argv[argc++] = NULL;
  argv[argc++] = ttl;
  argv[argc++] = modes[request->mode];
  argv[argc++] = request->member;
  for (guint i = 0; i < n; i++)
    {
      g_snprintf (limits[i][0], sizeof limits[i][0], "%u", request->counters[i].limit);
      g_snprintf (limits[i][1], sizeof limits[i][1], "%" G_GUINT64_FORMAT, request->counters[i].max_bytes);
      argv[argc++] = limits[i][0];
      argv[argc++] = limits[i][1];
    }
  /* read_counted() checks the answer against the number of counters. */
  counting.max_size = n;
  command (store, &counting, task, argc, argv, value_index, read_counted);
}

/* The script of an EXPIRE of a counted value: the value, then where it
 * is counted now (a live member, a live size) the same expiry; nothing
 * joins (that is a counted SET's, which checks the limits). Reads first:
 * a counter's key of another type fails the script before it wrote
 * anything. PEXPIRE is the first write: it does not grow memory, so
 * that Redis out of memory still runs the script through. KEYS, as for a
 * counted SET; ARGV: the ttl, the member. Answers 1, or 0 when the value
 * is absent. */
static const char expire_counted_script[] =
  "local member = ARGV[2]\n"
  NOW_LUA
  "local expiry_ms = string.format('%.0f', now + tonumber(ARGV[1]))\n"
  "local function is_live(set, name)\n"
  "  local score = redis.call('ZSCORE', set, name)\n"
  "  return score ~= false and tonumber(score) >= now\n"
  "end\n"
  "local live = {}\n"
  "for i = 1, (#KEYS - 1) / 3 do\n"
  "  live[i] = { is_live(KEYS[3 * i - 1], member), is_live(KEYS[3 * i], KEYS[1]) }\n"
  "end\n"
  "if redis.call('PEXPIRE', KEYS[1], ARGV[1]) == 0 then return 0 end\n"
  EXPIRE_WITH_LAST_LUA
  "for i, counted in ipairs(live) do\n"
  "  local key, values, sizes = KEYS[3 * i - 1], KEYS[3 * i], KEYS[3 * i + 1]\n"
  "  if counted[1] then\n"
  "    redis.call('ZADD', key, 'XX', expiry_ms, member)\n"
  "    expire_with_last(key, { key })\n"
  "  end\n"
  "  if counted[2] then\n"
  "    redis.call('ZADD', values, 'XX', expiry_ms, KEYS[1])\n"
  "    expire_with_last(values, { values, sizes })\n"
  "  end\n"
  "end\n"
  "return 1\n";

/* The script of a DELETE of a counted value: the value, the member and
 * the value's size in each counter (the sum, KEY:bytes "", is that of
 * the values KEY:values lists, expired or not: the value's size leaves
 * it with the value). Reads first, then DEL as the first write (as
 * above). KEYS, as for a counted SET; ARGV: the member. Answers DEL's
 * answer. */
static const char delete_counted_script[] =
  "local member = ARGV[1]\n"
  "local sized = {}\n"
  "for i = 1, (#KEYS - 1) / 3 do\n"
  "  local values, sizes = KEYS[3 * i], KEYS[3 * i + 1]\n"
  "  redis.call('ZSCORE', KEYS[3 * i - 1], member)\n"
  "  sized[i] = false\n"
  "  if redis.call('ZSCORE', values, KEYS[1]) then\n"
  "    sized[i] = { tonumber(redis.call('HGET', sizes, KEYS[1]) or 0), redis.call('HGET', sizes, '') }\n"
  "  end\n"
  "end\n"
  "local existed = redis.call('DEL', KEYS[1])\n"
  "for i, size in ipairs(sized) do\n"
  "  local values, sizes = KEYS[3 * i], KEYS[3 * i + 1]\n"
  "  redis.call('ZREM', KEYS[3 * i - 1], member)\n"
  "  if size then\n"
  "    redis.call('ZREM', values, KEYS[1])\n"
  "    redis.call('HDEL', sizes, KEYS[1])\n"
  "    if size[2] then redis.call('HSET', sizes, '', math.max(0, tonumber(size[2]) - size[1])) end\n"
  "  end\n"
  "end\n"
  "return existed\n";

static void
redis_counted_expire_or_delete (NorthMcpStateStore              *store,
                                const NorthMcpStateStoreRequest *request,
                                GTask                           *task)
{
  gboolean expire = request->op == NORTH_MCP_STATE_STORE_OP_EXPIRE;
  char n_keys[16], ttl[32];
  g_autoptr(GPtrArray) derived = g_ptr_array_new_with_free_func (g_free);
  const char *argv[3 + 1 + 3 * NORTH_MCP_STATE_STORE_MAX_COUNTERS + 2];
  guint argc = 0;

  G_STATIC_ASSERT (G_N_ELEMENTS (argv) <= MAX_ARGS);
  g_snprintf (n_keys, sizeof n_keys, "%u", 1 + 3 * request->n_counters);
  g_snprintf (ttl, sizeof ttl, "%" G_GUINT64_FORMAT, request->ttl_ms);
  argv[argc++] = "EVAL";
  argv[argc++] = expire ? expire_counted_script : delete_counted_script;
  argv[argc++] = n_keys;
  argv[argc++] = request->key;
  add_counter_keys (request, argv, &argc, derived);
  if (expire)
    argv[argc++] = ttl;
  argv[argc++] = request->member;
  command (store, request, task, argc, argv, 0, read_integer);
}

/* The script of a room check: reads only (a Redis out of memory runs
 * it). KEYS: the counters; ARGV: their limits. Answers as a counted SET:
 * 1 (room in each) or 1 + i (counter i, from 1, is full). */
static const char check_room_script[] =
  NOW_LUA
  "local live = string.format('%.0f', now)\n"
  "for i, key in ipairs(KEYS) do\n"
  "  local limit = tonumber(ARGV[i])\n"
  "  if limit > 0 and redis.call('ZCOUNT', key, live, '+inf') >= limit then return 1 + i end\n"
  "end\n"
  "return 1\n";

static void
redis_check_room (NorthMcpStateStore              *store,
                  const NorthMcpStateStoreRequest *request,
                  GTask                           *task)
{
  NorthMcpStateStoreRequest counting = *request;
  char n_keys[16], limits[NORTH_MCP_STATE_STORE_MAX_COUNTERS][24];
  const char *argv[3 + 2 * NORTH_MCP_STATE_STORE_MAX_COUNTERS];
  guint argc = 0;

  G_STATIC_ASSERT (G_N_ELEMENTS (argv) <= MAX_ARGS);
  g_snprintf (n_keys, sizeof n_keys, "%u", request->n_counters);
  argv[argc++] = "EVAL";
  argv[argc++] = check_room_script;
  argv[argc++] = n_keys;
  for (guint i = 0; i < request->n_counters; i++)
    argv[argc++] = request->counters[i].key;
  for (guint i = 0; i < request->n_counters; i++)
    {
      g_snprintf (limits[i], sizeof limits[i], "%u", request->counters[i].limit);
      argv[argc++] = limits[i];
    }
  /* read_counted() checks the answer against the number of counters. */
  counting.max_size = request->n_counters;
  command (store, &counting, task, argc, argv, 0, read_counted);
}

/* The operations, in the order of NorthMcpStateStoreOp. */
static const NorthMcpStateStoreOperation operations[] = {
  redis_set, redis_get, redis_expire, redis_delete, redis_publish, redis_append, redis_replay,
  redis_set_counted, redis_check_room,
};
G_STATIC_ASSERT (G_N_ELEMENTS (operations) == NORTH_MCP_STATE_STORE_N_OPS);

static void
north_mcp_redis_state_store_iface_init (NorthMcpStateStoreInterface *iface)
{
  iface->is_shared = redis_is_shared;
  iface->is_available = redis_is_available;
  iface->operations = operations;
  iface->subscribe = redis_subscribe;
  iface->unsubscribe = redis_unsubscribe;
}

static void
on_connected (NorthMcpRedisStateStore *self)
{
  if (!north_mcp_redis_client_is_connected (self->client))
    return;
  if (!self->started)
    start (self);
  g_signal_emit_by_name (self, NORTH_MCP_STATE_STORE_SIGNAL_AVAILABLE);
}

static void
north_mcp_redis_state_store_dispose (GObject *object)
{
  NorthMcpRedisStateStore *self = NORTH_MCP_REDIS_STATE_STORE (object);

  if (self->client != NULL)
    g_signal_handlers_disconnect_by_func (self->client, on_connected, self);
  /* Whatever still waits fails now (the client is gone). */
  if (!self->started && self->client != NULL)
    start (self);
  g_clear_object (&self->client);
  G_OBJECT_CLASS (north_mcp_redis_state_store_parent_class)->dispose (object);
}

static void
north_mcp_redis_state_store_class_init (NorthMcpRedisStateStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = north_mcp_redis_state_store_dispose;
}

static void
north_mcp_redis_state_store_init (NorthMcpRedisStateStore *self)
{
}

NorthMcpStateStore *
north_mcp_redis_state_store_new (const char  *uri,
                                 GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  NorthMcpRedisStateStore *self;
  NorthMcpRedisClient *client;

  client = north_mcp_redis_client_new (uri, &local_error);
  if (client == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s", local_error->message);
      return NULL;
    }

  self = g_object_new (NORTH_MCP_TYPE_REDIS_STATE_STORE, NULL);
  self->client = client;
  g_signal_connect_swapped (client, "notify::connected", G_CALLBACK (on_connected), self);
  self->startup_timeout = g_timeout_source_new (STARTUP_WAIT_MS);
  g_source_set_callback (self->startup_timeout, start, self, NULL);
  g_source_attach (self->startup_timeout, g_main_context_get_thread_default ());
  return NORTH_MCP_STATE_STORE (self);
}
