// server-with-destructive-tools.js: tool annotations, in GJS.
//
// Clients such as North ask the user before running a tool marked
// destructive; read-only tools can run freely.
//
//   gjs -m examples/gjs/server-with-destructive-tools.js --transport stdio
//
// SPDX-License-Identifier: MIT

import System from 'system';
import {Server} from '../../bindings/gjs/northmcp.js';

const server = new Server({name: 'Notes', version: '1.0.0', port: 5222});
const notes = new Map();

server.tool('list_notes', {description: 'List the titles of all notes', readOnly: true},
    () => [...notes.keys()].sort().join('\n') || '(no notes)');

server.tool('add_note', {
    description: 'Save a note under a title (replaces a note of that title)',
    input: {title: 'string', text: 'string'},
    readOnly: false, destructive: false, idempotent: true,
}, ({title, text}) => {
    notes.set(title, text);
    return `Saved note '${title}'`;
});

server.tool('delete_note', {
    description: 'Delete a note for good',
    input: {title: 'string'},
    annotations: {destructiveHint: true, idempotentHint: false, openWorldHint: false},
}, ({title}) => {
    if (!notes.delete(title))
        throw new Error(`There is no note titled '${title}'`);
    return `Deleted note '${title}'`;
});

System.exit(server.run());
