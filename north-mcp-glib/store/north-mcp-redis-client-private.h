/* north-mcp-redis-client-private.h: an asynchronous Redis client on the
 * GLib main loop (hiredis' parser and async context)
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>

#include "north-mcp-redis-reply-private.h"

G_BEGIN_DECLS

#define NORTH_MCP_REDIS_ERROR (north_mcp_redis_error_quark ())
GQuark north_mcp_redis_error_quark (void);

/* Every command ends with a reply or one of these (or G_IO_ERROR_CANCELLED,
 * or G_IO_ERROR_NOT_SUPPORTED for the commands the client refuses, below). */
typedef enum {
  NORTH_MCP_REDIS_ERROR_INVALID_URI,
  /* Not connected, connection lost, or Redis did not answer in time. Callers
   * answer 503: the client is already reconnecting. */
  NORTH_MCP_REDIS_ERROR_UNAVAILABLE,
  /* Redis answered an error; its text is the GError's message. */
  NORTH_MCP_REDIS_ERROR_REPLY,
  /* "max-in-flight" commands are already waiting for their replies, or
   * "max-unsent-size" bytes for Redis to read them. */
  NORTH_MCP_REDIS_ERROR_TOO_MANY,
} NorthMcpRedisError;

/* Default limits (each also a property). */
#define NORTH_MCP_REDIS_DEFAULT_COMMAND_TIMEOUT_MS 2000
#define NORTH_MCP_REDIS_DEFAULT_MAX_IN_FLIGHT      10000
#define NORTH_MCP_REDIS_DEFAULT_MAX_REPLY_SIZE     (64 * 1024 * 1024)
#define NORTH_MCP_REDIS_DEFAULT_MAX_UNSENT_SIZE    (64 * 1024 * 1024)
#define NORTH_MCP_REDIS_DEFAULT_HEARTBEAT_INTERVAL_MS 5000

#define NORTH_MCP_TYPE_REDIS_CLIENT (north_mcp_redis_client_get_type ())
G_DECLARE_FINAL_TYPE (NorthMcpRedisClient, north_mcp_redis_client, NORTH_MCP, REDIS_CLIENT, GObject)

/* NorthMcpRedisClient: one connection for commands, a second one (opened on
 * the first subscribe) for pub/sub, since a subscribed RESP2 connection
 * takes no other commands.
 *
 * @uri is redis://HOST[:PORT][/DB]: HOST an IPv4 literal, an IPv6 literal
 * in brackets, or a name (resolved with GResolver, asynchronously, at every
 * connection attempt; the first address is used); PORT defaults to 6379,
 * DB to 0. Credentials (redis://user:pass@…), query strings and other
 * schemes are refused with NORTH_MCP_REDIS_ERROR_INVALID_URI (no AUTH
 * support yet; error messages never repeat the URI's userinfo).
 *
 * Nothing blocks: new() returns at once and connects in the background on
 * the thread-default main context of its caller; every method must be
 * called, and every callback runs, on that context's thread. A connection
 * counts as "connected" only once Redis has answered PING (after SELECT for
 * a DB other than 0), so a Redis that accepts TCP but hangs is not
 * "connected". When a connection attempt fails or a connection is lost the
 * client retries after 100 ms, doubling up to 2 s, forever. The back-off
 * starts over only once a connection proved healthy by staying up 5 s
 * (answers alone prove nothing); a Redis that answers PING, or a command,
 * and then drops every connection is retried on the back-off schedule,
 * not ten times a second. It logs one warning when a connection
 * is lost, then at most one a minute while it stays down (with the number
 * of failed attempts since), and one when it is up again (proven healthy)
 * (never the URI's secrets: there are none).
 *
 * Commands: no queueing while disconnected. A command issued when the
 * command connection is not ready fails at once with UNAVAILABLE (so that
 * a server answers 503 instead of piling up work). Once sent:
 *   - a reply completes it (an error reply, also one nested in an array,
 *     gives NORTH_MCP_REDIS_ERROR_REPLY);
 *   - losing the connection fails it with UNAVAILABLE;
 *   - if the oldest command waits longer than "command-timeout" ms, Redis
 *     is taken as hung: the connection is dropped, every command in flight
 *     fails with UNAVAILABLE and the client reconnects, so that later
 *     commands fail fast instead of each waiting for the timeout (so do not
 *     send blocking commands such as BLPOP with a longer timeout);
 *   - cancelling its GCancellable completes it with G_IO_ERROR_CANCELLED at
 *     once; its reply is dropped when it arrives (it still counts as in
 *     flight until then);
 *   - at most "max-in-flight" commands wait for replies, and at most
 *     "max-unsent-size" bytes (default 64 MiB) of commands wait to be
 *     written to Redis (a Redis that hangs stops reading: without it the
 *     output buffer grew with every command until the timeout); more fail
 *     with TOO_MANY.
 * Arguments are binary-safe. Commands that would change the connection's
 * protocol state behind the client's back are refused with
 * G_IO_ERROR_NOT_SUPPORTED: (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE (use
 * north_mcp_redis_client_subscribe()), MONITOR, SELECT (the DB comes from
 * the URI and is restored on reconnection), QUIT, RESET, HELLO (the client
 * speaks RESP2), CLIENT REPLY, SYNC, PSYNC. Per-connection state does not
 * survive a reconnection: commands sent between MULTI and EXEC as separate
 * commands could run outside the transaction if the connection is replaced
 * in between (EXEC then fails), and AUTH/WATCH are forgotten; use EVAL (a
 * Lua script is atomic) for multi-key updates.
 *
 * Replies: at most "max-reply-size" bytes (default 64 MiB) per reply,
 * counting the payload plus 16 bytes per element and per array slot, and
 * also bounding what the reader buffers for a reply not yet complete (the
 * hiredis 0.14 reader has no such limit of its own: its REDIS_READER_MAX_BUF,
 * 16 KiB, only says when an idle buffer is released). A bigger reply drops
 * the connection (its command and the others in flight fail with
 * UNAVAILABLE). Arrays nest at most 7 deep (hiredis' limit; same effect).
 *
 * Finalizing: a pending command's GTask holds a reference on the client, so
 * the last unref only takes effect when the commands in flight have ended
 * (reply, error or timeout). g_object_run_dispose() closes the connections
 * at once: commands in flight fail with UNAVAILABLE (or CANCELLED if their
 * cancellable was triggered first); subscriptions are dropped and their
 * GDestroyNotify run. */
NorthMcpRedisClient *north_mcp_redis_client_new            (const char           *uri,
                                                            GError              **error);
gboolean             north_mcp_redis_client_is_connected   (NorthMcpRedisClient  *self);

/* @argc >= 1; @argv_len NULL means every argument is a C string. The
 * arguments are copied before this returns. */
void                 north_mcp_redis_client_command_async  (NorthMcpRedisClient  *self,
                                                            guint                 argc,
                                                            const char *const    *argv,
                                                            const gsize          *argv_len,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
/* Transfer full; NULL with @error set on failure. */
NorthMcpRedisReply  *north_mcp_redis_client_command_finish (NorthMcpRedisClient  *self,
                                                            GAsyncResult         *result,
                                                            GError              **error);
/* Convenience: a NULL-terminated list of C strings. */
void                 north_mcp_redis_client_commandv_async (NorthMcpRedisClient  *self,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data,
                                                            const char           *first_arg,
                                                            ...) G_GNUC_NULL_TERMINATED;

/* For tests: the shortest interval between two warnings that a
 * connection is still down (default NORTH_MCP_REDIS_WARN_INTERVAL_MS, a
 * minute); > 0. */
#define NORTH_MCP_REDIS_WARN_INTERVAL_MS 60000
void                 north_mcp_redis_client_set_warn_interval (NorthMcpRedisClient *self,
                                                               guint                interval_ms);

/* Pub/sub on the client's second connection. @func runs on the client's
 * main context for every message published on @channel (exact channel
 * names, no patterns) while subscribed; messages published while that
 * connection is down are lost (Redis pub/sub keeps nothing), and the client
 * subscribes again to every channel after reconnecting. Several
 * subscriptions to one channel share one Redis subscription. A connection
 * that goes silent without closing (a Redis host that died, a NAT that
 * forgot it) is found by a heartbeat: every "heartbeat-interval" ms
 * (default 5 s) the client publishes on a channel of its own
 * (north-mcp-redis-client:heartbeat:RANDOM), and drops and makes the
 * connection again when Redis took one that does not arrive within
 * "command-timeout"; messages published meanwhile are lost. Returns an id > 0 for
 * north_mcp_redis_client_unsubscribe() (ids wrap after G_MAXUINT
 * subscriptions, never onto one still in use), which may be called from @func;
 * @destroy runs on unsubscribe or dispose. */
typedef void (*NorthMcpRedisMessageFunc) (const char *channel,
                                          GBytes     *message,
                                          gpointer    user_data);
guint                north_mcp_redis_client_subscribe      (NorthMcpRedisClient      *self,
                                                            const char               *channel,
                                                            NorthMcpRedisMessageFunc  func,
                                                            gpointer                  user_data,
                                                            GDestroyNotify            destroy);
void                 north_mcp_redis_client_unsubscribe    (NorthMcpRedisClient      *self,
                                                            guint                     id);
/* How many heartbeats were sent and seen so far (for tests of a server
 * that ran long). */
void                 north_mcp_redis_client_set_heartbeat_count (NorthMcpRedisClient *self,
                                                                 guint64              count);
/* Where subscription ids go on from (for tests of their wrap at
 * G_MAXUINT, which a server that runs for months may reach). */
void                 north_mcp_redis_client_set_next_subscription_id (NorthMcpRedisClient *self,
                                                                      guint                id);

G_END_DECLS
