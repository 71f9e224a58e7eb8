/* north-mcp-http-listener-requests.c: what the listener keeps of a
 * connection's current request for the transport: its head, the share
 * its body counts in, and its admission by its headers
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "north-mcp-http-client-address-private.h"
#include "north-mcp-http-listener-impl-private.h"
#include "north-mcp-session-private.h"
#include "north-mcp-user.h"
#include "north-mcp-util-private.h"

/* The share @msg's body counts in: its connection's IP address's (an
 * IPv6 one's /64: north_mcp_http_share_key()), looked up once per
 * connection (clients of a Unix socket share one), or through a trusted
 * proxy, the client's that the proxy names for this request
 * (X-Forwarded-For). */
static NorthMcpHttpPeer *
share_of (NorthMcpHttpListener         *self,
          NorthMcpHttpListenerClient   *client,
          SoupServerMessage            *msg,
          const NorthMcpTrustedProxies *trusted)
{
  gboolean inet = G_IS_INET_SOCKET_ADDRESS (client->remote);
  GInetAddress *remote = inet ? g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (client->remote)) : NULL;
  g_autoptr(GInetAddress) forwarded = NULL;
  g_autofree char *address = NULL;
  NorthMcpHttpHead scratch;

  if (inet && trusted != NULL &&
      north_mcp_http_listener_head (self, msg, &scratch)->counts[NORTH_MCP_HTTP_FIELD_FORWARDED_FOR] > 0)
    forwarded = north_mcp_http_forwarded_client (trusted, remote, soup_server_message_get_request_headers (msg));
  if (forwarded != NULL)
    {
      address = north_mcp_http_share_key (forwarded);
      g_clear_pointer (&client->forwarded, north_mcp_http_peer_unref);
      client->forwarded = north_mcp_http_body_account_peer (self->account, address);
      return client->forwarded;
    }
  if (client->peer == NULL)
    {
      address = inet ? north_mcp_http_share_key (remote) : g_strdup ("local");
      client->peer = north_mcp_http_body_account_peer (self->account, address);
    }
  return client->peer;
}

/* Whether @user's ID token names someone (a `sub` or `email` claim):
 * credentials that name no one, or only an e-mail sent alongside them,
 * which the client may change at will, share their address's. */
static gboolean
names_someone (NorthMcpUser *user)
{
  JsonObject *claims = north_mcp_user_get_claims (user);

  return claims != NULL && (north_mcp_object_get_string (claims, "sub") != NULL ||
                            north_mcp_object_get_string (claims, "email") != NULL);
}

/* The share of the identity @user names, referenced, keyed as its
 * sessions and tasks (the owner digest, issuer and subject or e-mail), as
 * for max-subscription-bytes; NULL when it names no one. The user keeps a
 * reference to it, whose key is the identity's: a remembered decision
 * hands the same user out again, and the key is then not hashed, nor the
 * share made and freed, for each request (about 1,800 instructions);
 * what the users keep is bounded by theirs (the decision cache, sessions
 * and tasks). Admissions are on the main thread. */
static NorthMcpHttpPeer *
identity_share (NorthMcpHttpListener *self,
                NorthMcpUser         *user)
{
  static GQuark quark;
  NorthMcpHttpPeer *kept, *peer;
  g_autofree char *key = NULL;
  guint8 digest[NORTH_MCP_SESSION_OWNER_DIGEST_LENGTH];

  if (G_UNLIKELY (quark == 0))
    quark = g_quark_from_static_string ("north-mcp-http-identity-share");
  kept = g_object_get_qdata (G_OBJECT (user), quark);
  if (kept != NULL && (peer = north_mcp_http_peer_ref_in (kept, self->account)) != NULL)
    return peer;
  if (kept != NULL)
    key = g_strdup (north_mcp_http_peer_get_address (kept)); /* another listener's share */
  else if (names_someone (user))
    {
      north_mcp_session_owner_digest (user, digest);
      key = north_mcp_session_identity_share (digest);
    }
  if (key == NULL)
    return NULL;
  peer = north_mcp_http_body_account_peer (self->account, key);
  g_object_set_qdata_full (G_OBJECT (user), quark, north_mcp_http_peer_ref_in (peer, self->account),
                           (GDestroyNotify) north_mcp_http_peer_unref);
  return peer;
}

/* The share @msg's body counts in when it was admitted by its headers
 * (referenced): its identity's, or for credentials that name no one, its
 * address's share of such requests, apart from the share of those not
 * authenticated (whose uploads to public routes would otherwise refuse
 * North's requests from the same address). */
static NorthMcpHttpPeer *
admitted_share_of (NorthMcpHttpListener         *self,
                   NorthMcpHttpListenerClient   *client,
                   SoupServerMessage            *msg,
                   const NorthMcpTrustedProxies *trusted)
{
  NorthMcpHttpPeer *identity, *address, *anonymous;
  g_autofree char *anonymous_key = NULL;

  if (client->body != NULL)
    return NULL; /* counted already: its hold keeps its share */
  if (client->user != NULL && (identity = identity_share (self, NORTH_MCP_USER (client->user))) != NULL)
    return identity;
  /* The connection's own address keeps its share of these for the next
   * request (not made and freed per request); one a proxy names may
   * change with each. */
  address = share_of (self, client, msg, trusted);
  if (address == client->peer && client->anonymous != NULL)
    return north_mcp_http_peer_ref_in (client->anonymous, self->account);
  anonymous_key = g_strconcat ("anonymous ", north_mcp_http_peer_get_address (address), NULL);
  anonymous = north_mcp_http_body_account_peer (self->account, anonymous_key);
  if (address == client->peer)
    client->anonymous = north_mcp_http_peer_ref_in (anonymous, self->account);
  return anonymous;
}

static const NorthMcpHttpHead *
head_of (NorthMcpHttpListenerClient *client,
         SoupServerMessage          *msg,
         NorthMcpHttpHead           *scratch)
{
  if (client == NULL || client->msg != msg)
    {
      north_mcp_http_head_read (scratch, soup_server_message_get_request_headers (msg));
      return scratch;
    }
  if (!client->head_read)
    north_mcp_http_head_read (&client->head, soup_server_message_get_request_headers (msg));
  client->head_read = TRUE;
  return &client->head;
}

const NorthMcpHttpHead *
north_mcp_http_listener_head (NorthMcpHttpListener *self,
                              SoupServerMessage    *msg,
                              NorthMcpHttpHead     *scratch)
{
  return head_of (north_mcp_http_listener_client_of (self, msg), msg, scratch);
}

const NorthMcpHttpHead *
north_mcp_http_listener_head_sizes (NorthMcpHttpListener *self,
                                    SoupServerMessage    *msg,
                                    NorthMcpHttpHead     *scratch,
                                    gsize                *largest)
{
  NorthMcpHttpListenerClient *client = north_mcp_http_listener_client_of (self, msg);

  *largest = client != NULL && client->input != NULL ?
             north_mcp_hangup_input_stream_get_largest_head (client->input) : 0;
  return head_of (client, msg, scratch);
}

NorthMcpHttpHold
north_mcp_http_listener_hold_body (NorthMcpHttpListener *self,
                                   SoupServerMessage    *msg,
                                   guint64               bytes,
                                   guint64               head,
                                   const NorthMcpHttpHoldLimits *limits,
                                   const NorthMcpTrustedProxies *trusted)
{
  NorthMcpHttpListenerClient *client = north_mcp_http_listener_client_of (self, msg);
  NorthMcpHttpPeer *admitted = NULL, *peer = NULL;
  NorthMcpHttpHold hold;

  if (client == NULL || client->listener == NULL)
    return NORTH_MCP_HTTP_HOLD_OK;
  /* Authenticated requests have their identity's share, not their
   * address's (many users may come through one NAT or proxy). */
  if ((limits->share != 0 || limits->peer_bodies != 0) && client->admitted)
    peer = admitted = admitted_share_of (client->listener, client, msg, trusted);
  else if ((limits->share != 0 || limits->peer_bodies != 0) && client->body == NULL)
    peer = share_of (client->listener, client, msg, trusted);
  hold = north_mcp_http_body_account_hold (client->listener->account, &client->body, peer, bytes, limits);
  if (hold == NORTH_MCP_HTTP_HOLD_OK)
    client->head_cost += head;
  if (admitted != NULL)
    north_mcp_http_peer_unref (admitted);
  return hold;
}

/* The share of its request's body (its identity's, for a request admitted
 * by its headers), else its address's as for a body. */
NorthMcpHttpPeer *
north_mcp_http_listener_output_share (NorthMcpHttpListenerClient   *client,
                                      SoupServerMessage            *msg,
                                      const NorthMcpTrustedProxies *trusted)
{
  NorthMcpHttpPeer *peer = client->body != NULL ? north_mcp_http_held_body_get_peer (client->body) : NULL;

  return north_mcp_http_peer_ref_in (peer != NULL ? peer : share_of (client->listener, client, msg, trusted),
                                     client->listener->account);
}

NorthMcpHttpShare
north_mcp_http_listener_share (NorthMcpHttpListener *self,
                               SoupServerMessage    *msg)
{
  NorthMcpHttpListenerClient *client = north_mcp_http_listener_client_of (self, msg);

  if (client == NULL || !client->admitted)
    return NORTH_MCP_HTTP_SHARE_ADDRESS;
  return client->user != NULL && names_someone (NORTH_MCP_USER (client->user)) ?
         NORTH_MCP_HTTP_SHARE_IDENTITY : NORTH_MCP_HTTP_SHARE_NO_ONE;
}

gboolean
north_mcp_http_listener_admit (NorthMcpHttpListener *self,
                               SoupServerMessage    *msg,
                               GObject              *user)
{
  NorthMcpHttpListenerClient *client = north_mcp_http_listener_client_of (self, msg);

  if (client == NULL || client->msg != msg)
    return FALSE;
  client->admitted = TRUE;
  g_set_object (&client->user, user);
  return TRUE;
}

gboolean
north_mcp_http_listener_take_admission (NorthMcpHttpListener  *self,
                                        SoupServerMessage     *msg,
                                        GObject              **user)
{
  NorthMcpHttpListenerClient *client = north_mcp_http_listener_client_of (self, msg);

  if (client == NULL || client->msg != msg || !client->admitted)
    return FALSE;
  *user = client->user != NULL ? g_object_ref (client->user) : NULL;
  return TRUE;
}

NorthMcpHttpHeldBody *
north_mcp_http_listener_keep_body (NorthMcpHttpListener *self,
                                   SoupServerMessage    *msg)
{
  NorthMcpHttpListenerClient *client;

  g_return_val_if_fail (self == NULL || NORTH_MCP_IS_HTTP_LISTENER (self), NULL);
  g_return_val_if_fail (SOUP_IS_SERVER_MESSAGE (msg), NULL);

  client = north_mcp_http_listener_client_of (self, msg);
  if (client == NULL || client->body == NULL || client->msg != msg)
    return NULL;

  return north_mcp_http_held_body_ref (client->body);
}
