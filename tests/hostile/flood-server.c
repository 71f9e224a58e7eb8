/* flood-server.c: a server whose tool `flood` streams `count` progress
 * notifications of `size` bytes each (one per main loop turn), then
 * answers "flooded N" (it stops early once the request is cancelled), and
 * whose tool `blob` answers at once with a text of `size` bytes, and whose
 * tool `burst` sends its `count` progress notifications of `size` bytes
 * before it returns, then answers "burst N" (a synchronous handler), and
 * whose tool `ask` sends `count` elicitation requests of `size` bytes
 * before it returns, then answers "asked N, refused R: MESSAGE" with the
 * requests refused at once and the first refusal's error. For the
 * hostile tests of clients that stop reading (test_connections.py). Its
 * route /echo takes its connection over (as a WebSocket would) and sends
 * back what it reads until the client hangs up; then it closes the stream
 * (with ?drop, it only lets go of its reference). Its tool `match` takes
 * `names` whose schema has a pattern with nested quantifiers, as an
 * author may write it, and answers "matched N" (test_parsing.py). Its
 * tool `hang` keeps its context and never answers, as a handler stuck on
 * something that never comes (the bound on requests in progress). Its
 * tool `elicit` sends one elicitation request and waits for its answer,
 * then answers "answered ACTION" or "failed: DOMAIN CODE MESSAGE"
 * (test_stdio.py).
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <north-mcp.h>

typedef struct
{
  NorthMcpContext *context;
  char            *message;
  gint64           count;
  gint64           sent;
} Flood;

static void
flood_free (Flood *flood)
{
  g_object_unref (flood->context);
  g_free (flood->message);
  g_free (flood);
}

static gboolean
flood_step (gpointer user_data)
{
  Flood *flood = user_data;
  GCancellable *cancellable = north_mcp_context_get_cancellable (flood->context);
  g_autoptr(NorthMcpToolResult) result = NULL;
  g_autofree char *text = NULL;

  if (flood->sent < flood->count && !g_cancellable_is_cancelled (cancellable))
    {
      flood->sent++;
      north_mcp_context_report_progress (flood->context, (double) flood->sent,
                                         (double) flood->count, flood->message);
      return G_SOURCE_CONTINUE;
    }

  text = g_strdup_printf ("flooded %" G_GINT64_FORMAT, flood->sent);
  result = north_mcp_tool_result_new_text (text);
  north_mcp_context_return_tool_result (flood->context, result);
  return G_SOURCE_REMOVE;
}

static void
flood (NorthMcpTool    *tool,
       NorthMcpContext *context,
       JsonObject      *arguments,
       gpointer         user_data)
{
  Flood *flood = g_new0 (Flood, 1);
  gint64 size = json_object_get_int_member_with_default (arguments, "size", 1024);

  flood->context = g_object_ref (context);
  flood->count = json_object_get_int_member_with_default (arguments, "count", 10);
  flood->message = g_malloc (CLAMP (size, 1, 1 << 20) + 1);
  memset (flood->message, 'x', CLAMP (size, 1, 1 << 20));
  flood->message[CLAMP (size, 1, 1 << 20)] = '\0';
  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, flood_step, flood, (GDestroyNotify) flood_free);
}

static void
burst (NorthMcpTool    *tool,
       NorthMcpContext *context,
       JsonObject      *arguments,
       gpointer         user_data)
{
  gint64 count = json_object_get_int_member_with_default (arguments, "count", 10);
  gint64 size = CLAMP (json_object_get_int_member_with_default (arguments, "size", 1024), 1, 1 << 20);
  g_autofree char *message = g_malloc (size + 1);
  g_autofree char *text = g_strdup_printf ("burst %" G_GINT64_FORMAT, count);
  g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new_text (text);

  memset (message, 'x', size);
  message[size] = '\0';
  for (gint64 i = 1; i <= count; i++)
    north_mcp_context_report_progress (context, (double) i, (double) count, message);
  north_mcp_context_return_tool_result (context, result);
}

typedef struct
{
  NorthMcpContext *context;
  gint64           count;
  gint64           refused;
  char            *refusal;  /* the first, "domain code message" */
} Ask;

static void
ask_clear (Ask *ask)
{
  g_object_unref (ask->context);
  g_free (ask->refusal);
}

static void
ask_unref (Ask *ask)
{
  g_rc_box_release_full (ask, (GDestroyNotify) ask_clear);
}

static void
ask_done (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Ask *ask = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = north_mcp_context_send_request_finish (NORTH_MCP_CONTEXT (source), result, &error);

  if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
      !g_error_matches (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_TIMED_OUT))
    {
      ask->refused++;
      if (ask->refusal == NULL)
        ask->refusal = g_strdup_printf ("%s %d %s", g_quark_to_string (error->domain), error->code,
                                        error->message);
    }
  ask_unref (ask);
}

/* After the refusals, which come at once (a lower priority than theirs). */
static gboolean
ask_answer (gpointer user_data)
{
  Ask *ask = user_data;
  g_autofree char *text = g_strdup_printf ("asked %" G_GINT64_FORMAT ", refused %" G_GINT64_FORMAT ": %s",
                                           ask->count, ask->refused, ask->refusal ? ask->refusal : "");
  g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new_text (text);

  north_mcp_context_return_tool_result (ask->context, result);
  return G_SOURCE_REMOVE;
}

static void
ask (NorthMcpTool    *tool,
     NorthMcpContext *context,
     JsonObject      *arguments,
     gpointer         user_data)
{
  Ask *state = g_rc_box_new0 (Ask);
  gint64 size = CLAMP (json_object_get_int_member_with_default (arguments, "size", 1024), 1, 1 << 20);
  g_autofree char *message = g_malloc (size + 1);

  memset (message, 'x', size);
  message[size] = '\0';
  state->context = g_object_ref (context);
  state->count = json_object_get_int_member_with_default (arguments, "count", 10);
  for (gint64 i = 0; i < state->count; i++)
    {
      g_autoptr(JsonObject) params = json_object_new ();

      json_object_set_string_member (params, "message", message);
      json_object_set_object_member (params, "requestedSchema", json_object_new ());
      north_mcp_context_send_request_async (context, "elicitation/create", params, NULL, ask_done,
                                            g_rc_box_acquire (state));
    }
  g_idle_add_full (G_PRIORITY_LOW, ask_answer, state, (GDestroyNotify) ask_unref);
}

static void
elicited (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(NorthMcpContext) context = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = north_mcp_context_elicit_finish (context, result, &error);
  g_autofree char *text = NULL;
  g_autoptr(NorthMcpToolResult) tool_result = NULL;

  if (answer != NULL)
    text = g_strdup_printf ("answered %s", json_object_get_string_member_with_default (answer, "action", "?"));
  else
    text = g_strdup_printf ("failed: %s %d %s", g_quark_to_string (error->domain), error->code,
                            error->message);
  tool_result = north_mcp_tool_result_new_text (text);
  north_mcp_context_return_tool_result (context, tool_result);
}

static void
elicit (NorthMcpTool    *tool,
        NorthMcpContext *context,
        JsonObject      *arguments,
        gpointer         user_data)
{
  g_autoptr(JsonObject) schema = json_object_new ();

  json_object_set_string_member (schema, "type", "object");
  north_mcp_context_elicit_async (context, "Who are you?", schema, NULL, elicited, g_object_ref (context));
}

/* "size" x's (1 to 256 MiB). */
static char *
large_text (JsonObject *arguments)
{
  gint64 size = CLAMP (json_object_get_int_member_with_default (arguments, "size", 1024), 1, 256 << 20);
  char *text = g_malloc (size + 1);

  memset (text, 'x', size);
  text[size] = '\0';
  return text;
}

static void
blob (NorthMcpTool    *tool,
      NorthMcpContext *context,
      JsonObject      *arguments,
      gpointer         user_data)
{
  g_autofree char *text = large_text (arguments);
  g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new_text (text);

  north_mcp_context_return_tool_result (context, result);
}

static void
match (NorthMcpTool    *tool,
       NorthMcpContext *context,
       JsonObject      *arguments,
       gpointer         user_data)
{
  JsonArray *names = json_object_get_array_member (arguments, "names");
  g_autofree char *text = g_strdup_printf ("matched %u", json_array_get_length (names));
  g_autoptr(NorthMcpToolResult) result = north_mcp_tool_result_new_text (text);

  north_mcp_context_return_tool_result (context, result);
}

/* Fails with an error whose data is a large text. */
static void
fail (NorthMcpTool    *tool,
      NorthMcpContext *context,
      JsonObject      *arguments,
      gpointer         user_data)
{
  g_autofree char *text = large_text (arguments);
  g_autoptr(JsonNode) data = json_node_init_string (json_node_alloc (), text);

  north_mcp_context_return_error_full (context, -32000, "failed", data);
}

/* The contexts of `hang`'s calls, let go of when the server has stopped. */
static GPtrArray *hung;

static void
hang (NorthMcpTool    *tool,
      NorthMcpContext *context,
      JsonObject      *arguments,
      gpointer         user_data)
{
  g_ptr_array_add (hung, g_object_ref (context));
}

/* A connection taken over by /echo. */
typedef struct
{
  GIOStream *stream;
  gboolean   drop;
  guint8     buffer[4096];
} Echo;

static void
echo_read (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Echo *echo = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);

  if (n > 0 && g_output_stream_write_all (g_io_stream_get_output_stream (echo->stream),
                                          echo->buffer, n, NULL, NULL, NULL))
    {
      g_input_stream_read_async (G_INPUT_STREAM (source), echo->buffer, sizeof echo->buffer,
                                 G_PRIORITY_DEFAULT, NULL, echo_read, echo);
      return;
    }
  if (!echo->drop)
    g_io_stream_close (echo->stream, NULL, NULL);
  g_object_unref (echo->stream);
  g_free (echo);
}

static void
echo_route (NorthMcpServer    *server,
            SoupServerMessage *msg,
            const char        *path,
            NorthMcpUser      *user,
            gpointer           user_data)
{
  const char *query = g_uri_get_query (soup_server_message_get_uri (msg));
  Echo *echo = g_new0 (Echo, 1);

  echo->drop = query != NULL && g_str_equal (query, "drop");
  echo->stream = soup_server_message_steal_connection (msg);
  g_output_stream_write_all (g_io_stream_get_output_stream (echo->stream), "ready\n", 6, NULL, NULL, NULL);
  g_input_stream_read_async (g_io_stream_get_input_stream (echo->stream), echo->buffer, sizeof echo->buffer,
                             G_PRIORITY_DEFAULT, NULL, echo_read, echo);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(NorthMcpServer) server = north_mcp_server_new ("flood-server", "1.0.0");
  g_autoptr(NorthMcpTool) tool = north_mcp_tool_new ("flood", "Streams progress notifications");
  g_autoptr(NorthMcpTool) blob_tool = north_mcp_tool_new ("blob", "Answers with a large text");
  g_autoptr(NorthMcpTool) burst_tool = north_mcp_tool_new ("burst", "Sends progress notifications, then answers");
  g_autoptr(NorthMcpTool) ask_tool = north_mcp_tool_new ("ask", "Sends elicitation requests, then answers");
  g_autoptr(NorthMcpTool) match_tool = north_mcp_tool_new ("match", "Counts names of a's, maybe ending in b");
  g_autoptr(NorthMcpTool) fail_tool = north_mcp_tool_new ("fail", "Fails with a large text as the error's data");
  g_autoptr(NorthMcpTool) hang_tool = north_mcp_tool_new ("hang", "Never answers");
  g_autoptr(NorthMcpTool) elicit_tool = north_mcp_tool_new ("elicit", "Asks the client, then answers");
  g_autoptr(GPtrArray) contexts = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  int status;

  hung = contexts;
  if (!north_mcp_tool_set_input_schema_json (tool,
                                             "{\"type\":\"object\",\"properties\":{"
                                             "\"count\":{\"type\":\"integer\"},"
                                             "\"size\":{\"type\":\"integer\"}}}", &error))
    g_error ("%s", error->message);
  north_mcp_tool_set_async_func (tool, flood, NULL, NULL);
  north_mcp_server_add_tool (server, tool);
  north_mcp_tool_set_async_func (blob_tool, blob, NULL, NULL);
  north_mcp_server_add_tool (server, blob_tool);
  north_mcp_tool_set_async_func (burst_tool, burst, NULL, NULL);
  north_mcp_server_add_tool (server, burst_tool);
  north_mcp_tool_set_async_func (ask_tool, ask, NULL, NULL);
  north_mcp_server_add_tool (server, ask_tool);
  if (!north_mcp_tool_set_input_schema_json (match_tool,
                                             "{\"type\":\"object\",\"required\":[\"names\"],\"properties\":{"
                                             "\"names\":{\"type\":\"array\","
                                             "\"items\":{\"type\":\"string\",\"pattern\":\"^(a+)+$|^a+b$\"}}}}",
                                             &error))
    g_error ("%s", error->message);
  north_mcp_tool_set_async_func (match_tool, match, NULL, NULL);
  north_mcp_server_add_tool (server, match_tool);
  north_mcp_tool_set_async_func (fail_tool, fail, NULL, NULL);
  north_mcp_server_add_tool (server, fail_tool);
  north_mcp_tool_set_async_func (hang_tool, hang, NULL, NULL);
  north_mcp_server_add_tool (server, hang_tool);
  north_mcp_tool_set_async_func (elicit_tool, elicit, NULL, NULL);
  north_mcp_server_add_tool (server, elicit_tool);
  north_mcp_server_add_route (server, "/echo", echo_route, NULL, NULL);

  status = north_mcp_server_run (server, argc, argv);
  hung = NULL;
  return status;
}
