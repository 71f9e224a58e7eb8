/* north-mcp-version-macros.h: symbol visibility for the public API
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#if !defined(NORTH_MCP_INSIDE) && !defined(NORTH_MCP_COMPILATION)
# error "Only <north-mcp.h> can be included directly."
#endif

#include <glib.h>

#if defined(_WIN32)
# define _NORTH_MCP_EXPORT __declspec(dllexport) extern
#else
# define _NORTH_MCP_EXPORT __attribute__((visibility("default"))) extern
#endif

#define NORTH_MCP_AVAILABLE_IN_ALL _NORTH_MCP_EXPORT
