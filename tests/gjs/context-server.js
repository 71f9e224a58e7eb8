// context-server.js: the context of northmcp.js under a real client —
// promise requests to the client and the server, logging, progress, the
// North user after `await`, thrown errors, and the core's output schema
// check. Driven by tests/node/ts-bindings.mjs (checks `context` and
// `output-schema`) with the official TypeScript SDK client.
//
// SPDX-License-Identifier: MIT
import GLib from 'gi://GLib';
import System from 'system';
import {NorthMcp, Server, getAuthenticatedUser, AuthenticationError} from '../../bindings/gjs/northmcp.js';

const server = new Server({name: 'Context', version: '1.0.0', serverSecret: 'server_secret'});

function email() {
    try {
        return getAuthenticatedUser().email;
    } catch (error) {
        if (error instanceof AuthenticationError)
            return 'nobody';
        throw error;
    }
}

// A raw GLib timeout, not the module's sleep(): what users write.
const wait = ms => new Promise(resolve => GLib.timeout_add(GLib.PRIORITY_DEFAULT, ms, () => {
    resolve();
    return GLib.SOURCE_REMOVE;
}));

server.tool('ask', {input: {question: 'string'}}, async ({question}, context) => {
    const answer = await context.elicit(question, {answer: 'string'});
    return `${email()}: ${answer.action} ${answer.content.answer}`;
});

async function later(ms) {
    await wait(ms);
    return email();
}

server.tool('whoami_later', {input: {ms: 'integer'}}, async ({ms}) => {
    const first = email();
    await wait(ms);
    const second = email();
    return `${first} ${second} ${await later(ms)}`;
});

// A continuation that outlives its request must not see a user.
let lateSaw = 'nothing yet';
let lateDone = Promise.resolve();
server.tool('leak_check', {input: {phase: 'string'}}, async ({phase}) => {
    if (phase === 'start') {
        lateDone = (async () => {
            await wait(50);
            lateSaw = email();
        })();
        return 'started';
    }
    await lateDone; // no race with the clock: wait for it to have run
    return `late continuation saw: ${lateSaw}`;
});

server.tool('summarize', {input: {text: 'string'}}, async ({text}, context) => {
    const result = await context.sample(`Summarize: ${text}`, {maxTokens: 100});
    return result.content.text;
});

server.tool('roots', {}, async (_args, context) => {
    const roots = await context.listRoots();
    return roots.map(root => root.uri).join(',');
});

server.resource('notes://{title}', {name: 'note'}, ({title}) => {
    if (title !== 'todo')
        throw new Error(`no note titled ${title}`);
    return 'write tests';
});

server.tool('read_note', {input: {title: 'string'}}, async ({title}, context) => {
    const [contents] = await context.readResource(`notes://${title}`);
    return `note ${title}: ${contents.text} (${contents.mimeType})`;
});

server.tool('count_to', {input: {n: 'integer'}}, async ({n}, context) => {
    for (let i = 1; i <= n; i++) {
        await wait(5);
        await context.progress(i, n, `step ${i}`);
    }
    return `counted to ${n}`;
});

server.tool('chatty', {}, async (_args, context) => {
    await context.debug('looking');
    await context.info('found 2');
    context.warning({left: 1});
    await context.error('oops', {logger: 'chatty'});
    return 'done';
});

server.tool('explode', {}, async () => {
    await wait(1);
    throw new RangeError('the fuse was too short');
});

// The core checks structured results against the output schema.
server.tool('stats', {
    input: {mode: {type: 'string', optional: true}, n: {type: 'integer', optional: true},
        label: {type: 'string', optional: true}},
    output: {type: 'object', properties: {count: {type: 'integer'}, label: {type: 'string'}},
        required: ['count']},
}, ({mode = 'good', n = 3, label = 'things'}) => {
    if (mode === 'text')
        return NorthMcp.ToolResult.new_text('3'); // a bare '3' would be {result: '3'}
    if (mode === 'wrong')
        return {count: 'three', label};
    return {count: n, label};
});

System.exit(server.run());
