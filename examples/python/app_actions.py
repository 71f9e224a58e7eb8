#!/usr/bin/env python3
"""app_actions: a Gio.Application's actions as MCP tools, in Python.

The same application as examples/c/app-actions.c: ``app.greet`` (a string
parameter), ``app.dark-mode`` (a boolean state, readable as the resource
``gaction-state:app.dark-mode``), ``app.quit``, and ``app.secret``, hidden
until ``app.unlock`` enables it.

    python3 examples/python/app_actions.py --transport stdio

SPDX-License-Identifier: MIT
"""
import sys

import gi

import north_mcp_from_build_tree  # noqa: F401  (uninstalled checkouts)

gi.require_version("Gio", "2.0")
gi.require_version("NorthMcp", "1.0")
from gi.repository import Gio, GLib, NorthMcp  # noqa: E402

app = Gio.Application(application_id="org.north.AppActions",
                      flags=Gio.ApplicationFlags.NON_UNIQUE)


def add_action(name, callback, parameter_type=None, state=None):
    if state is None:
        action = Gio.SimpleAction.new(name, parameter_type)
    else:
        action = Gio.SimpleAction.new_stateful(name, parameter_type, state)
    action.connect("activate", callback)
    app.add_action(action)
    return action


def toggle(action, parameter):
    action.set_state(GLib.Variant("b", not action.get_state().get_boolean()))


add_action("greet", lambda a, p: print(f"Hello, {p.get_string()}!", file=sys.stderr),
           GLib.VariantType("s"))
add_action("dark-mode", toggle, state=GLib.Variant("b", False))
add_action("quit", lambda a, p: print("Quit requested", file=sys.stderr))
secret = add_action("secret", lambda a, p: print("The secret action ran", file=sys.stderr))
secret.set_enabled(False)
add_action("unlock", lambda a, p: secret.set_enabled(True))

app.register(None)  # a Gio.Application lists its actions once registered
server = NorthMcp.Server("app-actions", "1.0.0", port=5222)
server.add_action_group(app, "app.")
sys.exit(server.run())
