/* north-mcp-tracer-config.c: a tracer configured from the standard
 * OTEL_* environment variables (the list is in north-mcp-tracer.c's
 * documentation)
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-tracer-config-private.h"
#include "north-mcp-tracer-private.h"
#include "north-mcp-span-exporter-private.h"
#include "north-mcp-log-private.h"

#define LOGGER "NorthMCP.Telemetry"

gboolean
north_mcp_tracer_environment_configures_tracing (void)
{
  static gsize once;
  static gboolean configured;

  if (g_once_init_enter (&once))
    {
      const char *traces = g_getenv ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
      const char *base = g_getenv ("OTEL_EXPORTER_OTLP_ENDPOINT");

      configured = (traces != NULL && *traces != '\0') || (base != NULL && *base != '\0');
      g_once_init_leave (&once, 1);
    }
  return configured;
}

static gboolean
env_true (const char *name)
{
  const char *value = g_getenv (name);

  return value != NULL && (g_ascii_strcasecmp (value, "true") == 0 || strcmp (value, "1") == 0 ||
                           g_ascii_strcasecmp (value, "yes") == 0 || g_ascii_strcasecmp (value, "on") == 0);
}

static guint
env_uint (const char *name,
          guint       fallback,
          guint       minimum,
          guint       maximum)
{
  const char *value = g_getenv (name);
  guint64 number;

  if (value == NULL || *value == '\0')
    return fallback;
  if (!g_ascii_string_to_unsigned (value, 10, minimum, maximum, &number, NULL))
    {
      north_mcp_log_warning (LOGGER, "Ignoring %s=%s: use %u to %u", name, value, minimum, maximum);
      return fallback;
    }
  return (guint) number;
}

/* "key=value,key=value", values percent-encoded (the OTel list format). */
static void
add_pairs (NorthMcpTracer *self,
           const char     *variable,
           gboolean        headers)
{
  const char *text = g_getenv (variable);
  g_auto(GStrv) items = NULL;

  if (text == NULL)
    return;
  items = g_strsplit (text, ",", 256);
  for (guint i = 0; items[i] != NULL; i++)
    {
      char *equals = strchr (items[i], '=');
      g_autofree char *key = NULL, *value = NULL;

      if (g_strstrip (items[i])[0] == '\0')
        continue;
      if (equals == NULL)
        {
          north_mcp_log_warning (LOGGER, "Ignoring an entry of %s without '='", variable);
          continue;
        }
      *equals = '\0';
      key = g_strstrip (g_strdup (items[i]));
      value = g_uri_unescape_string (g_strstrip (equals + 1), NULL);
      if (*key == '\0' || value == NULL)
        {
          north_mcp_log_warning (LOGGER, "Ignoring a malformed entry of %s", variable);
          continue;
        }
      if (headers)
        north_mcp_tracer_add_header (self, key, value);
      else
        north_mcp_tracer_set_resource_attribute (self, key, value);
    }
}

void
north_mcp_tracer_configure_from_environment (NorthMcpTracer *self,
                            const char     *server_name)
{
  const char *endpoint = g_getenv ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
  const char *base = g_getenv ("OTEL_EXPORTER_OTLP_ENDPOINT");
  const char *protocol = g_getenv ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL");
  const char *exporter = g_getenv ("OTEL_TRACES_EXPORTER");
  const char *sampler = g_getenv ("OTEL_TRACES_SAMPLER");
  const char *sampler_arg = g_getenv ("OTEL_TRACES_SAMPLER_ARG");
  const char *service = g_getenv ("OTEL_SERVICE_NAME");
  guint timeout;

  if (protocol == NULL)
    protocol = g_getenv ("OTEL_EXPORTER_OTLP_PROTOCOL");

  if (endpoint != NULL && *endpoint != '\0')
    north_mcp_tracer_set_endpoint (self, endpoint);
  else if (base != NULL && *base != '\0')
    {
      g_autofree char *full = g_strconcat (base, g_str_has_suffix (base, "/") ? "" : "/", "v1/traces", NULL);

      north_mcp_tracer_set_endpoint (self, full);
    }

  add_pairs (self, "OTEL_EXPORTER_OTLP_HEADERS", TRUE);
  add_pairs (self, "OTEL_EXPORTER_OTLP_TRACES_HEADERS", TRUE);
  add_pairs (self, "OTEL_RESOURCE_ATTRIBUTES", FALSE);
  if (service != NULL && *service != '\0')
    north_mcp_tracer_set_service_name (self, service);
  if (north_mcp_tracer_get_service_name (self) == NULL)
    north_mcp_tracer_set_service_name (self, server_name);

  if (sampler != NULL && *sampler != '\0')
    {
      g_autoptr(GError) error = NULL;
      double argument = 1.0;

      if (sampler_arg != NULL && *sampler_arg != '\0')
        {
          char *end = NULL;

          argument = g_ascii_strtod (sampler_arg, &end);
          if (end == sampler_arg || *end != '\0')
            argument = -1;
        }
      if (!north_mcp_tracer_set_sampler (self, sampler, argument, &error))
        north_mcp_log_warning (LOGGER, "Ignoring OTEL_TRACES_SAMPLER: %s", error->message);
    }

  timeout = env_uint ("OTEL_EXPORTER_OTLP_TIMEOUT", NORTH_MCP_EXPORTER_DEFAULT_TIMEOUT_MS, 1, 600000);
  north_mcp_span_exporter_set_limits (
    north_mcp_tracer_get_exporter (self),
    env_uint ("OTEL_BSP_SCHEDULE_DELAY", NORTH_MCP_EXPORTER_DEFAULT_SCHEDULE_DELAY_MS, 1, 600000),
    env_uint ("OTEL_BSP_MAX_QUEUE_SIZE", NORTH_MCP_EXPORTER_DEFAULT_MAX_QUEUE, 1, 1000000),
    env_uint ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", NORTH_MCP_EXPORTER_DEFAULT_MAX_BATCH, 1, 100000),
    env_uint ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", timeout, 1, 600000));
  north_mcp_tracer_set_record_error_details (self, env_true ("NORTH_MCP_TRACE_ERROR_DETAILS"));

  if (protocol != NULL && *protocol != '\0' && strcmp (protocol, "http/json") != 0)
    {
      if (strcmp (protocol, "http/protobuf") == 0)
        north_mcp_log_warning (LOGGER, "OTLP protocol http/protobuf is not built in: "
                               "sending http/json, which OTLP/HTTP receivers accept too");
      else
        {
          north_mcp_log_warning (LOGGER, "OTLP protocol %s is not supported (only http/json): "
                                 "tracing is off", protocol);
          north_mcp_tracer_set_disabled (self);
        }
    }
  if (exporter != NULL && strcmp (exporter, "none") == 0)
    north_mcp_tracer_set_disabled (self);
  else if (exporter != NULL && *exporter != '\0' && strcmp (exporter, "otlp") != 0)
    north_mcp_log_warning (LOGGER, "OTEL_TRACES_EXPORTER=%s is not supported; using otlp", exporter);
  if (env_true ("OTEL_SDK_DISABLED"))
    north_mcp_tracer_set_disabled (self);
}
