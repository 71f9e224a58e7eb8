/* north-mcp-error.c
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-error.h"

/**
 * north_mcp_error_quark:
 *
 * The error domain of general library errors, see #NorthMcpError.
 *
 * Returns: the quark
 */
G_DEFINE_QUARK (north-mcp-error-quark, north_mcp_error)

/**
 * north_mcp_jsonrpc_error_quark:
 *
 * The error domain whose codes are JSON-RPC error codes, see
 * #NorthMcpJsonrpcError.
 *
 * Returns: the quark
 */
G_DEFINE_QUARK (north-mcp-jsonrpc-error-quark, north_mcp_jsonrpc_error)
