/* test-jsonrpc.c: JSON-RPC 2.0 parsing and classification
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-error.h"
#include "north-mcp-json-reader-private.h"
#include "north-mcp-jsonrpc-private.h"
#include "test-channel.h"

static NorthMcpMessageKind
classify (const char  *json,
          GError     **error)
{
  g_autoptr(JsonNode) node = test_parse_json (json);

  return north_mcp_jsonrpc_classify (node, NULL, error);
}

static void
test_classify_valid (void)
{
  g_assert_cmpint (classify ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", NULL), ==,
                   NORTH_MCP_MESSAGE_REQUEST);
  g_assert_cmpint (classify ("{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"x\",\"params\":{}}", NULL), ==,
                   NORTH_MCP_MESSAGE_REQUEST);
  g_assert_cmpint (classify ("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", NULL), ==,
                   NORTH_MCP_MESSAGE_NOTIFICATION);
  g_assert_cmpint (classify ("{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{}}", NULL), ==,
                   NORTH_MCP_MESSAGE_RESPONSE);
  g_assert_cmpint (classify ("{\"jsonrpc\":\"2.0\",\"id\":3,\"error\":{\"code\":1,\"message\":\"m\"}}", NULL), ==,
                   NORTH_MCP_MESSAGE_RESPONSE);
}

typedef struct {
  const char *json;
  const char *message_part;
} InvalidCase;

static void
test_classify_invalid (void)
{
  static const InvalidCase cases[] = {
    { "[]", "JSON object" },
    { "42", "JSON object" },
    { "\"text\"", "JSON object" },
    { "{\"id\":1,\"method\":\"ping\"}", "\"jsonrpc\" must be exactly \"2.0\"" },
    { "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"ping\"}", "\"jsonrpc\" must be exactly \"2.0\"" },
    { "{\"jsonrpc\":2.0,\"id\":1,\"method\":\"ping\"}", "\"jsonrpc\" must be exactly \"2.0\"" },
    { "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":7}", "\"method\" must be a non-empty string" },
    { "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\"}", "\"method\" must be a non-empty string" },
    { "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":[1,2]}", "\"params\" must be an object" },
    { "{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"x\"}", "\"id\" must be a string or an integer" },
    { "{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"x\"}", "\"id\" must be a string or an integer" },
    { "{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"x\"}", "\"id\" must be a string or an integer" },
    { "{\"jsonrpc\":\"2.0\",\"id\":1}", "needs \"method\", \"result\" or \"error\"" },
    { "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{},\"error\":{}}", "both \"result\" and \"error\"" },
    { "{\"jsonrpc\":\"2.0\",\"result\":{}}", "a response needs a string or integer \"id\"" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_cmpint (classify (cases[i].json, &error), ==, NORTH_MCP_MESSAGE_INVALID);
      g_assert_error (error, NORTH_MCP_JSONRPC_ERROR, NORTH_MCP_JSONRPC_ERROR_INVALID_REQUEST);
      if (strstr (error->message, cases[i].message_part) == NULL)
        g_error ("case %s: message '%s' lacks '%s'", cases[i].json, error->message, cases[i].message_part);
    }
}

static void
test_classify_keeps_readable_id (void)
{
  g_autoptr(JsonNode) node = test_parse_json ("{\"jsonrpc\":\"1.0\",\"id\":\"abc\",\"method\":\"x\"}");
  g_autoptr(GError) error = NULL;
  JsonNode *id = NULL;

  g_assert_cmpint (north_mcp_jsonrpc_classify (node, &id, &error), ==, NORTH_MCP_MESSAGE_INVALID);
  g_assert_nonnull (id);
  g_assert_cmpstr (json_node_get_string (id), ==, "abc");
}

static void
test_parse_errors (void)
{
  static const char * const bad[] = { "", "{", "{\"a\":}", "nul", "{\"a\":1}}", "\xff\xfe" };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = north_mcp_jsonrpc_parse (bad[i], strlen (bad[i]), &error);

      g_assert_null (node);
      g_assert_error (error, NORTH_MCP_JSONRPC_ERROR, NORTH_MCP_JSONRPC_ERROR_PARSE_ERROR);
      g_assert_true (g_str_has_prefix (error->message, "Parse error"));
    }
}

static void
test_error_response_shape (void)
{
  g_autoptr(JsonNode) id = json_node_init_string (json_node_alloc (), "7");
  g_autoptr(JsonNode) with_id = north_mcp_jsonrpc_error_new (id, -32601, "Method not found: x", NULL);
  g_autoptr(JsonNode) without_id = north_mcp_jsonrpc_error_new (NULL, -32700, "Parse error", NULL);
  g_autofree char *a = north_mcp_jsonrpc_to_string (with_id, NULL);
  g_autofree char *b = north_mcp_jsonrpc_to_string (without_id, NULL);

  /* The id keeps its JSON type; an unreadable id is null. */
  g_assert_cmpstr (a, ==, "{\"jsonrpc\":\"2.0\",\"id\":\"7\",\"error\":{\"code\":-32601,\"message\":\"Method not found: x\"}}");
  g_assert_cmpstr (b, ==, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,\"message\":\"Parse error\"}}");
}

static void
test_to_string_is_one_line (void)
{
  g_autoptr(JsonNode) node = test_parse_json ("{\"text\": \"two\\nlines\", \"nested\": {\"a\": [1, 2]}}");
  g_autofree char *line = north_mcp_jsonrpc_to_string (node, NULL);

  g_assert_null (strchr (line, '\n'));
  g_assert_nonnull (strstr (line, "two\\nlines"));
}


/* The envelope-free reader takes exactly the single requests that
 * classify() takes, and leaves everything else to the general path. */
static const char * const fast_requests[] = {
  "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}",
  " {\"method\":\"tools/call\",\"params\":{\"name\":\"add\",\"arguments\":{\"a\":2}},\"id\":\"x\",\"jsonrpc\":\"2.0\"} \n",
  "{\"jsonrpc\":\"2.0\",\"id\":-9223372036854775808,\"method\":\"x\",\"params\":null}",
  "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"x\",\"extra\":[1,{\"y\":null}],\"other\":true}",
  "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"a\":1,\"b\":1,\"c\":1,\"d\":1,\"e\":1,\"f\":1,"
  "\"g\":1,\"h\":1}",
  "{\"jsonrpc\":\"2.0\",\"id\":\"\\u00e9\\ud83d\\ude00\",\"method\":\"\\u0074ools/list\"}",
};

static const char * const not_fast[] = {
  /* not one object */
  "", " ", "[]", "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]", "42", "\"s\"", "null",
  "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"} {}",
  "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}x",
  /* malformed JSON at every stage */
  "{", "{\"jsonrpc\"", "{\"jsonrpc\":", "{\"jsonrpc\":\"2.0\",", "{\"jsonrpc\":\"2.0\" \"id\":1}",
  "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",}", "{jsonrpc:\"2.0\"}",
  "{\"jsonrpc\":\"2.0\",\"id\":01,\"method\":\"ping\"}",
  "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"p\xffng\"}",
  "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"p\\ud800ng\"}",
  "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"p\\u0000ng\"}",
  "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"a\":[1,2}}",
  /* well-formed but not a request */
  "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
  "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{}}",
  "{\"jsonrpc\":\"2.0\",\"id\":3,\"error\":{\"code\":1,\"message\":\"m\"}}",
  "{\"id\":1,\"method\":\"ping\"}",
  "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"ping\"}",
  "{\"jsonrpc\":2.0,\"id\":1,\"method\":\"ping\"}",
  "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":7}",
  "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\"}",
  "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":[1,2]}",
  "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":\"p\"}",
  "{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"x\"}",
  "{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"x\"}",
  "{\"jsonrpc\":\"2.0\",\"id\":true,\"method\":\"x\"}",
  "{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"x\"}",
  /* left to the general path on purpose: repeated members and a
   * request that also carries a response's members */
  "{\"jsonrpc\":\"2.0\",\"id\":1,\"id\":2,\"method\":\"x\"}",
  "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"method\":\"y\"}",
  "{\"jsonrpc\":\"2.0\",\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\"}",
  "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":{},\"params\":{}}",
  /* a repeated member JSON-RPC ignores is still repeated: the general
   * path refuses it (parse error), so the fast one must not take it */
  "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"x\",\"extra\":[1,{\"y\":null}],\"extra\":true}",
  "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"a\":1,\"b\":1,\"c\":1,\"d\":1,\"e\":1,\"f\":1,"
  "\"g\":1,\"h\":1,\"x\":1,\"x\":2}",
  "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"result\":{}}",
};

static void
test_read_request_accepts (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (fast_requests); i++)
    {
      const char *json = fast_requests[i];
      g_auto(NorthMcpJsonrpcRequest) request = { 0, };
      g_autoptr(JsonNode) node = test_parse_json (json);
      JsonNode *id = NULL;
      JsonObject *object = json_node_get_object (node);
      JsonObject *params = json_object_get_member (object, "params") != NULL &&
                           JSON_NODE_HOLDS_OBJECT (json_object_get_member (object, "params"))
                           ? json_object_get_object_member (object, "params") : NULL;

      g_test_message ("%s", json);
      g_assert_cmpint (north_mcp_jsonrpc_classify (node, &id, NULL), ==, NORTH_MCP_MESSAGE_REQUEST);
      g_assert_true (north_mcp_jsonrpc_read_request (json, strlen (json), G_MAXUINT64, &request));
      g_assert_true (json_node_equal (request.id, id));
      g_assert_cmpstr (request.method, ==, json_object_get_string_member (object, "method"));
      if (params == NULL)
        g_assert_null (request.params);
      else
        g_assert_true (json_object_equal (request.params, params));
    }
}

static void
test_read_request_declines (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (not_fast); i++)
    {
      const char *json = not_fast[i];
      g_auto(NorthMcpJsonrpcRequest) request = { 0, };
      /* Escaped: one of them is not UTF-8, which TAP cannot carry. */
      g_autofree char *shown = g_strescape (json, NULL);

      g_test_message ("%s", shown);
      g_assert_false (north_mcp_jsonrpc_read_request (json, strlen (json), G_MAXUINT64, &request));
      /* Whatever was read before giving up is freed by the clear. */
    }
}

/* Nesting beyond the limit is refused here as by the general reader. */
static void
test_read_request_depth (void)
{
  g_autoptr(GString) json = g_string_new ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":{\"a\":");
  g_auto(NorthMcpJsonrpcRequest) request = { 0, };

  for (guint i = 0; i < 100000; i++)
    g_string_append_c (json, '[');
  g_assert_false (north_mcp_jsonrpc_read_request (json->str, json->len, G_MAXUINT64, &request));
}

/* The stdio transport reads the id back from a response sent as text. */
static void
test_result_text_id (void)
{
  const char *ids[] = { "7", "-12", "\"a\"", "\"a\\\",\\\\\"", "\"\\u00e9,\"" };

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autoptr(JsonNode) id = north_mcp_json_read (ids[i], strlen (ids[i]), 1, NULL);
      g_autoptr(GString) text = north_mcp_jsonrpc_begin_result_text (id);
      g_autoptr(JsonNode) back = NULL;

      g_assert_nonnull (id);
      g_string_append (text, "{}}");
      back = north_mcp_jsonrpc_read_result_text_id (text->str, text->len);
      g_assert_nonnull (back);
      g_assert_true (json_node_equal (id, back));
    }

  g_assert_null (north_mcp_jsonrpc_read_result_text_id ("{\"id\":1}", 8));
  g_assert_null (north_mcp_jsonrpc_read_result_text_id ("{\"jsonrpc\":\"2.0\",\"id\":\"x", 24));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/jsonrpc/classify/valid", test_classify_valid);
  g_test_add_func ("/jsonrpc/classify/invalid", test_classify_invalid);
  g_test_add_func ("/jsonrpc/classify/readable-id", test_classify_keeps_readable_id);
  g_test_add_func ("/jsonrpc/parse/errors", test_parse_errors);
  g_test_add_func ("/jsonrpc/read-request/accepts", test_read_request_accepts);
  g_test_add_func ("/jsonrpc/read-request/declines", test_read_request_declines);
  g_test_add_func ("/jsonrpc/read-request/depth", test_read_request_depth);
  g_test_add_func ("/jsonrpc/error-response", test_error_response_shape);
  g_test_add_func ("/jsonrpc/one-line", test_to_string_is_one_line);
  g_test_add_func ("/jsonrpc/result-text-id", test_result_text_id);

  return g_test_run ();
}
