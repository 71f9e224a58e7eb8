// server-with-auth.js: the North quick-start server, in GJS.
//
// A tool `add` that says on stderr who called it, `whoami` that returns
// what the server knows of the North user, `divide` (dividing by zero is
// an error result) and `add_slowly`, an async tool that waits without
// blocking the server.
//
//   gjs -m examples/gjs/server-with-auth.js --transport streamable-http
//   gjs -m examples/gjs/server-with-auth.js --transport stdio
//
// From a build tree, run it under `meson devenv -C build`.
//
// SPDX-License-Identifier: MIT

import System from 'system';
import {Server, AuthenticationError, getAuthenticatedUser, getNorthContext, sleep}
    from '../../bindings/gjs/northmcp.js';

const server = new Server({name: 'Demo', version: '1.0.0', port: 5222});

function callerEmail(context = null) {
    try {
        return getAuthenticatedUser(context).email;
    } catch (error) {
        if (error instanceof AuthenticationError)
            return 'unauthenticated user';
        throw error;
    }
}

server.tool('add', {
    description: 'Add two numbers',
    input: {a: 'integer', b: 'integer'},
    readOnly: true,
}, ({a, b}) => {
    // stderr, not stdout: stdout carries the stdio transport.
    printerr(`This tool was called by: ${callerEmail()}`);
    return a + b;
});

server.tool('whoami', {
    description: 'Tell what the server knows of the North user calling it',
    readOnly: true,
}, (args, context) => {
    // Every X-North-Context-* header, with or without credentials. The
    // span records only when tracing is configured (OTEL_* variables).
    const northContext = context.span('collect-north-context', span => {
        const found = getNorthContext(context);
        span.set_attribute_int('north.context.count', Object.keys(found).length);
        return found;
    });
    try {
        const user = getAuthenticatedUser(context);
        return {
            email: user.email,
            connector_access_tokens: user.connectorAccessTokens,
            context: northContext,
            id_token_present: user.idToken !== null,
        };
    } catch (error) {
        if (!(error instanceof AuthenticationError))
            throw error;
        return {email: null, connector_access_tokens: {}, context: northContext, id_token_present: false};
    }
});

server.tool('divide', {
    description: 'Divide a by b',
    input: {a: 'number', b: 'number'},
    readOnly: true,
}, ({a, b}) => {
    if (b === 0)
        throw new RangeError('division by zero');
    return a / b;
});

server.tool('add_slowly', {
    description: 'Add two numbers after waiting, without blocking other calls',
    input: {a: 'integer', b: 'integer', seconds: {type: 'number', default: 1.0}},
    readOnly: true,
}, async ({a, b, seconds = 1.0}) => {
    printerr(`add_slowly: waiting ${seconds} s`);
    await sleep(seconds * 1000);
    // Still the caller after an await: no need to pass the context.
    printerr(`add_slowly: done for ${callerEmail()}`);
    return a + b;
});

System.exit(server.run());
