/* north-mcp-context.h: one request as its handler sees it
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include "north-mcp-types.h"
#include "north-mcp-enums.h"
#include "north-mcp-tool-result.h"
#include "north-mcp-span.h"

G_BEGIN_DECLS

#define NORTH_MCP_TYPE_CONTEXT (north_mcp_context_get_type ())

NORTH_MCP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (NorthMcpContext, north_mcp_context, NORTH_MCP, CONTEXT, GObject)

NORTH_MCP_AVAILABLE_IN_ALL
NorthMcpServer  *north_mcp_context_get_server           (NorthMcpContext      *self);
NORTH_MCP_AVAILABLE_IN_ALL
NorthMcpSession *north_mcp_context_get_session          (NorthMcpContext      *self);
NORTH_MCP_AVAILABLE_IN_ALL
NorthMcpUser    *north_mcp_context_get_user             (NorthMcpContext      *self);
NORTH_MCP_AVAILABLE_IN_ALL
const char      *north_mcp_context_get_method           (NorthMcpContext      *self);
NORTH_MCP_AVAILABLE_IN_ALL
JsonNode        *north_mcp_context_get_request_id       (NorthMcpContext      *self);
NORTH_MCP_AVAILABLE_IN_ALL
JsonObject      *north_mcp_context_get_params           (NorthMcpContext      *self);
NORTH_MCP_AVAILABLE_IN_ALL
JsonObject      *north_mcp_context_get_meta             (NorthMcpContext      *self);
NORTH_MCP_AVAILABLE_IN_ALL
const char      *north_mcp_context_get_protocol_version (NorthMcpContext      *self);
NORTH_MCP_AVAILABLE_IN_ALL
GCancellable    *north_mcp_context_get_cancellable      (NorthMcpContext      *self);
NORTH_MCP_AVAILABLE_IN_ALL
gboolean         north_mcp_context_is_completed         (NorthMcpContext      *self);

NORTH_MCP_AVAILABLE_IN_ALL
void             north_mcp_context_report_progress      (NorthMcpContext      *self,
                                                         double                progress,
                                                         double                total,
                                                         const char           *message);
NORTH_MCP_AVAILABLE_IN_ALL
void             north_mcp_context_log                  (NorthMcpContext      *self,
                                                         NorthMcpLogLevel      level,
                                                         const char           *logger,
                                                         JsonNode             *data);
NORTH_MCP_AVAILABLE_IN_ALL
void             north_mcp_context_log_message          (NorthMcpContext      *self,
                                                         NorthMcpLogLevel      level,
                                                         const char           *logger,
                                                         const char           *message);

NORTH_MCP_AVAILABLE_IN_ALL
void             north_mcp_context_return_tool_result   (NorthMcpContext      *self,
                                                         NorthMcpToolResult   *result);
NORTH_MCP_AVAILABLE_IN_ALL
void             north_mcp_context_return_result        (NorthMcpContext      *self,
                                                         JsonNode             *result);
NORTH_MCP_AVAILABLE_IN_ALL
void             north_mcp_context_return_error         (NorthMcpContext      *self,
                                                         const GError         *error);
NORTH_MCP_AVAILABLE_IN_ALL
void             north_mcp_context_return_error_literal (NorthMcpContext      *self,
                                                         GQuark                domain,
                                                         int                   code,
                                                         const char           *message);

NORTH_MCP_AVAILABLE_IN_ALL
void             north_mcp_context_return_error_full    (NorthMcpContext      *self,
                                                         int                   code,
                                                         const char           *message,
                                                         JsonNode             *data);
NORTH_MCP_AVAILABLE_IN_ALL
void             north_mcp_context_return_missing_capability (NorthMcpContext *self,
                                                         const char           *capability);

NORTH_MCP_AVAILABLE_IN_ALL
JsonObject      *north_mcp_context_get_client_capabilities (NorthMcpContext   *self);
NORTH_MCP_AVAILABLE_IN_ALL
gboolean         north_mcp_context_set_task_status_message (NorthMcpContext *self,
                                                            const char      *message);
NORTH_MCP_AVAILABLE_IN_ALL
gboolean         north_mcp_context_has_client_capability (NorthMcpContext     *self,
                                                         const char           *capability);
NORTH_MCP_AVAILABLE_IN_ALL
void             north_mcp_context_set_cache_hint       (NorthMcpContext      *self,
                                                         guint                 ttl_ms,
                                                         NorthMcpCacheScope    scope);

NORTH_MCP_AVAILABLE_IN_ALL
gboolean         north_mcp_context_get_supports_input_requests (NorthMcpContext *self);
NORTH_MCP_AVAILABLE_IN_ALL
gboolean         north_mcp_context_add_input_request    (NorthMcpContext      *self,
                                                         const char           *key,
                                                         const char           *method,
                                                         JsonObject           *params);
NORTH_MCP_AVAILABLE_IN_ALL
gboolean         north_mcp_context_add_elicitation_request (NorthMcpContext   *self,
                                                         const char           *key,
                                                         const char           *message,
                                                         JsonObject           *requested_schema);
NORTH_MCP_AVAILABLE_IN_ALL
void             north_mcp_context_return_input_required (NorthMcpContext     *self,
                                                         const char           *request_state);
NORTH_MCP_AVAILABLE_IN_ALL
JsonObject      *north_mcp_context_get_input_response   (NorthMcpContext      *self,
                                                         const char           *key);
NORTH_MCP_AVAILABLE_IN_ALL
const char      *north_mcp_context_get_request_state    (NorthMcpContext      *self);

NORTH_MCP_AVAILABLE_IN_ALL
gboolean         north_mcp_context_close_stream         (NorthMcpContext      *self);

NORTH_MCP_AVAILABLE_IN_ALL
void             north_mcp_context_send_request_async   (NorthMcpContext      *self,
                                                         const char           *method,
                                                         JsonObject           *params,
                                                         GCancellable         *cancellable,
                                                         GAsyncReadyCallback   callback,
                                                         gpointer              user_data);
NORTH_MCP_AVAILABLE_IN_ALL
JsonNode        *north_mcp_context_send_request_finish  (NorthMcpContext      *self,
                                                         GAsyncResult         *result,
                                                         GError              **error);
NORTH_MCP_AVAILABLE_IN_ALL
void             north_mcp_context_sample_async         (NorthMcpContext      *self,
                                                         JsonObject           *params,
                                                         GCancellable         *cancellable,
                                                         GAsyncReadyCallback   callback,
                                                         gpointer              user_data);
NORTH_MCP_AVAILABLE_IN_ALL
JsonObject      *north_mcp_context_sample_finish        (NorthMcpContext      *self,
                                                         GAsyncResult         *result,
                                                         GError              **error);
NORTH_MCP_AVAILABLE_IN_ALL
void             north_mcp_context_elicit_async         (NorthMcpContext      *self,
                                                         const char           *message,
                                                         JsonObject           *requested_schema,
                                                         GCancellable         *cancellable,
                                                         GAsyncReadyCallback   callback,
                                                         gpointer              user_data);
NORTH_MCP_AVAILABLE_IN_ALL
JsonObject      *north_mcp_context_elicit_finish        (NorthMcpContext      *self,
                                                         GAsyncResult         *result,
                                                         GError              **error);
NORTH_MCP_AVAILABLE_IN_ALL
void             north_mcp_context_elicit_url_async     (NorthMcpContext      *self,
                                                         const char           *message,
                                                         const char           *url,
                                                         const char           *elicitation_id,
                                                         GCancellable         *cancellable,
                                                         GAsyncReadyCallback   callback,
                                                         gpointer              user_data);
NORTH_MCP_AVAILABLE_IN_ALL
JsonObject      *north_mcp_context_elicit_url_finish    (NorthMcpContext      *self,
                                                         GAsyncResult         *result,
                                                         GError              **error);
NORTH_MCP_AVAILABLE_IN_ALL
void             north_mcp_context_return_url_elicitation_required (NorthMcpContext *self,
                                                                    const char      *message,
                                                                    const char      *url,
                                                                    const char      *elicitation_id);
NORTH_MCP_AVAILABLE_IN_ALL
void             north_mcp_context_list_roots_async     (NorthMcpContext      *self,
                                                         GCancellable         *cancellable,
                                                         GAsyncReadyCallback   callback,
                                                         gpointer              user_data);
NORTH_MCP_AVAILABLE_IN_ALL
JsonArray       *north_mcp_context_list_roots_finish    (NorthMcpContext      *self,
                                                         GAsyncResult         *result,
                                                         GError              **error);

NORTH_MCP_AVAILABLE_IN_ALL
void             north_mcp_context_read_resource_async  (NorthMcpContext      *self,
                                                         const char           *uri,
                                                         GCancellable         *cancellable,
                                                         GAsyncReadyCallback   callback,
                                                         gpointer              user_data);
NORTH_MCP_AVAILABLE_IN_ALL
JsonArray       *north_mcp_context_read_resource_finish (NorthMcpContext      *self,
                                                         GAsyncResult         *result,
                                                         GError              **error);

NORTH_MCP_AVAILABLE_IN_ALL
NorthMcpContext *north_mcp_context_get_current          (void);
NORTH_MCP_AVAILABLE_IN_ALL
NorthMcpUser    *north_mcp_get_authenticated_user       (void);

NORTH_MCP_AVAILABLE_IN_ALL
GHashTable      *north_mcp_context_get_north_context    (NorthMcpContext      *self);
NORTH_MCP_AVAILABLE_IN_ALL
GHashTable      *north_mcp_get_north_context            (void);
NORTH_MCP_AVAILABLE_IN_ALL
NorthMcpSpan    *north_mcp_context_get_span             (NorthMcpContext      *self);
NORTH_MCP_AVAILABLE_IN_ALL
NorthMcpSpan    *north_mcp_context_start_span           (NorthMcpContext      *self,
                                                         const char           *name);

G_END_DECLS
