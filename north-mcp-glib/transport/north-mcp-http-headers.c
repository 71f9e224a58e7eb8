/* north-mcp-http-headers.c: the request headers the HTTP transport checks
 * before authentication and dispatch
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-http-answers-private.h"
#include "north-mcp-http-headers-private.h"
#include "north-mcp-http-listener-private.h"
#include "north-mcp-origin-private.h"
#include "north-mcp-util-private.h"

void
north_mcp_http_parse_accept (const char *accept,
                             gboolean   *json,
                             gboolean   *sse)
{
  const char *p = accept;

  *json = accept == NULL;
  *sse = FALSE;

  while (p != NULL && *p != '\0')
    {
      const char *start, *end;

      while (*p == ' ' || *p == '\t' || *p == ',')
        p++;
      start = p;
      while (*p != '\0' && *p != ',' && *p != ';')
        p++;
      end = p;
      while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
        end--;

      if (north_mcp_ascii_equal_caseless (start, end - start, "application/json") ||
          north_mcp_ascii_equal_caseless (start, end - start, "application/*") ||
          north_mcp_ascii_equal_caseless (start, end - start, "*/*"))
        *json = TRUE;
      else if (north_mcp_ascii_equal_caseless (start, end - start, "text/event-stream"))
        *sse = TRUE;

      /* Skip parameters up to the next media range. */
      while (*p != '\0' && *p != ',')
        p++;
    }
}


/* 403 for a Host or Origin (@what) that is not allowed; the log line
 * repeats only the start of the client's @value. */
static gboolean
refuse (NorthMcpHttpTransport *self,
        SoupServerMessage     *msg,
        const char            *what,
        const char            *value,
        const char            *message)
{
  g_autofree char *echo = north_mcp_echo (value);

  north_mcp_transport_host_debug (self->host, "Rejected request with %s %s (not an allowed %s)", what, echo, what);
  north_mcp_http_respond_jsonrpc_error (msg, SOUP_STATUS_FORBIDDEN, NULL, NORTH_MCP_HTTP_TRANSPORT_ERROR, message);
  return FALSE;
}

gboolean
north_mcp_http_check_origin_and_host (NorthMcpHttpTransport *self,
                                      SoupServerMessage     *msg)
{
  const char * const *allowed_hosts = self->settings.allowed_hosts;
  const char *origin, *host;

  /* Each as a list: when a header comes more than once, all its values
   * are checked together (and fail), not only the last one. */
  host = north_mcp_http_field (self, msg, NORTH_MCP_HTTP_FIELD_HOST);
  if (host != NULL && (allowed_hosts != NULL || self->loopback) &&
      !north_mcp_origin_host_allowed (host, allowed_hosts, self->loopback))
    return refuse (self, msg, "host", host, "Forbidden: Host header not allowed (see --allowed-host)");

  origin = north_mcp_http_field (self, msg, NORTH_MCP_HTTP_FIELD_ORIGIN);
  if (origin == NULL)
    return TRUE;

  if (!north_mcp_origin_allowed (origin, self->settings.allowed_origins, self->loopback))
    return refuse (self, msg, "origin", origin, "Forbidden: Origin not allowed (see --allowed-origin)");

  if (soup_server_message_get_method (msg) == SOUP_METHOD_OPTIONS)
    {
      north_mcp_origin_answer_preflight (msg, origin);
      return FALSE;
    }

  north_mcp_origin_add_cors_headers (soup_server_message_get_response_headers (msg), origin);
  return TRUE;
}

const char *
north_mcp_http_field (NorthMcpHttpTransport *self,
                      SoupServerMessage     *msg,
                      NorthMcpHttpField      field)
{
  NorthMcpHttpHead scratch;

  return north_mcp_http_head_get (north_mcp_http_listener_head (self->listener, msg, &scratch),
                                  soup_server_message_get_request_headers (msg), field);
}

guint
north_mcp_http_field_count (NorthMcpHttpTransport *self,
                            SoupServerMessage     *msg,
                            NorthMcpHttpField      field)
{
  NorthMcpHttpHead scratch;

  return north_mcp_http_listener_head (self->listener, msg, &scratch)->counts[field];
}

void
north_mcp_http_revision_2026_head (NorthMcpHttpTransport    *self,
                                   SoupServerMessage        *msg,
                                   NorthMcpRevision2026Head *out)
{
  static const NorthMcpHttpField fields[NORTH_MCP_REVISION_2026_N_HEADERS] = {
    [NORTH_MCP_REVISION_2026_HEADER_VERSION] = NORTH_MCP_HTTP_FIELD_PROTOCOL_VERSION,
    [NORTH_MCP_REVISION_2026_HEADER_METHOD] = NORTH_MCP_HTTP_FIELD_METHOD,
    [NORTH_MCP_REVISION_2026_HEADER_NAME] = NORTH_MCP_HTTP_FIELD_NAME,
  };
  NorthMcpHttpHead scratch;
  const NorthMcpHttpHead *head = north_mcp_http_listener_head (self->listener, msg, &scratch);

  /* The last copy of each, as soup_message_headers_get_one() gives it. */
  for (guint i = 0; i < NORTH_MCP_REVISION_2026_N_HEADERS; i++)
    {
      out->values[i] = head->values[fields[i]];
      out->copies[i] = head->counts[fields[i]];
    }
  out->params = head->params;
}

gboolean
north_mcp_http_check_protocol_version (NorthMcpHttpTransport *self,
                                       SoupServerMessage     *msg,
                                       const char            *version)
{
  g_autofree char *echo = NULL;
  g_autofree char *text = NULL;

  if (version == NULL || g_strv_contains (self->settings.protocol_versions, version))
    return TRUE;

  echo = north_mcp_echo (version);
  text = g_strdup_printf ("Bad Request: Unsupported protocol version: %s", echo);
  north_mcp_http_respond_jsonrpc_error (msg, SOUP_STATUS_BAD_REQUEST, NULL,
                                        NORTH_MCP_HTTP_TRANSPORT_ERROR, text);
  return FALSE;
}
