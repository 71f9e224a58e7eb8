/* test-trace-context.c: W3C traceparent/tracestate, spans and the tracer's
 * configuration
 *
 * SPDX-License-Identifier: MIT
 */
#include <north-mcp.h>
#include "north-mcp-trace-context-private.h"
#include "north-mcp-span-private.h"
#include "north-mcp-tracer-private.h"
#include "north-mcp-request-scope-private.h"
#include "north-mcp-trace-request-private.h"
#include "north-mcp-span-data-private.h"

/* The North context line of a relayed tasks/update carries the update's
 * trace context beside the North context, under names no header gives
 * one: read back, they are apart from it (a handler never sees them),
 * and a line without them (an earlier replica's) has none. */
static void
test_north_context_line (void)
{
  g_autoptr(GHashTable) north_context = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GHashTable) read = NULL;
  g_autoptr(GHashTable) plain = NULL;
  g_autofree char *traceparent = NULL;
  g_autofree char *tracestate = NULL;
  g_autoptr(GString) line = g_string_new (NULL);

  g_hash_table_insert (north_context, g_strdup ("tenant"), g_strdup ("t1"));
  north_mcp_north_context_write (line, north_context, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                                 "vendor=abc");
  read = north_mcp_north_context_read (line->str, line->len, &traceparent, &tracestate);
  g_assert_nonnull (read);
  g_assert_cmpuint (g_hash_table_size (read), ==, 1);
  g_assert_cmpstr (g_hash_table_lookup (read, "tenant"), ==, "t1");
  g_assert_cmpstr (traceparent, ==, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  g_assert_cmpstr (tracestate, ==, "vendor=abc");
  g_clear_pointer (&traceparent, g_free);
  g_clear_pointer (&tracestate, g_free);

  g_string_truncate (line, 0);
  north_mcp_north_context_write (line, north_context, NULL, NULL);
  g_assert_cmpstr (line->str, ==, "[\"tenant\",\"t1\"]");
  plain = north_mcp_north_context_read (line->str, line->len, &traceparent, &tracestate);
  g_assert_cmpuint (g_hash_table_size (plain), ==, 1);
  g_assert_null (traceparent);
  g_assert_null (tracestate);
}

static void
test_traceparent_valid (void)
{
  NorthMcpTraceParent parent;
  g_autofree char *again = NULL;
  char hex[33];

  g_assert_true (north_mcp_trace_parse_traceparent (
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", &parent));
  north_mcp_trace_hex (parent.trace_id, 16, hex);
  g_assert_cmpstr (hex, ==, "4bf92f3577b34da6a3ce929d0e0e4736");
  north_mcp_trace_hex (parent.span_id, 8, hex);
  g_assert_cmpstr (hex, ==, "00f067aa0ba902b7");
  g_assert_cmpuint (parent.flags, ==, 1);
  again = north_mcp_trace_format_traceparent (&parent);
  g_assert_cmpstr (again, ==, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");

  /* A later version may carry more, after a dash. */
  g_assert_true (north_mcp_trace_parse_traceparent (
    "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-what-ever", &parent));
  g_assert_cmpuint (parent.flags, ==, 0);
}

static void
test_traceparent_invalid (void)
{
  static const char * const bad[] = {
    "",
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",  /* version 00: exact */
    "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
    "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
    "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",        /* upper case */
    "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",
    "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",
  };
  NorthMcpTraceParent parent;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    g_assert_false (north_mcp_trace_parse_traceparent (bad[i], &parent));
  g_assert_false (north_mcp_trace_parse_traceparent (NULL, &parent));
}

#define TRACE_A "4bf92f3577b34da6a3ce929d0e0e4736"
#define TRACE_B "0af7651916cd43dd8448eb211c80319c"

/* The trace id of the server span begun for an HTTP request with
 * @fields, pairs of header name and value; the span carries the caller's
 * @tracestate. */
static char *
trace_id_for_headers (NorthMcpTracer     *tracer,
                      const char * const *fields,
                      const char         *tracestate)
{
  g_autoptr(SoupMessageHeaders) headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  NorthMcpTraceRequest request = { .headers = headers, .method = "tools/list" };
  NorthMcpSpanData *span;
  char *trace_id;

  for (guint i = 0; fields[i] != NULL; i += 2)
    soup_message_headers_append (headers, fields[i], fields[i + 1]);
  span = north_mcp_trace_request_begin (tracer, FALSE, &request);
  g_assert_nonnull (span);
  g_assert_cmpstr (north_mcp_span_data_get_tracestate (span), ==, tracestate);
  trace_id = g_strdup (north_mcp_span_data_get_trace_id (span));
  north_mcp_span_data_unref (span);
  return trace_id;
}

/* W3C Trace Context: traceparent is one value, not a list; a request with
 * two of them (or their values joined by a comma, as RFC 9110 lets a
 * proxy join repeated fields) has none that can be trusted, and starts a
 * new trace, as the W3C test suite's test_traceparent_duplicated asks,
 * rather than continue whichever one came last. */
static void
test_traceparent_repeated (void)
{
  g_autoptr(NorthMcpServer) server = north_mcp_server_new ("unit", "1");
  NorthMcpTracer *tracer = north_mcp_server_get_tracer (server);
  g_autoptr(GError) error = NULL;
  const char * const one[] = {
    "traceparent", "00-" TRACE_A "-00f067aa0ba902b7-00", "tracestate", "vendor=abc", NULL,
  };
  const char * const two[] = {
    "traceparent", "00-" TRACE_A "-00f067aa0ba902b7-00",
    "TraceParent", "00-" TRACE_B "-b7ad6b7169203331-00", "tracestate", "vendor=abc", NULL,
  };
  const char * const same_twice[] = {
    "traceparent", "00-" TRACE_A "-00f067aa0ba902b7-00",
    "traceparent", "00-" TRACE_A "-00f067aa0ba902b7-00", NULL,
  };
  const char * const joined[] = {
    "traceparent", "cc-" TRACE_A "-00f067aa0ba902b7-00-future,00-" TRACE_B "-b7ad6b7169203331-00", NULL,
  };
  const char * const * const repeated[] = { two, same_twice, joined };
  NorthMcpTraceParent parent;
  g_autofree char *single = NULL;

  /* Sampled when a parent says so, and nothing is: spans that record
   * nothing, sent nowhere. */
  north_mcp_tracer_set_endpoint (tracer, "http://127.0.0.1:9/v1/traces");
  g_assert_true (north_mcp_tracer_set_sampler (tracer, "parentbased_always_off", 0, &error));
  g_assert_no_error (error);
  g_assert_true (north_mcp_tracer_get_enabled (tracer));

  single = trace_id_for_headers (tracer, one, "vendor=abc");
  g_assert_cmpstr (single, ==, TRACE_A);
  for (guint i = 0; i < G_N_ELEMENTS (repeated); i++)
    {
      /* Nor is a tracestate kept without the traceparent it goes with. */
      g_autofree char *trace_id = trace_id_for_headers (tracer, repeated[i], NULL);

      g_assert_cmpstr (trace_id, !=, TRACE_A);
      g_assert_cmpstr (trace_id, !=, TRACE_B);
    }
  g_assert_false (north_mcp_trace_parse_traceparent (joined[1], &parent));
  north_mcp_tracer_set_endpoint (tracer, NULL);
}

static void
test_tracestate (void)
{
  g_autoptr(GString) many = g_string_new ("a=1");

  g_assert_true (north_mcp_trace_tracestate_is_valid ("vendor=abc,other=x"));
  g_assert_false (north_mcp_trace_tracestate_is_valid (""));
  g_assert_false (north_mcp_trace_tracestate_is_valid ("no-equals"));
  g_assert_false (north_mcp_trace_tracestate_is_valid ("a=\n"));
  for (guint i = 0; i < 32; i++)
    g_string_append (many, ",b=2");
  g_assert_false (north_mcp_trace_tracestate_is_valid (many->str));   /* 33 members */
}

static void
test_span_not_recording (void)
{
  g_autoptr(NorthMcpSpan) span = north_mcp_span_new (NULL, "x", NORTH_MCP_SPAN_KIND_INTERNAL,
                                                     NULL, NULL, NULL);

  g_assert_false (north_mcp_span_is_recording (span));
  g_assert_cmpstr (north_mcp_span_get_trace_id (span), ==, "00000000000000000000000000000000");
  north_mcp_span_set_attribute_string (span, "k", "v");
  north_mcp_span_record_error (span, "E", "private");
  north_mcp_span_end (span);
  north_mcp_span_end (span);
}

static char *
otlp_of (NorthMcpSpan *span)
{
  GString *out = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) parsed = NULL;

  north_mcp_span_write_otlp (span, out);
  /* Valid JSON, whatever went in. */
  parsed = json_from_string (out->str, &error);
  g_assert_no_error (error);
  g_assert_nonnull (parsed);
  return g_string_free (out, FALSE);
}

static void
test_span_limits_and_redaction (void)
{
  g_autoptr(NorthMcpServer) server = north_mcp_server_new ("unit", "1");
  NorthMcpTracer *tracer = north_mcp_server_get_tracer (server);
  NorthMcpTraceParent context = { .flags = 1 };
  g_autoptr(NorthMcpSpan) span = NULL;
  g_autofree char *long_value = g_strnfill (10000, 'x');
  g_autofree char *json = NULL;

  north_mcp_trace_random_id (context.trace_id, 16);
  north_mcp_trace_random_id (context.span_id, 8);
  span = north_mcp_span_new (tracer, "work", NORTH_MCP_SPAN_KIND_INTERNAL, &context, NULL, NULL);
  g_assert_true (north_mcp_span_is_recording (span));
  for (guint i = 0; i < 300; i++)
    {
      g_autofree char *key = g_strdup_printf ("k%u", i);

      north_mcp_span_set_attribute_int (span, key, i);
    }
  north_mcp_span_set_attribute_string (span, "k0", long_value);  /* replaces, cut */
  north_mcp_span_set_attribute_string (span, "k1", "quote \" and \\ and \n\x01");
  north_mcp_span_set_attribute_double (span, "k2", 1.0 / 0.0);
  north_mcp_span_record_error (span, "ValueError", "the user's secret");
  json = otlp_of (span);
  g_assert_null (strstr (json, "secret"));
  g_assert_nonnull (strstr (json, "\"message\":\"ValueError\""));
  g_assert_nonnull (strstr (json, "\"k127\""));
  g_assert_null (strstr (json, "\"k128\""));
  g_assert_null (strstr (json, long_value));
  g_assert_cmpuint (strlen (json), <, 20000);

  g_clear_pointer (&json, g_free);
  north_mcp_tracer_set_record_error_details (tracer, TRUE);
  north_mcp_span_record_error (span, "ValueError", "the user's secret");
  json = otlp_of (span);
  g_assert_nonnull (strstr (json, "secret"));
  /* Not exported: no endpoint; ending only queues when tracing is on. */
  north_mcp_span_end (span);
  g_assert_cmpuint (north_mcp_tracer_get_dropped_spans (tracer), ==, 0);
}

/* The request span's data: a name of two parts, strings that outgrow the
 * span's inline text, escapes, invalid UTF-8; the span object made on
 * demand is one object, over the same data. */
static void
test_span_data_text (void)
{
  g_autoptr(NorthMcpServer) server = north_mcp_server_new ("unit", "1");
  NorthMcpTracer *tracer = north_mcp_server_get_tracer (server);
  NorthMcpTraceParent context = { .flags = 1 };
  g_autoptr(NorthMcpSpanData) data = NULL;
  g_autoptr(NorthMcpSpan) cache = NULL;
  g_autoptr(JsonNode) parsed = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char *long_value = g_strnfill (1000, 'v');
  g_autofree char *long_target = g_strnfill (5000, 't');
  g_autofree char *expected_name = NULL;
  g_autoptr(GError) error = NULL;
  NorthMcpSpan *span;
  JsonObject *object;
  JsonArray *attributes;

  north_mcp_trace_random_id (context.trace_id, 16);
  north_mcp_trace_random_id (context.span_id, 8);
  data = north_mcp_span_data_new (tracer, "tools/call", "a \"quoted\"\ttool", NORTH_MCP_SPAN_KIND_SERVER,
                                  &context, NULL, "vendor=abc");
  g_assert_cmpstr (north_mcp_span_data_get_name (data), ==, "tools/call a \"quoted\"\ttool");
  north_mcp_span_data_add_static_attribute (data, "mcp.method.name", "tools/call");
  north_mcp_span_data_add_static_attribute (data, "long", long_value);      /* past the inline text */
  north_mcp_span_data_add_static_attribute (data, "bad", "x\xff\xfe" "y");  /* made valid */
  north_mcp_span_data_set_string (data, "mcp.method.name", "replaced");
  north_mcp_span_data_set_int (data, "count", -1234567890123);

  span = north_mcp_trace_get_span (data, &cache);
  g_assert_true (span == cache && north_mcp_trace_get_span (data, &cache) == span);
  g_assert_cmpstr (north_mcp_span_get_trace_id (span), ==, north_mcp_span_data_get_trace_id (data));
  north_mcp_span_set_attribute_boolean (span, "from.object", TRUE);

  north_mcp_span_data_write_otlp (data, out);
  parsed = json_from_string (out->str, &error);
  g_assert_no_error (error);
  object = json_node_get_object (parsed);
  g_assert_cmpstr (json_object_get_string_member (object, "name"), ==, "tools/call a \"quoted\"\ttool");
  g_assert_cmpstr (json_object_get_string_member (object, "traceId"), ==, north_mcp_span_get_trace_id (span));
  g_assert_cmpstr (json_object_get_string_member (object, "traceState"), ==, "vendor=abc");
  attributes = json_object_get_array_member (object, "attributes");
  g_assert_cmpuint (json_array_get_length (attributes), ==, 5);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (
    json_array_get_object_element (attributes, 0), "value"), "stringValue"), ==, "replaced");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (
    json_array_get_object_element (attributes, 1), "value"), "stringValue"), ==, long_value);
  g_assert_true (g_utf8_validate (json_object_get_string_member (json_object_get_object_member (
    json_array_get_object_element (attributes, 2), "value"), "stringValue"), -1, NULL));
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (
    json_array_get_object_element (attributes, 3), "value"), "intValue"), ==, "-1234567890123");
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (
    json_array_get_object_element (attributes, 4), "value"), "boolValue"));

  /* A name too long for the inline text, each part cut to the bound. */
  g_clear_pointer (&data, north_mcp_span_data_unref);
  data = north_mcp_span_data_new (NULL, "prompts/get", long_target, NORTH_MCP_SPAN_KIND_SERVER,
                                  NULL, NULL, NULL);
  long_target[NORTH_MCP_SPAN_MAX_VALUE_LENGTH] = '\0';
  expected_name = g_strconcat ("prompts/get ", long_target, NULL);
  g_assert_cmpstr (north_mcp_span_data_get_name (data), ==, expected_name);
  g_assert_false (north_mcp_span_data_is_recording (data));
}

static void
test_tracer_configuration (void)
{
  g_autoptr(NorthMcpServer) server = north_mcp_server_new ("unit", "1");
  NorthMcpTracer *tracer = north_mcp_server_get_tracer (server);
  g_autoptr(GError) error = NULL;

  g_assert_false (north_mcp_tracer_get_enabled (tracer));
  g_assert_cmpstr (north_mcp_tracer_get_service_name (tracer), ==, "unit");
  north_mcp_tracer_set_endpoint (tracer, "http://127.0.0.1:4318/v1/traces");
  g_assert_true (north_mcp_tracer_get_enabled (tracer));
  g_assert_true (north_mcp_tracer_set_sampler (tracer, "always_off", 0, &error));
  g_assert_false (north_mcp_tracer_get_enabled (tracer));
  g_assert_true (north_mcp_tracer_set_sampler (tracer, "parentbased_traceidratio", 0.5, &error));
  g_assert_true (north_mcp_tracer_get_enabled (tracer));
  g_assert_false (north_mcp_tracer_set_sampler (tracer, "traceidratio", 1.5, &error));
  g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_CONFIGURATION);
  g_clear_error (&error);
  g_assert_false (north_mcp_tracer_set_sampler (tracer, "sometimes", 1, &error));
  g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_CONFIGURATION);
  north_mcp_tracer_set_endpoint (tracer, NULL);
  g_assert_false (north_mcp_tracer_get_enabled (tracer));
  /* No span was ever queued: shutdown has no thread to stop. */
  north_mcp_tracer_shutdown (tracer);
}

/* log-trace-context: on by default, notified once per change. */
static void
count_notify (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  (*(guint *) user_data)++;
}

static void
test_log_trace_context_property (void)
{
  g_autoptr(NorthMcpServer) server = north_mcp_server_new ("unit", "1");
  NorthMcpTracer *tracer = north_mcp_server_get_tracer (server);
  gboolean value = FALSE;
  guint notified = 0;

  g_assert_true (north_mcp_tracer_get_log_trace_context (tracer));
  g_signal_connect (tracer, "notify::log-trace-context", G_CALLBACK (count_notify), &notified);
  north_mcp_tracer_set_log_trace_context (tracer, FALSE);
  north_mcp_tracer_set_log_trace_context (tracer, FALSE);
  g_object_get (tracer, "log-trace-context", &value, NULL);
  g_assert_false (value);
  g_assert_cmpuint (notified, ==, 1);
  g_object_set (tracer, "log-trace-context", TRUE, NULL);
  g_assert_true (north_mcp_tracer_get_log_trace_context (tracer));
  g_assert_cmpuint (notified, ==, 2);
}

int
main (int    argc,
      char **argv)
{
  /* The tests configure the tracer themselves. */
  g_unsetenv ("OTEL_EXPORTER_OTLP_ENDPOINT");
  g_unsetenv ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/trace/traceparent/valid", test_traceparent_valid);
  g_test_add_func ("/trace/north-context-line", test_north_context_line);
  g_test_add_func ("/trace/log-trace-context", test_log_trace_context_property);
  g_test_add_func ("/trace/traceparent/invalid", test_traceparent_invalid);
  g_test_add_func ("/trace/traceparent/repeated", test_traceparent_repeated);
  g_test_add_func ("/trace/tracestate", test_tracestate);
  g_test_add_func ("/trace/span/not-recording", test_span_not_recording);
  g_test_add_func ("/trace/span/limits-and-redaction", test_span_limits_and_redaction);
  g_test_add_func ("/trace/span/data-text", test_span_data_text);
  g_test_add_func ("/trace/tracer/configuration", test_tracer_configuration);
  return g_test_run ();
}
