/* fuzz-uri-template.c: URI template parsing, matching and expansion
 *
 * Input: the template, a newline, the URI.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>

#include "north-mcp.h"
#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *template_text = NULL;
  g_autofree char *uri = NULL;
  g_autoptr(NorthMcpUriTemplate) template = NULL;
  g_autoptr(GHashTable) values = NULL;
  g_autoptr(GError) error = NULL;
  const char * const *variables;

  fuzz_init ();
  fuzz_split (data, size, &template_text, &uri);

  template = north_mcp_uri_template_new (template_text, &error);
  if (template == NULL)
    {
      if (!g_error_matches (error, NORTH_MCP_ERROR, NORTH_MCP_ERROR_INVALID_ARGUMENT))
        abort ();
      return 0;
    }
  if (strcmp (north_mcp_uri_template_get_template (template), template_text) != 0)
    abort ();

  /* Undefined variables expand to nothing. */
  g_free (north_mcp_uri_template_expand (template, NULL));

  values = north_mcp_uri_template_match (template, uri);
  if (values == NULL)
    return 0;

  /* A match binds every variable to valid UTF-8. */
  variables = north_mcp_uri_template_get_variables (template);
  if (g_hash_table_size (values) != g_strv_length ((char **) variables))
    abort ();
  for (guint i = 0; variables[i] != NULL; i++)
    {
      const char *value = g_hash_table_lookup (values, variables[i]);

      if (value == NULL || *value == '\0' || !g_utf8_validate (value, -1, NULL))
        abort ();
    }

  /* Expanding the values gives a URI that matches again. */
  {
    g_autofree char *expanded = north_mcp_uri_template_expand (template, values);
    g_autoptr(GHashTable) again = NULL;

    if (strlen (expanded) <= NORTH_MCP_URI_TEMPLATE_MAX_URI_LENGTH)
      {
        again = north_mcp_uri_template_match (template, expanded);
        if (again == NULL)
          abort ();
      }
  }

  return 0;
}
