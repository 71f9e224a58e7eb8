// test-northmcp.js: the GJS module's conversions, in process.
//
// SPDX-License-Identifier: MIT
import System from 'system';
import {NorthMcp, Json, inputSchema, toolResult, jsonToJs, jsToJson, createTool,
    getAuthenticatedUser, userToJs, AuthenticationError, Server, currentContext}
    from '../../bindings/gjs/northmcp.js';

let failures = 0;
let count = 0;

function test(name, body) {
    count++;
    try {
        body();
        print(`ok ${count} - ${name}`);
    } catch (error) {
        failures++;
        print(`not ok ${count} - ${name}`);
        printerr(`${error}\n${error.stack}`);
    }
}

function assertEqual(actual, expected) {
    const a = JSON.stringify(actual), e = JSON.stringify(expected);
    if (a !== e)
        throw new Error(`expected ${e}, got ${a}`);
}

function assertThrows(body, type) {
    try {
        body();
    } catch (error) {
        if (error instanceof type)
            return;
        throw new Error(`expected a ${type.name}, got ${error}`);
    }
    throw new Error(`expected a ${type.name}, nothing thrown`);
}

test('shorthand input schema', () => {
    assertEqual(inputSchema({a: 'integer', b: {type: 'number', default: 1}, c: {type: 'string', optional: true}}), {
        type: 'object',
        properties: {a: {type: 'integer'}, b: {type: 'number', default: 1}, c: {type: 'string'}},
        required: ['a'],
    });
    assertEqual(inputSchema({}), {type: 'object', properties: {}});
    const full = {type: 'object', properties: {x: {type: 'string'}}, required: ['x']};
    assertEqual(inputSchema(full), full);
    assertThrows(() => inputSchema({a: 'int'}), TypeError);
    assertThrows(() => inputSchema({a: 3}), TypeError);
});

test('results from JavaScript values', () => {
    const json = value => jsonToJs(toolResult(value).to_json());
    assertEqual(json('hi').content, [{type: 'text', text: 'hi'}]);
    assertEqual(json(42).content, [{type: 'text', text: '42'}]);
    assertEqual(json(false).content, [{type: 'text', text: 'false'}]);
    assertEqual(json(null).content, []);
    assertEqual(json({a: [1]}).structuredContent, {a: [1]});
    const list = json(['x', {y: 1}]);
    assertEqual(list.content.map(block => block.text), ['x', '{"y":1}']);
    assertEqual(list.structuredContent, {result: ['x', {y: 1}]});
    const explicit = NorthMcp.ToolResult.new_error('nope');
    if (toolResult(explicit) !== explicit)
        throw new Error('a ToolResult must pass through');
    assertThrows(() => toolResult(() => 1), TypeError);
});

test('with an output schema, single values are wrapped as {result}', () => {
    const json = value => jsonToJs(toolResult(value, {structured: true}).to_json());
    assertEqual(json(42), {content: [{type: 'text', text: '42'}], structuredContent: {result: 42}});
    assertEqual(json('hi').structuredContent, {result: 'hi'});
    assertEqual(json({a: 1}).structuredContent, {a: 1});
    assertEqual(json(null).structuredContent, undefined);
});

test('JSON round trip', () => {
    const value = {s: 'é', n: null, l: [true, 1.5], o: {k: -3}};
    assertEqual(jsonToJs(jsToJson(value)), value);
    assertEqual(jsonToJs(Json.from_string('{"a":1}').get_object()), {a: 1});
});

test('tools from functions', () => {
    const tool = createTool('add', {description: 'Add', input: {a: 'integer'}, destructive: true},
        ({a}) => a);
    assertEqual(tool.get_name(), 'add');
    assertEqual(tool.get_description(), 'Add');
    assertEqual(jsonToJs(tool.get_input_schema()).required, ['a']);
    assertEqual(jsonToJs(tool.get_annotations()), {destructiveHint: true});
    const server = new Server({name: 'T', port: 5999, serverSecret: 's'});
    server.tool('x', () => 'x');
    if (server.server.lookup_tool('x') === null || server.server.get_port() !== 5999 ||
        !server.server.get_auth().has_server_secret())
        throw new Error('server options or tool missing');
});

function thrownMessage(body) {
    try {
        body();
    } catch (error) {
        return String(error.message);
    }
    throw new Error('nothing thrown');
}

test('schema mistakes name the tool, the argument and the valid types', () => {
    const message = thrownMessage(() => createTool('add', {input: {a: 'int'}}, () => 1));
    assertEqual(message, "tool 'add': argument 'a': unknown type 'int' (did you mean 'integer'?); " +
        'the type names are string, integer, number, boolean, array, object, null');
    const other = thrownMessage(() => createTool('add', {input: {a: 'integr'}}, () => 1));
    if (!other.startsWith("tool 'add': argument 'a': unknown type 'integr'; the type names are string,"))
        throw new Error(`got ${other}`);
    const output = thrownMessage(() => createTool('stats', {output: {count: 'float'}}, () => 1));
    if (!output.startsWith("tool 'stats' output: argument 'count': unknown type 'float' (did you mean 'number'?)"))
        throw new Error(`got ${output}`);
    const odd = thrownMessage(() => createTool('add', {input: {a: 3}}, () => 1));
    if (!odd.startsWith("tool 'add': argument 'a': give a type name (string, integer"))
        throw new Error(`got ${odd}`);
});

test('taskSupport lets a tool run as a task', () => {
    const tool = createTool('report', {taskSupport: 'required'}, async () => 'done');
    assertEqual(tool.get_task_support(), NorthMcp.TaskSupport.REQUIRED);
    assertEqual(jsonToJs(tool.to_json()).execution, {taskSupport: 'required'});
    assertEqual(jsonToJs(createTool('plain', {}, () => 1).to_json()).execution, undefined);
    const message = thrownMessage(() => createTool('report', {taskSupport: 'sometimes'}, () => 1));
    assertEqual(message.includes("taskSupport must be"), true);
});

test('output shorthand becomes an output schema', () => {
    const tool = createTool('stats', {output: {count: 'integer'}}, () => ({count: 1}));
    assertEqual(jsonToJs(tool.get_output_schema()),
        {type: 'object', properties: {count: {type: 'integer'}}, required: ['count']});
});

test('the context has promise methods, logging and progress', () => {
    for (const name of ['elicit', 'sample', 'listRoots', 'readResource', 'progress', 'reportProgress',
        'debug', 'info', 'notice', 'warning', 'error'])
        assertEqual(typeof NorthMcp.Context.prototype[name], 'function');
});

test('no current context outside handlers', () => {
    assertEqual(currentContext(), null);
});

test('users', () => {
    assertThrows(() => getAuthenticatedUser(), AuthenticationError);
    const user = NorthMcp.User.new('a@b.c', {google: 'abc'}, null, null, null);
    assertEqual(userToJs(user), {email: 'a@b.c', connectorAccessTokens: {google: 'abc'},
        idToken: null, claims: {}, context: {}});
});

print(`1..${count}`);
System.exit(failures > 0 ? 1 : 0);
