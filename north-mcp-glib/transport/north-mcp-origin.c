/* north-mcp-origin.c: Origin and Host checks (DNS rebinding) and CORS
 * answers for browser clients
 *
 * A web page can make a browser send requests to any address, including a
 * server on the user's own machine or inside a private network (and, with
 * DNS rebinding, under a name the attacker controls). The browser always
 * says which page asks, in `Origin`, and which name it resolved, in `Host`:
 * the MCP endpoints answer only names and pages they were told to trust.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-error.h"
#include "north-mcp-origin-private.h"
#include "north-mcp-util-private.h"

/* How long a browser may reuse a preflight answer (browsers cap it lower:
 * Chromium at 2 hours). */
#define PREFLIGHT_MAX_AGE_S "86400"
/* What a browser client sends beyond the CORS-safelisted headers. */
#define ALLOWED_REQUEST_HEADERS \
  "Content-Type, Accept, Authorization, Mcp-Session-Id, MCP-Protocol-Version, " \
  "Last-Event-ID, X-North-ID-Token, X-North-Server-Secret, X-North-Connector-Tokens, " \
  "X-North-User-Email"
#define EXPOSED_RESPONSE_HEADERS "Mcp-Session-Id, MCP-Protocol-Version"
/* X-North-Context-* names are free-form: a preflight's requested ones are
 * echoed, up to this many. */
#define MAX_ECHOED_CONTEXT_HEADERS 64

static const char * const loopback_names[] = { "localhost", "127.0.0.1", "[::1]" };

static gboolean
is_loopback_name (const char *name,
                  gsize       length)
{
  for (guint i = 0; i < G_N_ELEMENTS (loopback_names); i++)
    if (north_mcp_ascii_equal_caseless (name, length, loopback_names[i]))
      return TRUE;

  return FALSE;
}

/* Letters, digits, `.`, `-`, `_` (a DNS name or IPv4 address) without an
 * empty label but the root's (a trailing `.`), or an IPv6 address in
 * brackets. ("a.." would lose one dot to normalization, then another.) */
static gboolean
is_host_name (const char *name,
              gsize       length)
{
  gboolean bracketed = length >= 2 && name[0] == '[' && name[length - 1] == ']';

  if (length == 0 || (!bracketed && name[0] == '.'))
    return FALSE;

  for (gsize i = bracketed ? 1 : 0; i < (bracketed ? length - 1 : length); i++)
    {
      char c = name[i];

      if (!(g_ascii_isalnum (c) || c == '.' || c == '-' || c == '_' ||
            (bracketed && c == ':')))
        return FALSE;
      if (!bracketed && c == '.' && i > 0 && name[i - 1] == '.')
        return FALSE;
    }

  return TRUE;
}

/* 1 to 65535 in decimal; no allocation, this runs on every request. */
static gboolean
is_port (const char *text,
         gsize       length)
{
  guint value = 0;

  if (length == 0 || length > 5)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    {
      if (!g_ascii_isdigit (text[i]))
        return FALSE;
      value = value * 10 + (guint) (text[i] - '0');
    }

  return value >= 1 && value <= 65535;
}

/* Splits `name[:port]` (name possibly `[v6]`); FALSE if malformed. The name
 * loses one trailing `.` (an absolute DNS name is the same name). */
static gboolean
split_host (const char  *host,
            gsize       *name_length,
            const char **port,
            gsize       *port_length)
{
  const char *end = host + strlen (host);
  const char *colon;

  if (host[0] == '[')
    {
      const char *close = strchr (host, ']');

      if (close == NULL)
        return FALSE;
      colon = close[1] == ':' ? close + 1 : NULL;
      if (colon == NULL && close[1] != '\0')
        return FALSE;
    }
  else
    {
      colon = strchr (host, ':');
      if (colon != NULL && strchr (colon + 1, ':') != NULL)
        return FALSE;
    }

  *name_length = (gsize) ((colon != NULL ? colon : end) - host);
  *port = colon != NULL ? colon + 1 : NULL;
  *port_length = colon != NULL ? (gsize) (end - colon - 1) : 0;
  if (!is_host_name (host, *name_length))
    return FALSE;
  if (*name_length > 1 && host[*name_length - 1] == '.' && host[0] != '[')
    (*name_length)--;

  return colon == NULL || is_port (*port, *port_length);
}

char *
north_mcp_origin_normalize_host (const char  *host,
                                 GError     **error)
{
  gsize name_length, port_length;
  const char *port;
  g_autofree char *name = NULL;

  g_return_val_if_fail (host != NULL, NULL);

  if (!split_host (host, &name_length, &port, &port_length))
    {
      g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT,
                   "“%s” is not a host: use NAME or NAME:PORT", host);
      return NULL;
    }

  name = g_ascii_strdown (host, (gssize) name_length);
  if (port == NULL)
    return g_steal_pointer (&name);
  return g_strdup_printf ("%s:%.*s", name, (int) port_length, port);
}

char *
north_mcp_origin_normalize (const char  *origin,
                            GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autofree char *scheme = NULL;
  g_autofree char *host = NULL;
  const char *path;
  int port;

  g_return_val_if_fail (origin != NULL, NULL);

  uri = g_uri_parse (origin, G_URI_FLAGS_NONE, NULL);
  path = uri != NULL ? g_uri_get_path (uri) : NULL;
  if (uri == NULL || g_uri_get_host (uri) == NULL ||
      g_uri_get_userinfo (uri) != NULL || g_uri_get_query (uri) != NULL ||
      g_uri_get_fragment (uri) != NULL ||
      (path != NULL && *path != '\0' && strcmp (path, "/") != 0))
    {
      g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT,
                   "“%s” is not an origin: use SCHEME://HOST[:PORT]", origin);
      return NULL;
    }

  scheme = g_ascii_strdown (g_uri_get_scheme (uri), -1);
  host = strchr (g_uri_get_host (uri), ':') != NULL
    ? g_strdup_printf ("[%s]", g_uri_get_host (uri))
    : g_strdup (g_uri_get_host (uri));
  if (!is_host_name (host, strlen (host)))
    {
      g_set_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT,
                   "“%s” is not an origin: the host is not a DNS name or IP address", origin);
      return NULL;
    }
  for (char *p = host; *p != '\0'; p++)
    *p = g_ascii_tolower (*p);

  port = g_uri_get_port (uri);
  if (port == -1 ||
      (port == 80 && strcmp (scheme, "http") == 0) ||
      (port == 443 && strcmp (scheme, "https") == 0))
    return g_strdup_printf ("%s://%s", scheme, host);
  return g_strdup_printf ("%s://%s:%d", scheme, host, port);
}

gboolean
north_mcp_origin_host_allowed (const char         *host,
                               const char * const *allowed,
                               gboolean            loopback)
{
  gsize name_length, port_length;
  const char *port;

  g_return_val_if_fail (host != NULL, FALSE);

  if (!split_host (host, &name_length, &port, &port_length))
    return FALSE;

  if (loopback && is_loopback_name (host, name_length))
    return TRUE;

  for (guint i = 0; allowed != NULL && allowed[i] != NULL; i++)
    {
      const char *entry = allowed[i];
      gsize entry_name_length, entry_port_length;
      const char *entry_port;

      if (!split_host (entry, &entry_name_length, &entry_port, &entry_port_length) ||
          entry_name_length != name_length ||
          g_ascii_strncasecmp (entry, host, name_length) != 0)
        continue;
      /* An entry without a port admits any. */
      if (entry_port == NULL ||
          (port != NULL && entry_port_length == port_length &&
           memcmp (entry_port, port, port_length) == 0))
        return TRUE;
    }

  return FALSE;
}

gboolean
north_mcp_origin_allowed (const char         *origin,
                          const char * const *allowed,
                          gboolean            loopback)
{
  g_autofree char *normalized = NULL;

  g_return_val_if_fail (origin != NULL, FALSE);

  normalized = north_mcp_origin_normalize (origin, NULL);
  if (normalized == NULL)
    return FALSE;

  if (allowed != NULL && g_strv_contains (allowed, normalized))
    return TRUE;

  if (loopback && (g_str_has_prefix (normalized, "http://") || g_str_has_prefix (normalized, "https://")))
    {
      const char *host = strstr (normalized, "://") + 3;
      gsize name_length, port_length;
      const char *port;

      return split_host (host, &name_length, &port, &port_length) &&
             is_loopback_name (host, name_length);
    }

  return FALSE;
}

static gboolean
is_token (const char *text,
          gsize       length)
{
  for (gsize i = 0; i < length; i++)
    if (!(g_ascii_isalnum (text[i]) || text[i] == '-' || text[i] == '_'))
      return FALSE;

  return length > 0;
}

char *
north_mcp_origin_allowed_request_headers (SoupMessageHeaders *request_headers)
{
  const char *requested = soup_message_headers_get_list (request_headers,
                                                         "Access-Control-Request-Headers");
  GString *out = g_string_new (ALLOWED_REQUEST_HEADERS);
  g_auto(GStrv) names = NULL;
  guint echoed = 0;

  if (requested == NULL)
    return g_string_free (out, FALSE);

  names = g_strsplit (requested, ",", -1);
  for (guint i = 0; names[i] != NULL && echoed < MAX_ECHOED_CONTEXT_HEADERS; i++)
    {
      const char *name = g_strstrip (names[i]);

      if (g_ascii_strncasecmp (name, "x-north-context-", 16) == 0 &&
          is_token (name, strlen (name)))
        {
          g_string_append_printf (out, ", %s", name);
          echoed++;
        }
    }

  return g_string_free (out, FALSE);
}

void
north_mcp_origin_answer_preflight (SoupServerMessage *msg,
                                   const char        *origin)
{
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);
  g_autofree char *headers = north_mcp_origin_allowed_request_headers (request);
  const char *private_network;

  soup_message_headers_replace (response, "Access-Control-Allow-Origin", origin);
  soup_message_headers_replace (response, "Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS");
  soup_message_headers_replace (response, "Access-Control-Allow-Headers", headers);
  soup_message_headers_replace (response, "Access-Control-Expose-Headers", EXPOSED_RESPONSE_HEADERS);
  soup_message_headers_replace (response, "Access-Control-Max-Age", PREFLIGHT_MAX_AGE_S);
  soup_message_headers_append (response, "Vary", "Origin");

  /* Private Network Access: a public page reaching a private address asks
   * first; the origin is trusted, so the answer is yes. */
  private_network = soup_message_headers_get_one (request, "Access-Control-Request-Private-Network");
  if (private_network != NULL && g_ascii_strcasecmp (private_network, "true") == 0)
    soup_message_headers_replace (response, "Access-Control-Allow-Private-Network", "true");

  soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
}

void
north_mcp_origin_add_cors_headers (SoupMessageHeaders *response_headers,
                                   const char         *origin)
{
  soup_message_headers_replace (response_headers, "Access-Control-Allow-Origin", origin);
  soup_message_headers_replace (response_headers, "Access-Control-Expose-Headers", EXPOSED_RESPONSE_HEADERS);
  soup_message_headers_append (response_headers, "Vary", "Origin");
}
