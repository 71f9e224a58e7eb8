// server-with-resources.js: resources, a resource template, and a tool that
// reads them with `await context.readResource()` and returns a structured
// result checked against its output schema.
//
//   gjs -m examples/gjs/server-with-resources.js --transport stdio
//
// From a build tree, run it under `meson devenv -C build`. The Vala twin is
// examples/vala/server-with-resources.vala.
//
// SPDX-License-Identifier: MIT

import System from 'system';
import {Server} from '../../bindings/gjs/northmcp.js';

const server = new Server({name: 'Notes', version: '1.0.0', port: 5222});
const NOTES = {groceries: 'milk, eggs', todo: 'write tests'};

// A fixed resource: an object or array is sent as JSON text.
server.resource('notes://index', {
    name: 'index',
    description: 'The titles of all notes',
    mimeType: 'application/json',
}, () => Object.keys(NOTES).sort());

// A resource template: `{title}` arrives in the first argument.
server.resource('notes://{title}', {
    name: 'note',
    description: 'One note, by title',
    mimeType: 'text/plain',
}, ({title}) => {
    if (!(title in NOTES))
        throw new Error(`There is no note titled '${title}'`);
    return NOTES[title];
});

// `output` declares the structured result; the server checks every result
// against it (a mismatch becomes an isError result naming the member).
server.tool('note_stats', {
    description: 'Count the words of a note',
    input: {title: 'string'},
    output: {title: 'string', words: 'integer'},
    readOnly: true,
}, async ({title}, context) => {
    const [contents] = await context.readResource(`notes://${title}`);
    return {title, words: contents.text.split(/\s+/).filter(Boolean).length};
});

System.exit(server.run());
