/* north-mcp-http-pause-private.h: a request paused while an asynchronous
 * step (an issuer's keys, the shared state store) decides how to answer it
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct {
  SoupServerMessage *msg;
  GCancellable      *cancellable;  /* cancelled when the client goes away */
  gboolean           gone;
} NorthMcpHttpPause;

/* Pauses @msg and keeps it; @pause must not move until cleared. */
void     north_mcp_http_pause_init   (NorthMcpHttpPause *pause,
                                      SoupServerMessage *msg);
/* Lets the message go on: TRUE when its client still waits for the
 * answer. */
gboolean north_mcp_http_pause_resume (NorthMcpHttpPause *pause);
void     north_mcp_http_pause_clear  (NorthMcpHttpPause *pause);

G_END_DECLS
