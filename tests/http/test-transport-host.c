/* test-transport-host.c: the HTTP transport on a host that is not a
 * NorthMcpServer
 *
 * The transport must need nothing of the core but NorthMcpTransportHost:
 * a small host here serves it, answering every request with its method,
 * and the tests check that each step of a request (settings, routes,
 * sessions, dispatch) asks the host and follows what it says.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include "north-mcp-http-transport-private.h"
#include "north-mcp-session-private.h"
#include "test-http-client.h"

#define ACCEPT_BOTH "application/json, text/event-stream"
#define MAX_BODY 2048

/* ------------------------------------------------------------------ */
/* The host                                                            */

#define TEST_TYPE_HOST (test_host_get_type ())
G_DECLARE_FINAL_TYPE (TestHost, test_host, TEST, HOST, GObject)

struct _TestHost
{
  GObject     parent_instance;

  GHashTable *sessions;   /* id -> NorthMcpSession */
  GPtrArray  *methods;    /* char *: what was handled, in order */
  guint       next_id;
  guint       opened;
  guint       closed;
  guint       routes;     /* calls of /ready */
  gboolean    full;       /* open_session() says max-sessions */
};

static const char * const host_versions[] = { "2025-06-18", NULL };

static void
host_get_settings (NorthMcpTransportHost     *host,
                   NorthMcpTransportSettings *settings)
{
  memset (settings, 0, sizeof *settings);
  settings->name = "test-host";
  settings->path = "/rpc";
  settings->protocol_versions = host_versions;
  settings->max_body_size = MAX_BODY;
  settings->max_unsent_bytes = 1024 * 1024;
  settings->idle_timeout = 60;
  settings->workers = 1;
  settings->health_check = TRUE;
}

static gboolean
host_has_route (NorthMcpTransportHost *host,
                const char            *path)
{
  return g_str_equal (path, "/ready");
}

static gboolean
host_call_route (NorthMcpTransportHost *host,
                 SoupServerMessage     *msg,
                 const char            *path,
                 NorthMcpUser          *user)
{
  if (!g_str_equal (path, "/ready"))
    return FALSE;

  TEST_HOST (host)->routes++;
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "ready", 5);
  return TRUE;
}

static NorthMcpSession *
host_open_session (NorthMcpTransportHost  *host,
                   NorthMcpUser           *owner,
                   GError                **error)
{
  TestHost *self = TEST_HOST (host);
  NorthMcpSession *session;
  char *id;

  if (self->full)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_BUSY, "full");
      return NULL;
    }

  id = g_strdup_printf ("host-session-%u", ++self->next_id);
  session = north_mcp_session_new (id, NULL);
  north_mcp_session_set_protocol_version (session, "2025-06-18");
  g_hash_table_insert (self->sessions, id, session);
  self->opened++;
  return session;
}

static NorthMcpSession *
host_find_session (NorthMcpTransportHost *host,
                   const char            *id,
                   NorthMcpUser          *user)
{
  return g_hash_table_lookup (TEST_HOST (host)->sessions, id);
}

static void
host_close_session (NorthMcpTransportHost *host,
                    NorthMcpSession       *session)
{
  TestHost *self = TEST_HOST (host);

  if (g_hash_table_remove (self->sessions, north_mcp_session_get_id (session)))
    self->closed++;
}

static guint
host_check_headers (NorthMcpTransportHost           *host,
                    SoupMessageHeaders              *headers,
                    const NorthMcpRevision2026Head  *head,
                    JsonNode                        *message,
                    JsonNode                       **response_out)
{
  return 0;
}

/* Answers a request with {"method": METHOD, "session": ID or null}. */
static guint
answer (TestHost        *self,
        NorthMcpSession *session,
        JsonNode        *id,
        const char      *method,
        NorthMcpChannel *channel)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) result = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonNode) response = NULL;

  g_ptr_array_add (self->methods, g_strdup (method));
  if (id == NULL)
    return 0;

  json_object_set_string_member (object, "method", method);
  if (session != NULL)
    json_object_set_string_member (object, "session", north_mcp_session_get_id (session));
  else
    json_object_set_null_member (object, "session");
  json_node_set_object (result, object);
  response = north_mcp_jsonrpc_result_new (id, result);
  north_mcp_channel_send (channel, response);
  return 1;
}

static guint
host_handle_message (NorthMcpTransportHost *host,
                     NorthMcpSession       *session,
                     NorthMcpUser          *user,
                     JsonNode              *message,
                     NorthMcpChannel       *channel)
{
  JsonObject *object = json_node_get_object (message);

  return answer (TEST_HOST (host), session, json_object_get_member (object, "id"),
                 json_object_get_string_member (object, "method"), channel);
}

static guint
host_handle_request (NorthMcpTransportHost  *host,
                     NorthMcpSession        *session,
                     NorthMcpUser           *user,
                     NorthMcpJsonrpcRequest *request,
                     NorthMcpChannel        *channel)
{
  return answer (TEST_HOST (host), session, request->id, request->method, channel);
}

static void G_GNUC_PRINTF (2, 0)
host_debug (NorthMcpTransportHost *host,
            const char            *format,
            va_list                args)
{
}

static void
test_host_iface_init (NorthMcpTransportHostInterface *iface)
{
  iface->get_settings = host_get_settings;
  iface->has_route = host_has_route;
  iface->call_route = host_call_route;
  iface->open_session = host_open_session;
  iface->find_session = host_find_session;
  iface->close_session = host_close_session;
  iface->check_headers = host_check_headers;
  iface->handle_message = host_handle_message;
  iface->handle_request = host_handle_request;
  iface->debug = host_debug;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (TestHost, test_host, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (NORTH_MCP_TYPE_TRANSPORT_HOST,
                                                      test_host_iface_init))

static void
test_host_finalize (GObject *object)
{
  TestHost *self = TEST_HOST (object);

  g_hash_table_unref (self->sessions);
  g_ptr_array_unref (self->methods);

  G_OBJECT_CLASS (test_host_parent_class)->finalize (object);
}

static void
test_host_class_init (TestHostClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_host_finalize;
}

static void
test_host_init (TestHost *self)
{
  self->sessions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->methods = g_ptr_array_new_with_free_func (g_free);
}

/* ------------------------------------------------------------------ */
/* Fixture                                                             */

typedef struct {
  TestHost              *host;
  NorthMcpHttpTransport *transport;
  SoupSession           *session;
  char                  *base;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->host = g_object_new (TEST_TYPE_HOST, NULL);
  f->session = soup_session_new_with_options ("proxy-resolver", NULL, NULL);
  f->transport = north_mcp_http_transport_new (NORTH_MCP_TRANSPORT_HOST (f->host));
  g_assert_true (north_mcp_http_transport_listen (f->transport, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  f->base = g_strdup_printf ("http://127.0.0.1:%u", north_mcp_http_transport_get_port (f->transport));
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  test_http_shutdown (&f->transport, &f->session);
  g_clear_object (&f->host);
  g_free (f->base);
}

/* @method on @path with @body (NULL: none) and the header pairs in
 * @headers (NULL-terminated); the answer's body is reply_text(). */
static SoupMessage *
request (Fixture            *f,
         const char         *method,
         const char         *path,
         const char         *body,
         const char * const *headers)
{
  g_autofree char *uri = g_strconcat (f->base, path, NULL);
  SoupMessage *msg = soup_message_new (method, uri);
  SoupMessageHeaders *request_headers = soup_message_get_request_headers (msg);

  for (guint i = 0; headers != NULL && headers[i] != NULL; i += 2)
    soup_message_headers_replace (request_headers, headers[i], headers[i + 1]);
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));

      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }

  g_object_set_data_full (G_OBJECT (msg), "reply", test_http_send_and_read (f->session, msg),
                          (GDestroyNotify) g_bytes_unref);
  return msg;
}

/* The body of @msg's answer (NUL-terminated by libsoup). */
static const char *
reply_text (SoupMessage *msg)
{
  return g_bytes_get_data (g_object_get_data (G_OBJECT (msg), "reply"), NULL);
}

static const char *
reply_header (SoupMessage *msg,
              const char  *name)
{
  return soup_message_headers_get_one (soup_message_get_response_headers (msg), name);
}

#define INITIALIZE "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":" \
  "{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}"
#define CALL "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"x\"}}"

/* initialize opens a session at the host; its id is the header's. */
static char *
initialize (Fixture *f)
{
  const char *headers[] = { "Accept", ACCEPT_BOTH, NULL };
  g_autoptr(SoupMessage) reply = request (f, "POST", "/rpc", INITIALIZE, headers);
  const char *id = reply_header (reply, "Mcp-Session-Id");

  g_assert_cmpuint (soup_message_get_status (reply), ==, 200);
  g_assert_nonnull (strstr (reply_text (reply), "\"method\":\"initialize\""));
  g_assert_nonnull (id);
  g_assert_true (g_hash_table_contains (f->host->sessions, id));
  return g_strdup (id);
}

/* ------------------------------------------------------------------ */
/* Tests                                                               */

/* The host's path, not the server default, is the MCP endpoint. */
static void
test_host_path (Fixture       *f,
                gconstpointer  data)
{
  const char *headers[] = { "Accept", ACCEPT_BOTH, NULL };
  g_autoptr(SoupMessage) mcp = request (f, "POST", "/mcp", INITIALIZE, headers);
  g_autofree char *id = NULL;

  g_assert_cmpuint (soup_message_get_status (mcp), ==, 404);
  g_assert_cmpuint (f->host->methods->len, ==, 0);

  id = initialize (f);
  g_assert_cmpstr (id, ==, "host-session-1");
  g_assert_cmpuint (f->host->opened, ==, 1);
}

/* A request of a session reaches the host with that session; an unknown
 * id does not reach it at all. */
static void
test_host_sessions (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *id = initialize (f);
  const char *known[] = { "Accept", ACCEPT_BOTH, "Mcp-Session-Id", id,
                          "MCP-Protocol-Version", "2025-06-18", NULL };
  const char *unknown[] = { "Accept", ACCEPT_BOTH, "Mcp-Session-Id", "not-a-session",
                            "MCP-Protocol-Version", "2025-06-18", NULL };
  g_autoptr(SoupMessage) call = NULL;
  g_autoptr(SoupMessage) lost = NULL;
  g_autoptr(SoupMessage) deleted = NULL;
  g_autoptr(SoupMessage) after = NULL;
  g_autofree char *expected = g_strdup_printf ("\"session\":\"%s\"", id);

  call = request (f, "POST", "/rpc", CALL, known);
  g_assert_cmpuint (soup_message_get_status (call), ==, 200);
  g_assert_nonnull (strstr (reply_text (call), "\"method\":\"tools/call\""));
  g_assert_nonnull (strstr (reply_text (call), expected));

  lost = request (f, "POST", "/rpc", CALL, unknown);
  g_assert_cmpuint (soup_message_get_status (lost), ==, 404);
  g_assert_cmpuint (f->host->methods->len, ==, 2);

  deleted = request (f, "DELETE", "/rpc", NULL, known);
  g_assert_cmpuint (soup_message_get_status (deleted), ==, 200);
  g_assert_cmpuint (f->host->closed, ==, 1);
  g_assert_false (g_hash_table_contains (f->host->sessions, id));

  after = request (f, "POST", "/rpc", CALL, known);
  g_assert_cmpuint (soup_message_get_status (after), ==, 404);
}

/* The revisions a client may name are the host's. */
static void
test_host_versions (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *id = initialize (f);
  const char *other[] = { "Accept", ACCEPT_BOTH, "Mcp-Session-Id", id,
                          "MCP-Protocol-Version", "2025-03-26", NULL };
  g_autoptr(SoupMessage) reply = request (f, "POST", "/rpc", CALL, other);

  g_assert_cmpuint (soup_message_get_status (reply), ==, 400);
  g_assert_nonnull (strstr (reply_text (reply), "Unsupported protocol version: 2025-03-26"));
}

/* A host that refuses a session for its limit: 503 with Retry-After, on
 * the Streamable HTTP and the legacy endpoint. */
static void
test_host_full (Fixture       *f,
                gconstpointer  data)
{
  const char *headers[] = { "Accept", ACCEPT_BOTH, NULL };
  const char *sse[] = { "Accept", "text/event-stream", NULL };
  g_autoptr(SoupMessage) reply = NULL;
  g_autoptr(SoupMessage) legacy = NULL;

  f->host->full = TRUE;
  reply = request (f, "POST", "/rpc", INITIALIZE, headers);
  g_assert_cmpuint (soup_message_get_status (reply), ==, 503);
  g_assert_cmpstr (reply_header (reply, "Retry-After"), ==, "30");
  g_assert_null (reply_header (reply, "Mcp-Session-Id"));

  legacy = request (f, "GET", "/sse", NULL, sse);
  g_assert_cmpuint (soup_message_get_status (legacy), ==, 503);
  g_assert_cmpstr (reply_header (legacy, "Retry-After"), ==, "30");
  g_assert_cmpuint (f->host->methods->len, ==, 0);
}

/* The body limit is the host's. */
static void
test_host_body_limit (Fixture       *f,
                      gconstpointer  data)
{
  const char *headers[] = { "Accept", ACCEPT_BOTH, NULL };
  g_autoptr(GString) body = g_string_new ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"pad\":\"");
  g_autoptr(SoupMessage) reply = NULL;

  while (body->len <= MAX_BODY)
    g_string_append_c (body, 'x');
  g_string_append (body, "\"}}");
  reply = request (f, "POST", "/rpc", body->str, headers);
  g_assert_cmpuint (soup_message_get_status (reply), ==, 413);
  g_assert_cmpuint (f->host->methods->len, ==, 0);
}

/* Custom routes are the host's; one trailing slash is the host's
 * business too. */
static void
test_host_routes (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(SoupMessage) ready = request (f, "GET", "/ready", NULL, NULL);
  g_autoptr(SoupMessage) missing = request (f, "GET", "/missing", NULL, NULL);
  g_autoptr(SoupMessage) health = request (f, "GET", "/health", NULL, NULL);

  g_assert_cmpuint (soup_message_get_status (ready), ==, 200);
  g_assert_cmpstr (reply_text (ready), ==, "ready");
  g_assert_cmpuint (f->host->routes, ==, 1);
  g_assert_cmpuint (soup_message_get_status (missing), ==, 404);
  g_assert_cmpuint (soup_message_get_status (health), ==, 200);
}

/* The transport holds the host weakly: once it is gone, requests are
 * refused, not served from freed memory. */
static void
test_host_gone (Fixture       *f,
                gconstpointer  data)
{
  const char *headers[] = { "Accept", ACCEPT_BOTH, NULL };
  g_autoptr(SoupMessage) reply = NULL;

  g_clear_object (&f->host);
  reply = request (f, "POST", "/rpc", INITIALIZE, headers);
  g_assert_cmpuint (soup_message_get_status (reply), ==, 503);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) \
  g_test_add ("/transport-host/" name, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("path", test_host_path);
  ADD ("sessions", test_host_sessions);
  ADD ("versions", test_host_versions);
  ADD ("full", test_host_full);
  ADD ("body-limit", test_host_body_limit);
  ADD ("routes", test_host_routes);
  ADD ("gone", test_host_gone);
#undef ADD

  return g_test_run ();
}
