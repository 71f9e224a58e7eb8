/* north-mcp-tracer.c: OpenTelemetry tracing and its OTLP/HTTP exporter
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <math.h>
#include <string.h>
#include <libsoup/soup.h>

#include "north-mcp-tracer-private.h"
#include "north-mcp-span-private.h"
#include "north-mcp-trace-context-private.h"
#include "north-mcp-request-scope-private.h"
#include "north-mcp-log-private.h"
#include "north-mcp-json-writer-private.h"
#include "north-mcp-server.h"
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
 * the same before the server serves.
 *
 * Tracing is off unless an endpoint is configured: then there is no
 * thread, no socket, and a request costs one lookup more. When it is on,
 * finished spans go into a bounded queue (2048 by default); one thread
 * sends them in batches, one request at a time, each within the export
 * timeout. When the queue is full — the collector slow or down — spans
 * are dropped and counted ([property@NorthMcp.Tracer:dropped-spans]),
 * never waited for. [method@NorthMcp.Tracer.shutdown], which
 * [method@NorthMcp.Server.run] calls on SIGTERM, sends what is queued.
 *
 * Error messages stay out of spans unless
 * [property@NorthMcp.Tracer:record-error-details] is set (or the
 * environment variable `NORTH_MCP_TRACE_ERROR_DETAILS` is true), as the
 * North Python SDK does: only the kind of error is recorded.
 *
 * Since: 0.2
 */

#define LOGGER "NorthMCP.Telemetry"
#define DEFAULT_SCHEDULE_DELAY_MS 5000
#define DEFAULT_MAX_QUEUE 2048
#define DEFAULT_MAX_BATCH 512
#define DEFAULT_TIMEOUT_MS 10000
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
  GCond         wake;           /* the exporter thread waits on it */
  GCond         done;           /* shutdown waits on it */

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
  guint         schedule_delay_ms;
  guint         max_queue;
  guint         max_batch;
  guint         timeout_ms;

  /* The exporter. */
  GQueue        queue;          /* of NorthMcpSpan, ended */
  GThread      *thread;         /* started with the first span */
  GCancellable *cancellable;
  gboolean      stopping;
  gboolean      thread_done;
  gboolean      failing;        /* the last export failed: warn once */
  guint64       dropped;
  guint64       exported;
};

enum {
  PROP_0,
  PROP_ENABLED,
  PROP_ENDPOINT,
  PROP_SERVICE_NAME,
  PROP_RECORD_ERROR_DETAILS,
  PROP_DROPPED_SPANS,
  PROP_EXPORTED_SPANS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (NorthMcpTracer, north_mcp_tracer, G_TYPE_OBJECT)

static GQuark
tracer_quark (void)
{
  static GQuark quark;

  if (G_UNLIKELY (quark == 0))
    quark = g_quark_from_static_string ("north-mcp-tracer");
  return quark;
}

/* Tracers switched on, in the whole process: while there is none and the
 * environment configures none, a request does not even look its
 * server's tracer up. */
static gint active_tracers;

static gboolean
environment_configures_tracing (void)
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

  north_mcp_tracer_shutdown (self);
  if (g_atomic_int_get (&self->active))
    g_atomic_int_dec_and_test (&active_tracers);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->wake);
  g_cond_clear (&self->done);
  g_free (self->endpoint);
  g_ptr_array_unref (self->headers);
  g_free (self->service_name);
  g_ptr_array_unref (self->resource);
  g_clear_object (&self->cancellable);

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
   * `http://127.0.0.1:4318/v1/traces`; %NULL (the default unless the
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
   * NorthMcpTracer:dropped-spans:
   *
   * How many finished spans were dropped because the queue was full.
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
  g_cond_init (&self->wake);
  g_cond_init (&self->done);
  g_queue_init (&self->queue);
  self->headers = g_ptr_array_new_with_free_func (g_free);
  self->resource = g_ptr_array_new_with_free_func (g_free);
  self->sampler = SAMPLER_PARENT_ALWAYS_ON;
  self->ratio = 1.0;
  self->schedule_delay_ms = DEFAULT_SCHEDULE_DELAY_MS;
  self->max_queue = DEFAULT_MAX_QUEUE;
  self->max_batch = DEFAULT_MAX_BATCH;
  self->timeout_ms = DEFAULT_TIMEOUT_MS;
  self->cancellable = g_cancellable_new ();
}

/* --- configuration ---------------------------------------------------- */

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

static void
configure_from_environment (NorthMcpTracer *self,
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
  if (self->service_name == NULL)
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

  self->schedule_delay_ms = env_uint ("OTEL_BSP_SCHEDULE_DELAY", DEFAULT_SCHEDULE_DELAY_MS, 1, 600000);
  self->max_queue = env_uint ("OTEL_BSP_MAX_QUEUE_SIZE", DEFAULT_MAX_QUEUE, 1, 1000000);
  self->max_batch = MIN (env_uint ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", DEFAULT_MAX_BATCH, 1, 100000),
                         self->max_queue);
  timeout = env_uint ("OTEL_EXPORTER_OTLP_TIMEOUT", DEFAULT_TIMEOUT_MS, 1, 600000);
  self->timeout_ms = env_uint ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", timeout, 1, 600000);
  self->record_error_details = env_true ("NORTH_MCP_TRACE_ERROR_DETAILS");

  if (protocol != NULL && *protocol != '\0' && strcmp (protocol, "http/json") != 0)
    {
      if (strcmp (protocol, "http/protobuf") == 0)
        north_mcp_log_warning (LOGGER, "OTLP protocol http/protobuf is not built in: "
                               "sending http/json, which OTLP/HTTP receivers accept too");
      else
        {
          north_mcp_log_warning (LOGGER, "OTLP protocol %s is not supported (only http/json): "
                                 "tracing is off", protocol);
          self->disabled = TRUE;
        }
    }
  if (exporter != NULL && strcmp (exporter, "none") == 0)
    self->disabled = TRUE;
  else if (exporter != NULL && *exporter != '\0' && strcmp (exporter, "otlp") != 0)
    north_mcp_log_warning (LOGGER, "OTEL_TRACES_EXPORTER=%s is not supported; using otlp", exporter);
  if (env_true ("OTEL_SDK_DISABLED"))
    self->disabled = TRUE;

  update_active (self);
}

static void
tracer_release (gpointer data)
{
  north_mcp_tracer_shutdown (data);
  g_object_unref (data);
}

/**
 * north_mcp_server_get_tracer:
 * @server: a server
 *
 * Gets the server's tracer, made and configured from the `OTEL_*`
 * environment variables on first use. Change its configuration before
 * the server serves.
 *
 * Returns: (transfer none): the tracer
 *
 * Since: 0.2
 */
NorthMcpTracer *
north_mcp_server_get_tracer (NorthMcpServer *server)
{
  static GMutex creating;
  NorthMcpTracer *tracer;

  g_return_val_if_fail (NORTH_MCP_IS_SERVER (server), NULL);

  tracer = g_object_get_qdata (G_OBJECT (server), tracer_quark ());
  if (G_LIKELY (tracer != NULL))
    return tracer;

  g_mutex_lock (&creating);
  tracer = g_object_get_qdata (G_OBJECT (server), tracer_quark ());
  if (tracer == NULL)
    {
      tracer = g_object_new (NORTH_MCP_TYPE_TRACER, NULL);
      configure_from_environment (tracer, north_mcp_server_get_name (server));
      g_object_set_qdata_full (G_OBJECT (server), tracer_quark (), tracer, tracer_release);
    }
  g_mutex_unlock (&creating);
  return tracer;
}

NorthMcpTracer *
north_mcp_trace_peek_tracer (NorthMcpServer *server)
{
  return g_object_get_qdata (G_OBJECT (server), tracer_quark ());
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
 *   `/v1/traces` is added); %NULL switches tracing off
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
  g_return_if_fail (NORTH_MCP_IS_TRACER (self));
  g_return_if_fail (name != NULL && value != NULL);

  for (const char *p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("!#$%&'*+-.^_`|~", *p) == NULL)
      name = NULL;
  for (const char *p = value; name != NULL && *p != '\0'; p++)
    if ((guchar) *p < 0x20 && *p != '\t')
      name = NULL;
  if (name == NULL || *name == '\0' || self->headers->len >= 2 * MAX_HEADERS)
    {
      north_mcp_log_warning (LOGGER, "Ignoring an invalid OTLP export header");
      return;
    }

  g_mutex_lock (&self->lock);
  g_ptr_array_add (self->headers, g_strdup (name));
  g_ptr_array_add (self->headers, g_strdup (value));
  g_mutex_unlock (&self->lock);
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
 * @error: return location for a %NORTH_MCP_ERROR_INVALID_CONFIGURATION
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

  g_mutex_lock (&self->lock);
  dropped = self->dropped;
  g_mutex_unlock (&self->lock);
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

  g_mutex_lock (&self->lock);
  exported = self->exported;
  g_mutex_unlock (&self->lock);
  return exported;
}

/* --- the exporter ------------------------------------------------------ */

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

/* An ExportTraceServiceRequest in OTLP/JSON, written straight to text. */
static GBytes *
build_request (NorthMcpTracer *self,
               GPtrArray      *batch)
{
  GString *out = g_string_sized_new (1024 * (batch->len + 1));

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
  for (guint i = 0; i < batch->len; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      north_mcp_span_write_otlp (g_ptr_array_index (batch, i), out);
    }
  g_string_append (out, "]}]}]}");
  return g_string_free_to_bytes (out);
}

static void
export_batch (NorthMcpTracer *self,
              SoupSession    *session,
              GPtrArray      *batch)
{
  g_autoptr(GBytes) body = build_request (self, batch);
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;
  guint status = 0;

  g_mutex_lock (&self->lock);
  message = self->endpoint != NULL ? soup_message_new ("POST", self->endpoint) : NULL;
  for (guint i = 0; message != NULL && i < self->headers->len; i += 2)
    soup_message_headers_replace (soup_message_get_request_headers (message),
                                  g_ptr_array_index (self->headers, i),
                                  g_ptr_array_index (self->headers, i + 1));
  g_mutex_unlock (&self->lock);
  if (message == NULL)
    return;

  soup_message_set_request_body_from_bytes (message, "application/json", body);
  answer = soup_session_send_and_read (session, message, self->cancellable, &error);
  if (answer != NULL)
    status = soup_message_get_status (message);

  g_mutex_lock (&self->lock);
  if (status >= 200 && status < 300)
    {
      self->exported += batch->len;
      self->failing = FALSE;
      g_mutex_unlock (&self->lock);
      return;
    }
  /* One warning per streak of failures, not one per batch. */
  if (!self->failing)
    {
      self->failing = TRUE;
      g_mutex_unlock (&self->lock);
      if (error != NULL)
        north_mcp_log_warning (LOGGER, "Exporting %u spans failed: %s", batch->len, error->message);
      else
        north_mcp_log_warning (LOGGER, "Exporting %u spans failed: HTTP status %u", batch->len, status);
      return;
    }
  g_mutex_unlock (&self->lock);
}

static gpointer
export_thread (gpointer data)
{
  NorthMcpTracer *self = data;
  g_autoptr(SoupSession) session = NULL;

  session = soup_session_new_with_options ("timeout", MAX (1u, (self->timeout_ms + 999) / 1000),
                                           "user-agent", "north-mcp-glib/" PACKAGE_VERSION,
                                           NULL);
  g_mutex_lock (&self->lock);
  for (;;)
    {
      gint64 deadline = g_get_monotonic_time () + (gint64) self->schedule_delay_ms * 1000;
      g_autoptr(GPtrArray) batch = NULL;

      while (!self->stopping && self->queue.length < self->max_batch)
        if (!g_cond_wait_until (&self->wake, &self->lock, deadline))
          break;
      if (self->queue.length == 0)
        {
          if (self->stopping)
            break;
          continue;
        }

      batch = g_ptr_array_new_with_free_func (g_object_unref);
      while (batch->len < self->max_batch && self->queue.length > 0)
        g_ptr_array_add (batch, g_queue_pop_head (&self->queue));
      g_mutex_unlock (&self->lock);
      export_batch (self, session, batch);
      g_mutex_lock (&self->lock);
    }
  self->thread_done = TRUE;
  g_cond_broadcast (&self->done);
  g_mutex_unlock (&self->lock);
  return NULL;
}

/* On the request path: never waits for the collector. */
void
north_mcp_tracer_enqueue (NorthMcpTracer *self,
                          NorthMcpSpan   *span)
{
  /* Switched off since the span started: nothing to send it to. */
  if (!g_atomic_int_get (&self->active))
    return;

  g_mutex_lock (&self->lock);
  if (self->stopping || self->queue.length >= self->max_queue)
    {
      self->dropped++;
      g_mutex_unlock (&self->lock);
      return;
    }
  if (self->thread == NULL)
    {
      g_autoptr(GError) error = NULL;

      self->thread = g_thread_try_new ("north-mcp-otlp", export_thread, self, &error);
      if (self->thread == NULL)
        {
          self->dropped++;
          g_mutex_unlock (&self->lock);
          return;
        }
    }
  g_queue_push_tail (&self->queue, g_object_ref (span));
  if (self->queue.length >= self->max_batch)
    g_cond_signal (&self->wake);
  g_mutex_unlock (&self->lock);
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
  gint64 deadline;
  guint64 dropped;
  GThread *thread;

  g_return_if_fail (NORTH_MCP_IS_TRACER (self));

  g_mutex_lock (&self->lock);
  self->stopping = TRUE;
  if (self->thread == NULL)
    {
      g_mutex_unlock (&self->lock);
      return;
    }
  g_cond_signal (&self->wake);
  deadline = g_get_monotonic_time () + (gint64) self->timeout_ms * 1000;
  while (!self->thread_done)
    if (!g_cond_wait_until (&self->done, &self->lock, deadline))
      {
        /* The collector hangs: what is left is not sent. */
        g_cancellable_cancel (self->cancellable);
        while (!self->thread_done)
          g_cond_wait (&self->done, &self->lock);
      }
  thread = g_steal_pointer (&self->thread);
  dropped = self->dropped;
  g_mutex_unlock (&self->lock);
  g_thread_join (thread);

  if (dropped > 0)
    north_mcp_log_warning (LOGGER, "%" G_GUINT64_FORMAT " spans were dropped: "
                           "the export queue was full", dropped);
}

/* --- the request path ------------------------------------------------- */

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

static gboolean
should_sample (NorthMcpTracer            *self,
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

static const char *
meta_string (JsonObject *meta,
             const char *member)
{
  JsonNode *node = meta != NULL ? json_object_get_member (meta, member) : NULL;

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_STRING ? json_node_get_string (node) : NULL;
}

static const char *
params_string (JsonObject *params,
               const char *member)
{
  return meta_string (params, member);
}

/* The caller's trace context: params._meta first (MCP's own
 * propagation, per message), then the HTTP headers. */
static gboolean
find_parent (JsonObject          *params,
             NorthMcpTraceParent *parent,
             const char         **tracestate)
{
  JsonNode *meta_node = params != NULL ? json_object_get_member (params, "_meta") : NULL;
  JsonObject *meta = meta_node != NULL && JSON_NODE_HOLDS_OBJECT (meta_node)
                     ? json_node_get_object (meta_node) : NULL;
  SoupMessageHeaders *headers;

  if (north_mcp_trace_parse_traceparent (meta_string (meta, "traceparent"), parent))
    {
      *tracestate = meta_string (meta, "tracestate");
      return TRUE;
    }
  headers = north_mcp_request_scope_get_headers ();
  if (headers != NULL &&
      north_mcp_trace_parse_traceparent (soup_message_headers_get_one (headers, "traceparent"), parent))
    {
      *tracestate = soup_message_headers_get_list (headers, "tracestate");
      return TRUE;
    }
  return FALSE;
}

/* The session id is a bearer credential for its session: the span gets
 * a digest of it, which still groups the requests of one session. */
static void
set_session_attribute (NorthMcpSpan    *span,
                       NorthMcpSession *session)
{
  g_autofree char *digest = NULL;
  const char *id = north_mcp_session_get_id (session);

  if (id == NULL)
    return;
  digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, id, -1);
  digest[32] = '\0';
  north_mcp_span_set_attribute_string (span, "mcp.session.id", digest);
}

NorthMcpSpan *
north_mcp_trace_request_begin (NorthMcpServer  *server,
                               NorthMcpSession *session,
                               JsonNode        *id,
                               const char      *method,
                               JsonObject      *params,
                               const char      *protocol_version)
{
  NorthMcpTracer *tracer;
  NorthMcpTraceParent parent, context;
  const char *tracestate = NULL, *target = NULL;
  gboolean has_parent;
  g_autofree char *name = NULL;
  NorthMcpSpan *span;

  if (G_LIKELY (g_atomic_int_get (&active_tracers) == 0 && !environment_configures_tracing ()))
    return NULL;
  tracer = north_mcp_server_get_tracer (server);
  if (!g_atomic_int_get (&tracer->active))
    return NULL;

  has_parent = find_parent (params, &parent, &tracestate);
  if (has_parent)
    memcpy (context.trace_id, parent.trace_id, NORTH_MCP_TRACE_ID_SIZE);
  else
    north_mcp_trace_random_id (context.trace_id, NORTH_MCP_TRACE_ID_SIZE);
  north_mcp_trace_random_id (context.span_id, NORTH_MCP_SPAN_ID_SIZE);
  context.flags = (has_parent ? parent.flags & ~1 : 0) |
                  (should_sample (tracer, has_parent ? &parent : NULL, context.trace_id) ? 1 : 0);
  if (tracestate != NULL && !north_mcp_trace_tracestate_is_valid (tracestate))
    tracestate = NULL;

  /* "{mcp.method.name} {target}", the target a tool or prompt name. */
  if (g_strcmp0 (method, "tools/call") == 0 || g_strcmp0 (method, "prompts/get") == 0)
    target = params_string (params, "name");
  name = target != NULL ? g_strconcat (method, " ", target, NULL) : g_strdup (method);
  span = north_mcp_span_new (tracer, name, NORTH_MCP_SPAN_KIND_SERVER, &context,
                             has_parent ? parent.span_id : NULL, tracestate);
  /* Logs of the request can be found from its trace, and back. */
  if (north_mcp_server_get_debug (server))
    north_mcp_log_debug (LOGGER, "Handling %s [trace_id=%s span_id=%s]", name,
                         north_mcp_span_get_trace_id (span), north_mcp_span_get_span_id (span));
  if (!north_mcp_span_is_recording (span))
    return span;

  north_mcp_span_set_attribute_string (span, "mcp.method.name", method);
  if (target != NULL && strcmp (method, "tools/call") == 0)
    {
      north_mcp_span_set_attribute_string (span, "gen_ai.tool.name", target);
      north_mcp_span_set_attribute_string (span, "gen_ai.operation.name", "execute_tool");
    }
  else if (target != NULL)
    north_mcp_span_set_attribute_string (span, "gen_ai.prompt.name", target);
  if (g_strcmp0 (method, "resources/read") == 0 && params_string (params, "uri") != NULL)
    north_mcp_span_set_attribute_string (span, "mcp.resource.uri", params_string (params, "uri"));
  if (id != NULL && JSON_NODE_HOLDS_VALUE (id))
    {
      if (json_node_get_value_type (id) == G_TYPE_STRING)
        north_mcp_span_set_attribute_string (span, "jsonrpc.request.id", json_node_get_string (id));
      else
        {
          g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (id));

          north_mcp_span_set_attribute_string (span, "jsonrpc.request.id", text);
        }
    }
  if (session != NULL)
    set_session_attribute (span, session);
  if (protocol_version != NULL)
    north_mcp_span_set_attribute_string (span, "mcp.protocol.version", protocol_version);
  if (north_mcp_request_scope_get_headers () != NULL)
    {
      north_mcp_span_set_attribute_string (span, "network.transport", "tcp");
      north_mcp_span_set_attribute_string (span, "network.protocol.name", "http");
    }
  else
    north_mcp_span_set_attribute_string (span, "network.transport", "pipe");
  return span;
}

/* @response: the JSON-RPC response, when the context has it as a tree. */
void
north_mcp_trace_request_end (NorthMcpSpan *span,
                             JsonNode     *response)
{
  JsonObject *object = response != NULL && JSON_NODE_HOLDS_OBJECT (response)
                       ? json_node_get_object (response) : NULL;
  JsonNode *error = object != NULL ? json_object_get_member (object, "error") : NULL;

  if (error != NULL && JSON_NODE_HOLDS_OBJECT (error) && north_mcp_span_is_recording (span))
    {
      JsonObject *error_object = json_node_get_object (error);
      g_autofree char *code = g_strdup_printf ("%" G_GINT64_FORMAT,
                                               json_object_get_int_member_with_default (error_object, "code", 0));

      north_mcp_span_set_attribute_string (span, "rpc.response.status_code", code);
      north_mcp_span_record_error (span, code,
                                   json_object_get_string_member_with_default (error_object, "message", NULL));
    }
  north_mcp_span_end (span);
}

void
north_mcp_trace_tool_error (NorthMcpSpan *span,
                            const char   *message)
{
  north_mcp_span_record_error (span, "tool_error", message);
}

NorthMcpSpan *
north_mcp_trace_start_child (NorthMcpServer *server,
                             NorthMcpSpan   *parent,
                             const char     *name)
{
  const NorthMcpTraceParent *parent_context;
  NorthMcpTraceParent context;

  if (parent == NULL)
    return north_mcp_span_new (NULL, name, NORTH_MCP_SPAN_KIND_INTERNAL, NULL, NULL, NULL);

  parent_context = north_mcp_span_get_context (parent);
  context = *parent_context;
  north_mcp_trace_random_id (context.span_id, NORTH_MCP_SPAN_ID_SIZE);
  return north_mcp_span_new (north_mcp_span_is_recording (parent) ? north_mcp_trace_peek_tracer (server) : NULL,
                             name, NORTH_MCP_SPAN_KIND_INTERNAL, &context, parent_context->span_id,
                             north_mcp_span_get_tracestate (parent));
}
