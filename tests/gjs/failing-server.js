// failing-server.js: a tool, a resource, a prompt and routes that throw,
// for tests/gjs/test_failure_log.py (how often their failures reach
// stderr), and a tool that never answers and tools that give up on their
// context requests, for tests/gjs/test_cancelled.py.
//
// SPDX-License-Identifier: MIT
import Gio from 'gi://Gio';
import Soup from 'gi://Soup?version=3.0';
import System from 'system';
import {Server, _requestsInFlight, _setLogInterval, sleep} from '../../bindings/gjs/northmcp.js';

const server = new Server({name: 'Failing', version: '1.0.0'});

server.tool('fail', {description: 'Fails'}, () => {
    throw new RangeError('nope');
});

// Its error quotes what the client sent, control characters and all.
server.tool('failWith', {input: {text: 'string'}}, ({text}) => {
    throw new RangeError(`nope: ${text}`);
});

server.resource('fail://here', {name: 'fail'}, () => {
    throw new RangeError('nope');
});

server.resource('fail://{what}', {name: 'failing'}, ({what}) => {
    throw new RangeError(`nope: ${what}`);
});

server.prompt('fail', {}, () => {
    throw new RangeError('nope');
});

// Custom routes: one that throws, one whose Promise rejects, one that
// answers after an `await`.
server.route('/fail', () => {
    throw new RangeError('nope');
});

server.route('/fail-later', async () => {
    await sleep(0);
    throw new RangeError('nope');
});

server.route('/later', async (_server, message) => {
    await sleep(0);
    message.set_status(200, null);
    message.set_response('text/plain', Soup.MemoryUse.COPY, new TextEncoder().encode('later'));
});

// The same through the introspected NorthMcp.Server.add_route(), which
// the module wraps as route() does.
server.server.add_route('/bare/fail', () => {
    throw new RangeError('nope');
});

server.server.add_route('/bare/fail-later', async () => {
    await sleep(0);
    throw new RangeError('nope');
});

// A tool that never answers: its client cancels it or goes away.
server.tool('forever', {description: 'Never settles'}, () => new Promise(() => {}));

// Asks the client @times times (elicit, sample and listRoots in turn),
// giving up on each question before its answer through the
// Gio.Cancellable it gave.
server.tool('giveUpAsking', {input: {times: 'integer'}}, async ({times}, context) => {
    const ask = [
        cancellable => context.elicit('Your name?', {name: 'string'}, cancellable),
        cancellable => context.elicit('Ready?', cancellable),  // in place of the schema
        cancellable => context.sample('Hello?', {}, cancellable),
        cancellable => context.listRoots(cancellable),
    ];
    let cancelled = 0;
    for (let i = 0; i < times; i++) {
        const cancellable = new Gio.Cancellable();
        const asking = ask[i % ask.length](cancellable);
        await sleep(0);
        cancellable.cancel();
        try {
            await asking;
        } catch (error) {
            if (error.matches?.(Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED))
                cancelled++;
        }
    }
    return `${cancelled} cancelled`;
});

// A resource whose function waits until its request is cancelled, and a
// tool that reads it and gives up on the read.
const reads = [];
server.resource('slow://forever', {name: 'slow'}, (_variables, context) => new Promise((_resolve, reject) => {
    reads.push('started');
    context.get_cancellable().connect(() => {
        reads.push('cancelled');
        reject(new Error('cancelled'));
    });
}));

server.tool('giveUpReading', {}, async (_args, context) => {
    const cancellable = new Gio.Cancellable();
    const reading = context.readResource('slow://forever', cancellable);
    while (!reads.includes('started'))
        await sleep(0);
    cancellable.cancel();
    let outcome = 'read';
    try {
        await reading;
    } catch (error) {
        outcome = error.matches?.(Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED) ? 'gave up' : String(error);
    }
    return `${outcome}: ${reads.join(', ')}`;
});

// How many requests the module holds the context of (this one among them).
server.tool('inFlight', {description: 'Requests in flight'}, () => _requestsInFlight());

// What the Python binding's test does with monkeypatch: the log interval
// (null: the environment's) and debug mode, changed while serving; then
// `mark: @mark` on stderr, after every line of the calls before.
server.tool('configure', {
    description: 'Sets the log interval and debug mode',
    input: {intervalMs: {type: ['integer', 'null']}, debug: 'boolean', mark: 'string'},
}, ({intervalMs, debug, mark}) => {
    _setLogInterval(intervalMs);
    server.server.set_debug(debug);
    printerr(`mark: ${mark}`);
    return 'configured';
});

System.exit(server.run());
