// shutdown-server.js: `await server.shutdown()` from a tool, the GJS twin of
// tests/python/shutdown_server.py (both driven by
// tests/python/test_binding_shutdown.py).
//
// SPDX-License-Identifier: MIT
import System from 'system';
import {GLib, Server, sleep} from '../../bindings/gjs/northmcp.js';

const server = new Server({name: 'Shutdown', version: '1.0.0'});

async function report(outcome) {
    try {
        printerr(`shutdown: ${await outcome}`);
    } catch (error) {
        printerr(`shutdown: error ${GLib.quark_to_string(error.domain)} ${error.code} ${error.message}`);
    }
}

server.tool('work', {
    description: 'Works for `seconds` (0: until the server stops), after starting a graceful shutdown when `shutdown`',
    input: {seconds: 'number', shutdown: {type: 'boolean', default: false}},
}, async ({seconds, shutdown = false}) => {
    if (shutdown)
        report(server.shutdown()); // started: connections are refused
    printerr('work: started');
    await sleep(seconds > 0 ? seconds * 1000 : 3600 * 1000);
    printerr('work: done');
    return `worked ${seconds} s`;
});

System.exit(server.run());
