/* north-mcp-task-impl-private.h: what north-mcp-task.c (the handlers of
 * tasks) and north-mcp-task-requests.c (the client's tasks/ requests)
 * share
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-context-private.h"
#include "north-mcp-protocol-host-private.h"
#include "north-mcp-session-manager-private.h"
#include "north-mcp-state-store-private.h"
#include "north-mcp-task-store-private.h"
#include "north-mcp-user.h"

G_BEGIN_DECLS

#define CANCEL_CHANNEL NORTH_MCP_STATE_STORE_PREFIX "task-cancel"
#define UPDATE_CHANNEL NORTH_MCP_STATE_STORE_PREFIX "task-update"
/* A relayed tasks/update: 4 MiB of answers (the default body limit), as
 * the sessions' messages; Redis drops a subscriber that falls 32 MB
 * behind, and with it every replica's messages. With them, the North
 * context of the update's request, for the round it starts: the
 * X-North-Context-* fields of a header block of at most 64 KiB, as JSON
 * (a byte that is not UTF-8 becomes U+FFFD, 3 bytes), and the trace
 * context of its span (at most 1.2 KiB as JSON). */
#define UPDATE_MESSAGE_MAX_ANSWERS (4 * 1024 * 1024)
#define UPDATE_MESSAGE_MAX_NORTH_CONTEXT (256 * 1024)
#define UPDATE_MESSAGE_MAX_BYTES (4096 + UPDATE_MESSAGE_MAX_ANSWERS + UPDATE_MESSAGE_MAX_NORTH_CONTEXT)
/* The replica that took a relayed tasks/update says so here (its token):
 * pub/sub delivers a message to whoever listens at that moment, to nobody
 * while the running replica is not subscribed (starting, reconnecting to
 * Redis, gone). The update is answered once it is, and -32603 after
 * UPDATE_ACK_TIMEOUT_MS without; at most UPDATE_ACK_MAX_WAITING wait at
 * once per server (beyond, -32603 at once). */
#define UPDATE_ACK_CHANNEL NORTH_MCP_STATE_STORE_PREFIX "task-update-ack"
#define UPDATE_ACK_TIMEOUT_MS 5000
#define UPDATE_ACK_MAX_WAITING 256
/* An acknowledgment is lost as the update is, to a relaying replica that
 * does not listen at that moment: the two replicas settle each update
 * under "north-mcp:task-update-decided:TOKEN" instead, with SET NX, so
 * that exactly one of them decides. The running replica takes the
 * answers only once it wrote "taken" there; the relaying one, out of
 * time, writes "withdrawn" (the client sends the update again) or finds
 * "taken" (the client is told it was). UPDATE_DECIDED_TTL_MS: how long
 * the word lives, well beyond the ack's timeout (about 100 bytes of
 * Redis for each relayed update, that long). */
#define UPDATE_DECIDED_PREFIX NORTH_MCP_STATE_STORE_PREFIX "task-update-decided:"
#define UPDATE_DECIDED_TTL_MS 30000
/* The answers of relayed updates kept until the word is written, as the
 * messages brought them, at most this many bytes at once per server;
 * beyond, an update is not taken (its replica withdraws it, out of time). */
#define UPDATE_DECIDING_MAX_BYTES (4 * UPDATE_MESSAGE_MAX_BYTES)

typedef struct _Runner Runner;

/* What a round of a task takes of the request that started it (the
 * tools/call, or the tasks/update whose answers it brings, maybe through
 * another replica): its North context (a reference), the W3C trace
 * context of its server span (NULL: not traced), which the round's span
 * continues as a child, and its user (a reference; NULL through another
 * replica, which sends no credentials through the store): the same
 * identity as the tools/call's, verified for that request, whose
 * connector and ID tokens the round gets in place of older ones. */
typedef struct
{
  GHashTable   *north_context;
  char         *traceparent;
  char         *tracestate;
  NorthMcpUser *user;
} RoundOrigin;

/* Of the request @context. */
void     north_mcp_round_origin_init              (RoundOrigin          *origin,
                                                   NorthMcpContext      *context);
void     north_mcp_round_origin_clear             (RoundOrigin          *origin);

/* Per server: the store and the handlers running here. */
typedef struct
{
  NorthMcpProtocolHost *host;  /* not a reference: the host owns this */
  NorthMcpTaskStore *store;
  GHashTable        *runners; /* taskId → Runner (a reference) */
  GSource           *expiry;
  guint              expiry_s; /* its interval */
  guint              lease_s;  /* of this process, with a shared store */
  /* With a state store shared by replicas: tasks/cancel on another
   * replica stops the handler here. */
  NorthMcpStateStore *shared;
  guint              cancel_id;
  guint              update_id; /* tasks/update on another replica */
  guint              ack_id;    /* UPDATE_ACK_CHANNEL */
  GHashTable        *awaiting;  /* token → relayed tasks/update waiting for its ack */
  gsize             *deciding;  /* bytes of relayed answers waiting for their word (a GAtomicRcBox
                                 * the updates hold: they may outlive this) */
  gsize              held;    /* Runner.held of the runners, and of the lingering */
  GHashTable        *lingering; /* dropped runners whose handler still runs (references) */
  GHashTable        *held_by; /* owner → Runner.held of its runners (GSIZE_TO_POINTER) */
} Tasks;

struct _Runner
{
  Tasks           *tasks;     /* NULL once dropped */
  Tasks           *lingering; /* dropped, its handler still running: counted there */
  NorthMcpTaskStore *store;
  gint64           touched_at; /* when the record last changed (monotonic µs) */
  gint64           ttl_ms;     /* the record's: how long after that it lives */
  char            *task_id;
  char            *owner;
  NorthMcpUser    *user;
  NorthMcpTool    *tool;
  JsonObject      *params;    /* of the tools/call that started it */
  gsize            held;      /* its size, counted in Tasks.held */
  gsize            request_held; /* of which its request */
  JsonObject      *arguments;
  JsonObject      *record;    /* as tasks/get shows it */
  JsonObject      *pending;   /* input requests still unanswered */
  JsonObject      *responses; /* answers collected for the next round */
  char            *state;     /* the handler's, for its next round */
  NorthMcpContext *context;   /* the current round */
  NorthMcpContext *origin;    /* the tools/call, until it is answered */
  gboolean         immediate; /* the first round's call has not returned */
  JsonNode        *early;     /* the answer given during it */
  gboolean         created;   /* the store has the record */
  guint            flushing;  /* writes of the record under way */
  gboolean         unwritten; /* the store could not take the last one */
  gboolean         unwritten_held; /* the record counted in held for it */
  JsonObject      *announced; /* the CreateTaskResult, as it was created */
};

/* The server's tasks, made on first use. */
Tasks   *north_mcp_tasks_get                      (NorthMcpProtocolHost *host);
/* Who owns the tasks @user starts (a digest of the identity). */
char    *north_mcp_tasks_owner_of                 (NorthMcpUser         *user);
Runner  *north_mcp_tasks_find_runner              (Tasks                *tasks,
                                                   const char           *owner,
                                                   const char           *task_id);
gboolean north_mcp_tasks_client_declared          (NorthMcpContext      *context);
void     north_mcp_tasks_return_missing_extension (NorthMcpContext      *context,
                                                   const char           *message);

Runner  *north_mcp_task_runner_ref                (Runner               *runner);
void     north_mcp_task_runner_unref              (Runner               *runner);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Runner, north_mcp_task_runner_unref)
/* Stops the handler here (its record is the store's). A handler that is
 * still running (it may ignore its cancellation) leaves its runner
 * lingering: what the runner keeps counts until the handler returns. */
void     north_mcp_task_runner_drop               (Runner               *runner);
/* Writes the record, changed: the handler lives as long as it. */
void     north_mcp_task_runner_flush              (Runner               *runner);
/* The handler of @runner returned: a lingering runner stops counting. */
void     north_mcp_task_runner_linger_end         (Runner               *runner);
/* The server's tasks go: their lingering runners count nowhere now. */
void     north_mcp_tasks_forget_lingering         (Tasks                *tasks);
/* What the runners of @owner keep, in bytes. */
gsize    north_mcp_tasks_owner_held               (Tasks                *tasks,
                                                   const char           *owner);
/* @runner keeps @size bytes less (@add: more), in all and for its owner. */
void     north_mcp_tasks_count_held               (Tasks                *tasks,
                                                   Runner               *runner,
                                                   gsize                 size,
                                                   gboolean              add);
/* Takes @answers to the input requests @runner waits for; once none is
 * left, the handler's next round starts, with @origin (the tasks/update
 * that brought them). */
void     north_mcp_task_runner_take_answers       (Runner               *runner,
                                                   JsonObject           *answers,
                                                   const RoundOrigin    *origin);

/* CANCEL_CHANNEL's and UPDATE_CHANNEL's messages (@user_data: the
 * Tasks): for the handlers that run here. */
void     north_mcp_tasks_on_cancel_message        (const char           *channel,
                                                   GBytes               *message,
                                                   gpointer              user_data);
void     north_mcp_tasks_on_update_message        (const char           *channel,
                                                   GBytes               *message,
                                                   gpointer              user_data);
/* UPDATE_ACK_CHANNEL's messages (@user_data: the Tasks). */
void     north_mcp_tasks_on_update_ack            (const char           *channel,
                                                   GBytes               *message,
                                                   gpointer              user_data);
/* Answers the relayed updates still waiting for their ack (not
 * confirmed): the store is let go of. */
void     north_mcp_tasks_end_awaiting             (Tasks                *tasks);

G_END_DECLS
