/* test-client-address.c: the client behind trusted proxies
 * (north-mcp-http-client-address.c: forwarded-allow-ips entries and the
 * walk over X-Forwarded-For, the share a client counts in) and the
 * forwarded-allow-ips property
 *
 * SPDX-License-Identifier: MIT
 */
#include <north-mcp.h>

#include "north-mcp-http-client-address-private.h"

static void
test_normalize (void)
{
  const struct { const char *in, *out; } good[] = {
    { "127.0.0.1", "127.0.0.1" },
    { " ::1 ", "::1" },
    { "*", "*" },
    { "10.0.0.0/8", "10.0.0.0/8" },
    { "10.1.2.3/32", "10.1.2.3" },
    { "0.0.0.0/0", "0.0.0.0/0" },
    { "FD00::/8", "fd00::/8" },
    { "2001:DB8:0:0::1", "2001:db8::1" },
    { "::/0", "::/0" },
    { "::ffff:10.0.0.1", "10.0.0.1" },
    { "::ffff:10.0.0.0/104", "10.0.0.0/8" },
  };
  const char * const bad[] = {
    "", "localhost", "10.0.0.1/8", "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/+8", "10.0.0.0/-1",
    "1.2.3.4:80", "[::1]", "fe80::1%eth0", "1.2.3", "010.0.0.1", "10.0.0.0/8/8", "**",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *out = north_mcp_trusted_proxies_normalize (good[i].in, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (out, ==, good[i].out);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *out = north_mcp_trusted_proxies_normalize (bad[i], &error);

      if (out != NULL)
        g_error ("'%s' accepted as '%s'", bad[i], out);
      g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT);
    }
}

static void
test_split (void)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) ips = north_mcp_trusted_proxies_split (" 127.0.0.1, 10.0.0.0/8,,FD00::/8 ,", &error);
  g_auto(GStrv) none = north_mcp_trusted_proxies_split ("", &error);
  g_auto(GStrv) refused = NULL;
  const char * const expected[] = { "127.0.0.1", "10.0.0.0/8", "fd00::/8", NULL };

  g_assert_no_error (error);
  g_assert_true (g_strv_equal ((const char * const *) ips, expected));
  g_assert_cmpuint (g_strv_length (none), ==, 0);
  refused = north_mcp_trusted_proxies_split ("127.0.0.1, proxy.example", &error);
  g_assert_null (refused);
  g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "proxy.example"));
}

static gboolean
contains (const NorthMcpTrustedProxies *trusted,
          const char                   *address)
{
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (address);

  g_assert_nonnull (inet);
  return north_mcp_trusted_proxies_contains (trusted, inet);
}

static NorthMcpTrustedProxies *
trusted_new (const char *list)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) entries = g_strsplit (list, " ", -1);
  NorthMcpTrustedProxies *trusted = north_mcp_trusted_proxies_new ((const char * const *) entries, &error);

  g_assert_no_error (error);
  return trusted;
}

static void
test_networks (void)
{
  g_autoptr(NorthMcpTrustedProxies) trusted = trusted_new ("10.0.0.0/9 2001:db8::/29 192.0.2.1");
  g_autoptr(NorthMcpTrustedProxies) everyone = trusted_new ("*");
  g_autoptr(GError) error = NULL;
  const char *invalid[] = { "127.0.0.1", "nope", NULL };
  const struct { const char *address; gboolean trusted; } cases[] = {
    { "10.0.0.0", TRUE }, { "10.127.255.255", TRUE }, { "10.128.0.0", FALSE }, { "11.0.0.0", FALSE },
    { "2001:db8::1", TRUE }, { "2001:dbf:ffff::1", TRUE }, { "2001:dc0::", FALSE },
    { "192.0.2.1", TRUE }, { "192.0.2.2", FALSE },
    /* An IPv4 peer of a dual-stack socket is its IPv4 address. */
    { "::ffff:192.0.2.1", TRUE }, { "::192.0.2.1", FALSE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    if (contains (trusted, cases[i].address) != cases[i].trusted)
      g_error ("%s %s", cases[i].address, cases[i].trusted ? "not trusted" : "trusted");
  g_assert_true (contains (everyone, "203.0.113.9"));
  g_assert_true (contains (everyone, "::1"));

  /* None: nobody is trusted. */
  g_assert_null (north_mcp_trusted_proxies_new (NULL, &error));
  g_assert_no_error (error);
  g_assert_false (contains (NULL, "127.0.0.1"));
  g_assert_null (north_mcp_trusted_proxies_new (invalid, &error));
  g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT);
}

/* The client of a request from @peer with an X-Forwarded-For line per
 * entry of @lines (NULL-terminated), by a server trusting @trusted
 * (entries separated by spaces), as a string; NULL when it is @peer. */
static char *
client_of (const char  *trusted_list,
           const char  *peer,
           const char **lines)
{
  g_autoptr(NorthMcpTrustedProxies) trusted = trusted_new (trusted_list);
  g_autoptr(SoupMessageHeaders) headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  g_autoptr(GInetAddress) peer_address = g_inet_address_new_from_string (peer);
  g_autoptr(GInetAddress) client = NULL;

  for (guint i = 0; lines != NULL && lines[i] != NULL; i++)
    soup_message_headers_append (headers, "X-Forwarded-For", lines[i]);
  client = north_mcp_http_forwarded_client (trusted, peer_address, headers);
  return client != NULL ? g_inet_address_to_string (client) : NULL;
}

#define LINES(...) ((const char *[]) { __VA_ARGS__, NULL })

static void
check_client (const char  *trusted,
              const char  *peer,
              const char **lines,
              const char  *expected)
{
  g_autofree char *client = client_of (trusted, peer, lines);

  if (g_strcmp0 (client, expected) != 0)
    g_error ("trusting %s, from %s with X-Forwarded-For: %s: %s, expected %s", trusted, peer,
             lines != NULL ? lines[0] : "(none)", client != NULL ? client : "the peer",
             expected != NULL ? expected : "the peer");
}

static void
test_walk (void)
{
  /* A peer that is not trusted is the client, whatever it says. */
  check_client ("10.0.0.0/8", "192.0.2.1", LINES ("203.0.113.5"), NULL);
  check_client ("127.0.0.1 ::1", "127.0.0.2", LINES ("203.0.113.5"), NULL);
  /* A trusted one without the header too. */
  check_client ("10.0.0.0/8", "10.0.0.1", NULL, NULL);

  check_client ("10.0.0.0/8", "10.0.0.1", LINES ("203.0.113.5"), "203.0.113.5");
  check_client ("10.0.0.0/8", "10.0.0.1", LINES ("203.0.113.5, 10.1.1.1, 10.2.2.2"), "203.0.113.5");
  check_client ("10.0.0.0/8", "10.0.0.1", LINES (" 203.0.113.5 ,\t10.1.1.1\t"), "203.0.113.5");
  /* Spoofed entries, left of the address the first proxy appended, are
   * not reached, trusted-looking or not. */
  check_client ("10.0.0.0/8", "10.0.0.1", LINES ("10.6.6.6, 198.51.100.1, 203.0.113.5, 10.1.1.1"),
                "203.0.113.5");
  check_client ("10.0.0.0/8", "10.0.0.1", LINES ("garbage, 203.0.113.5"), "203.0.113.5");
  /* All trusted: the leftmost (the client is a proxy's host itself). */
  check_client ("10.0.0.0/8", "10.0.0.1", LINES ("10.9.9.9, 10.1.1.1"), "10.9.9.9");
  check_client ("127.0.0.1", "127.0.0.1", LINES ("127.0.0.1"), "127.0.0.1");
  /* `*`: every hop is trusted, so the leftmost, as uvicorn. */
  check_client ("*", "192.0.2.1", LINES ("198.51.100.1, 203.0.113.5"), "198.51.100.1");

  /* IPv6, and IPv4 through a dual-stack socket or mapped in the header. */
  check_client ("fd00::/8", "fd00::1", LINES ("2001:db8::7, fd12::3"), "2001:db8::7");
  check_client ("127.0.0.1 ::1", "::ffff:127.0.0.1", LINES ("203.0.113.5"), "203.0.113.5");
  check_client ("127.0.0.1 ::1", "::1", LINES ("::ffff:203.0.113.5"), "203.0.113.5");
  check_client ("127.0.0.1 ::1", "::1", LINES ("2001:DB8::0:7"), "2001:db8::7");

  /* Every line, in order, as one list. */
  check_client ("10.0.0.0/8", "10.0.0.1", LINES ("203.0.113.5, 10.1.1.1", "10.2.2.2"), "203.0.113.5");
  check_client ("10.0.0.0/8", "10.0.0.1", LINES ("198.51.100.1", "203.0.113.5"), "203.0.113.5");
  check_client ("10.0.0.0/8", "10.0.0.1", LINES ("10.3.3.3", "10.4.4.4"), "10.3.3.3");
}

static void
check_share_key (const char *address,
                 const char *expected)
{
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (address);
  g_autofree char *key = north_mcp_http_share_key (inet);

  g_assert_cmpstr (key, ==, expected);
}

/* A client's share is its IPv4 address, or its IPv6 address's /64: one
 * IPv6 client may pick any of 2^64 addresses. */
static void
test_share_key (void)
{
  check_share_key ("192.0.2.1", "192.0.2.1");
  check_share_key ("::ffff:192.0.2.1", "192.0.2.1");
  check_share_key ("2001:db8:1:2::1", "2001:db8:1:2::/64");
  check_share_key ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64");
  check_share_key ("2001:db8:1:3::1", "2001:db8:1:3::/64");
  check_share_key ("::1", "::/64");
  check_share_key ("fe80::1234:5678", "fe80::/64");
}

static void
test_malformed (void)
{
  /* A malformed hop ends the walk: the client is the proxy that took the
   * request from it (the last good hop), or the peer. */
  check_client ("10.0.0.0/8", "10.0.0.1", LINES ("203.0.113.5, unknown, 10.1.1.1"), "10.1.1.1");
  check_client ("10.0.0.0/8", "10.0.0.1", LINES ("203.0.113.5, unknown"), NULL);
  check_client ("10.0.0.0/8", "10.0.0.1", LINES ("203.0.113.5:4711"), NULL);
  check_client ("10.0.0.0/8", "10.0.0.1", LINES ("[2001:db8::7]"), NULL);
  check_client ("10.0.0.0/8", "10.0.0.1", LINES ("fe80::1%eth0"), NULL);
  check_client ("10.0.0.0/8", "10.0.0.1", LINES ("proxy.example"), NULL);
  check_client ("10.0.0.0/8", "10.0.0.1", LINES (""), NULL);
  check_client ("10.0.0.0/8", "10.0.0.1", LINES ("   "), NULL);
  check_client ("10.0.0.0/8", "10.0.0.1", LINES ("203.0.113.5,"), NULL);
  check_client ("10.0.0.0/8", "10.0.0.1", LINES ("203.0.113.5,,10.1.1.1"), "10.1.1.1");
  check_client ("10.0.0.0/8", "10.0.0.1", LINES ("203.0.113.5 10.1.1.1"), NULL);
  check_client ("10.0.0.0/8", "10.0.0.1", LINES ("2001:db8::7,10.1.1.1\x01"), NULL);
  check_client ("10.0.0.0/8", "10.0.0.1", LINES (",10.1.1.1"), "10.1.1.1");

  /* An entry longer than any address, spaces included. */
  {
    g_autofree char *spaces = g_strnfill (70, ' ');
    g_autofree char *digits = g_strnfill (100000, '1');
    g_autofree char *padded = g_strconcat ("203.0.113.5,", spaces, "10.1.1.1", NULL);
    g_autofree char *long_entry = g_strconcat ("203.0.113.5, ", digits, ", 10.1.1.1", NULL);

    check_client ("10.0.0.0/8", "10.0.0.1", LINES (padded), NULL);
    check_client ("10.0.0.0/8", "10.0.0.1", LINES (long_entry), "10.1.1.1");
  }
}

/* "203.0.113.5, 10.0.0.1, ..., 10.0.0.@trusted_hops" (in base 256) */
static char *
chain (guint trusted_hops)
{
  GString *list = g_string_new ("203.0.113.5");

  for (guint i = 1; i <= trusted_hops; i++)
    g_string_append_printf (list, ", 10.%u.%u.%u", i / 65536, i / 256 % 256, i % 256);
  return g_string_free (list, FALSE);
}

static void
test_too_many_hops (void)
{
  g_autofree char *longest = chain (NORTH_MCP_FORWARDED_MAX_HOPS - 1);
  g_autofree char *too_long = chain (NORTH_MCP_FORWARDED_MAX_HOPS);
  g_autofree char *flood = chain (100000);
  g_autofree char *last_looked_at = NULL;

  /* The client behind 31 trusted hops is still found... */
  check_client ("10.0.0.0/8", "10.0.0.1", LINES (longest), "203.0.113.5");
  /* ...behind 32 the walk ends at the last one it looked at: a trusted
   * proxy, never an entry that no trusted hop wrote. */
  check_client ("10.0.0.0/8", "10.0.0.1", LINES (too_long), "10.0.0.1");
  last_looked_at = g_strdup_printf ("10.%u.%u.%u", (100000 - NORTH_MCP_FORWARDED_MAX_HOPS + 1) / 65536,
                                    (100000 - NORTH_MCP_FORWARDED_MAX_HOPS + 1) / 256 % 256,
                                    (100000 - NORTH_MCP_FORWARDED_MAX_HOPS + 1) % 256);
  check_client ("10.0.0.0/8", "10.0.0.1", LINES (flood), last_looked_at);
}

/* The property: canonical entries, invalid ones ignored with a warning,
 * loopback by default. */
static void
test_property (void)
{
  g_autoptr(NorthMcpServer) server = north_mcp_server_new ("proxies", "1.0");
  const char * const loopback[] = { "127.0.0.1", "::1", NULL };
  const char * const set[] = { "10.0.0.0/8", "proxy.example", " FD00::/8", NULL };
  const char * const expected[] = { "10.0.0.0/8", "fd00::/8", NULL };
  g_auto(GStrv) read = NULL;

  g_assert_true (g_strv_equal (north_mcp_server_get_forwarded_allow_ips (server), loopback));
  g_test_expect_message ("NorthMcp", G_LOG_LEVEL_WARNING, "*proxy.example*");
  north_mcp_server_set_forwarded_allow_ips (server, set);
  g_test_assert_expected_messages ();
  g_object_get (server, "forwarded-allow-ips", &read, NULL);
  g_assert_true (g_strv_equal ((const char * const *) read, expected));
  north_mcp_server_set_forwarded_allow_ips (server, NULL);
  g_assert_null (north_mcp_server_get_forwarded_allow_ips (server));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/client-address/normalize", test_normalize);
  g_test_add_func ("/client-address/split", test_split);
  g_test_add_func ("/client-address/networks", test_networks);
  g_test_add_func ("/client-address/walk", test_walk);
  g_test_add_func ("/client-address/share-key", test_share_key);
  g_test_add_func ("/client-address/malformed", test_malformed);
  g_test_add_func ("/client-address/too-many-hops", test_too_many_hops);
  g_test_add_func ("/client-address/property", test_property);

  return g_test_run ();
}
