/* north-mcp-dbus-xml.c: a D-Bus service's introspection XML, checked
 * before GDBus parses it
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "north-mcp-dbus-xml-private.h"

/* What an element is, as a bit: where each may stand is a set of these. */
enum {
  ROOT       = 1 << 0,
  NODE       = 1 << 1,
  INTERFACE  = 1 << 2,
  MEMBER     = 1 << 3,  /* method, signal */
  PROPERTY   = 1 << 4,
  ARG        = 1 << 5,
  ANNOTATION = 1 << 6,
  OTHER      = 1 << 7,  /* not D-Bus's (documentation, say) */
  IGNORED    = 1 << 8,  /* qualified, or inside one: GDBus skips them */
};

static const struct {
  const char *name;
  guint       kind;
  guint       parents;
} elements[] = {
  { "node", NODE, ROOT | NODE },
  { "interface", INTERFACE, NODE },
  { "method", MEMBER, INTERFACE },
  { "signal", MEMBER, INTERFACE },
  { "property", PROPERTY, INTERFACE },
  { "arg", ARG, MEMBER },
  { "annotation", ANNOTATION, NODE | INTERFACE | MEMBER | PROPERTY | ARG | ANNOTATION },
};

typedef struct {
  GArray *kinds;  /* guint: the open elements' kinds, innermost last */
} Check;

static void
check_start (GMarkupParseContext  *context,
             const char           *name,
             const char          **attribute_names,
             const char          **attribute_values,
             gpointer              user_data,
             GError              **error)
{
  Check *check = user_data;
  guint parent = check->kinds->len > 0 ? g_array_index (check->kinds, guint, check->kinds->len - 1) : ROOT;
  guint kind = OTHER;
  guint parents = OTHER | NODE | INTERFACE | MEMBER | PROPERTY | ARG | ANNOTATION;

  /* GDBus reads with G_MARKUP_IGNORE_QUALIFIED: a qualified element
   * (documentation in a namespace, say) and all it holds never reach its
   * parser, whatever their names; they only count for the depth. */
  if (parent == IGNORED || strchr (name, ':') != NULL)
    {
      kind = IGNORED;
      parents = G_MAXUINT;
    }
  else
    for (guint i = 0; i < G_N_ELEMENTS (elements); i++)
      if (strcmp (name, elements[i].name) == 0)
        {
          kind = elements[i].kind;
          parents = elements[i].parents;
          break;
        }

  if (check->kinds->len >= NORTH_MCP_DBUS_XML_MAX_DEPTH)
    g_set_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT,
                 "Elements nest deeper than %d", NORTH_MCP_DBUS_XML_MAX_DEPTH);
  else if ((parents & parent) == 0 && parent == ROOT)
    g_set_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT,
                 "<%s> cannot be the top element (<node> is)", name);
  else if ((parents & parent) == 0)
    g_set_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT,
                 "<%s> cannot stand inside <%s>", name,
                 (const char *) g_markup_parse_context_get_element_stack (context)->next->data);
  else
    g_array_append_val (check->kinds, kind);
}

static void
check_end (GMarkupParseContext  *context,
           const char           *name,
           gpointer              user_data,
           GError              **error)
{
  Check *check = user_data;

  g_array_set_size (check->kinds, check->kinds->len - 1);
}

GDBusNodeInfo *
north_mcp_dbus_node_info_new (const char  *xml,
                              GError     **error)
{
  static const GMarkupParser parser = { check_start, check_end, NULL, NULL, NULL };
  Check check = { g_array_new (FALSE, FALSE, sizeof (guint)) };
  g_autoptr(GMarkupParseContext) context = g_markup_parse_context_new (&parser, 0, &check, NULL);
  gboolean ok;

  g_return_val_if_fail (xml != NULL, NULL);

  ok = g_markup_parse_context_parse (context, xml, -1, error) &&
       g_markup_parse_context_end_parse (context, error);
  g_array_unref (check.kinds);
  if (!ok)
    return NULL;

  return g_dbus_node_info_new_for_xml (xml, error);
}
