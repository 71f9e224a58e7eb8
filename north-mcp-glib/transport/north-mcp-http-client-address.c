/* north-mcp-http-client-address.c: the address of an HTTP request's
 * client, behind trusted reverse proxies (X-Forwarded-For)
 *
 * Behind nginx every TCP peer is the proxy. A proxy appends the address
 * it took the request from to X-Forwarded-For, so the list read from the
 * right is the path back to the client: each entry is believed only while
 * the hop that wrote it is trusted. What a client writes itself stays to
 * the left of the address its first proxy appended, and is never reached
 * unless that address is trusted too.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include "north-mcp-error.h"
#include "north-mcp-http-client-address-private.h"

/* An address or network, IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d/96+n):
 * one comparison for both families, and an IPv4 peer of a dual-stack
 * socket (::ffff:127.0.0.1) matches its IPv4 entry. */
typedef struct {
  guint8 bytes[16];
  guint  prefix;      /* bits, 0 to 128 */
} Network;

struct _NorthMcpTrustedProxies {
  gboolean any;       /* `*` */
  guint    n_networks;
  Network  networks[];
};

static const guint8 ipv4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

static gboolean
is_ipv4_mapped (const guint8 *bytes)
{
  return memcmp (bytes, ipv4_mapped, sizeof ipv4_mapped) == 0;
}

/* @text (NUL-terminated, no spaces) as 16 bytes; FALSE if it is not a bare
 * IPv4 or IPv6 address. */
static gboolean
parse_address (const char *text,
               guint8     *bytes,
               gboolean   *ipv4)
{
  *ipv4 = inet_pton (AF_INET, text, bytes + 12) == 1;
  if (*ipv4)
    {
      memcpy (bytes, ipv4_mapped, sizeof ipv4_mapped);
      return TRUE;
    }
  return inet_pton (AF_INET6, text, bytes) == 1;
}

static void
address_bytes (GInetAddress *address,
               guint8       *bytes)
{
  const guint8 *raw = g_inet_address_to_bytes (address);

  if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV4)
    {
      memcpy (bytes, ipv4_mapped, sizeof ipv4_mapped);
      memcpy (bytes + 12, raw, 4);
    }
  else
    memcpy (bytes, raw, 16);
}

static gboolean
network_contains (const Network *network,
                  const guint8  *bytes)
{
  guint whole = network->prefix / 8, rest = network->prefix % 8;

  if (memcmp (network->bytes, bytes, whole) != 0)
    return FALSE;
  return rest == 0 || ((network->bytes[whole] ^ bytes[whole]) & (0xff << (8 - rest))) == 0;
}

static gboolean
contains_bytes (const NorthMcpTrustedProxies *self,
                const guint8                 *bytes)
{
  if (self->any)
    return TRUE;
  for (guint i = 0; i < self->n_networks; i++)
    if (network_contains (&self->networks[i], bytes))
      return TRUE;
  return FALSE;
}

static gboolean
invalid (GError    **error,
         const char *entry,
         const char *why)
{
  g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT,
               "“%s” is not a trusted proxy: %s", entry, why);
  return FALSE;
}

/* One entry other than `*`; TRUE and @network set if it is valid. */
static gboolean
parse_network (const char  *entry,
               Network     *network,
               GError     **error)
{
  g_autofree char *text = g_strstrip (g_strdup (entry));
  char *slash = strchr (text, '/');
  gboolean ipv4;
  guint64 prefix;

  if (slash != NULL)
    *slash = '\0';
  if (!parse_address (text, network->bytes, &ipv4))
    return invalid (error, entry, "use an IPv4 or IPv6 address, a network such as 10.0.0.0/8, or *");
  if (slash == NULL)
    prefix = ipv4 ? 32 : 128;
  else if (!g_ascii_string_to_unsigned (slash + 1, 10, 0, ipv4 ? 32 : 128, &prefix, NULL))
    return invalid (error, entry, ipv4 ? "the prefix length must be 0 to 32" : "the prefix length must be 0 to 128");
  network->prefix = (ipv4 ? 96 : 0) + (guint) prefix;

  /* 10.0.0.1/8 is most likely a typing error: refused, not widened. */
  for (guint bit = network->prefix; bit < 128; bit++)
    if (network->bytes[bit / 8] & (0x80 >> (bit % 8)))
      return invalid (error, entry, "it has bits set past its prefix length");
  return TRUE;
}

char *
north_mcp_trusted_proxies_normalize (const char  *entry,
                                     GError     **error)
{
  g_autofree char *stripped = g_strstrip (g_strdup (entry));
  char text[INET6_ADDRSTRLEN];
  gboolean ipv4;
  guint length;
  Network network;

  if (g_str_equal (stripped, "*"))
    return g_steal_pointer (&stripped);
  if (!parse_network (entry, &network, error))
    return NULL;

  ipv4 = is_ipv4_mapped (network.bytes) && network.prefix >= 96;
  if (ipv4)
    inet_ntop (AF_INET, network.bytes + 12, text, sizeof text);
  else
    inet_ntop (AF_INET6, network.bytes, text, sizeof text);
  length = network.prefix - (ipv4 ? 96 : 0);
  if (network.prefix == 128)
    return g_strdup (text);
  return g_strdup_printf ("%s/%u", text, length);
}

GStrv
north_mcp_trusted_proxies_split (const char  *list,
                                 GError     **error)
{
  g_auto(GStrv) parts = g_strsplit (list, ",", -1);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_autofree char *entry = NULL;

      if (*g_strstrip (parts[i]) == '\0')
        continue;
      if ((entry = north_mcp_trusted_proxies_normalize (parts[i], error)) == NULL)
        return NULL;
      g_strv_builder_add (builder, entry);
    }
  return g_strv_builder_end (builder);
}

NorthMcpTrustedProxies *
north_mcp_trusted_proxies_new (const char * const  *entries,
                               GError             **error)
{
  g_autoptr(NorthMcpTrustedProxies) self = NULL;
  guint n = entries != NULL ? g_strv_length ((char **) entries) : 0;

  if (n == 0)
    return NULL;

  self = g_atomic_rc_box_alloc0 (sizeof (NorthMcpTrustedProxies) + n * sizeof (Network));
  for (guint i = 0; i < n; i++)
    {
      if (g_str_equal (entries[i], "*"))
        self->any = TRUE;
      else if (!parse_network (entries[i], &self->networks[self->n_networks++], error))
        return NULL;
    }
  return g_steal_pointer (&self);
}

NorthMcpTrustedProxies *
north_mcp_trusted_proxies_ref (NorthMcpTrustedProxies *self)
{
  return g_atomic_rc_box_acquire (self);
}

void
north_mcp_trusted_proxies_unref (NorthMcpTrustedProxies *self)
{
  g_atomic_rc_box_release (self);
}

gboolean
north_mcp_trusted_proxies_contains (const NorthMcpTrustedProxies *self,
                                    GInetAddress                 *address)
{
  guint8 bytes[16];

  if (self == NULL)
    return FALSE;
  address_bytes (address, bytes);
  return contains_bytes (self, bytes);
}

static gboolean
is_ows (char c)
{
  return c == ' ' || c == '\t';
}

static GInetAddress *
address_new (const guint8 *bytes)
{
  if (is_ipv4_mapped (bytes))
    return g_inet_address_new_from_bytes (bytes + 12, G_SOCKET_FAMILY_IPV4);
  return g_inet_address_new_from_bytes (bytes, G_SOCKET_FAMILY_IPV6);
}

/* An entry with the spaces around it: an address has 45 characters at
 * most (INET6_ADDRSTRLEN). */
#define MAX_ENTRY_LENGTH 64

/* The walk from the right over @list (the header's lines joined by
 * commas). Each entry is copied to a buffer of the longest address's size
 * and parsed there: no allocation, and past trailing spaces at most
 * NORTH_MCP_FORWARDED_MAX_HOPS times MAX_ENTRY_LENGTH bytes read. */
static GInetAddress *
walk (const NorthMcpTrustedProxies *trusted,
      const char                   *list)
{
  const char *end = list + strlen (list);
  guint8 hop[16], last[16];
  gboolean have_last = FALSE, ipv4;

  for (guint hops = 0; hops < NORTH_MCP_FORWARDED_MAX_HOPS; hops++)
    {
      const char *entry, *start;
      char text[INET6_ADDRSTRLEN];

      while (end > list && is_ows (end[-1]))
        end--;
      entry = end;
      while (entry > list && entry[-1] != ',' && end - entry < MAX_ENTRY_LENGTH)
        entry--;
      if (entry > list && entry[-1] != ',')
        break; /* too long to be an address */
      for (start = entry; start < end && is_ows (*start); start++)
        ;
      if (start == end || end - start >= (gssize) sizeof text)
        break;
      memcpy (text, start, end - start);
      text[end - start] = '\0';
      if (!parse_address (text, hop, &ipv4))
        break;
      if (!contains_bytes (trusted, hop))
        return address_new (hop);
      memcpy (last, hop, sizeof last);
      have_last = TRUE;
      if (entry == list)
        break; /* the leftmost, and all trusted: that one */
      end = entry - 1;
    }
  return have_last ? address_new (last) : NULL;
}

GInetAddress *
north_mcp_http_forwarded_client (const NorthMcpTrustedProxies *trusted,
                                 GInetAddress                 *peer,
                                 SoupMessageHeaders           *headers)
{
  const char *list;

  /* The peer first: an untrusted one's headers are not even looked up. */
  if (!north_mcp_trusted_proxies_contains (trusted, peer) ||
      (list = soup_message_headers_get_list (headers, "X-Forwarded-For")) == NULL)
    return NULL;
  return walk (trusted, list);
}

char *
north_mcp_http_share_key (GInetAddress *address)
{
  char text[INET6_ADDRSTRLEN];
  guint8 bytes[16];

  address_bytes (address, bytes);
  if (is_ipv4_mapped (bytes))
    return g_strdup (inet_ntop (AF_INET, bytes + 12, text, sizeof text));
  memset (bytes + NORTH_MCP_HTTP_IPV6_SHARE_PREFIX / 8, 0, 16 - NORTH_MCP_HTTP_IPV6_SHARE_PREFIX / 8);
  return g_strdup_printf ("%s/%d", inet_ntop (AF_INET6, bytes, text, sizeof text),
                          NORTH_MCP_HTTP_IPV6_SHARE_PREFIX);
}

GSocketAddress *
north_mcp_http_client_address (SoupServerMessage            *msg,
                               const NorthMcpTrustedProxies *trusted)
{
  GSocketAddress *peer = soup_server_message_get_remote_address (msg);
  g_autoptr(GInetAddress) client = NULL;

  if (G_IS_INET_SOCKET_ADDRESS (peer))
    client = north_mcp_http_forwarded_client (trusted,
                                              g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (peer)),
                                              soup_server_message_get_request_headers (msg));
  if (client != NULL)
    return g_inet_socket_address_new (client, 0);
  return peer != NULL ? g_object_ref (peer) : NULL;
}
