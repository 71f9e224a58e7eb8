/* test-dbus-xml.c: the check of a D-Bus service's introspection XML
 * before GDBus parses it (north_mcp_dbus_node_info_new())
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include <gio/gio.h>

#include "north-mcp-dbus-xml-private.h"

/* Parses @xml, which must be accepted, and answers its first interface's
 * name. */
static char *
first_interface (const char *xml)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusNodeInfo) info = north_mcp_dbus_node_info_new (xml, &error);

  g_assert_no_error (error);
  g_assert_nonnull (info);
  g_assert_nonnull (info->interfaces);
  g_assert_nonnull (info->interfaces[0]);
  return g_strdup (info->interfaces[0]->name);
}

static void
assert_refused (const char *xml)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusNodeInfo) info = north_mcp_dbus_node_info_new (xml, &error);

  g_assert_null (info);
  g_assert_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT);
}

/* What real services send: a doctype, comments, CDATA, documentation in
 * elements of its own, annotations. */
static void
test_real_data (void)
{
  g_autofree char *name = first_interface (
    "<!DOCTYPE node PUBLIC \"-//freedesktop//DTD D-BUS Object Introspection 1.0//EN\"\n"
    " \"http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd\">\n"
    "<!-- <node><method> in a comment -->\n"
    "<node xmlns:doc=\"http://www.freedesktop.org/dbus/1.0/doc.dtd\">\n"
    "  <interface name=\"org.example.Real\">\n"
    "    <annotation name=\"org.freedesktop.DBus.Deprecated\" value=\"false\"/>\n"
    "    <method name=\"Ping\">\n"
    "      <doc:doc><doc:description><doc:para>Answers <![CDATA[<node/>]]></doc:para>"
    "</doc:description></doc:doc>\n"
    "      <arg name=\"text\" type=\"s\" direction=\"in\"><summary>not D-Bus's</summary></arg>\n"
    "    </method>\n"
    "    <property name=\"Level\" type=\"i\" access=\"read\"/>\n"
    "  </interface>\n"
    "  <node name=\"child\"/>\n"
    "</node>\n");

  g_assert_cmpstr (name, ==, "org.example.Real");
}

/* GDBus skips a qualified element (documentation in a namespace of its
 * own) with all it holds, whatever the names inside: so does the check.
 * It refused such documentation when it held an element of a D-Bus name
 * (an <arg> or <node> in an example, say), which GDBus reads fine. */
static void
test_qualified_documentation (void)
{
  const char *xml =
    "<node>\n"
    "  <interface name=\"org.example.Documented\">\n"
    "    <doc:doc><doc:example><node><interface name=\"x.y\"/></node></doc:example></doc:doc>\n"
    "    <method name=\"Ping\">\n"
    "      <doc:doc><arg name=\"example\" type=\"s\"/><annotation name=\"a\" value=\"b\"/></doc:doc>\n"
    "    </method>\n"
    "  </interface>\n"
    "</node>\n";
  g_autoptr(GDBusNodeInfo) gdbus = g_dbus_node_info_new_for_xml (xml, NULL);
  g_autofree char *name = NULL;

  /* GDBus's own reading, which the check must not refuse. */
  g_assert_nonnull (gdbus);
  g_assert_cmpstr (gdbus->interfaces[0]->name, ==, "org.example.Documented");
  name = first_interface (xml);
  g_assert_cmpstr (name, ==, "org.example.Documented");
}

/* What crashes GLib 2.74's parser, or stalls it, stays refused. */
static void
test_refused (void)
{
  GString *deep = g_string_new ("<node>");

  assert_refused ("<node><interface name=\"a.b\"><method name=\"M\"><node/></method></interface></node>");
  assert_refused ("<node><interface name=\"a.b\"><property name=\"P\" type=\"s\" access=\"read\">"
                  "<node/></property></interface></node>");
  assert_refused ("<node><interface name=\"a.b\"><doc><method name=\"M\"/></doc></interface></node>");
  assert_refused ("<interface name=\"a.b\"/>");

  /* Deep nesting, documentation included. */
  for (guint i = 0; i < NORTH_MCP_DBUS_XML_MAX_DEPTH + 1; i++)
    g_string_append (deep, "<doc:doc>");
  for (guint i = 0; i < NORTH_MCP_DBUS_XML_MAX_DEPTH + 1; i++)
    g_string_append (deep, "</doc:doc>");
  g_string_append (deep, "</node>");
  assert_refused (deep->str);
  g_string_free (deep, TRUE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/dbus-xml/real-data", test_real_data);
  g_test_add_func ("/dbus-xml/qualified-documentation", test_qualified_documentation);
  g_test_add_func ("/dbus-xml/refused", test_refused);
  return g_test_run ();
}
