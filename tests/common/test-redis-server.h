/* test-redis-server.h: a real redis-server for the C tests, and waiting on
 * the main loop
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Only "still answers" bounds: generous, never a measure of speed. */
#define TEST_PATIENCE_S 60

/* redis-server (from PATH) on a loopback port picked at run time, with its
 * own temporary directory and no persistence, stopped by its PID; it dies
 * with the test process. */
typedef struct
{
  char *dir;
  guint port;
  GPid  pid;   /* 0: not running */
  char *uri;   /* redis://127.0.0.1:PORT */
} TestRedisServer;

/* Picks the port and the directory, and starts the server. */
void  test_redis_server_init   (TestRedisServer *self,
                                const char      *name);
void  test_redis_server_start  (TestRedisServer *self);
/* Sends @signal, then reaps the process (SIGTERM, SIGKILL). */
void  test_redis_server_stop   (TestRedisServer *self,
                                int              signal);
/* Sends @signal (SIGSTOP, SIGCONT) and leaves the process be. */
void  test_redis_server_signal (TestRedisServer *self,
                                int              signal);
void  test_redis_server_clear  (TestRedisServer *self);

/* A free TCP port on 127.0.0.1 (nothing listens there). */
guint test_free_port           (void);
/* A socket on 127.0.0.1 at a port picked at run time (*@port), listening
 * if @listen. */
GSocket *test_loopback_socket  (gboolean         listen,
                                guint           *port);

/* Aborts the test naming @what after TEST_PATIENCE_S on the default main
 * context; returns the source id to remove once done waiting. */
guint test_watchdog_add        (const char      *what);
/* Iterates the default main context until *@flag is TRUE; aborts the test
 * naming @what after TEST_PATIENCE_S. */
void  test_wait_for            (const gboolean  *flag,
                                const char      *what);
/* Sets *@data (a gboolean) to TRUE: a GSourceFunc. */
gboolean test_set_flag         (gpointer         data);

G_END_DECLS
