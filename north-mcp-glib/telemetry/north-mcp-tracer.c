/* north-mcp-tracer.c: OpenTelemetry tracing and its OTLP/HTTP exporter
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <math.h>
#include <string.h>
#include <libsoup/soup.h>

#include "north-mcp-tracer-private.h"
#include "north-mcp-tracer-config-private.h"
#include "north-mcp-span-exporter-private.h"
#include "north-mcp-span-private.h"
#include "north-mcp-log-private.h"
#include "north-mcp-json-writer-private.h"
#include "north-mcp-error.h"

/**
 * NorthMcpTracer:
 *
 * OpenTelemetry tracing, built in: a server span for each MCP request
 * (continuing the caller's trace from a W3C `traceparent`, in the HTTP
 * headers or in the request's `params._meta`), child spans opened by
 * handlers ([method@NorthMcp.Context.start_span]), and an exporter that
 * sends finished spans to an OTLP/HTTP collector as JSON.
 *
 * Each server has one, [method@NorthMcp.Server.get_tracer], configured
 * from the standard environment variables when it is made:
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (or `OTEL_EXPORTER_OTLP_ENDPOINT`
 * plus `/v1/traces`), `OTEL_EXPORTER_OTLP_HEADERS` (and `_TRACES_HEADERS`),
 * `OTEL_EXPORTER_OTLP_PROTOCOL` (`http/json`; `http/protobuf` is sent as
 * JSON, which OTLP/HTTP receivers accept on the same path, with a warning;
 * `grpc` is refused), `OTEL_EXPORTER_OTLP_TIMEOUT`, `OTEL_SERVICE_NAME`,
 * `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER` and
 * `OTEL_TRACES_SAMPLER_ARG`, `OTEL_BSP_SCHEDULE_DELAY`,
 * `OTEL_BSP_MAX_QUEUE_SIZE`, `OTEL_BSP_MAX_EXPORT_BATCH_SIZE`,
 * `OTEL_SDK_DISABLED` and `OTEL_TRACES_EXPORTER=none`. The methods set
 * the same before the server serves. Exports go through the proxy that
 * `http_proxy` or `https_proxy` names (minus the hosts in `no_proxy`),
 * as the OpenTelemetry SDKs do; the desktop's proxy settings are not
 * consulted.
 *
 * Tracing is off unless an endpoint is configured: then there is no
 * thread, no socket, and a request costs one lookup more. When it is on,
 * finished spans go into a bounded queue (2048 by default, and 16 MiB
 * of what they hold, whatever their number: a handler may copy what
 * clients send into its spans); one thread sends them in batches, one
 * request at a time, each within the export timeout. When the queue is
 * full — the collector slow or down — spans are dropped and counted
 * ([property@NorthMcp.Tracer:dropped-spans]), never waited for.
 * [method@NorthMcp.Tracer.shutdown], which [method@NorthMcp.Server.run]
 * calls on SIGTERM, sends what is queued.
 *
 * Error messages stay out of spans unless
 * [property@NorthMcp.Tracer:record-error-details] is set (or the
 * environment variable `NORTH_MCP_TRACE_ERROR_DETAILS` is true), as the
 * North Python SDK does: only the kind of error is recorded.
 *
 * Since: 0.2
 */

#define LOGGER "NorthMCP.Telemetry"
#define MAX_HEADERS 64

typedef enum {
  SAMPLER_ALWAYS_ON,
  SAMPLER_ALWAYS_OFF,
  SAMPLER_RATIO,
  SAMPLER_PARENT_ALWAYS_ON,
  SAMPLER_PARENT_ALWAYS_OFF,
  SAMPLER_PARENT_RATIO,
} Sampler;

struct _NorthMcpTracer
{
  GObject       parent_instance;

  GMutex        lock;

  /* Configuration, set before serving. */
  gint          active;         /* atomic: read on every request */
  gboolean      disabled;       /* OTEL_SDK_DISABLED, a refused protocol */
  char         *endpoint;
  GPtrArray    *headers;        /* name, value, name, value ... */
  char         *service_name;
  GPtrArray    *resource;       /* key, value, key, value ... */
  Sampler       sampler;
  double        ratio;
  gboolean      record_error_details;
  gint          hide_trace_in_logs;  /* atomic: read by any thread's log line */

  NorthMcpSpanExporter *exporter;
};

enum {
  PROP_0,
  PROP_ENABLED,
  PROP_ENDPOINT,
  PROP_SERVICE_NAME,
  PROP_RECORD_ERROR_DETAILS,
  PROP_LOG_TRACE_CONTEXT,
  PROP_DROPPED_SPANS,
  PROP_EXPORTED_SPANS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (NorthMcpTracer, north_mcp_tracer, G_TYPE_OBJECT)

/* Tracers switched on, in the whole process: while there is none and the
 * environment configures none, a request does not even look its
 * server's tracer up. */
static gint active_tracers;

static void
update_active (NorthMcpTracer *self)
{
  gboolean active = self->endpoint != NULL && !self->disabled && self->sampler != SAMPLER_ALWAYS_OFF;

  if (active == (gboolean) g_atomic_int_get (&self->active))
    return;
  g_atomic_int_set (&self->active, active);
  if (active)
    g_atomic_int_inc (&active_tracers);
  else
    g_atomic_int_dec_and_test (&active_tracers);
}

static void
north_mcp_tracer_finalize (GObject *object)
{
  NorthMcpTracer *self = NORTH_MCP_TRACER (object);

  north_mcp_span_exporter_free (self->exporter);
  if (g_atomic_int_get (&self->active))
    g_atomic_int_dec_and_test (&active_tracers);
  g_mutex_clear (&self->lock);
  g_free (self->endpoint);
  g_ptr_array_unref (self->headers);
  g_free (self->service_name);
  g_ptr_array_unref (self->resource);

  G_OBJECT_CLASS (north_mcp_tracer_parent_class)->finalize (object);
}

static void
north_mcp_tracer_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  NorthMcpTracer *self = NORTH_MCP_TRACER (object);

  switch (prop_id)
    {
    case PROP_ENABLED:
      g_value_set_boolean (value, north_mcp_tracer_get_enabled (self));
      break;
    case PROP_ENDPOINT:
      g_value_set_string (value, self->endpoint);
      break;
    case PROP_SERVICE_NAME:
      g_value_set_string (value, self->service_name);
      break;
    case PROP_RECORD_ERROR_DETAILS:
      g_value_set_boolean (value, self->record_error_details);
      break;
    case PROP_LOG_TRACE_CONTEXT:
      g_value_set_boolean (value, north_mcp_tracer_get_log_trace_context (self));
      break;
    case PROP_DROPPED_SPANS:
      g_value_set_uint64 (value, north_mcp_tracer_get_dropped_spans (self));
      break;
    case PROP_EXPORTED_SPANS:
      g_value_set_uint64 (value, north_mcp_tracer_get_exported_spans (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
north_mcp_tracer_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  NorthMcpTracer *self = NORTH_MCP_TRACER (object);

  switch (prop_id)
    {
    case PROP_ENDPOINT:
      north_mcp_tracer_set_endpoint (self, g_value_get_string (value));
      break;
    case PROP_SERVICE_NAME:
      north_mcp_tracer_set_service_name (self, g_value_get_string (value));
      break;
    case PROP_RECORD_ERROR_DETAILS:
      north_mcp_tracer_set_record_error_details (self, g_value_get_boolean (value));
      break;
    case PROP_LOG_TRACE_CONTEXT:
      north_mcp_tracer_set_log_trace_context (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
north_mcp_tracer_class_init (NorthMcpTracerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->finalize = north_mcp_tracer_finalize;
  object_class->get_property = north_mcp_tracer_get_property;
  object_class->set_property = north_mcp_tracer_set_property;

  /**
   * NorthMcpTracer:enabled:
   *
   * Whether spans are recorded and exported: an endpoint is set, the SDK
   * is not disabled and the sampler is not `always_off`.
   *
   * Since: 0.2
   */
  properties[PROP_ENABLED] = g_param_spec_boolean ("enabled", NULL, NULL, FALSE, ro);

  /**
   * NorthMcpTracer:endpoint:
   *
   * The full URL spans are POSTed to, such as
   * `http://127.0.0.1:4318/v1/traces`; `NULL` (the default unless the
   * environment sets one) leaves tracing off.
   *
   * Since: 0.2
   */
  properties[PROP_ENDPOINT] = g_param_spec_string ("endpoint", NULL, NULL, NULL, rw);

  /**
   * NorthMcpTracer:service-name:
   *
   * The resource's `service.name`: `OTEL_SERVICE_NAME`, else the one in
   * `OTEL_RESOURCE_ATTRIBUTES`, else the server's name.
   *
   * Since: 0.2
   */
  properties[PROP_SERVICE_NAME] = g_param_spec_string ("service-name", NULL, NULL, NULL, rw);

  /**
   * NorthMcpTracer:record-error-details:
   *
   * Whether error messages go into spans (status description and an
   * `exception` event). Off by default: only the kind of error is
   * recorded, since messages often carry user data.
   *
   * Since: 0.2
   */
  properties[PROP_RECORD_ERROR_DETAILS] =
    g_param_spec_boolean ("record-error-details", NULL, NULL, FALSE, rw);

  /**
   * NorthMcpTracer:log-trace-context:
   *
   * Whether the library's log lines written inside a traced request end
   * with its ids, `[trace_id=… span_id=…]`, so that logs and traces can
   * be joined. On by default; the North Python SDK's
   * `TelemetryConfig.log_trace_context`.
   *
   * Since: 0.2
   */
  properties[PROP_LOG_TRACE_CONTEXT] =
    g_param_spec_boolean ("log-trace-context", NULL, NULL, TRUE, rw);

  /**
   * NorthMcpTracer:dropped-spans:
   *
   * How many finished spans were dropped because the queue was full:
   * it holds `OTEL_BSP_MAX_QUEUE_SIZE` spans (2048) and 16 MiB of them
   * at most (estimated from the text, attributes and events each holds),
   * counting the batch being sent.
   *
   * Since: 0.2
   */
  properties[PROP_DROPPED_SPANS] =
    g_param_spec_uint64 ("dropped-spans", NULL, NULL, 0, G_MAXUINT64, 0, ro);

  /**
   * NorthMcpTracer:exported-spans:
   *
   * How many spans the collector accepted.
   *
   * Since: 0.2
   */
  properties[PROP_EXPORTED_SPANS] =
    g_param_spec_uint64 ("exported-spans", NULL, NULL, 0, G_MAXUINT64, 0, ro);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
north_mcp_tracer_init (NorthMcpTracer *self)
{
  g_mutex_init (&self->lock);
  self->headers = g_ptr_array_new_with_free_func (g_free);
  self->resource = g_ptr_array_new_with_free_func (g_free);
  self->sampler = SAMPLER_PARENT_ALWAYS_ON;
  self->ratio = 1.0;
  self->exporter = north_mcp_span_exporter_new (self);
}

/**
 * north_mcp_tracer_get_enabled:
 * @self: a tracer
 *
 * Gets [property@NorthMcp.Tracer:enabled].
 *
 * Returns: whether spans are recorded and exported
 *
 * Since: 0.2
 */
gboolean
north_mcp_tracer_get_enabled (NorthMcpTracer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_TRACER (self), FALSE);

  return g_atomic_int_get (&self->active);
}

/**
 * north_mcp_tracer_get_endpoint:
 * @self: a tracer
 *
 * Gets [property@NorthMcp.Tracer:endpoint].
 *
 * Returns: (nullable): the URL spans are sent to
 *
 * Since: 0.2
 */
const char *
north_mcp_tracer_get_endpoint (NorthMcpTracer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_TRACER (self), NULL);

  return self->endpoint;
}

/**
 * north_mcp_tracer_set_endpoint:
 * @self: a tracer
 * @endpoint: (nullable): an `http` or `https` URL, used as it is (no
 *   `/v1/traces` is added); `NULL` switches tracing off
 *
 * Sets [property@NorthMcp.Tracer:endpoint]. A URL that does not parse is
 * refused with a warning, and tracing stays off.
 *
 * Since: 0.2
 */
void
north_mcp_tracer_set_endpoint (NorthMcpTracer *self,
                               const char     *endpoint)
{
  g_autoptr(GUri) uri = NULL;

  g_return_if_fail (NORTH_MCP_IS_TRACER (self));

  if (endpoint != NULL)
    {
      uri = g_uri_parse (endpoint, G_URI_FLAGS_NONE, NULL);
      if (uri == NULL || g_uri_get_host (uri) == NULL ||
          (g_strcmp0 (g_uri_get_scheme (uri), "http") != 0 &&
           g_strcmp0 (g_uri_get_scheme (uri), "https") != 0))
        {
          north_mcp_log_warning (LOGGER, "Invalid OTLP endpoint (an http or https URL is needed): "
                                 "tracing is off");
          endpoint = NULL;
        }
    }

  g_mutex_lock (&self->lock);
  g_free (self->endpoint);
  self->endpoint = g_strdup (endpoint);
  update_active (self);
  g_mutex_unlock (&self->lock);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENDPOINT]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENABLED]);
}

/**
 * north_mcp_tracer_add_header:
 * @self: a tracer
 * @name: an HTTP header name
 * @value: its value
 *
 * Adds a header to every export request (an API key, say). Names that
 * are not HTTP tokens and values with control characters are refused
 * with a warning; at most 64 headers are kept.
 *
 * Since: 0.2
 */
void
north_mcp_tracer_add_header (NorthMcpTracer *self,
                             const char     *name,
                             const char     *value)
{
  gboolean full;

  g_return_if_fail (NORTH_MCP_IS_TRACER (self));
  g_return_if_fail (name != NULL && value != NULL);

  for (const char *p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("!#$%&'*+-.^_`|~", *p) == NULL)
      name = NULL;
  for (const char *p = value; name != NULL && *p != '\0'; p++)
    if ((guchar) *p < 0x20 && *p != '\t')
      name = NULL;
  if (name == NULL || *name == '\0')
    {
      north_mcp_log_warning (LOGGER, "Ignoring an invalid OTLP export header");
      return;
    }

  /* The count is read under the lock too: headers may be added from
   * several threads. */
  g_mutex_lock (&self->lock);
  full = self->headers->len >= 2 * MAX_HEADERS;
  if (!full)
    {
      g_ptr_array_add (self->headers, g_strdup (name));
      g_ptr_array_add (self->headers, g_strdup (value));
    }
  g_mutex_unlock (&self->lock);

  if (full)
    north_mcp_log_warning (LOGGER, "Ignoring an OTLP export header: %d are kept at most", MAX_HEADERS);
}

/**
 * north_mcp_tracer_get_service_name:
 * @self: a tracer
 *
 * Gets [property@NorthMcp.Tracer:service-name].
 *
 * Returns: (nullable): the service name
 *
 * Since: 0.2
 */
const char *
north_mcp_tracer_get_service_name (NorthMcpTracer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_TRACER (self), NULL);

  return self->service_name;
}

/**
 * north_mcp_tracer_set_service_name:
 * @self: a tracer
 * @service_name: (nullable): the resource's `service.name`
 *
 * Sets [property@NorthMcp.Tracer:service-name].
 *
 * Since: 0.2
 */
void
north_mcp_tracer_set_service_name (NorthMcpTracer *self,
                                   const char     *service_name)
{
  g_return_if_fail (NORTH_MCP_IS_TRACER (self));

  g_mutex_lock (&self->lock);
  g_free (self->service_name);
  self->service_name = g_strdup (service_name);
  g_mutex_unlock (&self->lock);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVICE_NAME]);
}

/**
 * north_mcp_tracer_set_resource_attribute:
 * @self: a tracer
 * @key: an attribute name, such as `deployment.environment.name`
 * @value: its value
 *
 * Sets a string attribute of the resource every span is sent with.
 * `service.name` sets [property@NorthMcp.Tracer:service-name] (unless
 * `OTEL_SERVICE_NAME` did).
 *
 * Since: 0.2
 */
void
north_mcp_tracer_set_resource_attribute (NorthMcpTracer *self,
                                         const char     *key,
                                         const char     *value)
{
  g_return_if_fail (NORTH_MCP_IS_TRACER (self));
  g_return_if_fail (key != NULL && value != NULL);

  if (strcmp (key, "service.name") == 0)
    {
      if (g_getenv ("OTEL_SERVICE_NAME") == NULL || self->service_name == NULL)
        north_mcp_tracer_set_service_name (self, value);
      return;
    }

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->resource->len; i += 2)
    if (strcmp (g_ptr_array_index (self->resource, i), key) == 0)
      {
        g_free (g_ptr_array_index (self->resource, i + 1));
        g_ptr_array_index (self->resource, i + 1) = g_strdup (value);
        g_mutex_unlock (&self->lock);
        return;
      }
  if (self->resource->len < 2 * NORTH_MCP_SPAN_MAX_ATTRIBUTES)
    {
      g_ptr_array_add (self->resource, g_strdup (key));
      g_ptr_array_add (self->resource, g_strdup (value));
    }
  g_mutex_unlock (&self->lock);
}

/**
 * north_mcp_tracer_set_sampler:
 * @self: a tracer
 * @sampler: `always_on`, `always_off`, `traceidratio`,
 *   `parentbased_always_on` (the default), `parentbased_always_off` or
 *   `parentbased_traceidratio`, as `OTEL_TRACES_SAMPLER` names them
 * @argument: the ratio, 0 to 1, for the `traceidratio` samplers
 * @error: return location for a [error@NorthMcp.Error] (`INVALID_CONFIGURATION`)
 *
 * Chooses which traces are recorded. Parent-based samplers follow the
 * caller's sampled flag when a `traceparent` came with the request.
 *
 * Returns: whether @sampler and @argument were accepted
 *
 * Since: 0.2
 */
gboolean
north_mcp_tracer_set_sampler (NorthMcpTracer  *self,
                              const char      *sampler,
                              double           argument,
                              GError         **error)
{
  static const char * const names[] = {
    "always_on", "always_off", "traceidratio",
    "parentbased_always_on", "parentbased_always_off", "parentbased_traceidratio",
  };

  g_return_val_if_fail (NORTH_MCP_IS_TRACER (self), FALSE);
  g_return_val_if_fail (sampler != NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (strcmp (sampler, names[i]) == 0)
      {
        if ((i == SAMPLER_RATIO || i == SAMPLER_PARENT_RATIO) &&
            (!(argument >= 0.0) || argument > 1.0))
          {
            g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_CONFIGURATION,
                         "The ratio of %s must be between 0 and 1", sampler);
            return FALSE;
          }
        g_mutex_lock (&self->lock);
        self->sampler = (Sampler) i;
        self->ratio = argument;
        update_active (self);
        g_mutex_unlock (&self->lock);
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENABLED]);
        return TRUE;
      }

  g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_CONFIGURATION,
               "Unknown sampler %s", sampler);
  return FALSE;
}

/**
 * north_mcp_tracer_get_record_error_details:
 * @self: a tracer
 *
 * Gets [property@NorthMcp.Tracer:record-error-details].
 *
 * Returns: whether error messages go into spans
 *
 * Since: 0.2
 */
gboolean
north_mcp_tracer_get_record_error_details (NorthMcpTracer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_TRACER (self), FALSE);

  return self->record_error_details;
}

/**
 * north_mcp_tracer_set_record_error_details:
 * @self: a tracer
 * @record: whether error messages go into spans
 *
 * Sets [property@NorthMcp.Tracer:record-error-details].
 *
 * Since: 0.2
 */
void
north_mcp_tracer_set_record_error_details (NorthMcpTracer *self,
                                           gboolean        record)
{
  g_return_if_fail (NORTH_MCP_IS_TRACER (self));

  self->record_error_details = !!record;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECORD_ERROR_DETAILS]);
}

/**
 * north_mcp_tracer_get_log_trace_context:
 * @self: a tracer
 *
 * Gets [property@NorthMcp.Tracer:log-trace-context].
 *
 * Returns: whether log lines name the request's trace and span
 *
 * Since: 0.2
 */
gboolean
north_mcp_tracer_get_log_trace_context (NorthMcpTracer *self)
{
  g_return_val_if_fail (NORTH_MCP_IS_TRACER (self), TRUE);

  return !g_atomic_int_get (&self->hide_trace_in_logs);
}

/**
 * north_mcp_tracer_set_log_trace_context:
 * @self: a tracer
 * @log: whether log lines name the request's trace and span
 *
 * Sets [property@NorthMcp.Tracer:log-trace-context].
 *
 * Since: 0.2
 */
void
north_mcp_tracer_set_log_trace_context (NorthMcpTracer *self,
                                        gboolean        log)
{
  g_return_if_fail (NORTH_MCP_IS_TRACER (self));

  if (g_atomic_int_exchange (&self->hide_trace_in_logs, !log) != !log)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOG_TRACE_CONTEXT]);
}

/**
 * north_mcp_tracer_get_dropped_spans:
 * @self: a tracer
 *
 * Gets [property@NorthMcp.Tracer:dropped-spans].
 *
 * Returns: the number of spans dropped
 *
 * Since: 0.2
 */
guint64
north_mcp_tracer_get_dropped_spans (NorthMcpTracer *self)
{
  guint64 dropped;

  g_return_val_if_fail (NORTH_MCP_IS_TRACER (self), 0);

  north_mcp_span_exporter_get_counts (self->exporter, &dropped, NULL);
  return dropped;
}

/**
 * north_mcp_tracer_get_exported_spans:
 * @self: a tracer
 *
 * Gets [property@NorthMcp.Tracer:exported-spans].
 *
 * Returns: the number of spans the collector accepted
 *
 * Since: 0.2
 */
guint64
north_mcp_tracer_get_exported_spans (NorthMcpTracer *self)
{
  guint64 exported;

  g_return_val_if_fail (NORTH_MCP_IS_TRACER (self), 0);

  north_mcp_span_exporter_get_counts (self->exporter, NULL, &exported);
  return exported;
}

/**
 * north_mcp_tracer_shutdown:
 * @self: a tracer
 *
 * Sends the spans still queued and stops the exporter; spans that end
 * afterwards are dropped. It waits at most the export timeout (10 s
 * unless `OTEL_EXPORTER_OTLP_TIMEOUT` says otherwise) for a collector
 * that does not answer, then gives up. [method@NorthMcp.Server.run] calls
 * it when it stops. Calling it again does nothing.
 *
 * Since: 0.2
 */
void
north_mcp_tracer_shutdown (NorthMcpTracer *self)
{
  g_return_if_fail (NORTH_MCP_IS_TRACER (self));

  north_mcp_span_exporter_shutdown (self->exporter);
}

/* --- for the other parts of telemetry/ ------------------------------ */

gboolean
north_mcp_tracer_any_enabled (void)
{
  return g_atomic_int_get (&active_tracers) != 0;
}

NorthMcpSpanExporter *
north_mcp_tracer_get_exporter (NorthMcpTracer *self)
{
  return self->exporter;
}

void
north_mcp_tracer_set_disabled (NorthMcpTracer *self)
{
  g_mutex_lock (&self->lock);
  self->disabled = TRUE;
  update_active (self);
  g_mutex_unlock (&self->lock);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENABLED]);
}

/* On the request path: never waits for the collector. */
void
north_mcp_tracer_enqueue (NorthMcpTracer   *self,
                          NorthMcpSpanData *span)
{
  /* Switched off since the span started: nothing to send it to. */
  if (g_atomic_int_get (&self->active))
    north_mcp_span_exporter_push (self->exporter, span);
}

static gboolean
ratio_samples (double        ratio,
               const guint8 *trace_id)
{
  guint64 low = 0;

  /* The lower 8 bytes of the id, as the OpenTelemetry SDKs compare. */
  for (guint i = 8; i < 16; i++)
    low = low << 8 | trace_id[i];
  return (double) (low >> 1) < ratio * 9223372036854775808.0;
}

gboolean
north_mcp_tracer_should_sample (NorthMcpTracer            *self,
                                const NorthMcpTraceParent *parent,
                                const guint8              *trace_id)
{
  switch (self->sampler)
    {
    case SAMPLER_PARENT_ALWAYS_ON:
    case SAMPLER_PARENT_ALWAYS_OFF:
    case SAMPLER_PARENT_RATIO:
      if (parent != NULL)
        return (parent->flags & 1) != 0;
      return self->sampler == SAMPLER_PARENT_ALWAYS_ON ||
             (self->sampler == SAMPLER_PARENT_RATIO && ratio_samples (self->ratio, trace_id));
    case SAMPLER_ALWAYS_OFF:
      return FALSE;
    case SAMPLER_RATIO:
      return ratio_samples (self->ratio, trace_id);
    case SAMPLER_ALWAYS_ON:
    default:
      return TRUE;
    }
}

static void
write_string_attribute (GString    *out,
                        const char *key,
                        const char *value)
{
  g_string_append (out, "{\"key\":");
  north_mcp_json_write_string (out, key);
  g_string_append (out, ",\"value\":{\"stringValue\":");
  north_mcp_json_write_string (out, value);
  g_string_append (out, "}},");
}

/* An ExportTraceServiceRequest up to its first span: the resource. */
void
north_mcp_tracer_write_export_head (NorthMcpTracer *self,
                                    GString        *out)
{
  g_string_append (out, "{\"resourceSpans\":[{\"resource\":{\"attributes\":[");
  g_mutex_lock (&self->lock);
  write_string_attribute (out, "service.name", self->service_name != NULL ? self->service_name : "unknown_service");
  for (guint i = 0; i < self->resource->len; i += 2)
    write_string_attribute (out, g_ptr_array_index (self->resource, i),
                            g_ptr_array_index (self->resource, i + 1));
  g_mutex_unlock (&self->lock);
  write_string_attribute (out, "telemetry.sdk.name", "north-mcp-glib");
  g_string_append (out, "{\"key\":\"telemetry.sdk.version\",\"value\":{\"stringValue\":\"" PACKAGE_VERSION "\"}}"
                   "]},\"scopeSpans\":[{\"scope\":{\"name\":\"north-mcp-glib\",\"version\":\"" PACKAGE_VERSION "\"},"
                   "\"spans\":[");
}

/* A POST to the endpoint with the configured headers; NULL when there is
 * no endpoint (any more). */
SoupMessage *
north_mcp_tracer_new_export_message (NorthMcpTracer *self)
{
  SoupMessage *message;

  g_mutex_lock (&self->lock);
  message = self->endpoint != NULL ? soup_message_new ("POST", self->endpoint) : NULL;
  for (guint i = 0; message != NULL && i < self->headers->len; i += 2)
    soup_message_headers_replace (soup_message_get_request_headers (message),
                                  g_ptr_array_index (self->headers, i),
                                  g_ptr_array_index (self->headers, i + 1));
  g_mutex_unlock (&self->lock);
  return message;
}
