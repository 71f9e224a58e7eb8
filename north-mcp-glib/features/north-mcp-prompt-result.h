/* north-mcp-prompt-result.h: the messages a prompt produces
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>
#include "north-mcp-types.h"

G_BEGIN_DECLS

/**
 * NorthMcpRole:
 * @NORTH_MCP_ROLE_USER: `user`
 * @NORTH_MCP_ROLE_ASSISTANT: `assistant`
 *
 * Who a prompt message (or sampling message) is from.
 */
typedef enum {
  NORTH_MCP_ROLE_USER,
  NORTH_MCP_ROLE_ASSISTANT,
} NorthMcpRole;

#define NORTH_MCP_TYPE_PROMPT_RESULT (north_mcp_prompt_result_get_type ())

NORTH_MCP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (NorthMcpPromptResult, north_mcp_prompt_result, NORTH_MCP, PROMPT_RESULT, GObject)

NORTH_MCP_AVAILABLE_IN_ALL
NorthMcpPromptResult *north_mcp_prompt_result_new             (const char           *description);
NORTH_MCP_AVAILABLE_IN_ALL
void                  north_mcp_prompt_result_add_message     (NorthMcpPromptResult *self,
                                                               NorthMcpRole          role,
                                                               JsonNode             *content);
NORTH_MCP_AVAILABLE_IN_ALL
void                  north_mcp_prompt_result_add_text        (NorthMcpPromptResult *self,
                                                               NorthMcpRole          role,
                                                               const char           *text);
NORTH_MCP_AVAILABLE_IN_ALL
guint                 north_mcp_prompt_result_get_n_messages  (NorthMcpPromptResult *self);
NORTH_MCP_AVAILABLE_IN_ALL
const char           *north_mcp_prompt_result_get_description (NorthMcpPromptResult *self);
NORTH_MCP_AVAILABLE_IN_ALL
void                  north_mcp_prompt_result_set_description (NorthMcpPromptResult *self,
                                                               const char           *description);
NORTH_MCP_AVAILABLE_IN_ALL
void                  north_mcp_prompt_result_set_meta        (NorthMcpPromptResult *self,
                                                               JsonObject           *meta);
NORTH_MCP_AVAILABLE_IN_ALL
JsonNode             *north_mcp_prompt_result_to_json         (NorthMcpPromptResult *self);

NORTH_MCP_AVAILABLE_IN_ALL
void                  north_mcp_context_return_prompt_result  (NorthMcpContext      *self,
                                                               NorthMcpPromptResult *result);

G_END_DECLS
