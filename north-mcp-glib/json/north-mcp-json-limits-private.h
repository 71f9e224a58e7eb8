/* north-mcp-json-limits-private.h: the bounds on untrusted JSON text
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

/* How deep untrusted JSON text may nest: north_mcp_json_read()'s limit on
 * the JSON-RPC path, in credentials and in issuer documents. */
#define NORTH_MCP_JSON_MAX_DEPTH 128

/* How many members one object may have:
 * json-glib's member table can be made to degrade with chosen names, so
 * the bound keeps the work of any object linear (north-mcp-json-reader.c). */
#define NORTH_MCP_JSON_MAX_MEMBERS 1000
