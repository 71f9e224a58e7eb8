/* north-mcp-span-exporter.c: the batch queue of finished spans and the
 * thread that sends them to an OTLP/HTTP collector as JSON
 *
 * The request path pays one lock and a pointer link per span: the queue
 * is a list threaded through the spans themselves. The thread takes a
 * batch at a time and writes the whole ExportTraceServiceRequest into one
 * buffer it keeps between batches.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <libsoup/soup.h>

#include "north-mcp-span-exporter-private.h"
#include "north-mcp-span-data-private.h"
#include "north-mcp-tracer-private.h"
#include "north-mcp-log-private.h"
#include "north-mcp-log-throttle-private.h"

#define LOGGER "NorthMCP.Telemetry"

struct _NorthMcpSpanExporter
{
  NorthMcpTracer *tracer;
  GMutex          lock;
  GCond           wake;         /* the thread waits on it */
  GCond           done;         /* shutdown waits on it */

  NorthMcpSpanData *head;         /* ended, each holding a reference */
  NorthMcpSpanData *tail;
  guint           length;
  gsize           held;         /* by the queue and the batch being sent */

  GThread        *thread;       /* started with the first span */
  GCancellable   *cancellable;
  gboolean        stopping;
  gboolean        thread_done;
  gboolean        failing;      /* the last export failed: warn once */
  NorthMcpLogThrottle failure_warnings; /* and streaks once a minute */
  guint           backoff_ms;   /* after the last retryable failure */
  gint64          resume_at;    /* monotonic: no export before */
  guint64         dropped;
  guint64         exported;

  guint           schedule_delay_ms;
  guint           max_queue;
  guint           max_batch;
  guint           timeout_ms;
};

NorthMcpSpanExporter *
north_mcp_span_exporter_new (NorthMcpTracer *tracer)
{
  NorthMcpSpanExporter *self = g_new0 (NorthMcpSpanExporter, 1);

  self->tracer = tracer;
  g_mutex_init (&self->lock);
  g_cond_init (&self->wake);
  g_cond_init (&self->done);
  self->cancellable = g_cancellable_new ();
  self->schedule_delay_ms = NORTH_MCP_EXPORTER_DEFAULT_SCHEDULE_DELAY_MS;
  self->max_queue = NORTH_MCP_EXPORTER_DEFAULT_MAX_QUEUE;
  self->max_batch = NORTH_MCP_EXPORTER_DEFAULT_MAX_BATCH;
  self->timeout_ms = NORTH_MCP_EXPORTER_DEFAULT_TIMEOUT_MS;
  return self;
}

/* Unreferences @count spans of the list from @head; returns the rest. */
static NorthMcpSpanData *
release_spans (NorthMcpSpanData *head,
               guint         count)
{
  while (head != NULL && count-- > 0)
    {
      NorthMcpSpanData *next = north_mcp_span_data_get_next (head);

      north_mcp_span_data_set_next (head, NULL);
      north_mcp_span_data_unref (head);
      head = next;
    }
  return head;
}

void
north_mcp_span_exporter_free (NorthMcpSpanExporter *self)
{
  north_mcp_span_exporter_shutdown (self);
  release_spans (self->head, G_MAXUINT);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->wake);
  g_cond_clear (&self->done);
  g_clear_object (&self->cancellable);
  g_free (self);
}

void
north_mcp_span_exporter_set_limits (NorthMcpSpanExporter *self,
                                    guint                 schedule_delay_ms,
                                    guint                 max_queue,
                                    guint                 max_batch,
                                    guint                 timeout_ms)
{
  g_mutex_lock (&self->lock);
  self->schedule_delay_ms = schedule_delay_ms;
  self->max_queue = max_queue;
  self->max_batch = MIN (max_batch, max_queue);
  self->timeout_ms = timeout_ms;
  g_mutex_unlock (&self->lock);
}

/* The body of one export at most: what clients send goes into spans
 * (request ids, names, a handler's attributes), up to six times over
 * once escaped, and collectors refuse a body past their limit whole
 * (the OpenTelemetry Collector's is 20 MiB), with the spans of every
 * other client in it. A batch that does not fit goes in several
 * exports; a span that alone does not fit goes alone. This also bounds
 * the buffer kept between batches. */
#define MAX_EXPORT_BYTES (4 * 1024 * 1024)

/* Queued spans holding this much go at once: with large spans the
 * queue's bytes run out long before max_batch of them have come. */
#define HELD_SEND_AT (NORTH_MCP_EXPORTER_MAX_HELD_BYTES / 2)

/* An ExportTraceServiceRequest in OTLP/JSON of the spans from *@head
 * that fit in MAX_EXPORT_BYTES (the first one always), each released
 * once written; *@head is left at the first one not written. Returns how
 * many were written. */
static guint
build_request (NorthMcpSpanExporter  *self,
               GString               *out,
               NorthMcpSpanData     **head)
{
  static const char tail[] = "]}]}]}";
  guint count = 0;

  g_string_truncate (out, 0);
  north_mcp_tracer_write_export_head (self->tracer, out);
  while (*head != NULL)
    {
      NorthMcpSpanData *next = north_mcp_span_data_get_next (*head);
      gsize before = out->len;

      if (count > 0)
        g_string_append_c (out, ',');
      north_mcp_span_data_write_otlp (*head, out);
      if (count > 0 && out->len + sizeof tail - 1 > MAX_EXPORT_BYTES)
        {
          g_string_truncate (out, before);
          break;
        }
      release_spans (*head, 1);
      *head = next;
      count++;
    }
  g_string_append (out, tail);
  return count;
}

/* An OTLP answer is a small ExportTraceServiceResponse: more than this is
 * not read (nor kept), and the connection is then dropped. */
#define MAX_ANSWER (64 * 1024)

/* One export runs asynchronously on the thread's own main context, so that
 * a timer can end it: libsoup's timeout is per read, and a collector that
 * sends a byte now and then would hold a synchronous export for ever. */
typedef struct
{
  GMainContext *context;
  GCancellable *cancellable;  /* cancelled at the deadline or at shutdown */
  GAsyncResult *result;
} Export;

static void
export_got_result (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Export *export = user_data;

  export->result = g_object_ref (result);
}

/* Runs the thread's context until the pending call has its result. */
static GAsyncResult *
export_wait (Export *export)
{
  while (export->result == NULL)
    g_main_context_iteration (export->context, TRUE);
  return export->result;
}

static gboolean
export_deadline (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static void
export_cancel (GCancellable *shutdown,
               gpointer      user_data)
{
  g_cancellable_cancel (user_data);
}

/* Reads the answer's body up to MAX_ANSWER bytes, into nothing: only its
 * status matters, and a body read to the end lets the connection be kept. */
static void
skip_answer (Export       *export,
             GInputStream *stream)
{
  char buffer[4096];
  gsize total = 0;
  gssize n;

  do
    {
      g_input_stream_read_async (stream, buffer, sizeof buffer, G_PRIORITY_DEFAULT, export->cancellable,
                                 export_got_result, export);
      n = g_input_stream_read_finish (stream, export_wait (export), NULL);
      g_clear_object (&export->result);
    }
  while (n > 0 && (total += (gsize) n) < MAX_ANSWER);
  g_input_stream_close_async (stream, G_PRIORITY_DEFAULT, NULL, export_got_result, export);
  g_input_stream_close_finish (stream, export_wait (export), NULL);
  g_clear_object (&export->result);
}

/* Sends @message within the export timeout; its HTTP status, or 0 with
 * @error set. */
static guint
send_export (NorthMcpSpanExporter  *self,
             SoupSession           *session,
             SoupMessage           *message,
             GError               **error)
{
  Export export = { g_main_context_get_thread_default (), g_cancellable_new (), NULL };
  g_autoptr(GSource) timer = g_timeout_source_new (self->timeout_ms);
  g_autoptr(GInputStream) answer = NULL;
  gulong shutdown;
  guint status = 0;

  g_source_set_callback (timer, export_deadline, export.cancellable, NULL);
  g_source_attach (timer, export.context);
  shutdown = g_cancellable_connect (self->cancellable, G_CALLBACK (export_cancel), export.cancellable, NULL);

  soup_session_send_async (session, message, G_PRIORITY_DEFAULT, export.cancellable, export_got_result, &export);
  answer = soup_session_send_finish (session, export_wait (&export), error);
  g_clear_object (&export.result);
  if (answer != NULL)
    {
      status = soup_message_get_status (message);
      skip_answer (&export, answer);
    }

  g_cancellable_disconnect (self->cancellable, shutdown);
  g_source_destroy (timer);
  g_object_unref (export.cancellable);
  return status;
}

/* After a failure that OTLP calls retryable (429, 502, 503, 504, or no
 * answer) the collector is given time before the next export: its
 * Retry-After in seconds, at most MAX_RETRY_AFTER_MS, else a backoff
 * from BACKOFF_MIN_MS doubling to BACKOFF_MAX_MS. The failed batch is not
 * sent again (the queue is where spans wait), so that a collector that
 * is overloaded for good gets one export a backoff, not one a batch. */
#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 32000
#define MAX_RETRY_AFTER_MS 60000

static gboolean
status_is_retryable (guint status)
{
  return status == 0 || status == 429 || status == 502 || status == 503 || status == 504;
}

/* Called with the lock held. */
static void
back_off (NorthMcpSpanExporter *self,
          SoupMessage          *message,
          guint                 status)
{
  const char *retry_after = soup_message_headers_get_one (soup_message_get_response_headers (message),
                                                          "Retry-After");
  guint64 seconds, delay_ms;

  self->backoff_ms = self->backoff_ms == 0 ? BACKOFF_MIN_MS : MIN (2 * self->backoff_ms, BACKOFF_MAX_MS);
  if (status != 0 && retry_after != NULL &&
      g_ascii_string_to_unsigned (retry_after, 10, 0, G_MAXUINT32, &seconds, NULL))
    delay_ms = MIN (seconds * 1000, MAX_RETRY_AFTER_MS);
  else
    delay_ms = self->backoff_ms;
  self->resume_at = g_get_monotonic_time () + (gint64) delay_ms * 1000;
}

/* Sends the spans from *@head that fit in one export, leaving *@head at
 * the rest; whether the collector took them. */
static gboolean
export_request (NorthMcpSpanExporter  *self,
                SoupSession           *session,
                GString               *buffer,
                NorthMcpSpanData     **head)
{
  g_autoptr(SoupMessage) message = north_mcp_tracer_new_export_message (self->tracer);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  guint status, count;

  if (message == NULL)
    return FALSE;
  count = build_request (self, buffer, head);
  /* The message goes with this function: the buffer outlives its use,
   * and is reused for the next batch. */
  body = g_bytes_new_static (buffer->str, buffer->len);
  soup_message_set_request_body_from_bytes (message, "application/json", body);
  /* libsoup sends a POST on a kept-alive connection only when told it
   * may be sent twice (should that connection turn out closed); else it
   * opens a connection per export. A batch sent twice is harmless next
   * to the OTLP retries collectors already expect. A redirect is a
   * failure, not followed: libsoup would send the export headers (API
   * keys) to whatever origin it names, and a 301, 302 or 303 as a GET
   * without the spans, counted as exported. */
  soup_message_add_flags (message, SOUP_MESSAGE_IDEMPOTENT | SOUP_MESSAGE_NO_REDIRECT);
  status = send_export (self, session, message, &error);

  g_mutex_lock (&self->lock);
  if (status >= 200 && status < 300)
    {
      self->exported += count;
      self->failing = FALSE;
      self->backoff_ms = 0;
      g_mutex_unlock (&self->lock);
      return TRUE;
    }
  if (status_is_retryable (status))
    back_off (self, message, status);
  /* One warning per streak of failures, not one per batch; and one a
   * minute at most, since a collector that sheds load now and then (as
   * one does under a client's flood) makes a streak of each failure. */
  if (!self->failing)
    {
      guint skipped;

      self->failing = TRUE;
      if (north_mcp_log_throttle_pass (&self->failure_warnings, &skipped))
        {
          g_autofree char *more = north_mcp_log_throttle_more (skipped);

          g_mutex_unlock (&self->lock);
          if (error != NULL)
            north_mcp_log_warning (LOGGER, "Exporting %u spans failed: %s%s", count, error->message, more);
          else
            north_mcp_log_warning (LOGGER, "Exporting %u spans failed: HTTP status %u%s", count, status, more);
          return FALSE;
        }
    }
  g_mutex_unlock (&self->lock);
  return FALSE;
}

/* Sends @head's list in as many exports as it takes; after a failure
 * the rest is dropped (no export waits for the collector, see
 * back_off()). */
static void
export_batch (NorthMcpSpanExporter *self,
              SoupSession          *session,
              GString              *buffer,
              NorthMcpSpanData     *head)
{
  while (head != NULL)
    if (!export_request (self, session, buffer, &head))
      {
        release_spans (head, G_MAXUINT);
        return;
      }
}

/* Takes up to max_batch spans off the queue, and in *@held what they
 * hold (which stays counted until they are sent); called with the lock
 * held. */
static NorthMcpSpanData *
take_batch (NorthMcpSpanExporter *self,
            guint                *count,
            gsize                *held)
{
  NorthMcpSpanData *head = self->head, *last = head;

  *count = MIN (self->length, self->max_batch);
  *held = north_mcp_span_data_get_held (head);
  for (guint i = 1; i < *count; i++)
    {
      last = north_mcp_span_data_get_next (last);
      *held += north_mcp_span_data_get_held (last);
    }
  self->head = north_mcp_span_data_get_next (last);
  north_mcp_span_data_set_next (last, NULL);
  if (self->head == NULL)
    self->tail = NULL;
  self->length -= *count;
  return head;
}

static const char *
env_either (const char *lower,
            const char *upper)
{
  const char *value = g_getenv (lower);

  if (value == NULL || *value == '\0')
    value = g_getenv (upper);
  return value != NULL && *value != '\0' ? value : NULL;
}

/* Proxies as the OpenTelemetry SDKs and curl take them: http_proxy,
 * https_proxy and no_proxy. NULL without them: then GIO's default
 * resolver, which loads the desktop's proxy modules (libproxy,
 * GSettings, a dconf thread) into the server, is never asked. */
static GProxyResolver *
proxy_resolver_from_environment (void)
{
  const char *http = env_either ("http_proxy", "HTTP_PROXY");
  const char *https = env_either ("https_proxy", "HTTPS_PROXY");
  const char *no_proxy = env_either ("no_proxy", "NO_PROXY");
  g_auto(GStrv) ignore = NULL;
  GProxyResolver *resolver;

  if (http == NULL && https == NULL)
    return NULL;
  ignore = no_proxy != NULL ? g_strsplit (no_proxy, ",", 256) : NULL;
  for (guint i = 0; ignore != NULL && ignore[i] != NULL; i++)
    g_strstrip (ignore[i]);
  resolver = g_simple_proxy_resolver_new (NULL, ignore);
  if (http != NULL)
    g_simple_proxy_resolver_set_uri_proxy (G_SIMPLE_PROXY_RESOLVER (resolver), "http", http);
  if (https != NULL)
    g_simple_proxy_resolver_set_uri_proxy (G_SIMPLE_PROXY_RESOLVER (resolver), "https", https);
  return resolver;
}

static gpointer
export_thread (gpointer data)
{
  NorthMcpSpanExporter *self = data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GProxyResolver) proxies = proxy_resolver_from_environment ();
  SoupSession *session;
  g_autoptr(GString) buffer = g_string_sized_new (64 * 1024);

  /* The session belongs to the context that is the thread's default when
   * it is made: the exports run there (send_export()). */
  g_main_context_push_thread_default (context);
  session = soup_session_new_with_options ("timeout", MAX (1u, (self->timeout_ms + 999) / 1000),
                                           "user-agent", "north-mcp-glib/" PACKAGE_VERSION,
                                           "proxy-resolver", proxies,
                                           NULL);

  g_mutex_lock (&self->lock);
  for (;;)
    {
      gint64 now = g_get_monotonic_time ();
      gint64 scheduled = now + (gint64) self->schedule_delay_ms * 1000;
      NorthMcpSpanData *batch;
      guint count;
      gsize held;

      /* A full batch (or half the bytes the queue may hold) goes at
       * once, the rest at the schedule delay; none while the collector
       * is given time (back_off()), except at shutdown, when what is
       * queued goes anyway. */
      while (!self->stopping)
        {
          gint64 until;

          if (now < self->resume_at)
            until = self->resume_at;
          else if (self->length < self->max_batch && self->held < HELD_SEND_AT && now < scheduled)
            until = scheduled;
          else
            break;
          g_cond_wait_until (&self->wake, &self->lock, until);
          now = g_get_monotonic_time ();
        }
      if (self->length == 0)
        {
          if (self->stopping)
            break;
          continue;
        }

      batch = take_batch (self, &count, &held);
      g_mutex_unlock (&self->lock);
      export_batch (self, session, buffer, batch);
      g_mutex_lock (&self->lock);
      self->held -= held;
    }
  g_mutex_unlock (&self->lock);

  g_object_unref (session);
  /* What the session's connections still had pending on the context. */
  while (g_main_context_iteration (context, FALSE))
    ;
  g_main_context_pop_thread_default (context);

  g_mutex_lock (&self->lock);
  self->thread_done = TRUE;
  g_cond_broadcast (&self->done);
  g_mutex_unlock (&self->lock);
  return NULL;
}

/* Spans are dropped past max_queue of them, or past
 * NORTH_MCP_EXPORTER_MAX_HELD_BYTES of what they hold: what clients send
 * goes into spans (a handler may copy it into 128 attributes of 4 KiB,
 * and as many events), and 2,048 spans of 0.5 MiB are 1 GiB. */
void
north_mcp_span_exporter_push (NorthMcpSpanExporter *self,
                              NorthMcpSpanData     *span)
{
  gsize held = north_mcp_span_data_get_held (span);

  g_mutex_lock (&self->lock);
  if (self->stopping || self->length >= self->max_queue ||
      held > NORTH_MCP_EXPORTER_MAX_HELD_BYTES - self->held)
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
  north_mcp_span_data_set_next (north_mcp_span_data_ref (span), NULL);
  if (self->tail != NULL)
    north_mcp_span_data_set_next (self->tail, span);
  else
    self->head = span;
  self->tail = span;
  self->held += held;
  if (++self->length == self->max_batch ||
      (self->held >= HELD_SEND_AT && self->held - held < HELD_SEND_AT))
    g_cond_signal (&self->wake);
  g_mutex_unlock (&self->lock);
}

/* Sends what is queued, within the export timeout, and stops the thread.
 * Spans pushed afterwards are dropped. */
void
north_mcp_span_exporter_shutdown (NorthMcpSpanExporter *self)
{
  gint64 deadline;
  guint64 dropped;
  GThread *thread;

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

void
north_mcp_span_exporter_get_counts (NorthMcpSpanExporter *self,
                                    guint64              *dropped,
                                    guint64              *exported)
{
  g_mutex_lock (&self->lock);
  if (dropped != NULL)
    *dropped = self->dropped;
  if (exported != NULL)
    *exported = self->exported;
  g_mutex_unlock (&self->lock);
}
