/* north-mcp.h: the one header to include
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#define NORTH_MCP_INSIDE

#include "north-mcp-version-macros.h"
#include "north-mcp-types.h"
#include "north-mcp-version.h"
#include "north-mcp-enums.h"
#include "north-mcp-enum-types.h"
#include "north-mcp-error.h"
#include "north-mcp-uri-template.h"
#include "north-mcp-content.h"
#include "north-mcp-tool-result.h"
#include "north-mcp-feature.h"
#include "north-mcp-span.h"
#include "north-mcp-tracer.h"
#include "north-mcp-tool.h"
#include "north-mcp-context.h"
#include "north-mcp-completion.h"
#include "north-mcp-resource-contents.h"
#include "north-mcp-resource.h"
#include "north-mcp-resource-template.h"
#include "north-mcp-prompt-result.h"
#include "north-mcp-prompt.h"
#include "north-mcp-session.h"
#include "north-mcp-user.h"
#include "north-mcp-citation.h"
#include "north-mcp-arguments.h"
#include "north-mcp-auth.h"
#include "north-mcp-server.h"
#include "north-mcp-action-group.h"
#include "north-mcp-dbus-bridge.h"

#undef NORTH_MCP_INSIDE
