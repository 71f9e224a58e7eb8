/* test-uri-template.c: RFC 6570 level 1 URI templates
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include "north-mcp.h"

static NorthMcpUriTemplate *
template_new (const char *text)
{
  g_autoptr(GError) error = NULL;
  NorthMcpUriTemplate *self = north_mcp_uri_template_new (text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (self);
  return self;
}

static void
assert_invalid (const char *text,
                const char *message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NorthMcpUriTemplate) self = north_mcp_uri_template_new (text, &error);

  g_assert_null (self);
  g_assert_error (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT);
  if (strstr (error->message, message) == NULL)
    g_error ("template %s: message '%s' lacks '%s'", text, error->message, message);
}

/* @expected: NULL for no match, else "name=value" pairs joined by '&'. */
static void
assert_match (const char *text,
              const char *uri,
              const char *expected)
{
  g_autoptr(NorthMcpUriTemplate) self = template_new (text);
  g_autoptr(GHashTable) values = north_mcp_uri_template_match (self, uri);

  if (expected == NULL)
    {
      if (values != NULL)
        g_error ("template %s unexpectedly matched %s", text, uri);
      return;
    }

  if (values == NULL)
    g_error ("template %s did not match %s", text, uri);

  {
    g_auto(GStrv) pairs = g_strsplit (expected, "&", -1);

    g_assert_cmpuint (g_hash_table_size (values), ==, g_strv_length (pairs));
    for (guint i = 0; pairs[i] != NULL; i++)
      {
        g_auto(GStrv) kv = g_strsplit (pairs[i], "=", 2);

        g_assert_cmpstr (g_hash_table_lookup (values, kv[0]), ==, kv[1]);
      }
  }
}

static void
test_parse (void)
{
  g_autoptr(NorthMcpUriTemplate) self = template_new ("test://template/{id}/data");
  g_autoptr(NorthMcpUriTemplate) twice = template_new ("x://{a}/{b.c}/{a}/{_9}");
  g_autoptr(NorthMcpUriTemplate) plain = template_new ("file:///etc/hosts");
  g_autoptr(NorthMcpUriTemplate) empty = template_new ("");
  g_autoptr(NorthMcpUriTemplate) copy = NULL;
  const char * const *variables;

  g_assert_cmpstr (north_mcp_uri_template_get_template (self), ==, "test://template/{id}/data");
  variables = north_mcp_uri_template_get_variables (self);
  g_assert_cmpuint (g_strv_length ((char **) variables), ==, 1);
  g_assert_cmpstr (variables[0], ==, "id");

  variables = north_mcp_uri_template_get_variables (twice);
  g_assert_cmpuint (g_strv_length ((char **) variables), ==, 3);
  g_assert_cmpstr (variables[0], ==, "a");
  g_assert_cmpstr (variables[1], ==, "b.c");
  g_assert_cmpstr (variables[2], ==, "_9");

  g_assert_cmpuint (g_strv_length ((char **) north_mcp_uri_template_get_variables (plain)), ==, 0);
  g_assert_cmpuint (g_strv_length ((char **) north_mcp_uri_template_get_variables (empty)), ==, 0);

  /* Percent-encoded triplets are allowed in names and literals. */
  g_clear_pointer (&copy, north_mcp_uri_template_unref);
  copy = template_new ("a%20b/{x%41y}");
  g_assert_cmpstr (north_mcp_uri_template_get_variables (copy)[0], ==, "x%41y");
  /* Non-ASCII literals (IRIs). */
  g_clear_pointer (&copy, north_mcp_uri_template_unref);
  copy = template_new ("r\xc3\xa9sum\xc3\xa9://{id}");

  /* Reference counting and the boxed type. */
  g_clear_pointer (&copy, north_mcp_uri_template_unref);
  copy = g_boxed_copy (NORTH_MCP_TYPE_URI_TEMPLATE, self);
  g_assert_true (copy == self);
  g_boxed_free (NORTH_MCP_TYPE_URI_TEMPLATE, copy);
  copy = north_mcp_uri_template_ref (self);
  g_assert_true (copy == self);
}

static void
test_invalid (void)
{
  assert_invalid ("test://{id", "unterminated expression at offset 7");
  assert_invalid ("{", "unterminated expression at offset 0");
  assert_invalid ("test://id}", "unbalanced '}' at offset 9");
  assert_invalid ("}{a}", "unbalanced '}' at offset 0");
  assert_invalid ("a/{}", "empty variable name at offset 2");
  assert_invalid ("{a{b}}", "'{' inside an expression at offset 2");
  assert_invalid ("{{a}}", "'{' inside an expression at offset 1");
  assert_invalid ("{+path}", "operator '+' at offset 1 needs RFC 6570 level 2");
  assert_invalid ("{#frag}", "operator '#' at offset 1 needs RFC 6570 level 2");
  assert_invalid ("x{.dom}", "operator '.' at offset 2 needs RFC 6570 level 3");
  assert_invalid ("x{/seg}", "operator '/' at offset 2 needs RFC 6570 level 3");
  assert_invalid ("x{;p}", "operator ';' at offset 2 needs RFC 6570 level 3");
  assert_invalid ("x{?q}", "operator '?' at offset 2 needs RFC 6570 level 3");
  assert_invalid ("x{&q}", "operator '&' at offset 2 needs RFC 6570 level 3");
  assert_invalid ("x{=q}", "reserved operator '=' at offset 2");
  assert_invalid ("x{!q}", "reserved operator '!'");
  assert_invalid ("x{@q}", "reserved operator '@'");
  assert_invalid ("x{|q}", "reserved operator '|'");
  assert_invalid ("{a,b}", "variable lists at offset 2 need RFC 6570 level 3");
  assert_invalid ("{a:3}", "modifier ':' at offset 2 needs RFC 6570 level 4");
  assert_invalid ("{list*}", "modifier '*' at offset 5 needs RFC 6570 level 4");
  assert_invalid ("{a-b}", "invalid character '-' in variable name at offset 2");
  assert_invalid ("{a b}", "invalid character 0x20 in variable name at offset 2");
  assert_invalid ("{\xc3\xa9}", "invalid character U+00E9 in variable name at offset 1");
  assert_invalid ("{a.}", "misplaced '.' in variable name at offset 2");
  assert_invalid ("{a..b}", "misplaced '.' in variable name at offset 2");
  assert_invalid ("{a%2}", "invalid percent-encoding in variable name at offset 2");
  assert_invalid ("{a%}", "invalid percent-encoding in variable name at offset 2");
  assert_invalid ("{%zz}", "invalid percent-encoding in variable name at offset 1");
  assert_invalid ("a%2", "invalid percent-encoding at offset 1");
  assert_invalid ("a%", "invalid percent-encoding at offset 1");
  assert_invalid ("a%g0", "invalid percent-encoding at offset 1");
  assert_invalid ("a b/{x}", "character 0x20 at offset 1 is not allowed in a URI");
  assert_invalid ("a\tb", "character 0x09 at offset 1");
  assert_invalid ("a<b", "character '<' at offset 1");
  assert_invalid ("a\"b", "character '\"' at offset 1");
  assert_invalid ("a|b", "character '|' at offset 1");
  assert_invalid ("a\\b", "character '\\' at offset 1");
  assert_invalid ("\xff{x}", "not valid UTF-8");
  assert_invalid ("a\xc3", "not valid UTF-8");

  /* Too many expressions. */
  {
    GString *many = g_string_new (NULL);

    for (guint i = 0; i < 65; i++)
      g_string_append_printf (many, "{v%u}/", i);
    assert_invalid (many->str, "more than 64 expressions");
    g_string_free (many, TRUE);
  }
  {
    GString *enough = g_string_new (NULL);
    g_autoptr(NorthMcpUriTemplate) self = NULL;

    for (guint i = 0; i < 64; i++)
      g_string_append_printf (enough, "{v%u}/", i);
    self = template_new (enough->str);
    g_assert_cmpuint (g_strv_length ((char **) north_mcp_uri_template_get_variables (self)), ==, 64);
    g_string_free (enough, TRUE);
  }
}

static void
test_match (void)
{
  assert_match ("test://template/{id}/data", "test://template/42/data", "id=42");
  assert_match ("test://template/{id}/data", "test://template/a%20b/data", "id=a b");
  assert_match ("test://template/{id}/data", "test://template/a%2Fb/data", "id=a/b");
  assert_match ("test://template/{id}/data", "test://template/%C3%A9/data", "id=\xc3\xa9");
  assert_match ("test://template/{id}/data", "test://template/\xc3\xa9/data", "id=\xc3\xa9");
  assert_match ("test://template/{id}/data", "test://template//data", NULL);
  assert_match ("test://template/{id}/data", "test://template/a/b/data", NULL);
  assert_match ("test://template/{id}/data", "test://template/42/data/", NULL);
  assert_match ("test://template/{id}/data", "test://template/42/dat", NULL);
  assert_match ("test://template/{id}/data", "test://template/42", NULL);
  assert_match ("test://template/{id}/data", "TEST://template/42/data", NULL);
  assert_match ("test://template/{id}/data", "other://x", NULL);
  assert_match ("test://template/{id}/data", "", NULL);
  assert_match ("test://template/{id}/data", "test://template/4?2/data", NULL);
  assert_match ("test://template/{id}/data", "test://template/4#2/data", NULL);
  /* Query and fragment characters end a variable; literals may hold them. */
  assert_match ("s://{a}?q={b}", "s://x?q=y", "a=x&b=y");
  assert_match ("s://{a}#{b}", "s://x#y", "a=x&b=y");
  assert_match ("s://{a}", "s://x=y,z;w", "a=x=y,z;w");

  assert_match ("{a}", "x", "a=x");
  assert_match ("{a}", "", NULL);
  assert_match ("{a}", "/", NULL);
  assert_match ("", "", "");
  assert_match ("", "x", NULL);
  assert_match ("file:///etc/hosts", "file:///etc/hosts", "");

  /* Several variables; the same variable twice must agree. */
  assert_match ("x://{a}/{b}/{a}", "x://1/2/1", "a=1&b=2");
  assert_match ("x://{a}/{b}/{a}", "x://1/2/3", NULL);
  assert_match ("x://{a}/{a}", "x://%41/A", "a=A");

  /* Ambiguous splits: the earlier variable takes the shortest value. */
  assert_match ("x://{a}{b}", "x://abc", "a=a&b=bc");
  assert_match ("x://{a}.{b}", "x://a.b.c", "a=a&b=b.c");
  assert_match ("x://{a}b", "x://abab", "a=aba");
  assert_match ("x://{a}{b}", "x://%41%42", "a=A&b=B");
  assert_match ("x://{a}{b}", "x://\xc3\xa9\xc3\xa9", "a=\xc3\xa9&b=\xc3\xa9");
  assert_match ("x://{a}{b}", "x://a", NULL);
  /* ...but never splits an encoded character. */
  assert_match ("x://{a}{b}", "x://%C3%A9x", "a=\xc3\xa9&b=x");
  assert_match ("x://{a}{b}", "x://%F0%9F%98%80%C3%A9", "a=\xf0\x9f\x98\x80&b=\xc3\xa9");
  assert_match ("x://{a}{b}", "x://%C3%A9", NULL);
  assert_match ("x://{a}{b}", "x://%C3%A9%C3", NULL);
}

static void
test_match_hostile (void)
{
  /* Broken percent-escapes are not values. */
  assert_match ("t://{id}", "t://%", NULL);
  assert_match ("t://{id}", "t://%4", NULL);
  assert_match ("t://{id}", "t://a%4", NULL);
  assert_match ("t://{id}", "t://%4g", NULL);
  assert_match ("t://{id}", "t://%%41", NULL);
  assert_match ("t://{id}/x", "t://%4/x", NULL);
  /* NUL and invalid UTF-8 after decoding. */
  assert_match ("t://{id}", "t://a%00b", NULL);
  assert_match ("t://{id}", "t://%FF", NULL);
  assert_match ("t://{id}", "t://%C3", NULL);
  assert_match ("t://{id}", "t://%C3%28", NULL);
  assert_match ("t://{id}", "t://%ED%A0%80", NULL);  /* a surrogate */
  /* Invalid UTF-8 in the URI itself. */
  assert_match ("t://{id}", "t://\xff", NULL);
  assert_match ("t://{id}", "t://a\xc3", NULL);
  assert_match ("t://{id}", "t://\xc0\xaf", NULL);
  /* A repeated variable is compared in the shortest split only. */
  assert_match ("t://{a}-{a}", "t://x-x", "a=x");
  assert_match ("t://{a}-{a}", "t://x-y-x-y", NULL);
  /* Decoded values are the client's: a '/' or ".." the doc warns of. */
  assert_match ("t://{name}", "t://..%2F..%2Fetc", "name=../../etc");
  assert_match ("t://{name}", "t://%2E%2E", "name=..");
  /* Braces in the URI are ordinary characters. */
  assert_match ("t://{id}", "t://{id}", "id={id}");
  assert_match ("t://{id}", "t://{{}}", "id={{}}");

  /* Long URIs: linear work, and a cap. */
  {
    gsize n = NORTH_MCP_URI_TEMPLATE_MAX_URI_LENGTH - 4;
    g_autofree char *uri = g_malloc (n + 5);
    g_autoptr(NorthMcpUriTemplate) self = template_new ("t://{a}{b}{c}{d}{e}{f}{g}{h}x");
    g_autoptr(GHashTable) values = NULL;

    memcpy (uri, "t://", 4);
    memset (uri + 4, 'a', n);
    uri[n + 4] = '\0';
    /* Ends in 'a', not 'x': a backtracking matcher would try ~n^8 splits. */
    values = north_mcp_uri_template_match (self, uri);
    g_assert_null (values);

    uri[n + 3] = 'x';
    values = north_mcp_uri_template_match (self, uri);
    g_assert_nonnull (values);
    g_assert_cmpstr (g_hash_table_lookup (values, "a"), ==, "a");
    g_assert_cmpuint (strlen (g_hash_table_lookup (values, "h")), ==, n - 8);
    g_clear_pointer (&values, g_hash_table_unref);

    /* One byte over the cap never matches. */
    uri = g_realloc (uri, n + 6);
    memset (uri + 4, 'a', n + 1);
    uri[n + 4] = 'x';
    uri[n + 5] = '\0';
    g_assert_cmpuint (strlen (uri), ==, NORTH_MCP_URI_TEMPLATE_MAX_URI_LENGTH + 1);
    values = north_mcp_uri_template_match (self, uri);
    g_assert_null (values);
  }
}

static void
test_expand (void)
{
  g_autoptr(NorthMcpUriTemplate) self = template_new ("test://template/{id}/data{suffix}");
  g_autoptr(GHashTable) values = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) matched = NULL;
  g_autofree char *uri = NULL;

  g_hash_table_insert (values, "id", "a b/c?d#e%f\xc3\xa9-._~Z9");
  uri = north_mcp_uri_template_expand (self, values);
  g_assert_cmpstr (uri, ==, "test://template/a%20b%2Fc%3Fd%23e%25f%C3%A9-._~Z9/data");

  /* Expansion then matching gives the values back. */
  g_hash_table_insert (values, "suffix", ".json");
  g_free (uri);
  uri = north_mcp_uri_template_expand (self, values);
  g_assert_cmpstr (uri, ==, "test://template/a%20b%2Fc%3Fd%23e%25f%C3%A9-._~Z9/data.json");
  matched = north_mcp_uri_template_match (self, uri);
  g_assert_nonnull (matched);
  g_assert_cmpstr (g_hash_table_lookup (matched, "id"), ==, "a b/c?d#e%f\xc3\xa9-._~Z9");
  g_assert_cmpstr (g_hash_table_lookup (matched, "suffix"), ==, ".json");

  /* Undefined variables expand to nothing. */
  g_free (uri);
  uri = north_mcp_uri_template_expand (self, NULL);
  g_assert_cmpstr (uri, ==, "test://template//data");

  /* Literals are copied as they are. */
  {
    g_autoptr(NorthMcpUriTemplate) literal = template_new ("a%20b/{x}?q=1&r=\xc3\xa9");
    g_autofree char *out = north_mcp_uri_template_expand (literal, values);

    g_assert_cmpstr (out, ==, "a%20b/?q=1&r=\xc3\xa9");
  }
}

static void
test_gtype (void)
{
  GType type = north_mcp_uri_template_get_type ();

  g_assert_true (G_TYPE_IS_BOXED (type));
  g_assert_cmpstr (g_type_name (type), ==, "NorthMcpUriTemplate");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/uri-template/parse", test_parse);
  g_test_add_func ("/uri-template/invalid", test_invalid);
  g_test_add_func ("/uri-template/match", test_match);
  g_test_add_func ("/uri-template/match-hostile", test_match_hostile);
  g_test_add_func ("/uri-template/expand", test_expand);
  g_test_add_func ("/uri-template/gtype", test_gtype);

  return g_test_run ();
}
