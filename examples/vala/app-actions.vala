/* app-actions: a GLib.Application's actions as MCP tools, in Vala.
 *
 * The same application as examples/c/app-actions.c: app.greet (a string
 * parameter), app.dark-mode (a boolean state, readable as the resource
 * gaction-state:app.dark-mode), app.quit, and app.secret, hidden until
 * app.unlock enables it.
 *
 * SPDX-License-Identifier: MIT
 */
int main (string[] args) {
    var app = new GLib.Application ("org.north.AppActions", GLib.ApplicationFlags.NON_UNIQUE);

    var greet = new GLib.SimpleAction ("greet", GLib.VariantType.STRING);
    greet.activate.connect ((parameter) => {
        printerr ("Hello, %s!\n", parameter.get_string ());
    });
    app.add_action (greet);

    var dark_mode = new GLib.SimpleAction.stateful ("dark-mode", null, new GLib.Variant.boolean (false));
    dark_mode.activate.connect (() => {
        dark_mode.set_state (new GLib.Variant.boolean (!dark_mode.get_state ().get_boolean ()));
    });
    app.add_action (dark_mode);

    var quit = new GLib.SimpleAction ("quit", null);
    quit.activate.connect (() => { printerr ("Quit requested\n"); });
    app.add_action (quit);

    var secret = new GLib.SimpleAction ("secret", null);
    secret.activate.connect (() => { printerr ("The secret action ran\n"); });
    secret.set_enabled (false);
    app.add_action (secret);

    var unlock_action = new GLib.SimpleAction ("unlock", null);
    unlock_action.activate.connect (() => { secret.set_enabled (true); });
    app.add_action (unlock_action);

    try {
        app.register (null);   // a GLib.Application lists its actions once registered
    } catch (GLib.Error e) {
        printerr ("Cannot register the application: %s\n", e.message);
        return 1;
    }

    var server = new NorthMcp.Server ("app-actions", "1.0.0");
    server.set_port (5222);
    server.add_action_group (app, "app.");
    return server.run (args);
}
