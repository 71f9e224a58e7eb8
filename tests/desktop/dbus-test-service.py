#!/usr/bin/python3
"""A D-Bus service for the bridge tests, on the session bus as
org.north.DesktopTest (PyGObject's Gio; Debian's /usr/bin/python3).

/org/north/DesktopTest         org.north.DesktopTest: echo methods for every
                               type class, errors, properties (Count changes
                               with Increment, announced by PropertiesChanged)
                               org.north.DesktopTest.Control: drives the actions
/org/north/DesktopTest/child1  org.north.DesktopTest.Child (for --recursive)
/org/north/DesktopTest/app     org.gtk.Actions: a Gio.SimpleActionGroup
/org/north/DesktopTest/hostile introspection data a hostile service could send
/org/north/Many/a, b, c        org.gtk.Actions: 400 actions each, more tools
                               than the bridge serves

Prints "ready" on stdout once the name is owned; exits when stdin closes.
"""

import sys

import gi
gi.require_version("Gio", "2.0")
from gi.repository import Gio, GLib  # noqa: E402

NAME = "org.north.DesktopTest"
PATH = "/org/north/DesktopTest"
DOC = 'annotation name="org.gtk.GDBus.DocString"'

XML = f"""
<node>
  <interface name="org.north.DesktopTest">
    <method name="EchoBasic">
      <{DOC} value="Returns its arguments, one of every basic D-Bus type."/>
      <arg direction="in" type="b" name="flag"/>
      <arg direction="in" type="y" name="byte"/>
      <arg direction="in" type="n" name="int16"/>
      <arg direction="in" type="q" name="uint16"/>
      <arg direction="in" type="i" name="int32"/>
      <arg direction="in" type="u" name="uint32"/>
      <arg direction="in" type="x" name="int64"/>
      <arg direction="in" type="t" name="uint64"/>
      <arg direction="in" type="d" name="double"/>
      <arg direction="in" type="s" name="text"><{DOC} value="Any text"/></arg>
      <arg direction="in" type="o" name="path"/>
      <arg direction="in" type="g" name="signature"/>
      <arg direction="out" type="b" name="flag"/>
      <arg direction="out" type="y" name="byte"/>
      <arg direction="out" type="n" name="int16"/>
      <arg direction="out" type="q" name="uint16"/>
      <arg direction="out" type="i" name="int32"/>
      <arg direction="out" type="u" name="uint32"/>
      <arg direction="out" type="x" name="int64"/>
      <arg direction="out" type="t" name="uint64"/>
      <arg direction="out" type="d" name="double"/>
      <arg direction="out" type="s" name="text"/>
      <arg direction="out" type="o" name="path"/>
      <arg direction="out" type="g" name="signature"/>
    </method>
    <method name="EchoContainers">
      <arg direction="in" type="ay" name="bytes"/>
      <arg direction="in" type="as" name="strings"/>
      <arg direction="in" type="a{{sv}}" name="dict"/>
      <arg direction="in" type="a{{is}}" name="int_keys"/>
      <arg direction="in" type="(isb)" name="tuple"/>
      <arg direction="in" type="v" name="variant"/>
      <arg direction="in" type="aa{{sv}}" name="records"/>
      <arg direction="out" type="ay" name="bytes"/>
      <arg direction="out" type="as" name="strings"/>
      <arg direction="out" type="a{{sv}}" name="dict"/>
      <arg direction="out" type="a{{is}}" name="int_keys"/>
      <arg direction="out" type="(isb)" name="tuple"/>
      <arg direction="out" type="v" name="variant"/>
      <arg direction="out" type="aa{{sv}}" name="records"/>
    </method>
    <method name="VariantType">
      <{DOC} value="Tells the type of the value inside the variant."/>
      <arg direction="in" type="v" name="value"/>
      <arg direction="out" type="s" name="type"/>
    </method>
    <method name="Unnamed">
      <arg direction="in" type="i"/>
      <arg direction="in" type="s"/>
      <arg direction="out" type="s"/>
      <arg direction="out" type="i"/>
    </method>
    <method name="Fail">
      <arg direction="in" type="s" name="message"/>
    </method>
    <method name="FailLong">
      <{DOC} value="Fails with a message of 3 MiB (a reply may take 4)."/>
    </method>
    <method name="Strict">
      <arg direction="in" type="i" name="value"/>
      <arg direction="out" type="i" name="value"/>
    </method>
    <method name="Increment">
      <arg direction="out" type="u" name="count"/>
    </method>
    <method name="Dangerous">
      <arg direction="out" type="s" name="result"/>
    </method>
    <method name="Wait">
      <{DOC} value="Answers only once Release is called."/>
      <arg direction="out" type="s" name="released_by"/>
    </method>
    <method name="Release">
      <arg direction="in" type="s" name="by"/>
      <arg direction="out" type="u" name="released"/>
    </method>
    <method name="WithFd">
      <arg direction="in" type="h" name="fd"/>
    </method>
    <property name="Count" type="u" access="read">
      <{DOC} value="How often Increment was called."/>
    </property>
    <property name="Name" type="s" access="readwrite"/>
    <property name="Secret" type="s" access="write"/>
    <property name="Handle" type="h" access="read"/>
  </interface>
  <interface name="org.north.DesktopTest.Control">
    <method name="SetActionEnabled">
      <arg direction="in" type="s" name="action"/>
      <arg direction="in" type="b" name="enabled"/>
    </method>
    <method name="AddAction">
      <arg direction="in" type="s" name="action"/>
    </method>
    <method name="RemoveAction">
      <arg direction="in" type="s" name="action"/>
    </method>
    <method name="LastActivation">
      <arg direction="out" type="s" name="activation"/>
    </method>
  </interface>
</node>
"""

CHILD_XML = """
<node>
  <interface name="org.north.DesktopTest.Child">
    <method name="Ping">
      <arg direction="out" type="s" name="reply"/>
    </method>
  </interface>
</node>
"""


# What a hostile (or broken) service may claim: names GDBus would refuse to
# call, argument names that clash, a type that is not one, a huge DocString.
HOSTILE_XML = ("<node><interface name='org.north.Hostile'>"
               "<method name='Bad Name'/>"
               "<method name='Good'>"
               "<annotation name='org.gtk.GDBus.DocString' value='" + "x" * 10000 + "'/>"
               "<arg direction='in' type='s' name='dup'/><arg direction='in' type='s' name='dup'/>"
               "<arg direction='in' type='s' name='arg_1'/></method>"
               "<method name='BadType'><arg direction='in' type='ii' name='a'/></method>"
               # A call's signature is at most 255 characters: dbus-daemon
               # disconnects a sender of more.
               "<method name='TooManyArgs'>" + "<arg direction='in' type='y'/>" * 256 + "</method>"
               "<method name='TooDeep'><arg direction='in' type='" + "a" * 33 + "y' name='a'/></method>"
               "<property name='Bad Prop' type='s' access='read'/>"
               "</interface>"
               "<interface name='nodots'><method name='Hidden'/></interface>"
               "<node name='../escape'/></node>")

INTROSPECTABLE_XML = """
<node>
  <interface name="org.freedesktop.DBus.Introspectable">
    <method name="Introspect"><arg direction="out" type="s"/></method>
  </interface>
</node>
"""


class Service:
    def __init__(self, connection):
        self.connection = connection
        self.count = 0
        self.name = "desktop test"
        self.last_activation = ""
        self.waiting = []
        self.actions = Gio.SimpleActionGroup()
        self.add_action("quit")
        self.add_action("greet", GLib.VariantType("s"))
        self.add_action("counter", GLib.VariantType("i"), GLib.Variant("i", 0))
        self.add_action("dark-mode", None, GLib.Variant("b", False))

        info = Gio.DBusNodeInfo.new_for_xml(XML)
        for interface in info.interfaces:
            connection.register_object(PATH, interface, self.method_call,
                                       self.get_property, None)
        child = Gio.DBusNodeInfo.new_for_xml(CHILD_XML)
        connection.register_object(PATH + "/child1", child.interfaces[0],
                                   self.child_call, None, None)
        connection.export_action_group(PATH + "/app", self.actions)
        # Kept: an exported group is not referenced by the connection.
        self.many = []
        for child in "abc":
            group = Gio.SimpleActionGroup()
            for i in range(400):
                group.add_action(Gio.SimpleAction.new(f"action{i}", None))
            connection.export_action_group(f"/org/north/Many/{child}", group)
            self.many.append(group)
        introspectable = Gio.DBusNodeInfo.new_for_xml(INTROSPECTABLE_XML)
        connection.register_object(PATH + "/hostile", introspectable.interfaces[0],
                                   self.hostile_call, None, None)

    def add_action(self, name, parameter_type=None, state=None):
        if state is None:
            action = Gio.SimpleAction.new(name, parameter_type)
        else:
            action = Gio.SimpleAction.new_stateful(name, parameter_type, state)
        action.connect("activate", self.activated)
        self.actions.add_action(action)

    def activated(self, action, parameter):
        name = action.get_name()
        self.last_activation = name + (":" + parameter.print_(False) if parameter else "")
        if name == "counter":
            action.set_state(GLib.Variant("i", action.get_state().get_int32() + parameter.get_int32()))
        elif name == "dark-mode":
            action.set_state(GLib.Variant("b", not action.get_state().get_boolean()))

    def get_property(self, connection, sender, path, interface, name):
        if name == "Count":
            return GLib.Variant("u", self.count)
        if name == "Name":
            return GLib.Variant("s", self.name)
        return None

    def hostile_call(self, connection, sender, path, interface, method, parameters, invocation):
        if method == "Introspect":
            invocation.return_value(GLib.Variant("(s)", (HOSTILE_XML,)))
        else:
            invocation.return_value(GLib.Variant("(s)", (parameters.print_(False),)))

    def child_call(self, connection, sender, path, interface, method, parameters, invocation):
        invocation.return_value(GLib.Variant("(s)", ("pong",)))

    def method_call(self, connection, sender, path, interface, method, parameters, invocation):
        args = parameters.unpack()
        if method in ("EchoBasic", "EchoContainers"):
            invocation.return_value(parameters)
        elif method == "VariantType":
            invocation.return_value(GLib.Variant("(s)", (parameters.get_child_value(0).get_variant().get_type_string(),)))
        elif method == "Unnamed":
            invocation.return_value(GLib.Variant("(si)", (args[1], args[0])))
        elif method == "Fail":
            invocation.return_dbus_error("org.north.DesktopTest.Error.Failed", args[0])
        elif method == "FailLong":
            invocation.return_dbus_error("org.north.DesktopTest.Error.Long", "y" * (3 << 20))
        elif method == "Strict":
            if args[0] <= 0:
                invocation.return_dbus_error("org.freedesktop.DBus.Error.InvalidArgs",
                                             "value must be positive")
            else:
                invocation.return_value(GLib.Variant("(i)", (args[0],)))
        elif method == "Increment":
            self.count += 1
            connection.emit_signal(None, PATH, "org.freedesktop.DBus.Properties", "PropertiesChanged",
                                   GLib.Variant("(sa{sv}as)", ("org.north.DesktopTest",
                                                               {"Count": GLib.Variant("u", self.count)},
                                                               [])))
            invocation.return_value(GLib.Variant("(u)", (self.count,)))
        elif method == "Wait":
            self.waiting.append(invocation)
        elif method == "Release":
            released, self.waiting = self.waiting, []
            for waiting in released:
                waiting.return_value(GLib.Variant("(s)", (args[0],)))
            invocation.return_value(GLib.Variant("(u)", (len(released),)))
        elif method == "Dangerous":
            invocation.return_value(GLib.Variant("(s)", ("should not be reachable",)))
        elif method == "SetActionEnabled":
            self.actions.lookup_action(args[0]).set_enabled(args[1])
            invocation.return_value(None)
        elif method == "AddAction":
            self.add_action(args[0])
            invocation.return_value(None)
        elif method == "RemoveAction":
            self.actions.remove_action(args[0])
            invocation.return_value(None)
        elif method == "LastActivation":
            invocation.return_value(GLib.Variant("(s)", (self.last_activation,)))
        else:
            invocation.return_dbus_error("org.freedesktop.DBus.Error.UnknownMethod", method)


def serve(name, make_service):
    """Runs make_service(bus) on the session bus as @name: prints "ready"
    once the name is owned, returns when stdin closes (hostile-dbus-service.py
    uses it too)."""
    loop = GLib.MainLoop()
    bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
    service = make_service(bus)  # noqa: F841 (keeps the objects alive)

    def acquired(connection, owned):
        print("ready", flush=True)

    def lost(connection, owned):
        print(f"{sys.argv[0]}: lost the name {owned}", file=sys.stderr)
        loop.quit()

    Gio.bus_own_name_on_connection(bus, name, Gio.BusNameOwnerFlags.NONE, acquired, lost)
    GLib.io_add_watch(GLib.IOChannel.unix_new(sys.stdin.fileno()),
                      GLib.PRIORITY_DEFAULT, GLib.IOCondition.IN | GLib.IOCondition.HUP,
                      lambda *a: (loop.quit(), False)[1])
    loop.run()


if __name__ == "__main__":
    serve(NAME, Service)
