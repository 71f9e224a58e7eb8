/* test-pipes.c: a server's stdio transport on a pair of pipes, in process
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <unistd.h>
#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>

#include "north-mcp-server-private.h"
#include "test-pipes.h"

void
test_pipes_open (TestPipes      *pipes,
                 NorthMcpServer *server)
{
  int to_server[2], from_server[2];
  g_autoptr(GInputStream) server_input = NULL;
  g_autoptr(GOutputStream) server_output = NULL;

  g_assert_cmpint (pipe (to_server), ==, 0);
  g_assert_cmpint (pipe (from_server), ==, 0);

  pipes->server = g_object_ref (server);
  pipes->session = north_mcp_server_create_session (server, NULL);
  server_input = g_unix_input_stream_new (to_server[0], TRUE);
  server_output = g_unix_output_stream_new (from_server[1], TRUE);
  pipes->transport = north_mcp_stdio_transport_new (NORTH_MCP_TRANSPORT_HOST (server), pipes->session,
                                                    server_input, server_output);
  north_mcp_stdio_transport_start (pipes->transport);

  pipes->to_server = g_unix_output_stream_new (to_server[1], TRUE);
  pipes->from_server = g_data_input_stream_new (g_unix_input_stream_new (from_server[0], TRUE));
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (pipes->from_server), TRUE);
}

void
test_pipes_close (TestPipes *pipes)
{
  north_mcp_stdio_transport_stop (pipes->transport);
  g_clear_object (&pipes->transport);
  g_clear_object (&pipes->server);
  g_clear_object (&pipes->to_server);
  g_object_unref (g_filter_input_stream_get_base_stream (G_FILTER_INPUT_STREAM (pipes->from_server)));
  g_clear_object (&pipes->from_server);
}

void
test_pipes_write_line (TestPipes  *pipes,
                       const char *line)
{
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (pipes->to_server, line, strlen (line), NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (pipes->to_server, "\n", 1, NULL, NULL, &error);
  g_assert_no_error (error);
}

void
test_pipes_wait (TestPipes *pipes)
{
  GInputStream *base = g_filter_input_stream_get_base_stream (G_FILTER_INPUT_STREAM (pipes->from_server));

  while (g_buffered_input_stream_get_available (G_BUFFERED_INPUT_STREAM (pipes->from_server)) == 0 &&
         !g_pollable_input_stream_is_readable (G_POLLABLE_INPUT_STREAM (base)))
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}
