/* test-pipes.h: a server's stdio transport on a pair of pipes, in process
 *
 * The server runs on this thread's main context; reading iterates it
 * until a line is ready (a server that never answers hangs until the
 * test's timeout).
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "north-mcp.h"
#include "north-mcp-stdio-transport-private.h"

G_BEGIN_DECLS

typedef struct {
  NorthMcpServer         *server;
  NorthMcpSession        *session;     /* the transport's; not a reference */
  NorthMcpStdioTransport *transport;
  GOutputStream          *to_server;
  GDataInputStream       *from_server;
} TestPipes;

/* Serves @server (a reference is taken) on new pipes. */
void     test_pipes_open       (TestPipes  *pipes,
                                NorthMcpServer *server);
void     test_pipes_close      (TestPipes  *pipes);
/* Writes @line and a newline to the server. */
void     test_pipes_write_line (TestPipes  *pipes,
                                const char *line);
/* Iterates the main context until the server's output can be read. */
void     test_pipes_wait       (TestPipes  *pipes);

G_END_DECLS
