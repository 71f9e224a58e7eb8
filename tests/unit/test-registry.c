/* test-registry.c: the generic feature registry keeps the order features
 * were added, replaces by key in place, and finds and removes by key.
 *
 * SPDX-License-Identifier: MIT
 */
#include <north-mcp.h>

#include "north-mcp-registry-private.h"

static const char *
name_key (gpointer object)
{
  return north_mcp_feature_get_name (object);
}

static NorthMcpPrompt *
prompt (const char *name,
        const char *description)
{
  return north_mcp_prompt_new (name, description);
}

static void
assert_names (NorthMcpRegistry *registry,
              const char       *expected)
{
  GPtrArray *array = north_mcp_registry_get_array (registry);
  g_autoptr(GString) names = g_string_new (NULL);

  for (guint i = 0; i < array->len; i++)
    g_string_append_printf (names, "%s%s", i > 0 ? " " : "",
                            north_mcp_feature_get_name (g_ptr_array_index (array, i)));
  g_assert_cmpstr (names->str, ==, expected);
  g_assert_cmpuint (north_mcp_registry_get_size (registry), ==, array->len);
}

static void
test_order_and_replace (void)
{
  g_autoptr(NorthMcpRegistry) registry = north_mcp_registry_new (name_key);
  g_autoptr(NorthMcpPrompt) a = prompt ("a", "first");
  g_autoptr(NorthMcpPrompt) b = prompt ("b", NULL);
  g_autoptr(NorthMcpPrompt) c = prompt ("c", NULL);
  g_autoptr(NorthMcpPrompt) a2 = prompt ("a", "second");
  g_autoptr(GPtrArray) list = NULL;

  north_mcp_registry_add (registry, a);
  north_mcp_registry_add (registry, b);
  north_mcp_registry_add (registry, c);
  assert_names (registry, "a b c");

  /* Same key: replaced where it was, not appended. */
  north_mcp_registry_add (registry, a2);
  assert_names (registry, "a b c");
  g_assert_true (north_mcp_registry_lookup (registry, "a") == a2);
  g_assert_cmpstr (north_mcp_feature_get_description (g_ptr_array_index (north_mcp_registry_get_array (registry), 0)),
                   ==, "second");

  /* The old object's key string is gone with it; the map must not use it. */
  g_clear_object (&a);
  g_assert_true (north_mcp_registry_lookup (registry, "a") == a2);

  g_assert_false (north_mcp_registry_remove (registry, "missing"));
  g_assert_true (north_mcp_registry_remove (registry, "b"));
  g_assert_null (north_mcp_registry_lookup (registry, "b"));
  assert_names (registry, "a c");

  /* A list holds its own references. */
  list = north_mcp_registry_list (registry);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_true (north_mcp_registry_remove (registry, "c"));
  g_assert_cmpstr (north_mcp_feature_get_name (g_ptr_array_index (list, 1)), ==, "c");
  assert_names (registry, "a");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/registry/order-and-replace", test_order_and_replace);

  return g_test_run ();
}
