/* north-mcp-enums.h: enumerations shared by several types
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib.h>
#include "north-mcp-types.h"

G_BEGIN_DECLS

/**
 * NorthMcpTransportKind:
 * @NORTH_MCP_TRANSPORT_STDIO: newline-delimited JSON-RPC on standard input
 *   and output.
 * @NORTH_MCP_TRANSPORT_STREAMABLE_HTTP: the Streamable HTTP transport on the
 *   `/mcp` endpoint (together with the deprecated HTTP+SSE endpoints).
 * @NORTH_MCP_TRANSPORT_SSE: the deprecated HTTP+SSE transport of revision
 *   2024-11-05 (`GET /sse`, `POST /messages/`); Streamable HTTP stays
 *   available on the same port.
 *
 * How a server talks to its clients.
 */
typedef enum {
  NORTH_MCP_TRANSPORT_STDIO,
  NORTH_MCP_TRANSPORT_STREAMABLE_HTTP,
  NORTH_MCP_TRANSPORT_SSE,
} NorthMcpTransportKind;

/**
 * NorthMcpLogLevel:
 * @NORTH_MCP_LOG_LEVEL_DEBUG: debug
 * @NORTH_MCP_LOG_LEVEL_INFO: info
 * @NORTH_MCP_LOG_LEVEL_NOTICE: notice
 * @NORTH_MCP_LOG_LEVEL_WARNING: warning
 * @NORTH_MCP_LOG_LEVEL_ERROR: error
 * @NORTH_MCP_LOG_LEVEL_CRITICAL: critical
 * @NORTH_MCP_LOG_LEVEL_ALERT: alert
 * @NORTH_MCP_LOG_LEVEL_EMERGENCY: emergency
 *
 * MCP log levels (RFC 5424 severities, least severe first), as used by
 * `logging/setLevel` and `notifications/message`.
 */
typedef enum {
  NORTH_MCP_LOG_LEVEL_DEBUG,
  NORTH_MCP_LOG_LEVEL_INFO,
  NORTH_MCP_LOG_LEVEL_NOTICE,
  NORTH_MCP_LOG_LEVEL_WARNING,
  NORTH_MCP_LOG_LEVEL_ERROR,
  NORTH_MCP_LOG_LEVEL_CRITICAL,
  NORTH_MCP_LOG_LEVEL_ALERT,
  NORTH_MCP_LOG_LEVEL_EMERGENCY,
} NorthMcpLogLevel;

/**
 * NorthMcpToolHint:
 * @NORTH_MCP_TOOL_HINT_READ_ONLY: `readOnlyHint`: the tool does not modify
 *   its environment.
 * @NORTH_MCP_TOOL_HINT_DESTRUCTIVE: `destructiveHint`: the tool may perform
 *   destructive updates.
 * @NORTH_MCP_TOOL_HINT_IDEMPOTENT: `idempotentHint`: calling the tool again
 *   with the same arguments has no additional effect.
 * @NORTH_MCP_TOOL_HINT_OPEN_WORLD: `openWorldHint`: the tool interacts with
 *   an open world of external entities.
 *
 * The boolean hints of MCP tool annotations.
 */
typedef enum {
  NORTH_MCP_TOOL_HINT_READ_ONLY,
  NORTH_MCP_TOOL_HINT_DESTRUCTIVE,
  NORTH_MCP_TOOL_HINT_IDEMPOTENT,
  NORTH_MCP_TOOL_HINT_OPEN_WORLD,
} NorthMcpToolHint;

/**
 * NorthMcpCacheScope:
 * @NORTH_MCP_CACHE_SCOPE_PUBLIC: `public`: the result holds no user data;
 *   any client or intermediary may cache it and share it across users.
 * @NORTH_MCP_CACHE_SCOPE_PRIVATE: `private`: the result may be cached only
 *   for the same authorization context.
 *
 * The `cacheScope` of cacheable results (protocol revision 2026-07-28).
 */
typedef enum {
  NORTH_MCP_CACHE_SCOPE_PUBLIC,
  NORTH_MCP_CACHE_SCOPE_PRIVATE,
} NorthMcpCacheScope;

/**
 * NorthMcpTaskSupport:
 * @NORTH_MCP_TASK_SUPPORT_FORBIDDEN: the tool never runs as a task (the
 *   default; `execution.taskSupport` is left out of `tools/list`).
 * @NORTH_MCP_TASK_SUPPORT_OPTIONAL: the tool runs as a task when the client
 *   declared the tasks extension (`io.modelcontextprotocol/tasks`) and the
 *   handler does not answer at once; otherwise it answers in the response.
 * @NORTH_MCP_TASK_SUPPORT_REQUIRED: like optional, but a client that did not
 *   declare the tasks extension gets error -32021 (missing required client
 *   capability) instead of a result.
 *
 * Whether a tool runs as a task of the tasks extension (SEP-2663, protocol
 * revision 2026-07-28), as `execution.taskSupport` tells clients.
 *
 * Since: 0.2
 */
typedef enum {
  NORTH_MCP_TASK_SUPPORT_FORBIDDEN,
  NORTH_MCP_TASK_SUPPORT_OPTIONAL,
  NORTH_MCP_TASK_SUPPORT_REQUIRED,
} NorthMcpTaskSupport;

G_END_DECLS
