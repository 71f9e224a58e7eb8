/* north-mcp-http-held-body.c: the request bodies a listener's connections
 * hold, counted together (max-held-body-bytes)
 *
 * A channel, and the body it keeps, may be let go of on a handler's
 * thread: accounts and their bodies are changed under one lock.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-http-held-body-private.h"
#include "north-mcp-siphash-private.h"

struct _NorthMcpHttpBodyAccount
{
  guint       refs;
  guint64     held;
  guint       bodies;  /* held bodies */
  guint64     unsent;  /* output waiting for clients: north_mcp_http_peer_add_unsent() */
  GHashTable *peers;  /* address -> NorthMcpHttpPeer (unowned) */
};

struct _NorthMcpHttpPeer
{
  guint                    refs;     /* connections, and bodies held */
  NorthMcpHttpBodyAccount *account;
  char                    *address;
  guint64                  held;
  guint                    bodies;   /* held bodies counting in its share */
  guint64                  unsent;   /* output waiting for its connections */
};

/* The bytes one request body counts in an account: while libsoup has the
 * message (the connection's reference) and while the request parsed from
 * it is still in progress (its channel's). @bytes grows while the body
 * arrives, and with the answers of a JSON batch that wait for its last.
 * Counted by GLib's atomic RcBox (its references are taken and let go of
 * on any thread). */
struct _NorthMcpHttpHeldBody
{
  NorthMcpHttpBodyAccount *account;
  guint64                  bytes;
  NorthMcpHttpPeer        *peer;     /* whose share it counts in, or NULL */
  guint                    counted;  /* among the account's (and peer's) bodies: 1, and
                                      * the requests of a batch after its first */
};

static GMutex accounts_lock;

NorthMcpHttpBodyAccount *
north_mcp_http_body_account_new (void)
{
  NorthMcpHttpBodyAccount *account = g_new0 (NorthMcpHttpBodyAccount, 1);

  account->refs = 1;
  /* Keyed hashing: clients choose their addresses (IPv6, X-Forwarded-For). */
  account->peers = g_hash_table_new (north_mcp_siphash_str_hash, g_str_equal);
  return account;
}

/* With accounts_lock held. */
static void
account_unref_locked (NorthMcpHttpBodyAccount *account)
{
  if (--account->refs == 0)
    {
      g_hash_table_unref (account->peers);
      g_free (account);
    }
}

void
north_mcp_http_body_account_unref (NorthMcpHttpBodyAccount *account)
{
  g_mutex_lock (&accounts_lock);
  account_unref_locked (account);
  g_mutex_unlock (&accounts_lock);
}

NorthMcpHttpPeer *
north_mcp_http_body_account_peer (NorthMcpHttpBodyAccount *account,
                                  const char              *address)
{
  NorthMcpHttpPeer *peer;

  g_mutex_lock (&accounts_lock);
  peer = g_hash_table_lookup (account->peers, address);
  if (peer == NULL)
    {
      peer = g_new0 (NorthMcpHttpPeer, 1);
      peer->account = account;
      account->refs++;
      peer->address = g_strdup (address);
      g_hash_table_insert (account->peers, peer->address, peer);
    }
  peer->refs++;
  g_mutex_unlock (&accounts_lock);
  return peer;
}

NorthMcpHttpPeer *
north_mcp_http_peer_ref_in (NorthMcpHttpPeer        *peer,
                            NorthMcpHttpBodyAccount *account)
{
  if (peer->account != account)
    return NULL; /* set once, when made */
  g_mutex_lock (&accounts_lock);
  peer->refs++;
  g_mutex_unlock (&accounts_lock);
  return peer;
}

const char *
north_mcp_http_peer_get_address (NorthMcpHttpPeer *peer)
{
  return peer->address; /* set once, when made */
}

/* With accounts_lock held. */
static void
peer_unref_locked (NorthMcpHttpPeer *peer)
{
  if (--peer->refs > 0)
    return;
  g_hash_table_remove (peer->account->peers, peer->address);
  account_unref_locked (peer->account);
  g_free (peer->address);
  g_free (peer);
}

void
north_mcp_http_peer_unref (NorthMcpHttpPeer *peer)
{
  g_mutex_lock (&accounts_lock);
  peer_unref_locked (peer);
  g_mutex_unlock (&accounts_lock);
}

/* With accounts_lock held: @held's bytes are @bytes fewer. */
static void
held_body_take_locked (NorthMcpHttpHeldBody *held,
                       guint64               bytes)
{
  held->bytes -= bytes;
  held->account->held -= bytes;
  if (held->peer != NULL)
    held->peer->held -= bytes;
}

/* With accounts_lock held: @held's bytes are @bytes more. */
static void
held_body_add_locked (NorthMcpHttpHeldBody *held,
                      guint64               bytes)
{
  held->bytes += bytes;
  held->account->held += bytes;
  if (held->peer != NULL)
    held->peer->held += bytes;
}

/* With accounts_lock held: whether @n more requests fit in @account and
 * @peer's share (NULL: none). */
static NorthMcpHttpHold
requests_fit_locked (NorthMcpHttpBodyAccount      *account,
                     NorthMcpHttpPeer             *peer,
                     guint                         n,
                     const NorthMcpHttpHoldLimits *limits)
{
  if (n == 0)
    return NORTH_MCP_HTTP_HOLD_OK; /* admitted already: its bytes may grow */
  if (limits->bodies != 0 && (account->bodies > limits->bodies || n > limits->bodies - account->bodies))
    return NORTH_MCP_HTTP_HOLD_TOO_MANY;
  if (peer != NULL && limits->peer_bodies != 0 &&
      (peer->bodies > limits->peer_bodies || n > limits->peer_bodies - peer->bodies))
    return NORTH_MCP_HTTP_HOLD_PEER_TOO_MANY;
  return NORTH_MCP_HTTP_HOLD_OK;
}

/* With accounts_lock held: whether @bytes more fit, and one more request
 * when @body is TRUE. */
static NorthMcpHttpHold
account_fits_locked (NorthMcpHttpBodyAccount      *account,
                     NorthMcpHttpPeer             *peer,
                     guint64                       bytes,
                     gboolean                      body,
                     const NorthMcpHttpHoldLimits *limits)
{
  guint64 limit = limits->bytes, share = limits->share;
  NorthMcpHttpHold hold = requests_fit_locked (account, peer, body ? 1 : 0, limits);

  if (hold != NORTH_MCP_HTTP_HOLD_OK)
    return hold;
  if (limit != 0 && (account->held > limit || bytes > limit - account->held))
    return NORTH_MCP_HTTP_HOLD_FULL;
  if (peer != NULL && share != 0 && (peer->held > share || bytes > share - peer->held))
    return NORTH_MCP_HTTP_HOLD_PEER_FULL;
  return NORTH_MCP_HTTP_HOLD_OK;
}

NorthMcpHttpHold
north_mcp_http_body_account_hold (NorthMcpHttpBodyAccount      *account,
                                  NorthMcpHttpHeldBody        **held,
                                  NorthMcpHttpPeer             *peer,
                                  guint64                       bytes,
                                  const NorthMcpHttpHoldLimits *limits)
{
  NorthMcpHttpHold hold;

  g_mutex_lock (&accounts_lock);
  if (*held != NULL)
    peer = (*held)->peer;
  hold = account_fits_locked (account, peer, bytes, *held == NULL, limits);
  if (hold != NORTH_MCP_HTTP_HOLD_OK)
    {
      g_mutex_unlock (&accounts_lock);
      return hold;
    }
  if (*held == NULL)
    {
      *held = g_atomic_rc_box_new0 (NorthMcpHttpHeldBody);
      (*held)->account = account;
      (*held)->peer = peer;
      (*held)->counted = 1;
      if (peer != NULL)
        {
          peer->refs++;
          peer->bodies++;
        }
      account->refs++;
      account->bodies++;
    }
  held_body_add_locked (*held, bytes);
  g_mutex_unlock (&accounts_lock);
  return NORTH_MCP_HTTP_HOLD_OK;
}

NorthMcpHttpHold
north_mcp_http_held_body_add (NorthMcpHttpHeldBody         *held,
                              guint64                       bytes,
                              const NorthMcpHttpHoldLimits *limits)
{
  NorthMcpHttpHold hold;

  g_return_val_if_fail (held != NULL, NORTH_MCP_HTTP_HOLD_OK);

  g_mutex_lock (&accounts_lock);
  hold = account_fits_locked (held->account, held->peer, bytes, FALSE, limits);
  /* The only request in progress may take more (as over stdio): a large
   * body that is read at all is served when nothing else runs. */
  if (hold != NORTH_MCP_HTTP_HOLD_OK && held->account->bodies == held->counted)
    hold = NORTH_MCP_HTTP_HOLD_OK;
  if (hold == NORTH_MCP_HTTP_HOLD_OK)
    held_body_add_locked (held, bytes);
  g_mutex_unlock (&accounts_lock);
  return hold;
}

static inline guint64
room_below (guint64 limit,
            guint64 held)
{
  return limit > held ? limit - held : 0;
}

guint64
north_mcp_http_held_body_room (NorthMcpHttpHeldBody         *held,
                               const NorthMcpHttpHoldLimits *limits,
                               NorthMcpHttpHold             *hold)
{
  guint64 room = G_MAXUINT64;

  g_return_val_if_fail (held != NULL, 0);

  *hold = NORTH_MCP_HTTP_HOLD_FULL;
  g_mutex_lock (&accounts_lock);
  /* The bounds of north_mcp_http_held_body_add() (account_fits_locked()
   * for bytes alone). */
  if (held->account->bodies != held->counted)
    {
      if (limits->bytes != 0)
        room = room_below (limits->bytes, held->account->held);
      if (held->peer != NULL && limits->share != 0 && room_below (limits->share, held->peer->held) < room)
        {
          room = room_below (limits->share, held->peer->held);
          *hold = NORTH_MCP_HTTP_HOLD_PEER_FULL;
        }
    }
  g_mutex_unlock (&accounts_lock);
  return room;
}

NorthMcpHttpHeldBody *
north_mcp_http_held_body_ref (NorthMcpHttpHeldBody *held)
{
  return g_atomic_rc_box_acquire (held);
}

/* With accounts_lock held. */
static void
uncount_locked (NorthMcpHttpHeldBody *held)
{
  held->account->bodies -= held->counted;
  if (held->peer != NULL)
    held->peer->bodies -= held->counted;
  held->counted = 0;
}

NorthMcpHttpHold
north_mcp_http_held_body_count_more (NorthMcpHttpHeldBody         *held,
                                     guint                         more,
                                     const NorthMcpHttpHoldLimits *limits)
{
  NorthMcpHttpBodyAccount *account;
  NorthMcpHttpPeer *peer;
  NorthMcpHttpHold hold;

  g_return_val_if_fail (held != NULL, NORTH_MCP_HTTP_HOLD_OK);

  g_mutex_lock (&accounts_lock);
  account = held->account;
  peer = held->peer;
  hold = requests_fit_locked (account, peer, more, limits);
  if (hold != NORTH_MCP_HTTP_HOLD_OK)
    {
      g_mutex_unlock (&accounts_lock);
      return hold;
    }
  held->counted += more;
  account->bodies += more;
  if (peer != NULL)
    peer->bodies += more;
  g_mutex_unlock (&accounts_lock);
  return NORTH_MCP_HTTP_HOLD_OK;
}

void
north_mcp_http_held_body_uncount (NorthMcpHttpHeldBody *held)
{
  g_return_if_fail (held != NULL);

  g_mutex_lock (&accounts_lock);
  uncount_locked (held);
  g_mutex_unlock (&accounts_lock);
}

/* The last reference is gone: its bytes leave the account. */
static void
held_body_clear (gpointer data)
{
  NorthMcpHttpHeldBody *held = data;

  g_mutex_lock (&accounts_lock);
  held_body_take_locked (held, held->bytes);
  uncount_locked (held);
  if (held->peer != NULL)
    peer_unref_locked (held->peer);
  account_unref_locked (held->account);
  g_mutex_unlock (&accounts_lock);
}

void
north_mcp_http_held_body_release (NorthMcpHttpHeldBody *held)
{
  g_return_if_fail (held != NULL);

  g_atomic_rc_box_release_full (held, held_body_clear);
}

void
north_mcp_http_held_body_shrink (NorthMcpHttpHeldBody *held,
                                 guint64               kept)
{
  g_return_if_fail (held != NULL);

  g_mutex_lock (&accounts_lock);
  if (kept < held->bytes)
    held_body_take_locked (held, held->bytes - kept);
  g_mutex_unlock (&accounts_lock);
}

void
north_mcp_http_held_body_grow (NorthMcpHttpHeldBody *held,
                               guint64               bytes)
{
  g_return_if_fail (held != NULL);

  g_mutex_lock (&accounts_lock);
  held_body_add_locked (held, bytes);
  g_mutex_unlock (&accounts_lock);
}

void
north_mcp_http_held_body_give_back (NorthMcpHttpHeldBody *held,
                                    guint64               bytes)
{
  g_return_if_fail (held != NULL);

  g_mutex_lock (&accounts_lock);
  held_body_take_locked (held, MIN (bytes, held->bytes));
  g_mutex_unlock (&accounts_lock);
}

/* What libsoup keeps per piece of a request body besides its bytes (a
 * GBytes, the malloc() of its data, a list node: about 110 bytes), and
 * how many pieces a body may have before they are looked at. */
#define PIECE_COST 128
#define PIECES_BEFORE_JOINING 64

/* libsoup keeps a request body as the list of what each read gave it
 * (one piece per chunk of a chunked body): a client sending its body in
 * one-byte chunks, or a byte per TCP segment, would make it cost over 100
 * times its size for as long as it trickles. Once the pieces cost more
 * than the bytes, they are joined into one: a join copies fewer bytes
 * than the pieces it frees cost, so the work stays linear, and a body
 * takes about twice its size at most (three times while it is copied).
 * Real clients' pieces (kilobytes) are never joined. */
void
north_mcp_http_body_count_piece (SoupMessageBody *body,
                                 guint           *pieces)
{
  g_autoptr(GBytes) joined = NULL;

  if (++*pieces < PIECES_BEFORE_JOINING ||
      (guint64) *pieces * PIECE_COST <= (guint64) body->length)
    return;

  joined = soup_message_body_flatten (body);
  soup_message_body_truncate (body);
  if (g_bytes_get_size (joined) > 0)
    soup_message_body_append_bytes (body, joined);
  *pieces = 1;
}

/* Counted by the listener on its own thread only: no lock. */
gboolean
north_mcp_http_peer_add_unsent (NorthMcpHttpPeer *peer,
                                guint64           bytes,
                                guint64           own,
                                guint64           limit,
                                guint64           share)
{
  peer->unsent += bytes;
  peer->account->unsent += bytes;
  return !((limit != 0 && peer->account->unsent > limit && peer->account->unsent > own) ||
           (share != 0 && peer->unsent > share && peer->unsent > own));
}

void
north_mcp_http_peer_remove_unsent (NorthMcpHttpPeer *peer,
                                   guint64           bytes)
{
  peer->unsent -= bytes;
  peer->account->unsent -= bytes;
}

NorthMcpHttpPeer *
north_mcp_http_held_body_get_peer (NorthMcpHttpHeldBody *held)
{
  return held->peer; /* set once, when made */
}
