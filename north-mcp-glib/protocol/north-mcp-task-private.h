/* north-mcp-task-private.h: the tasks extension (SEP-2663, io.modelcontextprotocol/tasks)
 *
 * A `tools/call` of a tool whose [property@NorthMcp.Tool:task-support] is
 * optional or required, from a request that declares the extension in its
 * `_meta` client capabilities, runs the handler unchanged on a context of
 * its own, which outlives the HTTP request. If the handler answers before
 * its call returns, that answer is the response (the immediate-result
 * shortcut; an input-required result too, so MRTR rounds come first);
 * otherwise the task is stored and the response is a CreateTaskResult.
 * The handler's answer later becomes the task's outcome: a result makes it
 * `completed`, a JSON-RPC error `failed`, an input-required result
 * `input_required` (answered with `tasks/update`, after which the handler
 * runs again with the answers, like an MRTR retry).
 *
 * The records live in a NorthMcpTaskStore; the running handlers in this
 * process.
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-context-private.h"
#include "north-mcp-protocol-host-private.h"

G_BEGIN_DECLS

#define NORTH_MCP_TASKS_EXTENSION "io.modelcontextprotocol/tasks"

/* Limits (documented in doc/protocol-revisions.md). */
/* A task is kept for the server's task-ttl after its last change; the
 * shared store takes a record's ttlMs within these bounds. */
#define NORTH_MCP_TASK_TTL_MS              (60 * 60 * 1000)  /* default, 1 h */
#define NORTH_MCP_TASK_MAX_TTL_S           (7 * 24 * 60 * 60)  /* task-ttl's maximum, 7 days */
#define NORTH_MCP_TASK_POLL_INTERVAL_MS    500
#define NORTH_MCP_TASK_MAX_PER_OWNER       256              /* stored, ended ones too */
#define NORTH_MCP_TASK_MAX_TOTAL           4096
#define NORTH_MCP_TASK_MAX_RESULT_BYTES    (1024 * 1024)
/* How deep a task's result (or error, or input requests) may nest: as
 * deep as a handler's result that a channel reads back
 * (north-mcp-channel.c). Both task stores refuse a record nested deeper
 * (NORTH_MCP_ERROR_FAILED, saying so), so that a result is kept and
 * answered alike in memory and in Redis, where it is read back. */
#define NORTH_MCP_TASK_MAX_RESULT_DEPTH    NORTH_MCP_CHANNEL_MAX_TEXT_DEPTH
#define NORTH_MCP_TASK_MAX_STORED_BYTES    (256 * 1024 * 1024)
/* Per owner: a quarter of the records' bytes in all, still some 30 tasks
 * with results of NORTH_MCP_TASK_MAX_RESULT_BYTES in a shared store (two
 * records each there), some 60 in memory. */
#define NORTH_MCP_TASK_MAX_STORED_BYTES_PER_OWNER (64 * 1024 * 1024)
#define NORTH_MCP_TASK_MAX_STATUS_MESSAGE  1024             /* bytes, longer ones are cut */
/* The tools/call requests running tasks keep, in all, as
 * north_mcp_json_size_up_to() counts them (numbers at 24 bytes). */
#define NORTH_MCP_TASK_MAX_HELD_BYTES      (64 * 1024 * 1024)
/* Of which one owner's tasks (a quarter: one user cannot take the room of
 * all). */
#define NORTH_MCP_TASK_MAX_HELD_BYTES_PER_OWNER (NORTH_MCP_TASK_MAX_HELD_BYTES / 4)
/* How often handlers of tasks with no change for their TTL are looked
 * for: every half TTL, at most this often. */
#define NORTH_MCP_TASK_EXPIRY_INTERVAL_S   60
/* With a shared store, how long a task stays `working` (or
 * `input_required`) after the process that runs it stopped renewing its
 * lease (killed, or cut from the store): then it is `failed`. The sweep
 * renews the lease every third of it; a process that finds its lease
 * gone, or could not renew it for that long, stops the handlers of its
 * running tasks (with a warning naming each task, throttled) and runs
 * later ones under a new lease. */
#define NORTH_MCP_TASK_LEASE_S             30

/* The methods of the extension (all need the extension declared). */
gboolean north_mcp_tasks_method_is_task   (const char      *method);
/* Adds the extension to the capabilities of server/discover when a tool
 * can run as a task. */
void     north_mcp_tasks_add_capability   (NorthMcpProtocolHost *host,
                                           JsonObject           *capabilities);
/* Called by tools/call after the arguments were checked: TRUE when the
 * call was taken over (answered, or to be answered once the task store
 * admitted it: the handler runs only then, not for a user at the limit
 * on tasks). */
gboolean north_mcp_tasks_call_tool        (NorthMcpProtocolHost *host,
                                           NorthMcpContext      *context,
                                           NorthMcpTool         *tool,
                                           JsonObject           *arguments);
void     north_mcp_tasks_handle_get       (NorthMcpProtocolHost *host,
                                           NorthMcpContext      *context);
void     north_mcp_tasks_handle_update    (NorthMcpProtocolHost *host,
                                           NorthMcpContext      *context);
void     north_mcp_tasks_handle_cancel    (NorthMcpProtocolHost *host,
                                           NorthMcpContext      *context);
/* The server stops: the handlers running here are cancelled, as its
 * requests are cut (their tasks keep the records they had). */
void     north_mcp_tasks_stop             (NorthMcpProtocolHost *host);
/* The lease of this process's tasks in a shared store (default
 * NORTH_MCP_TASK_LEASE_S, at least 3 s: renewed every third); for tests
 * that wait for it to lapse. */
void     north_mcp_tasks_set_lease        (NorthMcpProtocolHost *host,
                                           guint                 lease_s);
/* For north_mcp_context_set_task_status_message(). */
gboolean north_mcp_tasks_set_status_message (NorthMcpContext *context,
                                             const char      *message);

G_END_DECLS
