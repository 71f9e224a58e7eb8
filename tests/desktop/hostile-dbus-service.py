#!/usr/bin/python3
"""A hostile D-Bus service for the bridge's limits, on the session bus as
org.north.HostileTest (PyGObject's Gio; Debian's /usr/bin/python3). Every
object answers Introspect itself, with data made up here: nothing else is
called.

/org/north/Schemas          methods whose input schemas are as large as a
                            valid signature allows: Small (one string),
                            Variants (255 `v`: some 63 KB of schema),
                            LongDocs (48 arguments with 4096-byte
                            DocStrings); children bulk0 … bulk7
/org/north/Schemas/bulkN    128 methods of 48 `v` each, every schema under
                            the per-tool limit, more than 12 MB together
/org/north/Silent           children quiet00 … quiet19, which never answer
                            Introspect, then live0 … live4, which do (one
                            method, Ping)
/org/north/Endless          live0 … live4, then 250 quiet children: more
                            than an attachment has time for
/org/north/Nested           Ping, and children: good (Ping), bad (a <node>
                            inside a <method>, which crashes GLib 2.74's
                            introspection parser) and deep (40,000 nested
                            <node>s, which it takes some 18 s to parse)
/org/north/Replies          replies of many small values (org.north.Replies,
                            the only methods here that answer more than
                            Introspect): Few (3 `(y)`), Many (100,000 `(y)`:
                            200,000 JSON nodes, within the values a message
                            may hold), Crowd (1,500,000 empty signatures: 3 MB,
                            within a reply's 4 MiB, but one GVariant each once
                            GDBus has parsed it), Huge (2,000,000 empty
                            strings: a 16 MB message), Mid (786,432 empty
                            strings: 6 MiB, past a reply's 4 MiB) and the
                            property Items (as Many)
/org/north/Stuck            actions (org.gtk.Actions, exported by GDBus):
                            poke (a string parameter); the test stops this
                            process (SIGSTOP) to make an application that
                            no longer reads its bus socket

Prints "ready" on stdout once the name is owned; exits when stdin closes.
"""

import array
import importlib.util
import os
import sys

import gi
gi.require_version("Gio", "2.0")
from gi.repository import Gio, GLib  # noqa: E402

# The main loop of dbus-test-service.py (whose name is no module name).
_spec = importlib.util.spec_from_file_location(
    "dbus_test_service", os.path.join(os.path.dirname(os.path.abspath(__file__)), "dbus-test-service.py"))
_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_module)
serve = _module.serve

NAME = "org.north.HostileTest"
DOC = "org.gtk.GDBus.DocString"

INTROSPECTABLE_XML = _module.INTROSPECTABLE_XML


def method(name, args):
    return f"<method name='{name}'>{''.join(args)}</method>"


def arg(signature, name=None, doc=None):
    named = f" name='{name}'" if name else ""
    inner = f"<annotation name='{DOC}' value='{doc}'/>" if doc else ""
    return f"<arg direction='in' type='{signature}'{named}>{inner}</arg>"


def node(interface=None, methods=(), children=()):
    body = f"<interface name='{interface}'>{''.join(methods)}</interface>" if interface else ""
    return "<node>" + body + "".join(f"<node name='{c}'/>" for c in children) + "</node>"


BULK = [f"bulk{i}" for i in range(8)]
SCHEMAS = node("org.north.Schemas", [
    method("Small", [arg("s", "text")]),
    method("Variants", [arg("v")] * 255),
    method("LongDocs", [arg("s", f"a{i}", "d" * 4096) for i in range(48)]),
], BULK)
BULK_XML = node("org.north.Schemas.Bulk", [method(f"M{i}", [arg("v")] * 48) for i in range(128)])

LIVE = [f"live{i}" for i in range(5)]
LIVE_XML = node("org.north.Live", [method("Ping", [])])
SILENT = node(None, children=[f"quiet{i:02}" for i in range(20)] + LIVE)
ENDLESS = node(None, children=LIVE + [f"quiet{i:03}" for i in range(250)])

NESTED = node("org.north.Live", [method("Ping", [])], ["good", "bad", "deep"])
NESTED_BAD = ("<node><interface name='org.north.Bad'><method name='M'>"
              "<node><interface name='org.north.Inner'/></node></method></interface></node>")
NESTED_DEEP = "<node>" * 40000 + "</node>" * 40000

OBJECTS = {"/org/north/Schemas": SCHEMAS, "/org/north/Silent": SILENT, "/org/north/Endless": ENDLESS,
           "/org/north/Nested": NESTED, "/org/north/Nested/good": LIVE_XML,
           "/org/north/Nested/bad": NESTED_BAD, "/org/north/Nested/deep": NESTED_DEEP}
for child in BULK:
    OBJECTS[f"/org/north/Schemas/{child}"] = BULK_XML
for root in ("/org/north/Silent", "/org/north/Endless"):
    for child in LIVE:
        OBJECTS[f"{root}/{child}"] = LIVE_XML


REPLIES_XML = ("<node><interface name='org.north.Replies'>"
               "<method name='Few'><arg direction='out' type='a(y)' name='items'/></method>"
               "<method name='Many'><arg direction='out' type='a(y)' name='items'/></method>"
               "<method name='Crowd'><arg direction='out' type='ag' name='items'/></method>"
               "<method name='Huge'><arg direction='out' type='as' name='items'/></method>"
               "<method name='Mid'><arg direction='out' type='as' name='items'/></method>"
               "<property name='Items' type='a(y)' access='read'/>"
               "</interface></node>")
MANY = 100000
CROWD = 1500000


HUGE = 2000000
MID = 786432  # 6 MiB on D-Bus: past a reply's 4 MiB


def empty_strings(n, type_string="as"):
    """An `as` (or `ag`, `ao`) of @n empty strings, made from its GVariant
    bytes: n NULs, then the end of each as a 4-byte offset."""
    ends = array.array("I", range(1, n + 1))
    if sys.byteorder != "little":
        ends.byteswap()
    return GLib.Variant.new_from_bytes(GLib.VariantType(type_string), GLib.Bytes(b"\0" * n + ends.tobytes()), True)


def structs(n):
    """An a(y) of @n zeros, made from its bytes (a list would take long)."""
    return GLib.Variant.new_from_bytes(GLib.VariantType("a(y)"), GLib.Bytes(b"\0" * n), True)


class Service:
    def __init__(self, connection):
        self.unanswered = []  # kept: a dropped invocation might answer
        self.interface = Gio.DBusNodeInfo.new_for_xml(INTROSPECTABLE_XML).interfaces[0]
        for path in OBJECTS:
            connection.register_object(path, self.interface, self.call, None, None)
        connection.register_object("/org/north/Replies", self.interface, self.call_replies, None, None)
        replies = Gio.DBusNodeInfo.new_for_xml(REPLIES_XML).interfaces[0]
        connection.register_object("/org/north/Replies", replies, self.call_replies,
                                   lambda *args: structs(MANY), None)
        self.actions = Gio.SimpleActionGroup()
        self.actions.add_action(Gio.SimpleAction.new("poke", GLib.VariantType("s")))
        connection.export_action_group("/org/north/Stuck", self.actions)
        quiet = [f"/org/north/Silent/quiet{i:02}" for i in range(20)]
        quiet += [f"/org/north/Endless/quiet{i:03}" for i in range(250)]
        for path in quiet:
            connection.register_object(path, self.interface, self.never_answer, None, None)

    def call_replies(self, connection, sender, path, interface, name, parameters, invocation):
        if name == "Introspect":
            invocation.return_value(GLib.Variant("(s)", (REPLIES_XML,)))
        elif name == "Crowd":
            invocation.return_value(GLib.Variant.new_tuple(empty_strings(CROWD, "ag")))
        elif name in ("Huge", "Mid"):
            invocation.return_value(GLib.Variant.new_tuple(empty_strings(HUGE if name == "Huge" else MID)))
        else:
            invocation.return_value(GLib.Variant.new_tuple(structs(3 if name == "Few" else MANY)))

    def call(self, connection, sender, path, interface, name, parameters, invocation):
        invocation.return_value(GLib.Variant("(s)", (OBJECTS[path],)))

    def never_answer(self, connection, sender, path, interface, name, parameters, invocation):
        self.unanswered.append(invocation)


if __name__ == "__main__":
    serve(NAME, Service)
