/* test-stdio.c: the stdio transport, in process over pipes and end to end
 * with the server-with-auth example
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>
#include <sys/ioctl.h>
#include <gio/gunixoutputstream.h>

#include "north-mcp.h"
#include "north-mcp-server-private.h"
#include "north-mcp-stdio-transport-private.h"
#include "test-channel.h"
#include "test-pipes.h"

/* A line reader with a deadline, for both kinds of test. */
static char *
read_line (GDataInputStream *input)
{
  g_autoptr(GError) error = NULL;
  char *line = g_data_input_stream_read_line_utf8 (input, NULL, NULL, &error);

  g_assert_no_error (error);
  return line;
}

static JsonObject *
read_message (GDataInputStream *input)
{
  g_autofree char *line = read_line (input);
  g_autoptr(JsonNode) node = NULL;

  g_assert_nonnull (line);
  node = test_parse_json (line);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_object_ref (json_node_get_object (node));
}

static void
write_line (GOutputStream *output,
            const char    *line)
{
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (output, line, strlen (line), NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (output, "\n", 1, NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_flush (output, NULL, &error);
  g_assert_no_error (error);
}

/* End to end: the example binary over real pipes. */

static GSubprocess *
spawn_example (GOutputStream    **stdin_out,
               GDataInputStream **stdout_out)
{
  const char *path = g_getenv ("SERVER_WITH_AUTH");
  g_autoptr(GError) error = NULL;
  GSubprocess *process;

  g_assert_nonnull (path);
  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                              G_SUBPROCESS_FLAGS_STDERR_PIPE,
                              &error, path, "--transport", "stdio", NULL);
  g_assert_no_error (error);
  *stdin_out = g_object_ref (g_subprocess_get_stdin_pipe (process));
  *stdout_out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  return process;
}

static void
test_example_round_trip (void)
{
  g_autoptr(GOutputStream) input = NULL;
  g_autoptr(GDataInputStream) output = NULL;
  g_autoptr(GSubprocess) process = spawn_example (&input, &output);
  g_autoptr(JsonObject) init = NULL;
  g_autoptr(JsonObject) list = NULL;
  g_autoptr(JsonObject) call = NULL;
  g_autoptr(JsonObject) bad = NULL;
  g_autoptr(JsonObject) after = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *errors = NULL;
  g_autoptr(GDataInputStream) stderr_stream = NULL;
  JsonArray *content;

  write_line (input, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
                     "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},"
                     "\"clientInfo\":{\"name\":\"test\",\"version\":\"1\"}}}");
  init = read_message (output);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (init, "result"),
                                                  "protocolVersion"), ==, "2025-11-25");

  write_line (input, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
  write_line (input, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}");
  list = read_message (output);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_object_get_object_member (list, "result"),
                                                                         "tools")), ==, 2);

  write_line (input, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\","
                     "\"params\":{\"name\":\"add\",\"arguments\":{\"a\":40,\"b\":2}}}");
  call = read_message (output);
  content = json_object_get_array_member (json_object_get_object_member (call, "result"), "content");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (content, 0), "text"), ==, "42");

  /* Garbage gets a parse error; the server keeps serving. */
  write_line (input, "{\"jsonrpc\": \"2.0\", \"id\": ");
  bad = read_message (output);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (bad, "error"), "code"), ==, -32700);
  write_line (input, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"ping\"}");
  after = read_message (output);
  g_assert_cmpint (json_object_get_int_member (after, "id"), ==, 4);

  /* End of input ends the server cleanly. */
  g_output_stream_close (input, NULL, &error);
  g_assert_no_error (error);
  g_subprocess_wait_check (process, NULL, &error);
  g_assert_no_error (error);

  /* Logs went to stderr, never to stdout. */
  stderr_stream = g_data_input_stream_new (g_subprocess_get_stderr_pipe (process));
  errors = g_data_input_stream_read_upto (stderr_stream, "", 0, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (errors, "This tool was called by: unauthenticated user"));
  g_assert_null (read_line (output));
}

/* In process: a server on a pair of pipes, with a small size limit. */

typedef struct {
  TestPipes pipes;
  gboolean  closed;
} Pipes;

static void
closed_cb (NorthMcpStdioTransport *transport,
           gpointer                user_data)
{
  *(gboolean *) user_data = TRUE;
}

static void
pipes_set_up (Pipes *pipes)
{
  g_autoptr(NorthMcpServer) server = north_mcp_server_new ("pipes", "1");

  north_mcp_server_set_max_body_size (server, 1024);
  test_pipes_open (&pipes->pipes, server);
  g_signal_connect (pipes->pipes.transport, "closed", G_CALLBACK (closed_cb), &pipes->closed);
}

static void
pipes_tear_down (Pipes *pipes)
{
  test_pipes_close (&pipes->pipes);
}

static JsonObject *
pipes_read (Pipes *pipes)
{
  test_pipes_wait (&pipes->pipes);
  return read_message (pipes->pipes.from_server);
}

static void
test_oversized_line (void)
{
  Pipes pipes = { 0 };
  g_autoptr(GString) huge = g_string_new ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"pad\":\"");
  g_autoptr(JsonObject) error = NULL;
  g_autoptr(JsonObject) ping = NULL;

  pipes_set_up (&pipes);

  for (int i = 0; i < 4096; i++)
    g_string_append_c (huge, 'x');
  g_string_append (huge, "\"}}");
  write_line (pipes.pipes.to_server, huge->str);
  error = pipes_read (&pipes);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (error, "error"), "code"), ==, -32700);
  g_assert_nonnull (strstr (json_object_get_string_member (json_object_get_object_member (error, "error"), "message"),
                            "exceeds the limit of 1024 bytes"));

  /* The rest of the huge line is dropped; the next line is served. */
  write_line (pipes.pipes.to_server, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}");
  ping = pipes_read (&pipes);
  g_assert_cmpint (json_object_get_int_member (ping, "id"), ==, 2);

  pipes_tear_down (&pipes);
}

/* The handshake of the 2025-03-26 revision, the last with batches. */
static void
pipes_initialize (Pipes *pipes)
{
  g_autoptr(JsonObject) initialized = NULL;

  write_line (pipes->pipes.to_server,
              "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
              "\"2025-03-26\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}");
  initialized = pipes_read (pipes);
  g_assert_true (json_object_has_member (initialized, "result"));
}

/* JSON-RPC 2.0 section 6: a batch's responses come back as one array (of
 * those a response is due for); a batch refused whole, as one error. */
static void
test_batch_answered_as_array (void)
{
  Pipes pipes = { 0 };
  g_autoptr(JsonObject) refused = NULL;
  g_autoptr(JsonObject) ping = NULL;
  g_autofree char *line = NULL;
  g_autoptr(JsonNode) answers = NULL;
  JsonArray *array;

  pipes_set_up (&pipes);
  pipes_initialize (&pipes);

  write_line (pipes.pipes.to_server,
              "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"},"
              "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"},"
              "{\"jsonrpc\":\"2.0\",\"id\":\"two\",\"method\":\"no/such/method\"}]");
  test_pipes_wait (&pipes.pipes);
  line = read_line (pipes.pipes.from_server);
  g_assert_nonnull (line);
  answers = test_parse_json (line);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (answers));
  array = json_node_get_array (answers);
  g_assert_cmpuint (json_array_get_length (array), ==, 2);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (array, 0), "id"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (array, 1), "id"), ==, "two");
  g_assert_true (json_object_has_member (json_array_get_object_element (array, 1), "error"));

  /* An empty batch is refused whole; a batch of notifications is not answered. */
  write_line (pipes.pipes.to_server, "[]");
  refused = pipes_read (&pipes);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (refused, "error"), "code"), ==, -32600);
  write_line (pipes.pipes.to_server, "[{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}]");
  write_line (pipes.pipes.to_server, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"ping\"}");
  ping = pipes_read (&pipes);
  g_assert_cmpint (json_object_get_int_member (ping, "id"), ==, 5);

  pipes_tear_down (&pipes);
}

/* What requests in progress hold is given back by their answers, whatever
 * the messages: invalid ones with an id, ids shared, batches, escaped
 * string ids, ids that are no key, a client's responses. */
static void
test_answers_give_back_what_is_held (void)
{
  static const char *const lines[] = {
    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}",
    "{\"jsonrpc\":\"2.0\",\"id\":2}",
    ("[{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\"},{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\"},"
     "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/x\"},{\"id\":4},{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"ping\"}]"),
    "{\"jsonrpc\":\"2.0\",\"id\":\"a\\\"b\\u00e9\",\"method\":\"ping\"}",
    "{\"jsonrpc\":\"2.0\",\"id\":\"s7\",\"method\":\"no/such/method\"}",
    "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"tools/call\",\"params\":{\"name\":\"none\"}}",
    "{\"jsonrpc\":\"2.0\",\"id\":true,\"method\":\"ping\"}",
    "{\"jsonrpc\":\"2.0\",\"id\":99,\"result\":{}}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":1}}",
    "{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"ping\"}",
  };
  Pipes pipes = { 0 };

  pipes_set_up (&pipes);
  pipes_initialize (&pipes);
  for (guint i = 0; i < G_N_ELEMENTS (lines); i++)
    write_line (pipes.pipes.to_server, lines[i]);

  /* Answered in order: the last ping's answer comes after all others. */
  for (;;)
    {
      g_autofree char *line = NULL;
      g_autoptr(JsonNode) node = NULL;

      test_pipes_wait (&pipes.pipes);
      line = read_line (pipes.pipes.from_server);
      g_assert_nonnull (line);
      node = test_parse_json (line);
      if (JSON_NODE_HOLDS_OBJECT (node) && json_object_has_member (json_node_get_object (node), "id") &&
          !json_object_get_null_member (json_node_get_object (node), "id") &&
          json_node_get_value_type (json_object_get_member (json_node_get_object (node), "id")) == G_TYPE_INT64 &&
          json_object_get_int_member (json_node_get_object (node), "id") == 10)
        break;
    }
  g_assert_cmpuint (north_mcp_stdio_transport_get_held (pipes.pipes.transport), ==, 0);

  pipes_tear_down (&pipes);
}

/* Many short lines in one read: each answered, in order. */
static void
test_many_lines (void)
{
  Pipes pipes = { 0 };
  g_autoptr(GString) lines = g_string_new (NULL);
  g_autoptr(GError) error = NULL;

  pipes_set_up (&pipes);
  for (guint i = 1; i <= 400; i++)
    g_string_append_printf (lines, "{\"jsonrpc\":\"2.0\",\"id\":%u,\"method\":\"ping\"}\n", i);
  g_output_stream_write_all (pipes.pipes.to_server, lines->str, lines->len, NULL, NULL, &error);
  g_assert_no_error (error);

  for (guint i = 1; i <= 400; i++)
    {
      g_autoptr(JsonObject) pong = pipes_read (&pipes);

      g_assert_cmpint (json_object_get_int_member (pong, "id"), ==, i);
    }

  pipes_tear_down (&pipes);
}

static void
test_eof_closes (void)
{
  Pipes pipes = { 0 };
  g_autoptr(GError) error = NULL;
  gint64 deadline;

  pipes_set_up (&pipes);
  /* A last message without a newline still counts. */
  g_output_stream_write_all (pipes.pipes.to_server, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"ping\"}", 40,
                             NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_close (pipes.pipes.to_server, NULL, &error);
  g_assert_no_error (error);

  deadline = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;
  while (!pipes.closed && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (pipes.closed);
  {
    g_autoptr(JsonObject) ping = read_message (pipes.pipes.from_server);

    g_assert_cmpint (json_object_get_int_member (ping, "id"), ==, 7);
  }

  pipes_tear_down (&pipes);
}

static gboolean
answer_later_cb (gpointer data)
{
  g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new_text ("later");

  north_mcp_context_return_tool_result (NORTH_MCP_CONTEXT (data), result);
  return G_SOURCE_REMOVE;
}

/* A tool that answers a moment after it is called. */
static void
later_tool (NorthMcpTool    *tool,
            NorthMcpContext *context,
            JsonObject      *arguments,
            gpointer         user_data)
{
  g_timeout_add_full (G_PRIORITY_DEFAULT, 50, answer_later_cb, g_object_ref (context), g_object_unref);
}

/* A client ends the session by closing our input (MCP lifecycle, stdio),
 * then waits for the answers of the requests it sent: a request still in
 * progress at the end of input is answered before the transport closes
 * (it closed at once, and the server exited without the answer). */
static void
test_eof_answers_requests_in_progress (void)
{
  g_autoptr(NorthMcpServer) server = north_mcp_server_new ("pipes", "1");
  g_autoptr(NorthMcpTool) tool = north_mcp_tool_new ("later", "Answers a moment later");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = NULL;
  Pipes pipes = { 0 };
  GInputStream *base;
  gint64 deadline;

  north_mcp_tool_set_async_func (tool, later_tool, NULL, NULL);
  north_mcp_server_add_tool (server, tool);
  test_pipes_open (&pipes.pipes, server);
  g_signal_connect (pipes.pipes.transport, "closed", G_CALLBACK (closed_cb), &pipes.closed);
  pipes_initialize (&pipes);

  write_line (pipes.pipes.to_server, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\","
                                     "\"params\":{\"name\":\"later\",\"arguments\":{}}}");
  g_output_stream_close (pipes.pipes.to_server, NULL, &error);
  g_assert_no_error (error);

  deadline = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;
  while (!pipes.closed && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (pipes.closed);
  /* Written out by then. */
  base = g_filter_input_stream_get_base_stream (G_FILTER_INPUT_STREAM (pipes.pipes.from_server));
  g_assert_true (g_pollable_input_stream_is_readable (G_POLLABLE_INPUT_STREAM (base)));
  answer = read_message (pipes.pipes.from_server);
  g_assert_cmpint (json_object_get_int_member (answer, "id"), ==, 9);
  g_assert_true (json_object_has_member (answer, "result"));

  pipes_tear_down (&pipes);
}

/* Writes @data to the server in pieces of @piece bytes, each one read
 * by the server (in this thread) before the next is written. */
static void
write_paced (TestPipes  *pipes,
             const char *data,
             gsize       length,
             gsize       piece)
{
  int fd = g_unix_output_stream_get_fd (G_UNIX_OUTPUT_STREAM (pipes->to_server));

  for (gsize done = 0; done < length; done += piece)
    {
      g_autoptr(GError) error = NULL;
      int waiting = 1;

      g_output_stream_write_all (pipes->to_server, data + done, MIN (piece, length - done),
                                 NULL, NULL, &error);
      g_assert_no_error (error);
      while (waiting > 0)
        {
          g_main_context_iteration (NULL, FALSE);
          g_assert_cmpint (ioctl (fd, FIONREAD, &waiting), ==, 0);
        }
    }
}

/* A long line that trickles in a byte per read: each read must look at
 * what it brought, not again at all of the line so far (which made the
 * work quadratic: a 48 MiB start and 2,000 more bytes took seconds). The
 * bytes searched are counted, not timed: about what was read, where the
 * quadratic search looked at 2,000 times the start. */
static void
test_trickled_line (void)
{
  g_autoptr(NorthMcpServer) server = north_mcp_server_new ("pipes", "1");
  static const char head[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"pad\":\"";
  gsize size = 1 << 20, trickled = 2000;
  g_autofree char *line = g_malloc (size);
  g_autoptr(JsonObject) ping = NULL;
  TestPipes pipes = { 0 };

  test_pipes_open (&pipes, server);
  memcpy (line, head, sizeof head - 1);
  memset (line + sizeof head - 1, 'x', size - (sizeof head - 1));
  write_paced (&pipes, line, size, 65536);
  write_paced (&pipes, line + sizeof head, trickled, 1);
  g_assert_cmpuint (north_mcp_stdio_transport_get_searched (pipes.transport), <=, size + trickled);
  g_assert_cmpuint (north_mcp_stdio_transport_get_searched (pipes.transport), >=, size);

  test_pipes_write_line (&pipes, "\"}}");
  test_pipes_wait (&pipes);
  ping = read_message (pipes.from_server);
  g_assert_cmpint (json_object_get_int_member (ping, "id"), ==, 1);

  test_pipes_close (&pipes);
}

/* A line of @size bytes: a ping with id @id, padded. */
static char *
padded_ping (int   id,
             gsize size)
{
  g_autofree char *head = g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"ping\","
                                           "\"params\":{\"pad\":\"", id);
  GString *line = g_string_new (head);

  while (line->len < size - 3)
    g_string_append_c (line, 'x');
  g_string_append (line, "\"}}");
  g_assert_cmpuint (line->len, ==, size);
  return g_string_free (line, FALSE);
}

/* The size limit counts the message, not the CR of a CRLF line end: a
 * message of exactly the limit is served with either line end, also when
 * its CR arrives in a read before its newline. */
static void
test_line_at_limit (void)
{
  Pipes pipes = { 0 };
  g_autofree char *at_limit = padded_ping (1, 1024);
  g_autofree char *over = padded_ping (2, 1025);
  g_autofree char *crlf = g_strconcat (at_limit, "\r", NULL);
  g_autoptr(JsonObject) lf = NULL;
  g_autoptr(JsonObject) whole = NULL;
  g_autoptr(JsonObject) split = NULL;
  g_autoptr(JsonObject) refused = NULL;

  pipes_set_up (&pipes);
  write_line (pipes.pipes.to_server, at_limit);
  lf = pipes_read (&pipes);
  g_assert_true (json_object_has_member (lf, "result"));
  write_line (pipes.pipes.to_server, crlf);
  whole = pipes_read (&pipes);
  g_assert_true (json_object_has_member (whole, "result"));

  write_paced (&pipes.pipes, crlf, strlen (crlf), strlen (crlf));
  write_line (pipes.pipes.to_server, "");
  split = pipes_read (&pipes);
  g_assert_true (json_object_has_member (split, "result"));

  write_line (pipes.pipes.to_server, over);
  refused = pipes_read (&pipes);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (refused, "error"), "code"), ==, -32700);

  pipes_tear_down (&pipes);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/stdio/example/round-trip", test_example_round_trip);
  g_test_add_func ("/stdio/oversized-line", test_oversized_line);
  g_test_add_func ("/stdio/many-lines", test_many_lines);
  g_test_add_func ("/stdio/eof-closes", test_eof_closes);
  g_test_add_func ("/stdio/eof-answers-requests-in-progress", test_eof_answers_requests_in_progress);
  g_test_add_func ("/stdio/trickled-line", test_trickled_line);
  g_test_add_func ("/stdio/line-at-limit", test_line_at_limit);
  g_test_add_func ("/stdio/batch-answered-as-array", test_batch_answered_as_array);
  g_test_add_func ("/stdio/answers-give-back-what-is-held", test_answers_give_back_what_is_held);

  return g_test_run ();
}
