/* north-mcp-tracer-config-private.h: a tracer configured from the
 * standard OTEL_* environment variables
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp-tracer.h"

G_BEGIN_DECLS

/* Whether the environment names an OTLP endpoint; read once. */
gboolean north_mcp_tracer_environment_configures_tracing (void);
void     north_mcp_tracer_configure_from_environment     (NorthMcpTracer *self,
                                                          const char     *server_name);

G_END_DECLS
