/* north-mcp-error.h: error domains
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib.h>
#include "north-mcp-types.h"

G_BEGIN_DECLS

#define NORTH_MCP_ERROR (north_mcp_error_quark ())
#define NORTH_MCP_JSONRPC_ERROR (north_mcp_jsonrpc_error_quark ())

/**
 * NorthMcpError:
 * @NORTH_MCP_ERROR_FAILED: a generic failure.
 * @NORTH_MCP_ERROR_INVALID_ARGUMENT: a tool, prompt or resource argument
 *   did not match what was declared.
 * @NORTH_MCP_ERROR_NOT_SUPPORTED: the peer did not declare the capability the
 *   operation needs (for example sampling without the `sampling` client
 *   capability), or the transport cannot carry it (stateless HTTP).
 * @NORTH_MCP_ERROR_TIMED_OUT: a request to the client was not answered in time.
 * @NORTH_MCP_ERROR_CLOSED: the session or stream ended before an answer came.
 * @NORTH_MCP_ERROR_REMOTE: the client answered a server-to-client request with
 *   a JSON-RPC error; the message is the client's.
 * @NORTH_MCP_ERROR_INVALID_CONFIGURATION: a server setting or command-line
 *   option is invalid.
 * @NORTH_MCP_ERROR_LIMIT_EXCEEDED: the operation would go beyond one of the
 *   server's limits, such as the number of requests to the client a session
 *   may have waiting for their answer (since 0.2).
 *
 * Errors of the %NORTH_MCP_ERROR domain.
 */
typedef enum {
  NORTH_MCP_ERROR_FAILED,
  NORTH_MCP_ERROR_INVALID_ARGUMENT,
  NORTH_MCP_ERROR_NOT_SUPPORTED,
  NORTH_MCP_ERROR_TIMED_OUT,
  NORTH_MCP_ERROR_CLOSED,
  NORTH_MCP_ERROR_REMOTE,
  NORTH_MCP_ERROR_INVALID_CONFIGURATION,
  NORTH_MCP_ERROR_LIMIT_EXCEEDED,
} NorthMcpError;

/**
 * NorthMcpJsonrpcError:
 * @NORTH_MCP_JSONRPC_ERROR_PARSE_ERROR: the message was not valid JSON.
 * @NORTH_MCP_JSONRPC_ERROR_INVALID_REQUEST: the message was not a JSON-RPC 2.0 request.
 * @NORTH_MCP_JSONRPC_ERROR_METHOD_NOT_FOUND: the method does not exist or its
 *   capability is not offered.
 * @NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS: the parameters are invalid (unknown
 *   tool or prompt, missing argument, bad cursor).
 * @NORTH_MCP_JSONRPC_ERROR_INTERNAL_ERROR: the server failed.
 * @NORTH_MCP_JSONRPC_ERROR_RESOURCE_NOT_FOUND: MCP's resource-not-found code
 *   (revisions up to 2025-11-25).
 * @NORTH_MCP_JSONRPC_ERROR_URL_ELICITATION_REQUIRED: the request needs a URL
 *   elicitation first (2025-11-25).
 * @NORTH_MCP_JSONRPC_ERROR_HEADER_MISMATCH: an HTTP header disagrees with the
 *   body (2026-07-28).
 * @NORTH_MCP_JSONRPC_ERROR_MISSING_CLIENT_CAPABILITY: the request needs a client
 *   capability it did not declare (2026-07-28).
 * @NORTH_MCP_JSONRPC_ERROR_UNSUPPORTED_PROTOCOL_VERSION: the protocol version
 *   is not supported (2026-07-28).
 *
 * JSON-RPC error codes. A [struct@GLib.Error] of the %NORTH_MCP_JSONRPC_ERROR domain
 * returned by a handler becomes a JSON-RPC error response with that code and
 * message; errors of any other domain returned by a tool become a tool result
 * with `isError` set.
 */
typedef enum {
  NORTH_MCP_JSONRPC_ERROR_PARSE_ERROR = -32700,
  NORTH_MCP_JSONRPC_ERROR_INVALID_REQUEST = -32600,
  NORTH_MCP_JSONRPC_ERROR_METHOD_NOT_FOUND = -32601,
  NORTH_MCP_JSONRPC_ERROR_INVALID_PARAMS = -32602,
  NORTH_MCP_JSONRPC_ERROR_INTERNAL_ERROR = -32603,
  NORTH_MCP_JSONRPC_ERROR_RESOURCE_NOT_FOUND = -32002,
  NORTH_MCP_JSONRPC_ERROR_URL_ELICITATION_REQUIRED = -32042,
  NORTH_MCP_JSONRPC_ERROR_HEADER_MISMATCH = -32020,
  NORTH_MCP_JSONRPC_ERROR_MISSING_CLIENT_CAPABILITY = -32021,
  NORTH_MCP_JSONRPC_ERROR_UNSUPPORTED_PROTOCOL_VERSION = -32022,
} NorthMcpJsonrpcError;

NORTH_MCP_AVAILABLE_IN_ALL
GQuark north_mcp_error_quark (void);
NORTH_MCP_AVAILABLE_IN_ALL
GQuark north_mcp_jsonrpc_error_quark (void);

G_END_DECLS
