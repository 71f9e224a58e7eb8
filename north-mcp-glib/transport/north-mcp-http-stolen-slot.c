/* north-mcp-http-stolen-slot.c: a connection a route took over, counted
 * against its listener's max-connections until it is closed
 *
 * The listener may be gone by then, and the route may close the
 * connection on another thread: the slot holds a weak reference and is
 * released from the listener's context.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-http-stolen-slot-private.h"

typedef struct
{
  GWeakRef      listener;
  GMainContext *context;
} StolenSlot;

static gboolean
stolen_slot_release (gpointer data)
{
  StolenSlot *slot = data;
  g_autoptr(NorthMcpHttpListener) listener = g_weak_ref_get (&slot->listener);

  if (listener != NULL)
    north_mcp_http_listener_release_slot (listener);
  return G_SOURCE_REMOVE;
}

static void
stolen_slot_free (gpointer data)
{
  StolenSlot *slot = data;

  g_weak_ref_clear (&slot->listener);
  g_main_context_unref (slot->context);
  g_free (slot);
}

/* Always from the listener's context, never inline: g_main_context_invoke()
 * would run it on a thread that can acquire that context while its loop
 * is not running, next to the thread that owns the listener. */
static void
stolen_closed (gpointer data)
{
  StolenSlot *slot = data;
  g_autoptr(GSource) idle = g_idle_source_new ();

  g_source_set_priority (idle, G_PRIORITY_DEFAULT);
  g_source_set_callback (idle, stolen_slot_release, slot, stolen_slot_free);
  g_source_set_static_name (idle, "north-mcp: stolen connection closed");
  g_source_attach (idle, slot->context);
}

void
north_mcp_http_stolen_slot_watch (NorthMcpHangupInputStream *input,
                                  NorthMcpHttpListener      *listener,
                                  GMainContext              *context)
{
  StolenSlot *slot = g_new0 (StolenSlot, 1);

  g_weak_ref_init (&slot->listener, listener);
  slot->context = g_main_context_ref (context);
  north_mcp_hangup_input_stream_notify_closed (input, stolen_closed, slot);
}
