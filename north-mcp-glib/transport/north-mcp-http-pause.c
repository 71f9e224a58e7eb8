/* north-mcp-http-pause.c: a request paused while an asynchronous step
 * decides how to answer it
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-http-pause-private.h"

/* The answer has nowhere to go: stop what it waits for. */
static void
pause_gone (NorthMcpHttpPause *pause)
{
  pause->gone = TRUE;
  g_cancellable_cancel (pause->cancellable);
}

void
north_mcp_http_pause_init (NorthMcpHttpPause *pause,
                           SoupServerMessage *msg)
{
  pause->msg = g_object_ref (msg);
  pause->cancellable = g_cancellable_new ();
  pause->gone = FALSE;
  g_signal_connect_swapped (msg, "finished", G_CALLBACK (pause_gone), pause);
  g_signal_connect_swapped (msg, "disconnected", G_CALLBACK (pause_gone), pause);
  soup_server_message_pause (msg);
}

gboolean
north_mcp_http_pause_resume (NorthMcpHttpPause *pause)
{
  if (!pause->gone)
    soup_server_message_unpause (pause->msg);
  return !pause->gone;
}

void
north_mcp_http_pause_clear (NorthMcpHttpPause *pause)
{
  if (pause->msg != NULL)
    g_signal_handlers_disconnect_by_func (pause->msg, pause_gone, pause);
  g_clear_object (&pause->msg);
  g_clear_object (&pause->cancellable);
}
